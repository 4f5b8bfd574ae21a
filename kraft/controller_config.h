/*
 * The controller's configuration from Kafka's .properties keys (docs/controller.md):
 * process.roles, node.id, controller.quorum.voters, listeners,
 * controller.listener.names, listener.security.protocol.map, metadata.log.dir,
 * the controller.quorum.* timeouts, metadata.max.idle.interval.ms, the snapshot
 * threshold, metadata.log.segment.bytes, log.level and the ZooKeeper
 * migration keys (zookeeper.*, password.encoder.secret). Errors name the key.
 */
#ifndef KRAFT_CONTROLLER_CONFIG_H
#define KRAFT_CONTROLLER_CONFIG_H

#include <stdint.h>

#include "kraft/error.h"
#include "kraft/logger.h"
#include "kraft/properties.h"
#include "kraft/raft.h"

#define KR_HOST_MAX 256

typedef struct kr_controller_voter {
    int32_t id;
    char host[KR_HOST_MAX];
    uint16_t port;
} kr_controller_voter;

typedef struct kr_controller_config {
    int32_t node_id;
    kr_controller_voter voters[KR_RAFT_MAX_VOTERS];
    size_t voter_count;
    char listener_name[64];
    char listen_host[KR_HOST_MAX];
    uint16_t listen_port;
    char metadata_log_dir[4096];
    uint32_t election_timeout_ms;     /* controller.quorum.election.timeout.ms, 1000 */
    uint32_t fetch_timeout_ms;        /* controller.quorum.fetch.timeout.ms, 2000 */
    uint32_t election_backoff_max_ms; /* controller.quorum.election.backoff.max.ms, 1000 */
    uint32_t request_timeout_ms;      /* controller.quorum.request.timeout.ms, 2000 */
    uint32_t retry_backoff_ms;        /* controller.quorum.retry.backoff.ms, 20 */
    uint32_t append_linger_ms;        /* controller.quorum.append.linger.ms, 25 */
    uint32_t max_idle_interval_ms;    /* metadata.max.idle.interval.ms, 500; 0 = no no-ops */
    uint64_t snapshot_max_bytes;      /* metadata.log.max.record.bytes.between.snapshots, 20 MiB */
    uint64_t segment_bytes;           /* metadata.log.segment.bytes, 1 GiB */
    kr_log_level log_level;           /* log.level, INFO */
    /* The Kafka client listener (docs/controller.md): the first entry of
     * `listeners` that is not the controller listener; "" = none. */
    char client_listener_name[64];
    char client_listen_host[KR_HOST_MAX];
    uint16_t client_listen_port;
    char client_advertised_host[KR_HOST_MAX]; /* advertised.listeners, else the listen host */
    uint16_t client_advertised_port;
    unsigned client_sasl_mechanisms; /* KR_SASL_* (sasl.enabled.mechanisms); 0 = PLAINTEXT */
    /* controller.client.endpoints: every voter's advertised client endpoint
     * (id@host:port,...), what Metadata and DescribeCluster list; this
     * node's own entry is its advertised client listener. */
    kr_controller_voter client_endpoints[KR_RAFT_MAX_VOTERS];
    size_t client_endpoint_count;
    /* ZooKeeper migration mode (docs/dual-write.md). zk_auth and
     * password_encoder_secret are secrets: never logged. */
    bool migration_enabled;                 /* zookeeper.metadata.migration.enable, false */
    char zk_connect[1024];                  /* zookeeper.connect, required when enabled */
    uint32_t zk_session_timeout_ms;         /* zookeeper.session.timeout.ms, 18000 */
    bool zk_set_acl;                        /* zookeeper.set.acl, false */
    char zk_auth[512];                      /* zookeeper.auth [ext] digest:user:password; "" = none */
    char password_encoder_secret[512];      /* password.encoder.secret; "" = none */
    uint32_t migration_reconcile_interval_ms; /* zookeeper.metadata.migration.reconcile.interval.ms [ext], 0 */
    /* The properties parsed, borrowed for DescribeConfigs' STATIC_BROKER_CONFIG
     * entries: kept alive by the caller while the controller runs; NULL = none. */
    const kr_properties *static_config;
} kr_controller_config;

void kr_controller_config_defaults(kr_controller_config *c);
/* Reads every known key (unknown ones get a DEBUG line through lg); c keeps a
 * pointer to p (static_config). */
int kr_controller_config_from_properties(const kr_properties *p, kr_controller_config *c,
                                         const kr_logger *lg, kr_error *err);
/* "ERROR", "WARN", "INFO", "DEBUG" (any case) -> level; false if unknown. */
bool kr_log_level_parse(const char *text, kr_log_level *out);

#endif
