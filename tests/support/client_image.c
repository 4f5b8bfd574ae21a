/* The client-API tests' image (see client_image.h). */
#include "tests/support/client_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/scram.h"

/* Not cmocka: support code also links into the fuzz targets. */
static void die(const char *what, const char *why) {
    fprintf(stderr, "test image: %s: %s\n", what, why);
    abort();
}

kr_uuid test_topic_id(uint8_t n) {
    kr_uuid u = {{0}};
    u.b[0] = 0x10;
    u.b[15] = n;
    return u;
}

void test_image_apply(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(img, rec, &err) != KR_OK) die(kr_record_type_name(rec->api_key), err.message);
}

static void add_topic(kr_image *img, const char *name, uint8_t id, int partitions, const int32_t *replicas, int rf) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c(name);
    rec.u.TopicRecord.TopicId = test_topic_id(id);
    test_image_apply(img, &rec);
    for (int p = 0; p < partitions; p++) {
        kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
        kr_PartitionRecord *pr = &rec.u.PartitionRecord;
        pr->PartitionId = p;
        pr->TopicId = test_topic_id(id);
        pr->Replicas = (kr_array_i32){(int32_t *)replicas, rf};
        pr->Isr = (kr_array_i32){(int32_t *)replicas, rf};
        pr->Leader = replicas[p % rf];
        pr->LeaderEpoch = 4 + p;
        pr->PartitionEpoch = 9;
        test_image_apply(img, &rec);
    }
}

static void set_config(kr_image *img, int8_t type, const char *res, const char *name, const char *value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = kr_str_c(res);
    rec.u.ConfigRecord.Name = kr_str_c(name);
    rec.u.ConfigRecord.Value = kr_str_c(value);
    test_image_apply(img, &rec);
}

static void add_broker(kr_image *img, int32_t id, bool fenced) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 3);
    rec.u.RegisterBrokerRecord.BrokerId = id;
    rec.u.RegisterBrokerRecord.BrokerEpoch = 10 + id;
    rec.u.RegisterBrokerRecord.IncarnationId = test_topic_id((uint8_t)(200 + id));
    rec.u.RegisterBrokerRecord.Fenced = fenced;
    test_image_apply(img, &rec);
}

static void add_quota(kr_image *img, const char *t1, const char *n1, const char *t2, const char *n2, const char *key,
                      double value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    kr_ClientQuotaRecord_EntityData e[2];
    kr_ClientQuotaRecord_EntityData_init(&e[0]);
    kr_ClientQuotaRecord_EntityData_init(&e[1]);
    e[0].EntityType = kr_str_c(t1);
    e[0].EntityName = kr_str_c(n1);
    e[1].EntityType = kr_str_c(t2);
    e[1].EntityName = kr_str_c(n2);
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){e, t2 ? 2 : 1};
    rec.u.ClientQuotaRecord.Key = kr_str_c(key);
    rec.u.ClientQuotaRecord.Value = value;
    test_image_apply(img, &rec);
}

static void add_acl(kr_image *img, uint8_t id, int8_t rtype, const char *name, int8_t pattern, const char *principal,
                    int8_t op, int8_t perm) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    kr_AccessControlEntryRecord *a = &rec.u.AccessControlEntryRecord;
    a->Id = test_topic_id((uint8_t)(100 + id));
    a->ResourceType = rtype;
    a->ResourceName = kr_str_c(name);
    a->PatternType = pattern;
    a->Principal = kr_str_c(principal);
    a->Host = kr_str_c("*");
    a->Operation = op;
    a->PermissionType = perm;
    test_image_apply(img, &rec);
}

void test_add_scram(kr_image *img, const char *user, int mechanism, const char *password, int32_t iterations) {
    char salt[64];
    snprintf(salt, sizeof salt, "salt-of-%s", user);
    kr_scram_credential cred;
    kr_error err = {0};
    if (kr_scram_credential_from_password(mechanism, password, (const uint8_t *)salt, strlen(salt), iterations, &cred,
                                          &err) != KR_OK)
        die("scram", err.message);
    size_t h = kr_scram_hash_len(mechanism);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    kr_UserScramCredentialRecord *r = &rec.u.UserScramCredentialRecord;
    r->Name = kr_str_c(user);
    r->Mechanism = (int8_t)mechanism;
    r->Salt = (kr_bytes){cred.salt, (int32_t)cred.salt_len};
    r->StoredKey = (kr_bytes){cred.stored_key, (int32_t)h};
    r->ServerKey = (kr_bytes){cred.server_key, (int32_t)h};
    r->Iterations = iterations;
    test_image_apply(img, &rec);
}

void test_client_image(kr_image *img) {
    kr_image_init(img);
    add_broker(img, 1, false);
    add_broker(img, 2, false);
    add_broker(img, 4, true); /* fenced */
    static const int32_t r123[] = {1, 2, 3}, r24[] = {2, 4}, r12[] = {1, 2};
    add_topic(img, "orders", 1, 3, r123, 3);     /* replica 3 unregistered: offline */
    add_topic(img, "payments", 2, 2, r24, 2);    /* replica 4 fenced: offline */
    add_topic(img, "__consumer_offsets", 3, 1, r12, 2);
    /* payments-1 loses its leader */
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.TopicId = test_topic_id(2);
    rec.u.PartitionChangeRecord.PartitionId = 1;
    rec.u.PartitionChangeRecord.Leader = -1;
    test_image_apply(img, &rec);

    set_config(img, 2, "orders", "retention.ms", "86400000");
    set_config(img, 2, "orders", "cleanup.policy", "compact");
    set_config(img, 2, "orders", "legacy.custom.key", "x");
    set_config(img, 4, "", "log.retention.ms", "10800000");
    set_config(img, 4, "", "log.segment.bytes", "536870912");
    set_config(img, 4, "", "listener.name.internal.ssl.keystore.password", "hunter2");
    set_config(img, 4, "3001", "message.max.bytes", "2000000");
    set_config(img, 4, "1", "log.roll.hours", "12");
    set_config(img, 16, "metrics1", "interval.ms", "5000");

    add_quota(img, "user", "alice", NULL, NULL, "producer_byte_rate", 1024);
    add_quota(img, "user", "alice", NULL, NULL, "consumer_byte_rate", 2048);
    add_quota(img, "user", NULL, NULL, NULL, "producer_byte_rate", 512);
    add_quota(img, "client-id", "app", NULL, NULL, "request_percentage", 50);
    add_quota(img, "user", "alice", "client-id", "app", "producer_byte_rate", 100);
    add_quota(img, "ip", "10.0.0.1", NULL, NULL, "connection_creation_rate", 5);

    test_add_scram(img, "alice", 1, "alice-secret", TEST_SCRAM_ITERATIONS);
    test_add_scram(img, "alice", 2, "alice-secret", 8192);
    test_add_scram(img, "bob", 2, "bob-secret", TEST_SCRAM_ITERATIONS);

    /* resource 2 topic, 3 group; pattern 3 literal, 4 prefixed; op 3 read, 4 write; perm 2 deny, 3 allow */
    add_acl(img, 1, 2, "orders", 3, "User:alice", 3, 3);
    add_acl(img, 2, 2, "orders", 3, "User:bob", 4, 2);
    add_acl(img, 3, 2, "ord", 4, "User:carol", 3, 3);
    add_acl(img, 4, 2, "*", 3, "User:dave", 3, 3);
    add_acl(img, 5, 3, "grp", 3, "User:alice", 3, 3);
}

static const kr_client_node test_controllers[] = {
    {3000, "c0.example", 9093, NULL},
    {3001, "c1.example", 9093, "rack-b"},
    {3002, "c2.example", 9093, NULL},
};

void test_client_ctx(kr_client_ctx *ctx, const kr_properties *static_cfg) {
    *ctx = (kr_client_ctx){
        .cluster_id = TEST_CLUSTER_ID,
        .node_id = 3001,
        .leader_id = 3002,
        .controllers = test_controllers,
        .controller_count = 3,
        .principal = "User:ANONYMOUS",
        .static_config = static_cfg,
    };
}
