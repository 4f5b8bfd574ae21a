#include "migrate/zk_writer.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "zkread/model.h"
#include "zkread/reader.h"

#define MIGRATION_PATH "/migration"
#define EPOCH_PATH "/controller_epoch"
#define CONTROLLER_PATH "/controller"
#define MAX_FENCE_OPS 2
#define RETRY_BACKOFF_MS 100
#define RETRY_BACKOFF_MAX_MS 2000

#define MAX_OWNED_PATHS (MG_ZK_MULTI_MAX_OPS + 64)

struct mg_zk_writer {
    mg_zk_writer_options o;
    char *connect, *auth;
    /* The chroot is applied here, not by the C client: its zoo_amulti frees a
     * chrooted path twice when the session has expired (3.8's
     * Request_path_init frees it, then zoo_amulti again). */
    char *hosts, *chroot; /* chroot "" = none */
    char *epoch_full, *migration_full; /* the fencing znodes' server-side paths */
    char *owned[MAX_OWNED_PATHS]; /* full paths handed to the client, freed after each request */
    int n_owned;
    zhandle_t *zh;
    bool authenticated;
    mg_zk_migration mig;
    bool claimed;
    int32_t kraft_epoch;      /* of the claim */
    int32_t epoch_zk_version; /* of /controller_epoch after the claim */
    struct ACL creator_read_acls[2];
    struct ACL_vector creator_read;
    /* scratch for one multi */
    zoo_op_t ops[MG_ZK_MULTI_MAX_OPS];
    zoo_op_result_t results[MG_ZK_MULTI_MAX_OPS];
    struct Stat mig_stat;
    char mig_json[256];
    /* pipelined chunks (all but the last, which sets /migration) */
    struct pipe_slot *slots; /* MG_ZK_PIPELINE_WINDOW, allocated at the first use */
    pthread_mutex_t pmu;
    pthread_cond_t pcv;
};

typedef struct pipe_slot {
    zoo_op_t ops[MG_ZK_MULTI_MAX_OPS];
    zoo_op_result_t results[MG_ZK_MULTI_MAX_OPS];
    char *owned[MG_ZK_MULTI_MAX_OPS + 2];
    int n, n_owned;
    size_t from, to;
    bool done; /* under pmu */
    int rc;
    mg_zk_writer *w;
} pipe_slot;

static const char *const PERSISTENT_PATHS[] = {
    "/consumers", "/brokers/ids", "/brokers/topics", "/config/changes", "/admin/delete_topics",
    "/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block", "/log_dir_event_notification",
    "/config/topics", "/config/clients", "/config/users", "/config/brokers", "/config/ips",
};

static void sleep_ms(uint32_t ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- ACLs (zk-layout.md §3) ---------- */

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

int mg_zk_acl_kind(bool authenticated, bool set_acl, const char *path) {
    if (has_prefix(path, "/consumers") || !authenticated) return 0;
    /* SCRAM hashes, encrypted passwords, token HMACs: creator-only whenever the
     * session has an identity (Kafka does this only with zookeeper.set.acl). */
    if (has_prefix(path, "/config/users") || has_prefix(path, "/config/brokers") ||
        has_prefix(path, "/delegation_token/tokens"))
        return 1;
    return set_acl ? 2 : 0;
}

static const struct ACL_vector *acl_for(mg_zk_writer *w, const char *path) {
    switch (mg_zk_acl_kind(w->authenticated, w->o.set_acl, path)) {
    case 1: return &ZOO_CREATOR_ALL_ACL;
    case 2: return &w->creator_read;
    default: return &ZOO_OPEN_ACL_UNSAFE;
    }
}

/* zoo_multi on a handle whose session has expired frees paths it never
 * allocated (3.8's zoo_amulti skips the request init after the first op fails
 * on the state, then frees the stale path of the previous op): never call it
 * then. The state only turns negative on the client's IO thread when the
 * server refuses a reconnection, so checking right before the call leaves a
 * window of microseconds after a pause of a whole session timeout. */
static int multi(mg_zk_writer *w, int n) {
    if (!w->zh) return ZCONNECTIONLOSS;
    if (zoo_state(w->zh) < 0) return ZSESSIONEXPIRED; /* expired or auth failed */
    memset(w->results, 0, (size_t)n * sizeof *w->results);
    return zoo_multi(w->zh, n, w->ops, w->results);
}

/* ---------- paths ---------- */

/* The server-side path of `path` (chroot prepended); valid until release_paths.
 * NULL only when out of memory or too many paths are held (callers fail). */
static char *Z(mg_zk_writer *w, const char *path) {
    if (w->n_owned == MAX_OWNED_PATHS) return NULL;
    size_t a = strlen(w->chroot), b = strlen(path);
    char *full = malloc(a + b + 1);
    if (!full) return NULL;
    memcpy(full, w->chroot, a);
    memcpy(full + a, path, b + 1);
    if (a && b == 1) full[a] = '\0'; /* "/" under a chroot is the chroot itself */
    w->owned[w->n_owned++] = full;
    return full;
}

/* The same into a caller's buffer, for single requests. */
static const char *full_path(const mg_zk_writer *w, const char *path, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "%s%s", w->chroot, w->chroot[0] && !strcmp(path, "/") ? "" : path);
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

static void release_paths(mg_zk_writer *w) {
    for (int i = 0; i < w->n_owned; i++) free(w->owned[i]);
    w->n_owned = 0;
}

/* ---------- session ---------- */

static int fail_zk(kr_error *err, int zrc, const char *what, const char *path) {
    return kr_fail(err, KR_ERR_IO, "ZooKeeper %s %s: %s", what, path, zerror(zrc));
}

static int session_open(mg_zk_writer *w, kr_error *err) {
    zr_connect_opts co = {.connect = w->hosts,
                          .session_timeout_ms = w->o.session_timeout_ms,
                          .auth = w->auth};
    zr_error zerr = {0};
    if (zr_session_open(&co, &w->zh, &zerr) != 0)
        return kr_fail(err, zerr.code == ZR_ERR_INVALID ? KR_ERR_INVALID : KR_ERR_IO, "%s", zerr.message);
    return KR_OK;
}

/* A lost connection is retried on the same handle; an expired session gets a new one. */
static bool retryable(mg_zk_writer *w, int zrc) {
    if (zrc == ZCONNECTIONLOSS || zrc == ZOPERATIONTIMEOUT || zrc == ZSESSIONMOVED) return true;
    if (zrc == ZSESSIONEXPIRED || zrc == ZINVALIDSTATE || zoo_state(w->zh) == ZOO_EXPIRED_SESSION_STATE) {
        kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN, "migration: ZooKeeper session expired; opening a new one");
        zr_session_close(w->zh);
        w->zh = NULL;
        kr_error e;
        if (session_open(w, &e) != KR_OK) {
            kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN, "migration: %s", e.message);
            return w->zh != NULL;
        }
        return true;
    }
    return false;
}

static void backoff(mg_zk_writer *w, int attempt) {
    uint32_t ms = RETRY_BACKOFF_MS << (attempt < 5 ? attempt : 5);
    sleep_ms(ms > RETRY_BACKOFF_MAX_MS ? RETRY_BACKOFF_MAX_MS : ms);
    (void)w;
}

static int max_retries(const mg_zk_writer *w) { return w->o.max_retries > 0 ? w->o.max_retries : 5; }

/* zoo_get with retries; *len -1 for null data; ZNONODE returned as is. */
static int get_node(mg_zk_writer *w, const char *path, char *buf, int *len, struct Stat *st) {
    int cap = *len, zrc = ZOK;
    for (int attempt = 0; attempt <= max_retries(w); attempt++) {
        if (!w->zh) return ZCONNECTIONLOSS;
        *len = cap;
        char fb[2048];
        const char *full = full_path(w, path, fb, sizeof fb);
        zrc = full ? zoo_get(w->zh, full, 0, buf, len, st) : ZBADARGUMENTS;
        if (zrc == ZOK || zrc == ZNONODE || !retryable(w, zrc)) return zrc;
        backoff(w, attempt);
    }
    return zrc;
}

/* Creates path with null data unless it exists (unfenced: start-up only). */
static int ensure_path(mg_zk_writer *w, const char *path, const char *data, int len, kr_error *err) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return kr_fail(err, KR_ERR_INVALID, "znode path too long: %.64s...", path);
    for (char *s = buf + 1;; s++) { /* each ancestor, then the path itself */
        bool last = *s == '\0';
        if (*s != '/' && !last) continue;
        *s = '\0';
        int zrc = ZOK;
        for (int attempt = 0; attempt <= max_retries(w); attempt++) {
            if (!w->zh) return kr_fail(err, KR_ERR_IO, "no ZooKeeper session");
            char fb[2048];
            const char *full = full_path(w, buf, fb, sizeof fb);
            zrc = full ? zoo_create(w->zh, full, last ? data : NULL, last ? len : -1, acl_for(w, buf), ZOO_PERSISTENT,
                                    NULL, 0)
                       : ZBADARGUMENTS;
            if (zrc == ZOK || zrc == ZNODEEXISTS || !retryable(w, zrc)) break;
            backoff(w, attempt);
        }
        if (zrc != ZOK && zrc != ZNODEEXISTS) return fail_zk(err, zrc, "create", buf);
        if (last) return KR_OK;
        *s = '/';
    }
}

/* The chroot znode and its ancestors (the C client would have required them too). */
static int ensure_chroot(mg_zk_writer *w, kr_error *err) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", w->chroot) >= (int)sizeof buf)
        return kr_fail(err, KR_ERR_INVALID, "chroot too long: %.64s...", w->chroot);
    for (char *s = buf + 1; buf[0]; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last) continue;
        *s = '\0';
        int zrc = w->zh ? zoo_create(w->zh, buf, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0) : ZCONNECTIONLOSS;
        if (zrc != ZOK && zrc != ZNODEEXISTS && zrc != ZNOAUTH) return fail_zk(err, zrc, "create chroot", buf);
        if (last) break;
        *s = '/';
    }
    return KR_OK;
}

static int decode_znode(const char *path, const char *data, int len, const struct Stat *st, zr_model *m,
                        kr_error *err) {
    zr_stat zs = {.czxid = st->czxid, .mzxid = st->mzxid, .pzxid = st->pzxid, .version = st->version,
                  .ephemeral_owner = st->ephemeralOwner, .num_children = st->numChildren};
    zr_findings f = {0};
    f.lenient = true;
    bool okm = zr_model_add_znode(m, path, (const uint8_t *)data, len, &zs, &f);
    int rc = KR_OK;
    if (!okm) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory decoding %s", path);
    for (size_t i = 0; rc == KR_OK && i < f.n; i++)
        if (f.v[i].severity == ZR_SEV_ERROR) rc = kr_fail(err, KR_ERR_CORRUPT, "%s: %s", path, f.v[i].message);
    zr_findings_free(&f);
    return rc;
}

int mg_zk_writer_read_migration(mg_zk_writer *w, kr_error *err) {
    char buf[1024];
    int len = sizeof buf;
    struct Stat st;
    int zrc = get_node(w, MIGRATION_PATH, buf, &len, &st);
    if (zrc != ZOK) return fail_zk(err, zrc, "get", MIGRATION_PATH);
    zr_model m;
    zr_model_init(&m);
    int rc = decode_znode(MIGRATION_PATH, buf, len, &st, &m, err);
    if (rc == KR_OK && !m.has_migration) rc = kr_fail(err, KR_ERR_CORRUPT, "%s: no migration state", MIGRATION_PATH);
    if (rc == KR_OK)
        w->mig = (mg_zk_migration){m.migration_controller_id, m.migration_controller_epoch,
                                   m.migration_metadata_offset, m.migration_metadata_epoch, st.version};
    zr_model_free(&m);
    return rc;
}

const mg_zk_migration *mg_zk_writer_migration(const mg_zk_writer *w) { return &w->mig; }
void *mg_zk_writer_session(mg_zk_writer *w) { return w->zh; }
bool mg_zk_writer_claimed(const mg_zk_writer *w) { return w->claimed; }

int mg_zk_writer_open(const mg_zk_writer_options *o, mg_zk_writer **out, kr_error *err) {
    *out = NULL;
    mg_zk_writer *w = calloc(1, sizeof *w);
    if (!w) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    w->o = *o;
    if (w->o.session_timeout_ms <= 0) w->o.session_timeout_ms = 18000;
    w->connect = strdup(o->connect ? o->connect : "");
    const char *slash = w->connect ? strchr(w->connect, '/') : NULL;
    w->hosts = w->connect ? strndup(w->connect, slash ? (size_t)(slash - w->connect) : strlen(w->connect)) : NULL;
    w->chroot = strdup(slash && strcmp(slash, "/") ? slash : "");
    if (w->chroot) {
        size_t n = strlen(w->chroot);
        while (n > 1 && w->chroot[n - 1] == '/') w->chroot[--n] = '\0'; /* "/a/" = "/a" */
    }
    char fb[2048];
    w->epoch_full = w->chroot && full_path(w, EPOCH_PATH, fb, sizeof fb) ? strdup(fb) : NULL;
    w->migration_full = w->chroot && full_path(w, MIGRATION_PATH, fb, sizeof fb) ? strdup(fb) : NULL;
    w->auth = o->auth && *o->auth ? strdup(o->auth) : NULL;
    w->o.connect = w->o.auth = NULL; /* the copies above are what the writer uses */
    w->authenticated = w->auth != NULL;
    w->mig.zk_version = -2;
    w->epoch_zk_version = -2;
    pthread_mutex_init(&w->pmu, NULL);
    pthread_cond_init(&w->pcv, NULL);
    w->creator_read_acls[0] = (struct ACL){ZOO_PERM_ALL, ZOO_AUTH_IDS};
    w->creator_read_acls[1] = (struct ACL){ZOO_PERM_READ, ZOO_ANYONE_ID_UNSAFE};
    w->creator_read = (struct ACL_vector){2, w->creator_read_acls};
    int rc = !w->connect || !w->hosts || !w->chroot || !w->epoch_full || !w->migration_full ||
                     (o->auth && *o->auth && !w->auth)
                 ? kr_fail(err, KR_ERR_NOMEM, "out of memory")
                 : KR_OK;
    if (rc == KR_OK) rc = session_open(w, err);
    if (rc == KR_OK) rc = ensure_chroot(w, err);
    for (size_t i = 0; rc == KR_OK && i < sizeof PERSISTENT_PATHS / sizeof *PERSISTENT_PATHS; i++)
        rc = ensure_path(w, PERSISTENT_PATHS[i], NULL, -1, err);
    static const char initial[] = "{\"version\":0,\"kraft_controller_id\":-1,\"kraft_controller_epoch\":-1,"
                                  "\"kraft_metadata_offset\":-1,\"kraft_metadata_epoch\":-1}";
    if (rc == KR_OK) rc = ensure_path(w, MIGRATION_PATH, initial, (int)strlen(initial), err);
    if (rc == KR_OK) rc = mg_zk_writer_read_migration(w, err);
    if (rc != KR_OK) {
        mg_zk_writer_close(w);
        return rc;
    }
    if (!w->authenticated)
        kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN,
                         "migration: the ZooKeeper session is not authenticated (no zookeeper.auth): znodes are "
                         "created world-writable and SCRAM credentials under /config/users will be world-readable");
    *out = w;
    return KR_OK;
}

void mg_zk_writer_close(mg_zk_writer *w) {
    if (!w) return;
    if (w->zh) zr_session_close(w->zh);
    if (w->auth) {
        memset(w->auth, 0, strlen(w->auth));
        free(w->auth);
    }
    release_paths(w);
    free(w->slots);
    pthread_mutex_destroy(&w->pmu);
    pthread_cond_destroy(&w->pcv);
    free(w->connect);
    free(w->hosts);
    free(w->chroot);
    free(w->epoch_full);
    free(w->migration_full);
    free(w);
}

/* ---------- claim (§8.2) ---------- */

static int migration_json(mg_zk_writer *w, int64_t offset, int32_t offset_epoch) {
    return snprintf(w->mig_json, sizeof w->mig_json,
                    "{\"version\":0,\"kraft_controller_id\":%" PRId32 ",\"kraft_controller_epoch\":%" PRId32
                    ",\"kraft_metadata_offset\":%" PRId64 ",\"kraft_metadata_epoch\":%" PRId32 "}",
                    w->o.node_id, w->kraft_epoch, offset, offset_epoch);
}

int mg_zk_writer_claim(mg_zk_writer *w, int32_t kraft_epoch, int32_t *zk_controller_epoch, kr_error *err) {
    w->claimed = false;
    char ebuf[64], cbuf[1024];
    int elen = sizeof ebuf - 1, clen = sizeof cbuf;
    struct Stat est, cst;
    int zrc = get_node(w, EPOCH_PATH, ebuf, &elen, &est);
    if (zrc == ZNONODE)
        return kr_fail(err, KR_ERR_INVALID, "%s does not exist: this ZooKeeper never ran a Kafka controller", EPOCH_PATH);
    if (zrc != ZOK) return fail_zk(err, zrc, "get", EPOCH_PATH);
    zr_model m;
    zr_model_init(&m);
    int rc = decode_znode(EPOCH_PATH, ebuf, elen < 0 ? 0 : elen, &est, &m, err);
    if (rc == KR_OK && !m.has_controller_epoch) rc = kr_fail(err, KR_ERR_CORRUPT, "%s: no epoch", EPOCH_PATH);
    bool had_controller = false;
    if (rc == KR_OK) {
        zrc = get_node(w, CONTROLLER_PATH, cbuf, &clen, &cst);
        if (zrc == ZOK) {
            had_controller = true;
            rc = decode_znode(CONTROLLER_PATH, cbuf, clen, &cst, &m, err);
        } else if (zrc != ZNONODE) {
            rc = fail_zk(err, zrc, "get", CONTROLLER_PATH);
        }
    }
    int32_t c = m.controller_epoch, owner_epoch = m.has_controller ? m.kraft_controller_epoch : -1;
    int32_t owner = m.controller_id;
    zr_model_free(&m);
    if (rc != KR_OK) return rc;
    if (owner_epoch >= kraft_epoch) {
        kr_fail(err, MG_ZK_FENCED,
                "%s is held by KRaft controller %d with kraftControllerEpoch %d >= our epoch %d", CONTROLLER_PATH,
                owner, owner_epoch, kraft_epoch);
        return MG_ZK_FENCED;
    }
    char next_epoch[16], controller[192];
    snprintf(next_epoch, sizeof next_epoch, "%" PRId32, c + 1);
    snprintf(controller, sizeof controller,
             "{\"version\":2,\"brokerid\":%" PRId32 ",\"timestamp\":\"%" PRId64 "\",\"kraftControllerEpoch\":%" PRId32 "}",
             w->o.node_id, wall_ms(), kraft_epoch);
    struct Stat new_est;
    int n = 0;
    const char *controller_path = Z(w, CONTROLLER_PATH);
    if (!controller_path) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    zoo_set_op_init(&w->ops[n++], w->epoch_full, next_epoch, (int)strlen(next_epoch), est.version, &new_est);
    if (had_controller) zoo_delete_op_init(&w->ops[n++], controller_path, cst.version);
    zoo_create_op_init(&w->ops[n++], controller_path, controller, (int)strlen(controller),
                       acl_for(w, CONTROLLER_PATH), ZOO_PERSISTENT, NULL, 0);
    zrc = multi(w, n);
    release_paths(w);
    if (zrc == ZBADVERSION || zrc == ZNONODE || zrc == ZNODEEXISTS)
        return kr_fail(err, KR_ERR_INVALID, "claim lost a race on %s / %s (%s)", EPOCH_PATH, CONTROLLER_PATH,
                       zerror(zrc));
    if (zrc != ZOK) {
        if (w->zh) retryable(w, zrc); /* reopens an expired session for the next attempt */
        return fail_zk(err, zrc, "claim multi on", CONTROLLER_PATH);
    }
    w->kraft_epoch = kraft_epoch;
    w->epoch_zk_version = new_est.version;
    /* /migration unconditionally: our id and epoch, the offset unchanged; learn its version. */
    rc = mg_zk_writer_read_migration(w, err);
    if (rc != KR_OK) return rc;
    migration_json(w, w->mig.metadata_offset, w->mig.metadata_epoch);
    struct Stat mst;
    zrc = zoo_set2(w->zh, w->migration_full, w->mig_json, (int)strlen(w->mig_json), -1, &mst);
    if (zrc != ZOK) return fail_zk(err, zrc, "set", MIGRATION_PATH);
    w->mig.controller_id = w->o.node_id;
    w->mig.controller_epoch = kraft_epoch;
    w->mig.zk_version = mst.version;
    w->claimed = true;
    if (zk_controller_epoch) *zk_controller_epoch = c + 1;
    kr_logger_printf(&w->o.log, KR_LOG_LEVEL_INFO,
                     "migration: claimed ZooKeeper controllership (controller epoch %" PRId32 ", kraft epoch %" PRId32 ")",
                     c + 1, kraft_epoch);
    return KR_OK;
}

/* ---------- fenced multis (§8.3) ---------- */

typedef struct multi_ctx {
    int n;           /* ops in w->ops */
    int first_plan;  /* index of the first plan op in w->ops */
    bool sets_migration;
    int64_t offset;
    int32_t offset_epoch;
} multi_ctx;

static void fence_begin(mg_zk_writer *w, multi_ctx *m, bool sets_migration) {
    m->n = 0;
    zoo_check_op_init(&w->ops[m->n++], w->epoch_full, w->epoch_zk_version);
    if (!sets_migration) zoo_check_op_init(&w->ops[m->n++], w->migration_full, w->mig.zk_version);
    m->first_plan = m->n;
    m->sets_migration = sets_migration;
}

static void fence_end(mg_zk_writer *w, multi_ctx *m) {
    if (!m->sets_migration) return;
    migration_json(w, m->offset, m->offset_epoch);
    zoo_set_op_init(&w->ops[m->n++], w->migration_full, w->mig_json, (int)strlen(w->mig_json), w->mig.zk_version,
                    &w->mig_stat);
}

static bool add_plan_op(mg_zk_writer *w, multi_ctx *m, const mg_zk_op *op) {
    const char *data = (const char *)op->data;
    int len = op->data ? op->len : -1;
    const char *full = Z(w, op->path);
    if (!full) return false;
    switch (op->kind) {
    case MG_ZK_PUT:
        if (op->exists) zoo_set_op_init(&w->ops[m->n], full, data, len, -1, NULL);
        else zoo_create_op_init(&w->ops[m->n], full, data, len, acl_for(w, op->path), ZOO_PERSISTENT, NULL, 0);
        break;
    case MG_ZK_DELETE: zoo_delete_op_init(&w->ops[m->n], full, -1); break;
    case MG_ZK_APPEND:
        zoo_create_op_init(&w->ops[m->n], full, data, len, acl_for(w, op->path), ZOO_PERSISTENT_SEQUENTIAL, NULL, 0);
        break;
    }
    m->n++;
    return true;
}

/* The failing op of a failed multi: its index and code (-1 if none reported). */
static int failing_result(const zoo_op_result_t *results, int n, int *code) {
    for (int i = 0; i < n; i++) {
        int e = results[i].err;
        if (e != ZOK && e != ZRUNTIMEINCONSISTENCY) {
            *code = e;
            return i;
        }
    }
    return -1;
}

static int failing_op(const mg_zk_writer *w, int n, int *code) { return failing_result(w->results, n, code); }

/* After a lost connection the multi may have been applied: /migration then holds
 * exactly what it set, one version later. */
static bool migration_write_landed(mg_zk_writer *w, const multi_ctx *m) {
    char buf[1024];
    int len = sizeof buf;
    struct Stat st;
    if (!m->sets_migration || get_node(w, MIGRATION_PATH, buf, &len, &st) != ZOK) return false;
    return st.version == w->mig.zk_version + 1 && len == (int)strlen(w->mig_json) &&
           memcmp(buf, w->mig_json, (size_t)len) == 0;
}

enum { SENT_OK = 0, SENT_OP_FAILED = 1 }; /* else MG_ZK_FENCED or an error code */

/* Sends the multi in w->ops[0..m->n). SENT_OP_FAILED: a plan op failed with *op_code. */
static int send_multi_once(mg_zk_writer *w, multi_ctx *m, mg_zk_exec_stats *st, int *op_index, int *op_code,
                           kr_error *err) {
    assert(m->n > 0 && m->n <= MG_ZK_MULTI_MAX_OPS);
    bool lost = false;
    for (int attempt = 0;; attempt++) {
        if (w->o.write_delay_ms) sleep_ms(w->o.write_delay_ms);
        int zrc = multi(w, m->n);
        if (zrc == ZOK) {
            if (m->sets_migration) w->mig.zk_version = w->mig_stat.version;
            st->multis++;
            return SENT_OK;
        }
        int code = zrc, i = failing_op(w, m->n, &code);
        if (i == 0 && (code == ZBADVERSION || code == ZNONODE)) {
            kr_fail(err, MG_ZK_FENCED, "%s moved past version %d: another controller claimed ZooKeeper",
                    EPOCH_PATH, w->epoch_zk_version);
            return MG_ZK_FENCED;
        }
        bool on_migration = i >= 0 && ((!m->sets_migration && i == 1) || (m->sets_migration && i == m->n - 1));
        if (on_migration && (code == ZBADVERSION || code == ZNONODE)) {
            if (lost && migration_write_landed(w, m)) {
                w->mig.zk_version++;
                st->multis++;
                return SENT_OK;
            }
            kr_fail(err, MG_ZK_FENCED, "%s moved past version %d: another KRaft controller is making writes",
                    MIGRATION_PATH, w->mig.zk_version);
            return MG_ZK_FENCED;
        }
        if (i >= m->first_plan && (code == ZNODEEXISTS || code == ZNONODE || code == ZNOTEMPTY)) {
            *op_index = i;
            *op_code = code;
            return SENT_OP_FAILED;
        }
        if (i < 0 && attempt < max_retries(w) && w->zh && retryable(w, zrc)) {
            lost = true;
            st->retries++;
            kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN, "migration: ZooKeeper multi: %s; retrying", zerror(zrc));
            backoff(w, attempt);
            continue;
        }
        if (i < 0 && !w->zh && attempt < max_retries(w)) { /* a session could not be reopened yet */
            kr_error e;
            backoff(w, attempt);
            if (session_open(w, &e) == KR_OK) lost = true;
            continue;
        }
        const char *path = i >= 0 ? "(op)" : "";
        return kr_fail(err, KR_ERR_IO, "ZooKeeper multi failed: %s %s", zerror(code), path);
    }
}

/* The multi's paths are released whatever happened. */
static int send_multi(mg_zk_writer *w, multi_ctx *m, mg_zk_exec_stats *st, int *op_index, int *op_code,
                      kr_error *err) {
    int rc = send_multi_once(w, m, st, op_index, op_code, err);
    release_paths(w);
    return rc;
}

/* ---------- one op at a time, exact semantics (zk_ops.h) ---------- */

static int single(mg_zk_writer *w, const zoo_op_t *op, mg_zk_exec_stats *st, int *code, kr_error *err) {
    multi_ctx m;
    fence_begin(w, &m, false);
    w->ops[m.n++] = *op;
    int idx = 0;
    *code = ZOK;
    int rc = send_multi(w, &m, st, &idx, code, err);
    return rc == SENT_OP_FAILED ? KR_OK : rc; /* *code says which */
}

static int create_parents(mg_zk_writer *w, const char *path, mg_zk_exec_stats *st, kr_error *err) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return kr_fail(err, KR_ERR_INVALID, "znode path too long: %.64s...", path);
    int depth = 0;
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/') continue;
        if (++depth > MG_ZK_MAX_DEPTH) return kr_fail(err, KR_ERR_INVALID, "%s: deeper than %d", path, MG_ZK_MAX_DEPTH);
        *s = '\0';
        zoo_op_t op;
        const char *full = Z(w, buf);
        if (!full) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        zoo_create_op_init(&op, full, NULL, -1, acl_for(w, buf), ZOO_PERSISTENT, NULL, 0);
        int code, rc = single(w, &op, st, &code, err);
        if (rc != KR_OK) return rc;
        if (code != ZOK && code != ZNODEEXISTS) return fail_zk(err, code, "create", buf);
        *s = '/';
    }
    return KR_OK;
}

static int exact_put(mg_zk_writer *w, const mg_zk_op *op, mg_zk_exec_stats *st, kr_error *err) {
    bool exists = op->exists;
    const char *data = (const char *)op->data;
    int len = op->data ? op->len : -1;
    for (int attempt = 0; attempt < 6; attempt++) {
        zoo_op_t z;
        const char *full = Z(w, op->path);
        if (!full) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        if (exists) zoo_set_op_init(&z, full, data, len, -1, NULL);
        else zoo_create_op_init(&z, full, data, len, acl_for(w, op->path), ZOO_PERSISTENT, NULL, 0);
        int code, rc = single(w, &z, st, &code, err);
        if (rc != KR_OK || code == ZOK) return rc;
        if (exists && code == ZNONODE) exists = false;
        else if (!exists && code == ZNODEEXISTS) exists = true;
        else if (!exists && code == ZNONODE) rc = create_parents(w, op->path, st, err);
        else return fail_zk(err, code, exists ? "set" : "create", op->path);
        if (rc != KR_OK) return rc;
    }
    return kr_fail(err, KR_ERR_IO, "ZooKeeper put %s: the znode keeps appearing and disappearing", op->path);
}

static int exact_delete(mg_zk_writer *w, const char *path, int depth, mg_zk_exec_stats *st, kr_error *err) {
    if (depth > MG_ZK_MAX_DEPTH) return kr_fail(err, KR_ERR_INVALID, "%s: deeper than %d", path, MG_ZK_MAX_DEPTH);
    for (int attempt = 0; attempt < 4; attempt++) {
        zoo_op_t z;
        const char *full = Z(w, path);
        if (!full) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        zoo_delete_op_init(&z, full, -1);
        int code, rc = single(w, &z, st, &code, err);
        if (rc != KR_OK || code == ZOK || code == ZNONODE) return rc;
        if (code != ZNOTEMPTY) return fail_zk(err, code, "delete", path);
        struct String_vector kids = {0, NULL};
        char fb[2048];
        const char *fp = full_path(w, path, fb, sizeof fb);
        int zrc = !fp ? ZBADARGUMENTS : w->zh ? zoo_get_children(w->zh, fp, 0, &kids) : ZCONNECTIONLOSS;
        if (zrc == ZNONODE) return KR_OK;
        if (zrc != ZOK) return fail_zk(err, zrc, "get children of", path);
        for (int i = 0; rc == KR_OK && i < kids.count; i++) {
            size_t n = strlen(path) + strlen(kids.data[i]) + 2;
            char *child = malloc(n);
            if (!child) rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
            else {
                snprintf(child, n, "%s%s%s", path, strcmp(path, "/") ? "/" : "", kids.data[i]);
                rc = exact_delete(w, child, depth + 1, st, err);
                free(child);
            }
        }
        deallocate_String_vector(&kids);
        if (rc != KR_OK) return rc;
    }
    return kr_fail(err, KR_ERR_IO, "ZooKeeper delete %s: children keep appearing", path);
}

static int exact_append(mg_zk_writer *w, const mg_zk_op *op, mg_zk_exec_stats *st, kr_error *err) {
    for (int attempt = 0; attempt < 2; attempt++) {
        zoo_op_t z;
        const char *full = Z(w, op->path);
        if (!full) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        zoo_create_op_init(&z, full, (const char *)op->data, op->data ? op->len : -1, acl_for(w, op->path),
                           ZOO_PERSISTENT_SEQUENTIAL, NULL, 0);
        int code, rc = single(w, &z, st, &code, err);
        if (rc != KR_OK || code == ZOK) return rc;
        if (code != ZNONODE) return fail_zk(err, code, "create sequential", op->path);
        if ((rc = create_parents(w, op->path, st, err)) != KR_OK) return rc;
    }
    return kr_fail(err, KR_ERR_IO, "ZooKeeper create sequential %s: the parent keeps disappearing", op->path);
}

static int exact_op(mg_zk_writer *w, const mg_zk_op *op, mg_zk_exec_stats *st, kr_error *err) {
    st->fallback_ops++;
    switch (op->kind) {
    case MG_ZK_PUT: return exact_put(w, op, st, err);
    case MG_ZK_DELETE: return exact_delete(w, op->path, 0, st, err);
    case MG_ZK_APPEND: return exact_append(w, op, st, err);
    }
    return kr_fail(err, KR_ERR_INVALID, "unknown ZooKeeper op kind %d", (int)op->kind);
}

/* ---------- plans ---------- */

static size_t op_bytes(const mg_zk_op *op) { return (op->data && op->len > 0 ? (size_t)op->len : 0) + strlen(op->path); }

/* A DELETE believed absent cannot be expressed in a multi (it would fail NONODE): it runs alone. */
static bool runs_alone(const mg_zk_op *op) { return op->kind == MG_ZK_DELETE && !op->exists; }

/* Ops [from, *to) fitting one multi. */
static size_t chunk_end(const mg_zk_ops *ops, size_t from) {
    if (runs_alone(&ops->v[from])) return from + 1;
    size_t bytes = 0, to = from;
    while (to < ops->n && to - from < MG_ZK_MULTI_MAX_OPS - MAX_FENCE_OPS && !runs_alone(&ops->v[to])) {
        size_t b = op_bytes(&ops->v[to]);
        if (to > from && bytes + b > MG_ZK_MULTI_MAX_BYTES) break;
        bytes += b;
        to++;
    }
    return to;
}

static int execute_chunk(mg_zk_writer *w, const mg_zk_ops *ops, size_t from, size_t to, bool last, int64_t offset,
                         int32_t offset_epoch, mg_zk_exec_stats *st, kr_error *err) {
    multi_ctx m = {.offset = offset, .offset_epoch = offset_epoch};
    int rc = SENT_OP_FAILED, idx = -1, code = ZOK;
    if (!(to == from + 1 && runs_alone(&ops->v[from]))) {
        fence_begin(w, &m, last);
        for (size_t i = from; i < to; i++)
            if (!add_plan_op(w, &m, &ops->v[i])) {
                release_paths(w);
                return kr_fail(err, KR_ERR_NOMEM, "out of memory");
            }
        fence_end(w, &m);
        rc = send_multi(w, &m, st, &idx, &code, err);
        if (rc == SENT_OK) {
            for (size_t i = from; i < to; i++) st->bytes += ops->v[i].data && ops->v[i].len > 0 ? ops->v[i].len : 0;
            st->ops += (int64_t)(to - from);
            return KR_OK;
        }
        if (rc != SENT_OP_FAILED) return rc;
        char d[256];
        mg_zk_op_describe(&ops->v[from + (size_t)(idx - m.first_plan)], d, sizeof d);
        kr_logger_printf(&w->o.log, KR_LOG_LEVEL_DEBUG, "migration: multi of %zu ops failed at %s (%s); redoing one by one",
                         to - from, d, zerror(code));
    }
    for (size_t i = from; i < to; i++) {
        rc = exact_op(w, &ops->v[i], st, err);
        if (rc != KR_OK) return rc;
        st->bytes += ops->v[i].data && ops->v[i].len > 0 ? ops->v[i].len : 0;
        st->ops++;
    }
    if (!last) return KR_OK;
    fence_begin(w, &m, true); /* the chunk's /migration update, alone */
    fence_end(w, &m);
    rc = send_multi(w, &m, st, &idx, &code, err);
    return rc == SENT_OP_FAILED ? fail_zk(err, code, "set", MIGRATION_PATH) : rc;
}

/* ---------- pipelining ---------- */

static void slot_done(int rc, const void *data) {
    pipe_slot *sl = (pipe_slot *)data;
    mg_zk_writer *w = sl->w;
    pthread_mutex_lock(&w->pmu);
    sl->rc = rc;
    sl->done = true;
    pthread_cond_broadcast(&w->pcv);
    pthread_mutex_unlock(&w->pmu);
}

static void slot_wait(mg_zk_writer *w, pipe_slot *sl) {
    pthread_mutex_lock(&w->pmu);
    while (!sl->done) pthread_cond_wait(&w->pcv, &w->pmu); /* the client always completes (or times out) */
    pthread_mutex_unlock(&w->pmu);
}

static void slot_release(pipe_slot *sl) {
    for (int i = 0; i < sl->n_owned; i++) free(sl->owned[i]);
    sl->n_owned = 0;
}

/* Sends ops[from, to) as one checked multi (no /migration update) without waiting. */
static int slot_send(mg_zk_writer *w, pipe_slot *sl, const mg_zk_ops *ops, size_t from, size_t to, kr_error *err) {
    multi_ctx m = {0};
    fence_begin(w, &m, false);
    for (size_t i = from; i < to; i++)
        if (!add_plan_op(w, &m, &ops->v[i])) {
            release_paths(w);
            return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        }
    assert(w->n_owned <= (int)(sizeof sl->owned / sizeof *sl->owned));
    memcpy(sl->ops, w->ops, (size_t)m.n * sizeof *sl->ops);
    memcpy(sl->owned, w->owned, (size_t)w->n_owned * sizeof *sl->owned);
    sl->n_owned = w->n_owned;
    w->n_owned = 0; /* the slot owns the paths now */
    sl->n = m.n;
    sl->from = from;
    sl->to = to;
    sl->done = false;
    sl->w = w;
    memset(sl->results, 0, (size_t)m.n * sizeof *sl->results);
    if (w->o.write_delay_ms) sleep_ms(w->o.write_delay_ms);
    int zrc = !w->zh ? ZCONNECTIONLOSS : zoo_state(w->zh) < 0 ? ZSESSIONEXPIRED /* see multi() */
                                        : zoo_amulti(w->zh, m.n, sl->ops, sl->results, slot_done, sl);
    if (zrc != ZOK) slot_done(zrc, sl); /* not sent: completes now, in order */
    return KR_OK;
}

/* Sends the chunks from *from on, up to MG_ZK_PIPELINE_WINDOW multis in flight,
 * until the last chunk (it sets /migration: sent alone, after all others), a
 * chunk that must run alone, or a failure. *from is where the caller resumes
 * one chunk at a time: after a failure, the failed chunk — and every chunk
 * after it is redone, in order (chunks in flight may have landed meanwhile;
 * all ops but APPEND are idempotent, a notification may be appended twice). */
static int execute_pipelined(mg_zk_writer *w, const mg_zk_ops *ops, size_t *from, mg_zk_exec_stats *st,
                             kr_error *err) {
    if (!w->slots) {
        w->slots = calloc(MG_ZK_PIPELINE_WINDOW, sizeof *w->slots);
        if (!w->slots) return KR_OK; /* sequential then */
    }
    size_t next = *from, head = 0, in_flight = 0;
    int rc = KR_OK;
    bool failed = false;
    for (size_t guard = 0; guard <= 2 * ops->n + 2; guard++) {
        while (!failed && rc == KR_OK && in_flight < MG_ZK_PIPELINE_WINDOW && next < ops->n) {
            size_t to = chunk_end(ops, next);
            if (to >= ops->n || runs_alone(&ops->v[next])) break;
            rc = slot_send(w, &w->slots[(head + in_flight) % MG_ZK_PIPELINE_WINDOW], ops, next, to, err);
            if (rc == KR_OK) {
                in_flight++;
                next = to;
            }
        }
        if (in_flight == 0) break;
        pipe_slot *sl = &w->slots[head];
        slot_wait(w, sl);
        head = (head + 1) % MG_ZK_PIPELINE_WINDOW;
        in_flight--;
        if (!failed && rc == KR_OK) {
            int code = sl->rc, i = sl->rc == ZOK ? -1 : failing_result(sl->results, sl->n, &code);
            if (sl->rc == ZOK) {
                st->multis++;
                st->ops += (int64_t)(sl->to - sl->from);
                for (size_t k = sl->from; k < sl->to; k++)
                    st->bytes += ops->v[k].data && ops->v[k].len > 0 ? ops->v[k].len : 0;
                *from = sl->to;
            } else if ((i == 0 || i == 1) && (code == ZBADVERSION || code == ZNONODE)) {
                rc = kr_fail(err, MG_ZK_FENCED, "%s moved past version %d: %s", i == 0 ? EPOCH_PATH : MIGRATION_PATH,
                             i == 0 ? w->epoch_zk_version : w->mig.zk_version,
                             i == 0 ? "another controller claimed ZooKeeper" : "another KRaft controller is making writes");
                rc = MG_ZK_FENCED;
            } else {
                failed = true; /* *from stays at this chunk: redone one chunk at a time */
            }
        }
        slot_release(sl);
    }
    return rc;
}

int mg_zk_writer_execute(mg_zk_writer *w, const mg_zk_ops *ops, int64_t offset, int32_t offset_epoch,
                         mg_zk_exec_stats *st, kr_error *err) {
    if (!w->claimed) return kr_fail(err, KR_ERR_INVALID, "ZooKeeper controllership is not claimed");
    size_t from = 0;
    for (size_t guard = 0; guard <= ops->n; guard++) {
        if (ops->n && w->o.pipeline != 1) {
            int prc = execute_pipelined(w, ops, &from, st, err);
            if (prc != KR_OK) {
                if (prc == MG_ZK_FENCED) {
                    w->claimed = false;
                    kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN, "migration: fenced: %s", err->message);
                }
                return prc;
            }
        }
        size_t to = ops->n ? chunk_end(ops, from) : 0;
        bool last = to >= ops->n;
        int rc = execute_chunk(w, ops, from, to, last, offset, offset_epoch, st, err);
        if (rc != KR_OK) {
            if (rc == MG_ZK_FENCED) {
                w->claimed = false;
                kr_logger_printf(&w->o.log, KR_LOG_LEVEL_WARN, "migration: fenced: %s", err->message);
            }
            return rc;
        }
        if (last) {
            w->mig.metadata_offset = offset;
            w->mig.metadata_epoch = offset_epoch;
            return KR_OK;
        }
        from = to;
    }
    return kr_fail(err, KR_ERR_INVALID, "ZooKeeper plan of %zu ops did not finish", ops->n);
}
