#include "kraft/format.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/fsutil.h"
#include "kraft/meta_properties.h"
#include "kraft/metadata_record.h"
#include "kraft/metadata_version.h"
#include "kraft/snapshot.h"

int kr_bootstrap_write(const char *path, int16_t metadata_version, int64_t timestamp_ms, kr_error *err) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = metadata_version;
    kr_buf value = {0};
    int rc = kr_metadata_record_encode(&value, &rec, err);
    if (rc != KR_OK) return rc;
    kr_snapshot_options opts = {.last_contained_log_timestamp_ms = 0, .append_time_ms = timestamp_ms,
                                .group_records = 1};
    kr_snapshot_writer w;
    rc = kr_snapshot_writer_begin_path(&w, path, 0, &opts, err);
    if (rc == KR_OK) rc = kr_snapshot_writer_append(&w, value.data, value.len, err);
    if (rc == KR_OK) rc = kr_snapshot_writer_finish(&w, err);
    else kr_snapshot_writer_abort(&w);
    kr_buf_free(&value);
    return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir, kr_error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return kr_fail(err, KR_ERR_IO, "%s: cannot create directory: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return kr_fail(err, KR_ERR_IO, "%s: cannot create directory: %s", path, strerror(errno));
    return KR_OK;
}

int kr_format_directory(const kr_format_options *o, kr_format_result *res, kr_error *err) {
    memset(res, 0, sizeof *res);
    kr_uuid cluster;
    if (!o->cluster_id || !kr_uuid_from_text(o->cluster_id, &cluster) || kr_uuid_is_zero(&cluster))
        return kr_fail(err, KR_ERR_INVALID,
                       "cluster id '%s' is not a Kafka uuid (22 characters of URL-safe base64, not zero)",
                       o->cluster_id ? o->cluster_id : "");
    if (o->node_id < 0) return kr_fail(err, KR_ERR_INVALID, "node.id %d is negative", o->node_id);
    if (o->metadata_version < KR_MV_3_3_IV0 || !kr_metadata_version_name(o->metadata_version))
        return kr_fail(err, KR_ERR_INVALID, "metadata.version level %d cannot bootstrap a cluster (3.3-IV0 or later)",
                       o->metadata_version);
    int rc = make_dirs(o->dir, err);
    if (rc != KR_OK) return rc;
    char meta[4096], boot[4096];
    if (!kr_path_join(meta, sizeof meta, o->dir, "meta.properties") ||
        !kr_path_join(boot, sizeof boot, o->dir, "bootstrap.checkpoint"))
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", o->dir);
    struct stat st;
    if (stat(meta, &st) == 0) {
        res->already_formatted = true;
        if (o->ignore_formatted) return KR_OK;
        return kr_fail(err, KR_ERR_INVALID, "%s: already formatted (meta.properties exists); use --ignore-formatted",
                       o->dir);
    }
    rc = kr_bootstrap_write(boot, o->metadata_version, o->timestamp_ms, err);
    if (rc != KR_OK) return rc;
    kr_meta_properties mp = {.version = 1, .has_cluster_id = true, .has_node_id = true,
                             .node_id = o->node_id, .has_directory_id = true};
    snprintf(mp.cluster_id, sizeof mp.cluster_id, "%s", o->cluster_id);
    if (!kr_uuid_random(&mp.directory_id)) return kr_fail(err, KR_ERR_IO, "the OS random source failed");
    res->directory_id = mp.directory_id;
    return kr_meta_properties_write(meta, &mp, err);
}
