#include "kraft/wire.h"

#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

/* ---- varints ------------------------------------------------------------ */

uint32_t kr_read_uvarint(kr_reader *r) {
    uint32_t value = 0;
    for (int i = 0; i < 5; i++) {
        uint8_t byte = kr_read_u8(r);
        if (r->failed) return 0;
        if (i == 4 && (byte & 0xf0)) {
            r->pos--;
            kr_reader_fail(r, "unsigned varint exceeds 32 bits");
            return 0;
        }
        value |= (uint32_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) return value;
    }
    return 0; /* unreachable: the 5th byte either returns or fails */
}

uint64_t kr_read_uvarlong(kr_reader *r) {
    uint64_t value = 0;
    for (int i = 0; i < 10; i++) {
        uint8_t byte = kr_read_u8(r);
        if (r->failed) return 0;
        if (i == 9 && (byte & 0xfe)) {
            r->pos--;
            kr_reader_fail(r, "unsigned varlong exceeds 64 bits");
            return 0;
        }
        value |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) return value;
    }
    return 0;
}

int32_t kr_read_varint(kr_reader *r) {
    uint32_t u = kr_read_uvarint(r);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t kr_read_varlong(kr_reader *r) {
    uint64_t u = kr_read_uvarlong(r);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

/* ---- floats ------------------------------------------------------------- */

double kr_read_f64(kr_reader *r) {
    uint64_t bits = kr_read_u64(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

void kr_put_f64(kr_buf *b, double v) {
    uint64_t bits;
    if (v != v) {
        bits = 0x7ff8000000000000ULL; /* Java canonicalises NaN */
    } else {
        memcpy(&bits, &v, sizeof bits);
    }
    kr_put_u64(b, bits);
}

/* ---- strings, bytes, arrays --------------------------------------------- */

#define KR_MAX_STRING_LEN 0x7fff

static kr_str read_str_body(kr_reader *r, int64_t len, bool nullable) {
    if (len < 0) {
        if (!nullable) kr_reader_fail(r, "null string for a non-nullable field");
        return KR_STR_NULL;
    }
    if (len > KR_MAX_STRING_LEN) {
        kr_reader_fail(r, "string longer than 32767 bytes");
        return KR_STR_NULL;
    }
    const uint8_t *p = kr_read_raw(r, (size_t)len);
    if (!p) return KR_STR_NULL;
    return (kr_str){(const char *)p, (int32_t)len};
}

kr_str kr_read_compact_str(kr_reader *r, bool nullable) {
    uint32_t n = kr_read_uvarint(r);
    if (r->failed) return KR_STR_NULL;
    return read_str_body(r, (int64_t)n - 1, nullable);
}

kr_str kr_read_str(kr_reader *r, bool nullable) {
    int16_t n = kr_read_i16(r);
    if (r->failed) return KR_STR_NULL;
    if (n < -1) {
        kr_reader_fail(r, "negative string length");
        return KR_STR_NULL;
    }
    return read_str_body(r, n, nullable);
}

static kr_bytes read_bytes_body(kr_reader *r, int64_t len, bool nullable) {
    if (len < 0) {
        if (!nullable) kr_reader_fail(r, "null bytes for a non-nullable field");
        return KR_BYTES_NULL;
    }
    const uint8_t *p = kr_read_raw(r, (size_t)len);
    if (!p) return KR_BYTES_NULL;
    return (kr_bytes){p, (int32_t)len};
}

kr_bytes kr_read_compact_bytes(kr_reader *r, bool nullable) {
    uint32_t n = kr_read_uvarint(r);
    if (r->failed) return KR_BYTES_NULL;
    return read_bytes_body(r, (int64_t)n - 1, nullable);
}

kr_bytes kr_read_bytes(kr_reader *r, bool nullable) {
    int32_t n = kr_read_i32(r);
    if (r->failed) return KR_BYTES_NULL;
    if (n < -1) {
        kr_reader_fail(r, "negative bytes length");
        return KR_BYTES_NULL;
    }
    return read_bytes_body(r, n, nullable);
}

static int32_t check_array_len(kr_reader *r, int64_t n, bool nullable, size_t min_elem_size) {
    if (r->failed) return -1;
    if (n < 0) {
        if (!nullable) kr_reader_fail(r, "null array for a non-nullable field");
        return -1;
    }
    size_t elem = min_elem_size ? min_elem_size : 1;
    if ((uint64_t)n > (r->len - r->pos) / elem) {
        kr_reader_fail(r, "array count exceeds the remaining bytes");
        return -1;
    }
    return (int32_t)n;
}

int32_t kr_read_compact_array_len(kr_reader *r, bool nullable, size_t min_elem_size) {
    uint32_t n = kr_read_uvarint(r);
    return check_array_len(r, (int64_t)n - 1, nullable, min_elem_size);
}

int32_t kr_read_array_len(kr_reader *r, bool nullable, size_t min_elem_size) {
    int32_t n = kr_read_i32(r);
    if (!r->failed && n < -1) {
        kr_reader_fail(r, "negative array length");
        return -1;
    }
    return check_array_len(r, n, nullable, min_elem_size);
}

void kr_put_compact_str(kr_buf *b, kr_str s) {
    if (s.len < 0) {
        kr_put_uvarint(b, 0);
        return;
    }
    kr_put_uvarint(b, (uint32_t)s.len + 1);
    kr_put_raw(b, s.ptr, (size_t)s.len);
}

void kr_put_str(kr_buf *b, kr_str s) {
    kr_put_i16(b, (int16_t)(s.len < 0 ? -1 : s.len));
    if (s.len > 0) kr_put_raw(b, s.ptr, (size_t)s.len);
}

void kr_put_compact_bytes(kr_buf *b, kr_bytes s) {
    if (s.len < 0) {
        kr_put_uvarint(b, 0);
        return;
    }
    kr_put_uvarint(b, (uint32_t)s.len + 1);
    kr_put_raw(b, s.ptr, (size_t)s.len);
}

void kr_put_bytes(kr_buf *b, kr_bytes s) {
    kr_put_i32(b, s.len < 0 ? -1 : s.len);
    if (s.len > 0) kr_put_raw(b, s.ptr, (size_t)s.len);
}

/* ---- growable buffer ---------------------------------------------------- */

bool kr_buf_reserve_slow(kr_buf *b, size_t n) {
    size_t want = b->len + n;
    if (want < b->len) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void kr_buf_free(kr_buf *b) {
    free(b->data);
    *b = (kr_buf){0};
}

/* ---- base64 (standard alphabet) ----------------------------------------------------------------- */

size_t kr_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_cap) {
    if (out_cap < 4 * ((n + 2) / 3) + 1) return 0;
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return len < 0 ? 0 : (size_t)len;
}

long kr_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_cap) {
    if (n % 4 != 0 || out_cap < n / 4 * 3) return -1;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        bool pad = c == '=' && i >= n - 2 && (i == n - 1 || in[n - 1] == '=');
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || pad;
        if (!ok) return -1;
    }
    if (n == 0) return 0;
    int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0) return -1;
    if (in[n - 1] == '=') len--; /* EVP_DecodeBlock counts padding as zero bytes */
    if (in[n - 2] == '=') len--;
    return len;
}

/* ---- uuid text ---------------------------------------------------------- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void kr_uuid_to_text(const kr_uuid *u, char out[KR_UUID_TEXT_LEN]) {
    size_t o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)u->b[i] << 16;
        if (i + 1 < 16) v |= (uint32_t)u->b[i + 1] << 8;
        if (i + 2 < 16) v |= u->b[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (i + 1 < 16) out[o++] = b64url[(v >> 6) & 63];
        if (i + 2 < 16) out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
}

static int b64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

bool kr_uuid_from_text(const char *text, kr_uuid *out) {
    if (!text || strlen(text) != 22) return false;
    uint8_t bytes[17] = {0};
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < 22; i++) {
        int v = b64url_value(text[i]);
        if (v < 0) return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* 22 chars = 132 bits: the last 4 must be zero for a canonical encoding. */
    if (o != 16 || (acc & ((1u << bits) - 1)) != 0) return false;
    memcpy(out->b, bytes, 16);
    return true;
}

bool kr_uuid_random(kr_uuid *out) {
    for (int attempt = 0; attempt < 4; attempt++) {
        ssize_t n = getrandom(out->b, 16, 0);
        if (n != 16) continue;
        out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x40);
        out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);
        if (!kr_uuid_is_zero(out)) return true;
    }
    return false;
}

/* ---- arena -------------------------------------------------------------- */

struct kr_arena_block {
    kr_arena_block *next;
    size_t cap;
    size_t used;
    _Alignas(16) uint8_t data[];
};

#define KR_ARENA_BLOCK_MIN (64 * 1024)

void *kr_arena_alloc(kr_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    kr_arena_block *blk = a->head;
    if (!blk || blk->cap - blk->used < n) {
        size_t cap = n > KR_ARENA_BLOCK_MIN ? n : KR_ARENA_BLOCK_MIN;
        blk = malloc(sizeof *blk + cap);
        if (!blk) return NULL;
        blk->next = a->head;
        blk->cap = cap;
        blk->used = 0;
        a->head = blk;
    }
    void *p = blk->data + blk->used;
    blk->used += n;
    a->total_bytes += n;
    return p;
}

void kr_arena_reset(kr_arena *a) {
    kr_arena_block *blk = a->head;
    if (!blk) return;
    /* Keep the oldest block (the tail), free the rest. */
    while (blk->next) {
        kr_arena_block *next = blk->next;
        free(blk);
        blk = next;
    }
    blk->used = 0;
    a->head = blk;
    a->total_bytes = 0;
}

void kr_arena_free(kr_arena *a) {
    kr_arena_block *blk = a->head;
    while (blk) {
        kr_arena_block *next = blk->next;
        free(blk);
        blk = next;
    }
    a->head = NULL;
    a->total_bytes = 0;
}
