/* `zk2kraft quorum describe` (the real binary, $ZK2KRAFT) against a test
 * server answering DescribeCluster and DescribeQuorum with fixed data through
 * kraft/net_server over a real socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/support/net_test_server.h"

/* Runs the binary with `args`; stdout and stderr into out, returns the exit status. */
static int run(const char *args, char *out, size_t n) {
    const char *bin = getenv("ZK2KRAFT");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int need_binary(void **state) {
    if (!getenv("ZK2KRAFT")) {
        fprintf(stderr, "skip: ZK2KRAFT is not set (make check sets it)\n");
        return -1;
    }
    return 0;
}

static const char expected_status[] =
    "ClusterId:              " NTS_CLUSTER_ID "\n"
    "LeaderId:               1\n"
    "LeaderEpoch:            5\n"
    "HighWatermark:          100\n"
    "MaxFollowerLag:         101\n"
    "MaxFollowerLagTimeMs:   -1\n"
    "CurrentVoters:          [{\"id\": 1, \"directoryId\": null, \"endpoints\": [\"CONTROLLER://localhost:9093\"]}, "
    "{\"id\": 2, \"directoryId\": \"AQIDBAUGBwgJCgsMDQ4PEA\", \"endpoints\": [\"CONTROLLER://localhost:9094\"]}, "
    "{\"id\": 3, \"directoryId\": null, \"endpoints\": [\"CONTROLLER://localhost:9095\"]}]\n"
    "CurrentObservers:       [{\"id\": 4, \"directoryId\": null}]\n";

static void test_status(void **state) {
    if (need_binary(state)) skip();
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    char args[128], out[8192];
    snprintf(args, sizeof args, "quorum describe --bootstrap-controller 127.0.0.1:%u --status", t.port);
    int rc = run(args, out, sizeof out);
    nts_stop(&t);
    assert_int_equal(rc, 0);
    assert_string_equal(out, expected_status);
}

static void test_status_json(void **state) {
    if (need_binary(state)) skip();
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    char args[128], out[8192];
    snprintf(args, sizeof args, "quorum describe --bootstrap-controller 127.0.0.1:%u --status --output json",
             t.port);
    int rc = run(args, out, sizeof out);
    nts_stop(&t);
    assert_int_equal(rc, 0);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "clusterId")), NTS_CLUSTER_ID);
    assert_int_equal(json_integer_value(json_object_get(j, "maxFollowerLag")), 101);
    assert_int_equal(json_array_size(json_object_get(j, "currentVoters")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "currentObservers")), 1);
    json_decref(j);
}

static void test_replication(void **state) {
    if (need_binary(state)) skip();
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    char args[160], out[8192];
    snprintf(args, sizeof args, "quorum describe --bootstrap-controller 127.0.0.1:%u --replication", t.port);
    int rc = run(args, out, sizeof out);
    assert_int_equal(rc, 0);
    /* Cells are padded and tab-separated; compare the cells. */
    const char *want[] = {
        "NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status",
        "1 AAAAAAAAAAAAAAAAAAAAAA 100 0 1700000010000 1700000010000 Leader",
        "2 AQIDBAUGBwgJCgsMDQ4PEA 95 5 1700000009000 1700000008000 Follower",
        "3 AAAAAAAAAAAAAAAAAAAAAA -1 101 -1 -1 Follower",
        "4 AAAAAAAAAAAAAAAAAAAAAA 90 10 1700000009500 1700000007000 Observer",
    };
    char *save = NULL;
    int line = 0;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save), line++) {
        assert_true(line < 5);
        assert_non_null(strchr(l, '\t'));
        char norm[256];
        size_t k = 0;
        for (char *p = l; *p && k < sizeof norm - 1; p++) {
            bool space = *p == ' ' || *p == '\t';
            if (space && (k == 0 || norm[k - 1] == ' ')) continue;
            norm[k++] = space ? ' ' : *p;
        }
        while (k > 0 && norm[k - 1] == ' ') k--;
        norm[k] = '\0';
        assert_string_equal(norm, want[line]);
    }
    assert_int_equal(line, 5);
    snprintf(args, sizeof args, "quorum describe --bootstrap-controller 127.0.0.1:%u --replication --output json",
             t.port);
    rc = run(args, out, sizeof out);
    nts_stop(&t);
    assert_int_equal(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    json_t *rows = json_object_get(j, "replicas");
    assert_int_equal(json_array_size(rows), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 3), "status")), "Observer");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 2), "lag")), 101);
    json_decref(j);
}

static void test_refused_is_one_line_exit_2(void **state) {
    if (need_binary(state)) skip();
    net_test_server t;
    assert_true(nts_start(&t, NULL));
    uint16_t port = t.port;
    nts_stop(&t);
    char args[128], out[4096];
    snprintf(args, sizeof args, "quorum describe --bootstrap-controller 127.0.0.1:%u --status", port);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "connection refused"));
    int lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 1);
}

static void test_usage_errors(void **state) {
    if (need_binary(state)) skip();
    char out[4096];
    assert_int_equal(run("quorum describe --status", out, sizeof out), 2);
    assert_non_null(strstr(out, "--bootstrap-controller"));
    assert_int_equal(run("quorum describe --bootstrap-controller h:1 --status --replication", out, sizeof out), 2);
    assert_int_equal(run("quorum describe --bootstrap-controller nohost --status", out, sizeof out), 2);
    assert_int_equal(run("quorum describe --help", out, sizeof out), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_replication),
        cmocka_unit_test(test_refused_is_one_line_exit_2),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
