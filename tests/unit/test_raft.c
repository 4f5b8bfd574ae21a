/* Transcripts of the KRaft core (kraft-raft.md): each test drives one or a few
 * nodes message by message and asserts on the ready (persist, log, messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/raft.h"

/* rand() == 0: election timers are exactly T, backoffs 0, the first voter is picked. */
static uint64_t zero_rand(void *ctx) {
    (void)ctx;
    return 0;
}

static kr_raft *node(int32_t id, size_t voters) {
    kr_raft_config c;
    memset(&c, 0, sizeof c);
    kr_raft_config_defaults(&c);
    c.node_id = id;
    for (size_t i = 0; i < voters; i++) c.voters[i] = (int32_t)i + 1;
    c.voter_count = voters;
    c.rand = zero_rand;
    kr_raft *r = NULL;
    kr_error err;
    assert_int_equal(kr_raft_create(&r, &c, &err), KR_OK);
    return r;
}

static void load(kr_raft *r, int64_t base, int64_t last, int32_t epoch) {
    kr_error err;
    assert_int_equal(kr_raft_load_batch(r, base, last, epoch, &err), KR_OK);
}

/* Starts with a stored quorum-state and swallows the start-up ready. */
static void start(kr_raft *r, int32_t leader, int32_t epoch, int32_t voted) {
    kr_raft_quorum_state qs = {leader, epoch, voted};
    kr_error err;
    assert_int_equal(kr_raft_start(r, &qs, &err), KR_OK);
    kr_raft_advance(r);
}

/* Same, but leaves the start-up ready (e.g. a follower's first Fetch) to inspect. */
static void start_keep(kr_raft *r, int32_t leader, int32_t epoch, int32_t voted) {
    kr_raft_quorum_state qs = {leader, epoch, voted};
    kr_error err;
    assert_int_equal(kr_raft_start(r, &qs, &err), KR_OK);
}

static const kr_raft_ready *rd(const kr_raft *r) { return kr_raft_ready_get(r); }

static const kr_raft_msg *sent(const kr_raft *r, enum kr_raft_msg_type type, int32_t to) {
    const kr_raft_ready *d = rd(r);
    for (size_t i = 0; i < d->msg_count; i++)
        if (d->msgs[i].type == type && d->msgs[i].to == to) return &d->msgs[i];
    return NULL;
}

static size_t count_sent(const kr_raft *r, enum kr_raft_msg_type type) {
    size_t n = 0;
    for (size_t i = 0; i < rd(r)->msg_count; i++) n += rd(r)->msgs[i].type == type;
    return n;
}

static kr_raft_msg vote_req(int32_t from, int32_t to, int32_t epoch, int32_t last_epoch,
                            int64_t last_offset) {
    kr_raft_msg m = {.type = KR_MSG_VOTE_REQUEST, .from = from, .to = to, .correlation_id = 7};
    m.u.vote_req = (kr_vote_request){to, epoch, from, last_epoch, last_offset};
    return m;
}

static kr_raft_msg fetch_req(int32_t from, int32_t to, int32_t epoch, int64_t offset,
                             int32_t last_epoch) {
    kr_raft_msg m = {.type = KR_MSG_FETCH_REQUEST, .from = from, .to = to, .correlation_id = 9};
    m.u.fetch_req = (kr_fetch_request){from, 500, 1 << 23, epoch, offset, last_epoch};
    return m;
}

/* The response to request `req` (taken from a ready), with body filled by the caller. */
static kr_raft_msg reply(const kr_raft_msg *req, enum kr_raft_msg_type type) {
    kr_raft_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.from = req->to;
    m.to = req->from;
    m.correlation_id = req->correlation_id;
    return m;
}

static kr_raft_msg grant(const kr_raft_msg *req, bool granted) {
    kr_raft_msg m = reply(req, KR_MSG_VOTE_RESPONSE);
    m.u.vote_resp = (kr_vote_response){KR_E_NONE, -1, req->u.vote_req.candidate_epoch, granted};
    return m;
}

static kr_fetch_response fetch_resp_body(int32_t leader, int32_t epoch, int64_t hw) {
    kr_fetch_response f;
    memset(&f, 0, sizeof f);
    f.high_watermark = hw;
    f.current_leader = (kr_leader_id_and_epoch){leader, epoch};
    f.diverging_epoch = (kr_epoch_end){-1, -1};
    f.snapshot_id = (kr_snapshot_id){-1, -1};
    return f;
}

/* Node 1 of a 3-voter quorum elected leader of epoch 1 over an empty log. */
static kr_raft *elected_leader(void) {
    kr_raft *r = node(1, 3);
    start(r, -1, 0, -1);
    kr_raft_tick(r, 1000); /* election timer T (rand 0) */
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    kr_raft_msg g = grant(sent(r, KR_MSG_VOTE_REQUEST, 2), true);
    kr_raft_advance(r);
    kr_raft_step(r, &g);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    kr_raft_advance(r);
    return r;
}

/* ---------- votes (§6.2) ---------- */

/* Split survivors: one voter rejects (it is a candidate too), the other is
 * unreachable (BROKER_NOT_AVAILABLE): a majority is impossible, so the
 * candidate backs off at once instead of waiting out its election timer. */
static void test_candidate_backs_off_when_rejected_and_unreachable(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, -1, 0, -1);
    kr_raft_tick(r, 1000);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    kr_raft_msg no = grant(sent(r, KR_MSG_VOTE_REQUEST, 2), false);
    kr_raft_msg down = reply(sent(r, KR_MSG_VOTE_REQUEST, 3), KR_MSG_VOTE_RESPONSE);
    down.u.vote_resp = (kr_vote_response){KR_E_BROKER_NOT_AVAILABLE, -1, 1, false};
    kr_raft_advance(r);
    kr_raft_step(r, &no);
    kr_raft_advance(r);
    kr_raft_step(r, &down);
    kr_raft_advance(r);
    kr_raft_tick(r, 1); /* backoff 0 (rand 0): a new candidacy long before T */
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    assert_int_equal(kr_raft_epoch(r), 2);
    kr_raft_advance(r);
    kr_raft_destroy(r);
}

static void test_grants_vote_and_persists_before_responding(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 4, 1);
    start(r, -1, 1, -1);
    kr_raft_msg m = vote_req(2, 1, 2, 1, 5); /* same last epoch, same LEO: up to date */
    kr_raft_step(r, &m);
    const kr_raft_ready *d = rd(r);
    /* The ready persists quorum-state (step 1) before its messages (step 6). */
    assert_true(d->quorum_state_changed);
    assert_int_equal(d->quorum_state.leader_epoch, 2);
    assert_int_equal(d->quorum_state.voted_id, 2);
    assert_int_equal(d->quorum_state.leader_id, -1);
    const kr_raft_msg *resp = sent(r, KR_MSG_VOTE_RESPONSE, 2);
    assert_non_null(resp);
    assert_true(resp->u.vote_resp.vote_granted);
    assert_int_equal(resp->u.vote_resp.error_code, KR_E_NONE);
    assert_int_equal(resp->u.vote_resp.leader_epoch, 2);
    assert_int_equal(resp->correlation_id, 7);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_VOTED);
    kr_raft_advance(r);
    /* Re-grant to the same candidate is idempotent: no second write. */
    kr_raft_step(r, &m);
    assert_false(rd(r)->quorum_state_changed);
    assert_true(sent(r, KR_MSG_VOTE_RESPONSE, 2)->u.vote_resp.vote_granted);
    kr_raft_advance(r);
    /* A different candidate in the same epoch is refused. */
    kr_raft_msg other = vote_req(3, 1, 2, 1, 9);
    kr_raft_step(r, &other);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 3)->u.vote_resp.vote_granted);
    assert_false(rd(r)->quorum_state_changed);
    kr_raft_destroy(r);
}

static void test_rejects_vote_for_older_epoch(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, -1, 5, -1);
    kr_raft_msg m = vote_req(2, 1, 4, 0, 0);
    kr_raft_step(r, &m);
    const kr_raft_msg *resp = sent(r, KR_MSG_VOTE_RESPONSE, 2);
    assert_int_equal(resp->u.vote_resp.error_code, KR_E_FENCED_LEADER_EPOCH);
    assert_false(resp->u.vote_resp.vote_granted);
    assert_int_equal(resp->u.vote_resp.leader_epoch, 5);
    assert_false(rd(r)->quorum_state_changed);
    kr_raft_destroy(r);
}

static void test_rejects_candidate_with_less_up_to_date_log(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 4, 1);
    load(r, 5, 9, 2);
    start(r, -1, 2, -1);
    /* Older last epoch loses even with a longer log. */
    kr_raft_msg m = vote_req(2, 1, 3, 1, 50);
    kr_raft_step(r, &m);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 2)->u.vote_resp.vote_granted);
    /* The higher epoch was still adopted, durably, with no vote. */
    assert_true(rd(r)->quorum_state_changed);
    assert_int_equal(rd(r)->quorum_state.leader_epoch, 3);
    assert_int_equal(rd(r)->quorum_state.voted_id, -1);
    kr_raft_advance(r);
    /* Same last epoch, shorter log: rejected. */
    kr_raft_msg shorter = vote_req(3, 1, 3, 2, 9);
    kr_raft_step(r, &shorter);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 3)->u.vote_resp.vote_granted);
    kr_raft_advance(r);
    /* Same last epoch, equal LEO (10): granted. */
    kr_raft_msg equal = vote_req(3, 1, 3, 2, 10);
    kr_raft_step(r, &equal);
    assert_true(sent(r, KR_MSG_VOTE_RESPONSE, 3)->u.vote_resp.vote_granted);
    kr_raft_destroy(r);
}

static void test_vote_request_validation_order(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, -1, 5, -1);
    /* LastOffsetEpoch >= CandidateEpoch is INVALID_REQUEST before the epoch check. */
    kr_raft_msg bad = vote_req(2, 1, 4, 4, 0);
    kr_raft_step(r, &bad);
    assert_int_equal(sent(r, KR_MSG_VOTE_RESPONSE, 2)->u.vote_resp.error_code, KR_E_INVALID_REQUEST);
    kr_raft_advance(r);
    /* Wrong VoterId: the higher epoch is adopted first, then INVALID_VOTER_KEY. */
    kr_raft_msg wrong = vote_req(2, 1, 6, 0, 0);
    wrong.u.vote_req.voter_id = 3;
    kr_raft_step(r, &wrong);
    assert_int_equal(sent(r, KR_MSG_VOTE_RESPONSE, 2)->u.vote_resp.error_code, KR_E_INVALID_VOTER_KEY);
    assert_int_equal(kr_raft_epoch(r), 6);
    kr_raft_destroy(r);
}

static void test_leader_rejects_same_epoch_vote_and_steps_down_for_higher(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    kr_raft_msg same = vote_req(3, 1, 1, 0, 100);
    kr_raft_step(r, &same);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 3)->u.vote_resp.vote_granted);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    kr_raft_advance(r);
    /* No pre-vote in 3.9: a higher epoch unseats the leader. Its log (LeaderChange
     * at offset 0, epoch 1) is newer than the candidate's, so no vote. */
    kr_raft_msg higher = vote_req(3, 1, 2, 0, 0);
    kr_raft_step(r, &higher);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_UNATTACHED);
    assert_int_equal(rd(r)->quorum_state.leader_epoch, 2);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 3)->u.vote_resp.vote_granted);
    kr_raft_destroy(r);
}

/* ---------- election (§6.1, §7) ---------- */

static void test_election_to_leader_appends_leader_change(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 9, 1);
    start(r, -1, 1, -1);
    kr_raft_tick(r, 999);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_UNATTACHED);
    kr_raft_advance(r);
    kr_raft_tick(r, 1);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    const kr_raft_ready *d = rd(r);
    assert_true(d->quorum_state_changed);
    assert_int_equal(d->quorum_state.leader_epoch, 2);
    assert_int_equal(d->quorum_state.voted_id, 1);
    const kr_raft_msg *v2 = sent(r, KR_MSG_VOTE_REQUEST, 2);
    assert_non_null(v2);
    assert_non_null(sent(r, KR_MSG_VOTE_REQUEST, 3));
    assert_int_equal(v2->u.vote_req.candidate_epoch, 2);
    assert_int_equal(v2->u.vote_req.last_offset_epoch, 1);
    assert_int_equal(v2->u.vote_req.last_offset, 10); /* LEO, not the last offset */
    kr_raft_msg g = grant(v2, true);
    kr_raft_advance(r);
    kr_raft_step(r, &g);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    d = rd(r);
    assert_true(d->quorum_state_changed);
    assert_int_equal(d->quorum_state.leader_id, 1);
    assert_int_equal(d->append_count, 1);
    assert_int_equal(d->appends[0].base_offset, 10);
    assert_int_equal(d->appends[0].epoch, 2);
    assert_true(d->log_fsync);
    assert_non_null(sent(r, KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST, 2));
    assert_non_null(sent(r, KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST, 3));
    assert_int_equal(kr_raft_high_watermark(r), -1);
    assert_int_equal(kr_raft_epoch_start_offset(r), 10);
    kr_raft_destroy(r);
}

static void test_candidate_backs_off_after_majority_rejects(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, -1, 0, -1);
    kr_raft_tick(r, 1000);
    kr_raft_msg n2 = grant(sent(r, KR_MSG_VOTE_REQUEST, 2), false);
    kr_raft_msg n3 = grant(sent(r, KR_MSG_VOTE_REQUEST, 3), false);
    kr_raft_advance(r);
    kr_raft_step(r, &n2);
    kr_raft_advance(r);
    kr_raft_step(r, &n3);
    /* A majority is impossible: backoff (rand 0 -> 0 ms), then a new candidacy in epoch 2. */
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    assert_int_equal(kr_raft_epoch(r), 2);
    assert_int_equal(rd(r)->quorum_state.leader_epoch, 2);
    assert_int_equal(count_sent(r, KR_MSG_VOTE_REQUEST), 2);
    kr_raft_destroy(r);
}

static void test_begin_quorum_epoch_makes_candidate_follow(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, -1, 0, -1);
    kr_raft_tick(r, 1000);
    kr_raft_advance(r);
    kr_raft_msg b = {.type = KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST, .from = 2, .to = 1, .correlation_id = 3};
    b.u.begin_req = (kr_begin_quorum_epoch_request){1, 2, 1};
    kr_raft_step(r, &b);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_FOLLOWER);
    assert_int_equal(rd(r)->quorum_state.leader_id, 2);
    assert_int_equal(sent(r, KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE, 2)->u.begin_resp.error_code, KR_E_NONE);
    /* and it starts fetching from the leader at once */
    const kr_raft_msg *f = sent(r, KR_MSG_FETCH_REQUEST, 2);
    assert_non_null(f);
    assert_int_equal(f->u.fetch_req.current_leader_epoch, 1);
    assert_int_equal(f->u.fetch_req.fetch_offset, 0);
    kr_raft_destroy(r);
}

static void test_second_leader_in_epoch_is_a_violation(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    start(r, 2, 4, -1);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_FOLLOWER);
    kr_raft_msg b = {.type = KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST, .from = 3, .to = 1};
    b.u.begin_req = (kr_begin_quorum_epoch_request){1, 3, 4};
    kr_raft_step(r, &b);
    assert_int_equal(kr_raft_violations(r, NULL), 1);
    assert_int_equal(kr_raft_leader(r), 2);
    kr_raft_destroy(r);
}

/* ---------- replication (§11, §12) ---------- */

static void test_hw_needs_an_entry_of_the_leaders_epoch(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 9, 1);
    start(r, -1, 1, -1);
    kr_raft_tick(r, 1000);
    kr_raft_msg g = grant(sent(r, KR_MSG_VOTE_REQUEST, 2), true);
    kr_raft_advance(r);
    kr_raft_step(r, &g); /* leader of epoch 2, LeaderChange at offset 10 */
    kr_raft_advance(r);
    /* Follower 2 holds every epoch-1 entry (LEO 10): a majority holds 0..9,
     * yet none of them is committed through this leader. */
    kr_raft_msg f = fetch_req(2, 1, 2, 10, 1);
    kr_raft_step(r, &f);
    const kr_raft_msg *resp = sent(r, KR_MSG_FETCH_RESPONSE, 2);
    assert_non_null(resp);
    assert_int_equal(resp->u.fetch_resp.high_watermark, -1);
    assert_int_equal(resp->u.fetch_resp.records_from_offset, 10);
    assert_int_equal(resp->u.fetch_resp.records_to_offset, 11);
    assert_int_equal(kr_raft_high_watermark(r), -1);
    assert_false(rd(r)->high_watermark_changed);
    kr_raft_advance(r);
    /* Once the follower holds the LeaderChange record (offset 10), HW = 11. */
    kr_raft_msg f2 = fetch_req(2, 1, 2, 11, 2);
    kr_raft_step(r, &f2);
    assert_true(rd(r)->high_watermark_changed);
    assert_int_equal(rd(r)->high_watermark, 11);
    kr_raft_destroy(r);
}

static void test_leader_sends_diverging_epoch_and_follower_truncates(void **state) {
    (void)state;
    /* Leader 1: epoch 1 at 0..4, epoch 3 from 5. Follower 2: epoch 1 at 0..4,
     * epoch 2 at 5..7 (never committed). */
    kr_raft *leader = node(1, 3);
    load(leader, 0, 4, 1);
    load(leader, 5, 6, 3);
    start(leader, -1, 3, -1);
    kr_raft_tick(leader, 1000);
    kr_raft_msg g = grant(sent(leader, KR_MSG_VOTE_REQUEST, 3), true);
    kr_raft_advance(leader);
    kr_raft_step(leader, &g); /* epoch 4 */
    kr_raft_advance(leader);

    kr_raft *follower = node(2, 3);
    load(follower, 0, 4, 1);
    load(follower, 5, 7, 2);
    start_keep(follower, 1, 4, -1); /* Follower at start-up: fetches at once */
    const kr_raft_msg *freq = sent(follower, KR_MSG_FETCH_REQUEST, 1);
    assert_non_null(freq);
    assert_int_equal(freq->u.fetch_req.fetch_offset, 8);
    assert_int_equal(freq->u.fetch_req.last_fetched_epoch, 2);
    kr_raft_msg fr = *freq;
    kr_raft_advance(follower);

    kr_raft_step(leader, &fr);
    const kr_raft_msg *resp = sent(leader, KR_MSG_FETCH_RESPONSE, 2);
    assert_non_null(resp);
    assert_int_equal(resp->u.fetch_resp.diverging_epoch.epoch, 1);
    assert_int_equal(resp->u.fetch_resp.diverging_epoch.end_offset, 5);
    kr_raft_msg back = *resp;
    kr_raft_advance(leader);

    kr_raft_step(follower, &back);
    assert_int_equal(rd(follower)->truncate_to, 5);
    assert_int_equal(rd(follower)->append_count, 0);
    assert_int_equal(kr_raft_end_offset(follower), 5);
    /* The next Fetch asks from the truncation point with the epoch found there. */
    const kr_raft_msg *next = sent(follower, KR_MSG_FETCH_REQUEST, 1);
    assert_non_null(next);
    assert_int_equal(next->u.fetch_req.fetch_offset, 5);
    assert_int_equal(next->u.fetch_req.last_fetched_epoch, 1);
    kr_raft_destroy(leader);
    kr_raft_destroy(follower);
}

static void test_follower_appends_and_takes_min_hw(void **state) {
    (void)state;
    kr_raft *r = node(2, 3);
    start_keep(r, 1, 1, -1);
    const kr_raft_msg *req = sent(r, KR_MSG_FETCH_REQUEST, 1);
    kr_raft_msg resp = reply(req, KR_MSG_FETCH_RESPONSE);
    kr_raft_advance(r);
    static const uint8_t p0[] = "leader-change", p1[] = "abc";
    kr_raft_batch batches[2] = {{0, 0, 1, p0, sizeof p0}, {1, 3, 1, p1, sizeof p1}};
    resp.u.fetch_resp = fetch_resp_body(1, 1, 9); /* leader HW 9 > our LEO 4 */
    resp.u.fetch_resp.records = batches;
    resp.u.fetch_resp.records_count = 2;
    kr_raft_step(r, &resp);
    const kr_raft_ready *d = rd(r);
    assert_int_equal(d->append_count, 2);
    assert_ptr_equal(d->appends, batches); /* zero copy: valid until advance */
    assert_true(d->log_fsync);
    assert_true(d->high_watermark_changed);
    assert_int_equal(d->high_watermark, 4);
    /* The next Fetch goes out in the same ready, after the fsync (step 6). */
    assert_int_equal(sent(r, KR_MSG_FETCH_REQUEST, 1)->u.fetch_req.fetch_offset, 4);
    kr_raft_msg dup = resp; /* a duplicate of the answered response */
    kr_raft_advance(r);
    kr_raft_step(r, &dup);
    assert_int_equal(rd(r)->append_count, 0); /* ignored by correlation id */
    assert_int_equal(kr_raft_end_offset(r), 4);
    kr_raft_destroy(r);
}

static void test_fetch_long_poll_parks_until_append(void **state) {
    (void)state;
    kr_raft *r = elected_leader(); /* LEO 1 */
    kr_raft_msg f = fetch_req(2, 1, 1, 1, 1);
    kr_raft_step(r, &f);
    assert_null(sent(r, KR_MSG_FETCH_RESPONSE, 2)); /* parked */
    assert_int_equal(kr_raft_high_watermark(r), 1); /* 2 of 3 hold the LeaderChange */
    kr_raft_advance(r);
    static const uint8_t p[] = "x";
    kr_raft_batch b;
    kr_error err;
    assert_int_equal(kr_raft_propose(r, p, 1, 2, &b, &err), KR_OK);
    assert_int_equal(b.base_offset, 1);
    assert_int_equal(b.last_offset, 2);
    assert_int_equal(b.epoch, 1);
    const kr_raft_msg *resp = sent(r, KR_MSG_FETCH_RESPONSE, 2);
    assert_non_null(resp);
    assert_int_equal(resp->correlation_id, 9);
    assert_int_equal(resp->u.fetch_resp.records_from_offset, 1);
    assert_int_equal(resp->u.fetch_resp.records_to_offset, 3);
    kr_raft_advance(r);
    /* Parked at the end again; no append: answered empty after MaxWaitMs. */
    kr_raft_msg f2 = fetch_req(3, 1, 1, 3, 1);
    kr_raft_step(r, &f2);
    assert_int_equal(rd(r)->high_watermark, 3);
    assert_null(sent(r, KR_MSG_FETCH_RESPONSE, 3));
    kr_raft_advance(r);
    kr_raft_tick(r, 499);
    assert_null(sent(r, KR_MSG_FETCH_RESPONSE, 3));
    kr_raft_advance(r);
    kr_raft_tick(r, 1);
    resp = sent(r, KR_MSG_FETCH_RESPONSE, 3);
    assert_non_null(resp);
    assert_int_equal(resp->u.fetch_resp.records_from_offset, resp->u.fetch_resp.records_to_offset);
    assert_int_equal(resp->u.fetch_resp.high_watermark, 3);
    kr_raft_destroy(r);
}

/* A parked Fetch is answered as soon as the HW moves (Kafka completes the fetch
 * purgatory on a HW change), so followers learn commits without waiting out the
 * long poll. Five voters: leader + node 2 are not a majority, + node 3 is. */
static void test_parked_fetch_answered_when_hw_moves(void **state) {
    (void)state;
    kr_raft *r = node(1, 5);
    start(r, -1, 0, -1);
    kr_raft_tick(r, 1000);
    kr_raft_msg g2 = grant(sent(r, KR_MSG_VOTE_REQUEST, 2), true);
    kr_raft_msg g3 = grant(sent(r, KR_MSG_VOTE_REQUEST, 3), true);
    kr_raft_advance(r);
    kr_raft_step(r, &g2);
    kr_raft_advance(r);
    kr_raft_step(r, &g3);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    kr_raft_advance(r); /* LEO 1: the LeaderChange */
    kr_raft_msg f2 = fetch_req(2, 1, 1, 1, 1);
    kr_raft_step(r, &f2);
    assert_null(sent(r, KR_MSG_FETCH_RESPONSE, 2)); /* parked */
    assert_true(kr_raft_high_watermark(r) < 1);   /* 2 of 5 */
    kr_raft_advance(r);
    kr_raft_msg f3 = fetch_req(3, 1, 1, 1, 1);
    kr_raft_step(r, &f3);
    assert_int_equal(kr_raft_high_watermark(r), 1); /* 3 of 5 */
    const kr_raft_msg *resp = sent(r, KR_MSG_FETCH_RESPONSE, 2);
    assert_non_null(resp); /* node 2 hears of the new HW at once */
    assert_int_equal(resp->u.fetch_resp.high_watermark, 1);
    assert_int_equal(resp->u.fetch_resp.records_from_offset, resp->u.fetch_resp.records_to_offset);
    assert_null(sent(r, KR_MSG_FETCH_RESPONSE, 3)); /* node 3 parked: it already knows HW 1 */
    kr_raft_destroy(r);
}

static void test_fetch_epoch_checks(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    kr_raft_msg old = fetch_req(2, 1, 0, 0, 0);
    kr_raft_step(r, &old);
    assert_int_equal(sent(r, KR_MSG_FETCH_RESPONSE, 2)->u.fetch_resp.error_code, KR_E_FENCED_LEADER_EPOCH);
    kr_raft_advance(r);
    kr_raft_msg newer = fetch_req(2, 1, 5, 0, 0);
    kr_raft_step(r, &newer);
    assert_int_equal(sent(r, KR_MSG_FETCH_RESPONSE, 2)->u.fetch_resp.error_code, KR_E_UNKNOWN_LEADER_EPOCH);
    kr_raft_advance(r);
    kr_raft_msg bad = fetch_req(2, 1, 1, 0, 2); /* LastFetchedEpoch > CurrentLeaderEpoch */
    kr_raft_step(r, &bad);
    assert_int_equal(sent(r, KR_MSG_FETCH_RESPONSE, 2)->u.fetch_resp.error_code, KR_E_INVALID_REQUEST);
    kr_raft_destroy(r);
}

static void test_observer_discovers_leader_and_never_campaigns(void **state) {
    (void)state;
    kr_raft *o = node(9, 3); /* not in voters 1..3 */
    start(o, -1, 0, -1);
    kr_raft_tick(o, 10000);
    assert_int_equal(kr_raft_role_of(o), KR_RAFT_UNATTACHED);
    assert_int_equal(count_sent(o, KR_MSG_VOTE_REQUEST), 0);
    const kr_raft_msg *f = sent(o, KR_MSG_FETCH_REQUEST, 1); /* a random bootstrap voter */
    assert_non_null(f);
    kr_raft_msg resp = reply(f, KR_MSG_FETCH_RESPONSE);
    kr_raft_advance(o);
    resp.u.fetch_resp = fetch_resp_body(2, 3, -1);
    resp.u.fetch_resp.error_code = KR_E_FENCED_LEADER_EPOCH;
    kr_raft_step(o, &resp);
    assert_int_equal(kr_raft_role_of(o), KR_RAFT_FOLLOWER);
    assert_int_equal(kr_raft_leader(o), 2);
    assert_int_equal(kr_raft_epoch(o), 3);
    assert_non_null(sent(o, KR_MSG_FETCH_REQUEST, 2)); /* same round trip: on to the leader */
    kr_raft_destroy(o);
}

/* ---------- liveness and resignation (§9, §10) ---------- */

static void test_check_quorum_resigns(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    kr_raft_tick(r, 2999);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    kr_raft_advance(r);
    kr_raft_tick(r, 1); /* 1.5 x fetch.timeout with no voter fetching */
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_RESIGNED);
    assert_false(rd(r)->quorum_state_changed); /* Resigned is memory only */
    assert_non_null(sent(r, KR_MSG_END_QUORUM_EPOCH_REQUEST, 2));
    assert_non_null(sent(r, KR_MSG_END_QUORUM_EPOCH_REQUEST, 3));
    kr_raft_destroy(r);
}

static void test_fetches_keep_the_leader_in_office(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    for (int i = 0; i < 10; i++) {
        kr_raft_tick(r, 1000);
        kr_raft_advance(r);
        kr_raft_msg f = fetch_req(2, 1, 1, 1, 1);
        f.u.fetch_req.max_wait_ms = 0;
        kr_raft_step(r, &f);
        kr_raft_advance(r);
    }
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    kr_raft_destroy(r);
}

/* A Fetch without a replica id (-1: a tool reading the committed log, kraft-raft.md §11.1)
 * is answered like any VALID fetch, but never counts toward the HW, the observers listed by
 * DescribeQuorum, or check-quorum: such readers alone do not keep a leader in office. */
static void test_fetch_without_replica_id_reads_but_never_counts(void **state) {
    (void)state;
    kr_raft *r = elected_leader(); /* LEO 1, HW unknown */
    kr_raft_msg f = fetch_req(-1, 1, 1, 0, 0);
    f.u.fetch_req.max_wait_ms = 0;
    kr_raft_step(r, &f);
    const kr_raft_msg *resp = sent(r, KR_MSG_FETCH_RESPONSE, -1);
    assert_non_null(resp);
    assert_int_equal(resp->u.fetch_resp.error_code, KR_E_NONE);
    assert_int_equal(resp->u.fetch_resp.records_from_offset, 0);
    assert_int_equal(resp->u.fetch_resp.records_to_offset, 1);
    assert_int_equal(resp->u.fetch_resp.high_watermark, -1);
    assert_int_equal(resp->correlation_id, 9);
    assert_int_equal(kr_raft_high_watermark(r), -1); /* would be 1 if it counted as a voter */
    kr_raft_advance(r);
    kr_quorum_info info;
    assert_true(kr_raft_describe(r, &info));
    assert_int_equal(info.observer_count, 0);
    for (int i = 0; i < 3; i++) {
        kr_raft_tick(r, 1000);
        kr_raft_advance(r);
        kr_raft_msg again = fetch_req(-1, 1, 1, 1, 1);
        again.u.fetch_req.max_wait_ms = 0;
        kr_raft_step(r, &again);
        kr_raft_advance(r);
    }
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_RESIGNED); /* 3000 ms without a voter's fetch */
    kr_raft_destroy(r);
}

static void test_resign_names_most_caught_up_successor_first(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    static const uint8_t p[] = "x";
    kr_error err;
    assert_int_equal(kr_raft_propose(r, p, 1, 1, NULL, &err), KR_OK);
    kr_raft_advance(r);
    kr_raft_msg f3 = fetch_req(3, 1, 1, 2, 1);
    kr_raft_step(r, &f3);
    kr_raft_advance(r);
    kr_raft_msg f2 = fetch_req(2, 1, 1, 1, 1);
    f2.u.fetch_req.max_wait_ms = 0;
    kr_raft_step(r, &f2);
    kr_raft_advance(r);
    kr_raft_resign(r);
    const kr_raft_msg *e = sent(r, KR_MSG_END_QUORUM_EPOCH_REQUEST, 2);
    assert_non_null(e);
    assert_int_equal(e->u.end_req.preferred_successors_count, 2);
    assert_int_equal(e->u.end_req.preferred_successors[0], 3);
    assert_int_equal(e->u.end_req.preferred_successors[1], 2);
    /* The parked fetch of node 3 is answered NOT_LEADER_OR_FOLLOWER. */
    assert_int_equal(sent(r, KR_MSG_FETCH_RESPONSE, 3)->u.fetch_resp.error_code,
                     KR_E_NOT_LEADER_OR_FOLLOWER);
    kr_raft_destroy(r);
}

static void test_end_quorum_epoch_makes_preferred_successor_stand_first(void **state) {
    (void)state;
    kr_raft *first = node(2, 3), *second = node(3, 3);
    start(first, 1, 1, -1);
    start(second, 1, 1, -1);
    kr_raft_msg e = {.type = KR_MSG_END_QUORUM_EPOCH_REQUEST, .from = 1};
    e.u.end_req = (kr_end_quorum_epoch_request){1, 1, {2, 3}, 2};
    e.to = 2;
    kr_raft_step(first, &e);
    /* Position 0: the fetch timer is now 0 ms, candidacy on this very poll. */
    assert_int_equal(kr_raft_role_of(first), KR_RAFT_CANDIDATE);
    assert_int_equal(kr_raft_epoch(first), 2);
    e.to = 3;
    kr_raft_step(second, &e);
    assert_int_equal(kr_raft_role_of(second), KR_RAFT_FOLLOWER);
    kr_raft_advance(second);
    kr_raft_tick(second, 999); /* position 1 of 2: (1000 >> 1) << 0 = 500 ms */
    assert_int_equal(kr_raft_role_of(second), KR_RAFT_CANDIDATE);
    kr_raft_destroy(first);
    kr_raft_destroy(second);
}

/* ---------- start-up (§3.2) ---------- */

static void test_restart_as_leader_comes_back_resigned(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 4, 3);
    kr_raft_quorum_state qs = {1, 3, -1};
    kr_error err;
    assert_int_equal(kr_raft_start(r, &qs, &err), KR_OK);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_RESIGNED);
    assert_int_equal(count_sent(r, KR_MSG_END_QUORUM_EPOCH_REQUEST), 2);
    /* Empty successor list: receivers stand at once. */
    assert_int_equal(sent(r, KR_MSG_END_QUORUM_EPOCH_REQUEST, 2)->u.end_req.preferred_successors_count, 0);
    kr_raft_advance(r);
    /* It rejects votes in its own epoch. */
    kr_raft_msg v = vote_req(2, 1, 3, 3, 5);
    kr_raft_step(r, &v);
    assert_false(sent(r, KR_MSG_VOTE_RESPONSE, 2)->u.vote_resp.vote_granted);
    kr_raft_advance(r);
    kr_raft_tick(r, 1000);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_CANDIDATE);
    assert_int_equal(kr_raft_epoch(r), 4);
    kr_raft_destroy(r);
}

static void test_start_adopts_log_epoch_above_stored_epoch(void **state) {
    (void)state;
    kr_raft *r = node(1, 3);
    load(r, 0, 4, 6);
    kr_raft_quorum_state qs = {-1, 2, 3};
    kr_error err;
    assert_int_equal(kr_raft_start(r, &qs, &err), KR_OK);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_UNATTACHED);
    assert_int_equal(rd(r)->quorum_state.leader_epoch, 6);
    kr_raft_destroy(r);
}

static void test_single_voter_elects_itself_and_commits(void **state) {
    (void)state;
    kr_raft *r = node(1, 1);
    kr_error err;
    assert_int_equal(kr_raft_start(r, NULL, &err), KR_OK);
    assert_int_equal(kr_raft_role_of(r), KR_RAFT_LEADER);
    assert_int_equal(rd(r)->append_count, 1);
    assert_int_equal(rd(r)->high_watermark, 1);
    kr_raft_destroy(r);
}

/* ---------- snapshots (§14) ---------- */

static void test_follower_below_log_start_downloads_snapshot(void **state) {
    (void)state;
    kr_raft *r = elected_leader(); /* LeaderChange at 0 */
    static const uint8_t p[] = "x";
    kr_error err;
    assert_int_equal(kr_raft_propose(r, p, 1, 9, NULL, &err), KR_OK); /* 1..9 */
    kr_raft_advance(r);
    kr_raft_msg f = fetch_req(2, 1, 1, 10, 1);
    kr_raft_step(r, &f); /* HW 10 */
    kr_raft_advance(r);
    assert_int_equal(kr_raft_high_watermark(r), 10);
    assert_int_not_equal(kr_raft_snapshot_created(r, (kr_snapshot_id){11, 1}, 10, &err), KR_OK);
    assert_int_equal(kr_raft_snapshot_created(r, (kr_snapshot_id){10, 1}, 10, &err), KR_OK);
    kr_raft_advance(r);
    kr_raft_clean(r);
    assert_true(rd(r)->log_start_offset_changed);
    assert_int_equal(rd(r)->log_start_offset, 10);
    kr_raft_advance(r);

    kr_raft *fl = node(3, 3);
    start_keep(fl, 1, 1, -1);
    kr_raft_msg req = *sent(fl, KR_MSG_FETCH_REQUEST, 1);
    kr_raft_advance(fl);
    kr_raft_step(r, &req);
    kr_raft_msg resp = *sent(r, KR_MSG_FETCH_RESPONSE, 3);
    kr_raft_advance(r);
    assert_int_equal(resp.u.fetch_resp.snapshot_id.end_offset, 10);
    assert_int_equal(resp.u.fetch_resp.snapshot_id.epoch, 1);
    kr_raft_step(fl, &resp);
    kr_raft_msg sreq = *sent(fl, KR_MSG_FETCH_SNAPSHOT_REQUEST, 1);
    kr_raft_advance(fl);
    sreq.u.snap_req.max_bytes = 6; /* two chunks: 6 + 4 bytes */
    static const uint8_t snap[10] = "0123456789";
    for (int chunk = 0; chunk < 2; chunk++) {
        kr_raft_step(r, &sreq);
        kr_raft_msg sresp = *sent(r, KR_MSG_FETCH_SNAPSHOT_RESPONSE, 3);
        kr_raft_advance(r);
        assert_int_equal(sresp.u.snap_resp.error_code, KR_E_NONE);
        assert_int_equal(sresp.u.snap_resp.size, 10);
        assert_int_equal(sresp.u.snap_resp.unaligned_records_len, chunk == 0 ? 6 : 4);
        sresp.u.snap_resp.unaligned_records = snap + sresp.u.snap_resp.position;
        kr_raft_step(fl, &sresp);
        assert_true(rd(fl)->snapshot_chunk_present);
        assert_int_equal(rd(fl)->snapshot_chunk_position, chunk == 0 ? 0 : 6);
        if (chunk == 0) {
            assert_false(rd(fl)->snapshot_install);
            sreq = *sent(fl, KR_MSG_FETCH_SNAPSHOT_REQUEST, 1);
            sreq.u.snap_req.max_bytes = 6;
        } else {
            assert_true(rd(fl)->snapshot_install);
            assert_int_equal(rd(fl)->snapshot_install_id.end_offset, 10);
            assert_int_equal(rd(fl)->high_watermark, 10);
            const kr_raft_msg *next = sent(fl, KR_MSG_FETCH_REQUEST, 1);
            assert_int_equal(next->u.fetch_req.fetch_offset, 10);
            assert_int_equal(next->u.fetch_req.last_fetched_epoch, 1);
        }
        kr_raft_advance(fl);
    }
    assert_int_equal(kr_raft_log_of(fl)->log_start_offset, 10);
    kr_raft_destroy(r);
    kr_raft_destroy(fl);
}

static void test_unknown_snapshot_is_not_found(void **state) {
    (void)state;
    kr_raft *r = elected_leader();
    kr_raft_msg s = {.type = KR_MSG_FETCH_SNAPSHOT_REQUEST, .from = 2, .to = 1};
    s.u.snap_req = (kr_fetch_snapshot_request){2, 100, 1, {5, 1}, 0};
    kr_raft_step(r, &s);
    assert_int_equal(sent(r, KR_MSG_FETCH_SNAPSHOT_RESPONSE, 2)->u.snap_resp.error_code,
                     KR_E_SNAPSHOT_NOT_FOUND);
    kr_raft_destroy(r);
}

/* ---------- DescribeQuorum (§16) ---------- */

static void test_describe_quorum_reports_replica_offsets(void **state) {
    (void)state;
    kr_raft *r = elected_leader(); /* LEO 1 */
    kr_quorum_info info;
    kr_raft_tick(r, 100);
    kr_raft_advance(r);
    kr_raft_msg f = fetch_req(2, 1, 1, 1, 1);
    f.u.fetch_req.max_wait_ms = 0;
    kr_raft_step(r, &f);
    kr_raft_advance(r);
    kr_raft_msg obs = fetch_req(7, 1, 1, 0, 0); /* an observer */
    obs.u.fetch_req.max_wait_ms = 0;
    kr_raft_step(r, &obs);
    kr_raft_advance(r);
    assert_true(kr_raft_describe(r, &info));
    assert_int_equal(info.leader_id, 1);
    assert_int_equal(info.leader_epoch, 1);
    assert_int_equal(info.high_watermark, 1);
    assert_int_equal(info.voter_count, 3);
    assert_int_equal(info.voters[0].log_end_offset, 1); /* the leader itself */
    assert_int_equal(info.voters[1].log_end_offset, 1);
    assert_int_equal(info.voters[1].last_fetch_ms, 1100); /* 1000 ms of election + 100 */
    assert_int_equal(info.voters[1].last_caught_up_ms, 1100);
    assert_int_equal(info.voters[2].log_end_offset, -1); /* never fetched */
    assert_int_equal(info.observer_count, 1);
    assert_int_equal(info.observers[0].replica_id, 7);
    assert_int_equal(info.observers[0].log_end_offset, 0);
    kr_raft_destroy(r);
    kr_raft *f2 = node(2, 3);
    start(f2, 1, 1, -1);
    assert_false(kr_raft_describe(f2, &info)); /* only the leader answers */
    kr_raft_destroy(f2);
}

/* ---------- the log index (§5.2) ---------- */

static void test_end_offset_for_epoch(void **state) {
    (void)state;
    kr_raft_log l;
    kr_raft_log_init(&l);
    assert_true(kr_raft_log_append(&l, 0, 4, 1));
    assert_true(kr_raft_log_append(&l, 5, 9, 3));
    assert_true(kr_raft_log_append(&l, 10, 10, 5));
    kr_epoch_end e = kr_raft_log_end_offset_for_epoch(&l, 5);
    assert_int_equal(e.epoch, 5);
    assert_int_equal(e.end_offset, 11);
    e = kr_raft_log_end_offset_for_epoch(&l, 4); /* floor 3, ends where 5 starts */
    assert_int_equal(e.epoch, 3);
    assert_int_equal(e.end_offset, 10);
    e = kr_raft_log_end_offset_for_epoch(&l, 2);
    assert_int_equal(e.epoch, 1);
    assert_int_equal(e.end_offset, 5);
    kr_raft_log_truncate(&l, 7);
    assert_int_equal(kr_raft_log_last_fetched_epoch(&l), 3);
    assert_int_equal(kr_raft_log_epoch_at(&l, 6), 3);
    assert_int_equal(kr_raft_log_epoch_at(&l, 7), -1);
    kr_raft_log_free(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants_vote_and_persists_before_responding),
        cmocka_unit_test(test_candidate_backs_off_when_rejected_and_unreachable),
        cmocka_unit_test(test_rejects_vote_for_older_epoch),
        cmocka_unit_test(test_rejects_candidate_with_less_up_to_date_log),
        cmocka_unit_test(test_vote_request_validation_order),
        cmocka_unit_test(test_leader_rejects_same_epoch_vote_and_steps_down_for_higher),
        cmocka_unit_test(test_election_to_leader_appends_leader_change),
        cmocka_unit_test(test_candidate_backs_off_after_majority_rejects),
        cmocka_unit_test(test_begin_quorum_epoch_makes_candidate_follow),
        cmocka_unit_test(test_second_leader_in_epoch_is_a_violation),
        cmocka_unit_test(test_hw_needs_an_entry_of_the_leaders_epoch),
        cmocka_unit_test(test_leader_sends_diverging_epoch_and_follower_truncates),
        cmocka_unit_test(test_follower_appends_and_takes_min_hw),
        cmocka_unit_test(test_fetch_long_poll_parks_until_append),
        cmocka_unit_test(test_parked_fetch_answered_when_hw_moves),
        cmocka_unit_test(test_fetch_epoch_checks),
        cmocka_unit_test(test_observer_discovers_leader_and_never_campaigns),
        cmocka_unit_test(test_check_quorum_resigns),
        cmocka_unit_test(test_fetches_keep_the_leader_in_office),
        cmocka_unit_test(test_fetch_without_replica_id_reads_but_never_counts),
        cmocka_unit_test(test_resign_names_most_caught_up_successor_first),
        cmocka_unit_test(test_end_quorum_epoch_makes_preferred_successor_stand_first),
        cmocka_unit_test(test_restart_as_leader_comes_back_resigned),
        cmocka_unit_test(test_start_adopts_log_epoch_above_stored_epoch),
        cmocka_unit_test(test_single_voter_elects_itself_and_commits),
        cmocka_unit_test(test_follower_below_log_start_downloads_snapshot),
        cmocka_unit_test(test_unknown_snapshot_is_not_found),
        cmocka_unit_test(test_describe_quorum_reports_replica_offsets),
        cmocka_unit_test(test_end_offset_for_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
