#include "cmd/zk_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"

static bool parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

int cli_zk_option(const char *cmd, int argc, char **argv, int *i, zr_connect_opts *o) {
    static const struct { const char *name; int lo, hi; size_t off; } ints[] = {
        {"--zk-session-timeout-ms", 1000, 600000, offsetof(zr_connect_opts, session_timeout_ms)},
        {"--zk-sessions", 1, 8, offsetof(zr_connect_opts, sessions)},
        {"--zk-window", 1, 100000, offsetof(zr_connect_opts, window)},
        {"--zk-retries", 1, 100, offsetof(zr_connect_opts, max_retries)},
    };
    const char *a = argv[*i];
    bool is_str = !strcmp(a, "--zookeeper") || !strcmp(a, "--zk-auth");
    size_t which = sizeof ints / sizeof ints[0];
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        if (!strcmp(a, ints[k].name)) which = k;
    if (!is_str && which == sizeof ints / sizeof ints[0]) return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (!strcmp(a, "--zookeeper")) {
        o->connect = v;
    } else if (!strcmp(a, "--zk-auth")) {
        char scheme[32];
        const char *cred;
        if (!zr_parse_auth(v, scheme, sizeof scheme, &cred) || strcmp(scheme, "digest")) {
            cli_usage_error(cmd, "--zk-auth must be digest:USER:PASSWORD");
            return -1;
        }
        o->auth = v;
    } else if (!parse_int(v, ints[which].lo, ints[which].hi, (int *)((char *)o + ints[which].off))) {
        cli_usage_error(cmd, "%s must be an integer in [%d, %d]", a, ints[which].lo, ints[which].hi);
        return -1;
    }
    return 1;
}

static bool drawn;

bool cli_progress_wanted(void) { return isatty(STDERR_FILENO); }

void cli_progress(void *ctx, const zr_progress *p) {
    (void)ctx;
    if (!cli_progress_wanted()) return;
    double rate = p->elapsed_s > 0 ? p->znodes / p->elapsed_s : 0;
    fprintf(stderr, "\rreading ZooKeeper: %llu znodes, %.0f/s, %llu queued, %llu in flight, %.1f s   ",
            (unsigned long long)p->znodes, rate, (unsigned long long)p->queued,
            (unsigned long long)p->in_flight, p->elapsed_s);
    fflush(stderr);
    drawn = true;
}

void cli_progress_done(void) {
    if (drawn) fputc('\n', stderr);
    drawn = false;
}
