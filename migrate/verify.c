/* verify: ZooKeeper (as dual-write keeps it) against a KRaft image (see verify.h). */
#include "migrate/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/metadata_version.h"
#include "migrate/cluster_view.h"

/* What dual-write cannot keep equal (migration.md §9.3): partition epochs are ZK znode
 * versions, directories are not in ZK, ZkMigrationState and metadata.version are KRaft-only.
 * Producer ids get their own rule. */
#define VERIFY_IGNORE                                                                                            \
    (MG_DIFF_IGNORE_PARTITION_EPOCH | MG_DIFF_IGNORE_DIRECTORIES | MG_DIFF_IGNORE_MIGRATION_STATE |              \
     MG_DIFF_IGNORE_METADATA_VERSION | MG_DIFF_IGNORE_PRODUCER_IDS)

bool mg_verify_producer_ids_in_sync(bool zk_has_block, int64_t block_start, int64_t block_end, int64_t kraft_next) {
    if (!zk_has_block) return kraft_next < 0;
    if (kraft_next < 0) return false;
    return block_end + 1 == kraft_next || block_start == kraft_next;
}

bool mg_verify_lag(bool zk_has_migration, int64_t migration_offset, int64_t kraft_committed_offset, int64_t *lag) {
    *lag = 0;
    if (!zk_has_migration || migration_offset < 0 || kraft_committed_offset < 0) return false;
    *lag = kraft_committed_offset - migration_offset;
    return true;
}

/* Removes the entries of excluded entity types. */
static void drop_excluded(mg_diff_result *d, const bool *exclude) {
    size_t w = 0;
    for (size_t i = 0; i < d->n; i++) {
        mg_diff_entry *e = &d->v[i];
        if (exclude[e->entity]) {
            free(e->key), free(e->field), free(e->left), free(e->right);
            continue;
        }
        d->v[w++] = *e;
    }
    d->n = w;
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++)
        if (exclude[e]) {
            memset(d->counts[e], 0, sizeof d->counts[e]);
            d->left_count[e] = d->right_count[e] = 0;
        }
}

/* A client's view shows per-broker configs only of the brokers it lists, and no sensitive
 * values: differences it cannot see are not drift. */
static bool invisible_to_client(const mg_diff_entry *e, const kr_image *kraft) {
    if (e->entity == MG_DIFF_ACLS) { /* librdkafka 2.0.2 knows topic, group, cluster only */
        int type = -1;
        return sscanf(e->key, "resource_type=%d", &type) == 1 && (type <= 1 || type > 4);
    }
    if (e->entity != MG_DIFF_CONFIGS) return false;
    if (e->kind == MG_DIFF_CHANGED &&
        (!strcmp(e->right, MG_CLUSTER_VIEW_HIDDEN) || (!strcmp(e->left, "***") && !strcmp(e->right, "***"))))
        return true;
    const char *p = "broker:";
    if (strncmp(e->key, p, strlen(p))) return false;
    const char *name = e->key + strlen(p);
    if (*name == '/' || *name == '\0') return false; /* cluster default: seen through any broker */
    char *end;
    long id = strtol(name, &end, 10);
    return *end != '/' || !kr_image_broker(kraft, (int32_t)id);
}

static void drop_invisible(mg_diff_result *d, const kr_image *kraft) {
    size_t w = 0;
    for (size_t i = 0; i < d->n; i++) {
        mg_diff_entry *e = &d->v[i];
        if (invisible_to_client(e, kraft)) {
            d->counts[e->entity][e->kind]--;
            free(e->key), free(e->field), free(e->left), free(e->right);
            continue;
        }
        d->v[w++] = *e;
    }
    d->n = w;
}

/* The producer-id difference, inserted where mg_diff would have put it (entries are sorted
 * by entity, and producer ids come before topics). */
static int add_producer_ids_entry(mg_diff_result *d, const zr_model *zk, int64_t kraft_next, kr_error *err) {
    char l[32], r[32];
    if (zk->has_producer_id_block) snprintf(l, sizeof l, "%lld", (long long)(zk->producer_id_block_end + 1));
    else snprintf(l, sizeof l, "-1");
    snprintf(r, sizeof r, "%lld", (long long)kraft_next);
    mg_diff_entry e = {MG_DIFF_PRODUCER_IDS, MG_DIFF_CHANGED, strdup("next_producer_id"), strdup("value"), strdup(l),
                       strdup(r)};
    mg_diff_entry *v = d->n == d->cap ? realloc(d->v, (d->cap ? d->cap * 2 : 8) * sizeof *v) : d->v;
    if (!e.key || !e.field || !e.left || !e.right || !v) {
        free(e.key), free(e.field), free(e.left), free(e.right);
        return kr_fail(err, KR_ERR_NOMEM, "verify: out of memory");
    }
    if (v != d->v) d->cap = d->cap ? d->cap * 2 : 8;
    d->v = v;
    size_t at = 0;
    while (at < d->n && d->v[at].entity <= MG_DIFF_PRODUCER_IDS) at++;
    memmove(&d->v[at + 1], &d->v[at], (d->n - at) * sizeof *d->v);
    d->v[at] = e;
    d->n++;
    d->counts[MG_DIFF_PRODUCER_IDS][MG_DIFF_CHANGED]++;
    return 0;
}

int mg_verify(const zr_model *zk, const kr_image *kraft, const mg_verify_options *o, mg_verify_result *out,
              kr_error *err) {
    memset(out, 0, sizeof *out);
    mg_convert_report_init(&out->convert);
    out->lag_known = mg_verify_lag(zk->has_migration, zk->migration_metadata_offset, o->kraft_committed_offset,
                                   &out->lag_offsets);
    int16_t mv = kraft->metadata_version >= KR_MV_3_4_IV0 ? kraft->metadata_version : KR_MV_3_9_IV0;
    mg_convert_options co = {.metadata_version = mv, .dual_write = true, .password_encoder = o->password_encoder};
    kr_image img;
    kr_image_init(&img);
    int rc = mg_model_to_image(zk, &co, &img, &out->convert, err);
    if (rc) {
        kr_image_free(&img);
        if (out->convert.blockers == 0) return rc;
        out->converted = false; /* refused: the notes are the differences */
        memset(err, 0, sizeof *err);
        return 0;
    }
    out->converted = true;
    mg_diff_adopt_minted_ids(&img, kraft, &out->convert);
    mg_diff_options dopt = {.ignore = VERIFY_IGNORE | o->ignore, .left_name = "zookeeper", .right_name = "kraft"};
    rc = mg_diff(&img, kraft, &dopt, &out->diff, err);
    kr_image_free(&img);
    if (rc) return rc;
    drop_excluded(&out->diff, o->exclude);
    if (o->client_view) drop_invisible(&out->diff, kraft);
    out->producer_ids_in_sync = o->exclude[MG_DIFF_PRODUCER_IDS] ||
                                mg_verify_producer_ids_in_sync(zk->has_producer_id_block, zk->producer_id_block_start,
                                                               zk->producer_id_block_end, kraft->next_producer_id);
    if (!out->producer_ids_in_sync) return add_producer_ids_entry(&out->diff, zk, kraft->next_producer_id, err);
    return 0;
}

void mg_verify_result_free(mg_verify_result *r) {
    mg_diff_result_free(&r->diff);
    mg_convert_report_free(&r->convert);
    memset(r, 0, sizeof *r);
}

size_t mg_verify_difference_count(const mg_verify_result *r) {
    if (r->converted) return r->diff.n;
    size_t n = 0;
    for (size_t i = 0; i < r->convert.n_notes; i++) n += r->convert.notes[i].severity == MG_NOTE_BLOCKER;
    return n ? n : 1;
}

json_t *mg_verify_migration_json(const zr_model *zk) {
    json_t *mig = json_null();
    if (zk->has_migration)
        mig = json_pack("{s:i,s:i,s:I,s:i,s:i}", "kraft_controller_id", (int)zk->migration_controller_id,
                        "kraft_controller_epoch", (int)zk->migration_controller_epoch, "kraft_metadata_offset",
                        (json_int_t)zk->migration_metadata_offset, "kraft_metadata_epoch",
                        (int)zk->migration_metadata_epoch, "zk_version", (int)zk->migration_zk_version);
    json_t *ctl = json_null();
    if (zk->has_controller)
        ctl = json_pack("{s:i,s:o}", "brokerid", (int)zk->controller_id, "kraft_controller_epoch",
                        zk->kraft_controller_epoch >= 0 ? json_integer(zk->kraft_controller_epoch) : json_null());
    return json_pack("{s:o,s:o}", "migration", mig, "controller", ctl);
}

static json_t *refusal_differences(const mg_verify_result *r) {
    json_t *a = json_array();
    for (size_t i = 0; i < r->convert.n_notes; i++) {
        const mg_note *n = &r->convert.notes[i];
        if (n->severity != MG_NOTE_BLOCKER) continue;
        char *msg = mg_mask_secrets(n->message);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s}", "entity", "zookeeper", "kind", "unconvertible", "key",
                                           n->path ? n->path : "", "message", msg ? msg : ""));
        free(msg);
    }
    return a;
}

json_t *mg_verify_to_json(const mg_verify_result *r, const zr_model *zk, const mg_verify_options *o, json_t *kraft) {
    json_t *diffs;
    if (r->converted) {
        json_t *d = mg_diff_to_json(&r->diff);
        diffs = json_incref(json_object_get(d, "differences"));
        json_decref(d);
    } else {
        diffs = refusal_differences(r);
    }
    json_t *excluded = json_array();
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++)
        if (o->exclude[e]) json_array_append_new(excluded, json_string(mg_diff_entity_name(e)));
    return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o}", "in_sync", mg_verify_in_sync(r), "lag_offsets",
                     r->lag_known ? json_integer(r->lag_offsets) : json_null(), "zookeeper",
                     mg_verify_migration_json(zk), "kraft", kraft ? kraft : json_object(), "excluded", excluded,
                     "differences", diffs);
}

char *mg_verify_differences_text(const mg_verify_result *r) {
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) return NULL;
    if (!r->converted) {
        for (size_t i = 0; i < r->convert.n_notes; i++)
            if (r->convert.notes[i].severity == MG_NOTE_BLOCKER)
                fprintf(f, "! zookeeper %s: %s\n", r->convert.notes[i].path ? r->convert.notes[i].path : "",
                        r->convert.notes[i].message);
    } else {
        char *all = mg_diff_to_text(&r->diff);
        /* only the difference lines: the table and the closing line are diff's */
        for (char *save = NULL, *line = all ? strtok_r(all, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save))
            if ((line[0] == '-' || line[0] == '+' || line[0] == '~') && line[1] == ' ') fprintf(f, "%s\n", line);
        free(all);
    }
    fclose(f);
    char *masked = s ? mg_mask_secrets(s) : NULL;
    free(s);
    return masked;
}

void mg_verify_to_report(const mg_verify_result *r, const mg_verify_options *o, mg_report *rep) {
    for (int e = 0; e < MG_DIFF_ENTITY_COUNT; e++) {
        if (o->exclude[e]) continue;
        mg_report_declare(rep, mg_diff_entity_name(e), "in sync between zookeeper and kraft");
    }
    if (!r->converted) {
        for (size_t i = 0; i < r->convert.n_notes; i++)
            if (r->convert.notes[i].severity == MG_NOTE_BLOCKER)
                mg_report_add(rep, MG_SEV_BLOCKER, "zookeeper", r->convert.notes[i].path, NULL, "%s",
                              r->convert.notes[i].message);
        return;
    }
    for (size_t i = 0; i < r->diff.n; i++) {
        const mg_diff_entry *d = &r->diff.v[i];
        if (d->kind == MG_DIFF_CHANGED)
            mg_report_add(rep, MG_SEV_BLOCKER, mg_diff_entity_name(d->entity), d->key, NULL,
                          "%s differs: zookeeper %s, kraft %s", d->field, d->left, d->right);
        else
            mg_report_add(rep, MG_SEV_BLOCKER, mg_diff_entity_name(d->entity), d->key, NULL, "only in %s",
                          d->kind == MG_DIFF_ONLY_LEFT ? "zookeeper" : "kraft");
    }
}
