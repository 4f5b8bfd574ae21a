/* migrate/check + migrate/report: every seeded problem in the fixtures gives its code and
 * severity; options (target metadata.version, secret, broker configs, packet limit); the
 * text / JSON / JUnit writers and secret masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "kraft/metadata_version.h"
#include "migrate/check.h"
#include "migrate/password.h"
#include "migrate/report.h"
#include "zkread/tree.h"

typedef struct loaded {
    zr_model m;
    zr_findings f;
} loaded;

static void load(const char *file, bool lenient, loaded *l) {
    zr_tree t;
    zr_error err = {0};
    if (zr_fixture_read(file, &t, &err)) fail_msg("%s: %s", file, err.message);
    zr_model_init(&l->m);
    memset(&l->f, 0, sizeof l->f);
    l->f.lenient = lenient;
    zr_tree_to_model(&t, &l->m, &l->f);
    zr_tree_free(&t);
    zr_findings_sort(&l->f);
}

static void unload(loaded *l) {
    zr_model_free(&l->m);
    zr_findings_free(&l->f);
}

static void run(const char *file, const mg_check_options *o, bool lenient, mg_report *r) {
    loaded l;
    load(file, lenient, &l);
    mg_report_init(r, "check");
    kr_error err = {0};
    assert_int_equal(mg_check(&l.m, &l.f, o, r, &err), 0);
    unload(&l);
}

static size_t count(const mg_report *r, const char *code, enum mg_severity sev) {
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].code, code) && r->v[i].severity == sev) n++;
    return n;
}

static bool has_path(const mg_report *r, const char *code, const char *path) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].code, code) && !strcmp(r->v[i].path, path)) return true;
    return false;
}

#define EXPECT(r, code, sev, n) \
    do { if (count(r, code, sev) != (n)) fail_msg("%s %s: %zu findings, expected %d", code, mg_severity_name(sev), count(r, code, sev), (int)(n)); } while (0)

static void test_catalog(void **state) {
    (void)state;
    size_t n = 0;
    for (const mg_check_info *c = mg_check_catalog; c->code; c++, n++) {
        for (const mg_check_info *d = c + 1; d->code; d++) assert_string_not_equal(c->code, d->code);
        assert_non_null(c->title);
    }
    assert_true(n >= 20);
    /* every code is documented */
    FILE *f = fopen("docs/check-codes.md", "r");
    assert_non_null(f);
    char *doc = calloc(1, 1 << 20);
    size_t len = fread(doc, 1, (1 << 20) - 1, f);
    fclose(f);
    doc[len] = 0;
    for (const mg_check_info *c = mg_check_catalog; c->code; c++) {
        char h[32];
        snprintf(h, sizeof h, "## %s", c->code);
        if (!strstr(doc, h)) fail_msg("%s is not documented in docs/check-codes.md", c->code);
    }
    free(doc);
}

static void test_clean_fixture(void **state) {
    (void)state;
    mg_report r;
    run("fixtures/kafka3-topic-ids.xml", NULL, false, &r);
    assert_int_equal(r.counts[MG_SEV_BLOCKER], 0);
    assert_int_equal(r.counts[MG_SEV_WARNING], 0);
    EXPECT(&r, "ZK041", MG_SEV_INFO, 1);
    assert_true(r.n_checks >= 20);
    mg_report_free(&r);
}

static void test_offline_partitions(void **state) {
    (void)state;
    mg_report r;
    /* Offline cut-over: an unregistered broker is a warning (brokers are stopped anyway). */
    run("fixtures/offline-partitions.xml", NULL, false, &r);
    EXPECT(&r, "ZK011", MG_SEV_WARNING, 1);
    assert_false(mg_report_has_blockers(&r));
    mg_report_free(&r);
    /* Online: Kafka waits for broker 2 forever (P7). */
    mg_check_options online = {.online = true};
    run("fixtures/offline-partitions.xml", &online, false, &r);
    EXPECT(&r, "ZK011", MG_SEV_BLOCKER, 1); /* broker 2 in partition 0's replicas */
    EXPECT(&r, "ZK016", MG_SEV_WARNING, 2);
    EXPECT(&r, "ZK015", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK017", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK018", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK021", MG_SEV_INFO, 1);
    assert_true(has_path(&r, "ZK018", "/brokers/topics/sensors/partitions/4/state"));
    assert_true(mg_report_has_blockers(&r));
    mg_report_free(&r);
}

static void test_migration_and_controller(void **state) {
    (void)state;
    mg_report r;
    run("fixtures/migration-in-progress.xml", NULL, false, &r);
    EXPECT(&r, "ZK003", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK006", MG_SEV_BLOCKER, 1);
    mg_report_free(&r);
    run("fixtures/check/migration-null.xml", NULL, false, &r);
    EXPECT(&r, "ZK004", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK002", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK003", MG_SEV_BLOCKER, 0);
    mg_report_free(&r);
    run("fixtures/check/problems.xml", NULL, false, &r);
    EXPECT(&r, "ZK005", MG_SEV_INFO, 1);
    EXPECT(&r, "ZK003", MG_SEV_BLOCKER, 0);
    mg_report_free(&r);
}

static void test_pending_and_reassign(void **state) {
    (void)state;
    mg_report r;
    run("fixtures/pending-deletion.xml", NULL, false, &r);
    EXPECT(&r, "ZK012", MG_SEV_WARNING, 2);
    mg_report_free(&r);
    run("fixtures/reassignment-in-progress.xml", NULL, false, &r);
    EXPECT(&r, "ZK013", MG_SEV_WARNING, 2);
    EXPECT(&r, "ZK014", MG_SEV_WARNING, 1);
    assert_false(mg_report_has_blockers(&r));
    mg_report_free(&r);
}

static void test_legacy(void **state) {
    (void)state;
    mg_report r;
    run("fixtures/legacy-2x-no-ids.xml", NULL, false, &r);
    EXPECT(&r, "ZK024", MG_SEV_WARNING, 3); /* offline: brokers restart in KRaft mode */
    mg_report_free(&r);
    mg_check_options online = {.online = true};
    run("fixtures/legacy-2x-no-ids.xml", &online, false, &r);
    EXPECT(&r, "ZK010", MG_SEV_WARNING, 2);
    EXPECT(&r, "ZK024", MG_SEV_BLOCKER, 3); /* registrations v4, v2, v1 */
    EXPECT(&r, "ZK038", MG_SEV_WARNING, 1);
    mg_report_free(&r);
}

static void test_problems(void **state) {
    (void)state;
    mg_report r;
    mg_check_options online = {.online = true};
    run("fixtures/check/problems.xml", &online, false, &r);
    EXPECT(&r, "ZK011", MG_SEV_BLOCKER, 2); /* broker 7 in replicas and adding_replicas */
    EXPECT(&r, "ZK019", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK020", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK022", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK024", MG_SEV_BLOCKER, 1); /* /feature v1 */
    EXPECT(&r, "ZK028", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK029", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK032", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK033", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK035", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK036", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK037", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK039", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK040", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK030", MG_SEV_BLOCKER, 0);
    EXPECT(&r, "ZK031", MG_SEV_BLOCKER, 0);
    /* the plaintext password is never echoed */
    for (size_t i = 0; i < r.n; i++) assert_null(strstr(r.v[i].message, "hunter2"));
    mg_report_free(&r);
}

static void test_target_version(void **state) {
    (void)state;
    mg_report r;
    mg_check_options o = {.metadata_version = KR_MV_3_3_IV3};
    run("fixtures/check/problems.xml", &o, false, &r);
    EXPECT(&r, "ZK001", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK030", MG_SEV_BLOCKER, 1); /* SCRAM on <default> */
    EXPECT(&r, "ZK031", MG_SEV_BLOCKER, 1);
    mg_report_free(&r);
    o.metadata_version = KR_MV_3_5_IV2;
    run("fixtures/scram-users.xml", &o, false, &r);
    EXPECT(&r, "ZK001", MG_SEV_BLOCKER, 0);
    EXPECT(&r, "ZK030", MG_SEV_BLOCKER, 0);
    mg_report_free(&r);
    o.metadata_version = KR_MV_3_5_IV2 - 1;
    run("fixtures/scram-users.xml", &o, false, &r);
    assert_true(count(&r, "ZK030", MG_SEV_BLOCKER) >= 1);
    mg_report_free(&r);
}

static int failing_decrypt(const char *encoded, const char *secret, char **plain, kr_error *err) {
    (void)encoded;
    *plain = NULL;
    return kr_fail(err, KR_ERR_INVALID, "bad padding (secret length %zu)", strlen(secret));
}

static void test_password_secret(void **state) {
    (void)state;
    mg_report r;
    mg_check_options o = {.password_encoder_secret = "s3cret"};
    run("fixtures/configs-all-levels.xml", &o, false, &r);
    EXPECT(&r, "ZK022", MG_SEV_BLOCKER, 0);
    EXPECT(&r, "ZK023", MG_SEV_BLOCKER, 0);
    mg_report_free(&r);
    o.decrypt = failing_decrypt;
    run("fixtures/configs-all-levels.xml", &o, false, &r);
    EXPECT(&r, "ZK023", MG_SEV_BLOCKER, 2);
    for (size_t i = 0; i < r.n; i++) assert_null(strstr(r.v[i].message, "s3cret"));
    mg_report_free(&r);
    run("fixtures/configs-all-levels.xml", NULL, false, &r);
    EXPECT(&r, "ZK022", MG_SEV_BLOCKER, 2);
    mg_report_free(&r);
    /* the real decryption (migrate/password.h): the fixture's secret works, another fails */
    o.decrypt = mg_password_decrypt;
    o.password_encoder_secret = "zk2kraft-fixture-secret";
    run("fixtures/configs-all-levels.xml", &o, false, &r);
    EXPECT(&r, "ZK023", MG_SEV_BLOCKER, 0);
    EXPECT(&r, "ZK022", MG_SEV_BLOCKER, 0);
    mg_report_free(&r);
    o.password_encoder_secret = "wrong-secret";
    run("fixtures/configs-all-levels.xml", &o, false, &r);
    EXPECT(&r, "ZK023", MG_SEV_BLOCKER, 2);
    for (size_t i = 0; i < r.n; i++) assert_null(strstr(r.v[i].message, "wrong-secret"));
    mg_report_free(&r);
}

static void test_broker_configs(void **state) {
    (void)state;
    const char *a = "broker.id=1\ninter.broker.protocol.version=3.9\nlog.dirs=/d1,/d2\n";
    const char *b = "broker.id=2\ninter.broker.protocol.version=3.6-IV2\nlog.dirs=/d1\n";
    const char *c = "broker.id=3\nlog.dir=/d1\n";
    kr_properties p[3] = {0};
    kr_error err = {0};
    assert_int_equal(kr_properties_parse(a, strlen(a), "a.properties", &p[0], &err), 0);
    assert_int_equal(kr_properties_parse(b, strlen(b), "b.properties", &p[1], &err), 0);
    assert_int_equal(kr_properties_parse(c, strlen(c), "c.properties", &p[2], &err), 0);
    const kr_properties *pp[3] = {&p[0], &p[1], &p[2]};
    mg_check_options o = {.broker_configs = pp, .n_broker_configs = 3, .online = true};
    mg_report r;
    run("fixtures/kafka3-topic-ids.xml", &o, false, &r);
    EXPECT(&r, "ZK024", MG_SEV_BLOCKER, 2); /* b below, c unset */
    assert_true(has_path(&r, "ZK024", "b.properties"));
    assert_true(has_path(&r, "ZK024", "c.properties"));
    EXPECT(&r, "ZK025", MG_SEV_BLOCKER, 0); /* JBOD fine at 3.9 */
    mg_report_free(&r);
    o.metadata_version = KR_MV_3_7_IV0;
    run("fixtures/kafka3-topic-ids.xml", &o, false, &r);
    EXPECT(&r, "ZK025", MG_SEV_BLOCKER, 1);
    assert_true(has_path(&r, "ZK025", "a.properties"));
    mg_report_free(&r);
    for (int i = 0; i < 3; i++) kr_properties_free(&p[i]);
}

static void test_packet_limit(void **state) {
    (void)state;
    mg_report r;
    mg_check_options o = {.packet_limit_bytes = 100};
    run("fixtures/kafka3-topic-ids.xml", &o, false, &r);
    assert_true(count(&r, "ZK026", MG_SEV_BLOCKER) + count(&r, "ZK026", MG_SEV_WARNING) >= 1);
    assert_true(has_path(&r, "ZK026", "/brokers/topics"));
    mg_report_free(&r);
    run("fixtures/kafka3-topic-ids.xml", NULL, false, &r);
    EXPECT(&r, "ZK026", MG_SEV_BLOCKER, 0);
    EXPECT(&r, "ZK026", MG_SEV_WARNING, 0);
    mg_report_free(&r);
}

static void test_malformed_fold(void **state) {
    (void)state;
    mg_report r;
    run("fixtures/malformed.xml", NULL, false, &r);
    EXPECT(&r, "ZK100", MG_SEV_BLOCKER, 2);
    EXPECT(&r, "ZK101", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK102", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK103", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK104", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK105", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK106", MG_SEV_BLOCKER, 1);
    EXPECT(&r, "ZK004", MG_SEV_BLOCKER, 1);
    /* every decode finding is folded in exactly once */
    loaded l;
    load("fixtures/malformed.xml", false, &l);
    size_t folded = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.v[i].code, "ZK100") >= 0) folded++;
    size_t zk1xx_or_special = 0;
    for (size_t i = 0; i < r.n; i++) {
        const char *c = r.v[i].code;
        if (!strncmp(c, "ZK1", 3) || !strcmp(c, "ZK004") || !strcmp(c, "ZK002") || !strcmp(c, "ZK019") ||
            !strcmp(c, "ZK020"))
            zk1xx_or_special++;
    }
    assert_int_equal(zk1xx_or_special, l.f.n);
    (void)folded;
    unload(&l);
    mg_report_free(&r);
    /* lenient: Kafka's substitutions become warnings */
    run("fixtures/malformed.xml", NULL, true, &r);
    EXPECT(&r, "ZK100", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK101", MG_SEV_WARNING, 1);
    EXPECT(&r, "ZK102", MG_SEV_WARNING, 1);
    mg_report_free(&r);
}

static void test_mask(void **state) {
    (void)state;
    char *m = mg_mask_secrets("x salt=abc,stored_key=ZZ==,server_key=Q,iterations=4096 encryptedPassword:q1x0,"
                              "password=hunter2] ok");
    assert_string_equal(m, "x salt=***,stored_key=***,server_key=***,iterations=4096 encryptedPassword:***,"
                           "password=***] ok");
    free(m);
    mg_report r;
    mg_report_init(&r, "t");
    mg_report_add(&r, MG_SEV_WARNING, "X1", "/p", NULL, "value salt=%s", "c2VjcmV0");
    assert_null(strstr(r.v[0].message, "c2VjcmV0"));
    mg_report_free(&r);
}

static void test_writers(void **state) {
    (void)state;
    mg_report r;
    mg_check_options online = {.online = true};
    run("fixtures/offline-partitions.xml", &online, false, &r);
    char *text = mg_report_to_text(&r);
    assert_non_null(text);
    assert_non_null(strstr(text, "BLOCKER ZK011 /brokers/topics/sensors: partition 0 replicas names broker 2"));
    assert_non_null(strstr(text, " — start broker 2"));
    /* blockers print before warnings before infos */
    assert_true(strstr(text, "BLOCKER") < strstr(text, "WARNING"));
    assert_true(strstr(text, "WARNING") < strstr(text, "INFO"));
    free(text);
    json_t *j = mg_report_to_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "findings")), r.n);
    json_t *s = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(s, "blockers")), 1);
    json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f0, "severity")), "BLOCKER");
    assert_non_null(json_object_get(f0, "fix"));
    json_decref(j);

    char dir[] = "/tmp/test_check.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[128];
    snprintf(file, sizeof file, "%s/junit.xml", dir);
    kr_error err = {0};
    const mg_report *rs[1] = {&r};
    assert_int_equal(mg_report_write_junit(rs, 1, file, false, &err), 0);
    xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathObjectPtr cases = xmlXPathEvalExpression(BAD_CAST "//testsuite[@name='check']/testcase", x);
    assert_int_equal(cases->nodesetval->nodeNr, (int)r.n_checks);
    xmlXPathObjectPtr fails = xmlXPathEvalExpression(BAD_CAST "//testcase/failure", x);
    assert_int_equal(fails->nodesetval->nodeNr, 1); /* ZK011 only */
    xmlXPathFreeObject(cases);
    xmlXPathFreeObject(fails);
    xmlXPathFreeContext(x);
    xmlFreeDoc(doc);
    /* no temp file left behind */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    assert_int_not_equal(access(tmp, F_OK), 0);
    unlink(file);
    rmdir(dir);
    mg_report_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),          cmocka_unit_test(test_clean_fixture),
        cmocka_unit_test(test_offline_partitions), cmocka_unit_test(test_migration_and_controller),
        cmocka_unit_test(test_pending_and_reassign), cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_problems),         cmocka_unit_test(test_target_version),
        cmocka_unit_test(test_password_secret),  cmocka_unit_test(test_broker_configs),
        cmocka_unit_test(test_packet_limit),     cmocka_unit_test(test_malformed_fold),
        cmocka_unit_test(test_mask),             cmocka_unit_test(test_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
