/* A metadata image for the client-API tests, built with kr_image_apply:
 * topics (one partition without a leader, one with an unregistered replica),
 * an internal topic, registered brokers (one fenced), topic overrides incl. an
 * unknown key, broker defaults incl. a sensitive one, per-broker configs,
 * client quotas, SCRAM credentials (alice: 256+512 "alice-secret", bob: 512
 * "bob-secret"), ACLs, and the context of controller 3001 of 3000-3002. */
#ifndef TESTS_SUPPORT_CLIENT_IMAGE_H
#define TESTS_SUPPORT_CLIENT_IMAGE_H

#include "kraft/client_api.h"
#include "kraft/image.h"

#define TEST_CLUSTER_ID "MkU3OEVBNTcwNTJENDM2Qg"
#define TEST_SCRAM_ITERATIONS 4096

/* Topic id whose bytes are 0x10, 0, ..., n. */
kr_uuid test_topic_id(uint8_t n);
void test_image_apply(kr_image *img, kr_metadata_record *rec);
void test_client_image(kr_image *img);
/* ctx for node 3001, leader 3002; static config may be NULL. */
void test_client_ctx(kr_client_ctx *ctx, const kr_properties *static_cfg);
/* Adds a SCRAM credential derived from password (salt = "salt-of-<user>"). */
void test_add_scram(kr_image *img, const char *user, int mechanism, const char *password, int32_t iterations);

#endif
