/* zk2kraft broker-config: a ZooKeeper-mode broker's server.properties and meta.properties
 * turned into their KRaft-mode versions (with backups), or shown with --dry-run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "migrate/broker_config.h"

static const char USAGE[] =
    "Usage: zk2kraft broker-config --server-properties FILE --controllers ID@HOST:PORT,...\n"
    "                              [--log-dirs DIR,...] [--controller-listener NAME]\n"
    "                              [--controller-security-protocol P] [--dry-run]\n\n"
    "Turns a ZooKeeper-mode broker's server.properties into its KRaft-mode version: drops\n"
    "zookeeper.* and the other ZooKeeper-only keys (broker.id.generation.enable,\n"
    "reserved.broker.max.id, control.plane.listener.name, inter.broker.protocol.version),\n"
    "broker.id becomes node.id, sets process.roles=broker, controller.quorum.voters,\n"
    "controller.listener.names (and its listener.security.protocol.map entry), swaps the\n"
    "ZooKeeper AclAuthorizer for StandardAuthorizer; comments and order are kept. Rewrites\n"
    "meta.properties v0 -> v1 in every log dir (cluster.id kept, node.id = broker.id, a new\n"
    "directory.id per dir). Each changed file is first copied to FILE.zk-backup (the way\n"
    "back; an existing backup is kept), then replaced atomically.\n\n"
    "Options:\n"
    "  --server-properties FILE         the broker's server.properties (required)\n"
    "  --controllers ID@HOST:PORT,...   the KRaft controller quorum (required)\n"
    "  --log-dirs DIR,...               log dirs (default: log.dirs / log.dir of the file)\n"
    "  --controller-listener NAME       default: the file's controller.listener.names, else CONTROLLER\n"
    "  --controller-security-protocol P default PLAINTEXT\n"
    "  --dry-run                        print the changes as a diff; change nothing\n\n"
    "Exit status: 0 done (or dry run), 2 usage or runtime error (then nothing was changed:\n"
    "no broker.id, broker.id differing from a log dir's meta.properties, cluster ids that\n"
    "differ between log dirs, a log dir without meta.properties).\n";

int cmd_broker_config(int argc, char **argv) {
    mg_broker_config_options o = {0};
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool v = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return EXIT_CLEAN;
        } else if (!strcmp(a, "--dry-run")) dry_run = true;
        else if (!strcmp(a, "--server-properties") && v) o.server_properties = argv[++i];
        else if (!strcmp(a, "--controllers") && v) o.controllers = argv[++i];
        else if (!strcmp(a, "--log-dirs") && v) o.log_dirs = argv[++i];
        else if (!strcmp(a, "--controller-listener") && v) o.controller_listener = argv[++i];
        else if (!strcmp(a, "--controller-security-protocol") && v) o.controller_protocol = argv[++i];
        else return cli_usage_error("broker-config", "unexpected argument '%s'", a);
    }
    if (!o.server_properties) return cli_usage_error("broker-config", "--server-properties is required");
    if (!o.controllers) return cli_usage_error("broker-config", "--controllers is required");
    mg_broker_config_plan p;
    kr_error err = {0};
    int status = EXIT_CLEAN;
    if (mg_broker_config_plan_make(&o, &p, &err)) {
        status = cli_error("broker-config: %s (nothing changed)", err.message);
    } else if (dry_run) {
        char *d = mg_broker_config_diff(&p);
        if (d) fputs(d, stdout);
        free(d);
        printf("dry run: nothing changed\n");
    } else if (mg_broker_config_apply(&p, &err)) {
        status = cli_error("broker-config: %s", err.message);
    } else {
        for (size_t i = 0; i < p.n_files; i++)
            printf("%s %s%s%s\n", p.files[i].changed ? "rewrote" : "unchanged", p.files[i].path,
                   p.files[i].changed ? ", backup " : "", p.files[i].changed ? p.files[i].backup_path : "");
        for (size_t i = 0; i < p.n_dropped; i++) printf("dropped %s\n", p.dropped_keys[i]);
        printf("broker %d is configured for KRaft mode (cluster %s)\n", (int)p.node_id,
               p.cluster_id[0] ? p.cluster_id : "?");
    }
    mg_broker_config_plan_free(&p);
    return status;
}
