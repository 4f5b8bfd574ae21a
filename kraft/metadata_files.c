#include "kraft/metadata_files.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/log_segment.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

enum kr_metadata_file_kind kr_metadata_file_kind(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return KR_FILE_DIRECTORY;
    kr_snapshot_id id;
    if (kr_snapshot_parse_name(base_name(path), &id) == KR_SNAPSHOT_NAME_CHECKPOINT) return KR_FILE_SNAPSHOT;
    if (ends_with(path, ".checkpoint")) return KR_FILE_BOOTSTRAP;
    if (ends_with(path, ".log")) return KR_FILE_SEGMENT;
    return KR_FILE_UNKNOWN;
}

void kr_metadata_load_init(kr_metadata_load *ld, kr_image *img) {
    memset(ld, 0, sizeof *ld);
    kr_image_loader_init(&ld->loader, img);
    ld->stats.last_offset = -1;
    ld->stats.last_epoch = -1;
    ld->stats.dir_last_offset = -1;
}

static int keep_view(kr_metadata_load *ld, const char *path, kr_file_view **out, kr_error *err) {
    if (ld->n_views == ld->cap_views) {
        int32_t cap = ld->cap_views ? ld->cap_views * 2 : 8;
        kr_file_view *v = realloc(ld->views, (size_t)cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        ld->views = v;
        ld->cap_views = cap;
    }
    kr_file_view *v = &ld->views[ld->n_views];
    int rc = kr_file_map(path, v, err);
    if (rc != KR_OK) return rc;
    ld->n_views++;
    ld->stats.files++;
    ld->stats.bytes += (int64_t)v->len;
    *out = v;
    return KR_OK;
}

/* Applies the data records of one batch whose offsets are >= from_offset. */
static int apply_batch(kr_metadata_load *ld, const kr_batch *b, int64_t from_offset, kr_error *err) {
    ld->stats.batches++;
    if (kr_batch_is_control(&b->h)) return KR_OK;
    kr_record_iter it;
    kr_record_iter_init(&it, b);
    kr_record rec;
    int rc;
    while ((rc = kr_record_next(&it, &rec, err)) == 1) {
        if (rec.offset < from_offset) continue;
        ld->stats.records++;
        ld->stats.last_offset = rec.offset;
        ld->stats.last_epoch = b->h.leader_epoch;
        rc = kr_image_loader_apply_value(&ld->loader, rec.value.ptr, (size_t)rec.value.len, rec.offset,
                                         err);
        if (rc != KR_OK)
            return kr_error_wrap(err, "%s: byte %llu", b->file ? b->file : "?",
                                 (unsigned long long)rec.file_pos);
    }
    return rc < 0 ? KR_ERR_CORRUPT : KR_OK;
}

static int load_snapshot(kr_metadata_load *ld, const char *path, kr_error *err) {
    kr_snapshot_reader r;
    int rc = kr_snapshot_reader_open(&r, path, err);
    if (rc != KR_OK) return rc;
    ld->loader.in_snapshot = true;
    kr_batch b;
    enum kr_scan_status st;
    while ((st = kr_snapshot_reader_next(&r, &b, err)) == KR_SCAN_BATCH) {
        rc = apply_batch(ld, &b, 0, err);
        if (rc != KR_OK) break;
    }
    ld->loader.in_snapshot = false;
    if (rc == KR_OK && st != KR_SCAN_END) rc = err->code ? (int)err->code : KR_ERR_CORRUPT;
    if (rc == KR_OK) {
        ld->stats.files++;
        ld->stats.bytes += (int64_t)r.view.len;
        ld->stats.has_snapshot = r.has_id;
        if (r.has_id) ld->stats.snapshot = r.id;
    }
    kr_snapshot_reader_close(&r); /* snapshots hold no transactions: nothing borrowed */
    return rc;
}

static int load_segment(kr_metadata_load *ld, const char *path, int64_t from_offset, int64_t *next_offset,
                        int32_t *last_epoch, kr_error *err) {
    kr_file_view *v = NULL;
    int rc = keep_view(ld, path, &v, err);
    if (rc != KR_OK) return rc;
    kr_batch_scanner s;
    kr_batch_scanner_init(&s, v->data, v->len, 0, path);
    kr_batch b;
    enum kr_scan_status st;
    while ((st = kr_batch_next(&s, &b, err)) == KR_SCAN_BATCH) {
        rc = kr_log_check_order(&b, *next_offset, *last_epoch, err);
        if (rc != KR_OK) return rc;
        *next_offset = kr_batch_last_offset(&b.h) + 1;
        *last_epoch = b.h.leader_epoch;
        rc = apply_batch(ld, &b, from_offset, err);
        if (rc != KR_OK) return rc;
    }
    return st == KR_SCAN_END ? KR_OK : (int)(err->code ? err->code : KR_ERR_CORRUPT);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int load_directory(kr_metadata_load *ld, const char *dir_in, kr_error *err) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", dir_in);
    char sub[4096];
    struct stat st;
    if (kr_path_join(sub, sizeof sub, dir, "__cluster_metadata-0") && stat(sub, &st) == 0 &&
        S_ISDIR(st.st_mode))
        snprintf(dir, sizeof dir, "%s", sub);
    DIR *d = opendir(dir);
    if (!d) return kr_fail(err, KR_ERR_IO, "%s: cannot open directory", dir);
    int64_t *bases = NULL;
    int32_t n_bases = 0, cap = 0;
    bool have_snap = false;
    kr_snapshot_id best = {0, 0};
    struct dirent *e;
    while ((e = readdir(d))) {
        kr_snapshot_id id;
        int64_t base;
        if (kr_snapshot_parse_name(e->d_name, &id) == KR_SNAPSHOT_NAME_CHECKPOINT) {
            if (!have_snap || id.end_offset > best.end_offset ||
                (id.end_offset == best.end_offset && id.epoch > best.epoch))
                best = id;
            have_snap = true;
        } else if (kr_segment_parse_name(e->d_name, &base)) {
            if (n_bases == cap) {
                cap = cap ? cap * 2 : 16;
                int64_t *nb = realloc(bases, (size_t)cap * sizeof *nb);
                if (!nb) {
                    free(bases);
                    closedir(d);
                    return kr_fail(err, KR_ERR_NOMEM, "out of memory");
                }
                bases = nb;
            }
            bases[n_bases++] = base;
        }
    }
    closedir(d);
    int rc = KR_OK;
    int64_t from = 0;
    if (have_snap) {
        char name[KR_SNAPSHOT_NAME_SIZE], path[4096];
        kr_snapshot_file_name(best, name);
        kr_path_join(path, sizeof path, dir, name);
        rc = load_snapshot(ld, path, err);
        from = best.end_offset;
    }
    qsort(bases, (size_t)n_bases, sizeof *bases, cmp_i64);
    int64_t next_offset = -1;
    int32_t last_epoch = -1;
    for (int32_t i = 0; rc == KR_OK && i < n_bases; i++) {
        char name[KR_SEGMENT_NAME_SIZE], path[4096];
        kr_segment_file_name(bases[i], name);
        kr_path_join(path, sizeof path, dir, name);
        rc = load_segment(ld, path, from, &next_offset, &last_epoch, err);
    }
    free(bases);
    if (rc == KR_OK) {
        int64_t last = next_offset - 1;
        if (have_snap && best.end_offset - 1 > last) last = best.end_offset - 1;
        if (last > ld->stats.dir_last_offset) ld->stats.dir_last_offset = last;
    }
    if (rc == KR_OK && !have_snap && n_bases == 0)
        rc = kr_fail(err, KR_ERR_NOT_FOUND, "%s: no snapshot and no log segment", dir);
    return rc;
}

int kr_metadata_load_path(kr_metadata_load *ld, const char *path, kr_error *err) {
    int64_t next = -1;
    int32_t epoch = -1;
    switch (kr_metadata_file_kind(path)) {
    case KR_FILE_SNAPSHOT:
    case KR_FILE_BOOTSTRAP: return load_snapshot(ld, path, err);
    case KR_FILE_SEGMENT: return load_segment(ld, path, 0, &next, &epoch, err);
    case KR_FILE_DIRECTORY: return load_directory(ld, path, err);
    case KR_FILE_UNKNOWN: break;
    }
    struct stat st;
    if (stat(path, &st) != 0) return kr_fail(err, KR_ERR_IO, "%s: no such file or directory", path);
    return kr_fail(err, KR_ERR_INVALID,
                   "%s: not a metadata file (expected a .checkpoint snapshot, a .log segment or a "
                   "metadata log directory)",
                   path);
}

void kr_metadata_load_finish(kr_metadata_load *ld) {
    ld->stats.transactions_discarded_records += kr_image_loader_finish(&ld->loader);
    ld->stats.transactions_discarded_records += ld->loader.records_discarded;
    for (int32_t i = 0; i < ld->n_views; i++) kr_file_view_release(&ld->views[i]);
    free(ld->views);
    ld->views = NULL;
    ld->n_views = ld->cap_views = 0;
    kr_image_loader_free(&ld->loader);
}

int kr_image_load_paths(kr_image *img, char *const *paths, int n, kr_load_stats *stats, kr_error *err) {
    kr_metadata_load ld;
    kr_metadata_load_init(&ld, img);
    int rc = KR_OK;
    for (int i = 0; rc == KR_OK && i < n; i++) rc = kr_metadata_load_path(&ld, paths[i], err);
    kr_metadata_load_finish(&ld);
    if (stats) *stats = ld.stats;
    return rc;
}
