#include "tests/support/kraft_vectors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *kv_vectors_dir(void) {
    static char dir[4096];
    return test_shared_path("kafka-vectors", dir, sizeof dir);
}

bool kv_vector_path(const char *rel, char *out, size_t cap) {
    char r[1024];
    snprintf(r, sizeof r, "kafka-vectors/%s", rel);
    return test_shared_path(r, out, cap) != NULL && access(out, R_OK) == 0;
}

bool kv_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

char *kv_make_tmpdir(void) {
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/zk2kraft-test-XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

void kv_rmtree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) kv_rmtree(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

char *kv_tmpdir;

int kv_setup_tmpdir(void **state) {
    (void)state;
    kv_tmpdir = kv_make_tmpdir();
    return kv_tmpdir ? 0 : -1;
}

int kv_teardown_tmpdir(void **state) {
    (void)state;
    kv_rmtree(kv_tmpdir);
    free(kv_tmpdir);
    kv_tmpdir = NULL;
    return 0;
}
