/*
 * Writing a migration's output: DIR/node-<ID>/ for every controller, each a formatted
 * metadata log directory that a Kafka 3.9 controller boots from (metadata-log.md §9, §11):
 *
 *   meta.properties            v1: cluster.id, node.id, a fresh directory.id
 *   bootstrap.checkpoint       metadata.version (used by Kafka only with an empty log)
 *   controller.properties      ready to run (process.roles=controller, voters, listeners)
 *   __cluster_metadata-0/
 *     <N>-<E>.checkpoint       the converted records, N = record count, E = 1
 *     <N>.log                  empty segment: log start = log end = snapshot end (§9.3)
 *     partition.metadata       the metadata topic id
 *     quorum-state             v0, epoch E, no leader, no vote, the voters
 *
 * DIR appears complete or not at all: everything is built in a hidden sibling
 * (.<name>.partial-XXXXXX), fsynced, then renamed once (RENAME_NOREPLACE).
 */
#ifndef MIGRATE_STORAGE_H
#define MIGRATE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/snapshot.h"
#include "kraft/wire.h"
#include "migrate/controllers.h"

/* Framed record values back to back, in snapshot order. */
typedef struct mg_record_buffer {
    kr_buf data;
    uint32_t *lens;
    size_t n, cap;
} mg_record_buffer;

void mg_record_buffer_free(mg_record_buffer *b);
int mg_record_buffer_add(mg_record_buffer *b, const uint8_t *value, size_t len, kr_error *err);

#define MG_SNAPSHOT_EPOCH 1

typedef struct mg_storage_options {
    const char *out_dir;                 /* must not exist */
    const mg_controller *controllers;
    size_t n_controllers;
    const char *cluster_id;
    int16_t metadata_version;
    const char *listener_name;           /* NULL = "CONTROLLER" */
    /* Migration mode (migrate --dual-write): controller.properties turns on
     * zookeeper.metadata.migration.enable with this zookeeper.connect; NULL = off. */
    const char *zookeeper_connect;
    int64_t now_ms;
    bool dry_run;                        /* build and fsync everything, then remove it */
    /* Called after the tree is complete and synced, right before the rename (e.g. to
     * write minted topic ids back to ZooKeeper); non-zero aborts and removes the tree. */
    int (*before_commit)(void *ctx, kr_error *err);
    void *before_commit_ctx;
} mg_storage_options;

typedef struct mg_storage_stats {
    int64_t files, bytes;
    kr_snapshot_id snapshot;
    int64_t snapshot_bytes;
    char snapshot_name[KR_SNAPSHOT_NAME_SIZE];
} mg_storage_stats;

int mg_storage_write(const mg_storage_options *o, const mg_record_buffer *records,
                     mg_storage_stats *stats, kr_error *err);

/* rm -rf, bounded to one tree; used on failure and for --dry-run. */
int mg_remove_tree(const char *path);

#endif
