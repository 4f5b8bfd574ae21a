#include "migrate/dual_write.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include "kraft/image.h"
#include "kraft/log_segment.h"
#include "kraft/metadata_record.h"
#include "kraft/raft_store.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"
#include "migrate/zk_ops.h"
#include "migrate/zk_plan.h"
#include "migrate/zk_writer.h"
#include "zkread/reader.h"

#define MIGRATION_STATE_MIGRATION 1 /* ZkMigrationState (migration.md §1.1) */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define WAIT_LOG_INTERVAL_MS 10000
#define WAIT_LOG_FIRST_MS 2000
#define IDLE_WAKE_MS 1000
/* Batches ZooKeeper does not mirror (no-ops every metadata.max.idle.interval.ms)
 * still move /migration's offset, at most this often, so `verify` reports lag 0
 * on an idle quorum without a ZooKeeper write per no-op. */
#define OFFSET_ONLY_UPDATE_MS 1000
#define MAX_EVENTS_PER_ROUND 4096
#define DELTA_FAILURES_BEFORE_SYNC 3
#define MAX_TXN_VALUES 10000000
#define RESYNC_MAX_SEGMENT_BYTES (1024ll * 1024 * 1024)
#define RESYNC_MAX_SEGMENTS 100000

enum dw_state { DW_UNINITIALIZED, DW_INACTIVE, DW_BECOME_CONTROLLER, DW_SYNC, DW_DUAL_WRITE };

const char *mg_dual_write_state_name(int state) {
    static const char *const names[] = {"UNINITIALIZED", "INACTIVE", "BECOME_CONTROLLER", "SYNC", "DUAL_WRITE"};
    return state >= 0 && state <= DW_DUAL_WRITE ? names[state] : "?";
}

enum ev_kind { EV_BATCH, EV_SNAPSHOT };

typedef struct dw_event {
    enum ev_kind kind;
    uint8_t *data; /* EV_BATCH: a copy of the batch */
    size_t len;
    int64_t base_offset, last_offset;
    int32_t epoch;
    int fd;        /* EV_SNAPSHOT: the file, opened on the loop thread (it may be deleted later) */
    kr_snapshot_id id;
} dw_event;

typedef struct txn_value {
    uint8_t *p;
    size_t n;
    int64_t offset;
} txn_value;

struct mg_dual_write {
    mg_dual_write_options o;
    char *zk_connect, *zk_auth, *secret, *log_dir;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* shared with the loop thread, under mu */
    dw_event *q;
    size_t q_cap, q_head, q_n, q_bytes;
    int64_t dropped_batches;
    int32_t lead_epoch_shared, leader_shared;
    bool is_self_shared;
    uint64_t lead_gen;
    bool stop;
    /* the driver thread's own */
    enum dw_state state;
    uint64_t seen_gen;
    int32_t lead_epoch;
    bool is_leader;
    kr_image img;
    bool img_valid; /* false after a gap until a resync or a snapshot load: nothing is written */
    bool resync_wanted; /* after a gap: rebuild from the log at the next batch */
    bool reconcile_wanted; /* a record could not be touched: the next step reconciles */
    int64_t applied_end;
    int32_t applied_epoch;
    kr_arena arena;
    bool in_txn;
    txn_value *txn;
    size_t txn_n, txn_cap;
    mg_zk_touched *touched;
    mg_zk_writer *zk;
    mg_zk_ops ops;
    uint32_t backoff_ms;
    int64_t next_attempt_ms, last_wait_log_ms, wait_since_ms, last_reconcile_ms;
    int64_t written_offset;   /* the offset this driver last recorded in /migration */
    int64_t last_write_ms;    /* mono time of that write */
    int delta_failures;
    bool state_error_logged;
};

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define LOG(d, level, ...) kr_logger_printf(&(d)->o.log, level, __VA_ARGS__)

/* ---------- the hooks (loop thread) ---------- */

static void free_event(dw_event *e) {
    free(e->data);
    if (e->kind == EV_SNAPSHOT && e->fd >= 0) close(e->fd);
}

/* Under mu. The queue is full: its batches are dropped (the driver's image now has a gap). */
static void drop_queue(mg_dual_write *d) {
    for (size_t i = 0; i < d->q_n; i++) {
        dw_event *e = &d->q[(d->q_head + i) % d->q_cap];
        if (e->kind == EV_BATCH) d->dropped_batches++;
        free_event(e);
    }
    d->q_head = d->q_n = d->q_bytes = 0;
}

static void push(mg_dual_write *d, dw_event *e) {
    pthread_mutex_lock(&d->mu);
    if (d->q_n == d->q_cap || d->q_bytes + e->len > d->o.queue_max_bytes) drop_queue(d);
    if (e->kind == EV_BATCH && e->len > d->o.queue_max_bytes) { /* cannot fit at all */
        d->dropped_batches++;
        free_event(e);
    } else {
        d->q[(d->q_head + d->q_n) % d->q_cap] = *e;
        d->q_n++;
        d->q_bytes += e->len;
    }
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void on_batch_applied(void *ctx, const uint8_t *batch, size_t len, int64_t base_offset, int64_t last_offset,
                             int32_t epoch) {
    mg_dual_write *d = ctx;
    dw_event e = {.kind = EV_BATCH, .len = len, .base_offset = base_offset, .last_offset = last_offset,
                  .epoch = epoch, .fd = -1};
    e.data = malloc(len ? len : 1);
    if (!e.data) { /* a gap, exactly like an overflow */
        pthread_mutex_lock(&d->mu);
        drop_queue(d);
        d->dropped_batches++;
        pthread_mutex_unlock(&d->mu);
        return;
    }
    memcpy(e.data, batch, len);
    push(d, &e);
}

static void on_snapshot_loaded(void *ctx, const char *path, kr_snapshot_id id) {
    mg_dual_write *d = ctx;
    dw_event e = {.kind = EV_SNAPSHOT, .id = id};
    e.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (e.fd < 0) LOG(d, KR_LOG_LEVEL_ERROR, "migration: cannot open snapshot %s: %s", path, strerror(errno));
    push(d, &e);
}

static void on_leadership(void *ctx, int32_t epoch, int32_t leader_id, bool is_self) {
    mg_dual_write *d = ctx;
    pthread_mutex_lock(&d->mu);
    d->lead_epoch_shared = epoch;
    d->leader_shared = leader_id;
    d->is_self_shared = is_self;
    d->lead_gen++;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

kr_controller_observer mg_dual_write_observer(mg_dual_write *d) {
    return (kr_controller_observer){on_leadership, on_snapshot_loaded, on_batch_applied, d};
}

/* ---------- the image (driver thread) ---------- */

static void txn_clear(mg_dual_write *d) {
    for (size_t i = 0; i < d->txn_n; i++) free(d->txn[i].p);
    d->txn_n = 0;
    d->in_txn = false;
}

static bool touching(const mg_dual_write *d) { return d->state == DW_DUAL_WRITE; }

/* One decoded data record: touched (while dual-writing) against the image before it, then applied.
 * A record the planner cannot touch is still applied; a full reconciliation covers it. */
static int touch_apply(mg_dual_write *d, const kr_metadata_record *rec, int64_t offset, kr_error *err) {
    if (touching(d)) {
        kr_error terr = {0};
        if (mg_zk_touch(d->touched, &d->img, rec, &terr) != KR_OK) {
            LOG(d, KR_LOG_LEVEL_WARN, "migration: record at offset %" PRId64 ": %s; a full reconciliation follows", offset,
                terr.message);
            d->reconcile_wanted = true;
        }
    }
    int rc = kr_image_apply(&d->img, rec, err);
    if (rc != KR_OK) kr_error_wrap(err, "record at offset %" PRId64, offset);
    return rc;
}

static int apply_value(mg_dual_write *d, const uint8_t *value, size_t len, int64_t offset, kr_error *err) {
    kr_metadata_record rec;
    kr_arena_reset(&d->arena);
    int rc = kr_metadata_record_decode(value, len, &rec, &d->arena, err);
    if (rc != KR_OK) return kr_error_wrap(err, "record at offset %" PRId64, offset);
    switch (rec.api_key) {
    case KR_REC_BEGIN_TRANSACTION_RECORD:
        txn_clear(d); /* a new Begin aborts an open transaction, as the loader does */
        d->in_txn = true;
        return KR_OK;
    case KR_REC_ABORT_TRANSACTION_RECORD: txn_clear(d); return KR_OK;
    case KR_REC_END_TRANSACTION_RECORD: {
        size_t n = d->txn_n;
        d->txn_n = 0;
        d->in_txn = false;
        for (size_t i = 0; rc == KR_OK && i < n; i++) {
            kr_arena_reset(&d->arena);
            rc = kr_metadata_record_decode(d->txn[i].p, d->txn[i].n, &rec, &d->arena, err);
            if (rc == KR_OK) rc = touch_apply(d, &rec, d->txn[i].offset, err);
        }
        for (size_t i = 0; i < n; i++) free(d->txn[i].p);
        return rc;
    }
    default:
        break;
    }
    if (!d->in_txn) return touch_apply(d, &rec, offset, err);
    if (d->txn_n == MAX_TXN_VALUES) return kr_fail(err, KR_ERR_INVALID, "a metadata transaction holds more than %d records", MAX_TXN_VALUES);
    if (d->txn_n == d->txn_cap) {
        size_t cap = d->txn_cap ? d->txn_cap * 2 : 256;
        txn_value *v = realloc(d->txn, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        d->txn = v;
        d->txn_cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    memcpy(copy, value, len);
    d->txn[d->txn_n++] = (txn_value){copy, len, offset};
    return KR_OK;
}

static int apply_batch(mg_dual_write *d, const dw_event *e, kr_error *err) {
    kr_batch b;
    if (kr_batch_decode(e->data, e->len, 0, "committed batch", KR_RULES_KRAFT, &b, err) != KR_SCAN_BATCH)
        return err->code ? err->code : KR_ERR_CORRUPT;
    if (!kr_batch_is_control(&b.h)) {
        kr_record_iter it;
        kr_record_iter_init(&it, &b);
        kr_record r;
        int got, rc = KR_OK;
        while (rc == KR_OK && (got = kr_record_next(&it, &r, err)) == 1)
            rc = apply_value(d, r.value.ptr, (size_t)r.value.len, r.offset, err);
        if (rc != KR_OK) return rc;
        if (got < 0) return err->code ? err->code : KR_ERR_CORRUPT;
    }
    d->applied_end = e->last_offset + 1;
    d->applied_epoch = e->epoch;
    return KR_OK;
}

static int load_snapshot(mg_dual_write *d, const dw_event *e, kr_error *err) {
    if (e->fd < 0) return kr_fail(err, KR_ERR_IO, "snapshot %" PRId64 "-%d could not be opened", e->id.end_offset, e->id.epoch);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", e->fd);
    kr_image_free(&d->img);
    kr_image_init(&d->img);
    txn_clear(d);
    kr_snapshot_reader r;
    int rc = kr_snapshot_reader_open(&r, path, err);
    kr_batch b;
    enum kr_scan_status st = KR_SCAN_BATCH;
    while (rc == KR_OK && (st = kr_snapshot_reader_next(&r, &b, err)) == KR_SCAN_BATCH) {
        if (kr_batch_is_control(&b.h)) continue;
        kr_record_iter it;
        kr_record_iter_init(&it, &b);
        kr_record rec;
        int got;
        while (rc == KR_OK && (got = kr_record_next(&it, &rec, err)) == 1) {
            kr_metadata_record m;
            kr_arena_reset(&d->arena);
            rc = kr_metadata_record_decode(rec.value.ptr, (size_t)rec.value.len, &m, &d->arena, err);
            if (rc == KR_OK) rc = kr_image_apply(&d->img, &m, err);
        }
        if (rc == KR_OK && got < 0) rc = err->code ? err->code : KR_ERR_CORRUPT;
    }
    if (rc == KR_OK && st != KR_SCAN_END) rc = err->code ? err->code : KR_ERR_CORRUPT;
    kr_snapshot_reader_close(&r); /* safe after a failed open: the reader was zeroed */
    if (rc != KR_OK) return kr_error_wrap(err, "snapshot %" PRId64 "-%d", e->id.end_offset, e->id.epoch);
    d->applied_end = e->id.end_offset;
    d->applied_epoch = e->id.epoch;
    return KR_OK;
}

/* ---------- resync after a gap ---------- */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The whole file through read(): the log's tail may be truncated while we read,
 * which would fault a mapping. */
static int read_file(const char *path, uint8_t **out, size_t *len, kr_error *err) {
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return kr_fail(err, KR_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? KR_OK : kr_fail(err, KR_ERR_IO, "%s: %s", path, strerror(errno));
    if (rc == KR_OK && st.st_size > RESYNC_MAX_SEGMENT_BYTES)
        rc = kr_fail(err, KR_ERR_INVALID, "%s: %lld bytes, more than a resync reads", path, (long long)st.st_size);
    uint8_t *buf = rc == KR_OK ? malloc((size_t)st.st_size + 1) : NULL;
    if (rc == KR_OK && !buf) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
    size_t n = 0;
    while (rc == KR_OK && n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = kr_fail(err, KR_ERR_IO, "%s: %s", path, strerror(errno));
        if (r <= 0) break; /* truncated meanwhile: what was read is what there is */
        n += (size_t)r;
    }
    close(fd);
    if (rc != KR_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return KR_OK;
}

/* The committed batches of one segment in [applied_end, upto). */
static int resync_segment(mg_dual_write *d, const char *path, int64_t upto, kr_error *err) {
    uint8_t *buf;
    size_t len;
    int rc = read_file(path, &buf, &len, err);
    for (size_t pos = 0; rc == KR_OK && pos + KR_BATCH_LOG_OVERHEAD <= len && d->applied_end < upto;) {
        kr_batch b;
        if (kr_batch_decode(buf + pos, len - pos, pos, path, KR_RULES_HEADER, &b, err) != KR_SCAN_BATCH) break;
        int64_t last = kr_batch_last_offset(&b.h);
        if (b.h.base_offset >= d->applied_end) {
            if (b.h.base_offset != d->applied_end)
                rc = kr_fail(err, KR_ERR_CORRUPT, "%s: batch at offset %" PRId64 ", expected %" PRId64, path,
                             b.h.base_offset, d->applied_end);
            dw_event e = {.kind = EV_BATCH, .data = buf + pos, .len = b.size, .base_offset = b.h.base_offset,
                          .last_offset = last, .epoch = b.h.leader_epoch, .fd = -1};
            if (rc == KR_OK) rc = apply_batch(d, &e, err);
        }
        pos += b.size;
    }
    free(buf);
    return rc;
}

/* Rebuilds the image from the controller's own files up to `upto` (exclusive,
 * committed: the first batch the hooks delivered after the gap). */
static int resync(mg_dual_write *d, int64_t upto, kr_error *err) {
    char pdir[4200], path[4400];
    if (!d->o.metadata_log_dir) return kr_fail(err, KR_ERR_INVALID, "no metadata.log.dir to resync from");
    snprintf(pdir, sizeof pdir, "%s/" KR_METADATA_PARTITION_DIR, d->o.metadata_log_dir);
    DIR *dir = opendir(pdir);
    if (!dir) return kr_fail(err, KR_ERR_IO, "%s: %s", pdir, strerror(errno));
    int64_t *bases = calloc(RESYNC_MAX_SEGMENTS, sizeof *bases);
    size_t nb = 0;
    kr_snapshot_id best = {-1, 0};
    struct dirent *de;
    while ((de = readdir(dir))) {
        kr_snapshot_id id;
        int64_t base;
        if (kr_snapshot_parse_name(de->d_name, &id) == KR_SNAPSHOT_NAME_CHECKPOINT && id.end_offset <= upto &&
            id.end_offset > best.end_offset)
            best = id;
        else if (bases && kr_segment_parse_name(de->d_name, &base) && nb < RESYNC_MAX_SEGMENTS)
            bases[nb++] = base;
    }
    closedir(dir);
    if (!bases) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    qsort(bases, nb, sizeof *bases, cmp_i64);
    int rc = KR_OK;
    if (best.end_offset >= 0) {
        char name[KR_SNAPSHOT_NAME_SIZE];
        kr_snapshot_file_name(best, name);
        snprintf(path, sizeof path, "%s/%s", pdir, name);
        dw_event e = {.kind = EV_SNAPSHOT, .id = best, .fd = open(path, O_RDONLY | O_CLOEXEC)};
        rc = load_snapshot(d, &e, err);
        if (e.fd >= 0) close(e.fd);
    } else {
        kr_image_free(&d->img);
        kr_image_init(&d->img);
        txn_clear(d);
        d->applied_end = 0;
        d->applied_epoch = 0;
    }
    for (size_t i = 0; rc == KR_OK && i < nb && d->applied_end < upto; i++) {
        if (i + 1 < nb && bases[i + 1] <= d->applied_end) continue; /* wholly below */
        char name[KR_SEGMENT_NAME_SIZE];
        kr_segment_file_name(bases[i], name);
        snprintf(path, sizeof path, "%s/%s", pdir, name);
        rc = resync_segment(d, path, upto, err);
    }
    free(bases);
    if (rc == KR_OK && d->applied_end != upto)
        rc = kr_fail(err, KR_ERR_NOT_FOUND, "%s holds the log only up to offset %" PRId64 ", not %" PRId64, pdir,
                     d->applied_end, upto);
    return rc;
}

/* ---------- states ---------- */

static void set_state(mg_dual_write *d, enum dw_state s, const char *why) {
    if (d->state == s) return;
    LOG(d, s == DW_INACTIVE && d->state > DW_INACTIVE ? KR_LOG_LEVEL_INFO : KR_LOG_LEVEL_DEBUG, "migration: %s -> %s (%s)",
        mg_dual_write_state_name(d->state), mg_dual_write_state_name(s), why);
    d->state = s;
    d->backoff_ms = 0;
    d->next_attempt_ms = 0;
    d->delta_failures = 0;
    if (s != DW_DUAL_WRITE) mg_zk_touched_clear(d->touched); /* the next SYNC covers them */
}

static void schedule_retry(mg_dual_write *d) {
    d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (d->backoff_ms > BACKOFF_MAX_MS) d->backoff_ms = BACKOFF_MAX_MS;
    d->next_attempt_ms = mono_ms() + d->backoff_ms;
}

static void fenced(mg_dual_write *d, const kr_error *err) {
    /* zk_writer logged "migration: fenced: ..." for writes; the claim's refusal is logged here */
    if (!strstr(err->message, "moved past version"))
        LOG(d, KR_LOG_LEVEL_WARN, "migration: fenced: %s", err->message);
    set_state(d, DW_INACTIVE, "fenced by ZooKeeper");
}

/* The image's highest offset, comparable with /migration's kraft_metadata_offset. */
static int64_t image_offset(const mg_dual_write *d) { return d->applied_end - 1; }

static void do_uninitialized(mg_dual_write *d) {
    mg_zk_writer_options wo = {.connect = d->zk_connect,
                               .session_timeout_ms = d->o.zk_session_timeout_ms,
                               .auth = d->zk_auth,
                               .set_acl = d->o.zk_set_acl,
                               .node_id = d->o.node_id,
                               .write_delay_ms = d->o.write_delay_ms,
                               .log = d->o.log};
    kr_error err;
    if (mg_zk_writer_open(&wo, &d->zk, &err) != KR_OK) {
        LOG(d, KR_LOG_LEVEL_WARN, "migration: ZooKeeper at %s: %s; retrying", d->zk_connect, err.message);
        schedule_retry(d);
        return;
    }
    const mg_zk_migration *m = mg_zk_writer_migration(d->zk);
    LOG(d, KR_LOG_LEVEL_INFO, "migration: connected to ZooKeeper; /migration: controller %d epoch %d offset %" PRId64 " (version %d)",
        m->controller_id, m->controller_epoch, m->metadata_offset, m->zk_version);
    set_state(d, DW_INACTIVE, "connected");
    d->seen_gen = 0; /* look at the leadership again */
    d->is_leader = false;
}

static void do_become_controller(mg_dual_write *d) {
    if (!d->img_valid) return; /* logged when the gap happened */
    if (d->img.zk_migration_state != MIGRATION_STATE_MIGRATION) {
        if (!d->state_error_logged)
            LOG(d, KR_LOG_LEVEL_ERROR,
                "migration: the metadata's ZkMigrationState is %d, not MIGRATION (1): zookeeper.metadata.migration.enable "
                "needs a quorum made by `zk2kraft migrate --dual-write`; not writing to ZooKeeper",
                (int)d->img.zk_migration_state);
        d->state_error_logged = true;
        set_state(d, DW_INACTIVE, "wrong ZkMigrationState");
        return;
    }
    kr_error err;
    int32_t zk_epoch = -1;
    int rc = mg_zk_writer_claim(d->zk, d->lead_epoch, &zk_epoch, &err);
    if (rc == MG_ZK_FENCED) {
        fenced(d, &err);
        return;
    }
    if (rc != KR_OK) {
        LOG(d, KR_LOG_LEVEL_WARN, "migration: claim failed: %s; retrying", err.message);
        schedule_retry(d);
        return;
    }
    set_state(d, DW_SYNC, "claimed");
}

static void plan_options(const mg_dual_write *d, mg_zk_plan_options *po) {
    *po = (mg_zk_plan_options){.kraft_controller_epoch = d->lead_epoch,
                               .password_encoder_secret = d->secret,
                               .now_ms = wall_ms()};
}

/* Writing is allowed only once the image has caught up with /migration. A new
 * leader's image lags for a moment; a wait that lasts is logged (first after
 * WAIT_LOG_FIRST_MS, then every WAIT_LOG_INTERVAL_MS), never silent. */
static bool caught_up(mg_dual_write *d) {
    const mg_zk_migration *m = mg_zk_writer_migration(d->zk);
    int64_t now = mono_ms();
    if (d->img_valid && image_offset(d) >= m->metadata_offset) {
        d->wait_since_ms = 0;
        return true;
    }
    if (!d->wait_since_ms) {
        d->wait_since_ms = now;
        d->last_wait_log_ms = now - WAIT_LOG_INTERVAL_MS + WAIT_LOG_FIRST_MS;
    }
    if (now - d->last_wait_log_ms >= WAIT_LOG_INTERVAL_MS) {
        d->last_wait_log_ms = now;
        LOG(d, KR_LOG_LEVEL_WARN,
            "migration: waiting: the image is at offset %" PRId64 " but /migration says ZooKeeper reflects offset %" PRId64
            " (epoch %d) for %" PRId64 " s%s",
            image_offset(d), m->metadata_offset, m->metadata_epoch, (now - d->wait_since_ms) / 1000,
            d->img_valid ? "; if this lasts, /migration is stale (another cluster's) and must be deleted"
                         : "; the image has a gap");
    }
    return false;
}

static void stats_text(const mg_zk_plan_stats *s, const mg_zk_exec_stats *x, char *buf, size_t cap) {
    snprintf(buf, cap,
             "topics +%" PRId64 " -%" PRId64 " ~%" PRId64 ", partitions %" PRId64 " written %" PRId64 " deleted, configs %" PRId64
             " written %" PRId64 " deleted, quota entities %" PRId64 ", scram users %" PRId64 ", acl resources %" PRId64
             " written %" PRId64 " deleted, tokens %" PRId64 " written %" PRId64 " deleted, producer ids %" PRId64
             "; %" PRId64 " multis, %" PRId64 " ops redone one by one, %" PRId64 " bytes",
             s->topics_created, s->topics_deleted, s->topics_updated, s->partitions_written, s->partitions_deleted,
             s->configs_written, s->configs_deleted, s->quota_entities_written, s->scram_users_written,
             s->acl_resources_written, s->acl_resources_deleted, s->tokens_written, s->tokens_deleted,
             s->producer_ids_written, x->multis, x->fallback_ops, x->bytes);
}

/* Sends the planned ops (fenced: between planning and sending nobody asks
 * whether we still lead, ZooKeeper's versions decide) and clears them. */
static int execute_plan(mg_dual_write *d, mg_zk_exec_stats *xs, size_t *n_ops, kr_error *err) {
    int rc = mg_zk_writer_execute(d->zk, &d->ops, image_offset(d), d->applied_epoch, xs, err);
    *n_ops = d->ops.n;
    mg_zk_ops_clear(&d->ops);
    if (rc == MG_ZK_FENCED) fenced(d, err);
    return rc;
}

static void wrote_offset(mg_dual_write *d) {
    d->written_offset = image_offset(d);
    d->last_write_ms = mono_ms();
}

static void do_sync(mg_dual_write *d) {
    if (!caught_up(d)) return;
    int64_t t0 = mono_ms();
    zr_connect_opts co = {.connect = d->zk_connect, .session_timeout_ms = d->o.zk_session_timeout_ms, .auth = d->zk_auth};
    zr_model model;
    zr_model_init(&model);
    zr_findings f = {0};
    f.lenient = true;
    zr_read_stats rs = {0};
    zr_error zerr = {0};
    kr_error err = {0};
    int rc = zr_read_model(&co, &model, &f, NULL, NULL, &rs, &zerr) == 0
                 ? KR_OK
                 : kr_fail(&err, KR_ERR_IO, "reading the ZooKeeper tree: %s", zerr.message);
    int64_t t_read = mono_ms();
    uint64_t znodes = rs.znodes;
    mg_zk_plan_stats ps = {0};
    mg_zk_exec_stats xs = {0};
    mg_zk_plan_options po;
    plan_options(d, &po);
    mg_zk_ops_clear(&d->ops);
    if (rc == KR_OK) rc = mg_zk_plan_reconcile(&d->img, &model, &po, &d->ops, &ps, &err);
    zr_model_free(&model);
    zr_findings_free(&f);
    zr_read_stats_free(&rs);
    size_t n_ops = d->ops.n;
    if (rc == KR_OK) rc = execute_plan(d, &xs, &n_ops, &err);
    else mg_zk_ops_clear(&d->ops);
    if (rc == MG_ZK_FENCED) return;
    if (rc != KR_OK) {
        LOG(d, KR_LOG_LEVEL_WARN, "migration: reconciliation failed: %s; retrying", err.message);
        schedule_retry(d);
        return;
    }
    char st[512];
    stats_text(&ps, &xs, st, sizeof st);
    int64_t t1 = mono_ms();
    LOG(d, KR_LOG_LEVEL_INFO, "migration: reconciled %zu ops in %" PRId64 " ms (read %" PRIu64 " znodes in %" PRId64 " ms; %s); offset %" PRId64
        " epoch %d",
        n_ops, t1 - t0, znodes, t_read - t0, st, image_offset(d), d->applied_epoch);
    d->last_reconcile_ms = t1;
    wrote_offset(d);
    set_state(d, DW_DUAL_WRITE, "reconciled");
}

static void do_delta(mg_dual_write *d) {
    if (mg_zk_touched_empty(d->touched) &&
        (image_offset(d) <= d->written_offset || mono_ms() - d->last_write_ms < OFFSET_ONLY_UPDATE_MS))
        return;
    if (!caught_up(d)) return;
    mg_zk_plan_stats ps = {0};
    mg_zk_exec_stats xs = {0};
    mg_zk_plan_options po;
    plan_options(d, &po);
    kr_error err = {0};
    mg_zk_ops_clear(&d->ops);
    int rc = mg_zk_plan_delta(&d->img, d->touched, &po, &d->ops, &ps, &err);
    if (rc == KR_OK && ps.sensitive_configs_skipped > 0) {
        /* Without password.encoder.secret a delta cannot encrypt a password config and would
         * drop ZooKeeper's ciphertext; the reconciliation reads the znode and keeps it. */
        mg_zk_ops_clear(&d->ops);
        LOG(d, KR_LOG_LEVEL_WARN, "migration: a broker config with password values changed and "
            "password.encoder.secret is not set: reconciling instead, ZooKeeper keeps its encrypted values");
        set_state(d, DW_SYNC, "password configs without a secret");
        return;
    }
    size_t n_ops = d->ops.n;
    if (rc == KR_OK) rc = execute_plan(d, &xs, &n_ops, &err);
    else mg_zk_ops_clear(&d->ops);
    if (rc == MG_ZK_FENCED) return;
    if (rc != KR_OK) {
        LOG(d, KR_LOG_LEVEL_WARN, "migration: writing a delta failed: %s", err.message);
        if (++d->delta_failures >= DELTA_FAILURES_BEFORE_SYNC) set_state(d, DW_SYNC, "repeated delta failures");
        else schedule_retry(d);
        return;
    }
    d->delta_failures = 0;
    d->backoff_ms = 0;
    mg_zk_touched_clear(d->touched);
    wrote_offset(d);
    LOG(d, KR_LOG_LEVEL_DEBUG, "migration: wrote offset %" PRId64 " epoch %d (%zu ops, %" PRId64 " multis)", image_offset(d),
        d->applied_epoch, n_ops, xs.multis);
}

static void step(mg_dual_write *d) {
    if (d->next_attempt_ms && mono_ms() < d->next_attempt_ms) return;
    d->next_attempt_ms = 0;
    switch (d->state) {
    case DW_UNINITIALIZED: do_uninitialized(d); break;
    case DW_INACTIVE: break;
    case DW_BECOME_CONTROLLER: do_become_controller(d); break;
    case DW_SYNC: do_sync(d); break;
    case DW_DUAL_WRITE:
        if (d->o.reconcile_interval_ms && mono_ms() - d->last_reconcile_ms >= d->o.reconcile_interval_ms) {
            set_state(d, DW_SYNC, "periodic reconciliation");
            do_sync(d);
        } else {
            do_delta(d);
        }
        break;
    }
}

/* ---------- the thread ---------- */

static void handle_event(mg_dual_write *d, dw_event *e) {
    kr_error err = {0};
    if (e->kind == EV_SNAPSHOT) {
        int rc = load_snapshot(d, e, &err);
        d->img_valid = rc == KR_OK;
        if (rc != KR_OK) LOG(d, KR_LOG_LEVEL_ERROR, "migration: %s; not writing to ZooKeeper until the next snapshot", err.message);
        else LOG(d, KR_LOG_LEVEL_DEBUG, "migration: image loaded from snapshot %" PRId64 "-%d", e->id.end_offset, e->id.epoch);
        /* a new image: ZooKeeper is reconciled against it as a whole */
        if (d->state == DW_DUAL_WRITE) set_state(d, DW_SYNC, "snapshot loaded");
        return;
    }
    if (!d->img_valid) {
        if (!d->resync_wanted) return;
        int64_t t0 = mono_ms();
        if (resync(d, e->base_offset, &err) != KR_OK) {
            LOG(d, KR_LOG_LEVEL_ERROR, "migration: resync failed: %s; not writing to ZooKeeper until the next snapshot load",
                err.message);
            d->resync_wanted = false;
            return;
        }
        LOG(d, KR_LOG_LEVEL_INFO, "migration: image rebuilt from the metadata log up to offset %" PRId64 " in %" PRId64 " ms",
            e->base_offset, mono_ms() - t0);
        d->img_valid = true;
        d->resync_wanted = false;
    }
    if (e->base_offset != d->applied_end) {
        LOG(d, KR_LOG_LEVEL_ERROR, "migration: committed batch at offset %" PRId64 ", expected %" PRId64
            "; rebuilding the image from the metadata log", e->base_offset, d->applied_end);
        d->img_valid = false;
        d->resync_wanted = true;
        if (d->state == DW_DUAL_WRITE) set_state(d, DW_SYNC, "gap in the committed batches");
        handle_event(d, e); /* rebuilds up to e, then applies it */
        return;
    }
    if (apply_batch(d, e, &err) != KR_OK) {
        LOG(d, KR_LOG_LEVEL_ERROR, "migration: %s; not writing to ZooKeeper until the next snapshot", err.message);
        d->img_valid = false;
    }
}

static void handle_leadership(mg_dual_write *d, int32_t epoch, int32_t leader, bool is_self) {
    if (is_self && (!d->is_leader || epoch != d->lead_epoch)) {
        d->is_leader = true;
        d->lead_epoch = epoch;
        d->state_error_logged = false;
        if (d->state != DW_UNINITIALIZED) {
            set_state(d, DW_INACTIVE, "new epoch");
            set_state(d, DW_BECOME_CONTROLLER, "leader");
        }
    } else if (!is_self && d->is_leader) {
        d->is_leader = false;
        if (d->state != DW_UNINITIALIZED)
            set_state(d, DW_INACTIVE, leader >= 0 ? "another controller leads" : "leadership lost");
    }
    (void)leader;
}

static void *run(void *arg) {
    mg_dual_write *d = arg;
    dw_event *batch = calloc(MAX_EVENTS_PER_ROUND, sizeof *batch);
    if (!batch) {
        LOG(d, KR_LOG_LEVEL_ERROR, "migration: out of memory; the dual-write driver stops");
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int64_t wait_ms = IDLE_WAKE_MS;
        if (d->next_attempt_ms) {
            int64_t left = d->next_attempt_ms - mono_ms();
            wait_ms = left < 0 ? 0 : left < wait_ms ? left : wait_ms;
        }
        if (!d->stop && d->q_n == 0 && d->lead_gen == d->seen_gen && wait_ms > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += wait_ms / 1000;
            ts.tv_nsec += (wait_ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        }
        if (d->stop) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        size_t n = 0;
        while (d->q_n && n < MAX_EVENTS_PER_ROUND) {
            batch[n++] = d->q[d->q_head];
            d->q_bytes -= d->q[d->q_head].len;
            d->q_head = (d->q_head + 1) % d->q_cap;
            d->q_n--;
        }
        int64_t dropped = d->dropped_batches;
        d->dropped_batches = 0;
        bool lead_changed = d->lead_gen != d->seen_gen;
        int32_t epoch = d->lead_epoch_shared, leader = d->leader_shared;
        bool is_self = d->is_self_shared;
        d->seen_gen = d->lead_gen;
        pthread_mutex_unlock(&d->mu);

        if (dropped) {
            LOG(d, KR_LOG_LEVEL_ERROR, "migration: the dual-write queue overflowed (%" PRId64 " committed batches dropped): "
                "rebuilding the image from the metadata log, then a full reconciliation", dropped);
            d->img_valid = false;
            d->resync_wanted = true;
            if (d->state == DW_DUAL_WRITE) set_state(d, DW_SYNC, "queue overflow");
        }
        for (size_t i = 0; i < n; i++) {
            handle_event(d, &batch[i]);
            free_event(&batch[i]);
        }
        if (lead_changed) handle_leadership(d, epoch, leader, is_self);
        if (d->reconcile_wanted && d->state == DW_DUAL_WRITE) set_state(d, DW_SYNC, "a record the planner could not touch");
        d->reconcile_wanted = false;
        step(d);
    }
    free(batch);
    return NULL;
}

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

static void wipe_free(char *s) {
    if (!s) return;
    memset(s, 0, strlen(s));
    free(s);
}

static void destroy(mg_dual_write *d) {
    pthread_mutex_lock(&d->mu);
    drop_queue(d);
    pthread_mutex_unlock(&d->mu);
    free(d->q);
    mg_zk_writer_close(d->zk);
    mg_zk_ops_free(&d->ops);
    if (d->touched) mg_zk_touched_free(d->touched);
    txn_clear(d);
    free(d->txn);
    kr_arena_free(&d->arena);
    kr_image_free(&d->img);
    free(d->zk_connect);
    free(d->log_dir);
    wipe_free(d->zk_auth);
    wipe_free(d->secret);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

int mg_dual_write_start(const mg_dual_write_options *o, mg_dual_write **out, kr_error *err) {
    *out = NULL;
    if (!o->zk_connect || !*o->zk_connect) return kr_fail(err, KR_ERR_INVALID, "zookeeper.connect is required");
    mg_dual_write *d = calloc(1, sizeof *d);
    if (!d) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    d->o = *o;
    if (!d->o.queue_max_batches) d->o.queue_max_batches = MG_DW_QUEUE_MAX_BATCHES;
    if (!d->o.queue_max_bytes) d->o.queue_max_bytes = MG_DW_QUEUE_MAX_BYTES;
    d->zk_connect = strdup(o->zk_connect);
    d->zk_auth = dup_or_null(o->zk_auth);
    d->secret = dup_or_null(o->password_encoder_secret);
    d->log_dir = dup_or_null(o->metadata_log_dir);
    d->o.zk_connect = d->o.zk_auth = d->o.password_encoder_secret = NULL;
    d->o.metadata_log_dir = d->log_dir;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    kr_image_init(&d->img);
    d->img_valid = true; /* empty at offset 0 until a snapshot replaces it */
    mg_zk_ops_init(&d->ops);
    d->q_cap = d->o.queue_max_batches;
    d->q = calloc(d->q_cap, sizeof *d->q);
    int rc = !d->q || !d->zk_connect || (o->zk_auth && *o->zk_auth && !d->zk_auth) ||
                     (o->password_encoder_secret && *o->password_encoder_secret && !d->secret) ||
                     (o->metadata_log_dir && *o->metadata_log_dir && !d->log_dir)
                 ? kr_fail(err, KR_ERR_NOMEM, "out of memory")
                 : KR_OK;
    if (rc == KR_OK) rc = mg_zk_touched_new(&d->touched, err);
    if (rc == KR_OK && pthread_create(&d->thread, NULL, run, d) != 0)
        rc = kr_fail(err, KR_ERR_IO, "cannot start the dual-write thread: %s", strerror(errno));
    if (rc != KR_OK) {
        destroy(d);
        return rc;
    }
    d->thread_started = true;
    *out = d;
    return KR_OK;
}

void mg_dual_write_stop(mg_dual_write *d) {
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    if (d->thread_started) pthread_join(d->thread, NULL);
    destroy(d);
}
