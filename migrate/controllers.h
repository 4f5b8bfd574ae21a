/* The controller quorum named on the command line: "ID@HOST:PORT,ID@HOST:PORT,...". */
#ifndef MIGRATE_CONTROLLERS_H
#define MIGRATE_CONTROLLERS_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"

#define MG_MAX_CONTROLLERS 64
#define MG_HOST_MAX 256

typedef struct mg_controller {
    int32_t id;
    char host[MG_HOST_MAX];
    int port;
} mg_controller;

/* Parses the list (distinct ids >= 0, ports 1..65535, bracketed IPv6 hosts allowed).
 * Returns the count in *n; errors name the element at fault. */
int mg_parse_controllers(const char *text, mg_controller *out, size_t cap, size_t *n, kr_error *err);

/* "1@h:9093,2@h:9094" back, as controller.quorum.voters wants it. */
void mg_format_voters(const mg_controller *c, size_t n, char *out, size_t cap);

#endif
