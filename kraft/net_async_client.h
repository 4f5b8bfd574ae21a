/*
 * Asynchronous Kafka-protocol client on a libuv loop: one destination (a
 * voter), one connection at a time, reconnecting with exponential backoff.
 * Requests are queued (bounded), sent in order and matched to responses by
 * correlation id; each one completes exactly once through its callback: with
 * the decoded response, or with a timeout/disconnect/close result.
 *
 * A request with no response within request_timeout_ms (counted from
 * kr_async_client_send) times out; like Kafka's NetworkClient the connection
 * is then dropped, so the other requests already sent on it complete as
 * KR_NET_DISCONNECTED; unsent ones wait for the reconnect.
 *
 * Loop thread only.
 */
#ifndef KRAFT_NET_ASYNC_CLIENT_H
#define KRAFT_NET_ASYNC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/logger.h"

typedef struct kr_async_client kr_async_client;

typedef enum kr_net_result {
    KR_NET_OK = 0,
    KR_NET_TIMEOUT,        /* no response within request_timeout_ms */
    KR_NET_DISCONNECTED,   /* connection lost (or connect failed) before the response */
    KR_NET_BAD_RESPONSE,   /* response did not decode; the connection was dropped */
    KR_NET_CLOSED,         /* kr_async_client_close was called */
} kr_net_result;

const char *kr_net_result_name(kr_net_result r);

/* On KR_NET_OK `response` is the decoded kr_<Name>Response (in `arena`);
 * both are freed when the callback returns. `detail` says why otherwise. */
typedef void (*kr_async_cb)(void *ctx, kr_net_result result, const char *detail, void *response,
                            kr_arena *arena);

#define KR_ASYNC_DEFAULT_REQUEST_TIMEOUT_MS 2000 /* controller.quorum.request.timeout.ms */
#define KR_ASYNC_DEFAULT_BACKOFF_MS 50
#define KR_ASYNC_DEFAULT_BACKOFF_MAX_MS 1000
#define KR_ASYNC_DEFAULT_MAX_QUEUED 64

typedef struct kr_async_client_config {
    const char *host; /* copied */
    uint16_t port;
    uint32_t request_timeout_ms;       /* 0: 2000 */
    uint32_t reconnect_backoff_ms;     /* 0: 50; doubles per failure */
    uint32_t reconnect_backoff_max_ms; /* 0: 1000 */
    uint32_t max_queued;               /* 0: 64; sends beyond fail at once */
    size_t max_frame_bytes;            /* 0: KR_FRAME_MAX_DEFAULT_BYTES */
    const char *client_id;             /* copied; NULL: "zk2kraft" */
    kr_logger logger;
} kr_async_client_config;

int kr_async_client_create(uv_loop_t *loop, const kr_async_client_config *cfg,
                           kr_async_client **out, kr_error *err);
/* Encodes now (errors returned, callback not called) and queues the request;
 * connects if needed. KR_ERR_UNSUPPORTED for an unknown api key/version,
 * KR_ERR_INVALID when the queue is full or the client is closing. */
int kr_async_client_send(kr_async_client *c, int16_t api_key, int16_t version, const void *request,
                         kr_async_cb cb, void *ctx, kr_error *err);
bool kr_async_client_connected(const kr_async_client *c);
size_t kr_async_client_queued(const kr_async_client *c);
/* Completes every pending request with KR_NET_CLOSED (before returning) and
 * frees the client once its handles have closed. */
void kr_async_client_close(kr_async_client *c);

#endif
