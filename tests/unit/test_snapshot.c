/* Snapshot files and bootstrap.checkpoint (spec metadata-log.md §9, §11.6). */
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

#include "kraft/snapshot.h"
#include "tests/support/kraft_vectors.h"

#define T0 1735689600000LL

static const char *HEX_8_5 =
    "0000000000000000 00000047 00000000 02 6969b283 0020 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 2a 00 00 00 08 00000003 16 0000 0000000000000000 00 00"
    "0000000000000001 0000004f 00000000 02 c37b98b0 0000 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 3a 00 00 00 01 2e 010c00 11 6d657461646174612e76657273696f6e 0015 00 00"
    "0000000000000002 0000003f 00000000 02 2a4f8794 0020 00000000 000001941f297c00 000001941f297c00"
    "ffffffffffffffff ffff ffffffff 00000001 1a 00 00 00 08 00000004 06 0000 00 00";
static const uint8_t MV21[] = {0x01, 0x0c, 0x00, 0x11, 'm', 'e', 't', 'a', 'd', 'a', 't', 'a',
                               '.', 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x00, 0x15, 0x00};

#define tmpdir kv_tmpdir

static void test_names(void **state) {
    (void)state;
    char name[KR_SNAPSHOT_NAME_SIZE];
    kr_snapshot_file_name((kr_snapshot_id){100, 5}, name);
    assert_string_equal(name, "00000000000000000100-0000000005.checkpoint");
    kr_snapshot_id id;
    assert_int_equal(kr_snapshot_parse_name(name, &id), KR_SNAPSHOT_NAME_CHECKPOINT);
    assert_int_equal(id.end_offset, 100);
    assert_int_equal(id.epoch, 5);
    assert_int_equal(kr_snapshot_parse_name("00000000000000000100-0000000005-123.checkpoint.part", &id),
                     KR_SNAPSHOT_NAME_PART);
    assert_int_equal(kr_snapshot_parse_name("00000000000000000100-0000000005.checkpoint.deleted", &id),
                     KR_SNAPSHOT_NAME_DELETED);
    const char *bad[] = {"00000000000000000100-000000005.checkpoint", "0000000000000000010x-0000000005.checkpoint",
                         "00000000000000000100_0000000005.checkpoint", "00000000000000000100-0000000005.log",
                         "99999999999999999999-0000000005.checkpoint", "00000000000000000100-9999999999.checkpoint",
                         "bootstrap.checkpoint", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kr_snapshot_parse_name(bad[i], &id), KR_SNAPSHOT_NAME_NONE);
}

static uint8_t *slurp(const char *path, size_t *n) {
    uint8_t *p = test_read_file(path, n);
    assert_non_null(p);
    return p;
}

static void test_bootstrap_checkpoint_bytes(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/bootstrap.checkpoint", tmpdir);
    kr_snapshot_writer w;
    kr_error err;
    kr_snapshot_options o = {.append_time_ms = T0, .group_records = 1};
    assert_int_equal(kr_snapshot_writer_begin_path(&w, path, 0, &o, &err), KR_OK);
    assert_int_equal(kr_snapshot_writer_append(&w, MV21, sizeof MV21, &err), KR_OK);
    assert_int_equal(kr_snapshot_writer_finish(&w, &err), KR_OK);
    size_t n, wn;
    uint8_t *got = slurp(path, &n);
    uint8_t *want = test_hex_decode(HEX_8_5, &wn);
    assert_int_equal(n, 249);
    assert_memory_equal(got, want, wn);
    free(got);
    free(want);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
    unlink(path);
}

static void test_write_read_roundtrip(void **state) {
    (void)state;
    kr_snapshot_writer w;
    kr_error err;
    kr_snapshot_options o = {.append_time_ms = T0, .last_contained_log_timestamp_ms = T0 - 5000};
    assert_int_equal(kr_snapshot_writer_begin(&w, tmpdir, (kr_snapshot_id){100, 5}, &o, &err), KR_OK);
    /* The .part file exists while writing, the final name does not. */
    char final[4096];
    snprintf(final, sizeof final, "%s/00000000000000000100-0000000005.checkpoint", tmpdir);
    assert_int_equal(access(final, F_OK), -1);
    kr_snapshot_id pid;
    const char *slash = strrchr(w.file.temp_path, '/');
    assert_int_equal(kr_snapshot_parse_name(slash + 1, &pid), KR_SNAPSHOT_NAME_PART);
    assert_int_equal(access(w.file.temp_path, F_OK), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(kr_snapshot_writer_append(&w, MV21, sizeof MV21, &err), KR_OK);
    char part[4096];
    snprintf(part, sizeof part, "%s", w.file.temp_path);
    assert_int_equal(kr_snapshot_writer_finish(&w, &err), KR_OK);
    assert_int_equal(access(part, F_OK), -1);
    struct stat st;
    assert_int_equal(stat(final, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0400);

    kr_snapshot_reader r;
    assert_int_equal(kr_snapshot_reader_open(&r, final, &err), KR_OK);
    assert_true(r.has_id);
    assert_int_equal(r.epoch, 5);
    assert_int_equal(r.last_contained_log_timestamp_ms, T0 - 5000);
    assert_int_equal(r.kraft_version, 0);
    assert_int_equal(r.voters_value.len, -1);
    kr_batch b;
    int batches = 0;
    enum kr_scan_status s;
    while ((s = kr_snapshot_reader_next(&r, &b, &err)) == KR_SCAN_BATCH) {
        assert_false(kr_batch_is_control(&b.h));
        assert_int_equal(b.h.leader_epoch, 5);
        batches++;
    }
    if (s != KR_SCAN_END) fail_msg("%s", err.message);
    /* All 3000 small records fit one 8 MiB batch (groups are packed). */
    assert_int_equal(batches, 1);
    assert_int_equal(r.data_records, 3000);
    assert_int_equal(r.next_offset, 3002);
    kr_snapshot_reader_close(&r);
    chmod(final, 0600);
    unlink(final);
}

/* Kafka 3.9 snapshots written with a fixed clock re-encode byte for byte. */
static void rewrite_equal(const char *rel, bool exact) {
    char path[4096];
    if (!kv_vector_path(rel, path, sizeof path)) fail_msg("missing %s", rel);
    kr_snapshot_reader r;
    kr_error err;
    if (kr_snapshot_reader_open(&r, path, &err) != KR_OK) fail_msg("%s", err.message);
    kr_snapshot_options o = {.append_time_ms = r.header_batch_timestamp_ms,
                             .last_contained_log_timestamp_ms = r.last_contained_log_timestamp_ms,
                             .kraft_version = r.kraft_version};
    if (r.voters_value.len >= 0) {
        o.voters_value = r.voters_value.ptr;
        o.voters_len = (size_t)r.voters_value.len;
    }
    char out[4096];
    snprintf(out, sizeof out, "%s/rewrite.checkpoint", tmpdir);
    kr_snapshot_writer w;
    const char *slash = strrchr(rel, '/');
    bool bootstrap = !strcmp(slash + 1, "bootstrap.checkpoint");
    if (bootstrap) o.group_records = 1;
    assert_int_equal(kr_snapshot_writer_begin_path(&w, out, r.epoch, &o, &err), KR_OK);
    kr_batch b;
    enum kr_scan_status s;
    int64_t records = 0;
    while ((s = kr_snapshot_reader_next(&r, &b, &err)) == KR_SCAN_BATCH) {
        kr_record_iter it;
        kr_record rec;
        kr_record_iter_init(&it, &b);
        while (kr_record_next(&it, &rec, &err) == 1) {
            assert_int_equal(kr_snapshot_writer_append(&w, rec.value.ptr, (size_t)rec.value.len, &err), KR_OK);
            records++;
        }
    }
    if (s != KR_SCAN_END) fail_msg("%s: %s", rel, err.message);
    assert_int_equal(records, r.data_records);
    assert_int_equal(kr_snapshot_writer_finish(&w, &err), KR_OK);
    size_t n1, n2;
    uint8_t *a = slurp(path, &n1), *c = slurp(out, &n2);
    assert_int_equal(n1, n2);
    if (exact) {
        assert_memory_equal(a, c, n1);
    } else {
        /* Kafka stamped each batch with its own clock reading: compare the
         * batches with timestamps and CRC masked. */
        size_t at = 0;
        while (at < n1) {
            size_t size = (size_t)((a[at + 8] << 24) | (a[at + 9] << 16) | (a[at + 10] << 8) | a[at + 11]) + 12;
            assert_true(at + size <= n1);
            memset(a + at + 17, 0, 4), memset(c + at + 17, 0, 4);
            memset(a + at + 27, 0, 16), memset(c + at + 27, 0, 16);
            assert_memory_equal(a + at, c + at, size);
            at += size;
        }
    }
    print_message("  %s: %lld data records, %zu bytes, %s\n", rel, (long long)records, n1,
                  exact ? "identical" : "identical except batch timestamps");
    free(a);
    free(c);
    kr_snapshot_reader_close(&r);
    chmod(out, 0600);
    unlink(out);
}

static void test_vectors_rewrite(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    rewrite_equal("kafka-3.9/snapshot-mv21/00000000000000000100-0000000005.checkpoint", true);
    rewrite_equal("kafka-3.9/snapshot-mv8/00000000000000000100-0000000005.checkpoint", true);
    rewrite_equal("kafka-3.9/snapshot-kraft1/00000000000000000000-0000000000.checkpoint", true);
    rewrite_equal("kafka-3.9/files/bootstrap.checkpoint", true);
    rewrite_equal("kafka-3.7-combined/bootstrap.checkpoint", false);
    rewrite_equal("public-kafka-3.6-a/__cluster_metadata-0/00000000000000007752-0000000001.checkpoint", false);
    rewrite_equal("public-kafka-3.6-a/__cluster_metadata-0/00000000000000014926-0000000001.checkpoint", false);
    rewrite_equal("public-kafka-3.6-a/bootstrap.checkpoint", false);
    rewrite_equal("public-kafka-3.6-b/__cluster_metadata-0/00000000000000007205-0000000001.checkpoint", false);
    rewrite_equal("public-kafka-3.6-b/bootstrap.checkpoint", false);
    rewrite_equal("public-kafka-4.x/__cluster_metadata-0/00000000000000010744-0000000004.checkpoint", false);
    rewrite_equal("public-kafka-4.x/bootstrap.checkpoint", false);
}

static void test_vectors_header_fields(void **state) {
    (void)state;
    char path[4096];
    if (!kv_vector_path("kafka-3.9/snapshot-kraft1/00000000000000000000-0000000000.checkpoint", path,
                        sizeof path)) {
        print_message("skip: Kafka vectors not found ($SHARED/kafka-vectors)\n");
        skip();
    }
    kr_snapshot_reader r;
    kr_error err;
    assert_int_equal(kr_snapshot_reader_open(&r, path, &err), KR_OK);
    assert_int_equal(r.kraft_version, 1);
    assert_true(r.voters_value.len > 0);
    assert_int_equal(r.next_offset, 3); /* header batch holds offsets 0-2 */
    kr_snapshot_reader_close(&r);
    assert_true(kv_vector_path("kafka-3.9/snapshot-mv21/00000000000000000100-0000000005.checkpoint",
                               path, sizeof path));
    assert_int_equal(kr_snapshot_reader_open(&r, path, &err), KR_OK);
    assert_int_equal(r.last_contained_log_timestamp_ms, T0 - 5000);
    assert_int_equal(r.epoch, 5);
    kr_batch b;
    while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH) {}
    assert_int_equal(r.data_records, 14);
    kr_snapshot_reader_close(&r);
}

/* ---- rejections --------------------------------------------------------- */

/* Builds a snapshot-shaped buffer from (control?, type/value) batches. */
static void add_batch(kr_buf *out, int64_t base, int32_t epoch, bool control, int n,
                      const int16_t *types, const uint8_t *value, size_t vlen) {
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, out, base, epoch, T0, control);
    for (int i = 0; i < n; i++) {
        if (control) kr_batch_add_control(&b, types[i], value, vlen, &err);
        else kr_batch_add_data(&b, value, vlen, &err);
    }
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
}

static const uint8_t HDR[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t FTR[] = {0, 0, 0};
static const int16_t T_HDR[] = {KR_CONTROL_SNAPSHOT_HEADER};
static const int16_t T_FTR[] = {KR_CONTROL_SNAPSHOT_FOOTER, KR_CONTROL_SNAPSHOT_FOOTER};

static void expect_reject(const kr_buf *buf, const char *name, const char *what) {
    kr_snapshot_reader r;
    kr_error err = {0};
    int rc = kr_snapshot_reader_open_buffer(&r, buf->data, buf->len, name, &err);
    if (rc == KR_OK) {
        kr_batch b;
        enum kr_scan_status s;
        int guard = 0;
        while ((s = kr_snapshot_reader_next(&r, &b, &err)) == KR_SCAN_BATCH) assert_true(++guard < 100);
        if (s == KR_SCAN_END) fail_msg("accepted; expected: %s", what);
    }
    if (!strstr(err.message, what)) fail_msg("got \"%s\", expected \"%s\"", err.message, what);
    kr_snapshot_reader_close(&r);
}

static void test_reader_rejections(void **state) {
    (void)state;
    const char *name = "00000000000000000100-0000000005.checkpoint";
    static const uint8_t begin_txn[] = {1, 23, 0, 0, 0};
    kr_buf b = {0};

    add_batch(&b, 0, 5, false, 1, NULL, MV21, sizeof MV21);
    expect_reject(&b, name, "the first batch is not a control batch");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_FTR, FTR, sizeof FTR);
    expect_reject(&b, name, "not SNAPSHOT_HEADER");

    kr_buf_reset(&b);
    add_batch(&b, 0, 4, true, 1, T_HDR, HDR, sizeof HDR);
    expect_reject(&b, name, "epoch 4, the snapshot's is 5");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 1, 5, false, 2, NULL, MV21, sizeof MV21);
    expect_reject(&b, name, "without a SNAPSHOT_FOOTER");

    add_batch(&b, 3, 5, false, 1, NULL, begin_txn, sizeof begin_txn);
    add_batch(&b, 4, 5, true, 1, T_FTR, FTR, sizeof FTR);
    expect_reject(&b, name, "transaction record (api key 23)");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 2, 5, false, 1, NULL, MV21, sizeof MV21);
    expect_reject(&b, name, "base offset 2, expected 1");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 1, 5, true, 2, T_FTR, FTR, sizeof FTR);
    expect_reject(&b, name, "not alone");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 1, 5, true, 1, T_FTR, FTR, sizeof FTR);
    add_batch(&b, 2, 5, false, 1, NULL, MV21, sizeof MV21);
    expect_reject(&b, name, "after the SNAPSHOT_FOOTER");

    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 1, 5, true, 1, T_FTR, FTR, sizeof FTR);
    b.len -= 3;
    expect_reject(&b, name, "torn tail");

    kr_buf_reset(&b);
    static const uint8_t bad_hdr[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    add_batch(&b, 0, 5, true, 1, T_HDR, bad_hdr, sizeof bad_hdr);
    expect_reject(&b, name, "SnapshotHeaderRecord value");

    /* And the good shape is accepted. */
    kr_buf_reset(&b);
    add_batch(&b, 0, 5, true, 1, T_HDR, HDR, sizeof HDR);
    add_batch(&b, 1, 5, true, 1, T_FTR, FTR, sizeof FTR);
    kr_snapshot_reader r;
    kr_error err;
    assert_int_equal(kr_snapshot_reader_open_buffer(&r, b.data, b.len, name, &err), KR_OK);
    kr_batch bb;
    assert_int_equal(kr_snapshot_reader_next(&r, &bb, &err), KR_SCAN_END);
    kr_snapshot_reader_close(&r);
    kr_buf_free(&b);
}

static void test_writer_refusals(void **state) {
    (void)state;
    kr_snapshot_writer w;
    kr_error err;
    static const uint8_t voters[] = {0, 0, 1, 0};
    kr_snapshot_options o = {.append_time_ms = T0, .voters_value = voters, .voters_len = 4};
    assert_int_equal(kr_snapshot_writer_begin(&w, tmpdir, (kr_snapshot_id){1, 1}, &o, &err),
                     KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "kraft.version 1"));
    o = (kr_snapshot_options){.append_time_ms = T0};
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no/such/dir", tmpdir);
    assert_int_equal(kr_snapshot_writer_begin(&w, missing, (kr_snapshot_id){1, 1}, &o, &err),
                     KR_ERR_IO);
    assert_non_null(strstr(err.message, "no/such/dir"));
    /* An aborted writer leaves nothing behind. */
    assert_int_equal(kr_snapshot_writer_begin(&w, tmpdir, (kr_snapshot_id){7, 1}, &o, &err), KR_OK);
    assert_int_equal(kr_snapshot_writer_append(&w, MV21, sizeof MV21, &err), KR_OK);
    kr_snapshot_writer_abort(&w);
    char p[4200];
    snprintf(p, sizeof p, "%s", tmpdir);
    kv_rmtree(p); /* must be empty now: rmdir succeeds only if so */
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(mkdir(p, 0700), 0);
}

/* Many records: groups of 1024 are packed up to 8 MiB, never split. */
static void test_large_snapshot_packing(void **state) {
    (void)state;
    enum { N = 200000 };
    static uint8_t value[60];
    value[0] = 1, value[1] = 3, value[2] = 1;
    kr_snapshot_writer w;
    kr_error err;
    kr_snapshot_options o = {.append_time_ms = T0};
    assert_int_equal(kr_snapshot_writer_begin(&w, tmpdir, (kr_snapshot_id){N, 3}, &o, &err), KR_OK);
    for (int i = 0; i < N; i++) {
        memcpy(value + 3, &i, sizeof i);
        if (kr_snapshot_writer_append(&w, value, sizeof value, &err) != KR_OK) fail_msg("%s", err.message);
    }
    assert_int_equal(kr_snapshot_writer_finish(&w, &err), KR_OK);
    char path[4096], name[KR_SNAPSHOT_NAME_SIZE];
    kr_snapshot_file_name((kr_snapshot_id){N, 3}, name);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    kr_snapshot_reader r;
    assert_int_equal(kr_snapshot_reader_open(&r, path, &err), KR_OK);
    kr_batch b;
    int batches = 0;
    int64_t seen = 0;
    size_t prev_size = 0;
    while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH) {
        batches++;
        if (seen + b.h.record_count < N) assert_int_equal(b.h.record_count % 1024, 0);
        assert_true(b.size <= KR_BATCH_MAX_BYTES);
        /* A batch closed early only because the next group (1024 x 60 bytes) did not fit. */
        if (prev_size) assert_true(KR_BATCH_MAX_BYTES - prev_size < 1024 * 60 + 16);
        prev_size = b.size;
        seen += b.h.record_count;
    }
    assert_int_equal(r.done, true);
    assert_int_equal(seen, N);
    assert_int_equal(batches, 2);
    kr_snapshot_reader_close(&r);
    chmod(path, 0600);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bootstrap_checkpoint_bytes),
        cmocka_unit_test(test_write_read_roundtrip),
        cmocka_unit_test(test_vectors_rewrite),
        cmocka_unit_test(test_vectors_header_fields),
        cmocka_unit_test(test_reader_rejections),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_large_snapshot_packing),
    };
    return cmocka_run_group_tests(tests, kv_setup_tmpdir, kv_teardown_tmpdir);
}
