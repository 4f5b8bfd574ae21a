/*
 * Full reconciliation (migration.md §9.2) without Kafka's retry-forever hazards (§10 end):
 * a missing or unusable state znode is created (not setData'd), an extraneous partition is
 * deleted recursively, and pending deletions are cleared first. Every comparison is on
 * meaning, not bytes, so an image equal to ZooKeeper plans nothing. Unlike Kafka, which
 * rewrites every quota entity, SCRAM user and token unconditionally, only entities that
 * differ are written.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "migrate/password.h"
#include "migrate/zk_plan_internal.h"

#define NOMEM(c) kr_fail((c)->err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes")

typedef struct rec_ctx {
    mg_zkp_ctx c;
    const zr_model *zk;
    bool *topic_done;   /* image topics matched or created, by table index */
    kr_strmap deleted;  /* topic names whose /config/topics znode the topic pass deleted */
    kr_strmap created;  /* topic names the topic pass created (with their configs) */
} rec_ctx;

/* ---- topics ------------------------------------------------------------------------------ */

static bool ids_equal(const kr_ids *a, const zr_ints *b) {
    int32_t n = a->n > 0 ? a->n : 0;
    if ((size_t)n != b->n) return false;
    return n == 0 || !memcmp(a->v, b->v, (size_t)n * sizeof(int32_t));
}

static bool assignment_equal(const kr_image_partition *ip, const zr_partition *zp) {
    return ids_equal(&ip->replicas, &zp->replicas) && ids_equal(&ip->adding_replicas, &zp->adding) &&
           ids_equal(&ip->removing_replicas, &zp->removing);
}

/* Not compared: partition epoch (the znode version drifts, §9.3), controller epoch, directories. */
static bool state_equal(const kr_image_partition *ip, const zr_partition *zp) {
    if (!zp->has_state || zp->synthesized) return false;
    return ip->leader == zp->state.leader && ip->leader_epoch == zp->state.leader_epoch &&
           ip->leader_recovery_state == zp->state.leader_recovery_state && ids_equal(&ip->isr, &zp->state.isr);
}

static int delete_zk_topic(rec_ctx *r, const zr_topic *zt) {
    int32_t *pids = malloc((zt->n_partitions ? zt->n_partitions : 1) * sizeof *pids);
    if (!pids) return NOMEM(&r->c);
    for (size_t i = 0; i < zt->n_partitions; i++) pids[i] = zt->partitions[i].id;
    int rc = mg_zkp_delete_topic(&r->c, zt->name, pids, (int32_t)zt->n_partitions, "DeleteTopic");
    free(pids);
    if (!rc && !kr_strmap_put(&r->deleted, zt->name, strlen(zt->name), 1)) rc = NOMEM(&r->c);
    return rc;
}

static const zr_partition *zk_partition(const zr_topic *zt, int32_t pid) {
    size_t lo = 0, hi = zt->n_partitions; /* sorted by id after zr_model_finish */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (zt->partitions[mid].id == pid) return &zt->partitions[mid];
        if (zt->partitions[mid].id < pid) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int reconcile_topic(rec_ctx *r, const zr_topic *zt, const kr_image_topic *it) {
    mg_zkp_ctx *c = &r->c;
    char path[MG_ZKP_PATH_MAX];
    bool rewrite_topic = zt->version != 3 || !zt->has_id || memcmp(zt->id, it->id.b, 16);
    int rc = KR_OK;
    /* Partitions only in ZooKeeper: deleted with everything below them. */
    for (size_t i = 0; i < zt->n_partitions && !rc; i++) {
        int32_t pid = zt->partitions[i].id;
        if (pid < it->partitions_cap && it->partitions[pid].present) continue;
        rewrite_topic = true;
        if (!(rc = mg_zkp_path(c, path, "/brokers/topics/%s/partitions/%d", zt->name, (int)pid))) {
            rc = mg_zk_ops_delete(c->out, "DeletePartition", true, path, c->err);
            c->st->partitions_deleted++;
        }
    }
    for (int32_t pid = 0; pid < it->partitions_cap && !rc; pid++) {
        if (!it->partitions[pid].present) continue;
        const zr_partition *zp = zk_partition(zt, pid);
        if (!zp || !assignment_equal(&it->partitions[pid], zp)) rewrite_topic = true;
    }
    if (!rc && rewrite_topic) {
        rc = mg_zkp_write_topic_znode(c, it, true, "UpdateTopic");
        c->st->topics_updated++;
    }
    for (int32_t pid = 0; pid < it->partitions_cap && !rc; pid++) {
        const kr_image_partition *ip = &it->partitions[pid];
        if (!ip->present) continue;
        const zr_partition *zp = zk_partition(zt, pid);
        if (!zp) /* only in the image: its znodes are created (never a setData that cannot succeed) */
            rc = mg_zkp_write_partition(c, it, ip, true, false, "CreatePartition");
        else if (!state_equal(ip, zp)) /* a missing or unusable state znode is created */
            rc = mg_zkp_write_partition(c, it, ip, false, zp->has_state, "UpdatePartition");
    }
    return rc;
}

/* The image topic a ZooKeeper topic mirrors: same name, and the same id when ZooKeeper has
 * one (a topic without an id was given one by the migration). */
static const kr_image_topic *matching_topic(const kr_image *img, const zr_topic *zt) {
    const kr_image_topic *it = kr_image_topic_by_name(img, zt->name, strlen(zt->name));
    if (!it || !zt->has_assignment) return NULL;
    if (zt->has_id && memcmp(zt->id, it->id.b, 16)) return NULL;
    return it;
}

static int reconcile_topics(rec_ctx *r) {
    mg_zkp_ctx *c = &r->c;
    char path[MG_ZKP_PATH_MAX];
    int rc = KR_OK;
    for (size_t i = 0; i < r->zk->n_pending_deletions && !rc; i++)
        if (!(rc = mg_zkp_path(c, path, "/admin/delete_topics/%s", r->zk->pending_deletions[i])))
            rc = mg_zk_ops_delete(c->out, "DeletePendingTopicDeletion", true, path, c->err);
    for (size_t i = 0; i < r->zk->n_topics && !rc; i++) {
        const zr_topic *zt = r->zk->topics[i];
        const kr_image_topic *it = matching_topic(c->img, zt);
        if (!it) {
            rc = delete_zk_topic(r, zt);
            continue;
        }
        r->topic_done[it - c->img->topics.v] = true;
        rc = reconcile_topic(r, zt, it);
    }
    for (int32_t i = 0; i < c->img->topics.n && !rc; i++) {
        if (r->topic_done[i]) continue;
        const kr_image_topic *it = &c->img->topics.v[i];
        mg_zkp_kvs kvs = {0};
        /* configs of the new topic, collected directly (few topics are created this way) */
        mg_zkp_group g = {0};
        for (int32_t j = 0; j < c->img->configs.n && !rc; j++)
            if (c->img->configs.v[j].resource_type == 2 && !strcmp(c->img->configs.v[j].resource_name, it->name) &&
                !mg_zkp_group_add(&g, j))
                rc = NOMEM(c);
        if (!rc) rc = mg_zkp_config_kvs(c, &g, 2, &kvs);
        if (!rc) rc = mg_zkp_create_topic(c, it, &kvs);
        if (!rc && !kr_strmap_put(&r->created, it->name, strlen(it->name), 1)) rc = NOMEM(c);
        mg_zkp_kvs_free(&kvs);
        free(g.idx);
    }
    return rc;
}

/* ---- configs --------------------------------------------------------------------------------- */

static const zr_kv *zk_kv(const zr_kvs *kv, const char *key) {
    for (size_t i = 0; i < kv->n; i++)
        if (!strcmp(kv->v[i].key, key)) return &kv->v[i];
    return NULL;
}

/* Compares a broker/topic resource; password keys by their decrypted value. Without a
 * secret, ZooKeeper's ciphertext is kept (copied into `want`) and not compared. */
static int config_differs(rec_ctx *r, const zr_kvs *zk, mg_zkp_kvs *want, bool *differs) {
    mg_zkp_ctx *c = &r->c;
    const char *secret = c->o->password_encoder_secret;
    size_t matched = 0;
    *differs = false;
    for (int32_t i = 0; i < want->n; i++) {
        mg_zkp_kv *kv = &want->v[i];
        const zr_kv *z = zk_kv(zk, kv->key);
        if (!z) {
            if (!kv->is_password || secret) *differs = true;
            continue;
        }
        matched++;
        if (!kv->is_password) {
            if (strcmp(z->value, kv->value)) *differs = true;
            continue;
        }
        if (!secret) { /* keep what ZooKeeper holds */
            char *copy = strdup(z->value);
            if (!copy) return NOMEM(c);
            if (kv->owned) free((char *)kv->value);
            kv->value = copy;
            kv->owned = kv->encrypted = true;
            continue;
        }
        char *plain = NULL;
        kr_error derr = {0};
        if (mg_password_decrypt(z->value, secret, &plain, &derr) || strcmp(plain, kv->value)) *differs = true;
        if (plain) {
            OPENSSL_cleanse(plain, strlen(plain));
            free(plain);
        }
    }
    if (matched != zk->n) *differs = true;
    return KR_OK;
}

static int reconcile_configs(rec_ctx *r) {
    mg_zkp_ctx *c = &r->c;
    mg_zkp_groups gs = {0};
    bool oom = false;
    char key[MG_ZKP_PATH_MAX + 2];
    for (int32_t i = 0; i < c->img->configs.n && !oom; i++) {
        const kr_image_config *cf = &c->img->configs.v[i];
        if (cf->resource_type != 2 && cf->resource_type != 4) continue; /* no ZooKeeper form */
        size_t len = mg_zkp_config_key(key, sizeof key, cf->resource_type, cf->resource_name);
        mg_zkp_group *g = len ? mg_zkp_group_get(&gs, key, len, true, &oom) : NULL;
        if (g && !mg_zkp_group_add(g, i)) oom = true;
    }
    int rc = oom ? NOMEM(c) : KR_OK;
    for (size_t i = 0; i < r->zk->n_configs && !rc; i++) {
        const zr_config_entity *e = &r->zk->configs[i];
        if (e->type != ZR_ENTITY_TOPIC && e->type != ZR_ENTITY_BROKER) continue;
        int8_t type = e->type == ZR_ENTITY_TOPIC ? 2 : 4;
        const char *name = e->is_default ? "" : e->name;
        size_t len = mg_zkp_config_key(key, sizeof key, type, name);
        mg_zkp_group *g = mg_zkp_group_get(&gs, key, len, false, &oom);
        if (g) g->existed = true;
        if (type == 2 && !kr_image_topic_by_name(c->img, name, strlen(name))) {
            if (kr_strmap_get(&r->deleted, name, strlen(name)) >= 0) continue; /* gone with its topic */
            if (!e->config.n) continue;
        }
        if (type == 2 && kr_strmap_get(&r->created, name, strlen(name)) >= 0) continue;
        mg_zkp_kvs want = {0};
        bool differs = false;
        rc = mg_zkp_config_kvs(c, g, type, &want);
        if (!rc) rc = config_differs(r, &e->config, &want, &differs);
        if (!rc && differs) {
            if (type == 2 && !kr_image_topic_by_name(c->img, name, strlen(name))) {
                /* configs of a topic that exists nowhere else */
                char path[MG_ZKP_PATH_MAX];
                if (!(rc = mg_zkp_path(c, path, "/config/topics/%s", name)))
                    rc = mg_zk_ops_delete(c->out, "DeleteTopicConfig", true, path, c->err);
                c->st->configs_deleted++;
            } else {
                rc = mg_zkp_write_config(c, type, name, &want, true);
            }
        }
        mg_zkp_kvs_free(&want);
    }
    for (int32_t i = 0; i < gs.n && !rc; i++) {
        mg_zkp_group *g = &gs.g[i];
        if (g->existed) continue;
        int8_t type = (int8_t)(g->key[0] - '0');
        const char *name = g->key + 1;
        if (type == 2 && kr_strmap_get(&r->created, name, strlen(name)) >= 0) continue;
        mg_zkp_kvs want = {0};
        rc = mg_zkp_config_kvs(c, g, type, &want);
        if (!rc) rc = mg_zkp_write_config(c, type, name, &want, false);
        mg_zkp_kvs_free(&want);
    }
    mg_zkp_groups_free(&gs);
    return rc;
}

/* ---- quotas and SCRAM ---------------------------------------------------------------------- */

static bool zk_entity_path(const zr_config_entity *e, char *buf, size_t cap) {
    kr_image_quota_entity_part parts[2];
    int32_t n = 0;
    switch (e->type) {
    case ZR_ENTITY_USER: parts[n++] = (kr_image_quota_entity_part){"user", e->name}; break;
    case ZR_ENTITY_CLIENT: parts[n++] = (kr_image_quota_entity_part){"client-id", e->name}; break;
    case ZR_ENTITY_IP: parts[n++] = (kr_image_quota_entity_part){"ip", e->name}; break;
    case ZR_ENTITY_USER_CLIENT:
        parts[n++] = (kr_image_quota_entity_part){"user", e->name};
        parts[n++] = (kr_image_quota_entity_part){"client-id", e->client_is_default ? NULL : e->client};
        break;
    default: return false;
    }
    return mg_zkp_quota_path(parts, n, buf, cap);
}

static bool quota_equal(const char *a, const char *b) {
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    return *ea == 0 && *eb == 0 && ea != a && eb != b ? x == y : !strcmp(a, b);
}

static bool quota_kvs_differ(const zr_kvs *zk, const mg_zkp_kvs *want) {
    if ((size_t)want->n != zk->n) return true;
    for (int32_t i = 0; i < want->n; i++) {
        const zr_kv *z = zk_kv(zk, want->v[i].key);
        if (!z) return true;
        bool scram = !strncmp(want->v[i].key, "SCRAM-", 6);
        if (scram ? strcmp(z->value, want->v[i].value) != 0 : !quota_equal(z->value, want->v[i].value)) return true;
    }
    return false;
}

static int reconcile_quotas(rec_ctx *r) {
    mg_zkp_ctx *c = &r->c;
    mg_zkp_groups q = {0}, s = {0}, all = {0};
    bool oom = false;
    char path[MG_ZKP_PATH_MAX];
    for (int32_t i = 0; i < c->img->quotas.n && !oom; i++) {
        const kr_image_quota *qu = &c->img->quotas.v[i];
        if (!mg_zkp_quota_path(qu->entity, qu->entity_parts, path, sizeof path)) continue;
        mg_zkp_group *g = mg_zkp_group_get(&q, path, strlen(path), true, &oom);
        if (g && !mg_zkp_group_add(g, i)) oom = true;
        if (!oom) mg_zkp_group_get(&all, path, strlen(path), true, &oom);
    }
    for (int32_t i = 0; i < c->img->scram.n && !oom; i++) {
        if (!mg_zkp_scram_path(c->img->scram.v[i].user, path, sizeof path)) continue;
        mg_zkp_group *g = mg_zkp_group_get(&s, path, strlen(path), true, &oom);
        if (g && !mg_zkp_group_add(g, i)) oom = true;
        if (!oom) mg_zkp_group_get(&all, path, strlen(path), true, &oom);
    }
    int rc = oom ? NOMEM(c) : KR_OK;
    for (size_t i = 0; i < r->zk->n_configs && !rc; i++) {
        const zr_config_entity *e = &r->zk->configs[i];
        if (!zk_entity_path(e, path, sizeof path)) continue;
        size_t len = strlen(path);
        mg_zkp_group *a = mg_zkp_group_get(&all, path, len, false, &oom);
        if (a) a->existed = true;
        mg_zkp_kvs want = {0};
        rc = mg_zkp_quota_kvs(c, mg_zkp_group_get(&q, path, len, false, &oom),
                              e->type == ZR_ENTITY_USER ? mg_zkp_group_get(&s, path, len, false, &oom) : NULL, &want);
        if (!rc && quota_kvs_differ(&e->config, &want)) rc = mg_zkp_write_quota_entity(c, path, &want, true);
        mg_zkp_kvs_free(&want);
    }
    for (int32_t i = 0; i < all.n && !rc; i++) {
        if (all.g[i].existed) continue;
        const char *p = all.g[i].key;
        size_t len = all.g[i].key_len;
        mg_zkp_kvs want = {0};
        rc = mg_zkp_quota_kvs(c, mg_zkp_group_get(&q, p, len, false, &oom), mg_zkp_group_get(&s, p, len, false, &oom),
                              &want);
        if (!rc) rc = mg_zkp_write_quota_entity(c, p, &want, false);
        mg_zkp_kvs_free(&want);
    }
    mg_zkp_groups_free(&q);
    mg_zkp_groups_free(&s);
    mg_zkp_groups_free(&all);
    return rc;
}

/* ---- producer ids ------------------------------------------------------------------------------- */

static int reconcile_producer_ids(rec_ctx *r) {
    int64_t next = r->c.img->next_producer_id;
    if (next < 0) return KR_OK;
    /* Both the migrated block (next = end + 1) and a dual-written one (start = next) mirror it. */
    if (r->zk->has_producer_id_block &&
        (r->zk->producer_id_block_start == next || r->zk->producer_id_block_end + 1 == next))
        return KR_OK;
    return mg_zkp_write_producer_ids(&r->c);
}

/* ---- ACLs ------------------------------------------------------------------------------------------- */

static bool acls_differ(const zr_acl_resource *zr, const kr_image_acl *const *want, size_t n) {
    if (n != zr->n_entries) return true;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < zr->n_entries && !found; j++) {
            const zr_acl_entry *z = &zr->entries[j];
            found = z->operation == want[i]->operation && z->permission == want[i]->permission_type &&
                    !strcmp(z->principal, want[i]->principal ? want[i]->principal : "") &&
                    !strcmp(z->host, want[i]->host ? want[i]->host : "");
        }
        if (!found) return true;
    }
    return false;
}

static int reconcile_acls(rec_ctx *r) {
    mg_zkp_ctx *c = &r->c;
    mg_zkp_groups gs = {0};
    bool oom = false;
    char key[MG_ZKP_PATH_MAX + 3];
    int rc = mg_zkp_group_acls(c, NULL, &gs);
    for (size_t i = 0; i < r->zk->n_acls && !rc; i++) {
        const zr_acl_resource *zr = &r->zk->acls[i];
        size_t len = mg_zkp_acl_key(key, sizeof key, (int8_t)zr->type, (int8_t)zr->pattern, zr->name);
        mg_zkp_group *g = mg_zkp_group_get(&gs, key, len, false, &oom);
        if (g) g->existed = true;
        const kr_image_acl **want = NULL;
        size_t n = 0;
        rc = mg_zkp_acl_entries(c, g, &want, &n);
        if (!rc && acls_differ(zr, want, n))
            rc = mg_zkp_write_acls(c, (int8_t)zr->type, (int8_t)zr->pattern, zr->name, g, true);
        free(want);
    }
    for (int32_t i = 0; i < gs.n && !rc; i++) {
        mg_zkp_group *g = &gs.g[i];
        if (g->existed) continue;
        const kr_image_acl *a = &c->img->acls.v[g->idx[0]];
        rc = mg_zkp_write_acls(c, a->resource_type, a->pattern_type, a->resource_name ? a->resource_name : "", g,
                               false);
    }
    mg_zkp_groups_free(&gs);
    return rc;
}

/* ---- delegation tokens ------------------------------------------------------------------------------- */

static bool token_equal(const kr_image_token *it, const zr_token *zt) {
    const char *req = it->requester ? it->requester : it->owner;
    if (strcmp(it->owner ? it->owner : "", zt->owner) || strcmp(req ? req : "", zt->requester) ||
        it->issue_timestamp_ms != zt->issue_ms || it->max_timestamp_ms != zt->max_ms ||
        it->expiration_timestamp_ms != zt->expiry_ms || (size_t)it->renewer_count != zt->n_renewers)
        return false;
    for (int32_t i = 0; i < it->renewer_count; i++)
        if (strcmp(it->renewers[i] ? it->renewers[i] : "", zt->renewers[i])) return false;
    return true;
}

static int reconcile_tokens(rec_ctx *r) {
    mg_zkp_ctx *c = &r->c;
    bool *seen = calloc((size_t)(c->img->tokens.n ? c->img->tokens.n : 1), sizeof *seen);
    if (!seen) return NOMEM(c);
    int rc = KR_OK;
    char path[MG_ZKP_PATH_MAX];
    for (size_t i = 0; i < r->zk->n_tokens && !rc; i++) {
        const zr_token *zt = &r->zk->tokens[i];
        int32_t j = mg_zkp_token_index(c->img, zt->token_id);
        if (j < 0) {
            if (!(rc = mg_zkp_path(c, path, "/delegation_token/tokens/%s", zt->token_id))) {
                rc = mg_zk_ops_delete(c->out, "DeleteDelegationToken", true, path, c->err);
                c->st->tokens_deleted++;
            }
            continue;
        }
        seen[j] = true;
        if (!token_equal(&c->img->tokens.v[j], zt)) rc = mg_zkp_write_token(c, &c->img->tokens.v[j], true);
    }
    for (int32_t j = 0; j < c->img->tokens.n && !rc; j++)
        if (!seen[j]) rc = mg_zkp_write_token(c, &c->img->tokens.v[j], false);
    free(seen);
    return rc;
}

int mg_zk_plan_reconcile(const kr_image *img, const zr_model *zk, const mg_zk_plan_options *o, mg_zk_ops *out,
                         mg_zk_plan_stats *st, kr_error *err) {
    assert(img && zk && o && out && zk->finished);
    mg_zk_plan_stats dummy;
    if (!st) st = &dummy;
    memset(st, 0, sizeof *st);
    rec_ctx r = {.c = {.img = img, .o = o, .out = out, .st = st, .err = err}, .zk = zk};
    r.topic_done = calloc((size_t)(img->topics.n ? img->topics.n : 1), sizeof *r.topic_done);
    if (!r.topic_done) return NOMEM(&r.c);
    /* Order of §9.1: topics, configs, quotas + SCRAM, producer ids, ACLs, tokens. */
    int rc = reconcile_topics(&r);
    if (!rc) rc = reconcile_configs(&r);
    if (!rc) rc = reconcile_quotas(&r);
    if (!rc) rc = reconcile_producer_ids(&r);
    if (!rc) rc = reconcile_acls(&r);
    if (!rc) rc = reconcile_tokens(&r);
    free(r.topic_done);
    kr_strmap_free(&r.deleted);
    kr_strmap_free(&r.created);
    kr_buf_free(&r.c.buf);
    return rc;
}
