/* Helpers shared by benchmarks (header-only: every bench is one .c file). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kraft/image.h"
#include "kraft/wire.h"

/* A loopback port nobody listens on right now; 0 on failure. */
static inline uint16_t bench_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &n) == 0;
    if (fd >= 0) close(fd);
    return ok ? ntohs(a.sin_port) : 0;
}

/* An image at metadata.version 3.9-IV0 with `topics` topics of `per_topic` partitions,
 * RF 3 over brokers 1..brokers, names printf(name_fmt, t), ids with id_tag in byte 1. */
static inline int bench_image_topics(kr_image *img, int topics, int per_topic, int brokers, const char *name_fmt,
                                     uint8_t id_tag, kr_error *err) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    int rc = kr_image_apply(img, &rec, err);
    char name[64];
    for (int t = 0; rc == KR_OK && t < topics; t++) {
        kr_uuid id = {{0x5a, id_tag}};
        kr_store_u32(id.b + 12, (uint32_t)t + 1);
        snprintf(name, sizeof name, name_fmt, t);
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(name);
        rec.u.TopicRecord.TopicId = id;
        rc = kr_image_apply(img, &rec, err);
        for (int p = 0; rc == KR_OK && p < per_topic; p++) {
            int32_t r[3] = {1 + (p + t) % brokers, 1 + (p + t + 1) % brokers, 1 + (p + t + 2) % brokers};
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
            rec.u.PartitionRecord.TopicId = id;
            rec.u.PartitionRecord.PartitionId = p;
            rec.u.PartitionRecord.Replicas = (kr_array_i32){r, 3};
            rec.u.PartitionRecord.Isr = (kr_array_i32){r, 3};
            rec.u.PartitionRecord.Leader = r[0];
            rc = kr_image_apply(img, &rec, err);
        }
    }
    return rc;
}

#endif
