/* POSIX UDP on loopback only: two sockets on port 0 exchange datagrams over
 * 127.0.0.1 and ::1; an oversized datagram is reported, not cut; a dual-
 * stack socket sees IPv4 peers as family 4; a taken port is refused; and
 * the ready platform sends through its fd table. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "platform/posix/sl_posix.h"

static int bind_or_fail(const char *hostport)
{
    struct sl_addr a;
    assert_int_equal(sl_posix_addr_parse(hostport, &a), SL_OK);
    char err[128];
    int fd = sl_posix_udp_bind(&a, err, sizeof err);
    if (fd < 0)
        fail_msg("%s", err);
    return fd;
}

/* Wait (at most 2 s) until fd has a datagram: loopback delivery is fast but
 * not synchronous with sendto's return on every kernel. */
static void wait_readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    assert_int_equal(poll(&p, 1, 2000), 1);
}

static void exchange(const char *bind_a, const char *bind_b)
{
    int a = bind_or_fail(bind_a);
    int b = bind_or_fail(bind_b);
    struct sl_addr la, lb;
    assert_int_equal(sl_posix_udp_local(a, &la), SL_OK);
    assert_int_equal(sl_posix_udp_local(b, &lb), SL_OK);
    assert_int_not_equal(la.port, 0); /* port 0: the kernel chose one */
    assert_int_not_equal(lb.port, 0);

    /* nothing waiting: 0, and no blocking */
    uint8_t buf[64];
    struct sl_addr from;
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof buf, &from), 0);

    static const uint8_t msg[] = { 0x40, 0x01, 0x12, 0x34, 'h', 'i' };
    assert_int_equal(sl_posix_udp_send(a, &lb, msg, sizeof msg), SL_OK);
    wait_readable(b);
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof buf, &from), (long)sizeof msg);
    assert_memory_equal(buf, msg, sizeof msg);
    assert_true(sl_addr_equal(&from, &la)); /* the reply goes back there */

    assert_int_equal(sl_posix_udp_send(b, &from, msg, 4), SL_OK);
    wait_readable(a);
    assert_int_equal(sl_posix_udp_recv(a, buf, sizeof buf, &from), 4);
    assert_true(sl_addr_equal(&from, &lb));
    assert_int_equal(sl_posix_udp_recv(a, buf, sizeof buf, &from), 0);

    /* a datagram that exactly fits is whole; one byte more is reported */
    assert_int_equal(sl_posix_udp_send(a, &lb, msg, sizeof msg), SL_OK);
    wait_readable(b);
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof msg, &from), (long)sizeof msg);
    assert_int_equal(sl_posix_udp_send(a, &lb, msg, sizeof msg), SL_OK);
    wait_readable(b);
    memset(&from, 0, sizeof from);
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof msg - 1, &from), SL_ERR_TOO_LARGE);
    assert_true(sl_addr_equal(&from, &la)); /* whose it was, for a log line */
    /* it was consumed: the queue is empty again */
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof buf, &from), 0);

    close(a);
    close(b);
}

static void test_udp_ipv4(void **state)
{
    (void)state;
    exchange("127.0.0.1:0", "127.0.0.1:0");
}

static void test_udp_ipv6(void **state)
{
    (void)state;
    exchange("[::1]:0", "[::1]:0");
}

static void test_socket_flags(void **state)
{
    (void)state;
    int fd = bind_or_fail("127.0.0.1:0");
    int fl = fcntl(fd, F_GETFL);
    assert_true(fl >= 0 && (fl & O_NONBLOCK));
    int fdfl = fcntl(fd, F_GETFD);
    assert_true(fdfl >= 0 && (fdfl & FD_CLOEXEC));
    close(fd);
}

static void test_port_taken(void **state)
{
    (void)state;
    int a = bind_or_fail("127.0.0.1:0");
    struct sl_addr la;
    assert_int_equal(sl_posix_udp_local(a, &la), SL_OK);
    /* a second daemon on the same port must fail, with a message that
     * says which address */
    char err[128];
    char text[SL_POSIX_ADDR_STRLEN];
    assert_true(sl_posix_addr_format(&la, text, sizeof text) > 0);
    assert_int_equal(sl_posix_udp_bind(&la, err, sizeof err), -1);
    assert_non_null(strstr(err, "bind "));
    assert_non_null(strstr(err, text));
    /* err may be NULL, or too small: no overflow either way */
    assert_int_equal(sl_posix_udp_bind(&la, NULL, 0), -1);
    char tiny[8];
    assert_int_equal(sl_posix_udp_bind(&la, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    close(a);
}

static void test_dual_stack(void **state)
{
    (void)state;
    int any = bind_or_fail("[::]:0");
    int v4 = bind_or_fail("127.0.0.1:0");
    struct sl_addr lany, lv4, from;
    assert_int_equal(sl_posix_udp_local(any, &lany), SL_OK);
    assert_int_equal(lany.family, 6);
    assert_int_equal(sl_posix_udp_local(v4, &lv4), SL_OK);
    struct sl_addr to;
    assert_int_equal(sl_posix_addr_parse("127.0.0.1:0", &to), SL_OK);
    to.port = lany.port;
    /* IPv4 into the [::] socket: V6ONLY is off, and the peer shows as an
     * IPv4 address equal to the one it bound */
    static const uint8_t msg[] = { 1, 2, 3, 4 };
    assert_int_equal(sl_posix_udp_send(v4, &to, msg, sizeof msg), SL_OK);
    wait_readable(any);
    uint8_t buf[16];
    assert_int_equal(sl_posix_udp_recv(any, buf, sizeof buf, &from), 4);
    assert_int_equal(from.family, 4);
    assert_true(sl_addr_equal(&from, &lv4));
    /* and the answer to that family-4 address leaves the IPv6 socket */
    assert_int_equal(sl_posix_udp_send(any, &from, msg, 3), SL_OK);
    wait_readable(v4);
    assert_int_equal(sl_posix_udp_recv(v4, buf, sizeof buf, &from), 3);
    assert_int_equal(from.port, lany.port);
    /* an IPv6 destination from an IPv4 socket is a caller's mistake */
    struct sl_addr v6;
    assert_int_equal(sl_posix_addr_parse("[::1]:9", &v6), SL_OK);
    assert_int_equal(sl_posix_udp_send(v4, &v6, msg, sizeof msg), SL_ERR_INVALID);
    struct sl_addr nofamily = { .family = 0 };
    assert_int_equal(sl_posix_udp_send(v4, &nofamily, msg, sizeof msg), SL_ERR_INVALID);
    close(any);
    close(v4);
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t buf[8] = { 0 };
    struct sl_addr a;
    assert_int_equal(sl_posix_addr_parse("127.0.0.1:9", &a), SL_OK);
    /* a closed fd is an I/O error both ways */
    int fd = bind_or_fail("127.0.0.1:0");
    close(fd);
    assert_int_equal(sl_posix_udp_send(fd, &a, buf, 1), SL_ERR_IO);
    assert_true(sl_posix_udp_recv(fd, buf, sizeof buf, &a) < 0);
    assert_int_equal(sl_posix_udp_local(fd, &a), SL_ERR_IO);
    /* binding an address this host does not have */
    struct sl_addr other;
    assert_int_equal(sl_posix_addr_parse("192.0.2.1:0", &other), SL_OK);
    char err[128];
    assert_int_equal(sl_posix_udp_bind(&other, err, sizeof err), -1);
    assert_non_null(strstr(err, "192.0.2.1:0"));
    struct sl_addr bad = { .family = 7 };
    assert_int_equal(sl_posix_udp_bind(&bad, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
}

static void test_platform_send(void **state)
{
    (void)state;
    struct sl_posix_platform p;
    sl_posix_platform_init(&p, NULL, NULL);
    assert_ptr_equal(p.plat.ctx, &p);
    assert_null(p.plat.store_read);
    assert_null(p.plat.store_write);
    assert_null(p.plat.log);
    assert_non_null(p.plat.random);
    for (size_t i = 0; i < SL_POSIX_MAX_SOCKS; i++)
        assert_int_equal(p.fds[i], -1);

    int a = bind_or_fail("127.0.0.1:0");
    int b = bind_or_fail("127.0.0.1:0");
    struct sl_addr lb, from;
    assert_int_equal(sl_posix_udp_local(b, &lb), SL_OK);
    p.fds[2] = a;
    static const uint8_t msg[] = { 9, 8, 7, 6 };
    assert_int_equal(p.plat.send(p.plat.ctx, 2, &lb, msg, sizeof msg), SL_OK);
    wait_readable(b);
    uint8_t buf[8];
    assert_int_equal(sl_posix_udp_recv(b, buf, sizeof buf, &from), 4);
    /* an unbound index, or one past the table: loss, not a crash */
    assert_int_equal(p.plat.send(p.plat.ctx, 0, &lb, msg, sizeof msg), SL_ERR_IO);
    assert_int_equal(p.plat.send(p.plat.ctx, SL_POSIX_MAX_SOCKS, &lb, msg, sizeof msg), SL_ERR_IO);
    assert_int_equal(p.plat.send(p.plat.ctx, 255, &lb, msg, sizeof msg), SL_ERR_IO);
    close(a);
    close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_ipv4),     cmocka_unit_test(test_udp_ipv6),
        cmocka_unit_test(test_socket_flags), cmocka_unit_test(test_port_taken),
        cmocka_unit_test(test_dual_stack),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_platform_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
