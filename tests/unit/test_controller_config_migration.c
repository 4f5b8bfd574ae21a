/* The migration keys of kraft/controller_config (docs/dual-write.md): Kafka's
 * defaults, values parsed, and errors that name the key and never echo a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kraft/controller_config.h"

static const char BASE[] = "process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:9093\n"
                           "listeners=CONTROLLER://127.0.0.1:9093\ncontroller.listener.names=CONTROLLER\n"
                           "listener.security.protocol.map=CONTROLLER:PLAINTEXT\n"
                           "metadata.log.dir=/tmp/x\n";

static int parse(const char *extra, kr_controller_config *c, kr_error *err) {
    char text[4096];
    snprintf(text, sizeof text, "%s%s", BASE, extra);
    kr_properties p;
    assert_int_equal(kr_properties_parse(text, strlen(text), "c.properties", &p, err), KR_OK);
    kr_controller_config_defaults(c);
    kr_logger lg = {0};
    int rc = kr_controller_config_from_properties(&p, c, &lg, err);
    kr_properties_free(&p);
    c->static_config = NULL; /* p is gone */
    return rc;
}

static void test_defaults(void **state) {
    (void)state;
    kr_controller_config c;
    kr_error err = {0};
    assert_int_equal(parse("", &c, &err), KR_OK);
    assert_false(c.migration_enabled);
    assert_string_equal(c.zk_connect, "");
    assert_int_equal(c.zk_session_timeout_ms, 18000);
    assert_false(c.zk_set_acl);
    assert_string_equal(c.zk_auth, "");
    assert_string_equal(c.password_encoder_secret, "");
    assert_int_equal(c.migration_reconcile_interval_ms, 0);
}

static void test_values(void **state) {
    (void)state;
    kr_controller_config c;
    kr_error err = {0};
    assert_int_equal(parse("zookeeper.metadata.migration.enable=true\nzookeeper.connect=zk1:2181,zk2:2181/kafka\n"
                           "zookeeper.session.timeout.ms=6000\nzookeeper.set.acl=TRUE\n"
                           "zookeeper.auth=digest:kafka:s3cret\npassword.encoder.secret=enc-secret\n"
                           "zookeeper.metadata.migration.reconcile.interval.ms=60000\n",
                           &c, &err),
                     KR_OK);
    assert_true(c.migration_enabled);
    assert_string_equal(c.zk_connect, "zk1:2181,zk2:2181/kafka");
    assert_int_equal(c.zk_session_timeout_ms, 6000);
    assert_true(c.zk_set_acl);
    assert_string_equal(c.zk_auth, "digest:kafka:s3cret");
    assert_string_equal(c.password_encoder_secret, "enc-secret");
    assert_int_equal(c.migration_reconcile_interval_ms, 60000);
}

static void test_errors_name_the_key(void **state) {
    (void)state;
    kr_controller_config c;
    kr_error err = {0};
    assert_int_equal(parse("zookeeper.metadata.migration.enable=true\n", &c, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "zookeeper.connect"));
    assert_int_equal(parse("zookeeper.metadata.migration.enable=yes\nzookeeper.connect=z:1\n", &c, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "zookeeper.metadata.migration.enable"));
    assert_int_equal(parse("zookeeper.session.timeout.ms=-5\n", &c, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "zookeeper.session.timeout.ms"));
    assert_int_equal(parse("zookeeper.auth=kafka-s3cret\n", &c, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "zookeeper.auth"));
    assert_null(strstr(err.message, "s3cret"));
    char longsecret[1200];
    memset(longsecret, 'q', sizeof longsecret - 1);
    longsecret[sizeof longsecret - 1] = '\0';
    char extra[1400];
    snprintf(extra, sizeof extra, "password.encoder.secret=%s\n", longsecret);
    assert_int_equal(parse(extra, &c, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err.message, "password.encoder.secret"));
    assert_null(strstr(err.message, "qqqq"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
