#include "tests/support/zk_test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/zk2kraft-zktest-XXXXXX";
static char server[256];
static bool started;

bool zk_test_server_available(void) {
    return system("command -v java >/dev/null 2>&1 && test -e /usr/share/java/zookeeper.jar") == 0;
}

const char *zk_test_server_start(void) {
    if (started) return server;
    if (!mkdtemp(dir)) return NULL;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh start %s", dir);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    if (!fgets(server, sizeof server, p)) server[0] = '\0';
    int rc = pclose(p);
    server[strcspn(server, "\n")] = '\0';
    started = rc == 0 && server[0];
    return started ? server : NULL;
}

void zk_test_server_stop(void) {
    if (!started) return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tests/support/zk-server.sh stop %s >/dev/null 2>&1; rm -rf %s", dir, dir);
    if (system(cmd) != 0) fprintf(stderr, "zk_test_server: stopping %s failed\n", dir);
    started = false;
}
