/* ACL binding filters (Kafka's ResourcePatternFilter + AccessControlEntryFilter):
 * one matcher for DescribeAcls and DeleteAcls. */
#ifndef KRAFT_ACL_FILTER_H
#define KRAFT_ACL_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "kraft/image.h"

enum { KR_ACL_ANY = 1 };                      /* resource type, pattern, operation, permission */
enum { KR_ACL_PATTERN_MATCH = 2, KR_ACL_PATTERN_LITERAL = 3, KR_ACL_PATTERN_PREFIXED = 4 };

typedef struct kr_acl_filter {
    int8_t resource_type;   /* KR_ACL_ANY or a resource type */
    kr_str resource_name;   /* null = any */
    int8_t pattern_type;    /* ANY, MATCH, LITERAL, PREFIXED */
    kr_str principal, host; /* null = any */
    int8_t operation, permission_type;
} kr_acl_filter;

/* Field names are the same in DescribeAclsRequest and DeleteAclsFilter. */
#define KR_ACL_FILTER_OF(req)                                                                              \
    ((kr_acl_filter){(req)->ResourceTypeFilter, (req)->ResourceNameFilter, (req)->PatternTypeFilter,       \
                     (req)->PrincipalFilter, (req)->HostFilter, (req)->Operation, (req)->PermissionType})

/* True when the ACL matches. PatternType MATCH selects every stored pattern that
 * applies to the named resource: the literal name, the "*" wildcard, prefixes. */
bool kr_acl_filter_matches(const kr_acl_filter *f, const kr_image_acl *a);

#endif
