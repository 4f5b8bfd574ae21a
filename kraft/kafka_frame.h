/*
 * Kafka request/response framing (spec kafka-api.md §1.1, §1.3): an int32
 * size prefix, then a request header (v1 for non-flexible request versions,
 * v2 for flexible ones) or response header (v0/v1; ApiVersions always v0),
 * then the body, encoded by the generated codecs (kr_rpc_codec_lookup).
 *
 * Used by the server, both clients and the fuzz target, so all of them go
 * through the same header and body paths.
 */
#ifndef KRAFT_KAFKA_FRAME_H
#define KRAFT_KAFKA_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/wire.h"

/* Kafka's socket.request.max.bytes default. */
#define KR_FRAME_MAX_DEFAULT_BYTES (100u * 1024u * 1024u)
#define KR_FRAME_SIZE_PREFIX_BYTES 4

#define KR_API_VERSIONS 18
#define KR_API_DESCRIBE_QUORUM 55
#define KR_API_DESCRIBE_CLUSTER 60

/* Kafka error codes the network layer itself produces or interprets. */
#define KR_KAFKA_NONE 0
#define KR_KAFKA_UNSUPPORTED_VERSION 35
#define KR_KAFKA_INVALID_REQUEST 42

/* Checks a frame's size prefix before anything is allocated for it: it must
 * be positive and at most max_bytes. `what` names the peer in the error. */
int kr_frame_check_size(int32_t size, size_t max_bytes, const char *what, kr_error *err);

/* Header versions by the rule of §1.3; unknown APIs count as non-flexible. */
int16_t kr_request_header_version(int16_t api_key, int16_t api_version);
int16_t kr_response_header_version(int16_t api_key, int16_t api_version);

/* Decodes the request header at the start of a frame body (after the size
 * prefix). Sets *body_offset to the first byte of the request body. Errors
 * name the API key, version and correlation id when they could be read. */
int kr_request_header_decode(const uint8_t *frame, size_t len, kr_RequestHeader *hdr,
                             size_t *body_offset, kr_arena *arena, kr_error *err);

/* Decodes a request body with the API's generated codec; every byte must be
 * consumed. `msg` must have room for codec->request_size bytes. */
int kr_request_body_decode(const kr_rpc_codec *codec, const kr_RequestHeader *hdr,
                           const uint8_t *body, size_t len, void *msg, kr_arena *arena,
                           kr_error *err);

/* Appends a whole request frame (size prefix, header, body) to out. */
int kr_request_frame_encode(kr_buf *out, int16_t api_key, int16_t api_version,
                            int32_t correlation_id, const char *client_id, const void *msg,
                            kr_error *err);

/* Appends a whole response frame; the header version follows §1.3. */
int kr_response_frame_encode(kr_buf *out, int16_t api_key, int16_t api_version,
                             int32_t correlation_id, const void *msg, kr_error *err);

/* Reads the correlation id of a response frame body (the first 4 bytes of
 * every response header version). */
int kr_response_correlation_id(const uint8_t *frame, size_t len, int32_t *correlation_id,
                               kr_error *err);

/* Decodes a response frame body (header + body) for api_key at api_version;
 * `msg` must have room for the codec's response_size. */
int kr_response_frame_decode(const uint8_t *frame, size_t len, int16_t api_key,
                             int16_t api_version, void *msg, kr_arena *arena, kr_error *err);

#endif
