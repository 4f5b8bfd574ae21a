/*
 * ZooKeeper model -> KRaft metadata records (spec migration.md §4, metadata-log.md §10).
 *
 * The records are those of a snapshot taken right after a Kafka 3.9 migration at the
 * target metadata.version, in snapshot order (metadata-log.md §10.3):
 *   FeatureLevelRecord metadata.version, ZkMigrationStateRecord,
 *   per topic (sorted by name): TopicRecord, PartitionRecords (sorted by id),
 *   ConfigRecords (topics, then brokers; "" = broker default), ClientQuotaRecords,
 *   ProducerIdsRecord, AccessControlEntryRecords, UserScramCredentialRecords (>= 3.5-IV2),
 *   DelegationTokenRecords (>= 3.6-IV2).
 * No transaction markers, no broker or controller registrations (brokers register over RPC).
 * Beyond Kafka: topics without an id get a minted one (listed in the report).
 */
#ifndef MIGRATE_CONVERT_H
#define MIGRATE_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "kraft/metadata_record.h"
#include "zkread/model.h"

/* ZkMigrationState values (migration.md §1.1). */
enum { MG_ZK_STATE_NONE = 0, MG_ZK_STATE_MIGRATION = 1, MG_ZK_STATE_PRE_MIGRATION = 2,
       MG_ZK_STATE_POST_MIGRATION = 3 };

/* Kafka's password.encoder.* settings (KafkaConfig defaults when zero/NULL). The values
 * stored in ZooKeeper name their own algorithms; these are only used when they do not. */
typedef struct mg_password_encoder {
    const char *secret; /* password.encoder.secret; NULL = none (secret: never printed) */
} mg_password_encoder;

typedef struct mg_convert_options {
    int16_t metadata_version; /* level (kraft/metadata_version.h); 0 = 3.9-IV0. >= 3.4-IV0 */
    bool dual_write;          /* ZkMigrationState MIGRATION instead of POST_MIGRATION */
    mg_password_encoder password_encoder;
    /* Source of minted topic ids; NULL = kr_uuid_random (with Uuid.randomUuid's rules). */
    bool (*random_uuid)(void *ctx, kr_uuid *out);
    void *random_ctx;
} mg_convert_options;

/* Receives each record in snapshot order. `rec` is the decoded record (borrowed for the
 * call), `value` its framed bytes (metadata-log.md §3). Non-zero return stops mg_convert,
 * which returns that value (err set by the sink). */
typedef struct mg_record_sink {
    int (*record)(void *ctx, const kr_metadata_record *rec, const uint8_t *value, size_t len,
                  kr_error *err);
    void *ctx;
} mg_record_sink;

typedef struct mg_minted_id {
    char *topic;
    kr_uuid id;
    int32_t zk_version; /* -1: the model keeps no topic znode versions; mg_write_topic_ids re-reads
                           the znode and writes conditionally on the version it reads then */
} mg_minted_id;

enum mg_note_severity { MG_NOTE_INFO = 0, MG_NOTE_WARNING = 1, MG_NOTE_BLOCKER = 2 };

/* Something the conversion decided or refused, naming the znode. */
typedef struct mg_note {
    enum mg_note_severity severity;
    char *path;
    char *message;
} mg_note;

typedef struct mg_convert_report {
    int64_t records;                          /* all records emitted */
    int64_t bytes;                            /* framed value bytes */
    int64_t by_type[KR_REC_MAX_API_KEY + 1];  /* records per api key */
    int64_t topics, partitions;
    int64_t passwords_decrypted;
    mg_minted_id *minted; size_t n_minted;    /* topics given a fresh id */
    char **skipped_topics; size_t n_skipped;  /* pending deletion or without assignment */
    mg_note *notes; size_t n_notes, cap_notes;
    size_t blockers;                          /* notes with MG_NOTE_BLOCKER */
} mg_convert_report;

void mg_convert_report_init(mg_convert_report *rep);
void mg_convert_report_free(mg_convert_report *rep);

/*
 * Converts a finished model. Returns 0, or a kr_code with err set: KR_ERR_INVALID when the
 * model cannot be converted safely (rep->blockers > 0 then: e.g. encrypted passwords
 * without a secret, a wrong secret, a partition without state and without replicas);
 * the sink may have received a prefix of the records.
 */
int mg_convert(const zr_model *m, const mg_convert_options *o, mg_record_sink *sink,
               mg_convert_report *rep, kr_error *err);

/* mg_convert folded into img (kr_image_init'ed by the caller) with kr_image_apply. */
int mg_model_to_image(const zr_model *m, const mg_convert_options *o, kr_image *img,
                      mg_convert_report *rep, kr_error *err);

/* Uuid.randomUuid's constraints (migration.md §4.1): not zero, not the metadata topic id
 * (0,1), text form not starting with '-'. */
bool mg_uuid_is_mintable(const kr_uuid *u);

#endif
