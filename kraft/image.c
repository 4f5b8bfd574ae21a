#include "kraft/image.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- small owned copies ------------------------------------------------- */

static char *dup_str(kr_str s) {
    if (s.len < 0) return NULL;
    char *p = malloc((size_t)s.len + 1);
    if (!p) return NULL;
    if (s.len) memcpy(p, s.ptr, (size_t)s.len);
    p[s.len] = '\0';
    return p;
}

static uint8_t *dup_bytes(kr_bytes b, int32_t *len) {
    *len = b.len < 0 ? 0 : b.len;
    uint8_t *p = malloc(*len ? (size_t)*len : 1);
    if (p && *len) memcpy(p, b.ptr, (size_t)*len);
    return p;
}

static bool ids_set(kr_ids *dst, kr_array_i32 src) {
    free(dst->v);
    dst->v = NULL;
    dst->n = src.n;
    if (src.n <= 0) return true;
    dst->v = malloc((size_t)src.n * sizeof *dst->v);
    if (!dst->v) return false;
    memcpy(dst->v, src.v, (size_t)src.n * sizeof *dst->v);
    return true;
}

static kr_uuid *uuids_dup(kr_array_uuid src) {
    if (src.n <= 0) return NULL;
    kr_uuid *p = malloc((size_t)src.n * sizeof *p);
    if (p) memcpy(p, src.v, (size_t)src.n * sizeof *p);
    return p;
}

/* Grows a table's array by one element; returns its index or -1. */
static int32_t table_push(void **v, int32_t *n, int32_t *cap, size_t elem) {
    if (*n == *cap) {
        int32_t ncap = *cap ? *cap * 2 : 16;
        void *p = realloc(*v, (size_t)ncap * elem);
        if (!p) return -1;
        *v = p;
        *cap = ncap;
    }
    memset((char *)*v + (size_t)*n * elem, 0, elem);
    return (*n)++;
}

#define TABLE_PUSH(t) table_push((void **)&(t).v, &(t).n, &(t).cap, sizeof *(t).v)

/* ---- keys --------------------------------------------------------------- */

typedef struct key_buf {
    char b[1024];
    size_t n;
} key_buf;

static void key_add(key_buf *k, const void *p, size_t n) {
    if (k->n + n > sizeof k->b) n = sizeof k->b - k->n; /* truncation only merges absurd keys */
    memcpy(k->b + k->n, p, n);
    k->n += n;
}
static void key_add_str(key_buf *k, const char *s) {
    if (s) key_add(k, s, strlen(s) + 1);
    else key_add(k, "\x01", 1); /* null differs from "" (which adds "\0") */
}

static key_buf node_key(int32_t id) {
    key_buf k = {.n = 0};
    key_add(&k, &id, sizeof id);
    return k;
}
static key_buf config_key(int8_t type, const char *resource, const char *name) {
    key_buf k = {.n = 0};
    key_add(&k, &type, 1);
    key_add_str(&k, resource);
    key_add_str(&k, name);
    return k;
}
static key_buf quota_key(const kr_image_quota *q) {
    key_buf k = {.n = 0};
    for (int32_t i = 0; i < q->entity_parts; i++) {
        key_add_str(&k, q->entity[i].type);
        key_add_str(&k, q->entity[i].name);
    }
    key_add(&k, "|", 1);
    key_add_str(&k, q->key);
    return k;
}
static key_buf scram_key(int8_t mechanism, const char *user) {
    key_buf k = {.n = 0};
    key_add(&k, &mechanism, 1);
    key_add_str(&k, user);
    return k;
}

/* ---- freeing entities ------------------------------------------------------ */

static void partition_free(kr_image_partition *p) {
    free(p->replicas.v);
    free(p->isr.v);
    free(p->removing_replicas.v);
    free(p->adding_replicas.v);
    free(p->elr.v);
    free(p->last_known_elr.v);
    free(p->directories);
    memset(p, 0, sizeof *p);
}

static void topic_free(kr_image_topic *t) {
    for (int32_t i = 0; i < t->partitions_cap; i++) partition_free(&t->partitions[i]);
    free(t->partitions);
    free(t->name);
}

static void node_free(kr_image_node *n) {
    for (int32_t i = 0; i < n->endpoint_count; i++) {
        free(n->endpoints[i].name);
        free(n->endpoints[i].host);
    }
    free(n->endpoints);
    for (int32_t i = 0; i < n->feature_count; i++) free(n->features[i].name);
    free(n->features);
    free(n->rack);
    free(n->log_dirs);
}

static void config_free(kr_image_config *c) {
    free(c->resource_name);
    free(c->name);
    free(c->value);
}

static void quota_free(kr_image_quota *q) {
    for (int32_t i = 0; i < q->entity_parts; i++) {
        free(q->entity[i].type);
        free(q->entity[i].name);
    }
    free(q->entity);
    free(q->key);
}

static void scram_free(kr_image_scram *s) {
    free(s->user);
    free(s->salt);
    free(s->stored_key);
    free(s->server_key);
}

static void acl_free(kr_image_acl *a) {
    free(a->resource_name);
    free(a->principal);
    free(a->host);
}

static void token_free(kr_image_token *t) {
    free(t->token_id);
    free(t->owner);
    free(t->requester);
    for (int32_t i = 0; i < t->renewer_count; i++) free(t->renewers[i]);
    free(t->renewers);
}

/* Removes element i by moving the last one into its place and re-indexing it. */
#define TABLE_REMOVE(t, i, freefn, keyexpr_of_last)                                  \
    do {                                                                             \
        freefn(&(t).v[i]);                                                           \
        int32_t last_ = (t).n - 1;                                                   \
        if ((i) != last_) {                                                          \
            (t).v[i] = (t).v[last_];                                                 \
            key_buf lk_ = keyexpr_of_last;                                           \
            kr_strmap_put(&(t).index, lk_.b, lk_.n, (i));                            \
        }                                                                            \
        (t).n--;                                                                     \
    } while (0)

/* ---- lifecycle ------------------------------------------------------------ */

void kr_image_init(kr_image *img) {
    memset(img, 0, sizeof *img);
    img->zk_migration_state = -1;
    img->next_producer_id = -1;
    img->producer_ids_broker_id = -1;
    img->producer_ids_broker_epoch = -1;
}

void kr_image_free(kr_image *img) {
    for (int32_t i = 0; i < img->features.n; i++) free(img->features.v[i].name);
    for (int32_t i = 0; i < img->brokers.n; i++) node_free(&img->brokers.v[i]);
    for (int32_t i = 0; i < img->controllers.n; i++) node_free(&img->controllers.v[i]);
    for (int32_t i = 0; i < img->topics.n; i++) topic_free(&img->topics.v[i]);
    for (int32_t i = 0; i < img->configs.n; i++) config_free(&img->configs.v[i]);
    for (int32_t i = 0; i < img->quotas.n; i++) quota_free(&img->quotas.v[i]);
    for (int32_t i = 0; i < img->scram.n; i++) scram_free(&img->scram.v[i]);
    for (int32_t i = 0; i < img->acls.n; i++) acl_free(&img->acls.v[i]);
    for (int32_t i = 0; i < img->tokens.n; i++) token_free(&img->tokens.v[i]);
    free(img->features.v);
    free(img->brokers.v);
    free(img->controllers.v);
    free(img->topics.v);
    free(img->configs.v);
    free(img->quotas.v);
    free(img->scram.v);
    free(img->acls.v);
    free(img->tokens.v);
    kr_strmap_free(&img->features.index);
    kr_strmap_free(&img->brokers.index);
    kr_strmap_free(&img->controllers.index);
    kr_strmap_free(&img->topics.index);
    kr_strmap_free(&img->topics_by_id);
    kr_strmap_free(&img->configs.index);
    kr_strmap_free(&img->quotas.index);
    kr_strmap_free(&img->scram.index);
    kr_strmap_free(&img->acls.index);
    kr_strmap_free(&img->tokens.index);
    kr_image_init(img);
}

/* ---- lookups ---------------------------------------------------------------- */

kr_image_topic *kr_image_topic_by_name(const kr_image *img, const char *name, size_t len) {
    int32_t i = kr_strmap_get(&img->topics.index, name, len);
    return i < 0 ? NULL : &img->topics.v[i];
}

kr_image_topic *kr_image_topic_by_id(const kr_image *img, const kr_uuid *id) {
    int32_t i = kr_strmap_get(&img->topics_by_id, id->b, 16);
    return i < 0 ? NULL : &img->topics.v[i];
}

kr_image_node *kr_image_broker(const kr_image *img, int32_t id) {
    key_buf k = node_key(id);
    int32_t i = kr_strmap_get(&img->brokers.index, k.b, k.n);
    return i < 0 ? NULL : &img->brokers.v[i];
}

const char *kr_image_config_value(const kr_image *img, int8_t resource_type, const char *resource,
                                  const char *name) {
    key_buf k = config_key(resource_type, resource, name);
    int32_t i = kr_strmap_get(&img->configs.index, k.b, k.n);
    return i < 0 ? NULL : img->configs.v[i].value;
}

/* ---- replay: cluster ---------------------------------------------------------- */

#define NOMEM(err) kr_fail(err, KR_ERR_NOMEM, "out of memory folding the image")

static int set_endpoints(kr_image_node *n, const void *v, int32_t count, size_t stride,
                         size_t off_name, size_t off_host, size_t off_port, size_t off_proto) {
    n->endpoints = count > 0 ? calloc((size_t)count, sizeof *n->endpoints) : NULL;
    n->endpoint_count = count > 0 ? count : 0;
    for (int32_t i = 0; i < n->endpoint_count; i++) {
        const char *e = (const char *)v + (size_t)i * stride;
        n->endpoints[i].name = dup_str(*(const kr_str *)(e + off_name));
        n->endpoints[i].host = dup_str(*(const kr_str *)(e + off_host));
        n->endpoints[i].port = *(const uint16_t *)(e + off_port);
        n->endpoints[i].security_protocol = off_proto ? *(const int16_t *)(e + off_proto) : -1;
    }
    return 0;
}

static void set_features(kr_image_node *n, const void *v, int32_t count, size_t stride,
                         size_t off_name, size_t off_min, size_t off_max) {
    n->features = count > 0 ? calloc((size_t)count, sizeof *n->features) : NULL;
    n->feature_count = count > 0 ? count : 0;
    for (int32_t i = 0; i < n->feature_count; i++) {
        const char *f = (const char *)v + (size_t)i * stride;
        n->features[i].name = dup_str(*(const kr_str *)(f + off_name));
        n->features[i].min_version = *(const int16_t *)(f + off_min);
        n->features[i].max_version = *(const int16_t *)(f + off_max);
    }
}

/* Finds or creates the node slot for id in a broker/controller table. */
static kr_image_node *node_slot(kr_image *img, bool controller, int32_t id, kr_error *err) {
    kr_image_node_table *t = controller ? &img->controllers : &img->brokers;
    key_buf k = node_key(id);
    int32_t i = kr_strmap_get(&t->index, k.b, k.n);
    if (i >= 0) {
        node_free(&t->v[i]);
        memset(&t->v[i], 0, sizeof t->v[i]);
    } else {
        i = TABLE_PUSH(*t);
        if (i < 0 || !kr_strmap_put(&t->index, k.b, k.n, i)) {
            NOMEM(err);
            return NULL;
        }
    }
    t->v[i].id = id;
    return &t->v[i];
}

static int apply_register_broker(kr_image *img, const kr_RegisterBrokerRecord *r, kr_error *err) {
    kr_image_node *n = node_slot(img, false, r->BrokerId, err);
    if (!n) return KR_ERR_NOMEM;
    n->incarnation_id = r->IncarnationId;
    n->epoch = r->BrokerEpoch;
    set_endpoints(n, r->EndPoints.v, r->EndPoints.n, sizeof *r->EndPoints.v,
                  offsetof(kr_RegisterBrokerRecord_BrokerEndpoint, Name),
                  offsetof(kr_RegisterBrokerRecord_BrokerEndpoint, Host),
                  offsetof(kr_RegisterBrokerRecord_BrokerEndpoint, Port),
                  offsetof(kr_RegisterBrokerRecord_BrokerEndpoint, SecurityProtocol));
    set_features(n, r->Features.v, r->Features.n, sizeof *r->Features.v,
                 offsetof(kr_RegisterBrokerRecord_BrokerFeature, Name),
                 offsetof(kr_RegisterBrokerRecord_BrokerFeature, MinSupportedVersion),
                 offsetof(kr_RegisterBrokerRecord_BrokerFeature, MaxSupportedVersion));
    n->rack = dup_str(r->Rack);
    n->fenced = r->Fenced;
    n->in_controlled_shutdown = r->InControlledShutdown;
    n->is_migrating_zk_broker = r->IsMigratingZkBroker;
    n->log_dirs = uuids_dup(r->LogDirs);
    n->log_dir_count = r->LogDirs.n > 0 ? r->LogDirs.n : 0;
    return KR_OK;
}

static int apply_register_controller(kr_image *img, const kr_RegisterControllerRecord *r,
                                     kr_error *err) {
    kr_image_node *n = node_slot(img, true, r->ControllerId, err);
    if (!n) return KR_ERR_NOMEM;
    n->incarnation_id = r->IncarnationId;
    n->epoch = -1;
    n->zk_migration_ready = r->ZkMigrationReady;
    n->fenced = false;
    set_endpoints(n, r->EndPoints.v, r->EndPoints.n, sizeof *r->EndPoints.v,
                  offsetof(kr_RegisterControllerRecord_ControllerEndpoint, Name),
                  offsetof(kr_RegisterControllerRecord_ControllerEndpoint, Host),
                  offsetof(kr_RegisterControllerRecord_ControllerEndpoint, Port),
                  offsetof(kr_RegisterControllerRecord_ControllerEndpoint, SecurityProtocol));
    set_features(n, r->Features.v, r->Features.n, sizeof *r->Features.v,
                 offsetof(kr_RegisterControllerRecord_ControllerFeature, Name),
                 offsetof(kr_RegisterControllerRecord_ControllerFeature, MinSupportedVersion),
                 offsetof(kr_RegisterControllerRecord_ControllerFeature, MaxSupportedVersion));
    return KR_OK;
}

static void node_key_free_helper(kr_image_node *n) { node_free(n); }

static int apply_unregister_broker(kr_image *img, int32_t id, kr_error *err) {
    key_buf k = node_key(id);
    int32_t i = kr_strmap_del(&img->brokers.index, k.b, k.n);
    if (i < 0) return kr_fail(err, KR_ERR_INVALID, "UnregisterBrokerRecord: broker %d is not registered", id);
    TABLE_REMOVE(img->brokers, i, node_key_free_helper, node_key(img->brokers.v[i].id));
    return KR_OK;
}

/* Fence/unfence/change records must name a registered broker at its current epoch. */
static kr_image_node *broker_at_epoch(kr_image *img, const char *what, int32_t id, int64_t epoch,
                                      kr_error *err) {
    kr_image_node *n = kr_image_broker(img, id);
    if (!n) {
        kr_fail(err, KR_ERR_INVALID, "%s: broker %d is not registered", what, id);
        return NULL;
    }
    if (n->epoch != epoch) {
        kr_fail(err, KR_ERR_INVALID, "%s: broker %d has epoch %lld, the record says %lld", what, id,
                (long long)n->epoch, (long long)epoch);
        return NULL;
    }
    return n;
}

static int apply_broker_change(kr_image *img, const kr_BrokerRegistrationChangeRecord *r,
                               kr_error *err) {
    kr_image_node *n = broker_at_epoch(img, "BrokerRegistrationChangeRecord", r->BrokerId,
                                       r->BrokerEpoch, err);
    if (!n) return KR_ERR_INVALID;
    if (r->Fenced == 1) n->fenced = true;
    else if (r->Fenced == -1) n->fenced = false;
    else if (r->Fenced != 0)
        return kr_fail(err, KR_ERR_INVALID, "BrokerRegistrationChangeRecord: Fenced %d is not -1, 0 or 1",
                       r->Fenced);
    if (r->InControlledShutdown == 1) n->in_controlled_shutdown = true;
    else if (r->InControlledShutdown != 0)
        return kr_fail(err, KR_ERR_INVALID,
                       "BrokerRegistrationChangeRecord: InControlledShutdown %d is not 0 or 1",
                       r->InControlledShutdown);
    if (r->LogDirs.n > 0) {
        free(n->log_dirs);
        n->log_dirs = uuids_dup(r->LogDirs);
        n->log_dir_count = r->LogDirs.n;
    }
    return KR_OK;
}

/* ---- replay: topics and partitions ---------------------------------------------- */

static int apply_topic(kr_image *img, const kr_TopicRecord *r, kr_error *err) {
    if (r->Name.len <= 0) return kr_fail(err, KR_ERR_INVALID, "TopicRecord: empty topic name");
    if (kr_image_topic_by_name(img, r->Name.ptr, (size_t)r->Name.len))
        return kr_fail(err, KR_ERR_INVALID, "TopicRecord: topic '%.*s' already exists", r->Name.len,
                       r->Name.ptr);
    if (kr_image_topic_by_id(img, &r->TopicId)) {
        char id[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(&r->TopicId, id);
        return kr_fail(err, KR_ERR_INVALID, "TopicRecord: topic id %s already names another topic", id);
    }
    int32_t i = TABLE_PUSH(img->topics);
    if (i < 0) return NOMEM(err);
    kr_image_topic *t = &img->topics.v[i];
    t->name = dup_str(r->Name);
    t->id = r->TopicId;
    if (!t->name || !kr_strmap_put(&img->topics.index, r->Name.ptr, (size_t)r->Name.len, i) ||
        !kr_strmap_put(&img->topics_by_id, r->TopicId.b, 16, i))
        return NOMEM(err);
    return KR_OK;
}

static kr_image_topic *topic_for(kr_image *img, const char *what, const kr_uuid *id, kr_error *err) {
    kr_image_topic *t = kr_image_topic_by_id(img, id);
    if (!t) {
        char text[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(id, text);
        kr_fail(err, KR_ERR_INVALID, "%s: no topic with id %s", what, text);
    }
    return t;
}

static kr_image_partition *partition_slot(kr_image_topic *t, int32_t id) {
    if (id >= t->partitions_cap) {
        int32_t cap = t->partitions_cap ? t->partitions_cap : 1;
        while (cap <= id) cap *= 2;
        kr_image_partition *p = realloc(t->partitions, (size_t)cap * sizeof *p);
        if (!p) return NULL;
        memset(p + t->partitions_cap, 0, (size_t)(cap - t->partitions_cap) * sizeof *p);
        t->partitions = p;
        t->partitions_cap = cap;
    }
    return &t->partitions[id];
}

static int apply_partition(kr_image *img, const kr_PartitionRecord *r, kr_error *err) {
    kr_image_topic *t = topic_for(img, "PartitionRecord", &r->TopicId, err);
    if (!t) return KR_ERR_INVALID;
    if (r->PartitionId < 0 || r->PartitionId > KR_IMAGE_MAX_PARTITION_ID)
        return kr_fail(err, KR_ERR_INVALID, "PartitionRecord: topic '%s' partition id %d is out of range",
                       t->name, r->PartitionId);
    kr_image_partition *p = partition_slot(t, r->PartitionId);
    if (!p) return NOMEM(err);
    if (p->present) {
        partition_free(p);
    } else {
        t->partition_count++;
        img->partition_count++;
    }
    p->present = true;
    p->partition_id = r->PartitionId;
    p->elr.n = p->last_known_elr.n = -1;
    bool ok = ids_set(&p->replicas, r->Replicas) && ids_set(&p->isr, r->Isr) &&
              ids_set(&p->removing_replicas, r->RemovingReplicas) &&
              ids_set(&p->adding_replicas, r->AddingReplicas) &&
              ids_set(&p->elr, r->EligibleLeaderReplicas) &&
              ids_set(&p->last_known_elr, r->LastKnownElr);
    if (!ok) return NOMEM(err);
    if (r->Directories.n > 0) {
        if (r->Directories.n != r->Replicas.n)
            return kr_fail(err, KR_ERR_INVALID,
                           "PartitionRecord: topic '%s' partition %d has %d directories for %d replicas",
                           t->name, r->PartitionId, r->Directories.n, r->Replicas.n);
        p->directories = uuids_dup(r->Directories);
    }
    p->leader = r->Leader;
    p->leader_epoch = r->LeaderEpoch;
    p->partition_epoch = r->PartitionEpoch;
    p->leader_recovery_state = r->LeaderRecoveryState;
    return KR_OK;
}

/* New directories when replicas change without a Directories field: keep each
 * surviving replica's directory, unassigned (zero) for new ones. */
static kr_uuid *carry_directories(const kr_image_partition *p, kr_array_i32 new_replicas) {
    if (!p->directories || new_replicas.n <= 0) return NULL;
    kr_uuid *d = calloc((size_t)new_replicas.n, sizeof *d);
    if (!d) return NULL;
    for (int32_t i = 0; i < new_replicas.n; i++)
        for (int32_t j = 0; j < p->replicas.n; j++)
            if (p->replicas.v[j] == new_replicas.v[i]) d[i] = p->directories[j];
    return d;
}

static int apply_partition_change(kr_image *img, const kr_PartitionChangeRecord *r, kr_error *err) {
    kr_image_topic *t = topic_for(img, "PartitionChangeRecord", &r->TopicId, err);
    if (!t) return KR_ERR_INVALID;
    if (r->PartitionId < 0 || r->PartitionId >= t->partitions_cap ||
        !t->partitions[r->PartitionId].present)
        return kr_fail(err, KR_ERR_INVALID, "PartitionChangeRecord: topic '%s' has no partition %d",
                       t->name, r->PartitionId);
    kr_image_partition *p = &t->partitions[r->PartitionId];
    bool ok = true;
    if (r->Directories.n >= 0) {
        free(p->directories);
        p->directories = uuids_dup(r->Directories);
    } else if (r->Replicas.n >= 0 && p->directories) {
        kr_uuid *d = carry_directories(p, r->Replicas);
        free(p->directories);
        p->directories = d;
    }
    if (r->Replicas.n >= 0) ok &= ids_set(&p->replicas, r->Replicas);
    if (r->Isr.n >= 0) ok &= ids_set(&p->isr, r->Isr);
    if (r->RemovingReplicas.n >= 0) ok &= ids_set(&p->removing_replicas, r->RemovingReplicas);
    if (r->AddingReplicas.n >= 0) ok &= ids_set(&p->adding_replicas, r->AddingReplicas);
    if (r->EligibleLeaderReplicas.n >= 0) ok &= ids_set(&p->elr, r->EligibleLeaderReplicas);
    if (r->LastKnownElr.n >= 0) ok &= ids_set(&p->last_known_elr, r->LastKnownElr);
    if (!ok) return NOMEM(err);
    if (r->Leader != -2) {
        p->leader = r->Leader;
        p->leader_epoch++;
    }
    if (r->LeaderRecoveryState != -1) p->leader_recovery_state = r->LeaderRecoveryState;
    p->partition_epoch++;
    return KR_OK;
}

static void config_free_helper(kr_image_config *c) { config_free(c); }

static void remove_configs_of(kr_image *img, int8_t type, const char *resource) {
    for (int32_t i = img->configs.n - 1; i >= 0; i--) {
        kr_image_config *c = &img->configs.v[i];
        if (c->resource_type != type || strcmp(c->resource_name, resource) != 0) continue;
        key_buf k = config_key(c->resource_type, c->resource_name, c->name);
        kr_strmap_del(&img->configs.index, k.b, k.n);
        TABLE_REMOVE(img->configs, i, config_free_helper,
                     config_key(img->configs.v[i].resource_type, img->configs.v[i].resource_name,
                                img->configs.v[i].name));
    }
}

static int apply_remove_topic(kr_image *img, const kr_RemoveTopicRecord *r, kr_error *err) {
    kr_image_topic *t = topic_for(img, "RemoveTopicRecord", &r->TopicId, err);
    if (!t) return KR_ERR_INVALID;
    int32_t i = (int32_t)(t - img->topics.v), last = img->topics.n - 1;
    remove_configs_of(img, 2, t->name); /* a topic's configs go with it */
    img->partition_count -= t->partition_count;
    kr_strmap_del(&img->topics.index, t->name, strlen(t->name));
    kr_strmap_del(&img->topics_by_id, t->id.b, 16);
    topic_free(t);
    if (i != last) {
        img->topics.v[i] = img->topics.v[last];
        kr_image_topic *moved = &img->topics.v[i];
        if (!kr_strmap_put(&img->topics.index, moved->name, strlen(moved->name), i) ||
            !kr_strmap_put(&img->topics_by_id, moved->id.b, 16, i))
            return NOMEM(err);
    }
    img->topics.n--;
    return KR_OK;
}

/* ---- replay: configs, quotas, credentials, ACLs, tokens ------------------------- */

static int apply_config(kr_image *img, const kr_ConfigRecord *r, kr_error *err) {
    if (r->ResourceName.len < 0 || r->Name.len < 0)
        return kr_fail(err, KR_ERR_INVALID, "ConfigRecord: null resource or config name");
    char *resource = dup_str(r->ResourceName), *name = dup_str(r->Name);
    if (!resource || !name) {
        free(resource);
        free(name);
        return NOMEM(err);
    }
    key_buf k = config_key(r->ResourceType, resource, name);
    int32_t i = kr_strmap_get(&img->configs.index, k.b, k.n);
    if (r->Value.len < 0) { /* null value deletes the key */
        if (i >= 0) {
            kr_strmap_del(&img->configs.index, k.b, k.n);
            TABLE_REMOVE(img->configs, i, config_free_helper,
                         config_key(img->configs.v[i].resource_type, img->configs.v[i].resource_name,
                                    img->configs.v[i].name));
        }
        free(resource);
        free(name);
        return KR_OK;
    }
    if (i >= 0) {
        free(resource);
        free(name);
        free(img->configs.v[i].value);
        img->configs.v[i].value = dup_str(r->Value);
        return img->configs.v[i].value ? KR_OK : NOMEM(err);
    }
    i = TABLE_PUSH(img->configs);
    if (i < 0 || !kr_strmap_put(&img->configs.index, k.b, k.n, i)) return NOMEM(err);
    img->configs.v[i] = (kr_image_config){r->ResourceType, resource, name, dup_str(r->Value)};
    return KR_OK;
}

static void quota_free_helper(kr_image_quota *q) { quota_free(q); }

static int apply_client_quota(kr_image *img, const kr_ClientQuotaRecord *r, kr_error *err) {
    kr_image_quota q = {0};
    q.entity_parts = r->Entity.n > 0 ? r->Entity.n : 0;
    q.entity = q.entity_parts ? calloc((size_t)q.entity_parts, sizeof *q.entity) : NULL;
    /* Canonical order: by entity type, so the same entity always has one key. */
    for (int32_t i = 0; i < q.entity_parts; i++) {
        q.entity[i].type = dup_str(r->Entity.v[i].EntityType);
        q.entity[i].name = dup_str(r->Entity.v[i].EntityName);
    }
    for (int32_t i = 1; i < q.entity_parts; i++)
        for (int32_t j = i; j > 0 && strcmp(q.entity[j - 1].type ? q.entity[j - 1].type : "",
                                            q.entity[j].type ? q.entity[j].type : "") > 0;
             j--) {
            kr_image_quota_entity_part tmp = q.entity[j];
            q.entity[j] = q.entity[j - 1];
            q.entity[j - 1] = tmp;
        }
    q.key = dup_str(r->Key);
    q.value = r->Value;
    key_buf k = quota_key(&q);
    int32_t i = kr_strmap_get(&img->quotas.index, k.b, k.n);
    if (r->Remove) {
        if (i >= 0) {
            kr_strmap_del(&img->quotas.index, k.b, k.n);
            TABLE_REMOVE(img->quotas, i, quota_free_helper, quota_key(&img->quotas.v[i]));
        }
        quota_free(&q);
        return KR_OK;
    }
    if (i >= 0) {
        img->quotas.v[i].value = r->Value;
        quota_free(&q);
        return KR_OK;
    }
    i = TABLE_PUSH(img->quotas);
    if (i < 0 || !kr_strmap_put(&img->quotas.index, k.b, k.n, i)) {
        quota_free(&q);
        return NOMEM(err);
    }
    img->quotas.v[i] = q;
    return KR_OK;
}

static void scram_free_helper(kr_image_scram *s) { scram_free(s); }

static int apply_scram(kr_image *img, const kr_UserScramCredentialRecord *r, kr_error *err) {
    char *user = dup_str(r->Name);
    if (!user) return kr_fail(err, KR_ERR_INVALID, "UserScramCredentialRecord: null user name");
    key_buf k = scram_key(r->Mechanism, user);
    int32_t i = kr_strmap_get(&img->scram.index, k.b, k.n);
    if (i >= 0) {
        scram_free(&img->scram.v[i]);
    } else {
        i = TABLE_PUSH(img->scram);
        if (i < 0 || !kr_strmap_put(&img->scram.index, k.b, k.n, i)) {
            free(user);
            return NOMEM(err);
        }
    }
    kr_image_scram *s = &img->scram.v[i];
    s->user = user;
    s->mechanism = r->Mechanism;
    s->salt = dup_bytes(r->Salt, &s->salt_len);
    s->stored_key = dup_bytes(r->StoredKey, &s->stored_key_len);
    s->server_key = dup_bytes(r->ServerKey, &s->server_key_len);
    s->iterations = r->Iterations;
    return KR_OK;
}

static int apply_remove_scram(kr_image *img, const kr_RemoveUserScramCredentialRecord *r) {
    char *user = dup_str(r->Name);
    if (!user) return KR_OK;
    key_buf k = scram_key(r->Mechanism, user);
    free(user);
    int32_t i = kr_strmap_del(&img->scram.index, k.b, k.n);
    if (i >= 0)
        TABLE_REMOVE(img->scram, i, scram_free_helper,
                     scram_key(img->scram.v[i].mechanism, img->scram.v[i].user));
    return KR_OK;
}

static key_buf acl_key(const kr_uuid *id) {
    key_buf k = {.n = 0};
    key_add(&k, id->b, 16);
    return k;
}
static void acl_free_helper(kr_image_acl *a) { acl_free(a); }

static int apply_acl(kr_image *img, const kr_AccessControlEntryRecord *r, kr_error *err) {
    key_buf k = acl_key(&r->Id);
    int32_t i = kr_strmap_get(&img->acls.index, k.b, k.n);
    if (i >= 0) {
        acl_free(&img->acls.v[i]);
    } else {
        i = TABLE_PUSH(img->acls);
        if (i < 0 || !kr_strmap_put(&img->acls.index, k.b, k.n, i)) return NOMEM(err);
    }
    img->acls.v[i] = (kr_image_acl){r->Id,
                                    r->ResourceType,
                                    dup_str(r->ResourceName),
                                    r->PatternType,
                                    dup_str(r->Principal),
                                    dup_str(r->Host),
                                    r->Operation,
                                    r->PermissionType};
    return KR_OK;
}

static int apply_remove_acl(kr_image *img, const kr_RemoveAccessControlEntryRecord *r, kr_error *err) {
    key_buf k = acl_key(&r->Id);
    int32_t i = kr_strmap_del(&img->acls.index, k.b, k.n);
    if (i < 0) {
        char text[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(&r->Id, text);
        return kr_fail(err, KR_ERR_INVALID, "RemoveAccessControlEntryRecord: no ACL with id %s", text);
    }
    TABLE_REMOVE(img->acls, i, acl_free_helper, acl_key(&img->acls.v[i].id));
    return KR_OK;
}

static key_buf token_key(const char *id) {
    key_buf k = {.n = 0};
    key_add_str(&k, id);
    return k;
}
static void token_free_helper(kr_image_token *t) { token_free(t); }

static int apply_token(kr_image *img, const kr_DelegationTokenRecord *r, kr_error *err) {
    char *id = dup_str(r->TokenId);
    if (!id) return kr_fail(err, KR_ERR_INVALID, "DelegationTokenRecord: null token id");
    key_buf k = token_key(id);
    int32_t i = kr_strmap_get(&img->tokens.index, k.b, k.n);
    if (i >= 0) {
        token_free(&img->tokens.v[i]);
    } else {
        i = TABLE_PUSH(img->tokens);
        if (i < 0 || !kr_strmap_put(&img->tokens.index, k.b, k.n, i)) {
            free(id);
            return NOMEM(err);
        }
    }
    kr_image_token *t = &img->tokens.v[i];
    memset(t, 0, sizeof *t);
    t->token_id = id;
    t->owner = dup_str(r->Owner);
    t->requester = dup_str(r->Requester);
    t->renewer_count = r->Renewers.n > 0 ? r->Renewers.n : 0;
    t->renewers = t->renewer_count ? calloc((size_t)t->renewer_count, sizeof *t->renewers) : NULL;
    for (int32_t j = 0; j < t->renewer_count; j++) t->renewers[j] = dup_str(r->Renewers.v[j]);
    t->issue_timestamp_ms = r->IssueTimestamp;
    t->max_timestamp_ms = r->MaxTimestamp;
    t->expiration_timestamp_ms = r->ExpirationTimestamp;
    return KR_OK;
}

static int apply_remove_token(kr_image *img, const kr_RemoveDelegationTokenRecord *r) {
    char *id = dup_str(r->TokenId);
    if (!id) return KR_OK;
    key_buf k = token_key(id);
    free(id);
    int32_t i = kr_strmap_del(&img->tokens.index, k.b, k.n);
    if (i >= 0) TABLE_REMOVE(img->tokens, i, token_free_helper, token_key(img->tokens.v[i].token_id));
    return KR_OK;
}

static void feature_free_helper(kr_image_feature *f) { free(f->name); }

static int apply_feature(kr_image *img, const kr_FeatureLevelRecord *r, kr_error *err) {
    if (kr_str_eq_c(r->Name, "metadata.version")) {
        img->metadata_version = r->FeatureLevel;
        return KR_OK;
    }
    char *name = dup_str(r->Name);
    if (!name) return kr_fail(err, KR_ERR_INVALID, "FeatureLevelRecord: null feature name");
    key_buf k = token_key(name);
    int32_t i = kr_strmap_get(&img->features.index, k.b, k.n);
    if (r->FeatureLevel == 0) { /* level 0 removes the feature */
        if (i >= 0) {
            kr_strmap_del(&img->features.index, k.b, k.n);
            TABLE_REMOVE(img->features, i, feature_free_helper, token_key(img->features.v[i].name));
        }
        free(name);
        return KR_OK;
    }
    if (i >= 0) {
        free(name);
        img->features.v[i].level = r->FeatureLevel;
        return KR_OK;
    }
    i = TABLE_PUSH(img->features);
    if (i < 0 || !kr_strmap_put(&img->features.index, k.b, k.n, i)) {
        free(name);
        return NOMEM(err);
    }
    img->features.v[i] = (kr_image_feature){name, r->FeatureLevel};
    return KR_OK;
}

/* ---- dispatch --------------------------------------------------------------------- */

int kr_image_apply(kr_image *img, const kr_metadata_record *rec, kr_error *err) {
    const __typeof__(rec->u) *u = &rec->u;
    img->records_applied++;
    switch (rec->api_key) {
    case KR_REC_REGISTER_BROKER_RECORD: return apply_register_broker(img, &u->RegisterBrokerRecord, err);
    case KR_REC_UNREGISTER_BROKER_RECORD:
        return apply_unregister_broker(img, u->UnregisterBrokerRecord.BrokerId, err);
    case KR_REC_TOPIC_RECORD: return apply_topic(img, &u->TopicRecord, err);
    case KR_REC_PARTITION_RECORD: return apply_partition(img, &u->PartitionRecord, err);
    case KR_REC_CONFIG_RECORD: return apply_config(img, &u->ConfigRecord, err);
    case KR_REC_PARTITION_CHANGE_RECORD: return apply_partition_change(img, &u->PartitionChangeRecord, err);
    case KR_REC_FENCE_BROKER_RECORD: {
        kr_image_node *n = broker_at_epoch(img, "FenceBrokerRecord", u->FenceBrokerRecord.Id,
                                           u->FenceBrokerRecord.Epoch, err);
        if (!n) return KR_ERR_INVALID;
        n->fenced = true;
        return KR_OK;
    }
    case KR_REC_UNFENCE_BROKER_RECORD: {
        kr_image_node *n = broker_at_epoch(img, "UnfenceBrokerRecord", u->UnfenceBrokerRecord.Id,
                                           u->UnfenceBrokerRecord.Epoch, err);
        if (!n) return KR_ERR_INVALID;
        n->fenced = false;
        return KR_OK;
    }
    case KR_REC_REMOVE_TOPIC_RECORD: return apply_remove_topic(img, &u->RemoveTopicRecord, err);
    case KR_REC_DELEGATION_TOKEN_RECORD: return apply_token(img, &u->DelegationTokenRecord, err);
    case KR_REC_USER_SCRAM_CREDENTIAL_RECORD: return apply_scram(img, &u->UserScramCredentialRecord, err);
    case KR_REC_FEATURE_LEVEL_RECORD: return apply_feature(img, &u->FeatureLevelRecord, err);
    case KR_REC_CLIENT_QUOTA_RECORD: return apply_client_quota(img, &u->ClientQuotaRecord, err);
    case KR_REC_PRODUCER_IDS_RECORD:
        img->next_producer_id = u->ProducerIdsRecord.NextProducerId;
        img->producer_ids_broker_id = u->ProducerIdsRecord.BrokerId;
        img->producer_ids_broker_epoch = u->ProducerIdsRecord.BrokerEpoch;
        return KR_OK;
    case KR_REC_BROKER_REGISTRATION_CHANGE_RECORD:
        return apply_broker_change(img, &u->BrokerRegistrationChangeRecord, err);
    case KR_REC_ACCESS_CONTROL_ENTRY_RECORD: return apply_acl(img, &u->AccessControlEntryRecord, err);
    case KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD:
        return apply_remove_acl(img, &u->RemoveAccessControlEntryRecord, err);
    case KR_REC_NO_OP_RECORD: return KR_OK;
    case KR_REC_ZK_MIGRATION_STATE_RECORD:
        img->zk_migration_state = u->ZkMigrationStateRecord.ZkMigrationState;
        return KR_OK;
    case KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD:
        return apply_remove_scram(img, &u->RemoveUserScramCredentialRecord);
    case KR_REC_BEGIN_TRANSACTION_RECORD:
    case KR_REC_END_TRANSACTION_RECORD:
    case KR_REC_ABORT_TRANSACTION_RECORD: return KR_OK; /* kr_image_loader handles these */
    case KR_REC_REMOVE_DELEGATION_TOKEN_RECORD:
        return apply_remove_token(img, &u->RemoveDelegationTokenRecord);
    case KR_REC_REGISTER_CONTROLLER_RECORD:
        return apply_register_controller(img, &u->RegisterControllerRecord, err);
    }
    return kr_fail(err, KR_ERR_UNSUPPORTED, "unknown metadata record type: api key %d version %d",
                   rec->api_key, rec->version);
}

/* ---- loader: transactions ------------------------------------------------------------- */

void kr_image_loader_init(kr_image_loader *l, kr_image *img) {
    memset(l, 0, sizeof *l);
    l->img = img;
    l->transaction_offset = -1;
}

void kr_image_loader_free(kr_image_loader *l) {
    kr_arena_free(&l->arena);
    free(l->pending);
    l->pending = NULL;
    l->pending_n = l->pending_cap = 0;
}

static int decode_value(kr_image_loader *l, const uint8_t *value, size_t len, int64_t offset,
                        kr_metadata_record *rec, kr_error *err) {
    int rc = kr_metadata_record_decode(value, len, rec, &l->arena, err);
    if (rc != KR_OK) kr_error_wrap(err, "record at offset %lld", (long long)offset);
    return rc;
}

static int apply_decoded(kr_image_loader *l, const kr_metadata_record *rec, int64_t offset,
                         kr_error *err) {
    int rc = kr_image_apply(l->img, rec, err);
    if (rc != KR_OK) kr_error_wrap(err, "record at offset %lld", (long long)offset);
    return rc;
}

static void discard_pending(kr_image_loader *l) {
    l->records_discarded += l->pending_n;
    l->pending_n = 0;
    l->in_transaction = false;
    l->transaction_offset = -1;
}

static int commit_pending(kr_image_loader *l, kr_error *err) {
    for (int32_t i = 0; i < l->pending_n; i++) {
        kr_metadata_record rec;
        kr_arena_reset(&l->arena);
        struct kr_pending_value *pv = &l->pending[i];
        int rc = decode_value(l, pv->p, pv->n, pv->offset, &rec, err);
        if (rc == KR_OK) rc = apply_decoded(l, &rec, pv->offset, err);
        if (rc != KR_OK) return rc;
    }
    l->pending_n = 0;
    l->in_transaction = false;
    l->transaction_offset = -1;
    l->transactions_committed++;
    return KR_OK;
}

int kr_image_loader_apply_value(kr_image_loader *l, const uint8_t *value, size_t len, int64_t offset,
                                kr_error *err) {
    kr_metadata_record rec;
    kr_arena_reset(&l->arena);
    int rc = decode_value(l, value, len, offset, &rec, err);
    if (rc != KR_OK) return rc;
    switch (rec.api_key) {
    case KR_REC_BEGIN_TRANSACTION_RECORD:
    case KR_REC_END_TRANSACTION_RECORD:
    case KR_REC_ABORT_TRANSACTION_RECORD:
        if (l->in_snapshot)
            return kr_fail(err, KR_ERR_INVALID, "record at offset %lld: %s is not allowed in a snapshot",
                           (long long)offset, kr_record_type_name(rec.api_key));
        break;
    default:
        if (!l->in_transaction) return apply_decoded(l, &rec, offset, err);
        if (l->pending_n == l->pending_cap) {
            int32_t cap = l->pending_cap ? l->pending_cap * 2 : 1024;
            void *p = realloc(l->pending, (size_t)cap * sizeof *l->pending);
            if (!p) return NOMEM(err);
            l->pending = p;
            l->pending_cap = cap;
        }
        l->pending[l->pending_n++] = (struct kr_pending_value){value, (uint32_t)len, offset};
        return KR_OK;
    }
    if (rec.api_key == KR_REC_BEGIN_TRANSACTION_RECORD) {
        if (l->in_transaction)
            return kr_fail(err, KR_ERR_INVALID,
                           "record at offset %lld: BeginTransactionRecord inside the transaction begun at "
                           "offset %lld",
                           (long long)offset, (long long)l->transaction_offset);
        l->in_transaction = true;
        l->transaction_offset = offset;
        return KR_OK;
    }
    if (!l->in_transaction)
        return kr_fail(err, KR_ERR_INVALID, "record at offset %lld: %s without a BeginTransactionRecord",
                       (long long)offset, kr_record_type_name(rec.api_key));
    if (rec.api_key == KR_REC_ABORT_TRANSACTION_RECORD) {
        discard_pending(l);
        l->transactions_aborted++;
        return KR_OK;
    }
    return commit_pending(l, err);
}

int64_t kr_image_loader_finish(kr_image_loader *l) {
    int64_t n = l->in_transaction ? l->pending_n : 0;
    if (l->in_transaction) discard_pending(l);
    return n;
}
