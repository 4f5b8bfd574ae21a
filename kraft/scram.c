#include "kraft/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const EVP_MD *md_of(int mechanism) {
    switch (mechanism) {
    case KR_SCRAM_SHA_256: return EVP_sha256();
    case KR_SCRAM_SHA_512: return EVP_sha512();
    default: return NULL;
    }
}

int kr_scram_mechanism_parse(const char *name) {
    if (!strcmp(name, "SCRAM-SHA-256")) return KR_SCRAM_SHA_256;
    if (!strcmp(name, "SCRAM-SHA-512")) return KR_SCRAM_SHA_512;
    return 0;
}

size_t kr_scram_hash_len(int mechanism) {
    return mechanism == KR_SCRAM_SHA_256 ? 32 : mechanism == KR_SCRAM_SHA_512 ? 64 : 0;
}

static bool hmac(int mechanism, const uint8_t *key, size_t key_len, const void *data, size_t n, uint8_t *out) {
    unsigned int len = 0;
    return HMAC(md_of(mechanism), key, (int)key_len, data, n, out, &len) != NULL &&
           len == kr_scram_hash_len(mechanism);
}

static bool hash(int mechanism, const uint8_t *data, size_t n, uint8_t *out) {
    unsigned int len = 0;
    return EVP_Digest(data, n, out, &len, md_of(mechanism), NULL) == 1 && len == kr_scram_hash_len(mechanism);
}

int kr_scram_salted_password(int mechanism, const char *password, size_t password_len, const uint8_t *salt,
                             size_t salt_len, int32_t iterations, uint8_t out[KR_SCRAM_MAX_HASH], kr_error *err) {
    if (!md_of(mechanism)) return kr_fail(err, KR_ERR_INVALID, "unknown SCRAM mechanism %d", mechanism);
    if (iterations < 1) return kr_fail(err, KR_ERR_INVALID, "SCRAM iterations %d must be positive", iterations);
    /* PBKDF2 with an output of exactly one hash block is RFC 5802's Hi(). */
    if (PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len, iterations, md_of(mechanism),
                          (int)kr_scram_hash_len(mechanism), out) != 1)
        return kr_fail(err, KR_ERR_INVALID, "PBKDF2 failed");
    return KR_OK;
}

int kr_scram_keys_from_salted(int mechanism, const uint8_t *salted, kr_scram_credential *cred, kr_error *err) {
    size_t h = kr_scram_hash_len(mechanism);
    uint8_t client_key[KR_SCRAM_MAX_HASH];
    if (!h) return kr_fail(err, KR_ERR_INVALID, "unknown SCRAM mechanism %d", mechanism);
    if (!hmac(mechanism, salted, h, "Client Key", 10, client_key) || !hash(mechanism, client_key, h, cred->stored_key) ||
        !hmac(mechanism, salted, h, "Server Key", 10, cred->server_key))
        return kr_fail(err, KR_ERR_INVALID, "HMAC failed");
    cred->mechanism = mechanism;
    OPENSSL_cleanse(client_key, sizeof client_key);
    return KR_OK;
}

int kr_scram_credential_from_password(int mechanism, const char *password, const uint8_t *salt, size_t salt_len,
                                      int32_t iterations, kr_scram_credential *cred, kr_error *err) {
    if (salt_len > sizeof cred->salt) return kr_fail(err, KR_ERR_INVALID, "SCRAM salt longer than 256 bytes");
    uint8_t salted[KR_SCRAM_MAX_HASH];
    int rc = kr_scram_salted_password(mechanism, password, strlen(password), salt, salt_len, iterations, salted, err);
    if (rc == KR_OK) rc = kr_scram_keys_from_salted(mechanism, salted, cred, err);
    OPENSSL_cleanse(salted, sizeof salted);
    if (rc != KR_OK) return rc;
    memcpy(cred->salt, salt, salt_len);
    cred->salt_len = salt_len;
    cred->iterations = iterations;
    return KR_OK;
}

/* ---- the server exchange ------------------------------------------------------ */

void kr_scram_server_init(kr_scram_server *s, int mechanism) {
    memset(s, 0, sizeof *s);
    s->mechanism = mechanism;
}

static int fail(kr_scram_server *s, kr_error *err, const char *why) {
    s->state = 3;
    return kr_fail(err, KR_ERR_INVALID, "SCRAM authentication failed: %s", why);
}

/* Copies attribute value `key=` at p (up to ',' or end) into out; returns the end. */
static const char *attr(const char *p, const char *end, char key, char *out, size_t cap, bool *ok) {
    *ok = false;
    if (end - p < 2 || p[0] != key || p[1] != '=') return p;
    p += 2;
    const char *v = p;
    while (p < end && *p != ',') p++;
    size_t n = (size_t)(p - v);
    if (n >= cap) return p;
    memcpy(out, v, n);
    out[n] = '\0';
    *ok = true;
    return p;
}

/* saslname: "=2C" → ',', "=3D" → '='; any other '=' is malformed. */
static bool unescape_name(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '=') {
            if (!strncmp(r, "=2C", 3)) *w++ = ',';
            else if (!strncmp(r, "=3D", 3)) *w++ = '=';
            else return false;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return true;
}

static void random_nonce(char *out, size_t n) {
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint8_t raw[64];
    if (n > sizeof raw) n = sizeof raw;
    if (getrandom(raw, n, 0) != (ssize_t)n) memset(raw, 7, n);
    for (size_t i = 0; i < n; i++) out[i] = digits[raw[i] % 36];
    out[n] = '\0';
}

int kr_scram_server_first(kr_scram_server *s, const char *msg, size_t len, kr_scram_lookup_fn lookup, void *ctx,
                          const char *server_nonce, char *out, size_t out_cap, kr_error *err) {
    if (s->state != 0) return fail(s, err, "client-first out of order");
    const char *p = msg, *end = msg + len;
    if (len < 3 || memchr(msg, '\0', len) || p[0] != 'n' || p[1] != ',')
        return fail(s, err, "client-first must start with the GS2 header 'n,' (no channel binding)");
    p += 2;
    char authzid[256] = "";
    bool ok;
    if (p < end && *p == 'a') {
        p = attr(p, end, 'a', authzid, sizeof authzid, &ok);
        if (!ok) return fail(s, err, "malformed authzid");
    }
    if (p >= end || *p != ',') return fail(s, err, "malformed GS2 header");
    p++;
    const char *bare = p;
    char nonce[256];
    p = attr(p, end, 'n', s->user, sizeof s->user, &ok);
    if (!ok || p >= end || *p != ',') return fail(s, err, "client-first lacks n=<user>");
    p = attr(p + 1, end, 'r', nonce, sizeof nonce, &ok);
    if (!ok || !nonce[0]) return fail(s, err, "client-first lacks r=<nonce>");
    /* Extensions after the nonce (tokenauth=true, ...) are kept in client-first-bare. */
    if (!unescape_name(s->user)) return fail(s, err, "malformed user name escape");
    if (authzid[0] && strcmp(authzid, s->user) != 0) return fail(s, err, "authzid differs from the user");
    if ((size_t)(end - bare) >= sizeof s->client_first_bare) return fail(s, err, "client-first too long");
    memcpy(s->client_first_bare, bare, (size_t)(end - bare));
    s->client_first_bare[end - bare] = '\0';
    if (!lookup(ctx, s->user, s->mechanism, &s->cred) || s->cred.iterations < KR_SCRAM_MIN_ITERATIONS)
        return fail(s, err, "unknown user or credential unusable");
    char snonce[64];
    if (server_nonce) snprintf(snonce, sizeof snonce, "%s", server_nonce);
    else random_nonce(snonce, 26);
    snprintf(s->nonce, sizeof s->nonce, "%s%s", nonce, snonce);
    char salt64[400];
    if (!kr_base64_encode(s->cred.salt, s->cred.salt_len, salt64, sizeof salt64)) return fail(s, err, "salt too long");
    int n = snprintf(s->server_first, sizeof s->server_first, "r=%s,s=%s,i=%d", s->nonce, salt64, s->cred.iterations);
    if (n < 0 || (size_t)n >= sizeof s->server_first || (size_t)n >= out_cap) return fail(s, err, "server-first too long");
    memcpy(out, s->server_first, (size_t)n + 1);
    s->state = 1;
    return KR_OK;
}

int kr_scram_server_final(kr_scram_server *s, const char *msg, size_t len, char *out, size_t out_cap, kr_error *err) {
    if (s->state != 1) return fail(s, err, "client-final out of order");
    /* Parse a NUL-terminated copy: the wire buffer has no terminator. */
    char copy[2048];
    if (len >= sizeof copy) return fail(s, err, "client-final too long");
    if (memchr(msg, '\0', len)) return fail(s, err, "NUL in client-final");
    memcpy(copy, msg, len);
    copy[len] = '\0';
    msg = copy;
    const char *end = msg + len;
    char channel[128], nonce[512], proof64[200];
    bool ok;
    const char *p = attr(msg, end, 'c', channel, sizeof channel, &ok);
    if (!ok || p >= end) return fail(s, err, "client-final lacks c=");
    p = attr(p + 1, end, 'r', nonce, sizeof nonce, &ok);
    if (!ok) return fail(s, err, "client-final lacks r=");
    const char *without_proof_end = p;
    /* Skip extensions up to the proof, which comes last. */
    const char *pp = strstr(p, ",p=");
    while (pp && memchr(pp + 3, ',', (size_t)(end - pp - 3))) pp = strstr(pp + 1, ",p=");
    if (!pp) return fail(s, err, "client-final lacks p=");
    attr(pp + 1, end, 'p', proof64, sizeof proof64, &ok);
    if (!ok) return fail(s, err, "malformed proof");
    /* Kafka accepts a nonce that ends with the server's (librdkafka < 2.6.1). */
    size_t nl = strlen(nonce), sl = strlen(s->nonce);
    if (nl < sl || strcmp(nonce + nl - sl, s->nonce) != 0) return fail(s, err, "nonce mismatch");
    /* The channel binding must be the GS2 header the client first sent. */
    uint8_t gs2[128];
    long g = kr_base64_decode(channel, strlen(channel), gs2, sizeof gs2);
    if (g < 3 || gs2[0] != 'n' || gs2[1] != ',' || gs2[g - 1] != ',') return fail(s, err, "channel binding mismatch");
    char auth_message[3072];
    int am = snprintf(auth_message, sizeof auth_message, "%s,%s,%.*s", s->client_first_bare, s->server_first,
                      (int)(without_proof_end - msg), msg);
    if (am < 0 || (size_t)am >= sizeof auth_message) return fail(s, err, "messages too long");
    size_t h = kr_scram_hash_len(s->mechanism);
    uint8_t proof[KR_SCRAM_MAX_HASH + 8], sig[KR_SCRAM_MAX_HASH], client_key[KR_SCRAM_MAX_HASH],
        stored[KR_SCRAM_MAX_HASH], server_sig[KR_SCRAM_MAX_HASH];
    long pl = kr_base64_decode(proof64, strlen(proof64), proof, sizeof proof);
    if (pl != (long)h) return fail(s, err, "proof has the wrong length");
    if (!hmac(s->mechanism, s->cred.stored_key, h, auth_message, (size_t)am, sig)) return fail(s, err, "HMAC failed");
    for (size_t i = 0; i < h; i++) client_key[i] = proof[i] ^ sig[i];
    if (!hash(s->mechanism, client_key, h, stored) || CRYPTO_memcmp(stored, s->cred.stored_key, h) != 0)
        return fail(s, err, "invalid credentials");
    if (!hmac(s->mechanism, s->cred.server_key, h, auth_message, (size_t)am, server_sig)) return fail(s, err, "HMAC failed");
    char sig64[100];
    kr_base64_encode(server_sig, h, sig64, sizeof sig64);
    if ((size_t)snprintf(out, out_cap, "v=%s", sig64) >= out_cap) return fail(s, err, "output buffer too small");
    s->state = 2;
    return KR_OK;
}
