/* DescribeClientQuotas with KRaft's semantics (ClientQuotasImage.describe):
 * EXACT (name, or null for the default entity), DEFAULT, SPECIFIED ("any");
 * strict = the entity has exactly the filtered types. */
#include <string.h>

#include "kraft/client_read.h"
#include "kraft/client_util.h"

enum { MATCH_EXACT = 0, MATCH_DEFAULT = 1, MATCH_SPECIFIED = 2 };

static bool known_entity_type(kr_str t) {
    return kr_str_eq_c(t, "user") || kr_str_eq_c(t, "client-id") || kr_str_eq_c(t, "ip");
}

static bool quota_error(kr_DescribeClientQuotasResponse *resp, kr_arena *arena, int16_t code, const char *msg) {
    resp->ErrorCode = code;
    resp->ErrorMessage = kr_client_str(arena, msg, strlen(msg));
    resp->Entries = (kr_DescribeClientQuotasResponse_EntryData_array)KR_ARRAY_NULL;
    return true;
}

/* Validates the filter like Kafka; true when an error was put in resp. */
static bool filter_invalid(const kr_DescribeClientQuotasRequest *req, kr_DescribeClientQuotasResponse *resp,
                           kr_arena *arena) {
    bool has_ip = false, has_user_or_client = false;
    char msg[512];
    for (int32_t i = 0; i < req->Components.n; i++) {
        const kr_DescribeClientQuotasRequest_ComponentData *c = &req->Components.v[i];
        if (c->EntityType.len <= 0) return quota_error(resp, arena, KR_KERR_INVALID_REQUEST, "Invalid empty entity type.");
        for (int32_t j = 0; j < i; j++)
            if (kr_str_eq(req->Components.v[j].EntityType, c->EntityType)) {
                snprintf(msg, sizeof msg, "Entity type %.*s cannot appear more than once in the filter.",
                         (int)c->EntityType.len, c->EntityType.ptr);
                return quota_error(resp, arena, KR_KERR_INVALID_REQUEST, msg);
            }
        if (!known_entity_type(c->EntityType)) {
            snprintf(msg, sizeof msg, "Unsupported entity type %.*s", (int)c->EntityType.len, c->EntityType.ptr);
            return quota_error(resp, arena, KR_KERR_UNSUPPORTED_VERSION, msg);
        }
        if (c->MatchType == MATCH_EXACT && kr_str_is_null(c->Match))
            return quota_error(resp, arena, KR_KERR_INVALID_REQUEST,
                               "Request specified MATCH_TYPE_EXACT, but set match string to null.");
        if (c->MatchType == MATCH_DEFAULT && !kr_str_is_null(c->Match))
            return quota_error(resp, arena, KR_KERR_INVALID_REQUEST,
                               "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
        if (c->MatchType == MATCH_SPECIFIED && !kr_str_is_null(c->Match))
            return quota_error(resp, arena, KR_KERR_INVALID_REQUEST,
                               "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
        if (c->MatchType < MATCH_EXACT || c->MatchType > MATCH_SPECIFIED) {
            snprintf(msg, sizeof msg, "Unknown match type %d", c->MatchType);
            return quota_error(resp, arena, KR_KERR_INVALID_REQUEST, msg);
        }
        if (kr_str_eq_c(c->EntityType, "ip")) has_ip = true;
        else has_user_or_client = true;
    }
    if (has_ip && has_user_or_client)
        return quota_error(resp, arena, KR_KERR_INVALID_REQUEST,
                           "Invalid entity filter component combination. IP filter component should not be used "
                           "with user or clientId filter component.");
    return false;
}

static const kr_image_quota_entity_part *entity_part(const kr_image_quota *q, kr_str type) {
    for (int32_t i = 0; i < q->entity_parts; i++)
        if (q->entity[i].type && kr_str_eq_c(type, q->entity[i].type)) return &q->entity[i];
    return NULL;
}

static bool entity_matches(const kr_DescribeClientQuotasRequest *req, const kr_image_quota *q) {
    if (req->Strict && q->entity_parts != req->Components.n) return false;
    for (int32_t i = 0; i < req->Components.n; i++) {
        const kr_DescribeClientQuotasRequest_ComponentData *c = &req->Components.v[i];
        const kr_image_quota_entity_part *p = entity_part(q, c->EntityType);
        if (!p) return false;
        if (c->MatchType == MATCH_EXACT && !(p->name && kr_str_eq_c(c->Match, p->name))) return false;
        if (c->MatchType == MATCH_DEFAULT && p->name) return false;
    }
    return true;
}

/* The canonical entity of q (types are kept sorted by the image) as a map key. */
static char *entity_key(const kr_image_quota *q, kr_arena *arena, size_t *len) {
    size_t n = 0;
    for (int32_t i = 0; i < q->entity_parts; i++)
        n += strlen(q->entity[i].type ? q->entity[i].type : "") + 2 +
             (q->entity[i].name ? strlen(q->entity[i].name) : 0);
    char *k = kr_arena_alloc(arena, n + 1);
    if (!k) return NULL;
    size_t w = 0;
    for (int32_t i = 0; i < q->entity_parts; i++) {
        const char *t = q->entity[i].type ? q->entity[i].type : "";
        memcpy(k + w, t, strlen(t) + 1); /* NUL-separated */
        w += strlen(t) + 1;
        k[w++] = q->entity[i].name ? 'n' : 'd'; /* named vs default entity */
        if (q->entity[i].name) {
            memcpy(k + w, q->entity[i].name, strlen(q->entity[i].name));
            w += strlen(q->entity[i].name);
        }
    }
    *len = w;
    return k;
}

int kr_handle_DescribeClientQuotas(const kr_client_ctx *ctx, const kr_image *img,
                                   const kr_DescribeClientQuotasRequest *req, int16_t version,
                                   kr_DescribeClientQuotasResponse *resp, kr_arena *arena) {
    (void)ctx;
    kr_DescribeClientQuotasResponse_init(resp);
    if (version < 0 || version > 1) return KR_ERR_UNSUPPORTED;
    if (filter_invalid(req, resp, arena)) return resp->ErrorMessage.len < 0 ? KR_ERR_NOMEM : KR_OK;
    int32_t n = img->quotas.n;
    int32_t *entry_of = KR_CLIENT_ALLOC(arena, (size_t)n, *entry_of); /* quota → entry, -1 unmatched */
    int32_t *first = KR_CLIENT_ALLOC(arena, (size_t)n, *first);
    int32_t *values = KR_CLIENT_ALLOC(arena, (size_t)n, *values);
    if (n && (!entry_of || !first || !values)) return KR_ERR_NOMEM;
    kr_strmap entries_by_key = {0};
    int32_t entries = 0;
    int rc = KR_OK;
    for (int32_t i = 0; i < n && rc == KR_OK; i++) {
        const kr_image_quota *q = &img->quotas.v[i];
        entry_of[i] = -1;
        if (!entity_matches(req, q)) continue;
        size_t kn = 0;
        char *key = entity_key(q, arena, &kn);
        if (!key) {
            rc = KR_ERR_NOMEM;
            break;
        }
        int32_t e = kr_strmap_get(&entries_by_key, key, kn);
        if (e < 0) {
            e = entries++;
            first[e] = i;
            values[e] = 0;
            if (!kr_strmap_put(&entries_by_key, key, kn, e)) rc = KR_ERR_NOMEM;
        }
        entry_of[i] = e;
        values[e]++;
    }
    kr_strmap_free(&entries_by_key);
    if (rc != KR_OK) return rc;
    kr_DescribeClientQuotasResponse_EntryData *out = KR_CLIENT_ALLOC(arena, (size_t)entries, *out);
    if (entries && !out) return KR_ERR_NOMEM;
    for (int32_t e = 0; e < entries; e++) {
        const kr_image_quota *q = &img->quotas.v[first[e]];
        kr_DescribeClientQuotasResponse_EntryData_init(&out[e]);
        kr_DescribeClientQuotasResponse_EntityData *ent = KR_CLIENT_ALLOC(arena, (size_t)q->entity_parts, *ent);
        out[e].Values.v = KR_CLIENT_ALLOC(arena, (size_t)values[e], *out[e].Values.v);
        if ((q->entity_parts && !ent) || !out[e].Values.v) return KR_ERR_NOMEM;
        for (int32_t j = 0; j < q->entity_parts; j++) {
            kr_DescribeClientQuotasResponse_EntityData_init(&ent[j]);
            ent[j].EntityType = kr_str_c(q->entity[j].type ? q->entity[j].type : "");
            ent[j].EntityName = kr_str_c(q->entity[j].name); /* null = the default entity */
        }
        out[e].Entity.v = ent;
        out[e].Entity.n = q->entity_parts;
        out[e].Values.n = 0;
    }
    for (int32_t i = 0; i < n; i++) {
        if (entry_of[i] < 0) continue;
        kr_DescribeClientQuotasResponse_EntryData *ed = &out[entry_of[i]];
        kr_DescribeClientQuotasResponse_ValueData *v = &ed->Values.v[ed->Values.n++];
        kr_DescribeClientQuotasResponse_ValueData_init(v);
        v->Key = kr_str_c(img->quotas.v[i].key ? img->quotas.v[i].key : "");
        v->Value = img->quotas.v[i].value;
    }
    resp->Entries.v = out;
    resp->Entries.n = entries;
    return KR_OK;
}

/* ---- DescribeUserScramCredentials ------------------------------------------------- */

static const char MISSING_USER[] = "Attempt to describe a user credential that does not exist";
static const char DUPLICATE_USER[] = "Cannot describe SCRAM credentials for the same user twice in a single request";

static int scram_result(const kr_image *img, kr_str user, bool duplicate,
                        kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult *r,
                        kr_arena *arena) {
    kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult_init(r);
    r->User = user;
    if (duplicate) {
        r->ErrorCode = KR_KERR_DUPLICATE_RESOURCE;
        r->ErrorMessage = kr_str_c(DUPLICATE_USER);
        return KR_OK;
    }
    int32_t found = 0;
    kr_DescribeUserScramCredentialsResponse_CredentialInfo *ci = NULL;
    for (int pass = 0; pass < 2; pass++) { /* count, then fill */
        int32_t k = 0;
        for (int32_t i = 0; i < img->scram.n; i++) {
            const kr_image_scram *s = &img->scram.v[i];
            if (!s->user || !kr_str_eq_c(user, s->user)) continue;
            if (pass == 1) {
                kr_DescribeUserScramCredentialsResponse_CredentialInfo_init(&ci[k]);
                ci[k].Mechanism = s->mechanism;
                ci[k].Iterations = s->iterations; /* never salt or keys */
            }
            k++;
        }
        if (pass == 0) {
            found = k;
            if (!found) break;
            ci = KR_CLIENT_ALLOC(arena, (size_t)found, *ci);
            if (!ci) return KR_ERR_NOMEM;
        }
    }
    if (!found) {
        r->ErrorCode = KR_KERR_RESOURCE_NOT_FOUND;
        r->ErrorMessage = kr_str_c(MISSING_USER);
        return KR_OK;
    }
    r->CredentialInfos.v = ci;
    r->CredentialInfos.n = found;
    return KR_OK;
}

int kr_handle_DescribeUserScramCredentials(const kr_client_ctx *ctx, const kr_image *img,
                                           const kr_DescribeUserScramCredentialsRequest *req, int16_t version,
                                           kr_DescribeUserScramCredentialsResponse *resp, kr_arena *arena) {
    (void)ctx;
    kr_DescribeUserScramCredentialsResponse_init(resp);
    if (version != 0) return KR_ERR_UNSUPPORTED;
    bool all = req->Users.n <= 0;
    int32_t cap = all ? img->scram.n : req->Users.n;
    kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult *r = KR_CLIENT_ALLOC(arena, (size_t)cap, *r);
    if (cap && !r) return KR_ERR_NOMEM;
    kr_strmap users = {0}; /* user → result slot */
    int32_t k = 0;
    int rc = KR_OK;
    for (int32_t i = 0; i < cap && rc == KR_OK; i++) {
        kr_str u = all ? kr_str_c(img->scram.v[i].user ? img->scram.v[i].user : "") : req->Users.v[i].Name;
        const char *up = u.ptr ? u.ptr : "";
        size_t un = u.len > 0 ? (size_t)u.len : 0;
        int32_t slot = kr_strmap_get(&users, up, un);
        if (slot >= 0) {
            if (!all) rc = scram_result(img, u, true, &r[slot], arena); /* named twice */
            continue;
        }
        if (!kr_strmap_put(&users, up, un, k)) {
            rc = KR_ERR_NOMEM;
            break;
        }
        rc = scram_result(img, u, false, &r[k++], arena);
    }
    kr_strmap_free(&users);
    resp->Results.v = r;
    resp->Results.n = k;
    return rc;
}
