/* In-memory index of the replicated log: offsets, the epoch -> start offset
 * table (Kafka's leader-epoch cache) and the snapshot ids that bound it.
 * It holds no payload bytes; the caller's storage does (kraft-raft.md §5.2). */
#ifndef KRAFT_RAFT_LOG_H
#define KRAFT_RAFT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Snapshot id: end offset (exclusive) and epoch of the last included record. */
typedef struct kr_snapshot_id {
    int64_t end_offset;
    int32_t epoch;
} kr_snapshot_id;

typedef struct kr_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} kr_epoch_entry;

/* (epoch, end offset) as returned by endOffsetForEpoch and DivergingEpoch. */
typedef struct kr_epoch_end {
    int32_t epoch;
    int64_t end_offset;
} kr_epoch_end;

enum kr_log_validity { KR_LOG_VALID, KR_LOG_DIVERGING, KR_LOG_SNAPSHOT };

typedef struct kr_raft_log {
    kr_epoch_entry *epochs; /* ascending epochs and start offsets */
    size_t epoch_count, epoch_cap;
    int64_t log_start_offset;
    int64_t end_offset; /* LEO */
    bool has_earliest, has_latest;
    kr_snapshot_id earliest; /* snapshot at log start (when log start > 0) */
    kr_snapshot_id latest;
    int64_t latest_size_bytes;
} kr_raft_log;

void kr_raft_log_init(kr_raft_log *log);
void kr_raft_log_free(kr_raft_log *log);
/* Appends a batch [base, last] of epoch; base must equal the LEO and the epoch
 * must not be below the last one. Returns false only on allocation failure. */
bool kr_raft_log_append(kr_raft_log *log, int64_t base, int64_t last, int32_t epoch);
/* Removes every offset >= offset (offset in [log start, LEO]). */
void kr_raft_log_truncate(kr_raft_log *log, int64_t offset);
/* Empties the log onto a snapshot: log start = LEO = id.end_offset. */
void kr_raft_log_truncate_fully(kr_raft_log *log, kr_snapshot_id id, int64_t size_bytes);
/* Records a snapshot as the latest (the earliest too if none yet). */
void kr_raft_log_add_snapshot(kr_raft_log *log, kr_snapshot_id id, int64_t size_bytes);
/* Moves the log start to the latest snapshot's end offset; it becomes the earliest.
 * Returns false when there is nothing to clean. */
bool kr_raft_log_clean(kr_raft_log *log);

/* Epoch of the last batch; the snapshot epoch for an empty log that starts at a
 * snapshot; otherwise 0. */
int32_t kr_raft_log_last_fetched_epoch(const kr_raft_log *log);
/* endOffsetForEpoch with the earliest-snapshot override (§5.2). */
kr_epoch_end kr_raft_log_end_offset_for_epoch(const kr_raft_log *log, int32_t epoch);
/* validateOffsetAndEpoch (§11.2 step 5); *out gets the diverging epoch or the
 * snapshot id (as {epoch, end_offset}). */
enum kr_log_validity kr_raft_log_validate(const kr_raft_log *log, int64_t offset, int32_t epoch,
                                          kr_epoch_end *out);
/* Epoch of the record at offset (log start <= offset < LEO), -1 if unknown. */
int32_t kr_raft_log_epoch_at(const kr_raft_log *log, int64_t offset);

#endif
