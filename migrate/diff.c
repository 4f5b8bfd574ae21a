/* Semantic image diff: natural keys, merge-joins over sorted keys, stable output. */
#include "migrate/diff.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/image_json.h"
#include "kraft/metadata_version.h"

static const char *const ENTITY_NAMES[MG_DIFF_ENTITY_COUNT] = {
    "features", "migration", "producer_ids", "topics", "partitions",
    "configs", "quotas", "scram", "acls", "tokens",
};

const char *mg_diff_entity_name(enum mg_diff_entity e) {
    return (unsigned)e < MG_DIFF_ENTITY_COUNT ? ENTITY_NAMES[e] : "?";
}

const char *mg_diff_kind_name(enum mg_diff_kind k) {
    switch (k) {
    case MG_DIFF_ONLY_LEFT: return "only-left";
    case MG_DIFF_ONLY_RIGHT: return "only-right";
    default: return "changed";
    }
}

typedef struct dctx {
    mg_diff_result *r;
    unsigned ignore;
    bool nomem;
} dctx;

static char *fmt_alloc(const char *fmt, va_list ap) {
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) return NULL;
    return s;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = fmt_alloc(fmt, ap);
    va_end(ap);
    return s;
}

static void add(dctx *c, enum mg_diff_entity e, enum mg_diff_kind k, const char *key, const char *field,
                const char *l, const char *rv) {
    mg_diff_result *r = c->r;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        mg_diff_entry *v = realloc(r->v, nc * sizeof *v);
        if (!v) {
            c->nomem = true;
            return;
        }
        r->v = v;
        r->cap = nc;
    }
    mg_diff_entry *d = &r->v[r->n];
    d->entity = e;
    d->kind = k;
    d->key = strdup(key ? key : "");
    d->field = strdup(field ? field : "");
    d->left = strdup(l ? l : "");
    d->right = strdup(rv ? rv : "");
    if (!d->key || !d->field || !d->left || !d->right) {
        free(d->key), free(d->field), free(d->left), free(d->right);
        c->nomem = true;
        return;
    }
    r->n++;
    r->counts[e][k]++;
}

static void changed_str(dctx *c, enum mg_diff_entity e, const char *key, const char *field, const char *l,
                        const char *rv) {
    if (!l) l = "(null)";
    if (!rv) rv = "(null)";
    if (strcmp(l, rv)) add(c, e, MG_DIFF_CHANGED, key, field, l, rv);
}

static void changed_i64(dctx *c, enum mg_diff_entity e, const char *key, const char *field, int64_t l, int64_t rv) {
    if (l == rv) return;
    char a[32], b[32];
    snprintf(a, sizeof a, "%" PRId64, l);
    snprintf(b, sizeof b, "%" PRId64, rv);
    add(c, e, MG_DIFF_CHANGED, key, field, a, b);
}

static void changed_secret(dctx *c, enum mg_diff_entity e, const char *key, const char *field, const void *l,
                           size_t ln, const void *rv, size_t rn) {
    if (ln == rn && (ln == 0 || !memcmp(l, rv, ln))) return;
    add(c, e, MG_DIFF_CHANGED, key, field, "***", "***");
}

static char *ids_text(const kr_ids *ids) {
    if (ids->n < 0) return strdup("null");
    size_t cap = 2 + (size_t)ids->n * 12 + 1;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t o = 0;
    s[o++] = '[';
    for (int32_t i = 0; i < ids->n; i++) o += (size_t)snprintf(s + o, cap - o, "%s%d", i ? "," : "", (int)ids->v[i]);
    s[o++] = ']';
    s[o] = '\0';
    return s;
}

static bool ids_equal(const kr_ids *a, const kr_ids *b) {
    /* null and empty differ only for ELR fields, which are not compared */
    int32_t an = a->n < 0 ? 0 : a->n, bn = b->n < 0 ? 0 : b->n;
    return an == bn && (an == 0 || !memcmp(a->v, b->v, (size_t)an * sizeof *a->v));
}

static void changed_ids(dctx *c, const char *key, const char *field, const kr_ids *l, const kr_ids *rv) {
    if (ids_equal(l, rv)) return;
    char *a = ids_text(l), *b = ids_text(rv);
    if (!a || !b) c->nomem = true;
    else add(c, MG_DIFF_PARTITIONS, MG_DIFF_CHANGED, key, field, a, b);
    free(a);
    free(b);
}

/* ---- scalar sections ------------------------------------------------------ */

static void diff_features(dctx *c, const kr_image *l, const kr_image *r) {
    c->r->left_count[MG_DIFF_FEATURES] = (size_t)l->features.n + (l->metadata_version != 0);
    c->r->right_count[MG_DIFF_FEATURES] = (size_t)r->features.n + (r->metadata_version != 0);
    if (!(c->ignore & MG_DIFF_IGNORE_METADATA_VERSION) && l->metadata_version != r->metadata_version) {
        const char *a = kr_metadata_version_name(l->metadata_version), *b = kr_metadata_version_name(r->metadata_version);
        char x[48], y[48];
        snprintf(x, sizeof x, "%s (%d)", a ? a : "unset", (int)l->metadata_version);
        snprintf(y, sizeof y, "%s (%d)", b ? b : "unset", (int)r->metadata_version);
        add(c, MG_DIFF_FEATURES, MG_DIFF_CHANGED, "metadata.version", "level", x, y);
    }
    for (int32_t i = 0; i < l->features.n; i++) {
        const kr_image_feature *f = &l->features.v[i];
        const kr_image_feature *g = NULL;
        for (int32_t j = 0; j < r->features.n && !g; j++)
            if (!strcmp(r->features.v[j].name, f->name)) g = &r->features.v[j];
        if (!g) add(c, MG_DIFF_FEATURES, MG_DIFF_ONLY_LEFT, f->name, "", "", "");
        else changed_i64(c, MG_DIFF_FEATURES, f->name, "level", f->level, g->level);
    }
    for (int32_t j = 0; j < r->features.n; j++) {
        bool found = false;
        for (int32_t i = 0; i < l->features.n && !found; i++) found = !strcmp(l->features.v[i].name, r->features.v[j].name);
        if (!found) add(c, MG_DIFF_FEATURES, MG_DIFF_ONLY_RIGHT, r->features.v[j].name, "", "", "");
    }
}

static void diff_migration_and_pids(dctx *c, const kr_image *l, const kr_image *r) {
    c->r->left_count[MG_DIFF_MIGRATION] = l->zk_migration_state >= 0;
    c->r->right_count[MG_DIFF_MIGRATION] = r->zk_migration_state >= 0;
    if (!(c->ignore & MG_DIFF_IGNORE_MIGRATION_STATE) && l->zk_migration_state != r->zk_migration_state) {
        const char *a = l->zk_migration_state >= 0 ? kr_zk_migration_state_name(l->zk_migration_state) : "(none)";
        const char *b = r->zk_migration_state >= 0 ? kr_zk_migration_state_name(r->zk_migration_state) : "(none)";
        add(c, MG_DIFF_MIGRATION, MG_DIFF_CHANGED, "zk_migration_state", "state", a, b);
    }
    c->r->left_count[MG_DIFF_PRODUCER_IDS] = l->next_producer_id >= 0;
    c->r->right_count[MG_DIFF_PRODUCER_IDS] = r->next_producer_id >= 0;
    if (!(c->ignore & MG_DIFF_IGNORE_PRODUCER_IDS))
        changed_i64(c, MG_DIFF_PRODUCER_IDS, "next_producer_id", "value", l->next_producer_id, r->next_producer_id);
}

/* ---- topics and partitions ------------------------------------------------ */

static void diff_partition(dctx *c, const char *topic, const kr_image_partition *a, const kr_image_partition *b) {
    char key[512];
    snprintf(key, sizeof key, "%s-%d", topic, (int)a->partition_id);
    changed_ids(c, key, "replicas", &a->replicas, &b->replicas);
    if (!(c->ignore & MG_DIFF_IGNORE_ISR)) changed_ids(c, key, "isr", &a->isr, &b->isr);
    changed_ids(c, key, "adding_replicas", &a->adding_replicas, &b->adding_replicas);
    changed_ids(c, key, "removing_replicas", &a->removing_replicas, &b->removing_replicas);
    if (!(c->ignore & MG_DIFF_IGNORE_LEADER)) changed_i64(c, MG_DIFF_PARTITIONS, key, "leader", a->leader, b->leader);
    if (!(c->ignore & MG_DIFF_IGNORE_LEADER_EPOCH))
        changed_i64(c, MG_DIFF_PARTITIONS, key, "leader_epoch", a->leader_epoch, b->leader_epoch);
    if (!(c->ignore & MG_DIFF_IGNORE_PARTITION_EPOCH))
        changed_i64(c, MG_DIFF_PARTITIONS, key, "partition_epoch", a->partition_epoch, b->partition_epoch);
    if (!(c->ignore & MG_DIFF_IGNORE_ISR))
        changed_i64(c, MG_DIFF_PARTITIONS, key, "leader_recovery_state", a->leader_recovery_state,
                    b->leader_recovery_state);
    if (!(c->ignore & MG_DIFF_IGNORE_DIRECTORIES)) {
        bool ha = a->directories != NULL, hb = b->directories != NULL;
        bool same = ha == hb && (!ha || (a->replicas.n == b->replicas.n &&
                                         !memcmp(a->directories, b->directories,
                                                 (size_t)(a->replicas.n > 0 ? a->replicas.n : 0) * sizeof(kr_uuid))));
        if (!same) add(c, MG_DIFF_PARTITIONS, MG_DIFF_CHANGED, key, "directories", ha ? "set" : "unset", hb ? "set" : "unset");
    }
}

static void only_partitions(dctx *c, const kr_image_topic *t, enum mg_diff_kind k) {
    char key[512];
    for (int32_t p = 0; p < t->partitions_cap; p++) {
        if (!t->partitions[p].present) continue;
        snprintf(key, sizeof key, "%s-%d", t->name, (int)p);
        add(c, MG_DIFF_PARTITIONS, k, key, "", "", "");
    }
}

static void diff_topics(dctx *c, const kr_image *l, const kr_image *r) {
    c->r->left_count[MG_DIFF_TOPICS] = (size_t)l->topics.n;
    c->r->right_count[MG_DIFF_TOPICS] = (size_t)r->topics.n;
    c->r->left_count[MG_DIFF_PARTITIONS] = (size_t)l->partition_count;
    c->r->right_count[MG_DIFF_PARTITIONS] = (size_t)r->partition_count;
    for (int32_t i = 0; i < l->topics.n && !c->nomem; i++) {
        const kr_image_topic *a = &l->topics.v[i];
        const kr_image_topic *b = kr_image_topic_by_name(r, a->name, strlen(a->name));
        if (!b) {
            add(c, MG_DIFF_TOPICS, MG_DIFF_ONLY_LEFT, a->name, "", "", "");
            only_partitions(c, a, MG_DIFF_ONLY_LEFT);
            continue;
        }
        if (!(c->ignore & MG_DIFF_IGNORE_TOPIC_IDS) && memcmp(&a->id, &b->id, sizeof a->id)) {
            char x[KR_UUID_TEXT_LEN], y[KR_UUID_TEXT_LEN];
            kr_uuid_to_text(&a->id, x);
            kr_uuid_to_text(&b->id, y);
            add(c, MG_DIFF_TOPICS, MG_DIFF_CHANGED, a->name, "id", x, y);
        }
        changed_i64(c, MG_DIFF_TOPICS, a->name, "partition_count", a->partition_count, b->partition_count);
        int32_t cap = a->partitions_cap > b->partitions_cap ? a->partitions_cap : b->partitions_cap;
        char key[512];
        for (int32_t p = 0; p < cap; p++) {
            bool pa = p < a->partitions_cap && a->partitions[p].present;
            bool pb = p < b->partitions_cap && b->partitions[p].present;
            if (pa && pb) diff_partition(c, a->name, &a->partitions[p], &b->partitions[p]);
            else if (pa || pb) {
                snprintf(key, sizeof key, "%s-%d", a->name, (int)p);
                add(c, MG_DIFF_PARTITIONS, pa ? MG_DIFF_ONLY_LEFT : MG_DIFF_ONLY_RIGHT, key, "", "", "");
            }
        }
    }
    for (int32_t j = 0; j < r->topics.n && !c->nomem; j++) {
        const kr_image_topic *b = &r->topics.v[j];
        if (kr_image_topic_by_name(l, b->name, strlen(b->name))) continue;
        add(c, MG_DIFF_TOPICS, MG_DIFF_ONLY_RIGHT, b->name, "", "", "");
        only_partitions(c, b, MG_DIFF_ONLY_RIGHT);
    }
}

/* ---- keyed collections: sort both sides by key, merge-join ---------------- */

typedef struct keyed {
    char *key;
    int32_t idx;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

typedef char *(*key_fn)(const kr_image *img, int32_t i);
typedef void (*cmp_fn)(dctx *c, const char *key, const kr_image *l, int32_t li, const kr_image *r, int32_t ri);

static keyed *keys_of(dctx *c, const kr_image *img, int32_t n, key_fn kf, size_t *out_n) {
    keyed *k = calloc(n > 0 ? (size_t)n : 1, sizeof *k);
    if (!k) {
        c->nomem = true;
        return NULL;
    }
    size_t m = 0;
    for (int32_t i = 0; i < n; i++) {
        k[m].key = kf(img, i);
        if (!k[m].key) {
            c->nomem = true;
            break;
        }
        k[m++].idx = i;
    }
    if (m > 1) qsort(k, m, sizeof *k, keyed_cmp);
    /* Set semantics: equal keys (ACLs with the same content) collapse. */
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        if (w && !strcmp(k[w - 1].key, k[i].key)) {
            free(k[i].key);
            continue;
        }
        k[w++] = k[i];
    }
    *out_n = w;
    return k;
}

static void merge_join(dctx *c, enum mg_diff_entity e, const kr_image *l, int32_t ln, const kr_image *r, int32_t rn,
                       key_fn kf, cmp_fn cf) {
    size_t na = 0, nb = 0;
    keyed *a = keys_of(c, l, ln, kf, &na);
    keyed *b = keys_of(c, r, rn, kf, &nb);
    c->r->left_count[e] = na;
    c->r->right_count[e] = nb;
    size_t i = 0, j = 0;
    while (a && b && !c->nomem && (i < na || j < nb)) {
        int cmp = i == na ? 1 : j == nb ? -1 : strcmp(a[i].key, b[j].key);
        if (cmp < 0) add(c, e, MG_DIFF_ONLY_LEFT, a[i++].key, "", "", "");
        else if (cmp > 0) add(c, e, MG_DIFF_ONLY_RIGHT, b[j++].key, "", "", "");
        else {
            if (cf) cf(c, a[i].key, l, a[i].idx, r, b[j].idx);
            i++, j++;
        }
    }
    for (size_t x = 0; a && x < na; x++) free(a[x].key);
    for (size_t x = 0; b && x < nb; x++) free(b[x].key);
    free(a);
    free(b);
}

/* configs */
static char *config_key(const kr_image *img, int32_t i) {
    const kr_image_config *k = &img->configs.v[i];
    return xasprintf("%s:%s/%s", kr_config_resource_type_name(k->resource_type), k->resource_name, k->name);
}
static void config_cmp(dctx *c, const char *key, const kr_image *l, int32_t li, const kr_image *r, int32_t ri) {
    const kr_image_config *a = &l->configs.v[li], *b = &r->configs.v[ri];
    const char *av = a->value ? a->value : "(null)", *bv = b->value ? b->value : "(null)";
    if (!strcmp(av, bv)) return;
    if (kr_config_name_is_sensitive(a->name, strlen(a->name))) av = bv = "***";
    add(c, MG_DIFF_CONFIGS, MG_DIFF_CHANGED, key, "value", av, bv);
}

/* quotas */
static char *quota_key(const kr_image *img, int32_t i) {
    const kr_image_quota *q = &img->quotas.v[i];
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) return NULL;
    /* Entity parts sorted by type so the key does not depend on record order. */
    int32_t order[8];
    int32_t n = q->entity_parts < 8 ? q->entity_parts : 8;
    for (int32_t x = 0; x < n; x++) order[x] = x;
    for (int32_t x = 1; x < n; x++)
        for (int32_t y = x; y > 0 && strcmp(q->entity[order[y - 1]].type, q->entity[order[y]].type) > 0; y--) {
            int32_t t = order[y];
            order[y] = order[y - 1];
            order[y - 1] = t;
        }
    for (int32_t x = 0; x < n; x++) {
        const kr_image_quota_entity_part *p = &q->entity[order[x]];
        fprintf(f, "%s%s=%s", x ? "," : "", p->type, p->name ? p->name : "<default>");
    }
    fprintf(f, "/%s", q->key);
    fclose(f);
    return s;
}
static void quota_cmp(dctx *c, const char *key, const kr_image *l, int32_t li, const kr_image *r, int32_t ri) {
    double a = l->quotas.v[li].value, b = r->quotas.v[ri].value;
    if (a == b) return;
    char x[64], y[64];
    snprintf(x, sizeof x, "%.17g", a);
    snprintf(y, sizeof y, "%.17g", b);
    add(c, MG_DIFF_QUOTAS, MG_DIFF_CHANGED, key, "value", x, y);
}

/* SCRAM */
static char *scram_key(const kr_image *img, int32_t i) {
    const kr_image_scram *s = &img->scram.v[i];
    return xasprintf("%s/%s", s->user, kr_scram_mechanism_name(s->mechanism));
}
static void scram_cmp(dctx *c, const char *key, const kr_image *l, int32_t li, const kr_image *r, int32_t ri) {
    const kr_image_scram *a = &l->scram.v[li], *b = &r->scram.v[ri];
    changed_secret(c, MG_DIFF_SCRAM, key, "salt", a->salt, (size_t)a->salt_len, b->salt, (size_t)b->salt_len);
    changed_secret(c, MG_DIFF_SCRAM, key, "stored_key", a->stored_key, (size_t)a->stored_key_len, b->stored_key,
                   (size_t)b->stored_key_len);
    changed_secret(c, MG_DIFF_SCRAM, key, "server_key", a->server_key, (size_t)a->server_key_len, b->server_key,
                   (size_t)b->server_key_len);
    changed_i64(c, MG_DIFF_SCRAM, key, "iterations", a->iterations, b->iterations);
}

/* ACLs: the content is the key; the random id is ignored. */
static char *acl_key(const kr_image *img, int32_t i) {
    const kr_image_acl *a = &img->acls.v[i];
    return xasprintf("resource_type=%d pattern=%d name=%s principal=%s host=%s operation=%d permission=%d",
                     (int)a->resource_type, (int)a->pattern_type, a->resource_name, a->principal, a->host,
                     (int)a->operation, (int)a->permission_type);
}

/* tokens */
static char *token_key(const kr_image *img, int32_t i) { return strdup(img->tokens.v[i].token_id); }
static void token_cmp(dctx *c, const char *key, const kr_image *l, int32_t li, const kr_image *r, int32_t ri) {
    const kr_image_token *a = &l->tokens.v[li], *b = &r->tokens.v[ri];
    changed_str(c, MG_DIFF_TOKENS, key, "owner", a->owner, b->owner);
    changed_str(c, MG_DIFF_TOKENS, key, "requester", a->requester, b->requester);
    char *ra = NULL, *rb = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = open_memstream(&ra, &la), *fb = open_memstream(&rb, &lb);
    if (!fa || !fb) {
        if (fa) fclose(fa);
        if (fb) fclose(fb);
        free(ra);
        free(rb);
        c->nomem = true;
        return;
    }
    for (int32_t x = 0; x < a->renewer_count; x++) fprintf(fa, "%s%s", x ? "," : "", a->renewers[x]);
    for (int32_t x = 0; x < b->renewer_count; x++) fprintf(fb, "%s%s", x ? "," : "", b->renewers[x]);
    fclose(fa);
    fclose(fb);
    changed_str(c, MG_DIFF_TOKENS, key, "renewers", ra, rb);
    free(ra);
    free(rb);
    changed_i64(c, MG_DIFF_TOKENS, key, "issue_timestamp_ms", a->issue_timestamp_ms, b->issue_timestamp_ms);
    changed_i64(c, MG_DIFF_TOKENS, key, "max_timestamp_ms", a->max_timestamp_ms, b->max_timestamp_ms);
    changed_i64(c, MG_DIFF_TOKENS, key, "expiration_timestamp_ms", a->expiration_timestamp_ms,
                b->expiration_timestamp_ms);
}

static int entry_cmp(const void *x, const void *y) {
    const mg_diff_entry *a = x, *b = y;
    if (a->entity != b->entity) return a->entity < b->entity ? -1 : 1;
    int r = strcmp(a->key, b->key);
    if (r) return r;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->field, b->field);
}

int mg_diff(const kr_image *left, const kr_image *right, const mg_diff_options *o, mg_diff_result *out,
            kr_error *err) {
    static const mg_diff_options defaults = {0};
    if (!o) o = &defaults;
    memset(out, 0, sizeof *out);
    snprintf(out->left_name, sizeof out->left_name, "%s", o->left_name ? o->left_name : "zookeeper");
    snprintf(out->right_name, sizeof out->right_name, "%s", o->right_name ? o->right_name : "kraft");
    dctx c = {.r = out, .ignore = o->ignore};
    diff_features(&c, left, right);
    diff_migration_and_pids(&c, left, right);
    diff_topics(&c, left, right);
    merge_join(&c, MG_DIFF_CONFIGS, left, left->configs.n, right, right->configs.n, config_key, config_cmp);
    merge_join(&c, MG_DIFF_QUOTAS, left, left->quotas.n, right, right->quotas.n, quota_key, quota_cmp);
    merge_join(&c, MG_DIFF_SCRAM, left, left->scram.n, right, right->scram.n, scram_key, scram_cmp);
    merge_join(&c, MG_DIFF_ACLS, left, left->acls.n, right, right->acls.n, acl_key, NULL);
    merge_join(&c, MG_DIFF_TOKENS, left, left->tokens.n, right, right->tokens.n, token_key, token_cmp);
    if (c.nomem) {
        mg_diff_result_free(out);
        return kr_fail(err, KR_ERR_NOMEM, "diff: out of memory");
    }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, entry_cmp);
    return 0;
}

void mg_diff_result_free(mg_diff_result *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].key);
        free(r->v[i].field);
        free(r->v[i].left);
        free(r->v[i].right);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

const mg_diff_entry *mg_diff_next(const mg_diff_result *r, enum mg_diff_entity e, size_t *i) {
    while (*i < r->n) {
        const mg_diff_entry *d = &r->v[(*i)++];
        if (d->entity == e) return d;
    }
    return NULL;
}

/* ---- printers ------------------------------------------------------------- */

static void entry_line(FILE *f, const mg_diff_result *r, const mg_diff_entry *d) {
    const char *ent = mg_diff_entity_name(d->entity);
    switch (d->kind) {
    case MG_DIFF_ONLY_LEFT: fprintf(f, "- %s %s (only in %s)\n", ent, d->key, r->left_name); break;
    case MG_DIFF_ONLY_RIGHT: fprintf(f, "+ %s %s (only in %s)\n", ent, d->key, r->right_name); break;
    default: fprintf(f, "~ %s %s %s: %s -> %s\n", ent, d->key, d->field, d->left, d->right); break;
    }
}

static char *entry_message(const mg_diff_result *r, const mg_diff_entry *d) {
    switch (d->kind) {
    case MG_DIFF_ONLY_LEFT: return xasprintf("only in %s", r->left_name);
    case MG_DIFF_ONLY_RIGHT: return xasprintf("only in %s", r->right_name);
    default: return xasprintf("%s differs: %s %s, %s %s", d->field, r->left_name, d->left, r->right_name, d->right);
    }
}

char *mg_diff_to_text(const mg_diff_result *r) {
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) return NULL;
    fprintf(f, "%-13s %10s %10s %10s %10s %10s\n", "entity", r->left_name, r->right_name, "only-left", "only-right",
            "changed");
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++)
        fprintf(f, "%-13s %10zu %10zu %10zu %10zu %10zu\n", mg_diff_entity_name(e), r->left_count[e],
                r->right_count[e], r->counts[e][MG_DIFF_ONLY_LEFT], r->counts[e][MG_DIFF_ONLY_RIGHT],
                r->counts[e][MG_DIFF_CHANGED]);
    for (size_t i = 0; i < r->n; i++) entry_line(f, r, &r->v[i]);
    fprintf(f, "%s\n", r->n ? "images differ" : "images are the same");
    fclose(f);
    return s;
}

json_t *mg_diff_to_json(const mg_diff_result *r) {
    json_t *ents = json_object();
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++)
        json_object_set_new(ents, mg_diff_entity_name(e),
                            json_pack("{s:I,s:I,s:I,s:I,s:I}", "left", (json_int_t)r->left_count[e], "right",
                                      (json_int_t)r->right_count[e], "only_left",
                                      (json_int_t)r->counts[e][MG_DIFF_ONLY_LEFT], "only_right",
                                      (json_int_t)r->counts[e][MG_DIFF_ONLY_RIGHT], "changed",
                                      (json_int_t)r->counts[e][MG_DIFF_CHANGED]));
    json_t *diffs = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const mg_diff_entry *d = &r->v[i];
        json_t *o = json_pack("{s:s,s:s,s:s}", "entity", mg_diff_entity_name(d->entity), "kind",
                              mg_diff_kind_name(d->kind), "key", d->key);
        if (d->kind == MG_DIFF_CHANGED) {
            json_object_set_new(o, "field", json_string(d->field));
            json_object_set_new(o, "left", json_string(d->left));
            json_object_set_new(o, "right", json_string(d->right));
        }
        json_array_append_new(diffs, o);
    }
    return json_pack("{s:b,s:s,s:s,s:o,s:o}", "same", r->n == 0, "left", r->left_name, "right", r->right_name,
                     "entities", ents, "differences", diffs);
}

void mg_diff_to_report(const mg_diff_result *r, mg_report *rep, bool blocking) {
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++) {
        char title[96];
        snprintf(title, sizeof title, "%s equal in %s and %s", mg_diff_entity_name(e), r->left_name, r->right_name);
        mg_report_declare(rep, mg_diff_entity_name(e), title);
    }
    for (size_t i = 0; i < r->n; i++) {
        const mg_diff_entry *d = &r->v[i];
        char *msg = entry_message(r, d);
        mg_report_add(rep, blocking ? MG_SEV_BLOCKER : MG_SEV_WARNING, mg_diff_entity_name(d->entity), d->key, NULL,
                      "%s", msg ? msg : "differs");
        free(msg);
    }
}

json_t *mg_image_summary_json(const kr_image *img) {
    const char *mv = kr_metadata_version_name(img->metadata_version);
    return json_pack("{s:s?,s:s?,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "metadata_version", mv, "zk_migration_state",
                     img->zk_migration_state >= 0 ? kr_zk_migration_state_name(img->zk_migration_state) : NULL,
                     "features", (json_int_t)img->features.n, "topics", (json_int_t)img->topics.n, "partitions",
                     (json_int_t)img->partition_count, "configs", (json_int_t)img->configs.n, "quotas",
                     (json_int_t)img->quotas.n, "scram", (json_int_t)img->scram.n, "acls", (json_int_t)img->acls.n,
                     "tokens", (json_int_t)img->tokens.n, "next_producer_id", (json_int_t)img->next_producer_id);
}

void mg_diff_adopt_minted_ids(kr_image *zk, const kr_image *kraft, const mg_convert_report *rep) {
    for (size_t i = 0; i < rep->n_minted; i++) {
        const char *name = rep->minted[i].topic;
        kr_image_topic *a = kr_image_topic_by_name(zk, name, strlen(name));
        const kr_image_topic *b = kr_image_topic_by_name(kraft, name, strlen(name));
        if (a && b) a->id = b->id;
    }
}
