/* placeholder */
#include "migrate/cluster_view.h"
int mg_cluster_view_read(const mg_cluster_view_options *o, kr_image *img, mg_cluster_view_stats *st, kr_error *err) {
    (void)o; (void)img; (void)st;
    return kr_fail(err, KR_ERR_UNSUPPORTED, "not yet");
}
