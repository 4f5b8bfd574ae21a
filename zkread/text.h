/* Small text codecs used by znode decoding and fixtures: base64, Kafka's Sanitizer, integers. */
#ifndef ZKREAD_TEXT_H
#define ZKREAD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Standard base64 with padding. Returns a malloc'd NUL-terminated string. */
char *zr_base64_encode(const uint8_t *p, size_t n);
/* Decodes standard (url_safe=false) or URL-safe base64; padding optional; whitespace
 * rejected unless skip_space. Returns false on any invalid input. *out is malloc'd. */
bool zr_base64_decode(const char *s, size_t n, bool url_safe, bool skip_space, uint8_t **out,
                      size_t *out_len);

/* Java URLDecoder.decode (Kafka's Sanitizer.desanitize): %XX decoded, '+' -> ' '.
 * Returns NULL (and sets *why) for a malformed escape or invalid UTF-8. */
char *zr_desanitize(const char *s, const char **why);
/* Kafka's Sanitizer.sanitize (for tests and dual-write). */
char *zr_sanitize(const char *s);

/* Whole-string decimal integers ("-12"); false on anything else or overflow. */
bool zr_parse_i64(const char *s, int64_t *out);
bool zr_parse_i32(const char *s, int32_t *out);

/* Kafka topic id text (22 URL-safe base64 characters) -> 16 bytes. */
bool zr_uuid_from_text(const char *s, uint8_t out[16]);

/* strdup that returns NULL for NULL. */
char *zr_strdup(const char *s);
char *zr_strndup(const char *s, size_t n);

#endif
