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
#include "migrate/convert.h"
#include "migrate/password.h"
#include "zkread/tree.h"
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
    size_t cap = 256 + ops->n * 640, n = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (size_t i = 0; i < ops->n; i++) {
        char line[300];
        mg_zk_op_describe(&ops->v[i], line, sizeof line);
        /* describe hides secret-holding znodes; these tests hold no secrets, so show them */
        const char *hidden = ops->v[i].data && strstr(line, " bytes>") ? (const char *)ops->v[i].data : "";
        n += (size_t)snprintf(s + n, cap - n, "%s%s%.*s%s\n", line, *hidden ? " = " : "",
                              *hidden ? (int)ops->v[i].len : 0, hidden, ops->v[i].exists ? "" : " (new)");
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


/* ---- configs, quotas, SCRAM, producer ids, ACLs, tokens ------------------------------------ */

static char *op_text(const mg_zk_op *op) {
    char *s = malloc((size_t)op->len + 1);
    memcpy(s, op->data, (size_t)op->len);
    s[op->len] = 0;
    return s;
}

static void test_delta_broker_configs(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    config_rec(&rec, 4, "", "log.cleaner.threads", "2");
    commit(f, &rec);
    config_rec(&rec, 4, "1", "log.retention.ms", "5");
    commit(f, &rec);
    expect_delta(f,
                 "PUT /config/brokers/<default> <50 bytes> = {\"version\":1,\"config\":{\"log.cleaner.threads\":\"2\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/<default>\"} (new)\n"
                 "PUT /config/brokers/1 <47 bytes> = {\"version\":1,\"config\":{\"log.retention.ms\":\"5\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/1\"} (new)\n");
    /* The last key removed: the znode is deleted and the deletion announced. */
    config_rec(&rec, 4, "1", "log.retention.ms", NULL);
    rec.u.ConfigRecord.Value = KR_STR_NULL;
    commit(f, &rec);
    expect_delta(f, "DELETE /config/brokers/1\n"
                    "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/1\"} (new)\n");
    assert_int_equal(f->st.configs_deleted, 1);
    fx_free(f);
}

/* Password configs are re-encrypted with the encoder secret; without one they are left out. */
static void test_delta_broker_password(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    config_rec(&rec, 4, "1", "listener.name.internal.ssl.key.password", "s3cr\xc3\xa9t");
    commit(f, &rec);
    config_rec(&rec, 4, "1", "log.retention.ms", "5");
    commit(f, &rec);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    f->o.password_encoder_secret = "encoder-secret";
    assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_OK);
    assert_int_equal(ops.n, 2);
    char *json = op_text(&ops.v[0]);
    const char *key = "\"listener.name.internal.ssl.key.password\":\"";
    char *v = strstr(json, key);
    assert_non_null(v);
    v += strlen(key);
    *strchr(v, '"') = 0;
    assert_non_null(strstr(v, "encryptedPassword:"));
    char *plain = NULL;
    assert_int_equal(mg_password_decrypt(v, "encoder-secret", &plain, &err), KR_OK);
    assert_string_equal(plain, "s3cr\xc3\xa9t");
    free(plain);
    free(json);
    mg_zk_ops_clear(&ops);
    /* no secret: the key is not written, and counted */
    f->o.password_encoder_secret = NULL;
    assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_OK);
    json = op_text(&ops.v[0]);
    assert_string_equal(json, "{\"version\":1,\"config\":{\"log.retention.ms\":\"5\"}}");
    assert_int_equal(f->st.sensitive_configs_skipped, 1);
    free(json);
    mg_zk_ops_free(&ops);
    fx_free(f);
}

static void quota_rec(kr_metadata_record *rec, const char *t1, const char *n1, const char *t2, const char *n2,
                      const char *k, double v, bool remove) {
    static kr_ClientQuotaRecord_EntityData e[2];
    kr_metadata_record_init(rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    e[0].EntityType = kr_str_c(t1);
    e[0].EntityName = kr_str_c(n1);
    e[1].EntityType = kr_str_c(t2);
    e[1].EntityName = kr_str_c(n2);
    rec->u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){e, t2 ? 2 : 1};
    rec->u.ClientQuotaRecord.Key = kr_str_c(k);
    rec->u.ClientQuotaRecord.Value = v;
    rec->u.ClientQuotaRecord.Remove = remove;
}

static uint8_t KEY32[32], SALT[4] = {'s', 'a', 'l', 't'};

static void scram_rec(kr_metadata_record *rec, const char *user, int8_t mech) {
    kr_metadata_record_init(rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    kr_UserScramCredentialRecord *s = &rec->u.UserScramCredentialRecord;
    s->Name = kr_str_c(user);
    s->Mechanism = mech;
    s->Salt = (kr_bytes){SALT, 4};
    s->StoredKey = (kr_bytes){KEY32, 32};
    s->ServerKey = (kr_bytes){KEY32, 32};
    s->Iterations = 4096;
}

static void test_delta_quotas_and_scram(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    quota_rec(&rec, "user", "alice@example.com", NULL, NULL, "producer_byte_rate", 1048576, false);
    commit(f, &rec);
    scram_rec(&rec, "alice@example.com", 1);
    commit(f, &rec);
    quota_rec(&rec, "client-id", "app/1", "user", NULL, "request_percentage", 25.5, false);
    commit(f, &rec);
    quota_rec(&rec, "ip", "2001:db8::1", NULL, NULL, "connection_creation_rate", 20, false);
    commit(f, &rec);
    quota_rec(&rec, "client-id", NULL, NULL, NULL, "controller_mutation_rate", 10, false);
    commit(f, &rec);
    expect_delta(f,
                 "PUT /config/users/alice%40example.com <215 bytes> = {\"version\":1,\"config\":{\"SCRAM-SHA-256\":"
                 "\"salt=c2FsdA==,stored_key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,server_key="
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,iterations=4096\",\"producer_byte_rate\":\"1048576\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"users/alice%40example.com\"} (new)\n"
                 "PUT /config/users/<default>/clients/app%2F1 <52 bytes> = {\"version\":1,\"config\":{\"request_percentage\":"
                 "\"25.5\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"users/<default>/clients/app%2F1\"} (new)\n"
                 "PUT /config/ips/2001%3Adb8%3A%3A1 {\"version\":1,\"config\":{\"connection_creation_rate\":\"20\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"ips/2001%3Adb8%3A%3A1\"} (new)\n"
                 "PUT /config/clients/<default> {\"version\":1,\"config\":{\"controller_mutation_rate\":\"10.0\"}} (new)\n"
                 "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"clients/<default>\"} (new)\n");
    assert_int_equal(f->st.quota_entities_written, 4);
    assert_int_equal(f->st.scram_users_written, 1);

    /* The user's quota removed, its credential kept: all that remains is written. */
    quota_rec(&rec, "user", "alice@example.com", NULL, NULL, "producer_byte_rate", 0, true);
    commit(f, &rec);
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_OK);
    assert_int_equal(ops.n, 2);
    assert_true(ops.v[0].exists);
    char *json = op_text(&ops.v[0]);
    assert_string_equal(json, "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=c2FsdA==,stored_key="
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,server_key="
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,iterations=4096\"}}");
    free(json);
    mg_zk_ops_free(&ops);
    mg_zk_touched_clear(f->t);

    /* Then the credential: the entity is written empty, as Kafka does. */
    kr_metadata_record_init(&rec, KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.RemoveUserScramCredentialRecord.Name = kr_str_c("alice@example.com");
    rec.u.RemoveUserScramCredentialRecord.Mechanism = 1;
    commit(f, &rec);
    expect_delta(f, "PUT /config/users/alice%40example.com <25 bytes> = {\"version\":1,\"config\":{}}\n"
                    "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"users/alice%40example.com\"} (new)\n");

    /* A quota that has no ZooKeeper form is refused, naming the entity. */
    quota_rec(&rec, "client-id", "c1", NULL, NULL, "producer_byte_rate", 1.5, false);
    commit(f, &rec);
    mg_zk_ops_init(&ops);
    assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "/config/clients/c1"));
    mg_zk_ops_free(&ops);
    fx_free(f);
}

static void test_delta_producer_ids(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
    rec.u.ProducerIdsRecord.BrokerId = 1;
    rec.u.ProducerIdsRecord.BrokerEpoch = 5;
    rec.u.ProducerIdsRecord.NextProducerId = 6000;
    commit(f, &rec);
    expect_delta(f, "PUT /latest_producer_id_block {\"version\":1,\"broker\":-1,\"block_start\":\"6000\","
                    "\"block_end\":\"6999\"}\n");
    fx_free(f);
}

static kr_uuid acl_id(uint8_t n) {
    kr_uuid u = {{0}};
    u.b[0] = 0x33;
    u.b[15] = n;
    return u;
}

static void acl_rec(kr_metadata_record *rec, uint8_t id, int8_t type, const char *name, int8_t pattern,
                    const char *principal, int8_t op, int8_t perm) {
    kr_metadata_record_init(rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    kr_AccessControlEntryRecord *a = &rec->u.AccessControlEntryRecord;
    a->Id = acl_id(id);
    a->ResourceType = type;
    a->ResourceName = kr_str_c(name);
    a->PatternType = pattern;
    a->Principal = kr_str_c(principal);
    a->Host = kr_str_c("*");
    a->Operation = op;
    a->PermissionType = perm;
}

static void test_delta_acls(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    acl_rec(&rec, 1, 2, "orders", 3, "User:bob", 4, 3);
    setup(f, &rec);
    acl_rec(&rec, 2, 2, "orders", 3, "User:alice", 3, 3);
    commit(f, &rec);
    acl_rec(&rec, 3, 3, "app-", 4, "User:*", 12, 2);
    commit(f, &rec);
    expect_delta(f,
                 "PUT /kafka-acl/Topic/orders {\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":"
                 "\"Allow\",\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":\"User:bob\",\"permissionType\":\"Allow\","
                 "\"operation\":\"Write\",\"host\":\"*\"}]}\n"
                 "APPEND /kafka-acl-changes/acl_changes_ TOPIC:orders (new)\n"
                 "PUT /kafka-acl-extended/prefixed/Group/app- {\"version\":1,\"acls\":[{\"principal\":\"User:*\","
                 "\"permissionType\":\"Deny\",\"operation\":\"IdempotentWrite\",\"host\":\"*\"}]} (new)\n"
                 "APPEND /kafka-acl-extended-changes/acl_changes_ {\"version\":1,\"resourceType\":\"GROUP\",\"name\":"
                 "\"app-\",\"patternType\":\"PREFIXED\"} (new)\n");
    /* Removing the last entry of a pattern (resolved through the image before) deletes it. */
    kr_metadata_record_init(&rec, KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD, 0);
    rec.u.RemoveAccessControlEntryRecord.Id = acl_id(3);
    commit(f, &rec);
    /* An unknown id is skipped (the image refuses it; the planner ignores it). */
    rec.u.RemoveAccessControlEntryRecord.Id = acl_id(99);
    kr_error err = {0};
    assert_int_equal(mg_zk_touch(f->t, &f->img, &rec, &err), KR_OK);
    expect_delta(f, "DELETE /kafka-acl-extended/prefixed/Group/app-\n"
                    "APPEND /kafka-acl-extended-changes/acl_changes_ {\"version\":1,\"resourceType\":\"GROUP\",\"name\":"
                    "\"app-\",\"patternType\":\"PREFIXED\"} (new)\n");
    assert_int_equal(f->st.acl_resources_deleted, 1);
    fx_free(f);
}

static void test_delta_tokens(void **state) {
    (void)state;
    fx *f = fx_new();
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
    kr_DelegationTokenRecord *t = &rec.u.DelegationTokenRecord;
    kr_str renewers[] = {kr_str_c("User:bob")};
    t->TokenId = kr_str_c("tok1");
    t->Owner = kr_str_c("User:alice");
    t->Requester = kr_str_c("User:admin");
    t->Renewers = (kr_array_str){renewers, 1};
    t->IssueTimestamp = 1;
    t->MaxTimestamp = 3;
    t->ExpirationTimestamp = 2;
    commit(f, &rec);
    expect_delta(f, "PUT /delegation_token/tokens/tok1 <167 bytes> = {\"version\":3,\"owner\":\"User%3Aalice\",\"tokenRequester\":"
                    "\"User%3Aadmin\",\"renewers\":[\"User%3Abob\"],\"issueTimestamp\":1,\"maxTimestamp\":3,"
                    "\"expiryTimestamp\":2,\"tokenId\":\"tok1\"} (new)\n");
    kr_metadata_record_init(&rec, KR_REC_REMOVE_DELEGATION_TOKEN_RECORD, 0);
    rec.u.RemoveDelegationTokenRecord.TokenId = kr_str_c("tok1");
    commit(f, &rec);
    expect_delta(f, "DELETE /delegation_token/tokens/tok1\n");
    fx_free(f);
}


/* ---- reconciliation ---------------------------------------------------------------------- */

#define K44 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define SCRAM_TEXT "salt=c2FsdA==,stored_key=" K44 ",server_key=" K44 ",iterations=4096"

typedef struct znode {
    const char *path;
    const char *data; /* NULL = null data */
    int32_t version;
} znode;

static const znode BASE[] = {
    {"/brokers/topics/a", "{\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[1,2],\"1\":[2,1]},"
                          "\"adding_replicas\":{},\"removing_replicas\":{}}", 0},
    {"/brokers/topics/a/partitions", NULL, 0},
    {"/brokers/topics/a/partitions/0", NULL, 0},
    {"/brokers/topics/a/partitions/0/state", "{\"controller_epoch\":5,\"leader\":1,\"version\":1,\"leader_epoch\":3,"
                                             "\"isr\":[1,2]}", 4},
    {"/brokers/topics/a/partitions/1", NULL, 0},
    {"/brokers/topics/a/partitions/1/state", "{\"controller_epoch\":5,\"leader\":2,\"version\":1,\"leader_epoch\":1,"
                                             "\"isr\":[2]}", 2},
    {"/brokers/topics/b", "{\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3]},"
                          "\"adding_replicas\":{},\"removing_replicas\":{}}", 0},
    {"/brokers/topics/b/partitions/0/state", "{\"controller_epoch\":5,\"leader\":3,\"version\":1,\"leader_epoch\":0,"
                                             "\"isr\":[3]}", 0},
    {"/config/topics/a", "{\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}", 0},
    {"/config/topics/b", "{\"version\":1,\"config\":{}}", 0},
    {"/config/brokers/1", "{\"version\":1,\"config\":{\"log.cleaner.threads\":\"2\"}}", 0},
    {"/config/brokers/<default>", "{\"version\":1,\"config\":{\"min.insync.replicas\":\"2\"}}", 0},
    {"/config/users/alice", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1024\",\"SCRAM-SHA-256\":\""
                            SCRAM_TEXT "\"}}", 0},
    {"/config/clients/app", "{\"version\":1,\"config\":{\"request_percentage\":\"10\"}}", 0},
    {"/config/ips/10.0.0.5", "{\"version\":1,\"config\":{\"connection_creation_rate\":\"20\"}}", 0},
    {"/latest_producer_id_block", "{\"version\":1,\"broker\":2,\"block_start\":\"4000\",\"block_end\":\"4999\"}", 3},
    {"/kafka-acl/Topic/a", "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\","
                           "\"operation\":\"Read\",\"host\":\"*\"}]}", 0},
    {"/kafka-acl-extended/prefixed/Group/app-", "{\"version\":1,\"acls\":[{\"principal\":\"User:*\",\"permissionType\":"
                                                "\"Deny\",\"operation\":\"Describe\",\"host\":\"*\"}]}", 0},
    {"/delegation_token/tokens/tok1", "{\"version\":1,\"owner\":\"User%3Aalice\",\"renewers\":[\"User%3Abob\"],"
                                      "\"issueTimestamp\":1,\"maxTimestamp\":3,\"expiryTimestamp\":2,"
                                      "\"tokenId\":\"tok1\"}", 0},
};
#define N_BASE (sizeof BASE / sizeof BASE[0])

/* BASE with `changes` applied: a path in BASE is replaced (data "-" removes it), others added. */
static void zk_model(zr_model *m, const znode *changes, size_t n_changes) {
    zr_findings f = {.lenient = true};
    zr_model_init(m);
    for (size_t i = 0; i < N_BASE; i++) {
        const znode *z = &BASE[i];
        for (size_t j = 0; j < n_changes; j++)
            if (!strcmp(changes[j].path, z->path)) z = &changes[j];
        if (z->data && !strcmp(z->data, "-")) continue;
        zr_stat st = {.version = z->version};
        zr_model_add_znode(m, z->path, (const uint8_t *)z->data, z->data ? (int32_t)strlen(z->data) : -1, &st, &f);
    }
    for (size_t j = 0; j < n_changes; j++) {
        bool in_base = false;
        for (size_t i = 0; i < N_BASE; i++) in_base = in_base || !strcmp(changes[j].path, BASE[i].path);
        if (in_base) continue;
        zr_stat st = {.version = changes[j].version};
        zr_model_add_znode(m, changes[j].path, (const uint8_t *)changes[j].data,
                           changes[j].data ? (int32_t)strlen(changes[j].data) : -1, &st, &f);
    }
    zr_model_finish(m, &f);
    zr_findings_free(&f);
}

static void image_of(const zr_model *m, kr_image *img, const char *secret) {
    mg_convert_options o = {.dual_write = true, .password_encoder.secret = secret};
    mg_convert_report rep;
    mg_convert_report_init(&rep);
    kr_error err = {0};
    kr_image_init(img);
    if (mg_model_to_image(m, &o, img, &rep, &err)) fail_msg("convert: %s", err.message);
    mg_convert_report_free(&rep);
}

static void expect_reconcile(const kr_image *img, const zr_model *m, const char *secret, const char *want) {
    mg_zk_plan_options o = {.kraft_controller_epoch = 7, .password_encoder_secret = secret};
    mg_zk_plan_stats st;
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    if (mg_zk_plan_reconcile(img, m, &o, &ops, &st, &err)) fail_msg("reconcile: %s", err.message);
    char *got = describe(&ops);
    if (strcmp(got, want)) {
        fprintf(stderr, "--- want\n%s--- got\n%s", want, got);
        fail();
    }
    free(got);
    mg_zk_ops_free(&ops);
}

static void apply_img(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(img, rec, &err)) fail_msg("apply %s: %s", kr_record_type_name(rec->api_key), err.message);
}

/* The image converted from ZooKeeper, reconciled against it: nothing to write. */
static void test_reconcile_identity(void **state) {
    (void)state;
    zr_model m;
    kr_image img;
    zk_model(&m, NULL, 0);
    image_of(&m, &img, NULL);
    assert_int_equal(img.topics.n, 2);
    assert_int_equal(img.tokens.n, 1);
    expect_reconcile(&img, &m, NULL, "");
    kr_image_free(&img);
    zr_model_free(&m);
}

static void test_reconcile_fixtures_identity(void **state) {
    (void)state;
    static const struct { const char *file, *secret; } fixtures[] = {
        {"fixtures/demo.xml", NULL},
        {"fixtures/acls.xml", NULL},
        {"fixtures/configs-all-levels.xml", "zk2kraft-fixture-secret"},
        {"fixtures/scram-users.xml", NULL},
        {"fixtures/kafka3-topic-ids.xml", NULL},
        {"fixtures/offline-partitions.xml", NULL},
        {"fixtures/reassignment-in-progress.xml", NULL},
        {"fixtures/secured-acls.xml", NULL},
        {"fixtures/migration-in-progress.xml", NULL},
    };
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        zr_tree t;
        zr_error zerr = {0};
        if (zr_fixture_read(fixtures[i].file, &t, &zerr)) fail_msg("%s: %s", fixtures[i].file, zerr.message);
        zr_model m;
        zr_findings f = {.lenient = true};
        zr_model_init(&m);
        zr_tree_to_model(&t, &m, &f);
        kr_image img;
        image_of(&m, &img, fixtures[i].secret);
        /* Also without the secret: the ciphertext is kept and not compared. */
        for (int pass = 0; pass < 2; pass++) {
            mg_zk_plan_options o = {.kraft_controller_epoch = 3, .password_encoder_secret = pass ? NULL : fixtures[i].secret};
            mg_zk_ops ops;
            mg_zk_ops_init(&ops);
            kr_error err = {0};
            if (mg_zk_plan_reconcile(&img, &m, &o, &ops, NULL, &err)) fail_msg("%s: %s", fixtures[i].file, err.message);
            if (ops.n) {
                char *d = describe(&ops);
                fail_msg("%s: %zu ops:\n%.2000s", fixtures[i].file, ops.n, d);
            }
            mg_zk_ops_free(&ops);
        }
        kr_image_free(&img);
        zr_model_free(&m);
        zr_findings_free(&f);
        zr_tree_free(&t);
    }
}


/* One perturbation: ZooKeeper changes (on BASE) and/or image records, and the exact plan. */
typedef void (*image_edit)(kr_image *img);

static void perturb(const znode *zk, size_t n_zk, image_edit edit, const char *want) {
    zr_model base, m;
    kr_image img;
    zk_model(&base, NULL, 0);
    image_of(&base, &img, NULL);
    zr_model_free(&base);
    if (edit) edit(&img);
    zk_model(&m, zk, n_zk);
    expect_reconcile(&img, &m, NULL, want);
    kr_image_free(&img);
    zr_model_free(&m);
}

static void partition_change(kr_image *img, const char *id, int32_t pid, int32_t leader, int32_t *isr, int32_t n) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.TopicId = uuid(id);
    rec.u.PartitionChangeRecord.PartitionId = pid;
    rec.u.PartitionChangeRecord.Leader = leader;
    rec.u.PartitionChangeRecord.Isr = (kr_array_i32){isr, n};
    apply_img(img, &rec);
}

static void edit_leader(kr_image *img) { partition_change(img, ID_A, 1, 1, R12, 2); }

static void test_reconcile_partition_state(void **state) {
    (void)state;
    /* the image moved on: the state is rewritten (KRaft controller epoch, no partition epoch) */
    perturb(NULL, 0, edit_leader,
            "PUT /brokers/topics/a/partitions/1/state {\"version\":1,\"leader\":1,\"leader_epoch\":2,\"isr\":[1,2],"
            "\"controller_epoch\":7}\n");
    /* only the controller epoch and the partition epoch differ: nothing to write */
    znode epochs[] = {{"/brokers/topics/a/partitions/0/state", "{\"controller_epoch\":9,\"leader\":1,\"version\":1,"
                                                                "\"leader_epoch\":3,\"isr\":[1,2]}", 17}};
    perturb(epochs, 1, NULL, "");
    /* a missing state znode is created, not setData'd (Kafka retries that forever) */
    znode missing[] = {{"/brokers/topics/b/partitions/0/state", "-", 0}};
    perturb(missing, 1, NULL,
            "PUT /brokers/topics/b/partitions/0/state {\"version\":1,\"leader\":3,\"leader_epoch\":0,\"isr\":[3],"
            "\"controller_epoch\":7} (new)\n");
    /* an unparsable state (Kafka silently substitutes one) is rewritten; the model cannot tell
     * it from a missing one, so the belief is "absent" and the executor corrects it */
    znode garbage[] = {{"/brokers/topics/a/partitions/0/state", "{not json", 1}};
    perturb(garbage, 1, NULL,
            "PUT /brokers/topics/a/partitions/0/state {\"version\":1,\"leader\":1,\"leader_epoch\":3,\"isr\":[1,2],"
            "\"controller_epoch\":7} (new)\n");
    /* leader_recovery_state differs */
    znode recovering[] = {{"/brokers/topics/b/partitions/0/state", "{\"controller_epoch\":5,\"leader\":3,\"version\":1,"
                                                                   "\"leader_epoch\":0,\"isr\":[3],\"leader_recovery_state\":1}", 0}};
    perturb(recovering, 1, NULL,
            "PUT /brokers/topics/b/partitions/0/state {\"version\":1,\"leader\":3,\"leader_epoch\":0,\"isr\":[3],"
            "\"controller_epoch\":7}\n");
}

static void edit_add_partition(kr_image *img) {
    kr_metadata_record rec;
    partition_rec(&rec, ID_B, 1, R12, 2);
    apply_img(img, &rec);
}

static void test_reconcile_partitions_added_and_extra(void **state) {
    (void)state;
    perturb(NULL, 0, edit_add_partition,
            "PUT /brokers/topics/b {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3],\"1\":[1,2]},"
            "\"adding_replicas\":{},\"removing_replicas\":{}}\n"
            "PUT /brokers/topics/b/partitions/1 null (new)\n"
            "PUT /brokers/topics/b/partitions/1/state {\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1,2],"
            "\"controller_epoch\":7} (new)\n");
    /* ZooKeeper has a partition the image lacks: deleted recursively, assignment rewritten */
    znode extra[] = {{"/brokers/topics/b", "{\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3],\"5\":[1]},"
                                          "\"adding_replicas\":{},\"removing_replicas\":{}}", 0},
                     {"/brokers/topics/b/partitions/5/state", "{\"controller_epoch\":5,\"leader\":1,\"version\":1,"
                                                              "\"leader_epoch\":0,\"isr\":[1]}", 0}};
    perturb(extra, 2, NULL,
            "DELETE /brokers/topics/b/partitions/5\n"
            "PUT /brokers/topics/b {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3]},"
            "\"adding_replicas\":{},\"removing_replicas\":{}}\n");
    /* a reassignment in ZooKeeper the image does not have */
    znode reassign[] = {{"/brokers/topics/b", "{\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[4,3]},"
                                             "\"adding_replicas\":{\"0\":[4]},\"removing_replicas\":{}}", 0}};
    perturb(reassign, 1, NULL,
            "PUT /brokers/topics/b {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3]},"
            "\"adding_replicas\":{},\"removing_replicas\":{}}\n");
    /* an old topic znode (v2, no id) with the same assignment: rewritten as v3 with the id */
    znode v2[] = {{"/brokers/topics/b", "{\"version\":2,\"partitions\":{\"0\":[3]},\"adding_replicas\":{},"
                                       "\"removing_replicas\":{}}", 0}};
    zr_model m;
    kr_image img;
    zk_model(&m, NULL, 0);
    image_of(&m, &img, NULL);
    zr_model_free(&m);
    zk_model(&m, v2, 1);
    expect_reconcile(&img, &m, NULL,
                     "PUT /brokers/topics/b {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3]},"
                     "\"adding_replicas\":{},\"removing_replicas\":{}}\n");
    kr_image_free(&img);
    zr_model_free(&m);
}

static void edit_remove_b(kr_image *img) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
    rec.u.RemoveTopicRecord.TopicId = uuid(ID_B);
    apply_img(img, &rec);
}

static void edit_new_topic(kr_image *img) {
    kr_metadata_record rec;
    topic_rec(&rec, "c", "AAAAAAAAAAAAAAAAAAAAAg");
    apply_img(img, &rec);
    partition_rec(&rec, "AAAAAAAAAAAAAAAAAAAAAg", 0, R4, 1);
    apply_img(img, &rec);
    config_rec(&rec, 2, "c", "cleanup.policy", "compact");
    apply_img(img, &rec);
}

static void test_reconcile_topics(void **state) {
    (void)state;
    /* gone from the image: deleted deepest first, with its configs */
    perturb(NULL, 0, edit_remove_b,
            "DELETE /brokers/topics/b/partitions/0/state\n"
            "DELETE /brokers/topics/b/partitions/0\n"
            "DELETE /brokers/topics/b/partitions\n"
            "DELETE /config/topics/b\n"
            "DELETE /brokers/topics/b\n");
    /* only in the image: created with its configs */
    perturb(NULL, 0, edit_new_topic,
            "PUT /config/topics/c {\"version\":1,\"config\":{\"cleanup.policy\":\"compact\"}} (new)\n"
            "PUT /brokers/topics/c {\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAAAAAAAAg\",\"partitions\":{\"0\":[4]},"
            "\"adding_replicas\":{},\"removing_replicas\":{}} (new)\n"
            "PUT /brokers/topics/c/partitions null (new)\n"
            "PUT /brokers/topics/c/partitions/0 null (new)\n"
            "PUT /brokers/topics/c/partitions/0/state {\"version\":1,\"leader\":4,\"leader_epoch\":0,\"isr\":[4],"
            "\"controller_epoch\":7} (new)\n");
    /* same name, another id in ZooKeeper: deleted, then created from the image */
    znode other_id[] = {{"/brokers/topics/b", "{\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAAAAAAAAw\",\"partitions\":"
                                             "{\"0\":[3]},\"adding_replicas\":{},\"removing_replicas\":{}}", 0}};
    perturb(other_id, 1, NULL,
            "DELETE /brokers/topics/b/partitions/0/state\n"
            "DELETE /brokers/topics/b/partitions/0\n"
            "DELETE /brokers/topics/b/partitions\n"
            "DELETE /config/topics/b\n"
            "DELETE /brokers/topics/b\n"
            "PUT /config/topics/b {\"version\":1,\"config\":{}} (new)\n"
            "PUT /brokers/topics/b {\"version\":3,\"topic_id\":\"" ID_B "\",\"partitions\":{\"0\":[3]},"
            "\"adding_replicas\":{},\"removing_replicas\":{}} (new)\n"
            "PUT /brokers/topics/b/partitions null (new)\n"
            "PUT /brokers/topics/b/partitions/0 null (new)\n"
            "PUT /brokers/topics/b/partitions/0/state {\"version\":1,\"leader\":3,\"leader_epoch\":0,\"isr\":[3],"
            "\"controller_epoch\":7} (new)\n");
    /* a pending deletion: the marker goes first, then the topic the image does not have */
    znode pending[] = {{"/admin/delete_topics/old", NULL, 0},
                       {"/brokers/topics/old", "{\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAAAAAAABA\",\"partitions\":"
                                               "{\"0\":[1]},\"adding_replicas\":{},\"removing_replicas\":{}}", 0}};
    perturb(pending, 2, NULL,
            "DELETE /admin/delete_topics/old\n"
            "DELETE /brokers/topics/old/partitions/0/state\n"
            "DELETE /brokers/topics/old/partitions/0\n"
            "DELETE /brokers/topics/old/partitions\n"
            "DELETE /config/topics/old\n"
            "DELETE /brokers/topics/old\n");
}

static void edit_configs(kr_image *img) {
    kr_metadata_record rec;
    config_rec(&rec, 2, "a", "retention.ms", "2000");
    apply_img(img, &rec);
    config_rec(&rec, 4, "1", "log.cleaner.threads", NULL);
    rec.u.ConfigRecord.Value = KR_STR_NULL;
    apply_img(img, &rec);
    config_rec(&rec, 4, "2", "log.cleaner.threads", "4");
    apply_img(img, &rec);
}

static void test_reconcile_configs(void **state) {
    (void)state;
    perturb(NULL, 0, edit_configs,
            "PUT /config/topics/a {\"version\":1,\"config\":{\"retention.ms\":\"2000\"}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"topics/a\"} (new)\n"
            "DELETE /config/brokers/1\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/1\"} (new)\n"
            "PUT /config/brokers/2 <50 bytes> = {\"version\":1,\"config\":{\"log.cleaner.threads\":\"4\"}} (new)\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/2\"} (new)\n");
    /* an extra key in ZooKeeper, and an unparsable config znode (Kafka drops it silently) */
    znode extra[] = {{"/config/brokers/<default>", "{\"version\":1,\"config\":{\"min.insync.replicas\":\"2\",\"x\":\"y\"}}", 0},
                     {"/config/topics/a", "{\"version\":1,\"config\":{\"retention.ms\":", 0}};
    perturb(extra, 2, NULL,
            "PUT /config/topics/a {\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"topics/a\"} (new)\n"
            "PUT /config/brokers/<default> <50 bytes> = {\"version\":1,\"config\":{\"min.insync.replicas\":\"2\"}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"brokers/<default>\"} (new)\n");
}

static void edit_quotas(kr_image *img) {
    kr_metadata_record rec;
    quota_rec(&rec, "client-id", "app", NULL, NULL, "request_percentage", 12.5, false);
    apply_img(img, &rec);
    kr_metadata_record_init(&rec, KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.RemoveUserScramCredentialRecord.Name = kr_str_c("alice");
    rec.u.RemoveUserScramCredentialRecord.Mechanism = 1;
    apply_img(img, &rec);
    scram_rec(&rec, "bob", 2);
    apply_img(img, &rec);
}

static void test_reconcile_quotas_and_scram(void **state) {
    (void)state;
    perturb(NULL, 0, edit_quotas,
            "PUT /config/users/alice <52 bytes> = {\"version\":1,\"config\":{\"producer_byte_rate\":\"1024\"}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"users/alice\"} (new)\n"
            "PUT /config/clients/app {\"version\":1,\"config\":{\"request_percentage\":\"12.5\"}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"clients/app\"} (new)\n"
            "PUT /config/users/bob <184 bytes> = {\"version\":1,\"config\":{\"SCRAM-SHA-512\":\"salt=c2FsdA==,"
            "stored_key=" K44 ",server_key=" K44 ",iterations=4096\"}} (new)\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"users/bob\"} (new)\n");
    /* ZooKeeper's "10" and the image's 10.0 are the same quota; an entity only in ZooKeeper
     * is emptied (Kafka writes an empty map rather than deleting) */
    znode extra[] = {{"/config/clients/other", "{\"version\":1,\"config\":{\"consumer_byte_rate\":\"5\"}}", 0},
                     {"/config/users/carol", "{\"version\":1,\"config\":{}}", 0}};
    perturb(extra, 2, NULL,
            "PUT /config/clients/other {\"version\":1,\"config\":{}}\n"
            "APPEND /config/changes/config_change_ {\"version\":2,\"entity_path\":\"clients/other\"} (new)\n");
}

static void edit_producer_ids(kr_image *img) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
    rec.u.ProducerIdsRecord.BrokerId = 1;
    rec.u.ProducerIdsRecord.NextProducerId = 7000;
    apply_img(img, &rec);
}

static void test_reconcile_producer_ids(void **state) {
    (void)state;
    perturb(NULL, 0, edit_producer_ids,
            "PUT /latest_producer_id_block {\"version\":1,\"broker\":-1,\"block_start\":\"7000\",\"block_end\":\"7999\"}\n");
    /* a block dual-written earlier (start = next) is accepted as is */
    znode written[] = {{"/latest_producer_id_block", "{\"version\":1,\"broker\":-1,\"block_start\":\"5000\","
                                                     "\"block_end\":\"5999\"}", 4}};
    perturb(written, 1, NULL, "");
    znode none[] = {{"/latest_producer_id_block", NULL, 0}};
    perturb(none, 1, NULL,
            "PUT /latest_producer_id_block {\"version\":1,\"broker\":-1,\"block_start\":\"5000\",\"block_end\":\"5999\"}\n");
}

static void edit_acls(kr_image *img) {
    kr_metadata_record rec;
    acl_rec(&rec, 1, 2, "a", 3, "User:bob", 4, 3);
    apply_img(img, &rec);
    for (int32_t i = 0; i < img->acls.n; i++)
        if (img->acls.v[i].resource_type == 3) {
            kr_metadata_record_init(&rec, KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD, 0);
            rec.u.RemoveAccessControlEntryRecord.Id = img->acls.v[i].id;
            apply_img(img, &rec);
            break;
        }
    acl_rec(&rec, 2, 4, "kafka-cluster", 3, "User:admin", 2, 3);
    apply_img(img, &rec);
}

static void test_reconcile_acls(void **state) {
    (void)state;
    perturb(NULL, 0, edit_acls,
            "PUT /kafka-acl/Topic/a {\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\","
            "\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":\"User:bob\",\"permissionType\":\"Allow\",\"operation\":"
            "\"Write\",\"host\":\"*\"}]}\n"
            "APPEND /kafka-acl-changes/acl_changes_ TOPIC:a (new)\n"
            "DELETE /kafka-acl-extended/prefixed/Group/app-\n"
            "APPEND /kafka-acl-extended-changes/acl_changes_ {\"version\":1,\"resourceType\":\"GROUP\",\"name\":\"app-\","
            "\"patternType\":\"PREFIXED\"} (new)\n"
            "PUT /kafka-acl/Cluster/kafka-cluster {\"version\":1,\"acls\":[{\"principal\":\"User:admin\",\"permissionType\":"
            "\"Allow\",\"operation\":\"All\",\"host\":\"*\"}]} (new)\n"
            "APPEND /kafka-acl-changes/acl_changes_ CLUSTER:kafka-cluster (new)\n");
    /* the same entries in another order and in upper case: equal */
    znode reordered[] = {{"/kafka-acl/Topic/a", "{\"version\":1,\"acls\":[{\"host\":\"*\",\"operation\":\"READ\","
                                                "\"permissionType\":\"ALLOW\",\"principal\":\"User:alice\"}]}", 0}};
    perturb(reordered, 1, NULL, "");
}

static void edit_tokens(kr_image *img) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
    kr_DelegationTokenRecord *t = &rec.u.DelegationTokenRecord;
    kr_str renewers[] = {kr_str_c("User:bob")};
    t->TokenId = kr_str_c("tok1");
    t->Owner = kr_str_c("User:alice");
    t->Requester = kr_str_c("User:alice");
    t->Renewers = (kr_array_str){renewers, 1};
    t->IssueTimestamp = 1;
    t->MaxTimestamp = 3;
    t->ExpirationTimestamp = 3; /* renewed */
    apply_img(img, &rec);
}

static void test_reconcile_tokens(void **state) {
    (void)state;
    perturb(NULL, 0, edit_tokens,
            "PUT /delegation_token/tokens/tok1 <167 bytes> = {\"version\":3,\"owner\":\"User%3Aalice\",\"tokenRequester\":"
            "\"User%3Aalice\",\"renewers\":[\"User%3Abob\"],\"issueTimestamp\":1,\"maxTimestamp\":3,"
            "\"expiryTimestamp\":3,\"tokenId\":\"tok1\"}\n");
    znode extra[] = {{"/delegation_token/tokens/tok2", "{\"version\":3,\"owner\":\"User%3Ax\",\"renewers\":[],"
                                                       "\"issueTimestamp\":1,\"maxTimestamp\":3,\"expiryTimestamp\":2,"
                                                       "\"tokenId\":\"tok2\"}", 0}};
    perturb(extra, 1, NULL, "DELETE /delegation_token/tokens/tok2\n");
}

/* Fixtures whose ZooKeeper state the image does not mirror exactly. */
static void test_reconcile_fixture_repairs(void **state) {
    (void)state;
    static const struct { const char *file; const char *first_op; } fixtures[] = {
        {"fixtures/pending-deletion.xml", "DELETE /admin/delete_topics/"},
        {"fixtures/legacy-2x-no-ids.xml", "PUT /brokers/topics/"},
    };
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        zr_tree t;
        zr_error zerr = {0};
        if (zr_fixture_read(fixtures[i].file, &t, &zerr)) fail_msg("%s: %s", fixtures[i].file, zerr.message);
        zr_model m;
        zr_findings f = {.lenient = true};
        zr_model_init(&m);
        zr_tree_to_model(&t, &m, &f);
        kr_image img;
        image_of(&m, &img, NULL);
        mg_zk_plan_options o = {.kraft_controller_epoch = 3};
        mg_zk_ops ops;
        mg_zk_ops_init(&ops);
        kr_error err = {0};
        assert_int_equal(mg_zk_plan_reconcile(&img, &m, &o, &ops, NULL, &err), KR_OK);
        assert_true(ops.n > 0);
        char line[400];
        mg_zk_op_describe(&ops.v[0], line, sizeof line);
        if (strncmp(line, fixtures[i].first_op, strlen(fixtures[i].first_op))) fail_msg("%s: %s", fixtures[i].file, line);
        /* applying the plan's topic rewrites to the tree leaves nothing to do */
        for (size_t j = 0; j < ops.n; j++)
            if (!strcmp(fixtures[i].file, "fixtures/legacy-2x-no-ids.xml"))
                assert_string_equal(ops.v[j].what, "UpdateTopic");
        mg_zk_ops_free(&ops);
        kr_image_free(&img);
        zr_model_free(&m);
        zr_findings_free(&f);
        zr_tree_free(&t);
    }
}


/* ---- fixed points: a plan applied to an in-memory ZooKeeper leaves nothing to reconcile ---- */

typedef struct mem_node {
    char *path;
    char *data; /* NUL-terminated copy; NULL = null data */
    int32_t version;
} mem_node;

typedef struct mem_zk {
    mem_node v[4096];
    size_t n;
    int seq;
} mem_zk;

static mem_node *mem_find(mem_zk *z, const char *path) {
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->v[i].path, path)) return &z->v[i];
    return NULL;
}

static void mem_set(mem_zk *z, const char *path, const void *data, int32_t len) {
    /* parents first, with null data, as the executor creates them */
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", path);
    for (char *slash = strchr(parent + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        if (!mem_find(z, parent)) {
            assert_true(z->n < sizeof z->v / sizeof z->v[0]);
            z->v[z->n++] = (mem_node){strdup(parent), NULL, 0};
        }
        *slash = '/';
    }
    mem_node *n = mem_find(z, path);
    char *copy = NULL;
    if (data && len >= 0) {
        copy = malloc((size_t)len + 1);
        memcpy(copy, data, (size_t)len);
        copy[len] = 0;
    }
    if (n) {
        free(n->data);
        n->data = copy;
        n->version++;
        return;
    }
    assert_true(z->n < sizeof z->v / sizeof z->v[0]);
    z->v[z->n++] = (mem_node){strdup(path), copy, 0};
}

static void mem_apply(mem_zk *z, const mg_zk_ops *ops) {
    for (size_t i = 0; i < ops->n; i++) {
        const mg_zk_op *op = &ops->v[i];
        if (op->kind == MG_ZK_PUT) {
            mem_set(z, op->path, op->data, op->len);
        } else if (op->kind == MG_ZK_APPEND) {
            char path[1024];
            snprintf(path, sizeof path, "%s%010d", op->path, z->seq++);
            mem_set(z, path, op->data, op->len);
        } else {
            size_t len = strlen(op->path), w = 0;
            for (size_t j = 0; j < z->n; j++) {
                const char *p = z->v[j].path;
                if (!strncmp(p, op->path, len) && (p[len] == 0 || p[len] == '/')) {
                    free(z->v[j].path);
                    free(z->v[j].data);
                } else {
                    z->v[w++] = z->v[j];
                }
            }
            z->n = w;
        }
    }
}

static void mem_free(mem_zk *z) {
    for (size_t i = 0; i < z->n; i++) {
        free(z->v[i].path);
        free(z->v[i].data);
    }
    free(z);
}

static mem_zk *mem_base(void) {
    mem_zk *z = calloc(1, sizeof *z);
    for (size_t i = 0; i < N_BASE; i++) {
        mem_set(z, BASE[i].path, BASE[i].data, BASE[i].data ? (int32_t)strlen(BASE[i].data) : -1);
        mem_find(z, BASE[i].path)->version = BASE[i].version;
    }
    return z;
}

static void mem_model(mem_zk *z, zr_model *m) {
    zr_findings f = {.lenient = true};
    zr_model_init(m);
    for (size_t i = 0; i < z->n; i++) {
        zr_stat st = {.version = z->v[i].version};
        zr_model_add_znode(m, z->v[i].path, (const uint8_t *)z->v[i].data,
                           z->v[i].data ? (int32_t)strlen(z->v[i].data) : -1, &st, &f);
    }
    zr_model_finish(m, &f);
    zr_findings_free(&f);
}

/* Reconciling img against the in-memory ZooKeeper plans nothing. */
static void assert_mirrored(const kr_image *img, mem_zk *z, const char *secret, const char *what) {
    zr_model m;
    mem_model(z, &m);
    mg_zk_plan_options o = {.kraft_controller_epoch = 7, .password_encoder_secret = secret};
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    if (mg_zk_plan_reconcile(img, &m, &o, &ops, NULL, &err)) fail_msg("%s: reconcile: %s", what, err.message);
    if (ops.n) {
        char *d = describe(&ops);
        fail_msg("%s: ZooKeeper does not mirror the image; still to do:\n%.3000s", what, d);
    }
    mg_zk_ops_free(&ops);
    zr_model_free(&m);
}

/* Every delta, applied to ZooKeeper, leaves it equal to the image (as reconcile sees it). */
static void test_delta_then_reconcile_fixed_point(void **state) {
    (void)state;
    mem_zk *z = mem_base();
    zr_model m0;
    mem_model(z, &m0);
    fx *f = fx_new();
    kr_image_free(&f->img);
    image_of(&m0, &f->img, NULL);
    zr_model_free(&m0);
    f->o.password_encoder_secret = "s3";
    assert_mirrored(&f->img, z, "s3", "start");
    kr_metadata_record rec;
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    for (int step = 0; step < 10; step++) {
        switch (step) {
        case 0: /* a new topic with configs */
            add_topic(f, true, "c", "AAAAAAAAAAAAAAAAAAAAAg", 3);
            config_rec(&rec, 2, "c", "cleanup.policy", "compact");
            commit(f, &rec);
            break;
        case 1: /* leader change, reassignment, new partition */
            partition_change(&f->img, ID_A, 1, 1, R12, 2); /* not touched: reconcile repairs it below */
            kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
            rec.u.PartitionChangeRecord.TopicId = uuid(ID_A);
            rec.u.PartitionChangeRecord.PartitionId = 0;
            rec.u.PartitionChangeRecord.Leader = 1;
            rec.u.PartitionChangeRecord.Isr = (kr_array_i32){R12, 2};
            commit(f, &rec);
            kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
            rec.u.PartitionChangeRecord.TopicId = uuid(ID_B);
            rec.u.PartitionChangeRecord.PartitionId = 0;
            int32_t target[] = {4, 3};
            rec.u.PartitionChangeRecord.Replicas = (kr_array_i32){target, 2};
            rec.u.PartitionChangeRecord.AddingReplicas = (kr_array_i32){R4, 1};
            commit(f, &rec);
            partition_rec(&rec, ID_B, 1, R12, 2);
            commit(f, &rec);
            break;
        case 2: /* topic deleted, and re-created under the same name */
            kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
            rec.u.RemoveTopicRecord.TopicId = uuid(ID_A);
            commit(f, &rec);
            add_topic(f, true, "a", "AAAAAAAAAAAAAAAAAAAABQ", 1);
            break;
        case 3: /* broker configs: a password, a default, a removal */
            config_rec(&rec, 4, "1", "listener.name.in.ssl.key.password", "pw");
            commit(f, &rec);
            config_rec(&rec, 4, "", "min.insync.replicas", NULL);
            rec.u.ConfigRecord.Value = KR_STR_NULL;
            commit(f, &rec);
            break;
        case 4: /* quotas and SCRAM */
            quota_rec(&rec, "user", "alice", NULL, NULL, "producer_byte_rate", 0, true);
            commit(f, &rec);
            quota_rec(&rec, "user", "x y", "client-id", NULL, "consumer_byte_rate", 100, false);
            commit(f, &rec);
            scram_rec(&rec, "bob@corp", 2);
            commit(f, &rec);
            quota_rec(&rec, "client-id", "app", NULL, NULL, "request_percentage", 0, true);
            commit(f, &rec);
            break;
        case 5:
            kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
            rec.u.ProducerIdsRecord.NextProducerId = 9000;
            commit(f, &rec);
            break;
        case 6: /* ACLs: add, then remove a whole pattern */
            acl_rec(&rec, 7, 2, "c", 4, "User:carol", 3, 3);
            commit(f, &rec);
            for (int32_t i = 0; i < f->img.acls.n; i++)
                if (f->img.acls.v[i].resource_type == 3) {
                    kr_metadata_record_init(&rec, KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD, 0);
                    rec.u.RemoveAccessControlEntryRecord.Id = f->img.acls.v[i].id;
                    commit(f, &rec);
                    break;
                }
            break;
        case 7: /* tokens */
            kr_metadata_record_init(&rec, KR_REC_REMOVE_DELEGATION_TOKEN_RECORD, 0);
            rec.u.RemoveDelegationTokenRecord.TokenId = kr_str_c("tok1");
            commit(f, &rec);
            kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
            rec.u.DelegationTokenRecord.TokenId = kr_str_c("tok2");
            rec.u.DelegationTokenRecord.Owner = kr_str_c("User:x");
            rec.u.DelegationTokenRecord.Requester = kr_str_c("User:y");
            rec.u.DelegationTokenRecord.Renewers = (kr_array_str){NULL, 0};
            commit(f, &rec);
            break;
        case 8: /* the topic's configs emptied: the znode stays, empty */
            config_rec(&rec, 2, "c", "cleanup.policy", NULL);
            rec.u.ConfigRecord.Value = KR_STR_NULL;
            commit(f, &rec);
            break;
        case 9: /* everything left goes */
            for (int32_t i = f->img.topics.n - 1; i >= 0; i--) {
                kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
                rec.u.RemoveTopicRecord.TopicId = f->img.topics.v[i].id;
                commit(f, &rec);
            }
            break;
        }
        assert_int_equal(mg_zk_plan_delta(&f->img, f->t, &f->o, &ops, &f->st, &err), KR_OK);
        mem_apply(z, &ops);
        mg_zk_ops_clear(&ops);
        mg_zk_touched_clear(f->t);
        if (step == 1) { /* the untouched change is found by reconcile, which repairs it */
            zr_model m;
            mem_model(z, &m);
            assert_int_equal(mg_zk_plan_reconcile(&f->img, &m, &f->o, &ops, NULL, &err), KR_OK);
            assert_int_equal(ops.n, 1);
            assert_string_equal(ops.v[0].path, "/brokers/topics/a/partitions/1/state");
            mem_apply(z, &ops);
            mg_zk_ops_clear(&ops);
            zr_model_free(&m);
        }
        char what[32];
        snprintf(what, sizeof what, "after step %d", step);
        assert_mirrored(&f->img, z, "s3", what);
    }
    assert_null(mem_find(z, "/brokers/topics/a"));
    assert_non_null(mem_find(z, "/config/brokers/1"));
    mg_zk_ops_free(&ops);
    fx_free(f);
    mem_free(z);
}

/* Each reconcile plan, applied, is a fixed point. */
static void test_reconcile_fixed_point(void **state) {
    (void)state;
    image_edit edits[] = {edit_leader, edit_add_partition, edit_remove_b, edit_new_topic, edit_configs,
                          edit_quotas, edit_producer_ids, edit_acls, edit_tokens};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        mem_zk *z = mem_base();
        zr_model m;
        mem_model(z, &m);
        kr_image img;
        image_of(&m, &img, NULL);
        zr_model_free(&m);
        edits[i](&img);
        /* ZooKeeper damaged as well: a missing state, an extra partition, a pending deletion */
        mem_zk *dz = z;
        mg_zk_ops damage;
        mg_zk_ops_init(&damage);
        kr_error err = {0};
        assert_int_equal(mg_zk_ops_delete(&damage, "test", true, "/brokers/topics/a/partitions/1/state", &err), 0);
        assert_int_equal(mg_zk_ops_put(&damage, "test", false, "/admin/delete_topics/zz", NULL, -1, &err), 0);
        const char *zz = "{\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAAAAAAABg\",\"partitions\":{\"0\":[1],\"1\":[2]}}";
        assert_int_equal(mg_zk_ops_put(&damage, "test", false, "/brokers/topics/zz", zz, (int32_t)strlen(zz), &err), 0);
        assert_int_equal(mg_zk_ops_put(&damage, "test", false, "/brokers/topics/zz/partitions/1/state", "{}", 2, &err), 0);
        mem_apply(dz, &damage);
        mg_zk_ops_free(&damage);
        mem_model(z, &m);
        mg_zk_plan_options o = {.kraft_controller_epoch = 7};
        mg_zk_ops ops;
        mg_zk_ops_init(&ops);
        assert_int_equal(mg_zk_plan_reconcile(&img, &m, &o, &ops, NULL, &err), KR_OK);
        assert_true(ops.n > 0);
        mem_apply(z, &ops);
        mg_zk_ops_free(&ops);
        zr_model_free(&m);
        assert_mirrored(&img, z, NULL, "reconcile applied");
        assert_null(mem_find(z, "/brokers/topics/zz"));
        assert_null(mem_find(z, "/admin/delete_topics/zz"));
        kr_image_free(&img);
        mem_free(z);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_new_topic),
        cmocka_unit_test(test_delta_new_topic_with_configs),
        cmocka_unit_test(test_delta_partition_changes),
        cmocka_unit_test(test_delta_remove_and_recreate_topic),
        cmocka_unit_test(test_delta_ignores_unmirrored_records),
        cmocka_unit_test(test_delta_many_partitions),
        cmocka_unit_test(test_delta_broker_configs),
        cmocka_unit_test(test_delta_broker_password),
        cmocka_unit_test(test_delta_quotas_and_scram),
        cmocka_unit_test(test_delta_producer_ids),
        cmocka_unit_test(test_delta_acls),
        cmocka_unit_test(test_delta_tokens),
        cmocka_unit_test(test_reconcile_identity),
        cmocka_unit_test(test_reconcile_fixtures_identity),
        cmocka_unit_test(test_reconcile_partition_state),
        cmocka_unit_test(test_reconcile_partitions_added_and_extra),
        cmocka_unit_test(test_reconcile_topics),
        cmocka_unit_test(test_reconcile_configs),
        cmocka_unit_test(test_reconcile_quotas_and_scram),
        cmocka_unit_test(test_reconcile_producer_ids),
        cmocka_unit_test(test_reconcile_acls),
        cmocka_unit_test(test_reconcile_tokens),
        cmocka_unit_test(test_reconcile_fixture_repairs),
        cmocka_unit_test(test_delta_then_reconcile_fixed_point),
        cmocka_unit_test(test_reconcile_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
