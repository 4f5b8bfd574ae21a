/* The KRaft side of verify and rollback: a stopped controller's metadata dir, a running
 * quorum read as a Raft observer, or (verify only) a Kafka cluster's client view. */
#ifndef CMD_KRAFT_SOURCE_H
#define CMD_KRAFT_SOURCE_H

#include <jansson.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"

enum cli_kraft_kind { CLI_KRAFT_NONE = 0, CLI_KRAFT_DIR, CLI_KRAFT_CONTROLLER, CLI_KRAFT_SERVER };

typedef struct cli_kraft_source {
    enum cli_kraft_kind kind;
    const char *where;   /* DIR or HOST:PORT */
    uint32_t timeout_ms; /* network steps */
} cli_kraft_source;

/* Sets kind/where from one of --metadata-dir, --bootstrap-controller, --bootstrap-server
 * (allow_server: verify). Returns 1 consumed, 0 not such an option, -1 usage error (printed). */
int cli_kraft_option(const char *cmd, int argc, char **argv, int *i, cli_kraft_source *s, bool allow_server);

/* Reads the KRaft side into img (initialised, empty). *committed: last committed offset, -1
 * unknown. *info (new reference): what was read, for --output json. */
int cli_kraft_read(const cli_kraft_source *s, kr_image *img, int64_t *committed, json_t **info, kr_error *err);

const char *cli_kraft_kind_flag(enum cli_kraft_kind k); /* "--metadata-dir", ... */

#endif
