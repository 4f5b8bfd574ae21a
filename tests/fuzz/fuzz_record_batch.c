/* libFuzzer: the RecordBatch v2 scanner/decoder, the record iterator, the
 * log-order checks and the snapshot reader, over one input taken as a file.
 * Whatever decodes must re-encode and decode again to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/log_segment.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"

#define MAX_RECORDS 4096

static kr_record recs[MAX_RECORDS];

static void reencode(const kr_batch *b) {
    kr_record_iter it;
    kr_error err;
    int32_t n = 0;
    kr_record_iter_init(&it, b);
    while (n < MAX_RECORDS && kr_record_next(&it, &recs[n], &err) == 1) n++;
    if (n != b->h.record_count) return; /* large batch or header-only rules */
    kr_buf out = {0};
    if (kr_batch_encode(&out, &b->h, recs, n, &err) != KR_OK) abort();
    kr_batch again;
    if (kr_batch_decode(out.data, out.len, 0, "re", KR_RULES_V2, &again, &err) != KR_SCAN_BATCH) abort();
    if (again.h.base_offset != b->h.base_offset || again.h.record_count != n ||
        again.h.leader_epoch != b->h.leader_epoch || again.h.attributes != b->h.attributes)
        abort();
    kr_record_iter_init(&it, &again);
    kr_record r2;
    for (int32_t i = 0; i < n; i++) {
        if (kr_record_next(&it, &r2, &err) != 1) abort();
        if (r2.value.len != recs[i].value.len || r2.key.len != recs[i].key.len) abort();
        if (r2.value.len > 0 && memcmp(r2.value.ptr, recs[i].value.ptr, (size_t)r2.value.len)) abort();
    }
    kr_buf_free(&out);
}

static void scan(const uint8_t *data, size_t size, enum kr_scan_rules rules) {
    kr_batch_scanner s;
    kr_batch b;
    kr_error err;
    kr_batch_scanner_init(&s, data, size, 4096, "fuzz.log");
    s.rules = rules;
    int64_t next = -1;
    int32_t epoch = -1;
    while (kr_batch_next(&s, &b, &err) == KR_SCAN_BATCH) {
        if (b.size < KR_BATCH_HEADER_SIZE || b.bytes + b.size > data + size) abort();
        if (kr_log_check_order(&b, next, epoch, &err) == KR_OK) {
            next = kr_batch_last_offset(&b.h) + 1;
            epoch = b.h.leader_epoch;
        }
        if (rules != KR_RULES_HEADER) reencode(&b);
    }
    /* Repeated calls after the end or an error stay put. */
    size_t pos = s.pos;
    kr_batch_next(&s, &b, &err);
    if (s.pos != pos) abort();
}

static void snapshot(const uint8_t *data, size_t size) {
    kr_snapshot_reader r;
    kr_error err;
    if (kr_snapshot_reader_open_buffer(&r, data, size, "00000000000000000100-0000000005.checkpoint",
                                       &err) == KR_OK) {
        kr_batch b;
        int guard = 0;
        while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH)
            if (++guard > 1000000) abort();
    }
    kr_snapshot_reader_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    scan(data, size, KR_RULES_KRAFT);
    scan(data, size, KR_RULES_V2);
    scan(data, size, KR_RULES_HEADER);
    snapshot(data, size);
    return 0;
}
