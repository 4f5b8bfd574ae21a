/*
 * Support for the generated message codecs in kraft/gen/: array and tag types,
 * tagged-field framing, and JSON helpers. Generated code is the only intended
 * user of most of this; the types are what callers see in message structs.
 */
#ifndef KRAFT_MESSAGE_H
#define KRAFT_MESSAGE_H

#include <jansson.h>

#include "kraft/error.h"
#include "kraft/wire.h"

/* Arrays: n == -1 means null (only in versions where the field is nullable). */
typedef struct { bool *v; int32_t n; } kr_array_bool;
typedef struct { int8_t *v; int32_t n; } kr_array_i8;
typedef struct { int16_t *v; int32_t n; } kr_array_i16;
typedef struct { uint16_t *v; int32_t n; } kr_array_u16;
typedef struct { int32_t *v; int32_t n; } kr_array_i32;
typedef struct { uint32_t *v; int32_t n; } kr_array_u32;
typedef struct { int64_t *v; int32_t n; } kr_array_i64;
typedef struct { double *v; int32_t n; } kr_array_f64;
typedef struct { kr_uuid *v; int32_t n; } kr_array_uuid;
typedef struct { kr_str *v; int32_t n; } kr_array_str;
typedef struct { kr_bytes *v; int32_t n; } kr_array_bytes;

#define KR_ARRAY_EMPTY {NULL, 0}
#define KR_ARRAY_NULL {NULL, -1}

/* A tagged field this code does not know, kept so it survives re-encoding. */
typedef struct kr_raw_tag {
    uint32_t tag;
    kr_bytes data;
} kr_raw_tag;
typedef struct { kr_raw_tag *v; int32_t n; } kr_raw_tags;

/* JSON output options for kr_*_to_json. */
enum {
    KR_JSON_LOWER_CAMEL = 1 << 0,  /* "topicId" as Kafka's tools print, not "TopicId" */
    KR_JSON_MASK_SECRETS = 1 << 1, /* SCRAM salts/keys and similar print as "******" */
};
#define KR_JSON_MASK "******"

/* Encoder state: the first error wins (like the reader's sticky failure). */
typedef struct kr_enc_ctx {
    kr_error *err;
    bool failed;
} kr_enc_ctx;
void kr_enc_fail(kr_enc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tagged-field framing: begin writes the tag and a one-byte size placeholder
 * and returns the data start; end patches the size (moving the data when the
 * size needs more than one varint byte). */
size_t kr_tag_begin(kr_buf *b, uint32_t tag);
void kr_tag_end(kr_buf *b, size_t data_start);
/* Writes unknown tags with tag < below (all when below == UINT32_MAX) starting
 * at index i; returns the next index. */
int32_t kr_put_unknown_tags_below(kr_buf *b, const kr_raw_tags *t, int32_t i, uint64_t below);
/* Stores one unknown tag (arena-backed array with room for `cap` entries). */
void kr_unknown_tag_add(kr_raw_tags *t, int32_t cap, uint32_t tag, const uint8_t *p, uint32_t n);

/* Reads a tagged-field header and limits `sub` to the field's bytes; after the
 * caller decodes from `sub`, kr_tag_finish checks the size was consumed exactly
 * and moves `r` past it. */
bool kr_tag_enter(kr_reader *r, kr_reader *sub, uint32_t *tag, uint32_t *size);
void kr_tag_finish(kr_reader *r, kr_reader *sub, uint32_t size);

/* Length of the longest prefix of s that is valid UTF-8 (no overlong forms, no
 * surrogates, no NUL: what jansson accepts). */
size_t kr_utf8_valid_prefix(const unsigned char *s, size_t n);
/* JSON helpers: strings that are not valid UTF-8 get U+FFFD per bad byte. */
json_t *kr_json_str(kr_str s);
json_t *kr_json_bytes(kr_bytes b); /* standard base64, null → JSON null */
json_t *kr_json_uuid(const kr_uuid *u);
/* "TopicId" → "topicId" when flags ask for it; returns a static-lifetime or buf. */
const char *kr_json_key(const char *schema_name, int flags, char *buf, size_t buflen);

#endif
