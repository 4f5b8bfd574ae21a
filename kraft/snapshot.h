/*
 * KRaft snapshot files (spec metadata-log.md §9) and bootstrap.checkpoint
 * (§11.6): v2 batches with offsets from 0, a header control batch first
 * (SNAPSHOT_HEADER [, KRAFT_VERSION [, KRAFT_VOTERS]]), data batches, and a
 * footer control batch alone at the end; every batch carries the snapshot epoch.
 *
 * Data records are packed as Kafka's RecordsSnapshotWriter does: records
 * are taken in groups of `group_records` (RaftSnapshotWriter's 1024) and a
 * group goes into the current batch while it has room under 8 MiB,
 * otherwise a new batch starts; a group is never split.
 */
#ifndef KRAFT_SNAPSHOT_H
#define KRAFT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/fsutil.h"
#include "kraft/record_batch.h"
#include "kraft/wire.h"

typedef struct kr_snapshot_id {
    int64_t end_offset; /* exclusive: last contained offset + 1 */
    int32_t epoch;      /* epoch of the last contained record */
} kr_snapshot_id;

#define KR_SNAPSHOT_NAME_SIZE 64
#define KR_SNAPSHOT_GROUP_RECORDS 1024

/* "<end offset, 20 digits>-<epoch, 10 digits>.checkpoint". */
void kr_snapshot_file_name(kr_snapshot_id id, char out[KR_SNAPSHOT_NAME_SIZE]);

enum kr_snapshot_name_kind {
    KR_SNAPSHOT_NAME_NONE = 0,   /* not a snapshot file */
    KR_SNAPSHOT_NAME_CHECKPOINT, /* <20d>-<10d>.checkpoint */
    KR_SNAPSHOT_NAME_PART,       /* <20d>-<10d>[-<digits>].checkpoint.part */
    KR_SNAPSHOT_NAME_DELETED,    /* <20d>-<10d>.checkpoint.deleted */
};
/* Classifies a file name (no directory part) and parses its id. */
enum kr_snapshot_name_kind kr_snapshot_parse_name(const char *name, kr_snapshot_id *id);

/* ---- writer ------------------------------------------------------------- */

typedef struct kr_snapshot_options {
    int64_t last_contained_log_timestamp_ms; /* 0 for bootstrap.checkpoint */
    int64_t append_time_ms;   /* stamped on every batch (the caller reads the clock) */
    int16_t kraft_version;    /* 0, or 1: header batch adds KRAFT_VERSION */
    const uint8_t *voters_value; /* encoded VotersRecord v0 body (kraft.version 1), or NULL */
    size_t voters_len;
    int32_t group_records;    /* 0 = 1024 (snapshots); bootstrap.checkpoint uses 1 */
} kr_snapshot_options;

typedef struct kr_snapshot_writer {
    kr_atomic_file file;   /* .part (or .tmp) until finish */
    int32_t epoch;
    kr_snapshot_options opts;
    kr_buf batch;          /* the open data batch */
    kr_batch_builder builder;
    bool batch_open;
    kr_buf group;          /* values of the pending group, back to back */
    uint32_t *group_lens;  /* their lengths */
    int32_t group_n;
    uint64_t group_bytes;
    int64_t next_offset;   /* offset of the next record */
    uint64_t size_bytes;   /* bytes written to the file so far */
    int64_t records;       /* data records appended */
    bool failed;
} kr_snapshot_writer;

/* Starts `dir/<id>.checkpoint` via `<id>-<random digits>.checkpoint.part` and
 * writes the header batch. kraft_version 0 with voters is refused. */
int kr_snapshot_writer_begin(kr_snapshot_writer *w, const char *dir, kr_snapshot_id id,
                             const kr_snapshot_options *opts, kr_error *err);
/* Same format at an explicit path via `<path>.tmp` (bootstrap.checkpoint: epoch 0). */
int kr_snapshot_writer_begin_path(kr_snapshot_writer *w, const char *path, int32_t epoch,
                                  const kr_snapshot_options *opts, kr_error *err);
/* Appends one data record value (a framed metadata record, §3). */
int kr_snapshot_writer_append(kr_snapshot_writer *w, const uint8_t *value, size_t len,
                              kr_error *err);
/* Writes the last data batch and the footer, fsyncs, makes the file 0400,
 * renames it to its final name and fsyncs the directory. */
int kr_snapshot_writer_finish(kr_snapshot_writer *w, kr_error *err);
/* Deletes the temporary file and frees memory (after an error, or to cancel). */
void kr_snapshot_writer_abort(kr_snapshot_writer *w);

/* ---- reader ------------------------------------------------------------- */

typedef struct kr_snapshot_reader {
    kr_file_view view;
    bool borrowed;             /* view belongs to the caller (open_buffer) */
    char path[4096];
    bool has_id;               /* the name parsed as <20d>-<10d>.checkpoint */
    kr_snapshot_id id;
    int32_t epoch;             /* every batch's epoch (from the name, else the header batch) */
    kr_batch_scanner scan;
    int64_t last_contained_log_timestamp_ms;
    int64_t header_batch_timestamp_ms;
    int16_t kraft_version;     /* 0 unless a KRAFT_VERSION record says otherwise */
    kr_bytes voters_value;     /* KRAFT_VOTERS value (borrowed), len -1 when absent */
    int64_t next_offset;
    int64_t data_records;      /* data records returned so far */
    bool done;                 /* footer seen */
    bool failed;
} kr_snapshot_reader;

/* Maps `path` and checks the header batch. The epoch/offset come from the
 * file name when it is a snapshot name (bootstrap.checkpoint: from the header). */
int kr_snapshot_reader_open(kr_snapshot_reader *r, const char *path, kr_error *err);
/* Same over bytes in memory (borrowed); `name` is used in errors. */
int kr_snapshot_reader_open_buffer(kr_snapshot_reader *r, const uint8_t *data, size_t len,
                                   const char *name, kr_error *err);
/* The next batch after the header batch: data batches (and any other control
 * batch); KR_SCAN_END after the footer, which must be alone and last.
 * Rejects wrong offsets/epochs, transaction records, a missing footer. */
enum kr_scan_status kr_snapshot_reader_next(kr_snapshot_reader *r, kr_batch *out, kr_error *err);
void kr_snapshot_reader_close(kr_snapshot_reader *r);

#endif
