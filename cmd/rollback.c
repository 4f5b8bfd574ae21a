#include "cmd/cli.h"
int cmd_rollback(int argc, char **argv) { (void)argc; (void)argv; return EXIT_ERROR; }
