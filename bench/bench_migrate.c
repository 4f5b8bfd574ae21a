/* bench_migrate: end-to-end `migrate` figures, split into read / check / convert / write, with
 * peak RSS. 100k partitions are read from a real ZooKeeper (started with
 * tests/support/zk-server.sh, loaded first, not timed); 1M partitions are decoded from an
 * in-memory tree (the same znode decoding as a live read, without the network). Prints only.
 *   BENCH_PARTITIONS=N [BENCH_NODES=K]   run one offline size instead (no ZooKeeper)
 *   BENCH_LIVE=N                         run one live size instead (e.g. 1000000: loading
 *                                        2M znodes takes minutes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/machine.h"
#include "migrate/migrate.h"
#include "migrate/storage.h"
#include "zkread/tree.h"

#define PARTITIONS_PER_TOPIC 100
#define BROKERS 6

static long peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static void add(zr_tree *t, const char *path, const char *data, int32_t version) {
    if (!zr_tree_add(t, path, (const uint8_t *)data, data ? (int32_t)strlen(data) : -1, false, version)) {
        fprintf(stderr, "out of memory building the tree\n");
        exit(2);
    }
}

/* A cluster with `partitions` partitions: topics of 100 partitions, RF 3 over 6 brokers. */
static void build_tree(zr_tree *t, long partitions) {
    char path[256], data[8192];
    memset(t, 0, sizeof *t);
    add(t, "/cluster/id", "{\"version\":\"1\",\"id\":\"QmVuY2gtY2x1c3Rlci0wMQ\"}", 0);
    for (int b = 0; b < BROKERS; b++) {
        snprintf(path, sizeof path, "/brokers/ids/%d", b);
        snprintf(data, sizeof data, "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
                 "\"endpoints\":[\"PLAINTEXT://b%d:9092\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"b%d\",\"version\":5,"
                 "\"timestamp\":\"1700000000000\"}", b, b);
        add(t, path, data, 0);
    }
    long topics = (partitions + PARTITIONS_PER_TOPIC - 1) / PARTITIONS_PER_TOPIC;
    for (long i = 0; i < topics; i++) {
        long n = partitions - i * PARTITIONS_PER_TOPIC;
        if (n > PARTITIONS_PER_TOPIC) n = PARTITIONS_PER_TOPIC;
        size_t len = (size_t)snprintf(data, sizeof data, "{\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAA%06lxA\",\"partitions\":{",
                                      i + 0x100000);
        for (long p = 0; p < n; p++)
            len += (size_t)snprintf(data + len, sizeof data - len, "%s\"%ld\":[%ld,%ld,%ld]", p ? "," : "", p,
                                    (p + i) % BROKERS, (p + i + 1) % BROKERS, (p + i + 2) % BROKERS);
        snprintf(data + len, sizeof data - len, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
        snprintf(path, sizeof path, "/brokers/topics/topic-%06ld", i);
        add(t, path, data, 0);
        snprintf(path, sizeof path, "/config/topics/topic-%06ld", i);
        add(t, path, "{\"version\":1,\"config\":{\"retention.ms\":\"86400000\"}}", 0);
        for (long p = 0; p < n; p++) {
            snprintf(path, sizeof path, "/brokers/topics/topic-%06ld/partitions/%ld/state", i, p);
            snprintf(data, sizeof data, "{\"controller_epoch\":5,\"leader\":%ld,\"version\":1,\"leader_epoch\":%ld,"
                     "\"isr\":[%ld,%ld,%ld]}", (p + i) % BROKERS, p % 7, (p + i) % BROKERS, (p + i + 1) % BROKERS,
                     (p + i + 2) % BROKERS);
            add(t, path, data, (int32_t)(p % 5));
        }
    }
}

static void report(const char *label, long partitions, const mg_migrate_result *r, double read_s, int nodes) {
    double e2e = read_s + r->times.check_s + r->times.convert_s + r->times.write_s;
    printf("%-8s %8ld partitions, %d node(s): read %.2f s  check %.3f s  convert %.2f s  write %.2f s  "
           "(convert+write %.2f s, end-to-end %.2f s = read + %.0f%%)  records %lld  snapshot %.1f MiB  "
           "peak RSS %ld MiB\n",
           label, partitions, nodes, read_s, r->times.check_s, r->times.convert_s, r->times.write_s,
           r->times.convert_s + r->times.write_s, e2e, read_s > 0 ? 100.0 * (e2e - read_s) / read_s : 0.0,
           (long long)r->report.records, r->storage.snapshot_bytes / 1048576.0, peak_rss_mb());
    fflush(stdout);
}

static mg_controller CTL[3] = {{1, "127.0.0.1", 19093}, {2, "127.0.0.1", 19094}, {3, "127.0.0.1", 19095}};

static int offline(long partitions, int nodes) {
    char work[] = "/tmp/zk2kraft-bench-migrate-XXXXXX", out[256];
    if (!mkdtemp(work)) return 2;
    snprintf(out, sizeof out, "%s/out", work);
    zr_tree t;
    build_tree(&t, partitions);
    mg_migrate_result r = {0};
    zr_model_init(&r.model);
    double t0 = bench_now_s();
    zr_tree_to_model(&t, &r.model, &r.findings);
    double decode_s = bench_now_s() - t0;
    zr_tree_free(&t);
    mg_migrate_options o = {.controllers = CTL, .n_controllers = (size_t)nodes, .out_dir = out};
    kr_error err = {0};
    enum mg_migrate_outcome oc = mg_migrate_model(&o, &r, &err);
    if (oc != MG_MIGRATED) {
        fprintf(stderr, "bench_migrate: outcome %d: %s\n", oc, err.message);
        for (size_t i = 0; i < r.findings.n && i < 5; i++)
            fprintf(stderr, "  %s: %s\n", r.findings.v[i].path, r.findings.v[i].message);
    }
    else report("decode", partitions, &r, decode_s, nodes);
    mg_migrate_result_free(&r);
    mg_remove_tree(work);
    return oc == MG_MIGRATED ? 0 : 1;
}

static int live(long partitions) {
    char work[] = "/tmp/zk2kraft-bench-migrate-XXXXXX", cmd[1024], connect[256] = "", out[256];
    if (!mkdtemp(work)) return 2;
    const char *script = "tests/support/zk-server.sh";
    if (access(script, X_OK) != 0 || access("/usr/share/java/zookeeper.jar", R_OK) != 0) {
        printf("live     skipped: ZooKeeper or %s not available\n", script);
        mg_remove_tree(work);
        return 0;
    }
    /* ~2 znodes per partition: size the server's heap so its GC is not what we measure. */
    long heap_mb = 512 + partitions * 3 / 1000;
    snprintf(cmd, sizeof cmd, "ZK_HEAP_MB=%ld ZK_JIT_FLAGS=' ' ZK_EXTRA_CFG='forceSync=no' %s start %s 2>/dev/null",
             heap_mb, script, work);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(connect, sizeof connect, p)) {
        if (p) pclose(p);
        printf("live     skipped: ZooKeeper did not start\n");
        mg_remove_tree(work);
        return 0;
    }
    pclose(p);
    connect[strcspn(connect, "\n")] = '\0';
    zr_tree t;
    build_tree(&t, partitions);
    zr_connect_opts zk = {.connect = connect};
    zr_load_stats ls;
    zr_error zerr = {0};
    double t0 = bench_now_s();
    int rc = zr_tree_sort(&t, &zerr);
    if (!rc) rc = zr_tree_load(&zk, &t, false, false, NULL, &ls, &zerr);
    printf("live     loaded %zu znodes into ZooKeeper in %.1f s (setup, not part of migrate)\n", t.n,
           bench_now_s() - t0);
    zr_tree_free(&t);
    if (!rc) {
        for (int nodes = 1; nodes <= 3; nodes += 2) {
            snprintf(out, sizeof out, "%s/out%d", work, nodes);
            mg_migrate_options o = {.zk = &zk, .controllers = CTL, .n_controllers = (size_t)nodes, .out_dir = out};
            mg_migrate_result r = {0};
            zr_model_init(&r.model);
            kr_error err = {0};
            if (mg_migrate(&o, &r, &err) == MG_MIGRATED) report("live", partitions, &r, r.times.read_s, nodes);
            else fprintf(stderr, "bench_migrate: %s\n", err.message);
            mg_migrate_result_free(&r);
            mg_remove_tree(out);
        }
    } else {
        fprintf(stderr, "bench_migrate: load: %s\n", zerr.message);
    }
    snprintf(cmd, sizeof cmd, "%s stop %s >/dev/null 2>&1", script, work);
    if (system(cmd) != 0) fprintf(stderr, "bench_migrate: stopping ZooKeeper failed\n");
    mg_remove_tree(work);
    return rc ? 1 : 0;
}

int main(void) {
    printf("bench_migrate\n");
    bench_print_machine();
    const char *live_env = getenv("BENCH_LIVE");
    if (live_env) return live(atol(live_env));
    const char *env = getenv("BENCH_PARTITIONS");
    if (env) {
        const char *nodes = getenv("BENCH_NODES");
        return offline(atol(env), nodes ? atoi(nodes) : 3);
    }
    int rc = live(100000);
    rc |= offline(100000, 3);
    rc |= offline(1000000, 1);
    rc |= offline(1000000, 3);
    return rc;
}
