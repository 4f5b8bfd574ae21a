/*
 * Pipelined, multi-session reading of a Kafka znode tree with libzookeeper_mt's async API.
 *
 * Work (get data / list children) sits in one shared queue; each session keeps up to
 * `window` requests in flight and refills from its completion thread. A `sync` runs first
 * and the start zxid is noted; znodes whose mzxid is newer (modified during the read) are
 * reported back in zr_read_stats and, by zr_read_model, re-read (the whole read, bounded).
 */
#ifndef ZKREAD_READER_H
#define ZKREAD_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zkread/error.h"
#include "zkread/model.h"

typedef struct zr_connect_opts {
    const char *connect;       /* host:port[,host:port...][/chroot] */
    int session_timeout_ms;    /* 0 = 30000 */
    const char *auth;          /* "digest:user:password" or NULL (secret: never logged) */
    int sessions;              /* 0 = auto: two per core, at least 4, at most 8 */
    int window;                /* requests in flight per session; 0 = 512 */
    int max_retries;           /* per request, after connection loss; 0 = 5 */
    int connect_timeout_ms;    /* 0 = session timeout */
} zr_connect_opts;

enum zr_scope {
    ZR_SCOPE_KAFKA, /* the znodes a migration needs (zk-layout.md) */
    ZR_SCOPE_ALL,   /* every znode below the chroot except /zookeeper */
};

typedef struct zr_progress {
    uint64_t znodes;   /* znodes read so far */
    uint64_t requests; /* requests completed */
    uint64_t queued;   /* waiting to be sent */
    uint64_t in_flight;
    double elapsed_s;
} zr_progress;

typedef void (*zr_progress_fn)(void *ctx, const zr_progress *p);

/*
 * Called once per znode, serialized (never concurrently), in no particular order.
 * data == NULL: null data. stat == NULL: a structural directory that was listed but not
 * read (ACL type directories).
 */
typedef void (*zr_visit_fn)(void *ctx, const char *path, const uint8_t *data, int32_t len,
                            const zr_stat *stat);

typedef struct zr_read_stats {
    int64_t start_zxid;    /* from the server's `srvr` (exact) or the newest stat seen at start */
    bool start_zxid_exact;
    uint64_t znodes, requests, retries;
    int sessions, window;
    double elapsed_s;
    char **changed;        /* znodes modified or deleted during the read */
    size_t n_changed;
} zr_read_stats;

void zr_read_stats_free(zr_read_stats *s);

/* Reads the tree, calling visit for each znode. Returns 0 or a zr_code with err set. */
int zr_read_tree(const zr_connect_opts *o, enum zr_scope scope, zr_visit_fn visit, void *vctx,
                 zr_progress_fn progress, void *pctx, zr_read_stats *stats, zr_error *err);

/*
 * Reads the Kafka tree into a finished model. If znodes change during the read it reads
 * again (up to 3 times); what still changed is reported as warnings.
 */
int zr_read_model(const zr_connect_opts *o, zr_model *m, zr_findings *f, zr_progress_fn progress,
                  void *pctx, zr_read_stats *stats, zr_error *err);

/* Opens one session and waits until connected (and authenticated). For writers (load). */
typedef struct _zhandle zhandle_t;
int zr_session_open(const zr_connect_opts *o, zhandle_t **out, zr_error *err);
void zr_session_close(zhandle_t *zh);
/* "digest:user:pass" -> scheme "digest", credential "user:pass"; false if malformed. */
bool zr_parse_auth(const char *auth, char *scheme, size_t scheme_len, const char **credential);

#endif
