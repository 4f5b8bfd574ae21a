/* zk2kraft migrate: the one-shot offline migration into controller storage. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/migrate_common.h"
#include "cmd/zk_options.h"
#include "kraft/metadata_version.h"
#include "kraft/properties.h"
#include "migrate/migrate.h"
#include "zkread/tree.h"

static const char USAGE[] =
    "Usage: zk2kraft migrate --zookeeper Z --controllers ID@HOST:PORT,... --out DIR\n"
    "                        [--metadata-version V] [--dual-write] [--force] [--dry-run]\n"
    "                        [--write-topic-ids] [--password-encoder-secret S | --command-config F]\n"
    "                        [--lenient] [--output text|json]\n\n"
    "Reads the cluster's metadata from ZooKeeper, refuses on blocking findings, converts it\n"
    "to KRaft metadata records as Kafka 3.9's migration maps them and writes DIR/node-<ID>/\n"
    "for every controller: meta.properties, bootstrap.checkpoint, controller.properties and\n"
    "__cluster_metadata-0/ with the snapshot a Kafka 3.9 controller boots from. DIR appears\n"
    "complete or not at all. ZooKeeper is only read (see --write-topic-ids).\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --fixture FILE                   read a fixture XML file instead of ZooKeeper (tests)\n"
    "  --controllers ID@HOST:PORT,...   the KRaft controller quorum (controller.quorum.voters)\n"
    "  --out DIR                        output directory; must not exist\n"
    "  --metadata-version V             3.4-IV0 .. 3.9-IV0 (default 3.9-IV0); must equal the\n"
    "                                   brokers' inter.broker.protocol.version\n"
    "  --dual-write                     ZkMigrationState MIGRATION (controllers run in migration\n"
    "                                   mode) instead of POST_MIGRATION (offline cut-over)\n"
    "  --force                          write despite blocking findings\n"
    "  --dry-run                        do everything except the final rename\n"
    "  --write-topic-ids                store ids minted for id-less topics into their znodes\n"
    "                                   (JSON v3, conditional on the version read)\n"
    "  --password-encoder-secret S      the brokers' password.encoder.secret, to decrypt\n"
    "                                   password-type broker configs\n"
    "  --command-config F               properties file; password.encoder.secret is read from it\n"
    "  --lenient                        Kafka 3.9's silent substitutions are warnings, not errors\n"
    "  --output text|json               summary format (default text)\n\n"
    "Exit status: 0 written, 1 blocked by findings (nothing written), 2 error.\n";

int cmd_migrate(int argc, char **argv) {
    zr_connect_opts zk = {0};
    const char *controllers = NULL, *out = NULL, *mv_text = NULL, *secret = NULL, *command_config = NULL;
    const char *fixture = NULL;
    bool json = false;
    mg_migrate_options o = {.zk = &zk};
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("migrate", argc, argv, &i, &zk);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return EXIT_CLEAN;
        } else if (!strcmp(a, "--controllers") && has_value) controllers = argv[++i];
        else if (!strcmp(a, "--out") && has_value) out = argv[++i];
        else if (!strcmp(a, "--fixture") && has_value) fixture = argv[++i];
        else if (!strcmp(a, "--metadata-version") && has_value) mv_text = argv[++i];
        else if (!strcmp(a, "--password-encoder-secret") && has_value) secret = argv[++i];
        else if (!strcmp(a, "--command-config") && has_value) command_config = argv[++i];
        else if (!strcmp(a, "--dual-write")) o.convert.dual_write = true;
        else if (!strcmp(a, "--force")) o.force = true;
        else if (!strcmp(a, "--dry-run")) o.dry_run = true;
        else if (!strcmp(a, "--write-topic-ids")) o.write_topic_ids = true;
        else if (!strcmp(a, "--lenient")) o.lenient = true;
        else if (!strcmp(a, "--output") && has_value) {
            if (!cli_parse_output(argv[++i], &json)) return cli_usage_error("migrate", "--output must be text or json");
        } else return cli_usage_error("migrate", "unexpected argument '%s'", a);
    }
    if (!fixture == !zk.connect) return cli_usage_error("migrate", "give exactly one of --zookeeper and --fixture");
    if (!controllers) return cli_usage_error("migrate", "--controllers is required");
    if (!out) return cli_usage_error("migrate", "--out is required");
    if (secret && command_config)
        return cli_usage_error("migrate", "give --password-encoder-secret or --command-config, not both");
    if (fixture && o.write_topic_ids) return cli_usage_error("migrate", "--write-topic-ids needs --zookeeper");

    mg_controller ctl[MG_MAX_CONTROLLERS];
    kr_error err = {0};
    if (mg_parse_controllers(controllers, ctl, MG_MAX_CONTROLLERS, &o.n_controllers, &err))
        return cli_usage_error("migrate", "--controllers: %s", err.message);
    o.controllers = ctl;
    o.out_dir = out;
    if (mv_text) {
        int16_t lv = kr_metadata_version_parse(mv_text);
        if (lv < KR_MV_3_4_IV0 || lv > KR_MV_3_9_IV0)
            return cli_usage_error("migrate", "--metadata-version '%s': expected 3.4-IV0 .. 3.9-IV0", mv_text);
        o.convert.metadata_version = lv;
    }
    kr_properties props = {0};
    if (command_config) {
        if (kr_properties_read(command_config, &props, &err)) return cli_error("migrate: %s", err.message);
        secret = kr_properties_get(&props, "password.encoder.secret");
    }
    o.convert.password_encoder.secret = secret;
    o.progress = cli_progress;

    mg_migrate_result r = {0};
    zr_model_init(&r.model);
    enum mg_migrate_outcome oc;
    if (fixture) {
        zr_tree t;
        zr_error zerr = {0};
        if (zr_fixture_read(fixture, &t, &zerr)) {
            kr_properties_free(&props);
            mg_migrate_result_free(&r);
            return cli_error("migrate: %s", zerr.message);
        }
        r.findings.lenient = o.lenient;
        zr_tree_to_model(&t, &r.model, &r.findings);
        zr_tree_free(&t);
        oc = mg_migrate_model(&o, &r, &err);
    } else {
        oc = mg_migrate(&o, &r, &err);
        cli_progress_done();
    }
    int status = cli_migrate_print(&o, &r, oc, &err, json);
    mg_migrate_result_free(&r);
    kr_properties_free(&props);
    return status;
}
