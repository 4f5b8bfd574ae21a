/* migrate/verify and migrate/rollback, the parts without a network: the producer-id rule
 * (migrated block, dual-written block), lag, what verify ignores, the rollback decision table,
 * /controller parsing and the conditional deletes a plan calls for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "migrate/convert.h"
#include "migrate/rollback.h"
#include "migrate/verify.h"
#include "zkread/model.h"

static void test_producer_id_rule(void **state) {
    (void)state;
    /* migrated block: next = block_end + 1 */
    assert_true(mg_verify_producer_ids_in_sync(true, 4000, 4999, 5000));
    /* dual-written block (migration.md §9.3): block_start = next, block_end = next + 999 */
    assert_true(mg_verify_producer_ids_in_sync(true, 7000, 7999, 7000));
    assert_false(mg_verify_producer_ids_in_sync(true, 4000, 4999, 6000));
    assert_false(mg_verify_producer_ids_in_sync(true, 4000, 4999, 4999));
    assert_false(mg_verify_producer_ids_in_sync(true, 4000, 4999, -1));
    assert_false(mg_verify_producer_ids_in_sync(false, 0, 0, 1000));
    assert_true(mg_verify_producer_ids_in_sync(false, 0, 0, -1));
}

static void test_lag(void **state) {
    (void)state;
    int64_t lag = -7;
    assert_true(mg_verify_lag(true, 100, 130, &lag));
    assert_int_equal(lag, 30);
    assert_true(mg_verify_lag(true, 130, 130, &lag));
    assert_int_equal(lag, 0);
    assert_false(mg_verify_lag(false, 100, 130, &lag)); /* no /migration */
    assert_false(mg_verify_lag(true, -1, 130, &lag));   /* /migration not written yet */
    assert_false(mg_verify_lag(true, 100, -1, &lag));   /* a client's view: no offset */
}

static void znode(zr_model *m, zr_findings *f, const char *path, const char *json, int32_t version) {
    zr_stat st = {.version = version};
    assert_true(zr_model_add_znode(m, path, (const uint8_t *)json, (int32_t)strlen(json), &st, f));
}

static void small_model(zr_model *m, zr_findings *f, const char *pid_block) {
    zr_model_init(m);
    znode(m, f, "/cluster/id", "{\"version\":\"1\",\"id\":\"VmVyaWZ5LXRlc3QtY2x1cw\"}", 0);
    znode(m, f, "/controller_epoch", "3", 0);
    znode(m, f, "/brokers/topics/orders",
          "{\"version\":3,\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\",\"partitions\":{\"0\":[1,2]},"
          "\"adding_replicas\":{},\"removing_replicas\":{}}",
          0);
    znode(m, f, "/brokers/topics/orders/partitions/0/state",
          "{\"controller_epoch\":3,\"leader\":1,\"version\":1,\"leader_epoch\":2,\"isr\":[1,2]}", 5);
    znode(m, f, "/latest_producer_id_block", pid_block, 0);
    zr_model_finish(m, f);
}

/* The KRaft side as the migration wrote it, then changed the way dual-write changes things. */
static void kraft_image(const zr_model *m, kr_image *img) {
    kr_image_init(img);
    mg_convert_options co = {.dual_write = true};
    mg_convert_report rep;
    mg_convert_report_init(&rep);
    kr_error err = {0};
    assert_int_equal(mg_model_to_image(m, &co, img, &rep, &err), 0);
    mg_convert_report_free(&rep);
}

static void test_verify_ignores_and_producer_ids(void **state) {
    (void)state;
    zr_model m;
    zr_findings f = {.lenient = true};
    small_model(&m, &f, "{\"version\":1,\"broker\":-1,\"block_start\":\"7000\",\"block_end\":\"7999\"}");
    kr_image img;
    kraft_image(&m, &img);
    mg_verify_options o = {.kraft_committed_offset = 42};
    mg_verify_result r;
    kr_error err = {0};

    /* the migrated block: next = 8000 */
    assert_int_equal(mg_verify(&m, &img, &o, &r, &err), 0);
    assert_true(mg_verify_in_sync(&r));
    assert_false(r.lag_known); /* no /migration */
    mg_verify_result_free(&r);

    /* a dual-written block, a partition epoch and a migration state dual-write cannot mirror */
    img.next_producer_id = 7000;
    img.topics.v[0].partitions[0].partition_epoch = 99;
    img.zk_migration_state = MG_ZK_STATE_POST_MIGRATION;
    assert_int_equal(mg_verify(&m, &img, &o, &r, &err), 0);
    assert_true(mg_verify_in_sync(&r));
    mg_verify_result_free(&r);

    /* a block neither migrated nor dual-written: drift, as the diff engine would print it */
    img.next_producer_id = 9000;
    img.topics.v[0].partitions[0].leader = 2;
    assert_int_equal(mg_verify(&m, &img, &o, &r, &err), 0);
    assert_false(mg_verify_in_sync(&r));
    assert_int_equal(mg_verify_difference_count(&r), 2);
    char *t = mg_verify_differences_text(&r);
    assert_non_null(t);
    assert_string_equal(t, "~ producer_ids next_producer_id value: 8000 -> 9000\n"
                           "~ partitions orders-0 leader: 1 -> 2\n");
    free(t);
    mg_verify_result_free(&r);

    /* excluded entity types (a client's view) are not compared */
    o.exclude[MG_DIFF_PRODUCER_IDS] = true;
    assert_int_equal(mg_verify(&m, &img, &o, &r, &err), 0);
    assert_int_equal(mg_verify_difference_count(&r), 1);
    mg_verify_result_free(&r);

    kr_image_free(&img);
    zr_model_free(&m);
    zr_findings_free(&f);
}

static void test_verify_lag_from_migration_znode(void **state) {
    (void)state;
    zr_model m;
    zr_findings f = {.lenient = true};
    small_model(&m, &f, "{\"version\":1,\"broker\":-1,\"block_start\":\"0\",\"block_end\":\"999\"}");
    zr_model_free(&m);
    zr_model_init(&m);
    znode(&m, &f, "/migration",
          "{\"version\":0,\"kraft_controller_id\":3000,\"kraft_controller_epoch\":4,\"kraft_metadata_offset\":120,"
          "\"kraft_metadata_epoch\":4}",
          7);
    zr_model_finish(&m, &f);
    kr_image img;
    kr_image_init(&img);
    mg_verify_options o = {.kraft_committed_offset = 125};
    mg_verify_result r;
    kr_error err = {0};
    assert_int_equal(mg_verify(&m, &img, &o, &r, &err), 0);
    assert_true(r.lag_known);
    assert_int_equal(r.lag_offsets, 5);
    json_t *j = mg_verify_to_json(&r, &m, &o, NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "zookeeper"), "migration"),
                                                        "kraft_metadata_offset")),
                     120);
    assert_int_equal(json_integer_value(json_object_get(j, "lag_offsets")), 5);
    json_decref(j);
    mg_verify_result_free(&r);
    kr_image_free(&img);
    zr_model_free(&m);
    zr_findings_free(&f);
}

static void test_rollback_decision(void **state) {
    (void)state;
    char why[512];
    mg_rollback_evidence e = {MG_EVIDENCE_STOPPED, MG_ZK_STATE_POST_MIGRATION};
    assert_false(mg_rollback_allowed(&e, true, why, sizeof why)); /* --force never undoes finalization */
    assert_non_null(strstr(why, "finalized"));
    assert_non_null(strstr(why, "rollback is impossible"));
    e.zk_migration_state = MG_ZK_STATE_NONE;
    assert_false(mg_rollback_allowed(&e, true, why, sizeof why));
    assert_non_null(strstr(why, "created in KRaft mode"));
    e.zk_migration_state = -1; /* no record at all: NONE */
    assert_false(mg_rollback_allowed(&e, false, why, sizeof why));
    e.zk_migration_state = MG_ZK_STATE_MIGRATION;
    assert_true(mg_rollback_allowed(&e, false, why, sizeof why));
    e.zk_migration_state = MG_ZK_STATE_PRE_MIGRATION;
    assert_true(mg_rollback_allowed(&e, false, why, sizeof why));
    e = (mg_rollback_evidence){MG_EVIDENCE_LIVE, MG_ZK_STATE_MIGRATION};
    assert_false(mg_rollback_allowed(&e, false, why, sizeof why));
    assert_non_null(strstr(why, "stop the controllers first"));
    assert_true(mg_rollback_allowed(&e, true, why, sizeof why));
    e = (mg_rollback_evidence){MG_EVIDENCE_NONE, -1};
    assert_false(mg_rollback_allowed(&e, false, why, sizeof why));
    assert_non_null(strstr(why, "--force"));
    assert_true(mg_rollback_allowed(&e, true, why, sizeof why));
}

static void test_rollback_ops_are_conditional(void **state) {
    (void)state;
    mg_rollback_plan p = {0};
    p.controller = (mg_znode){true, strdup("{\"version\":2,\"brokerid\":3001,\"timestamp\":\"1\",\"kraftControllerEpoch\":7}"), 4};
    p.migration = (mg_znode){true, strdup("{\"version\":0}"), 12};
    mg_rollback_parse_controller(&p);
    assert_true(p.controller_is_kraft);
    assert_int_equal(p.controller_brokerid, 3001);
    assert_int_equal(p.kraft_controller_epoch, 7);
    mg_rollback_op ops[2];
    assert_int_equal(mg_rollback_ops(&p, ops), 2);
    assert_string_equal(ops[0].path, "/controller");
    assert_int_equal(ops[0].version, 4); /* the version read, never -1 (unconditional) */
    assert_string_equal(ops[1].path, "/migration");
    assert_int_equal(ops[1].version, 12);

    /* a ZooKeeper-mode controller (3.4+ writes kraftControllerEpoch -1) is left alone */
    free(p.controller.data);
    p.controller.data = strdup("{\"version\":2,\"brokerid\":1,\"timestamp\":\"1\",\"kraftControllerEpoch\":-1}");
    mg_rollback_parse_controller(&p);
    assert_false(p.controller_is_kraft);
    assert_int_equal(mg_rollback_ops(&p, ops), 1);
    assert_string_equal(ops[0].path, "/migration");
    free(p.controller.data);
    p.controller.data = strdup("{\"version\":1,\"brokerid\":1,\"timestamp\":\"1\"}");
    mg_rollback_parse_controller(&p);
    assert_false(p.controller_is_kraft);
    free(p.controller.data);
    p.controller.data = strdup("not json");
    mg_rollback_parse_controller(&p);
    assert_false(p.controller_is_kraft);
    p.migration.exists = false;
    assert_int_equal(mg_rollback_ops(&p, ops), 0);
    mg_rollback_plan_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producer_id_rule),
        cmocka_unit_test(test_lag),
        cmocka_unit_test(test_verify_ignores_and_producer_ids),
        cmocka_unit_test(test_verify_lag_from_migration_znode),
        cmocka_unit_test(test_rollback_decision),
        cmocka_unit_test(test_rollback_ops_are_conditional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
