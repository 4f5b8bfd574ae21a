/* The client listener's API table (spec kafka-api.md §4). */
#include "kraft/client_api.h"

#include "kraft/client_configs.h"
#include "kraft/client_read.h"
#include "kraft/client_util.h"
#include "kraft/metadata_version.h"

/* Typed handlers behind the void-pointer signature of the table. */
#define KR_READ_WRAPPER(api)                                                                               \
    static int read_##api(const kr_client_ctx *ctx, const kr_image *img, const void *req, int16_t version, \
                          void *resp, kr_arena *arena) {                                                   \
        return kr_handle_##api(ctx, img, (const kr_##api##Request *)req, version, (kr_##api##Response *)resp, \
                               arena);                                                                     \
    }
KR_READ_WRAPPER(Metadata)
KR_READ_WRAPPER(DescribeAcls)
KR_READ_WRAPPER(DescribeConfigs)
KR_READ_WRAPPER(DescribeClientQuotas)
KR_READ_WRAPPER(DescribeUserScramCredentials)
KR_READ_WRAPPER(DescribeCluster)

/* Minimum 0 everywhere keeps old non-flexible clients (librdkafka Metadata v4,
 * kafkajs) working; maxima are Kafka 3.9's, so both encodings are served. */
const kr_client_api kr_client_apis[] = {
    {3, 0, 12, KR_CLIENT_READ, read_Metadata},
    {17, 0, 1, KR_CLIENT_SASL, NULL},   /* SaslHandshake */
    {19, 0, 7, KR_CLIENT_WRITE, NULL},  /* CreateTopics */
    {20, 0, 6, KR_CLIENT_WRITE, NULL},  /* DeleteTopics */
    {29, 0, 3, KR_CLIENT_READ, read_DescribeAcls},
    {30, 0, 3, KR_CLIENT_WRITE, NULL},  /* CreateAcls */
    {31, 0, 3, KR_CLIENT_WRITE, NULL},  /* DeleteAcls */
    {32, 0, 4, KR_CLIENT_READ, read_DescribeConfigs},
    {33, 0, 2, KR_CLIENT_WRITE, NULL},  /* AlterConfigs */
    {36, 0, 2, KR_CLIENT_SASL, NULL},   /* SaslAuthenticate */
    {37, 0, 3, KR_CLIENT_WRITE, NULL},  /* CreatePartitions */
    {44, 0, 1, KR_CLIENT_WRITE, NULL},  /* IncrementalAlterConfigs */
    {48, 0, 1, KR_CLIENT_READ, read_DescribeClientQuotas},
    {49, 0, 1, KR_CLIENT_WRITE, NULL},  /* AlterClientQuotas */
    {50, 0, 0, KR_CLIENT_READ, read_DescribeUserScramCredentials},
    {51, 0, 0, KR_CLIENT_WRITE, NULL},  /* AlterUserScramCredentials */
    {55, 0, 2, KR_CLIENT_QUORUM, NULL}, /* DescribeQuorum */
    {60, 0, 1, KR_CLIENT_READ, read_DescribeCluster},
};
const size_t kr_client_api_count = sizeof kr_client_apis / sizeof kr_client_apis[0];

const kr_client_api *kr_client_api_find(int16_t api_key) {
    for (size_t i = 0; i < kr_client_api_count; i++)
        if (kr_client_apis[i].api_key == api_key) return &kr_client_apis[i];
    return NULL;
}

int kr_client_read(const kr_client_ctx *ctx, const kr_image *img, int16_t api_key, const void *req,
                   int16_t version, void *resp, kr_arena *arena, kr_error *err) {
    const kr_client_api *a = kr_client_api_find(api_key);
    if (!a || a->kind != KR_CLIENT_READ || !a->read)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d is not a read API of the client listener", api_key);
    if (version < a->min_version || version > a->max_version)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "api key %d version %d is not advertised (%d-%d)", api_key, version,
                       a->min_version, a->max_version);
    int rc = a->read(ctx, img, req, version, resp, arena);
    if (rc == KR_ERR_NOMEM) return kr_fail(err, rc, "out of memory answering api key %d version %d", api_key, version);
    if (rc != KR_OK) return kr_fail(err, rc, "api key %d version %d could not be answered", api_key, version);
    return KR_OK;
}

int kr_client_net_apis(const kr_client_handlers *h, kr_net_api *out, size_t cap, size_t *n, kr_error *err) {
    size_t k = 0;
    for (size_t i = 0; i < kr_client_api_count; i++) {
        const kr_client_api *a = &kr_client_apis[i];
        kr_net_handler_fn fn = NULL;
        void *fctx = NULL;
        switch (a->kind) {
        case KR_CLIENT_READ: fn = h->read; fctx = h->read_ctx; break;
        case KR_CLIENT_WRITE: fn = h->write; fctx = h->write_ctx; break;
        case KR_CLIENT_SASL: fn = h->sasl; fctx = h->sasl_ctx; break;
        case KR_CLIENT_QUORUM: fn = h->quorum; fctx = h->quorum_ctx; break;
        }
        if (!fn) continue; /* not served: not advertised */
        if (k >= cap) return kr_fail(err, KR_ERR_INVALID, "client API table needs more than %zu entries", cap);
        out[k++] = (kr_net_api){a->api_key, a->min_version, a->max_version, fn, fctx};
    }
    *n = k;
    return KR_OK;
}

int kr_client_api_versions_features(const kr_image *img, int64_t finalized_epoch, int16_t version,
                                    kr_ApiVersionsResponse *resp, kr_arena *arena) {
    if (version < 3) return KR_OK;
    static const struct {
        const char *name;
        int16_t min, max;
    } supported[] = {{"metadata.version", 1, KR_MV_LATEST_PRODUCTION}, {"kraft.version", 0, 0}};
    size_t ns = sizeof supported / sizeof supported[0];
    kr_ApiVersionsResponse_SupportedFeatureKey *sf = KR_CLIENT_ALLOC(arena, ns, *sf);
    if (!sf) return KR_ERR_NOMEM;
    int32_t k = 0;
    for (size_t i = 0; i < ns; i++) {
        if (version < 4 && supported[i].min == 0) continue; /* KAFKA-17011: old clients reject min 0 */
        kr_ApiVersionsResponse_SupportedFeatureKey_init(&sf[k]);
        sf[k].Name = kr_str_c(supported[i].name);
        sf[k].MinVersion = supported[i].min;
        sf[k++].MaxVersion = supported[i].max;
    }
    resp->SupportedFeatures.v = sf;
    resp->SupportedFeatures.n = k;
    size_t nf = (size_t)img->features.n + 1;
    kr_ApiVersionsResponse_FinalizedFeatureKey *ff = KR_CLIENT_ALLOC(arena, nf, *ff);
    if (!ff) return KR_ERR_NOMEM;
    k = 0;
    if (img->metadata_version > 0) {
        kr_ApiVersionsResponse_FinalizedFeatureKey_init(&ff[k]);
        ff[k].Name = kr_str_c("metadata.version");
        ff[k].MinVersionLevel = ff[k].MaxVersionLevel = img->metadata_version;
        k++;
    }
    for (int32_t i = 0; i < img->features.n; i++) {
        const kr_image_feature *f = &img->features.v[i];
        if (!f->name || f->level <= 0) continue;
        kr_ApiVersionsResponse_FinalizedFeatureKey_init(&ff[k]);
        ff[k].Name = kr_str_c(f->name);
        ff[k].MinVersionLevel = ff[k].MaxVersionLevel = f->level;
        k++;
    }
    resp->FinalizedFeatures.v = ff;
    resp->FinalizedFeatures.n = k;
    resp->FinalizedFeaturesEpoch = finalized_epoch;
    return KR_OK;
}
