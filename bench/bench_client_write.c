/*
 * Write planners against a large image: 10,000 topics × 100 partitions
 * (1,000,000 partitions, replication 3 over brokers 1-6 named only in the
 * assignments, as right after a migration). Prints the cost of building the
 * write context (the broker-set rule scans every partition), of planning
 * CreateTopics requests with 1 and 100 partitions, and of applying their
 * records to the image (what the daemon does after commit).
 * Usage: bench_client_write [topics] [partitions_per_topic] [creates]
 */
#include <stdlib.h>

#include "bench/machine.h"
#include "bench/bench_util.h"
#include "kraft/client_write.h"

static void must(int rc, const kr_error *err, const char *what) {
    if (rc == KR_OK) return;
    fprintf(stderr, "bench: %s: %s\n", what, err->message);
    exit(2);
}

static void build(kr_image *img, int topics, int per_topic) {
    kr_error err = {0};
    bench_topics b = {.topics = topics, .per_topic = per_topic, .brokers = 6, .first_broker = 1,
                      .name_fmt = "topic%lld"};
    must(bench_image_topics(img, &b, &err), &err, "image");
}

/* Plans `creates` one-topic CreateTopics requests of `partitions` each and,
 * separately timed, applies each plan's records. */
static void run_creates(kr_image *img, const kr_write_ctx *ctx, int creates, int partitions, const char *prefix) {
    double plan_s = 0, apply_s = 0;
    int64_t records = 0;
    kr_arena arena = {0};
    char name[64];
    for (int i = 0; i < creates; i++) {
        kr_CreateTopicsRequest req;
        kr_CreateTopicsRequest_init(&req);
        kr_CreateTopicsRequest_CreatableTopic t;
        kr_CreateTopicsRequest_CreatableTopic_init(&t);
        snprintf(name, sizeof name, "%s%d", prefix, i);
        t.Name = kr_str_c(name);
        t.NumPartitions = partitions;
        t.ReplicationFactor = 3;
        req.Topics = (kr_CreateTopicsRequest_CreatableTopic_array){&t, 1};
        kr_write_plan plan;
        kr_error err = {0};
        double t0 = bench_now_s();
        must(kr_plan_CreateTopics(ctx, img, &req, 7, &plan, &arena, &err), &err, "plan");
        double t1 = bench_now_s();
        if (((kr_CreateTopicsResponse *)plan.response)->Topics.v[0].ErrorCode != 0) {
            fprintf(stderr, "bench: topic %s refused\n", name);
            exit(2);
        }
        for (int32_t r = 0; r < plan.record_count; r++) {
            kr_metadata_record rec;
            must(kr_metadata_record_decode(plan.records[r].ptr, (size_t)plan.records[r].len, &rec, &arena, &err), &err,
                 "decode");
            must(kr_image_apply(img, &rec, &err), &err, "apply");
        }
        apply_s += bench_now_s() - t1;
        plan_s += t1 - t0;
        records += plan.record_count;
        kr_arena_reset(&arena);
    }
    kr_arena_free(&arena);
    printf("CreateTopics, %3d partition(s) per topic: %d plans in %.3f s (%.0f plans/s, %.1f us each); "
           "%lld records applied in %.3f s\n",
           partitions, creates, plan_s, creates / plan_s, plan_s / creates * 1e6, (long long)records, apply_s);
}

int main(int argc, char **argv) {
    int topics = argc > 1 ? atoi(argv[1]) : 10000, per_topic = argc > 2 ? atoi(argv[2]) : 100;
    int creates = argc > 3 ? atoi(argv[3]) : 2000;
    bench_print_machine();
    kr_image img;
    kr_image_init(&img);
    double t0 = bench_now_s();
    build(&img, topics, per_topic);
    printf("image: %d topics x %d partitions = %lld partitions, built in %.2f s\n", topics, per_topic,
           (long long)img.partition_count, bench_now_s() - t0);
    kr_arena ctx_arena = {0};
    kr_write_ctx ctx;
    kr_error err = {0};
    t0 = bench_now_s();
    must(kr_write_ctx_init(&ctx, &img, 0, &ctx_arena, &err), &err, "context");
    printf("write context (broker set from %lld partitions' assignments: %d brokers): %.3f s\n",
           (long long)img.partition_count, ctx.broker_count, bench_now_s() - t0);
    run_creates(&img, &ctx, creates, 1, "one");
    run_creates(&img, &ctx, creates / 10, 100, "hundred");
    kr_arena_free(&ctx_arena);
    kr_image_free(&img);
    return 0;
}
