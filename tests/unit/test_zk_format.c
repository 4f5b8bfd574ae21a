/* ZooKeeper-mode znode encoders (zk-layout.md §2): exact strings for canonical examples,
 * and every encoder read back through zkread's decoder into the ZK model. */
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
#include "migrate/zk_format.h"
#include "zkread/model.h"

#define ID_A "kP6x3wKTQ8SR4Jr0L7dzvg"

static char *text(const kr_buf *b) {
    char *s = malloc(b->len + 1);
    memcpy(s, b->data, b->len);
    s[b->len] = 0;
    return s;
}

static void assert_buf(const kr_buf *b, const char *want) {
    char *got = text(b);
    if (strcmp(got, want)) fail_msg("want %s\n got %s", want, got);
    free(got);
}

/* A model holding the given znodes (data as text, NULL = null). */
typedef struct znode {
    const char *path;
    const char *data;
    int32_t version;
} znode;

static void load(zr_model *m, zr_findings *f, const znode *z, size_t n) {
    zr_model_init(m);
    memset(f, 0, sizeof *f);
    f->lenient = true;
    for (size_t i = 0; i < n; i++) {
        zr_stat st = {.version = z[i].version};
        assert_true(zr_model_add_znode(m, z[i].path, (const uint8_t *)z[i].data,
                                       z[i].data ? (int32_t)strlen(z[i].data) : -1, &st, f));
    }
    zr_model_finish(m, f);
    for (size_t i = 0; i < f->n; i++) fprintf(stderr, "finding: %s: %s\n", f->v[i].path, f->v[i].message);
}

static const char *zk_value(const zr_config_entity *e, const char *key) {
    for (size_t i = 0; i < e->config.n; i++)
        if (!strcmp(e->config.v[i].key, key)) return e->config.v[i].value;
    return NULL;
}

static void apply(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(img, rec, &err)) fail_msg("apply: %s", err.message);
}

/* ---- topics and partitions ---------------------------------------------------------- */

static void build_topic(kr_image *img) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("orders");
    assert_true(kr_uuid_from_text(ID_A, &rec.u.TopicRecord.TopicId));
    apply(img, &rec);
    static int32_t r0[] = {3, 1, 2, 0}, r1[] = {2, 0, 1}, add0[] = {3}, rem0[] = {0}, isr0[] = {1, 2, 0}, isr1[] = {2};
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
    kr_PartitionRecord *p = &rec.u.PartitionRecord;
    assert_true(kr_uuid_from_text(ID_A, &p->TopicId));
    p->PartitionId = 0;
    p->Replicas = (kr_array_i32){r0, 4};
    p->AddingReplicas = (kr_array_i32){add0, 1};
    p->RemovingReplicas = (kr_array_i32){rem0, 1};
    p->Isr = (kr_array_i32){isr0, 3};
    p->Leader = 1;
    p->LeaderEpoch = 12;
    p->PartitionEpoch = 30;
    apply(img, &rec);
    p->PartitionId = 1;
    p->Replicas = (kr_array_i32){r1, 3};
    p->AddingReplicas = (kr_array_i32){NULL, 0};
    p->RemovingReplicas = (kr_array_i32){NULL, 0};
    p->Isr = (kr_array_i32){isr1, 1};
    p->Leader = 2;
    p->LeaderEpoch = 10;
    p->LeaderRecoveryState = 1;
    apply(img, &rec);
}

static void test_topic_exact(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    build_topic(&img);
    kr_buf b = {0};
    const kr_image_topic *t = kr_image_topic_by_name(&img, "orders", 6);
    assert_true(mg_zkf_topic(&b, t));
    assert_buf(&b, "{\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[3,1,2,0],\"1\":[2,0,1]},"
                   "\"adding_replicas\":{\"0\":[3]},\"removing_replicas\":{\"0\":[0]}}");
    assert_true(mg_zkf_partition_state(&b, &t->partitions[0], 17));
    assert_buf(&b, "{\"version\":1,\"leader\":1,\"leader_epoch\":12,\"isr\":[1,2,0],\"controller_epoch\":17}");
    assert_true(mg_zkf_partition_state(&b, &t->partitions[1], 22));
    assert_buf(&b, "{\"version\":1,\"leader\":2,\"leader_epoch\":10,\"isr\":[2],\"controller_epoch\":22,"
                   "\"leader_recovery_state\":1}");
    kr_buf_free(&b);
    kr_image_free(&img);
}

static void test_topic_round_trip(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    build_topic(&img);
    const kr_image_topic *t = kr_image_topic_by_name(&img, "orders", 6);
    kr_buf b0 = {0}, b1 = {0}, b2 = {0};
    assert_true(mg_zkf_topic(&b0, t));
    assert_true(mg_zkf_partition_state(&b1, &t->partitions[0], 17));
    assert_true(mg_zkf_partition_state(&b2, &t->partitions[1], 17));
    char *s0 = text(&b0), *s1 = text(&b1), *s2 = text(&b2);
    znode z[] = {{"/brokers/topics/orders", s0, 0},
                 {"/brokers/topics/orders/partitions", NULL, 0},
                 {"/brokers/topics/orders/partitions/0", NULL, 0},
                 {"/brokers/topics/orders/partitions/0/state", s1, 5},
                 {"/brokers/topics/orders/partitions/1", NULL, 0},
                 {"/brokers/topics/orders/partitions/1/state", s2, 6}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 6);
    assert_int_equal(f.errors, 0);
    zr_topic *zt = zr_model_topic(&m, "orders");
    assert_non_null(zt);
    assert_true(zt->has_assignment && zt->has_id);
    assert_memory_equal(zt->id, t->id.b, 16);
    assert_int_equal(zt->version, 3);
    assert_int_equal(zt->n_partitions, 2);
    for (int i = 0; i < 2; i++) {
        const zr_partition *zp = &zt->partitions[i];
        const kr_image_partition *ip = &t->partitions[i];
        assert_true(zp->has_state);
        assert_false(zp->synthesized);
        assert_int_equal(zp->replicas.n, ip->replicas.n);
        assert_memory_equal(zp->replicas.v, ip->replicas.v, zp->replicas.n * 4);
        assert_int_equal(zp->adding.n, ip->adding_replicas.n > 0 ? ip->adding_replicas.n : 0);
        assert_int_equal(zp->removing.n, ip->removing_replicas.n > 0 ? ip->removing_replicas.n : 0);
        if (zp->adding.n) assert_memory_equal(zp->adding.v, ip->adding_replicas.v, zp->adding.n * 4);
        if (zp->removing.n) assert_memory_equal(zp->removing.v, ip->removing_replicas.v, zp->removing.n * 4);
        assert_int_equal(zp->state.leader, ip->leader);
        assert_int_equal(zp->state.leader_epoch, ip->leader_epoch);
        assert_int_equal(zp->state.leader_recovery_state, ip->leader_recovery_state);
        assert_int_equal(zp->state.controller_epoch, 17);
        assert_int_equal(zp->state.isr.n, ip->isr.n);
        assert_memory_equal(zp->state.isr.v, ip->isr.v, zp->state.isr.n * 4);
    }
    zr_model_free(&m);
    zr_findings_free(&f);
    free(s0);
    free(s1);
    free(s2);
    kr_buf_free(&b0);
    kr_buf_free(&b1);
    kr_buf_free(&b2);
    kr_image_free(&img);
}


/* ---- exact strings --------------------------------------------------------------------- */

static void test_java_double(void **state) {
    (void)state;
    static const struct { double v; const char *want; } cases[] = {
        {25.5, "25.5"}, {10, "10.0"}, {0, "0.0"}, {100, "100.0"}, {0.001, "0.001"}, {0.0001, "1.0E-4"},
        {1e7, "1.0E7"}, {9999999, "9999999.0"}, {12345678.5, "1.23456785E7"}, {-2.5, "-2.5"}, {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"}, {0.05, "0.05"}, {1.5e-5, "1.5E-5"}, {123.456, "123.456"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        mg_zkf_java_double(cases[i].v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_quota_values(void **state) {
    (void)state;
    char buf[64];
    kr_error err = {0};
    assert_int_equal(mg_zkf_quota_value("producer_byte_rate", 1048576, buf, sizeof buf, &err), KR_OK);
    assert_string_equal(buf, "1048576");
    assert_int_equal(mg_zkf_quota_value("connection_creation_rate", 19.9999999, buf, sizeof buf, &err), KR_OK);
    assert_string_equal(buf, "20");
    assert_int_equal(mg_zkf_quota_value("request_percentage", 10, buf, sizeof buf, &err), KR_OK);
    assert_string_equal(buf, "10.0");
    assert_int_equal(mg_zkf_quota_value("controller_mutation_rate", 2.25, buf, sizeof buf, &err), KR_OK);
    assert_string_equal(buf, "2.25");
    assert_int_equal(mg_zkf_quota_value("consumer_byte_rate", 1.5, buf, sizeof buf, &err), KR_ERR_INVALID);
    assert_int_equal(mg_zkf_quota_value("bogus_rate", 1, buf, sizeof buf, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "bogus_rate"));
}

static void test_sanitize(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"alice@example.com", "alice%40example.com"}, {"CN=svc,OU=kafka", "CN%3Dsvc%2COU%3Dkafka"},
        {"app/1", "app%2F1"}, {"svc user", "svc%20user"}, {"2001:db8::1", "2001%3Adb8%3A%3A1"},
        {"a*b~c", "a%2Ab%7Ec"}, {"\xc3\xa9", "%C3%A9"}, {"ok.-_Z9", "ok.-_Z9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = mg_zkf_sanitize(cases[i][0]);
        assert_string_equal(s, cases[i][1]);
        free(s);
    }
}

static void test_small_payloads_exact(void **state) {
    (void)state;
    kr_buf b = {0};
    assert_true(mg_zkf_producer_id_block(&b, 6000));
    assert_buf(&b, "{\"version\":1,\"broker\":-1,\"block_start\":\"6000\",\"block_end\":\"6999\"}");
    assert_true(mg_zkf_config_change(&b, "topics/x"));
    assert_buf(&b, "{\"version\":2,\"entity_path\":\"topics/x\"}");
    mg_zkf_kv kv[] = {{"a\"b", "line\nnext\\"}, {"ctl", "\x01"}};
    assert_true(mg_zkf_config(&b, kv, 2));
    assert_buf(&b, "{\"version\":1,\"config\":{\"a\\\"b\":\"line\\nnext\\\\\",\"ctl\":\"\\u0001\"}}");
    assert_true(mg_zkf_config(&b, NULL, 0));
    assert_buf(&b, "{\"version\":1,\"config\":{}}");
    const char *prefix;
    assert_true(mg_zkf_acl_change(&b, 2, 3, "orders", &prefix));
    assert_string_equal(prefix, "/kafka-acl-changes/acl_changes_");
    assert_buf(&b, "TOPIC:orders");
    assert_true(mg_zkf_acl_change(&b, 5, 4, "tx-", &prefix));
    assert_string_equal(prefix, "/kafka-acl-extended-changes/acl_changes_");
    assert_buf(&b, "{\"version\":1,\"resourceType\":\"TRANSACTIONAL_ID\",\"name\":\"tx-\",\"patternType\":\"PREFIXED\"}");
    char path[256];
    assert_true(mg_zkf_acl_path(path, sizeof path, 4, 3, "kafka-cluster"));
    assert_string_equal(path, "/kafka-acl/Cluster/kafka-cluster");
    assert_true(mg_zkf_acl_path(path, sizeof path, 6, 4, "tok"));
    assert_string_equal(path, "/kafka-acl-extended/prefixed/DelegationToken/tok");
    assert_false(mg_zkf_acl_path(path, sizeof path, 1, 3, "any"));
    kr_buf_free(&b);
}

/* ---- round trips through zkread ------------------------------------------------------- */

static const kr_image_acl ACL1 = {.resource_type = 2, .resource_name = "orders", .pattern_type = 3,
                                  .principal = "User:alice", .host = "*", .operation = 3, .permission_type = 3};
static const kr_image_acl ACL2 = {.resource_type = 2, .resource_name = "orders", .pattern_type = 3,
                                  .principal = "User:bob", .host = "10.0.0.7", .operation = 12,
                                  .permission_type = 2};
static const kr_image_acl ACL3 = {.resource_type = 3, .resource_name = "app-", .pattern_type = 4,
                                  .principal = "Group:ops", .host = "*", .operation = 14, .permission_type = 3};

static void test_acls_round_trip(void **state) {
    (void)state;
    kr_buf b1 = {0}, b2 = {0};
    const kr_image_acl *e1[] = {&ACL1, &ACL2}, *e2[] = {&ACL3};
    assert_true(mg_zkf_acls(&b1, e1, 2));
    assert_buf(&b1, "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\",\"operation\":"
                    "\"Read\",\"host\":\"*\"},{\"principal\":\"User:bob\",\"permissionType\":\"Deny\",\"operation\":"
                    "\"IdempotentWrite\",\"host\":\"10.0.0.7\"}]}");
    assert_true(mg_zkf_acls(&b2, e2, 1));
    char p1[256], p2[256];
    assert_true(mg_zkf_acl_path(p1, sizeof p1, 2, 3, "orders"));
    assert_true(mg_zkf_acl_path(p2, sizeof p2, 3, 4, "app-"));
    char *s1 = text(&b1), *s2 = text(&b2);
    znode z[] = {{p1, s1, 0}, {p2, s2, 0}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 2);
    assert_int_equal(f.n, 0);
    assert_int_equal(m.n_acls, 2);
    const kr_image_acl *const *want[] = {e1, e2};
    for (size_t i = 0; i < 2; i++) {
        const zr_acl_resource *r = &m.acls[i];
        assert_int_equal(r->type, want[i][0]->resource_type);
        assert_int_equal(r->pattern, want[i][0]->pattern_type);
        assert_string_equal(r->name, want[i][0]->resource_name);
        assert_int_equal(r->n_entries, i == 0 ? 2 : 1);
        for (size_t j = 0; j < r->n_entries; j++) {
            assert_string_equal(r->entries[j].principal, want[i][j]->principal);
            assert_string_equal(r->entries[j].host, want[i][j]->host);
            assert_int_equal(r->entries[j].operation, want[i][j]->operation);
            assert_int_equal(r->entries[j].permission, want[i][j]->permission_type);
        }
    }
    zr_model_free(&m);
    zr_findings_free(&f);
    free(s1);
    free(s2);
    kr_buf_free(&b1);
    kr_buf_free(&b2);
}

static void test_token_round_trip(void **state) {
    (void)state;
    char *renewers[] = {"User:bob", "User:carol@x.org"};
    kr_image_token t = {.token_id = "Qm3xJ0m2Te6VqgkP8y3f0w", .owner = "User:alice", .requester = "User:admin",
                        .renewers = renewers, .renewer_count = 2, .issue_timestamp_ms = 1716200000000,
                        .max_timestamp_ms = 1716804800000, .expiration_timestamp_ms = 1716286400000};
    kr_buf b = {0};
    assert_true(mg_zkf_token(&b, &t));
    assert_buf(&b, "{\"version\":3,\"owner\":\"User%3Aalice\",\"tokenRequester\":\"User%3Aadmin\",\"renewers\":"
                   "[\"User%3Abob\",\"User%3Acarol%40x.org\"],\"issueTimestamp\":1716200000000,\"maxTimestamp\":"
                   "1716804800000,\"expiryTimestamp\":1716286400000,\"tokenId\":\"Qm3xJ0m2Te6VqgkP8y3f0w\"}");
    char *s = text(&b);
    znode z[] = {{"/delegation_token/tokens/Qm3xJ0m2Te6VqgkP8y3f0w", s, 0}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 1);
    assert_int_equal(f.n, 0);
    assert_int_equal(m.n_tokens, 1);
    const zr_token *zt = &m.tokens[0];
    assert_int_equal(zt->version, 3);
    assert_string_equal(zt->token_id, t.token_id);
    assert_string_equal(zt->owner, t.owner);
    assert_string_equal(zt->requester, t.requester);
    assert_int_equal(zt->n_renewers, 2);
    assert_string_equal(zt->renewers[1], "User:carol@x.org");
    assert_true(zt->issue_ms == t.issue_timestamp_ms && zt->max_ms == t.max_timestamp_ms &&
                zt->expiry_ms == t.expiration_timestamp_ms);
    zr_model_free(&m);
    zr_findings_free(&f);
    free(s);
    kr_buf_free(&b);
}

static uint8_t K32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                          25, 26, 27, 28, 29, 30, 31, 32};
static uint8_t K64[64] = {9, 8, 7};
static uint8_t SALT[] = "1kq9xerfttpcilyyor4oj2agx";

/* User, (user, client), client and ip entities with quotas and SCRAM, plus the producer-id
 * block and a config change, read back by zkread. */
static void test_entities_round_trip(void **state) {
    (void)state;
    kr_image_scram s256 = {.user = "CN=svc,OU=kafka", .mechanism = 1, .salt = SALT, .salt_len = 25,
                           .stored_key = K32, .stored_key_len = 32, .server_key = K32, .server_key_len = 32,
                           .iterations = 4096};
    kr_image_scram s512 = {.user = "CN=svc,OU=kafka", .mechanism = 2, .salt = SALT, .salt_len = 25,
                           .stored_key = K64, .stored_key_len = 64, .server_key = K64, .server_key_len = 64,
                           .iterations = 8192};
    char *c256 = mg_zkf_scram(&s256), *c512 = mg_zkf_scram(&s512);
    assert_string_equal(c256, "salt=MWtxOXhlcmZ0dHBjaWx5eW9yNG9qMmFneA==,stored_key="
                              "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=,server_key="
                              "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=,iterations=4096");
    char q1[32], q2[32], q3[32];
    kr_error err = {0};
    assert_int_equal(mg_zkf_quota_value("producer_byte_rate", 1048576, q1, sizeof q1, &err), 0);
    assert_int_equal(mg_zkf_quota_value("request_percentage", 25.5, q2, sizeof q2, &err), 0);
    assert_int_equal(mg_zkf_quota_value("connection_creation_rate", 20, q3, sizeof q3, &err), 0);
    mg_zkf_kv user[] = {{"SCRAM-SHA-256", c256}, {"SCRAM-SHA-512", c512}, {"producer_byte_rate", q1}};
    mg_zkf_kv uc[] = {{"request_percentage", q2}};
    mg_zkf_kv ip[] = {{"connection_creation_rate", q3}};
    kr_buf b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0};
    assert_true(mg_zkf_config(&b1, user, 3));
    assert_true(mg_zkf_config(&b2, uc, 1));
    assert_true(mg_zkf_config(&b3, ip, 1));
    assert_true(mg_zkf_producer_id_block(&b4, 4000));
    assert_true(mg_zkf_config_change(&b5, "users/CN%3Dsvc%2COU%3Dkafka"));
    char *s1 = text(&b1), *s2 = text(&b2), *s3 = text(&b3), *s4 = text(&b4), *s5 = text(&b5);
    char *u = mg_zkf_sanitize("CN=svc,OU=kafka"), *cl = mg_zkf_sanitize("app 1"), *ipn = mg_zkf_sanitize("2001:db8::1");
    char p1[256], p2[256], p3[256];
    snprintf(p1, sizeof p1, "/config/users/%s", u);
    snprintf(p2, sizeof p2, "/config/users/<default>/clients/%s", cl);
    snprintf(p3, sizeof p3, "/config/ips/%s", ipn);
    znode z[] = {{p1, s1, 0}, {p2, s2, 0}, {p3, s3, 0}, {"/latest_producer_id_block", s4, 0},
                 {"/config/changes/config_change_0000000007", s5, 0}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 5);
    assert_int_equal(f.n, 0);
    assert_int_equal(m.n_configs, 3);
    assert_int_equal(m.configs[0].type, ZR_ENTITY_USER);
    assert_string_equal(m.configs[0].name, "CN=svc,OU=kafka");
    assert_string_equal(zk_value(&m.configs[0], "producer_byte_rate"), "1048576");
    assert_int_equal(m.configs[1].type, ZR_ENTITY_USER_CLIENT);
    assert_true(m.configs[1].is_default);
    assert_string_equal(m.configs[1].client, "app 1");
    assert_string_equal(zk_value(&m.configs[1], "request_percentage"), "25.5");
    assert_int_equal(m.configs[2].type, ZR_ENTITY_IP);
    assert_string_equal(m.configs[2].name, "2001:db8::1");
    assert_int_equal(m.n_scram, 2);
    for (size_t i = 0; i < 2; i++) {
        const zr_scram *zs = &m.scram[i];
        const kr_image_scram *is = zs->mechanism == ZR_SCRAM_SHA_256 ? &s256 : &s512;
        assert_string_equal(zs->user, is->user);
        assert_int_equal(zs->iterations, is->iterations);
        assert_int_equal(zs->salt_len, is->salt_len);
        assert_memory_equal(zs->salt, is->salt, zs->salt_len);
        assert_int_equal(zs->stored_key_len, is->stored_key_len);
        assert_memory_equal(zs->stored_key, is->stored_key, zs->stored_key_len);
        assert_memory_equal(zs->server_key, is->server_key, zs->server_key_len);
    }
    assert_true(m.has_producer_id_block);
    assert_int_equal(m.producer_id_broker, -1);
    assert_int_equal(m.producer_id_block_start, 4000);
    assert_int_equal(m.producer_id_block_end, 4999);
    assert_int_equal(m.n_config_changes, 1);
    assert_int_equal(m.config_changes[0].version, 2);
    assert_string_equal(m.config_changes[0].entity_path, "users/CN%3Dsvc%2COU%3Dkafka");
    zr_model_free(&m);
    zr_findings_free(&f);
    char *all[] = {c256, c512, s1, s2, s3, s4, s5, u, cl, ipn};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    kr_buf *bufs[] = {&b1, &b2, &b3, &b4, &b5};
    for (size_t i = 0; i < 5; i++) kr_buf_free(bufs[i]);
}

/* Topic and broker configs, the password encrypted as Kafka's encoder does and decrypted by
 * the existing decoder. */
static void test_config_round_trip_with_password(void **state) {
    (void)state;
    kr_error err = {0};
    char *enc = NULL;
    assert_int_equal(mg_password_encrypt("k3y-p\xc3\xa4ss", "the-secret", 4096, &enc, &err), KR_OK);
    assert_true(mg_password_looks_encrypted(enc));
    assert_non_null(strstr(enc, "keyFactoryAlgorithm:PBKDF2WithHmacSHA512"));
    assert_non_null(strstr(enc, "cipherAlgorithm:AES/CBC/PKCS5Padding"));
    assert_non_null(strstr(enc, "keyLength:128"));
    assert_non_null(strstr(enc, "iterations:4096"));
    mg_zkf_kv broker[] = {{"listener.name.internal.ssl.keystore.password", enc}, {"log.cleaner.threads", "2"}};
    mg_zkf_kv topic[] = {{"cleanup.policy", "compact"}, {"retention.ms", "604800000"}};
    kr_buf b1 = {0}, b2 = {0};
    assert_true(mg_zkf_config(&b1, broker, 2));
    assert_true(mg_zkf_config(&b2, topic, 2));
    char *s1 = text(&b1), *s2 = text(&b2);
    znode z[] = {{"/config/brokers/1", s1, 0}, {"/config/topics/orders", s2, 0}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 2);
    assert_int_equal(f.n, 0);
    assert_int_equal(m.n_configs, 2);
    const char *stored = zk_value(&m.configs[0], "listener.name.internal.ssl.keystore.password");
    assert_non_null(stored);
    char *plain = NULL;
    assert_int_equal(mg_password_decrypt(stored, "the-secret", &plain, &err), KR_OK);
    assert_string_equal(plain, "k3y-p\xc3\xa4ss");
    free(plain);
    assert_int_not_equal(mg_password_decrypt(stored, "wrong-secret", &plain, &err), KR_OK);
    assert_string_equal(zk_value(&m.configs[0], "log.cleaner.threads"), "2");
    assert_string_equal(zk_value(&m.configs[1], "cleanup.policy"), "compact");
    assert_string_equal(zk_value(&m.configs[1], "retention.ms"), "604800000");
    zr_model_free(&m);
    zr_findings_free(&f);
    free(s1);
    free(s2);
    free(enc);
    kr_buf_free(&b1);
    kr_buf_free(&b2);
}

/* Strings that are not UTF-8 (a record may carry any bytes) still make valid JSON: each bad
 * byte becomes U+FFFD, as Java decoding the record would; valid multi-byte text is kept and
 * ASCII after it is still escaped. */
static void test_invalid_utf8_is_replaced(void **state) {
    (void)state;
    mg_zkf_kv kv[] = {{"k\xff", "caf\xc3\xa9 \"q\""}, {"over\xc0\xaf", "\xed\xa0\x80"}, {"\xe2\x82", "\xf0\x9f\x98\x80"}};
    kr_buf b = {0};
    assert_true(mg_zkf_config(&b, kv, 3));
    char *s = text(&b);
    assert_string_equal(s, "{\"version\":1,\"config\":{\"k\xef\xbf\xbd\":\"caf\xc3\xa9 \\\"q\\\"\","
                           "\"over\xef\xbf\xbd\xef\xbf\xbd\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
                           "\"\xef\xbf\xbd\xef\xbf\xbd\":\"\xf0\x9f\x98\x80\"}}");
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    json_decref(j);
    free(s);
    kr_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_exact),
        cmocka_unit_test(test_invalid_utf8_is_replaced),
        cmocka_unit_test(test_topic_round_trip),
        cmocka_unit_test(test_java_double),
        cmocka_unit_test(test_quota_values),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_small_payloads_exact),
        cmocka_unit_test(test_acls_round_trip),
        cmocka_unit_test(test_token_round_trip),
        cmocka_unit_test(test_entities_round_trip),
        cmocka_unit_test(test_config_round_trip_with_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
