/* Writes the seed corpus of fuzz_kafka_request with our own encoder: random
 * requests (tests/support/gen_random) of the APIs a KRaft controller serves,
 * at every version, as frame bodies (no size prefix). Not built by make:
 *   make && cc -std=c11 -D_GNU_SOURCE -I. tests/fuzz/seeds_net.c tests/support/gen_random.c \
 *      tests/support/rand.c build/release/libkraft.a -ljansson -o /tmp/seeds_net && \
 *      /tmp/seeds_net tests/fuzz/corpus/kafka_request
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/kafka_frame.h"
#include "tests/support/gen_random.h"

static const int keys[] = {1, 18, 52, 53, 54, 55, 59, 60, 80, 81, 82};

static const kr_message_ops *ops_named(const char *name) {
    for (size_t i = 0; i < kr_all_messages_count; i++)
        if (!strcmp(kr_all_messages[i].name, name)) return &kr_all_messages[i];
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    mkdir(argv[1], 0755);
    kr_rand rng = kr_rand_seed(42);
    int written = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const kr_api_info *info = kr_api_lookup(keys[k]);
        char name[96];
        snprintf(name, sizeof name, "%sRequest", info->name);
        const kr_message_ops *ops = ops_named(name);
        if (!ops) return 1;
        for (int16_t v = info->min_version; v <= info->max_version; v++) {
            kr_arena arena = {0};
            void *m = calloc(1, ops->size);
            ops->fill_random(m, v, &rng, &arena);
            kr_buf out = {0};
            kr_error err;
            if (kr_request_frame_encode(&out, (int16_t)keys[k], v, 1000 + written, "seed", m, &err) != KR_OK) {
                fprintf(stderr, "%s v%d: %s\n", name, v, err.message);
                return 1;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s_v%d", argv[1], info->name, v);
            FILE *f = fopen(path, "wb");
            if (!f) return 1;
            fwrite(out.data + 4, 1, out.len - 4, f);
            fclose(f);
            written++;
            kr_buf_free(&out);
            kr_arena_free(&arena);
            free(m);
        }
    }
    printf("%d seeds\n", written);
    return 0;
}
