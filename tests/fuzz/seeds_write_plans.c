/* Writes the seed corpus of fuzz_write_plans: for each write API and version,
 * one request that plans into records against the fuzzer's image, plus one
 * random request (tests/support/gen_random), as [api index, version, body].
 * Not built by make:
 *   make && cc -std=c11 -D_GNU_SOURCE -I. tests/fuzz/seeds_write_plans.c tests/support/gen_random.c \
 *      tests/support/rand.c build/release/libkraft.a -ljansson -lssl -lcrypto -o /tmp/seeds_write && \
 *      /tmp/seeds_write tests/fuzz/corpus/write_plans
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/client_write.h"
#include "tests/support/gen_random.h"

/* Same order as fuzz_write_plans.c's table. */
static const struct {
    int key;
    const char *name;
} apis[] = {{19, "CreateTopics"},         {20, "DeleteTopics"}, {37, "CreatePartitions"},
            {33, "AlterConfigs"},         {44, "IncrementalAlterConfigs"},
            {30, "CreateAcls"},           {31, "DeleteAcls"},   {49, "AlterClientQuotas"},
            {51, "AlterUserScramCredentials"}};

static void build(int key, int16_t v, void *m) {
    static int32_t ids[] = {1, 2};
    static uint8_t salted[64], salt[16];
    static kr_CreateTopicsRequest_CreatableTopic topic;
    static kr_CreateTopicsRequest_CreatableTopicConfig conf;
    static kr_str names[] = {{"orders", 6}};
    static kr_DeleteTopicsRequest_DeleteTopicState state;
    static kr_CreatePartitionsRequest_CreatePartitionsTopic part;
    static kr_AlterConfigsRequest_AlterConfigsResource res;
    static kr_AlterConfigsRequest_AlterableConfig ac;
    static kr_IncrementalAlterConfigsRequest_AlterConfigsResource ires;
    static kr_IncrementalAlterConfigsRequest_AlterableConfig iac;
    static kr_CreateAclsRequest_AclCreation acl;
    static kr_DeleteAclsRequest_DeleteAclsFilter filter;
    static kr_AlterClientQuotasRequest_EntryData entry;
    static kr_AlterClientQuotasRequest_EntityData entity;
    static kr_AlterClientQuotasRequest_OpData op;
    static kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion up;
    switch (key) {
    case 19: {
        kr_CreateTopicsRequest *r = m;
        kr_CreateTopicsRequest_init(r);
        kr_CreateTopicsRequest_CreatableTopic_init(&topic);
        topic.Name = kr_str_c("fresh");
        topic.NumPartitions = 2;
        topic.ReplicationFactor = 2;
        kr_CreateTopicsRequest_CreatableTopicConfig_init(&conf);
        conf.Name = kr_str_c("retention.ms");
        conf.Value = kr_str_c("1000");
        topic.Configs = (kr_CreateTopicsRequest_CreatableTopicConfig_array){&conf, 1};
        r->Topics = (kr_CreateTopicsRequest_CreatableTopic_array){&topic, 1};
        break;
    }
    case 20: {
        kr_DeleteTopicsRequest *r = m;
        kr_DeleteTopicsRequest_init(r);
        kr_DeleteTopicsRequest_DeleteTopicState_init(&state);
        state.Name = kr_str_c("orders");
        if (v >= 6) r->Topics = (kr_DeleteTopicsRequest_DeleteTopicState_array){&state, 1};
        else r->TopicNames = (kr_array_str){names, 1};
        break;
    }
    case 37: {
        kr_CreatePartitionsRequest *r = m;
        kr_CreatePartitionsRequest_init(r);
        kr_CreatePartitionsRequest_CreatePartitionsTopic_init(&part);
        part.Name = kr_str_c("orders");
        part.Count = 5;
        part.Assignments.n = -1;
        r->Topics = (kr_CreatePartitionsRequest_CreatePartitionsTopic_array){&part, 1};
        break;
    }
    case 33: {
        kr_AlterConfigsRequest *r = m;
        kr_AlterConfigsRequest_init(r);
        kr_AlterConfigsRequest_AlterConfigsResource_init(&res);
        res.ResourceType = 2;
        res.ResourceName = kr_str_c("orders");
        kr_AlterConfigsRequest_AlterableConfig_init(&ac);
        ac.Name = kr_str_c("segment.ms");
        ac.Value = kr_str_c("60000");
        res.Configs = (kr_AlterConfigsRequest_AlterableConfig_array){&ac, 1};
        r->Resources = (kr_AlterConfigsRequest_AlterConfigsResource_array){&res, 1};
        break;
    }
    case 44: {
        kr_IncrementalAlterConfigsRequest *r = m;
        kr_IncrementalAlterConfigsRequest_init(r);
        kr_IncrementalAlterConfigsRequest_AlterConfigsResource_init(&ires);
        ires.ResourceType = 2;
        ires.ResourceName = kr_str_c("logs.app");
        kr_IncrementalAlterConfigsRequest_AlterableConfig_init(&iac);
        iac.Name = kr_str_c("cleanup.policy");
        iac.Value = kr_str_c("delete");
        iac.ConfigOperation = 2;
        ires.Configs = (kr_IncrementalAlterConfigsRequest_AlterableConfig_array){&iac, 1};
        r->Resources = (kr_IncrementalAlterConfigsRequest_AlterConfigsResource_array){&ires, 1};
        break;
    }
    case 30: {
        kr_CreateAclsRequest *r = m;
        kr_CreateAclsRequest_init(r);
        kr_CreateAclsRequest_AclCreation_init(&acl);
        acl.ResourceType = 2;
        acl.ResourceName = kr_str_c("orders");
        acl.Principal = kr_str_c("User:bob");
        acl.Host = kr_str_c("*");
        acl.Operation = 4;
        acl.PermissionType = 3;
        r->Creations = (kr_CreateAclsRequest_AclCreation_array){&acl, 1};
        break;
    }
    case 31: {
        kr_DeleteAclsRequest *r = m;
        kr_DeleteAclsRequest_init(r);
        kr_DeleteAclsRequest_DeleteAclsFilter_init(&filter);
        filter.ResourceTypeFilter = 1;
        filter.ResourceNameFilter = KR_STR_NULL;
        filter.PrincipalFilter = KR_STR_NULL;
        filter.HostFilter = KR_STR_NULL;
        filter.Operation = 1;
        filter.PermissionType = 1;
        r->Filters = (kr_DeleteAclsRequest_DeleteAclsFilter_array){&filter, 1};
        break;
    }
    case 49: {
        kr_AlterClientQuotasRequest *r = m;
        kr_AlterClientQuotasRequest_init(r);
        kr_AlterClientQuotasRequest_EntryData_init(&entry);
        kr_AlterClientQuotasRequest_EntityData_init(&entity);
        entity.EntityType = kr_str_c("user");
        entity.EntityName = kr_str_c("alice");
        kr_AlterClientQuotasRequest_OpData_init(&op);
        op.Key = kr_str_c("consumer_byte_rate");
        op.Value = 2048;
        entry.Entity = (kr_AlterClientQuotasRequest_EntityData_array){&entity, 1};
        entry.Ops = (kr_AlterClientQuotasRequest_OpData_array){&op, 1};
        r->Entries = (kr_AlterClientQuotasRequest_EntryData_array){&entry, 1};
        break;
    }
    case 51: {
        kr_AlterUserScramCredentialsRequest *r = m;
        kr_AlterUserScramCredentialsRequest_init(r);
        kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion_init(&up);
        up.Name = kr_str_c("bob");
        up.Mechanism = 2;
        up.Iterations = 4096;
        up.Salt = (kr_bytes){salt, sizeof salt};
        up.SaltedPassword = (kr_bytes){salted, 64};
        r->Upsertions = (kr_AlterUserScramCredentialsRequest_ScramCredentialUpsertion_array){&up, 1};
        break;
    }
    }
    (void)ids;
}

static const kr_message_ops *ops_named(const char *name) {
    for (size_t i = 0; i < kr_all_messages_count; i++)
        if (!strcmp(kr_all_messages[i].name, name)) return &kr_all_messages[i];
    return NULL;
}

static int write_seed(const char *dir, const char *name, const char *kind, int16_t v, uint8_t index,
                      uint8_t version_byte, const kr_buf *body) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%s_v%d", dir, name, kind, v);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fputc(index, f);
    fputc(version_byte, f);
    fwrite(body->data, 1, body->len, f);
    return fclose(f) != 0;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    mkdir(argv[1], 0755);
    kr_rand rng = kr_rand_seed(7);
    int written = 0;
    for (size_t a = 0; a < sizeof apis / sizeof apis[0]; a++) {
        const kr_rpc_codec *c = kr_rpc_codec_lookup(apis[a].key);
        char req_name[96];
        snprintf(req_name, sizeof req_name, "%sRequest", apis[a].name);
        const kr_message_ops *ops = ops_named(req_name);
        for (int16_t v = c->info->min_version; v <= c->info->max_version; v++) {
            kr_arena arena = {0};
            void *m = kr_arena_alloc(&arena, c->request_size);
            kr_buf body = {0};
            build(apis[a].key, v, m);
            if (c->request_encode(&body, m, v, NULL) == KR_OK &&
                write_seed(argv[1], apis[a].name, "valid", v, (uint8_t)a, (uint8_t)(v - c->info->min_version), &body) == 0)
                written++;
            kr_buf_reset(&body);
            if (ops) {
                ops->fill_random(m, v, &rng, &arena);
                if (ops->encode(&body, m, v, NULL) == KR_OK &&
                    write_seed(argv[1], apis[a].name, "random", v, (uint8_t)a, (uint8_t)(v - c->info->min_version), &body) == 0)
                    written++;
            }
            kr_buf_free(&body);
            kr_arena_free(&arena);
        }
    }
    fprintf(stderr, "%d seeds in %s\n", written, argv[1]);
    return 0;
}
