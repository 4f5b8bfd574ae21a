/* ZooKeeper model -> metadata records in snapshot order (migration.md §4, metadata-log.md §10.3). */
#include "migrate/convert.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "kraft/metadata_version.h"
#include "migrate/password.h"
#include "zkread/text.h"

/* ---- report ---------------------------------------------------------------- */

void mg_convert_report_init(mg_convert_report *rep) { memset(rep, 0, sizeof *rep); }

void mg_convert_report_free(mg_convert_report *rep) {
    for (size_t i = 0; i < rep->n_minted; i++) free(rep->minted[i].topic);
    free(rep->minted);
    for (size_t i = 0; i < rep->n_skipped; i++) free(rep->skipped_topics[i]);
    free(rep->skipped_topics);
    for (size_t i = 0; i < rep->n_notes; i++) {
        free(rep->notes[i].path);
        free(rep->notes[i].message);
    }
    free(rep->notes);
    memset(rep, 0, sizeof *rep);
}

static void note(mg_convert_report *rep, enum mg_note_severity sev, const char *path,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void note(mg_convert_report *rep, enum mg_note_severity sev, const char *path,
                 const char *fmt, ...) {
    if (rep->n_notes == rep->cap_notes) {
        size_t cap = rep->cap_notes ? rep->cap_notes * 2 : 16;
        mg_note *v = realloc(rep->notes, cap * sizeof *v);
        if (!v) return;
        rep->notes = v;
        rep->cap_notes = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rep->notes[rep->n_notes++] = (mg_note){sev, strdup(path ? path : ""), strdup(msg)};
    if (sev == MG_NOTE_BLOCKER) rep->blockers++;
}

/* ---- emitting ---------------------------------------------------------------- */

typedef struct conv {
    const zr_model *m;
    const mg_convert_options *o;
    int16_t mv;
    mg_record_sink *sink;
    mg_convert_report *rep;
    kr_error *err;
    kr_buf value;
} conv;

static int emit(conv *c, kr_metadata_record *rec) {
    kr_buf_reset(&c->value);
    int rc = kr_metadata_record_encode(&c->value, rec, c->err);
    if (rc) return rc;
    if (c->value.oom) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory encoding a record");
    rc = c->sink->record(c->sink->ctx, rec, c->value.data, c->value.len, c->err);
    if (rc) return rc;
    c->rep->records++;
    c->rep->bytes += (int64_t)c->value.len;
    if (rec->api_key >= 0 && rec->api_key <= KR_REC_MAX_API_KEY) c->rep->by_type[rec->api_key]++;
    return 0;
}

static kr_str S(const char *s) { return kr_str_c(s); }

/* ---- features ---------------------------------------------------------------- */

static int emit_features(conv *c) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = S("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = c->mv;
    int rc = emit(c, &rec);
    if (rc || !kr_mv_has_migration_record(c->mv)) return rc;
    kr_metadata_record_init(&rec, KR_REC_ZK_MIGRATION_STATE_RECORD, 0);
    rec.u.ZkMigrationStateRecord.ZkMigrationState =
        c->o->dual_write ? MG_ZK_STATE_MIGRATION : MG_ZK_STATE_POST_MIGRATION;
    return emit(c, &rec);
}

/* ---- topics and partitions ----------------------------------------------------- */

static const kr_uuid METADATA_TOPIC_ID = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

bool mg_uuid_is_mintable(const kr_uuid *u) {
    if (kr_uuid_is_zero(u) || kr_uuid_eq(u, &METADATA_TOPIC_ID)) return false;
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(u, text);
    return text[0] != '-';
}

static int mint_id(conv *c, const zr_topic *t, kr_uuid *out) {
    for (int attempt = 0; attempt < 64; attempt++) {
        bool ok = c->o->random_uuid ? c->o->random_uuid(c->o->random_ctx, out) : kr_uuid_random(out);
        if (!ok) return kr_fail(c->err, KR_ERR_IO, "no randomness to mint a topic id for %s", t->name);
        if (mg_uuid_is_mintable(out)) break;
        if (attempt == 63) return kr_fail(c->err, KR_ERR_INVALID, "the random source gives no usable topic id");
    }
    mg_convert_report *rep = c->rep;
    mg_minted_id *v = realloc(rep->minted, (rep->n_minted + 1) * sizeof *v);
    if (!v) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    rep->minted = v;
    v[rep->n_minted++] = (mg_minted_id){strdup(t->name), *out, -1};
    char text[KR_UUID_TEXT_LEN], path[1024];
    kr_uuid_to_text(out, text);
    snprintf(path, sizeof path, "/brokers/topics/%s", t->name);
    note(rep, MG_NOTE_INFO, path, "topic has no id; minted %s (Kafka 3.9 would abort here)", text);
    return 0;
}

static void skip_topic(conv *c, const zr_topic *t, const char *why) {
    char path[1024];
    snprintf(path, sizeof path, "/brokers/topics/%s", t->name);
    char **v = realloc(c->rep->skipped_topics, (c->rep->n_skipped + 1) * sizeof *v);
    if (v) {
        c->rep->skipped_topics = v;
        v[c->rep->n_skipped++] = strdup(t->name);
    }
    note(c->rep, why[0] == 'p' ? MG_NOTE_INFO : MG_NOTE_WARNING, path, "topic not migrated: %s", why);
}

static bool topic_migrates(const zr_topic *t) { return t->has_assignment && !t->pending_deletion; }

static kr_array_i32 ints(const zr_ints *v) { return (kr_array_i32){v->v, (int32_t)v->n}; }

static int emit_partition(conv *c, const zr_topic *t, const kr_uuid *id, const zr_partition *p,
                          kr_uuid *dirs, size_t dirs_cap) {
    char path[1024];
    if (!p->has_state && !p->synthesized) {
        snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name, (int)p->id);
        note(c->rep, MG_NOTE_BLOCKER, path, "no usable partition state and no replicas to "
             "substitute one from");
        return kr_fail(c->err, KR_ERR_INVALID, "%s: no usable partition state and no replicas", path);
    }
    int16_t version = kr_mv_partition_record_version(c->mv);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, version);
    kr_PartitionRecord *r = &rec.u.PartitionRecord;
    r->PartitionId = p->id;
    r->TopicId = *id;
    r->Replicas = ints(&p->replicas);
    r->Isr = ints(&p->state.isr);
    r->AddingReplicas = ints(&p->adding);
    r->RemovingReplicas = ints(&p->removing);
    r->Leader = p->state.leader;
    r->LeaderEpoch = p->state.leader_epoch;
    r->PartitionEpoch = p->state.partition_epoch;
    r->LeaderRecoveryState = (int8_t)p->state.leader_recovery_state;
    if (version >= 1) {
        /* Migrated replicas live in the MIGRATING directory (all-zero uuid). */
        assert(p->replicas.n <= dirs_cap);
        memset(dirs, 0, p->replicas.n * sizeof *dirs);
        r->Directories = (kr_array_uuid){dirs, (int32_t)p->replicas.n};
    }
    c->rep->partitions++;
    return emit(c, &rec);
}

static int emit_topics(conv *c) {
    size_t dirs_cap = 0;
    for (size_t i = 0; i < c->m->n_topics; i++)
        for (size_t j = 0; j < c->m->topics[i]->n_partitions; j++)
            if (c->m->topics[i]->partitions[j].replicas.n > dirs_cap)
                dirs_cap = c->m->topics[i]->partitions[j].replicas.n;
    kr_uuid *dirs = calloc(dirs_cap ? dirs_cap : 1, sizeof *dirs);
    if (!dirs) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < c->m->n_topics && !rc; i++) {
        const zr_topic *t = c->m->topics[i];
        if (t->pending_deletion) {
            skip_topic(c, t, "pending deletion (/admin/delete_topics)");
            continue;
        }
        if (!t->has_assignment) {
            skip_topic(c, t, "its znode has no usable assignment");
            continue;
        }
        kr_uuid id;
        if (t->has_id) memcpy(id.b, t->id, 16);
        else if ((rc = mint_id(c, t, &id))) break;
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = S(t->name);
        rec.u.TopicRecord.TopicId = id;
        if ((rc = emit(c, &rec))) break;
        c->rep->topics++;
        for (size_t j = 0; j < t->n_partitions && !rc; j++)
            rc = emit_partition(c, t, &id, &t->partitions[j], dirs, dirs_cap);
    }
    free(dirs);
    return rc;
}

/* ---- configs ---------------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b) {
    return strcmp(((const zr_kv *)a)->key, ((const zr_kv *)b)->key);
}

/* Sorted copy of an entity's key/values (pointers borrowed). */
static zr_kv *sorted_kvs(const zr_kvs *kv) {
    zr_kv *v = malloc((kv->n ? kv->n : 1) * sizeof *v);
    if (!v) return NULL;
    if (kv->n) memcpy(v, kv->v, kv->n * sizeof *v);
    if (kv->n > 1) qsort(v, kv->n, sizeof *v, kv_cmp);
    return v;
}

static int emit_config(conv *c, int8_t type, const char *resource, const char *key, const char *value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = S(resource);
    rec.u.ConfigRecord.Name = S(key);
    rec.u.ConfigRecord.Value = S(value);
    return emit(c, &rec);
}

static int entity_cmp(const void *a, const void *b) {
    const zr_config_entity *x = *(const zr_config_entity *const *)a, *y = *(const zr_config_entity *const *)b;
    if (x->type != y->type) return (x->type > y->type) - (x->type < y->type);
    /* defaults first, then by name (numerically for brokers) */
    if (x->is_default != y->is_default) return x->is_default ? -1 : 1;
    if (!x->is_default) {
        if (x->type == ZR_ENTITY_BROKER) {
            long a1 = strtol(x->name, NULL, 10), b1 = strtol(y->name, NULL, 10);
            if (a1 != b1) return (a1 > b1) - (a1 < b1);
        }
        int d = strcmp(x->name, y->name);
        if (d) return d;
    }
    if (x->client_is_default != y->client_is_default) return x->client_is_default ? -1 : 1;
    if (x->client && y->client) return strcmp(x->client, y->client);
    return (x->client != NULL) - (y->client != NULL);
}

/* Entities of the given types, sorted. */
static const zr_config_entity **entities(const zr_model *m, size_t *n) {
    const zr_config_entity **v = malloc((m->n_configs ? m->n_configs : 1) * sizeof *v);
    *n = 0;
    if (!v) return NULL;
    for (size_t i = 0; i < m->n_configs; i++) v[(*n)++] = &m->configs[i];
    if (*n > 1) qsort(v, *n, sizeof *v, entity_cmp);
    return v;
}

static int broker_password(conv *c, const zr_config_entity *e, const zr_kv *kv, char **plain) {
    const char *secret = c->o->password_encoder.secret;
    *plain = NULL;
    if (!secret) {
        note(c->rep, MG_NOTE_BLOCKER, e->path,
             "config %s holds an encrypted password and no --password-encoder-secret was given "
             "(Kafka 3.9 would copy the ciphertext as the password)", kv->key);
        return kr_fail(c->err, KR_ERR_INVALID, "%s: config %s is encrypted; give "
                       "--password-encoder-secret (or password.encoder.secret in --command-config)",
                       e->path, kv->key);
    }
    kr_error derr = {0};
    if (mg_password_decrypt(kv->value, secret, plain, &derr)) {
        note(c->rep, MG_NOTE_BLOCKER, e->path, "config %s: %s", kv->key, derr.message);
        return kr_fail(c->err, KR_ERR_INVALID, "%s: config %s: %s", e->path, kv->key, derr.message);
    }
    c->rep->passwords_decrypted++;
    return 0;
}

static int emit_entity_configs(conv *c, const zr_config_entity *e) {
    zr_kv *kv = sorted_kvs(&e->config);
    if (!kv) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t k = 0; k < e->config.n && !rc; k++) {
        if (e->type == ZR_ENTITY_TOPIC) {
            rc = emit_config(c, 2, e->name, kv[k].key, kv[k].value);
        } else if (mg_config_is_password(kv[k].key)) {
            char *plain = NULL;
            rc = broker_password(c, e, &kv[k], &plain);
            if (!rc) rc = emit_config(c, 4, e->is_default ? "" : e->name, kv[k].key, plain);
            if (plain) {
                OPENSSL_cleanse(plain, strlen(plain));
                free(plain);
            }
        } else {
            rc = emit_config(c, 4, e->is_default ? "" : e->name, kv[k].key, kv[k].value);
        }
    }
    free(kv);
    return rc;
}

static int emit_configs(conv *c, const zr_config_entity **es, size_t n) {
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const zr_config_entity *e = es[i];
        if (e->type == ZR_ENTITY_TOPIC) {
            const zr_topic *t = zr_model_topic(c->m, e->name);
            if (!t || !topic_migrates(t)) {
                if (e->config.n)
                    note(c->rep, MG_NOTE_INFO, e->path, "topic configs not migrated: %s",
                         t ? "the topic is not migrated" : "no such topic in /brokers/topics");
                continue;
            }
        } else if (e->type != ZR_ENTITY_BROKER) {
            continue;
        }
        rc = emit_entity_configs(c, e);
    }
    return rc;
}

/* ---- client quotas --------------------------------------------------------- */

static bool is_scram_key(const char *k) {
    return !strcmp(k, "SCRAM-SHA-256") || !strcmp(k, "SCRAM-SHA-512");
}

static int quota_rank(enum zr_entity_type t) {
    switch (t) { /* migration.md §4.4 visiting order */
    case ZR_ENTITY_USER: return 0;
    case ZR_ENTITY_CLIENT: return 1;
    case ZR_ENTITY_USER_CLIENT: return 2;
    case ZR_ENTITY_IP: return 3;
    default: return -1;
    }
}

static int emit_entity_quotas(conv *c, const zr_config_entity *e) {
    kr_ClientQuotaRecord_EntityData parts[2];
    int32_t n_parts = 0;
    kr_ClientQuotaRecord_EntityData_init(&parts[0]);
    kr_ClientQuotaRecord_EntityData_init(&parts[1]);
    switch (e->type) {
    case ZR_ENTITY_USER:
    case ZR_ENTITY_USER_CLIENT:
        parts[n_parts].EntityType = S("user");
        parts[n_parts++].EntityName = e->is_default ? KR_STR_NULL : S(e->name);
        if (e->type == ZR_ENTITY_USER_CLIENT) {
            parts[n_parts].EntityType = S("client-id");
            parts[n_parts++].EntityName = e->client_is_default ? KR_STR_NULL : S(e->client);
        }
        break;
    case ZR_ENTITY_CLIENT:
        parts[n_parts].EntityType = S("client-id");
        parts[n_parts++].EntityName = e->is_default ? KR_STR_NULL : S(e->name);
        break;
    case ZR_ENTITY_IP:
        parts[n_parts].EntityType = S("ip");
        parts[n_parts++].EntityName = e->is_default ? KR_STR_NULL : S(e->name);
        break;
    default:
        return 0;
    }
    zr_kv *kv = sorted_kvs(&e->config);
    if (!kv) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t k = 0; k < e->config.n && !rc; k++) {
        if (e->type == ZR_ENTITY_USER && is_scram_key(kv[k].key)) continue;
        char *end = NULL;
        double v = strtod(kv[k].value, &end);
        if (end == kv[k].value || *end) {
            note(c->rep, MG_NOTE_BLOCKER, e->path, "quota %s = \"%s\" is not a number", kv[k].key,
                 kv[k].value);
            rc = kr_fail(c->err, KR_ERR_INVALID, "%s: quota %s is not a number", e->path, kv[k].key);
            break;
        }
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
        rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){parts, n_parts};
        rec.u.ClientQuotaRecord.Key = S(kv[k].key);
        rec.u.ClientQuotaRecord.Value = v;
        rec.u.ClientQuotaRecord.Remove = false;
        rc = emit(c, &rec);
    }
    free(kv);
    return rc;
}

static int emit_quotas(conv *c, const zr_config_entity **es, size_t n) {
    int rc = 0;
    for (int rank = 0; rank < 4 && !rc; rank++)
        for (size_t i = 0; i < n && !rc; i++)
            if (quota_rank(es[i]->type) == rank) rc = emit_entity_quotas(c, es[i]);
    return rc;
}

/* ---- producer ids ---------------------------------------------------------- */

static int emit_producer_ids(conv *c) {
    if (!c->m->has_producer_id_block) return 0;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PRODUCER_IDS_RECORD, 0);
    rec.u.ProducerIdsRecord.BrokerId = -1; /* as a snapshot writes it (metadata-log.md §10.3) */
    rec.u.ProducerIdsRecord.BrokerEpoch = -1;
    rec.u.ProducerIdsRecord.NextProducerId = c->m->producer_id_block_end + 1;
    return emit(c, &rec);
}

/* ---- ACLs ---------------------------------------------------------------- */

typedef struct acl_ref {
    const zr_acl_resource *res;
    const zr_acl_entry *e;
} acl_ref;

static int resource_rank(enum zr_resource_type t) {
    return (int)t; /* TOPIC 2 < GROUP 3 < CLUSTER 4 < ... < USER 7: Kafka's enum order */
}

static int str_cmp0(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : ""); }

static int acl_cmp(const void *a, const void *b) {
    const acl_ref *x = a, *y = b;
    int d = resource_rank(x->res->type) - resource_rank(y->res->type);
    if (d) return d;
    if (x->res->pattern != y->res->pattern) return (int)x->res->pattern - (int)y->res->pattern;
    d = -str_cmp0(x->res->name, y->res->name); /* names descending (§4.7) */
    if (d) return d;
    if ((d = str_cmp0(x->e->principal, y->e->principal))) return d;
    if ((d = str_cmp0(x->e->host, y->e->host))) return d;
    if (x->e->operation != y->e->operation) return x->e->operation - y->e->operation;
    return x->e->permission - y->e->permission;
}

static int emit_acls(conv *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->m->n_acls; i++) n += c->m->acls[i].n_entries;
    if (!n) return 0;
    acl_ref *v = malloc(n * sizeof *v);
    if (!v) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    n = 0;
    for (size_t i = 0; i < c->m->n_acls; i++)
        for (size_t j = 0; j < c->m->acls[i].n_entries; j++)
            v[n++] = (acl_ref){&c->m->acls[i], &c->m->acls[i].entries[j]};
    qsort(v, n, sizeof *v, acl_cmp);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 && acl_cmp(&v[i - 1], &v[i]) == 0) continue; /* a set, as the authorizer loads it */
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
        kr_AccessControlEntryRecord *r = &rec.u.AccessControlEntryRecord;
        if (!kr_uuid_random(&r->Id)) {
            rc = kr_fail(c->err, KR_ERR_IO, "no randomness for ACL ids");
            break;
        }
        r->ResourceType = (int8_t)v[i].res->type;
        r->ResourceName = S(v[i].res->name);
        r->PatternType = (int8_t)v[i].res->pattern;
        r->Principal = S(v[i].e->principal);
        r->Host = S(v[i].e->host);
        r->Operation = (int8_t)v[i].e->operation;
        r->PermissionType = (int8_t)v[i].e->permission;
        rc = emit(c, &rec);
    }
    free(v);
    return rc;
}

/* ---- SCRAM ---------------------------------------------------------------- */

static int scram_cmp(const void *a, const void *b) {
    const zr_scram *x = *(const zr_scram *const *)a, *y = *(const zr_scram *const *)b;
    int d = str_cmp0(x->user ? x->user : "<default>", y->user ? y->user : "<default>");
    return d ? d : (int)x->mechanism - (int)y->mechanism;
}

static int emit_scram(conv *c) {
    if (!c->m->n_scram) return 0;
    if (!kr_mv_has_scram(c->mv)) {
        note(c->rep, MG_NOTE_BLOCKER, "/config/users",
             "%zu SCRAM credential(s) cannot be stored below metadata.version 3.5-IV2 (target %s)",
             c->m->n_scram, kr_metadata_version_name(c->mv));
        return kr_fail(c->err, KR_ERR_INVALID, "/config/users: SCRAM credentials need "
                       "metadata.version >= 3.5-IV2 (target %s)", kr_metadata_version_name(c->mv));
    }
    const zr_scram **v = malloc(c->m->n_scram * sizeof *v);
    if (!v) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->m->n_scram; i++) v[i] = &c->m->scram[i];
    qsort(v, c->m->n_scram, sizeof *v, scram_cmp);
    int rc = 0;
    for (size_t i = 0; i < c->m->n_scram && !rc; i++) {
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
        kr_UserScramCredentialRecord *r = &rec.u.UserScramCredentialRecord;
        /* a credential on the <default> znode: a user literally named <default> (§4.9) */
        r->Name = S(v[i]->user ? v[i]->user : "<default>");
        r->Mechanism = (int8_t)v[i]->mechanism;
        r->Salt = (kr_bytes){v[i]->salt, (int32_t)v[i]->salt_len};
        r->StoredKey = (kr_bytes){v[i]->stored_key, (int32_t)v[i]->stored_key_len};
        r->ServerKey = (kr_bytes){v[i]->server_key, (int32_t)v[i]->server_key_len};
        r->Iterations = v[i]->iterations;
        rc = emit(c, &rec);
    }
    free(v);
    return rc;
}

/* ---- delegation tokens ------------------------------------------------------ */

static int token_cmp(const void *a, const void *b) {
    return str_cmp0((*(const zr_token *const *)a)->token_id, (*(const zr_token *const *)b)->token_id);
}

static int emit_tokens(conv *c) {
    if (!c->m->n_tokens) return 0;
    if (!kr_mv_has_delegation_tokens(c->mv)) {
        note(c->rep, MG_NOTE_WARNING, "/delegation_token/tokens",
             "%zu delegation token(s) not migrated: metadata.version %s is below 3.6-IV2; "
             "clients must request new tokens", c->m->n_tokens, kr_metadata_version_name(c->mv));
        return 0;
    }
    const zr_token **v = malloc(c->m->n_tokens * sizeof *v);
    if (!v) return kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->m->n_tokens; i++) v[i] = &c->m->tokens[i];
    qsort(v, c->m->n_tokens, sizeof *v, token_cmp);
    int rc = 0;
    for (size_t i = 0; i < c->m->n_tokens && !rc; i++) {
        const zr_token *t = v[i];
        kr_str *ren = malloc((t->n_renewers ? t->n_renewers : 1) * sizeof *ren);
        if (!ren) {
            rc = kr_fail(c->err, KR_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k < t->n_renewers; k++) ren[k] = S(t->renewers[k]);
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_DELEGATION_TOKEN_RECORD, 0);
        kr_DelegationTokenRecord *r = &rec.u.DelegationTokenRecord;
        r->Owner = S(t->owner);
        r->Requester = S(t->requester ? t->requester : t->owner);
        r->Renewers = (kr_array_str){ren, (int32_t)t->n_renewers};
        r->IssueTimestamp = t->issue_ms;
        r->MaxTimestamp = t->max_ms;
        r->ExpirationTimestamp = t->expiry_ms;
        r->TokenId = S(t->token_id);
        rc = emit(c, &rec);
        free(ren);
    }
    free(v);
    return rc;
}

/* ---- entry points ------------------------------------------------------------ */

int mg_convert(const zr_model *m, const mg_convert_options *o, mg_record_sink *sink,
               mg_convert_report *rep, kr_error *err) {
    assert(m && o && sink && sink->record && rep);
    if (!m->finished) return kr_fail(err, KR_ERR_INVALID, "the ZooKeeper model is not finished");
    int16_t mv = o->metadata_version ? o->metadata_version : KR_MV_3_9_IV0;
    if (mv < KR_MV_3_4_IV0 || mv > KR_MV_3_9_IV0 || !kr_metadata_version_name(mv))
        return kr_fail(err, KR_ERR_UNSUPPORTED, "metadata.version level %d: migration targets "
                       "3.4-IV0 .. 3.9-IV0", (int)mv);
    conv c = {.m = m, .o = o, .mv = mv, .sink = sink, .rep = rep, .err = err};
    size_t n_entities = 0;
    const zr_config_entity **es = entities(m, &n_entities);
    int rc = es ? 0 : kr_fail(err, KR_ERR_NOMEM, "out of memory");
    if (!rc) rc = emit_features(&c);
    if (!rc) rc = emit_topics(&c);
    if (!rc) rc = emit_configs(&c, es, n_entities);
    if (!rc) rc = emit_quotas(&c, es, n_entities);
    if (!rc) rc = emit_producer_ids(&c);
    if (!rc) rc = emit_acls(&c);
    if (!rc) rc = emit_scram(&c);
    if (!rc) rc = emit_tokens(&c);
    free(es);
    kr_buf_free(&c.value);
    return rc;
}

static int image_sink(void *ctx, const kr_metadata_record *rec, const uint8_t *value, size_t len,
                      kr_error *err) {
    return kr_image_apply(ctx, rec, err);
}

int mg_model_to_image(const zr_model *m, const mg_convert_options *o, kr_image *img,
                      mg_convert_report *rep, kr_error *err) {
    mg_record_sink sink = {image_sink, img};
    return mg_convert(m, o, &sink, rep, err);
}
