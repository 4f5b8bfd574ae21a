#include "kraft/logger.h"

#include <stdarg.h>
#include <stdio.h>

void kr_logger_printf(const kr_logger *lg, kr_log_level level, const char *fmt, ...) {
    if (!lg || !lg->fn) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(lg->ctx, level, line);
}

const char *kr_log_level_name(kr_log_level level) {
    switch (level) {
    case KR_LOG_LEVEL_ERROR: return "ERROR";
    case KR_LOG_LEVEL_WARN: return "WARN";
    case KR_LOG_LEVEL_INFO: return "INFO";
    case KR_LOG_LEVEL_DEBUG: return "DEBUG";
    }
    return "?";
}
