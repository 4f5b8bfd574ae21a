/* Findings reports: collection, masking, text / JSON / JUnit writers. */
#include "migrate/report.h"

#include <assert.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/fsutil.h"

const char *mg_severity_name(enum mg_severity s) {
    switch (s) {
    case MG_SEV_BLOCKER: return "BLOCKER";
    case MG_SEV_WARNING: return "WARNING";
    default: return "INFO";
    }
}

void mg_report_init(mg_report *r, const char *command) {
    memset(r, 0, sizeof *r);
    r->command = strdup(command ? command : "report");
}

void mg_report_free(mg_report *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].path);
        free(r->v[i].message);
        free(r->v[i].fix);
    }
    for (size_t i = 0; i < r->n_checks; i++) free(r->checks[i].title);
    free(r->v);
    free(r->checks);
    free(r->command);
    memset(r, 0, sizeof *r);
}

static bool grow(void **v, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, nc * elem);
    if (!p) return false;
    *v = p;
    *cap = nc;
    return true;
}

void mg_report_declare(mg_report *r, const char *code, const char *title) {
    for (size_t i = 0; i < r->n_checks; i++)
        if (!strcmp(r->checks[i].code, code)) {
            if (title && !r->checks[i].title) r->checks[i].title = strdup(title);
            return;
        }
    if (!grow((void **)&r->checks, &r->cap_checks, r->n_checks, sizeof *r->checks)) return;
    mg_check_decl *d = &r->checks[r->n_checks++];
    memset(d, 0, sizeof *d);
    snprintf(d->code, sizeof d->code, "%s", code);
    d->title = title ? strdup(title) : NULL;
}

/* Keys whose values are secrets wherever they appear in a message. */
static const char *const SECRET_KEYS[] = {
    "salt=", "stored_key=", "server_key=", "encryptedPassword:", "salt:", "initializationVector:",
    "password=", "secret=",
};

static bool value_end(char c) {
    return c == '\0' || c == ',' || c == ' ' || c == '"' || c == '\'' || c == ';' || c == '\n' || c == '}' || c == ']';
}

char *mg_mask_secrets(const char *text) {
    if (!text) return strdup("");
    size_t len = strlen(text);
    /* Each masked value shrinks to 3 bytes; worst case a 1-byte value grows by 2. */
    char *out = malloc(len * 3 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t klen = 0;
        for (size_t k = 0; k < sizeof SECRET_KEYS / sizeof *SECRET_KEYS; k++) {
            size_t l = strlen(SECRET_KEYS[k]);
            if (!strncmp(text + i, SECRET_KEYS[k], l)) {
                klen = l;
                break;
            }
        }
        if (!klen) {
            out[o++] = text[i++];
            continue;
        }
        memcpy(out + o, text + i, klen);
        o += klen;
        i += klen;
        if (value_end(text[i])) continue;
        while (!value_end(text[i])) i++;
        memcpy(out + o, "***", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

bool mg_report_add(mg_report *r, enum mg_severity sev, const char *code, const char *path,
                   const char *fix, const char *fmt, ...) {
    assert(sev >= MG_SEV_INFO && sev <= MG_SEV_BLOCKER);
    mg_report_declare(r, code, NULL);
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!grow((void **)&r->v, &r->cap, r->n, sizeof *r->v)) return false;
    mg_finding *f = &r->v[r->n];
    f->severity = sev;
    snprintf(f->code, sizeof f->code, "%s", code);
    f->path = strdup(path ? path : "/");
    f->message = mg_mask_secrets(buf);
    f->fix = mg_mask_secrets(fix ? fix : "");
    if (!f->path || !f->message || !f->fix) {
        free(f->path);
        free(f->message);
        free(f->fix);
        return false;
    }
    r->n++;
    r->counts[sev]++;
    return true;
}

static int finding_cmp(const void *a, const void *b) {
    const mg_finding *x = a, *y = b;
    if (x->severity != y->severity) return x->severity > y->severity ? -1 : 1;
    int c = strcmp(x->code, y->code);
    if (c) return c;
    c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->message, y->message);
}

static int decl_cmp(const void *a, const void *b) {
    return strcmp(((const mg_check_decl *)a)->code, ((const mg_check_decl *)b)->code);
}

void mg_report_sort(mg_report *r) {
    if (r->n > 1) qsort(r->v, r->n, sizeof *r->v, finding_cmp);
    if (r->n_checks > 1) qsort(r->checks, r->n_checks, sizeof *r->checks, decl_cmp);
}

bool mg_report_has_blockers(const mg_report *r) { return r->counts[MG_SEV_BLOCKER] > 0; }

char *mg_report_to_text(const mg_report *r) {
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) return NULL;
    for (int sev = MG_SEV_BLOCKER; sev >= MG_SEV_INFO; sev--) {
        for (size_t i = 0; i < r->n; i++) {
            const mg_finding *x = &r->v[i];
            if ((int)x->severity != sev) continue;
            fprintf(f, "%-7s %s %s: %s", mg_severity_name(x->severity), x->code, x->path, x->message);
            if (x->fix[0]) fprintf(f, " — %s", x->fix);
            fputc('\n', f);
        }
    }
    fprintf(f, "%s: %zu blocker%s, %zu warning%s, %zu info (%zu checks)\n", r->command,
            r->counts[MG_SEV_BLOCKER], r->counts[MG_SEV_BLOCKER] == 1 ? "" : "s", r->counts[MG_SEV_WARNING],
            r->counts[MG_SEV_WARNING] == 1 ? "" : "s", r->counts[MG_SEV_INFO], r->n_checks);
    fclose(f);
    return s;
}

json_t *mg_report_to_json(const mg_report *r) {
    json_t *fs = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const mg_finding *x = &r->v[i];
        json_array_append_new(fs, json_pack("{s:s,s:s,s:s,s:s,s:s}", "severity", mg_severity_name(x->severity),
                                            "code", x->code, "path", x->path, "message", x->message, "fix",
                                            x->fix));
    }
    json_t *sum = json_pack("{s:I,s:I,s:I,s:I,s:b}", "blockers", (json_int_t)r->counts[MG_SEV_BLOCKER],
                            "warnings", (json_int_t)r->counts[MG_SEV_WARNING], "infos",
                            (json_int_t)r->counts[MG_SEV_INFO], "checks", (json_int_t)r->n_checks, "ok",
                            !mg_report_has_blockers(r));
    return json_pack("{s:s,s:o,s:o}", "command", r->command, "findings", fs, "summary", sum);
}

/* ---- JUnit ---------------------------------------------------------------- */

static size_t failures_of(const mg_report *r, const char *code, bool warnings_fail) {
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].code, code) &&
            (r->v[i].severity == MG_SEV_BLOCKER || (warnings_fail && r->v[i].severity == MG_SEV_WARNING)))
            n++;
    return n;
}

static int write_suite(xmlTextWriterPtr w, const mg_report *r, bool warnings_fail) {
    size_t failed = 0;
    for (size_t c = 0; c < r->n_checks; c++)
        if (failures_of(r, r->checks[c].code, warnings_fail)) failed++;
    int rc = 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST r->command) < 0;
    rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", r->n_checks) < 0;
    rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", failed) < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0;
    for (size_t c = 0; c < r->n_checks && !rc; c++) {
        const mg_check_decl *d = &r->checks[c];
        char name[512];
        snprintf(name, sizeof name, "%s%s%s", d->code, d->title ? " " : "", d->title ? d->title : "");
        rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST r->command) < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) < 0;
        size_t nf = failures_of(r, d->code, warnings_fail);
        /* Every finding of the code goes in the body; a failure only for blocking ones. */
        char *body = NULL;
        size_t blen = 0;
        FILE *mf = open_memstream(&body, &blen);
        size_t all = 0;
        for (size_t i = 0; mf && i < r->n; i++) {
            const mg_finding *x = &r->v[i];
            if (strcmp(x->code, d->code)) continue;
            all++;
            fprintf(mf, "%s %s: %s%s%s\n", mg_severity_name(x->severity), x->path, x->message,
                    x->fix[0] ? " — " : "", x->fix);
        }
        if (mf) fclose(mf);
        if (nf) {
            rc |= xmlTextWriterStartElement(w, BAD_CAST "failure") < 0;
            rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "message", "%zu blocking finding%s", nf,
                                                    nf == 1 ? "" : "s") < 0;
            rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST d->code) < 0;
            rc |= xmlTextWriterWriteString(w, BAD_CAST(body ? body : "")) < 0;
            rc |= xmlTextWriterEndElement(w) < 0;
        } else if (all) {
            rc |= xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST(body ? body : "")) < 0;
        }
        free(body);
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    rc |= xmlTextWriterEndElement(w) < 0;
    return rc;
}

int mg_report_write_junit(const mg_report *const *reports, size_t n_reports, const char *file,
                          bool warnings_fail, kr_error *err) {
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf) return kr_fail(err, KR_ERR_NOMEM, "JUnit report: out of memory");
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    if (!w) {
        xmlBufferFree(buf);
        return kr_fail(err, KR_ERR_NOMEM, "JUnit report: out of memory");
    }
    xmlTextWriterSetIndent(w, 1);
    size_t tests = 0, failures = 0;
    for (size_t i = 0; i < n_reports; i++) {
        tests += reports[i]->n_checks;
        for (size_t c = 0; c < reports[i]->n_checks; c++)
            if (failures_of(reports[i], reports[i]->checks[c].code, warnings_fail)) failures++;
    }
    int rc = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "zk2kraft") < 0;
    rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", tests) < 0;
    rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", failures) < 0;
    for (size_t i = 0; i < n_reports && !rc; i++) rc |= write_suite(w, reports[i], warnings_fail);
    rc |= xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);
    if (rc) {
        xmlBufferFree(buf);
        return kr_fail(err, KR_ERR_INVALID, "JUnit report %s: XML writer failed", file);
    }
    rc = kr_write_file_atomic(file, xmlBufferContent(buf), (size_t)xmlBufferLength(buf), 0644, err);
    xmlBufferFree(buf);
    return rc;
}
