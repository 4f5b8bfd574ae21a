/* Folding metadata records into the image (spec metadata-log.md §12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kraft/image.h"
#include "kraft/strmap.h"
#include "tests/support/rand.h"

static kr_uuid topic_id(uint8_t n) {
    kr_uuid u = {{0}};
    u.b[0] = 0x10;
    u.b[15] = n;
    return u;
}

static void apply_ok(kr_image *img, kr_metadata_record *rec) {
    kr_error err = {0};
    int rc = kr_image_apply(img, rec, &err);
    if (rc != KR_OK) fail_msg("apply %s: %s", kr_record_type_name(rec->api_key), err.message);
}

static void add_topic(kr_image *img, const char *name, uint8_t id, int partitions) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c(name);
    rec.u.TopicRecord.TopicId = topic_id(id);
    apply_ok(img, &rec);
    int32_t replicas[] = {1, 2, 3};
    for (int p = 0; p < partitions; p++) {
        kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
        kr_PartitionRecord *pr = &rec.u.PartitionRecord;
        pr->PartitionId = p;
        pr->TopicId = topic_id(id);
        pr->Replicas = (kr_array_i32){replicas, 3};
        pr->Isr = (kr_array_i32){replicas, 3};
        pr->Leader = 1;
        pr->LeaderEpoch = 4;
        pr->PartitionEpoch = 9;
        apply_ok(img, &rec);
    }
}

static void set_config(kr_image *img, int8_t type, const char *res, const char *name, const char *value) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = kr_str_c(res);
    rec.u.ConfigRecord.Name = kr_str_c(name);
    rec.u.ConfigRecord.Value = kr_str_c(value);
    apply_ok(img, &rec);
}

static void test_topics_and_partitions(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    add_topic(&img, "foo", 1, 3);
    add_topic(&img, "bar", 2, 2);
    assert_int_equal(img.topics.n, 2);
    assert_int_equal(img.partition_count, 5);
    kr_image_topic *t = kr_image_topic_by_name(&img, "foo", 3);
    assert_non_null(t);
    kr_uuid id = topic_id(1);
    assert_ptr_equal(kr_image_topic_by_id(&img, &id), t);
    assert_int_equal(t->partition_count, 3);
    assert_int_equal(t->partitions[2].leader, 1);
    assert_int_equal(t->partitions[2].isr.n, 3);

    /* PartitionChangeRecord: new ISR and leader; epochs advance; rest unchanged. */
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    int32_t isr[] = {2};
    rec.u.PartitionChangeRecord.PartitionId = 2;
    rec.u.PartitionChangeRecord.TopicId = id;
    rec.u.PartitionChangeRecord.Isr = (kr_array_i32){isr, 1};
    rec.u.PartitionChangeRecord.Leader = 2;
    apply_ok(&img, &rec);
    kr_image_partition *p = &t->partitions[2];
    assert_int_equal(p->leader, 2);
    assert_int_equal(p->leader_epoch, 5);
    assert_int_equal(p->partition_epoch, 10);
    assert_int_equal(p->isr.n, 1);
    assert_int_equal(p->replicas.n, 3);
    /* Leader -2 leaves leader and leader epoch alone; partition epoch still moves. */
    kr_metadata_record_init(&rec, KR_REC_PARTITION_CHANGE_RECORD, 0);
    rec.u.PartitionChangeRecord.PartitionId = 2;
    rec.u.PartitionChangeRecord.TopicId = id;
    rec.u.PartitionChangeRecord.LeaderRecoveryState = 1;
    apply_ok(&img, &rec);
    assert_int_equal(p->leader, 2);
    assert_int_equal(p->leader_epoch, 5);
    assert_int_equal(p->partition_epoch, 11);
    assert_int_equal(p->leader_recovery_state, 1);

    /* Unknown partition and unknown topic are errors that say so. */
    rec.u.PartitionChangeRecord.PartitionId = 7;
    kr_error err = {0};
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "no partition 7"));
    rec.u.PartitionChangeRecord.TopicId = topic_id(99);
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "no topic with id"));
    /* Duplicate topic name. */
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("foo");
    rec.u.TopicRecord.TopicId = topic_id(3);
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    kr_image_free(&img);
}

static void test_remove_topic_takes_its_configs(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    add_topic(&img, "a", 1, 1);
    add_topic(&img, "b", 2, 2);
    add_topic(&img, "c", 3, 1);
    set_config(&img, 2, "a", "retention.ms", "1000");
    set_config(&img, 2, "b", "retention.ms", "2000");
    set_config(&img, 2, "b", "cleanup.policy", "compact");
    set_config(&img, 4, "", "log.retention.hours", "24");
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REMOVE_TOPIC_RECORD, 0);
    rec.u.RemoveTopicRecord.TopicId = topic_id(2);
    apply_ok(&img, &rec);
    assert_null(kr_image_topic_by_name(&img, "b", 1));
    assert_non_null(kr_image_topic_by_name(&img, "c", 1)); /* moved into b's slot */
    kr_uuid c = topic_id(3);
    assert_string_equal(kr_image_topic_by_id(&img, &c)->name, "c");
    assert_int_equal(img.partition_count, 2);
    assert_null(kr_image_config_value(&img, 2, "b", "retention.ms"));
    assert_string_equal(kr_image_config_value(&img, 2, "a", "retention.ms"), "1000");
    assert_string_equal(kr_image_config_value(&img, 4, "", "log.retention.hours"), "24");
    assert_int_equal(img.configs.n, 2);
    kr_image_free(&img);
}

static void test_config_null_value_deletes(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    set_config(&img, 4, "1", "x", "1");
    set_config(&img, 4, "1", "x", "2");
    assert_string_equal(kr_image_config_value(&img, 4, "1", "x"), "2");
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = 4;
    rec.u.ConfigRecord.ResourceName = kr_str_c("1");
    rec.u.ConfigRecord.Name = kr_str_c("x");
    rec.u.ConfigRecord.Value = KR_STR_NULL;
    apply_ok(&img, &rec);
    assert_null(kr_image_config_value(&img, 4, "1", "x"));
    assert_int_equal(img.configs.n, 0);
    kr_image_free(&img);
}

static void test_brokers_fencing_and_epochs(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 3);
    rec.u.RegisterBrokerRecord.BrokerId = 1;
    rec.u.RegisterBrokerRecord.BrokerEpoch = 10;
    rec.u.RegisterBrokerRecord.Rack = kr_str_c("r1");
    apply_ok(&img, &rec);
    kr_image_node *b = kr_image_broker(&img, 1);
    assert_true(b->fenced);
    assert_string_equal(b->rack, "r1");
    kr_metadata_record_init(&rec, KR_REC_BROKER_REGISTRATION_CHANGE_RECORD, 0);
    rec.u.BrokerRegistrationChangeRecord.BrokerId = 1;
    rec.u.BrokerRegistrationChangeRecord.BrokerEpoch = 10;
    rec.u.BrokerRegistrationChangeRecord.Fenced = -1;
    apply_ok(&img, &rec);
    assert_false(kr_image_broker(&img, 1)->fenced);
    rec.u.BrokerRegistrationChangeRecord.BrokerEpoch = 11; /* stale/future epoch */
    kr_error err = {0};
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "epoch"));
    kr_metadata_record_init(&rec, KR_REC_UNREGISTER_BROKER_RECORD, 0);
    rec.u.UnregisterBrokerRecord.BrokerId = 1;
    apply_ok(&img, &rec);
    assert_null(kr_image_broker(&img, 1));
    kr_image_free(&img);
}

static void test_quotas_scram_acls_features(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    kr_metadata_record rec;
    kr_ClientQuotaRecord_EntityData ent[2];
    kr_ClientQuotaRecord_EntityData_init(&ent[0]);
    kr_ClientQuotaRecord_EntityData_init(&ent[1]);
    ent[0].EntityType = kr_str_c("user");
    ent[0].EntityName = kr_str_c("alice");
    ent[1].EntityType = kr_str_c("client-id");
    ent[1].EntityName = KR_STR_NULL; /* default client */
    kr_metadata_record_init(&rec, KR_REC_CLIENT_QUOTA_RECORD, 0);
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){ent, 2};
    rec.u.ClientQuotaRecord.Key = kr_str_c("producer_byte_rate");
    rec.u.ClientQuotaRecord.Value = 1024;
    apply_ok(&img, &rec);
    /* Same entity in the other order is the same quota. */
    kr_ClientQuotaRecord_EntityData swapped[2] = {ent[1], ent[0]};
    rec.u.ClientQuotaRecord.Entity = (kr_ClientQuotaRecord_EntityData_array){swapped, 2};
    rec.u.ClientQuotaRecord.Value = 2048;
    apply_ok(&img, &rec);
    assert_int_equal(img.quotas.n, 1);
    assert_true(img.quotas.v[0].value == 2048);
    assert_null(img.quotas.v[0].entity[0].name); /* client-id sorts first, default */
    rec.u.ClientQuotaRecord.Remove = true;
    apply_ok(&img, &rec);
    assert_int_equal(img.quotas.n, 0);

    uint8_t salt[] = {1, 2, 3, 4};
    kr_metadata_record_init(&rec, KR_REC_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.UserScramCredentialRecord.Name = kr_str_c("alice");
    rec.u.UserScramCredentialRecord.Mechanism = 2;
    rec.u.UserScramCredentialRecord.Salt = (kr_bytes){salt, 4};
    rec.u.UserScramCredentialRecord.Iterations = 4096;
    apply_ok(&img, &rec);
    assert_int_equal(img.scram.n, 1);
    assert_int_equal(img.scram.v[0].salt_len, 4);
    kr_metadata_record_init(&rec, KR_REC_REMOVE_USER_SCRAM_CREDENTIAL_RECORD, 0);
    rec.u.RemoveUserScramCredentialRecord.Name = kr_str_c("alice");
    rec.u.RemoveUserScramCredentialRecord.Mechanism = 2;
    apply_ok(&img, &rec);
    assert_int_equal(img.scram.n, 0);

    kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
    rec.u.AccessControlEntryRecord.Id = topic_id(5);
    rec.u.AccessControlEntryRecord.Principal = kr_str_c("User:alice");
    rec.u.AccessControlEntryRecord.ResourceName = kr_str_c("foo");
    rec.u.AccessControlEntryRecord.Host = kr_str_c("*");
    apply_ok(&img, &rec);
    assert_int_equal(img.acls.n, 1);
    kr_metadata_record_init(&rec, KR_REC_REMOVE_ACCESS_CONTROL_ENTRY_RECORD, 0);
    rec.u.RemoveAccessControlEntryRecord.Id = topic_id(6);
    kr_error err = {0};
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    rec.u.RemoveAccessControlEntryRecord.Id = topic_id(5);
    apply_ok(&img, &rec);
    assert_int_equal(img.acls.n, 0);

    kr_metadata_record_init(&rec, KR_REC_FEATURE_LEVEL_RECORD, 0);
    rec.u.FeatureLevelRecord.Name = kr_str_c("metadata.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 21;
    apply_ok(&img, &rec);
    rec.u.FeatureLevelRecord.Name = kr_str_c("group.version");
    rec.u.FeatureLevelRecord.FeatureLevel = 1;
    apply_ok(&img, &rec);
    assert_int_equal(img.metadata_version, 21);
    assert_int_equal(img.features.n, 1);
    rec.u.FeatureLevelRecord.FeatureLevel = 0; /* level 0 removes */
    apply_ok(&img, &rec);
    assert_int_equal(img.features.n, 0);
    kr_image_free(&img);
}

/* Loader: records inside a transaction apply at End, vanish at Abort or at
 * the end of input, and transaction records are errors inside snapshots. */
static void encode_value(kr_buf *b, kr_metadata_record *rec) {
    kr_buf_reset(b);
    assert_int_equal(kr_metadata_record_encode(b, rec, NULL), KR_OK);
}

static void test_loader_transactions(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    kr_image_loader l;
    kr_image_loader_init(&l, &img);
    kr_buf vals[6] = {{0}};
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_BEGIN_TRANSACTION_RECORD, 0);
    encode_value(&vals[0], &rec);
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("t1");
    rec.u.TopicRecord.TopicId = topic_id(1);
    encode_value(&vals[1], &rec);
    kr_metadata_record_init(&rec, KR_REC_END_TRANSACTION_RECORD, 0);
    encode_value(&vals[2], &rec);
    kr_metadata_record_init(&rec, KR_REC_ABORT_TRANSACTION_RECORD, 0);
    encode_value(&vals[3], &rec);
    kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
    rec.u.TopicRecord.Name = kr_str_c("t2");
    rec.u.TopicRecord.TopicId = topic_id(2);
    encode_value(&vals[4], &rec);
    kr_error err = {0};
#define FEED(i, off) kr_image_loader_apply_value(&l, vals[i].data, vals[i].len, off, &err)
    assert_int_equal(FEED(0, 1), KR_OK);
    assert_int_equal(FEED(1, 2), KR_OK);
    assert_int_equal(img.topics.n, 0); /* pending */
    assert_int_equal(FEED(2, 3), KR_OK);
    assert_int_equal(img.topics.n, 1);
    assert_int_equal(FEED(0, 4), KR_OK);
    assert_int_equal(FEED(4, 5), KR_OK);
    assert_int_equal(FEED(3, 6), KR_OK); /* abort */
    assert_int_equal(img.topics.n, 1);
    assert_int_equal(l.records_discarded, 1);
    assert_int_equal(FEED(2, 7), KR_ERR_INVALID); /* End without Begin */
    assert_non_null(strstr(err.message, "offset 7"));
    assert_int_equal(FEED(0, 8), KR_OK);
    assert_int_equal(FEED(4, 9), KR_OK);
    assert_int_equal(kr_image_loader_finish(&l), 1); /* open at end of input: discarded */
    assert_int_equal(img.topics.n, 1);
    l.in_snapshot = true;
    assert_int_equal(FEED(0, 10), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "not allowed in a snapshot"));
#undef FEED
    for (int i = 0; i < 6; i++) kr_buf_free(&vals[i]);
    kr_image_loader_free(&l);
    kr_image_free(&img);
}

/* The index against a plain model: random puts and deletes. */
static void test_strmap_against_model(void **state) {
    (void)state;
    enum { KEYS = 500 };
    int32_t model[KEYS];
    for (int i = 0; i < KEYS; i++) model[i] = -1;
    kr_strmap m = {0};
    kr_rand rng = kr_rand_seed(42);
    for (int step = 0; step < 50000; step++) {
        int k = (int)kr_rand_below(&rng, KEYS);
        char key[16];
        int len = snprintf(key, sizeof key, "k%d", k);
        if (kr_rand_below(&rng, 3) == 0) {
            assert_int_equal(kr_strmap_del(&m, key, (size_t)len), model[k]);
            model[k] = -1;
        } else {
            int32_t v = (int32_t)kr_rand_below(&rng, 1000);
            assert_true(kr_strmap_put(&m, key, (size_t)len, v));
            model[k] = v;
        }
        if (step % 997 == 0)
            for (int j = 0; j < KEYS; j++) {
                len = snprintf(key, sizeof key, "k%d", j);
                assert_int_equal(kr_strmap_get(&m, key, (size_t)len), model[j]);
            }
    }
    kr_strmap_free(&m);
}

/* A partition id from a corrupt or hostile log must not size the per-topic array. */
static void test_partition_id_bound(void **state) {
    (void)state;
    kr_image img;
    kr_image_init(&img);
    add_topic(&img, "foo", 1, 1);
    int32_t replicas[] = {1};
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
    rec.u.PartitionRecord.TopicId = topic_id(1);
    rec.u.PartitionRecord.Replicas = (kr_array_i32){replicas, 1};
    rec.u.PartitionRecord.Isr = (kr_array_i32){replicas, 1};
    rec.u.PartitionRecord.PartitionId = KR_IMAGE_MAX_PARTITION_ID + 1;
    kr_error err = {0};
    assert_int_equal(kr_image_apply(&img, &rec, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "partition id 1000000 is out of range"));
    assert_int_equal(img.partition_count, 1);
    rec.u.PartitionRecord.PartitionId = KR_IMAGE_MAX_PARTITION_ID;
    apply_ok(&img, &rec);
    assert_int_equal(img.partition_count, 2);
    kr_image_free(&img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topics_and_partitions),
        cmocka_unit_test(test_partition_id_bound),
        cmocka_unit_test(test_remove_topic_takes_its_configs),
        cmocka_unit_test(test_config_null_value_deletes),
        cmocka_unit_test(test_brokers_fencing_and_epochs),
        cmocka_unit_test(test_quotas_scram_acls_features),
        cmocka_unit_test(test_loader_transactions),
        cmocka_unit_test(test_strmap_against_model),
    };
    return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
