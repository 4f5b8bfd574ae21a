/*
 * Blocking Kafka-protocol client for tools and tests: one connection, one
 * request at a time, every step bounded by the client's timeout.
 */
#ifndef KRAFT_NET_CLIENT_H
#define KRAFT_NET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"

#define KR_CLIENT_MAX_APIS 128

typedef struct kr_client_api_range {
    int16_t api_key, min_version, max_version;
} kr_client_api_range;

typedef struct kr_client {
    int fd;
    int32_t next_correlation_id;
    uint32_t timeout_ms;    /* each connect, send+receive is bounded by this */
    size_t max_frame_bytes; /* responses larger than this are refused */
    char peer[300];         /* "host:port" for error messages */
    const char *client_id;
    /* Filled by kr_client_negotiate. */
    kr_client_api_range apis[KR_CLIENT_MAX_APIS];
    size_t api_count;
    int16_t api_versions_version; /* the ApiVersions version that was answered */
} kr_client;

/* "host:port", "[v6]:port"; the port must be 1-65535. */
int kr_parse_host_port(const char *text, char *host, size_t host_len, uint16_t *port, kr_error *err);

/* Connects with a timeout; errors say "connection refused" / "timed out". */
int kr_client_connect(kr_client *c, const char *host, uint16_t port, uint32_t timeout_ms,
                      kr_error *err);
void kr_client_close(kr_client *c);

/* Sends `request` (kr_<Name>Request) at `version` and decodes the matching
 * response into `response` (kr_<Name>Response, arena-backed). A response
 * with another correlation id is an error. */
int kr_client_call(kr_client *c, int16_t api_key, int16_t version, const void *request,
                   void *response, kr_arena *arena, kr_error *err);

/* ApiVersions, starting at v4 and falling back as Kafka's Java client does
 * (UNSUPPORTED_VERSION: retry at the advertised maximum). */
int kr_client_negotiate(kr_client *c, kr_error *err);
/* Highest version both sides support for api_key within [my_min, my_max];
 * -1 when there is none (or negotiate was not run). */
int16_t kr_client_pick_version(const kr_client *c, int16_t api_key, int16_t my_min, int16_t my_max);

/* Lower level, for tests: write raw bytes / read one raw frame body. */
int kr_client_send_raw(kr_client *c, const void *p, size_t n, kr_error *err);
/* *frame is malloc'd; KR_ERR_IO with "closed" in the message on EOF. */
int kr_client_recv_frame(kr_client *c, uint8_t **frame, size_t *len, kr_error *err);

#endif
