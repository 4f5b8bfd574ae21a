/* CreateTopics, DeleteTopics and CreatePartitions planners (Kafka 3.9
 * ReplicationControlManager and ControllerApis rules; spec kafka-api.md §6). */
#include <stddef.h>
#include <stdlib.h>

#include "kraft/client_write_internal.h"

#define OOM(err, api) kr_fail(err, KR_ERR_NOMEM, "out of memory planning " api)

static const char *const unknown_topic_msg = "This server does not host this topic-partition.";

/* Keys for duplicate detection of topic names (type 0) or ids (type 1). */
static bool *duplicate_names(const kr_str *names, int32_t n, size_t stride, kr_arena *arena) {
    kr_bytes *keys = kr_wr_calloc(arena, (size_t)n, sizeof *keys);
    bool *dup = kr_wr_calloc(arena, (size_t)n, sizeof *dup);
    if (!keys || !dup) return NULL;
    for (int32_t i = 0; i < n; i++) keys[i] = kr_wr_key(arena, 0, *(const kr_str *)((const char *)names + (size_t)i * stride));
    return kr_wr_mark_duplicates(keys, n, dup) ? dup : NULL;
}

/* ---- CreateTopics ---------------------------------------------------------- */

/* A topic accepted so far in this request (names and ids must stay unique). */
typedef struct planned_topic {
    kr_str name;
    kr_uuid id;
} planned_topic;

typedef struct create_state {
    const kr_image *img;
    planned_topic *planned;
    int32_t planned_n;
} create_state;

static bool id_taken(const void *arg, const kr_uuid *u) {
    const create_state *s = arg;
    if (kr_image_topic_by_id(s->img, u)) return true;
    for (int32_t i = 0; i < s->planned_n; i++)
        if (kr_uuid_eq(&s->planned[i].id, u)) return true;
    return false;
}

/* Name rules, existence and '.'/'_' collisions with the image and with
 * topics accepted earlier in the same request. */
static int16_t check_new_name(const create_state *s, kr_str name, kr_str *msg, kr_arena *arena) {
    int16_t code = kr_wr_topic_name_check(name, msg, arena);
    if (code) return code;
    if (kr_image_topic_by_name(s->img, name.ptr, (size_t)name.len)) {
        *msg = kr_wr_fmt(arena, "Topic '%.*s' already exists.", name.len, name.ptr);
        return KR_KAFKA_TOPIC_ALREADY_EXISTS;
    }
    bool may_collide = memchr(name.ptr, '.', (size_t)name.len) || memchr(name.ptr, '_', (size_t)name.len);
    for (int32_t i = 0; may_collide && i < s->img->topics.n; i++)
        if (kr_wr_topic_names_collide(name, s->img->topics.v[i].name)) {
            *msg = kr_wr_fmt(arena, "Topic '%.*s' collides with existing topic: %s", name.len, name.ptr,
                             s->img->topics.v[i].name);
            return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
        }
    for (int32_t i = 0; may_collide && i < s->planned_n; i++) {
        char *other = kr_wr_cstr(arena, s->planned[i].name);
        if (other && kr_wr_topic_names_collide(name, other)) {
            *msg = kr_wr_fmt(arena, "Topic '%.*s' collides with existing topic: %s", name.len, name.ptr, other);
            return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
        }
    }
    return KR_KAFKA_NONE;
}

/* The topic's replica lists: n rows of rf ids, from its manual assignment
 * or placed over the usable brokers. -1 = system failure (err set). */
static int16_t topic_layout(const kr_write_ctx *ctx, const kr_CreateTopicsRequest_CreatableTopic *t, int32_t **rows,
                            int32_t *n_out, int32_t *rf_out, kr_str *msg, kr_arena *arena, kr_error *err) {
    if (t->Assignments.n > 0) {
        if (t->NumPartitions != -1) {
            *msg = kr_str_c("A manual partition assignment was specified, but numPartitions was not set to -1.");
            return KR_KAFKA_INVALID_REQUEST;
        }
        if (t->ReplicationFactor != -1) {
            *msg = kr_str_c("A manual partition assignment was specified, but replicationFactor was not set to -1.");
            return KR_KAFKA_INVALID_REQUEST;
        }
        int32_t n = t->Assignments.n, rf = t->Assignments.v[0].BrokerIds.n;
        int32_t *slot_of = kr_wr_calloc(arena, (size_t)n, sizeof *slot_of); /* partition -> assignment + 1 */
        if (!slot_of) return OOM(err, "CreateTopics"), -1;
        for (int32_t i = 0; i < n; i++) {
            const kr_CreateTopicsRequest_CreatableReplicaAssignment *a = &t->Assignments.v[i];
            if (a->PartitionIndex >= 0 && a->PartitionIndex < n && slot_of[a->PartitionIndex]) {
                *msg = kr_wr_fmt(arena, "Found multiple manual partition assignments for partition %d",
                                 a->PartitionIndex);
                return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            int16_t code = kr_wr_check_assignment(ctx, a->BrokerIds.v, a->BrokerIds.n, rf, msg, arena);
            if (code) return code;
            if (a->PartitionIndex < 0 || a->PartitionIndex >= n) {
                *msg = kr_str_c("partitions should be a consecutive 0-based integer sequence");
                return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            if (kr_wr_active_count(ctx, a->BrokerIds.v, a->BrokerIds.n) == 0) {
                *msg = kr_wr_fmt(arena,
                                 "All brokers specified in the manual partition assignment for partition %d are "
                                 "fenced or in controlled shutdown.",
                                 a->PartitionIndex);
                return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            slot_of[a->PartitionIndex] = i + 1;
        }
        int32_t *out = kr_wr_calloc(arena, (size_t)n * (size_t)rf, sizeof *out);
        if (!out) return OOM(err, "CreateTopics"), -1;
        for (int32_t p = 0; p < n; p++)
            memcpy(out + (size_t)p * (size_t)rf, t->Assignments.v[slot_of[p] - 1].BrokerIds.v, (size_t)rf * sizeof *out);
        *rows = out;
        *n_out = n;
        *rf_out = rf;
        return KR_KAFKA_NONE;
    }
    int32_t n = t->NumPartitions == -1 ? ctx->default_num_partitions : t->NumPartitions;
    int32_t rf = t->ReplicationFactor == -1 ? ctx->default_replication_factor : t->ReplicationFactor;
    if (n <= 0) {
        *msg = kr_str_c("Number of partitions was set to an invalid non-positive value.");
        return KR_KAFKA_INVALID_PARTITIONS;
    }
    if (rf <= 0) {
        *msg = kr_str_c("Replication factor must be larger than 0, or -1 to use the default value.");
        return KR_KAFKA_INVALID_REPLICATION_FACTOR;
    }
    if (rf > ctx->broker_count) { /* before allocating n*rf: rf is bounded by the brokers */
        int32_t *none = NULL;
        return kr_wr_place_replicas(ctx, 0, 0, rf, none, msg, arena, err);
    }
    int32_t *out = kr_wr_calloc(arena, (size_t)n * (size_t)rf, sizeof *out);
    if (!out) return OOM(err, "CreateTopics"), -1;
    int16_t code = kr_wr_place_replicas(ctx, 0, n, rf, out, msg, arena, err);
    if (code) return code;
    *rows = out;
    *n_out = n;
    *rf_out = rf;
    return KR_KAFKA_NONE;
}

/* Partitions the topic asks for, before validation (for the request-wide bound). */
static int64_t requested_partitions(const kr_write_ctx *ctx, const kr_CreateTopicsRequest_CreatableTopic *t) {
    if (t->Assignments.n > 0) return t->Assignments.n;
    return t->NumPartitions == -1 ? ctx->default_num_partitions : (t->NumPartitions > 0 ? t->NumPartitions : 0);
}

static int16_t check_configs(const kr_CreateTopicsRequest_CreatableTopic *t, kr_str *msg, kr_arena *arena) {
    for (int32_t i = 0; i < t->Configs.n; i++) {
        int16_t code = kr_wr_topic_config_check(t->Configs.v[i].Name, t->Configs.v[i].Value, msg, arena);
        if (code) return code;
    }
    return KR_KAFKA_NONE;
}

static int add_topic_records(kr_write_plan *plan, kr_arena *arena, const kr_write_ctx *ctx,
                             const kr_CreateTopicsRequest_CreatableTopic *t, const kr_uuid *id, const int32_t *rows,
                             int32_t n, int32_t rf, kr_error *err) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = t->Name;
    rec.u.TopicRecord.TopicId = *id;
    int rc = kr_plan_add(plan, arena, &rec, err);
    for (int32_t i = 0; rc == KR_OK && i < t->Configs.n; i++) {
        kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
        rec.u.ConfigRecord.ResourceType = 2;
        rec.u.ConfigRecord.ResourceName = t->Name;
        rec.u.ConfigRecord.Name = t->Configs.v[i].Name;
        rec.u.ConfigRecord.Value = t->Configs.v[i].Value;
        rc = kr_plan_add(plan, arena, &rec, err);
    }
    for (int32_t p = 0; rc == KR_OK && p < n; p++)
        rc = kr_wr_add_partition_record(plan, arena, ctx, id, p, rows + (size_t)p * (size_t)rf, rf, err);
    return rc;
}

static int plan_one_topic(const kr_write_ctx *ctx, create_state *s, const kr_CreateTopicsRequest_CreatableTopic *t,
                          bool validate_only, int16_t version, kr_CreateTopicsResponse_CreatableTopicResult *res,
                          kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_str msg = KR_STR_NULL;
    int16_t code = check_new_name(s, t->Name, &msg, arena);
    int32_t *rows = NULL, n = 0, rf = 0;
    if (!code) code = topic_layout(ctx, t, &rows, &n, &rf, &msg, arena, err);
    if (code < 0) return err->code ? err->code : KR_ERR_NOMEM;
    if (!code) code = check_configs(t, &msg, arena);
    res->ErrorCode = code;
    res->ErrorMessage = msg;
    if (code) return KR_OK;
    res->NumPartitions = n;
    res->ReplicationFactor = (int16_t)rf;
    if (version >= 5) {
        int rc = kr_wr_topic_effective_configs(s->img, &t->Configs, &res->Configs, arena, err);
        if (rc != KR_OK) return rc;
    }
    s->planned[s->planned_n].name = t->Name;
    if (validate_only) { /* no id is drawn for a topic that will not exist */
        s->planned_n++;
        return KR_OK;
    }
    int rc = kr_wr_draw_uuid(ctx, id_taken, s, &s->planned[s->planned_n].id, err);
    if (rc != KR_OK) return rc;
    res->TopicId = s->planned[s->planned_n].id;
    s->planned_n++;
    return add_topic_records(plan, arena, ctx, t, &res->TopicId, rows, n, rf, err);
}

int kr_plan_CreateTopics(const kr_write_ctx *ctx, const kr_image *img, const kr_CreateTopicsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t n = req->Topics.n > 0 ? req->Topics.n : 0;
    kr_CreateTopicsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_CreateTopicsResponse_CreatableTopicResult *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    create_state s = {img, kr_wr_calloc(arena, (size_t)n, sizeof(planned_topic)), 0};
    bool *dup = duplicate_names(n ? &req->Topics.v[0].Name : NULL, n, sizeof *req->Topics.v, arena);
    if (!resp || !res || !s.planned || !dup) return OOM(err, "CreateTopics");
    kr_CreateTopicsResponse_init(resp);
    kr_plan_start(plan, KR_API_CREATE_TOPICS, version, resp);
    bool validate_only = version >= 1 && req->validateOnly;
    int64_t total = 0;
    for (int32_t i = 0; i < n; i++) total += dup[i] ? 0 : requested_partitions(ctx, &req->Topics.v[i]);
    bool too_many = total > KR_WRITE_MAX_RECORDS;
    int32_t out_n = 0;
    kr_strmap reported = {0}; /* one result per distinct name */
    int rc = KR_OK;
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const kr_CreateTopicsRequest_CreatableTopic *t = &req->Topics.v[i];
        if (dup[i]) {
            kr_str name = t->Name.len >= 0 ? t->Name : KR_STR_EMPTY;
            const void *key = name.len ? (const void *)name.ptr : "";
            if (kr_strmap_get(&reported, key, (size_t)name.len) >= 0) continue;
            if (!kr_strmap_put(&reported, key, (size_t)name.len, i)) {
                rc = OOM(err, "CreateTopics");
                break;
            }
        }
        kr_CreateTopicsResponse_CreatableTopicResult *r = &res[out_n++];
        kr_CreateTopicsResponse_CreatableTopicResult_init(r);
        r->Name = t->Name.len >= 0 ? t->Name : KR_STR_EMPTY;
        r->ErrorMessage = KR_STR_NULL;
        if (dup[i]) {
            r->ErrorCode = KR_KAFKA_INVALID_REQUEST;
            r->ErrorMessage = kr_str_c("Duplicate topic name.");
        } else if (too_many) {
            r->ErrorCode = KR_KAFKA_POLICY_VIOLATION;
            r->ErrorMessage = kr_str_c("Excessively large number of partitions per request.");
        } else {
            rc = plan_one_topic(ctx, &s, t, validate_only, version, r, plan, arena, err);
        }
    }
    kr_strmap_free(&reported);
    resp->Topics = (kr_CreateTopicsResponse_CreatableTopicResult_array){res, out_n};
    return rc;
}

/* ---- DeleteTopics ---------------------------------------------------------- */

typedef struct delete_item {
    kr_str name;   /* as requested (null when by id) */
    kr_uuid id;    /* as requested (zero when by name) */
} delete_item;

static int16_t resolve_delete(const kr_image *img, const delete_item *d, kr_image_topic **topic, kr_str *msg) {
    *topic = NULL;
    bool by_name = d->name.len >= 0, by_id = !kr_uuid_is_zero(&d->id);
    if (by_name && by_id) {
        *msg = kr_str_c("You may not specify both topic name and topic id.");
        return KR_KAFKA_INVALID_REQUEST;
    }
    if (!by_name && !by_id) {
        *msg = kr_str_c("Neither topic name nor id were specified.");
        return KR_KAFKA_INVALID_REQUEST;
    }
    *topic = by_name ? kr_image_topic_by_name(img, d->name.ptr, (size_t)d->name.len) : kr_image_topic_by_id(img, &d->id);
    if (*topic) return KR_KAFKA_NONE;
    *msg = by_name ? kr_str_c(unknown_topic_msg) : kr_str_c("This server does not host this topic ID.");
    return by_name ? KR_KAFKA_UNKNOWN_TOPIC_OR_PARTITION : KR_KAFKA_UNKNOWN_TOPIC_ID;
}

int kr_plan_DeleteTopics(const kr_write_ctx *ctx, const kr_image *img, const kr_DeleteTopicsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_error local_err = {0};
    if (!err) err = &local_err;
    bool v6 = version >= 6;
    int32_t n = v6 ? (req->Topics.n > 0 ? req->Topics.n : 0) : (req->TopicNames.n > 0 ? req->TopicNames.n : 0);
    kr_DeleteTopicsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_DeleteTopicsResponse_DeletableTopicResult *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    delete_item *items = kr_wr_calloc(arena, (size_t)n, sizeof *items);
    kr_bytes *keys = kr_wr_calloc(arena, (size_t)n, sizeof *keys);
    bool *dup = kr_wr_calloc(arena, (size_t)n, sizeof *dup);
    if (!resp || !res || !items || !keys || !dup) return OOM(err, "DeleteTopics");
    kr_DeleteTopicsResponse_init(resp);
    kr_plan_start(plan, KR_API_DELETE_TOPICS, version, resp);
    for (int32_t i = 0; i < n; i++) {
        items[i] = v6 ? (delete_item){req->Topics.v[i].Name, req->Topics.v[i].TopicId}
                      : (delete_item){req->TopicNames.v[i], {{0}}};
        /* The same topic named twice, by name or by id, is a duplicate. */
        kr_image_topic *t = NULL;
        kr_str unused;
        if (resolve_delete(img, &items[i], &t, &unused) == KR_KAFKA_NONE)
            keys[i] = kr_wr_key(arena, 2, (kr_str){(const char *)t->id.b, 16});
        else
            keys[i] = items[i].name.len >= 0 ? kr_wr_key(arena, 0, items[i].name)
                                              : kr_wr_key(arena, 1, (kr_str){(const char *)items[i].id.b, 16});
    }
    if (!kr_wr_mark_duplicates(keys, n, dup)) return OOM(err, "DeleteTopics");
    int32_t out_n = 0;
    kr_strmap reported = {0};
    int rc = KR_OK;
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const void *key = keys[i].len ? (const void *)keys[i].ptr : "";
        if (dup[i] && kr_strmap_get(&reported, key, (size_t)keys[i].len) >= 0) continue;
        if (dup[i] && !kr_strmap_put(&reported, key, (size_t)keys[i].len, i)) {
            rc = OOM(err, "DeleteTopics");
            break;
        }
        kr_DeleteTopicsResponse_DeletableTopicResult *r = &res[out_n++];
        kr_DeleteTopicsResponse_DeletableTopicResult_init(r);
        r->Name = items[i].name.len >= 0 ? items[i].name : (v6 ? KR_STR_NULL : KR_STR_EMPTY);
        r->TopicId = items[i].id;
        kr_image_topic *t = NULL;
        kr_str msg = KR_STR_NULL;
        int16_t code = resolve_delete(img, &items[i], &t, &msg);
        if (!code && dup[i]) {
            code = KR_KAFKA_INVALID_REQUEST;
            msg = kr_str_c(items[i].name.len >= 0 ? "Duplicate topic name." : "Duplicate topic id.");
        }
        if (!code && ctx->topic_deletion_disabled) {
            code = KR_KAFKA_TOPIC_DELETION_DISABLED;
            msg = kr_str_c("Topic deletion is disabled.");
        }
        if (t) { /* names and ids come from the image, copied: applying the plan frees them */
            r->Name = kr_wr_str(arena, t->name);
            if (v6) r->TopicId = t->id;
        }
        r->ErrorCode = code;
        r->ErrorMessage = version >= 5 ? msg : KR_STR_NULL;
        if (code) continue;
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
        rec.u.RemoveTopicRecord.TopicId = t->id;
        rc = kr_plan_add(plan, arena, &rec, err);
    }
    kr_strmap_free(&reported);
    resp->Responses = (kr_DeleteTopicsResponse_DeletableTopicResult_array){res, out_n};
    return rc;
}

/* ---- CreatePartitions ---------------------------------------------------- */

static int32_t first_partition_rf(const kr_image_topic *t) {
    for (int32_t p = 0; p < t->partitions_cap; p++)
        if (t->partitions[p].present) return t->partitions[p].replicas.n;
    return 1;
}

/* New partitions take ids after the highest one present, so a migrated topic
 * with a gap in its partition ids never has a partition overwritten. */
static int32_t next_partition_id(const kr_image_topic *t) {
    for (int32_t p = t->partitions_cap - 1; p >= 0; p--)
        if (t->partitions[p].present) return p + 1;
    return 0;
}

static int16_t plan_new_partitions(const kr_write_ctx *ctx, const kr_image_topic *t,
                                   const kr_CreatePartitionsRequest_CreatePartitionsTopic *req_t, bool validate_only,
                                   kr_write_plan *plan, kr_str *msg, kr_arena *arena, kr_error *err) {
    int32_t current = t->partition_count;
    if (req_t->Count < current) {
        *msg = kr_wr_fmt(arena, "The topic %s currently has %d partition(s); %d would not be an increase.", t->name,
                         current, req_t->Count);
        return KR_KAFKA_INVALID_PARTITIONS;
    }
    if (req_t->Count == current) {
        *msg = kr_wr_fmt(arena, "Topic already has %d partition(s).", current);
        return KR_KAFKA_INVALID_PARTITIONS;
    }
    int32_t add = req_t->Count - current, rf = first_partition_rf(t), first_id = next_partition_id(t);
    if ((int64_t)first_id + add - 1 > KR_IMAGE_MAX_PARTITION_ID) { /* the image could not apply it */
        *msg = kr_wr_fmt(arena, "Topic %s cannot have partition ids above %d.", t->name, KR_IMAGE_MAX_PARTITION_ID);
        return KR_KAFKA_INVALID_PARTITIONS;
    }
    int32_t *rows = NULL;
    if (rf <= 0) { /* a migrated partition with an empty replica list gives no factor to copy */
        *msg = kr_wr_fmt(arena, "The topic %s has a partition without replicas; its replication factor is unknown.",
                         t->name);
        return KR_KAFKA_INVALID_REPLICATION_FACTOR;
    }
    if (req_t->Assignments.n >= 0) {
        if (req_t->Assignments.n != add) {
            *msg = kr_wr_fmt(arena,
                             "Attempted to add %d additional partition(s), but only %d assignment(s) were specified.",
                             add, req_t->Assignments.n);
            return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
        }
        rows = kr_wr_calloc(arena, (size_t)add * (size_t)rf, sizeof *rows);
        if (!rows) return OOM(err, "CreatePartitions"), -1;
        for (int32_t i = 0; i < add; i++) {
            const kr_array_i32 *ids = &req_t->Assignments.v[i].BrokerIds;
            int16_t code = kr_wr_check_assignment(ctx, ids->v, ids->n, rf, msg, arena);
            if (code) return code;
            if (kr_wr_active_count(ctx, ids->v, ids->n) == 0) {
                *msg = kr_wr_fmt(arena,
                                 "All brokers specified in the manual partition assignment for partition %d are "
                                 "fenced or in controlled shutdown.",
                                 first_id + i);
                return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
            memcpy(rows + (size_t)i * (size_t)rf, ids->v, (size_t)rf * sizeof *rows);
        }
    } else {
        if (rf > ctx->broker_count) return kr_wr_place_replicas(ctx, first_id, 0, rf, NULL, msg, arena, err);
        rows = kr_wr_calloc(arena, (size_t)add * (size_t)rf, sizeof *rows);
        if (!rows) return OOM(err, "CreatePartitions"), -1;
        int16_t code = kr_wr_place_replicas(ctx, first_id, add, rf, rows, msg, arena, err);
        if (code) return code;
    }
    if (validate_only) return KR_KAFKA_NONE;
    for (int32_t i = 0; i < add; i++)
        if (kr_wr_add_partition_record(plan, arena, ctx, &t->id, first_id + i, rows + (size_t)i * (size_t)rf, rf, err) !=
            KR_OK)
            return -1;
    return KR_KAFKA_NONE;
}

int kr_plan_CreatePartitions(const kr_write_ctx *ctx, const kr_image *img, const kr_CreatePartitionsRequest *req,
                             int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t n = req->Topics.n > 0 ? req->Topics.n : 0;
    kr_CreatePartitionsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_CreatePartitionsResponse_CreatePartitionsTopicResult *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    bool *dup = duplicate_names(n ? &req->Topics.v[0].Name : NULL, n, sizeof *req->Topics.v, arena);
    if (!resp || !res || !dup) return OOM(err, "CreatePartitions");
    kr_CreatePartitionsResponse_init(resp);
    kr_plan_start(plan, KR_API_CREATE_PARTITIONS, version, resp);
    int64_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        const kr_CreatePartitionsRequest_CreatePartitionsTopic *t = &req->Topics.v[i];
        const kr_image_topic *it = t->Name.len >= 0 ? kr_image_topic_by_name(img, t->Name.ptr, (size_t)t->Name.len) : NULL;
        if (!dup[i] && it && t->Count > it->partition_count) total += t->Count - it->partition_count;
    }
    int32_t out_n = 0;
    kr_strmap reported = {0};
    int rc = KR_OK;
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const kr_CreatePartitionsRequest_CreatePartitionsTopic *t = &req->Topics.v[i];
        kr_str name = t->Name.len >= 0 ? t->Name : KR_STR_EMPTY;
        const void *key = name.len ? (const void *)name.ptr : "";
        if (dup[i] && kr_strmap_get(&reported, key, (size_t)name.len) >= 0) continue;
        if (dup[i] && !kr_strmap_put(&reported, key, (size_t)name.len, i)) {
            rc = OOM(err, "CreatePartitions");
            break;
        }
        kr_CreatePartitionsResponse_CreatePartitionsTopicResult *r = &res[out_n++];
        kr_CreatePartitionsResponse_CreatePartitionsTopicResult_init(r);
        r->Name = name;
        r->ErrorMessage = KR_STR_NULL;
        kr_str msg = KR_STR_NULL;
        int16_t code = KR_KAFKA_NONE;
        const kr_image_topic *it = kr_image_topic_by_name(img, name.ptr, (size_t)name.len);
        if (dup[i]) {
            code = KR_KAFKA_INVALID_REQUEST;
            msg = kr_str_c("Duplicate topic name.");
        } else if (!it) {
            code = KR_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
            msg = kr_str_c(unknown_topic_msg);
        } else if (total > KR_WRITE_MAX_RECORDS) {
            code = KR_KAFKA_POLICY_VIOLATION;
            msg = kr_str_c("Excessively large number of partitions per request.");
        } else {
            code = plan_new_partitions(ctx, it, t, req->ValidateOnly, plan, &msg, arena, err);
            if (code < 0) rc = err->code ? (int)err->code : KR_ERR_NOMEM;
        }
        r->ErrorCode = code;
        r->ErrorMessage = msg;
    }
    kr_strmap_free(&reported);
    resp->Results = (kr_CreatePartitionsResponse_CreatePartitionsTopicResult_array){res, out_n};
    return rc;
}
