/* libFuzzer: fixture XML parsing and RelaxNG validation (zkread), then the
 * tree's znodes decoded into the ZK model. */
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>

#include "zkread/tree.h"

static void quiet(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int initialized;
    if (!initialized) {
        xmlSetGenericErrorFunc(NULL, quiet);
        initialized = 1;
    }
    zr_tree t;
    zr_error err;
    if (zr_fixture_parse((const char *)data, size, "fuzz.xml", &t, &err) == 0) {
        zr_model m;
        zr_findings f = {0};
        zr_model_init(&m);
        zr_tree_to_model(&t, &m, &f);
        zr_model_free(&m);
        zr_findings_free(&f);
        zr_tree_free(&t);
    }
    return 0;
}
