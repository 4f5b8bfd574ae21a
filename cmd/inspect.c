/* zk2kraft inspect: a summary of a Kafka cluster's ZooKeeper tree (or of a fixture file). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/zk_options.h"
#include "zkread/tree.h"

static const char USAGE[] =
    "Usage: zk2kraft inspect (--zookeeper Z | --fixture FILE) [--lenient] [--output text|json]\n\n"
    "Reads every znode a migration needs and prints cluster id, controller, zxid and counts of\n"
    "brokers, topics, partitions, configs, quotas, SCRAM users, ACLs, pending deletions and\n"
    "reassignments, then every finding (one line each: severity, znode, problem).\n\n"
    "Strict by default: where Kafka 3.9 silently substitutes (missing or unparsable partition\n"
    "state, unknown JSON versions, unparsable config/ACL/token znodes) it is an error;\n"
    "--lenient applies Kafka's behaviour and reports a warning instead.\n\n"
    "Options:\n" CLI_ZK_OPTIONS_HELP
    "  --fixture FILE                   read a fixture XML file instead of ZooKeeper\n"
    "  --lenient                        Kafka 3.9's substitutions become warnings\n"
    "  --output text|json               output format (default text)\n\n"
    "Exit status: 0 no errors, 1 error findings, 2 usage or runtime error.\n";

static const char *sev_name(enum zr_severity s) { return s == ZR_SEV_ERROR ? "error" : "warning"; }

static void print_text(const zr_model *m, const zr_counts *c, const zr_findings *f, const zr_read_stats *rs,
                       bool live) {
    printf("cluster id:         %s\n", m->cluster_id ? m->cluster_id : "(none)");
    if (m->has_controller)
        printf("controller:         %d%s\n", (int)m->controller_id,
               m->kraft_controller_epoch >= 0 ? " (KRaft controller)" : "");
    else
        printf("controller:         (none)\n");
    if (m->has_controller_epoch) printf("controller epoch:   %d\n", (int)m->controller_epoch);
    if (live) printf("zxid:               0x%llx%s\n", (unsigned long long)m->zxid, rs->start_zxid_exact ? "" : " (approximate)");
    printf("brokers:            %zu\n", c->brokers);
    printf("topics:             %zu\n", c->topics);
    printf("partitions:         %zu (%zu offline)\n", c->partitions, c->offline_partitions);
    printf("configs:            %zu\n", c->configs);
    printf("quotas:             %zu\n", c->quotas);
    printf("scram users:        %zu\n", c->scram_users);
    printf("acls:               %zu\n", c->acls);
    printf("pending deletions:  %zu\n", c->pending_deletions);
    printf("reassignments:      %zu\n", c->reassignments);
    printf("delegation tokens:  %zu\n", c->tokens);
    if (m->has_producer_id_block)
        printf("next producer id:   %lld\n", (long long)m->producer_id_block_end + 1);
    if (m->has_migration)
        printf("migration:          controller %d, metadata offset %lld\n", (int)m->migration_controller_id,
               (long long)m->migration_metadata_offset);
    if (live)
        printf("read:               %llu znodes in %.2f s with %d sessions\n", (unsigned long long)rs->znodes,
               rs->elapsed_s, rs->sessions);
    printf("findings:           %zu errors, %zu warnings\n", f->errors, f->warnings);
    for (size_t i = 0; i < f->n; i++)
        printf("%s %s: %s\n", sev_name(f->v[i].severity), f->v[i].path, f->v[i].message);
}

static void print_json(const zr_model *m, const zr_counts *c, const zr_findings *f, const zr_read_stats *rs,
                       bool live) {
    json_t *o = json_object();
    json_object_set_new(o, "cluster_id", m->cluster_id ? json_string(m->cluster_id) : json_null());
    json_object_set_new(o, "controller", m->has_controller ? json_integer(m->controller_id) : json_null());
    json_object_set_new(o, "controller_epoch",
                        m->has_controller_epoch ? json_integer(m->controller_epoch) : json_null());
    json_object_set_new(o, "zxid", live ? json_integer(m->zxid) : json_null());
    json_object_set_new(o, "zxid_exact", json_boolean(live && rs->start_zxid_exact));
    json_object_set_new(o, "brokers", json_integer((json_int_t)c->brokers));
    json_object_set_new(o, "topics", json_integer((json_int_t)c->topics));
    json_object_set_new(o, "partitions", json_integer((json_int_t)c->partitions));
    json_object_set_new(o, "offline_partitions", json_integer((json_int_t)c->offline_partitions));
    json_object_set_new(o, "configs", json_integer((json_int_t)c->configs));
    json_object_set_new(o, "quotas", json_integer((json_int_t)c->quotas));
    json_object_set_new(o, "scram_users", json_integer((json_int_t)c->scram_users));
    json_object_set_new(o, "acls", json_integer((json_int_t)c->acls));
    json_object_set_new(o, "pending_deletions", json_integer((json_int_t)c->pending_deletions));
    json_object_set_new(o, "reassignments", json_integer((json_int_t)c->reassignments));
    json_object_set_new(o, "delegation_tokens", json_integer((json_int_t)c->tokens));
    json_object_set_new(o, "errors", json_integer((json_int_t)f->errors));
    json_object_set_new(o, "warnings", json_integer((json_int_t)f->warnings));
    json_t *fs = json_array();
    for (size_t i = 0; i < f->n; i++)
        json_array_append_new(fs, json_pack("{s:s,s:s,s:s}", "severity", sev_name(f->v[i].severity), "path",
                                            f->v[i].path, "message", f->v[i].message));
    json_object_set_new(o, "findings", fs);
    if (live)
        json_object_set_new(o, "read", json_pack("{s:I,s:f,s:i,s:i}", "znodes", (json_int_t)rs->znodes,
                                                 "seconds", rs->elapsed_s, "sessions", rs->sessions,
                                                 "window", rs->window));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) puts(s);
    free(s);
    json_decref(o);
}

int cmd_inspect(int argc, char **argv) {
    zr_connect_opts o = {0};
    const char *fixture = NULL, *output = "text";
    bool lenient = false;
    for (int i = 1; i < argc; i++) {
        int r = cli_zk_option("inspect", argc, argv, &i, &o);
        if (r < 0) return EXIT_ERROR;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--lenient")) {
            lenient = true;
        } else if (!strcmp(argv[i], "--fixture") && i + 1 < argc) {
            fixture = argv[++i];
        } else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
            output = argv[++i];
            if (strcmp(output, "text") && strcmp(output, "json"))
                return cli_usage_error("inspect", "--output must be text or json");
        } else {
            return cli_usage_error("inspect", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!fixture == !o.connect) return cli_usage_error("inspect", "give exactly one of --zookeeper and --fixture");
    zr_model m;
    zr_findings f = {.lenient = lenient};
    zr_read_stats rs = {0};
    zr_error err = {0};
    zr_model_init(&m);
    if (fixture) {
        zr_tree t;
        if (zr_fixture_read(fixture, &t, &err)) return cli_error("inspect: %s", err.message);
        zr_tree_to_model(&t, &m, &f);
        zr_tree_free(&t);
    } else {
        int rc = zr_read_model(&o, &m, &f, cli_progress, NULL, &rs, &err);
        cli_progress_done();
        if (rc) return cli_error("inspect: %s", err.message);
    }
    zr_findings_sort(&f);
    zr_counts c;
    zr_model_counts(&m, &c);
    if (!strcmp(output, "json")) print_json(&m, &c, &f, &rs, !fixture);
    else print_text(&m, &c, &f, &rs, !fixture);
    int status = f.errors ? EXIT_FINDINGS : EXIT_CLEAN;
    zr_model_free(&m);
    zr_findings_free(&f);
    zr_read_stats_free(&rs);
    return status;
}
