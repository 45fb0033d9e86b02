/* The server's secure socket (--coaps): DTLS 1.2 PSK records through
 * sl_dtls (src/security/dtls.h). Keys come from the credential table
 * (/api/security/clients); the plaintext goes to the same CoAP message
 * layer as plain CoAP, as a peer of transport SRV_TP_COAPS, with the PSK
 * identity it authenticated in s->rx_identity for the registration
 * interface to check. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "security/dtls.h"
#include "server/srv_internal.h"

/* The one socket of sl_dtls here. */
#define COAPS_SOCK 0

static sl_err dtls_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                        size_t len)
{
    struct srv *s = ctx;
    (void)sock;
    return sl_posix_udp_send(s->coaps_fd, to, data, len);
}

static sl_err dtls_psk(void *ctx, sl_sock sock, const uint8_t *identity, size_t identity_len,
                       uint8_t *key, size_t cap, size_t *key_len)
{
    (void)sock;
    return srv_security_psk(ctx, identity, identity_len, key, cap, key_len);
}

static void dtls_deliver(void *ctx, sl_sock sock, const struct sl_addr *from,
                         const uint8_t *identity, size_t identity_len, const uint8_t *data,
                         size_t len)
{
    struct srv *s = ctx;
    (void)sock;
    char id[SRV_IDENTITY_MAX + 1];
    if (identity_len > SRV_IDENTITY_MAX || memchr(identity, 0, identity_len))
        return; /* the credential table holds no such identity */
    memcpy(id, identity, identity_len);
    id[identity_len] = 0;
    struct srv_peer p = { *from, SRV_TP_COAPS };
    s->rx_identity = id;
    srv_coap_input(s, &p, data, len);
    s->rx_identity = NULL;
}

static void dtls_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                       const uint8_t *identity, size_t identity_len, const char *why)
{
    struct srv *s = ctx;
    (void)sock;
    char a[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(peer, a);
    if (ev == SL_DTLS_FAILED)
        SRV_WARN(s, "DTLS handshake from %s refused (%s)", a, why);
    else if (ev == SL_DTLS_ESTABLISHED)
        SRV_DEBUG(s, "DTLS session with %s, identity \"%.*s\"", a, (int)identity_len,
                  (const char *)identity);
    else
        SRV_DEBUG(s, "DTLS session with %s ended (%s)", a, why);
}

static void dtls_log(void *ctx, enum sl_log_level level, const char *msg)
{
    struct srv *s = ctx;
    SRV_LOG(s, level, "%s", msg);
}

static void rearm(struct srv *s)
{
    sl_time_ms next = sl_dtls_next_deadline(s->dtls);
    if (next == UINT64_MAX)
        srv_timer_cancel(&s->timers, &s->dtls_timer);
    else
        srv_timer_arm(&s->timers, &s->dtls_timer, next);
}

static void dtls_fired(struct srv_timer *t, sl_time_ms now)
{
    struct srv *s = (struct srv *)((char *)t - offsetof(struct srv, dtls_timer));
    sl_dtls_step(s->dtls, now);
    rearm(s);
}

sl_err srv_dtls_start(struct srv *s, char *err, size_t errlen)
{
    const struct srv_config *c = &s->cfg;
    srv_timer_init(&s->dtls_timer, dtls_fired);
    s->coaps_fd = sl_posix_udp_bind(&c->coaps, err, errlen);
    if (s->coaps_fd < 0)
        return SL_ERR_IO;
    if (setsockopt(s->coaps_fd, SOL_SOCKET, SO_RCVBUF, &c->coap_rcvbuf, sizeof c->coap_rcvbuf) <
        0)
        SRV_WARN(s, "coap_rcvbuf on the DTLS socket: failed");
    if (sl_posix_udp_local(s->coaps_fd, &s->coaps_local) != SL_OK)
        s->coaps_local = c->coaps;
    struct sl_dtls_hooks h = { s, dtls_send, dtls_psk, dtls_deliver, dtls_event, dtls_log };
    struct sl_dtls_limits lim = {
        .max_sessions = c->dtls_max_sessions,
        .idle_timeout_ms = c->dtls_idle_timeout_s * 1000u,
        .rate_per_s = c->dtls_handshake_rate,
        .rate_burst = c->dtls_handshake_rate * 2,
    };
    sl_err e;
    s->dtls = sl_dtls_new(&h, &lim, &e);
    if (!s->dtls) {
        snprintf(err, errlen, "DTLS: cannot set up mbedTLS (%s)", sl_err_str(e));
        return e;
    }
    return sl_dtls_listen(s->dtls, COAPS_SOCK);
}

void srv_dtls_read(struct srv *s)
{
    for (int k = 0; k < 256; k++) {
        struct sl_addr from;
        long n = sl_posix_udp_recv(s->coaps_fd, s->rx, sizeof s->rx, &from);
        if (n == 0)
            break;
        if (n == SL_ERR_TOO_LARGE) {
            s->rx_bad++;
            continue;
        }
        if (n < 0)
            break;
        s->now = sl_posix_now_ms();
        sl_dtls_input(s->dtls, COAPS_SOCK, &from, s->rx, (size_t)n, srv_now(s));
    }
    rearm(s);
}

void srv_dtls_send(struct srv *s, const struct sl_addr *to, const uint8_t *buf, size_t len)
{
    if (!s->dtls)
        return;
    sl_err e = sl_dtls_send(s->dtls, COAPS_SOCK, to, buf, len, srv_now(s));
    if (e != SL_OK) {
        char a[SL_POSIX_ADDR_STRLEN];
        srv_addr_str(to, a);
        SRV_DEBUG(s, "DTLS send to %s: %s", a, sl_err_str(e));
    }
    rearm(s);
}

bool srv_dtls_session_of(struct srv *s, const struct sl_addr *peer, const char *ep)
{
    if (!s->dtls)
        return false;
    size_t len = 0;
    const uint8_t *id = sl_dtls_identity(s->dtls, COAPS_SOCK, peer, &len);
    char text[SRV_IDENTITY_MAX + 1];
    if (!id || len > SRV_IDENTITY_MAX)
        return false;
    memcpy(text, id, len);
    text[len] = 0;
    const char *owner = srv_security_psk_endpoint(s, text);
    return owner && strcmp(owner, ep) == 0;
}

void srv_dtls_stats(struct srv *s, json_t *out)
{
    if (!s->dtls)
        return;
    struct sl_dtls_stats st;
    sl_dtls_get_stats(s->dtls, &st);
    json_object_set_new(out, "dtlsSessions", json_integer(st.sessions));
    json_object_set_new(out, "dtlsHandshakes", json_integer((json_int_t)st.handshakes_ok));
    json_object_set_new(out, "dtlsHandshakesFailed",
                        json_integer((json_int_t)st.handshakes_failed));
    json_object_set_new(out, "dtlsHelloVerifyRequests",
                        json_integer((json_int_t)st.hello_verify_sent));
    json_object_set_new(out, "dtlsRateLimited", json_integer((json_int_t)st.rate_limited));
}

void srv_dtls_free(struct srv *s)
{
    if (s->dtls) {
        srv_timer_cancel(&s->timers, &s->dtls_timer);
        sl_dtls_free(s->dtls);
        s->dtls = NULL;
    }
}
