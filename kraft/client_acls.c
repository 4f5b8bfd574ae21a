/* DescribeAcls from the image's ACLs with Kafka's AclBindingFilter semantics
 * (ResourcePatternFilter.matches, AccessControlEntryFilter.matches). */
#include <string.h>

#include "kraft/acl_filter.h"
#include "kraft/client_read.h"
#include "kraft/client_util.h"

enum { RT_ANY = 1, RT_MAX = 7 };                                  /* ResourceType: 2 topic .. 7 user */
enum { PT_ANY = 1, PT_MATCH = 2, PT_LITERAL = 3, PT_PREFIXED = 4 }; /* PatternType */
enum { OP_ANY = 1, OP_MAX = 14 };                                  /* AclOperation */
enum { PERM_ANY = 1, PERM_MAX = 3 };                               /* AclPermissionType */

/* Kafka rejects filters holding UNKNOWN (0) or out-of-range values. */
static const char *filter_problem(const kr_DescribeAclsRequest *f, int16_t version) {
    if (version == 0 && f->PatternTypeFilter != PT_LITERAL) return "Version 0 only supports literal resource pattern types";
    if (f->ResourceTypeFilter < RT_ANY || f->ResourceTypeFilter > RT_MAX) return "invalid resource type filter";
    if (f->PatternTypeFilter < PT_ANY || f->PatternTypeFilter > PT_PREFIXED) return "invalid pattern type filter";
    if (f->Operation < OP_ANY || f->Operation > OP_MAX) return "invalid operation filter";
    if (f->PermissionType < PERM_ANY || f->PermissionType > PERM_MAX) return "invalid permission type filter";
    return NULL;
}

/* Group key of an ACL's resource pattern: type, pattern type, name (arena copy). */
static char *resource_key(const kr_image_acl *a, kr_arena *arena, size_t *len) {
    const char *name = a->resource_name ? a->resource_name : "";
    size_t n = strlen(name);
    char *k = kr_arena_alloc(arena, n + 2);
    if (!k) return NULL;
    k[0] = (char)a->resource_type;
    k[1] = (char)a->pattern_type;
    memcpy(k + 2, name, n);
    *len = n + 2;
    return k;
}

int kr_handle_DescribeAcls(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeAclsRequest *req,
                           int16_t version, kr_DescribeAclsResponse *resp, kr_arena *arena) {
    (void)ctx;
    kr_DescribeAclsResponse_init(resp);
    if (version < 0 || version > 3) return KR_ERR_UNSUPPORTED;
    const char *problem = filter_problem(req, version);
    if (problem) {
        resp->ErrorCode = KR_KERR_INVALID_REQUEST;
        resp->ErrorMessage = kr_client_strf(arena, "DescribeAclsRequest: %s", problem);
        return KR_OK;
    }
    const kr_acl_filter filter = KR_ACL_FILTER_OF(req);
    int32_t n = img->acls.n;
    /* group[i]: the resource slot of matching ACL i, -1 if it does not match */
    int32_t *group = KR_CLIENT_ALLOC(arena, (size_t)n, *group);
    int32_t *first = KR_CLIENT_ALLOC(arena, (size_t)n, *first);  /* resource slot → first ACL index */
    int32_t *count = KR_CLIENT_ALLOC(arena, (size_t)n, *count);
    if (n && (!group || !first || !count)) return KR_ERR_NOMEM;
    kr_strmap slots = {0};
    int32_t resources = 0;
    int rc = KR_OK;
    for (int32_t i = 0; i < n; i++) {
        const kr_image_acl *a = &img->acls.v[i];
        group[i] = -1;
        if (!kr_acl_filter_matches(&filter, a)) continue;
        size_t kn = 0;
        char *key = resource_key(a, arena, &kn);
        if (!key) {
            rc = KR_ERR_NOMEM;
            break;
        }
        int32_t s = kr_strmap_get(&slots, key, kn);
        if (s < 0) {
            s = resources++;
            first[s] = i;
            count[s] = 0;
            if (!kr_strmap_put(&slots, key, kn, s)) {
                rc = KR_ERR_NOMEM;
                break;
            }
        }
        group[i] = s;
        count[s]++;
    }
    kr_strmap_free(&slots);
    if (rc != KR_OK) return rc;
    kr_DescribeAclsResponse_DescribeAclsResource *r = KR_CLIENT_ALLOC(arena, (size_t)resources, *r);
    if (resources && !r) return KR_ERR_NOMEM;
    for (int32_t s = 0; s < resources; s++) {
        const kr_image_acl *a = &img->acls.v[first[s]];
        kr_DescribeAclsResponse_DescribeAclsResource_init(&r[s]);
        r[s].ResourceType = a->resource_type;
        r[s].ResourceName = kr_str_c(a->resource_name ? a->resource_name : "");
        if (version >= 1) r[s].PatternType = a->pattern_type; /* v0 only ever matches LITERAL, the default */
        r[s].Acls.v = KR_CLIENT_ALLOC(arena, (size_t)count[s], *r[s].Acls.v);
        if (!r[s].Acls.v) return KR_ERR_NOMEM;
        r[s].Acls.n = 0;
    }
    for (int32_t i = 0; i < n; i++) {
        if (group[i] < 0) continue;
        const kr_image_acl *a = &img->acls.v[i];
        kr_DescribeAclsResponse_DescribeAclsResource *res = &r[group[i]];
        kr_DescribeAclsResponse_AclDescription *d = &res->Acls.v[res->Acls.n++];
        kr_DescribeAclsResponse_AclDescription_init(d);
        d->Principal = kr_str_c(a->principal ? a->principal : "");
        d->Host = kr_str_c(a->host ? a->host : "");
        d->Operation = a->operation;
        d->PermissionType = a->permission_type;
    }
    resp->Resources.v = r;
    resp->Resources.n = resources;
    return KR_OK;
}
