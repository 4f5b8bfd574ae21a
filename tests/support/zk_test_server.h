/* A throwaway ZooKeeper for unit tests that need a real server: started with
 * tests/support/zk-server.sh in a fresh temp dir, stopped and removed after. */
#ifndef TESTS_SUPPORT_ZK_TEST_SERVER_H
#define TESTS_SUPPORT_ZK_TEST_SERVER_H

#include <stdbool.h>

/* Debian's zookeeper package (java + the server jar) is installed. */
bool zk_test_server_available(void);
/* Starts one; returns its "127.0.0.1:PORT" (static storage) or NULL. */
const char *zk_test_server_start(void);
void zk_test_server_stop(void);

#endif
