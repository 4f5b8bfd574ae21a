/* Reading the KRaft side for verify and rollback (see kraft_source.h). */
#include "cmd/kraft_source.h"

#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "kraft/image_json.h"
#include "kraft/metadata_fetch.h"
#include "kraft/metadata_files.h"
#include "kraft/metadata_version.h"
#include "migrate/cluster_view.h"

const char *cli_kraft_kind_flag(enum cli_kraft_kind k) {
    switch (k) {
    case CLI_KRAFT_DIR: return "--metadata-dir";
    case CLI_KRAFT_CONTROLLER: return "--bootstrap-controller";
    case CLI_KRAFT_SERVER: return "--bootstrap-server";
    default: return "(none)";
    }
}

int cli_kraft_option(const char *cmd, int argc, char **argv, int *i, cli_kraft_source *s, bool allow_server) {
    const char *a = argv[*i];
    enum cli_kraft_kind k = CLI_KRAFT_NONE;
    if (!strcmp(a, "--metadata-dir")) k = CLI_KRAFT_DIR;
    else if (!strcmp(a, "--bootstrap-controller")) k = CLI_KRAFT_CONTROLLER;
    else if (!strcmp(a, "--bootstrap-server") && allow_server) k = CLI_KRAFT_SERVER;
    else return 0;
    if (*i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a), -1;
    if (s->kind != CLI_KRAFT_NONE)
        return cli_usage_error(cmd, "give only one of --metadata-dir, --bootstrap-controller%s",
                               allow_server ? ", --bootstrap-server" : ""), -1;
    s->kind = k;
    s->where = argv[++*i];
    return 1;
}

static json_t *image_info(const kr_image *img) {
    const char *mv = kr_metadata_version_name(img->metadata_version);
    return json_pack("{s:s?,s:s?}", "metadata_version", mv, "zk_migration_state",
                     img->zk_migration_state >= 0 ? kr_zk_migration_state_name(img->zk_migration_state) : NULL);
}

int cli_kraft_read(const cli_kraft_source *s, kr_image *img, int64_t *committed, json_t **info, kr_error *err) {
    *committed = -1;
    *info = NULL;
    int rc;
    json_t *o = image_info(img);
    switch (s->kind) {
    case CLI_KRAFT_DIR: {
        char *paths[1] = {(char *)s->where};
        kr_load_stats st = {0};
        rc = kr_image_load_paths(img, paths, 1, &st, err);
        if (rc) break;
        *committed = st.dir_last_offset;
        json_object_set_new(o, "source", json_string("metadata-dir"));
        json_object_set_new(o, "metadata_dir", json_string(s->where));
        if (st.has_snapshot)
            json_object_set_new(o, "snapshot", json_pack("{s:I,s:i}", "end_offset", (json_int_t)st.snapshot.end_offset,
                                                         "epoch", (int)st.snapshot.epoch));
        break;
    }
    case CLI_KRAFT_CONTROLLER: {
        kr_metadata_fetch_options fo = {.bootstrap = s->where, .timeout_ms = s->timeout_ms};
        kr_metadata_fetch_stats st;
        rc = kr_metadata_fetch_image(&fo, img, &st, err);
        if (rc) break;
        *committed = st.committed_last_offset;
        json_object_set_new(o, "source", json_string("bootstrap-controller"));
        json_object_set_new(o, "fetched_from", json_string(st.leader));
        json_object_set_new(o, "cluster_id", st.cluster_id[0] ? json_string(st.cluster_id) : json_null());
        json_object_set_new(o, "leader_id", json_integer(st.leader_id));
        json_object_set_new(o, "leader_epoch", json_integer(st.leader_epoch));
        json_object_set_new(o, "high_watermark", json_integer(st.high_watermark));
        json_object_set_new(o, "log_start_offset", json_integer(st.log_start_offset));
        json_object_set_new(o, "snapshot", st.used_snapshot ? json_pack("{s:I,s:i,s:I}", "end_offset",
                                                                        (json_int_t)st.snapshot.end_offset, "epoch",
                                                                        (int)st.snapshot.epoch, "bytes",
                                                                        (json_int_t)st.snapshot_bytes)
                                                            : json_null());
        json_object_set_new(o, "fetches", json_integer(st.fetches));
        json_object_set_new(o, "batches", json_integer(st.batches));
        break;
    }
    case CLI_KRAFT_SERVER: {
        mg_cluster_view_options vo = {.bootstrap = s->where, .timeout_ms = s->timeout_ms};
        mg_cluster_view_stats st;
        rc = mg_cluster_view_read(&vo, img, &st, err);
        if (rc) break;
        json_object_set_new(o, "source", json_string("bootstrap-server"));
        json_object_set_new(o, "bootstrap_server", json_string(s->where));
        json_object_set_new(o, "cluster_id", st.cluster_id[0] ? json_string(st.cluster_id) : json_null());
        json_object_set_new(o, "controller_id", json_integer(st.controller_id));
        json_object_set_new(o, "brokers", json_integer(st.brokers));
        break;
    }
    default: rc = kr_fail(err, KR_ERR_INVALID, "no KRaft side given");
    }
    if (rc) {
        json_decref(o);
        return rc;
    }
    /* metadata.version / state are known only now */
    json_t *fresh = image_info(img);
    json_object_update(o, fresh);
    json_decref(fresh);
    json_object_set_new(o, "committed_offset", *committed >= 0 ? json_integer(*committed) : json_null());
    *info = o;
    return KR_OK;
}
