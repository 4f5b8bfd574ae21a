/* metadata.version levels of Kafka 3.0-IV1 … 4.0-IV0 and the record versions
 * each writes (spec metadata-log.md §10). */
#ifndef KRAFT_METADATA_VERSION_H
#define KRAFT_METADATA_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#define KR_MV_3_3_IV0 4
#define KR_MV_3_3_IV3 7
#define KR_MV_3_4_IV0 8
#define KR_MV_3_5_IV2 11
#define KR_MV_3_6_IV1 13
#define KR_MV_3_6_IV2 14
#define KR_MV_3_7_IV0 15
#define KR_MV_3_7_IV2 17
#define KR_MV_3_9_IV0 21
#define KR_MV_LATEST_PRODUCTION KR_MV_3_9_IV0
#define KR_MV_MAX 22

/* "3.9-IV0" for 21; NULL for an unknown level. */
const char *kr_metadata_version_name(int16_t level);
/* Accepts "3.9-IV0", "3.9" (the release's last level) or a bare level; -1 if unknown. */
int16_t kr_metadata_version_parse(const char *text);

/* Record versions a controller writes at `level` (§10.2). */
int16_t kr_mv_register_broker_version(int16_t level);
int16_t kr_mv_partition_record_version(int16_t level);
int16_t kr_mv_partition_change_version(int16_t level);
bool kr_mv_has_scram(int16_t level);             /* >= 3.5-IV2 */
bool kr_mv_has_delegation_tokens(int16_t level); /* >= 3.6-IV2 */
bool kr_mv_has_transactions(int16_t level);      /* >= 3.6-IV1 */
bool kr_mv_has_controller_registration(int16_t level); /* >= 3.7-IV0 */
bool kr_mv_has_migration_record(int16_t level);  /* >= 3.4-IV0 */

#endif
