/* The controller's state machine (kraft/metadata_state) and the image ->
 * records writer (kraft/image_records): Kafka-written snapshots re-written by
 * us give the same record values in the same order, committed batches with
 * transactions apply as the loader says, and a written snapshot loads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kraft/image_json.h"
#include "kraft/image_records.h"
#include "kraft/metadata_record.h"
#include "kraft/metadata_state.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"
#include "tests/support/kraft_vectors.h"

#define T0 1735689600000LL

typedef struct values {
    kr_buf data;
    size_t lens[4096];
    size_t n;
} values;

static int collect(void *ctx, const uint8_t *v, size_t len, kr_error *err) {
    (void)err;
    values *vs = ctx;
    assert_true(vs->n < 4096);
    kr_put_raw(&vs->data, v, len);
    vs->lens[vs->n++] = len;
    return KR_OK;
}

/* The data record values of a snapshot file, in order. */
static void snapshot_values(const char *path, values *vs) {
    kr_snapshot_reader r;
    kr_error err;
    assert_int_equal(kr_snapshot_reader_open(&r, path, &err), KR_OK);
    kr_batch b;
    while (kr_snapshot_reader_next(&r, &b, &err) == KR_SCAN_BATCH) {
        if (kr_batch_is_control(&b.h)) continue;
        kr_record_iter it;
        kr_record_iter_init(&it, &b);
        kr_record rec;
        while (kr_record_next(&it, &rec, &err) == 1) collect(vs, rec.value.ptr, (size_t)rec.value.len, &err);
    }
    kr_snapshot_reader_close(&r);
}

static char *image_text(const kr_image *img) {
    json_t *j = kr_image_to_json(img, 0);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Kafka 3.9's snapshots hold one record of every kind in §10.3 order: ours must
 * be the same values, byte for byte, and load to the same image. */
static void check_rewrite(const char *rel) {
    char path[4096];
    if (!kv_vector_path(rel, path, sizeof path)) fail_msg("%s missing", rel);
    kr_metadata_state m;
    kr_metadata_state_init(&m);
    kr_error err;
    assert_int_equal(kr_metadata_state_load_snapshot(&m, path, (kr_snapshot_id){100, 5}, &err), KR_OK);
    values kafka = {0}, ours = {0};
    snapshot_values(path, &kafka);
    assert_int_equal(kr_image_write_records(&m.img, collect, &ours, &err), KR_OK);
    assert_int_equal(ours.n, kafka.n);
    size_t pos = 0;
    for (size_t i = 0; i < ours.n; i++) {
        assert_int_equal(ours.lens[i], kafka.lens[i]);
        if (memcmp(ours.data.data + pos, kafka.data.data + pos, ours.lens[i]) != 0)
            fail_msg("%s: record %zu differs", rel, i);
        pos += ours.lens[i];
    }
    /* Written as a snapshot file and loaded again: the same image. */
    kr_snapshot_id id;
    int64_t size;
    m.last_append_time_ms = T0;
    assert_int_equal(kr_metadata_state_write_snapshot(&m, kv_tmpdir, T0, &id, &size, &err), KR_OK);
    assert_int_equal(id.end_offset, 100);
    assert_int_equal(id.epoch, 5);
    char mine[4096], name[KR_SNAPSHOT_NAME_SIZE];
    kr_snapshot_file_name(id, name);
    snprintf(mine, sizeof mine, "%s/%s", kv_tmpdir, name);
    struct stat st;
    assert_int_equal(stat(mine, &st), 0);
    assert_int_equal(st.st_size, size);
    kr_metadata_state back;
    kr_metadata_state_init(&back);
    assert_int_equal(kr_metadata_state_load_snapshot(&back, mine, id, &err), KR_OK);
    char *a = image_text(&m.img), *b = image_text(&back.img);
    assert_string_equal(a, b);
    free(a);
    free(b);
    chmod(mine, 0600);
    unlink(mine);
    kr_buf_free(&kafka.data);
    kr_buf_free(&ours.data);
    kr_metadata_state_free(&m);
    kr_metadata_state_free(&back);
}

static void test_rewrites_kafka_snapshot_mv21(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    check_rewrite("kafka-3.9/snapshot-mv21/00000000000000000100-0000000005.checkpoint");
}

static void test_rewrites_kafka_snapshot_mv8(void **state) {
    (void)state;
    KV_REQUIRE_VECTORS();
    check_rewrite("kafka-3.9/snapshot-mv8/00000000000000000100-0000000005.checkpoint");
}

/* ---------- committed batches ---------- */

static void record_value(kr_buf *out, const kr_metadata_record *rec) {
    kr_error err;
    assert_int_equal(kr_metadata_record_encode(out, rec, &err), KR_OK);
}

/* One data batch at `base` holding the given records. */
static void batch_of(kr_buf *out, int64_t base, const kr_metadata_record *recs, int n) {
    kr_buf vals[8] = {{0}};
    kr_batch_builder b;
    kr_error err;
    kr_buf_reset(out);
    kr_batch_begin(&b, out, base, 2, T0, false);
    for (int i = 0; i < n; i++) {
        record_value(&vals[i], &recs[i]);
        assert_int_equal(kr_batch_add_data(&b, vals[i].data, vals[i].len, &err), KR_OK);
    }
    assert_int_equal(kr_batch_finish(&b, &err), KR_OK);
    for (int i = 0; i < n; i++) kr_buf_free(&vals[i]);
}

static void test_applies_batches_and_transactions(void **state) {
    (void)state;
    kr_metadata_state m;
    kr_metadata_state_init(&m);
    kr_error err;
    kr_buf b = {0};
    kr_metadata_record r[3];
    kr_metadata_record_init(&r[0], KR_REC_FEATURE_LEVEL_RECORD, 0);
    r[0].u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    r[0].u.FeatureLevelRecord.FeatureLevel = 21;
    batch_of(&b, 0, r, 1);
    assert_int_equal(kr_metadata_state_apply_batch(&m, b.data, b.len, &err), KR_OK);
    assert_int_equal(m.img.metadata_version, 21);
    assert_int_equal(m.applied_end, 1);
    assert_true(kr_metadata_state_can_snapshot(&m));

    /* A transaction over two batches: nothing applies before its end. */
    kr_uuid tid = {{1, 2, 3}};
    kr_metadata_record_init(&r[0], KR_REC_BEGIN_TRANSACTION_RECORD, 0);
    kr_metadata_record_init(&r[1], KR_REC_TOPIC_RECORD, 0);
    r[1].u.TopicRecord.Name = kr_str_c("t");
    r[1].u.TopicRecord.TopicId = tid;
    batch_of(&b, 1, r, 2);
    assert_int_equal(kr_metadata_state_apply_batch(&m, b.data, b.len, &err), KR_OK);
    memset(b.data, 0, b.len); /* the state holds its own copy of borrowed bytes */
    assert_int_equal(m.img.topics.n, 0);
    assert_false(kr_metadata_state_can_snapshot(&m));
    kr_metadata_record_init(&r[0], KR_REC_END_TRANSACTION_RECORD, 0);
    batch_of(&b, 3, r, 1);
    assert_int_equal(kr_metadata_state_apply_batch(&m, b.data, b.len, &err), KR_OK);
    assert_int_equal(m.img.topics.n, 1);
    assert_string_equal(m.img.topics.v[0].name, "t");
    assert_true(kr_metadata_state_can_snapshot(&m));
    assert_int_equal(m.applied_end, 4);

    /* A batch that does not continue the applied log is refused. */
    kr_metadata_record_init(&r[0], KR_REC_NO_OP_RECORD, 0);
    batch_of(&b, 9, r, 1);
    assert_int_not_equal(kr_metadata_state_apply_batch(&m, b.data, b.len, &err), KR_OK);
    kr_buf_free(&b);
    kr_metadata_state_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrites_kafka_snapshot_mv21),
        cmocka_unit_test(test_rewrites_kafka_snapshot_mv8),
        cmocka_unit_test(test_applies_batches_and_transactions),
    };
    return cmocka_run_group_tests(tests, kv_setup_tmpdir, kv_teardown_tmpdir);
}
