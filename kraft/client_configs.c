/* DescribeConfigs from the image (spec kafka-api.md §8, Kafka's ConfigHelper). */
#include "kraft/client_configs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/client_read.h"
#include "kraft/client_util.h"
#include "kraft/metadata_record.h"

#define MS_PER_MINUTE 60000LL
#define MS_PER_HOUR 3600000LL
#define LONG_MAX_TEXT "9223372036854775807"

enum { RES_TOPIC = 2, RES_BROKER = 4, RES_BROKER_LOGGER = 8, RES_CLIENT_METRICS = 16 };

#define T(x) KR_CONFIG_TYPE_##x
const kr_topic_config_def kr_topic_configs[] = {
    {"cleanup.policy", T(LIST), "delete", {"log.cleanup.policy"}, {1}},
    {"compression.gzip.level", T(INT), "-1", {"compression.gzip.level"}, {1}},
    {"compression.lz4.level", T(INT), "9", {"compression.lz4.level"}, {1}},
    {"compression.type", T(STRING), "producer", {"compression.type"}, {1}},
    {"compression.zstd.level", T(INT), "3", {"compression.zstd.level"}, {1}},
    {"delete.retention.ms", T(LONG), "86400000", {"log.cleaner.delete.retention.ms"}, {1}},
    {"file.delete.delay.ms", T(LONG), "60000", {"log.segment.delete.delay.ms"}, {1}},
    {"flush.messages", T(LONG), LONG_MAX_TEXT, {"log.flush.interval.messages"}, {1}},
    {"flush.ms", T(LONG), LONG_MAX_TEXT, {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}, {1, 1}},
    {"follower.replication.throttled.replicas", T(LIST), "", {NULL}, {0}},
    {"index.interval.bytes", T(INT), "4096", {"log.index.interval.bytes"}, {1}},
    {"leader.replication.throttled.replicas", T(LIST), "", {NULL}, {0}},
    {"local.retention.bytes", T(LONG), "-2", {"log.local.retention.bytes"}, {1}},
    {"local.retention.ms", T(LONG), "-2", {"log.local.retention.ms"}, {1}},
    {"max.compaction.lag.ms", T(LONG), LONG_MAX_TEXT, {"log.cleaner.max.compaction.lag.ms"}, {1}},
    {"max.message.bytes", T(INT), "1048588", {"message.max.bytes"}, {1}},
    {"message.downconversion.enable", T(BOOLEAN), "true", {"log.message.downconversion.enable"}, {1}},
    {"message.format.version", T(STRING), "3.0-IV1", {"log.message.format.version"}, {1}},
    {"message.timestamp.after.max.ms", T(LONG), LONG_MAX_TEXT, {"log.message.timestamp.after.max.ms"}, {1}},
    {"message.timestamp.before.max.ms", T(LONG), LONG_MAX_TEXT, {"log.message.timestamp.before.max.ms"}, {1}},
    {"message.timestamp.difference.max.ms", T(LONG), LONG_MAX_TEXT, {"log.message.timestamp.difference.max.ms"}, {1}},
    {"message.timestamp.type", T(STRING), "CreateTime", {"log.message.timestamp.type"}, {1}},
    {"min.cleanable.dirty.ratio", T(DOUBLE), "0.5", {"log.cleaner.min.cleanable.ratio"}, {1}},
    {"min.compaction.lag.ms", T(LONG), "0", {"log.cleaner.min.compaction.lag.ms"}, {1}},
    {"min.insync.replicas", T(INT), "1", {"min.insync.replicas"}, {1}},
    {"preallocate", T(BOOLEAN), "false", {"log.preallocate"}, {1}},
    {"remote.log.copy.disable", T(BOOLEAN), "false", {NULL}, {0}},
    {"remote.log.delete.on.disable", T(BOOLEAN), "false", {NULL}, {0}},
    {"remote.storage.enable", T(BOOLEAN), "false", {NULL}, {0}},
    {"retention.bytes", T(LONG), "-1", {"log.retention.bytes"}, {1}},
    {"retention.ms", T(LONG), "604800000", {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
     {1, MS_PER_MINUTE, MS_PER_HOUR}},
    {"segment.bytes", T(INT), "1073741824", {"log.segment.bytes"}, {1}},
    {"segment.index.bytes", T(INT), "10485760", {"log.index.size.max.bytes"}, {1}},
    {"segment.jitter.ms", T(LONG), "0", {"log.roll.jitter.ms", "log.roll.jitter.hours"}, {1, MS_PER_HOUR}},
    {"segment.ms", T(LONG), "604800000", {"log.roll.ms", "log.roll.hours"}, {1, MS_PER_HOUR}},
    {"unclean.leader.election.enable", T(BOOLEAN), "false", {"unclean.leader.election.enable"}, {1}},
};
const size_t kr_topic_config_count = sizeof kr_topic_configs / sizeof kr_topic_configs[0];

/* Built-in defaults of the broker synonyms (KafkaConfig / ServerLogConfigs). */
static const kr_broker_config_def broker_configs[] = {
    {"compression.gzip.level", T(INT), "-1"},
    {"compression.lz4.level", T(INT), "9"},
    {"compression.type", T(STRING), "producer"},
    {"compression.zstd.level", T(INT), "3"},
    {"log.cleaner.delete.retention.ms", T(LONG), "86400000"},
    {"log.cleaner.max.compaction.lag.ms", T(LONG), LONG_MAX_TEXT},
    {"log.cleaner.min.cleanable.ratio", T(DOUBLE), "0.5"},
    {"log.cleaner.min.compaction.lag.ms", T(LONG), "0"},
    {"log.cleanup.policy", T(LIST), "delete"},
    {"log.flush.interval.messages", T(LONG), LONG_MAX_TEXT},
    {"log.flush.interval.ms", T(LONG), NULL},
    {"log.flush.scheduler.interval.ms", T(LONG), LONG_MAX_TEXT},
    {"log.index.interval.bytes", T(INT), "4096"},
    {"log.index.size.max.bytes", T(INT), "10485760"},
    {"log.local.retention.bytes", T(LONG), "-2"},
    {"log.local.retention.ms", T(LONG), "-2"},
    {"log.message.downconversion.enable", T(BOOLEAN), "true"},
    {"log.message.format.version", T(STRING), "3.0-IV1"},
    {"log.message.timestamp.after.max.ms", T(LONG), LONG_MAX_TEXT},
    {"log.message.timestamp.before.max.ms", T(LONG), LONG_MAX_TEXT},
    {"log.message.timestamp.difference.max.ms", T(LONG), LONG_MAX_TEXT},
    {"log.message.timestamp.type", T(STRING), "CreateTime"},
    {"log.preallocate", T(BOOLEAN), "false"},
    {"log.retention.bytes", T(LONG), "-1"},
    {"log.retention.hours", T(INT), "168"},
    {"log.retention.minutes", T(INT), NULL},
    {"log.retention.ms", T(LONG), NULL},
    {"log.roll.hours", T(INT), "168"},
    {"log.roll.jitter.hours", T(INT), "0"},
    {"log.roll.jitter.ms", T(LONG), NULL},
    {"log.roll.ms", T(LONG), NULL},
    {"log.segment.bytes", T(INT), "1073741824"},
    {"log.segment.delete.delay.ms", T(LONG), "60000"},
    {"message.max.bytes", T(INT), "1048588"},
    {"min.insync.replicas", T(INT), "1"},
    {"unclean.leader.election.enable", T(BOOLEAN), "false"},
};
#undef T
#define BROKER_CONFIG_COUNT (sizeof broker_configs / sizeof broker_configs[0])

const kr_topic_config_def *kr_topic_config_find(const char *name) {
    for (size_t i = 0; name && i < kr_topic_config_count; i++)
        if (!strcmp(kr_topic_configs[i].name, name)) return &kr_topic_configs[i];
    return NULL;
}

const kr_broker_config_def *kr_broker_config_find(const char *name) {
    for (size_t i = 0; name && i < BROKER_CONFIG_COUNT; i++)
        if (!strcmp(broker_configs[i].name, name)) return &broker_configs[i];
    return NULL;
}

/* DynamicBrokerConfig.brokerConfigSynonyms: keys that stand for one setting. */
static int broker_synonym_chain(const char *name, const char *out[KR_TOPIC_CONFIG_MAX_SYNONYMS]) {
    static const char *const chains[][KR_TOPIC_CONFIG_MAX_SYNONYMS] = {
        {"log.roll.ms", "log.roll.hours", NULL},
        {"log.roll.jitter.ms", "log.roll.jitter.hours", NULL},
        {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
        {"log.flush.interval.ms", "log.flush.scheduler.interval.ms", NULL}, /* only from the first */
    };
    for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++)
        for (int j = 0; j < KR_TOPIC_CONFIG_MAX_SYNONYMS && chains[c][j]; j++) {
            if (strcmp(chains[c][j], name)) continue;
            if (c == 3 && j == 1) break; /* the scheduler interval has no synonyms */
            int n = 0;
            for (int k = 0; k < KR_TOPIC_CONFIG_MAX_SYNONYMS && chains[c][k]; k++) out[n++] = chains[c][k];
            return n;
        }
    out[0] = name;
    return 1;
}

/* ---- configuration levels ------------------------------------------------------ */

typedef struct levels {
    const kr_image *img;
    const char *broker;             /* per-broker resource name ("3000"), NULL = none */
    const kr_properties *static_cfg; /* NULL when unknown (another node) */
} levels;

static const char *level_value(const levels *L, int level, const char *name) {
    switch (level) {
    case KR_CONFIG_SOURCE_DYNAMIC_BROKER:
        return L->broker ? kr_image_config_value(L->img, RES_BROKER, L->broker, name) : NULL;
    case KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER:
        return kr_image_config_value(L->img, RES_BROKER, "", name);
    case KR_CONFIG_SOURCE_STATIC_BROKER:
        return L->static_cfg ? kr_properties_get(L->static_cfg, name) : NULL;
    case KR_CONFIG_SOURCE_DEFAULT: {
        const kr_broker_config_def *d = kr_broker_config_find(name);
        return d ? d->default_value : NULL;
    }
    default:
        return NULL;
    }
}

typedef struct synonym {
    const char *name, *value;
    int8_t source;
} synonym;
#define MAX_SYNONYMS (4 * KR_TOPIC_CONFIG_MAX_SYNONYMS + 1)

/* ConfigHelper.configSynonyms: levels 2..5, names in order within a level,
 * then drop leading entries until the primary name. */
static int collect_synonyms(const levels *L, const char *const *names, int n, const char *primary, synonym *out,
                            int cap) {
    int k = 0;
    for (int level = KR_CONFIG_SOURCE_DYNAMIC_BROKER; level <= KR_CONFIG_SOURCE_DEFAULT; level++)
        for (int i = 0; i < n; i++) {
            const char *v = level_value(L, level, names[i]);
            if (v && k < cap) out[k++] = (synonym){names[i], v, (int8_t)level};
        }
    int drop = 0;
    while (drop < k && strcmp(out[drop].name, primary)) drop++;
    memmove(out, out + drop, (size_t)(k - drop) * sizeof *out);
    return k - drop;
}

/* value * factor as decimal text; the value itself when it is not an integer. */
static kr_str scaled(kr_arena *arena, const char *value, int64_t factor, bool clamp_negative) {
    if (factor == 1 && !clamp_negative) return kr_str_c(value);
    errno = 0;
    char *end = NULL;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end) return kr_str_c(value);
    long long r;
    if (__builtin_mul_overflow(v, (long long)factor, &r)) r = v < 0 ? INT64_MIN : INT64_MAX;
    if (clamp_negative && r < 0) r = -1; /* KafkaConfig.logRetentionTimeMillis */
    return kr_client_strf(arena, "%lld", r);
}

/* ---- entries -------------------------------------------------------------------- */

typedef kr_DescribeConfigsResponse_DescribeConfigsResourceResult entry_t;

typedef struct entry_opts {
    const kr_DescribeConfigsRequest *req;
    int16_t version;
    kr_arena *arena;
} entry_opts;

static int fill_entry(const entry_opts *o, entry_t *e, const char *name, kr_str value, bool sensitive, bool read_only,
                      int8_t type, const synonym *syn, int nsyn, int8_t only_source) {
    kr_DescribeConfigsResponse_DescribeConfigsResourceResult_init(e);
    e->Name = kr_str_c(name);
    e->Value = sensitive ? KR_STR_NULL : value;
    e->ReadOnly = read_only;
    e->IsSensitive = sensitive;
    int8_t source = KR_CONFIG_SOURCE_DEFAULT;
    int kept = 0;
    for (int i = 0; i < nsyn; i++)
        if (!only_source || syn[i].source == only_source) {
            if (!kept) source = syn[i].source;
            kept++;
        }
    if (o->version == 0) e->IsDefault = source == KR_CONFIG_SOURCE_DEFAULT; /* [ext] Kafka leaves it false */
    if (o->version >= 1) {
        e->ConfigSource = source;
        if (o->req->IncludeSynonyms && kept) {
            kr_DescribeConfigsResponse_DescribeConfigsSynonym *s = KR_CLIENT_ALLOC(o->arena, (size_t)kept, *s);
            if (!s) return KR_ERR_NOMEM;
            int w = 0;
            for (int i = 0; i < nsyn; i++) {
                if (only_source && syn[i].source != only_source) continue;
                kr_DescribeConfigsResponse_DescribeConfigsSynonym_init(&s[w]);
                s[w].Name = kr_str_c(syn[i].name);
                s[w].Value = sensitive ? KR_STR_NULL : kr_str_c(syn[i].value);
                s[w].Source = syn[i].source;
                w++;
            }
            e->Synonyms.v = s;
            e->Synonyms.n = w;
        }
    }
    if (o->version >= 3) {
        e->ConfigType = type;
        e->Documentation = KR_STR_NULL; /* not kept by a controller; see docs/client-api.md */
    }
    return KR_OK;
}

static bool key_wanted(const kr_DescribeConfigsRequest_DescribeConfigsResource *r, const char *name) {
    if (r->ConfigurationKeys.n <= 0) return true;
    for (int32_t i = 0; i < r->ConfigurationKeys.n; i++)
        if (kr_str_eq_c(r->ConfigurationKeys.v[i], name)) return true;
    return false;
}

/* One topic key: override, else the broker synonyms' effective value, else the built-in default. */
static int topic_entry(const entry_opts *o, const levels *L, const kr_topic_config_def *d, const char *override,
                       entry_t *e) {
    synonym syn[MAX_SYNONYMS];
    int n = 0, nnames = 0;
    while (nnames < KR_TOPIC_CONFIG_MAX_SYNONYMS && d->synonyms[nnames]) nnames++;
    if (nnames) n = collect_synonyms(L, d->synonyms, nnames, d->synonyms[0], syn + 1, MAX_SYNONYMS - 1);
    kr_str value = KR_STR_NULL;
    bool clamp = !strcmp(d->name, "retention.ms");
    if (override) {
        value = kr_str_c(override);
        syn[0] = (synonym){d->name, override, KR_CONFIG_SOURCE_TOPIC};
        n++;
    } else {
        /* Synonym-major, level-minor, as KafkaConfig resolves e.g. log.retention.{ms,minutes,hours}. */
        for (int i = 0; i < nnames && kr_str_is_null(value); i++)
            for (int level = KR_CONFIG_SOURCE_DYNAMIC_BROKER; level <= KR_CONFIG_SOURCE_DEFAULT; level++) {
                const char *v = level_value(L, level, d->synonyms[i]);
                if (!v) continue;
                value = scaled(o->arena, v, d->factor[i], clamp);
                break;
            }
        if (kr_str_is_null(value)) value = kr_str_c(d->default_value);
        memmove(syn, syn + 1, (size_t)n * sizeof *syn);
    }
    return fill_entry(o, e, d->name, value, d->type == KR_CONFIG_TYPE_PASSWORD, false, d->type, syn, n, 0);
}

typedef kr_DescribeConfigsResponse_DescribeConfigsResult result_t;

static int entries_alloc(result_t *res, size_t cap, kr_arena *arena) {
    res->Configs.v = KR_CLIENT_ALLOC(arena, cap, *res->Configs.v);
    res->Configs.n = 0;
    return cap && !res->Configs.v ? KR_ERR_NOMEM : KR_OK;
}

static void result_error(result_t *res, int16_t code, kr_str message) {
    res->ErrorCode = code;
    res->ErrorMessage = message;
    res->Configs = (kr_DescribeConfigsResponse_DescribeConfigsResourceResult_array)KR_ARRAY_EMPTY;
}

static int describe_topic(const entry_opts *o, const kr_client_ctx *ctx, const kr_image *img,
                          const kr_DescribeConfigsRequest_DescribeConfigsResource *r, result_t *res) {
    if (!kr_client_topic_name_legal(r->ResourceName)) {
        result_error(res, KR_KERR_INVALID_TOPIC_EXCEPTION,
                     kr_client_strf(o->arena, "Topic name \"%.*s\" is illegal", (int)(r->ResourceName.len > 0 ? r->ResourceName.len : 0),
                                    r->ResourceName.ptr ? r->ResourceName.ptr : ""));
        return KR_OK;
    }
    const kr_image_topic *t = kr_image_topic_by_name(img, r->ResourceName.ptr, (size_t)r->ResourceName.len);
    if (!t) {
        result_error(res, KR_KERR_UNKNOWN_TOPIC_OR_PARTITION, kr_str_c("This server does not host this topic-partition."));
        return KR_OK;
    }
    char node[16];
    snprintf(node, sizeof node, "%" PRId32, ctx->node_id);
    levels L = {img, node, ctx->static_config};
    int32_t overrides = 0;
    for (int32_t i = 0; i < img->configs.n; i++) {
        const kr_image_config *c = &img->configs.v[i];
        if (c->resource_type == RES_TOPIC && c->resource_name && !strcmp(c->resource_name, t->name)) overrides++;
    }
    if (entries_alloc(res, kr_topic_config_count + (size_t)overrides, o->arena) != KR_OK) return KR_ERR_NOMEM;
    for (size_t i = 0; i < kr_topic_config_count; i++) {
        const kr_topic_config_def *d = &kr_topic_configs[i];
        if (!key_wanted(r, d->name)) continue;
        const char *ov = kr_image_config_value(img, RES_TOPIC, t->name, d->name);
        if (topic_entry(o, &L, d, ov, &res->Configs.v[res->Configs.n++]) != KR_OK) return KR_ERR_NOMEM;
    }
    /* Overrides of keys Kafka does not define: listed as Kafka lists them, as sensitive. */
    for (int32_t i = 0; i < img->configs.n && overrides; i++) {
        const kr_image_config *c = &img->configs.v[i];
        if (c->resource_type != RES_TOPIC || !c->resource_name || strcmp(c->resource_name, t->name)) continue;
        if (kr_topic_config_find(c->name) || !key_wanted(r, c->name)) continue;
        synonym s = {c->name, c->value, KR_CONFIG_SOURCE_TOPIC};
        if (fill_entry(o, &res->Configs.v[res->Configs.n++], c->name, KR_STR_NULL, true, false,
                       KR_CONFIG_TYPE_UNKNOWN, &s, 1, 0) != KR_OK)
            return KR_ERR_NOMEM;
    }
    return KR_OK;
}

/* One broker key at every level for `L` (a node's full view). */
static int broker_entry(const entry_opts *o, const levels *L, const char *name, bool in_image, entry_t *e) {
    const char *chain[KR_TOPIC_CONFIG_MAX_SYNONYMS];
    int nchain = broker_synonym_chain(name, chain);
    synonym syn[MAX_SYNONYMS];
    int n = collect_synonyms(L, chain, nchain, name, syn, MAX_SYNONYMS);
    const char *value = NULL;
    for (int level = KR_CONFIG_SOURCE_DYNAMIC_BROKER; level <= KR_CONFIG_SOURCE_DEFAULT && !value; level++)
        value = level_value(L, level, name);
    const kr_broker_config_def *d = kr_broker_config_find(name);
    bool sensitive = d ? d->type == KR_CONFIG_TYPE_PASSWORD : kr_config_name_is_sensitive(name, strlen(name));
    /* Known synonyms and anything set dynamically are dynamic keys; other static keys are read-only. */
    bool read_only = !d && !in_image;
    return fill_entry(o, e, name, kr_str_c(value), sensitive, read_only, d ? d->type : KR_CONFIG_TYPE_UNKNOWN, syn, n,
                      0);
}

static bool broker_resource_known(const kr_client_ctx *ctx, const kr_image *img, int32_t id, const char *name) {
    if (kr_image_broker(img, id)) return true;
    for (size_t i = 0; i < ctx->controller_count; i++)
        if (ctx->controllers[i].id == id) return true;
    for (int32_t i = 0; i < img->configs.n; i++)
        if (img->configs.v[i].resource_type == RES_BROKER && img->configs.v[i].resource_name &&
            !strcmp(img->configs.v[i].resource_name, name))
            return true;
    return false;
}

static int describe_broker_node(const entry_opts *o, const levels *L, const kr_image *img,
                                const kr_DescribeConfigsRequest_DescribeConfigsResource *r, result_t *res) {
    size_t cap = BROKER_CONFIG_COUNT + (size_t)img->configs.n + (L->static_cfg ? (size_t)L->static_cfg->n : 0);
    if (entries_alloc(res, cap, o->arena) != KR_OK) return KR_ERR_NOMEM;
    kr_strmap seen = {0};
    int rc = KR_OK;
    /* Names in order: known keys, then the image's dynamic ones, then the static file's. */
    for (size_t pass = 0; pass < 3 && rc == KR_OK; pass++) {
        size_t count = pass == 0 ? BROKER_CONFIG_COUNT
                     : pass == 1 ? (size_t)img->configs.n
                                 : (L->static_cfg ? (size_t)L->static_cfg->n : 0);
        for (size_t i = 0; i < count && rc == KR_OK; i++) {
            const char *name = NULL;
            bool in_image = false;
            if (pass == 0) {
                name = broker_configs[i].name;
            } else if (pass == 1) {
                const kr_image_config *c = &img->configs.v[i];
                if (c->resource_type != RES_BROKER || !c->resource_name) continue;
                if (strcmp(c->resource_name, "") && !(L->broker && !strcmp(c->resource_name, L->broker))) continue;
                name = c->name;
                in_image = true;
            } else {
                name = L->static_cfg->v[i].key;
            }
            if (!name || !key_wanted(r, name) || kr_strmap_get(&seen, name, strlen(name)) >= 0) continue;
            if (!kr_strmap_put(&seen, name, strlen(name), 1)) {
                rc = KR_ERR_NOMEM;
                break;
            }
            rc = broker_entry(o, L, name, in_image, &res->Configs.v[res->Configs.n++]);
        }
    }
    kr_strmap_free(&seen);
    return rc;
}

/* The cluster-wide dynamic defaults (resource name ""): source 3 only. */
static int describe_broker_default(const entry_opts *o, const levels *L, const kr_image *img,
                                   const kr_DescribeConfigsRequest_DescribeConfigsResource *r, result_t *res) {
    if (entries_alloc(res, (size_t)img->configs.n, o->arena) != KR_OK) return KR_ERR_NOMEM;
    for (int32_t i = 0; i < img->configs.n; i++) {
        const kr_image_config *c = &img->configs.v[i];
        if (c->resource_type != RES_BROKER || !c->resource_name || c->resource_name[0] || !key_wanted(r, c->name))
            continue;
        const char *chain[KR_TOPIC_CONFIG_MAX_SYNONYMS];
        int nchain = broker_synonym_chain(c->name, chain);
        synonym syn[MAX_SYNONYMS];
        int n = collect_synonyms(L, chain, nchain, c->name, syn, MAX_SYNONYMS);
        const kr_broker_config_def *d = kr_broker_config_find(c->name);
        bool sensitive = d ? d->type == KR_CONFIG_TYPE_PASSWORD : kr_config_name_is_sensitive(c->name, strlen(c->name));
        if (fill_entry(o, &res->Configs.v[res->Configs.n++], c->name, kr_str_c(c->value), sensitive, false,
                       d ? d->type : KR_CONFIG_TYPE_UNKNOWN, syn, n, KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER) != KR_OK)
            return KR_ERR_NOMEM;
    }
    return KR_OK;
}

static bool parse_broker_id(kr_str name, int32_t *out) {
    if (name.len <= 0 || name.len > 11 || memchr(name.ptr, '\0', (size_t)name.len)) return false;
    char buf[16];
    memcpy(buf, name.ptr, (size_t)name.len);
    buf[name.len] = 0;
    errno = 0;
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    if (errno || *end || v < INT32_MIN || v > INT32_MAX || buf[0] == ' ' || buf[0] == '+') return false;
    *out = (int32_t)v;
    return true;
}

static int describe_broker(const entry_opts *o, const kr_client_ctx *ctx, const kr_image *img,
                           const kr_DescribeConfigsRequest_DescribeConfigsResource *r, result_t *res) {
    if (r->ResourceName.len <= 0) {
        levels L = {img, NULL, NULL};
        return describe_broker_default(o, &L, img, r, res);
    }
    int32_t id;
    if (!parse_broker_id(r->ResourceName, &id)) {
        result_error(res, KR_KERR_INVALID_REQUEST,
                     kr_client_strf(o->arena, "Broker id must be an integer, but it is: %.*s", (int)r->ResourceName.len,
                                    r->ResourceName.ptr));
        return KR_OK;
    }
    char name[16];
    snprintf(name, sizeof name, "%" PRId32, id);
    if (id == ctx->node_id) {
        levels L = {img, name, ctx->static_config};
        return describe_broker_node(o, &L, img, r, res);
    }
    /* [ext] another known node: its dynamic configs; its static file is not known here. */
    if (broker_resource_known(ctx, img, id, name)) {
        levels L = {img, name, NULL};
        return describe_broker_node(o, &L, img, r, res);
    }
    result_error(res, KR_KERR_INVALID_REQUEST,
                 kr_client_strf(o->arena, "Unexpected broker id, expected %" PRId32 " or empty string, but received %.*s",
                                ctx->node_id, (int)r->ResourceName.len, r->ResourceName.ptr));
    return KR_OK;
}

static int describe_client_metrics(const entry_opts *o, const kr_image *img,
                                   const kr_DescribeConfigsRequest_DescribeConfigsResource *r, result_t *res) {
    if (r->ResourceName.len <= 0) {
        result_error(res, KR_KERR_INVALID_REQUEST, kr_str_c("Client metrics subscription name must not be empty"));
        return KR_OK;
    }
    if (entries_alloc(res, (size_t)img->configs.n, o->arena) != KR_OK) return KR_ERR_NOMEM;
    for (int32_t i = 0; i < img->configs.n; i++) {
        const kr_image_config *c = &img->configs.v[i];
        if (c->resource_type != RES_CLIENT_METRICS || !c->resource_name ||
            !kr_str_eq_c(r->ResourceName, c->resource_name) || !key_wanted(r, c->name))
            continue;
        entry_t *e = &res->Configs.v[res->Configs.n++];
        if (fill_entry(o, e, c->name, kr_str_c(c->value), false, false, KR_CONFIG_TYPE_UNKNOWN, NULL, 0, 0) != KR_OK)
            return KR_ERR_NOMEM;
        if (o->version >= 1) e->ConfigSource = KR_CONFIG_SOURCE_CLIENT_METRICS;
        if (o->version == 0) e->IsDefault = false;
    }
    return KR_OK;
}

static const char *resource_type_name(int8_t t) {
    switch (t) {
    case 2: return "TOPIC";
    case 3: return "GROUP";
    case 4: return "BROKER";
    case 8: return "BROKER_LOGGER";
    case 16: return "CLIENT_METRICS";
    default: return "UNKNOWN";
    }
}

int kr_handle_DescribeConfigs(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeConfigsRequest *req,
                              int16_t version, kr_DescribeConfigsResponse *resp, kr_arena *arena) {
    kr_DescribeConfigsResponse_init(resp);
    if (version < 0 || version > 4) return KR_ERR_UNSUPPORTED;
    int32_t n = req->Resources.n > 0 ? req->Resources.n : 0;
    result_t *res = KR_CLIENT_ALLOC(arena, (size_t)n, *res);
    if (n && !res) return KR_ERR_NOMEM;
    entry_opts o = {req, version, arena};
    for (int32_t i = 0; i < n; i++) {
        const kr_DescribeConfigsRequest_DescribeConfigsResource *r = &req->Resources.v[i];
        kr_DescribeConfigsResponse_DescribeConfigsResult_init(&res[i]);
        res[i].ErrorMessage = KR_STR_NULL;
        res[i].ResourceType = r->ResourceType;
        res[i].ResourceName = kr_str_is_null(r->ResourceName) ? KR_STR_EMPTY : r->ResourceName;
        int rc = KR_OK;
        switch (r->ResourceType) {
        case RES_TOPIC: rc = describe_topic(&o, ctx, img, r, &res[i]); break;
        case RES_BROKER: rc = describe_broker(&o, ctx, img, r, &res[i]); break;
        case RES_CLIENT_METRICS: rc = describe_client_metrics(&o, img, r, &res[i]); break;
        default:
            /* BROKER_LOGGER needs a live log4j; GROUP configs are not kept by a 3.9 controller. */
            result_error(&res[i], KR_KERR_INVALID_REQUEST,
                         kr_client_strf(arena, "Unsupported resource type: %s", resource_type_name(r->ResourceType)));
        }
        if (rc != KR_OK) return rc;
    }
    resp->Results.v = res;
    resp->Results.n = n;
    return KR_OK;
}
