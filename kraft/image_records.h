/*
 * An image as the metadata records that rebuild it, in the order of a
 * controller-written snapshot (spec metadata-log.md §10.3), with the record
 * versions of the image's metadata.version (§10.2). The controller's snapshot
 * writer uses it; anything that needs "image -> records" should too.
 */
#ifndef KRAFT_IMAGE_RECORDS_H
#define KRAFT_IMAGE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/image.h"

/* Receives one framed record value (valid during the call). */
typedef int (*kr_record_sink_fn)(void *ctx, const uint8_t *value, size_t len, kr_error *err);

/* Emits every record of `img`; stops at the first sink or encode error. */
int kr_image_write_records(const kr_image *img, kr_record_sink_fn sink, void *ctx, kr_error *err);

#endif
