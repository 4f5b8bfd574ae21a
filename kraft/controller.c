/* The controller's main loop: every input to the core is followed by its
 * ready, handled in the order of docs/raft.md (storage 1-5, send 6, commit 7),
 * then kr_raft_advance. Snapshots, the bootstrap records and no-ops are
 * proposed only between readies. */
#include "kraft/controller_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kraft/control_values.h"
#include "kraft/gen/control_records.h"
#include "kraft/meta_properties.h"
#include "kraft/metadata_record.h"
#include "kraft/metadata_version.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"

#define TICK_MS 5
#define READ_CHUNK_BYTES (4u << 20)

int64_t kr_ctl_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t next_rand(void *ctx) { /* splitmix64 */
    uint64_t *s = ctx;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void kr_ctl_fatal(kr_controller *c, const kr_error *err, const char *what) {
    kr_logger_printf(&c->log, KR_LOG_LEVEL_ERROR, "fatal: %s: %s", what, err->message);
    c->fatal = true;
    kr_controller_shutdown(c, 0);
}

/* ---------- LEADER_CHANGE (§7 step 3) ---------- */

static size_t leader_change_payload(void *ctx, const kr_leader_change *lc, uint8_t *buf, size_t cap,
                                    uint32_t *record_count) {
    (void)ctx;
    kr_LeaderChangeMessage_Voter voters[KR_RAFT_MAX_VOTERS], granting[KR_RAFT_MAX_VOTERS];
    kr_LeaderChangeMessage m;
    kr_LeaderChangeMessage_init(&m);
    m.LeaderId = lc->leader_id;
    for (size_t i = 0; i < lc->voter_count && i < KR_RAFT_MAX_VOTERS; i++) {
        kr_LeaderChangeMessage_Voter_init(&voters[i]);
        voters[i].VoterId = lc->voters[i];
    }
    for (size_t i = 0; i < lc->granting_voter_count && i < KR_RAFT_MAX_VOTERS; i++) {
        kr_LeaderChangeMessage_Voter_init(&granting[i]);
        granting[i].VoterId = lc->granting_voters[i];
    }
    m.Voters = (kr_LeaderChangeMessage_Voter_array){voters, (int32_t)lc->voter_count};
    m.GrantingVoters = (kr_LeaderChangeMessage_Voter_array){granting, (int32_t)lc->granting_voter_count};
    kr_buf value = {0}, batch = {0};
    kr_error err;
    size_t n = 0;
    kr_batch_builder b;
    if (kr_LeaderChangeMessage_encode(&value, &m, 0, &err) == KR_OK) {
        kr_batch_begin(&b, &batch, lc->base_offset, lc->epoch, kr_ctl_wall_ms(), true);
        if (kr_batch_add_control(&b, KR_CONTROL_LEADER_CHANGE, value.data, value.len, &err) == KR_OK &&
            kr_batch_finish(&b, &err) == KR_OK && !batch.oom && batch.len <= cap) {
            memcpy(buf, batch.data, batch.len);
            n = batch.len;
        }
    }
    kr_buf_free(&value);
    kr_buf_free(&batch);
    *record_count = 1;
    return n; /* 0 makes the core fall back to an empty payload: never for voter counts <= 9 */
}

/* ---------- the ready ---------- */

static void log_role_change(kr_controller *c) {
    enum kr_raft_role role = kr_raft_role_of(c->raft);
    int32_t epoch = kr_raft_epoch(c->raft), leader = kr_raft_leader(c->raft);
    if (role == c->last_role && epoch == c->last_epoch && leader == c->last_leader) return;
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "raft: %s in epoch %d, leader %d%s",
                     kr_raft_role_name(role), epoch, leader,
                     role == KR_RAFT_LEADER ? " (this node)" : "");
    c->last_role = role;
    c->last_epoch = epoch;
    c->last_leader = leader;
    if (c->obs.on_leadership)
        c->obs.on_leadership(c->obs.ctx, epoch, leader, role == KR_RAFT_LEADER && leader == c->cfg.node_id);
}

/* Step 7: committed batches [applied, hw) into the image. */
static int apply_committed(kr_controller *c, int64_t hw, kr_error *err) {
    kr_buf buf = {0};
    int rc = KR_OK;
    for (int guard = 0; rc == KR_OK && c->sm.applied_end < hw && guard < 1000000; guard++) {
        kr_buf_reset(&buf);
        rc = kr_raft_store_read_batches(c->store, c->sm.applied_end, hw, READ_CHUNK_BYTES, &buf, err);
        if (rc != KR_OK) break;
        if (buf.len == 0) break; /* the batch holding hw - 1 is not below hw yet */
        size_t pos = 0;
        while (rc == KR_OK && pos + KR_BATCH_LOG_OVERHEAD <= buf.len) {
            kr_batch b;
            if (kr_batch_decode(buf.data + pos, buf.len - pos, pos, "log", KR_RULES_HEADER, &b, err) !=
                KR_SCAN_BATCH) {
                rc = err->code ? err->code : KR_ERR_CORRUPT;
                break;
            }
            rc = kr_metadata_state_apply_batch(&c->sm, buf.data + pos, b.size, err);
            if (rc == KR_OK && c->obs.on_batch_applied)
                c->obs.on_batch_applied(c->obs.ctx, buf.data + pos, b.size, b.h.base_offset,
                                        kr_batch_last_offset(&b.h), b.h.leader_epoch);
            c->bytes_since_snapshot += b.size;
            pos += b.size;
        }
    }
    kr_buf_free(&buf);
    return rc;
}

static int reload_from_snapshot(kr_controller *c, kr_snapshot_id id, kr_error *err) {
    char path[4096];
    if (!kr_raft_store_snapshot_path(c->store, id, path, sizeof path))
        return kr_fail(err, KR_ERR_NOT_FOUND, "snapshot %" PRId64 "-%d is not in the log dir", id.end_offset,
                       id.epoch);
    int64_t t0 = kr_ctl_wall_ms();
    int rc = kr_metadata_state_load_snapshot(&c->sm, path, id, err);
    if (rc == KR_OK && c->obs.on_snapshot_loaded) c->obs.on_snapshot_loaded(c->obs.ctx, path, id);
    if (rc == KR_OK)
        kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO,
                         "metadata: loaded snapshot %" PRId64 "-%d (%" PRId64 " partitions) in %" PRId64 " ms",
                         id.end_offset, id.epoch, c->sm.img.partition_count, kr_ctl_wall_ms() - t0);
    c->bytes_since_snapshot = 0;
    return rc;
}

static void handle_ready(kr_controller *c) {
    if (!kr_raft_has_ready(c->raft)) {
        log_role_change(c);
        return;
    }
    const kr_raft_ready *rd = kr_raft_ready_get(c->raft);
    kr_error err;
    c->in_handle = true;
    /* 1-5: quorum-state, snapshot download, truncation, append + fsync, log start. */
    if (kr_raft_store_apply(c->store, rd, &err) != KR_OK) {
        kr_raft_advance(c->raft);
        c->in_handle = false;
        kr_ctl_fatal(c, &err, "storage");
        return;
    }
    if (rd->snapshot_install && reload_from_snapshot(c, rd->snapshot_install_id, &err) != KR_OK) {
        kr_raft_advance(c->raft);
        c->in_handle = false;
        kr_ctl_fatal(c, &err, "installing a snapshot");
        return;
    }
    /* 6: everything sent reflects durable state. */
    for (size_t i = 0; i < rd->msg_count; i++) kr_ctl_send(c, &rd->msgs[i]);
    /* 7: committed batches to the state machine. */
    if (rd->high_watermark_changed && apply_committed(c, rd->high_watermark, &err) != KR_OK) {
        kr_raft_advance(c->raft);
        c->in_handle = false;
        kr_ctl_fatal(c, &err, "applying committed records");
        return;
    }
    kr_raft_advance(c->raft);
    c->in_handle = false;
    log_role_change(c);
    kr_ctl_client_after_ready(c);
}

static void after_input(kr_controller *c);

/* Inputs that arrived inside a ready (a send failing synchronously). */
static void drain_deferred(kr_controller *c) {
    for (size_t i = 0; i < c->deferred_n && i < 64; i++) {
        kr_raft_msg d = c->deferred[i];
        kr_raft_step(c->raft, &d);
        handle_ready(c);
    }
    c->deferred_n = 0;
}

void kr_ctl_step(kr_controller *c, const kr_raft_msg *m) {
    if (c->stopping && c->fatal) return;
    if (c->in_handle) { /* a callback fired inside a ready: the core takes it after advance */
        if (c->deferred_n < sizeof c->deferred / sizeof *c->deferred) c->deferred[c->deferred_n++] = *m;
        return;
    }
    kr_raft_step(c->raft, m);
    handle_ready(c);
    drain_deferred(c);
    after_input(c);
}

/* ---------- proposals (leader only, between readies) ---------- */

int kr_ctl_propose(kr_controller *c, const uint8_t *batch, size_t len, uint32_t record_count, kr_raft_batch *out,
                   kr_error *err) {
    if (c->in_handle || c->stopping) return kr_fail(err, KR_ERR_INVALID, "not between readies");
    int rc = kr_raft_propose(c->raft, batch, len, record_count, out, err);
    if (rc == KR_OK) {
        c->in_ready++;
        handle_ready(c);
        c->in_ready--;
    }
    return rc;
}

static int propose_values(kr_controller *c, const kr_buf *values, const uint32_t *lens, int n,
                          const char *what) {
    kr_buf batch = {0};
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, &batch, 0, 0, kr_ctl_wall_ms(), false);
    int rc = KR_OK;
    size_t pos = 0;
    for (int i = 0; rc == KR_OK && i < n; i++) {
        rc = kr_batch_add_data(&b, values->data + pos, lens[i], &err);
        pos += lens[i];
    }
    if (rc == KR_OK) rc = kr_batch_finish(&b, &err);
    kr_raft_batch out;
    if (rc == KR_OK) rc = kr_raft_propose(c->raft, batch.data, batch.len, (uint32_t)n, &out, &err);
    if (rc == KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_DEBUG, "leader: proposed %s at offset %" PRId64, what,
                         out.base_offset);
        handle_ready(c); /* the payload is copied by the store before propose's memory is reused */
    } else {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "leader: cannot propose %s: %s", what, err.message);
    }
    kr_buf_free(&batch);
    return rc;
}

static void propose_noop(kr_controller *c) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_NO_OP_RECORD, 0);
    kr_buf v = {0};
    kr_error err;
    if (kr_metadata_record_encode(&v, &rec, &err) == KR_OK) {
        uint32_t len = (uint32_t)v.len;
        propose_values(c, &v, &len, 1, "NoOpRecord");
    }
    kr_buf_free(&v);
}

/* The bootstrap records (bootstrap.checkpoint, else metadata.version 3.9-IV0)
 * go into the log once, by the first leader of an empty cluster. */
static void propose_bootstrap(kr_controller *c) {
    char path[4096];
    kr_buf values = {0};
    uint32_t lens[64];
    int n = 0;
    kr_error err;
    kr_snapshot_reader r;
    if (kr_path_join(path, sizeof path, c->cfg.metadata_log_dir, "bootstrap.checkpoint") &&
        access(path, R_OK) == 0 && kr_snapshot_reader_open(&r, path, &err) == KR_OK) {
        kr_batch b;
        while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH) {
            if (kr_batch_is_control(&b.h)) continue;
            kr_record_iter it;
            kr_record_iter_init(&it, &b);
            kr_record rec;
            while (n < 64 && kr_record_next(&it, &rec, &err) == 1) {
                kr_put_raw(&values, rec.value.ptr, (size_t)rec.value.len);
                lens[n++] = (uint32_t)rec.value.len;
            }
        }
        kr_snapshot_reader_close(&r);
    }
    if (n == 0) {
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
        rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
        rec.u.FeatureLevelRecord.FeatureLevel = KR_MV_LATEST_PRODUCTION;
        if (kr_metadata_record_encode(&values, &rec, &err) == KR_OK) lens[n++] = (uint32_t)values.len;
    }
    if (n > 0 && propose_values(c, &values, lens, n, "the bootstrap records") == KR_OK)
        c->bootstrap_epoch = kr_raft_epoch(c->raft);
    kr_buf_free(&values);
}

/* ZkMigrationState values (spec migration.md §1.1). */
#define ZK_MIGRATION_STATE_MIGRATION 1
#define ZK_MIGRATION_STATE_POST_MIGRATION 3

/* Finalization (migration.md §11): a leader whose metadata says MIGRATION but
 * whose config no longer enables migration writes POST_MIGRATION, after which
 * nothing is written to ZooKeeper and rollback is impossible. */
static bool should_finalize(const kr_controller *c) {
    return !c->cfg.migration_enabled && c->sm.img.zk_migration_state == ZK_MIGRATION_STATE_MIGRATION &&
           !c->sm.loader.in_transaction && c->finalize_epoch != kr_raft_epoch(c->raft);
}

static void propose_finalization(kr_controller *c) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_ZK_MIGRATION_STATE_RECORD, 0);
    rec.u.ZkMigrationStateRecord.ZkMigrationState = ZK_MIGRATION_STATE_POST_MIGRATION;
    kr_buf v = {0};
    kr_error err;
    if (kr_metadata_record_encode(&v, &rec, &err) == KR_OK) {
        uint32_t len = (uint32_t)v.len;
        if (propose_values(c, &v, &len, 1, "ZkMigrationStateRecord POST_MIGRATION") == KR_OK) {
            c->finalize_epoch = kr_raft_epoch(c->raft);
            kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO,
                             "migration: finalizing: ZkMigrationState MIGRATION -> POST_MIGRATION "
                             "(zookeeper.metadata.migration.enable is off); ZooKeeper is no longer written");
        }
    }
    kr_buf_free(&v);
}

/* A snapshot once the log since the last one exceeds the threshold (§14.2).
 * A forked child writes it from a copy-on-write image of this moment, so the
 * loop keeps serving (1M partitions take about a second to encode); the loop
 * registers it when the child has exited (snapshot_poll). */
static void maybe_snapshot(kr_controller *c) {
    if (c->snapshot_pid > 0 || c->bytes_since_snapshot < c->cfg.snapshot_max_bytes ||
        !kr_metadata_state_can_snapshot(&c->sm))
        return;
    kr_snapshot_id latest;
    if (kr_raft_store_latest_snapshot(c->store, &latest) && latest.end_offset >= c->sm.applied_end) return;
    c->snapshot_id = (kr_snapshot_id){c->sm.applied_end, c->sm.applied_epoch};
    c->snapshot_t0_ms = kr_ctl_wall_ms();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kr_snapshot_id id;
        int64_t size;
        kr_error err;
        int rc = kr_metadata_state_write_snapshot(&c->sm, kr_raft_store_dir(c->store), c->snapshot_t0_ms, &id,
                                                  &size, &err);
        if (rc != KR_OK) kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "snapshot writer: %s", err.message);
        _exit(rc == KR_OK ? 0 : 1);
    }
    if (pid < 0) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "snapshot: fork: %s", strerror(errno));
        return;
    }
    c->snapshot_pid = pid;
    c->bytes_since_snapshot = 0;
}

/* The snapshot child has exited: register its file, then clean the log. */
static void snapshot_poll(kr_controller *c) {
    int status;
    if (c->snapshot_pid <= 0 || waitpid(c->snapshot_pid, &status, WNOHANG) != c->snapshot_pid) return;
    c->snapshot_pid = 0;
    kr_snapshot_id id = c->snapshot_id;
    char name[KR_SNAPSHOT_NAME_SIZE], path[4096];
    kr_snapshot_file_name(id, name);
    kr_path_join(path, sizeof path, kr_raft_store_dir(c->store), name);
    struct stat st;
    kr_error err;
    int rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(path, &st) == 0
                 ? KR_OK
                 : kr_fail(&err, KR_ERR_IO, "the writer process failed (status %d)", status);
    if (rc == KR_OK) rc = kr_raft_snapshot_created(c->raft, id, (int64_t)st.st_size, &err);
    if (rc == KR_OK) rc = kr_raft_store_add_snapshot(c->store, id, (int64_t)st.st_size, &err);
    if (rc != KR_OK) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_WARN, "snapshot %" PRId64 "-%d dropped: %s", id.end_offset,
                         id.epoch, err.message);
        chmod(path, 0600);
        unlink(path);
        handle_ready(c);
        return;
    }
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "snapshot %" PRId64 "-%d written (%lld bytes, %" PRId64 " ms)",
                     id.end_offset, id.epoch, (long long)st.st_size, kr_ctl_wall_ms() - c->snapshot_t0_ms);
    handle_ready(c);
    kr_raft_clean(c->raft); /* log start moves to the snapshot */
    handle_ready(c);
}

static void after_input(kr_controller *c) {
    if (c->in_ready || c->stopping) return;
    c->in_ready++;
    if (kr_raft_role_of(c->raft) == KR_RAFT_LEADER && c->sm.img.metadata_version == 0 &&
        c->bootstrap_epoch != kr_raft_epoch(c->raft) &&
        c->sm.applied_end > kr_raft_epoch_start_offset(c->raft))
        propose_bootstrap(c);
    if (kr_raft_role_of(c->raft) == KR_RAFT_LEADER && c->sm.applied_end > kr_raft_epoch_start_offset(c->raft) &&
        should_finalize(c))
        propose_finalization(c);
    maybe_snapshot(c);
    c->in_ready--;
}

/* ---------- timers ---------- */

static void on_tick(uv_timer_t *t) {
    kr_controller *c = t->data;
    if (c->fatal) return; /* closing: storage is no longer trusted */
    uint64_t now = uv_now(c->loop);
    uint64_t elapsed = now - c->last_tick_ms;
    c->last_tick_ms = now;
    if (elapsed > 0) {
        c->core_now_ms += (int64_t)elapsed;
        kr_raft_tick(c->raft, (uint32_t)(elapsed > UINT32_MAX ? UINT32_MAX : elapsed));
        handle_ready(c);
        drain_deferred(c);
        after_input(c);
    }
    if (!c->stopping) snapshot_poll(c);
    kr_ctl_sweep_inbound(c);
    kr_ctl_client_pump(c);
}

static void on_noop(uv_timer_t *t) {
    kr_controller *c = t->data;
    if (c->stopping || kr_raft_role_of(c->raft) != KR_RAFT_LEADER) return;
    if (c->sm.img.metadata_version == 0) return; /* bootstrap first */
    propose_noop(c);
    after_input(c);
}

/* ---------- start / stop ---------- */

static int lock_dir(kr_controller *c, kr_error *err) {
    char path[4096];
    if (!kr_path_join(path, sizeof path, c->cfg.metadata_log_dir, ".lock"))
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", c->cfg.metadata_log_dir);
    c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (c->lock_fd < 0) return kr_fail(err, KR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: locked by another process (%s)", path, strerror(errno));
    return KR_OK;
}

static int check_meta(kr_controller *c, kr_error *err) {
    char path[4096];
    kr_meta_properties mp;
    if (!kr_path_join(path, sizeof path, c->cfg.metadata_log_dir, "meta.properties"))
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", c->cfg.metadata_log_dir);
    int rc = kr_meta_properties_read(path, &mp, err);
    if (rc != KR_OK)
        return kr_error_wrap(err, "%s is not formatted (run zk2kraft format or migrate)", c->cfg.metadata_log_dir);
    if (mp.version != 1 || !mp.has_cluster_id || !mp.has_node_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: version %d; a controller needs version 1 with cluster.id and node.id",
                       path, mp.version);
    if (mp.node_id != c->cfg.node_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: node.id %d does not match the config's node.id %d", path,
                       mp.node_id, c->cfg.node_id);
    snprintf(c->cluster_id, sizeof c->cluster_id, "%s", mp.cluster_id);
    return KR_OK;
}

static int start_core(kr_controller *c, kr_error *err) {
    kr_raft_config rc;
    kr_raft_config_defaults(&rc);
    rc.node_id = c->cfg.node_id;
    for (size_t i = 0; i < c->cfg.voter_count; i++) rc.voters[i] = c->cfg.voters[i].id;
    rc.voter_count = c->cfg.voter_count;
    rc.election_timeout_ms = c->cfg.election_timeout_ms;
    rc.election_backoff_max_ms = c->cfg.election_backoff_max_ms;
    rc.fetch_timeout_ms = c->cfg.fetch_timeout_ms;
    rc.request_timeout_ms = c->cfg.request_timeout_ms;
    rc.retry_backoff_ms = c->cfg.retry_backoff_ms;
    /* A parked fetch must come back well inside the fetch timeout, or an idle
     * leader looks dead to its followers (Kafka's fixed 500 ms breaks tuned
     * fetch timeouts such as 300 ms). */
    if (rc.fetch_max_wait_ms > c->cfg.fetch_timeout_ms / 3) rc.fetch_max_wait_ms = c->cfg.fetch_timeout_ms / 3;
    rc.always_flush = true;
    if (getrandom(&c->rng, sizeof c->rng, 0) != (ssize_t)sizeof c->rng)
        c->rng = (uint64_t)kr_ctl_wall_ms() ^ ((uint64_t)getpid() << 32);
    rc.rand = next_rand;
    rc.rand_ctx = &c->rng;
    rc.leader_change_payload = leader_change_payload;
    rc.leader_change_ctx = c;
    int r = kr_raft_create(&c->raft, &rc, err);
    if (r != KR_OK) return r;
    int32_t voters[KR_RAFT_MAX_VOTERS];
    for (size_t i = 0; i < c->cfg.voter_count; i++) voters[i] = c->cfg.voters[i].id;
    kr_raft_store_options so = {.metadata_log_dir = c->cfg.metadata_log_dir,
                                .segment_bytes = c->cfg.segment_bytes,
                                .voters = voters,
                                .voter_count = c->cfg.voter_count,
                                .logger = c->log};
    r = kr_raft_store_open(&c->store, &so, err);
    if (r != KR_OK) return r;
    kr_snapshot_id latest;
    if (kr_raft_store_latest_snapshot(c->store, &latest)) {
        r = reload_from_snapshot(c, latest, err);
        if (r != KR_OK) return r;
    } else {
        c->sm.applied_end = kr_raft_store_log_start(c->store);
    }
    r = kr_raft_store_load(c->store, c->raft, err);
    if (r != KR_OK) return r;
    c->last_role = (enum kr_raft_role) - 1;
    c->last_epoch = c->last_leader = -2;
    handle_ready(c);
    return c->fatal ? KR_ERR_IO : KR_OK;
}

int kr_controller_start(uv_loop_t *loop, const kr_controller_config *cfg, const kr_logger *lg,
                        const kr_controller_observer *obs, kr_controller **out, kr_error *err) {
    *out = NULL;
    kr_controller *c = calloc(1, sizeof *c);
    if (!c) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    c->loop = loop;
    c->cfg = *cfg;
    c->log = *lg;
    if (obs) c->obs = *obs;
    c->lock_fd = -1;
    c->bootstrap_epoch = -1;
    c->finalize_epoch = -1;
    kr_metadata_state_init(&c->sm);
    int64_t t0 = kr_ctl_wall_ms();
    bool in_voters = false;
    for (size_t i = 0; i < cfg->voter_count; i++) in_voters |= cfg->voters[i].id == cfg->node_id;
    int rc = in_voters ? KR_OK
                       : kr_fail(err, KR_ERR_INVALID, "node.id %d is not in controller.quorum.voters", cfg->node_id);
    if (rc == KR_OK) rc = lock_dir(c, err);
    if (rc == KR_OK) rc = check_meta(c, err);
    /* The network first: the ready of kr_raft_start may already hold a Fetch
     * (no callback runs before the loop does). */
    if (rc == KR_OK) rc = kr_ctl_rpc_start(c, err);
    if (rc == KR_OK) rc = start_core(c, err);
    if (rc != KR_OK) {
        c->stopping = true;
        kr_ctl_rpc_stop(c); /* the caller runs the loop once more to close them */
        *out = c;
        return rc;
    }
    uv_timer_init(loop, &c->tick_timer);
    uv_timer_init(loop, &c->noop_timer);
    uv_timer_init(loop, &c->stop_timer);
    c->tick_timer.data = c->noop_timer.data = c->stop_timer.data = c;
    c->handles_open = 3;
    uv_update_time(loop); /* the loop's cached time predates the snapshot load */
    c->last_tick_ms = uv_now(loop);
    uv_timer_start(&c->tick_timer, on_tick, TICK_MS, TICK_MS);
    if (cfg->max_idle_interval_ms)
        uv_timer_start(&c->noop_timer, on_noop, cfg->max_idle_interval_ms, cfg->max_idle_interval_ms);
    kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO,
                     "controller %d of cluster %s listening on %s:%u; log [%" PRId64 ", %" PRId64 ") ready in %" PRId64 " ms",
                     cfg->node_id, c->cluster_id, cfg->listen_host, cfg->listen_port,
                     kr_raft_store_log_start(c->store), kr_raft_store_end_offset(c->store), kr_ctl_wall_ms() - t0);
    *out = c;
    return KR_OK;
}

static void on_closed(uv_handle_t *h) {
    kr_controller *c = h->data;
    c->handles_open--;
}

static void close_all(kr_controller *c) {
    kr_ctl_rpc_stop(c);
    if (c->handles_open == 3) {
        uv_close((uv_handle_t *)&c->tick_timer, on_closed);
        uv_close((uv_handle_t *)&c->noop_timer, on_closed);
        uv_close((uv_handle_t *)&c->stop_timer, on_closed);
    }
}

static void on_stop_timer(uv_timer_t *t) { close_all(t->data); }

void kr_controller_shutdown(kr_controller *c, uint32_t linger_ms) {
    if (c->stopping) return;
    c->stopping = true;
    if (c->handles_open != 3) return; /* never started */
    if (!c->fatal && kr_raft_role_of(c->raft) == KR_RAFT_LEADER) {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "shutdown: resigning leadership of epoch %d",
                         kr_raft_epoch(c->raft));
        kr_raft_resign(c->raft);
        handle_ready(c);
    } else {
        kr_logger_printf(&c->log, KR_LOG_LEVEL_INFO, "shutdown");
    }
    uv_timer_stop(&c->noop_timer);
    uv_timer_start(&c->stop_timer, on_stop_timer, linger_ms, 0);
}

int kr_controller_destroy(kr_controller *c) {
    if (!c) return 0;
    int status = c->fatal ? 2 : 0;
    if (c->snapshot_pid > 0) { /* its .part file is removed at the next start */
        kill(c->snapshot_pid, SIGKILL);
        waitpid(c->snapshot_pid, NULL, 0);
    }
    if (c->raft) kr_raft_destroy(c->raft);
    kr_raft_store_close(c->store);
    kr_metadata_state_free(&c->sm);
    if (c->lock_fd >= 0) close(c->lock_fd);
    free(c);
    return status;
}
