/*
 * Snapshot write and read+fold for a synthetic 1,000,000-partition image:
 * 10,000 topics × 100 partitions, replication 3, three configs per topic.
 * Each phase runs in its own child process so its peak RSS is its own.
 * Usage: bench_snapshot [topics] [partitions_per_topic]
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench/machine.h"
#include "kraft/fsutil.h"
#include "kraft/metadata_files.h"
#include "kraft/metadata_record.h"
#include "kraft/snapshot.h"

static int topics = 10000, per_topic = 100;

static kr_uuid topic_id(int t) {
    kr_uuid u = {{0}};
    u.b[0] = 0x5a;
    u.b[12] = (uint8_t)(t >> 24);
    u.b[13] = (uint8_t)(t >> 16);
    u.b[14] = (uint8_t)(t >> 8);
    u.b[15] = (uint8_t)t;
    return u;
}

static void append(kr_snapshot_writer *w, kr_buf *v, kr_metadata_record *rec) {
    kr_error err;
    kr_buf_reset(v);
    if (kr_metadata_record_encode(v, rec, &err) != KR_OK ||
        kr_snapshot_writer_append(w, v->data, v->len, &err) != KR_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(2);
    }
}

static int64_t write_snapshot(const char *dir) {
    kr_snapshot_writer w;
    kr_error err;
    kr_snapshot_options o = {.last_contained_log_timestamp_ms = 1735689600000, .append_time_ms = 1735689600000};
    if (kr_snapshot_writer_begin(&w, dir, (kr_snapshot_id){1000000, 1}, &o, &err) != KR_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(2);
    }
    kr_buf v = {0};
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    append(&w, &v, &rec);
    for (int b = 0; b < 3; b++) {
        kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 3);
        rec.u.RegisterBrokerRecord.BrokerId = b;
        rec.u.RegisterBrokerRecord.BrokerEpoch = 100 + b;
        append(&w, &v, &rec);
    }
    char name[64], value[32];
    static const char *keys[] = {"retention.ms", "cleanup.policy", "min.insync.replicas"};
    for (int t = 0; t < topics; t++) {
        kr_uuid id = topic_id(t);
        snprintf(name, sizeof name, "topic-%05d", t);
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(name);
        rec.u.TopicRecord.TopicId = id;
        append(&w, &v, &rec);
        for (int p = 0; p < per_topic; p++) {
            int32_t replicas[3] = {p % 3, (p + 1) % 3, (p + 2) % 3};
            kr_uuid dirs[3] = {{{0}}};
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 1);
            kr_PartitionRecord *pr = &rec.u.PartitionRecord;
            pr->PartitionId = p;
            pr->TopicId = id;
            pr->Replicas = (kr_array_i32){replicas, 3};
            pr->Isr = (kr_array_i32){replicas, 3};
            pr->Leader = replicas[0];
            pr->LeaderEpoch = 1;
            pr->PartitionEpoch = 1;
            pr->Directories = (kr_array_uuid){dirs, 3};
            append(&w, &v, &rec);
        }
        for (int k = 0; k < 3; k++) {
            kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
            rec.u.ConfigRecord.ResourceType = 2;
            rec.u.ConfigRecord.ResourceName = kr_str_c(name);
            rec.u.ConfigRecord.Name = kr_str_c(keys[k]);
            snprintf(value, sizeof value, "%d", 1000 + t);
            rec.u.ConfigRecord.Value = kr_str_c(value);
            append(&w, &v, &rec);
        }
    }
    int64_t records = w.records;
    if (kr_snapshot_writer_finish(&w, &err) != KR_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(2);
    }
    kr_buf_free(&v);
    return records;
}

static void read_snapshot(const char *dir) {
    char path[4096], name[KR_SNAPSHOT_NAME_SIZE];
    kr_snapshot_file_name((kr_snapshot_id){1000000, 1}, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    kr_image img;
    kr_image_init(&img);
    kr_error err;
    char *paths[] = {path};
    if (kr_image_load_paths(&img, paths, 1, NULL, &err) != KR_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(2);
    }
    if (img.partition_count != (int64_t)topics * per_topic) {
        fprintf(stderr, "bench: folded %lld partitions\n", (long long)img.partition_count);
        exit(2);
    }
    kr_image_free(&img);
}

/* Runs fn in a child; returns wall seconds and the child's peak RSS. */
static double run_phase(void (*fn)(const char *), const char *dir, long *rss_kb) {
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        fn(dir);
        _exit(0);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double t = bench_now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: phase failed\n");
        exit(2);
    }
    *rss_kb = ru.ru_maxrss;
    return t;
}

static void write_phase(const char *dir) { write_snapshot(dir); }

int main(int argc, char **argv) {
    if (argc > 1) topics = atoi(argv[1]);
    if (argc > 2) per_topic = atoi(argv[2]);
    char dir[] = "/tmp/zk2kraft-bench-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    bench_print_machine();
    int64_t records = (int64_t)topics * (per_topic + 4) + 4;
    long rss_w, rss_r;
    double tw = run_phase(write_phase, dir, &rss_w);
    char path[4096], name[KR_SNAPSHOT_NAME_SIZE];
    kr_snapshot_file_name((kr_snapshot_id){1000000, 1}, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    stat(path, &st);
    double mb = (double)st.st_size / 1e6;
    double tr = run_phase(read_snapshot, dir, &rss_r);
    printf("image: %d topics x %d partitions = %lld partitions, %lld records, snapshot %.1f MB\n", topics,
           per_topic, (long long)topics * per_topic, (long long)records, mb);
    printf("encode+write snapshot (fsync incl.): %.3f s  %.0f records/s  %.1f MB/s  peak RSS %.0f MiB\n", tw,
           records / tw, mb / tw, rss_w / 1024.0);
    printf("read+fold into image:                %.3f s  %.0f records/s  %.1f MB/s  peak RSS %.0f MiB\n", tr,
           records / tr, mb / tr, rss_r / 1024.0);
    printf("targets: write < 1.5 s, read+fold < 1.0 s, peak RSS < 1024 MiB\n");
    chmod(path, 0600);
    unlink(path);
    rmdir(dir);
    return 0;
}
