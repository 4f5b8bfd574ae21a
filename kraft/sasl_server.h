/*
 * The per-connection SASL authenticator of the client listener (spec
 * kafka-api.md §11.1, Kafka's SaslServerAuthenticator) as a pure state
 * machine: the daemon asks kr_sasl_gate before serving each request, routes
 * SaslHandshake / SaslAuthenticate here, and closes the connection when told.
 *
 * Mechanisms: PLAIN (RFC 4616) and SCRAM-SHA-256/512 (kraft/scram.h), both
 * against the SCRAM credentials in the metadata image, so users migrated from
 * ZooKeeper keep their passwords. PLAIN has no password store of its own: the
 * offered password is run through the stored credential's salt and iteration
 * count and the resulting StoredKey compared with the stored one
 * (SCRAM-SHA-512 credential first, else SCRAM-SHA-256). See docs/client-api.md.
 */
#ifndef KRAFT_SASL_SERVER_H
#define KRAFT_SASL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/image.h"
#include "kraft/scram.h"

/* Enabled mechanisms (sasl.enabled.mechanisms). 0 = a PLAINTEXT listener. */
enum {
    KR_SASL_PLAIN = 1 << 0,
    KR_SASL_SCRAM_SHA_256 = 1 << 1,
    KR_SASL_SCRAM_SHA_512 = 1 << 2,
};

typedef enum kr_sasl_phase {
    KR_SASL_PHASE_HANDSHAKE_OR_VERSIONS, /* initial: ApiVersions or SaslHandshake */
    KR_SASL_PHASE_HANDSHAKE,             /* ApiVersions answered: SaslHandshake only */
    KR_SASL_PHASE_AUTHENTICATE,          /* after SaslHandshake v1: SaslAuthenticate only */
    KR_SASL_PHASE_RAW_TOKENS,            /* after SaslHandshake v0: raw size-prefixed tokens */
    KR_SASL_PHASE_COMPLETE,              /* authenticated (or PLAINTEXT): everything */
    KR_SASL_PHASE_FAILED,                /* the connection must be closed */
} kr_sasl_phase;

typedef enum kr_sasl_verdict {
    KR_SASL_SERVE,         /* serve it (SaslHandshake/SaslAuthenticate through the functions below) */
    KR_SASL_CLOSE,         /* close the connection without answering */
    KR_SASL_ILLEGAL_STATE, /* answer with that API's error response carrying 34 ILLEGAL_SASL_STATE, then close */
} kr_sasl_verdict;

#define KR_SASL_MAX_USER 255

typedef struct kr_sasl_session {
    unsigned enabled;  /* KR_SASL_* */
    kr_sasl_phase phase;
    unsigned mechanism; /* the one chosen in the handshake */
    kr_scram_server scram;
    char server_nonce[128]; /* "" = random per exchange (kraft/scram.h) */
    char principal[KR_SASL_MAX_USER + 8]; /* "User:alice" once complete */
} kr_sasl_session;

/* server_nonce: injected for tests; NULL for a random one. */
void kr_sasl_session_init(kr_sasl_session *s, unsigned enabled_mechanisms, const char *server_nonce);

/* Before serving any request with api_key on this connection. A CLOSE or
 * ILLEGAL_STATE verdict also moves the session to FAILED. */
kr_sasl_verdict kr_sasl_gate(kr_sasl_session *s, int16_t api_key);
/* After ApiVersions was answered: a success ends the ApiVersions window (a
 * repeat then closes); UNSUPPORTED_VERSION / INVALID_REQUEST keep it open. */
void kr_sasl_api_versions_answered(kr_sasl_session *s, int16_t error_code);

/* SaslHandshake v0-1. Returns true when the connection must be closed after
 * sending resp (unsupported mechanism, or a handshake out of order). */
bool kr_sasl_handshake(kr_sasl_session *s, const kr_SaslHandshakeRequest *req, int16_t version,
                       kr_SaslHandshakeResponse *resp, kr_arena *arena);
/* SaslAuthenticate v0-2 (after a v1 handshake). Returns true when the
 * connection must be closed after sending resp (58 or 34). */
bool kr_sasl_authenticate(kr_sasl_session *s, const kr_image *img, const kr_SaslAuthenticateRequest *req,
                          int16_t version, kr_SaslAuthenticateResponse *resp, kr_arena *arena);
/* One raw token after a v0 handshake. KR_OK: send *out as a size-prefixed
 * frame (possibly empty); any error: close without sending. */
int kr_sasl_raw_token(kr_sasl_session *s, const kr_image *img, const uint8_t *token, size_t len, kr_bytes *out,
                      kr_arena *arena, kr_error *err);

/* "User:<name>" once authenticated, "User:ANONYMOUS" on PLAINTEXT; NULL before. */
const char *kr_sasl_principal(const kr_sasl_session *s);
/* "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"; NULL for other bits. */
const char *kr_sasl_mechanism_name(unsigned mechanism);
/* Parses a sasl.enabled.mechanisms value ("SCRAM-SHA-512,PLAIN"): KR_OK or
 * KR_ERR_INVALID naming the unknown mechanism. */
int kr_sasl_parse_mechanisms(const char *list, unsigned *out, kr_error *err);

#endif
