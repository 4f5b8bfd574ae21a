/* libFuzzer: a request frame body (what follows the size prefix) through the
 * server's own decode path, kr_net_decode_request: header, handler-table
 * lookup, advertised-version check, body decode. The table holds every API
 * with a generated codec at its full schema range. Whatever decodes must
 * re-encode without error and print as JSON. Seeds: tests/fuzz/seeds_net.c. */
#include <stdint.h>
#include <stdlib.h>

#include "kraft/net_server.h"

static void unused_handler(void *ctx, kr_net_request *req, void *msg) { (void)ctx, (void)req, (void)msg; }

static size_t build_table(kr_net_api *apis, size_t max) {
    size_t n = 0;
    for (int key = 0; key < 1000 && n < max; key++) {
        const kr_rpc_codec *c = kr_rpc_codec_lookup(key);
        if (!c || key == 18) continue;
        apis[n++] = (kr_net_api){(int16_t)key, c->info->min_version, c->info->max_version, unused_handler, NULL};
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kr_net_api apis[KR_NET_MAX_APIS];
    static size_t n_apis;
    if (!n_apis) n_apis = build_table(apis, KR_NET_MAX_APIS);
    kr_arena arena = {0};
    kr_net_decoded d;
    kr_error err;
    if (kr_net_decode_request(apis, n_apis, data, size, &d, &arena, &err) == KR_OK) {
        int16_t v = d.header.RequestApiVersion;
        if (!d.api_versions_fallback) {
            kr_buf out = {0};
            if (d.codec->request_encode(&out, d.body, v, &err) != KR_OK) abort();
            json_decref(d.codec->request_to_json(d.body, v, KR_JSON_MASK_SECRETS));
            kr_buf_free(&out);
        }
    }
    kr_arena_free(&arena);
    return 0;
}
