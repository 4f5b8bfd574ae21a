/* The summary `migrate` prints: counts per record type, files, sizes, time per phase. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/migrate_common.h"
#include "kraft/image_json.h"
#include "kraft/metadata_version.h"

static const char *note_sev(enum mg_note_severity s) {
    return s == MG_NOTE_BLOCKER ? "BLOCKER" : s == MG_NOTE_WARNING ? "WARNING" : "INFO";
}

static int16_t level(const mg_migrate_options *o) {
    return o->convert.metadata_version ? o->convert.metadata_version : KR_MV_3_9_IV0;
}

static void print_text(const mg_migrate_options *o, const mg_migrate_result *r, enum mg_migrate_outcome oc,
                       const kr_error *err) {
    const mg_convert_report *rep = &r->report;
    printf("cluster id:        %s\n", r->model.cluster_id ? r->model.cluster_id : "(none)");
    printf("metadata.version:  %s, ZkMigrationState %s\n", kr_metadata_version_name(level(o)),
           o->convert.dual_write ? "MIGRATION" : "POST_MIGRATION");
    printf("preflight:         %zu blocker(s), %zu warning(s), %zu info%s\n", r->check.counts[MG_SEV_BLOCKER],
           r->check.counts[MG_SEV_WARNING], r->check.counts[MG_SEV_INFO],
           r->blocking && o->force ? " (--force: going on)" : "");
    for (size_t i = 0; i < r->check.n; i++)
        if (r->check.v[i].severity != MG_SEV_INFO)
            printf("  %s %s %s: %s\n", r->check.v[i].severity == MG_SEV_BLOCKER ? "BLOCKER" : "WARNING",
                   r->check.v[i].code, r->check.v[i].path ? r->check.v[i].path : "", r->check.v[i].message);
    for (size_t i = 0; i < rep->n_notes; i++)
        printf("  %s %s: %s\n", note_sev(rep->notes[i].severity), rep->notes[i].path, rep->notes[i].message);
    if (oc == MG_MIGRATED) {
        printf("records:           %lld (%lld bytes)\n", (long long)rep->records, (long long)rep->bytes);
        for (int k = 0; k <= KR_REC_MAX_API_KEY; k++)
            if (rep->by_type[k])
                printf("  %-30s %lld\n", kr_record_type_name(k), (long long)rep->by_type[k]);
        printf("topics:            %lld (%lld partitions), %zu not migrated\n", (long long)rep->topics,
               (long long)rep->partitions, rep->n_skipped);
        for (size_t i = 0; i < rep->n_minted; i++) {
            char text[KR_UUID_TEXT_LEN];
            kr_uuid_to_text(&rep->minted[i].id, text);
            printf("  minted topic id  %s %s%s\n", rep->minted[i].topic, text,
                   o->write_topic_ids && !o->dry_run ? " (written to ZooKeeper)" : "");
        }
        if (rep->passwords_decrypted) printf("passwords:         %lld decrypted\n", (long long)rep->passwords_decrypted);
        printf("output:            %s%s\n", o->out_dir, o->dry_run ? " (dry run: built, synced and removed)" : "");
        for (size_t i = 0; i < o->n_controllers; i++)
            printf("  node-%d/__cluster_metadata-0/%s (%lld bytes)\n", (int)o->controllers[i].id,
                   r->storage.snapshot_name, (long long)r->storage.snapshot_bytes);
        printf("files:             %lld, %lld bytes\n", (long long)r->storage.files, (long long)r->storage.bytes);
    }
    printf("time:              read %.3f s, check %.3f s, convert %.3f s, write %.3f s\n", r->times.read_s,
           r->times.check_s, r->times.convert_s, r->times.write_s);
    printf("peak RSS:          %.1f MiB\n", r->peak_rss_kb / 1024.0);
    if (oc == MG_BLOCKED)
        printf("result:            BLOCKED by %zu finding(s); nothing written (--force overrides)\n",
               r->blocking);
    else if (oc == MG_MIGRATED)
        printf("result:            %s\n", o->dry_run ? "dry run complete" : "migrated");
    else
        printf("result:            FAILED: %s\n", err->message);
}

static void print_json(const mg_migrate_options *o, const mg_migrate_result *r, enum mg_migrate_outcome oc,
                       const kr_error *err) {
    const mg_convert_report *rep = &r->report;
    json_t *j = json_object();
    json_object_set_new(j, "result", json_string(oc == MG_MIGRATED ? (o->dry_run ? "dry-run" : "migrated")
                                                 : oc == MG_BLOCKED ? "blocked" : "failed"));
    if (oc == MG_FAILED || (oc == MG_BLOCKED && err->message[0]))
        json_object_set_new(j, "error", json_string(err->message));
    json_object_set_new(j, "cluster_id", r->model.cluster_id ? json_string(r->model.cluster_id) : json_null());
    json_object_set_new(j, "metadata_version", json_string(kr_metadata_version_name(level(o))));
    json_object_set_new(j, "zk_migration_state", json_string(o->convert.dual_write ? "MIGRATION" : "POST_MIGRATION"));
    json_t *fs = json_array();
    for (size_t i = 0; i < r->findings.n; i++)
        json_array_append_new(fs, json_pack("{s:s,s:s,s:s}", "severity",
                                            r->findings.v[i].severity == ZR_SEV_ERROR ? "error" : "warning",
                                            "path", r->findings.v[i].path, "message", r->findings.v[i].message));
    json_object_set_new(j, "findings", fs);
    json_object_set_new(j, "preflight", mg_report_to_json(&r->check));
    json_t *ns = json_array();
    for (size_t i = 0; i < rep->n_notes; i++)
        json_array_append_new(ns, json_pack("{s:s,s:s,s:s}", "severity", note_sev(rep->notes[i].severity), "path",
                                            rep->notes[i].path, "message", rep->notes[i].message));
    json_object_set_new(j, "notes", ns);
    json_t *types = json_object();
    for (int k = 0; k <= KR_REC_MAX_API_KEY; k++)
        if (rep->by_type[k]) json_object_set_new(types, kr_record_type_name(k), json_integer(rep->by_type[k]));
    json_object_set_new(j, "records", json_pack("{s:I,s:I,s:o}", "total", (json_int_t)rep->records, "bytes",
                                                (json_int_t)rep->bytes, "by_type", types));
    json_t *minted = json_array();
    for (size_t i = 0; i < rep->n_minted; i++) {
        char text[KR_UUID_TEXT_LEN];
        kr_uuid_to_text(&rep->minted[i].id, text);
        json_array_append_new(minted, json_pack("{s:s,s:s}", "topic", rep->minted[i].topic, "topic_id", text));
    }
    json_object_set_new(j, "minted_topic_ids", minted);
    json_object_set_new(j, "topic_ids_written", json_integer((json_int_t)r->topic_ids_written));
    json_t *skipped = json_array();
    for (size_t i = 0; i < rep->n_skipped; i++) json_array_append_new(skipped, json_string(rep->skipped_topics[i]));
    json_object_set_new(j, "topics_not_migrated", skipped);
    json_object_set_new(j, "output", json_pack("{s:s,s:b,s:I,s:I,s:s,s:I}", "dir", o->out_dir, "dry_run", o->dry_run,
                                               "files", (json_int_t)r->storage.files, "bytes",
                                               (json_int_t)r->storage.bytes, "snapshot", r->storage.snapshot_name,
                                               "snapshot_bytes", (json_int_t)r->storage.snapshot_bytes));
    json_object_set_new(j, "seconds", json_pack("{s:f,s:f,s:f,s:f}", "read", r->times.read_s, "check",
                                                r->times.check_s, "convert", r->times.convert_s, "write",
                                                r->times.write_s));
    json_object_set_new(j, "peak_rss_kib", json_integer(r->peak_rss_kb));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) puts(s);
    free(s);
    json_decref(j);
}

int cli_migrate_print(const mg_migrate_options *o, const mg_migrate_result *r, enum mg_migrate_outcome oc,
                      const kr_error *err, bool json) {
    if (json) print_json(o, r, oc, err);
    else print_text(o, r, oc, err);
    if (oc == MG_FAILED) fprintf(stderr, "zk2kraft migrate: %s\n", err->message);
    return oc == MG_MIGRATED ? EXIT_CLEAN : oc == MG_BLOCKED ? EXIT_FINDINGS : EXIT_ERROR;
}
