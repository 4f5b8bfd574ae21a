/*
 * A tool's conversation with a KRaft quorum over the controller listener
 * (kafka-api.md DescribeCluster, kraft-raft.md DescribeQuorum): connect to a
 * bootstrap controller, move to the active one, ask DescribeQuorum for
 * __cluster_metadata-0. Shared by `quorum describe` and the observer read
 * (metadata_fetch) so both find the leader the same way.
 */
#ifndef KRAFT_QUORUM_CLIENT_H
#define KRAFT_QUORUM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/net_client.h"

/* Connects to "host:port" and negotiates ApiVersions; client_id NULL = "zk2kraft". */
int kr_quorum_connect(kr_client *c, const char *host_port, uint32_t timeout_ms, const char *client_id,
                      kr_error *err);

/* DescribeCluster with EndpointType 2 (controllers): copies the cluster id into
 * cluster_id (left as is when not served), and reconnects c to the active
 * controller when that is another node. Not served at all: KR_OK, c unchanged. */
int kr_quorum_find_active(kr_client *c, char *cluster_id, size_t cluster_id_cap, kr_error *err);

/* DescribeQuorum for __cluster_metadata-0 (v0-v2). *part points into *resp
 * (arena-backed); errors name the peer and Kafka's error code and message.
 * *version is the version used. */
int kr_quorum_describe(kr_client *c, kr_DescribeQuorumResponse *resp,
                       const kr_DescribeQuorumResponse_PartitionData **part, int16_t *version, kr_arena *arena,
                       kr_error *err);

#endif
