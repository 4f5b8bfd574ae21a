/* Test helpers for the storage tests: Kafka vector files, temp dirs (hex and
 * file reading are in tests/support/hex.h). */
#ifndef TESTS_SUPPORT_KRAFT_VECTORS_H
#define TESTS_SUPPORT_KRAFT_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/support/hex.h"

/* "$SHARED/kafka-vectors" (default ../shared/kafka-vectors), or NULL when absent. */
const char *kv_vectors_dir(void);
/* Full path of a vector file into out (static per call site is fine); false if absent. */
bool kv_vector_path(const char *rel, char *out, size_t cap);
/* Writes a file (not atomically: tests set up fixtures with it). */
bool kv_write_file(const char *path, const void *data, size_t len);
/* A fresh directory under $TMPDIR; removed by kv_rmtree. */
char *kv_make_tmpdir(void);
void kv_rmtree(const char *dir);
/* cmocka group setup/teardown: a fresh kv_tmpdir for the group, removed after. */
extern char *kv_tmpdir;
int kv_setup_tmpdir(void **state);
int kv_teardown_tmpdir(void **state);

/* In a cmocka test: skips it, saying why, when the vectors are absent. */
#define KV_REQUIRE_VECTORS()                                                                   \
    do {                                                                                       \
        if (!kv_vectors_dir()) {                                                               \
            print_message("skip: Kafka vectors not found ($SHARED/kafka-vectors)\n");          \
            skip();                                                                            \
        }                                                                                      \
    } while (0)

#endif
