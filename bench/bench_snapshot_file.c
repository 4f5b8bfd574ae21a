/* bench_snapshot_file: prints the CPU cost of writing and reading a 1,000,000-record snapshot at
 * the batch/file layer (values are pre-encoded PartitionRecord-sized bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kraft/snapshot.h"

#define RECORDS 1000000

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
    char dir[] = "/tmp/zk2kraft-bench-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    /* PartitionRecord v1-sized value (89 bytes as in spec §8.4). */
    uint8_t value[89];
    memset(value, 0, sizeof value);
    value[0] = 1, value[1] = 3, value[2] = 1;
    kr_snapshot_writer w;
    kr_error err;
    kr_snapshot_options o = {.append_time_ms = 1735689600000LL};
    kr_snapshot_id id = {RECORDS + 1, 7};
    double c0 = cpu_s(), w0 = wall_s();
    if (kr_snapshot_writer_begin(&w, dir, id, &o, &err) != KR_OK) goto fail;
    for (int i = 0; i < RECORDS; i++) {
        memcpy(value + 3, &i, sizeof i); /* PartitionId */
        if (kr_snapshot_writer_append(&w, value, sizeof value, &err) != KR_OK) goto fail;
    }
    if (kr_snapshot_writer_finish(&w, &err) != KR_OK) goto fail;
    double c1 = cpu_s(), w1 = wall_s();
    char name[KR_SNAPSHOT_NAME_SIZE], path[4200];
    kr_snapshot_file_name(id, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    stat(path, &st);
    kr_snapshot_reader r;
    if (kr_snapshot_reader_open(&r, path, &err) != KR_OK) goto fail;
    kr_batch b;
    int64_t records = 0, batches = 0, bytes = 0;
    enum kr_scan_status s;
    while ((s = kr_snapshot_reader_next(&r, &b, &err)) == KR_SCAN_BATCH) {
        kr_record_iter it;
        kr_record rec;
        kr_record_iter_init(&it, &b);
        while (kr_record_next(&it, &rec, &err) == 1) records++, bytes += rec.value.len;
        batches++;
    }
    if (s != KR_SCAN_END) goto fail;
    double c2 = cpu_s(), w2 = wall_s();
    kr_snapshot_reader_close(&r);
    struct utsname u;
    uname(&u);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("bench_snapshot_file (%s %s, %ld CPUs)\n", u.sysname, u.machine, cpus);
    printf("  write %d records (%lld bytes, %lld data batches): %.3f s CPU, %.3f s wall (incl. fsync)\n",
           RECORDS, (long long)st.st_size, (long long)batches, c1 - c0, w1 - w0);
    printf("  read + validate + iterate %lld records (%lld value bytes): %.3f s CPU, %.3f s wall\n",
           (long long)records, (long long)bytes, c2 - c1, w2 - w1);
    unlink(path);
    rmdir(dir);
    return 0;
fail:
    fprintf(stderr, "bench_snapshot: %s\n", err.message);
    return 2;
}
