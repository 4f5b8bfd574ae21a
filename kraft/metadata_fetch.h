/*
 * Reading a running quorum's committed metadata log as a Raft observer
 * (kraft-raft.md §11, §14.3, §16): find the active controller (DescribeCluster,
 * then DescribeQuorum for its epoch and high watermark), download its latest
 * snapshot when the log does not start at 0 (FetchSnapshot), then Fetch with
 * ReplicaId -1 (no effect on the HW or on check-quorum) up to the high
 * watermark, folding only batches that lie entirely below it.
 * Blocking, one connection at a time, every step bounded by timeout_ms.
 */
#ifndef KRAFT_METADATA_FETCH_H
#define KRAFT_METADATA_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "kraft/snapshot.h"

#define KR_FETCH_MAX_SNAPSHOT_BYTES (1024LL * 1024 * 1024) /* refuse larger snapshots */

typedef struct kr_metadata_fetch_options {
    const char *bootstrap; /* "host:port" of any controller listener */
    uint32_t timeout_ms;   /* connect and each request; 0 = 5000 */
    int32_t max_bytes;     /* per Fetch / FetchSnapshot; 0 = 8 MiB */
} kr_metadata_fetch_options;

typedef struct kr_metadata_fetch_stats {
    char cluster_id[64];        /* "" when DescribeCluster is not served */
    int32_t leader_id, leader_epoch;
    char leader[300];           /* host:port fetched from */
    int64_t high_watermark;     /* exclusive end of the committed log that was read */
    int64_t log_start_offset;
    bool used_snapshot;
    kr_snapshot_id snapshot;    /* when used_snapshot */
    int64_t snapshot_bytes;
    int64_t fetches, batches, records;
    int64_t committed_last_offset; /* high_watermark - 1 */
} kr_metadata_fetch_stats;

/* Fills img (kr_image_init'ed by the caller, empty) with the committed state.
 * Errors name the peer and the API. */
int kr_metadata_fetch_image(const kr_metadata_fetch_options *o, kr_image *img, kr_metadata_fetch_stats *st,
                            kr_error *err);

#endif
