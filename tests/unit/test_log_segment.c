/* Log segments, recovery, the multi-segment reader, leader-epoch-checkpoint
 * and partition.metadata (spec metadata-log.md §7.4, §11.1-11.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kraft/leader_epoch_checkpoint.h"
#include "kraft/log_segment.h"
#include "kraft/partition_metadata.h"
#include "tests/support/kraft_vectors.h"

#define T0 1735689600000LL

#define tmpdir kv_tmpdir
static int clean_dir(void **state) {
    (void)state;
    kv_rmtree(tmpdir);
    return mkdir(tmpdir, 0700);
}

static const uint8_t VALUE[] = {1, 20, 0, 0};

/* One data batch of n records at base offset `base`, epoch `epoch`. */
static void batch(kr_buf *out, int64_t base, int32_t epoch, int n) {
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, out, base, epoch, T0, false);
    for (int i = 0; i < n; i++) assert_int_equal(kr_batch_add_data(&b, VALUE, sizeof VALUE, &err), KR_OK);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
}

static void test_names(void **state) {
    (void)state;
    char name[KR_SEGMENT_NAME_SIZE];
    kr_segment_file_name(4929, name);
    assert_string_equal(name, "00000000000000004929.log");
    int64_t base;
    assert_true(kr_segment_parse_name(name, &base));
    assert_int_equal(base, 4929);
    assert_false(kr_segment_parse_name("0000000000000000492.log", &base));
    assert_false(kr_segment_parse_name("00000000000000004929.index", &base));
    assert_false(kr_segment_parse_name("0000000000000000492x.log", &base));
    assert_false(kr_segment_parse_name("99999999999999999999.log", &base));
}

static void test_write_and_read_segments(void **state) {
    (void)state;
    kr_segment_writer w;
    kr_error err;
    kr_buf b = {0};
    assert_int_equal(kr_segment_writer_create(&w, tmpdir, 0, &err), KR_OK);
    batch(&b, 0, 1, 3);
    batch(&b, 3, 1, 2);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_OK);
    assert_int_equal(w.next_offset, 5);
    /* Refusals leave the file unchanged. */
    uint64_t size = w.size_bytes;
    kr_buf_reset(&b);
    batch(&b, 6, 1, 1);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "base offset 6 where 5 was expected"));
    kr_buf_reset(&b);
    batch(&b, 5, 0, 1);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "leader epoch 0 below the previous batch's 1"));
    kr_buf_reset(&b);
    batch(&b, 5, 2, 1);
    assert_int_equal(kr_segment_append(&w, b.data, b.len - 1, &err), KR_ERR_INVALID);
    assert_int_equal(w.size_bytes, size);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_OK);
    assert_int_equal(kr_segment_sync(&w, &err), KR_OK);
    assert_int_equal(kr_segment_writer_close(&w, &err), KR_OK);
    /* A second segment from offset 6. */
    assert_int_equal(kr_segment_writer_create(&w, tmpdir, 6, &err), KR_OK);
    kr_segment_writer w2;
    assert_int_equal(kr_segment_writer_create(&w2, tmpdir, 6, &err), KR_ERR_IO); /* exists */
    assert_non_null(strstr(err.message, "00000000000000000006.log"));
    kr_buf_reset(&b);
    batch(&b, 6, 3, 4);
    if (kr_segment_append(&w, b.data, b.len, &err) != KR_OK) fail_msg("%s", err.message);
    kr_segment_writer_close(&w, &err);

    kr_log_reader lr;
    assert_int_equal(kr_log_reader_open(&lr, tmpdir, &err), KR_OK);
    assert_int_equal(lr.n_segments, 2);
    int64_t bases[] = {0, 3, 5, 6}, epochs[] = {1, 1, 2, 3};
    kr_batch bb;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(kr_log_reader_next(&lr, &bb, &err), KR_SCAN_BATCH);
        assert_int_equal(bb.h.base_offset, bases[i]);
        assert_int_equal(bb.h.leader_epoch, epochs[i]);
        assert_non_null(strstr(kr_log_reader_file(&lr), i < 3 ? "00000000000000000000.log" : "00000000000000000006.log"));
    }
    assert_int_equal(kr_log_reader_next(&lr, &bb, &err), KR_SCAN_END);
    kr_log_reader_close(&lr);
    kr_buf_free(&b);
}

static void test_reader_gap_between_segments(void **state) {
    (void)state;
    kr_segment_writer w;
    kr_error err;
    kr_buf b = {0};
    assert_int_equal(kr_segment_writer_create(&w, tmpdir, 0, &err), KR_OK);
    batch(&b, 0, 1, 3);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_OK);
    kr_segment_writer_close(&w, &err);
    assert_int_equal(kr_segment_writer_create(&w, tmpdir, 5, &err), KR_OK);
    kr_buf_reset(&b);
    batch(&b, 5, 1, 1);
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_OK);
    kr_segment_writer_close(&w, &err);
    kr_log_reader lr;
    kr_batch bb;
    assert_int_equal(kr_log_reader_open(&lr, tmpdir, &err), KR_OK);
    assert_int_equal(kr_log_reader_next(&lr, &bb, &err), KR_SCAN_BATCH);
    assert_int_equal(kr_log_reader_next(&lr, &bb, &err), KR_SCAN_ERROR);
    assert_non_null(strstr(err.message, "00000000000000000005.log: segment starts at offset 5"));
    kr_log_reader_close(&lr);
    kr_buf_free(&b);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/nope", tmpdir);
    assert_int_equal(kr_log_reader_open(&lr, missing, &err), KR_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
}

static void test_recover_torn_tail(void **state) {
    (void)state;
    kr_segment_writer w;
    kr_error err;
    kr_buf b = {0};
    assert_int_equal(kr_segment_writer_create(&w, tmpdir, 10, &err), KR_OK);
    batch(&b, 10, 1, 2);
    batch(&b, 12, 2, 2);
    size_t good = b.len;
    assert_int_equal(kr_segment_append(&w, b.data, b.len, &err), KR_OK);
    kr_segment_writer_close(&w, &err);
    char path[4200];
    snprintf(path, sizeof path, "%s/00000000000000000010.log", tmpdir);
    /* Append a torn batch (half of one) behind the writer's back. */
    kr_buf t = {0};
    batch(&t, 14, 2, 3);
    FILE *f = fopen(path, "ab");
    fwrite(t.data, 1, t.len / 2, f);
    fclose(f);
    kr_segment_recovery rec;
    assert_int_equal(kr_segment_recover(path, &rec, &err), KR_OK);
    assert_int_equal(rec.valid_bytes, good);
    assert_int_equal(rec.truncated_bytes, t.len / 2);
    assert_int_equal(rec.batches, 2);
    assert_int_equal(rec.next_offset, 14);
    assert_int_equal(rec.last_epoch, 2);
    assert_non_null(strstr(rec.torn, "torn tail at byte"));
    size_t n;
    uint8_t *data = test_read_file(path, &n);
    assert_int_equal(n, good);
    free(data);
    /* Resume appending where recovery left off. */
    assert_int_equal(kr_segment_writer_resume(&w, tmpdir, 10, rec.valid_bytes, rec.next_offset,
                                              rec.last_epoch, &err), KR_OK);
    assert_int_equal(kr_segment_append(&w, t.data, t.len, &err), KR_OK);
    kr_segment_writer_close(&w, &err);
    assert_int_equal(kr_segment_recover(path, &rec, &err), KR_OK);
    assert_int_equal(rec.truncated_bytes, 0);
    assert_int_equal(rec.next_offset, 17);
    /* Corruption is reported and nothing is cut. */
    data = test_read_file(path, &n);
    data[good + 30] ^= 1;
    assert_true(kv_write_file(path, data, n));
    assert_int_equal(kr_segment_recover(path, &rec, &err), KR_ERR_CORRUPT);
    char want[64];
    snprintf(want, sizeof want, "batch at byte %zu", good);
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, "CRC-32C mismatch"));
    free(data);
    data = test_read_file(path, &n);
    assert_int_equal(n, good + t.len);
    free(data);
    kr_buf_free(&b);
    kr_buf_free(&t);
}

static void test_vector_logs(void **state) {
    (void)state;
    struct { const char *dir; int batches; int64_t next; const char *epochs; } cases[] = {
        {"kafka-3.9/log", 4, 35, "0\n2\n1 0\n2 21\n"},
        {"kafka-3.7-combined/__cluster_metadata-0", 4814, 4929, NULL},
        {"trunk-2023-12/__cluster_metadata-0", -1, 26, NULL},
    };
    KV_REQUIRE_VECTORS();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[4096], cp[4200];
        assert_true(kv_vector_path(cases[i].dir, dir, sizeof dir));
        kr_log_reader lr;
        kr_error err;
        kr_batch b;
        kr_leader_epochs le = {0};
        assert_int_equal(kr_log_reader_open(&lr, dir, &err), KR_OK);
        int n = 0;
        enum kr_scan_status st;
        while ((st = kr_log_reader_next(&lr, &b, &err)) == KR_SCAN_BATCH) {
            assert_int_equal(kr_leader_epochs_observe(&le, b.h.leader_epoch, b.h.base_offset, &err), KR_OK);
            n++;
        }
        if (st != KR_SCAN_END) fail_msg("%s", err.message);
        if (cases[i].batches >= 0) assert_int_equal(n, cases[i].batches);
        assert_int_equal(lr.next_offset, cases[i].next);
        kr_log_reader_close(&lr);
        /* The leader-epoch-checkpoint rebuilt from the batches equals Kafka's file. */
        kr_buf text = {0};
        kr_leader_epochs_format(&le, &text);
        snprintf(cp, sizeof cp, "%s/leader-epoch-checkpoint", dir);
        size_t fn;
        uint8_t *file = test_read_file(cp, &fn);
        const char *want = cases[i].epochs ? cases[i].epochs : (const char *)file;
        size_t wn = cases[i].epochs ? strlen(cases[i].epochs) : fn;
        assert_int_equal(text.len, wn);
        assert_memory_equal(text.data, want, wn);
        free(file);
        kr_buf_free(&text);
        kr_leader_epochs_free(&le);
    }
}

static void test_leader_epoch_checkpoint_files(void **state) {
    (void)state;
    const char *rels[] = {"kafka-3.7-combined/__cluster_metadata-0/leader-epoch-checkpoint",
                          "public-kafka-4.x/__cluster_metadata-0/leader-epoch-checkpoint",
                          "trunk-2023-12/__cluster_metadata-0/leader-epoch-checkpoint"};
    int counts[] = {1, 4, 2};
    kr_error err;
    for (int i = 0; i < 3 && kv_vectors_dir(); i++) {
        char p[4096], out[4200];
        assert_true(kv_vector_path(rels[i], p, sizeof p));
        kr_leader_epochs le;
        assert_int_equal(kr_leader_epochs_read(p, &le, &err), KR_OK);
        assert_int_equal(le.n, counts[i]);
        snprintf(out, sizeof out, "%s/leader-epoch-checkpoint", tmpdir);
        assert_int_equal(kr_leader_epochs_write(out, &le, &err), KR_OK);
        size_t a, b;
        uint8_t *x = test_read_file(p, &a), *y = test_read_file(out, &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(x), free(y);
        kr_leader_epochs_free(&le);
    }
    struct { const char *text, *what; } bad[] = {
        {"", "line 1"}, {"1\n0\n", "version 1"}, {"0\n2\n1 0\n", "expected 2 entries, found 1"},
        {"0\n1\n1 0\n2 5\n", "more than the 1 entries"}, {"0\n2\n2 0\n1 5\n", "do not ascend"},
        {"0\n1\n1  \n", "line 3"}, {"0\n1\n1 x\n", "line 3"}, {"0\n-1\n", "line 2"},
        {"0\n1\n1 0 7\n", "line 3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kr_leader_epochs le;
        assert_int_not_equal(kr_leader_epochs_parse(bad[i].text, strlen(bad[i].text), "lec", &le, &err), KR_OK);
        if (!strstr(err.message, bad[i].what) || strncmp(err.message, "lec: ", 5))
            fail_msg("case %zu: %s", i, err.message);
    }
    kr_leader_epochs le;
    assert_int_equal(kr_leader_epochs_parse("0\n1\n1 0", 7, "lec", &le, &err), KR_OK); /* last \n optional */
    kr_leader_epochs_free(&le);
}

static void test_partition_metadata(void **state) {
    (void)state;
    kr_buf b = {0};
    kr_partition_metadata_format(&KR_METADATA_TOPIC_ID, &b);
    assert_int_equal(b.len, 43);
    assert_memory_equal(b.data, "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", 43);
    kr_error err;
    kr_uuid id;
    assert_int_equal(kr_partition_metadata_parse((const char *)b.data, b.len, "pm", &id, &err), KR_OK);
    assert_true(kr_uuid_eq(&id, &KR_METADATA_TOPIC_ID));
    char p[4096];
    const char *rels[] = {"kafka-3.7-combined/__cluster_metadata-0/partition.metadata",
                          "trunk-2023-12/__cluster_metadata-0/partition.metadata"};
    for (int i = 0; i < 2 && kv_vectors_dir(); i++) {
        assert_true(kv_vector_path(rels[i], p, sizeof p));
        assert_int_equal(kr_partition_metadata_read(p, &id, &err), KR_OK);
        assert_true(kr_uuid_eq(&id, &KR_METADATA_TOPIC_ID));
        size_t n;
        uint8_t *x = test_read_file(p, &n);
        assert_int_equal(n, b.len);
        assert_memory_equal(x, b.data, n);
        free(x);
    }
    snprintf(p, sizeof p, "%s/partition.metadata", tmpdir);
    assert_int_equal(kr_partition_metadata_write(p, &KR_METADATA_TOPIC_ID, &err), KR_OK);
    assert_int_equal(kr_partition_metadata_read(p, &id, &err), KR_OK);
    struct { const char *text, *what; } bad[] = {
        {"version: 1\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", "unknown version"},
        {"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", "zero uuid"},
        {"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAA*Q", "not uuid text"},
        {"version:0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", "line 1"},
        {"version: 0\n", "line 2"},
        {"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\nx", "line 3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(kr_partition_metadata_parse(bad[i].text, strlen(bad[i].text), "pm", &id, &err), KR_OK);
        if (!strstr(err.message, bad[i].what)) fail_msg("case %zu: %s", i, err.message);
    }
    kr_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup(test_write_and_read_segments, clean_dir),
        cmocka_unit_test_setup(test_reader_gap_between_segments, clean_dir),
        cmocka_unit_test_setup(test_recover_torn_tail, clean_dir),
        cmocka_unit_test(test_vector_logs),
        cmocka_unit_test_setup(test_leader_epoch_checkpoint_files, clean_dir),
        cmocka_unit_test_setup(test_partition_metadata, clean_dir),
    };
    return cmocka_run_group_tests(tests, kv_setup_tmpdir, kv_teardown_tmpdir);
}
