#include "kraft/net_async_client.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/kafka_frame.h"

#define READ_BUF_BYTES (64u * 1024u)

typedef struct pending pending;
struct pending {
    pending *next;
    int16_t api_key, version;
    int32_t correlation_id;
    uint64_t deadline_ms; /* uv_now based */
    kr_buf frame;         /* encoded request, until written */
    bool sent;
    kr_async_cb cb;
    void *ctx;
};

typedef struct aconn aconn;

typedef struct awrite {
    uv_write_t w;
    kr_buf buf;
} awrite;

struct aconn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    kr_async_client *cl; /* NULL once abandoned */
    bool connected;
    uint8_t size_prefix[4];
    size_t size_have;
    uint8_t *frame;
    size_t frame_len, frame_have;
    uint8_t rbuf[READ_BUF_BYTES];
};

struct kr_async_client {
    uv_loop_t *loop;
    char host[256];
    char port_text[8];
    char client_id[64];
    uint32_t timeout_ms, backoff_ms, backoff_max_ms, max_queued;
    size_t max_frame_bytes;
    kr_logger logger;
    uv_timer_t timeout_timer;
    uv_timer_t backoff_timer;
    uv_getaddrinfo_t *resolving; /* in progress, owned by its callback */
    aconn *conn;
    pending *head, *tail;
    size_t queued;
    uint32_t next_backoff_ms;
    int32_t next_correlation_id;
    bool backing_off;
    bool closing;
    int refs; /* timers + resolve + conn handles still open */
};

const char *kr_net_result_name(kr_net_result r) {
    switch (r) {
    case KR_NET_OK: return "ok";
    case KR_NET_TIMEOUT: return "timed out";
    case KR_NET_DISCONNECTED: return "disconnected";
    case KR_NET_BAD_RESPONSE: return "bad response";
    case KR_NET_CLOSED: return "client closed";
    }
    return "?";
}

static void client_unref(kr_async_client *c) {
    assert(c->refs > 0);
    if (--c->refs == 0) free(c);
}

/* ---- completing requests ----------------------------------------------------- */

static pending *pop_head(kr_async_client *c) {
    pending *p = c->head;
    if (!p) return NULL;
    c->head = p->next;
    if (!c->head) c->tail = NULL;
    c->queued--;
    return p;
}

static void complete(pending *p, kr_net_result result, const char *detail, void *resp, kr_arena *arena) {
    kr_async_cb cb = p->cb;
    void *ctx = p->ctx;
    kr_buf_free(&p->frame);
    free(p);
    cb(ctx, result, detail, resp, arena);
}

/* Completes every request matching `sent_only` (all if false). */
static void fail_requests(kr_async_client *c, bool sent_only, kr_net_result result, const char *detail) {
    pending *keep_head = NULL, *keep_tail = NULL;
    size_t kept = 0;
    pending *done = NULL, **done_tail = &done;
    for (pending *p = c->head, *next; p; p = next) {
        next = p->next;
        p->next = NULL;
        if (sent_only && !p->sent) {
            if (keep_tail) keep_tail->next = p;
            else keep_head = p;
            keep_tail = p;
            kept++;
        } else {
            *done_tail = p;
            done_tail = &p->next;
        }
    }
    c->head = keep_head;
    c->tail = keep_tail;
    c->queued = kept;
    /* Callbacks last: they may send new requests. */
    for (pending *p = done, *next; p; p = next) {
        next = p->next;
        complete(p, result, detail, NULL, NULL);
    }
}

/* ---- connection ---------------------------------------------------------------- */

static void conn_closed(uv_handle_t *h) {
    aconn *a = h->data;
    kr_async_client *c = a->cl;
    free(a->frame);
    free(a);
    if (c) client_unref(c);
}

static void start_connect(kr_async_client *c);
static void arm_timeout(kr_async_client *c);

static void backoff_done(uv_timer_t *t) {
    kr_async_client *c = t->data;
    c->backing_off = false;
    if (c->head && !c->conn && !c->resolving) start_connect(c);
}

/* Drops the connection; sent requests fail, unsent ones wait for a reconnect
 * after the backoff. */
static void disconnect(kr_async_client *c, kr_net_result result, const char *why) {
    aconn *a = c->conn;
    if (a) {
        c->conn = NULL;
        kr_logger_printf(&c->logger, KR_LOG_LEVEL_INFO, "connection to %s:%s dropped: %s", c->host,
                         c->port_text, why);
        uv_read_stop((uv_stream_t *)&a->tcp);
        uv_close((uv_handle_t *)&a->tcp, conn_closed);
    }
    if (!c->closing) {
        c->backing_off = true;
        uv_timer_start(&c->backoff_timer, backoff_done, c->next_backoff_ms, 0);
        c->next_backoff_ms = c->next_backoff_ms * 2 > c->backoff_max_ms ? c->backoff_max_ms
                                                                        : c->next_backoff_ms * 2;
    }
    fail_requests(c, true, result, why);
}

static void write_done(uv_write_t *w, int status) {
    awrite *aw = (awrite *)w;
    aconn *a = w->data;
    kr_buf_free(&aw->buf);
    free(aw);
    if (status < 0 && a->cl && a->cl->conn == a) {
        char why[128];
        snprintf(why, sizeof why, "write failed: %s", uv_strerror(status));
        disconnect(a->cl, KR_NET_DISCONNECTED, why);
    }
}

/* Writes every unsent request, in queue order. */
static void send_unsent(kr_async_client *c) {
    aconn *a = c->conn;
    if (!a || !a->connected) return;
    for (pending *p = c->head; p; p = p->next) {
        if (p->sent) continue;
        awrite *aw = calloc(1, sizeof *aw);
        if (!aw) {
            disconnect(c, KR_NET_DISCONNECTED, "out of memory");
            return;
        }
        aw->buf = p->frame;
        p->frame = (kr_buf){0};
        aw->w.data = a;
        p->sent = true;
        uv_buf_t b = uv_buf_init((char *)aw->buf.data, (unsigned)aw->buf.len);
        int rc = uv_write(&aw->w, (uv_stream_t *)&a->tcp, &b, 1, write_done);
        if (rc < 0) {
            kr_buf_free(&aw->buf);
            free(aw);
            disconnect(c, KR_NET_DISCONNECTED, uv_strerror(rc));
            return;
        }
    }
}

static void on_response(kr_async_client *c, uint8_t *frame, size_t len) {
    int32_t corr = 0;
    kr_error err;
    pending *p = c->head;
    if (!p || !p->sent || kr_response_correlation_id(frame, len, &corr, &err) != KR_OK ||
        corr != p->correlation_id) {
        char why[160];
        snprintf(why, sizeof why, "unexpected response (correlation id %d, expected %d)", corr,
                 p && p->sent ? p->correlation_id : -1);
        free(frame);
        disconnect(c, KR_NET_BAD_RESPONSE, why);
        return;
    }
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(p->api_key);
    kr_arena arena = {0};
    void *resp = kr_arena_alloc(&arena, codec->response_size);
    int rc = resp ? kr_response_frame_decode(frame, len, p->api_key, p->version, resp, &arena, &err)
                  : kr_fail(&err, KR_ERR_NOMEM, "out of memory");
    if (rc != KR_OK) {
        free(frame);
        kr_arena_free(&arena);
        disconnect(c, KR_NET_BAD_RESPONSE, err.message);
        return;
    }
    pop_head(c);
    arm_timeout(c);
    complete(p, KR_NET_OK, NULL, resp, &arena);
    kr_arena_free(&arena);
    free(frame);
}

static void alloc_read(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    aconn *a = h->data;
    *buf = uv_buf_init((char *)a->rbuf, sizeof a->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
    aconn *a = st->data;
    kr_async_client *c = a->cl;
    if (!c || c->conn != a) return;
    if (nread < 0) {
        disconnect(c, KR_NET_DISCONNECTED, nread == UV_EOF ? "closed by the server" : uv_strerror((int)nread));
        return;
    }
    size_t pos = 0, n = (size_t)nread;
    while (pos < n && c->conn == a) {
        if (!a->frame) {
            while (a->size_have < 4 && pos < n) a->size_prefix[a->size_have++] = a->rbuf[pos++];
            if (a->size_have < 4) break;
            int32_t size = (int32_t)kr_load_u32(a->size_prefix);
            kr_error err;
            if (kr_frame_check_size(size, c->max_frame_bytes, c->host, &err) != KR_OK ||
                !(a->frame = malloc((size_t)size))) {
                disconnect(c, KR_NET_BAD_RESPONSE, "bad or oversized response frame");
                return;
            }
            a->frame_len = (size_t)size;
            a->frame_have = 0;
        }
        size_t take = a->frame_len - a->frame_have;
        if (take > n - pos) take = n - pos;
        memcpy(a->frame + a->frame_have, a->rbuf + pos, take);
        a->frame_have += take;
        pos += take;
        if (a->frame_have < a->frame_len) break;
        uint8_t *frame = a->frame;
        a->frame = NULL;
        a->size_have = 0;
        on_response(c, frame, a->frame_len);
    }
}

static void on_connect(uv_connect_t *req, int status) {
    aconn *a = req->data;
    kr_async_client *c = a->cl;
    if (!c || c->conn != a) return;
    if (status < 0) {
        char why[160];
        snprintf(why, sizeof why, "connect to %s:%s failed: %s", c->host, c->port_text,
                 status == UV_ECONNREFUSED ? "connection refused" : uv_strerror(status));
        disconnect(c, KR_NET_DISCONNECTED, why);
        fail_requests(c, false, KR_NET_DISCONNECTED, why);
        return;
    }
    a->connected = true;
    c->next_backoff_ms = c->backoff_ms;
    uv_tcp_nodelay(&a->tcp, 1);
    uv_read_start((uv_stream_t *)&a->tcp, alloc_read, on_read);
    kr_logger_printf(&c->logger, KR_LOG_LEVEL_DEBUG, "connected to %s:%s", c->host, c->port_text);
    send_unsent(c);
}

static void on_resolved(uv_getaddrinfo_t *gr, int status, struct addrinfo *res) {
    kr_async_client *c = gr->data;
    free(gr);
    c->resolving = NULL;
    if (c->closing) {
        uv_freeaddrinfo(res);
        client_unref(c);
        return;
    }
    client_unref(c); /* the resolve's reference */
    if (status < 0 || !res) {
        char why[320];
        snprintf(why, sizeof why, "cannot resolve %s: %s", c->host, uv_strerror(status));
        uv_freeaddrinfo(res);
        disconnect(c, KR_NET_DISCONNECTED, why);
        fail_requests(c, false, KR_NET_DISCONNECTED, why);
        return;
    }
    aconn *a = calloc(1, sizeof *a);
    if (!a) {
        uv_freeaddrinfo(res);
        disconnect(c, KR_NET_DISCONNECTED, "out of memory");
        fail_requests(c, false, KR_NET_DISCONNECTED, "out of memory");
        return;
    }
    a->cl = c;
    uv_tcp_init(c->loop, &a->tcp);
    a->tcp.data = a;
    a->creq.data = a;
    c->conn = a;
    c->refs++;
    int rc = uv_tcp_connect(&a->creq, &a->tcp, res->ai_addr, on_connect);
    uv_freeaddrinfo(res);
    if (rc < 0) {
        char why[160];
        snprintf(why, sizeof why, "connect to %s:%s: %s", c->host, c->port_text, uv_strerror(rc));
        disconnect(c, KR_NET_DISCONNECTED, why);
        fail_requests(c, false, KR_NET_DISCONNECTED, why);
    }
}

static void start_connect(kr_async_client *c) {
    assert(!c->conn && !c->resolving && !c->closing);
    uv_getaddrinfo_t *gr = calloc(1, sizeof *gr);
    if (!gr) return;
    gr->data = c;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->refs++;
    c->resolving = gr;
    if (uv_getaddrinfo(c->loop, gr, on_resolved, c->host, c->port_text, &hints) < 0) {
        c->resolving = NULL;
        free(gr);
        c->refs--;
        fail_requests(c, false, KR_NET_DISCONNECTED, "cannot start resolving");
    }
}

/* ---- timeouts ----------------------------------------------------------------------- */

static void on_timeout(uv_timer_t *t) {
    kr_async_client *c = t->data;
    uint64_t now = uv_now(c->loop);
    bool any_sent_expired = false;
    /* Requests are queued in deadline order: expire from the head. */
    for (int i = 0; i < 100000 && c->head && c->head->deadline_ms <= now; i++) {
        pending *p = pop_head(c);
        any_sent_expired |= p->sent;
        char why[96];
        snprintf(why, sizeof why, "no response within %u ms", c->timeout_ms);
        complete(p, KR_NET_TIMEOUT, why, NULL, NULL);
        if (c->closing) return;
    }
    if (any_sent_expired) /* the stream position of the connection is lost */
        disconnect(c, KR_NET_DISCONNECTED, "an earlier request on this connection timed out");
    else if (!c->head && c->conn && !c->conn->connected) /* nothing left to connect for */
        disconnect(c, KR_NET_DISCONNECTED, "connect abandoned: every request timed out");
    arm_timeout(c);
}

static void arm_timeout(kr_async_client *c) {
    if (c->closing) return;
    if (!c->head) {
        uv_timer_stop(&c->timeout_timer);
        return;
    }
    uint64_t now = uv_now(c->loop);
    uint64_t wait = c->head->deadline_ms > now ? c->head->deadline_ms - now : 0;
    uv_timer_start(&c->timeout_timer, on_timeout, wait, 0);
}

/* ---- public ------------------------------------------------------------------------- */

int kr_async_client_create(uv_loop_t *loop, const kr_async_client_config *cfg,
                           kr_async_client **out, kr_error *err) {
    *out = NULL;
    if (!cfg->host || !*cfg->host || strlen(cfg->host) >= 256 || cfg->port == 0)
        return kr_fail(err, KR_ERR_INVALID, "async client: bad destination");
    kr_async_client *c = calloc(1, sizeof *c);
    if (!c) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    c->loop = loop;
    snprintf(c->host, sizeof c->host, "%s", cfg->host);
    snprintf(c->port_text, sizeof c->port_text, "%u", cfg->port);
    snprintf(c->client_id, sizeof c->client_id, "%s", cfg->client_id ? cfg->client_id : "zk2kraft");
    c->timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms : KR_ASYNC_DEFAULT_REQUEST_TIMEOUT_MS;
    c->backoff_ms = cfg->reconnect_backoff_ms ? cfg->reconnect_backoff_ms : KR_ASYNC_DEFAULT_BACKOFF_MS;
    c->backoff_max_ms = cfg->reconnect_backoff_max_ms ? cfg->reconnect_backoff_max_ms
                                                      : KR_ASYNC_DEFAULT_BACKOFF_MAX_MS;
    if (c->backoff_max_ms < c->backoff_ms) c->backoff_max_ms = c->backoff_ms;
    c->max_queued = cfg->max_queued ? cfg->max_queued : KR_ASYNC_DEFAULT_MAX_QUEUED;
    c->max_frame_bytes = cfg->max_frame_bytes ? cfg->max_frame_bytes : KR_FRAME_MAX_DEFAULT_BYTES;
    c->logger = cfg->logger;
    c->next_backoff_ms = c->backoff_ms;
    c->next_correlation_id = 1;
    uv_timer_init(loop, &c->timeout_timer);
    uv_timer_init(loop, &c->backoff_timer);
    c->timeout_timer.data = c;
    c->backoff_timer.data = c;
    c->refs = 2;
    *out = c;
    return KR_OK;
}

int kr_async_client_send(kr_async_client *c, int16_t api_key, int16_t version, const void *request,
                         kr_async_cb cb, void *ctx, kr_error *err) {
    assert(cb);
    if (c->closing) return kr_fail(err, KR_ERR_INVALID, "%s:%s: client is closing", c->host, c->port_text);
    if (c->queued >= c->max_queued)
        return kr_fail(err, KR_ERR_INVALID, "%s:%s: %zu requests queued already", c->host,
                       c->port_text, c->queued);
    pending *p = calloc(1, sizeof *p);
    if (!p) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    p->api_key = api_key;
    p->version = version;
    p->correlation_id = c->next_correlation_id++;
    if (c->next_correlation_id < 0) c->next_correlation_id = 1;
    int rc = kr_request_frame_encode(&p->frame, api_key, version, p->correlation_id, c->client_id,
                                     request, err);
    if (rc != KR_OK) {
        kr_buf_free(&p->frame);
        free(p);
        return rc;
    }
    p->cb = cb;
    p->ctx = ctx;
    p->deadline_ms = uv_now(c->loop) + c->timeout_ms;
    if (c->tail) c->tail->next = p;
    else c->head = p;
    c->tail = p;
    c->queued++;
    if (c->head == p) arm_timeout(c);
    if (c->conn) send_unsent(c);
    else if (!c->resolving && !c->backing_off) start_connect(c);
    return KR_OK;
}

bool kr_async_client_connected(const kr_async_client *c) { return c->conn && c->conn->connected; }
size_t kr_async_client_queued(const kr_async_client *c) { return c->queued; }

static void timer_closed(uv_handle_t *h) { client_unref(h->data); }

void kr_async_client_close(kr_async_client *c) {
    if (c->closing) return;
    c->closing = true;
    if (c->conn) {
        aconn *a = c->conn;
        c->conn = NULL;
        uv_read_stop((uv_stream_t *)&a->tcp);
        uv_close((uv_handle_t *)&a->tcp, conn_closed);
    }
    if (c->resolving) uv_cancel((uv_req_t *)c->resolving);
    uv_timer_stop(&c->timeout_timer);
    uv_timer_stop(&c->backoff_timer);
    fail_requests(c, false, KR_NET_CLOSED, "client closed");
    uv_close((uv_handle_t *)&c->timeout_timer, timer_closed);
    uv_close((uv_handle_t *)&c->backoff_timer, timer_closed);
}
