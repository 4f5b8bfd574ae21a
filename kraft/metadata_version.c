#include "kraft/metadata_version.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[KR_MV_MAX + 1] = {
    [1] = "3.0-IV1",  [2] = "3.1-IV0",  [3] = "3.2-IV0",  [4] = "3.3-IV0",  [5] = "3.3-IV1",
    [6] = "3.3-IV2",  [7] = "3.3-IV3",  [8] = "3.4-IV0",  [9] = "3.5-IV0",  [10] = "3.5-IV1",
    [11] = "3.5-IV2", [12] = "3.6-IV0", [13] = "3.6-IV1", [14] = "3.6-IV2", [15] = "3.7-IV0",
    [16] = "3.7-IV1", [17] = "3.7-IV2", [18] = "3.7-IV3", [19] = "3.7-IV4", [20] = "3.8-IV0",
    [21] = "3.9-IV0", [22] = "4.0-IV0",
};

const char *kr_metadata_version_name(int16_t level) {
    return level >= 1 && level <= KR_MV_MAX ? names[level] : NULL;
}

int16_t kr_metadata_version_parse(const char *text) {
    if (!text || !*text) return -1;
    for (int16_t l = 1; l <= KR_MV_MAX; l++)
        if (strcmp(names[l], text) == 0) return l;
    /* "3.9": the last level of that release line. */
    size_t n = strlen(text);
    int16_t found = -1;
    for (int16_t l = 1; l <= KR_MV_MAX; l++)
        if (strncmp(names[l], text, n) == 0 && names[l][n] == '-') found = l;
    if (found > 0) return found;
    char *end;
    long v = strtol(text, &end, 10);
    if (*end == '\0' && v >= 1 && v <= KR_MV_MAX) return (int16_t)v;
    return -1;
}

int16_t kr_mv_register_broker_version(int16_t level) {
    if (level >= KR_MV_3_7_IV2) return 3;
    if (level >= KR_MV_3_4_IV0) return 2;
    if (level >= KR_MV_3_3_IV3) return 1;
    return 0;
}

int16_t kr_mv_partition_record_version(int16_t level) {
    if (level >= 22) return 2;
    if (level >= KR_MV_3_7_IV2) return 1;
    return 0;
}

int16_t kr_mv_partition_change_version(int16_t level) { return kr_mv_partition_record_version(level); }
bool kr_mv_has_scram(int16_t level) { return level >= KR_MV_3_5_IV2; }
bool kr_mv_has_delegation_tokens(int16_t level) { return level >= KR_MV_3_6_IV2; }
bool kr_mv_has_transactions(int16_t level) { return level >= KR_MV_3_6_IV1; }
bool kr_mv_has_controller_registration(int16_t level) { return level >= KR_MV_3_7_IV0; }
bool kr_mv_has_migration_record(int16_t level) { return level >= KR_MV_3_4_IV0; }
