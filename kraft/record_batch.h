/*
 * RecordBatch v2 (spec metadata-log.md §4-7): encoding, a batch builder for
 * KRaft data and control batches, and a decoder over a bounded buffer.
 *
 * Decoding is two-level: kr_batch_scanner walks a buffer (a whole segment or
 * snapshot file, mmapped or read) and yields batches whose framing, CRC and
 * records were validated; kr_record_iter then walks the records of one batch
 * as views into that buffer (no copies, no allocation).
 *
 * Errors name the file (the scanner's `name`) and the byte offset *in the
 * file* (`base_pos` + position in the buffer).
 */
#ifndef KRAFT_RECORD_BATCH_H
#define KRAFT_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/wire.h"

#define KR_BATCH_HEADER_SIZE 61     /* fixed header, records start here */
#define KR_BATCH_LOG_OVERHEAD 12    /* baseOffset + batchLength, outside batchLength */
#define KR_BATCH_MAGIC_END 17       /* bytes up to and including magic */
#define KR_BATCH_CRC_START 21       /* CRC covers bytes 21..end */
#define KR_BATCH_MAX_BYTES (8 * 1024 * 1024) /* KafkaRaftClient.MAX_BATCH_SIZE_BYTES */

#define KR_ATTR_COMPRESSION_MASK 0x07
#define KR_ATTR_LOG_APPEND_TIME 0x08
#define KR_ATTR_TRANSACTIONAL 0x10
#define KR_ATTR_CONTROL 0x20
#define KR_ATTR_DELETE_HORIZON 0x40

/* Control record types (§6). */
enum kr_control_type {
    KR_CONTROL_ABORT = 0,
    KR_CONTROL_COMMIT = 1,
    KR_CONTROL_LEADER_CHANGE = 2,
    KR_CONTROL_SNAPSHOT_HEADER = 3,
    KR_CONTROL_SNAPSHOT_FOOTER = 4,
    KR_CONTROL_KRAFT_VERSION = 5,
    KR_CONTROL_KRAFT_VOTERS = 6,
};
/* "LEADER_CHANGE" etc. (Java's enum names), or NULL for an unknown type. */
const char *kr_control_type_name(int type);
/* "none", "gzip", "snappy", "lz4", "zstd", or NULL for 5..7. */
const char *kr_compression_name(int codec);

/* The 61-byte header, field by field (§4.1). */
typedef struct kr_batch_header {
    int64_t base_offset;
    int32_t batch_length; /* total size - 12 */
    int32_t leader_epoch; /* partitionLeaderEpoch */
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
} kr_batch_header;

static inline bool kr_batch_is_control(const kr_batch_header *h) {
    return (h->attributes & KR_ATTR_CONTROL) != 0;
}
static inline int64_t kr_batch_last_offset(const kr_batch_header *h) {
    return h->base_offset + h->last_offset_delta;
}
static inline size_t kr_batch_total_size(const kr_batch_header *h) {
    return (size_t)h->batch_length + KR_BATCH_LOG_OVERHEAD;
}

/* One decoded batch: its header plus a view of all its bytes. */
typedef struct kr_batch {
    kr_batch_header h;
    const uint8_t *bytes; /* the whole batch, from baseOffset on */
    size_t size;          /* == kr_batch_total_size(&h) */
    uint64_t file_pos;    /* byte offset of the batch in its file */
    const char *file;     /* file name for messages (borrowed; may be NULL) */
} kr_batch;

/* One record of a batch (§5); key/value borrow the batch bytes. */
typedef struct kr_record {
    int8_t attributes;
    int64_t timestamp_delta;
    int32_t offset_delta;
    int64_t offset; /* base offset + offset delta */
    kr_bytes key;   /* len -1: null */
    kr_bytes value; /* len -1: null */
    int32_t header_count;
    const uint8_t *headers; /* raw header bytes (headers_size of them) */
    size_t headers_size;
    uint64_t file_pos; /* byte offset of the record's length varint in the file */
} kr_record;

/* Control record key (§6). */
typedef struct kr_control_key {
    int16_t version;
    int16_t type;
} kr_control_key;

/* ---- encoding ----------------------------------------------------------- */

/* Builds one batch at the end of `out`, records appended one by one, then
 * finish patches lengths and the CRC. No allocation beyond `out` growing. */
typedef struct kr_batch_builder {
    kr_buf *out;
    size_t start;        /* offset in out->data of the batch's first byte */
    int64_t base_offset;
    int32_t leader_epoch;
    int64_t timestamp_ms;
    int16_t attributes;
    int32_t count;
    size_t max_bytes;    /* KR_BATCH_MAX_BYTES unless changed after begin */
} kr_batch_builder;

/* Starts a KRaft batch (§7.1/7.2): magic 2, producer fields -1, base and max
 * timestamp = timestamp_ms, attributes 0 or 0x20 (control). */
void kr_batch_begin(kr_batch_builder *b, kr_buf *out, int64_t base_offset, int32_t leader_epoch,
                    int64_t timestamp_ms, bool control);
/* Bytes the record with this key/value length would add (len -1 = null). */
size_t kr_batch_record_size(int32_t offset_delta, int32_t key_len, int32_t value_len);
/* True when a record with this value (null key) still fits under max_bytes. */
bool kr_batch_fits(const kr_batch_builder *b, int32_t key_len, int32_t value_len);
/* Appends a record (timestampDelta 0, headerCount 0). key/value NULL with
 * len -1 = null. KR_ERR_INVALID when it would exceed max_bytes. */
int kr_batch_add(kr_batch_builder *b, const uint8_t *key, int32_t key_len, const uint8_t *value,
                 int32_t value_len, kr_error *err);
/* A data record: null key, `value` = a framed metadata record (§3). */
int kr_batch_add_data(kr_batch_builder *b, const uint8_t *value, size_t value_len, kr_error *err);
/* A control record: key (version 0, type), value = the message body (§6). */
int kr_batch_add_control(kr_batch_builder *b, int16_t type, const uint8_t *value,
                         size_t value_len, kr_error *err);
/* Patches batchLength, lastOffsetDelta, recordCount and the CRC. Returns
 * KR_ERR_INVALID for an empty batch, KR_ERR_NOMEM when `out` could not grow. */
int kr_batch_finish(kr_batch_builder *b, kr_error *err);

/* Encodes an arbitrary v2 batch from decoded fields (for re-encoding and
 * tests): header fields are taken as given except batchLength, magic and
 * CRC, which are computed; records keep their own attributes, deltas and raw
 * headers. Compressed attributes are refused (KR_ERR_UNSUPPORTED). */
int kr_batch_encode(kr_buf *out, const kr_batch_header *h, const kr_record *records,
                    int32_t count, kr_error *err);

/* Writes the 4-byte control key (version 0, type). */
void kr_control_key_put(uint8_t out[4], int16_t type);

/* ---- decoding ----------------------------------------------------------- */

enum kr_scan_status {
    KR_SCAN_BATCH = 0,  /* *out holds a valid batch */
    KR_SCAN_END = 1,    /* clean end of the buffer */
    KR_SCAN_TORN = 2,   /* incomplete batch at the end (Java: <=17 bytes left, or
                           the batch extends past the end); err describes it */
    KR_SCAN_ERROR = 3,  /* corrupt or unsupported batch; err->code says which */
};

/* Which rules kr_batch_scanner enforces on the records of each batch. */
enum kr_scan_rules {
    KR_RULES_KRAFT = 0, /* §4, §5 and KRaft's §7.3 (default) */
    KR_RULES_V2 = 1,    /* §4 and §5 only: any v2 batch Kafka would accept */
    KR_RULES_HEADER = 2 /* framing and CRC only; records are not looked at */
};

typedef struct kr_batch_scanner {
    const uint8_t *buf;
    size_t len;
    size_t pos;           /* start of the next batch in buf */
    uint64_t base_pos;    /* file offset of buf[0] */
    const char *name;     /* file name for messages ("<buffer>" if NULL) */
    enum kr_scan_rules rules;
    bool stopped;         /* after TORN or ERROR: every call repeats it */
    enum kr_scan_status last;
} kr_batch_scanner;

/* Prepares a scan of buf[0..len) which sits at file offset base_pos of `name`. */
void kr_batch_scanner_init(kr_batch_scanner *s, const void *buf, size_t len, uint64_t base_pos,
                           const char *name);
/* Next batch. On TORN/ERROR, `err` names file, byte offset and problem, and
 * s->pos stays at the start of the bad batch (the valid prefix length). */
enum kr_scan_status kr_batch_next(kr_batch_scanner *s, kr_batch *out, kr_error *err);

/* Decodes and checks one batch at the start of buf (len >= its size); the
 * scanner's per-batch step, exposed for callers holding a single batch. */
enum kr_scan_status kr_batch_decode(const uint8_t *buf, size_t len, uint64_t file_pos,
                                    const char *name, enum kr_scan_rules rules, kr_batch *out,
                                    kr_error *err);

/* Parses only the fixed header of a batch (no length or CRC checks). */
void kr_batch_header_parse(const uint8_t *p, kr_batch_header *h);

/* Walks the records of a decoded batch. */
typedef struct kr_record_iter {
    const kr_batch *batch;
    kr_reader r;
    int32_t index;
} kr_record_iter;

void kr_record_iter_init(kr_record_iter *it, const kr_batch *batch);
/* 1 with *out filled, 0 at the end, -1 on a malformed record (err set;
 * cannot happen on a batch returned by the scanner with KR_RULES_KRAFT/V2). */
int kr_record_next(kr_record_iter *it, kr_record *out, kr_error *err);

/* Parses a control record key (>= 4 bytes, version >= 0). */
bool kr_control_key_parse(kr_bytes key, kr_control_key *out);

#endif
