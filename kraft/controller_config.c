#include "kraft/controller_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const KNOWN_KEYS[] = {
    "process.roles", "node.id", "controller.quorum.voters", "listeners",
    "controller.listener.names", "listener.security.protocol.map", "metadata.log.dir", "log.dirs",
    "controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms",
    "controller.quorum.election.backoff.max.ms", "controller.quorum.request.timeout.ms",
    "controller.quorum.retry.backoff.ms", "controller.quorum.append.linger.ms",
    "metadata.max.idle.interval.ms", "metadata.log.max.record.bytes.between.snapshots",
    "metadata.log.segment.bytes", "log.level",
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

static int parse_voters(const kr_properties *p, kr_controller_config *c, kr_error *err) {
    const char *v = kr_properties_get(p, "controller.quorum.voters");
    if (!v || !*v)
        return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters is required (id@host:port,...)",
                       p->name);
    char buf[8192];
    if (snprintf(buf, sizeof buf, "%s", v) >= (int)sizeof buf)
        return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters is too long", p->name);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        if (!*tok) continue;
        char *at = strchr(tok, '@');
        uint64_t id;
        if (c->voter_count == KR_RAFT_MAX_VOTERS)
            return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters: more than %d voters",
                           p->name, KR_RAFT_MAX_VOTERS);
        kr_controller_voter *vt = &c->voters[c->voter_count];
        if (!at) return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters: '%s' is not id@host:port", p->name, tok);
        *at = '\0';
        if (!parse_u64(tok, INT32_MAX, &id) || !split_host_port(at + 1, vt->host, sizeof vt->host, &vt->port) ||
            vt->port == 0)
            return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters: '%s@%s' is not id@host:port",
                           p->name, tok, at + 1);
        vt->id = (int32_t)id;
        for (size_t i = 0; i < c->voter_count; i++)
            if (c->voters[i].id == vt->id)
                return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters: voter %d is listed twice",
                               p->name, vt->id);
        c->voter_count++;
    }
    if (!c->voter_count)
        return kr_fail(err, KR_ERR_INVALID, "%s: controller.quorum.voters lists no voter", p->name);
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
    return KR_OK;
}
