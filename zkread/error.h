/* zkread's errors: a code plus a message naming the thing at fault (znode path, file). */
#ifndef ZKREAD_ERROR_H
#define ZKREAD_ERROR_H

#include <stdarg.h>

enum zr_code {
    ZR_OK = 0,
    ZR_ERR_CORRUPT = 1,     /* data that does not decode */
    ZR_ERR_UNSUPPORTED = 2, /* unknown version or feature */
    ZR_ERR_IO = 3,          /* file or network failure */
    ZR_ERR_INVALID = 4,     /* well-formed but semantically wrong input */
    ZR_ERR_NOMEM = 5,
    ZR_ERR_NOT_FOUND = 6,
    ZR_ERR_ZK = 7,          /* ZooKeeper refused or failed a request */
    ZR_ERR_AUTH = 8,        /* NoAuth / AuthFailed */
};

typedef struct zr_error {
    enum zr_code code;
    char message[512];
} zr_error;

/* Sets err (if not NULL) and returns code, so callers can `return zr_fail(...)`. */
int zr_fail(zr_error *err, enum zr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with context. */
int zr_error_wrap(zr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *zr_code_name(enum zr_code code);

#endif
