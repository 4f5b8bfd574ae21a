#include "migrate/zk_format.h"

#include "kraft/message.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkread/text.h"

/* ---- a compact JSON writer on kr_buf ------------------------------------------------ */

static void lit(kr_buf *b, const char *s) { kr_put_raw(b, s, strlen(s)); }

static void num(kr_buf *b, int64_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    kr_put_raw(b, tmp, (size_t)n);
}

/* A JSON string as Jackson escapes it: quote, backslash, control characters.
 * Bytes that are not UTF-8 become U+FFFD, as Java decoding the record would. */
static void str(kr_buf *b, const char *s) {
    static const char H[] = "0123456789abcdef";
    kr_put_u8(b, '"');
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80) { /* one code point: its length from the lead byte, then validated */
            size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
            if (len && strnlen(p, len) == len && kr_utf8_valid_prefix((const unsigned char *)p, len) == len) {
                p += len - 1; /* the loop's p++ moves past it */
                continue;
            }
            kr_put_raw(b, run, (size_t)(p - run));
            kr_put_raw(b, "\xef\xbf\xbd", 3);
            run = p + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        kr_put_raw(b, run, (size_t)(p - run));
        run = p + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = H[c >> 4];
            esc[5] = H[c & 15];
        }
        lit(b, esc);
    }
    kr_put_raw(b, run, strlen(run));
    kr_put_u8(b, '"');
}

static void key(kr_buf *b, const char *k) {
    str(b, k);
    kr_put_u8(b, ':');
}

static void ints(kr_buf *b, const kr_ids *ids) {
    kr_put_u8(b, '[');
    for (int32_t i = 0; i < ids->n; i++) {
        if (i) kr_put_u8(b, ',');
        num(b, ids->v[i]);
    }
    kr_put_u8(b, ']');
}

/* ---- topics and partitions ------------------------------------------------------------ */

/* "partitions" / "adding_replicas" / "removing_replicas": id -> list; only non-empty lists
 * for the reassignment maps (Kafka omits partitions that are not being reassigned). */
static void assignment_map(kr_buf *b, const kr_image_topic *t, int which) {
    kr_put_u8(b, '{');
    bool first = true;
    for (int32_t i = 0; i < t->partitions_cap; i++) {
        const kr_image_partition *p = &t->partitions[i];
        if (!p->present) continue;
        const kr_ids *ids = which == 0 ? &p->replicas : which == 1 ? &p->adding_replicas : &p->removing_replicas;
        if (which != 0 && ids->n <= 0) continue;
        if (!first) kr_put_u8(b, ',');
        first = false;
        char k[16];
        snprintf(k, sizeof k, "%d", (int)p->partition_id);
        key(b, k);
        kr_ids none = {NULL, 0};
        ints(b, ids->n < 0 ? &none : ids);
    }
    kr_put_u8(b, '}');
}

bool mg_zkf_topic(kr_buf *out, const kr_image_topic *t) {
    kr_buf_reset(out);
    char id[KR_UUID_TEXT_LEN];
    kr_uuid_to_text(&t->id, id);
    lit(out, "{\"version\":3,\"topic_id\":");
    str(out, id);
    lit(out, ",\"partitions\":");
    assignment_map(out, t, 0);
    lit(out, ",\"adding_replicas\":");
    assignment_map(out, t, 1);
    lit(out, ",\"removing_replicas\":");
    assignment_map(out, t, 2);
    kr_put_u8(out, '}');
    return !out->oom;
}

bool mg_zkf_partition_state(kr_buf *out, const kr_image_partition *p, int32_t controller_epoch) {
    kr_buf_reset(out);
    lit(out, "{\"version\":1,\"leader\":");
    num(out, p->leader);
    lit(out, ",\"leader_epoch\":");
    num(out, p->leader_epoch);
    lit(out, ",\"isr\":");
    kr_ids none = {NULL, 0};
    ints(out, p->isr.n < 0 ? &none : &p->isr);
    lit(out, ",\"controller_epoch\":");
    num(out, controller_epoch);
    if (p->leader_recovery_state == 1) lit(out, ",\"leader_recovery_state\":1");
    kr_put_u8(out, '}');
    return !out->oom;
}

/* ---- configs ---------------------------------------------------------------------------- */

bool mg_zkf_config(kr_buf *out, const mg_zkf_kv *kv, size_t n) {
    kr_buf_reset(out);
    lit(out, "{\"version\":1,\"config\":{");
    for (size_t i = 0; i < n; i++) {
        if (i) kr_put_u8(out, ',');
        key(out, kv[i].key);
        str(out, kv[i].value);
    }
    lit(out, "}}");
    return !out->oom;
}

bool mg_zkf_config_change(kr_buf *out, const char *entity_path) {
    kr_buf_reset(out);
    lit(out, "{\"version\":2,\"entity_path\":");
    str(out, entity_path);
    kr_put_u8(out, '}');
    return !out->oom;
}

/* ---- quotas -------------------------------------------------------------------------------- */

void mg_zkf_java_double(double v, char *buf, size_t cap) {
    if (isnan(v)) {
        snprintf(buf, cap, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, "%sInfinity", v < 0 ? "-" : "");
        return;
    }
    if (v == 0) {
        snprintf(buf, cap, "%s0.0", signbit(v) ? "-" : "");
        return;
    }
    /* Shortest decimal that reads back as v. */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v) break;
    }
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg) p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof digits - 1) digits[nd++] = *p;
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    double a = fabs(v);
    char body[64];
    if (a >= 1e-3 && a < 1e7) {
        if (exp10 >= 0) {
            char ip[24], fp[24];
            size_t ni = (size_t)exp10 + 1, k = 0;
            for (; k < ni; k++) ip[k] = k < nd ? digits[k] : '0';
            ip[ni] = 0;
            if (nd > ni) snprintf(fp, sizeof fp, "%s", digits + ni);
            else snprintf(fp, sizeof fp, "0");
            snprintf(body, sizeof body, "%s.%s", ip, fp);
        } else { /* a >= 1e-3: at most two zeros after the point */
            snprintf(body, sizeof body, "0.%.*s%s", -exp10 - 1, "00", digits);
        }
    } else {
        snprintf(body, sizeof body, "%c.%sE%d", digits[0], nd > 1 ? digits + 1 : "0", exp10);
    }
    snprintf(buf, cap, "%s%s", neg ? "-" : "", body);
}

int mg_zkf_quota_value(const char *k, double v, char *buf, size_t cap, kr_error *err) {
    static const char *const longs[] = {"producer_byte_rate", "consumer_byte_rate", "connection_creation_rate"};
    static const char *const doubles[] = {"request_percentage", "controller_mutation_rate"};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        if (strcmp(k, longs[i])) continue;
        if (!isfinite(v) || fabs(v) > 9.2e18)
            return kr_fail(err, KR_ERR_INVALID, "quota %s = %g is not a long", k, v);
        int64_t l = (int64_t)(v + 1e-6);
        if (fabs(v - (double)l) > 1e-6)
            return kr_fail(err, KR_ERR_INVALID, "quota %s = %g is not an integer", k, v);
        snprintf(buf, cap, "%" PRId64, l);
        return KR_OK;
    }
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        if (strcmp(k, doubles[i])) continue;
        mg_zkf_java_double(v, buf, cap);
        return KR_OK;
    }
    return kr_fail(err, KR_ERR_INVALID, "unknown quota key \"%s\"", k);
}

/* ---- SCRAM -------------------------------------------------------------------------------- */

const char *mg_zkf_scram_mechanism(int8_t m) {
    return m == 1 ? "SCRAM-SHA-256" : m == 2 ? "SCRAM-SHA-512" : NULL;
}

char *mg_zkf_scram(const kr_image_scram *s) {
    size_t cap = 4 * ((size_t)(s->salt_len + s->stored_key_len + s->server_key_len) / 3 + 3) + 96;
    char *out = malloc(cap);
    char *b1 = malloc(4 * ((size_t)s->salt_len / 3 + 1) + 1);
    char *b2 = malloc(4 * ((size_t)s->stored_key_len / 3 + 1) + 1);
    char *b3 = malloc(4 * ((size_t)s->server_key_len / 3 + 1) + 1);
    if (out && b1 && b2 && b3) {
        b1[kr_base64_encode(s->salt, (size_t)s->salt_len, b1, 4 * ((size_t)s->salt_len / 3 + 1) + 1)] = 0;
        b2[kr_base64_encode(s->stored_key, (size_t)s->stored_key_len, b2, 4 * ((size_t)s->stored_key_len / 3 + 1) + 1)] = 0;
        b3[kr_base64_encode(s->server_key, (size_t)s->server_key_len, b3, 4 * ((size_t)s->server_key_len / 3 + 1) + 1)] = 0;
        snprintf(out, cap, "salt=%s,stored_key=%s,server_key=%s,iterations=%d", b1, b2, b3, (int)s->iterations);
    } else {
        free(out);
        out = NULL;
    }
    free(b1);
    free(b2);
    free(b3);
    return out;
}

/* ---- producer ids ----------------------------------------------------------------------------- */

bool mg_zkf_producer_id_block(kr_buf *out, int64_t next) {
    kr_buf_reset(out);
    char tmp[128];
    snprintf(tmp, sizeof tmp, "{\"version\":1,\"broker\":-1,\"block_start\":\"%" PRId64 "\",\"block_end\":\"%" PRId64 "\"}",
             next, next + 999);
    lit(out, tmp);
    return !out->oom;
}

/* ---- ACLs ----------------------------------------------------------------------------------- */

const char *mg_zkf_acl_resource_type(int8_t t) {
    static const char *const names[] = {[2] = "Topic", [3] = "Group", [4] = "Cluster", [5] = "TransactionalId",
                                        [6] = "DelegationToken", [7] = "User"};
    return t >= 2 && t <= 7 ? names[t] : NULL;
}

static const char *acl_resource_enum(int8_t t) {
    static const char *const names[] = {[2] = "TOPIC", [3] = "GROUP", [4] = "CLUSTER", [5] = "TRANSACTIONAL_ID",
                                        [6] = "DELEGATION_TOKEN", [7] = "USER"};
    return t >= 2 && t <= 7 ? names[t] : NULL;
}

const char *mg_zkf_acl_operation(int8_t op) {
    static const char *const names[] = {"Unknown", NULL, "All", "Read", "Write", "Create", "Delete", "Alter",
                                        "Describe", "ClusterAction", "DescribeConfigs", "AlterConfigs",
                                        "IdempotentWrite", "CreateTokens", "DescribeTokens"};
    return op >= 0 && op <= 14 ? names[op] : NULL;
}

const char *mg_zkf_acl_permission(int8_t perm) {
    return perm == 0 ? "Unknown" : perm == 2 ? "Deny" : perm == 3 ? "Allow" : NULL;
}

bool mg_zkf_acls(kr_buf *out, const kr_image_acl *const *e, size_t n) {
    kr_buf_reset(out);
    lit(out, "{\"version\":1,\"acls\":[");
    for (size_t i = 0; i < n; i++) {
        const char *op = mg_zkf_acl_operation(e[i]->operation);
        const char *perm = mg_zkf_acl_permission(e[i]->permission_type);
        if (i) kr_put_u8(out, ',');
        lit(out, "{\"principal\":");
        str(out, e[i]->principal ? e[i]->principal : "");
        lit(out, ",\"permissionType\":");
        str(out, perm ? perm : "Unknown");
        lit(out, ",\"operation\":");
        str(out, op ? op : "Unknown");
        lit(out, ",\"host\":");
        str(out, e[i]->host ? e[i]->host : "");
        kr_put_u8(out, '}');
    }
    lit(out, "]}");
    return !out->oom;
}

bool mg_zkf_acl_path(char *buf, size_t cap, int8_t type, int8_t pattern, const char *name) {
    const char *t = mg_zkf_acl_resource_type(type);
    if (!t || (pattern != 3 && pattern != 4)) return false;
    int n = snprintf(buf, cap, "%s/%s/%s", pattern == 3 ? "/kafka-acl" : "/kafka-acl-extended/prefixed", t, name);
    return n > 0 && (size_t)n < cap;
}

bool mg_zkf_acl_change(kr_buf *out, int8_t type, int8_t pattern, const char *name, const char **prefix) {
    kr_buf_reset(out);
    const char *t = acl_resource_enum(type);
    if (!t) t = "UNKNOWN";
    if (pattern == 3) {
        *prefix = MG_ZKF_ACL_CHANGE_PREFIX;
        lit(out, t);
        kr_put_u8(out, ':');
        lit(out, name);
    } else {
        *prefix = MG_ZKF_ACL_EXT_CHANGE_PREFIX;
        lit(out, "{\"version\":1,\"resourceType\":");
        str(out, t);
        lit(out, ",\"name\":");
        str(out, name);
        lit(out, ",\"patternType\":");
        str(out, pattern == 4 ? "PREFIXED" : "LITERAL");
        kr_put_u8(out, '}');
    }
    return !out->oom;
}

/* ---- delegation tokens -------------------------------------------------------------------- */

char *mg_zkf_sanitize(const char *name) { return zr_sanitize(name); }

static bool sanitized(kr_buf *b, const char *s) {
    char *x = zr_sanitize(s ? s : "");
    if (!x) return false;
    str(b, x);
    free(x);
    return true;
}

bool mg_zkf_token(kr_buf *out, const kr_image_token *t) {
    kr_buf_reset(out);
    bool ok = true;
    lit(out, "{\"version\":3,\"owner\":");
    ok = sanitized(out, t->owner) && ok;
    lit(out, ",\"tokenRequester\":");
    ok = sanitized(out, t->requester ? t->requester : t->owner) && ok;
    lit(out, ",\"renewers\":[");
    for (int32_t i = 0; i < t->renewer_count; i++) {
        if (i) kr_put_u8(out, ',');
        ok = sanitized(out, t->renewers[i]) && ok;
    }
    lit(out, "],\"issueTimestamp\":");
    num(out, t->issue_timestamp_ms);
    lit(out, ",\"maxTimestamp\":");
    num(out, t->max_timestamp_ms);
    lit(out, ",\"expiryTimestamp\":");
    num(out, t->expiration_timestamp_ms);
    lit(out, ",\"tokenId\":");
    str(out, t->token_id ? t->token_id : "");
    kr_put_u8(out, '}');
    return ok && !out->oom;
}
