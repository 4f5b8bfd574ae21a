/*
 * verify: during migration mode (KRaft authoritative, dual-writing into ZooKeeper), do both
 * sides hold the same metadata? The ZooKeeper model is converted as a dual-write migration
 * would (ZkMigrationState MIGRATION, the KRaft side's metadata.version) and diffed against a
 * KRaft image with mg_diff, ignoring what dual-write cannot keep equal (migration.md §9.3):
 * partition epochs (ZK znode versions), directories, ZkMigrationState, metadata.version.
 * Producer ids follow their own rule (mg_verify_producer_ids_in_sync). Lag is how far the
 * KRaft side's committed log is ahead of the offset recorded in /migration.
 */
#ifndef MIGRATE_VERIFY_H
#define MIGRATE_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "migrate/convert.h"
#include "migrate/diff.h"
#include "migrate/report.h"
#include "zkread/model.h"

typedef struct mg_verify_options {
    mg_password_encoder password_encoder;
    unsigned ignore;                     /* extra MG_DIFF_IGNORE_* (a Kafka client's view: leader epoch...) */
    bool exclude[MG_DIFF_ENTITY_COUNT];  /* entity types the KRaft side cannot show */
    int64_t kraft_committed_offset;      /* last committed offset of the KRaft side; -1 unknown */
    bool client_view;                    /* the KRaft side is a Kafka client's view (cluster_view.h):
                                            per-broker configs only of the brokers it lists,
                                            sensitive config values not comparable */
} mg_verify_options;

typedef struct mg_verify_result {
    mg_diff_result diff;          /* after ignores, exclusions and the producer-id rule */
    mg_convert_report convert;    /* notes of the ZooKeeper-side conversion */
    bool converted;               /* false: the conversion refused (notes say why): drift */
    bool producer_ids_in_sync;
    bool lag_known;
    int64_t lag_offsets;
} mg_verify_result;

/* ZooKeeper's producer-id block against KRaft's next producer id (migration.md §4.6, §9.3):
 * in sync when the block is the migrated one (block_end + 1 == next) or the one dual-write
 * wrote (block_start == next); both absent is in sync too. */
bool mg_verify_producer_ids_in_sync(bool zk_has_block, int64_t block_start, int64_t block_end, int64_t kraft_next);

/* Lag in offsets: KRaft's committed last offset minus /migration's kraft_metadata_offset.
 * False (unknown) without /migration, with an offset of -1 there (nothing written yet), or
 * without a committed offset on the KRaft side. */
bool mg_verify_lag(bool zk_has_migration, int64_t migration_offset, int64_t kraft_committed_offset,
                   int64_t *lag);

/* Converts zk (a finished model) at kraft's metadata.version and compares. Returns 0
 * (result filled, also when the conversion refused) or a kr_code with err set. */
int mg_verify(const zr_model *zk, const kr_image *kraft, const mg_verify_options *o, mg_verify_result *out,
              kr_error *err);
void mg_verify_result_free(mg_verify_result *r);

static inline bool mg_verify_in_sync(const mg_verify_result *r) { return r->converted && r->diff.n == 0; }
/* Number of differences (refused conversion: its blocking notes). */
size_t mg_verify_difference_count(const mg_verify_result *r);

/* The /migration znode as JSON (null members when absent). */
json_t *mg_verify_migration_json(const zr_model *zk);
/* {"in_sync":bool,"lag_offsets":N|null,"zookeeper":{...},"kraft":kraft (stolen),
 *  "excluded":[entity...],"differences":[...]} */
json_t *mg_verify_to_json(const mg_verify_result *r, const zr_model *zk, const mg_verify_options *o, json_t *kraft);
/* Difference lines exactly as mg_diff_to_text prints them ("~ partitions orders-0 isr: ..."),
 * secrets masked; refused conversion: "! zookeeper <path>: <message>". Caller frees. */
char *mg_verify_differences_text(const mg_verify_result *r);
/* One report check per compared entity type, a BLOCKER per difference (JUnit). */
void mg_verify_to_report(const mg_verify_result *r, const mg_verify_options *o, mg_report *rep);

#endif
