/* Transport addresses as text, as coap(s):// URIs and as sockaddrs.
 * Numeric hosts only (plus "localhost"): no DNS, so parsing never blocks
 * and never depends on the machine's resolver configuration. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "platform/posix/sl_posix.h"

/* Longest "HOST:PORT" or URI we look at; anything longer is not an address
 * (and bounds every strnlen below). */
#define TEXT_MAX 128

/* The pieces of "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT". */
struct hostport {
    const char *host;
    size_t host_len;
    bool bracketed;
    const char *port;
    size_t port_len;
    bool has_port;
};

static sl_err split_hostport(const char *s, size_t len, struct hostport *hp)
{
    memset(hp, 0, sizeof *hp);
    const char *end = s + len;
    const char *rest;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return SL_ERR_INVALID;
        hp->host = s + 1;
        hp->host_len = (size_t)(close - hp->host);
        hp->bracketed = true;
        rest = close + 1;
        if (rest < end && *rest != ':')
            return SL_ERR_INVALID;
    } else {
        /* The last ':' splits, so "::1:5683" gives host "::1" + port 5683,
         * which the IPv4 parser then rejects: IPv6 needs brackets. */
        const char *colon = NULL;
        for (const char *p = s; p < end; p++)
            if (*p == ':')
                colon = p;
        hp->host = s;
        hp->host_len = colon ? (size_t)(colon - s) : len;
        rest = colon ? colon : end;
    }
    if (rest < end) { /* *rest == ':' */
        hp->port = rest + 1;
        hp->port_len = (size_t)(end - hp->port);
        hp->has_port = true;
    }
    return SL_OK;
}

/* 1..5 decimal digits, 0..65535; no sign, no space. */
static sl_err parse_port(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return SL_ERR_INVALID;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SL_ERR_INVALID;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return SL_ERR_INVALID;
    *out = (uint16_t)v;
    return SL_OK;
}

/* An IPv4-mapped IPv6 address is the IPv4 peer it names: keep one spelling
 * so that sl_addr_equal() matches however the peer was written or seen. */
static void unmap_v4(struct sl_addr *a)
{
    static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (a->family == 6 && memcmp(a->ip, prefix, sizeof prefix) == 0) {
        memmove(a->ip, a->ip + 12, 4);
        memset(a->ip + 4, 0, 12);
        a->family = 4;
    }
}

/* out->port is left to the caller. */
static sl_err parse_host(const struct hostport *hp, struct sl_addr *out)
{
    char tmp[INET6_ADDRSTRLEN];
    if (hp->host_len == 0 || hp->host_len >= sizeof tmp)
        return SL_ERR_INVALID;
    memcpy(tmp, hp->host, hp->host_len);
    tmp[hp->host_len] = '\0';
    memset(out->ip, 0, sizeof out->ip);
    if (hp->bracketed) {
        /* inet_pton rejects zone IDs ("%eth0"): sl_addr has no scope. */
        if (inet_pton(AF_INET6, tmp, out->ip) != 1)
            return SL_ERR_INVALID;
        out->family = 6;
        unmap_v4(out);
        return SL_OK;
    }
    if (strcasecmp(tmp, "localhost") == 0) {
        static const uint8_t loopback[4] = { 127, 0, 0, 1 };
        memcpy(out->ip, loopback, sizeof loopback);
        out->family = 4;
        return SL_OK;
    }
    /* Strict dotted quad: glibc's inet_pton takes exactly four decimal
     * parts, unlike inet_aton's "127.1" or octal "010.0.0.1". */
    if (inet_pton(AF_INET, tmp, out->ip) != 1)
        return SL_ERR_INVALID;
    out->family = 4;
    return SL_OK;
}

sl_err sl_posix_addr_parse(const char *hostport, struct sl_addr *out)
{
    if (!hostport || !out)
        return SL_ERR_INVALID;
    size_t len = strnlen(hostport, TEXT_MAX + 1);
    if (len > TEXT_MAX)
        return SL_ERR_INVALID;
    struct hostport hp;
    struct sl_addr a;
    uint16_t port;
    if (split_hostport(hostport, len, &hp) != SL_OK || !hp.has_port ||
        parse_port(hp.port, hp.port_len, &port) != SL_OK || parse_host(&hp, &a) != SL_OK)
        return SL_ERR_INVALID;
    a.port = port;
    *out = a;
    return SL_OK;
}

int sl_posix_addr_format(const struct sl_addr *a, char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    char ip[INET6_ADDRSTRLEN];
    int n;
    if (a->family == 4) {
        if (!inet_ntop(AF_INET, a->ip, ip, sizeof ip))
            return SL_ERR_INVALID;
        n = snprintf(buf, cap, "%s:%u", ip, (unsigned)a->port);
    } else if (a->family == 6) {
        if (!inet_ntop(AF_INET6, a->ip, ip, sizeof ip))
            return SL_ERR_INVALID;
        n = snprintf(buf, cap, "[%s]:%u", ip, (unsigned)a->port);
    } else {
        return SL_ERR_INVALID;
    }
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            buf[0] = '\0'; /* never leave a cut address that looks whole */
        return SL_ERR_OVERFLOW;
    }
    return n;
}

sl_err sl_posix_uri_parse(const char *uri, char *scheme, size_t scheme_cap, struct sl_addr *addr)
{
    if (!uri || !addr || (!scheme && scheme_cap > 0))
        return SL_ERR_INVALID;
    size_t len = strnlen(uri, TEXT_MAX + 1);
    if (len > TEXT_MAX)
        return SL_ERR_INVALID;
    const char *sep = strstr(uri, "://");
    if (!sep || sep == uri)
        return SL_ERR_INVALID;
    size_t scheme_len = (size_t)(sep - uri);
    /* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    for (size_t i = 0; i < scheme_len; i++) {
        unsigned char c = (unsigned char)uri[i];
        if (!(isalpha(c) || (i > 0 && (isdigit(c) || c == '+' || c == '-' || c == '.'))))
            return SL_ERR_INVALID;
    }
    uint16_t port;
    if (scheme_len == 4 && strncasecmp(uri, "coap", 4) == 0)
        port = 5683;
    else if (scheme_len == 5 && strncasecmp(uri, "coaps", 5) == 0)
        port = 5684;
    else
        return SL_ERR_UNSUPPORTED;

    const char *auth = sep + 3;
    size_t auth_len = len - scheme_len - 3;
    if (auth_len > 0 && auth[auth_len - 1] == '/')
        auth_len--;
    /* What is left must be the authority alone: no path, query, fragment or
     * user info (a credential in a URI would end up in logs). */
    if (memchr(auth, '/', auth_len) || memchr(auth, '?', auth_len) ||
        memchr(auth, '#', auth_len) || memchr(auth, '@', auth_len))
        return SL_ERR_INVALID;
    struct hostport hp;
    struct sl_addr a;
    if (split_hostport(auth, auth_len, &hp) != SL_OK)
        return SL_ERR_INVALID;
    if (hp.has_port && parse_port(hp.port, hp.port_len, &port) != SL_OK)
        return SL_ERR_INVALID;
    if (parse_host(&hp, &a) != SL_OK)
        return SL_ERR_INVALID;
    if (scheme_len + 1 > scheme_cap)
        return SL_ERR_OVERFLOW;
    for (size_t i = 0; i < scheme_len; i++)
        scheme[i] = (char)tolower((unsigned char)uri[i]);
    scheme[scheme_len] = '\0';
    a.port = port;
    *addr = a;
    return SL_OK;
}

sl_err sl_posix_addr_to_sockaddr(const struct sl_addr *a, int domain, struct sockaddr_storage *ss,
                                 socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (domain == AF_INET && a->family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(a->port);
        memcpy(&in->sin_addr, a->ip, 4);
        *len = (socklen_t)sizeof *in;
        return SL_OK;
    }
    if (domain == AF_INET6 && (a->family == 4 || a->family == 6)) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(a->port);
        if (a->family == 4) {
            in6->sin6_addr.s6_addr[10] = 0xff;
            in6->sin6_addr.s6_addr[11] = 0xff;
            memcpy(&in6->sin6_addr.s6_addr[12], a->ip, 4);
        } else {
            memcpy(&in6->sin6_addr, a->ip, 16);
        }
        *len = (socklen_t)sizeof *in6;
        return SL_OK;
    }
    return SL_ERR_INVALID;
}

sl_err sl_posix_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct sl_addr *out)
{
    struct sl_addr a;
    memset(&a, 0, sizeof a);
    if (sa->sa_family == AF_INET && (size_t)len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        a.family = 4;
        memcpy(a.ip, &in->sin_addr, 4);
        a.port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6 && (size_t)len >= sizeof(struct sockaddr_in6)) {
        /* sin6_scope_id is dropped: sl_addr has no scope (see sl_posix.h). */
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        a.family = 6;
        memcpy(a.ip, &in6->sin6_addr, 16);
        a.port = ntohs(in6->sin6_port);
        unmap_v4(&a);
    } else {
        return SL_ERR_INVALID;
    }
    *out = a;
    return SL_OK;
}
