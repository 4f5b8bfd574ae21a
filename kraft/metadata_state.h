/*
 * The controller's state machine: the metadata image fed with committed
 * batches (offsets < HW) through the transaction-aware loader, loaded from a
 * snapshot at start or after a snapshot install, and written out as a
 * snapshot (records in metadata-log.md §10.3 order) at the applied point.
 */
#ifndef KRAFT_METADATA_STATE_H
#define KRAFT_METADATA_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"
#include "kraft/raft_log.h"

#define KR_METADATA_MAX_HELD_BATCHES 100000 /* bound on an open transaction's batches */

typedef struct kr_metadata_state {
    kr_image img;
    kr_image_loader loader;
    int64_t applied_end;         /* offsets < applied_end are in the image */
    int32_t applied_epoch;       /* epoch of the last applied batch (or snapshot) */
    int64_t last_append_time_ms; /* max timestamp of the last applied batch */
    uint8_t **held;              /* copies of batches an open transaction borrows */
    size_t held_n, held_cap;
} kr_metadata_state;

void kr_metadata_state_init(kr_metadata_state *m);
void kr_metadata_state_free(kr_metadata_state *m);
/* Replaces the image with a snapshot file (or bootstrap.checkpoint when
 * id.end_offset is 0); applied_end becomes id.end_offset. */
int kr_metadata_state_load_snapshot(kr_metadata_state *m, const char *path, kr_snapshot_id id,
                                    kr_error *err);
/* One committed batch (whole RecordBatch bytes) at applied_end; control
 * batches only advance the position. */
int kr_metadata_state_apply_batch(kr_metadata_state *m, const uint8_t *bytes, size_t len,
                                  kr_error *err);
/* A snapshot can be taken: something applied and no transaction open. */
bool kr_metadata_state_can_snapshot(const kr_metadata_state *m);
/* Writes `dir/<applied_end>-<applied_epoch>.checkpoint`; *id and *size_bytes describe it. */
int kr_metadata_state_write_snapshot(const kr_metadata_state *m, const char *dir, int64_t now_ms,
                                     kr_snapshot_id *id, int64_t *size_bytes, kr_error *err);

#endif
