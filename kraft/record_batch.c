/* RecordBatch v2 encode/decode (spec metadata-log.md §4-7). */
#include "kraft/record_batch.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "kraft/crc32c.h"

#define MIN_BATCH_LENGTH 14 /* Java: LegacyRecord.RECORD_OVERHEAD_V0 */

const char *kr_control_type_name(int type) {
    switch (type) {
    case KR_CONTROL_ABORT: return "ABORT";
    case KR_CONTROL_COMMIT: return "COMMIT";
    case KR_CONTROL_LEADER_CHANGE: return "LEADER_CHANGE";
    case KR_CONTROL_SNAPSHOT_HEADER: return "SNAPSHOT_HEADER";
    case KR_CONTROL_SNAPSHOT_FOOTER: return "SNAPSHOT_FOOTER";
    case KR_CONTROL_KRAFT_VERSION: return "KRAFT_VERSION";
    case KR_CONTROL_KRAFT_VOTERS: return "KRAFT_VOTERS";
    }
    return NULL;
}

const char *kr_compression_name(int codec) {
    static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    return codec >= 0 && codec < 5 ? names[codec] : NULL;
}

static inline uint32_t zigzag32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }

static inline size_t varint_size(int32_t v) { return kr_uvarint_size(zigzag32(v)); }

static size_t varlong_size(int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 1;
    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

/* ---- encoding ----------------------------------------------------------- */

void kr_control_key_put(uint8_t out[4], int16_t type) {
    out[0] = 0;
    out[1] = 0;
    out[2] = (uint8_t)((uint16_t)type >> 8);
    out[3] = (uint8_t)type;
}

static void put_header(uint8_t *p, const kr_batch_header *h) {
    kr_store_u64(p + 0, (uint64_t)h->base_offset);
    kr_store_u32(p + 8, (uint32_t)h->batch_length);
    kr_store_u32(p + 12, (uint32_t)h->leader_epoch);
    p[16] = 2;
    kr_store_u32(p + 17, 0); /* CRC, patched last */
    p[21] = (uint8_t)((uint16_t)h->attributes >> 8);
    p[22] = (uint8_t)h->attributes;
    kr_store_u32(p + 23, (uint32_t)h->last_offset_delta);
    kr_store_u64(p + 27, (uint64_t)h->base_timestamp);
    kr_store_u64(p + 35, (uint64_t)h->max_timestamp);
    kr_store_u64(p + 43, (uint64_t)h->producer_id);
    p[51] = (uint8_t)((uint16_t)h->producer_epoch >> 8);
    p[52] = (uint8_t)h->producer_epoch;
    kr_store_u32(p + 53, (uint32_t)h->base_sequence);
    kr_store_u32(p + 57, (uint32_t)h->record_count);
}

static void patch_crc(uint8_t *batch, size_t size) {
    uint32_t crc = kr_crc32c(0, batch + KR_BATCH_CRC_START, size - KR_BATCH_CRC_START);
    kr_store_u32(batch + 17, crc);
}

void kr_batch_begin(kr_batch_builder *b, kr_buf *out, int64_t base_offset, int32_t leader_epoch,
                    int64_t timestamp_ms, bool control) {
    assert(out != NULL);
    b->out = out;
    b->start = out->len;
    b->base_offset = base_offset;
    b->leader_epoch = leader_epoch;
    b->timestamp_ms = timestamp_ms;
    b->attributes = control ? KR_ATTR_CONTROL : 0;
    b->count = 0;
    b->max_bytes = KR_BATCH_MAX_BYTES;
    if (kr_buf_reserve(out, KR_BATCH_HEADER_SIZE)) out->len += KR_BATCH_HEADER_SIZE;
}

static size_t record_body_size(int32_t offset_delta, int32_t key_len, int32_t value_len) {
    return 1 /* attributes */ + 1 /* timestampDelta 0 */ + varint_size(offset_delta) +
           varint_size(key_len) + (key_len > 0 ? (size_t)key_len : 0) + varint_size(value_len) +
           (value_len > 0 ? (size_t)value_len : 0) + 1 /* headerCount 0 */;
}

size_t kr_batch_record_size(int32_t offset_delta, int32_t key_len, int32_t value_len) {
    size_t body = record_body_size(offset_delta, key_len, value_len);
    return varint_size((int32_t)body) + body;
}

bool kr_batch_fits(const kr_batch_builder *b, int32_t key_len, int32_t value_len) {
    size_t cur = b->out->len - b->start;
    return cur + kr_batch_record_size(b->count, key_len, value_len) <= b->max_bytes;
}

int kr_batch_add(kr_batch_builder *b, const uint8_t *key, int32_t key_len, const uint8_t *value,
                 int32_t value_len, kr_error *err) {
    assert(key_len >= -1 && value_len >= -1);
    assert(b->out->len >= b->start + KR_BATCH_HEADER_SIZE || b->out->oom);
    size_t body = record_body_size(b->count, key_len, value_len);
    size_t total = varint_size((int32_t)body) + body;
    if (b->out->len - b->start + total > b->max_bytes)
        return kr_fail(err, KR_ERR_INVALID,
                       "record %d of the batch at offset %" PRId64
                       " would take it past the %zu-byte batch limit",
                       b->count, b->base_offset, b->max_bytes);
    kr_buf *o = b->out;
    if (!kr_buf_reserve(o, total))
        return kr_fail(err, KR_ERR_NOMEM, "out of memory building a batch");
    kr_put_varint(o, (int32_t)body);
    kr_put_u8(o, 0);
    kr_put_u8(o, 0);
    kr_put_varint(o, b->count);
    kr_put_varint(o, key_len);
    if (key_len > 0) kr_put_raw(o, key, (size_t)key_len);
    kr_put_varint(o, value_len);
    if (value_len > 0) kr_put_raw(o, value, (size_t)value_len);
    kr_put_u8(o, 0);
    b->count++;
    return KR_OK;
}

int kr_batch_add_data(kr_batch_builder *b, const uint8_t *value, size_t value_len, kr_error *err) {
    if (value_len > INT32_MAX) return kr_fail(err, KR_ERR_INVALID, "record value too large");
    return kr_batch_add(b, NULL, -1, value, (int32_t)value_len, err);
}

int kr_batch_add_control(kr_batch_builder *b, int16_t type, const uint8_t *value,
                         size_t value_len, kr_error *err) {
    if (value_len > INT32_MAX) return kr_fail(err, KR_ERR_INVALID, "record value too large");
    uint8_t key[4];
    kr_control_key_put(key, type);
    return kr_batch_add(b, key, 4, value, (int32_t)value_len, err);
}

int kr_batch_finish(kr_batch_builder *b, kr_error *err) {
    kr_buf *o = b->out;
    if (o->oom) return kr_fail(err, KR_ERR_NOMEM, "out of memory building a batch");
    if (b->count == 0)
        return kr_fail(err, KR_ERR_INVALID, "empty batch at offset %" PRId64, b->base_offset);
    size_t size = o->len - b->start;
    kr_batch_header h = {
        .base_offset = b->base_offset,
        .batch_length = (int32_t)(size - KR_BATCH_LOG_OVERHEAD),
        .leader_epoch = b->leader_epoch,
        .magic = 2,
        .attributes = b->attributes,
        .last_offset_delta = b->count - 1,
        .base_timestamp = b->timestamp_ms,
        .max_timestamp = b->timestamp_ms,
        .producer_id = -1,
        .producer_epoch = -1,
        .base_sequence = -1,
        .record_count = b->count,
    };
    uint8_t *p = o->data + b->start;
    put_header(p, &h);
    patch_crc(p, size);
    return KR_OK;
}

int kr_batch_encode(kr_buf *out, const kr_batch_header *h, const kr_record *records,
                    int32_t count, kr_error *err) {
    if (h->attributes & KR_ATTR_COMPRESSION_MASK)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "cannot encode a %s-compressed batch",
                       kr_compression_name(h->attributes & KR_ATTR_COMPRESSION_MASK)
                           ? kr_compression_name(h->attributes & KR_ATTR_COMPRESSION_MASK)
                           : "unknown");
    if (count < 0) return kr_fail(err, KR_ERR_INVALID, "negative record count");
    size_t start = out->len;
    if (kr_buf_reserve(out, KR_BATCH_HEADER_SIZE)) out->len += KR_BATCH_HEADER_SIZE;
    for (int32_t i = 0; i < count; i++) {
        const kr_record *r = &records[i];
        size_t body = 1 + varlong_size(r->timestamp_delta) + varint_size(r->offset_delta) +
                      varint_size(r->key.len) + (r->key.len > 0 ? (size_t)r->key.len : 0) +
                      varint_size(r->value.len) + (r->value.len > 0 ? (size_t)r->value.len : 0) +
                      varint_size(r->header_count) + r->headers_size;
        if (body > INT32_MAX) return kr_fail(err, KR_ERR_INVALID, "record %d too large", i);
        kr_put_varint(out, (int32_t)body);
        kr_put_i8(out, r->attributes);
        kr_put_varlong(out, r->timestamp_delta);
        kr_put_varint(out, r->offset_delta);
        kr_put_varint(out, r->key.len);
        if (r->key.len > 0) kr_put_raw(out, r->key.ptr, (size_t)r->key.len);
        kr_put_varint(out, r->value.len);
        if (r->value.len > 0) kr_put_raw(out, r->value.ptr, (size_t)r->value.len);
        kr_put_varint(out, r->header_count);
        kr_put_raw(out, r->headers, r->headers_size);
    }
    if (out->oom) return kr_fail(err, KR_ERR_NOMEM, "out of memory encoding a batch");
    size_t size = out->len - start;
    if (size - KR_BATCH_LOG_OVERHEAD > INT32_MAX)
        return kr_fail(err, KR_ERR_INVALID, "batch too large");
    kr_batch_header hh = *h;
    hh.batch_length = (int32_t)(size - KR_BATCH_LOG_OVERHEAD);
    hh.record_count = count;
    put_header(out->data + start, &hh);
    patch_crc(out->data + start, size);
    return KR_OK;
}

/* ---- decoding ----------------------------------------------------------- */

void kr_batch_header_parse(const uint8_t *p, kr_batch_header *h) {
    h->base_offset = (int64_t)kr_load_u64(p + 0);
    h->batch_length = (int32_t)kr_load_u32(p + 8);
    h->leader_epoch = (int32_t)kr_load_u32(p + 12);
    h->magic = (int8_t)p[16];
    h->crc = kr_load_u32(p + 17);
    h->attributes = (int16_t)(((uint16_t)p[21] << 8) | p[22]);
    h->last_offset_delta = (int32_t)kr_load_u32(p + 23);
    h->base_timestamp = (int64_t)kr_load_u64(p + 27);
    h->max_timestamp = (int64_t)kr_load_u64(p + 35);
    h->producer_id = (int64_t)kr_load_u64(p + 43);
    h->producer_epoch = (int16_t)(((uint16_t)p[51] << 8) | p[52]);
    h->base_sequence = (int32_t)kr_load_u32(p + 53);
    h->record_count = (int32_t)kr_load_u32(p + 57);
}

bool kr_control_key_parse(kr_bytes key, kr_control_key *out) {
    if (key.len < 4) return false;
    out->version = (int16_t)(((uint16_t)key.ptr[0] << 8) | key.ptr[1]);
    out->type = (int16_t)(((uint16_t)key.ptr[2] << 8) | key.ptr[3]);
    return out->version >= 0;
}

static const char *file_name(const char *name) { return name ? name : "<buffer>"; }

/* Reads record `index` of `batch`; on failure sets *why and *why_pos (file offset). */
static bool read_record(kr_reader *r, const kr_batch *batch, int32_t index,
                        enum kr_scan_rules rules, kr_record *out, const char **why,
                        uint64_t *why_pos) {
    uint64_t base = batch->file_pos;
    size_t start = r->pos;
    out->file_pos = base + start;
    int32_t length = kr_read_varint(r);
    if (r->failed) goto wire_fail;
    if (length <= 0 || (size_t)length > kr_reader_remaining(r)) {
        *why = length <= 0 ? "record length not positive" : "record length past the batch end";
        *why_pos = base + start;
        return false;
    }
    size_t body_start = r->pos;
    kr_reader rr = kr_reader_make(r->buf, body_start + (size_t)length);
    rr.pos = body_start;
    out->attributes = kr_read_i8(&rr);
    out->timestamp_delta = kr_read_varlong(&rr);
    out->offset_delta = kr_read_varint(&rr);
    out->offset = batch->h.base_offset + out->offset_delta;
    int32_t key_len = kr_read_varint(&rr);
    if (!rr.failed && key_len < -1) kr_reader_fail(&rr, "negative key length");
    out->key.len = key_len;
    out->key.ptr = key_len > 0 ? kr_read_raw(&rr, (size_t)key_len) : NULL;
    if (key_len == 0) out->key.ptr = rr.buf + rr.pos;
    int32_t value_len = kr_read_varint(&rr);
    if (!rr.failed && value_len < -1) kr_reader_fail(&rr, "negative value length");
    out->value.len = value_len;
    out->value.ptr = value_len > 0 ? kr_read_raw(&rr, (size_t)value_len) : NULL;
    if (value_len == 0) out->value.ptr = rr.buf + rr.pos;
    out->header_count = kr_read_varint(&rr);
    if (!rr.failed && out->header_count < 0) kr_reader_fail(&rr, "negative header count");
    size_t headers_start = rr.pos;
    /* Each header takes at least 2 bytes, so a failure ends a hostile count. */
    for (int32_t i = 0; i < out->header_count && !rr.failed; i++) {
        int32_t hk = kr_read_varint(&rr);
        if (!rr.failed && hk < 0) kr_reader_fail(&rr, "negative header key length");
        if (hk > 0) kr_read_raw(&rr, (size_t)hk);
        int32_t hv = kr_read_varint(&rr);
        if (!rr.failed && hv < -1) kr_reader_fail(&rr, "negative header value length");
        if (hv > 0) kr_read_raw(&rr, (size_t)hv);
    }
    out->headers = rr.buf + headers_start;
    out->headers_size = rr.failed ? 0 : rr.pos - headers_start;
    if (rr.failed) {
        *why = rr.fail_why;
        *why_pos = base + rr.fail_pos;
        return false;
    }
    if (rr.pos != rr.len) {
        *why = "record length larger than its fields";
        *why_pos = base + rr.pos;
        return false;
    }
    r->pos = rr.len;
    if (rules == KR_RULES_KRAFT) {
        *why_pos = base + start;
        if (out->timestamp_delta != 0) return *why = "timestampDelta is not 0", false;
        if (out->header_count != 0) return *why = "headerCount is not 0", false;
        if (out->offset_delta != index) return *why = "offsetDelta is not the record's index", false;
        if (kr_batch_is_control(&batch->h)) {
            kr_control_key ck;
            if (out->key.len < 0) return *why = "control record without a key", false;
            if (!kr_control_key_parse(out->key, &ck))
                return *why = "control record key shorter than 4 bytes or negative version", false;
            if (ck.type < KR_CONTROL_LEADER_CHANGE || ck.type > KR_CONTROL_KRAFT_VOTERS)
                return *why = "unknown control record type", false;
            if (out->value.len < 0) return *why = "control record without a value", false;
        } else {
            if (out->key.len >= 0) return *why = "data record with a key", false;
            if (out->value.len < 0) return *why = "data record without a value", false;
            if (out->value.len == 0) return *why = "data record with an empty value", false;
        }
    }
    return true;
wire_fail:
    *why = r->fail_why;
    *why_pos = base + r->fail_pos;
    return false;
}

void kr_record_iter_init(kr_record_iter *it, const kr_batch *batch) {
    it->batch = batch;
    it->r = kr_reader_make(batch->bytes, batch->size);
    it->r.pos = KR_BATCH_HEADER_SIZE;
    it->index = 0;
}

int kr_record_next(kr_record_iter *it, kr_record *out, kr_error *err) {
    const kr_batch *b = it->batch;
    if (it->index >= b->h.record_count) return 0;
    if (b->h.attributes & KR_ATTR_COMPRESSION_MASK) {
        kr_fail(err, KR_ERR_UNSUPPORTED, "%s: batch at byte %" PRIu64 ": compressed records",
                file_name(b->file), b->file_pos);
        return -1;
    }
    const char *why = NULL;
    uint64_t why_pos = 0;
    if (!read_record(&it->r, b, it->index, KR_RULES_V2, out, &why, &why_pos)) {
        kr_fail(err, KR_ERR_CORRUPT,
                "%s: batch at byte %" PRIu64 " (base offset %" PRId64 "), record %d: %s at byte %" PRIu64,
                file_name(b->file), b->file_pos, b->h.base_offset, it->index, why, why_pos);
        it->index = b->h.record_count; /* stop */
        return -1;
    }
    it->index++;
    return 1;
}

static enum kr_scan_status bad(kr_error *err, enum kr_code code, const char *name, uint64_t pos,
                               int64_t base_offset, const char *what, uint64_t what_pos) {
    kr_fail(err, code, "%s: batch at byte %" PRIu64 " (base offset %" PRId64 "): %s at byte %" PRIu64,
            file_name(name), pos, base_offset, what, what_pos);
    return KR_SCAN_ERROR;
}

enum kr_scan_status kr_batch_decode(const uint8_t *buf, size_t len, uint64_t file_pos,
                                    const char *name, enum kr_scan_rules rules, kr_batch *out,
                                    kr_error *err) {
    const char *fname = file_name(name);
    if (len == 0) return KR_SCAN_END;
    if (len <= KR_BATCH_MAGIC_END) {
        kr_fail(err, KR_ERR_CORRUPT,
                "%s: torn tail at byte %" PRIu64 ": %zu bytes left, too few for a batch header",
                fname, file_pos, len);
        return KR_SCAN_TORN;
    }
    int64_t base_offset = (int64_t)kr_load_u64(buf);
    int32_t batch_length = (int32_t)kr_load_u32(buf + 8);
    if (batch_length < MIN_BATCH_LENGTH) {
        char what[96];
        snprintf(what, sizeof what, "batchLength %d below the minimum %d", batch_length,
                 MIN_BATCH_LENGTH);
        return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, what, file_pos + 8);
    }
    size_t total = (size_t)batch_length + KR_BATCH_LOG_OVERHEAD;
    if (total > len) {
        kr_fail(err, KR_ERR_CORRUPT,
                "%s: torn tail at byte %" PRIu64 ": batch (base offset %" PRId64
                ") of %zu bytes extends past the end (%zu bytes left)",
                fname, file_pos, base_offset, total, len);
        return KR_SCAN_TORN;
    }
    int8_t magic = (int8_t)buf[16];
    if (magic != 2) {
        char what[96];
        snprintf(what, sizeof what, "magic %d (only v2 batches are supported)", magic);
        return bad(err, magic == 0 || magic == 1 ? KR_ERR_UNSUPPORTED : KR_ERR_CORRUPT, name,
                   file_pos, base_offset, what, file_pos + 16);
    }
    if (total < KR_BATCH_HEADER_SIZE) {
        char what[96];
        snprintf(what, sizeof what, "batch size %zu smaller than the 61-byte header", total);
        return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, what, file_pos + 8);
    }
    kr_batch_header h;
    kr_batch_header_parse(buf, &h);
    uint32_t crc = kr_crc32c(0, buf + KR_BATCH_CRC_START, total - KR_BATCH_CRC_START);
    if (crc != h.crc) {
        char what[96];
        snprintf(what, sizeof what, "CRC-32C mismatch (stored %08x, computed %08x)", h.crc, crc);
        return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, what, file_pos + 17);
    }
    out->h = h;
    out->bytes = buf;
    out->size = total;
    out->file_pos = file_pos;
    out->file = name;
    if (rules == KR_RULES_HEADER) return KR_SCAN_BATCH;
    int codec = h.attributes & KR_ATTR_COMPRESSION_MASK;
    if (codec != 0) {
        char what[128];
        const char *cn = kr_compression_name(codec);
        snprintf(what, sizeof what, "records compressed with %s%s (not supported: KRaft never compresses)",
                 cn ? cn : "unknown codec ", cn ? "" : "5-7");
        return bad(err, KR_ERR_UNSUPPORTED, name, file_pos, base_offset, what, file_pos + 21);
    }
    if (h.record_count < 0)
        return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, "negative recordCount",
                   file_pos + 57);
    if (rules == KR_RULES_KRAFT) {
        if (h.record_count == 0)
            return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, "empty batch (recordCount 0)",
                       file_pos + 57);
        if (h.last_offset_delta != h.record_count - 1)
            return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset,
                       "lastOffsetDelta inconsistent with recordCount", file_pos + 23);
    }
    kr_reader r = kr_reader_make(buf, total);
    r.pos = KR_BATCH_HEADER_SIZE;
    for (int32_t i = 0; i < h.record_count; i++) { /* each record takes >= 1 byte */
        kr_record rec;
        const char *why = NULL;
        uint64_t why_pos = 0;
        if (!read_record(&r, out, i, rules, &rec, &why, &why_pos)) {
            kr_fail(err, KR_ERR_CORRUPT,
                    "%s: batch at byte %" PRIu64 " (base offset %" PRId64 "), record %d: %s at byte %" PRIu64,
                    fname, file_pos, base_offset, i, why, why_pos);
            return KR_SCAN_ERROR;
        }
    }
    if (r.pos != total) {
        char what[96];
        snprintf(what, sizeof what, "%zu bytes after the last of %d records", total - r.pos,
                 h.record_count);
        return bad(err, KR_ERR_CORRUPT, name, file_pos, base_offset, what, file_pos + r.pos);
    }
    return KR_SCAN_BATCH;
}

void kr_batch_scanner_init(kr_batch_scanner *s, const void *buf, size_t len, uint64_t base_pos,
                           const char *name) {
    s->buf = buf;
    s->len = len;
    s->pos = 0;
    s->base_pos = base_pos;
    s->name = name;
    s->rules = KR_RULES_KRAFT;
    s->stopped = false;
    s->last = KR_SCAN_BATCH;
}

enum kr_scan_status kr_batch_next(kr_batch_scanner *s, kr_batch *out, kr_error *err) {
    if (s->stopped) {
        /* Re-decode to refill err: a sticky state without a stored message. */
        kr_batch tmp;
        return kr_batch_decode(s->buf + s->pos, s->len - s->pos, s->base_pos + s->pos, s->name,
                               s->rules, &tmp, err);
    }
    assert(s->pos <= s->len);
    enum kr_scan_status st = kr_batch_decode(s->buf + s->pos, s->len - s->pos,
                                             s->base_pos + s->pos, s->name, s->rules, out, err);
    s->last = st;
    if (st == KR_SCAN_BATCH)
        s->pos += out->size;
    else if (st != KR_SCAN_END)
        s->stopped = true;
    return st;
}
