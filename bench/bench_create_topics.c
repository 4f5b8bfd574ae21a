/*
 * Topic creation, KRaft vs ZooKeeper, fsync on in both (figures, never pass/fail):
 *   ZooKeeper: a 3-server ensemble on this machine (tests/support/zk-server.sh,
 *     forceSync on by default); each topic is written the way a ZooKeeper-mode
 *     Kafka writes it — /config/topics/<t>, /brokers/topics/<t> (assignment
 *     JSON), /brokers/topics/<t>/partitions/<p>/state for every partition —
 *     as ONE multi-op guarded by a /controller_epoch version check (generous to
 *     ZooKeeper: Kafka needs the admin write and the controller's writes, two
 *     or more round trips). One topic at a time, as the ZooKeeper controller's
 *     single event thread does.
 *   KRaft: three `zk2kraft controller` processes with a PLAINTEXT client
 *     listener; librdkafka's rd_kafka_CreateTopics, one topic per request, one
 *     at a time (each answered only after the Raft commit, so its latency is
 *     the commit latency seen by a client). Then Metadata (all topics, v4 as
 *     librdkafka sends it) against a 1,000,000-partition image.
 * Usage: bench_create_topics [--topics N] [--big-topics M] [--metadata-partitions P]
 *                            [--bin PATH] [--only zk|kraft]
 */
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "bench/machine.h"
#include "bench/bench_util.h"
#include "kraft/format.h"
#include "kraft/metadata_record.h"
#include "kraft/raft_store.h"
#include "kraft/snapshot.h"

#define NODES 3
#define WAIT_MS 60000
#define MAX_SAMPLES 100000
#define BIG_PARTITIONS 100

static const char *bin = "bin/zk2kraft";
static char root[] = "/tmp/zk2kraft-bench-create-XXXXXX";
static uint16_t raft_ports[NODES], client_ports[NODES];
static pid_t pids[NODES];
static bool zk_started;

typedef struct series {
    const char *label;
    int topics, partitions;
    double elapsed_s;
    double lat_ms[MAX_SAMPLES];
    int n;
} series;

static void stop_all(void) {
    for (int i = 0; i < NODES; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
            pids[i] = 0;
        }
    if (zk_started) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh stop %s/zk >/dev/null 2>&1", root);
        if (system(cmd) != 0) fprintf(stderr, "bench_create_topics: stopping ZooKeeper failed\n");
        zk_started = false;
    }
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench_create_topics: %s: %s\n", what, why ? why : strerror(errno));
    stop_all();
    exit(1);
}

static uint16_t must_free_port(void) {
    uint16_t port = bench_free_port();
    if (!port) die("free port", NULL);
    return port;
}

static void on_signal(int sig) {
    stop_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *sorted, int n, double p) {
    if (n == 0) return 0;
    int k = (int)(p * (n - 1) + 0.5);
    return sorted[k];
}

static double report(const char *system_name, series *s) {
    qsort(s->lat_ms, (size_t)s->n, sizeof s->lat_ms[0], cmp_double);
    double rate = s->n / s->elapsed_s;
    printf("  %-9s %-14s %5d topics in %7.2f s: %8.1f topics/s (%9.0f partitions/s), latency p50 %6.2f ms p99 %6.2f ms max %6.2f ms\n",
           system_name, s->label, s->n, s->elapsed_s, rate, rate * s->partitions, pct(s->lat_ms, s->n, 0.5),
           pct(s->lat_ms, s->n, 0.99), s->n ? s->lat_ms[s->n - 1] : 0.0);
    return rate;
}

/* ---------------- ZooKeeper ---------------- */

static void zk_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {}

static void zk_must_create(zhandle_t *zh, const char *path, const char *data) {
    int rc = zoo_create(zh, path, data, data ? (int)strlen(data) : -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) die(path, zerror(rc));
}

/* One topic as one multi: config, assignment, partitions/, and per partition p/ and p/state. */
static void zk_create_topic(zhandle_t *zh, const char *topic, int partitions) {
    int nops = 4 + 2 * partitions;
    zoo_op_t *ops = calloc((size_t)nops, sizeof *ops);
    zoo_op_result_t *res = calloc((size_t)nops, sizeof *res);
    char(*paths)[160] = calloc((size_t)nops, sizeof *paths);
    size_t assign_cap = 64 + (size_t)partitions * 24;
    char *assign = malloc(assign_cap);
    if (!ops || !res || !paths || !assign) die("zk", "out of memory");
    size_t len = (size_t)snprintf(assign, assign_cap, "{\"version\":3,\"partitions\":{");
    for (int p = 0; p < partitions; p++)
        len += (size_t)snprintf(assign + len, assign_cap - len, "%s\"%d\":[%d,%d,%d]", p ? "," : "", p, p % 3 + 1,
                                (p + 1) % 3 + 1, (p + 2) % 3 + 1);
    snprintf(assign + len, assign_cap - len, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
    static const char config[] = "{\"version\":1,\"config\":{}}";
    static const char state_fmt[] = "{\"controller_epoch\":1,\"leader\":%d,\"version\":1,\"leader_epoch\":0,\"isr\":[%d,%d,%d]}";
    static char states[2 * BIG_PARTITIONS + 8][128];
    int k = 0;
    zoo_check_op_init(&ops[k++], "/controller_epoch", 0);
    snprintf(paths[k], sizeof paths[k], "/config/topics/%s", topic);
    zoo_create_op_init(&ops[k], paths[k], config, (int)strlen(config), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    k++;
    snprintf(paths[k], sizeof paths[k], "/brokers/topics/%s", topic);
    zoo_create_op_init(&ops[k], paths[k], assign, (int)strlen(assign), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    k++;
    snprintf(paths[k], sizeof paths[k], "/brokers/topics/%s/partitions", topic);
    zoo_create_op_init(&ops[k], paths[k], NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    k++;
    for (int p = 0; p < partitions && p < BIG_PARTITIONS; p++) {
        snprintf(paths[k], sizeof paths[k], "/brokers/topics/%s/partitions/%d", topic, p);
        zoo_create_op_init(&ops[k], paths[k], NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        k++;
        snprintf(paths[k], sizeof paths[k], "/brokers/topics/%s/partitions/%d/state", topic, p);
        snprintf(states[p], sizeof states[p], state_fmt, p % 3 + 1, p % 3 + 1, (p + 1) % 3 + 1, (p + 2) % 3 + 1);
        zoo_create_op_init(&ops[k], paths[k], states[p], (int)strlen(states[p]), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        k++;
    }
    int rc = zoo_multi(zh, k, ops, res);
    if (rc != ZOK) die(topic, zerror(rc));
    free(ops);
    free(res);
    free(paths);
    free(assign);
}

static void zk_series(zhandle_t *zh, series *s) {
    char topic[64];
    double t0 = bench_now_s();
    for (int t = 0; t < s->topics && s->n < MAX_SAMPLES; t++) {
        snprintf(topic, sizeof topic, "bench-%d-%05d", s->partitions, t);
        double a = bench_now_s();
        zk_create_topic(zh, topic, s->partitions);
        s->lat_ms[s->n++] = (bench_now_s() - a) * 1000.0;
    }
    s->elapsed_s = bench_now_s() - t0;
}

static void zk_bench(series *one, series *big) {
    char cmd[4300], connect[1024] = "";
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh start %s/zk --ensemble 3", root);
    zk_started = true;
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(connect, sizeof connect, p)) die("zk-server.sh start --ensemble 3", "no connect string");
    connect[strcspn(connect, "\n")] = '\0';
    if (pclose(p) != 0) die("zk-server.sh start --ensemble 3", "failed");
    printf("ZooKeeper: 3-server ensemble %s (forceSync on)\n", connect);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(connect, zk_watcher, 30000, NULL, NULL, 0);
    if (!zh) die("zookeeper_init", NULL);
    for (int w = 0; zoo_state(zh) != ZOO_CONNECTED_STATE; w += 50) {
        if (w > WAIT_MS) die("zookeeper", "not connected");
        sleep_ms(50);
    }
    zk_must_create(zh, "/brokers", NULL);
    zk_must_create(zh, "/brokers/topics", NULL);
    zk_must_create(zh, "/config", NULL);
    zk_must_create(zh, "/config/topics", NULL);
    zk_must_create(zh, "/controller_epoch", "1");
    zk_series(zh, one);
    zk_series(zh, big);
    zookeeper_close(zh);
    stop_all();
}

/* ---------------- KRaft ---------------- */

/* A migrate-style snapshot: topics of 100 partitions, replicas over brokers 0-2
 * (named only in assignments, so CreateTopics places new topics on them). */
static void seed_snapshot(const char *partition_dir, int64_t partitions) {
    bench_topics b = {.topics = (partitions + BIG_PARTITIONS - 1) / BIG_PARTITIONS, .per_topic = BIG_PARTITIONS,
                      .brokers = 3, .first_broker = 0, .name_fmt = "seed-%06lld", .epoch = 1};
    kr_error err;
    if (bench_seed_snapshot(partition_dir, &b, &err) != KR_OK) die("seed", err.message);
}

static void node_dir(int i, char *out, size_t cap) { snprintf(out, cap, "%s/n%d", root, i + 1); }

static void write_config(int i) {
    char path[4200], dir[4096];
    node_dir(i, dir, sizeof dir);
    snprintf(path, sizeof path, "%s.properties", dir);
    FILE *f = fopen(path, "w");
    if (!f) die(path, NULL);
    fprintf(f, "process.roles=controller\nnode.id=%d\ncontroller.quorum.voters=", i + 1);
    for (int k = 0; k < NODES; k++) fprintf(f, "%s%d@127.0.0.1:%u", k ? "," : "", k + 1, raft_ports[k]);
    fprintf(f,
            "\nlisteners=CONTROLLER://127.0.0.1:%u,PLAINTEXT://127.0.0.1:%u\n"
            "advertised.listeners=PLAINTEXT://127.0.0.1:%u\ncontroller.listener.names=CONTROLLER\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\nmetadata.log.dir=%s\n",
            raft_ports[i], client_ports[i], client_ports[i], dir);
    /* Every controller lists every voter's client endpoint (Metadata brokers, ControllerId). */
    fprintf(f, "controller.client.endpoints=");
    for (int k = 0; k < NODES; k++) fprintf(f, "%s%d@127.0.0.1:%u", k ? "," : "", k + 1, client_ports[k]);
    fprintf(f, "\n");
    fclose(f);
}

static void format_cluster(int64_t partitions) {
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf %s/n*", root);
    if (system(cmd) != 0) die("rm", NULL);
    for (int i = 0; i < NODES; i++) {
        raft_ports[i] = must_free_port();
        client_ports[i] = must_free_port();
    }
    for (int i = 0; i < NODES; i++) {
        char dir[4096], part[4200];
        node_dir(i, dir, sizeof dir);
        write_config(i);
        kr_format_options fo = {.dir = dir, .cluster_id = "YmVuY2gtY3JlYXRlLXRvcA", .node_id = i + 1,
                                .metadata_version = 21, .timestamp_ms = 1735689600000};
        kr_format_result fr;
        kr_error err;
        if (kr_format_directory(&fo, &fr, &err) != KR_OK) die("format", err.message);
        snprintf(part, sizeof part, "%s/" KR_METADATA_PARTITION_DIR, dir);
        if (i == 0) {
            seed_snapshot(part, partitions);
        } else { /* the same bytes in every node, as migrate writes them */
            snprintf(cmd, sizeof cmd, "mkdir -p %s && cp -p %s/n1/" KR_METADATA_PARTITION_DIR "/*.checkpoint %s/", part,
                     root, part);
            if (system(cmd) != 0) die("cp", NULL);
        }
    }
}

static void start_node(int i) {
    char cfg[4200], log[4200], dir[4096];
    node_dir(i, dir, sizeof dir);
    snprintf(cfg, sizeof cfg, "%s.properties", dir);
    snprintf(log, sizeof log, "%s.log", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, bin, "controller", "--config", cfg, (char *)NULL);
        _exit(127);
    }
    pids[i] = pid;
}

static bool client_listening(int i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons(client_ports[i])};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

/* Boots the cluster; false when the controllers do not serve the client API. */
static bool boot(int64_t partitions, int wait_ms, double *boot_s) {
    format_cluster(partitions);
    double t0 = bench_now_s();
    for (int i = 0; i < NODES; i++) start_node(i);
    for (int w = 0; w < wait_ms; w += 50) {
        int up = 0;
        for (int i = 0; i < NODES; i++) up += client_listening(i);
        if (up == NODES) {
            *boot_s = bench_now_s() - t0;
            return true;
        }
        sleep_ms(50);
    }
    return false;
}

/* True once the quorum has a leader (librdkafka learns the controller from Metadata
 * only when it refreshes, so the timed creates start after the election). */
static bool wait_for_leader(int wait_ms) {
    char cmd[4400], line[256];
    snprintf(cmd, sizeof cmd, "%s quorum describe --bootstrap-controller 127.0.0.1:%u --status 2>/dev/null", bin,
             raft_ports[0]);
    for (int w = 0; w < wait_ms; w += 100) {
        FILE *p = popen(cmd, "r");
        bool led = false;
        while (p && fgets(line, sizeof line, p))
            if (!strncmp(line, "LeaderId:", 9) && atoi(line + 9) > 0) led = true;
        if (p) pclose(p);
        if (led) return true;
        sleep_ms(100);
    }
    return false;
}

static rd_kafka_t *admin_client(void) {
    char bootstrap[256], errstr[512];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%u,127.0.0.1:%u,127.0.0.1:%u", client_ports[0], client_ports[1],
             client_ports[2]);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        die("librdkafka conf", errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) die("rd_kafka_new", errstr);
    return rk;
}

/* One CreateTopics request for one topic; returns false on a per-topic error. */
static bool kraft_create(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *topic, int partitions, char *why, size_t cap) {
    char errstr[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 3, errstr, sizeof errstr);
    if (!nt) die("NewTopic", errstr);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(o, WAIT_MS, errstr, sizeof errstr);
    rd_kafka_AdminOptions_set_operation_timeout(o, WAIT_MS, errstr, sizeof errstr);
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, WAIT_MS + 5000);
    bool ok = false;
    if (!ev) {
        snprintf(why, cap, "no result within %d ms", WAIT_MS + 5000);
    } else if (rd_kafka_event_error(ev)) {
        snprintf(why, cap, "%s", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **r = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        ok = n == 1 && rd_kafka_topic_result_error(r[0]) == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (!ok) snprintf(why, cap, "%s", n == 1 ? rd_kafka_err2str(rd_kafka_topic_result_error(r[0])) : "no topic result");
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    return ok;
}

static bool kraft_series(rd_kafka_t *rk, rd_kafka_queue_t *q, series *s) {
    char topic[64], why[512];
    double t0 = bench_now_s();
    for (int t = 0; t < s->topics && s->n < MAX_SAMPLES; t++) {
        snprintf(topic, sizeof topic, "bench-%d-%05d", s->partitions, t);
        double a = bench_now_s();
        if (!kraft_create(rk, q, topic, s->partitions, why, sizeof why)) {
            printf("  KRaft     CreateTopics %s failed: %s (see %s/n*.log)\n", topic, why, root);
            return false;
        }
        s->lat_ms[s->n++] = (bench_now_s() - a) * 1000.0;
    }
    s->elapsed_s = bench_now_s() - t0;
    return true;
}

static bool kraft_bench(series *one, series *big) {
    double boot_s;
    if (!boot(3000, 20000, &boot_s)) {
        printf("KRaft: not measured: the controllers do not serve the Kafka client API in this build "
               "(no client listener within %d ms)\n", 20000);
        stop_all();
        return false;
    }
    printf("KRaft: 3 controllers, client listeners up in %.2f s, image of 3,000 partitions, fsync on\n", boot_s);
    if (!wait_for_leader(20000)) printf("  KRaft     no leader within 20 s\n");
    rd_kafka_t *rk = admin_client();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char why[512];
    /* warm-up: waits for the leader and librdkafka's controller connection */
    bool ok = kraft_create(rk, q, "bench-warm-up", 1, why, sizeof why);
    if (!ok) printf("  KRaft     warm-up CreateTopics failed: %s\n", why);
    ok = ok && kraft_series(rk, q, one) && kraft_series(rk, q, big);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    stop_all();
    return ok;
}

static void metadata_bench(int64_t partitions) {
    double boot_s;
    if (!boot(partitions, 4 * WAIT_MS, &boot_s)) {
        printf("Metadata: not measured (no client listener)\n");
        stop_all();
        return;
    }
    rd_kafka_t *rk = admin_client();
    double lat[8];
    int n = 0;
    for (int k = 0; k < 8; k++) {
        const struct rd_kafka_metadata *md = NULL;
        double a = bench_now_s();
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, WAIT_MS);
        double ms = (bench_now_s() - a) * 1000.0;
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            printf("Metadata: request failed: %s\n", rd_kafka_err2str(e));
            break;
        }
        int64_t parts = 0;
        for (int t = 0; t < md->topic_cnt; t++) parts += md->topics[t].partition_cnt;
        if (k == 0) printf("Metadata (all topics, librdkafka v4), image of %lld partitions: %d topics / %lld partitions answered\n",
                           (long long)partitions, md->topic_cnt, (long long)parts);
        rd_kafka_metadata_destroy(md);
        if (k > 0) lat[n++] = ms; /* the first also waits for connections */
    }
    if (n > 0) {
        qsort(lat, (size_t)n, sizeof lat[0], cmp_double);
        printf("  latency over %d requests: p50 %.0f ms, max %.0f ms (client-side, includes librdkafka's parse)\n", n,
               pct(lat, n, 0.5), lat[n - 1]);
    }
    rd_kafka_destroy(rk);
    stop_all();
}

int main(int argc, char **argv) {
    int topics = 1000, big_topics = 100;
    int64_t md_partitions = 1000000;
    const char *only = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--topics") && i + 1 < argc) topics = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--big-topics") && i + 1 < argc) big_topics = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--metadata-partitions") && i + 1 < argc) md_partitions = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--bin") && i + 1 < argc) bin = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--topics N] [--big-topics M] [--metadata-partitions P] [--bin PATH] [--only zk|kraft]\n", argv[0]);
            return 2;
        }
    }
    if (topics < 1 || topics > MAX_SAMPLES || big_topics < 1 || big_topics > MAX_SAMPLES || md_partitions < 1) {
        fprintf(stderr, "bench_create_topics: counts out of range\n");
        return 2;
    }
    if (!mkdtemp(root)) die("mkdtemp", NULL);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    bench_print_machine();
    static series zk1, zk100, kr1, kr100;
    zk1 = (series){.label = "1-partition", .topics = topics, .partitions = 1};
    zk100 = (series){.label = "100-partition", .topics = big_topics, .partitions = BIG_PARTITIONS};
    kr1 = zk1;
    kr100 = zk100;
    bool zk_done = false, kr_done = false;
    if (strcmp(only, "kraft") != 0) {
        zk_bench(&zk1, &zk100);
        zk_done = true;
    }
    if (strcmp(only, "zk") != 0) kr_done = kraft_bench(&kr1, &kr100);
    printf("CreateTopics, one topic per request, one request at a time, replication 3:\n");
    double r[4] = {0};
    if (zk_done) r[0] = report("ZooKeeper", &zk1), r[1] = report("ZooKeeper", &zk100);
    if (kr_done) r[2] = report("KRaft", &kr1), r[3] = report("KRaft", &kr100);
    if (zk_done && kr_done)
        printf("  KRaft / ZooKeeper: %.2fx (1-partition), %.2fx (100-partition); target >= 2x\n", r[2] / r[0], r[3] / r[1]);
    if (strcmp(only, "zk") != 0 && kr_done) metadata_bench(md_partitions);
    stop_all();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) fprintf(stderr, "bench_create_topics: could not remove %s\n", root);
    return 0;
}
