#include "kraft/image_json.h"

#include <stdlib.h>

#include "kraft/metadata_version.h"

const char *kr_config_resource_type_name(int8_t type) {
    switch (type) {
    case 2: return "topic";
    case 4: return "broker";
    case 8: return "broker_logger";
    case 16: return "client_metrics";
    case 32: return "group";
    default: return "unknown";
    }
}

const char *kr_zk_migration_state_name(int8_t state) {
    switch (state) {
    case 0: return "NONE";
    case 1: return "MIGRATION";
    case 2: return "PRE_MIGRATION";
    case 3: return "POST_MIGRATION";
    case 4: return "ZK";
    default: return NULL;
    }
}

const char *kr_scram_mechanism_name(int8_t mechanism) {
    switch (mechanism) {
    case 1: return "SCRAM-SHA-256";
    case 2: return "SCRAM-SHA-512";
    default: return "UNKNOWN";
    }
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *ids_json(const kr_ids *ids) {
    if (ids->n < 0) return json_null();
    json_t *a = json_array();
    for (int32_t i = 0; i < ids->n; i++) json_array_append_new(a, json_integer(ids->v[i]));
    return a;
}

static json_t *uuids_json(const kr_uuid *u, int32_t n) {
    json_t *a = json_array();
    for (int32_t i = 0; i < n; i++) json_array_append_new(a, kr_json_uuid(&u[i]));
    return a;
}

/* Sorting through an index array keeps the image itself untouched. */
typedef int (*cmp_fn)(const void *base, int32_t a, int32_t b);
typedef struct sort_ctx {
    const void *base;
    cmp_fn cmp;
} sort_ctx;
static int sort_thunk(const void *a, const void *b, void *arg) {
    const sort_ctx *c = arg;
    return c->cmp(c->base, *(const int32_t *)a, *(const int32_t *)b);
}
static int32_t *sorted_order(const void *base, int32_t n, cmp_fn cmp) {
    int32_t *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    if (!order) return NULL;
    for (int32_t i = 0; i < n; i++) order[i] = i;
    sort_ctx ctx = {base, cmp};
    qsort_r(order, (size_t)n, sizeof *order, sort_thunk, &ctx);
    return order;
}

static int strcmp_null(const char *a, const char *b) {
    if (!a || !b) return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

static int cmp_node(const void *base, int32_t a, int32_t b) {
    const kr_image_node *v = base;
    return (v[a].id > v[b].id) - (v[a].id < v[b].id);
}
static int cmp_topic(const void *base, int32_t a, int32_t b) {
    const kr_image_topic *v = base;
    return strcmp(v[a].name, v[b].name);
}
static int cmp_config(const void *base, int32_t a, int32_t b) {
    const kr_image_config *v = base;
    if (v[a].resource_type != v[b].resource_type) return v[a].resource_type - v[b].resource_type;
    int c = strcmp(v[a].resource_name, v[b].resource_name);
    return c ? c : strcmp(v[a].name, v[b].name);
}
static int cmp_quota(const void *base, int32_t a, int32_t b) {
    const kr_image_quota *v = base;
    for (int32_t i = 0; i < v[a].entity_parts && i < v[b].entity_parts; i++) {
        int c = strcmp_null(v[a].entity[i].type, v[b].entity[i].type);
        if (!c) c = strcmp_null(v[a].entity[i].name, v[b].entity[i].name);
        if (c) return c;
    }
    if (v[a].entity_parts != v[b].entity_parts) return v[a].entity_parts - v[b].entity_parts;
    return strcmp_null(v[a].key, v[b].key);
}
static int cmp_scram(const void *base, int32_t a, int32_t b) {
    const kr_image_scram *v = base;
    int c = strcmp(v[a].user, v[b].user);
    return c ? c : v[a].mechanism - v[b].mechanism;
}
/* ACLs compare by content (ids are random per migration). */
static int cmp_acl(const void *base, int32_t a, int32_t b) {
    const kr_image_acl *x = &((const kr_image_acl *)base)[a], *y = &((const kr_image_acl *)base)[b];
    int c = x->resource_type - y->resource_type;
    if (!c) c = strcmp_null(x->resource_name, y->resource_name);
    if (!c) c = x->pattern_type - y->pattern_type;
    if (!c) c = strcmp_null(x->principal, y->principal);
    if (!c) c = strcmp_null(x->host, y->host);
    if (!c) c = x->operation - y->operation;
    if (!c) c = x->permission_type - y->permission_type;
    return c;
}
static int cmp_token(const void *base, int32_t a, int32_t b) {
    const kr_image_token *v = base;
    return strcmp(v[a].token_id, v[b].token_id);
}
static int cmp_feature(const void *base, int32_t a, int32_t b) {
    const kr_image_feature *v = base;
    return strcmp(v[a].name, v[b].name);
}

static json_t *node_json(const kr_image_node *n, bool controller) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(n->id));
    json_object_set_new(o, "incarnation_id", kr_json_uuid(&n->incarnation_id));
    if (!controller) {
        json_object_set_new(o, "epoch", json_integer(n->epoch));
        json_object_set_new(o, "fenced", json_boolean(n->fenced));
        json_object_set_new(o, "in_controlled_shutdown", json_boolean(n->in_controlled_shutdown));
        json_object_set_new(o, "is_migrating_zk_broker", json_boolean(n->is_migrating_zk_broker));
        json_object_set_new(o, "rack", jstr(n->rack));
        json_object_set_new(o, "log_dirs", uuids_json(n->log_dirs, n->log_dir_count));
    } else {
        json_object_set_new(o, "zk_migration_ready", json_boolean(n->zk_migration_ready));
    }
    json_t *eps = json_array();
    for (int32_t i = 0; i < n->endpoint_count; i++) {
        const kr_image_endpoint *e = &n->endpoints[i];
        json_array_append_new(eps, json_pack("{s:o,s:o,s:i,s:i}", "name", jstr(e->name), "host",
                                             jstr(e->host), "port", e->port, "security_protocol",
                                             e->security_protocol));
    }
    json_object_set_new(o, "endpoints", eps);
    json_t *fs = json_object();
    for (int32_t i = 0; i < n->feature_count; i++)
        if (n->features[i].name)
            json_object_set_new(fs, n->features[i].name,
                                json_pack("{s:i,s:i}", "min", n->features[i].min_version, "max",
                                          n->features[i].max_version));
    json_object_set_new(o, "supported_features", fs);
    return o;
}

static json_t *partition_json(const kr_image_partition *p) {
    json_t *o = json_object();
    json_object_set_new(o, "partition", json_integer(p->partition_id));
    json_object_set_new(o, "replicas", ids_json(&p->replicas));
    json_object_set_new(o, "isr", ids_json(&p->isr));
    json_object_set_new(o, "leader", json_integer(p->leader));
    json_object_set_new(o, "leader_epoch", json_integer(p->leader_epoch));
    json_object_set_new(o, "partition_epoch", json_integer(p->partition_epoch));
    json_object_set_new(o, "leader_recovery_state", json_integer(p->leader_recovery_state));
    json_object_set_new(o, "removing_replicas", ids_json(&p->removing_replicas));
    json_object_set_new(o, "adding_replicas", ids_json(&p->adding_replicas));
    if (p->elr.n >= 0) json_object_set_new(o, "eligible_leader_replicas", ids_json(&p->elr));
    if (p->last_known_elr.n >= 0)
        json_object_set_new(o, "last_known_elr", ids_json(&p->last_known_elr));
    if (p->directories) json_object_set_new(o, "directories", uuids_json(p->directories, p->replicas.n));
    return o;
}

static json_t *topic_json(const kr_image_topic *t) {
    json_t *parts = json_array();
    for (int32_t i = 0; i < t->partitions_cap; i++)
        if (t->partitions[i].present) json_array_append_new(parts, partition_json(&t->partitions[i]));
    return json_pack("{s:s,s:o,s:o}", "name", t->name, "id", kr_json_uuid(&t->id), "partitions", parts);
}

static json_t *secret_bytes(const uint8_t *p, int32_t n, int flags) {
    if (flags & KR_JSON_MASK_SECRETS) return json_string(KR_JSON_MASK);
    return kr_json_bytes((kr_bytes){p, n});
}

#define FOR_SORTED(table, cmp, var)                                                   \
    int32_t *order_##var = sorted_order((table).v, (table).n, cmp);                   \
    for (int32_t k_##var = 0; order_##var && k_##var < (table).n; k_##var++)         \
        for (const __typeof__(*(table).v) *var = &(table).v[order_##var[k_##var]]; var; var = NULL)

json_t *kr_image_to_json(const kr_image *img, int flags) {
    json_t *o = json_object();
    json_object_set_new(o, "metadata_version", json_integer(img->metadata_version));
    json_object_set_new(o, "metadata_version_name", jstr(kr_metadata_version_name(img->metadata_version)));
    json_t *features = json_object();
    {
        FOR_SORTED(img->features, cmp_feature, f) json_object_set_new(features, f->name, json_integer(f->level));
        free(order_f);
    }
    json_object_set_new(o, "features", features);
    json_object_set_new(o, "zk_migration_state", jstr(kr_zk_migration_state_name(img->zk_migration_state)));

    json_t *brokers = json_array(), *controllers = json_array(), *topics = json_array();
    {
        FOR_SORTED(img->brokers, cmp_node, b) json_array_append_new(brokers, node_json(b, false));
        free(order_b);
    }
    {
        FOR_SORTED(img->controllers, cmp_node, c) json_array_append_new(controllers, node_json(c, true));
        free(order_c);
    }
    {
        FOR_SORTED(img->topics, cmp_topic, t) json_array_append_new(topics, topic_json(t));
        free(order_t);
    }
    json_object_set_new(o, "brokers", brokers);
    json_object_set_new(o, "controllers", controllers);
    json_object_set_new(o, "topics", topics);

    json_t *configs = json_array();
    {
        FOR_SORTED(img->configs, cmp_config, c) {
            bool mask = (flags & KR_JSON_MASK_SECRETS) && c->value &&
                        kr_config_name_is_sensitive(c->name, strlen(c->name));
            json_array_append_new(configs,
                                  json_pack("{s:s,s:s,s:s,s:o}", "resource_type",
                                            kr_config_resource_type_name(c->resource_type),
                                            "resource_name", c->resource_name, "name", c->name, "value",
                                            mask ? json_string(KR_JSON_MASK) : jstr(c->value)));
        }
        free(order_c);
    }
    json_object_set_new(o, "configs", configs);

    json_t *quotas = json_array();
    {
        FOR_SORTED(img->quotas, cmp_quota, q) {
            json_t *entity = json_object();
            for (int32_t i = 0; i < q->entity_parts; i++)
                if (q->entity[i].type) json_object_set_new(entity, q->entity[i].type, jstr(q->entity[i].name));
            json_array_append_new(quotas, json_pack("{s:o,s:o,s:f}", "entity", entity, "key", jstr(q->key),
                                                    "value", q->value));
        }
        free(order_q);
    }
    json_object_set_new(o, "client_quotas", quotas);

    json_t *scram = json_array();
    {
        FOR_SORTED(img->scram, cmp_scram, s)
            json_array_append_new(scram, json_pack("{s:s,s:s,s:i,s:o,s:o,s:o}", "user", s->user, "mechanism",
                                                   kr_scram_mechanism_name(s->mechanism), "iterations",
                                                   s->iterations, "salt",
                                                   secret_bytes(s->salt, s->salt_len, flags), "stored_key",
                                                   secret_bytes(s->stored_key, s->stored_key_len, flags),
                                                   "server_key",
                                                   secret_bytes(s->server_key, s->server_key_len, flags)));
        free(order_s);
    }
    json_object_set_new(o, "scram_credentials", scram);

    json_t *acls = json_array();
    {
        FOR_SORTED(img->acls, cmp_acl, a)
            json_array_append_new(acls, json_pack("{s:i,s:o,s:i,s:o,s:o,s:i,s:i}", "resource_type",
                                                  a->resource_type, "resource_name", jstr(a->resource_name),
                                                  "pattern_type", a->pattern_type, "principal",
                                                  jstr(a->principal), "host", jstr(a->host), "operation",
                                                  a->operation, "permission_type", a->permission_type));
        free(order_a);
    }
    json_object_set_new(o, "acls", acls);

    json_t *tokens = json_array();
    {
        FOR_SORTED(img->tokens, cmp_token, t) {
            json_t *renewers = json_array();
            for (int32_t i = 0; i < t->renewer_count; i++) json_array_append_new(renewers, jstr(t->renewers[i]));
            json_array_append_new(tokens, json_pack("{s:s,s:o,s:o,s:o,s:I,s:I,s:I}", "token_id", t->token_id,
                                                    "owner", jstr(t->owner), "requester", jstr(t->requester),
                                                    "renewers", renewers, "issue_timestamp_ms",
                                                    (json_int_t)t->issue_timestamp_ms, "max_timestamp_ms",
                                                    (json_int_t)t->max_timestamp_ms, "expiration_timestamp_ms",
                                                    (json_int_t)t->expiration_timestamp_ms));
        }
        free(order_t);
    }
    json_object_set_new(o, "delegation_tokens", tokens);
    json_object_set_new(o, "producer_ids",
                        json_pack("{s:I,s:i,s:I}", "next_producer_id", (json_int_t)img->next_producer_id,
                                  "broker_id", img->producer_ids_broker_id, "broker_epoch",
                                  (json_int_t)img->producer_ids_broker_epoch));
    json_object_set_new(o, "counts",
                        json_pack("{s:i,s:i,s:i,s:I,s:i,s:i,s:i,s:i,s:i}", "brokers", img->brokers.n,
                                  "controllers", img->controllers.n, "topics", img->topics.n, "partitions",
                                  (json_int_t)img->partition_count, "configs", img->configs.n,
                                  "client_quotas", img->quotas.n, "scram_credentials", img->scram.n, "acls",
                                  img->acls.n, "delegation_tokens", img->tokens.n));
    return o;
}
