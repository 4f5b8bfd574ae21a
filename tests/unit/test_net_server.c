/* kraft/net_server + kraft/net_client over real sockets on 127.0.0.1: the
 * server runs on its own uv loop in a thread (tests/support/net_test_server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "kraft/kafka_frame.h"
#include "kraft/net_client.h"
#include "tests/support/net_test_server.h"
#include "tests/support/rand.h"

#define CLIENT_TIMEOUT_MS 10000

static void connect_to(net_test_server *t, kr_client *c) {
    kr_error err;
    if (kr_client_connect(c, "127.0.0.1", t->port, CLIENT_TIMEOUT_MS, &err) != KR_OK)
        fail_msg("connect: %s", err.message);
}

static void start(net_test_server *t, const nts_options *opt) {
    assert_true(nts_start(t, opt));
}

/* One ApiVersions round trip at `version`; asserts the advertised table. */
static void assert_api_versions(kr_client *c, int16_t version) {
    kr_arena arena = {0};
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    req.ClientSoftwareName = kr_str_c("test-client");
    req.ClientSoftwareVersion = kr_str_c("1.0.0");
    kr_ApiVersionsResponse resp;
    kr_error err;
    if (kr_client_call(c, KR_API_VERSIONS, version, &req, &resp, &arena, &err) != KR_OK)
        fail_msg("ApiVersions v%d: %s", version, err.message);
    assert_int_equal(resp.ErrorCode, 0);
    const int16_t want[][3] = {{18, 0, 4}, {52, 0, 1}, {55, 0, 2}, {60, 0, 1}};
    assert_int_equal(resp.ApiKeys.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(resp.ApiKeys.v[i].ApiKey, want[i][0]);
        assert_int_equal(resp.ApiKeys.v[i].MinVersion, want[i][1]);
        assert_int_equal(resp.ApiKeys.v[i].MaxVersion, want[i][2]);
    }
    kr_arena_free(&arena);
}

static void test_api_versions_v0_to_v4(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    for (int16_t v = 0; v <= 4; v++) assert_api_versions(&c, v);
    /* Header v0 even for flexible v3: the body starts right after the
     * correlation id (error code, then a compact array of 4 + 1). */
    kr_buf out = {0};
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    req.ClientSoftwareName = kr_str_c("raw");
    req.ClientSoftwareVersion = kr_str_c("1");
    kr_error err;
    assert_int_equal(kr_request_frame_encode(&out, 18, 3, 777, "raw", &req, &err), KR_OK);
    assert_int_equal(kr_client_send_raw(&c, out.data, out.len, &err), KR_OK);
    uint8_t *frame;
    size_t len;
    assert_int_equal(kr_client_recv_frame(&c, &frame, &len, &err), KR_OK);
    assert_true(len > 7);
    assert_int_equal((int32_t)kr_load_u32(frame), 777);
    assert_int_equal(frame[4], 0);
    assert_int_equal(frame[5], 0);
    assert_int_equal(frame[6], 5);
    free(frame);
    kr_buf_free(&out);
    kr_client_close(&c);
    nts_stop(&t);
}

/* KIP-511: a version above 4 gets UNSUPPORTED_VERSION in a v0 body listing
 * ApiVersions' range; the connection stays usable. */
static void test_api_versions_unsupported_version(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    kr_buf out = {0};
    kr_put_u32(&out, 0);
    kr_put_i16(&out, 18);
    kr_put_i16(&out, 9);
    kr_put_i32(&out, 42);
    kr_put_str(&out, kr_str_c("future-client"));
    kr_put_uvarint(&out, 0);                  /* header tags */
    kr_put_raw(&out, "\xff\xfe\xfd", 3);      /* a body nobody can parse */
    kr_store_u32(out.data, (uint32_t)(out.len - 4));
    kr_error err;
    assert_int_equal(kr_client_send_raw(&c, out.data, out.len, &err), KR_OK);
    uint8_t *frame;
    size_t len;
    assert_int_equal(kr_client_recv_frame(&c, &frame, &len, &err), KR_OK);
    kr_arena arena = {0};
    kr_ApiVersionsResponse resp;
    assert_int_equal(kr_response_frame_decode(frame, len, 18, 0, &resp, &arena, &err), KR_OK);
    assert_int_equal(resp.ErrorCode, 35);
    assert_int_equal(resp.ApiKeys.n, 1);
    assert_int_equal(resp.ApiKeys.v[0].ApiKey, 18);
    assert_int_equal(resp.ApiKeys.v[0].MinVersion, 0);
    assert_int_equal(resp.ApiKeys.v[0].MaxVersion, 4);
    free(frame);
    kr_arena_free(&arena);
    kr_buf_free(&out);
    assert_api_versions(&c, 4);
    kr_client_close(&c);
    nts_stop(&t);
}

static void test_api_versions_invalid_software_name(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    kr_arena arena = {0};
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    req.ClientSoftwareName = kr_str_c("-bad name");
    req.ClientSoftwareVersion = kr_str_c("1.0");
    kr_ApiVersionsResponse resp;
    kr_error err;
    assert_int_equal(kr_client_call(&c, 18, 3, &req, &resp, &arena, &err), KR_OK);
    assert_int_equal(resp.ErrorCode, 42);
    kr_arena_free(&arena);
    kr_client_close(&c);
    nts_stop(&t);
}

static void test_negotiate_and_pick(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    kr_error err;
    assert_int_equal(kr_client_negotiate(&c, &err), KR_OK);
    assert_int_equal(c.api_versions_version, 4);
    assert_int_equal(kr_client_pick_version(&c, 55, 0, 2), 2);
    assert_int_equal(kr_client_pick_version(&c, 55, 0, 1), 1);
    assert_int_equal(kr_client_pick_version(&c, 52, 2, 3), -1);
    assert_int_equal(kr_client_pick_version(&c, 1, 0, 17), -1);
    kr_client_close(&c);
    nts_stop(&t);
}

static void test_describe_quorum_round_trip(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    for (int16_t v = 0; v <= 2; v++) {
        kr_arena arena = {0};
        kr_DescribeQuorumRequest req;
        kr_DescribeQuorumRequest_init(&req);
        kr_DescribeQuorumResponse resp;
        kr_error err;
        if (kr_client_call(&c, 55, v, &req, &resp, &arena, &err) != KR_OK) fail_msg("%s", err.message);
        assert_int_equal(resp.Topics.n, 1);
        const kr_DescribeQuorumResponse_PartitionData *p = &resp.Topics.v[0].Partitions.v[0];
        assert_int_equal(p->LeaderId, 1);
        assert_int_equal(p->LeaderEpoch, 5);
        assert_int_equal(p->HighWatermark, 100);
        assert_int_equal(p->CurrentVoters.n, 3);
        assert_int_equal(p->CurrentVoters.v[1].LogEndOffset, 95);
        assert_int_equal(p->Observers.v[0].ReplicaId, 4);
        assert_int_equal(p->CurrentVoters.v[1].LastFetchTimestamp, v >= 1 ? 1700000009000 : -1);
        assert_int_equal(resp.Nodes.n, v >= 2 ? 3 : 0);
        kr_arena_free(&arena);
    }
    kr_client_close(&c);
    nts_stop(&t);
}

static void vote_request(kr_VoteRequest *v, kr_VoteRequest_TopicData *topic,
                         kr_VoteRequest_PartitionData *p, int32_t epoch) {
    kr_VoteRequest_init(v);
    kr_VoteRequest_TopicData_init(topic);
    kr_VoteRequest_PartitionData_init(p);
    v->ClusterId = kr_str_c(NTS_CLUSTER_ID);
    topic->TopicName = kr_str_c("__cluster_metadata");
    topic->Partitions.v = p;
    topic->Partitions.n = 1;
    p->CandidateEpoch = epoch;
    p->CandidateId = 2;
    v->Topics.v = topic;
    v->Topics.n = 1;
}

static void test_vote_round_trip(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client c;
    connect_to(&t, &c);
    for (int16_t v = 0; v <= 1; v++) {
        kr_VoteRequest req;
        kr_VoteRequest_TopicData topic;
        kr_VoteRequest_PartitionData p;
        vote_request(&req, &topic, &p, 8 + v);
        kr_arena arena = {0};
        kr_VoteResponse resp;
        kr_error err;
        if (kr_client_call(&c, 52, v, &req, &resp, &arena, &err) != KR_OK) fail_msg("%s", err.message);
        assert_int_equal(resp.Topics.v[0].Partitions.v[0].LeaderEpoch, 8 + v);
        assert_int_equal(resp.Topics.v[0].Partitions.v[0].VoteGranted, v == 0);
        kr_arena_free(&arena);
    }
    kr_client_close(&c);
    nts_stop(&t);
}

/* Pipelines n Vote requests and checks the answers come back in order even
 * though the server answers each group of park_n newest first. */
static void pipeline_votes(net_test_server *t, int n) {
    kr_client c;
    connect_to(t, &c);
    kr_buf out = {0};
    kr_error err;
    for (int i = 0; i < n; i++) {
        kr_VoteRequest req;
        kr_VoteRequest_TopicData topic;
        kr_VoteRequest_PartitionData p;
        vote_request(&req, &topic, &p, 100 + i);
        assert_int_equal(kr_request_frame_encode(&out, 52, 1, 500 + i, "pipe", &req, &err), KR_OK);
    }
    assert_int_equal(kr_client_send_raw(&c, out.data, out.len, &err), KR_OK);
    for (int i = 0; i < n; i++) {
        uint8_t *frame;
        size_t len;
        if (kr_client_recv_frame(&c, &frame, &len, &err) != KR_OK) fail_msg("response %d: %s", i, err.message);
        kr_arena arena = {0};
        kr_VoteResponse resp;
        assert_int_equal((int32_t)kr_load_u32(frame), 500 + i);
        assert_int_equal(kr_response_frame_decode(frame, len, 52, 1, &resp, &arena, &err), KR_OK);
        assert_int_equal(resp.Topics.v[0].Partitions.v[0].LeaderEpoch, 100 + i);
        free(frame);
        kr_arena_free(&arena);
    }
    kr_buf_free(&out);
    kr_client_close(&c);
}

static void test_responses_in_request_order(void **state) {
    net_test_server t;
    nts_options opt = {.vote_park_n = 3};
    start(&t, &opt);
    pipeline_votes(&t, 6);
    nts_stop(&t);
}

/* With 2 in flight per connection, reading pauses and resumes as answers go. */
static void test_in_flight_bound_pauses_reading(void **state) {
    net_test_server t;
    nts_options opt = {.vote_park_n = 2, .max_in_flight = 2};
    start(&t, &opt);
    pipeline_votes(&t, 10);
    nts_stop(&t);
}

/* ---- hostile input: only the offending connection closes -------------------- */

static void assert_closed(kr_client *victim) {
    uint8_t *frame = NULL;
    size_t len;
    kr_error err;
    int rc = kr_client_recv_frame(victim, &frame, &len, &err);
    free(frame);
    assert_int_equal(rc, KR_ERR_IO);
    if (!strstr(err.message, "closed") && !strstr(err.message, "reset"))
        fail_msg("expected a close, got: %s", err.message);
}

static void hostile(const void *bytes, size_t n, const char *log_needle, const nts_options *opt) {
    net_test_server t;
    start(&t, opt);
    kr_client bystander, victim;
    connect_to(&t, &bystander);
    connect_to(&t, &victim);
    assert_api_versions(&bystander, 3);
    kr_error err;
    assert_int_equal(kr_client_send_raw(&victim, bytes, n, &err), KR_OK);
    assert_closed(&victim);
    assert_api_versions(&bystander, 4);
    kr_client late;
    connect_to(&t, &late);
    assert_api_versions(&late, 2);
    if (log_needle && !nts_log_contains(&t, log_needle)) {
        char log[4096];
        nts_log_copy(&t, log, sizeof log);
        fail_msg("log lacks '%s':\n%s", log_needle, log);
    }
    kr_client_close(&late);
    kr_client_close(&victim);
    kr_client_close(&bystander);
    nts_stop(&t);
}

static size_t header_frame(uint8_t *out, int16_t key, int16_t version, const void *body, size_t body_len) {
    kr_buf b = {0};
    kr_put_u32(&b, 0);
    kr_put_i16(&b, key);
    kr_put_i16(&b, version);
    kr_put_i32(&b, 9);
    kr_put_str(&b, kr_str_c("evil"));
    if (kr_request_header_version(key, version) == 2) kr_put_uvarint(&b, 0);
    kr_put_raw(&b, body, body_len);
    kr_store_u32(b.data, (uint32_t)(b.len - 4));
    size_t n = b.len;
    memcpy(out, b.data, n);
    kr_buf_free(&b);
    return n;
}

static void test_unknown_api_key(void **state) {
    uint8_t f[64];
    hostile(f, header_frame(f, 999, 0, NULL, 0), "unknown api key (api key 999 version 0", NULL);
}

static void test_known_but_unserved_api_key(void **state) {
    uint8_t f[64];
    hostile(f, header_frame(f, 3, 1, "\0\0\0\0", 4), "unknown api key (api key 3 version 1", NULL);
}

static void test_unadvertised_version(void **state) {
    uint8_t f[64];
    hostile(f, header_frame(f, 52, 2, "\0", 1), "unadvertised version (api key 52 version 2", NULL);
}

static void test_body_that_does_not_decode(void **state) {
    uint8_t f[64];
    /* DescribeQuorum v2: a topics array claiming 2^28 entries. */
    hostile(f, header_frame(f, 55, 2, "\x80\x80\x80\x80\x01", 5), "DescribeQuorum request (api key 55 version 2",
            NULL);
}

static void test_trailing_bytes(void **state) {
    uint8_t f[64];
    /* DescribeCluster v0: flag, tags, then junk. */
    hostile(f, header_frame(f, 60, 0, "\x00\x00junk", 6), "trailing bytes", NULL);
}

static void test_oversized_frame(void **state) {
    const uint8_t f[] = {0x7f, 0xff, 0xff, 0xff, 0, 18};
    hostile(f, sizeof f, "exceeds the maximum", NULL);
}

static void test_frame_above_configured_limit(void **state) {
    uint8_t f[128];
    static const uint8_t zeros[80];
    nts_options opt = {.max_frame_bytes = 64}; /* the bystander's ApiVersions still fit */
    size_t n = header_frame(f, 60, 0, zeros, sizeof zeros);
    hostile(f, n, "exceeds the maximum of 64 bytes", &opt);
}

static void test_negative_frame_size(void **state) {
    const uint8_t f[] = {0xff, 0xff, 0xff, 0xf0};
    hostile(f, sizeof f, "not positive", NULL);
}

static void test_short_header(void **state) {
    const uint8_t f[] = {0, 0, 0, 3, 0, 18, 0};
    hostile(f, sizeof f, "need at least 8", NULL);
}

/* A truncated frame, then the client goes away. */
static void test_truncated_frame_then_close(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client bystander, victim;
    connect_to(&t, &bystander);
    connect_to(&t, &victim);
    const uint8_t f[] = {0, 0, 0, 100, 0, 18, 0, 3, 0, 0};
    kr_error err;
    assert_int_equal(kr_client_send_raw(&victim, f, sizeof f, &err), KR_OK);
    kr_client_close(&victim);
    assert_api_versions(&bystander, 3);
    /* The close is logged on the loop thread; a later request on another
     * connection orders after it there. */
    for (int i = 0; i < 200 && !nts_log_contains(&t, "peer closed inside a frame"); i++)
        assert_api_versions(&bystander, 1);
    assert_true(nts_log_contains(&t, "peer closed inside a frame"));
    kr_client_close(&bystander);
    nts_stop(&t);
}

/* Random frames (correct size prefix, random body): each is answered or its
 * connection closes; the bystander is served throughout. */
static void test_random_frames(void **state) {
    net_test_server t;
    start(&t, NULL);
    kr_client bystander;
    connect_to(&t, &bystander);
    kr_rand rng = kr_rand_seed(20261121);
    for (int round = 0; round < 50; round++) {
        kr_client victim;
        connect_to(&t, &victim);
        uint8_t f[4 + 96];
        size_t n = 8 + kr_rand_below(&rng, 88);
        kr_store_u32(f, (uint32_t)n);
        for (size_t i = 0; i < n; i++) f[4 + i] = (uint8_t)kr_rand_below(&rng, 256);
        if (round % 2) f[4] = 0, f[5] = (uint8_t)(round % 3 ? 55 : 52); /* a served key, random rest */
        kr_error err;
        assert_int_equal(kr_client_send_raw(&victim, f, 4 + n, &err), KR_OK);
        uint8_t *resp = NULL;
        size_t len;
        int rc = kr_client_recv_frame(&victim, &resp, &len, &err);
        free(resp);
        if (rc != KR_OK && !strstr(err.message, "closed") && !strstr(err.message, "reset"))
            fail_msg("round %d: %s", round, err.message);
        kr_client_close(&victim);
        assert_api_versions(&bystander, (int16_t)(round % 5));
    }
    kr_client_close(&bystander);
    nts_stop(&t);
}

/* A client holding half a frame does not block anyone; it is closed once
 * its partial frame has been idle for the configured time. */
static void test_slow_client_half_frame(void **state) {
    net_test_server t;
    nts_options opt = {.partial_frame_timeout_ms = 200};
    start(&t, &opt);
    kr_client slow, other;
    connect_to(&t, &slow);
    connect_to(&t, &other);
    kr_buf out = {0};
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    kr_error err;
    assert_int_equal(kr_request_frame_encode(&out, 18, 0, 1, "slow", &req, &err), KR_OK);
    assert_int_equal(kr_client_send_raw(&slow, out.data, 6, &err), KR_OK); /* size + 2 bytes */
    for (int i = 0; i < 20; i++) assert_api_versions(&other, (int16_t)(i % 5));
    assert_closed(&slow);
    assert_true(nts_log_contains(&t, "partial frame idle for 200 ms"));
    assert_api_versions(&other, 4);
    kr_buf_free(&out);
    kr_client_close(&slow);
    kr_client_close(&other);
    nts_stop(&t);
}

static void test_connect_refused(void **state) {
    net_test_server t;
    start(&t, NULL);
    uint16_t port = t.port;
    nts_stop(&t); /* the port is now closed */
    kr_client c;
    kr_error err;
    assert_int_equal(kr_client_connect(&c, "127.0.0.1", port, 2000, &err), KR_ERR_IO);
    assert_non_null(strstr(err.message, "connection refused"));
}

static void test_parse_host_port(void **state) {
    char host[64];
    uint16_t port;
    kr_error err;
    assert_int_equal(kr_parse_host_port("localhost:9093", host, sizeof host, &port, &err), KR_OK);
    assert_string_equal(host, "localhost");
    assert_int_equal(port, 9093);
    assert_int_equal(kr_parse_host_port("[::1]:19092", host, sizeof host, &port, &err), KR_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 19092);
    assert_int_equal(kr_parse_host_port("localhost", host, sizeof host, &port, &err), KR_ERR_INVALID);
    assert_int_equal(kr_parse_host_port("h:0", host, sizeof host, &port, &err), KR_ERR_INVALID);
    assert_int_equal(kr_parse_host_port("h:70000", host, sizeof host, &port, &err), KR_ERR_INVALID);
    assert_int_equal(kr_parse_host_port(":80", host, sizeof host, &port, &err), KR_ERR_INVALID);
}

static void test_server_rejects_bad_tables(void **state) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kr_net_server *s;
    kr_error err;
    kr_net_api bad_range[] = {{55, 0, 9, (kr_net_handler_fn)1, NULL}};
    kr_net_server_config cfg = {.apis = bad_range, .api_count = 1};
    assert_int_equal(kr_net_server_start(&loop, &cfg, "127.0.0.1", 0, &s, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "DescribeQuorum"));
    kr_net_api own[] = {{18, 0, 4, (kr_net_handler_fn)1, NULL}};
    cfg.apis = own;
    assert_int_equal(kr_net_server_start(&loop, &cfg, "127.0.0.1", 0, &s, &err), KR_ERR_INVALID);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_versions_v0_to_v4),
        cmocka_unit_test(test_api_versions_unsupported_version),
        cmocka_unit_test(test_api_versions_invalid_software_name),
        cmocka_unit_test(test_negotiate_and_pick),
        cmocka_unit_test(test_describe_quorum_round_trip),
        cmocka_unit_test(test_vote_round_trip),
        cmocka_unit_test(test_responses_in_request_order),
        cmocka_unit_test(test_in_flight_bound_pauses_reading),
        cmocka_unit_test(test_unknown_api_key),
        cmocka_unit_test(test_known_but_unserved_api_key),
        cmocka_unit_test(test_unadvertised_version),
        cmocka_unit_test(test_body_that_does_not_decode),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_oversized_frame),
        cmocka_unit_test(test_frame_above_configured_limit),
        cmocka_unit_test(test_negative_frame_size),
        cmocka_unit_test(test_short_header),
        cmocka_unit_test(test_truncated_frame_then_close),
        cmocka_unit_test(test_random_frames),
        cmocka_unit_test(test_slow_client_half_frame),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_parse_host_port),
        cmocka_unit_test(test_server_rejects_bad_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
