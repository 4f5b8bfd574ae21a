/* libFuzzer: KRaft RPC bodies (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch,
 * FetchSnapshot) decoded by the generated codecs, then translated for the
 * core by kraft/raft_wire (framing and ClusterId checks, Fetch records checked
 * batch by batch). Byte 0 picks the API and direction, byte 1 the version;
 * the rest is the body. Nothing may crash or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "kraft/raft_wire.h"

static const int16_t APIS[] = {KR_API_VOTE, KR_API_BEGIN_QUORUM_EPOCH, KR_API_END_QUORUM_EPOCH, KR_API_FETCH,
                               KR_API_FETCH_SNAPSHOT};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    int16_t api = APIS[(data[0] >> 1) % 5];
    bool request = data[0] & 1;
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api);
    int16_t version = (int16_t)(c->info->min_version + data[1] % (c->info->max_version - c->info->min_version + 1));
    kr_arena arena = {0};
    void *msg = kr_arena_alloc(&arena, request ? c->request_size : c->response_size);
    kr_reader r = kr_reader_make(data + 2, size - 2);
    bool ok = request ? c->request_decode(&r, msg, version, &arena) : c->response_decode(&r, msg, version, &arena);
    if (ok && !r.failed) {
        kr_raft_msg m;
        kr_error err;
        if (request) {
            if (kr_raft_wire_decode_request(api, version, msg, "MkU3OEVBNTcwNTJENDM2Qg", 1, &m) == 0 &&
                kr_raft_wire_api_key(m.type) != api)
                abort();
        } else if (kr_raft_wire_decode_response(api, msg, &arena, &m, &err) == KR_OK) {
            if (kr_raft_wire_api_key(m.type) != api) abort();
            if (m.type == KR_MSG_FETCH_RESPONSE)
                for (size_t i = 0; i < m.u.fetch_resp.records_count; i++)
                    if (m.u.fetch_resp.records[i].last_offset < m.u.fetch_resp.records[i].base_offset) abort();
        }
    }
    kr_arena_free(&arena);
    return 0;
}
