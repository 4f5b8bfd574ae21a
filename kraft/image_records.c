#include "kraft/image_records.h"

#include <stdlib.h>
#include <string.h>

#include "kraft/metadata_record.h"
#include "kraft/metadata_version.h"

typedef struct emitter {
    kr_record_sink_fn sink;
    void *ctx;
    kr_buf buf;
    kr_arena arena; /* per-record scratch arrays */
} emitter;

static int emit(emitter *e, const kr_metadata_record *rec, kr_error *err) {
    kr_buf_reset(&e->buf);
    int rc = kr_metadata_record_encode(&e->buf, rec, err);
    if (rc == KR_OK && e->buf.oom) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
    if (rc == KR_OK) rc = e->sink(e->ctx, e->buf.data, e->buf.len, err);
    kr_arena_reset(&e->arena);
    return rc;
}

static kr_str opt_str(const char *s) { return s ? kr_str_c(s) : KR_STR_NULL; }
static kr_array_i32 ids(kr_ids v) { return (kr_array_i32){v.v, v.n}; }

static int features(emitter *e, const kr_image *img, kr_error *err) {
    kr_metadata_record rec;
    int rc = KR_OK;
    if (img->metadata_version > 0) {
        kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
        rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
        rec.u.FeatureLevelRecord.FeatureLevel = img->metadata_version;
        rc = emit(e, &rec, err);
    }
    for (int32_t i = 0; rc == KR_OK && i < img->features.n; i++) {
        if (img->features.v[i].level <= 0) continue;
        kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
        rec.u.FeatureLevelRecord.Name = kr_str_c(img->features.v[i].name);
        rec.u.FeatureLevelRecord.FeatureLevel = img->features.v[i].level;
        rc = emit(e, &rec, err);
    }
    if (rc == KR_OK && kr_mv_has_migration_record(img->metadata_version)) {
        kr_metadata_record_init(&rec, KR_REC_ZK_MIGRATION_STATE_RECORD, 0);
        rec.u.ZkMigrationStateRecord.ZkMigrationState =
            img->zk_migration_state < 0 ? 0 : img->zk_migration_state;
        rc = emit(e, &rec, err);
    }
    return rc;
}

static int node_record(emitter *e, const kr_image *img, const kr_image_node *n, bool controller,
                       kr_error *err) {
    kr_metadata_record rec;
    if (controller) {
        kr_metadata_record_init(&rec, KR_REC_REGISTER_CONTROLLER_RECORD, 0);
        kr_RegisterControllerRecord *r = &rec.u.RegisterControllerRecord;
        r->ControllerId = n->id;
        r->IncarnationId = n->incarnation_id;
        r->ZkMigrationReady = n->zk_migration_ready;
        kr_RegisterControllerRecord_ControllerEndpoint *ep =
            kr_arena_alloc(&e->arena, sizeof *ep * (size_t)(n->endpoint_count + 1));
        kr_RegisterControllerRecord_ControllerFeature *ft =
            kr_arena_alloc(&e->arena, sizeof *ft * (size_t)(n->feature_count + 1));
        if (!ep || !ft) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        for (int32_t i = 0; i < n->endpoint_count; i++) {
            kr_RegisterControllerRecord_ControllerEndpoint_init(&ep[i]);
            ep[i].Name = kr_str_c(n->endpoints[i].name);
            ep[i].Host = kr_str_c(n->endpoints[i].host);
            ep[i].Port = n->endpoints[i].port;
            ep[i].SecurityProtocol = n->endpoints[i].security_protocol;
        }
        for (int32_t i = 0; i < n->feature_count; i++) {
            kr_RegisterControllerRecord_ControllerFeature_init(&ft[i]);
            ft[i].Name = kr_str_c(n->features[i].name);
            ft[i].MinSupportedVersion = n->features[i].min_version;
            ft[i].MaxSupportedVersion = n->features[i].max_version;
        }
        r->EndPoints = (kr_RegisterControllerRecord_ControllerEndpoint_array){ep, n->endpoint_count};
        r->Features = (kr_RegisterControllerRecord_ControllerFeature_array){ft, n->feature_count};
        return emit(e, &rec, err);
    }
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD,
                            kr_mv_register_broker_version(img->metadata_version));
    kr_RegisterBrokerRecord *r = &rec.u.RegisterBrokerRecord;
    r->BrokerId = n->id;
    r->IsMigratingZkBroker = n->is_migrating_zk_broker;
    r->IncarnationId = n->incarnation_id;
    r->BrokerEpoch = n->epoch;
    r->Rack = opt_str(n->rack);
    r->Fenced = n->fenced;
    r->InControlledShutdown = n->in_controlled_shutdown;
    kr_RegisterBrokerRecord_BrokerEndpoint *ep =
        kr_arena_alloc(&e->arena, sizeof *ep * (size_t)(n->endpoint_count + 1));
    kr_RegisterBrokerRecord_BrokerFeature *ft =
        kr_arena_alloc(&e->arena, sizeof *ft * (size_t)(n->feature_count + 1));
    if (!ep || !ft) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    for (int32_t i = 0; i < n->endpoint_count; i++) {
        kr_RegisterBrokerRecord_BrokerEndpoint_init(&ep[i]);
        ep[i].Name = kr_str_c(n->endpoints[i].name);
        ep[i].Host = kr_str_c(n->endpoints[i].host);
        ep[i].Port = n->endpoints[i].port;
        ep[i].SecurityProtocol = n->endpoints[i].security_protocol;
    }
    for (int32_t i = 0; i < n->feature_count; i++) {
        kr_RegisterBrokerRecord_BrokerFeature_init(&ft[i]);
        ft[i].Name = kr_str_c(n->features[i].name);
        ft[i].MinSupportedVersion = n->features[i].min_version;
        ft[i].MaxSupportedVersion = n->features[i].max_version;
    }
    r->EndPoints = (kr_RegisterBrokerRecord_BrokerEndpoint_array){ep, n->endpoint_count};
    r->Features = (kr_RegisterBrokerRecord_BrokerFeature_array){ft, n->feature_count};
    r->LogDirs = (kr_array_uuid){n->log_dirs, n->log_dir_count};
    return emit(e, &rec, err);
}

static int topics(emitter *e, const kr_image *img, kr_error *err) {
    int16_t pv = kr_mv_partition_record_version(img->metadata_version);
    for (int32_t i = 0; i < img->topics.n; i++) {
        const kr_image_topic *t = &img->topics.v[i];
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(t->name);
        rec.u.TopicRecord.TopicId = t->id;
        int rc = emit(e, &rec, err);
        for (int32_t k = 0; rc == KR_OK && k < t->partitions_cap; k++) {
            const kr_image_partition *p = &t->partitions[k];
            if (!p->present) continue;
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, pv);
            kr_PartitionRecord *r = &rec.u.PartitionRecord;
            r->PartitionId = p->partition_id;
            r->TopicId = t->id;
            r->Replicas = ids(p->replicas);
            r->Isr = ids(p->isr);
            r->RemovingReplicas = ids(p->removing_replicas);
            r->AddingReplicas = ids(p->adding_replicas);
            r->Leader = p->leader;
            r->LeaderRecoveryState = p->leader_recovery_state;
            r->LeaderEpoch = p->leader_epoch;
            r->PartitionEpoch = p->partition_epoch;
            if (p->directories) r->Directories = (kr_array_uuid){p->directories, p->replicas.n};
            if (p->elr.n >= 0) r->EligibleLeaderReplicas = ids(p->elr);
            if (p->last_known_elr.n >= 0) r->LastKnownElr = ids(p->last_known_elr);
            rc = emit(e, &rec, err);
        }
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

static int configs_and_quotas(emitter *e, const kr_image *img, kr_error *err) {
    int rc = KR_OK;
    kr_metadata_record rec;
    for (int32_t i = 0; rc == KR_OK && i < img->configs.n; i++) {
        const kr_image_config *c = &img->configs.v[i];
        kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
        rec.u.ConfigRecord.ResourceType = c->resource_type;
        rec.u.ConfigRecord.ResourceName = kr_str_c(c->resource_name);
        rec.u.ConfigRecord.Name = kr_str_c(c->name);
        rec.u.ConfigRecord.Value = opt_str(c->value);
        rc = emit(e, &rec, err);
    }
    for (int32_t i = 0; rc == KR_OK && i < img->quotas.n; i++) {
        const kr_image_quota *q = &img->quotas.v[i];
        kr_ClientQuotaRecord_EntityData *ed =
            kr_arena_alloc(&e->arena, sizeof *ed * (size_t)(q->entity_parts + 1));
        if (!ed) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        for (int32_t k = 0; k < q->entity_parts; k++) {
            kr_ClientQuotaRecord_EntityData_init(&ed[k]);
            ed[k].EntityType = kr_str_c(q->entity[k].type);
            ed[k].EntityName = opt_str(q->entity[k].name);
        }
        kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
        rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){ed, q->entity_parts};
        rec.u.ClientQuotaRecord.Key = kr_str_c(q->key);
        rec.u.ClientQuotaRecord.Value = q->value;
        rec.u.ClientQuotaRecord.Remove = false;
        rc = emit(e, &rec, err);
    }
    return rc;
}

static int security(emitter *e, const kr_image *img, kr_error *err) {
    int rc = KR_OK;
    kr_metadata_record rec;
    if (img->next_producer_id >= 0) {
        kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
        rec.u.ProducerIdsRecord.BrokerId = -1;
        rec.u.ProducerIdsRecord.BrokerEpoch = -1;
        rec.u.ProducerIdsRecord.NextProducerId = img->next_producer_id;
        rc = emit(e, &rec, err);
    }
    for (int32_t i = 0; rc == KR_OK && i < img->acls.n; i++) {
        const kr_image_acl *a = &img->acls.v[i];
        kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
        kr_AccessControlEntryRecord *r = &rec.u.AccessControlEntryRecord;
        r->Id = a->id;
        r->ResourceType = a->resource_type;
        r->ResourceName = kr_str_c(a->resource_name);
        r->PatternType = a->pattern_type;
        r->Principal = kr_str_c(a->principal);
        r->Host = kr_str_c(a->host);
        r->Operation = a->operation;
        r->PermissionType = a->permission_type;
        rc = emit(e, &rec, err);
    }
    for (int32_t i = 0; rc == KR_OK && i < img->scram.n; i++) {
        const kr_image_scram *s = &img->scram.v[i];
        kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
        kr_UserScramCredentialRecord *r = &rec.u.UserScramCredentialRecord;
        r->Name = kr_str_c(s->user);
        r->Mechanism = s->mechanism;
        r->Salt = (kr_bytes){s->salt, s->salt_len};
        r->StoredKey = (kr_bytes){s->stored_key, s->stored_key_len};
        r->ServerKey = (kr_bytes){s->server_key, s->server_key_len};
        r->Iterations = s->iterations;
        rc = emit(e, &rec, err);
    }
    for (int32_t i = 0; rc == KR_OK && i < img->tokens.n; i++) {
        const kr_image_token *t = &img->tokens.v[i];
        kr_str *ren = kr_arena_alloc(&e->arena, sizeof *ren * (size_t)(t->renewer_count + 1));
        if (!ren) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        for (int32_t k = 0; k < t->renewer_count; k++) ren[k] = kr_str_c(t->renewers[k]);
        kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
        kr_DelegationTokenRecord *r = &rec.u.DelegationTokenRecord;
        r->Owner = kr_str_c(t->owner);
        r->Requester = kr_str_c(t->requester);
        r->Renewers = (kr_array_str){ren, t->renewer_count};
        r->IssueTimestamp = t->issue_timestamp_ms;
        r->MaxTimestamp = t->max_timestamp_ms;
        r->ExpirationTimestamp = t->expiration_timestamp_ms;
        r->TokenId = kr_str_c(t->token_id);
        rc = emit(e, &rec, err);
    }
    return rc;
}

int kr_image_write_records(const kr_image *img, kr_record_sink_fn sink, void *ctx, kr_error *err) {
    emitter e = {.sink = sink, .ctx = ctx};
    int rc = features(&e, img, err);
    for (int32_t i = 0; rc == KR_OK && i < img->brokers.n; i++)
        rc = node_record(&e, img, &img->brokers.v[i], false, err);
    for (int32_t i = 0; rc == KR_OK && i < img->controllers.n; i++)
        rc = node_record(&e, img, &img->controllers.v[i], true, err);
    if (rc == KR_OK) rc = topics(&e, img, err);
    if (rc == KR_OK) rc = configs_and_quotas(&e, img, err);
    if (rc == KR_OK) rc = security(&e, img, err);
    kr_buf_free(&e.buf);
    kr_arena_free(&e.arena);
    return rc;
}
