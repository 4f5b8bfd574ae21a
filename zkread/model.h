/*
 * The ZK model: a typed view of every znode of a Kafka cluster that a migration needs
 * (spec zk-layout.md), plus the findings produced while decoding it.
 *
 * Build it with zr_model_add_znode() for each znode read (any order), then call
 * zr_model_finish() once: it joins partition states to topic assignments and applies the
 * cross-znode rules (missing state znodes, pending deletions). Decoding is pure: the same
 * (path, bytes, stat) always yields the same entries and findings.
 */
#ifndef ZKREAD_MODEL_H
#define ZKREAD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The subset of ZooKeeper's Stat the model needs. */
typedef struct zr_stat {
    int64_t czxid, mzxid, pzxid;
    int32_t version;         /* data version: partition epoch for state znodes */
    int64_t ephemeral_owner; /* 0 = persistent */
    int32_t num_children;
} zr_stat;

/* ---- findings ------------------------------------------------------------ */

enum zr_severity { ZR_SEV_WARNING = 1, ZR_SEV_ERROR = 2 };

typedef struct zr_finding {
    enum zr_severity severity;
    char *path;    /* znode at fault */
    char *message; /* what is wrong (and, for warnings, what was applied) */
} zr_finding;

typedef struct zr_findings {
    zr_finding *v;
    size_t n, cap;
    size_t errors, warnings;
    bool lenient; /* Kafka 3.9's silent substitutions become warnings instead of errors */
} zr_findings;

void zr_findings_add(zr_findings *f, enum zr_severity sev, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A defect Kafka 3.9 silently tolerates: an error when strict, a warning when lenient. */
void zr_findings_substitute(zr_findings *f, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void zr_findings_free(zr_findings *f);
/* Sorts by path, then severity, then message, so reports are stable. */
void zr_findings_sort(zr_findings *f);

/* ---- entities ------------------------------------------------------------ */

typedef struct zr_ints {
    int32_t *v;
    size_t n;
} zr_ints;

typedef struct zr_kv {
    char *key;
    char *value;
} zr_kv;

typedef struct zr_kvs {
    zr_kv *v;
    size_t n;
} zr_kvs;

typedef struct zr_broker {
    int32_t id;
    int version;
    char *host; /* NULL when JSON null */
    int32_t port, jmx_port;
    int64_t timestamp_ms;
    char **endpoints;
    size_t n_endpoints;
    char *rack;
    zr_kvs listener_protocols;
    int64_t epoch; /* czxid of the registration: the ZK-mode broker epoch */
    bool ephemeral;
} zr_broker;

typedef struct zr_partition_state {
    int32_t partition;
    int32_t leader, leader_epoch, controller_epoch, leader_recovery_state;
    int json_version;
    zr_ints isr;
    int32_t partition_epoch; /* the state znode's data version */
} zr_partition_state;

typedef struct zr_partition {
    int32_t id;
    zr_ints replicas, adding, removing;
    bool has_state;   /* false: no usable state znode */
    bool synthesized; /* lenient: Kafka's substitute (ISR = replicas, leader = first) */
    zr_partition_state state;
} zr_partition;

typedef struct zr_topic {
    char *name;
    bool has_assignment; /* /brokers/topics/<t> had decodable data */
    int version;
    bool has_id;
    uint8_t id[16];
    char id_text[23];
    zr_partition *partitions; /* sorted by id after zr_model_finish */
    size_t n_partitions;
    zr_partition_state *states; /* read before the join; freed by finish */
    size_t n_states, cap_states;
    bool pending_deletion;
} zr_topic;

enum zr_entity_type {
    ZR_ENTITY_TOPIC,
    ZR_ENTITY_BROKER,
    ZR_ENTITY_USER,
    ZR_ENTITY_CLIENT,
    ZR_ENTITY_USER_CLIENT,
    ZR_ENTITY_IP,
};
const char *zr_entity_type_name(enum zr_entity_type t);

/* One /config/<type>/<name>[/clients/<client>] znode. */
typedef struct zr_config_entity {
    enum zr_entity_type type;
    char *name;       /* desanitized (users, clients, ips); raw for topics and brokers */
    bool is_default;  /* `<default>`: name is NULL */
    char *client;     /* ZR_ENTITY_USER_CLIENT only: desanitized client id */
    bool client_is_default;
    char *path;
    zr_kvs config; /* SCRAM keys of users are kept here too; see zr_scram */
} zr_config_entity;

enum zr_scram_mechanism { ZR_SCRAM_SHA_256 = 1, ZR_SCRAM_SHA_512 = 2 };

typedef struct zr_scram {
    char *user; /* desanitized; NULL for <default> */
    enum zr_scram_mechanism mechanism;
    uint8_t *salt, *stored_key, *server_key;
    size_t salt_len, stored_key_len, server_key_len;
    int32_t iterations;
} zr_scram;

typedef struct zr_config_change {
    char *name; /* config_change_0000000042 */
    int version;
    char *entity_path; /* v2 "users/alice", v1 "<type>/<name>" */
} zr_config_change;

typedef struct zr_topic_partition {
    char *topic;
    int32_t partition;
    zr_ints replicas; /* reassignment requests only */
} zr_topic_partition;

typedef struct zr_notification { /* /isr_change_notification/isr_change_N */
    char *name;
    zr_topic_partition *partitions;
    size_t n_partitions;
} zr_notification;

typedef struct zr_log_dir_event {
    char *name;
    int32_t broker, event;
} zr_log_dir_event;

enum zr_pattern { ZR_PATTERN_LITERAL = 3, ZR_PATTERN_PREFIXED = 4 };
/* Kafka's codes (migration.md §4.7); 0 = UNKNOWN. */
enum zr_resource_type {
    ZR_RES_UNKNOWN = 0, ZR_RES_TOPIC = 2, ZR_RES_GROUP = 3, ZR_RES_CLUSTER = 4,
    ZR_RES_TRANSACTIONAL_ID = 5, ZR_RES_DELEGATION_TOKEN = 6, ZR_RES_USER = 7,
};

typedef struct zr_acl_entry {
    char *principal; /* <type>:<name> */
    char *host;
    int operation;  /* 0 UNKNOWN, 2 ALL ... 14 DESCRIBE_TOKENS */
    int permission; /* 0 UNKNOWN, 2 DENY, 3 ALLOW */
} zr_acl_entry;

typedef struct zr_acl_resource {
    enum zr_pattern pattern;
    enum zr_resource_type type;
    char *name;
    char *path;
    zr_acl_entry *entries; /* unique */
    size_t n_entries;
} zr_acl_resource;

typedef struct zr_token {
    char *token_id;
    int version;
    char *owner, *requester; /* desanitized */
    char **renewers;
    size_t n_renewers;
    int64_t issue_ms, max_ms, expiry_ms;
} zr_token;

typedef struct zr_feature_level {
    char *name;
    int32_t min_level, max_level; /* min -1 in v2 */
} zr_feature_level;

/* ---- the model ----------------------------------------------------------- */

typedef struct zr_model {
    char *cluster_id;

    bool has_controller;
    int controller_version;
    int32_t controller_id;
    int32_t kraft_controller_epoch; /* -1 when absent */
    int64_t controller_timestamp_ms;
    bool controller_ephemeral;

    bool has_controller_epoch;
    int32_t controller_epoch;
    int32_t controller_epoch_zk_version;

    zr_broker *brokers; size_t n_brokers, cap_brokers;
    zr_topic **topics; size_t n_topics, cap_topics; /* sorted by name after finish */
    zr_config_entity *configs; size_t n_configs, cap_configs;
    zr_scram *scram; size_t n_scram, cap_scram;
    zr_config_change *config_changes; size_t n_config_changes, cap_config_changes;
    char **pending_deletions; size_t n_pending_deletions, cap_pending_deletions;
    zr_topic_partition *reassign_requests; size_t n_reassign_requests;
    bool has_reassign_request;
    zr_topic_partition *preferred_elections; size_t n_preferred_elections;
    bool has_preferred_election;
    zr_notification *isr_changes; size_t n_isr_changes, cap_isr_changes;
    zr_log_dir_event *log_dir_events; size_t n_log_dir_events, cap_log_dir_events;

    bool has_producer_id_block;
    int32_t producer_id_broker;
    int64_t producer_id_block_start, producer_id_block_end;

    zr_acl_resource *acls; size_t n_acls, cap_acls;
    zr_token *tokens; size_t n_tokens, cap_tokens;

    bool has_feature;
    int feature_version, feature_status;
    int32_t feature_zk_version;
    zr_feature_level *features; size_t n_features;

    bool has_migration;
    int32_t migration_controller_id, migration_controller_epoch, migration_metadata_epoch;
    int64_t migration_metadata_offset;
    int32_t migration_zk_version;

    int64_t zxid; /* set by the reader: the zxid when the read started (0 = unknown) */

    struct zr_topic_index *index; /* name -> topic, private */
    bool finished;
} zr_model;

void zr_model_init(zr_model *m);
void zr_model_free(zr_model *m);

/*
 * Decodes one znode into the model. data == NULL means null data (len ignored); a
 * zero-length payload is treated like null (zk-layout.md §0.1). Paths are relative to the
 * chroot. Znodes that a migration does not need are ignored. Every problem becomes a
 * finding naming `path`; nothing here fails except on memory exhaustion (returns false).
 */
bool zr_model_add_znode(zr_model *m, const char *path, const uint8_t *data, int32_t len,
                        const zr_stat *stat, zr_findings *f);
/* Records a child name whose znode carries no data of interest (/admin/delete_topics/<t>). */
void zr_model_finish(zr_model *m, zr_findings *f);

zr_topic *zr_model_topic(const zr_model *m, const char *name);

/* Counts for `inspect`. */
typedef struct zr_counts {
    size_t brokers, topics, partitions, configs, quotas, scram_users, acls;
    size_t pending_deletions, reassignments, tokens, offline_partitions;
} zr_counts;
void zr_model_counts(const zr_model *m, zr_counts *out);

#endif
