/* zk2kraft load: a fixture XML file into a ZooKeeper ensemble. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/zk_options.h"
#include "zkread/tree.h"

static const char USAGE[] =
    "Usage: zk2kraft load FILE --zookeeper Z [--force] [--hold]\n\n"
    "Writes a fixture's znodes (validated against fixtures/znode-tree.rng) into the ensemble,\n"
    "parents first, reproducing data versions with repeated setData and applying the ACLs\n"
    "given in the file. A chroot in --zookeeper is created. Refuses a target that holds\n"
    "anything besides /zookeeper unless --force (which overwrites existing znodes' data).\n\n"
    "Ephemeral znodes die with the loading session: they are created persistent, unless\n"
    "--hold keeps them ephemeral and the session open until SIGTERM/SIGINT.\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --force                          load into a non-empty target\n"
    "  --hold                           keep ephemeral znodes alive until signalled\n";

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

int cmd_load(int argc, char **argv) {
    zr_connect_opts o = {0};
    const char *file = NULL;
    bool force = false, hold = false;
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("load", argc, argv, &i, &o);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--force")) {
            force = true;
        } else if (!strcmp(argv[i], "--hold")) {
            hold = true;
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            return cli_usage_error("load", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!file) return cli_usage_error("load", "a fixture FILE is required");
    if (!o.connect) return cli_usage_error("load", "--zookeeper is required");
    zr_tree t;
    zr_error err = {0};
    if (zr_fixture_read(file, &t, &err)) return cli_error("load: %s", err.message);
    zr_load_stats st;
    zhandle_t *held = NULL;
    int rc = zr_tree_load(&o, &t, force, hold, hold ? &held : NULL, &st, &err);
    size_t n = t.n;
    zr_tree_free(&t);
    if (rc) return cli_error("load: %s", err.message);
    fprintf(stderr, "zk2kraft load: %zu znodes from %s (%zu parents added, %zu setData, %zu existed)\n", n, file,
            st.parents_created, st.set_data, st.existed);
    if (st.ephemeral_made_persistent)
        fprintf(stderr, "zk2kraft load: note: ephemeral znodes were created persistent (use --hold)\n");
    if (hold) {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        fprintf(stderr, "zk2kraft load: holding the session; send SIGTERM to end it\n");
        while (!stop) pause();
        zr_session_close(held);
    }
    return EXIT_CLEAN;
}
