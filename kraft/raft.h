/* KRaft consensus core (Kafka 3.9, spec kraft-raft.md) as a pure state machine.
 *
 * Inputs: kr_raft_step (a message), kr_raft_tick (elapsed ms), kr_raft_propose
 * (a local append on the leader), kr_raft_resign, snapshot notifications.
 * Outputs: after every input the caller reads kr_raft_ready() and handles it
 * IN THIS ORDER, then calls kr_raft_advance() before the next input:
 *   1. quorum_state: write + fsync quorum-state (file and directory);
 *   2. snapshot_chunk / snapshot_abort / snapshot_install (freeze, then empty
 *      the log onto the snapshot);
 *   3. truncate_to: remove every log offset >= truncate_to;
 *   4. appends: append the batches, then fsync the log if log_fsync;
 *   5. log_start_offset_changed: delete segments and snapshots below it;
 *   6. msgs: send (only now: every message reflects state made durable above);
 *   7. high_watermark: deliver committed batches (offsets < HW) to the state machine.
 * Nothing in a ready is visible to anyone until steps 1-5 are durable, so a
 * crash part-way through a ready loses only what was never acknowledged.
 *
 * No sockets, no clock reads, no randomness of its own (cfg.rand), no malloc
 * except when the epoch table grows by a new epoch. Payload bytes are opaque. */
#ifndef KRAFT_RAFT_H
#define KRAFT_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/raft_log.h"

#define KR_RAFT_MAX_VOTERS 9
#define KR_RAFT_MAX_REPLICAS 32 /* voters + observers the leader tracks */
#define KR_RAFT_MAX_MSGS 96
#define KR_RAFT_LEADER_CHANGE_MAX 512 /* bytes of an encoded LeaderChange batch */

/* Kafka error codes used by the protocol (kraft-raft.md §18.1). */
enum kr_raft_errcode {
    KR_E_NONE = 0,
    KR_E_UNKNOWN_SERVER_ERROR = -1,
    KR_E_NOT_LEADER_OR_FOLLOWER = 6,
    KR_E_BROKER_NOT_AVAILABLE = 8,
    KR_E_INVALID_REQUEST = 42,
    KR_E_FENCED_LEADER_EPOCH = 74,
    KR_E_UNKNOWN_LEADER_EPOCH = 75,
    KR_E_SNAPSHOT_NOT_FOUND = 98,
    KR_E_POSITION_OUT_OF_RANGE = 99,
    KR_E_INVALID_VOTER_KEY = 125,
};

/* Voted is Kafka's Unattached-with-a-vote (one class in 3.9, named here for clarity). */
enum kr_raft_role {
    KR_RAFT_UNATTACHED,
    KR_RAFT_VOTED,
    KR_RAFT_CANDIDATE,
    KR_RAFT_LEADER,
    KR_RAFT_FOLLOWER,
    KR_RAFT_RESIGNED,
};
const char *kr_raft_role_name(enum kr_raft_role role);

/* A batch: offsets [base_offset, last_offset], the appending leader's epoch and
 * opaque bytes (a Kafka RecordBatch; the core never parses it). The caller
 * stamps base_offset and epoch into the batch header when writing. */
typedef struct kr_raft_batch {
    int64_t base_offset;
    int64_t last_offset;
    int32_t epoch;
    const uint8_t *payload;
    size_t payload_len;
} kr_raft_batch;

/* QuorumStateData fields the core owns (-1 = none). */
typedef struct kr_quorum_state {
    int32_t leader_id;
    int32_t leader_epoch;
    int32_t voted_id;
} kr_quorum_state;

typedef struct kr_leader_id_and_epoch {
    int32_t leader_id;
    int32_t leader_epoch;
} kr_leader_id_and_epoch;

/* Message bodies: the partition-level fields of the Kafka 3.9 schemas, same
 * names in snake_case. The codec adds ClusterId, Topics/Partitions framing
 * (always __cluster_metadata-0) and rejects mismatches (§6.2 steps 1-2). */
typedef struct kr_vote_request {
    int32_t voter_id; /* v1; -1 when absent */
    int32_t candidate_epoch;
    int32_t candidate_id;
    int32_t last_offset_epoch;
    int64_t last_offset;
} kr_vote_request;

typedef struct kr_vote_response {
    int16_t error_code;
    int32_t leader_id;
    int32_t leader_epoch;
    bool vote_granted;
} kr_vote_response;

typedef struct kr_begin_quorum_epoch_request {
    int32_t voter_id; /* v1; -1 when absent */
    int32_t leader_id;
    int32_t leader_epoch;
} kr_begin_quorum_epoch_request;

/* BeginQuorumEpochResponse and EndQuorumEpochResponse have the same fields. */
typedef struct kr_quorum_epoch_response {
    int16_t error_code;
    int32_t leader_id;
    int32_t leader_epoch;
} kr_quorum_epoch_response;

typedef struct kr_end_quorum_epoch_request {
    int32_t leader_id;
    int32_t leader_epoch;
    int32_t preferred_successors[KR_RAFT_MAX_VOTERS]; /* v0 list; v1 PreferredCandidates ids */
    uint32_t preferred_successors_count;
} kr_end_quorum_epoch_request;

typedef struct kr_fetch_request {
    int32_t replica_id; /* ReplicaState.ReplicaId; -1 = not a replica */
    int32_t max_wait_ms;
    int32_t max_bytes;
    int32_t current_leader_epoch;
    int64_t fetch_offset;
    int32_t last_fetched_epoch;
} kr_fetch_request;

typedef struct kr_fetch_response {
    int16_t error_code;
    int64_t high_watermark; /* -1 unknown */
    int64_t log_start_offset;
    kr_leader_id_and_epoch current_leader;
    kr_epoch_end diverging_epoch; /* epoch -1: absent */
    kr_snapshot_id snapshot_id;   /* -1/-1: absent */
    /* Records. Outgoing (leader): the caller reads whole batches from its log
     * in [records_from_offset, records_to_offset), at least one and at most
     * records_max_bytes; empty when from == to. Incoming: the codec decodes
     * the batch headers into records/records_count (payload pointers must stay
     * valid until kr_raft_advance). */
    int64_t records_from_offset, records_to_offset;
    int32_t records_max_bytes;
    const kr_raft_batch *records;
    size_t records_count;
} kr_fetch_response;

typedef struct kr_fetch_snapshot_request {
    int32_t replica_id;
    int32_t max_bytes;
    int32_t current_leader_epoch;
    kr_snapshot_id snapshot_id;
    int64_t position;
} kr_fetch_snapshot_request;

typedef struct kr_fetch_snapshot_response {
    int16_t error_code;
    kr_snapshot_id snapshot_id;
    kr_leader_id_and_epoch current_leader;
    int64_t size;
    int64_t position;
    /* Outgoing: the caller fills bytes [position, position + len) of the
     * snapshot file. Incoming: the received bytes. */
    const uint8_t *unaligned_records;
    size_t unaligned_records_len;
} kr_fetch_snapshot_response;

enum kr_raft_msg_type {
    KR_MSG_VOTE_REQUEST,
    KR_MSG_VOTE_RESPONSE,
    KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST,
    KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE,
    KR_MSG_END_QUORUM_EPOCH_REQUEST,
    KR_MSG_END_QUORUM_EPOCH_RESPONSE,
    KR_MSG_FETCH_REQUEST,
    KR_MSG_FETCH_RESPONSE,
    KR_MSG_FETCH_SNAPSHOT_REQUEST,
    KR_MSG_FETCH_SNAPSHOT_RESPONSE,
};
const char *kr_raft_msg_type_name(enum kr_raft_msg_type type);

/* A request carries the correlation id the core chose; the network layer puts
 * it in the request header and copies it onto the response. A response sent by
 * the core carries the request's correlation id. */
typedef struct kr_raft_msg {
    enum kr_raft_msg_type type;
    int32_t from, to;
    uint32_t correlation_id;
    union {
        kr_vote_request vote_req;
        kr_vote_response vote_resp;
        kr_begin_quorum_epoch_request begin_req;
        kr_quorum_epoch_response begin_resp;
        kr_end_quorum_epoch_request end_req;
        kr_quorum_epoch_response end_resp;
        kr_fetch_request fetch_req;
        kr_fetch_response fetch_resp;
        kr_fetch_snapshot_request snap_req;
        kr_fetch_snapshot_response snap_resp;
    } u;
} kr_raft_msg;

/* Content of the LeaderChangeMessage control record (§7 step 3). */
typedef struct kr_leader_change {
    int32_t leader_id;
    int32_t epoch;
    int64_t base_offset;
    const int32_t *voters;
    size_t voter_count;
    const int32_t *granting_voters;
    size_t granting_voter_count;
} kr_leader_change;

typedef struct kr_raft_config {
    int32_t node_id;
    int32_t voters[KR_RAFT_MAX_VOTERS]; /* controller.quorum.voters ids */
    size_t voter_count;
    uint32_t election_timeout_ms;     /* 1000 */
    uint32_t election_backoff_max_ms; /* 1000 */
    uint32_t fetch_timeout_ms;        /* 2000 */
    uint32_t request_timeout_ms;      /* 2000 */
    uint32_t retry_backoff_ms;        /* 20 */
    uint32_t fetch_max_wait_ms;       /* 500 */
    int32_t fetch_max_bytes;          /* 8 MiB */
    int32_t fetch_snapshot_max_bytes; /* 8 MiB */
    bool always_flush;                /* observers fsync appends too (controllers do) */
    /* Injected randomness: returns a uniformly random 64-bit value. */
    uint64_t (*rand)(void *ctx);
    void *rand_ctx;
    /* Encodes the LEADER_CHANGE control batch into buf (cap bytes); returns its
     * length (0 < len <= cap) and the number of records through *record_count.
     * NULL: a 1-record batch with an empty payload. */
    size_t (*leader_change_payload)(void *ctx, const kr_leader_change *lc, uint8_t *buf,
                                    size_t cap, uint32_t *record_count);
    void *leader_change_ctx;
} kr_raft_config;

/* Fills Kafka's defaults for the timeouts and sizes. */
void kr_raft_config_defaults(kr_raft_config *cfg);

typedef struct kr_raft_ready {
    bool quorum_state_changed; /* 1 */
    kr_quorum_state quorum_state;
    /* 2. Snapshot download on a follower. */
    bool snapshot_chunk_present;
    kr_snapshot_id snapshot_chunk_id;
    int64_t snapshot_chunk_position;
    const uint8_t *snapshot_chunk;
    size_t snapshot_chunk_len;
    bool snapshot_abort;   /* drop the partial download */
    bool snapshot_install; /* freeze snapshot_install_id, empty the log onto it */
    kr_snapshot_id snapshot_install_id;
    int64_t truncate_to; /* 3; -1 = none */
    const kr_raft_batch *appends; /* 4 */
    size_t append_count;
    bool log_fsync;
    bool log_start_offset_changed; /* 5 */
    int64_t log_start_offset;
    kr_raft_msg msgs[KR_RAFT_MAX_MSGS]; /* 6 */
    size_t msg_count;
    bool high_watermark_changed; /* 7 */
    int64_t high_watermark;
    /* Soft state, always current (not persisted). */
    enum kr_raft_role role;
    int32_t leader_id;
    int32_t epoch;
} kr_raft_ready;

typedef struct kr_raft kr_raft;

/* Start-up: create, load what storage holds, then start. */
int kr_raft_create(kr_raft **out, const kr_raft_config *cfg, kr_error *err);
void kr_raft_destroy(kr_raft *r);
/* Snapshots on disk, oldest first (the bootstrap 0-0 snapshot is not passed). */
int kr_raft_load_snapshot(kr_raft *r, kr_snapshot_id id, int64_t size_bytes, kr_error *err);
/* The log start offset (0, or the end offset of the earliest loaded snapshot). */
int kr_raft_load_log_start(kr_raft *r, int64_t log_start_offset, kr_error *err);
/* Batch headers of the log, in order (batches wholly below the log start are skipped). */
int kr_raft_load_batch(kr_raft *r, int64_t base_offset, int64_t last_offset, int32_t epoch,
                       kr_error *err);
/* Runs QuorumState.initialize (§3.2) on the stored quorum-state (NULL = missing
 * file). Produces a ready (the state written back). */
int kr_raft_start(kr_raft *r, const kr_quorum_state *stored, kr_error *err);

/* Inputs. Each fills the ready; handle it, then kr_raft_advance. */
void kr_raft_step(kr_raft *r, const kr_raft_msg *msg);
void kr_raft_tick(kr_raft *r, uint32_t elapsed_ms);
/* Leader only: appends one batch of record_count records. Fails with
 * KR_ERR_INVALID when not leader. *out gets the assigned offsets and epoch. */
int kr_raft_propose(kr_raft *r, const uint8_t *payload, size_t len, uint32_t record_count,
                    kr_raft_batch *out, kr_error *err);
/* Graceful resignation (SIGTERM): Resigned + EndQuorumEpoch with preferred
 * successors. No-op unless leader. */
void kr_raft_resign(kr_raft *r);
/* The state machine wrote a snapshot at a committed point (§14.2). */
int kr_raft_snapshot_created(kr_raft *r, kr_snapshot_id id, int64_t size_bytes, kr_error *err);
/* Log cleaning (§15): moves the log start to the latest snapshot. */
void kr_raft_clean(kr_raft *r);

const kr_raft_ready *kr_raft_ready_get(const kr_raft *r);
bool kr_raft_has_ready(const kr_raft *r);
/* Everything in the ready has been made durable and sent. */
void kr_raft_advance(kr_raft *r);

/* Read-only views. */
enum kr_raft_role kr_raft_role_of(const kr_raft *r);
int32_t kr_raft_epoch(const kr_raft *r);
int32_t kr_raft_leader(const kr_raft *r);
int32_t kr_raft_voted(const kr_raft *r);
int64_t kr_raft_high_watermark(const kr_raft *r); /* -1 unknown */
int64_t kr_raft_end_offset(const kr_raft *r);
int64_t kr_raft_epoch_start_offset(const kr_raft *r); /* leader only, else -1 */
const kr_raft_log *kr_raft_log_of(const kr_raft *r);
bool kr_raft_is_voter(const kr_raft *r);
/* Safety violations seen on input (inconsistent leader, divergence below the
 * HW, snapshot position mismatch). The offending input is refused. */
uint64_t kr_raft_violations(const kr_raft *r, const char **last_reason);

/* DescribeQuorum (§16) as seen by the leader. */
typedef struct kr_replica_info {
    int32_t replica_id;
    int64_t log_end_offset;           /* -1 never fetched */
    int64_t last_fetch_ms;            /* core time (sum of ticks), -1 never */
    int64_t last_caught_up_ms;        /* -1 never */
} kr_replica_info;
typedef struct kr_quorum_info {
    int32_t leader_id, leader_epoch;
    int64_t high_watermark;
    kr_replica_info voters[KR_RAFT_MAX_VOTERS];
    size_t voter_count;
    kr_replica_info observers[KR_RAFT_MAX_REPLICAS];
    size_t observer_count;
} kr_quorum_info;
/* Returns false (NOT_LEADER_OR_FOLLOWER) unless leader. */
bool kr_raft_describe(const kr_raft *r, kr_quorum_info *out);

#endif
