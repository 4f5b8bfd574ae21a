/* Snapshot files and bootstrap.checkpoint (spec metadata-log.md §9, §11.6). */
#include "kraft/snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "kraft/control_values.h"

#define TXN_BEGIN 23 /* BeginTransactionRecord */
#define TXN_END 24
#define TXN_ABORT 25

/* ---- names -------------------------------------------------------------- */

void kr_snapshot_file_name(kr_snapshot_id id, char out[KR_SNAPSHOT_NAME_SIZE]) {
    snprintf(out, KR_SNAPSHOT_NAME_SIZE, "%020" PRId64 "-%010" PRId32 ".checkpoint", id.end_offset,
             id.epoch);
}

static bool digits(const char *s, int n, int64_t max, int64_t *out) {
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (v > (max - (s[i] - '0')) / 10) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

enum kr_snapshot_name_kind kr_snapshot_parse_name(const char *name, kr_snapshot_id *id) {
    size_t n = strlen(name);
    int64_t off, epoch;
    if (n < 31 + 11 || name[20] != '-' || !digits(name, 20, INT64_MAX, &off) ||
        !digits(name + 21, 10, INT32_MAX, &epoch))
        return KR_SNAPSHOT_NAME_NONE;
    const char *rest = name + 31;
    id->end_offset = off;
    id->epoch = (int32_t)epoch;
    if (!strcmp(rest, ".checkpoint")) return KR_SNAPSHOT_NAME_CHECKPOINT;
    if (!strcmp(rest, ".checkpoint.deleted")) return KR_SNAPSHOT_NAME_DELETED;
    if (!strcmp(rest, ".checkpoint.part")) return KR_SNAPSHOT_NAME_PART;
    if (rest[0] == '-') { /* Java's temp file: -<random digits>.checkpoint.part */
        size_t k = 1;
        while (rest[k] >= '0' && rest[k] <= '9') k++;
        if (k > 1 && !strcmp(rest + k, ".checkpoint.part")) return KR_SNAPSHOT_NAME_PART;
    }
    return KR_SNAPSHOT_NAME_NONE;
}

/* ---- writer ------------------------------------------------------------- */

static int write_out(kr_snapshot_writer *w, const kr_buf *b, kr_error *err) {
    int rc = kr_atomic_write(&w->file, b->data, b->len, err);
    if (rc == KR_OK) w->size_bytes += b->len;
    return rc;
}

static int write_header_batch(kr_snapshot_writer *w, kr_error *err) {
    kr_buf values = {0}, out = {0};
    kr_batch_builder b;
    int rc = kr_control_header_value(&values, w->opts.last_contained_log_timestamp_ms, err);
    size_t header_len = values.len;
    size_t kv_len = 0;
    if (rc == KR_OK && w->opts.kraft_version > 0) {
        rc = kr_control_kraft_version_value(&values, w->opts.kraft_version, err);
        kv_len = values.len - header_len;
    }
    if (rc == KR_OK) {
        kr_batch_begin(&b, &out, 0, w->epoch, w->opts.append_time_ms, true);
        b.max_bytes = SIZE_MAX; /* Kafka does not bound the header batch */
        rc = kr_batch_add_control(&b, KR_CONTROL_SNAPSHOT_HEADER, values.data, header_len, err);
        if (rc == KR_OK && kv_len)
            rc = kr_batch_add_control(&b, KR_CONTROL_KRAFT_VERSION, values.data + header_len,
                                      kv_len, err);
        if (rc == KR_OK && w->opts.kraft_version > 0 && w->opts.voters_value)
            rc = kr_batch_add_control(&b, KR_CONTROL_KRAFT_VOTERS, w->opts.voters_value,
                                      w->opts.voters_len, err);
        if (rc == KR_OK) rc = kr_batch_finish(&b, err);
        if (rc == KR_OK) {
            w->next_offset = b.count;
            rc = write_out(w, &out, err);
        }
    }
    kr_buf_free(&values);
    kr_buf_free(&out);
    return rc;
}

static int start(kr_snapshot_writer *w, const char *path, const char *temp, int32_t epoch,
                 const kr_snapshot_options *opts, kr_error *err) {
    memset(w, 0, sizeof *w);
    w->file.fd = -1;
    w->epoch = epoch;
    w->opts = *opts;
    if (w->opts.group_records <= 0) w->opts.group_records = KR_SNAPSHOT_GROUP_RECORDS;
    if (opts->kraft_version < 0 || opts->kraft_version > 1)
        return kr_fail(err, KR_ERR_INVALID, "%s: kraft.version %d (only 0 and 1)", path,
                       opts->kraft_version);
    if (opts->kraft_version == 0 && opts->voters_value)
        return kr_fail(err, KR_ERR_INVALID, "%s: a voter set needs kraft.version 1", path);
    w->group_lens = malloc((size_t)w->opts.group_records * sizeof *w->group_lens);
    if (!w->group_lens) return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", path);
    int rc = kr_atomic_begin_as(&w->file, path, temp, 0400, err);
    if (rc == KR_OK) rc = write_header_batch(w, err);
    if (rc != KR_OK) kr_snapshot_writer_abort(w);
    return rc;
}

int kr_snapshot_writer_begin(kr_snapshot_writer *w, const char *dir, kr_snapshot_id id,
                             const kr_snapshot_options *opts, kr_error *err) {
    char name[KR_SNAPSHOT_NAME_SIZE], path[4096], temp[4096];
    kr_snapshot_file_name(id, name);
    uint64_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) rnd = (uint64_t)getpid();
    if (!kr_path_join(path, sizeof path, dir, name) ||
        snprintf(temp, sizeof temp, "%s/%.31s-%" PRIu64 ".checkpoint.part", dir, name,
                 rnd % 10000000000000000000u) >= (int)sizeof temp)
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", dir);
    if (id.end_offset < 0 || id.epoch < 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: negative snapshot offset or epoch", path);
    return start(w, path, temp, id.epoch, opts, err);
}

int kr_snapshot_writer_begin_path(kr_snapshot_writer *w, const char *path, int32_t epoch,
                                  const kr_snapshot_options *opts, kr_error *err) {
    char temp[4096];
    if (snprintf(temp, sizeof temp, "%s.tmp", path) >= (int)sizeof temp)
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", path);
    return start(w, path, temp, epoch, opts, err);
}

static int flush_batch(kr_snapshot_writer *w, kr_error *err) {
    if (!w->batch_open) return KR_OK;
    w->batch_open = false;
    int rc = kr_batch_finish(&w->builder, err);
    if (rc == KR_OK) rc = write_out(w, &w->batch, err);
    kr_buf_reset(&w->batch);
    return rc;
}

static size_t zigzag_size(int32_t v) {
    return kr_uvarint_size(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

/* Java's BatchBuilder.hasRoomFor(sum of the group's value sizes): the group
 * is costed as one record body (DefaultRecord.sizeOfBodyInBytes). */
static bool batch_has_room(const kr_snapshot_writer *w, uint64_t group_bytes) {
    size_t used = w->batch.len - w->builder.start;
    size_t body = 1 + 1 + zigzag_size(w->builder.count) + 1 + zigzag_size((int32_t)group_bytes) +
                  (size_t)group_bytes + 1;
    return used <= KR_BATCH_MAX_BYTES && KR_BATCH_MAX_BYTES - used >= body;
}

static int flush_group(kr_snapshot_writer *w, kr_error *err) {
    if (w->group_n == 0) return KR_OK;
    if (w->group_bytes > KR_BATCH_MAX_BYTES)
        return kr_fail(err, KR_ERR_INVALID,
                       "%s: a group of %d records holds %" PRIu64
                       " bytes, more than the %d-byte batch limit",
                       w->file.path, w->group_n, w->group_bytes, KR_BATCH_MAX_BYTES);
    int rc;
    if (w->batch_open && !batch_has_room(w, w->group_bytes) && (rc = flush_batch(w, err)) != KR_OK)
        return rc;
    if (!w->batch_open) {
        kr_batch_begin(&w->builder, &w->batch, w->next_offset, w->epoch, w->opts.append_time_ms,
                       false);
        w->builder.max_bytes = SIZE_MAX; /* the group-level check above is Kafka's */
        w->batch_open = true;
    }
    const uint8_t *p = w->group.data;
    for (int32_t i = 0; i < w->group_n; i++) {
        rc = kr_batch_add_data(&w->builder, p, w->group_lens[i], err);
        if (rc != KR_OK) return rc;
        p += w->group_lens[i];
    }
    w->next_offset += w->group_n;
    w->group_n = 0;
    w->group_bytes = 0;
    kr_buf_reset(&w->group);
    return KR_OK;
}

int kr_snapshot_writer_append(kr_snapshot_writer *w, const uint8_t *value, size_t len,
                              kr_error *err) {
    if (w->failed || w->file.fd < 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: snapshot writer not open", w->file.temp_path);
    if (len == 0 || len > KR_BATCH_MAX_BYTES) {
        w->failed = true;
        return kr_fail(err, KR_ERR_INVALID, "%s: record value of %zu bytes", w->file.temp_path,
                       len);
    }
    kr_put_raw(&w->group, value, len);
    if (w->group.oom) {
        w->failed = true;
        return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", w->file.temp_path);
    }
    w->group_lens[w->group_n++] = (uint32_t)len;
    w->group_bytes += len;
    w->records++;
    if (w->group_n == w->opts.group_records) {
        int rc = flush_group(w, err);
        if (rc != KR_OK) w->failed = true;
        return rc;
    }
    return KR_OK;
}

static int write_footer(kr_snapshot_writer *w, kr_error *err) {
    kr_buf value = {0}, out = {0};
    kr_batch_builder b;
    int rc = kr_control_footer_value(&value, err);
    if (rc == KR_OK) {
        kr_batch_begin(&b, &out, w->next_offset, w->epoch, w->opts.append_time_ms, true);
        rc = kr_batch_add_control(&b, KR_CONTROL_SNAPSHOT_FOOTER, value.data, value.len, err);
        if (rc == KR_OK) rc = kr_batch_finish(&b, err);
        if (rc == KR_OK) rc = write_out(w, &out, err);
        w->next_offset++;
    }
    kr_buf_free(&value);
    kr_buf_free(&out);
    return rc;
}

static void free_memory(kr_snapshot_writer *w) {
    kr_buf_free(&w->batch);
    kr_buf_free(&w->group);
    free(w->group_lens);
    w->group_lens = NULL;
}

int kr_snapshot_writer_finish(kr_snapshot_writer *w, kr_error *err) {
    if (w->failed || w->file.fd < 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: snapshot writer not open", w->file.temp_path);
    int rc = flush_group(w, err);
    if (rc == KR_OK) rc = flush_batch(w, err);
    if (rc == KR_OK) rc = write_footer(w, err);
    if (rc == KR_OK) rc = kr_atomic_commit(&w->file, err); /* fsync, 0400, rename, fsync dir */
    if (rc != KR_OK) {
        kr_snapshot_writer_abort(w);
        return rc;
    }
    free_memory(w);
    return KR_OK;
}

void kr_snapshot_writer_abort(kr_snapshot_writer *w) {
    if (w->file.fd >= 0) kr_atomic_abort(&w->file);
    w->failed = true;
    free_memory(w);
}

/* ---- reader ------------------------------------------------------------- */

static const char *rname(const kr_snapshot_reader *r) { return r->path; }

/* Reads the header batch's records: SNAPSHOT_HEADER first, then optional
 * KRAFT_VERSION / KRAFT_VOTERS. */
static int read_header_batch(kr_snapshot_reader *r, const kr_batch *b, kr_error *err) {
    if (!kr_batch_is_control(&b->h))
        return kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte 0: the first batch is not a control batch",
                       rname(r));
    kr_record_iter it;
    kr_record rec;
    kr_record_iter_init(&it, b);
    int got;
    for (int32_t i = 0; (got = kr_record_next(&it, &rec, err)) == 1; i++) {
        kr_control_key ck;
        kr_control_key_parse(rec.key, &ck); /* validated by the scanner */
        if (i == 0 && ck.type != KR_CONTROL_SNAPSHOT_HEADER)
            return kr_fail(err, KR_ERR_CORRUPT,
                           "%s: record at byte %" PRIu64 ": the first record is %s, not SNAPSHOT_HEADER",
                           rname(r), rec.file_pos, kr_control_type_name(ck.type));
        int rc = KR_OK;
        if (ck.type == KR_CONTROL_SNAPSHOT_HEADER) {
            if (i != 0)
                return kr_fail(err, KR_ERR_CORRUPT, "%s: record at byte %" PRIu64 ": a second SNAPSHOT_HEADER",
                               rname(r), rec.file_pos);
            rc = kr_control_header_decode(rec.value, &r->last_contained_log_timestamp_ms, err);
        } else if (ck.type == KR_CONTROL_KRAFT_VERSION) {
            rc = kr_control_kraft_version_decode(rec.value, &r->kraft_version, err);
        } else if (ck.type == KR_CONTROL_KRAFT_VOTERS) {
            rc = kr_control_voters_check(rec.value, err);
            r->voters_value = rec.value;
        } else {
            return kr_fail(err, KR_ERR_CORRUPT, "%s: record at byte %" PRIu64 ": %s in the header batch",
                           rname(r), rec.file_pos, kr_control_type_name(ck.type));
        }
        if (rc != KR_OK)
            return kr_error_wrap(err, "%s: record at byte %" PRIu64, rname(r), rec.file_pos);
    }
    return got < 0 ? err->code : KR_OK;
}

static int open_common(kr_snapshot_reader *r, kr_error *err) {
    r->voters_value = KR_BYTES_NULL;
    const char *slash = strrchr(r->path, '/');
    r->has_id = kr_snapshot_parse_name(slash ? slash + 1 : r->path, &r->id) ==
                KR_SNAPSHOT_NAME_CHECKPOINT;
    kr_batch_scanner_init(&r->scan, r->view.data, r->view.len, 0, r->path);
    kr_batch b;
    enum kr_scan_status st = kr_batch_next(&r->scan, &b, err);
    if (st == KR_SCAN_END)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: empty file, no snapshot header", r->path);
    if (st != KR_SCAN_BATCH) return err->code;
    r->epoch = r->has_id ? r->id.epoch : b.h.leader_epoch;
    if (b.h.base_offset != 0)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte 0: base offset %" PRId64 ", not 0",
                       r->path, b.h.base_offset);
    if (b.h.leader_epoch != r->epoch)
        return kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte 0: epoch %d, the snapshot's is %d",
                       r->path, b.h.leader_epoch, r->epoch);
    r->header_batch_timestamp_ms = b.h.max_timestamp;
    r->next_offset = kr_batch_last_offset(&b.h) + 1;
    return read_header_batch(r, &b, err);
}

int kr_snapshot_reader_open(kr_snapshot_reader *r, const char *path, kr_error *err) {
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    int rc = kr_file_map(path, &r->view, err);
    if (rc == KR_OK) rc = open_common(r, err);
    if (rc != KR_OK) r->failed = true;
    return rc;
}

int kr_snapshot_reader_open_buffer(kr_snapshot_reader *r, const uint8_t *data, size_t len,
                                   const char *name, kr_error *err) {
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", name ? name : "<snapshot>");
    r->view.data = data;
    r->view.len = len;
    r->borrowed = true;
    int rc = open_common(r, err);
    if (rc != KR_OK) r->failed = true;
    return rc;
}

/* Data records must not be transaction markers (§9.2). */
static int check_data_batch(kr_snapshot_reader *r, const kr_batch *b, kr_error *err) {
    kr_record_iter it;
    kr_record rec;
    kr_record_iter_init(&it, b);
    int got;
    while ((got = kr_record_next(&it, &rec, err)) == 1) {
        kr_reader vr = kr_reader_make(rec.value.ptr, (size_t)rec.value.len);
        kr_read_uvarint(&vr); /* frame version; checked by the record codec */
        uint32_t api_key = kr_read_uvarint(&vr);
        if (!vr.failed && (api_key == TXN_BEGIN || api_key == TXN_END || api_key == TXN_ABORT))
            return kr_fail(err, KR_ERR_CORRUPT,
                           "%s: record at byte %" PRIu64 " (offset %" PRId64
                           "): transaction record (api key %u) inside a snapshot",
                           r->path, rec.file_pos, rec.offset, api_key);
        r->data_records++;
    }
    return got < 0 ? err->code : KR_OK;
}

/* A control batch after the header: returns 1 for the footer, 0 otherwise. */
static int check_control_batch(kr_snapshot_reader *r, const kr_batch *b, kr_error *err) {
    kr_record_iter it;
    kr_record rec;
    kr_record_iter_init(&it, b);
    int got, footer = 0;
    while ((got = kr_record_next(&it, &rec, err)) == 1) {
        kr_control_key ck;
        kr_control_key_parse(rec.key, &ck);
        if (ck.type == KR_CONTROL_SNAPSHOT_HEADER)
            return -kr_fail(err, KR_ERR_CORRUPT, "%s: record at byte %" PRIu64 ": a second SNAPSHOT_HEADER",
                            r->path, rec.file_pos);
        if (ck.type == KR_CONTROL_SNAPSHOT_FOOTER) {
            if (b->h.record_count != 1)
                return -kr_fail(err, KR_ERR_CORRUPT,
                                "%s: batch at byte %" PRIu64 ": SNAPSHOT_FOOTER is not alone in its batch",
                                r->path, b->file_pos);
            int rc = kr_control_footer_decode(rec.value, err);
            if (rc != KR_OK) return -kr_error_wrap(err, "%s: record at byte %" PRIu64, r->path, rec.file_pos);
            footer = 1;
        }
    }
    return got < 0 ? -(int)err->code : footer;
}

enum kr_scan_status kr_snapshot_reader_next(kr_snapshot_reader *r, kr_batch *out, kr_error *err) {
    if (r->failed) {
        kr_fail(err, KR_ERR_INVALID, "%s: reader stopped after an error", r->path);
        return KR_SCAN_ERROR;
    }
    if (r->done) return KR_SCAN_END;
    enum kr_scan_status st = kr_batch_next(&r->scan, out, err);
    if (st == KR_SCAN_END) {
        kr_fail(err, KR_ERR_CORRUPT, "%s: ends at byte %zu without a SNAPSHOT_FOOTER", r->path,
                r->scan.pos);
        goto fail;
    }
    if (st != KR_SCAN_BATCH) {
        r->failed = true;
        return st;
    }
    if (out->h.base_offset != r->next_offset) {
        kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte %" PRIu64 ": base offset %" PRId64
                ", expected %" PRId64, r->path, out->file_pos, out->h.base_offset, r->next_offset);
        goto fail;
    }
    if (out->h.leader_epoch != r->epoch) {
        kr_fail(err, KR_ERR_CORRUPT, "%s: batch at byte %" PRIu64 ": epoch %d, the snapshot's is %d",
                r->path, out->file_pos, out->h.leader_epoch, r->epoch);
        goto fail;
    }
    r->next_offset = kr_batch_last_offset(&out->h) + 1;
    if (!kr_batch_is_control(&out->h)) {
        if (check_data_batch(r, out, err) != KR_OK) goto fail;
        return KR_SCAN_BATCH;
    }
    int footer = check_control_batch(r, out, err);
    if (footer < 0) goto fail;
    if (!footer) return KR_SCAN_BATCH;
    if (r->scan.pos != r->scan.len) {
        kr_fail(err, KR_ERR_CORRUPT, "%s: %zu bytes after the SNAPSHOT_FOOTER batch (at byte %zu)",
                r->path, r->scan.len - r->scan.pos, r->scan.pos);
        goto fail;
    }
    r->done = true;
    return KR_SCAN_END;
fail:
    r->failed = true;
    return KR_SCAN_ERROR;
}

void kr_snapshot_reader_close(kr_snapshot_reader *r) {
    if (r->borrowed) memset(&r->view, 0, sizeof r->view);
    else kr_file_view_release(&r->view);
}
