/* Full reconciliation (migration.md §9.2) without Kafka's retry-forever hazards (§10). */
#include "migrate/zk_plan_internal.h"

int mg_zk_plan_reconcile(const kr_image *img, const zr_model *zk, const mg_zk_plan_options *o, mg_zk_ops *out,
                         mg_zk_plan_stats *st, kr_error *err) {
    (void)img; (void)zk; (void)o; (void)out; (void)st;
    return kr_fail(err, KR_ERR_UNSUPPORTED, "mg_zk_plan_reconcile: not yet implemented on this branch");
}
