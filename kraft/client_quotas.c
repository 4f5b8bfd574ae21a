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

typedef kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult scram_result_t;

/* Per image user: its credentials' indexes, grouped in one pass (O(credentials)). */
typedef struct scram_index {
    kr_strmap by_user; /* user → group */
    int32_t groups;
    int32_t *first, *count, *next; /* group → first credential, count; credential → next in group */
} scram_index;

static int scram_index_build(const kr_image *img, scram_index *ix, kr_arena *arena) {
    int32_t n = img->scram.n;
    memset(ix, 0, sizeof *ix);
    ix->first = KR_CLIENT_ALLOC(arena, (size_t)n, *ix->first);
    ix->count = KR_CLIENT_ALLOC(arena, (size_t)n, *ix->count);
    ix->next = KR_CLIENT_ALLOC(arena, (size_t)n, *ix->next);
    if (n && (!ix->first || !ix->count || !ix->next)) return KR_ERR_NOMEM;
    int32_t *last = KR_CLIENT_ALLOC(arena, (size_t)n, *last);
    if (n && !last) return KR_ERR_NOMEM;
    for (int32_t i = 0; i < n; i++) {
        const char *u = img->scram.v[i].user ? img->scram.v[i].user : "";
        int32_t g = kr_strmap_get(&ix->by_user, u, strlen(u));
        ix->next[i] = -1;
        if (g < 0) {
            g = ix->groups++;
            if (!kr_strmap_put(&ix->by_user, u, strlen(u), g)) return KR_ERR_NOMEM;
            ix->first[g] = i;
            ix->count[g] = 0;
        } else {
            ix->next[last[g]] = i;
        }
        last[g] = i;
        ix->count[g]++;
    }
    return KR_OK;
}

/* The result for one user: group g of the index, or -1 when unknown. */
static int scram_result(const kr_image *img, const scram_index *ix, kr_str user, int32_t g, scram_result_t *r,
                        kr_arena *arena) {
    kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult_init(r);
    r->User = user;
    if (g < 0) {
        r->ErrorCode = KR_KERR_RESOURCE_NOT_FOUND;
        r->ErrorMessage = kr_str_c(MISSING_USER);
        return KR_OK;
    }
    kr_DescribeUserScramCredentialsResponse_CredentialInfo *ci = KR_CLIENT_ALLOC(arena, (size_t)ix->count[g], *ci);
    if (!ci) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (int32_t i = ix->first[g]; i >= 0 && k < ix->count[g]; i = ix->next[i], k++) {
        kr_DescribeUserScramCredentialsResponse_CredentialInfo_init(&ci[k]);
        ci[k].Mechanism = img->scram.v[i].mechanism;
        ci[k].Iterations = img->scram.v[i].iterations; /* never salt or keys */
    }
    r->CredentialInfos.v = ci;
    r->CredentialInfos.n = k;
    return KR_OK;
}

int kr_handle_DescribeUserScramCredentials(const kr_client_ctx *ctx, const kr_image *img,
                                           const kr_DescribeUserScramCredentialsRequest *req, int16_t version,
                                           kr_DescribeUserScramCredentialsResponse *resp, kr_arena *arena) {
    (void)ctx;
    kr_DescribeUserScramCredentialsResponse_init(resp);
    if (version != 0) return KR_ERR_UNSUPPORTED;
    scram_index ix;
    int rc = scram_index_build(img, &ix, arena);
    bool all = req->Users.n <= 0;
    int32_t cap = all ? ix.groups : req->Users.n;
    scram_result_t *r = KR_CLIENT_ALLOC(arena, (size_t)cap, *r);
    if (rc == KR_OK && cap && !r) rc = KR_ERR_NOMEM;
    int32_t k = 0;
    kr_strmap asked = {0}; /* named user → result slot */
    for (int32_t i = 0; i < cap && rc == KR_OK; i++) {
        if (all) {
            const kr_image_scram *c = &img->scram.v[ix.first[i]];
            rc = scram_result(img, &ix, kr_str_c(c->user ? c->user : ""), i, &r[k++], arena);
            continue;
        }
        kr_str u = req->Users.v[i].Name;
        const char *up = u.ptr ? u.ptr : "";
        size_t un = u.len > 0 ? (size_t)u.len : 0;
        int32_t slot = kr_strmap_get(&asked, up, un);
        if (slot >= 0) { /* named twice: one result, an error */
            kr_DescribeUserScramCredentialsResponse_DescribeUserScramCredentialsResult_init(&r[slot]);
            r[slot].User = u;
            r[slot].ErrorCode = KR_KERR_DUPLICATE_RESOURCE;
            r[slot].ErrorMessage = kr_str_c(DUPLICATE_USER);
            continue;
        }
        if (!kr_strmap_put(&asked, up, un, k)) {
            rc = KR_ERR_NOMEM;
            break;
        }
        rc = scram_result(img, &ix, u, kr_strmap_get(&ix.by_user, up, un), &r[k++], arena);
    }
    kr_strmap_free(&asked);
    kr_strmap_free(&ix.by_user);
    resp->Results.v = r;
    resp->Results.n = k;
    return rc;
}
