/* The on-disk Raft log (kraft/raft_store): real files in a temp dir, readies
 * built by hand, reopen after every change, crash-like leftovers. */
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

#include "kraft/raft_store.h"
#include "kraft/snapshot.h"
#include "tests/support/kraft_vectors.h"

#define T0 1735689600000LL

static const int32_t VOTERS[] = {1, 2, 3};
static char log_lines[8192];

static void capture(void *ctx, kr_log_level lv, const char *line) {
    (void)ctx;
    (void)lv;
    size_t n = strlen(log_lines);
    snprintf(log_lines + n, sizeof log_lines - n, "%s\n", line);
}

static int clean_dir(void **state) {
    (void)state;
    log_lines[0] = '\0';
    kv_rmtree(kv_tmpdir);
    return mkdir(kv_tmpdir, 0700);
}

static kr_raft_store *open_store(uint64_t segment_bytes) {
    kr_raft_store_options o = {.metadata_log_dir = kv_tmpdir, .segment_bytes = segment_bytes,
                               .voters = VOTERS, .voter_count = 3,
                               .logger = {.fn = capture}};
    kr_raft_store *s = NULL;
    kr_error err;
    int rc = kr_raft_store_open(&s, &o, &err);
    if (rc != KR_OK) fail_msg("open: %s", err.message);
    return s;
}

/* One data batch of n 4-byte records; base offset and epoch are stamped by the store. */
static kr_raft_batch make_batch(kr_buf *buf, int64_t base, int32_t epoch, int n) {
    static const uint8_t VALUE[] = {1, 20, 0, 0};
    kr_batch_builder b;
    kr_error err;
    kr_buf_reset(buf);
    kr_batch_begin(&b, buf, 0, 0, T0, false);
    for (int i = 0; i < n; i++) assert_int_equal(kr_batch_add_data(&b, VALUE, sizeof VALUE, &err), KR_OK);
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    return (kr_raft_batch){base, base + n - 1, epoch, buf->data, buf->len};
}

static void append(kr_raft_store *s, int64_t base, int32_t epoch, int n) {
    kr_buf buf = {0};
    kr_raft_ready rd;
    memset(&rd, 0, sizeof rd);
    rd.truncate_to = -1;
    kr_raft_batch b = make_batch(&buf, base, epoch, n);
    rd.appends = &b;
    rd.append_count = 1;
    rd.log_fsync = true;
    kr_error err;
    int rc = kr_raft_store_apply(s, &rd, &err);
    kr_buf_free(&buf);
    if (rc != KR_OK) fail_msg("append: %s", err.message);
}

static void apply(kr_raft_store *s, const kr_raft_ready *rd) {
    kr_error err;
    if (kr_raft_store_apply(s, rd, &err) != KR_OK) fail_msg("apply: %s", err.message);
}

static kr_raft_ready empty_ready(void) {
    kr_raft_ready rd;
    memset(&rd, 0, sizeof rd);
    rd.truncate_to = -1;
    return rd;
}

static char *slurp(const char *name) {
    char p[4096];
    snprintf(p, sizeof p, "%s/" KR_METADATA_PARTITION_DIR "/%s", kv_tmpdir, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static off_t file_size(const char *name) {
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/" KR_METADATA_PARTITION_DIR "/%s", kv_tmpdir, name);
    return stat(p, &st) == 0 ? st.st_size : -1;
}

static void test_fresh_dir(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    assert_int_equal(kr_raft_store_log_start(s), 0);
    assert_int_equal(kr_raft_store_end_offset(s), 0);
    assert_string_equal(slurp("partition.metadata"), "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ");
    assert_int_equal(file_size("00000000000000000000.log"), 0);
    assert_non_null(strstr(log_lines, "no quorum-state"));
    kr_raft_store_close(s);
}

static void test_append_reopen_read(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    append(s, 0, 1, 1);
    append(s, 1, 1, 3);
    append(s, 4, 2, 2);
    assert_int_equal(kr_raft_store_end_offset(s), 6);
    assert_string_equal(slurp("leader-epoch-checkpoint"), "0\n2\n1 0\n2 4\n");
    kr_buf a = {0}, b = {0};
    kr_error err;
    assert_int_equal(kr_raft_store_read_batches(s, 1, 6, 1 << 20, &a, &err), KR_OK);
    kr_raft_store_close(s);

    s = open_store(0);
    assert_int_equal(kr_raft_store_end_offset(s), 6);
    assert_int_equal(kr_raft_store_read_batches(s, 1, 6, 1 << 20, &b, &err), KR_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* The stamped header: base offset 4, epoch 2 in the last batch. */
    kr_batch bt;
    kr_buf c = {0};
    assert_int_equal(kr_raft_store_read_batches(s, 4, 6, 1, &c, &err), KR_OK);
    assert_int_equal(kr_batch_decode(c.data, c.len, 0, "x", KR_RULES_KRAFT, &bt, &err), KR_SCAN_BATCH);
    assert_int_equal(bt.h.base_offset, 4);
    assert_int_equal(bt.h.leader_epoch, 2);
    /* max_bytes: at least one batch, then whole batches only. */
    kr_buf_reset(&c);
    assert_int_equal(kr_raft_store_read_batches(s, 0, 6, 1, &c, &err), KR_OK);
    assert_true(c.len > 0 && c.len < a.len);
    assert_int_equal(kr_raft_store_read_batches(s, 2, 6, 1, &c, &err), KR_ERR_NOT_FOUND);
    kr_buf_free(&a);
    kr_buf_free(&b);
    kr_buf_free(&c);
    kr_raft_store_close(s);
}

static void test_roll_and_truncate_across_segments(void **state) {
    (void)state;
    kr_raft_store *s = open_store(150); /* a batch of 2 records is ~80 bytes */
    for (int i = 0; i < 10; i++) append(s, i * 2, 1 + i / 5, 2);
    size_t segs = kr_raft_store_segment_count(s);
    assert_true(segs >= 4);
    kr_raft_ready rd = empty_ready();
    rd.truncate_to = 6;
    apply(s, &rd);
    assert_int_equal(kr_raft_store_end_offset(s), 6);
    assert_true(kr_raft_store_segment_count(s) < segs);
    assert_string_equal(slurp("leader-epoch-checkpoint"), "0\n1\n1 0\n");
    append(s, 6, 3, 2);
    kr_raft_store_close(s);
    s = open_store(150);
    assert_int_equal(kr_raft_store_end_offset(s), 8);
    assert_string_equal(slurp("leader-epoch-checkpoint"), "0\n2\n1 0\n3 6\n");
    kr_error err;
    rd = empty_ready();
    rd.truncate_to = 3; /* inside a batch: refused */
    assert_int_not_equal(kr_raft_store_apply(s, &rd, &err), KR_OK);
    kr_raft_store_close(s);
}

static void test_torn_tail_is_cut(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    append(s, 0, 1, 2);
    append(s, 2, 1, 2);
    kr_raft_store_close(s);
    off_t full = file_size("00000000000000000000.log");
    /* A crash in the middle of writing a third batch. */
    kr_buf buf = {0};
    kr_raft_batch b = make_batch(&buf, 4, 1, 3);
    char p[4096];
    snprintf(p, sizeof p, "%s/" KR_METADATA_PARTITION_DIR "/00000000000000000000.log", kv_tmpdir);
    FILE *f = fopen(p, "ab");
    fwrite(b.payload, 1, b.payload_len / 2, f);
    fclose(f);
    kr_buf_free(&buf);
    s = open_store(0);
    assert_int_equal(kr_raft_store_end_offset(s), 4);
    assert_int_equal(file_size("00000000000000000000.log"), full);
    assert_non_null(strstr(log_lines, "torn tail"));
    append(s, 4, 1, 1); /* appends continue after the cut */
    kr_raft_store_close(s);
}

static uint64_t fixed_rand(void *ctx) {
    (void)ctx;
    return 12345;
}

static void test_quorum_state_and_core_load(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    append(s, 0, 1, 1);
    append(s, 1, 2, 1);
    kr_raft_ready rd = empty_ready();
    rd.quorum_state_changed = true;
    rd.quorum_state = (kr_raft_quorum_state){-1, 3, 2};
    apply(s, &rd);
    assert_string_equal(slurp("quorum-state"),
                        "{\"clusterId\":\"\",\"leaderId\":-1,\"leaderEpoch\":3,\"votedId\":2,\"appliedOffset\":0,"
                        "\"currentVoters\":[{\"voterId\":1},{\"voterId\":2},{\"voterId\":3}],\"data_version\":0}");
    kr_raft_store_close(s);

    s = open_store(0);
    kr_raft_config c;
    kr_raft_config_defaults(&c);
    c.node_id = 1;
    memcpy(c.voters, VOTERS, sizeof VOTERS);
    c.voter_count = 3;
    c.rand = fixed_rand;
    kr_raft *r;
    kr_error err;
    assert_int_equal(kr_raft_create(&r, &c, &err), KR_OK);
    assert_int_equal(kr_raft_store_load(s, r, &err), KR_OK);
    assert_int_equal(kr_raft_epoch(r), 3);
    assert_int_equal(kr_raft_voted(r), 2);
    assert_int_equal(kr_raft_end_offset(r), 2);
    kr_raft_destroy(r);
    kr_raft_store_close(s);
}

static void write_snapshot(kr_snapshot_id id) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/" KR_METADATA_PARTITION_DIR, kv_tmpdir);
    kr_snapshot_options opts = {.append_time_ms = T0};
    kr_snapshot_writer w;
    kr_error err;
    static const uint8_t VALUE[] = {1, 20, 0, 0};
    assert_int_equal(kr_snapshot_writer_begin(&w, dir, id, &opts, &err), KR_OK);
    assert_int_equal(kr_snapshot_writer_append(&w, VALUE, sizeof VALUE, &err), KR_OK);
    assert_int_equal(kr_snapshot_writer_finish(&w, &err), KR_OK);
}

static void test_snapshot_newer_than_log(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    append(s, 0, 1, 3);
    kr_raft_store_close(s);
    write_snapshot((kr_snapshot_id){100, 5});
    s = open_store(0);
    assert_int_equal(kr_raft_store_log_start(s), 100);
    assert_int_equal(kr_raft_store_end_offset(s), 100);
    assert_int_equal(file_size("00000000000000000000.log"), -1);
    assert_int_equal(file_size("00000000000000000100.log"), 0);
    assert_non_null(strstr(log_lines, "newer than the log"));
    append(s, 100, 5, 1);
    kr_raft_store_close(s);
    s = open_store(0);
    assert_int_equal(kr_raft_store_log_start(s), 100);
    assert_int_equal(kr_raft_store_end_offset(s), 101);
    kr_raft_store_close(s);
}

static void test_log_start_moves(void **state) {
    (void)state;
    kr_raft_store *s = open_store(150);
    for (int i = 0; i < 10; i++) append(s, i * 2, 1, 2);
    write_snapshot((kr_snapshot_id){8, 1});
    kr_error err;
    assert_int_equal(kr_raft_store_add_snapshot(s, (kr_snapshot_id){8, 1}, 100, &err), KR_OK);
    kr_raft_ready rd = empty_ready();
    rd.log_start_offset_changed = true;
    rd.log_start_offset = 8;
    apply(s, &rd);
    assert_int_equal(kr_raft_store_log_start(s), 8);
    assert_int_equal(file_size("00000000000000000000.log"), -1);
    kr_buf b = {0};
    assert_int_equal(kr_raft_store_read_batches(s, 8, 20, 1 << 20, &b, &err), KR_OK);
    kr_raft_store_close(s);
    s = open_store(150);
    assert_int_equal(kr_raft_store_log_start(s), 8);
    assert_int_equal(kr_raft_store_end_offset(s), 20);
    kr_buf c = {0};
    assert_int_equal(kr_raft_store_read_batches(s, 8, 20, 1 << 20, &c, &err), KR_OK);
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    kr_buf_free(&b);
    kr_buf_free(&c);
    kr_raft_store_close(s);
}

static void test_snapshot_download_and_install(void **state) {
    (void)state;
    kr_raft_store *s = open_store(0);
    kr_raft_store_close(s);
    write_snapshot((kr_snapshot_id){50, 2});
    s = open_store(0); /* snapshot newer than the empty log: log at 50 */
    kr_snapshot_id id = {50, 2};
    kr_buf snap = {0};
    int64_t size = 0;
    kr_error err;
    assert_int_equal(kr_raft_store_read_snapshot(s, id, 0, 1 << 20, &snap, &size, &err), KR_OK);
    assert_int_equal((int64_t)snap.len, size);
    kr_raft_store_close(s);

    /* A second node with a log of its own downloads it in 7-byte chunks. */
    assert_int_equal(clean_dir(NULL), 0);
    s = open_store(0);
    append(s, 0, 1, 2);
    for (size_t pos = 0; pos < snap.len; pos += 7) {
        kr_raft_ready rd = empty_ready();
        rd.snapshot_chunk_present = true;
        rd.snapshot_chunk_id = id;
        rd.snapshot_chunk_position = (int64_t)pos;
        rd.snapshot_chunk = snap.data + pos;
        rd.snapshot_chunk_len = snap.len - pos < 7 ? snap.len - pos : 7;
        apply(s, &rd);
    }
    assert_true(file_size("00000000000000000050-0000000002.checkpoint.part") > 0);
    kr_raft_ready rd = empty_ready();
    rd.snapshot_install = true;
    rd.snapshot_install_id = id;
    apply(s, &rd);
    assert_int_equal(file_size("00000000000000000050-0000000002.checkpoint"), (off_t)snap.len);
    assert_int_equal(kr_raft_store_log_start(s), 50);
    assert_int_equal(kr_raft_store_end_offset(s), 50);
    kr_buf again = {0};
    assert_int_equal(kr_raft_store_read_snapshot(s, id, 0, 1 << 20, &again, &size, &err), KR_OK);
    assert_memory_equal(again.data, snap.data, snap.len);
    kr_raft_store_close(s);
    /* A partial download left by a crash is removed at open. */
    rd = empty_ready();
    s = open_store(0);
    rd.snapshot_chunk_present = true;
    rd.snapshot_chunk_id = (kr_snapshot_id){90, 3};
    rd.snapshot_chunk = snap.data;
    rd.snapshot_chunk_len = 10;
    apply(s, &rd);
    kr_raft_store_close(s);
    s = open_store(0);
    assert_int_equal(file_size("00000000000000000090-0000000003.checkpoint.part"), -1);
    assert_int_equal(kr_raft_store_end_offset(s), 50);
    kr_raft_store_close(s);
    kr_buf_free(&snap);
    kr_buf_free(&again);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_fresh_dir, clean_dir),
        cmocka_unit_test_setup(test_append_reopen_read, clean_dir),
        cmocka_unit_test_setup(test_roll_and_truncate_across_segments, clean_dir),
        cmocka_unit_test_setup(test_torn_tail_is_cut, clean_dir),
        cmocka_unit_test_setup(test_quorum_state_and_core_load, clean_dir),
        cmocka_unit_test_setup(test_snapshot_newer_than_log, clean_dir),
        cmocka_unit_test_setup(test_log_start_moves, clean_dir),
        cmocka_unit_test_setup(test_snapshot_download_and_install, clean_dir),
    };
    return cmocka_run_group_tests(tests, kv_setup_tmpdir, kv_teardown_tmpdir);
}
