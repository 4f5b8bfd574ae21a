#include "migrate/zk_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mg_zk_ops_init(mg_zk_ops *ops) { memset(ops, 0, sizeof *ops); }

void mg_zk_ops_clear(mg_zk_ops *ops) {
    for (size_t i = 0; i < ops->n; i++) {
        free(ops->v[i].path);
        free(ops->v[i].data);
    }
    ops->n = 0;
}

void mg_zk_ops_free(mg_zk_ops *ops) {
    mg_zk_ops_clear(ops);
    free(ops->v);
    mg_zk_ops_init(ops);
}

static int add(mg_zk_ops *ops, enum mg_zk_op_kind kind, const char *what, bool exists, const char *path,
               const void *data, int32_t len, kr_error *err) {
    if (ops->n >= MG_ZK_MAX_OPS) return kr_fail(err, KR_ERR_INVALID, "a ZooKeeper plan exceeds %d ops", MG_ZK_MAX_OPS);
    if (ops->n == ops->cap) {
        size_t cap = ops->cap ? ops->cap * 2 : 64;
        mg_zk_op *v = realloc(ops->v, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes");
        ops->v = v;
        ops->cap = cap;
    }
    mg_zk_op op = {.kind = kind, .exists = exists, .what = what, .len = -1};
    op.path = strdup(path);
    if (data && len >= 0) {
        op.data = malloc(len > 0 ? (size_t)len : 1);
        if (op.data) memcpy(op.data, data, (size_t)len);
        op.len = len;
    }
    if (!op.path || (data && len >= 0 && !op.data)) {
        free(op.path);
        free(op.data);
        return kr_fail(err, KR_ERR_NOMEM, "out of memory planning ZooKeeper writes");
    }
    ops->v[ops->n++] = op;
    return KR_OK;
}

int mg_zk_ops_put(mg_zk_ops *ops, const char *what, bool exists, const char *path, const void *data,
                  int32_t len, kr_error *err) {
    return add(ops, MG_ZK_PUT, what, exists, path, data, len, err);
}

int mg_zk_ops_delete(mg_zk_ops *ops, const char *what, bool exists, const char *path, kr_error *err) {
    return add(ops, MG_ZK_DELETE, what, exists, path, NULL, -1, err);
}

int mg_zk_ops_append(mg_zk_ops *ops, const char *what, const char *path_prefix, const void *data, int32_t len,
                     kr_error *err) {
    return add(ops, MG_ZK_APPEND, what, false, path_prefix, data, len, err);
}

static bool is_secret_path(const char *path) {
    return strncmp(path, "/config/users/", 14) == 0 || strncmp(path, "/delegation_token/tokens/", 25) == 0 ||
           strncmp(path, "/config/brokers/", 16) == 0;
}

void mg_zk_op_describe(const mg_zk_op *op, char *buf, size_t cap) {
    static const char *kinds[] = {"PUT", "DELETE", "APPEND"};
    const char *kind = kinds[op->kind];
    if (op->kind == MG_ZK_DELETE || !op->data) {
        snprintf(buf, cap, "%s %s%s", kind, op->path, op->kind == MG_ZK_DELETE ? "" : " null");
    } else if (is_secret_path(op->path)) {
        snprintf(buf, cap, "%s %s <%d bytes>", kind, op->path, (int)op->len);
    } else {
        int shown = op->len > 200 ? 200 : op->len;
        snprintf(buf, cap, "%s %s %.*s%s", kind, op->path, shown, (const char *)op->data, op->len > 200 ? "..." : "");
    }
}
