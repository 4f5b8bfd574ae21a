/* AlterConfigs (legacy, replace-all) and IncrementalAlterConfigs, and the
 * topic config rules they and CreateTopics share (Kafka 3.9 LogConfig,
 * ConfigurationControlManager, ControllerConfigurationValidator). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "kraft/client_write_internal.h"

enum cfg_type { T_BOOLEAN, T_INT, T_LONG, T_DOUBLE, T_STRING, T_LIST };
enum cfg_check { C_NONE, C_MIN, C_RANGE, C_ONE_OF, C_LIST_OF, C_THROTTLED };

typedef struct topic_config {
    const char *name;
    enum cfg_type type;
    const char *default_value;
    const char *broker_synonym; /* primary broker synonym (ServerTopicConfigSynonyms), or NULL */
    enum cfg_check check;
    double min, max;     /* C_MIN, C_RANGE */
    const char *choices; /* C_ONE_OF, C_LIST_OF: comma-separated */
} topic_config;

#define LMAX "9223372036854775807"

/* The topic-level keys of Kafka 3.9's LogConfig with their validators. */
static const topic_config topic_configs[] = {
    {"cleanup.policy", T_LIST, "delete", "log.cleanup.policy", C_LIST_OF, 0, 0, "compact,delete"},
    {"compression.gzip.level", T_INT, "-1", "compression.gzip.level", C_NONE, 0, 0, NULL}, /* checked below */
    {"compression.lz4.level", T_INT, "9", "compression.lz4.level", C_RANGE, 1, 17, NULL},
    {"compression.type", T_STRING, "producer", "compression.type", C_ONE_OF, 0, 0,
     "uncompressed,zstd,lz4,snappy,gzip,producer"},
    {"compression.zstd.level", T_INT, "3", "compression.zstd.level", C_RANGE, -131072, 22, NULL},
    {"delete.retention.ms", T_LONG, "86400000", "log.cleaner.delete.retention.ms", C_MIN, 0, 0, NULL},
    {"file.delete.delay.ms", T_LONG, "60000", "log.segment.delete.delay.ms", C_MIN, 0, 0, NULL},
    {"flush.messages", T_LONG, LMAX, "log.flush.interval.messages", C_MIN, 1, 0, NULL},
    {"flush.ms", T_LONG, LMAX, "log.flush.interval.ms", C_MIN, 0, 0, NULL},
    {"follower.replication.throttled.replicas", T_LIST, "", NULL, C_THROTTLED, 0, 0, NULL},
    {"index.interval.bytes", T_INT, "4096", "log.index.interval.bytes", C_MIN, 0, 0, NULL},
    {"leader.replication.throttled.replicas", T_LIST, "", NULL, C_THROTTLED, 0, 0, NULL},
    {"local.retention.bytes", T_LONG, "-2", "log.local.retention.bytes", C_MIN, -2, 0, NULL},
    {"local.retention.ms", T_LONG, "-2", "log.local.retention.ms", C_MIN, -2, 0, NULL},
    {"max.compaction.lag.ms", T_LONG, LMAX, "log.cleaner.max.compaction.lag.ms", C_MIN, 1, 0, NULL},
    {"max.message.bytes", T_INT, "1048588", "message.max.bytes", C_MIN, 0, 0, NULL},
    {"message.downconversion.enable", T_BOOLEAN, "true", "log.message.downconversion.enable", C_NONE, 0, 0, NULL},
    {"message.format.version", T_STRING, "3.0-IV1", "log.message.format.version", C_NONE, 0, 0, NULL},
    {"message.timestamp.after.max.ms", T_LONG, LMAX, "log.message.timestamp.after.max.ms", C_MIN, 0, 0, NULL},
    {"message.timestamp.before.max.ms", T_LONG, LMAX, "log.message.timestamp.before.max.ms", C_MIN, 0, 0, NULL},
    {"message.timestamp.difference.max.ms", T_LONG, LMAX, "log.message.timestamp.difference.max.ms", C_MIN, 0, 0,
     NULL},
    {"message.timestamp.type", T_STRING, "CreateTime", "log.message.timestamp.type", C_ONE_OF, 0, 0,
     "CreateTime,LogAppendTime"},
    {"min.cleanable.dirty.ratio", T_DOUBLE, "0.5", "log.cleaner.min.cleanable.ratio", C_RANGE, 0, 1, NULL},
    {"min.compaction.lag.ms", T_LONG, "0", "log.cleaner.min.compaction.lag.ms", C_MIN, 0, 0, NULL},
    {"min.insync.replicas", T_INT, "1", "min.insync.replicas", C_MIN, 1, 0, NULL},
    {"preallocate", T_BOOLEAN, "false", "log.preallocate", C_NONE, 0, 0, NULL},
    {"remote.log.copy.disable", T_BOOLEAN, "false", NULL, C_NONE, 0, 0, NULL},
    {"remote.log.delete.on.disable", T_BOOLEAN, "false", NULL, C_NONE, 0, 0, NULL},
    {"remote.storage.enable", T_BOOLEAN, "false", NULL, C_NONE, 0, 0, NULL},
    {"retention.bytes", T_LONG, "-1", "log.retention.bytes", C_NONE, 0, 0, NULL},
    {"retention.ms", T_LONG, "604800000", "log.retention.ms", C_MIN, -1, 0, NULL},
    {"segment.bytes", T_INT, "1073741824", "log.segment.bytes", C_MIN, 14, 0, NULL},
    {"segment.index.bytes", T_INT, "10485760", "log.index.size.max.bytes", C_MIN, 4, 0, NULL},
    {"segment.jitter.ms", T_LONG, "0", "log.roll.jitter.ms", C_MIN, 0, 0, NULL},
    {"segment.ms", T_LONG, "604800000", "log.roll.ms", C_MIN, 1, 0, NULL},
    {"unclean.leader.election.enable", T_BOOLEAN, "false", "unclean.leader.election.enable", C_NONE, 0, 0, NULL},
};
#define TOPIC_CONFIG_COUNT ((int32_t)(sizeof topic_configs / sizeof topic_configs[0]))

/* Broker keys of LIST type (APPEND/SUBTRACT on a BROKER resource). */
static const char *const broker_list_keys[] = {
    "log.cleanup.policy", "sasl.enabled.mechanisms", "ssl.cipher.suites", "ssl.enabled.protocols",
    "metric.reporters",   "super.users",             "log.dirs",          "sasl.kerberos.principal.to.local.rules",
};

static const topic_config *topic_config_find(kr_str name) {
    for (int32_t i = 0; i < TOPIC_CONFIG_COUNT; i++)
        if (kr_str_eq_c(name, topic_configs[i].name)) return &topic_configs[i];
    return NULL;
}

/* ---- value checks -------------------------------------------------------- */

/* Kafka trims values before parsing numbers and booleans. */
static kr_str trim(kr_str s) {
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

static bool parse_i64(kr_str s, int64_t lo, int64_t hi, int64_t *out) {
    char buf[32];
    s = trim(s);
    if (s.len <= 0 || s.len >= (int32_t)sizeof buf) return false;
    memcpy(buf, s.ptr, (size_t)s.len);
    buf[s.len] = '\0';
    if (buf[0] != '-' && buf[0] != '+' && (buf[0] < '0' || buf[0] > '9')) return false;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static bool parse_double(kr_str s, double *out) {
    char buf[64];
    s = trim(s);
    if (s.len <= 0 || s.len >= (int32_t)sizeof buf) return false;
    memcpy(buf, s.ptr, (size_t)s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || isnan(v)) return false;
    *out = v;
    return true;
}

static bool in_choices(kr_str item, const char *choices) {
    const char *p = choices;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if ((size_t)item.len == n && memcmp(item.ptr, p, n) == 0) return true;
        p += n + (comma ? 1 : 0);
    }
    return false;
}

/* Calls fn on each comma-separated element (trimmed), stopping when it returns false. */
static bool each_element(kr_str list, bool (*fn)(kr_str item, const void *arg), const void *arg) {
    kr_str t = trim(list);
    if (t.len == 0) return true;
    int32_t start = 0;
    for (int32_t i = 0; i <= t.len; i++) {
        if (i < t.len && t.ptr[i] != ',') continue;
        if (!fn(trim((kr_str){t.ptr + start, i - start}), arg)) return false;
        start = i + 1;
    }
    return true;
}

static bool element_in_choices(kr_str item, const void *arg) { return in_choices(item, arg); }

/* "*" or partition:broker pairs (Kafka's ThrottledReplicaListValidator). */
static bool throttled_element(kr_str item, const void *arg) {
    (void)arg;
    int32_t colon = -1;
    for (int32_t i = 0; i < item.len; i++)
        if (item.ptr[i] == ':') colon = i;
    int64_t v;
    return colon > 0 && parse_i64((kr_str){item.ptr, colon}, 0, INT32_MAX, &v) &&
           parse_i64((kr_str){item.ptr + colon + 1, item.len - colon - 1}, 0, INT32_MAX, &v);
}

static int16_t invalid(kr_str *msg, kr_arena *arena, const topic_config *c, kr_str value, const char *why) {
    *msg = kr_wr_fmt(arena, "Invalid value %.*s for configuration %s: %s", value.len, value.ptr, c->name, why);
    return KR_KAFKA_INVALID_CONFIG;
}

static int16_t check_number(const topic_config *c, kr_str value, kr_str *msg, kr_arena *arena) {
    double v;
    if (c->type == T_DOUBLE) {
        if (!parse_double(value, &v)) return invalid(msg, arena, c, value, "Not a number of type DOUBLE");
    } else {
        int64_t iv;
        bool is_int = c->type == T_INT;
        if (!parse_i64(value, is_int ? INT32_MIN : INT64_MIN, is_int ? INT32_MAX : INT64_MAX, &iv))
            return invalid(msg, arena, c, value, is_int ? "Not a number of type INT" : "Not a number of type LONG");
        v = (double)iv;
        if (strcmp(c->name, "compression.gzip.level") == 0 && iv != -1 && (iv < 1 || iv > 9))
            return invalid(msg, arena, c, value, "Value must be between 1 and 9, or -1");
    }
    char why[96];
    if ((c->check == C_MIN || c->check == C_RANGE) && v < c->min) {
        snprintf(why, sizeof why, "Value must be at least %.17g", c->min);
        return invalid(msg, arena, c, value, why);
    }
    if (c->check == C_RANGE && v > c->max) {
        snprintf(why, sizeof why, "Value must be no more than %.17g", c->max);
        return invalid(msg, arena, c, value, why);
    }
    return KR_KAFKA_NONE;
}

int16_t kr_wr_topic_config_check(kr_str name, kr_str value, kr_str *msg, kr_arena *arena) {
    *msg = KR_STR_NULL;
    const topic_config *c = topic_config_find(name);
    if (!c) {
        *msg = kr_wr_fmt(arena, "Unknown topic config name: %.*s", name.len > 0 ? name.len : 0,
                         name.len > 0 ? name.ptr : "");
        return KR_KAFKA_INVALID_CONFIG;
    }
    if (value.len < 0) {
        *msg = kr_wr_fmt(arena, "Null value not supported for topic configs: %s", c->name);
        return KR_KAFKA_INVALID_CONFIG;
    }
    switch (c->type) {
    case T_BOOLEAN: {
        kr_str t = trim(value);
        bool ok = (t.len == 4 && strncasecmp(t.ptr, "true", 4) == 0) ||
                  (t.len == 5 && strncasecmp(t.ptr, "false", 5) == 0);
        return ok ? KR_KAFKA_NONE : invalid(msg, arena, c, value, "Expected value to be either true or false");
    }
    case T_INT:
    case T_LONG:
    case T_DOUBLE:
        return check_number(c, value, msg, arena);
    case T_STRING:
        if (c->check == C_ONE_OF && !in_choices(trim(value), c->choices)) {
            char why[128];
            snprintf(why, sizeof why, "String must be one of: %s", c->choices);
            return invalid(msg, arena, c, value, why);
        }
        return KR_KAFKA_NONE;
    case T_LIST:
        if (c->check == C_LIST_OF && !each_element(value, element_in_choices, c->choices)) {
            char why[128];
            snprintf(why, sizeof why, "String must be one of: %s", c->choices);
            return invalid(msg, arena, c, value, why);
        }
        if (c->check == C_THROTTLED && !kr_str_eq_c(trim(value), "*") &&
            !each_element(value, throttled_element, NULL))
            return invalid(msg, arena, c, value,
                           "must be the literal '*' or a list of replicas in the following format: "
                           "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
        return KR_KAFKA_NONE;
    }
    return KR_KAFKA_NONE;
}

int kr_wr_topic_effective_configs(const kr_image *img, const kr_CreateTopicsRequest_CreatableTopicConfig_array *overrides,
                                  kr_CreateTopicsResponse_CreatableTopicConfigs_array *out, kr_arena *arena,
                                  kr_error *err) {
    kr_CreateTopicsResponse_CreatableTopicConfigs *v = kr_wr_calloc(arena, TOPIC_CONFIG_COUNT, sizeof *v);
    if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory describing topic configs");
    for (int32_t i = 0; i < TOPIC_CONFIG_COUNT; i++) {
        const topic_config *c = &topic_configs[i];
        kr_CreateTopicsResponse_CreatableTopicConfigs_init(&v[i]);
        v[i].Name = kr_str_c(c->name);
        v[i].Value = kr_str_c(c->default_value);
        v[i].ConfigSource = 5; /* DEFAULT_CONFIG */
        const char *dynamic_default =
            c->broker_synonym ? kr_image_config_value(img, 4, "", c->broker_synonym) : NULL;
        if (dynamic_default) {
            v[i].Value = kr_wr_str(arena, dynamic_default);
            v[i].ConfigSource = 3; /* DYNAMIC_DEFAULT_BROKER_CONFIG */
        }
        for (int32_t j = 0; j < overrides->n; j++) /* the last override of a key wins */
            if (kr_str_eq_c(overrides->v[j].Name, c->name) && overrides->v[j].Value.len >= 0) {
                v[i].Value = overrides->v[j].Value;
                v[i].ConfigSource = 1; /* TOPIC_CONFIG */
            }
    }
    *out = (kr_CreateTopicsResponse_CreatableTopicConfigs_array){v, TOPIC_CONFIG_COUNT};
    return KR_OK;
}

/* ---- resources ------------------------------------------------------------- */

#define RT_TOPIC 2
#define RT_BROKER 4
#define RT_BROKER_LOGGER 8
#define RT_CLIENT_METRICS 16

/* One key's change: a new value, or a deletion (value.len < 0). */
typedef struct change {
    kr_str name, value;
} change;

/* Checks the resource itself (ConfigurationControlManager.checkConfigResource). */
static int16_t check_resource(const kr_image *img, int8_t type, kr_str name, kr_str *msg, kr_arena *arena) {
    *msg = KR_STR_NULL;
    if (name.len < 0) {
        *msg = kr_str_c("Resource name must not be null.");
        return KR_KAFKA_INVALID_REQUEST;
    }
    switch (type) {
    case RT_TOPIC: {
        int16_t code = kr_wr_topic_name_check(name, msg, arena);
        if (code) return code;
        if (!kr_image_topic_by_name(img, name.ptr, (size_t)name.len)) {
            *msg = kr_wr_fmt(arena, "The topic '%.*s' does not exist.", name.len, name.ptr);
            return KR_KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
        }
        return KR_KAFKA_NONE;
    }
    case RT_BROKER: {
        int64_t id;
        if (name.len == 0 || parse_i64(name, 0, INT32_MAX, &id)) return KR_KAFKA_NONE;
        *msg = kr_wr_fmt(arena, "Illegal non-integral BROKER resource type name %.*s", name.len, name.ptr);
        return KR_KAFKA_INVALID_REQUEST;
    }
    case RT_BROKER_LOGGER:
        *msg = kr_str_c("Unsupported resource type BROKER_LOGGER: broker loggers are changed on each broker.");
        return KR_KAFKA_INVALID_REQUEST;
    case RT_CLIENT_METRICS:
        *msg = kr_str_c("Unsupported resource type CLIENT_METRICS.");
        return KR_KAFKA_INVALID_REQUEST;
    default:
        *msg = kr_wr_fmt(arena, "Unknown resource type %d.", type);
        return KR_KAFKA_INVALID_REQUEST;
    }
}

static bool is_list_key(int8_t type, kr_str key) {
    if (type == RT_TOPIC) {
        const topic_config *c = topic_config_find(key);
        return c && c->type == T_LIST;
    }
    for (size_t i = 0; i < sizeof broker_list_keys / sizeof broker_list_keys[0]; i++)
        if (kr_str_eq_c(key, broker_list_keys[i])) return true;
    return false;
}

/* The resource's value of `key` as the image holds it (NULL when unset). */
static const char *current_value(const kr_image *img, int8_t type, const char *resource, kr_str key, kr_arena *arena) {
    char *k = kr_wr_cstr(arena, key);
    return k ? kr_image_config_value(img, type, resource, k) : NULL;
}

/* Validates the keys a request sets (topics: LogConfig rules; brokers:
 * names only, like Kafka's controller) and appends one ConfigRecord per
 * change. Only keys the request sets are validated, so a migrated topic
 * holding a value Kafka would now refuse can still be altered. */
static int16_t check_changes(int8_t type, const change *changes, int32_t n, kr_str *msg, kr_arena *arena) {
    for (int32_t i = 0; i < n; i++) {
        if (changes[i].name.len <= 0) {
            *msg = kr_str_c("Config name must not be empty.");
            return KR_KAFKA_INVALID_CONFIG;
        }
        if (type == RT_TOPIC && changes[i].value.len >= 0) {
            int16_t code = kr_wr_topic_config_check(changes[i].name, changes[i].value, msg, arena);
            if (code) return code;
        }
    }
    return KR_KAFKA_NONE;
}

static int emit_changes(kr_write_plan *plan, kr_arena *arena, int8_t type, kr_str resource, const change *changes,
                        int32_t n, kr_error *err) {
    for (int32_t i = 0; i < n; i++) {
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
        rec.u.ConfigRecord.ResourceType = type;
        rec.u.ConfigRecord.ResourceName = resource;
        rec.u.ConfigRecord.Name = changes[i].name;
        rec.u.ConfigRecord.Value = changes[i].value;
        int rc = kr_plan_add(plan, arena, &rec, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

static bool str_eq_cstr(kr_str a, const char *b) { return b ? kr_str_eq_c(a, b) : a.len < 0; }

/* Config names of a resource's entries (stride bytes apart, the name first)
 * that repeat: INVALID_REQUEST as Kafka's ControllerApis. -1 on OOM. */
static int16_t duplicate_keys(const void *entries, int32_t n, size_t stride, kr_str *msg, kr_arena *arena) {
    kr_bytes *keys = kr_wr_calloc(arena, (size_t)n, sizeof *keys);
    bool *dup = kr_wr_calloc(arena, (size_t)n, sizeof *dup);
    if (!keys || !dup) return -1;
    for (int32_t i = 0; i < n; i++) keys[i] = kr_wr_key(arena, 0, *(const kr_str *)((const char *)entries + (size_t)i * stride));
    if (!kr_wr_mark_duplicates(keys, n, dup)) return -1;
    for (int32_t i = 0; i < n; i++)
        if (dup[i]) {
            *msg = kr_str_c("Error due to duplicate config keys");
            return KR_KAFKA_INVALID_REQUEST;
        }
    return KR_KAFKA_NONE;
}

/* dup[i] for resources named more than once in one request. */
static bool *duplicate_resources(const void *resources, int32_t n, size_t stride, size_t type_off, size_t name_off,
                                 kr_arena *arena) {
    kr_bytes *keys = kr_wr_calloc(arena, (size_t)n, sizeof *keys);
    bool *dup = kr_wr_calloc(arena, (size_t)n, sizeof *dup);
    if (!keys || !dup) return NULL;
    for (int32_t i = 0; i < n; i++) {
        const char *r = (const char *)resources + (size_t)i * stride;
        keys[i] = kr_wr_key(arena, *(const int8_t *)(r + type_off), *(const kr_str *)(r + name_off));
    }
    return kr_wr_mark_duplicates(keys, n, dup) ? dup : NULL;
}

/* Records beyond Kafka's per-operation bound fail the resource. */
static int16_t over_bound(const kr_write_plan *plan, int32_t count, kr_str *msg) {
    if ((int64_t)plan->record_count + count <= KR_WRITE_MAX_RECORDS) return KR_KAFKA_NONE;
    *msg = kr_str_c("Excessively large number of records per request.");
    return KR_KAFKA_POLICY_VIOLATION;
}

/* ---- AlterConfigs (legacy: the request's set replaces the resource's) ------- */

typedef struct resource_result {
    int16_t code;
    kr_str msg;
} resource_result;

static int16_t legacy_changes(const kr_image *img, const kr_AlterConfigsRequest_AlterConfigsResource *r,
                              change **out, int32_t *n, kr_str *msg, kr_arena *arena) {
    char *resource = kr_wr_cstr(arena, r->ResourceName);
    int32_t nc = r->Configs.n > 0 ? r->Configs.n : 0;
    int32_t cap = nc + img->configs.n;
    change *c = kr_wr_calloc(arena, (size_t)(cap > 0 ? cap : 0), sizeof *c);
    if (!c || !resource) return -1;
    int32_t k = 0;
    int16_t dup = duplicate_keys(r->Configs.v, nc, sizeof *r->Configs.v, msg, arena);
    if (dup) return dup;
    kr_strmap named = {0}; /* the request's keys */
    for (int32_t i = 0; i < nc; i++)
        if (r->Configs.v[i].Name.len > 0 && !kr_strmap_put(&named, r->Configs.v[i].Name.ptr, (size_t)r->Configs.v[i].Name.len, i)) {
            kr_strmap_free(&named);
            return -1;
        }
    for (int32_t i = 0; i < nc; i++) {
        const kr_AlterConfigsRequest_AlterableConfig *e = &r->Configs.v[i];
        if (r->ResourceType == RT_TOPIC && e->Value.len < 0) {
            kr_strmap_free(&named);
            *msg = kr_wr_fmt(arena, "Null value not supported for topic configs: %.*s", e->Name.len > 0 ? e->Name.len : 0,
                             e->Name.len > 0 ? e->Name.ptr : "");
            return KR_KAFKA_INVALID_CONFIG;
        }
        const char *cur = e->Name.len >= 0 ? current_value(img, r->ResourceType, resource, e->Name, arena) : NULL;
        /* Kafka writes unchanged broker keys too; topic keys only when they change. */
        if (!str_eq_cstr(e->Value, cur) || r->ResourceType == RT_BROKER) c[k++] = (change){e->Name, e->Value};
    }
    int16_t code = check_changes(r->ResourceType, c, k, msg, arena);
    for (int32_t i = 0; !code && i < img->configs.n; i++) { /* keys not in the request are removed */
        const kr_image_config *ic = &img->configs.v[i];
        if (ic->resource_type != r->ResourceType || strcmp(ic->resource_name, resource) != 0) continue;
        if (kr_strmap_get(&named, ic->name, strlen(ic->name)) < 0) c[k++] = (change){kr_wr_str(arena, ic->name), KR_STR_NULL};
    }
    kr_strmap_free(&named);
    if (code) return code;
    *out = c;
    *n = k;
    return KR_KAFKA_NONE;
}

int kr_plan_AlterConfigs(const kr_write_ctx *ctx, const kr_image *img, const kr_AlterConfigsRequest *req,
                         int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    (void)ctx;
    kr_AlterConfigsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    int32_t n = req->Resources.n > 0 ? req->Resources.n : 0;
    kr_AlterConfigsResponse_AlterConfigsResourceResponse *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    if (!resp || !res) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterConfigs");
    kr_AlterConfigsResponse_init(resp);
    resp->Responses = (kr_AlterConfigsResponse_AlterConfigsResourceResponse_array){res, n};
    kr_plan_start(plan, KR_API_ALTER_CONFIGS, version, resp);
    bool *dup = duplicate_resources(req->Resources.v, n, sizeof *req->Resources.v,
                                    offsetof(kr_AlterConfigsRequest_AlterConfigsResource, ResourceType),
                                    offsetof(kr_AlterConfigsRequest_AlterConfigsResource, ResourceName), arena);
    if (!dup) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterConfigs");
    for (int32_t i = 0; i < n; i++) {
        const kr_AlterConfigsRequest_AlterConfigsResource *r = &req->Resources.v[i];
        kr_AlterConfigsResponse_AlterConfigsResourceResponse_init(&res[i]);
        res[i].ResourceType = r->ResourceType;
        res[i].ResourceName = r->ResourceName.len >= 0 ? r->ResourceName : KR_STR_EMPTY;
        res[i].ErrorMessage = KR_STR_NULL;
        kr_str msg = KR_STR_NULL;
        int16_t code = dup[i] ? KR_KAFKA_INVALID_REQUEST : check_resource(img, r->ResourceType, r->ResourceName, &msg, arena);
        if (dup[i]) msg = kr_str_c("Duplicate resource.");
        change *changes = NULL;
        int32_t count = 0;
        if (!code) code = legacy_changes(img, r, &changes, &count, &msg, arena);
        if (!code) code = over_bound(plan, count, &msg);
        if (code < 0) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterConfigs");
        res[i].ErrorCode = code;
        res[i].ErrorMessage = msg;
        if (code || req->ValidateOnly) continue;
        int rc = emit_changes(plan, arena, r->ResourceType, r->ResourceName, changes, count, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

/* ---- IncrementalAlterConfigs --------------------------------------------- */

#define OP_SET 0
#define OP_DELETE 1
#define OP_APPEND 2
#define OP_SUBTRACT 3

/* The list's elements (split on ','), as Kafka's getParts: an unset key
 * starts from its default. */
static int32_t split_list(const char *value, kr_str *parts, int32_t cap) {
    int32_t n = 0;
    if (!value || !*value) return 0;
    const char *p = value;
    while (n < cap) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        parts[n++] = (kr_str){p, (int32_t)len};
        if (!comma) break;
        p = comma + 1;
    }
    return n;
}

static kr_str join_list(const kr_str *parts, int32_t n, kr_arena *arena) {
    size_t len = 0;
    for (int32_t i = 0; i < n; i++) len += (size_t)parts[i].len + 1;
    char *out = kr_arena_alloc(arena, len + 1);
    if (!out) return KR_STR_EMPTY;
    size_t w = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i) out[w++] = ',';
        memcpy(out + w, parts[i].ptr, (size_t)parts[i].len);
        w += (size_t)parts[i].len;
    }
    out[w] = '\0';
    return (kr_str){out, (int32_t)w};
}

/* New value for one APPEND/SUBTRACT on top of `cur`. */
static kr_str list_op(int8_t op, const char *cur, kr_str operand, kr_arena *arena) {
    char *operand_c = kr_wr_cstr(arena, operand.len >= 0 ? operand : KR_STR_EMPTY);
    int32_t cur_n = 0, op_n = 0;
    for (const char *p = cur ? cur : ""; *p; p++) cur_n += *p == ',';
    for (const char *p = operand_c ? operand_c : ""; *p; p++) op_n += *p == ',';
    kr_str *parts = kr_wr_calloc(arena, (size_t)(cur_n + op_n + 2), sizeof *parts);
    kr_str *ops = kr_wr_calloc(arena, (size_t)(op_n + 1), sizeof *ops);
    if (!parts || !ops || !operand_c) return KR_STR_EMPTY;
    int32_t n = split_list(cur, parts, cur_n + 1);
    int32_t m = operand.len >= 0 ? split_list(operand_c, ops, op_n + 1) : 0;
    for (int32_t i = 0; i < m; i++) {
        if (op == OP_APPEND) {
            bool present = false;
            for (int32_t j = 0; j < n && !present; j++) present = kr_str_eq(parts[j], ops[i]);
            if (!present) parts[n++] = ops[i];
        } else {
            int32_t w = 0;
            for (int32_t j = 0; j < n; j++)
                if (!kr_str_eq(parts[j], ops[i])) parts[w++] = parts[j];
            n = w;
        }
    }
    return join_list(parts, n, arena);
}

static int16_t incremental_changes(const kr_image *img,
                                   const kr_IncrementalAlterConfigsRequest_AlterConfigsResource *r, change **out,
                                   int32_t *n, kr_str *msg, kr_arena *arena) {
    char *resource = kr_wr_cstr(arena, r->ResourceName);
    int32_t count = r->Configs.n > 0 ? r->Configs.n : 0;
    change *c = kr_wr_calloc(arena, (size_t)count, sizeof *c);
    if (!c || !resource) return -1;
    int32_t k = 0;
    int16_t dup = duplicate_keys(r->Configs.v, count, sizeof *r->Configs.v, msg, arena);
    if (dup) return dup;
    for (int32_t i = 0; i < count; i++) {
        const kr_IncrementalAlterConfigsRequest_AlterableConfig *e = &r->Configs.v[i];
        if (e->Name.len <= 0) {
            *msg = kr_str_c("Config name must not be empty.");
            return KR_KAFKA_INVALID_CONFIG;
        }
        const char *cur = current_value(img, r->ResourceType, resource, e->Name, arena);
        kr_str value;
        switch (e->ConfigOperation) {
        case OP_SET:
            if (r->ResourceType == RT_TOPIC && e->Value.len < 0) {
                *msg = kr_wr_fmt(arena, "Null value not supported for topic configs: %.*s", e->Name.len, e->Name.ptr);
                return KR_KAFKA_INVALID_CONFIG;
            }
            value = e->Value;
            break;
        case OP_DELETE:
            value = KR_STR_NULL;
            break;
        case OP_APPEND:
        case OP_SUBTRACT: {
            if (!is_list_key(r->ResourceType, e->Name)) {
                *msg = kr_wr_fmt(arena, "Can't %s to key %.*s because its type is not LIST.",
                                 e->ConfigOperation == OP_APPEND ? "APPEND" : "SUBTRACT", e->Name.len, e->Name.ptr);
                return KR_KAFKA_INVALID_CONFIG;
            }
            const topic_config *tc = r->ResourceType == RT_TOPIC ? topic_config_find(e->Name) : NULL;
            value = list_op(e->ConfigOperation, cur ? cur : tc ? tc->default_value : NULL, e->Value, arena);
            break;
        }
        default:
            *msg = kr_wr_fmt(arena, "Unknown operation type %d for key %.*s.", e->ConfigOperation, e->Name.len,
                             e->Name.ptr);
            return KR_KAFKA_INVALID_REQUEST;
        }
        /* Like Kafka: topic keys are written only when they change, broker keys always. */
        if (!str_eq_cstr(value, cur) || r->ResourceType == RT_BROKER) c[k++] = (change){e->Name, value};
    }
    int16_t code = check_changes(r->ResourceType, c, k, msg, arena);
    if (code) return code;
    *out = c;
    *n = k;
    return KR_KAFKA_NONE;
}

int kr_plan_IncrementalAlterConfigs(const kr_write_ctx *ctx, const kr_image *img,
                                    const kr_IncrementalAlterConfigsRequest *req, int16_t version,
                                    kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    (void)ctx;
    kr_IncrementalAlterConfigsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    int32_t n = req->Resources.n > 0 ? req->Resources.n : 0;
    kr_IncrementalAlterConfigsResponse_AlterConfigsResourceResponse *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    if (!resp || !res) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning IncrementalAlterConfigs");
    kr_IncrementalAlterConfigsResponse_init(resp);
    resp->Responses = (kr_IncrementalAlterConfigsResponse_AlterConfigsResourceResponse_array){res, n};
    kr_plan_start(plan, KR_API_INCREMENTAL_ALTER_CONFIGS, version, resp);
    bool *dup = duplicate_resources(req->Resources.v, n, sizeof *req->Resources.v,
                                    offsetof(kr_IncrementalAlterConfigsRequest_AlterConfigsResource, ResourceType),
                                    offsetof(kr_IncrementalAlterConfigsRequest_AlterConfigsResource, ResourceName), arena);
    if (!dup) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning IncrementalAlterConfigs");
    for (int32_t i = 0; i < n; i++) {
        const kr_IncrementalAlterConfigsRequest_AlterConfigsResource *r = &req->Resources.v[i];
        kr_IncrementalAlterConfigsResponse_AlterConfigsResourceResponse_init(&res[i]);
        res[i].ResourceType = r->ResourceType;
        res[i].ResourceName = r->ResourceName.len >= 0 ? r->ResourceName : KR_STR_EMPTY;
        kr_str msg = KR_STR_NULL;
        int16_t code = dup[i] ? KR_KAFKA_INVALID_REQUEST : check_resource(img, r->ResourceType, r->ResourceName, &msg, arena);
        if (dup[i]) msg = kr_str_c("Duplicate resource.");
        change *changes = NULL;
        int32_t count = 0;
        if (!code) code = incremental_changes(img, r, &changes, &count, &msg, arena);
        if (!code) code = over_bound(plan, count, &msg);
        if (code < 0) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning IncrementalAlterConfigs");
        res[i].ErrorCode = code;
        res[i].ErrorMessage = msg;
        if (code || req->ValidateOnly) continue;
        int rc = emit_changes(plan, arena, r->ResourceType, r->ResourceName, changes, count, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}
