/* zk2kraft check: preflight of a ZooKeeper tree's content. Reads only; writes nothing but --junit. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/zk_options.h"
#include "kraft/metadata_version.h"
#include "kraft/properties.h"
#include "migrate/check.h"
#include "migrate/password.h"
#include "migrate/report.h"
#include "zkread/tree.h"

static const char USAGE[] =
    "Usage: zk2kraft check (--zookeeper Z | --fixture FILE) [--metadata-version V]\n"
    "                      [--password-encoder-secret S | --command-config F] [--lenient] [--online]\n"
    "                      [--broker-config server.properties]... [--jute-maxbuffer BYTES]\n"
    "                      [--output text|json] [--junit FILE]\n\n"
    "Preflight of ZooKeeper's content before a migration: every finding has a severity\n"
    "(BLOCKER, WARNING, INFO), a stable code (docs/check-codes.md), the znode and the fix.\n"
    "Never writes to ZooKeeper or disk (except the --junit file).\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --fixture FILE                   read a fixture XML file instead of ZooKeeper\n"
    "  --metadata-version V             target metadata.version (default 3.9-IV0)\n"
    "  --password-encoder-secret S      the brokers' password.encoder.secret\n"
    "  --command-config F               properties file holding password.encoder.secret\n"
    "  --broker-config F                a ZooKeeper-mode broker's server.properties (repeatable):\n"
    "                                   checks its inter.broker.protocol.version and log.dirs\n"
    "  --jute-maxbuffer BYTES           ZooKeeper packet limit (default 1048576)\n"
    "  --lenient                        Kafka 3.9's silent substitutions are warnings, not blockers\n"
    "  --online                         check for an online migration (Kafka's own, or migrate\n"
    "                                   --dual-write): ZooKeeper-mode brokers keep running, so\n"
    "                                   unregistered brokers and IBP mismatches block (default:\n"
    "                                   offline cut-over, where they are warnings)\n"
    "  --output text|json               output format (default text)\n"
    "  --junit FILE                     also write a JUnit XML report (one testcase per check)\n\n"
    "Exit status: 0 no blockers, 1 at least one BLOCKER, 2 usage or runtime error.\n";

typedef struct check_args {
    zr_connect_opts zk;
    const char *fixture, *mv, *secret, *command_config, *junit;
    const char *brokers[64];
    size_t n_brokers;
    size_t jute_maxbuffer;
    bool lenient, json, online;
} check_args;

static int parse(int argc, char **argv, check_args *a) {
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("check", argc, argv, &i, &a->zk);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        const char *opt = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            fputs(USAGE, stdout);
            return -1;
        } else if (!strcmp(opt, "--lenient")) {
            a->lenient = true;
        } else if (!strcmp(opt, "--online")) {
            a->online = true;
        } else if (!strcmp(opt, "--fixture") && has_val) {
            a->fixture = argv[++i];
        } else if (!strcmp(opt, "--metadata-version") && has_val) {
            a->mv = argv[++i];
        } else if (!strcmp(opt, "--password-encoder-secret") && has_val) {
            a->secret = argv[++i];
        } else if (!strcmp(opt, "--command-config") && has_val) {
            a->command_config = argv[++i];
        } else if (!strcmp(opt, "--junit") && has_val) {
            a->junit = argv[++i];
        } else if (!strcmp(opt, "--broker-config") && has_val) {
            if (a->n_brokers == sizeof a->brokers / sizeof *a->brokers)
                return cli_usage_error("check", "at most 64 --broker-config files");
            a->brokers[a->n_brokers++] = argv[++i];
        } else if (!strcmp(opt, "--jute-maxbuffer") && has_val) {
            char *end;
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 1024) return cli_usage_error("check", "--jute-maxbuffer must be an integer >= 1024");
            a->jute_maxbuffer = (size_t)v;
        } else if (!strcmp(opt, "--output") && has_val) {
            if (!cli_parse_output(argv[++i], &a->json)) return cli_usage_error("check", "--output must be text or json");
        } else {
            return cli_usage_error("check", "unexpected argument '%s'", opt);
        }
    }
    if (!a->fixture == !a->zk.connect) return cli_usage_error("check", "give exactly one of --zookeeper and --fixture");
    if (a->secret && a->command_config)
        return cli_usage_error("check", "give at most one of --password-encoder-secret and --command-config");
    return 0;
}

/* Reads the model from ZooKeeper or a fixture; returns 0 or EXIT_ERROR (printed). */
int cli_read_model(const char *cmd, const zr_connect_opts *zk, const char *fixture, zr_model *m, zr_findings *f) {
    zr_error err = {0};
    if (fixture) {
        zr_tree t;
        if (zr_fixture_read(fixture, &t, &err)) return cli_error("%s: %s", cmd, err.message);
        zr_tree_to_model(&t, m, f);
        zr_tree_free(&t);
        return 0;
    }
    zr_read_stats rs = {0};
    int rc = zr_read_model(zk, m, f, cli_progress, NULL, &rs, &err);
    cli_progress_done();
    zr_read_stats_free(&rs);
    if (rc) return cli_error("%s: %s", cmd, err.message);
    return 0;
}

/* Target metadata.version from --metadata-version (NULL = 3.9-IV0); -1 printed as a usage error. */
int cli_metadata_version(const char *cmd, const char *text, int16_t *out) {
    if (!text) {
        *out = KR_MV_3_9_IV0;
        return 0;
    }
    int16_t v = kr_metadata_version_parse(text);
    if (v <= 0) return cli_usage_error(cmd, "unknown --metadata-version '%s' (e.g. 3.9-IV0)", text);
    *out = v;
    return 0;
}

/* The password encoder secret from --password-encoder-secret or --command-config. */
int cli_password_secret(const char *cmd, const char *secret, const char *command_config, char **out) {
    *out = NULL;
    if (secret) {
        *out = strdup(secret);
        return 0;
    }
    if (!command_config) return 0;
    kr_properties p = {0};
    kr_error err = {0};
    if (kr_properties_read(command_config, &p, &err)) return cli_error("%s: %s", cmd, err.message);
    const char *v = kr_properties_get(&p, "password.encoder.secret");
    if (v) *out = strdup(v);
    kr_properties_free(&p);
    return 0;
}

int cli_print_report(const mg_report *r, bool json, const char *junit) {
    if (json) {
        json_t *o = mg_report_to_json(r);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(o);
    } else {
        char *s = mg_report_to_text(r);
        if (s) fputs(s, stdout);
        free(s);
    }
    if (junit) {
        kr_error err = {0};
        const mg_report *rs[1] = {r};
        if (mg_report_write_junit(rs, 1, junit, false, &err)) return cli_error("%s", err.message);
    }
    return 0;
}

int cmd_check(int argc, char **argv) {
    check_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? EXIT_CLEAN : rc;
    mg_check_options o = {.packet_limit_bytes = a.jute_maxbuffer, .online = a.online};
    if (cli_metadata_version("check", a.mv, &o.metadata_version)) return EXIT_ERROR;
    char *secret = NULL;
    if (cli_password_secret("check", a.secret, a.command_config, &secret)) return EXIT_ERROR;
    o.password_encoder_secret = secret;
    o.decrypt = mg_password_decrypt;
    kr_properties props[64];
    const kr_properties *pp[64];
    int status = EXIT_ERROR;
    size_t loaded = 0;
    for (; loaded < a.n_brokers; loaded++) {
        kr_error err = {0};
        memset(&props[loaded], 0, sizeof props[loaded]);
        if (kr_properties_read(a.brokers[loaded], &props[loaded], &err)) {
            cli_error("check: %s", err.message);
            goto out;
        }
        pp[loaded] = &props[loaded];
    }
    o.broker_configs = pp;
    o.n_broker_configs = loaded;
    zr_model m;
    zr_findings f = {.lenient = a.lenient};
    zr_model_init(&m);
    if (cli_read_model("check", &a.zk, a.fixture, &m, &f) == 0) {
        zr_findings_sort(&f);
        mg_report r;
        mg_report_init(&r, "check");
        kr_error err = {0};
        if (mg_check(&m, &f, &o, &r, &err)) cli_error("check: %s", err.message);
        else if (cli_print_report(&r, a.json, a.junit) == 0)
            status = mg_report_has_blockers(&r) ? EXIT_FINDINGS : EXIT_CLEAN;
        mg_report_free(&r);
    }
    zr_model_free(&m);
    zr_findings_free(&f);
out:
    for (size_t i = 0; i < loaded; i++) kr_properties_free(&props[i]);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    return status;
}
