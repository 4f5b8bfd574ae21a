/*
 * Metadata log segments (spec metadata-log.md §7.4, §11.1): files named
 * `<20-digit base offset>.log` holding v2 batches back to back.
 *
 * - kr_segment_writer appends batches, checking contiguous offsets and
 *   non-decreasing epochs before anything reaches the file.
 * - kr_segment_recover finds the valid prefix of one segment and truncates a
 *   torn tail (Java's recovery rule); corruption is reported, not cut.
 * - kr_log_reader iterates the batches of every segment of a directory in
 *   offset order, with the same log-level checks.
 */
#ifndef KRAFT_LOG_SEGMENT_H
#define KRAFT_LOG_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/fsutil.h"
#include "kraft/record_batch.h"

#define KR_SEGMENT_NAME_SIZE 32 /* "00000000000000000000.log" + NUL, with room */

/* "<base offset, 20 digits>.log". */
void kr_segment_file_name(int64_t base_offset, char out[KR_SEGMENT_NAME_SIZE]);
/* True for exactly 20 digits + ".log"; sets *base_offset. */
bool kr_segment_parse_name(const char *name, int64_t *base_offset);

/* ---- writer ------------------------------------------------------------- */

typedef struct kr_segment_writer {
    int fd;
    char path[4096];
    int64_t base_offset;
    int64_t next_offset; /* base offset the next batch must have */
    int32_t last_epoch;  /* -1 before the first batch */
    uint64_t size_bytes;
} kr_segment_writer;

/* Creates a new, empty segment `dir/<base>.log` (fails if it exists). */
int kr_segment_writer_create(kr_segment_writer *w, const char *dir, int64_t base_offset,
                             kr_error *err);
/* Opens an existing segment for appending after kr_segment_recover said it
 * holds `size_bytes` valid bytes ending before `next_offset`, last epoch `last_epoch`. */
int kr_segment_writer_resume(kr_segment_writer *w, const char *dir, int64_t base_offset,
                             uint64_t size_bytes, int64_t next_offset, int32_t last_epoch,
                             kr_error *err);
/* Appends one or more whole batches (validated: framing, CRC, KRaft rules,
 * offsets continue at next_offset, epochs do not decrease). Nothing is
 * written if any batch is refused. */
int kr_segment_append(kr_segment_writer *w, const uint8_t *batches, size_t len, kr_error *err);
/* fsync of the segment file. */
int kr_segment_sync(kr_segment_writer *w, kr_error *err);
/* Closes the file (no fsync: call kr_segment_sync first when it matters). */
int kr_segment_writer_close(kr_segment_writer *w, kr_error *err);

/* ---- recovery ----------------------------------------------------------- */

typedef struct kr_segment_recovery {
    uint64_t valid_bytes;     /* length of the valid prefix (the file's new size) */
    uint64_t truncated_bytes; /* bytes cut from a torn tail (0 if none) */
    int32_t batches;          /* valid batches kept */
    int64_t next_offset;      /* last kept offset + 1 (the base offset if none) */
    int32_t last_epoch;       /* epoch of the last kept batch, -1 if none */
    char torn[512];           /* description of the cut tail, "" if none */
} kr_segment_recovery;

/* Scans `path` (a segment whose name gives the base offset), checks every
 * batch and the log rules, and truncates a torn tail (then fsyncs). A corrupt
 * batch is an error naming file and byte; nothing is cut then. */
int kr_segment_recover(const char *path, kr_segment_recovery *out, kr_error *err);

/* ---- reader over a directory of segments -------------------------------- */

typedef struct kr_log_reader {
    char dir[4096];
    int64_t *bases;        /* sorted segment base offsets */
    int32_t n_segments;
    int32_t cur;           /* index of the open segment, -1 before the first */
    char cur_path[4096];
    kr_file_view view;
    kr_batch_scanner scan;
    enum kr_scan_rules rules;
    int64_t next_offset;   /* -1 before the first batch */
    int32_t last_epoch;
    bool failed;
} kr_log_reader;

/* Lists `dir/<20 digits>.log` (other files are ignored); KR_ERR_NOT_FOUND
 * when `dir` does not exist. An empty directory reads as an empty log. */
int kr_log_reader_open(kr_log_reader *lr, const char *dir, kr_error *err);
/* Next batch across segments. TORN only in the last segment; a batch that
 * breaks offset contiguity or lowers the epoch is KR_SCAN_ERROR. */
enum kr_scan_status kr_log_reader_next(kr_log_reader *lr, kr_batch *out, kr_error *err);
/* The path of the segment the last batch came from. */
static inline const char *kr_log_reader_file(const kr_log_reader *lr) { return lr->cur_path; }
void kr_log_reader_close(kr_log_reader *lr);

/* Checks that `b` may follow a log position (next_offset -1: anything);
 * returns KR_OK or KR_ERR_CORRUPT naming file and byte. */
int kr_log_check_order(const kr_batch *b, int64_t next_offset, int32_t last_epoch, kr_error *err);

#endif
