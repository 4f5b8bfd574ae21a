/* Hostile and random input for the read handlers and the SASL authenticator:
 * random valid requests at every advertised version, and byte mutations of
 * their encodings, must be answered with a response the codec can encode
 * (never a crash, never a read out of bounds under ASan). Seeded: same run
 * every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/client_api.h"
#include "kraft/sasl_server.h"
#include "tests/support/client_image.h"
#include "tests/support/gen_random.h"
#include "tests/support/rand.h"

#define RANDOM_REQUESTS 200
#define MUTATIONS 20

typedef void (*fill_fn)(void *m, int16_t v, kr_rand *rng, kr_arena *a);

static fill_fn filler(int16_t api_key) {
    switch (api_key) {
    case 3: return (fill_fn)kr_MetadataRequest_fill_random;
    case 29: return (fill_fn)kr_DescribeAclsRequest_fill_random;
    case 32: return (fill_fn)kr_DescribeConfigsRequest_fill_random;
    case 48: return (fill_fn)kr_DescribeClientQuotasRequest_fill_random;
    case 50: return (fill_fn)kr_DescribeUserScramCredentialsRequest_fill_random;
    case 60: return (fill_fn)kr_DescribeClusterRequest_fill_random;
    default: return NULL;
    }
}

/* Steers some random names at things the image has, so lookups hit too. */
static void steer(int16_t api_key, void *m, kr_rand *rng) {
    static const char *names[] = {"orders", "payments", "__consumer_offsets", "", "3001", "1", "alice", "user", "ip"};
    kr_str pick = kr_str_c(names[kr_rand_below(rng, sizeof names / sizeof names[0])]);
    if (api_key == 3) {
        kr_MetadataRequest *r = m;
        for (int32_t i = 0; i < r->Topics.n; i++)
            if (kr_rand_below(rng, 2)) r->Topics.v[i].Name = pick;
    } else if (api_key == 32) {
        kr_DescribeConfigsRequest *r = m;
        for (int32_t i = 0; i < r->Resources.n; i++) {
            if (kr_rand_below(rng, 2)) r->Resources.v[i].ResourceName = pick;
            if (kr_rand_below(rng, 2)) r->Resources.v[i].ResourceType = kr_rand_below(rng, 2) ? 2 : 4;
        }
    } else if (api_key == 48) {
        kr_DescribeClientQuotasRequest *r = m;
        for (int32_t i = 0; i < r->Components.n; i++)
            if (kr_rand_below(rng, 2)) r->Components.v[i].EntityType = pick;
    } else if (api_key == 29) {
        kr_DescribeAclsRequest *r = m;
        if (kr_rand_below(rng, 2)) {
            r->ResourceTypeFilter = (int8_t)(1 + kr_rand_below(rng, 7));
            r->Operation = (int8_t)(1 + kr_rand_below(rng, 14));
            r->PermissionType = (int8_t)(1 + kr_rand_below(rng, 3));
        }
    }
}

/* Handler on a decoded request; its response must encode at the version. */
static void answer(const kr_client_ctx *ctx, const kr_image *img, int16_t api_key, int16_t v, const void *req,
                   kr_arena *arena) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    void *resp = kr_arena_alloc(arena, c->response_size);
    kr_error err = {0};
    if (kr_client_read(ctx, img, api_key, req, v, resp, arena, &err) != KR_OK)
        fail_msg("api %d v%d: %s", api_key, v, err.message);
    kr_buf b = {0};
    if (c->response_encode(&b, resp, v, &err) != KR_OK) fail_msg("api %d v%d response: %s", api_key, v, err.message);
    kr_buf_free(&b);
}

static void test_random_and_mutated_requests(void **state) {
    (void)state;
    kr_image img;
    test_client_image(&img);
    kr_client_ctx ctx;
    test_client_ctx(&ctx, NULL);
    kr_rand rng = kr_rand_seed(6);
    long answered = 0;
    for (size_t i = 0; i < kr_client_api_count; i++) {
        const kr_client_api *api = &kr_client_apis[i];
        if (api->kind != KR_CLIENT_READ) continue;
        const kr_rpc_codec *c = kr_rpc_codec_lookup(api->api_key);
        fill_fn fill = filler(api->api_key);
        assert_non_null(fill);
        for (int16_t v = api->min_version; v <= api->max_version; v++)
            for (int n = 0; n < RANDOM_REQUESTS; n++) {
                kr_arena arena = {0};
                void *req = kr_arena_alloc(&arena, c->request_size);
                fill(req, v, &rng, &arena);
                steer(api->api_key, req, &rng);
                kr_buf b = {0};
                kr_error err = {0};
                if (c->request_encode(&b, req, v, &err) != KR_OK) { /* steering made it unencodable */
                    kr_buf_free(&b);
                    kr_arena_free(&arena);
                    continue;
                }
                answer(&ctx, &img, api->api_key, v, req, &arena);
                answered++;
                for (int m = 0; m < MUTATIONS; m++) {
                    size_t len = b.len;
                    uint8_t *bytes = kr_arena_alloc(&arena, len + 8);
                    memcpy(bytes, b.data, len);
                    int kind = (int)kr_rand_below(&rng, 3);
                    if (kind == 0 && len) bytes[kr_rand_below(&rng, len)] ^= (uint8_t)(1 + kr_rand_below(&rng, 255));
                    else if (kind == 1 && len) len = kr_rand_below(&rng, len);
                    else bytes[len++] = (uint8_t)kr_rand_below(&rng, 256);
                    void *mreq = kr_arena_alloc(&arena, c->request_size);
                    kr_reader r = kr_reader_make(bytes, len);
                    if (!c->request_decode(&r, mreq, v, &arena) || kr_reader_remaining(&r)) continue;
                    answer(&ctx, &img, api->api_key, v, mreq, &arena);
                    answered++;
                }
                kr_buf_free(&b);
                kr_arena_free(&arena);
            }
    }
    assert_true(answered > 10000);
    kr_image_free(&img);
}

/* Random and truncated SASL tokens: a clean failure or a challenge, never a crash. */
static void test_random_sasl_tokens(void **state) {
    (void)state;
    kr_image img;
    test_client_image(&img);
    kr_rand rng = kr_rand_seed(58);
    static const char *mechs[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
    static const char *seeds[] = {"n,,n=alice,r=abc", "\0alice\0alice-secret", "c=biws,r=abcSERVER,p=AAAA",
                                  "n,a=alice,n=alice,r=x", "n=,r=", "p=====", ""};
    static const size_t seed_len[] = {16, 19, 25, 21, 5, 6, 0};
    int failures = 0;
    for (int n = 0; n < 3000; n++) {
        kr_arena arena = {0};
        kr_sasl_session s;
        kr_sasl_session_init(&s, KR_SASL_PLAIN | KR_SASL_SCRAM_SHA_256 | KR_SASL_SCRAM_SHA_512, "SERVER");
        kr_SaslHandshakeRequest h;
        kr_SaslHandshakeRequest_init(&h);
        h.Mechanism = kr_str_c(mechs[n % 3]);
        kr_SaslHandshakeResponse hr;
        assert_false(kr_sasl_handshake(&s, &h, 1, &hr, &arena));
        for (int step = 0; step < 3 && s.phase == KR_SASL_PHASE_AUTHENTICATE; step++) {
            uint8_t tok[64];
            size_t k = kr_rand_below(&rng, sizeof seeds / sizeof seeds[0]);
            size_t len = seed_len[k];
            memcpy(tok, seeds[k], len);
            int flips = (int)kr_rand_below(&rng, 3);
            for (int f = 0; f < flips && len; f++) tok[kr_rand_below(&rng, len)] = (uint8_t)kr_rand_below(&rng, 256);
            if (kr_rand_below(&rng, 4) == 0) len = kr_rand_below(&rng, len + 1);
            kr_SaslAuthenticateRequest a;
            kr_SaslAuthenticateRequest_init(&a);
            a.AuthBytes = (kr_bytes){tok, (int32_t)len};
            kr_SaslAuthenticateResponse ar;
            bool close = kr_sasl_authenticate(&s, &img, &a, (int16_t)(n % 3), &ar, &arena);
            kr_buf b = {0};
            kr_error err = {0};
            assert_int_equal(kr_SaslAuthenticateResponse_encode(&b, &ar, (int16_t)(n % 3), &err), KR_OK);
            kr_buf_free(&b);
            if (close) {
                assert_int_equal(ar.ErrorCode, KR_KERR_SASL_AUTHENTICATION_FAILED);
                failures++;
            }
        }
        kr_arena_free(&arena);
    }
    assert_true(failures > 1000);
    kr_image_free(&img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_and_mutated_requests),
        cmocka_unit_test(test_random_sasl_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
