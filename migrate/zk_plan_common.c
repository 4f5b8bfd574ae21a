/* Entity writers shared by the delta planner and the reconciliation (zk_plan_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "migrate/password.h"
#include "migrate/zk_plan_internal.h"

#define NOMEM(c) kr_fail((c)->err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes")

int mg_zkp_path(mg_zkp_ctx *c, char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, MG_ZKP_PATH_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= MG_ZKP_PATH_MAX)
        return kr_fail(c->err, KR_ERR_INVALID, "znode path longer than %d bytes (%.60s...)", MG_ZKP_PATH_MAX, buf);
    return KR_OK;
}

/* ---- groupings ------------------------------------------------------------------------ */

void mg_zkp_groups_free(mg_zkp_groups *gs) {
    for (int32_t i = 0; i < gs->n; i++) {
        free(gs->g[i].key);
        free(gs->g[i].idx);
    }
    free(gs->g);
    kr_strmap_free(&gs->map);
    memset(gs, 0, sizeof *gs);
}

mg_zkp_group *mg_zkp_group_get(mg_zkp_groups *gs, const void *key, size_t len, bool create, bool *oom) {
    int32_t i = kr_strmap_get(&gs->map, key, len);
    if (i >= 0) return &gs->g[i];
    if (!create) return NULL;
    if (gs->n == gs->cap) {
        int32_t cap = gs->cap ? gs->cap * 2 : 16;
        mg_zkp_group *g = realloc(gs->g, (size_t)cap * sizeof *g);
        if (!g) goto oom;
        gs->g = g;
        gs->cap = cap;
    }
    mg_zkp_group *g = &gs->g[gs->n];
    memset(g, 0, sizeof *g);
    g->key = malloc(len + 1);
    if (!g->key) goto oom;
    memcpy(g->key, key, len);
    g->key[len] = 0;
    g->key_len = (uint32_t)len;
    if (!kr_strmap_put(&gs->map, key, len, gs->n)) {
        free(g->key);
        goto oom;
    }
    gs->n++;
    return g;
oom:
    *oom = true;
    return NULL;
}

bool mg_zkp_group_add(mg_zkp_group *g, int32_t idx) {
    if (g->n == g->cap) {
        int32_t cap = g->cap ? g->cap * 2 : 4;
        int32_t *v = realloc(g->idx, (size_t)cap * sizeof *v);
        if (!v) return false;
        g->idx = v;
        g->cap = cap;
    }
    g->idx[g->n++] = idx;
    return true;
}

size_t mg_zkp_config_key(char *buf, size_t cap, int8_t type, const char *name) {
    int n = snprintf(buf, cap, "%c%s", (char)('0' + type), name);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t mg_zkp_acl_key(char *buf, size_t cap, int8_t type, int8_t pattern, const char *name) {
    int n = snprintf(buf, cap, "%c%c%s", (char)('0' + type), (char)('0' + pattern), name);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int mg_zkp_group_acls(mg_zkp_ctx *c, const kr_strmap *only, mg_zkp_groups *gs) {
    bool oom = false;
    char key[MG_ZKP_PATH_MAX + 3];
    for (int32_t i = 0; i < c->img->acls.n && !oom; i++) {
        const kr_image_acl *a = &c->img->acls.v[i];
        size_t len = mg_zkp_acl_key(key, sizeof key, a->resource_type, a->pattern_type,
                                    a->resource_name ? a->resource_name : "");
        if (!len || (only && kr_strmap_get(only, key, len) < 0)) continue;
        mg_zkp_group *g = mg_zkp_group_get(gs, key, len, true, &oom);
        if (g && !mg_zkp_group_add(g, i)) oom = true;
    }
    return oom ? kr_fail(c->err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes") : KR_OK;
}

/* ---- entity paths ------------------------------------------------------------------------- */

static char *entity_segment(const char *name) { return name ? mg_zkf_sanitize(name) : strdup("<default>"); }

bool mg_zkp_quota_path(const kr_image_quota_entity_part *parts, int32_t n, char *buf, size_t cap) {
    const kr_image_quota_entity_part *user = NULL, *client = NULL, *ip = NULL;
    for (int32_t i = 0; i < n; i++) {
        const char *t = parts[i].type ? parts[i].type : "";
        if (!strcmp(t, "user") && !user) user = &parts[i];
        else if (!strcmp(t, "client-id") && !client) client = &parts[i];
        else if (!strcmp(t, "ip") && !ip) ip = &parts[i];
        else return false;
    }
    char *a = NULL, *b = NULL;
    int len = -1;
    if (user && client && !ip && n == 2) {
        a = entity_segment(user->name);
        b = entity_segment(client->name);
        if (a && b) len = snprintf(buf, cap, "/config/users/%s/clients/%s", a, b);
    } else if (n == 1) {
        const kr_image_quota_entity_part *p = user ? user : client ? client : ip;
        a = entity_segment(p->name);
        if (a) len = snprintf(buf, cap, "/config/%s/%s", user ? "users" : client ? "clients" : "ips", a);
    }
    free(a);
    free(b);
    return len > 0 && (size_t)len < cap;
}

bool mg_zkp_scram_path(const char *user, char *buf, size_t cap) {
    kr_image_quota_entity_part p = {"user", (char *)(user && strcmp(user, "<default>") ? user : NULL)};
    return mg_zkp_quota_path(&p, 1, buf, cap);
}

/* ---- key/value sets ---------------------------------------------------------------------- */

void mg_zkp_kvs_free(mg_zkp_kvs *k) {
    for (int32_t i = 0; i < k->n; i++)
        if (k->v[i].owned) {
            OPENSSL_cleanse((char *)k->v[i].value, strlen(k->v[i].value));
            free((char *)k->v[i].value);
        }
    free(k->v);
    k->v = NULL;
    k->n = 0;
}

static int kv_cmp(const void *a, const void *b) {
    return strcmp(((const mg_zkp_kv *)a)->key, ((const mg_zkp_kv *)b)->key);
}

int mg_zkp_config_kvs(mg_zkp_ctx *c, const mg_zkp_group *g, int8_t type, mg_zkp_kvs *out) {
    out->n = 0;
    out->v = calloc((size_t)(g && g->n ? g->n : 1), sizeof *out->v);
    if (!out->v) return NOMEM(c);
    for (int32_t i = 0; g && i < g->n; i++) {
        const kr_image_config *cf = &c->img->configs.v[g->idx[i]];
        out->v[out->n++] = (mg_zkp_kv){cf->name, cf->value, type == 4 && mg_config_is_password(cf->name), false,
                                       false};
    }
    if (out->n > 1) qsort(out->v, (size_t)out->n, sizeof *out->v, kv_cmp);
    return KR_OK;
}

int mg_zkp_quota_kvs(mg_zkp_ctx *c, const mg_zkp_group *q, const mg_zkp_group *s, mg_zkp_kvs *out) {
    int32_t n = (q ? q->n : 0) + (s ? s->n : 0);
    out->n = 0;
    out->v = calloc((size_t)(n ? n : 1), sizeof *out->v);
    if (!out->v) return NOMEM(c);
    for (int32_t i = 0; q && i < q->n; i++) {
        const kr_image_quota *qu = &c->img->quotas.v[q->idx[i]];
        char num[64];
        if (mg_zkf_quota_value(qu->key ? qu->key : "", qu->value, num, sizeof num, c->err)) {
            char path[MG_ZKP_PATH_MAX];
            if (!mg_zkp_quota_path(qu->entity, qu->entity_parts, path, sizeof path)) path[0] = 0;
            char msg[sizeof c->err->message];
            snprintf(msg, sizeof msg, "%s", c->err->message);
            return kr_fail(c->err, KR_ERR_INVALID, "%s: %s", path, msg);
        }
        char *v = strdup(num);
        if (!v) return NOMEM(c);
        out->v[out->n++] = (mg_zkp_kv){qu->key, v, false, false, true};
    }
    for (int32_t i = 0; s && i < s->n; i++) {
        const kr_image_scram *sc = &c->img->scram.v[s->idx[i]];
        const char *mech = mg_zkf_scram_mechanism(sc->mechanism);
        if (!mech) continue; /* no ZooKeeper form for an unknown mechanism */
        char *v = mg_zkf_scram(sc);
        if (!v) return NOMEM(c);
        out->v[out->n++] = (mg_zkp_kv){mech, v, false, false, true};
    }
    if (out->n > 1) qsort(out->v, (size_t)out->n, sizeof *out->v, kv_cmp);
    return KR_OK;
}

/* ---- writers -------------------------------------------------------------------------------- */

static int put(mg_zkp_ctx *c, const char *what, bool exists, const char *path) {
    if (c->buf.oom) return NOMEM(c);
    return mg_zk_ops_put(c->out, what, exists, path, c->buf.data, (int32_t)c->buf.len, c->err);
}

static int notify_config(mg_zkp_ctx *c, const char *entity_path) {
    if (!mg_zkf_config_change(&c->buf, entity_path)) return NOMEM(c);
    return mg_zk_ops_append(c->out, "ConfigChangeNotification", MG_ZKF_CONFIG_CHANGE_PREFIX, c->buf.data,
                            (int32_t)c->buf.len, c->err);
}

/* Encodes kvs as a config znode into c->buf, encrypting password configs. */
static int encode_kvs(mg_zkp_ctx *c, const mg_zkp_kvs *kvs) {
    mg_zkf_kv *v = calloc((size_t)(kvs->n ? kvs->n : 1), sizeof *v);
    char **enc = calloc((size_t)(kvs->n ? kvs->n : 1), sizeof *enc);
    int rc = v && enc ? KR_OK : NOMEM(c);
    size_t n = 0;
    for (int32_t i = 0; i < kvs->n && !rc; i++) {
        const mg_zkp_kv *kv = &kvs->v[i];
        if (kv->is_password && !kv->encrypted) {
            if (!c->o->password_encoder_secret) {
                c->st->sensitive_configs_skipped++;
                continue;
            }
            rc = mg_password_encrypt(kv->value, c->o->password_encoder_secret, 4096, &enc[i], c->err);
            if (rc) break;
            v[n++] = (mg_zkf_kv){kv->key, enc[i]};
        } else {
            v[n++] = (mg_zkf_kv){kv->key, kv->value};
        }
    }
    if (!rc && !mg_zkf_config(&c->buf, v, n)) rc = NOMEM(c);
    for (int32_t i = 0; enc && i < kvs->n; i++) free(enc[i]);
    free(enc);
    free(v);
    return rc;
}

int mg_zkp_write_config(mg_zkp_ctx *c, int8_t type, const char *name, const mg_zkp_kvs *kvs, bool exists) {
    char path[MG_ZKP_PATH_MAX];
    const char *dir = type == 2 ? "topics" : "brokers";
    const char *entity = type == 4 && !name[0] ? "<default>" : name;
    int rc = mg_zkp_path(c, path, "/config/%s/%s", dir, entity);
    if (rc) return rc;
    if (type == 4 && kvs->n == 0) {
        rc = mg_zk_ops_delete(c->out, "DeleteBrokerConfig", exists, path, c->err);
        c->st->configs_deleted++;
    } else {
        rc = encode_kvs(c, kvs);
        if (!rc) rc = put(c, type == 2 ? "UpdateTopicConfig" : "UpdateBrokerConfig", exists, path);
        c->st->configs_written++;
    }
    return rc ? rc : notify_config(c, path + strlen("/config/"));
}

int mg_zkp_write_quota_entity(mg_zkp_ctx *c, const char *path, const mg_zkp_kvs *kvs, bool exists) {
    /* Kafka writes an entity left without quotas or credentials as an empty config map rather
     * than deleting it (the znode may also be the parent of /clients); so do we. */
    int rc = encode_kvs(c, kvs);
    if (!rc) rc = put(c, "UpdateClientQuotas", exists, path);
    if (rc) return rc;
    c->st->quota_entities_written++;
    for (int32_t i = 0; i < kvs->n; i++)
        if (!strncmp(kvs->v[i].key, "SCRAM-", 6)) {
            c->st->scram_users_written++;
            break;
        }
    return notify_config(c, path + strlen("/config/"));
}

static int acl_cmp(const void *a, const void *b) {
    const kr_image_acl *x = *(const kr_image_acl *const *)a, *y = *(const kr_image_acl *const *)b;
    int d = strcmp(x->principal ? x->principal : "", y->principal ? y->principal : "");
    if (d) return d;
    if ((d = strcmp(x->host ? x->host : "", y->host ? y->host : ""))) return d;
    if (x->operation != y->operation) return x->operation - y->operation;
    return x->permission_type - y->permission_type;
}

int mg_zkp_acl_entries(mg_zkp_ctx *c, const mg_zkp_group *g, const kr_image_acl ***out, size_t *n) {
    *n = 0;
    *out = calloc((size_t)(g && g->n ? g->n : 1), sizeof **out);
    if (!*out) return NOMEM(c);
    for (int32_t i = 0; g && i < g->n; i++) (*out)[(*n)++] = &c->img->acls.v[g->idx[i]];
    if (*n > 1) qsort(*out, *n, sizeof **out, acl_cmp);
    size_t w = 0; /* a set, as the authorizer holds it */
    for (size_t i = 0; i < *n; i++)
        if (!w || acl_cmp(&(*out)[w - 1], &(*out)[i])) (*out)[w++] = (*out)[i];
    *n = w;
    return KR_OK;
}

int mg_zkp_write_acls(mg_zkp_ctx *c, int8_t type, int8_t pattern, const char *name, const mg_zkp_group *g,
                      bool exists) {
    char path[MG_ZKP_PATH_MAX];
    if (!mg_zkf_acl_path(path, sizeof path, type, pattern, name))
        return KR_OK; /* no ZooKeeper form (e.g. an ACL on an unknown resource type) */
    const kr_image_acl **e = NULL;
    size_t n = 0;
    int rc = mg_zkp_acl_entries(c, g, &e, &n);
    if (!rc && n == 0) {
        rc = mg_zk_ops_delete(c->out, "DeleteAcl", exists, path, c->err);
        c->st->acl_resources_deleted++;
    } else if (!rc) {
        rc = mg_zkf_acls(&c->buf, e, n) ? put(c, exists ? "UpdateAcl" : "CreateAcl", exists, path) : NOMEM(c);
        c->st->acl_resources_written++;
    }
    free(e);
    if (rc) return rc;
    const char *prefix;
    if (!mg_zkf_acl_change(&c->buf, type, pattern, name, &prefix)) return NOMEM(c);
    return mg_zk_ops_append(c->out, "AclChangeNotification", prefix, c->buf.data, (int32_t)c->buf.len, c->err);
}

int mg_zkp_write_topic_znode(mg_zkp_ctx *c, const kr_image_topic *t, bool exists, const char *what) {
    char path[MG_ZKP_PATH_MAX];
    int rc = mg_zkp_path(c, path, "/brokers/topics/%s", t->name);
    if (rc) return rc;
    if (!mg_zkf_topic(&c->buf, t)) return NOMEM(c);
    return put(c, what, exists, path);
}

int mg_zkp_write_partition(mg_zkp_ctx *c, const kr_image_topic *t, const kr_image_partition *p, bool is_new,
                           bool state_exists, const char *what) {
    char path[MG_ZKP_PATH_MAX];
    int rc = mg_zkp_path(c, path, "/brokers/topics/%s/partitions/%d", t->name, (int)p->partition_id);
    if (rc) return rc;
    if (is_new && (rc = mg_zk_ops_put(c->out, what, false, path, NULL, -1, c->err))) return rc;
    size_t n = strlen(path);
    memcpy(path + n, "/state", 7);
    if (!mg_zkf_partition_state(&c->buf, p, c->o->kraft_controller_epoch)) return NOMEM(c);
    c->st->partitions_written++;
    return put(c, what, state_exists, path);
}

int mg_zkp_create_topic(mg_zkp_ctx *c, const kr_image_topic *t, const mg_zkp_kvs *configs) {
    char path[MG_ZKP_PATH_MAX];
    int rc = KR_OK;
    /* Configs first, as AdminZkClient does, so no reader sees the topic without them. */
    if (configs) {
        if ((rc = mg_zkp_path(c, path, "/config/topics/%s", t->name))) return rc;
        if ((rc = encode_kvs(c, configs)) || (rc = put(c, "CreateTopic", false, path))) return rc;
    }
    if ((rc = mg_zkp_write_topic_znode(c, t, false, "CreateTopic"))) return rc;
    if ((rc = mg_zkp_path(c, path, "/brokers/topics/%s/partitions", t->name))) return rc;
    if ((rc = mg_zk_ops_put(c->out, "CreateTopic", false, path, NULL, -1, c->err))) return rc;
    for (int32_t i = 0; i < t->partitions_cap && !rc; i++)
        if (t->partitions[i].present) rc = mg_zkp_write_partition(c, t, &t->partitions[i], true, false, "CreateTopic");
    c->st->topics_created++;
    return rc;
}

int mg_zkp_delete_topic(mg_zkp_ctx *c, const char *name, const int32_t *pids, int32_t n, const char *what) {
    char path[MG_ZKP_PATH_MAX];
    int rc = KR_OK;
    for (int32_t i = 0; i < n && !rc; i++) {
        if ((rc = mg_zkp_path(c, path, "/brokers/topics/%s/partitions/%d/state", name, (int)pids[i]))) break;
        if ((rc = mg_zk_ops_delete(c->out, what, true, path, c->err))) break;
        path[strlen(path) - strlen("/state")] = 0;
        rc = mg_zk_ops_delete(c->out, what, true, path, c->err);
        c->st->partitions_deleted++;
    }
    if (!rc && !(rc = mg_zkp_path(c, path, "/brokers/topics/%s/partitions", name)))
        rc = mg_zk_ops_delete(c->out, what, true, path, c->err);
    if (!rc && !(rc = mg_zkp_path(c, path, "/config/topics/%s", name)))
        rc = mg_zk_ops_delete(c->out, what, true, path, c->err);
    if (!rc && !(rc = mg_zkp_path(c, path, "/brokers/topics/%s", name)))
        rc = mg_zk_ops_delete(c->out, what, true, path, c->err);
    if (!rc) c->st->topics_deleted++;
    return rc;
}

int mg_zkp_write_producer_ids(mg_zkp_ctx *c) {
    if (c->img->next_producer_id < 0) return KR_OK;
    if (!mg_zkf_producer_id_block(&c->buf, c->img->next_producer_id)) return NOMEM(c);
    c->st->producer_ids_written++;
    /* /latest_producer_id_block is a persistent path every broker creates. */
    return put(c, "UpdateProducerId", true, "/latest_producer_id_block");
}

int mg_zkp_write_token(mg_zkp_ctx *c, const kr_image_token *t, bool exists) {
    char path[MG_ZKP_PATH_MAX];
    int rc = mg_zkp_path(c, path, "/delegation_token/tokens/%s", t->token_id);
    if (rc) return rc;
    if (!mg_zkf_token(&c->buf, t)) return NOMEM(c);
    c->st->tokens_written++;
    return put(c, "UpdateDelegationToken", exists, path);
}

int32_t mg_zkp_token_index(const kr_image *img, const char *token_id) {
    return kr_strmap_get(&img->tokens.index, token_id, strlen(token_id) + 1); /* image keys end in NUL */
}
