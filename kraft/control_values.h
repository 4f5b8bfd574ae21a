/*
 * Values of the KRaft control records (spec metadata-log.md §6) as the
 * storage layer needs them: bare message bodies at version 0. Thin wrappers
 * so snapshots and the Raft log share one place that calls the codecs.
 */
#ifndef KRAFT_CONTROL_VALUES_H
#define KRAFT_CONTROL_VALUES_H

#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h"

/* SnapshotHeaderRecord v0 {Version 0, LastContainedLogTimestamp}. */
int kr_control_header_value(kr_buf *out, int64_t last_contained_log_timestamp_ms, kr_error *err);
int kr_control_header_decode(kr_bytes value, int64_t *last_contained_log_timestamp_ms,
                             kr_error *err);
/* SnapshotFooterRecord v0 {Version 0}. */
int kr_control_footer_value(kr_buf *out, kr_error *err);
int kr_control_footer_decode(kr_bytes value, kr_error *err);
/* KRaftVersionRecord v0 {Version 0, KRaftVersion}. */
int kr_control_kraft_version_value(kr_buf *out, int16_t kraft_version, kr_error *err);
int kr_control_kraft_version_decode(kr_bytes value, int16_t *kraft_version, kr_error *err);

/* Checks that a KRAFT_VOTERS value is a valid VotersRecord v0 body. */
int kr_control_voters_check(kr_bytes value, kr_error *err);

#endif
