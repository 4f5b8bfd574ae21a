/*
 * `validate`: one fixture through a real ZooKeeper. Load the fixture under a fresh chroot,
 * run the migration into a temp dir, fold every node's written snapshot back into an image
 * and compare it with fixtures/<name>.image.json; a fixture with <name>.findings must instead
 * produce exactly those findings and be refused with nothing written. The chroot is deleted
 * afterwards. Per-fixture options live in <name>.migrate (properties: password.encoder.secret,
 * zk.auth, metadata.version, force, lenient).
 */
#ifndef MIGRATE_VALIDATE_H
#define MIGRATE_VALIDATE_H

#include <stdbool.h>

#include "kraft/error.h"

typedef struct mg_validate_result {
    bool passed;
    char name[256];           /* fixture base name */
    char message[1024];       /* why it failed (or what passed) */
    char details[8192];       /* longer text for the JUnit failure body */
    double seconds;
    long long records;
} mg_validate_result;

/* zk_connect: "host:port" of a ZooKeeper to use (the fixture goes under a chroot of it);
 * work_dir: an existing directory for the output trees. Returns 0 when the fixture could
 * be run at all (r->passed says whether it matched), else a kr_code (err set). */
int mg_validate_fixture(const char *fixture, const char *zk_connect, const char *work_dir,
                        mg_validate_result *r, kr_error *err);

/* Deletes path and everything below it (bounded depth), skipping /zookeeper. */
typedef struct _zhandle zhandle_t;
int mg_zk_delete_tree(zhandle_t *zh, const char *path, kr_error *err);

#endif
