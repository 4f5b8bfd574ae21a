/* A migration's output tree, built aside and renamed into place once. */
#include "migrate/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kraft/format.h"
#include "kraft/meta_properties.h"
#include "kraft/partition_metadata.h"
#include "kraft/quorum_state.h"
#include "migrate/convert.h"

/* ---- record buffer ---------------------------------------------------------- */

void mg_record_buffer_free(mg_record_buffer *b) {
    kr_buf_free(&b->data);
    free(b->lens);
    memset(b, 0, sizeof *b);
}

int mg_record_buffer_add(mg_record_buffer *b, const uint8_t *value, size_t len, kr_error *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        uint32_t *v = realloc(b->lens, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory buffering records");
        b->lens = v;
        b->cap = cap;
    }
    kr_put_raw(&b->data, value, len);
    if (b->data.oom) return kr_fail(err, KR_ERR_NOMEM, "out of memory buffering records");
    b->lens[b->n++] = (uint32_t)len;
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path) ? -1 : 0;
}

int mg_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    /* files are 0400 after a snapshot freeze; removal needs only the dir's write bit */
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_dir(const char *path, kr_error *err) {
    if (mkdir(path, 0755) != 0)
        return kr_fail(err, KR_ERR_IO, "%s: mkdir: %s", path, strerror(errno));
    return 0;
}

static void count_file(mg_storage_stats *s, const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) {
        s->files++;
        s->bytes += st.st_size;
    }
}

static int write_text(const char *dir, const char *name, const char *text, mg_storage_stats *s,
                      kr_error *err) {
    char path[4096];
    if (!kr_path_join(path, sizeof path, dir, name)) return kr_fail(err, KR_ERR_INVALID, "path too long");
    int rc = kr_write_file_atomic(path, text, strlen(text), 0644, err);
    if (!rc) count_file(s, path);
    return rc;
}

/* ---- one node --------------------------------------------------------------- */

static int write_snapshot(const char *log_dir, const mg_storage_options *o, const mg_record_buffer *r,
                          kr_snapshot_id id, mg_storage_stats *s, kr_error *err) {
    kr_snapshot_writer w;
    kr_snapshot_options so = {.last_contained_log_timestamp_ms = o->now_ms, .append_time_ms = o->now_ms,
                              .kraft_version = 0};
    int rc = kr_snapshot_writer_begin(&w, log_dir, id, &so, err);
    if (rc) return rc;
    size_t off = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        rc = kr_snapshot_writer_append(&w, r->data.data + off, r->lens[i], err);
        off += r->lens[i];
    }
    if (!rc) rc = kr_snapshot_writer_finish(&w, err);
    else kr_snapshot_writer_abort(&w);
    if (rc) return rc;
    char name[KR_SNAPSHOT_NAME_SIZE], path[4096];
    kr_snapshot_file_name(id, name);
    kr_path_join(path, sizeof path, log_dir, name);
    struct stat st;
    if (stat(path, &st) == 0) s->snapshot_bytes = st.st_size;
    snprintf(s->snapshot_name, sizeof s->snapshot_name, "%s", name);
    count_file(s, path);
    return 0;
}

static int write_controller_properties(const char *node_dir, const char *final_node_dir,
                                       const mg_storage_options *o, const mg_controller *c,
                                       mg_storage_stats *s, kr_error *err) {
    const char *listener = o->listener_name ? o->listener_name : "CONTROLLER";
    char voters[MG_MAX_CONTROLLERS * (MG_HOST_MAX + 24)];
    mg_format_voters(o->controllers, o->n_controllers, voters, sizeof voters);
    const char *zk = o->zookeeper_connect;
    size_t cap = strlen(voters) + strlen(final_node_dir) + (zk ? strlen(zk) : 0) + 2048;
    char *text = malloc(cap);
    if (!text) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    snprintf(text, cap,
             "# Written by zk2kraft migrate: a KRaft controller that boots from the migrated\n"
             "# metadata. Move the directory and adjust metadata.log.dir if it runs elsewhere.\n"
             "process.roles=controller\n"
             "node.id=%d\n"
             "controller.quorum.voters=%s\n"
             "listeners=%s://%s:%d\n"
             "controller.listener.names=%s\n"
             "listener.security.protocol.map=%s:PLAINTEXT\n"
             "metadata.log.dir=%s\n"
             "log.dirs=%s\n",
             (int)c->id, voters, listener, c->host, c->port, listener, listener, final_node_dir,
             final_node_dir);
    if (zk) {
        size_t used = strlen(text);
        snprintf(text + used, cap - used,
                 "# Migration mode: this quorum is the source of truth and mirrors every\n"
                 "# change into ZooKeeper (docs/dual-write.md). Add zookeeper.auth=digest:USER:PASS\n"
                 "# and zookeeper.set.acl=true when the brokers use secure ZooKeeper ACLs, and\n"
                 "# password.encoder.secret when broker configs hold encrypted passwords.\n"
                 "zookeeper.metadata.migration.enable=true\n"
                 "zookeeper.connect=%s\n",
                 zk);
    }
    int rc = write_text(node_dir, "controller.properties", text, s, err);
    free(text);
    return rc;
}

static int fresh_directory_id(kr_uuid *out, kr_error *err) {
    for (int i = 0; i < 64; i++) {
        if (!kr_uuid_random(out)) break;
        /* the first 100 uuids are reserved directory ids; Uuid.randomUuid's rules too */
        bool reserved = true;
        for (int k = 0; k < 15; k++)
            if (out->b[k]) reserved = false;
        if (!reserved && mg_uuid_is_mintable(out)) return 0;
    }
    return kr_fail(err, KR_ERR_IO, "no randomness for a directory id");
}

static int write_node(const char *tmp_root, const char *final_root, const mg_storage_options *o,
                      const mg_controller *c, const mg_record_buffer *r, mg_storage_stats *s,
                      kr_error *err) {
    char name[64], node_dir[4096], final_node_dir[4096], log_dir[4096], path[4096];
    snprintf(name, sizeof name, "node-%d", (int)c->id);
    if (!kr_path_join(node_dir, sizeof node_dir, tmp_root, name) ||
        !kr_path_join(final_node_dir, sizeof final_node_dir, final_root, name) ||
        !kr_path_join(log_dir, sizeof log_dir, node_dir, "__cluster_metadata-0"))
        return kr_fail(err, KR_ERR_INVALID, "output path too long");
    int rc = make_dir(node_dir, err);
    if (!rc) rc = make_dir(log_dir, err);
    if (rc) return rc;

    kr_snapshot_id id = {.end_offset = (int64_t)r->n, .epoch = MG_SNAPSHOT_EPOCH};
    s->snapshot = id;
    if ((rc = write_snapshot(log_dir, o, r, id, s, err))) return rc;

    char seg[64];
    snprintf(seg, sizeof seg, "%020lld.log", (long long)id.end_offset);
    kr_path_join(path, sizeof path, log_dir, seg);
    if ((rc = kr_write_file_atomic(path, "", 0, 0644, err))) return rc;
    count_file(s, path);

    kr_path_join(path, sizeof path, log_dir, "partition.metadata");
    if ((rc = kr_partition_metadata_write(path, &KR_METADATA_TOPIC_ID, err))) return rc;
    count_file(s, path);

    kr_quorum_state qs = {.data_version = 0, .leader_id = -1, .leader_epoch = MG_SNAPSHOT_EPOCH,
                          .voted_id = -1, .n_voters = (int32_t)o->n_controllers};
    for (size_t i = 0; i < o->n_controllers; i++) qs.voters[i] = o->controllers[i].id;
    kr_path_join(path, sizeof path, log_dir, "quorum-state");
    if ((rc = kr_quorum_state_write(path, &qs, err))) return rc;
    count_file(s, path);

    kr_path_join(path, sizeof path, node_dir, "bootstrap.checkpoint");
    if ((rc = kr_bootstrap_write(path, o->metadata_version, o->now_ms, err))) return rc;
    count_file(s, path);

    if ((rc = write_controller_properties(node_dir, final_node_dir, o, c, s, err))) return rc;

    /* meta.properties last: the "formatted" marker, as kafka-storage format does */
    kr_meta_properties mp = {.version = 1, .has_cluster_id = true, .has_node_id = true,
                             .node_id = c->id, .has_directory_id = true};
    snprintf(mp.cluster_id, sizeof mp.cluster_id, "%s", o->cluster_id);
    if ((rc = fresh_directory_id(&mp.directory_id, err))) return rc;
    kr_path_join(path, sizeof path, node_dir, "meta.properties");
    if ((rc = kr_meta_properties_write(path, &mp, err))) return rc;
    count_file(s, path);

    if ((rc = kr_fsync_dir(log_dir, err))) return rc;
    return kr_fsync_dir(node_dir, err);
}

/* ---- the tree --------------------------------------------------------------- */

int mg_storage_write(const mg_storage_options *o, const mg_record_buffer *records,
                     mg_storage_stats *stats, kr_error *err) {
    memset(stats, 0, sizeof *stats);
    if (!o->cluster_id || !*o->cluster_id || strlen(o->cluster_id) > KR_CLUSTER_ID_MAX)
        return kr_fail(err, KR_ERR_INVALID, "no usable cluster id");
    if (o->n_controllers == 0 || o->n_controllers > MG_MAX_CONTROLLERS)
        return kr_fail(err, KR_ERR_INVALID, "need 1..%d controllers", MG_MAX_CONTROLLERS);
    struct stat st;
    if (lstat(o->out_dir, &st) == 0)
        return kr_fail(err, KR_ERR_INVALID, "%s already exists; migrate writes a new directory", o->out_dir);

    /* absolute final path, for metadata.log.dir */
    char parent[4096], base[1024], abs_parent[4096], final_root[4096], tmp_root[4096];
    snprintf(parent, sizeof parent, "%s", o->out_dir);
    snprintf(base, sizeof base, "%s", basename(parent));
    snprintf(parent, sizeof parent, "%s", o->out_dir);
    char *dir = dirname(parent);
    if (!realpath(dir, abs_parent))
        return kr_fail(err, KR_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, "/"))
        return kr_fail(err, KR_ERR_INVALID, "%s: not a usable output directory name", o->out_dir);
    if ((size_t)snprintf(final_root, sizeof final_root, "%s/%s", abs_parent, base) >= sizeof final_root ||
        (size_t)snprintf(tmp_root, sizeof tmp_root, "%s/.%s.partial-XXXXXX", abs_parent, base) >=
            sizeof tmp_root)
        return kr_fail(err, KR_ERR_INVALID, "output path too long");
    if (!mkdtemp(tmp_root)) return kr_fail(err, KR_ERR_IO, "%s: mkdtemp: %s", tmp_root, strerror(errno));
    chmod(tmp_root, 0755);

    int rc = 0;
    for (size_t i = 0; i < o->n_controllers && !rc; i++)
        rc = write_node(tmp_root, final_root, o, &o->controllers[i], records, stats, err);
    if (!rc) rc = kr_fsync_dir(tmp_root, err);
    if (!rc && o->before_commit && !o->dry_run) rc = o->before_commit(o->before_commit_ctx, err);
    if (!rc && !o->dry_run) {
        if (renameat2(AT_FDCWD, tmp_root, AT_FDCWD, final_root, RENAME_NOREPLACE) != 0)
            rc = kr_fail(err, KR_ERR_IO, "rename %s -> %s: %s", tmp_root, final_root, strerror(errno));
        else
            rc = kr_fsync_dir(abs_parent, err);
        if (!rc) return 0;
    }
    mg_remove_tree(tmp_root);
    return rc;
}
