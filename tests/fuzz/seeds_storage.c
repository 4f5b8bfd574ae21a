/* Writes the seed corpora of fuzz_record_batch and fuzz_small_files with our
 * own encoders (no Kafka files are copied). Not built by make; regenerate with
 *   make && cc -std=c11 -D_GNU_SOURCE -I. tests/fuzz/seeds_storage.c \
 *      build/release/libkraft.a -ljansson -o /tmp/seeds && /tmp/seeds tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/leader_epoch_checkpoint.h"
#include "kraft/meta_properties.h"
#include "kraft/partition_metadata.h"
#include "kraft/quorum_state.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"

#define T0 1735689600000LL

static const char *root;

static void put(const char *sub, const char *name, uint8_t tag, const void *p, size_t n, bool tagged) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f) exit(1);
    if (tagged) fputc(tag, f);
    fwrite(p, 1, n, f);
    fclose(f);
}

static void add(kr_buf *out, int64_t base, int32_t epoch, bool control, int16_t type, int n,
                const uint8_t *v, size_t vn) {
    kr_batch_builder b;
    kr_error err;
    kr_batch_begin(&b, out, base, epoch, T0, control);
    for (int i = 0; i < n; i++)
        if (control) kr_batch_add_control(&b, type, v, vn, &err);
        else kr_batch_add_data(&b, v, vn, &err);
    if (kr_batch_finish(&b, &err) != KR_OK) exit(1);
}

int main(int argc, char **argv) {
    root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
    static const uint8_t mv[] = {1, 12, 0, 17, 'm', 'e', 't', 'a', 'd', 'a', 't', 'a', '.', 'v',
                                 'e', 'r', 's', 'i', 'o', 'n', 0, 21, 0};
    static const uint8_t lc[] = {0, 0, 0, 0, 0x0b, 0xb8, 2, 0, 0, 0x0b, 0xb8, 0, 1, 0};
    static const uint8_t hdr[] = {0, 0, 0, 0, 1, 0x94, 0x1f, 0x29, 0x68, 0x78, 0};
    static const uint8_t ftr[] = {0, 0, 0};
    static const uint8_t kv[] = {0, 0, 0, 1, 0};
    kr_buf b = {0};
    /* A log: leader change, data batches, epoch change. */
    add(&b, 0, 1, true, KR_CONTROL_LEADER_CHANGE, 1, lc, sizeof lc);
    add(&b, 1, 1, false, 0, 3, mv, sizeof mv);
    add(&b, 4, 2, false, 0, 2, mv, sizeof mv);
    put("record_batch", "log", 0, b.data, b.len, false);
    put("record_batch", "log_torn", 0, b.data, b.len - 20, false);
    /* A snapshot with kraft.version 1 in the header batch. */
    kr_buf_reset(&b);
    {
        kr_batch_builder bb;
        kr_error err;
        kr_batch_begin(&bb, &b, 0, 5, T0, true);
        kr_batch_add_control(&bb, KR_CONTROL_SNAPSHOT_HEADER, hdr, sizeof hdr, &err);
        kr_batch_add_control(&bb, KR_CONTROL_KRAFT_VERSION, kv, sizeof kv, &err);
        kr_batch_finish(&bb, &err);
    }
    add(&b, 2, 5, false, 0, 4, mv, sizeof mv);
    add(&b, 6, 5, true, KR_CONTROL_SNAPSHOT_FOOTER, 1, ftr, sizeof ftr);
    put("record_batch", "snapshot", 0, b.data, b.len, false);
    /* A generic v2 batch with a key and a header (valid v2, not KRaft). */
    kr_buf_reset(&b);
    static const uint8_t hb[] = {2, 'h', 2, 'v'};
    kr_record r = {.key = {(const uint8_t *)"key", 3}, .value = {mv, sizeof mv}, .timestamp_delta = 5,
                   .header_count = 1, .headers = hb, .headers_size = sizeof hb};
    kr_batch_header h = {.base_offset = 9, .leader_epoch = 3, .attributes = KR_ATTR_TRANSACTIONAL,
                         .base_timestamp = T0, .max_timestamp = T0 + 5, .producer_id = 77,
                         .producer_epoch = 1, .base_sequence = 0};
    kr_error err;
    kr_batch_encode(&b, &h, &r, 1, &err);
    put("record_batch", "v2_generic", 0, b.data, b.len, false);

    /* Small files, byte 0 selects the parser. */
    kr_meta_properties mp = {.version = 1, .has_cluster_id = true, .has_node_id = true, .node_id = 3,
                             .has_directory_id = true};
    strcpy(mp.cluster_id, "ljAoerGESXi5val3QKEeFQ");
    kr_uuid_from_text("tyOT9GZZTGKNpWRxn8lB2Q", &mp.directory_id);
    kr_buf_reset(&b);
    kr_meta_properties_format(&mp, 0, &b, &err);
    put("small_files", "meta_v1", 0, b.data, b.len, true);
    mp.version = 0;
    mp.has_directory_id = false;
    kr_buf_reset(&b);
    kr_meta_properties_format(&mp, 0, &b, &err);
    put("small_files", "meta_v0", 0, b.data, b.len, true);
    kr_quorum_state qs = {.data_version = 0, .leader_id = 3000, .leader_epoch = 7, .voted_id = -1,
                          .n_voters = 2, .voters = {3000, 3001}};
    kr_buf_reset(&b);
    kr_quorum_state_format(&qs, &b, &err);
    put("small_files", "quorum_v0", 1, b.data, b.len, true);
    qs.data_version = 1;
    kr_uuid_from_text("Rr4-xdU_Q0yUMfuKZ-2YlQ", &qs.voted_directory_id);
    kr_buf_reset(&b);
    kr_quorum_state_format(&qs, &b, &err);
    put("small_files", "quorum_v1", 1, b.data, b.len, true);
    kr_leader_epochs le = {0};
    kr_leader_epochs_observe(&le, 1, 0, &err);
    kr_leader_epochs_observe(&le, 2, 25, &err);
    kr_buf_reset(&b);
    kr_leader_epochs_format(&le, &b);
    put("small_files", "leader_epochs", 2, b.data, b.len, true);
    kr_buf_reset(&b);
    kr_partition_metadata_format(&KR_METADATA_TOPIC_ID, &b);
    put("small_files", "partition_metadata", 3, b.data, b.len, true);
    kr_leader_epochs_free(&le);
    kr_buf_free(&b);
    return 0;
}
