#include "kraft/kafka_frame.h"

#include <assert.h>
#include <limits.h>

int kr_frame_check_size(int32_t size, size_t max_bytes, const char *what, kr_error *err) {
    if (size <= 0)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: frame size %d is not positive", what, size);
    if ((size_t)size > max_bytes)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: frame size %d exceeds the maximum of %zu bytes",
                       what, size, max_bytes);
    return KR_OK;
}

static bool is_flexible(int16_t api_key, int16_t api_version) {
    const kr_api_info *info = kr_api_lookup(api_key);
    return info && info->flexible_min >= 0 && api_version >= info->flexible_min;
}

int16_t kr_request_header_version(int16_t api_key, int16_t api_version) {
    return is_flexible(api_key, api_version) ? 2 : 1;
}

int16_t kr_response_header_version(int16_t api_key, int16_t api_version) {
    if (api_key == KR_API_VERSIONS) return 0; /* always v0, even for flexible versions */
    return is_flexible(api_key, api_version) ? 1 : 0;
}

int kr_request_header_decode(const uint8_t *frame, size_t len, kr_RequestHeader *hdr,
                             size_t *body_offset, kr_arena *arena, kr_error *err) {
    kr_reader peek = kr_reader_make(frame, len);
    int16_t key = kr_read_i16(&peek);
    int16_t version = kr_read_i16(&peek);
    int32_t corr = kr_read_i32(&peek);
    if (peek.failed)
        return kr_fail(err, KR_ERR_CORRUPT, "request header: %zu bytes, need at least 8", len);
    kr_RequestHeader_init(hdr);
    kr_reader r = kr_reader_make(frame, len);
    if (!kr_RequestHeader_decode(&r, hdr, kr_request_header_version(key, version), arena) ||
        r.failed)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "request header of api key %d version %d correlation id %d: %s at byte %zu",
                       key, version, corr, r.fail_why ? r.fail_why : "invalid", r.fail_pos);
    *body_offset = r.pos;
    return KR_OK;
}

static const char *api_name(int16_t key) {
    const kr_api_info *info = kr_api_lookup(key);
    return info ? info->name : "unknown";
}

int kr_request_body_decode(const kr_rpc_codec *codec, const kr_RequestHeader *hdr,
                           const uint8_t *body, size_t len, void *msg, kr_arena *arena,
                           kr_error *err) {
    assert(codec && codec->info->api_key == hdr->RequestApiKey);
    codec->request_init(msg);
    kr_reader r = kr_reader_make(body, len);
    bool ok = codec->request_decode(&r, msg, hdr->RequestApiVersion, arena) && !r.failed;
    if (!ok)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s request (api key %d version %d correlation id %d): %s at body byte %zu",
                       codec->info->name, hdr->RequestApiKey, hdr->RequestApiVersion,
                       hdr->CorrelationId, r.fail_why ? r.fail_why : "invalid", r.fail_pos);
    if (r.pos != len)
        return kr_fail(err, KR_ERR_CORRUPT,
                       "%s request (api key %d version %d correlation id %d): %zu trailing bytes",
                       codec->info->name, hdr->RequestApiKey, hdr->RequestApiVersion,
                       hdr->CorrelationId, len - r.pos);
    return KR_OK;
}

/* Patches the size prefix reserved at `start` once the frame is complete. */
static int finish_frame(kr_buf *out, size_t start, const char *what, kr_error *err) {
    if (out->oom) return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", what);
    size_t n = out->len - start - KR_FRAME_SIZE_PREFIX_BYTES;
    if (n > INT32_MAX) return kr_fail(err, KR_ERR_INVALID, "%s: frame of %zu bytes", what, n);
    kr_store_u32(out->data + start, (uint32_t)n);
    return KR_OK;
}

int kr_request_frame_encode(kr_buf *out, int16_t api_key, int16_t api_version,
                            int32_t correlation_id, const char *client_id, const void *msg,
                            kr_error *err) {
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(api_key);
    if (!codec) return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d has no codec", api_key);
    if (api_version < codec->info->min_version || api_version > codec->info->max_version)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s request version %d is outside %d-%d",
                       codec->info->name, api_version, codec->info->min_version,
                       codec->info->max_version);
    size_t start = out->len;
    kr_put_u32(out, 0);
    kr_RequestHeader hdr;
    kr_RequestHeader_init(&hdr);
    hdr.RequestApiKey = api_key;
    hdr.RequestApiVersion = api_version;
    hdr.CorrelationId = correlation_id;
    hdr.ClientId = kr_str_c(client_id);
    int rc = kr_RequestHeader_encode(out, &hdr, kr_request_header_version(api_key, api_version), err);
    if (rc == KR_OK) rc = codec->request_encode(out, msg, api_version, err);
    if (rc != KR_OK) {
        out->len = start;
        kr_error_wrap(err, "%s request version %d", codec->info->name, api_version);
        return rc;
    }
    return finish_frame(out, start, codec->info->name, err);
}

int kr_response_frame_encode(kr_buf *out, int16_t api_key, int16_t api_version,
                             int32_t correlation_id, const void *msg, kr_error *err) {
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(api_key);
    if (!codec) return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d has no codec", api_key);
    size_t start = out->len;
    kr_put_u32(out, 0);
    kr_ResponseHeader hdr;
    kr_ResponseHeader_init(&hdr);
    hdr.CorrelationId = correlation_id;
    int rc = kr_ResponseHeader_encode(out, &hdr, kr_response_header_version(api_key, api_version),
                                      err);
    if (rc == KR_OK) rc = codec->response_encode(out, msg, api_version, err);
    if (rc != KR_OK) {
        out->len = start;
        kr_error_wrap(err, "%s response version %d", codec->info->name, api_version);
        return rc;
    }
    return finish_frame(out, start, codec->info->name, err);
}

int kr_response_correlation_id(const uint8_t *frame, size_t len, int32_t *correlation_id,
                               kr_error *err) {
    if (len < 4)
        return kr_fail(err, KR_ERR_CORRUPT, "response header: %zu bytes, need at least 4", len);
    *correlation_id = (int32_t)kr_load_u32(frame);
    return KR_OK;
}

int kr_response_frame_decode(const uint8_t *frame, size_t len, int16_t api_key,
                             int16_t api_version, void *msg, kr_arena *arena, kr_error *err) {
    const kr_rpc_codec *codec = kr_rpc_codec_lookup(api_key);
    if (!codec) return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d has no codec", api_key);
    kr_reader r = kr_reader_make(frame, len);
    kr_ResponseHeader hdr;
    kr_ResponseHeader_init(&hdr);
    codec->response_init(msg);
    bool ok = kr_ResponseHeader_decode(&r, &hdr, kr_response_header_version(api_key, api_version),
                                       arena) &&
              !r.failed && codec->response_decode(&r, msg, api_version, arena) && !r.failed;
    if (!ok)
        return kr_fail(err, KR_ERR_CORRUPT, "%s response (api key %d version %d): %s at byte %zu",
                       api_name(api_key), api_key, api_version,
                       r.fail_why ? r.fail_why : "invalid", r.fail_pos);
    if (r.pos != len)
        return kr_fail(err, KR_ERR_CORRUPT, "%s response (api key %d version %d): %zu trailing bytes",
                       api_name(api_key), api_key, api_version, len - r.pos);
    return KR_OK;
}
