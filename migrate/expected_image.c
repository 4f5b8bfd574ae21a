#include "migrate/expected_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/convert.h"

static const char *const SET_KEYS[] = {"topics", "configs", "client_quotas", "scram_credentials", "acls",
                                       "delegation_tokens", "brokers", "controllers"};

typedef struct keyed {
    char *key;
    json_t *v;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
    return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

/* Sorts an array's elements by their canonical text (in a copy). */
static json_t *sorted_array(json_t *a) {
    size_t n = json_array_size(a);
    keyed *k = calloc(n ? n : 1, sizeof *k);
    json_t *out = json_array();
    if (!k || !out) {
        free(k);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].v = json_array_get(a, i);
        k[i].key = json_dumps(k[i].v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    }
    qsort(k, n, sizeof *k, keyed_cmp);
    for (size_t i = 0; i < n; i++) {
        json_array_append(out, k[i].v);
        free(k[i].key);
    }
    free(k);
    return out;
}

/* A deep copy with ACL ids dropped, minted ids resolved, set collections sorted. */
static json_t *normalize(const json_t *img, const json_t *expected_topics, char *why, size_t cap) {
    json_t *c = json_deep_copy(img);
    if (!json_is_object(c)) {
        json_decref(c);
        snprintf(why, cap, "not a JSON object");
        return NULL;
    }
    json_t *acls = json_object_get(c, "acls"), *e;
    size_t i;
    json_array_foreach(acls, i, e) json_object_del(e, "id");
    if (expected_topics) {
        json_t *topics = json_object_get(c, "topics");
        json_array_foreach(topics, i, e) {
            const char *name = json_string_value(json_object_get(e, "name"));
            const char *id = json_string_value(json_object_get(e, "id"));
            json_t *x;
            size_t k;
            bool minted = false;
            json_array_foreach(expected_topics, k, x) {
                const char *xn = json_string_value(json_object_get(x, "name"));
                const char *xi = json_string_value(json_object_get(x, "id"));
                if (name && xn && xi && !strcmp(name, xn) && !strcmp(xi, MG_MINTED_ID)) minted = true;
            }
            if (!minted) continue;
            kr_uuid u;
            if (!id || !kr_uuid_from_text(id, &u) || !mg_uuid_is_mintable(&u)) {
                snprintf(why, cap, "topic %s: id %s is not a usable minted id", name, id ? id : "(none)");
                json_decref(c);
                return NULL;
            }
            json_t *y;
            size_t j;
            json_array_foreach(topics, j, y) {
                const char *yi = json_string_value(json_object_get(y, "id"));
                if (j != i && yi && !strcmp(yi, id)) {
                    snprintf(why, cap, "topic %s: minted id %s is also another topic's id", name, id);
                    json_decref(c);
                    return NULL;
                }
            }
            json_object_set_new(e, "id", json_string(MG_MINTED_ID));
        }
    }
    for (size_t k = 0; k < sizeof SET_KEYS / sizeof *SET_KEYS; k++) {
        json_t *a = json_object_get(c, SET_KEYS[k]);
        if (!json_is_array(a)) continue;
        json_t *s = sorted_array(a);
        if (s) json_object_set_new(c, SET_KEYS[k], s);
    }
    return c;
}

static void abbreviate(const json_t *v, char *out, size_t cap) {
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    snprintf(out, cap, "%s", s ? s : "(absent)");
    if (s && strlen(s) >= cap && cap > 4) memcpy(out + cap - 4, "...", 4);
    free(s);
}

/* First difference as a path; false when one is found. */
static bool first_diff(const json_t *a, const json_t *b, char *path, size_t plen, size_t pcap, char *why,
                       size_t cap) {
    if (json_equal((json_t *)a, (json_t *)b)) return true;
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            int n = snprintf(path + plen, pcap - plen, ".%s", k);
            if (!first_diff(v, json_object_get(b, k), path, plen + (size_t)n, pcap, why, cap)) return false;
        }
        json_object_foreach((json_t *)b, k, v) {
            if (!json_object_get(a, k)) {
                snprintf(path + plen, pcap - plen, ".%s", k);
                char got[160];
                abbreviate(v, got, sizeof got);
                snprintf(why, cap, "%s: not expected, got %s", path, got);
                return false;
            }
        }
    } else if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            int n = snprintf(path + plen, pcap - plen, "[%zu]", i);
            if (!first_diff(json_array_get(a, i), json_array_get(b, i), path, plen + (size_t)n, pcap, why, cap))
                return false;
        }
    }
    char want[200], got[200];
    abbreviate(a, want, sizeof want);
    abbreviate(b, got, sizeof got);
    path[plen] = '\0';
    snprintf(why, cap, "%s: expected %s, got %s", plen ? path : "(root)", want, got);
    return false;
}

bool mg_expected_image_matches(const json_t *expected, const json_t *actual, char *why, size_t why_cap) {
    why[0] = '\0';
    json_t *exp_topics = json_object_get(expected, "topics");
    json_t *a = normalize(expected, NULL, why, why_cap);
    if (!a) return false;
    json_t *b = normalize(actual, exp_topics, why, why_cap);
    if (!b) {
        json_decref(a);
        return false;
    }
    char path[1024] = "";
    bool same = first_diff(a, b, path, 0, sizeof path, why, why_cap);
    json_decref(a);
    json_decref(b);
    return same;
}
