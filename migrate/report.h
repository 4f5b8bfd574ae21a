/*
 * Findings reports shared by check, diff, validate and verify: a list of checks that ran
 * (one JUnit testcase each) and the findings they produced (severity, stable code, znode or
 * entity path, message, fix). Writers: text, JSON (jansson), JUnit XML (libxml2, atomic).
 * Messages and fixes pass through a masker so secret-looking values never leave.
 */
#ifndef MIGRATE_REPORT_H
#define MIGRATE_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kraft/error.h"

enum mg_severity { MG_SEV_INFO = 0, MG_SEV_WARNING = 1, MG_SEV_BLOCKER = 2 };
#define MG_SEV_COUNT 3

const char *mg_severity_name(enum mg_severity s); /* "BLOCKER", "WARNING", "INFO" */

typedef struct mg_finding {
    enum mg_severity severity;
    char code[16];  /* "ZK011", "topics" */
    char *path;     /* znode or entity at fault */
    char *message;
    char *fix;      /* may be "" */
} mg_finding;

typedef struct mg_check_decl { /* a check that ran: one JUnit testcase */
    char code[16];
    char *title;
} mg_check_decl;

typedef struct mg_report {
    char *command; /* "check", "diff": the JUnit testsuite name */
    mg_finding *v;
    size_t n, cap;
    mg_check_decl *checks;
    size_t n_checks, cap_checks;
    size_t counts[MG_SEV_COUNT];
} mg_report;

void mg_report_init(mg_report *r, const char *command);
void mg_report_free(mg_report *r);
/* Declares a check (idempotent per code). */
void mg_report_declare(mg_report *r, const char *code, const char *title);
/* Adds a finding; declares its code if needed. fix may be NULL. Returns false on ENOMEM. */
bool mg_report_add(mg_report *r, enum mg_severity sev, const char *code, const char *path,
                   const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Stable order: severity (BLOCKER first), code, path, message. */
void mg_report_sort(mg_report *r);
bool mg_report_has_blockers(const mg_report *r);

/* A copy of text with secret-looking values (SCRAM salt/keys, encrypted-password fields,
 * password=...) replaced by "***". Caller frees; NULL on ENOMEM. */
char *mg_mask_secrets(const char *text);

/* Text: findings grouped by severity, one line each ("BLOCKER ZK011 /path: message — fix"),
 * then a summary line. Caller frees. */
char *mg_report_to_text(const mg_report *r);
/* {"findings":[{severity,code,path,message,fix}],"summary":{blockers,warnings,infos,checks}} */
json_t *mg_report_to_json(const mg_report *r);
/* JUnit XML: one <testsuite> per report, one <testcase> per declared check, a <failure> for
 * each check with a BLOCKER (and, if warnings_fail, a WARNING). Written atomically. */
int mg_report_write_junit(const mg_report *const *reports, size_t n_reports, const char *file,
                          bool warnings_fail, kr_error *err);

#endif
