/* Bounded line splitting for the small text files (internal to kraft/). */
#ifndef KRAFT_TEXT_LINES_H
#define KRAFT_TEXT_LINES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kr_lines {
    const char *p;
    size_t len;
    size_t pos;
    int line_no; /* 1-based number of the line last returned */
} kr_lines;

static inline kr_lines kr_lines_make(const char *p, size_t len) {
    return (kr_lines){.p = p, .len = len};
}
/* Next line without its "\n" (or "\r\n"); false at the end. A final line
 * without "\n" is returned too; *terminated says whether it had one. */
static inline bool kr_lines_next(kr_lines *l, const char **line, size_t *n, bool *terminated) {
    if (l->pos >= l->len) return false;
    const char *s = l->p + l->pos;
    size_t rest = l->len - l->pos;
    size_t i = 0;
    while (i < rest && s[i] != '\n') i++;
    *terminated = i < rest;
    l->pos += i + (*terminated ? 1 : 0);
    if (i > 0 && s[i - 1] == '\r') i--;
    *line = s;
    *n = i;
    l->line_no++;
    return true;
}



#include <stdint.h>

/* Strict decimal (optional leading '-'), within [min, max]; false otherwise. */
static inline bool kr_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 19) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
    int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
    if (r < min || r > max) return false;
    *out = r;
    return true;
}
#endif
