/* zk2kraft dump: a live znode tree into a fixture XML file. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/zk_options.h"
#include "zkread/tree.h"

static const char USAGE[] =
    "Usage: zk2kraft dump --zookeeper Z -o FILE [--all]\n\n"
    "Writes the znodes a migration reads (or, with --all, every znode below the chroot except\n"
    "/zookeeper) as a fixture XML file (schema: fixtures/znode-tree.rng). Data versions are\n"
    "kept (partition epochs); zxids and timestamps are not, so dumps of equal trees are\n"
    "byte-identical. Znode ACLs are not dumped.\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  -o, --output-file FILE           where to write (atomically)\n"
    "  --all                            every znode, not only Kafka's\n";

int cmd_dump(int argc, char **argv) {
    zr_connect_opts o = {0};
    const char *out = NULL;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("dump", argc, argv, &i, &o);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--all")) {
            all = true;
        } else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output-file")) && i + 1 < argc) {
            out = argv[++i];
        } else {
            return cli_usage_error("dump", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!o.connect) return cli_usage_error("dump", "--zookeeper is required");
    if (!out) return cli_usage_error("dump", "-o FILE is required");
    zr_tree t;
    zr_read_stats rs;
    zr_error err = {0};
    int rc = zr_tree_read(&o, all ? ZR_SCOPE_ALL : ZR_SCOPE_KAFKA, &t, cli_progress, NULL, &rs, &err);
    cli_progress_done();
    if (rc) return cli_error("dump: %s", err.message);
    if (rs.n_changed)
        fprintf(stderr, "zk2kraft dump: warning: %zu znodes changed while reading (first: %s)\n", rs.n_changed,
                rs.changed[0]);
    rc = zr_fixture_write(out, &t, &err);
    size_t n = t.n;
    zr_tree_free(&t);
    zr_read_stats_free(&rs);
    if (rc) return cli_error("dump: %s", err.message);
    fprintf(stderr, "zk2kraft dump: wrote %zu znodes to %s\n", n, out);
    return EXIT_CLEAN;
}
