/* One-shot offline migration: read, preflight, convert, write. */
#include "migrate/migrate.h"
#include "migrate/password.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long peak_rss_kb(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

void mg_migrate_result_free(mg_migrate_result *r) {
    zr_model_free(&r->model);
    zr_findings_free(&r->findings);
    zr_read_stats_free(&r->read_stats);
    mg_convert_report_free(&r->report);
    mg_report_free(&r->check);
}

int mg_preflight(const mg_migrate_options *o, mg_migrate_result *r, size_t *blockers, kr_error *err) {
    mg_check_options co = {
        .metadata_version = o->convert.metadata_version,
        .password_encoder_secret = o->convert.password_encoder.secret,
        .decrypt = mg_password_decrypt,
        .online = o->convert.dual_write,
    };
    mg_report_free(&r->check);
    mg_report_init(&r->check, "migrate");
    int rc = mg_check(&r->model, &r->findings, &co, &r->check, err);
    *blockers = rc == KR_OK ? r->check.counts[MG_SEV_BLOCKER] : 0;
    return rc;
}

enum mg_migrate_outcome mg_migrate(const mg_migrate_options *o, mg_migrate_result *r, kr_error *err) {
    double t0 = now_s();
    zr_error zerr = {0};
    r->findings.lenient = o->lenient;
    if (zr_read_model(o->zk, &r->model, &r->findings, o->progress, o->progress_ctx, &r->read_stats, &zerr)) {
        kr_fail(err, KR_ERR_IO, "%s", zerr.message);
        return MG_FAILED;
    }
    r->times.read_s = now_s() - t0;
    return mg_migrate_model(o, r, err);
}

static int buffer_sink(void *ctx, const kr_metadata_record *rec, const uint8_t *value, size_t len,
                       kr_error *err) {
    return mg_record_buffer_add(ctx, value, len, err);
}

typedef struct commit_ctx {
    const mg_migrate_options *o;
    mg_migrate_result *r;
} commit_ctx;

static int before_commit(void *ctx, kr_error *err) {
    commit_ctx *c = ctx;
    if (!c->o->write_topic_ids || c->r->report.n_minted == 0) return 0;
    return mg_write_topic_ids(c->o->zk, &c->r->report, &c->r->topic_ids_written, err);
}

enum mg_migrate_outcome mg_migrate_model(const mg_migrate_options *o, mg_migrate_result *r, kr_error *err) {
    double t0 = now_s();
    zr_findings_sort(&r->findings);
    if (mg_preflight(o, r, &r->blocking, err) != KR_OK) return MG_FAILED;
    r->times.check_s = now_s() - t0;
    if (r->blocking && !o->force) {
        r->peak_rss_kb = peak_rss_kb();
        return MG_BLOCKED;
    }
    if (!r->model.cluster_id || !*r->model.cluster_id) {
        kr_fail(err, KR_ERR_INVALID, "/cluster/id: no cluster id; KRaft needs the same id");
        return MG_BLOCKED;
    }

    t0 = now_s();
    mg_record_buffer buf = {0};
    mg_record_sink sink = {buffer_sink, &buf};
    int rc = mg_convert(&r->model, &o->convert, &sink, &r->report, err);
    r->times.convert_s = now_s() - t0;
    if (rc) {
        mg_record_buffer_free(&buf);
        r->blocking += r->report.blockers;
        r->peak_rss_kb = peak_rss_kb();
        return r->report.blockers ? MG_BLOCKED : MG_FAILED;
    }

    t0 = now_s();
    commit_ctx cc = {o, r};
    mg_storage_options so = {
        .out_dir = o->out_dir,
        .controllers = o->controllers,
        .n_controllers = o->n_controllers,
        .cluster_id = r->model.cluster_id,
        .metadata_version = o->convert.metadata_version ? o->convert.metadata_version : 21,
        .now_ms = wall_ms(),
        .dry_run = o->dry_run,
        .zookeeper_connect = o->convert.dual_write ? o->zk->connect : NULL,
        .before_commit = before_commit,
        .before_commit_ctx = &cc,
    };
    rc = mg_storage_write(&so, &buf, &r->storage, err);
    r->times.write_s = now_s() - t0;
    mg_record_buffer_free(&buf);
    r->peak_rss_kb = peak_rss_kb();
    return rc ? MG_FAILED : MG_MIGRATED;
}

/* ---- --write-topic-ids ------------------------------------------------------- */

static int write_one_id(zhandle_t *zh, const mg_minted_id *id, kr_error *err) {
    char path[1024];
    snprintf(path, sizeof path, "/brokers/topics/%s", id->topic);
    static char data[1 << 20];
    int len = sizeof data - 1;
    struct Stat st;
    int zrc = zoo_get(zh, path, 0, data, &len, &st);
    if (zrc != ZOK) return kr_fail(err, KR_ERR_IO, "%s: get: %s", path, zerror(zrc));
    if (len < 0) return kr_fail(err, KR_ERR_INVALID, "%s: null data; not writing an id", path);
    json_error_t je;
    json_t *o = json_loadb(data, (size_t)len, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return kr_fail(err, KR_ERR_INVALID, "%s: not a JSON object; not writing an id", path);
    }
    if (json_object_get(o, "topic_id")) {
        json_decref(o);
        return kr_fail(err, KR_ERR_INVALID, "%s: gained a topic id since it was read; run migrate again",
                       path);
    }
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&id->id, text);
    json_object_set_new(o, "version", json_integer(3));
    json_object_set_new(o, "topic_id", json_string(text));
    if (!json_object_get(o, "adding_replicas")) json_object_set_new(o, "adding_replicas", json_object());
    if (!json_object_get(o, "removing_replicas")) json_object_set_new(o, "removing_replicas", json_object());
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!out) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    /* conditional on the version just read: a concurrent change makes this fail */
    zrc = zoo_set(zh, path, out, (int)strlen(out), st.version);
    free(out);
    if (zrc != ZOK) return kr_fail(err, KR_ERR_IO, "%s: set (version %d): %s", path, st.version, zerror(zrc));
    return 0;
}

int mg_write_topic_ids(const zr_connect_opts *zk, const mg_convert_report *rep, size_t *written,
                       kr_error *err) {
    *written = 0;
    zhandle_t *zh = NULL;
    zr_error zerr = {0};
    if (zr_session_open(zk, &zh, &zerr)) return kr_fail(err, KR_ERR_IO, "%s", zerr.message);
    int rc = 0;
    for (size_t i = 0; i < rep->n_minted && !rc; i++) {
        rc = write_one_id(zh, &rep->minted[i], err);
        if (!rc) (*written)++;
    }
    zr_session_close(zh);
    return rc;
}
