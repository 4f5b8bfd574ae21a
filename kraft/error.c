#include "kraft/error.h"

#include <stdio.h>
#include <string.h>

int kr_fail(kr_error *err, enum kr_code code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return (int)code;
}

int kr_error_wrap(kr_error *err, const char *fmt, ...) {
    if (!err) return KR_ERR_INVALID;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
    return (int)err->code;
}

const char *kr_code_name(enum kr_code code) {
    switch (code) {
    case KR_OK: return "ok";
    case KR_ERR_CORRUPT: return "corrupt";
    case KR_ERR_UNSUPPORTED: return "unsupported";
    case KR_ERR_IO: return "io";
    case KR_ERR_INVALID: return "invalid";
    case KR_ERR_NOMEM: return "out of memory";
    case KR_ERR_NOT_FOUND: return "not found";
    }
    return "unknown";
}
