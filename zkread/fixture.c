/* Fixture XML (read with schema validation, write atomically) and the in-memory tree. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zkread/text.h"
#include "zkread/tree.h"

#define MAX_ZNODE_BYTES (64 * 1024 * 1024) /* far above any jute.maxbuffer in use */

void zr_tree_free(zr_tree *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].path);
        free(t->v[i].data);
        for (size_t j = 0; j < t->v[i].n_acls; j++) {
            free(t->v[i].acls[j].scheme);
            free(t->v[i].acls[j].id);
        }
        free(t->v[i].acls);
    }
    free(t->v);
    free(t->description);
    memset(t, 0, sizeof *t);
}

bool zr_tree_add(zr_tree *t, const char *path, const uint8_t *data, int32_t len, bool ephemeral,
                 int32_t version) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        zr_znode *v = realloc(t->v, cap * sizeof *v);
        if (!v) return false;
        t->v = v;
        t->cap = cap;
    }
    zr_znode z = {.path = strdup(path), .len = data ? len : -1, .ephemeral = ephemeral,
                  .version = version};
    if (data) {
        z.data = malloc(len > 0 ? (size_t)len : 1);
        if (z.data && len > 0) memcpy(z.data, data, (size_t)len);
    }
    if (!z.path || (data && !z.data)) {
        free(z.path);
        free(z.data);
        return false;
    }
    t->v[t->n++] = z;
    return true;
}

static int znode_cmp(const void *a, const void *b) {
    return strcmp(((const zr_znode *)a)->path, ((const zr_znode *)b)->path);
}

int zr_tree_sort(zr_tree *t, zr_error *err) {
    if (t->n > 1) qsort(t->v, t->n, sizeof *t->v, znode_cmp);
    for (size_t i = 1; i < t->n; i++)
        if (!strcmp(t->v[i - 1].path, t->v[i].path))
            return zr_fail(err, ZR_ERR_INVALID, "znode %s appears twice", t->v[i].path);
    return 0;
}

void zr_tree_to_model(const zr_tree *t, zr_model *m, zr_findings *f) {
    for (size_t i = 0; i < t->n; i++) {
        const zr_znode *z = &t->v[i];
        zr_stat st = {.version = z->version, .ephemeral_owner = z->ephemeral ? 1 : 0};
        zr_model_add_znode(m, z->path, z->data, z->len, &st, f);
    }
    zr_model_finish(m, f);
}

/* ---- reading -------------------------------------------------------------- */

static int perms_from_text(const char *s) {
    int p = 0;
    for (; *s; s++) {
        switch (*s) {
        case 'r': p |= 1 << 0; break; /* ZOO_PERM_READ */
        case 'w': p |= 1 << 1; break;
        case 'c': p |= 1 << 2; break;
        case 'd': p |= 1 << 3; break;
        case 'a': p |= 1 << 4; break;
        default: break;
        }
    }
    return p;
}

static void perms_to_text(int p, char out[6]) {
    size_t n = 0;
    if (p & 1) out[n++] = 'r';
    if (p & 2) out[n++] = 'w';
    if (p & 4) out[n++] = 'c';
    if (p & 8) out[n++] = 'd';
    if (p & 16) out[n++] = 'a';
    out[n] = 0;
}

static char *attr(xmlNode *n, const char *name) {
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static void silent_errors(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

static int validate(xmlDoc *doc, const char *name, zr_error *err) {
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(zr_fixture_schema, (int)strlen(zr_fixture_schema));
    xmlRelaxNGPtr schema = pc ? xmlRelaxNGParse(pc) : NULL;
    xmlRelaxNGValidCtxtPtr vc = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
    int rc = 0;
    if (!vc) {
        rc = zr_fail(err, ZR_ERR_INVALID, "internal error: the fixture schema does not compile");
    } else {
        xmlRelaxNGSetValidErrors(vc, (xmlRelaxNGValidityErrorFunc)silent_errors,
                                 (xmlRelaxNGValidityWarningFunc)silent_errors, NULL);
        if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
            const xmlError *e = xmlGetLastError();
            rc = zr_fail(err, ZR_ERR_INVALID, "%s:%d: does not match the fixture schema: %s", name,
                         e ? e->line : 0, e && e->message ? e->message : "invalid");
            size_t l = strlen(err->message);
            if (l && err->message[l - 1] == '\n') err->message[l - 1] = 0;
        }
    }
    if (vc) xmlRelaxNGFreeValidCtxt(vc);
    if (schema) xmlRelaxNGFree(schema);
    if (pc) xmlRelaxNGFreeParserCtxt(pc);
    return rc;
}

static int read_znode(xmlNode *n, const char *name, zr_tree *t, zr_error *err) {
    int rc = 0;
    char *path = attr(n, "path"), *eph = attr(n, "ephemeral"), *ver = attr(n, "version");
    int32_t version = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    bool has_data = false;
    if (ver && !zr_parse_i32(ver, &version)) {
        rc = zr_fail(err, ZR_ERR_INVALID, "%s:%d: znode %s: version \"%s\" is not an integer", name,
                     (int)xmlGetLineNo(n), path, ver);
        goto out;
    }
    if (!zr_tree_add(t, path, NULL, -1, eph && !strcmp(eph, "true"), version)) {
        rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
        goto out;
    }
    zr_znode *z = &t->v[t->n - 1];
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (!strcmp((const char *)c->name, "acl")) {
            zr_acl *a = realloc(z->acls, (z->n_acls + 1) * sizeof *a);
            if (!a) {
                rc = zr_fail(err, ZR_ERR_NOMEM, "out of memory");
                goto out;
            }
            z->acls = a;
            char *perms = attr(c, "perms");
            a[z->n_acls++] = (zr_acl){attr(c, "scheme"), attr(c, "id"), perms ? perms_from_text(perms) : 0};
            free(perms);
        } else if (!strcmp((const char *)c->name, "data")) {
            char *enc = attr(c, "encoding");
            xmlChar *text = xmlNodeGetContent(c);
            const char *s = text ? (const char *)text : "";
            has_data = true;
            if (enc && !strcmp(enc, "base64")) {
                if (!zr_base64_decode(s, strlen(s), false, true, &data, &len)) {
                    rc = zr_fail(err, ZR_ERR_INVALID, "%s:%d: znode %s: data is not valid base64", name,
                                 (int)xmlGetLineNo(c), path);
                }
            } else {
                len = strlen(s);
                data = malloc(len + 1);
                if (data) memcpy(data, s, len + 1);
            }
            free(enc);
            xmlFree(text);
            if (rc) goto out;
            if (len > MAX_ZNODE_BYTES) {
                rc = zr_fail(err, ZR_ERR_INVALID, "%s: znode %s: data is %zu bytes, more than %d", name, path,
                             len, MAX_ZNODE_BYTES);
                goto out;
            }
        }
    }
    if (has_data) {
        z->data = data ? data : malloc(1);
        z->len = (int32_t)len;
        data = NULL;
    }
out:
    free(data);
    free(path);
    free(eph);
    free(ver);
    return rc;
}

int zr_fixture_parse(const char *xml, size_t len, const char *name, zr_tree *t, zr_error *err) {
    memset(t, 0, sizeof *t);
    xmlSetGenericErrorFunc(NULL, silent_errors);
    xmlDoc *doc = xmlReadMemory(xml, (int)len, name, NULL, XML_PARSE_NONET);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        int rc = zr_fail(err, ZR_ERR_CORRUPT, "%s:%d: not well-formed XML: %s", name, e ? e->line : 0,
                         e && e->message ? e->message : "parse error");
        size_t l = strlen(err->message);
        if (l && err->message[l - 1] == '\n') err->message[l - 1] = 0;
        return rc;
    }
    int rc = validate(doc, name, err);
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root ? root->children : NULL; n && !rc; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (!strcmp((const char *)n->name, "description")) {
            xmlChar *text = xmlNodeGetContent(n);
            free(t->description);
            t->description = text ? strdup((const char *)text) : NULL;
            xmlFree(text);
        } else if (!strcmp((const char *)n->name, "znode")) {
            rc = read_znode(n, name, t, err);
        }
    }
    xmlFreeDoc(doc);
    if (!rc) {
        rc = zr_tree_sort(t, err);
        if (rc) zr_error_wrap(err, "%s", name);
    }
    if (rc) zr_tree_free(t);
    return rc;
}

int zr_fixture_read(const char *file, zr_tree *t, zr_error *err) {
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(file, "rb");
    if (!fp) return zr_fail(err, ZR_ERR_IO, "cannot open %s: %s", file, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            if (cap > (size_t)1 << 34) {
                free(buf);
                fclose(fp);
                return zr_fail(err, ZR_ERR_INVALID, "%s is larger than 16 GiB", file);
            }
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(fp);
                return zr_fail(err, ZR_ERR_NOMEM, "out of memory reading %s", file);
            }
            buf = b;
        }
        size_t k = fread(buf + n, 1, cap - n, fp);
        n += k;
        if (k == 0) break;
    }
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return zr_fail(err, ZR_ERR_IO, "error reading %s", file);
    }
    if (n > INT32_MAX) {
        free(buf);
        return zr_fail(err, ZR_ERR_INVALID, "%s is larger than 2 GiB", file);
    }
    int rc = zr_fixture_parse(buf, n, file, t, err);
    free(buf);
    return rc;
}

/* ---- writing -------------------------------------------------------------- */

/* Text if it is UTF-8 made of XML-safe characters and survives a round trip; else base64. */
static bool xml_safe_text(const uint8_t *p, int32_t n) {
    for (int32_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x20 && c != '\t' && c != '\n') return false; /* \r would be normalized away */
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + (int32_t)len > n) return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return false;
        if (len == 2 && c < 0xC2) return false; /* overlong */
        if (len == 3 && c == 0xEF && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF))
            return false; /* U+FFFE, U+FFFF */
        i += (int32_t)len;
    }
    return true;
}

/* Escapes only what XML requires in text (& < >), so JSON stays readable in fixtures. */
static char *xml_escape(const uint8_t *p, int32_t n) {
    char *out = malloc((size_t)n * 5 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (int32_t i = 0; i < n; i++) {
        const char *rep = p[i] == '&' ? "&amp;" : p[i] == '<' ? "&lt;" : p[i] == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = (char)p[i];
        }
    }
    out[o] = 0;
    return out;
}

static int write_doc(xmlTextWriterPtr w, const zr_tree *t) {
    int bad = 0;
    bad |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
    bad |= xmlTextWriterStartElement(w, BAD_CAST "znodes") < 0;
    bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "format", BAD_CAST "1") < 0;
    if (t->description) bad |= xmlTextWriterWriteElement(w, BAD_CAST "description", BAD_CAST t->description) < 0;
    for (size_t i = 0; i < t->n && !bad; i++) {
        const zr_znode *z = &t->v[i];
        bad |= xmlTextWriterStartElement(w, BAD_CAST "znode") < 0;
        bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "path", BAD_CAST z->path) < 0;
        if (z->ephemeral) bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "ephemeral", BAD_CAST "true") < 0;
        if (z->version > 0) bad |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "version", "%d", (int)z->version) < 0;
        for (size_t j = 0; j < z->n_acls; j++) {
            char perms[6];
            perms_to_text(z->acls[j].perms, perms);
            bad |= xmlTextWriterStartElement(w, BAD_CAST "acl") < 0;
            bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "scheme", BAD_CAST z->acls[j].scheme) < 0;
            bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST z->acls[j].id) < 0;
            bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "perms", BAD_CAST perms) < 0;
            bad |= xmlTextWriterEndElement(w) < 0;
        }
        if (z->data) {
            bad |= xmlTextWriterStartElement(w, BAD_CAST "data") < 0;
            if (xml_safe_text(z->data, z->len)) {
                char *s = xml_escape(z->data, z->len);
                bad |= !s || xmlTextWriterWriteRaw(w, BAD_CAST s) < 0;
                free(s);
            } else {
                char *s = zr_base64_encode(z->data, (size_t)z->len);
                bad |= xmlTextWriterWriteAttribute(w, BAD_CAST "encoding", BAD_CAST "base64") < 0;
                bad |= !s || xmlTextWriterWriteString(w, BAD_CAST s) < 0;
                free(s);
            }
            bad |= xmlTextWriterFullEndElement(w) < 0;
        }
        bad |= xmlTextWriterEndElement(w) < 0;
    }
    bad |= xmlTextWriterEndElement(w) < 0;
    bad |= xmlTextWriterEndDocument(w) < 0;
    return bad;
}

int zr_fixture_write(const char *file, const zr_tree *t, zr_error *err) {
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w) {
        if (buf) xmlBufferFree(buf);
        return zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    int bad = write_doc(w, t);
    xmlFreeTextWriter(w); /* flushes into buf */
    if (bad) {
        xmlBufferFree(buf);
        return zr_fail(err, ZR_ERR_INVALID, "cannot serialize the tree as XML");
    }
    size_t len = strlen(file);
    char *tmp = malloc(len + 32), *dircopy = strdup(file);
    if (!tmp || !dircopy) {
        free(tmp);
        free(dircopy);
        xmlBufferFree(buf);
        return zr_fail(err, ZR_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, len + 32, "%s.tmp.%d", file, (int)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const uint8_t *p = xmlBufferContent(buf);
    size_t n = (size_t)xmlBufferLength(buf), off = 0;
    if (fd < 0) {
        rc = zr_fail(err, ZR_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    while (off < n) {
        ssize_t k = write(fd, p + off, n - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rc = zr_fail(err, ZR_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
            break;
        }
        off += (size_t)k;
    }
    if (!rc && fsync(fd) != 0) rc = zr_fail(err, ZR_ERR_IO, "cannot fsync %s: %s", tmp, strerror(errno));
    close(fd);
    if (!rc && rename(tmp, file) != 0)
        rc = zr_fail(err, ZR_ERR_IO, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
    if (rc) {
        unlink(tmp);
    } else {
        int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
out:
    free(tmp);
    free(dircopy);
    xmlBufferFree(buf);
    return rc;
}

/* ---- dump: a live tree into memory ----------------------------------------- */

static void tree_visit(void *ctx, const char *path, const uint8_t *data, int32_t len, const zr_stat *st) {
    zr_tree *t = ctx;
    zr_tree_add(t, path, data, data ? len : -1, st && st->ephemeral_owner != 0, st ? st->version : 0);
}

int zr_tree_read(const zr_connect_opts *o, enum zr_scope scope, zr_tree *t, zr_progress_fn progress,
                 void *pctx, zr_read_stats *stats, zr_error *err) {
    memset(t, 0, sizeof *t);
    int rc = zr_read_tree(o, scope, tree_visit, t, progress, pctx, stats, err);
    if (!rc) rc = zr_tree_sort(t, err);
    if (rc) zr_tree_free(t);
    return rc;
}
