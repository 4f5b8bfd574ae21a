/*
 * DescribeConfigs (key 32, v0-4) from the metadata image, and the config
 * knowledge it needs: Kafka 3.9's topic-level keys with their types, built-in
 * defaults and broker synonyms (ServerTopicConfigSynonyms), and the built-in
 * defaults of those broker keys. Spec kafka-api.md §8; docs/client-api.md says
 * what a controller answers for keys it does not know.
 */
#ifndef KRAFT_CLIENT_CONFIGS_H
#define KRAFT_CLIENT_CONFIGS_H

#include "kraft/client_api.h"

/* ConfigSource (DescribeConfigsResponse.ConfigSource). */
enum {
    KR_CONFIG_SOURCE_UNKNOWN = 0,
    KR_CONFIG_SOURCE_TOPIC = 1,
    KR_CONFIG_SOURCE_DYNAMIC_BROKER = 2,
    KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER = 3,
    KR_CONFIG_SOURCE_STATIC_BROKER = 4,
    KR_CONFIG_SOURCE_DEFAULT = 5,
    KR_CONFIG_SOURCE_CLIENT_METRICS = 7,
};

/* ConfigType (v3+). */
enum {
    KR_CONFIG_TYPE_UNKNOWN = 0,
    KR_CONFIG_TYPE_BOOLEAN = 1,
    KR_CONFIG_TYPE_STRING = 2,
    KR_CONFIG_TYPE_INT = 3,
    KR_CONFIG_TYPE_SHORT = 4,
    KR_CONFIG_TYPE_LONG = 5,
    KR_CONFIG_TYPE_DOUBLE = 6,
    KR_CONFIG_TYPE_LIST = 7,
    KR_CONFIG_TYPE_CLASS = 8,
    KR_CONFIG_TYPE_PASSWORD = 9,
};

#define KR_TOPIC_CONFIG_MAX_SYNONYMS 3

typedef struct kr_topic_config_def {
    const char *name;          /* "retention.ms" */
    int8_t type;               /* KR_CONFIG_TYPE_* */
    const char *default_value; /* built-in topic default as Kafka renders it */
    /* Broker synonyms, primary first, with the factor that turns each into
     * the topic key's unit (1 = same unit; minutes/hours → ms). */
    const char *synonyms[KR_TOPIC_CONFIG_MAX_SYNONYMS];
    int64_t factor[KR_TOPIC_CONFIG_MAX_SYNONYMS];
} kr_topic_config_def;

/* The topic-level keys of Kafka 3.9 (LogConfig, non-internal), sorted by name. */
extern const kr_topic_config_def kr_topic_configs[];
extern const size_t kr_topic_config_count;
const kr_topic_config_def *kr_topic_config_find(const char *name);

typedef struct kr_broker_config_def {
    const char *name;          /* "log.retention.hours" */
    int8_t type;
    const char *default_value; /* NULL: no built-in default */
} kr_broker_config_def;
/* The broker keys that are synonyms of topic keys (all dynamically updatable). */
const kr_broker_config_def *kr_broker_config_find(const char *name);

int kr_handle_DescribeConfigs(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeConfigsRequest *req,
                              int16_t version, kr_DescribeConfigsResponse *resp, kr_arena *arena);

#endif
