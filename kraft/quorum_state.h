/*
 * quorum-state (spec metadata-log.md §11.4): one line of compact JSON, no
 * trailing newline; data_version 0 (kraft.version 0) or 1 (kraft.version 1).
 */
#ifndef KRAFT_QUORUM_STATE_H
#define KRAFT_QUORUM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h"

#define KR_QUORUM_MAX_VOTERS 1024 /* bound on currentVoters */

typedef struct kr_quorum_state {
    int16_t data_version;        /* 0 or 1 */
    int32_t leader_id;           /* -1 unknown */
    int32_t leader_epoch;
    int32_t voted_id;            /* -1 not voted */
    kr_uuid voted_directory_id;  /* v1 only; zero when unknown */
    int32_t n_voters;            /* v0 currentVoters */
    int32_t voters[KR_QUORUM_MAX_VOTERS];
} kr_quorum_state;

/* Parses the JSON (field order free; data_version required, 0 or 1). As
 * Kafka's converter: v0 needs clusterId, leaderId, leaderEpoch, votedId,
 * appliedOffset, currentVoters (may be null: n_voters -1); v1 needs leaderId,
 * leaderEpoch, votedId, votedDirectoryId. */
int kr_quorum_state_parse(const char *text, size_t len, const char *name, kr_quorum_state *out,
                          kr_error *err);
/* Appends Kafka's exact bytes (field order of the spec's examples). */
int kr_quorum_state_format(const kr_quorum_state *qs, kr_buf *out, kr_error *err);
int kr_quorum_state_read(const char *path, kr_quorum_state *out, kr_error *err);
/* Atomic write (quorum-state.tmp, fsync, rename, fsync dir). */
int kr_quorum_state_write(const char *path, const kr_quorum_state *qs, kr_error *err);

#endif
