/* zk2kraft controller: run one KRaft controller until SIGTERM/SIGINT. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <uv.h>

#include "cmd/cli.h"
#include "kraft/controller.h"
#include "kraft/controller_config.h"
#include "kraft/properties.h"
#include "migrate/dual_write.h"

#define RESIGN_LINGER_MS 300 /* time given to EndQuorumEpoch sends on SIGTERM */
#define FAULT_WRITE_DELAY_ENV "ZK2KRAFT_FAULT_ZK_WRITE_DELAY_MS" /* test-only (docs/dual-write.md) */
#define FAULT_QUEUE_ENV "ZK2KRAFT_FAULT_DW_QUEUE_BATCHES"        /* test-only: a tiny queue overflows */

static const char usage[] =
    "Usage: zk2kraft controller --config FILE [--log-level LEVEL]\n"
    "\n"
    "Runs a KRaft controller (a voter of controller.quorum.voters) over the metadata\n"
    "log directory written by `zk2kraft format` or `zk2kraft migrate`. Logs go to\n"
    "stderr. SIGTERM or SIGINT resigns leadership (EndQuorumEpoch) and exits 0.\n"
    "With zookeeper.metadata.migration.enable=true it also keeps ZooKeeper in step\n"
    "with the metadata while it leads (dual-write; see docs/dual-write.md). Restarted\n"
    "without that flag over migration-mode metadata, the leader finalizes the migration\n"
    "(ZkMigrationState POST_MIGRATION): ZooKeeper is no longer written, rollback refused.\n"
    "\n"
    "  --config FILE       controller .properties (process.roles, node.id,\n"
    "                      controller.quorum.voters, listeners, controller.listener.names,\n"
    "                      listener.security.protocol.map, metadata.log.dir, ...;\n"
    "                      see docs/controller.md)\n"
    "  --log-level LEVEL   ERROR, WARN, INFO (default) or DEBUG; overrides log.level\n";

typedef struct stderr_log {
    kr_log_level level;
    int32_t node_id;
} stderr_log;

static void log_line(void *ctx, kr_log_level level, const char *line) {
    const stderr_log *s = ctx;
    if (level > s->level) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ %-5s [controller %d] %s\n", when, (long)(tv.tv_usec / 1000),
            kr_log_level_name(level), s->node_id, line);
}

typedef struct run_state {
    kr_controller *c;
    uv_signal_t sigterm, sigint;
} run_state;

/* zookeeper.auth is not a Kafka key: DescribeConfigs would list it as a plain
 * static config. The parsed value lives in the config; the listing gets a mask. */
static void hide_secret(kr_properties *props, const char *key) {
    for (int32_t i = 0; i < props->n; i++) {
        if (strcmp(props->v[i].key, key) != 0) continue;
        char *masked = strdup("[hidden]");
        if (!masked) continue;
        memset(props->v[i].value, 0, strlen(props->v[i].value));
        free(props->v[i].value);
        props->v[i].value = masked;
    }
}

static int start_dual_write(const kr_controller_config *cfg, const kr_logger *lg, mg_dual_write **out,
                            kr_error *err) {
    mg_dual_write_options o = {.node_id = cfg->node_id,
                               .zk_connect = cfg->zk_connect,
                               .zk_session_timeout_ms = (int)cfg->zk_session_timeout_ms,
                               .zk_auth = cfg->zk_auth,
                               .zk_set_acl = cfg->zk_set_acl,
                               .password_encoder_secret = cfg->password_encoder_secret,
                               .reconcile_interval_ms = cfg->migration_reconcile_interval_ms,
                               .metadata_log_dir = cfg->metadata_log_dir,
                               .log = *lg};
    const char *delay = getenv(FAULT_WRITE_DELAY_ENV);
    if (delay && *delay) {
        char *end;
        unsigned long v = strtoul(delay, &end, 10);
        if (*end || v > 600000) return kr_fail(err, KR_ERR_INVALID, "%s = '%s' is not a delay in ms", FAULT_WRITE_DELAY_ENV, delay);
        o.write_delay_ms = (uint32_t)v;
        kr_logger_printf(lg, KR_LOG_LEVEL_WARN, "migration: test fault injection: %s=%lu (sleep before each ZooKeeper write)",
                         FAULT_WRITE_DELAY_ENV, v);
    }
    const char *queue = getenv(FAULT_QUEUE_ENV);
    if (queue && *queue) {
        char *end;
        unsigned long v = strtoul(queue, &end, 10);
        if (*end || v < 1 || v > 1000000) return kr_fail(err, KR_ERR_INVALID, "%s = '%s' is not a batch count", FAULT_QUEUE_ENV, queue);
        o.queue_max_batches = v;
        kr_logger_printf(lg, KR_LOG_LEVEL_WARN, "migration: test fault injection: %s=%lu (dual-write queue size)",
                         FAULT_QUEUE_ENV, v);
    }
    return mg_dual_write_start(&o, out, err);
}

static void on_signal(uv_signal_t *h, int signum) {
    run_state *rs = h->data;
    kr_controller_shutdown(rs->c, RESIGN_LINGER_MS);
    (void)signum;
    uv_close((uv_handle_t *)&rs->sigterm, NULL);
    uv_close((uv_handle_t *)&rs->sigint, NULL);
}

int cmd_controller(int argc, char **argv) {
    const char *config = NULL, *level = NULL;
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'l': level = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!config || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    stderr_log sl = {KR_LOG_LEVEL_INFO, -1};
    if (level && !kr_log_level_parse(level, &sl.level)) {
        fprintf(stderr, "zk2kraft controller: --log-level: '%s' is not ERROR, WARN, INFO or DEBUG\n", level);
        return 2;
    }
    kr_properties props;
    kr_error err;
    if (kr_properties_read(config, &props, &err) != KR_OK) {
        fprintf(stderr, "zk2kraft controller: %s\n", err.message);
        return 2;
    }
    kr_logger lg = {log_line, &sl};
    kr_controller_config cfg;
    kr_controller_config_defaults(&cfg);
    /* Unknown keys are logged at DEBUG: honour --log-level before parsing. */
    kr_log_level wanted = sl.level;
    if (!level) {
        const char *lv = kr_properties_get(&props, "log.level");
        if (lv) kr_log_level_parse(lv, &wanted);
        sl.level = wanted;
    }
    int rc = kr_controller_config_from_properties(&props, &cfg, &lg, &err);
    if (rc != KR_OK) {
        kr_properties_free(&props);
        fprintf(stderr, "zk2kraft controller: %s\n", err.message);
        return 2;
    }
    if (level) cfg.log_level = wanted;
    sl.level = cfg.log_level;
    sl.node_id = cfg.node_id;
    hide_secret(&props, "zookeeper.auth");
    signal(SIGPIPE, SIG_IGN);
    mg_dual_write *dw = NULL;
    kr_controller_observer obs;
    if (cfg.migration_enabled) {
        if (start_dual_write(&cfg, &lg, &dw, &err) != KR_OK) {
            kr_properties_free(&props);
            fprintf(stderr, "zk2kraft controller: %s\n", err.message);
            return 2;
        }
        obs = mg_dual_write_observer(dw);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    run_state rs = {0};
    rc = kr_controller_start(&loop, &cfg, &lg, dw ? &obs : NULL, &rs.c, &err);
    if (rc != KR_OK) {
        fprintf(stderr, "zk2kraft controller: %s\n", err.message);
        uv_run(&loop, UV_RUN_DEFAULT); /* let anything half-opened close */
        kr_controller_destroy(rs.c);
        mg_dual_write_stop(dw);
        uv_loop_close(&loop);
        kr_properties_free(&props); /* DescribeConfigs read it (cfg.static_config) */
        return 2;
    }
    uv_signal_init(&loop, &rs.sigterm);
    uv_signal_init(&loop, &rs.sigint);
    rs.sigterm.data = rs.sigint.data = &rs;
    uv_signal_start(&rs.sigterm, on_signal, SIGTERM);
    uv_signal_start(&rs.sigint, on_signal, SIGINT);
    uv_unref((uv_handle_t *)&rs.sigterm); /* the loop ends when the controller has closed */
    uv_unref((uv_handle_t *)&rs.sigint);
    uv_run(&loop, UV_RUN_DEFAULT);
    int status = kr_controller_destroy(rs.c);
    mg_dual_write_stop(dw); /* after the loop: no hook can run any more */
    if (!uv_is_closing((uv_handle_t *)&rs.sigterm)) { /* fatal error path: signals still open */
        uv_close((uv_handle_t *)&rs.sigterm, NULL);
        uv_close((uv_handle_t *)&rs.sigint, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&loop);
    kr_properties_free(&props);
    log_line(&sl, KR_LOG_LEVEL_INFO, status ? "stopped after a fatal error" : "stopped");
    return status;
}
