#!/usr/bin/python3
"""ZooKeeper read/write through kazoo (Debian python3-kazoo): an independent client for the
migration-mode tests, so what zk2kraft wrote is never checked only by zk2kraft itself.

  kazoo_cli.py CONNECT[/chroot] [--auth USER:PASS] get PATH        data (exit 3: no node, 4: no auth)
  kazoo_cli.py CONNECT ... json PATH EXPR     evaluates EXPR with `d` = the znode's JSON, prints it
  kazoo_cli.py CONNECT ... children PATH      one child per line, sorted
  kazoo_cli.py CONNECT ... exists PATH        exit 0 when it exists, 3 when not
  kazoo_cli.py CONNECT ... acl PATH           "scheme:id:perms" per ACL entry
  kazoo_cli.py CONNECT ... version PATH       the znode's data version
  kazoo_cli.py CONNECT ... set PATH DATA      setData (tampering behind the controller's back)
  kazoo_cli.py CONNECT ... create PATH DATA   create (parents too)
  kazoo_cli.py CONNECT ... delete PATH        recursive delete
"""
import json
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError, NoNodeError


def main(argv):
    args = argv[1:]
    auth = None
    if len(args) >= 3 and args[1] == "--auth":
        auth = args[2]
        del args[1:3]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    connect, op, path = args[0], args[1], args[2]
    zk = KazooClient(hosts=connect, timeout=15, auth_data=[("digest", auth)] if auth else None)
    zk.start(timeout=15)
    try:
        if op == "get":
            data, _ = zk.get(path)
            sys.stdout.write((data or b"").decode("utf-8", "replace") + "\n")
        elif op == "json":
            data, _ = zk.get(path)
            d = json.loads(data.decode("utf-8"))
            print(eval(args[3], {"d": d}))
        elif op == "children":
            for c in sorted(zk.get_children(path)):
                print(c)
        elif op == "exists":
            return 0 if zk.exists(path) else 3
        elif op == "acl":
            acls, _ = zk.get_acls(path)
            for a in acls:
                print("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms))
        elif op == "version":
            _, st = zk.get(path)
            print(st.version)
        elif op == "set":
            zk.set(path, args[3].encode("utf-8"))
        elif op == "create":
            zk.create(path, args[3].encode("utf-8"), makepath=True)
        elif op == "delete":
            zk.delete(path, recursive=True)
        else:
            print("unknown operation %s" % op, file=sys.stderr)
            return 2
        return 0
    except NoNodeError:
        print("%s: no node" % path, file=sys.stderr)
        return 3
    except NoAuthError:
        print("%s: not authorized" % path, file=sys.stderr)
        return 4
    finally:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
