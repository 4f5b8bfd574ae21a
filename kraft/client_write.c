/* Write planners' shared machinery: plans, the broker-set rule, the context,
 * topic-name rules, uuids, replica placement and new partitions. */
#include "kraft/client_write_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "kraft/metadata_version.h"

/* ---- plans -------------------------------------------------------------- */

void kr_plan_start(kr_write_plan *plan, int16_t api_key, int16_t version, void *response) {
    *plan = (kr_write_plan){.api_key = api_key, .version = version, .atomic = true, .response = response};
}

int kr_plan_add(kr_write_plan *plan, kr_arena *arena, const kr_metadata_record *rec, kr_error *err) {
    if (plan->record_count == plan->record_cap) {
        int32_t cap = plan->record_cap ? plan->record_cap * 2 : 16;
        kr_bytes *v = kr_arena_alloc(arena, (size_t)cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning a write");
        if (plan->record_count) memcpy(v, plan->records, (size_t)plan->record_count * sizeof *v);
        plan->records = v;
        plan->record_cap = cap;
    }
    kr_buf b = {0};
    int rc = kr_metadata_record_encode(&b, rec, err);
    if (rc != KR_OK) {
        kr_buf_free(&b);
        return kr_error_wrap(err, "planning %s", kr_record_type_name(rec->api_key)), rc;
    }
    uint8_t *p = kr_arena_alloc(arena, b.len ? b.len : 1);
    if (!p) {
        kr_buf_free(&b);
        return kr_fail(err, KR_ERR_NOMEM, "out of memory planning a write");
    }
    memcpy(p, b.data, b.len);
    plan->records[plan->record_count++] = (kr_bytes){p, (int32_t)b.len};
    kr_buf_free(&b);
    return KR_OK;
}

int kr_write_plan_encode_response(const kr_write_plan *plan, kr_buf *out, kr_error *err) {
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(plan->api_key);
    if (!codec || !plan->response)
        return kr_fail(err, KR_ERR_INVALID, "write plan for api key %d has no response", plan->api_key);
    return codec->response_encode(out, plan->response, plan->version, err);
}

/* ---- arena helpers ------------------------------------------------------ */

void *kr_wr_calloc(kr_arena *arena, size_t n, size_t elem) {
    size_t bytes = n * elem;
    if (elem && bytes / elem != n) return NULL;
    void *p = kr_arena_alloc(arena, bytes ? bytes : 1);
    if (p) memset(p, 0, bytes ? bytes : 1);
    return p;
}

char *kr_wr_cstr(kr_arena *arena, kr_str s) {
    if (s.len < 0) return NULL;
    char *p = kr_arena_alloc(arena, (size_t)s.len + 1);
    if (!p) return NULL;
    if (s.len) memcpy(p, s.ptr, (size_t)s.len);
    p[s.len] = '\0';
    return p;
}

kr_str kr_wr_str(kr_arena *arena, const char *s) {
    if (!s) return KR_STR_NULL;
    char *p = kr_wr_cstr(arena, kr_str_c(s));
    return p ? kr_str_c(p) : KR_STR_EMPTY;
}

kr_str kr_wr_fmt(kr_arena *arena, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return kr_wr_str(arena, buf);
}

bool kr_wr_mark_duplicates(const kr_bytes *keys, int32_t n, bool *dup) {
    kr_strmap seen = {0};
    bool ok = true;
    for (int32_t i = 0; i < n && ok; i++) {
        dup[i] = false;
        if (keys[i].len < 0) continue;
        const void *key = keys[i].len ? (const void *)keys[i].ptr : "";
        int32_t first = kr_strmap_get(&seen, key, (size_t)keys[i].len);
        if (first >= 0)
            dup[first] = dup[i] = true;
        else
            ok = kr_strmap_put(&seen, key, (size_t)keys[i].len, i);
    }
    kr_strmap_free(&seen);
    return ok;
}

kr_bytes kr_wr_key(kr_arena *arena, int8_t type, kr_str name) {
    if (name.len < 0) return KR_BYTES_NULL;
    uint8_t *p = kr_arena_alloc(arena, (size_t)name.len + 1);
    if (!p) return KR_BYTES_NULL;
    p[0] = (uint8_t)type;
    if (name.len) memcpy(p + 1, name.ptr, (size_t)name.len);
    return (kr_bytes){p, name.len + 1};
}

/* ---- topic names -------------------------------------------------------- */

#define KR_TOPIC_NAME_MAX 249

int16_t kr_wr_topic_name_check(kr_str name, kr_str *msg, kr_arena *arena) {
    if (name.len <= 0) {
        *msg = kr_str_c("Topic name is illegal, it can't be empty");
        return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (kr_str_eq_c(name, ".") || kr_str_eq_c(name, "..")) {
        *msg = kr_str_c("Topic name cannot be \".\" or \"..\"");
        return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    if (name.len > KR_TOPIC_NAME_MAX) {
        *msg = kr_wr_fmt(arena, "Topic name is illegal, it can't be longer than %d characters, topic name: %.*s",
                         KR_TOPIC_NAME_MAX, name.len, name.ptr);
        return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
    }
    for (int32_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) {
            *msg = kr_wr_fmt(arena,
                             "Topic name \"%.*s\" is illegal, it contains a character other than ASCII "
                             "alphanumerics, '.', '_' and '-'",
                             name.len, name.ptr);
            return KR_KAFKA_INVALID_TOPIC_EXCEPTION;
        }
    }
    *msg = KR_STR_NULL;
    return KR_KAFKA_NONE;
}

bool kr_wr_topic_names_collide(kr_str a, const char *b) {
    size_t n = strlen(b);
    if (a.len < 0 || (size_t)a.len != n) return false;
    bool differs = false;
    for (size_t i = 0; i < n; i++) {
        char x = a.ptr[i] == '.' ? '_' : a.ptr[i], y = b[i] == '.' ? '_' : b[i];
        if (x != y) return false;
        differs |= a.ptr[i] != b[i];
    }
    return differs;
}

/* ---- uuids -------------------------------------------------------------- */

#define KR_UUID_DRAWS_MAX 64

static bool draw(const kr_write_ctx *ctx, kr_uuid *out) {
    return ctx->random_uuid ? ctx->random_uuid(ctx->random_state, out) : kr_uuid_random(out);
}

int kr_wr_draw_uuid(const kr_write_ctx *ctx, bool (*taken)(const void *arg, const kr_uuid *u), const void *arg,
                    kr_uuid *out, kr_error *err) {
    for (int i = 0; i < KR_UUID_DRAWS_MAX; i++) {
        if (!draw(ctx, out)) return kr_fail(err, KR_ERR_IO, "the random uuid source failed");
        if (!kr_uuid_is_zero(out) && !(taken && taken(arg, out))) return KR_OK;
    }
    return kr_fail(err, KR_ERR_INVALID, "the random uuid source gave %d unusable uuids in a row", KR_UUID_DRAWS_MAX);
}

/* ---- brokers ------------------------------------------------------------ */

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_broker(const void *a, const void *b) {
    return cmp_i32(&((const kr_write_broker *)a)->id, &((const kr_write_broker *)b)->id);
}

/* A sorted set of distinct ids: a binary search per id, an insert per new
 * one. Broker counts are small, so this stays near-linear in the ids scanned. */
typedef struct id_set {
    int32_t *v;
    size_t n, cap;
} id_set;

static bool id_set_add(id_set *s, int32_t id) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->v[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < s->n && s->v[lo] == id) return true;
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 64;
        int32_t *p = realloc(s->v, c * sizeof *p);
        if (!p) return false;
        s->v = p;
        s->cap = c;
    }
    memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof *s->v);
    s->v[lo] = id;
    s->n++;
    return true;
}

static bool id_set_add_all(id_set *s, const kr_ids *ids) {
    int32_t last = -1;
    for (int32_t i = 0; i < ids->n; i++) {
        if (ids->v[i] < 0 || ids->v[i] == last) continue;
        if (!id_set_add(s, ids->v[i])) return false;
        last = ids->v[i];
    }
    return true;
}

static int brokers_from_assignments(const kr_image *img, kr_arena *arena, kr_write_broker **out, int32_t *count,
                                    kr_error *err) {
    id_set set = {0};
    bool ok = true;
    for (int32_t t = 0; ok && t < img->topics.n; t++) {
        const kr_image_topic *topic = &img->topics.v[t];
        for (int32_t p = 0; ok && p < topic->partitions_cap; p++) {
            const kr_image_partition *part = &topic->partitions[p];
            if (!part->present) continue;
            /* Replicas include the ISR and any adding or removing replicas in Kafka's model. */
            ok = id_set_add_all(&set, &part->replicas);
        }
    }
    kr_write_broker *b = ok ? kr_wr_calloc(arena, set.n, sizeof *b) : NULL;
    if (!b) {
        free(set.v);
        return kr_fail(err, KR_ERR_NOMEM, "out of memory listing the brokers of the assignments");
    }
    for (size_t i = 0; i < set.n; i++) b[i] = (kr_write_broker){set.v[i], false};
    *out = b;
    *count = (int32_t)set.n;
    free(set.v);
    return KR_OK;
}

int kr_write_usable_brokers(const kr_image *img, kr_arena *arena, kr_write_broker **out, int32_t *count,
                            bool *from_assignments, kr_error *err) {
    *out = NULL;
    *count = 0;
    *from_assignments = img->brokers.n == 0;
    if (*from_assignments) return brokers_from_assignments(img, arena, out, count, err);
    kr_write_broker *b = kr_wr_calloc(arena, (size_t)img->brokers.n, sizeof *b);
    if (!b) return kr_fail(err, KR_ERR_NOMEM, "out of memory listing brokers");
    for (int32_t i = 0; i < img->brokers.n; i++)
        b[i] = (kr_write_broker){img->brokers.v[i].id, img->brokers.v[i].fenced};
    qsort(b, (size_t)img->brokers.n, sizeof *b, cmp_broker);
    *out = b;
    *count = img->brokers.n;
    return KR_OK;
}

int kr_write_ctx_init(kr_write_ctx *ctx, const kr_image *img, int64_t now_ms, kr_arena *arena, kr_error *err) {
    *ctx = (kr_write_ctx){
        .metadata_version = img->metadata_version > 0 ? img->metadata_version : KR_MV_LATEST_PRODUCTION,
        .now_ms = now_ms,
        .default_num_partitions = 1,
        .default_replication_factor = 1,
    };
    kr_write_broker *b;
    int rc = kr_write_usable_brokers(img, arena, &b, &ctx->broker_count, &ctx->brokers_from_assignments, err);
    ctx->brokers = b;
    return rc;
}

const kr_write_broker *kr_wr_broker(const kr_write_ctx *ctx, int32_t id) {
    kr_write_broker key = {id, false};
    if (ctx->broker_count <= 0) return NULL;
    return bsearch(&key, ctx->brokers, (size_t)ctx->broker_count, sizeof key, cmp_broker);
}

int32_t kr_wr_active_count(const kr_write_ctx *ctx, const int32_t *replicas, int32_t n) {
    int32_t active = 0;
    for (int32_t i = 0; i < n; i++) {
        const kr_write_broker *b = kr_wr_broker(ctx, replicas[i]);
        active += b && !b->fenced;
    }
    return active;
}

/* ---- assignments and placement ----------------------------------------- */

int16_t kr_wr_check_assignment(const kr_write_ctx *ctx, const int32_t *ids, int32_t n, int32_t expected_rf,
                               kr_str *msg, kr_arena *arena) {
    if (n <= 0) {
        *msg = kr_str_c("The manual partition assignment includes an empty replica list.");
        return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
    }
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j < i; j++)
            if (ids[j] == ids[i]) {
                *msg = kr_wr_fmt(arena, "The manual partition assignment includes the broker %d more than once.",
                                 ids[i]);
                return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
            }
        if (!kr_wr_broker(ctx, ids[i])) {
            *msg = kr_wr_fmt(arena,
                             "The manual partition assignment includes broker %d, but no such broker is registered.",
                             ids[i]);
            return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
        }
    }
    if (expected_rf > 0 && n != expected_rf) {
        *msg = kr_wr_fmt(arena,
                         "The manual partition assignment includes a partition with %d replica(s), but this is not "
                         "consistent with previous partitions, which have %d replica(s).",
                         n, expected_rf);
        return KR_KAFKA_INVALID_REPLICA_ASSIGNMENT;
    }
    *msg = KR_STR_NULL;
    return KR_KAFKA_NONE;
}

int16_t kr_wr_place_replicas(const kr_write_ctx *ctx, int32_t first_id, int32_t count, int32_t rf, int32_t *out,
                             kr_str *msg, kr_arena *arena, kr_error *err) {
    int32_t *usable = kr_wr_calloc(arena, (size_t)(ctx->broker_count > 0 ? ctx->broker_count : 0), sizeof *usable);
    if (!usable) return kr_fail(err, KR_ERR_NOMEM, "out of memory placing replicas"), -1;
    int32_t n = 0;
    for (int32_t i = 0; i < ctx->broker_count; i++)
        if (!ctx->brokers[i].fenced) usable[n++] = ctx->brokers[i].id;
    if (rf > n) {
        *msg = kr_wr_fmt(arena,
                         "Unable to replicate the partition %d time(s): The target replication factor of %d cannot "
                         "be reached because only %d broker(s) are registered.",
                         rf, rf, n);
        return KR_KAFKA_INVALID_REPLICATION_FACTOR;
    }
    assert(n > 0 && rf > 0);
    /* The random start and shift come from the injected source, so tests are reproducible. */
    kr_uuid r;
    if (kr_wr_draw_uuid(ctx, NULL, NULL, &r, err) != KR_OK) return -1;
    uint32_t start = kr_load_u32(r.b) % (uint32_t)n;
    uint32_t shift = kr_load_u32(r.b + 4) % (uint32_t)n;
    int32_t pid = first_id > 0 ? first_id : 0;
    for (int32_t p = 0; p < count; p++, pid++) {
        if (pid > 0 && pid % n == 0) shift++;
        int32_t first = (int32_t)(((uint32_t)pid + start) % (uint32_t)n);
        int32_t *row = out + (size_t)p * (size_t)rf;
        row[0] = usable[first];
        for (int32_t j = 0; j < rf - 1; j++) {
            int32_t step = 1 + (int32_t)((shift + (uint32_t)j) % (uint32_t)(n - 1));
            row[j + 1] = usable[(first + step) % n];
        }
    }
    *msg = KR_STR_NULL;
    return KR_KAFKA_NONE;
}

/* ---- new partitions ----------------------------------------------------- */

int kr_wr_add_partition_record(kr_write_plan *plan, kr_arena *arena, const kr_write_ctx *ctx,
                               const kr_uuid *topic_id, int32_t partition_id, const int32_t *replicas, int32_t n,
                               kr_error *err) {
    int16_t version = kr_mv_partition_record_version(ctx->metadata_version);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, version);
    kr_PartitionRecord *p = &rec.u.PartitionRecord;
    int32_t *isr = kr_wr_calloc(arena, (size_t)n, sizeof *isr);
    int32_t *reps = kr_wr_calloc(arena, (size_t)n, sizeof *reps);
    kr_uuid *dirs = kr_wr_calloc(arena, (size_t)n, sizeof *dirs);
    if (!isr || !reps || !dirs) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning a partition");
    int32_t isr_n = 0;
    for (int32_t i = 0; i < n; i++) {
        reps[i] = replicas[i];
        const kr_write_broker *b = kr_wr_broker(ctx, replicas[i]);
        if (b && !b->fenced) isr[isr_n++] = replicas[i];
    }
    assert(isr_n > 0);
    p->PartitionId = partition_id;
    p->TopicId = *topic_id;
    p->Replicas = (kr_array_i32){reps, n};
    p->Isr = (kr_array_i32){isr, isr_n};
    p->RemovingReplicas = (kr_array_i32){NULL, 0};
    p->AddingReplicas = (kr_array_i32){NULL, 0};
    p->Leader = isr[0];
    p->LeaderRecoveryState = 0;
    p->LeaderEpoch = 0;
    p->PartitionEpoch = 0;
    /* v1+ records one directory per replica; unassigned (zero) until a broker reports it. */
    if (version >= 1) p->Directories = (kr_array_uuid){dirs, n};
    return kr_plan_add(plan, arena, &rec, err);
}
