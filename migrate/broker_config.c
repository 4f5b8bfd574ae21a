/* Broker cut-over: server.properties and meta.properties to KRaft mode. */
#include "migrate/broker_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kraft/fsutil.h"
#include "kraft/meta_properties.h"
#include "kraft/properties.h"
#include "kraft/wire.h"
#include "migrate/controllers.h"

#define MAX_LINES 100000
#define MAX_FILE_BYTES (1u << 20)

/* Keys a KRaft broker must not carry (ZooKeeper-only, or refused in KRaft mode). */
static bool dropped_key(const char *k) {
    static const char *const exact[] = {
        "broker.id.generation.enable", "reserved.broker.max.id", "control.plane.listener.name",
        "inter.broker.protocol.version",
    };
    if (!strncmp(k, "zookeeper.", 10)) return true;
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (!strcmp(k, exact[i])) return true;
    return false;
}

static bool zk_authorizer(const char *v) {
    return v && (!strcmp(v, "kafka.security.authorizer.AclAuthorizer") ||
                 !strcmp(v, "kafka.security.auth.SimpleAclAuthorizer"));
}

/* One logical line: [start, end) of the text, and its key (NULL for comments/blank). */
typedef struct line {
    const char *start;
    size_t len;
    char key[256];
    bool is_entry;
} line;

static size_t split_lines(const char *text, size_t len, line *out, size_t cap) {
    size_t n = 0, i = 0;
    while (i < len && n < cap) {
        size_t s = i;
        const char *p = text + i;
        while (*p == ' ' || *p == '\t' || *p == '\f') p++;
        bool comment = *p == '#' || *p == '!' || *p == '\n' || *p == '\r' || p >= text + len;
        /* a continuation: an odd number of backslashes before the newline */
        for (;;) {
            while (i < len && text[i] != '\n') i++;
            size_t bs = 0;
            for (size_t j = i; j > s && text[j - 1] == '\\'; j--) bs++;
            if (i < len) i++;
            if (comment || bs % 2 == 0 || i >= len) break;
        }
        line *l = &out[n++];
        l->start = text + s;
        l->len = i - s;
        l->is_entry = !comment;
        l->key[0] = '\0';
        if (comment) continue;
        size_t k = 0;
        while (p < text + i && *p != '=' && *p != ':' && *p != ' ' && *p != '\t' && *p != '\f' && *p != '\n' &&
               *p != '\r' && k + 1 < sizeof l->key) {
            if (*p == '\\' && p + 1 < text + i) p++;
            l->key[k++] = *p++;
        }
        l->key[k] = '\0';
    }
    return n;
}

static void put(kr_buf *b, const char *s, size_t n) { kr_put_raw(b, s, n); }
static void puts_(kr_buf *b, const char *s) { put(b, s, strlen(s)); }

static bool add_dropped(char ***v, size_t *n, const char *k) {
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return false;
    *v = nv;
    if (!(nv[*n] = strdup(k))) return false;
    (*n)++;
    return true;
}

/* listener.security.protocol.map with `name:proto` added when the name is not mapped yet. */
static char *map_with(const char *map, const char *name, const char *proto) {
    const char *base = map ? map : "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
    size_t nl = strlen(name);
    for (const char *p = base; p && *p;) {
        while (*p == ' ') p++;
        if (!strncmp(p, name, nl) && p[nl] == ':') return strdup(base);
        p = strchr(p, ',');
        if (p) p++;
    }
    char *s = NULL;
    if (asprintf(&s, "%s,%s:%s", base, name, proto) < 0) return NULL;
    return s;
}

int mg_server_properties_to_kraft(const char *text, size_t len, const char *name, const char *voters,
                                  const char *controller_listener, const char *controller_protocol,
                                  char **out, int32_t *node_id, char ***dropped, size_t *n_dropped,
                                  kr_error *err) {
    *out = NULL;
    kr_properties props = {0};
    if (kr_properties_parse(text, len, name, &props, err)) return err ? (int)err->code : KR_ERR_INVALID;
    int32_t id = -1, nid = -1;
    int rc = kr_properties_get_int(&props, "broker.id", &id, err);
    if (rc == KR_ERR_INVALID) goto fail;
    if (kr_properties_get_int(&props, "node.id", &nid, NULL) == KR_OK && rc != KR_OK) id = nid, rc = KR_OK;
    if (rc != KR_OK || id < 0) {
        rc = kr_fail(err, KR_ERR_INVALID, "%s: no broker.id >= 0: KRaft needs a fixed node.id (broker id generation "
                     "is not supported)", name);
        goto fail;
    }
    if (nid >= 0 && nid != id) {
        rc = kr_fail(err, KR_ERR_INVALID, "%s: broker.id %d and node.id %d differ", name, (int)id, (int)nid);
        goto fail;
    }
    const char *listener = controller_listener ? controller_listener : kr_properties_get(&props, "controller.listener.names");
    if (!listener || !*listener) listener = "CONTROLLER";
    char first_listener[128];
    snprintf(first_listener, sizeof first_listener, "%.*s", (int)strcspn(listener, ","), listener);
    char *map = map_with(kr_properties_get(&props, "listener.security.protocol.map"), first_listener,
                         controller_protocol ? controller_protocol : "PLAINTEXT");
    line *lines = calloc(MAX_LINES, sizeof *lines);
    if (!map || !lines) {
        free(map);
        free(lines);
        rc = kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    size_t n = split_lines(text, len, lines, MAX_LINES);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%d", (int)id);
    struct { const char *key, *value; bool done; } set[] = {
        {"process.roles", "broker", false},
        {"node.id", idbuf, false},
        {"controller.quorum.voters", voters, false},
        {"controller.listener.names", listener, false},
        {"listener.security.protocol.map", map, false},
    };
    const size_t n_set = sizeof set / sizeof *set;
    kr_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        const line *l = &lines[i];
        if (!l->is_entry) {
            put(&b, l->start, l->len);
            continue;
        }
        const char *k = l->key;
        bool replaced = false;
        if (!strcmp(k, "broker.id")) k = "node.id";
        for (size_t s = 0; s < n_set; s++) {
            if (strcmp(k, set[s].key)) continue;
            if (!set[s].done) {
                puts_(&b, set[s].key);
                puts_(&b, "=");
                puts_(&b, set[s].value);
                puts_(&b, "\n");
                set[s].done = true;
            }
            replaced = true;
        }
        if (replaced) continue;
        if (dropped_key(k)) {
            if (!add_dropped(dropped, n_dropped, k)) b.oom = true;
            continue;
        }
        if (!strcmp(k, "authorizer.class.name") && zk_authorizer(kr_properties_get(&props, k))) {
            puts_(&b, "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n");
            continue;
        }
        put(&b, l->start, l->len);
    }
    if (b.len && b.data[b.len - 1] != '\n') puts_(&b, "\n");
    bool header = false;
    for (size_t s = 0; s < n_set; s++) {
        if (set[s].done) continue;
        if (!header) puts_(&b, "\n# KRaft mode (zk2kraft broker-config)\n"), header = true;
        puts_(&b, set[s].key);
        puts_(&b, "=");
        puts_(&b, set[s].value);
        puts_(&b, "\n");
    }
    free(lines);
    free(map);
    if (b.oom || !kr_buf_reserve(&b, 1)) {
        kr_buf_free(&b);
        rc = kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    b.data[b.len] = '\0';
    *out = (char *)b.data;
    *node_id = id;
    kr_properties_free(&props);
    return 0;
fail:
    kr_properties_free(&props);
    return rc ? rc : KR_ERR_INVALID;
}

static char *read_text(const char *path, kr_error *err) {
    kr_file_view v = {0};
    if (kr_file_read_all(path, MAX_FILE_BYTES, &v, err)) return NULL;
    char *s = malloc(v.len + 1);
    if (s) {
        if (v.len) memcpy(s, v.data, v.len);
        s[v.len] = '\0';
    } else kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", path);
    kr_file_view_release(&v);
    return s;
}

static mg_file_change *add_file(mg_broker_config_plan *p, const char *path) {
    mg_file_change *nf = realloc(p->files, (p->n_files + 1) * sizeof *nf);
    if (!nf) return NULL;
    p->files = nf;
    mg_file_change *f = &nf[p->n_files++];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (f->path && asprintf(&f->backup_path, "%s.zk-backup", path) < 0) f->backup_path = NULL;
    return f->path && f->backup_path ? f : NULL;
}

static int plan_log_dir(mg_broker_config_plan *p, const char *dir, kr_error *err) {
    char path[4096];
    if (!kr_path_join(path, sizeof path, dir, "meta.properties"))
        return kr_fail(err, KR_ERR_INVALID, "log dir %s: path too long", dir);
    struct stat st;
    if (stat(path, &st) != 0)
        return kr_fail(err, KR_ERR_NOT_FOUND, "%s: %s; format the dir with the cluster id or remove it from log.dirs",
                       path, strerror(errno));
    mg_file_change *f = add_file(p, path);
    if (!f) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    if (!(f->old_text = read_text(path, err))) return err ? (int)err->code : KR_ERR_IO;
    kr_meta_properties mp;
    if (kr_meta_properties_parse(f->old_text, strlen(f->old_text), path, &mp, err)) return err ? (int)err->code : KR_ERR_INVALID;
    if (!mp.has_cluster_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: no cluster.id; start the broker once in ZooKeeper mode or format it", path);
    if (mp.has_node_id && mp.node_id != p->node_id)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s %d differs from broker.id %d in server.properties", path,
                       mp.version == 0 ? "broker.id" : "node.id", (int)mp.node_id, (int)p->node_id);
    if (!p->cluster_id[0]) snprintf(p->cluster_id, sizeof p->cluster_id, "%s", mp.cluster_id);
    else if (strcmp(p->cluster_id, mp.cluster_id))
        return kr_fail(err, KR_ERR_INVALID, "%s: cluster.id %s differs from %s in another log dir", path, mp.cluster_id,
                       p->cluster_id);
    if (mp.version == 1 && mp.has_directory_id && mp.has_node_id) {
        f->new_text = strdup(f->old_text); /* already KRaft: leave it */
        return f->new_text ? 0 : kr_fail(err, KR_ERR_NOMEM, "out of memory");
    }
    kr_meta_properties nm = mp;
    nm.version = 1;
    nm.has_node_id = true;
    nm.node_id = p->node_id;
    if (!nm.has_directory_id) {
        /* Uuid.randomUuid's rules: not zero, not reserved, text not starting with '-' */
        int tries = 0;
        char text[KR_UUID_TEXT_LEN];
        do {
            if (!kr_uuid_random(&nm.directory_id)) return kr_fail(err, KR_ERR_IO, "no randomness for directory.id");
            kr_uuid_to_text(&nm.directory_id, text);
        } while ((nm.directory_id.b[0] == 0 || text[0] == '-') && ++tries < 100);
        nm.has_directory_id = true;
    }
    kr_buf b = {0};
    if (kr_meta_properties_format(&nm, time(NULL), &b, err)) {
        kr_buf_free(&b);
        return err ? (int)err->code : KR_ERR_INVALID;
    }
    f->new_text = strndup((const char *)b.data, b.len);
    kr_buf_free(&b);
    if (!f->new_text) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    f->changed = true;
    return 0;
}

int mg_broker_config_plan_make(const mg_broker_config_options *o, mg_broker_config_plan *p, kr_error *err) {
    memset(p, 0, sizeof *p);
    mg_controller ctl[MG_MAX_CONTROLLERS];
    size_t n_ctl = 0;
    if (!o->controllers) return kr_fail(err, KR_ERR_INVALID, "no controllers given");
    if (mg_parse_controllers(o->controllers, ctl, MG_MAX_CONTROLLERS, &n_ctl, err)) return err ? (int)err->code : KR_ERR_INVALID;
    char voters[MG_MAX_CONTROLLERS * (MG_HOST_MAX + 24)];
    mg_format_voters(ctl, n_ctl, voters, sizeof voters);
    mg_file_change *sf = add_file(p, o->server_properties);
    if (!sf) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    if (!(sf->old_text = read_text(o->server_properties, err))) return err ? (int)err->code : KR_ERR_IO;
    int rc = mg_server_properties_to_kraft(sf->old_text, strlen(sf->old_text), o->server_properties, voters,
                                           o->controller_listener, o->controller_protocol, &sf->new_text, &p->node_id,
                                           &p->dropped_keys, &p->n_dropped, err);
    if (rc) return rc;
    sf->changed = strcmp(sf->old_text, sf->new_text) != 0;
    /* log dirs: the option, else the file's log.dirs / log.dir, else Kafka's default */
    kr_properties props = {0};
    if (kr_properties_parse(sf->old_text, strlen(sf->old_text), o->server_properties, &props, err))
        return err ? (int)err->code : KR_ERR_INVALID;
    const char *dirs = o->log_dirs;
    if (!dirs) dirs = kr_properties_get(&props, "log.dirs");
    if (!dirs) dirs = kr_properties_get(&props, "log.dir");
    if (!dirs) dirs = "/tmp/kafka-logs";
    char *copy = strdup(dirs);
    rc = copy ? 0 : kr_fail(err, KR_ERR_NOMEM, "out of memory");
    size_t n_dirs = 0;
    for (char *save = NULL, *d = copy ? strtok_r(copy, ",", &save) : NULL; d && !rc; d = strtok_r(NULL, ",", &save)) {
        while (*d == ' ') d++;
        if (!*d) continue;
        rc = plan_log_dir(p, d, err);
        n_dirs++;
    }
    if (!rc && n_dirs == 0) rc = kr_fail(err, KR_ERR_INVALID, "no log dirs");
    free(copy);
    kr_properties_free(&props);
    return rc;
}

int mg_broker_config_apply(const mg_broker_config_plan *p, kr_error *err) {
    /* Backups first, all of them: a failure half-way leaves every original recoverable. */
    for (size_t i = 0; i < p->n_files; i++) {
        const mg_file_change *f = &p->files[i];
        if (!f->changed) continue;
        struct stat st;
        if (stat(f->backup_path, &st) == 0) continue; /* keep the first (ZooKeeper-era) backup */
        if (kr_write_file_atomic(f->backup_path, f->old_text, strlen(f->old_text), 0644, err)) return err ? (int)err->code : KR_ERR_IO;
    }
    for (size_t i = 0; i < p->n_files; i++) {
        const mg_file_change *f = &p->files[i];
        if (!f->changed) continue;
        struct stat st;
        mode_t mode = stat(f->path, &st) == 0 ? (st.st_mode & 07777) : 0644;
        if (kr_write_file_atomic(f->path, f->new_text, strlen(f->new_text), mode, err)) return err ? (int)err->code : KR_ERR_IO;
    }
    return 0;
}

/* Lines of old and new, shown as a diff: the longest common subsequence, small files only. */
static void diff_lines(FILE *out, const char *a, const char *b) {
    char *ca = strdup(a), *cb = strdup(b);
    const char *la[4096], *lb[4096];
    size_t na = 0, nb = 0;
    for (char *s = NULL, *t = ca ? strtok_r(ca, "\n", &s) : NULL; t && na < 4096; t = strtok_r(NULL, "\n", &s)) la[na++] = t;
    for (char *s = NULL, *t = cb ? strtok_r(cb, "\n", &s) : NULL; t && nb < 4096; t = strtok_r(NULL, "\n", &s)) lb[nb++] = t;
    uint16_t *lcs = calloc((na + 1) * (nb + 1), sizeof *lcs);
    if (!lcs) {
        fprintf(out, "(files too large to show)\n");
        free(ca), free(cb);
        return;
    }
#define L(i, j) lcs[(i) * (nb + 1) + (j)]
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            L(i, j) = !strcmp(la[i], lb[j]) ? (uint16_t)(L(i + 1, j + 1) + 1) : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && !strcmp(la[i], lb[j])) fprintf(out, " %s\n", la[i]), i++, j++;
        else if (i < na && (j == nb || L(i + 1, j) >= L(i, j + 1))) fprintf(out, "-%s\n", la[i++]);
        else fprintf(out, "+%s\n", lb[j++]);
    }
#undef L
    free(lcs);
    free(ca);
    free(cb);
}

char *mg_broker_config_diff(const mg_broker_config_plan *p) {
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) return NULL;
    for (size_t i = 0; i < p->n_files; i++) {
        const mg_file_change *c = &p->files[i];
        if (!c->changed) {
            fprintf(f, "= %s (unchanged)\n", c->path);
            continue;
        }
        fprintf(f, "--- %s\n+++ %s (KRaft; original kept as %s)\n", c->path, c->path, c->backup_path);
        diff_lines(f, c->old_text, c->new_text);
    }
    fclose(f);
    return s;
}

void mg_broker_config_plan_free(mg_broker_config_plan *p) {
    for (size_t i = 0; i < p->n_files; i++) {
        free(p->files[i].path);
        free(p->files[i].backup_path);
        free(p->files[i].old_text);
        free(p->files[i].new_text);
    }
    for (size_t i = 0; i < p->n_dropped; i++) free(p->dropped_keys[i]);
    free(p->dropped_keys);
    free(p->files);
    memset(p, 0, sizeof *p);
}
