/*
 * Kafka wire primitives (spec metadata-log.md §1): one bounded reader that
 * fails cleanly on underflow, one growable writer, varints, uuids.
 *
 * The reader's error is sticky: after the first failure every read returns 0
 * and the position stops moving, so decoders may read a whole structure and
 * check `r->failed` once. The failure remembers the byte offset and a reason.
 */
#ifndef KRAFT_WIRE_H
#define KRAFT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- value types shared by every codec ---------------------------------- */

typedef struct kr_uuid {
    uint8_t b[16];
} kr_uuid;

/* A string or byte run; len == -1 means null. Not NUL-terminated. */
typedef struct kr_str {
    const char *ptr;
    int32_t len;
} kr_str;

typedef struct kr_bytes {
    const uint8_t *ptr;
    int32_t len;
} kr_bytes;

#define KR_STR_NULL ((kr_str){NULL, -1})
#define KR_STR_EMPTY ((kr_str){"", 0})
#define KR_BYTES_NULL ((kr_bytes){NULL, -1})

static inline kr_str kr_str_c(const char *s) {
    return s ? (kr_str){s, (int32_t)strlen(s)} : KR_STR_NULL;
}
static inline bool kr_str_is_null(kr_str s) { return s.len < 0; }
static inline bool kr_str_eq(kr_str a, kr_str b) {
    if (a.len != b.len) return false;
    return a.len <= 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0;
}
static inline bool kr_str_eq_c(kr_str a, const char *b) { return kr_str_eq(a, kr_str_c(b)); }

static inline bool kr_uuid_eq(const kr_uuid *a, const kr_uuid *b) {
    return memcmp(a->b, b->b, 16) == 0;
}
static inline bool kr_uuid_is_zero(const kr_uuid *u) {
    static const kr_uuid zero;
    return kr_uuid_eq(u, &zero);
}
/* 22 characters of URL-safe base64 without padding, plus NUL. */
#define KR_UUID_TEXT_LEN 23
void kr_uuid_to_text(const kr_uuid *u, char out[KR_UUID_TEXT_LEN]);
/* Returns false unless `text` is exactly 22 URL-safe base64 characters. */
bool kr_uuid_from_text(const char *text, kr_uuid *out);
/* A random version-4 uuid from the OS; never the zero uuid. */
bool kr_uuid_random(kr_uuid *out);

/* Standard base64 with padding (SCRAM, JSON bytes). encode returns the text
 * length (0 when out_cap is too small); decode returns -1 on malformed input. */
size_t kr_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_cap);
long kr_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_cap);

/* ---- reader ------------------------------------------------------------- */

typedef struct kr_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool failed;
    size_t fail_pos;      /* offset in buf where decoding failed */
    const char *fail_why; /* static string: "underflow", "varint too long", ... */
} kr_reader;

static inline kr_reader kr_reader_make(const void *buf, size_t len) {
    return (kr_reader){.buf = (const uint8_t *)buf, .len = len};
}
static inline size_t kr_reader_remaining(const kr_reader *r) {
    return r->failed ? 0 : r->len - r->pos;
}
/* Records the first failure only; later ones keep the original cause. */
static inline void kr_reader_fail(kr_reader *r, const char *why) {
    if (!r->failed) {
        r->failed = true;
        r->fail_pos = r->pos;
        r->fail_why = why;
    }
}
static inline bool kr_reader_need(kr_reader *r, size_t n) {
    if (r->failed) return false;
    if (r->len - r->pos < n) {
        kr_reader_fail(r, "underflow");
        return false;
    }
    return true;
}

static inline uint8_t kr_read_u8(kr_reader *r) {
    if (!kr_reader_need(r, 1)) return 0;
    return r->buf[r->pos++];
}
static inline int8_t kr_read_i8(kr_reader *r) { return (int8_t)kr_read_u8(r); }
static inline uint16_t kr_read_u16(kr_reader *r) {
    if (!kr_reader_need(r, 2)) return 0;
    const uint8_t *p = r->buf + r->pos;
    r->pos += 2;
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline int16_t kr_read_i16(kr_reader *r) { return (int16_t)kr_read_u16(r); }
static inline uint32_t kr_read_u32(kr_reader *r) {
    if (!kr_reader_need(r, 4)) return 0;
    const uint8_t *p = r->buf + r->pos;
    r->pos += 4;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline int32_t kr_read_i32(kr_reader *r) { return (int32_t)kr_read_u32(r); }
static inline uint64_t kr_read_u64(kr_reader *r) {
    uint64_t hi = kr_read_u32(r);
    return (hi << 32) | kr_read_u32(r);
}
static inline int64_t kr_read_i64(kr_reader *r) { return (int64_t)kr_read_u64(r); }
static inline bool kr_read_bool(kr_reader *r) { return kr_read_u8(r) != 0; }
double kr_read_f64(kr_reader *r);
static inline void kr_read_uuid(kr_reader *r, kr_uuid *out) {
    if (!kr_reader_need(r, 16)) {
        memset(out, 0, sizeof *out);
        return;
    }
    memcpy(out->b, r->buf + r->pos, 16);
    r->pos += 16;
}
/* Borrows n bytes of the input; NULL on underflow. */
static inline const uint8_t *kr_read_raw(kr_reader *r, size_t n) {
    if (!kr_reader_need(r, n)) return NULL;
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

/* Unsigned varint: strict 32-bit (rejects a 5th byte above bit 3). */
uint32_t kr_read_uvarint(kr_reader *r);
uint64_t kr_read_uvarlong(kr_reader *r);
/* Zigzag varint / varlong. */
int32_t kr_read_varint(kr_reader *r);
int64_t kr_read_varlong(kr_reader *r);

/* Compact (flexible) and classic strings/bytes; results borrow the input. */
kr_str kr_read_compact_str(kr_reader *r, bool nullable);
kr_str kr_read_str(kr_reader *r, bool nullable);
kr_bytes kr_read_compact_bytes(kr_reader *r, bool nullable);
kr_bytes kr_read_bytes(kr_reader *r, bool nullable);
/* Array length: -1 for null (fails unless nullable). Rejects counts larger
 * than the remaining bytes divided by min_elem_size (a hostile length). */
int32_t kr_read_compact_array_len(kr_reader *r, bool nullable, size_t min_elem_size);
int32_t kr_read_array_len(kr_reader *r, bool nullable, size_t min_elem_size);

/* ---- writer ------------------------------------------------------------- */

typedef struct kr_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool oom; /* sticky: set when growing failed; len stops moving */
} kr_buf;

void kr_buf_free(kr_buf *b);
static inline void kr_buf_reset(kr_buf *b) { b->len = 0; }
/* Makes room for n more bytes; false (and oom set) when it cannot. */
bool kr_buf_reserve_slow(kr_buf *b, size_t n);
static inline bool kr_buf_reserve(kr_buf *b, size_t n) {
    if (b->oom) return false;
    if (b->cap - b->len >= n) return true;
    return kr_buf_reserve_slow(b, n);
}
static inline void kr_put_raw(kr_buf *b, const void *p, size_t n) {
    if (n == 0 || !kr_buf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static inline void kr_put_u8(kr_buf *b, uint8_t v) {
    if (!kr_buf_reserve(b, 1)) return;
    b->data[b->len++] = v;
}
static inline void kr_put_i8(kr_buf *b, int8_t v) { kr_put_u8(b, (uint8_t)v); }
static inline void kr_put_bool(kr_buf *b, bool v) { kr_put_u8(b, v ? 1 : 0); }
static inline void kr_put_u16(kr_buf *b, uint16_t v) {
    if (!kr_buf_reserve(b, 2)) return;
    b->data[b->len++] = (uint8_t)(v >> 8);
    b->data[b->len++] = (uint8_t)v;
}
static inline void kr_put_i16(kr_buf *b, int16_t v) { kr_put_u16(b, (uint16_t)v); }
static inline void kr_put_u32(kr_buf *b, uint32_t v) {
    if (!kr_buf_reserve(b, 4)) return;
    uint8_t *p = b->data + b->len;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    b->len += 4;
}
static inline void kr_put_i32(kr_buf *b, int32_t v) { kr_put_u32(b, (uint32_t)v); }
static inline void kr_put_u64(kr_buf *b, uint64_t v) {
    kr_put_u32(b, (uint32_t)(v >> 32));
    kr_put_u32(b, (uint32_t)v);
}
static inline void kr_put_i64(kr_buf *b, int64_t v) { kr_put_u64(b, (uint64_t)v); }
void kr_put_f64(kr_buf *b, double v);
static inline void kr_put_uuid(kr_buf *b, const kr_uuid *u) { kr_put_raw(b, u->b, 16); }
static inline void kr_put_uvarint(kr_buf *b, uint32_t v) {
    if (!kr_buf_reserve(b, 5)) return;
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}
static inline void kr_put_uvarlong(kr_buf *b, uint64_t v) {
    if (!kr_buf_reserve(b, 10)) return;
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}
static inline void kr_put_varint(kr_buf *b, int32_t v) {
    kr_put_uvarint(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}
static inline void kr_put_varlong(kr_buf *b, int64_t v) {
    kr_put_uvarlong(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
void kr_put_compact_str(kr_buf *b, kr_str s);
void kr_put_str(kr_buf *b, kr_str s);
void kr_put_compact_bytes(kr_buf *b, kr_bytes s);
void kr_put_bytes(kr_buf *b, kr_bytes s);
/* n == -1 writes the null marker. */
static inline void kr_put_compact_array_len(kr_buf *b, int32_t n) {
    kr_put_uvarint(b, (uint32_t)(n + 1));
}
static inline void kr_put_array_len(kr_buf *b, int32_t n) { kr_put_i32(b, n); }

/* Byte length of a value's unsigned varint encoding. */
static inline size_t kr_uvarint_size(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Big-endian stores into a fixed place (for patching headers). */
static inline void kr_store_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint32_t kr_load_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t kr_load_u64(const uint8_t *p) {
    return ((uint64_t)kr_load_u32(p) << 32) | kr_load_u32(p + 4);
}
static inline void kr_store_u64(uint8_t *p, uint64_t v) {
    kr_store_u32(p, (uint32_t)(v >> 32));
    kr_store_u32(p + 4, (uint32_t)v);
}

/* ---- arena: decoded arrays live here, freed all at once ----------------- */

typedef struct kr_arena_block kr_arena_block;
typedef struct kr_arena {
    kr_arena_block *head;
    size_t total_bytes; /* bytes handed out since the last reset */
} kr_arena;

void *kr_arena_alloc(kr_arena *a, size_t n); /* 8-byte aligned; NULL on OOM */
void kr_arena_reset(kr_arena *a);            /* keeps the first block for reuse */
void kr_arena_free(kr_arena *a);

#endif
