/*
 * Kafka-protocol server on the caller's libuv loop (docs/controller-network.md).
 *
 * The caller supplies a handler table: api key -> handler + the versions this
 * server advertises. ApiVersions (18) is answered by the server itself from
 * that table. Each request is decoded with the generated codec and handed to
 * its handler as a kr_net_request; the handler answers now or later with
 * kr_net_respond. Responses leave each connection in request order whatever
 * order handlers answer in.
 *
 * A malformed frame, an unknown api key, an unadvertised version, a body that
 * does not decode or a partial frame idle too long closes that connection
 * only, with a log line naming api key, version and peer.
 *
 * Everything runs on the loop's thread; nothing here is thread-safe.
 */
#ifndef KRAFT_NET_SERVER_H
#define KRAFT_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/logger.h"

typedef struct kr_net_server kr_net_server;
typedef struct kr_net_request kr_net_request;

/* `request_msg` points to the decoded kr_<Name>Request (arena-backed, valid
 * until the request is answered or dropped). Every request handed to a
 * handler must later get exactly one kr_net_respond or kr_net_request_drop,
 * even if its connection has gone (the call then only frees it). */
typedef void (*kr_net_handler_fn)(void *ctx, kr_net_request *req, void *request_msg);

typedef struct kr_net_api {
    int16_t api_key;
    int16_t min_version; /* advertised range, within the schema's range */
    int16_t max_version;
    kr_net_handler_fn handler;
    void *ctx;
} kr_net_api;

#define KR_NET_MAX_APIS 64
#define KR_NET_DEFAULT_MAX_IN_FLIGHT 32
#define KR_NET_DEFAULT_PARTIAL_FRAME_TIMEOUT_MS 30000
#define KR_NET_DEFAULT_MAX_CONNECTIONS 1024

/* Optional per-connection hooks (the client listener's SASL session): each
 * connection gets conn_ctx_bytes of zeroed memory, initialised by conn_init.
 * gate runs before every request (ApiVersions included): false closes the
 * connection without an answer. api_versions completes this server's
 * ApiVersions answer (features) and learns its error code. While raw_mode
 * is true, frames are not requests but raw tokens (SASL after a v0
 * SaslHandshake): raw_frame answers one with *out, sent size-prefixed in
 * order; an error closes the connection. */
typedef struct kr_net_conn_hooks {
    size_t conn_ctx_bytes;
    void (*conn_init)(void *ctx, void *conn_ctx);
    bool (*gate)(void *ctx, void *conn_ctx, int16_t api_key);
    void (*api_versions)(void *ctx, void *conn_ctx, int16_t version, kr_ApiVersionsResponse *resp,
                         kr_arena *arena);
    bool (*raw_mode)(void *ctx, void *conn_ctx);
    int (*raw_frame)(void *ctx, void *conn_ctx, const uint8_t *frame, size_t len, kr_bytes *out,
                     kr_arena *arena, kr_error *err);
    void *ctx;
} kr_net_conn_hooks;

typedef struct kr_net_server_config {
    const kr_net_conn_hooks *hooks;        /* copied; NULL = none */
    const kr_net_api *apis; /* copied; api 18 must not be listed (served internally) */
    size_t api_count;
    size_t max_frame_bytes;                /* 0: KR_FRAME_MAX_DEFAULT_BYTES */
    uint32_t max_in_flight_per_connection; /* unanswered + unsent; reading pauses at it */
    uint32_t partial_frame_timeout_ms;     /* no progress on a started frame this long: close */
    uint32_t max_connections;              /* further accepts are closed at once */
    kr_logger logger;
} kr_net_server_config;

/* Listens on host:port (port 0: an ephemeral port, see kr_net_server_port). */
int kr_net_server_start(uv_loop_t *loop, const kr_net_server_config *cfg, const char *host,
                        uint16_t port, kr_net_server **out, kr_error *err);
uint16_t kr_net_server_port(const kr_net_server *s);
size_t kr_net_server_connection_count(const kr_net_server *s);
/* Closes the listener and every connection; the server frees itself once its
 * handles have closed (keep running the loop). Unanswered requests stay valid
 * until answered or dropped. */
void kr_net_server_stop(kr_net_server *s);

const kr_RequestHeader *kr_net_request_header(const kr_net_request *req);
/* The decoded kr_<Name>Request, as passed to the handler (for parked requests). */
void *kr_net_request_body(const kr_net_request *req);
/* Memory for building the response; freed with the request. */
kr_arena *kr_net_request_arena(kr_net_request *req);
/* "127.0.0.1:50312" */
const char *kr_net_request_peer(const kr_net_request *req);
/* The connection's hook memory (kr_net_conn_hooks), NULL once it has closed
 * or when the server has no hooks. */
void *kr_net_request_conn_ctx(const kr_net_request *req);
/* True once the request's connection has closed: answering only frees it. */
bool kr_net_request_orphaned(const kr_net_request *req);

/* Answers with the kr_<Name>Response at the request's version; consumes req.
 * An encode failure closes the connection (later responses could not keep
 * their order) and is returned. */
int kr_net_respond(kr_net_request *req, const void *response_msg, kr_error *err);
/* kr_net_respond, then closes the connection once that response is written
 * (later requests on it are not served): SASL failures. */
int kr_net_respond_close(kr_net_request *req, const void *response_msg, kr_error *err);
/* Gives up on a request without answering: closes its connection (a gap in
 * the response order cannot be explained to the client); consumes req. */
void kr_net_request_drop(kr_net_request *req, const char *why);

/* The server's decode path, exposed for the fuzz target and tests: header,
 * table lookup (api 18 is always accepted), advertised-version check, body
 * decode. KR_ERR_UNSUPPORTED for an unknown api key or unadvertised version,
 * KR_ERR_CORRUPT for bytes that do not decode; the message names api key,
 * version and correlation id. */
typedef struct kr_net_decoded {
    kr_RequestHeader header;
    const kr_rpc_codec *codec;
    const kr_net_api *api; /* NULL for ApiVersions */
    void *body;            /* kr_<Name>Request in the arena */
    bool api_versions_fallback; /* ApiVersions above v4: body not parsed, answer v0 */
} kr_net_decoded;
int kr_net_decode_request(const kr_net_api *apis, size_t api_count, const uint8_t *frame, size_t len,
                          kr_net_decoded *out, kr_arena *arena, kr_error *err);

#endif
