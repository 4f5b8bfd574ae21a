/*
 * meta.properties (spec metadata-log.md §11.5): a Java properties file in
 * every log directory. v0 = ZooKeeper-era broker, v1 = KRaft.
 */
#ifndef KRAFT_META_PROPERTIES_H
#define KRAFT_META_PROPERTIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kraft/error.h"
#include "kraft/wire.h"

#define KR_CLUSTER_ID_MAX 255 /* bytes; Kafka ids are 22, ZooKeeper-era ones may differ */

typedef struct kr_meta_properties {
    int version;                 /* 0 or 1 */
    bool has_cluster_id;
    char cluster_id[KR_CLUSTER_ID_MAX + 1];
    bool has_node_id;            /* node.id (v1) or broker.id (v0) */
    int32_t node_id;
    bool has_directory_id;
    kr_uuid directory_id;
} kr_meta_properties;

/* Parses properties text: comments (# !), key=value / key:value / key value,
 * escapes, continuation lines; any key order. Unknown keys are ignored.
 * Validates: version 0|1, v1 needs cluster.id and node.id, ids are decimal
 * int32 >= 0, directory.id is uuid text. `name` is used in errors. */
int kr_meta_properties_parse(const char *text, size_t len, const char *name,
                             kr_meta_properties *out, kr_error *err);
/* Checks the fields as parse does (for values built in code). */
int kr_meta_properties_validate(const kr_meta_properties *mp, const char *name, kr_error *err);
/* Appends the file as Java 17 writes it: "#\n#<date>\n" then (v1) node.id,
 * directory.id, version, cluster.id or (v0) broker.id, directory.id, version,
 * cluster.id; absent optional keys are skipped. `when` is the date line (UTC). */
int kr_meta_properties_format(const kr_meta_properties *mp, time_t when, kr_buf *out,
                              kr_error *err);
int kr_meta_properties_read(const char *path, kr_meta_properties *out, kr_error *err);
/* Atomic write (meta.properties.tmp, fsync, rename, fsync dir), dated now. */
int kr_meta_properties_write(const char *path, const kr_meta_properties *mp, kr_error *err);

#endif
