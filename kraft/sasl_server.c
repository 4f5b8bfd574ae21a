/* The client listener's SASL state machine (spec kafka-api.md §11). */
#include "kraft/sasl_server.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "kraft/client_api.h"
#include "kraft/client_util.h"

#define API_SASL_HANDSHAKE 17
#define API_VERSIONS 18
#define API_SASL_AUTHENTICATE 36

static const struct {
    unsigned bit;
    const char *name;
} mechanisms[] = {
    {KR_SASL_PLAIN, "PLAIN"},
    {KR_SASL_SCRAM_SHA_256, "SCRAM-SHA-256"},
    {KR_SASL_SCRAM_SHA_512, "SCRAM-SHA-512"},
};
#define MECHANISM_COUNT (sizeof mechanisms / sizeof mechanisms[0])

const char *kr_sasl_mechanism_name(unsigned mechanism) {
    for (size_t i = 0; i < MECHANISM_COUNT; i++)
        if (mechanisms[i].bit == mechanism) return mechanisms[i].name;
    return NULL;
}

static unsigned mechanism_bit(const char *p, size_t n) {
    for (size_t i = 0; i < MECHANISM_COUNT; i++)
        if (strlen(mechanisms[i].name) == n && !memcmp(mechanisms[i].name, p, n)) return mechanisms[i].bit;
    return 0;
}

int kr_sasl_parse_mechanisms(const char *list, unsigned *out, kr_error *err) {
    *out = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ') p++;
        if (p == start) break;
        unsigned bit = mechanism_bit(start, (size_t)(p - start));
        if (!bit)
            return kr_fail(err, KR_ERR_INVALID, "sasl.enabled.mechanisms: unsupported mechanism \"%.*s\"",
                           (int)(p - start), start);
        *out |= bit;
    }
    return KR_OK;
}

void kr_sasl_session_init(kr_sasl_session *s, unsigned enabled_mechanisms, const char *server_nonce) {
    memset(s, 0, sizeof *s);
    s->enabled = enabled_mechanisms;
    if (server_nonce) snprintf(s->server_nonce, sizeof s->server_nonce, "%s", server_nonce);
    if (!enabled_mechanisms) {
        s->phase = KR_SASL_PHASE_COMPLETE;
        snprintf(s->principal, sizeof s->principal, "User:ANONYMOUS");
    }
}

const char *kr_sasl_principal(const kr_sasl_session *s) {
    return s->phase == KR_SASL_PHASE_COMPLETE ? s->principal : NULL;
}

kr_sasl_verdict kr_sasl_gate(kr_sasl_session *s, int16_t api_key) {
    kr_sasl_verdict v = KR_SASL_CLOSE;
    switch (s->phase) {
    case KR_SASL_PHASE_COMPLETE: return KR_SASL_SERVE;
    case KR_SASL_PHASE_HANDSHAKE_OR_VERSIONS:
        if (api_key == API_VERSIONS || api_key == API_SASL_HANDSHAKE) return KR_SASL_SERVE;
        break;
    case KR_SASL_PHASE_HANDSHAKE: /* a second ApiVersions after a successful one closes too */
        if (api_key == API_SASL_HANDSHAKE) return KR_SASL_SERVE;
        break;
    case KR_SASL_PHASE_AUTHENTICATE:
        if (api_key == API_SASL_AUTHENTICATE) return KR_SASL_SERVE;
        v = KR_SASL_ILLEGAL_STATE;
        break;
    case KR_SASL_PHASE_RAW_TOKENS: /* frames are raw tokens now, not requests */
    case KR_SASL_PHASE_FAILED: break;
    }
    s->phase = KR_SASL_PHASE_FAILED;
    return v;
}

void kr_sasl_api_versions_answered(kr_sasl_session *s, int16_t error_code) {
    if (s->phase == KR_SASL_PHASE_HANDSHAKE_OR_VERSIONS && error_code == KR_KERR_NONE)
        s->phase = KR_SASL_PHASE_HANDSHAKE;
}

static int mechanisms_list(const kr_sasl_session *s, kr_array_str *out, kr_arena *arena) {
    int32_t n = 0;
    for (size_t i = 0; i < MECHANISM_COUNT; i++) n += (s->enabled & mechanisms[i].bit) != 0;
    kr_str *v = KR_CLIENT_ALLOC(arena, (size_t)n, *v);
    if (n && !v) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (size_t i = 0; i < MECHANISM_COUNT; i++)
        if (s->enabled & mechanisms[i].bit) v[k++] = kr_str_c(mechanisms[i].name);
    *out = (kr_array_str){v, k};
    return KR_OK;
}

bool kr_sasl_handshake(kr_sasl_session *s, const kr_SaslHandshakeRequest *req, int16_t version,
                       kr_SaslHandshakeResponse *resp, kr_arena *arena) {
    kr_SaslHandshakeResponse_init(resp);
    if (s->phase == KR_SASL_PHASE_COMPLETE) { /* re-authentication is not offered */
        resp->ErrorCode = KR_KERR_ILLEGAL_SASL_STATE;
        return false;
    }
    if (s->phase != KR_SASL_PHASE_HANDSHAKE_OR_VERSIONS && s->phase != KR_SASL_PHASE_HANDSHAKE) {
        resp->ErrorCode = KR_KERR_ILLEGAL_SASL_STATE;
        s->phase = KR_SASL_PHASE_FAILED;
        return true;
    }
    if (mechanisms_list(s, &resp->Mechanisms, arena) != KR_OK) {
        resp->ErrorCode = KR_KERR_UNKNOWN_SERVER_ERROR;
        s->phase = KR_SASL_PHASE_FAILED;
        return true;
    }
    unsigned bit = req->Mechanism.len > 0 ? mechanism_bit(req->Mechanism.ptr, (size_t)req->Mechanism.len) : 0;
    if (!bit || !(s->enabled & bit)) {
        resp->ErrorCode = KR_KERR_UNSUPPORTED_SASL_MECHANISM;
        s->phase = KR_SASL_PHASE_FAILED;
        return true;
    }
    s->mechanism = bit;
    if (bit != KR_SASL_PLAIN)
        kr_scram_server_init(&s->scram, bit == KR_SASL_SCRAM_SHA_256 ? KR_SCRAM_SHA_256 : KR_SCRAM_SHA_512);
    s->phase = version >= 1 ? KR_SASL_PHASE_AUTHENTICATE : KR_SASL_PHASE_RAW_TOKENS;
    return false;
}

/* ---- credentials from the image ------------------------------------------------ */

static const kr_image_scram *find_credential(const kr_image *img, const char *user, int mechanism) {
    for (int32_t i = 0; i < img->scram.n; i++) {
        const kr_image_scram *c = &img->scram.v[i];
        if (c->mechanism == mechanism && c->user && !strcmp(c->user, user)) return c;
    }
    return NULL;
}

static bool credential_copy(const kr_image_scram *c, kr_scram_credential *out) {
    size_t h = kr_scram_hash_len(c->mechanism);
    if (!h || c->salt_len < 0 || (size_t)c->salt_len > sizeof out->salt || (size_t)c->stored_key_len != h ||
        (size_t)c->server_key_len != h)
        return false;
    memset(out, 0, sizeof *out);
    out->mechanism = c->mechanism;
    memcpy(out->salt, c->salt, (size_t)c->salt_len);
    out->salt_len = (size_t)c->salt_len;
    memcpy(out->stored_key, c->stored_key, h);
    memcpy(out->server_key, c->server_key, h);
    out->iterations = c->iterations;
    return true;
}

static bool image_lookup(void *ctx, const char *user, int mechanism, kr_scram_credential *out) {
    const kr_image_scram *c = find_credential(ctx, user, mechanism);
    return c && credential_copy(c, out);
}

/* [ext] PLAIN over SCRAM credentials: derive StoredKey from the offered password. */
static bool plain_password_matches(const kr_image *img, const char *user, const char *password, size_t password_len) {
    const kr_image_scram *c = find_credential(img, user, KR_SCRAM_SHA_512);
    if (!c) c = find_credential(img, user, KR_SCRAM_SHA_256);
    kr_scram_credential stored, offered;
    if (!c || !credential_copy(c, &stored)) return false;
    /* Bounded work per attempt: only credentials Kafka itself could have made. */
    if (stored.iterations < KR_SCRAM_MIN_ITERATIONS || stored.iterations > KR_SCRAM_MAX_ITERATIONS) return false;
    uint8_t salted[KR_SCRAM_MAX_HASH];
    if (kr_scram_salted_password(stored.mechanism, password, password_len, stored.salt, stored.salt_len,
                                 stored.iterations, salted, NULL) != KR_OK)
        return false;
    offered.mechanism = stored.mechanism;
    bool ok = kr_scram_keys_from_salted(stored.mechanism, salted, &offered, NULL) == KR_OK &&
              CRYPTO_memcmp(offered.stored_key, stored.stored_key, kr_scram_hash_len(stored.mechanism)) == 0;
    OPENSSL_cleanse(salted, sizeof salted);
    return ok;
}

/* ---- one client token ------------------------------------------------------------ */

typedef enum { STEP_CHALLENGE, STEP_DONE, STEP_FAILED } step_result;

static step_result fail_generic(const kr_sasl_session *s, char *why, size_t cap) {
    snprintf(why, cap, "Authentication failed during authentication due to invalid credentials with SASL mechanism %s",
             kr_sasl_mechanism_name(s->mechanism));
    return STEP_FAILED;
}

static step_result plain_step(kr_sasl_session *s, const kr_image *img, const uint8_t *tok, size_t len, char *why,
                              size_t cap) {
    const char *p = (const char *)tok, *end = p + len;
    const char *nul1 = memchr(p, '\0', len);
    const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1)) : NULL;
    if (!nul1 || !nul2 || memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1))) return fail_generic(s, why, cap);
    size_t authz_len = (size_t)(nul1 - p), user_len = (size_t)(nul2 - nul1 - 1), pw_len = (size_t)(end - nul2 - 1);
    const char *user = nul1 + 1, *password = nul2 + 1;
    if (!user_len) {
        snprintf(why, cap, "Authentication failed: username not specified");
        return STEP_FAILED;
    }
    if (!pw_len) {
        snprintf(why, cap, "Authentication failed: password not specified");
        return STEP_FAILED;
    }
    char name[KR_SASL_MAX_USER + 1];
    if (user_len > KR_SASL_MAX_USER) {
        snprintf(why, cap, "Authentication failed: Invalid username or password");
        return STEP_FAILED;
    }
    memcpy(name, user, user_len);
    name[user_len] = '\0';
    if (!plain_password_matches(img, name, password, pw_len)) {
        snprintf(why, cap, "Authentication failed: Invalid username or password");
        return STEP_FAILED;
    }
    if (authz_len && (authz_len != user_len || memcmp(p, user, user_len))) {
        snprintf(why, cap, "Authentication failed: Client requested an authorization id that is different from username");
        return STEP_FAILED;
    }
    snprintf(s->principal, sizeof s->principal, "User:%s", name);
    return STEP_DONE;
}

static step_result scram_step(kr_sasl_session *s, const kr_image *img, const uint8_t *tok, size_t len, char *out,
                              size_t out_cap, char *why, size_t cap) {
    kr_error err = {0};
    if (s->scram.state == 0) {
        if (kr_scram_server_first(&s->scram, (const char *)tok, len, image_lookup, (void *)img,
                                  s->server_nonce[0] ? s->server_nonce : NULL, out, out_cap, &err) != KR_OK)
            return fail_generic(s, why, cap);
        return STEP_CHALLENGE;
    }
    if (kr_scram_server_final(&s->scram, (const char *)tok, len, out, out_cap, &err) != KR_OK)
        return fail_generic(s, why, cap);
    snprintf(s->principal, sizeof s->principal, "User:%s", kr_scram_server_user(&s->scram));
    return STEP_DONE;
}

/* Runs one token; out gets the server's token (possibly empty). */
static step_result step(kr_sasl_session *s, const kr_image *img, const uint8_t *tok, size_t len, kr_bytes *out,
                        kr_arena *arena, char *why, size_t cap) {
    char buf[1200] = "";
    step_result r = s->mechanism == KR_SASL_PLAIN ? plain_step(s, img, tok, len, why, cap)
                                                  : scram_step(s, img, tok, len, buf, sizeof buf, why, cap);
    *out = (kr_bytes){(const uint8_t *)"", 0};
    if (r != STEP_FAILED && buf[0]) {
        kr_str copy = kr_client_str(arena, buf, strlen(buf));
        if (kr_str_is_null(copy)) {
            snprintf(why, cap, "out of memory");
            r = STEP_FAILED;
        } else {
            *out = (kr_bytes){(const uint8_t *)copy.ptr, copy.len};
        }
    }
    s->phase = r == STEP_DONE ? KR_SASL_PHASE_COMPLETE : r == STEP_FAILED ? KR_SASL_PHASE_FAILED : s->phase;
    return r;
}

bool kr_sasl_authenticate(kr_sasl_session *s, const kr_image *img, const kr_SaslAuthenticateRequest *req,
                          int16_t version, kr_SaslAuthenticateResponse *resp, kr_arena *arena) {
    kr_SaslAuthenticateResponse_init(resp);
    resp->AuthBytes = (kr_bytes){(const uint8_t *)"", 0};
    if (s->phase == KR_SASL_PHASE_COMPLETE) {
        resp->ErrorCode = KR_KERR_ILLEGAL_SASL_STATE;
        resp->ErrorMessage = kr_str_c("SaslAuthenticate request received after successful authentication");
        return false;
    }
    if (s->phase != KR_SASL_PHASE_AUTHENTICATE) {
        resp->ErrorCode = KR_KERR_ILLEGAL_SASL_STATE;
        resp->ErrorMessage = kr_str_c("Unexpected SaslAuthenticate request in this SASL state");
        s->phase = KR_SASL_PHASE_FAILED;
        return true;
    }
    char why[256];
    const uint8_t *tok = req->AuthBytes.len > 0 ? req->AuthBytes.ptr : (const uint8_t *)"";
    size_t len = req->AuthBytes.len > 0 ? (size_t)req->AuthBytes.len : 0;
    step_result r = step(s, img, tok, len, &resp->AuthBytes, arena, why, sizeof why);
    if (r == STEP_FAILED) {
        resp->ErrorCode = KR_KERR_SASL_AUTHENTICATION_FAILED;
        resp->ErrorMessage = kr_client_str(arena, why, strlen(why));
        resp->AuthBytes = (kr_bytes){(const uint8_t *)"", 0};
        return true;
    }
    (void)version; /* SessionLifetimeMs (v1+) stays 0: no re-authentication */
    return false;
}

int kr_sasl_raw_token(kr_sasl_session *s, const kr_image *img, const uint8_t *token, size_t len, kr_bytes *out,
                      kr_arena *arena, kr_error *err) {
    *out = (kr_bytes){(const uint8_t *)"", 0};
    if (s->phase != KR_SASL_PHASE_RAW_TOKENS) {
        s->phase = KR_SASL_PHASE_FAILED;
        return kr_fail(err, KR_ERR_INVALID, "SASL: raw token outside a v0 handshake exchange");
    }
    char why[256];
    if (step(s, img, token, len, out, arena, why, sizeof why) == STEP_FAILED)
        return kr_fail(err, KR_ERR_INVALID, "SASL %s: %s", kr_sasl_mechanism_name(s->mechanism), why);
    return KR_OK;
}
