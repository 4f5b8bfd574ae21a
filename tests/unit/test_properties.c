/* The Java .properties parser (controller and broker configs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/properties.h"

static kr_properties parse_ok(const char *text) {
    kr_properties p;
    kr_error err = {0};
    if (kr_properties_parse(text, strlen(text), "t.properties", &p, &err) != KR_OK) fail_msg("%s", err.message);
    return p;
}

static void test_separators_comments_and_whitespace(void **state) {
    (void)state;
    kr_properties p = parse_ok("# comment\n! other comment\n\n  a=1\nb = 2 \nc:3\nd 4\ne\n");
    assert_string_equal(kr_properties_get(&p, "a"), "1");
    assert_string_equal(kr_properties_get(&p, "b"), "2 "); /* trailing space is part of the value */
    assert_string_equal(kr_properties_get(&p, "c"), "3");
    assert_string_equal(kr_properties_get(&p, "d"), "4");
    assert_string_equal(kr_properties_get(&p, "e"), "");
    assert_null(kr_properties_get(&p, "# comment"));
    assert_int_equal(p.n, 5);
    kr_properties_free(&p);
}

static void test_continuations_and_escapes(void **state) {
    (void)state;
    kr_properties p = parse_ok("listeners=CONTROLLER://a:1,\\\n    CONTROLLER2://b:2\nk\\=x=v\\tw\nu=\\u00e9\r\nodd=x\\\\\nnext=y\n");
    assert_string_equal(kr_properties_get(&p, "listeners"), "CONTROLLER://a:1,CONTROLLER2://b:2");
    assert_string_equal(kr_properties_get(&p, "k=x"), "v\tw");
    assert_string_equal(kr_properties_get(&p, "u"), "\xc3\xa9");
    assert_string_equal(kr_properties_get(&p, "odd"), "x\\"); /* even backslashes: no continuation */
    assert_string_equal(kr_properties_get(&p, "next"), "y");
    kr_properties_free(&p);
}

static void test_later_keys_win_and_ints(void **state) {
    (void)state;
    kr_properties p = parse_ok("node.id=1\nnode.id=7\nbad=12x\nbig=99999999999\n");
    int32_t v = 0;
    kr_error err = {0};
    assert_int_equal(kr_properties_get_int(&p, "node.id", &v, &err), KR_OK);
    assert_int_equal(v, 7);
    assert_int_equal(kr_properties_get_int(&p, "bad", &v, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "t.properties: bad=12x"));
    assert_int_equal(kr_properties_get_int(&p, "big", &v, &err), KR_ERR_INVALID);
    assert_int_equal(kr_properties_get_int(&p, "absent", &v, &err), KR_ERR_NOT_FOUND);
    kr_properties_free(&p);
}

static void test_bad_unicode_escape_names_line(void **state) {
    (void)state;
    kr_properties p;
    kr_error err = {0};
    const char *text = "a=1\nb=\\u12\n";
    assert_int_equal(kr_properties_parse(text, strlen(text), "x.properties", &p, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "x.properties: line 2"));
    assert_int_equal(kr_properties_read("/nonexistent/zk2kraft.properties", &p, &err) != KR_OK, 1);
    assert_non_null(strstr(err.message, "/nonexistent/zk2kraft.properties"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separators_comments_and_whitespace),
        cmocka_unit_test(test_continuations_and_escapes),
        cmocka_unit_test(test_later_keys_win_and_ints),
        cmocka_unit_test(test_bad_unicode_escape_names_line),
    };
    return cmocka_run_group_tests_name("properties", tests, NULL, NULL);
}
