/*
 * Znode decoding: (path, bytes, stat) -> model entries + findings (spec zk-layout.md §2,
 * Kafka 3.9's reactions in migration.md §10). Three kinds of problem:
 *   - Kafka aborts the migration              -> error, always
 *   - Kafka silently substitutes or drops data -> zr_findings_substitute (error unless lenient)
 *   - data Kafka does not migrate is odd       -> warning
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkread/model.h"
#include "zkread/text.h"

zr_topic *zr_model_topic_get(zr_model *m, const char *name);

#define MAX_SEGMENTS 8
#define ERR ZR_SEV_ERROR
#define WARN ZR_SEV_WARNING

/* Grows *v (element size sz) to hold one more; false when memory runs out. */
static bool grow(void **v, size_t *cap, size_t n, size_t sz) {
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*v, c * sz);
    if (!p) return false;
    *v = p;
    *cap = c;
    return true;
}
#define PUSH(arr, n, cap) grow((void **)&(arr), &(cap), (n), sizeof *(arr))

/* ---- JSON helpers -------------------------------------------------------- */

/* Parses a JSON object; on failure returns NULL and writes the reason to why. */
static json_t *parse_object(const uint8_t *data, int32_t len, char *why, size_t why_len) {
    json_error_t je;
    json_t *j = json_loadb((const char *)data, (size_t)len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        snprintf(why, why_len, "not valid JSON (%s at byte %d)", je.text, je.position);
        return NULL;
    }
    if (!json_is_object(j)) {
        snprintf(why, why_len, "JSON is not an object");
        json_decref(j);
        return NULL;
    }
    return j;
}

static const char *json_type_name(const json_t *v) {
    if (!v) return "missing";
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

enum { OPTIONAL = 0, REQUIRED = 1 };

/* Reads an integer field in [lo, hi]. Returns 1 found, 0 absent (optional), -1 error (finding made). */
static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out, int required,
                   enum zr_severity sev, const char *path, zr_findings *f) {
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (!required) return 0;
        zr_findings_add(f, sev, path, "field \"%s\" is missing", key);
        return -1;
    }
    if (!json_is_integer(v)) {
        zr_findings_add(f, sev, path, "field \"%s\" is %s, expected an integer", key,
                        json_type_name(v));
        return -1;
    }
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        zr_findings_add(f, sev, path, "field \"%s\" = %lld is out of range [%lld, %lld]", key,
                        (long long)x, (long long)lo, (long long)hi);
        return -1;
    }
    *out = x;
    return 1;
}

static int get_i32(json_t *o, const char *key, int32_t *out, int required, enum zr_severity sev,
                   const char *path, zr_findings *f) {
    int64_t v;
    int r = get_int(o, key, INT32_MIN, INT32_MAX, &v, required, sev, path, f);
    if (r == 1) *out = (int32_t)v;
    return r;
}

/* A string field; *out points into o. */
static int get_str(json_t *o, const char *key, const char **out, int required, bool null_ok,
                   enum zr_severity sev, const char *path, zr_findings *f) {
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (!required) return 0;
        zr_findings_add(f, sev, path, "field \"%s\" is missing", key);
        return -1;
    }
    if (null_ok && json_is_null(v)) {
        *out = NULL;
        return 1;
    }
    if (!json_is_string(v)) {
        zr_findings_add(f, sev, path, "field \"%s\" is %s, expected a string", key,
                        json_type_name(v));
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

/* A string holding a decimal long (Kafka stores timestamps and block bounds this way). */
static int get_str_i64(json_t *o, const char *key, int64_t *out, int required, enum zr_severity sev,
                       const char *path, zr_findings *f) {
    const char *s;
    int r = get_str(o, key, &s, required, false, sev, path, f);
    if (r != 1) return r;
    if (!zr_parse_i64(s, out)) {
        zr_findings_add(f, sev, path, "field \"%s\" = \"%s\" is not a decimal integer", key, s);
        return -1;
    }
    return 1;
}

/* An array of broker ids. Returns false (finding made) unless every element is an int32. */
static bool int_array(json_t *a, zr_ints *out, const char *what, enum zr_severity sev,
                      const char *path, zr_findings *f) {
    out->v = NULL;
    out->n = 0;
    if (!json_is_array(a)) {
        zr_findings_add(f, sev, path, "%s is %s, expected an array of integers", what,
                        json_type_name(a));
        return false;
    }
    size_t n = json_array_size(a);
    out->v = malloc((n ? n : 1) * sizeof(int32_t));
    if (!out->v) return false;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_integer(e) || json_integer_value(e) < INT32_MIN ||
            json_integer_value(e) > INT32_MAX) {
            zr_findings_add(f, sev, path, "%s[%zu] is %s, expected a 32-bit integer", what, i,
                            json_type_name(e));
            free(out->v);
            out->v = NULL;
            return false;
        }
        out->v[i] = (int32_t)json_integer_value(e);
    }
    out->n = n;
    return true;
}

static bool has_duplicates(const zr_ints *x) {
    for (size_t i = 0; i < x->n; i++)
        for (size_t j = i + 1; j < x->n; j++)
            if (x->v[i] == x->v[j]) return true;
    return false;
}

/* Unknown JSON versions are ignored by Kafka 3.9: strict reports them. */
static void check_version(json_t *o, int lo, int hi, const char *path, zr_findings *f,
                          bool substitute) {
    json_t *v = json_object_get(o, "version");
    if (!v) {
        if (substitute) zr_findings_substitute(f, path, "field \"version\" is missing; Kafka 3.9 ignores it");
        else zr_findings_add(f, WARN, path, "field \"version\" is missing");
        return;
    }
    if (json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi) return;
    char buf[64];
    if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else snprintf(buf, sizeof buf, "%s", json_type_name(v));
    if (substitute)
        zr_findings_substitute(f, path, "unknown JSON version %s (known: %d..%d); Kafka 3.9 ignores "
                               "the version and reads the fields", buf, lo, hi);
    else
        zr_findings_add(f, WARN, path, "unknown JSON version %s (known: %d..%d)", buf, lo, hi);
}

static int json_version(json_t *o) {
    json_t *v = json_object_get(o, "version");
    return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

/* ---- path classification ------------------------------------------------- */

typedef struct segs {
    char *s[MAX_SEGMENTS];
    size_t n;
    char buf[1024];
} segs;

/* Splits "/a/b/c"; false for paths that are too long, too deep, or not absolute. */
static bool split_path(const char *path, segs *out) {
    out->n = 0;
    size_t len = strlen(path);
    if (path[0] != '/' || len >= sizeof out->buf) return false;
    memcpy(out->buf, path, len + 1);
    char *p = out->buf + 1;
    if (!*p) return true;
    while (p) {
        if (out->n == MAX_SEGMENTS) return false;
        char *slash = strchr(p, '/');
        if (slash) *slash = 0;
        if (!*p) return false; /* empty segment */
        out->s[out->n++] = p;
        p = slash ? slash + 1 : NULL;
    }
    return true;
}

static bool is(const segs *g, size_t n, ...) {
    if (g->n != n) return false;
    va_list ap;
    va_start(ap, n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const char *want = va_arg(ap, const char *);
        if (want && strcmp(want, g->s[i])) ok = false;
    }
    va_end(ap);
    return ok;
}

/* ---- simple znodes ------------------------------------------------------- */

static void decode_cluster_id(zr_model *m, const char *path, json_t *o, zr_findings *f) {
    json_t *v = json_object_get(o, "version");
    if (!json_is_string(v) || strcmp(json_string_value(v), "1"))
        zr_findings_add(f, WARN, path, "field \"version\" should be the string \"1\"");
    const char *id;
    if (get_str(o, "id", &id, REQUIRED, false, ERR, path, f) != 1) return;
    uint8_t b[16];
    if (!zr_uuid_from_text(id, b)) {
        zr_findings_add(f, ERR, path, "cluster id \"%s\" is not 22 characters of URL-safe base64 "
                        "(16 bytes)", id);
        return;
    }
    free(m->cluster_id);
    m->cluster_id = strdup(id);
}

static void decode_controller(zr_model *m, const char *path, json_t *o, const zr_stat *st,
                              zr_findings *f) {
    check_version(o, 1, 2, path, f, true);
    int32_t id, epoch = -1;
    if (get_i32(o, "brokerid", &id, REQUIRED, ERR, path, f) != 1) return;
    if (get_i32(o, "kraftControllerEpoch", &epoch, OPTIONAL, ERR, path, f) < 0) return;
    int64_t ts = 0;
    get_str_i64(o, "timestamp", &ts, OPTIONAL, WARN, path, f);
    m->has_controller = true;
    m->controller_version = json_version(o);
    m->controller_id = id;
    m->kraft_controller_epoch = epoch;
    m->controller_timestamp_ms = ts;
    m->controller_ephemeral = st && st->ephemeral_owner != 0;
}

static void decode_controller_epoch(zr_model *m, const char *path, const uint8_t *d, int32_t len,
                                    const zr_stat *st, zr_findings *f) {
    char buf[32];
    int32_t v;
    if (len >= (int32_t)sizeof buf) {
        zr_findings_add(f, ERR, path, "controller epoch is not a decimal integer (%d bytes)", (int)len);
        return;
    }
    memcpy(buf, d, (size_t)len);
    buf[len] = 0;
    if (!zr_parse_i32(buf, &v) || v < 0) {
        zr_findings_add(f, ERR, path, "controller epoch \"%s\" is not a non-negative decimal integer", buf);
        return;
    }
    m->has_controller_epoch = true;
    m->controller_epoch = v;
    m->controller_epoch_zk_version = st ? st->version : 0;
}

static void decode_feature(zr_model *m, const char *path, json_t *o, const zr_stat *st,
                           zr_findings *f) {
    check_version(o, 1, 2, path, f, false);
    int32_t status = 0;
    get_i32(o, "status", &status, OPTIONAL, WARN, path, f);
    json_t *fs = json_object_get(o, "features");
    if (fs && !json_is_object(fs)) {
        zr_findings_add(f, WARN, path, "field \"features\" is %s, expected an object", json_type_name(fs));
        fs = NULL;
    }
    for (size_t i = 0; i < m->n_features; i++) free(m->features[i].name);
    free(m->features);
    m->features = NULL;
    m->n_features = 0;
    size_t n = fs ? json_object_size(fs) : 0;
    if (n) m->features = calloc(n, sizeof *m->features);
    const char *key;
    json_t *val;
    if (m->features) {
        json_object_foreach(fs, key, val) {
            int32_t lo = -1, hi = -1;
            if (!json_is_object(val)) {
                zr_findings_add(f, WARN, path, "feature \"%s\" is not an object", key);
                continue;
            }
            get_i32(val, "min_version_level", &lo, OPTIONAL, WARN, path, f);
            get_i32(val, "max_version_level", &hi, REQUIRED, WARN, path, f);
            m->features[m->n_features++] = (zr_feature_level){strdup(key), lo, hi};
        }
    }
    m->has_feature = true;
    m->feature_version = json_version(o);
    m->feature_status = status;
    m->feature_zk_version = st ? st->version : 0;
}

static void decode_migration(zr_model *m, const char *path, json_t *o, const zr_stat *st,
                             zr_findings *f) {
    int32_t version;
    if (get_i32(o, "version", &version, REQUIRED, ERR, path, f) != 1) return;
    if (version != 0) {
        zr_findings_add(f, ERR, path, "JSON version %d is not 0; Kafka 3.9's migration driver cannot "
                        "start", (int)version);
        return;
    }
    int32_t cid, cep, mep;
    int64_t off;
    if (get_i32(o, "kraft_controller_id", &cid, REQUIRED, ERR, path, f) != 1 ||
        get_i32(o, "kraft_controller_epoch", &cep, REQUIRED, ERR, path, f) != 1 ||
        get_int(o, "kraft_metadata_offset", INT64_MIN, INT64_MAX, &off, REQUIRED, ERR, path, f) != 1 ||
        get_i32(o, "kraft_metadata_epoch", &mep, REQUIRED, ERR, path, f) != 1)
        return;
    m->has_migration = true;
    m->migration_controller_id = cid;
    m->migration_controller_epoch = cep;
    m->migration_metadata_offset = off;
    m->migration_metadata_epoch = mep;
    m->migration_zk_version = st ? st->version : 0;
}

static void decode_producer_id_block(zr_model *m, const char *path, json_t *o, zr_findings *f) {
    check_version(o, 1, 1, path, f, true);
    int32_t broker;
    int64_t start, end;
    if (get_i32(o, "broker", &broker, REQUIRED, ERR, path, f) != 1 ||
        get_str_i64(o, "block_start", &start, REQUIRED, ERR, path, f) != 1 ||
        get_str_i64(o, "block_end", &end, REQUIRED, ERR, path, f) != 1)
        return;
    if (start < 0 || end < start || end == INT64_MAX) {
        zr_findings_add(f, ERR, path, "producer-id block [%lld, %lld] is not a valid range",
                        (long long)start, (long long)end);
        return;
    }
    m->has_producer_id_block = true;
    m->producer_id_broker = broker;
    m->producer_id_block_start = start;
    m->producer_id_block_end = end;
}

/* ---- brokers ------------------------------------------------------------- */

static void decode_broker(zr_model *m, const char *path, const char *name, json_t *o,
                          const zr_stat *st, zr_findings *f) {
    int32_t id;
    if (!zr_parse_i32(name, &id) || id < 0) {
        zr_findings_add(f, ERR, path, "broker id \"%s\" is not a non-negative integer; Kafka 3.9 "
                        "fails on it", name);
        return;
    }
    if (!PUSH(m->brokers, m->n_brokers, m->cap_brokers)) return;
    zr_broker *b = &m->brokers[m->n_brokers++];
    memset(b, 0, sizeof *b);
    b->id = id;
    b->port = b->jmx_port = -1;
    b->epoch = st ? st->czxid : 0;
    b->ephemeral = st && st->ephemeral_owner != 0;
    if (!o) return; /* registration content is not migrated; the id is */
    check_version(o, 1, 5, path, f, false);
    b->version = json_version(o);
    const char *s;
    if (get_str(o, "host", &s, OPTIONAL, true, WARN, path, f) == 1) b->host = zr_strdup(s);
    get_i32(o, "port", &b->port, OPTIONAL, WARN, path, f);
    get_i32(o, "jmx_port", &b->jmx_port, OPTIONAL, WARN, path, f);
    get_str_i64(o, "timestamp", &b->timestamp_ms, OPTIONAL, WARN, path, f);
    if (get_str(o, "rack", &s, OPTIONAL, true, WARN, path, f) == 1) b->rack = zr_strdup(s);
    json_t *eps = json_object_get(o, "endpoints");
    if (json_is_array(eps) && json_array_size(eps)) {
        b->endpoints = calloc(json_array_size(eps), sizeof(char *));
        for (size_t i = 0; b->endpoints && i < json_array_size(eps); i++) {
            json_t *e = json_array_get(eps, i);
            if (json_is_string(e)) b->endpoints[b->n_endpoints++] = strdup(json_string_value(e));
            else zr_findings_add(f, WARN, path, "endpoints[%zu] is not a string", i);
        }
    } else if (b->version >= 2) {
        zr_findings_add(f, WARN, path, "version %d registration without \"endpoints\"", b->version);
    }
    json_t *map = json_object_get(o, "listener_security_protocol_map");
    if (json_is_object(map) && json_object_size(map)) {
        b->listener_protocols.v = calloc(json_object_size(map), sizeof(zr_kv));
        const char *k;
        json_t *v;
        json_object_foreach(map, k, v) {
            if (!b->listener_protocols.v) break;
            if (!json_is_string(v)) continue;
            b->listener_protocols.v[b->listener_protocols.n++] =
                (zr_kv){strdup(k), strdup(json_string_value(v))};
        }
    }
}

/* ---- topics and partition states ----------------------------------------- */

static bool partition_key(const char *k, int32_t *out) {
    return zr_parse_i32(k, out) && *out >= 0 && k[0] != '-' && !(k[0] == '0' && k[1]);
}

/* adding_replicas / removing_replicas: optional objects keyed like partitions. */
static void reassignment_map(json_t *o, const char *key, zr_topic *t, bool adding, const char *path,
                             zr_findings *f) {
    json_t *map = json_object_get(o, key);
    if (!map || json_is_null(map)) return;
    if (!json_is_object(map)) {
        zr_findings_add(f, ERR, path, "field \"%s\" is %s, expected an object", key, json_type_name(map));
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v) {
        int32_t pid;
        zr_partition *p = NULL;
        if (partition_key(k, &pid))
            for (size_t i = 0; i < t->n_partitions && !p; i++)
                if (t->partitions[i].id == pid) p = &t->partitions[i];
        if (!p) {
            zr_findings_add(f, WARN, path, "%s lists partition \"%s\", which is not in \"partitions\"; "
                            "ignored", key, k);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "%s[\"%s\"]", key, k);
        zr_ints *dst = adding ? &p->adding : &p->removing;
        if (!int_array(v, dst, what, ERR, path, f)) continue;
        for (size_t i = 0; i < dst->n; i++) {
            bool found = false;
            for (size_t j = 0; j < p->replicas.n && !found; j++) found = p->replicas.v[j] == dst->v[i];
            if (!found)
                zr_findings_add(f, WARN, path, "%s contains broker %d, which is not in the replica set",
                                what, (int)dst->v[i]);
        }
    }
}

static void decode_topic(zr_model *m, const char *path, const char *name, const uint8_t *d,
                         int32_t len, zr_findings *f) {
    zr_topic *t = zr_model_topic_get(m, name);
    if (!t) return;
    if (!d) {
        zr_findings_add(f, ERR, path, "topic znode has no data; Kafka 3.9 aborts the migration "
                        "(no topic id, no partitions)");
        return;
    }
    char why[256];
    json_t *o = parse_object(d, len, why, sizeof why);
    if (!o) {
        zr_findings_add(f, ERR, path, "%s; Kafka 3.9 treats it as a topic without id or partitions "
                        "and aborts the migration", why);
        return;
    }
    check_version(o, 1, 3, path, f, true);
    json_t *parts = json_object_get(o, "partitions");
    if (!json_is_object(parts)) {
        zr_findings_add(f, ERR, path, "field \"partitions\" is %s, expected an object",
                        parts ? json_type_name(parts) : "missing");
        json_decref(o);
        return;
    }
    json_t *idv = json_object_get(o, "topic_id");
    if (idv && !json_is_null(idv)) {
        const char *id = json_is_string(idv) ? json_string_value(idv) : NULL;
        if (!id || !zr_uuid_from_text(id, t->id)) {
            zr_findings_add(f, ERR, path, "topic_id %s%s%s is not a 22-character URL-safe base64 uuid",
                            id ? "\"" : "", id ? id : json_type_name(idv), id ? "\"" : "");
        } else {
            static const uint8_t zero[16], meta[16] = {[15] = 1};
            if (!memcmp(t->id, zero, 16) || !memcmp(t->id, meta, 16))
                zr_findings_add(f, ERR, path, "topic_id \"%s\" is a reserved id (zero or the metadata "
                                "topic's)", id);
            else {
                t->has_id = true;
                snprintf(t->id_text, sizeof t->id_text, "%s", id);
            }
        }
    }
    size_t n = json_object_size(parts);
    t->partitions = calloc(n ? n : 1, sizeof *t->partitions);
    if (!t->partitions) {
        json_decref(o);
        return;
    }
    const char *k;
    json_t *v;
    bool ok = true;
    json_object_foreach(parts, k, v) {
        int32_t pid;
        if (!partition_key(k, &pid)) {
            zr_findings_add(f, ERR, path, "partition key \"%s\" is not a non-negative decimal integer", k);
            ok = false;
            continue;
        }
        zr_partition *p = &t->partitions[t->n_partitions];
        memset(p, 0, sizeof *p);
        p->id = pid;
        char what[64];
        snprintf(what, sizeof what, "partitions[\"%s\"]", k);
        if (!int_array(v, &p->replicas, what, ERR, path, f)) {
            ok = false;
            continue;
        }
        if (p->replicas.n == 0)
            zr_findings_add(f, WARN, path, "partition %s has an empty replica set", k);
        else if (has_duplicates(&p->replicas))
            zr_findings_add(f, WARN, path, "partition %s lists a replica twice; copied verbatim", k);
        t->n_partitions++;
    }
    reassignment_map(o, "adding_replicas", t, true, path, f);
    reassignment_map(o, "removing_replicas", t, false, path, f);
    t->version = json_version(o);
    t->has_assignment = ok;
    json_decref(o);
}

#define ZR_STATE_UNUSABLE INT32_MIN

static void decode_state(zr_model *m, const char *path, const char *topic, const char *pname,
                         const uint8_t *d, int32_t len, const zr_stat *st, zr_findings *f) {
    int32_t pid;
    if (!partition_key(pname, &pid)) {
        zr_findings_add(f, WARN, path, "partition directory \"%s\" is not a partition id; ignored", pname);
        return;
    }
    zr_topic *t = zr_model_topic_get(m, topic);
    if (!t || !PUSH(t->states, t->n_states, t->cap_states)) return;
    zr_partition_state *s = &t->states[t->n_states];
    memset(s, 0, sizeof *s);
    s->partition = pid;
    s->partition_epoch = st ? st->version : 0;
    char why[256];
    json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
    if (!d) snprintf(why, sizeof why, "partition state znode has no data");
    if (!o) {
        zr_findings_substitute(f, path, "%s; Kafka 3.9 treats it as missing and substitutes leader = "
                               "first replica, ISR = all replicas (may elect an out-of-sync replica)",
                               why);
        s->leader_epoch = ZR_STATE_UNUSABLE;
        t->n_states++;
        return;
    }
    check_version(o, 1, 1, path, f, true);
    s->json_version = json_version(o);
    json_t *isr = json_object_get(o, "isr");
    bool ok = get_i32(o, "leader", &s->leader, REQUIRED, ERR, path, f) == 1;
    ok = get_i32(o, "leader_epoch", &s->leader_epoch, REQUIRED, ERR, path, f) == 1 && ok;
    ok = get_i32(o, "controller_epoch", &s->controller_epoch, REQUIRED, ERR, path, f) == 1 && ok;
    if (!isr) {
        zr_findings_add(f, ERR, path, "field \"isr\" is missing");
        ok = false;
    } else if (!int_array(isr, &s->isr, "isr", ERR, path, f)) {
        ok = false;
    }
    int64_t lrs = 0;
    int r = get_int(o, "leader_recovery_state", 0, 1, &lrs, OPTIONAL, ERR, path, f);
    if (r < 0) ok = false;
    s->leader_recovery_state = (int32_t)lrs;
    json_decref(o);
    if (!ok) {
        /* Kafka 3.9 throws on these: the migration aborts. Keep the partition out of the join. */
        free(s->isr.v);
        s->isr.v = NULL;
        s->leader_epoch = ZR_STATE_UNUSABLE;
        t->n_states++;
        return;
    }
    if (s->leader_epoch < 0)
        zr_findings_add(f, WARN, path, "leader_epoch %d is negative", (int)s->leader_epoch);
    t->n_states++;
}

/* ---- configs ------------------------------------------------------------- */

static bool is_scram_key(const char *k) {
    return !strcmp(k, "SCRAM-SHA-256") || !strcmp(k, "SCRAM-SHA-512");
}

/* Java's Double.parseDouble, close enough: optional surrounding whitespace, finite value. */
static bool parse_double(const char *s, double *out) {
    while (*s && (unsigned char)*s <= ' ') s++;
    if (!*s) return false;
    if (strchr(s, 'x') || strchr(s, 'X')) return false;
    char *end;
    double v = strtod(s, &end);
    while (*end && (unsigned char)*end <= ' ') end++;
    if (*end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static void decode_scram(zr_model *m, const char *path, const char *user, const char *mech,
                         const char *value, zr_findings *f) {
    const char *keys[4] = {"salt", "stored_key", "server_key", "iterations"};
    const char *vals[4] = {0};
    size_t lens[4] = {0};
    char *copy = strdup(value);
    if (!copy) return;
    size_t count = 0;
    bool ok = true;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        count++;
        char *eq = strchr(tok, '=');
        bool known = false;
        for (int i = 0; eq && i < 4; i++) {
            if ((size_t)(eq - tok) == strlen(keys[i]) && !strncmp(tok, keys[i], (size_t)(eq - tok))) {
                known = !vals[i];
                vals[i] = eq + 1;
                lens[i] = strlen(eq + 1);
            }
        }
        if (!known) ok = false;
    }
    for (int i = 0; i < 4; i++) ok = ok && vals[i];
    if (!ok || count != 4) {
        zr_findings_add(f, ERR, path, "%s credential must have exactly the keys salt, stored_key, "
                        "server_key, iterations; Kafka 3.9 aborts the migration", mech);
        free(copy);
        return;
    }
    zr_scram s = {.mechanism = strcmp(mech, "SCRAM-SHA-256") ? ZR_SCRAM_SHA_512 : ZR_SCRAM_SHA_256};
    bool b1 = zr_base64_decode(vals[0], lens[0], false, false, &s.salt, &s.salt_len);
    bool b2 = zr_base64_decode(vals[1], lens[1], false, false, &s.stored_key, &s.stored_key_len);
    bool b3 = zr_base64_decode(vals[2], lens[2], false, false, &s.server_key, &s.server_key_len);
    bool b4 = zr_parse_i32(vals[3], &s.iterations);
    free(copy);
    size_t want = s.mechanism == ZR_SCRAM_SHA_256 ? 32 : 64;
    if (!b1 || !b2 || !b3 || !b4) {
        zr_findings_add(f, ERR, path, "%s credential: %s is not valid %s; Kafka 3.9 aborts the migration",
                        mech, !b1 ? "salt" : !b2 ? "stored_key" : !b3 ? "server_key" : "iterations",
                        !b4 && b1 && b2 && b3 ? "decimal" : "base64");
    } else if (s.stored_key_len != want || s.server_key_len != want) {
        zr_findings_add(f, ERR, path, "%s credential: stored_key/server_key are %zu/%zu bytes, expected %zu",
                        mech, s.stored_key_len, s.server_key_len, want);
    } else if (s.iterations < 4096 || s.iterations > 16384) {
        zr_findings_add(f, ERR, path, "%s credential: iterations %d outside Kafka's range 4096..16384",
                        mech, (int)s.iterations);
    } else if (PUSH(m->scram, m->n_scram, m->cap_scram)) {
        s.user = zr_strdup(user);
        m->scram[m->n_scram++] = s;
        return;
    }
    free(s.salt);
    free(s.stored_key);
    free(s.server_key);
}

/* Decodes an entity name; `<default>` -> NULL with *is_default. False on a bad escape. */
static bool entity_name(const char *raw, bool sanitized, char **out, bool *is_default,
                        const char *path, zr_findings *f) {
    *out = NULL;
    *is_default = !strcmp(raw, "<default>");
    if (*is_default) return true;
    if (!sanitized) {
        *out = strdup(raw);
        return *out != NULL;
    }
    const char *why = NULL;
    *out = zr_desanitize(raw, &why);
    if (!*out) {
        zr_findings_add(f, ERR, path, "entity name \"%s\" cannot be desanitized: %s", raw, why);
        return false;
    }
    return true;
}

static void decode_config(zr_model *m, const char *path, enum zr_entity_type type, const char *raw,
                          const char *raw_client, const uint8_t *d, int32_t len, zr_findings *f) {
    zr_config_entity e = {.type = type};
    bool sanitized = type != ZR_ENTITY_TOPIC && type != ZR_ENTITY_BROKER;
    if (!entity_name(raw, sanitized, &e.name, &e.is_default, path, f)) return;
    if (raw_client && !entity_name(raw_client, true, &e.client, &e.client_is_default, path, f)) {
        free(e.name);
        return;
    }
    if (type == ZR_ENTITY_TOPIC && e.is_default) {
        zr_findings_add(f, WARN, path, "topics have no <default> entity; treated as a topic named <default>");
        e.is_default = false;
        e.name = strdup(raw);
    }
    if (type == ZR_ENTITY_BROKER && !e.is_default) {
        int32_t id;
        if (!zr_parse_i32(raw, &id) || id < 0) {
            zr_findings_add(f, ERR, path, "broker config entity \"%s\" is neither <default> nor a broker "
                            "id; Kafka 3.9 aborts the migration", raw);
            free(e.name);
            free(e.client);
            return;
        }
    }
    json_t *o = NULL;
    if (d) {
        char why[256];
        o = parse_object(d, len, why, sizeof why);
        if (!o) zr_findings_substitute(f, path, "%s; Kafka 3.9 treats it as no configs (silently dropped)", why);
    }
    json_t *cfg = NULL;
    if (o) {
        check_version(o, 1, 1, path, f, true);
        cfg = json_object_get(o, "config");
        if (!json_is_object(cfg)) {
            zr_findings_substitute(f, path, "field \"config\" is %s, expected an object; Kafka 3.9 treats "
                                   "it as no configs", cfg ? json_type_name(cfg) : "missing");
            cfg = NULL;
        }
    }
    size_t n = cfg ? json_object_size(cfg) : 0;
    e.config.v = calloc(n ? n : 1, sizeof(zr_kv));
    e.path = strdup(path);
    if (!e.config.v || !e.path || !PUSH(m->configs, m->n_configs, m->cap_configs)) {
        free(e.config.v);
        free(e.path);
        free(e.name);
        free(e.client);
        json_decref(o);
        return;
    }
    const char *k;
    json_t *v;
    bool quota = type == ZR_ENTITY_USER || type == ZR_ENTITY_CLIENT || type == ZR_ENTITY_USER_CLIENT ||
                 type == ZR_ENTITY_IP;
    if (cfg) json_object_foreach(cfg, k, v) {
        if (!json_is_string(v)) {
            zr_findings_add(f, ERR, path, "config \"%s\" is %s, expected a string; Kafka 3.9 aborts the "
                            "migration", k, json_type_name(v));
            continue;
        }
        const char *val = json_string_value(v);
        if (type == ZR_ENTITY_USER && is_scram_key(k)) {
            decode_scram(m, path, e.name, k, val, f);
        } else if (is_scram_key(k)) {
            zr_findings_add(f, WARN, path, "%s on a %s entity is not a credential; kept as a quota key",
                            k, zr_entity_type_name(type));
        }
        if (quota && !(type == ZR_ENTITY_USER && is_scram_key(k))) {
            double dv;
            if (!parse_double(val, &dv)) {
                zr_findings_add(f, ERR, path, "quota \"%s\" = \"%s\" is not a number; Kafka 3.9 aborts "
                                "the migration", k, val);
                continue;
            }
        }
        e.config.v[e.config.n++] = (zr_kv){strdup(k), strdup(val)};
    }
    m->configs[m->n_configs++] = e;
    json_decref(o);
}

static void decode_config_change(zr_model *m, const char *path, const char *name, json_t *o,
                                 zr_findings *f) {
    check_version(o, 1, 2, path, f, false);
    int v = json_version(o);
    char buf[1024];
    const char *ep = NULL, *type = NULL, *ename = NULL;
    if (v == 1) {
        if (get_str(o, "entity_type", &type, REQUIRED, false, WARN, path, f) != 1 ||
            get_str(o, "entity_name", &ename, REQUIRED, false, WARN, path, f) != 1)
            return;
        snprintf(buf, sizeof buf, "%s/%s", type, ename);
        ep = buf;
    } else if (get_str(o, "entity_path", &ep, REQUIRED, false, WARN, path, f) != 1) {
        return;
    }
    if (!PUSH(m->config_changes, m->n_config_changes, m->cap_config_changes)) return;
    m->config_changes[m->n_config_changes++] = (zr_config_change){strdup(name), v, strdup(ep)};
}

/* ---- admin requests and notifications (not migrated: problems are warnings) ------ */

static bool topic_partitions(json_t *o, bool with_replicas, zr_topic_partition **out, size_t *n,
                             const char *path, zr_findings *f) {
    json_t *a = json_object_get(o, "partitions");
    if (!json_is_array(a)) {
        zr_findings_add(f, WARN, path, "field \"partitions\" is %s, expected an array",
                        a ? json_type_name(a) : "missing");
        return false;
    }
    size_t cnt = json_array_size(a);
    *out = calloc(cnt ? cnt : 1, sizeof **out);
    *n = 0;
    if (!*out) return false;
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_array_get(a, i);
        const char *topic;
        int32_t p;
        if (!json_is_object(e) || get_str(e, "topic", &topic, REQUIRED, false, WARN, path, f) != 1 ||
            get_i32(e, "partition", &p, REQUIRED, WARN, path, f) != 1)
            continue;
        zr_topic_partition tp = {.topic = strdup(topic), .partition = p};
        if (with_replicas && !int_array(json_object_get(e, "replicas"), &tp.replicas, "replicas", WARN,
                                        path, f)) {
            free(tp.topic);
            continue;
        }
        (*out)[(*n)++] = tp;
    }
    return true;
}

static void decode_isr_change(zr_model *m, const char *path, const char *name, json_t *o,
                              zr_findings *f) {
    check_version(o, 1, 1, path, f, false);
    if (!PUSH(m->isr_changes, m->n_isr_changes, m->cap_isr_changes)) return;
    zr_notification *nt = &m->isr_changes[m->n_isr_changes];
    memset(nt, 0, sizeof *nt);
    if (!topic_partitions(o, false, &nt->partitions, &nt->n_partitions, path, f)) return;
    nt->name = strdup(name);
    m->n_isr_changes++;
}

static void decode_log_dir_event(zr_model *m, const char *path, const char *name, json_t *o,
                                 zr_findings *f) {
    check_version(o, 1, 1, path, f, false);
    int32_t broker, event;
    if (get_i32(o, "broker", &broker, REQUIRED, WARN, path, f) != 1 ||
        get_i32(o, "event", &event, REQUIRED, WARN, path, f) != 1)
        return;
    if (!PUSH(m->log_dir_events, m->n_log_dir_events, m->cap_log_dir_events)) return;
    m->log_dir_events[m->n_log_dir_events++] = (zr_log_dir_event){strdup(name), broker, event};
}

/* ---- ACLs ---------------------------------------------------------------- */

static enum zr_resource_type resource_type(const char *s) {
    static const struct { const char *pascal, *upper; enum zr_resource_type t; } T[] = {
        {"Topic", "TOPIC", ZR_RES_TOPIC},
        {"Group", "GROUP", ZR_RES_GROUP},
        {"Cluster", "CLUSTER", ZR_RES_CLUSTER},
        {"TransactionalId", "TRANSACTIONALID", ZR_RES_TRANSACTIONAL_ID},
        {"DelegationToken", "DELEGATIONTOKEN", ZR_RES_DELEGATION_TOKEN},
        {"User", "USER", ZR_RES_USER},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (!strcmp(s, T[i].pascal) || !strcmp(s, T[i].upper)) return T[i].t;
    return ZR_RES_UNKNOWN;
}

/* Kafka accepts the exact PascalCase name or its full upper-case form (not IDEMPOTENT_WRITE). */
static bool name_matches(const char *s, const char *pascal) {
    if (!strcmp(s, pascal)) return true;
    size_t i = 0;
    for (; pascal[i]; i++) {
        char up = (pascal[i] >= 'a' && pascal[i] <= 'z') ? (char)(pascal[i] - 32) : pascal[i];
        if (s[i] != up) return false;
    }
    return s[i] == 0;
}

static int acl_operation(const char *s) {
    static const char *const ops[] = {"All", "Read", "Write", "Create", "Delete", "Alter", "Describe",
                                      "ClusterAction", "DescribeConfigs", "AlterConfigs",
                                      "IdempotentWrite", "CreateTokens", "DescribeTokens"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (name_matches(s, ops[i])) return (int)i + 2;
    return 0;
}

static int acl_permission(const char *s) {
    if (!strcmp(s, "Deny") || !strcmp(s, "DENY")) return 2;
    if (!strcmp(s, "Allow") || !strcmp(s, "ALLOW")) return 3;
    return 0;
}

static void decode_acl(zr_model *m, const char *path, enum zr_pattern pattern, const char *type,
                       const char *name, const uint8_t *d, int32_t len, zr_findings *f) {
    enum zr_resource_type rt = resource_type(type);
    if (rt == ZR_RES_UNKNOWN) {
        zr_findings_substitute(f, path, "unknown ACL resource type \"%s\"; Kafka 3.9 skips it with a "
                               "warning (these ACLs are not migrated)", type);
        return;
    }
    zr_acl_resource r = {.pattern = pattern, .type = rt};
    json_t *o = NULL;
    if (d) {
        char why[256];
        o = parse_object(d, len, why, sizeof why);
        if (!o) {
            zr_findings_substitute(f, path, "%s; Kafka 3.9 treats it as no ACLs (silently dropped)", why);
            return;
        }
        int32_t v;
        if (get_i32(o, "version", &v, REQUIRED, ERR, path, f) != 1) goto out;
        if (v != 1) {
            zr_findings_add(f, ERR, path, "ACL JSON version %d is not 1; Kafka 3.9 aborts the migration",
                            (int)v);
            goto out;
        }
        json_t *a = json_object_get(o, "acls");
        if (!json_is_array(a)) {
            zr_findings_add(f, ERR, path, "field \"acls\" is %s, expected an array",
                            a ? json_type_name(a) : "missing");
            goto out;
        }
        size_t n = json_array_size(a);
        r.entries = calloc(n ? n : 1, sizeof *r.entries);
        if (!r.entries) goto out;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(a, i);
            const char *pr, *perm, *op, *host;
            if (!json_is_object(e)) {
                zr_findings_add(f, ERR, path, "acls[%zu] is %s, expected an object", i, json_type_name(e));
                continue;
            }
            if (get_str(e, "principal", &pr, REQUIRED, false, ERR, path, f) != 1 ||
                get_str(e, "permissionType", &perm, REQUIRED, false, ERR, path, f) != 1 ||
                get_str(e, "operation", &op, REQUIRED, false, ERR, path, f) != 1 ||
                get_str(e, "host", &host, REQUIRED, false, ERR, path, f) != 1)
                continue;
            const char *colon = strchr(pr, ':');
            if (!colon || colon == pr) {
                zr_findings_add(f, ERR, path, "acls[%zu]: principal \"%s\" is not <type>:<name>", i, pr);
                continue;
            }
            zr_acl_entry en = {NULL, NULL, acl_operation(op), acl_permission(perm)};
            if (!en.operation)
                zr_findings_substitute(f, path, "acls[%zu]: unknown operation \"%s\"; Kafka 3.9 migrates it "
                                       "as UNKNOWN", i, op);
            if (!en.permission)
                zr_findings_substitute(f, path, "acls[%zu]: unknown permission type \"%s\"; Kafka 3.9 "
                                       "migrates it as UNKNOWN", i, perm);
            bool dup = false;
            for (size_t j = 0; j < r.n_entries && !dup; j++)
                dup = r.entries[j].operation == en.operation && r.entries[j].permission == en.permission &&
                      !strcmp(r.entries[j].principal, pr) && !strcmp(r.entries[j].host, host);
            if (dup) {
                zr_findings_add(f, WARN, path, "acls[%zu] duplicates an earlier entry; collapsed", i);
                continue;
            }
            en.principal = strdup(pr);
            en.host = strdup(host);
            r.entries[r.n_entries++] = en;
        }
    }
    if (!PUSH(m->acls, m->n_acls, m->cap_acls)) goto out;
    r.name = strdup(name);
    r.path = strdup(path);
    m->acls[m->n_acls++] = r;
    r.entries = NULL;
out:
    free(r.entries);
    json_decref(o);
}

/* ---- delegation tokens --------------------------------------------------- */

static char *desanitized(const char *s, const char *what, const char *path, zr_findings *f) {
    const char *why;
    char *o = zr_desanitize(s, &why);
    if (!o) zr_findings_substitute(f, path, "%s \"%s\" cannot be desanitized (%s); token skipped", what, s, why);
    return o;
}

static void decode_token(zr_model *m, const char *path, const char *name, const uint8_t *d,
                         int32_t len, zr_findings *f) {
    char why[256];
    json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
    if (!d) snprintf(why, sizeof why, "token znode has no data");
    if (!o) {
        zr_findings_substitute(f, path, "%s; Kafka 3.9 silently skips the token", why);
        return;
    }
    zr_token t = {0};
    zr_findings probe = {.lenient = f->lenient};
    int32_t v;
    const char *owner, *req = NULL, *id;
    json_t *ren = json_object_get(o, "renewers");
    if (get_i32(o, "version", &v, REQUIRED, ERR, path, f) != 1) goto out;
    if (v < 1 || v > 3) {
        zr_findings_add(f, ERR, path, "token JSON version %d is outside 1..3; Kafka 3.9 aborts the "
                        "migration", (int)v);
        goto out;
    }
    t.version = v;
    if (get_str(o, "owner", &owner, REQUIRED, false, ERR, path, &probe) != 1 ||
        get_str(o, "tokenRequester", &req, OPTIONAL, false, ERR, path, &probe) < 0 ||
        get_str(o, "tokenId", &id, REQUIRED, false, ERR, path, &probe) != 1 ||
        get_int(o, "issueTimestamp", INT64_MIN, INT64_MAX, &t.issue_ms, REQUIRED, ERR, path, &probe) != 1 ||
        get_int(o, "maxTimestamp", INT64_MIN, INT64_MAX, &t.max_ms, REQUIRED, ERR, path, &probe) != 1 ||
        get_int(o, "expiryTimestamp", INT64_MIN, INT64_MAX, &t.expiry_ms, REQUIRED, ERR, path, &probe) != 1 ||
        !json_is_array(ren)) {
        zr_findings_substitute(f, path, "%s; Kafka 3.9 silently skips the token",
                               probe.n ? probe.v[0].message : "field \"renewers\" is not an array");
        goto out;
    }
    if (strcmp(id, name))
        zr_findings_add(f, WARN, path, "tokenId \"%s\" differs from the znode name", id);
    if (!(t.owner = desanitized(owner, "owner", path, f))) goto out;
    if (!(t.requester = desanitized(req ? req : owner, "tokenRequester", path, f))) goto out;
    t.renewers = calloc(json_array_size(ren) + 1, sizeof(char *));
    for (size_t i = 0; t.renewers && i < json_array_size(ren); i++) {
        json_t *e = json_array_get(ren, i);
        if (!json_is_string(e) || !(t.renewers[t.n_renewers] = desanitized(json_string_value(e), "renewer",
                                                                            path, f)))
            goto out;
        t.n_renewers++;
    }
    if (!PUSH(m->tokens, m->n_tokens, m->cap_tokens)) goto out;
    t.token_id = strdup(id);
    m->tokens[m->n_tokens++] = t;
    memset(&t, 0, sizeof t);
out:
    free(t.owner);
    free(t.requester);
    for (size_t i = 0; i < t.n_renewers; i++) free(t.renewers[i]);
    free(t.renewers);
    zr_findings_free(&probe);
    json_decref(o);
}

/* ---- dispatcher ---------------------------------------------------------- */

/* JSON znodes decoded the same way: parse, then call. */
typedef void (*json_fn)(zr_model *, const char *, json_t *, zr_findings *);

static void with_json(zr_model *m, const char *path, const uint8_t *d, int32_t len, json_fn fn,
                      enum zr_severity sev, const char *consequence, zr_findings *f) {
    if (!d) return;
    char why[256];
    json_t *o = parse_object(d, len, why, sizeof why);
    if (!o) {
        zr_findings_add(f, sev, path, "%s%s", why, consequence);
        return;
    }
    fn(m, path, o, f);
    json_decref(o);
}

static void pid_block_fn(zr_model *m, const char *p, json_t *o, zr_findings *f) {
    decode_producer_id_block(m, p, o, f);
}
static void cluster_id_fn(zr_model *m, const char *p, json_t *o, zr_findings *f) {
    decode_cluster_id(m, p, o, f);
}
static void reassign_fn(zr_model *m, const char *p, json_t *o, zr_findings *f) {
    check_version(o, 1, 1, p, f, false);
    if (topic_partitions(o, true, &m->reassign_requests, &m->n_reassign_requests, p, f))
        m->has_reassign_request = true;
}
static void election_fn(zr_model *m, const char *p, json_t *o, zr_findings *f) {
    check_version(o, 1, 1, p, f, false);
    if (topic_partitions(o, false, &m->preferred_elections, &m->n_preferred_elections, p, f))
        m->has_preferred_election = true;
}

bool zr_model_add_znode(zr_model *m, const char *path, const uint8_t *data, int32_t len,
                        const zr_stat *st, zr_findings *f) {
    if (!data || len <= 0) {
        data = NULL;
        len = 0;
    }
    segs g;
    if (!split_path(path, &g)) return true; /* nothing Kafka writes */
    const uint8_t *d = data;
    char why[256];

    if (is(&g, 2, "cluster", "id")) {
        if (!d) zr_findings_add(f, ERR, path, "cluster id znode has no data");
        with_json(m, path, d, len, cluster_id_fn, ERR, "", f);
    } else if (is(&g, 1, "controller")) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, ERR, path, "%s", why);
        if (o) decode_controller(m, path, o, st, f);
        json_decref(o);
    } else if (is(&g, 1, "controller_epoch")) {
        if (d) decode_controller_epoch(m, path, d, len, st, f);
        else zr_findings_add(f, ERR, path, "controller epoch znode has no data");
    } else if (is(&g, 1, "feature")) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, WARN, path, "%s (not migrated)", why);
        if (o) decode_feature(m, path, o, st, f);
        json_decref(o);
    } else if (is(&g, 1, "migration")) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (!o) zr_findings_add(f, ERR, path, "%s; Kafka 3.9's migration driver cannot start",
                                d ? why : "migration znode has no data");
        else decode_migration(m, path, o, st, f);
        json_decref(o);
    } else if (is(&g, 1, "latest_producer_id_block")) {
        with_json(m, path, d, len, pid_block_fn, ERR, "; Kafka 3.9 aborts the migration", f);
    } else if (is(&g, 3, "brokers", "ids", NULL)) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, WARN, path, "%s (registration content is not migrated)", why);
        decode_broker(m, path, g.s[2], o, st, f);
        json_decref(o);
    } else if (is(&g, 3, "brokers", "topics", NULL)) {
        decode_topic(m, path, g.s[2], d, len, f);
    } else if (is(&g, 6, "brokers", "topics", NULL, "partitions", NULL, "state")) {
        decode_state(m, path, g.s[2], g.s[4], d, len, st, f);
    } else if (is(&g, 3, "config", "topics", NULL)) {
        decode_config(m, path, ZR_ENTITY_TOPIC, g.s[2], NULL, d, len, f);
    } else if (is(&g, 3, "config", "brokers", NULL)) {
        decode_config(m, path, ZR_ENTITY_BROKER, g.s[2], NULL, d, len, f);
    } else if (is(&g, 3, "config", "users", NULL)) {
        decode_config(m, path, ZR_ENTITY_USER, g.s[2], NULL, d, len, f);
    } else if (is(&g, 5, "config", "users", NULL, "clients", NULL)) {
        decode_config(m, path, ZR_ENTITY_USER_CLIENT, g.s[2], g.s[4], d, len, f);
    } else if (is(&g, 4, "config", "users", NULL, "clients")) {
        if (d) zr_findings_add(f, WARN, path, "clients directory has data; ignored");
    } else if (g.n > 5 && !strcmp(g.s[0], "config") && !strcmp(g.s[1], "users")) {
        zr_findings_add(f, WARN, path, "znode below /config/users/<u>/clients/<c> is not a config entity; "
                        "ignored");
    } else if (is(&g, 3, "config", "clients", NULL)) {
        decode_config(m, path, ZR_ENTITY_CLIENT, g.s[2], NULL, d, len, f);
    } else if (is(&g, 3, "config", "ips", NULL)) {
        decode_config(m, path, ZR_ENTITY_IP, g.s[2], NULL, d, len, f);
    } else if (is(&g, 3, "config", "changes", NULL)) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, WARN, path, "%s (notification, not migrated)", why);
        if (o) decode_config_change(m, path, g.s[2], o, f);
        json_decref(o);
    } else if (is(&g, 3, "admin", "delete_topics", NULL)) {
        if (PUSH(m->pending_deletions, m->n_pending_deletions, m->cap_pending_deletions))
            m->pending_deletions[m->n_pending_deletions++] = strdup(g.s[2]);
    } else if (is(&g, 2, "admin", "reassign_partitions")) {
        with_json(m, path, d, len, reassign_fn, WARN, " (legacy request, not migrated)", f);
    } else if (is(&g, 2, "admin", "preferred_replica_election")) {
        with_json(m, path, d, len, election_fn, WARN, " (legacy request, not migrated)", f);
    } else if (is(&g, 2, "isr_change_notification", NULL)) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, WARN, path, "%s (notification, not migrated)", why);
        if (o) decode_isr_change(m, path, g.s[1], o, f);
        json_decref(o);
    } else if (is(&g, 2, "log_dir_event_notification", NULL)) {
        json_t *o = d ? parse_object(d, len, why, sizeof why) : NULL;
        if (d && !o) zr_findings_add(f, WARN, path, "%s (notification, not migrated)", why);
        if (o) decode_log_dir_event(m, path, g.s[1], o, f);
        json_decref(o);
    } else if (is(&g, 3, "kafka-acl", NULL, NULL)) {
        decode_acl(m, path, ZR_PATTERN_LITERAL, g.s[1], g.s[2], d, len, f);
    } else if (is(&g, 4, "kafka-acl-extended", "prefixed", NULL, NULL)) {
        decode_acl(m, path, ZR_PATTERN_PREFIXED, g.s[2], g.s[3], d, len, f);
    } else if (is(&g, 4, "kafka-acl-extended", NULL, NULL, NULL)) {
        zr_findings_substitute(f, path, "unknown ACL pattern type \"%s\"; Kafka 3.9 does not read these ACLs",
                               g.s[1]);
    } else if (is(&g, 3, "delegation_token", "tokens", NULL)) {
        decode_token(m, path, g.s[2], d, len, f);
    }
    return true;
}
