#include "kraft/net_server.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/kafka_frame.h"

#define READ_BUF_BYTES (64u * 1024u)
#define API_VERSIONS_MAX KR_APIVERSIONSREQUEST_MAX_VERSION
#define CLIENT_ID_LOG_MAX 64

typedef struct conn conn;

struct kr_net_request {
    conn *conn; /* NULL once the connection has closed */
    kr_net_request *next;
    kr_arena arena;
    kr_RequestHeader hdr;
    int16_t response_version; /* the request's, or 0 for the ApiVersions fallback */
    bool handed_out;          /* given to a handler, not yet answered */
    bool ready;               /* response encoded in `out` */
    bool close_after;         /* close the connection once this response is written */
    uint8_t *frame;           /* the request bytes; decoded strings borrow them */
    void *body;               /* the decoded request, in `arena` */
    kr_buf out;
    char peer[64];
};

typedef struct out_write {
    uv_write_t w;
    conn *conn;
    kr_buf buf;
} out_write;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t partial_timer;
    uv_idle_t resume_idle; /* resumes reading after a handler answered, outside the handler */
    kr_net_server *srv;
    conn *prev, *next;
    char peer[64];
    uint8_t *rbuf; /* bytes read, not yet consumed: [rstart, rend) */
    size_t rstart, rend;
    uint8_t size_prefix[4];
    size_t size_have;
    uint8_t *frame; /* body of the frame being read, once its size is known */
    size_t frame_len, frame_have;
    kr_net_request *head, *tail; /* requests in arrival order */
    uint32_t queued;             /* requests in the queue */
    uint32_t writes;             /* responses handed to uv_write, not completed */
    bool reading;
    bool closing;
    bool close_pending; /* a closing response was written: close when the writes drain */
    int open_handles;
    void *hook_ctx; /* kr_net_conn_hooks.conn_ctx_bytes, NULL without hooks */
};

struct kr_net_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    kr_net_api apis[KR_NET_MAX_APIS];
    size_t api_count;
    size_t max_frame_bytes;
    uint32_t max_in_flight;
    uint32_t partial_timeout_ms;
    uint32_t max_connections;
    kr_logger logger;
    kr_net_conn_hooks hooks;
    bool has_hooks;
    conn *conns;
    size_t conn_count;
    uint16_t port;
    bool stopping;
    bool listener_closed;
};

/* ---- requests ------------------------------------------------------------- */

static void request_free(kr_net_request *req) {
    kr_arena_free(&req->arena);
    free(req->frame);
    kr_buf_free(&req->out);
    free(req);
}

const kr_RequestHeader *kr_net_request_header(const kr_net_request *req) { return &req->hdr; }
void *kr_net_request_body(const kr_net_request *req) { return req->body; }
kr_arena *kr_net_request_arena(kr_net_request *req) { return &req->arena; }
const char *kr_net_request_peer(const kr_net_request *req) { return req->peer; }
void *kr_net_request_conn_ctx(const kr_net_request *req) { return req->conn ? req->conn->hook_ctx : NULL; }
bool kr_net_request_orphaned(const kr_net_request *req) { return req->conn == NULL; }

/* ---- connection lifetime ---------------------------------------------------- */

static void maybe_free_server(kr_net_server *s) {
    if (s->stopping && s->listener_closed && s->conn_count == 0) free(s);
}

static void conn_handle_closed(uv_handle_t *h) {
    conn *c = h->data;
    if (--c->open_handles > 0) return;
    kr_net_server *s = c->srv;
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->conn_count--;
    free(c->rbuf);
    free(c->frame);
    free(c->hook_ctx);
    free(c);
    maybe_free_server(s);
}

/* Closes one connection; answered-but-unsent responses are discarded and
 * requests still with a handler become orphans that the handler frees. */
static void conn_close(conn *c, kr_log_level level, const char *why) {
    if (c->closing) return;
    c->closing = true;
    kr_logger_printf(&c->srv->logger, level, "closing connection from %s: %s", c->peer, why);
    for (kr_net_request *r = c->head, *next; r; r = next) {
        next = r->next;
        if (r->handed_out) {
            r->conn = NULL;
            r->next = NULL;
        } else {
            request_free(r);
        }
    }
    c->head = c->tail = NULL;
    c->queued = 0;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_stop(&c->partial_timer);
    uv_idle_stop(&c->resume_idle);
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->partial_timer, conn_handle_closed);
    uv_close((uv_handle_t *)&c->resume_idle, conn_handle_closed);
}

/* ---- writing responses in order --------------------------------------------- */

static void resume_reading(conn *c);

static void resume_from_idle(uv_idle_t *h) {
    conn *c = h->data;
    uv_idle_stop(h);
    resume_reading(c);
}

static void write_done(uv_write_t *w, int status) {
    out_write *ow = (out_write *)w;
    conn *c = ow->conn;
    kr_buf_free(&ow->buf);
    free(ow);
    assert(c->writes > 0);
    c->writes--;
    if (c->closing) return;
    if (c->close_pending && c->writes == 0) {
        conn_close(c, KR_LOG_LEVEL_INFO, "closed after its last answer");
        return;
    }
    if (status < 0) {
        char why[128];
        snprintf(why, sizeof why, "write failed: %s", uv_strerror(status));
        conn_close(c, KR_LOG_LEVEL_INFO, why);
        return;
    }
    resume_reading(c);
}

/* Sends every response at the head of the queue that is ready. */
static void flush_ready(conn *c) {
    while (!c->closing && !c->close_pending && c->head && c->head->ready) {
        kr_net_request *req = c->head;
        c->head = req->next;
        if (!c->head) c->tail = NULL;
        c->queued--;
        out_write *ow = calloc(1, sizeof *ow);
        if (!ow) {
            request_free(req);
            conn_close(c, KR_LOG_LEVEL_ERROR, "out of memory queueing a response");
            return;
        }
        ow->conn = c;
        ow->buf = req->out;
        req->out = (kr_buf){0};
        if (req->close_after) c->close_pending = true;
        request_free(req);
        uv_buf_t b = uv_buf_init((char *)ow->buf.data, (unsigned)ow->buf.len);
        int rc = uv_write(&ow->w, (uv_stream_t *)&c->tcp, &b, 1, write_done);
        if (rc < 0) {
            kr_buf_free(&ow->buf);
            free(ow);
            conn_close(c, KR_LOG_LEVEL_INFO, uv_strerror(rc));
            return;
        }
        c->writes++;
    }
}

static int respond_encoded(kr_net_request *req, int16_t api_key, const void *msg, kr_error *err) {
    conn *c = req->conn;
    req->handed_out = false;
    if (!c) { /* connection gone: nothing to send */
        request_free(req);
        return KR_OK;
    }
    int rc = kr_response_frame_encode(&req->out, api_key, req->response_version,
                                      req->hdr.CorrelationId, msg, err);
    if (rc != KR_OK) {
        char why[600];
        snprintf(why, sizeof why, "cannot encode response: %s", err ? err->message : "?");
        conn_close(c, KR_LOG_LEVEL_ERROR, why); /* frees req: it is in the queue */
        return rc;
    }
    req->ready = true;
    flush_ready(c);
    /* Not resume_reading here: that would run handlers inside this handler. */
    if (!c->closing) uv_idle_start(&c->resume_idle, resume_from_idle);
    return KR_OK;
}

int kr_net_respond_close(kr_net_request *req, const void *response_msg, kr_error *err) {
    assert(req && req->handed_out);
    req->close_after = true;
    return kr_net_respond(req, response_msg, err);
}

int kr_net_respond(kr_net_request *req, const void *response_msg, kr_error *err) {
    assert(req && req->handed_out);
    kr_error local;
    return respond_encoded(req, req->hdr.RequestApiKey, response_msg, err ? err : &local);
}

void kr_net_request_drop(kr_net_request *req, const char *why) {
    assert(req && req->handed_out);
    conn *c = req->conn;
    req->handed_out = false;
    if (!c) {
        request_free(req);
        return;
    }
    char line[300];
    snprintf(line, sizeof line, "handler dropped api key %d version %d correlation id %d: %s",
             req->hdr.RequestApiKey, req->hdr.RequestApiVersion, req->hdr.CorrelationId,
             why ? why : "no reason");
    conn_close(c, KR_LOG_LEVEL_WARN, line); /* frees req: it is in the queue */
}

/* ---- ApiVersions, answered here from the handler table ------------------------ */

static bool software_token_ok(kr_str s) {
    /* [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? (kafka-api.md §3 rule 3) */
    if (s.len <= 0) return false;
    for (int32_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        bool inner = ch == '-' || ch == '.';
        if (!alnum && !(inner && i > 0 && i < s.len - 1)) return false;
    }
    return true;
}

static void api_versions_answer(kr_net_server *s, kr_net_request *req, const kr_ApiVersionsRequest *body) {
    kr_ApiVersionsResponse resp;
    kr_ApiVersionsResponse_init(&resp);
    int16_t v = req->hdr.RequestApiVersion;
    kr_error err;
    if (v > API_VERSIONS_MAX) {
        resp.ErrorCode = KR_KAFKA_UNSUPPORTED_VERSION; /* v0 body listing our range */
    } else if (v >= 3 && !(software_token_ok(body->ClientSoftwareName) &&
                           software_token_ok(body->ClientSoftwareVersion))) {
        resp.ErrorCode = KR_KAFKA_INVALID_REQUEST;
        if (s->has_hooks && s->hooks.api_versions && req->conn)
            s->hooks.api_versions(s->hooks.ctx, req->conn->hook_ctx, v, &resp, &req->arena);
        kr_net_respond(req, &resp, &err);
        return;
    }
    size_t n = resp.ErrorCode ? 1 : s->api_count + 1;
    kr_ApiVersionsResponse_ApiVersion *keys = kr_arena_alloc(&req->arena, n * sizeof *keys);
    if (!keys) {
        kr_net_request_drop(req, "out of memory answering ApiVersions");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->api_count && !resp.ErrorCode; i++) {
        if (s->apis[i].api_key > KR_API_VERSIONS && k == i) k++; /* leave ApiVersions' slot */
        kr_ApiVersionsResponse_ApiVersion_init(&keys[k]);
        keys[k].ApiKey = s->apis[i].api_key;
        keys[k].MinVersion = s->apis[i].min_version;
        keys[k++].MaxVersion = s->apis[i].max_version;
    }
    size_t own = 0; /* apis are sorted: ApiVersions goes before the first larger key */
    while (own < s->api_count && !resp.ErrorCode && s->apis[own].api_key < KR_API_VERSIONS) own++;
    kr_ApiVersionsResponse_ApiVersion_init(&keys[own]);
    keys[own].ApiKey = KR_API_VERSIONS;
    keys[own].MinVersion = 0;
    keys[own].MaxVersion = API_VERSIONS_MAX;
    resp.ApiKeys.v = keys;
    resp.ApiKeys.n = (int32_t)n;
    if (s->has_hooks && s->hooks.api_versions && req->conn)
        s->hooks.api_versions(s->hooks.ctx, req->conn->hook_ctx, req->response_version, &resp, &req->arena);
    kr_net_respond(req, &resp, &err);
}

/* ---- reading requests ----------------------------------------------------------- */

static void enqueue(conn *c, kr_net_request *req) {
    if (c->tail) c->tail->next = req;
    else c->head = req;
    c->tail = req;
    c->queued++;
}

int kr_net_decode_request(const kr_net_api *apis, size_t api_count, const uint8_t *frame, size_t len,
                          kr_net_decoded *out, kr_arena *arena, kr_error *err) {
    memset(out, 0, sizeof *out);
    size_t body_off = 0;
    int rc = kr_request_header_decode(frame, len, &out->header, &body_off, arena, err);
    if (rc != KR_OK) return rc;
    const kr_RequestHeader *h = &out->header;
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(h->RequestApiKey);
    const kr_net_api *api = NULL;
    for (size_t i = 0; i < api_count; i++)
        if (apis[i].api_key == h->RequestApiKey) api = &apis[i];
    bool is_api_versions = h->RequestApiKey == KR_API_VERSIONS;
    const char *refuse = NULL;
    if (!codec || (!api && !is_api_versions)) refuse = "unknown api key";
    else if (h->RequestApiVersion < 0) refuse = "negative version";
    else if (api && (h->RequestApiVersion < api->min_version || h->RequestApiVersion > api->max_version))
        refuse = "unadvertised version";
    if (refuse)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s (api key %d version %d correlation id %d)", refuse,
                       h->RequestApiKey, h->RequestApiVersion, h->CorrelationId);
    out->codec = codec;
    out->api = api;
    out->body = kr_arena_alloc(arena, codec->request_size);
    if (!out->body) return kr_fail(err, KR_ERR_NOMEM, "out of memory decoding api key %d", h->RequestApiKey);
    if (is_api_versions && h->RequestApiVersion > API_VERSIONS_MAX) {
        codec->request_init(out->body); /* body not parsed (KIP-511) */
        out->api_versions_fallback = true;
        return KR_OK;
    }
    return kr_request_body_decode(codec, h, frame + body_off, len - body_off, out->body, arena, err);
}

/* A raw token (no request header): answered in order, size-prefixed. */
static void dispatch_raw(conn *c, kr_net_request *req, size_t len) {
    kr_net_server *s = c->srv;
    kr_bytes out = {NULL, 0};
    kr_error err;
    if (s->hooks.raw_frame(s->hooks.ctx, c->hook_ctx, req->frame, len, &out, &req->arena, &err) != KR_OK) {
        request_free(req);
        char why[600];
        snprintf(why, sizeof why, "raw token refused: %s", err.message);
        conn_close(c, KR_LOG_LEVEL_WARN, why);
        return;
    }
    kr_put_u32(&req->out, (uint32_t)out.len);
    if (out.len > 0) kr_put_raw(&req->out, out.ptr, (size_t)out.len);
    if (req->out.oom) {
        request_free(req);
        conn_close(c, KR_LOG_LEVEL_ERROR, "out of memory answering a raw token");
        return;
    }
    req->ready = true;
    enqueue(c, req);
    flush_ready(c);
}

/* Handles one complete frame; takes ownership of `frame`. */
static void dispatch_frame(conn *c, uint8_t *frame, size_t len) {
    kr_net_server *s = c->srv;
    kr_net_request *req = calloc(1, sizeof *req);
    if (!req) {
        free(frame);
        conn_close(c, KR_LOG_LEVEL_ERROR, "out of memory for a request");
        return;
    }
    req->conn = c;
    req->frame = frame;
    memcpy(req->peer, c->peer, sizeof req->peer);
    if (s->has_hooks && s->hooks.raw_mode && s->hooks.raw_frame && s->hooks.raw_mode(s->hooks.ctx, c->hook_ctx)) {
        dispatch_raw(c, req, len);
        return;
    }
    kr_error err;
    kr_net_decoded d;
    if (kr_net_decode_request(s->apis, s->api_count, frame, len, &d, &req->arena, &err) != KR_OK) {
        request_free(req);
        conn_close(c, KR_LOG_LEVEL_WARN, err.message);
        return;
    }
    if (s->has_hooks && s->hooks.gate && !s->hooks.gate(s->hooks.ctx, c->hook_ctx, d.header.RequestApiKey)) {
        char why[160];
        snprintf(why, sizeof why, "api key %d version %d refused in this connection's state (SASL)",
                 d.header.RequestApiKey, d.header.RequestApiVersion);
        request_free(req);
        conn_close(c, KR_LOG_LEVEL_WARN, why);
        return;
    }
    req->hdr = d.header;
    req->body = d.body;
    req->response_version = d.api_versions_fallback ? 0 : d.header.RequestApiVersion;
    enqueue(c, req);
    kr_logger_printf(&s->logger, KR_LOG_LEVEL_DEBUG, "%s: %s v%d correlation id %d", c->peer,
                     d.codec->info->name, d.header.RequestApiVersion, d.header.CorrelationId);
    req->handed_out = true;
    if (!d.api) api_versions_answer(s, req, d.body);
    else d.api->handler(d.api->ctx, req, d.body);
}

static uint32_t in_flight(const conn *c) { return c->queued + c->writes; }

/* Consumes buffered bytes into frames while the connection may take more. */
static void process_input(conn *c) {
    kr_net_server *s = c->srv;
    while (!c->closing && !c->close_pending && c->rstart < c->rend && in_flight(c) < s->max_in_flight) {
        if (!c->frame) {
            while (c->size_have < 4 && c->rstart < c->rend) c->size_prefix[c->size_have++] = c->rbuf[c->rstart++];
            if (c->size_have < 4) break;
            int32_t size = (int32_t)kr_load_u32(c->size_prefix);
            kr_error err;
            if (kr_frame_check_size(size, s->max_frame_bytes, c->peer, &err) != KR_OK) {
                conn_close(c, KR_LOG_LEVEL_WARN, err.message);
                return;
            }
            c->frame = malloc((size_t)size);
            if (!c->frame) {
                conn_close(c, KR_LOG_LEVEL_ERROR, "out of memory for a frame");
                return;
            }
            c->frame_len = (size_t)size;
            c->frame_have = 0;
        }
        size_t take = c->frame_len - c->frame_have;
        if (take > c->rend - c->rstart) take = c->rend - c->rstart;
        memcpy(c->frame + c->frame_have, c->rbuf + c->rstart, take);
        c->frame_have += take;
        c->rstart += take;
        if (c->frame_have < c->frame_len) break;
        uint8_t *frame = c->frame;
        size_t len = c->frame_len;
        c->frame = NULL;
        c->size_have = 0;
        dispatch_frame(c, frame, len);
    }
    if (c->closing) return;
    if (c->rstart == c->rend) c->rstart = c->rend = 0;
}

static void partial_timeout(uv_timer_t *t) {
    conn *c = t->data;
    char why[128];
    snprintf(why, sizeof why, "partial frame idle for %u ms (%zu of %zu bytes)",
             c->srv->partial_timeout_ms, c->frame_have, c->frame ? c->frame_len : (size_t)4);
    conn_close(c, KR_LOG_LEVEL_WARN, why);
}

/* Re-arms the partial-frame timer after progress; stops it between frames. */
static void update_partial_timer(conn *c) {
    if (c->closing) return;
    bool partial = c->frame || c->size_have > 0;
    if (partial && c->reading)
        uv_timer_start(&c->partial_timer, partial_timeout, c->srv->partial_timeout_ms, 0);
    else
        uv_timer_stop(&c->partial_timer);
}

static void alloc_read(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    conn *c = h->data;
    if (c->rstart > 0) {
        memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
        c->rend -= c->rstart;
        c->rstart = 0;
    }
    *buf = uv_buf_init((char *)c->rbuf + c->rend, (unsigned)(READ_BUF_BYTES - c->rend));
}

static void pause_reading(conn *c) {
    if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
    conn *c = st->data;
    if (c->closing) return;
    if (nread < 0) {
        bool partial = c->frame || c->size_have > 0;
        char why[160];
        snprintf(why, sizeof why, "%s%s", nread == UV_EOF ? "peer closed" : uv_strerror((int)nread),
                 partial ? " inside a frame" : "");
        conn_close(c, partial ? KR_LOG_LEVEL_WARN : KR_LOG_LEVEL_DEBUG, why);
        return;
    }
    c->rend += (size_t)nread;
    process_input(c);
    if (c->closing) return;
    if (in_flight(c) >= c->srv->max_in_flight || c->rend == READ_BUF_BYTES) pause_reading(c);
    if (nread > 0) update_partial_timer(c);
}

static void resume_reading(conn *c) {
    if (c->closing || c->close_pending) return;
    process_input(c); /* bytes left over from before the pause */
    if (c->closing || c->reading || in_flight(c) >= c->srv->max_in_flight) return;
    if (c->rend == READ_BUF_BYTES) return;
    if (uv_read_start((uv_stream_t *)&c->tcp, alloc_read, on_read) == 0) c->reading = true;
    update_partial_timer(c);
}

/* ---- accepting ------------------------------------------------------------------ */

static void peer_name(uv_tcp_t *tcp, char *out, size_t n) {
    struct sockaddr_storage ss;
    int len = sizeof ss;
    snprintf(out, n, "unknown peer");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0) return;
    char ip[64] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(out, n, "%s:%d", ip, port);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(out, n, "[%s]:%d", ip, port);
    }
}

static void on_connection(uv_stream_t *listener, int status) {
    kr_net_server *s = listener->data;
    if (status < 0) {
        kr_logger_printf(&s->logger, KR_LOG_LEVEL_WARN, "accept failed: %s", uv_strerror(status));
        return;
    }
    conn *c = calloc(1, sizeof *c);
    uint8_t *rbuf = malloc(READ_BUF_BYTES);
    if (!c || !rbuf) {
        free(c);
        free(rbuf);
        kr_logger_printf(&s->logger, KR_LOG_LEVEL_ERROR, "out of memory accepting a connection");
        return;
    }
    c->srv = s;
    c->rbuf = rbuf;
    if (s->has_hooks && s->hooks.conn_ctx_bytes) {
        c->hook_ctx = calloc(1, s->hooks.conn_ctx_bytes);
        if (!c->hook_ctx) {
            free(c);
            free(rbuf);
            kr_logger_printf(&s->logger, KR_LOG_LEVEL_ERROR, "out of memory accepting a connection");
            return;
        }
        if (s->hooks.conn_init) s->hooks.conn_init(s->hooks.ctx, c->hook_ctx);
    }
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->partial_timer);
    uv_idle_init(s->loop, &c->resume_idle);
    c->tcp.data = c;
    c->partial_timer.data = c;
    c->resume_idle.data = c;
    c->open_handles = 3;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->conn_count++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        snprintf(c->peer, sizeof c->peer, "unaccepted peer");
        conn_close(c, KR_LOG_LEVEL_WARN, "accept failed");
        return;
    }
    peer_name(&c->tcp, c->peer, sizeof c->peer);
    uv_tcp_nodelay(&c->tcp, 1);
    if (s->conn_count > s->max_connections) {
        conn_close(c, KR_LOG_LEVEL_WARN, "too many connections");
        return;
    }
    kr_logger_printf(&s->logger, KR_LOG_LEVEL_DEBUG, "connection from %s", c->peer);
    resume_reading(c);
}

/* ---- server lifetime ------------------------------------------------------------ */

static int api_cmp(const void *a, const void *b) {
    return ((const kr_net_api *)a)->api_key - ((const kr_net_api *)b)->api_key;
}

static int check_apis(const kr_net_server_config *cfg, kr_error *err) {
    if (cfg->api_count > KR_NET_MAX_APIS)
        return kr_fail(err, KR_ERR_INVALID, "%zu apis, at most %d", cfg->api_count, KR_NET_MAX_APIS);
    for (size_t i = 0; i < cfg->api_count; i++) {
        const kr_net_api *a = &cfg->apis[i];
        const kr_rpc_codec *codec = kr_rpc_codec_lookup(a->api_key);
        if (a->api_key == KR_API_VERSIONS)
            return kr_fail(err, KR_ERR_INVALID, "api key 18 (ApiVersions) is served by the server itself");
        if (!codec) return kr_fail(err, KR_ERR_INVALID, "api key %d has no codec", a->api_key);
        if (!a->handler) return kr_fail(err, KR_ERR_INVALID, "api key %d has no handler", a->api_key);
        if (a->min_version < codec->info->min_version || a->max_version > codec->info->max_version ||
            a->min_version > a->max_version)
            return kr_fail(err, KR_ERR_INVALID, "%s: advertised versions %d-%d outside the schema's %d-%d",
                           codec->info->name, a->min_version, a->max_version,
                           codec->info->min_version, codec->info->max_version);
        for (size_t j = 0; j < i; j++)
            if (cfg->apis[j].api_key == a->api_key)
                return kr_fail(err, KR_ERR_INVALID, "api key %d listed twice", a->api_key);
    }
    return KR_OK;
}

static void listener_closed(uv_handle_t *h) {
    kr_net_server *s = h->data;
    s->listener_closed = true;
    maybe_free_server(s);
}

int kr_net_server_start(uv_loop_t *loop, const kr_net_server_config *cfg, const char *host,
                        uint16_t port, kr_net_server **out, kr_error *err) {
    *out = NULL;
    int rc = check_apis(cfg, err);
    if (rc != KR_OK) return rc;
    struct sockaddr_storage addr;
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
        return kr_fail(err, KR_ERR_INVALID, "listen address %s: not an IP address", host);
    kr_net_server *s = calloc(1, sizeof *s);
    if (!s) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    s->loop = loop;
    memcpy(s->apis, cfg->apis, cfg->api_count * sizeof *cfg->apis);
    s->api_count = cfg->api_count;
    qsort(s->apis, s->api_count, sizeof *s->apis, api_cmp);
    s->max_frame_bytes = cfg->max_frame_bytes ? cfg->max_frame_bytes : KR_FRAME_MAX_DEFAULT_BYTES;
    s->max_in_flight = cfg->max_in_flight_per_connection ? cfg->max_in_flight_per_connection
                                                         : KR_NET_DEFAULT_MAX_IN_FLIGHT;
    s->partial_timeout_ms = cfg->partial_frame_timeout_ms ? cfg->partial_frame_timeout_ms
                                                          : KR_NET_DEFAULT_PARTIAL_FRAME_TIMEOUT_MS;
    s->max_connections = cfg->max_connections ? cfg->max_connections : KR_NET_DEFAULT_MAX_CONNECTIONS;
    s->logger = cfg->logger;
    if (cfg->hooks) {
        s->hooks = *cfg->hooks;
        s->has_hooks = true;
    }
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
    if (rc != 0) {
        kr_fail(err, KR_ERR_IO, "listen on %s:%u: %s", host, port, uv_strerror(rc));
        s->stopping = true;
        uv_close((uv_handle_t *)&s->listener, listener_closed);
        return KR_ERR_IO;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen);
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    kr_logger_printf(&s->logger, KR_LOG_LEVEL_INFO, "listening on %s:%u", host, s->port);
    *out = s;
    return KR_OK;
}

uint16_t kr_net_server_port(const kr_net_server *s) { return s->port; }
size_t kr_net_server_connection_count(const kr_net_server *s) { return s->conn_count; }

void kr_net_server_stop(kr_net_server *s) {
    if (s->stopping) return;
    s->stopping = true;
    for (conn *c = s->conns; c; c = c->next) conn_close(c, KR_LOG_LEVEL_DEBUG, "server stopping");
    uv_close((uv_handle_t *)&s->listener, listener_closed);
}
