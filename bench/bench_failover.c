/*
 * Real `zk2kraft controller` processes on loopback (3 voters):
 *   1. failover time over N SIGKILLs of the leader (kill -> a live node reports
 *      a leader of a higher epoch), at default timeouts and at tuned ones
 *      (election 150 ms, fetch 300 ms), with 1,000 and with 1M partitions;
 *   2. boot time of a controller over a 1M-partition snapshot (exec -> it
 *      answers DescribeQuorum);
 *   3. catch-up time of a wiped follower by FetchSnapshot with 1M partitions
 *      (restart -> the leader reports its end offset at the leader's HW).
 * Figures only, never pass/fail.
 * Usage: bench_failover [--kills N] [--big-partitions P] [--bin PATH] [--only default|tuned|big|boot]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "bench/machine.h"
#include "bench/bench_util.h"
#include "kraft/format.h"
#include "kraft/gen/rpc_messages.h"
#include "kraft/kafka_frame.h"
#include "kraft/metadata_record.h"
#include "kraft/net_client.h"
#include "kraft/raft_store.h"
#include "kraft/snapshot.h"

#define NODES 3
#define WAIT_MS 60000

static const char *bin = "bin/zk2kraft";
static char root[] = "/tmp/zk2kraft-bench-failover-XXXXXX";
static uint16_t ports[NODES];
static pid_t pids[NODES];
static char cluster_id[32];

static int64_t now_ms(void) { return (int64_t)(bench_now_s() * 1000.0); }
static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void die(const char *what, const kr_error *err) {
    fprintf(stderr, "bench_failover: %s: %s\n", what, err ? err->message : strerror(errno));
    for (int i = 0; i < NODES; i++)
        if (pids[i] > 0) kill(pids[i], SIGKILL);
    exit(1);
}

static uint16_t must_free_port(void) {
    uint16_t port = bench_free_port();
    if (!port) die("free port", NULL);
    return port;
}

/* ---------- a synthetic image as a migrate-style snapshot ---------- */

static void seed_snapshot(const char *partition_dir, int64_t partitions) {
    bench_topics b = {.topics = (partitions + 99) / 100, .per_topic = 100, .brokers = 3, .first_broker = 0,
                      .name_fmt = "topic-%06lld", .epoch = 1};
    kr_error err;
    if (bench_seed_snapshot(partition_dir, &b, &err) != KR_OK) die("seed", &err);
}

/* ---------- processes ---------- */

static void node_dir(int i, char *out, size_t cap) { snprintf(out, cap, "%s/n%d", root, i + 1); }

static void write_config(int i, uint32_t election_ms, uint32_t fetch_ms) {
    char path[4096], dir[4096];
    node_dir(i, dir, sizeof dir);
    snprintf(path, sizeof path, "%s.properties", dir);
    FILE *f = fopen(path, "w");
    if (!f) die(path, NULL);
    fprintf(f, "process.roles=controller\nnode.id=%d\ncontroller.quorum.voters=", i + 1);
    for (int k = 0; k < NODES; k++) fprintf(f, "%s%d@127.0.0.1:%u", k ? "," : "", k + 1, ports[k]);
    fprintf(f, "\nlisteners=CONTROLLER://127.0.0.1:%u\ncontroller.listener.names=CONTROLLER\n"
               "listener.security.protocol.map=CONTROLLER:PLAINTEXT\nmetadata.log.dir=%s\n",
            ports[i], dir);
    if (election_ms) fprintf(f, "controller.quorum.election.timeout.ms=%u\n", election_ms);
    if (fetch_ms) fprintf(f, "controller.quorum.fetch.timeout.ms=%u\n", fetch_ms);
    fclose(f);
}

static void format_cluster(int64_t partitions) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf %s/n*", root);
    if (system(cmd) != 0) die("rm", NULL);
    for (int i = 0; i < NODES; i++) {
        char dir[4096], part[4200];
        node_dir(i, dir, sizeof dir);
        kr_format_options fo = {.dir = dir, .cluster_id = cluster_id, .node_id = i + 1,
                                .metadata_version = 21, .timestamp_ms = 1735689600000};
        kr_format_result fr;
        kr_error err;
        if (kr_format_directory(&fo, &fr, &err) != KR_OK) die("format", &err);
        if (partitions > 0) {
            snprintf(part, sizeof part, "%s/" KR_METADATA_PARTITION_DIR, dir);
            if (i == 0) {
                seed_snapshot(part, partitions);
            } else { /* the same bytes in every node, as migrate writes them */
                snprintf(cmd, sizeof cmd, "mkdir -p %s && cp -p %s/n1/" KR_METADATA_PARTITION_DIR "/*.checkpoint %s/",
                         part, root, part);
                if (system(cmd) != 0) die("cp", NULL);
            }
        }
    }
}

static void start_node(int i) {
    char cfg[4096], log[4096], dir[4096];
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

static void stop_node(int i, int sig) {
    if (pids[i] <= 0) return;
    kill(pids[i], sig);
    waitpid(pids[i], NULL, 0);
    pids[i] = 0;
}

typedef struct view {
    bool answered;
    int32_t leader, epoch;
    int64_t hw;
    int64_t leo[NODES + 1];        /* by node id, -1 unknown */
    int64_t last_fetch[NODES + 1]; /* wall ms of the last valid fetch, -1 never */
} view;

/* DescribeQuorum at node i (its own answer: leader view, or an error naming the leader). */
static view describe(int i) {
    view v = {.leader = -1, .epoch = -1, .hw = -1};
    for (int k = 0; k <= NODES; k++) v.leo[k] = v.last_fetch[k] = -1;
    kr_client c;
    kr_error err;
    if (kr_client_connect(&c, "127.0.0.1", ports[i], 300, &err) != KR_OK) return v;
    kr_DescribeQuorumRequest req;
    kr_DescribeQuorumRequest_TopicData t;
    kr_DescribeQuorumRequest_PartitionData p;
    kr_DescribeQuorumRequest_init(&req);
    kr_DescribeQuorumRequest_TopicData_init(&t);
    kr_DescribeQuorumRequest_PartitionData_init(&p);
    t.TopicName = kr_str_c("__cluster_metadata");
    t.Partitions = (kr_DescribeQuorumRequest_PartitionData_array){&p, 1};
    req.Topics = (kr_DescribeQuorumRequest_TopicData_array){&t, 1};
    kr_DescribeQuorumResponse resp;
    kr_arena a = {0};
    if (kr_client_call(&c, KR_API_DESCRIBE_QUORUM, 1, &req, &resp, &a, &err) == KR_OK && resp.Topics.n == 1 &&
        resp.Topics.v[0].Partitions.n == 1) {
        const kr_DescribeQuorumResponse_PartitionData *pd = &resp.Topics.v[0].Partitions.v[0];
        v.answered = true;
        if (pd->ErrorCode == 0) {
            v.leader = pd->LeaderId;
            v.epoch = pd->LeaderEpoch;
            v.hw = pd->HighWatermark;
            for (int32_t k = 0; k < pd->CurrentVoters.n; k++) {
                int32_t id = pd->CurrentVoters.v[k].ReplicaId;
                if (id < 1 || id > NODES) continue;
                v.leo[id] = pd->CurrentVoters.v[k].LogEndOffset;
                v.last_fetch[id] = pd->CurrentVoters.v[k].LastFetchTimestamp;
            }
        }
    }
    kr_arena_free(&a);
    kr_client_close(&c);
    return v;
}

/* A leader with epoch > min_epoch as answered by itself; -1 on timeout. */
static int wait_leader(int32_t min_epoch, view *out) {
    int64_t deadline = now_ms() + WAIT_MS;
    while (now_ms() < deadline) {
        for (int i = 0; i < NODES; i++) {
            if (pids[i] <= 0) continue;
            view v = describe(i);
            if (v.leader == i + 1 && v.epoch > min_epoch) {
                *out = v;
                return i;
            }
        }
        sleep_ms(5);
    }
    return -1;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Node `id`'s end offset, as the leader sees it from a fetch made after
 * since_wall_ms, reaches the leader's HW. */
static bool wait_caught_up_since(int leader, int id, int64_t since_wall_ms, int64_t *hw_out) {
    int64_t deadline = now_ms() + WAIT_MS;
    while (now_ms() < deadline) {
        view v = describe(leader);
        if (v.hw > 0 && v.leo[id] >= v.hw && v.last_fetch[id] >= since_wall_ms) {
            if (hw_out) *hw_out = v.hw;
            return true;
        }
        sleep_ms(5);
    }
    return false;
}

static bool wait_caught_up(int leader, int id, int64_t *hw_out) { return wait_caught_up_since(leader, id, 0, hw_out); }

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void failover_series(const char *label, int kills, int64_t partitions, uint32_t election_ms,
                            uint32_t fetch_ms) {
    format_cluster(partitions);
    for (int i = 0; i < NODES; i++) write_config(i, election_ms, fetch_ms);
    for (int i = 0; i < NODES; i++) start_node(i);
    view v;
    int leader = wait_leader(0, &v);
    if (leader < 0) die("no leader elected", NULL);
    int64_t *t = calloc((size_t)kills, sizeof *t);
    int done = 0;
    for (int k = 0; k < kills; k++) {
        for (int i = 0; i < NODES; i++) /* everyone caught up before the kill */
            if (!wait_caught_up(leader, i + 1, NULL)) die("a node did not catch up", NULL);
        int32_t epoch = v.epoch;
        int64_t t0 = now_ms();
        stop_node(leader, SIGKILL);
        int killed = leader;
        leader = wait_leader(epoch, &v);
        if (leader < 0) die("no new leader", NULL);
        t[done++] = now_ms() - t0;
        start_node(killed);
    }
    qsort(t, (size_t)done, sizeof *t, cmp_i64);
    int64_t sum = 0;
    for (int k = 0; k < done; k++) sum += t[k];
    printf("failover %-34s n=%d  median %lld ms  p99 %lld ms  min %lld ms  max %lld ms  mean %lld ms\n", label, done,
           (long long)t[done / 2], (long long)t[(done * 99 + 99) / 100 - 1], (long long)t[0],
           (long long)t[done - 1], (long long)(sum / done));
    printf("  samples (ms, sorted):");
    for (int k = 0; k < done; k++) printf(" %lld", (long long)t[k]);
    printf("\n");
    fflush(stdout);
    free(t);
    for (int i = 0; i < NODES; i++) stop_node(i, SIGKILL);
}

static void boot_and_catch_up(int64_t partitions) {
    format_cluster(partitions);
    for (int i = 0; i < NODES; i++) write_config(i, 0, 0);
    char dir[4096], snap[4200];
    node_dir(0, dir, sizeof dir);
    snprintf(snap, sizeof snap, "du -h %s/" KR_METADATA_PARTITION_DIR "/*.checkpoint | cut -f1", dir);
    printf("image: %lld partitions (100 per topic, replication 3); snapshot size: ", (long long)partitions);
    fflush(stdout);
    if (system(snap) != 0) printf("?\n");
    /* Boot: exec -> DescribeQuorum answered (the snapshot is loaded before the listener opens). */
    int64_t t0 = now_ms();
    start_node(0);
    while (!describe(0).answered && now_ms() - t0 < WAIT_MS) sleep_ms(2);
    printf("boot over the snapshot (exec -> serving):        %lld ms\n", (long long)(now_ms() - t0));
    start_node(1);
    start_node(2);
    view v;
    int leader = wait_leader(0, &v);
    if (leader < 0) die("no leader", NULL);
    int follower = (leader + 1) % NODES;
    int64_t hw;
    if (!wait_caught_up(leader, follower + 1, &hw)) die("follower not caught up", NULL);
    stop_node(follower, SIGKILL);
    char cmd[8192];
    node_dir(follower, dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s/" KR_METADATA_PARTITION_DIR, dir);
    if (system(cmd) != 0) die("wipe", NULL);
    t0 = now_ms();
    int64_t since = wall_ms();
    start_node(follower);
    if (!wait_caught_up_since(leader, follower + 1, since, &hw)) die("wiped follower did not catch up", NULL);
    printf("wiped follower catch-up by FetchSnapshot:        %lld ms (to HW %lld)\n", (long long)(now_ms() - t0),
           (long long)hw);
    for (int i = 0; i < NODES; i++) stop_node(i, SIGKILL);
}

int main(int argc, char **argv) {
    int kills = 20;
    int64_t big = 1000000;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--kills") && i + 1 < argc) kills = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--big-partitions") && i + 1 < argc) big = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--bin") && i + 1 < argc) bin = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_failover [--kills N] [--big-partitions P] [--bin PATH] [--only default|tuned|big|boot]\n");
            return 2;
        }
    }
    if (kills < 1) kills = 1;
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_failover: %s: not built (make)\n", bin);
        return 1;
    }
    if (!mkdtemp(root)) die("mkdtemp", NULL);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < NODES; i++) ports[i] = must_free_port();
    kr_uuid u;
    kr_uuid_random(&u);
    kr_uuid_to_text(&u, cluster_id);
    bench_print_machine();
    printf("3 controllers on loopback; failover = SIGKILL of the leader -> a live node answers DescribeQuorum\n"
           "as leader of a higher epoch (polled every 5 ms); the killed node is restarted each time\n");
    if (!only || !strcmp(only, "default")) failover_series("default timeouts, 1,000 partitions", kills, 1000, 0, 0);
    if (!only || !strcmp(only, "tuned")) failover_series("tuned 150/300 ms, 1,000 partitions", kills, 1000, 150, 300);
    if (!only || !strcmp(only, "big")) failover_series("tuned 150/300 ms, big image", kills, big, 150, 300);
    if (!only || !strcmp(only, "boot")) boot_and_catch_up(big);
    printf("targets: tuned failover p99 < 500 ms and no slower with 1M partitions; boot from 1M < 1.5 s\n");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) return 1;
    return 0;
}
