/* Java .properties files (Kafka's server/controller configs): `key=value`,
 * `key: value` or `key value`, `#`/`!` comments, backslash line continuation
 * and escapes (\t \n \r \f \uXXXX). Later keys replace earlier ones. */
#ifndef KRAFT_PROPERTIES_H
#define KRAFT_PROPERTIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"

typedef struct kr_property {
    char *key;
    char *value;
    int line; /* where the key started, for messages */
} kr_property;

typedef struct kr_properties {
    kr_property *v;
    int32_t n, cap;
    char name[256]; /* file name, for messages */
} kr_properties;

/* Parses text; errors (bad \u escape, > 1 MiB) name the file and line. */
int kr_properties_parse(const char *text, size_t len, const char *name, kr_properties *out,
                        kr_error *err);
int kr_properties_read(const char *path, kr_properties *out, kr_error *err);
void kr_properties_free(kr_properties *p);
/* Value or NULL. */
const char *kr_properties_get(const kr_properties *p, const char *key);
/* Integer value: KR_OK, KR_ERR_NOT_FOUND (absent) or KR_ERR_INVALID (not an int32). */
int kr_properties_get_int(const kr_properties *p, const char *key, int32_t *out, kr_error *err);

#endif
