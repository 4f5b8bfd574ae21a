/* Arena helpers for the client-API handlers. */
#include "kraft/client_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void *kr_client_alloc(kr_arena *arena, size_t n, size_t sz) {
    if (n == 0 || sz == 0 || n > SIZE_MAX / sz) return NULL;
    return kr_arena_alloc(arena, n * sz);
}

kr_str kr_client_str(kr_arena *arena, const char *p, size_t n) {
    if (!p || n > INT32_MAX) return KR_STR_NULL;
    char *d = kr_arena_alloc(arena, n + 1);
    if (!d) return KR_STR_NULL;
    memcpy(d, p, n);
    d[n] = 0;
    return (kr_str){d, (int32_t)n};
}

kr_str kr_client_strf(kr_arena *arena, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return KR_STR_NULL;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    return kr_client_str(arena, buf, len);
}
