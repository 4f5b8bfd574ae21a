#include "tests/support/rand.h"

int64_t kr_rand_int(kr_rand *r) {
    switch (kr_rand_below(r, 8)) {
    case 0: return -1;
    case 1: return 0;
    case 2: return (int64_t)kr_rand_next(r); /* any 64-bit pattern; callers truncate */
    case 3: return (int64_t)kr_rand_below(r, 200) - 100;
    default: return (int64_t)kr_rand_below(r, 100000);
    }
}

void kr_rand_uuid(kr_rand *r, kr_uuid *u) {
    uint64_t a = kr_rand_next(r), b = kr_rand_next(r);
    if (kr_rand_below(r, 8) == 0) a = b = 0;
    kr_store_u64(u->b, a);
    kr_store_u64(u->b + 8, b);
}

kr_str kr_rand_str(kr_rand *r, kr_arena *a) {
    size_t n = (size_t)kr_rand_below(r, 21);
    char *p = kr_arena_alloc(a, n * 2 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (kr_rand_below(r, 10) == 0) { /* é */
            p[o++] = (char)0xc3;
            p[o++] = (char)0xa9;
        } else {
            p[o++] = (char)('a' + kr_rand_below(r, 26));
        }
    }
    p[o] = '\0';
    return (kr_str){p, (int32_t)o};
}

kr_bytes kr_rand_bytes(kr_rand *r, kr_arena *a) {
    size_t n = (size_t)kr_rand_below(r, 33);
    uint8_t *p = kr_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)kr_rand_next(r);
    return (kr_bytes){p, (int32_t)n};
}
