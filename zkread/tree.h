/*
 * A znode tree held in memory: what `dump` reads, what fixture XML files hold, what `load`
 * writes. Fixture format: fixtures/znode-tree.rng (RelaxNG), validated with libxml2.
 */
#ifndef ZKREAD_TREE_H
#define ZKREAD_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zkread/error.h"
#include "zkread/model.h"
#include "zkread/reader.h"

typedef struct zr_acl {
    char *scheme; /* world, digest, ip, auth, sasl, x509 */
    char *id;     /* anyone, user:base64(sha1(user:password)), ... */
    int perms;    /* ZOO_PERM_* bits */
} zr_acl;

typedef struct zr_znode {
    char *path;
    uint8_t *data; /* NULL = null data */
    int32_t len;   /* -1 when data is NULL */
    bool ephemeral;
    int32_t version; /* data version to reproduce (setData count) */
    zr_acl *acls;    /* NULL = open (world:anyone ALL) */
    size_t n_acls;
} zr_znode;

typedef struct zr_tree {
    zr_znode *v;
    size_t n, cap;
    char *description;
} zr_tree;

void zr_tree_free(zr_tree *t);
/* Copies path and data. */
bool zr_tree_add(zr_tree *t, const char *path, const uint8_t *data, int32_t len, bool ephemeral,
                 int32_t version);
/* Sorts by path (parents before children) and rejects duplicates. */
int zr_tree_sort(zr_tree *t, zr_error *err);
/* Decodes every znode into a finished model (no ZooKeeper involved). */
void zr_tree_to_model(const zr_tree *t, zr_model *m, zr_findings *f);

/* Fixture XML. */
int zr_fixture_read(const char *file, zr_tree *t, zr_error *err);
int zr_fixture_parse(const char *xml, size_t len, const char *name, zr_tree *t, zr_error *err);
/* Writes atomically (temp file, fsync, rename, fsync dir). */
int zr_fixture_write(const char *file, const zr_tree *t, zr_error *err);
/* The RelaxNG schema compiled into the program (same text as fixtures/znode-tree.rng). */
extern const char zr_fixture_schema[];

/* Reads a live tree (dump). stat-less directories are kept as null-data znodes. */
int zr_tree_read(const zr_connect_opts *o, enum zr_scope scope, zr_tree *t, zr_progress_fn progress,
                 void *pctx, zr_read_stats *stats, zr_error *err);

typedef struct zr_load_stats {
    size_t created, parents_created, set_data, existed;
    bool ephemeral_made_persistent;
} zr_load_stats;

/*
 * Writes the tree into ZooKeeper (pipelined on one session, so parents precede children).
 * Refuses a target that holds anything besides /zookeeper unless force; with force, existing
 * znodes get their data overwritten. A chroot in the connect string is created first.
 * Ephemeral znodes are created persistent unless keep_ephemeral (then they live as long as
 * *held, which the caller closes with zr_session_close).
 */
int zr_tree_load(const zr_connect_opts *o, const zr_tree *t, bool force, bool keep_ephemeral,
                 zhandle_t **held, zr_load_stats *stats, zr_error *err);

#endif
