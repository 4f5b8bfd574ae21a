#include "migrate/controllers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkread/text.h"

static int parse_one(const char *el, mg_controller *c, kr_error *err) {
    const char *at = strchr(el, '@');
    char idtext[16];
    if (!at || at == el || (size_t)(at - el) >= sizeof idtext)
        return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": expected ID@HOST:PORT", el);
    memcpy(idtext, el, (size_t)(at - el));
    idtext[at - el] = '\0';
    if (!zr_parse_i32(idtext, &c->id) || c->id < 0)
        return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": node id must be an integer >= 0", el);
    const char *hp = at + 1, *colon;
    size_t host_len;
    if (*hp == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':')
            return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": bad [IPv6]:PORT", el);
        host_len = (size_t)(close + 1 - hp);
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (!colon) return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": missing :PORT", el);
        host_len = (size_t)(colon - hp);
    }
    if (host_len == 0 || host_len >= MG_HOST_MAX)
        return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": bad host", el);
    memcpy(c->host, hp, host_len);
    c->host[host_len] = '\0';
    int32_t port;
    if (!zr_parse_i32(colon + 1, &port) || port < 1 || port > 65535)
        return kr_fail(err, KR_ERR_INVALID, "controller \"%s\": port must be 1..65535", el);
    c->port = port;
    return 0;
}

int mg_parse_controllers(const char *text, mg_controller *out, size_t cap, size_t *n, kr_error *err) {
    *n = 0;
    char *copy = strdup(text);
    if (!copy) return kr_fail(err, KR_ERR_NOMEM, "out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *el = strtok_r(copy, ",", &save); el && !rc; el = strtok_r(NULL, ",", &save)) {
        while (*el == ' ') el++;
        if (*n >= cap) {
            rc = kr_fail(err, KR_ERR_INVALID, "more than %zu controllers", cap);
            break;
        }
        rc = parse_one(el, &out[*n], err);
        for (size_t i = 0; !rc && i < *n; i++)
            if (out[i].id == out[*n].id)
                rc = kr_fail(err, KR_ERR_INVALID, "controller id %d appears twice", (int)out[i].id);
        if (!rc) (*n)++;
    }
    free(copy);
    if (!rc && *n == 0) rc = kr_fail(err, KR_ERR_INVALID, "no controllers given");
    return rc;
}

void mg_format_voters(const mg_controller *c, size_t n, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%d@%s:%d", i ? "," : "", (int)c[i].id,
                                 c[i].host, c[i].port);
}
