/* Test helpers for the storage tests: hex, Kafka vector files, temp dirs. */
#ifndef TESTS_SUPPORT_KRAFT_VECTORS_H
#define TESTS_SUPPORT_KRAFT_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes hex (spaces and newlines ignored) into a malloc'd buffer; NULL on bad hex. */
uint8_t *kv_hex_decode(const char *hex, size_t *len);
/* "$SHARED/kafka-vectors" (default ../shared/kafka-vectors), or NULL when absent. */
const char *kv_vectors_dir(void);
/* Full path of a vector file into out (static per call site is fine); false if absent. */
bool kv_vector_path(const char *rel, char *out, size_t cap);
/* Reads a whole file into malloc'd memory (NUL-terminated); NULL on error. */
uint8_t *kv_read_file(const char *path, size_t *len);
/* Writes a file (not atomically: tests set up fixtures with it). */
bool kv_write_file(const char *path, const void *data, size_t len);
/* A fresh directory under $TMPDIR; removed by kv_rmtree. */
char *kv_make_tmpdir(void);
void kv_rmtree(const char *dir);

#endif
