/* migrate/diff: every entity type (only-left, only-right, each differing field), ACLs equal
 * by content with different ids, ignore options, stable order, secrets never in output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/image.h"
#include "kraft/metadata_version.h"
#include "migrate/diff.h"

static void apply(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(img, rec, &err)) fail_msg("apply %s: %s", kr_record_type_name(rec->api_key), err.message);
}

static kr_uuid uuid(uint8_t a, uint8_t b) {
    kr_uuid u = {{0}};
    u.b[0] = a;
    u.b[15] = b;
    return u;
}

static void topic(kr_image *img, const char *name, uint8_t id, int parts) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c(name);
    rec.u.TopicRecord.TopicId = uuid(0x10, id);
    apply(img, &rec);
    int32_t replicas[] = {1, 2, 3};
    for (int p = 0; p < parts; p++) {
        kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
        kr_PartitionRecord *pr = &rec.u.PartitionRecord;
        pr->PartitionId = p;
        pr->TopicId = uuid(0x10, id);
        pr->Replicas = (kr_array_i32){replicas, 3};
        pr->Isr = (kr_array_i32){replicas, 3};
        pr->Leader = 1;
        pr->LeaderEpoch = 4;
        pr->PartitionEpoch = 9;
        apply(img, &rec);
    }
}

static void config(kr_image *img, int8_t type, const char *res, const char *name, const char *value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = kr_str_c(res);
    rec.u.ConfigRecord.Name = kr_str_c(name);
    rec.u.ConfigRecord.Value = kr_str_c(value);
    apply(img, &rec);
}

static void quota(kr_image *img, const char *user, const char *client, const char *key, double v) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    kr_ClientQuotaRecord_EntityData e[2] = {0};
    int n = 0;
    if (user || !client) e[n].EntityType = kr_str_c("user"), e[n++].EntityName = user ? kr_str_c(user) : (kr_str){NULL, -1};
    if (client) e[n].EntityType = kr_str_c("client-id"), e[n++].EntityName = kr_str_c(client);
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){e, n};
    rec.u.ClientQuotaRecord.Key = kr_str_c(key);
    rec.u.ClientQuotaRecord.Value = v;
    apply(img, &rec);
}

static const uint8_t SALT[] = "topsecretsalt", KEY1[] = "storedkeybytes00", KEY2[] = "serverkeybytes00";

static void scram(kr_image *img, const char *user, int8_t mech, int32_t iterations) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    kr_UserScramCredentialRecord *s = &rec.u.UserScramCredentialRecord;
    s->Name = kr_str_c(user);
    s->Mechanism = mech;
    s->Salt = (kr_bytes){SALT, 13};
    s->StoredKey = (kr_bytes){KEY1, 16};
    s->ServerKey = (kr_bytes){KEY2, 16};
    s->Iterations = iterations;
    apply(img, &rec);
}

static void acl(kr_image *img, uint8_t id, const char *res, const char *principal, int8_t op) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    kr_AccessControlEntryRecord *a = &rec.u.AccessControlEntryRecord;
    a->Id = uuid(0xac, id);
    a->ResourceType = 2;
    a->ResourceName = kr_str_c(res);
    a->PatternType = 3;
    a->Principal = kr_str_c(principal);
    a->Host = kr_str_c("*");
    a->Operation = op;
    a->PermissionType = 3;
    apply(img, &rec);
}

static void token(kr_image *img, const char *id, const char *owner, int64_t expiry) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
    kr_DelegationTokenRecord *t = &rec.u.DelegationTokenRecord;
    kr_str renewers[1] = {kr_str_c("User:bob")};
    t->Owner = kr_str_c(owner);
    t->Requester = kr_str_c(owner);
    t->Renewers = (kr_array_str){renewers, 1};
    t->IssueTimestamp = 1000;
    t->MaxTimestamp = 5000;
    t->ExpirationTimestamp = expiry;
    t->TokenId = kr_str_c(id);
    apply(img, &rec);
}

static void feature(kr_image *img, const char *name, int16_t level) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c(name);
    rec.u.FeatureLevelRecord.FeatureLevel = level;
    apply(img, &rec);
}

static void migration(kr_image *img, int8_t state) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_ZK_MIGRATION_STATE_RECORD, 0);
    rec.u.ZkMigrationStateRecord.ZkMigrationState = state;
    apply(img, &rec);
}

static void pids(kr_image *img, int64_t next) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
    rec.u.ProducerIdsRecord.BrokerId = 1;
    rec.u.ProducerIdsRecord.BrokerEpoch = -1;
    rec.u.ProducerIdsRecord.NextProducerId = next;
    apply(img, &rec);
}

/* A base image with one of everything; acl_id_base varies the random ACL ids. */
static void base(kr_image *img, uint8_t acl_id_base) {
    kr_image_init(img);
    feature(img, "metadata.version", KR_MV_3_9_IV0);
    feature(img, "group.version", 1);
    migration(img, 3);
    topic(img, "orders", 1, 3);
    topic(img, "clicks", 2, 2);
    config(img, 2, "orders", "retention.ms", "1000");
    config(img, 4, "1", "listener.name.internal.ssl.keystore.password", "pa55word");
    quota(img, "alice", NULL, "producer_byte_rate", 1024);
    quota(img, "alice", "app", "consumer_byte_rate", 2048);
    quota(img, NULL, NULL, "request_percentage", 25.5);
    scram(img, "alice", 1, 4096);
    acl(img, acl_id_base + 1, "orders", "User:alice", 3);
    acl(img, acl_id_base + 2, "orders", "User:bob", 4);
    token(img, "tok1", "User:alice", 3000);
    pids(img, 5000);
}

static size_t count(const mg_diff_result *r, enum mg_diff_entity e, enum mg_diff_kind k) { return r->counts[e][k]; }

static const mg_diff_entry *find(const mg_diff_result *r, enum mg_diff_entity e, const char *key, const char *field) {
    size_t i = 0;
    const mg_diff_entry *d;
    while ((d = mg_diff_next(r, e, &i)))
        if (!strcmp(d->key, key) && (!field || !strcmp(d->field, field))) return d;
    return NULL;
}

static void diff(const kr_image *a, const kr_image *b, unsigned ignore, mg_diff_result *r) {
    mg_diff_options o = {.ignore = ignore};
    kr_error err = {0};
    assert_int_equal(mg_diff(a, b, &o, r, &err), 0);
}

static void test_same(void **state) {
    (void)state;
    kr_image a, b;
    base(&a, 0);
    base(&b, 100); /* same ACL content, different ids */
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    if (r.n) fail_msg("unexpected difference: %s %s %s", mg_diff_entity_name(r.v[0].entity), r.v[0].key, r.v[0].field);
    assert_true(mg_diff_same(&r));
    assert_int_equal(r.left_count[MG_DIFF_ACLS], 2);
    assert_int_equal(r.left_count[MG_DIFF_PARTITIONS], 5);
    assert_int_equal(r.right_count[MG_DIFF_TOPICS], 2);
    char *text = mg_diff_to_text(&r);
    assert_non_null(strstr(text, "images are the same"));
    free(text);
    mg_diff_result_free(&r);
    kr_image_free(&a);
    kr_image_free(&b);
}

static void test_only_left_right(void **state) {
    (void)state;
    kr_image a, b;
    base(&a, 0);
    base(&b, 0);
    topic(&a, "left-only", 3, 2);
    topic(&b, "right-only", 4, 1);
    config(&a, 2, "orders", "cleanup.policy", "compact");
    config(&b, 4, "", "log.cleaner.threads", "2");
    quota(&a, NULL, "svc", "producer_byte_rate", 1);
    quota(&b, "bob", NULL, "producer_byte_rate", 1);
    scram(&a, "carol", 2, 8192);
    scram(&b, "dave", 1, 4096);
    acl(&a, 50, "clicks", "User:carol", 3);
    acl(&b, 51, "clicks", "User:dave", 3);
    token(&a, "tokA", "User:a", 1);
    token(&b, "tokB", "User:b", 1);
    feature(&a, "kraft.version", 1);
    feature(&b, "transaction.version", 2);
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    for (int e = MG_DIFF_TOPICS; e < MG_DIFF_ENTITY_COUNT; e++) {
        if (e == MG_DIFF_PARTITIONS) continue;
        if (count(&r, e, MG_DIFF_ONLY_LEFT) != 1 || count(&r, e, MG_DIFF_ONLY_RIGHT) != 1)
            fail_msg("%s: %zu only-left, %zu only-right", mg_diff_entity_name(e), count(&r, e, MG_DIFF_ONLY_LEFT),
                     count(&r, e, MG_DIFF_ONLY_RIGHT));
    }
    assert_int_equal(count(&r, MG_DIFF_PARTITIONS, MG_DIFF_ONLY_LEFT), 2);
    assert_int_equal(count(&r, MG_DIFF_PARTITIONS, MG_DIFF_ONLY_RIGHT), 1);
    assert_int_equal(count(&r, MG_DIFF_FEATURES, MG_DIFF_ONLY_LEFT), 1);
    assert_int_equal(count(&r, MG_DIFF_FEATURES, MG_DIFF_ONLY_RIGHT), 1);
    assert_non_null(find(&r, MG_DIFF_TOPICS, "left-only", NULL));
    assert_int_equal(find(&r, MG_DIFF_TOPICS, "right-only", NULL)->kind, MG_DIFF_ONLY_RIGHT);
    assert_non_null(find(&r, MG_DIFF_PARTITIONS, "left-only-1", NULL));
    assert_non_null(find(&r, MG_DIFF_CONFIGS, "topic:orders/cleanup.policy", NULL));
    assert_non_null(find(&r, MG_DIFF_CONFIGS, "broker:/log.cleaner.threads", NULL));
    assert_non_null(find(&r, MG_DIFF_QUOTAS, "client-id=svc/producer_byte_rate", NULL));
    assert_non_null(find(&r, MG_DIFF_SCRAM, "carol/SCRAM-SHA-512", NULL));
    /* stable order: entity, then key */
    for (size_t i = 1; i < r.n; i++) {
        assert_true(r.v[i - 1].entity <= r.v[i].entity);
        if (r.v[i - 1].entity == r.v[i].entity) assert_true(strcmp(r.v[i - 1].key, r.v[i].key) <= 0);
    }
    mg_diff_result_free(&r);
    kr_image_free(&a);
    kr_image_free(&b);
}

static void test_partition_fields(void **state) {
    (void)state;
    kr_image a, b;
    base(&a, 0);
    base(&b, 0);
    kr_image_topic *t = kr_image_topic_by_name(&b, "orders", 6);
    kr_image_partition *p = &t->partitions[1];
    p->leader = 2;
    p->leader_epoch = 5;
    p->partition_epoch = 10;
    p->isr.n = 2;
    p->replicas.v[2] = 7;
    p->leader_recovery_state = 1;
    static int32_t add[] = {7};
    p->adding_replicas = (kr_ids){add, 1};
    kr_image_topic *c = kr_image_topic_by_name(&b, "clicks", 6);
    c->id = uuid(0x99, 9);
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    const char *fields[] = {"leader", "leader_epoch", "partition_epoch", "isr", "replicas", "leader_recovery_state",
                            "adding_replicas"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!find(&r, MG_DIFF_PARTITIONS, "orders-1", fields[i])) fail_msg("no difference in %s", fields[i]);
    assert_int_equal(count(&r, MG_DIFF_PARTITIONS, MG_DIFF_CHANGED), 7);
    const mg_diff_entry *d = find(&r, MG_DIFF_PARTITIONS, "orders-1", "replicas");
    assert_string_equal(d->left, "[1,2,3]");
    assert_string_equal(d->right, "[1,2,7]");
    d = find(&r, MG_DIFF_TOPICS, "clicks", "id");
    assert_non_null(d);
    char *text = mg_diff_to_text(&r);
    assert_non_null(strstr(text, "~ partitions orders-1 leader: 1 -> 2"));
    assert_non_null(strstr(text, "images differ"));
    free(text);
    mg_diff_result_free(&r);
    /* ignoring what a live cluster changes on its own */
    diff(&a, &b, MG_DIFF_IGNORE_LEADER | MG_DIFF_IGNORE_LEADER_EPOCH | MG_DIFF_IGNORE_PARTITION_EPOCH |
                     MG_DIFF_IGNORE_ISR | MG_DIFF_IGNORE_TOPIC_IDS, &r);
    assert_int_equal(count(&r, MG_DIFF_PARTITIONS, MG_DIFF_CHANGED), 2); /* replicas, adding */
    assert_int_equal(count(&r, MG_DIFF_TOPICS, MG_DIFF_CHANGED), 0);
    mg_diff_result_free(&r);
    p->adding_replicas = (kr_ids){NULL, 0}; /* not owned by the image's allocator */
    kr_image_free(&a);
    kr_image_free(&b);
}

static void test_value_fields(void **state) {
    (void)state;
    kr_image a, b;
    base(&a, 0);
    base(&b, 0);
    config(&b, 2, "orders", "retention.ms", "2000");
    config(&b, 4, "1", "listener.name.internal.ssl.keystore.password", "other-secret");
    quota(&b, "alice", "app", "consumer_byte_rate", 4096);
    scram(&b, "alice", 1, 8192);
    b.scram.v[0].stored_key[0] ^= 1;
    token(&b, "tok1", "User:alice", 9999);
    feature(&b, "metadata.version", KR_MV_3_7_IV2);
    feature(&b, "group.version", 2);
    migration(&b, 1);
    pids(&b, 6000);
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    const mg_diff_entry *d = find(&r, MG_DIFF_CONFIGS, "topic:orders/retention.ms", "value");
    assert_non_null(d);
    assert_string_equal(d->left, "1000");
    assert_string_equal(d->right, "2000");
    d = find(&r, MG_DIFF_CONFIGS, "broker:1/listener.name.internal.ssl.keystore.password", "value");
    assert_non_null(d);
    assert_string_equal(d->left, "***");
    d = find(&r, MG_DIFF_QUOTAS, "client-id=app,user=alice/consumer_byte_rate", "value");
    assert_non_null(d);
    assert_string_equal(d->right, "4096");
    assert_non_null(find(&r, MG_DIFF_SCRAM, "alice/SCRAM-SHA-256", "iterations"));
    d = find(&r, MG_DIFF_SCRAM, "alice/SCRAM-SHA-256", "stored_key");
    assert_non_null(d);
    assert_string_equal(d->left, "***");
    assert_null(find(&r, MG_DIFF_SCRAM, "alice/SCRAM-SHA-256", "salt"));
    assert_non_null(find(&r, MG_DIFF_TOKENS, "tok1", "expiration_timestamp_ms"));
    assert_non_null(find(&r, MG_DIFF_FEATURES, "metadata.version", "level"));
    assert_non_null(find(&r, MG_DIFF_FEATURES, "group.version", "level"));
    assert_non_null(find(&r, MG_DIFF_MIGRATION, "zk_migration_state", "state"));
    assert_non_null(find(&r, MG_DIFF_PRODUCER_IDS, "next_producer_id", "value"));
    /* secrets never in any output */
    char *text = mg_diff_to_text(&r);
    json_t *j = mg_diff_to_json(&r);
    char *js = json_dumps(j, 0);
    mg_report rep;
    mg_report_init(&rep, "diff");
    mg_diff_to_report(&r, &rep, false);
    char *rt = mg_report_to_text(&rep);
    const char *secrets[] = {"pa55word", "other-secret", "topsecretsalt", "storedkeybytes", "serverkeybytes"};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        assert_null(strstr(text, secrets[i]));
        assert_null(strstr(js, secrets[i]));
        assert_null(strstr(rt, secrets[i]));
    }
    assert_int_equal(rep.n, r.n);
    assert_int_equal(rep.n_checks, MG_DIFF_ENTITY_COUNT);
    assert_true(json_is_false(json_object_get(j, "same")));
    free(rt);
    mg_report_free(&rep);
    free(js);
    json_decref(j);
    free(text);
    mg_diff_result_free(&r);
    diff(&a, &b, MG_DIFF_IGNORE_METADATA_VERSION | MG_DIFF_IGNORE_MIGRATION_STATE | MG_DIFF_IGNORE_PRODUCER_IDS, &r);
    assert_null(find(&r, MG_DIFF_FEATURES, "metadata.version", NULL));
    assert_int_equal(count(&r, MG_DIFF_MIGRATION, MG_DIFF_CHANGED), 0);
    assert_int_equal(count(&r, MG_DIFF_PRODUCER_IDS, MG_DIFF_CHANGED), 0);
    mg_diff_result_free(&r);
    kr_image_free(&a);
    kr_image_free(&b);
}

static void test_acl_content(void **state) {
    (void)state;
    kr_image a, b;
    base(&a, 0);
    base(&b, 10);
    acl(&b, 77, "orders", "User:alice", 3); /* duplicate content under another id: a set */
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    assert_int_equal(count(&r, MG_DIFF_ACLS, MG_DIFF_ONLY_LEFT) + count(&r, MG_DIFF_ACLS, MG_DIFF_ONLY_RIGHT), 0);
    mg_diff_result_free(&r);
    b.acls.v[1].operation = 5; /* bob WRITE -> CREATE */
    diff(&a, &b, 0, &r);
    assert_int_equal(count(&r, MG_DIFF_ACLS, MG_DIFF_ONLY_LEFT), 1);
    assert_int_equal(count(&r, MG_DIFF_ACLS, MG_DIFF_ONLY_RIGHT), 1);
    mg_diff_result_free(&r);
    kr_image_free(&a);
    kr_image_free(&b);
}

static void test_empty_images(void **state) {
    (void)state;
    kr_image a, b;
    kr_image_init(&a);
    kr_image_init(&b);
    mg_diff_result r;
    diff(&a, &b, 0, &r);
    assert_true(mg_diff_same(&r));
    mg_diff_result_free(&r);
    json_t *s = mg_image_summary_json(&a);
    assert_int_equal(json_integer_value(json_object_get(s, "topics")), 0);
    json_decref(s);
    kr_image_free(&a);
    kr_image_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),          cmocka_unit_test(test_only_left_right),
        cmocka_unit_test(test_partition_fields), cmocka_unit_test(test_value_fields),
        cmocka_unit_test(test_acl_content),   cmocka_unit_test(test_empty_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
