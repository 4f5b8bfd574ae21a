#include "kraft/message.h"

#include <stdio.h>
#include <stdlib.h>

void kr_enc_fail(kr_enc_ctx *ctx, const char *fmt, ...) {
    if (ctx->failed) return;
    ctx->failed = true;
    if (!ctx->err) return;
    va_list ap;
    va_start(ap, fmt);
    ctx->err->code = KR_ERR_UNSUPPORTED;
    vsnprintf(ctx->err->message, sizeof ctx->err->message, fmt, ap);
    va_end(ap);
}

size_t kr_tag_begin(kr_buf *b, uint32_t tag) {
    kr_put_uvarint(b, tag);
    kr_put_u8(b, 0); /* size placeholder, patched by kr_tag_end */
    return b->len;
}

void kr_tag_end(kr_buf *b, size_t data_start) {
    if (b->oom) return;
    size_t n = b->len - data_start;
    size_t width = kr_uvarint_size((uint32_t)n);
    if (width > 1) {
        if (!kr_buf_reserve(b, width - 1)) return;
        memmove(b->data + data_start + width - 1, b->data + data_start, n);
        b->len += width - 1;
    }
    uint8_t *p = b->data + data_start - 1;
    uint32_t v = (uint32_t)n;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t)v;
}

int32_t kr_put_unknown_tags_below(kr_buf *b, const kr_raw_tags *t, int32_t i, uint64_t below) {
    while (i < t->n && t->v[i].tag < below) {
        kr_put_uvarint(b, t->v[i].tag);
        kr_put_uvarint(b, (uint32_t)t->v[i].data.len);
        kr_put_raw(b, t->v[i].data.ptr, (size_t)t->v[i].data.len);
        i++;
    }
    return i;
}

void kr_unknown_tag_add(kr_raw_tags *t, int32_t cap, uint32_t tag, const uint8_t *p, uint32_t n) {
    if (t->n < 0 || t->n >= cap) return;
    t->v[t->n].tag = tag;
    t->v[t->n].data = (kr_bytes){p, (int32_t)n};
    t->n++;
}

bool kr_tag_enter(kr_reader *r, kr_reader *sub, uint32_t *tag, uint32_t *size) {
    *tag = kr_read_uvarint(r);
    *size = kr_read_uvarint(r);
    if (r->failed) return false;
    if (*size > r->len - r->pos) {
        kr_reader_fail(r, "tagged field runs past the end");
        return false;
    }
    *sub = *r;
    sub->len = r->pos + *size;
    return true;
}

void kr_tag_finish(kr_reader *r, kr_reader *sub, uint32_t size) {
    if (sub->failed) {
        if (!r->failed) {
            r->failed = true;
            r->fail_pos = sub->fail_pos;
            r->fail_why = sub->fail_why;
        }
        return;
    }
    if (sub->pos != r->pos + size) {
        kr_reader_fail(r, "tagged field size does not match its value");
        return;
    }
    r->pos = sub->pos;
}

/* ---- JSON --------------------------------------------------------------- */

size_t kr_utf8_valid_prefix(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n) return i;
        if (c == 0) return i; /* jansson rejects NUL inside strings */
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i; /* overlong, surrogate */
        i += len;
    }
    return i;
}

json_t *kr_json_str(kr_str s) {
    if (s.len < 0) return json_null();
    json_t *j = json_stringn(s.ptr, (size_t)s.len);
    if (j) return j;
    /* Invalid UTF-8 or NUL: replace each bad byte with U+FFFD. */
    kr_buf out = {0};
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = (size_t)s.len, i = 0;
    while (i < n) {
        size_t ok = kr_utf8_valid_prefix(p + i, n - i);
        kr_put_raw(&out, p + i, ok);
        i += ok;
        if (i < n) {
            kr_put_raw(&out, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    j = json_stringn(out.data ? (const char *)out.data : "", out.len);
    kr_buf_free(&out);
    return j ? j : json_null();
}

json_t *kr_json_bytes(kr_bytes b) {
    if (b.len < 0) return json_null();
    size_t cap = 4 * (((size_t)b.len + 2) / 3) + 1;
    char *out = malloc(cap);
    if (!out) return json_null();
    size_t n = kr_base64_encode(b.ptr, (size_t)b.len, out, cap);
    json_t *j = json_stringn(out, n);
    free(out);
    return j ? j : json_null();
}

json_t *kr_json_uuid(const kr_uuid *u) {
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(u, text);
    return json_string(text);
}

const char *kr_json_key(const char *schema_name, int flags, char *buf, size_t buflen) {
    if (!(flags & KR_JSON_LOWER_CAMEL)) return schema_name;
    snprintf(buf, buflen, "%s", schema_name);
    if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}
