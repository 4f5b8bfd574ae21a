/* Primitive encodings of spec metadata-log.md §1 and CRC-32C (§4.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kraft/crc32c.h"
#include "kraft/wire.h"

static void expect_bytes(const kr_buf *b, const char *hex) {
    size_t n = strlen(hex) / 2;
    assert_int_equal(b->len, n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        assert_int_equal(b->data[i], v);
    }
}

static void test_crc32c_check_value(void **state) {
    (void)state;
    assert_int_equal(kr_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(kr_crc32c_table(0, "123456789", 9), 0xE3069283u);
    /* Continuation: crc(a||b) == crc(crc(a), b). */
    assert_int_equal(kr_crc32c(kr_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

static void test_crc32c_hw_matches_table(void **state) {
    (void)state;
    uint8_t buf[1031];
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)rand();
    for (size_t len = 0; len < sizeof buf; len += 37)
        assert_int_equal(kr_crc32c(0, buf + 1, len - (len ? 1 : 0)),
                         kr_crc32c_table(0, buf + 1, len - (len ? 1 : 0)));
}

static void test_uvarint_examples(void **state) {
    (void)state;
    struct { uint32_t v; const char *hex; } cases[] = {
        {0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {300, "ac02"},
        {16384, "808001"}, {UINT32_MAX, "ffffffff0f"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_buf b = {0};
        kr_put_uvarint(&b, cases[i].v);
        expect_bytes(&b, cases[i].hex);
        kr_reader r = kr_reader_make(b.data, b.len);
        assert_int_equal(kr_read_uvarint(&r), cases[i].v);
        assert_false(r.failed);
        assert_int_equal(r.pos, b.len);
        kr_buf_free(&b);
    }
}

static void test_zigzag_examples(void **state) {
    (void)state;
    struct { int32_t v; const char *hex; } cases[] = {
        {0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {63, "7e"}, {-64, "7f"}, {64, "8001"},
        {INT32_MAX, "feffffff0f"}, {INT32_MIN, "ffffffff0f"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kr_buf b = {0};
        kr_put_varint(&b, cases[i].v);
        expect_bytes(&b, cases[i].hex);
        kr_reader r = kr_reader_make(b.data, b.len);
        assert_int_equal(kr_read_varint(&r), cases[i].v);
        kr_buf_free(&b);
    }
    kr_buf b = {0};
    kr_put_varlong(&b, INT64_MIN);
    expect_bytes(&b, "ffffffffffffffffff01");
    kr_reader r = kr_reader_make(b.data, b.len);
    assert_true(kr_read_varlong(&r) == INT64_MIN);
    kr_buf_free(&b);
}

static void test_varint_rejects_overlong(void **state) {
    (void)state;
    const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    kr_reader r = kr_reader_make(six, sizeof six);
    kr_read_uvarint(&r);
    assert_true(r.failed);
    assert_int_equal(r.fail_pos, 4);
    const uint8_t wide[] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* 33 bits */
    r = kr_reader_make(wide, sizeof wide);
    kr_read_uvarint(&r);
    assert_true(r.failed);
}

static void test_reader_underflow_is_sticky(void **state) {
    (void)state;
    const uint8_t data[] = {0x00, 0x01, 0x02};
    kr_reader r = kr_reader_make(data, sizeof data);
    assert_int_equal(kr_read_i16(&r), 1);
    assert_int_equal(kr_read_i32(&r), 0);
    assert_true(r.failed);
    assert_int_equal(r.fail_pos, 2);
    assert_string_equal(r.fail_why, "underflow");
    assert_int_equal(kr_read_u8(&r), 0); /* no further movement */
    assert_int_equal(r.pos, 2);
}

static void test_compact_strings_and_nulls(void **state) {
    (void)state;
    kr_buf b = {0};
    kr_put_compact_str(&b, kr_str_c("foo"));
    kr_put_compact_str(&b, KR_STR_NULL);
    kr_put_compact_str(&b, KR_STR_EMPTY);
    expect_bytes(&b, "04666f6f0001");
    kr_reader r = kr_reader_make(b.data, b.len);
    assert_true(kr_str_eq_c(kr_read_compact_str(&r, false), "foo"));
    assert_true(kr_str_is_null(kr_read_compact_str(&r, true)));
    assert_int_equal(kr_read_compact_str(&r, false).len, 0);
    assert_false(r.failed);
    r = kr_reader_make(b.data + 4, 1);
    kr_read_compact_str(&r, false); /* null where not nullable */
    assert_true(r.failed);
    kr_buf_free(&b);
}

static void test_array_count_bounded_by_remaining(void **state) {
    (void)state;
    const uint8_t hostile[] = {0xff, 0xff, 0xff, 0x7f, 0x00}; /* huge count */
    kr_reader r = kr_reader_make(hostile, sizeof hostile);
    kr_read_compact_array_len(&r, false, 4);
    assert_true(r.failed);
}

static void test_uuid_text(void **state) {
    (void)state;
    kr_uuid u;
    assert_true(kr_uuid_from_text("aMxp0cUkQmqUzA7wZ0lBfA", &u));
    const uint8_t want[16] = {0x68, 0xcc, 0x69, 0xd1, 0xc5, 0x24, 0x42, 0x6a,
                              0x94, 0xcc, 0x0e, 0xf0, 0x67, 0x49, 0x41, 0x7c};
    assert_memory_equal(u.b, want, 16);
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&u, text);
    assert_string_equal(text, "aMxp0cUkQmqUzA7wZ0lBfA");
    kr_uuid one = {.b = {[15] = 1}};
    kr_uuid_to_text(&one, text);
    assert_string_equal(text, "AAAAAAAAAAAAAAAAAAAAAQ");
    assert_false(kr_uuid_from_text("aMxp0cUkQmqUzA7wZ0lBf", &u));   /* short */
    assert_false(kr_uuid_from_text("aMxp0cUkQmqUzA7wZ0lBf+", &u));  /* not url-safe */
    assert_false(kr_uuid_from_text("aMxp0cUkQmqUzA7wZ0lBfB", &u));  /* non-canonical tail */
    assert_true(kr_uuid_random(&u));
    assert_false(kr_uuid_is_zero(&u));
}

static void test_f64_nan_canonical(void **state) {
    (void)state;
    kr_buf b = {0};
    kr_put_f64(&b, 0.0 / 0.0 * -1.0);
    expect_bytes(&b, "7ff8000000000000");
    kr_buf_free(&b);
}

static void test_arena(void **state) {
    (void)state;
    kr_arena a = {0};
    for (int i = 0; i < 10000; i++) {
        uint8_t *p = kr_arena_alloc(&a, (size_t)(i % 100) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, 0xab, (size_t)(i % 100) + 1);
    }
    kr_arena_reset(&a);
    assert_non_null(kr_arena_alloc(&a, 1 << 20));
    kr_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_check_value),
        cmocka_unit_test(test_crc32c_hw_matches_table),
        cmocka_unit_test(test_uvarint_examples),
        cmocka_unit_test(test_zigzag_examples),
        cmocka_unit_test(test_varint_rejects_overlong),
        cmocka_unit_test(test_reader_underflow_is_sticky),
        cmocka_unit_test(test_compact_strings_and_nulls),
        cmocka_unit_test(test_array_count_bounded_by_remaining),
        cmocka_unit_test(test_uuid_text),
        cmocka_unit_test(test_f64_nan_canonical),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
