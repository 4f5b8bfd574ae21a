#include "kraft/quorum_state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/fsutil.h"

#define MAX_FILE_BYTES (1u << 20)

static int need_int(json_t *root, const char *key, int64_t min, int64_t max, int64_t *out,
                    const char *name, int version, kr_error *err) {
    json_t *v = json_object_get(root, key);
    if (!v)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: field '%s' is missing (mandatory in version %d)",
                       name, key, version);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: field '%s' is not an integer in range", name, key);
    *out = json_integer_value(v);
    return KR_OK;
}

static int parse_voters(json_t *root, const char *name, kr_quorum_state *out, kr_error *err) {
    json_t *arr = json_object_get(root, "currentVoters");
    if (!arr)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s: field 'currentVoters' is missing (mandatory in version 0)", name);
    if (json_is_null(arr)) {
        out->n_voters = -1;
        return KR_OK;
    }
    if (!json_is_array(arr))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: 'currentVoters' is not an array", name);
    size_t n = json_array_size(arr);
    if (n > KR_QUORUM_MAX_VOTERS)
        return kr_fail(err, KR_ERR_INVALID, "%s: %zu voters, more than %d", name, n,
                       KR_QUORUM_MAX_VOTERS);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        int64_t id;
        if (!json_is_object(e))
            return kr_fail(err, KR_ERR_CORRUPT, "%s: currentVoters[%zu] is not an object", name, i);
        json_t *v = json_object_get(e, "voterId");
        if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX)
            return kr_fail(err, KR_ERR_CORRUPT, "%s: currentVoters[%zu]: 'voterId' missing or not an int32",
                           name, i);
        id = json_integer_value(v);
        out->voters[i] = (int32_t)id;
    }
    out->n_voters = (int32_t)n;
    return KR_OK;
}

static int parse_fields(json_t *root, const char *name, kr_quorum_state *out, kr_error *err) {
    int64_t v;
    int rc = need_int(root, "data_version", INT16_MIN, INT16_MAX, &v, name, 0, err);
    if (rc != KR_OK) return rc;
    if (v != 0 && v != 1)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: data_version %lld (only 0 and 1 are known)",
                       name, (long long)v);
    int ver = (int)v;
    out->data_version = (int16_t)v;
    if (ver == 0) {
        json_t *cid = json_object_get(root, "clusterId");
        if (!cid)
            return kr_fail(err, KR_ERR_CORRUPT,
                           "%s: field 'clusterId' is missing (mandatory in version 0)", name);
        if (!json_is_string(cid))
            return kr_fail(err, KR_ERR_CORRUPT, "%s: 'clusterId' is not a string", name);
    }
    if ((rc = need_int(root, "leaderId", INT32_MIN, INT32_MAX, &v, name, ver, err)) != KR_OK) return rc;
    out->leader_id = (int32_t)v;
    if ((rc = need_int(root, "leaderEpoch", INT32_MIN, INT32_MAX, &v, name, ver, err)) != KR_OK) return rc;
    out->leader_epoch = (int32_t)v;
    if ((rc = need_int(root, "votedId", INT32_MIN, INT32_MAX, &v, name, ver, err)) != KR_OK) return rc;
    out->voted_id = (int32_t)v;
    if (ver == 0) {
        if ((rc = need_int(root, "appliedOffset", INT64_MIN, INT64_MAX, &v, name, ver, err)) != KR_OK)
            return rc;
        return parse_voters(root, name, out, err);
    }
    json_t *dir = json_object_get(root, "votedDirectoryId");
    if (!dir)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s: field 'votedDirectoryId' is missing (mandatory in version 1)", name);
    if (!json_is_string(dir) || !kr_uuid_from_text(json_string_value(dir), &out->voted_directory_id))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: 'votedDirectoryId' is not uuid text", name);
    return KR_OK;
}

int kr_quorum_state_parse(const char *text, size_t len, const char *name, kr_quorum_state *out,
                          kr_error *err) {
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: byte %d: invalid JSON: %s", name, jerr.position,
                       jerr.text);
    int rc = json_is_object(root) ? parse_fields(root, name, out, err)
                                  : kr_fail(err, KR_ERR_CORRUPT, "%s: not a JSON object", name);
    json_decref(root);
    return rc;
}

static json_t *to_json(const kr_quorum_state *qs) {
    json_t *o = json_object();
    if (qs->data_version == 0) json_object_set_new(o, "clusterId", json_string(""));
    json_object_set_new(o, "leaderId", json_integer(qs->leader_id));
    json_object_set_new(o, "leaderEpoch", json_integer(qs->leader_epoch));
    json_object_set_new(o, "votedId", json_integer(qs->voted_id));
    if (qs->data_version == 0) {
        json_object_set_new(o, "appliedOffset", json_integer(0));
        if (qs->n_voters < 0) {
            json_object_set_new(o, "currentVoters", json_null());
        } else {
            json_t *arr = json_array();
            for (int32_t i = 0; i < qs->n_voters; i++) {
                json_t *v = json_object();
                json_object_set_new(v, "voterId", json_integer(qs->voters[i]));
                json_array_append_new(arr, v);
            }
            json_object_set_new(o, "currentVoters", arr);
        }
    } else {
        char dir[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(&qs->voted_directory_id, dir);
        json_object_set_new(o, "votedDirectoryId", json_string(dir));
    }
    json_object_set_new(o, "data_version", json_integer(qs->data_version));
    return o;
}

int kr_quorum_state_format(const kr_quorum_state *qs, kr_buf *out, kr_error *err) {
    if (qs->data_version != 0 && qs->data_version != 1)
        return kr_fail(err, KR_ERR_INVALID, "quorum-state data_version %d (only 0 and 1)",
                       qs->data_version);
    if (qs->n_voters > KR_QUORUM_MAX_VOTERS)
        return kr_fail(err, KR_ERR_INVALID, "quorum-state: too many voters");
    json_t *o = to_json(qs);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) return kr_fail(err, KR_ERR_NOMEM, "quorum-state: out of memory");
    kr_put_raw(out, text, strlen(text));
    free(text);
    return out->oom ? kr_fail(err, KR_ERR_NOMEM, "quorum-state: out of memory") : KR_OK;
}

int kr_quorum_state_read(const char *path, kr_quorum_state *out, kr_error *err) {
    kr_file_view v;
    int rc = kr_file_read_all(path, MAX_FILE_BYTES, &v, err);
    if (rc != KR_OK) return rc;
    rc = kr_quorum_state_parse((const char *)v.data, v.len, path, out, err);
    kr_file_view_release(&v);
    return rc;
}

int kr_quorum_state_write(const char *path, const kr_quorum_state *qs, kr_error *err) {
    kr_buf b = {0};
    int rc = kr_quorum_state_format(qs, &b, err);
    if (rc == KR_OK) rc = kr_write_file_atomic(path, b.data, b.len, 0644, err);
    else kr_error_wrap(err, "%s", path);
    kr_buf_free(&b);
    return rc;
}
