/* zk2kraft diff: what a migration would create, or a semantic diff against a KRaft metadata
 * directory. Reads only; writes nothing but --junit. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/zk_options.h"
#include "kraft/image_json.h"
#include "kraft/metadata_files.h"
#include "kraft/metadata_version.h"
#include "migrate/convert.h"
#include "migrate/diff.h"
#include "migrate/report.h"

static const char USAGE[] =
    "Usage: zk2kraft diff (--zookeeper Z | --fixture FILE) [--against DIR] [--metadata-version V]\n"
    "                     [--password-encoder-secret S | --command-config F] [--lenient]\n"
    "                     [--ignore FIELD,...] [--verbose] [--output text|json] [--junit FILE]\n\n"
    "Without --against: the dry run — what the migration would create, per entity type\n"
    "(every entity with --verbose). With --against a KRaft metadata directory (a `migrate`\n"
    "node dir, its __cluster_metadata-0, or any metadata log dir / snapshot): a semantic diff,\n"
    "entities matched by name (ACLs by content), only in ZooKeeper, only in KRaft, differing\n"
    "fields. Secrets are masked. Never writes to ZooKeeper or disk (except the --junit file).\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --fixture FILE                   read a fixture XML file instead of ZooKeeper\n"
    "  --against DIR                    compare with this KRaft metadata (dir or files)\n"
    "  --metadata-version V             target metadata.version (default: the --against\n"
    "                                   image's, else 3.9-IV0)\n"
    "  --password-encoder-secret S      the brokers' password.encoder.secret\n"
    "  --command-config F               properties file holding password.encoder.secret\n"
    "  --lenient                        apply Kafka 3.9's substitutions for malformed znodes\n"
    "  --ignore FIELD,...               leader, leader_epoch, partition_epoch, isr, directories,\n"
    "                                   migration_state, producer_ids, metadata_version, topic_ids\n"
    "  --verbose                        list every entity (without --against)\n"
    "  --output text|json               output format (default text)\n"
    "  --junit FILE                     also write a JUnit XML report (one testcase per entity type)\n\n"
    "Exit status: 0 same (or nothing refused), 1 different (or the conversion refuses the\n"
    "tree), 2 usage or runtime error.\n";

static const struct {
    const char *name;
    unsigned bit;
} IGNORES[] = {
    {"leader", MG_DIFF_IGNORE_LEADER},
    {"leader_epoch", MG_DIFF_IGNORE_LEADER_EPOCH},
    {"partition_epoch", MG_DIFF_IGNORE_PARTITION_EPOCH},
    {"isr", MG_DIFF_IGNORE_ISR},
    {"directories", MG_DIFF_IGNORE_DIRECTORIES},
    {"migration_state", MG_DIFF_IGNORE_MIGRATION_STATE},
    {"producer_ids", MG_DIFF_IGNORE_PRODUCER_IDS},
    {"metadata_version", MG_DIFF_IGNORE_METADATA_VERSION},
    {"topic_ids", MG_DIFF_IGNORE_TOPIC_IDS},
};

static bool parse_ignore(const char *text, unsigned *out) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool found = false;
        for (size_t i = 0; i < sizeof IGNORES / sizeof *IGNORES && !found; i++)
            if (!strcmp(tok, IGNORES[i].name)) *out |= IGNORES[i].bit, found = true;
        if (!found) return false;
    }
    return true;
}

typedef struct diff_args {
    zr_connect_opts zk;
    const char *fixture, *against, *mv, *secret, *command_config, *junit;
    unsigned ignore;
    bool lenient, json, verbose;
} diff_args;

static int parse(int argc, char **argv, diff_args *a) {
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("diff", argc, argv, &i, &a->zk);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        const char *opt = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            fputs(USAGE, stdout);
            return -1;
        } else if (!strcmp(opt, "--lenient")) a->lenient = true;
        else if (!strcmp(opt, "--verbose") || !strcmp(opt, "-v")) a->verbose = true;
        else if (!strcmp(opt, "--fixture") && has_val) a->fixture = argv[++i];
        else if (!strcmp(opt, "--against") && has_val) a->against = argv[++i];
        else if (!strcmp(opt, "--metadata-version") && has_val) a->mv = argv[++i];
        else if (!strcmp(opt, "--password-encoder-secret") && has_val) a->secret = argv[++i];
        else if (!strcmp(opt, "--command-config") && has_val) a->command_config = argv[++i];
        else if (!strcmp(opt, "--junit") && has_val) a->junit = argv[++i];
        else if (!strcmp(opt, "--ignore") && has_val) {
            if (!parse_ignore(argv[++i], &a->ignore)) return cli_usage_error("diff", "unknown field in --ignore '%s'", argv[i]);
        } else if (!strcmp(opt, "--output") && has_val) {
            if (!cli_parse_output(argv[++i], &a->json)) return cli_usage_error("diff", "--output must be text or json");
        } else return cli_usage_error("diff", "unexpected argument '%s'", opt);
    }
    if (!a->fixture == !a->zk.connect) return cli_usage_error("diff", "give exactly one of --zookeeper and --fixture");
    if (a->secret && a->command_config)
        return cli_usage_error("diff", "give at most one of --password-encoder-secret and --command-config");
    return 0;
}

static enum mg_severity note_severity(enum mg_note_severity s) {
    return s == MG_NOTE_BLOCKER ? MG_SEV_BLOCKER : s == MG_NOTE_WARNING ? MG_SEV_WARNING : MG_SEV_INFO;
}

static void print_plan(const kr_image *img, const mg_convert_report *rep, const mg_report *notes, bool verbose,
                       bool json) {
    kr_image empty;
    kr_image_init(&empty);
    mg_diff_result all = {0};
    mg_diff_options o = {.left_name = "(nothing)", .right_name = "migration"};
    kr_error err = {0};
    bool listed = verbose && mg_diff(&empty, img, &o, &all, &err) == 0;
    if (json) {
        json_t *out = json_object();
        json_object_set_new(out, "would_create", mg_image_summary_json(img));
        json_t *minted = json_array();
        for (size_t i = 0; i < rep->n_minted; i++) json_array_append_new(minted, json_string(rep->minted[i].topic));
        json_object_set_new(out, "minted_topic_ids", minted);
        json_t *skipped = json_array();
        for (size_t i = 0; i < rep->n_skipped; i++) json_array_append_new(skipped, json_string(rep->skipped_topics[i]));
        json_object_set_new(out, "skipped_topics", skipped);
        json_object_set_new(out, "records", json_integer(rep->records));
        json_object_set_new(out, "report", mg_report_to_json(notes));
        if (listed) {
            json_t *d = mg_diff_to_json(&all), *ents = json_array(), *diffs = json_object_get(d, "differences");
            for (size_t i = 0; i < json_array_size(diffs); i++) {
                json_t *e = json_array_get(diffs, i);
                json_array_append_new(ents, json_pack("{s:O,s:O}", "entity", json_object_get(e, "entity"), "key",
                                                      json_object_get(e, "key")));
            }
            json_object_set_new(out, "entities", ents);
            json_decref(d);
        }
        char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(out);
    } else {
        const char *mv = kr_metadata_version_name(img->metadata_version);
        printf("the migration would create (metadata.version %s, ZkMigrationState %s):\n", mv ? mv : "?",
               img->zk_migration_state >= 0 ? kr_zk_migration_state_name(img->zk_migration_state) : "(none)");
        printf("  %-20s %lld\n", "topics", (long long)img->topics.n);
        printf("  %-20s %lld\n", "partitions", (long long)img->partition_count);
        printf("  %-20s %lld\n", "configs", (long long)img->configs.n);
        printf("  %-20s %lld\n", "client quotas", (long long)img->quotas.n);
        printf("  %-20s %lld\n", "scram credentials", (long long)img->scram.n);
        printf("  %-20s %lld\n", "acls", (long long)img->acls.n);
        printf("  %-20s %lld\n", "delegation tokens", (long long)img->tokens.n);
        printf("  %-20s %lld\n", "features", (long long)img->features.n + (img->metadata_version != 0));
        if (img->next_producer_id >= 0) printf("  %-20s %lld\n", "next producer id", (long long)img->next_producer_id);
        printf("  %-20s %lld\n", "records", (long long)rep->records);
        for (size_t i = 0; i < rep->n_minted; i++) printf("minted topic id for %s\n", rep->minted[i].topic);
        for (size_t i = 0; i < rep->n_skipped; i++) printf("not migrated: topic %s\n", rep->skipped_topics[i]);
        for (size_t i = 0; listed && i < all.n; i++)
            printf("+ %s %s\n", mg_diff_entity_name(all.v[i].entity), all.v[i].key);
        if (notes->n) {
            char *t = mg_report_to_text(notes);
            if (t) fputs(t, stdout);
            free(t);
        }
    }
    mg_diff_result_free(&all);
    kr_image_free(&empty);
}

static int print_diff(const mg_diff_result *r, bool json, const char *junit) {
    if (json) {
        json_t *o = mg_diff_to_json(r);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(o);
    } else {
        char *s = mg_diff_to_text(r);
        if (s) fputs(s, stdout);
        free(s);
    }
    if (!junit) return 0;
    mg_report rep;
    mg_report_init(&rep, "diff");
    mg_diff_to_report(r, &rep, true);
    mg_report_sort(&rep);
    kr_error err = {0};
    const mg_report *rs[1] = {&rep};
    int rc = mg_report_write_junit(rs, 1, junit, false, &err);
    mg_report_free(&rep);
    return rc ? cli_error("diff: %s", err.message) : 0;
}

int cmd_diff(int argc, char **argv) {
    diff_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? EXIT_CLEAN : rc;
    int16_t mv = 0;
    if (a.mv && cli_metadata_version("diff", a.mv, &mv)) return EXIT_ERROR;
    kr_image kraft;
    kr_image_init(&kraft);
    kr_error err = {0};
    if (a.against) {
        char *paths[1] = {(char *)a.against};
        kr_load_stats st = {0};
        if (kr_image_load_paths(&kraft, paths, 1, &st, &err)) {
            kr_image_free(&kraft);
            return cli_error("diff: %s", err.message);
        }
        if (!mv && kraft.metadata_version >= KR_MV_3_4_IV0) mv = kraft.metadata_version;
    }
    if (!mv) mv = KR_MV_3_9_IV0;
    char *secret = NULL;
    if (cli_password_secret("diff", a.secret, a.command_config, &secret)) {
        kr_image_free(&kraft);
        return EXIT_ERROR;
    }
    int status = EXIT_ERROR;
    zr_model m;
    zr_findings f = {.lenient = a.lenient};
    zr_model_init(&m);
    kr_image zk;
    kr_image_init(&zk);
    mg_convert_report rep;
    mg_convert_report_init(&rep);
    mg_report notes;
    mg_report_init(&notes, "diff");
    if (cli_read_model("diff", &a.zk, a.fixture, &m, &f)) goto out;
    mg_convert_options co = {.metadata_version = mv, .password_encoder = {.secret = secret}};
    co.dual_write = a.against && kraft.zk_migration_state == MG_ZK_STATE_MIGRATION;
    int crc = mg_model_to_image(&m, &co, &zk, &rep, &err);
    for (size_t i = 0; i < rep.n_notes; i++)
        mg_report_add(&notes, note_severity(rep.notes[i].severity), "convert", rep.notes[i].path, NULL, "%s",
                      rep.notes[i].message);
    mg_report_sort(&notes);
    if (crc) {
        if (rep.blockers == 0) {
            cli_error("diff: %s", err.message);
            goto out;
        }
        /* refused: print why, exit 1 */
        if (cli_print_report(&notes, a.json, a.junit) == 0) status = EXIT_FINDINGS;
        goto out;
    }
    if (!a.against) {
        print_plan(&zk, &rep, &notes, a.verbose, a.json);
        status = EXIT_CLEAN;
        if (a.junit) {
            kr_error jerr = {0};
            const mg_report *rs[1] = {&notes};
            if (mg_report_write_junit(rs, 1, a.junit, false, &jerr)) {
                status = cli_error("diff: %s", jerr.message);
            }
        }
        goto out;
    }
    mg_diff_adopt_minted_ids(&zk, &kraft, &rep);
    mg_diff_options dopt = {.ignore = a.ignore, .left_name = "zookeeper", .right_name = "kraft"};
    mg_diff_result r;
    if (mg_diff(&zk, &kraft, &dopt, &r, &err)) {
        cli_error("diff: %s", err.message);
        goto out;
    }
    if (print_diff(&r, a.json, a.junit) == 0) status = mg_diff_same(&r) ? EXIT_CLEAN : EXIT_FINDINGS;
    mg_diff_result_free(&r);
out:
    mg_report_free(&notes);
    mg_convert_report_free(&rep);
    kr_image_free(&zk);
    kr_image_free(&kraft);
    zr_model_free(&m);
    zr_findings_free(&f);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    return status;
}
