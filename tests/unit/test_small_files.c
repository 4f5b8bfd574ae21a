/* meta.properties, quorum-state and the atomic write helper (spec §11.4, §11.5). */
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

#include "kraft/fsutil.h"
#include "kraft/meta_properties.h"
#include "kraft/quorum_state.h"
#include "tests/support/kraft_vectors.h"

#define tmpdir kv_tmpdir

/* Bytes after the first two lines ("#" and the date comment). */
static const char *after_date(const char *s) {
    const char *p = strchr(s, '\n');
    return p ? strchr(p + 1, '\n') + 1 : NULL;
}

static void meta_vector(const char *rel, int version, const char *cluster, int32_t node,
                        const char *dir_id, bool java17_order) {
    char path[4096];
    if (!kv_vector_path(rel, path, sizeof path)) fail_msg("missing %s", rel);
    kr_meta_properties mp;
    kr_error err;
    if (kr_meta_properties_read(path, &mp, &err) != KR_OK) fail_msg("%s", err.message);
    assert_int_equal(mp.version, version);
    assert_true(mp.has_cluster_id);
    assert_string_equal(mp.cluster_id, cluster);
    assert_true(mp.has_node_id);
    assert_int_equal(mp.node_id, node);
    assert_int_equal(mp.has_directory_id, dir_id != NULL);
    if (dir_id) {
        char t[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(&mp.directory_id, t);
        assert_string_equal(t, dir_id);
    }
    /* Re-written: identical except the date line (Java 17 key order). */
    char out[4200];
    snprintf(out, sizeof out, "%s/meta.properties", tmpdir);
    assert_int_equal(kr_meta_properties_write(out, &mp, &err), KR_OK);
    size_t a, b;
    uint8_t *x = test_read_file(path, &a), *y = test_read_file(out, &b);
    char *xs = calloc(1, a + 1), *ys = calloc(1, b + 1);
    memcpy(xs, x, a), memcpy(ys, y, b);
    assert_memory_equal(ys, "#\n#", 3);
    if (java17_order) assert_string_equal(after_date(xs), after_date(ys));
    kr_meta_properties back;
    assert_int_equal(kr_meta_properties_read(out, &back, &err), KR_OK);
    assert_memory_equal(&back, &mp, sizeof mp);
    free(x), free(y), free(xs), free(ys);
}

static void test_meta_properties_vectors(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    meta_vector("kafka-3.9/files/meta.properties.v1", 1, "ljAoerGESXi5val3QKEeFQ", 1,
                "tyOT9GZZTGKNpWRxn8lB2Q", true);
    meta_vector("kafka-3.9/files/meta.properties.v0", 0, "ljAoerGESXi5val3QKEeFQ", 1, NULL, true);
    meta_vector("kafka-3.7-combined/meta.properties", 1, "q1w2e3r4t5y6u7i8o9p0", 1,
                "XHhkr4tkSsD900pOQ8pPfg", true);
    meta_vector("trunk-2023-12/meta.properties", 1, "ljAoerGESXi5val3QKEeFQ", 0,
                "850bXYO4TaCvXty2WNo63w", true);
    /* Sorted keys (newer JVM) parse to the same fields. */
    meta_vector("public-kafka-4.x/meta.properties", 1, "5L6g3nShT-eMCtK--X86sw", 1,
                "Teb3PFb009qvAZgMDEFH4g", false);
}

static void test_meta_properties_format(void **state) {
    (void)state;
    kr_meta_properties mp = {.version = 1, .has_cluster_id = true, .has_node_id = true, .node_id = 1};
    strcpy(mp.cluster_id, "ljAoerGESXi5val3QKEeFQ");
    assert_true(kr_uuid_from_text("tyOT9GZZTGKNpWRxn8lB2Q", &mp.directory_id));
    mp.has_directory_id = true;
    kr_buf b = {0};
    kr_error err;
    assert_int_equal(kr_meta_properties_format(&mp, 1795258596 /* Sat Nov 21 10:56:36 UTC 2026 */, &b, &err), KR_OK);
    const char *want = "#\n#Sat Nov 21 10:56:36 UTC 2026\nnode.id=1\ndirectory.id=tyOT9GZZTGKNpWRxn8lB2Q\n"
                       "version=1\ncluster.id=ljAoerGESXi5val3QKEeFQ\n";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    /* Escaping round-trips odd cluster ids. */
    strcpy(mp.cluster_id, " a=b:c#d!e\\f");
    kr_buf_reset(&b);
    assert_int_equal(kr_meta_properties_format(&mp, 0, &b, &err), KR_OK);
    kr_meta_properties back;
    assert_int_equal(kr_meta_properties_parse((const char *)b.data, b.len, "mp", &back, &err), KR_OK);
    assert_string_equal(back.cluster_id, mp.cluster_id);
    kr_buf_free(&b);
}

static void test_meta_properties_syntax(void **state) {
    (void)state;
    kr_meta_properties mp;
    kr_error err;
    const char *text = "# comment\n! other comment\n\n   version = 1\r\ncluster.id:abc\nnode.id    7\n"
                       "directory.id=tyOT9GZZ\\\n    TGKNpWRxn8lB2Q\nunknown.key=whatever\n";
    assert_int_equal(kr_meta_properties_parse(text, strlen(text), "mp", &mp, &err), KR_OK);
    assert_int_equal(mp.version, 1);
    assert_string_equal(mp.cluster_id, "abc");
    assert_int_equal(mp.node_id, 7);
    assert_true(mp.has_directory_id);
    const char *v0 = "broker.id=3\n";
    assert_int_equal(kr_meta_properties_parse(v0, strlen(v0), "mp", &mp, &err), KR_OK);
    assert_int_equal(mp.version, 0); /* absent version = 0 */
    assert_int_equal(mp.node_id, 3);
    assert_false(mp.has_cluster_id);
    const char *esc = "version=1\nnode.id=1\ncluster.id=\\u0041b\\tc\n";
    assert_int_equal(kr_meta_properties_parse(esc, strlen(esc), "mp", &mp, &err), KR_OK);
    assert_string_equal(mp.cluster_id, "Ab\tc");
    struct { const char *text, *what; } bad[] = {
        {"version=1\nnode.id=1\n", "cluster.id was not found"},
        {"version=1\ncluster.id=x\n", "node.id was not found"},
        {"version=2\n", "version 2"},
        {"version=x\n", "not a number"},
        {"version=1\ncluster.id=x\nnode.id=one\n", "line 3: failed to parse node.id"},
        {"version=1\ncluster.id=x\nnode.id=-1\n", "negative"},
        {"version=1\ncluster.id=x\nnode.id=1\ndirectory.id=short\n", "directory.id"},
        {"version=1\ncluster.id=x\nnode.id=1\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAQ\n", "reserved"},
        {"version=1\ncluster.id=\nnode.id=1\n", "cluster.id is empty"},
        {"version=1\ncluster.id=\\u00zz\nnode.id=1\n", "malformed escape"},
        {"broker.id=99999999999\n", "broker.id"},
        {"version=1\nnode.id=1\ncluster.id=a\\u0000b\n", "line 3: cluster.id contains a NUL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(kr_meta_properties_parse(bad[i].text, strlen(bad[i].text), "dir/meta.properties", &mp, &err), KR_OK);
        if (!strstr(err.message, bad[i].what) || strncmp(err.message, "dir/meta.properties: ", 21))
            fail_msg("case %zu: %s", i, err.message);
    }
}

static void quorum_vector(const char *rel, const kr_quorum_state *want) {
    char path[4096], out[4200];
    if (!kv_vector_path(rel, path, sizeof path)) fail_msg("missing %s", rel);
    kr_quorum_state qs;
    kr_error err;
    if (kr_quorum_state_read(path, &qs, &err) != KR_OK) fail_msg("%s", err.message);
    if (want) {
        assert_int_equal(qs.data_version, want->data_version);
        assert_int_equal(qs.leader_id, want->leader_id);
        assert_int_equal(qs.leader_epoch, want->leader_epoch);
        assert_int_equal(qs.voted_id, want->voted_id);
        assert_int_equal(qs.n_voters, want->n_voters);
        for (int i = 0; i < qs.n_voters; i++) assert_int_equal(qs.voters[i], want->voters[i]);
        assert_true(kr_uuid_eq(&qs.voted_directory_id, &want->voted_directory_id));
    }
    snprintf(out, sizeof out, "%s/quorum-state", tmpdir);
    assert_int_equal(kr_quorum_state_write(out, &qs, &err), KR_OK);
    size_t a, b;
    uint8_t *x = test_read_file(path, &a), *y = test_read_file(out, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x), free(y);
}

static void test_quorum_state_vectors(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    kr_quorum_state v0 = {.data_version = 0, .leader_id = 3000, .leader_epoch = 7, .voted_id = -1,
                          .n_voters = 3, .voters = {3000, 3001, 3002}};
    quorum_vector("kafka-3.9/files/quorum-state.v0", &v0);
    kr_quorum_state v1 = {.data_version = 1, .leader_id = -1, .leader_epoch = 8, .voted_id = 3001};
    assert_true(kr_uuid_from_text("Rr4-xdU_Q0yUMfuKZ-2YlQ", &v1.voted_directory_id));
    quorum_vector("kafka-3.9/files/quorum-state.v1", &v1);
    quorum_vector("kafka-3.7-combined/__cluster_metadata-0/quorum-state", NULL);
    quorum_vector("public-kafka-4.x/__cluster_metadata-0/quorum-state", NULL);
    quorum_vector("trunk-2023-12/__cluster_metadata-0/quorum-state", NULL);
}

static void test_quorum_state_rejects(void **state) {
    (void)state;
    struct { const char *text, *what; } bad[] = {
        {"{\"leaderId\":1}", "'data_version' is missing"},
        {"{\"data_version\":2}", "data_version 2"},
        {"{\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1,\"appliedOffset\":0,\"currentVoters\":[],\"data_version\":0}", "'clusterId' is missing"},
        {"{\"clusterId\":\"\",\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1,\"appliedOffset\":0,\"data_version\":0}", "'currentVoters' is missing"},
        {"{\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1,\"data_version\":1}", "'votedDirectoryId' is missing"},
        {"{\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1,\"votedDirectoryId\":\"x\",\"data_version\":1}", "not uuid text"},
        {"{\"leaderId\":\"1\",\"leaderEpoch\":1,\"votedId\":1,\"data_version\":1}", "'leaderId' is not an integer"},
        {"{\"leaderId\":4294967296,\"leaderEpoch\":1,\"votedId\":1,\"data_version\":1}", "'leaderId' is not an integer"},
        {"{\"clusterId\":\"\",\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1,\"appliedOffset\":0,\"currentVoters\":[{\"id\":1}],\"data_version\":0}", "voterId"},
        {"{\"leaderId\":1,", "invalid JSON"},
        {"[1]", "not a JSON object"},
    };
    kr_quorum_state qs;
    kr_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(kr_quorum_state_parse(bad[i].text, strlen(bad[i].text), "qs", &qs, &err), KR_OK);
        if (!strstr(err.message, bad[i].what) || strncmp(err.message, "qs: ", 4))
            fail_msg("case %zu: %s", i, err.message);
    }
    /* Field order does not matter to the reader; null voters are kept. */
    const char *t = "{\"data_version\":0,\"currentVoters\":null,\"appliedOffset\":0,\"votedId\":-1,"
                    "\"leaderEpoch\":2,\"leaderId\":5,\"clusterId\":\"\"}";
    assert_int_equal(kr_quorum_state_parse(t, strlen(t), "qs", &qs, &err), KR_OK);
    assert_int_equal(qs.n_voters, -1);
    kr_buf b = {0};
    assert_int_equal(kr_quorum_state_format(&qs, &b, &err), KR_OK);
    const char *want = "{\"clusterId\":\"\",\"leaderId\":5,\"leaderEpoch\":2,\"votedId\":-1,"
                       "\"appliedOffset\":0,\"currentVoters\":null,\"data_version\":0}";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    kr_buf_free(&b);
}

static void test_atomic_write(void **state) {
    (void)state;
    char path[4200];
    kr_error err;
    snprintf(path, sizeof path, "%s/quorum-state", tmpdir);
    kr_quorum_state old = {.data_version = 1, .leader_id = 1, .leader_epoch = 1, .voted_id = -1};
    assert_int_equal(kr_quorum_state_write(path, &old, &err), KR_OK);
    /* A writer that died before its rename: only the temp file has new bytes. */
    kr_atomic_file af;
    assert_int_equal(kr_atomic_begin(&af, path, 0644, &err), KR_OK);
    assert_int_equal(kr_atomic_write(&af, "{\"leaderId\":9,", 14, &err), KR_OK);
    close(af.fd); /* crash: no commit, temp left behind */
    kr_quorum_state qs;
    assert_int_equal(kr_quorum_state_read(path, &qs, &err), KR_OK);
    assert_int_equal(qs.leader_id, 1);
    assert_int_equal(qs.leader_epoch, 1);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), 0);
    /* The next write replaces the stale temp and then the file. */
    old.leader_epoch = 2;
    assert_int_equal(kr_quorum_state_write(path, &old, &err), KR_OK);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(kr_quorum_state_read(path, &qs, &err), KR_OK);
    assert_int_equal(qs.leader_epoch, 2);
    /* Abort removes the temp and keeps the file. */
    assert_int_equal(kr_atomic_begin(&af, path, 0644, &err), KR_OK);
    assert_int_equal(kr_atomic_write(&af, "garbage", 7, &err), KR_OK);
    kr_atomic_abort(&af);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(kr_quorum_state_read(path, &qs, &err), KR_OK);
    /* Mode is applied; errors name the file. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    char bad[4300];
    snprintf(bad, sizeof bad, "%s/missing-dir/quorum-state", tmpdir);
    assert_int_equal(kr_quorum_state_write(bad, &old, &err), KR_ERR_IO);
    assert_non_null(strstr(err.message, "missing-dir/quorum-state.tmp"));
    assert_int_equal(kr_meta_properties_read(bad, &(kr_meta_properties){0}, &err), KR_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "missing-dir/quorum-state"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_properties_vectors),
        cmocka_unit_test(test_meta_properties_format),
        cmocka_unit_test(test_meta_properties_syntax),
        cmocka_unit_test(test_quorum_state_vectors),
        cmocka_unit_test(test_quorum_state_rejects),
        cmocka_unit_test(test_atomic_write),
    };
    return cmocka_run_group_tests(tests, kv_setup_tmpdir, kv_teardown_tmpdir);
}
