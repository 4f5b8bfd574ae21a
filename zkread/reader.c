/* Pipelined multi-session tree reader (see reader.h). */
#include "zkread/reader.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "zkread/text.h"

#define MAX_SESSIONS 8
#define MAX_WINDOW 100000
#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 5000

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- sessions ------------------------------------------------------------ */

typedef struct conn_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;     /* last session state seen */
    int auth_rc;   /* -1 until the auth completion ran */
    bool expired;
} conn_wait;

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)path;
    conn_wait *w = (conn_wait *)zoo_get_context(zh);
    if (!w || type != ZOO_SESSION_EVENT) return;
    pthread_mutex_lock(&w->mu);
    w->state = state;
    if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) w->expired = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    (void)ctx;
}

static void auth_done(int rc, const void *data) {
    conn_wait *w = (conn_wait *)data;
    pthread_mutex_lock(&w->mu);
    w->auth_rc = rc;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool zr_parse_auth(const char *auth, char *scheme, size_t scheme_len, const char **credential) {
    const char *colon = auth ? strchr(auth, ':') : NULL;
    if (!colon || colon == auth || (size_t)(colon - auth) >= scheme_len || !colon[1]) return false;
    memcpy(scheme, auth, (size_t)(colon - auth));
    scheme[colon - auth] = 0;
    *credential = colon + 1;
    if (!strcmp(scheme, "digest") && !strchr(*credential, ':')) return false; /* user:pass */
    return true;
}

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}

static int session_timeout(const zr_connect_opts *o) {
    return o->session_timeout_ms > 0 ? o->session_timeout_ms : 30000;
}

int zr_session_open(const zr_connect_opts *o, zhandle_t **out, zr_error *err) {
    *out = NULL;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    void set_log(void);
    pthread_once(&once, set_log);
    if (!o->connect || !*o->connect) return zr_fail(err, ZR_ERR_INVALID, "no ZooKeeper connect string");
    char scheme[32];
    const char *cred = NULL;
    if (o->auth && !zr_parse_auth(o->auth, scheme, sizeof scheme, &cred))
        return zr_fail(err, ZR_ERR_INVALID, "--zk-auth must be scheme:credential, e.g. digest:user:password");
    conn_wait *w = calloc(1, sizeof *w);
    if (!w) return zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->auth_rc = -1;
    zhandle_t *zh = zookeeper_init(o->connect, session_watcher, session_timeout(o), NULL, w, 0);
    if (!zh) {
        free(w);
        return zr_fail(err, ZR_ERR_INVALID, "ZooKeeper connect string \"%s\" is not usable (%s)",
                       o->connect, strerror(errno));
    }
    int limit_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : session_timeout(o);
    int64_t deadline = now_ms() + limit_ms;
    pthread_mutex_lock(&w->mu);
    while (w->state != ZOO_CONNECTED_STATE && !w->expired && now_ms() < deadline)
        timed_wait(&w->cv, &w->mu, 100);
    int state = w->state;
    bool expired = w->expired;
    pthread_mutex_unlock(&w->mu);
    if (state != ZOO_CONNECTED_STATE) {
        zr_session_close(zh);
        return zr_fail(err, ZR_ERR_ZK, "could not connect to ZooKeeper at %s within %d ms%s", o->connect,
                       limit_ms, expired ? " (session expired or authentication failed)" : "");
    }
    if (cred) {
        int rc = zoo_add_auth(zh, scheme, cred, (int)strlen(cred), auth_done, w);
        pthread_mutex_lock(&w->mu);
        while (rc == ZOK && w->auth_rc == -1 && !w->expired && now_ms() < deadline + limit_ms)
            timed_wait(&w->cv, &w->mu, 100);
        if (rc == ZOK) rc = w->auth_rc;
        pthread_mutex_unlock(&w->mu);
        if (rc != ZOK) {
            zr_session_close(zh);
            return zr_fail(err, ZR_ERR_AUTH, "ZooKeeper rejected %s authentication: %s", scheme,
                           rc == -1 ? "no answer" : zerror(rc));
        }
    }
    *out = zh;
    return 0;
}

void zr_session_close(zhandle_t *zh) {
    if (!zh) return;
    conn_wait *w = (conn_wait *)zoo_get_context(zh);
    zookeeper_close(zh);
    if (w) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
}

/* The C client logs to stderr; keep it quiet unless asked (libraries never chatter). */
void set_log(void);
void set_log(void) {
    const char *v = getenv("ZK2KRAFT_ZK_LOG");
    zoo_set_debug_level(v && *v ? ZOO_LOG_LEVEL_WARN : (ZooLogLevel)0);
}

/* ---- the shared work queue ----------------------------------------------- */

enum op { OP_GET, OP_LIST };
enum role {
    R_LEAF,       /* GET only */
    R_LEAFLIST,   /* LIST: each child GET R_LEAF */
    R_TOPICLIST,  /* LIST: each child GET R_TOPIC */
    R_TOPIC,      /* GET, then LIST <t>/partitions as R_PARTS */
    R_PARTS,      /* LIST: each child GET <p>/state */
    R_USERLIST,   /* LIST: each child GET R_USER */
    R_USER,       /* GET, then (if it has children) LIST <u>/clients as R_LEAFLIST */
    R_ACLROOT,    /* LIST: each child is a type dir: visit, LIST as R_LEAFLIST */
    R_ACLEXT,     /* LIST: each child is a pattern dir: visit, LIST as R_ACLROOT */
    R_ALL,        /* GET, then LIST as R_ALLLIST if it has children */
    R_ALLLIST,    /* LIST: each child GET R_ALL */
};

typedef struct work {
    char *path;
    uint8_t op, role, tries;
    bool root; /* may legitimately be absent */
    int64_t ready_ms;
} work;

typedef struct reader reader;
typedef struct session {
    reader *r;
    zhandle_t *zh;
    int in_flight;
} session;

struct reader {
    pthread_mutex_t mu, visit_mu;
    pthread_cond_t cv;
    work *q;
    size_t qn, qcap;
    work *delayed;
    size_t dn, dcap;
    session s[MAX_SESSIONS];
    int ns, window, max_retries;
    uint64_t in_flight, znodes, requests, retries;
    zr_visit_fn visit;
    void *vctx;
    int64_t start_zxid, max_zxid_seen;
    char **changed;
    size_t n_changed, cap_changed;
    bool failed;
    zr_error err;
    char *noauth_path; /* set on NoAuth: described later from the main thread */
};

typedef struct req {
    session *s;
    work w;
} req;

static bool push_work(reader *r, work w) {
    if (r->qn == r->qcap) {
        size_t cap = r->qcap ? r->qcap * 2 : 1024;
        work *q = realloc(r->q, cap * sizeof *q);
        if (!q) return false;
        r->q = q;
        r->qcap = cap;
    }
    r->q[r->qn++] = w;
    return true;
}

static void fail_locked(reader *r, enum zr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_locked(reader *r, enum zr_code code, const char *fmt, ...) {
    if (r->failed) return;
    r->failed = true;
    r->err.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.message, sizeof r->err.message, fmt, ap);
    va_end(ap);
    pthread_cond_broadcast(&r->cv);
}

/* Adds a work item (takes ownership of path). Caller holds mu. */
static void enqueue(reader *r, char *path, enum op op, enum role role, bool root) {
    if (!path || !push_work(r, (work){path, (uint8_t)op, (uint8_t)role, 0, root, 0})) {
        free(path);
        fail_locked(r, ZR_ERR_NOMEM, "out of memory queueing ZooKeeper reads");
    }
}

static char *join(const char *parent, const char *child) {
    size_t a = strlen(parent), b = strlen(child);
    bool root = a == 1 && parent[0] == '/';
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    if (root) {
        p[0] = '/';
        memcpy(p + 1, child, b + 1);
    } else {
        memcpy(p, parent, a);
        p[a] = '/';
        memcpy(p + a + 1, child, b + 1);
    }
    return p;
}

static bool push_delayed(reader *r, work w) {
    if (r->dn == r->dcap) {
        size_t cap = r->dcap ? r->dcap * 2 : 64;
        work *v = realloc(r->delayed, cap * sizeof *v);
        if (!v) return false;
        r->delayed = v;
        r->dcap = cap;
    }
    r->delayed[r->dn++] = w;
    return true;
}

static void note_changed(reader *r, const char *path) {
    if (r->n_changed == r->cap_changed) {
        size_t cap = r->cap_changed ? r->cap_changed * 2 : 16;
        char **v = realloc(r->changed, cap * sizeof *v);
        if (!v) return;
        r->changed = v;
        r->cap_changed = cap;
    }
    r->changed[r->n_changed++] = strdup(path);
}

static void data_done(int rc, const char *value, int value_len, const struct Stat *stat, const void *data);
static void children_done(int rc, const struct String_vector *names, const struct Stat *stat,
                          const void *data);

/* Sends queued work on every session with room. Caller holds mu. */
static void pump(reader *r) {
    for (int i = 0; i < r->ns && !r->failed; i++) {
        session *s = &r->s[i];
        while (s->in_flight < r->window && r->qn && !r->failed) {
            work w = r->q[--r->qn];
            req *q = malloc(sizeof *q);
            if (!q) {
                free(w.path);
                fail_locked(r, ZR_ERR_NOMEM, "out of memory");
                return;
            }
            *q = (req){s, w};
            int rc = w.op == OP_GET ? zoo_aget(s->zh, w.path, 0, data_done, q)
                                    : zoo_aget_children2(s->zh, w.path, 0, children_done, q);
            if (rc != ZOK) {
                /* Not sent (connection down, closing): back off and retry like a lost reply. */
                free(q);
                w.tries++;
                r->retries++;
                if (w.tries > r->max_retries) {
                    fail_locked(r, ZR_ERR_ZK, "could not send a request for %s to ZooKeeper after %d "
                                "attempts: %s", w.path, (int)w.tries, zerror(rc));
                    free(w.path);
                    return;
                }
                w.ready_ms = now_ms() + BACKOFF_BASE_MS * (1 << (w.tries < 6 ? w.tries : 6));
                if (!push_delayed(r, w)) free(w.path);
                break;
            }
            s->in_flight++;
            r->in_flight++;
        }
    }
}

/* Common ending of both completions: retry, fail, or count; then refill. */
static bool finish_request(req *q, int rc) {
    reader *r = q->s->r;
    bool ok = false;
    pthread_mutex_lock(&r->mu);
    q->s->in_flight--;
    r->in_flight--;
    r->requests++;
    work w = q->w;
    if (r->failed) {
        free(w.path);
    } else if (rc == ZOK) {
        ok = true;
    } else if (rc == ZNONODE) {
        if (!w.root) note_changed(r, w.path); /* listed, then deleted before we read it */
        free(w.path);
    } else if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
        w.tries++;
        r->retries++;
        if (w.tries > r->max_retries) {
            fail_locked(r, ZR_ERR_ZK, "lost the connection to ZooKeeper %d times while reading %s; "
                        "giving up (check the ensemble, or raise --zk-session-timeout-ms)",
                        (int)w.tries, w.path);
            free(w.path);
        } else {
            int shift = w.tries < 6 ? w.tries : 6;
            int64_t delay = BACKOFF_BASE_MS * (1 << shift);
            w.ready_ms = now_ms() + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
            if (!push_delayed(r, w)) free(w.path);
        }
    } else if (rc == ZNOAUTH) {
        r->noauth_path = w.path;
        fail_locked(r, ZR_ERR_AUTH, "NoAuth reading %s", w.path);
    } else if (rc == ZSESSIONEXPIRED || rc == ZCLOSING || rc == ZINVALIDSTATE) {
        fail_locked(r, ZR_ERR_ZK, "ZooKeeper session ended while reading %s: %s", w.path, zerror(rc));
        free(w.path);
    } else if (rc == ZMARSHALLINGERROR || rc == ZNOTHING) {
        fail_locked(r, ZR_ERR_ZK, "reading %s failed: %s. A response larger than the buffer limit is the "
                    "usual cause (a huge children list or znode): raise jute.maxbuffer on every ZooKeeper "
                    "server (-Djute.maxbuffer=<bytes>)", w.path, zerror(rc));
        free(w.path);
    } else {
        fail_locked(r, ZR_ERR_ZK, "reading %s failed: %s", w.path, zerror(rc));
        free(w.path);
    }
    if (!ok) {
        pump(r);
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        free(q);
    }
    return ok; /* on success the caller still holds mu and owns q */
}

static void stat_of(const struct Stat *st, zr_stat *out) {
    *out = (zr_stat){st->czxid, st->mzxid, st->pzxid, st->version, st->ephemeralOwner, st->numChildren};
}

static void data_done(int rc, const char *value, int value_len, const struct Stat *stat, const void *data) {
    req *q = (req *)data;
    reader *r = q->s->r;
    if (!finish_request(q, rc)) return;
    pthread_mutex_unlock(&r->mu);
    zr_stat st;
    stat_of(stat, &st);
    pthread_mutex_lock(&r->visit_mu);
    r->visit(r->vctx, q->w.path, (const uint8_t *)value, value ? value_len : -1, &st);
    pthread_mutex_unlock(&r->visit_mu);
    pthread_mutex_lock(&r->mu);
    r->znodes++;
    if (st.mzxid > r->start_zxid && r->start_zxid > 0) note_changed(r, q->w.path);
    if (st.mzxid > r->max_zxid_seen) r->max_zxid_seen = st.mzxid;
    if (st.czxid > r->max_zxid_seen) r->max_zxid_seen = st.czxid;
    switch ((enum role)q->w.role) {
    case R_TOPIC:
        enqueue(r, join(q->w.path, "partitions"), OP_LIST, R_PARTS, true);
        break;
    case R_USER:
        if (st.num_children > 0) enqueue(r, join(q->w.path, "clients"), OP_LIST, R_LEAFLIST, true);
        break;
    case R_ALL:
        if (st.num_children > 0) enqueue(r, strdup(q->w.path), OP_LIST, R_ALLLIST, true);
        break;
    default:
        break;
    }
    free(q->w.path);
    pump(r);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    free(q);
}

static void visit_dir(reader *r, const char *path) {
    pthread_mutex_unlock(&r->mu);
    pthread_mutex_lock(&r->visit_mu);
    r->visit(r->vctx, path, NULL, -1, NULL);
    pthread_mutex_unlock(&r->visit_mu);
    pthread_mutex_lock(&r->mu);
}

static void children_done(int rc, const struct String_vector *names, const struct Stat *stat,
                          const void *data) {
    req *q = (req *)data;
    reader *r = q->s->r;
    if (!finish_request(q, rc)) return;
    if (stat && r->start_zxid > 0 && stat->pzxid > r->start_zxid) note_changed(r, q->w.path);
    if (stat && stat->pzxid > r->max_zxid_seen) r->max_zxid_seen = stat->pzxid;
    const char *parent = q->w.path;
    for (int i = 0; names && i < names->count && !r->failed; i++) {
        const char *name = names->data[i];
        switch ((enum role)q->w.role) {
        case R_LEAFLIST: enqueue(r, join(parent, name), OP_GET, R_LEAF, false); break;
        case R_TOPICLIST: enqueue(r, join(parent, name), OP_GET, R_TOPIC, false); break;
        case R_USERLIST: enqueue(r, join(parent, name), OP_GET, R_USER, false); break;
        case R_PARTS: {
            char *p = join(parent, name);
            enqueue(r, p ? join(p, "state") : NULL, OP_GET, R_LEAF, true);
            free(p);
            break;
        }
        case R_ACLROOT:
        case R_ACLEXT: {
            char *p = join(parent, name);
            if (p) visit_dir(r, p);
            enqueue(r, p, OP_LIST, q->w.role == R_ACLROOT ? R_LEAFLIST : R_ACLROOT, true);
            break;
        }
        case R_ALLLIST:
            if (!strcmp(parent, "/") && !strcmp(name, "zookeeper")) break;
            enqueue(r, join(parent, name), OP_GET, R_ALL, false);
            break;
        default: break;
        }
    }
    free(q->w.path);
    pump(r);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    free(q);
}

/* ---- start zxid ---------------------------------------------------------- */

/* Asks the connected server (`srvr` four-letter word) for its last zxid. */
static bool srvr_zxid(zhandle_t *zh, int64_t *out) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (!zookeeper_get_connected_host(zh, (struct sockaddr *)&addr, &len)) return false;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    bool ok = false;
    char buf[4096];
    size_t n = 0;
    int64_t deadline = now_ms() + 2000;
    if (connect(fd, (struct sockaddr *)&addr, len) < 0 && errno != EINPROGRESS) goto out;
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, 2000) != 1 || write(fd, "srvr", 4) != 4) goto out;
    while (n < sizeof buf - 1 && now_ms() < deadline) {
        p = (struct pollfd){fd, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - now_ms())) != 1) break;
        ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
        if (k <= 0) break;
        n += (size_t)k;
    }
    buf[n] = 0;
    const char *z = strstr(buf, "Zxid: 0x");
    if (z) {
        char *end;
        long long v = strtoll(z + 8, &end, 16);
        ok = end != z + 8;
        if (ok) *out = v;
    }
out:
    close(fd);
    return ok;
}

static void sync_done(int rc, const char *value, const void *data) {
    (void)value;
    conn_wait *w = (conn_wait *)data;
    pthread_mutex_lock(&w->mu);
    w->auth_rc = rc;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* `sync` makes the server catch up with the leader before we read from it. */
static int do_sync(zhandle_t *zh, int timeout_ms, zr_error *err) {
    conn_wait w = {.auth_rc = -1};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    int rc = zoo_async(zh, "/", sync_done, &w);
    int64_t deadline = now_ms() + timeout_ms;
    pthread_mutex_lock(&w.mu);
    while (rc == ZOK && w.auth_rc == -1 && now_ms() < deadline) timed_wait(&w.cv, &w.mu, 100);
    if (rc == ZOK) rc = w.auth_rc;
    pthread_mutex_unlock(&w.mu);
    if (rc == -1) {
        /* Still pending: the completion will touch w; wait for it (bounded by the session). */
        pthread_mutex_lock(&w.mu);
        while (w.auth_rc == -1) timed_wait(&w.cv, &w.mu, 100);
        pthread_mutex_unlock(&w.mu);
        rc = ZOPERATIONTIMEOUT;
    }
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    if (rc != ZOK && rc != ZNONODE)
        return zr_fail(err, ZR_ERR_ZK, "ZooKeeper sync failed: %s", zerror(rc));
    return 0;
}

/* Without `srvr`, the newest zxid among a few hot znodes: a lower bound of the real one. */
static int64_t approximate_zxid(zhandle_t *zh) {
    static const char *const probe[] = {"/", "/brokers/ids", "/brokers/topics", "/controller_epoch",
                                        "/config/changes", "/admin/delete_topics", "/controller"};
    int64_t best = 0;
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        struct Stat st;
        if (zoo_exists(zh, probe[i], 0, &st) != ZOK) continue;
        if (st.mzxid > best) best = st.mzxid;
        if (st.pzxid > best) best = st.pzxid;
        if (st.czxid > best) best = st.czxid;
    }
    return best;
}

/* Explains a NoAuth: which identities may READ the znode (user names only, never hashes). */
static void describe_noauth(zhandle_t *zh, const char *path, const zr_connect_opts *o, zr_error *err) {
    struct ACL_vector acl = {0};
    struct Stat st;
    char who[256] = "";
    size_t n = 0;
    if (zoo_get_acl(zh, path, &acl, &st) == ZOK) {
        for (int i = 0; i < acl.count; i++) {
            if (!(acl.data[i].perms & ZOO_PERM_READ)) continue;
            const char *scheme = acl.data[i].id.scheme, *id = acl.data[i].id.id;
            const char *colon = strchr(id, ':');
            int idlen = !strcmp(scheme, "digest") && colon ? (int)(colon - id) : (int)strlen(id);
            n += (size_t)snprintf(who + n, n < sizeof who ? sizeof who - n : 0, "%s%s:%.*s",
                                  n ? ", " : "", scheme, idlen, id);
            if (n >= sizeof who) break;
        }
        deallocate_ACL_vector(&acl);
    }
    const char *as = o->auth ? "the identity given with --zk-auth" : "an unauthenticated session";
    if (*who)
        zr_fail(err, ZR_ERR_AUTH, "NoAuth reading %s: its ACL grants READ only to %s, not to %s; "
                "pass --zk-auth with that identity (or a ZooKeeper super user)", path, who, as);
    else
        zr_fail(err, ZR_ERR_AUTH, "NoAuth reading %s: %s may not read it, and ZooKeeper hides the znode's ACL "
                "from it. With zookeeper.set.acl=true Kafka makes /config/users, /config/brokers and "
                "/delegation_token/tokens readable only by the brokers' identity: pass --zk-auth with that "
                "identity (or a ZooKeeper super user)", path, as);
}

/* ---- the read ------------------------------------------------------------ */

void zr_read_stats_free(zr_read_stats *s) {
    for (size_t i = 0; i < s->n_changed; i++) free(s->changed[i]);
    free(s->changed);
    memset(s, 0, sizeof *s);
}

/* Measured (bench/bench_zkread, 2 cores, server local): 1 session 18k znodes/s, 2 28k, 4 37k.
 * Sessions mostly hide round trips, so use two per core, at least 4. */
static int auto_sessions(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN) * 2;
    if (n < 4) n = 4;
    return n > MAX_SESSIONS ? MAX_SESSIONS : (int)n;
}

static void seed(reader *r, enum zr_scope scope) {
    if (scope == ZR_SCOPE_ALL) {
        enqueue(r, strdup("/"), OP_LIST, R_ALLLIST, true);
        return;
    }
    static const char *const leaves[] = {"/cluster/id", "/controller", "/controller_epoch", "/feature",
                                         "/migration", "/latest_producer_id_block",
                                         "/admin/reassign_partitions", "/admin/preferred_replica_election"};
    static const char *const lists[] = {"/brokers/ids", "/config/topics", "/config/brokers",
                                        "/config/clients", "/config/ips", "/config/changes",
                                        "/admin/delete_topics", "/isr_change_notification",
                                        "/log_dir_event_notification", "/delegation_token/tokens"};
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
        enqueue(r, strdup(leaves[i]), OP_GET, R_LEAF, true);
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        enqueue(r, strdup(lists[i]), OP_LIST, R_LEAFLIST, true);
    enqueue(r, strdup("/brokers/topics"), OP_LIST, R_TOPICLIST, true);
    enqueue(r, strdup("/config/users"), OP_LIST, R_USERLIST, true);
    enqueue(r, strdup("/kafka-acl"), OP_LIST, R_ACLROOT, true);
    enqueue(r, strdup("/kafka-acl-extended"), OP_LIST, R_ACLEXT, true);
}

/* Moves delayed work whose time has come back to the queue. Caller holds mu. */
static void release_delayed(reader *r) {
    int64_t t = now_ms();
    for (size_t i = 0; i < r->dn;) {
        if (r->delayed[i].ready_ms <= t) {
            if (!push_work(r, r->delayed[i])) {
                fail_locked(r, ZR_ERR_NOMEM, "out of memory");
                return;
            }
            r->delayed[i] = r->delayed[--r->dn];
        } else {
            i++;
        }
    }
}

static int read_once(const zr_connect_opts *o, enum zr_scope scope, int64_t start_hint, zr_visit_fn visit,
                     void *vctx, zr_progress_fn progress, void *pctx, zr_read_stats *stats, zr_error *err) {
    reader *r = calloc(1, sizeof *r);
    if (!r) return zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->visit_mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->ns = o->sessions > 0 ? (o->sessions > MAX_SESSIONS ? MAX_SESSIONS : o->sessions) : auto_sessions();
    r->window = o->window > 0 ? (o->window > MAX_WINDOW ? MAX_WINDOW : o->window) : 512;
    r->max_retries = o->max_retries > 0 ? o->max_retries : 5;
    r->visit = visit;
    r->vctx = vctx;
    int rc = 0;
    int64_t t0 = now_ms();
    for (int i = 0; i < r->ns && !rc; i++) {
        r->s[i].r = r;
        rc = zr_session_open(o, &r->s[i].zh, err);
    }
    if (!rc) rc = do_sync(r->s[0].zh, session_timeout(o), err);
    if (!rc) {
        stats->start_zxid_exact = srvr_zxid(r->s[0].zh, &r->start_zxid);
        if (!stats->start_zxid_exact) {
            int64_t a = approximate_zxid(r->s[0].zh);
            r->start_zxid = start_hint > a ? start_hint : a;
        }
        stats->start_zxid = r->start_zxid;
        pthread_mutex_lock(&r->mu);
        seed(r, scope);
        pump(r);
        int64_t last_progress = 0;
        while (!r->failed && (r->qn || r->in_flight || r->dn)) {
            timed_wait(&r->cv, &r->mu, 50);
            release_delayed(r);
            pump(r);
            int64_t t = now_ms();
            if (progress && t - last_progress >= 200) {
                zr_progress p = {r->znodes, r->requests, r->qn + r->dn, r->in_flight, (t - t0) / 1000.0};
                last_progress = t;
                pthread_mutex_unlock(&r->mu);
                progress(pctx, &p);
                pthread_mutex_lock(&r->mu);
            }
        }
        /* Let replies already on the wire land before closing the sessions. */
        while (r->in_flight) timed_wait(&r->cv, &r->mu, 50);
        if (r->failed) {
            rc = r->err.code;
            if (r->noauth_path) describe_noauth(r->s[0].zh, r->noauth_path, o, &r->err);
            *err = r->err;
        }
        if (progress && !r->failed) {
            zr_progress p = {r->znodes, r->requests, 0, 0, (now_ms() - t0) / 1000.0};
            pthread_mutex_unlock(&r->mu);
            progress(pctx, &p);
            pthread_mutex_lock(&r->mu);
        }
        pthread_mutex_unlock(&r->mu);
    }
    for (int i = 0; i < r->ns; i++) zr_session_close(r->s[i].zh);
    stats->znodes = r->znodes;
    stats->requests = r->requests;
    stats->retries = r->retries;
    stats->sessions = r->ns;
    stats->window = r->window;
    stats->elapsed_s = (now_ms() - t0) / 1000.0;
    stats->changed = r->changed;
    stats->n_changed = r->n_changed;
    if (!stats->start_zxid_exact && r->max_zxid_seen > stats->start_zxid) {
        /* remembered for a retry: a lower bound of "now" */
        stats->start_zxid = r->max_zxid_seen;
    }
    for (size_t i = 0; i < r->qn; i++) free(r->q[i].path);
    for (size_t i = 0; i < r->dn; i++) free(r->delayed[i].path);
    free(r->q);
    free(r->delayed);
    free(r->noauth_path);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->visit_mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    return rc;
}

int zr_read_tree(const zr_connect_opts *o, enum zr_scope scope, zr_visit_fn visit, void *vctx,
                 zr_progress_fn progress, void *pctx, zr_read_stats *stats, zr_error *err) {
    memset(stats, 0, sizeof *stats);
    return read_once(o, scope, 0, visit, vctx, progress, pctx, stats, err);
}

/* ---- into the model ------------------------------------------------------ */

typedef struct model_ctx {
    zr_model *m;
    zr_findings *f;
} model_ctx;

static void model_visit(void *ctx, const char *path, const uint8_t *data, int32_t len, const zr_stat *st) {
    model_ctx *c = ctx;
    zr_model_add_znode(c->m, path, data, len, st, c->f);
}

#define MAX_READS 3

int zr_read_model(const zr_connect_opts *o, zr_model *m, zr_findings *f, zr_progress_fn progress,
                  void *pctx, zr_read_stats *stats, zr_error *err) {
    memset(stats, 0, sizeof *stats);
    int64_t hint = 0;
    for (int attempt = 1;; attempt++) {
        zr_model_init(m);
        bool lenient = f->lenient;
        zr_findings_free(f);
        f->lenient = lenient;
        model_ctx c = {m, f};
        zr_read_stats_free(stats);
        int rc = read_once(o, ZR_SCOPE_KAFKA, hint, model_visit, &c, progress, pctx, stats, err);
        if (rc) {
            zr_model_free(m);
            return rc;
        }
        if (stats->n_changed == 0 || attempt == MAX_READS) break;
        hint = stats->start_zxid;
        zr_model_free(m);
    }
    m->zxid = stats->start_zxid;
    zr_model_finish(m, f);
    for (size_t i = 0; i < stats->n_changed; i++)
        zr_findings_add(f, ZR_SEV_WARNING, stats->changed[i],
                        "modified or deleted while reading (after zxid 0x%llx), even after %d reads; "
                        "the value read may be stale", (unsigned long long)stats->start_zxid, MAX_READS);
    return 0;
}
