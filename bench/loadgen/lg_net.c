/* Sockets, descriptors, epoll and time of the load generator. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lg.h"

uint64_t lg_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* xorshift64*: message IDs, tokens, retransmission jitter (not security) */
uint32_t lg_rand(struct lg *g)
{
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return (uint32_t)((g->rng * 2685821657736338717ull) >> 32);
}

uint64_t lg_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = rl;
        want.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    return (uint64_t)rl.rlim_cur;
}

bool lg_is_loopback(const struct sockaddr_in *a)
{
    return a->sin_family == AF_INET && (ntohl(a->sin_addr.s_addr) >> 24) == 127;
}

bool lg_open_sockets(struct lg *g, char *err, size_t errlen)
{
    uint64_t limit = lg_raise_nofile();
    if ((uint64_t)g->n + LG_FD_RESERVE > limit) {
        snprintf(err, errlen,
                 "%u clients need %u descriptors but RLIMIT_NOFILE allows %llu (hard limit): "
                 "run several sidelink-loadgen processes with --first",
                 g->n, g->n + LG_FD_RESERVE, (unsigned long long)limit);
        return false;
    }
    g->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g->epfd < 0) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        return false;
    }
    for (uint32_t k = 0; k < g->n; k++) {
        struct lg_client *c = &g->c[k];
        c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            snprintf(err, errlen, "socket (client %u): %s", k, strerror(errno));
            return false;
        }
        struct sockaddr_in local = { .sin_family = AF_INET };
        /* 127.0.0.2 .. 127.0.0.254: 253 source addresses, each with its own
         * ephemeral port range, all on the loopback interface */
        uint32_t host = g->spread ? 2 + (g->first + k) % 253 : 1;
        local.sin_addr.s_addr = htonl((127u << 24) | host);
        if (bind(c->fd, (struct sockaddr *)&local, sizeof local) != 0) {
            snprintf(err, errlen, "bind 127.0.0.%u:0 (client %u): %s", host, k, strerror(errno));
            return false;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = k };
        if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
            snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
            return false;
        }
    }
    return true;
}

void lg_close_sockets(struct lg *g)
{
    for (uint32_t k = 0; k < g->n; k++) {
        if (g->c[k].fd >= 0)
            close(g->c[k].fd);
        g->c[k].fd = -1;
    }
    if (g->epfd >= 0)
        close(g->epfd);
    g->epfd = -1;
}

bool lg_send(struct lg *g, struct lg_client *c, const uint8_t *buf, size_t len)
{
    ssize_t n = sendto(c->fd, buf, len, 0, (const struct sockaddr *)&g->server, sizeof g->server);
    if (n != (ssize_t)len) {
        g->cnt.send_errors++;
        return false;
    }
    return true;
}

void lg_poll(struct lg *g, int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(g->epfd, evs, 256, timeout_ms);
    g->now_us = lg_now_us();
    for (int k = 0; k < n; k++) {
        uint32_t slot = evs[k].data.u32;
        struct lg_client *c = &g->c[slot];
        for (;;) {
            uint8_t buf[2048];
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t r = recvfrom(c->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (r < 0)
                break; /* EAGAIN, or an ICMP error (server gone): nothing to read */
            g->now_us = lg_now_us(); /* each answer its own arrival time */
            /* only the server talks to us */
            if (from.sin_addr.s_addr != g->server.sin_addr.s_addr ||
                from.sin_port != g->server.sin_port)
                continue;
            lg_client_input(g, c, buf, (size_t)r);
        }
    }
}
