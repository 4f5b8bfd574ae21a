/* libFuzzer: the small-file parsers. Byte 0 picks meta.properties,
 * quorum-state, leader-epoch-checkpoint or partition.metadata; the rest is
 * the file. Whatever parses must format and parse back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/leader_epoch_checkpoint.h"
#include "kraft/meta_properties.h"
#include "kraft/partition_metadata.h"
#include "kraft/quorum_state.h"

static void meta(const char *t, size_t n) {
    kr_meta_properties a, b;
    kr_error err;
    if (kr_meta_properties_parse(t, n, "mp", &a, &err) != KR_OK) return;
    kr_buf out = {0};
    if (kr_meta_properties_format(&a, 0, &out, &err) != KR_OK) abort();
    if (kr_meta_properties_parse((const char *)out.data, out.len, "mp", &b, &err) != KR_OK) abort();
    if (memcmp(&a, &b, sizeof a) != 0) abort();
    kr_buf_free(&out);
}

static void quorum(const char *t, size_t n) {
    kr_quorum_state *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    kr_error err;
    if (kr_quorum_state_parse(t, n, "qs", a, &err) == KR_OK) {
        kr_buf out = {0};
        if (kr_quorum_state_format(a, &out, &err) != KR_OK) abort();
        if (kr_quorum_state_parse((const char *)out.data, out.len, "qs", b, &err) != KR_OK) abort();
        if (memcmp(a, b, sizeof *a) != 0) abort();
        kr_buf_free(&out);
    }
    free(a);
    free(b);
}

static void epochs(const char *t, size_t n) {
    kr_leader_epochs a, b;
    kr_error err;
    if (kr_leader_epochs_parse(t, n, "lec", &a, &err) != KR_OK) return;
    kr_buf out = {0};
    kr_leader_epochs_format(&a, &out);
    if (kr_leader_epochs_parse((const char *)out.data, out.len, "lec", &b, &err) != KR_OK) abort();
    if (a.n != b.n || (a.n && memcmp(a.v, b.v, (size_t)a.n * sizeof *a.v))) abort();
    kr_leader_epochs_free(&a);
    kr_leader_epochs_free(&b);
    kr_buf_free(&out);
}

static void partition(const char *t, size_t n) {
    kr_uuid a, b;
    kr_error err;
    if (kr_partition_metadata_parse(t, n, "pm", &a, &err) != KR_OK) return;
    kr_buf out = {0};
    kr_partition_metadata_format(&a, &out);
    if (kr_partition_metadata_parse((const char *)out.data, out.len, "pm", &b, &err) != KR_OK) abort();
    if (!kr_uuid_eq(&a, &b)) abort();
    kr_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    /* Parsers take (pointer, length): copy so reads past the end are caught. */
    char *t = malloc(size - 1 ? size - 1 : 1);
    memcpy(t, data + 1, size - 1);
    switch (data[0] % 4) {
    case 0: meta(t, size - 1); break;
    case 1: quorum(t, size - 1); break;
    case 2: epochs(t, size - 1); break;
    default: partition(t, size - 1); break;
    }
    free(t);
    return 0;
}
