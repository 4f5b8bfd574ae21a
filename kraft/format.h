/* Formatting a metadata log directory, as `kafka-storage format` does
 * (spec metadata-log.md §11.5-11.6): bootstrap.checkpoint first, then
 * meta.properties, so an interrupted format leaves no "formatted" marker. */
#ifndef KRAFT_FORMAT_H
#define KRAFT_FORMAT_H

#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h"

typedef struct kr_format_options {
    const char *dir;        /* metadata.log.dir */
    const char *cluster_id; /* uuid text, 22 characters */
    int32_t node_id;
    int16_t metadata_version; /* level, >= 3.3-IV0 */
    int64_t timestamp_ms;   /* stamped on the bootstrap batches */
    bool ignore_formatted;  /* an existing meta.properties is not an error */
} kr_format_options;

typedef struct kr_format_result {
    bool already_formatted;
    kr_uuid directory_id;
} kr_format_result;

/* Writes <dir>/bootstrap.checkpoint: header, one data batch with the
 * metadata.version FeatureLevelRecord, footer; epoch 0. */
int kr_bootstrap_write(const char *path, int16_t metadata_version, int64_t timestamp_ms, kr_error *err);

int kr_format_directory(const kr_format_options *o, kr_format_result *res, kr_error *err);

#endif
