/* AlterClientQuotas planner (Kafka 3.9 ClientQuotaControlManager). */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>

#include "kraft/client_write_internal.h"

typedef struct quota_key {
    const char *name;
    bool integral;  /* LONG/INT keys take whole numbers only */
    double max;     /* largest value the key's type holds */
    bool ip;        /* IP entities; otherwise user / client-id entities */
} quota_key;

static const quota_key quota_keys[] = {
    {"producer_byte_rate", true, 9223372036854775807.0, false},
    {"consumer_byte_rate", true, 9223372036854775807.0, false},
    {"request_percentage", false, HUGE_VAL, false},
    {"controller_mutation_rate", false, HUGE_VAL, false},
    {"connection_creation_rate", true, 2147483647.0, true},
};

static bool valid_ip(kr_str s, kr_arena *arena) {
    char *text = kr_wr_cstr(arena, s);
    unsigned char buf[16];
    return text && (inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1);
}

/* ClientQuotaControlManager.validateEntity. */
static int16_t check_entity(const kr_AlterClientQuotasRequest_EntityData_array *e, bool *is_ip, kr_str *msg,
                            kr_arena *arena) {
    *is_ip = false;
    if (e->n <= 0) {
        *msg = kr_str_c("Invalid empty client quota entity");
        return KR_KAFKA_INVALID_REQUEST;
    }
    bool seen_user = false, seen_client = false;
    for (int32_t i = 0; i < e->n; i++) {
        kr_str type = e->v[i].EntityType, name = e->v[i].EntityName;
        bool *seen = kr_str_eq_c(type, "user") ? &seen_user : kr_str_eq_c(type, "client-id") ? &seen_client
                     : kr_str_eq_c(type, "ip")                                             ? is_ip
                                                                                           : NULL;
        if (!seen) {
            *msg = kr_wr_fmt(arena, "Unhandled client quota entity type: %.*s", type.len > 0 ? type.len : 0,
                             type.len > 0 ? type.ptr : "");
            return KR_KAFKA_INVALID_REQUEST;
        }
        if (*seen) {
            *msg = kr_wr_fmt(arena, "Invalid client quota entity: duplicate entity type %.*s", type.len, type.ptr);
            return KR_KAFKA_INVALID_REQUEST;
        }
        *seen = true;
        if (name.len == 0) {
            *msg = kr_wr_fmt(arena, "Empty %.*s not supported", type.len, type.ptr);
            return KR_KAFKA_INVALID_REQUEST;
        }
        if (seen == is_ip && name.len > 0 && !valid_ip(name, arena)) {
            *msg = kr_wr_fmt(arena, "Invalid IP address %.*s", name.len, name.ptr);
            return KR_KAFKA_INVALID_REQUEST;
        }
    }
    if (*is_ip && e->n > 1) {
        *msg = kr_str_c("Invalid quota entity combination, IP entity should not be combined with User or ClientId");
        return KR_KAFKA_INVALID_REQUEST;
    }
    return KR_KAFKA_NONE;
}

/* ClientQuotaControlManager.validateQuotaKeyValue. */
static int16_t check_op(const kr_AlterClientQuotasRequest_OpData *op, bool is_ip, kr_str *msg, kr_arena *arena) {
    const quota_key *k = NULL;
    for (size_t i = 0; i < sizeof quota_keys / sizeof quota_keys[0] && !k; i++)
        if (quota_keys[i].ip == is_ip && kr_str_eq_c(op->Key, quota_keys[i].name)) k = &quota_keys[i];
    if (!k) {
        *msg = kr_wr_fmt(arena, "Invalid configuration key %.*s", op->Key.len > 0 ? op->Key.len : 0,
                         op->Key.len > 0 ? op->Key.ptr : "");
        return KR_KAFKA_INVALID_REQUEST;
    }
    if (op->Remove) return KR_KAFKA_NONE;
    if (isnan(op->Value)) {
        *msg = kr_wr_fmt(arena, "Illegal value NaN for quota key %s", k->name);
        return KR_KAFKA_INVALID_REQUEST;
    }
    if (op->Value > k->max) {
        *msg = kr_wr_fmt(arena, "Proposed value for %s is too large for a%s.", k->name, k->ip ? "n INT" : " LONG");
        return KR_KAFKA_INVALID_REQUEST;
    }
    if (k->integral && op->Value - floor(op->Value) > 1e-16) {
        *msg = kr_wr_fmt(arena, "%s cannot be a fractional value.", k->name);
        return KR_KAFKA_INVALID_REQUEST;
    }
    return KR_KAFKA_NONE;
}

/* Whether the image's quota entity equals the request's entity. */
static bool same_entity(const kr_image_quota *q, const kr_AlterClientQuotasRequest_EntityData_array *e) {
    if (q->entity_parts != e->n) return false;
    for (int32_t i = 0; i < e->n; i++) {
        bool found = false;
        for (int32_t j = 0; j < q->entity_parts && !found; j++)
            found = kr_str_eq_c(e->v[i].EntityType, q->entity[j].type ? q->entity[j].type : "") &&
                    (q->entity[j].name ? kr_str_eq_c(e->v[i].EntityName, q->entity[j].name)
                                       : e->v[i].EntityName.len < 0);
        if (!found) return false;
    }
    return true;
}

static const kr_image_quota *current_quota(const kr_image *img, const kr_AlterClientQuotasRequest_EntityData_array *e,
                                           kr_str key) {
    for (int32_t i = 0; i < img->quotas.n; i++)
        if (kr_str_eq_c(key, img->quotas.v[i].key ? img->quotas.v[i].key : "") && same_entity(&img->quotas.v[i], e))
            return &img->quotas.v[i];
    return NULL;
}

static int emit_entry(kr_write_plan *plan, kr_arena *arena, const kr_image *img,
                      const kr_AlterClientQuotasRequest_EntryData *entry, kr_error *err) {
    kr_ClientQuotaRecord_EntityData *ent = kr_wr_calloc(arena, (size_t)entry->Entity.n, sizeof *ent);
    if (!ent) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterClientQuotas");
    for (int32_t i = 0; i < entry->Entity.n; i++) {
        kr_ClientQuotaRecord_EntityData_init(&ent[i]);
        ent[i].EntityType = entry->Entity.v[i].EntityType;
        ent[i].EntityName = entry->Entity.v[i].EntityName;
    }
    for (int32_t i = 0; i < entry->Ops.n; i++) {
        const kr_AlterClientQuotasRequest_OpData *op = &entry->Ops.v[i];
        const kr_image_quota *cur = current_quota(img, &entry->Entity, op->Key);
        /* Only changes are written, as Kafka does. */
        if (op->Remove ? !cur : (cur && cur->value == op->Value)) continue;
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
        rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){ent, entry->Entity.n};
        rec.u.ClientQuotaRecord.Key = op->Key;
        rec.u.ClientQuotaRecord.Value = op->Remove ? 0.0 : op->Value;
        rec.u.ClientQuotaRecord.Remove = op->Remove;
        int rc = kr_plan_add(plan, arena, &rec, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

int kr_plan_AlterClientQuotas(const kr_write_ctx *ctx, const kr_image *img, const kr_AlterClientQuotasRequest *req,
                              int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    (void)ctx;
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t n = req->Entries.n > 0 ? req->Entries.n : 0;
    kr_AlterClientQuotasResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_AlterClientQuotasResponse_EntryData *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    if (!resp || !res) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterClientQuotas");
    kr_AlterClientQuotasResponse_init(resp);
    resp->Entries = (kr_AlterClientQuotasResponse_EntryData_array){res, n};
    kr_plan_start(plan, KR_API_ALTER_CLIENT_QUOTAS, version, resp);
    for (int32_t i = 0; i < n; i++) {
        const kr_AlterClientQuotasRequest_EntryData *entry = &req->Entries.v[i];
        kr_AlterClientQuotasResponse_EntryData_init(&res[i]);
        int32_t parts = entry->Entity.n > 0 ? entry->Entity.n : 0;
        kr_AlterClientQuotasResponse_EntityData *echo = kr_wr_calloc(arena, (size_t)parts, sizeof *echo);
        if (!echo) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning AlterClientQuotas");
        for (int32_t j = 0; j < parts; j++) {
            kr_AlterClientQuotasResponse_EntityData_init(&echo[j]);
            echo[j].EntityType = entry->Entity.v[j].EntityType.len >= 0 ? entry->Entity.v[j].EntityType : KR_STR_EMPTY;
            echo[j].EntityName = entry->Entity.v[j].EntityName;
        }
        res[i].Entity = (kr_AlterClientQuotasResponse_EntityData_array){echo, parts};
        bool is_ip;
        kr_str msg = KR_STR_NULL;
        int16_t code = check_entity(&entry->Entity, &is_ip, &msg, arena);
        for (int32_t j = 0; !code && j < entry->Ops.n; j++) code = check_op(&entry->Ops.v[j], is_ip, &msg, arena);
        if (!code && (int64_t)plan->record_count + (entry->Ops.n > 0 ? entry->Ops.n : 0) > KR_WRITE_MAX_RECORDS) {
            code = KR_KAFKA_POLICY_VIOLATION;
            msg = kr_str_c("Excessively large number of records per request.");
        }
        res[i].ErrorCode = code;
        res[i].ErrorMessage = msg;
        if (code || req->ValidateOnly) continue;
        int rc = emit_entry(plan, arena, img, entry, err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}
