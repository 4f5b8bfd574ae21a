/*
 * The one-shot offline migration, as a library call: read ZooKeeper (or take a model),
 * run the preflight, convert, write DIR (migrate/storage.h), optionally write minted topic
 * ids back. Times every phase. Prints nothing.
 */
#ifndef MIGRATE_MIGRATE_H
#define MIGRATE_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/error.h"
#include "migrate/check.h"
#include "migrate/controllers.h"
#include "migrate/convert.h"
#include "migrate/storage.h"
#include "zkread/reader.h"

typedef struct mg_migrate_options {
    const zr_connect_opts *zk;         /* where to read (and write ids back) */
    const mg_controller *controllers;
    size_t n_controllers;
    const char *out_dir;
    mg_convert_options convert;
    bool force;                        /* go on despite blocking findings */
    bool dry_run;
    bool write_topic_ids;              /* store minted ids in the topic znodes */
    bool lenient;                      /* Kafka 3.9's silent substitutions are warnings */
    zr_progress_fn progress;
    void *progress_ctx;
} mg_migrate_options;

enum mg_migrate_outcome {
    MG_MIGRATED = 0,   /* DIR written (or, with dry_run, fully built and removed) */
    MG_BLOCKED = 1,    /* findings refused it; nothing written */
    MG_FAILED = 2,     /* runtime error (err set); nothing written */
};

typedef struct mg_phase_times {
    double read_s, check_s, convert_s, write_s;
} mg_phase_times;

typedef struct mg_migrate_result {
    zr_model model;
    zr_findings findings;
    zr_read_stats read_stats;
    mg_convert_report report;
    mg_storage_stats storage;
    mg_phase_times times;
    mg_report check;                   /* the preflight: mg_check over the model */
    size_t blocking;                   /* BLOCKER findings of the preflight (before --force) */
    size_t topic_ids_written;
    long peak_rss_kb;
} mg_migrate_result;

void mg_migrate_result_free(mg_migrate_result *r);

/* Reads ZooKeeper into r->model, then continues as mg_migrate_model. */
enum mg_migrate_outcome mg_migrate(const mg_migrate_options *o, mg_migrate_result *r, kr_error *err);

/* From a finished model already in r->model / r->findings (validate, bench). */
enum mg_migrate_outcome mg_migrate_model(const mg_migrate_options *o, mg_migrate_result *r, kr_error *err);

/* The preflight: mg_check over r->model with the migration's target and secret; fills
 * r->check and returns the number of BLOCKER findings. */
int mg_preflight(const mg_migrate_options *o, mg_migrate_result *r, size_t *blockers, kr_error *err);

/* Writes minted ids into /brokers/topics/<t> as JSON v3 with topic_id, each conditional on
 * the znode's version and on it still having no id. Returns the count written in *written. */
int mg_write_topic_ids(const zr_connect_opts *zk, const mg_convert_report *rep, size_t *written,
                       kr_error *err);

#endif
