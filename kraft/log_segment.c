/* Metadata log segments: write, recover, read (spec metadata-log.md §7.4, §11.1). */
#include "kraft/log_segment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 1000000 /* bound on a directory listing */

void kr_segment_file_name(int64_t base_offset, char out[KR_SEGMENT_NAME_SIZE]) {
    snprintf(out, KR_SEGMENT_NAME_SIZE, "%020" PRId64 ".log", base_offset);
}

bool kr_segment_parse_name(const char *name, int64_t *base_offset) {
    if (strlen(name) != 24 || strcmp(name + 20, ".log") != 0) return false;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9') return false;
        if (v > (INT64_MAX - (name[i] - '0')) / 10) return false;
        v = v * 10 + (name[i] - '0');
    }
    *base_offset = v;
    return true;
}

int kr_log_check_order(const kr_batch *b, int64_t next_offset, int32_t last_epoch, kr_error *err) {
    const char *f = b->file ? b->file : "<buffer>";
    if (next_offset >= 0 && b->h.base_offset != next_offset)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s: batch at byte %" PRIu64 ": base offset %" PRId64
                       " where %" PRId64 " was expected (offsets must be contiguous)",
                       f, b->file_pos, b->h.base_offset, next_offset);
    if (b->h.leader_epoch < last_epoch)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s: batch at byte %" PRIu64 " (base offset %" PRId64
                       "): leader epoch %d below the previous batch's %d",
                       f, b->file_pos, b->h.base_offset, b->h.leader_epoch, last_epoch);
    return KR_OK;
}

/* ---- writer ------------------------------------------------------------- */

static int open_segment(kr_segment_writer *w, const char *dir, int64_t base_offset, int flags,
                        kr_error *err) {
    char name[KR_SEGMENT_NAME_SIZE];
    kr_segment_file_name(base_offset, name);
    w->fd = -1;
    if (!kr_path_join(w->path, sizeof w->path, dir, name))
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", dir);
    w->fd = open(w->path, flags | O_WRONLY | O_CLOEXEC, 0644);
    if (w->fd < 0) return kr_fail(err, KR_ERR_IO, "%s: open: %s", w->path, strerror(errno));
    w->base_offset = base_offset;
    return KR_OK;
}

int kr_segment_writer_create(kr_segment_writer *w, const char *dir, int64_t base_offset,
                             kr_error *err) {
    int rc = open_segment(w, dir, base_offset, O_CREAT | O_EXCL, err);
    if (rc != KR_OK) return rc;
    w->next_offset = base_offset;
    w->last_epoch = -1;
    w->size_bytes = 0;
    return kr_fsync_dir(dir, err);
}

int kr_segment_writer_resume(kr_segment_writer *w, const char *dir, int64_t base_offset,
                             uint64_t size_bytes, int64_t next_offset, int32_t last_epoch,
                             kr_error *err) {
    int rc = open_segment(w, dir, base_offset, 0, err);
    if (rc != KR_OK) return rc;
    if (lseek(w->fd, (off_t)size_bytes, SEEK_SET) < 0) {
        rc = kr_fail(err, KR_ERR_IO, "%s: seek: %s", w->path, strerror(errno));
        close(w->fd);
        w->fd = -1;
        return rc;
    }
    w->next_offset = next_offset;
    w->last_epoch = last_epoch;
    w->size_bytes = size_bytes;
    return KR_OK;
}

int kr_segment_append(kr_segment_writer *w, const uint8_t *batches, size_t len, kr_error *err) {
    if (w->fd < 0) return kr_fail(err, KR_ERR_INVALID, "%s: segment not open", w->path);
    kr_batch_scanner s;
    kr_batch b;
    kr_batch_scanner_init(&s, batches, len, w->size_bytes, w->path);
    int64_t next = w->next_offset;
    int32_t epoch = w->last_epoch;
    enum kr_scan_status st;
    while ((st = kr_batch_next(&s, &b, err)) == KR_SCAN_BATCH) {
        int rc = kr_log_check_order(&b, next, epoch, err);
        if (rc != KR_OK) return rc;
        next = kr_batch_last_offset(&b.h) + 1;
        epoch = b.h.leader_epoch;
    }
    if (st == KR_SCAN_TORN)
        return kr_fail(err, KR_ERR_INVALID, "%s: refusing to append an incomplete batch: %s",
                       w->path, err->message);
    if (st == KR_SCAN_ERROR) return err->code;
    int rc = kr_write_all(w->fd, batches, len, w->path, err);
    if (rc != KR_OK) return rc;
    w->size_bytes += len;
    w->next_offset = next;
    w->last_epoch = epoch;
    return KR_OK;
}

int kr_segment_sync(kr_segment_writer *w, kr_error *err) {
    if (w->fd >= 0 && fsync(w->fd) != 0)
        return kr_fail(err, KR_ERR_IO, "%s: fsync: %s", w->path, strerror(errno));
    return KR_OK;
}

int kr_segment_writer_close(kr_segment_writer *w, kr_error *err) {
    int rc = KR_OK;
    if (w->fd >= 0 && close(w->fd) != 0)
        rc = kr_fail(err, KR_ERR_IO, "%s: close: %s", w->path, strerror(errno));
    w->fd = -1;
    return rc;
}

/* ---- recovery ----------------------------------------------------------- */

int kr_segment_recover(const char *path, kr_segment_recovery *out, kr_error *err) {
    memset(out, 0, sizeof *out);
    out->last_epoch = -1;
    const char *slash = strrchr(path, '/');
    int64_t base;
    if (!kr_segment_parse_name(slash ? slash + 1 : path, &base))
        return kr_fail(err, KR_ERR_INVALID, "%s: not a segment name (<20 digits>.log)", path);
    out->next_offset = base;
    kr_file_view v;
    int rc = kr_file_map(path, &v, err);
    if (rc != KR_OK) return rc;
    kr_batch_scanner s;
    kr_batch b;
    kr_batch_scanner_init(&s, v.data, v.len, 0, path);
    int64_t next = base;
    enum kr_scan_status st;
    while ((st = kr_batch_next(&s, &b, err)) == KR_SCAN_BATCH) {
        rc = kr_log_check_order(&b, next, out->last_epoch, err);
        if (rc != KR_OK) break;
        next = kr_batch_last_offset(&b.h) + 1;
        out->last_epoch = b.h.leader_epoch;
        out->batches++;
    }
    out->next_offset = next;
    out->valid_bytes = s.pos;
    size_t total = v.len;
    kr_file_view_release(&v);
    if (rc != KR_OK) return rc;
    if (st == KR_SCAN_ERROR) return err->code;
    if (st == KR_SCAN_TORN) {
        snprintf(out->torn, sizeof out->torn, "%s", err->message);
        out->truncated_bytes = total - out->valid_bytes;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return kr_fail(err, KR_ERR_IO, "%s: open: %s", path, strerror(errno));
        if (ftruncate(fd, (off_t)out->valid_bytes) != 0 || fsync(fd) != 0) {
            rc = kr_fail(err, KR_ERR_IO, "%s: truncate to %" PRIu64 " bytes: %s", path,
                         out->valid_bytes, strerror(errno));
            close(fd);
            return rc;
        }
        close(fd);
    }
    return KR_OK;
}

/* ---- reader ------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int kr_log_reader_open(kr_log_reader *lr, const char *dir, kr_error *err) {
    memset(lr, 0, sizeof *lr);
    lr->cur = -1;
    lr->next_offset = -1;
    lr->last_epoch = -1;
    lr->rules = KR_RULES_KRAFT;
    snprintf(lr->dir, sizeof lr->dir, "%s", dir);
    DIR *d = opendir(dir);
    if (!d)
        return kr_fail(err, errno == ENOENT ? KR_ERR_NOT_FOUND : KR_ERR_IO, "%s: %s", dir,
                       strerror(errno));
    int32_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t base;
        if (!kr_segment_parse_name(e->d_name, &base)) continue;
        if (lr->n_segments >= MAX_SEGMENTS) {
            closedir(d);
            kr_log_reader_close(lr);
            return kr_fail(err, KR_ERR_INVALID, "%s: more than %d segments", dir, MAX_SEGMENTS);
        }
        if (lr->n_segments == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *nb = realloc(lr->bases, (size_t)cap * sizeof *nb);
            if (!nb) {
                closedir(d);
                kr_log_reader_close(lr);
                return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", dir);
            }
            lr->bases = nb;
        }
        lr->bases[lr->n_segments++] = base;
    }
    closedir(d);
    if (lr->n_segments > 1) qsort(lr->bases, (size_t)lr->n_segments, sizeof *lr->bases, cmp_i64);
    return KR_OK;
}

static int open_next_segment(kr_log_reader *lr, kr_error *err) {
    kr_file_view_release(&lr->view);
    lr->cur++;
    char name[KR_SEGMENT_NAME_SIZE];
    kr_segment_file_name(lr->bases[lr->cur], name);
    if (!kr_path_join(lr->cur_path, sizeof lr->cur_path, lr->dir, name))
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", lr->dir);
    int rc = kr_file_map(lr->cur_path, &lr->view, err);
    if (rc != KR_OK) return rc;
    kr_batch_scanner_init(&lr->scan, lr->view.data, lr->view.len, 0, lr->cur_path);
    lr->scan.rules = lr->rules;
    return KR_OK;
}

/* Opens the next segment and checks it starts where the previous one ended. */
static int advance_segment(kr_log_reader *lr, kr_error *err) {
    int rc = open_next_segment(lr, err);
    if (rc != KR_OK) return rc;
    if (lr->next_offset >= 0 && lr->view.len > 0 && lr->bases[lr->cur] != lr->next_offset)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s: segment starts at offset %" PRId64
                       " but the previous one ended before %" PRId64,
                       lr->cur_path, lr->bases[lr->cur], lr->next_offset);
    return KR_OK;
}

enum kr_scan_status kr_log_reader_next(kr_log_reader *lr, kr_batch *out, kr_error *err) {
    if (lr->failed) {
        kr_fail(err, KR_ERR_INVALID, "%s: reader stopped after an error", lr->dir);
        return KR_SCAN_ERROR;
    }
    if (lr->cur < 0) {
        if (lr->n_segments == 0) return KR_SCAN_END;
        if (advance_segment(lr, err) != KR_OK) goto fail;
    }
    enum kr_scan_status st;
    /* Bounded: each END moves to the next of n_segments. */
    while ((st = kr_batch_next(&lr->scan, out, err)) == KR_SCAN_END) {
        if (lr->cur + 1 >= lr->n_segments) return KR_SCAN_END;
        if (advance_segment(lr, err) != KR_OK) goto fail;
    }
    if (st == KR_SCAN_TORN && lr->cur + 1 < lr->n_segments) {
        kr_error_wrap(err, "incomplete batch in a segment that is not the last");
        err->code = KR_ERR_CORRUPT;
        goto fail;
    }
    if (st != KR_SCAN_BATCH) {
        lr->failed = true;
        return st;
    }
    int64_t expect = lr->next_offset >= 0 ? lr->next_offset : lr->bases[lr->cur];
    if (kr_log_check_order(out, expect, lr->last_epoch, err) != KR_OK) goto fail;
    lr->next_offset = kr_batch_last_offset(&out->h) + 1;
    lr->last_epoch = out->h.leader_epoch;
    return KR_SCAN_BATCH;
fail:
    lr->failed = true;
    return KR_SCAN_ERROR;
}

void kr_log_reader_close(kr_log_reader *lr) {
    kr_file_view_release(&lr->view);
    free(lr->bases);
    lr->bases = NULL;
    lr->n_segments = 0;
}
