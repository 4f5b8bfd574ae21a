#include "kraft/acl_filter.h"

#include <string.h>

static bool str_filter(kr_str filter, const char *value) {
    return filter.len < 0 || kr_str_eq_c(filter, value ? value : "");
}

static bool pattern_matches(const kr_acl_filter *f, const kr_image_acl *a) {
    const char *name = a->resource_name ? a->resource_name : "";
    if (f->resource_type != KR_ACL_ANY && f->resource_type != a->resource_type) return false;
    if (f->pattern_type != KR_ACL_ANY && f->pattern_type != KR_ACL_PATTERN_MATCH && f->pattern_type != a->pattern_type)
        return false;
    if (f->resource_name.len < 0) return true;
    if (f->pattern_type == KR_ACL_ANY || f->pattern_type == a->pattern_type)
        return kr_str_eq_c(f->resource_name, name);
    if (a->pattern_type == KR_ACL_PATTERN_LITERAL) /* MATCH: the name itself or the wildcard */
        return kr_str_eq_c(f->resource_name, name) || strcmp(name, "*") == 0;
    if (a->pattern_type == KR_ACL_PATTERN_PREFIXED) { /* MATCH: a prefix of the name */
        size_t n = strlen(name);
        return (size_t)f->resource_name.len >= n && memcmp(f->resource_name.ptr, name, n) == 0;
    }
    return false;
}

bool kr_acl_filter_matches(const kr_acl_filter *f, const kr_image_acl *a) {
    return pattern_matches(f, a) && str_filter(f->principal, a->principal) && str_filter(f->host, a->host) &&
           (f->operation == KR_ACL_ANY || f->operation == a->operation) &&
           (f->permission_type == KR_ACL_ANY || f->permission_type == a->permission_type);
}
