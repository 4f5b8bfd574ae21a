/* Preflight checks over the ZK model: see docs/check-codes.md for every code. */
#include "migrate/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/metadata_version.h"
#include "kraft/wire.h"

const mg_check_info mg_check_catalog[] = {
    {"ZK001", MG_SEV_BLOCKER, "target metadata.version supports migration (>= 3.4-IV0)"},
    {"ZK002", MG_SEV_BLOCKER, "cluster id present and a valid uuid"},
    {"ZK003", MG_SEV_BLOCKER, "/migration does not hold a finished or abandoned migration"},
    {"ZK004", MG_SEV_BLOCKER, "/migration is readable"},
    {"ZK005", MG_SEV_INFO, "/migration created by controllers in migration mode"},
    {"ZK006", MG_SEV_BLOCKER, "/controller not held by a KRaft controller"},
    {"ZK007", MG_SEV_WARNING, "/controller_epoch present"},
    {"ZK008", MG_SEV_WARNING, "brokers registered in /brokers/ids"},
    {"ZK010", MG_SEV_WARNING, "every topic has a topic id"},
    {"ZK011", MG_SEV_BLOCKER, "replica-assignment brokers are registered"},
    {"ZK012", MG_SEV_WARNING, "no topics pending deletion"},
    {"ZK013", MG_SEV_WARNING, "no reassignment in progress"},
    {"ZK014", MG_SEV_WARNING, "no legacy reassignment request"},
    {"ZK015", MG_SEV_WARNING, "leaders are in the ISR"},
    {"ZK016", MG_SEV_WARNING, "no offline partitions"},
    {"ZK017", MG_SEV_WARNING, "ISRs are not empty"},
    {"ZK018", MG_SEV_WARNING, "ISR members are replicas"},
    {"ZK019", MG_SEV_BLOCKER, "replica lists are not empty"},
    {"ZK020", MG_SEV_WARNING, "replica lists have no duplicates"},
    {"ZK021", MG_SEV_INFO, "no partition still recovering from an unclean election"},
    {"ZK022", MG_SEV_BLOCKER, "encrypted password configs have a secret to decrypt them"},
    {"ZK023", MG_SEV_BLOCKER, "encrypted password configs decrypt with the secret"},
    {"ZK024", MG_SEV_BLOCKER, "brokers' inter-broker protocol equals the target metadata.version"},
    {"ZK025", MG_SEV_BLOCKER, "JBOD brokers need metadata.version >= 3.7-IV2"},
    {"ZK026", MG_SEV_WARNING, "children lists below the ZooKeeper packet limit"},
    {"ZK027", MG_SEV_WARNING, "znode data below the ZooKeeper packet limit"},
    {"ZK028", MG_SEV_WARNING, "topic names do not collide once '.' and '_' are equated"},
    {"ZK029", MG_SEV_WARNING, "topic names are legal Kafka topic names"},
    {"ZK030", MG_SEV_BLOCKER, "SCRAM credentials need metadata.version >= 3.5-IV2"},
    {"ZK031", MG_SEV_BLOCKER, "delegation tokens need metadata.version >= 3.6-IV2"},
    {"ZK032", MG_SEV_WARNING, "broker ids are not generated"},
    {"ZK033", MG_SEV_WARNING, "no password configs at the cluster-default level"},
    {"ZK034", MG_SEV_INFO, "no pending transient requests or notifications"},
    {"ZK035", MG_SEV_WARNING, "quota keys are known to KRaft"},
    {"ZK036", MG_SEV_WARNING, "no SCRAM credential on the <default> user"},
    {"ZK037", MG_SEV_WARNING, "password configs are stored encrypted"},
    {"ZK038", MG_SEV_WARNING, "no failed log directories reported"},
    {"ZK039", MG_SEV_BLOCKER, "topic ids are unique"},
    {"ZK040", MG_SEV_WARNING, "partition ids are contiguous from 0"},
    {"ZK041", MG_SEV_INFO, "delegation-token secret must carry over"},
    {"ZK100", MG_SEV_BLOCKER, "partition state znodes decode"},
    {"ZK101", MG_SEV_BLOCKER, "partition state znodes exist"},
    {"ZK102", MG_SEV_BLOCKER, "JSON versions are known"},
    {"ZK103", MG_SEV_BLOCKER, "topic assignment znodes decode"},
    {"ZK104", MG_SEV_BLOCKER, "SCRAM credential strings decode"},
    {"ZK105", MG_SEV_BLOCKER, "quota values are numbers"},
    {"ZK106", MG_SEV_BLOCKER, "ACL znodes have JSON version 1"},
    {"ZK107", MG_SEV_BLOCKER, "config znodes decode"},
    {"ZK108", MG_SEV_BLOCKER, "ACL znodes decode"},
    {"ZK109", MG_SEV_BLOCKER, "delegation token znodes decode"},
    {"ZK110", MG_SEV_BLOCKER, "broker registrations decode"},
    {"ZK111", MG_SEV_BLOCKER, "controller, epoch and producer-id znodes decode"},
    {"ZK112", MG_SEV_WARNING, "notification and request znodes decode"},
    {"ZK113", MG_SEV_WARNING, "tree did not change during the read"},
    {NULL, 0, NULL},
};

static const char *title_of(const char *code) {
    for (const mg_check_info *c = mg_check_catalog; c->code; c++)
        if (!strcmp(c->code, code)) return c->title;
    return NULL;
}

typedef struct ctx {
    const zr_model *m;
    const mg_check_options *o;
    mg_report *r;
    int16_t mv;
    size_t limit;
    bool nomem;
    const zr_findings *df;
} ctx;

#define ADD(c, sev, code, path, fix, ...)                                          \
    do {                                                                           \
        if (!mg_report_add((c)->r, (sev), (code), (path), (fix), __VA_ARGS__))      \
            (c)->nomem = true;                                                     \
    } while (0)

static bool has_decode_finding_at(const ctx *c, const char *path) {
    if (!c->df) return false;
    for (size_t i = 0; i < c->df->n; i++)
        if (!strcmp(c->df->v[i].path, path)) return true;
    return false;
}

static bool is_broker(const zr_model *m, int32_t id) {
    for (size_t i = 0; i < m->n_brokers; i++)
        if (m->brokers[i].id == id) return true;
    return false;
}

static bool ints_has(const zr_ints *s, int32_t v) {
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == v) return true;
    return false;
}

static const char *mv_name(int16_t mv) {
    const char *n = kr_metadata_version_name(mv);
    return n ? n : "?";
}

/* ---- cluster-level ------------------------------------------------------- */

static void check_target(ctx *c) {
    if (c->mv < KR_MV_3_4_IV0)
        ADD(c, MG_SEV_BLOCKER, "ZK001", "/", "choose --metadata-version 3.4-IV0 or newer (3.9-IV0 recommended)",
            "target metadata.version %s (level %d) is below 3.4-IV0: KRaft has no migration support there",
            mv_name(c->mv), (int)c->mv);
}

static void check_cluster_id(ctx *c) {
    if (has_decode_finding_at(c, "/cluster/id")) return; /* reported as ZK002 by the fold */
    kr_uuid u;
    if (!c->m->cluster_id)
        ADD(c, MG_SEV_BLOCKER, "ZK002", "/cluster/id",
            "start a broker once so it creates /cluster/id, or check the --zookeeper chroot",
            "no cluster id: the KRaft quorum must be formatted with the cluster's id");
    else if (!kr_uuid_from_text(c->m->cluster_id, &u))
        ADD(c, MG_SEV_BLOCKER, "ZK002", "/cluster/id",
            "KRaft needs a 22-character URL-safe base64 uuid; this cluster cannot keep its id",
            "cluster id \"%s\" is not a valid uuid text", c->m->cluster_id);
}

static void check_migration(ctx *c) {
    const zr_model *m = c->m;
    if (!m->has_migration) return; /* null or unreadable: ZK004 from the fold */
    if (m->migration_metadata_offset > 0)
        ADD(c, MG_SEV_BLOCKER, "ZK003", "/migration",
            "if this is an abandoned attempt, read and then delete /migration (Kafka's revert procedure); "
            "if a migration is running, finish it with Kafka instead",
            "kraft_metadata_offset %lld > 0 (controller %d, epoch %d): a migration already completed its "
            "import; controllers would skip the import and later reconcile ZooKeeper to a nearly empty "
            "image, deleting topics",
            (long long)m->migration_metadata_offset, (int)m->migration_controller_id,
            (int)m->migration_controller_epoch);
    else
        ADD(c, MG_SEV_INFO, "ZK005", "/migration",
            "harmless for an offline migration; delete /migration after the cut-over if controllers in "
            "migration mode are deprovisioned",
            "kraft_metadata_offset %lld: controllers have run in migration mode but never finished an import",
            (long long)m->migration_metadata_offset);
}

static void check_controller(ctx *c) {
    const zr_model *m = c->m;
    if (m->has_controller && m->kraft_controller_epoch >= 0)
        ADD(c, MG_SEV_BLOCKER, "ZK006", "/controller",
            "a KRaft controller owns ZooKeeper (online migration running): finish it with Kafka, or revert "
            "(deprovision the quorum, delete /controller and /migration) before an offline migration",
            "held by KRaft controller %d with kraftControllerEpoch %d", (int)m->controller_id,
            (int)m->kraft_controller_epoch);
    if (!m->has_controller_epoch && !has_decode_finding_at(c, "/controller_epoch"))
        ADD(c, MG_SEV_WARNING, "ZK007", "/controller_epoch",
            "check the --zookeeper chroot; a Kafka cluster always has /controller_epoch",
            "missing: no ZooKeeper controller was ever elected here");
    if (m->n_brokers == 0)
        ADD(c, MG_SEV_WARNING, "ZK008", "/brokers/ids",
            "check the --zookeeper chroot; Kafka's online migration also needs live brokers (P7)",
            "no broker is registered");
    for (size_t i = 0; i < m->n_brokers; i++) {
        if (m->brokers[i].id > 1000) {
            char p[64];
            snprintf(p, sizeof p, "/brokers/ids/%d", (int)m->brokers[i].id);
            ADD(c, MG_SEV_WARNING, "ZK032", p,
                "set broker.id explicitly in server.properties before the cut-over; KRaft needs a fixed "
                "node.id (broker.id.generation.enable is incompatible with migration)",
                "broker id %d is above reserved.broker.max.id's default 1000: probably generated",
                (int)m->brokers[i].id);
        }
    }
}

/* ---- topics and partitions ------------------------------------------------ */

static void topic_path(char *out, size_t cap, const zr_topic *t) { snprintf(out, cap, "/brokers/topics/%s", t->name); }

/* Blocks an online migration only (see mg_check_options.online). */
#define ONLINE_BLOCKER(c) ((c)->o->online ? MG_SEV_BLOCKER : MG_SEV_WARNING)

static void check_unregistered(ctx *c, const zr_topic *t, const zr_partition *p, const char *path) {
    const zr_ints *lists[3] = {&p->replicas, &p->adding, &p->removing};
    const char *names[3] = {"replicas", "adding_replicas", "removing_replicas"};
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            int32_t b = lists[l]->v[i];
            if (is_broker(c->m, b)) continue;
            char fix[256];
            snprintf(fix, sizeof fix,
                     "start broker %d (or reassign away from it) so it registers; Kafka's online migration "
                     "waits forever for it (P7)",
                     (int)b);
            ADD(c, ONLINE_BLOCKER(c), "ZK011", path, fix,
                "partition %d %s names broker %d, which is not registered in /brokers/ids", (int)p->id,
                names[l], (int)b);
        }
    }
    (void)t;
}

static void check_partition(ctx *c, const zr_topic *t, const zr_partition *p) {
    char path[1024], spath[1100];
    topic_path(path, sizeof path, t);
    snprintf(spath, sizeof spath, "%s/partitions/%d/state", path, (int)p->id);
    check_unregistered(c, t, p, path);
    if (p->replicas.n == 0) return; /* ZK019 (and ZK020) come from the decode findings */
    if (p->adding.n || p->removing.n)
        ADD(c, MG_SEV_WARNING, "ZK013", path,
            "let the reassignment finish (kafka-reassign-partitions --verify) before migrating; it is migrated "
            "as in progress otherwise",
            "partition %d is being reassigned (adding %zu, removing %zu replicas)", (int)p->id, p->adding.n,
            p->removing.n);
    if (!p->has_state || p->synthesized) return; /* ZK100/ZK101 from the fold */
    const zr_partition_state *s = &p->state;
    if (s->leader < 0)
        ADD(c, MG_SEV_WARNING, "ZK016", spath,
            "bring an ISR member back, or accept that the partition stays offline after the migration",
            "partition %d is offline (leader -1)", (int)p->id);
    else if (!is_broker(c->m, s->leader))
        ADD(c, MG_SEV_WARNING, "ZK016", spath, "start the leader broker, or the partition is offline after the migration",
            "partition %d is offline: leader %d is not a registered broker", (int)p->id, (int)s->leader);
    if (s->leader >= 0 && !ints_has(&s->isr, s->leader))
        ADD(c, MG_SEV_WARNING, "ZK015", spath,
            "let the controller elect a new leader (or restart the leader broker) before migrating; KRaft "
            "copies the state verbatim",
            "partition %d leader %d is not in the ISR", (int)p->id, (int)s->leader);
    if (s->isr.n == 0)
        ADD(c, MG_SEV_WARNING, "ZK017", spath, "bring a replica back in sync (or accept an unclean election later)",
            "partition %d has an empty ISR", (int)p->id);
    for (size_t i = 0; i < s->isr.n; i++)
        if (!ints_has(&p->replicas, s->isr.v[i]))
            ADD(c, MG_SEV_WARNING, "ZK018", spath, "trigger a leader election or reassignment so ZooKeeper rewrites the ISR",
                "partition %d ISR member %d is not a replica", (int)p->id, (int)s->isr.v[i]);
    if (s->leader_recovery_state == 1)
        ADD(c, MG_SEV_INFO, "ZK021", spath, "wait until the leader confirms recovery",
            "partition %d is still RECOVERING after an unclean leader election", (int)p->id);
}

static bool legal_topic_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == '-';
}

typedef struct named_key {
    char *key;
    const char *name;
} named_key;

static int named_key_cmp(const void *a, const void *b) {
    const named_key *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    return r ? r : strcmp(x->name, y->name);
}

static void check_topic_names(ctx *c) {
    const zr_model *m = c->m;
    named_key *keys = calloc(m->n_topics ? m->n_topics : 1, sizeof *keys);
    if (!keys) {
        c->nomem = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n_topics; i++) {
        const char *name = m->topics[i]->name;
        char path[1024];
        topic_path(path, sizeof path, m->topics[i]);
        size_t len = strlen(name);
        bool legal = len > 0 && len <= 249 && strcmp(name, ".") && strcmp(name, "..");
        for (size_t k = 0; legal && k < len; k++) legal = legal_topic_char(name[k]);
        if (!legal)
            ADD(c, MG_SEV_WARNING, "ZK029", path,
                "recreate the topic under a legal name; KRaft's admin APIs refuse this name",
                "topic name is not a legal Kafka topic name (1..249 of [a-zA-Z0-9._-], not . or ..)");
        char *k = strdup(name);
        if (!k) {
            c->nomem = true;
            break;
        }
        for (char *q = k; *q; q++)
            if (*q == '.') *q = '_';
        keys[n].key = k;
        keys[n].name = name;
        n++;
    }
    if (n > 1) qsort(keys, n, sizeof *keys, named_key_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i - 1].key, keys[i].key)) continue;
        char path[1024];
        snprintf(path, sizeof path, "/brokers/topics/%s", keys[i].name);
        ADD(c, MG_SEV_WARNING, "ZK028", path,
            "their metrics collide; delete or rename one of them (KRaft refuses to create such pairs)",
            "topic \"%s\" collides with \"%s\" once '.' and '_' are equated", keys[i].name, keys[i - 1].name);
    }
    for (size_t i = 0; i < n; i++) free(keys[i].key);
    free(keys);
}

typedef struct id_entry {
    uint8_t id[16];
    const char *name;
} id_entry;

static int id_entry_cmp(const void *a, const void *b) {
    const id_entry *x = a, *y = b;
    int r = memcmp(x->id, y->id, 16);
    return r ? r : strcmp(x->name, y->name);
}

static void check_topic_ids(ctx *c) {
    const zr_model *m = c->m;
    id_entry *ids = calloc(m->n_topics ? m->n_topics : 1, sizeof *ids);
    if (!ids) {
        c->nomem = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n_topics; i++) {
        const zr_topic *t = m->topics[i];
        if (!t->has_assignment || t->pending_deletion) continue;
        if (t->has_id) {
            memcpy(ids[n].id, t->id, 16);
            ids[n++].name = t->name;
            continue;
        }
        char path[1024];
        topic_path(path, sizeof path, t);
        ADD(c, MG_SEV_WARNING, "ZK010", path,
            "zk2kraft mints an id; run migrate with --write-topic-ids to store it in ZooKeeper (needed for "
            "dual-write and rollback), or restart the ZooKeeper controller with IBP >= 2.8",
            "topic has no topic_id (pre-2.8 tree); Kafka 3.9 aborts the migration on it");
    }
    if (n > 1) qsort(ids, n, sizeof *ids, id_entry_cmp);
    for (size_t i = 1; i < n; i++) {
        if (memcmp(ids[i - 1].id, ids[i].id, 16)) continue;
        char path[1024];
        snprintf(path, sizeof path, "/brokers/topics/%s", ids[i].name);
        ADD(c, MG_SEV_BLOCKER, "ZK039", path,
            "give one of the topics a fresh topic_id (rewrite its znode) before migrating",
            "topic_id is also used by topic \"%s\"; KRaft indexes topics by id", ids[i - 1].name);
    }
    free(ids);
}

static void check_topics(ctx *c) {
    const zr_model *m = c->m;
    for (size_t i = 0; i < m->n_topics; i++) {
        const zr_topic *t = m->topics[i];
        char path[1024];
        topic_path(path, sizeof path, t);
        if (t->pending_deletion) continue;
        for (size_t p = 0; p < t->n_partitions; p++) check_partition(c, t, &t->partitions[p]);
        for (size_t p = 0; p < t->n_partitions; p++)
            if (t->partitions[p].id != (int32_t)p) {
                ADD(c, MG_SEV_WARNING, "ZK040", path,
                    "add the missing partitions (kafka-topics --alter) or recreate the topic",
                    "partition ids are not 0..%zu: partition %zu is missing", t->n_partitions - 1, p);
                break;
            }
    }
    for (size_t i = 0; i < m->n_pending_deletions; i++) {
        char path[1024];
        snprintf(path, sizeof path, "/admin/delete_topics/%s", m->pending_deletions[i]);
        bool exists = zr_model_topic(m, m->pending_deletions[i]) != NULL;
        ADD(c, MG_SEV_WARNING, "ZK012", path,
            "let the deletion finish (bring the topic's replicas online) before migrating; the topic is not "
            "migrated and brokers delete its logs as stray partitions",
            "topic \"%s\" is pending deletion%s", m->pending_deletions[i],
            exists ? " (its znode still exists)" : " (its znode is already gone)");
    }
    check_topic_ids(c);
    check_topic_names(c);
}

/* ---- configs, quotas, SCRAM, tokens -------------------------------------- */

static const char *const PASSWORD_SUFFIXES[] = {
    "ssl.keystore.password", "ssl.key.password", "ssl.truststore.password", "ssl.keystore.key",
    "ssl.keystore.certificate.chain", "ssl.truststore.certificates", "sasl.jaas.config",
};

bool mg_is_password_config(const char *key) {
    size_t kl = strlen(key);
    for (size_t i = 0; i < sizeof PASSWORD_SUFFIXES / sizeof *PASSWORD_SUFFIXES; i++) {
        size_t sl = strlen(PASSWORD_SUFFIXES[i]);
        if (kl >= sl && !strcmp(key + kl - sl, PASSWORD_SUFFIXES[i])) return true;
    }
    return false;
}

static bool looks_encrypted(const char *v) { return v && strstr(v, "encryptedPassword:") != NULL; }

static void check_password_config(ctx *c, const zr_config_entity *e, const zr_kv *kv) {
    if (e->is_default)
        ADD(c, MG_SEV_WARNING, "ZK033", e->path,
            "move it to the per-broker entities; Kafka allows password configs only per broker",
            "password config \"%s\" is set at the cluster-default level", kv->key);
    if (!looks_encrypted(kv->value)) {
        ADD(c, MG_SEV_WARNING, "ZK037", e->path,
            "re-set it with kafka-configs so the brokers store it encrypted; a secret-based decrypt would fail",
            "password config \"%s\" is not in the encrypted format", kv->key);
        return;
    }
    if (!c->o->password_encoder_secret) {
        ADD(c, MG_SEV_BLOCKER, "ZK022", e->path,
            "pass the brokers' password.encoder.secret with --password-encoder-secret or --command-config; "
            "without it the ciphertext would be migrated as the password",
            "password config \"%s\" is encrypted and no password encoder secret was given", kv->key);
        return;
    }
    if (!c->o->decrypt) return;
    char *plain = NULL;
    kr_error derr = {0};
    if (c->o->decrypt(kv->value, c->o->password_encoder_secret, &plain, &derr) != 0)
        ADD(c, MG_SEV_BLOCKER, "ZK023", e->path,
            "use the brokers' exact password.encoder.secret (and cipher settings), or re-set the config",
            "password config \"%s\" does not decrypt with the given secret: %s", kv->key, derr.message);
    if (plain) {
        memset(plain, 0, strlen(plain));
        free(plain);
    }
}

static const char *const QUOTA_KEYS[] = {
    "producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate",
    "connection_creation_rate",
};

static bool is_quota_key(const char *k) {
    for (size_t i = 0; i < sizeof QUOTA_KEYS / sizeof *QUOTA_KEYS; i++)
        if (!strcmp(k, QUOTA_KEYS[i])) return true;
    return false;
}

static void check_configs(ctx *c) {
    const zr_model *m = c->m;
    for (size_t i = 0; i < m->n_configs; i++) {
        const zr_config_entity *e = &m->configs[i];
        for (size_t k = 0; k < e->config.n; k++) {
            const zr_kv *kv = &e->config.v[k];
            if (e->type == ZR_ENTITY_BROKER && mg_is_password_config(kv->key)) check_password_config(c, e, kv);
            bool quota_entity = e->type == ZR_ENTITY_USER || e->type == ZR_ENTITY_CLIENT ||
                                e->type == ZR_ENTITY_USER_CLIENT || e->type == ZR_ENTITY_IP;
            if (quota_entity && strncmp(kv->key, "SCRAM-SHA-", 10) && !is_quota_key(kv->key))
                ADD(c, MG_SEV_WARNING, "ZK035", e->path,
                    "remove it (kafka-configs --delete-config); it is migrated but KRaft's quota APIs and "
                    "dual-write reject unknown quota keys",
                    "quota key \"%s\" is not a known client quota", kv->key);
        }
    }
    for (size_t i = 0; i < m->n_scram; i++) {
        const zr_scram *s = &m->scram[i];
        char path[1024];
        snprintf(path, sizeof path, "/config/users/%s", s->user ? s->user : "<default>");
        if (!s->user)
            ADD(c, MG_SEV_WARNING, "ZK036", path,
                "delete the key from /config/users/<default>; Kafka would create a user literally named <default>",
                "SCRAM credential stored on the <default> user");
        if (c->mv < KR_MV_3_5_IV2)
            ADD(c, MG_SEV_BLOCKER, "ZK030", path, "choose --metadata-version 3.5-IV2 or newer",
                "SCRAM credential of %s needs metadata.version >= 3.5-IV2 (target %s)",
                s->user ? s->user : "<default>", mv_name(c->mv));
    }
    if (m->n_tokens) {
        if (c->mv < KR_MV_3_6_IV2)
            ADD(c, MG_SEV_BLOCKER, "ZK031", "/delegation_token/tokens",
                "choose --metadata-version 3.6-IV2 or newer, or let the tokens expire and delete them",
                "%zu delegation token%s need metadata.version >= 3.6-IV2 (target %s)", m->n_tokens,
                m->n_tokens == 1 ? "" : "s", mv_name(c->mv));
        ADD(c, MG_SEV_INFO, "ZK041", "/delegation_token/tokens",
            "set delegation.token.secret.key on the KRaft brokers to the ZooKeeper brokers' value",
            "%zu delegation token%s: their HMACs derive from the brokers' secret, which is not in ZooKeeper",
            m->n_tokens, m->n_tokens == 1 ? "" : "s");
    }
}

/* ---- brokers: IBP, JBOD --------------------------------------------------- */

static void check_broker_versions(ctx *c) {
    const zr_model *m = c->m;
    char fix[256];
    snprintf(fix, sizeof fix,
             "set inter.broker.protocol.version=%s on every broker and roll them before migrating", mv_name(c->mv));
    for (size_t i = 0; i < m->n_brokers; i++) {
        const zr_broker *b = &m->brokers[i];
        if (b->version >= 5) continue;
        char p[64];
        snprintf(p, sizeof p, "/brokers/ids/%d", (int)b->id);
        ADD(c, ONLINE_BLOCKER(c), "ZK024", p, fix,
            "registration version %d means inter.broker.protocol.version < 2.7, below the target %s", b->version,
            mv_name(c->mv));
    }
    if (m->has_feature && (m->feature_version < 2 || m->feature_status == 0))
        ADD(c, ONLINE_BLOCKER(c), "ZK024", "/feature", fix,
            "/feature version %d status %d means inter.broker.protocol.version < 3.3, below the target %s",
            m->feature_version, m->feature_status, mv_name(c->mv));
    for (size_t i = 0; i < m->n_features; i++) {
        const zr_feature_level *fl = &m->features[i];
        if (strcmp(fl->name, "metadata.version")) continue;
        if (fl->max_level != c->mv)
            ADD(c, ONLINE_BLOCKER(c), "ZK024", "/feature", fix,
                "finalized metadata.version %d differs from the target %s (%d); brokers register with exactly "
                "their IBP (P6)",
                (int)fl->max_level, mv_name(c->mv), (int)c->mv);
    }
    for (size_t i = 0; i < c->o->n_broker_configs; i++) {
        const kr_properties *p = c->o->broker_configs[i];
        const char *ibp = kr_properties_get(p, "inter.broker.protocol.version");
        if (!ibp)
            ADD(c, ONLINE_BLOCKER(c), "ZK024", p->name, fix,
                "inter.broker.protocol.version is not set (defaults to the software's latest, not the target %s)",
                mv_name(c->mv));
        else {
            int16_t lvl = kr_metadata_version_parse(ibp);
            if (lvl != c->mv)
                ADD(c, ONLINE_BLOCKER(c), "ZK024", p->name, fix,
                    "inter.broker.protocol.version=%s %s the target metadata.version %s", ibp,
                    lvl < 0 || lvl < c->mv ? "is below" : "differs from", mv_name(c->mv));
        }
        const char *dirs = kr_properties_get(p, "log.dirs");
        if (!dirs) dirs = kr_properties_get(p, "log.dir");
        size_t n_dirs = 0;
        if (dirs) {
            n_dirs = 1;
            for (const char *q = dirs; *q; q++)
                if (*q == ',') n_dirs++;
        }
        if (n_dirs > 1 && c->mv < KR_MV_3_7_IV2)
            ADD(c, MG_SEV_BLOCKER, "ZK025", p->name,
                "choose --metadata-version 3.7-IV2 or newer, or move the broker to a single log dir",
                "broker has %zu log dirs (JBOD); migration with JBOD needs metadata.version >= 3.7-IV2 (target %s)",
                n_dirs, mv_name(c->mv));
    }
}

/* ---- packet limits -------------------------------------------------------- */

/* getChildren2 response: header 16 + vector count 4 + per child (4 + name) + Stat 68. */
static size_t children_bytes(size_t count, size_t names_len) { return 16 + 4 + 4 * count + names_len + 68; }

static void limit_finding(ctx *c, const char *code, const char *path, const char *what, size_t bytes) {
    if (bytes * 4 < c->limit * 3) return; /* below 75 % */
    enum mg_severity sev = bytes >= c->limit ? MG_SEV_BLOCKER : MG_SEV_WARNING;
    ADD(c, sev, code, path,
        "raise jute.maxbuffer on the ZooKeeper servers and on every client (brokers, zk2kraft via "
        "-Djute.maxbuffer / ZOO_MAX_BUFFER) above the size, or reduce the list",
        "%s is about %zu bytes, %zu%% of the %zu-byte packet limit (jute.maxbuffer)", what, bytes,
        bytes * 100 / c->limit, c->limit);
}

static void check_packet_limits(ctx *c) {
    const zr_model *m = c->m;
    size_t names = 0;
    for (size_t i = 0; i < m->n_topics; i++) names += strlen(m->topics[i]->name);
    limit_finding(c, "ZK026", "/brokers/topics", "the children list", children_bytes(m->n_topics, names));
    size_t tnames = 0, ntc = 0;
    for (size_t i = 0; i < m->n_configs; i++)
        if (m->configs[i].type == ZR_ENTITY_TOPIC) {
            tnames += strlen(m->configs[i].name ? m->configs[i].name : "");
            ntc++;
        }
    limit_finding(c, "ZK026", "/config/topics", "the children list", children_bytes(ntc, tnames));
    size_t dn = 0;
    for (size_t i = 0; i < m->n_pending_deletions; i++) dn += strlen(m->pending_deletions[i]);
    limit_finding(c, "ZK026", "/admin/delete_topics", "the children list",
                  children_bytes(m->n_pending_deletions, dn));
    size_t cn = 0;
    for (size_t i = 0; i < m->n_config_changes; i++) cn += strlen(m->config_changes[i].name);
    limit_finding(c, "ZK026", "/config/changes", "the children list", children_bytes(m->n_config_changes, cn));
    for (size_t i = 0; i < m->n_topics; i++) {
        const zr_topic *t = m->topics[i];
        char path[1024];
        topic_path(path, sizeof path, t);
        /* Topic JSON: per partition "\"<p>\":[r,r,...]," ~ digits + 6 + replicas * 5. */
        size_t bytes = 120;
        for (size_t p = 0; p < t->n_partitions; p++) {
            bytes += 12 + t->partitions[p].replicas.n * 5;
            bytes += (t->partitions[p].adding.n + t->partitions[p].removing.n) * 5;
        }
        limit_finding(c, "ZK027", path, "the topic assignment JSON", bytes);
        char ppath[1100];
        snprintf(ppath, sizeof ppath, "%s/partitions", path);
        limit_finding(c, "ZK026", ppath, "the children list", children_bytes(t->n_partitions, t->n_partitions * 6));
    }
    for (size_t i = 0; i < m->n_acls; i++) {
        size_t bytes = 32;
        for (size_t e = 0; e < m->acls[i].n_entries; e++) {
            const zr_acl_entry *a = &m->acls[i].entries[e];
            bytes += 80 + strlen(a->principal) + strlen(a->host);
        }
        limit_finding(c, "ZK027", m->acls[i].path, "the ACL JSON", bytes);
    }
}

/* ---- transient requests and notifications -------------------------------- */

static void check_transients(ctx *c) {
    const zr_model *m = c->m;
    if (m->has_reassign_request)
        ADD(c, MG_SEV_WARNING, "ZK014", "/admin/reassign_partitions",
            "wait for the ZooKeeper controller to finish it (the znode disappears), or delete it",
            "legacy reassignment request for %zu partition%s is pending; it is not migrated",
            m->n_reassign_requests, m->n_reassign_requests == 1 ? "" : "s");
    if (m->has_preferred_election)
        ADD(c, MG_SEV_INFO, "ZK034", "/admin/preferred_replica_election",
            "wait for the controller to process it, or delete it; it is not migrated",
            "preferred replica election request for %zu partitions is pending", m->n_preferred_elections);
    if (m->n_isr_changes)
        ADD(c, MG_SEV_INFO, "ZK034", "/isr_change_notification",
            "wait for the ZooKeeper controller to consume them; they are not migrated",
            "%zu ISR change notification%s pending (brokers with IBP < 2.7-IV2)", m->n_isr_changes,
            m->n_isr_changes == 1 ? "" : "s");
    for (size_t i = 0; i < m->n_log_dir_events; i++) {
        char p[512];
        snprintf(p, sizeof p, "/log_dir_event_notification/%s", m->log_dir_events[i].name);
        ADD(c, MG_SEV_WARNING, "ZK038", p,
            "replace the failed disk and restart the broker; its replicas on that dir are offline",
            "broker %d reported a failed log directory (event %d)", (int)m->log_dir_events[i].broker,
            (int)m->log_dir_events[i].event);
    }
}

/* ---- zkread's decode findings, folded in with their own codes ------------ */

static bool starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static bool ends(const char *s, const char *p) {
    size_t a = strlen(s), b = strlen(p);
    return a >= b && !strcmp(s + a - b, p);
}

static const char *classify(const zr_finding *f, const char **fix) {
    const char *p = f->path, *msg = f->message;
    if (starts(p, "/kafka-acl") && strstr(msg, "ACL JSON version")) {
        *fix = "rewrite the ACLs with kafka-acls so the znode holds JSON version 1";
        return "ZK106";
    }
    if (strstr(msg, "unknown JSON version") || strstr(msg, "field \"version\"")) {
        *fix = "rewrite the znode with a version Kafka 3.9 writes (or accept the substitution with --lenient)";
        return "ZK102";
    }
    if (!strcmp(p, "/migration")) {
        *fix = "a KRaft controller wrote it: if the attempt is abandoned, read and then delete /migration";
        return "ZK004";
    }
    if (!strcmp(p, "/cluster/id")) {
        *fix = "restore /cluster/id as {\"version\":\"1\",\"id\":\"<22-char base64 uuid>\"}";
        return "ZK002";
    }
    if (starts(p, "/brokers/topics/") && ends(p, "/state")) {
        if (strstr(msg, "znode is missing") || strstr(msg, "no usable partition state")) {
            *fix = "restart the ZooKeeper controller (it recreates states) or accept Kafka's substitute with --lenient";
            return "ZK101";
        }
        *fix = "let the ZooKeeper controller rewrite the state (leader election), or accept Kafka's substitute "
               "with --lenient";
        return "ZK100";
    }
    if (starts(p, "/brokers/topics/") && strstr(msg, "empty replica set")) {
        *fix = "reassign the partition to live brokers with kafka-reassign-partitions";
        return "ZK019";
    }
    if (starts(p, "/brokers/topics/") && strstr(msg, "lists a replica twice")) {
        *fix = "reassign the partition with a replica list without duplicates";
        return "ZK020";
    }
    if (starts(p, "/brokers/topics/")) {
        *fix = "restore the topic znode (JSON v3 with partitions and topic_id) or delete the topic";
        return "ZK103";
    }
    if (starts(p, "/config/") && strstr(msg, "credential")) {
        *fix = "reset the credential with kafka-configs --alter --add-config 'SCRAM-SHA-...=[password=...]'";
        return "ZK104";
    }
    if (starts(p, "/config/") && strstr(msg, "quota \"")) {
        *fix = "set the quota to a number with kafka-configs";
        return "ZK105";
    }
    if (starts(p, "/config/changes")) {
        *fix = "delete the notification; it is not migrated";
        return "ZK112";
    }
    if (starts(p, "/config/")) {
        *fix = "rewrite the entity with kafka-configs (JSON {\"version\":1,\"config\":{...}} of strings)";
        return "ZK107";
    }
    if (starts(p, "/kafka-acl-changes") || starts(p, "/kafka-acl-extended-changes")) {
        *fix = "delete the notification; it is not migrated";
        return "ZK112";
    }
    if (starts(p, "/kafka-acl")) {
        *fix = "rewrite the ACLs with kafka-acls, or delete the znode if they are not wanted";
        return "ZK108";
    }
    if (starts(p, "/delegation_token")) {
        *fix = "delete the token (kafka-delegation-tokens --expire) or restore its JSON";
        return "ZK109";
    }
    if (starts(p, "/brokers/ids")) {
        *fix = "restart the broker so it re-registers, or remove the stray znode";
        return "ZK110";
    }
    if (!strcmp(p, "/controller") || !strcmp(p, "/controller_epoch") || !strcmp(p, "/latest_producer_id_block") ||
        !strcmp(p, "/feature")) {
        *fix = "let a ZooKeeper controller rewrite the znode (restart the controller broker), or restore it";
        return "ZK111";
    }
    if (strstr(msg, "modified during the read") || strstr(msg, "changed during")) {
        *fix = "run again when the cluster is quiet (no reassignments, no config changes)";
        return "ZK113";
    }
    *fix = "delete or restore the znode; it is not migrated";
    return "ZK112";
}

static void fold_decode_findings(ctx *c) {
    if (!c->df) return;
    for (size_t i = 0; i < c->df->n; i++) {
        const zr_finding *f = &c->df->v[i];
        const char *fix = "";
        const char *code = classify(f, &fix);
        enum mg_severity sev = f->severity == ZR_SEV_ERROR ? MG_SEV_BLOCKER : MG_SEV_WARNING;
        if (!strcmp(code, "ZK004") || !strcmp(code, "ZK019")) sev = MG_SEV_BLOCKER; /* never harmless */
        ADD(c, sev, code, f->path, fix, "%s", f->message);
    }
}

int mg_check(const zr_model *m, const zr_findings *decode_findings, const mg_check_options *o,
             mg_report *out, kr_error *err) {
    static const mg_check_options defaults = {0};
    if (!o) o = &defaults;
    ctx c = {.m = m, .o = o, .r = out, .df = decode_findings};
    c.mv = o->metadata_version ? o->metadata_version : KR_MV_3_9_IV0;
    c.limit = o->packet_limit_bytes ? o->packet_limit_bytes : 1048576;
    for (const mg_check_info *ci = mg_check_catalog; ci->code; ci++) mg_report_declare(out, ci->code, ci->title);
    check_target(&c);
    fold_decode_findings(&c);
    check_cluster_id(&c);
    check_migration(&c);
    check_controller(&c);
    check_topics(&c);
    check_configs(&c);
    check_broker_versions(&c);
    check_packet_limits(&c);
    check_transients(&c);
    for (size_t i = 0; i < out->n_checks; i++)
        if (!out->checks[i].title) {
            const char *t = title_of(out->checks[i].code);
            if (t) out->checks[i].title = strdup(t);
        }
    mg_report_sort(out);
    if (c.nomem) return kr_fail(err, KR_ERR_NOMEM, "check: out of memory");
    return 0;
}
