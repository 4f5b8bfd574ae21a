/*
 * Broker cut-over: a ZooKeeper-mode broker's server.properties turned into its KRaft-mode
 * version, and meta.properties v0 -> v1 in every log dir (migration.md §2 step 8, §6, §11).
 *
 * server.properties: zookeeper.* and the other ZooKeeper-only keys (broker.id.generation.enable,
 * reserved.broker.max.id, control.plane.listener.name, inter.broker.protocol.version) are
 * dropped; broker.id becomes node.id in place; process.roles=broker, controller.quorum.voters
 * and controller.listener.names are set (in place when present, else appended); the
 * controller listener gets a listener.security.protocol.map entry; the ZooKeeper authorizer
 * becomes StandardAuthorizer. Comments, blank lines and the order of every other line are kept.
 *
 * meta.properties: version=1, cluster.id kept, node.id = broker.id, a new directory.id per
 * dir. Already-v1 files with the same ids are left as they are (a re-run changes nothing).
 *
 * Planning reads and validates everything and writes nothing; applying writes a backup of
 * each changed file (`<file>.zk-backup`, never overwritten) and then the file, atomically.
 */
#ifndef MIGRATE_BROKER_CONFIG_H
#define MIGRATE_BROKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"

typedef struct mg_broker_config_options {
    const char *server_properties;   /* path of the ZooKeeper-mode server.properties */
    const char *controllers;         /* "ID@HOST:PORT,..." -> controller.quorum.voters */
    const char *log_dirs;            /* "DIR,DIR"; NULL = log.dirs / log.dir of the file */
    const char *controller_listener; /* NULL = the file's controller.listener.names, else CONTROLLER */
    const char *controller_protocol; /* NULL = PLAINTEXT */
} mg_broker_config_options;

typedef struct mg_file_change {
    char *path;
    char *backup_path;  /* path + ".zk-backup" */
    char *old_text;
    char *new_text;
    bool changed;       /* false: new_text == old_text, nothing to write */
} mg_file_change;

typedef struct mg_broker_config_plan {
    int32_t node_id;
    char cluster_id[256];        /* "" when no log dir had one */
    mg_file_change *files;       /* [0] = server.properties, then one per log dir */
    size_t n_files;
    char **dropped_keys;         /* keys removed from server.properties */
    size_t n_dropped;
} mg_broker_config_plan;

/* The new server.properties text for `text` (no I/O). *node_id = broker.id (or node.id). */
int mg_server_properties_to_kraft(const char *text, size_t len, const char *name, const char *voters,
                                  const char *controller_listener, const char *controller_protocol,
                                  char **out, int32_t *node_id, char ***dropped, size_t *n_dropped,
                                  kr_error *err);

/* Reads and validates everything (no broker.id, a broker.id that differs from a log dir's,
 * cluster ids that differ between dirs, a dir without meta.properties -> error); writes nothing. */
int mg_broker_config_plan_make(const mg_broker_config_options *o, mg_broker_config_plan *plan, kr_error *err);
/* Backups, then atomic replacements, for every changed file. */
int mg_broker_config_apply(const mg_broker_config_plan *plan, kr_error *err);
/* A unified-diff-like view of every change ("--- a", "+++ b", " kept", "-old", "+new"). */
char *mg_broker_config_diff(const mg_broker_config_plan *plan);
void mg_broker_config_plan_free(mg_broker_config_plan *plan);

#endif
