/* zk2kraft format: like `kafka-storage format` for a controller. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "kraft/format.h"
#include "kraft/metadata_version.h"
#include "kraft/properties.h"

static const char usage[] =
    "Usage: zk2kraft format --config FILE --cluster-id ID [--release-version V]\n"
    "                       [--ignore-formatted]\n"
    "\n"
    "Formats the metadata log directory named by the config's metadata.log.dir (or\n"
    "the first log.dirs entry): writes bootstrap.checkpoint with the chosen\n"
    "metadata.version, then meta.properties (version 1: cluster.id, node.id and a\n"
    "fresh directory.id), each atomically.\n"
    "\n"
    "  --config FILE          controller (or broker) .properties with node.id\n"
    "  --cluster-id ID        22-character Kafka uuid (zk2kraft random-uuid makes one)\n"
    "  --release-version V    metadata.version, e.g. 3.9-IV0 (default) or 3.7\n"
    "  --ignore-formatted     succeed without changes when already formatted\n";

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_format(int argc, char **argv) {
    const char *config = NULL, *cluster_id = NULL, *release = "3.9-IV0";
    bool ignore = false;
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},       {"cluster-id", required_argument, NULL, 't'},
        {"release-version", required_argument, NULL, 'r'}, {"ignore-formatted", no_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hc:t:r:g", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 't': cluster_id = optarg; break;
        case 'r': release = optarg; break;
        case 'g': ignore = true; break;
        case 'h': fputs(usage, stdout); return EXIT_CLEAN;
        default: return cli_usage_error("format", "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error("format", "unexpected argument '%s'", argv[optind]);
    if (!config) return cli_usage_error("format", "--config is required");
    if (!cluster_id) return cli_usage_error("format", "--cluster-id is required");
    int16_t level = kr_metadata_version_parse(release);
    if (level < 0) return cli_usage_error("format", "unknown --release-version '%s'", release);

    kr_error err = {0};
    kr_properties props;
    if (kr_properties_read(config, &props, &err) != KR_OK) return cli_error("%s", err.message);
    int32_t node_id = -1;
    int rc = kr_properties_get_int(&props, "node.id", &node_id, &err);
    if (rc == KR_ERR_NOT_FOUND) rc = kr_properties_get_int(&props, "broker.id", &node_id, &err);
    if (rc != KR_OK) {
        kr_properties_free(&props);
        return rc == KR_ERR_NOT_FOUND ? cli_error("%s: node.id is not set", config) : cli_error("%s", err.message);
    }
    char dir[4096] = "";
    const char *d = kr_properties_get(&props, "metadata.log.dir");
    if (!d || !*d) {
        d = kr_properties_get(&props, "log.dirs");
        if (!d) d = kr_properties_get(&props, "log.dir");
    }
    if (d) snprintf(dir, sizeof dir, "%.*s", (int)strcspn(d, ","), d);
    kr_properties_free(&props);
    if (!dir[0]) return cli_error("%s: neither metadata.log.dir nor log.dirs is set", config);

    kr_format_options o = {.dir = dir, .cluster_id = cluster_id, .node_id = node_id,
                           .metadata_version = level, .timestamp_ms = now_ms(), .ignore_formatted = ignore};
    kr_format_result res;
    if (kr_format_directory(&o, &res, &err) != KR_OK) return cli_error("format: %s", err.message);
    if (res.already_formatted) {
        printf("All of the log directories are already formatted: %s\n", dir);
        return EXIT_CLEAN;
    }
    printf("Formatting metadata directory %s with metadata.version %s.\n", dir, kr_metadata_version_name(level));
    return EXIT_CLEAN;
}
