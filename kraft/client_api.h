/*
 * The Kafka client listener of a controller (spec kafka-api.md §4,
 * docs/client-api.md): the one list of APIs and versions it advertises, the
 * context every client-API handler gets, and the glue that turns the list into
 * a kr_net_api table once the daemon has supplied its handlers.
 *
 * Read APIs are pure functions of (context, image, request) in
 * kraft/client_read.h and kraft/client_configs.h; writes, SASL and
 * DescribeQuorum are served by the daemon through the slots of
 * kr_client_handlers.
 */
#ifndef KRAFT_CLIENT_API_H
#define KRAFT_CLIENT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/image.h"
#include "kraft/net_server.h"
#include "kraft/properties.h"

/* A controller as clients see it on one listener: its advertised endpoint. */
typedef struct kr_client_node {
    int32_t id;
    const char *host; /* advertised, never 0.0.0.0 */
    int32_t port;
    const char *rack; /* NULL = none */
} kr_client_node;

/* What a read handler needs that the metadata image does not hold. */
typedef struct kr_client_ctx {
    const char *cluster_id;           /* NULL when unknown */
    int32_t node_id;                  /* this controller */
    int32_t leader_id;                /* current Raft leader, -1 unknown: ControllerId */
    const kr_client_node *controllers; /* every voter with this listener (incl. this node) */
    size_t controller_count;
    const char *principal;            /* "User:alice", "User:ANONYMOUS" */
    const kr_properties *static_config; /* this node's properties file; NULL = none */
} kr_client_ctx;

/* Kafka error codes used by the client handlers (Errors.java). */
enum {
    KR_KERR_UNKNOWN_SERVER_ERROR = -1,
    KR_KERR_NONE = 0,
    KR_KERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    KR_KERR_LEADER_NOT_AVAILABLE = 5,
    KR_KERR_INVALID_TOPIC_EXCEPTION = 17,
    KR_KERR_ILLEGAL_SASL_STATE = 34,
    KR_KERR_UNSUPPORTED_SASL_MECHANISM = 33,
    KR_KERR_UNSUPPORTED_VERSION = 35,
    KR_KERR_INVALID_REQUEST = 42,
    KR_KERR_SASL_AUTHENTICATION_FAILED = 58,
    KR_KERR_RESOURCE_NOT_FOUND = 91,
    KR_KERR_DUPLICATE_RESOURCE = 92,
    KR_KERR_UNKNOWN_TOPIC_ID = 100,
    KR_KERR_MISMATCHED_ENDPOINT_TYPE = 114,
    KR_KERR_UNSUPPORTED_ENDPOINT_TYPE = 115,
};

/* Who serves an API on the client listener. */
typedef enum kr_client_api_kind {
    KR_CLIENT_READ,   /* pure handler below (kr_client_read_fn) */
    KR_CLIENT_WRITE,  /* committed through Raft by the daemon */
    KR_CLIENT_SASL,   /* SaslHandshake / SaslAuthenticate (kraft/sasl_server.h) */
    KR_CLIENT_QUORUM, /* DescribeQuorum (the daemon's Raft state) */
} kr_client_api_kind;

/* A read handler behind void pointers: req is the kr_<Api>Request, resp the
 * kr_<Api>Response (initialised by the handler). KR_OK, or KR_ERR_NOMEM when
 * the arena runs out, or KR_ERR_UNSUPPORTED for a version outside the table. */
typedef int (*kr_client_read_fn)(const kr_client_ctx *ctx, const kr_image *img, const void *req,
                                 int16_t version, void *resp, kr_arena *arena);

typedef struct kr_client_api {
    int16_t api_key;
    int16_t min_version, max_version; /* advertised */
    kr_client_api_kind kind;
    kr_client_read_fn read; /* KR_CLIENT_READ only */
} kr_client_api;

/* The advertised set, sorted by api key. ApiVersions (18, v0-4) is not listed:
 * kr_net_server answers it itself from the table built below. */
extern const kr_client_api kr_client_apis[];
extern const size_t kr_client_api_count;
/* NULL when the client listener does not serve api_key. */
const kr_client_api *kr_client_api_find(int16_t api_key);

/* Runs the read handler of api_key at `version`: KR_ERR_UNSUPPORTED when the
 * key is not a read API or the version is not advertised. */
int kr_client_read(const kr_client_ctx *ctx, const kr_image *img, int16_t api_key, const void *req,
                   int16_t version, void *resp, kr_arena *arena, kr_error *err);

/* The feature part of an ApiVersions v3+ answer (tagged fields), for the
 * server's ApiVersions hook: SupportedFeatures (metadata.version 1 to the
 * latest production level, kraft.version 0-0; entries with MinVersion 0 are
 * left out below v4, KAFKA-17011), FinalizedFeatures from the image
 * (metadata.version and every other feature at a level > 0) and
 * FinalizedFeaturesEpoch = finalized_epoch (the offset of the image, -1 when
 * unknown). Below v3 nothing is set. */
int kr_client_api_versions_features(const kr_image *img, int64_t finalized_epoch, int16_t version,
                                    kr_ApiVersionsResponse *resp, kr_arena *arena);

/* The daemon's handlers, one per kind. A NULL slot leaves that kind's APIs
 * out of the table, so nothing is advertised that is not served. */
typedef struct kr_client_handlers {
    kr_net_handler_fn read;   /* typically: kr_client_read on the current image, then kr_net_respond */
    void *read_ctx;
    kr_net_handler_fn write;
    void *write_ctx;
    kr_net_handler_fn sasl;
    void *sasl_ctx;
    kr_net_handler_fn quorum;
    void *quorum_ctx;
} kr_client_handlers;

/* Fills out[0..*n) with the client listener's kr_net_api table. */
int kr_client_net_apis(const kr_client_handlers *h, kr_net_api *out, size_t cap, size_t *n, kr_error *err);

#endif
