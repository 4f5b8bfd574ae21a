/* zk2kraft verify: in migration mode, do ZooKeeper (kept by dual-write) and KRaft agree?
 * Reads both sides; writes nothing but --junit. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "cmd/kraft_source.h"
#include "cmd/zk_options.h"
#include "migrate/verify.h"

static const char USAGE[] =
    "Usage: zk2kraft verify --zookeeper Z (--metadata-dir DIR | --bootstrap-controller HOST:PORT |\n"
    "                       --bootstrap-server HOST:PORT) [--password-encoder-secret S | --command-config F]\n"
    "                       [--output text|json] [--junit FILE] [--timeout-ms N]\n"
    "                       [--watch SECONDS [--until-in-sync] [--timeout SECONDS]]\n\n"
    "In migration mode KRaft is the source of truth and every change is mirrored into\n"
    "ZooKeeper. verify converts ZooKeeper's tree as a dual-write migration would and compares\n"
    "it with the KRaft side, entity by entity. Ignored because dual-write cannot keep them\n"
    "equal: partition epochs (ZooKeeper znode versions), directories, ZkMigrationState,\n"
    "metadata.version. Producer ids are in sync when ZooKeeper's block is the migrated one\n"
    "(block_end + 1 == next) or the one dual-write wrote (block_start == next).\n"
    "Lag = the KRaft side's last committed offset - /migration's kraft_metadata_offset.\n\n"
    "The KRaft side (exactly one):\n"
    "  --metadata-dir DIR               a controller's metadata log dir (newest snapshot + log)\n"
    "  --bootstrap-controller HOST:PORT a controller listener: the committed log is read from\n"
    "                                   the leader as a Raft observer (DescribeQuorum, FetchSnapshot,\n"
    "                                   Fetch up to the high watermark)\n"
    "  --bootstrap-server HOST:PORT     a Kafka client listener, through librdkafka: topics,\n"
    "                                   partitions, dynamic configs, ACLs. Client quotas, SCRAM,\n"
    "                                   delegation tokens and producer ids are not visible there\n"
    "                                   and not compared; neither are topic ids and leader epochs.\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --password-encoder-secret S      the brokers' password.encoder.secret\n"
    "  --command-config F               properties file holding password.encoder.secret\n"
    "  --output text|json               output format (default text)\n"
    "  --junit FILE                     also write a JUnit XML report (one testcase per entity type)\n"
    "  --timeout-ms N                   bound on each network step (default 5000)\n"
    "  --watch SECONDS                  repeat every SECONDS, one line per round; prints\n"
    "                                   \"converged after X ms\" when drift turns into sync\n"
    "  --until-in-sync                  with --watch: stop at the first round in sync (exit 0)\n"
    "  --timeout SECONDS                with --watch: stop after this long (exit status of the\n"
    "                                   last round); otherwise watch runs until SIGINT/SIGTERM\n\n"
    "Exit status: 0 in sync, 1 drift, 2 usage or runtime error (unreachable side, bad flags).\n";

typedef struct verify_args {
    zr_connect_opts zk;
    cli_kraft_source kraft;
    const char *secret, *command_config, *junit;
    bool json, until_in_sync;
    double watch_s, timeout_s;
} verify_args;

static bool parse_seconds(const char *text, double *out) {
    char *end;
    double v = strtod(text, &end);
    if (*end || !(v > 0) || v > 86400.0 * 365) return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, verify_args *a) {
    a->kraft.timeout_ms = 5000;
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("verify", argc, argv, &i, &a->zk);
        if (r == 0) r = cli_kraft_option("verify", argc, argv, &i, &a->kraft, true);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        const char *opt = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            fputs(USAGE, stdout);
            return -1;
        } else if (!strcmp(opt, "--until-in-sync")) a->until_in_sync = true;
        else if (!strcmp(opt, "--password-encoder-secret") && has_val) a->secret = argv[++i];
        else if (!strcmp(opt, "--command-config") && has_val) a->command_config = argv[++i];
        else if (!strcmp(opt, "--junit") && has_val) a->junit = argv[++i];
        else if (!strcmp(opt, "--watch") && has_val) {
            if (!parse_seconds(argv[++i], &a->watch_s)) return cli_usage_error("verify", "--watch must be a positive number of seconds, not '%s'", argv[i]);
        } else if (!strcmp(opt, "--timeout") && has_val) {
            if (!parse_seconds(argv[++i], &a->timeout_s)) return cli_usage_error("verify", "--timeout must be a positive number of seconds, not '%s'", argv[i]);
        } else if (!strcmp(opt, "--timeout-ms") && has_val) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 3600000) return cli_usage_error("verify", "--timeout-ms must be 1-3600000, not '%s'", argv[i]);
            a->kraft.timeout_ms = (uint32_t)t;
        } else if (!strcmp(opt, "--output") && has_val) {
            if (!cli_parse_output(argv[++i], &a->json)) return cli_usage_error("verify", "--output must be text or json");
        } else return cli_usage_error("verify", "unexpected argument '%s'", opt);
    }
    if (!a->zk.connect) return cli_usage_error("verify", "--zookeeper is required");
    if (a->kraft.kind == CLI_KRAFT_NONE)
        return cli_usage_error("verify", "give one of --metadata-dir, --bootstrap-controller, --bootstrap-server");
    if (a->secret && a->command_config)
        return cli_usage_error("verify", "give at most one of --password-encoder-secret and --command-config");
    if ((a->until_in_sync || a->timeout_s > 0) && a->watch_s <= 0)
        return cli_usage_error("verify", "--until-in-sync and --timeout need --watch");
    return 0;
}

/* ---- one round ------------------------------------------------------------------- */

typedef struct round {
    int status;          /* EXIT_* */
    char error[600];     /* EXIT_ERROR: why */
    mg_verify_result r;
    zr_model m;
    zr_findings f;
    json_t *kraft_info;
    bool have_result;
} round;

static void round_free(round *rd) {
    if (rd->have_result) mg_verify_result_free(&rd->r);
    zr_model_free(&rd->m);
    zr_findings_free(&rd->f);
    json_decref(rd->kraft_info);
    memset(rd, 0, sizeof *rd);
}

static void options_for(const verify_args *a, const char *secret, mg_verify_options *o) {
    memset(o, 0, sizeof *o);
    o->password_encoder.secret = secret;
    o->kraft_committed_offset = -1;
    if (a->kraft.kind == CLI_KRAFT_SERVER) {
        o->ignore = MG_DIFF_IGNORE_LEADER_EPOCH | MG_DIFF_IGNORE_TOPIC_IDS;
        o->exclude[MG_DIFF_QUOTAS] = o->exclude[MG_DIFF_SCRAM] = o->exclude[MG_DIFF_TOKENS] = true;
        o->exclude[MG_DIFF_PRODUCER_IDS] = true;
        o->client_view = true;
    }
}

/* KRaft first: dual-write writes KRaft, then ZooKeeper, so a caught-up ZooKeeper read after
 * the KRaft read is at least as new. */
static void run_round(const verify_args *a, const mg_verify_options *base, bool print_warnings, round *rd) {
    memset(rd, 0, sizeof *rd);
    zr_model_init(&rd->m);
    rd->f.lenient = true; /* a tampered znode is a difference, not an abort */
    rd->status = EXIT_ERROR;
    kr_image img;
    kr_image_init(&img);
    kr_error err = {0};
    int64_t committed = -1;
    if (cli_kraft_read(&a->kraft, &img, &committed, &rd->kraft_info, &err)) {
        snprintf(rd->error, sizeof rd->error, "%s %s: %s", cli_kraft_kind_flag(a->kraft.kind), a->kraft.where,
                 err.message);
        kr_image_free(&img);
        return;
    }
    zr_error zerr = {0};
    zr_read_stats rs = {0};
    bool progress = a->watch_s <= 0; /* on a terminal only (cli_progress decides) */
    int zrc = zr_read_model(&a->zk, &rd->m, &rd->f, progress ? cli_progress : NULL, NULL, &rs, &zerr);
    if (progress) cli_progress_done();
    zr_read_stats_free(&rs);
    if (zrc) {
        snprintf(rd->error, sizeof rd->error, "--zookeeper %s: %s", a->zk.connect, zerr.message);
        kr_image_free(&img);
        return;
    }
    if (print_warnings)
        for (size_t i = 0; i < rd->f.n; i++)
            fprintf(stderr, "zk2kraft verify: warning: %s: %s\n", rd->f.v[i].path, rd->f.v[i].message);
    mg_verify_options o = *base;
    o.kraft_committed_offset = committed;
    if (mg_verify(&rd->m, &img, &o, &rd->r, &err)) {
        snprintf(rd->error, sizeof rd->error, "%s", err.message);
        kr_image_free(&img);
        return;
    }
    rd->have_result = true;
    rd->status = mg_verify_in_sync(&rd->r) ? EXIT_CLEAN : EXIT_FINDINGS;
    kr_image_free(&img);
}

static void lag_text(const round *rd, char *out, size_t n) {
    if (rd->r.lag_known) snprintf(out, n, "%lld offsets", (long long)rd->r.lag_offsets);
    else if (!rd->m.has_migration) snprintf(out, n, "unknown (no /migration znode)");
    else if (rd->m.migration_metadata_offset < 0) snprintf(out, n, "unknown (/migration holds no offset yet)");
    else snprintf(out, n, "unknown (no committed offset from %s)", "a Kafka client's view");
}

static void print_excluded(const mg_verify_options *o, FILE *f) {
    bool any = false;
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++)
        if (o->exclude[e]) {
            fprintf(f, "%s%s", any ? ", " : "not compared (not visible through librdkafka 2.0.2): ",
                    mg_diff_entity_name(e));
            any = true;
        }
    if (!any) return;
    fputc('\n', f);
    if (o->client_view)
        fputs("also not compared through a client: topic ids, leader epochs, sensitive config values, configs of\n"
              "brokers Metadata does not list, ACLs on transactional ids, delegation tokens and users\n", f);
}

static int print_full(const verify_args *a, const mg_verify_options *o, round *rd) {
    if (a->json) {
        json_t *j = mg_verify_to_json(&rd->r, &rd->m, o, json_incref(rd->kraft_info));
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(j);
    } else {
        size_t n = mg_verify_difference_count(&rd->r);
        if (rd->status == EXIT_CLEAN) puts("in sync");
        else printf("drift: %zu difference%s\n", n, n == 1 ? "" : "s");
        char lag[128];
        lag_text(rd, lag, sizeof lag);
        printf("lag: %s\n", lag);
        print_excluded(o, stdout);
        char *t = mg_verify_differences_text(&rd->r);
        if (t) fputs(t, stdout);
        free(t);
    }
    if (!a->junit) return rd->status;
    mg_report rep;
    mg_report_init(&rep, "verify");
    mg_verify_to_report(&rd->r, o, &rep);
    mg_report_sort(&rep);
    kr_error err = {0};
    const mg_report *rs[1] = {&rep};
    int rc = mg_report_write_junit(rs, 1, a->junit, false, &err);
    mg_report_free(&rep);
    return rc ? cli_error("verify: --junit %s: %s", a->junit, err.message) : rd->status;
}

/* ---- watch ------------------------------------------------------------------------ */

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_round_line(const verify_args *a, const round *rd) {
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (a->json) {
        json_t *j = json_pack("{s:s,s:o,s:o,s:o}", "time", when, "in_sync", json_boolean(rd->status == EXIT_CLEAN),
                              "differences", rd->have_result ? json_integer((json_int_t)mg_verify_difference_count(&rd->r)) : json_null(),
                              "lag_offsets", rd->have_result && rd->r.lag_known ? json_integer(rd->r.lag_offsets) : json_null());
        if (rd->status == EXIT_ERROR) json_object_set_new(j, "error", json_string(rd->error));
        char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(j);
    } else if (rd->status == EXIT_ERROR) {
        printf("%s error: %s\n", when, rd->error);
    } else {
        char lag[128];
        lag_text(rd, lag, sizeof lag);
        if (rd->status == EXIT_CLEAN) printf("%s in sync, lag %s\n", when, lag);
        else {
            size_t n = mg_verify_difference_count(&rd->r);
            printf("%s drift: %zu difference%s, lag %s\n", when, n, n == 1 ? "" : "s", lag);
        }
    }
    fflush(stdout);
}

static int watch(const verify_args *a, const mg_verify_options *o) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    double start = now_s(), drift_since = -1;
    int last = EXIT_ERROR;
    for (unsigned long n = 0; !stop_requested; n++) {
        double round_start = now_s();
        round rd;
        run_round(a, o, n == 0, &rd);
        last = rd.status;
        print_round_line(a, &rd);
        if (rd.status == EXIT_FINDINGS && drift_since < 0) drift_since = round_start;
        if (rd.status == EXIT_CLEAN && drift_since >= 0) {
            char lag[128];
            lag_text(&rd, lag, sizeof lag);
            printf("converged after %.0f ms (lag %s)\n", (now_s() - drift_since) * 1000.0,
                   rd.r.lag_known ? lag : "unknown");
            fflush(stdout);
            drift_since = -1;
        }
        bool done = a->until_in_sync && rd.status == EXIT_CLEAN;
        if (done && a->junit) last = print_full(a, o, &rd) == EXIT_ERROR ? EXIT_ERROR : last;
        round_free(&rd);
        if (done) break;
        double deadline = round_start + a->watch_s;
        if (a->timeout_s > 0 && deadline > start + a->timeout_s) deadline = start + a->timeout_s;
        if (a->timeout_s > 0 && now_s() >= start + a->timeout_s) break;
        while (!stop_requested && now_s() < deadline) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (a->timeout_s > 0 && now_s() >= start + a->timeout_s) break;
    }
    return last;
}

int cmd_verify(int argc, char **argv) {
    verify_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? EXIT_CLEAN : rc;
    char *secret = NULL;
    if (cli_password_secret("verify", a.secret, a.command_config, &secret)) return EXIT_ERROR;
    mg_verify_options o;
    options_for(&a, secret, &o);
    int status;
    if (a.watch_s > 0) {
        status = watch(&a, &o);
    } else {
        round rd;
        run_round(&a, &o, true, &rd);
        status = rd.status == EXIT_ERROR ? cli_error("verify: %s", rd.error) : print_full(&a, &o, &rd);
        round_free(&rd);
    }
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    return status;
}
