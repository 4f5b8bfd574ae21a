/* The metadata image as JSON: stable key names, every collection sorted, so
 * two images print identically when they hold the same metadata. Used by
 * `log image --output json` and as the expected-image format of fixtures. */
#ifndef KRAFT_IMAGE_JSON_H
#define KRAFT_IMAGE_JSON_H

#include <jansson.h>

#include "kraft/image.h"

/* flags: KR_JSON_MASK_SECRETS masks SCRAM salts/keys, sensitive config values. */
json_t *kr_image_to_json(const kr_image *img, int flags);

const char *kr_config_resource_type_name(int8_t type); /* "topic", "broker", ... */
const char *kr_zk_migration_state_name(int8_t state);  /* "NONE", "MIGRATION", ... */
const char *kr_scram_mechanism_name(int8_t mechanism); /* "SCRAM-SHA-256", ... */

#endif
