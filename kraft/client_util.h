/* Small arena helpers shared by the client-API handlers (internal). */
#ifndef KRAFT_CLIENT_UTIL_H
#define KRAFT_CLIENT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/wire.h"

/* n elements of size sz from the arena; NULL when n == 0, on overflow or OOM. */
void *kr_client_alloc(kr_arena *arena, size_t n, size_t sz);
#define KR_CLIENT_ALLOC(arena, n, elem) kr_client_alloc((arena), (n), sizeof(elem))
/* Copies into the arena; KR_STR_NULL on OOM or for NULL. */
kr_str kr_client_str(kr_arena *arena, const char *p, size_t n);
kr_str kr_client_strf(kr_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
