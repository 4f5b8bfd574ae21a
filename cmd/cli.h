/* Shared pieces of the zk2kraft command line: exit codes and subcommand table. */
#ifndef CMD_CLI_H
#define CMD_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum {
    EXIT_CLEAN = 0,    /* no differences, no blocking findings */
    EXIT_FINDINGS = 1, /* differences or blocking findings */
    EXIT_ERROR = 2,    /* usage or runtime error */
};

typedef struct cmd_spec {
    const char *name;    /* "log dump": words after `zk2kraft` */
    const char *summary; /* one line for `zk2kraft --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the last word of name */
} cmd_spec;

/* Prints "zk2kraft: <message>" to stderr; returns EXIT_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "zk2kraft <cmd>: usage error: <message>" plus a hint; returns EXIT_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "text" → false, "json" → true; false return for anything else. */
bool cli_parse_output(const char *arg, bool *json);

int cmd_random_uuid(int argc, char **argv);
int cmd_log_dump(int argc, char **argv);
int cmd_log_image(int argc, char **argv);
int cmd_format(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_quorum_describe(int argc, char **argv);
int cmd_controller(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_broker_config(int argc, char **argv);

/* Shared by check, diff (cmd/check.c). Each returns 0 or EXIT_ERROR after printing. */
struct zr_model;
struct zr_findings;
struct zr_connect_opts;
struct mg_report;
int cli_read_model(const char *cmd, const struct zr_connect_opts *zk, const char *fixture,
                   struct zr_model *m, struct zr_findings *f);
int cli_metadata_version(const char *cmd, const char *text, int16_t *out);
int cli_password_secret(const char *cmd, const char *secret, const char *command_config, char **out);
int cli_print_report(const struct mg_report *r, bool json, const char *junit);
int cmd_migrate(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rollback(int argc, char **argv);

#endif
