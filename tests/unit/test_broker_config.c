/* migrate/broker_config: server.properties rewrite (kept comments/order, dropped ZooKeeper
 * keys, node.id, voters, controller listener and its protocol map entry, authorizer swap),
 * meta.properties v0 -> v1 in every log dir with backups, and the refusals that change nothing. */
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

#include "kraft/meta_properties.h"
#include "kraft/properties.h"
#include "migrate/broker_config.h"

static char *to_kraft(const char *in, int32_t *id, kr_error *err) {
    char *out = NULL, **dropped = NULL;
    size_t nd = 0;
    int rc = mg_server_properties_to_kraft(in, strlen(in), "server.properties", "3000@c1:9093", NULL, NULL, &out, id,
                                           &dropped, &nd, err);
    for (size_t i = 0; i < nd; i++) free(dropped[i]);
    free(dropped);
    return rc ? NULL : out;
}

static void test_rewrite(void **state) {
    (void)state;
    const char *in =
        "# top comment\n"
        "broker.id=7\n"
        "! bang comment\n"
        "listeners=PLAINTEXT://:9092,\\\n"
        "  INTERNAL://:9094\n"
        "zookeeper.connect=zk:2181/kafka\n"
        "zookeeper.set.acl=true\n"
        "control.plane.listener.name=INTERNAL\n"
        "broker.id.generation.enable=false\n"
        "reserved.broker.max.id=1000\n"
        "inter.broker.protocol.version=3.9\n"
        "authorizer.class.name = kafka.security.auth.SimpleAclAuthorizer\n"
        "\n"
        "num.io.threads=8\n";
    int32_t id = -1;
    kr_error err = {0};
    char *out = to_kraft(in, &id, &err);
    assert_non_null(out);
    assert_int_equal(id, 7);
    assert_non_null(strstr(out, "# top comment\nnode.id=7\n! bang comment\nlisteners=PLAINTEXT://:9092,\\\n  INTERNAL://:9094\n"));
    assert_null(strstr(out, "zookeeper."));
    assert_null(strstr(out, "control.plane"));
    assert_null(strstr(out, "broker.id"));
    assert_null(strstr(out, "reserved.broker.max.id"));
    assert_null(strstr(out, "inter.broker.protocol.version"));
    assert_non_null(strstr(out, "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n\nnum.io.threads=8\n"));
    kr_properties p = {0};
    assert_int_equal(kr_properties_parse(out, strlen(out), "out", &p, &err), 0);
    assert_string_equal(kr_properties_get(&p, "process.roles"), "broker");
    assert_string_equal(kr_properties_get(&p, "node.id"), "7");
    assert_string_equal(kr_properties_get(&p, "controller.quorum.voters"), "3000@c1:9093");
    assert_string_equal(kr_properties_get(&p, "controller.listener.names"), "CONTROLLER");
    /* no map before: Kafka's default map plus the controller listener */
    assert_string_equal(kr_properties_get(&p, "listener.security.protocol.map"),
                        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
    assert_string_equal(kr_properties_get(&p, "listeners"), "PLAINTEXT://:9092,INTERNAL://:9094");
    kr_properties_free(&p);
    /* a second pass changes nothing */
    int32_t id2 = -1;
    char *again = to_kraft(out, &id2, &err);
    assert_non_null(again);
    assert_string_equal(again, out);
    assert_int_equal(id2, 7);
    free(again);
    free(out);
}

static void test_migration_mode_keys(void **state) {
    (void)state;
    /* a broker already in migration mode: its controller settings are replaced in place */
    const char *in = "broker.id=1\nzookeeper.metadata.migration.enable=true\ncontroller.listener.names=CTL\n"
                     "controller.quorum.voters=9@old:1\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,CTL:SSL\n"
                     "authorizer.class.name=com.example.Custom\n";
    int32_t id;
    kr_error err = {0};
    char *out = to_kraft(in, &id, &err);
    assert_non_null(out);
    assert_string_equal(out, "node.id=1\ncontroller.listener.names=CTL\ncontroller.quorum.voters=3000@c1:9093\n"
                             "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CTL:SSL\n"
                             "authorizer.class.name=com.example.Custom\n"
                             "\n# KRaft mode (zk2kraft broker-config)\nprocess.roles=broker\n");
    free(out);
}

static void test_no_broker_id(void **state) {
    (void)state;
    int32_t id;
    kr_error err = {0};
    assert_null(to_kraft("zookeeper.connect=zk:2181\n", &id, &err));
    assert_non_null(strstr(err.message, "broker.id"));
    assert_null(to_kraft("broker.id=-1\n", &id, &err));
    assert_null(to_kraft("broker.id=x\n", &id, &err));
    assert_null(to_kraft("broker.id=1\nnode.id=2\n", &id, &err));
}

typedef struct env {
    char dir[64];
    char server[128], d1[128], d2[128];
} env;

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *s = calloc(1, 65536);
    size_t n = fread(s, 1, 65535, f);
    s[n] = 0;
    fclose(f);
    return s;
}

static void setup_env(env *e, const char *meta1, const char *meta2) {
    snprintf(e->dir, sizeof e->dir, "/tmp/test_bc.XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->server, sizeof e->server, "%s/server.properties", e->dir);
    snprintf(e->d1, sizeof e->d1, "%s/d1", e->dir);
    snprintf(e->d2, sizeof e->d2, "%s/d2", e->dir);
    mkdir(e->d1, 0755);
    mkdir(e->d2, 0755);
    char s[512];
    snprintf(s, sizeof s, "broker.id=2\nlog.dirs=%s,%s\nzookeeper.connect=zk:2181\n", e->d1, e->d2);
    write_file(e->server, s);
    char p[160];
    if (meta1) snprintf(p, sizeof p, "%s/meta.properties", e->d1), write_file(p, meta1);
    if (meta2) snprintf(p, sizeof p, "%s/meta.properties", e->d2), write_file(p, meta2);
}

static void cleanup_env(env *e) {
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    assert_int_equal(system(cmd), 0);
}

static const char META_V0[] = "#\n#Tue May 21 10:00:00 UTC 2024\nbroker.id=2\nversion=0\ncluster.id=wR3Zq1xAQp2Qm5b8Kc0y_A\n";

static void test_round_trip(void **state) {
    (void)state;
    env e;
    setup_env(&e, META_V0, META_V0);
    mg_broker_config_options o = {.server_properties = e.server, .controllers = "3000@c1:9093,3001@c2:9093"};
    mg_broker_config_plan p;
    kr_error err = {0};
    assert_int_equal(mg_broker_config_plan_make(&o, &p, &err), 0);
    assert_int_equal(p.n_files, 3);
    assert_int_equal(p.node_id, 2);
    assert_string_equal(p.cluster_id, "wR3Zq1xAQp2Qm5b8Kc0y_A");
    char *view = mg_broker_config_diff(&p);
    assert_non_null(strstr(view, "-zookeeper.connect=zk:2181"));
    assert_non_null(strstr(view, "+process.roles=broker"));
    assert_non_null(strstr(view, "-version=0"));
    free(view);
    /* planning (the dry run) changed nothing */
    char *before = slurp(e.server);
    assert_non_null(strstr(before, "broker.id=2"));
    char bk[200];
    snprintf(bk, sizeof bk, "%s.zk-backup", e.server);
    assert_int_not_equal(access(bk, F_OK), 0);
    assert_int_equal(mg_broker_config_apply(&p, &err), 0);
    mg_broker_config_plan_free(&p);
    char *backup = slurp(bk);
    assert_non_null(backup);
    assert_string_equal(backup, before);
    kr_meta_properties mp[2];
    const char *dirs[2] = {e.d1, e.d2};
    for (int i = 0; i < 2; i++) {
        char path[200];
        snprintf(path, sizeof path, "%s/meta.properties", dirs[i]);
        assert_int_equal(kr_meta_properties_read(path, &mp[i], &err), 0);
        assert_int_equal(mp[i].version, 1);
        assert_int_equal(mp[i].node_id, 2);
        assert_string_equal(mp[i].cluster_id, "wR3Zq1xAQp2Qm5b8Kc0y_A");
        assert_true(mp[i].has_directory_id);
        snprintf(path, sizeof path, "%s/meta.properties.zk-backup", dirs[i]);
        char *b = slurp(path);
        assert_string_equal(b, META_V0);
        free(b);
    }
    assert_memory_not_equal(&mp[0].directory_id, &mp[1].directory_id, sizeof mp[0].directory_id);
    /* a re-run changes nothing and keeps the ZooKeeper-era backups */
    char *after = slurp(e.server);
    assert_int_equal(mg_broker_config_plan_make(&o, &p, &err), 0);
    for (size_t i = 0; i < p.n_files; i++) assert_false(p.files[i].changed);
    assert_int_equal(mg_broker_config_apply(&p, &err), 0);
    mg_broker_config_plan_free(&p);
    char *after2 = slurp(e.server);
    assert_string_equal(after, after2);
    free(backup);
    backup = slurp(bk);
    assert_string_equal(backup, before);
    free(before), free(after), free(after2), free(backup);
    cleanup_env(&e);
}

static void expect_refusal(const char *m1, const char *m2, const char *log_dirs, const char *want) {
    env e;
    setup_env(&e, m1, m2);
    char *before = slurp(e.server);
    mg_broker_config_options o = {.server_properties = e.server, .controllers = "3000@c1:9093", .log_dirs = log_dirs};
    mg_broker_config_plan p;
    kr_error err = {0};
    assert_int_not_equal(mg_broker_config_plan_make(&o, &p, &err), 0);
    if (!strstr(err.message, want)) fail_msg("error '%s' lacks '%s'", err.message, want);
    mg_broker_config_plan_free(&p);
    char *after = slurp(e.server);
    assert_string_equal(before, after);
    free(before), free(after);
    cleanup_env(&e);
}

static void test_refusals(void **state) {
    (void)state;
    expect_refusal(META_V0, "broker.id=3\nversion=0\ncluster.id=wR3Zq1xAQp2Qm5b8Kc0y_A\n", NULL, "differs from broker.id 2");
    expect_refusal(META_V0, "broker.id=2\nversion=0\ncluster.id=AAAAAAAAAAAAAAAAAAAAAB\n", NULL, "cluster.id");
    expect_refusal(META_V0, NULL, NULL, "meta.properties");
    expect_refusal(META_V0, META_V0, "/nonexistent-dir-zk2kraft", "meta.properties");
    env e;
    setup_env(&e, META_V0, META_V0);
    mg_broker_config_options o = {.server_properties = e.server, .controllers = "nonsense"};
    mg_broker_config_plan p;
    kr_error err = {0};
    assert_int_not_equal(mg_broker_config_plan_make(&o, &p, &err), 0);
    mg_broker_config_plan_free(&p);
    cleanup_env(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite),     cmocka_unit_test(test_migration_mode_keys),
        cmocka_unit_test(test_no_broker_id), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
