#include "kraft/partition_metadata.h"

#include <stdio.h>
#include <string.h>

#include "kraft/fsutil.h"
#include "kraft/text_lines.h"

const kr_uuid KR_METADATA_TOPIC_ID = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

/* "key: value" with ':' then at least one blank; false otherwise. */
static bool key_value(const char *line, size_t n, const char *key, const char **val, size_t *vn) {
    size_t k = strlen(key);
    if (n < k + 2 || memcmp(line, key, k) != 0 || line[k] != ':') return false;
    size_t i = k + 1;
    if (line[i] != ' ' && line[i] != '\t') return false;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
    *val = line + i;
    *vn = n - i;
    return true;
}

int kr_partition_metadata_parse(const char *text, size_t len, const char *name, kr_uuid *topic_id,
                                kr_error *err) {
    kr_lines l = kr_lines_make(text, len);
    const char *line, *val;
    size_t n, vn;
    bool term;
    if (!kr_lines_next(&l, &line, &n, &term) || !key_value(line, n, "version", &val, &vn))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 1: expected \"version: 0\"", name);
    if (vn != 1 || val[0] != '0')
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: line 1: unknown version \"%.*s\"", name,
                       (int)(vn > 20 ? 20 : vn), val);
    if (!kr_lines_next(&l, &line, &n, &term) || !key_value(line, n, "topic_id", &val, &vn))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 2: expected \"topic_id: <uuid>\"", name);
    char text_id[KR_UUID_TEXT_LEN];
    if (vn != KR_UUID_TEXT_LEN - 1)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 2: topic id is not 22 characters", name);
    memcpy(text_id, val, vn);
    text_id[vn] = 0;
    if (!kr_uuid_from_text(text_id, topic_id))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 2: topic id \"%s\" is not uuid text", name,
                       text_id);
    if (kr_uuid_is_zero(topic_id))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: line 2: topic id is the zero uuid", name);
    while (kr_lines_next(&l, &line, &n, &term)) /* bounded by len */
        if (n > 0)
            return kr_fail(err, KR_ERR_CORRUPT, "%s: line %d: unexpected content", name, l.line_no);
    return KR_OK;
}

void kr_partition_metadata_format(const kr_uuid *topic_id, kr_buf *out) {
    char id[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(topic_id, id);
    char text[64];
    int n = snprintf(text, sizeof text, "version: 0\ntopic_id: %s", id);
    kr_put_raw(out, text, (size_t)n);
}

int kr_partition_metadata_read(const char *path, kr_uuid *topic_id, kr_error *err) {
    kr_file_view v;
    int rc = kr_file_read_all(path, 4096, &v, err);
    if (rc != KR_OK) return rc;
    rc = kr_partition_metadata_parse((const char *)v.data, v.len, path, topic_id, err);
    kr_file_view_release(&v);
    return rc;
}

int kr_partition_metadata_write(const char *path, const kr_uuid *topic_id, kr_error *err) {
    kr_buf b = {0};
    kr_partition_metadata_format(topic_id, &b);
    int rc = b.oom ? kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", path)
                   : kr_write_file_atomic(path, b.data, b.len, 0644, err);
    kr_buf_free(&b);
    return rc;
}
