/* A Kafka cluster's client view through librdkafka, as a metadata image (see cluster_view.h). */
#include "migrate/cluster_view.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kraft/metadata_record.h"

#define RES_TOPIC 2
#define RES_BROKER 4

typedef struct view {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    int timeout_ms;
    kr_image *img;
    mg_cluster_view_stats *st;
    uint32_t next_id; /* synthetic topic / ACL ids: librdkafka 2.0.2 shows none */
} view;

static kr_uuid synthetic_id(view *v) {
    kr_uuid u;
    memset(&u, 0, sizeof u);
    uint32_t n = ++v->next_id;
    uint8_t *b = (uint8_t *)&u;
    b[0] = 0x7e; /* never zero, never the metadata topic id */
    b[12] = (uint8_t)(n >> 24), b[13] = (uint8_t)(n >> 16), b[14] = (uint8_t)(n >> 8), b[15] = (uint8_t)n;
    return u;
}

static int apply(view *v, kr_metadata_record *rec, kr_error *err) {
    int rc = kr_image_apply(v->img, rec, err);
    return rc ? kr_error_wrap(err, "cluster view") : KR_OK;
}

static rd_kafka_event_t *wait_result(view *v, const char *what, kr_error *err) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(v->q, v->timeout_ms + 5000);
    if (!ev) {
        kr_fail(err, KR_ERR_IO, "%s: no answer within %d ms", what, v->timeout_ms + 5000);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        kr_fail(err, KR_ERR_IO, "%s failed: %s", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *options(view *v, rd_kafka_admin_op_t op) {
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(v->rk, op);
    char e[256];
    if (o) rd_kafka_AdminOptions_set_request_timeout(o, v->timeout_ms, e, sizeof e);
    return o;
}

/* ---- topics and partitions ---------------------------------------------------------- */

static int add_topics(view *v, const rd_kafka_metadata_t *md, kr_error *err) {
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (t->err)
            return kr_fail(err, KR_ERR_INVALID, "Metadata: topic %s: %s", t->topic, rd_kafka_err2str(t->err));
        kr_metadata_record rec;
        kr_uuid id = synthetic_id(v);
        kr_metadata_record_init(&rec, KR_REC_TOPIC_RECORD, 0);
        rec.u.TopicRecord.Name = kr_str_c(t->topic);
        rec.u.TopicRecord.TopicId = id;
        int rc = apply(v, &rec, err);
        for (int p = 0; rc == KR_OK && p < t->partition_cnt; p++) {
            const rd_kafka_metadata_partition_t *pm = &t->partitions[p];
            kr_metadata_record_init(&rec, KR_REC_PARTITION_RECORD, 0);
            kr_PartitionRecord *pr = &rec.u.PartitionRecord;
            pr->PartitionId = pm->id;
            pr->TopicId = id;
            pr->Replicas = (kr_array_i32){pm->replicas, pm->replica_cnt};
            pr->Isr = (kr_array_i32){pm->isrs, pm->isr_cnt};
            pr->Leader = pm->leader;
            rc = apply(v, &rec, err);
            v->st->partitions++;
        }
        if (rc) return rc;
        v->st->topics++;
    }
    return KR_OK;
}

/* ---- configs ------------------------------------------------------------------------ */

static int add_config(view *v, int8_t type, const char *resource, const rd_kafka_ConfigEntry_t *e, kr_error *err) {
    kr_metadata_record rec;
    kr_metadata_record_init(&rec, KR_REC_CONFIG_RECORD, 0);
    rec.u.ConfigRecord.ResourceType = type;
    rec.u.ConfigRecord.ResourceName = kr_str_c(resource);
    rec.u.ConfigRecord.Name = kr_str_c(rd_kafka_ConfigEntry_name(e));
    /* sensitive values come back null (a null value would delete the key): a placeholder */
    const char *value = rd_kafka_ConfigEntry_value(e);
    rec.u.ConfigRecord.Value =
        kr_str_c(rd_kafka_ConfigEntry_is_sensitive(e) || !value ? MG_CLUSTER_VIEW_HIDDEN : value);
    v->st->configs++;
    return apply(v, &rec, err);
}

/* Folds the dynamic entries of described resources. Broker "" collects default entries. */
static int fold_configs(view *v, const rd_kafka_ConfigResource_t **res, size_t n, bool defaults, kr_error *err) {
    for (size_t i = 0; i < n; i++) {
        const char *name = rd_kafka_ConfigResource_name(res[i]);
        rd_kafka_ResourceType_t type = rd_kafka_ConfigResource_type(res[i]);
        if (rd_kafka_ConfigResource_error(res[i]))
            return kr_fail(err, KR_ERR_INVALID, "DescribeConfigs %s %s: %s",
                           type == RD_KAFKA_RESOURCE_TOPIC ? "topic" : "broker", name,
                           rd_kafka_ConfigResource_error_string(res[i]) ? rd_kafka_ConfigResource_error_string(res[i])
                                                                        : rd_kafka_err2str(rd_kafka_ConfigResource_error(res[i])));
        size_t cn = 0;
        const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(res[i], &cn);
        for (size_t k = 0; k < cn; k++) {
            rd_kafka_ConfigSource_t src = rd_kafka_ConfigEntry_source(entries[k]);
            int rc = KR_OK;
            if (type == RD_KAFKA_RESOURCE_TOPIC && src == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
                rc = add_config(v, RES_TOPIC, name, entries[k], err);
            else if (type == RD_KAFKA_RESOURCE_BROKER && src == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG)
                rc = add_config(v, RES_BROKER, name, entries[k], err);
            else if (type == RD_KAFKA_RESOURCE_BROKER && defaults &&
                     src == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG)
                rc = add_config(v, RES_BROKER, "", entries[k], err);
            if (rc) return rc;
        }
    }
    return KR_OK;
}

static int describe(view *v, rd_kafka_ConfigResource_t **crs, size_t n, bool defaults, const char *what,
                    kr_error *err) {
    rd_kafka_AdminOptions_t *o = options(v, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(v->rk, crs, n, o, v->q);
    rd_kafka_event_t *ev = wait_result(v, what, err);
    int rc = ev ? KR_OK : (int)err->code;
    if (ev) {
        size_t rn = 0;
        const rd_kafka_ConfigResource_t **res =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &rn);
        rc = fold_configs(v, res, rn, defaults, err);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    return rc;
}

static int add_configs(view *v, const rd_kafka_metadata_t *md, kr_error *err) {
    int rc = KR_OK;
    if (md->topic_cnt > 0) {
        rd_kafka_ConfigResource_t **crs = calloc((size_t)md->topic_cnt, sizeof *crs);
        if (!crs) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
        for (int i = 0; i < md->topic_cnt; i++) crs[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, md->topics[i].topic);
        rc = describe(v, crs, (size_t)md->topic_cnt, false, "DescribeConfigs (topics)", err);
        for (int i = 0; i < md->topic_cnt; i++) rd_kafka_ConfigResource_destroy(crs[i]);
        free(crs);
    }
    /* librdkafka sends a broker resource to that broker: one per call */
    for (int i = 0; rc == KR_OK && i < md->broker_cnt; i++) {
        char id[16], what[64];
        snprintf(id, sizeof id, "%d", md->brokers[i].id);
        snprintf(what, sizeof what, "DescribeConfigs (broker %s)", id);
        rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, id);
        rc = describe(v, &cr, 1, i == 0, what, err);
        rd_kafka_ConfigResource_destroy(cr);
    }
    return rc;
}

/* ---- ACLs, brokers --------------------------------------------------------------------- */

static int add_acls(view *v, kr_error *err) {
    char e[256];
    rd_kafka_AclBindingFilter_t *f =
        rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL, NULL,
                                      RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, e, sizeof e);
    if (!f) return kr_fail(err, KR_ERR_INVALID, "DescribeAcls filter: %s", e);
    rd_kafka_AdminOptions_t *o = options(v, RD_KAFKA_ADMIN_OP_DESCRIBEACLS);
    rd_kafka_DescribeAcls(v->rk, f, o, v->q);
    rd_kafka_event_t *ev = wait_result(v, "DescribeAcls", err);
    int rc = ev ? KR_OK : (int)err->code;
    if (ev) {
        size_t n = 0;
        const rd_kafka_AclBinding_t **acls = rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
        for (size_t i = 0; rc == KR_OK && i < n; i++) {
            /* types librdkafka 2.0.2 does not know (transactional id, token, user) read as UNKNOWN */
            if (rd_kafka_AclBinding_restype(acls[i]) == RD_KAFKA_RESOURCE_UNKNOWN) continue;
            kr_metadata_record rec;
            kr_metadata_record_init(&rec, KR_REC_ACCESS_CONTROL_ENTRY_RECORD, 0);
            kr_AccessControlEntryRecord *a = &rec.u.AccessControlEntryRecord;
            a->Id = synthetic_id(v);
            a->ResourceType = (int8_t)rd_kafka_AclBinding_restype(acls[i]);
            a->ResourceName = kr_str_c(rd_kafka_AclBinding_name(acls[i]));
            a->PatternType = (int8_t)rd_kafka_AclBinding_resource_pattern_type(acls[i]);
            a->Principal = kr_str_c(rd_kafka_AclBinding_principal(acls[i]));
            a->Host = kr_str_c(rd_kafka_AclBinding_host(acls[i]));
            a->Operation = (int8_t)rd_kafka_AclBinding_operation(acls[i]);
            a->PermissionType = (int8_t)rd_kafka_AclBinding_permission_type(acls[i]);
            rc = apply(v, &rec, err);
            v->st->acls++;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_AclBinding_destroy(f);
    return rc;
}

/* Brokers are registered so callers know whose per-broker configs were visible. */
static int add_brokers(view *v, const rd_kafka_metadata_t *md, kr_error *err) {
    for (int i = 0; i < md->broker_cnt; i++) {
        kr_metadata_record rec;
        kr_metadata_record_init(&rec, KR_REC_REGISTER_BROKER_RECORD, 0);
        rec.u.RegisterBrokerRecord.BrokerId = md->brokers[i].id;
        rec.u.RegisterBrokerRecord.IncarnationId = synthetic_id(v);
        int rc = apply(v, &rec, err);
        if (rc) return rc;
        v->st->brokers++;
    }
    return KR_OK;
}

int mg_cluster_view_read(const mg_cluster_view_options *o, kr_image *img, mg_cluster_view_stats *st, kr_error *err) {
    memset(st, 0, sizeof *st);
    st->controller_id = -1;
    view v = {.timeout_ms = o->timeout_ms ? (int)o->timeout_ms : 10000, .img = img, .st = st};
    char e[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->bootstrap, e, sizeof e) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", "zk2kraft-verify", e, sizeof e) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "0", e, sizeof e) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return kr_fail(err, KR_ERR_INVALID, "librdkafka configuration: %s", e);
    }
    v.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!v.rk) {
        rd_kafka_conf_destroy(conf);
        return kr_fail(err, KR_ERR_INVALID, "librdkafka: %s", e);
    }
    v.q = rd_kafka_queue_new(v.rk);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t me = rd_kafka_metadata(v.rk, 1, NULL, &md, v.timeout_ms);
    int rc = me ? kr_fail(err, KR_ERR_IO, "Metadata: %s", rd_kafka_err2str(me)) : KR_OK;
    if (rc == KR_OK) {
        char *cid = rd_kafka_clusterid(v.rk, v.timeout_ms);
        if (cid) snprintf(st->cluster_id, sizeof st->cluster_id, "%s", cid);
        if (cid) rd_kafka_mem_free(v.rk, cid);
        st->controller_id = rd_kafka_controllerid(v.rk, v.timeout_ms);
        rc = add_brokers(&v, md, err);
    }
    if (rc == KR_OK) rc = add_topics(&v, md, err);
    if (rc == KR_OK) rc = add_configs(&v, md, err);
    if (rc == KR_OK) rc = add_acls(&v, err);
    if (rc) kr_error_wrap(err, "%s", o->bootstrap);
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_queue_destroy(v.q);
    rd_kafka_destroy(v.rk);
    return rc;
}
