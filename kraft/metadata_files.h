/*
 * Folding metadata files into an image: snapshots (`.checkpoint`,
 * bootstrap.checkpoint), log segments (`.log`) and whole metadata log
 * directories (the newest snapshot, then the log from its end offset).
 * Used by `log image`, `diff --against DIR` and the controller's boot.
 */
#ifndef KRAFT_METADATA_FILES_H
#define KRAFT_METADATA_FILES_H

#include "kraft/fsutil.h"
#include "kraft/image.h"
#include "kraft/snapshot.h"

enum kr_metadata_file_kind {
    KR_FILE_UNKNOWN = 0,
    KR_FILE_SNAPSHOT,  /* <20d>-<10d>.checkpoint */
    KR_FILE_BOOTSTRAP, /* bootstrap.checkpoint (or another .checkpoint name) */
    KR_FILE_SEGMENT,   /* <20d>.log or any .log */
    KR_FILE_DIRECTORY, /* a metadata log dir or its __cluster_metadata-0 */
};
enum kr_metadata_file_kind kr_metadata_file_kind(const char *path);

typedef struct kr_load_stats {
    int64_t files;
    int64_t batches;
    int64_t records;       /* data records applied or discarded */
    int64_t bytes;
    bool has_snapshot;
    kr_snapshot_id snapshot; /* the last snapshot loaded */
    int64_t last_offset;     /* of the last record seen, -1 if none */
    int32_t last_epoch;
    int64_t transactions_discarded_records;
    /* Directories: the last offset the log holds (control batches included), or the newest
     * snapshot's end offset - 1 when that is later; -1 when neither. */
    int64_t dir_last_offset;
} kr_load_stats;

/* Holds the files mapped during a load: pending transaction records borrow them. */
typedef struct kr_metadata_load {
    kr_image_loader loader;
    kr_file_view *views;
    int32_t n_views, cap_views;
    kr_load_stats stats;
} kr_metadata_load;

void kr_metadata_load_init(kr_metadata_load *ld, kr_image *img);
/* Folds one path (any kind above). A snapshot replaces nothing by itself:
 * load snapshots into a fresh image. Errors name the file and byte offset. */
int kr_metadata_load_path(kr_metadata_load *ld, const char *path, kr_error *err);
/* Ends the load (an open transaction is discarded) and unmaps the files. */
void kr_metadata_load_finish(kr_metadata_load *ld);

/* Convenience: a fresh image from a list of paths, in order. */
int kr_image_load_paths(kr_image *img, char *const *paths, int n, kr_load_stats *stats, kr_error *err);

#endif
