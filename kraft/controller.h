/*
 * The KRaft controller daemon on a libuv loop (docs/controller.md): the Raft
 * core driven by real time, the on-disk log (raft_store), the network layer
 * (net_server + one async client per other voter) and the metadata state
 * machine (metadata_state), glued by the ready contract of docs/raft.md.
 */
#ifndef KRAFT_CONTROLLER_H
#define KRAFT_CONTROLLER_H

#include <stdbool.h>
#include <uv.h>

#include "kraft/controller_config.h"
#include "kraft/error.h"
#include "kraft/logger.h"
#include "kraft/raft_log.h"

typedef struct kr_controller kr_controller;

/*
 * Hooks for a follower of the committed metadata (the dual-write driver of
 * migrate/dual_write.h), all called on the loop thread: they must be quick and
 * copy whatever they keep (the pointers are valid during the call only).
 *   on_leadership       every change of role, epoch or leader (is_self: this
 *                       node is the leader of `epoch`); leader_id -1 = unknown
 *   on_snapshot_loaded  the image was replaced by a snapshot file (at start,
 *                       after an install); the file may be deleted later
 *   on_batch_applied    one committed RecordBatch (control batches too) was
 *                       applied to the image, in log order
 * Any hook may be NULL.
 */
typedef struct kr_controller_observer {
    void (*on_leadership)(void *ctx, int32_t epoch, int32_t leader_id, bool is_self);
    void (*on_snapshot_loaded)(void *ctx, const char *path, kr_snapshot_id id);
    void (*on_batch_applied)(void *ctx, const uint8_t *batch, size_t len, int64_t base_offset,
                             int64_t last_offset, int32_t epoch);
    void *ctx;
} kr_controller_observer;

/* Locks the metadata dir, checks meta.properties, recovers the log, loads
 * the newest snapshot, starts the core and listens. obs (NULL = none) is
 * copied; its hooks run from here on. */
int kr_controller_start(uv_loop_t *loop, const kr_controller_config *cfg, const kr_logger *lg,
                        const kr_controller_observer *obs, kr_controller **out, kr_error *err);
/* Graceful stop (SIGTERM): resign (EndQuorumEpoch to the others) if leader,
 * give the sends up to linger_ms, then close everything; the loop then ends. */
void kr_controller_shutdown(kr_controller *c, uint32_t linger_ms);
/* After the loop has ended: frees everything, releases the lock. Returns the
 * exit status (0 clean, 2 after a fatal error). */
int kr_controller_destroy(kr_controller *c);

#endif
