#include "tests/support/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

uint8_t *test_hex_decode(const char *hex, size_t *len) {
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    uint8_t *out = malloc(cap);
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9') v = *p - '0';
        else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
        else continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = n;
    return out;
}

char *test_hex_encode(const uint8_t *p, size_t n) {
    char *out = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
    return out;
}

uint8_t *test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

const char *test_shared_path(const char *rel, char *buf, size_t buflen) {
    const char *shared = getenv("SHARED");
    snprintf(buf, buflen, "%s/%s", shared && *shared ? shared : "../shared", rel);
    struct stat st;
    return stat(buf, &st) == 0 ? buf : NULL;
}
