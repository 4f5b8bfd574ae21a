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

typedef struct kr_controller kr_controller;

/* Locks the metadata dir, checks meta.properties, recovers the log, loads
 * the newest snapshot, starts the core and listens. */
int kr_controller_start(uv_loop_t *loop, const kr_controller_config *cfg, const kr_logger *lg,
                        kr_controller **out, kr_error *err);
/* Graceful stop (SIGTERM): resign (EndQuorumEpoch to the others) if leader,
 * give the sends up to linger_ms, then close everything; the loop then ends. */
void kr_controller_shutdown(kr_controller *c, uint32_t linger_ms);
/* After the loop has ended: frees everything, releases the lock. Returns the
 * exit status (0 clean, 2 after a fatal error). */
int kr_controller_destroy(kr_controller *c);

#endif
