/* One fixture end to end through a real ZooKeeper (see validate.h). */
#include "migrate/validate.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define THREADED 1 /* the synchronous calls of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "kraft/image_json.h"
#include "kraft/metadata_files.h"
#include "kraft/metadata_version.h"
#include "kraft/properties.h"
#include "migrate/expected_image.h"
#include "migrate/migrate.h"
#include "zkread/tree.h"

#define MAX_DEPTH 64
#define MAX_CHILDREN_TOTAL 10000000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int delete_rec(zhandle_t *zh, const char *path, int depth, long *budget, kr_error *err) {
    if (depth > MAX_DEPTH) return kr_fail(err, KR_ERR_INVALID, "%s: deeper than %d levels", path, MAX_DEPTH);
    if (!strcmp(path, "/zookeeper")) return 0;
    struct String_vector kids = {0};
    int zrc = zoo_get_children(zh, path, 0, &kids);
    if (zrc == ZNONODE) return 0;
    if (zrc != ZOK) return kr_fail(err, KR_ERR_IO, "%s: get children: %s", path, zerror(zrc));
    int rc = 0;
    for (int i = 0; i < kids.count && !rc; i++) {
        if (--*budget < 0) {
            rc = kr_fail(err, KR_ERR_INVALID, "more than %d znodes to delete", MAX_CHILDREN_TOTAL);
            break;
        }
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", kids.data[i]);
        rc = delete_rec(zh, child, depth + 1, budget, err);
    }
    deallocate_String_vector(&kids);
    if (rc || !strcmp(path, "/")) return rc;
    zrc = zoo_delete(zh, path, -1);
    if (zrc != ZOK && zrc != ZNONODE) return kr_fail(err, KR_ERR_IO, "%s: delete: %s", path, zerror(zrc));
    return 0;
}

int mg_zk_delete_tree(zhandle_t *zh, const char *path, kr_error *err) {
    long budget = MAX_CHILDREN_TOTAL;
    return delete_rec(zh, path, 0, &budget, err);
}

/* "fixtures/x.xml" -> "fixtures/x" + suffix */
static void sibling(const char *fixture, const char *suffix, char *out, size_t cap) {
    size_t n = strlen(fixture);
    if (n > 4 && !strcmp(fixture + n - 4, ".xml")) n -= 4;
    snprintf(out, cap, "%.*s%s", (int)n, fixture, suffix);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap && cap < (64u << 20)) {
            char *t = realloc(s, cap *= 2);
            if (!t) { free(s); s = NULL; }
            else s = t;
        }
    }
    fclose(f);
    if (s) s[n] = '\0';
    return s;
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...) {
    size_t n = strlen(buf);
    if (n + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

/* The findings as `inspect` prints them, one per line, sorted. */
static char *findings_text(const zr_findings *f) {
    size_t cap = 1;
    for (size_t i = 0; i < f->n; i++) cap += strlen(f->v[i].path) + strlen(f->v[i].message) + 16;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s %s: %s\n", f->v[i].severity == ZR_SEV_ERROR ? "error" : "warning",
                              f->v[i].path, f->v[i].message);
    return s;
}

static int fold_node(const char *node_dir, json_t **out, long long *records, kr_error *err) {
    kr_image img;
    kr_image_init(&img);
    char *paths[1] = {(char *)node_dir};
    kr_load_stats st;
    int rc = kr_image_load_paths(&img, paths, 1, &st, err);
    if (!rc) {
        *out = kr_image_to_json(&img, 0);
        *records = st.records;
    }
    kr_image_free(&img);
    return rc;
}

typedef struct fixture_opts {
    kr_properties props;
    const char *secret, *auth;
    int16_t level;
    bool force, lenient;
} fixture_opts;

static int load_opts(const char *fixture, fixture_opts *fo, kr_error *err) {
    char path[4096];
    sibling(fixture, ".migrate", path, sizeof path);
    memset(fo, 0, sizeof *fo);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    fclose(f);
    if (kr_properties_read(path, &fo->props, err)) return KR_ERR_INVALID;
    fo->secret = kr_properties_get(&fo->props, "password.encoder.secret");
    fo->auth = kr_properties_get(&fo->props, "zk.auth");
    const char *mv = kr_properties_get(&fo->props, "metadata.version");
    if (mv && (fo->level = kr_metadata_version_parse(mv)) < 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: unknown metadata.version %s", path, mv);
    const char *v = kr_properties_get(&fo->props, "force");
    fo->force = v && !strcmp(v, "true");
    v = kr_properties_get(&fo->props, "lenient");
    fo->lenient = v && !strcmp(v, "true");
    return 0;
}

static void check_findings(const char *want_file, const mg_migrate_result *mr, enum mg_migrate_outcome oc,
                           const char *out_dir, mg_validate_result *r) {
    char *want = read_text(want_file), *got = findings_text(&mr->findings);
    struct stat st;
    bool written = stat(out_dir, &st) == 0;
    if (!want || !got) snprintf(r->message, sizeof r->message, "cannot read %s", want_file);
    else if (strcmp(want, got)) {
        snprintf(r->message, sizeof r->message, "findings differ from %s", want_file);
        snprintf(r->details, sizeof r->details, "--- expected\n%s--- got\n%s", want, got);
    } else if (oc != MG_BLOCKED) snprintf(r->message, sizeof r->message, "migrate was not refused (outcome %d)", oc);
    else if (written) snprintf(r->message, sizeof r->message, "migrate refused but wrote %s", out_dir);
    else {
        r->passed = true;
        snprintf(r->message, sizeof r->message, "%zu expected findings; migrate refused, nothing written",
                 mr->findings.n);
    }
    free(want);
    free(got);
}

static void check_image(const char *fixture, const mg_migrate_options *mo, const mg_migrate_result *mr,
                        enum mg_migrate_outcome oc, const kr_error *merr, mg_validate_result *r) {
    char path[4096];
    if (oc != MG_MIGRATED) {
        snprintf(r->message, sizeof r->message, "migrate %s: %s", oc == MG_BLOCKED ? "refused" : "failed",
                 merr->message[0] ? merr->message : "blocking findings");
        char *f = findings_text(&mr->findings);
        snprintf(r->details, sizeof r->details, "%s", f ? f : "");
        for (size_t i = 0; i < mr->report.n_notes; i++)
            append(r->details, sizeof r->details, "%s: %s\n", mr->report.notes[i].path, mr->report.notes[i].message);
        free(f);
        return;
    }
    sibling(fixture, ".image.json", path, sizeof path);
    json_error_t je;
    json_t *expected = json_load_file(path, 0, &je);
    if (!expected) {
        snprintf(r->message, sizeof r->message, "%s: %s (line %d)", path, je.text, je.line);
        return;
    }
    r->passed = true;
    for (size_t i = 0; i < mo->n_controllers && r->passed; i++) {
        char node[4096];
        snprintf(node, sizeof node, "%s/node-%d", mo->out_dir, (int)mo->controllers[i].id);
        json_t *actual = NULL;
        kr_error ferr = {0};
        if (fold_node(node, &actual, &r->records, &ferr)) {
            r->passed = false;
            snprintf(r->message, sizeof r->message, "folding %s: %s", node, ferr.message);
            break;
        }
        char why[900];
        if (!mg_expected_image_matches(expected, actual, why, sizeof why)) {
            r->passed = false;
            snprintf(r->message, sizeof r->message, "node-%d differs from %s: %s", (int)mo->controllers[i].id,
                     path, why);
            char *s = json_dumps(actual, JSON_INDENT(1) | JSON_SORT_KEYS);
            snprintf(r->details, sizeof r->details, "image of node-%d:\n%s", (int)mo->controllers[i].id,
                     s ? s : "");
            free(s);
        }
        json_decref(actual);
    }
    if (r->passed)
        snprintf(r->message, sizeof r->message, "%zu node(s) match %s (%lld records)", mo->n_controllers, path,
                 r->records);
    json_decref(expected);
}

int mg_validate_fixture(const char *fixture, const char *zk_connect, const char *work_dir,
                        mg_validate_result *r, kr_error *err) {
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", fixture);
    snprintf(r->name, sizeof r->name, "%s", basename(tmp));
    size_t nl = strlen(r->name);
    if (nl > 4 && !strcmp(r->name + nl - 4, ".xml")) r->name[nl - 4] = '\0';

    fixture_opts fo;
    int rc = load_opts(fixture, &fo, err);
    if (rc) return rc;
    zr_tree tree;
    zr_error zerr = {0};
    if (zr_fixture_read(fixture, &tree, &zerr)) {
        kr_properties_free(&fo.props);
        return kr_fail(err, KR_ERR_INVALID, "%s", zerr.message);
    }
    char chroot_connect[4096], root[512];
    snprintf(root, sizeof root, "/zk2kraft-validate-%ld/%s", (long)getpid(), r->name);
    snprintf(chroot_connect, sizeof chroot_connect, "%s%s", zk_connect, root);
    zr_connect_opts zk = {.connect = chroot_connect, .auth = fo.auth};
    zr_load_stats ls;
    if (zr_tree_load(&zk, &tree, false, false, NULL, &ls, &zerr)) {
        zr_tree_free(&tree);
        kr_properties_free(&fo.props);
        return kr_fail(err, KR_ERR_IO, "loading %s: %s", fixture, zerr.message);
    }
    zr_tree_free(&tree);

    mg_controller ctl[3] = {{3000, "127.0.0.1", 19093}, {3001, "127.0.0.1", 19094}, {3002, "127.0.0.1", 19095}};
    char out_dir[4096];
    snprintf(out_dir, sizeof out_dir, "%s/%s.out", work_dir, r->name);
    mg_migrate_options mo = {.zk = &zk, .controllers = ctl, .n_controllers = 3, .out_dir = out_dir,
                             .force = fo.force, .lenient = fo.lenient};
    mo.convert.metadata_version = fo.level;
    mo.convert.password_encoder.secret = fo.secret;
    mg_migrate_result mr = {0};
    zr_model_init(&mr.model);
    kr_error merr = {0};
    enum mg_migrate_outcome oc = mg_migrate(&mo, &mr, &merr);
    char findings_file[4096];
    sibling(fixture, fo.lenient ? ".lenient.findings" : ".findings", findings_file, sizeof findings_file);
    FILE *ff = fopen(findings_file, "r");
    if (ff) {
        fclose(ff);
        check_findings(findings_file, &mr, oc, out_dir, r);
    } else {
        check_image(fixture, &mo, &mr, oc, &merr, r);
    }
    mg_migrate_result_free(&mr);
    mg_remove_tree(out_dir);

    /* wipe the fixture's chroot (with the same identity that created it) */
    zr_connect_opts base = {.connect = zk_connect, .auth = fo.auth};
    zhandle_t *zh = NULL;
    if (zr_session_open(&base, &zh, &zerr) == 0) {
        char top[512];
        snprintf(top, sizeof top, "/zk2kraft-validate-%ld", (long)getpid());
        kr_error werr = {0};
        mg_zk_delete_tree(zh, root, &werr);
        zoo_delete(zh, top, -1); /* only when empty: other fixtures may still be there */
        zr_session_close(zh);
    }
    kr_properties_free(&fo.props);
    r->seconds = now_s() - t0;
    return 0;
}
