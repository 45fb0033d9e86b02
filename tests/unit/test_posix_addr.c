/* POSIX addresses: "HOST:PORT" text both ways, coap(s):// URIs, sockaddr
 * conversions (IPv4-mapped comes back as IPv4), and every rejection. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "platform/posix/sl_posix.h"

static void test_parse_format_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        uint8_t family;
        uint16_t port;
        const char *out;
    } cases[] = {
        { "127.0.0.1:5683", 4, 5683, "127.0.0.1:5683" },
        { "0.0.0.0:0", 4, 0, "0.0.0.0:0" },
        { "255.255.255.255:65535", 4, 65535, "255.255.255.255:65535" },
        { "localhost:5683", 4, 5683, "127.0.0.1:5683" },
        { "LocalHost:1", 4, 1, "127.0.0.1:1" },
        { "[::1]:5683", 6, 5683, "[::1]:5683" },
        { "[::]:5684", 6, 5684, "[::]:5684" },
        { "[2001:DB8::a:1]:80", 6, 80, "[2001:db8::a:1]:80" },
        { "[fe80::1:2:3:4]:00080", 6, 80, "[fe80::1:2:3:4]:80" },
        /* an IPv4-mapped literal is that IPv4 peer */
        { "[::ffff:10.1.2.3]:9", 4, 9, "10.1.2.3:9" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sl_addr a;
        memset(&a, 0xAA, sizeof a);
        if (sl_posix_addr_parse(cases[i].in, &a) != SL_OK)
            fail_msg("\"%s\" rejected", cases[i].in);
        assert_int_equal(a.family, cases[i].family);
        assert_int_equal(a.port, cases[i].port);
        if (a.family == 4) {
            /* the unused bytes are zero, so a struct compare also works */
            static const uint8_t zero[12];
            assert_memory_equal(a.ip + 4, zero, 12);
        }
        char buf[SL_POSIX_ADDR_STRLEN];
        int n = sl_posix_addr_format(&a, buf, sizeof buf);
        assert_int_equal(n, (int)strlen(cases[i].out));
        assert_string_equal(buf, cases[i].out);
        /* and the formatted text parses to the same address */
        struct sl_addr b;
        assert_int_equal(sl_posix_addr_parse(buf, &b), SL_OK);
        assert_true(sl_addr_equal(&a, &b));
    }
}

static void test_parse_rejections(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "127.0.0.1",          /* port required */
        "127.0.0.1:",         /* empty port */
        ":5683",              /* empty host */
        "127.0.0.1:65536",    /* port too large */
        "127.0.0.1:123456",   /* too many digits */
        "127.0.0.1:-1",
        "127.0.0.1:+80",
        "127.0.0.1: 80",
        "127.0.0.1:80 ",
        " 127.0.0.1:80",
        "127.0.0.1:0x50",
        "127.1:80",           /* not a dotted quad */
        "127.0.0.256:80",
        "127.0.0.1.1:80",
        "010.0.0.1:80",       /* octal-looking */
        "::1:5683",           /* IPv6 without brackets */
        "[::1]",              /* no port */
        "[::1]:",
        "[::1]5683",
        "[::1:5683",
        "::1]:5683",
        "[127.0.0.1]:80",     /* IPv4 in brackets */
        "[fe80::1%eth0]:80",  /* zone IDs: sl_addr has no scope */
        "[]:80",
        "[:::1]:80",
        "example.com:5683",   /* no DNS */
        "localhost",
        "localhost.:80",
        "user@127.0.0.1:80",
        "127.0.0.1:80:81",
        "coap://127.0.0.1:5683",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sl_addr a = { .family = 9, .port = 7 };
        if (sl_posix_addr_parse(bad[i], &a) != SL_ERR_INVALID)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(a.family, 9); /* output untouched */
        assert_int_equal(a.port, 7);
    }
    /* longer than any address */
    char longtext[300];
    memset(longtext, '1', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    struct sl_addr a;
    assert_int_equal(sl_posix_addr_parse(longtext, &a), SL_ERR_INVALID);
    assert_int_equal(sl_posix_addr_parse(NULL, &a), SL_ERR_INVALID);
}

static void test_format_limits(void **state)
{
    (void)state;
    struct sl_addr a;
    assert_int_equal(sl_posix_addr_parse("[1111:2222:3333:4444:5555:6666:7777:8888]:65535", &a),
                     SL_OK);
    char buf[SL_POSIX_ADDR_STRLEN];
    int n = sl_posix_addr_format(&a, buf, sizeof buf);
    assert_int_equal(n, 47);
    /* one byte short of text + NUL: overflow, and nothing cut left behind */
    char small[47];
    assert_int_equal(sl_posix_addr_format(&a, small, sizeof small), SL_ERR_OVERFLOW);
    assert_string_equal(small, "");
    assert_int_equal(sl_posix_addr_format(&a, small, 0), SL_ERR_OVERFLOW);
    char exact[48];
    assert_int_equal(sl_posix_addr_format(&a, exact, sizeof exact), 47);
    /* the longest IPv4-mapped text that inet_ntop could give fits too */
    struct sl_addr odd = { .family = 6, .port = 65535 };
    memset(odd.ip, 0xff, sizeof odd.ip);
    assert_true(sl_posix_addr_format(&odd, buf, sizeof buf) > 0);
    struct sl_addr bad = { .family = 5 };
    assert_int_equal(sl_posix_addr_format(&bad, buf, sizeof buf), SL_ERR_INVALID);
    struct sl_addr zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(sl_posix_addr_format(&zero, buf, sizeof buf), SL_ERR_INVALID);
}

static void test_uri_parse(void **state)
{
    (void)state;
    static const struct {
        const char *uri;
        const char *scheme;
        const char *addr;
    } cases[] = {
        { "coap://127.0.0.1:5683", "coap", "127.0.0.1:5683" },
        { "coap://127.0.0.1", "coap", "127.0.0.1:5683" },
        { "coap://127.0.0.1/", "coap", "127.0.0.1:5683" },
        { "coaps://127.0.0.1", "coaps", "127.0.0.1:5684" },
        { "coaps://127.0.0.1:15684/", "coaps", "127.0.0.1:15684" },
        { "coap://[::1]", "coap", "[::1]:5683" },
        { "coaps://[::1]/", "coaps", "[::1]:5684" },
        { "coap://[::1]:0", "coap", "[::1]:0" },
        { "coap://localhost:5690", "coap", "127.0.0.1:5690" },
        { "CoAPs://localhost", "coaps", "127.0.0.1:5684" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char scheme[8];
        struct sl_addr a;
        if (sl_posix_uri_parse(cases[i].uri, scheme, sizeof scheme, &a) != SL_OK)
            fail_msg("\"%s\" rejected", cases[i].uri);
        assert_string_equal(scheme, cases[i].scheme);
        char buf[SL_POSIX_ADDR_STRLEN];
        assert_true(sl_posix_addr_format(&a, buf, sizeof buf) > 0);
        assert_string_equal(buf, cases[i].addr);
    }
}

static void test_uri_rejections(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "127.0.0.1:5683",
        "coap:/127.0.0.1",
        "coap:127.0.0.1",
        "://127.0.0.1",
        "coap://",
        "coap:///",
        "coap://127.0.0.1//",
        "coap://127.0.0.1:",
        "coap://127.0.0.1:/",
        "coap://127.0.0.1:70000",
        "coap://127.0.0.1/rd",
        "coap://127.0.0.1?x=1",
        "coap://127.0.0.1#f",
        "coap://user@127.0.0.1",
        "coap://::1",
        "coap://[::1",
        "coap://example.org",
        "1coap://127.0.0.1",
        "co ap://127.0.0.1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char scheme[8] = "x";
        struct sl_addr a = { .family = 9 };
        if (sl_posix_uri_parse(bad[i], scheme, sizeof scheme, &a) != SL_ERR_INVALID)
            fail_msg("\"%s\" not rejected as invalid", bad[i]);
        assert_string_equal(scheme, "x");
        assert_int_equal(a.family, 9);
    }
    /* a well-formed URI of a transport we do not speak */
    char scheme[16];
    struct sl_addr a;
    assert_int_equal(sl_posix_uri_parse("coap+tcp://127.0.0.1", scheme, sizeof scheme, &a),
                     SL_ERR_UNSUPPORTED);
    assert_int_equal(sl_posix_uri_parse("http://127.0.0.1:80", scheme, sizeof scheme, &a),
                     SL_ERR_UNSUPPORTED);
    /* the scheme must fit with its NUL */
    char tiny[5];
    assert_int_equal(sl_posix_uri_parse("coap://[::1]", tiny, sizeof tiny, &a), SL_OK);
    assert_string_equal(tiny, "coap");
    assert_int_equal(sl_posix_uri_parse("coaps://[::1]", tiny, sizeof tiny, &a), SL_ERR_OVERFLOW);
}

static void test_sockaddr_conversions(void **state)
{
    (void)state;
    struct sl_addr v4, v6, back;
    assert_int_equal(sl_posix_addr_parse("192.0.2.7:5683", &v4), SL_OK);
    assert_int_equal(sl_posix_addr_parse("[2001:db8::7]:5684", &v6), SL_OK);
    struct sockaddr_storage ss;
    socklen_t len;

    /* IPv4 on an IPv4 socket */
    assert_int_equal(sl_posix_addr_to_sockaddr(&v4, AF_INET, &ss, &len), SL_OK);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    assert_int_equal(in->sin_family, AF_INET);
    assert_int_equal(ntohs(in->sin_port), 5683);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0xC0000207u);
    assert_int_equal(sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len, &back), SL_OK);
    assert_true(sl_addr_equal(&v4, &back));

    /* IPv4 on an IPv6 socket: mapped there, and back as family 4 */
    assert_int_equal(sl_posix_addr_to_sockaddr(&v4, AF_INET6, &ss, &len), SL_OK);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    assert_int_equal(in6->sin6_family, AF_INET6);
    assert_true(IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr));
    assert_int_equal(sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len, &back), SL_OK);
    assert_int_equal(back.family, 4);
    assert_true(sl_addr_equal(&v4, &back));

    /* IPv6 */
    assert_int_equal(sl_posix_addr_to_sockaddr(&v6, AF_INET6, &ss, &len), SL_OK);
    assert_int_equal(ntohs(in6->sin6_port), 5684);
    assert_int_equal(sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len, &back), SL_OK);
    assert_true(sl_addr_equal(&v6, &back));

    /* IPv6 cannot go out of an IPv4 socket; unknown families are refused */
    assert_int_equal(sl_posix_addr_to_sockaddr(&v6, AF_INET, &ss, &len), SL_ERR_INVALID);
    struct sl_addr bad = { .family = 0 };
    assert_int_equal(sl_posix_addr_to_sockaddr(&bad, AF_INET6, &ss, &len), SL_ERR_INVALID);
    /* a sockaddr shorter than its family needs, or of another family */
    assert_int_equal(sl_posix_addr_to_sockaddr(&v6, AF_INET6, &ss, &len), SL_OK);
    assert_int_equal(sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len - 1, &back),
                     SL_ERR_INVALID);
    ss.ss_family = AF_UNIX;
    assert_int_equal(sl_posix_addr_from_sockaddr((const struct sockaddr *)&ss, len, &back),
                     SL_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format_round_trip),
        cmocka_unit_test(test_parse_rejections),
        cmocka_unit_test(test_format_limits),
        cmocka_unit_test(test_uri_parse),
        cmocka_unit_test(test_uri_rejections),
        cmocka_unit_test(test_sockaddr_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
