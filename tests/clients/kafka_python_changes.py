#!/usr/bin/python3
"""Metadata changes through kafka-python 2.0.2 (Debian python3-kafka), one per run, for the
migration-mode tests: each change goes through the Kafka API of the bundled controllers and must
then appear in ZooKeeper. Exit 0 when the change was acknowledged without error, 1 when it was
refused or failed, 2 on usage errors.

  kafka_python_changes.py BOOTSTRAP create-topic NAME PARTITIONS RF
  kafka_python_changes.py BOOTSTRAP create-partitions NAME TOTAL
  kafka_python_changes.py BOOTSTRAP delete-topic NAME
  kafka_python_changes.py BOOTSTRAP alter-topic-config NAME KEY VALUE
  kafka_python_changes.py BOOTSTRAP create-acl TOPIC PRINCIPAL OPERATION
  kafka_python_changes.py BOOTSTRAP delete-acl TOPIC PRINCIPAL OPERATION
  kafka_python_changes.py BOOTSTRAP set-quota ENTITY_TYPE NAME KEY VALUE     (AlterClientQuotas v0)
  kafka_python_changes.py BOOTSTRAP upsert-scram USER MECHANISM PASSWORD ITERATIONS
                                                             (AlterUserScramCredentials v0)
  kafka_python_changes.py BOOTSTRAP create-topics-stream PREFIX COUNT
      creates PREFIX-0 .. PREFIX-(COUNT-1) one after another, retrying each (new leader,
      other node) for up to 60 s, and prints "acked NAME" for every acknowledged creation.

kafka-python 2.0.2 has no SCRAM or quota admin calls and no flexible-version encoding: the two
raw requests below define their own compact types. The request header of a flexible request
(v2) is header v1 plus an empty tagged-field section, so the body starts with that byte; the
flexible response header likewise leaves one tagged-field section at the start of the body.
"""
import hashlib
import os
import sys
import time

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions,
                         NewTopic, ResourcePattern, ResourcePatternFilter, ResourceType)
from kafka.errors import TopicAlreadyExistsError
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String
from kafka_python_types import CompactArray, CompactBytes, CompactString, Float64, TaggedFields


class AlterUserScramCredentialsResponse_v0(Response):
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("header_tags", TaggedFields),
        ("throttle_time_ms", Int32),
        ("results", CompactArray(("user", CompactString), ("error_code", Int16),
                                 ("error_message", CompactString), ("tags", TaggedFields))),
        ("tags", TaggedFields))


class AlterUserScramCredentialsRequest_v0(Request):
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = AlterUserScramCredentialsResponse_v0
    SCHEMA = Schema(
        ("header_tags", TaggedFields),
        ("deletions", CompactArray(("name", CompactString), ("mechanism", Int8), ("tags", TaggedFields))),
        ("upsertions", CompactArray(("name", CompactString), ("mechanism", Int8), ("iterations", Int32),
                                    ("salt", CompactBytes), ("salted_password", CompactBytes),
                                    ("tags", TaggedFields))),
        ("tags", TaggedFields))


class AlterClientQuotasResponse_v0(Response):
    API_KEY = 49
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("entries", Array(("error_code", Int16), ("error_message", String("utf-8")),
                          ("entity", Array(("entity_type", String("utf-8")),
                                           ("entity_name", String("utf-8")))))))


class AlterClientQuotasRequest_v0(Request):
    API_KEY = 49
    API_VERSION = 0
    RESPONSE_TYPE = AlterClientQuotasResponse_v0
    SCHEMA = Schema(
        ("entries", Array(("entity", Array(("entity_type", String("utf-8")), ("entity_name", String("utf-8")))),
                          ("ops", Array(("key", String("utf-8")), ("value", Float64), ("remove", Boolean))))),
        ("validate_only", Boolean))


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="zk2kraft-migration-test",
                            request_timeout_ms=15000, api_version_auto_timeout_ms=10000)


def raw(a, request):
    node = a._client.least_loaded_node()
    fut = a._send_request_to_node(node, request)
    a._wait_for_futures([fut])
    return fut.value


def topic_errors(errors):
    bad = [(t[0], t[1]) for t in errors if t[1] != 0]
    print("topic errors:", bad or "none")
    return 1 if bad else 0


def acl(topic, principal, operation):
    return ACL(principal=principal, host="*", operation=ACLOperation[operation.upper()],
               permission_type=ACLPermissionType.ALLOW,
               resource_pattern=ResourcePattern(ResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL))


def stream(bootstrap, prefix, count):
    """One creation at a time; a failure (leader gone, NOT_CONTROLLER) is retried with a new
    client until 60 s pass. Only acknowledged creations are printed."""
    a = None
    for i in range(count):
        name = "%s-%d" % (prefix, i)
        deadline = time.time() + 60
        while True:
            try:
                if a is None:
                    a = admin(bootstrap)
                r = a.create_topics([NewTopic(name, num_partitions=2, replication_factor=3)], timeout_ms=10000)
                code = r.topic_errors[0][1]
                if code in (0, 36):  # 36 TOPIC_ALREADY_EXISTS: an earlier try committed
                    print("acked %s" % name, flush=True)
                    break
                raise RuntimeError("error code %d" % code)
            except TopicAlreadyExistsError:  # kafka-python raises on error codes: an earlier try committed
                print("acked %s" % name, flush=True)
                break
            except Exception as e:  # the controller this client used died: start over
                if a is not None:
                    try:
                        a.close()
                    except Exception:
                        pass
                a = None
                if time.time() > deadline:
                    print("gave up on %s: %s" % (name, e), flush=True)
                    return 1
                time.sleep(0.3)
    if a is not None:
        a.close()
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, op, args = argv[1], argv[2], argv[3:]
    if op == "create-topics-stream":
        return stream(bootstrap, args[0], int(args[1]))
    a = admin(bootstrap)
    try:
        if op == "create-topic":
            r = a.create_topics([NewTopic(args[0], num_partitions=int(args[1]), replication_factor=int(args[2]))],
                                timeout_ms=15000)
            return topic_errors(r.topic_errors)
        if op == "create-partitions":
            r = a.create_partitions({args[0]: NewPartitions(total_count=int(args[1]))}, timeout_ms=15000)
            return topic_errors([(t[0], t[1]) for t in r.topic_errors])
        if op == "delete-topic":
            r = a.delete_topics([args[0]], timeout_ms=15000)
            return topic_errors(r.topic_error_codes)
        if op == "alter-topic-config":
            r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, args[0], configs={args[1]: args[2]})])
            codes = [res[0] for res in r.resources]
            print("alter_configs:", codes)
            return 0 if all(c == 0 for c in codes) else 1
        if op == "create-acl":
            r = a.create_acls([acl(*args)])
            print("create_acls: succeeded %d failed %d" % (len(r["succeeded"]), len(r["failed"])))
            return 0 if r["succeeded"] and not r["failed"] else 1
        if op == "delete-acl":
            f = ACLFilter(principal=args[1], host="*", operation=ACLOperation[args[2].upper()],
                          permission_type=ACLPermissionType.ALLOW,
                          resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, args[0],
                                                                 ACLResourcePatternType.LITERAL))
            r = a.delete_acls([f])
            deleted = [m for _, matches, err in r for m in matches]
            print("delete_acls: %d deleted" % len(deleted))
            return 0 if deleted else 1
        if op == "set-quota":
            resp = raw(a, AlterClientQuotasRequest_v0(
                entries=[([(args[0], args[1])], [(args[2], float(args[3]), False)])], validate_only=False))
            codes = [e[0] for e in resp.entries]
            print("alter_client_quotas:", codes)
            return 0 if codes and all(c == 0 for c in codes) else 1
        if op == "upsert-scram":
            user, mech, password, iterations = args[0], args[1], args[2].encode(), int(args[3])
            mech_id, algo = {"SCRAM-SHA-256": (1, "sha256"), "SCRAM-SHA-512": (2, "sha512")}[mech]
            salt = os.urandom(16)
            salted = hashlib.pbkdf2_hmac(algo, password, salt, iterations)
            resp = raw(a, AlterUserScramCredentialsRequest_v0(
                header_tags=None, deletions=[], upsertions=[(user, mech_id, iterations, salt, salted, None)],
                tags=None))
            codes = [r[1] for r in resp.results]
            print("alter_user_scram_credentials:", codes)
            return 0 if codes and all(c == 0 for c in codes) else 1
        print("unknown operation %s" % op, file=sys.stderr)
        return 2
    finally:
        a.close()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except SystemExit:
        raise
    except Exception as e:  # a crash is a failure with its reason
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
