/* migrate/zk_writer against a real ZooKeeper (tests/support/zk-server.sh):
 * /migration and persistent paths at open, the claim of §8.2 (and its
 * refusal), fenced multis that a newer claim makes fail with MG_ZK_FENCED,
 * the exact idempotent semantics of PUT / DELETE / APPEND when beliefs are
 * wrong, chunking of big plans, and the ACL rule of zk-layout.md §3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#define THREADED 1
#include <zookeeper/zookeeper.h>

#include "migrate/zk_writer.h"
#include "tests/support/zk_test_server.h"
#include "zkread/reader.h"

static const char *server;
static int chroot_n;

static int start_zookeeper(void **state) {
    (void)state;
    server = zk_test_server_start();
    return server ? 0 : -1;
}

static int stop_zookeeper(void **state) {
    (void)state;
    zk_test_server_stop();
    return 0;
}

/* Each test gets its own chroot, created through a root session. */
static void new_chroot(char *connect, size_t cap) {
    char root[300];
    snprintf(connect, cap, "%s/t%d", server, ++chroot_n);
    snprintf(root, sizeof root, "/t%d", chroot_n);
    zr_connect_opts o = {.connect = server};
    zhandle_t *zh;
    zr_error err;
    assert_int_equal(zr_session_open(&o, &zh, &err), 0);
    assert_int_equal(zoo_create(zh, root, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    zr_session_close(zh);
}

static zhandle_t *raw_session(const char *connect, const char *auth) {
    zr_connect_opts o = {.connect = connect, .auth = auth};
    zhandle_t *zh;
    zr_error err;
    assert_int_equal(zr_session_open(&o, &zh, &err), 0);
    return zh;
}

/* A ZooKeeper-mode cluster's controller znodes: epoch 5, broker 1 controlling. */
static void zk_mode_controller(zhandle_t *zh) {
    assert_int_equal(zoo_create(zh, "/controller_epoch", "5", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    const char *c = "{\"version\":1,\"brokerid\":1,\"timestamp\":\"1716212345678\"}";
    assert_int_equal(zoo_create(zh, "/controller", c, (int)strlen(c), &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
}

static char *get_text(zhandle_t *zh, const char *path, struct Stat *st) {
    static char buf[4096];
    int len = sizeof buf - 1;
    struct Stat s;
    int rc = zoo_get(zh, path, 0, buf, &len, st ? st : &s);
    if (rc != ZOK) return NULL;
    buf[len < 0 ? 0 : len] = '\0';
    return buf;
}

typedef struct captured {
    char lines[64][600];
    int n;
} captured;

static void capture(void *ctx, kr_log_level level, const char *line) {
    (void)level;
    captured *c = ctx;
    if (c->n < 64) snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", line);
}

static bool logged(const captured *c, const char *needle) {
    for (int i = 0; i < c->n; i++)
        if (strstr(c->lines[i], needle)) return true;
    return false;
}

static mg_zk_writer *open_writer(const char *connect, int32_t id, const char *auth, bool set_acl, captured *cap) {
    mg_zk_writer_options o = {.connect = connect, .session_timeout_ms = 10000, .auth = auth, .set_acl = set_acl,
                              .node_id = id, .log = {capture, cap}};
    mg_zk_writer *w;
    kr_error err = {0};
    if (mg_zk_writer_open(&o, &w, &err) != KR_OK) fail_msg("open: %s", err.message);
    return w;
}

static void test_open_creates_migration_and_paths(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, NULL, false, &cap);
    zhandle_t *zh = raw_session(connect, NULL);
    assert_string_equal(get_text(zh, "/migration", NULL),
                        "{\"version\":0,\"kraft_controller_id\":-1,\"kraft_controller_epoch\":-1,"
                        "\"kraft_metadata_offset\":-1,\"kraft_metadata_epoch\":-1}");
    struct Stat st;
    assert_int_equal(zoo_exists(zh, "/config/users", 0, &st), ZOK);
    assert_int_equal(zoo_exists(zh, "/admin/delete_topics", 0, &st), ZOK);
    assert_int_equal(zoo_exists(zh, "/latest_producer_id_block", 0, &st), ZOK);
    assert_int_equal(mg_zk_writer_migration(w)->metadata_offset, -1);
    assert_true(logged(&cap, "SCRAM credentials under /config/users will be world-readable"));
    /* a second open keeps what is there */
    captured cap2 = {0};
    mg_zk_writer *w2 = open_writer(connect, 3001, NULL, false, &cap2);
    assert_int_equal(mg_zk_writer_migration(w2)->zk_version, 0);
    mg_zk_writer_close(w2);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

static void test_claim_and_fencing(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    zhandle_t *zh = raw_session(connect, NULL);
    zk_mode_controller(zh);
    captured c1 = {0}, c2 = {0};
    mg_zk_writer *a = open_writer(connect, 3000, NULL, false, &c1);
    mg_zk_writer *b = open_writer(connect, 3001, NULL, false, &c2);
    kr_error err = {0};
    int32_t zk_epoch = 0;

    /* executing before a claim is refused */
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    mg_zk_exec_stats xs = {0};
    assert_int_not_equal(mg_zk_writer_execute(a, &ops, 10, 3, &xs, &err), KR_OK);

    assert_int_equal(mg_zk_writer_claim(a, 3, &zk_epoch, &err), KR_OK);
    assert_int_equal(zk_epoch, 6);
    struct Stat st;
    assert_string_equal(get_text(zh, "/controller_epoch", &st), "6");
    char *ctl = get_text(zh, "/controller", &st);
    assert_non_null(strstr(ctl, "\"brokerid\":3000"));
    assert_non_null(strstr(ctl, "\"kraftControllerEpoch\":3"));
    assert_int_equal(st.ephemeralOwner, 0); /* persistent: no ZK broker can win an election */
    assert_non_null(strstr(get_text(zh, "/migration", NULL), "\"kraft_controller_id\":3000,\"kraft_controller_epoch\":3"));
    assert_true(logged(&c1, "migration: claimed ZooKeeper controllership (controller epoch 6, kraft epoch 3)"));

    /* a write of the owner lands, with /migration's offset */
    assert_int_equal(mg_zk_ops_put(&ops, "Test", false, "/brokers/topics/a", "{\"v\":1}", 7, &err), KR_OK);
    assert_int_equal(mg_zk_writer_execute(a, &ops, 41, 3, &xs, &err), KR_OK);
    assert_string_equal(get_text(zh, "/brokers/topics/a", NULL), "{\"v\":1}");
    assert_non_null(strstr(get_text(zh, "/migration", NULL), "\"kraft_metadata_offset\":41,\"kraft_metadata_epoch\":3"));

    /* an older or equal epoch cannot take over */
    assert_int_equal(mg_zk_writer_claim(b, 3, NULL, &err), MG_ZK_FENCED);
    assert_non_null(strstr(err.message, "kraftControllerEpoch 3"));
    /* a newer epoch can; then the old owner is fenced and changes nothing */
    assert_int_equal(mg_zk_writer_claim(b, 4, &zk_epoch, &err), KR_OK);
    assert_int_equal(zk_epoch, 7);
    mg_zk_ops_clear(&ops);
    assert_int_equal(mg_zk_ops_put(&ops, "Test", true, "/brokers/topics/a", "{\"v\":2}", 7, &err), KR_OK);
    assert_int_equal(mg_zk_writer_execute(a, &ops, 42, 3, &xs, &err), MG_ZK_FENCED);
    assert_true(logged(&c1, "migration: fenced: /controller_epoch moved"));
    assert_false(mg_zk_writer_claimed(a));
    assert_string_equal(get_text(zh, "/brokers/topics/a", NULL), "{\"v\":1}");

    /* another KRaft controller writing /migration (same ZK epoch) fences too */
    mg_zk_ops_clear(&ops);
    const char *other = "{\"version\":0,\"kraft_controller_id\":9,\"kraft_controller_epoch\":9,"
                        "\"kraft_metadata_offset\":1,\"kraft_metadata_epoch\":1}";
    assert_int_equal(zoo_set(zh, "/migration", other, (int)strlen(other), -1), ZOK);
    assert_int_equal(mg_zk_writer_execute(b, &ops, 50, 4, &xs, &err), MG_ZK_FENCED);
    assert_non_null(strstr(err.message, "another KRaft controller"));
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(a);
    mg_zk_writer_close(b);
    zr_session_close(zh);
}

static void test_wrong_beliefs_are_repaired(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    zhandle_t *zh = raw_session(connect, NULL);
    zk_mode_controller(zh);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, NULL, false, &cap); /* creates /brokers/topics, /config/topics */
    assert_int_equal(zoo_create(zh, "/brokers/topics/old", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/brokers/topics/old/partitions", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/brokers/topics/old/partitions/0", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/brokers/topics/old/partitions/0/state", "s", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/config/topics/here", "c0", 2, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    kr_error err = {0};
    assert_int_equal(mg_zk_writer_claim(w, 2, NULL, &err), KR_OK);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    /* every belief wrong: absent "exists" with missing parents, present "absent",
     * a non-empty subtree deleted as a leaf, a delete of nothing, a sequential append */
    assert_int_equal(mg_zk_ops_put(&ops, "T", true, "/brokers/topics/new/partitions/0/state", "st", 2, &err), KR_OK);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/config/topics/here", "c1", 2, &err), KR_OK);
    assert_int_equal(mg_zk_ops_delete(&ops, "T", true, "/brokers/topics/old", &err), KR_OK);
    assert_int_equal(mg_zk_ops_delete(&ops, "T", false, "/config/topics/never", &err), KR_OK);
    assert_int_equal(mg_zk_ops_delete(&ops, "T", true, "/config/topics/gone-too", &err), KR_OK);
    assert_int_equal(mg_zk_ops_append(&ops, "T", "/config/changes/config_change_", "{\"version\":2}", 13, &err), KR_OK);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/null-data", NULL, -1, &err), KR_OK);
    mg_zk_exec_stats xs = {0};
    if (mg_zk_writer_execute(w, &ops, 77, 2, &xs, &err) != KR_OK) fail_msg("execute: %s", err.message);
    assert_true(xs.fallback_ops > 0);
    assert_string_equal(get_text(zh, "/brokers/topics/new/partitions/0/state", NULL), "st");
    assert_string_equal(get_text(zh, "/config/topics/here", NULL), "c1");
    struct Stat st;
    assert_int_equal(zoo_exists(zh, "/brokers/topics/old", 0, &st), ZNONODE);
    assert_int_equal(zoo_exists(zh, "/brokers/topics/null-data", 0, &st), ZOK);
    assert_int_equal(st.dataLength, 0);
    struct String_vector kids;
    assert_int_equal(zoo_get_children(zh, "/config/changes", 0, &kids), ZOK);
    assert_int_equal(kids.count, 1);
    assert_int_equal(strncmp(kids.data[0], "config_change_", 14), 0);
    deallocate_String_vector(&kids);
    assert_non_null(strstr(get_text(zh, "/migration", NULL), "\"kraft_metadata_offset\":77"));
    /* re-applying the same plan changes nothing but appends another notification */
    if (mg_zk_writer_execute(w, &ops, 78, 2, &xs, &err) != KR_OK) fail_msg("re-execute: %s", err.message);
    assert_string_equal(get_text(zh, "/config/topics/here", NULL), "c1");
    assert_int_equal(zoo_get_children(zh, "/config/changes", 0, &kids), ZOK);
    assert_int_equal(kids.count, 2);
    deallocate_String_vector(&kids);
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

static void test_big_plan_is_chunked(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    zhandle_t *zh = raw_session(connect, NULL);
    zk_mode_controller(zh);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, NULL, false, &cap);
    kr_error err = {0};
    assert_int_equal(mg_zk_writer_claim(w, 2, NULL, &err), KR_OK);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    char path[64], big[100000];
    memset(big, 'x', sizeof big);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/big", NULL, -1, &err), KR_OK);
    for (int i = 0; i < 1200; i++) {
        snprintf(path, sizeof path, "/brokers/topics/big/p%d", i);
        assert_int_equal(mg_zk_ops_put(&ops, "T", false, path, "d", 1, &err), KR_OK);
    }
    for (int i = 0; i < 12; i++) { /* 1.2 MB: more than two multis by size alone */
        snprintf(path, sizeof path, "/brokers/topics/big/blob%d", i);
        assert_int_equal(mg_zk_ops_put(&ops, "T", false, path, big, (int32_t)sizeof big, &err), KR_OK);
    }
    mg_zk_exec_stats xs = {0};
    if (mg_zk_writer_execute(w, &ops, 5, 2, &xs, &err) != KR_OK) fail_msg("execute: %s", err.message);
    assert_int_equal(xs.ops, 1213);
    assert_int_equal(xs.fallback_ops, 0);
    assert_true(xs.multis >= 5); /* 1201 small ops / 498, then 12 x 100 kB / 512 KiB */
    struct Stat st;
    assert_int_equal(zoo_exists(zh, "/brokers/topics/big", 0, &st), ZOK);
    assert_int_equal(st.numChildren, 1212);
    mg_zk_ops_clear(&ops);
    assert_int_equal(mg_zk_ops_delete(&ops, "T", true, "/brokers/topics/big", &err), KR_OK);
    if (mg_zk_writer_execute(w, &ops, 6, 2, &xs, &err) != KR_OK) fail_msg("delete: %s", err.message);
    assert_int_equal(zoo_exists(zh, "/brokers/topics/big", 0, &st), ZNONODE);
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

/* A chunk fails (NOTEMPTY) while later chunks are in flight and land: the failed
 * chunk and everything after it are redone in order, so the plan's order wins. */
static void test_pipelined_failure_keeps_plan_order(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    zhandle_t *zh = raw_session(connect, NULL);
    zk_mode_controller(zh);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, NULL, false, &cap);
    assert_int_equal(zoo_create(zh, "/brokers/topics/ord", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/brokers/topics/ord/old", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/brokers/topics/pre", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    kr_error err = {0};
    assert_int_equal(mg_zk_writer_claim(w, 2, NULL, &err), KR_OK);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    char path[64];
    assert_int_equal(mg_zk_ops_delete(&ops, "T", true, "/brokers/topics/ord", &err), KR_OK); /* NOTEMPTY */
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/c", NULL, -1, &err), KR_OK);
    for (int i = 0; i < 700; i++) {
        snprintf(path, sizeof path, "/brokers/topics/c/p%d", i);
        assert_int_equal(mg_zk_ops_put(&ops, "T", false, path, "d", 1, &err), KR_OK);
    }
    /* in the second chunk: lands before the first chunk is redone, which deletes it again */
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/ord/new", "n", 1, &err), KR_OK);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/pre", "1", 1, &err), KR_OK); /* NODEEXISTS */
    for (int i = 700; i < 1400; i++) {
        snprintf(path, sizeof path, "/brokers/topics/c/p%d", i);
        assert_int_equal(mg_zk_ops_put(&ops, "T", false, path, "d", 1, &err), KR_OK);
    }
    mg_zk_exec_stats xs = {0};
    if (mg_zk_writer_execute(w, &ops, 11, 2, &xs, &err) != KR_OK) fail_msg("execute: %s", err.message);
    assert_true(xs.fallback_ops > 0);
    struct Stat st;
    assert_int_equal(zoo_exists(zh, "/brokers/topics/ord/old", 0, &st), ZNONODE);
    assert_string_equal(get_text(zh, "/brokers/topics/ord/new", NULL), "n");
    assert_string_equal(get_text(zh, "/brokers/topics/pre", NULL), "1");
    assert_int_equal(zoo_exists(zh, "/brokers/topics/c", 0, &st), ZOK);
    assert_int_equal(st.numChildren, 1400);
    assert_non_null(strstr(get_text(zh, "/migration", NULL), "\"kraft_metadata_offset\":11"));
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

static void expire_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
}

/* The writer's session is expired by the server (another handle on the same
 * session id closes it): the next write opens a new session and lands. */
static void test_expired_session_is_replaced(void **state) {
    (void)state;
    char connect[300];
    new_chroot(connect, sizeof connect);
    zhandle_t *zh = raw_session(connect, NULL);
    zk_mode_controller(zh);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, NULL, false, &cap);
    kr_error err = {0};
    assert_int_equal(mg_zk_writer_claim(w, 2, NULL, &err), KR_OK);
    const clientid_t *id = zoo_client_id(mg_zk_writer_session(w));
    zhandle_t *twin = zookeeper_init(server, expire_watcher, 10000, id, NULL, 0);
    assert_non_null(twin);
    for (int i = 0; i < 100 && zoo_state(twin) != ZOO_CONNECTED_STATE; i++) usleep(50000);
    zookeeper_close(twin); /* closes the shared session */
    for (int i = 0; i < 100 && zoo_state(mg_zk_writer_session(w)) != ZOO_EXPIRED_SESSION_STATE; i++) usleep(50000);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/brokers/topics/after-expiry", "x", 1, &err), KR_OK);
    mg_zk_exec_stats xs = {0};
    if (mg_zk_writer_execute(w, &ops, 9, 2, &xs, &err) != KR_OK) fail_msg("execute: %s", err.message);
    assert_true(xs.retries >= 1);
    assert_true(logged(&cap, "session expired"));
    assert_string_equal(get_text(zh, "/brokers/topics/after-expiry", NULL), "x");
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

static void test_acl_rule(void **state) {
    (void)state;
    /* not authenticated: open everywhere */
    assert_int_equal(mg_zk_acl_kind(false, true, "/config/users/alice"), 0);
    assert_int_equal(mg_zk_acl_kind(false, false, "/brokers/topics/t"), 0);
    /* authenticated: secrets creator-only even without set.acl */
    assert_int_equal(mg_zk_acl_kind(true, false, "/config/users/alice"), 1);
    assert_int_equal(mg_zk_acl_kind(true, false, "/config/users"), 1);
    assert_int_equal(mg_zk_acl_kind(true, false, "/config/brokers/1"), 1);
    assert_int_equal(mg_zk_acl_kind(true, false, "/delegation_token/tokens/t1"), 1);
    assert_int_equal(mg_zk_acl_kind(true, false, "/config/topics/t"), 0);
    assert_int_equal(mg_zk_acl_kind(true, true, "/config/topics/t"), 2);
    assert_int_equal(mg_zk_acl_kind(true, true, "/config/users/alice/clients/c"), 1);
    assert_int_equal(mg_zk_acl_kind(true, true, "/consumers/g"), 0);

    char connect[300];
    new_chroot(connect, sizeof connect);
    const char *auth = "digest:kafka:kafka-secret";
    zhandle_t *zh = raw_session(connect, auth);
    zk_mode_controller(zh);
    captured cap = {0};
    mg_zk_writer *w = open_writer(connect, 3000, auth, false, &cap);
    assert_false(logged(&cap, "world-readable"));
    kr_error err = {0};
    assert_int_equal(mg_zk_writer_claim(w, 2, NULL, &err), KR_OK);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/config/users/alice", "{}", 2, &err), KR_OK);
    assert_int_equal(mg_zk_ops_put(&ops, "T", false, "/config/topics/t", "{}", 2, &err), KR_OK);
    mg_zk_exec_stats xs = {0};
    if (mg_zk_writer_execute(w, &ops, 1, 2, &xs, &err) != KR_OK) fail_msg("execute: %s", err.message);
    struct ACL_vector acl;
    struct Stat st;
    assert_int_equal(zoo_get_acl(zh, "/config/users/alice", &acl, &st), ZOK);
    assert_int_equal(acl.count, 1);
    assert_string_equal(acl.data[0].id.scheme, "digest");
    assert_int_equal(acl.data[0].perms, ZOO_PERM_ALL);
    deallocate_ACL_vector(&acl);
    assert_int_equal(zoo_get_acl(zh, "/config/topics/t", &acl, &st), ZOK);
    assert_int_equal(acl.count, 1);
    assert_string_equal(acl.data[0].id.scheme, "world");
    deallocate_ACL_vector(&acl);
    /* an unauthenticated session cannot read the SCRAM znode */
    zhandle_t *anon = raw_session(connect, NULL);
    char buf[16];
    int len = sizeof buf;
    assert_int_equal(zoo_get(anon, "/config/users/alice", 0, buf, &len, &st), ZNOAUTH);
    zr_session_close(anon);
    mg_zk_ops_free(&ops);
    mg_zk_writer_close(w);
    zr_session_close(zh);
}

int main(void) {
    if (!zk_test_server_available()) {
        printf("skip: ZooKeeper (Debian package zookeeper) is not installed\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_migration_and_paths),
        cmocka_unit_test(test_claim_and_fencing),
        cmocka_unit_test(test_wrong_beliefs_are_repaired),
        cmocka_unit_test(test_big_plan_is_chunked),
        cmocka_unit_test(test_pipelined_failure_keeps_plan_order),
        cmocka_unit_test(test_expired_session_is_replaced),
        cmocka_unit_test(test_acl_rule),
    };
    return cmocka_run_group_tests(tests, start_zookeeper, stop_zookeeper);
}
