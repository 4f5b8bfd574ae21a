/*
 * Kafka admin write APIs as pure functions (docs/client-api-writes.md):
 * (image, request) -> (metadata records to commit, response).
 *
 * A planner never changes the image. It validates each item of the request
 * against the image as Kafka's controller does, and returns the framed
 * metadata record values to append through Raft plus the response to send
 * once they commit. When the plan has no records (every item failed
 * validation, nothing changed, or validateOnly) the response can be sent at
 * once. Every plan is atomic: append all of its records in one batch (or
 * none); applying them in order with kr_image_apply always succeeds on the
 * image the plan was made from.
 *
 * Memory: the plan, its records and the response live in `arena`. The
 * response may borrow strings from the request (keep the request's bytes
 * alive until the response is encoded) but never from the image, which
 * changes when the records are applied.
 *
 * Return value: KR_OK with a plan, or an error only for a failure that is
 * not the client's (out of memory, the uuid source failing, a record that
 * does not encode); validation failures are in the response.
 */
#ifndef KRAFT_CLIENT_WRITE_H
#define KRAFT_CLIENT_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/image.h"
#include "kraft/kafka_frame.h"

/* Kafka error codes the planners return (spec kafka-api.md §12; Errors.java).
 * Plain defines, token-identical to kraft/kafka_frame.h where both have one. */
#define KR_KAFKA_NONE 0
#define KR_KAFKA_UNKNOWN_TOPIC_OR_PARTITION 3
#define KR_KAFKA_INVALID_TOPIC_EXCEPTION 17
#define KR_KAFKA_UNSUPPORTED_SASL_MECHANISM 33
#define KR_KAFKA_UNSUPPORTED_VERSION 35
#define KR_KAFKA_TOPIC_ALREADY_EXISTS 36
#define KR_KAFKA_INVALID_PARTITIONS 37
#define KR_KAFKA_INVALID_REPLICATION_FACTOR 38
#define KR_KAFKA_INVALID_REPLICA_ASSIGNMENT 39
#define KR_KAFKA_INVALID_CONFIG 40
#define KR_KAFKA_INVALID_REQUEST 42
#define KR_KAFKA_POLICY_VIOLATION 44
#define KR_KAFKA_TOPIC_DELETION_DISABLED 73
#define KR_KAFKA_RESOURCE_NOT_FOUND 91
#define KR_KAFKA_DUPLICATE_RESOURCE 92
#define KR_KAFKA_UNACCEPTABLE_CREDENTIAL 93
#define KR_KAFKA_UNKNOWN_TOPIC_ID 100

/* Kafka's per-operation bound on records (QuorumController
 * MAX_RECORDS_PER_USER_OP); requests over it fail with POLICY_VIOLATION. */
#define KR_WRITE_MAX_RECORDS 10000

/* A broker replicas may be placed on. */
typedef struct kr_write_broker {
    int32_t id;
    bool fenced; /* registered but fenced: may be named, never in a new ISR */
} kr_write_broker;

/* Draws a random uuid (topic ids, ACL ids, placement start). false = failure. */
typedef bool (*kr_uuid_source_fn)(void *state, kr_uuid *out);

typedef struct kr_write_ctx {
    int16_t metadata_version;          /* level: record versions per spec metadata-log.md §10.2 */
    const kr_write_broker *brokers;    /* sorted by id; see kr_write_ctx_init */
    int32_t broker_count;
    bool brokers_from_assignments;     /* no broker registered: ids from the migrated assignments */
    kr_uuid_source_fn random_uuid;     /* NULL = kr_uuid_random (the OS) */
    void *random_state;
    int64_t now_ms;
    int32_t default_num_partitions;     /* num.partitions for -1 (Kafka default 1) */
    int16_t default_replication_factor; /* default.replication.factor for -1 (Kafka default 1) */
    bool topic_deletion_disabled;       /* delete.topic.enable=false */
} kr_write_ctx;

/*
 * The broker set writes place replicas over (the one rule, documented in
 * docs/client-api-writes.md): the brokers registered in the image
 * (RegisterBrokerRecord), fenced ones marked; when none is registered — a
 * freshly migrated cluster whose ZooKeeper-mode brokers have not registered
 * with the quorum yet — every broker id named in the image's partition
 * assignments (their replica lists), all treated as usable.
 * Sorted by id, in `arena`.
 */
int kr_write_usable_brokers(const kr_image *img, kr_arena *arena, kr_write_broker **out, int32_t *count,
                            bool *from_assignments, kr_error *err);

/* Fills ctx for `img`: its metadata.version (latest production when unset),
 * the broker set above, Kafka's defaults, the OS uuid source. */
int kr_write_ctx_init(kr_write_ctx *ctx, const kr_image *img, int64_t now_ms, kr_arena *arena, kr_error *err);

typedef struct kr_write_plan {
    int16_t api_key;      /* of the request */
    int16_t version;      /* the response must be encoded at this version */
    kr_bytes *records;    /* framed metadata record values, in append order */
    int32_t record_count;
    int32_t record_cap;
    bool atomic;          /* all records in one batch, or none (true for every API here) */
    void *response;       /* kr_<Api>Response for this api_key */
} kr_write_plan;

int kr_plan_CreateTopics(const kr_write_ctx *ctx, const kr_image *img, const kr_CreateTopicsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_DeleteTopics(const kr_write_ctx *ctx, const kr_image *img, const kr_DeleteTopicsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_CreatePartitions(const kr_write_ctx *ctx, const kr_image *img, const kr_CreatePartitionsRequest *req,
                             int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_AlterConfigs(const kr_write_ctx *ctx, const kr_image *img, const kr_AlterConfigsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_IncrementalAlterConfigs(const kr_write_ctx *ctx, const kr_image *img,
                                    const kr_IncrementalAlterConfigsRequest *req, int16_t version,
                                    kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_CreateAcls(const kr_write_ctx *ctx, const kr_image *img, const kr_CreateAclsRequest *req,
                       int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_DeleteAcls(const kr_write_ctx *ctx, const kr_image *img, const kr_DeleteAclsRequest *req,
                       int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_AlterClientQuotas(const kr_write_ctx *ctx, const kr_image *img, const kr_AlterClientQuotasRequest *req,
                              int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err);
int kr_plan_AlterUserScramCredentials(const kr_write_ctx *ctx, const kr_image *img,
                                      const kr_AlterUserScramCredentialsRequest *req, int16_t version,
                                      kr_write_plan *plan, kr_arena *arena, kr_error *err);

/* Encodes plan->response at plan->version with the generated codec. */
int kr_write_plan_encode_response(const kr_write_plan *plan, kr_buf *out, kr_error *err);

/* Kafka API keys of the write APIs. */
#define KR_API_CREATE_TOPICS 19
#define KR_API_DELETE_TOPICS 20
#define KR_API_CREATE_ACLS 30
#define KR_API_DELETE_ACLS 31
#define KR_API_ALTER_CONFIGS 33
#define KR_API_CREATE_PARTITIONS 37
#define KR_API_INCREMENTAL_ALTER_CONFIGS 44
#define KR_API_ALTER_CLIENT_QUOTAS 49
#define KR_API_ALTER_USER_SCRAM_CREDENTIALS 51

#endif
