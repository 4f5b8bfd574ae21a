/* Options shared by the subcommands that talk to ZooKeeper (inspect, dump, load). */
#ifndef CMD_ZK_OPTIONS_H
#define CMD_ZK_OPTIONS_H

#include <stdbool.h>

#include "zkread/reader.h"

#define CLI_ZK_OPTIONS_HELP                                                                        \
    "  --zookeeper HOST:PORT[,HOST:PORT...][/chroot]   the ensemble (required)\n"                 \
    "  --zk-auth digest:USER:PASSWORD   authenticate the sessions (digest is the only scheme\n"    \
    "                                   Debian's C client supports; no SASL, no TLS)\n"           \
    "  --zk-session-timeout-ms N        session timeout (default 30000)\n"                        \
    "  --zk-sessions N                  parallel sessions (default: two per core, 4..8)\n"       \
    "  --zk-window N                    requests in flight per session (default 512)\n"          \
    "  --zk-retries N                   retries per request after connection loss (default 5)\n"

/* Consumes argv[*i] (and its value) if it is a ZooKeeper option. Returns 1 consumed,
 * 0 not a ZooKeeper option, -1 usage error (already printed). */
int cli_zk_option(const char *cmd, int argc, char **argv, int *i, zr_connect_opts *o);

/* Progress on stderr when it is a terminal (a zr_progress_fn). */
void cli_progress(void *ctx, const zr_progress *p);
/* Ends the progress line if one was drawn. */
void cli_progress_done(void);
bool cli_progress_wanted(void);

#endif
