/* Control record values through the generated codecs (kraft/gen/control_records.h). */
#include "kraft/control_values.h"

#include "kraft/gen/control_records.h"

/* Decodes exactly `value` with a generated decoder, then frees its arena. */
#define DECODE_EXACT(type, value, msg, what, err)                                              \
    do {                                                                                       \
        if ((value).len < 0) return kr_fail(err, KR_ERR_CORRUPT, "%s value is null", what);    \
        kr_reader r_ = kr_reader_make((value).ptr, (size_t)(value).len);                       \
        kr_arena arena_ = {0};                                                                 \
        bool ok_ = type##_decode(&r_, msg, 0, &arena_);                                        \
        if (ok_ && r_.pos != r_.len) kr_reader_fail(&r_, "bytes after the message");           \
        kr_arena_free(&arena_);                                                                \
        if (!ok_ || r_.failed)                                                                 \
            return kr_fail(err, KR_ERR_CORRUPT, "%s value: %s at value byte %zu", what,        \
                           r_.fail_why ? r_.fail_why : "invalid", r_.fail_pos);                \
        if ((msg)->Version < 0)                                                                \
            return kr_fail(err, KR_ERR_CORRUPT, "%s value: negative Version %d", what,         \
                           (msg)->Version);                                                    \
    } while (0)

int kr_control_header_value(kr_buf *out, int64_t ts, kr_error *err) {
    kr_SnapshotHeaderRecord m;
    kr_SnapshotHeaderRecord_init(&m);
    m.Version = 0;
    m.LastContainedLogTimestamp = ts;
    return kr_SnapshotHeaderRecord_encode(out, &m, 0, err);
}

int kr_control_header_decode(kr_bytes value, int64_t *ts, kr_error *err) {
    kr_SnapshotHeaderRecord m;
    DECODE_EXACT(kr_SnapshotHeaderRecord, value, &m, "SnapshotHeaderRecord", err);
    *ts = m.LastContainedLogTimestamp;
    return KR_OK;
}

int kr_control_footer_value(kr_buf *out, kr_error *err) {
    kr_SnapshotFooterRecord m;
    kr_SnapshotFooterRecord_init(&m);
    m.Version = 0;
    return kr_SnapshotFooterRecord_encode(out, &m, 0, err);
}

int kr_control_footer_decode(kr_bytes value, kr_error *err) {
    kr_SnapshotFooterRecord m;
    DECODE_EXACT(kr_SnapshotFooterRecord, value, &m, "SnapshotFooterRecord", err);
    return KR_OK;
}

int kr_control_kraft_version_value(kr_buf *out, int16_t kraft_version, kr_error *err) {
    kr_KRaftVersionRecord m;
    kr_KRaftVersionRecord_init(&m);
    m.Version = 0;
    m.KRaftVersion = kraft_version;
    return kr_KRaftVersionRecord_encode(out, &m, 0, err);
}

int kr_control_kraft_version_decode(kr_bytes value, int16_t *kraft_version, kr_error *err) {
    kr_KRaftVersionRecord m;
    DECODE_EXACT(kr_KRaftVersionRecord, value, &m, "KRaftVersionRecord", err);
    *kraft_version = m.KRaftVersion;
    return KR_OK;
}

int kr_control_voters_check(kr_bytes value, kr_error *err) {
    kr_VotersRecord m;
    DECODE_EXACT(kr_VotersRecord, value, &m, "VotersRecord", err);
    return KR_OK;
}
