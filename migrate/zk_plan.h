/*
 * Dual-write planners (spec migration.md §9): KRaft image → ZooKeeper ops
 * (zk_ops.h) in exactly the JSON ZooKeeper-mode Kafka writes (zk-layout.md).
 *
 * Deltas: the driver calls mg_zk_touch for each committed record BEFORE it is
 * applied to its image (removals are resolved against the image that still
 * holds the entity), applies the records, then mg_zk_plan_delta writes every
 * touched entity's whole current state from the image (or deletes it). Order
 * of §9.1: topics, configs, quotas + SCRAM, producer ids, ACLs, tokens, with
 * config/ACL change notifications after the writes they announce.
 *
 * Reconciliation: mg_zk_plan_reconcile compares the whole image with a
 * ZooKeeper model (read leniently) and plans what makes ZooKeeper equal to
 * the image, including the odd states Kafka loops on (missing state znodes,
 * extraneous partitions, pending deletions): it never plans an op that can
 * fail on every retry.
 */
#ifndef MIGRATE_ZK_PLAN_H
#define MIGRATE_ZK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "kraft/metadata_record.h"
#include "migrate/zk_ops.h"
#include "zkread/model.h"

typedef struct mg_zk_plan_options {
    int32_t kraft_controller_epoch;      /* `controller_epoch` in partition state JSON */
    const char *password_encoder_secret; /* re-encrypts sensitive broker configs; NULL: such
                                            keys are not written (reported in the stats) */
    int64_t now_ms;                      /* /controller-style timestamps, token JSON */
} mg_zk_plan_options;

/* Entities touched by committed records since the last plan (opaque). */
typedef struct mg_zk_touched mg_zk_touched;
int mg_zk_touched_new(mg_zk_touched **out, kr_error *err);
void mg_zk_touched_free(mg_zk_touched *t);
void mg_zk_touched_clear(mg_zk_touched *t);
bool mg_zk_touched_empty(const mg_zk_touched *t);

/* Records that `rec` changes something ZooKeeper mirrors; `before` is the image it
 * will be applied to. Records ZooKeeper does not mirror are ignored (§9.3 last row). */
int mg_zk_touch(mg_zk_touched *t, const kr_image *before, const kr_metadata_record *rec, kr_error *err);

typedef struct mg_zk_plan_stats {
    int64_t topics_created, topics_deleted, topics_updated;
    int64_t partitions_written, partitions_deleted;
    int64_t configs_written, configs_deleted;
    int64_t quota_entities_written, scram_users_written;
    int64_t acl_resources_written, acl_resources_deleted;
    int64_t tokens_written, tokens_deleted;
    int64_t producer_ids_written;
    int64_t sensitive_configs_skipped; /* no password encoder secret */
} mg_zk_plan_stats;

/* Appends to `out` the ops that write every touched entity's state in `after`. */
int mg_zk_plan_delta(const kr_image *after, const mg_zk_touched *t, const mg_zk_plan_options *o,
                     mg_zk_ops *out, mg_zk_plan_stats *st, kr_error *err);

/* Appends to `out` the ops that make ZooKeeper (model `zk`, as read) mirror `img`. */
int mg_zk_plan_reconcile(const kr_image *img, const zr_model *zk, const mg_zk_plan_options *o,
                         mg_zk_ops *out, mg_zk_plan_stats *st, kr_error *err);

#endif
