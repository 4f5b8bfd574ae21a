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
                 "\"permissionType\":\"Deny\",\"operation\":\"IdempotentWrite\",\"host\":\"*\"}]}\n"
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
