/* zk2kraft rollback: before finalization, remove what the KRaft controllers left in ZooKeeper
 * (/controller, /migration) so a ZooKeeper-mode controller can take over (migration.md §11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/kraft_source.h"
#include "cmd/zk_options.h"
#include "kraft/image_json.h"
#include "migrate/rollback.h"
#include "zkread/reader.h"

static const char USAGE[] =
    "Usage: zk2kraft rollback --zookeeper Z [--metadata-dir DIR | --bootstrap-controller HOST:PORT]\n"
    "                         [--dry-run] [--force] [--timeout-ms N]\n\n"
    "Reverts a migration that is not finalized (Kafka's \"Reverting to ZooKeeper mode During the\n"
    "Migration\"). Finalization is recorded only in the KRaft metadata log, so rollback first reads\n"
    "ZkMigrationState from a stopped controller's metadata dir or from the running quorum:\n"
    "  POST_MIGRATION  refused: finalized, rollback is impossible\n"
    "  NONE            refused: the cluster was created in KRaft mode\n"
    "  PRE_MIGRATION / MIGRATION  proceed (a quorum still answering in MIGRATION is refused\n"
    "                  unless --force: stop the controllers first)\n"
    "Then it reads /controller and /migration, prints them, and deletes, in one ZooKeeper multi\n"
    "conditional on the versions just read: /controller if a KRaft controller holds it\n"
    "(kraftControllerEpoch; a ZooKeeper broker's /controller is left alone) and /migration.\n"
    "Finally it prints the operator's next steps.\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --metadata-dir DIR               a stopped controller's metadata log dir (evidence)\n"
    "  --bootstrap-controller HOST:PORT a controller listener of the quorum (evidence)\n"
    "  --dry-run                        print what would be removed; change nothing\n"
    "  --force                          proceed without evidence, or while the quorum still runs\n"
    "                                   in MIGRATION (never when finalized)\n"
    "  --timeout-ms N                   bound on each network step (default 5000)\n\n"
    "Exit status: 0 done (or nothing to do), 1 refused, 2 error.\n";

static const char NEXT_STEPS[] =
    "next steps (migration.md §11):\n"
    "  if the brokers are still ZooKeeper brokers in migration mode:\n"
    "    1. keep the KRaft controllers stopped (the quorum is deprovisioned)\n"
    "    2. a ZooKeeper broker now wins the controller election (/controller is gone)\n"
    "    3. on every broker remove zookeeper.metadata.migration.enable, controller.listener.names\n"
    "       and the controller.quorum.* settings (keep broker.id), then roll all brokers\n"
    "  if the brokers already run in KRaft mode (they must have been rolled back first, with\n"
    "  broker.id, zookeeper.connect and the ZooKeeper client settings restored, process.roles\n"
    "  removed and zookeeper.metadata.migration.enable=true kept, and the quorum deprovisioned):\n"
    "    1. remove zookeeper.metadata.migration.enable and the controller settings from every broker\n"
    "    2. roll the brokers a second time\n";

typedef struct rollback_args {
    zr_connect_opts zk;
    cli_kraft_source kraft;
    bool dry_run, force;
} rollback_args;

static int parse(int argc, char **argv, rollback_args *a) {
    a->kraft.timeout_ms = 5000;
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("rollback", argc, argv, &i, &a->zk);
        if (r == 0) r = cli_kraft_option("rollback", argc, argv, &i, &a->kraft, false);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        const char *opt = argv[i];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            fputs(USAGE, stdout);
            return -1;
        } else if (!strcmp(opt, "--dry-run")) a->dry_run = true;
        else if (!strcmp(opt, "--force")) a->force = true;
        else if (!strcmp(opt, "--timeout-ms") && i + 1 < argc) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 3600000) return cli_usage_error("rollback", "--timeout-ms must be 1-3600000, not '%s'", argv[i]);
            a->kraft.timeout_ms = (uint32_t)t;
        } else return cli_usage_error("rollback", "unexpected argument '%s'", opt);
    }
    if (!a->zk.connect) return cli_usage_error("rollback", "--zookeeper is required");
    return 0;
}

/* The KRaft side's ZkMigrationState, as evidence. */
static int read_evidence(const rollback_args *a, mg_rollback_evidence *e) {
    e->kind = MG_EVIDENCE_NONE;
    e->zk_migration_state = -1;
    if (a->kraft.kind == CLI_KRAFT_NONE) return 0;
    kr_image img;
    kr_image_init(&img);
    int64_t committed;
    json_t *info = NULL;
    kr_error err = {0};
    int rc = cli_kraft_read(&a->kraft, &img, &committed, &info, &err);
    if (rc == 0) {
        e->kind = a->kraft.kind == CLI_KRAFT_DIR ? MG_EVIDENCE_STOPPED : MG_EVIDENCE_LIVE;
        e->zk_migration_state = img.zk_migration_state;
        printf("KRaft side (%s %s): ZkMigrationState %s\n", cli_kraft_kind_flag(a->kraft.kind), a->kraft.where,
               img.zk_migration_state >= 0 ? kr_zk_migration_state_name(img.zk_migration_state) : "(none: NONE)");
    }
    json_decref(info);
    kr_image_free(&img);
    if (rc) return cli_error("rollback: %s %s: %s", cli_kraft_kind_flag(a->kraft.kind), a->kraft.where, err.message);
    return 0;
}

static void print_plan(const mg_rollback_plan *p) {
    if (!p->controller.exists) {
        puts("/controller: absent");
    } else {
        printf("/controller (version %d): %s\n", p->controller.version, p->controller.data);
        if (p->controller_is_kraft)
            printf("  held by KRaft controller %d (kraftControllerEpoch %d): to be removed\n", p->controller_brokerid,
                   p->kraft_controller_epoch);
        else
            printf("  held by ZooKeeper-mode broker %d (no kraftControllerEpoch > 0): a ZooKeeper broker already is "
                   "controller; left in place\n", p->controller_brokerid);
    }
    if (!p->migration.exists) puts("/migration: absent");
    else printf("/migration (version %d): %s\n  to be removed\n", p->migration.version, p->migration.data);
}

int cmd_rollback(int argc, char **argv) {
    rollback_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? EXIT_CLEAN : rc;
    mg_rollback_evidence ev;
    if (read_evidence(&a, &ev)) return EXIT_ERROR;
    char why[512];
    if (!mg_rollback_allowed(&ev, a.force, why, sizeof why)) {
        fprintf(stderr, "zk2kraft rollback: refused: %s\n", why);
        return EXIT_FINDINGS;
    }
    if (ev.kind == MG_EVIDENCE_NONE) puts("no KRaft evidence given: proceeding because of --force");
    else if (ev.kind == MG_EVIDENCE_LIVE && a.force)
        puts("the quorum is still running: proceeding because of --force");
    zhandle_t *zh = NULL;
    zr_error zerr = {0};
    if (zr_session_open(&a.zk, &zh, &zerr)) return cli_error("rollback: --zookeeper %s: %s", a.zk.connect, zerr.message);
    mg_rollback_plan p;
    kr_error err = {0};
    int status = EXIT_ERROR;
    if (mg_rollback_read(zh, &p, &err)) {
        cli_error("rollback: %s", err.message);
        goto out;
    }
    print_plan(&p);
    mg_rollback_op ops[2];
    size_t n = mg_rollback_ops(&p, ops);
    if (n == 0) {
        puts("nothing to do: no KRaft-held /controller and no /migration");
        status = EXIT_CLEAN;
        goto out;
    }
    if (a.dry_run) {
        for (size_t i = 0; i < n; i++) printf("would remove %s (version %d)\n", ops[i].path, ops[i].version);
        puts("dry run: nothing changed");
        status = EXIT_CLEAN;
        goto out;
    }
    int arc = mg_rollback_apply(zh, &p, &err);
    if (arc == KR_ERR_INVALID) {
        fprintf(stderr, "zk2kraft rollback: refused: %s\n", err.message);
        status = EXIT_FINDINGS;
        goto out;
    }
    if (arc) {
        cli_error("rollback: %s", err.message);
        goto out;
    }
    for (size_t i = 0; i < n; i++) printf("removed %s (version %d)\n", ops[i].path, ops[i].version);
    fputs(NEXT_STEPS, stdout);
    status = EXIT_CLEAN;
out:
    mg_rollback_plan_free(&p);
    zr_session_close(zh);
    return status;
}
