/*
 * Rollback to ZooKeeper mode before finalization (migration.md §11). Finalization is only
 * visible on the KRaft side (ZkMigrationState POST_MIGRATION in the log), so the decision
 * needs that evidence; then the two znodes a KRaft controller leaves behind are removed:
 * /controller when a KRaft controller holds it (kraftControllerEpoch, §8.2: persistent, so no
 * ZK broker can become controller while it exists) and /migration (§8.1). Both deletes are
 * conditional on the versions just read and go in one ZooKeeper multi: all or nothing.
 */
#ifndef MIGRATE_ROLLBACK_H
#define MIGRATE_ROLLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"

enum mg_rollback_evidence_kind {
    MG_EVIDENCE_NONE = 0,   /* neither a metadata dir nor a quorum was given */
    MG_EVIDENCE_STOPPED,    /* a stopped controller's metadata dir */
    MG_EVIDENCE_LIVE,       /* a quorum that answered (still running) */
};

typedef struct mg_rollback_evidence {
    enum mg_rollback_evidence_kind kind;
    int8_t zk_migration_state; /* -1: no ZkMigrationStateRecord (= NONE) */
} mg_rollback_evidence;

/* Whether rollback may proceed. Refusals write why (one line, for the operator):
 * POST_MIGRATION (finalized) and NONE (created in KRaft mode) always; a live quorum in
 * MIGRATION and missing evidence unless force. */
bool mg_rollback_allowed(const mg_rollback_evidence *e, bool force, char *why, size_t why_len);

typedef struct mg_znode {
    bool exists;
    char *data;      /* NUL-terminated copy ("" for null data) */
    int32_t version; /* data version read */
} mg_znode;

typedef struct mg_rollback_plan {
    mg_znode controller, migration;
    bool controller_is_kraft;        /* /controller carries kraftControllerEpoch > 0 */
    int32_t controller_brokerid;      /* -1 unknown */
    int32_t kraft_controller_epoch;   /* -1 absent */
} mg_rollback_plan;

/* A conditional delete: path and the version it must still have. */
typedef struct mg_rollback_op {
    const char *path;
    int32_t version;
} mg_rollback_op;

/* The deletes the plan calls for (0, 1 or 2), conditional on the versions read. */
size_t mg_rollback_ops(const mg_rollback_plan *p, mg_rollback_op out[2]);
/* Fills p from /controller's data (jansson); used by mg_rollback_read, unit-testable. */
void mg_rollback_parse_controller(mg_rollback_plan *p);

struct _zhandle;
/* Reads /controller and /migration. */
int mg_rollback_read(struct _zhandle *zh, mg_rollback_plan *p, kr_error *err);
/* Runs the ops in one multi. A znode changed or removed since the read fails the whole
 * multi: KR_ERR_INVALID naming the znode (nothing was removed). */
int mg_rollback_apply(struct _zhandle *zh, const mg_rollback_plan *p, kr_error *err);
void mg_rollback_plan_free(mg_rollback_plan *p);

#endif
