#include "kraft/metadata_record.h"

#include <stdio.h>

int kr_metadata_record_decode(const uint8_t *value, size_t len, kr_metadata_record *out,
                              kr_arena *arena, kr_error *err) {
    kr_reader r = kr_reader_make(value, len);
    uint32_t frame = kr_read_uvarint(&r);
    uint32_t api_key = kr_read_uvarint(&r);
    uint32_t version = kr_read_uvarint(&r);
    if (r.failed)
        return kr_fail(err, KR_ERR_CORRUPT, "record value header: %s at byte %zu", r.fail_why,
                       r.fail_pos);
    if (frame != KR_METADATA_FRAME_VERSION)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "record frame version %u (expected 1)", frame);
    int16_t min_v, max_v;
    if (api_key > 0x7fff || !kr_record_versions((int)api_key, &min_v, &max_v))
        return kr_fail(err, KR_ERR_UNSUPPORTED, "unknown metadata record type: api key %u version %u",
                       api_key, version);
    const char *name = kr_record_type_name((int)api_key);
    if (version > 0x7fff || (int)version < min_v || (int)version > max_v)
        return kr_fail(err, KR_ERR_UNSUPPORTED,
                       "unsupported version: api key %u (%s) version %u (valid %d-%d)", api_key, name,
                       version, min_v, max_v);
    out->api_key = (int16_t)api_key;
    out->version = (int16_t)version;
    if (!kr_metadata_body_decode(&r, out, arena))
        return kr_fail(err, KR_ERR_CORRUPT, "%s v%u: %s at byte %zu of the record value", name,
                       version, r.fail_why, r.fail_pos);
    if (r.pos != r.len)
        return kr_fail(err, KR_ERR_CORRUPT, "%s v%u: %zu unexpected bytes after the body at byte %zu",
                       name, version, r.len - r.pos, r.pos);
    return KR_OK;
}

int kr_metadata_record_encode(kr_buf *out, const kr_metadata_record *rec, kr_error *err) {
    kr_put_uvarint(out, KR_METADATA_FRAME_VERSION);
    kr_put_uvarint(out, (uint32_t)rec->api_key);
    kr_put_uvarint(out, (uint32_t)rec->version);
    return kr_metadata_body_encode(out, rec, err);
}

static bool has_suffix(const char *s, size_t len, const char *suffix) {
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

bool kr_config_name_is_sensitive(const char *name, size_t len) {
    /* Kafka's PASSWORD-type configs, plus JAAS configs (they embed secrets). */
    static const char *suffixes[] = {".password", "password", ".jaas.config", ".secret", ".key",
                                     "secret.key"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (has_suffix(name, len, suffixes[i])) return true;
    return false;
}

json_t *kr_metadata_record_to_json(const kr_metadata_record *rec, int flags) {
    json_t *obj = kr_metadata_body_to_json(rec, flags);
    if ((flags & KR_JSON_MASK_SECRETS) && rec->api_key == KR_REC_CONFIG_RECORD) {
        const kr_ConfigRecord *c = &rec->u.ConfigRecord;
        if (c->Value.len >= 0 && c->Name.len >= 0 &&
            kr_config_name_is_sensitive(c->Name.ptr, (size_t)c->Name.len)) {
            char key[16];
            json_object_set_new(obj, kr_json_key("Value", flags, key, sizeof key),
                                json_string(KR_JSON_MASK));
        }
    }
    return obj;
}
