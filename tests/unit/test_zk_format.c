/* ZooKeeper-mode znode encoders (zk-layout.md §2): exact strings for canonical examples,
 * and every encoder read back through zkread's decoder into the ZK model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/image.h"
#include "migrate/password.h"
#include "migrate/zk_format.h"
#include "zkread/model.h"

#define ID_A "kP6x3wKTQ8SR4Jr0L7dzvg"

static char *text(const kr_buf *b) {
    char *s = malloc(b->len + 1);
    memcpy(s, b->data, b->len);
    s[b->len] = 0;
    return s;
}

static void assert_buf(const kr_buf *b, const char *want) {
    char *got = text(b);
    if (strcmp(got, want)) fail_msg("want %s\n got %s", want, got);
    free(got);
}

/* A model holding the given znodes (data as text, NULL = null). */
typedef struct znode {
    const char *path;
    const char *data;
    int32_t version;
} znode;

static void load(zr_model *m, zr_findings *f, const znode *z, size_t n) {
    zr_model_init(m);
    memset(f, 0, sizeof *f);
    f->lenient = true;
    for (size_t i = 0; i < n; i++) {
        zr_stat st = {.version = z[i].version};
        assert_true(zr_model_add_znode(m, z[i].path, (const uint8_t *)z[i].data,
                                       z[i].data ? (int32_t)strlen(z[i].data) : -1, &st, f));
    }
    zr_model_finish(m, f);
    for (size_t i = 0; i < f->n; i++) fprintf(stderr, "finding: %s: %s\n", f->v[i].path, f->v[i].message);
}

static void apply(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    if (kr_image_apply(img, rec, &err)) fail_msg("apply: %s", err.message);
}

/* ---- topics and partitions ---------------------------------------------------------- */

static void build_topic(kr_image *img) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("orders");
    assert_true(kr_uuid_from_text(ID_A, &rec.u.TopicRecord.TopicId));
    apply(img, &rec);
    static int32_t r0[] = {3, 1, 2, 0}, r1[] = {2, 0, 1}, add0[] = {3}, rem0[] = {0}, isr0[] = {1, 2, 0}, isr1[] = {2};
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
    kr_PartitionRecord *p = &rec.u.PartitionRecord;
    assert_true(kr_uuid_from_text(ID_A, &p->TopicId));
    p->PartitionId = 0;
    p->Replicas = (kr_array_i32){r0, 4};
    p->AddingReplicas = (kr_array_i32){add0, 1};
    p->RemovingReplicas = (kr_array_i32){rem0, 1};
    p->Isr = (kr_array_i32){isr0, 3};
    p->Leader = 1;
    p->LeaderEpoch = 12;
    p->PartitionEpoch = 30;
    apply(img, &rec);
    p->PartitionId = 1;
    p->Replicas = (kr_array_i32){r1, 3};
    p->AddingReplicas = (kr_array_i32){NULL, 0};
    p->RemovingReplicas = (kr_array_i32){NULL, 0};
    p->Isr = (kr_array_i32){isr1, 1};
    p->Leader = 2;
    p->LeaderEpoch = 10;
    p->LeaderRecoveryState = 1;
    apply(img, &rec);
}

static void test_topic_exact(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    build_topic(&img);
    kr_buf b = {0};
    const kr_image_topic *t = kr_image_topic_by_name(&img, "orders", 6);
    assert_true(mg_zkf_topic(&b, t));
    assert_buf(&b, "{\"version\":3,\"topic_id\":\"" ID_A "\",\"partitions\":{\"0\":[3,1,2,0],\"1\":[2,0,1]},"
                   "\"adding_replicas\":{\"0\":[3]},\"removing_replicas\":{\"0\":[0]}}");
    assert_true(mg_zkf_partition_state(&b, &t->partitions[0], 17));
    assert_buf(&b, "{\"version\":1,\"leader\":1,\"leader_epoch\":12,\"isr\":[1,2,0],\"controller_epoch\":17}");
    assert_true(mg_zkf_partition_state(&b, &t->partitions[1], 22));
    assert_buf(&b, "{\"version\":1,\"leader\":2,\"leader_epoch\":10,\"isr\":[2],\"controller_epoch\":22,"
                   "\"leader_recovery_state\":1}");
    kr_buf_free(&b);
    kr_image_free(&img);
}

static void test_topic_round_trip(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    build_topic(&img);
    const kr_image_topic *t = kr_image_topic_by_name(&img, "orders", 6);
    kr_buf b0 = {0}, b1 = {0}, b2 = {0};
    assert_true(mg_zkf_topic(&b0, t));
    assert_true(mg_zkf_partition_state(&b1, &t->partitions[0], 17));
    assert_true(mg_zkf_partition_state(&b2, &t->partitions[1], 17));
    char *s0 = text(&b0), *s1 = text(&b1), *s2 = text(&b2);
    znode z[] = {{"/brokers/topics/orders", s0, 0},
                 {"/brokers/topics/orders/partitions", NULL, 0},
                 {"/brokers/topics/orders/partitions/0", NULL, 0},
                 {"/brokers/topics/orders/partitions/0/state", s1, 5},
                 {"/brokers/topics/orders/partitions/1", NULL, 0},
                 {"/brokers/topics/orders/partitions/1/state", s2, 6}};
    zr_model m;
    zr_findings f;
    load(&m, &f, z, 6);
    assert_int_equal(f.errors, 0);
    zr_topic *zt = zr_model_topic(&m, "orders");
    assert_non_null(zt);
    assert_true(zt->has_assignment && zt->has_id);
    assert_memory_equal(zt->id, t->id.b, 16);
    assert_int_equal(zt->version, 3);
    assert_int_equal(zt->n_partitions, 2);
    for (int i = 0; i < 2; i++) {
        const zr_partition *zp = &zt->partitions[i];
        const kr_image_partition *ip = &t->partitions[i];
        assert_true(zp->has_state);
        assert_false(zp->synthesized);
        assert_int_equal(zp->replicas.n, ip->replicas.n);
        assert_memory_equal(zp->replicas.v, ip->replicas.v, zp->replicas.n * 4);
        assert_int_equal(zp->adding.n, ip->adding_replicas.n > 0 ? ip->adding_replicas.n : 0);
        assert_int_equal(zp->removing.n, ip->removing_replicas.n > 0 ? ip->removing_replicas.n : 0);
        if (zp->adding.n) assert_memory_equal(zp->adding.v, ip->adding_replicas.v, zp->adding.n * 4);
        if (zp->removing.n) assert_memory_equal(zp->removing.v, ip->removing_replicas.v, zp->removing.n * 4);
        assert_int_equal(zp->state.leader, ip->leader);
        assert_int_equal(zp->state.leader_epoch, ip->leader_epoch);
        assert_int_equal(zp->state.leader_recovery_state, ip->leader_recovery_state);
        assert_int_equal(zp->state.controller_epoch, 17);
        assert_int_equal(zp->state.isr.n, ip->isr.n);
        assert_memory_equal(zp->state.isr.v, ip->isr.v, zp->state.isr.n * 4);
    }
    zr_model_free(&m);
    zr_findings_free(&f);
    free(s0);
    free(s1);
    free(s2);
    kr_buf_free(&b0);
    kr_buf_free(&b1);
    kr_buf_free(&b2);
    kr_image_free(&img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_exact),
        cmocka_unit_test(test_topic_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
