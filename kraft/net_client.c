#include "kraft/net_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "kraft/kafka_frame.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kr_parse_host_port(const char *text, char *host, size_t host_len, uint16_t *port, kr_error *err) {
    const char *colon;
    const char *h = text;
    size_t hl;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return kr_fail(err, KR_ERR_INVALID, "address '%s': expected [IPv6]:PORT", text);
        h = text + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon) return kr_fail(err, KR_ERR_INVALID, "address '%s': expected HOST:PORT", text);
        hl = (size_t)(colon - text);
    }
    if (hl == 0 || hl >= host_len)
        return kr_fail(err, KR_ERR_INVALID, "address '%s': bad host", text);
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
        return kr_fail(err, KR_ERR_INVALID, "address '%s': port must be 1-65535", text);
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return KR_OK;
}

static int wait_fd(kr_client *c, short events, int64_t deadline_ms, const char *doing, kr_error *err) {
    for (int spins = 0; spins < 1000000; spins++) {
        int64_t left = deadline_ms - now_ms();
        if (left <= 0)
            return kr_fail(err, KR_ERR_IO, "%s: timed out %s after %u ms", c->peer, doing, c->timeout_ms);
        struct pollfd pfd = {.fd = c->fd, .events = events};
        int rc = poll(&pfd, 1, (int)left);
        if (rc > 0) return KR_OK;
        if (rc < 0 && errno != EINTR)
            return kr_fail(err, KR_ERR_IO, "%s: poll: %s", c->peer, strerror(errno));
    }
    return kr_fail(err, KR_ERR_IO, "%s: poll kept failing", c->peer);
}

static int connect_one(kr_client *c, const struct addrinfo *ai, int64_t deadline, kr_error *err) {
    c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (c->fd < 0) return kr_fail(err, KR_ERR_IO, "%s: socket: %s", c->peer, strerror(errno));
    if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        int e = errno;
        kr_client_close(c);
        return kr_fail(err, KR_ERR_IO, "%s: %s", c->peer,
                       e == ECONNREFUSED ? "connection refused" : strerror(e));
    }
    int rc = wait_fd(c, POLLOUT, deadline, "connecting", err);
    if (rc != KR_OK) {
        kr_client_close(c);
        return rc;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
        kr_client_close(c);
        return kr_fail(err, KR_ERR_IO, "%s: %s", c->peer,
                       soerr == ECONNREFUSED ? "connection refused" : strerror(soerr));
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return KR_OK;
}

int kr_client_connect(kr_client *c, const char *host, uint16_t port, uint32_t timeout_ms,
                      kr_error *err) {
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->next_correlation_id = 1;
    c->timeout_ms = timeout_ms ? timeout_ms : 5000;
    c->max_frame_bytes = KR_FRAME_MAX_DEFAULT_BYTES;
    c->client_id = "zk2kraft";
    snprintf(c->peer, sizeof c->peer, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
    char ports[8];
    snprintf(ports, sizeof ports, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, ports, &hints, &res);
    if (gai != 0) return kr_fail(err, KR_ERR_IO, "%s: cannot resolve: %s", c->peer, gai_strerror(gai));
    int64_t deadline = now_ms() + c->timeout_ms;
    int rc = KR_ERR_IO;
    int tries = 0;
    for (struct addrinfo *ai = res; ai && tries < 16; ai = ai->ai_next, tries++) {
        rc = connect_one(c, ai, deadline, err);
        if (rc == KR_OK) break;
    }
    freeaddrinfo(res);
    return rc;
}

void kr_client_close(kr_client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static int send_all(kr_client *c, const uint8_t *p, size_t n, int64_t deadline, kr_error *err) {
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(c->fd, p + off, n - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return kr_fail(err, KR_ERR_IO, "%s: send: %s", c->peer, strerror(errno));
        int rc = wait_fd(c, POLLOUT, deadline, "sending", err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

static int recv_all(kr_client *c, uint8_t *p, size_t n, int64_t deadline, kr_error *err) {
    size_t off = 0;
    while (off < n) {
        ssize_t r = recv(c->fd, p + off, n - off, 0);
        if (r > 0) {
            off += (size_t)r;
            continue;
        }
        if (r == 0) return kr_fail(err, KR_ERR_IO, "%s: connection closed by the server", c->peer);
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return kr_fail(err, KR_ERR_IO, "%s: recv: %s", c->peer, strerror(errno));
        int rc = wait_fd(c, POLLIN, deadline, "waiting for a response", err);
        if (rc != KR_OK) return rc;
    }
    return KR_OK;
}

int kr_client_send_raw(kr_client *c, const void *p, size_t n, kr_error *err) {
    if (c->fd < 0) return kr_fail(err, KR_ERR_IO, "%s: not connected", c->peer);
    return send_all(c, p, n, now_ms() + c->timeout_ms, err);
}

static int recv_frame_by(kr_client *c, uint8_t **frame, size_t *len, int64_t deadline, kr_error *err) {
    *frame = NULL;
    uint8_t sz[4];
    int rc = recv_all(c, sz, 4, deadline, err);
    if (rc != KR_OK) return rc;
    int32_t size = (int32_t)kr_load_u32(sz);
    rc = kr_frame_check_size(size, c->max_frame_bytes, c->peer, err);
    if (rc != KR_OK) return rc;
    uint8_t *buf = malloc((size_t)size);
    if (!buf) return kr_fail(err, KR_ERR_NOMEM, "%s: out of memory for %d bytes", c->peer, size);
    rc = recv_all(c, buf, (size_t)size, deadline, err);
    if (rc != KR_OK) {
        free(buf);
        return rc;
    }
    *frame = buf;
    *len = (size_t)size;
    return KR_OK;
}

int kr_client_recv_frame(kr_client *c, uint8_t **frame, size_t *len, kr_error *err) {
    if (c->fd < 0) return kr_fail(err, KR_ERR_IO, "%s: not connected", c->peer);
    return recv_frame_by(c, frame, len, now_ms() + c->timeout_ms, err);
}

/* Receives the response frame for `corr`; the caller frees *frame. */
static int exchange(kr_client *c, int16_t api_key, int16_t version, const void *request,
                    uint8_t **frame, size_t *len, kr_error *err) {
    if (c->fd < 0) return kr_fail(err, KR_ERR_IO, "%s: not connected", c->peer);
    int32_t corr = c->next_correlation_id++;
    if (c->next_correlation_id < 0) c->next_correlation_id = 1;
    kr_buf out = {0};
    int rc = kr_request_frame_encode(&out, api_key, version, corr, c->client_id, request, err);
    int64_t deadline = now_ms() + c->timeout_ms;
    if (rc == KR_OK) rc = send_all(c, out.data, out.len, deadline, err);
    kr_buf_free(&out);
    if (rc == KR_OK) rc = recv_frame_by(c, frame, len, deadline, err);
    if (rc != KR_OK) {
        kr_client_close(c); /* the stream position is unknown now */
        return rc;
    }
    int32_t got = 0;
    rc = kr_response_correlation_id(*frame, *len, &got, err);
    if (rc == KR_OK && got != corr)
        rc = kr_fail(err, KR_ERR_CORRUPT, "%s: response correlation id %d, expected %d", c->peer, got, corr);
    if (rc != KR_OK) {
        free(*frame);
        *frame = NULL;
        kr_client_close(c);
    }
    return rc;
}

int kr_client_call(kr_client *c, int16_t api_key, int16_t version, const void *request,
                   void *response, kr_arena *arena, kr_error *err) {
    uint8_t *frame = NULL;
    size_t len = 0;
    int rc = exchange(c, api_key, version, request, &frame, &len, err);
    if (rc != KR_OK) return rc;
    /* Decoded strings borrow the bytes: they live in the caller's arena. */
    uint8_t *kept = kr_arena_alloc(arena, len);
    if (!kept) {
        rc = kr_fail(err, KR_ERR_NOMEM, "out of memory");
    } else {
        memcpy(kept, frame, len);
        rc = kr_response_frame_decode(kept, len, api_key, version, response, arena, err);
    }
    free(frame);
    if (rc != KR_OK) kr_error_wrap(err, "%s", c->peer);
    return rc;
}

static void store_versions(kr_client *c, const kr_ApiVersionsResponse *r, int16_t version) {
    c->api_count = 0;
    for (int32_t i = 0; i < r->ApiKeys.n && c->api_count < KR_CLIENT_MAX_APIS; i++)
        c->apis[c->api_count++] = (kr_client_api_range){r->ApiKeys.v[i].ApiKey,
                                                        r->ApiKeys.v[i].MinVersion,
                                                        r->ApiKeys.v[i].MaxVersion};
    c->api_versions_version = version;
}

int kr_client_negotiate(kr_client *c, kr_error *err) {
    int16_t version = KR_APIVERSIONSREQUEST_MAX_VERSION;
    for (int attempt = 0; attempt < 3; attempt++) {
        kr_ApiVersionsRequest req;
        kr_ApiVersionsRequest_init(&req);
        req.ClientSoftwareName = kr_str_c("zk2kraft");
        req.ClientSoftwareVersion = kr_str_c("1.0");
        uint8_t *frame = NULL;
        size_t len = 0;
        int rc = exchange(c, KR_API_VERSIONS, version, &req, &frame, &len, err);
        if (rc != KR_OK) return rc;
        kr_arena arena = {0};
        kr_ApiVersionsResponse resp;
        rc = kr_response_frame_decode(frame, len, KR_API_VERSIONS, version, &resp, &arena, err);
        if (rc != KR_OK || resp.ErrorCode == KR_KAFKA_UNSUPPORTED_VERSION) /* v0-format error body */
            rc = kr_response_frame_decode(frame, len, KR_API_VERSIONS, 0, &resp, &arena, err);
        free(frame);
        if (rc != KR_OK) {
            kr_arena_free(&arena);
            return kr_error_wrap(err, "%s: ApiVersions v%d", c->peer, version);
        }
        if (resp.ErrorCode == KR_KAFKA_NONE) {
            store_versions(c, &resp, version);
            kr_arena_free(&arena);
            return KR_OK;
        }
        int16_t next = -1;
        if (resp.ErrorCode == KR_KAFKA_UNSUPPORTED_VERSION)
            for (int32_t i = 0; i < resp.ApiKeys.n; i++)
                if (resp.ApiKeys.v[i].ApiKey == KR_API_VERSIONS) next = resp.ApiKeys.v[i].MaxVersion;
        kr_arena_free(&arena);
        if (next < 0 || next >= version)
            return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: ApiVersions v%d failed with error code %d",
                           c->peer, version, resp.ErrorCode);
        version = next;
    }
    return kr_fail(err, KR_ERR_UNSUPPORTED, "%s: no ApiVersions version agreed", c->peer);
}

int16_t kr_client_pick_version(const kr_client *c, int16_t api_key, int16_t my_min, int16_t my_max) {
    for (size_t i = 0; i < c->api_count; i++) {
        const kr_client_api_range *a = &c->apis[i];
        if (a->api_key != api_key) continue;
        int16_t hi = a->max_version < my_max ? a->max_version : my_max;
        int16_t lo = a->min_version > my_min ? a->min_version : my_min;
        return hi >= lo ? hi : -1;
    }
    return -1;
}
