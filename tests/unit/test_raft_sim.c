/* The KRaft simulator (tests/sim) under make check: 1,000+ seeds with 3 and 5
 * voters plus observers, faults for 20 s of virtual time, then liveness. A
 * failing seed prints the raft_sim command that replays it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <inttypes.h>
#include <libgen.h>

#include "tests/sim/sim.h"

static char replay_binary[4096] = "build/release/tests/raft_sim";

/* Runs seeds [first, first + count) and fails with the replay commands. */
static void run_seeds(uint64_t first, uint64_t count, int voters, bool vary_observers) {
    uint64_t failures = 0, checks = 0, events = 0, crashes = 0, leaders = 0, commits = 0,
             installs = 0, worst_recovery = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        sim_options o;
        sim_default_options(&o);
        o.seed = seed;
        o.voters = voters;
        o.observers = vary_observers ? (int)(seed % 3) : 0;
        sim_result res;
        if (!sim_run(&o, &res)) {
            char cmd[512];
            sim_replay_command(&o, replay_binary, cmd, sizeof cmd);
            printf("FAIL seed %" PRIu64 " at t=%" PRIu64 " ms: %s\n  replay: %s\n", seed,
                   res.fail_time_ms, res.failure, cmd);
            failures++;
        }
        checks += res.stats.invariant_checks;
        events += res.stats.events;
        crashes += res.stats.crashes;
        leaders += res.stats.leaders_elected;
        commits += res.stats.committed_batches;
        installs += res.stats.snapshots_installed;
        if (res.stats.recovery_ms > worst_recovery) worst_recovery = res.stats.recovery_ms;
    }
    printf("sim: %d voters, seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " failed; %" PRIu64
           " events, %" PRIu64 " invariant checks, %" PRIu64 " crashes, %" PRIu64
           " leaders, %" PRIu64 " committed batches, %" PRIu64
           " snapshot installs, worst recovery %" PRIu64 " ms\n",
           voters, first, first + count - 1, failures, events, checks, crashes, leaders, commits,
           installs, worst_recovery);
    assert_int_equal(failures, 0);
}

static void test_sim_3_voters_1000_seeds(void **state) {
    (void)state;
    run_seeds(1, 1000, 3, true);
}

static void test_sim_5_voters_1000_seeds(void **state) {
    (void)state;
    run_seeds(1, 1000, 5, true);
}

static void test_sim_single_voter_20_seeds(void **state) {
    (void)state;
    run_seeds(1, 20, 1, true);
}

/* Without faults the first election and commit come within the liveness bound. */
static void test_sim_no_faults_elects_and_commits(void **state) {
    (void)state;
    for (int voters = 3; voters <= 5; voters += 2) {
        sim_options o;
        sim_default_options(&o);
        o.voters = voters;
        o.observers = 2;
        o.fault_ms = 0;
        o.liveness_ms = 5000;
        sim_result res;
        bool ok = sim_run(&o, &res);
        if (!ok) printf("FAIL: %s\n", res.failure);
        assert_true(ok);
        assert_true(res.stats.leaders_elected >= 1);
        assert_true(res.stats.committed_batches >= 1);
    }
}

int main(int argc, char **argv) {
    (void)argc;
    char self[4096];
    snprintf(self, sizeof self, "%s", argv[0]);
    snprintf(replay_binary, sizeof replay_binary, "%s/raft_sim", dirname(self));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_no_faults_elects_and_commits),
        cmocka_unit_test(test_sim_single_voter_20_seeds),
        cmocka_unit_test(test_sim_3_voters_1000_seeds),
        cmocka_unit_test(test_sim_5_voters_1000_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
