#include "kraft/quorum_client.h"

#include <stdio.h>
#include <string.h>

#include "kraft/kafka_frame.h"
#include "kraft/raft_wire.h"

int kr_quorum_connect(kr_client *c, const char *host_port, uint32_t timeout_ms, const char *client_id,
                      kr_error *err) {
    char host[256];
    uint16_t port;
    int rc = kr_parse_host_port(host_port, host, sizeof host, &port, err);
    if (rc == KR_OK) rc = kr_client_connect(c, host, port, timeout_ms, err);
    if (rc != KR_OK) return rc;
    if (client_id) c->client_id = client_id;
    rc = kr_client_negotiate(c, err);
    if (rc != KR_OK) kr_client_close(c);
    return rc;
}

/* Kafka's "<code>[: <message>]" tail of an error. */
#define ERROR_TAIL(code, msg) (code), (msg).len > 0 ? ": " : "", (msg).len > 0 ? (msg).len : 0, (msg).ptr

int kr_quorum_find_active(kr_client *c, char *cluster_id, size_t cluster_id_cap, kr_error *err) {
    int16_t ver = kr_client_pick_version(c, KR_API_DESCRIBE_CLUSTER, 0, 1);
    if (ver < 0) return KR_OK;
    kr_arena arena = {0};
    kr_DescribeClusterRequest req;
    kr_DescribeClusterRequest_init(&req);
    if (ver >= 1) req.EndpointType = 2; /* v0 lists brokers: no move */
    kr_DescribeClusterResponse resp;
    int rc = kr_client_call(c, KR_API_DESCRIBE_CLUSTER, ver, &req, &resp, &arena, err);
    if (rc == KR_OK && resp.ErrorCode != 0)
        rc = kr_fail(err, KR_ERR_INVALID, "%s: DescribeCluster failed with error code %d%s%.*s", c->peer,
                     ERROR_TAIL(resp.ErrorCode, resp.ErrorMessage));
    char host[256] = "";
    int32_t port = 0;
    if (rc == KR_OK) {
        if (cluster_id_cap > 0 && resp.ClusterId.len >= 0)
            snprintf(cluster_id, cluster_id_cap, "%.*s", resp.ClusterId.len, resp.ClusterId.ptr);
        for (int32_t i = 0; ver >= 1 && i < resp.Brokers.n; i++)
            if (resp.Brokers.v[i].BrokerId == resp.ControllerId && resp.Brokers.v[i].Host.len > 0 &&
                resp.Brokers.v[i].Host.len < (int32_t)sizeof host) {
                snprintf(host, sizeof host, "%.*s", resp.Brokers.v[i].Host.len, resp.Brokers.v[i].Host.ptr);
                port = resp.Brokers.v[i].Port;
            }
    }
    kr_arena_free(&arena);
    if (rc != KR_OK || !host[0] || port <= 0 || port > 65535) return rc;
    char there[300];
    snprintf(there, sizeof there, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    if (!strcmp(there, c->peer)) return KR_OK;
    const char *client_id = c->client_id;
    uint32_t timeout_ms = c->timeout_ms;
    kr_client_close(c);
    rc = kr_client_connect(c, host, (uint16_t)port, timeout_ms, err);
    if (rc == KR_OK) {
        c->client_id = client_id;
        rc = kr_client_negotiate(c, err);
        if (rc != KR_OK) kr_client_close(c);
    }
    return rc != KR_OK ? kr_error_wrap(err, "active controller (from DescribeCluster)") : KR_OK;
}

int kr_quorum_describe(kr_client *c, kr_DescribeQuorumResponse *resp,
                       const kr_DescribeQuorumResponse_PartitionData **part, int16_t *version, kr_arena *arena,
                       kr_error *err) {
    *part = NULL;
    int16_t ver = kr_client_pick_version(c, KR_API_DESCRIBE_QUORUM, 0, 2);
    if (ver < 0) return kr_fail(err, KR_ERR_UNSUPPORTED, "%s does not serve DescribeQuorum (api key 55)", c->peer);
    *version = ver;
    kr_DescribeQuorumRequest req;
    kr_DescribeQuorumRequest_TopicData topic;
    kr_DescribeQuorumRequest_PartitionData p;
    kr_DescribeQuorumRequest_init(&req);
    kr_DescribeQuorumRequest_TopicData_init(&topic);
    kr_DescribeQuorumRequest_PartitionData_init(&p);
    topic.TopicName = kr_str_c(KR_METADATA_TOPIC);
    topic.Partitions = (kr_DescribeQuorumRequest_PartitionData_array){&p, 1};
    req.Topics = (kr_DescribeQuorumRequest_TopicData_array){&topic, 1};
    int rc = kr_client_call(c, KR_API_DESCRIBE_QUORUM, ver, &req, resp, arena, err);
    if (rc != KR_OK) return rc;
    if (resp->ErrorCode != 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: DescribeQuorum failed with error code %d%s%.*s", c->peer,
                       ERROR_TAIL(resp->ErrorCode, resp->ErrorMessage));
    if (resp->Topics.n != 1 || resp->Topics.v[0].Partitions.n != 1)
        return kr_fail(err, KR_ERR_INVALID, "%s: DescribeQuorum answered %d topics, expected one partition", c->peer,
                       resp->Topics.n);
    const kr_DescribeQuorumResponse_PartitionData *pd = &resp->Topics.v[0].Partitions.v[0];
    if (pd->ErrorCode != 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: DescribeQuorum partition error code %d%s%.*s (not the leader?)",
                       c->peer, ERROR_TAIL(pd->ErrorCode, pd->ErrorMessage));
    *part = pd;
    return KR_OK;
}
