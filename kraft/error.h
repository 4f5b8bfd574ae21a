/* Errors as a code plus a message that names the thing at fault. */
#ifndef KRAFT_ERROR_H
#define KRAFT_ERROR_H

#include <stdarg.h>

enum kr_code {
    KR_OK = 0,
    KR_ERR_CORRUPT = 1,     /* bytes that do not decode: CRC, length, framing */
    KR_ERR_UNSUPPORTED = 2, /* unknown record type, version or feature */
    KR_ERR_IO = 3,          /* open/read/write/fsync/rename failed */
    KR_ERR_INVALID = 4,     /* well-formed but semantically wrong input */
    KR_ERR_NOMEM = 5,
    KR_ERR_NOT_FOUND = 6,
};

typedef struct kr_error {
    enum kr_code code;
    char message[512];
} kr_error;

/* Sets err (if not NULL) and returns code, so callers can `return kr_fail(...)`. */
int kr_fail(kr_error *err, enum kr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with context ("file X: ..."). */
int kr_error_wrap(kr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *kr_code_name(enum kr_code code);

#endif
