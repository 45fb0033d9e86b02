/* The server's own counters (GET /api/server, one blocking HTTP/1.1 request
 * on loopback) and the kernel's UDP counters (/proc/net/snmp). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lg.h"

/* The unsigned number after "key": (jansson may put a space after ':'). */
static bool json_uint(const char *body, const char *key, uint64_t *out)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(body, pat);
    if (!p)
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno)
        return false;
    *out = v;
    return true;
}

struct lg_server_counters lg_server_counters(const struct sockaddr_in *http)
{
    struct lg_server_counters r = { 0 };
    if (!http->sin_port)
        return r;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return r;
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (const struct sockaddr *)http, sizeof *http) != 0) {
        close(fd);
        return r;
    }
    static const char req[] = "GET /api/server HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        close(fd);
        return r;
    }
    char buf[8192];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[len] = 0;
    const char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !body)
        return r;
    const char *cc = strstr(body, "\"coapCounters\"");
    r.ok = cc && json_uint(cc, "notifications", &r.notifications) &&
           json_uint(cc, "received", &r.received);
    /* the top-level "registrations" (current count) comes before coapCounters */
    json_uint(body, "registrations", &r.registrations_now);
    json_uint(body, "commits", &r.commits);
    return r;
}

uint64_t lg_udp_rcvbuf_errors(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    if (!f)
        return 0;
    char names[1024], values[1024];
    uint64_t out = 0;
    while (fgets(names, sizeof names, f)) {
        if (strncmp(names, "Udp:", 4) != 0 || !fgets(values, sizeof values, f))
            continue;
        /* two lines: "Udp: InDatagrams NoPorts ... RcvbufErrors ..." and the values */
        char *ns = NULL, *vs = NULL;
        char *n = strtok_r(names, " \n", &ns);
        char *v = strtok_r(values, " \n", &vs);
        while (n && v) {
            if (strcmp(n, "RcvbufErrors") == 0) {
                out = strtoull(v, NULL, 10);
                break;
            }
            n = strtok_r(NULL, " \n", &ns);
            v = strtok_r(NULL, " \n", &vs);
        }
        break;
    }
    fclose(f);
    return out;
}
