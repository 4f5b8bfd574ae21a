/* KRaft consensus core; section numbers refer to spec kraft-raft.md. */
#include "kraft/raft.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NEVER UINT64_MAX
#define CANDIDATE_BACKOFF_UNIT_MS 100
#define MAX_POLL_ROUNDS 4

enum conn_state { CONN_READY, CONN_AWAITING, CONN_BACKOFF };

/* RequestManager: one in-flight request per destination (§4). Destinations are
 * always voters, so connections are indexed by voter slot. */
typedef struct conn {
    enum conn_state state;
    enum kr_raft_msg_type type;
    uint32_t correlation_id;
    uint64_t since_ms, until_ms;
} conn;

typedef struct replica {
    int32_t id;
    int64_t end_offset; /* last VALID FetchOffset; -1 unknown */
    int64_t last_fetch_ms, last_caught_up_ms;
    int64_t leader_leo_at_last_fetch;
} replica;

typedef struct parked_fetch {
    bool used;
    int32_t from;
    uint32_t correlation_id;
    kr_fetch_request req;
    uint64_t deadline_ms;
    int64_t hw_at_park; /* answered early once the HW moves past it (as Kafka does) */
} parked_fetch;

struct kr_raft {
    kr_raft_config cfg;
    int self_slot; /* voter slot, -1 for an observer */
    bool started;
    enum kr_raft_role role;
    int32_t epoch, leader_id, voted_id;
    uint64_t now_ms;
    kr_raft_log log;
    int64_t hw;

    uint64_t election_deadline_ms; /* Unattached/Voted voters, Candidate, Resigned */
    uint64_t fetch_deadline_ms;    /* Follower */

    /* Candidate */
    uint32_t retries;
    bool backing_off;
    uint64_t backoff_deadline_ms;
    uint32_t granted_mask, rejected_mask; /* by voter slot */
    uint32_t unreachable_mask;            /* voters that answered BROKER_NOT_AVAILABLE this candidacy */

    /* Leader */
    int64_t epoch_start_offset;
    replica replicas[KR_RAFT_MAX_REPLICAS]; /* voters at their slot, then observers */
    size_t replica_count;
    uint32_t check_quorum_mask;
    uint64_t check_quorum_deadline_ms;
    uint64_t begin_epoch_deadline_ms;
    parked_fetch parked[KR_RAFT_MAX_REPLICAS];

    /* Resigned */
    uint32_t end_epoch_acked_mask;
    int32_t successors[KR_RAFT_MAX_VOTERS];
    uint32_t successor_count;

    /* Follower / observer */
    int fetch_slot; /* voter slot fetched from; -1 = pick a random voter */
    bool downloading;
    kr_snapshot_id dl_id;
    int64_t dl_pos;

    conn conns[KR_RAFT_MAX_VOTERS];
    uint32_t next_correlation_id;

    kr_raft_ready ready;
    bool ready_outstanding;
    kr_raft_batch own_batch;
    uint8_t leader_change_buf[KR_RAFT_LEADER_CHANGE_MAX];

    uint64_t violations;
    const char *violation_reason;
};

/* ---------- small helpers ---------- */

const char *kr_raft_role_name(enum kr_raft_role role) {
    static const char *names[] = {"Unattached", "Voted", "Candidate", "Leader", "Follower",
                                  "Resigned"};
    return (unsigned)role < sizeof names / sizeof names[0] ? names[role] : "?";
}

const char *kr_raft_msg_type_name(enum kr_raft_msg_type type) {
    static const char *names[] = {
        "VoteRequest",          "VoteResponse",          "BeginQuorumEpochRequest",
        "BeginQuorumEpochResponse", "EndQuorumEpochRequest", "EndQuorumEpochResponse",
        "FetchRequest",         "FetchResponse",         "FetchSnapshotRequest",
        "FetchSnapshotResponse"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

void kr_raft_config_defaults(kr_raft_config *cfg) {
    cfg->election_timeout_ms = 1000;
    cfg->election_backoff_max_ms = 1000;
    cfg->fetch_timeout_ms = 2000;
    cfg->request_timeout_ms = 2000;
    cfg->retry_backoff_ms = 20;
    cfg->fetch_max_wait_ms = 500;
    cfg->fetch_max_bytes = 8 * 1024 * 1024;
    cfg->fetch_snapshot_max_bytes = 8 * 1024 * 1024;
}

static int slot_of(const kr_raft *r, int32_t id) {
    for (size_t i = 0; i < r->cfg.voter_count; i++)
        if (r->cfg.voters[i] == id) return (int)i;
    return -1;
}

static bool is_voter(const kr_raft *r) { return r->self_slot >= 0; }
static int32_t self_id(const kr_raft *r) { return r->cfg.node_id; }
static size_t majority(const kr_raft *r) { return r->cfg.voter_count / 2 + 1; }
static size_t popcount(uint32_t m) { return (size_t)__builtin_popcount(m); }

static uint64_t rand_below(kr_raft *r, uint64_t n) {
    return n ? r->cfg.rand(r->cfg.rand_ctx) % n : 0;
}

static void violation(kr_raft *r, const char *why) {
    r->violations++;
    r->violation_reason = why;
}

static void arm_election_timer(kr_raft *r) {
    uint64_t t = r->cfg.election_timeout_ms;
    r->election_deadline_ms = r->now_ms + t + rand_below(r, t);
}

static void reset_conns(kr_raft *r) {
    memset(r->conns, 0, sizeof r->conns); /* all CONN_READY */
}

/* ---------- outputs ---------- */

static void persist(kr_raft *r) {
    kr_raft_quorum_state qs = {-1, r->epoch, -1};
    switch (r->role) {
    case KR_RAFT_VOTED: qs.voted_id = r->voted_id; break;
    case KR_RAFT_CANDIDATE: qs.voted_id = self_id(r); break;
    case KR_RAFT_LEADER:
    case KR_RAFT_FOLLOWER:
    case KR_RAFT_RESIGNED: qs.leader_id = r->leader_id; break;
    case KR_RAFT_UNATTACHED: break;
    }
    r->ready.quorum_state_changed = true;
    r->ready.quorum_state = qs;
}

static kr_raft_msg *push_msg(kr_raft *r, enum kr_raft_msg_type type, int32_t to, uint32_t corr) {
    assert(r->ready.msg_count < KR_RAFT_MAX_MSGS);
    kr_raft_msg *m = &r->ready.msgs[r->ready.msg_count++];
    memset(m, 0, sizeof *m);
    m->type = type;
    m->from = self_id(r);
    m->to = to;
    m->correlation_id = corr;
    return m;
}

static kr_raft_msg *send_request(kr_raft *r, int slot, enum kr_raft_msg_type type) {
    assert(slot >= 0 && slot != r->self_slot && r->conns[slot].state == CONN_READY);
    uint32_t corr = ++r->next_correlation_id;
    r->conns[slot] = (conn){CONN_AWAITING, type, corr, r->now_ms, 0};
    return push_msg(r, type, r->cfg.voters[slot], corr);
}

/* A response is taken only if it answers the request outstanding to its sender. */
static int take_response(kr_raft *r, const kr_raft_msg *m, enum kr_raft_msg_type req_type) {
    int slot = slot_of(r, m->from);
    if (slot < 0) return -1;
    conn *c = &r->conns[slot];
    if (c->state != CONN_AWAITING || c->correlation_id != m->correlation_id || c->type != req_type)
        return -1;
    c->state = CONN_READY;
    return slot;
}

static void back_off(kr_raft *r, int slot) {
    r->conns[slot] = (conn){CONN_BACKOFF, 0, 0, r->now_ms, r->now_ms + r->cfg.retry_backoff_ms};
}

static void set_hw(kr_raft *r, int64_t hw) {
    if (hw <= r->hw) return; /* the HW only moves forward */
    r->hw = hw;
    r->ready.high_watermark_changed = true;
    r->ready.high_watermark = hw;
}

/* ---------- leader bookkeeping ---------- */

static kr_fetch_response fetch_response_base(const kr_raft *r, int16_t error) {
    kr_fetch_response f;
    memset(&f, 0, sizeof f);
    f.error_code = error;
    f.high_watermark = r->role == KR_RAFT_LEADER ? r->hw : -1;
    f.log_start_offset = r->log.log_start_offset;
    f.current_leader = (kr_leader_id_and_epoch){r->leader_id, r->epoch};
    f.diverging_epoch = (kr_epoch_end){-1, -1};
    f.snapshot_id = (kr_snapshot_id){-1, -1};
    return f;
}

static void send_fetch_response(kr_raft *r, int32_t to, uint32_t corr, kr_fetch_response f) {
    kr_raft_msg *m = push_msg(r, KR_MSG_FETCH_RESPONSE, to, corr);
    m->u.fetch_resp = f;
}

/* Parked fetches end when this node stops leading; the answer names the new state. */
static void complete_parked(kr_raft *r) {
    for (size_t i = 0; i < KR_RAFT_MAX_REPLICAS; i++) {
        parked_fetch *p = &r->parked[i];
        if (!p->used) continue;
        p->used = false;
        send_fetch_response(r, p->from, p->correlation_id,
                            fetch_response_base(r, KR_E_NOT_LEADER_OR_FOLLOWER));
    }
}

static void abort_download(kr_raft *r) {
    if (!r->downloading) return;
    r->downloading = false;
    r->ready.snapshot_abort = true;
}

static replica *replica_for(kr_raft *r, int32_t id) {
    int slot = slot_of(r, id);
    if (slot >= 0) return &r->replicas[slot];
    for (size_t i = r->cfg.voter_count; i < r->replica_count; i++)
        if (r->replicas[i].id == id) return &r->replicas[i];
    if (r->replica_count == KR_RAFT_MAX_REPLICAS) return NULL; /* observer not tracked */
    replica *p = &r->replicas[r->replica_count++];
    *p = (replica){id, -1, -1, -1, -1};
    return p;
}

/* §12: the largest offset a majority of voters holds, above epochStartOffset. */
static void update_leader_hw(kr_raft *r) {
    assert(r->role == KR_RAFT_LEADER);
    int64_t offs[KR_RAFT_MAX_VOTERS];
    size_t n = r->cfg.voter_count;
    for (size_t i = 0; i < n; i++)
        offs[i] = (int)i == r->self_slot ? r->log.end_offset : r->replicas[i].end_offset;
    for (size_t i = 1; i < n; i++) /* insertion sort, descending; n <= 9 */
        for (size_t j = i; j > 0 && offs[j] > offs[j - 1]; j--) {
            int64_t t = offs[j];
            offs[j] = offs[j - 1];
            offs[j - 1] = t;
        }
    int64_t v = offs[n / 2];
    if (v < 0 || v <= r->epoch_start_offset) return; /* current-epoch rule */
    set_hw(r, v);
}

/* ---------- transitions (§3.1) ---------- */

static void leave_state(kr_raft *r) {
    r->election_deadline_ms = NEVER;
    r->fetch_deadline_ms = NEVER;
    r->backing_off = false;
}

/* Kafka's QuorumState.transitionToUnattached keeps the remaining election time
 * when already waiting for an election (Unattached, Voted, Candidate): a lagging
 * candidate that keeps bumping the epoch must not postpone everyone else's timer
 * forever. From Leader, Follower or Resigned the timer is fresh. */
static void become_unattached(kr_raft *r, int32_t epoch) {
    assert(epoch > r->epoch || !r->started);
    bool keep_timer = r->started && r->election_deadline_ms != NEVER &&
                      (r->role == KR_RAFT_UNATTACHED || r->role == KR_RAFT_VOTED ||
                       r->role == KR_RAFT_CANDIDATE);
    uint64_t deadline = r->election_deadline_ms;
    leave_state(r);
    abort_download(r);
    r->role = KR_RAFT_UNATTACHED;
    r->epoch = epoch;
    r->leader_id = -1;
    r->voted_id = -1;
    r->fetch_slot = -1;
    persist(r);
    reset_conns(r);
    complete_parked(r);
    if (is_voter(r)) {
        if (keep_timer) r->election_deadline_ms = deadline;
        else arm_election_timer(r);
    }
}

static void become_voted(kr_raft *r, int32_t candidate) {
    assert(r->role == KR_RAFT_UNATTACHED);
    r->role = KR_RAFT_VOTED;
    r->voted_id = candidate;
    persist(r);
    if (is_voter(r)) arm_election_timer(r);
}

static void become_follower(kr_raft *r, int32_t epoch, int32_t leader) {
    assert(leader != self_id(r) && slot_of(r, leader) >= 0);
    assert(epoch >= r->epoch);
    if (r->leader_id != leader || r->epoch != epoch) abort_download(r);
    leave_state(r);
    r->role = KR_RAFT_FOLLOWER;
    r->epoch = epoch;
    r->leader_id = leader;
    r->voted_id = -1;
    r->fetch_slot = slot_of(r, leader);
    persist(r);
    reset_conns(r);
    complete_parked(r);
    r->fetch_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms;
}

static uint32_t granting_voters(const kr_raft *r, int32_t *out) {
    uint32_t n = 0;
    for (size_t i = 0; i < r->cfg.voter_count; i++)
        if (r->granted_mask & (1u << i)) out[n++] = r->cfg.voters[i];
    return n;
}

static void append_leader_change(kr_raft *r) {
    int32_t granting[KR_RAFT_MAX_VOTERS];
    kr_leader_change lc = {self_id(r), r->epoch, r->log.end_offset, r->cfg.voters,
                           r->cfg.voter_count, granting, granting_voters(r, granting)};
    uint32_t records = 1;
    size_t len = 0;
    if (r->cfg.leader_change_payload) {
        len = r->cfg.leader_change_payload(r->cfg.leader_change_ctx, &lc, r->leader_change_buf,
                                           sizeof r->leader_change_buf, &records);
        assert(len <= sizeof r->leader_change_buf && records >= 1);
    }
    assert(r->ready.append_count == 0);
    r->own_batch = (kr_raft_batch){r->log.end_offset, r->log.end_offset + records - 1, r->epoch,
                                   r->leader_change_buf, len};
    bool ok = kr_raft_log_append(&r->log, r->own_batch.base_offset, r->own_batch.last_offset,
                                 r->epoch);
    assert(ok);
    (void)ok;
    r->ready.appends = &r->own_batch;
    r->ready.append_count = 1;
    r->ready.log_fsync = true;
}

static void become_leader(kr_raft *r) {
    assert(r->role == KR_RAFT_CANDIDATE && popcount(r->granted_mask) >= majority(r));
    leave_state(r);
    r->role = KR_RAFT_LEADER;
    r->leader_id = self_id(r);
    persist(r);
    r->hw = -1; /* discarded: the visible HW must only move forward (§7) */
    r->epoch_start_offset = r->log.end_offset;
    r->replica_count = r->cfg.voter_count;
    for (size_t i = 0; i < r->cfg.voter_count; i++)
        r->replicas[i] = (replica){r->cfg.voters[i], -1, -1, -1, -1};
    reset_conns(r);
    r->check_quorum_mask = 1u << r->self_slot;
    r->check_quorum_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms * 3 / 2;
    r->begin_epoch_deadline_ms = r->now_ms; /* BeginQuorumEpoch at once */
    append_leader_change(r);
    update_leader_hw(r);
}

static void become_candidate(kr_raft *r) {
    assert(is_voter(r));
    bool retry = r->role == KR_RAFT_CANDIDATE;
    leave_state(r);
    abort_download(r);
    r->role = KR_RAFT_CANDIDATE;
    r->epoch++;
    r->leader_id = -1;
    r->voted_id = self_id(r);
    r->fetch_slot = -1;
    persist(r);
    reset_conns(r);
    complete_parked(r);
    r->retries = retry ? r->retries + 1 : 1;
    r->granted_mask = 1u << r->self_slot;
    r->rejected_mask = 0;
    r->unreachable_mask = 0;
    arm_election_timer(r);
    if (popcount(r->granted_mask) >= majority(r)) become_leader(r);
}

/* Preferred successors: other voters by last fetch offset, descending (§9). */
static void compute_successors(kr_raft *r) {
    r->successor_count = 0;
    for (size_t i = 0; i < r->cfg.voter_count; i++)
        if ((int)i != r->self_slot) r->successors[r->successor_count++] = (int32_t)i;
    for (uint32_t i = 1; i < r->successor_count; i++)
        for (uint32_t j = i; j > 0; j--) {
            const replica *a = &r->replicas[r->successors[j - 1]];
            const replica *b = &r->replicas[r->successors[j]];
            if (b->end_offset > a->end_offset || (b->end_offset == a->end_offset && b->id < a->id)) {
                int32_t t = r->successors[j];
                r->successors[j] = r->successors[j - 1];
                r->successors[j - 1] = t;
            }
        }
    for (uint32_t i = 0; i < r->successor_count; i++)
        r->successors[i] = r->cfg.voters[r->successors[i]];
}

static void become_resigned(kr_raft *r, bool with_successors) {
    assert(r->role == KR_RAFT_LEADER || !r->started);
    if (with_successors) compute_successors(r);
    else r->successor_count = 0;
    leave_state(r);
    r->role = KR_RAFT_RESIGNED; /* memory only: not persisted */
    r->leader_id = self_id(r);
    reset_conns(r);
    complete_parked(r);
    r->end_epoch_acked_mask = 1u << r->self_slot;
    arm_election_timer(r);
}

/* §3.1 / §6.3: react to an (epoch, leader) seen in a message. */
static void observe_leader(kr_raft *r, int32_t leader, int32_t epoch) {
    bool known_leader = leader >= 0 && leader != self_id(r) && slot_of(r, leader) >= 0;
    if (epoch > r->epoch) {
        if (known_leader) become_follower(r, epoch, leader);
        else become_unattached(r, epoch);
        return;
    }
    if (epoch < r->epoch || leader < 0) return;
    if (leader == self_id(r)) {
        if (r->role != KR_RAFT_LEADER && r->role != KR_RAFT_RESIGNED)
            violation(r, "a message names this node leader of its epoch");
        return;
    }
    if (r->leader_id >= 0) {
        if (r->leader_id != leader) violation(r, "two leaders named for one epoch");
        return;
    }
    if (known_leader && (r->role == KR_RAFT_UNATTACHED || r->role == KR_RAFT_VOTED ||
                         r->role == KR_RAFT_CANDIDATE))
        become_follower(r, epoch, leader);
}

enum outcome { OUT_CONTINUE, OUT_DONE, OUT_BACKOFF };

/* §6.3 common response handling. OUT_CONTINUE: same epoch, payload to process. */
static enum outcome common_response(kr_raft *r, int16_t error, int32_t leader, int32_t epoch) {
    if (epoch < r->epoch || error == KR_E_UNKNOWN_LEADER_EPOCH) return OUT_DONE;
    if (epoch > r->epoch || error == KR_E_FENCED_LEADER_EPOCH ||
        error == KR_E_NOT_LEADER_OR_FOLLOWER) {
        observe_leader(r, leader, epoch);
        return error == KR_E_NONE && epoch == r->epoch ? OUT_CONTINUE : OUT_DONE;
    }
    observe_leader(r, leader, epoch);
    if (error == KR_E_BROKER_NOT_AVAILABLE) return OUT_BACKOFF;
    if (error == KR_E_INVALID_VOTER_KEY) return OUT_DONE;
    return OUT_CONTINUE;
}

/* ---------- Vote (§6) ---------- */

static void start_backoff(kr_raft *r) {
    if (r->backing_off) return;
    uint32_t rr = r->retries > 20 ? 20 : r->retries;
    uint64_t ms = CANDIDATE_BACKOFF_UNIT_MS * rand_below(r, 1ull << rr);
    if (ms > r->cfg.election_backoff_max_ms) ms = r->cfg.election_backoff_max_ms;
    r->backing_off = true;
    r->backoff_deadline_ms = r->now_ms + ms;
}

static void handle_vote_request(kr_raft *r, const kr_raft_msg *m) {
    const kr_vote_request *q = &m->u.vote_req;
    int16_t err = KR_E_NONE;
    bool granted = false;
    if (q->last_offset < 0 || q->last_offset_epoch < 0 || q->last_offset_epoch >= q->candidate_epoch)
        err = KR_E_INVALID_REQUEST;
    else if (q->candidate_epoch < r->epoch)
        err = KR_E_FENCED_LEADER_EPOCH;
    else if (q->candidate_id < 0)
        err = KR_E_INVALID_REQUEST;
    else {
        if (q->candidate_epoch > r->epoch) become_unattached(r, q->candidate_epoch);
        if (q->voter_id >= 0 && q->voter_id != self_id(r)) {
            err = KR_E_INVALID_VOTER_KEY;
        } else if (r->role == KR_RAFT_VOTED) {
            granted = r->voted_id == q->candidate_id; /* idempotent re-grant */
        } else if (r->role == KR_RAFT_UNATTACHED && r->leader_id < 0) {
            int32_t my_epoch = kr_raft_log_last_fetched_epoch(&r->log);
            granted = q->last_offset_epoch > my_epoch ||
                      (q->last_offset_epoch == my_epoch && q->last_offset >= r->log.end_offset);
            if (granted) become_voted(r, q->candidate_id); /* persisted before the reply */
        }
    }
    kr_raft_msg *out = push_msg(r, KR_MSG_VOTE_RESPONSE, m->from, m->correlation_id);
    out->u.vote_resp = (kr_vote_response){err, r->leader_id, r->epoch, granted};
}

static void handle_vote_response(kr_raft *r, const kr_raft_msg *m) {
    const kr_vote_response *v = &m->u.vote_resp;
    int slot = take_response(r, m, KR_MSG_VOTE_REQUEST);
    if (slot < 0) return;
    enum outcome o = common_response(r, v->error_code, v->leader_id, v->leader_epoch);
    if (o == OUT_BACKOFF) {
        back_off(r, slot);
        /* An unreachable voter (the daemon reports a refused connection as
         * BROKER_NOT_AVAILABLE) counts towards "a majority is impossible", so
         * two candidates that split the survivors' votes back off at once
         * instead of waiting out the election timer. It is still asked again. */
        if (r->role == KR_RAFT_CANDIDATE && v->leader_epoch == r->epoch) {
            r->unreachable_mask |= 1u << slot;
            if (popcount(r->rejected_mask | (r->unreachable_mask & ~r->granted_mask)) >
                r->cfg.voter_count - majority(r))
                start_backoff(r);
        }
        return;
    }
    if (o != OUT_CONTINUE || v->error_code != KR_E_NONE) return;
    if (r->role != KR_RAFT_CANDIDATE || v->leader_epoch != r->epoch) return;
    if (v->vote_granted) r->granted_mask |= 1u << slot;
    else r->rejected_mask |= 1u << slot;
    if (popcount(r->granted_mask) >= majority(r))
        become_leader(r);
    else if (popcount(r->rejected_mask | (r->unreachable_mask & ~r->granted_mask)) >
             r->cfg.voter_count - majority(r))
        start_backoff(r); /* a majority is no longer possible */
}

/* ---------- BeginQuorumEpoch / EndQuorumEpoch (§8, §9) ---------- */

static int16_t check_leader_announcement(kr_raft *r, int32_t leader, int32_t epoch) {
    if (epoch < r->epoch) return KR_E_FENCED_LEADER_EPOCH;
    if (leader < 0) return KR_E_INVALID_REQUEST;
    observe_leader(r, leader, epoch);
    return KR_E_NONE;
}

static void handle_begin_request(kr_raft *r, const kr_raft_msg *m) {
    const kr_begin_quorum_epoch_request *q = &m->u.begin_req;
    int16_t err = check_leader_announcement(r, q->leader_id, q->leader_epoch);
    if (err == KR_E_NONE && q->voter_id >= 0 && q->voter_id != self_id(r))
        err = KR_E_INVALID_VOTER_KEY;
    kr_raft_msg *out = push_msg(r, KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE, m->from, m->correlation_id);
    out->u.begin_resp = (kr_quorum_epoch_response){err, r->leader_id, r->epoch};
}

/* §4: position p of n preferred successors -> fetch timer length. */
static uint64_t successor_backoff_ms(const kr_raft *r, int p, uint32_t n) {
    uint64_t max = r->cfg.election_backoff_max_ms;
    if (p == 0) return 0;
    if (p < 0 || (uint32_t)p >= n) return max;
    uint64_t v = (max >> (n - 1)) << (p - 1);
    return v < max ? v : max;
}

static void handle_end_request(kr_raft *r, const kr_raft_msg *m) {
    const kr_end_quorum_epoch_request *q = &m->u.end_req;
    int16_t err = check_leader_announcement(r, q->leader_id, q->leader_epoch);
    if (err == KR_E_NONE && r->role == KR_RAFT_FOLLOWER && r->leader_id == q->leader_id &&
        r->epoch == q->leader_epoch) {
        uint32_t n = q->preferred_successors_count;
        if (n > KR_RAFT_MAX_VOTERS) n = KR_RAFT_MAX_VOTERS;
        int pos = -1;
        for (uint32_t i = 0; i < n; i++)
            if (q->preferred_successors[i] == self_id(r)) pos = (int)i;
        r->fetch_deadline_ms = r->now_ms + successor_backoff_ms(r, pos, n);
    }
    kr_raft_msg *out = push_msg(r, KR_MSG_END_QUORUM_EPOCH_RESPONSE, m->from, m->correlation_id);
    out->u.end_resp = (kr_quorum_epoch_response){err, r->leader_id, r->epoch};
}

static void handle_epoch_response(kr_raft *r, const kr_raft_msg *m, enum kr_raft_msg_type req) {
    const kr_quorum_epoch_response *v =
        req == KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST ? &m->u.begin_resp : &m->u.end_resp;
    int slot = take_response(r, m, req);
    if (slot < 0) return;
    enum outcome o = common_response(r, v->error_code, v->leader_id, v->leader_epoch);
    if (o == OUT_BACKOFF) back_off(r, slot);
    if (o != OUT_CONTINUE || v->error_code != KR_E_NONE) return;
    if (req == KR_MSG_END_QUORUM_EPOCH_REQUEST && r->role == KR_RAFT_RESIGNED)
        r->end_epoch_acked_mask |= 1u << slot;
}

/* ---------- Fetch, leader side (§11.2) ---------- */

static void record_voter_liveness(kr_raft *r, int32_t id) {
    int slot = slot_of(r, id);
    if (slot < 0) return;
    r->check_quorum_mask |= 1u << slot;
    if (popcount(r->check_quorum_mask) >= majority(r)) {
        r->check_quorum_mask = 1u << r->self_slot;
        r->check_quorum_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms * 3 / 2;
    }
}

static void record_valid_fetch(kr_raft *r, const kr_fetch_request *q) {
    if (q->replica_id < 0) return;
    replica *p = replica_for(r, q->replica_id);
    if (!p) return;
    int64_t now = (int64_t)r->now_ms;
    if (q->fetch_offset >= r->log.end_offset) p->last_caught_up_ms = now;
    else if (p->leader_leo_at_last_fetch >= 0 && q->fetch_offset >= p->leader_leo_at_last_fetch &&
             p->last_fetch_ms > p->last_caught_up_ms)
        p->last_caught_up_ms = p->last_fetch_ms;
    p->end_offset = q->fetch_offset;
    p->last_fetch_ms = now;
    p->leader_leo_at_last_fetch = r->log.end_offset;
    record_voter_liveness(r, q->replica_id);
    update_leader_hw(r);
}

static void park_fetch(kr_raft *r, const kr_raft_msg *m) {
    parked_fetch *slot = NULL;
    for (size_t i = 0; i < KR_RAFT_MAX_REPLICAS; i++) {
        parked_fetch *p = &r->parked[i];
        if (p->used && p->from == m->from) { slot = p; break; } /* newer replaces older */
        if (!p->used && !slot) slot = p;
    }
    if (!slot) { /* bounded: answer at once instead of parking */
        kr_fetch_response f = fetch_response_base(r, KR_E_NONE);
        f.records_from_offset = f.records_to_offset = m->u.fetch_req.fetch_offset;
        send_fetch_response(r, m->from, m->correlation_id, f);
        return;
    }
    *slot = (parked_fetch){true, m->from, m->correlation_id, m->u.fetch_req,
                           r->now_ms + (uint64_t)m->u.fetch_req.max_wait_ms, r->hw};
}

static int16_t leader_epoch_check(const kr_raft *r, int32_t current_leader_epoch) {
    if (current_leader_epoch < r->epoch) return KR_E_FENCED_LEADER_EPOCH;
    if (current_leader_epoch > r->epoch) return KR_E_UNKNOWN_LEADER_EPOCH;
    if (r->role != KR_RAFT_LEADER) return KR_E_NOT_LEADER_OR_FOLLOWER;
    return KR_E_NONE;
}

static void handle_fetch_request(kr_raft *r, const kr_raft_msg *m, bool may_park) {
    const kr_fetch_request *q = &m->u.fetch_req;
    int16_t err = KR_E_NONE;
    if (q->max_wait_ms < 0 || q->fetch_offset < 0 || q->last_fetched_epoch < 0 ||
        q->last_fetched_epoch > q->current_leader_epoch)
        err = KR_E_INVALID_REQUEST;
    else
        err = leader_epoch_check(r, q->current_leader_epoch);
    kr_fetch_response f = fetch_response_base(r, err);
    if (err != KR_E_NONE) {
        send_fetch_response(r, m->from, m->correlation_id, f);
        return;
    }
    kr_epoch_end e;
    enum kr_log_validity v;
    if (q->fetch_offset == 0 && r->log.has_latest && r->log.latest.end_offset > 0) {
        v = KR_LOG_SNAPSHOT;
        e = (kr_epoch_end){r->log.latest.epoch, r->log.latest.end_offset};
    } else {
        v = kr_raft_log_validate(&r->log, q->fetch_offset, q->last_fetched_epoch, &e);
    }
    if (v == KR_LOG_SNAPSHOT) {
        f.snapshot_id = (kr_snapshot_id){e.end_offset, e.epoch};
    } else if (v == KR_LOG_DIVERGING) {
        f.diverging_epoch = e;
    } else {
        record_valid_fetch(r, q);
        if (q->fetch_offset >= r->log.end_offset && q->max_wait_ms > 0 && may_park) {
            park_fetch(r, m);
            return;
        }
        f = fetch_response_base(r, KR_E_NONE); /* HW may have moved */
        f.records_from_offset = q->fetch_offset;
        f.records_to_offset = r->log.end_offset;
        f.records_max_bytes = q->max_bytes;
    }
    send_fetch_response(r, m->from, m->correlation_id, f);
}

/* Re-evaluates parked fetches: answers those with new data (on append), those
 * whose follower has not yet heard of the current HW (so commits reach every
 * replica without waiting out the long poll), and expired ones. */
static void service_parked(kr_raft *r, bool appended) {
    for (size_t i = 0; i < KR_RAFT_MAX_REPLICAS; i++) {
        parked_fetch *p = &r->parked[i];
        if (!p->used) continue;
        bool expired = r->now_ms >= p->deadline_ms;
        bool new_data = appended && r->log.end_offset > p->req.fetch_offset;
        bool new_hw = r->hw > p->hw_at_park;
        if (!expired && !new_data && !new_hw) continue;
        p->used = false;
        kr_raft_msg m = {.type = KR_MSG_FETCH_REQUEST, .from = p->from, .to = self_id(r),
                         .correlation_id = p->correlation_id};
        m.u.fetch_req = p->req;
        handle_fetch_request(r, &m, false);
    }
}

static void handle_fetch_snapshot_request(kr_raft *r, const kr_raft_msg *m) {
    const kr_fetch_snapshot_request *q = &m->u.snap_req;
    kr_fetch_snapshot_response s;
    memset(&s, 0, sizeof s);
    s.snapshot_id = q->snapshot_id;
    s.error_code = leader_epoch_check(r, q->current_leader_epoch);
    if (s.error_code == KR_E_NONE) {
        const kr_raft_log *l = &r->log;
        if (!l->has_latest || l->latest.end_offset == 0 ||
            l->latest.end_offset != q->snapshot_id.end_offset ||
            l->latest.epoch != q->snapshot_id.epoch) {
            s.error_code = KR_E_SNAPSHOT_NOT_FOUND;
        } else if (q->position < 0 || q->position >= l->latest_size_bytes) {
            s.error_code = KR_E_POSITION_OUT_OF_RANGE;
        } else {
            int64_t len = l->latest_size_bytes - q->position;
            if (q->max_bytes > 0 && len > q->max_bytes) len = q->max_bytes;
            s.size = l->latest_size_bytes;
            s.position = q->position;
            s.unaligned_records_len = (size_t)len;
            record_voter_liveness(r, q->replica_id); /* always counts (§10) */
        }
    }
    s.current_leader = (kr_leader_id_and_epoch){r->leader_id, r->epoch};
    kr_raft_msg *out = push_msg(r, KR_MSG_FETCH_SNAPSHOT_RESPONSE, m->from, m->correlation_id);
    out->u.snap_resp = s;
}

/* ---------- Fetch, follower side (§11.3, §14.3) ---------- */

static void truncate_to(kr_raft *r, int64_t offset) {
    assert(offset >= r->log.log_start_offset && offset <= r->log.end_offset);
    if (offset == r->log.end_offset) return;
    kr_raft_log_truncate(&r->log, offset);
    if (r->ready.truncate_to < 0 || offset < r->ready.truncate_to) r->ready.truncate_to = offset;
}

static void handle_divergence(kr_raft *r, kr_epoch_end d) {
    int64_t point;
    if (d.epoch == 0) {
        point = d.end_offset < r->log.end_offset ? d.end_offset : r->log.end_offset;
    } else {
        kr_epoch_end local = kr_raft_log_end_offset_for_epoch(&r->log, d.epoch);
        point = local.end_offset;
        if (local.epoch == d.epoch && d.end_offset < point) point = d.end_offset;
    }
    if (point < 0 || point < r->hw || point < r->log.log_start_offset) {
        violation(r, "divergence below the high watermark or log start");
        return;
    }
    truncate_to(r, point);
}

static bool records_fit(const kr_raft *r, const kr_fetch_response *f) {
    int64_t next = r->log.end_offset;
    int32_t epoch = kr_raft_log_last_fetched_epoch(&r->log);
    for (size_t i = 0; i < f->records_count; i++) {
        const kr_raft_batch *b = &f->records[i];
        if (b->base_offset != next || b->last_offset < b->base_offset || b->epoch < epoch ||
            b->epoch > r->epoch || b->epoch <= 0)
            return false;
        next = b->last_offset + 1;
        epoch = b->epoch;
    }
    return true;
}

static void append_fetched(kr_raft *r, const kr_fetch_response *f) {
    if (f->records_count == 0) return;
    if (!records_fit(r, f)) {
        violation(r, "fetched batches do not continue the log");
        return;
    }
    for (size_t i = 0; i < f->records_count; i++) {
        const kr_raft_batch *b = &f->records[i];
        bool ok = kr_raft_log_append(&r->log, b->base_offset, b->last_offset, b->epoch);
        assert(ok);
        (void)ok;
    }
    assert(r->ready.append_count == 0);
    r->ready.appends = f->records;
    r->ready.append_count = f->records_count;
    r->ready.log_fsync = is_voter(r) || r->cfg.always_flush;
}

static void set_follower_hw(kr_raft *r, int64_t leader_hw) {
    if (leader_hw < 0) return;
    set_hw(r, leader_hw < r->log.end_offset ? leader_hw : r->log.end_offset);
}

static void install_snapshot(kr_raft *r, kr_snapshot_id id, int64_t size) {
    assert(r->role != KR_RAFT_LEADER); /* invariant 6 */
    if (id.end_offset < r->hw) {
        violation(r, "snapshot ends below the high watermark");
        return;
    }
    kr_raft_log_truncate_fully(&r->log, id, size);
    r->ready.snapshot_install = true;
    r->ready.snapshot_install_id = id;
    r->ready.truncate_to = -1; /* the install empties the log itself */
    set_hw(r, id.end_offset);
}

static void handle_fetch_response(kr_raft *r, const kr_raft_msg *m) {
    const kr_fetch_response *f = &m->u.fetch_resp;
    int slot = take_response(r, m, KR_MSG_FETCH_REQUEST);
    if (slot < 0) return;
    enum outcome o = common_response(r, f->error_code, f->current_leader.leader_id,
                                     f->current_leader.leader_epoch);
    if (o != OUT_CONTINUE || f->error_code != KR_E_NONE) {
        if (r->conns[slot].state == CONN_READY) back_off(r, slot);
        return;
    }
    if (r->role != KR_RAFT_FOLLOWER || m->from != r->leader_id) return;
    r->fetch_slot = slot; /* an observer that rediscovered its leader goes back to it */
    r->fetch_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms;
    if (f->diverging_epoch.epoch >= 0) {
        handle_divergence(r, f->diverging_epoch);
    } else if (f->snapshot_id.end_offset >= 0 && f->snapshot_id.epoch >= 0) {
        const kr_raft_log *l = &r->log;
        if (l->has_latest && l->latest.end_offset == f->snapshot_id.end_offset &&
            l->latest.epoch == f->snapshot_id.epoch) {
            install_snapshot(r, f->snapshot_id, l->latest_size_bytes); /* already held */
        } else {
            r->downloading = true;
            r->dl_id = f->snapshot_id;
            r->dl_pos = 0;
        }
    } else if (f->snapshot_id.end_offset < 0 && f->snapshot_id.epoch < 0) {
        append_fetched(r, f);
        set_follower_hw(r, f->high_watermark);
    }
}

static void handle_fetch_snapshot_response(kr_raft *r, const kr_raft_msg *m) {
    const kr_fetch_snapshot_response *s = &m->u.snap_resp;
    int slot = take_response(r, m, KR_MSG_FETCH_SNAPSHOT_REQUEST);
    if (slot < 0) return;
    enum outcome o = common_response(r, s->error_code, s->current_leader.leader_id,
                                     s->current_leader.leader_epoch);
    if (o != OUT_CONTINUE) {
        if (r->conns[slot].state == CONN_READY) back_off(r, slot);
        return;
    }
    if (r->role != KR_RAFT_FOLLOWER || m->from != r->leader_id || !r->downloading) return;
    if (s->error_code == KR_E_SNAPSHOT_NOT_FOUND || s->error_code == KR_E_POSITION_OUT_OF_RANGE) {
        abort_download(r); /* back to Fetch */
        return;
    }
    if (s->error_code != KR_E_NONE) {
        back_off(r, slot);
        return;
    }
    r->fetch_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms;
    if (s->snapshot_id.end_offset != r->dl_id.end_offset || s->snapshot_id.epoch != r->dl_id.epoch ||
        s->position != r->dl_pos || s->size <= 0 || s->unaligned_records_len == 0 ||
        s->position + (int64_t)s->unaligned_records_len > s->size) {
        violation(r, "FetchSnapshot response does not continue the download");
        abort_download(r);
        return;
    }
    r->ready.snapshot_chunk_present = true;
    r->ready.snapshot_chunk_id = r->dl_id;
    r->ready.snapshot_chunk_position = r->dl_pos;
    r->ready.snapshot_chunk = s->unaligned_records;
    r->ready.snapshot_chunk_len = s->unaligned_records_len;
    r->dl_pos += (int64_t)s->unaligned_records_len;
    if (r->dl_pos == s->size) {
        r->downloading = false;
        install_snapshot(r, r->dl_id, s->size);
    }
}

/* ---------- poll: timers and due requests ---------- */

static bool fetch_in_flight(const kr_raft *r) {
    for (size_t i = 0; i < r->cfg.voter_count; i++)
        if (r->conns[i].state == CONN_AWAITING &&
            (r->conns[i].type == KR_MSG_FETCH_REQUEST ||
             r->conns[i].type == KR_MSG_FETCH_SNAPSHOT_REQUEST))
            return true;
    return false;
}

static int random_voter_slot(kr_raft *r) {
    size_t others = r->cfg.voter_count - (is_voter(r) ? 1 : 0);
    if (others == 0) return -1;
    size_t k = (size_t)rand_below(r, others);
    for (size_t i = 0; i < r->cfg.voter_count; i++) {
        if ((int)i == r->self_slot) continue;
        if (k-- == 0) return (int)i;
    }
    return -1;
}

static void send_fetch(kr_raft *r) {
    if (fetch_in_flight(r)) return;
    int slot = r->fetch_slot >= 0 ? r->fetch_slot : random_voter_slot(r);
    if (slot < 0 || r->conns[slot].state != CONN_READY) return;
    if (r->downloading) {
        kr_raft_msg *m = send_request(r, slot, KR_MSG_FETCH_SNAPSHOT_REQUEST);
        m->u.snap_req = (kr_fetch_snapshot_request){self_id(r), r->cfg.fetch_snapshot_max_bytes,
                                                    r->epoch, r->dl_id, r->dl_pos};
        return;
    }
    kr_raft_msg *m = send_request(r, slot, KR_MSG_FETCH_REQUEST);
    m->u.fetch_req = (kr_fetch_request){self_id(r), (int32_t)r->cfg.fetch_max_wait_ms,
                                        r->cfg.fetch_max_bytes, r->epoch, r->log.end_offset,
                                        kr_raft_log_last_fetched_epoch(&r->log)};
}

static void poll_candidate(kr_raft *r) {
    if (r->backing_off) {
        if (r->now_ms >= r->backoff_deadline_ms) become_candidate(r);
        return;
    }
    if (r->now_ms >= r->election_deadline_ms) {
        start_backoff(r);
        return;
    }
    uint32_t answered = r->granted_mask | r->rejected_mask;
    for (size_t i = 0; i < r->cfg.voter_count; i++) {
        if ((answered & (1u << i)) || r->conns[i].state != CONN_READY) continue;
        kr_raft_msg *m = send_request(r, (int)i, KR_MSG_VOTE_REQUEST);
        m->u.vote_req = (kr_vote_request){r->cfg.voters[i], r->epoch, self_id(r),
                                          kr_raft_log_last_fetched_epoch(&r->log),
                                          r->log.end_offset};
    }
}

static void poll_leader(kr_raft *r) {
    if (r->cfg.voter_count > 1 && r->now_ms >= r->check_quorum_deadline_ms) {
        become_resigned(r, true); /* check-quorum (§10) */
        return;
    }
    service_parked(r, false);
    if (r->now_ms >= r->begin_epoch_deadline_ms) {
        for (size_t i = 0; i < r->cfg.voter_count; i++) {
            if ((int)i == r->self_slot || r->conns[i].state != CONN_READY) continue;
            kr_raft_msg *m = send_request(r, (int)i, KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST);
            m->u.begin_req = (kr_begin_quorum_epoch_request){r->cfg.voters[i], self_id(r), r->epoch};
        }
        r->begin_epoch_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms / 2;
    }
}

static void poll_follower(kr_raft *r) {
    if (r->now_ms >= r->fetch_deadline_ms) {
        if (is_voter(r)) {
            become_candidate(r);
            return;
        }
        r->fetch_slot = -1; /* observer: rediscover through a random voter */
        r->fetch_deadline_ms = r->now_ms + r->cfg.fetch_timeout_ms;
    }
    send_fetch(r);
}

static void poll_resigned(kr_raft *r) {
    if (r->now_ms >= r->election_deadline_ms) {
        if (is_voter(r)) become_candidate(r);
        else become_unattached(r, r->epoch + 1);
        return;
    }
    for (size_t i = 0; i < r->cfg.voter_count; i++) {
        if ((r->end_epoch_acked_mask & (1u << i)) || r->conns[i].state != CONN_READY) continue;
        kr_raft_msg *m = send_request(r, (int)i, KR_MSG_END_QUORUM_EPOCH_REQUEST);
        kr_end_quorum_epoch_request *q = &m->u.end_req;
        q->leader_id = self_id(r);
        q->leader_epoch = r->epoch;
        q->preferred_successors_count = r->successor_count;
        memcpy(q->preferred_successors, r->successors, r->successor_count * sizeof(int32_t));
    }
}

static void poll_once(kr_raft *r) {
    switch (r->role) {
    case KR_RAFT_UNATTACHED:
    case KR_RAFT_VOTED:
        if (is_voter(r)) {
            if (r->now_ms >= r->election_deadline_ms) become_candidate(r);
        } else {
            r->fetch_slot = -1;
            send_fetch(r);
        }
        break;
    case KR_RAFT_CANDIDATE: poll_candidate(r); break;
    case KR_RAFT_LEADER: poll_leader(r); break;
    case KR_RAFT_FOLLOWER: poll_follower(r); break;
    case KR_RAFT_RESIGNED: poll_resigned(r); break;
    }
}

static void fill_soft_state(kr_raft *r) {
    r->ready.role = r->role;
    r->ready.leader_id = r->leader_id;
    r->ready.epoch = r->epoch;
    r->ready_outstanding = kr_raft_has_ready(r);
}

/* Runs due work until the role settles; a transition may make new requests due. */
static void poll(kr_raft *r) {
    for (int i = 0; i < MAX_POLL_ROUNDS; i++) {
        enum kr_raft_role role = r->role;
        int32_t epoch = r->epoch;
        poll_once(r);
        if (role == r->role && epoch == r->epoch) break;
    }
    fill_soft_state(r);
}

static void expire_requests(kr_raft *r) {
    for (size_t i = 0; i < r->cfg.voter_count; i++) {
        conn *c = &r->conns[i];
        if (c->state == CONN_AWAITING && r->now_ms - c->since_ms >= r->cfg.request_timeout_ms)
            c->state = CONN_READY;
        else if (c->state == CONN_BACKOFF && r->now_ms >= c->until_ms)
            c->state = CONN_READY;
    }
}

/* ---------- public API ---------- */

static void clear_ready(kr_raft *r) {
    memset(&r->ready, 0, offsetof(kr_raft_ready, msgs));
    r->ready.truncate_to = -1;
    r->ready.msg_count = 0;
    r->ready.high_watermark_changed = false;
    r->ready.high_watermark = r->hw;
    r->ready_outstanding = false;
}

int kr_raft_create(kr_raft **out, const kr_raft_config *cfg, kr_error *err) {
    *out = NULL;
    if (cfg->voter_count == 0 || cfg->voter_count > KR_RAFT_MAX_VOTERS)
        return kr_fail(err, KR_ERR_INVALID, "controller.quorum.voters: %zu voters (1..%d allowed)",
                       cfg->voter_count, KR_RAFT_MAX_VOTERS);
    for (size_t i = 0; i < cfg->voter_count; i++)
        for (size_t j = i + 1; j < cfg->voter_count; j++)
            if (cfg->voters[i] == cfg->voters[j] || cfg->voters[i] < 0)
                return kr_fail(err, KR_ERR_INVALID, "controller.quorum.voters: bad or duplicate id %d",
                               cfg->voters[i]);
    if (!cfg->rand) return kr_fail(err, KR_ERR_INVALID, "raft config: no random function");
    if (cfg->node_id < 0) return kr_fail(err, KR_ERR_INVALID, "node.id %d is negative", cfg->node_id);
    if (cfg->election_timeout_ms == 0 || cfg->fetch_timeout_ms < 2 || cfg->request_timeout_ms == 0)
        return kr_fail(err, KR_ERR_INVALID, "controller.quorum timeouts must be positive");
    kr_raft *r = calloc(1, sizeof *r);
    if (!r) return kr_fail(err, KR_ERR_NOMEM, "raft: out of memory");
    r->cfg = *cfg;
    r->self_slot = slot_of(r, cfg->node_id);
    r->leader_id = r->voted_id = -1;
    r->hw = -1;
    r->epoch_start_offset = -1;
    r->fetch_slot = -1;
    r->election_deadline_ms = r->fetch_deadline_ms = NEVER;
    kr_raft_log_init(&r->log);
    clear_ready(r);
    *out = r;
    return KR_OK;
}

void kr_raft_destroy(kr_raft *r) {
    if (!r) return;
    kr_raft_log_free(&r->log);
    free(r);
}

int kr_raft_load_snapshot(kr_raft *r, kr_snapshot_id id, int64_t size_bytes, kr_error *err) {
    if (r->started) return kr_fail(err, KR_ERR_INVALID, "raft: snapshot loaded after start");
    if (id.end_offset <= 0 || id.epoch < 0 || size_bytes <= 0)
        return kr_fail(err, KR_ERR_INVALID, "snapshot %lld-%d: bad id or size %lld",
                       (long long)id.end_offset, id.epoch, (long long)size_bytes);
    if (r->log.has_latest && id.end_offset <= r->log.latest.end_offset)
        return kr_fail(err, KR_ERR_INVALID, "snapshot %lld-%d: not after the previous one",
                       (long long)id.end_offset, id.epoch);
    if (r->log.epoch_count || r->log.end_offset)
        return kr_fail(err, KR_ERR_INVALID, "snapshots must be loaded before the log");
    kr_raft_log_add_snapshot(&r->log, id, size_bytes);
    return KR_OK;
}

int kr_raft_load_log_start(kr_raft *r, int64_t log_start_offset, kr_error *err) {
    if (r->started || r->log.epoch_count || r->log.end_offset)
        return kr_fail(err, KR_ERR_INVALID, "raft: log start loaded late or twice");
    if (log_start_offset < 0 ||
        (log_start_offset > 0 &&
         (!r->log.has_earliest || r->log.earliest.end_offset != log_start_offset)))
        return kr_fail(err, KR_ERR_INVALID,
                       "log start offset %lld is not the end offset of the earliest snapshot",
                       (long long)log_start_offset);
    r->log.log_start_offset = log_start_offset;
    r->log.end_offset = log_start_offset;
    return KR_OK;
}

int kr_raft_load_batch(kr_raft *r, int64_t base, int64_t last, int32_t epoch, kr_error *err) {
    if (r->started) return kr_fail(err, KR_ERR_INVALID, "raft: batch loaded after start");
    if (last < base || epoch <= 0)
        return kr_fail(err, KR_ERR_CORRUPT, "log batch at offset %lld: bad offsets or epoch %d",
                       (long long)base, epoch);
    if (last < r->log.log_start_offset) return KR_OK; /* below the log start: cleaned data */
    if (r->log.epoch_count == 0 && base <= r->log.log_start_offset && r->log.log_start_offset > 0) {
        /* First batch straddling the log start: index from the start offset. */
        r->log.end_offset = r->log.log_start_offset;
        base = r->log.log_start_offset;
    }
    if (base != r->log.end_offset)
        return kr_fail(err, KR_ERR_CORRUPT, "log batch at offset %lld: expected offset %lld",
                       (long long)base, (long long)r->log.end_offset);
    if (epoch < kr_raft_log_last_fetched_epoch(&r->log) && r->log.epoch_count)
        return kr_fail(err, KR_ERR_CORRUPT, "log batch at offset %lld: epoch %d goes backwards",
                       (long long)base, epoch);
    if (!kr_raft_log_append(&r->log, base, last, epoch))
        return kr_fail(err, KR_ERR_NOMEM, "raft: out of memory for the epoch table");
    return KR_OK;
}

int kr_raft_start(kr_raft *r, const kr_raft_quorum_state *stored, kr_error *err) {
    if (r->started) return kr_fail(err, KR_ERR_INVALID, "raft: started twice");
    kr_raft_quorum_state qs = stored ? *stored : (kr_raft_quorum_state){-1, 0, -1};
    if (qs.leader_epoch < 0)
        return kr_fail(err, KR_ERR_CORRUPT, "quorum-state: negative leaderEpoch %d", qs.leader_epoch);
    int32_t log_epoch = kr_raft_log_last_fetched_epoch(&r->log);
    int32_t self = self_id(r);
    r->epoch = qs.leader_epoch;
    r->leader_id = r->voted_id = -1;
    if (qs.leader_epoch < log_epoch) {
        become_unattached(r, log_epoch);
    } else if (qs.leader_id == self && is_voter(r)) {
        become_resigned(r, false); /* never reuse an (offset, epoch) lost from the tail */
        persist(r);
    } else if (qs.voted_id == self && is_voter(r)) {
        r->role = KR_RAFT_CANDIDATE;
        r->voted_id = self;
        r->retries = 1;
        r->granted_mask = 1u << r->self_slot;
        persist(r);
        arm_election_timer(r);
    } else if (qs.voted_id >= 0) {
        r->role = KR_RAFT_VOTED;
        r->voted_id = qs.voted_id;
        persist(r);
        if (is_voter(r)) arm_election_timer(r);
    } else if (qs.leader_id >= 0 && qs.leader_id != self && slot_of(r, qs.leader_id) >= 0) {
        r->started = true;
        become_follower(r, qs.leader_epoch, qs.leader_id);
    } else {
        become_unattached(r, qs.leader_epoch);
    }
    r->started = true;
    /* Responses to a previous incarnation's requests must never match. */
    r->next_correlation_id = (uint32_t)rand_below(r, 1u << 30);
    if (r->cfg.voter_count == 1 && is_voter(r)) {
        if (r->role == KR_RAFT_UNATTACHED || r->role == KR_RAFT_VOTED) become_candidate(r);
        else if (r->role == KR_RAFT_CANDIDATE) become_leader(r);
    }
    poll(r);
    return KR_OK;
}

static void begin_input(kr_raft *r) {
    assert(r->started);
    assert(!r->ready_outstanding && "handle the ready and call kr_raft_advance first");
    clear_ready(r);
}

void kr_raft_step(kr_raft *r, const kr_raft_msg *m) {
    begin_input(r);
    if (m->to == self_id(r) && m->from != self_id(r)) {
        switch (m->type) {
        case KR_MSG_VOTE_REQUEST: handle_vote_request(r, m); break;
        case KR_MSG_VOTE_RESPONSE: handle_vote_response(r, m); break;
        case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST: handle_begin_request(r, m); break;
        case KR_MSG_BEGIN_QUORUM_EPOCH_RESPONSE:
            handle_epoch_response(r, m, KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST);
            break;
        case KR_MSG_END_QUORUM_EPOCH_REQUEST: handle_end_request(r, m); break;
        case KR_MSG_END_QUORUM_EPOCH_RESPONSE:
            handle_epoch_response(r, m, KR_MSG_END_QUORUM_EPOCH_REQUEST);
            break;
        case KR_MSG_FETCH_REQUEST: handle_fetch_request(r, m, true); break;
        case KR_MSG_FETCH_RESPONSE: handle_fetch_response(r, m); break;
        case KR_MSG_FETCH_SNAPSHOT_REQUEST: handle_fetch_snapshot_request(r, m); break;
        case KR_MSG_FETCH_SNAPSHOT_RESPONSE: handle_fetch_snapshot_response(r, m); break;
        }
    }
    poll(r);
}

void kr_raft_tick(kr_raft *r, uint32_t elapsed_ms) {
    begin_input(r);
    r->now_ms += elapsed_ms;
    expire_requests(r);
    poll(r);
}

int kr_raft_propose(kr_raft *r, const uint8_t *payload, size_t len, uint32_t record_count,
                    kr_raft_batch *out, kr_error *err) {
    begin_input(r);
    if (r->role != KR_RAFT_LEADER) {
        fill_soft_state(r);
        return kr_fail(err, KR_ERR_INVALID, "append refused: node %d is not the leader (%s, epoch %d)",
                       self_id(r), kr_raft_role_name(r->role), r->epoch);
    }
    if (record_count == 0) {
        fill_soft_state(r);
        return kr_fail(err, KR_ERR_INVALID, "append refused: a batch needs at least one record");
    }
    int64_t base = r->log.end_offset;
    r->own_batch = (kr_raft_batch){base, base + record_count - 1, r->epoch, payload, len};
    if (!kr_raft_log_append(&r->log, base, base + record_count - 1, r->epoch)) {
        fill_soft_state(r);
        return kr_fail(err, KR_ERR_NOMEM, "raft: out of memory for the epoch table");
    }
    r->ready.appends = &r->own_batch;
    r->ready.append_count = 1;
    r->ready.log_fsync = true;
    if (out) *out = r->own_batch;
    service_parked(r, true);
    update_leader_hw(r);
    poll(r);
    return KR_OK;
}

void kr_raft_resign(kr_raft *r) {
    begin_input(r);
    if (r->role == KR_RAFT_LEADER) become_resigned(r, true);
    poll(r);
}

int kr_raft_snapshot_created(kr_raft *r, kr_snapshot_id id, int64_t size_bytes, kr_error *err) {
    begin_input(r);
    int rc = KR_OK;
    kr_epoch_end e;
    if (r->log.has_latest && r->log.latest.end_offset >= id.end_offset)
        ; /* existing or older: no-op */
    else if (size_bytes <= 0 || id.end_offset <= 0 || id.end_offset > r->hw ||
             id.end_offset < r->log.log_start_offset)
        rc = kr_fail(err, KR_ERR_INVALID,
                     "snapshot %lld-%d: end offset outside [log start %lld, HW %lld]",
                     (long long)id.end_offset, id.epoch, (long long)r->log.log_start_offset,
                     (long long)r->hw);
    else if (kr_raft_log_validate(&r->log, id.end_offset, id.epoch, &e) != KR_LOG_VALID ||
             kr_raft_log_epoch_at(&r->log, id.end_offset - 1) != id.epoch)
        rc = kr_fail(err, KR_ERR_INVALID, "snapshot %lld-%d: does not match the log's epochs",
                     (long long)id.end_offset, id.epoch);
    else
        kr_raft_log_add_snapshot(&r->log, id, size_bytes);
    fill_soft_state(r);
    return rc;
}

void kr_raft_clean(kr_raft *r) {
    begin_input(r);
    if (kr_raft_log_clean(&r->log)) {
        r->ready.log_start_offset_changed = true;
        r->ready.log_start_offset = r->log.log_start_offset;
    }
    fill_soft_state(r);
}

const kr_raft_ready *kr_raft_ready_get(const kr_raft *r) { return &r->ready; }

bool kr_raft_has_ready(const kr_raft *r) {
    const kr_raft_ready *d = &r->ready;
    return d->quorum_state_changed || d->snapshot_chunk_present || d->snapshot_abort ||
           d->snapshot_install || d->truncate_to >= 0 || d->append_count ||
           d->log_start_offset_changed || d->msg_count || d->high_watermark_changed;
}

void kr_raft_advance(kr_raft *r) { clear_ready(r); }

enum kr_raft_role kr_raft_role_of(const kr_raft *r) { return r->role; }
int32_t kr_raft_epoch(const kr_raft *r) { return r->epoch; }
int32_t kr_raft_leader(const kr_raft *r) { return r->leader_id; }
int32_t kr_raft_voted(const kr_raft *r) { return r->voted_id; }
int64_t kr_raft_high_watermark(const kr_raft *r) { return r->hw; }
int64_t kr_raft_end_offset(const kr_raft *r) { return r->log.end_offset; }
int64_t kr_raft_epoch_start_offset(const kr_raft *r) {
    return r->role == KR_RAFT_LEADER ? r->epoch_start_offset : -1;
}
const kr_raft_log *kr_raft_log_of(const kr_raft *r) { return &r->log; }
bool kr_raft_is_voter(const kr_raft *r) { return is_voter(r); }

uint64_t kr_raft_violations(const kr_raft *r, const char **last_reason) {
    if (last_reason) *last_reason = r->violation_reason;
    return r->violations;
}

bool kr_raft_describe(const kr_raft *r, kr_quorum_info *out) {
    memset(out, 0, sizeof *out);
    if (r->role != KR_RAFT_LEADER) return false;
    out->leader_id = r->leader_id;
    out->leader_epoch = r->epoch;
    out->high_watermark = r->hw;
    int64_t now = (int64_t)r->now_ms;
    for (size_t i = 0; i < r->cfg.voter_count; i++) {
        const replica *p = &r->replicas[i];
        if ((int)i == r->self_slot)
            out->voters[i] = (kr_replica_info){p->id, r->log.end_offset, now, now};
        else
            out->voters[i] = (kr_replica_info){p->id, p->end_offset, p->last_fetch_ms,
                                               p->last_caught_up_ms};
    }
    out->voter_count = r->cfg.voter_count;
    for (size_t i = r->cfg.voter_count; i < r->replica_count; i++) {
        const replica *p = &r->replicas[i];
        if (p->last_fetch_ms < 0 || now - p->last_fetch_ms >= 300000) continue;
        out->observers[out->observer_count++] =
            (kr_replica_info){p->id, p->end_offset, p->last_fetch_ms, p->last_caught_up_ms};
    }
    return true;
}
