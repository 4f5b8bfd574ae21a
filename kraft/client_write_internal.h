/* Helpers shared by the write planners (kraft/client_*.c); not a public API. */
#ifndef KRAFT_CLIENT_WRITE_INTERNAL_H
#define KRAFT_CLIENT_WRITE_INTERNAL_H

#include <stdarg.h>

#include "kraft/client_write.h"

/* Starts a plan: no records, atomic, the response for api_key at version. */
void kr_plan_start(kr_write_plan *plan, int16_t api_key, int16_t version, void *response);
/* Encodes rec (framed) into the arena and appends it to the plan. */
int kr_plan_add(kr_write_plan *plan, kr_arena *arena, const kr_metadata_record *rec, kr_error *err);

/* Arena allocation of n zeroed elements (NULL only on OOM; n == 0 gives a valid pointer). */
void *kr_wr_calloc(kr_arena *arena, size_t n, size_t elem);
/* Arena copies: a C string of s (NULL for a null s), and a kr_str of a C string. */
char *kr_wr_cstr(kr_arena *arena, kr_str s);
kr_str kr_wr_str(kr_arena *arena, const char *s);
/* printf into the arena, as a kr_str (Kafka error messages). */
kr_str kr_wr_fmt(kr_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets dup[i] for every i whose key occurs more than once (keys with len < 0
 * are skipped). Linear time, for requests of any size. false on OOM. */
bool kr_wr_mark_duplicates(const kr_bytes *keys, int32_t n, bool *dup);
/* A key of a type byte and a string (resource keys). */
kr_bytes kr_wr_key(kr_arena *arena, int8_t type, kr_str name);

/* Topic name rules of Kafka's Topic.validate: KR_KAFKA_NONE, or
 * KR_KAFKA_INVALID_TOPIC_EXCEPTION with Kafka's message in *msg. */
int16_t kr_wr_topic_name_check(kr_str name, kr_str *msg, kr_arena *arena);
/* True when the names differ only by '.' versus '_' (Kafka's collision rule). */
bool kr_wr_topic_names_collide(kr_str a, const char *b);

/* A fresh uuid from ctx's source that is not zero and for which taken() is
 * false (up to a bounded number of draws). */
int kr_wr_draw_uuid(const kr_write_ctx *ctx, bool (*taken)(const void *arg, const kr_uuid *u), const void *arg,
                    kr_uuid *out, kr_error *err);

/* A broker of ctx by id, or NULL. */
const kr_write_broker *kr_wr_broker(const kr_write_ctx *ctx, int32_t id);

/* Kafka's check of one manual replica list (ReplicationControlManager
 * validateManualPartitionAssignment): non-empty, no duplicates, every id a
 * broker of ctx, the same length as `expected_rf` (when > 0). Returns the
 * Kafka error code with *msg set. */
int16_t kr_wr_check_assignment(const kr_write_ctx *ctx, const int32_t *ids, int32_t n, int32_t expected_rf,
                               kr_str *msg, kr_arena *arena);

/* Places `count` partitions starting at partition id `first_id` with `rf`
 * replicas each over ctx's usable brokers (rack-unaware round robin with a
 * random start, as Kafka's AdminUtils; docs/client-api-writes.md). out gets
 * count*rf ids. Returns the Kafka error code with *msg set, or -1 with err
 * set when the uuid source or memory fails. */
int16_t kr_wr_place_replicas(const kr_write_ctx *ctx, int32_t first_id, int32_t count, int32_t rf, int32_t *out,
                             kr_str *msg, kr_arena *arena, kr_error *err);

/* A PartitionRecord for a new partition at ctx's metadata.version: ISR = the
 * replicas that are not fenced, leader = the first of them, epochs 0. The
 * ISR must not be empty (callers check with kr_wr_active_count). */
int kr_wr_add_partition_record(kr_write_plan *plan, kr_arena *arena, const kr_write_ctx *ctx,
                               const kr_uuid *topic_id, int32_t partition_id, const int32_t *replicas, int32_t n,
                               kr_error *err);
int32_t kr_wr_active_count(const kr_write_ctx *ctx, const int32_t *replicas, int32_t n);

/* Topic configs (kraft/client_configs_write.c). Validates one topic config:
 * KR_KAFKA_NONE, or KR_KAFKA_INVALID_CONFIG with Kafka's message. */
int16_t kr_wr_topic_config_check(kr_str name, kr_str value, kr_str *msg, kr_arena *arena);
/* Every known topic config with its effective value for a new topic with
 * these overrides (CreateTopics v5+ response). */
int kr_wr_topic_effective_configs(const kr_image *img, const kr_CreateTopicsRequest_CreatableTopicConfig_array *overrides,
                                  kr_CreateTopicsResponse_CreatableTopicConfigs_array *out, kr_arena *arena,
                                  kr_error *err);

#endif
