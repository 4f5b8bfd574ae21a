/* Rollback before finalization (see rollback.h). */
#include "migrate/rollback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "migrate/convert.h"
#include "zkread/model.h"

#define ZNODE_MAX_BYTES (1024 * 1024) /* jute.maxbuffer's default */

bool mg_rollback_allowed(const mg_rollback_evidence *e, bool force, char *why, size_t why_len) {
    if (e->kind == MG_EVIDENCE_NONE) {
        if (force) return true;
        snprintf(why, why_len,
                 "no evidence that the migration is not finalized: finalization is only recorded in the "
                 "KRaft metadata log (ZkMigrationState POST_MIGRATION); give --metadata-dir of a stopped "
                 "controller or --bootstrap-controller, or --force if you know it is not finalized");
        return false;
    }
    switch (e->zk_migration_state) {
    case MG_ZK_STATE_POST_MIGRATION:
        snprintf(why, why_len, "finalized: the KRaft metadata log holds ZkMigrationState POST_MIGRATION, "
                               "ZooKeeper is no longer kept in step; rollback is impossible");
        return false;
    case MG_ZK_STATE_PRE_MIGRATION: return true;
    case MG_ZK_STATE_MIGRATION:
        if (e->kind == MG_EVIDENCE_LIVE && !force) {
            snprintf(why, why_len, "the KRaft quorum is still running in migration mode and dual-writing into "
                                   "ZooKeeper: stop the controllers first (deprovision the quorum), then run "
                                   "rollback with --metadata-dir of a stopped controller (or --force)");
            return false;
        }
        return true;
    default:
        snprintf(why, why_len, "the KRaft metadata log holds ZkMigrationState NONE: the cluster was created in "
                               "KRaft mode, there is no ZooKeeper mode to return to");
        return false;
    }
}

/* zkread's /controller decoder, so rollback reads it exactly as migrate and check do. */
void mg_rollback_parse_controller(mg_rollback_plan *p) {
    p->controller_is_kraft = false;
    p->controller_brokerid = -1;
    p->kraft_controller_epoch = -1;
    if (!p->controller.exists || !p->controller.data) return;
    zr_model m;
    zr_model_init(&m);
    zr_findings f = {.lenient = true};
    zr_stat st = {.version = p->controller.version};
    zr_model_add_znode(&m, "/controller", (const uint8_t *)p->controller.data, (int32_t)strlen(p->controller.data),
                       &st, &f);
    if (m.has_controller) {
        p->controller_brokerid = m.controller_id;
        /* ZooKeeper-mode controllers of 3.4+ write kraftControllerEpoch -1; a KRaft claim's epoch
         * is a Raft leader epoch, >= 1 (Kafka tests kraftControllerEpoch > 0 the same way) */
        if (m.kraft_controller_epoch > 0) {
            p->controller_is_kraft = true;
            p->kraft_controller_epoch = m.kraft_controller_epoch;
        }
    }
    zr_findings_free(&f);
    zr_model_free(&m);
}

size_t mg_rollback_ops(const mg_rollback_plan *p, mg_rollback_op out[2]) {
    size_t n = 0;
    if (p->controller.exists && p->controller_is_kraft) out[n++] = (mg_rollback_op){"/controller", p->controller.version};
    if (p->migration.exists) out[n++] = (mg_rollback_op){"/migration", p->migration.version};
    return n;
}

static int read_znode(zhandle_t *zh, const char *path, mg_znode *z, kr_error *err) {
    memset(z, 0, sizeof *z);
    int len = ZNODE_MAX_BYTES;
    char *buf = malloc((size_t)len + 1);
    if (!buf) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    struct Stat st;
    int rc = zoo_get(zh, path, 0, buf, &len, &st);
    if (rc == ZNONODE) {
        free(buf);
        return KR_OK;
    }
    if (rc != ZOK) {
        free(buf);
        return kr_fail(err, KR_ERR_IO, "%s: read failed: %s", path, zerror(rc));
    }
    buf[len > 0 ? len : 0] = '\0';
    z->exists = true;
    z->data = buf;
    z->version = st.version;
    return KR_OK;
}

int mg_rollback_read(zhandle_t *zh, mg_rollback_plan *p, kr_error *err) {
    memset(p, 0, sizeof *p);
    int rc = read_znode(zh, "/controller", &p->controller, err);
    if (rc == KR_OK) rc = read_znode(zh, "/migration", &p->migration, err);
    if (rc == KR_OK) mg_rollback_parse_controller(p);
    return rc;
}

int mg_rollback_apply(zhandle_t *zh, const mg_rollback_plan *p, kr_error *err) {
    mg_rollback_op ops[2];
    size_t n = mg_rollback_ops(p, ops);
    if (n == 0) return KR_OK;
    zoo_op_t zops[2];
    zoo_op_result_t results[2];
    for (size_t i = 0; i < n; i++) zoo_delete_op_init(&zops[i], ops[i].path, ops[i].version);
    int rc = zoo_multi(zh, (int)n, zops, results);
    if (rc == ZOK) return KR_OK;
    for (size_t i = 0; i < n; i++)
        if (results[i].err == ZBADVERSION || results[i].err == ZNONODE || results[i].err == ZNOTEMPTY)
            return kr_fail(err, KR_ERR_INVALID,
                           "%s changed since it was read (expected version %d: %s); nothing was removed — "
                           "another controller may be active: read again and retry",
                           ops[i].path, ops[i].version, zerror(results[i].err));
    return kr_fail(err, KR_ERR_IO, "deleting %s%s%s failed: %s; nothing was removed", ops[0].path, n > 1 ? " and " : "",
                   n > 1 ? ops[1].path : "", zerror(rc));
}

void mg_rollback_plan_free(mg_rollback_plan *p) {
    free(p->controller.data);
    free(p->migration.data);
    memset(p, 0, sizeof *p);
}
