/* Control record values. Until kraft/gen/control_records.h lands these encode
 * the three tiny bodies directly (version 0 layouts of spec §6). */
#include "kraft/control_values.h"

/* Skips a tagged-field section; unknown tags are allowed (§1.6). */
static void skip_tags(kr_reader *r) {
    uint32_t n = kr_read_uvarint(r);
    for (uint32_t i = 0; i < n && !r->failed; i++) { /* each tag takes >= 2 bytes */
        kr_read_uvarint(r);
        uint32_t size = kr_read_uvarint(r);
        kr_read_raw(r, size);
    }
}

static int finish_decode(kr_reader *r, const char *what, kr_error *err) {
    if (!r->failed && r->pos != r->len) kr_reader_fail(r, "bytes after the message");
    if (r->failed)
        return kr_fail(err, KR_ERR_CORRUPT, "%s value: %s at value byte %zu", what, r->fail_why,
                       r->fail_pos);
    return KR_OK;
}

static int check_version(int16_t v, const char *what, kr_error *err) {
    if (v < 0) return kr_fail(err, KR_ERR_CORRUPT, "%s value: negative Version %d", what, v);
    return KR_OK;
}

int kr_control_header_value(kr_buf *out, int64_t ts, kr_error *err) {
    kr_put_i16(out, 0);
    kr_put_i64(out, ts);
    kr_put_uvarint(out, 0);
    return out->oom ? kr_fail(err, KR_ERR_NOMEM, "out of memory") : KR_OK;
}

int kr_control_header_decode(kr_bytes value, int64_t *ts, kr_error *err) {
    if (value.len < 0) return kr_fail(err, KR_ERR_CORRUPT, "SnapshotHeaderRecord value is null");
    kr_reader r = kr_reader_make(value.ptr, (size_t)value.len);
    int16_t v = kr_read_i16(&r);
    *ts = kr_read_i64(&r);
    skip_tags(&r);
    int rc = finish_decode(&r, "SnapshotHeaderRecord", err);
    return rc != KR_OK ? rc : check_version(v, "SnapshotHeaderRecord", err);
}

int kr_control_footer_value(kr_buf *out, kr_error *err) {
    kr_put_i16(out, 0);
    kr_put_uvarint(out, 0);
    return out->oom ? kr_fail(err, KR_ERR_NOMEM, "out of memory") : KR_OK;
}

int kr_control_footer_decode(kr_bytes value, kr_error *err) {
    if (value.len < 0) return kr_fail(err, KR_ERR_CORRUPT, "SnapshotFooterRecord value is null");
    kr_reader r = kr_reader_make(value.ptr, (size_t)value.len);
    int16_t v = kr_read_i16(&r);
    skip_tags(&r);
    int rc = finish_decode(&r, "SnapshotFooterRecord", err);
    return rc != KR_OK ? rc : check_version(v, "SnapshotFooterRecord", err);
}

int kr_control_kraft_version_value(kr_buf *out, int16_t kraft_version, kr_error *err) {
    kr_put_i16(out, 0);
    kr_put_i16(out, kraft_version);
    kr_put_uvarint(out, 0);
    return out->oom ? kr_fail(err, KR_ERR_NOMEM, "out of memory") : KR_OK;
}

int kr_control_kraft_version_decode(kr_bytes value, int16_t *kraft_version, kr_error *err) {
    if (value.len < 0) return kr_fail(err, KR_ERR_CORRUPT, "KRaftVersionRecord value is null");
    kr_reader r = kr_reader_make(value.ptr, (size_t)value.len);
    int16_t v = kr_read_i16(&r);
    *kraft_version = kr_read_i16(&r);
    skip_tags(&r);
    int rc = finish_decode(&r, "KRaftVersionRecord", err);
    return rc != KR_OK ? rc : check_version(v, "KRaftVersionRecord", err);
}
