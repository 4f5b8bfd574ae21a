/*
 * File helpers shared by every storage writer and reader: whole-file reads,
 * read-only mappings, and the one atomic-replace path (temp file in the same
 * directory, write, fsync, rename, fsync the directory).
 */
#ifndef KRAFT_FSUTIL_H
#define KRAFT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kraft/error.h"

/* A file's bytes, either mmapped (read-only) or read into malloc'd memory. */
typedef struct kr_file_view {
    const uint8_t *data;
    size_t len;
    bool mapped;
} kr_file_view;

/* Reads the whole file (at most max_bytes, else KR_ERR_INVALID) into malloc'd memory. */
int kr_file_read_all(const char *path, size_t max_bytes, kr_file_view *out, kr_error *err);
/* Maps the whole file read-only (an empty file gives len 0, data NULL). */
int kr_file_map(const char *path, kr_file_view *out, kr_error *err);
/* Releases a view from either function; safe on a zeroed view. */
void kr_file_view_release(kr_file_view *v);

/* An atomic replacement in progress: bytes go to `temp_path`, `path` is untouched
 * until kr_atomic_commit. */
typedef struct kr_atomic_file {
    int fd;
    mode_t mode;
    char path[4096];
    char temp_path[4096];
} kr_atomic_file;

/* Creates (truncating) `<path>.tmp` with `mode` in the same directory. */
int kr_atomic_begin(kr_atomic_file *af, const char *path, mode_t mode, kr_error *err);
/* Same with an explicit temp path (must be in the same directory as path). */
int kr_atomic_begin_as(kr_atomic_file *af, const char *path, const char *temp_path, mode_t mode,
                       kr_error *err);
/* Writes all of data to the temp file (retries short writes and EINTR). */
int kr_atomic_write(kr_atomic_file *af, const void *data, size_t len, kr_error *err);
/* fsync, close, rename over `path`, fsync the directory. */
int kr_atomic_commit(kr_atomic_file *af, kr_error *err);
/* Closes and unlinks the temp file; `path` keeps its old content. */
void kr_atomic_abort(kr_atomic_file *af);
/* begin + write + commit: the single helper every small-file writer uses. */
int kr_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         kr_error *err);

/* write(2) all bytes to fd; `what` names the file in errors. */
int kr_write_all(int fd, const void *data, size_t len, const char *what, kr_error *err);
/* fsync of the directory holding `path` (or of `path` itself when it is a dir). */
int kr_fsync_dir_of(const char *path, kr_error *err);
int kr_fsync_dir(const char *dir, kr_error *err);
/* "a/b/c" -> "a/b/c/name" into out; false when it does not fit. */
bool kr_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
