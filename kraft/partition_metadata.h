/*
 * partition.metadata (spec metadata-log.md §11.2): exactly
 * "version: 0\ntopic_id: <uuid text>", no trailing newline.
 */
#ifndef KRAFT_PARTITION_METADATA_H
#define KRAFT_PARTITION_METADATA_H

#include <stddef.h>

#include "kraft/error.h"
#include "kraft/wire.h"

/* The fixed topic id of __cluster_metadata: uuid (0, 1), "AAAAAAAAAAAAAAAAAAAAAQ". */
extern const kr_uuid KR_METADATA_TOPIC_ID;

/* Parses the text (lines split on ':' + whitespace, version must be 0, the
 * id must be valid uuid text and not zero). */
int kr_partition_metadata_parse(const char *text, size_t len, const char *name, kr_uuid *topic_id,
                                kr_error *err);
/* Appends the exact 43 bytes to out. */
void kr_partition_metadata_format(const kr_uuid *topic_id, kr_buf *out);
int kr_partition_metadata_read(const char *path, kr_uuid *topic_id, kr_error *err);
/* Atomic write (temp, fsync, rename, fsync dir). */
int kr_partition_metadata_write(const char *path, const kr_uuid *topic_id, kr_error *err);

#endif
