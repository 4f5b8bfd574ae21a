/* SASL on the client listener: transcripts for PLAIN and SCRAM-SHA-256/512
 * against the image's credentials, the state machine's refusals, and the
 * request sequences of librdkafka 2.0.2 (kcat), kafkajs and the Java client.
 * Client proofs are computed here with OpenSSL, independently of kraft/scram.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kraft/client_api.h"
#include "kraft/sasl_server.h"
#include "kraft/scram.h"
#include "tests/support/client_image.h"

typedef struct fixture {
    kr_image img;
    kr_arena arena;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    test_client_image(&f->img);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    kr_image_free(&f->img);
    kr_arena_free(&f->arena);
    free(f);
    return 0;
}

#define ALL_MECHS (KR_SASL_PLAIN | KR_SASL_SCRAM_SHA_256 | KR_SASL_SCRAM_SHA_512)

/* Response through the codec at its version (catches fields a version lacks). */
static void *wire(int16_t api_key, int16_t version, const void *resp, kr_arena *arena) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    kr_buf b = {0};
    kr_error err = {0};
    if (c->response_encode(&b, resp, version, &err) != KR_OK) fail_msg("encode api %d v%d: %s", api_key, version, err.message);
    uint8_t *keep = kr_arena_alloc(arena, b.len + 1);
    memcpy(keep, b.data, b.len);
    kr_reader r = kr_reader_make(keep, b.len);
    void *out = kr_arena_alloc(arena, c->response_size);
    if (!c->response_decode(&r, out, version, arena) || kr_reader_remaining(&r)) fail_msg("decode api %d v%d", api_key, version);
    kr_buf_free(&b);
    return out;
}

static kr_SaslHandshakeResponse *handshake(fixture *f, kr_sasl_session *s, const char *mech, int16_t v, bool *close) {
    assert_int_equal(kr_sasl_gate(s, 17), KR_SASL_SERVE);
    kr_SaslHandshakeRequest req;
    kr_SaslHandshakeRequest_init(&req);
    req.Mechanism = kr_str_c(mech);
    kr_SaslHandshakeResponse resp;
    *close = kr_sasl_handshake(s, &req, v, &resp, &f->arena);
    return wire(17, v, &resp, &f->arena);
}

static kr_SaslAuthenticateResponse *authenticate(fixture *f, kr_sasl_session *s, const void *tok, size_t len, int16_t v,
                                                 bool *close) {
    assert_int_equal(kr_sasl_gate(s, 36), KR_SASL_SERVE);
    kr_SaslAuthenticateRequest req;
    kr_SaslAuthenticateRequest_init(&req);
    req.AuthBytes = (kr_bytes){tok, (int32_t)len};
    kr_SaslAuthenticateResponse resp;
    *close = kr_sasl_authenticate(s, &f->img, &req, v, &resp, &f->arena);
    return wire(36, v, &resp, &f->arena);
}

static size_t plain_token(char *buf, const char *authzid, const char *user, const char *password) {
    size_t a = strlen(authzid), u = strlen(user), p = strlen(password);
    memcpy(buf, authzid, a);
    buf[a] = 0;
    memcpy(buf + a + 1, user, u);
    buf[a + 1 + u] = 0;
    memcpy(buf + a + u + 2, password, p);
    return a + u + p + 2;
}

/* ---- PLAIN ------------------------------------------------------------------------ */

static int plain_login(fixture *f, int16_t auth_version, const char *authzid, const char *user, const char *password,
                       char *message, size_t cap) {
    kr_sasl_session s;
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    bool close;
    kr_SaslHandshakeResponse *h = handshake(f, &s, "PLAIN", 1, &close);
    assert_false(close);
    assert_int_equal(h->ErrorCode, 0);
    char tok[256];
    size_t n = plain_token(tok, authzid, user, password);
    kr_SaslAuthenticateResponse *a = authenticate(f, &s, tok, n, auth_version, &close);
    assert_int_equal(a->AuthBytes.len, 0); /* empty, never null */
    snprintf(message, cap, "%.*s", a->ErrorMessage.len > 0 ? (int)a->ErrorMessage.len : 0,
             a->ErrorMessage.ptr ? a->ErrorMessage.ptr : "");
    if (a->ErrorCode == 0) {
        assert_false(close);
        assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_SERVE);
        char want[300];
        snprintf(want, sizeof want, "User:%s", user);
        assert_string_equal(kr_sasl_principal(&s), want);
        if (auth_version >= 1) assert_int_equal(a->SessionLifetimeMs, 0);
    } else {
        assert_true(close);
        assert_null(kr_sasl_principal(&s));
        assert_int_equal(kr_sasl_gate(&s, 36), KR_SASL_CLOSE);
    }
    return a->ErrorCode;
}

static void test_plain(void **state) {
    fixture *f = *state;
    char msg[300];
    for (int16_t v = 0; v <= 2; v++) {
        assert_int_equal(plain_login(f, v, "", "alice", "alice-secret", msg, sizeof msg), 0);
        assert_int_equal(plain_login(f, v, "bob", "bob", "bob-secret", msg, sizeof msg), 0); /* SCRAM-SHA-512 only */
        assert_int_equal(plain_login(f, v, "", "alice", "wrong", msg, sizeof msg), KR_KERR_SASL_AUTHENTICATION_FAILED);
        assert_string_equal(msg, "Authentication failed: Invalid username or password");
        /* an unknown user reads the same: existence is not revealed */
        assert_int_equal(plain_login(f, v, "", "mallory", "x", msg, sizeof msg), KR_KERR_SASL_AUTHENTICATION_FAILED);
        assert_string_equal(msg, "Authentication failed: Invalid username or password");
        assert_int_equal(plain_login(f, v, "", "", "x", msg, sizeof msg), KR_KERR_SASL_AUTHENTICATION_FAILED);
        assert_string_equal(msg, "Authentication failed: username not specified");
        assert_int_equal(plain_login(f, v, "", "alice", "", msg, sizeof msg), KR_KERR_SASL_AUTHENTICATION_FAILED);
        assert_string_equal(msg, "Authentication failed: password not specified");
        assert_int_equal(plain_login(f, v, "bob", "alice", "alice-secret", msg, sizeof msg),
                         KR_KERR_SASL_AUTHENTICATION_FAILED);
        assert_non_null(strstr(msg, "authorization id"));
    }
    /* not three tokens */
    kr_sasl_session s;
    kr_sasl_session_init(&s, KR_SASL_PLAIN, NULL);
    bool close;
    handshake(f, &s, "PLAIN", 1, &close);
    kr_SaslAuthenticateResponse *a = authenticate(f, &s, "alice\0secret", 12, 0, &close);
    assert_int_equal(a->ErrorCode, KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_true(close);
    assert_non_null(strstr(a->ErrorMessage.ptr, "SASL mechanism PLAIN"));
}

/* ---- SCRAM -------------------------------------------------------------------------- */

/* The client side: proof for client-final-without-proof, from server-first's salt and iterations. */
static void client_final(int mechanism, const char *password, const char *bare, const char *server_first,
                         const char *cfwp, char *out, size_t cap) {
    const EVP_MD *md = mechanism == 1 ? EVP_sha256() : EVP_sha512();
    int h = EVP_MD_size(md);
    const char *s64 = strstr(server_first, ",s=") + 3;
    size_t s64n = strcspn(s64, ",");
    int iterations = atoi(strstr(server_first, ",i=") + 3);
    uint8_t salt[256], salted[64], ck[64], sk[64], sig[64], proof[64];
    long sn = kr_base64_decode(s64, s64n, salt, sizeof salt);
    assert_true(sn > 0);
    unsigned len;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)sn, iterations, md, h, salted);
    HMAC(md, salted, h, (const uint8_t *)"Client Key", 10, ck, &len);
    EVP_Digest(ck, (size_t)h, sk, &len, md, NULL);
    char am[2048];
    snprintf(am, sizeof am, "%s,%s,%s", bare, server_first, cfwp);
    HMAC(md, sk, h, (const uint8_t *)am, strlen(am), sig, &len);
    for (int i = 0; i < h; i++) proof[i] = ck[i] ^ sig[i];
    char proof64[200];
    kr_base64_encode(proof, (size_t)h, proof64, sizeof proof64);
    snprintf(out, cap, "%s,p=%s", cfwp, proof64);
}

typedef struct scram_run {
    int16_t handshake_version, auth_version;
    bool doubled_nonce; /* librdkafka < 2.6.1 */
} scram_run;

/* Returns the error of the exchange (0 on success); *step says where it stopped. */
static int scram_login(fixture *f, const char *mech, const char *user, const char *password, scram_run run,
                       int *step) {
    int mechanism = kr_scram_mechanism_parse(mech);
    kr_sasl_session s;
    kr_sasl_session_init(&s, ALL_MECHS, "SERVERNONCE42");
    bool close;
    kr_SaslHandshakeResponse *h = handshake(f, &s, mech, run.handshake_version, &close);
    assert_int_equal(h->ErrorCode, 0);
    assert_int_equal(h->Mechanisms.n, 3);
    char first[256], bare[256];
    snprintf(bare, sizeof bare, "n=%s,r=cLiEnTnOnCe", user);
    snprintf(first, sizeof first, "n,,%s", bare);
    *step = 1;
    char server_first[1024];
    if (run.handshake_version == 0) { /* raw tokens */
        kr_bytes out;
        kr_error err = {0};
        if (kr_sasl_raw_token(&s, &f->img, (const uint8_t *)first, strlen(first), &out, &f->arena, &err) != KR_OK) {
            assert_int_equal(kr_sasl_gate(&s, 36), KR_SASL_CLOSE);
            return KR_KERR_SASL_AUTHENTICATION_FAILED;
        }
        snprintf(server_first, sizeof server_first, "%.*s", (int)out.len, (const char *)out.ptr);
    } else {
        kr_SaslAuthenticateResponse *a = authenticate(f, &s, first, strlen(first), run.auth_version, &close);
        if (a->ErrorCode) {
            assert_true(close);
            assert_non_null(strstr(a->ErrorMessage.ptr, "invalid credentials with SASL mechanism"));
            return a->ErrorCode;
        }
        snprintf(server_first, sizeof server_first, "%.*s", (int)a->AuthBytes.len, (const char *)a->AuthBytes.ptr);
    }
    assert_true(strncmp(server_first, "r=cLiEnTnOnCeSERVERNONCE42,s=", 29) == 0);
    char cfwp[512], final[1024];
    snprintf(cfwp, sizeof cfwp, "c=biws,r=%scLiEnTnOnCeSERVERNONCE42", run.doubled_nonce ? "cLiEnTnOnCe" : "");
    client_final(mechanism, password, bare, server_first, cfwp, final, sizeof final);
    *step = 2;
    const char *server_final;
    int32_t server_final_len;
    if (run.handshake_version == 0) {
        kr_bytes out;
        kr_error err = {0};
        if (kr_sasl_raw_token(&s, &f->img, (const uint8_t *)final, strlen(final), &out, &f->arena, &err) != KR_OK)
            return KR_KERR_SASL_AUTHENTICATION_FAILED;
        server_final = (const char *)out.ptr;
        server_final_len = out.len;
    } else {
        kr_SaslAuthenticateResponse *a = authenticate(f, &s, final, strlen(final), run.auth_version, &close);
        if (a->ErrorCode) {
            assert_true(close);
            assert_int_equal(s.phase, KR_SASL_PHASE_FAILED);
            return a->ErrorCode;
        }
        server_final = (const char *)a->AuthBytes.ptr;
        server_final_len = a->AuthBytes.len;
    }
    assert_true(server_final_len > 2 && !strncmp(server_final, "v=", 2));
    char want[300];
    snprintf(want, sizeof want, "User:%s", user);
    assert_string_equal(kr_sasl_principal(&s), want);
    assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_SERVE);
    return 0;
}

static void test_scram(void **state) {
    fixture *f = *state;
    int step;
    /* librdkafka 2.0.2: handshake v1, SaslAuthenticate v0, client nonce repeated */
    scram_run rdkafka = {1, 0, true}, kafkajs = {1, 1, false}, java = {1, 2, false}, raw = {0, 0, false};
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "alice", "alice-secret", rdkafka, &step), 0);
    assert_int_equal(scram_login(f, "SCRAM-SHA-512", "alice", "alice-secret", rdkafka, &step), 0);
    assert_int_equal(scram_login(f, "SCRAM-SHA-512", "bob", "bob-secret", kafkajs, &step), 0);
    assert_int_equal(scram_login(f, "SCRAM-SHA-512", "bob", "bob-secret", java, &step), 0);
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "alice", "alice-secret", raw, &step), 0);
    /* wrong password: fails at the proof */
    assert_int_equal(scram_login(f, "SCRAM-SHA-512", "alice", "nope", java, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(step, 2);
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "alice", "nope", raw, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(step, 2);
    /* unknown user, and a user without this mechanism: fail at client-first */
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "mallory", "x", rdkafka, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(step, 1);
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "bob", "bob-secret", rdkafka, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(step, 1);
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "mallory", "x", raw, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
}

/* A credential below Kafka's minimum iterations is unusable, for SCRAM and PLAIN alike. */
static void test_weak_credential(void **state) {
    fixture *f = *state;
    test_add_scram(&f->img, "weak", 1, "pw", 1000);
    int step;
    scram_run java = {1, 2, false};
    assert_int_equal(scram_login(f, "SCRAM-SHA-256", "weak", "pw", java, &step), KR_KERR_SASL_AUTHENTICATION_FAILED);
    assert_int_equal(step, 1);
    char msg[300];
    assert_int_equal(plain_login(f, 2, "", "weak", "pw", msg, sizeof msg), KR_KERR_SASL_AUTHENTICATION_FAILED);
}

/* ---- the state machine ------------------------------------------------------------ */

static void test_mechanism_refusals(void **state) {
    fixture *f = *state;
    kr_sasl_session s;
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    bool close;
    kr_SaslHandshakeResponse *h = handshake(f, &s, "GSSAPI", 1, &close);
    assert_true(close);
    assert_int_equal(h->ErrorCode, KR_KERR_UNSUPPORTED_SASL_MECHANISM);
    assert_int_equal(h->Mechanisms.n, 3);
    assert_true(kr_str_eq_c(h->Mechanisms.v[0], "PLAIN"));
    assert_true(kr_str_eq_c(h->Mechanisms.v[2], "SCRAM-SHA-512"));
    assert_int_equal(kr_sasl_gate(&s, 36), KR_SASL_CLOSE);
    /* enabled set respected: PLAIN off */
    kr_sasl_session_init(&s, KR_SASL_SCRAM_SHA_512, NULL);
    for (int16_t v = 0; v <= 1; v++) {
        kr_sasl_session_init(&s, KR_SASL_SCRAM_SHA_512, NULL);
        h = handshake(f, &s, "PLAIN", v, &close);
        assert_true(close);
        assert_int_equal(h->ErrorCode, KR_KERR_UNSUPPORTED_SASL_MECHANISM);
        assert_int_equal(h->Mechanisms.n, 1);
    }
    unsigned m;
    kr_error err = {0};
    assert_int_equal(kr_sasl_parse_mechanisms("SCRAM-SHA-512, PLAIN", &m, &err), KR_OK);
    assert_int_equal(m, KR_SASL_SCRAM_SHA_512 | KR_SASL_PLAIN);
    assert_int_equal(kr_sasl_parse_mechanisms("OAUTHBEARER", &m, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "OAUTHBEARER"));
}

static void test_wrong_state(void **state) {
    fixture *f = *state;
    kr_sasl_session s;
    /* requests other than ApiVersions / SaslHandshake before authentication: close, no answer */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_CLOSE);
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    assert_int_equal(kr_sasl_gate(&s, 36), KR_SASL_CLOSE);
    /* ApiVersions: once; a repeat only after UNSUPPORTED_VERSION / INVALID_REQUEST */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_SERVE);
    kr_sasl_api_versions_answered(&s, KR_KERR_UNSUPPORTED_VERSION);
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_SERVE);
    kr_sasl_api_versions_answered(&s, KR_KERR_INVALID_REQUEST);
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_SERVE);
    kr_sasl_api_versions_answered(&s, 0);
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_CLOSE);
    /* after the handshake: anything but SaslAuthenticate gets 34 and a close */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    bool close;
    handshake(f, &s, "SCRAM-SHA-256", 1, &close);
    assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_ILLEGAL_STATE);
    assert_int_equal(kr_sasl_gate(&s, 36), KR_SASL_CLOSE);
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    handshake(f, &s, "SCRAM-SHA-256", 1, &close);
    assert_int_equal(kr_sasl_gate(&s, 17), KR_SASL_ILLEGAL_STATE);
    /* a handshake handler reached out of order answers 34 and closes */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    handshake(f, &s, "PLAIN", 1, &close);
    kr_SaslHandshakeRequest hreq;
    kr_SaslHandshakeRequest_init(&hreq);
    hreq.Mechanism = kr_str_c("PLAIN");
    kr_SaslHandshakeResponse hresp;
    assert_true(kr_sasl_handshake(&s, &hreq, 1, &hresp, &f->arena));
    assert_int_equal(hresp.ErrorCode, KR_KERR_ILLEGAL_SASL_STATE);
    /* raw tokens only after a v0 handshake */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    kr_bytes out;
    kr_error err = {0};
    assert_int_equal(kr_sasl_raw_token(&s, &f->img, (const uint8_t *)"x", 1, &out, &f->arena, &err), KR_ERR_INVALID);
    /* SaslAuthenticate before a handshake, handler reached directly */
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    kr_SaslAuthenticateRequest areq;
    kr_SaslAuthenticateRequest_init(&areq);
    kr_SaslAuthenticateResponse aresp;
    assert_true(kr_sasl_authenticate(&s, &f->img, &areq, 0, &aresp, &f->arena));
    assert_int_equal(aresp.ErrorCode, KR_KERR_ILLEGAL_SASL_STATE);
}

static void test_after_authentication_and_plaintext(void **state) {
    fixture *f = *state;
    char msg[300];
    kr_sasl_session s;
    kr_sasl_session_init(&s, ALL_MECHS, NULL);
    bool close;
    handshake(f, &s, "PLAIN", 1, &close);
    char tok[64];
    size_t n = plain_token(tok, "", "alice", "alice-secret");
    assert_int_equal(authenticate(f, &s, tok, n, 2, &close)->ErrorCode, 0);
    /* re-authentication is not offered: 34, connection kept */
    kr_SaslHandshakeResponse *h = handshake(f, &s, "PLAIN", 1, &close);
    assert_int_equal(h->ErrorCode, KR_KERR_ILLEGAL_SASL_STATE);
    assert_false(close);
    kr_SaslAuthenticateResponse *a = authenticate(f, &s, tok, n, 1, &close);
    assert_int_equal(a->ErrorCode, KR_KERR_ILLEGAL_SASL_STATE);
    assert_false(close);
    assert_string_equal(kr_sasl_principal(&s), "User:alice");
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_SERVE);
    /* PLAINTEXT listener: everything served, anonymous principal */
    kr_sasl_session_init(&s, 0, NULL);
    assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_SERVE);
    assert_string_equal(kr_sasl_principal(&s), "User:ANONYMOUS");
    h = handshake(f, &s, "PLAIN", 1, &close);
    assert_int_equal(h->ErrorCode, KR_KERR_ILLEGAL_SASL_STATE);
    (void)msg;
}

/* kcat -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 (spec §2.4):
 * ApiVersions v3 → SaslHandshake v1 → SaslAuthenticate v0 ×2 → Metadata v4. */
static void test_kcat_sequence(void **state) {
    fixture *f = *state;
    kr_sasl_session s;
    kr_sasl_session_init(&s, ALL_MECHS, "SERVERNONCE42");
    assert_int_equal(kr_sasl_gate(&s, 18), KR_SASL_SERVE);
    kr_sasl_api_versions_answered(&s, 0);
    bool close;
    kr_SaslHandshakeResponse *h = handshake(f, &s, "SCRAM-SHA-256", 1, &close);
    assert_int_equal(h->ErrorCode, 0);
    const char *first = "n,,n=alice,r=rdkafkaNonce";
    kr_SaslAuthenticateResponse *a = authenticate(f, &s, first, strlen(first), 0, &close);
    assert_int_equal(a->ErrorCode, 0);
    char server_first[512], final[1024];
    snprintf(server_first, sizeof server_first, "%.*s", (int)a->AuthBytes.len, (const char *)a->AuthBytes.ptr);
    client_final(1, "alice-secret", "n=alice,r=rdkafkaNonce", server_first,
                 "c=biws,r=rdkafkaNoncerdkafkaNonceSERVERNONCE42", final, sizeof final);
    a = authenticate(f, &s, final, strlen(final), 0, &close);
    assert_int_equal(a->ErrorCode, 0);
    assert_false(close);
    assert_int_equal(kr_sasl_gate(&s, 3), KR_SASL_SERVE);
    assert_string_equal(kr_sasl_principal(&s), "User:alice");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_credential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mechanism_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_authentication_and_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kcat_sequence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
