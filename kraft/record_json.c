#include "kraft/record_json.h"

#include "kraft/gen/control_records.h"
#include "kraft/metadata_record.h"

static int where(kr_error *err, const kr_batch *b, const kr_record *rec) {
    return kr_error_wrap(err, "%s: byte %llu (record at offset %lld)", b->file ? b->file : "<buffer>",
                         (unsigned long long)rec->file_pos, (long long)rec->offset);
}

static int describe_control(const kr_batch *b, const kr_record *rec, int flags, kr_arena *arena,
                            kr_record_desc *out, kr_error *err) {
    kr_control_key key;
    if (!kr_control_key_parse(rec->key, &key)) {
        kr_fail(err, KR_ERR_CORRUPT, "control record key is shorter than 4 bytes or has a negative version");
        return where(err, b, rec);
    }
    out->control = true;
    out->api_key = key.type;
    out->version = 0;
    out->enum_name = kr_control_type_name(key.type);
    kr_reader r = kr_reader_make(rec->value.ptr, rec->value.len < 0 ? 0 : (size_t)rec->value.len);
    bool ok = false;
#define CONTROL_CASE(TYPE, NAME, MSG)                                            \
    case TYPE: {                                                                 \
        kr_##MSG m;                                                              \
        out->type = NAME;                                                        \
        ok = kr_##MSG##_decode(&r, &m, 0, arena) && r.pos == r.len;              \
        if (ok) out->fields = kr_##MSG##_to_json(&m, 0, flags);                  \
        break;                                                                   \
    }
    switch (key.type) {
        CONTROL_CASE(KR_CONTROL_LEADER_CHANGE, "LeaderChange", LeaderChangeMessage)
        CONTROL_CASE(KR_CONTROL_SNAPSHOT_HEADER, "SnapshotHeader", SnapshotHeaderRecord)
        CONTROL_CASE(KR_CONTROL_SNAPSHOT_FOOTER, "SnapshotFooter", SnapshotFooterRecord)
        CONTROL_CASE(KR_CONTROL_KRAFT_VERSION, "KRaftVersion", KRaftVersionRecord)
        CONTROL_CASE(KR_CONTROL_KRAFT_VOTERS, "KRaftVoters", VotersRecord)
    default:
        kr_fail(err, KR_ERR_UNSUPPORTED, "unknown control record type %d", key.type);
        return where(err, b, rec);
    }
#undef CONTROL_CASE
    if (!ok) {
        if (r.failed)
            kr_fail(err, KR_ERR_CORRUPT, "%s value: %s at byte %zu of the value", out->type, r.fail_why,
                    r.fail_pos);
        else
            kr_fail(err, KR_ERR_CORRUPT, "%s value: %zu unexpected bytes after the body", out->type,
                    r.len - r.pos);
        return where(err, b, rec);
    }
    return KR_OK;
}

int kr_record_describe(const kr_batch *b, const kr_record *rec, int flags, kr_arena *arena,
                       kr_record_desc *out, kr_error *err) {
    memset(out, 0, sizeof *out);
    if (kr_batch_is_control(&b->h)) return describe_control(b, rec, flags, arena, out, err);
    if (rec->value.len < 0) {
        kr_fail(err, KR_ERR_CORRUPT, "data record without a value");
        return where(err, b, rec);
    }
    kr_metadata_record m;
    int rc = kr_metadata_record_decode(rec->value.ptr, (size_t)rec->value.len, &m, arena, err);
    if (rc != KR_OK) return where(err, b, rec);
    out->type = kr_record_type_name(m.api_key);
    out->enum_name = kr_record_type_enum_name(m.api_key);
    out->api_key = m.api_key;
    out->version = m.version;
    out->fields = kr_metadata_record_to_json(&m, flags);
    return KR_OK;
}
