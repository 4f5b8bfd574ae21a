/*
 * The dual-write driver (spec migration.md §7 and §9, docs/dual-write.md): a
 * thread that follows the committed metadata of this controller through the
 * kr_controller_observer hooks, keeps its own image, and while this node leads
 * the quorum mirrors that image into ZooKeeper:
 *
 *   INACTIVE --(leader, image in MIGRATION)--> BECOME_CONTROLLER (claim, retried)
 *     --> SYNC (read the tree, full reconciliation) --> DUAL_WRITE (each drained
 *     group of committed batches: touch, apply, plan the delta, fenced execute)
 *   any state --(leadership lost, or fenced by ZooKeeper)--> INACTIVE
 *
 * The hooks run on the controller's loop thread and never block it: batches
 * are copied into a bounded queue; when it is full the queued batches are
 * dropped (ERROR) and the driver rebuilds its image from the controller's own
 * files (newest snapshot + segments, read with read(), up to the first batch
 * delivered after the gap), then reconciles ZooKeeper in full.
 */
#ifndef MIGRATE_DUAL_WRITE_H
#define MIGRATE_DUAL_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/controller.h"
#include "kraft/error.h"
#include "kraft/logger.h"

#define MG_DW_QUEUE_MAX_BATCHES 65536
#define MG_DW_QUEUE_MAX_BYTES (256u * 1024 * 1024)

typedef struct mg_dual_write_options {
    int32_t node_id;
    const char *zk_connect;             /* zookeeper.connect */
    int zk_session_timeout_ms;          /* zookeeper.session.timeout.ms */
    const char *zk_auth;                /* zookeeper.auth or NULL (secret) */
    bool zk_set_acl;                    /* zookeeper.set.acl */
    const char *password_encoder_secret; /* or NULL (secret) */
    uint32_t reconcile_interval_ms;     /* 0 = reconcile on leadership / snapshot load only */
    uint32_t write_delay_ms;            /* test-only: sleep before each fenced multi */
    size_t queue_max_batches;           /* 0 = MG_DW_QUEUE_MAX_BATCHES */
    size_t queue_max_bytes;             /* 0 = MG_DW_QUEUE_MAX_BYTES */
    const char *metadata_log_dir;       /* to rebuild the image after an overflow; NULL = never */
    kr_logger log;                      /* called from the driver thread */
} mg_dual_write_options;

typedef struct mg_dual_write mg_dual_write;

/* Copies the options and starts the thread (it connects to ZooKeeper itself, retrying). */
int mg_dual_write_start(const mg_dual_write_options *o, mg_dual_write **out, kr_error *err);
/* The hooks to pass to kr_controller_start; valid until mg_dual_write_stop. */
kr_controller_observer mg_dual_write_observer(mg_dual_write *d);
/* Stops the thread (a ZooKeeper call in progress finishes first), closes the session, frees. */
void mg_dual_write_stop(mg_dual_write *d);

/* The driver's state names, for logs: "INACTIVE", "BECOME_CONTROLLER", "SYNC", "DUAL_WRITE". */
const char *mg_dual_write_state_name(int state);

#endif
