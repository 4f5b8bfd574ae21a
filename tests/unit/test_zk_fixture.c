/* Fixture XML: schema, parsing, writing, and every fixture in fixtures/ decoded offline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "zkread/tree.h"

static char *slurp(const char *file) {
    FILE *f = fopen(file, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    s[n] = 0;
    fclose(f);
    return s;
}

static void test_schema_file_matches_compiled_copy(void **state) {
    (void)state;
    char *file = slurp("fixtures/znode-tree.rng");
    assert_non_null(file);
    assert_string_equal(file, zr_fixture_schema);
    free(file);
}

static void test_parse_forms(void **state) {
    (void)state;
    const char *xml =
        "<znodes format=\"1\"><description>d</description>"
        "<znode path=\"/b\" version=\"3\"><data> spaced \n text </data></znode>"
        "<znode path=\"/a\"/>"
        "<znode path=\"/c\"><data/></znode>"
        "<znode path=\"/d\" ephemeral=\"true\"><acl scheme=\"world\" id=\"anyone\" perms=\"r\"/>"
        "<acl scheme=\"digest\" id=\"kafka:gjE7MbtsyGTWgsEqK/gyE9jnD0A=\" perms=\"rwcda\"/>"
        "<data encoding=\"base64\">AAEC/w==</data></znode>"
        "</znodes>";
    zr_tree t;
    zr_error err = {0};
    assert_int_equal(zr_fixture_parse(xml, strlen(xml), "mem", &t, &err), 0);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.v[0].path, "/a"); /* sorted */
    assert_null(t.v[0].data);
    assert_int_equal(t.v[0].len, -1);
    assert_int_equal(t.v[1].version, 3);
    assert_int_equal(t.v[1].len, 15);
    assert_memory_equal(t.v[1].data, " spaced \n text ", 15);
    assert_non_null(t.v[2].data);
    assert_int_equal(t.v[2].len, 0);
    assert_true(t.v[3].ephemeral);
    assert_int_equal(t.v[3].len, 4);
    assert_int_equal(t.v[3].data[3], 0xff);
    assert_int_equal(t.v[3].n_acls, 2);
    assert_int_equal(t.v[3].acls[0].perms, 1);
    assert_int_equal(t.v[3].acls[1].perms, 31);
    assert_string_equal(t.description, "d");

    /* write -> read -> write gives the same bytes and the same tree */
    char tmpl[] = "/tmp/zkfixtureXXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    assert_int_equal(zr_fixture_write(tmpl, &t, &err), 0);
    char *first = slurp(tmpl);
    zr_tree u;
    assert_int_equal(zr_fixture_read(tmpl, &u, &err), 0);
    assert_int_equal(u.n, t.n);
    for (size_t i = 0; i < t.n; i++) {
        assert_string_equal(u.v[i].path, t.v[i].path);
        assert_int_equal(u.v[i].len, t.v[i].len);
        if (t.v[i].len > 0) assert_memory_equal(u.v[i].data, t.v[i].data, (size_t)t.v[i].len);
        assert_int_equal(u.v[i].version, t.v[i].version);
        assert_int_equal(u.v[i].ephemeral, t.v[i].ephemeral);
        assert_int_equal(u.v[i].n_acls, t.v[i].n_acls);
    }
    assert_int_equal(zr_fixture_write(tmpl, &u, &err), 0);
    char *second = slurp(tmpl);
    assert_string_equal(first, second);
    assert_non_null(strstr(first, "encoding=\"base64\">AAEC/w==</data>"));
    free(first);
    free(second);
    unlink(tmpl);
    zr_tree_free(&u);
    zr_tree_free(&t);
}

static void test_binary_and_control_bytes_become_base64(void **state) {
    (void)state;
    zr_tree t = {0};
    zr_error err = {0};
    const uint8_t cr[] = {'a', '\r', 'b'}, bad_utf8[] = {0xC3}, nul[] = {'x', 0};
    assert_true(zr_tree_add(&t, "/cr", cr, 3, false, 0));
    assert_true(zr_tree_add(&t, "/utf", bad_utf8, 1, false, 0));
    assert_true(zr_tree_add(&t, "/nul", nul, 2, false, 0));
    assert_true(zr_tree_add(&t, "/amp", (const uint8_t *)"<&>\"", 4, false, 0));
    assert_int_equal(zr_tree_sort(&t, &err), 0);
    char tmpl[] = "/tmp/zkfixtureXXXXXX";
    close(mkstemp(tmpl));
    assert_int_equal(zr_fixture_write(tmpl, &t, &err), 0);
    zr_tree u;
    assert_int_equal(zr_fixture_read(tmpl, &u, &err), 0);
    for (size_t i = 0; i < t.n; i++) {
        assert_int_equal(u.v[i].len, t.v[i].len);
        assert_memory_equal(u.v[i].data, t.v[i].data, (size_t)t.v[i].len);
    }
    unlink(tmpl);
    zr_tree_free(&t);
    zr_tree_free(&u);
}

static void test_rejects(void **state) {
    (void)state;
    struct { const char *xml, *fragment; } cases[] = {
        {"<znodes><znode path=\"/a\"></znodes>", "not well-formed"},
        {"<znodes><znode path=\"a\"/></znodes>", "does not match the fixture schema"},
        {"<znodes><znode path=\"/a//b\"/></znodes>", "does not match the fixture schema"},
        {"<znodes><znode path=\"/a\" version=\"-1\"/></znodes>", "does not match the fixture schema"},
        {"<znodes><znode path=\"/a\" colour=\"red\"/></znodes>", "does not match the fixture schema"},
        {"<znodes>\n<znode path=\"/a\"><data encoding=\"base64\">@@@</data></znode></znodes>", "mem:2: znode /a: data is not valid base64"},
        {"<znodes><znode path=\"/a\"/><znode path=\"/a\"/></znodes>", "znode /a appears twice"},
        {"<!DOCTYPE z [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><znodes><znode path=\"/a\"><data>&e;</data></znode></znodes>", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zr_tree t;
        zr_error err = {0};
        int rc = zr_fixture_parse(cases[i].xml, strlen(cases[i].xml), "mem", &t, &err);
        if (i == 7) { /* external entities are never loaded */
            if (rc == 0) {
                assert_true(t.v[0].data == NULL || strstr((const char *)t.v[0].data, "root:") == NULL);
                zr_tree_free(&t);
            }
            continue;
        }
        assert_int_not_equal(rc, 0);
        if (!strstr(err.message, cases[i].fragment)) fail_msg("case %zu: %s", i, err.message);
    }
    zr_tree t;
    zr_error err = {0};
    assert_int_equal(zr_fixture_read("/nonexistent/fixture.xml", &t, &err), ZR_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/fixture.xml"));
}

typedef struct expect {
    const char *file;
    size_t brokers, topics, partitions, configs, quotas, scram_users, acls, pending, reassignments, tokens,
        offline;
} expect;

static void test_fixture_counts(void **state) {
    (void)state;
    const expect e[] = {
        {"kafka3-topic-ids", 3, 2, 5, 3, 0, 0, 0, 0, 0, 2, 0},
        {"legacy-2x-no-ids", 3, 2, 5, 4, 0, 0, 0, 0, 0, 0, 0},
        {"reassignment-in-progress", 5, 1, 3, 4, 0, 0, 0, 0, 2, 0, 0},
        {"configs-all-levels", 2, 1, 1, 9, 14, 0, 0, 0, 0, 0, 0},
        {"scram-users", 1, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0},
        {"acls", 1, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0},
        {"pending-deletion", 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0},
        {"offline-partitions", 2, 1, 5, 0, 0, 0, 0, 0, 0, 0, 2},
        {"migration-in-progress", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "fixtures/%s.xml", e[i].file);
        zr_tree t;
        zr_error err = {0};
        if (zr_fixture_read(path, &t, &err)) fail_msg("%s", err.message);
        zr_model m;
        zr_findings f = {0};
        zr_model_init(&m);
        zr_tree_to_model(&t, &m, &f);
        for (size_t k = 0; k < f.n; k++) fprintf(stderr, "%s: %s: %s\n", path, f.v[k].path, f.v[k].message);
        assert_int_equal(f.n, 0);
        zr_counts c;
        zr_model_counts(&m, &c);
        size_t got[] = {c.brokers, c.topics, c.partitions, c.configs, c.quotas, c.scram_users, c.acls,
                        c.pending_deletions, c.reassignments, c.tokens, c.offline_partitions};
        size_t want[] = {e[i].brokers, e[i].topics, e[i].partitions, e[i].configs, e[i].quotas, e[i].scram_users,
                         e[i].acls, e[i].pending, e[i].reassignments, e[i].tokens, e[i].offline};
        for (size_t k = 0; k < sizeof got / sizeof got[0]; k++)
            if (got[k] != want[k]) fail_msg("%s: count #%zu is %zu, expected %zu", path, k, got[k], want[k]);
        zr_model_free(&m);
        zr_findings_free(&f);
        zr_tree_free(&t);
    }
}

static void test_fixture_details(void **state) {
    (void)state;
    zr_tree t;
    zr_error err = {0};
    assert_int_equal(zr_fixture_read("fixtures/kafka3-topic-ids.xml", &t, &err), 0);
    zr_model m;
    zr_findings f = {0};
    zr_model_init(&m);
    zr_tree_to_model(&t, &m, &f);
    zr_topic *o = zr_model_topic(&m, "orders");
    assert_non_null(o);
    assert_true(o->has_id);
    assert_int_equal(o->partitions[0].state.partition_epoch, 4); /* the state znode's data version */
    assert_int_equal(o->partitions[1].state.partition_epoch, 2);
    assert_int_equal(m.controller_epoch, 17);
    assert_int_equal(m.controller_epoch_zk_version, 17);
    assert_true(m.brokers[0].ephemeral);
    assert_int_equal(m.producer_id_block_end, 4999);
    zr_model_free(&m);
    zr_findings_free(&f);
    zr_tree_free(&t);

    assert_int_equal(zr_fixture_read("fixtures/legacy-2x-no-ids.xml", &t, &err), 0);
    zr_model_init(&m);
    zr_tree_to_model(&t, &m, &f);
    for (size_t i = 0; i < m.n_topics; i++) assert_false(m.topics[i]->has_id);
    assert_false(m.has_producer_id_block); /* null data */
    zr_model_free(&m);
    zr_findings_free(&f);
    zr_tree_free(&t);
}

/* The findings a damaged fixture must produce, exactly, as `inspect` prints them. */
static void check_findings(const char *fixture, const char *expected_file, bool lenient) {
    zr_tree t;
    zr_error err = {0};
    if (zr_fixture_read(fixture, &t, &err)) fail_msg("%s", err.message);
    zr_model m;
    zr_findings f = {.lenient = lenient};
    zr_model_init(&m);
    zr_tree_to_model(&t, &m, &f);
    zr_findings_sort(&f);
    size_t cap = 1 << 16, n = 0;
    char *got = malloc(cap);
    got[0] = 0;
    for (size_t i = 0; i < f.n; i++)
        n += (size_t)snprintf(got + n, cap - n, "%s %s: %s\n", f.v[i].severity == ZR_SEV_ERROR ? "error" : "warning",
                              f.v[i].path, f.v[i].message);
    char *want = slurp(expected_file);
    assert_non_null(want);
    if (strcmp(got, want)) fail_msg("%s (%s) findings differ:\n--- got\n%s--- want\n%s", fixture,
                                    lenient ? "lenient" : "strict", got, want);
    free(got);
    free(want);
    zr_model_free(&m);
    zr_findings_free(&f);
    zr_tree_free(&t);
}

static void test_malformed_findings(void **state) {
    (void)state;
    check_findings("fixtures/malformed.xml", "fixtures/malformed.findings", false);
    check_findings("fixtures/malformed.xml", "fixtures/malformed.lenient.findings", true);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_file_matches_compiled_copy),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_binary_and_control_bytes_become_base64),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_fixture_counts),
        cmocka_unit_test(test_fixture_details),
        cmocka_unit_test(test_malformed_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
