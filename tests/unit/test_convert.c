/* ZooKeeper model -> records (migration.md §4, §13; metadata-log.md §10): mapping, order,
 * record versions per metadata.version, minted ids, passwords, and the expected-image rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/image_json.h"
#include "kraft/metadata_version.h"
#include "migrate/controllers.h"
#include "migrate/convert.h"
#include "migrate/expected_image.h"
#include "migrate/password.h"

typedef struct ctx {
    zr_model m;
    zr_findings f;
    /* what the sink saw */
    int16_t keys[4096];
    int16_t versions[4096];
    int n;
    kr_metadata_record last_partition;
    kr_arena arena;
} ctx;

static void add(ctx *c, const char *path, const char *json, int32_t version) {
    zr_stat st = {.version = version, .czxid = 42, .mzxid = 43};
    assert_true(zr_model_add_znode(&c->m, path, (const uint8_t *)json, json ? (int32_t)strlen(json) : 0, &st,
                                   &c->f));
}

static void start(ctx *c) {
    memset(c, 0, sizeof *c);
    zr_model_init(&c->m);
    add(c, "/cluster/id", "{\"version\":\"1\",\"id\":\"Q2x1c3Rlci1pZC0xMjM0NQ\"}", 0);
}

static void stop(ctx *c) {
    zr_model_free(&c->m);
    zr_findings_free(&c->f);
    kr_arena_free(&c->arena);
}

static int sink_fn(void *vctx, const kr_metadata_record *rec, const uint8_t *value, size_t len, kr_error *err) {
    ctx *c = vctx;
    /* the framed bytes decode back to the same api key and version */
    kr_metadata_record back;
    assert_int_equal(kr_metadata_record_decode(value, len, &back, &c->arena, err), 0);
    assert_int_equal(back.api_key, rec->api_key);
    assert_int_equal(back.version, rec->version);
    if (c->n < 4096) {
        c->keys[c->n] = rec->api_key;
        c->versions[c->n] = rec->version;
        c->n++;
    }
    if (rec->api_key == KR_REC_PARTITION_RECORD) c->last_partition = back;
    return 0;
}

static int convert(ctx *c, const mg_convert_options *o, mg_convert_report *rep, kr_error *err) {
    zr_model_finish(&c->m, &c->f);
    mg_record_sink sink = {sink_fn, c};
    mg_convert_report_init(rep);
    return mg_convert(&c->m, o, &sink, rep, err);
}

static int image_of(ctx *c, const mg_convert_options *o, kr_image *img, mg_convert_report *rep, kr_error *err) {
    zr_model_finish(&c->m, &c->f);
    kr_image_init(img);
    mg_convert_report_init(rep);
    return mg_model_to_image(&c->m, o, img, rep, err);
}

static const char TOPIC_T[] =
    "{\"version\":3,\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\",\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1]},"
    "\"adding_replicas\":{\"1\":[1]},\"removing_replicas\":{}}";

/* §13.1: an empty ZooKeeper gives only the feature and migration-state records. */
static void test_empty(void **state) {
    (void)state;
    ctx c;
    start(&c);
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(convert(&c, &o, &rep, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.keys[0], KR_REC_FEATURE_LEVEL_RECORD);
    assert_int_equal(c.keys[1], KR_REC_ZK_MIGRATION_STATE_RECORD);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* §4.1: partition epoch = state znode version; state fields copied verbatim; adding replicas. */
static void test_partition_mapping(void **state) {
    (void)state;
    ctx c;
    start(&c);
    add(&c, "/brokers/topics/t", TOPIC_T, 0);
    add(&c, "/brokers/topics/t/partitions/0/state",
        "{\"controller_epoch\":9,\"leader\":-1,\"version\":1,\"leader_epoch\":7,\"isr\":[],"
        "\"leader_recovery_state\":1}", 13);
    add(&c, "/brokers/topics/t/partitions/1/state",
        "{\"controller_epoch\":9,\"leader\":3,\"version\":1,\"leader_epoch\":2,\"isr\":[1]}", 5);
    kr_image img;
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    kr_image_topic *t = kr_image_topic_by_name(&img, "t", 1);
    assert_non_null(t);
    char id[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&t->id, id);
    assert_string_equal(id, "kP6x3wKTQ8SR4Jr0L7dzvg");
    kr_image_partition *p0 = &t->partitions[0], *p1 = &t->partitions[1];
    assert_int_equal(p0->leader, -1); /* offline leader copied */
    assert_int_equal(p0->isr.n, 0);   /* empty ISR copied */
    assert_int_equal(p0->leader_epoch, 7);
    assert_int_equal(p0->partition_epoch, 13);
    assert_int_equal(p0->leader_recovery_state, 1);
    assert_int_equal(p1->leader, 3); /* leader outside the ISR copied */
    assert_int_equal(p1->partition_epoch, 5);
    assert_int_equal(p1->adding_replicas.n, 1);
    assert_int_equal(p1->adding_replicas.v[0], 1);
    assert_int_equal(img.zk_migration_state, MG_ZK_STATE_POST_MIGRATION);
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* §4.1: a missing state znode gets Kafka's substitute; empty replicas without state blocks. */
static void test_missing_state(void **state) {
    (void)state;
    ctx c;
    start(&c);
    add(&c, "/brokers/topics/t", "{\"version\":3,\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\",\"partitions\":{\"0\":[2,1]}}", 0);
    kr_image img;
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    kr_image_partition *p = &kr_image_topic_by_name(&img, "t", 1)->partitions[0];
    assert_int_equal(p->leader, 2);
    assert_int_equal(p->isr.n, 2);
    assert_int_equal(p->leader_epoch, 0);
    assert_int_equal(p->partition_epoch, 0);
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);

    start(&c);
    add(&c, "/brokers/topics/t", "{\"version\":3,\"topic_id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\",\"partitions\":{\"0\":[]}}", 0);
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), KR_ERR_INVALID);
    assert_int_equal(rep.blockers, 1);
    assert_non_null(strstr(err.message, "/brokers/topics/t/partitions/0/state"));
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* §4.1: pending deletions are skipped with their configs; an empty partitions object gives a
 * TopicRecord alone; an id-less topic gets a minted id, reported. */
static void test_topics_skipped_and_minted(void **state) {
    (void)state;
    ctx c;
    start(&c);
    add(&c, "/brokers/topics/gone", TOPIC_T, 0);
    add(&c, "/admin/delete_topics/gone", NULL, 0);
    add(&c, "/config/topics/gone", "{\"version\":1,\"config\":{\"retention.ms\":\"1\"}}", 0);
    add(&c, "/brokers/topics/empty", "{\"version\":3,\"topic_id\":\"Qm3xJ0m2Te6VqgkP8y3f0w\",\"partitions\":{}}", 0);
    add(&c, "/brokers/topics/old", "{\"version\":1,\"partitions\":{\"0\":[1]}}", 0);
    add(&c, "/brokers/topics/old/partitions/0/state", "{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":0,\"isr\":[1]}", 0);
    kr_image img;
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    assert_null(kr_image_topic_by_name(&img, "gone", 4));
    assert_null(kr_image_config_value(&img, 2, "gone", "retention.ms"));
    assert_int_equal(rep.n_skipped, 1);
    assert_string_equal(rep.skipped_topics[0], "gone");
    kr_image_topic *e = kr_image_topic_by_name(&img, "empty", 5);
    assert_non_null(e);
    assert_int_equal(e->partition_count, 0);
    kr_image_topic *old = kr_image_topic_by_name(&img, "old", 3);
    assert_non_null(old);
    assert_int_equal(rep.n_minted, 1);
    assert_string_equal(rep.minted[0].topic, "old");
    assert_true(kr_uuid_eq(&rep.minted[0].id, &old->id));
    assert_true(mg_uuid_is_mintable(&old->id));
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

static bool bad_then_good(void *vctx, kr_uuid *out) {
    int *calls = vctx;
    memset(out, 0, sizeof *out);
    if (*calls == 1) out->b[15] = 1;                 /* the metadata topic id */
    if (*calls == 2) memset(out->b, 0xFB, 16);       /* text starts with '-' */
    if (*calls >= 3) memset(out->b, 0x11, 16);
    (*calls)++;
    return true;
}

/* Uuid.randomUuid's constraints on minted ids (§4.1). */
static void test_mint_constraints(void **state) {
    (void)state;
    kr_uuid u = {0};
    assert_false(mg_uuid_is_mintable(&u));
    u.b[15] = 1;
    assert_false(mg_uuid_is_mintable(&u));
    memset(u.b, 0xFB, 16);
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&u, text);
    assert_int_equal(text[0], '-');
    assert_false(mg_uuid_is_mintable(&u));
    ctx c;
    start(&c);
    add(&c, "/brokers/topics/old", "{\"version\":1,\"partitions\":{\"0\":[1]}}", 0);
    int calls = 0;
    mg_convert_options o = {.random_uuid = bad_then_good, .random_ctx = &calls};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(convert(&c, &o, &rep, &err), 0);
    assert_int_equal(calls, 4); /* zero, metadata id and '-' rejected */
    kr_uuid want;
    memset(want.b, 0x11, 16);
    assert_true(kr_uuid_eq(&rep.minted[0].id, &want));
    mg_convert_report_free(&rep);
    stop(&c);
}

/* metadata-log.md §10.2: PartitionRecord v0 below 3.7-IV2 (no directories), v1 with MIGRATING
 * (all-zero) directories from 3.7-IV2; SCRAM from 3.5-IV2; tokens from 3.6-IV2. */
static void test_record_versions(void **state) {
    (void)state;
    static const struct { int16_t level; int16_t partition_version; bool scram_ok; bool tokens; } L[] = {
        {KR_MV_3_4_IV0, 0, false, false}, {KR_MV_3_5_IV2, 0, true, false}, {KR_MV_3_6_IV2, 0, true, true},
        {16, 0, true, true}, {KR_MV_3_7_IV2, 1, true, true}, {KR_MV_3_9_IV0, 1, true, true},
    };
    for (size_t i = 0; i < sizeof L / sizeof *L; i++) {
        ctx c;
        start(&c);
        add(&c, "/brokers/topics/t", TOPIC_T, 0);
        add(&c, "/delegation_token/tokens/tok",
            "{\"version\":3,\"owner\":\"User%3Aalice\",\"tokenRequester\":\"User%3Aadmin\",\"renewers\":[],"
            "\"issueTimestamp\":1,\"maxTimestamp\":3,\"expiryTimestamp\":2,\"tokenId\":\"tok\"}", 0);
        mg_convert_options o = {.metadata_version = L[i].level};
        mg_convert_report rep;
        kr_error err = {0};
        assert_int_equal(convert(&c, &o, &rep, &err), 0);
        assert_int_equal(c.last_partition.version, L[i].partition_version);
        if (L[i].partition_version == 1) {
            assert_int_equal(c.last_partition.u.PartitionRecord.Directories.n, 3);
            assert_true(kr_uuid_is_zero(&c.last_partition.u.PartitionRecord.Directories.v[0]));
        }
        assert_int_equal(rep.by_type[KR_REC_DELEGATION_TOKEN_RECORD], L[i].tokens ? 1 : 0);
        assert_int_equal(rep.by_type[KR_REC_FEATURE_LEVEL_RECORD], 1);
        mg_convert_report_free(&rep);
        stop(&c);

        start(&c);
        add(&c, "/config/users/alice",
            "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=MWtxOXhlcmZ0dHBjaWx5eW9yNG9qMmFneA==,"
            "stored_key=SLpHpgWR8RA+SE1ZbgKs4xZTRPgJ2wvfWOfC9DofiqQ=,server_key=oVnovuV/AWSeXH8oVhv0Jv31fABh6lo1OuThq7+ZFaU=,"
            "iterations=4096\"}}", 0);
        assert_int_equal(convert(&c, &o, &rep, &err), L[i].scram_ok ? 0 : KR_ERR_INVALID);
        assert_int_equal(rep.blockers, L[i].scram_ok ? 0 : 1);
        mg_convert_report_free(&rep);
        stop(&c);
    }
    /* out of range targets */
    ctx c;
    start(&c);
    mg_convert_options o = {.metadata_version = 7};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(convert(&c, &o, &rep, &err), KR_ERR_UNSUPPORTED);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* Snapshot order (§10.3): features, migration state, topics+partitions, configs, quotas,
 * producer ids, ACLs, SCRAM, tokens. */
static void test_snapshot_order(void **state) {
    (void)state;
    ctx c;
    start(&c);
    add(&c, "/brokers/topics/t", TOPIC_T, 0);
    add(&c, "/config/topics/t", "{\"version\":1,\"config\":{\"retention.ms\":\"1\"}}", 0);
    add(&c, "/config/brokers/<default>", "{\"version\":1,\"config\":{\"log.cleaner.threads\":\"2\"}}", 0);
    add(&c, "/config/users/alice",
        "{\"version\":1,\"config\":{\"producer_byte_rate\":\"10\",\"SCRAM-SHA-256\":\"salt=MWtxOXhlcmZ0dHBjaWx5eW9yNG9qMmFneA==,"
        "stored_key=SLpHpgWR8RA+SE1ZbgKs4xZTRPgJ2wvfWOfC9DofiqQ=,server_key=oVnovuV/AWSeXH8oVhv0Jv31fABh6lo1OuThq7+ZFaU=,"
        "iterations=4096\"}}", 0);
    add(&c, "/latest_producer_id_block", "{\"version\":1,\"broker\":2,\"block_start\":\"4000\",\"block_end\":\"4999\"}", 0);
    add(&c, "/kafka-acl/Topic/t", "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}", 0);
    add(&c, "/delegation_token/tokens/tok", "{\"version\":1,\"owner\":\"User%3Aalice\",\"renewers\":[],"
        "\"issueTimestamp\":1,\"maxTimestamp\":3,\"expiryTimestamp\":2,\"tokenId\":\"tok\"}", 0);
    mg_convert_options o = {.dual_write = true};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(convert(&c, &o, &rep, &err), 0);
    static const int16_t want[] = {
        KR_REC_FEATURE_LEVEL_RECORD, KR_REC_ZK_MIGRATION_STATE_RECORD, KR_REC_TOPIC_RECORD,
        KR_REC_PARTITION_RECORD, KR_REC_PARTITION_RECORD, KR_REC_CONFIG_RECORD, KR_REC_CONFIG_RECORD,
        KR_REC_CLIENT_QUOTA_RECORD, KR_REC_PRODUCER_IDS_RECORD, KR_REC_ACCESS_CONTROL_ENTRY_RECORD,
        KR_REC_USER_SCRAM_CREDENTIAL_RECORD, KR_REC_DELEGATION_TOKEN_RECORD,
    };
    assert_int_equal(c.n, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < c.n; i++) assert_int_equal(c.keys[i], want[i]);
    stop(&c);
    mg_convert_report_free(&rep);

    /* and in the image: producer id = block_end + 1 with broker -1 (§4.6, §10.3), MIGRATION */
    start(&c);
    add(&c, "/latest_producer_id_block", "{\"version\":1,\"broker\":2,\"block_start\":\"4000\",\"block_end\":\"4999\"}", 0);
    add(&c, "/config/brokers/<default>", "{\"version\":1,\"config\":{\"log.cleaner.threads\":\"2\"}}", 0);
    kr_image img;
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    assert_int_equal(img.next_producer_id, 5000);
    assert_int_equal(img.producer_ids_broker_id, -1);
    assert_int_equal(img.zk_migration_state, MG_ZK_STATE_MIGRATION);
    assert_string_equal(kr_image_config_value(&img, 4, "", "log.cleaner.threads"), "2"); /* §13.14 */
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* §13.15: quota entities with null default names, desanitized names; a user with only SCRAM
 * has no quota (§13.19); SCRAM key on <default> is a user named "<default>" (§4.9). */
static void test_quotas(void **state) {
    (void)state;
    ctx c;
    start(&c);
    add(&c, "/config/users/<default>", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1\"}}", 0);
    add(&c, "/config/users/<default>/clients/<default>", "{\"version\":1,\"config\":{\"request_percentage\":\"2.5\"}}", 0);
    add(&c, "/config/users/alice%40x/clients/app%2F1", "{\"version\":1,\"config\":{\"consumer_byte_rate\":\"3\"}}", 0);
    add(&c, "/config/clients/<default>", "{\"version\":1,\"config\":{\"producer_byte_rate\":\"4\"}}", 0);
    add(&c, "/config/ips/2001%3Adb8%3A%3A1", "{\"version\":1,\"config\":{\"connection_creation_rate\":\"5\"}}", 0);
    add(&c, "/config/users/bob", "{\"version\":1,\"config\":{\"SCRAM-SHA-512\":\"salt=enp6c2FsdHp6eg==,"
        "stored_key=k45ajbEkPGcQi9azGOz2pTr/kcyKs75wI8uHOXnlB4Us9bEHQ5GHXk0+rq4jd0nMjf5cNP3eSJyUNGKdwr5BDA==,"
        "server_key=l+7KPAzhqgg3bCsr1JUnny2ogoJmxn25K6NzM9wV/ihLKGo6uT+U0E8w9RNxocmX/1f+FdvPh5uyVrzBWQ7LGw==,iterations=4096\"}}", 0);
    kr_image img;
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    assert_int_equal(img.quotas.n, 5);
    assert_int_equal(img.scram.n, 1);
    json_t *j = kr_image_to_json(&img, 0);
    char *s = json_dumps(json_object_get(j, "client_quotas"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(strstr(s, "{\"entity\":{\"user\":null},\"key\":\"producer_byte_rate\",\"value\":1.0}"));
    assert_non_null(strstr(s, "{\"entity\":{\"client-id\":null,\"user\":null},\"key\":\"request_percentage\",\"value\":2.5}"));
    assert_non_null(strstr(s, "{\"entity\":{\"client-id\":\"app/1\",\"user\":\"alice@x\"}"));
    assert_non_null(strstr(s, "{\"entity\":{\"ip\":\"2001:db8::1\"}"));
    assert_null(strstr(s, "bob"));
    free(s);
    json_decref(j);
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* §4.7: both ACL stores, literal and prefixed with the same name are distinct; ids unique. */
static void test_acls(void **state) {
    (void)state;
    ctx c;
    start(&c);
    const char *acl = "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
                      "\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":\"User:*\",\"permissionType\":\"DENY\","
                      "\"operation\":\"WRITE\",\"host\":\"10.0.0.1\"}]}";
    add(&c, "/kafka-acl/Topic/logs", acl, 0);
    add(&c, "/kafka-acl-extended/prefixed/Topic/logs", acl, 0);
    add(&c, "/kafka-acl/Cluster/kafka-cluster", acl, 0);
    kr_image img;
    mg_convert_options o = {0};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    assert_int_equal(img.acls.n, 6);
    for (int i = 0; i < img.acls.n; i++)
        for (int k = i + 1; k < img.acls.n; k++) assert_false(kr_uuid_eq(&img.acls.v[i].id, &img.acls.v[k].id));
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

/* Test vectors made by tests/support/kafka_password_vector.py (Python hashlib PBKDF2 + the
 * openssl CLI), not by this code: secret "zk2kraft-fixture-secret". */
static const char VEC_KEYSTORE[] =
    "keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,salt:xcVGCScDJwf5CKDvWroiVcaQWidvpBFGbydIXhOumizFxUYJJwMnB/kIoO9auiJVxpBaJ2+kEUZvJ0heE66aLMXFRgknAycH+Qig71q6IlXGkFonb6QRRm8nSF4TrposxcVGCScDJwf5CKDvWroiVcaQWidvpBFGbydIXhOumizFxUYJJwMnB/kIoO9auiJVxpBaJ2+kEUZvJ0heE66aLMXFRgknAycH+Qig71q6IlXGkFonb6QRRm8nSF4TrposxcVGCScDJwf5CKDvWroiVcaQWidvpBFGbydIXhOumizFxUYJJwMnB/kIoO9auiJVxpBaJ2+kEUZvJ0heE66aLA==,iterations:4096,encryptedPassword:JBkxAE5L+7Wq9220KQo9Sw==,passwordLength:12,initializationVector:03ecnOG6JqrXvfJiGqLwig==";
static const char VEC_UNICODE[] =
    "keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,salt:ClQ64aoz0HM71cqvdAajNPYp+r2XguQXEoGHFa5DcSEKVDrhqjPQczvVyq90BqM09in6vZeC5BcSgYcVrkNxIQpUOuGqM9BzO9XKr3QGozT2Kfq9l4LkFxKBhxWuQ3EhClQ64aoz0HM71cqvdAajNPYp+r2XguQXEoGHFa5DcSEKVDrhqjPQczvVyq90BqM09in6vZeC5BcSgYcVrkNxIQpUOuGqM9BzO9XKr3QGozT2Kfq9l4LkFxKBhxWuQ3EhClQ64aoz0HM71cqvdAajNPYp+r2XguQXEoGHFa5DcSEKVDrhqjPQczvVyq90BqM09in6vZeC5BcSgYcVrkNxIQ==,iterations:4096,encryptedPassword:pCjvJy5MLgkTLXo2SolnOQSHow7IgfXjkZ9HeW2NOLU=,passwordLength:12,initializationVector:4tllVqsFbqqZMYFZOb6rJQ==";

static void test_password_decrypt(void **state) {
    (void)state;
    char *plain = NULL;
    kr_error err = {0};
    assert_int_equal(mg_password_decrypt(VEC_KEYSTORE, "zk2kraft-fixture-secret", &plain, &err), 0);
    assert_string_equal(plain, "keystore-pw1");
    free(plain);
    /* passwordLength counts UTF-16 units: 10 BMP characters + one surrogate pair = 12 */
    assert_int_equal(mg_password_decrypt(VEC_UNICODE, "zk2kraft-fixture-secret", &plain, &err), 0);
    assert_int_equal(memcmp(plain, "p\xc3\xa4ssw\xc3\xb6rd-\xe2\x82\xac\xf0\x9f\x98\x80", 19), 0);
    free(plain);
    /* wrong secret: padding or length check fails; the message never holds the secret */
    assert_int_not_equal(mg_password_decrypt(VEC_KEYSTORE, "wrong-secret", &plain, &err), 0);
    assert_null(plain);
    assert_null(strstr(err.message, "wrong-secret"));
    /* corrupt values */
    assert_int_not_equal(mg_password_decrypt("encryptedPassword:!!!", "s", &plain, &err), 0);
    assert_int_not_equal(mg_password_decrypt("", "s", &plain, &err), 0);
    assert_int_not_equal(mg_password_decrypt("a,b,c", "s", &plain, &err), 0);
    /* round trip through our own encoder (CBC, default algorithms) */
    char *enc = NULL;
    assert_int_equal(mg_password_encrypt("s3cr3t!", "another-secret", 1000, &enc, &err), 0);
    assert_true(mg_password_looks_encrypted(enc));
    assert_int_equal(mg_password_decrypt(enc, "another-secret", &plain, &err), 0);
    assert_string_equal(plain, "s3cr3t!");
    free(plain);
    free(enc);
    assert_true(mg_config_is_password("listener.name.internal.ssl.keystore.password"));
    assert_true(mg_config_is_password("sasl.jaas.config"));
    assert_false(mg_config_is_password("ssl.keystore.location"));
}

/* §4.3: encrypted broker configs decrypt with the secret; without one it blocks. */
static void test_broker_passwords(void **state) {
    (void)state;
    char json[4096];
    snprintf(json, sizeof json, "{\"version\":1,\"config\":{\"listener.name.internal.ssl.keystore.password\":\"%s\","
             "\"log.cleaner.threads\":\"2\"}}", VEC_KEYSTORE);
    ctx c;
    start(&c);
    add(&c, "/config/brokers/1", json, 0);
    kr_image img;
    mg_convert_options o = {.password_encoder.secret = "zk2kraft-fixture-secret"};
    mg_convert_report rep;
    kr_error err = {0};
    assert_int_equal(image_of(&c, &o, &img, &rep, &err), 0);
    assert_string_equal(kr_image_config_value(&img, 4, "1", "listener.name.internal.ssl.keystore.password"),
                        "keystore-pw1");
    assert_int_equal(rep.passwords_decrypted, 1);
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);

    start(&c);
    add(&c, "/config/brokers/1", json, 0);
    mg_convert_options none = {0};
    assert_int_equal(image_of(&c, &none, &img, &rep, &err), KR_ERR_INVALID);
    assert_int_equal(rep.blockers, 1);
    assert_string_equal(rep.notes[0].path, "/config/brokers/1");
    kr_image_free(&img);
    mg_convert_report_free(&rep);
    stop(&c);
}

static void test_controllers(void **state) {
    (void)state;
    mg_controller v[4];
    size_t n;
    kr_error err = {0};
    assert_int_equal(mg_parse_controllers("1@a:9093,2@[::1]:9094", v, 4, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[1].host, "[::1]");
    assert_int_equal(v[1].port, 9094);
    char out[256];
    mg_format_voters(v, n, out, sizeof out);
    assert_string_equal(out, "1@a:9093,2@[::1]:9094");
    assert_int_not_equal(mg_parse_controllers("1@a:9093,1@b:9093", v, 4, &n, &err), 0);
    assert_non_null(strstr(err.message, "twice"));
    assert_int_not_equal(mg_parse_controllers("x@a:1", v, 4, &n, &err), 0);
    assert_int_not_equal(mg_parse_controllers("1@a:70000", v, 4, &n, &err), 0);
    assert_int_not_equal(mg_parse_controllers("1@a", v, 4, &n, &err), 0);
    assert_int_not_equal(mg_parse_controllers("", v, 4, &n, &err), 0);
}

static void test_expected_image_rules(void **state) {
    (void)state;
    json_error_t je;
    json_t *exp = json_loads("{\"topics\":[{\"name\":\"a\",\"id\":\"<minted>\"},{\"name\":\"b\",\"id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}],"
                             "\"acls\":[{\"p\":1},{\"p\":2}]}", 0, &je);
    json_t *ok = json_loads("{\"topics\":[{\"name\":\"b\",\"id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"},{\"name\":\"a\",\"id\":\"Qm3xJ0m2Te6VqgkP8y3f0w\"}],"
                            "\"acls\":[{\"p\":2,\"id\":\"x\"},{\"p\":1}]}", 0, &je);
    json_t *dup = json_loads("{\"topics\":[{\"name\":\"b\",\"id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"},{\"name\":\"a\",\"id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"}],"
                             "\"acls\":[{\"p\":2},{\"p\":1}]}", 0, &je);
    json_t *diff = json_loads("{\"topics\":[{\"name\":\"b\",\"id\":\"kP6x3wKTQ8SR4Jr0L7dzvg\"},{\"name\":\"a\",\"id\":\"Qm3xJ0m2Te6VqgkP8y3f0w\"}],"
                              "\"acls\":[{\"p\":2},{\"p\":3}]}", 0, &je);
    char why[512];
    assert_true(mg_expected_image_matches(exp, ok, why, sizeof why));
    assert_false(mg_expected_image_matches(exp, dup, why, sizeof why));
    assert_non_null(strstr(why, "another topic"));
    assert_false(mg_expected_image_matches(exp, diff, why, sizeof why));
    assert_non_null(strstr(why, ".acls["));
    json_decref(exp);
    json_decref(ok);
    json_decref(dup);
    json_decref(diff);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_partition_mapping),
        cmocka_unit_test(test_missing_state),
        cmocka_unit_test(test_topics_skipped_and_minted),
        cmocka_unit_test(test_mint_constraints),
        cmocka_unit_test(test_record_versions),
        cmocka_unit_test(test_snapshot_order),
        cmocka_unit_test(test_quotas),
        cmocka_unit_test(test_acls),
        cmocka_unit_test(test_password_decrypt),
        cmocka_unit_test(test_broker_passwords),
        cmocka_unit_test(test_controllers),
        cmocka_unit_test(test_expected_image_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
