#include "kraft/raft_store.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kraft/leader_epoch_checkpoint.h"
#include "kraft/log_segment.h"
#include "kraft/partition_metadata.h"
#include "kraft/quorum_state.h"
#include "kraft/snapshot.h"

#define MAX_SEGMENTS 100000
#define MAX_SNAPSHOTS 4096

typedef struct store_batch {
    int64_t base, last;
    int32_t epoch;
    int32_t seg; /* index into segments */
    uint64_t pos;
    uint32_t size;
} store_batch;

typedef struct store_segment {
    int64_t base;
    uint64_t size;
    int rfd; /* read-only descriptor, -1 until first read */
} store_segment;

typedef struct store_snapshot {
    kr_snapshot_id id;
    int64_t size;
} store_snapshot;

struct kr_raft_store {
    char dir[4096];
    char qs_path[4096], lec_path[4096];
    kr_raft_store_options o;
    int32_t voters[KR_RAFT_MAX_VOTERS];
    store_segment *segs;
    size_t seg_n, seg_cap;
    kr_segment_writer w; /* the last segment, fd -1 when none is open */
    store_batch *b;
    size_t b_n, b_cap;
    int64_t log_start, end_offset;
    store_snapshot snaps[MAX_SNAPSHOTS];
    size_t snap_n;
    bool has_qs;
    kr_quorum_state qs;
    kr_leader_epochs epochs;
    int part_fd; /* snapshot download */
    kr_snapshot_id part_id;
    char part_path[4096];
    kr_buf scratch;
};

static void logf_(kr_raft_store *s, kr_log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(kr_raft_store *s, kr_log_level lv, const char *fmt, ...) {
    if (!s->o.logger.fn) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->o.logger.fn(s->o.logger.ctx, lv, line);
}

static bool path_in(const kr_raft_store *s, char *out, size_t cap, const char *name) {
    return kr_path_join(out, cap, s->dir, name);
}

/* ---------- small files ---------- */

static int write_epochs(kr_raft_store *s, kr_error *err) {
    return kr_leader_epochs_write(s->lec_path, &s->epochs, err);
}

/* Rebuilds the epoch entries from the batch index (start at the log start). */
static int rebuild_epochs(kr_raft_store *s, kr_error *err) {
    s->epochs.n = 0;
    for (size_t i = 0; i < s->b_n; i++) {
        int rc = kr_leader_epochs_observe(&s->epochs, s->b[i].epoch, s->b[i].base, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

static int write_quorum_state(kr_raft_store *s, const kr_raft_quorum_state *q, kr_error *err) {
    kr_quorum_state *qs = &s->qs;
    memset(qs, 0, sizeof *qs);
    qs->data_version = 0;
    qs->leader_id = q->leader_id;
    qs->leader_epoch = q->leader_epoch;
    qs->voted_id = q->voted_id;
    qs->n_voters = (int32_t)s->o.voter_count;
    for (size_t i = 0; i < s->o.voter_count; i++) qs->voters[i] = s->voters[i];
    s->has_qs = true;
    return kr_quorum_state_write(s->qs_path, qs, err);
}

/* ---------- segments ---------- */

static int seg_push(kr_raft_store *s, int64_t base, uint64_t size, kr_error *err) {
    if (s->seg_n == MAX_SEGMENTS)
        return kr_fail(err, KR_ERR_INVALID, "%s: more than %d segments", s->dir, MAX_SEGMENTS);
    if (s->seg_n == s->seg_cap) {
        size_t cap = s->seg_cap ? s->seg_cap * 2 : 16;
        store_segment *v = realloc(s->segs, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        s->segs = v;
        s->seg_cap = cap;
    }
    s->segs[s->seg_n++] = (store_segment){base, size, -1};
    return KR_OK;
}

static int batch_push(kr_raft_store *s, store_batch b, kr_error *err) {
    if (s->b_n == s->b_cap) {
        size_t cap = s->b_cap ? s->b_cap * 2 : 1024;
        store_batch *v = realloc(s->b, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        s->b = v;
        s->b_cap = cap;
    }
    s->b[s->b_n++] = b;
    return KR_OK;
}

static void seg_path(const kr_raft_store *s, int64_t base, char *out, size_t cap) {
    char name[KR_SEGMENT_NAME_SIZE];
    kr_segment_file_name(base, name);
    kr_path_join(out, cap, s->dir, name);
}

static void close_reader(store_segment *g) {
    if (g->rfd >= 0) close(g->rfd);
    g->rfd = -1;
}

static int close_writer(kr_raft_store *s, kr_error *err) {
    if (s->w.fd < 0) return KR_OK;
    int rc = kr_segment_sync(&s->w, err);
    int rc2 = kr_segment_writer_close(&s->w, err);
    return rc != KR_OK ? rc : rc2;
}

/* Removes segments [from, seg_n) from disk and from the list. */
static int drop_segments_from(kr_raft_store *s, size_t from, kr_error *err) {
    for (size_t i = from; i < s->seg_n; i++) {
        char p[4096];
        seg_path(s, s->segs[i].base, p, sizeof p);
        close_reader(&s->segs[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            return kr_fail(err, KR_ERR_IO, "%s: cannot delete: %s", p, strerror(errno));
    }
    s->seg_n = from < s->seg_n ? from : s->seg_n;
    return kr_fsync_dir(s->dir, err);
}

static int new_segment(kr_raft_store *s, int64_t base, kr_error *err) {
    int rc = close_writer(s, err);
    if (rc == KR_OK) rc = kr_segment_writer_create(&s->w, s->dir, base, err);
    if (rc == KR_OK) rc = seg_push(s, base, 0, err);
    return rc;
}

/* Makes the log empty at `offset`: every segment goes, a fresh one starts there. */
static int reset_log(kr_raft_store *s, int64_t offset, kr_error *err) {
    int rc = close_writer(s, err);
    if (rc == KR_OK) rc = drop_segments_from(s, 0, err);
    if (rc != KR_OK) return rc;
    s->b_n = 0;
    s->log_start = s->end_offset = offset;
    rc = new_segment(s, offset, err);
    if (rc == KR_OK) rc = rebuild_epochs(s, err);
    if (rc == KR_OK) rc = write_epochs(s, err);
    return rc;
}

/* Recovers one segment and indexes its batches. */
static int index_segment(kr_raft_store *s, int64_t base, kr_error *err) {
    char p[4096];
    seg_path(s, base, p, sizeof p);
    kr_segment_recovery rec;
    int rc = kr_segment_recover(p, &rec, err);
    if (rc != KR_OK) return rc;
    if (rec.truncated_bytes)
        logf_(s, KR_LOG_LEVEL_WARN, "%s: truncated a torn tail of %" PRIu64 " bytes at byte %" PRIu64
              " (%s)", p, rec.truncated_bytes, rec.valid_bytes, rec.torn);
    kr_file_view v = {0};
    rc = kr_file_map(p, &v, err);
    if (rc != KR_OK) return rc;
    rc = seg_push(s, base, rec.valid_bytes, err);
    kr_batch_scanner sc;
    kr_batch_scanner_init(&sc, v.data, rec.valid_bytes < v.len ? rec.valid_bytes : v.len, 0, p);
    sc.rules = KR_RULES_HEADER; /* recovery checked the records */
    kr_batch bt;
    enum kr_scan_status st = KR_SCAN_END;
    while (rc == KR_OK && (st = kr_batch_next(&sc, &bt, err)) == KR_SCAN_BATCH) {
        int64_t last = kr_batch_last_offset(&bt.h);
        if (s->b_n && bt.h.base_offset != s->b[s->b_n - 1].last + 1)
            rc = kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte %" PRIu64 " has base offset %" PRId64
                         " but the log continues at %" PRId64, p, bt.file_pos, bt.h.base_offset,
                         s->b[s->b_n - 1].last + 1);
        else
            rc = batch_push(s, (store_batch){bt.h.base_offset, last, bt.h.leader_epoch,
                                             (int32_t)(s->seg_n - 1), bt.file_pos,
                                             (uint32_t)bt.size}, err);
    }
    if (rc == KR_OK && st == KR_SCAN_ERROR) rc = err->code;
    kr_file_view_release(&v);
    return rc;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_snap(const void *a, const void *b) {
    const store_snapshot *x = a, *y = b;
    return x->id.end_offset < y->id.end_offset ? -1 : x->id.end_offset > y->id.end_offset;
}

/* Lists the directory: deletes leftovers, collects segments and snapshots. */
static int scan_dir(kr_raft_store *s, int64_t **bases, size_t *nb, kr_error *err) {
    DIR *d = opendir(s->dir);
    if (!d) return kr_fail(err, KR_ERR_IO, "%s: cannot list: %s", s->dir, strerror(errno));
    size_t cap = 0;
    int rc = KR_OK;
    struct dirent *e;
    while (rc == KR_OK && (e = readdir(d))) {
        int64_t base;
        kr_snapshot_id id;
        char p[4096];
        if (!path_in(s, p, sizeof p, e->d_name)) continue;
        if (kr_segment_parse_name(e->d_name, &base)) {
            if (*nb == cap) {
                cap = cap ? cap * 2 : 16;
                int64_t *v = realloc(*bases, cap * sizeof *v);
                if (!v) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
                else *bases = v;
            }
            if (rc == KR_OK) (*bases)[(*nb)++] = base;
            continue;
        }
        enum kr_snapshot_name_kind k = kr_snapshot_parse_name(e->d_name, &id);
        if (k == KR_SNAPSHOT_NAME_PART || k == KR_SNAPSHOT_NAME_DELETED) {
            logf_(s, KR_LOG_LEVEL_INFO, "%s: deleting a leftover file", p);
            if (unlink(p) != 0)
                rc = kr_fail(err, KR_ERR_IO, "%s: cannot delete: %s", p, strerror(errno));
        } else if (k == KR_SNAPSHOT_NAME_CHECKPOINT && id.end_offset > 0) {
            struct stat st;
            if (s->snap_n == MAX_SNAPSHOTS)
                rc = kr_fail(err, KR_ERR_INVALID, "%s: more than %d snapshots", s->dir, MAX_SNAPSHOTS);
            else if (stat(p, &st) != 0)
                rc = kr_fail(err, KR_ERR_IO, "%s: stat: %s", p, strerror(errno));
            else
                s->snaps[s->snap_n++] = (store_snapshot){id, (int64_t)st.st_size};
        }
    }
    closedir(d);
    if (rc != KR_OK) return rc;
    if (*nb) qsort(*bases, *nb, sizeof **bases, cmp_i64);
    qsort(s->snaps, s->snap_n, sizeof s->snaps[0], cmp_snap);
    return KR_OK;
}

static int delete_snapshot_file(kr_raft_store *s, kr_snapshot_id id, kr_error *err) {
    char name[KR_SNAPSHOT_NAME_SIZE], p[4096];
    kr_snapshot_file_name(id, name);
    path_in(s, p, sizeof p, name);
    if (unlink(p) != 0 && errno != ENOENT)
        return kr_fail(err, KR_ERR_IO, "%s: cannot delete: %s", p, strerror(errno));
    return KR_OK;
}

/* Drops snapshots below `offset` (kept: the one at it and newer). */
static int drop_snapshots_below(kr_raft_store *s, int64_t offset, kr_error *err) {
    size_t k = 0;
    for (size_t i = 0; i < s->snap_n; i++) {
        if (s->snaps[i].id.end_offset < offset) {
            int rc = delete_snapshot_file(s, s->snaps[i].id, err);
            if (rc != KR_OK) return rc;
        } else {
            s->snaps[k++] = s->snaps[i];
        }
    }
    s->snap_n = k;
    return kr_fsync_dir(s->dir, err);
}

static int recover(kr_raft_store *s, kr_error *err) {
    int64_t *bases = NULL;
    size_t nb = 0;
    int rc = scan_dir(s, &bases, &nb, err);
    for (size_t i = 0; rc == KR_OK && i < nb; i++) rc = index_segment(s, bases[i], err);
    free(bases);
    if (rc != KR_OK) return rc;
    int64_t first = s->b_n ? s->b[0].base : (s->seg_n ? s->segs[0].base : 0);
    s->end_offset = s->b_n ? s->b[s->b_n - 1].last + 1 : first;
    s->log_start = s->snap_n ? s->snaps[0].id.end_offset : first;
    if (s->snap_n) {
        const store_snapshot *latest = &s->snaps[s->snap_n - 1];
        int32_t log_epoch = s->b_n ? s->b[s->b_n - 1].epoch : -1;
        /* §9.3: a snapshot newer than the log replaces it. */
        bool empty_at_snapshot = s->b_n == 0 && s->end_offset == latest->id.end_offset; /* migrate's layout */
        if (!empty_at_snapshot &&
            (latest->id.epoch > log_epoch ||
             (latest->id.epoch == log_epoch && latest->id.end_offset > s->end_offset) ||
             s->end_offset < latest->id.end_offset)) {
            logf_(s, KR_LOG_LEVEL_WARN, "%s: snapshot %" PRId64 "-%d is newer than the log (end %"
                  PRId64 ", epoch %d): the log restarts at the snapshot", s->dir, latest->id.end_offset,
                  latest->id.epoch, s->end_offset, log_epoch);
            rc = reset_log(s, latest->id.end_offset, err);
            if (rc == KR_OK) rc = drop_snapshots_below(s, latest->id.end_offset, err);
            return rc;
        }
    } else if (first != 0) {
        return kr_fail(err, KR_ERR_CORRUPT, "%s: the log starts at offset %" PRId64
                       " but there is no snapshot to start from", s->dir, first);
    }
    /* Batches below the log start are served by the snapshot only. */
    size_t skip = 0;
    while (skip < s->b_n && s->b[skip].last < s->log_start) skip++;
    if (skip) {
        memmove(s->b, s->b + skip, (s->b_n - skip) * sizeof *s->b);
        s->b_n -= skip;
    }
    if (s->b_n && s->b[0].base != s->log_start)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: no batch starts at the log start offset %" PRId64,
                       s->dir, s->log_start);
    if (!s->b_n) s->end_offset = s->log_start;
    if (s->seg_n == 0) {
        rc = new_segment(s, s->log_start, err);
    } else {
        store_segment *g = &s->segs[s->seg_n - 1];
        int64_t next = g->base;
        int32_t last_epoch = -1;
        if (s->b_n && s->b[s->b_n - 1].seg == (int32_t)(s->seg_n - 1)) {
            next = s->b[s->b_n - 1].last + 1;
            last_epoch = s->b[s->b_n - 1].epoch;
        }
        if (next != s->end_offset) rc = new_segment(s, s->end_offset, err); /* empty tail segment */
        else rc = kr_segment_writer_resume(&s->w, s->dir, g->base, g->size, next, last_epoch, err);
    }
    if (rc == KR_OK) rc = drop_snapshots_below(s, s->log_start, err);
    if (rc == KR_OK) rc = rebuild_epochs(s, err);
    if (rc == KR_OK) rc = write_epochs(s, err);
    return rc;
}

/* ---------- open / close / load ---------- */

int kr_raft_store_open(kr_raft_store **out, const kr_raft_store_options *o, kr_error *err) {
    *out = NULL;
    if (o->voter_count > KR_RAFT_MAX_VOTERS)
        return kr_fail(err, KR_ERR_INVALID, "%zu voters (at most %d)", o->voter_count, KR_RAFT_MAX_VOTERS);
    kr_raft_store *s = calloc(1, sizeof *s);
    if (!s) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    s->o = *o;
    if (!s->o.segment_bytes) s->o.segment_bytes = KR_DEFAULT_SEGMENT_BYTES;
    for (size_t i = 0; i < o->voter_count; i++) s->voters[i] = o->voters[i];
    s->w.fd = -1;
    s->part_fd = -1;
    int rc = KR_OK;
    if (!kr_path_join(s->dir, sizeof s->dir, o->metadata_log_dir, KR_METADATA_PARTITION_DIR) ||
        !path_in(s, s->qs_path, sizeof s->qs_path, "quorum-state") ||
        !path_in(s, s->lec_path, sizeof s->lec_path, "leader-epoch-checkpoint"))
        rc = kr_fail(err, KR_ERR_INVALID, "%s: path too long", o->metadata_log_dir);
    if (rc == KR_OK && mkdir(s->dir, 0755) != 0 && errno != EEXIST)
        rc = kr_fail(err, KR_ERR_IO, "%s: cannot create: %s", s->dir, strerror(errno));
    char pm[4096];
    struct stat st;
    if (rc == KR_OK && path_in(s, pm, sizeof pm, "partition.metadata") && stat(pm, &st) != 0)
        rc = kr_partition_metadata_write(pm, &KR_METADATA_TOPIC_ID, err);
    if (rc == KR_OK) rc = recover(s, err);
    if (rc == KR_OK && stat(s->qs_path, &st) == 0) {
        rc = kr_quorum_state_read(s->qs_path, &s->qs, err);
        s->has_qs = rc == KR_OK;
    }
    if (rc != KR_OK) {
        kr_raft_store_close(s);
        return rc;
    }
    logf_(s, KR_LOG_LEVEL_INFO, "%s: log [%" PRId64 ", %" PRId64 ") in %zu segment(s), %zu snapshot(s)%s",
          s->dir, s->log_start, s->end_offset, s->seg_n, s->snap_n,
          s->has_qs ? "" : ", no quorum-state");
    *out = s;
    return KR_OK;
}

void kr_raft_store_close(kr_raft_store *s) {
    if (!s) return;
    kr_error e;
    close_writer(s, &e);
    for (size_t i = 0; i < s->seg_n; i++) close_reader(&s->segs[i]);
    if (s->part_fd >= 0) close(s->part_fd);
    free(s->segs);
    free(s->b);
    kr_leader_epochs_free(&s->epochs);
    kr_buf_free(&s->scratch);
    free(s);
}

int kr_raft_store_load(kr_raft_store *s, kr_raft *r, kr_error *err) {
    int rc = KR_OK;
    for (size_t i = 0; rc == KR_OK && i < s->snap_n; i++)
        rc = kr_raft_load_snapshot(r, s->snaps[i].id, s->snaps[i].size, err);
    if (rc == KR_OK) rc = kr_raft_load_log_start(r, s->log_start, err);
    for (size_t i = 0; rc == KR_OK && i < s->b_n; i++)
        rc = kr_raft_load_batch(r, s->b[i].base, s->b[i].last, s->b[i].epoch, err);
    if (rc != KR_OK) return rc;
    if (!s->has_qs) logf_(s, KR_LOG_LEVEL_INFO, "%s: no quorum-state: starting unattached", s->dir);
    kr_raft_quorum_state q = {s->qs.leader_id, s->qs.leader_epoch, s->qs.voted_id};
    return kr_raft_start(r, s->has_qs ? &q : NULL, err);
}

/* ---------- ready steps ---------- */

static size_t batch_at(const kr_raft_store *s, int64_t offset) {
    size_t lo = 0, hi = s->b_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->b[mid].last < offset) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int truncate_to(kr_raft_store *s, int64_t offset, kr_error *err) {
    if (offset >= s->end_offset) return KR_OK;
    if (offset < s->log_start)
        return kr_fail(err, KR_ERR_INVALID, "truncation to %" PRId64 " below the log start %" PRId64,
                       offset, s->log_start);
    size_t i = batch_at(s, offset);
    assert(i < s->b_n);
    if (s->b[i].base != offset)
        return kr_fail(err, KR_ERR_INVALID, "truncation to %" PRId64 " splits the batch [%" PRId64
                       ", %" PRId64 "]", offset, s->b[i].base, s->b[i].last);
    logf_(s, KR_LOG_LEVEL_INFO, "%s: truncating the log to offset %" PRId64 " (from %" PRId64 ")",
          s->dir, offset, s->end_offset);
    int rc = close_writer(s, err);
    size_t g = (size_t)s->b[i].seg;
    if (rc == KR_OK) rc = drop_segments_from(s, g + 1, err);
    if (rc != KR_OK) return rc;
    store_segment *seg = &s->segs[g];
    char p[4096];
    seg_path(s, seg->base, p, sizeof p);
    if (s->b[i].pos == 0) { /* the segment empties: start a fresh one at the offset */
        rc = drop_segments_from(s, g, err);
        s->b_n = i;
        s->end_offset = offset;
        if (rc == KR_OK) rc = new_segment(s, offset, err);
    } else {
        close_reader(seg);
        if (truncate(p, (off_t)s->b[i].pos) != 0)
            return kr_fail(err, KR_ERR_IO, "%s: truncate: %s", p, strerror(errno));
        seg->size = s->b[i].pos;
        s->b_n = i;
        s->end_offset = offset;
        rc = kr_segment_writer_resume(&s->w, s->dir, seg->base, seg->size, offset,
                                      s->b[i - 1].epoch, err);
        if (rc == KR_OK) rc = kr_segment_sync(&s->w, err);
    }
    if (rc == KR_OK) rc = rebuild_epochs(s, err);
    if (rc == KR_OK) rc = write_epochs(s, err);
    return rc;
}

static void put_be64(uint8_t *p, int64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}
static void put_be32(uint8_t *p, int32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (24 - 8 * i));
}

static int append_batches(kr_raft_store *s, const kr_raft_batch *bs, size_t n, bool fsync_log,
                          kr_error *err) {
    int rc = KR_OK;
    bool new_epoch = false;
    for (size_t i = 0; rc == KR_OK && i < n; i++) {
        const kr_raft_batch *b = &bs[i];
        if (b->base_offset != s->end_offset)
            return kr_fail(err, KR_ERR_INVALID, "append at offset %" PRId64 " but the log ends at %" PRId64,
                           b->base_offset, s->end_offset);
        if (b->payload_len < KR_BATCH_HEADER_SIZE)
            return kr_fail(err, KR_ERR_INVALID, "batch at offset %" PRId64 " has %zu bytes",
                           b->base_offset, b->payload_len);
        if (s->w.size_bytes >= s->o.segment_bytes) {
            rc = new_segment(s, b->base_offset, err);
            if (rc != KR_OK) return rc;
        }
        /* baseOffset and partitionLeaderEpoch lie outside the CRC: stamp them. */
        kr_buf_reset(&s->scratch);
        kr_put_raw(&s->scratch, b->payload, b->payload_len);
        if (s->scratch.oom) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        put_be64(s->scratch.data, b->base_offset);
        put_be32(s->scratch.data + 12, b->epoch);
        uint64_t pos = s->w.size_bytes;
        rc = kr_segment_append(&s->w, s->scratch.data, s->scratch.len, err);
        if (rc != KR_OK) return rc;
        if (s->w.next_offset != b->last_offset + 1)
            return kr_fail(err, KR_ERR_INVALID, "batch at offset %" PRId64 " ends at %" PRId64
                           " but the core expected %" PRId64, b->base_offset, s->w.next_offset - 1,
                           b->last_offset);
        s->segs[s->seg_n - 1].size = s->w.size_bytes;
        if (!s->epochs.n || b->epoch > s->epochs.v[s->epochs.n - 1].epoch) new_epoch = true;
        rc = batch_push(s, (store_batch){b->base_offset, b->last_offset, b->epoch,
                                         (int32_t)(s->seg_n - 1), pos, (uint32_t)s->scratch.len},
                        err);
        if (rc == KR_OK) rc = kr_leader_epochs_observe(&s->epochs, b->epoch, b->base_offset, err);
        s->end_offset = b->last_offset + 1;
    }
    if (rc == KR_OK && fsync_log) rc = kr_segment_sync(&s->w, err);
    if (rc == KR_OK && new_epoch) rc = write_epochs(s, err);
    return rc;
}

static int move_log_start(kr_raft_store *s, int64_t start, kr_error *err) {
    if (start <= s->log_start) return KR_OK;
    size_t i = batch_at(s, start);
    if (i) memmove(s->b, s->b + i, (s->b_n - i) * sizeof *s->b);
    s->b_n -= i;
    s->log_start = start;
    if (s->end_offset < start) s->end_offset = start;
    /* A segment goes when the next one starts at or below the new start. */
    size_t drop = 0;
    while (drop + 1 < s->seg_n && s->segs[drop + 1].base <= start) drop++;
    for (size_t k = 0; k < drop; k++) {
        char p[4096];
        seg_path(s, s->segs[k].base, p, sizeof p);
        close_reader(&s->segs[k]);
        if (unlink(p) != 0 && errno != ENOENT)
            return kr_fail(err, KR_ERR_IO, "%s: cannot delete: %s", p, strerror(errno));
    }
    if (drop) {
        memmove(s->segs, s->segs + drop, (s->seg_n - drop) * sizeof *s->segs);
        s->seg_n -= drop;
        for (size_t k = 0; k < s->b_n; k++) s->b[k].seg -= (int32_t)drop;
    }
    int rc = drop_snapshots_below(s, start, err);
    if (rc == KR_OK) rc = rebuild_epochs(s, err);
    if (rc == KR_OK) rc = write_epochs(s, err);
    logf_(s, KR_LOG_LEVEL_INFO, "%s: log start offset -> %" PRId64 " (%zu segment(s) deleted)", s->dir,
          start, drop);
    return rc;
}

static int snapshot_chunk(kr_raft_store *s, const kr_raft_ready *rd, kr_error *err) {
    kr_snapshot_id id = rd->snapshot_chunk_id;
    if (s->part_fd >= 0 && (s->part_id.end_offset != id.end_offset || s->part_id.epoch != id.epoch ||
                            rd->snapshot_chunk_position == 0)) {
        close(s->part_fd);
        unlink(s->part_path);
        s->part_fd = -1;
    }
    if (s->part_fd < 0) {
        char name[KR_SNAPSHOT_NAME_SIZE + 8];
        kr_snapshot_file_name(id, name);
        strcat(name, ".part");
        path_in(s, s->part_path, sizeof s->part_path, name);
        s->part_fd = open(s->part_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s->part_fd < 0)
            return kr_fail(err, KR_ERR_IO, "%s: cannot create: %s", s->part_path, strerror(errno));
        s->part_id = id;
    }
    size_t done = 0;
    while (done < rd->snapshot_chunk_len) {
        ssize_t w = pwrite(s->part_fd, rd->snapshot_chunk + done, rd->snapshot_chunk_len - done,
                           (off_t)(rd->snapshot_chunk_position + (int64_t)done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return kr_fail(err, KR_ERR_IO, "%s: write: %s", s->part_path, strerror(errno));
        done += (size_t)w;
    }
    return KR_OK;
}

static void snapshot_abort(kr_raft_store *s) {
    if (s->part_fd < 0) return;
    close(s->part_fd);
    unlink(s->part_path);
    s->part_fd = -1;
}

static int snapshot_install(kr_raft_store *s, kr_snapshot_id id, kr_error *err) {
    char name[KR_SNAPSHOT_NAME_SIZE], final[4096];
    kr_snapshot_file_name(id, name);
    path_in(s, final, sizeof final, name);
    struct stat st;
    int rc = KR_OK;
    if (s->part_fd >= 0 && s->part_id.end_offset == id.end_offset && s->part_id.epoch == id.epoch) {
        if (fsync(s->part_fd) != 0 || fchmod(s->part_fd, 0400) != 0)
            rc = kr_fail(err, KR_ERR_IO, "%s: fsync: %s", s->part_path, strerror(errno));
        close(s->part_fd);
        s->part_fd = -1;
        if (rc == KR_OK && rename(s->part_path, final) != 0)
            rc = kr_fail(err, KR_ERR_IO, "%s: rename: %s", s->part_path, strerror(errno));
        if (rc == KR_OK) rc = kr_fsync_dir(s->dir, err);
    } else if (stat(final, &st) != 0) {
        rc = kr_fail(err, KR_ERR_NOT_FOUND, "%s: snapshot to install is missing", final);
    }
    if (rc != KR_OK) return rc;
    if (stat(final, &st) != 0) return kr_fail(err, KR_ERR_IO, "%s: stat: %s", final, strerror(errno));
    logf_(s, KR_LOG_LEVEL_INFO, "%s: installed snapshot %s (%lld bytes); the log restarts at %" PRId64,
          s->dir, name, (long long)st.st_size, id.end_offset);
    rc = kr_raft_store_add_snapshot(s, id, (int64_t)st.st_size, err);
    if (rc == KR_OK) rc = reset_log(s, id.end_offset, err);
    if (rc == KR_OK) rc = drop_snapshots_below(s, id.end_offset, err);
    return rc;
}

int kr_raft_store_apply(kr_raft_store *s, const kr_raft_ready *rd, kr_error *err) {
    int rc = KR_OK;
    if (rd->quorum_state_changed) rc = write_quorum_state(s, &rd->quorum_state, err);
    if (rc == KR_OK && rd->snapshot_chunk_present) rc = snapshot_chunk(s, rd, err);
    if (rc == KR_OK && rd->snapshot_abort) snapshot_abort(s);
    if (rc == KR_OK && rd->snapshot_install) rc = snapshot_install(s, rd->snapshot_install_id, err);
    if (rc == KR_OK && rd->truncate_to >= 0) rc = truncate_to(s, rd->truncate_to, err);
    if (rc == KR_OK && rd->append_count)
        rc = append_batches(s, rd->appends, rd->append_count, rd->log_fsync, err);
    if (rc == KR_OK && rd->log_start_offset_changed) rc = move_log_start(s, rd->log_start_offset, err);
    return rc;
}

/* ---------- reads ---------- */

static int pread_all(int fd, uint8_t *dst, size_t len, uint64_t pos, const char *what, kr_error *err) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, dst + done, len - done, (off_t)(pos + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return kr_fail(err, KR_ERR_IO, "%s: read: %s", what, strerror(errno));
        if (n == 0) return kr_fail(err, KR_ERR_IO, "%s: short read at byte %" PRIu64, what, pos + done);
        done += (size_t)n;
    }
    return KR_OK;
}

int kr_raft_store_read_batches(kr_raft_store *s, int64_t from, int64_t to, size_t max_bytes,
                               kr_buf *out, kr_error *err) {
    size_t i = batch_at(s, from);
    if (i >= s->b_n || s->b[i].base != from)
        return kr_fail(err, KR_ERR_NOT_FOUND, "%s: no batch starts at offset %" PRId64, s->dir, from);
    size_t total = 0;
    for (; i < s->b_n && s->b[i].last < to; i++) {
        const store_batch *b = &s->b[i];
        if (total && total + b->size > max_bytes) break;
        store_segment *g = &s->segs[b->seg];
        char p[4096];
        seg_path(s, g->base, p, sizeof p);
        if (g->rfd < 0) g->rfd = open(p, O_RDONLY | O_CLOEXEC);
        if (g->rfd < 0) return kr_fail(err, KR_ERR_IO, "%s: open: %s", p, strerror(errno));
        if (!kr_buf_reserve(out, b->size)) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        int rc = pread_all(g->rfd, out->data + out->len, b->size, b->pos, p, err);
        if (rc != KR_OK) return rc;
        out->len += b->size;
        total += b->size;
    }
    return KR_OK;
}

int kr_raft_store_read_snapshot(kr_raft_store *s, kr_snapshot_id id, int64_t position,
                                size_t max_len, kr_buf *out, int64_t *size_bytes, kr_error *err) {
    char p[4096];
    if (!kr_raft_store_snapshot_path(s, id, p, sizeof p))
        return kr_fail(err, KR_ERR_NOT_FOUND, "%s: no snapshot %" PRId64 "-%d", s->dir,
                       id.end_offset, id.epoch);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return kr_fail(err, KR_ERR_NOT_FOUND, "%s: open: %s", p, strerror(errno));
    struct stat st;
    int rc = KR_OK;
    if (fstat(fd, &st) != 0) rc = kr_fail(err, KR_ERR_IO, "%s: stat: %s", p, strerror(errno));
    if (rc == KR_OK) {
        *size_bytes = (int64_t)st.st_size;
        if (position < 0 || position > *size_bytes)
            rc = kr_fail(err, KR_ERR_INVALID, "%s: position %" PRId64 " beyond %" PRId64 " bytes", p,
                         position, *size_bytes);
    }
    if (rc == KR_OK) {
        size_t n = (size_t)(*size_bytes - position);
        if (n > max_len) n = max_len;
        if (!kr_buf_reserve(out, n)) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
        if (rc == KR_OK) rc = pread_all(fd, out->data + out->len, n, (uint64_t)position, p, err);
        if (rc == KR_OK) out->len += n;
    }
    close(fd);
    return rc;
}

/* ---------- views ---------- */

const char *kr_raft_store_dir(const kr_raft_store *s) { return s->dir; }
int64_t kr_raft_store_log_start(const kr_raft_store *s) { return s->log_start; }
int64_t kr_raft_store_end_offset(const kr_raft_store *s) { return s->end_offset; }
size_t kr_raft_store_segment_count(const kr_raft_store *s) { return s->seg_n; }

bool kr_raft_store_latest_snapshot(const kr_raft_store *s, kr_snapshot_id *id) {
    if (!s->snap_n) return false;
    *id = s->snaps[s->snap_n - 1].id;
    return true;
}

bool kr_raft_store_snapshot_path(const kr_raft_store *s, kr_snapshot_id id, char *out, size_t cap) {
    for (size_t i = 0; i < s->snap_n; i++)
        if (s->snaps[i].id.end_offset == id.end_offset && s->snaps[i].id.epoch == id.epoch) {
            char name[KR_SNAPSHOT_NAME_SIZE];
            kr_snapshot_file_name(id, name);
            return path_in(s, out, cap, name);
        }
    return false;
}

int kr_raft_store_add_snapshot(kr_raft_store *s, kr_snapshot_id id, int64_t size_bytes,
                               kr_error *err) {
    for (size_t i = 0; i < s->snap_n; i++)
        if (s->snaps[i].id.end_offset == id.end_offset && s->snaps[i].id.epoch == id.epoch)
            return KR_OK;
    if (s->snap_n == MAX_SNAPSHOTS)
        return kr_fail(err, KR_ERR_INVALID, "%s: more than %d snapshots", s->dir, MAX_SNAPSHOTS);
    s->snaps[s->snap_n++] = (store_snapshot){id, size_bytes};
    qsort(s->snaps, s->snap_n, sizeof s->snaps[0], cmp_snap);
    return KR_OK;
}
