#include "kraft/properties.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/fsutil.h"
#include "kraft/wire.h"

#define KR_PROPERTIES_MAX_BYTES (1u << 20)

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* One logical line: physical lines joined where a line ends in an odd number
 * of backslashes; leading whitespace of continuation lines dropped. */
typedef struct logical_line {
    kr_buf text;
    int first_line;
} logical_line;

static bool ends_in_continuation(const char *s, size_t n) {
    size_t k = 0;
    while (k < n && s[n - 1 - k] == '\\') k++;
    return k % 2 == 1;
}

static void put_utf8(kr_buf *b, uint32_t cp) {
    if (cp < 0x80) {
        kr_put_u8(b, (uint8_t)cp);
    } else if (cp < 0x800) {
        kr_put_u8(b, (uint8_t)(0xc0 | (cp >> 6)));
        kr_put_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        kr_put_u8(b, (uint8_t)(0xe0 | (cp >> 12)));
        kr_put_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        kr_put_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

/* Unescapes s[0..n) into out; returns false on a malformed \u escape. */
static bool unescape(const char *s, size_t n, kr_buf *out) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            if (s[i] != '\\') kr_put_u8(out, (uint8_t)s[i]);
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 't': kr_put_u8(out, '\t'); break;
        case 'n': kr_put_u8(out, '\n'); break;
        case 'r': kr_put_u8(out, '\r'); break;
        case 'f': kr_put_u8(out, '\f'); break;
        case 'u': {
            if (i + 4 >= n) return false; /* needs four hex digits after 'u' */
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++) {
                char h = s[i + (size_t)k];
                int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (v < 0) return false;
                cp = cp << 4 | (uint32_t)v;
            }
            put_utf8(out, cp);
            i += 4;
            break;
        }
        default: kr_put_u8(out, (uint8_t)c); break;
        }
    }
    return true;
}

static char *buf_to_cstr(kr_buf *b) {
    char *s = malloc(b->len + 1);
    if (!s) return NULL;
    if (b->len) memcpy(s, b->data, b->len);
    s[b->len] = '\0';
    return s;
}

static int add_property(kr_properties *out, const char *line, size_t n, int line_no, kr_error *err) {
    /* Key ends at the first unescaped '=', ':' or whitespace. */
    size_t k = 0;
    while (k < n && !(line[k] == '=' || line[k] == ':' || is_ws(line[k]))) {
        if (line[k] == '\\') k++;
        k++;
    }
    if (k > n) k = n;
    size_t v = k;
    while (v < n && is_ws(line[v])) v++;
    if (v < n && (line[v] == '=' || line[v] == ':')) v++;
    while (v < n && is_ws(line[v])) v++;
    kr_buf kb = {0}, vb = {0};
    if (!unescape(line, k, &kb) || !unescape(line + v, n - v, &vb)) {
        kr_buf_free(&kb);
        kr_buf_free(&vb);
        return kr_fail(err, KR_ERR_INVALID, "%s: line %d: malformed \\uXXXX escape", out->name, line_no);
    }
    char *key = buf_to_cstr(&kb), *value = buf_to_cstr(&vb);
    kr_buf_free(&kb);
    kr_buf_free(&vb);
    if (!key || !value) {
        free(key);
        free(value);
        return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    }
    for (int32_t i = 0; i < out->n; i++)
        if (!strcmp(out->v[i].key, key)) {
            free(out->v[i].value);
            free(key);
            out->v[i].value = value;
            out->v[i].line = line_no;
            return KR_OK;
        }
    if (out->n == out->cap) {
        int32_t cap = out->cap ? out->cap * 2 : 32;
        kr_property *p = realloc(out->v, (size_t)cap * sizeof *p);
        if (!p) {
            free(key);
            free(value);
            return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        }
        out->v = p;
        out->cap = cap;
    }
    out->v[out->n++] = (kr_property){key, value, line_no};
    return KR_OK;
}

int kr_properties_parse(const char *text, size_t len, const char *name, kr_properties *out,
                        kr_error *err) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name ? name : "<properties>");
    if (len > KR_PROPERTIES_MAX_BYTES)
        return kr_fail(err, KR_ERR_INVALID, "%s: larger than 1 MiB", out->name);
    size_t pos = 0;
    int line_no = 0;
    kr_buf logical = {0};
    int rc = KR_OK;
    while (pos < len && rc == KR_OK) {
        kr_buf_reset(&logical);
        int first = line_no + 1;
        bool cont = true, first_piece = true;
        while (cont && pos < len) {
            size_t end = pos;
            while (end < len && text[end] != '\n' && text[end] != '\r') end++;
            line_no++;
            const char *s = text + pos;
            size_t n = end - pos;
            pos = end;
            if (pos < len && text[pos] == '\r') pos++;
            if (pos < len && text[pos] == '\n') pos++;
            size_t lead = 0;
            while (lead < n && is_ws(s[lead])) lead++;
            s += lead;
            n -= lead;
            if (first_piece && (n == 0 || s[0] == '#' || s[0] == '!')) break; /* blank or comment */
            first_piece = false;
            cont = ends_in_continuation(s, n);
            kr_put_raw(&logical, s, cont ? n - 1 : n);
        }
        if (logical.len) rc = add_property(out, (const char *)logical.data, logical.len, first, err);
    }
    kr_buf_free(&logical);
    if (rc != KR_OK) kr_properties_free(out);
    return rc;
}

int kr_properties_read(const char *path, kr_properties *out, kr_error *err) {
    kr_file_view v;
    int rc = kr_file_read_all(path, KR_PROPERTIES_MAX_BYTES, &v, err);
    if (rc != KR_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = kr_properties_parse((const char *)v.data, v.len, path, out, err);
    kr_file_view_release(&v);
    return rc;
}

void kr_properties_free(kr_properties *p) {
    for (int32_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

const char *kr_properties_get(const kr_properties *p, const char *key) {
    for (int32_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].key, key)) return p->v[i].value;
    return NULL;
}

int kr_properties_get_int(const kr_properties *p, const char *key, int32_t *out, kr_error *err) {
    const char *v = kr_properties_get(p, key);
    if (!v) return KR_ERR_NOT_FOUND;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (errno || end == v || *end || x < INT32_MIN || x > INT32_MAX)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s=%s is not a 32-bit integer", p->name, key, v);
    *out = (int32_t)x;
    return KR_OK;
}
