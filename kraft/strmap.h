/* A hash map from byte-string keys to int32 values (open addressing, linear
 * probing, backward-shift deletion). Keys are copied. */
#ifndef KRAFT_STRMAP_H
#define KRAFT_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kr_strmap_slot {
    uint64_t hash; /* 0 = empty */
    char *key;
    uint32_t key_len;
    int32_t value;
} kr_strmap_slot;

typedef struct kr_strmap {
    kr_strmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t n;
} kr_strmap;

void kr_strmap_free(kr_strmap *m);
/* Value for key, or -1 when absent. */
int32_t kr_strmap_get(const kr_strmap *m, const void *key, size_t len);
/* Inserts or replaces; false on out of memory. */
bool kr_strmap_put(kr_strmap *m, const void *key, size_t len, int32_t value);
/* Removes key if present; returns its value or -1. */
int32_t kr_strmap_del(kr_strmap *m, const void *key, size_t len);

#endif
