/*
 * Encoders of the znode payloads ZooKeeper-mode Kafka writes (zk-layout.md §2), used by
 * the dual-write planners (zk_plan.h). Pure: no I/O, no ZooKeeper. Compact JSON as
 * Jackson writes it (no whitespace); key order fixed here (Kafka's readers ignore it).
 *
 * Each JSON encoder resets `out` and leaves the payload (not NUL-terminated) in
 * out->data[0..out->len); it returns false only when memory ran out (out->oom).
 */
#ifndef MIGRATE_ZK_FORMAT_H
#define MIGRATE_ZK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "kraft/wire.h"

/* /brokers/topics/<t>: v3 with topic_id, partitions, adding_replicas, removing_replicas. */
bool mg_zkf_topic(kr_buf *out, const kr_image_topic *t);

/* .../partitions/<p>/state: v1; leader_recovery_state only when RECOVERING (1). */
bool mg_zkf_partition_state(kr_buf *out, const kr_image_partition *p, int32_t controller_epoch);

/* /config/<type>/<entity>: {"version":1,"config":{...}} in the given order. */
typedef struct mg_zkf_kv {
    const char *key;
    const char *value;
} mg_zkf_kv;
bool mg_zkf_config(kr_buf *out, const mg_zkf_kv *kv, size_t n);

/* /config/changes/config_change_: {"version":2,"entity_path":"topics/x"}. */
bool mg_zkf_config_change(kr_buf *out, const char *entity_path);

/* One quota value as a ZK config string (§9.3): long keys as integers (value + 1e-6
 * truncated; non-integral rejected), double keys as Java's Double.toString. Unknown keys
 * are rejected (KR_ERR_INVALID naming the key). */
int mg_zkf_quota_value(const char *key, double value, char *buf, size_t cap, kr_error *err);

/* Java's Double.toString: "25.5", "10.0", "1.0E7", "1.0E-4". */
void mg_zkf_java_double(double v, char *buf, size_t cap);

/* SCRAM credential text: salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=N.
 * Returns a malloc'd string (NULL on out of memory). */
char *mg_zkf_scram(const kr_image_scram *s);
/* "SCRAM-SHA-256" / "SCRAM-SHA-512"; NULL for an unknown mechanism. */
const char *mg_zkf_scram_mechanism(int8_t mechanism);

/* /latest_producer_id_block: block_start = next, block_end = next + 999, broker -1. */
bool mg_zkf_producer_id_block(kr_buf *out, int64_t next_producer_id);

/* Kafka's names (SecurityUtils): "Topic", "Read", "Allow". NULL when the code has none
 * (ANY / MATCH filters never appear in ACL records). */
const char *mg_zkf_acl_resource_type(int8_t type);
const char *mg_zkf_acl_operation(int8_t op);
const char *mg_zkf_acl_permission(int8_t perm);

/* An ACL resource znode: {"version":1,"acls":[...]} of the given entries, in that order. */
bool mg_zkf_acls(kr_buf *out, const kr_image_acl *const *entries, size_t n);
/* The resource znode path (literal: /kafka-acl/<Type>/<name>, prefixed:
 * /kafka-acl-extended/prefixed/<Type>/<name>); false when the type or pattern has no
 * ZooKeeper form or the path does not fit. */
bool mg_zkf_acl_path(char *buf, size_t cap, int8_t type, int8_t pattern, const char *name);
/* The change notification: *prefix receives the sequential path prefix
 * (/kafka-acl-changes/acl_changes_ with text "TOPIC:name" for literal patterns,
 * /kafka-acl-extended-changes/acl_changes_ with JSON for prefixed ones). */
bool mg_zkf_acl_change(kr_buf *out, int8_t type, int8_t pattern, const char *name, const char **prefix);

/* /delegation_token/tokens/<id>: v3, owner / requester / renewers sanitized. */
bool mg_zkf_token(kr_buf *out, const kr_image_token *t);

/* Kafka's Sanitizer.sanitize (URL-encoding, `*` -> %2A, space -> %20); malloc'd. */
char *mg_zkf_sanitize(const char *name);

/* Sequential-node prefixes the planners append to. */
#define MG_ZKF_CONFIG_CHANGE_PREFIX "/config/changes/config_change_"
#define MG_ZKF_ACL_CHANGE_PREFIX "/kafka-acl-changes/acl_changes_"
#define MG_ZKF_ACL_EXT_CHANGE_PREFIX "/kafka-acl-extended-changes/acl_changes_"

#endif
