/* The controller's network side: inbound KRaft requests to the core (and its
 * responses back to the right connection), outbound requests to the other
 * voters through one async client each (and their responses to the core),
 * DescribeQuorum and DescribeCluster answered from the core's view. */
#include "kraft/controller_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/kafka_frame.h"
#include "kraft/raft_wire.h"

#define INBOUND_MAX_AGE_SLACK_MS 3000 /* beyond fetch max wait + request timeout */

/* ---------- inbound ---------- */

static kr_ctl_inbound *inbound_slot(kr_controller *c) {
    for (size_t i = 0; i < KR_CTL_MAX_INBOUND; i++)
        if (!c->inbound[i].req) return &c->inbound[i];
    return NULL;
}

static kr_ctl_inbound *inbound_find(kr_controller *c, uint32_t id) {
    for (size_t i = 0; i < KR_CTL_MAX_INBOUND; i++)
        if (c->inbound[i].req && c->inbound[i].correlation_id == id) return &c->inbound[i];
    return NULL;
}

static void respond(kr_controller *c, kr_net_request *req, const void *resp) {
    kr_error err;
    if (!resp) {
        kr_net_request_drop(req, "out of memory building a response");
        return;
    }
    if (kr_net_respond(req, resp, &err) != KR_OK)
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "respond: %s", err.message);
}

static void on_raft_request(void *ctx, kr_net_request *req, void *body) {
    kr_controller *c = ctx;
    const kr_RequestHeader *h = kr_net_request_header(req);
    kr_arena *a = kr_net_request_arena(req);
    if (c->stopping) {
        respond(c, req, kr_raft_wire_error_response(h->RequestApiKey, KR_E_BROKER_NOT_AVAILABLE, a));
        return;
    }
    kr_raft_msg m;
    int16_t e = kr_raft_wire_decode_request(h->RequestApiKey, h->RequestApiVersion, body, c->cluster_id,
                                            c->cfg.node_id, &m);
    kr_ctl_inbound *slot = e ? NULL : inbound_slot(c);
    if (e || !slot) {
        if (e)
            kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "%s: api key %d refused with error %d",
                             kr_net_request_peer(req), h->RequestApiKey, e);
        respond(c, req, kr_raft_wire_error_response(h->RequestApiKey, e ? e : KR_E_BROKER_NOT_AVAILABLE, a));
        return;
    }
    uint32_t id = ++c->next_inbound_id;
    *slot = (kr_ctl_inbound){req, id, h->RequestApiKey, uv_now(c->loop)};
    m.correlation_id = id;
    kr_ctl_step(c, &m);
}

/* v2 Nodes: every voter's endpoint from controller.quorum.voters, under this
 * node's controller listener name (the name is cluster-wide). */
static void add_voter_nodes(kr_controller *c, kr_arena *a, kr_DescribeQuorumResponse *resp) {
    size_t n = c->cfg.voter_count;
    kr_DescribeQuorumResponse_Node *nodes = kr_arena_alloc(a, sizeof *nodes * n);
    kr_DescribeQuorumResponse_Listener *ls = kr_arena_alloc(a, sizeof *ls * n);
    if (!nodes || !ls) return;
    for (size_t i = 0; i < n; i++) {
        kr_DescribeQuorumResponse_Node_init(&nodes[i]);
        kr_DescribeQuorumResponse_Listener_init(&ls[i]);
        ls[i].Name = kr_str_c(c->cfg.listener_name);
        ls[i].Host = kr_str_c(c->cfg.voters[i].host);
        ls[i].Port = c->cfg.voters[i].port;
        nodes[i].NodeId = c->cfg.voters[i].id;
        nodes[i].Listeners = (kr_DescribeQuorumResponse_Listener_array){&ls[i], 1};
    }
    resp->Nodes = (kr_DescribeQuorumResponse_Node_array){nodes, (int32_t)n};
}

static void on_describe_quorum(void *ctx, kr_net_request *req, void *body) {
    kr_controller *c = ctx;
    kr_arena *a = kr_net_request_arena(req);
    kr_DescribeQuorumResponse *resp = kr_arena_alloc(a, sizeof *resp);
    if (resp) {
        kr_raft_wire_describe_quorum(c->raft, body, c->core_now_ms, kr_ctl_wall_ms(), a, resp);
        if (kr_net_request_header(req)->RequestApiVersion >= 2 && resp->Topics.n == 1 &&
            resp->Topics.v[0].Partitions.n == 1 && resp->Topics.v[0].Partitions.v[0].ErrorCode == 0)
            add_voter_nodes(c, a, resp);
    }
    respond(c, req, resp);
}

static void on_describe_cluster(void *ctx, kr_net_request *req, void *body) {
    (void)body;
    kr_controller *c = ctx;
    kr_arena *a = kr_net_request_arena(req);
    kr_DescribeClusterResponse *resp = kr_arena_alloc(a, sizeof *resp);
    kr_DescribeClusterResponse_DescribeClusterBroker *b =
        kr_arena_alloc(a, sizeof *b * (c->cfg.voter_count + 1));
    if (!resp || !b) {
        respond(c, req, NULL);
        return;
    }
    kr_DescribeClusterResponse_init(resp);
    resp->EndpointType = 2; /* controllers */
    resp->ClusterId = kr_str_c(c->cluster_id);
    resp->ControllerId = kr_raft_leader(c->raft);
    for (size_t i = 0; i < c->cfg.voter_count; i++) {
        kr_DescribeClusterResponse_DescribeClusterBroker_init(&b[i]);
        b[i].BrokerId = c->cfg.voters[i].id;
        b[i].Host = kr_str_c(c->cfg.voters[i].host);
        b[i].Port = c->cfg.voters[i].port;
    }
    resp->Brokers = (kr_DescribeClusterResponse_DescribeClusterBroker_array){b, (int32_t)c->cfg.voter_count};
    respond(c, req, resp);
}

/* A response of the core to a parked request: fill records, encode, answer. */
static void send_response(kr_controller *c, const kr_raft_msg *m) {
    kr_ctl_inbound *in = inbound_find(c, m->correlation_id);
    if (!in) return; /* swept, or the connection closed and it was answered */
    kr_net_request *req = in->req;
    in->req = NULL;
    kr_arena *a = kr_net_request_arena(req);
    kr_bytes records = {NULL, 0};
    kr_buf buf = {0};
    kr_error err;
    kr_raft_msg copy = *m;
    if (m->type == KR_MSG_FETCH_RESPONSE && m->u.fetch_resp.error_code == KR_E_NONE &&
        m->u.fetch_resp.records_from_offset < m->u.fetch_resp.records_to_offset) {
        const kr_fetch_response *f = &m->u.fetch_resp;
        size_t max = f->records_max_bytes > 0 ? (size_t)f->records_max_bytes : 1;
        if (kr_raft_store_read_batches(c->store, f->records_from_offset, f->records_to_offset, max, &buf, &err) !=
            KR_OK)
            kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "fetch from %d: %s", m->to, err.message);
    } else if (m->type == KR_MSG_FETCH_SNAPSHOT_RESPONSE && m->u.snap_resp.error_code == KR_E_NONE) {
        int64_t size = 0;
        if (kr_raft_store_read_snapshot(c->store, m->u.snap_resp.snapshot_id, m->u.snap_resp.position,
                                        m->u.snap_resp.unaligned_records_len, &buf, &size, &err) != KR_OK) {
            kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "fetch snapshot from %d: %s", m->to, err.message);
            copy.u.snap_resp.error_code = KR_E_SNAPSHOT_NOT_FOUND;
        }
    }
    if (buf.len) {
        uint8_t *p = kr_arena_alloc(a, buf.len);
        if (p) {
            memcpy(p, buf.data, buf.len);
            records = (kr_bytes){p, (int32_t)buf.len};
        }
    }
    kr_buf_free(&buf);
    respond(c, req, kr_raft_wire_encode_response(&copy, records, a, &err));
}

void kr_ctl_sweep_inbound(kr_controller *c) {
    uint64_t now = uv_now(c->loop);
    uint64_t max_age = (uint64_t)c->cfg.request_timeout_ms + INBOUND_MAX_AGE_SLACK_MS;
    for (size_t i = 0; i < KR_CTL_MAX_INBOUND; i++) {
        kr_ctl_inbound *in = &c->inbound[i];
        if (!in->req || now - in->since_ms < max_age) continue;
        kr_net_request *req = in->req;
        in->req = NULL;
        respond(c, req, kr_raft_wire_error_response(in->api_key, KR_E_BROKER_NOT_AVAILABLE,
                                                    kr_net_request_arena(req)));
    }
}

/* ---------- outbound ---------- */

typedef struct outbound {
    kr_controller *c;
    int32_t peer;
    uint32_t correlation_id;
    int16_t api_key;
    enum kr_raft_msg_type type; /* of the request */
} outbound;

static kr_ctl_peer *peer_of(kr_controller *c, int32_t id) {
    for (size_t i = 0; i < c->peer_count; i++)
        if (c->peers[i].id == id) return &c->peers[i];
    return NULL;
}

/* A lost response reads as BROKER_NOT_AVAILABLE from no leader (§6.3): the
 * core backs off and retries instead of waiting for its request timeout. */
static void synthesize_unavailable(kr_controller *c, const outbound *o) {
    kr_raft_msg m;
    memset(&m, 0, sizeof m);
    m.from = o->peer;
    m.to = c->cfg.node_id;
    m.correlation_id = o->correlation_id;
    int32_t epoch = kr_raft_epoch(c->raft);
    switch (o->type) {
    case KR_MSG_VOTE_REQUEST:
        m.type = KR_MSG_VOTE_RESPONSE;
        m.u.vote_resp = (kr_vote_response){KR_E_BROKER_NOT_AVAILABLE, -1, epoch, false};
        break;
    case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST:
        m.type = KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE;
        m.u.begin_resp = (kr_quorum_epoch_response){KR_E_BROKER_NOT_AVAILABLE, -1, epoch};
        break;
    case KR_MSG_END_QUORUM_EPOCH_REQUEST:
        m.type = KR_MSG_END_QUORUM_EPOCH_RESPONSE;
        m.u.end_resp = (kr_quorum_epoch_response){KR_E_BROKER_NOT_AVAILABLE, -1, epoch};
        break;
    case KR_MSG_FETCH_REQUEST:
        m.type = KR_MSG_FETCH_RESPONSE;
        m.u.fetch_resp.error_code = KR_E_BROKER_NOT_AVAILABLE;
        m.u.fetch_resp.high_watermark = -1;
        m.u.fetch_resp.current_leader = (kr_leader_id_and_epoch){-1, epoch};
        m.u.fetch_resp.diverging_epoch = (kr_epoch_end){-1, -1};
        m.u.fetch_resp.snapshot_id = (kr_snapshot_id){-1, -1};
        break;
    case KR_MSG_FETCH_SNAPSHOT_REQUEST:
        m.type = KR_MSG_FETCH_SNAPSHOT_RESPONSE;
        m.u.snap_resp.error_code = KR_E_BROKER_NOT_AVAILABLE;
        m.u.snap_resp.current_leader = (kr_leader_id_and_epoch){-1, epoch};
        m.u.snap_resp.snapshot_id = (kr_snapshot_id){-1, -1};
        break;
    default: return;
    }
    kr_ctl_step(c, &m);
}

static void on_response(void *ctx, kr_net_result result, const char *detail, void *response, kr_arena *arena) {
    outbound *o = ctx;
    kr_controller *c = o->c;
    if (result == KR_NET_CLOSED || c->stopping) {
        free(o);
        return;
    }
    if (result != KR_NET_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_DEBUG, "%s to %d: %s (%s)", kr_raft_msg_type_name(o->type), o->peer,
                         kr_net_result_name(result), detail ? detail : "");
        synthesize_unavailable(c, o);
        free(o);
        return;
    }
    kr_raft_msg m;
    memset(&m, 0, sizeof m);
    kr_error err;
    if (kr_raft_wire_decode_response(o->api_key, response, arena, &m, &err) != KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "response from %d: %s", o->peer, err.message);
        synthesize_unavailable(c, o);
        free(o);
        return;
    }
    m.from = o->peer;
    m.to = c->cfg.node_id;
    m.correlation_id = o->correlation_id;
    free(o);
    kr_ctl_step(c, &m); /* record payloads live in `arena` until this returns */
}

static void send_request(kr_controller *c, const kr_raft_msg *m) {
    kr_ctl_peer *p = peer_of(c, m->to);
    if (!p || !p->client) return;
    kr_arena a = {0};
    kr_error err;
    int16_t api = kr_raft_wire_api_key(m->type);
    void *req = kr_raft_wire_encode_request(m, c->cluster_id, &a, &err);
    outbound *o = req ? malloc(sizeof *o) : NULL;
    if (o) {
        *o = (outbound){c, m->to, m->correlation_id, api, m->type};
        if (kr_async_client_send(p->client, api, kr_raft_wire_request_version(api), req, on_response, o, &err) !=
            KR_OK) {
            kr_logger_printf(&c->log, KR_LOG_LEVEL_DEBUG, "%s to %d not sent: %s", kr_raft_msg_type_name(m->type),
                             m->to, err.message);
            free(o);
        }
    }
    kr_arena_free(&a);
}

void kr_ctl_send(kr_controller *c, const kr_raft_msg *m) {
    switch (m->type) {
    case KR_MSG_VOTE_REQUEST:
    case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST:
    case KR_MSG_END_QUORUM_EPOCH_REQUEST:
    case KR_MSG_FETCH_REQUEST:
    case KR_MSG_FETCH_SNAPSHOT_REQUEST: send_request(c, m); break;
    default: send_response(c, m); break;
    }
}

/* ---------- start / stop ---------- */

int kr_ctl_rpc_start(kr_controller *c, kr_error *err) {
    const kr_net_api apis[] = {
        {KR_API_FETCH, 13, 17, on_raft_request, c},
        {KR_API_VOTE, 0, 1, on_raft_request, c},
        {KR_API_BEGIN_QUORUM_EPOCH, 0, 1, on_raft_request, c},
        {KR_API_END_QUORUM_EPOCH, 0, 1, on_raft_request, c},
        {KR_API_FETCH_SNAPSHOT, 0, 1, on_raft_request, c},
        {KR_API_DESCRIBE_QUORUM, 0, 2, on_describe_quorum, c},
        {KR_API_DESCRIBE_CLUSTER, 0, 1, on_describe_cluster, c},
    };
    /* plus the client write APIs, at the client listener's versions: writes a
     * non-leader forwards (controller_client.c) */
    kr_net_api all[KR_NET_MAX_APIS];
    size_t n = sizeof apis / sizeof *apis;
    memcpy(all, apis, sizeof apis);
    for (size_t i = 0; i < kr_client_api_count && n < KR_NET_MAX_APIS; i++)
        if (kr_client_apis[i].kind == KR_CLIENT_WRITE)
            all[n++] = (kr_net_api){kr_client_apis[i].api_key, kr_client_apis[i].min_version,
                                    kr_client_apis[i].max_version, kr_ctl_on_forwarded_write, c};
    kr_net_server_config sc = {.apis = all, .api_count = n, .logger = c->log};
    int rc = kr_net_server_start(c->loop, &sc, c->cfg.listen_host, c->cfg.listen_port, &c->server, err);
    if (rc != KR_OK) return kr_error_wrap(err, "listener %s", c->cfg.listener_name);
    rc = kr_ctl_client_start(c, on_describe_quorum, err);
    if (rc != KR_OK) return rc;
    char client_id[64];
    snprintf(client_id, sizeof client_id, "raft-client-%d", c->cfg.node_id);
    for (size_t i = 0; i < c->cfg.voter_count; i++) {
        const kr_controller_voter *v = &c->cfg.voters[i];
        if (v->id == c->cfg.node_id) continue;
        kr_async_client_config ac = {.host = v->host,
                                     .port = v->port,
                                     .request_timeout_ms = c->cfg.request_timeout_ms,
                                     .reconnect_backoff_ms = 50,
                                     .reconnect_backoff_max_ms = 500,
                                     .client_id = client_id,
                                     .logger = c->log};
        kr_ctl_peer *p = &c->peers[c->peer_count++];
        p->id = v->id;
        rc = kr_async_client_create(c->loop, &ac, &p->client, err);
        if (rc != KR_OK) return kr_error_wrap(err, "client for voter %d", v->id);
        if (c->cfg.client_listener_name[0]) {
            char fwd_id[64];
            snprintf(fwd_id, sizeof fwd_id, "forward-%d", c->cfg.node_id);
            ac.client_id = fwd_id;
            ac.request_timeout_ms = KR_CTL_WRITE_COMMIT_TIMEOUT_MS + 5000; /* the leader's own limit first */
            rc = kr_async_client_create(c->loop, &ac, &p->forward, err);
            if (rc != KR_OK) return kr_error_wrap(err, "forwarding client for voter %d", v->id);
        }
    }
    return KR_OK;
}

void kr_ctl_rpc_stop(kr_controller *c) {
    kr_ctl_client_stop(c);
    for (size_t i = 0; i < KR_CTL_MAX_INBOUND; i++)
        if (c->inbound[i].req) {
            kr_net_request *req = c->inbound[i].req;
            c->inbound[i].req = NULL;
            respond(c, req, kr_raft_wire_error_response(c->inbound[i].api_key, KR_E_BROKER_NOT_AVAILABLE,
                                                        kr_net_request_arena(req)));
        }
    for (size_t i = 0; i < c->peer_count; i++) {
        if (c->peers[i].client) {
            kr_async_client_close(c->peers[i].client);
            c->peers[i].client = NULL;
        }
        if (c->peers[i].forward) {
            kr_async_client_close(c->peers[i].forward);
            c->peers[i].forward = NULL;
        }
    }
    if (c->server) {
        kr_net_server_stop(c->server);
        c->server = NULL;
    }
}
