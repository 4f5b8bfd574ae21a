/*
 * Comparing a migrated image with a fixture's expected image (fixtures/<name>.image.json,
 * kraft/image_json.h's format). Rules (docs/formats.md, "Expected images"):
 *   - collections (topics, configs, client_quotas, scram_credentials, acls, delegation_tokens,
 *     brokers, controllers) compare as sets: both sides are sorted by their compact JSON;
 *   - ACL ids are ignored (Kafka mints random ones; image JSON omits them anyway);
 *   - an expected topic id "<minted>" matches any valid uuid that no other topic has and that
 *     Uuid.randomUuid could produce (not zero, not the metadata topic id, no leading '-').
 */
#ifndef MIGRATE_EXPECTED_IMAGE_H
#define MIGRATE_EXPECTED_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MG_MINTED_ID "<minted>"

/* True when equal under the rules; otherwise `why` names the first difference (JSON path,
 * expected and actual values, abbreviated). Neither argument is modified. */
bool mg_expected_image_matches(const json_t *expected, const json_t *actual, char *why, size_t why_cap);

#endif
