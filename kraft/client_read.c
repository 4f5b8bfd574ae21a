/* Read APIs from the metadata image (spec kafka-api.md §5, §9; docs/client-api.md). */
#include "kraft/client_read.h"

#include <assert.h>
#include <string.h>

#include "kraft/client_util.h"

/* ---- names ------------------------------------------------------------------ */

bool kr_client_topic_name_legal(kr_str name) {
    if (name.len <= 0 || name.len > 249) return false;
    if ((name.len == 1 && name.ptr[0] == '.') || (name.len == 2 && name.ptr[0] == '.' && name.ptr[1] == '.'))
        return false;
    for (int32_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool kr_client_topic_is_internal(kr_str name) {
    return kr_str_eq_c(name, "__consumer_offsets") || kr_str_eq_c(name, "__transaction_state") ||
           kr_str_eq_c(name, "__share_group_state");
}

/* The Raft leader as ControllerId, only when clients can reach it (spec §5.3). */
static int32_t controller_id(const kr_client_ctx *ctx) {
    for (size_t i = 0; i < ctx->controller_count; i++)
        if (ctx->controllers[i].id == ctx->leader_id) return ctx->leader_id;
    return -1;
}

/* ---- Metadata ------------------------------------------------------------------ */

static int metadata_brokers(const kr_client_ctx *ctx, int16_t version, kr_MetadataResponse *resp, kr_arena *arena) {
    size_t n = ctx->controller_count;
    kr_MetadataResponse_MetadataResponseBroker *b = KR_CLIENT_ALLOC(arena, n, *b);
    if (n && !b) return KR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const kr_client_node *c = &ctx->controllers[i];
        kr_MetadataResponse_MetadataResponseBroker_init(&b[i]);
        b[i].NodeId = c->id;
        b[i].Host = kr_str_c(c->host ? c->host : "");
        b[i].Port = c->port;
        if (version >= 1) b[i].Rack = kr_str_c(c->rack);
    }
    resp->Brokers.v = b;
    resp->Brokers.n = (int32_t)n;
    return KR_OK;
}

/* Replicas whose broker is not registered or is fenced; only judged when the
 * image holds broker registrations at all (a bare migrated image has none). */
static int offline_replicas(const kr_image *img, const kr_ids *replicas, kr_array_i32 *out, kr_arena *arena) {
    *out = (kr_array_i32)KR_ARRAY_EMPTY;
    if (img->brokers.n == 0 || replicas->n <= 0) return KR_OK;
    int32_t offline = 0;
    for (int32_t i = 0; i < replicas->n; i++) {
        const kr_image_node *b = kr_image_broker(img, replicas->v[i]);
        if (!b || b->fenced) offline++;
    }
    if (!offline) return KR_OK;
    int32_t *v = KR_CLIENT_ALLOC(arena, (size_t)offline, *v);
    if (!v) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (int32_t i = 0; i < replicas->n; i++) {
        const kr_image_node *b = kr_image_broker(img, replicas->v[i]);
        if (!b || b->fenced) v[k++] = replicas->v[i];
    }
    *out = (kr_array_i32){v, k};
    return KR_OK;
}

static kr_array_i32 borrow_ids(const kr_ids *ids) {
    return ids->n > 0 ? (kr_array_i32){ids->v, ids->n} : (kr_array_i32)KR_ARRAY_EMPTY;
}

static int metadata_topic(const kr_image *img, const kr_image_topic *t, const kr_MetadataRequest *req,
                          int16_t version, kr_MetadataResponse_MetadataResponseTopic *out, kr_arena *arena) {
    kr_MetadataResponse_MetadataResponseTopic_init(out);
    out->Name = kr_str_c(t->name);
    if (version >= 10) out->TopicId = t->id;
    if (version >= 1) out->IsInternal = kr_client_topic_is_internal(out->Name);
    if (version >= 8 && req->IncludeTopicAuthorizedOperations)
        out->TopicAuthorizedOperations = KR_TOPIC_AUTHORIZED_OPS_ALL;
    int32_t n = t->partition_count;
    kr_MetadataResponse_MetadataResponsePartition *p = KR_CLIENT_ALLOC(arena, (size_t)n, *p);
    if (n && !p) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (int32_t i = 0; i < t->partitions_cap && k < n; i++) {
        const kr_image_partition *ip = &t->partitions[i];
        if (!ip->present) continue;
        kr_MetadataResponse_MetadataResponsePartition *op = &p[k++];
        kr_MetadataResponse_MetadataResponsePartition_init(op);
        op->PartitionIndex = ip->partition_id;
        op->LeaderId = ip->leader >= 0 ? ip->leader : -1;
        /* [ext] only a recorded "no leader" is an error: kafkajs aborts on any. */
        op->ErrorCode = ip->leader >= 0 ? KR_KERR_NONE : KR_KERR_LEADER_NOT_AVAILABLE;
        if (version >= 7) op->LeaderEpoch = ip->leader_epoch;
        op->ReplicaNodes = borrow_ids(&ip->replicas);
        op->IsrNodes = borrow_ids(&ip->isr);
        if (version >= 5 && offline_replicas(img, &ip->replicas, &op->OfflineReplicas, arena) != KR_OK)
            return KR_ERR_NOMEM;
    }
    out->Partitions.v = p;
    out->Partitions.n = k;
    return KR_OK;
}

static void metadata_missing_topic(kr_str name, const kr_uuid *id, int16_t error,
                                   kr_MetadataResponse_MetadataResponseTopic *out, int16_t version) {
    kr_MetadataResponse_MetadataResponseTopic_init(out);
    out->ErrorCode = error;
    out->Name = name;
    if (version >= 10 && id) out->TopicId = *id;
    if (version >= 1 && !kr_str_is_null(name)) out->IsInternal = kr_client_topic_is_internal(name);
}

/* MetadataRequest.getErrorResponse: every requested topic with the error, nothing else. */
static int metadata_error(const kr_MetadataRequest *req, int16_t version, int16_t error,
                          kr_MetadataResponse *resp, kr_arena *arena) {
    kr_MetadataResponse_init(resp);
    int32_t n = req->Topics.n > 0 ? req->Topics.n : 0;
    kr_MetadataResponse_MetadataResponseTopic *t = KR_CLIENT_ALLOC(arena, (size_t)n, *t);
    if (n && !t) return KR_ERR_NOMEM;
    for (int32_t i = 0; i < n; i++) {
        kr_str name = req->Topics.v[i].Name;
        metadata_missing_topic(kr_str_is_null(name) ? KR_STR_EMPTY : name, &req->Topics.v[i].TopicId, error, &t[i],
                               version);
        t[i].IsInternal = false;
    }
    resp->Topics.v = t;
    resp->Topics.n = n;
    return KR_OK;
}

static bool is_metadata_topic(const kr_image_topic *t) { return strcmp(t->name, "__cluster_metadata") == 0; }

static int metadata_all_topics(const kr_image *img, const kr_MetadataRequest *req, int16_t version,
                               kr_MetadataResponse *resp, kr_arena *arena) {
    int32_t n = img->topics.n;
    kr_MetadataResponse_MetadataResponseTopic *t = KR_CLIENT_ALLOC(arena, (size_t)n, *t);
    if (n && !t) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++) {
        if (is_metadata_topic(&img->topics.v[i])) continue;
        if (metadata_topic(img, &img->topics.v[i], req, version, &t[k++], arena) != KR_OK) return KR_ERR_NOMEM;
    }
    resp->Topics.v = t;
    resp->Topics.n = k;
    return KR_OK;
}

static int metadata_named_topics(const kr_image *img, const kr_MetadataRequest *req, int16_t version,
                                 kr_MetadataResponse *resp, kr_arena *arena) {
    int32_t n = req->Topics.n;
    kr_MetadataResponse_MetadataResponseTopic *t = KR_CLIENT_ALLOC(arena, (size_t)n, *t);
    if (n && !t) return KR_ERR_NOMEM;
    /* Kafka answers a set: one entry per distinct name (or id, v12). */
    kr_strmap seen_names = {0}, seen_ids = {0};
    int32_t k = 0;
    int rc = KR_OK;
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const kr_MetadataRequest_MetadataRequestTopic *rt = &req->Topics.v[i];
        bool by_id = version >= 12 && !kr_uuid_is_zero(&rt->TopicId);
        kr_strmap *seen = by_id ? &seen_ids : &seen_names;
        const void *kp = by_id ? (const void *)rt->TopicId.b : (const void *)(rt->Name.ptr ? rt->Name.ptr : "");
        size_t kn = by_id ? 16 : (rt->Name.len > 0 ? (size_t)rt->Name.len : 0);
        if (kr_strmap_get(seen, kp, kn) >= 0) continue;
        if (!kr_strmap_put(seen, kp, kn, i)) {
            rc = KR_ERR_NOMEM;
            break;
        }
        const kr_image_topic *it = by_id ? kr_image_topic_by_id(img, &rt->TopicId)
                                         : kr_image_topic_by_name(img, rt->Name.ptr ? rt->Name.ptr : "", kn);
        if (it && !is_metadata_topic(it)) {
            rc = metadata_topic(img, it, req, version, &t[k++], arena);
        } else if (by_id) {
            metadata_missing_topic(KR_STR_NULL, &rt->TopicId, KR_KERR_UNKNOWN_TOPIC_ID, &t[k++], version);
        } else {
            int16_t e = kr_client_topic_name_legal(rt->Name) ? KR_KERR_UNKNOWN_TOPIC_OR_PARTITION
                                                             : KR_KERR_INVALID_TOPIC_EXCEPTION;
            metadata_missing_topic(rt->Name, NULL, e, &t[k++], version);
        }
    }
    kr_strmap_free(&seen_names);
    kr_strmap_free(&seen_ids);
    resp->Topics.v = t;
    resp->Topics.n = k;
    return rc;
}

int kr_handle_Metadata(const kr_client_ctx *ctx, const kr_image *img, const kr_MetadataRequest *req,
                       int16_t version, kr_MetadataResponse *resp, kr_arena *arena) {
    kr_MetadataResponse_init(resp);
    if (version < 0 || version > 12) return KR_ERR_UNSUPPORTED;
    /* v0: an empty list means all topics; v1+: null means all, empty means none. */
    bool all = version == 0 ? req->Topics.n <= 0 : req->Topics.n < 0;
    if (!all && version >= 10 && version <= 11)
        for (int32_t i = 0; i < req->Topics.n; i++)
            if (kr_str_is_null(req->Topics.v[i].Name) || !kr_uuid_is_zero(&req->Topics.v[i].TopicId))
                return metadata_error(req, version, KR_KERR_INVALID_REQUEST, resp, arena);
    if (metadata_brokers(ctx, version, resp, arena) != KR_OK) return KR_ERR_NOMEM;
    if (version >= 2) resp->ClusterId = kr_str_c(ctx->cluster_id);
    if (version >= 1) resp->ControllerId = controller_id(ctx);
    if (version >= 8 && version <= 10 && req->IncludeClusterAuthorizedOperations)
        resp->ClusterAuthorizedOperations = KR_CLUSTER_AUTHORIZED_OPS_ALL;
    /* AllowAutoTopicCreation is ignored: a controller never auto-creates. */
    if (all) return metadata_all_topics(img, req, version, resp, arena);
    return metadata_named_topics(img, req, version, resp, arena);
}

/* ---- DescribeCluster ------------------------------------------------------------- */

int kr_handle_DescribeCluster(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeClusterRequest *req,
                              int16_t version, kr_DescribeClusterResponse *resp, kr_arena *arena) {
    (void)img;
    kr_DescribeClusterResponse_init(resp);
    if (version < 0 || version > 1) return KR_ERR_UNSUPPORTED;
    int8_t type = version >= 1 ? req->EndpointType : 1;
    if (type != 1 && type != 2) {
        resp->ErrorCode = version >= 1 ? KR_KERR_UNSUPPORTED_ENDPOINT_TYPE : KR_KERR_INVALID_REQUEST;
        resp->ErrorMessage = kr_client_strf(arena, "Unsupported endpoint type %d", type);
        if (version >= 1) resp->EndpointType = type;
        return KR_OK;
    }
    /* [ext] type 1 (brokers) is answered like type 2: a metadata-only controller
     * is the only "broker" clients should talk to (spec §5.3, §9). */
    if (version >= 1) resp->EndpointType = type;
    resp->ClusterId = kr_str_c(ctx->cluster_id ? ctx->cluster_id : "");
    resp->ControllerId = controller_id(ctx);
    size_t n = ctx->controller_count;
    kr_DescribeClusterResponse_DescribeClusterBroker *b = KR_CLIENT_ALLOC(arena, n, *b);
    if (n && !b) return KR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        kr_DescribeClusterResponse_DescribeClusterBroker_init(&b[i]);
        b[i].BrokerId = ctx->controllers[i].id;
        b[i].Host = kr_str_c(ctx->controllers[i].host ? ctx->controllers[i].host : "");
        b[i].Port = ctx->controllers[i].port;
        b[i].Rack = kr_str_c(ctx->controllers[i].rack);
    }
    resp->Brokers.v = b;
    resp->Brokers.n = (int32_t)n;
    if (req->IncludeClusterAuthorizedOperations) resp->ClusterAuthorizedOperations = KR_CLUSTER_AUTHORIZED_OPS_ALL;
    return KR_OK;
}
