/* UDP sockets for the engine's datagrams: bind, send, receive, and the
 * bound address. Non-blocking throughout: the programs run one epoll loop,
 * and a socket that would block must never stall it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

static bool would_block(int e)
{
    if (e == EAGAIN)
        return true;
#if EWOULDBLOCK != EAGAIN
    if (e == EWOULDBLOCK)
        return true;
#endif
    return false;
}

static void bind_error(char *err, size_t cap, const char *what, const struct sl_addr *a, int e)
{
    if (!err || cap == 0)
        return;
    char text[SL_POSIX_ADDR_STRLEN];
    if (sl_posix_addr_format(a, text, sizeof text) < 0)
        snprintf(text, sizeof text, "(address family %u)", (unsigned)a->family);
    snprintf(err, cap, "%s %s: %s", what, text, strerror(e));
}

/* A datagram socket that is non-blocking and close-on-exec from birth, so a
 * helper the daemon runs never inherits it (and never holds its port). */
static int open_socket(int domain)
{
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    return socket(domain, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
#else
    int fd = socket(domain, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
#endif
}

int sl_posix_udp_bind(const struct sl_addr *local, char *err, size_t errcap)
{
    if (err && errcap > 0)
        err[0] = '\0';
    int domain = local->family == 4 ? AF_INET : AF_INET6;
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (sl_posix_addr_to_sockaddr(local, domain, &ss, &sslen) != SL_OK) {
        bind_error(err, errcap, "bind", local, EAFNOSUPPORT);
        return -1;
    }
    int fd = open_socket(domain);
    if (fd < 0) {
        bind_error(err, errcap, "socket for", local, errno);
        return -1;
    }
    /* SO_REUSEADDR stays off on purpose: with it, two daemons configured for
     * the same port would both bind and split the traffic between them. */
    if (domain == AF_INET6) {
        /* "[::]" means every address, IPv4 too, whatever the system's
         * net.ipv6.bindv6only default says. */
        int off = 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0) {
            int e = errno;
            close(fd);
            bind_error(err, errcap, "IPV6_V6ONLY on", local, e);
            return -1;
        }
    }
    if (bind(fd, (const struct sockaddr *)&ss, sslen) != 0) {
        int e = errno;
        close(fd);
        bind_error(err, errcap, "bind", local, e);
        return -1;
    }
    return fd;
}

sl_err sl_posix_udp_send(int fd, const struct sl_addr *to, const uint8_t *data, size_t len)
{
    if (to->family != 4 && to->family != 6)
        return SL_ERR_INVALID;
    /* The address's own family first: Linux takes an AF_INET sockaddr on a
     * dual-stack AF_INET6 socket, which spares asking the socket for its
     * family on every datagram. Systems that refuse it (EAFNOSUPPORT) get
     * the IPv4-mapped form on a second try. */
    int domain = to->family == 4 ? AF_INET : AF_INET6;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sslen;
        if (sl_posix_addr_to_sockaddr(to, domain, &ss, &sslen) != SL_OK)
            return SL_ERR_INVALID;
        ssize_t n = sendto(fd, data, len, 0, (const struct sockaddr *)&ss, sslen);
        if (n >= 0)
            return (size_t)n == len ? SL_OK : SL_ERR_IO;
        if (errno == EINTR)
            continue;
        if (errno == EAFNOSUPPORT && domain == AF_INET) {
            domain = AF_INET6;
            continue;
        }
        if (errno == EAFNOSUPPORT)
            return SL_ERR_INVALID; /* an IPv6 peer from an IPv4 socket */
        /* EAGAIN, ENOBUFS, unreachable networks: a lost datagram, which
         * CoAP's retransmission (or the application) already handles. */
        return SL_ERR_IO;
    }
}

long sl_posix_udp_recv(int fd, uint8_t *buf, size_t cap, struct sl_addr *from)
{
    for (;;) {
        struct sockaddr_storage ss;
        struct iovec iov = { .iov_base = buf, .iov_len = cap };
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_name = &ss;
        msg.msg_namelen = sizeof ss;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = recvmsg(fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (would_block(errno))
                return 0;
            return SL_ERR_IO;
        }
        if (sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, msg.msg_namelen, from) !=
            SL_OK)
            return SL_ERR_IO; /* not an IP socket */
        /* recvmsg cuts a long datagram to cap without failing; MSG_TRUNC is
         * the only sign. A cut CoAP message may still parse, so say so. */
        if (msg.msg_flags & MSG_TRUNC)
            return SL_ERR_TOO_LARGE;
        if (n == 0)
            continue;
        return (long)n;
    }
}

sl_err sl_posix_udp_local(int fd, struct sl_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return SL_ERR_IO;
    return sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len, out) == SL_OK
               ? SL_OK
               : SL_ERR_IO;
}
