/* Describes one record of a batch as data: its type name, version and fields
 * (metadata records and KRaft control records alike). `log dump` prints it. */
#ifndef KRAFT_RECORD_JSON_H
#define KRAFT_RECORD_JSON_H

#include <jansson.h>

#include "kraft/record_batch.h"

typedef struct kr_record_desc {
    bool control;
    const char *type;      /* "TopicRecord", "SnapshotHeader", "LeaderChange", ... */
    const char *enum_name; /* "TOPIC_RECORD" / "SNAPSHOT_HEADER" (Kafka's tool names) */
    int api_key;           /* metadata api key, or the control type */
    int version;
    json_t *fields;        /* owned: schema field names, or lowerCamel with KR_JSON_LOWER_CAMEL */
} kr_record_desc;

/* Decodes `rec` of batch `b`. Unknown record types or versions and bad values
 * are errors naming the api key/version (or control type) and the record's
 * file offset. flags: KR_JSON_LOWER_CAMEL, KR_JSON_MASK_SECRETS. */
int kr_record_describe(const kr_batch *b, const kr_record *rec, int flags, kr_arena *arena,
                       kr_record_desc *out, kr_error *err);

#endif
