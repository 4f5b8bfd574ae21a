#include "kraft/controller_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kraft/sasl_server.h"

static const char *const KNOWN_KEYS[] = {
    "process.roles", "node.id", "controller.quorum.voters", "listeners",
    "controller.listener.names", "listener.security.protocol.map", "metadata.log.dir", "log.dirs",
    "controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms",
    "controller.quorum.election.backoff.max.ms", "controller.quorum.request.timeout.ms",
    "controller.quorum.retry.backoff.ms", "controller.quorum.append.linger.ms",
    "metadata.max.idle.interval.ms", "metadata.log.max.record.bytes.between.snapshots",
    "metadata.log.segment.bytes", "log.level", "advertised.listeners", "sasl.enabled.mechanisms",
    "controller.client.endpoints", "zookeeper.metadata.migration.enable", "zookeeper.connect",
    "zookeeper.session.timeout.ms", "zookeeper.set.acl", "zookeeper.auth", "password.encoder.secret",
    "zookeeper.metadata.migration.reconcile.interval.ms",
};

void kr_controller_config_defaults(kr_controller_config *c) {
    memset(c, 0, sizeof *c);
    c->node_id = -1;
    c->election_timeout_ms = 1000;
    c->fetch_timeout_ms = 2000;
    c->election_backoff_max_ms = 1000;
    c->request_timeout_ms = 2000;
    c->retry_backoff_ms = 20;
    c->append_linger_ms = 25;
    c->max_idle_interval_ms = 500;
    c->snapshot_max_bytes = 20ull * 1024 * 1024;
    c->segment_bytes = 1024ull * 1024 * 1024;
    c->log_level = KR_LOG_LEVEL_INFO;
    c->zk_session_timeout_ms = 18000;
}

bool kr_log_level_parse(const char *text, kr_log_level *out) {
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(text, names[i])) {
            *out = (kr_log_level)i;
            return true;
        }
    return false;
}

static void trim(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    size_t k = 0;
    while (s[k] == ' ' || s[k] == '\t') k++;
    memmove(s, s + k, n - k + 1);
}

static bool parse_u64(const char *text, uint64_t max, uint64_t *out) {
    if (!text || !*text || *text == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

static int get_u64(const kr_properties *p, const char *key, uint64_t min, uint64_t max, uint64_t *out,
                   kr_error *err) {
    const char *v = kr_properties_get(p, key);
    if (!v) return KR_OK;
    uint64_t x;
    if (!parse_u64(v, max, &x) || x < min)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s = '%s' is not an integer in [%llu, %llu]", p->name,
                       key, v, (unsigned long long)min, (unsigned long long)max);
    *out = x;
    return KR_OK;
}

static int get_ms(const kr_properties *p, const char *key, uint32_t min, uint32_t *out, kr_error *err) {
    uint64_t v = *out;
    int rc = get_u64(p, key, min, INT32_MAX, &v, err);
    *out = (uint32_t)v;
    return rc;
}

/* "HOST:PORT" (host may be [v6]) into host/port. */
static bool split_host_port(const char *text, char *host, size_t cap, uint16_t *port) {
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text) return false;
    size_t hl = (size_t)(colon - text);
    const char *h = text;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= cap) return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    uint64_t v;
    if (!parse_u64(colon + 1, 65535, &v)) return false;
    *port = (uint16_t)v;
    return true;
}

static int parse_endpoint_list(const kr_properties *p, const char *key, const char *v, kr_controller_voter *out,
                               size_t *count, kr_error *err);

static int parse_voters(const kr_properties *p, kr_controller_config *c, kr_error *err) {
    const char *v = kr_properties_get(p, "controller.quorum.voters");
    if (!v || !*v)
        return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters is required (id@host:port,...)",
                       p->name);
    return parse_endpoint_list(p, "controller.quorum.voters", v, c->voters, &c->voter_count, err);
}

/* "id@host:port,..." (controller.quorum.voters, controller.client.endpoints). */
static int parse_endpoint_list(const kr_properties *p, const char *key, const char *v, kr_controller_voter *out,
                               size_t *count, kr_error *err) {
    char buf[8192];
    if (snprintf(buf, sizeof buf, "%s", v) >= (int)sizeof buf)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s is too long", p->name, key);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        if (!*tok) continue;
        char *at = strchr(tok, '@');
        uint64_t id;
        if (*count == KR_RAFT_MAX_VOTERS)
            return kr_fail(err, KR_ERR_INVALID, "%s: %s: more than %d voters",
                           p->name, key, KR_RAFT_MAX_VOTERS);
        kr_controller_voter *vt = &out[*count];
        if (!at) return kr_fail(err, KR_ERR_INVALID, "%s: %s: '%s' is not id@host:port", p->name, key, tok);
        *at = '\0';
        if (!parse_u64(tok, INT32_MAX, &id) || !split_host_port(at + 1, vt->host, sizeof vt->host, &vt->port) ||
            vt->port == 0)
            return kr_fail(err, KR_ERR_INVALID, "%s: %s: '%s@%s' is not id@host:port",
                           p->name, key, tok, at + 1);
        vt->id = (int32_t)id;
        for (size_t i = 0; i < *count; i++)
            if (out[i].id == vt->id)
                return kr_fail(err, KR_ERR_INVALID, "%s: %s: voter %d is listed twice",
                               p->name, key, vt->id);
        (*count)++;
    }
    if (!*count) return kr_fail(err, KR_ERR_INVALID, "%s: %s lists no voter", p->name, key);
    return KR_OK;
}

/* The listener named by controller.listener.names (its first name) and its protocol. */
static int parse_listener(const kr_properties *p, kr_controller_config *c, kr_error *err) {
    const char *names = kr_properties_get(p, "controller.listener.names");
    if (!names || !*names)
        return kr_fail(err, KR_ERR_INVALID, "%s: controller.listener.names is required", p->name);
    snprintf(c->listener_name, sizeof c->listener_name, "%.*s", (int)strcspn(names, ","), names);
    trim(c->listener_name);
    const char *ls = kr_properties_get(p, "listeners");
    if (!ls || !*ls) return kr_fail(err, KR_ERR_INVALID, "%s: listeners is required", p->name);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", ls);
    bool found = false;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && !found; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        char *sep = strstr(tok, "://");
        if (!sep) return kr_fail(err, KR_ERR_INVALID, "%s: listeners: '%s' is not NAME://host:port", p->name, tok);
        *sep = '\0';
        if (strcmp(tok, c->listener_name) != 0) continue;
        found = true;
        const char *hp = sep + 3;
        if (!split_host_port(hp, c->listen_host, sizeof c->listen_host, &c->listen_port)) {
            if (hp[0] == ':' && split_host_port(hp, c->listen_host, sizeof c->listen_host, &c->listen_port))
                ;
            else if (hp[0] == ':') { /* ":9093": every interface */
                uint64_t port;
                if (!parse_u64(hp + 1, 65535, &port))
                    return kr_fail(err, KR_ERR_INVALID, "%s: listeners: bad port in '%s'", p->name, hp);
                snprintf(c->listen_host, sizeof c->listen_host, "0.0.0.0");
                c->listen_port = (uint16_t)port;
            } else {
                return kr_fail(err, KR_ERR_INVALID, "%s: listeners: '%s' is not host:port", p->name, hp);
            }
        }
    }
    if (!found)
        return kr_fail(err, KR_ERR_INVALID, "%s: listeners has no %s listener (controller.listener.names)",
                       p->name, c->listener_name);
    const char *map = kr_properties_get(p, "listener.security.protocol.map");
    const char *proto = NULL;
    char mbuf[4096];
    if (map) {
        snprintf(mbuf, sizeof mbuf, "%s", map);
        for (char *tok = strtok_r(mbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            trim(tok);
            char *colon = strchr(tok, ':');
            if (!colon)
                return kr_fail(err, KR_ERR_INVALID, "%s: listener.security.protocol.map: '%s' is not NAME:PROTOCOL",
                               p->name, tok);
            *colon = '\0';
            if (!strcmp(tok, c->listener_name)) proto = colon + 1;
        }
    }
    if (!proto && !strcmp(c->listener_name, "PLAINTEXT")) proto = "PLAINTEXT";
    if (!proto)
        return kr_fail(err, KR_ERR_INVALID, "%s: listener.security.protocol.map has no entry for listener %s",
                       p->name, c->listener_name);
    if (strcmp(proto, "PLAINTEXT") != 0)
        return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: listener.security.protocol.map: %s uses %s; only PLAINTEXT is supported",
                       p->name, c->listener_name, proto);
    return KR_OK;
}

/* The protocol of listener `name` in listener.security.protocol.map (a
 * listener named like a protocol maps to it by default); NULL if none. */
static const char *listener_protocol(const kr_properties *p, const char *name, char *buf, size_t cap) {
    const char *map = kr_properties_get(p, "listener.security.protocol.map");
    char mbuf[4096];
    snprintf(mbuf, sizeof mbuf, "%s", map ? map : "");
    char *save = NULL;
    for (char *tok = strtok_r(mbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        char *colon = strchr(tok, ':');
        if (!colon) continue;
        *colon = '\0';
        if (!strcmp(tok, name)) {
            snprintf(buf, cap, "%s", colon + 1);
            trim(buf);
            return buf;
        }
    }
    if (!strcmp(name, "PLAINTEXT") || !strcmp(name, "SASL_PLAINTEXT")) return name;
    return NULL;
}

/* Finds NAME://host:port in a listeners-style list: the first entry whose
 * name is (want != NULL) want, or (skip) any name but skip. */
static bool find_listener(const char *list, const char *want, const char *skip, char *name, size_t ncap,
                          char *host, size_t hcap, uint16_t *port) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list ? list : "");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        char *sep = strstr(tok, "://");
        if (!sep) continue;
        *sep = '\0';
        if ((want && strcmp(tok, want) != 0) || (skip && !strcmp(tok, skip))) continue;
        snprintf(name, ncap, "%s", tok);
        const char *hp = sep + 3;
        if (hp[0] == ':') {
            snprintf(host, hcap, "0.0.0.0");
            uint64_t v;
            if (!parse_u64(hp + 1, 65535, &v)) return false;
            *port = (uint16_t)v;
            return true;
        }
        return split_host_port(hp, host, hcap, port);
    }
    return false;
}

static int parse_client_listener(const kr_properties *p, kr_controller_config *c, kr_error *err) {
    const char *ls = kr_properties_get(p, "listeners");
    char name[64];
    if (!find_listener(ls, NULL, c->listener_name, name, sizeof name, c->client_listen_host,
                       sizeof c->client_listen_host, &c->client_listen_port))
        return KR_OK; /* no client listener (or none that parses: the controller listener was checked) */
    snprintf(c->client_listener_name, sizeof c->client_listener_name, "%s", name);
    char pbuf[64];
    const char *proto = listener_protocol(p, name, pbuf, sizeof pbuf);
    if (!proto)
        return kr_fail(err, KR_ERR_INVALID, "%s: listener.security.protocol.map has no entry for listener %s",
                       p->name, name);
    if (!strcmp(proto, "SASL_PLAINTEXT")) {
        const char *mechs = kr_properties_get(p, "sasl.enabled.mechanisms");
        int rc = kr_sasl_parse_mechanisms(mechs ? mechs : "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
                                          &c->client_sasl_mechanisms, err);
        if (rc != KR_OK) return kr_error_wrap(err, "%s: sasl.enabled.mechanisms", p->name);
        if (!c->client_sasl_mechanisms)
            return kr_fail(err, KR_ERR_INVALID, "%s: sasl.enabled.mechanisms is empty", p->name);
    } else if (strcmp(proto, "PLAINTEXT") != 0) {
        return kr_fail(err, KR_ERR_UNSUPPORTED,
                       "%s: listener.security.protocol.map: %s uses %s; only PLAINTEXT and SASL_PLAINTEXT are supported",
                       p->name, name, proto);
    }
    char aname[64];
    if (!find_listener(kr_properties_get(p, "advertised.listeners"), name, NULL, aname, sizeof aname,
                       c->client_advertised_host, sizeof c->client_advertised_host, &c->client_advertised_port)) {
        snprintf(c->client_advertised_host, sizeof c->client_advertised_host, "%s", c->client_listen_host);
        c->client_advertised_port = c->client_listen_port;
    }
    /* every interface and nothing advertised: this host's name, as Kafka does */
    if ((!strcmp(c->client_advertised_host, "0.0.0.0") || !strcmp(c->client_advertised_host, "::")) &&
        gethostname(c->client_advertised_host, sizeof c->client_advertised_host) != 0)
        return kr_fail(err, KR_ERR_INVALID, "%s: listener %s binds every interface: set advertised.listeners=%s://host:port",
                       p->name, name, name);
    c->client_advertised_host[sizeof c->client_advertised_host - 1] = '\0';
    const char *eps = kr_properties_get(p, "controller.client.endpoints");
    if (eps && *eps) {
        int rc = parse_endpoint_list(p, "controller.client.endpoints", eps, c->client_endpoints,
                                     &c->client_endpoint_count, err);
        if (rc != KR_OK) return rc;
    }
    /* this node's own entry is always its advertised listener */
    size_t self = c->client_endpoint_count;
    for (size_t i = 0; i < c->client_endpoint_count; i++)
        if (c->client_endpoints[i].id == c->node_id) self = i;
    if (self == c->client_endpoint_count) {
        if (self == KR_RAFT_MAX_VOTERS)
            return kr_fail(err, KR_ERR_INVALID, "%s: controller.client.endpoints: too many entries", p->name);
        c->client_endpoint_count++;
    }
    kr_controller_voter *me = &c->client_endpoints[self];
    me->id = c->node_id;
    snprintf(me->host, sizeof me->host, "%s", c->client_advertised_host);
    me->port = c->client_advertised_port;
    return KR_OK;
}

static int get_bool(const kr_properties *p, const char *key, bool *out, kr_error *err) {
    const char *v = kr_properties_get(p, key);
    if (!v) return KR_OK;
    if (!strcasecmp(v, "true")) *out = true;
    else if (!strcasecmp(v, "false")) *out = false;
    else return kr_fail(err, KR_ERR_INVALID, "%s: %s = '%s' is not true or false", p->name, key, v);
    return KR_OK;
}

/* A string value into a fixed buffer; `secret` keeps the value out of the message. */
static int get_text(const kr_properties *p, const char *key, bool secret, char *out, size_t cap, kr_error *err) {
    const char *v = kr_properties_get(p, key);
    if (!v) return KR_OK;
    if (strlen(v) >= cap)
        return kr_fail(err, KR_ERR_INVALID, "%s: %s%s%s is longer than %zu bytes", p->name, key,
                       secret ? "" : " = ", secret ? "" : v, cap - 1);
    memcpy(out, v, strlen(v) + 1);
    return KR_OK;
}

/* zookeeper.* and password.encoder.secret (docs/dual-write.md). */
static int parse_migration(const kr_properties *p, kr_controller_config *c, kr_error *err) {
    int rc;
    if ((rc = get_bool(p, "zookeeper.metadata.migration.enable", &c->migration_enabled, err)) ||
        (rc = get_bool(p, "zookeeper.set.acl", &c->zk_set_acl, err)) ||
        (rc = get_text(p, "zookeeper.connect", false, c->zk_connect, sizeof c->zk_connect, err)) ||
        (rc = get_text(p, "zookeeper.auth", true, c->zk_auth, sizeof c->zk_auth, err)) ||
        (rc = get_text(p, "password.encoder.secret", true, c->password_encoder_secret,
                       sizeof c->password_encoder_secret, err)) ||
        (rc = get_ms(p, "zookeeper.session.timeout.ms", 1, &c->zk_session_timeout_ms, err)) ||
        (rc = get_ms(p, "zookeeper.metadata.migration.reconcile.interval.ms", 0,
                     &c->migration_reconcile_interval_ms, err)))
        return rc;
    trim(c->zk_connect);
    if (c->migration_enabled && !c->zk_connect[0])
        return kr_fail(err, KR_ERR_INVALID,
                       "%s: zookeeper.metadata.migration.enable=true requires zookeeper.connect", p->name);
    if (c->zk_auth[0]) {
        const char *colon = strchr(c->zk_auth, ':');
        if (!colon || colon == c->zk_auth || !colon[1])
            return kr_fail(err, KR_ERR_INVALID, "%s: zookeeper.auth is not scheme:credential (digest:user:password)",
                           p->name);
    }
    return KR_OK;
}

static int parse_roles(const kr_properties *p, kr_error *err) {
    const char *roles = kr_properties_get(p, "process.roles");
    if (!roles) return kr_fail(err, KR_ERR_INVALID, "%s: process.roles is required (controller)", p->name);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", roles);
    char *save = NULL;
    bool controller = false;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        if (!strcmp(tok, "controller")) controller = true;
        else if (strcmp(tok, "broker") != 0)
            return kr_fail(err, KR_ERR_INVALID, "%s: process.roles: unknown role '%s'", p->name, tok);
    }
    if (!controller)
        return kr_fail(err, KR_ERR_INVALID, "%s: process.roles = '%s' does not include controller", p->name, roles);
    return KR_OK;
}

int kr_controller_config_from_properties(const kr_properties *p, kr_controller_config *c,
                                         const kr_logger *lg, kr_error *err) {
    for (int32_t i = 0; i < p->n; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof KNOWN_KEYS / sizeof *KNOWN_KEYS; k++)
            if (!strcmp(p->v[i].key, KNOWN_KEYS[k])) known = true;
        if (!known)
            kr_logger_printf(lg, KR_LOG_LEVEL_DEBUG, "%s:%d: ignoring key %s", p->name, p->v[i].line,
                             p->v[i].key);
    }
    int rc = parse_roles(p, err);
    if (rc != KR_OK) return rc;
    uint64_t id = UINT64_MAX;
    rc = get_u64(p, "node.id", 0, INT32_MAX, &id, err);
    if (rc != KR_OK) return rc;
    if (id == UINT64_MAX) return kr_fail(err, KR_ERR_INVALID, "%s: node.id is required", p->name);
    c->node_id = (int32_t)id;
    if ((rc = parse_voters(p, c, err)) != KR_OK) return rc;
    if ((rc = parse_listener(p, c, err)) != KR_OK) return rc;
    if ((rc = parse_client_listener(p, c, err)) != KR_OK) return rc;
    c->static_config = p;
    const char *dir = kr_properties_get(p, "metadata.log.dir");
    const char *dirs = kr_properties_get(p, "log.dirs");
    if (dir && *dir) snprintf(c->metadata_log_dir, sizeof c->metadata_log_dir, "%s", dir);
    else if (dirs && *dirs) snprintf(c->metadata_log_dir, sizeof c->metadata_log_dir, "%.*s", (int)strcspn(dirs, ","), dirs);
    else return kr_fail(err, KR_ERR_INVALID, "%s: metadata.log.dir (or log.dirs) is required", p->name);
    if ((rc = get_ms(p, "controller.quorum.election.timeout.ms", 1, &c->election_timeout_ms, err)) ||
        (rc = get_ms(p, "controller.quorum.fetch.timeout.ms", 1, &c->fetch_timeout_ms, err)) ||
        (rc = get_ms(p, "controller.quorum.election.backoff.max.ms", 1, &c->election_backoff_max_ms, err)) ||
        (rc = get_ms(p, "controller.quorum.request.timeout.ms", 1, &c->request_timeout_ms, err)) ||
        (rc = get_ms(p, "controller.quorum.retry.backoff.ms", 0, &c->retry_backoff_ms, err)) ||
        (rc = get_ms(p, "controller.quorum.append.linger.ms", 0, &c->append_linger_ms, err)) ||
        (rc = get_ms(p, "metadata.max.idle.interval.ms", 0, &c->max_idle_interval_ms, err)) ||
        (rc = get_u64(p, "metadata.log.max.record.bytes.between.snapshots", 1, INT64_MAX, &c->snapshot_max_bytes, err)) ||
        (rc = get_u64(p, "metadata.log.segment.bytes", 14, INT32_MAX, &c->segment_bytes, err)))
        return rc;
    const char *lv = kr_properties_get(p, "log.level");
    if (lv && !kr_log_level_parse(lv, &c->log_level))
        return kr_fail(err, KR_ERR_INVALID, "%s: log.level = '%s' is not ERROR, WARN, INFO or DEBUG", p->name, lv);
    return parse_migration(p, c, err);
}
