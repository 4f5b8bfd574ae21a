/*
 * Dual-write planner speed: TOPICS x PARTITIONS partitions (default 1000 x 100 = 100k).
 *   - reconcile an image against the ZooKeeper model it was converted from (no ops)
 *   - reconcile against a model whose every partition state differs (one op each)
 *   - a delta touching every partition (a leader change each): mg_zk_touch + plan
 * Prints figures and the machine, never pass/fail.
 *
 *   bench_zk_plan [TOPICS [PARTITIONS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/machine.h"
#include "migrate/convert.h"
#include "migrate/zk_plan.h"
#include "zkread/tree.h"

/* A tree of topics with v3 ids, states (leader_epoch + epoch_bump) and empty topic configs. */
static void build(zr_tree *t, long topics, long parts, int epoch_bump) {
    char path[256];
    char *data = malloc((size_t)parts * 24 + 256);
    if (!data) exit(2);
    for (long i = 0; i < topics; i++) {
        size_t len = (size_t)sprintf(data, "{\"version\":3,\"topic_id\":\"AAAAAAAAAAAAAAA%06lxA\",\"partitions\":{",
                                     (unsigned long)i + 1);
        for (long p = 0; p < parts; p++)
            len += (size_t)sprintf(data + len, "%s\"%ld\":[%ld,%ld,%ld]", p ? "," : "", p, p % 3 + 1, (p + 1) % 3 + 1,
                                   (p + 2) % 3 + 1);
        len += (size_t)sprintf(data + len, "},\"adding_replicas\":{},\"removing_replicas\":{}}");
        snprintf(path, sizeof path, "/brokers/topics/topic-%06ld", i);
        zr_tree_add(t, path, (const uint8_t *)data, (int32_t)len, false, 0);
        snprintf(path, sizeof path, "/config/topics/topic-%06ld", i);
        zr_tree_add(t, path, (const uint8_t *)"{\"version\":1,\"config\":{}}", 25, false, 0);
        for (long p = 0; p < parts; p++) {
            snprintf(path, sizeof path, "/brokers/topics/topic-%06ld/partitions/%ld/state", i, p);
            int n = snprintf(data, 256, "{\"controller_epoch\":5,\"leader\":%ld,\"version\":1,\"leader_epoch\":%ld,"
                             "\"isr\":[%ld,%ld,%ld]}", p % 3 + 1, p % 7 + epoch_bump, p % 3 + 1, (p + 1) % 3 + 1,
                             (p + 2) % 3 + 1);
            zr_tree_add(t, path, (const uint8_t *)data, n, false, 3);
        }
    }
    free(data);
}

static void model_of(long topics, long parts, int bump, zr_model *m) {
    zr_tree t = {0};
    build(&t, topics, parts, bump);
    zr_findings f = {.lenient = true};
    zr_model_init(m);
    zr_tree_to_model(&t, m, &f);
    zr_findings_free(&f);
    zr_tree_free(&t);
}

static void reconcile(const char *label, const kr_image *img, const zr_model *m, long partitions) {
    mg_zk_plan_options o = {.kraft_controller_epoch = 7};
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    kr_error err = {0};
    double t0 = bench_now_s();
    if (mg_zk_plan_reconcile(img, m, &o, &ops, NULL, &err)) {
        fprintf(stderr, "bench_zk_plan: %s\n", err.message);
        exit(2);
    }
    double dt = bench_now_s() - t0;
    printf("reconcile %-10s %8ld partitions: %7zu ops in %.3f s (%.0f partitions/s)\n", label, partitions, ops.n, dt,
           partitions / dt);
    mg_zk_ops_free(&ops);
}

static void delta(kr_image *img, long partitions) {
    mg_zk_touched *t = NULL;
    kr_error err = {0};
    if (mg_zk_touched_new(&t, &err)) exit(2);
    int32_t isr[] = {1};
    double t0 = bench_now_s();
    for (int32_t i = 0; i < img->topics.n; i++) {
        kr_uuid id = img->topics.v[i].id;
        int32_t cap = img->topics.v[i].partitions_cap;
        for (int32_t p = 0; p < cap; p++) {
            if (!img->topics.v[i].partitions[p].present) continue;
            kr_metadata_record rec;
            kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
            rec.u.PartitionChangeRecord.TopicId = id;
            rec.u.PartitionChangeRecord.PartitionId = p;
            rec.u.PartitionChangeRecord.Leader = 1;
            rec.u.PartitionChangeRecord.Isr = (kr_array_i32){isr, 1};
            if (mg_zk_touch(t, img, &rec, &err) || kr_image_apply(img, &rec, &err)) {
                fprintf(stderr, "bench_zk_plan: %s\n", err.message);
                exit(2);
            }
        }
    }
    double t1 = bench_now_s();
    mg_zk_plan_options o = {.kraft_controller_epoch = 7};
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    if (mg_zk_plan_delta(img, t, &o, &ops, NULL, &err)) exit(2);
    double t2 = bench_now_s();
    printf("delta     %-10s %8ld partitions: %7zu ops; touch+apply %.3f s, plan %.3f s\n", "leaders", partitions,
           ops.n, t1 - t0, t2 - t1);
    mg_zk_ops_free(&ops);
    mg_zk_touched_free(t);
}

int main(int argc, char **argv) {
    long topics = argc > 1 ? atol(argv[1]) : 1000, parts = argc > 2 ? atol(argv[2]) : 100;
    if (topics < 1 || parts < 1 || topics > 1000000 || parts > 100000) {
        fprintf(stderr, "usage: bench_zk_plan [TOPICS [PARTITIONS]]\n");
        return 2;
    }
    bench_print_machine();
    zr_model same, other;
    model_of(topics, parts, 0, &same);
    model_of(topics, parts, 1, &other);
    kr_image img;
    kr_image_init(&img);
    mg_convert_options co = {.dual_write = true};
    mg_convert_report rep;
    mg_convert_report_init(&rep);
    kr_error err = {0};
    if (mg_model_to_image(&same, &co, &img, &rep, &err)) {
        fprintf(stderr, "bench_zk_plan: convert: %s\n", err.message);
        return 2;
    }
    mg_convert_report_free(&rep);
    long n = topics * parts;
    reconcile("identical", &img, &same, n);
    reconcile("different", &img, &other, n);
    delta(&img, n);
    kr_image_free(&img);
    zr_model_free(&same);
    zr_model_free(&other);
    return 0;
}
