/* zk2kraft log image: fold metadata files into the image and print it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "kraft/image_json.h"
#include "kraft/metadata_files.h"

static const char usage[] =
    "Usage: zk2kraft log image PATH... [--output text|json] [--summary] [--show-secrets]\n"
    "\n"
    "Folds snapshots and log segments, in the order given, into the metadata image\n"
    "(features, brokers, controllers, topics and partitions, configs, client quotas,\n"
    "SCRAM credentials, ACLs, delegation tokens, producer ids, migration state) and\n"
    "prints it. A directory stands for its newest snapshot plus the log after it.\n"
    "Records inside a transaction count only once its EndTransactionRecord is read.\n"
    "\n"
    "  --output json   the image as one JSON document, collections sorted\n"
    "  --summary       counts only (text output)\n"
    "  --show-secrets  print SCRAM salts/keys and sensitive config values\n";

static void print_ids(json_t *a) {
    if (json_is_null(a)) {
        fputs("null", stdout);
        return;
    }
    putchar('[');
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) printf("%s%lld", i ? "," : "", (long long)json_integer_value(v));
    putchar(']');
}

static const char *s(json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "null";
}
static long long n(json_t *o, const char *key) { return (long long)json_integer_value(json_object_get(o, key)); }

static void print_text(json_t *img, const kr_load_stats *st, bool summary) {
    json_t *counts = json_object_get(img, "counts");
    printf("Metadata image from %lld file(s), %lld record(s)", (long long)st->files, (long long)st->records);
    if (st->has_snapshot)
        printf(", snapshot %lld-%d", (long long)st->snapshot.end_offset, st->snapshot.epoch);
    if (st->last_offset >= 0) printf(", last offset %lld", (long long)st->last_offset);
    printf("\n");
    if (st->transactions_discarded_records)
        printf("Discarded %lld record(s) of aborted or unfinished transactions\n",
               (long long)st->transactions_discarded_records);
    printf("metadata.version: %lld (%s)\n", n(img, "metadata_version"), s(img, "metadata_version_name"));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(img, "features"), k, v) printf("feature %s: %lld\n", k, (long long)json_integer_value(v));
    const char *mig = json_string_value(json_object_get(img, "zk_migration_state"));
    printf("ZooKeeper migration state: %s\n", mig ? mig : "(no ZkMigrationStateRecord)");
    printf("brokers: %lld  controllers: %lld  topics: %lld  partitions: %lld  configs: %lld  client quotas: %lld  "
           "SCRAM credentials: %lld  ACLs: %lld  delegation tokens: %lld\n",
           n(counts, "brokers"), n(counts, "controllers"), n(counts, "topics"), n(counts, "partitions"),
           n(counts, "configs"), n(counts, "client_quotas"), n(counts, "scram_credentials"), n(counts, "acls"),
           n(counts, "delegation_tokens"));
    json_t *pids = json_object_get(img, "producer_ids");
    printf("next producer id: %lld\n", n(pids, "next_producer_id"));
    if (summary) return;
    size_t i, j;
    json_t *b, *e;
    json_array_foreach(json_object_get(img, "brokers"), i, b) {
        printf("broker %lld epoch=%lld fenced=%s rack=%s", n(b, "id"), n(b, "epoch"),
               json_is_true(json_object_get(b, "fenced")) ? "true" : "false", s(b, "rack"));
        json_array_foreach(json_object_get(b, "endpoints"), j, e)
            printf(" %s://%s:%lld", s(e, "name"), s(e, "host"), n(e, "port"));
        printf("\n");
    }
    json_array_foreach(json_object_get(img, "controllers"), i, b) {
        printf("controller %lld", n(b, "id"));
        json_array_foreach(json_object_get(b, "endpoints"), j, e)
            printf(" %s://%s:%lld", s(e, "name"), s(e, "host"), n(e, "port"));
        printf("\n");
    }
    json_t *t, *p;
    json_array_foreach(json_object_get(img, "topics"), i, t) {
        json_t *parts = json_object_get(t, "partitions");
        printf("topic %s id=%s partitions=%zu\n", s(t, "name"), s(t, "id"), json_array_size(parts));
        json_array_foreach(parts, j, p) {
            printf("  partition %lld leader=%lld leader_epoch=%lld partition_epoch=%lld replicas=", n(p, "partition"),
                   n(p, "leader"), n(p, "leader_epoch"), n(p, "partition_epoch"));
            print_ids(json_object_get(p, "replicas"));
            printf(" isr=");
            print_ids(json_object_get(p, "isr"));
            if (json_array_size(json_object_get(p, "adding_replicas")) ||
                json_array_size(json_object_get(p, "removing_replicas"))) {
                printf(" adding=");
                print_ids(json_object_get(p, "adding_replicas"));
                printf(" removing=");
                print_ids(json_object_get(p, "removing_replicas"));
            }
            if (n(p, "leader_recovery_state")) printf(" leader_recovery_state=%lld", n(p, "leader_recovery_state"));
            printf("\n");
        }
    }
    json_array_foreach(json_object_get(img, "configs"), i, e)
        printf("config %s '%s' %s=%s\n", s(e, "resource_type"), s(e, "resource_name"), s(e, "name"), s(e, "value"));
    json_array_foreach(json_object_get(img, "client_quotas"), i, e) {
        printf("quota");
        json_object_foreach(json_object_get(e, "entity"), k, v)
            printf(" %s=%s", k, json_is_null(v) ? "<default>" : json_string_value(v));
        printf(" %s=%g\n", s(e, "key"), json_real_value(json_object_get(e, "value")));
    }
    json_array_foreach(json_object_get(img, "scram_credentials"), i, e)
        printf("scram %s %s iterations=%lld salt=%s stored_key=%s server_key=%s\n", s(e, "user"), s(e, "mechanism"),
               n(e, "iterations"), s(e, "salt"), s(e, "stored_key"), s(e, "server_key"));
    json_array_foreach(json_object_get(img, "acls"), i, e)
        printf("acl resource_type=%lld name=%s pattern=%lld principal=%s host=%s operation=%lld permission=%lld\n",
               n(e, "resource_type"), s(e, "resource_name"), n(e, "pattern_type"), s(e, "principal"), s(e, "host"),
               n(e, "operation"), n(e, "permission_type"));
    json_array_foreach(json_object_get(img, "delegation_tokens"), i, e)
        printf("delegation token %s owner=%s expires=%lld\n", s(e, "token_id"), s(e, "owner"),
               n(e, "expiration_timestamp_ms"));
}

int cmd_log_image(int argc, char **argv) {
    bool json = false, summary = false;
    int flags = KR_JSON_MASK_SECRETS;
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"summary", no_argument, NULL, 'S'},
        {"show-secrets", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!cli_parse_output(optarg, &json))
                return cli_usage_error("log image", "--output takes text or json, not '%s'", optarg);
            break;
        case 'S': summary = true; break;
        case 's': flags &= ~KR_JSON_MASK_SECRETS; break;
        case 'h': fputs(usage, stdout); return EXIT_CLEAN;
        default: return cli_usage_error("log image", "unknown option");
        }
    }
    if (optind >= argc) return cli_usage_error("log image", "no PATH given");
    kr_image img;
    kr_image_init(&img);
    kr_load_stats st;
    kr_error err = {0};
    if (kr_image_load_paths(&img, argv + optind, argc - optind, &st, &err) != KR_OK) {
        kr_image_free(&img);
        return cli_error("%s", err.message);
    }
    json_t *j = kr_image_to_json(&img, flags);
    kr_image_free(&img);
    if (json) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        print_text(j, &st, summary);
    }
    json_decref(j);
    return EXIT_CLEAN;
}
