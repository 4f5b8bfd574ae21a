/* libFuzzer: random bytes as each write request (kraft/client_write.h).
 * Input: one byte picks the API, one byte the version, the rest is the
 * request body, decoded with the generated decoder. Whatever decodes is
 * planned against a small image; the plan must succeed, its response must
 * encode at that version, and every planned record must decode and replay
 * onto the image without error. Seeds: tests/fuzz/seeds_write_plans.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kraft/client_write.h"
#include "kraft/scram.h"

typedef int (*plan_fn)(const kr_write_ctx *, const kr_image *, const void *, int16_t, kr_write_plan *, kr_arena *,
                       kr_error *);

/* Wrappers with one signature (calling through a cast pointer would be undefined). */
#define WRAP(Api)                                                                                               \
    static int plan_##Api(const kr_write_ctx *c, const kr_image *i, const void *q, int16_t v, kr_write_plan *p, \
                          kr_arena *a, kr_error *e) {                                                           \
        return kr_plan_##Api(c, i, (const kr_##Api##Request *)q, v, p, a, e);                                   \
    }
WRAP(CreateTopics)
WRAP(DeleteTopics)
WRAP(CreatePartitions)
WRAP(AlterConfigs)
WRAP(IncrementalAlterConfigs)
WRAP(CreateAcls)
WRAP(DeleteAcls)
WRAP(AlterClientQuotas)
WRAP(AlterUserScramCredentials)

static const struct {
    int16_t api_key;
    plan_fn plan;
} apis[] = {
    {KR_API_CREATE_TOPICS, plan_CreateTopics},
    {KR_API_DELETE_TOPICS, plan_DeleteTopics},
    {KR_API_CREATE_PARTITIONS, plan_CreatePartitions},
    {KR_API_ALTER_CONFIGS, plan_AlterConfigs},
    {KR_API_INCREMENTAL_ALTER_CONFIGS, plan_IncrementalAlterConfigs},
    {KR_API_CREATE_ACLS, plan_CreateAcls},
    {KR_API_DELETE_ACLS, plan_DeleteAcls},
    {KR_API_ALTER_CLIENT_QUOTAS, plan_AlterClientQuotas},
    {KR_API_ALTER_USER_SCRAM_CREDENTIALS, plan_AlterUserScramCredentials},
};
#define API_COUNT (sizeof apis / sizeof apis[0])

static void must(int rc, const kr_error *err, const char *what) {
    if (rc == KR_OK) return;
    fprintf(stderr, "%s: %s\n", what, err->message);
    abort();
}

static void add(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    must(kr_image_apply(img, rec, &err), &err, "fixture");
}

/* Two topics on brokers 1-3 with configs, one whose partition has no
 * replicas, an ACL, a quota, a SCRAM user; brokers registered (3 fenced) or
 * only named in the assignments. */
static void build_image(kr_image *img, bool registered) {
    static const kr_uuid ids[2] = {{{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, {{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}}};
    static const char *names[2] = {"orders", "logs.app"};
    static int32_t replicas[3][3] = {{1, 2, 3}, {2, 3, 1}, {3, 1, 2}};
    kr_image_init(img);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    add(img, &rec);
    for (int b = 1; registered && b <= 3; b++) {
        kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 3);
        rec.u.RegisterBrokerRecord.BrokerId = b;
        rec.u.RegisterBrokerRecord.BrokerEpoch = b;
        rec.u.RegisterBrokerRecord.Fenced = b == 3;
        add(img, &rec);
    }
    static const kr_uuid hollow_id = {{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}};
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("hollow");
    rec.u.TopicRecord.TopicId = hollow_id;
    add(img, &rec);
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
    rec.u.PartitionRecord.TopicId = hollow_id;
    rec.u.PartitionRecord.PartitionId = 0;
    add(img, &rec);
    for (int t = 0; t < 2; t++) {
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(names[t]);
        rec.u.TopicRecord.TopicId = ids[t];
        add(img, &rec);
        for (int p = 0; p < 3; p++) {
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
            rec.u.PartitionRecord.TopicId = ids[t];
            rec.u.PartitionRecord.PartitionId = p;
            rec.u.PartitionRecord.Replicas = (kr_array_i32){replicas[p], 3};
            rec.u.PartitionRecord.Isr = (kr_array_i32){replicas[p], 3};
            rec.u.PartitionRecord.Leader = replicas[p][0];
            add(img, &rec);
        }
        kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
        rec.u.ConfigRecord.ResourceType = 2;
        rec.u.ConfigRecord.ResourceName = kr_str_c(names[t]);
        rec.u.ConfigRecord.Name = kr_str_c("cleanup.policy");
        rec.u.ConfigRecord.Value = kr_str_c("compact");
        add(img, &rec);
    }
    kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    memset(rec.u.AccessControlEntryRecord.Id.b, 0xA1, 16);
    rec.u.AccessControlEntryRecord.ResourceType = 2;
    rec.u.AccessControlEntryRecord.ResourceName = kr_str_c("orders");
    rec.u.AccessControlEntryRecord.PatternType = 3;
    rec.u.AccessControlEntryRecord.Principal = kr_str_c("User:alice");
    rec.u.AccessControlEntryRecord.Host = kr_str_c("*");
    rec.u.AccessControlEntryRecord.Operation = 3;
    rec.u.AccessControlEntryRecord.PermissionType = 3;
    add(img, &rec);
    kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    kr_ClientQuotaRecord_EntityData ent = {.EntityType = kr_str_c("user"), .EntityName = kr_str_c("alice")};
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){&ent, 1};
    rec.u.ClientQuotaRecord.Key = kr_str_c("producer_byte_rate");
    rec.u.ClientQuotaRecord.Value = 1000;
    add(img, &rec);
    static uint8_t key[64];
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.UserScramCredentialRecord.Name = kr_str_c("alice");
    rec.u.UserScramCredentialRecord.Mechanism = 1;
    rec.u.UserScramCredentialRecord.Salt = (kr_bytes){key, 16};
    rec.u.UserScramCredentialRecord.StoredKey = (kr_bytes){key, 32};
    rec.u.UserScramCredentialRecord.ServerKey = (kr_bytes){key, 32};
    rec.u.UserScramCredentialRecord.Iterations = 4096;
    add(img, &rec);
}

static bool counter_uuid(void *state, kr_uuid *out) {
    uint64_t *n = state;
    ++*n;
    memset(out->b, 0x5A, 16);
    memcpy(out->b, n, sizeof *n);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t which = data[0] % API_COUNT;
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(apis[which].api_key);
    int16_t span = (int16_t)(codec->info->max_version - codec->info->min_version + 1);
    int16_t version = (int16_t)(codec->info->min_version + data[1] % span);
    kr_arena arena = {0};
    void *req = kr_arena_alloc(&arena, codec->request_size);
    kr_reader r = kr_reader_make(data + 2, size - 2);
    if (!req || !codec->request_decode(&r, req, version, &arena)) {
        kr_arena_free(&arena);
        return 0;
    }
    kr_image img;
    build_image(&img, (data[0] / API_COUNT) & 1);
    kr_write_ctx ctx;
    kr_error err = {0};
    must(kr_write_ctx_init(&ctx, &img, 0, &arena, &err), &err, "context");
    uint64_t counter = 0;
    ctx.random_uuid = counter_uuid;
    ctx.random_state = &counter;
    kr_write_plan plan;
    must(apis[which].plan(&ctx, &img, req, version, &plan, &arena, &err), &err, "plan");
    kr_buf out = {0};
    must(kr_write_plan_encode_response(&plan, &out, &err), &err, "response");
    kr_buf_free(&out);
    for (int32_t i = 0; i < plan.record_count; i++) {
        kr_metadata_record rec;
        must(kr_metadata_record_decode(plan.records[i].ptr, (size_t)plan.records[i].len, &rec, &arena, &err), &err,
             "planned record decode");
        must(kr_image_apply(&img, &rec, &err), &err, "planned record replay");
    }
    kr_image_free(&img);
    kr_arena_free(&arena);
    return 0;
}
