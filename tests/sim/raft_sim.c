/* raft_sim: runs the KRaft simulator for one seed (replay, --verbose) or for
 * many (soak). Exit 0 when every seed passes, 1 on a failure, 2 on usage. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/sim/sim.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: raft_sim [--seed N] [--seeds COUNT] [--voters N] [--observers N]\n"
            "                [--fault-ms MS] [--liveness-ms MS] [--verbose]\n"
            "  --seed N        first (or only) seed, default 1\n"
            "  --seeds COUNT   run COUNT consecutive seeds; without --voters/--observers each\n"
            "                  seed picks 3 or 5 voters and 0-2 observers from its number\n"
            "  --verbose       trace every event of a single seed to stdout\n");
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end) return false;
    *out = v;
    return true;
}

/* The configuration a seed runs with in multi-seed mode. */
static void seed_config(sim_options *o, uint64_t seed, int voters, int observers) {
    o->seed = seed;
    o->voters = voters > 0 ? voters : (seed % 2 ? 3 : 5);
    o->observers = observers >= 0 ? observers : (int)(seed % 3);
}

static void add_stats(sim_stats *t, const sim_stats *s) {
    t->events += s->events;
    t->invariant_checks += s->invariant_checks;
    t->messages += s->messages;
    t->dropped += s->dropped;
    t->duplicated += s->duplicated;
    t->delayed_long += s->delayed_long;
    t->crashes += s->crashes;
    t->crashes_mid_ready += s->crashes_mid_ready;
    t->restarts += s->restarts;
    t->partitions += s->partitions;
    t->pauses += s->pauses;
    t->resigns += s->resigns;
    t->leaders_elected += s->leaders_elected;
    t->committed_batches += s->committed_batches;
    t->truncations += s->truncations;
    t->snapshots_created += s->snapshots_created;
    t->snapshots_installed += s->snapshots_installed;
    t->proposals += s->proposals;
    if (s->max_epoch > t->max_epoch) t->max_epoch = s->max_epoch;
    if (s->recovery_ms > t->recovery_ms) t->recovery_ms = s->recovery_ms; /* worst */
}

int main(int argc, char **argv) {
    sim_options o;
    sim_default_options(&o);
    uint64_t seeds = 0, v;
    int voters = -1, observers = -1;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            verbose = true;
            continue;
        }
        if (!val || !parse_u64(val, &v)) {
            fprintf(stderr, "raft_sim: %s needs a number\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--seed")) o.seed = v;
        else if (!strcmp(a, "--seeds")) seeds = v;
        else if (!strcmp(a, "--voters") && v >= 1 && v <= 9) voters = (int)v;
        else if (!strcmp(a, "--observers") && v <= 4) observers = (int)v;
        else if (!strcmp(a, "--fault-ms")) o.fault_ms = (uint32_t)v;
        else if (!strcmp(a, "--liveness-ms")) o.liveness_ms = (uint32_t)v;
        else {
            fprintf(stderr, "raft_sim: bad option or value: %s %s\n", a, val);
            usage(stderr);
            return 2;
        }
    }
    bool single = seeds == 0;
    if (single) seeds = 1;
    if (verbose && !single) {
        fprintf(stderr, "raft_sim: --verbose traces one seed; drop --seeds\n");
        return 2;
    }
    uint64_t first = o.seed, failures = 0;
    sim_stats total;
    memset(&total, 0, sizeof total);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t k = 0; k < seeds; k++) {
        seed_config(&o, first + k, single && voters < 0 ? 3 : voters,
                    single && observers < 0 ? 1 : observers);
        o.trace = verbose ? stdout : NULL;
        sim_result res;
        if (!sim_run(&o, &res)) {
            char cmd[512];
            sim_replay_command(&o, argv[0], cmd, sizeof cmd);
            printf("FAIL seed %" PRIu64 " (%d voters, %d observers) at t=%" PRIu64 " ms: %s\n"
                   "  replay: %s\n",
                   o.seed, o.voters, o.observers, res.fail_time_ms, res.failure, cmd);
            failures++;
        }
        add_stats(&total, &res.stats);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("raft_sim: %" PRIu64 " seeds from %" PRIu64 ", %" PRIu64 " failed, %.1f s\n", seeds, first,
           failures, secs);
    printf("  events %" PRIu64 ", invariant checks %" PRIu64 ", messages %" PRIu64
           " (dropped %" PRIu64 ", duplicated %" PRIu64 ", long delays %" PRIu64 ")\n",
           total.events, total.invariant_checks, total.messages, total.dropped, total.duplicated,
           total.delayed_long);
    printf("  crashes %" PRIu64 " (%" PRIu64 " inside a ready), restarts %" PRIu64
           ", partitions %" PRIu64 ", pauses %" PRIu64 ", resignations %" PRIu64 "\n",
           total.crashes, total.crashes_mid_ready, total.restarts, total.partitions, total.pauses,
           total.resigns);
    printf("  leaders elected %" PRIu64 " (max epoch %" PRIu64 "), proposals %" PRIu64
           ", committed batches %" PRIu64 ", truncations %" PRIu64 "\n",
           total.leaders_elected, total.max_epoch, total.proposals, total.committed_batches,
           total.truncations);
    printf("  snapshots created %" PRIu64 ", installed by FetchSnapshot %" PRIu64
           ", worst recovery after faults %" PRIu64 " ms (virtual)\n",
           total.snapshots_created, total.snapshots_installed, total.recovery_ms);
    return failures ? 1 : 0;
}
