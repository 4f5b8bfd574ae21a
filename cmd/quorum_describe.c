/* zk2kraft quorum describe: what `kafka-metadata-quorum describe --status /
 * --replication` prints (spec kraft-raft.md §16-17), over the blocking client. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "kraft/kafka_frame.h"
#include "kraft/net_client.h"
#include "kraft/quorum_client.h"

static const char usage[] =
    "Usage: zk2kraft quorum describe --bootstrap-controller HOST:PORT (--status | --replication)\n"
    "                                [--output text|json] [--timeout-ms N]\n"
    "\n"
    "Asks a KRaft controller quorum who leads and how far each replica has come,\n"
    "like kafka-metadata-quorum describe.\n"
    "\n"
    "  --bootstrap-controller HOST:PORT  a controller listener; the active controller\n"
    "                  is found through DescribeCluster and asked directly\n"
    "  --status        ClusterId, LeaderId, LeaderEpoch, HighWatermark, MaxFollowerLag,\n"
    "                  MaxFollowerLagTimeMs, CurrentVoters, CurrentObservers\n"
    "  --replication   one row per replica: NodeId, DirectoryId, LogEndOffset, Lag,\n"
    "                  LastFetchTimestamp, LastCaughtUpTimestamp, Status\n"
    "  --output json   the same as one JSON object\n"
    "  --timeout-ms N  bound on connecting and on each request (default 5000)\n"
    "\n"
    "Exit status 2 when the controller cannot be reached or answers with an error.\n";


typedef struct quorum_view {
    char cluster_id[256];
    bool have_cluster_id;
    const kr_DescribeQuorumResponse *resp;
    const kr_DescribeQuorumResponse_PartitionData *p;
    const kr_DescribeQuorumResponse_ReplicaState *leader;
    int16_t version;
} quorum_view;

/* ---- talking to the quorum --------------------------------------------------- */

/* The leader among the voters of DescribeQuorum's answer. */
static int find_leader_voter(const kr_client *c, quorum_view *v, kr_error *err) {
    for (int32_t i = 0; i < v->p->CurrentVoters.n; i++)
        if (v->p->CurrentVoters.v[i].ReplicaId == v->p->LeaderId) v->leader = &v->p->CurrentVoters.v[i];
    if (!v->leader)
        return kr_fail(err, KR_ERR_INVALID, "%s: leader %d is not among the %d voters", c->peer, v->p->LeaderId,
                       v->p->CurrentVoters.n);
    return KR_OK;
}

/* ---- derived figures (kraft-raft.md §17) ---------------------------------------- */

static int64_t max_follower_lag(const quorum_view *v, const kr_DescribeQuorumResponse_ReplicaState **slowest) {
    const kr_DescribeQuorumResponse_ReplicaState *min = NULL;
    for (int32_t i = 0; i < v->p->CurrentVoters.n; i++)
        if (!min || v->p->CurrentVoters.v[i].LogEndOffset < min->LogEndOffset) min = &v->p->CurrentVoters.v[i];
    *slowest = min;
    return v->leader->LogEndOffset - min->LogEndOffset;
}

static int64_t max_follower_lag_time_ms(const quorum_view *v) {
    const kr_DescribeQuorumResponse_ReplicaState *f;
    max_follower_lag(v, &f);
    if (f == v->leader) return 0;
    if (v->leader->LastCaughtUpTimestamp != -1 && f->LastCaughtUpTimestamp != -1)
        return v->leader->LastCaughtUpTimestamp - f->LastCaughtUpTimestamp;
    return -1;
}

/* "CONTROLLER://host:9093" strings of a node, from the v2 Nodes list. */
static json_t *endpoints_of(const quorum_view *v, int32_t id) {
    for (int32_t i = 0; i < v->resp->Nodes.n; i++) {
        const kr_DescribeQuorumResponse_Node *n = &v->resp->Nodes.v[i];
        if (n->NodeId != id || n->Listeners.n <= 0) continue;
        json_t *arr = json_array();
        for (int32_t j = 0; j < n->Listeners.n; j++) {
            const kr_DescribeQuorumResponse_Listener *l = &n->Listeners.v[j];
            char buf[600];
            bool v6 = l->Host.len > 0 && memchr(l->Host.ptr, ':', (size_t)l->Host.len);
            snprintf(buf, sizeof buf, v6 ? "%.*s://[%.*s]:%u" : "%.*s://%.*s:%u", l->Name.len > 0 ? l->Name.len : 0,
                     l->Name.ptr, l->Host.len > 0 ? l->Host.len : 0, l->Host.ptr, l->Port);
            json_array_append_new(arr, json_string(buf));
        }
        return arr;
    }
    return NULL;
}

static json_t *directory_id(const kr_uuid *u, bool zero_as_null) {
    if (zero_as_null && kr_uuid_is_zero(u)) return json_null();
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(u, text);
    return json_string(text);
}

/* [{"id": 1, "directoryId": null, "endpoints": [...]}, ...] in the tool's key order. */
static json_t *replica_list(const quorum_view *v, const kr_DescribeQuorumResponse_ReplicaState_array *a) {
    json_t *arr = json_array();
    for (int32_t i = 0; i < a->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(a->v[i].ReplicaId));
        json_object_set_new(o, "directoryId", directory_id(&a->v[i].ReplicaDirectoryId, true));
        json_t *eps = endpoints_of(v, a->v[i].ReplicaId);
        if (eps) json_object_set_new(o, "endpoints", eps);
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Kafka prints these lists as ", "-separated JSON with ": " after keys. */
static char *kafka_style_json(json_t *j) {
    return json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENCODE_ANY);
}

static void print_spaced(const char *compact) {
    /* jansson's compact form has no spaces; the tool writes ", " and ": ". */
    bool in_str = false;
    for (const char *p = compact; *p; p++) {
        putchar(*p);
        if (*p == '"' && (p == compact || p[-1] != '\\')) in_str = !in_str;
        if (!in_str && (*p == ',' || *p == ':')) putchar(' ');
    }
}

static void print_status_text(const quorum_view *v) {
    const kr_DescribeQuorumResponse_ReplicaState *slowest;
    printf("%-24s%s\n", "ClusterId:", v->have_cluster_id ? v->cluster_id : "null");
    printf("%-24s%d\n", "LeaderId:", v->p->LeaderId);
    printf("%-24s%d\n", "LeaderEpoch:", v->p->LeaderEpoch);
    printf("%-24s%lld\n", "HighWatermark:", (long long)v->p->HighWatermark);
    printf("%-24s%lld\n", "MaxFollowerLag:", (long long)max_follower_lag(v, &slowest));
    printf("%-24s%lld\n", "MaxFollowerLagTimeMs:", (long long)max_follower_lag_time_ms(v));
    const struct {
        const char *label;
        const kr_DescribeQuorumResponse_ReplicaState_array *a;
    } lists[] = {{"CurrentVoters:", &v->p->CurrentVoters}, {"CurrentObservers:", &v->p->Observers}};
    for (size_t i = 0; i < 2; i++) {
        json_t *j = replica_list(v, lists[i].a);
        char *s = kafka_style_json(j);
        printf("%-24s", lists[i].label);
        print_spaced(s ? s : "[]");
        putchar('\n');
        free(s);
        json_decref(j);
    }
}

static json_t *status_json(const quorum_view *v) {
    const kr_DescribeQuorumResponse_ReplicaState *slowest;
    json_t *o = json_object();
    json_object_set_new(o, "clusterId", v->have_cluster_id ? json_string(v->cluster_id) : json_null());
    json_object_set_new(o, "leaderId", json_integer(v->p->LeaderId));
    json_object_set_new(o, "leaderEpoch", json_integer(v->p->LeaderEpoch));
    json_object_set_new(o, "highWatermark", json_integer(v->p->HighWatermark));
    json_object_set_new(o, "maxFollowerLag", json_integer(max_follower_lag(v, &slowest)));
    json_object_set_new(o, "maxFollowerLagTimeMs", json_integer(max_follower_lag_time_ms(v)));
    json_object_set_new(o, "currentVoters", replica_list(v, &v->p->CurrentVoters));
    json_object_set_new(o, "currentObservers", replica_list(v, &v->p->Observers));
    return o;
}

/* ---- replication table ------------------------------------------------------------ */

#define COLS 7
typedef struct row {
    char cell[COLS][64];
} row;

static void fill_row(row *r, const quorum_view *v, const kr_DescribeQuorumResponse_ReplicaState *s,
                     const char *status) {
    char dir[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&s->ReplicaDirectoryId, dir);
    snprintf(r->cell[0], 64, "%d", s->ReplicaId);
    snprintf(r->cell[1], 64, "%s", dir);
    snprintf(r->cell[2], 64, "%lld", (long long)s->LogEndOffset);
    snprintf(r->cell[3], 64, "%lld", (long long)(v->leader->LogEndOffset - s->LogEndOffset));
    snprintf(r->cell[4], 64, "%lld", (long long)s->LastFetchTimestamp);
    snprintf(r->cell[5], 64, "%lld", (long long)s->LastCaughtUpTimestamp);
    snprintf(r->cell[6], 64, "%s", status);
}

/* Leader first, then the other voters, then observers. */
static size_t replication_rows(const quorum_view *v, row *rows, size_t max) {
    size_t n = 0;
    fill_row(&rows[n++], v, v->leader, "Leader");
    for (int32_t i = 0; i < v->p->CurrentVoters.n && n < max; i++)
        if (&v->p->CurrentVoters.v[i] != v->leader) fill_row(&rows[n++], v, &v->p->CurrentVoters.v[i], "Follower");
    for (int32_t i = 0; i < v->p->Observers.n && n < max; i++)
        fill_row(&rows[n++], v, &v->p->Observers.v[i], "Observer");
    return n;
}

static const char *const headers[COLS] = {"NodeId", "DirectoryId", "LogEndOffset", "Lag",
                                          "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"};

static void print_replication_text(const row *rows, size_t n) {
    size_t width[COLS];
    for (int c = 0; c < COLS; c++) {
        width[c] = strlen(headers[c]);
        for (size_t r = 0; r < n; r++)
            if (strlen(rows[r].cell[c]) > width[c]) width[c] = strlen(rows[r].cell[c]);
    }
    /* Like Kafka's ToolsUtils.prettyPrintTable: padded cells joined by tabs. */
    for (size_t r = 0; r <= n; r++) {
        for (int c = 0; c < COLS; c++)
            printf("%s%-*s", c ? "\t" : "", (int)width[c], r == 0 ? headers[c] : rows[r - 1].cell[c]);
        putchar('\n');
    }
}

static json_t *replication_json(const row *rows, size_t n) {
    static const char *const keys[COLS] = {"nodeId", "directoryId", "logEndOffset", "lag",
                                           "lastFetchTimestamp", "lastCaughtUpTimestamp", "status"};
    json_t *arr = json_array();
    for (size_t r = 0; r < n; r++) {
        json_t *o = json_object();
        for (int c = 0; c < COLS; c++) {
            bool numeric = c != 1 && c != 6;
            json_object_set_new(o, keys[c], numeric ? json_integer(strtoll(rows[r].cell[c], NULL, 10))
                                                    : json_string(rows[r].cell[c]));
        }
        json_array_append_new(arr, o);
    }
    return json_pack("{s:o}", "replicas", arr);
}

/* ---- command ------------------------------------------------------------------------ */

typedef struct opts {
    const char *bootstrap;
    bool status, replication, json;
    uint32_t timeout_ms;
} opts;

static int parse(int argc, char **argv, opts *o) {
    static const struct option longopts[] = {
        {"bootstrap-controller", required_argument, NULL, 'b'},
        {"status", no_argument, NULL, 's'},
        {"replication", no_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    *o = (opts){.timeout_ms = 5000};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b': o->bootstrap = optarg; break;
        case 's': o->status = true; break;
        case 'r': o->replication = true; break;
        case 'o':
            if (!cli_parse_output(optarg, &o->json))
                return cli_usage_error("quorum describe", "--output must be text or json, not '%s'", optarg);
            break;
        case 't': {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 1 || t > 3600000)
                return cli_usage_error("quorum describe", "--timeout-ms must be 1-3600000, not '%s'", optarg);
            o->timeout_ms = (uint32_t)t;
            break;
        }
        case 'h': fputs(usage, stdout); return -1;
        default:
            return cli_usage_error("quorum describe", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("quorum describe", "unexpected argument '%s'", argv[optind]);
    if (!o->bootstrap) return cli_usage_error("quorum describe", "--bootstrap-controller HOST:PORT is required");
    if (o->status == o->replication)
        return cli_usage_error("quorum describe", "give exactly one of --status and --replication");
    return 0;
}

int cmd_quorum_describe(int argc, char **argv) {
    opts o;
    int prc = parse(argc, argv, &o);
    if (prc == -1) return EXIT_CLEAN;
    if (prc != 0) return prc;
    char host[256];
    uint16_t port;
    kr_error err;
    if (kr_parse_host_port(o.bootstrap, host, sizeof host, &port, &err) != KR_OK)
        return cli_usage_error("quorum describe", "--bootstrap-controller: %s", err.message);
    kr_client c = {.fd = -1};
    quorum_view v = {0};
    kr_arena arena = {0};
    kr_DescribeQuorumResponse resp;
    int rc = kr_quorum_connect(&c, o.bootstrap, o.timeout_ms, NULL, &err);
    if (rc == KR_OK) rc = kr_quorum_find_active(&c, v.cluster_id, sizeof v.cluster_id, &err);
    if (rc == KR_OK) v.have_cluster_id = v.cluster_id[0] != '\0';
    if (rc == KR_OK) rc = kr_quorum_describe(&c, &resp, &v.p, &v.version, &arena, &err);
    if (rc == KR_OK) {
        v.resp = &resp;
        rc = find_leader_voter(&c, &v, &err);
    }
    kr_client_close(&c);
    if (rc != KR_OK) {
        kr_arena_free(&arena);
        return cli_error("quorum describe: %s", err.message);
    }
    if (o.status && !o.json) {
        print_status_text(&v);
    } else {
        row rows[256];
        size_t n = o.replication ? replication_rows(&v, rows, sizeof rows / sizeof rows[0]) : 0;
        if (!o.json) {
            print_replication_text(rows, n);
        } else {
            json_t *j = o.status ? status_json(&v) : replication_json(rows, n);
            char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
            if (s) puts(s);
            free(s);
            json_decref(j);
        }
    }
    kr_arena_free(&arena);
    return EXIT_CLEAN;
}
