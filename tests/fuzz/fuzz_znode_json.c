/* libFuzzer: znode decoding. Input = one selector byte (which Kafka path) + payload bytes;
 * a second znode pass exercises the join in zr_model_finish. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zkread/model.h"

static const char *const PATHS[] = {
    "/cluster/id", "/controller", "/controller_epoch", "/feature", "/migration",
    "/latest_producer_id_block", "/brokers/ids/1", "/brokers/topics/t",
    "/brokers/topics/t/partitions/0/state", "/config/topics/t", "/config/brokers/1",
    "/config/brokers/<default>", "/config/users/alice%40x", "/config/users/<default>/clients/c%2F1",
    "/config/clients/c", "/config/ips/1.2.3.4", "/config/changes/config_change_0000000001",
    "/admin/reassign_partitions", "/admin/preferred_replica_election",
    "/isr_change_notification/isr_change_0000000001", "/log_dir_event_notification/log_dir_event_1",
    "/kafka-acl/Topic/t", "/kafka-acl-extended/prefixed/Group/g", "/delegation_token/tokens/x",
    "/admin/delete_topics/t",
};
#define N_PATHS (sizeof PATHS / sizeof PATHS[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    zr_model m;
    zr_findings f = {.lenient = data[0] & 0x80};
    zr_model_init(&m);
    zr_stat st = {.version = data[0] & 7, .czxid = 1, .mzxid = 2};
    const char *path = PATHS[(data[0] & 0x7f) % N_PATHS];
    zr_model_add_znode(&m, path, data + 1, (int32_t)(size - 1), &st, &f);
    /* The topic and its state both present, whatever the selector chose. */
    zr_model_add_znode(&m, "/brokers/topics/t/partitions/1/state", data + 1, (int32_t)(size - 1), &st, &f);
    zr_model_finish(&m, &f);
    zr_counts c;
    zr_model_counts(&m, &c);
    zr_findings_sort(&f);
    zr_model_free(&m);
    zr_findings_free(&f);
    return 0;
}
