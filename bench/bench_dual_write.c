/*
 * Dual-write figures (docs/dual-write.md; printed, never pass/fail):
 *
 * 1. Lag, commit -> visible in ZooKeeper: fixtures/demo.xml loaded into a
 *    throwaway ZooKeeper (tests/support/zk-server.sh), `zk2kraft migrate
 *    --dual-write` for one controller, `zk2kraft controller` in migration mode
 *    with a PLAINTEXT client listener. librdkafka sends AlterConfigs
 *    (retention.ms = a sequence number) on the demo's 50 topics at a fixed
 *    request rate; a ZooKeeper session watches every /config/topics/<t>. A
 *    change's lag = when its value (or a later one of the same topic) is read
 *    back through the watch - when the client got the AlterConfigs response
 *    (0 when ZooKeeper had it first). 100 changes/s = 100 requests/s of one
 *    topic; 1,000 changes/s = 100 requests/s of 10 topics each (the controller
 *    commits one write at a time, so changes per commit is how Kafka's admin
 *    clients reach such rates too).
 *
 * 2. Full reconciliation of 100,000 partitions (1,000 topics x 100, the
 *    driver's SYNC: read the tree, plan, execute through the fenced writer)
 *    against ZooKeeper holding (a) nothing, (b) exactly the image,
 *    (c) every partition state different (leader and partition epochs bumped).
 *
 * Usage: bench_dual_write [--bin PATH] [--seconds N] [--topics N] [--partitions N]
 *                         [--only lag|reconcile]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#define THREADED 1
#include <zookeeper/zookeeper.h>

#include "bench/machine.h"
#include "bench/bench_util.h"
#include "kraft/image.h"
#include "kraft/metadata_record.h"
#include "migrate/zk_plan.h"
#include "migrate/zk_writer.h"
#include "zkread/reader.h"

#define WAIT_MS 60000
#define MAX_TOPICS 64
#define MAX_CHANGES 200000
#define REQ_RATE 100 /* AlterConfigs requests per second */

static char root[] = "/tmp/bench-dual-write-XXXXXX";
static const char *bin = "bin/zk2kraft";
static pid_t ctl_pid;
static bool zk_started;

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void stop_all(void) {
    if (ctl_pid > 0) {
        kill(ctl_pid, SIGKILL);
        waitpid(ctl_pid, NULL, 0);
        ctl_pid = 0;
    }
    if (zk_started) {
        char cmd[4300];
        snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh stop %s/zk >/dev/null 2>&1", root);
        if (system(cmd) != 0) fprintf(stderr, "bench_dual_write: stopping ZooKeeper failed\n");
        zk_started = false;
    }
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench_dual_write: %s: %s\n", what, why ? why : strerror(errno));
    stop_all();
    exit(2);
}

static uint16_t must_free_port(void) {
    uint16_t port = bench_free_port();
    if (!port) die("free port", NULL);
    return port;
}

static void run(const char *cmd) {
    if (system(cmd) != 0) die(cmd, "failed");
}

static void start_zookeeper(char *connect, size_t cap) {
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "ZK_HEAP_MB=${ZK_HEAP_MB:-1024} tests/support/zk-server.sh start %s/zk", root);
    zk_started = true;
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(connect, (int)cap, p)) die("zk-server.sh start", "no connect string");
    connect[strcspn(connect, "\n")] = '\0';
    if (pclose(p) != 0) die("zk-server.sh start", "failed");
}

static zhandle_t *session(const char *connect) {
    zr_connect_opts o = {.connect = connect, .session_timeout_ms = 30000};
    zhandle_t *zh;
    zr_error err;
    if (zr_session_open(&o, &zh, &err) != 0) die("ZooKeeper session", err.message);
    return zh;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* ======================= 1. lag ======================= */

typedef struct change {
    int topic;
    int64_t seq;
    double response_s; /* 0 = no response yet */
    double visible_s;  /* 0 = not seen yet */
    bool failed;
} change;

static struct {
    pthread_mutex_t mu;
    zhandle_t *zh;
    int n_topics;
    char names[MAX_TOPICS][256];
    change *changes;
    size_t n_changes;
    int64_t seen[MAX_TOPICS]; /* highest seq read back per topic */
    double seen_at[MAX_TOPICS];
    bool stop;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void lag_watch(int t);
static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* Marks every change of topic t up to seq as visible at `now`. */
static void saw(int t, int64_t seq, double now) {
    pthread_mutex_lock(&L.mu);
    if (seq > L.seen[t]) {
        L.seen[t] = seq;
        L.seen_at[t] = now;
        for (size_t i = L.n_changes; i-- > 0;) {
            change *c = &L.changes[i];
            if (c->topic != t || c->seq > seq) continue;
            if (c->visible_s) break; /* older ones were marked earlier */
            c->visible_s = now;
        }
    }
    pthread_mutex_unlock(&L.mu);
}

static void exists_done(int rc, const struct Stat *st, const void *data) {
    (void)st;
    if (rc == ZOK) lag_watch((int)(intptr_t)data); /* created meanwhile */
}

static void data_done(int rc, const char *value, int len, const struct Stat *st, const void *data) {
    (void)st;
    int t = (int)(intptr_t)data;
    double now = bench_now_s();
    if (rc == ZNONODE && !L.stop) { /* no data watch on a missing znode: watch for its creation */
        char path[300];
        snprintf(path, sizeof path, "/config/topics/%s", L.names[t]);
        zoo_awexists(L.zh, path, watcher, (void *)(intptr_t)t, exists_done, (void *)(intptr_t)t);
        return;
    }
    if (rc == ZOK && value && len > 0) {
        char buf[512];
        int n = len < (int)sizeof buf - 1 ? len : (int)sizeof buf - 1;
        memcpy(buf, value, (size_t)n);
        buf[n] = '\0';
        const char *k = strstr(buf, "\"retention.ms\":\"");
        if (k) saw(t, strtoll(k + 16, NULL, 10), now);
    }
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    (void)path;
    (void)state;
    if (type == ZOO_CHANGED_EVENT || type == ZOO_CREATED_EVENT || type == ZOO_DELETED_EVENT)
        lag_watch((int)(intptr_t)ctx);
}

static void lag_watch(int t) {
    if (L.stop) return;
    char path[300];
    snprintf(path, sizeof path, "/config/topics/%s", L.names[t]);
    zoo_awget(L.zh, path, watcher, (void *)(intptr_t)t, data_done, (void *)(intptr_t)t);
}

static rd_kafka_t *admin_client(uint16_t port) {
    char errstr[512], bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%u", port);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        die("rdkafka conf", errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) die("rd_kafka_new", errstr);
    return rk;
}

typedef struct request {
    size_t first, n; /* changes */
} request;

/* Sends `requests` AlterConfigs of `per_req` topics at REQ_RATE/s; returns the changes made. */
static void lag_series(rd_kafka_t *rk, rd_kafka_queue_t *q, int per_req, int requests, int64_t *seq) {
    request *reqs = calloc((size_t)requests, sizeof *reqs);
    if (!reqs) die("calloc", NULL);
    int sent = 0, done = 0, next_topic = 0;
    double t0 = bench_now_s(), deadline = 0;
    while (done < requests) {
        double now = bench_now_s();
        while (sent < requests && now >= t0 + (double)sent / REQ_RATE && L.n_changes + (size_t)per_req <= MAX_CHANGES) {
            rd_kafka_ConfigResource_t *res[MAX_TOPICS];
            char value[32];
            pthread_mutex_lock(&L.mu);
            reqs[sent].first = L.n_changes;
            reqs[sent].n = (size_t)per_req;
            for (int k = 0; k < per_req; k++) {
                int t = next_topic++ % L.n_topics;
                int64_t s = ++*seq;
                L.changes[L.n_changes++] = (change){.topic = t, .seq = s};
                res[k] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, L.names[t]);
                snprintf(value, sizeof value, "%" PRId64, s);
                rd_kafka_ConfigResource_set_config(res[k], "retention.ms", value);
            }
            pthread_mutex_unlock(&L.mu);
            rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
            char errstr[256];
            rd_kafka_AdminOptions_set_request_timeout(o, WAIT_MS, errstr, sizeof errstr);
            rd_kafka_AdminOptions_set_opaque(o, &reqs[sent]);
            rd_kafka_AlterConfigs(rk, res, (size_t)per_req, o, q);
            rd_kafka_AdminOptions_destroy(o);
            rd_kafka_ConfigResource_destroy_array(res, (size_t)per_req);
            sent++;
        }
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 1);
        if (!ev) {
            if (sent == requests && !deadline) deadline = bench_now_s() + WAIT_MS / 1000.0;
            if (deadline && bench_now_s() > deadline) die("AlterConfigs", "responses missing");
            continue;
        }
        double at = bench_now_s();
        request *r = rd_kafka_event_opaque(ev);
        bool failed = rd_kafka_event_error(ev) != 0;
        if (!failed) {
            size_t n = 0;
            const rd_kafka_ConfigResource_t **rr =
                rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
            for (size_t i = 0; i < n; i++) failed |= rd_kafka_ConfigResource_error(rr[i]) != 0;
        }
        if (failed && done < 3)
            fprintf(stderr, "bench_dual_write: AlterConfigs failed: %s\n",
                    rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev) : "a resource error");
        pthread_mutex_lock(&L.mu);
        for (size_t i = 0; r && i < r->n; i++) {
            L.changes[r->first + i].response_s = at;
            L.changes[r->first + i].failed = failed;
        }
        pthread_mutex_unlock(&L.mu);
        rd_kafka_event_destroy(ev);
        done++;
    }
    free(reqs);
}

static void lag_report(const char *label, size_t from, size_t to, double elapsed_s) {
    sleep_ms(2000); /* let the last writes land */
    pthread_mutex_lock(&L.mu);
    size_t n = to - from, seen = 0, failed = 0;
    double *lag = calloc(n ? n : 1, sizeof *lag);
    for (size_t i = from; i < to; i++) {
        change *c = &L.changes[i];
        if (c->failed || !c->response_s) {
            failed++;
            continue;
        }
        if (!c->visible_s) continue;
        double d = (c->visible_s - c->response_s) * 1000.0;
        lag[seen++] = d < 0 ? 0 : d;
    }
    int unseen = 0;
    for (int t = 0; t < L.n_topics; t++)
        if (!L.seen[t]) {
            if (unseen++ < 3) fprintf(stderr, "  (never read back: /config/topics/%s)\n", L.names[t]);
        }
    pthread_mutex_unlock(&L.mu);
    qsort(lag, seen, sizeof *lag, cmp_double);
    printf("  %-28s %6zu changes in %5.1f s (%6.0f/s): visible %zu, failed %zu; lag p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms\n",
           label, n, elapsed_s, (double)n / elapsed_s, seen, failed, pct(lag, seen, 0.5), pct(lag, seen, 0.99),
           seen ? lag[seen - 1] : 0);
    free(lag);
}

static bool ctl_ready(zhandle_t *zh) {
    char buf[512];
    int len = sizeof buf - 1;
    struct Stat st;
    if (zoo_get(zh, "/migration", 0, buf, &len, &st) != ZOK || len <= 0) return false;
    buf[len] = '\0';
    const char *o = strstr(buf, "\"kraft_metadata_offset\":");
    return strstr(buf, "\"kraft_controller_id\":1,") && o && strtoll(o + 24, NULL, 10) > 0;
}

static void lag_bench(int seconds) {
    char connect[1024], zc[1100], cmd[9000], dir[4200], props[4300];
    start_zookeeper(connect, sizeof connect);
    snprintf(zc, sizeof zc, "%s/lag", connect);
    snprintf(cmd, sizeof cmd, "%s load fixtures/demo.xml --zookeeper %s >/dev/null", bin, zc);
    run(cmd);
    uint16_t raft = must_free_port(), client = must_free_port();
    snprintf(dir, sizeof dir, "%s/lag-out", root);
    snprintf(cmd, sizeof cmd, "%s migrate --zookeeper %s --controllers 1@127.0.0.1:%u --out %s --dual-write >/dev/null",
             bin, zc, raft, dir);
    run(cmd);
    snprintf(props, sizeof props, "%s/node-1/controller.properties", dir);
    snprintf(cmd, sizeof cmd,
             "sed -i -e 's|^listeners=.*|listeners=CONTROLLER://127.0.0.1:%u,PLAINTEXT://127.0.0.1:%u|' "
             "-e 's|^listener.security.protocol.map=.*|listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT|' %s && "
             "printf 'advertised.listeners=PLAINTEXT://127.0.0.1:%u\\nzookeeper.metadata.migration.enable=true\\nzookeeper.connect=%s\\n' >>%s",
             raft, client, props, client, zc, props);
    run(cmd);
    char log[4300];
    snprintf(log, sizeof log, "%s/controller.log", root);
    ctl_pid = fork();
    if (ctl_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, bin, "controller", "--config", props, (char *)NULL);
        _exit(127);
    }
    L.zh = session(zc);
    int w = 0;
    for (; w < WAIT_MS && !ctl_ready(L.zh); w += 50) sleep_ms(50);
    if (w >= WAIT_MS) die("controller", "no claim and reconciliation in ZooKeeper (see its log)");
    struct String_vector kids;
    if (zoo_get_children(L.zh, "/brokers/topics", 0, &kids) != ZOK) die("list topics", NULL);
    for (int i = 0; i < kids.count && L.n_topics < MAX_TOPICS; i++)
        snprintf(L.names[L.n_topics++], sizeof L.names[0], "%s", kids.data[i]);
    deallocate_String_vector(&kids);
    L.changes = calloc(MAX_CHANGES, sizeof *L.changes);
    if (!L.changes) die("calloc", NULL);
    for (int t = 0; t < L.n_topics; t++) lag_watch(t);
    printf("lag, AlterConfigs response -> value readable in ZooKeeper (1 controller in migration mode, %d topics, "
           "%d requests/s):\n", L.n_topics, REQ_RATE);
    rd_kafka_t *rk = admin_client(client);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int64_t seq = 1000000000000LL; /* above any retention.ms the fixture holds: values only grow */
    lag_series(rk, q, 1, REQ_RATE, &seq); /* warm-up: connections, metadata */
    size_t from = L.n_changes;
    double t0 = bench_now_s();
    lag_series(rk, q, 1, REQ_RATE * seconds, &seq);
    lag_report("100 changes/s (1 per req)", from, L.n_changes, bench_now_s() - t0);
    from = L.n_changes;
    t0 = bench_now_s();
    lag_series(rk, q, 10, REQ_RATE * seconds, &seq);
    lag_report("1000 changes/s (10 per req)", from, L.n_changes, bench_now_s() - t0);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    L.stop = true;
    zr_session_close(L.zh);
    stop_all();
}

/* ======================= 2. reconciliation ======================= */

static void must(int rc, const kr_error *err, const char *what) {
    if (rc != KR_OK) die(what, err->message);
}

static void build_image(kr_image *img, int topics, int per_topic) {
    kr_error err = {0};
    bench_topics b = {.topics = topics, .per_topic = per_topic, .brokers = 3, .first_broker = 1,
                      .name_fmt = "bench-%04lld", .id_tag = 0x17};
    must(bench_image_topics(img, &b, &err), &err, "image");
}

static void null_log(void *ctx, kr_log_level level, const char *line) {
    (void)ctx;
    if (level <= KR_LOG_LEVEL_WARN && !strstr(line, "not authenticated")) fprintf(stderr, "  [writer] %s\n", line);
}

/* One SYNC as the driver does it; prints its figures. */
static void reconcile_once(const char *label, const char *zc, mg_zk_writer *w, const kr_image *img, int32_t epoch,
                           int64_t offset) {
    zr_connect_opts co = {.connect = zc, .session_timeout_ms = 30000};
    zr_model model;
    zr_model_init(&model);
    zr_findings f = {0};
    f.lenient = true;
    zr_read_stats rs = {0};
    zr_error zerr = {0};
    double t0 = bench_now_s();
    if (zr_read_model(&co, &model, &f, NULL, NULL, &rs, &zerr) != 0) die("read", zerr.message);
    double t1 = bench_now_s();
    uint64_t znodes = rs.znodes;
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    mg_zk_plan_stats ps = {0};
    mg_zk_exec_stats xs = {0};
    mg_zk_plan_options po = {.kraft_controller_epoch = epoch, .now_ms = 1735689600000};
    kr_error err = {0};
    must(mg_zk_plan_reconcile(img, &model, &po, &ops, &ps, &err), &err, "plan");
    double t2 = bench_now_s();
    must(mg_zk_writer_execute(w, &ops, offset, epoch, &xs, &err), &err, "execute");
    double t3 = bench_now_s();
    printf("  %-36s %8.2f s  (read %" PRIu64 " znodes %.2f s, plan %.2f s, execute %zu ops in %" PRId64
           " multis %.2f s, %" PRId64 " redone one by one)\n",
           label, t3 - t0, znodes, t1 - t0, t2 - t1, ops.n, xs.multis, t3 - t2, xs.fallback_ops);
    mg_zk_ops_free(&ops);
    zr_model_free(&model);
    zr_findings_free(&f);
    zr_read_stats_free(&rs);
}

static void reconcile_bench(int topics, int per_topic) {
    char connect[1024], zc[1100];
    start_zookeeper(connect, sizeof connect);
    snprintf(zc, sizeof zc, "%s/rec", connect);
    zhandle_t *zh = session(connect);
    if (zoo_create(zh, "/rec", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0) != ZOK ||
        zoo_create(zh, "/rec/controller_epoch", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0) != ZOK)
        die("seed ZooKeeper", NULL);
    zr_session_close(zh);
    kr_image img;
    kr_image_init(&img);
    build_image(&img, topics, per_topic);
    mg_zk_writer_options wo = {.connect = zc, .session_timeout_ms = 30000, .node_id = 1, .log = {null_log, NULL}};
    mg_zk_writer *w;
    kr_error err = {0};
    must(mg_zk_writer_open(&wo, &w, &err), &err, "writer");
    must(mg_zk_writer_claim(w, 1, NULL, &err), &err, "claim");
    printf("full reconciliation, %d topics x %d partitions = %d partitions (read, plan, fenced execute):\n", topics,
           per_topic, topics * per_topic);
    reconcile_once("ZooKeeper empty (everything created)", zc, w, &img, 1, 100);
    reconcile_once("0 differences", zc, w, &img, 1, 101);
    for (int32_t t = 0; t < img.topics.n; t++) {
        kr_image_topic *tp = &img.topics.v[t];
        for (int32_t p = 0; p < tp->partitions_cap; p++)
            if (tp->partitions[p].present) {
                tp->partitions[p].leader_epoch++;
                tp->partitions[p].partition_epoch++;
            }
    }
    reconcile_once("every partition state different", zc, w, &img, 1, 102);
    reconcile_once("0 differences again", zc, w, &img, 1, 103);
    mg_zk_writer_close(w);
    kr_image_free(&img);
    stop_all();
}

int main(int argc, char **argv) {
    int seconds = 10, topics = 1000, per_topic = 100;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bin") && i + 1 < argc) bin = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--topics") && i + 1 < argc) topics = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--partitions") && i + 1 < argc) per_topic = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_dual_write [--bin PATH] [--seconds N] [--topics N] [--partitions N] [--only lag|reconcile]\n");
            return 2;
        }
    }
    if (seconds < 1 || topics < 1 || per_topic < 1) die("arguments", "must be positive");
    if (system("command -v java >/dev/null 2>&1 && test -e /usr/share/java/zookeeper.jar") != 0) {
        printf("bench_dual_write: skipped (ZooKeeper is not installed)\n");
        return 0;
    }
    if (!mkdtemp(root)) die("mkdtemp", NULL);
    signal(SIGPIPE, SIG_IGN);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    bench_print_machine();
    if (!only || !strcmp(only, "lag")) lag_bench(seconds);
    if (!only || !strcmp(only, "reconcile")) reconcile_bench(topics, per_topic);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) fprintf(stderr, "bench_dual_write: could not remove %s\n", root);
    return 0;
}
