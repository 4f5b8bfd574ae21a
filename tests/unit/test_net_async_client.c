/* kraft/net_async_client against kraft/net_server over real sockets: the
 * server runs in its own thread (tests/support/net_test_server), the client
 * on a loop in the test thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/net_async_client.h"
#include "tests/support/net_test_server.h"

#define GUARD_MS 20000 /* a hung test fails instead of hanging */
#define MAX_RESULTS 16

typedef struct result {
    kr_net_result result;
    char detail[256];
    int16_t api_key;
    int32_t value; /* LeaderEpoch of a Vote, ApiKeys count of ApiVersions, LeaderId of DescribeQuorum */
} result;

typedef struct harness {
    uv_loop_t loop;
    uv_timer_t guard;
    kr_async_client *client;
    result results[MAX_RESULTS];
    int count;
    bool guard_fired;
} harness;

typedef struct call {
    harness *h;
    int16_t api_key;
} call;

static void on_result(void *ctx, kr_net_result r, const char *detail, void *resp, kr_arena *arena) {
    call *cl = ctx;
    harness *h = cl->h;
    assert_true(h->count < MAX_RESULTS);
    result *out = &h->results[h->count++];
    out->result = r;
    out->api_key = cl->api_key;
    snprintf(out->detail, sizeof out->detail, "%s", detail ? detail : "");
    if (r != KR_NET_OK) return;
    if (cl->api_key == 52) {
        const kr_VoteResponse *v = resp;
        out->value = v->Topics.v[0].Partitions.v[0].LeaderEpoch;
    } else if (cl->api_key == 18) {
        out->value = ((const kr_ApiVersionsResponse *)resp)->ApiKeys.n;
    } else if (cl->api_key == 55) {
        out->value = ((const kr_DescribeQuorumResponse *)resp)->Topics.v[0].Partitions.v[0].LeaderId;
    }
}

static void guard_fired(uv_timer_t *t) {
    harness *h = t->data;
    h->guard_fired = true;
}

static void harness_start(harness *h, uint16_t port, uint32_t timeout_ms, uint32_t max_queued) {
    memset(h, 0, sizeof *h);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    uv_timer_init(&h->loop, &h->guard);
    h->guard.data = h;
    kr_async_client_config cfg = {
        .host = "127.0.0.1",
        .port = port,
        .request_timeout_ms = timeout_ms,
        .reconnect_backoff_ms = 10,
        .reconnect_backoff_max_ms = 40,
        .max_queued = max_queued,
    };
    kr_error err;
    assert_int_equal(kr_async_client_create(&h->loop, &cfg, &h->client, &err), KR_OK);
}

/* Runs the loop until `n` results arrived (or the guard fires). */
static void run_until(harness *h, int n) {
    uv_timer_start(&h->guard, guard_fired, GUARD_MS, 0);
    for (int i = 0; i < 1000000 && h->count < n && !h->guard_fired; i++) uv_run(&h->loop, UV_RUN_ONCE);
    uv_timer_stop(&h->guard);
    if (h->count < n) fail_msg("only %d of %d results", h->count, n);
}

static void harness_stop(harness *h) {
    if (h->client) kr_async_client_close(h->client);
    uv_close((uv_handle_t *)&h->guard, NULL);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&h->loop), 0); /* every handle closed */
}

static void send_vote(harness *h, call *cl, int32_t epoch) {
    kr_VoteRequest v;
    kr_VoteRequest_TopicData topic;
    kr_VoteRequest_PartitionData p;
    kr_VoteRequest_init(&v);
    kr_VoteRequest_TopicData_init(&topic);
    kr_VoteRequest_PartitionData_init(&p);
    topic.TopicName = kr_str_c("__cluster_metadata");
    p.CandidateEpoch = epoch;
    topic.Partitions.v = &p;
    topic.Partitions.n = 1;
    v.Topics.v = &topic;
    v.Topics.n = 1;
    cl->h = h;
    cl->api_key = 52;
    kr_error err;
    if (kr_async_client_send(h->client, 52, 1, &v, on_result, cl, &err) != KR_OK) fail_msg("%s", err.message);
}

static void send_api_versions(harness *h, call *cl) {
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    req.ClientSoftwareName = kr_str_c("async-test");
    req.ClientSoftwareVersion = kr_str_c("1");
    cl->h = h;
    cl->api_key = 18;
    kr_error err;
    if (kr_async_client_send(h->client, 18, 3, &req, on_result, cl, &err) != KR_OK) fail_msg("%s", err.message);
}

static void test_round_trips(void **state) {
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    harness h;
    harness_start(&h, t.port, 5000, 0);
    call calls[8];
    send_api_versions(&h, &calls[0]);
    kr_DescribeQuorumRequest dq;
    kr_DescribeQuorumRequest_init(&dq);
    calls[1] = (call){&h, 55};
    kr_error err;
    assert_int_equal(kr_async_client_send(h.client, 55, 2, &dq, on_result, &calls[1], &err), KR_OK);
    for (int i = 2; i < 8; i++) send_vote(&h, &calls[i], 20 + i);
    run_until(&h, 8);
    assert_int_equal(h.results[0].result, KR_NET_OK);
    assert_int_equal(h.results[0].value, 4);
    assert_int_equal(h.results[1].result, KR_NET_OK);
    assert_int_equal(h.results[1].value, 1);
    for (int i = 2; i < 8; i++) {
        assert_int_equal(h.results[i].result, KR_NET_OK);
        assert_int_equal(h.results[i].value, 20 + i);
    }
    assert_true(kr_async_client_connected(h.client));
    harness_stop(&h);
    nts_stop(&t);
}

static void test_out_of_order_answers_arrive_in_order(void **state) {
    net_test_server t;
    nts_options opt = {.vote_park_n = 4};
    assert_true(nts_start(&t, &opt));
    harness h;
    harness_start(&h, t.port, 5000, 0);
    call calls[4];
    for (int i = 0; i < 4; i++) send_vote(&h, &calls[i], 40 + i);
    run_until(&h, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(h.results[i].result, KR_NET_OK);
        assert_int_equal(h.results[i].value, 40 + i);
    }
    harness_stop(&h);
    nts_stop(&t);
}

/* The server parks Votes forever: the request times out, the connection is
 * dropped, and a later request reconnects and succeeds. */
static void test_timeout_then_reconnect(void **state) {
    net_test_server t;
    nts_options opt = {.vote_park_n = NTS_MAX_PARKED};
    assert_true(nts_start(&t, &opt));
    harness h;
    harness_start(&h, t.port, 300, 0);
    call calls[2];
    send_vote(&h, &calls[0], 7);
    run_until(&h, 1);
    assert_int_equal(h.results[0].result, KR_NET_TIMEOUT);
    assert_non_null(strstr(h.results[0].detail, "300 ms"));
    send_api_versions(&h, &calls[1]);
    run_until(&h, 2);
    assert_int_equal(h.results[1].result, KR_NET_OK);
    harness_stop(&h);
    nts_stop(&t);
}

static void test_refused_then_bounded_queue(void **state) {
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    uint16_t port = t.port;
    nts_stop(&t);
    harness h;
    harness_start(&h, port, 2000, 2);
    call calls[3];
    send_api_versions(&h, &calls[0]);
    send_api_versions(&h, &calls[1]);
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    kr_error err;
    assert_int_equal(kr_async_client_send(h.client, 18, 0, &req, on_result, &calls[2], &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "queued already"));
    run_until(&h, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(h.results[i].result, KR_NET_DISCONNECTED);
        assert_non_null(strstr(h.results[i].detail, "connection refused"));
    }
    harness_stop(&h);
}

static void test_close_completes_pending(void **state) {
    net_test_server t;
    nts_options opt = {.vote_park_n = NTS_MAX_PARKED};
    assert_true(nts_start(&t, &opt));
    harness h;
    harness_start(&h, t.port, 10000, 0);
    call calls[3];
    send_api_versions(&h, &calls[0]);
    run_until(&h, 1); /* connected */
    send_vote(&h, &calls[1], 1);
    send_vote(&h, &calls[2], 2);
    kr_async_client_close(h.client);
    h.client = NULL;
    assert_int_equal(h.count, 3);
    assert_int_equal(h.results[1].result, KR_NET_CLOSED);
    assert_int_equal(h.results[2].result, KR_NET_CLOSED);
    harness_stop(&h);
    nts_stop(&t);
}

static void test_bad_request_is_refused_before_queueing(void **state) {
    harness h;
    harness_start(&h, 9, 1000, 0);
    kr_ApiVersionsRequest req;
    kr_ApiVersionsRequest_init(&req);
    call cl = {&h, 18};
    kr_error err;
    assert_int_equal(kr_async_client_send(h.client, 18, 9, &req, on_result, &cl, &err), KR_ERR_UNSUPPORTED);
    assert_int_equal(kr_async_client_send(h.client, 999, 0, &req, on_result, &cl, &err), KR_ERR_UNSUPPORTED);
    assert_int_equal(kr_async_client_queued(h.client), 0);
    harness_stop(&h);
    assert_int_equal(h.count, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_out_of_order_answers_arrive_in_order),
        cmocka_unit_test(test_timeout_then_reconnect),
        cmocka_unit_test(test_refused_then_bounded_queue),
        cmocka_unit_test(test_close_completes_pending),
        cmocka_unit_test(test_bad_request_is_refused_before_queueing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
