#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "kraft/wire.h"

int cmd_random_uuid(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: zk2kraft random-uuid\n\n"
             "Prints a random uuid in Kafka's text form (URL-safe base64, 22 characters),\n"
             "usable as a cluster id or directory id.");
        return EXIT_CLEAN;
    }
    if (argc > 1) return cli_usage_error("random-uuid", "unexpected argument '%s'", argv[1]);
    kr_uuid u;
    if (!kr_uuid_random(&u)) return cli_error("random-uuid: the OS random source failed");
    char text[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&u, text);
    puts(text);
    return EXIT_CLEAN;
}
