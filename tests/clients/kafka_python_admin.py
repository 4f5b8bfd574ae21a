#!/usr/bin/python3
"""kafka-python (Debian python3-kafka 2.0.2) KafkaAdminClient against the controllers.

Usage: kafka_python_admin.py BOOTSTRAP_A BOOTSTRAP_B EXPECTED_IMAGE_JSON
A and B are client listeners of two different controllers. Prints TAP-like lines
("ok - ...", "not ok - ...") and exits 1 when any check failed, 2 on a crash.

kafka-python 2.0.2 has no describe_client_quotas (added in 2.1); the quotas are
read with a DescribeClientQuotas v0 request (key 48) defined here on kafka-python's
protocol classes and sent through the admin client's own connection.
"""
import json
import sys
import time

from kafka import __version__ as kafka_python_version
from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic,
                         ResourcePatternFilter, ResourceType)
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String
from kafka_python_types import Float64

WAIT_S = 30  # generous: followers learn a commit on their next fetch; a loaded 2-core machine
failed = False


def ok(name):
    print("ok - " + name, flush=True)


def not_ok(name, detail=""):
    global failed
    failed = True
    print("not ok - " + name, flush=True)
    for line in str(detail).splitlines()[:20]:
        print("#   " + line, flush=True)


def check(name, cond, detail=""):
    if cond:
        ok(name)
    else:
        not_ok(name, detail)


def eventually(fn):
    """fn() -> (done, value); retried until done or WAIT_S; returns the last value."""
    deadline = time.time() + WAIT_S
    while True:
        done, value = fn()
        if done or time.time() > deadline:
            return done, value
        time.sleep(0.2)


class DescribeClientQuotasResponse_v0(Response):
    API_KEY = 48
    API_VERSION = 0
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('error_code', Int16),
        ('error_message', String('utf-8')),
        ('entries', Array(
            ('entity', Array(('entity_type', String('utf-8')), ('entity_name', String('utf-8')))),
            ('values', Array(('key', String('utf-8')), ('value', Float64))))))


class DescribeClientQuotasRequest_v0(Request):
    API_KEY = 48
    API_VERSION = 0
    RESPONSE_TYPE = DescribeClientQuotasResponse_v0
    SCHEMA = Schema(
        ('components', Array(('entity_type', String('utf-8')), ('match_type', Int8),
                             ('match', String('utf-8')))),
        ('strict', Boolean))


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="zk2kraft-test",
                            request_timeout_ms=WAIT_S * 1000, api_version_auto_timeout_ms=WAIT_S * 1000)


def partitions_of(topic_meta):
    return sorted((p["partition"], p["leader"], list(p["replicas"]), list(p["isr"]))
                  for p in topic_meta["partitions"])


def expected_partitions(topic):
    return sorted((p["partition"], p["leader"], p["replicas"], p["isr"]) for p in topic["partitions"])


def topic_config(a, topic, key):
    res = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    r = res[0].resources[0]  # (error_code, error_message, type, name, entries)
    if r[0] != 0:
        return "error %d %s" % (r[0], r[1])
    for e in r[4]:
        if e[0] == key:
            return e[1]
    return None


def topic_names(a):
    return set(a.list_topics())


def main():
    bootstrap_a, bootstrap_b, expected_path = sys.argv[1:4]
    expected = json.load(open(expected_path))
    print("# kafka-python %s" % kafka_python_version, flush=True)
    a = admin(bootstrap_a)
    b = admin(bootstrap_b)

    # ---- topics: exactly the expected image ----
    want = {t["name"]: t for t in expected["topics"]}
    got_names = topic_names(a)
    check("list_topics lists exactly the expected image's %d topics" % len(want), got_names == set(want),
          "missing %s, extra %s" % (sorted(set(want) - got_names), sorted(got_names - set(want))))
    meta = {t["topic"]: t for t in a.describe_topics()}
    bad = [n for n in want if n not in meta or meta[n]["error_code"] != 0
           or partitions_of(meta[n]) != expected_partitions(want[n])]
    check("describe_topics: every partition's leader, replicas and ISR as in the expected image", not bad,
          "differ: %s" % bad[:10])
    check("list_topics through another controller is the same", topic_names(b) == got_names)

    # ---- create, alter, describe, delete ----
    name = "kp-created"
    r = a.create_topics([NewTopic(name, 3, 3, topic_configs={"cleanup.policy": "compact"})],
                        timeout_ms=WAIT_S * 1000)
    errs = [(t[0], t[1]) for t in r.topic_errors]
    check("create_topics %s (3 partitions, replication 3)" % name, errs == [(name, 0)], errs)
    done, parts = eventually(lambda: (lambda m: (bool(m) and m[0]["error_code"] == 0 and len(m[0]["partitions"]) == 3, m))(
        [t for t in b.describe_topics() if t["topic"] == name]))
    check("the new topic is visible through another controller with 3 partitions", done, parts)
    if done:
        reps = [len(p["replicas"]) for p in parts[0]["partitions"]]
        check("each new partition has 3 replicas", reps == [3, 3, 3], reps)
    check("describe_configs shows the creation's cleanup.policy=compact",
          topic_config(a, name, "cleanup.policy") == "compact", topic_config(a, name, "cleanup.policy"))

    r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs={"retention.ms": "123456"})])
    res = [(x[0], x[3]) for x in r.resources]  # (error_code, error_message, type, name)
    check("alter_configs retention.ms=123456 (legacy, replace-all)", res == [(0, name)], r.resources)
    check("describe_configs shows retention.ms=123456", topic_config(a, name, "retention.ms") == "123456",
          topic_config(a, name, "retention.ms"))
    done, v = eventually(lambda: (lambda v: (v == "123456", v))(topic_config(b, name, "retention.ms")))
    check("another controller describes retention.ms=123456", done, v)
    check("replace-all: cleanup.policy is back to its default (delete)",
          topic_config(a, name, "cleanup.policy") == "delete", topic_config(a, name, "cleanup.policy"))

    r = a.delete_topics([name], timeout_ms=WAIT_S * 1000)
    errs = [(t[0], t[1]) for t in r.topic_error_codes]
    check("delete_topics %s" % name, errs == [(name, 0)], errs)
    check("the deleted topic is gone", name not in topic_names(a))
    done, _ = eventually(lambda: (name not in topic_names(b), None))
    check("the deleted topic is gone on another controller", done)

    # ---- ACLs ----
    acl_filter = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                           permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                                  ACLResourcePatternType.ANY))
    acls, err = a.describe_acls(acl_filter)
    got = sorted((x.resource_pattern.resource_type.value, x.resource_pattern.resource_name,
                  x.resource_pattern.pattern_type.value, x.principal, x.host, x.operation.value,
                  x.permission_type.value) for x in acls)
    want_acls = sorted((x["resource_type"], x["resource_name"], x["pattern_type"], x["principal"], x["host"],
                        x["operation"], x["permission_type"]) for x in expected["acls"])
    check("describe_acls lists exactly the expected image's %d ACLs" % len(want_acls),
          err.errno == 0 and got == want_acls, "error %s; got %s" % (err, got[:5]))

    # ---- client quotas (raw DescribeClientQuotas v0) ----
    node = a._client.least_loaded_node()
    fut = a._send_request_to_node(node, DescribeClientQuotasRequest_v0(components=[], strict=False))
    a._wait_for_futures([fut])
    resp = fut.value
    # The default entity has a null name: compare it as "<default>" so tuples sort.
    def entity(parts):
        return tuple(sorted((t, "<default>" if n is None else n) for t, n in parts))
    got = sorted((entity(e[0]), k, v) for e in resp.entries for k, v in e[1])
    want_q = sorted((entity(q["entity"].items()), q["key"], q["value"]) for q in expected["client_quotas"])
    check("DescribeClientQuotas lists exactly the expected image's %d quota values" % len(want_q),
          resp.error_code == 0 and got == want_q, "error %s; got %s; want %s" % (resp.error_code, got[:4], want_q[:4]))

    a.close()
    b.close()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is a failure with its reason, never a skip
        print("not ok - kafka-python admin: %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(2)
