/* migrate/rollback against a real ZooKeeper: the deletes are conditional on the versions
 * read and all or nothing. Between mg_rollback_read and mg_rollback_apply another controller
 * rewrites /controller (or /migration): nothing is removed and the error names the znode.
 * Uses ZK2KRAFT_TEST_ZK=host:port when set (test_verify_rollback.sh), else starts its own
 * ZooKeeper; skipped only when ZooKeeper is not installed. */
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

#include "migrate/rollback.h"
#include "tests/support/zk_test_server.h"
#include "zkread/reader.h"

static const char CONTROLLER[] = "{\"version\":2,\"brokerid\":3000,\"timestamp\":\"1\",\"kraftControllerEpoch\":5}";
static const char MIGRATION[] = "{\"version\":0,\"kraft_controller_id\":3000,\"kraft_controller_epoch\":5,"
                                "\"kraft_metadata_offset\":14,\"kraft_metadata_epoch\":1}";

/* A fresh chroot holding a KRaft-held /controller and /migration; *zh is a session in it. */
static const char *zk;

static void prepare(const char *name, zhandle_t **zh) {
    zr_connect_opts o = {.connect = zk};
    zr_error err = {0};
    zhandle_t *root = NULL;
    assert_int_equal(zr_session_open(&o, &root, &err), 0);
    char path[128];
    snprintf(path, sizeof path, "/rollback-race-%ld-%s", (long)getpid(), name);
    assert_int_equal(zoo_create(root, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    zr_session_close(root);
    char connect[512];
    snprintf(connect, sizeof connect, "%s%s", zk, path);
    zr_connect_opts c = {.connect = connect};
    assert_int_equal(zr_session_open(&c, zh, &err), 0);
    assert_int_equal(zoo_create(*zh, "/controller", CONTROLLER, (int)strlen(CONTROLLER), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(*zh, "/migration", MIGRATION, (int)strlen(MIGRATION), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
}

static bool exists(zhandle_t *zh, const char *path) { return zoo_exists(zh, path, 0, NULL) == ZOK; }

static void race(const char *rewritten, void **state) {
    (void)state;
    zhandle_t *zh = NULL;
    prepare(rewritten + 1, &zh);
    mg_rollback_plan p;
    kr_error err = {0};
    assert_int_equal(mg_rollback_read(zh, &p, &err), 0);
    assert_true(p.controller_is_kraft);
    assert_true(p.migration.exists);
    /* another KRaft controller claims again (or records a new offset) in between */
    const char *v = !strcmp(rewritten, "/controller") ? CONTROLLER : MIGRATION;
    assert_int_equal(zoo_set(zh, rewritten, v, (int)strlen(v), -1), ZOK);
    assert_int_equal(mg_rollback_apply(zh, &p, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, rewritten));
    assert_non_null(strstr(err.message, "nothing was removed"));
    assert_true(exists(zh, "/controller")); /* all or nothing */
    assert_true(exists(zh, "/migration"));
    mg_rollback_plan_free(&p);
    /* read again: now it goes through */
    assert_int_equal(mg_rollback_read(zh, &p, &err), 0);
    assert_int_equal(mg_rollback_apply(zh, &p, &err), 0);
    assert_false(exists(zh, "/controller"));
    assert_false(exists(zh, "/migration"));
    mg_rollback_plan_free(&p);
    zr_session_close(zh);
}

static void test_controller_rewritten_between_read_and_delete(void **state) { race("/controller", state); }
static void test_migration_rewritten_between_read_and_delete(void **state) { race("/migration", state); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controller_rewritten_between_read_and_delete),
        cmocka_unit_test(test_migration_rewritten_between_read_and_delete),
    };
    zk = getenv("ZK2KRAFT_TEST_ZK");
    if (!zk) {
        if (!zk_test_server_available()) {
            printf("skip: ZooKeeper (Debian package zookeeper) is not installed\n");
            return 0;
        }
        zk = zk_test_server_start();
        if (!zk) {
            fprintf(stderr, "cannot start ZooKeeper\n");
            return 1;
        }
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    zk_test_server_stop();
    return failed;
}
