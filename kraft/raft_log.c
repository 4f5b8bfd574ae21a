#include "kraft/raft_log.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void kr_raft_log_init(kr_raft_log *log) {
    memset(log, 0, sizeof *log);
}

void kr_raft_log_free(kr_raft_log *log) {
    free(log->epochs);
    memset(log, 0, sizeof *log);
}

static kr_epoch_entry *last_entry(const kr_raft_log *log) {
    return log->epoch_count ? &log->epochs[log->epoch_count - 1] : NULL;
}

bool kr_raft_log_append(kr_raft_log *log, int64_t base, int64_t last, int32_t epoch) {
    assert(base == log->end_offset);
    assert(last >= base);
    assert(epoch > 0);
    kr_epoch_entry *tail = last_entry(log);
    assert(!tail || epoch >= tail->epoch);
    if (!tail || epoch > tail->epoch) {
        /* Amortized growth: only a new epoch can allocate. */
        if (log->epoch_count == log->epoch_cap) {
            size_t cap = log->epoch_cap ? log->epoch_cap * 2 : 32;
            kr_epoch_entry *p = realloc(log->epochs, cap * sizeof *p);
            if (!p) return false;
            log->epochs = p;
            log->epoch_cap = cap;
        }
        log->epochs[log->epoch_count++] = (kr_epoch_entry){epoch, base};
    }
    log->end_offset = last + 1;
    return true;
}

void kr_raft_log_truncate(kr_raft_log *log, int64_t offset) {
    assert(offset >= log->log_start_offset && offset <= log->end_offset);
    while (log->epoch_count && log->epochs[log->epoch_count - 1].start_offset >= offset)
        log->epoch_count--;
    log->end_offset = offset;
}

void kr_raft_log_truncate_fully(kr_raft_log *log, kr_snapshot_id id, int64_t size_bytes) {
    assert(id.end_offset >= 0 && id.epoch >= 0);
    log->epoch_count = 0;
    log->log_start_offset = id.end_offset;
    log->end_offset = id.end_offset;
    log->has_earliest = log->has_latest = true;
    log->earliest = log->latest = id;
    log->latest_size_bytes = size_bytes;
}

void kr_raft_log_add_snapshot(kr_raft_log *log, kr_snapshot_id id, int64_t size_bytes) {
    if (!log->has_earliest) {
        log->has_earliest = true;
        log->earliest = id;
    }
    if (!log->has_latest || id.end_offset >= log->latest.end_offset) {
        log->has_latest = true;
        log->latest = id;
        log->latest_size_bytes = size_bytes;
    }
}

bool kr_raft_log_clean(kr_raft_log *log) {
    if (!log->has_latest || log->latest.end_offset <= log->log_start_offset) return false;
    int64_t start = log->latest.end_offset;
    assert(start <= log->end_offset);
    /* Keep the entry covering the new start, moved up to it (truncateFromStart). */
    size_t keep_from = 0;
    while (keep_from + 1 < log->epoch_count && log->epochs[keep_from + 1].start_offset <= start)
        keep_from++;
    if (log->epoch_count) {
        memmove(log->epochs, log->epochs + keep_from,
                (log->epoch_count - keep_from) * sizeof *log->epochs);
        log->epoch_count -= keep_from;
        if (log->epochs[0].start_offset < start) log->epochs[0].start_offset = start;
        if (start == log->end_offset && log->epochs[0].start_offset >= log->end_offset)
            log->epoch_count = 0; /* no record left */
    }
    log->log_start_offset = start;
    log->earliest = log->latest;
    log->has_earliest = true;
    return true;
}

int32_t kr_raft_log_last_fetched_epoch(const kr_raft_log *log) {
    const kr_epoch_entry *tail = last_entry(log);
    if (tail) return tail->epoch;
    if (log->has_earliest && log->earliest.end_offset == log->log_start_offset &&
        log->log_start_offset == log->end_offset)
        return log->earliest.epoch;
    return 0;
}

static kr_epoch_end raw_end_offset_for_epoch(const kr_raft_log *log, int32_t epoch) {
    const kr_epoch_entry *tail = last_entry(log);
    if (!tail) return (kr_epoch_end){kr_raft_log_last_fetched_epoch(log), log->end_offset};
    if (epoch >= tail->epoch) return (kr_epoch_end){tail->epoch, log->end_offset};
    /* Some epoch > epoch exists: the first one after the floor entry. */
    size_t i = 0;
    while (i < log->epoch_count && log->epochs[i].epoch <= epoch) i++;
    assert(i < log->epoch_count);
    if (i == 0) return (kr_epoch_end){epoch, log->epochs[0].start_offset};
    return (kr_epoch_end){log->epochs[i - 1].epoch, log->epochs[i].start_offset};
}

kr_epoch_end kr_raft_log_end_offset_for_epoch(const kr_raft_log *log, int32_t epoch) {
    kr_epoch_end e = raw_end_offset_for_epoch(log, epoch);
    if (log->has_earliest && e.end_offset == log->earliest.end_offset && e.epoch == epoch)
        e = (kr_epoch_end){log->earliest.epoch, log->earliest.end_offset};
    return e;
}

enum kr_log_validity kr_raft_log_validate(const kr_raft_log *log, int64_t offset, int32_t epoch,
                                          kr_epoch_end *out) {
    if (log->log_start_offset == 0 && offset == 0) return KR_LOG_VALID;
    if (log->has_earliest &&
        (offset < log->log_start_offset ||
         (offset == log->log_start_offset && epoch != log->earliest.epoch) ||
         epoch < log->earliest.epoch)) {
        assert(log->has_latest);
        *out = (kr_epoch_end){log->latest.epoch, log->latest.end_offset};
        return KR_LOG_SNAPSHOT;
    }
    kr_epoch_end e = kr_raft_log_end_offset_for_epoch(log, epoch);
    if (e.epoch != epoch || e.end_offset < offset) {
        *out = e;
        return KR_LOG_DIVERGING;
    }
    return KR_LOG_VALID;
}

int32_t kr_raft_log_epoch_at(const kr_raft_log *log, int64_t offset) {
    if (offset < log->log_start_offset || offset >= log->end_offset) return -1;
    for (size_t i = log->epoch_count; i > 0; i--)
        if (log->epochs[i - 1].start_offset <= offset) return log->epochs[i - 1].epoch;
    return -1;
}
