/*
 * Shared by the delta planner (zk_plan.c) and the reconciliation (zk_reconcile.c):
 * the plan context, groupings of image entries by ZooKeeper entity, and the writers that
 * turn one entity's desired state into ops.
 */
#ifndef MIGRATE_ZK_PLAN_INTERNAL_H
#define MIGRATE_ZK_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/strmap.h"
#include "kraft/wire.h"
#include "migrate/zk_format.h"
#include "migrate/zk_plan.h"

#define MG_ZKP_PATH_MAX 4096

typedef struct mg_zkp_ctx {
    const kr_image *img;
    const mg_zk_plan_options *o;
    mg_zk_ops *out;
    mg_zk_plan_stats *st;
    kr_error *err;
    kr_buf buf; /* payload scratch */
} mg_zkp_ctx;

/* snprintf into a path buffer; KR_ERR_INVALID when it does not fit. */
int mg_zkp_path(mg_zkp_ctx *c, char *buf, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A grouping: key -> list of indexes into an image table. */
typedef struct mg_zkp_group {
    char *key;
    uint32_t key_len;
    int32_t *idx;
    int32_t n, cap;
    bool existed; /* the delta's belief; reconcile: the ZooKeeper model has it */
} mg_zkp_group;

typedef struct mg_zkp_groups {
    kr_strmap map; /* key -> index into g */
    mg_zkp_group *g;
    int32_t n, cap;
} mg_zkp_groups;

void mg_zkp_groups_free(mg_zkp_groups *gs);
/* The group of key, created when `create`; NULL when absent (or out of memory, *oom set). */
mg_zkp_group *mg_zkp_group_get(mg_zkp_groups *gs, const void *key, size_t len, bool create, bool *oom);
bool mg_zkp_group_add(mg_zkp_group *g, int32_t idx);

/* Keys. Config resources: type byte + name. ACL patterns: type, pattern, name. Quota
 * entities: their znode path (see mg_zkp_quota_path). */
size_t mg_zkp_config_key(char *buf, size_t cap, int8_t type, const char *name);
size_t mg_zkp_acl_key(char *buf, size_t cap, int8_t type, int8_t pattern, const char *name);
/* The image's ACLs grouped by resource pattern (mg_zkp_acl_key); only the patterns
 * in `only` when it is not NULL. */
int mg_zkp_group_acls(mg_zkp_ctx *c, const kr_strmap *only, mg_zkp_groups *gs);

/* The /config/... path of a quota entity (parts as in kr_image_quota, any order);
 * false when the combination has no ZooKeeper form (or on out of memory). */
bool mg_zkp_quota_path(const kr_image_quota_entity_part *parts, int32_t n, char *buf, size_t cap);
/* The /config/users/<u> path of a SCRAM user (a user named "<default>" lives on the
 * <default> znode, as mg_convert reads it). */
bool mg_zkp_scram_path(const char *user, char *buf, size_t cap);

/* Desired content of one config resource (BROKER or TOPIC), sorted by key. Values of
 * password configs are plaintext here (is_password set). */
typedef struct mg_zkp_kv {
    const char *key;
    const char *value; /* borrowed from the image, or owned when owned == true */
    bool is_password; /* plaintext, encrypted when written */
    bool encrypted;   /* reconcile without a secret: ZooKeeper's ciphertext, copied verbatim */
    bool owned;
} mg_zkp_kv;
typedef struct mg_zkp_kvs {
    mg_zkp_kv *v;
    int32_t n;
} mg_zkp_kvs;
void mg_zkp_kvs_free(mg_zkp_kvs *k);
int mg_zkp_config_kvs(mg_zkp_ctx *c, const mg_zkp_group *g, int8_t type, mg_zkp_kvs *out);
/* Quota + SCRAM content of a quota entity: quota values formatted, SCRAM texts. */
int mg_zkp_quota_kvs(mg_zkp_ctx *c, const mg_zkp_group *quotas, const mg_zkp_group *scram, mg_zkp_kvs *out);

/* Writers (ops appended to c->out). */
/* A TOPIC resource is always written (an empty map when nothing is left: Kafka keeps
 * /config/topics/<t> for every topic); a BROKER resource left empty is deleted. Both are
 * followed by a config change notification. */
int mg_zkp_write_config(mg_zkp_ctx *c, int8_t type, const char *name, const mg_zkp_kvs *kvs, bool exists);
int mg_zkp_write_quota_entity(mg_zkp_ctx *c, const char *path, const mg_zkp_kvs *kvs, bool exists);
int mg_zkp_write_acls(mg_zkp_ctx *c, int8_t type, int8_t pattern, const char *name, const mg_zkp_group *g,
                      bool exists);
int mg_zkp_create_topic(mg_zkp_ctx *c, const kr_image_topic *t, const mg_zkp_kvs *configs);
int mg_zkp_delete_topic(mg_zkp_ctx *c, const char *name, const int32_t *pids, int32_t n, const char *what);
int mg_zkp_write_topic_znode(mg_zkp_ctx *c, const kr_image_topic *t, bool exists, const char *what);
int mg_zkp_write_partition(mg_zkp_ctx *c, const kr_image_topic *t, const kr_image_partition *p, bool is_new,
                           bool state_exists, const char *what);
int mg_zkp_write_producer_ids(mg_zkp_ctx *c);
int mg_zkp_write_token(mg_zkp_ctx *c, const kr_image_token *t, bool exists);

/* Index of a token in img->tokens, or -1. */
int32_t mg_zkp_token_index(const kr_image *img, const char *token_id);

/* Sorted, de-duplicated ACL entries of a group (pointers into the image). */
int mg_zkp_acl_entries(mg_zkp_ctx *c, const mg_zkp_group *g, const kr_image_acl ***out, size_t *n);

#endif
