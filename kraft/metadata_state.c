#include "kraft/metadata_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kraft/image_records.h"
#include "kraft/metadata_files.h"
#include "kraft/record_batch.h"
#include "kraft/snapshot.h"

void kr_metadata_state_init(kr_metadata_state *m) {
    memset(m, 0, sizeof *m);
    kr_image_init(&m->img);
    kr_image_loader_init(&m->loader, &m->img);
    m->applied_epoch = 0;
}

static void release_held(kr_metadata_state *m) {
    for (size_t i = 0; i < m->held_n; i++) free(m->held[i]);
    m->held_n = 0;
}

void kr_metadata_state_free(kr_metadata_state *m) {
    release_held(m);
    free(m->held);
    kr_image_loader_free(&m->loader);
    kr_image_free(&m->img);
}

int kr_metadata_state_load_snapshot(kr_metadata_state *m, const char *path, kr_snapshot_id id,
                                    kr_error *err) {
    kr_metadata_state_free(m);
    kr_metadata_state_init(m);
    kr_metadata_load ld;
    kr_metadata_load_init(&ld, &m->img);
    int rc = kr_metadata_load_path(&ld, path, err);
    kr_metadata_load_finish(&ld);
    if (rc != KR_OK) return rc;
    m->applied_end = id.end_offset;
    m->applied_epoch = id.epoch;
    return KR_OK;
}

static int hold(kr_metadata_state *m, const uint8_t *bytes, size_t len, const uint8_t **copy,
                kr_error *err) {
    if (m->held_n == KR_METADATA_MAX_HELD_BATCHES)
        return kr_fail(err, KR_ERR_INVALID, "a metadata transaction spans more than %d batches",
                       KR_METADATA_MAX_HELD_BATCHES);
    if (m->held_n == m->held_cap) {
        size_t cap = m->held_cap ? m->held_cap * 2 : 16;
        uint8_t **v = realloc(m->held, cap * sizeof *v);
        if (!v) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        m->held = v;
        m->held_cap = cap;
    }
    uint8_t *c = malloc(len);
    if (!c) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    memcpy(c, bytes, len);
    m->held[m->held_n++] = c;
    *copy = c;
    return KR_OK;
}

int kr_metadata_state_apply_batch(kr_metadata_state *m, const uint8_t *bytes, size_t len,
                                  kr_error *err) {
    const uint8_t *data = bytes;
    int rc = hold(m, bytes, len, &data, err); /* pending transaction values borrow the bytes */
    if (rc != KR_OK) return rc;
    kr_batch b;
    if (kr_batch_decode(data, len, 0, "committed batch", KR_RULES_KRAFT, &b, err) != KR_SCAN_BATCH)
        return err->code ? err->code : KR_ERR_CORRUPT;
    if (b.h.base_offset != m->applied_end)
        return kr_fail(err, KR_ERR_INVALID, "committed batch at offset %lld, expected %lld",
                       (long long)b.h.base_offset, (long long)m->applied_end);
    if (!kr_batch_is_control(&b.h)) {
        kr_record_iter it;
        kr_record_iter_init(&it, &b);
        kr_record r;
        while ((rc = kr_record_next(&it, &r, err)) == 1) {
            rc = kr_image_loader_apply_value(&m->loader, r.value.ptr, (size_t)r.value.len, r.offset, err);
            if (rc != KR_OK)
                return kr_error_wrap(err, "record at offset %lld", (long long)r.offset);
        }
        if (rc < 0) return KR_ERR_CORRUPT;
    }
    m->applied_end = kr_batch_last_offset(&b.h) + 1;
    m->applied_epoch = b.h.leader_epoch;
    m->last_append_time_ms = b.h.max_timestamp;
    if (!m->loader.in_transaction) release_held(m);
    return KR_OK;
}

bool kr_metadata_state_can_snapshot(const kr_metadata_state *m) {
    return m->applied_end > 0 && !m->loader.in_transaction;
}

static int to_snapshot(void *ctx, const uint8_t *value, size_t len, kr_error *err) {
    return kr_snapshot_writer_append(ctx, value, len, err);
}

int kr_metadata_state_write_snapshot(const kr_metadata_state *m, const char *dir, int64_t now_ms,
                                     kr_snapshot_id *id, int64_t *size_bytes, kr_error *err) {
    *id = (kr_snapshot_id){m->applied_end, m->applied_epoch};
    kr_snapshot_options opts = {.last_contained_log_timestamp_ms = m->last_append_time_ms,
                                .append_time_ms = now_ms};
    kr_snapshot_writer w;
    int rc = kr_snapshot_writer_begin(&w, dir, *id, &opts, err);
    if (rc != KR_OK) return rc;
    rc = kr_image_write_records(&m->img, to_snapshot, &w, err);
    if (rc == KR_OK) {
        *size_bytes = (int64_t)w.size_bytes;
        rc = kr_snapshot_writer_finish(&w, err);
    } else {
        kr_snapshot_writer_abort(&w);
    }
    if (rc == KR_OK) {
        char name[KR_SNAPSHOT_NAME_SIZE], path[4096];
        struct stat st;
        kr_snapshot_file_name(*id, name);
        if (kr_path_join(path, sizeof path, dir, name) && stat(path, &st) == 0) *size_bytes = st.st_size;
    }
    return rc;
}
