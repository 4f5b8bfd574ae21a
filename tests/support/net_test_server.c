#include "tests/support/net_test_server.h"

#include <stdio.h>
#include <string.h>

static void log_line(void *ctx, kr_log_level level, const char *line) {
    net_test_server *t = ctx;
    pthread_mutex_lock(&t->mu);
    int n = snprintf(t->log + t->log_len, sizeof t->log - t->log_len, "%s %s\n",
                     kr_log_level_name(level), line);
    if (n > 0 && t->log_len + (size_t)n < sizeof t->log) t->log_len += (size_t)n;
    pthread_mutex_unlock(&t->mu);
}

bool nts_log_contains(net_test_server *t, const char *needle) {
    pthread_mutex_lock(&t->mu);
    bool found = strstr(t->log, needle) != NULL;
    pthread_mutex_unlock(&t->mu);
    return found;
}

void nts_log_copy(net_test_server *t, char *out, size_t n) {
    pthread_mutex_lock(&t->mu);
    snprintf(out, n, "%s", t->log);
    pthread_mutex_unlock(&t->mu);
}

static void *alloc_n(kr_net_request *req, size_t n, size_t size) {
    return kr_arena_alloc(kr_net_request_arena(req), n * size);
}

static void on_describe_cluster(void *ctx, kr_net_request *req, void *msg) {
    net_test_server *t = ctx;
    kr_DescribeClusterResponse r;
    kr_DescribeClusterResponse_init(&r);
    r.EndpointType = 2;
    r.ClusterId = kr_str_c(NTS_CLUSTER_ID);
    r.ControllerId = 1;
    kr_DescribeClusterResponse_DescribeClusterBroker *b = alloc_n(req, 1, sizeof *b);
    kr_DescribeClusterResponse_DescribeClusterBroker_init(b);
    b->BrokerId = 1;
    b->Host = kr_str_c("127.0.0.1");
    b->Port = t->port;
    r.Brokers.v = b;
    r.Brokers.n = 1;
    kr_net_respond(req, &r, NULL);
}

static void replica(kr_DescribeQuorumResponse_ReplicaState *s, int32_t id, int64_t leo,
                    int64_t fetch_ts, int64_t caught_up_ts) {
    kr_DescribeQuorumResponse_ReplicaState_init(s);
    s->ReplicaId = id;
    s->LogEndOffset = leo;
    s->LastFetchTimestamp = fetch_ts;
    s->LastCaughtUpTimestamp = caught_up_ts;
}

/* Leader 1 at epoch 5, voters 1 (LEO 100), 2 (LEO 95), 3 (never fetched),
 * observer 4 (LEO 90); voter 2 has a directory id. */
static void on_describe_quorum(void *ctx, kr_net_request *req, void *msg) {
    kr_DescribeQuorumResponse r;
    kr_DescribeQuorumResponse_init(&r);
    kr_DescribeQuorumResponse_TopicData *topic = alloc_n(req, 1, sizeof *topic);
    kr_DescribeQuorumResponse_PartitionData *p = alloc_n(req, 1, sizeof *p);
    kr_DescribeQuorumResponse_ReplicaState *voters = alloc_n(req, 3, sizeof *voters);
    kr_DescribeQuorumResponse_ReplicaState *observers = alloc_n(req, 1, sizeof *observers);
    kr_DescribeQuorumResponse_Node *nodes = alloc_n(req, 3, sizeof *nodes);
    kr_DescribeQuorumResponse_Listener *listeners = alloc_n(req, 3, sizeof *listeners);
    kr_DescribeQuorumResponse_TopicData_init(topic);
    kr_DescribeQuorumResponse_PartitionData_init(p);
    topic->TopicName = kr_str_c("__cluster_metadata");
    topic->Partitions.v = p;
    topic->Partitions.n = 1;
    p->LeaderId = 1;
    p->LeaderEpoch = 5;
    p->HighWatermark = 100;
    replica(&voters[0], 1, 100, 1700000010000, 1700000010000);
    replica(&voters[1], 2, 95, 1700000009000, 1700000008000);
    int16_t version = kr_net_request_header(req)->RequestApiVersion;
    if (version >= 2) /* fields a version lacks must keep their defaults */
        for (int i = 0; i < 16; i++) voters[1].ReplicaDirectoryId.b[i] = (uint8_t)(i + 1);
    replica(&voters[2], 3, -1, -1, -1);
    replica(&observers[0], 4, 90, 1700000009500, 1700000007000);
    p->CurrentVoters.v = voters;
    p->CurrentVoters.n = 3;
    p->Observers.v = observers;
    p->Observers.n = 1;
    for (int i = 0; i < 3; i++) {
        kr_DescribeQuorumResponse_Node_init(&nodes[i]);
        kr_DescribeQuorumResponse_Listener_init(&listeners[i]);
        nodes[i].NodeId = i + 1;
        listeners[i].Name = kr_str_c("CONTROLLER");
        listeners[i].Host = kr_str_c("localhost");
        listeners[i].Port = (uint16_t)(9093 + i);
        nodes[i].Listeners.v = &listeners[i];
        nodes[i].Listeners.n = 1;
    }
    r.Topics.v = topic;
    r.Topics.n = 1;
    if (version >= 2) {
        r.Nodes.v = nodes;
        r.Nodes.n = 3;
    }
    kr_net_respond(req, &r, NULL);
}

static int32_t candidate_epoch(const kr_VoteRequest *v) {
    if (v->Topics.n < 1 || v->Topics.v[0].Partitions.n < 1) return -1;
    return v->Topics.v[0].Partitions.v[0].CandidateEpoch;
}

/* Answers with LeaderEpoch = the request's CandidateEpoch, granted if even. */
static void answer_vote(kr_net_request *req, const kr_VoteRequest *v) {
    kr_VoteResponse r;
    kr_VoteResponse_init(&r);
    kr_VoteResponse_TopicData *topic = alloc_n(req, 1, sizeof *topic);
    kr_VoteResponse_PartitionData *p = alloc_n(req, 1, sizeof *p);
    kr_VoteResponse_TopicData_init(topic);
    kr_VoteResponse_PartitionData_init(p);
    topic->TopicName = kr_str_c("__cluster_metadata");
    topic->Partitions.v = p;
    topic->Partitions.n = 1;
    p->LeaderId = -1;
    p->LeaderEpoch = candidate_epoch(v);
    p->VoteGranted = p->LeaderEpoch % 2 == 0;
    r.Topics.v = topic;
    r.Topics.n = 1;
    kr_net_respond(req, &r, NULL);
}

static void on_vote(void *ctx, kr_net_request *req, void *msg) {
    net_test_server *t = ctx;
    if (t->opt.vote_park_n <= 0) {
        answer_vote(req, msg);
        return;
    }
    t->parked[t->parked_count++] = req;
    if (t->parked_count < t->opt.vote_park_n && t->parked_count < NTS_MAX_PARKED) return;
    for (int i = t->parked_count - 1; i >= 0; i--) {
        kr_net_request *p = t->parked[i];
        answer_vote(p, kr_net_request_body(p));
    }
    t->parked_count = 0;
}

static void on_wake(uv_async_t *a) {
    net_test_server *t = a->data;
    for (int i = 0; i < t->parked_count; i++) kr_net_request_drop(t->parked[i], "test server stopping");
    t->parked_count = 0;
    kr_net_server_stop(t->srv);
    uv_close((uv_handle_t *)&t->wake, NULL);
}

static void *run(void *arg) {
    net_test_server *t = arg;
    uv_run(&t->loop, UV_RUN_DEFAULT);
    return NULL;
}

bool nts_start(net_test_server *t, const nts_options *opt) {
    memset(t, 0, sizeof *t);
    if (opt) t->opt = *opt;
    pthread_mutex_init(&t->mu, NULL);
    uv_loop_init(&t->loop);
    uv_async_init(&t->loop, &t->wake, on_wake);
    t->wake.data = t;
    kr_net_api apis[] = {
        {60, 0, 1, on_describe_cluster, t},
        {55, 0, 2, on_describe_quorum, t},
        {52, 0, 1, on_vote, t},
    };
    kr_net_server_config cfg = {
        .apis = apis,
        .api_count = 3,
        .max_frame_bytes = t->opt.max_frame_bytes,
        .max_in_flight_per_connection = t->opt.max_in_flight,
        .partial_frame_timeout_ms = t->opt.partial_frame_timeout_ms,
        .logger = {log_line, t},
    };
    kr_error err;
    if (kr_net_server_start(&t->loop, &cfg, "127.0.0.1", 0, &t->srv, &err) != KR_OK) {
        fprintf(stderr, "test server: %s\n", err.message);
        uv_close((uv_handle_t *)&t->wake, NULL);
        uv_run(&t->loop, UV_RUN_DEFAULT);
        uv_loop_close(&t->loop);
        return false;
    }
    t->port = kr_net_server_port(t->srv);
    return pthread_create(&t->thread, NULL, run, t) == 0;
}

void nts_stop(net_test_server *t) {
    uv_async_send(&t->wake);
    pthread_join(t->thread, NULL);
    uv_loop_close(&t->loop);
    pthread_mutex_destroy(&t->mu);
}
