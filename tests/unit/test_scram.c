/* SCRAM-SHA-256/512 server exchange: RFC 7677's worked example, Kafka's
 * nonce leniency for librdkafka < 2.6.1, and the failures. */
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

#include "kraft/scram.h"

static kr_scram_credential stored;

static bool lookup(void *ctx, const char *user, int mechanism, kr_scram_credential *out) {
    (void)ctx;
    if (strcmp(user, "user") != 0 || mechanism != stored.mechanism) return false;
    *out = stored;
    return true;
}

static void make_credential(int mechanism, const char *password, int32_t iterations) {
    uint8_t salt[32];
    long n = kr_base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof salt);
    assert_int_equal(n, 16);
    assert_int_equal(kr_scram_credential_from_password(mechanism, password, salt, (size_t)n, iterations, &stored, NULL),
                     KR_OK);
}

static void test_rfc7677_example(void **state) {
    (void)state;
    make_credential(KR_SCRAM_SHA_256, "pencil", 4096);
    kr_scram_server s;
    kr_scram_server_init(&s, KR_SCRAM_SHA_256);
    char out[1024];
    const char *first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    assert_int_equal(kr_scram_server_first(&s, first, strlen(first), lookup, NULL, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", out,
                                           sizeof out, NULL),
                     KR_OK);
    assert_string_equal(out, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    const char *final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    kr_error err = {0};
    assert_int_equal(kr_scram_server_final(&s, final, strlen(final), out, sizeof out, &err), KR_OK);
    assert_string_equal(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    assert_string_equal(kr_scram_server_user(&s), "user");
}

/* A client's proof for client-final-without-proof `cfwp`, computed independently of the server code. */
static void client_proof(int mechanism, const char *password, const char *bare, const char *server_first,
                         const char *cfwp, char *proof64) {
    const EVP_MD *md = mechanism == KR_SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512();
    int h = EVP_MD_size(md);
    uint8_t salted[64], ck[64], sk[64], sig[64], proof[64];
    unsigned len;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), stored.salt, (int)stored.salt_len, stored.iterations, md, h,
                      salted);
    HMAC(md, salted, h, (const uint8_t *)"Client Key", 10, ck, &len);
    EVP_Digest(ck, (size_t)h, sk, &len, md, NULL);
    char am[2048];
    snprintf(am, sizeof am, "%s,%s,%s", bare, server_first, cfwp);
    HMAC(md, sk, h, (const uint8_t *)am, strlen(am), sig, &len);
    for (int i = 0; i < h; i++) proof[i] = ck[i] ^ sig[i];
    kr_base64_encode(proof, (size_t)h, proof64, 200);
}

static int exchange(int mechanism, const char *password, bool repeat_client_nonce, const char *authzid) {
    kr_scram_server s;
    kr_scram_server_init(&s, mechanism);
    char first[256], server_first[1024], final[1024], proof[200], cfwp[1024], out[256];
    snprintf(first, sizeof first, "n,%s%s,n=user,r=abc123", authzid ? "a=" : "", authzid ? authzid : "");
    int rc = kr_scram_server_first(&s, first, strlen(first), lookup, NULL, NULL, server_first, sizeof server_first, NULL);
    if (rc != KR_OK) return rc;
    const char *nonce = server_first + 2;
    size_t nonce_len = strcspn(nonce, ",");
    char gs2[64], c64[100];
    snprintf(gs2, sizeof gs2, "n,%s%s,", authzid ? "a=" : "", authzid ? authzid : "");
    kr_base64_encode((const uint8_t *)gs2, strlen(gs2), c64, sizeof c64);
    snprintf(cfwp, sizeof cfwp, "c=%s,r=%s%.*s", c64, repeat_client_nonce ? "abc123" : "", (int)nonce_len, nonce);
    client_proof(mechanism, password, first + strlen(gs2), server_first, cfwp, proof);
    snprintf(final, sizeof final, "%s,p=%s", cfwp, proof);
    kr_error err = {0};
    return kr_scram_server_final(&s, final, strlen(final), out, sizeof out, &err);
}

static void test_exchanges(void **state) {
    (void)state;
    make_credential(KR_SCRAM_SHA_512, "s3cret", 4096);
    assert_int_equal(exchange(KR_SCRAM_SHA_512, "s3cret", false, NULL), KR_OK);
    assert_int_equal(exchange(KR_SCRAM_SHA_512, "s3cret", true, NULL), KR_OK); /* librdkafka 2.0.2 */
    assert_int_equal(exchange(KR_SCRAM_SHA_512, "s3cret", false, "user"), KR_OK);
    assert_int_not_equal(exchange(KR_SCRAM_SHA_512, "wrong", false, NULL), KR_OK);
    assert_int_not_equal(exchange(KR_SCRAM_SHA_512, "s3cret", false, "admin"), KR_OK);
    assert_int_not_equal(exchange(KR_SCRAM_SHA_256, "s3cret", false, NULL), KR_OK); /* no SHA-256 credential */
    make_credential(KR_SCRAM_SHA_512, "s3cret", 1000); /* below Kafka's minimum */
    assert_int_not_equal(exchange(KR_SCRAM_SHA_512, "s3cret", false, NULL), KR_OK);
}

static void test_malformed_messages(void **state) {
    (void)state;
    make_credential(KR_SCRAM_SHA_256, "pencil", 4096);
    const char *bad_first[] = {"", "y,,n=user,r=x", "p=tls-unique,,n=user,r=x", "n,,r=x", "n,,n=user", "n,,n=us=er,r=x",
                               "n,,n=nobody,r=x"};
    for (size_t i = 0; i < sizeof bad_first / sizeof bad_first[0]; i++) {
        kr_scram_server s;
        kr_scram_server_init(&s, KR_SCRAM_SHA_256);
        char out[512];
        kr_error err = {0};
        assert_int_not_equal(kr_scram_server_first(&s, bad_first[i], strlen(bad_first[i]), lookup, NULL, NULL, out,
                                                   sizeof out, &err),
                             KR_OK);
        assert_non_null(strstr(err.message, "SCRAM authentication failed"));
    }
    kr_scram_server s;
    kr_scram_server_init(&s, KR_SCRAM_SHA_256);
    char out[512];
    const char *first = "n,,n=user,r=abc";
    assert_int_equal(kr_scram_server_first(&s, first, strlen(first), lookup, NULL, "srv", out, sizeof out, NULL), KR_OK);
    const char *finals[] = {"c=biws,r=abcXXX,p=AAAA", "c=biws,r=abcsrv", "r=abcsrv,p=AAAA", "c=biws,r=abcsrv,p=!!!!"};
    for (size_t i = 0; i < sizeof finals / sizeof finals[0]; i++) {
        kr_scram_server t = s;
        assert_int_not_equal(kr_scram_server_final(&t, finals[i], strlen(finals[i]), out, sizeof out, NULL), KR_OK);
        assert_null(kr_scram_server_user(&t));
    }
}

static void test_base64(void **state) {
    (void)state;
    uint8_t out[16];
    assert_int_equal(kr_base64_decode("AQID", 4, out, sizeof out), 3);
    assert_int_equal(kr_base64_decode("AQI=", 4, out, sizeof out), 2);
    assert_int_equal(kr_base64_decode("AQ==", 4, out, sizeof out), 1);
    assert_int_equal(kr_base64_decode("AQ=I", 4, out, sizeof out), -1);
    assert_int_equal(kr_base64_decode("AQI", 3, out, sizeof out), -1);
    assert_int_equal(kr_base64_decode("A-_B", 4, out, sizeof out), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7677_example),
        cmocka_unit_test(test_exchanges),
        cmocka_unit_test(test_malformed_messages),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests_name("scram", tests, NULL, NULL);
}
