/*
 * Metadata (key 3) served from a synthetic 1,000,000-partition image (10,000
 * topics × 100 partitions, replication 3): handler time and handler+encode
 * time for an all-topics request at v4 (librdkafka/kcat) and v12 (Java), and
 * for a one-topic request. Usage: bench_client_metadata [topics] [partitions_per_topic]
 */
#include <stdlib.h>

#include "bench/machine.h"
#include "bench/bench_util.h"
#include "kraft/client_read.h"
#include "kraft/metadata_record.h"

static void build(kr_image *img, int topics, int per_topic) {
    kr_image_init(img);
    bench_topics b = {.topics = topics, .per_topic = per_topic, .brokers = 6, .first_broker = 1,
                      .name_fmt = "topic-%06lld"};
    kr_error err = {0};
    if (bench_image_topics(img, &b, &err) != KR_OK) {
        fprintf(stderr, "bench_client_metadata: %s\n", err.message);
        exit(2);
    }
}

static void run(const kr_client_ctx *ctx, const kr_image *img, int16_t version, const char *one_topic, int reps) {
    double handler_s = 0, total_s = 0;
    size_t bytes = 0;
    for (int i = 0; i < reps; i++) {
        kr_arena arena = {0};
        kr_MetadataRequest req;
        kr_MetadataRequest_init(&req);
        kr_MetadataRequest_MetadataRequestTopic t;
        kr_MetadataRequest_MetadataRequestTopic_init(&t);
        t.Name = kr_str_c(one_topic);
        req.Topics = one_topic ? (kr_MetadataRequest_MetadataRequestTopic_array){&t, 1}
                               : (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_NULL;
        kr_MetadataResponse resp;
        double t0 = bench_now_s();
        if (kr_handle_Metadata(ctx, img, &req, version, &resp, &arena) != KR_OK) exit(2);
        double t1 = bench_now_s();
        kr_buf b = {0};
        kr_error err;
        if (kr_MetadataResponse_encode(&b, &resp, version, &err) != KR_OK) {
            fprintf(stderr, "bench: %s\n", err.message);
            exit(2);
        }
        double t2 = bench_now_s();
        handler_s += t1 - t0;
        total_s += t2 - t0;
        bytes = b.len;
        kr_buf_free(&b);
        kr_arena_free(&arena);
    }
    printf("Metadata v%-2d %-12s handler %9.3f ms  handler+encode %9.3f ms  response %zu bytes (mean of %d)\n",
           version, one_topic ? "one topic" : "all topics", handler_s * 1e3 / reps, total_s * 1e3 / reps, bytes, reps);
}

int main(int argc, char **argv) {
    int topics = argc > 1 ? atoi(argv[1]) : 10000, per_topic = argc > 2 ? atoi(argv[2]) : 100;
    bench_print_machine();
    kr_image img;
    double t0 = bench_now_s();
    build(&img, topics, per_topic);
    printf("image: %d topics x %d partitions = %lld partitions, built in %.2f s\n", topics, per_topic,
           (long long)img.partition_count, bench_now_s() - t0);
    static const kr_client_node nodes[] = {{3000, "c0", 9093, NULL}, {3001, "c1", 9093, NULL}, {3002, "c2", 9093, NULL}};
    kr_client_ctx ctx = {.cluster_id = "MkU3OEVBNTcwNTJENDM2Qg", .node_id = 3000, .leader_id = 3001,
                         .controllers = nodes, .controller_count = 3, .principal = "User:ANONYMOUS"};
    run(&ctx, &img, 4, NULL, 5);
    run(&ctx, &img, 12, NULL, 5);
    run(&ctx, &img, 4, "topic-000042", 1000);
    run(&ctx, &img, 12, "topic-000042", 1000);
    kr_image_free(&img);
    return 0;
}
