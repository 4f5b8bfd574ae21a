/* Writes a znode tree into ZooKeeper: pipelined creates (and setData for data versions). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define THREADED 1
#include <zookeeper/zookeeper.h>

#include "zkread/text.h"
#include "zkread/tree.h"

#define LOAD_WINDOW 1000

typedef struct loader {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
    bool failed;
    zr_error err;
    bool force;
    zhandle_t *zh;
    zr_load_stats *stats;
} loader;

typedef struct op {
    loader *l;
    const zr_znode *z;
    int kind; /* 0 create, 1 setData (version bump), 2 setData (force overwrite) */
} op;

static void wait_room(loader *l, int limit) {
    pthread_mutex_lock(&l->mu);
    while (l->in_flight >= limit && !l->failed) pthread_cond_wait(&l->cv, &l->mu);
    pthread_mutex_unlock(&l->mu);
}

static void done(loader *l, int rc, const op *o) {
    pthread_mutex_lock(&l->mu);
    l->in_flight--;
    if (rc != ZOK && !l->failed) {
        l->failed = true;
        zr_fail(&l->err, rc == ZNOAUTH ? ZR_ERR_AUTH : ZR_ERR_ZK, "%s %s failed: %s",
                o->kind == 0 ? "creating" : "setting data of", o->z->path, zerror(rc));
    }
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void set_done(int rc, const struct Stat *st, const void *data) {
    (void)st;
    op *o = (op *)data;
    done(o->l, rc, o);
    free(o);
}

static int send_set(loader *l, const zr_znode *z, int kind);

static void create_done(int rc, const char *name, const void *data) {
    (void)name;
    op *o = (op *)data;
    loader *l = o->l;
    if (rc == ZNODEEXISTS && l->force) {
        /* Overwrite: issued from the completion thread, which the client allows. */
        pthread_mutex_lock(&l->mu);
        l->stats->existed++;
        pthread_mutex_unlock(&l->mu);
        send_set(l, o->z, 2);
        rc = ZOK;
    }
    done(l, rc, o);
    free(o);
}

static int send_set(loader *l, const zr_znode *z, int kind) {
    op *o = malloc(sizeof *o);
    if (!o) return ZSYSTEMERROR;
    *o = (op){l, z, kind};
    pthread_mutex_lock(&l->mu);
    l->in_flight++;
    l->stats->set_data++;
    pthread_mutex_unlock(&l->mu);
    int rc = zoo_aset(l->zh, z->path, z->data ? (const char *)z->data : NULL, z->data ? z->len : -1, -1,
                      set_done, o);
    if (rc != ZOK) {
        done(l, rc, o);
        free(o);
    }
    return rc;
}

static int acl_vector(const zr_znode *z, struct ACL_vector *v) {
    if (!z->n_acls) {
        *v = ZOO_OPEN_ACL_UNSAFE;
        return 0;
    }
    v->count = (int32_t)z->n_acls;
    v->data = calloc(z->n_acls, sizeof *v->data);
    if (!v->data) return -1;
    for (size_t i = 0; i < z->n_acls; i++)
        v->data[i] = (struct ACL){z->acls[i].perms, {z->acls[i].scheme, z->acls[i].id}};
    return 0;
}

static void send_create(loader *l, const zr_znode *z, bool keep_ephemeral) {
    op *o = malloc(sizeof *o);
    struct ACL_vector acl;
    if (!o || acl_vector(z, &acl) != 0) {
        free(o);
        pthread_mutex_lock(&l->mu);
        if (!l->failed) zr_fail(&l->err, ZR_ERR_NOMEM, "out of memory");
        l->failed = true;
        pthread_mutex_unlock(&l->mu);
        return;
    }
    *o = (op){l, z, 0};
    pthread_mutex_lock(&l->mu);
    l->in_flight++;
    l->stats->created++;
    pthread_mutex_unlock(&l->mu);
    int flags = z->ephemeral && keep_ephemeral ? ZOO_EPHEMERAL : 0;
    int rc = zoo_acreate(l->zh, z->path, z->data ? (const char *)z->data : NULL, z->data ? z->len : -1,
                         &acl, flags, create_done, o);
    if (z->n_acls) free(acl.data); /* the request is serialized during the call */
    if (rc != ZOK) {
        done(l, rc, o);
        free(o);
    }
}

/* Splits "hosts/chroot" -> hosts only, and the chroot path (or NULL). */
static char *split_chroot(const char *connect, char **chroot) {
    const char *slash = strchr(connect, '/');
    *chroot = slash && slash[1] ? strdup(slash) : NULL;
    return slash ? zr_strndup(connect, (size_t)(slash - connect)) : strdup(connect);
}

static int ensure_chroot(const zr_connect_opts *o, zr_error *err) {
    char *chroot = NULL;
    char *hosts = split_chroot(o->connect, &chroot);
    int rc = 0;
    if (chroot) {
        zr_connect_opts plain = *o;
        plain.connect = hosts;
        zhandle_t *zh;
        rc = zr_session_open(&plain, &zh, err);
        for (char *p = chroot + 1; !rc; p++) {
            char c = *p;
            if (c == '/' || c == 0) {
                *p = 0;
                int zrc = zoo_create(zh, chroot, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
                if (zrc != ZOK && zrc != ZNODEEXISTS)
                    rc = zr_fail(err, ZR_ERR_ZK, "creating chroot %s failed: %s", chroot, zerror(zrc));
                *p = c;
            }
            if (!c) break;
        }
        if (!rc) zr_session_close(zh);
    }
    free(hosts);
    free(chroot);
    return rc;
}

static int check_empty(zhandle_t *zh, zr_error *err) {
    struct String_vector names = {0};
    int zrc = zoo_get_children(zh, "/", 0, &names);
    if (zrc != ZOK) return zr_fail(err, ZR_ERR_ZK, "listing / failed: %s", zerror(zrc));
    int rc = 0;
    for (int i = 0; i < names.count && !rc; i++)
        if (strcmp(names.data[i], "zookeeper"))
            rc = zr_fail(err, ZR_ERR_INVALID, "the target is not empty (it has /%s); pass --force to load "
                         "into it anyway", names.data[i]);
    deallocate_String_vector(&names);
    return rc;
}

static int path_cmp(const void *a, const void *b) {
    return strcmp(((const zr_znode *)a)->path, ((const zr_znode *)b)->path);
}

int zr_tree_load(const zr_connect_opts *o, const zr_tree *t, bool force, bool keep_ephemeral,
                 zhandle_t **held, zr_load_stats *stats, zr_error *err) {
    memset(stats, 0, sizeof *stats);
    if (held) *held = NULL;
    int rc = ensure_chroot(o, err);
    if (rc) return rc;
    /* Missing parents, as null-data znodes, merged into a sorted copy of the index. */
    zr_tree parents = {0};
    for (size_t i = 0; i < t->n && !rc; i++) {
        const char *path = t->v[i].path;
        for (const char *p = strchr(path + 1, '/'); p && !rc; p = strchr(p + 1, '/')) {
            char *parent = zr_strndup(path, (size_t)(p - path));
            zr_znode key = {.path = parent};
            if (!parent) rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
            else if (!bsearch(&key, t->v, t->n, sizeof *t->v, path_cmp) &&
                     !(parents.n && !strcmp(parents.v[parents.n - 1].path, parent)) &&
                     !zr_tree_add(&parents, parent, NULL, -1, false, 0))
                rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
            free(parent);
        }
    }
    /* Dedupe the parents (siblings share them). */
    if (!rc && parents.n > 1) {
        qsort(parents.v, parents.n, sizeof *parents.v, path_cmp);
        size_t k = 1;
        for (size_t i = 1; i < parents.n; i++) {
            if (!strcmp(parents.v[i].path, parents.v[k - 1].path)) free(parents.v[i].path);
            else parents.v[k++] = parents.v[i];
        }
        parents.n = k;
    }
    stats->parents_created = parents.n;
    /* Merge order: every parent before its children (strcmp puts a prefix first). */
    const zr_znode **order = rc ? NULL : malloc((t->n + parents.n + 1) * sizeof *order);
    size_t n = 0;
    if (!rc && !order) rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    for (size_t i = 0, j = 0; !rc && (i < t->n || j < parents.n);) {
        if (j == parents.n || (i < t->n && strcmp(t->v[i].path, parents.v[j].path) < 0)) order[n++] = &t->v[i++];
        else order[n++] = &parents.v[j++];
    }
    zhandle_t *zh = NULL;
    if (!rc) rc = zr_session_open(o, &zh, err);
    if (!rc && !force) rc = check_empty(zh, err);
    loader *l = rc ? NULL : calloc(1, sizeof *l);
    if (!rc && !l) rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    if (!rc) {
        pthread_mutex_init(&l->mu, NULL);
        pthread_cond_init(&l->cv, NULL);
        l->force = force;
        l->zh = zh;
        l->stats = stats;
        for (size_t i = 0; i < n && !l->failed; i++) {
            const zr_znode *z = order[i];
            if (!strcmp(z->path, "/")) { /* the root exists: only its data */
                if (z->data) send_set(l, z, 2);
                continue;
            }
            wait_room(l, LOAD_WINDOW);
            send_create(l, z, keep_ephemeral);
            if (z->ephemeral && !keep_ephemeral) stats->ephemeral_made_persistent = true;
            /* Each setData bumps the data version by one; same session, so after the create. */
            for (int32_t v = 0; v < z->version && !l->failed; v++) {
                wait_room(l, LOAD_WINDOW);
                send_set(l, z, 1);
            }
        }
        wait_room(l, 1);
        pthread_mutex_lock(&l->mu);
        while (l->in_flight > 0) pthread_cond_wait(&l->cv, &l->mu);
        pthread_mutex_unlock(&l->mu);
        if (l->failed) {
            rc = l->err.code;
            *err = l->err;
        }
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cv);
        free(l);
    }
    if (held && !rc) *held = zh;
    else zr_session_close(zh);
    free(order);
    zr_tree_free(&parents);
    return rc;
}
