/* Dual-write deltas (migration.md §9.3): the touched set and mg_zk_plan_delta. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/zk_plan_internal.h"

#define NOMEM(err) kr_fail((err), KR_ERR_NOMEM, "out of memory recording touched entities")

typedef struct touched_partition {
    int32_t pid;
    bool is_new; /* not in the topic before: its znodes are created */
} touched_partition;

typedef struct touched_topic {
    kr_uuid id;
    char *name;
    bool existed_before; /* in the image the first touching record was applied to */
    bool removed;
    bool assignment_changed;
    touched_partition *parts; /* changed partitions (unique) */
    int32_t n_parts, cap_parts;
    int32_t *removed_pids; /* partitions of a removed topic, from `before` */
    int32_t n_removed_pids;
} touched_topic;

typedef struct touched_acl {
    int8_t type, pattern;
    char *name;
    bool existed_before;
} touched_acl;

typedef struct touched_name {
    char *name; /* config resource name, quota entity path, token id */
    int8_t type;
    bool existed_before;
} touched_name;

typedef struct touched_names {
    touched_name *v;
    int32_t n, cap;
    kr_strmap index;
} touched_names;

struct mg_zk_touched {
    touched_topic *topics;
    int32_t n_topics, cap_topics;
    kr_strmap topic_index;     /* 16 id bytes -> topics[] */
    kr_strmap partition_index; /* 16 id bytes + 4 pid bytes -> parts[] of its topic */
    touched_names configs;     /* key: mg_zkp_config_key */
    touched_names quotas;      /* key: entity znode path */
    touched_names tokens;      /* key: token id */
    touched_acl *acls;
    int32_t n_acls, cap_acls;
    kr_strmap acl_index; /* key: mg_zkp_acl_key */
    bool producer_ids;
    /* Existence beliefs: keys of the image the first touching record of this delta saw.
     * Built once per delta; an entity created later in the delta was touched (and its
     * belief fixed) by the record that created it. */
    bool have_before;
    kr_strmap before_configs; /* mg_zkp_config_key of BROKER resources */
    kr_strmap before_quotas;  /* quota entity paths (quotas and SCRAM users) */
    kr_strmap before_acls;    /* mg_zkp_acl_key */
};

int mg_zk_touched_new(mg_zk_touched **out, kr_error *err) {
    *out = calloc(1, sizeof **out);
    return *out ? KR_OK : NOMEM(err);
}

static void names_clear(touched_names *t) {
    for (int32_t i = 0; i < t->n; i++) free(t->v[i].name);
    t->n = 0;
    kr_strmap_free(&t->index);
}

void mg_zk_touched_clear(mg_zk_touched *t) {
    for (int32_t i = 0; i < t->n_topics; i++) {
        free(t->topics[i].name);
        free(t->topics[i].parts);
        free(t->topics[i].removed_pids);
    }
    t->n_topics = 0;
    kr_strmap_free(&t->topic_index);
    kr_strmap_free(&t->partition_index);
    names_clear(&t->configs);
    names_clear(&t->quotas);
    names_clear(&t->tokens);
    for (int32_t i = 0; i < t->n_acls; i++) free(t->acls[i].name);
    t->n_acls = 0;
    kr_strmap_free(&t->acl_index);
    t->producer_ids = false;
    kr_strmap_free(&t->before_configs);
    kr_strmap_free(&t->before_quotas);
    kr_strmap_free(&t->before_acls);
    t->have_before = false;
}

void mg_zk_touched_free(mg_zk_touched *t) {
    if (!t) return;
    mg_zk_touched_clear(t);
    free(t->topics);
    free(t->configs.v);
    free(t->quotas.v);
    free(t->tokens.v);
    free(t->acls);
    free(t);
}

bool mg_zk_touched_empty(const mg_zk_touched *t) {
    return !t->n_topics && !t->configs.n && !t->quotas.n && !t->tokens.n && !t->n_acls && !t->producer_ids;
}

static bool grow(void **v, int32_t *cap, int32_t n, size_t size) {
    if (n < *cap) return true;
    int32_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, (size_t)c * size);
    if (!p) return false;
    *v = p;
    *cap = c;
    return true;
}

/* The entry for key, added (with name and belief) on first touch. */
static touched_name *touch_name(touched_names *t, const char *key, size_t len, const char *name, int8_t type,
                                bool existed, kr_error *err, int *rc) {
    int32_t i = kr_strmap_get(&t->index, key, len);
    if (i >= 0) return &t->v[i];
    if (!grow((void **)&t->v, &t->cap, t->n, sizeof *t->v) || !(t->v[t->n].name = strdup(name)) ||
        !kr_strmap_put(&t->index, key, len, t->n)) {
        *rc = NOMEM(err);
        return NULL;
    }
    t->v[t->n].type = type;
    t->v[t->n].existed_before = existed;
    return &t->v[t->n++];
}

/* ---- topics ------------------------------------------------------------------------------ */

static touched_topic *touch_topic(mg_zk_touched *t, const kr_image *before, const kr_uuid *id, const char *name,
                                  kr_error *err, int *rc) {
    int32_t i = kr_strmap_get(&t->topic_index, id->b, 16);
    if (i >= 0) return &t->topics[i];
    const kr_image_topic *bt = kr_image_topic_by_id(before, id);
    if (!name) name = bt ? bt->name : NULL;
    if (!name) return NULL; /* a partition of an unknown topic: the image rejects the record */
    if (!grow((void **)&t->topics, &t->cap_topics, t->n_topics, sizeof *t->topics)) goto oom;
    touched_topic *tt = &t->topics[t->n_topics];
    memset(tt, 0, sizeof *tt);
    tt->id = *id;
    tt->existed_before = bt != NULL;
    if (!(tt->name = strdup(name))) goto oom;
    if (!kr_strmap_put(&t->topic_index, id->b, 16, t->n_topics)) {
        free(tt->name);
        goto oom;
    }
    return &t->topics[t->n_topics++];
oom:
    *rc = NOMEM(err);
    return NULL;
}

static int touch_partition(mg_zk_touched *t, const kr_image *before, const kr_uuid *id, int32_t pid,
                           bool assignment, kr_error *err) {
    int rc = KR_OK;
    touched_topic *tt = touch_topic(t, before, id, NULL, err, &rc);
    if (!tt) return rc;
    const kr_image_topic *bt = kr_image_topic_by_id(before, id);
    bool is_new = !bt || pid < 0 || pid >= bt->partitions_cap || !bt->partitions[pid].present;
    if (is_new || assignment) tt->assignment_changed = true;
    uint8_t key[20];
    memcpy(key, id->b, 16);
    memcpy(key + 16, &pid, 4);
    int32_t i = kr_strmap_get(&t->partition_index, key, 20);
    if (i >= 0) {
        tt->parts[i].is_new = tt->parts[i].is_new || is_new;
        return KR_OK;
    }
    if (!grow((void **)&tt->parts, &tt->cap_parts, tt->n_parts, sizeof *tt->parts) ||
        !kr_strmap_put(&t->partition_index, key, 20, tt->n_parts))
        return NOMEM(err);
    tt->parts[tt->n_parts++] = (touched_partition){pid, is_new};
    return KR_OK;
}

static int touch_remove_topic(mg_zk_touched *t, const kr_image *before, const kr_uuid *id, kr_error *err) {
    const kr_image_topic *bt = kr_image_topic_by_id(before, id);
    if (!bt) return KR_OK; /* nothing to remove; the image rejects the record */
    int rc = KR_OK;
    touched_topic *tt = touch_topic(t, before, id, bt->name, err, &rc);
    if (!tt) return rc;
    tt->removed = true;
    free(tt->removed_pids);
    tt->n_removed_pids = 0;
    tt->removed_pids = malloc((size_t)(bt->partition_count > 0 ? bt->partition_count : 1) * sizeof(int32_t));
    if (!tt->removed_pids) return NOMEM(err);
    for (int32_t i = 0; i < bt->partitions_cap && tt->n_removed_pids < bt->partition_count; i++)
        if (bt->partitions[i].present) tt->removed_pids[tt->n_removed_pids++] = i;
    return KR_OK;
}

/* ---- configs, quotas, ACLs, tokens ----------------------------------------------------------- */

static int index_before(mg_zk_touched *t, const kr_image *before, kr_error *err) {
    if (t->have_before) return KR_OK;
    char key[MG_ZKP_PATH_MAX + 3];
    bool ok = true;
    for (int32_t i = 0; i < before->configs.n && ok; i++) {
        const kr_image_config *cf = &before->configs.v[i];
        if (cf->resource_type != 4) continue;
        size_t len = mg_zkp_config_key(key, sizeof key, 4, cf->resource_name);
        ok = !len || kr_strmap_put(&t->before_configs, key, len, 1);
    }
    for (int32_t i = 0; i < before->quotas.n && ok; i++)
        if (mg_zkp_quota_path(before->quotas.v[i].entity, before->quotas.v[i].entity_parts, key, sizeof key))
            ok = kr_strmap_put(&t->before_quotas, key, strlen(key), 1);
    for (int32_t i = 0; i < before->scram.n && ok; i++)
        if (mg_zkp_scram_path(before->scram.v[i].user, key, sizeof key))
            ok = kr_strmap_put(&t->before_quotas, key, strlen(key), 1);
    for (int32_t i = 0; i < before->acls.n && ok; i++) {
        const kr_image_acl *a = &before->acls.v[i];
        size_t len = mg_zkp_acl_key(key, sizeof key, a->resource_type, a->pattern_type,
                                    a->resource_name ? a->resource_name : "");
        ok = !len || kr_strmap_put(&t->before_acls, key, len, 1);
    }
    if (!ok) return NOMEM(err);
    t->have_before = true;
    return KR_OK;
}

static int touch_config(mg_zk_touched *t, const kr_image *before, const kr_ConfigRecord *r, kr_error *err) {
    if ((r->ResourceType != 2 && r->ResourceType != 4) || r->ResourceName.len < 0) return KR_OK;
    char name[MG_ZKP_PATH_MAX], key[MG_ZKP_PATH_MAX + 2];
    if ((size_t)r->ResourceName.len >= sizeof name)
        return kr_fail(err, KR_ERR_INVALID, "ConfigRecord: resource name of %d bytes", (int)r->ResourceName.len);
    memcpy(name, r->ResourceName.ptr, (size_t)r->ResourceName.len);
    name[r->ResourceName.len] = 0;
    size_t len = mg_zkp_config_key(key, sizeof key, r->ResourceType, name);
    if (kr_strmap_get(&t->configs.index, key, len) >= 0) return KR_OK;
    int rc = r->ResourceType == 4 ? index_before(t, before, err) : KR_OK; /* topics: their znode */
    if (rc) return rc;
    bool existed = r->ResourceType == 2 ? kr_image_topic_by_name(before, name, strlen(name)) != NULL
                                        : kr_strmap_get(&t->before_configs, key, len) >= 0;
    touch_name(&t->configs, key, len, name, r->ResourceType, existed, err, &rc);
    return rc;
}

static int touch_quota_path(mg_zk_touched *t, const kr_image *before, const char *path, kr_error *err) {
    size_t len = strlen(path);
    if (kr_strmap_get(&t->quotas.index, path, len) >= 0) return KR_OK;
    int rc = index_before(t, before, err);
    if (rc) return rc;
    touch_name(&t->quotas, path, len, path, 0, kr_strmap_get(&t->before_quotas, path, len) >= 0, err, &rc);
    return rc;
}

static int touch_quota(mg_zk_touched *t, const kr_image *before, const kr_ClientQuotaRecord *r, kr_error *err) {
    kr_image_quota_entity_part parts[2];
    if (r->Entity.n < 1 || r->Entity.n > 2) return KR_OK; /* no ZooKeeper form */
    char names[2][2][MG_ZKP_PATH_MAX];
    for (int32_t i = 0; i < r->Entity.n; i++) {
        kr_str ty = r->Entity.v[i].EntityType, nm = r->Entity.v[i].EntityName;
        if (ty.len < 0 || ty.len >= MG_ZKP_PATH_MAX || nm.len >= MG_ZKP_PATH_MAX) return KR_OK;
        memcpy(names[i][0], ty.ptr, (size_t)ty.len);
        names[i][0][ty.len] = 0;
        if (nm.len >= 0) {
            memcpy(names[i][1], nm.ptr, (size_t)nm.len);
            names[i][1][nm.len] = 0;
        }
        parts[i] = (kr_image_quota_entity_part){names[i][0], nm.len >= 0 ? names[i][1] : NULL};
    }
    char path[MG_ZKP_PATH_MAX];
    if (!mg_zkp_quota_path(parts, r->Entity.n, path, sizeof path)) return KR_OK;
    return touch_quota_path(t, before, path, err);
}

static int touch_scram(mg_zk_touched *t, const kr_image *before, kr_str user, kr_error *err) {
    char name[MG_ZKP_PATH_MAX], path[MG_ZKP_PATH_MAX];
    if (user.len < 0 || user.len >= MG_ZKP_PATH_MAX) return KR_OK;
    memcpy(name, user.ptr, (size_t)user.len);
    name[user.len] = 0;
    if (!mg_zkp_scram_path(name, path, sizeof path)) return KR_OK;
    return touch_quota_path(t, before, path, err);
}

static int touch_acl_pattern(mg_zk_touched *t, const kr_image *before, int8_t type, int8_t pattern,
                             const char *name, size_t name_len, kr_error *err) {
    char key[MG_ZKP_PATH_MAX + 3], nm[MG_ZKP_PATH_MAX];
    if (name_len >= sizeof nm) return kr_fail(err, KR_ERR_INVALID, "ACL resource name of %zu bytes", name_len);
    memcpy(nm, name, name_len);
    nm[name_len] = 0;
    size_t len = mg_zkp_acl_key(key, sizeof key, type, pattern, nm);
    if (kr_strmap_get(&t->acl_index, key, len) >= 0) return KR_OK;
    int rc = index_before(t, before, err);
    if (rc) return rc;
    if (!grow((void **)&t->acls, &t->cap_acls, t->n_acls, sizeof *t->acls) ||
        !(t->acls[t->n_acls].name = strdup(nm)))
        return NOMEM(err);
    if (!kr_strmap_put(&t->acl_index, key, len, t->n_acls)) {
        free(t->acls[t->n_acls].name);
        return NOMEM(err);
    }
    t->acls[t->n_acls].type = type;
    t->acls[t->n_acls].pattern = pattern;
    t->acls[t->n_acls].existed_before = kr_strmap_get(&t->before_acls, key, len) >= 0;
    t->n_acls++;
    return KR_OK;
}

static int touch_remove_acl(mg_zk_touched *t, const kr_image *before, const kr_uuid *id, kr_error *err) {
    int32_t i = kr_strmap_get(&before->acls.index, id->b, 16);
    if (i < 0) return KR_OK; /* Kafka logs and skips a removal of an unknown ACL id */
    const kr_image_acl *a = &before->acls.v[i];
    const char *nm = a->resource_name ? a->resource_name : "";
    return touch_acl_pattern(t, before, a->resource_type, a->pattern_type, nm, strlen(nm), err);
}

static int touch_token(mg_zk_touched *t, const kr_image *before, kr_str id, kr_error *err) {
    char name[MG_ZKP_PATH_MAX];
    if (id.len < 0 || id.len >= MG_ZKP_PATH_MAX) return KR_OK;
    memcpy(name, id.ptr, (size_t)id.len);
    name[id.len] = 0;
    if (kr_strmap_get(&t->tokens.index, name, (size_t)id.len) >= 0) return KR_OK;
    int rc = KR_OK;
    touch_name(&t->tokens, name, (size_t)id.len, name, 0,
               mg_zkp_token_index(before, name) >= 0, err, &rc);
    return rc;
}

int mg_zk_touch(mg_zk_touched *t, const kr_image *before, const kr_metadata_record *rec, kr_error *err) {
    assert(t && before && rec);
    int rc = KR_OK;
    switch (rec->api_key) {
    case KR_REC_TOPIC_RECORD: {
        const kr_TopicRecord *r = &rec->u.TopicRecord;
        char name[MG_ZKP_PATH_MAX];
        if (r->Name.len < 0 || r->Name.len >= MG_ZKP_PATH_MAX) return KR_OK;
        memcpy(name, r->Name.ptr, (size_t)r->Name.len);
        name[r->Name.len] = 0;
        touched_topic *tt = touch_topic(t, before, &r->TopicId, name, err, &rc);
        if (tt) tt->assignment_changed = true;
        return rc;
    }
    case KR_REC_PARTITION_RECORD:
        return touch_partition(t, before, &rec->u.PartitionRecord.TopicId, rec->u.PartitionRecord.PartitionId,
                               true, err);
    case KR_REC_PARTITION_CHANGE_RECORD: {
        const kr_PartitionChangeRecord *r = &rec->u.PartitionChangeRecord;
        bool assignment = r->Replicas.n >= 0 || r->AddingReplicas.n >= 0 || r->RemovingReplicas.n >= 0;
        return touch_partition(t, before, &r->TopicId, r->PartitionId, assignment, err);
    }
    case KR_REC_REMOVE_TOPIC_RECORD:
        return touch_remove_topic(t, before, &rec->u.RemoveTopicRecord.TopicId, err);
    case KR_REC_CONFIG_RECORD:
        return touch_config(t, before, &rec->u.ConfigRecord, err);
    case KR_REC_CLIENT_QUOTA_RECORD:
        return touch_quota(t, before, &rec->u.ClientQuotaRecord, err);
    case KR_REC_USER_SCRAM_CREDENTIAL_RECORD:
        return touch_scram(t, before, rec->u.UserScramCredentialRecord.Name, err);
    case KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD:
        return touch_scram(t, before, rec->u.RemoveUserScramCredentialRecord.Name, err);
    case KR_REC_PRODUCER_IDS_RECORD:
        t->producer_ids = true;
        return KR_OK;
    case KR_REC_ACCESS_CONTROL_ENTRY_RECORD: {
        const kr_AccessControlEntryRecord *r = &rec->u.AccessControlEntryRecord;
        if (r->ResourceName.len < 0) return KR_OK;
        return touch_acl_pattern(t, before, r->ResourceType, r->PatternType, r->ResourceName.ptr,
                                 (size_t)r->ResourceName.len, err);
    }
    case KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD:
        return touch_remove_acl(t, before, &rec->u.RemoveAccessControlEntryRecord.Id, err);
    case KR_REC_DELEGATION_TOKEN_RECORD:
        return touch_token(t, before, rec->u.DelegationTokenRecord.TokenId, err);
    case KR_REC_REMOVE_DELEGATION_TOKEN_RECORD:
        return touch_token(t, before, rec->u.RemoveDelegationTokenRecord.TokenId, err);
    default:
        return KR_OK; /* §9.3 last row: nothing mirrored */
    }
}

/* ---- the delta plan --------------------------------------------------------------------------- */

/* Configs of the touched config resources (and of new topics), grouped in one pass. */
static int group_configs(mg_zkp_ctx *c, const mg_zk_touched *t, mg_zkp_groups *gs) {
    bool created = false;
    for (int32_t i = 0; i < t->n_topics && !created; i++) created = !t->topics[i].existed_before || t->topics[i].removed;
    if (!t->configs.n && !created) return KR_OK; /* the common delta: partition changes only */
    bool oom = false;
    char key[MG_ZKP_PATH_MAX + 2];
    for (int32_t i = 0; i < t->configs.n && !oom; i++) {
        size_t len = mg_zkp_config_key(key, sizeof key, t->configs.v[i].type, t->configs.v[i].name);
        mg_zkp_group_get(gs, key, len, true, &oom);
    }
    for (int32_t i = 0; i < t->n_topics && !oom; i++) {
        size_t len = mg_zkp_config_key(key, sizeof key, 2, t->topics[i].name);
        mg_zkp_group_get(gs, key, len, true, &oom);
    }
    for (int32_t i = 0; i < c->img->configs.n && !oom; i++) {
        const kr_image_config *cf = &c->img->configs.v[i];
        size_t len = mg_zkp_config_key(key, sizeof key, cf->resource_type, cf->resource_name);
        mg_zkp_group *g = len ? mg_zkp_group_get(gs, key, len, false, &oom) : NULL;
        if (g && !mg_zkp_group_add(g, i)) oom = true;
    }
    return oom ? kr_fail(c->err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes") : KR_OK;
}

static bool config_touched(const mg_zk_touched *t, int8_t type, const char *name) {
    char key[MG_ZKP_PATH_MAX + 2];
    size_t len = mg_zkp_config_key(key, sizeof key, type, name);
    return kr_strmap_get(&t->configs.index, key, len) >= 0;
}

static int plan_topics(mg_zkp_ctx *c, const mg_zk_touched *t, mg_zkp_groups *configs) {
    int rc = KR_OK;
    /* Removals first: a topic deleted and re-created under the same name in one delta. */
    for (int32_t i = 0; i < t->n_topics && !rc; i++) {
        const touched_topic *tt = &t->topics[i];
        if (!tt->existed_before || kr_image_topic_by_id(c->img, &tt->id)) continue;
        rc = mg_zkp_delete_topic(c, tt->name, tt->removed_pids, tt->n_removed_pids, "DeleteTopic");
    }
    char key[MG_ZKP_PATH_MAX + 2];
    for (int32_t i = 0; i < t->n_topics && !rc; i++) {
        const touched_topic *tt = &t->topics[i];
        const kr_image_topic *it = kr_image_topic_by_id(c->img, &tt->id);
        if (!it) continue;
        if (!tt->existed_before || tt->removed) {
            bool oom = false;
            size_t len = mg_zkp_config_key(key, sizeof key, 2, it->name);
            const mg_zkp_group *g = mg_zkp_group_get(configs, key, len, false, &oom);
            mg_zkp_kvs kvs = {0};
            bool own_configs = !config_touched(t, 2, it->name); /* else the config pass writes them */
            if (own_configs) rc = mg_zkp_config_kvs(c, g, 2, &kvs);
            if (!rc) rc = mg_zkp_create_topic(c, it, own_configs ? &kvs : NULL);
            mg_zkp_kvs_free(&kvs);
            continue;
        }
        if (tt->assignment_changed) {
            rc = mg_zkp_write_topic_znode(c, it, true, "UpdateTopic");
            c->st->topics_updated++;
        }
        for (int32_t j = 0; j < tt->n_parts && !rc; j++) {
            int32_t pid = tt->parts[j].pid;
            if (pid < 0 || pid >= it->partitions_cap || !it->partitions[pid].present) continue;
            bool is_new = tt->parts[j].is_new;
            rc = mg_zkp_write_partition(c, it, &it->partitions[pid], is_new, !is_new,
                                        is_new ? "CreatePartition" : "UpdatePartition");
        }
    }
    return rc;
}

static int plan_configs(mg_zkp_ctx *c, const mg_zk_touched *t, mg_zkp_groups *configs) {
    int rc = KR_OK;
    char key[MG_ZKP_PATH_MAX + 2];
    for (int32_t i = 0; i < t->configs.n && !rc; i++) {
        const touched_name *tn = &t->configs.v[i];
        /* A topic's configs go with the topic: none to write once it is gone. */
        bool exists = tn->existed_before;
        if (tn->type == 2) {
            const kr_image_topic *it = kr_image_topic_by_name(c->img, tn->name, strlen(tn->name));
            if (!it) continue;
            int32_t k = kr_strmap_get(&t->topic_index, it->id.b, 16);
            if (k >= 0 && (!t->topics[k].existed_before || t->topics[k].removed)) exists = false; /* created now */
        }
        bool oom = false;
        size_t len = mg_zkp_config_key(key, sizeof key, tn->type, tn->name);
        const mg_zkp_group *g = mg_zkp_group_get(configs, key, len, false, &oom);
        mg_zkp_kvs kvs = {0};
        rc = mg_zkp_config_kvs(c, g, tn->type, &kvs);
        if (!rc) rc = mg_zkp_write_config(c, tn->type, tn->name, &kvs, exists);
        mg_zkp_kvs_free(&kvs);
    }
    return rc;
}

static int plan_quotas(mg_zkp_ctx *c, const mg_zk_touched *t) {
    if (!t->quotas.n) return KR_OK;
    mg_zkp_groups q = {0}, s = {0};
    bool oom = false;
    char path[MG_ZKP_PATH_MAX];
    for (int32_t i = 0; i < c->img->quotas.n && !oom; i++) {
        const kr_image_quota *qu = &c->img->quotas.v[i];
        if (!mg_zkp_quota_path(qu->entity, qu->entity_parts, path, sizeof path)) continue;
        if (kr_strmap_get(&t->quotas.index, path, strlen(path)) < 0) continue;
        mg_zkp_group *g = mg_zkp_group_get(&q, path, strlen(path), true, &oom);
        if (g && !mg_zkp_group_add(g, i)) oom = true;
    }
    for (int32_t i = 0; i < c->img->scram.n && !oom; i++) {
        if (!mg_zkp_scram_path(c->img->scram.v[i].user, path, sizeof path)) continue;
        if (kr_strmap_get(&t->quotas.index, path, strlen(path)) < 0) continue;
        mg_zkp_group *g = mg_zkp_group_get(&s, path, strlen(path), true, &oom);
        if (g && !mg_zkp_group_add(g, i)) oom = true;
    }
    int rc = oom ? kr_fail(c->err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes") : KR_OK;
    for (int32_t i = 0; i < t->quotas.n && !rc; i++) {
        const touched_name *tn = &t->quotas.v[i];
        size_t len = strlen(tn->name);
        mg_zkp_kvs kvs = {0};
        rc = mg_zkp_quota_kvs(c, mg_zkp_group_get(&q, tn->name, len, false, &oom),
                              mg_zkp_group_get(&s, tn->name, len, false, &oom), &kvs);
        if (!rc) rc = mg_zkp_write_quota_entity(c, tn->name, &kvs, tn->existed_before);
        mg_zkp_kvs_free(&kvs);
    }
    mg_zkp_groups_free(&q);
    mg_zkp_groups_free(&s);
    return rc;
}

static int plan_acls(mg_zkp_ctx *c, const mg_zk_touched *t) {
    if (!t->n_acls) return KR_OK;
    mg_zkp_groups gs = {0};
    bool oom = false;
    char key[MG_ZKP_PATH_MAX + 3];
    int rc = mg_zkp_group_acls(c, &t->acl_index, &gs);
    for (int32_t i = 0; i < t->n_acls && !rc; i++) {
        const touched_acl *ta = &t->acls[i];
        size_t len = mg_zkp_acl_key(key, sizeof key, ta->type, ta->pattern, ta->name);
        const mg_zkp_group *g = mg_zkp_group_get(&gs, key, len, false, &oom);
        rc = mg_zkp_write_acls(c, ta->type, ta->pattern, ta->name, g, ta->existed_before);
    }
    mg_zkp_groups_free(&gs);
    return rc;
}

static int plan_tokens(mg_zkp_ctx *c, const mg_zk_touched *t) {
    int rc = KR_OK;
    char path[MG_ZKP_PATH_MAX];
    for (int32_t i = 0; i < t->tokens.n && !rc; i++) {
        const touched_name *tn = &t->tokens.v[i];
        int32_t j = mg_zkp_token_index(c->img, tn->name);
        if (j >= 0) {
            rc = mg_zkp_write_token(c, &c->img->tokens.v[j], tn->existed_before);
        } else if (!(rc = mg_zkp_path(c, path, "/delegation_token/tokens/%s", tn->name))) {
            rc = mg_zk_ops_delete(c->out, "DeleteDelegationToken", tn->existed_before, path, c->err);
            c->st->tokens_deleted++;
        }
    }
    return rc;
}

int mg_zk_plan_delta(const kr_image *after, const mg_zk_touched *t, const mg_zk_plan_options *o, mg_zk_ops *out,
                     mg_zk_plan_stats *st, kr_error *err) {
    assert(after && t && o && out);
    mg_zk_plan_stats dummy;
    if (!st) st = &dummy;
    memset(st, 0, sizeof *st);
    mg_zkp_ctx c = {.img = after, .o = o, .out = out, .st = st, .err = err};
    mg_zkp_groups configs = {0};
    /* Order of §9.1: topics, configs, quotas + SCRAM, producer ids, ACLs, tokens. */
    int rc = group_configs(&c, t, &configs);
    if (!rc) rc = plan_topics(&c, t, &configs);
    if (!rc) rc = plan_configs(&c, t, &configs);
    if (!rc) rc = plan_quotas(&c, t);
    if (!rc && t->producer_ids) rc = mg_zkp_write_producer_ids(&c);
    if (!rc) rc = plan_acls(&c, t);
    if (!rc) rc = plan_tokens(&c, t);
    mg_zkp_groups_free(&configs);
    kr_buf_free(&c.buf);
    return rc;
}
