/* A Kafka-protocol test server: kraft/net_server on its own uv loop in its
 * own thread, with handlers answering DescribeCluster, DescribeQuorum (fixed
 * data) and Vote (echoing the candidate epoch, optionally parking requests
 * and answering them in reverse order). Real sockets, real codecs. */
#ifndef TESTS_SUPPORT_NET_TEST_SERVER_H
#define TESTS_SUPPORT_NET_TEST_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <uv.h>

#include "kraft/net_server.h"

#define NTS_MAX_PARKED 16
#define NTS_CLUSTER_ID "MkU3OEVBNTcwNTJENDM2Qg"

typedef struct nts_options {
    int vote_park_n; /* >0: park Vote requests until n arrive, answer newest first */
    uint32_t partial_frame_timeout_ms;
    uint32_t max_in_flight;
    size_t max_frame_bytes;
} nts_options;

typedef struct net_test_server {
    uv_loop_t loop;
    uv_async_t wake;
    pthread_t thread;
    kr_net_server *srv;
    uint16_t port;
    nts_options opt;
    kr_net_request *parked[NTS_MAX_PARKED]; /* loop thread only */
    int parked_count;
    pthread_mutex_t mu; /* guards log */
    char log[65536];
    size_t log_len;
} net_test_server;

/* Listens on 127.0.0.1:<ephemeral>; false when it cannot. */
bool nts_start(net_test_server *t, const nts_options *opt);
void nts_stop(net_test_server *t);
bool nts_log_contains(net_test_server *t, const char *needle);
/* Copies the log (for failure messages). */
void nts_log_copy(net_test_server *t, char *out, size_t n);

#endif
