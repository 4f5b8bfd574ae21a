/*
 * SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka implements it (spec
 * kafka-api.md §11.3): credential derivation, and the server side of one
 * authentication exchange over stored credentials. OpenSSL does the
 * hashing; nothing here touches a socket.
 */
#ifndef KRAFT_SCRAM_H
#define KRAFT_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h" /* kr_base64_* */

enum kr_scram_mechanism { KR_SCRAM_SHA_256 = 1, KR_SCRAM_SHA_512 = 2 };

#define KR_SCRAM_MAX_HASH 64          /* SHA-512 */
#define KR_SCRAM_MIN_ITERATIONS 4096
#define KR_SCRAM_MAX_ITERATIONS 16384

/* "SCRAM-SHA-256" → 1; 0 if unknown. */
int kr_scram_mechanism_parse(const char *name);
size_t kr_scram_hash_len(int mechanism); /* 32 or 64; 0 if unknown */

typedef struct kr_scram_credential {
    int mechanism;
    uint8_t salt[256];
    size_t salt_len;
    uint8_t stored_key[KR_SCRAM_MAX_HASH], server_key[KR_SCRAM_MAX_HASH];
    int32_t iterations;
} kr_scram_credential;

/* Hi(password, salt, iterations): PBKDF2-HMAC, one block. */
int kr_scram_salted_password(int mechanism, const char *password, size_t password_len,
                             const uint8_t *salt, size_t salt_len, int32_t iterations,
                             uint8_t out[KR_SCRAM_MAX_HASH], kr_error *err);
/* StoredKey and ServerKey from a salted password (AlterUserScramCredentials). */
int kr_scram_keys_from_salted(int mechanism, const uint8_t *salted, kr_scram_credential *cred,
                              kr_error *err);
/* The whole credential from a password (tests, tools). */
int kr_scram_credential_from_password(int mechanism, const char *password, const uint8_t *salt,
                                      size_t salt_len, int32_t iterations, kr_scram_credential *cred,
                                      kr_error *err);

/* Server side of one exchange. */
typedef struct kr_scram_server {
    int mechanism;
    int state; /* 0 = expect client-first, 1 = expect client-final, 2 = done, 3 = failed */
    char user[256];
    char client_first_bare[1024];
    char server_first[1024];
    char nonce[512]; /* client nonce + server nonce */
    kr_scram_credential cred;
} kr_scram_server;

/* Looks up the credential of `user` for the server's mechanism; false if none. */
typedef bool (*kr_scram_lookup_fn)(void *ctx, const char *user, int mechanism, kr_scram_credential *out);

void kr_scram_server_init(kr_scram_server *s, int mechanism);
/* client-first → server-first. server_nonce: caller's random text (tests pass a fixed one; NULL = random).
 * Fails (KR_ERR_INVALID, "authentication failed" style message) for malformed
 * input, channel binding, an authzid other than the user, or an unknown user. */
int kr_scram_server_first(kr_scram_server *s, const char *client_first, size_t len, kr_scram_lookup_fn lookup,
                          void *ctx, const char *server_nonce, char *out, size_t out_cap, kr_error *err);
/* client-final → server-final ("v=..."). Accepts a nonce that ends with the
 * server's nonce (librdkafka < 2.6.1 repeats the client nonce). */
int kr_scram_server_final(kr_scram_server *s, const char *client_final, size_t len, char *out, size_t out_cap,
                          kr_error *err);
/* The authenticated user name once state == 2. */
static inline const char *kr_scram_server_user(const kr_scram_server *s) { return s->state == 2 ? s->user : NULL; }


#endif
