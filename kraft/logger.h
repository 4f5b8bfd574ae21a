/* A caller-supplied log sink for long-running library code (the network
 * layer, the controller): libraries never print, they hand lines to this. */
#ifndef KRAFT_LOGGER_H
#define KRAFT_LOGGER_H

typedef enum kr_log_level {
    KR_LOG_LEVEL_ERROR = 0,
    KR_LOG_LEVEL_WARN = 1,
    KR_LOG_LEVEL_INFO = 2,
    KR_LOG_LEVEL_DEBUG = 3,
} kr_log_level;

/* fn == NULL discards everything. The line has no trailing newline. */
typedef struct kr_logger {
    void (*fn)(void *ctx, kr_log_level level, const char *line);
    void *ctx;
} kr_logger;

void kr_logger_printf(const kr_logger *lg, kr_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *kr_log_level_name(kr_log_level level); /* "ERROR", "WARN", ... */

#endif
