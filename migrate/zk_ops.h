/*
 * ZooKeeper writes planned for dual-write (spec migration.md §9): a list of
 * idempotent "make it so" operations. The planners (zk_plan.h) turn KRaft
 * changes or a full reconciliation into ops; the executor (zk_writer.h) sends
 * them in fenced multi-ops (§8.3).
 *
 * Every op is idempotent, so a plan can be re-applied after a failure:
 *   MG_ZK_PUT     the znode holds exactly `data` afterwards (created, with any
 *                 missing parents, when absent; overwritten when present);
 *   MG_ZK_DELETE  the znode and everything below it are gone afterwards;
 *   MG_ZK_APPEND  a sequential child `path<seq>` is created (notifications).
 * `exists` is the planner's belief about the znode before the op. The executor
 * sends a chunk of ops as one multi using the beliefs (create vs setData,
 * plain delete); when the multi fails on NODEEXISTS / NONODE / NOTEMPTY it
 * redoes that chunk op by op with the exact semantics above.
 * ACLs are not planned: the executor derives them from the full path
 * (zk-layout.md §3; creator-only for /config/users, /config/brokers,
 * /delegation_token/tokens when the session is authenticated).
 */
#ifndef MIGRATE_ZK_OPS_H
#define MIGRATE_ZK_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"

enum mg_zk_op_kind { MG_ZK_PUT = 0, MG_ZK_DELETE = 1, MG_ZK_APPEND = 2 };

typedef struct mg_zk_op {
    enum mg_zk_op_kind kind;
    bool exists;      /* PUT / DELETE: the planner believes the znode exists */
    char *path;       /* relative to the chroot, owned */
    uint8_t *data;    /* PUT / APPEND, owned; NULL = null data */
    int32_t len;      /* -1 with data == NULL */
    const char *what; /* static: Kafka's operation name for logs, "CreateTopic", ... */
} mg_zk_op;

#define MG_ZK_MAX_OPS 50000000 /* bound on one plan (100k-partition topics fit easily) */

typedef struct mg_zk_ops {
    mg_zk_op *v;
    size_t n, cap;
} mg_zk_ops;

void mg_zk_ops_init(mg_zk_ops *ops);
void mg_zk_ops_free(mg_zk_ops *ops);
void mg_zk_ops_clear(mg_zk_ops *ops); /* n = 0, memory kept */
/* Appends a copy of path and data (len -1 / data NULL = null data). */
int mg_zk_ops_put(mg_zk_ops *ops, const char *what, bool exists, const char *path, const void *data,
                  int32_t len, kr_error *err);
int mg_zk_ops_delete(mg_zk_ops *ops, const char *what, bool exists, const char *path, kr_error *err);
int mg_zk_ops_append(mg_zk_ops *ops, const char *what, const char *path_prefix, const void *data,
                     int32_t len, kr_error *err);
/* Human text of one op for logs and tests: "PUT /brokers/topics/t {...}" (data shown as
 * text up to 200 bytes; values under /config/users and token znodes shown as "<n bytes>"). */
void mg_zk_op_describe(const mg_zk_op *op, char *buf, size_t cap);

#endif
