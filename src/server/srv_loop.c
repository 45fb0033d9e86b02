/* The server: start-up (store, sockets, restore), the one epoll loop, and
 * shutdown. The loop waits on the CoAP socket, libmicrohttpd's epoll fd,
 * the store's completion eventfd and a signalfd; its timeout is the
 * earliest of the timer heap and libmicrohttpd's. Only the store's writer
 * thread runs beside it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "server/srv_internal.h"

/* Datagrams read per wake-up before HTTP and timers get their turn. */
#define RX_BURST 256

void srv_random(void *out, size_t n)
{
    sl_posix_random(NULL, out, n);
}

static void dedup_fired(struct srv_timer *t, sl_time_ms now)
{
    struct srv *s = (struct srv *)((char *)t - offsetof(struct srv, dedup_timer));
    srv_coap_purge(s, now);
}

static bool epoll_add(struct srv *s, int fd, char *err, size_t errlen)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        return false;
    }
    return true;
}

struct srv *srv_new(const struct srv_config *c, char *err, size_t errlen)
{
    struct srv *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *c;
    s->log.level = c->log_level;
    s->log.prog = "sidelink-server";
    s->epfd = s->sigfd = s->coap_fd = s->coaps_fd = s->mhd_fd = -1;
    s->now = sl_posix_now_ms();
    srv_map_init(&s->regs_by_ep);
    srv_map_init(&s->regs_by_id);
    srv_map_init(&s->dedup);
    srv_map_init(&s->out_by_mid);
    srv_map_init(&s->tokens);
    srv_map_init(&s->creds_by_ep);
    srv_map_init(&s->creds_by_identity);
    srv_map_init(&s->creds_by_rid);
    srv_bootstrap_init(s);
    srv_timers_init(&s->timers);
    srv_timer_init(&s->dedup_timer, dedup_fired);
    srv_random(&s->next_mid, sizeof s->next_mid);
    s->next_binding_id = 1;

    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        goto fail;
    }
    s->store = srv_store_open(c->db, err, errlen);
    if (!s->store)
        goto fail;
    s->coap_fd = sl_posix_udp_bind(&c->coap, err, errlen);
    if (s->coap_fd < 0)
        goto fail;
    /* a burst of registrations arrives faster than one loop turn: without
     * room in the socket the kernel drops them and clients retransmit
     * seconds later (bench/: 768 of 1,024 dropped with the 208 KiB default).
     * The kernel caps it at net.core.rmem_max; that is fine, just smaller. */
    if (setsockopt(s->coap_fd, SOL_SOCKET, SO_RCVBUF, &c->coap_rcvbuf, sizeof c->coap_rcvbuf) < 0)
        sl_posix_logf(&s->log, SL_LOG_WARN, "coap_rcvbuf %u: %s", c->coap_rcvbuf,
                      strerror(errno));
    /* past net.core.rmem_max only with CAP_NET_ADMIN: try, and say what we got */
    (void)setsockopt(s->coap_fd, SOL_SOCKET, SO_RCVBUFFORCE, &c->coap_rcvbuf,
                     sizeof c->coap_rcvbuf);
    int got = 0;
    socklen_t gotlen = sizeof got;
    if (getsockopt(s->coap_fd, SOL_SOCKET, SO_RCVBUF, &got, &gotlen) == 0 &&
        (uint32_t)got < c->coap_rcvbuf)
        sl_posix_logf(&s->log, SL_LOG_INFO,
                      "CoAP receive buffer %d bytes (coap_rcvbuf %u is above net.core.rmem_max)",
                      got, c->coap_rcvbuf);
    if (sl_posix_udp_local(s->coap_fd, &s->coap_local) != SL_OK)
        s->coap_local = c->coap;
    if (c->coaps_enabled && srv_dtls_start(s, err, errlen) != SL_OK)
        goto fail;
    if (srv_http_start(s, err, errlen) != SL_OK)
        goto fail;
    if (s->coaps_fd >= 0 && !epoll_add(s, s->coaps_fd, err, errlen))
        goto fail;
    if (!epoll_add(s, s->coap_fd, err, errlen) || !epoll_add(s, s->mhd_fd, err, errlen) ||
        !epoll_add(s, srv_store_fd(s->store), err, errlen))
        goto fail;
    /* restore while the writer is idle: credentials, registrations (with
     * what is left of their lifetimes), observations, bindings, bootstrap
     * configurations */
    if (srv_security_restore(s) != SL_OK || srv_registry_restore(s) != SL_OK ||
        srv_observe_restore(s) != SL_OK || srv_bindings_restore(s) != SL_OK ||
        srv_bootstrap_restore(s) != SL_OK) {
        snprintf(err, errlen, "%s: cannot read the store", c->db);
        goto fail;
    }
    if (srv_store_start(s->store) != SL_OK) {
        snprintf(err, errlen, "cannot start the store's writer thread");
        goto fail;
    }
    srv_security_oscore_start(s);
    srv_events_keepalive(s);
    char ca[SL_POSIX_ADDR_STRLEN], sa[SL_POSIX_ADDR_STRLEN] = "off", ha[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(&s->coap_local, ca);
    if (s->coaps_fd >= 0)
        srv_addr_str(&s->coaps_local, sa);
    srv_addr_str(&s->http_local, ha);
    SRV_INFO(s, "listening: coap=%s coaps=%s http=%s db=%s", ca, sa, ha, c->db);
    return s;
fail:
    srv_free(s);
    return NULL;
}

void srv_request_stop(struct srv *s)
{
    s->stop = true;
}

static void read_coap(struct srv *s)
{
    for (int k = 0; k < RX_BURST; k++) {
        struct sl_addr from;
        long n = sl_posix_udp_recv(s->coap_fd, s->rx, sizeof s->rx, &from);
        if (n == 0)
            return;
        if (n == SL_ERR_TOO_LARGE) {
            s->rx_bad++;
            continue;
        }
        if (n < 0)
            return;
        s->now = sl_posix_now_ms();
        struct srv_peer p = { from, SRV_TP_COAP };
        srv_coap_input(s, &p, s->rx, (size_t)n);
    }
}

int srv_run(struct srv *s)
{
    /* a daemon started in the background by a shell has SIGINT ignored,
     * and an ignored signal never reaches a signalfd: take them back */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, &old) != 0) {
        SRV_ERROR(s, "sigprocmask: %s", strerror(errno));
        return 1;
    }
    s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    char err[128];
    if (s->sigfd < 0 || !epoll_add(s, s->sigfd, err, sizeof err)) {
        SRV_ERROR(s, "signalfd: %s", strerror(errno));
        sigprocmask(SIG_SETMASK, &old, NULL);
        return 1;
    }
    int rc = 0;
    while (!s->stop) {
        s->now = sl_posix_now_ms();
        srv_timers_run(&s->timers, s->now);
        if (s->mhd_dirty)
            srv_http_run(s);
        sl_time_ms next = srv_timers_next(&s->timers);
        int64_t timeout = -1;
        if (next != UINT64_MAX)
            timeout = next > s->now ? (int64_t)(next - s->now) : 0;
        int64_t mt = srv_http_timeout_ms(s);
        if (mt >= 0 && (timeout < 0 || mt < timeout))
            timeout = mt;
        if (s->mhd_dirty)
            timeout = 0;
        if (timeout > 60000)
            timeout = 60000;
        struct epoll_event evs[16];
        int n = epoll_wait(s->epfd, evs, 16, (int)timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            SRV_ERROR(s, "epoll_wait: %s", strerror(errno));
            rc = 1;
            break;
        }
        s->now = sl_posix_now_ms();
        bool run_http = n == 0; /* a timeout may be MHD's */
        for (int k = 0; k < n; k++) {
            int fd = evs[k].data.fd;
            if (fd == s->coap_fd) {
                read_coap(s);
            } else if (fd == s->coaps_fd) {
                srv_dtls_read(s);
            } else if (fd == s->mhd_fd) {
                run_http = true;
            } else if (s->store && fd == srv_store_fd(s->store)) {
                srv_store_dispatch(s->store);
            } else if (fd == s->sigfd) {
                struct signalfd_siginfo si;
                while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                    SRV_INFO(s, "signal %u: shutting down", si.ssi_signo);
                    s->stop = true;
                }
            }
        }
        if (run_http || s->mhd_dirty)
            srv_http_run(s);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void srv_free(struct srv *s)
{
    if (!s)
        return;
    s->stopping = true;
    /* requests in flight end (their REST callers get 503), then what the
     * store still has to commit is committed and answered */
    srv_requests_shutdown(s);
    srv_bootstrap_free(s);
    if (s->store)
        srv_store_flush(s->store);
    srv_http_stop(s);
    /* forget everything quietly: the store keeps registrations, observations
     * and bindings for the next start */
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->regs_by_id, &it); n;
         n = srv_map_next(&s->regs_by_id, &it)) {
        struct srv_reg *r = SRV_CONTAINER_OF(n, struct srv_reg, by_id);
        srv_timer_cancel(&s->timers, &r->expiry);
        srv_map_remove(&s->regs_by_id, &r->by_id);
        srv_map_remove(&s->regs_by_ep, &r->by_ep);
        srv_reg_fail_requests(s, r, SL_ERR_STATE);
        srv_obs_drop_all(s, r);
        srv_reg_free(r);
    }
    if (s->store) {
        srv_store_close(s->store);
        s->store = NULL;
    }
    srv_bindings_free(s);
    srv_security_free(s);
    srv_coap_free(s);
    srv_dtls_free(s);
    srv_map_free(&s->regs_by_ep);
    srv_map_free(&s->regs_by_id);
    srv_map_free(&s->out_by_mid);
    srv_map_free(&s->tokens);
    srv_timers_free(&s->timers);
    if (s->coap_fd >= 0)
        close(s->coap_fd);
    if (s->coaps_fd >= 0)
        close(s->coaps_fd);
    if (s->sigfd >= 0)
        close(s->sigfd);
    if (s->epfd >= 0)
        close(s->epfd);
    free(s);
}
