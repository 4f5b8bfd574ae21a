/*
 * Preflight of a ZooKeeper tree's *content* before a migration: every problem becomes a
 * finding with a severity, a stable code (docs/check-codes.md), the znode and the fix.
 * Pure: reads the model (and the decode findings zkread produced while building it), never
 * ZooKeeper or the disk.
 */
#ifndef MIGRATE_CHECK_H
#define MIGRATE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "kraft/error.h"
#include "kraft/properties.h"
#include "migrate/report.h"
#include "zkread/model.h"

/*
 * Decrypts one password-type config value (zk-layout.md §2.10) with the encoder secret:
 * 0 and a malloc'd plaintext, or a kr_code with err set (migrate/password.h's
 * mg_password_decrypt has this shape). NULL = only the secret's presence is checked.
 */
typedef int (*mg_password_decrypt_fn)(const char *encoded, const char *secret, char **plain,
                                      kr_error *err);

typedef struct mg_check_options {
    int16_t metadata_version;         /* target level; 0 = 3.9-IV0 */
    const char *password_encoder_secret; /* NULL = not given */
    mg_password_decrypt_fn decrypt;   /* NULL = presence check only */
    /* Optional ZooKeeper-mode brokers' server.properties (inter.broker.protocol.version,
     * log.dirs, broker.id): enables the IBP-equality and JBOD checks per broker. */
    const kr_properties *const *broker_configs;
    size_t n_broker_configs;
    size_t packet_limit_bytes;        /* jute.maxbuffer; 0 = 1 MiB (1048575 + 1) */
    /* Online migration (Kafka's, or zk2kraft --dual-write): ZooKeeper-mode brokers keep
     * running and must register with KRaft, so unregistered assignment brokers (ZK011) and
     * an inter-broker protocol other than the target (ZK024) block. Offline (the default),
     * brokers are stopped and restart in KRaft mode: those are warnings. */
    bool online;
} mg_check_options;

/* Every check's code and one-line title, for docs and JUnit (NULL-terminated). */
typedef struct mg_check_info {
    const char *code;
    enum mg_severity severity; /* the usual severity */
    const char *title;
} mg_check_info;
extern const mg_check_info mg_check_catalog[];

/*
 * Runs every check, appending findings to `out` (initialized by the caller) and declaring
 * every check code that ran. decode_findings may be NULL. Returns 0, or a kr_code on
 * ENOMEM / bad options (err set).
 */
int mg_check(const zr_model *m, const zr_findings *decode_findings, const mg_check_options *o,
             mg_report *out, kr_error *err);

/* True when a broker config key is a password-type dynamic config (encrypted in ZooKeeper). */
bool mg_is_password_config(const char *key);

#endif
