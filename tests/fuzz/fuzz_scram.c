/* libFuzzer: the SCRAM server's parsing of client-first and client-final
 * (input: client-first, a 0xff byte, client-final). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/scram.h"

static bool lookup(void *ctx, const char *user, int mechanism, kr_scram_credential *out) {
    (void)ctx;
    (void)user;
    static kr_scram_credential cred;
    static bool ready;
    if (!ready) {
        kr_scram_credential_from_password(KR_SCRAM_SHA_256, "pencil", (const uint8_t *)"salt", 4, 4096, &cred, NULL);
        ready = true;
    }
    *out = cred;
    return mechanism == KR_SCRAM_SHA_256;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *sep = memchr(data, 0xff, size);
    size_t first_len = sep ? (size_t)(sep - data) : size;
    kr_scram_server s;
    kr_scram_server_init(&s, KR_SCRAM_SHA_256);
    char out[1024];
    if (kr_scram_server_first(&s, (const char *)data, first_len, lookup, NULL, "srv", out, sizeof out, NULL) == KR_OK &&
        sep) {
        size_t final_len = size - first_len - 1;
        if (kr_scram_server_final(&s, (const char *)sep + 1, final_len, out, sizeof out, NULL) == KR_OK) abort();
    }
    return 0;
}
