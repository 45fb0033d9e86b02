/* sidelink-client's DTLS sockets: one ephemeral socket and DTLS session per
 * coaps:// server (DESIGN 1b), and the --listen-secure socket that accepts
 * handshakes. The engine sees plaintext only: the platform's send goes
 * through sl_dtls_send for a secure socket, and what a session decrypts
 * goes to sl_engine_input on that socket's index. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static struct app *app_of_platform(void *ctx)
{
    /* the POSIX platform is a member of struct app and its ctx */
    return (struct app *)((char *)ctx - offsetof(struct app, plat));
}

static sl_err platform_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                            size_t len)
{
    struct app *a = app_of_platform(ctx);
    if (sock < SL_POSIX_MAX_SOCKS && a->secure[sock])
        return sl_dtls_send(a->dtls, sock, to, data, len, sl_posix_now_ms());
    return a->posix_send(ctx, sock, to, data, len);
}

static sl_err dtls_send(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                        size_t len)
{
    struct app *a = ctx;
    if (sock >= SL_POSIX_MAX_SOCKS || a->plat.fds[sock] < 0)
        return SL_ERR_IO;
    return sl_posix_udp_send(a->plat.fds[sock], to, data, len);
}

/* The accepting role is for C2C requesters, whose accounts (objects
 * 11000-11002) arrive with the C2C extension: until one exists, no identity
 * is known and every handshake on --listen-secure fails. */
static sl_err dtls_psk(void *ctx, sl_sock sock, const uint8_t *identity, size_t identity_len,
                       uint8_t *key, size_t cap, size_t *key_len)
{
    (void)ctx;
    (void)sock;
    (void)identity;
    (void)identity_len;
    (void)key;
    (void)cap;
    (void)key_len;
    return SL_ERR_NOT_FOUND;
}

static void dtls_deliver(void *ctx, sl_sock sock, const struct sl_addr *from,
                         const uint8_t *identity, size_t identity_len, const uint8_t *data,
                         size_t len)
{
    struct app *a = ctx;
    (void)identity;
    (void)identity_len;
    sl_engine_input(&a->eng, sock, from, data, len, sl_posix_now_ms());
}

static void dtls_event(void *ctx, sl_sock sock, const struct sl_addr *peer, enum sl_dtls_event ev,
                       const uint8_t *identity, size_t identity_len, const char *why)
{
    struct app *a = ctx;
    char addr[SL_POSIX_ADDR_STRLEN];
    if (sl_posix_addr_format(peer, addr, sizeof addr) < 0)
        strcpy(addr, "?");
    if (ev == SL_DTLS_ESTABLISHED)
        sl_posix_logf(&a->log, SL_LOG_INFO, "DTLS session with %s (identity %.*s)", addr,
                      (int)identity_len, (const char *)identity);
    else if (ev == SL_DTLS_FAILED)
        sl_posix_logf(&a->log, SL_LOG_WARN, "DTLS handshake with %s failed: %s", addr, why);
    else
        sl_posix_logf(&a->log, SL_LOG_INFO, "DTLS session with %s ended: %s", addr, why);
    (void)sock;
}

static void dtls_log(void *ctx, enum sl_log_level level, const char *msg)
{
    struct app *a = ctx;
    sl_posix_logf(&a->log, level, "%s", msg);
}

int secure_setup(struct app *a)
{
    a->posix_send = a->plat.plat.send;
    a->plat.plat.send = platform_send;
    struct sl_dtls_hooks h = { a, dtls_send, dtls_psk, dtls_deliver, dtls_event, dtls_log };
    sl_err err;
    a->dtls = sl_dtls_new(&h, NULL, &err);
    if (!a->dtls) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "DTLS: cannot set up mbedTLS: %s", sl_err_str(err));
        return -1;
    }
    if (!a->opts.listen_secure[0])
        return 0;
    struct sl_addr local;
    char msg[256];
    if (sl_posix_addr_parse(a->opts.listen_secure, &local) != SL_OK)
        return -1;
    int fd = sl_posix_udp_bind(&local, msg, sizeof msg);
    if (fd < 0) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "listen-secure %s: %s", a->opts.listen_secure, msg);
        return -1;
    }
    a->plat.fds[APP_SOCK_SECURE] = fd;
    a->secure[APP_SOCK_SECURE] = true;
    if (sl_dtls_listen(a->dtls, APP_SOCK_SECURE) != SL_OK)
        return -1;
    if (sl_posix_udp_local(fd, &local) == SL_OK && sl_posix_addr_format(&local, msg, sizeof msg) > 0)
        sl_posix_logf(&a->log, SL_LOG_INFO, "DTLS (C2C) listening on %s", msg);
    return 0;
}

/* A socket of its own for the session of a Security instance: the one it
 * had (a new handshake from the same port replaces the session on the
 * server), else a new ephemeral one. */
static int session_socket(struct app *a, uint16_t sec, const struct sl_addr *to)
{
    for (int k = APP_SOCK_FIRST_OUT; k < SL_POSIX_MAX_SOCKS; k++)
        if (a->plat.fds[k] >= 0 && a->out_sec[k] == sec && sl_addr_equal(&a->out_to[k], to))
            return k;
    for (int k = APP_SOCK_FIRST_OUT; k < SL_POSIX_MAX_SOCKS; k++) {
        if (a->plat.fds[k] >= 0)
            continue;
        struct sl_addr any;
        memset(&any, 0, sizeof any);
        any.family = to->family;
        char msg[256];
        int fd = sl_posix_udp_bind(&any, msg, sizeof msg);
        if (fd < 0) {
            sl_posix_logf(&a->log, SL_LOG_ERROR, "security instance %u: no socket: %s", sec,
                          msg);
            return SL_ERR_IO;
        }
        a->plat.fds[k] = fd;
        a->secure[k] = true;
        a->out_sec[k] = sec;
        a->out_to[k] = *to;
        return k;
    }
    sl_posix_logf(&a->log, SL_LOG_ERROR, "too many sockets (SL_POSIX_MAX_SOCKS %d)",
                  SL_POSIX_MAX_SOCKS);
    return SL_ERR_NOMEM;
}

int secure_connect(struct app *a, uint16_t sec, const struct sl_addr *to)
{
    const struct sl_security_inst *si = sl_store_get(&a->co.security, sec);
    if (!si || si->mode != SL_SEC_MODE_PSK || si->identity.len == 0 || si->secret_key.len == 0) {
        sl_posix_logf(&a->log, SL_LOG_ERROR,
                      "security instance %u: coaps needs Security Mode PSK with an identity "
                      "and a key", sec);
        return SL_ERR_INVALID;
    }
    int sock = session_socket(a, sec, to);
    if (sock < 0)
        return sock;
    sl_err err = sl_dtls_connect(a->dtls, (sl_sock)sock, to, si->identity.data, si->identity.len,
                                 si->secret_key.data, si->secret_key.len, sl_posix_now_ms());
    if (err != SL_OK) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "security instance %u: DTLS: %s", sec,
                      sl_err_str(err));
        return err;
    }
    return sock;
}

void secure_receive(struct app *a, sl_sock sock)
{
    static uint8_t buf[SL_COAP_MAX_MSG + 64];
    for (;;) {
        struct sl_addr from;
        long n = sl_posix_udp_recv(a->plat.fds[sock], buf, sizeof buf, &from);
        if (n == 0)
            return;
        if (n < 0) {
            if (n == SL_ERR_TOO_LARGE)
                continue;
            return;
        }
        sl_dtls_input(a->dtls, sock, &from, buf, (size_t)n, sl_posix_now_ms());
    }
}

void secure_step(struct app *a, sl_time_ms now)
{
    if (a->dtls && sl_dtls_next_deadline(a->dtls) <= now)
        sl_dtls_step(a->dtls, now);
}

sl_time_ms secure_next_deadline(const struct app *a)
{
    return a->dtls ? sl_dtls_next_deadline(a->dtls) : UINT64_MAX;
}

void secure_close_all(struct app *a)
{
    for (int k = 0; k < SL_POSIX_MAX_SOCKS; k++) {
        if (k >= APP_SOCK_FIRST_OUT && a->plat.fds[k] >= 0 && a->dtls)
            sl_dtls_close(a->dtls, (sl_sock)k, &a->out_to[k], sl_posix_now_ms());
    }
    sl_dtls_free(a->dtls);
    a->dtls = NULL;
    for (int k = APP_SOCK_SECURE; k < SL_POSIX_MAX_SOCKS; k++) {
        if (a->plat.fds[k] >= 0) {
            close(a->plat.fds[k]);
            a->plat.fds[k] = -1;
        }
    }
}
