/* Dual-write planners (migration.md §9): deltas from committed records, and the full
 * reconciliation of an image against a ZooKeeper model. Expected plans are op lists as
 * mg_zk_op_describe prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/image.h"
#include "migrate/password.h"
#include "migrate/zk_plan.h"

#define ID_A "kP6x3wKTQ8SR4Jr0L7dzvg"
#define ID_B "Qm3xJ0m2Te6VqgkP8y3f0w"

static kr_uuid uuid(const char *text) {
    kr_uuid u;
    assert_true(kr_uuid_from_text(text, &u));
    return u;
}

typedef struct fx {
    kr_image img;
    mg_zk_touched *t;
    mg_zk_plan_options o;
    mg_zk_plan_stats st;
} fx;

static fx *fx_new(void) {
    fx *f = calloc(1, sizeof *f);
    kr_image_init(&f->img);
    kr_error err = {0};
    assert_int_equal(mg_zk_touched_new(&f->t, &err), KR_OK);
    f->o.kraft_controller_epoch = 7;
    return f;
}

static void fx_free(fx *f) {
    kr_image_free(&f->img);
    mg_zk_touched_free(f->t);
    free(f);
}

/* As the driver does: touch against the image before, then apply. */
static void commit(fx *f, kr_metadata_record *rec) {
    kr_error err = {0};
    if (mg_zk_touch(f->t, &f->img, rec, &err)) fail_msg("touch %s: %s", kr_record_type_name(rec->api_key), err.message);
    if (kr_image_apply(&f->img, rec, &err)) fail_msg("apply %s: %s", kr_record_type_name(rec->api_key), err.message);
}

/* Applies without touching (state the ZooKeeper mirror already has). */
static void setup(fx *f, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(&f->img, rec, &err)) fail_msg("apply %s: %s", kr_record_type_name(rec->api_key), err.message);
}

static char *describe(const mg_zk_ops *ops) {
    size_t cap = 256 + ops->n * 320, n = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (size_t i = 0; i < ops->n; i++) {
        char line[300];
        mg_zk_op_describe(&ops->v[i], line, sizeof line);
        n += (size_t)snprintf(s + n, cap - n, "%s%s\n", line, ops->v[i].exists ? "" : " (new)");
    }
    return s;
}

/* Plans the delta, checks it against `want` (one op per line), clears the touched set. */
static void expect_delta(fx *f, const char *want) {
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    if (mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err)) fail_msg("plan: %s", err.message);
    char *got = describe(&ops);
    if (strcmp(got, want)) {
        fprintf(stderr, "--- want\n%s--- got\n%s", want, got);
        fail();
    }
    free(got);
    mg_zk_ops_free(&ops);
    mg_zk_touched_clear(f->t);
}

static void topic_rec(kr_metadata_record *rec, const char *name, const char *id) {
    kr_metadata_record_init(rec, KR_REC_TOPIC_RECORD, 0);
    rec->u.TopicRecord.Name = kr_str_c(name);
    rec->u.TopicRecord.TopicId = uuid(id);
}

static int32_t R123[] = {1, 2, 3}, R231[] = {2, 3, 1}, R12[] = {1, 2}, R4[] = {4}, R3[] = {3};

static void partition_rec(kr_metadata_record *rec, const char *id, int32_t pid, int32_t *replicas, int32_t n) {
    kr_metadata_record_init(rec, KR_REC_PARTITION_RECORD, 0);
    kr_PartitionRecord *p = &rec->u.PartitionRecord;
    p->PartitionId = pid;
    p->TopicId = uuid(id);
    p->Replicas = (kr_array_i32){replicas, n};
    p->Isr = (kr_array_i32){replicas, n};
    p->Leader = replicas[0];
    p->LeaderEpoch = 0;
    p->PartitionEpoch = 0;
}

static void add_topic(fx *f, bool touch, const char *name, const char *id, int n) {
    kr_metadata_record rec;
    topic_rec(&rec, name, id);
    touch ? commit(f, &rec) : setup(f, &rec);
    for (int p = 0; p < n; p++) {
        partition_rec(&rec, id, p, p % 2 ? R231 : R123, 3);
        touch ? commit(f, &rec) : setup(f, &rec);
    }
}

static void config_rec(kr_metadata_record *rec, int8_t type, const char *res, const char *k, const char *v) {
    kr_metadata_record_init(rec, KR_REC_CONFIG_RECORD, 0);
    rec->u.ConfigRecord.ResourceType = type;
    rec->u.ConfigRecord.ResourceName = kr_str_c(res);
    rec->u.ConfigRecord.Name = kr_str_c(k);
    rec->u.ConfigRecord.Value = kr_str_c(v);
}

/* ---- topics and partitions -------------------------------------------------------------- */

static void test_delta_new_topic(void **state) {
    (void)state;
    fx *f = fx_new();
    add_topic(f, true, "orders", ID_A, 2);
    expect_delta(f,
                 "PUT /config/topics/orders {\"version\":1,\"config\":{}} (new)\n"
                 "PUT /brokers/topics/orders {\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[1,2,3],"
                 "\"1\":[2,3,1]},\"adding_replicas\":{},\"removing_replicas\":{}} (new)\n"
                 "PUT /brokers/topics/orders/partitions null (new)\n"
                 "PUT /brokers/topics/orders/partitions/0 null (new)\n"
                 "PUT /brokers/topics/orders/partitions/0/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,"
                 "\"isr\":[1,2,3],\"controller_epoch\":7} (new)\n"
                 "PUT /brokers/topics/orders/partitions/1 null (new)\n"
                 "PUT /brokers/topics/orders/partitions/1/state {\"version\":1,\"leader\":2,\"leader_epoch\":0,"
                 "\"isr\":[2,3,1],\"controller_epoch\":7} (new)\n");
    assert_int_equal(f->st.topics_created, 1);
    assert_int_equal(f->st.partitions_written, 2);
    assert_true(mg_zk_touched_empty(f->t));
    fx_free(f);
}

static void test_delta_new_topic_with_configs(void **state) {
    (void)state;
    fx *f = fx_new();
    add_topic(f, true, "logs", ID_A, 1);
    kr_metadata_record rec;
    config_rec(&rec, 2, "logs", "retention.ms", "1000");
    commit(f, &rec);
    config_rec(&rec, 2, "logs", "cleanup.policy", "compact");
    commit(f, &rec);
    /* The config pass writes /config/topics/logs once, then announces it. */
    expect_delta(f,
                 "PUT /brokers/topics/logs {\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[1,2,3]},"
                 "\"adding_replicas\":{},\"removing_replicas\":{}} (new)\n"
                 "PUT /brokers/topics/logs/partitions null (new)\n"
                 "PUT /brokers/topics/logs/partitions/0 null (new)\n"
                 "PUT /brokers/topics/logs/partitions/0/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,"
                 "\"isr\":[1,2,3],\"controller_epoch\":7} (new)\n"
                 "PUT /config/topics/logs {\"version\":1,\"config\":{\"cleanup.policy\":\"compact\","
                 "\"retention.ms\":\"1000\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"topics/logs\"} (new)\n");
    fx_free(f);
}

static void test_delta_partition_changes(void **state) {
    (void)state;
    fx *f = fx_new();
    add_topic(f, false, "orders", ID_A, 2);
    kr_metadata_record rec;
    /* Leader/ISR change: the state znode only. */
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.TopicId = uuid(ID_A);
    rec.u.PartitionChangeRecord.PartitionId = 1;
    rec.u.PartitionChangeRecord.Leader = 3;
    rec.u.PartitionChangeRecord.Isr = (kr_array_i32){R3, 1};
    commit(f, &rec);
    commit(f, &rec); /* touched twice, written once */
    expect_delta(f, "PUT /brokers/topics/orders/partitions/1/state {\"version\":1,\"leader\":3,\"leader_epoch\":2,"
                    "\"isr\":[3],\"controller_epoch\":7}\n");

    /* Reassignment: topic znode with the adding/removing maps, then the state. */
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.TopicId = uuid(ID_A);
    rec.u.PartitionChangeRecord.PartitionId = 0;
    int32_t target[] = {4, 1, 2, 3};
    rec.u.PartitionChangeRecord.Replicas = (kr_array_i32){target, 4};
    rec.u.PartitionChangeRecord.AddingReplicas = (kr_array_i32){R4, 1};
    rec.u.PartitionChangeRecord.RemovingReplicas = (kr_array_i32){R3, 1};
    commit(f, &rec);
    /* A new partition of the existing topic. */
    partition_rec(&rec, ID_A, 2, R12, 2);
    commit(f, &rec);
    expect_delta(f,
                 "PUT /brokers/topics/orders {\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[4,1,2,3],"
                 "\"1\":[2,3,1],\"2\":[1,2]},\"adding_replicas\":{\"0\":[4]},\"removing_replicas\":{\"0\":[3]}}\n"
                 "PUT /brokers/topics/orders/partitions/0/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,"
                 "\"isr\":[1,2,3],\"controller_epoch\":7}\n"
                 "PUT /brokers/topics/orders/partitions/2 null (new)\n"
                 "PUT /brokers/topics/orders/partitions/2/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,"
                 "\"isr\":[1,2],\"controller_epoch\":7} (new)\n");
    assert_int_equal(f->st.topics_updated, 1);

    /* Unclean election: RECOVERING is written, RECOVERED is not. */
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.TopicId = uuid(ID_A);
    rec.u.PartitionChangeRecord.PartitionId = 2;
    rec.u.PartitionChangeRecord.Leader = 2;
    rec.u.PartitionChangeRecord.Isr = (kr_array_i32){R12 + 1, 1};
    rec.u.PartitionChangeRecord.LeaderRecoveryState = 1;
    commit(f, &rec);
    expect_delta(f, "PUT /brokers/topics/orders/partitions/2/state {\"version\":1,\"leader\":2,\"leader_epoch\":1,"
                    "\"isr\":[2],\"controller_epoch\":7,\"leader_recovery_state\":1}\n");
    fx_free(f);
}

static void test_delta_remove_and_recreate_topic(void **state) {
    (void)state;
    fx *f = fx_new();
    add_topic(f, false, "t", ID_A, 2);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
    rec.u.RemoveTopicRecord.TopicId = uuid(ID_A);
    commit(f, &rec);
    add_topic(f, true, "t", ID_B, 1);
    /* Deepest first, the old topic entirely before the new one. */
    expect_delta(f,
                 "DELETE /brokers/topics/t/partitions/0/state\n"
                 "DELETE /brokers/topics/t/partitions/0\n"
                 "DELETE /brokers/topics/t/partitions/1/state\n"
                 "DELETE /brokers/topics/t/partitions/1\n"
                 "DELETE /brokers/topics/t/partitions\n"
                 "DELETE /config/topics/t\n"
                 "DELETE /brokers/topics/t\n"
                 "PUT /config/topics/t {\"version\":1,\"config\":{}} (new)\n"
                 "PUT /brokers/topics/t {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[1,2,3]},"
                 "\"adding_replicas\":{},\"removing_replicas\":{}} (new)\n"
                 "PUT /brokers/topics/t/partitions null (new)\n"
                 "PUT /brokers/topics/t/partitions/0 null (new)\n"
                 "PUT /brokers/topics/t/partitions/0/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,"
                 "\"isr\":[1,2,3],\"controller_epoch\":7} (new)\n");
    assert_int_equal(f->st.topics_deleted, 1);
    assert_int_equal(f->st.topics_created, 1);

    /* Created and removed within one delta: ZooKeeper never saw it. */
    add_topic(f, true, "tmp", ID_A, 1);
    kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
    rec.u.RemoveTopicRecord.TopicId = uuid(ID_A);
    commit(f, &rec);
    expect_delta(f, "");
    fx_free(f);
}

static void test_delta_ignores_unmirrored_records(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    commit(f, &rec);
    kr_metadata_record_init(&rec, KR_REC_NO_OP_RECORD, 0);
    commit(f, &rec);
    /* client-metrics configs have no ZooKeeper form */
    config_rec(&rec, 16, "metrics1", "interval.ms", "1000");
    commit(f, &rec);
    assert_true(mg_zk_touched_empty(f->t));
    expect_delta(f, "");
    fx_free(f);
}

/* 100k partitions touched: the touched set and the plan stay linear. */
static void test_delta_many_partitions(void **state) {
    (void)state;
    fx *f = fx_new();
    char name[32], id[32];
    for (int t = 0; t < 100; t++) {
        kr_uuid u = {{0}};
        u.b[0] = 0x20;
        u.b[14] = (uint8_t)(t >> 8);
        u.b[15] = (uint8_t)t;
        kr_uuid_to_text(&u, id);
        snprintf(name, sizeof name, "t%03d", t);
        add_topic(f, true, name, id, 1000);
    }
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_OK);
    assert_int_equal(ops.n, 100 * (3 + 2 * 1000));
    assert_int_equal(f->st.partitions_written, 100000);
    mg_zk_ops_free(&ops);
    fx_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_new_topic),
        cmocka_unit_test(test_delta_new_topic_with_configs),
        cmocka_unit_test(test_delta_partition_changes),
        cmocka_unit_test(test_delta_remove_and_recreate_topic),
        cmocka_unit_test(test_delta_ignores_unmirrored_records),
        cmocka_unit_test(test_delta_many_partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
