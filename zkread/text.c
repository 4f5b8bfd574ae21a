#include "zkread/text.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *zr_base64_encode(const uint8_t *p, size_t n) {
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

static int b64_value(char c, bool url_safe) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url_safe ? '-' : '+')) return 62;
    if (c == (url_safe ? '_' : '/')) return 63;
    return -1;
}

bool zr_base64_decode(const char *s, size_t n, bool url_safe, bool skip_space, uint8_t **out,
                      size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    uint8_t *buf = malloc(n / 4 * 3 + 3);
    if (!buf) return false;
    size_t o = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (skip_space && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c, url_safe);
        if (v < 0 || pad) goto bad; /* data after padding is invalid */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be zero and fewer than a byte; padding must complete the quad. */
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) goto bad;
    if (pad > 2 || (pad && (bits == 0))) goto bad;
    if (pad && ((bits == 4 && pad != 2) || (bits == 2 && pad != 1))) goto bad;
    *out = buf;
    *out_len = o;
    return true;
bad:
    free(buf);
    return false;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool valid_utf8(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n) return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

char *zr_desanitize(const char *s, const char **why) {
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                *why = "malformed %-escape";
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = 0;
    if (!valid_utf8((const uint8_t *)out, o)) {
        free(out);
        *why = "escapes do not form valid UTF-8";
        return NULL;
    }
    return out;
}

char *zr_sanitize(const char *s) {
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_') {
            out[o++] = (char)c;
        } else {
            static const char H[] = "0123456789ABCDEF";
            out[o++] = '%';
            out[o++] = H[c >> 4];
            out[o++] = H[c & 15];
        }
    }
    out[o] = 0;
    return out;
}

bool zr_parse_i64(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    const char *p = s;
    if (*p == '-') p++;
    if (!*p) return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

bool zr_parse_i32(const char *s, int32_t *out) {
    int64_t v;
    if (!zr_parse_i64(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
    *out = (int32_t)v;
    return true;
}

bool zr_uuid_from_text(const char *s, uint8_t out[16]) {
    if (strlen(s) != 22) return false;
    uint8_t *b;
    size_t n;
    if (!zr_base64_decode(s, 22, true, false, &b, &n)) return false;
    bool ok = n == 16;
    if (ok) memcpy(out, b, 16);
    free(b);
    return ok;
}

char *zr_strdup(const char *s) { return s ? strdup(s) : NULL; }

char *zr_strndup(const char *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o) return NULL;
    memcpy(o, s, n);
    o[n] = 0;
    return o;
}
