/*
 * zkread throughput: generates a Kafka tree of TOPICS x PARTITIONS in a throwaway local
 * ZooKeeper (pipelined creates), then reads it (each read in a forked child, so peak RSS is
 * the reader's own):
 *   - the zkread model reader with 1, 2, ... sessions
 *   - a plain single-session pipelined reader (same requests, no decoding)
 * Prints znodes/s, wall time, peak RSS and the machine. Figures only, never pass/fail.
 *
 *   bench_zkread [TOPICS [PARTITIONS [MAX_SESSIONS]]]     (default 1000 100 4)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zkread/reader.h"
#include "zkread/tree.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void machine(void) {
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) snprintf(model, sizeof model, "%s", c + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    }
    if (f) fclose(f);
    printf("machine: nproc=%ld, cpu=%s\n", sysconf(_SC_NPROCESSORS_ONLN), model);
}

static int generate(zr_tree *t, int topics, int parts) {
    char path[256], data[512];
    zr_tree_add(t, "/cluster/id", (const uint8_t *)"{\"version\":\"1\",\"id\":\"wR3Zq1xAQp2Qm5b8Kc0y_A\"}", 43, false, 0);
    zr_tree_add(t, "/controller_epoch", (const uint8_t *)"1", 1, false, 0);
    for (int b = 1; b <= 3; b++) {
        snprintf(path, sizeof path, "/brokers/ids/%d", b);
        int n = snprintf(data, sizeof data, "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},\"endpoints\":[\"PLAINTEXT://b%d:9092\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"b%d\",\"version\":5,\"timestamp\":\"1716000000000\"}", b, b);
        zr_tree_add(t, path, (const uint8_t *)data, n, false, 0);
    }
    for (int i = 0; i < topics; i++) {
        char *buf = malloc((size_t)parts * 24 + 256);
        size_t n = (size_t)sprintf(buf, "{\"version\":3,\"topic_id\":\"");
        uint8_t id[16];
        for (int k = 0; k < 16; k++) id[k] = (uint8_t)((i * 131 + k * 17 + 7) & 0xff);
        id[0] = 0x40 | (uint8_t)(i & 0x3f); /* never zero, never starts with '-' */
        static const char U[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int k = 0; k < 22; k++) {
            int bit = k * 6, byte = bit / 8, off = bit % 8;
            unsigned v = ((unsigned)id[byte] << 8 | (byte + 1 < 16 ? id[byte + 1] : 0)) >> (10 - off);
            buf[n++] = U[v & 63];
        }
        buf[n - 1] = 'A'; /* last char carries 2 bits: keep them zero */
        n += (size_t)sprintf(buf + n, "\",\"partitions\":{");
        for (int p = 0; p < parts; p++)
            n += (size_t)sprintf(buf + n, "%s\"%d\":[%d,%d,%d]", p ? "," : "", p, 1 + p % 3, 1 + (p + 1) % 3,
                                 1 + (p + 2) % 3);
        n += (size_t)sprintf(buf + n, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
        snprintf(path, sizeof path, "/brokers/topics/topic-%05d", i);
        zr_tree_add(t, path, (const uint8_t *)buf, (int32_t)n, false, 0);
        free(buf);
        snprintf(path, sizeof path, "/config/topics/topic-%05d", i);
        zr_tree_add(t, path, (const uint8_t *)"{\"version\":1,\"config\":{\"retention.ms\":\"86400000\"}}", 50, false, 0);
        for (int p = 0; p < parts; p++) {
            snprintf(path, sizeof path, "/brokers/topics/topic-%05d/partitions/%d/state", i, p);
            int m = snprintf(data, sizeof data, "{\"controller_epoch\":1,\"leader\":%d,\"version\":1,\"leader_epoch\":0,\"isr\":[%d,%d,%d]}",
                             1 + p % 3, 1 + p % 3, 1 + (p + 1) % 3, 1 + (p + 2) % 3);
            zr_tree_add(t, path, (const uint8_t *)data, m, false, 0);
        }
    }
    zr_error err;
    return zr_tree_sort(t, &err);
}

static void noop_visit(void *ctx, const char *path, const uint8_t *data, int32_t len, const zr_stat *st) {
    (void)ctx; (void)path; (void)data; (void)len; (void)st;
}

/* Runs one read in a child; prints a line. model=false: plain pipelined reader, no decoding. */
static void measure(const char *connect, int sessions, bool model, size_t expect_partitions) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        zr_connect_opts o = {.connect = connect, .sessions = sessions, .session_timeout_ms = 60000};
        zr_read_stats st;
        zr_error err = {0};
        double t0 = now_s();
        int rc;
        size_t partitions = 0;
        if (model) {
            zr_model m;
            zr_findings f = {0};
            rc = zr_read_model(&o, &m, &f, NULL, NULL, &st, &err);
            if (!rc) {
                zr_counts c;
                zr_model_counts(&m, &c);
                partitions = c.partitions;
                zr_model_free(&m);
                zr_findings_free(&f);
            }
        } else {
            rc = zr_read_tree(&o, ZR_SCOPE_KAFKA, noop_visit, NULL, NULL, NULL, &st, &err);
            partitions = expect_partitions;
        }
        double dt = now_s() - t0;
        if (rc) {
            printf("  read failed: %s\n", err.message);
            _exit(1);
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("  %-34s sessions=%d  znodes=%llu  %.2f s  %.0f znodes/s  peak RSS %.1f MiB%s\n",
               model ? "zkread model reader" : "plain pipelined reader (no decode)", st.sessions,
               (unsigned long long)st.znodes, dt, st.znodes / dt, ru.ru_maxrss / 1024.0,
               partitions == expect_partitions ? "" : "  (PARTITION COUNT MISMATCH)");
        fflush(stdout);
        zr_read_stats_free(&st);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
}

int main(int argc, char **argv) {
    int topics = argc > 1 ? atoi(argv[1]) : 1000, parts = argc > 2 ? atoi(argv[2]) : 100;
    int max_sessions = argc > 3 ? atoi(argv[3]) : 4;
    if (topics <= 0 || parts <= 0 || max_sessions <= 0) {
        fprintf(stderr, "usage: bench_zkread [TOPICS [PARTITIONS [MAX_SESSIONS]]]\n");
        return 2;
    }
    machine();
    char dir[] = "/tmp/bench-zkread-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char cmd[512], connect[256] = "";
    /* ZooKeeper holds ~2 znodes per partition; a tight heap makes its GC, not the reader, the bottleneck. */
    long heap = 512 + (long)topics * parts * 3 / 1000;
    snprintf(cmd, sizeof cmd,
             "ZK_HEAP_MB=%ld ZK_JIT_FLAGS=' ' ZK_EXTRA_CFG='forceSync=no' tests/support/zk-server.sh start %s",
             heap, dir);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(connect, sizeof connect, p)) {
        fprintf(stderr, "bench_zkread: could not start ZooKeeper\n");
        return 2;
    }
    pclose(p);
    connect[strcspn(connect, "\n")] = 0;
    printf("tree: %d topics x %d partitions; ZooKeeper 3.8 at %s (heap %ld MiB, forceSync=no)\n", topics, parts,
           connect, heap);
    zr_tree t = {0};
    double t0 = now_s();
    generate(&t, topics, parts);
    zr_connect_opts o = {.connect = connect, .session_timeout_ms = 60000};
    zr_load_stats ls;
    zr_error err = {0};
    int rc = zr_tree_load(&o, &t, false, false, NULL, &ls, &err);
    double dt = now_s() - t0;
    size_t n = t.n + ls.parents_created;
    zr_tree_free(&t);
    if (rc) {
        fprintf(stderr, "bench_zkread: load failed: %s\n", err.message);
    } else {
        printf("generated: %zu znodes in %.1f s (%.0f creates/s, one pipelined session)\n", n, dt, n / dt);
        for (int s = 1; s <= max_sessions; s *= 2) measure(connect, s, true, (size_t)topics * parts);
        measure(connect, 1, false, (size_t)topics * parts);
    }
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh stop %s && rm -rf %s", dir, dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_zkread: stopping ZooKeeper failed (dir %s)\n", dir);
    return rc ? 2 : 0;
}
