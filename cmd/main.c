/* zk2kraft: subcommand dispatch. Each subcommand lives in its own cmd/ file. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"

#define ZK2KRAFT_VERSION "0.1.0"

static const cmd_spec commands[] = {
    /* in the order of a migration: read, check, convert, run, debug */
    {"inspect", "summarize a Kafka cluster's ZooKeeper tree (counts, findings)", cmd_inspect},
    {"check", "preflight of ZooKeeper's content: blockers, warnings, fixes", cmd_check},
    {"diff", "what a migration would create, or a semantic diff against KRaft metadata", cmd_diff},
    {"migrate", "one-shot offline migration: ZooKeeper metadata to storage for every KRaft controller",
     cmd_migrate},
    {"broker-config", "turn a ZooKeeper-mode broker's server.properties and meta.properties into KRaft mode",
     cmd_broker_config},
    {"validate", "CI: load fixtures into ZooKeeper, migrate them, compare with their expected images",
     cmd_validate},
    {"dump", "write a live znode tree to a fixture XML file", cmd_dump},
    {"load", "write a fixture XML file into a ZooKeeper ensemble", cmd_load},
    {"controller", "run a KRaft controller (Raft quorum voter) over a formatted metadata log dir",
     cmd_controller},
    {"verify", "migration mode: compare ZooKeeper (dual-written) with the KRaft side; lag, --watch",
     cmd_verify},
    {"rollback", "before finalization: remove /controller and /migration so ZooKeeper mode can resume",
     cmd_rollback},
    {"quorum describe", "ask a KRaft controller quorum for its leader, epoch, lag and replicas",
     cmd_quorum_describe},
    {"log dump", "print every batch and record of metadata log segments and snapshots", cmd_log_dump},
    {"log image", "fold snapshots and log segments into the metadata image and print it", cmd_log_image},
    {"format", "format a controller's metadata log directory (meta.properties, bootstrap.checkpoint)",
     cmd_format},
    {"random-uuid", "print a random Kafka uuid (base64, 22 characters)", cmd_random_uuid},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

int cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("zk2kraft: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zk2kraft %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'zk2kraft %s --help'.\n", cmd);
    va_end(ap);
    return EXIT_ERROR;
}

bool cli_parse_output(const char *arg, bool *json) {
    if (!strcmp(arg, "json")) *json = true;
    else if (!strcmp(arg, "text")) *json = false;
    else return false;
    return true;
}

static void print_help(FILE *out) {
    fprintf(out,
            "zk2kraft %s — move an Apache Kafka cluster's metadata from ZooKeeper to KRaft\n\n"
            "Usage: zk2kraft <command> [options]\n\nCommands:\n",
            ZK2KRAFT_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'zk2kraft <command> --help' for a command's options.\n"
                 "Exit status: 0 clean, 1 differences or blocking findings, 2 usage or "
                 "runtime error.\n");
}

/* Matches the longest command name made of argv's leading words. */
static const cmd_spec *find_command(int argc, char **argv, int *words) {
    const cmd_spec *best = NULL;
    int best_words = 0;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i].name;
        int w = 0;
        const char *p = name;
        bool match = true;
        while (*p && match) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (w >= argc || strlen(argv[w]) != len || strncmp(argv[w], p, len) != 0) match = false;
            w++;
            p = sp ? sp + 1 : p + len;
        }
        if (match && w > best_words) {
            best = &commands[i];
            best_words = w;
        }
    }
    *words = best_words;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        print_help(stdout);
        return argc < 2 ? EXIT_ERROR : EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("zk2kraft %s\n", ZK2KRAFT_VERSION);
        return EXIT_CLEAN;
    }
    int words = 0;
    const cmd_spec *cmd = find_command(argc - 1, argv + 1, &words);
    if (!cmd) {
        fprintf(stderr, "zk2kraft: unknown command '%s'\n\n", argv[1]);
        print_help(stderr);
        return EXIT_ERROR;
    }
    /* The command sees argv starting at its own last word. */
    return cmd->run(argc - words, argv + words);
}
