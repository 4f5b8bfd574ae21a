/* RecordBatch v2 (spec metadata-log.md §4-8): worked examples, Kafka-written
 * vectors at the batch level, KRaft rules, corruption and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kraft/crc32c.h"
#include "kraft/record_batch.h"
#include "tests/support/kraft_vectors.h"

#define T0 1735689600000LL

static const char *HEX_8_1 =
    "00000000000000010000004f0000000002c37b98b0000000000000000001941f297c00000001941f297c00"
    "ffffffffffffffffffffffffffff000000013a000000012e010c00116d657461646174612e76657273696f"
    "6e00150000";
static const char *HEX_8_1_VALUE = "010c00116d657461646174612e76657273696f6e001500";
static const char *HEX_8_2 =
    "0000000000000005000000500000000302651a6b37000000000000000001941f297c00000001941f297c00"
    "ffffffffffffffffffffffffffff000000013c000000013001020004666f6f68cc69d1c524426a94cc0ef0"
    "6749417c0000";
static const char *HEX_8_2_VALUE = "01020004666f6f68cc69d1c524426a94cc0ef06749417c00";
static const char *HEX_8_3_HEADER =
    "0000000000000000000000470000000502c808ebc9002000000000000001941f297c00000001941f297c00"
    "ffffffffffffffffffffffffffff000000012a0000000800000003160000000001941f2968780000";
static const char *HEX_8_3_FOOTER =
    "00000000000000010000003f00000005022a4f8794002000000000000001941f297c00000001941f297c00"
    "ffffffffffffffffffffffffffff000000011a00000008000000040600000000";
static const char *HEX_8_5 =
    "0000000000000000 00000047 00000000 02 6969b283 0020 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 2a 00 00 00 08 00000003 16 0000 0000000000000000 00 00"
    "0000000000000001 0000004f 00000000 02 c37b98b0 0000 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 3a 00 00 00 01 2e 010c00 11 6d657461646174612e76657273696f6e 0015 00 00"
    "0000000000000002 0000003f 00000000 02 2a4f8794 0020 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 1a 00 00 00 08 00000004 06 0000 00 00";

static uint8_t *hex(const char *h, size_t *n) {
    uint8_t *p = test_hex_decode(h, n);
    assert_non_null(p);
    return p;
}

static void assert_buf_eq(const kr_buf *b, const uint8_t *want, size_t n) {
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

/* Builds one single-record batch with the builder and compares with `want`. */
static void build_one(kr_buf *out, int64_t base, int32_t epoch, bool control, int16_t type,
                      const char *value_hex) {
    size_t vn;
    uint8_t *v = hex(value_hex, &vn);
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, out, base, epoch, T0, control);
    if (control)
        assert_int_equal(kr_batch_add_control(&b, type, v, vn, &err), KR_OK);
    else
        assert_int_equal(kr_batch_add_data(&b, v, vn, &err), KR_OK);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    free(v);
}

static void test_spec_examples_encode(void **state) {
    (void)state;
    struct { int64_t base; int32_t epoch; bool control; int16_t type; const char *value, *want; } cases[] = {
        {1, 0, false, 0, HEX_8_1_VALUE, HEX_8_1},
        {5, 3, false, 0, HEX_8_2_VALUE, HEX_8_2},
        {0, 5, true, KR_CONTROL_SNAPSHOT_HEADER, "00000000 01941f296878 00", HEX_8_3_HEADER},
        {1, 5, true, KR_CONTROL_SNAPSHOT_FOOTER, "000000", HEX_8_3_FOOTER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_buf out = {0};
        build_one(&out, cases[i].base, cases[i].epoch, cases[i].control, cases[i].type,
                  cases[i].value);
        size_t n;
        uint8_t *want = hex(cases[i].want, &n);
        assert_buf_eq(&out, want, n);
        free(want);
        kr_buf_free(&out);
    }
    /* §8.5: the three batches back to back are the 249-byte bootstrap.checkpoint. */
    kr_buf out = {0};
    build_one(&out, 0, 0, true, KR_CONTROL_SNAPSHOT_HEADER, "0000 0000000000000000 00");
    build_one(&out, 1, 0, false, 0, HEX_8_1_VALUE);
    build_one(&out, 2, 0, true, KR_CONTROL_SNAPSHOT_FOOTER, "000000");
    size_t n;
    uint8_t *want = hex(HEX_8_5, &n);
    assert_int_equal(n, 249);
    assert_buf_eq(&out, want, n);
    free(want);
    kr_buf_free(&out);
}

static void test_spec_examples_decode(void **state) {
    (void)state;
    size_t n, vn;
    uint8_t *bytes = hex(HEX_8_2, &n);
    uint8_t *value = hex(HEX_8_2_VALUE, &vn);
    kr_batch_scanner s;
    kr_batch b;
    kr_error err;
    kr_batch_scanner_init(&s, bytes, n, 1000, "x.log");
    assert_int_equal(kr_batch_next(&s, &b, &err), KR_SCAN_BATCH);
    assert_int_equal(b.h.base_offset, 5);
    assert_int_equal(b.h.batch_length, 80);
    assert_int_equal(b.h.leader_epoch, 3);
    assert_int_equal(b.h.crc, 0x651a6b37);
    assert_int_equal(b.h.attributes, 0);
    assert_int_equal(b.h.base_timestamp, T0);
    assert_int_equal(b.h.max_timestamp, T0);
    assert_int_equal(b.h.producer_id, -1);
    assert_int_equal(b.h.producer_epoch, -1);
    assert_int_equal(b.h.base_sequence, -1);
    assert_int_equal(b.h.record_count, 1);
    assert_int_equal(b.file_pos, 1000);
    kr_record_iter it;
    kr_record rec;
    kr_record_iter_init(&it, &b);
    assert_int_equal(kr_record_next(&it, &rec, &err), 1);
    assert_int_equal(rec.offset, 5);
    assert_int_equal(rec.key.len, -1);
    assert_int_equal(rec.value.len, (int32_t)vn);
    assert_memory_equal(rec.value.ptr, value, vn);
    assert_int_equal(rec.file_pos, 1000 + 61);
    assert_int_equal(kr_record_next(&it, &rec, &err), 0);
    assert_int_equal(kr_batch_next(&s, &b, &err), KR_SCAN_END);
    free(bytes);
    free(value);

    /* §8.5: three batches; control keys parse. */
    bytes = hex(HEX_8_5, &n);
    kr_batch_scanner_init(&s, bytes, n, 0, "bootstrap.checkpoint");
    int types[] = {KR_CONTROL_SNAPSHOT_HEADER, -1, KR_CONTROL_SNAPSHOT_FOOTER};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kr_batch_next(&s, &b, &err), KR_SCAN_BATCH);
        assert_int_equal(b.h.base_offset, i);
        assert_int_equal(kr_batch_is_control(&b.h), types[i] >= 0);
        kr_record_iter_init(&it, &b);
        assert_int_equal(kr_record_next(&it, &rec, &err), 1);
        if (types[i] >= 0) {
            kr_control_key ck;
            assert_true(kr_control_key_parse(rec.key, &ck));
            assert_int_equal(ck.type, types[i]);
        }
    }
    assert_int_equal(kr_batch_next(&s, &b, &err), KR_SCAN_END);
    free(bytes);
}

/* ---- Kafka-written files ------------------------------------------------ */

/* Offsets of the 3.6-a snapshots follow the README's record counts
 * (1+1+1+58+146+375+1 = 583 and 587 data records), not its "1-587/1-589". */
struct vector_file {
    const char *rel;
    int batches;          /* -1: not documented */
    int64_t last_offset;  /* -1: not documented */
    int32_t first_epoch, last_epoch;
};

static const struct vector_file VECTOR_FILES[] = {
    {"kafka-3.9/log/00000000000000000000.log", 4, 34, 1, 2},
    {"kafka-3.9/snapshot-mv21/00000000000000000100-0000000005.checkpoint", 3, 15, 5, 5},
    {"kafka-3.9/snapshot-mv8/00000000000000000100-0000000005.checkpoint", 3, -1, 5, 5},
    {"kafka-3.9/snapshot-kraft1/00000000000000000000-0000000000.checkpoint", -1, -1, 0, 0},
    {"kafka-3.9/files/bootstrap.checkpoint", 3, 2, 0, 0},
    {"kafka-3.7-combined/__cluster_metadata-0/00000000000000000000.log", 4814, 4928, 1, 1},
    {"kafka-3.7-combined/bootstrap.checkpoint", 3, 2, 0, 0},
    {"public-kafka-3.6-a/__cluster_metadata-0/00000000000000007752-0000000001.checkpoint", 3, 584, 1, 1},
    {"public-kafka-3.6-a/__cluster_metadata-0/00000000000000014926-0000000001.checkpoint", 3, 588, 1, 1},
    {"public-kafka-3.6-a/bootstrap.checkpoint", 3, 2, 0, 0},
    {"public-kafka-3.6-b/__cluster_metadata-0/00000000000000007205-0000000001.checkpoint", 3, 4, 1, 1},
    {"public-kafka-3.6-b/bootstrap.checkpoint", 3, 2, 0, 0},
    {"public-kafka-4.x/__cluster_metadata-0/00000000000000010744-0000000004.checkpoint", -1, -1, 4, 4},
    {"public-kafka-4.x/bootstrap.checkpoint", 3, 7, 0, 0},
    {"trunk-2023-12/__cluster_metadata-0/00000000000000000000.log", -1, 25, 1, 2},
    {"trunk-2023-11-prerelease/00000000000000000000.log", -1, -1, -1, -1},
};

/* Re-encodes a decoded batch from its fields and records. */
static void reencode_equal(const kr_batch *b) {
    kr_record recs[1100];
    assert_true(b->h.record_count <= 1100);
    kr_record_iter it;
    kr_error err;
    kr_record_iter_init(&it, b);
    int32_t n = 0;
    int rc;
    while ((rc = kr_record_next(&it, &recs[n], &err)) == 1) n++;
    assert_int_equal(rc, 0);
    assert_int_equal(n, b->h.record_count);
    kr_buf out = {0};
    assert_int_equal(kr_batch_encode(&out, &b->h, recs, n, &err), KR_OK);
    assert_buf_eq(&out, b->bytes, b->size);
    kr_buf_free(&out);
}

static void test_vectors_decode_and_reencode(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    int files = 0;
    for (size_t f = 0; f < sizeof VECTOR_FILES / sizeof VECTOR_FILES[0]; f++) {
        const struct vector_file *vf = &VECTOR_FILES[f];
        char path[4096];
        if (!kv_vector_path(vf->rel, path, sizeof path)) fail_msg("missing vector %s", vf->rel);
        size_t len;
        uint8_t *data = test_read_file(path, &len);
        assert_non_null(data);
        kr_batch_scanner s;
        kr_batch b;
        kr_error err;
        kr_batch_scanner_init(&s, data, len, 0, vf->rel);
        int batches = 0;
        int64_t next = 0;
        int32_t first_epoch = -1, last_epoch = -1;
        enum kr_scan_status st;
        while ((st = kr_batch_next(&s, &b, &err)) == KR_SCAN_BATCH) {
            assert_int_equal(b.h.base_offset, next); /* contiguous from 0 */
            next = kr_batch_last_offset(&b.h) + 1;
            if (batches == 0) first_epoch = b.h.leader_epoch;
            assert_true(b.h.leader_epoch >= last_epoch);
            last_epoch = b.h.leader_epoch;
            reencode_equal(&b);
            batches++;
        }
        if (st != KR_SCAN_END) fail_msg("%s: %s", vf->rel, err.message);
        if (vf->batches >= 0) assert_int_equal(batches, vf->batches);
        if (vf->last_offset >= 0) assert_int_equal(next - 1, vf->last_offset);
        if (vf->first_epoch >= 0) {
            assert_int_equal(first_epoch, vf->first_epoch);
            assert_int_equal(last_epoch, vf->last_epoch);
        }
        print_message("  %s: %d batches, offsets 0-%lld, epochs %d-%d\n", vf->rel, batches,
                      (long long)next - 1, first_epoch, last_epoch);
        free(data);
        files++;
    }
    assert_int_equal(files, 16);
}

/* ---- KRaft rules -------------------------------------------------------- */

static enum kr_scan_status scan_one(const kr_buf *buf, enum kr_scan_rules rules, kr_error *err) {
    kr_batch_scanner s;
    kr_batch b;
    kr_batch_scanner_init(&s, buf->data, buf->len, 0, "t.log");
    s.rules = rules;
    return kr_batch_next(&s, &b, err);
}

/* One data batch whose only record has the given fields. */
static void encode_record(kr_buf *out, int16_t attrs, kr_record rec, int32_t last_delta) {
    kr_batch_header h = {.base_offset = 0, .leader_epoch = 1, .attributes = attrs,
                         .last_offset_delta = last_delta, .base_timestamp = T0,
                         .max_timestamp = T0, .producer_id = -1, .producer_epoch = -1,
                         .base_sequence = -1};
    kr_error err;
    kr_buf_reset(out);
    assert_int_equal(kr_batch_encode(out, &h, &rec, 1, &err), KR_OK);
}

static void test_kraft_rules(void **state) {
    (void)state;
    static const uint8_t value[] = {1, 20, 0, 0};
    static const uint8_t key4[] = {0, 0, 0, 3};
    static const uint8_t hdr[] = {2, 'k', 0};
    kr_record ok = {.key = KR_BYTES_NULL, .value = {value, 4}};
    kr_buf out = {0};
    kr_error err;
    struct { const char *what; int16_t attrs; kr_record rec; int32_t last_delta; } cases[] = {
        {"timestampDelta is not 0", 0, ok, 0},
        {"headerCount is not 0", 0, ok, 0},
        {"offsetDelta is not the record's index", 0, ok, 0},
        {"data record with a key", 0, ok, 0},
        {"data record without a value", 0, ok, 0},
        {"data record with an empty value", 0, ok, 0},
        {"control record without a key", KR_ATTR_CONTROL, ok, 0},
        {"unknown control record type", KR_ATTR_CONTROL, ok, 0},
        {"lastOffsetDelta inconsistent with recordCount", 0, ok, 3},
    };
    cases[0].rec.timestamp_delta = 7;
    cases[1].rec.header_count = 1, cases[1].rec.headers = hdr, cases[1].rec.headers_size = 3;
    cases[2].rec.offset_delta = 1;
    cases[3].rec.key = (kr_bytes){key4, 4};
    cases[4].rec.value = KR_BYTES_NULL;
    cases[5].rec.value = (kr_bytes){value, 0};
    static const uint8_t key_bad_type[] = {0, 0, 0, 9};
    cases[7].rec.key = (kr_bytes){key_bad_type, 4};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        encode_record(&out, cases[i].attrs, cases[i].rec, cases[i].last_delta);
        assert_int_equal(scan_one(&out, KR_RULES_KRAFT, &err), KR_SCAN_ERROR);
        if (!strstr(err.message, cases[i].what)) fail_msg("case %zu: %s", i, err.message);
        assert_non_null(strstr(err.message, "t.log: batch at byte 0"));
        /* Plain v2 rules accept all of these. */
        assert_int_equal(scan_one(&out, KR_RULES_V2, &err), KR_SCAN_BATCH);
    }
    encode_record(&out, 0, ok, 0);
    assert_int_equal(scan_one(&out, KR_RULES_KRAFT, &err), KR_SCAN_BATCH);

    /* Compressed batch: reported as unsupported with the codec name. */
    const char *codecs[] = {"gzip", "snappy", "lz4", "zstd"};
    for (int c = 1; c <= 4; c++) {
        encode_record(&out, 0, ok, 0);
        out.data[22] = (uint8_t)c;
        kr_store_u32(out.data + 17, kr_crc32c(0, out.data + 21, out.len - 21));
        assert_int_equal(scan_one(&out, KR_RULES_KRAFT, &err), KR_SCAN_ERROR);
        assert_int_equal(err.code, KR_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.message, codecs[c - 1]));
        assert_int_equal(scan_one(&out, KR_RULES_HEADER, &err), KR_SCAN_BATCH);
    }
    /* Legacy magic is unsupported, not corrupt. */
    encode_record(&out, 0, ok, 0);
    out.data[16] = 1;
    assert_int_equal(scan_one(&out, KR_RULES_KRAFT, &err), KR_SCAN_ERROR);
    assert_int_equal(err.code, KR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "magic 1"));
    kr_buf_free(&out);
}

static void test_builder_limits(void **state) {
    (void)state;
    kr_buf out = {0};
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, &out, 0, 0, T0, false);
    assert_int_equal(kr_batch_finish(&b, &err), KR_ERR_INVALID); /* empty */
    static uint8_t value[100000];
    memset(value, 7, sizeof value);
    int added = 0;
    while (kr_batch_fits(&b, -1, (int32_t)sizeof value)) {
        assert_int_equal(kr_batch_add_data(&b, value, sizeof value, &err), KR_OK);
        added++;
        assert_true(added < 1000);
    }
    assert_int_equal(kr_batch_add_data(&b, value, sizeof value, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "batch limit"));
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    assert_true(out.len <= KR_BATCH_MAX_BYTES);
    assert_int_equal(added, 83);
    kr_batch_scanner s;
    kr_batch bb;
    kr_batch_scanner_init(&s, out.data, out.len, 0, NULL);
    assert_int_equal(kr_batch_next(&s, &bb, &err), KR_SCAN_BATCH);
    assert_int_equal(bb.h.record_count, added);
    assert_int_equal(bb.h.last_offset_delta, added - 1);
    kr_buf_free(&out);
}

/* ---- corruption and truncation ------------------------------------------ */

/* A small log of our own: 3 batches, control + data, offsets 0-5, epochs 1,1,2. */
static void small_log(kr_buf *out) {
    kr_batch_builder b;
    kr_error err;
    static const uint8_t lc[] = {0, 0, 0, 0, 0x0b, 0xb8, 2, 0, 0, 0x0b, 0xb8, 0, 1, 0};
    static const uint8_t v1[] = {1, 20, 0, 0};
    static const uint8_t v2[] = {1, 2, 0, 4, 'f', 'o', 'o', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                 11, 12, 13, 14, 15, 16, 0};
    kr_batch_begin(&b, out, 0, 1, T0, true);
    kr_batch_add_control(&b, KR_CONTROL_LEADER_CHANGE, lc, sizeof lc, &err);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    kr_batch_begin(&b, out, 1, 1, T0 + 10, false);
    kr_batch_add_data(&b, v1, sizeof v1, &err);
    kr_batch_add_data(&b, v2, sizeof v2, &err);
    kr_batch_add_data(&b, v1, sizeof v1, &err);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    kr_batch_begin(&b, out, 4, 2, T0 + 20, false);
    kr_batch_add_data(&b, v2, sizeof v2, &err);
    kr_batch_add_data(&b, v1, sizeof v1, &err);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
}

/* Scans everything; returns the status that ended the scan and the batch count. */
static enum kr_scan_status scan_all(const uint8_t *p, size_t n, int *batches, kr_error *err) {
    kr_batch_scanner s;
    kr_batch b;
    kr_batch_scanner_init(&s, p, n, 0, "seg.log");
    enum kr_scan_status st;
    *batches = 0;
    while ((st = kr_batch_next(&s, &b, err)) == KR_SCAN_BATCH) {
        kr_record_iter it;
        kr_record rec;
        kr_record_iter_init(&it, &b);
        while (kr_record_next(&it, &rec, err) == 1) {}
        (*batches)++;
        assert_true(*batches <= (int)n);
    }
    return st;
}

static bool outside_crc(const uint8_t *p, size_t n, size_t pos) {
    /* Walks batch boundaries of the intact file. */
    size_t at = 0;
    while (at + 12 <= n) {
        size_t size = kr_load_u32(p + at + 8) + 12u;
        if (pos < at + size) {
            size_t rel = pos - at;
            return rel < 8 || (rel >= 12 && rel < 16);
        }
        at += size;
    }
    return false;
}

static void flip_every_byte(const uint8_t *orig, size_t n, int want_batches) {
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, orig, n);
        p[i] ^= 0xff;
        int batches;
        kr_error err = {0};
        enum kr_scan_status st = scan_all(p, n, &batches, &err);
        if (outside_crc(orig, n, i)) {
            /* baseOffset / leader epoch: a different but valid batch. */
            if (st != KR_SCAN_END) fail_msg("flip at %zu: %s", i, err.message);
            assert_int_equal(batches, want_batches);
        } else {
            if (st == KR_SCAN_END) fail_msg("flip at %zu went unnoticed", i);
            assert_true(strstr(err.message, "seg.log:") == err.message);
            assert_non_null(strstr(err.message, "at byte"));
        }
    }
    free(p);
}

static void test_flip_every_byte(void **state) {
    (void)state;
    kr_buf log = {0};
    small_log(&log);
    flip_every_byte(log.data, log.len, 3);
    kr_buf_free(&log);
    char path[4096];
    if (!kv_vector_path("kafka-3.9/log/00000000000000000000.log", path, sizeof path)) {
        print_message("skip: vectors absent, Kafka log not flipped\n");
        return;
    }
    size_t n;
    uint8_t *data = test_read_file(path, &n);
    flip_every_byte(data, n, 4);
    free(data);
}

static void test_truncate_everywhere(void **state) {
    (void)state;
    kr_buf log = {0};
    small_log(&log);
    size_t bounds[4] = {0};
    int nb = 0;
    for (size_t at = 0; at < log.len; at += kr_load_u32(log.data + at + 8) + 12u) bounds[++nb] = 0, bounds[nb - 1] = at;
    bounds[nb] = log.len;
    for (size_t cut = 0; cut <= log.len; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, log.data, cut);
        int batches;
        kr_error err = {0};
        enum kr_scan_status st = scan_all(p, cut, &batches, &err);
        bool boundary = false;
        for (int k = 0; k <= nb; k++) boundary |= bounds[k] == cut;
        if (boundary) {
            assert_int_equal(st, KR_SCAN_END);
        } else {
            if (st != KR_SCAN_TORN) fail_msg("cut at %zu: status %d %s", cut, st, err.message);
            assert_non_null(strstr(err.message, "torn tail at byte"));
            char want[64];
            snprintf(want, sizeof want, "at byte %zu", bounds[batches]);
            assert_non_null(strstr(err.message, want));
        }
        free(p);
    }
    kr_buf_free(&log);
}

static void test_zero_tail_is_corrupt(void **state) {
    (void)state;
    kr_buf log = {0};
    small_log(&log);
    size_t good = log.len;
    for (int i = 0; i < 40; i++) kr_put_u8(&log, 0);
    int batches;
    kr_error err;
    assert_int_equal(scan_all(log.data, log.len, &batches, &err), KR_SCAN_ERROR);
    assert_int_equal(batches, 3);
    char want[64];
    snprintf(want, sizeof want, "batch at byte %zu", good);
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, "batchLength 0"));
    kr_buf_free(&log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples_encode),
        cmocka_unit_test(test_spec_examples_decode),
        cmocka_unit_test(test_vectors_decode_and_reencode),
        cmocka_unit_test(test_kraft_rules),
        cmocka_unit_test(test_builder_limits),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_truncate_everywhere),
        cmocka_unit_test(test_zero_tail_is_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
