/*
 * The metadata image: the one in-memory shape that a snapshot plus a log tail
 * fold into (features, brokers, controllers, topics, partitions, configs,
 * client quotas, SCRAM credentials, ACLs, delegation tokens, producer ids,
 * ZooKeeper migration state). The migrator builds one from ZooKeeper, the
 * controller keeps one current, and diff/verify compare two.
 *
 * Replay semantics follow spec metadata-log.md §12. Built for 1M+ partitions:
 * topics are found by name or id through hash indexes, partitions sit in a
 * per-topic array indexed by partition id.
 */
#ifndef KRAFT_IMAGE_H
#define KRAFT_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/metadata_record.h"
#include "kraft/strmap.h"

/* An owned int32 list; n == -1 means null (ELR fields). */
typedef struct kr_ids {
    int32_t *v;
    int32_t n;
} kr_ids;

/* Partitions sit in an array indexed by id, so a hostile PartitionId must not
 * size it: ids above this are refused (no Kafka topic comes near a million). */
#define KR_IMAGE_MAX_PARTITION_ID 999999

typedef struct kr_image_partition {
    bool present;
    int32_t partition_id;
    kr_ids replicas, isr, removing_replicas, adding_replicas;
    kr_ids elr, last_known_elr; /* null unless set (ELR, 4.0-IV0) */
    kr_uuid *directories;       /* n = replicas.n, or NULL when none were recorded */
    int32_t leader;
    int32_t leader_epoch;
    int32_t partition_epoch;
    int8_t leader_recovery_state;
} kr_image_partition;

typedef struct kr_image_topic {
    char *name;
    kr_uuid id;
    kr_image_partition *partitions; /* indexed by partition id */
    int32_t partitions_cap;         /* slots allocated */
    int32_t partition_count;        /* slots with present == true */
} kr_image_topic;

typedef struct kr_image_endpoint {
    char *name, *host;
    uint16_t port;
    int16_t security_protocol;
} kr_image_endpoint;

typedef struct kr_image_feature_range {
    char *name;
    int16_t min_version, max_version;
} kr_image_feature_range;

typedef struct kr_image_node { /* a broker or a controller registration */
    int32_t id;
    kr_uuid incarnation_id;
    int64_t epoch;                /* brokers only */
    kr_image_endpoint *endpoints;
    int32_t endpoint_count;
    kr_image_feature_range *features;
    int32_t feature_count;
    char *rack;                   /* NULL when unset */
    bool fenced, in_controlled_shutdown, is_migrating_zk_broker, zk_migration_ready;
    kr_uuid *log_dirs;
    int32_t log_dir_count;
} kr_image_node;

typedef struct kr_image_config { /* one (resource, key) = value */
    int8_t resource_type;          /* 2 topic, 4 broker, 8 broker logger, 16 client metrics */
    char *resource_name;           /* "" = cluster default */
    char *name;
    char *value;
} kr_image_config;

typedef struct kr_image_quota_entity_part {
    char *type; /* "user", "client-id", "ip" */
    char *name; /* NULL = the default entity */
} kr_image_quota_entity_part;

typedef struct kr_image_quota {
    kr_image_quota_entity_part *entity;
    int32_t entity_parts;
    char *key;
    double value;
} kr_image_quota;

typedef struct kr_image_scram {
    char *user;
    int8_t mechanism; /* 1 SCRAM-SHA-256, 2 SCRAM-SHA-512 */
    uint8_t *salt, *stored_key, *server_key;
    int32_t salt_len, stored_key_len, server_key_len;
    int32_t iterations;
} kr_image_scram;

typedef struct kr_image_acl {
    kr_uuid id;
    int8_t resource_type;
    char *resource_name;
    int8_t pattern_type;
    char *principal, *host;
    int8_t operation, permission_type;
} kr_image_acl;

typedef struct kr_image_token {
    char *token_id, *owner, *requester;
    char **renewers;
    int32_t renewer_count;
    int64_t issue_timestamp_ms, max_timestamp_ms, expiration_timestamp_ms;
} kr_image_token;

typedef struct kr_image_feature {
    char *name;
    int16_t level;
} kr_image_feature;

/* A growable array of T with a string index over one of its fields. */
#define KR_IMAGE_TABLE(T) \
    struct {              \
        T *v;             \
        int32_t n, cap;   \
        kr_strmap index;  \
    }

typedef KR_IMAGE_TABLE(kr_image_node) kr_image_node_table;

typedef struct kr_image {
    int16_t metadata_version; /* level; 0 = not set */
    int8_t zk_migration_state;  /* -1 = no record seen */
    KR_IMAGE_TABLE(kr_image_feature) features; /* other than metadata.version */
    kr_image_node_table brokers;               /* index key: int32 id bytes */
    kr_image_node_table controllers;           /* index key: int32 id bytes */
    KR_IMAGE_TABLE(kr_image_topic) topics;     /* index key: name */
    kr_strmap topics_by_id;                    /* key: 16 id bytes → topics index */
    KR_IMAGE_TABLE(kr_image_config) configs;   /* key: type, resource, name */
    KR_IMAGE_TABLE(kr_image_quota) quotas;     /* key: canonical entity + key */
    KR_IMAGE_TABLE(kr_image_scram) scram;      /* key: mechanism + user */
    KR_IMAGE_TABLE(kr_image_acl) acls;         /* key: 16 id bytes */
    KR_IMAGE_TABLE(kr_image_token) tokens;     /* key: token id */
    int64_t next_producer_id;                  /* -1 = none allocated */
    int32_t producer_ids_broker_id;
    int64_t producer_ids_broker_epoch;
    int64_t partition_count;                   /* over all topics */
    int64_t records_applied;
} kr_image;

void kr_image_init(kr_image *img);
void kr_image_free(kr_image *img);

/* Applies one record (no transaction handling; see kr_image_loader).
 * Errors (KR_ERR_INVALID) name the record type and the entity at fault. */
int kr_image_apply(kr_image *img, const kr_metadata_record *rec, kr_error *err);

/* Lookups; NULL when absent. */
kr_image_topic *kr_image_topic_by_name(const kr_image *img, const char *name, size_t len);
kr_image_topic *kr_image_topic_by_id(const kr_image *img, const kr_uuid *id);
kr_image_node *kr_image_broker(const kr_image *img, int32_t id);
const char *kr_image_config_value(const kr_image *img, int8_t resource_type, const char *resource,
                                  const char *name);

/*
 * Folds record values in log order, honouring Begin/End/AbortTransaction:
 * records inside a transaction apply only at its End; an Abort (or a new
 * Begin, or the end of input) discards them. Pending values are borrowed, so
 * the caller keeps their bytes alive until the transaction ends (whole files
 * held in memory satisfy this).
 */
typedef struct kr_image_loader {
    kr_image *img;
    kr_arena arena;
    bool in_transaction;
    int64_t transaction_offset; /* offset of the open BeginTransaction */
    struct kr_pending_value { const uint8_t *p; uint32_t n; int64_t offset; } *pending;
    int32_t pending_n, pending_cap;
    int64_t transactions_committed, transactions_aborted, records_discarded;
    bool in_snapshot;           /* transaction records are errors in snapshots */
} kr_image_loader;

void kr_image_loader_init(kr_image_loader *l, kr_image *img);
void kr_image_loader_free(kr_image_loader *l);
/* One metadata record value at log offset `offset`. */
int kr_image_loader_apply_value(kr_image_loader *l, const uint8_t *value, size_t len, int64_t offset,
                                kr_error *err);
/* End of input: an open transaction is discarded (as a failed-over controller
 * would abort it); returns the number of records discarded. */
int64_t kr_image_loader_finish(kr_image_loader *l);

#endif
