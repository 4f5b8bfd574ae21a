/* Znode decoding (spec zk-layout.md §2, migration.md §10): every JSON version, every defect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "zkread/model.h"
#include "zkread/text.h"

typedef struct ctx {
    zr_model m;
    zr_findings f;
} ctx;

static void add(ctx *c, const char *path, const char *json, int32_t version) {
    zr_stat st = {.version = version, .czxid = 42, .mzxid = 43};
    assert_true(zr_model_add_znode(&c->m, path, (const uint8_t *)json,
                                   json ? (int32_t)strlen(json) : 0, &st, &c->f));
}

static void start(ctx *c, bool lenient) {
    zr_model_init(&c->m);
    memset(&c->f, 0, sizeof c->f);
    c->f.lenient = lenient;
}

static void stop(ctx *c) {
    zr_model_free(&c->m);
    zr_findings_free(&c->f);
}

static void dump_findings(const zr_findings *f) {
    for (size_t i = 0; i < f->n; i++)
        fprintf(stderr, "  finding: %s %s: %s\n", f->v[i].severity == ZR_SEV_ERROR ? "error" : "warning",
                f->v[i].path, f->v[i].message);
}

static void expect_clean(const ctx *c) {
    if (c->f.n) dump_findings(&c->f);
    assert_int_equal(c->f.n, 0);
}

/* Exactly one finding, with this severity, path and message fragment. */
static void expect_one(const ctx *c, enum zr_severity sev, const char *path, const char *fragment) {
    if (c->f.n != 1 || c->f.v[0].severity != sev || strcmp(c->f.v[0].path, path) ||
        !strstr(c->f.v[0].message, fragment)) {
        fprintf(stderr, "want one %s at %s containing \"%s\"; got:\n",
                sev == ZR_SEV_ERROR ? "error" : "warning", path, fragment);
        dump_findings(&c->f);
        fail();
    }
}

/* ---- text helpers -------------------------------------------------------- */

static void test_desanitize(void **state) {
    (void)state;
    struct { const char *in, *out; } ok[] = {
        {"alice%40example.com", "alice@example.com"}, {"CN%3Dsvc%2COU%3Dkafka", "CN=svc,OU=kafka"},
        {"app%2F1", "app/1"}, {"svc%20user", "svc user"}, {"svc+user", "svc user"},
        {"2001%3Adb8%3A%3A1", "2001:db8::1"}, {"2001:db8::1", "2001:db8::1"}, {"10.0.0.5", "10.0.0.5"},
        {"%2A", "*"}, {"caf%C3%A9", "caf\xc3\xa9"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *why = NULL;
        char *s = zr_desanitize(ok[i].in, &why);
        assert_non_null(s);
        assert_string_equal(s, ok[i].out);
        free(s);
        /* Kafka's sanitize inverts it (except raw names written by old tools). */
        char *back = zr_sanitize(ok[i].out);
        char *again = zr_desanitize(back, &why);
        assert_string_equal(again, ok[i].out);
        free(back);
        free(again);
    }
    const char *bad[] = {"%", "%4", "%zz", "abc%2", "%C3", "%FF%FE"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_null(zr_desanitize(bad[i], &why));
        assert_non_null(why);
    }
    char *s = zr_sanitize("a b*~@");
    assert_string_equal(s, "a%20b%2A%7E%40");
    free(s);
}

static void test_base64(void **state) {
    (void)state;
    const char *vec[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                            {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < 7; i++) {
        char *e = zr_base64_encode((const uint8_t *)vec[i][0], strlen(vec[i][0]));
        assert_string_equal(e, vec[i][1]);
        free(e);
        uint8_t *d;
        size_t n;
        assert_true(zr_base64_decode(vec[i][1], strlen(vec[i][1]), false, false, &d, &n));
        assert_int_equal(n, strlen(vec[i][0]));
        assert_memory_equal(d, vec[i][0], n);
        free(d);
    }
    const char *bad[] = {"Zg=", "Zg===", "Z", "Zm9v!", "Zh==", "Zg==Zg==", "Zm8=x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *d;
        size_t n;
        assert_false(zr_base64_decode(bad[i], strlen(bad[i]), false, false, &d, &n));
    }
    uint8_t id[16];
    assert_true(zr_uuid_from_text("kP6x3wKTQ8SR4Jr0L7dzvg", id));
    assert_false(zr_uuid_from_text("kP6x3wKTQ8SR4Jr0L7dzv", id));
    assert_false(zr_uuid_from_text("kP6x3wKTQ8SR4Jr0L7dzv+", id));
    int64_t v;
    assert_true(zr_parse_i64("-12", &v));
    assert_int_equal(v, -12);
    assert_false(zr_parse_i64("12a", &v));
    assert_false(zr_parse_i64("", &v));
    assert_false(zr_parse_i64("-", &v));
    assert_false(zr_parse_i64("99999999999999999999", &v));
    int32_t w;
    assert_false(zr_parse_i32("2147483648", &w));
}

/* ---- cluster, controller, epochs ---------------------------------------- */

static void test_cluster_and_controller(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/cluster/id", "{\"version\":\"1\",\"id\":\"wR3Zq1xAQp2Qm5b8Kc0y_A\"}", 0);
    add(&c, "/controller", "{\"version\":1,\"brokerid\":1,\"timestamp\":\"1716212345678\"}", 0);
    add(&c, "/controller_epoch", "17", 17);
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_string_equal(c.m.cluster_id, "wR3Zq1xAQp2Qm5b8Kc0y_A");
    assert_true(c.m.has_controller);
    assert_int_equal(c.m.controller_id, 1);
    assert_int_equal(c.m.kraft_controller_epoch, -1);
    assert_int_equal(c.m.controller_timestamp_ms, 1716212345678LL);
    assert_int_equal(c.m.controller_epoch, 17);
    assert_int_equal(c.m.controller_epoch_zk_version, 17);
    stop(&c);

    start(&c, false);
    add(&c, "/controller", "{\"version\":2,\"brokerid\":3000,\"timestamp\":\"1716299999000\",\"kraftControllerEpoch\":7}", 0);
    expect_clean(&c);
    assert_int_equal(c.m.controller_id, 3000);
    assert_int_equal(c.m.kraft_controller_epoch, 7);
    assert_int_equal(c.m.controller_version, 2);
    stop(&c);
}

static void test_feature_and_migration(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/feature", "{\"features\":{},\"version\":2,\"status\":1}", 3);
    add(&c, "/migration", "{\"version\":0,\"kraft_controller_id\":3000,\"kraft_controller_epoch\":7,"
        "\"kraft_metadata_offset\":184227,\"kraft_metadata_epoch\":7}", 5);
    expect_clean(&c);
    assert_true(c.m.has_feature);
    assert_int_equal(c.m.feature_version, 2);
    assert_int_equal(c.m.feature_status, 1);
    assert_int_equal(c.m.feature_zk_version, 3);
    assert_true(c.m.has_migration);
    assert_int_equal(c.m.migration_metadata_offset, 184227);
    assert_int_equal(c.m.migration_zk_version, 5);
    stop(&c);

    start(&c, false);
    add(&c, "/feature", "{\"features\":{\"x\":{\"min_version_level\":1,\"max_version_level\":3}},\"version\":1,\"status\":1}", 0);
    expect_clean(&c);
    assert_int_equal(c.m.n_features, 1);
    assert_int_equal(c.m.features[0].min_level, 1);
    assert_int_equal(c.m.features[0].max_level, 3);
    stop(&c);

    start(&c, true); /* lenient changes nothing here: Kafka throws */
    add(&c, "/migration", "{\"version\":1,\"kraft_controller_id\":-1,\"kraft_controller_epoch\":-1,"
        "\"kraft_metadata_offset\":-1,\"kraft_metadata_epoch\":-1}", 0);
    expect_one(&c, ZR_SEV_ERROR, "/migration", "JSON version 1 is not 0");
    assert_false(c.m.has_migration);
    stop(&c);
}

static void test_producer_id_block(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/latest_producer_id_block", "{\"version\":1,\"broker\":2,\"block_start\":\"4000\",\"block_end\":\"4999\"}", 4);
    expect_clean(&c);
    assert_true(c.m.has_producer_id_block);
    assert_int_equal(c.m.producer_id_broker, 2);
    assert_int_equal(c.m.producer_id_block_end, 4999);
    stop(&c);

    start(&c, false);
    add(&c, "/latest_producer_id_block", NULL, 0); /* null data: normal before first allocation */
    add(&c, "/brokers/seqid", "", 3);
    expect_clean(&c);
    assert_false(c.m.has_producer_id_block);
    stop(&c);

    start(&c, true);
    add(&c, "/latest_producer_id_block", "{\"version\":1,\"broker\":2,\"block_start\":4000,\"block_end\":\"4999\"}", 0);
    expect_one(&c, ZR_SEV_ERROR, "/latest_producer_id_block", "\"block_start\" is an integer, expected a string");
    stop(&c);

    start(&c, true);
    add(&c, "/latest_producer_id_block", "{\"version\":1,", 0);
    expect_one(&c, ZR_SEV_ERROR, "/latest_producer_id_block", "Kafka 3.9 aborts");
    stop(&c);
}

/* ---- brokers ------------------------------------------------------------- */

static void test_brokers_all_versions(void **state) {
    (void)state;
    const char *v[] = {
        "{\"version\":1,\"host\":\"kafka-0\",\"port\":9092,\"jmx_port\":-1,\"timestamp\":\"1400000000000\"}",
        "{\"version\":2,\"host\":\"kafka-0\",\"port\":9092,\"jmx_port\":-1,\"timestamp\":\"1450000000000\",\"endpoints\":[\"PLAINTEXT://kafka-0:9092\",\"SSL://kafka-0:9093\"]}",
        "{\"version\":3,\"host\":\"kafka-0\",\"port\":9092,\"jmx_port\":-1,\"timestamp\":\"1470000000000\",\"endpoints\":[\"PLAINTEXT://kafka-0:9092\"],\"rack\":\"eu-west-1a\"}",
        "{\"listener_security_protocol_map\":{\"INTERNAL\":\"SASL_SSL\",\"EXTERNAL\":\"SSL\"},\"endpoints\":[\"INTERNAL://kafka-0.int:9094\",\"EXTERNAL://kafka-0.example.com:9093\"],\"rack\":\"eu-west-1a\",\"jmx_port\":9999,\"host\":null,\"timestamp\":\"1589000000000\",\"port\":-1,\"version\":4}",
        "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\",\"SSL\":\"SSL\"},\"endpoints\":[\"PLAINTEXT://kafka-0:9092\",\"SSL://kafka-0:9093\"],\"rack\":\"eu-west-1a\",\"jmx_port\":9999,\"port\":9092,\"host\":\"kafka-0\",\"version\":5,\"timestamp\":\"1716212345678\"}",
    };
    for (int i = 0; i < 5; i++) {
        ctx c;
        start(&c, false);
        char path[32];
        snprintf(path, sizeof path, "/brokers/ids/%d", i + 1);
        add(&c, path, v[i], 0);
        expect_clean(&c);
        assert_int_equal(c.m.n_brokers, 1);
        zr_broker *b = &c.m.brokers[0];
        assert_int_equal(b->id, i + 1);
        assert_int_equal(b->version, i + 1);
        assert_int_equal(b->epoch, 42);
        assert_int_equal(b->n_endpoints, i == 0 ? 0 : i == 2 ? 1 : 2);
        if (i == 3) {
            assert_null(b->host);
            assert_int_equal(b->listener_protocols.n, 2);
            assert_int_equal(b->port, -1);
        }
        if (i >= 2) assert_string_equal(b->rack, "eu-west-1a");
        stop(&c);
    }
    ctx c;
    start(&c, true);
    add(&c, "/brokers/ids/abc", "{\"version\":5}", 0);
    expect_one(&c, ZR_SEV_ERROR, "/brokers/ids/abc", "not a non-negative integer");
    stop(&c);
    start(&c, false);
    add(&c, "/brokers/ids/3", "garbage", 0);
    expect_one(&c, ZR_SEV_WARNING, "/brokers/ids/3", "not migrated");
    assert_int_equal(c.m.n_brokers, 1); /* the id still counts */
    stop(&c);
}

/* ---- topics and partitions ------------------------------------------------ */

static const char *STATE = "{\"controller_epoch\":17,\"leader\":1,\"version\":1,\"leader_epoch\":12,\"isr\":[1,2,0]}";

static void test_topic_v1_v2_v3(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/brokers/topics/a", "{\"version\":1,\"partitions\":{\"0\":[1,2],\"1\":[2,0],\"2\":[0,1]}}", 0);
    add(&c, "/brokers/topics/b", "{\"version\":2,\"partitions\":{\"0\":[1,2,0],\"1\":[2,0,1]},\"adding_replicas\":{},\"removing_replicas\":{}}", 0);
    add(&c, "/brokers/topics/c", "{\"removing_replicas\":{\"0\":[0]},\"partitions\":{\"0\":[3,1,2,0],\"1\":[2,0,1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\",\"adding_replicas\":{\"0\":[3]},\"version\":3}", 0);
    add(&c, "/brokers/topics/d", "{\"partitions\":{\"0\":[1,2,0]},\"adding_replicas\":{},\"removing_replicas\":{},\"version\":3}", 0);
    const char *parts[][2] = {{"a", "0"}, {"a", "1"}, {"a", "2"}, {"b", "0"}, {"b", "1"}, {"c", "0"}, {"c", "1"}, {"d", "0"}};
    for (size_t i = 0; i < 8; i++) {
        char path[128];
        snprintf(path, sizeof path, "/brokers/topics/%s/partitions/%s/state", parts[i][0], parts[i][1]);
        add(&c, path, STATE, (int32_t)i + 5);
    }
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_int_equal(c.m.n_topics, 4);
    zr_topic *a = zr_model_topic(&c.m, "a");
    assert_false(a->has_id);
    assert_int_equal(a->n_partitions, 3);
    assert_int_equal(a->partitions[2].id, 2);
    assert_int_equal(a->partitions[2].replicas.v[0], 0);
    assert_int_equal(a->partitions[2].state.partition_epoch, 7);
    assert_int_equal(a->partitions[2].state.leader_epoch, 12);
    assert_int_equal(a->partitions[2].state.isr.n, 3);
    zr_topic *t = zr_model_topic(&c.m, "c");
    assert_true(t->has_id);
    assert_string_equal(t->id_text, "kP6x3wKTQ8SR4Jr0L7dzvg");
    assert_int_equal(t->partitions[0].adding.n, 1);
    assert_int_equal(t->partitions[0].adding.v[0], 3);
    assert_int_equal(t->partitions[0].removing.v[0], 0);
    assert_int_equal(t->partitions[1].adding.n, 0);
    assert_false(zr_model_topic(&c.m, "d")->has_id); /* v3 without an id */
    zr_counts n;
    zr_model_counts(&c.m, &n);
    assert_int_equal(n.topics, 4);
    assert_int_equal(n.partitions, 8);
    assert_int_equal(n.reassignments, 1);
    stop(&c);
}

static void test_state_optional_fields(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[1,2],\"1\":[2,1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
    add(&c, "/brokers/topics/t/partitions/0/state", "{\"controller_epoch\":21,\"leader\":-1,\"version\":1,\"leader_epoch\":9,\"isr\":[2]}", 3);
    add(&c, "/brokers/topics/t/partitions/1/state", "{\"controller_epoch\":22,\"leader\":2,\"version\":1,\"leader_epoch\":10,\"isr\":[],\"leader_recovery_state\":1}", 0);
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c); /* offline leader, empty ISR: copied verbatim, like Kafka */
    zr_topic *t = zr_model_topic(&c.m, "t");
    assert_int_equal(t->partitions[0].state.leader, -1);
    assert_int_equal(t->partitions[1].state.leader_recovery_state, 1);
    assert_int_equal(t->partitions[1].state.isr.n, 0);
    zr_counts n;
    zr_model_counts(&c.m, &n);
    assert_int_equal(n.offline_partitions, 1);
    stop(&c);
}

static void test_state_missing_strict_and_lenient(void **state) {
    (void)state;
    for (int lenient = 0; lenient < 2; lenient++) {
        ctx c;
        start(&c, lenient);
        add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[3,1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
        zr_model_finish(&c.m, &c.f);
        expect_one(&c, lenient ? ZR_SEV_WARNING : ZR_SEV_ERROR, "/brokers/topics/t/partitions/0/state",
                   "missing; Kafka 3.9 substitutes leader = 3");
        zr_partition *p = &zr_model_topic(&c.m, "t")->partitions[0];
        assert_true(p->synthesized);
        assert_int_equal(p->state.leader, 3);
        assert_int_equal(p->state.isr.n, 2);
        assert_int_equal(p->state.partition_epoch, 0);
        stop(&c);
    }
}

static void test_state_unparsable_strict_and_lenient(void **state) {
    (void)state;
    for (int lenient = 0; lenient < 2; lenient++) {
        ctx c;
        start(&c, lenient);
        add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[3,1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
        add(&c, "/brokers/topics/t/partitions/0/state", "{\"leader\":", 9);
        zr_model_finish(&c.m, &c.f);
        expect_one(&c, lenient ? ZR_SEV_WARNING : ZR_SEV_ERROR, "/brokers/topics/t/partitions/0/state",
                   "not valid JSON");
        assert_true(zr_model_topic(&c.m, "t")->partitions[0].synthesized);
        stop(&c);
    }
}

static void test_state_defects(void **state) {
    (void)state;
    struct { const char *json; int lenient; enum zr_severity sev; const char *msg; } cases[] = {
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":2,\"leader_epoch\":1,\"isr\":[1]}", 0, ZR_SEV_ERROR, "unknown JSON version 2"},
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":2,\"leader_epoch\":1,\"isr\":[1]}", 1, ZR_SEV_WARNING, "unknown JSON version 2"},
        {"{\"controller_epoch\":1,\"version\":1,\"leader_epoch\":1,\"isr\":[1]}", 1, ZR_SEV_ERROR, "\"leader\" is missing"},
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"isr\":[1]}", 1, ZR_SEV_ERROR, "\"leader_epoch\" is missing"},
        {"{\"leader\":1,\"version\":1,\"leader_epoch\":1,\"isr\":[1]}", 1, ZR_SEV_ERROR, "\"controller_epoch\" is missing"},
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":1}", 1, ZR_SEV_ERROR, "\"isr\" is missing"},
        {"{\"controller_epoch\":1,\"leader\":\"1\",\"version\":1,\"leader_epoch\":1,\"isr\":[1]}", 0, ZR_SEV_ERROR, "\"leader\" is a string"},
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":1,\"isr\":[1,\"2\"]}", 0, ZR_SEV_ERROR, "isr[1] is a string"},
        {"{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":1,\"isr\":[1],\"leader_recovery_state\":2}", 0, ZR_SEV_ERROR, "leader_recovery_state\" = 2 is out of range"},
        {"{\"controller_epoch\":1,\"leader\":4294967296,\"version\":1,\"leader_epoch\":1,\"isr\":[1]}", 0, ZR_SEV_ERROR, "out of range"},
        {"[1,2]", 0, ZR_SEV_ERROR, "JSON is not an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ctx c;
        start(&c, cases[i].lenient);
        add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
        add(&c, "/brokers/topics/t/partitions/0/state", cases[i].json, 0);
        expect_one(&c, cases[i].sev, "/brokers/topics/t/partitions/0/state", cases[i].msg);
        stop(&c);
    }
}

static void test_topic_defects(void **state) {
    (void)state;
    struct { const char *json; enum zr_severity sev; const char *msg; } cases[] = {
        {"not json", ZR_SEV_ERROR, "aborts the migration"},
        {NULL, ZR_SEV_ERROR, "topic znode has no data"},
        {"{\"version\":3}", ZR_SEV_ERROR, "\"partitions\" is missing"},
        {"{\"version\":3,\"partitions\":[]}", ZR_SEV_ERROR, "\"partitions\" is an array"},
        {"{\"version\":3,\"partitions\":{\"x\":[1]}}", ZR_SEV_ERROR, "partition key \"x\""},
        {"{\"version\":3,\"partitions\":{\"-1\":[1]}}", ZR_SEV_ERROR, "partition key \"-1\""},
        {"{\"version\":3,\"partitions\":{\"01\":[1]}}", ZR_SEV_ERROR, "partition key \"01\""},
        {"{\"version\":3,\"partitions\":{\"0\":[1.5]}}", ZR_SEV_ERROR, "partitions[\"0\"][0] is a real number"},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"short\"}", ZR_SEV_ERROR, "topic_id \"short\""},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":7}", ZR_SEV_ERROR, "topic_id an integer"},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"AAAAAAAAAAAAAAAAAAAAAA\"}", ZR_SEV_ERROR, "reserved id"},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"AAAAAAAAAAAAAAAAAAAAAQ\"}", ZR_SEV_ERROR, "reserved id"},
        {"{\"version\":4,\"partitions\":{\"0\":[1]}}", ZR_SEV_ERROR, "unknown JSON version 4"},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"adding_replicas\":[]}", ZR_SEV_ERROR, "\"adding_replicas\" is an array"},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"adding_replicas\":{\"5\":[1]}}", ZR_SEV_WARNING, "not in \"partitions\""},
        {"{\"version\":3,\"partitions\":{\"0\":[1]},\"removing_replicas\":{\"0\":[9]}}", ZR_SEV_WARNING, "not in the replica set"},
        {"{\"version\":3,\"partitions\":{\"0\":[1,1]}}", ZR_SEV_WARNING, "lists a replica twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ctx c;
        start(&c, false);
        add(&c, "/brokers/topics/t", cases[i].json, 0);
        expect_one(&c, cases[i].sev, "/brokers/topics/t", cases[i].msg);
        stop(&c);
    }
}

static void test_empty_replicas_without_state_aborts(void **state) {
    (void)state;
    ctx c;
    start(&c, true);
    add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
    zr_model_finish(&c.m, &c.f);
    assert_int_equal(c.f.errors, 1);
    assert_int_equal(c.f.warnings, 1); /* empty replica set */
    stop(&c);
}

static void test_stray_state_and_pending_deletion(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/brokers/topics/t", "{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}", 0);
    add(&c, "/brokers/topics/t/partitions/0/state", STATE, 1);
    add(&c, "/brokers/topics/t/partitions/7/state", STATE, 1);
    add(&c, "/brokers/topics/gone", "{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"Qm3xJ0m2Te6VqgkP8y3f0w\"}", 0);
    add(&c, "/brokers/topics/gone/partitions/0/state", STATE, 0);
    add(&c, "/admin/delete_topics/gone", NULL, 0);
    add(&c, "/admin/delete_topics/already-deleted", NULL, 0);
    zr_model_finish(&c.m, &c.f);
    expect_one(&c, ZR_SEV_WARNING, "/brokers/topics/t/partitions/7/state", "not in the topic's assignment");
    assert_true(zr_model_topic(&c.m, "gone")->pending_deletion);
    zr_counts n;
    zr_model_counts(&c.m, &n);
    assert_int_equal(n.topics, 1);
    assert_int_equal(n.pending_deletions, 2);
    stop(&c);
}

/* ---- configs, quotas, SCRAM ----------------------------------------------- */

#define SCRAM256 "salt=MWtxOXhlcmZ0dHBjaWx5eW9yNG9qMmFneA==,stored_key=RIl8hNqRKBnCFzlj4xUZ2wSY4TRHhRRkAbHkNeJrn3M=,server_key=5tRCbDUTtUp3ZcP3kcUaR3ijSzDvQhX9NlWhDwnuyAQ=,iterations=4096"

static void test_configs_every_entity(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/config/topics/orders", "{\"version\":1,\"config\":{\"retention.ms\":\"604800000\",\"cleanup.policy\":\"delete\"}}", 0);
    add(&c, "/config/brokers/<default>", "{\"version\":1,\"config\":{\"log.cleaner.threads\":\"2\"}}", 0);
    add(&c, "/config/brokers/1", "{\"version\":1,\"config\":{\"listener.name.internal.ssl.keystore.password\":\"keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,salt:Zm9v,iterations:4096,encryptedPassword:q1x0c2sdA9Cv2W5y1XvN0w==,passwordLength:12,initializationVector:5nNq0bXc5cZ0w0HqvJ8r9A==\"}}", 0);
    add(&c, "/config/users/alice%40example.com", "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"" SCRAM256 "\",\"producer_byte_rate\":\"1048576\"}}", 0);
    add(&c, "/config/users/<default>", "{\"version\":1,\"config\":{\"consumer_byte_rate\":\"2097152\"}}", 0);
    add(&c, "/config/users/CN%3Dsvc%2COU%3Dkafka", NULL, 0);
    add(&c, "/config/users/CN%3Dsvc%2COU%3Dkafka/clients", NULL, 0);
    add(&c, "/config/users/CN%3Dsvc%2COU%3Dkafka/clients/app%2F1", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"524288\"}}", 0);
    add(&c, "/config/users/<default>/clients/<default>", "{\"version\":1,\"config\":{\"request_percentage\":\"25.5\"}}", 0);
    add(&c, "/config/clients/svc%20user", "{\"version\":1,\"config\":{\"controller_mutation_rate\":\"10\"}}", 0);
    add(&c, "/config/ips/2001%3Adb8%3A%3A1", "{\"version\":1,\"config\":{\"connection_creation_rate\":\"20\"}}", 0);
    add(&c, "/config/ips/10.0.0.5", "{\"version\":1,\"config\":{\"connection_creation_rate\":\"5\"}}", 0);
    add(&c, "/config/changes/config_change_0000000042", "{\"version\":2,\"entity_path\":\"users/alice/clients/app-1\"}", 0);
    add(&c, "/config/changes/config_change_0000000001", "{\"version\":1,\"entity_type\":\"topics\",\"entity_name\":\"orders\"}", 0);
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_int_equal(c.m.n_configs, 11);
    const zr_config_entity *e = &c.m.configs[3];
    assert_int_equal(e->type, ZR_ENTITY_USER);
    assert_string_equal(e->name, "alice@example.com");
    assert_true(c.m.configs[4].is_default);
    assert_null(c.m.configs[4].name);
    assert_string_equal(c.m.configs[5].name, "CN=svc,OU=kafka");
    assert_int_equal(c.m.configs[5].config.n, 0);
    assert_int_equal(c.m.configs[6].type, ZR_ENTITY_USER_CLIENT);
    assert_string_equal(c.m.configs[6].client, "app/1");
    assert_true(c.m.configs[7].is_default && c.m.configs[7].client_is_default);
    assert_string_equal(c.m.configs[8].name, "svc user");
    assert_string_equal(c.m.configs[9].name, "2001:db8::1");
    assert_string_equal(c.m.configs[10].name, "10.0.0.5");
    assert_int_equal(c.m.n_scram, 1);
    assert_string_equal(c.m.scram[0].user, "alice@example.com");
    assert_int_equal(c.m.scram[0].mechanism, ZR_SCRAM_SHA_256);
    assert_int_equal(c.m.scram[0].stored_key_len, 32);
    assert_int_equal(c.m.scram[0].iterations, 4096);
    assert_int_equal(c.m.n_config_changes, 2);
    assert_string_equal(c.m.config_changes[1].entity_path, "topics/orders");
    zr_counts n;
    zr_model_counts(&c.m, &n);
    assert_int_equal(n.configs, 4);
    assert_int_equal(n.quotas, 7);
    assert_int_equal(n.scram_users, 1);
    stop(&c);
}

static void test_config_defects(void **state) {
    (void)state;
    struct { const char *path, *json; int lenient; enum zr_severity sev; const char *msg; } cases[] = {
        {"/config/topics/t", "{\"version\":1,\"config\":", 0, ZR_SEV_ERROR, "silently dropped"},
        {"/config/topics/t", "{\"version\":1,\"config\":", 1, ZR_SEV_WARNING, "silently dropped"},
        {"/config/topics/t", "{\"version\":1}", 0, ZR_SEV_ERROR, "\"config\" is missing"},
        {"/config/topics/t", "{\"version\":1,\"config\":{\"a\":1}}", 1, ZR_SEV_ERROR, "\"a\" is an integer, expected a string"},
        {"/config/topics/t", "{\"version\":2,\"config\":{}}", 0, ZR_SEV_ERROR, "unknown JSON version 2"},
        {"/config/brokers/b1", "{\"version\":1,\"config\":{}}", 1, ZR_SEV_ERROR, "neither <default> nor a broker id"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"fast\"}}", 1, ZR_SEV_ERROR, "is not a number"},
        {"/config/clients/c", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"\"}}", 1, ZR_SEV_ERROR, "is not a number"},
        {"/config/ips/1.2.3.4", "{\"version\":1,\"config\":{\"connection_creation_rate\":\"0x10\"}}", 1, ZR_SEV_ERROR, "is not a number"},
        {"/config/users/b%zz", "{\"version\":1,\"config\":{}}", 1, ZR_SEV_ERROR, "cannot be desanitized"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=abc\"}}", 1, ZR_SEV_ERROR, "exactly the keys"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=MQ==,stored_key=MQ==,server_key=MQ==,iterations=4096,extra=1\"}}", 1, ZR_SEV_ERROR, "exactly the keys"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-512\":\"salt=MQ==,stored_key=!!,server_key=MQ==,iterations=4096\"}}", 1, ZR_SEV_ERROR, "stored_key is not valid base64"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-512\":\"salt=MQ==,stored_key=MQ==,server_key=MQ==,iterations=x\"}}", 1, ZR_SEV_ERROR, "iterations is not valid decimal"},
        {"/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=MQ==,stored_key=MQ==,server_key=MQ==,iterations=4096\"}}", 1, ZR_SEV_ERROR, "expected 32"},
        {"/config/users/u/clients/c/x", "{}", 0, ZR_SEV_WARNING, "not a config entity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ctx c;
        start(&c, cases[i].lenient);
        add(&c, cases[i].path, cases[i].json, 0);
        expect_one(&c, cases[i].sev, cases[i].path, cases[i].msg);
        stop(&c);
    }
}

/* ---- ACLs ---------------------------------------------------------------- */

static void test_acls(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/kafka-acl/Topic", NULL, 0);
    add(&c, "/kafka-acl/Topic/orders", "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":\"User:bob\",\"permissionType\":\"ALLOW\",\"operation\":\"IDEMPOTENTWRITE\",\"host\":\"10.0.0.7\"}]}", 0);
    add(&c, "/kafka-acl/Cluster/kafka-cluster", "{\"version\":1,\"acls\":[]}", 0);
    add(&c, "/kafka-acl-extended/prefixed/Group/app-", "{\"version\":1,\"acls\":[{\"principal\":\"User:*\",\"permissionType\":\"Deny\",\"operation\":\"Read\",\"host\":\"192.168.1.10\"}]}", 0);
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_int_equal(c.m.n_acls, 3);
    assert_int_equal(c.m.acls[0].type, ZR_RES_TOPIC);
    assert_int_equal(c.m.acls[0].pattern, ZR_PATTERN_LITERAL);
    assert_int_equal(c.m.acls[0].entries[0].operation, 3);
    assert_int_equal(c.m.acls[0].entries[0].permission, 3);
    assert_int_equal(c.m.acls[0].entries[1].operation, 12);
    assert_int_equal(c.m.acls[2].pattern, ZR_PATTERN_PREFIXED);
    assert_int_equal(c.m.acls[2].type, ZR_RES_GROUP);
    assert_int_equal(c.m.acls[2].entries[0].permission, 2);
    zr_counts n;
    zr_model_counts(&c.m, &n);
    assert_int_equal(n.acls, 3);
    stop(&c);
}

static void test_acl_defects(void **state) {
    (void)state;
    struct { const char *path, *json; int lenient; enum zr_severity sev; const char *msg; } cases[] = {
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[", 0, ZR_SEV_ERROR, "treats it as no ACLs"},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[", 1, ZR_SEV_WARNING, "treats it as no ACLs"},
        {"/kafka-acl/Topic/t", "{\"version\":2,\"acls\":[]}", 1, ZR_SEV_ERROR, "ACL JSON version 2 is not 1"},
        {"/kafka-acl/Topic/t", "{\"acls\":[]}", 1, ZR_SEV_ERROR, "\"version\" is missing"},
        {"/kafka-acl/Topic/t", "{\"version\":1}", 1, ZR_SEV_ERROR, "\"acls\" is missing"},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"principal\":\"alice\",\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"}]}", 1, ZR_SEV_ERROR, "not <type>:<name>"},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"}]}", 1, ZR_SEV_ERROR, "\"principal\" is missing"},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\",\"operation\":\"IDEMPOTENT_WRITE\",\"host\":\"*\"}]}", 0, ZR_SEV_ERROR, "unknown operation \"IDEMPOTENT_WRITE\""},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"allow\",\"operation\":\"Read\",\"host\":\"*\"}]}", 1, ZR_SEV_WARNING, "unknown permission type \"allow\""},
        {"/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"},{\"host\":\"*\",\"principal\":\"User:a\",\"permissionType\":\"Allow\",\"operation\":\"Read\"}]}", 0, ZR_SEV_WARNING, "duplicates an earlier entry"},
        {"/kafka-acl/Widget/w", "{\"version\":1,\"acls\":[]}", 0, ZR_SEV_ERROR, "unknown ACL resource type \"Widget\""},
        {"/kafka-acl-extended/prefixed/Widget/w", NULL, 1, ZR_SEV_WARNING, "unknown ACL resource type"},
        {"/kafka-acl-extended/match/Topic/t", NULL, 0, ZR_SEV_ERROR, "unknown ACL pattern type \"match\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ctx c;
        start(&c, cases[i].lenient);
        add(&c, cases[i].path, cases[i].json, 0);
        expect_one(&c, cases[i].sev, cases[i].path, cases[i].msg);
        stop(&c);
    }
}

/* ---- tokens, admin requests, notifications -------------------------------- */

static void test_tokens(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/delegation_token/tokens/kLvKzq3QT5S3fDqbPp0c5A", "{\"version\":1,\"owner\":\"User%3Aalice\",\"renewers\":[\"User%3Abob\"],\"issueTimestamp\":1600000000000,\"maxTimestamp\":1600604800000,\"expiryTimestamp\":1600086400000,\"tokenId\":\"kLvKzq3QT5S3fDqbPp0c5A\"}", 0);
    add(&c, "/delegation_token/tokens/Qm3xJ0m2Te6VqgkP8y3f0w", "{\"version\":3,\"owner\":\"User%3Aalice\",\"tokenRequester\":\"User%3Aadmin\",\"renewers\":[\"User%3Abob\",\"User%3Acarol\"],\"issueTimestamp\":1716200000000,\"maxTimestamp\":1716804800000,\"expiryTimestamp\":1716286400000,\"tokenId\":\"Qm3xJ0m2Te6VqgkP8y3f0w\"}", 0);
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_int_equal(c.m.n_tokens, 2);
    assert_string_equal(c.m.tokens[0].owner, "User:alice");
    assert_string_equal(c.m.tokens[0].requester, "User:alice");
    assert_string_equal(c.m.tokens[1].requester, "User:admin");
    assert_int_equal(c.m.tokens[1].n_renewers, 2);
    assert_string_equal(c.m.tokens[1].renewers[1], "User:carol");
    assert_int_equal(c.m.tokens[0].expiry_ms, 1600086400000LL);
    stop(&c);

    struct { const char *json; int lenient; enum zr_severity sev; const char *msg; } cases[] = {
        {"{", 0, ZR_SEV_ERROR, "silently skips the token"},
        {"{", 1, ZR_SEV_WARNING, "silently skips the token"},
        {"{\"version\":4,\"owner\":\"User%3Aa\"}", 1, ZR_SEV_ERROR, "outside 1..3"},
        {"{\"version\":1,\"renewers\":[],\"issueTimestamp\":1,\"maxTimestamp\":1,\"expiryTimestamp\":1,\"tokenId\":\"x\"}", 0, ZR_SEV_ERROR, "\"owner\" is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&c, cases[i].lenient);
        add(&c, "/delegation_token/tokens/x", cases[i].json, 0);
        expect_one(&c, cases[i].sev, "/delegation_token/tokens/x", cases[i].msg);
        assert_int_equal(c.m.n_tokens, 0);
        stop(&c);
    }
}

static void test_admin_and_notifications(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    add(&c, "/admin/reassign_partitions", "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0,\"replicas\":[3,4,5]}]}", 0);
    add(&c, "/admin/preferred_replica_election", "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0}]}", 0);
    add(&c, "/isr_change_notification/isr_change_0000000001", "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0}]}", 0);
    add(&c, "/log_dir_event_notification/log_dir_event_0000000003", "{\"version\":1,\"broker\":2,\"event\":1}", 0);
    add(&c, "/consumers/g/offsets/t/0", "17", 0); /* not read: ignored */
    zr_model_finish(&c.m, &c.f);
    expect_clean(&c);
    assert_true(c.m.has_reassign_request);
    assert_int_equal(c.m.reassign_requests[0].replicas.n, 3);
    assert_int_equal(c.m.n_preferred_elections, 1);
    assert_int_equal(c.m.n_isr_changes, 1);
    assert_string_equal(c.m.isr_changes[0].partitions[0].topic, "orders");
    assert_int_equal(c.m.log_dir_events[0].broker, 2);
    stop(&c);

    start(&c, false);
    add(&c, "/admin/reassign_partitions", "{\"version\":1,\"partitions\":{}}", 0);
    expect_one(&c, ZR_SEV_WARNING, "/admin/reassign_partitions", "\"partitions\" is an object");
    stop(&c);
}

static void test_hostile_paths_and_bytes(void **state) {
    (void)state;
    ctx c;
    start(&c, false);
    const char *paths[] = {"", "x", "//", "/brokers//topics", "/a/b/c/d/e/f/g/h/i/j", "/brokers/topics/t/partitions/0/state/x"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) add(&c, paths[i], "{}", 0);
    static const uint8_t nul[] = {'{', 0, '}'};
    zr_stat st = {0};
    zr_model_add_znode(&c.m, "/controller", nul, 3, &st, &c.f);
    zr_model_add_znode(&c.m, "/controller_epoch", (const uint8_t *)"12345678901234567890123456789012345", 35, &st, &c.f);
    assert_int_equal(c.f.errors, 2);
    stop(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desanitize),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_cluster_and_controller),
        cmocka_unit_test(test_feature_and_migration),
        cmocka_unit_test(test_producer_id_block),
        cmocka_unit_test(test_brokers_all_versions),
        cmocka_unit_test(test_topic_v1_v2_v3),
        cmocka_unit_test(test_state_optional_fields),
        cmocka_unit_test(test_state_missing_strict_and_lenient),
        cmocka_unit_test(test_state_unparsable_strict_and_lenient),
        cmocka_unit_test(test_state_defects),
        cmocka_unit_test(test_topic_defects),
        cmocka_unit_test(test_empty_replicas_without_state_aborts),
        cmocka_unit_test(test_stray_state_and_pending_deletion),
        cmocka_unit_test(test_configs_every_entity),
        cmocka_unit_test(test_config_defects),
        cmocka_unit_test(test_acls),
        cmocka_unit_test(test_acl_defects),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_admin_and_notifications),
        cmocka_unit_test(test_hostile_paths_and_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
