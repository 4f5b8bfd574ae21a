/* Kafka admin write planners (kraft/client_write.h): for every API and
 * version, requests go through the generated codec at that version, the plan's
 * response encodes at that version, and the planned records replay cleanly
 * onto the image with the expected result; each validation rule answers with
 * Kafka's error code and plans no records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kraft/client_write.h"
#include "kraft/metadata_version.h"
#include "kraft/scram.h"
#include "tests/support/rand.h"

/* ---- fixture image ------------------------------------------------------ */

static kr_uuid orders_id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
static kr_uuid logs_id = {{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1}};

static void apply_ok(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    int rc = kr_image_apply(img, rec, &err);
    if (rc != KR_OK) fail_msg("fixture record: %s", err.message);
}

static void add_partition(kr_image *img, const kr_uuid *id, int32_t p, int32_t *replicas, int32_t n) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
    rec.u.PartitionRecord.TopicId = *id;
    rec.u.PartitionRecord.PartitionId = p;
    rec.u.PartitionRecord.Replicas = (kr_array_i32){replicas, n};
    rec.u.PartitionRecord.Isr = (kr_array_i32){replicas, n};
    rec.u.PartitionRecord.Leader = replicas[0];
    rec.u.PartitionRecord.LeaderEpoch = 4;
    rec.u.PartitionRecord.PartitionEpoch = 7;
    apply_ok(img, &rec);
}

static void add_config(kr_image *img, int8_t type, const char *resource, const char *name, const char *value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = kr_str_c(resource);
    rec.u.ConfigRecord.Name = kr_str_c(name);
    rec.u.ConfigRecord.Value = kr_str_c(value);
    apply_ok(img, &rec);
}

static void add_acl(kr_image *img, uint8_t id_byte, int8_t rt, const char *name, int8_t pt, const char *principal,
                    int8_t op, int8_t perm) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    kr_AccessControlEntryRecord *a = &rec.u.AccessControlEntryRecord;
    memset(a->Id.b, id_byte, 16);
    a->ResourceType = rt;
    a->ResourceName = kr_str_c(name);
    a->PatternType = pt;
    a->Principal = kr_str_c(principal);
    a->Host = kr_str_c("*");
    a->Operation = op;
    a->PermissionType = perm;
    apply_ok(img, &rec);
}

static void add_broker(kr_image *img, int32_t id, bool fenced) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, kr_mv_register_broker_version(img->metadata_version));
    rec.u.RegisterBrokerRecord.BrokerId = id;
    rec.u.RegisterBrokerRecord.BrokerEpoch = 10 + id;
    memset(rec.u.RegisterBrokerRecord.IncarnationId.b, id, 16);
    rec.u.RegisterBrokerRecord.Fenced = fenced;
    apply_ok(img, &rec);
}

static const uint8_t carol_salt[] = "carol-salt-0123456789";

/* A migrated-looking image: brokers 1-3 only named in assignments unless registered. */
static void build_image(kr_image *img, int16_t mv, bool register_brokers) {
    kr_image_init(img);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = mv;
    apply_ok(img, &rec);
    if (register_brokers) {
        add_broker(img, 1, false);
        add_broker(img, 2, false);
        add_broker(img, 3, false);
        add_broker(img, 4, true);
    }
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("orders");
    rec.u.TopicRecord.TopicId = orders_id;
    apply_ok(img, &rec);
    int32_t r0[] = {1, 2, 3}, r1[] = {2, 3, 1}, r2[] = {3, 1, 2}, r3[] = {2, 3};
    add_partition(img, &orders_id, 0, r0, 3);
    add_partition(img, &orders_id, 1, r1, 3);
    add_partition(img, &orders_id, 2, r2, 3);
    rec.u.TopicRecord.Name = kr_str_c("logs.app");
    rec.u.TopicRecord.TopicId = logs_id;
    apply_ok(img, &rec);
    add_partition(img, &logs_id, 0, r3, 2);
    add_config(img, 2, "orders", "retention.ms", "3600000");
    add_config(img, 2, "logs.app", "retention.ms", "86400000");
    add_config(img, 2, "logs.app", "cleanup.policy", "compact");
    add_config(img, 4, "", "log.retention.ms", "10800000");
    add_config(img, 4, "1", "log.cleaner.threads", "2");
    add_acl(img, 0xA1, 2, "orders", 3, "User:alice", 3, 3);
    add_acl(img, 0xA2, 2, "ord", 4, "User:bob", 4, 3);
    add_acl(img, 0xA3, 3, "*", 3, "User:alice", 3, 3);
    kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    kr_ClientQuotaRecord_EntityData ent = {.EntityType = kr_str_c("user"), .EntityName = kr_str_c("alice")};
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){&ent, 1};
    rec.u.ClientQuotaRecord.Key = kr_str_c("producer_byte_rate");
    rec.u.ClientQuotaRecord.Value = 1000;
    apply_ok(img, &rec);
    if (kr_mv_has_scram(mv)) {
        kr_scram_credential cred;
        assert_int_equal(kr_scram_credential_from_password(KR_SCRAM_SHA_512, "carol-pw", carol_salt,
                                                           sizeof carol_salt - 1, 4096, &cred, NULL),
                         KR_OK);
        kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
        kr_UserScramCredentialRecord *u = &rec.u.UserScramCredentialRecord;
        u->Name = kr_str_c("carol");
        u->Mechanism = KR_SCRAM_SHA_512;
        u->Salt = (kr_bytes){cred.salt, (int32_t)cred.salt_len};
        u->StoredKey = (kr_bytes){cred.stored_key, 64};
        u->ServerKey = (kr_bytes){cred.server_key, 64};
        u->Iterations = 4096;
        apply_ok(img, &rec);
    }
}

/* ---- harness -------------------------------------------------------------- */

typedef struct harness {
    kr_image img;
    kr_arena arena;
    kr_write_ctx ctx;
    kr_rand rng;
    kr_write_plan plan;
} harness;

static bool seeded_uuid(void *state, kr_uuid *out) {
    kr_rand_uuid(state, out);
    return true;
}

static void h_init(harness *h, int16_t mv, bool register_brokers) {
    memset(h, 0, sizeof *h);
    build_image(&h->img, mv, register_brokers);
    h->rng = kr_rand_seed(42);
    kr_error err = {0};
    assert_int_equal(kr_write_ctx_init(&h->ctx, &h->img, 1700000000000, &h->arena, &err), KR_OK);
    h->ctx.random_uuid = seeded_uuid;
    h->ctx.random_state = &h->rng;
}

static void h_free(harness *h) {
    kr_image_free(&h->img);
    kr_arena_free(&h->arena);
}

/* The request as a client sends it: encoded at `version`, decoded back (into the arena). */
static void *wire_request(harness *h, int16_t api_key, int16_t version, const void *req) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    assert_non_null(c);
    kr_buf b = {0};
    kr_error err = {0};
    if (c->request_encode(&b, req, version, &err) != KR_OK) fail_msg("request api %d v%d: %s", api_key, version, err.message);
    uint8_t *copy = kr_arena_alloc(&h->arena, b.len + 1);
    memcpy(copy, b.data, b.len);
    kr_reader r = kr_reader_make(copy, b.len);
    void *m = kr_arena_alloc(&h->arena, c->request_size);
    assert_true(c->request_decode(&r, m, version, &h->arena));
    assert_int_equal(r.pos, b.len);
    kr_buf_free(&b);
    return m;
}

/* Encodes the plan's response at its version and decodes it back: what the client sees. */
static void *wire_response(harness *h) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(h->plan.api_key);
    kr_buf b = {0};
    kr_error err = {0};
    if (kr_write_plan_encode_response(&h->plan, &b, &err) != KR_OK)
        fail_msg("response api %d v%d: %s", h->plan.api_key, h->plan.version, err.message);
    uint8_t *copy = kr_arena_alloc(&h->arena, b.len + 1);
    memcpy(copy, b.data, b.len);
    kr_reader r = kr_reader_make(copy, b.len);
    void *m = kr_arena_alloc(&h->arena, c->response_size);
    assert_true(c->response_decode(&r, m, h->plan.version, &h->arena));
    assert_int_equal(r.pos, b.len);
    kr_buf_free(&b);
    return m;
}

/* Replays the plan's records onto the image (each must decode and apply). */
static void apply_plan(harness *h) {
    assert_true(h->plan.atomic);
    for (int32_t i = 0; i < h->plan.record_count; i++) {
        kr_metadata_record rec;
        kr_error err = {0};
        if (kr_metadata_record_decode(h->plan.records[i].ptr, (size_t)h->plan.records[i].len, &rec, &h->arena, &err) !=
            KR_OK)
            fail_msg("planned record %d does not decode: %s", i, err.message);
        if (kr_image_apply(&h->img, &rec, &err) != KR_OK) fail_msg("planned record %d does not apply: %s", i, err.message);
    }
}

static int16_t record_type(const harness *h, int32_t i, int16_t *version) {
    kr_metadata_record rec;
    kr_arena a = {0};
    assert_int_equal(kr_metadata_record_decode(h->plan.records[i].ptr, (size_t)h->plan.records[i].len, &rec, &a, NULL),
                     KR_OK);
    if (version) *version = rec.version;
    kr_arena_free(&a);
    return rec.api_key;
}

static const char *cfg(const harness *h, int8_t type, const char *resource, const char *name) {
    return kr_image_config_value(&h->img, type, resource, name);
}

#define S(x) kr_str_c(x)

/* ---- broker rule ------------------------------------------------------------ */

static void test_broker_rule(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    assert_true(h.ctx.brokers_from_assignments);
    assert_int_equal(h.ctx.broker_count, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(h.ctx.brokers[i].id, i + 1);
        assert_false(h.ctx.brokers[i].fenced);
    }
    h_free(&h);
    h_init(&h, KR_MV_3_9_IV0, true);
    assert_false(h.ctx.brokers_from_assignments);
    assert_int_equal(h.ctx.broker_count, 4);
    assert_int_equal(h.ctx.brokers[3].id, 4);
    assert_true(h.ctx.brokers[3].fenced);
    h_free(&h);
    kr_image empty;
    kr_image_init(&empty);
    kr_arena a = {0};
    kr_write_ctx ctx;
    assert_int_equal(kr_write_ctx_init(&ctx, &empty, 0, &a, NULL), KR_OK);
    assert_int_equal(ctx.broker_count, 0);
    assert_int_equal(ctx.metadata_version, KR_MV_LATEST_PRODUCTION);
    kr_image_free(&empty);
    kr_arena_free(&a);
}

/* ---- CreateTopics ---------------------------------------------------------- */

static kr_CreateTopicsRequest_CreatableTopic topic_req(const char *name, int32_t partitions, int16_t rf) {
    kr_CreateTopicsRequest_CreatableTopic t;
    kr_CreateTopicsRequest_CreatableTopic_init(&t);
    t.Name = S(name);
    t.NumPartitions = partitions;
    t.ReplicationFactor = rf;
    return t;
}

static kr_CreateTopicsResponse *plan_create(harness *h, int16_t v, kr_CreateTopicsRequest_CreatableTopic *topics,
                                            int32_t n, bool validate_only) {
    kr_CreateTopicsRequest req;
    kr_CreateTopicsRequest_init(&req);
    req.Topics = (kr_CreateTopicsRequest_CreatableTopic_array){topics, n};
    req.timeoutMs = 30000;
    req.validateOnly = validate_only;
    kr_CreateTopicsRequest *wire = wire_request(h, KR_API_CREATE_TOPICS, v, &req);
    kr_error err = {0};
    if (kr_plan_CreateTopics(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, &err) != KR_OK)
        fail_msg("plan: %s", err.message);
    return wire_response(h);
}

static void check_new_topic(harness *h, const char *name, int32_t partitions, int32_t rf) {
    kr_image_topic *t = kr_image_topic_by_name(&h->img, name, strlen(name));
    assert_non_null(t);
    assert_false(kr_uuid_is_zero(&t->id));
    assert_int_equal(t->partition_count, partitions);
    for (int32_t p = 0; p < partitions; p++) {
        kr_image_partition *part = &t->partitions[p];
        assert_true(part->present);
        assert_int_equal(part->replicas.n, rf);
        assert_int_equal(part->isr.n, rf);
        assert_int_equal(part->leader, part->replicas.v[0]);
        assert_int_equal(part->leader_epoch, 0);
        for (int32_t i = 0; i < rf; i++) {
            assert_true(part->replicas.v[i] >= 1 && part->replicas.v[i] <= 3);
            for (int32_t j = 0; j < i; j++) assert_int_not_equal(part->replicas.v[i], part->replicas.v[j]);
        }
    }
}

static void test_create_topics_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 7; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        kr_CreateTopicsRequest_CreatableTopic topics[3];
        topics[0] = topic_req("payments", 4, 2);
        kr_CreateTopicsRequest_CreatableTopicConfig cfgs[2];
        kr_CreateTopicsRequest_CreatableTopicConfig_init(&cfgs[0]);
        kr_CreateTopicsRequest_CreatableTopicConfig_init(&cfgs[1]);
        cfgs[0].Name = S("cleanup.policy"), cfgs[0].Value = S("compact");
        cfgs[1].Name = S("retention.ms"), cfgs[1].Value = S("1000");
        topics[0].Configs = (kr_CreateTopicsRequest_CreatableTopicConfig_array){cfgs, 2};
        topics[1] = topic_req("manual", -1, -1);
        kr_CreateTopicsRequest_CreatableReplicaAssignment as[2];
        int32_t a0[] = {3, 1}, a1[] = {1, 2};
        kr_CreateTopicsRequest_CreatableReplicaAssignment_init(&as[0]);
        kr_CreateTopicsRequest_CreatableReplicaAssignment_init(&as[1]);
        as[0].PartitionIndex = 1, as[0].BrokerIds = (kr_array_i32){a0, 2};
        as[1].PartitionIndex = 0, as[1].BrokerIds = (kr_array_i32){a1, 2};
        topics[1].Assignments = (kr_CreateTopicsRequest_CreatableReplicaAssignment_array){as, 2};
        topics[2] = topic_req("defaults", -1, -1); /* v4+: num.partitions / default.replication.factor */
        int32_t n = v >= 4 ? 3 : 2;
        kr_CreateTopicsResponse *resp = plan_create(&h, v, topics, n, false);
        assert_int_equal(resp->Topics.n, n);
        for (int32_t i = 0; i < n; i++) assert_int_equal(resp->Topics.v[i].ErrorCode, 0);
        /* TopicRecord + 2 ConfigRecords + 4 partitions, TopicRecord + 2 partitions, TopicRecord + 1 partition */
        assert_int_equal(h.plan.record_count, v >= 4 ? 12 : 10);
        assert_int_equal(record_type(&h, 0, NULL), KR_REC_TOPIC_RECORD);
        assert_int_equal(record_type(&h, 1, NULL), KR_REC_CONFIG_RECORD);
        int16_t pv;
        assert_int_equal(record_type(&h, 3, &pv), KR_REC_PARTITION_RECORD);
        assert_int_equal(pv, 1); /* 3.9-IV0 writes PartitionRecord v1 */
        apply_plan(&h);
        check_new_topic(&h, "payments", 4, 2);
        check_new_topic(&h, "manual", 2, 2);
        kr_image_topic *manual = kr_image_topic_by_name(&h.img, "manual", 6);
        assert_int_equal(manual->partitions[0].replicas.v[0], 1);
        assert_int_equal(manual->partitions[1].replicas.v[0], 3);
        assert_non_null(manual->partitions[1].directories);
        if (v >= 4) check_new_topic(&h, "defaults", 1, 1);
        assert_string_equal(cfg(&h, 2, "payments", "cleanup.policy"), "compact");
        assert_string_equal(cfg(&h, 2, "payments", "retention.ms"), "1000");
        if (v >= 5) {
            assert_int_equal(resp->Topics.v[0].NumPartitions, 4);
            assert_int_equal(resp->Topics.v[0].ReplicationFactor, 2);
            bool saw_cleanup = false;
            for (int32_t i = 0; i < resp->Topics.v[0].Configs.n; i++) {
                kr_CreateTopicsResponse_CreatableTopicConfigs *c = &resp->Topics.v[0].Configs.v[i];
                if (kr_str_eq_c(c->Name, "cleanup.policy")) {
                    assert_true(kr_str_eq_c(c->Value, "compact"));
                    assert_int_equal(c->ConfigSource, 1);
                    saw_cleanup = true;
                }
                if (kr_str_eq_c(c->Name, "segment.bytes")) assert_int_equal(c->ConfigSource, 5);
                if (kr_str_eq_c(c->Name, "retention.ms")) assert_int_equal(c->ConfigSource, 1);
            }
            assert_true(saw_cleanup);
            /* the cluster default log.retention.ms shows for a topic without an override */
            for (int32_t i = 0; i < resp->Topics.v[1].Configs.n; i++)
                if (kr_str_eq_c(resp->Topics.v[1].Configs.v[i].Name, "retention.ms")) {
                    assert_true(kr_str_eq_c(resp->Topics.v[1].Configs.v[i].Value, "10800000"));
                    assert_int_equal(resp->Topics.v[1].Configs.v[i].ConfigSource, 3);
                }
        }
        if (v >= 7) {
            kr_image_topic *t = kr_image_topic_by_name(&h.img, "payments", 8);
            assert_true(kr_uuid_eq(&resp->Topics.v[0].TopicId, &t->id));
        }
        h_free(&h);
    }
}

static void test_create_topics_record_versions(void **state) {
    (void)state;
    int16_t levels[] = {KR_MV_3_4_IV0, KR_MV_3_7_IV2, KR_MV_MAX};
    int16_t want[] = {0, 1, 2};
    for (int i = 0; i < 3; i++) {
        harness h;
        h_init(&h, levels[i], false);
        kr_CreateTopicsRequest_CreatableTopic t = topic_req("versioned", 2, 3);
        kr_CreateTopicsResponse *resp = plan_create(&h, 7, &t, 1, false);
        assert_int_equal(resp->Topics.v[0].ErrorCode, 0);
        int16_t pv;
        assert_int_equal(record_type(&h, 1, &pv), KR_REC_PARTITION_RECORD);
        assert_int_equal(pv, want[i]);
        apply_plan(&h);
        check_new_topic(&h, "versioned", 2, 3);
        h_free(&h);
    }
}

static void test_create_topics_validate_only(void **state) {
    (void)state;
    for (int16_t v = 1; v <= 7; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        kr_CreateTopicsRequest_CreatableTopic t = topic_req("dry", 3, 3);
        kr_CreateTopicsResponse *resp = plan_create(&h, v, &t, 1, true);
        assert_int_equal(resp->Topics.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        if (v >= 5) assert_int_equal(resp->Topics.v[0].NumPartitions, 3);
        h_free(&h);
    }
}

typedef struct create_case {
    const char *why;
    const char *name;
    int32_t partitions;
    int16_t rf;
    const char *config, *value; /* optional */
    bool null_value;
    int32_t assignment[4][4]; /* rows of broker ids, 0 ends a row; empty = none */
    int32_t assignment_index[4];
    int16_t code;
} create_case;

static void test_create_topics_validation(void **state) {
    (void)state;
    char long_name[251];
    memset(long_name, 'a', 250);
    long_name[250] = '\0';
    const create_case cases[] = {
        {"empty name", "", 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"dot", ".", 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"dot dot", "..", 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"250 chars", long_name, 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"bad char", "bad name!", 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"exists", "orders", 1, 1, NULL, NULL, false, {{0}}, {0}, 36},
        {"collides", "logs_app", 1, 1, NULL, NULL, false, {{0}}, {0}, 17},
        {"zero partitions", "t", 0, 1, NULL, NULL, false, {{0}}, {0}, 37},
        {"negative partitions", "t", -5, 1, NULL, NULL, false, {{0}}, {0}, 37},
        {"zero rf", "t", 1, 0, NULL, NULL, false, {{0}}, {0}, 38},
        {"rf above brokers", "t", 1, 4, NULL, NULL, false, {{0}}, {0}, 38},
        {"assignment with count", "t", 2, -1, NULL, NULL, false, {{1, 0}}, {0}, 42},
        {"assignment duplicate broker", "t", -1, -1, NULL, NULL, false, {{1, 1, 0}}, {0}, 39},
        {"assignment unknown broker", "t", -1, -1, NULL, NULL, false, {{1, 9, 0}}, {0}, 39},
        {"assignment uneven", "t", -1, -1, NULL, NULL, false, {{1, 2, 0}, {3, 0}}, {0, 1}, 39},
        {"assignment gap", "t", -1, -1, NULL, NULL, false, {{1, 0}, {2, 0}}, {0, 2}, 39},
        {"assignment repeated index", "t", -1, -1, NULL, NULL, false, {{1, 0}, {2, 0}}, {0, 0}, 39},
        {"unknown config", "t", 1, 1, "no.such.config", "1", false, {{0}}, {0}, 40},
        {"bad number", "t", 1, 1, "retention.ms", "abc", false, {{0}}, {0}, 40},
        {"below minimum", "t", 1, 1, "retention.ms", "-7", false, {{0}}, {0}, 40},
        {"bad enum", "t", 1, 1, "cleanup.policy", "compact,shred", false, {{0}}, {0}, 40},
        {"bad boolean", "t", 1, 1, "preallocate", "yes", false, {{0}}, {0}, 40},
        {"ratio above 1", "t", 1, 1, "min.cleanable.dirty.ratio", "1.5", false, {{0}}, {0}, 40},
        {"bad throttled list", "t", 1, 1, "leader.replication.throttled.replicas", "0:1,x", false, {{0}}, {0}, 40},
        {"null value", "t", 1, 1, "retention.ms", NULL, true, {{0}}, {0}, 40},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const create_case *k = &cases[c];
        for (int16_t v = 0; v <= 7; v += 7) {
            harness h;
            h_init(&h, KR_MV_3_9_IV0, false);
            kr_CreateTopicsRequest_CreatableTopic t = topic_req(k->name, k->partitions, k->rf);
            kr_CreateTopicsRequest_CreatableTopicConfig conf;
            if (k->config) {
                kr_CreateTopicsRequest_CreatableTopicConfig_init(&conf);
                conf.Name = S(k->config);
                conf.Value = k->null_value ? KR_STR_NULL : S(k->value);
                t.Configs = (kr_CreateTopicsRequest_CreatableTopicConfig_array){&conf, 1};
            }
            kr_CreateTopicsRequest_CreatableReplicaAssignment as[4];
            int32_t rows = 0;
            for (; rows < 4 && k->assignment[rows][0]; rows++) {
                int32_t len = 0;
                while (len < 4 && k->assignment[rows][len]) len++;
                kr_CreateTopicsRequest_CreatableReplicaAssignment_init(&as[rows]);
                as[rows].PartitionIndex = k->assignment_index[rows];
                as[rows].BrokerIds = (kr_array_i32){(int32_t *)k->assignment[rows], len};
            }
            t.Assignments = (kr_CreateTopicsRequest_CreatableReplicaAssignment_array){as, rows};
            kr_CreateTopicsResponse *resp = plan_create(&h, v, &t, 1, false);
            if (resp->Topics.v[0].ErrorCode != k->code)
                fail_msg("%s (v%d): code %d, want %d", k->why, v, resp->Topics.v[0].ErrorCode, k->code);
            if (v >= 1) assert_true(resp->Topics.v[0].ErrorMessage.len > 0);
            assert_int_equal(h.plan.record_count, 0);
            h_free(&h);
        }
    }
}

static void test_create_topics_request_rules(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    /* duplicates: one INVALID_REQUEST result for the name; the others proceed */
    kr_CreateTopicsRequest_CreatableTopic t[4] = {topic_req("dup", 1, 1), topic_req("a.b", 1, 1),
                                                  topic_req("dup", 1, 1), topic_req("a_b", 1, 1)};
    kr_CreateTopicsResponse *resp = plan_create(&h, 7, t, 4, false);
    assert_int_equal(resp->Topics.n, 3);
    assert_true(kr_str_eq_c(resp->Topics.v[0].Name, "dup"));
    assert_int_equal(resp->Topics.v[0].ErrorCode, 42);
    assert_int_equal(resp->Topics.v[1].ErrorCode, 0);
    assert_int_equal(resp->Topics.v[2].ErrorCode, 17); /* collides with a.b of this request */
    apply_plan(&h);
    assert_non_null(kr_image_topic_by_name(&h.img, "a.b", 3));
    assert_null(kr_image_topic_by_name(&h.img, "dup", 3));
    h_free(&h);
    /* Kafka's per-request partition bound */
    h_init(&h, KR_MV_3_9_IV0, false);
    kr_CreateTopicsRequest_CreatableTopic big[2] = {topic_req("big1", 6000, 1), topic_req("big2", 6000, 1)};
    resp = plan_create(&h, 7, big, 2, false);
    assert_int_equal(resp->Topics.v[0].ErrorCode, 44);
    assert_int_equal(resp->Topics.v[1].ErrorCode, 44);
    assert_int_equal(h.plan.record_count, 0);
    h_free(&h);
    /* registered brokers: the fenced one is never placed on or in an ISR */
    h_init(&h, KR_MV_3_9_IV0, true);
    kr_CreateTopicsRequest_CreatableTopic wide = topic_req("wide", 8, 3);
    resp = plan_create(&h, 7, &wide, 1, false);
    assert_int_equal(resp->Topics.v[0].ErrorCode, 0);
    apply_plan(&h);
    check_new_topic(&h, "wide", 8, 3); /* replicas only on 1-3: the fenced broker 4 is never placed on */
    int leaders[4] = {0};
    kr_image_topic *wt = kr_image_topic_by_name(&h.img, "wide", 4);
    for (int32_t p = 0; p < 8; p++) leaders[wt->partitions[p].leader]++;
    for (int b = 1; b <= 3; b++) assert_true(leaders[b] == 2 || leaders[b] == 3); /* round robin spreads leaders */
    kr_CreateTopicsRequest_CreatableTopic rf4 = topic_req("rf4", 1, 4);
    resp = plan_create(&h, 7, &rf4, 1, false);
    assert_int_equal(resp->Topics.v[0].ErrorCode, 38);
    kr_CreateTopicsRequest_CreatableTopic fenced = topic_req("fenced", -1, -1);
    kr_CreateTopicsRequest_CreatableReplicaAssignment a;
    kr_CreateTopicsRequest_CreatableReplicaAssignment_init(&a);
    int32_t only4[] = {4};
    a.BrokerIds = (kr_array_i32){only4, 1};
    fenced.Assignments = (kr_CreateTopicsRequest_CreatableReplicaAssignment_array){&a, 1};
    resp = plan_create(&h, 7, &fenced, 1, false);
    assert_int_equal(resp->Topics.v[0].ErrorCode, 39);
    int32_t with4[] = {4, 2};
    a.BrokerIds = (kr_array_i32){with4, 2};
    resp = plan_create(&h, 7, &fenced, 1, false);
    assert_int_equal(resp->Topics.v[0].ErrorCode, 0);
    apply_plan(&h);
    kr_image_topic *ft = kr_image_topic_by_name(&h.img, "fenced", 6);
    assert_int_equal(ft->partitions[0].replicas.n, 2);
    assert_int_equal(ft->partitions[0].isr.n, 1);
    assert_int_equal(ft->partitions[0].leader, 2);
    h_free(&h);
    /* an image with no brokers at all cannot place replicas */
    kr_image empty;
    kr_image_init(&empty);
    kr_arena arena = {0};
    kr_write_ctx ctx;
    assert_int_equal(kr_write_ctx_init(&ctx, &empty, 0, &arena, NULL), KR_OK);
    kr_CreateTopicsRequest req;
    kr_CreateTopicsRequest_init(&req);
    kr_CreateTopicsRequest_CreatableTopic one = topic_req("first", 1, 1);
    req.Topics = (kr_CreateTopicsRequest_CreatableTopic_array){&one, 1};
    kr_write_plan plan;
    assert_int_equal(kr_plan_CreateTopics(&ctx, &empty, &req, 7, &plan, &arena, NULL), KR_OK);
    assert_int_equal(((kr_CreateTopicsResponse *)plan.response)->Topics.v[0].ErrorCode, 38);
    kr_image_free(&empty);
    kr_arena_free(&arena);
}

/* ---- DeleteTopics ---------------------------------------------------------- */

static kr_DeleteTopicsResponse *plan_delete(harness *h, int16_t v, const char **names, const kr_uuid *ids, int32_t n) {
    kr_DeleteTopicsRequest req;
    kr_DeleteTopicsRequest_init(&req);
    kr_str *tn = kr_arena_alloc(&h->arena, sizeof(kr_str) * (size_t)(n + 1));
    kr_DeleteTopicsRequest_DeleteTopicState *ts = kr_arena_alloc(&h->arena, sizeof *ts * (size_t)(n + 1));
    for (int32_t i = 0; i < n; i++) {
        tn[i] = names[i] ? S(names[i]) : KR_STR_EMPTY;
        kr_DeleteTopicsRequest_DeleteTopicState_init(&ts[i]);
        ts[i].Name = names[i] ? S(names[i]) : KR_STR_NULL;
        if (ids) ts[i].TopicId = ids[i];
    }
    if (v >= 6)
        req.Topics = (kr_DeleteTopicsRequest_DeleteTopicState_array){ts, n};
    else
        req.TopicNames = (kr_array_str){tn, n};
    kr_DeleteTopicsRequest *wire = wire_request(h, KR_API_DELETE_TOPICS, v, &req);
    assert_int_equal(kr_plan_DeleteTopics(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static void test_delete_topics_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 6; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        const char *names[] = {"logs.app", "nope"};
        kr_DeleteTopicsResponse *resp = plan_delete(&h, v, names, NULL, 2);
        assert_int_equal(resp->Responses.n, 2);
        assert_true(kr_str_eq_c(resp->Responses.v[0].Name, "logs.app"));
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_int_equal(resp->Responses.v[1].ErrorCode, 3);
        if (v >= 6) assert_true(kr_uuid_eq(&resp->Responses.v[0].TopicId, &logs_id));
        assert_int_equal(h.plan.record_count, 1);
        assert_int_equal(record_type(&h, 0, NULL), KR_REC_REMOVE_TOPIC_RECORD);
        apply_plan(&h);
        assert_null(kr_image_topic_by_name(&h.img, "logs.app", 8));
        assert_null(cfg(&h, 2, "logs.app", "cleanup.policy"));
        assert_non_null(cfg(&h, 2, "orders", "retention.ms"));
        assert_int_equal(h.img.partition_count, 3);
        h_free(&h);
    }
}

static void test_delete_topics_by_id_and_errors(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    kr_uuid unknown = {{7}};
    kr_uuid ids[] = {orders_id, unknown, {{0}}, logs_id, orders_id};
    const char *names[] = {NULL, NULL, NULL, "logs.app", NULL};
    kr_DeleteTopicsResponse *resp = plan_delete(&h, 6, names, ids, 5);
    assert_int_equal(resp->Responses.n, 4);
    assert_int_equal(resp->Responses.v[0].ErrorCode, 42); /* orders by id twice */
    assert_int_equal(resp->Responses.v[1].ErrorCode, 100);
    assert_int_equal(resp->Responses.v[2].ErrorCode, 42); /* neither name nor id */
    assert_int_equal(resp->Responses.v[3].ErrorCode, 42); /* both */
    assert_int_equal(h.plan.record_count, 0);
    const char *one[] = {NULL};
    resp = plan_delete(&h, 6, one, &orders_id, 1);
    assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
    assert_true(kr_str_eq_c(resp->Responses.v[0].Name, "orders"));
    apply_plan(&h);
    assert_null(kr_image_topic_by_id(&h.img, &orders_id));
    assert_null(cfg(&h, 2, "orders", "retention.ms"));
    h.ctx.topic_deletion_disabled = true;
    const char *logs[] = {"logs.app"};
    resp = plan_delete(&h, 5, logs, NULL, 1);
    assert_int_equal(resp->Responses.v[0].ErrorCode, 73);
    assert_int_equal(h.plan.record_count, 0);
    h_free(&h);
}

/* ---- CreatePartitions ---------------------------------------------------- */

static kr_CreatePartitionsResponse *plan_partitions(harness *h, int16_t v, const char *name, int32_t count,
                                                    int32_t (*rows)[3], int32_t nrows, int32_t rf, bool validate_only) {
    kr_CreatePartitionsRequest req;
    kr_CreatePartitionsRequest_init(&req);
    kr_CreatePartitionsRequest_CreatePartitionsTopic t;
    kr_CreatePartitionsRequest_CreatePartitionsTopic_init(&t);
    t.Name = S(name);
    t.Count = count;
    kr_CreatePartitionsRequest_CreatePartitionsAssignment as[4];
    for (int32_t i = 0; i < nrows; i++) {
        kr_CreatePartitionsRequest_CreatePartitionsAssignment_init(&as[i]);
        as[i].BrokerIds = (kr_array_i32){rows[i], rf};
    }
    t.Assignments = rows ? (kr_CreatePartitionsRequest_CreatePartitionsAssignment_array){as, nrows}
                         : (kr_CreatePartitionsRequest_CreatePartitionsAssignment_array){NULL, -1};
    req.Topics = (kr_CreatePartitionsRequest_CreatePartitionsTopic_array){&t, 1};
    req.ValidateOnly = validate_only;
    kr_CreatePartitionsRequest *wire = wire_request(h, KR_API_CREATE_PARTITIONS, v, &req);
    assert_int_equal(kr_plan_CreatePartitions(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static void test_create_partitions_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 3; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        kr_CreatePartitionsResponse *resp = plan_partitions(&h, v, "orders", 5, NULL, 0, 0, false);
        assert_int_equal(resp->Results.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 2);
        apply_plan(&h);
        kr_image_topic *t = kr_image_topic_by_name(&h.img, "orders", 6);
        assert_int_equal(t->partition_count, 5);
        assert_int_equal(t->partitions[4].replicas.n, 3);
        assert_int_equal(t->partitions[0].leader_epoch, 4); /* old partitions untouched */
        int32_t rows[2][3] = {{3, 2, 1}, {1, 3, 2}};
        resp = plan_partitions(&h, v, "orders", 7, rows, 2, 3, false);
        assert_int_equal(resp->Results.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_int_equal(t->partition_count, 7);
        assert_int_equal(t->partitions[5].replicas.v[0], 3);
        assert_int_equal(t->partitions[6].leader, 1);
        resp = plan_partitions(&h, v, "orders", 9, NULL, 0, 0, true); /* validateOnly */
        assert_int_equal(resp->Results.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        h_free(&h);
    }
}

static void test_create_partitions_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    int32_t ok_row[1][3] = {{1, 2, 3}}, dup_row[1][3] = {{1, 1, 2}}, bad_row[1][3] = {{1, 2, 8}};
    struct {
        const char *name;
        int32_t count;
        int32_t (*rows)[3];
        int32_t nrows, rf;
        int16_t code;
    } cases[] = {
        {"orders", 2, NULL, 0, 0, 37},     {"orders", 3, NULL, 0, 0, 37},   {"nope", 5, NULL, 0, 0, 3},
        {"orders", 5, ok_row, 1, 3, 39},   {"orders", 4, ok_row, 1, 2, 39}, {"orders", 4, dup_row, 1, 3, 39},
        {"orders", 4, bad_row, 1, 3, 39},  {"orders", 20000, NULL, 0, 0, 44},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_CreatePartitionsResponse *resp =
            plan_partitions(&h, 3, cases[i].name, cases[i].count, cases[i].rows, cases[i].nrows, cases[i].rf, false);
        if (resp->Results.v[0].ErrorCode != cases[i].code)
            fail_msg("case %zu: code %d want %d", i, resp->Results.v[0].ErrorCode, cases[i].code);
        assert_int_equal(h.plan.record_count, 0);
    }
    /* a migrated topic with a gap in its partition ids: new ids follow the highest */
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    kr_uuid gap_id = {{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}};
    rec.u.TopicRecord.Name = S("gappy");
    rec.u.TopicRecord.TopicId = gap_id;
    apply_ok(&h.img, &rec);
    int32_t r12[] = {1, 2};
    add_partition(&h.img, &gap_id, 0, r12, 2);
    add_partition(&h.img, &gap_id, 2, r12, 2);
    kr_CreatePartitionsResponse *gap = plan_partitions(&h, 3, "gappy", 3, NULL, 0, 0, false);
    assert_int_equal(gap->Results.v[0].ErrorCode, 0);
    apply_plan(&h);
    kr_image_topic *gt = kr_image_topic_by_name(&h.img, "gappy", 5);
    assert_int_equal(gt->partition_count, 3);
    assert_int_equal(gt->partitions[2].leader_epoch, 4); /* the migrated partition 2 is intact */
    assert_true(gt->partitions[3].present);
    assert_int_equal(gt->partitions[3].replicas.n, 2);
    /* a partition without replicas gives no replication factor to copy */
    kr_uuid hollow_id = {{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}};
    rec.u.TopicRecord.Name = S("hollow");
    rec.u.TopicRecord.TopicId = hollow_id;
    apply_ok(&h.img, &rec);
    add_partition(&h.img, &hollow_id, 0, r12, 0);
    gap = plan_partitions(&h, 3, "hollow", 2, NULL, 0, 0, false);
    assert_int_equal(gap->Results.v[0].ErrorCode, 38);
    assert_int_equal(h.plan.record_count, 0);
    /* a topic named twice: one INVALID_REQUEST result */
    kr_CreatePartitionsRequest req;
    kr_CreatePartitionsRequest_init(&req);
    kr_CreatePartitionsRequest_CreatePartitionsTopic t[2];
    for (int i = 0; i < 2; i++) {
        kr_CreatePartitionsRequest_CreatePartitionsTopic_init(&t[i]);
        t[i].Name = S("orders");
        t[i].Count = 6;
        t[i].Assignments.n = -1;
    }
    req.Topics = (kr_CreatePartitionsRequest_CreatePartitionsTopic_array){t, 2};
    assert_int_equal(kr_plan_CreatePartitions(&h.ctx, &h.img, &req, 3, &h.plan, &h.arena, NULL), KR_OK);
    kr_CreatePartitionsResponse *resp = wire_response(&h);
    assert_int_equal(resp->Results.n, 1);
    assert_int_equal(resp->Results.v[0].ErrorCode, 42);
    assert_int_equal(h.plan.record_count, 0);
    h_free(&h);
}

/* ---- AlterConfigs / IncrementalAlterConfigs ------------------------------ */

typedef struct cfg_entry {
    const char *name, *value;
    int8_t op;
} cfg_entry;

static kr_AlterConfigsResponse *plan_alter(harness *h, int16_t v, int8_t type, const char *resource,
                                           const cfg_entry *e, int32_t n, bool validate_only) {
    kr_AlterConfigsRequest req;
    kr_AlterConfigsRequest_init(&req);
    kr_AlterConfigsRequest_AlterConfigsResource r;
    kr_AlterConfigsRequest_AlterConfigsResource_init(&r);
    r.ResourceType = type;
    r.ResourceName = S(resource);
    kr_AlterConfigsRequest_AlterableConfig c[8];
    for (int32_t i = 0; i < n; i++) {
        kr_AlterConfigsRequest_AlterableConfig_init(&c[i]);
        c[i].Name = S(e[i].name);
        c[i].Value = e[i].value ? S(e[i].value) : KR_STR_NULL;
    }
    r.Configs = (kr_AlterConfigsRequest_AlterableConfig_array){c, n};
    req.Resources = (kr_AlterConfigsRequest_AlterConfigsResource_array){&r, 1};
    req.ValidateOnly = validate_only;
    kr_AlterConfigsRequest *wire = wire_request(h, KR_API_ALTER_CONFIGS, v, &req);
    assert_int_equal(kr_plan_AlterConfigs(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static void test_alter_configs_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 2; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        cfg_entry set[] = {{"segment.ms", "60000", 0}, {"cleanup.policy", "compact", 0}};
        kr_AlterConfigsResponse *resp = plan_alter(&h, v, 2, "logs.app", set, 2, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_true(kr_str_eq_c(resp->Responses.v[0].ResourceName, "logs.app"));
        /* segment.ms set, retention.ms removed; cleanup.policy unchanged so not rewritten */
        assert_int_equal(h.plan.record_count, 2);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 2, "logs.app", "segment.ms"), "60000");
        assert_string_equal(cfg(&h, 2, "logs.app", "cleanup.policy"), "compact");
        assert_null(cfg(&h, 2, "logs.app", "retention.ms"));
        /* cluster default broker resource: replace-all */
        cfg_entry broker[] = {{"log.cleaner.threads", "4", 0}};
        resp = plan_alter(&h, v, 4, "", broker, 1, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 4, "", "log.cleaner.threads"), "4");
        assert_null(cfg(&h, 4, "", "log.retention.ms"));
        assert_string_equal(cfg(&h, 4, "1", "log.cleaner.threads"), "2");
        /* empty set clears the topic */
        resp = plan_alter(&h, v, 2, "orders", NULL, 0, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_null(cfg(&h, 2, "orders", "retention.ms"));
        /* validateOnly */
        cfg_entry dry[] = {{"retention.ms", "5", 0}};
        resp = plan_alter(&h, v, 2, "orders", dry, 1, true);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        h_free(&h);
    }
}

static void test_alter_configs_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    cfg_entry good[] = {{"retention.ms", "5", 0}};
    cfg_entry unknown[] = {{"retention.msx", "5", 0}};
    cfg_entry bad[] = {{"segment.bytes", "10", 0}};
    cfg_entry null_topic[] = {{"retention.ms", NULL, 0}};
    cfg_entry dup[] = {{"retention.ms", "5", 0}, {"retention.ms", "6", 0}};
    struct {
        int8_t type;
        const char *resource;
        cfg_entry *e;
        int32_t n;
        int16_t code;
    } cases[] = {
        {2, "nope", good, 1, 3},     {2, "bad topic", good, 1, 17}, {2, "orders", unknown, 1, 40},
        {2, "orders", bad, 1, 40},   {2, "orders", null_topic, 1, 40}, {2, "orders", dup, 2, 42},
        {4, "abc", good, 1, 42},     {8, "1", good, 1, 42},          {16, "m", good, 1, 42},
        {3, "group", good, 1, 42},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_AlterConfigsResponse *resp = plan_alter(&h, 1, cases[i].type, cases[i].resource, cases[i].e, cases[i].n, false);
        if (resp->Responses.v[0].ErrorCode != cases[i].code)
            fail_msg("case %zu: code %d want %d", i, resp->Responses.v[0].ErrorCode, cases[i].code);
        assert_true(resp->Responses.v[0].ErrorMessage.len > 0);
        assert_int_equal(h.plan.record_count, 0);
    }
    /* the same resource twice */
    kr_AlterConfigsRequest req;
    kr_AlterConfigsRequest_init(&req);
    kr_AlterConfigsRequest_AlterConfigsResource r[2];
    for (int i = 0; i < 2; i++) {
        kr_AlterConfigsRequest_AlterConfigsResource_init(&r[i]);
        r[i].ResourceType = 2;
        r[i].ResourceName = S("orders");
    }
    req.Resources = (kr_AlterConfigsRequest_AlterConfigsResource_array){r, 2};
    assert_int_equal(kr_plan_AlterConfigs(&h.ctx, &h.img, &req, 0, &h.plan, &h.arena, NULL), KR_OK);
    kr_AlterConfigsResponse *resp = wire_response(&h);
    assert_int_equal(resp->Responses.v[0].ErrorCode, 42);
    assert_int_equal(resp->Responses.v[1].ErrorCode, 42);
    assert_int_equal(h.plan.record_count, 0);
    h_free(&h);
}

static kr_IncrementalAlterConfigsResponse *plan_incremental(harness *h, int16_t v, int8_t type, const char *resource,
                                                            const cfg_entry *e, int32_t n, bool validate_only) {
    kr_IncrementalAlterConfigsRequest req;
    kr_IncrementalAlterConfigsRequest_init(&req);
    kr_IncrementalAlterConfigsRequest_AlterConfigsResource r;
    kr_IncrementalAlterConfigsRequest_AlterConfigsResource_init(&r);
    r.ResourceType = type;
    r.ResourceName = S(resource);
    kr_IncrementalAlterConfigsRequest_AlterableConfig c[8];
    for (int32_t i = 0; i < n; i++) {
        kr_IncrementalAlterConfigsRequest_AlterableConfig_init(&c[i]);
        c[i].Name = S(e[i].name);
        c[i].Value = e[i].value ? S(e[i].value) : KR_STR_NULL;
        c[i].ConfigOperation = e[i].op;
    }
    r.Configs = (kr_IncrementalAlterConfigsRequest_AlterableConfig_array){c, n};
    req.Resources = (kr_IncrementalAlterConfigsRequest_AlterConfigsResource_array){&r, 1};
    req.ValidateOnly = validate_only;
    kr_IncrementalAlterConfigsRequest *wire = wire_request(h, KR_API_INCREMENTAL_ALTER_CONFIGS, v, &req);
    assert_int_equal(kr_plan_IncrementalAlterConfigs(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static void test_incremental_alter_configs_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 1; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        cfg_entry ops[] = {{"segment.ms", "60000", 0},
                           {"retention.ms", NULL, 1},
                           {"cleanup.policy", "delete", 2},
                           {"leader.replication.throttled.replicas", "0:1,0:2", 2}};
        kr_IncrementalAlterConfigsResponse *resp = plan_incremental(&h, v, 2, "logs.app", ops, 4, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 4);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 2, "logs.app", "segment.ms"), "60000");
        assert_null(cfg(&h, 2, "logs.app", "retention.ms"));
        assert_string_equal(cfg(&h, 2, "logs.app", "cleanup.policy"), "compact,delete");
        assert_string_equal(cfg(&h, 2, "logs.app", "leader.replication.throttled.replicas"), "0:1,0:2");
        cfg_entry sub[] = {{"cleanup.policy", "compact", 3}, {"leader.replication.throttled.replicas", "0:1", 3}};
        resp = plan_incremental(&h, v, 2, "logs.app", sub, 2, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 2, "logs.app", "cleanup.policy"), "delete");
        assert_string_equal(cfg(&h, 2, "logs.app", "leader.replication.throttled.replicas"), "0:2");
        /* APPEND to an unset list starts from Kafka's default (cleanup.policy=delete) */
        cfg_entry app[] = {{"cleanup.policy", "compact", 2}};
        resp = plan_incremental(&h, v, 2, "orders", app, 1, false);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 2, "orders", "cleanup.policy"), "delete,compact");
        /* unchanged topic values write nothing; broker values always */
        cfg_entry same[] = {{"retention.ms", "3600000", 0}};
        resp = plan_incremental(&h, v, 2, "orders", same, 1, false);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        cfg_entry b[] = {{"log.cleaner.threads", "2", 0}, {"log.retention.ms", NULL, 1}};
        resp = plan_incremental(&h, v, 4, "1", b, 2, false);
        assert_int_equal(h.plan.record_count, 2);
        apply_plan(&h);
        assert_string_equal(cfg(&h, 4, "1", "log.cleaner.threads"), "2");
        cfg_entry dry[] = {{"segment.ms", "1", 0}};
        resp = plan_incremental(&h, v, 2, "orders", dry, 1, true);
        assert_int_equal(resp->Responses.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        h_free(&h);
    }
}

static void test_incremental_alter_configs_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    cfg_entry append_scalar[] = {{"retention.ms", "1", 2}};
    cfg_entry subtract_scalar[] = {{"retention.ms", "1", 3}};
    cfg_entry bad_op[] = {{"retention.ms", "1", 9}};
    cfg_entry dup[] = {{"retention.ms", "1", 0}, {"retention.ms", NULL, 1}};
    cfg_entry bad_value[] = {{"cleanup.policy", "shred", 2}};
    cfg_entry unknown[] = {{"no.such", "1", 0}};
    cfg_entry broker_append[] = {{"num.io.threads", "1", 2}};
    struct {
        int8_t type;
        const char *resource;
        cfg_entry *e;
        int32_t n;
        int16_t code;
    } cases[] = {
        {2, "orders", append_scalar, 1, 40}, {2, "orders", subtract_scalar, 1, 40}, {2, "orders", bad_op, 1, 42},
        {2, "orders", dup, 2, 42},           {2, "orders", bad_value, 1, 40},       {2, "orders", unknown, 1, 40},
        {4, "1", broker_append, 1, 40},      {2, "gone", unknown, 1, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_IncrementalAlterConfigsResponse *resp =
            plan_incremental(&h, 1, cases[i].type, cases[i].resource, cases[i].e, cases[i].n, false);
        if (resp->Responses.v[0].ErrorCode != cases[i].code)
            fail_msg("case %zu: code %d want %d", i, resp->Responses.v[0].ErrorCode, cases[i].code);
        assert_int_equal(h.plan.record_count, 0);
    }
    h_free(&h);
}

/* ---- ACLs ------------------------------------------------------------------ */

static kr_CreateAclsRequest_AclCreation creation(int8_t rt, const char *name, int8_t pt, const char *principal,
                                                 const char *host, int8_t op, int8_t perm) {
    kr_CreateAclsRequest_AclCreation c;
    kr_CreateAclsRequest_AclCreation_init(&c);
    c.ResourceType = rt;
    c.ResourceName = S(name);
    c.ResourcePatternType = pt;
    c.Principal = S(principal);
    c.Host = host ? S(host) : KR_STR_NULL;
    c.Operation = op;
    c.PermissionType = perm;
    return c;
}

static kr_CreateAclsResponse *plan_create_acls(harness *h, int16_t v, kr_CreateAclsRequest_AclCreation *c, int32_t n) {
    kr_CreateAclsRequest req;
    kr_CreateAclsRequest_init(&req);
    req.Creations = (kr_CreateAclsRequest_AclCreation_array){c, n};
    kr_CreateAclsRequest *wire = wire_request(h, KR_API_CREATE_ACLS, v, &req);
    assert_int_equal(kr_plan_CreateAcls(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static bool has_acl(const kr_image *img, int8_t rt, const char *name, int8_t pt, const char *principal, int8_t op) {
    for (int32_t i = 0; i < img->acls.n; i++) {
        const kr_image_acl *a = &img->acls.v[i];
        if (a->resource_type == rt && strcmp(a->resource_name, name) == 0 && a->pattern_type == pt &&
            strcmp(a->principal, principal) == 0 && a->operation == op)
            return true;
    }
    return false;
}

static void test_create_acls_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 3; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        int8_t pt = v >= 1 ? 4 : 3; /* PREFIXED needs v1+ */
        kr_CreateAclsRequest_AclCreation c[3] = {
            creation(2, "payments", pt, "User:dave", "*", 4, 3),
            creation(4, "kafka-cluster", 3, "User:admin", "10.0.0.1", 2, 3),
            creation(2, "orders", 3, "User:alice", "*", 3, 3), /* already exists: accepted, no record */
        };
        kr_CreateAclsResponse *resp = plan_create_acls(&h, v, c, 3);
        assert_int_equal(resp->Results.n, 3);
        for (int i = 0; i < 3; i++) assert_int_equal(resp->Results.v[i].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 2);
        apply_plan(&h);
        assert_int_equal(h.img.acls.n, 5);
        assert_true(has_acl(&h.img, 2, "payments", pt, "User:dave", 4));
        assert_true(has_acl(&h.img, 4, "kafka-cluster", 3, "User:admin", 2));
        h_free(&h);
    }
}

static void test_create_acls_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    kr_CreateAclsRequest_AclCreation bad[] = {
        creation(2, "t", 1, "User:x", "*", 3, 3),            /* pattern ANY */
        creation(2, "t", 2, "User:x", "*", 3, 3),            /* pattern MATCH */
        creation(1, "t", 3, "User:x", "*", 3, 3),            /* resource ANY */
        creation(0, "t", 3, "User:x", "*", 3, 3),            /* resource UNKNOWN */
        creation(2, "t", 3, "User:x", "*", 1, 3),            /* operation ANY */
        creation(2, "t", 3, "User:x", "*", 3, 1),            /* permission ANY */
        creation(2, "", 3, "User:x", "*", 3, 3),             /* empty name */
        creation(4, "other", 3, "User:x", "*", 3, 3),        /* cluster name */
        creation(2, "t", 3, "alice", "*", 3, 3),             /* principal without type */
        creation(2, "t", 3, "User:x", "", 3, 3),             /* empty host */
    };
    int32_t n = sizeof bad / sizeof bad[0];
    kr_CreateAclsResponse *resp = plan_create_acls(&h, 3, bad, n);
    for (int32_t i = 0; i < n; i++) {
        if (resp->Results.v[i].ErrorCode != 42) fail_msg("case %d: code %d", i, resp->Results.v[i].ErrorCode);
        assert_true(resp->Results.v[i].ErrorMessage.len > 0);
    }
    assert_int_equal(h.plan.record_count, 0);
    /* the same new binding twice in one request: one record */
    kr_CreateAclsRequest_AclCreation twice[2] = {creation(3, "g", 3, "User:x", "*", 3, 3),
                                                 creation(3, "g", 3, "User:x", "*", 3, 3)};
    resp = plan_create_acls(&h, 3, twice, 2);
    assert_int_equal(h.plan.record_count, 1);
    apply_plan(&h);
    assert_int_equal(h.img.acls.n, 4);
    h_free(&h);
}

static kr_DeleteAclsRequest_DeleteAclsFilter acl_filter(int8_t rt, const char *name, int8_t pt, const char *principal,
                                                        int8_t op, int8_t perm) {
    kr_DeleteAclsRequest_DeleteAclsFilter f;
    kr_DeleteAclsRequest_DeleteAclsFilter_init(&f);
    f.ResourceTypeFilter = rt;
    f.ResourceNameFilter = name ? S(name) : KR_STR_NULL;
    f.PatternTypeFilter = pt;
    f.PrincipalFilter = principal ? S(principal) : KR_STR_NULL;
    f.HostFilter = KR_STR_NULL;
    f.Operation = op;
    f.PermissionType = perm;
    return f;
}

static kr_DeleteAclsResponse *plan_delete_acls(harness *h, int16_t v, kr_DeleteAclsRequest_DeleteAclsFilter *f, int32_t n) {
    kr_DeleteAclsRequest req;
    kr_DeleteAclsRequest_init(&req);
    req.Filters = (kr_DeleteAclsRequest_DeleteAclsFilter_array){f, n};
    kr_DeleteAclsRequest *wire = wire_request(h, KR_API_DELETE_ACLS, v, &req);
    assert_int_equal(kr_plan_DeleteAcls(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static void test_delete_acls_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 3; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        /* v0 filters are LITERAL only: alice's two literal ACLs */
        kr_DeleteAclsRequest_DeleteAclsFilter f[2] = {acl_filter(1, NULL, 3, "User:alice", 1, 1),
                                                      acl_filter(2, "orders", 3, NULL, 3, 1)};
        kr_DeleteAclsResponse *resp = plan_delete_acls(&h, v, f, 2);
        assert_int_equal(resp->FilterResults.n, 2);
        assert_int_equal(resp->FilterResults.v[0].ErrorCode, 0);
        assert_int_equal(resp->FilterResults.v[0].MatchingAcls.n, 2);
        assert_int_equal(resp->FilterResults.v[1].MatchingAcls.n, 1); /* also matched by the first filter */
        assert_true(kr_str_eq_c(resp->FilterResults.v[1].MatchingAcls.v[0].Principal, "User:alice"));
        assert_int_equal(h.plan.record_count, 2); /* one record per ACL */
        assert_int_equal(record_type(&h, 0, NULL), KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD);
        apply_plan(&h);
        assert_int_equal(h.img.acls.n, 1);
        assert_true(has_acl(&h.img, 2, "ord", 4, "User:bob", 4));
        if (v >= 1) { /* MATCH: the prefixed "ord" ACL applies to topic "orders-eu" */
            kr_DeleteAclsRequest_DeleteAclsFilter m = acl_filter(2, "orders-eu", 2, NULL, 1, 1);
            resp = plan_delete_acls(&h, v, &m, 1);
            assert_int_equal(resp->FilterResults.v[0].MatchingAcls.n, 1);
            assert_int_equal(resp->FilterResults.v[0].MatchingAcls.v[0].PatternType, 4);
            apply_plan(&h);
            assert_int_equal(h.img.acls.n, 0);
        }
        h_free(&h);
    }
}

static void test_delete_acls_filters(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    struct {
        kr_DeleteAclsRequest_DeleteAclsFilter f;
        int16_t code;
        int32_t matches;
    } cases[] = {
        {acl_filter(0, NULL, 1, NULL, 1, 1), 42, 0},          /* UNKNOWN resource type */
        {acl_filter(1, NULL, 0, NULL, 1, 1), 42, 0},          /* UNKNOWN pattern */
        {acl_filter(1, NULL, 1, NULL, 0, 1), 42, 0},          /* UNKNOWN operation */
        {acl_filter(1, NULL, 1, NULL, 1, 0), 42, 0},          /* UNKNOWN permission */
        {acl_filter(1, NULL, 1, NULL, 1, 1), 0, 3},           /* everything */
        {acl_filter(1, "*", 2, NULL, 1, 1), 0, 1},            /* MATCH "*": the literal wildcard group ACL */
        {acl_filter(3, "any-group", 2, NULL, 1, 1), 0, 1},    /* MATCH: wildcard applies */
        {acl_filter(2, "ord", 1, NULL, 1, 1), 0, 1},          /* ANY pattern, exact name */
        {acl_filter(2, "ord", 3, NULL, 1, 1), 0, 0},          /* LITERAL "ord": the ACL is PREFIXED */
        {acl_filter(1, NULL, 1, "User:bob", 4, 3), 0, 1},     /* principal + op + permission */
        {acl_filter(1, NULL, 1, "User:bob", 4, 2), 0, 0},     /* DENY: none */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_DeleteAclsResponse *resp = plan_delete_acls(&h, 3, &cases[i].f, 1);
        if (resp->FilterResults.v[0].ErrorCode != cases[i].code ||
            resp->FilterResults.v[0].MatchingAcls.n != cases[i].matches)
            fail_msg("case %zu: code %d matches %d", i, resp->FilterResults.v[0].ErrorCode,
                     resp->FilterResults.v[0].MatchingAcls.n);
        assert_int_equal(h.plan.record_count, cases[i].matches);
    }
    h_free(&h);
}

/* ---- AlterClientQuotas ------------------------------------------------------ */

typedef struct quota_op {
    const char *key;
    double value;
    bool remove;
} quota_op;

static kr_AlterClientQuotasResponse *plan_quota(harness *h, int16_t v, const char *type1, const char *name1,
                                                const char *type2, const char *name2, const quota_op *ops, int32_t n,
                                                bool validate_only) {
    kr_AlterClientQuotasRequest req;
    kr_AlterClientQuotasRequest_init(&req);
    kr_AlterClientQuotasRequest_EntryData e;
    kr_AlterClientQuotasRequest_EntryData_init(&e);
    kr_AlterClientQuotasRequest_EntityData ent[2];
    int32_t parts = 0;
    const char *types[2] = {type1, type2}, *names[2] = {name1, name2};
    for (int i = 0; i < 2; i++) {
        if (!types[i]) continue;
        kr_AlterClientQuotasRequest_EntityData_init(&ent[parts]);
        ent[parts].EntityType = S(types[i]);
        ent[parts].EntityName = names[i] ? S(names[i]) : KR_STR_NULL;
        parts++;
    }
    e.Entity = (kr_AlterClientQuotasRequest_EntityData_array){ent, parts};
    kr_AlterClientQuotasRequest_OpData o[4];
    for (int32_t i = 0; i < n; i++) {
        kr_AlterClientQuotasRequest_OpData_init(&o[i]);
        o[i].Key = S(ops[i].key);
        o[i].Value = ops[i].value;
        o[i].Remove = ops[i].remove;
    }
    e.Ops = (kr_AlterClientQuotasRequest_OpData_array){o, n};
    req.Entries = (kr_AlterClientQuotasRequest_EntryData_array){&e, 1};
    req.ValidateOnly = validate_only;
    kr_AlterClientQuotasRequest *wire = wire_request(h, KR_API_ALTER_CLIENT_QUOTAS, v, &req);
    assert_int_equal(kr_plan_AlterClientQuotas(&h->ctx, &h->img, wire, v, &h->plan, &h->arena, NULL), KR_OK);
    return wire_response(h);
}

static const kr_image_quota *find_quota(const kr_image *img, const char *type, const char *name, const char *key) {
    for (int32_t i = 0; i < img->quotas.n; i++) {
        const kr_image_quota *q = &img->quotas.v[i];
        if (q->entity_parts == 1 && strcmp(q->entity[0].type, type) == 0 &&
            (name ? q->entity[0].name && strcmp(q->entity[0].name, name) == 0 : !q->entity[0].name) &&
            strcmp(q->key, key) == 0)
            return q;
    }
    return NULL;
}

static void test_alter_client_quotas_every_version(void **state) {
    (void)state;
    for (int16_t v = 0; v <= 1; v++) {
        harness h;
        h_init(&h, KR_MV_3_9_IV0, false);
        quota_op alice[] = {{"producer_byte_rate", 0, true}, {"consumer_byte_rate", 2048, false},
                            {"request_percentage", 12.5, false}};
        kr_AlterClientQuotasResponse *resp = plan_quota(&h, v, "user", "alice", NULL, NULL, alice, 3, false);
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        assert_true(kr_str_eq_c(resp->Entries.v[0].Entity.v[0].EntityName, "alice"));
        assert_int_equal(h.plan.record_count, 3);
        apply_plan(&h);
        assert_null(find_quota(&h.img, "user", "alice", "producer_byte_rate"));
        assert_true(find_quota(&h.img, "user", "alice", "consumer_byte_rate")->value == 2048);
        quota_op def[] = {{"producer_byte_rate", 1e6, false}};
        resp = plan_quota(&h, v, "user", NULL, NULL, NULL, def, 1, false); /* the default user */
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_non_null(find_quota(&h.img, "user", NULL, "producer_byte_rate"));
        quota_op ip[] = {{"connection_creation_rate", 10, false}};
        resp = plan_quota(&h, v, "ip", "192.168.0.1", NULL, NULL, ip, 1, false);
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        apply_plan(&h);
        assert_non_null(find_quota(&h.img, "ip", "192.168.0.1", "connection_creation_rate"));
        quota_op both[] = {{"producer_byte_rate", 5, false}};
        resp = plan_quota(&h, v, "client-id", "app", "user", "alice", both, 1, false);
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        apply_plan(&h);
        /* unchanged values and absent removals write nothing; validateOnly writes nothing */
        quota_op same[] = {{"consumer_byte_rate", 2048, false}, {"controller_mutation_rate", 0, true}};
        resp = plan_quota(&h, v, "user", "alice", NULL, NULL, same, 2, false);
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        resp = plan_quota(&h, v, "user", "zed", NULL, NULL, def, 1, true);
        assert_int_equal(resp->Entries.v[0].ErrorCode, 0);
        assert_int_equal(h.plan.record_count, 0);
        h_free(&h);
    }
}

static void test_alter_client_quotas_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    quota_op good[] = {{"producer_byte_rate", 5, false}};
    quota_op unknown[] = {{"bogus_rate", 5, false}};
    quota_op fractional[] = {{"producer_byte_rate", 5.5, false}};
    quota_op ip_key_on_user[] = {{"connection_creation_rate", 5, false}};
    quota_op too_big[] = {{"connection_creation_rate", 3e9, false}};
    struct {
        const char *t1, *n1, *t2, *n2;
        quota_op *ops;
        int16_t code;
    } cases[] = {
        {"user", "a", NULL, NULL, unknown, 42},       {"user", "a", NULL, NULL, fractional, 42},
        {"user", "a", NULL, NULL, ip_key_on_user, 42}, {"ip", "1.2.3.4", NULL, NULL, too_big, 42},
        {"ip", "not-an-ip", NULL, NULL, good, 42},     {"ip", "1.2.3.4", "user", "a", good, 42},
        {"group", "g", NULL, NULL, good, 42},          {"user", "", NULL, NULL, good, 42},
        {"user", "a", "user", "b", good, 42},          {NULL, NULL, NULL, NULL, good, 42},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_AlterClientQuotasResponse *resp =
            plan_quota(&h, 1, cases[i].t1, cases[i].n1, cases[i].t2, cases[i].n2, cases[i].ops, 1, false);
        if (resp->Entries.v[0].ErrorCode != cases[i].code)
            fail_msg("case %zu: code %d", i, resp->Entries.v[0].ErrorCode);
        assert_true(resp->Entries.v[0].ErrorMessage.len > 0);
        assert_int_equal(h.plan.record_count, 0);
    }
    h_free(&h);
}

/* ---- AlterUserScramCredentials --------------------------------------------- */

/* One SCRAM login against the image's credentials, the client computed with OpenSSL. */
static kr_image *login_image;

static bool image_lookup(void *ctx, const char *user, int mechanism, kr_scram_credential *out) {
    (void)ctx;
    for (int32_t i = 0; i < login_image->scram.n; i++) {
        const kr_image_scram *s = &login_image->scram.v[i];
        if (s->mechanism != mechanism || strcmp(s->user, user) != 0) continue;
        memset(out, 0, sizeof *out);
        out->mechanism = mechanism;
        memcpy(out->salt, s->salt, (size_t)s->salt_len);
        out->salt_len = (size_t)s->salt_len;
        memcpy(out->stored_key, s->stored_key, (size_t)s->stored_key_len);
        memcpy(out->server_key, s->server_key, (size_t)s->server_key_len);
        out->iterations = s->iterations;
        return true;
    }
    return false;
}

static int scram_login(kr_image *img, int mechanism, const char *user, const char *password) {
    login_image = img;
    const EVP_MD *md = mechanism == KR_SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512();
    int hl = EVP_MD_size(md);
    kr_scram_server s;
    kr_scram_server_init(&s, mechanism);
    char first[256], server_first[1024], final[1024], cfwp[1024], out[256], proof64[200];
    snprintf(first, sizeof first, "n,,n=%s,r=clientnonce", user);
    int rc = kr_scram_server_first(&s, first, strlen(first), image_lookup, NULL, NULL, server_first,
                                   sizeof server_first, NULL);
    if (rc != KR_OK) return rc;
    const char *nonce = server_first + 2;
    int nonce_len = (int)strcspn(nonce, ",");
    const char *salt64 = strstr(server_first, ",s=") + 3;
    uint8_t salt[256];
    long salt_len = kr_base64_decode(salt64, strcspn(salt64, ","), salt, sizeof salt);
    int iterations = atoi(strstr(server_first, ",i=") + 3);
    snprintf(cfwp, sizeof cfwp, "c=biws,r=%.*s", nonce_len, nonce);
    uint8_t salted[64], ck[64], sk[64], sig[64], proof[64];
    unsigned len;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, md, hl, salted);
    HMAC(md, salted, hl, (const uint8_t *)"Client Key", 10, ck, &len);
    EVP_Digest(ck, (size_t)hl, sk, &len, md, NULL);
    char am[2048];
    snprintf(am, sizeof am, "%s,%s,%s", first + 3, server_first, cfwp);
    HMAC(md, sk, hl, (const uint8_t *)am, strlen(am), sig, &len);
    for (int i = 0; i < hl; i++) proof[i] = ck[i] ^ sig[i];
    kr_base64_encode(proof, (size_t)hl, proof64, sizeof proof64);
    snprintf(final, sizeof final, "%s,p=%s", cfwp, proof64);
    return kr_scram_server_final(&s, final, strlen(final), out, sizeof out, NULL);
}

typedef struct scram_op {
    const char *user;
    int8_t mechanism;
    int32_t iterations;
    const char *password; /* NULL = deletion */
    int32_t salted_len;   /* 0 = the mechanism's */
} scram_op;

static uint8_t salted_store[8][64];

static kr_AlterUserScramCredentialsResponse *plan_scram(harness *h, const scram_op *ops, int32_t n) {
    kr_AlterUserScramCredentialsRequest req;
    kr_AlterUserScramCredentialsRequest_init(&req);
    kr_AlterUserScramCredentialsRequest_ScramCredentialDeletion d[8];
    kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion u[8];
    int32_t nd = 0, nu = 0;
    static const uint8_t salt[] = "client-chosen-salt";
    for (int32_t i = 0; i < n; i++) {
        if (!ops[i].password) {
            kr_AlterUserScramCredentialsRequest_ScramCredentialDeletion_init(&d[nd]);
            d[nd].Name = S(ops[i].user);
            d[nd++].Mechanism = ops[i].mechanism;
            continue;
        }
        kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion_init(&u[nu]);
        u[nu].Name = S(ops[i].user);
        u[nu].Mechanism = ops[i].mechanism;
        u[nu].Iterations = ops[i].iterations;
        u[nu].Salt = (kr_bytes){salt, sizeof salt - 1};
        int mech = ops[i].mechanism == 1 ? 1 : 2;
        int32_t iterations = ops[i].iterations >= 1 && ops[i].iterations <= 20000 ? ops[i].iterations : 4096;
        assert_int_equal(kr_scram_salted_password(mech, ops[i].password, strlen(ops[i].password), salt, sizeof salt - 1,
                                                  iterations, salted_store[nu], NULL),
                         KR_OK);
        u[nu].SaltedPassword = (kr_bytes){salted_store[nu], ops[i].salted_len ? ops[i].salted_len : (int32_t)kr_scram_hash_len(mech)};
        nu++;
    }
    req.Deletions = (kr_AlterUserScramCredentialsRequest_ScramCredentialDeletion_array){d, nd};
    req.Upsertions = (kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion_array){u, nu};
    kr_AlterUserScramCredentialsRequest *wire = wire_request(h, KR_API_ALTER_USER_SCRAM_CREDENTIALS, 0, &req);
    assert_int_equal(kr_plan_AlterUserScramCredentials(&h->ctx, &h->img, wire, 0, &h->plan, &h->arena, NULL), KR_OK);
    /* the response never carries a secret */
    kr_buf b = {0};
    assert_int_equal(kr_write_plan_encode_response(&h->plan, &b, NULL), KR_OK);
    for (int32_t i = 0; i < nu; i++)
        assert_null(memmem(b.data, b.len, salted_store[i], 16));
    kr_buf_free(&b);
    return wire_response(h);
}

static int16_t user_code(const kr_AlterUserScramCredentialsResponse *r, const char *user) {
    for (int32_t i = 0; i < r->Results.n; i++)
        if (kr_str_eq_c(r->Results.v[i].User, user)) return r->Results.v[i].ErrorCode;
    fail_msg("no result for %s", user);
    return -1;
}

static void test_alter_scram_upsert_delete_login(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    assert_int_equal(scram_login(&h.img, KR_SCRAM_SHA_512, "carol", "carol-pw"), KR_OK);
    scram_op ops[] = {{"alice", 1, 4096, "alice-secret", 0},
                      {"alice", 2, 8192, "alice-secret-512", 0},
                      {"carol", 2, 0, NULL, 0}};
    kr_AlterUserScramCredentialsResponse *resp = plan_scram(&h, ops, 3);
    assert_int_equal(resp->Results.n, 2);
    assert_int_equal(user_code(resp, "alice"), 0);
    assert_int_equal(user_code(resp, "carol"), 0);
    assert_int_equal(h.plan.record_count, 3);
    assert_int_equal(record_type(&h, 0, NULL), KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD);
    apply_plan(&h);
    assert_int_equal(scram_login(&h.img, KR_SCRAM_SHA_256, "alice", "alice-secret"), KR_OK);
    assert_int_equal(scram_login(&h.img, KR_SCRAM_SHA_512, "alice", "alice-secret-512"), KR_OK);
    assert_int_not_equal(scram_login(&h.img, KR_SCRAM_SHA_256, "alice", "wrong"), KR_OK);
    assert_int_not_equal(scram_login(&h.img, KR_SCRAM_SHA_512, "carol", "carol-pw"), KR_OK);
    /* replacing a password: the old one stops working */
    scram_op change[] = {{"alice", 1, 4096, "new-secret", 0}};
    resp = plan_scram(&h, change, 1);
    assert_int_equal(user_code(resp, "alice"), 0);
    apply_plan(&h);
    assert_int_equal(scram_login(&h.img, KR_SCRAM_SHA_256, "alice", "new-secret"), KR_OK);
    assert_int_not_equal(scram_login(&h.img, KR_SCRAM_SHA_256, "alice", "alice-secret"), KR_OK);
    h_free(&h);
}

static void test_alter_scram_validation(void **state) {
    (void)state;
    harness h;
    h_init(&h, KR_MV_3_9_IV0, false);
    scram_op ops[] = {
        {"ghost", 1, 0, NULL, 0},               /* delete missing: RESOURCE_NOT_FOUND */
        {"dup", 1, 4096, "x", 0},               /* same (user, mechanism) twice: DUPLICATE_RESOURCE */
        {"dup", 1, 0, NULL, 0},
        {"few", 1, 100, "x", 0},                /* UNACCEPTABLE_CREDENTIAL */
        {"many", 2, 20000, "x", 0},             /* UNACCEPTABLE_CREDENTIAL */
        {"mech", 7, 4096, "x", 0},              /* UNSUPPORTED_SASL_MECHANISM */
        {"", 1, 4096, "x", 0},                  /* empty user */
        {"short", 1, 4096, "x", 10},            /* salted password of the wrong length */
    };
    kr_AlterUserScramCredentialsResponse *resp = plan_scram(&h, ops, 8);
    assert_int_equal(user_code(resp, "ghost"), 91);
    assert_int_equal(user_code(resp, "dup"), 92);
    assert_int_equal(user_code(resp, "few"), 93);
    assert_int_equal(user_code(resp, "many"), 93);
    assert_int_equal(user_code(resp, "mech"), 33);
    assert_int_equal(user_code(resp, ""), 93);
    assert_int_equal(user_code(resp, "short"), 93);
    assert_int_equal(h.plan.record_count, 0);
    /* one failed operation fails the user's others; other users proceed */
    scram_op mixed[] = {{"erin", 1, 4096, "ok", 0}, {"erin", 2, 1, "bad", 0}, {"frank", 1, 4096, "ok", 0}};
    resp = plan_scram(&h, mixed, 3);
    assert_int_equal(user_code(resp, "erin"), 93);
    assert_int_equal(user_code(resp, "frank"), 0);
    assert_int_equal(h.plan.record_count, 1);
    apply_plan(&h);
    h_free(&h);
    /* below 3.5-IV2 there is no SCRAM record */
    h_init(&h, KR_MV_3_4_IV0, false);
    scram_op one[] = {{"alice", 1, 4096, "pw", 0}};
    resp = plan_scram(&h, one, 1);
    assert_int_equal(user_code(resp, "alice"), 35);
    assert_int_equal(h.plan.record_count, 0);
    h_free(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broker_rule),
        cmocka_unit_test(test_create_topics_every_version),
        cmocka_unit_test(test_create_topics_record_versions),
        cmocka_unit_test(test_create_topics_validate_only),
        cmocka_unit_test(test_create_topics_validation),
        cmocka_unit_test(test_create_topics_request_rules),
        cmocka_unit_test(test_delete_topics_every_version),
        cmocka_unit_test(test_delete_topics_by_id_and_errors),
        cmocka_unit_test(test_create_partitions_every_version),
        cmocka_unit_test(test_create_partitions_validation),
        cmocka_unit_test(test_alter_configs_every_version),
        cmocka_unit_test(test_alter_configs_validation),
        cmocka_unit_test(test_incremental_alter_configs_every_version),
        cmocka_unit_test(test_incremental_alter_configs_validation),
        cmocka_unit_test(test_create_acls_every_version),
        cmocka_unit_test(test_create_acls_validation),
        cmocka_unit_test(test_delete_acls_every_version),
        cmocka_unit_test(test_delete_acls_filters),
        cmocka_unit_test(test_alter_client_quotas_every_version),
        cmocka_unit_test(test_alter_client_quotas_validation),
        cmocka_unit_test(test_alter_scram_upsert_delete_login),
        cmocka_unit_test(test_alter_scram_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
