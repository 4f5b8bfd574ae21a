/* Writes the seed corpus of fuzz_zk_plan: the records of snapshots (zk2kraft migrate
 * output of the fixtures), in groups of up to 48, as [u16 length][value]...
 * Not built by make:
 *   make && cc -std=c11 -D_GNU_SOURCE -I. tests/fuzz/seeds_zk_plan.c build/release/libkraft.a \
 *      -ljansson -lssl -lcrypto -o /tmp/seeds_zk_plan && /tmp/seeds_zk_plan tests/fuzz/corpus/zk_plan SNAPSHOT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/record_batch.h"
#include "kraft/snapshot.h"

#define GROUP 48

static void flush(const char *dir, const char *tag, int *n_seed, uint8_t *buf, size_t *len, int *in_group) {
    if (*in_group == 0) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%03d", dir, tag, (*n_seed)++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, *len, f) != *len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    *len = 0;
    *in_group = 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR SNAPSHOT...\n", argv[0]);
        return 2;
    }
    mkdir(argv[1], 0755);
    static uint8_t buf[1 << 20];
    for (int a = 2; a < argc; a++) {
        char tag[64];
        snprintf(tag, sizeof tag, "s%d", a - 1);
        kr_snapshot_reader r;
        kr_error err;
        if (kr_snapshot_reader_open(&r, argv[a], &err) != KR_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
        size_t len = 0;
        int in_group = 0, n_seed = 0;
        kr_batch b;
        while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH) {
            if (kr_batch_is_control(&b.h)) continue;
            kr_record_iter it;
            kr_record_iter_init(&it, &b);
            kr_record rec;
            while (kr_record_next(&it, &rec, &err) == 1) {
                if (rec.value.len <= 0 || rec.value.len > 65535 || len + 2 + (size_t)rec.value.len > sizeof buf) continue;
                buf[len++] = (uint8_t)(rec.value.len >> 8);
                buf[len++] = (uint8_t)rec.value.len;
                memcpy(buf + len, rec.value.ptr, (size_t)rec.value.len);
                len += (size_t)rec.value.len;
                if (++in_group == GROUP) flush(argv[1], tag, &n_seed, buf, &len, &in_group);
            }
        }
        flush(argv[1], tag, &n_seed, buf, &len, &in_group);
        kr_snapshot_reader_close(&r);
    }
    return 0;
}
