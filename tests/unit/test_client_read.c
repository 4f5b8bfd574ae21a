/* Read APIs of the client listener: each handler at every advertised version,
 * request and response passed through the generated codecs at that version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/client_api.h"
#include "kraft/client_configs.h"
#include "kraft/client_read.h"
#include "tests/support/client_image.h"

typedef struct fixture {
    kr_image img;
    kr_client_ctx ctx;
    kr_arena arena;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    test_client_image(&f->img);
    test_client_ctx(&f->ctx, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    kr_image_free(&f->img);
    kr_arena_free(&f->arena);
    free(f);
    return 0;
}

/* Encodes msg with the api's codec at `version` and decodes it back; the
 * encoder refuses fields the version lacks, so this checks the handler too. */
static void *roundtrip(int16_t api_key, int16_t version, bool request, const void *msg, kr_arena *arena) {
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    assert_non_null(c);
    kr_buf b = {0};
    kr_error err = {0};
    int rc = request ? c->request_encode(&b, msg, version, &err) : c->response_encode(&b, msg, version, &err);
    if (rc != KR_OK) fail_msg("encode api %d v%d %s: %s", api_key, version, request ? "request" : "response", err.message);
    void *out = kr_arena_alloc(arena, request ? c->request_size : c->response_size);
    /* decoded strings point into the bytes: keep them in the arena */
    uint8_t *keep = kr_arena_alloc(arena, b.len ? b.len : 1);
    memcpy(keep, b.data, b.len);
    kr_reader r = kr_reader_make(keep, b.len);
    bool ok = request ? c->request_decode(&r, out, version, arena) : c->response_decode(&r, out, version, arena);
    if (!ok || kr_reader_remaining(&r) != 0) fail_msg("decode api %d v%d failed", api_key, version);
    kr_buf_free(&b);
    return out;
}

/* Runs a read API the way the server would: request through the codec, the
 * handler via the table, response through the codec. */
static void *serve(fixture *f, int16_t api_key, int16_t version, const void *req) {
    const void *decoded = roundtrip(api_key, version, true, req, &f->arena);
    const kr_rpc_codec *c = kr_rpc_codec_lookup(api_key);
    void *resp = kr_arena_alloc(&f->arena, c->response_size);
    kr_error err = {0};
    if (kr_client_read(&f->ctx, &f->img, api_key, decoded, version, resp, &f->arena, &err) != KR_OK)
        fail_msg("api %d v%d: %s", api_key, version, err.message);
    return roundtrip(api_key, version, false, resp, &f->arena);
}

static const kr_MetadataResponse_MetadataResponseTopic *md_topic(const kr_MetadataResponse *m, const char *name) {
    for (int32_t i = 0; i < m->Topics.n; i++)
        if (kr_str_eq_c(m->Topics.v[i].Name, name)) return &m->Topics.v[i];
    return NULL;
}

static const kr_MetadataResponse_MetadataResponsePartition *md_part(const kr_MetadataResponse_MetadataResponseTopic *t,
                                                                    int32_t p) {
    for (int32_t i = 0; i < t->Partitions.n; i++)
        if (t->Partitions.v[i].PartitionIndex == p) return &t->Partitions.v[i];
    return NULL;
}

static void assert_ids(kr_array_i32 a, int n, const int32_t *want) {
    assert_int_equal(a.n, n);
    for (int i = 0; i < n; i++) assert_int_equal(a.v[i], want[i]);
}

/* ---- Metadata -------------------------------------------------------------------- */

static void test_metadata_all_topics_every_version(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 12; v++) {
        kr_MetadataRequest req;
        kr_MetadataRequest_init(&req);
        /* v0: empty = all; v1+: null = all (kcat -L sends v4 null) */
        req.Topics = v == 0 ? (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_EMPTY
                            : (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_NULL;
        kr_MetadataResponse *m = serve(f, 3, v, &req);
        assert_int_equal(m->Brokers.n, 3);
        assert_int_equal(m->Brokers.v[1].NodeId, 3001);
        assert_true(kr_str_eq_c(m->Brokers.v[1].Host, "c1.example"));
        assert_int_equal(m->Brokers.v[1].Port, 9093);
        if (v >= 1) assert_true(kr_str_eq_c(m->Brokers.v[1].Rack, "rack-b"));
        assert_int_equal(m->ControllerId, v >= 1 ? 3002 : -1);
        if (v >= 2) assert_true(kr_str_eq_c(m->ClusterId, TEST_CLUSTER_ID));
        else assert_true(kr_str_is_null(m->ClusterId));
        assert_int_equal(m->Topics.n, 3);
        const kr_MetadataResponse_MetadataResponseTopic *o = md_topic(m, "orders");
        assert_non_null(o);
        assert_int_equal(o->ErrorCode, 0);
        assert_false(o->IsInternal);
        assert_int_equal(o->Partitions.n, 3);
        kr_uuid id1 = test_topic_id(1), zero = {{0}};
        assert_true(kr_uuid_eq(&o->TopicId, v >= 10 ? &id1 : &zero));
        const kr_MetadataResponse_MetadataResponsePartition *p1 = md_part(o, 1);
        assert_int_equal(p1->ErrorCode, 0);
        assert_int_equal(p1->LeaderId, 2);
        assert_int_equal(p1->LeaderEpoch, v >= 7 ? 5 : -1);
        static const int32_t r123[] = {1, 2, 3}, three[] = {3}, four[] = {4}, r24[] = {2, 4};
        assert_ids(p1->ReplicaNodes, 3, r123);
        assert_ids(p1->IsrNodes, 3, r123);
        if (v >= 5) assert_ids(p1->OfflineReplicas, 1, three);
        else assert_int_equal(p1->OfflineReplicas.n, 0);
        const kr_MetadataResponse_MetadataResponseTopic *pay = md_topic(m, "payments");
        const kr_MetadataResponse_MetadataResponsePartition *pp = md_part(pay, 1);
        assert_int_equal(pp->ErrorCode, KR_KERR_LEADER_NOT_AVAILABLE);
        assert_int_equal(pp->LeaderId, -1);
        assert_ids(pp->ReplicaNodes, 2, r24);
        if (v >= 5) assert_ids(pp->OfflineReplicas, 1, four);
        assert_int_equal(md_part(pay, 0)->ErrorCode, 0);
        const kr_MetadataResponse_MetadataResponseTopic *co = md_topic(m, "__consumer_offsets");
        assert_int_equal(co->IsInternal, v >= 1);
        assert_int_equal(co->TopicAuthorizedOperations, KR_AUTHORIZED_OPS_OMITTED);
        assert_int_equal(m->ClusterAuthorizedOperations, KR_AUTHORIZED_OPS_OMITTED);
    }
}

static void test_metadata_named_and_unknown(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 12; v++) {
        kr_MetadataRequest req;
        kr_MetadataRequest_init(&req);
        kr_MetadataRequest_MetadataRequestTopic t[4];
        const char *names[] = {"orders", "missing", "bad name!", "orders"};
        for (int i = 0; i < 4; i++) {
            kr_MetadataRequest_MetadataRequestTopic_init(&t[i]);
            t[i].Name = kr_str_c(names[i]);
        }
        req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array){t, 4};
        if (v >= 4) req.AllowAutoTopicCreation = true; /* ignored: never creates */
        kr_MetadataResponse *m = serve(f, 3, v, &req);
        assert_int_equal(m->Topics.n, 3); /* duplicates collapse, as Kafka's set does */
        assert_int_equal(md_topic(m, "orders")->ErrorCode, 0);
        const kr_MetadataResponse_MetadataResponseTopic *miss = md_topic(m, "missing");
        assert_int_equal(miss->ErrorCode, KR_KERR_UNKNOWN_TOPIC_OR_PARTITION);
        assert_int_equal(miss->Partitions.n, 0);
        assert_true(kr_uuid_is_zero(&miss->TopicId));
        assert_int_equal(md_topic(m, "bad name!")->ErrorCode, KR_KERR_INVALID_TOPIC_EXCEPTION);
        assert_null(kr_image_topic_by_name(&f->img, "missing", 7));
    }
}

static void test_metadata_brokers_only_and_librdkafka_sequence(void **state) {
    fixture *f = *state;
    /* librdkafka 2.0.2 / kcat -L: Metadata v4 with an empty array (brokers only), then null (all). */
    kr_MetadataRequest req;
    kr_MetadataRequest_init(&req);
    req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_EMPTY;
    req.AllowAutoTopicCreation = true;
    kr_MetadataResponse *m = serve(f, 3, 4, &req);
    assert_int_equal(m->Topics.n, 0);
    assert_int_equal(m->Brokers.n, 3);
    assert_int_equal(m->ControllerId, 3002);
    req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_NULL;
    m = serve(f, 3, 4, &req);
    assert_int_equal(m->Topics.n, 3);
    /* kafkajs 2.2.4: v6 with names */
    kr_MetadataRequest_MetadataRequestTopic t;
    kr_MetadataRequest_MetadataRequestTopic_init(&t);
    t.Name = kr_str_c("payments");
    req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array){&t, 1};
    m = serve(f, 3, 6, &req);
    assert_int_equal(m->Topics.n, 1);
    assert_int_equal(m->Topics.v[0].Partitions.n, 2);
}

static void test_metadata_topic_ids(void **state) {
    fixture *f = *state;
    kr_MetadataRequest req;
    kr_MetadataRequest_init(&req);
    kr_MetadataRequest_MetadataRequestTopic t[2];
    kr_MetadataRequest_MetadataRequestTopic_init(&t[0]);
    kr_MetadataRequest_MetadataRequestTopic_init(&t[1]);
    t[0].Name = KR_STR_NULL;
    t[0].TopicId = test_topic_id(2);
    t[1].Name = KR_STR_NULL;
    t[1].TopicId = test_topic_id(77);
    req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array){t, 2};
    kr_MetadataResponse *m = serve(f, 3, 12, &req);
    assert_int_equal(m->Topics.n, 2);
    assert_true(kr_str_eq_c(m->Topics.v[0].Name, "payments"));
    assert_int_equal(m->Topics.v[0].ErrorCode, 0);
    assert_int_equal(m->Topics.v[1].ErrorCode, KR_KERR_UNKNOWN_TOPIC_ID);
    assert_true(kr_str_is_null(m->Topics.v[1].Name));
    kr_uuid id77 = test_topic_id(77);
    assert_true(kr_uuid_eq(&m->Topics.v[1].TopicId, &id77));
    /* v10-11: ids are not supported, names must be set */
    for (int16_t v = 10; v <= 11; v++) {
        t[0].Name = kr_str_c("orders");
        req.Topics.n = 1;
        m = serve(f, 3, v, &req);
        assert_int_equal(m->Topics.n, 1);
        assert_int_equal(m->Topics.v[0].ErrorCode, KR_KERR_INVALID_REQUEST);
        assert_int_equal(m->Brokers.n, 0);
    }
}

static void test_metadata_authorized_operations(void **state) {
    fixture *f = *state;
    for (int16_t v = 8; v <= 12; v++) {
        kr_MetadataRequest req;
        kr_MetadataRequest_init(&req);
        req.Topics = (kr_MetadataRequest_MetadataRequestTopic_array)KR_ARRAY_NULL;
        if (v <= 10) req.IncludeClusterAuthorizedOperations = true;
        req.IncludeTopicAuthorizedOperations = true;
        kr_MetadataResponse *m = serve(f, 3, v, &req);
        assert_int_equal(m->Topics.v[0].TopicAuthorizedOperations, KR_TOPIC_AUTHORIZED_OPS_ALL);
        assert_int_equal(m->ClusterAuthorizedOperations, v <= 10 ? KR_CLUSTER_AUTHORIZED_OPS_ALL : KR_AUTHORIZED_OPS_OMITTED);
    }
}

static void test_metadata_unknown_leader(void **state) {
    fixture *f = *state;
    f->ctx.leader_id = -1;
    kr_MetadataRequest req;
    kr_MetadataRequest_init(&req);
    kr_MetadataResponse *m = serve(f, 3, 1, &req);
    assert_int_equal(m->ControllerId, -1);
    f->ctx.leader_id = 9999; /* a leader without this listener is not reachable */
    m = serve(f, 3, 12, &req);
    assert_int_equal(m->ControllerId, -1);
    test_client_ctx(&f->ctx, NULL);
}

/* ---- DescribeCluster ------------------------------------------------------------- */

static void test_describe_cluster(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 1; v++)
        for (int8_t type = 1; type <= (v ? 3 : 1); type++) {
            kr_DescribeClusterRequest req;
            kr_DescribeClusterRequest_init(&req);
            if (v >= 1) req.EndpointType = type;
            req.IncludeClusterAuthorizedOperations = true;
            kr_DescribeClusterResponse *d = serve(f, 60, v, &req);
            if (type == 3) {
                assert_int_equal(d->ErrorCode, KR_KERR_UNSUPPORTED_ENDPOINT_TYPE);
                continue;
            }
            assert_int_equal(d->ErrorCode, 0);
            assert_int_equal(d->EndpointType, type);
            assert_true(kr_str_eq_c(d->ClusterId, TEST_CLUSTER_ID));
            assert_int_equal(d->ControllerId, 3002);
            assert_int_equal(d->Brokers.n, 3);
            assert_int_equal(d->Brokers.v[2].BrokerId, 3002);
            assert_true(kr_str_eq_c(d->Brokers.v[2].Host, "c2.example"));
            assert_int_equal(d->ClusterAuthorizedOperations, KR_CLUSTER_AUTHORIZED_OPS_ALL);
        }
}

/* ---- DescribeConfigs ------------------------------------------------------------- */

typedef kr_DescribeConfigsResponse_DescribeConfigsResourceResult cfg_entry;

static const cfg_entry *cfg(const kr_DescribeConfigsResponse_DescribeConfigsResult *r, const char *name) {
    for (int32_t i = 0; i < r->Configs.n; i++)
        if (kr_str_eq_c(r->Configs.v[i].Name, name)) return &r->Configs.v[i];
    return NULL;
}

static kr_DescribeConfigsResponse *describe_configs(fixture *f, int16_t v, int8_t type, const char *name,
                                                    const char *key) {
    kr_DescribeConfigsRequest req;
    kr_DescribeConfigsRequest_init(&req);
    kr_DescribeConfigsRequest_DescribeConfigsResource r;
    kr_DescribeConfigsRequest_DescribeConfigsResource_init(&r);
    r.ResourceType = type;
    r.ResourceName = kr_str_c(name);
    kr_str k = kr_str_c(key);
    r.ConfigurationKeys = key ? (kr_array_str){&k, 1} : (kr_array_str)KR_ARRAY_NULL;
    req.Resources = (kr_DescribeConfigsRequest_DescribeConfigsResource_array){&r, 1};
    if (v >= 1) req.IncludeSynonyms = true; /* librdkafka v1 always asks */
    if (v >= 3) req.IncludeDocumentation = true;
    kr_DescribeConfigsResponse *resp = serve(f, 32, v, &req);
    assert_int_equal(resp->Results.n, 1);
    assert_int_equal(resp->Results.v[0].ResourceType, type);
    assert_true(kr_str_eq_c(resp->Results.v[0].ResourceName, name));
    return resp;
}

static void assert_synonym(const cfg_entry *e, int i, const char *name, const char *value, int8_t source) {
    assert_true(i < e->Synonyms.n);
    if (!kr_str_eq_c(e->Synonyms.v[i].Name, name))
        fail_msg("synonym %d of %.*s: %.*s, want %s", i, (int)e->Name.len, e->Name.ptr, (int)e->Synonyms.v[i].Name.len,
                 e->Synonyms.v[i].Name.ptr, name);
    if (value) assert_true(kr_str_eq_c(e->Synonyms.v[i].Value, value));
    else assert_true(kr_str_is_null(e->Synonyms.v[i].Value));
    assert_int_equal(e->Synonyms.v[i].Source, source);
}

static void test_describe_configs_topic_every_version(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 4; v++) {
        kr_DescribeConfigsResponse *resp = describe_configs(f, v, 2, "orders", NULL);
        const kr_DescribeConfigsResponse_DescribeConfigsResult *r = &resp->Results.v[0];
        assert_int_equal(r->ErrorCode, 0);
        assert_int_equal(r->Configs.n, (int32_t)kr_topic_config_count + 1); /* + the unknown override */
        const cfg_entry *ret = cfg(r, "retention.ms");
        assert_true(kr_str_eq_c(ret->Value, "86400000"));
        assert_false(ret->ReadOnly);
        assert_false(ret->IsSensitive);
        const cfg_entry *seg = cfg(r, "segment.bytes");
        assert_true(kr_str_eq_c(seg->Value, "536870912")); /* cluster default */
        const cfg_entry *mmb = cfg(r, "max.message.bytes");
        assert_true(kr_str_eq_c(mmb->Value, "2000000")); /* this node's dynamic value */
        const cfg_entry *sms = cfg(r, "segment.ms");
        assert_true(kr_str_eq_c(sms->Value, "604800000"));
        const cfg_entry *legacy = cfg(r, "legacy.custom.key");
        assert_true(legacy->IsSensitive);
        assert_true(kr_str_is_null(legacy->Value));
        if (v == 0) {
            assert_false(ret->IsDefault);
            assert_true(sms->IsDefault);
            continue;
        }
        assert_int_equal(ret->ConfigSource, KR_CONFIG_SOURCE_TOPIC);
        assert_int_equal(ret->Synonyms.n, 3);
        assert_synonym(ret, 0, "retention.ms", "86400000", 1);
        assert_synonym(ret, 1, "log.retention.ms", "10800000", 3);
        assert_synonym(ret, 2, "log.retention.hours", "168", 5);
        assert_int_equal(seg->ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
        assert_int_equal(seg->Synonyms.n, 2);
        assert_synonym(seg, 0, "log.segment.bytes", "536870912", 3);
        assert_synonym(seg, 1, "log.segment.bytes", "1073741824", 5);
        assert_int_equal(mmb->ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_BROKER);
        assert_synonym(mmb, 0, "message.max.bytes", "2000000", 2);
        /* nothing set: the hours default is dropped (no log.roll.ms anywhere) */
        assert_int_equal(sms->ConfigSource, KR_CONFIG_SOURCE_DEFAULT);
        assert_int_equal(sms->Synonyms.n, 0);
        const cfg_entry *cp = cfg(r, "cleanup.policy");
        assert_true(kr_str_eq_c(cp->Value, "compact"));
        assert_int_equal(cp->ConfigSource, KR_CONFIG_SOURCE_TOPIC);
        const cfg_entry *cmp = cfg(r, "compression.type");
        assert_int_equal(cmp->ConfigSource, KR_CONFIG_SOURCE_DEFAULT);
        assert_int_equal(cmp->Synonyms.n, 1);
        assert_synonym(cmp, 0, "compression.type", "producer", 5);
        assert_synonym(legacy, 0, "legacy.custom.key", NULL, 1); /* sensitive: synonym value masked too */
        if (v >= 3) {
            assert_int_equal(ret->ConfigType, KR_CONFIG_TYPE_LONG);
            assert_int_equal(cp->ConfigType, KR_CONFIG_TYPE_LIST);
            assert_int_equal(cfg(r, "min.cleanable.dirty.ratio")->ConfigType, KR_CONFIG_TYPE_DOUBLE);
            assert_int_equal(legacy->ConfigType, KR_CONFIG_TYPE_UNKNOWN);
        }
    }
}

static void test_describe_configs_topic_defaults_and_keys(void **state) {
    fixture *f = *state;
    /* payments has no overrides: retention.ms from the cluster default log.retention.ms */
    kr_DescribeConfigsResponse *resp = describe_configs(f, 1, 2, "payments", "retention.ms");
    const kr_DescribeConfigsResponse_DescribeConfigsResult *r = &resp->Results.v[0];
    assert_int_equal(r->Configs.n, 1);
    assert_true(kr_str_eq_c(r->Configs.v[0].Value, "10800000"));
    assert_int_equal(r->Configs.v[0].ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    /* Unit conversion from a static log.retention.hours when nothing dynamic says otherwise. */
    kr_image img2;
    test_client_image(&img2);
    kr_properties props = {0};
    kr_error err = {0};
    const char *text = "node.id=3001\nlog.retention.hours=72\nlog.roll.hours=1\nssl.keystore.password=pw\n";
    assert_int_equal(kr_properties_parse(text, strlen(text), "controller.properties", &props, &err), KR_OK);
    kr_image saved = f->img;
    f->img = img2;
    f->ctx.static_config = &props;
    resp = describe_configs(f, 1, 2, "payments", "segment.ms");
    const cfg_entry *e = &resp->Results.v[0].Configs.v[0];
    assert_true(kr_str_eq_c(e->Value, "3600000"));
    assert_int_equal(e->ConfigSource, KR_CONFIG_SOURCE_DEFAULT); /* Kafka: log.roll.ms never set, list dropped */
    /* the node's own broker resource: static keys, sensitive ones masked */
    resp = describe_configs(f, 4, 4, "3001", NULL);
    r = &resp->Results.v[0];
    assert_int_equal(r->ErrorCode, 0);
    const cfg_entry *hours = cfg(r, "log.retention.hours");
    assert_true(kr_str_eq_c(hours->Value, "72"));
    assert_int_equal(hours->ConfigSource, KR_CONFIG_SOURCE_STATIC_BROKER);
    assert_synonym(hours, 0, "log.retention.hours", "72", 4);
    assert_synonym(hours, 1, "log.retention.hours", "168", 5);
    const cfg_entry *node = cfg(r, "node.id");
    assert_true(node->ReadOnly);
    assert_int_equal(node->ConfigSource, KR_CONFIG_SOURCE_STATIC_BROKER);
    const cfg_entry *pw = cfg(r, "ssl.keystore.password");
    assert_true(pw->IsSensitive);
    assert_true(kr_str_is_null(pw->Value));
    assert_true(kr_str_is_null(pw->Synonyms.v[0].Value));
    const cfg_entry *mmb = cfg(r, "message.max.bytes");
    assert_true(kr_str_eq_c(mmb->Value, "2000000"));
    assert_int_equal(mmb->ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_BROKER);
    assert_false(mmb->ReadOnly);
    const cfg_entry *lrm = cfg(r, "log.retention.ms");
    assert_int_equal(lrm->ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    const cfg_entry *roll = cfg(r, "log.roll.hours");
    assert_true(kr_str_eq_c(roll->Value, "1"));
    assert_int_equal(roll->ConfigSource, KR_CONFIG_SOURCE_STATIC_BROKER);
    f->img = saved;
    f->ctx.static_config = NULL;
    kr_image_free(&img2);
    kr_properties_free(&props);
}

static void test_describe_configs_broker_default_and_errors(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 4; v++) {
        kr_DescribeConfigsResponse *resp = describe_configs(f, v, 4, "", NULL);
        const kr_DescribeConfigsResponse_DescribeConfigsResult *r = &resp->Results.v[0];
        assert_int_equal(r->ErrorCode, 0);
        assert_int_equal(r->Configs.n, 3);
        const cfg_entry *lrm = cfg(r, "log.retention.ms");
        assert_true(kr_str_eq_c(lrm->Value, "10800000"));
        const cfg_entry *pw = cfg(r, "listener.name.internal.ssl.keystore.password");
        assert_true(pw->IsSensitive);
        assert_true(kr_str_is_null(pw->Value));
        if (v >= 1) {
            assert_int_equal(lrm->ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
            assert_int_equal(lrm->Synonyms.n, 1);
            assert_synonym(lrm, 0, "log.retention.ms", "10800000", 3);
            assert_synonym(pw, 0, "listener.name.internal.ssl.keystore.password", NULL, 3);
        } else {
            assert_false(lrm->IsDefault);
        }

        resp = describe_configs(f, v, 2, "nope", NULL);
        assert_int_equal(resp->Results.v[0].ErrorCode, KR_KERR_UNKNOWN_TOPIC_OR_PARTITION);
        assert_int_equal(resp->Results.v[0].Configs.n, 0);
        resp = describe_configs(f, v, 2, "bad/name", NULL);
        assert_int_equal(resp->Results.v[0].ErrorCode, KR_KERR_INVALID_TOPIC_EXCEPTION);
        resp = describe_configs(f, v, 4, "99", NULL);
        assert_int_equal(resp->Results.v[0].ErrorCode, KR_KERR_INVALID_REQUEST);
        assert_non_null(strstr(resp->Results.v[0].ErrorMessage.ptr, "Unexpected broker id, expected 3001"));
        resp = describe_configs(f, v, 4, "abc", NULL);
        assert_int_equal(resp->Results.v[0].ErrorCode, KR_KERR_INVALID_REQUEST);
        resp = describe_configs(f, v, 8, "3001", NULL);
        assert_int_equal(resp->Results.v[0].ErrorCode, KR_KERR_INVALID_REQUEST);
        /* [ext] a registered broker: its dynamic per-broker configs */
        resp = describe_configs(f, v, 4, "1", "log.roll.hours");
        r = &resp->Results.v[0];
        assert_int_equal(r->ErrorCode, 0);
        assert_int_equal(r->Configs.n, 1);
        assert_true(kr_str_eq_c(r->Configs.v[0].Value, "12"));
        if (v >= 1) assert_int_equal(r->Configs.v[0].ConfigSource, KR_CONFIG_SOURCE_DYNAMIC_BROKER);
        resp = describe_configs(f, v, 16, "metrics1", NULL);
        r = &resp->Results.v[0];
        assert_int_equal(r->Configs.n, 1);
        if (v >= 1) assert_int_equal(r->Configs.v[0].ConfigSource, KR_CONFIG_SOURCE_CLIENT_METRICS);
    }
}

/* ---- DescribeAcls ------------------------------------------------------------------ */

static kr_DescribeAclsResponse *describe_acls(fixture *f, int16_t v, int8_t rtype, const char *name, int8_t pattern,
                                              const char *principal, int8_t op) {
    kr_DescribeAclsRequest req;
    kr_DescribeAclsRequest_init(&req);
    req.ResourceTypeFilter = rtype;
    req.ResourceNameFilter = kr_str_c(name);
    if (v >= 1) req.PatternTypeFilter = pattern;
    req.PrincipalFilter = kr_str_c(principal);
    req.HostFilter = KR_STR_NULL;
    req.Operation = op;
    req.PermissionType = 1;
    return serve(f, 29, v, &req);
}

static int32_t acl_count(const kr_DescribeAclsResponse *r) {
    int32_t n = 0;
    for (int32_t i = 0; i < r->Resources.n; i++) n += r->Resources.v[i].Acls.n;
    return n;
}

static void test_describe_acls(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 3; v++) {
        kr_DescribeAclsResponse *r = describe_acls(f, v, 1, NULL, 1, NULL, 1);
        assert_int_equal(r->ErrorCode, 0);
        /* v0 filters only LITERAL patterns */
        assert_int_equal(r->Resources.n, v == 0 ? 3 : 4);
        assert_int_equal(acl_count(r), v == 0 ? 4 : 5);
        assert_int_equal(r->Resources.v[0].ResourceType, 2);
        assert_true(kr_str_eq_c(r->Resources.v[0].ResourceName, "orders"));
        assert_int_equal(r->Resources.v[0].Acls.n, 2);
        assert_true(kr_str_eq_c(r->Resources.v[0].Acls.v[1].Principal, "User:bob"));
        assert_int_equal(r->Resources.v[0].Acls.v[1].Operation, 4);
        assert_int_equal(r->Resources.v[0].Acls.v[1].PermissionType, 2);
        assert_true(kr_str_eq_c(r->Resources.v[0].Acls.v[1].Host, "*"));
        /* literal name */
        r = describe_acls(f, v, 2, "orders", 3, NULL, 1);
        assert_int_equal(r->Resources.n, 1);
        assert_int_equal(acl_count(r), 2);
        /* principal + operation */
        r = describe_acls(f, v, 1, NULL, v ? 1 : 3, "User:alice", 3);
        assert_int_equal(acl_count(r), 2);
        if (v == 0) continue;
        /* MATCH: literal, wildcard and prefixed patterns that apply to "orders" */
        r = describe_acls(f, v, 2, "orders", 2, NULL, 1);
        assert_int_equal(r->Resources.n, 3);
        assert_int_equal(acl_count(r), 4);
        /* PREFIXED */
        r = describe_acls(f, v, 2, "ord", 4, NULL, 1);
        assert_int_equal(r->Resources.n, 1);
        assert_int_equal(r->Resources.v[0].PatternType, 4);
        /* ANY pattern with a name: exact name only */
        r = describe_acls(f, v, 1, "ord", 1, NULL, 1);
        assert_int_equal(acl_count(r), 1);
        /* UNKNOWN elements */
        r = describe_acls(f, v, 1, NULL, 1, NULL, 0);
        assert_int_equal(r->ErrorCode, KR_KERR_INVALID_REQUEST);
    }
    /* v0 carries no pattern type: a non-literal one cannot reach it, but the handler refuses it anyway */
    kr_DescribeAclsRequest req;
    kr_DescribeAclsRequest_init(&req);
    req.PatternTypeFilter = 1;
    req.ResourceTypeFilter = 1;
    req.Operation = 1;
    req.PermissionType = 1;
    kr_DescribeAclsResponse resp;
    assert_int_equal(kr_handle_DescribeAcls(&f->ctx, &f->img, &req, 0, &resp, &f->arena), KR_OK);
    assert_int_equal(resp.ErrorCode, KR_KERR_INVALID_REQUEST);
}

/* ---- DescribeClientQuotas --------------------------------------------------------- */

static kr_DescribeClientQuotasResponse *describe_quotas(fixture *f, int16_t v, int n, const char *const *types,
                                                        const int8_t *match_types, const char *const *matches,
                                                        bool strict) {
    kr_DescribeClientQuotasRequest req;
    kr_DescribeClientQuotasRequest_init(&req);
    kr_DescribeClientQuotasRequest_ComponentData c[4];
    for (int i = 0; i < n; i++) {
        kr_DescribeClientQuotasRequest_ComponentData_init(&c[i]);
        c[i].EntityType = kr_str_c(types[i]);
        c[i].MatchType = match_types[i];
        c[i].Match = kr_str_c(matches[i]);
    }
    req.Components = (kr_DescribeClientQuotasRequest_ComponentData_array){c, n};
    req.Strict = strict;
    return serve(f, 48, v, &req);
}

static void test_describe_client_quotas(void **state) {
    fixture *f = *state;
    for (int16_t v = 0; v <= 1; v++) {
        kr_DescribeClientQuotasResponse *r = describe_quotas(f, v, 0, NULL, NULL, NULL, false);
        assert_int_equal(r->ErrorCode, 0);
        assert_int_equal(r->Entries.n, 5);
        const char *user[] = {"user"}, *alice[] = {"alice"}, *none[] = {NULL};
        int8_t exact[] = {0}, def[] = {1}, any[] = {2};
        r = describe_quotas(f, v, 1, user, exact, alice, false);
        assert_int_equal(r->Entries.n, 2); /* user=alice, and user=alice+client-id=app */
        r = describe_quotas(f, v, 1, user, exact, alice, true);
        assert_int_equal(r->Entries.n, 1);
        assert_int_equal(r->Entries.v[0].Values.n, 2);
        assert_int_equal(r->Entries.v[0].Entity.n, 1);
        assert_true(kr_str_eq_c(r->Entries.v[0].Entity.v[0].EntityName, "alice"));
        assert_true(r->Entries.v[0].Values.v[0].Value == 1024.0);
        r = describe_quotas(f, v, 1, user, def, none, false);
        assert_int_equal(r->Entries.n, 1);
        assert_true(kr_str_is_null(r->Entries.v[0].Entity.v[0].EntityName));
        r = describe_quotas(f, v, 1, user, any, none, true);
        assert_int_equal(r->Entries.n, 2); /* alice and the default user */
        const char *two[] = {"user", "client-id"}, *names2[] = {"alice", "app"};
        int8_t ee[] = {0, 0};
        r = describe_quotas(f, v, 2, two, ee, names2, true);
        assert_int_equal(r->Entries.n, 1);
        assert_int_equal(r->Entries.v[0].Entity.n, 2);
        /* errors */
        const char *ipuser[] = {"ip", "user"}, *nn[] = {NULL, NULL};
        int8_t aa[] = {2, 2};
        r = describe_quotas(f, v, 2, ipuser, aa, nn, false);
        assert_int_equal(r->ErrorCode, KR_KERR_INVALID_REQUEST);
        assert_int_equal(r->Entries.n, -1);
        const char *bogus[] = {"group"};
        r = describe_quotas(f, v, 1, bogus, any, none, false);
        assert_int_equal(r->ErrorCode, KR_KERR_UNSUPPORTED_VERSION);
        const char *dup[] = {"user", "user"};
        r = describe_quotas(f, v, 2, dup, aa, nn, false);
        assert_int_equal(r->ErrorCode, KR_KERR_INVALID_REQUEST);
        r = describe_quotas(f, v, 1, user, exact, none, false);
        assert_int_equal(r->ErrorCode, KR_KERR_INVALID_REQUEST);
        assert_non_null(strstr(r->ErrorMessage.ptr, "MATCH_TYPE_EXACT"));
        const char *ip[] = {"ip"}, *addr[] = {"10.0.0.1"};
        r = describe_quotas(f, v, 1, ip, exact, addr, false);
        assert_int_equal(r->Entries.n, 1);
        assert_true(kr_str_eq_c(r->Entries.v[0].Values.v[0].Key, "connection_creation_rate"));
    }
}

/* ---- DescribeUserScramCredentials ------------------------------------------------- */

static void test_describe_user_scram_credentials(void **state) {
    fixture *f = *state;
    kr_DescribeUserScramCredentialsRequest req;
    kr_DescribeUserScramCredentialsRequest_init(&req);
    req.Users = (kr_DescribeUserScramCredentialsRequest_UserName_array)KR_ARRAY_NULL;
    kr_DescribeUserScramCredentialsResponse *r = serve(f, 50, 0, &req);
    assert_int_equal(r->ErrorCode, 0);
    assert_int_equal(r->Results.n, 2);
    assert_true(kr_str_eq_c(r->Results.v[0].User, "alice"));
    assert_int_equal(r->Results.v[0].CredentialInfos.n, 2);
    assert_int_equal(r->Results.v[0].CredentialInfos.v[0].Mechanism, 1);
    assert_int_equal(r->Results.v[0].CredentialInfos.v[0].Iterations, 4096);
    assert_int_equal(r->Results.v[0].CredentialInfos.v[1].Iterations, 8192);
    assert_int_equal(r->Results.v[1].CredentialInfos.n, 1);

    kr_DescribeUserScramCredentialsRequest_UserName u[3];
    const char *names[] = {"bob", "nobody", "bob"};
    for (int i = 0; i < 3; i++) {
        kr_DescribeUserScramCredentialsRequest_UserName_init(&u[i]);
        u[i].Name = kr_str_c(names[i]);
    }
    req.Users = (kr_DescribeUserScramCredentialsRequest_UserName_array){u, 3};
    r = serve(f, 50, 0, &req);
    assert_int_equal(r->Results.n, 2);
    assert_true(kr_str_eq_c(r->Results.v[0].User, "bob"));
    assert_int_equal(r->Results.v[0].ErrorCode, KR_KERR_DUPLICATE_RESOURCE);
    assert_int_equal(r->Results.v[1].ErrorCode, KR_KERR_RESOURCE_NOT_FOUND);
    assert_true(kr_str_eq_c(r->Results.v[1].ErrorMessage, "Attempt to describe a user credential that does not exist"));
    req.Users.n = 1;
    r = serve(f, 50, 0, &req);
    assert_int_equal(r->Results.v[0].ErrorCode, 0);
    assert_int_equal(r->Results.v[0].CredentialInfos.v[0].Mechanism, 2);
}

/* ---- the table ---------------------------------------------------------------------- */

static void dummy_handler(void *ctx, kr_net_request *req, void *msg) { (void)ctx, (void)req, (void)msg; }

static void test_api_table(void **state) {
    fixture *f = *state;
    int16_t prev = -1;
    for (size_t i = 0; i < kr_client_api_count; i++) {
        const kr_client_api *a = &kr_client_apis[i];
        const kr_api_info *info = kr_api_lookup(a->api_key);
        assert_non_null(info);
        assert_true(a->api_key > prev);
        prev = a->api_key;
        assert_int_equal(a->min_version, 0);
        assert_int_equal(a->max_version, info->max_version); /* both old and flexible encodings */
        assert_true((a->kind == KR_CLIENT_READ) == (a->read != NULL));
        assert_ptr_equal(kr_client_api_find(a->api_key), a);
        assert_int_not_equal(a->api_key, 18); /* the server's own */
    }
    assert_null(kr_client_api_find(1)); /* Fetch is for quorum peers */
    kr_net_api apis[KR_NET_MAX_APIS];
    size_t n = 0;
    kr_client_handlers h = {.read = dummy_handler};
    assert_int_equal(kr_client_net_apis(&h, apis, KR_NET_MAX_APIS, &n, NULL), KR_OK);
    assert_int_equal(n, 6);
    h = (kr_client_handlers){dummy_handler, NULL, dummy_handler, NULL, dummy_handler, NULL, dummy_handler, NULL};
    assert_int_equal(kr_client_net_apis(&h, apis, KR_NET_MAX_APIS, &n, NULL), KR_OK);
    assert_int_equal(n, kr_client_api_count);
    kr_error err = {0};
    assert_int_equal(kr_client_net_apis(&h, apis, 3, &n, &err), KR_ERR_INVALID);
    kr_MetadataRequest req;
    kr_MetadataRequest_init(&req);
    kr_MetadataResponse resp;
    assert_int_equal(kr_client_read(&f->ctx, &f->img, 19, &req, 0, &resp, &f->arena, &err), KR_ERR_UNSUPPORTED);
    assert_int_equal(kr_client_read(&f->ctx, &f->img, 3, &req, 13, &resp, &f->arena, &err), KR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "not advertised"));
}

static void test_api_versions_features(void **state) {
    fixture *f = *state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    test_image_apply(&f->img, &rec);
    rec.u.FeatureLevelRecord.Name = kr_str_c("group.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 1;
    test_image_apply(&f->img, &rec);
    for (int16_t v = 0; v <= 4; v++) {
        kr_ApiVersionsResponse resp;
        kr_ApiVersionsResponse_init(&resp);
        assert_int_equal(kr_client_api_versions_features(&f->img, 1234, v, &resp, &f->arena), KR_OK);
        kr_ApiVersionsResponse *d = roundtrip(18, v, false, &resp, &f->arena);
        if (v < 3) {
            assert_int_equal(d->SupportedFeatures.n, 0);
            assert_int_equal(d->FinalizedFeaturesEpoch, -1);
            continue;
        }
        assert_int_equal(d->SupportedFeatures.n, v == 3 ? 1 : 2); /* kraft.version min 0 only in v4 */
        assert_true(kr_str_eq_c(d->SupportedFeatures.v[0].Name, "metadata.version"));
        assert_int_equal(d->SupportedFeatures.v[0].MinVersion, 1);
        assert_int_equal(d->FinalizedFeaturesEpoch, 1234);
        assert_int_equal(d->FinalizedFeatures.n, 2);
        assert_int_equal(d->FinalizedFeatures.v[0].MaxVersionLevel, 21);
        assert_true(kr_str_eq_c(d->FinalizedFeatures.v[1].Name, "group.version"));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_metadata_all_topics_every_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_named_and_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_brokers_only_and_librdkafka_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_topic_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_authorized_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_unknown_leader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_configs_topic_every_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_configs_topic_defaults_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_configs_broker_default_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_acls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_client_quotas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_user_scram_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_versions_features, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
