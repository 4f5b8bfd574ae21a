/*
 * Kafka read APIs answered from the metadata image (spec kafka-api.md §5, §9,
 * docs/client-api.md). Each handler is a pure function: it reads only the
 * request, the context and the image, initialises *resp, and allocates every
 * array and string of the response from `arena`. Input errors are answered
 * with Kafka's error codes inside the response; the return value is KR_OK,
 * KR_ERR_NOMEM (arena exhausted) or KR_ERR_UNSUPPORTED (version outside the
 * advertised range).
 *
 * Zero-copy: responses point at the image's names and replica arrays (1M
 * partitions are not copied). Encode the response (kr_net_respond) before the
 * next record is applied to the image; the daemon's single loop thread does.
 */
#ifndef KRAFT_CLIENT_READ_H
#define KRAFT_CLIENT_READ_H

#include "kraft/client_api.h"

/* v0-12. Brokers = the controllers of ctx; ControllerId = the leader when it
 * is among them; topics from the image; no auto-creation. */
int kr_handle_Metadata(const kr_client_ctx *ctx, const kr_image *img, const kr_MetadataRequest *req,
                       int16_t version, kr_MetadataResponse *resp, kr_arena *arena);
/* v0-1. EndpointType 1 [ext] and 2 both list the controllers. */
int kr_handle_DescribeCluster(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeClusterRequest *req,
                              int16_t version, kr_DescribeClusterResponse *resp, kr_arena *arena);
/* v0-3, AclBindingFilter semantics (ANY, MATCH, LITERAL, PREFIXED). */
int kr_handle_DescribeAcls(const kr_client_ctx *ctx, const kr_image *img, const kr_DescribeAclsRequest *req,
                           int16_t version, kr_DescribeAclsResponse *resp, kr_arena *arena);
/* v0-1, KRaft's ClientQuotasImage.describe semantics. */
int kr_handle_DescribeClientQuotas(const kr_client_ctx *ctx, const kr_image *img,
                                   const kr_DescribeClientQuotasRequest *req, int16_t version,
                                   kr_DescribeClientQuotasResponse *resp, kr_arena *arena);
/* v0: mechanisms and iterations only, never salts or keys. */
int kr_handle_DescribeUserScramCredentials(const kr_client_ctx *ctx, const kr_image *img,
                                           const kr_DescribeUserScramCredentialsRequest *req, int16_t version,
                                           kr_DescribeUserScramCredentialsResponse *resp, kr_arena *arena);

/* Kafka's topic name rule (Topic.validate): 1-249 chars of [a-zA-Z0-9._-],
 * not "." or "..". */
bool kr_client_topic_name_legal(kr_str name);
/* __consumer_offsets, __transaction_state, __share_group_state. */
bool kr_client_topic_is_internal(kr_str name);

/* Authorized-operations bitmasks answered when asked and no authorizer
 * restricts the principal (spec §5.3). */
#define KR_TOPIC_AUTHORIZED_OPS_ALL 3576
#define KR_CLUSTER_AUTHORIZED_OPS_ALL 8096
#define KR_AUTHORIZED_OPS_OMITTED INT32_MIN

#endif
