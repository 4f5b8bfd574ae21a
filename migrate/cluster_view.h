/*
 * A Kafka cluster's metadata as an ordinary client sees it, through librdkafka (Debian 2.0.2),
 * folded into a metadata image for verify --bootstrap-server:
 *   Metadata: topics (no ids: librdkafka 2.0.2 does not expose them), partitions with
 *   replicas, ISR and leader (leader epochs are not exposed: 0);
 *   DescribeConfigs for every topic and broker: only dynamic entries (DYNAMIC_TOPIC_CONFIG,
 *   DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG from the first broker);
 *   DescribeAcls matching any binding (librdkafka 2.0.2 knows the resource types topic,
 *   group and cluster only; bindings of other types arrive as UNKNOWN and are skipped). Brokers from Metadata are registered in the image
 *   (so callers know whose per-broker configs could be seen).
 * Client quotas, SCRAM credentials, delegation tokens and producer ids are not reachable
 * through librdkafka 2.0.2: those parts of the image stay empty (callers exclude them).
 */
#ifndef MIGRATE_CLUSTER_VIEW_H
#define MIGRATE_CLUSTER_VIEW_H

#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"

/* The value of a sensitive config (librdkafka returns none). */
#define MG_CLUSTER_VIEW_HIDDEN "(hidden)"

typedef struct mg_cluster_view_options {
    const char *bootstrap; /* bootstrap.servers */
    uint32_t timeout_ms;   /* each request; 0 = 10000 */
} mg_cluster_view_options;

typedef struct mg_cluster_view_stats {
    int32_t brokers, topics, partitions, configs, acls;
    int32_t controller_id;
    char cluster_id[64];
} mg_cluster_view_stats;

/* img: kr_image_init'ed, empty. Errors name the request and the resource. */
int mg_cluster_view_read(const mg_cluster_view_options *o, kr_image *img, mg_cluster_view_stats *st, kr_error *err);

#endif
