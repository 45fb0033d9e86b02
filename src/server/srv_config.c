/* sidelink-server's configuration: defaults, keys, the config file, checks.
 * Every command-line option is also a key (docs/server.md lists them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/posix/conf.h"
#include "platform/posix/sl_posix.h"
#include "server/server.h"

void srv_config_defaults(struct srv_config *c)
{
    memset(c, 0, sizeof *c);
    sl_posix_addr_parse("0.0.0.0:5683", &c->coap);
    sl_posix_addr_parse("0.0.0.0:5684", &c->coaps);
    c->coaps_enabled = true;
    /* about 33 KiB each with Debian's mbedTLS (16 KiB I/O buffers) */
    c->dtls_max_sessions = 4096;
    /* longer than LwM2M's default lifetime (86400 s), so a client that only
     * sends its Updates keeps its session and stays reachable */
    c->dtls_idle_timeout_s = 90000;
    c->dtls_handshake_rate = 20;
    sl_posix_addr_parse("127.0.0.1:8080", &c->http);
    snprintf(c->db, sizeof c->db, "./sidelink.db");
    c->log_level = SL_LOG_INFO;
    c->request_timeout_s = 5;
    c->bootstrap_timeout_s = 30;
    sl_coap_params_default(&c->coap_params);
    c->coap_rcvbuf = 4u << 20; /* room for a burst of a few thousand registrations */
}

static bool addr(const char *v, struct sl_addr *out, char *err, size_t errlen)
{
    if (sl_posix_addr_parse(v, out) != SL_OK) {
        snprintf(err, errlen, "\"%s\" is not ADDR:PORT (e.g. 127.0.0.1:5683 or [::]:5683)", v);
        return false;
    }
    return true;
}

static bool boolean(const char *v, bool *out, char *err, size_t errlen)
{
    if (sl_conf_bool(v, out) != SL_OK) {
        snprintf(err, errlen, "\"%s\" is not a boolean (true/false, yes/no, 1/0)", v);
        return false;
    }
    return true;
}

static bool u32(const char *v, uint32_t min, uint32_t max, uint32_t *out, char *err, size_t errlen)
{
    if (sl_conf_u32(v, min, max, out) != SL_OK) {
        snprintf(err, errlen, "\"%s\" is not a number %u..%u", v, min, max);
        return false;
    }
    return true;
}

bool srv_config_set(struct srv_config *c, const char *key, const char *v, char *err, size_t errlen)
{
    uint32_t n;
    if (!strcmp(key, "coap"))
        return addr(v, &c->coap, err, errlen);
    if (!strcmp(key, "coaps")) {
        if (!strcmp(v, "off")) {
            c->coaps_enabled = false;
            return true;
        }
        if (!addr(v, &c->coaps, err, errlen))
            return false;
        c->coaps_enabled = true;
        return true;
    }
    if (!strcmp(key, "dtls_max_sessions"))
        return u32(v, 1, 1000000, &c->dtls_max_sessions, err, errlen);
    if (!strcmp(key, "dtls_idle_timeout"))
        return u32(v, 10, 10u * 86400u, &c->dtls_idle_timeout_s, err, errlen);
    if (!strcmp(key, "dtls_handshake_rate"))
        return u32(v, 1, 1000000, &c->dtls_handshake_rate, err, errlen);
    if (!strcmp(key, "http"))
        return addr(v, &c->http, err, errlen);
    if (!strcmp(key, "db")) {
        if (!*v || strlen(v) >= sizeof c->db) {
            snprintf(err, errlen, "the path must be 1..%zu bytes", sizeof c->db - 1);
            return false;
        }
        snprintf(c->db, sizeof c->db, "%s", v);
        return true;
    }
    if (!strcmp(key, "bootstrap"))
        return boolean(v, &c->bootstrap, err, errlen);
    if (!strcmp(key, "bootstrap_timeout"))
        return u32(v, 1, 300, &c->bootstrap_timeout_s, err, errlen);
    if (!strcmp(key, "log_level")) {
        if (sl_posix_log_level_parse(v, &c->log_level) != SL_OK) {
            snprintf(err, errlen, "\"%s\" is not a level (error, warn, info, debug)", v);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "http_token")) {
        size_t len = strlen(v);
        if (len >= sizeof c->http_token) {
            snprintf(err, errlen, "the token is longer than %zu bytes", sizeof c->http_token - 1);
            return false;
        }
        for (size_t k = 0; k < len; k++) {
            if ((unsigned char)v[k] <= 0x20 || v[k] == 0x7f) {
                snprintf(err, errlen, "the token must be printable without blanks");
                return false;
            }
        }
        memcpy(c->http_token, v, len + 1);
        return true;
    }
    if (!strcmp(key, "coap_rcvbuf"))
        return u32(v, 65536, 256u << 20, &c->coap_rcvbuf, err, errlen);
    if (!strcmp(key, "require_security"))
        return boolean(v, &c->require_security, err, errlen);
    if (!strcmp(key, "request_timeout"))
        return u32(v, 1, 300, &c->request_timeout_s, err, errlen);
    if (!strcmp(key, "coap_ack_timeout_ms")) {
        if (!u32(v, 100, 60000, &n, err, errlen))
            return false;
        c->coap_params.ack_timeout_ms = n;
        return true;
    }
    if (!strcmp(key, "coap_max_retransmit")) {
        if (!u32(v, 0, 8, &n, err, errlen))
            return false;
        c->coap_params.max_retransmit = (uint8_t)n;
        return true;
    }
    if (!strcmp(key, "max_registrations"))
        return u32(v, 0, 10000000, &c->max_registrations, err, errlen);
    snprintf(err, errlen, "unknown key");
    return false;
}

bool srv_config_load(struct srv_config *c, const char *path, const char *const *skip, char *err,
                     size_t errlen)
{
    struct sl_conf conf;
    if (sl_conf_load(&conf, path, err, errlen) != SL_OK) {
        sl_conf_free(&conf);
        return false;
    }
    size_t cur = 0;
    const struct sl_conf_entry *e;
    bool ok = true;
    while (ok && (e = sl_conf_next(&conf, &cur)) != NULL) {
        if (e->section[0]) {
            sl_conf_error(&conf, e, err, errlen, "unknown section [%s]", e->section);
            ok = false;
            break;
        }
        bool skipped = false;
        for (const char *const *k = skip; k && *k; k++)
            if (!strcmp(*k, e->key))
                skipped = true;
        char msg[200];
        struct srv_config scratch = *c;
        /* a key the command line sets is still checked, then ignored */
        if (!srv_config_set(skipped ? &scratch : c, e->key, e->value, msg, sizeof msg)) {
            sl_conf_error(&conf, e, err, errlen, "%s", msg);
            ok = false;
        }
    }
    sl_conf_free(&conf);
    return ok;
}

static bool loopback(const struct sl_addr *a)
{
    if (a->family == 4)
        return a->ip[0] == 127;
    static const uint8_t one[16] = { [15] = 1 };
    return memcmp(a->ip, one, 16) == 0;
}

bool srv_config_check(const struct srv_config *c, char *err, size_t errlen)
{
    if (!loopback(&c->http) && !c->http_token[0]) {
        char a[SL_POSIX_ADDR_STRLEN];
        if (sl_posix_addr_format(&c->http, a, sizeof a) < 0)
            strcpy(a, "?");
        snprintf(err, errlen,
                 "http: %s is not a loopback address: set http_token so the REST API is guarded", a);
        return false;
    }
    return true;
}
