/* libFuzzer: random metadata records through the dual-write planners
 * (migrate/zk_plan.h). Input: [u16 big-endian length][framed record value]...
 * Each value that decodes is touched against the image before it, then
 * applied (records the image refuses are skipped, as a controller never
 * commits them). Then the delta and a reconciliation against an empty
 * ZooKeeper model are planned: either may refuse (an unknown quota key), but
 * never crash, and every planned op names an absolute path; PUT data is JSON
 * (or null, or the text of a literal ACL change). Seeds: seeds_zk_plan.c. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kraft/image.h"
#include "kraft/metadata_record.h"
#include "migrate/zk_plan.h"

#define MAX_RECORDS 256

static void check_ops(const mg_zk_ops *ops) {
    for (size_t i = 0; i < ops->n; i++) {
        const mg_zk_op *op = &ops->v[i];
        if (!op->path || op->path[0] != '/') abort();
        if (op->kind == MG_ZK_PUT && op->data && op->len > 0) {
            json_t *j = json_loadb((const char *)op->data, (size_t)op->len, JSON_DECODE_ANY, NULL);
            if (!j) { /* every znode the planner writes is JSON */
                fprintf(stderr, "not JSON: %s: %.*s\n", op->path, (int)op->len, (const char *)op->data);
                abort();
            }
            json_decref(j);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kr_image img;
    kr_image_init(&img);
    mg_zk_touched *t = NULL;
    kr_error err = {0};
    if (mg_zk_touched_new(&t, &err) != KR_OK) abort();
    kr_arena arena = {0};
    size_t pos = 0;
    for (int n = 0; n < MAX_RECORDS && pos + 2 <= size; n++) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos) len = size - pos;
        kr_metadata_record rec;
        if (kr_metadata_record_decode(data + pos, len, &rec, &arena, &err) == KR_OK) {
            if (mg_zk_touch(t, &img, &rec, &err) == KR_OK) kr_image_apply(&img, &rec, &err);
        }
        pos += len;
    }
    mg_zk_plan_options o = {.kraft_controller_epoch = 7, .password_encoder_secret = "fuzz-secret"};
    mg_zk_ops ops;
    mg_zk_ops_init(&ops);
    mg_zk_plan_stats st = {0};
    if (mg_zk_plan_delta(&img, t, &o, &ops, &st, &err) == KR_OK) check_ops(&ops);
    mg_zk_ops_clear(&ops);
    zr_model zk;
    zr_model_init(&zk);
    zr_findings f = {.lenient = true};
    zr_model_finish(&zk, &f);
    if (mg_zk_plan_reconcile(&img, &zk, &o, &ops, &st, &err) == KR_OK) check_ops(&ops);
    zr_model_free(&zk);
    zr_findings_free(&f);
    mg_zk_ops_free(&ops);
    mg_zk_touched_free(t);
    kr_arena_free(&arena);
    kr_image_free(&img);
    return 0;
}
