/* Helpers shared by benchmarks (header-only: every bench is one .c file). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kraft/image.h"
#include "kraft/metadata_record.h"
#include "kraft/snapshot.h"
#include "kraft/wire.h"

/* A loopback port nobody listens on right now; 0 on failure. */
static inline uint16_t bench_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &n) == 0;
    if (fd >= 0) close(fd);
    return ok ? ntohs(a.sin_port) : 0;
}

/* A synthetic cluster: metadata.version 3.9-IV0, then `topics` topics of `per_topic`
 * partitions, RF 3 over brokers first_broker .. first_broker + brokers - 1. */
typedef struct bench_topics {
    int64_t topics;
    int per_topic;
    int brokers, first_broker;
    const char *name_fmt; /* printf format of one long long: the topic's index */
    uint8_t id_tag;       /* byte 1 of every topic id (byte 0 is 0x5a, bytes 8-15 the index) */
    int32_t epoch;        /* leader and partition epoch */
} bench_topics;

/* Records of one bench_topics, 1 + topics * (per_topic + 1) of them, in snapshot order. */
static inline int64_t bench_topics_records(const bench_topics *s) { return 1 + s->topics * (s->per_topic + 1); }

typedef int (*bench_record_fn)(void *ctx, const kr_metadata_record *rec, kr_error *err);

static inline int bench_topic_records(const bench_topics *s, bench_record_fn fn, void *ctx, kr_error *err) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    int rc = fn(ctx, &rec, err);
    char name[64];
    for (int64_t t = 0; rc == KR_OK && t < s->topics; t++) {
        kr_uuid id = {{0x5a, s->id_tag}};
        for (int k = 0; k < 8; k++) id.b[8 + k] = (uint8_t)(t >> (56 - 8 * k));
        snprintf(name, sizeof name, s->name_fmt, (long long)t);
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(name);
        rec.u.TopicRecord.TopicId = id;
        rc = fn(ctx, &rec, err);
        for (int p = 0; rc == KR_OK && p < s->per_topic; p++) {
            int32_t r[3];
            for (int k = 0; k < 3; k++) r[k] = s->first_broker + (int32_t)((p + t + k) % s->brokers);
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
            kr_PartitionRecord *pr = &rec.u.PartitionRecord;
            pr->TopicId = id;
            pr->PartitionId = p;
            pr->Replicas = (kr_array_i32){r, 3};
            pr->Isr = (kr_array_i32){r, 3};
            pr->Leader = r[0];
            pr->LeaderEpoch = pr->PartitionEpoch = s->epoch;
            rc = fn(ctx, &rec, err);
        }
    }
    return rc;
}

static inline int bench_apply_record(void *img, const kr_metadata_record *rec, kr_error *err) {
    return kr_image_apply(img, rec, err);
}

/* The cluster folded into img (kr_image_init'ed by the caller). */
static inline int bench_image_topics(kr_image *img, const bench_topics *s, kr_error *err) {
    return bench_topic_records(s, bench_apply_record, img, err);
}

typedef struct bench_snapshot_sink {
    kr_snapshot_writer w;
    kr_buf v;
} bench_snapshot_sink;

static inline int bench_append_record(void *ctx, const kr_metadata_record *rec, kr_error *err) {
    bench_snapshot_sink *k = ctx;
    kr_buf_reset(&k->v);
    int rc = kr_metadata_record_encode(&k->v, rec, err);
    return rc == KR_OK ? kr_snapshot_writer_append(&k->w, k->v.data, k->v.len, err) : rc;
}

/* The cluster as a migrate-style snapshot `<records>-0000000001.checkpoint` in partition_dir. */
static inline int bench_seed_snapshot(const char *partition_dir, const bench_topics *s, kr_error *err) {
    kr_snapshot_id id = {bench_topics_records(s), 1};
    kr_snapshot_options o = {.last_contained_log_timestamp_ms = 1735689600000, .append_time_ms = 1735689600000};
    bench_snapshot_sink k = {0};
    mkdir(partition_dir, 0755);
    int rc = kr_snapshot_writer_begin(&k.w, partition_dir, id, &o, err);
    if (rc != KR_OK) return rc;
    rc = bench_topic_records(s, bench_append_record, &k, err);
    if (rc == KR_OK) rc = kr_snapshot_writer_finish(&k.w, err);
    else kr_snapshot_writer_abort(&k.w);
    kr_buf_free(&k.v);
    return rc;
}

#endif
