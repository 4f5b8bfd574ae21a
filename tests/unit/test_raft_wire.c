/* kraft/raft_wire: every core message through the generated codecs and back
 * (encode to bytes, decode, translate), the ClusterId and framing checks, and
 * the controller config parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/controller_config.h"
#include "kraft/sasl_server.h"
#include "kraft/raft_wire.h"
#include "kraft/record_batch.h"

#define CID "MkU3OEVBNTcwNTJENDM2Qg"

/* Request struct -> bytes -> struct at `version` (fresh arena `b`). */
static void *wire_trip(int16_t api, int16_t version, const void *msg, bool request, kr_arena *b) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api);
    assert_non_null(c);
    kr_buf buf = {0};
    kr_error err;
    int rc = request ? c->request_encode(&buf, msg, version, &err) : c->response_encode(&buf, msg, version, &err);
    if (rc != KR_OK) fail_msg("encode api %d v%d: %s", api, version, err.message);
    void *out = kr_arena_alloc(b, request ? c->request_size : c->response_size);
    uint8_t *bytes = kr_arena_alloc(b, buf.len + 1); /* decoded strings borrow them */
    memcpy(bytes, buf.data, buf.len);
    kr_reader r = kr_reader_make(bytes, buf.len);
    bool ok = request ? c->request_decode(&r, out, version, b) : c->response_decode(&r, out, version, b);
    assert_true(ok && !r.failed);
    kr_buf_free(&buf);
    return out;
}

static kr_raft_msg request_trip(const kr_raft_msg *m, int16_t version, const char *cluster, int16_t *code) {
    kr_arena a = {0}, b = {0};
    kr_error err;
    void *q = kr_raft_wire_encode_request(m, CID, &a, &err);
    assert_non_null(q);
    int16_t api = kr_raft_wire_api_key(m->type);
    void *back = wire_trip(api, version, q, true, &b);
    kr_raft_msg out;
    *code = kr_raft_wire_decode_request(api, version, back, cluster, m->to, &out);
    kr_arena_free(&a);
    kr_arena_free(&b);
    return out;
}

static void test_requests_round_trip(void **state) {
    (void)state;
    int16_t code;
    kr_raft_msg m = {.type = KR_MSG_VOTE_REQUEST, .from = 2, .to = 1};
    m.u.vote_req = (kr_vote_request){-1, 7, 2, 6, 1234};
    kr_raft_msg out = request_trip(&m, 0, CID, &code);
    assert_int_equal(code, 0);
    assert_int_equal(out.type, KR_MSG_VOTE_REQUEST);
    assert_int_equal(out.from, 2);
    assert_memory_equal(&out.u.vote_req, &m.u.vote_req, sizeof m.u.vote_req);

    m = (kr_raft_msg){.type = KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST, .from = 3, .to = 1};
    m.u.begin_req = (kr_begin_quorum_epoch_request){-1, 3, 9};
    out = request_trip(&m, 0, CID, &code);
    assert_int_equal(code, 0);
    assert_int_equal(out.from, 3);
    assert_int_equal(out.u.begin_req.leader_epoch, 9);

    m = (kr_raft_msg){.type = KR_MSG_END_QUORUM_EPOCH_REQUEST, .from = 3, .to = 1};
    m.u.end_req.leader_id = 3;
    m.u.end_req.leader_epoch = 9;
    m.u.end_req.preferred_successors[0] = 2;
    m.u.end_req.preferred_successors[1] = 1;
    m.u.end_req.preferred_successors_count = 2;
    out = request_trip(&m, 0, CID, &code);
    assert_int_equal(code, 0);
    assert_int_equal(out.u.end_req.preferred_successors_count, 2);
    assert_int_equal(out.u.end_req.preferred_successors[0], 2);
    assert_int_equal(out.u.end_req.preferred_successors[1], 1);

    m = (kr_raft_msg){.type = KR_MSG_FETCH_REQUEST, .from = 2, .to = 1};
    m.u.fetch_req = (kr_fetch_request){2, 500, 8 << 20, 9, 4321, 8};
    for (int16_t v = 15; v <= 17; v++) { /* ReplicaState (tagged) from v15 */
        out = request_trip(&m, v, CID, &code);
        assert_int_equal(code, 0);
        assert_int_equal(out.from, 2);
        assert_int_equal(out.u.fetch_req.fetch_offset, 4321);
        assert_int_equal(out.u.fetch_req.last_fetched_epoch, 8);
        assert_int_equal(out.u.fetch_req.current_leader_epoch, 9);
        assert_int_equal(out.u.fetch_req.max_wait_ms, 500);
    }

    /* v13/14: the replica id is the top-level ReplicaId. */
    kr_arena a = {0}, b = {0};
    kr_error err;
    kr_FetchRequest *q = kr_raft_wire_encode_request(&m, CID, &a, &err);
    q->ReplicaId = q->ReplicaState.ReplicaId;
    kr_FetchRequest_ReplicaState_init(&q->ReplicaState);
    for (int16_t v = 13; v <= 14; v++) {
        assert_int_equal(kr_raft_wire_decode_request(KR_API_FETCH, v, wire_trip(KR_API_FETCH, v, q, true, &b), CID, 1, &out), 0);
        assert_int_equal(out.from, 2);
        assert_int_equal(out.u.fetch_req.fetch_offset, 4321);
    }
    kr_arena_free(&a);
    kr_arena_free(&b);

    m = (kr_raft_msg){.type = KR_MSG_FETCH_SNAPSHOT_REQUEST, .from = 2, .to = 1};
    m.u.snap_req = (kr_fetch_snapshot_request){2, 1 << 20, 9, {1000, 4}, 777};
    out = request_trip(&m, 0, CID, &code);
    assert_int_equal(code, 0);
    assert_int_equal(out.u.snap_req.snapshot_id.end_offset, 1000);
    assert_int_equal(out.u.snap_req.snapshot_id.epoch, 4);
    assert_int_equal(out.u.snap_req.position, 777);
}

static void test_request_checks(void **state) {
    (void)state;
    int16_t code;
    kr_raft_msg m = {.type = KR_MSG_VOTE_REQUEST, .from = 2, .to = 1};
    m.u.vote_req = (kr_vote_request){-1, 7, 2, 6, 1234};
    request_trip(&m, 0, "AAAAAAAAAAAAAAAAAAAAAA", &code);
    assert_int_equal(code, KR_E_INCONSISTENT_CLUSTER_ID);
    /* Fetch below v13 has no topic id: refused. */
    m = (kr_raft_msg){.type = KR_MSG_FETCH_REQUEST, .from = 2, .to = 1};
    m.u.fetch_req = (kr_fetch_request){2, 500, 8 << 20, 9, 4321, 8};
    kr_arena a = {0};
    kr_error err;
    kr_FetchRequest *q = kr_raft_wire_encode_request(&m, CID, &a, &err);
    kr_raft_msg out;
    assert_int_equal(kr_raft_wire_decode_request(KR_API_FETCH, 12, q, CID, 1, &out), KR_E_INVALID_REQUEST);
    q->Topics.v[0].TopicId.b[15] = 7; /* another topic */
    assert_int_equal(kr_raft_wire_decode_request(KR_API_FETCH, 16, q, CID, 1, &out), KR_E_INVALID_REQUEST);
    kr_arena_free(&a);
}

static void test_responses_round_trip(void **state) {
    (void)state;
    kr_arena a = {0}, b = {0}, c = {0};
    kr_error err;
    /* Fetch with two batches of records. */
    kr_buf recs = {0};
    static const uint8_t VALUE[] = {1, 20, 0, 0};
    for (int k = 0; k < 2; k++) {
        kr_batch_builder bb;
        kr_batch_begin(&bb, &recs, 10 + k * 2, 3, 1735689600000LL, false);
        assert_int_equal(kr_batch_add_data(&bb, VALUE, sizeof VALUE, &err), KR_OK);
        assert_int_equal(kr_batch_add_data(&bb, VALUE, sizeof VALUE, &err), KR_OK);
        assert_int_equal(kr_batch_finish(&bb, &err), KR_OK);
    }
    kr_raft_msg m = {.type = KR_MSG_FETCH_RESPONSE, .from = 1, .to = 2};
    m.u.fetch_resp.high_watermark = 12;
    m.u.fetch_resp.log_start_offset = 0;
    m.u.fetch_resp.current_leader = (kr_leader_id_and_epoch){1, 3};
    m.u.fetch_resp.diverging_epoch = (kr_epoch_end){-1, -1};
    m.u.fetch_resp.snapshot_id = (kr_snapshot_id){-1, -1};
    void *r = kr_raft_wire_encode_response(&m, (kr_bytes){recs.data, (int32_t)recs.len}, &a, &err);
    assert_non_null(r);
    void *back = wire_trip(KR_API_FETCH, 16, r, false, &b);
    kr_raft_msg out;
    memset(&out, 0, sizeof out);
    assert_int_equal(kr_raft_wire_decode_response(KR_API_FETCH, back, &c, &out, &err), KR_OK);
    assert_int_equal(out.type, KR_MSG_FETCH_RESPONSE);
    assert_int_equal(out.u.fetch_resp.high_watermark, 12);
    assert_int_equal(out.u.fetch_resp.current_leader.leader_epoch, 3);
    assert_int_equal(out.u.fetch_resp.records_count, 2);
    assert_int_equal(out.u.fetch_resp.records[1].base_offset, 12);
    assert_int_equal(out.u.fetch_resp.records[1].last_offset, 13);
    assert_int_equal(out.u.fetch_resp.records[1].epoch, 3);
    /* A corrupt byte in the records: the response is refused. */
    recs.data[recs.len - 1] ^= 0xff;
    r = kr_raft_wire_encode_response(&m, (kr_bytes){recs.data, (int32_t)recs.len}, &a, &err);
    back = wire_trip(KR_API_FETCH, 16, r, false, &b);
    assert_int_not_equal(kr_raft_wire_decode_response(KR_API_FETCH, back, &c, &out, &err), KR_OK);

    /* Vote and FetchSnapshot. */
    m = (kr_raft_msg){.type = KR_MSG_VOTE_RESPONSE, .from = 1, .to = 2};
    m.u.vote_resp = (kr_vote_response){0, -1, 7, true};
    r = kr_raft_wire_encode_response(&m, (kr_bytes){NULL, 0}, &a, &err);
    back = wire_trip(KR_API_VOTE, 0, r, false, &b);
    assert_int_equal(kr_raft_wire_decode_response(KR_API_VOTE, back, &c, &out, &err), KR_OK);
    assert_true(out.u.vote_resp.vote_granted);
    assert_int_equal(out.u.vote_resp.leader_epoch, 7);

    m = (kr_raft_msg){.type = KR_MSG_FETCH_SNAPSHOT_RESPONSE, .from = 1, .to = 2};
    m.u.snap_resp = (kr_fetch_snapshot_response){0, {1000, 4}, {1, 9}, 5000, 100, NULL, 0};
    static const uint8_t CHUNK[] = "0123456789";
    r = kr_raft_wire_encode_response(&m, (kr_bytes){CHUNK, 10}, &a, &err);
    back = wire_trip(KR_API_FETCH_SNAPSHOT, 0, r, false, &b);
    assert_int_equal(kr_raft_wire_decode_response(KR_API_FETCH_SNAPSHOT, back, &c, &out, &err), KR_OK);
    assert_int_equal(out.u.snap_resp.size, 5000);
    assert_int_equal(out.u.snap_resp.position, 100);
    assert_int_equal(out.u.snap_resp.unaligned_records_len, 10);
    assert_memory_equal(out.u.snap_resp.unaligned_records, CHUNK, 10);

    /* A top-level error fails the decode. */
    r = kr_raft_wire_error_response(KR_API_VOTE, KR_E_INCONSISTENT_CLUSTER_ID, &a);
    back = wire_trip(KR_API_VOTE, 0, r, false, &b);
    assert_int_not_equal(kr_raft_wire_decode_response(KR_API_VOTE, back, &c, &out, &err), KR_OK);
    kr_buf_free(&recs);
    kr_arena_free(&a);
    kr_arena_free(&b);
    kr_arena_free(&c);
}

/* ---------- controller config ---------- */

static int parse_config(const char *text, kr_controller_config *c, kr_error *err) {
    kr_properties p;
    assert_int_equal(kr_properties_parse(text, strlen(text), "c.properties", &p, err), KR_OK);
    kr_controller_config_defaults(c);
    kr_logger lg = {0};
    int rc = kr_controller_config_from_properties(&p, c, &lg, err);
    kr_properties_free(&p);
    return rc;
}

#define GOOD                                                                                       \
    "process.roles=controller\nnode.id=2\n"                                                        \
    "controller.quorum.voters=1@127.0.0.1:9001, 2@localhost:9002,3@[::1]:9003\n"                   \
    "listeners=PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9002\ncontroller.listener.names=CONTROLLER\n" \
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"                    \
    "metadata.log.dir=/var/kraft\n"

static void test_config(void **state) {
    (void)state;
    kr_controller_config c;
    kr_error err;
    assert_int_equal(parse_config(GOOD "controller.quorum.fetch.timeout.ms=300\nlog.level=debug\n", &c, &err), KR_OK);
    assert_int_equal(c.node_id, 2);
    assert_int_equal(c.voter_count, 3);
    assert_string_equal(c.voters[1].host, "localhost");
    assert_string_equal(c.voters[2].host, "::1");
    assert_int_equal(c.voters[2].port, 9003);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 9002);
    assert_string_equal(c.metadata_log_dir, "/var/kraft");
    assert_int_equal(c.fetch_timeout_ms, 300);
    assert_int_equal(c.election_timeout_ms, 1000);
    assert_int_equal(c.append_linger_ms, 25);
    assert_int_equal(c.max_idle_interval_ms, 500);
    assert_int_equal(c.snapshot_max_bytes, 20 * 1024 * 1024);
    assert_int_equal(c.log_level, KR_LOG_LEVEL_DEBUG);
    /* the client listener: the other entry of listeners */
    assert_string_equal(c.client_listener_name, "PLAINTEXT");
    assert_string_equal(c.client_listen_host, "0.0.0.0");
    assert_int_equal(c.client_listen_port, 9092);
    assert_int_equal(c.client_sasl_mechanisms, 0);
    assert_int_equal(c.client_endpoint_count, 1);
    assert_int_equal(c.client_endpoints[0].id, 2);
    assert_int_equal(c.client_endpoints[0].port, 9092);
    assert_string_not_equal(c.client_endpoints[0].host, "0.0.0.0"); /* this host's name */

    assert_int_equal(parse_config(GOOD "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT\n"
                                       "advertised.listeners=PLAINTEXT://c2.example:19092\n"
                                       "controller.client.endpoints=1@c1.example:19092,2@wrong:1,3@c3.example:19092\n"
                                       "sasl.enabled.mechanisms=SCRAM-SHA-512\n",
                                  &c, &err),
                     KR_OK);
    assert_int_equal(c.client_sasl_mechanisms, KR_SASL_SCRAM_SHA_512);
    assert_int_equal(c.client_endpoint_count, 3);
    assert_string_equal(c.client_endpoints[1].host, "c2.example"); /* its own entry is its advertised listener */
    assert_int_equal(c.client_endpoints[1].port, 19092);
    assert_string_equal(c.client_endpoints[2].host, "c3.example");

    static const struct {
        const char *extra, *key;
    } bad[] = {
        {"controller.quorum.election.timeout.ms=abc\n", "controller.quorum.election.timeout.ms"},
        {"controller.quorum.fetch.timeout.ms=-5\n", "controller.quorum.fetch.timeout.ms"},
        {"metadata.max.idle.interval.ms=99999999999\n", "metadata.max.idle.interval.ms"},
        {"metadata.log.max.record.bytes.between.snapshots=0\n", "metadata.log.max.record.bytes.between.snapshots"},
        {"process.roles=broker\n", "process.roles"},
        {"node.id=x\n", "node.id"},
        {"controller.quorum.voters=1@host\n", "controller.quorum.voters"},
        {"controller.quorum.voters=1@h:1,1@h:2\n", "controller.quorum.voters"},
        {"listener.security.protocol.map=CONTROLLER:SSL\n", "listener.security.protocol.map"},
        {"controller.listener.names=OTHER\n", "listeners"},
        {"log.level=loud\n", "log.level"},
        {"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SSL\n", "listener.security.protocol.map"},
        {"controller.client.endpoints=1@nohost\n", "controller.client.endpoints"},
        {"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT\nsasl.enabled.mechanisms=GSSAPI\n",
         "sasl.enabled.mechanisms"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[2048];
        snprintf(text, sizeof text, GOOD "%s", bad[i].extra);
        assert_int_not_equal(parse_config(text, &c, &err), KR_OK);
        if (!strstr(err.message, bad[i].key)) fail_msg("'%s': error '%s' does not name %s", bad[i].extra, err.message, bad[i].key);
    }
    assert_int_not_equal(parse_config("process.roles=controller\nnode.id=1\n", &c, &err), KR_OK);
    assert_non_null(strstr(err.message, "controller.quorum.voters"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_round_trip),
        cmocka_unit_test(test_request_checks),
        cmocka_unit_test(test_responses_round_trip),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
