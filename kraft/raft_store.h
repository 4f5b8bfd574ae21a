/*
 * The on-disk Raft log of one controller: `<metadata.log.dir>/__cluster_metadata-0/`
 * (spec metadata-log.md §9, §11; kraft-raft.md §5, §14, §15).
 *
 * kr_raft_store_open recovers the directory (torn tails cut with a log line,
 * `.part`/`.deleted` leftovers removed, a snapshot newer than the log empties
 * the log onto it, §9.3); kr_raft_store_load feeds the core (snapshots, log
 * start, batch headers, quorum-state) and starts it. kr_raft_store_apply does
 * steps 1-5 of a ready (docs/raft.md) durably; the read functions serve
 * FetchResponse and FetchSnapshotResponse ranges and the state machine.
 *
 * Kept in memory: an index entry per batch (offsets, epoch, file position) and
 * the list of segments and snapshots. Payload bytes stay on disk.
 */
#ifndef KRAFT_RAFT_STORE_H
#define KRAFT_RAFT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/logger.h"
#include "kraft/raft.h"
#include "kraft/wire.h"

#define KR_METADATA_PARTITION_DIR "__cluster_metadata-0"
#define KR_DEFAULT_SEGMENT_BYTES (1024ull * 1024 * 1024) /* metadata.log.segment.bytes */

typedef struct kr_raft_store_options {
    const char *metadata_log_dir; /* the partition dir below it is created if missing */
    uint64_t segment_bytes;       /* roll threshold; 0: KR_DEFAULT_SEGMENT_BYTES */
    const int32_t *voters;        /* written into quorum-state (data_version 0) */
    size_t voter_count;
    kr_logger logger;
} kr_raft_store_options;

typedef struct kr_raft_store kr_raft_store;

int kr_raft_store_open(kr_raft_store **out, const kr_raft_store_options *o, kr_error *err);
void kr_raft_store_close(kr_raft_store *s);

/* Loads snapshots, the log start, every batch header and the stored
 * quorum-state into a freshly created core, then kr_raft_start. The caller
 * handles the ready that start produces. */
int kr_raft_store_load(kr_raft_store *s, kr_raft *r, kr_error *err);

/* Steps 1-5 of a ready: quorum-state, snapshot chunk/abort/install, truncate,
 * append (+ fsync), log start. Any error is fatal for the process: storage no
 * longer matches what the core believes. */
int kr_raft_store_apply(kr_raft_store *s, const kr_raft_ready *rd, kr_error *err);

/* Whole batches from `from` (a batch base offset), at least one and then while
 * the total stays <= max_bytes, all ending below `to`; appended to out. */
int kr_raft_store_read_batches(kr_raft_store *s, int64_t from, int64_t to, size_t max_bytes,
                               kr_buf *out, kr_error *err);
/* Bytes [position, position + max_len) of snapshot `id` (fewer at its end);
 * *size_bytes gets the file size. KR_ERR_NOT_FOUND when it is not held. */
int kr_raft_store_read_snapshot(kr_raft_store *s, kr_snapshot_id id, int64_t position,
                                size_t max_len, kr_buf *out, int64_t *size_bytes, kr_error *err);

/* Views. */
const char *kr_raft_store_dir(const kr_raft_store *s); /* the partition dir */
int64_t kr_raft_store_log_start(const kr_raft_store *s);
int64_t kr_raft_store_end_offset(const kr_raft_store *s);
/* The newest snapshot (false when none; the bootstrap 0-0 snapshot is not counted). */
bool kr_raft_store_latest_snapshot(const kr_raft_store *s, kr_snapshot_id *id);
/* Path of snapshot `id` in the partition dir (out must hold 4096 bytes). */
bool kr_raft_store_snapshot_path(const kr_raft_store *s, kr_snapshot_id id, char *out, size_t cap);
/* Registers a snapshot the state machine wrote into the partition dir. */
int kr_raft_store_add_snapshot(kr_raft_store *s, kr_snapshot_id id, int64_t size_bytes,
                               kr_error *err);
/* Number of segment files (tests and logs). */
size_t kr_raft_store_segment_count(const kr_raft_store *s);

#endif
