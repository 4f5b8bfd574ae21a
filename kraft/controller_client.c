/* The controller's Kafka client listener (docs/controller.md, docs/client-api.md):
 * read APIs from the local image, SASL per connection, and admin writes
 * committed through Raft before they are answered. A non-leader forwards
 * writes to the leader's controller listener (which serves the write APIs
 * for exactly that) and relays the answer. */
#include "kraft/controller_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/client_api.h"
#include "kraft/client_write.h"
#include "kraft/record_batch.h"
#include "kraft/sasl_server.h"

#define KR_KAFKA_REQUEST_TIMED_OUT 7
#define KR_KAFKA_NOT_CONTROLLER 41
#define WRITE_BATCH_MAX_BYTES (8u << 20) /* one Raft batch */

/* ---------- per-connection SASL session (net_server hooks) ---------- */

static void conn_init(void *ctx, void *conn_ctx) {
    kr_controller *c = ctx;
    kr_sasl_session_init(conn_ctx, c->cfg.client_sasl_mechanisms, NULL);
}

static bool conn_gate(void *ctx, void *conn_ctx, int16_t api_key) {
    (void)ctx;
    /* ILLEGAL_STATE closes too: an error body for every API is not worth it (docs/client-api.md) */
    return kr_sasl_gate(conn_ctx, api_key) == KR_SASL_SERVE;
}

static void conn_api_versions(void *ctx, void *conn_ctx, int16_t version, kr_ApiVersionsResponse *resp,
                              kr_arena *arena) {
    kr_controller *c = ctx;
    if (resp->ErrorCode == 0)
        kr_client_api_versions_features(&c->sm.img, c->sm.applied_end > 0 ? c->sm.applied_end - 1 : -1, version,
                                        resp, arena);
    kr_sasl_api_versions_answered(conn_ctx, resp->ErrorCode);
}

static bool conn_raw_mode(void *ctx, void *conn_ctx) {
    (void)ctx;
    return ((kr_sasl_session *)conn_ctx)->phase == KR_SASL_PHASE_RAW_TOKENS;
}

static int conn_raw_frame(void *ctx, void *conn_ctx, const uint8_t *frame, size_t len, kr_bytes *out,
                          kr_arena *arena, kr_error *err) {
    kr_controller *c = ctx;
    return kr_sasl_raw_token(conn_ctx, &c->sm.img, frame, len, out, arena, err);
}

/* ---------- helpers ---------- */

static void respond(kr_controller *c, kr_net_request *req, const void *resp, bool close_after) {
    kr_error err;
    if (!resp) {
        kr_net_request_drop(req, "out of memory building a response");
        return;
    }
    int rc = close_after ? kr_net_respond_close(req, resp, &err) : kr_net_respond(req, resp, &err);
    if (rc != KR_OK) kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "client respond: %s", err.message);
}

static void client_ctx(kr_controller *c, kr_net_request *req, kr_client_ctx *ctx) {
    memset(ctx, 0, sizeof *ctx);
    ctx->cluster_id = c->cluster_id;
    ctx->node_id = c->cfg.node_id;
    ctx->leader_id = kr_raft_leader(c->raft);
    ctx->controllers = c->client_nodes;
    ctx->controller_count = c->cfg.client_endpoint_count;
    const kr_sasl_session *s = kr_net_request_conn_ctx(req);
    const char *p = s ? kr_sasl_principal(s) : NULL;
    ctx->principal = p ? p : "User:ANONYMOUS";
    ctx->static_config = c->cfg.static_config;
}

/* ---------- reads, DescribeQuorum, SASL ---------- */

static void on_read(void *ctx, kr_net_request *req, void *body) {
    kr_controller *c = ctx;
    const kr_RequestHeader *h = kr_net_request_header(req);
    kr_arena *a = kr_net_request_arena(req);
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(h->RequestApiKey);
    void *resp = codec ? kr_arena_alloc(a, codec->response_size) : NULL;
    kr_client_ctx cc;
    client_ctx(c, req, &cc);
    kr_error err;
    if (resp && kr_client_read(&cc, &c->sm.img, h->RequestApiKey, body, h->RequestApiVersion, resp, a, &err) != KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "%s: api key %d: %s", kr_net_request_peer(req),
                         h->RequestApiKey, err.message);
        resp = NULL;
    }
    respond(c, req, resp, false); /* encoded now, before the image changes */
}

static void on_sasl(void *ctx, kr_net_request *req, void *body) {
    kr_controller *c = ctx;
    kr_sasl_session *s = kr_net_request_conn_ctx(req);
    if (!s) {
        kr_net_request_drop(req, "connection closed");
        return;
    }
    const kr_RequestHeader *h = kr_net_request_header(req);
    kr_arena *a = kr_net_request_arena(req);
    if (h->RequestApiKey == 17 /* SaslHandshake */) {
        kr_SaslHandshakeResponse *r = kr_arena_alloc(a, sizeof *r);
        bool close_after = r ? kr_sasl_handshake(s, body, h->RequestApiVersion, r, a) : true;
        respond(c, req, r, close_after);
        return;
    }
    kr_SaslAuthenticateResponse *r = kr_arena_alloc(a, sizeof *r);
    bool close_after = r ? kr_sasl_authenticate(s, &c->sm.img, body, h->RequestApiVersion, r, a) : true;
    if (r && !close_after && s->phase == KR_SASL_PHASE_COMPLETE)
        kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "%s: authenticated as %s (%s)", kr_net_request_peer(req),
                         kr_sasl_principal(s), kr_sasl_mechanism_name(s->mechanism));
    else if (close_after)
        kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "%s: SASL authentication failed", kr_net_request_peer(req));
    respond(c, req, r, close_after);
}

/* ---------- writes ---------- */

static int plan_request(kr_controller *c, kr_net_request *req, kr_write_plan *plan, kr_error *err) {
    const kr_RequestHeader *h = kr_net_request_header(req);
    kr_arena *a = kr_net_request_arena(req);
    void *body = kr_net_request_body(req);
    const kr_image *img = &c->sm.img;
    int16_t v = h->RequestApiVersion;
    kr_write_ctx w;
    int rc = kr_write_ctx_init(&w, img, kr_ctl_wall_ms(), a, err);
    if (rc != KR_OK) return rc;
    memset(plan, 0, sizeof *plan);
    switch (h->RequestApiKey) {
    case KR_API_CREATE_TOPICS: return kr_plan_CreateTopics(&w, img, body, v, plan, a, err);
    case KR_API_DELETE_TOPICS: return kr_plan_DeleteTopics(&w, img, body, v, plan, a, err);
    case KR_API_CREATE_PARTITIONS: return kr_plan_CreatePartitions(&w, img, body, v, plan, a, err);
    case KR_API_ALTER_CONFIGS: return kr_plan_AlterConfigs(&w, img, body, v, plan, a, err);
    case KR_API_INCREMENTAL_ALTER_CONFIGS: return kr_plan_IncrementalAlterConfigs(&w, img, body, v, plan, a, err);
    case KR_API_CREATE_ACLS: return kr_plan_CreateAcls(&w, img, body, v, plan, a, err);
    case KR_API_DELETE_ACLS: return kr_plan_DeleteAcls(&w, img, body, v, plan, a, err);
    case KR_API_ALTER_CLIENT_QUOTAS: return kr_plan_AlterClientQuotas(&w, img, body, v, plan, a, err);
    case KR_API_ALTER_USER_SCRAM_CREDENTIALS: return kr_plan_AlterUserScramCredentials(&w, img, body, v, plan, a, err);
    default: return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d is not a write API", h->RequestApiKey);
    }
}

#define SET_ALL(T, field)                                                                                    \
    do {                                                                                                     \
        T *r_ = plan->response;                                                                              \
        for (int32_t i_ = 0; i_ < r_->field.n; i_++) {                                                       \
            r_->field.v[i_].ErrorCode = code;                                                                \
            r_->field.v[i_].ErrorMessage = kr_str_c(msg);                                                    \
        }                                                                                                    \
    } while (0)

/* Every item of a planned response fails with `code` (the plan's own
 * verdicts are void: nothing was committed). */
static void plan_fail_all(kr_write_plan *plan, int16_t code, const char *msg) {
    switch (plan->api_key) {
    case KR_API_CREATE_TOPICS: SET_ALL(kr_CreateTopicsResponse, Topics); break;
    case KR_API_DELETE_TOPICS: SET_ALL(kr_DeleteTopicsResponse, Responses); break;
    case KR_API_CREATE_PARTITIONS: SET_ALL(kr_CreatePartitionsResponse, Results); break;
    case KR_API_ALTER_CONFIGS: SET_ALL(kr_AlterConfigsResponse, Responses); break;
    case KR_API_INCREMENTAL_ALTER_CONFIGS: SET_ALL(kr_IncrementalAlterConfigsResponse, Responses); break;
    case KR_API_CREATE_ACLS: SET_ALL(kr_CreateAclsResponse, Results); break;
    case KR_API_DELETE_ACLS: {
        SET_ALL(kr_DeleteAclsResponse, FilterResults);
        kr_DeleteAclsResponse *r = plan->response;
        for (int32_t i = 0; i < r->FilterResults.n; i++) r->FilterResults.v[i].MatchingAcls.n = 0;
        break;
    }
    case KR_API_ALTER_CLIENT_QUOTAS: SET_ALL(kr_AlterClientQuotasResponse, Entries); break;
    case KR_API_ALTER_USER_SCRAM_CREDENTIALS: SET_ALL(kr_AlterUserScramCredentialsResponse, Results); break;
    default: break;
    }
}

/* Answers a write with `code` on every item: the request is planned against
 * the local image only to get a response of the right shape. */
static void answer_write_error(kr_controller *c, kr_net_request *req, int16_t code, const char *msg) {
    kr_write_plan plan;
    kr_error err;
    if (kr_net_request_orphaned(req) || plan_request(c, req, &plan, &err) != KR_OK) {
        kr_net_request_drop(req, "cannot build an error response");
        return;
    }
    plan_fail_all(&plan, code, msg);
    respond(c, req, plan.response, false);
}

static void fail_in_flight(kr_controller *c, int16_t code, const char *why) {
    if (!c->write.req) return;
    kr_net_request *req = c->write.req;
    c->write.req = NULL;
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "write api key %d not committed: %s", c->write.plan.api_key, why);
    plan_fail_all(&c->write.plan, code, why);
    respond(c, req, c->write.plan.response, false);
}

/* The one write in flight committed (it is in the image) or lost its leader. */
void kr_ctl_client_after_ready(kr_controller *c) {
    if (!c->write.req) return;
    if (kr_raft_role_of(c->raft) != KR_RAFT_LEADER || kr_raft_epoch(c->raft) != c->write.epoch) {
        fail_in_flight(c, KR_KAFKA_NOT_CONTROLLER, "leadership changed before the write committed");
        return;
    }
    if (c->sm.applied_end <= c->write.last_offset) return;
    kr_net_request *req = c->write.req;
    c->write.req = NULL;
    kr_logger_printf(&c->log, KR_LOG_LEVEL_DEBUG, "write api key %d committed at offset %" PRId64,
                     c->write.plan.api_key, c->write.last_offset);
    respond(c, req, c->write.plan.response, false);
}

/* Plans and proposes one queued write; the rest wait (writes are serialized
 * so each plan sees every earlier one in the image). */
static void start_one_write(kr_controller *c, kr_net_request *req) {
    kr_error err;
    kr_write_plan plan;
    if (plan_request(c, req, &plan, &err) != KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "planning a write: %s", err.message);
        kr_net_request_drop(req, "cannot plan the write");
        return;
    }
    if (plan.record_count == 0) { /* validateOnly, all failed, or nothing to change */
        respond(c, req, plan.response, false);
        return;
    }
    kr_buf batch = {0};
    kr_batch_builder b;
    kr_batch_begin(&b, &batch, 0, 0, kr_ctl_wall_ms(), false);
    int rc = KR_OK;
    for (int32_t i = 0; rc == KR_OK && i < plan.record_count; i++)
        rc = kr_batch_add_data(&b, plan.records[i].ptr, (size_t)plan.records[i].len, &err);
    if (rc == KR_OK) rc = kr_batch_finish(&b, &err);
    if (rc == KR_OK && (batch.oom || batch.len > WRITE_BATCH_MAX_BYTES))
        rc = kr_fail(&err, KR_ERR_INVALID, "%zu bytes of records exceed one batch (%u)", batch.len,
                     WRITE_BATCH_MAX_BYTES);
    kr_raft_batch out;
    if (rc == KR_OK) rc = kr_ctl_propose(c, batch.data, batch.len, (uint32_t)plan.record_count, &out, &err);
    kr_buf_free(&batch);
    if (rc != KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "write api key %d: %s", plan.api_key, err.message);
        plan_fail_all(&plan, KR_KAFKA_NOT_CONTROLLER, "the write could not be proposed");
        respond(c, req, plan.response, false);
        return;
    }
    c->write.req = req;
    c->write.plan = plan;
    c->write.last_offset = out.last_offset;
    c->write.epoch = out.epoch;
    c->write.since_ms = uv_now(c->loop);
    kr_ctl_client_after_ready(c); /* a single voter commits at once */
}

void kr_ctl_client_pump(kr_controller *c) {
    /* a quorum that cannot commit: the client gets an answer and may retry */
    if (c->write.req && uv_now(c->loop) - c->write.since_ms > KR_CTL_WRITE_COMMIT_TIMEOUT_MS) {
        c->write.barrier_offset = c->write.last_offset;
        c->write.barrier_epoch = c->write.epoch;
        fail_in_flight(c, KR_KAFKA_REQUEST_TIMED_OUT, "the write was not committed in time");
    }
    if (c->write.barrier_epoch == kr_raft_epoch(c->raft) && c->sm.applied_end <= c->write.barrier_offset &&
        kr_raft_role_of(c->raft) == KR_RAFT_LEADER)
        return;
    for (int guard = 0; guard < KR_CTL_MAX_WRITE_QUEUE && !c->write.req && c->wq_n > 0; guard++) {
        kr_net_request *req = c->wq[c->wq_head];
        if (!kr_net_request_orphaned(req) && kr_raft_role_of(c->raft) == KR_RAFT_LEADER &&
            c->sm.applied_end <= kr_raft_epoch_start_offset(c->raft))
            return; /* a new leader plans only once its epoch's first batch is applied */
        c->wq_head = (c->wq_head + 1) % KR_CTL_MAX_WRITE_QUEUE;
        c->wq_n--;
        if (kr_net_request_orphaned(req)) kr_net_request_drop(req, "connection closed");
        else if (kr_raft_role_of(c->raft) != KR_RAFT_LEADER)
            answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "this controller is no longer the leader");
        else start_one_write(c, req);
    }
}

static void queue_write(kr_controller *c, kr_net_request *req) {
    if (c->wq_n == KR_CTL_MAX_WRITE_QUEUE || c->stopping) {
        answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "the controller's write queue is full");
        return;
    }
    c->wq[(c->wq_head + c->wq_n) % KR_CTL_MAX_WRITE_QUEUE] = req;
    c->wq_n++;
    kr_ctl_client_pump(c);
}

typedef struct forwarded {
    kr_controller *c;
    kr_net_request *req;
} forwarded;

static void on_forward_response(void *ctx, kr_net_result result, const char *detail, void *response,
                                kr_arena *arena) {
    (void)arena;
    forwarded *f = ctx;
    kr_controller *c = f->c;
    kr_net_request *req = f->req;
    free(f);
    if (result == KR_NET_OK) {
        respond(c, req, response, false); /* encoded before `arena` goes */
        return;
    }
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "forwarding to the leader: %s (%s)", kr_net_result_name(result),
                     detail ? detail : "");
    if (result == KR_NET_CLOSED) kr_net_request_drop(req, "stopping");
    else answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "the leader did not answer the forwarded request");
}

static void forward_write(kr_controller *c, kr_net_request *req, int32_t leader) {
    kr_ctl_peer *p = NULL;
    for (size_t i = 0; i < c->peer_count; i++)
        if (c->peers[i].id == leader) p = &c->peers[i];
    forwarded *f = p && p->forward ? malloc(sizeof *f) : NULL;
    kr_error err;
    if (!f) {
        answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "the leader is unknown");
        return;
    }
    *f = (forwarded){c, req};
    const kr_RequestHeader *h = kr_net_request_header(req);
    if (kr_async_client_send(p->forward, h->RequestApiKey, h->RequestApiVersion, kr_net_request_body(req),
                             on_forward_response, f, &err) != KR_OK) {
        free(f);
        answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "cannot forward to the leader");
    }
}

/* On the client listener: the leader commits, a follower forwards. */
static void on_client_write(void *ctx, kr_net_request *req, void *body) {
    (void)body;
    kr_controller *c = ctx;
    if (kr_raft_role_of(c->raft) == KR_RAFT_LEADER) {
        queue_write(c, req);
        return;
    }
    int32_t leader = kr_raft_leader(c->raft);
    if (leader < 0 || leader == c->cfg.node_id || c->stopping)
        answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "no leader is known");
    else forward_write(c, req, leader);
}

/* On the controller listener: writes forwarded by the other controllers;
 * never forwarded again (no loops while leadership moves). */
void kr_ctl_on_forwarded_write(void *ctx, kr_net_request *req, void *body) {
    (void)body;
    kr_controller *c = ctx;
    if (kr_raft_role_of(c->raft) == KR_RAFT_LEADER) queue_write(c, req);
    else answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "this controller is not the leader");
}

/* ---------- start / stop ---------- */

int kr_ctl_client_start(kr_controller *c, kr_net_handler_fn describe_quorum, kr_error *err) {
    c->write.barrier_offset = -1;
    c->write.barrier_epoch = -1;
    if (!c->cfg.client_listener_name[0]) return KR_OK;
    for (size_t i = 0; i < c->cfg.client_endpoint_count; i++)
        c->client_nodes[i] = (kr_client_node){c->cfg.client_endpoints[i].id, c->cfg.client_endpoints[i].host,
                                              c->cfg.client_endpoints[i].port, NULL};
    kr_client_handlers h = {.read = on_read,
                            .read_ctx = c,
                            .write = on_client_write,
                            .write_ctx = c,
                            .sasl = c->cfg.client_sasl_mechanisms ? on_sasl : NULL,
                            .sasl_ctx = c,
                            .quorum = describe_quorum,
                            .quorum_ctx = c};
    kr_net_api apis[KR_NET_MAX_APIS];
    size_t n = 0;
    int rc = kr_client_net_apis(&h, apis, KR_NET_MAX_APIS, &n, err);
    if (rc != KR_OK) return rc;
    kr_net_conn_hooks hooks = {.conn_ctx_bytes = sizeof(kr_sasl_session),
                               .conn_init = conn_init,
                               .gate = conn_gate,
                               .api_versions = conn_api_versions,
                               .raw_mode = conn_raw_mode,
                               .raw_frame = conn_raw_frame,
                               .ctx = c};
    kr_net_server_config sc = {.hooks = &hooks, .apis = apis, .api_count = n, .logger = c->log};
    rc = kr_net_server_start(c->loop, &sc, c->cfg.client_listen_host, c->cfg.client_listen_port, &c->client_server,
                             err);
    if (rc != KR_OK) return kr_error_wrap(err, "client listener %s", c->cfg.client_listener_name);
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "client listener %s on %s:%u (%s), advertised as %s:%u",
                     c->cfg.client_listener_name, c->cfg.client_listen_host, kr_net_server_port(c->client_server),
                     c->cfg.client_sasl_mechanisms ? "SASL_PLAINTEXT" : "PLAINTEXT", c->cfg.client_advertised_host,
                     c->cfg.client_advertised_port);
    return KR_OK;
}

void kr_ctl_client_stop(kr_controller *c) {
    if (c->write.req) fail_in_flight(c, KR_KAFKA_NOT_CONTROLLER, "the controller is stopping");
    while (c->wq_n > 0) {
        kr_net_request *req = c->wq[c->wq_head];
        c->wq_head = (c->wq_head + 1) % KR_CTL_MAX_WRITE_QUEUE;
        c->wq_n--;
        answer_write_error(c, req, KR_KAFKA_NOT_CONTROLLER, "the controller is stopping");
    }
    if (c->client_server) {
        kr_net_server_stop(c->client_server);
        c->client_server = NULL;
    }
}
