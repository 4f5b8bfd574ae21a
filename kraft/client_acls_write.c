/* CreateAcls and DeleteAcls planners (Kafka 3.9 AclControlManager; filter
 * semantics of ResourcePatternFilter / AccessControlEntryFilter). */
#include <stdlib.h>

#include "kraft/acl_filter.h"
#include "kraft/client_write_internal.h"

/* Enum codes (org.apache.kafka.common.acl / resource). */
#define RES_ANY 1
#define RES_TOPIC 2
#define RES_CLUSTER 4
#define RES_USER 7
#define PAT_ANY 1
#define PAT_MATCH 2
#define PAT_LITERAL 3
#define PAT_PREFIXED 4
#define OP_ANY 1
#define OP_ALL 2
#define OP_DESCRIBE_TOKENS 14
#define PERM_ANY 1
#define PERM_DENY 2
#define PERM_ALLOW 3

/* AclControlManager.validateNewAcl plus the request-level checks Kafka's
 * ACL APIs make (principal form, CLUSTER name). */
static int16_t check_new_acl(const kr_CreateAclsRequest_AclCreation *c, kr_str *msg, kr_arena *arena) {
    *msg = KR_STR_NULL;
    if (c->ResourcePatternType != PAT_LITERAL && c->ResourcePatternType != PAT_PREFIXED)
        *msg = kr_wr_fmt(arena, "Invalid patternType %d", c->ResourcePatternType);
    else if (c->ResourceType < RES_TOPIC || c->ResourceType > RES_USER)
        *msg = kr_wr_fmt(arena, "Invalid resourceType %d", c->ResourceType);
    else if (c->Operation < OP_ALL || c->Operation > OP_DESCRIBE_TOKENS)
        *msg = kr_wr_fmt(arena, "Invalid operation %d", c->Operation);
    else if (c->PermissionType != PERM_DENY && c->PermissionType != PERM_ALLOW)
        *msg = kr_wr_fmt(arena, "Invalid permissionType %d", c->PermissionType);
    else if (c->ResourceName.len <= 0)
        *msg = kr_str_c("Resource name should not be empty");
    else if (c->ResourceType == RES_CLUSTER && !kr_str_eq_c(c->ResourceName, "kafka-cluster"))
        *msg = kr_str_c("The only valid name for the CLUSTER resource is kafka-cluster");
    else if (c->Principal.len <= 0 || !memchr(c->Principal.ptr, ':', (size_t)c->Principal.len))
        *msg = kr_wr_fmt(arena,
                         "Could not parse principal from `%.*s` (no colon is present separating the principal type "
                         "from the principal name)",
                         c->Principal.len > 0 ? c->Principal.len : 0, c->Principal.len > 0 ? c->Principal.ptr : "");
    else if (c->Host.len <= 0)
        *msg = kr_str_c("Invalid host: the host must not be empty (use * for any host)");
    return msg->len >= 0 ? KR_KAFKA_INVALID_REQUEST : KR_KAFKA_NONE;
}

typedef struct id_state {
    const kr_image *img;
    const kr_uuid *planned;
    int32_t planned_n;
} id_state;

static bool acl_id_taken(const void *arg, const kr_uuid *u) {
    const id_state *s = arg;
    if (kr_strmap_get(&s->img->acls.index, u->b, 16) >= 0) return true;
    for (int32_t i = 0; i < s->planned_n; i++)
        if (kr_uuid_eq(&s->planned[i], u)) return true;
    return false;
}

/* A binding key (all seven fields) for duplicate detection in linear time. */
static kr_bytes binding_key(kr_arena *arena, int8_t rt, int8_t pt, int8_t op, int8_t perm, const char *name,
                            const char *principal, const char *host) {
    size_t a = strlen(name), b = strlen(principal), c = strlen(host);
    uint8_t *p = kr_arena_alloc(arena, a + b + c + 6);
    if (!p) return KR_BYTES_NULL;
    p[0] = (uint8_t)rt, p[1] = (uint8_t)pt, p[2] = (uint8_t)op, p[3] = (uint8_t)perm;
    memcpy(p + 4, name, a + 1); /* NULs separate the strings */
    memcpy(p + 5 + a, principal, b + 1);
    memcpy(p + 6 + a + b, host, c);
    return (kr_bytes){p, (int32_t)(a + b + c + 6)};
}

int kr_plan_CreateAcls(const kr_write_ctx *ctx, const kr_image *img, const kr_CreateAclsRequest *req,
                       int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t n = req->Creations.n > 0 ? req->Creations.n : 0;
    kr_CreateAclsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_CreateAclsResponse_AclCreationResult *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    if (!resp || !res) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning CreateAcls");
    kr_CreateAclsResponse_init(resp);
    resp->Results = (kr_CreateAclsResponse_AclCreationResult_array){res, n};
    kr_plan_start(plan, KR_API_CREATE_ACLS, version, resp);
    /* Existing bindings, so an ACL that already exists is accepted without a record (as Kafka). */
    kr_strmap existing = {0};
    for (int32_t i = 0; i < img->acls.n; i++) {
        const kr_image_acl *a = &img->acls.v[i];
        kr_bytes k = binding_key(arena, a->resource_type, a->pattern_type, a->operation, a->permission_type,
                                 a->resource_name ? a->resource_name : "", a->principal ? a->principal : "",
                                 a->host ? a->host : "");
        if (k.len < 0 || !kr_strmap_put(&existing, k.ptr, (size_t)k.len, i)) {
            kr_strmap_free(&existing);
            return kr_fail(err, KR_ERR_NOMEM, "out of memory planning CreateAcls");
        }
    }
    kr_uuid *planned_ids = kr_wr_calloc(arena, (size_t)n, sizeof *planned_ids);
    int32_t planned_n = 0;
    int rc = planned_ids ? KR_OK : kr_fail(err, KR_ERR_NOMEM, "out of memory planning CreateAcls");
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const kr_CreateAclsRequest_AclCreation *c = &req->Creations.v[i];
        kr_CreateAclsResponse_AclCreationResult_init(&res[i]);
        kr_str msg;
        res[i].ErrorCode = check_new_acl(c, &msg, arena);
        res[i].ErrorMessage = msg;
        if (res[i].ErrorCode) continue;
        char *name = kr_wr_cstr(arena, c->ResourceName), *principal = kr_wr_cstr(arena, c->Principal),
             *host = kr_wr_cstr(arena, c->Host);
        kr_bytes k = name && principal && host ? binding_key(arena, c->ResourceType, c->ResourcePatternType,
                                                             c->Operation, c->PermissionType, name, principal, host)
                                               : KR_BYTES_NULL;
        if (k.len < 0) {
            rc = kr_fail(err, KR_ERR_NOMEM, "out of memory planning CreateAcls");
            break;
        }
        if (kr_strmap_get(&existing, k.ptr, (size_t)k.len) >= 0) continue; /* already there (or earlier here) */
        if (!kr_strmap_put(&existing, k.ptr, (size_t)k.len, i)) {
            rc = kr_fail(err, KR_ERR_NOMEM, "out of memory planning CreateAcls");
            break;
        }
        if (plan->record_count >= KR_WRITE_MAX_RECORDS) {
            res[i].ErrorCode = KR_KAFKA_POLICY_VIOLATION;
            res[i].ErrorMessage = kr_str_c("Excessively large number of records per request.");
            continue;
        }
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
        kr_AccessControlEntryRecord *a = &rec.u.AccessControlEntryRecord;
        id_state ids = {img, planned_ids, planned_n}; /* ids drawn for this request stay distinct */
        rc = kr_wr_draw_uuid(ctx, acl_id_taken, &ids, &a->Id, err);
        if (rc != KR_OK) break;
        planned_ids[planned_n++] = a->Id;
        a->ResourceType = c->ResourceType;
        a->ResourceName = c->ResourceName;
        a->PatternType = c->ResourcePatternType;
        a->Principal = c->Principal;
        a->Host = c->Host;
        a->Operation = c->Operation;
        a->PermissionType = c->PermissionType;
        rc = kr_plan_add(plan, arena, &rec, err);
    }
    kr_strmap_free(&existing);
    return rc;
}

/* ---- DeleteAcls --------------------------------------------------------------- */

/* AclControlManager.validateFilter: no UNKNOWN (0) in any enum field. */
static int16_t check_filter(const kr_DeleteAclsRequest_DeleteAclsFilter *f, kr_str *msg) {
    *msg = KR_STR_NULL;
    bool bad_pattern = f->ResourceTypeFilter <= 0 || f->ResourceTypeFilter > RES_USER || f->PatternTypeFilter <= 0 ||
                       f->PatternTypeFilter > PAT_PREFIXED;
    bool bad_entry = f->Operation <= 0 || f->Operation > OP_DESCRIBE_TOKENS || f->PermissionType <= 0 ||
                     f->PermissionType > PERM_ALLOW;
    if (bad_pattern) *msg = kr_str_c("Unknown patternFilter.");
    else if (bad_entry) *msg = kr_str_c("Unknown entryFilter.");
    return msg->len >= 0 ? KR_KAFKA_INVALID_REQUEST : KR_KAFKA_NONE;
}

int kr_plan_DeleteAcls(const kr_write_ctx *ctx, const kr_image *img, const kr_DeleteAclsRequest *req,
                       int16_t version, kr_write_plan *plan, kr_arena *arena, kr_error *err) {
    (void)ctx;
    kr_error local_err = {0};
    if (!err) err = &local_err;
    int32_t n = req->Filters.n > 0 ? req->Filters.n : 0;
    kr_DeleteAclsResponse *resp = kr_wr_calloc(arena, 1, sizeof *resp);
    kr_DeleteAclsResponse_DeleteAclsFilterResult *res = kr_wr_calloc(arena, (size_t)n, sizeof *res);
    bool *removed = kr_wr_calloc(arena, (size_t)img->acls.n, sizeof *removed);
    kr_DeleteAclsResponse_DeleteAclsMatchingAcl *matches =
        kr_wr_calloc(arena, (size_t)img->acls.n, sizeof *matches); /* reused per filter */
    if (!resp || !res || !removed || !matches) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning DeleteAcls");
    kr_DeleteAclsResponse_init(resp);
    resp->FilterResults = (kr_DeleteAclsResponse_DeleteAclsFilterResult_array){res, n};
    kr_plan_start(plan, KR_API_DELETE_ACLS, version, resp);
    for (int32_t i = 0; i < n; i++) {
        const kr_DeleteAclsRequest_DeleteAclsFilter *f = &req->Filters.v[i];
        kr_DeleteAclsResponse_DeleteAclsFilterResult_init(&res[i]);
        kr_str msg;
        res[i].ErrorCode = check_filter(f, &msg);
        res[i].ErrorMessage = msg;
        if (res[i].ErrorCode) continue;
        const kr_acl_filter filter = KR_ACL_FILTER_OF(f);
        int32_t m = 0;
        for (int32_t j = 0; j < img->acls.n; j++) {
            const kr_image_acl *a = &img->acls.v[j];
            if (!kr_acl_filter_matches(&filter, a)) continue;
            kr_DeleteAclsResponse_DeleteAclsMatchingAcl *x = &matches[m++];
            kr_DeleteAclsResponse_DeleteAclsMatchingAcl_init(x);
            x->ErrorMessage = KR_STR_NULL;
            x->ResourceType = a->resource_type;
            x->ResourceName = kr_wr_str(arena, a->resource_name ? a->resource_name : "");
            x->PatternType = a->pattern_type;
            x->Principal = kr_wr_str(arena, a->principal ? a->principal : "");
            x->Host = kr_wr_str(arena, a->host ? a->host : "");
            x->Operation = a->operation;
            x->PermissionType = a->permission_type;
        }
        kr_DeleteAclsResponse_DeleteAclsMatchingAcl *own = kr_wr_calloc(arena, (size_t)m, sizeof *own);
        if (!own) return kr_fail(err, KR_ERR_NOMEM, "out of memory planning DeleteAcls");
        if (m) memcpy(own, matches, (size_t)m * sizeof *own);
        res[i].MatchingAcls = (kr_DeleteAclsResponse_DeleteAclsMatchingAcl_array){own, m};
        /* One record per ACL even when several filters match it (Kafka keeps a set). */
        for (int32_t j = 0; j < img->acls.n; j++) {
            if (removed[j] || !kr_acl_filter_matches(&filter, &img->acls.v[j])) continue;
            removed[j] = true;
            kr_metadata_record rec;
            kr_metadata_record_init(&rec, KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD, 0);
            rec.u.RemoveAccessControlEntryRecord.Id = img->acls.v[j].id;
            int rc = kr_plan_add(plan, arena, &rec, err);
            if (rc != KR_OK) return rc;
        }
    }
    return KR_OK;
}
