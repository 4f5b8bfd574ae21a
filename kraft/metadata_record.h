/*
 * Metadata record values as they sit in a record of the metadata log
 * (spec metadata-log.md §3): unsigned varint frame version (1), api key,
 * record version, then the schema body, ending exactly at the value's end.
 */
#ifndef KRAFT_METADATA_RECORD_H
#define KRAFT_METADATA_RECORD_H

#include "kraft/gen/metadata_records.h"

#define KR_METADATA_FRAME_VERSION 1

/* Decodes one record value. On failure err names the api key, version and the
 * byte offset within the value; callers add the file and record offset. */
int kr_metadata_record_decode(const uint8_t *value, size_t len, kr_metadata_record *out,
                              kr_arena *arena, kr_error *err);
/* Appends the framed value (frame, api key, version, body) to out. */
int kr_metadata_record_encode(kr_buf *out, const kr_metadata_record *rec, kr_error *err);
/* {"type": "TopicRecord", "version": 0, "data": {...}} style pieces are built
 * by callers; this returns the body object with masking per flags. ConfigRecord
 * values of sensitive configs are masked under KR_JSON_MASK_SECRETS too. */
json_t *kr_metadata_record_to_json(const kr_metadata_record *rec, int flags);
/* True for config names whose values Kafka treats as sensitive (passwords,
 * keys, JAAS configs): such values are never printed. */
bool kr_config_name_is_sensitive(const char *name, size_t len);

#endif
