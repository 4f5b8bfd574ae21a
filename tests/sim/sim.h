/* Deterministic, seeded simulator of a KRaft quorum driving kraft/raft.c:
 * a virtual clock, a lossy reordering network, crash/restart with loss of
 * unsynced data, partitions, pauses, clock drift, snapshots and a client. It
 * checks the invariants of kraft-raft.md §20 after every event. */
#ifndef TESTS_SIM_SIM_H
#define TESTS_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sim_options {
    uint64_t seed;
    int voters;            /* 1..9 */
    int observers;         /* 0..4 */
    uint32_t fault_ms;     /* faults are injected during [0, fault_ms) */
    uint32_t liveness_ms;  /* after faults stop: bound to elect, commit and catch up */
    FILE *trace;           /* --verbose: one line per event; NULL = quiet */
} sim_options;

typedef struct sim_stats {
    uint64_t events, invariant_checks, messages, dropped, duplicated, delayed_long;
    uint64_t crashes, crashes_mid_ready, restarts, partitions, pauses, resigns;
    uint64_t leaders_elected, max_epoch, committed_batches, truncations;
    uint64_t snapshots_created, snapshots_installed, proposals;
    uint64_t recovery_ms; /* from the end of faults to commit + full catch-up */
} sim_stats;

typedef struct sim_result {
    bool ok;
    uint64_t fail_time_ms;
    char failure[512];
    sim_stats stats;
} sim_result;

void sim_default_options(sim_options *o);
/* Runs one seed; returns res->ok. */
bool sim_run(const sim_options *o, sim_result *res);
/* The command that replays a run (for failure messages). */
void sim_replay_command(const sim_options *o, const char *binary, char *buf, size_t cap);

#endif
