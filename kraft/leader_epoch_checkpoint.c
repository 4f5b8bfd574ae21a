#include "kraft/leader_epoch_checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/fsutil.h"
#include "kraft/text_lines.h"

#define MAX_FILE_BYTES (64u << 20)

void kr_leader_epochs_free(kr_leader_epochs *e) {
    free(e->v);
    memset(e, 0, sizeof *e);
}

static int push(kr_leader_epochs *e, int32_t epoch, int64_t start_offset, kr_error *err) {
    if (e->n == e->cap) {
        if (e->cap >= INT32_MAX / 2) return kr_fail(err, KR_ERR_INVALID, "too many epoch entries");
        int32_t cap = e->cap ? e->cap * 2 : 8;
        kr_epoch_entry *nv = realloc(e->v, (size_t)cap * sizeof *nv);
        if (!nv) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        e->v = nv;
        e->cap = cap;
    }
    e->v[e->n++] = (kr_epoch_entry){epoch, start_offset};
    return KR_OK;
}

int kr_leader_epochs_observe(kr_leader_epochs *e, int32_t epoch, int64_t start_offset,
                             kr_error *err) {
    if (e->n > 0 && epoch <= e->v[e->n - 1].epoch) return KR_OK;
    return push(e, epoch, start_offset, err);
}

/* Splits "a<ws>b" into two fields. */
static bool split2(const char *s, size_t n, const char **a, size_t *an, const char **b,
                   size_t *bn) {
    size_t i = 0;
    while (i < n && s[i] != ' ' && s[i] != '\t') i++;
    if (i == 0 || i == n) return false;
    *a = s;
    *an = i;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i == n) return false;
    *b = s + i;
    *bn = n - i;
    for (size_t k = 0; k < *bn; k++)
        if ((*b)[k] == ' ' || (*b)[k] == '\t') return false;
    return true;
}

int kr_leader_epochs_parse(const char *text, size_t len, const char *name, kr_leader_epochs *out,
                           kr_error *err) {
    memset(out, 0, sizeof *out);
    kr_lines l = kr_lines_make(text, len);
    const char *line;
    size_t n;
    bool term;
    int64_t version, count;
    if (!kr_lines_next(&l, &line, &n, &term) || !kr_parse_i64(line, n, INT32_MIN, INT32_MAX, &version))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 1: expected the format version", name);
    if (version != 0)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: line 1: version %" PRId64 ", only 0 is known",
                       name, version);
    if (!kr_lines_next(&l, &line, &n, &term) || !kr_parse_i64(line, n, 0, INT32_MAX, &count))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 2: expected the entry count", name);
    for (int64_t i = 0; i < count; i++) {
        const char *a, *b;
        size_t an, bn;
        int64_t epoch, offset;
        if (!kr_lines_next(&l, &line, &n, &term)) {
            kr_leader_epochs_free(out);
            return kr_fail(err, KR_ERR_CORRUPT, "%s: expected %" PRId64 " entries, found %" PRId64,
                           name, count, i);
        }
        if (!split2(line, n, &a, &an, &b, &bn) || !kr_parse_i64(a, an, 0, INT32_MAX, &epoch) ||
            !kr_parse_i64(b, bn, 0, INT64_MAX, &offset)) {
            kr_leader_epochs_free(out);
            return kr_fail(err, KR_ERR_CORRUPT, "%s: line %d: expected \"<epoch> <start offset>\"",
                           name, l.line_no);
        }
        if (out->n > 0 && (epoch <= out->v[out->n - 1].epoch ||
                           offset < out->v[out->n - 1].start_offset)) {
            kr_leader_epochs_free(out);
            return kr_fail(err, KR_ERR_CORRUPT, "%s: line %d: entries do not ascend", name,
                           l.line_no);
        }
        int rc = push(out, (int32_t)epoch, offset, err);
        if (rc != KR_OK) {
            kr_leader_epochs_free(out);
            return rc;
        }
    }
    if (kr_lines_next(&l, &line, &n, &term)) {
        kr_leader_epochs_free(out);
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line %d: more than the %" PRId64 " entries declared",
                       name, l.line_no, count);
    }
    return KR_OK;
}

void kr_leader_epochs_format(const kr_leader_epochs *e, kr_buf *out) {
    char line[64];
    int n = snprintf(line, sizeof line, "0\n%d\n", e->n);
    kr_put_raw(out, line, (size_t)n);
    for (int32_t i = 0; i < e->n; i++) {
        n = snprintf(line, sizeof line, "%d %" PRId64 "\n", e->v[i].epoch, e->v[i].start_offset);
        kr_put_raw(out, line, (size_t)n);
    }
}

int kr_leader_epochs_read(const char *path, kr_leader_epochs *out, kr_error *err) {
    kr_file_view v;
    int rc = kr_file_read_all(path, MAX_FILE_BYTES, &v, err);
    if (rc != KR_OK) return rc;
    rc = kr_leader_epochs_parse((const char *)v.data, v.len, path, out, err);
    kr_file_view_release(&v);
    return rc;
}

int kr_leader_epochs_write(const char *path, const kr_leader_epochs *e, kr_error *err) {
    kr_buf b = {0};
    kr_leader_epochs_format(e, &b);
    int rc = b.oom ? kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", path)
                   : kr_write_file_atomic(path, b.data, b.len, 0644, err);
    kr_buf_free(&b);
    return rc;
}
