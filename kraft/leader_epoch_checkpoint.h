/*
 * leader-epoch-checkpoint (spec metadata-log.md §11.3): "0\n<N>\n" then N
 * lines "<epoch> <start offset>\n", ascending.
 */
#ifndef KRAFT_LEADER_EPOCH_CHECKPOINT_H
#define KRAFT_LEADER_EPOCH_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h"

typedef struct kr_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} kr_epoch_entry;

typedef struct kr_leader_epochs {
    kr_epoch_entry *v;
    int32_t n;
    int32_t cap;
} kr_leader_epochs;

/* Records that `epoch` starts at `start_offset` if it is above the last
 * entry's epoch (as Kafka does on append and recovery); lower epochs are ignored. */
int kr_leader_epochs_observe(kr_leader_epochs *e, int32_t epoch, int64_t start_offset,
                             kr_error *err);
/* Parses the file text; `name` is used in errors. Entries must ascend. */
int kr_leader_epochs_parse(const char *text, size_t len, const char *name, kr_leader_epochs *out,
                           kr_error *err);
/* Appends the exact file bytes to out. */
void kr_leader_epochs_format(const kr_leader_epochs *e, kr_buf *out);
/* Reads / atomically writes `path`. */
int kr_leader_epochs_read(const char *path, kr_leader_epochs *out, kr_error *err);
int kr_leader_epochs_write(const char *path, const kr_leader_epochs *e, kr_error *err);
void kr_leader_epochs_free(kr_leader_epochs *e);

#endif
