#include "kraft/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

bool kr_path_join(char *out, size_t cap, const char *dir, const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < cap;
}

int kr_write_all(int fd, const void *data, size_t len, const char *what, kr_error *err) {
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return kr_fail(err, KR_ERR_IO, "%s: write: %s", what, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return KR_OK;
}

static int open_for_read(const char *path, struct stat *st, kr_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -kr_fail(err, errno == ENOENT ? KR_ERR_NOT_FOUND : KR_ERR_IO, "%s: open: %s",
                        path, strerror(errno));
    if (fstat(fd, st) != 0) {
        kr_fail(err, KR_ERR_IO, "%s: stat: %s", path, strerror(errno));
        close(fd);
        return -KR_ERR_IO;
    }
    if (!S_ISREG(st->st_mode)) {
        kr_fail(err, KR_ERR_INVALID, "%s: not a regular file", path);
        close(fd);
        return -KR_ERR_INVALID;
    }
    return fd;
}

int kr_file_read_all(const char *path, size_t max_bytes, kr_file_view *out, kr_error *err) {
    memset(out, 0, sizeof *out);
    struct stat st;
    int fd = open_for_read(path, &st, err);
    if (fd < 0) return -fd;
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return kr_fail(err, KR_ERR_INVALID, "%s: %lld bytes, more than the %zu allowed", path,
                       (long long)st.st_size, max_bytes);
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *buf = malloc(cap + 1); /* +1: a NUL for text parsers, and malloc(0) */
    if (!buf) {
        close(fd);
        return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t len = 0;
    while (len < cap) { /* bounded: the size seen by fstat */
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            kr_fail(err, KR_ERR_IO, "%s: read: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return KR_ERR_IO;
        }
        if (n == 0) break; /* shrank meanwhile: take what is there */
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    out->data = buf;
    out->len = len;
    return KR_OK;
}

int kr_file_map(const char *path, kr_file_view *out, kr_error *err) {
    memset(out, 0, sizeof *out);
    struct stat st;
    int fd = open_for_read(path, &st, err);
    if (fd < 0) return -fd;
    if (st.st_size == 0) {
        close(fd);
        return KR_OK;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (p == MAP_FAILED)
        return kr_fail(err, KR_ERR_IO, "%s: mmap: %s", path, strerror(saved));
    out->data = p;
    out->len = (size_t)st.st_size;
    out->mapped = true;
    return KR_OK;
}

void kr_file_view_release(kr_file_view *v) {
    if (v->mapped && v->data)
        munmap((void *)v->data, v->len);
    else
        free((void *)v->data);
    memset(v, 0, sizeof *v);
}

int kr_fsync_dir(const char *dir, kr_error *err) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return kr_fail(err, KR_ERR_IO, "%s: open directory: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    if (rc != 0) return kr_fail(err, KR_ERR_IO, "%s: fsync directory: %s", dir, strerror(saved));
    return KR_OK;
}

int kr_fsync_dir_of(const char *path, kr_error *err) {
    char dir[4096];
    size_t n = strlen(path);
    if (n >= sizeof dir) return kr_fail(err, KR_ERR_INVALID, "%s: path too long", path);
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash) return kr_fsync_dir(".", err);
    if (slash == dir) slash[1] = 0;
    else *slash = 0;
    return kr_fsync_dir(dir, err);
}

int kr_atomic_begin_as(kr_atomic_file *af, const char *path, const char *temp_path, mode_t mode,
                       kr_error *err) {
    af->fd = -1;
    af->mode = mode;
    int n1 = snprintf(af->path, sizeof af->path, "%s", path);
    int n2 = snprintf(af->temp_path, sizeof af->temp_path, "%s", temp_path);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof af->path || (size_t)n2 >= sizeof af->temp_path)
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", path);
    /* Stay writable while we write; the final mode is applied before rename. */
    af->fd = open(af->temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (af->fd < 0)
        return kr_fail(err, KR_ERR_IO, "%s: create: %s", af->temp_path, strerror(errno));
    return KR_OK;
}

int kr_atomic_begin(kr_atomic_file *af, const char *path, mode_t mode, kr_error *err) {
    char temp[4096];
    int n = snprintf(temp, sizeof temp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof temp) {
        af->fd = -1;
        return kr_fail(err, KR_ERR_INVALID, "%s: path too long", path);
    }
    return kr_atomic_begin_as(af, path, temp, mode, err);
}

int kr_atomic_write(kr_atomic_file *af, const void *data, size_t len, kr_error *err) {
    if (af->fd < 0) return kr_fail(err, KR_ERR_INVALID, "%s: not open", af->temp_path);
    return kr_write_all(af->fd, data, len, af->temp_path, err);
}

int kr_atomic_commit(kr_atomic_file *af, kr_error *err) {
    if (af->fd < 0) return kr_fail(err, KR_ERR_INVALID, "%s: not open", af->temp_path);
    int rc = KR_OK;
    if (fchmod(af->fd, af->mode) != 0)
        rc = kr_fail(err, KR_ERR_IO, "%s: chmod: %s", af->temp_path, strerror(errno));
    else if (fsync(af->fd) != 0)
        rc = kr_fail(err, KR_ERR_IO, "%s: fsync: %s", af->temp_path, strerror(errno));
    if (close(af->fd) != 0 && rc == KR_OK)
        rc = kr_fail(err, KR_ERR_IO, "%s: close: %s", af->temp_path, strerror(errno));
    af->fd = -1;
    if (rc == KR_OK && rename(af->temp_path, af->path) != 0)
        rc = kr_fail(err, KR_ERR_IO, "%s: rename to %s: %s", af->temp_path, af->path,
                     strerror(errno));
    if (rc != KR_OK) {
        unlink(af->temp_path);
        return rc;
    }
    return kr_fsync_dir_of(af->path, err);
}

void kr_atomic_abort(kr_atomic_file *af) {
    if (af->fd >= 0) close(af->fd);
    af->fd = -1;
    unlink(af->temp_path);
}

int kr_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         kr_error *err) {
    kr_atomic_file af;
    int rc = kr_atomic_begin(&af, path, mode, err);
    if (rc != KR_OK) return rc;
    rc = kr_atomic_write(&af, data, len, err);
    if (rc != KR_OK) {
        kr_atomic_abort(&af);
        return rc;
    }
    return kr_atomic_commit(&af, err);
}
