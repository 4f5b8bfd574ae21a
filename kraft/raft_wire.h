/*
 * Translation between the Raft core's messages (kraft/raft.h) and the
 * generated Kafka RPC structs (kraft/gen/rpc_messages.h): Vote, BeginQuorumEpoch,
 * EndQuorumEpoch, Fetch, FetchSnapshot, and DescribeQuorum from the core's view.
 * The one place that knows the topic/partition framing, ClusterId checks and
 * which versions this node sends (kraft-raft.md §6.2, §11, §14.3, §16, §18).
 */
#ifndef KRAFT_RAFT_WIRE_H
#define KRAFT_RAFT_WIRE_H

#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/raft.h"
#include "kraft/wire.h"

#define KR_API_FETCH 1
#define KR_API_VOTE 52
#define KR_API_BEGIN_QUORUM_EPOCH 53
#define KR_API_END_QUORUM_EPOCH 54
#define KR_API_FETCH_SNAPSHOT 59
#define KR_METADATA_TOPIC "__cluster_metadata"

/* Kafka error codes answered here rather than by the core. */
#define KR_E_UNKNOWN_TOPIC_OR_PARTITION 3
#define KR_E_INCONSISTENT_CLUSTER_ID 104

/* The api key a core message travels under. */
int16_t kr_raft_wire_api_key(enum kr_raft_msg_type type);
/* The version this node sends a request at (the peer is another zk2kraft or
 * Kafka 3.9 controller; both serve these). */
int16_t kr_raft_wire_request_version(int16_t api_key);

/* A core request as a kr_<Name>Request allocated in `a`. */
void *kr_raft_wire_encode_request(const kr_raft_msg *m, const char *cluster_id, kr_arena *a,
                                  kr_error *err);

/* A decoded kr_<Name>Request as a core message (from = the sender's node id,
 * to = self). Returns 0, or a Kafka error code to answer at the top level
 * (INCONSISTENT_CLUSTER_ID, INVALID_REQUEST for a wrong topic/partition). */
int16_t kr_raft_wire_decode_request(int16_t api_key, int16_t version, const void *req,
                                    const char *cluster_id, int32_t self, kr_raft_msg *out);

/* A core response as a kr_<Name>Response in `a`. `records` holds the Fetch
 * batches or the FetchSnapshot bytes the caller read (may be empty). */
void *kr_raft_wire_encode_response(const kr_raft_msg *m, kr_bytes records, kr_arena *a,
                                   kr_error *err);
/* A response carrying only a top-level error code. */
void *kr_raft_wire_error_response(int16_t api_key, int16_t error_code, kr_arena *a);

/* A decoded kr_<Name>Response as a core message. Fetch records are checked
 * batch by batch (framing, CRC, KRaft rules) and listed in `a`; their payloads
 * point into the response. A top-level error or a malformed body fails. */
int kr_raft_wire_decode_response(int16_t api_key, const void *resp, kr_arena *a, kr_raft_msg *out,
                                 kr_error *err);

/* DescribeQuorum answered from the core (§16): leader view, or
 * NOT_LEADER_OR_FOLLOWER. Core times are turned into wall-clock ms. */
void kr_raft_wire_describe_quorum(const kr_raft *r, const kr_DescribeQuorumRequest *req,
                                  int64_t core_now_ms, int64_t wall_now_ms, kr_arena *a,
                                  kr_DescribeQuorumResponse *out);

#endif
