/*
 * Semantic diff of two metadata images (the ZooKeeper side, as the migration would write
 * it, against a KRaft side): entities matched by their natural keys, never by bytes.
 *   features / metadata.version, ZkMigrationState, producer ids,
 *   topics by name (id, partition count), partitions by (topic, id) (replicas, ISR, leader,
 *   leader epoch, partition epoch, adding/removing, recovery state, directories),
 *   configs by (resource type, resource, key), client quotas by (entity, key),
 *   SCRAM by (user, mechanism) (salt/keys/iterations compared, never printed),
 *   ACLs by content (ids are random), delegation tokens by id.
 * Broker and controller registrations are not compared (ZooKeeper has none to migrate).
 * Entries come out sorted by (entity, key, field), so output is stable. Secret values
 * (SCRAM material, sensitive config values) appear as "***" in entries.
 */
#ifndef MIGRATE_DIFF_H
#define MIGRATE_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "migrate/convert.h"
#include "migrate/report.h"

enum mg_diff_entity {
    MG_DIFF_FEATURES = 0,
    MG_DIFF_MIGRATION,
    MG_DIFF_PRODUCER_IDS,
    MG_DIFF_TOPICS,
    MG_DIFF_PARTITIONS,
    MG_DIFF_CONFIGS,
    MG_DIFF_QUOTAS,
    MG_DIFF_SCRAM,
    MG_DIFF_ACLS,
    MG_DIFF_TOKENS,
    MG_DIFF_ENTITY_COUNT
};
const char *mg_diff_entity_name(enum mg_diff_entity e); /* "topics", "partitions", ... */

enum mg_diff_kind { MG_DIFF_ONLY_LEFT = 0, MG_DIFF_ONLY_RIGHT = 1, MG_DIFF_CHANGED = 2 };
const char *mg_diff_kind_name(enum mg_diff_kind k); /* "only-left", "only-right", "changed" */

/* Fields that may be ignored (bit mask), e.g. against a live cluster whose leaders moved. */
enum {
    MG_DIFF_IGNORE_LEADER = 1u << 0,          /* leader */
    MG_DIFF_IGNORE_LEADER_EPOCH = 1u << 1,    /* leader_epoch */
    MG_DIFF_IGNORE_PARTITION_EPOCH = 1u << 2, /* partition_epoch */
    MG_DIFF_IGNORE_ISR = 1u << 3,             /* isr (and leader_recovery_state) */
    MG_DIFF_IGNORE_DIRECTORIES = 1u << 4,     /* directories */
    MG_DIFF_IGNORE_MIGRATION_STATE = 1u << 5, /* ZkMigrationState */
    MG_DIFF_IGNORE_PRODUCER_IDS = 1u << 6,    /* next producer id */
    MG_DIFF_IGNORE_METADATA_VERSION = 1u << 7,
    MG_DIFF_IGNORE_TOPIC_IDS = 1u << 8,       /* minted ids differ from run to run */
};

typedef struct mg_diff_options {
    unsigned ignore;        /* MG_DIFF_IGNORE_* */
    const char *left_name;  /* "zookeeper" when NULL */
    const char *right_name; /* "kraft" when NULL */
} mg_diff_options;

typedef struct mg_diff_entry {
    enum mg_diff_entity entity;
    enum mg_diff_kind kind;
    char *key;   /* "orders", "orders-3", "topic:orders/retention.ms", "user=alice/SCRAM-SHA-256" */
    char *field; /* CHANGED only: "leader", "isr", ...; "" otherwise */
    char *left;  /* value text on the left ("" when only right); secrets "***" */
    char *right;
} mg_diff_entry;

typedef struct mg_diff_result {
    mg_diff_entry *v;
    size_t n, cap;
    size_t counts[MG_DIFF_ENTITY_COUNT][3]; /* per entity, per kind (CHANGED counts fields) */
    size_t left_count[MG_DIFF_ENTITY_COUNT], right_count[MG_DIFF_ENTITY_COUNT]; /* entities */
    char left_name[32], right_name[32];
} mg_diff_result;

/* Compares; result zeroed by the function first. Returns 0 or KR_ERR_NOMEM. */
int mg_diff(const kr_image *left, const kr_image *right, const mg_diff_options *o, mg_diff_result *out,
            kr_error *err);
void mg_diff_result_free(mg_diff_result *r);
static inline bool mg_diff_same(const mg_diff_result *r) { return r->n == 0; }

/* Topics the conversion gave a fresh id (rep->minted) take the KRaft side's id, so they
 * match by name as the topics they are (the diff never uses the left image's id index). */
void mg_diff_adopt_minted_ids(kr_image *zk, const kr_image *kraft, const mg_convert_report *rep);

/* Iteration: entries of one entity in order (i starts at 0; returns NULL at the end). */
const mg_diff_entry *mg_diff_next(const mg_diff_result *r, enum mg_diff_entity e, size_t *i);

/* Text: per entity type "topics: 12 left, 12 right, 1 only-left, 0 only-right, 2 changed"
 * then (always) each difference: "- topics orders (only in zookeeper)",
 * "~ partitions orders-0 leader: 1 -> 2". */
char *mg_diff_to_text(const mg_diff_result *r);
/* {"same":bool,"entities":{"topics":{"left":N,"right":N,"only_left":N,...}},"differences":[...]} */
json_t *mg_diff_to_json(const mg_diff_result *r);
/* One report check per entity type ("topics", ...), one WARNING finding per difference
 * (BLOCKER when blocking), for the shared text/JSON/JUnit writers. */
void mg_diff_to_report(const mg_diff_result *r, mg_report *rep, bool blocking);

/* A summary of one image per entity type (counts), for `diff` without --against. */
json_t *mg_image_summary_json(const kr_image *img);

#endif
