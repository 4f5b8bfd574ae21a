/* ZK model storage: findings, topic index, lifetime, the cross-znode join, counts. */
#include "zkread/model.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkread/text.h"

/* ---- findings ------------------------------------------------------------ */

static void findings_vadd(zr_findings *f, enum zr_severity sev, const char *path, const char *fmt,
                          va_list ap) {
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        zr_finding *v = realloc(f->v, cap * sizeof *v);
        if (!v) return; /* dropping a finding beats crashing; counts stay exact */
        f->v = v;
        f->cap = cap;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    f->v[f->n++] = (zr_finding){sev, strdup(path ? path : "/"), strdup(msg)};
    if (sev == ZR_SEV_ERROR) f->errors++;
    else f->warnings++;
}

void zr_findings_add(zr_findings *f, enum zr_severity sev, const char *path, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    findings_vadd(f, sev, path, fmt, ap);
    va_end(ap);
}

void zr_findings_substitute(zr_findings *f, const char *path, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    findings_vadd(f, f->lenient ? ZR_SEV_WARNING : ZR_SEV_ERROR, path, fmt, ap);
    va_end(ap);
}

void zr_findings_free(zr_findings *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].message);
    }
    free(f->v);
    bool lenient = f->lenient;
    memset(f, 0, sizeof *f);
    f->lenient = lenient;
}

static int finding_cmp(const void *a, const void *b) {
    const zr_finding *x = a, *y = b;
    int c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    if (c) return c;
    if (x->severity != y->severity) return (int)y->severity - (int)x->severity;
    return strcmp(x->message ? x->message : "", y->message ? y->message : "");
}

void zr_findings_sort(zr_findings *f) {
    if (f->n > 1) qsort(f->v, f->n, sizeof *f->v, finding_cmp);
}

/* ---- topic index (open addressing, FNV-1a) -------------------------------- */

struct zr_topic_index {
    zr_topic **slots;
    size_t cap; /* power of two */
};

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool index_grow(struct zr_topic_index *ix) {
    size_t cap = ix->cap ? ix->cap * 2 : 1024;
    zr_topic **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < ix->cap; i++) {
        zr_topic *t = ix->slots[i];
        if (!t) continue;
        size_t j = fnv1a(t->name) & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = t;
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return true;
}

zr_topic *zr_model_topic(const zr_model *m, const char *name) {
    const struct zr_topic_index *ix = m->index;
    if (!ix || !ix->cap) return NULL;
    for (size_t j = fnv1a(name) & (ix->cap - 1), probes = 0; probes < ix->cap;
         j = (j + 1) & (ix->cap - 1), probes++) {
        if (!ix->slots[j]) return NULL;
        if (!strcmp(ix->slots[j]->name, name)) return ix->slots[j];
    }
    return NULL;
}

/* Finds or creates the topic; NULL only when memory runs out. */
zr_topic *zr_model_topic_get(zr_model *m, const char *name);
zr_topic *zr_model_topic_get(zr_model *m, const char *name) {
    zr_topic *t = zr_model_topic(m, name);
    if (t) return t;
    if (!m->index && !(m->index = calloc(1, sizeof *m->index))) return NULL;
    struct zr_topic_index *ix = m->index;
    if ((m->n_topics + 1) * 2 > ix->cap && !index_grow(ix)) return NULL;
    if (m->n_topics == m->cap_topics) {
        size_t cap = m->cap_topics ? m->cap_topics * 2 : 64;
        zr_topic **v = realloc(m->topics, cap * sizeof *v);
        if (!v) return NULL;
        m->topics = v;
        m->cap_topics = cap;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        free(t);
        return NULL;
    }
    m->topics[m->n_topics++] = t;
    size_t j = fnv1a(name) & (ix->cap - 1);
    while (ix->slots[j]) j = (j + 1) & (ix->cap - 1);
    ix->slots[j] = t;
    return t;
}

/* ---- lifetime ------------------------------------------------------------ */

void zr_model_init(zr_model *m) {
    memset(m, 0, sizeof *m);
    m->kraft_controller_epoch = -1;
}

static void free_kvs(zr_kvs *k) {
    for (size_t i = 0; i < k->n; i++) {
        free(k->v[i].key);
        free(k->v[i].value);
    }
    free(k->v);
}

static void free_strs(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void free_tps(zr_topic_partition *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].topic);
        free(v[i].replicas.v);
    }
    free(v);
}

static void free_topic(zr_topic *t) {
    for (size_t i = 0; i < t->n_partitions; i++) {
        zr_partition *p = &t->partitions[i];
        free(p->replicas.v);
        free(p->adding.v);
        free(p->removing.v);
        free(p->state.isr.v);
    }
    for (size_t i = 0; i < t->n_states; i++) free(t->states[i].isr.v);
    free(t->partitions);
    free(t->states);
    free(t->name);
    free(t);
}

void zr_model_free(zr_model *m) {
    free(m->cluster_id);
    for (size_t i = 0; i < m->n_brokers; i++) {
        zr_broker *b = &m->brokers[i];
        free(b->host);
        free_strs(b->endpoints, b->n_endpoints);
        free(b->rack);
        free_kvs(&b->listener_protocols);
    }
    free(m->brokers);
    for (size_t i = 0; i < m->n_topics; i++) free_topic(m->topics[i]);
    free(m->topics);
    for (size_t i = 0; i < m->n_configs; i++) {
        zr_config_entity *c = &m->configs[i];
        free(c->name);
        free(c->client);
        free(c->path);
        free_kvs(&c->config);
    }
    free(m->configs);
    for (size_t i = 0; i < m->n_scram; i++) {
        free(m->scram[i].user);
        free(m->scram[i].salt);
        free(m->scram[i].stored_key);
        free(m->scram[i].server_key);
    }
    free(m->scram);
    for (size_t i = 0; i < m->n_config_changes; i++) {
        free(m->config_changes[i].name);
        free(m->config_changes[i].entity_path);
    }
    free(m->config_changes);
    free_strs(m->pending_deletions, m->n_pending_deletions);
    free_tps(m->reassign_requests, m->n_reassign_requests);
    free_tps(m->preferred_elections, m->n_preferred_elections);
    for (size_t i = 0; i < m->n_isr_changes; i++) {
        free(m->isr_changes[i].name);
        free_tps(m->isr_changes[i].partitions, m->isr_changes[i].n_partitions);
    }
    free(m->isr_changes);
    for (size_t i = 0; i < m->n_log_dir_events; i++) free(m->log_dir_events[i].name);
    free(m->log_dir_events);
    for (size_t i = 0; i < m->n_acls; i++) {
        zr_acl_resource *r = &m->acls[i];
        for (size_t j = 0; j < r->n_entries; j++) {
            free(r->entries[j].principal);
            free(r->entries[j].host);
        }
        free(r->entries);
        free(r->name);
        free(r->path);
    }
    free(m->acls);
    for (size_t i = 0; i < m->n_tokens; i++) {
        zr_token *t = &m->tokens[i];
        free(t->token_id);
        free(t->owner);
        free(t->requester);
        free_strs(t->renewers, t->n_renewers);
    }
    free(m->tokens);
    for (size_t i = 0; i < m->n_features; i++) free(m->features[i].name);
    free(m->features);
    if (m->index) free(m->index->slots);
    free(m->index);
    zr_model_init(m);
}

const char *zr_entity_type_name(enum zr_entity_type t) {
    switch (t) {
    case ZR_ENTITY_TOPIC: return "topic";
    case ZR_ENTITY_BROKER: return "broker";
    case ZR_ENTITY_USER: return "user";
    case ZR_ENTITY_CLIENT: return "client-id";
    case ZR_ENTITY_USER_CLIENT: return "user+client-id";
    case ZR_ENTITY_IP: return "ip";
    }
    return "unknown";
}

/* ---- finish: join states to assignments ---------------------------------- */

static int state_cmp(const void *a, const void *b) {
    const zr_partition_state *x = a, *y = b;
    return (x->partition > y->partition) - (x->partition < y->partition);
}
static int partition_cmp(const void *a, const void *b) {
    const zr_partition *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}
static int topic_cmp(const void *a, const void *b) {
    return strcmp((*(zr_topic *const *)a)->name, (*(zr_topic *const *)b)->name);
}
static int str_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Kafka's substitute for a missing or unparsable state: leader = first replica, ISR = replicas. */
static bool synthesize_state(zr_partition *p) {
    p->state = (zr_partition_state){.partition = p->id, .leader = p->replicas.v[0],
                                    .json_version = 0, .partition_epoch = 0};
    p->state.isr.v = malloc(p->replicas.n * sizeof(int32_t));
    if (!p->state.isr.v) return false;
    memcpy(p->state.isr.v, p->replicas.v, p->replicas.n * sizeof(int32_t));
    p->state.isr.n = p->replicas.n;
    p->synthesized = true;
    return true;
}

/* A state with leader_epoch == INT32_MIN marks an unparsable znode (finding already made). */
#define ZR_STATE_UNUSABLE INT32_MIN

static void join_topic(zr_topic *t, zr_findings *f) {
    char path[1024];
    if (t->n_partitions > 1) qsort(t->partitions, t->n_partitions, sizeof *t->partitions, partition_cmp);
    if (t->n_states > 1) qsort(t->states, t->n_states, sizeof *t->states, state_cmp);
    for (size_t i = 0; i < t->n_partitions; i++) {
        zr_partition *p = &t->partitions[i];
        zr_partition_state key = {.partition = p->id};
        zr_partition_state *s =
            t->n_states ? bsearch(&key, t->states, t->n_states, sizeof *t->states, state_cmp) : NULL;
        snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name, (int)p->id);
        if (s && s->leader_epoch != ZR_STATE_UNUSABLE) {
            p->state = *s;
            s->isr.v = NULL; /* moved */
            s->partition = INT32_MIN; /* consumed */
            p->has_state = true;
            continue;
        }
        bool unusable = s != NULL;
        if (s) s->partition = INT32_MIN;
        if (p->replicas.n == 0) {
            zr_findings_add(f, ZR_SEV_ERROR, path,
                            "no usable partition state and an empty replica list: Kafka 3.9 "
                            "aborts the migration");
            continue;
        }
        if (!unusable)
            zr_findings_substitute(f, path,
                                   "partition state znode is missing; Kafka 3.9 substitutes "
                                   "leader = %d (first replica), ISR = all replicas, epochs 0",
                                   (int)p->replicas.v[0]);
        if (!synthesize_state(p)) return;
    }
    for (size_t i = 0; i < t->n_states; i++) {
        if (t->states[i].partition == INT32_MIN) continue;
        snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%d/state", t->name,
                 (int)t->states[i].partition);
        if (t->has_assignment)
            zr_findings_add(f, ZR_SEV_WARNING, path,
                            "partition %d is not in the topic's assignment; its state is ignored",
                            (int)t->states[i].partition);
    }
    for (size_t i = 0; i < t->n_states; i++) free(t->states[i].isr.v);
    free(t->states);
    t->states = NULL;
    t->n_states = t->cap_states = 0;
}

void zr_model_finish(zr_model *m, zr_findings *f) {
    assert(!m->finished);
    if (m->n_pending_deletions > 1)
        qsort(m->pending_deletions, m->n_pending_deletions, sizeof(char *), str_cmp);
    for (size_t i = 0; i < m->n_pending_deletions; i++) {
        zr_topic *t = zr_model_topic(m, m->pending_deletions[i]);
        if (t) t->pending_deletion = true;
    }
    for (size_t i = 0; i < m->n_topics; i++) {
        zr_topic *t = m->topics[i];
        if (!t->has_assignment && t->n_states && !t->pending_deletion) {
            /* The topic znode itself was unusable; its finding names the problem. */
        }
        join_topic(t, f);
    }
    if (m->n_topics > 1) qsort(m->topics, m->n_topics, sizeof *m->topics, topic_cmp);
    m->finished = true;
}

/* ---- counts -------------------------------------------------------------- */

static bool is_scram_key(const char *k) {
    return !strcmp(k, "SCRAM-SHA-256") || !strcmp(k, "SCRAM-SHA-512");
}

void zr_model_counts(const zr_model *m, zr_counts *c) {
    memset(c, 0, sizeof *c);
    c->brokers = m->n_brokers;
    for (size_t i = 0; i < m->n_topics; i++) {
        const zr_topic *t = m->topics[i];
        if (!t->has_assignment || t->pending_deletion) continue;
        c->topics++;
        c->partitions += t->n_partitions;
        for (size_t j = 0; j < t->n_partitions; j++) {
            const zr_partition *p = &t->partitions[j];
            if (p->adding.n || p->removing.n) c->reassignments++;
            if (p->has_state && p->state.leader < 0) c->offline_partitions++;
        }
    }
    for (size_t i = 0; i < m->n_configs; i++) {
        const zr_config_entity *e = &m->configs[i];
        for (size_t j = 0; j < e->config.n; j++) {
            if (e->type == ZR_ENTITY_TOPIC || e->type == ZR_ENTITY_BROKER) {
                if (e->type == ZR_ENTITY_TOPIC) {
                    zr_topic *t = zr_model_topic(m, e->name);
                    if (t && t->pending_deletion) continue;
                }
                c->configs++;
            } else if (!(e->type == ZR_ENTITY_USER && is_scram_key(e->config.v[j].key))) {
                c->quotas++;
            }
        }
    }
    /* A user's credentials come from one znode, so they are adjacent. */
    for (size_t i = 0; i < m->n_scram; i++) {
        const char *a = m->scram[i].user, *b = i ? m->scram[i - 1].user : NULL;
        bool same = i && ((a == NULL && b == NULL) || (a && b && !strcmp(a, b)));
        if (!same) c->scram_users++;
    }
    for (size_t i = 0; i < m->n_acls; i++) c->acls += m->acls[i].n_entries;
    c->pending_deletions = m->n_pending_deletions;
    c->tokens = m->n_tokens;
}
