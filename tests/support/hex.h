/* Hex helpers for tests that compare against the spec's worked examples. */
#ifndef TESTS_SUPPORT_HEX_H
#define TESTS_SUPPORT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex (spaces and newlines ignored) into a malloc'd buffer; *len set. */
uint8_t *test_hex_decode(const char *hex, size_t *len);
/* Lower-case hex of n bytes, malloc'd. */
char *test_hex_encode(const uint8_t *p, size_t n);
/* Reads a whole file; NULL if it cannot. */
uint8_t *test_read_file(const char *path, size_t *len);
/* "$SHARED/<rel>" (SHARED defaults to ../shared); NULL when it does not exist. */
const char *test_shared_path(const char *rel, char *buf, size_t buflen);

#endif
