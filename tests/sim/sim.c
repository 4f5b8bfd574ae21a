/* Deterministic simulator of a KRaft quorum (see sim.h). Everything random
 * comes from one seeded generator, so a seed replays exactly. */
#include "tests/sim/sim.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/raft.h"

#define MAX_NODES 13
#define SNAP_BYTES 24        /* end offset, epoch, chain hash, magic */
#define PAYLOAD_BYTES 8      /* one uint64 per batch */
#define PAIR_TABLE (1u << 15)
#define LEADER_CHANGE_TAG 0x4c43000000000000ull
#define CHECK_QUORUM_BOUND_MS 3300 /* 3000 / 0.95 + tick slack */

/* ---------- randomness ---------- */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t mix(uint64_t h, uint64_t v) {
    uint64_t s = h ^ (v * 0xff51afd7ed558ccdull);
    return splitmix(&s);
}

/* ---------- model ---------- */

typedef struct sbatch {
    int64_t base, last;
    int32_t epoch;
    uint64_t payload;
    uint64_t chain; /* hash of the whole log up to and including this batch */
} sbatch;

typedef struct ssnap {
    kr_snapshot_id id;
    uint64_t chain;
} ssnap;

typedef struct snode {
    int32_t id;
    bool voter, up;
    kr_raft *r;
    uint64_t rng;
    uint32_t incarnation;
    /* durable storage */
    bool has_qs;
    kr_quorum_state qs;
    sbatch *log;
    size_t n, cap, synced;
    int64_t log_start;
    uint64_t start_chain; /* chain at log_start */
    bool has_earliest, has_latest;
    ssnap earliest, latest;
    uint8_t partial[SNAP_BYTES];
    size_t partial_len;
    /* observation */
    int64_t hw, verified_upto;
    enum kr_raft_role last_role;
    int32_t last_epoch;
    uint64_t last_tick_t, paused_until;
    uint64_t leader_since, last_heard_from_voter; /* for the check-quorum invariant */
    uint32_t drift_pm, tick_rem;
} snode;

enum ev_kind { EV_TICK, EV_DELIVER, EV_CLIENT, EV_FAULT, EV_RESTART, EV_SNAPSHOT, EV_LINKS, EV_HEAL };

typedef struct event {
    uint64_t t, seq;
    enum ev_kind kind;
    int node;
    uint32_t incarnation;
    kr_raft_msg msg;
    kr_raft_batch *batches; /* owned */
    uint8_t *bytes;         /* owned */
} event;

typedef struct cbatch {
    int64_t base, last;
    uint64_t chain, payload;
    int32_t epoch_committed; /* epoch of the node whose HW first covered it */
} cbatch;

typedef struct pair_slot {
    bool used;
    int64_t base;
    int32_t epoch;
    int64_t last;
    uint64_t chain;
} pair_slot;

typedef struct sim {
    sim_options o;
    sim_result *res;
    uint64_t rng, now, seq;
    snode nodes[MAX_NODES];
    int n, voters;
    int32_t voter_ids[KR_RAFT_MAX_VOTERS];
    event *heap;
    size_t heap_n, heap_cap;
    bool link_down[MAX_NODES][MAX_NODES];
    uint32_t drop_pm, dup_pm, long_pm;
    bool faults_on, failed;
    int32_t *epoch_leader;
    size_t epoch_leader_cap;
    cbatch *committed;
    size_t committed_n, committed_cap;
    int64_t committed_end;
    pair_slot *pairs;
    uint64_t next_payload, first_post_heal_payload;
    bool post_heal_committed;
    int64_t post_heal_end;
    int64_t leader_hw_high;
    int32_t leader_hw_epoch;
} sim;

static uint64_t rnd(sim *s, uint64_t n) { return n ? splitmix(&s->rng) % n : 0; }
static bool chance_pm(sim *s, uint32_t pm) { return rnd(s, 1000) < pm; }

static void trace(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(sim *s, const char *fmt, ...) {
    if (!s->o.trace) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(s->o.trace, "t=%-7" PRIu64 " ", s->now);
    vfprintf(s->o.trace, fmt, ap);
    fputc('\n', s->o.trace);
    va_end(ap);
}

static void fail(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(sim *s, const char *fmt, ...) {
    if (s->failed) return;
    s->failed = true;
    s->res->ok = false;
    s->res->fail_time_ms = s->now;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->res->failure, sizeof s->res->failure, fmt, ap);
    va_end(ap);
    trace(s, "INVARIANT VIOLATED: %s", s->res->failure);
}

/* ---------- event heap ---------- */

static bool ev_before(const event *a, const event *b) {
    return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void push(sim *s, event e) {
    if (s->heap_n == s->heap_cap) {
        s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 1024;
        s->heap = realloc(s->heap, s->heap_cap * sizeof *s->heap);
        assert(s->heap);
    }
    e.seq = s->seq++;
    size_t i = s->heap_n++;
    while (i > 0 && ev_before(&e, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = e;
}

static event pop(sim *s) {
    event top = s->heap[0];
    event last = s->heap[--s->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->heap_n) break;
        if (c + 1 < s->heap_n && ev_before(&s->heap[c + 1], &s->heap[c])) c++;
        if (!ev_before(&s->heap[c], &last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->heap_n) s->heap[i] = last;
    return top;
}

static void schedule(sim *s, enum ev_kind kind, int node, uint64_t at) {
    event e;
    memset(&e, 0, sizeof e);
    e.t = at;
    e.kind = kind;
    e.node = node;
    if (node >= 0) e.incarnation = s->nodes[node].incarnation;
    push(s, e);
}

/* ---------- global trackers ---------- */

static int node_index(const sim *s, int32_t id) {
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i].id == id) return i;
    return -1;
}

static void record_leader(sim *s, int32_t epoch, int32_t leader, const char *where) {
    if (epoch < 0 || leader < 0) return;
    if ((size_t)epoch >= s->epoch_leader_cap) {
        size_t cap = (size_t)epoch * 2 + 16;
        s->epoch_leader = realloc(s->epoch_leader, cap * sizeof *s->epoch_leader);
        assert(s->epoch_leader);
        for (size_t i = s->epoch_leader_cap; i < cap; i++) s->epoch_leader[i] = -1;
        s->epoch_leader_cap = cap;
    }
    int32_t *slot = &s->epoch_leader[epoch];
    if (*slot >= 0 && *slot != leader)
        fail(s, "two leaders in epoch %d: %d and %d (%s)", epoch, *slot, leader, where);
    *slot = leader;
    if ((uint64_t)epoch > s->res->stats.max_epoch) s->res->stats.max_epoch = (uint64_t)epoch;
}

static pair_slot *pair_find(sim *s, int64_t base, int32_t epoch) {
    uint64_t h = mix((uint64_t)base, (uint64_t)epoch) & (PAIR_TABLE - 1);
    for (uint32_t i = 0; i < PAIR_TABLE; i++) {
        pair_slot *p = &s->pairs[(h + i) & (PAIR_TABLE - 1)];
        if (!p->used || (p->base == base && p->epoch == epoch)) return p;
    }
    return NULL;
}

/* Log matching / uniqueness of (offset, epoch): a batch with this (base, epoch)
 * anywhere, ever, has the same extent and the same history. */
static void check_log_matching(sim *s, const snode *nd, const sbatch *b) {
    pair_slot *p = pair_find(s, b->base, b->epoch);
    if (!p) {
        fail(s, "pair table full");
        return;
    }
    if (!p->used) {
        *p = (pair_slot){true, b->base, b->epoch, b->last, b->chain};
        return;
    }
    if (p->last != b->last || p->chain != b->chain)
        fail(s, "log matching: node %d has batch (offset %" PRId64 ", epoch %d) with a different "
                "history or extent than another log",
             nd->id, b->base, b->epoch);
}

static const cbatch *committed_at(const sim *s, int64_t base) {
    size_t lo = 0, hi = s->committed_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->committed[mid].base < base) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->committed_n && s->committed[lo].base == base ? &s->committed[lo] : NULL;
}

/* Chain of the committed log up to end (exclusive); false if end is not a committed boundary. */
static bool committed_chain_at(const sim *s, int64_t end, uint64_t *chain) {
    if (end == 0) {
        *chain = 0;
        return true;
    }
    size_t lo = 0, hi = s->committed_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->committed[mid].last < end - 1) lo = mid + 1;
        else hi = mid;
    }
    if (lo == s->committed_n || s->committed[lo].last != end - 1) return false;
    *chain = s->committed[lo].chain;
    return true;
}

static void commit_batch(sim *s, const snode *nd, const sbatch *b) {
    if (b->base < s->committed_end) {
        const cbatch *c = committed_at(s, b->base);
        if (!c || c->last != b->last || c->chain != b->chain)
            fail(s, "committed data changed: node %d below its HW holds a different batch at "
                    "offset %" PRId64,
                 nd->id, b->base);
        return;
    }
    if (b->base != s->committed_end) {
        fail(s, "committed gap: node %d commits offset %" PRId64 " but commits end at %" PRId64,
             nd->id, b->base, s->committed_end);
        return;
    }
    if (s->committed_n == s->committed_cap) {
        s->committed_cap = s->committed_cap ? s->committed_cap * 2 : 256;
        s->committed = realloc(s->committed, s->committed_cap * sizeof *s->committed);
        assert(s->committed);
    }
    s->committed[s->committed_n++] =
        (cbatch){b->base, b->last, b->chain, b->payload, kr_raft_epoch(nd->r)};
    s->committed_end = b->last + 1;
    s->res->stats.committed_batches++;
    if (!s->faults_on && b->payload >= s->first_post_heal_payload &&
        (b->payload & LEADER_CHANGE_TAG) != LEADER_CHANGE_TAG && !s->post_heal_committed) {
        s->post_heal_committed = true;
        s->post_heal_end = s->committed_end;
        trace(s, "first write after the faults committed: offsets < %" PRId64, s->post_heal_end);
    }
}

/* ---------- storage ---------- */

static int64_t synced_leo(const snode *nd) {
    return nd->synced ? nd->log[nd->synced - 1].last + 1 : nd->log_start;
}
static int64_t storage_leo(const snode *nd) {
    return nd->n ? nd->log[nd->n - 1].last + 1 : nd->log_start;
}
static uint64_t chain_before(const snode *nd) {
    return nd->n ? nd->log[nd->n - 1].chain : nd->start_chain;
}

static size_t batch_index_at(const snode *nd, int64_t base) {
    size_t lo = 0, hi = nd->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (nd->log[mid].base < base) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static uint64_t payload_value(const uint8_t *p, size_t len) {
    uint64_t v = 0;
    for (size_t i = 0; i < len && i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void encode_snapshot(const ssnap *sn, uint8_t out[SNAP_BYTES]) {
    put_u64(out, (uint64_t)sn->id.end_offset);
    put_u64(out + 8, sn->chain);
    out[16] = (uint8_t)sn->id.epoch;
    out[17] = (uint8_t)(sn->id.epoch >> 8);
    out[18] = (uint8_t)(sn->id.epoch >> 16);
    out[19] = (uint8_t)(sn->id.epoch >> 24);
    memcpy(out + 20, "SNAP", 4);
}

static size_t leader_change_payload(void *ctx, const kr_leader_change *lc, uint8_t *buf, size_t cap,
                                    uint32_t *record_count) {
    (void)ctx;
    assert(cap >= PAYLOAD_BYTES);
    put_u64(buf, LEADER_CHANGE_TAG | ((uint64_t)(uint32_t)lc->epoch << 16) |
                     (uint64_t)(uint16_t)lc->leader_id);
    *record_count = 1;
    return PAYLOAD_BYTES;
}

static uint64_t node_rand(void *ctx) { return splitmix(&((snode *)ctx)->rng); }

/* ---------- node life ---------- */

static void apply_ready(sim *s, snode *nd);

/* Hard kill; the node restarts after down_ms while faults last (and at their end). */
static void crash(sim *s, snode *nd, const char *when, uint64_t down_ms) {
    if (!nd->up) return;
    schedule(s, EV_RESTART, (int)(nd - s->nodes), s->now + down_ms);
    nd->up = false;
    kr_raft_destroy(nd->r);
    nd->r = NULL;
    nd->incarnation++;
    /* Unsynced batches may or may not have reached the disk. */
    size_t keep = nd->synced + (size_t)rnd(s, nd->n - nd->synced + 1);
    trace(s, "CRASH n%d %s: log %zu batches, %zu synced, %zu kept", nd->id, when, nd->n, nd->synced,
          keep);
    nd->n = keep;
    nd->synced = keep;
    nd->partial_len = 0;
    s->res->stats.crashes++;
}

static void restart(sim *s, snode *nd) {
    if (nd->up) return;
    kr_raft_config c;
    memset(&c, 0, sizeof c);
    kr_raft_config_defaults(&c);
    c.node_id = nd->id;
    memcpy(c.voters, s->voter_ids, sizeof c.voters);
    c.voter_count = (size_t)s->voters;
    c.election_timeout_ms = 1000;
    c.election_backoff_max_ms = 100;
    c.fetch_timeout_ms = 2000;
    c.request_timeout_ms = 1500;
    c.retry_backoff_ms = 50;
    c.fetch_max_wait_ms = 200;
    c.fetch_max_bytes = 16 * PAYLOAD_BYTES;
    c.fetch_snapshot_max_bytes = 7; /* several chunks, split mid-field */
    c.rand = node_rand;
    c.rand_ctx = nd;
    c.leader_change_payload = leader_change_payload;
    nd->rng = splitmix(&s->rng);
    kr_error err;
    if (kr_raft_create(&nd->r, &c, &err) != KR_OK) {
        fail(s, "node %d: create: %s", nd->id, err.message);
        return;
    }
    int rc = KR_OK;
    if (nd->has_earliest) rc = kr_raft_load_snapshot(nd->r, nd->earliest.id, SNAP_BYTES, &err);
    if (rc == KR_OK && nd->has_latest &&
        (!nd->has_earliest || nd->latest.id.end_offset > nd->earliest.id.end_offset))
        rc = kr_raft_load_snapshot(nd->r, nd->latest.id, SNAP_BYTES, &err);
    if (rc == KR_OK) rc = kr_raft_load_log_start(nd->r, nd->log_start, &err);
    for (size_t i = 0; rc == KR_OK && i < nd->n; i++)
        rc = kr_raft_load_batch(nd->r, nd->log[i].base, nd->log[i].last, nd->log[i].epoch, &err);
    if (rc == KR_OK) rc = kr_raft_start(nd->r, nd->has_qs ? &nd->qs : NULL, &err);
    if (rc != KR_OK) {
        fail(s, "node %d: restart: %s", nd->id, err.message);
        return;
    }
    nd->up = true;
    nd->hw = -1;
    nd->verified_upto = nd->log_start;
    nd->last_role = KR_RAFT_UNATTACHED;
    nd->last_epoch = -1;
    nd->last_tick_t = s->now;
    nd->paused_until = 0;
    s->res->stats.restarts++;
    trace(s, "START n%d: log [%" PRId64 ", %" PRId64 "), epoch %d -> %s", nd->id, nd->log_start,
          storage_leo(nd), kr_raft_epoch(nd->r), kr_raft_role_name(kr_raft_role_of(nd->r)));
    apply_ready(s, nd);
    if (nd->up) schedule(s, EV_TICK, (int)(nd - s->nodes), s->now + 1 + rnd(s, 5));
}

/* ---------- applying a ready, in the documented order ---------- */

static void write_quorum_state(sim *s, snode *nd, kr_quorum_state qs) {
    if (nd->has_qs && qs.leader_epoch < nd->qs.leader_epoch)
        fail(s, "node %d: persisted epoch went back from %d to %d", nd->id, nd->qs.leader_epoch,
             qs.leader_epoch);
    nd->qs = qs;
    nd->has_qs = true;
    record_leader(s, qs.leader_epoch, qs.leader_id, "quorum-state");
}

static void install_snapshot(sim *s, snode *nd, kr_snapshot_id id) {
    ssnap sn;
    if (nd->has_latest && nd->latest.id.end_offset == id.end_offset && nd->latest.id.epoch == id.epoch) {
        sn = nd->latest;
    } else {
        if (nd->partial_len != SNAP_BYTES) {
            fail(s, "node %d: snapshot %" PRId64 "-%d installed with %zu of %d bytes", nd->id,
                 id.end_offset, id.epoch, nd->partial_len, SNAP_BYTES);
            return;
        }
        sn.id.end_offset = (int64_t)payload_value(nd->partial, 8);
        sn.chain = payload_value(nd->partial + 8, 8);
        sn.id.epoch = (int32_t)payload_value(nd->partial + 16, 4);
        if (sn.id.end_offset != id.end_offset || sn.id.epoch != id.epoch ||
            memcmp(nd->partial + 20, "SNAP", 4) != 0) {
            fail(s, "node %d: downloaded snapshot bytes do not match id %" PRId64 "-%d", nd->id,
                 id.end_offset, id.epoch);
            return;
        }
    }
    uint64_t want;
    if (!committed_chain_at(s, id.end_offset, &want) || want != sn.chain) {
        fail(s, "node %d: snapshot %" PRId64 "-%d is not a committed prefix", nd->id, id.end_offset,
             id.epoch);
        return;
    }
    if (nd->hw > id.end_offset)
        fail(s, "node %d: snapshot install below its HW", nd->id);
    nd->n = nd->synced = 0;
    nd->log_start = id.end_offset;
    nd->start_chain = sn.chain;
    nd->has_earliest = nd->has_latest = true;
    nd->earliest = nd->latest = sn;
    nd->partial_len = 0;
    nd->verified_upto = id.end_offset;
    s->res->stats.snapshots_installed++;
    trace(s, "n%d installed snapshot %" PRId64 "-%d", nd->id, id.end_offset, id.epoch);
}

static void truncate_log(sim *s, snode *nd, int64_t offset) {
    if (nd->last_role == KR_RAFT_LEADER && kr_raft_role_of(nd->r) == KR_RAFT_LEADER)
        fail(s, "leader %d truncates its own log", nd->id);
    if (offset < nd->hw)
        fail(s, "node %d truncates to %" PRId64 " below its HW %" PRId64, nd->id, offset, nd->hw);
    size_t i = batch_index_at(nd, offset);
    if (i < nd->n && nd->log[i].base != offset)
        fail(s, "node %d: truncation point %" PRId64 " splits a batch", nd->id, offset);
    if (i > 0 && nd->log[i - 1].last >= offset)
        fail(s, "node %d: truncation point %" PRId64 " splits a batch", nd->id, offset);
    trace(s, "n%d truncates to %" PRId64 " (dropping %zu batches)", nd->id, offset, nd->n - i);
    nd->n = i;
    if (nd->synced > i) nd->synced = i;
    s->res->stats.truncations++;
}

static void append_batches(sim *s, snode *nd, const kr_raft_batch *bs, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const kr_raft_batch *b = &bs[i];
        if (b->base_offset != storage_leo(nd)) {
            fail(s, "node %d: append at %" PRId64 " but its log ends at %" PRId64, nd->id,
                 b->base_offset, storage_leo(nd));
            return;
        }
        if (nd->n == nd->cap) {
            nd->cap = nd->cap ? nd->cap * 2 : 256;
            nd->log = realloc(nd->log, nd->cap * sizeof *nd->log);
            assert(nd->log);
        }
        sbatch sb = {b->base_offset, b->last_offset, b->epoch,
                     payload_value(b->payload, b->payload_len), 0};
        sb.chain = mix(mix(mix(chain_before(nd), (uint64_t)sb.base), (uint64_t)sb.last),
                       mix((uint64_t)sb.epoch, sb.payload));
        check_log_matching(s, nd, &sb);
        nd->log[nd->n++] = sb;
    }
}

static void clean_log(sim *s, snode *nd, int64_t start) {
    if (!nd->has_latest || nd->latest.id.end_offset != start) {
        fail(s, "node %d: log start %" PRId64 " is not its latest snapshot", nd->id, start);
        return;
    }
    size_t i = batch_index_at(nd, start);
    memmove(nd->log, nd->log + i, (nd->n - i) * sizeof *nd->log);
    nd->n -= i;
    nd->synced = nd->synced > i ? nd->synced - i : 0;
    nd->log_start = start;
    nd->start_chain = nd->latest.chain;
    nd->earliest = nd->latest;
    nd->has_earliest = true;
    if (nd->verified_upto < start) nd->verified_upto = start;
    trace(s, "n%d log start -> %" PRId64, nd->id, start);
}

static void fill_records(sim *s, const snode *from, event *e) {
    kr_fetch_response *f = &e->msg.u.fetch_resp;
    if (f->error_code != KR_E_NONE || f->records_from_offset >= f->records_to_offset) return;
    size_t i = batch_index_at(from, f->records_from_offset);
    if (i >= from->n || from->log[i].base != f->records_from_offset) {
        fail(s, "leader %d: fetch from offset %" PRId64 " is not a batch boundary", from->id,
             f->records_from_offset);
        return;
    }
    size_t max = f->records_max_bytes > 0 ? (size_t)f->records_max_bytes / PAYLOAD_BYTES : 1;
    if (max == 0) max = 1;
    size_t count = 0;
    while (i + count < from->n && from->log[i + count].last < f->records_to_offset && count < max)
        count++;
    e->batches = calloc(count, sizeof *e->batches);
    e->bytes = calloc(count, PAYLOAD_BYTES);
    assert(e->batches && e->bytes);
    for (size_t k = 0; k < count; k++) {
        const sbatch *b = &from->log[i + k];
        put_u64(e->bytes + k * PAYLOAD_BYTES, b->payload);
        e->batches[k] = (kr_raft_batch){b->base, b->last, b->epoch, e->bytes + k * PAYLOAD_BYTES,
                                        PAYLOAD_BYTES};
    }
    f->records = e->batches;
    f->records_count = count;
}

static void fill_snapshot_chunk(sim *s, const snode *from, event *e) {
    kr_fetch_snapshot_response *r = &e->msg.u.snap_resp;
    if (r->error_code != KR_E_NONE) return;
    if (!from->has_latest || from->latest.id.end_offset != r->snapshot_id.end_offset ||
        r->position + (int64_t)r->unaligned_records_len > SNAP_BYTES) {
        fail(s, "leader %d: serves a snapshot it does not hold", from->id);
        return;
    }
    uint8_t all[SNAP_BYTES];
    encode_snapshot(&from->latest, all);
    e->bytes = malloc(r->unaligned_records_len);
    assert(e->bytes);
    memcpy(e->bytes, all + r->position, r->unaligned_records_len);
    r->unaligned_records = e->bytes;
}

/* Invariant 18: nothing reaches the wire before the state it reflects is durable. */
static void check_durable_before_send(sim *s, const snode *nd, const kr_raft_msg *m) {
    const kr_quorum_state *q = &nd->qs;
    switch (m->type) {
    case KR_MSG_VOTE_RESPONSE:
        if (m->u.vote_resp.vote_granted &&
            !(nd->has_qs && q->leader_epoch == m->u.vote_resp.leader_epoch && q->voted_id == m->to))
            fail(s, "node %d granted a vote to %d before persisting it", nd->id, m->to);
        break;
    case KR_MSG_VOTE_REQUEST:
        if (!(nd->has_qs && q->voted_id == nd->id && q->leader_epoch == m->u.vote_req.candidate_epoch))
            fail(s, "node %d asked for votes before persisting its candidacy", nd->id);
        break;
    case KR_MSG_BEGIN_QUORUM_EPOCH_REQUEST:
        if (!(nd->has_qs && q->leader_id == nd->id && q->leader_epoch == m->u.begin_req.leader_epoch))
            fail(s, "node %d announced leadership before persisting it", nd->id);
        break;
    case KR_MSG_FETCH_REQUEST:
        if (nd->voter && m->u.fetch_req.fetch_offset > synced_leo(nd))
            fail(s, "voter %d acknowledges offset %" PRId64 " with only %" PRId64 " synced", nd->id,
                 m->u.fetch_req.fetch_offset, synced_leo(nd));
        break;
    default: break;
    }
}

static void send(sim *s, const snode *from, const kr_raft_msg *m) {
    s->res->stats.messages++;
    check_durable_before_send(s, from, m);
    int to = node_index(s, m->to);
    int fi = (int)(from - s->nodes);
    if (to < 0) return;
    if (s->link_down[fi][to] || chance_pm(s, s->drop_pm)) {
        s->res->stats.dropped++;
        return;
    }
    int copies = chance_pm(s, s->dup_pm) ? 2 : 1;
    if (copies == 2) s->res->stats.duplicated++;
    for (int c = 0; c < copies; c++) {
        event e;
        memset(&e, 0, sizeof e);
        e.kind = EV_DELIVER;
        e.node = to;
        e.msg = *m;
        uint64_t lat = 1 + rnd(s, 10);
        if (chance_pm(s, s->long_pm)) {
            lat = 100 + rnd(s, 3400); /* above request and fetch timeouts at times */
            s->res->stats.delayed_long++;
        }
        e.t = s->now + lat;
        if (m->type == KR_MSG_FETCH_RESPONSE) fill_records(s, from, &e);
        if (m->type == KR_MSG_FETCH_SNAPSHOT_RESPONSE) fill_snapshot_chunk(s, from, &e);
        push(s, e);
    }
}

static void verify_commits(sim *s, snode *nd, int64_t hw) {
    if (hw > s->committed_end && nd->last_role != KR_RAFT_LEADER &&
        kr_raft_role_of(nd->r) != KR_RAFT_LEADER) {
        /* A follower's HW comes from a leader whose commits were seen first. */
    }
    size_t i = batch_index_at(nd, nd->verified_upto);
    for (; i < nd->n && nd->log[i].last < hw; i++) commit_batch(s, nd, &nd->log[i]);
    if (hw > nd->verified_upto) nd->verified_upto = hw;
}

static void on_new_leader(sim *s, snode *nd) {
    s->res->stats.leaders_elected++;
    nd->leader_since = s->now;
    trace(s, "n%d is LEADER of epoch %d (log [%" PRId64 ", %" PRId64 "))", nd->id,
          kr_raft_epoch(nd->r), nd->log_start, storage_leo(nd));
    /* Leader completeness (13): every batch committed in an earlier epoch is in
     * its log or snapshot. (A stale leader elected late by delayed votes need
     * not hold what a newer epoch committed.) */
    int32_t epoch = kr_raft_epoch(nd->r);
    int64_t need = 0;
    for (size_t k = 0; k < s->committed_n; k++)
        if (s->committed[k].epoch_committed < epoch) need = s->committed[k].last + 1;
    uint64_t want;
    if (need == 0 || !committed_chain_at(s, need, &want)) return;
    if (need <= nd->log_start) {
        if (need == nd->log_start && nd->start_chain != want)
            fail(s, "leader %d: snapshot differs from committed data", nd->id);
        return; /* covered by its snapshot, checked when it was made or installed */
    }
    size_t i = batch_index_at(nd, need);
    if (i == 0 || nd->log[i - 1].last != need - 1 || nd->log[i - 1].chain != want)
        fail(s, "leader completeness: leader %d of epoch %d lacks data committed below %" PRId64,
             nd->id, epoch, need);
}

static void observe_role(sim *s, snode *nd) {
    enum kr_raft_role role = kr_raft_role_of(nd->r);
    int32_t epoch = kr_raft_epoch(nd->r);
    if (role == KR_RAFT_LEADER) {
        record_leader(s, epoch, nd->id, "in memory");
        if (nd->last_role != KR_RAFT_LEADER || nd->last_epoch != epoch) on_new_leader(s, nd);
    }
    if (role != nd->last_role || epoch != nd->last_epoch)
        trace(s, "n%d -> %s epoch %d leader %d", nd->id, kr_raft_role_name(role), epoch,
              kr_raft_leader(nd->r));
    nd->last_role = role;
    nd->last_epoch = epoch;
}

/* Crash points inside a ready: before the quorum-state fsync, before the log
 * fsync, before the messages. */
static void apply_ready(sim *s, snode *nd) {
    kr_raft *r = nd->r;
    if (!kr_raft_has_ready(r)) {
        observe_role(s, nd);
        return;
    }
    const kr_raft_ready *d = kr_raft_ready_get(r);
    int crash_at = s->faults_on && chance_pm(s, 4) ? 1 + (int)rnd(s, 3) : 0;
    if (crash_at && !(crash_at == 1 ? d->quorum_state_changed
                                   : crash_at == 2 ? d->append_count > 0 : d->msg_count > 0))
        crash_at = 0;
    if (d->quorum_state_changed) {
        if (crash_at == 1) {
            s->res->stats.crashes_mid_ready++;
            crash(s, nd, "before the quorum-state fsync", 50 + rnd(s, 2000));
            return;
        }
        write_quorum_state(s, nd, d->quorum_state);
    }
    if (d->snapshot_abort) nd->partial_len = 0;
    if (d->snapshot_chunk_present) {
        if ((size_t)d->snapshot_chunk_position != nd->partial_len ||
            nd->partial_len + d->snapshot_chunk_len > SNAP_BYTES) {
            fail(s, "node %d: snapshot chunk at %" PRId64 " with %zu bytes held", nd->id,
                 d->snapshot_chunk_position, nd->partial_len);
            return;
        }
        memcpy(nd->partial + nd->partial_len, d->snapshot_chunk, d->snapshot_chunk_len);
        nd->partial_len += d->snapshot_chunk_len;
    }
    if (d->snapshot_install) install_snapshot(s, nd, d->snapshot_install_id);
    if (d->truncate_to >= 0) truncate_log(s, nd, d->truncate_to);
    if (d->append_count) {
        append_batches(s, nd, d->appends, d->append_count);
        if (crash_at == 2) {
            s->res->stats.crashes_mid_ready++;
            crash(s, nd, "before the log fsync", 50 + rnd(s, 2000));
            return;
        }
        if (d->log_fsync) nd->synced = nd->n;
    }
    if (d->log_start_offset_changed) clean_log(s, nd, d->log_start_offset);
    if (crash_at == 3) {
        s->res->stats.crashes_mid_ready++;
        crash(s, nd, "before sending", 50 + rnd(s, 2000));
        return;
    }
    for (size_t i = 0; i < d->msg_count; i++) send(s, nd, &d->msgs[i]);
    if (d->high_watermark_changed) {
        if (d->high_watermark < nd->hw)
            fail(s, "node %d: HW went back from %" PRId64 " to %" PRId64, nd->id, nd->hw,
                 d->high_watermark);
        nd->hw = d->high_watermark;
        verify_commits(s, nd, nd->hw);
    }
    kr_raft_advance(r);
    const char *why;
    if (kr_raft_violations(r, &why)) fail(s, "node %d reported a safety violation: %s", nd->id, why);
    observe_role(s, nd);
}

/* ---------- invariants checked after every event ---------- */

static void check_invariants(sim *s) {
    s->res->stats.invariant_checks++;
    const snode *top = NULL;
    for (int i = 0; i < s->n; i++) {
        const snode *nd = &s->nodes[i];
        if (!nd->up) continue;
        int32_t epoch = kr_raft_epoch(nd->r);
        if (nd->has_qs && epoch != nd->qs.leader_epoch)
            fail(s, "node %d: in-memory epoch %d, persisted %d", nd->id, epoch, nd->qs.leader_epoch);
        int64_t hw = kr_raft_high_watermark(nd->r);
        if (hw > s->committed_end)
            fail(s, "node %d: HW %" PRId64 " above any committed offset %" PRId64, nd->id, hw,
                 s->committed_end);
        if (hw > kr_raft_end_offset(nd->r))
            fail(s, "node %d: HW %" PRId64 " above its LEO", nd->id, hw);
        if (kr_raft_role_of(nd->r) != KR_RAFT_LEADER) continue;
        if (!top || epoch > kr_raft_epoch(top->r)) top = nd;
        /* Check-quorum (§10): a leader that hears from no other voter resigns
         * within 1.5 x fetch.timeout (3000 ms of its clock, which may run 5% slow). */
        uint64_t heard = nd->last_heard_from_voter > nd->leader_since ? nd->last_heard_from_voter
                                                                      : nd->leader_since;
        if (s->voters > 1 && nd->paused_until + 100 < s->now && s->now - heard > CHECK_QUORUM_BOUND_MS)
            fail(s, "check-quorum: leader %d heard from no voter for %" PRIu64 " ms", nd->id,
                 s->now - heard);
        if (hw < 0) continue;
        /* Invariant 4: a majority of voters durably hold the HW. */
        int holders = 0;
        for (int k = 0; k < s->n; k++)
            if (s->nodes[k].voter && synced_leo(&s->nodes[k]) >= hw) holders++;
        if (holders < s->voters / 2 + 1)
            fail(s, "leader %d: HW %" PRId64 " held durably by only %d of %d voters", nd->id, hw,
                 holders, s->voters);
    }
    /* Invariant 3: the HW of the newest leader never goes back. A stale leader
     * (lower epoch, left over once the newer one crashed) is not compared. */
    if (top && kr_raft_epoch(top->r) >= s->leader_hw_epoch) {
        int64_t hw = kr_raft_high_watermark(top->r);
        if (hw >= 0) {
            if (hw < s->leader_hw_high)
                fail(s, "leader %d of epoch %d exposes HW %" PRId64 " below an earlier %" PRId64,
                     top->id, kr_raft_epoch(top->r), hw, s->leader_hw_high);
            s->leader_hw_high = hw;
            s->leader_hw_epoch = kr_raft_epoch(top->r);
        }
    }
}

/* ---------- workload and faults ---------- */

static int random_up_node(sim *s, bool leaders_only) {
    int cand[MAX_NODES], k = 0;
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i].up && (!leaders_only || kr_raft_role_of(s->nodes[i].r) == KR_RAFT_LEADER))
            cand[k++] = i;
    return k ? cand[rnd(s, (uint64_t)k)] : -1;
}

static void client_append(sim *s) {
    int i = random_up_node(s, true);
    if (i >= 0) {
        snode *nd = &s->nodes[i];
        uint8_t payload[PAYLOAD_BYTES];
        put_u64(payload, s->next_payload++);
        kr_error err;
        if (kr_raft_propose(nd->r, payload, sizeof payload, 1 + (uint32_t)rnd(s, 3), NULL, &err) ==
            KR_OK)
            s->res->stats.proposals++;
        apply_ready(s, nd);
    }
    schedule(s, EV_CLIENT, -1, s->now + 10 + rnd(s, 40));
}

static void take_snapshot(sim *s) {
    int i = random_up_node(s, false);
    schedule(s, EV_SNAPSHOT, -1, s->now + 300 + rnd(s, 900));
    if (i < 0) return;
    snode *nd = &s->nodes[i];
    int64_t hw = kr_raft_high_watermark(nd->r);
    if (hw <= nd->log_start || (nd->has_latest && hw <= nd->latest.id.end_offset)) return;
    size_t k = batch_index_at(nd, hw);
    if (k == 0 || nd->log[k - 1].last != hw - 1) {
        fail(s, "node %d: HW %" PRId64 " is not a batch boundary", nd->id, hw);
        return;
    }
    ssnap sn = {{hw, nd->log[k - 1].epoch}, nd->log[k - 1].chain};
    kr_error err;
    if (kr_raft_snapshot_created(nd->r, sn.id, SNAP_BYTES, &err) != KR_OK) {
        fail(s, "node %d: snapshot at its HW refused: %s", nd->id, err.message);
        return;
    }
    apply_ready(s, nd);
    if (!nd->has_earliest) {
        nd->earliest = sn;
        nd->has_earliest = true;
    }
    nd->latest = sn;
    nd->has_latest = true;
    s->res->stats.snapshots_created++;
    trace(s, "n%d snapshot %" PRId64 "-%d", nd->id, sn.id.end_offset, sn.id.epoch);
    if (rnd(s, 2)) {
        kr_raft_clean(nd->r);
        apply_ready(s, nd);
    }
}

static void heal_links(sim *s) { memset(s->link_down, 0, sizeof s->link_down); }

static void cut(sim *s, int a, int b, bool both) {
    s->link_down[a][b] = true;
    if (both) s->link_down[b][a] = true;
}

static void partition(sim *s) {
    s->res->stats.partitions++;
    int kind = (int)rnd(s, 4);
    int leader = random_up_node(s, true);
    int victim = kind == 0 && leader >= 0 ? leader : (int)rnd(s, (uint64_t)s->n);
    if (kind <= 1) { /* isolate one node (often the leader) */
        for (int j = 0; j < s->n; j++)
            if (j != victim) cut(s, victim, j, true);
        trace(s, "PARTITION n%d isolated", s->nodes[victim].id);
    } else if (kind == 2) { /* random split: each node on side A or B */
        bool side[MAX_NODES];
        for (int j = 0; j < s->n; j++) side[j] = rnd(s, 2);
        for (int a = 0; a < s->n; a++)
            for (int b = 0; b < s->n; b++)
                if (side[a] != side[b]) cut(s, a, b, false);
        trace(s, "PARTITION random split");
    } else { /* asymmetric: one direction of a few links */
        for (int k = 0; k < 3; k++) {
            int a = (int)rnd(s, (uint64_t)s->n), b = (int)rnd(s, (uint64_t)s->n);
            if (a != b) cut(s, a, b, false);
        }
        trace(s, "PARTITION asymmetric links");
    }
    schedule(s, EV_LINKS, -1, s->now + 300 + rnd(s, 4000));
}

static void crash_and_schedule(sim *s, int i, uint64_t down_ms) {
    crash(s, &s->nodes[i], "hard kill", down_ms);
}

static void inject_fault(sim *s) {
    int roll = (int)rnd(s, 100);
    if (roll < 20) {
        int i = rnd(s, 2) ? random_up_node(s, true) : random_up_node(s, false);
        if (i >= 0) crash_and_schedule(s, i, 50 + rnd(s, 3000));
    } else if (roll < 26) { /* kill every node; restart a majority first */
        for (int i = 0; i < s->n; i++)
            if (s->nodes[i].up) crash_and_schedule(s, i, i < s->voters / 2 + 1 ? 100 + rnd(s, 500)
                                                                              : 2000 + rnd(s, 3000));
    } else if (roll < 34) {
        int i = random_up_node(s, true);
        if (i >= 0) {
            trace(s, "RESIGN n%d", s->nodes[i].id);
            s->res->stats.resigns++;
            kr_raft_resign(s->nodes[i].r);
            apply_ready(s, &s->nodes[i]);
        }
    } else if (roll < 56) {
        partition(s);
    } else if (roll < 64) {
        int i = random_up_node(s, rnd(s, 2));
        if (i >= 0) {
            uint64_t until = s->now + 200 + rnd(s, 4000); /* stop-the-world; pauses only extend */
            if (until > s->nodes[i].paused_until) s->nodes[i].paused_until = until;
            s->res->stats.pauses++;
            trace(s, "PAUSE n%d until %" PRIu64, s->nodes[i].id, s->nodes[i].paused_until);
        }
    } else if (roll < 80) {
        s->drop_pm = (uint32_t)rnd(s, 300);
        s->dup_pm = (uint32_t)rnd(s, 100);
        s->long_pm = (uint32_t)rnd(s, 40);
        trace(s, "NETWORK drop %u%% dup %u%% long delays %u%%", s->drop_pm / 10, s->dup_pm / 10,
              s->long_pm / 10);
    } else if (roll < 86) {
        heal_links(s);
        trace(s, "LINKS healed");
    }
    schedule(s, EV_FAULT, -1, s->now + 100 + rnd(s, 500));
}

static void stop_faults(sim *s) {
    s->faults_on = false;
    s->drop_pm = s->dup_pm = s->long_pm = 0;
    heal_links(s);
    s->first_post_heal_payload = s->next_payload;
    trace(s, "FAULTS END: network healed, every node restarted; pauses run out (<= 4.2 s)");
    for (int i = 0; i < s->n; i++) restart(s, &s->nodes[i]);
}

/* ---------- event dispatch ---------- */

static void free_event(event *e) {
    free(e->batches);
    free(e->bytes);
}

static bool deferred_by_pause(sim *s, event *e) {
    snode *nd = &s->nodes[e->node];
    if (nd->paused_until <= s->now) return false;
    e->t = nd->paused_until;
    push(s, *e); /* ownership of buffers moves with it */
    return true;
}

static void handle(sim *s, event *e) {
    switch (e->kind) {
    case EV_TICK: {
        snode *nd = &s->nodes[e->node];
        if (!nd->up || e->incarnation != nd->incarnation) return;
        if (deferred_by_pause(s, e)) return;
        uint64_t scaled = (s->now - nd->last_tick_t) * nd->drift_pm + nd->tick_rem;
        nd->last_tick_t = s->now;
        nd->tick_rem = (uint32_t)(scaled % 1000);
        kr_raft_tick(nd->r, (uint32_t)(scaled / 1000));
        apply_ready(s, nd);
        if (!nd->up) return;
        if (!nd->voter && rnd(s, 10) == 0) nd->synced = nd->n; /* observers: lazy writeback */
        schedule(s, EV_TICK, e->node, s->now + 5 + rnd(s, 5));
        break;
    }
    case EV_DELIVER: {
        snode *nd = &s->nodes[e->node];
        if (!nd->up) break;
        if (deferred_by_pause(s, e)) return;
        int from = node_index(s, e->msg.from);
        if (from >= 0 && s->nodes[from].voter) nd->last_heard_from_voter = s->now;
        if (s->o.trace)
            trace(s, "n%d <- n%d %s corr %u", nd->id, e->msg.from,
                  kr_raft_msg_type_name(e->msg.type), e->msg.correlation_id);
        kr_raft_step(nd->r, &e->msg);
        apply_ready(s, nd);
        break;
    }
    case EV_CLIENT: client_append(s); break;
    case EV_FAULT:
        if (s->faults_on) inject_fault(s);
        break;
    case EV_RESTART:
        if (s->faults_on) restart(s, &s->nodes[e->node]);
        break;
    case EV_SNAPSHOT: take_snapshot(s); break;
    case EV_LINKS:
        if (s->faults_on) heal_links(s);
        break;
    case EV_HEAL: stop_faults(s); break;
    }
    free_event(e);
}

static bool caught_up(const sim *s) {
    if (!s->post_heal_committed) return false;
    for (int i = 0; i < s->n; i++)
        if (!s->nodes[i].up || s->nodes[i].hw < s->post_heal_end) return false;
    return true;
}

static void describe_nodes(sim *s) {
    char buf[256];
    size_t len = strlen(s->res->failure);
    for (int i = 0; i < s->n && len + 1 < sizeof s->res->failure; i++) {
        const snode *nd = &s->nodes[i];
        if (nd->up)
            snprintf(buf, sizeof buf, "; n%d %s e%d hw %" PRId64 " leo %" PRId64, nd->id,
                     kr_raft_role_name(kr_raft_role_of(nd->r)), kr_raft_epoch(nd->r), nd->hw,
                     storage_leo(nd));
        else
            snprintf(buf, sizeof buf, "; n%d down", nd->id);
        snprintf(s->res->failure + len, sizeof s->res->failure - len, "%s", buf);
        len = strlen(s->res->failure);
    }
}

void sim_default_options(sim_options *o) {
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->voters = 3;
    o->observers = 1;
    o->fault_ms = 20000;
    o->liveness_ms = 15000;
}

bool sim_run(const sim_options *o, sim_result *res) {
    memset(res, 0, sizeof *res);
    res->ok = true;
    sim *s = calloc(1, sizeof *s);
    assert(s);
    s->o = *o;
    s->res = res;
    s->rng = o->seed * 0x9e3779b97f4a7c15ull + 12345;
    s->voters = o->voters;
    s->n = o->voters + o->observers;
    assert(o->voters >= 1 && o->voters <= KR_RAFT_MAX_VOTERS && s->n <= MAX_NODES);
    s->pairs = calloc(PAIR_TABLE, sizeof *s->pairs);
    assert(s->pairs);
    s->first_post_heal_payload = UINT64_MAX;
    s->leader_hw_high = -1;
    for (int i = 0; i < s->voters; i++) s->voter_ids[i] = i + 1;
    for (int i = 0; i < s->n; i++) {
        snode *nd = &s->nodes[i];
        nd->id = i < s->voters ? i + 1 : 100 + i;
        nd->voter = i < s->voters;
        nd->hw = -1;
        nd->drift_pm = 950 + (uint32_t)rnd(s, 101); /* clocks run at 95%..105% */
    }
    s->faults_on = o->fault_ms > 0;
    for (int i = 0; i < s->n; i++) restart(s, &s->nodes[i]);
    schedule(s, EV_CLIENT, -1, 50);
    schedule(s, EV_SNAPSHOT, -1, 700);
    if (o->fault_ms > 0) {
        schedule(s, EV_FAULT, -1, 300 + rnd(s, 500));
        schedule(s, EV_HEAL, -1, o->fault_ms);
    } else {
        s->first_post_heal_payload = 0;
    }
    uint64_t deadline = (uint64_t)o->fault_ms + o->liveness_ms;
    while (!s->failed && s->heap_n) {
        event e = pop(s);
        if (e.t > deadline) {
            free_event(&e);
            fail(s, "liveness: no commit and catch-up within %u ms after the faults stopped",
                 o->liveness_ms);
            describe_nodes(s);
            break;
        }
        s->now = e.t;
        res->stats.events++;
        handle(s, &e);
        check_invariants(s);
        if (!s->faults_on && caught_up(s)) {
            res->stats.recovery_ms = s->now - o->fault_ms;
            trace(s, "DONE: every node has HW >= %" PRId64, s->post_heal_end);
            break;
        }
    }
    while (s->heap_n) {
        event e = pop(s);
        free_event(&e);
    }
    for (int i = 0; i < s->n; i++) {
        kr_raft_destroy(s->nodes[i].r);
        free(s->nodes[i].log);
    }
    free(s->heap);
    free(s->epoch_leader);
    free(s->committed);
    free(s->pairs);
    free(s);
    return res->ok;
}

void sim_replay_command(const sim_options *o, const char *binary, char *buf, size_t cap) {
    snprintf(buf, cap, "%s --seed %" PRIu64 " --voters %d --observers %d --fault-ms %u --verbose",
             binary, o->seed, o->voters, o->observers, o->fault_ms);
}
