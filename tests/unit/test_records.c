/* Metadata and control record codecs: spec examples, every message at every
 * version in random round trips, and strict rejection of bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kraft/gen/control_records.h"
#include "kraft/metadata_record.h"
#include "tests/support/gen_random.h"
#include "tests/support/hex.h"

static void assert_hex(const kr_buf *b, const char *hex) {
    size_t n;
    uint8_t *want = test_hex_decode(hex, &n);
    char *got = test_hex_encode(b->data, b->len);
    if (b->len != n || memcmp(b->data, want, n) != 0) fail_msg("got  %s\nwant %s", got, hex);
    free(got);
    free(want);
}

static kr_uuid uuid_of(const char *text) {
    kr_uuid u;
    assert_true(kr_uuid_from_text(text, &u));
    return u;
}

/* §8.1: FeatureLevelRecord metadata.version = 21. */
static void test_feature_level_value(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_hex(&b, "010c00116d657461646174612e76657273696f6e001500");
    kr_metadata_record back;
    kr_arena a = {0};
    assert_int_equal(kr_metadata_record_decode(b.data, b.len, &back, &a, NULL), KR_OK);
    assert_int_equal(back.api_key, 12);
    assert_true(kr_str_eq_c(back.u.FeatureLevelRecord.Name, "metadata.version"));
    assert_int_equal(back.u.FeatureLevelRecord.FeatureLevel, 21);
    kr_arena_free(&a);
    kr_buf_free(&b);
}

/* §8.2: TopicRecord "foo". */
static void test_topic_value(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("foo");
    rec.u.TopicRecord.TopicId = uuid_of("aMxp0cUkQmqUzA7wZ0lBfA");
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_hex(&b, "010200 04666f6f 68cc69d1c524426a94cc0ef06749417c 00");
    kr_buf_free(&b);
}

/* §8.4: PartitionRecord v1 with directories, LeaderRecoveryState omitted. */
static void test_partition_v1_value(void **state) {
    (void)state;
    int32_t replicas[] = {1, 2};
    kr_uuid dirs[] = {uuid_of("tyOT9GZZTGKNpWRxn8lB2Q"), uuid_of("Rr4-xdU_Q0yUMfuKZ-2YlQ")};
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 1);
    kr_PartitionRecord *p = &rec.u.PartitionRecord;
    p->PartitionId = 0;
    p->TopicId = uuid_of("aMxp0cUkQmqUzA7wZ0lBfA");
    p->Replicas = (kr_array_i32){replicas, 2};
    p->Isr = (kr_array_i32){replicas, 2};
    p->Leader = 1;
    p->LeaderEpoch = 0;
    p->PartitionEpoch = 0;
    p->Directories = (kr_array_uuid){dirs, 2};
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_hex(&b, "010301 00000000 68cc69d1c524426a94cc0ef06749417c 03 00000001 00000002"
                   "03 00000001 00000002 01 01 00000001 00000000 00000000"
                   "03 b72393f466594c628da564719fc941d9 46be3ec5d53f434c9431fb8a67ed9895 00");
    /* Directories do not exist at v0: Java refuses to write them. */
    rec.version = 0;
    kr_buf_reset(&b);
    kr_error err = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, &err), KR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "Directories"));
    kr_buf_free(&b);
}

/* §8.4: PartitionChangeRecord v0, Isr = [] (empty, not null), Leader = 2. */
static void test_partition_change_tagged(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    kr_PartitionChangeRecord *c = &rec.u.PartitionChangeRecord;
    assert_int_equal(c->Leader, -2);           /* default: unchanged */
    assert_int_equal(c->LeaderRecoveryState, -1);
    assert_int_equal(c->Isr.n, -1);            /* default null */
    c->PartitionId = 0; /* schema default is -1 */
    c->TopicId = uuid_of("aMxp0cUkQmqUzA7wZ0lBfA");
    c->Isr = (kr_array_i32){NULL, 0};
    c->Leader = 2;
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_hex(&b, "010500 00000000 68cc69d1c524426a94cc0ef06749417c 02 000101 010400000002");
    kr_metadata_record back;
    kr_arena a = {0};
    assert_int_equal(kr_metadata_record_decode(b.data, b.len, &back, &a, NULL), KR_OK);
    assert_int_equal(back.u.PartitionChangeRecord.Isr.n, 0);
    assert_int_equal(back.u.PartitionChangeRecord.Leader, 2);
    assert_int_equal(back.u.PartitionChangeRecord.Replicas.n, -1);
    kr_arena_free(&a);
    kr_buf_free(&b);
}

/* Empty array is not the null default: LastKnownElr = [] is written at v2. */
static void test_empty_array_is_not_null_default(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 2);
    rec.u.PartitionRecord.LastKnownElr = (kr_array_i32){NULL, 0};
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    /* ... Directories [] then tags: count 1, tag 2, size 1, data 01 */
    assert_int_equal(b.data[b.len - 4], 1);
    assert_int_equal(b.data[b.len - 3], 2);
    assert_int_equal(b.data[b.len - 2], 1);
    assert_int_equal(b.data[b.len - 1], 1);
    kr_buf_free(&b);
}

/* §8.3: SnapshotHeaderRecord value. */
static void test_snapshot_header_value(void **state) {
    (void)state;
    kr_SnapshotHeaderRecord h;
    kr_SnapshotHeaderRecord_init(&h);
    h.LastContainedLogTimestamp = 1735689595000;
    kr_buf b = {0};
    assert_int_equal(kr_SnapshotHeaderRecord_encode(&b, &h, 0, NULL), KR_OK);
    assert_hex(&b, "0000 000001941f296878 00");
    kr_buf_free(&b);
}

static void test_register_broker_version_rules(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 0);
    assert_true(rec.u.RegisterBrokerRecord.Fenced); /* schema default true */
    rec.u.RegisterBrokerRecord.InControlledShutdown = true;
    kr_buf b = {0};
    kr_error err = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, &err), KR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "InControlledShutdown"));
    /* v2: IsMigratingZkBroker is the second field on the wire. */
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 2);
    rec.u.RegisterBrokerRecord.BrokerId = 7;
    rec.u.RegisterBrokerRecord.IsMigratingZkBroker = true;
    kr_buf_reset(&b);
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_int_equal(b.data[3 + 4], 1);
    kr_buf_free(&b);
}

static void test_decode_rejects(void **state) {
    (void)state;
    kr_metadata_record rec;
    kr_arena a = {0};
    kr_error err;
    struct { const char *hex; const char *needle; } cases[] = {
        {"000c00116d657461646174612e76657273696f6e001500", "frame version 0"},
        {"011e0000", "api key 30"},
        {"010c0500", "version 5"},
        {"010c00116d657461646174612e76657273696f6e00150000", "unexpected bytes"},
        {"010c00116d657461646174612e76657273696f6e0015", "underflow"},
        {"01020004666f", "underflow"},
        {"010c0000001500", "null string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint8_t *v = test_hex_decode(cases[i].hex, &n);
        memset(&err, 0, sizeof err);
        assert_int_not_equal(kr_metadata_record_decode(v, n, &rec, &a, &err), KR_OK);
        if (!strstr(err.message, cases[i].needle))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].needle);
        free(v);
    }
    kr_arena_free(&a);
}

/* A value cut at any point fails cleanly (ASan checks the bounds). */
static void test_truncation_everywhere(void **state) {
    (void)state;
    size_t n;
    uint8_t *v = test_hex_decode("010301 00000000 68cc69d1c524426a94cc0ef06749417c 03 00000001 00000002"
                                 "03 00000001 00000002 01 01 00000001 00000000 00000000"
                                 "03 b72393f466594c628da564719fc941d9 46be3ec5d53f434c9431fb8a67ed9895 00",
                                 &n);
    kr_arena a = {0};
    kr_metadata_record rec;
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, v, cut);
        kr_error err = {0};
        assert_int_not_equal(kr_metadata_record_decode(copy, cut, &rec, &a, &err), KR_OK);
        assert_true(err.message[0] != '\0');
        free(copy);
    }
    assert_int_equal(kr_metadata_record_decode(v, n, &rec, &a, NULL), KR_OK);
    free(v);
    kr_arena_free(&a);
}

static void test_unknown_tags_survive(void **state) {
    (void)state;
    /* TopicRecord with an unknown tag 5 (3 bytes) carried by a newer writer. */
    size_t n;
    uint8_t *v = test_hex_decode("010200 04666f6f 68cc69d1c524426a94cc0ef06749417c 01 0503aabbcc", &n);
    kr_metadata_record rec;
    kr_arena a = {0};
    assert_int_equal(kr_metadata_record_decode(v, n, &rec, &a, NULL), KR_OK);
    assert_int_equal(rec.u.TopicRecord._unknown_tags.n, 1);
    kr_buf b = {0};
    assert_int_equal(kr_metadata_record_encode(&b, &rec, NULL), KR_OK);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, v, n);
    kr_buf_free(&b);
    kr_arena_free(&a);
    free(v);
}

/* Every generated message (metadata, control, RPC) at every valid version:
 * random value → encode → decode → encode gives the same bytes, and the
 * decoded value prints the same JSON. */
static void test_random_round_trips(void **state) {
    (void)state;
    kr_rand rng = kr_rand_seed(20261121);
    kr_arena a = {0};
    kr_buf b1 = {0}, b2 = {0};
    size_t checked = 0;
    for (size_t i = 0; i < kr_all_messages_count; i++) {
        const kr_message_ops *ops = &kr_all_messages[i];
        void *m1 = calloc(1, ops->size), *m2 = calloc(1, ops->size);
        for (int v = ops->min_version; v <= ops->max_version; v++) {
            for (int iter = 0; iter < 40; iter++) {
                kr_arena_reset(&a);
                kr_buf_reset(&b1);
                kr_buf_reset(&b2);
                ops->fill_random(m1, (int16_t)v, &rng, &a);
                kr_error err = {0};
                if (ops->encode(&b1, m1, (int16_t)v, &err) != KR_OK)
                    fail_msg("%s v%d: encode failed: %s", ops->name, v, err.message);
                kr_reader r = kr_reader_make(b1.data, b1.len);
                if (!ops->decode(&r, m2, (int16_t)v, &a))
                    fail_msg("%s v%d: decode failed: %s at %zu", ops->name, v, r.fail_why, r.fail_pos);
                if (r.pos != b1.len) fail_msg("%s v%d: decode left bytes", ops->name, v);
                assert_int_equal(ops->encode(&b2, m2, (int16_t)v, NULL), KR_OK);
                if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
                    fail_msg("%s v%d: re-encoding differs", ops->name, v);
                json_t *j1 = ops->to_json(m1, (int16_t)v, 0), *j2 = ops->to_json(m2, (int16_t)v, 0);
                if (!json_equal(j1, j2)) fail_msg("%s v%d: JSON differs", ops->name, v);
                json_decref(j1);
                json_decref(j2);
                checked++;
            }
        }
        free(m1);
        free(m2);
    }
    print_message("round trips: %zu messages in %zu types\n", checked, kr_all_messages_count);
    assert_true(kr_all_messages_count > 100);
    kr_buf_free(&b1);
    kr_buf_free(&b2);
    kr_arena_free(&a);
}

static void test_json_names_and_masking(void **state) {
    (void)state;
    uint8_t salt[] = {1, 2, 3};
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.UserScramCredentialRecord.Name = kr_str_c("alice");
    rec.u.UserScramCredentialRecord.Salt = (kr_bytes){salt, 3};
    json_t *j = kr_metadata_record_to_json(&rec, KR_JSON_MASK_SECRETS);
    assert_string_equal(json_string_value(json_object_get(j, "Salt")), KR_JSON_MASK);
    assert_string_equal(json_string_value(json_object_get(j, "Name")), "alice");
    json_decref(j);
    j = kr_metadata_record_to_json(&rec, KR_JSON_LOWER_CAMEL);
    assert_string_equal(json_string_value(json_object_get(j, "salt")), "AQID");
    json_decref(j);

    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.Name = kr_str_c("listener.name.sasl_ssl.ssl.keystore.password");
    rec.u.ConfigRecord.Value = kr_str_c("hunter2");
    j = kr_metadata_record_to_json(&rec, KR_JSON_MASK_SECRETS);
    assert_string_equal(json_string_value(json_object_get(j, "Value")), KR_JSON_MASK);
    json_decref(j);
    rec.u.ConfigRecord.Name = kr_str_c("retention.ms");
    j = kr_metadata_record_to_json(&rec, KR_JSON_MASK_SECRETS);
    assert_string_equal(json_string_value(json_object_get(j, "Value")), "hunter2");
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_level_value),
        cmocka_unit_test(test_topic_value),
        cmocka_unit_test(test_partition_v1_value),
        cmocka_unit_test(test_partition_change_tagged),
        cmocka_unit_test(test_empty_array_is_not_null_default),
        cmocka_unit_test(test_snapshot_header_value),
        cmocka_unit_test(test_register_broker_version_rules),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_unknown_tags_survive),
        cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_json_names_and_masking),
    };
    return cmocka_run_group_tests_name("records", tests, NULL, NULL);
}
