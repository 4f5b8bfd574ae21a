/* meta.properties: Java properties subset used by Kafka (spec §11.5). */
#include "kraft/meta_properties.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kraft/fsutil.h"
#include "kraft/text_lines.h"

#define MAX_FILE_BYTES (1u << 20)
#define MAX_ITEM 1024 /* bytes of one key or value after unescaping */

/* ---- Java Properties.load ----------------------------------------------- */

typedef struct prop_parser {
    const char *p;
    size_t len, pos;
    int line_no;
} prop_parser;

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* Reads one logical line (joining continuations) into raw bytes, still escaped.
 * Returns false at the end. */
static bool next_logical_line(prop_parser *pp, kr_buf *line) {
    kr_buf_reset(line);
    for (;;) { /* bounded: every turn consumes at least one natural line or stops */
        if (pp->pos >= pp->len) return line->len > 0;
        pp->line_no++;
        /* skip leading blanks of the natural line */
        while (pp->pos < pp->len && is_blank(pp->p[pp->pos])) pp->pos++;
        size_t start = pp->pos;
        while (pp->pos < pp->len && pp->p[pp->pos] != '\n' && pp->p[pp->pos] != '\r') pp->pos++;
        size_t end = pp->pos;
        if (pp->pos < pp->len && pp->p[pp->pos] == '\r') pp->pos++;
        if (pp->pos < pp->len && pp->p[pp->pos] == '\n') pp->pos++;
        if (line->len == 0 && (end == start || pp->p[start] == '#' || pp->p[start] == '!'))
            continue; /* blank or comment (never a continuation of one) */
        size_t bs = 0;
        while (bs < end - start && pp->p[end - 1 - bs] == '\\') bs++;
        bool cont = bs % 2 == 1;
        kr_put_raw(line, pp->p + start, end - start - (cont ? 1 : 0));
        if (!cont) return true;
    }
}

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescapes s[0..n) into out (UTF-8 for \uXXXX). False on a malformed \u. */
static bool unescape(const char *s, size_t n, char *out, size_t cap, size_t *out_len) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (unsigned char)s[i];
        if (c != '\\' || i + 1 == n) { /* raw bytes (UTF-8 text) pass through */
            if (k + 1 >= cap) return false;
            out[k++] = (char)c;
            continue;
        }
        {
            char e = s[++i];
            if (e == 'u') {
                if (n - i - 1 < 4) return false; /* needs 4 hex digits */
                c = 0;
                for (int j = 1; j <= 4; j++) {
                    int h = hexv(s[i + j]);
                    if (h < 0) return false;
                    c = c << 4 | (uint32_t)h;
                }
                i += 4;
            } else if ((unsigned char)e >= 0x80) { /* "\\" before a UTF-8 byte: the byte */
                if (k + 1 >= cap) return false;
                out[k++] = e;
                continue;
            } else {
                c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 'f' ? '\f'
                                                                            : (unsigned char)e;
            }
        }
        uint8_t enc[3];
        size_t en;
        if (c < 0x80) enc[0] = (uint8_t)c, en = 1;
        else if (c < 0x800) enc[0] = (uint8_t)(0xc0 | c >> 6), enc[1] = (uint8_t)(0x80 | (c & 0x3f)), en = 2;
        else enc[0] = (uint8_t)(0xe0 | c >> 12), enc[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)),
             enc[2] = (uint8_t)(0x80 | (c & 0x3f)), en = 3;
        if (k + en >= cap) return false;
        memcpy(out + k, enc, en);
        k += en;
    }
    out[k] = 0;
    *out_len = k;
    return true;
}

/* Splits a logical line into escaped key and value parts as Java does. */
static void split_line(const char *s, size_t n, size_t *key_end, size_t *val_start) {
    size_t i = 0;
    bool esc = false;
    for (; i < n; i++) {
        char c = s[i];
        if (esc) { esc = false; continue; }
        if (c == '\\') { esc = true; continue; }
        if (c == '=' || c == ':' || is_blank(c)) break;
    }
    *key_end = i;
    while (i < n && is_blank(s[i])) i++;
    if (i < n && (s[i] == '=' || s[i] == ':')) i++;
    while (i < n && is_blank(s[i])) i++;
    *val_start = i;
}

/* ---- meta.properties fields --------------------------------------------- */

static bool parse_id(const char *v, size_t n, int32_t *out) {
    int64_t x;
    if (!kr_parse_i64(v, n, INT32_MIN, INT32_MAX, &x)) return false;
    *out = (int32_t)x;
    return true;
}

/* Kafka reserves the uuids (0, 0..99) for directory states (DirectoryId). */
static bool reserved_directory_id(const kr_uuid *u) {
    for (int i = 0; i < 15; i++)
        if (u->b[i]) return false;
    return u->b[15] < 100;
}

int kr_meta_properties_validate(const kr_meta_properties *mp, const char *name, kr_error *err) {
    if (mp->version != 0 && mp->version != 1)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: version %d (only 0 and 1 are known)", name,
                       mp->version);
    const char *id_key = mp->version == 1 ? "node.id" : "broker.id";
    if (mp->version == 1 && !mp->has_cluster_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: cluster.id was not found", name);
    if (mp->version == 1 && !mp->has_node_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: node.id was not found", name);
    if (mp->has_node_id && mp->node_id < 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s %d is negative", name, id_key, mp->node_id);
    if (mp->has_cluster_id && mp->cluster_id[0] == 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: cluster.id is empty", name);
    if (mp->has_directory_id && reserved_directory_id(&mp->directory_id))
        return kr_fail(err, KR_ERR_INVALID, "%s: directory.id is a reserved value", name);
    return KR_OK;
}

static int set_field(kr_meta_properties *mp, const char *name, int line_no, const char *key,
                     const char *val, size_t vn, bool *has_version, kr_error *err) {
    if (!strcmp(key, "version")) {
        int32_t v;
        if (!parse_id(val, vn, &v))
            return kr_fail(err, KR_ERR_INVALID, "%s: line %d: version \"%s\" is not a number",
                           name, line_no, val);
        mp->version = v;
        *has_version = true;
    } else if (!strcmp(key, "cluster.id")) {
        if (vn > KR_CLUSTER_ID_MAX)
            return kr_fail(err, KR_ERR_INVALID, "%s: line %d: cluster.id longer than %d bytes",
                           name, line_no, KR_CLUSTER_ID_MAX);
        memset(mp->cluster_id, 0, sizeof mp->cluster_id); /* a repeated key replaces it all */
        memcpy(mp->cluster_id, val, vn + 1);
        mp->has_cluster_id = true;
    } else if (!strcmp(key, "directory.id")) {
        if (!kr_uuid_from_text(val, &mp->directory_id))
            return kr_fail(err, KR_ERR_INVALID, "%s: line %d: directory.id \"%.40s\" is not uuid text",
                           name, line_no, val);
        mp->has_directory_id = true;
    }
    return KR_OK;
}

int kr_meta_properties_parse(const char *text, size_t len, const char *name,
                             kr_meta_properties *out, kr_error *err) {
    memset(out, 0, sizeof *out);
    prop_parser pp = {.p = text, .len = len};
    kr_buf line = {0};
    char key[MAX_ITEM], val[MAX_ITEM];
    /* node.id vs broker.id depends on the version, which may come later. */
    char node_id[MAX_ITEM] = "", broker_id[MAX_ITEM] = "";
    int node_line = 0, broker_line = 0;
    bool has_node = false, has_broker = false, has_version = false;
    int rc = KR_OK;
    while (rc == KR_OK && next_logical_line(&pp, &line)) { /* bounded by len */
        if (line.oom) {
            rc = kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", name);
            break;
        }
        const char *s = (const char *)line.data;
        size_t ke, vs, kn, vn;
        split_line(s, line.len, &ke, &vs);
        if (!unescape(s, ke, key, sizeof key, &kn) ||
            !unescape(s + vs, line.len - vs, val, sizeof val, &vn)) {
            rc = kr_fail(err, KR_ERR_INVALID, "%s: line %d: malformed escape or entry too long",
                         name, pp.line_no);
            break;
        }
        if (strlen(key) != kn) continue; /* a NUL in the key: not a key we know */
        bool known = !strcmp(key, "node.id") || !strcmp(key, "broker.id") ||
                     !strcmp(key, "version") || !strcmp(key, "cluster.id") ||
                     !strcmp(key, "directory.id");
        if (known && strlen(val) != vn) {
            rc = kr_fail(err, KR_ERR_INVALID, "%s: line %d: %s contains a NUL character", name,
                         pp.line_no, key);
            break;
        }
        if (!strcmp(key, "node.id")) {
            memcpy(node_id, val, vn + 1), has_node = true, node_line = pp.line_no;
        } else if (!strcmp(key, "broker.id")) {
            memcpy(broker_id, val, vn + 1), has_broker = true, broker_line = pp.line_no;
        } else {
            rc = set_field(out, name, pp.line_no, key, val, vn, &has_version, err);
        }
    }
    kr_buf_free(&line);
    if (rc != KR_OK) return rc;
    if (!has_version) out->version = 0; /* absent => 0 */
    if (out->version == 1 ? has_node : has_broker) {
        const char *v = out->version == 1 ? node_id : broker_id;
        if (!parse_id(v, strlen(v), &out->node_id))
            return kr_fail(err, KR_ERR_INVALID, "%s: line %d: failed to parse %s \"%.40s\" as an int",
                           name, out->version == 1 ? node_line : broker_line,
                           out->version == 1 ? "node.id" : "broker.id", v);
        out->has_node_id = true;
    }
    return kr_meta_properties_validate(out, name, err);
}

/* Java's Properties.store escaping (saveConvert), ASCII and UTF-8 kept as is. */
static void put_escaped(kr_buf *out, const char *s, bool is_key) {
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        switch (c) {
        case '\\': kr_put_raw(out, "\\\\", 2); break;
        case '\t': kr_put_raw(out, "\\t", 2); break;
        case '\n': kr_put_raw(out, "\\n", 2); break;
        case '\r': kr_put_raw(out, "\\r", 2); break;
        case '\f': kr_put_raw(out, "\\f", 2); break;
        case '=': case ':': case '#': case '!': kr_put_u8(out, '\\'); kr_put_u8(out, (uint8_t)c); break;
        case ' ':
            if (i == 0 || is_key) kr_put_u8(out, '\\');
            kr_put_u8(out, ' ');
            break;
        default: kr_put_u8(out, (uint8_t)c);
        }
    }
}

static void put_entry(kr_buf *out, const char *key, const char *val) {
    put_escaped(out, key, true);
    kr_put_u8(out, '=');
    put_escaped(out, val, false);
    kr_put_u8(out, '\n');
}

int kr_meta_properties_format(const kr_meta_properties *mp, time_t when, kr_buf *out,
                              kr_error *err) {
    int rc = kr_meta_properties_validate(mp, "meta.properties", err);
    if (rc != KR_OK) return rc;
    struct tm tm;
    char date[64];
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &tm);
    kr_put_raw(out, "#\n#", 3);
    kr_put_raw(out, date, strlen(date));
    kr_put_u8(out, '\n');
    char num[16], dir[KR_UUID_TEXT_LEN];
    snprintf(num, sizeof num, "%d", mp->node_id);
    if (mp->has_directory_id) kr_uuid_to_text(&mp->directory_id, dir);
    if (mp->has_node_id) put_entry(out, mp->version == 1 ? "node.id" : "broker.id", num);
    if (mp->has_directory_id) put_entry(out, "directory.id", dir);
    put_entry(out, "version", mp->version == 1 ? "1" : "0");
    if (mp->has_cluster_id) put_entry(out, "cluster.id", mp->cluster_id);
    return out->oom ? kr_fail(err, KR_ERR_NOMEM, "meta.properties: out of memory") : KR_OK;
}

int kr_meta_properties_read(const char *path, kr_meta_properties *out, kr_error *err) {
    kr_file_view v;
    int rc = kr_file_read_all(path, MAX_FILE_BYTES, &v, err);
    if (rc != KR_OK) return rc;
    rc = kr_meta_properties_parse((const char *)v.data, v.len, path, out, err);
    kr_file_view_release(&v);
    return rc;
}

int kr_meta_properties_write(const char *path, const kr_meta_properties *mp, kr_error *err) {
    kr_buf b = {0};
    int rc = kr_meta_properties_format(mp, time(NULL), &b, err);
    if (rc == KR_OK) rc = kr_write_file_atomic(path, b.data, b.len, 0644, err);
    else kr_error_wrap(err, "%s", path);
    kr_buf_free(&b);
    return rc;
}
