/* Printing a migration's outcome (migrate; validate prints its own). */
#ifndef CMD_MIGRATE_COMMON_H
#define CMD_MIGRATE_COMMON_H

#include <stdbool.h>

#include "migrate/migrate.h"

/* Prints the summary (text or JSON) and returns the exit status for the outcome. */
int cli_migrate_print(const mg_migrate_options *o, const mg_migrate_result *r,
                      enum mg_migrate_outcome oc, const kr_error *err, bool json);

#endif
