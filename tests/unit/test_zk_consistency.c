/* The reader against a real ZooKeeper: a znode changed while the tree is being
 * read is reported (mzxid newer than the read's start), and a read after the
 * change sees a consistent tree with the new value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "zkread/reader.h"
#include "zkread/tree.h"

static char dir[] = "/tmp/zk2kraft-consistency-XXXXXX";
static char connect_string[256];

static int start_zookeeper(void **state) {
    (void)state;
    if (!mkdtemp(dir)) return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh start %s", dir);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    if (!fgets(connect_string, sizeof connect_string, p)) connect_string[0] = '\0';
    int rc = pclose(p);
    connect_string[strcspn(connect_string, "\n")] = '\0';
    return rc == 0 && connect_string[0] ? 0 : -1;
}

static int stop_zookeeper(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh stop %s; rm -rf %s", dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define CHANGED_PATH "/brokers/topics/orders/partitions/1/state"
#define NEW_STATE "{\"controller_epoch\":9,\"leader\":3,\"version\":1,\"leader_epoch\":42,\"isr\":[3]}"

typedef struct visit_ctx {
    zhandle_t *writer;
    int visits;
    bool wrote;
} visit_ctx;

/* On the first znode visited, another session rewrites a partition state. */
static void visit(void *ctx, const char *path, const uint8_t *data, int32_t len, const zr_stat *stat) {
    (void)path;
    (void)data;
    (void)len;
    (void)stat;
    visit_ctx *v = ctx;
    if (v->visits++ == 0) {
        assert_int_equal(zoo_set(v->writer, CHANGED_PATH, NEW_STATE, (int)strlen(NEW_STATE), -1), ZOK);
        v->wrote = true;
    }
}

static void test_change_during_read_is_reported(void **state) {
    (void)state;
    zr_error err = {0};
    zr_tree tree = {0};
    assert_int_equal(zr_fixture_read("fixtures/kafka3-topic-ids.xml", &tree, &err), 0);
    zr_connect_opts o = {.connect = connect_string};
    zr_load_stats ls;
    if (zr_tree_load(&o, &tree, true, false, NULL, &ls, &err) != 0) fail_msg("load: %s", err.message);
    zr_tree_free(&tree);

    visit_ctx v = {0};
    assert_int_equal(zr_session_open(&o, &v.writer, &err), 0);
    zr_read_stats stats = {0};
    o.sessions = 1;
    o.window = 1; /* one request at a time: the write lands before most reads */
    if (zr_read_tree(&o, ZR_SCOPE_KAFKA, visit, &v, NULL, NULL, &stats, &err) != 0) fail_msg("read: %s", err.message);
    assert_true(v.wrote);
    bool reported = false;
    for (size_t i = 0; i < stats.n_changed; i++) reported |= !strcmp(stats.changed[i], CHANGED_PATH);
    if (!reported) fail_msg("%zu changed znodes reported, not " CHANGED_PATH, stats.n_changed);
    zr_read_stats_free(&stats);

    /* A read after the change: nothing changed during it, and the model has the new state. */
    zr_model m;
    zr_model_init(&m);
    zr_findings f = {0};
    memset(&stats, 0, sizeof stats);
    assert_int_equal(zr_read_model(&o, &m, &f, NULL, NULL, &stats, &err), 0);
    assert_int_equal(stats.n_changed, 0);
    zr_topic *t = zr_model_topic(&m, "orders");
    assert_non_null(t);
    assert_true(t->n_partitions > 1);
    assert_int_equal(t->partitions[1].state.leader, 3);
    assert_int_equal(t->partitions[1].state.leader_epoch, 42);
    assert_true(t->partitions[1].state.partition_epoch >= 1); /* the set bumped the data version */
    zr_read_stats_free(&stats);
    zr_findings_free(&f);
    zr_model_free(&m);
    zr_session_close(v.writer); /* frees the session context too (LeakSanitizer) */
}

int main(void) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_during_read_is_reported),
    };
    return cmocka_run_group_tests_name("zk_consistency", tests, start_zookeeper, stop_zookeeper);
}
