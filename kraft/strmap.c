#include "kraft/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a final mix so linear probing sees spread-out low bits. */
static uint64_t hash_bytes(const void *key, size_t len) {
    const uint8_t *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static kr_strmap_slot *find(const kr_strmap *m, const void *key, size_t len, uint64_t h) {
    if (!m->cap) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask, probes = 0; probes < m->cap; i = (i + 1) & mask, probes++) {
        kr_strmap_slot *s = &m->slots[i];
        if (!s->hash) return NULL;
        if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0) return s;
    }
    return NULL;
}

static bool grow(kr_strmap *m) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    kr_strmap_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < m->cap; i++) {
        kr_strmap_slot *s = &m->slots[i];
        if (!s->hash) continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].hash) j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

int32_t kr_strmap_get(const kr_strmap *m, const void *key, size_t len) {
    kr_strmap_slot *s = find(m, key, len, hash_bytes(key, len));
    return s ? s->value : -1;
}

bool kr_strmap_put(kr_strmap *m, const void *key, size_t len, int32_t value) {
    uint64_t h = hash_bytes(key, len);
    kr_strmap_slot *s = find(m, key, len, h);
    if (s) {
        s->value = value;
        return true;
    }
    if ((m->n + 1) * 4 > m->cap * 3 && !grow(m)) return false; /* load <= 0.75 */
    char *copy = malloc(len ? len : 1);
    if (!copy) return false;
    memcpy(copy, key, len);
    size_t i = h & (m->cap - 1);
    while (m->slots[i].hash) i = (i + 1) & (m->cap - 1);
    m->slots[i] = (kr_strmap_slot){h, copy, (uint32_t)len, value};
    m->n++;
    return true;
}

int32_t kr_strmap_del(kr_strmap *m, const void *key, size_t len) {
    kr_strmap_slot *s = find(m, key, len, hash_bytes(key, len));
    if (!s) return -1;
    int32_t value = s->value;
    free(s->key);
    size_t mask = m->cap - 1;
    size_t hole = (size_t)(s - m->slots);
    /* Backward shift: pull later entries of the probe run into the hole. */
    for (size_t j = (hole + 1) & mask; m->slots[j].hash; j = (j + 1) & mask) {
        size_t home = m->slots[j].hash & mask;
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole] = (kr_strmap_slot){0};
    m->n--;
    return value;
}

void kr_strmap_free(kr_strmap *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    *m = (kr_strmap){0};
}
