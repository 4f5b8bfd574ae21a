/* Private to kraft/controller*.c: the daemon's state, shared by the main loop
 * (controller.c) and the network glue (controller_rpc.c). */
#ifndef KRAFT_CONTROLLER_INTERNAL_H
#define KRAFT_CONTROLLER_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "kraft/client_api.h"
#include "kraft/client_write.h"
#include "kraft/controller.h"
#include "kraft/metadata_state.h"
#include "kraft/net_async_client.h"
#include "kraft/net_server.h"
#include "kraft/raft.h"
#include "kraft/raft_store.h"

#define KR_CTL_MAX_INBOUND 1024 /* requests handed to the core and not yet answered */
#define KR_CTL_MAX_WRITE_QUEUE 256 /* client writes waiting for the one in flight */
#define KR_CTL_WRITE_COMMIT_TIMEOUT_MS 30000 /* Kafka's request.timeout.ms for admin clients */

typedef struct kr_ctl_inbound {
    kr_net_request *req; /* NULL: free slot */
    uint32_t correlation_id;
    int16_t api_key;
    uint64_t since_ms;
} kr_ctl_inbound;

typedef struct kr_ctl_peer {
    int32_t id;
    kr_async_client *client;
    /* A second connection for forwarded client writes: the leader answers
     * each connection in order and parks a write until it commits, so on the
     * Raft connection a forwarded write would hold back this node's Fetches —
     * which the commit may need. */
    kr_async_client *forward;
} kr_ctl_peer;

struct kr_controller {
    uv_loop_t *loop;
    kr_controller_config cfg;
    kr_logger log;
    kr_controller_observer obs; /* zeroed: none */
    char cluster_id[256];
    int lock_fd;
    kr_raft *raft;
    kr_raft_store *store;
    kr_metadata_state sm;
    kr_net_server *server;
    kr_ctl_peer peers[KR_RAFT_MAX_VOTERS];
    size_t peer_count;
    kr_ctl_inbound inbound[KR_CTL_MAX_INBOUND];
    uint32_t next_inbound_id;
    uv_timer_t tick_timer, noop_timer, stop_timer;
    uint64_t last_tick_ms; /* uv_now at the last tick */
    int64_t core_now_ms;   /* sum of ticks: the core's clock */
    uint64_t rng;
    uint64_t bytes_since_snapshot;
    pid_t snapshot_pid;          /* the snapshot writer child, 0 when none */
    kr_snapshot_id snapshot_id;  /* what it writes */
    int64_t snapshot_t0_ms;
    int32_t bootstrap_epoch; /* epoch in which bootstrap records were proposed */
    int32_t finalize_epoch;  /* epoch in which POST_MIGRATION was proposed */
    enum kr_raft_role last_role;
    int32_t last_epoch, last_leader;
    int in_ready;            /* nesting guard for proposals */
    bool in_handle;          /* inside handle_ready: inputs are deferred */
    kr_raft_msg deferred[16]; /* synthesized responses that arrived inside a ready */
    size_t deferred_n;
    bool stopping, fatal;
    int handles_open;
    /* the client listener (controller_client.c) */
    kr_net_server *client_server;
    kr_client_node client_nodes[KR_RAFT_MAX_VOTERS];
    kr_net_request *wq[KR_CTL_MAX_WRITE_QUEUE]; /* writes waiting, ring */
    size_t wq_head, wq_n;
    struct {
        kr_net_request *req; /* NULL: no write in flight */
        kr_write_plan plan;  /* in req's arena */
        int64_t last_offset; /* of its batch */
        int32_t epoch;
        uint64_t since_ms;   /* uv_now when proposed */
        /* a timed-out write may still commit: no new plan before it is
         * applied (or the epoch ends), so plans never overlap */
        int64_t barrier_offset;
        int32_t barrier_epoch;
    } write;
};

/* controller.c: feed the core and handle what it produces. */
void kr_ctl_step(kr_controller *c, const kr_raft_msg *m);
void kr_ctl_fatal(kr_controller *c, const kr_error *err, const char *what);
int64_t kr_ctl_wall_ms(void);

/* Leader only, between readies: appends one batch (records already framed). */
int kr_ctl_propose(kr_controller *c, const uint8_t *batch, size_t len, uint32_t record_count, kr_raft_batch *out,
                   kr_error *err);

/* controller_client.c: the Kafka client listener. */
int kr_ctl_client_start(kr_controller *c, kr_net_handler_fn describe_quorum, kr_error *err);
void kr_ctl_client_stop(kr_controller *c);
/* After each ready: answers the write in flight once committed and applied. */
void kr_ctl_client_after_ready(kr_controller *c);
/* Starts the next queued write when none is in flight (tick). */
void kr_ctl_client_pump(kr_controller *c);
/* Controller-listener handler for writes forwarded by a non-leader. */
void kr_ctl_on_forwarded_write(void *ctx, kr_net_request *req, void *body);

/* controller_rpc.c: the network side. */
int kr_ctl_rpc_start(kr_controller *c, kr_error *err);
void kr_ctl_rpc_stop(kr_controller *c);
/* Sends one message of a ready (requests to a peer, responses to a parked request). */
void kr_ctl_send(kr_controller *c, const kr_raft_msg *m);
/* Answers requests the core has held too long. */
void kr_ctl_sweep_inbound(kr_controller *c);

#endif
