/* Seeded pseudo-random values for tests (xorshift64*): same seed, same run. */
#ifndef TESTS_SUPPORT_RAND_H
#define TESTS_SUPPORT_RAND_H

#include <stdint.h>

#include "kraft/wire.h"

typedef struct kr_rand {
    uint64_t state;
} kr_rand;

static inline kr_rand kr_rand_seed(uint64_t seed) {
    return (kr_rand){seed ? seed : 0x9E3779B97F4A7C15ULL};
}
static inline uint64_t kr_rand_next(kr_rand *r) {
    uint64_t x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static inline uint64_t kr_rand_below(kr_rand *r, uint64_t n) { return n ? kr_rand_next(r) % n : 0; }
/* Mostly small values, sometimes extremes, so edge encodings get exercised. */
int64_t kr_rand_int(kr_rand *r);
void kr_rand_uuid(kr_rand *r, kr_uuid *u);
/* Valid UTF-8, 0-20 bytes, sometimes multi-byte characters. */
kr_str kr_rand_str(kr_rand *r, kr_arena *a);
kr_bytes kr_rand_bytes(kr_rand *r, kr_arena *a);

#endif
