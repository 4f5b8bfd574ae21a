/* zk2kraft validate: fixtures through a real ZooKeeper, compared with their expected images. */
#include <libgen.h>
#include <libxml/xmlwriter.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "migrate/storage.h"
#include "migrate/validate.h"

static const char USAGE[] =
    "Usage: zk2kraft validate FIXTURE.xml... [--junit FILE] [--zookeeper HOST:PORT]\n\n"
    "For each fixture: load it into ZooKeeper (a throwaway server started for the run, shared by\n"
    "all fixtures, or --zookeeper; each fixture under its own chroot, deleted afterwards), run the\n"
    "preflight and migrate into a temporary directory, fold every controller's written snapshot\n"
    "back into an image and compare it with FIXTURE.image.json. A fixture with FIXTURE.findings\n"
    "must produce exactly those findings and be refused with nothing written. FIXTURE.migrate\n"
    "(properties) may set password.encoder.secret, zk.auth, metadata.version, force, lenient.\n\n"
    "  --junit FILE        write a JUnit XML report, one testcase per fixture\n"
    "  --zookeeper H:P     use this ZooKeeper instead of starting one (no chroot in the string)\n\n"
    "The throwaway server needs Debian's zookeeper package and tests/support/zk-server.sh (found\n"
    "next to the binary's source tree, or set ZK2KRAFT_ZK_SERVER).\n\n"
    "Exit status: 0 all passed, 1 any failed, 2 usage or runtime error.\n";

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { interrupted = sig; }

static bool find_server_script(char *out, size_t cap) {
    const char *env = getenv("ZK2KRAFT_ZK_SERVER");
    if (env) {
        snprintf(out, cap, "%s", env);
        return access(out, X_OK) == 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        static const char *const rel[] = {"/../tests/support/zk-server.sh", "/../../../tests/support/zk-server.sh"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(out, cap, "%s%s", dir, rel[i]);
            if (access(out, X_OK) == 0) return true;
        }
    }
    snprintf(out, cap, "tests/support/zk-server.sh");
    return access(out, X_OK) == 0;
}

static bool start_server(const char *script, const char *dir, char *connect, size_t cap) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' start '%s' 2>'%s/zk-start.log'", script, dir, dir);
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    bool ok = fgets(connect, (int)cap, p) != NULL;
    int status = pclose(p);
    if (!ok || status != 0) return false;
    connect[strcspn(connect, "\r\n")] = '\0';
    return connect[0] != '\0';
}

static void stop_server(const char *script, const char *dir) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' stop '%s' >/dev/null 2>&1", script, dir);
    if (system(cmd) != 0) fprintf(stderr, "zk2kraft validate: stopping ZooKeeper in %s failed\n", dir);
}

static int write_junit(const char *file, const mg_validate_result *r, int n) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    xmlTextWriterPtr w = xmlNewTextWriterFilename(tmp, 0);
    if (!w) return -1;
    int failures = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        failures += !r[i].passed;
        total += r[i].seconds;
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(w, BAD_CAST "testsuites");
    xmlTextWriterStartElement(w, BAD_CAST "testsuite");
    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "zk2kraft validate");
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%d", n);
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%d", failures);
    xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0");
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", total);
    for (int i = 0; i < n; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "testcase");
        xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "zk2kraft.validate");
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST r[i].name);
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", r[i].seconds);
        if (!r[i].passed) {
            xmlTextWriterStartElement(w, BAD_CAST "failure");
            xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST r[i].message);
            xmlTextWriterWriteString(w, BAD_CAST r[i].details);
            xmlTextWriterEndElement(w);
        } else {
            xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST r[i].message);
        }
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    return rename(tmp, file);
}

int cmd_validate(int argc, char **argv) {
    const char *junit = NULL, *zookeeper = NULL;
    const char **fixtures = calloc((size_t)argc, sizeof *fixtures);
    int n = 0;
    if (!fixtures) return cli_error("validate: out of memory");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            free(fixtures);
            return EXIT_CLEAN;
        } else if (!strcmp(argv[i], "--junit") && i + 1 < argc) junit = argv[++i];
        else if (!strcmp(argv[i], "--zookeeper") && i + 1 < argc) zookeeper = argv[++i];
        else if (argv[i][0] == '-') {
            free(fixtures);
            return cli_usage_error("validate", "unexpected option '%s'", argv[i]);
        } else fixtures[n++] = argv[i];
    }
    if (n == 0) {
        free(fixtures);
        return cli_usage_error("validate", "give at least one FIXTURE.xml");
    }
    char work[] = "/tmp/zk2kraft-validate-XXXXXX", script[PATH_MAX], connect[1024] = "";
    if (!mkdtemp(work)) {
        free(fixtures);
        return cli_error("validate: mkdtemp: cannot create a work directory");
    }
    bool own_server = !zookeeper;
    if (own_server) {
        if (!find_server_script(script, sizeof script)) {
            mg_remove_tree(work);
            free(fixtures);
            return cli_error("validate: tests/support/zk-server.sh not found (set ZK2KRAFT_ZK_SERVER or give "
                             "--zookeeper)");
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        fprintf(stderr, "validate: starting a throwaway ZooKeeper...\n");
        if (!start_server(script, work, connect, sizeof connect)) {
            stop_server(script, work);
            mg_remove_tree(work);
            free(fixtures);
            return cli_error("validate: could not start ZooKeeper with %s (is Debian's zookeeper installed?)",
                             script);
        }
    } else {
        snprintf(connect, sizeof connect, "%s", zookeeper);
    }
    mg_validate_result *res = calloc((size_t)n, sizeof *res);
    int failed = 0, status = EXIT_CLEAN;
    for (int i = 0; i < n && res && !interrupted; i++) {
        kr_error err = {0};
        if (mg_validate_fixture(fixtures[i], connect, work, &res[i], &err)) {
            res[i].passed = false;
            snprintf(res[i].message, sizeof res[i].message, "%s", err.message);
            if (!res[i].name[0]) snprintf(res[i].name, sizeof res[i].name, "%s", fixtures[i]);
        }
        failed += !res[i].passed;
        printf("%s %-28s %6.2f s  %s\n", res[i].passed ? "PASS" : "FAIL", res[i].name, res[i].seconds,
               res[i].message);
        if (!res[i].passed && res[i].details[0]) {
            char *line = res[i].details;
            for (int k = 0; k < 30 && line && *line; k++) {
                char *nl = strchr(line, '\n');
                printf("     %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
                line = nl ? nl + 1 : NULL;
            }
        }
        fflush(stdout);
    }
    if (!res) status = cli_error("validate: out of memory");
    else if (interrupted) status = cli_error("validate: interrupted");
    else {
        printf("validate: %d passed, %d failed\n", n - failed, failed);
        if (junit && write_junit(junit, res, n) != 0) status = cli_error("validate: cannot write %s", junit);
        else if (failed) status = EXIT_FINDINGS;
    }
    if (own_server) stop_server(script, work);
    mg_remove_tree(work);
    free(res);
    free(fixtures);
    return status;
}
