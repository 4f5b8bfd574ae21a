/* zk2kraft log dump: every batch and record of metadata log segments and
 * snapshots, like kafka-dump-log --cluster-metadata-decoder. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "kraft/metadata_files.h"
#include "kraft/record_json.h"

static const char usage[] =
    "Usage: zk2kraft log dump PATH... [--output text|json] [--show-secrets]\n"
    "\n"
    "Prints every batch and record of KRaft metadata files: log segments (*.log),\n"
    "snapshots (*.checkpoint), bootstrap.checkpoint, or every such file in a\n"
    "metadata log directory.\n"
    "\n"
    "  --output text   kafka-dump-log style (default)\n"
    "  --output json   one JSON object per line: a \"file\" line per file, a \"batch\"\n"
    "                  line per batch (base_offset, last_offset, epoch, crc, crc_ok,\n"
    "                  control, ...), a \"record\" line per record with offset, type\n"
    "                  (e.g. TopicRecord, SnapshotHeader), version and the record's\n"
    "                  fields under their Kafka schema names\n"
    "  --show-secrets  print SCRAM salts/keys and sensitive config values\n"
    "                  (masked as ****** by default)\n"
    "\n"
    "A corrupt or truncated file stops the dump with one line naming the file, the\n"
    "byte offset and the problem (exit status 2).\n";

typedef struct dump_opts {
    bool json;
    int flags;
} dump_opts;

static void print_json_line(json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) puts(s);
    free(s);
    json_decref(o);
}

static void print_batch(const dump_opts *o, const char *path, const kr_batch *b) {
    const kr_batch_header *h = &b->h;
    if (o->json) {
        json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:I,s:I,s:I,s:b,s:b,s:b,s:s}", "kind", "batch", "file",
                              path, "base_offset", (json_int_t)h->base_offset, "last_offset",
                              (json_int_t)kr_batch_last_offset(h), "count", h->record_count, "epoch",
                              h->leader_epoch, "position", (json_int_t)b->file_pos, "size",
                              (json_int_t)b->size, "crc", (json_int_t)h->crc, "crc_ok", 1, "control",
                              kr_batch_is_control(h), "transactional", (h->attributes & 0x10) != 0,
                              "compression", "none");
        json_object_set_new(j, "timestamp", json_integer(h->max_timestamp));
        print_json_line(j);
        return;
    }
    printf("baseOffset: %lld lastOffset: %lld count: %d baseSequence: %d lastSequence: %d producerId: %lld "
           "producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %s isControl: %s "
           "deleteHorizonMs: OptionalLong.empty position: %llu CreateTime: %lld size: %zu magic: %d "
           "compresscodec: none crc: %u isvalid: true\n",
           (long long)h->base_offset, (long long)kr_batch_last_offset(h), h->record_count, h->base_sequence,
           h->base_sequence, (long long)h->producer_id, h->producer_epoch, h->leader_epoch,
           (h->attributes & 0x10) ? "true" : "false", kr_batch_is_control(h) ? "true" : "false",
           (unsigned long long)b->file_pos, (long long)h->max_timestamp, b->size, h->magic, h->crc);
}

static void print_record(const dump_opts *o, const kr_batch *b, const kr_record *rec, kr_record_desc *d) {
    if (o->json) {
        json_t *j = json_pack("{s:s,s:I,s:s,s:i,s:b}", "kind", "record", "offset", (json_int_t)rec->offset,
                              "type", d->type, "version", d->version, "control", d->control);
        if (!d->control) json_object_set_new(j, "api_key", json_integer(d->api_key));
        json_object_update(j, d->fields); /* the record's fields, schema names */
        print_json_line(j);
        return;
    }
    char *fields = json_dumps(d->fields, JSON_COMPACT);
    printf("| offset: %lld CreateTime: %lld keySize: %d valueSize: %d sequence: -1 headerKeys: [] ",
           (long long)rec->offset, (long long)(b->h.base_timestamp + rec->timestamp_delta), rec->key.len,
           rec->value.len);
    if (d->control && d->api_key == KR_CONTROL_LEADER_CHANGE)
        printf("controlType: LEADER_CHANGE(2) LeaderChange %s\n", fields);
    else if (d->control)
        printf("%s %s\n", d->type, fields);
    else
        printf("payload: {\"type\":\"%s\",\"version\":%d,\"data\":%s}\n", d->enum_name, d->version, fields);
    free(fields);
}

/* Describes every record of a batch; on a bad record prints the error. */
static int dump_records(const dump_opts *o, const kr_batch *b, kr_arena *arena) {
    kr_record_iter it;
    kr_record_iter_init(&it, b);
    kr_record rec;
    kr_error err = {0};
    int rc;
    while ((rc = kr_record_next(&it, &rec, &err)) == 1) {
        kr_arena_reset(arena);
        kr_record_desc d;
        int flags = o->flags | (o->json ? 0 : KR_JSON_LOWER_CAMEL);
        if (kr_record_describe(b, &rec, flags, arena, &d, &err) != KR_OK) {
            fflush(stdout);
            return cli_error("%s", err.message);
        }
        print_record(o, b, &rec, &d);
        json_decref(d.fields);
    }
    if (rc < 0) {
        fflush(stdout);
        return cli_error("%s", err.message);
    }
    return EXIT_CLEAN;
}

static int dump_file(const dump_opts *o, const char *path) {
    enum kr_metadata_file_kind kind = kr_metadata_file_kind(path);
    kr_error err = {0};
    kr_arena arena = {0};
    int rc = EXIT_CLEAN;
    kr_batch b;
    enum kr_scan_status st = KR_SCAN_BATCH;
    if (kind == KR_FILE_SNAPSHOT || kind == KR_FILE_BOOTSTRAP) {
        kr_snapshot_reader r;
        if (kr_snapshot_reader_open(&r, path, &err) != KR_OK) return cli_error("%s", err.message);
        if (o->json) {
            json_t *j = json_pack("{s:s,s:s,s:s}", "kind", "file", "file", path, "format",
                                  r.has_id ? "snapshot" : "bootstrap");
            if (r.has_id) {
                json_object_set_new(j, "snapshot_end_offset", json_integer(r.id.end_offset));
                json_object_set_new(j, "snapshot_epoch", json_integer(r.id.epoch));
            }
            print_json_line(j);
        } else {
            printf("Dumping %s\n", path);
            if (r.has_id)
                printf("Snapshot end offset: %lld, epoch: %d\n", (long long)r.id.end_offset, r.id.epoch);
            else
                printf("KRaft bootstrap snapshot\n");
        }
        /* The reader validates; a raw scan in step prints the header and footer
         * batches, which the reader consumes itself. */
        kr_batch_scanner s;
        kr_batch_scanner_init(&s, r.view.data, r.view.len, 0, path);
        kr_batch raw;
        bool first = true;
        while (rc == EXIT_CLEAN && kr_batch_next(&s, &raw, &err) == KR_SCAN_BATCH) {
            if (first) {
                first = false;
            } else {
                st = kr_snapshot_reader_next(&r, &b, &err);
                if (st != KR_SCAN_BATCH && st != KR_SCAN_END) {
                    fflush(stdout);
                    rc = cli_error("%s", err.message);
                    break;
                }
            }
            print_batch(o, path, &raw);
            rc = dump_records(o, &raw, &arena);
            if (!first && st == KR_SCAN_END) break;
        }
        if (rc == EXIT_CLEAN && !first && st != KR_SCAN_END) {
            if (kr_snapshot_reader_next(&r, &b, &err) != KR_SCAN_END) {
                fflush(stdout);
                rc = cli_error("%s", err.message);
            }
        }
        kr_snapshot_reader_close(&r);
    } else if (kind == KR_FILE_SEGMENT) {
        kr_file_view v;
        if (kr_file_map(path, &v, &err) != KR_OK) return cli_error("%s", err.message);
        if (o->json)
            print_json_line(json_pack("{s:s,s:s,s:s}", "kind", "file", "file", path, "format", "segment"));
        else
            printf("Dumping %s\n", path);
        kr_batch_scanner s;
        kr_batch_scanner_init(&s, v.data, v.len, 0, path);
        while (rc == EXIT_CLEAN && (st = kr_batch_next(&s, &b, &err)) == KR_SCAN_BATCH) {
            print_batch(o, path, &b);
            rc = dump_records(o, &b, &arena);
        }
        if (rc == EXIT_CLEAN && st != KR_SCAN_END) {
            fflush(stdout);
            rc = cli_error("%s", err.message);
        }
        kr_file_view_release(&v);
    } else {
        rc = cli_error("%s: not a metadata file (expected a .log segment or a .checkpoint snapshot)", path);
    }
    kr_arena_free(&arena);
    return rc;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its snapshots and segments (or those of __cluster_metadata-0), by name. */
static int dump_directory(const dump_opts *o, const char *dir_in) {
    char dir[4096], sub[4200];
    snprintf(dir, sizeof dir, "%s", dir_in);
    snprintf(sub, sizeof sub, "%s/__cluster_metadata-0", dir_in);
    if (kr_metadata_file_kind(sub) == KR_FILE_DIRECTORY) snprintf(dir, sizeof dir, "%s", sub);
    DIR *d = opendir(dir);
    if (!d) return cli_error("%s: cannot open directory", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        bool wanted = (len > 4 && !strcmp(e->d_name + len - 4, ".log")) ||
                      (len > 11 && !strcmp(e->d_name + len - 11, ".checkpoint"));
        if (!wanted) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof *names);
        }
        names[n] = malloc(strlen(dir) + len + 2);
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    int rc = n ? EXIT_CLEAN : cli_error("%s: no .log or .checkpoint files", dir);
    for (size_t i = 0; i < n; i++) {
        if (rc == EXIT_CLEAN) rc = dump_file(o, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int cmd_log_dump(int argc, char **argv) {
    dump_opts o = {.json = false, .flags = KR_JSON_MASK_SECRETS};
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"show-secrets", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!cli_parse_output(optarg, &o.json)) return cli_usage_error("log dump", "--output takes text or json, not '%s'", optarg);
            break;
        case 's': o.flags &= ~KR_JSON_MASK_SECRETS; break;
        case 'h': fputs(usage, stdout); return EXIT_CLEAN;
        default: return cli_usage_error("log dump", "unknown option");
        }
    }
    if (optind >= argc) return cli_usage_error("log dump", "no PATH given");
    for (int i = optind; i < argc; i++) {
        int rc = kr_metadata_file_kind(argv[i]) == KR_FILE_DIRECTORY ? dump_directory(&o, argv[i])
                                                                        : dump_file(&o, argv[i]);
        if (rc != EXIT_CLEAN) return rc;
    }
    return EXIT_CLEAN;
}
