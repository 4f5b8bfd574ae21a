/* Every record of every Kafka-written vector decodes under the 3.9 schemas
 * and re-encodes to exactly the bytes Kafka wrote (metadata and control
 * records alike); the pre-release segment is rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kraft/fsutil.h"
#include "kraft/gen/control_records.h"
#include "kraft/metadata_record.h"
#include "kraft/record_batch.h"
#include "tests/support/kraft_vectors.h"

static const char *files[] = {
    "kafka-3.9/log/00000000000000000000.log",
    "kafka-3.9/snapshot-mv21/00000000000000000100-0000000005.checkpoint",
    "kafka-3.9/snapshot-mv8/00000000000000000100-0000000005.checkpoint",
    "kafka-3.9/snapshot-kraft1/00000000000000000000-0000000000.checkpoint",
    "kafka-3.9/files/bootstrap.checkpoint",
    "kafka-3.7-combined/bootstrap.checkpoint",
    "kafka-3.7-combined/__cluster_metadata-0/00000000000000000000.log",
    "public-kafka-3.6-a/__cluster_metadata-0/00000000000000007752-0000000001.checkpoint",
    "public-kafka-3.6-a/__cluster_metadata-0/00000000000000014926-0000000001.checkpoint",
    "public-kafka-3.6-b/__cluster_metadata-0/00000000000000007205-0000000001.checkpoint",
    "public-kafka-4.x/__cluster_metadata-0/00000000000000010744-0000000004.checkpoint",
    "public-kafka-4.x/bootstrap.checkpoint",
    "trunk-2023-12/__cluster_metadata-0/00000000000000000000.log",
};

/* Re-encodes one control value through its generated codec. */
static bool reencode_control(int16_t type, kr_bytes v, kr_buf *out, kr_arena *a) {
    kr_reader r = kr_reader_make(v.ptr, (size_t)v.len);
#define CASE(T, MSG)                                                                       \
    case T: {                                                                              \
        kr_##MSG m;                                                                        \
        if (!kr_##MSG##_decode(&r, &m, 0, a) || r.pos != r.len) return false;              \
        return kr_##MSG##_encode(out, &m, 0, NULL) == KR_OK;                               \
    }
    switch (type) {
        CASE(KR_CONTROL_LEADER_CHANGE, LeaderChangeMessage)
        CASE(KR_CONTROL_SNAPSHOT_HEADER, SnapshotHeaderRecord)
        CASE(KR_CONTROL_SNAPSHOT_FOOTER, SnapshotFooterRecord)
        CASE(KR_CONTROL_KRAFT_VERSION, KRaftVersionRecord)
        CASE(KR_CONTROL_KRAFT_VOTERS, VotersRecord)
    default: return false;
    }
#undef CASE
}

static void test_vectors_reencode_byte_identical(void **state) {
    (void)state;
    if (!kv_vectors_dir()) skip();
    size_t records = 0, types_seen[32] = {0};
    kr_arena a = {0};
    kr_buf out = {0};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        if (!kv_vector_path(files[i], path, sizeof path)) fail_msg("missing vector %s", files[i]);
        kr_file_view v;
        assert_int_equal(kr_file_map(path, &v, NULL), KR_OK);
        kr_batch_scanner s;
        kr_batch_scanner_init(&s, v.data, v.len, 0, path);
        kr_batch b;
        kr_error err = {0};
        enum kr_scan_status st;
        while ((st = kr_batch_next(&s, &b, &err)) == KR_SCAN_BATCH) {
            kr_record_iter it;
            kr_record_iter_init(&it, &b);
            kr_record rec;
            while (kr_record_next(&it, &rec, &err) == 1) {
                kr_arena_reset(&a);
                kr_buf_reset(&out);
                if (kr_batch_is_control(&b.h)) {
                    kr_control_key key;
                    assert_true(kr_control_key_parse(rec.key, &key));
                    if (!reencode_control(key.type, rec.value, &out, &a))
                        fail_msg("%s offset %lld: control type %d does not decode", files[i], (long long)rec.offset,
                                 key.type);
                } else {
                    kr_metadata_record m;
                    if (kr_metadata_record_decode(rec.value.ptr, (size_t)rec.value.len, &m, &a, &err) != KR_OK)
                        fail_msg("%s offset %lld: %s", files[i], (long long)rec.offset, err.message);
                    assert_int_equal(kr_metadata_record_encode(&out, &m, NULL), KR_OK);
                    types_seen[m.api_key]++;
                }
                if (out.len != (size_t)rec.value.len || memcmp(out.data, rec.value.ptr, out.len) != 0)
                    fail_msg("%s offset %lld: re-encoding differs from Kafka's bytes", files[i], (long long)rec.offset);
                records++;
            }
        }
        if (st != KR_SCAN_END) fail_msg("%s: %s", files[i], err.message);
        kr_file_view_release(&v);
    }
    /* The 3.9 log alone covers every record type Kafka 3.9 has. */
    static const int all_types[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27};
    for (size_t k = 0; k < sizeof all_types / sizeof all_types[0]; k++)
        if (!types_seen[all_types[k]]) fail_msg("no vector record of api key %d", all_types[k]);
    print_message("%zu records re-encoded byte-identically\n", records);
    assert_true(records > 5000);
    kr_buf_free(&out);
    kr_arena_free(&a);
}

static void test_prerelease_vector_rejected(void **state) {
    (void)state;
    char path[4096];
    if (!kv_vector_path("trunk-2023-11-prerelease/00000000000000000000.log", path, sizeof path)) skip();
    kr_file_view v;
    assert_int_equal(kr_file_map(path, &v, NULL), KR_OK);
    kr_batch_scanner s;
    kr_batch_scanner_init(&s, v.data, v.len, 0, path);
    kr_batch b;
    kr_error err = {0};
    kr_arena a = {0};
    bool rejected = false;
    while (!rejected && kr_batch_next(&s, &b, &err) == KR_SCAN_BATCH) {
        if (kr_batch_is_control(&b.h)) continue;
        kr_record_iter it;
        kr_record_iter_init(&it, &b);
        kr_record rec;
        while (kr_record_next(&it, &rec, &err) == 1) {
            kr_metadata_record m;
            if (kr_metadata_record_decode(rec.value.ptr, (size_t)rec.value.len, &m, &a, &err) != KR_OK) {
                assert_int_equal(rec.offset, 24);
                assert_non_null(strstr(err.message, "PartitionRecord v1"));
                rejected = true;
                break;
            }
        }
    }
    assert_true(rejected);
    kr_arena_free(&a);
    kr_file_view_release(&v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_reencode_byte_identical),
        cmocka_unit_test(test_prerelease_vector_rejected),
    };
    return cmocka_run_group_tests_name("vector_records", tests, NULL, NULL);
}
