#include "zkread/error.h"

#include <stdio.h>
#include <string.h>

int zr_fail(zr_error *err, enum zr_code code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return (int)code;
}

int zr_error_wrap(zr_error *err, const char *fmt, ...) {
    if (!err) return ZR_ERR_INVALID;
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

const char *zr_code_name(enum zr_code code) {
    switch (code) {
    case ZR_OK: return "ok";
    case ZR_ERR_CORRUPT: return "corrupt";
    case ZR_ERR_UNSUPPORTED: return "unsupported";
    case ZR_ERR_IO: return "io";
    case ZR_ERR_INVALID: return "invalid";
    case ZR_ERR_NOMEM: return "out of memory";
    case ZR_ERR_NOT_FOUND: return "not found";
    case ZR_ERR_ZK: return "zookeeper";
    case ZR_ERR_AUTH: return "auth";
    }
    return "unknown";
}
