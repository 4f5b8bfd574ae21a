/* An observer's read of the committed metadata log (see metadata_fetch.h). */
#include "kraft/metadata_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kraft/kafka_frame.h"
#include "kraft/net_client.h"
#include "kraft/quorum_client.h"
#include "kraft/raft_wire.h"
#include "kraft/record_batch.h"

#define MAX_REDISCOVERIES 10 /* leader changes or unknown HW tolerated per read */
#define MAX_FETCHES 100000   /* bound on Fetch round trips (8 MiB each) */
#define RETRY_SLEEP_MS 200

typedef struct session {
    const kr_metadata_fetch_options *o;
    kr_client c;
    bool connected;
    kr_arena keep; /* every response stays alive until the end: the loader borrows
                      pending transaction values */
    kr_image_loader loader;
    kr_metadata_fetch_stats *st;
} session;

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void disconnect(session *s) {
    if (s->connected) kr_client_close(&s->c);
    s->connected = false;
}

static int connect_text(session *s, const char *host_port, kr_error *err) {
    disconnect(s);
    int rc = kr_quorum_connect(&s->c, host_port, s->o->timeout_ms, "zk2kraft-observer", err);
    s->connected = rc == KR_OK;
    return rc;
}

/* The active controller (kraft/quorum_client.h), then its leader id and epoch. */
static int find_leader(session *s, kr_error *err) {
    int rc = kr_quorum_find_active(&s->c, s->st->cluster_id, sizeof s->st->cluster_id, err);
    if (rc != KR_OK) return rc; /* disconnect() closes whatever is left (idempotent) */
    kr_arena a = {0};
    kr_DescribeQuorumResponse resp;
    const kr_DescribeQuorumResponse_PartitionData *p;
    int16_t ver;
    rc = kr_quorum_describe(&s->c, &resp, &p, &ver, &a, err);
    if (rc == KR_OK) {
        s->st->leader_id = p->LeaderId;
        s->st->leader_epoch = p->LeaderEpoch;
        snprintf(s->st->leader, sizeof s->st->leader, "%s", s->c.peer);
    }
    kr_arena_free(&a);
    return rc;
}

static int discover(session *s, kr_error *err) {
    int rc = connect_text(s, s->o->bootstrap, err);
    return rc == KR_OK ? find_leader(s, err) : rc;
}

/* One Raft request/response through the shared codec (kraft/raft_wire.h). */
static int raft_call(session *s, const kr_raft_msg *q, kr_raft_msg *out, kr_error *err) {
    int16_t key = kr_raft_wire_api_key(q->type);
    int16_t ver = key == KR_API_FETCH ? kr_client_pick_version(&s->c, key, 13, 16)
                                      : kr_client_pick_version(&s->c, key, 0, 1);
    if (ver < 0)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s does not serve %s (api key %d)", s->c.peer,
                       key == KR_API_FETCH ? "Fetch >= 13" : "FetchSnapshot", key);
    void *req = kr_raft_wire_encode_request(q, s->st->cluster_id[0] ? s->st->cluster_id : NULL, &s->keep, err);
    if (!req) return err->code ? (int)err->code : kr_fail(err, KR_ERR_NOMEM, "out of memory");
    void *resp = kr_arena_alloc(&s->keep, key == KR_API_FETCH ? sizeof(kr_FetchResponse)
                                                              : sizeof(kr_FetchSnapshotResponse));
    if (!resp) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    int rc = kr_client_call(&s->c, key, ver, req, resp, &s->keep, err);
    if (rc == KR_OK) rc = kr_raft_wire_decode_response(key, resp, &s->keep, out, err);
    if (rc != KR_OK) return kr_error_wrap(err, "%s %s", s->c.peer, key == KR_API_FETCH ? "Fetch" : "FetchSnapshot");
    return KR_OK;
}

static int apply_batch(session *s, const kr_batch *b, kr_error *err) {
    s->st->batches++;
    if (kr_batch_is_control(&b->h)) return KR_OK;
    kr_record_iter it;
    kr_record_iter_init(&it, b);
    kr_record rec;
    int rc;
    while ((rc = kr_record_next(&it, &rec, err)) == 1) {
        s->st->records++;
        rc = kr_image_loader_apply_value(&s->loader, rec.value.ptr, (size_t)rec.value.len, rec.offset, err);
        if (rc != KR_OK) return kr_error_wrap(err, "%s: record at offset %lld", s->st->leader, (long long)rec.offset);
    }
    return rc < 0 ? KR_ERR_CORRUPT : KR_OK;
}

/* Downloads snapshot `id` whole (FetchSnapshot from position 0) and folds it. */
static int load_snapshot(session *s, kr_snapshot_id id, kr_error *err) {
    uint8_t *buf = NULL;
    int64_t have = 0, size = -1;
    int rc = KR_OK;
    for (int round = 0; rc == KR_OK && (size < 0 || have < size); round++) {
        if (round > MAX_FETCHES) {
            rc = kr_fail(err, KR_ERR_INVALID, "%s: FetchSnapshot made no progress", s->c.peer);
            break;
        }
        kr_raft_msg q = {.type = KR_MSG_FETCH_SNAPSHOT_REQUEST, .from = -1, .to = s->st->leader_id};
        q.u.snap_req = (kr_fetch_snapshot_request){-1, s->o->max_bytes, s->st->leader_epoch, id, have};
        kr_raft_msg r;
        rc = raft_call(s, &q, &r, err);
        if (rc != KR_OK) break;
        const kr_fetch_snapshot_response *f = &r.u.snap_resp;
        if (f->error_code != 0) {
            rc = kr_fail(err, KR_ERR_INVALID, "%s: FetchSnapshot %lld-%d at byte %lld: error code %d", s->c.peer,
                         (long long)id.end_offset, id.epoch, (long long)have, f->error_code);
            break;
        }
        if (f->size <= 0 || f->size > KR_FETCH_MAX_SNAPSHOT_BYTES || (size >= 0 && f->size != size) ||
            f->position != have || f->unaligned_records_len == 0 ||
            (int64_t)f->unaligned_records_len > f->size - have) {
            rc = kr_fail(err, KR_ERR_CORRUPT,
                         "%s: FetchSnapshot answered size %lld position %lld with %zu bytes (expected position %lld)",
                         s->c.peer, (long long)f->size, (long long)f->position, f->unaligned_records_len,
                         (long long)have);
            break;
        }
        if (size < 0) {
            size = f->size;
            buf = malloc((size_t)size);
            if (!buf) {
                rc = kr_fail(err, KR_ERR_NOMEM, "out of memory for a %lld-byte snapshot", (long long)size);
                break;
            }
        }
        memcpy(buf + have, f->unaligned_records, f->unaligned_records_len);
        have += (int64_t)f->unaligned_records_len;
    }
    if (rc == KR_OK) {
        char name[KR_SNAPSHOT_NAME_SIZE];
        kr_snapshot_file_name(id, name);
        kr_snapshot_reader r;
        rc = kr_snapshot_reader_open_buffer(&r, buf, (size_t)size, name, err);
        if (rc == KR_OK) {
            s->loader.in_snapshot = true;
            kr_batch b;
            enum kr_scan_status scan;
            while ((scan = kr_snapshot_reader_next(&r, &b, err)) == KR_SCAN_BATCH && rc == KR_OK)
                rc = apply_batch(s, &b, err);
            s->loader.in_snapshot = false;
            if (rc == KR_OK && scan != KR_SCAN_END) rc = err->code ? (int)err->code : KR_ERR_CORRUPT;
            kr_snapshot_reader_close(&r);
        }
    }
    free(buf); /* snapshots hold no transactions: nothing borrowed */
    if (rc == KR_OK) {
        s->st->used_snapshot = true;
        s->st->snapshot = id;
        s->st->snapshot_bytes = size;
    }
    return rc;
}

typedef struct position {
    int64_t offset;
    int32_t epoch; /* of the last batch read */
    int64_t target; /* HW to read up to; -1 until known */
} position;

/* One Fetch: 1 = done, 0 = go on, 2 = rediscover the leader, <0 never; errors as kr codes. */
static int fetch_once(session *s, position *p, kr_error *err, int *outcome) {
    kr_raft_msg q = {.type = KR_MSG_FETCH_REQUEST, .from = -1, .to = s->st->leader_id};
    q.u.fetch_req = (kr_fetch_request){-1, 0, s->o->max_bytes, s->st->leader_epoch, p->offset, p->epoch};
    kr_raft_msg r;
    int rc = raft_call(s, &q, &r, err);
    if (rc != KR_OK) return rc;
    s->st->fetches++;
    const kr_fetch_response *f = &r.u.fetch_resp;
    *outcome = 0;
    switch (f->error_code) {
    case KR_E_NONE: break;
    case KR_E_NOT_LEADER_OR_FOLLOWER:
    case KR_E_FENCED_LEADER_EPOCH:
    case KR_E_UNKNOWN_LEADER_EPOCH:
    case KR_E_BROKER_NOT_AVAILABLE: *outcome = 2; return KR_OK;
    default:
        return kr_fail(err, KR_ERR_INVALID, "%s: Fetch at offset %lld: error code %d", s->c.peer, (long long)p->offset,
                       f->error_code);
    }
    if (f->snapshot_id.end_offset >= 0 && f->snapshot_id.epoch >= 0) {
        if (p->offset != 0)
            return kr_fail(err, KR_ERR_INVALID, "%s: Fetch at offset %lld asks for snapshot %lld-%d mid-read "
                           "(the leader cleaned its log): retry", s->c.peer, (long long)p->offset,
                           (long long)f->snapshot_id.end_offset, f->snapshot_id.epoch);
        rc = load_snapshot(s, f->snapshot_id, err);
        if (rc != KR_OK) return rc;
        p->offset = f->snapshot_id.end_offset;
        p->epoch = f->snapshot_id.epoch;
        return KR_OK;
    }
    if (f->diverging_epoch.epoch >= 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: Fetch at offset %lld epoch %d diverges (epoch %d ends at %lld)",
                       s->c.peer, (long long)p->offset, p->epoch, f->diverging_epoch.epoch,
                       (long long)f->diverging_epoch.end_offset);
    if (f->high_watermark < 0) { /* a new leader that has not committed in its epoch yet */
        *outcome = 2;
        return KR_OK;
    }
    if (p->target < 0) p->target = f->high_watermark;
    s->st->log_start_offset = f->log_start_offset;
    size_t used = 0;
    for (size_t i = 0; i < f->records_count; i++) {
        const kr_raft_batch *rb = &f->records[i];
        if (rb->last_offset >= p->target) break; /* not (known to be) committed */
        if (rb->base_offset != p->offset)
            return kr_fail(err, KR_ERR_CORRUPT, "%s: Fetch at offset %lld returned a batch at %lld", s->c.peer,
                           (long long)p->offset, (long long)rb->base_offset);
        kr_batch b;
        if (kr_batch_decode(rb->payload, rb->payload_len, 0, "Fetch response", KR_RULES_KRAFT, &b, err) !=
            KR_SCAN_BATCH)
            return err->code ? (int)err->code : KR_ERR_CORRUPT;
        rc = apply_batch(s, &b, err);
        if (rc != KR_OK) return rc;
        p->offset = rb->last_offset + 1;
        p->epoch = rb->epoch;
        used++;
    }
    if (p->offset >= p->target) *outcome = 1;
    else if (used == 0 && f->records_count == 0 && f->high_watermark <= p->offset)
        *outcome = 1; /* the HW we aimed for moved back: a new leader; what we have is committed */
    else if (used == 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: Fetch at offset %lld returned no committed batch below the high "
                       "watermark %lld", s->c.peer, (long long)p->offset, (long long)p->target);
    return KR_OK;
}

int kr_metadata_fetch_image(const kr_metadata_fetch_options *o_in, kr_image *img, kr_metadata_fetch_stats *st,
                            kr_error *err) {
    kr_metadata_fetch_options o = *o_in;
    if (!o.timeout_ms) o.timeout_ms = 5000;
    if (o.max_bytes <= 0) o.max_bytes = 8 * 1024 * 1024;
    memset(st, 0, sizeof *st);
    st->leader_id = -1;
    st->high_watermark = -1;
    st->committed_last_offset = -1;
    session s = {.o = &o, .st = st};
    kr_image_loader_init(&s.loader, img);
    position p = {0, 0, -1};
    int rc = discover(&s, err);
    int rediscoveries = 0;
    for (int i = 0; rc == KR_OK; i++) {
        if (i >= MAX_FETCHES) {
            rc = kr_fail(err, KR_ERR_INVALID, "%s: more than %d Fetch round trips", st->leader, MAX_FETCHES);
            break;
        }
        int outcome = 0;
        rc = fetch_once(&s, &p, err, &outcome);
        if (rc != KR_OK || outcome == 1) break;
        if (outcome == 2) {
            if (++rediscoveries > MAX_REDISCOVERIES) {
                rc = kr_fail(err, KR_ERR_INVALID, "%s: no stable leader with a known high watermark after %d tries",
                             o.bootstrap, MAX_REDISCOVERIES);
                break;
            }
            sleep_ms(RETRY_SLEEP_MS);
            rc = discover(&s, err);
        }
    }
    if (rc == KR_OK) {
        /* A transaction still open at the HW is not committed state: discard it. */
        kr_image_loader_finish(&s.loader);
        st->high_watermark = p.offset;
        st->committed_last_offset = p.offset - 1;
    }
    kr_image_loader_free(&s.loader);
    disconnect(&s);
    kr_arena_free(&s.keep);
    return rc;
}
