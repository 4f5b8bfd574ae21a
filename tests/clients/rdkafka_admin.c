/*
 * A real librdkafka admin client for tests/integration/test_client_api.sh:
 * one admin operation per run against a bootstrap server, exit 0 when the
 * operation succeeded (per-resource errors included), 1 when it failed, 2 on
 * usage errors. Results go to stdout, one line each.
 *
 *   rdkafka_admin BOOTSTRAP create-topic NAME PARTITIONS RF
 *   rdkafka_admin BOOTSTRAP create-topic-assign NAME "1,2,3;2,3,1"   (replicas per partition)
 *   rdkafka_admin BOOTSTRAP create-partitions NAME TOTAL
 *   rdkafka_admin BOOTSTRAP delete-topic NAME
 *   rdkafka_admin BOOTSTRAP alter-topic-config NAME KEY VALUE   (AlterConfigs: replaces the topic's set)
 *   rdkafka_admin BOOTSTRAP describe-topic-config NAME KEY      (prints "KEY=VALUE source")
 *   rdkafka_admin BOOTSTRAP describe-broker-config ID KEY       (the same for broker ID)
 *
 * Extra librdkafka properties: -X key=value before BOOTSTRAP (SASL).
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_MS 30000

static rd_kafka_t *make_client(const char *bootstrap, char **props, int nprops) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
    for (int i = 0; i < nprops; i++) {
        char *eq = strchr(props[i], '=');
        if (!eq) {
            fprintf(stderr, "-X %s: not key=value\n", props[i]);
            exit(2);
        }
        *eq = '\0';
        if (rd_kafka_conf_set(conf, props[i], eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        exit(2);
    }
    return rk;
bad:
    fprintf(stderr, "config: %s\n", err);
    exit(2);
}

/* Waits for the result event of the one operation queued on q. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
    if (!ev) {
        fprintf(stderr, "no result within %d ms\n", TIMEOUT_MS + 5000);
        exit(1);
    }
    if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "request failed: %s\n", rd_kafka_event_error_string(ev));
        exit(1);
    }
    return ev;
}

static int topic_results(const rd_kafka_topic_result_t **res, size_t n) {
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        printf("%s %s%s%s\n", rd_kafka_topic_result_name(res[i]), rd_kafka_err2name(e), e ? ": " : "",
               e && rd_kafka_topic_result_error_string(res[i]) ? rd_kafka_topic_result_error_string(res[i]) : "");
        if (e) rc = 1;
    }
    return rc;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op) {
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, TIMEOUT_MS, err, sizeof err);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
        rd_kafka_AdminOptions_set_operation_timeout(o, TIMEOUT_MS, err, sizeof err);
    return o;
}

static int create_topic(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *name, int parts, int rf,
                        const char *assign) {
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, parts, rf, err, sizeof err);
    if (!nt) {
        fprintf(stderr, "NewTopic: %s\n", err);
        return 2;
    }
    if (assign) { /* "1,2,3;2,3,1" */
        char *copy = strdup(assign), *save = NULL;
        int p = 0;
        for (char *part = strtok_r(copy, ";", &save); part && p < 10000; part = strtok_r(NULL, ";", &save), p++) {
            int32_t ids[64];
            size_t n = 0;
            for (char *s = part; *s && n < 64;) {
                ids[n++] = (int32_t)strtol(s, &s, 10);
                if (*s == ',') s++;
            }
            if (rd_kafka_NewTopic_set_replica_assignment(nt, p, ids, n, err, sizeof err)) {
                fprintf(stderr, "replica assignment: %s\n", err);
                return 2;
            }
        }
        free(copy);
    }
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
    rd_kafka_event_t *ev = wait_result(q);
    size_t n;
    const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    int rc = topic_results(res, n);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

static int create_partitions(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *name, int total) {
    char err[256];
    rd_kafka_NewPartitions_t *np = rd_kafka_NewPartitions_new(name, (size_t)total, err, sizeof err);
    if (!np) {
        fprintf(stderr, "NewPartitions: %s\n", err);
        return 2;
    }
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    rd_kafka_CreatePartitions(rk, &np, 1, o, q);
    rd_kafka_event_t *ev = wait_result(q);
    size_t n;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    int rc = topic_results(res, n);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewPartitions_destroy(np);
    return rc;
}

static int delete_topic(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *name) {
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(name);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
    rd_kafka_event_t *ev = wait_result(q);
    size_t n;
    const rd_kafka_topic_result_t **res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    int rc = topic_results(res, n);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteTopic_destroy(dt);
    return rc;
}

static int config_results(const rd_kafka_ConfigResource_t **res, size_t n, const char *key) {
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(res[i]);
        if (e) {
            printf("%s %s: %s\n", rd_kafka_ConfigResource_name(res[i]), rd_kafka_err2name(e),
                   rd_kafka_ConfigResource_error_string(res[i]) ? rd_kafka_ConfigResource_error_string(res[i]) : "");
            rc = 1;
            continue;
        }
        size_t cn;
        const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(res[i], &cn);
        for (size_t k = 0; key && k < cn; k++)
            if (!strcmp(rd_kafka_ConfigEntry_name(entries[k]), key))
                printf("%s=%s %s\n", key, rd_kafka_ConfigEntry_value(entries[k]) ? rd_kafka_ConfigEntry_value(entries[k]) : "(null)",
                       rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[k])));
        if (!key) printf("%s NO_ERROR\n", rd_kafka_ConfigResource_name(res[i]));
    }
    return rc;
}

static int alter_topic_config(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *name, const char *key,
                              const char *value) {
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name);
    rd_kafka_ConfigResource_set_config(cr, key, value);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AlterConfigs(rk, &cr, 1, o, q);
    rd_kafka_event_t *ev = wait_result(q);
    size_t n;
    const rd_kafka_ConfigResource_t **res = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    int rc = config_results(res, n, NULL);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(cr);
    return rc;
}

static int describe_config(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_ResourceType_t type, const char *name,
                           const char *key) {
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(type, name);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(rk, &cr, 1, o, q);
    rd_kafka_event_t *ev = wait_result(q);
    size_t n;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    int rc = config_results(res, n, key);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(cr);
    return rc;
}

static void usage(void) {
    fprintf(stderr, "usage: rdkafka_admin [-X key=value]... BOOTSTRAP OP ARGS (see the source's header)\n");
    exit(2);
}

int main(int argc, char **argv) {
    char *props[32];
    int nprops = 0, i = 1;
    while (i + 1 < argc && !strcmp(argv[i], "-X") && nprops < 32) {
        props[nprops++] = argv[i + 1];
        i += 2;
    }
    if (argc - i < 3) usage();
    const char *bootstrap = argv[i], *op = argv[i + 1];
    char **a = argv + i + 2;
    int na = argc - i - 2;
    rd_kafka_t *rk = make_client(bootstrap, props, nprops);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc;
    if (!strcmp(op, "create-topic") && na == 3) rc = create_topic(rk, q, a[0], atoi(a[1]), atoi(a[2]), NULL);
    else if (!strcmp(op, "create-topic-assign") && na == 2) {
        int parts = 1; /* librdkafka 2.0.2 wants the partition count with an assignment (and RF -1) */
        for (const char *s = a[1]; *s; s++) parts += *s == ';';
        rc = create_topic(rk, q, a[0], parts, -1, a[1]);
    }
    else if (!strcmp(op, "create-partitions") && na == 2) rc = create_partitions(rk, q, a[0], atoi(a[1]));
    else if (!strcmp(op, "delete-topic") && na == 1) rc = delete_topic(rk, q, a[0]);
    else if (!strcmp(op, "alter-topic-config") && na == 3) rc = alter_topic_config(rk, q, a[0], a[1], a[2]);
    else if (!strcmp(op, "describe-topic-config") && na == 2)
        rc = describe_config(rk, q, RD_KAFKA_RESOURCE_TOPIC, a[0], a[1]);
    else if (!strcmp(op, "describe-broker-config") && na == 2)
        rc = describe_config(rk, q, RD_KAFKA_RESOURCE_BROKER, a[0], a[1]);
    else usage();
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
