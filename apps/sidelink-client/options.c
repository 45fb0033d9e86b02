/* sidelink-client: defaults, config file, command line. */
#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/posix/conf.h"
#include "platform/posix/sl_posix.h"

static const char usage[] =
    "Usage: sidelink-client [OPTIONS]\n"
    "An LwM2M client daemon: registers with its servers and serves their\n"
    "requests; demo objects 3303 Temperature, 3311 Light Control, 3347 Push Button.\n"
    "\n"
    "  --config FILE          read settings from FILE (keys: docs/client.md)\n"
    "  --endpoint NAME        endpoint name (required: here or in the config)\n"
    "  --server URI           server to register with, coap://HOST:PORT (Short Server ID 1)\n"
    "  --psk-identity ID      PSK identity for that server (coaps://)\n"
    "  --psk-key HEX          PSK for that server, in hex\n"
    "  --listen ADDR:PORT     UDP address for server traffic and plain C2C (default [::]:0)\n"
    "  --listen-secure ADDR:PORT  accept DTLS handshakes there (C2C requesters; they\n"
    "                         need client accounts, which come with C2C)\n"
    "  --control PATH         Unix socket for sidelinkctl client commands (mode 0600)\n"
    "  --state-dir DIR        where objects 0, 1 and 2 persist (default ./sidelink-state-NAME)\n"
    "  --lifetime S           registration lifetime in seconds (default 300)\n"
    "  --log-level LEVEL      error, warn, info (default) or debug\n"
    "  --help                 this text\n"
    "\n"
    "Exit status: 0 clean shutdown, 1 runtime failure, 2 bad usage or configuration.\n";

static void defaults(struct client_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lifetime = 300;
    strcpy(o->listen, "[::]:0");
    o->log_level = SL_LOG_INFO;
    o->temperature = o->light = o->button = true;
    o->temperature_period_ms = 5000;
    o->temperature_base = 21.0;
    o->temperature_noise = 0.5;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int parse_double(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end != '\0')
        return -1;
    *out = d;
    return 0;
}

/* The demo objects to expose: "3303,3311,3347" (any subset, or "none"). */
static int parse_objects(struct client_opts *o, const char *v)
{
    char buf[64];
    if (copy_str(buf, sizeof buf, v) < 0)
        return -1;
    o->temperature = o->light = o->button = false;
    if (strcmp(buf, "none") == 0)
        return 0;
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        if (strcmp(tok, "3303") == 0)
            o->temperature = true;
        else if (strcmp(tok, "3311") == 0)
            o->light = true;
        else if (strcmp(tok, "3347") == 0)
            o->button = true;
        else
            return -1;
    }
    return 0;
}

/* OSCORE keys of a [server] or [bootstrap] block, in hex (RFC 8613 3.3
 * limits: IDs at most 7 bytes, an ID Context at most 8). */
static int oscore_key(struct client_server_opts *s, const char *key, const char *v)
{
    s->oscore = true;
    if (strcmp(key, "sender_id") == 0) {
        s->has_sid = true;
        return sl_conf_hex(v, s->oscore_sid, sizeof s->oscore_sid, &s->oscore_sid_len) == SL_OK
                   ? 0 : -1;
    }
    if (strcmp(key, "recipient_id") == 0) {
        s->has_rid = true;
        return sl_conf_hex(v, s->oscore_rid, sizeof s->oscore_rid, &s->oscore_rid_len) == SL_OK
                   ? 0 : -1;
    }
    if (strcmp(key, "master_secret") == 0)
        return sl_conf_hex(v, s->oscore_secret, sizeof s->oscore_secret, &s->oscore_secret_len) ==
                           SL_OK && s->oscore_secret_len > 0
                   ? 0 : -1;
    if (strcmp(key, "master_salt") == 0)
        return sl_conf_hex(v, s->oscore_salt, sizeof s->oscore_salt, &s->oscore_salt_len) == SL_OK
                   ? 0 : -1;
    if (strcmp(key, "id_context") == 0) {
        s->has_id_ctx = true;
        return sl_conf_hex(v, s->oscore_id_ctx, sizeof s->oscore_id_ctx, &s->oscore_id_ctx_len) ==
                           SL_OK ? 0 : -1;
    }
    return -2;
}

static int server_key(struct client_server_opts *s, const char *key, const char *v)
{
    uint32_t u;
    if (strcmp(key, "uri") == 0)
        return copy_str(s->uri, sizeof s->uri, v);
    if (strcmp(key, "short_id") == 0) {
        if (sl_conf_u32(v, 1, 65534, &u) != SL_OK)
            return -1;
        s->short_id = (uint16_t)u;
        return 0;
    }
    if (strcmp(key, "lifetime") == 0)
        return sl_conf_u32(v, 1, 0xFFFFFFFFu, &s->lifetime) == SL_OK ? 0 : -1;
    if (strcmp(key, "pmin") == 0)
        return sl_conf_u32(v, 0, 0xFFFFFFFFu, &s->pmin) == SL_OK ? 0 : -1;
    if (strcmp(key, "pmax") == 0)
        return sl_conf_u32(v, 0, 0xFFFFFFFFu, &s->pmax) == SL_OK ? 0 : -1;
    if (strcmp(key, "psk_identity") == 0)
        return copy_str(s->psk_identity, sizeof s->psk_identity, v);
    if (strcmp(key, "psk_key") == 0)
        return sl_conf_hex(v, s->psk_key, sizeof s->psk_key, &s->psk_key_len) == SL_OK ? 0 : -1;
    if (strncmp(key, "oscore_", 7) == 0)
        return oscore_key(s, key + 7, v);
    return -2;
}

/* The bootstrap server's account: its URI and credentials, no SSID. */
static int bootstrap_key(struct client_server_opts *s, const char *key, const char *v)
{
    if (strcmp(key, "hold_off") == 0)
        return sl_conf_u32(v, 0, 86400, &s->hold_off) == SL_OK ? 0 : -1;
    if (strcmp(key, "uri") == 0 || strcmp(key, "psk_identity") == 0 ||
        strcmp(key, "psk_key") == 0 || strncmp(key, "oscore_", 7) == 0)
        return server_key(s, key, v);
    return -2;
}

static int top_key(struct client_opts *o, const char *key, const char *v)
{
    uint32_t u;
    if (strcmp(key, "endpoint") == 0)
        return copy_str(o->endpoint, sizeof o->endpoint, v);
    if (strcmp(key, "lifetime") == 0)
        return sl_conf_u32(v, 1, 0xFFFFFFFFu, &o->lifetime) == SL_OK ? 0 : -1;
    if (strcmp(key, "listen") == 0)
        return copy_str(o->listen, sizeof o->listen, v);
    if (strcmp(key, "listen_secure") == 0)
        return copy_str(o->listen_secure, sizeof o->listen_secure, v);
    if (strcmp(key, "control") == 0)
        return copy_str(o->control, sizeof o->control, v);
    if (strcmp(key, "state_dir") == 0)
        return copy_str(o->state_dir, sizeof o->state_dir, v);
    if (strcmp(key, "log_level") == 0)
        return sl_posix_log_level_parse(v, &o->log_level) == SL_OK ? 0 : -1;
    if (strcmp(key, "notify_con") == 0)
        return sl_conf_bool(v, &o->notify_con) == SL_OK ? 0 : -1;
    if (strcmp(key, "objects") == 0)
        return parse_objects(o, v);
    if (strcmp(key, "temperature.period") == 0) {
        if (sl_conf_u32(v, 1, 86400, &u) != SL_OK)
            return -1;
        o->temperature_period_ms = u * 1000u;
        return 0;
    }
    if (strcmp(key, "temperature.base") == 0)
        return parse_double(v, &o->temperature_base);
    if (strcmp(key, "temperature.noise") == 0)
        return parse_double(v, &o->temperature_noise);
    return -2;
}

static int load_config(struct client_opts *o, const char *path)
{
    struct sl_conf c;
    char err[512];
    if (sl_conf_load(&c, path, err, sizeof err) != SL_OK) {
        fprintf(stderr, "sidelink-client: %s\n", err);
        return 2;
    }
    size_t cursor = 0;
    const struct sl_conf_entry *e;
    int rc = 0;
    while (rc == 0 && (e = sl_conf_next(&c, &cursor)) != NULL) {
        int r;
        if (e->section[0] == '\0') {
            r = top_key(o, e->key, e->value);
        } else if (strcmp(e->section, "server") == 0) {
            if (e->section_index >= SL_MAX_SERVERS) {
                sl_conf_error(&c, e, err, sizeof err, "at most %d [server] blocks",
                              SL_MAX_SERVERS);
                fprintf(stderr, "sidelink-client: %s\n", err);
                rc = 2;
                break;
            }
            if (e->section_index + 1 > o->server_count)
                o->server_count = e->section_index + 1;
            r = server_key(&o->servers[e->section_index], e->key, e->value);
        } else if (strcmp(e->section, "bootstrap") == 0) {
            if (e->section_index > 0) {
                sl_conf_error(&c, e, err, sizeof err, "at most one [bootstrap] block");
                fprintf(stderr, "sidelink-client: %s\n", err);
                rc = 2;
                break;
            }
            o->has_bootstrap = true;
            r = bootstrap_key(&o->bootstrap, e->key, e->value);
        } else {
            r = -3;
        }
        if (r != 0) {
            sl_conf_error(&c, e, err, sizeof err, "%s",
                          r == -3   ? "unknown section"
                          : r == -2 ? "unknown key"
                                    : "bad value");
            fprintf(stderr, "sidelink-client: %s\n", err);
            rc = 2;
        }
    }
    sl_conf_free(&c);
    return rc;
}

static int bad(const char *what, const char *v)
{
    fprintf(stderr, "sidelink-client: bad %s: %s\n(try --help)\n", what, v);
    return 2;
}

/* A server or bootstrap account: a coap:// or coaps:// URI, with a PSK
 * exactly when it is coaps://. */
static int check_account(const struct client_server_opts *s)
{
    char scheme[8];
    struct sl_addr a;
    if (sl_posix_uri_parse(s->uri, scheme, sizeof scheme, &a) != SL_OK)
        return bad("server URI (coap://HOST:PORT)", s->uri);
    if (strcmp(scheme, "coaps") == 0) {
        if (s->psk_identity[0] == '\0' || s->psk_key_len == 0) {
            fprintf(stderr, "sidelink-client: %s: coaps:// needs psk_identity and psk_key "
                            "(--psk-identity, --psk-key)\n", s->uri);
            return 2;
        }
        if (s->oscore) {
            fprintf(stderr, "sidelink-client: %s: OSCORE is for coap:// servers (DTLS already "
                            "protects coaps://)\n", s->uri);
            return 2;
        }
    } else if (strcmp(scheme, "coap") == 0) {
        if (s->psk_identity[0] || s->psk_key_len) {
            fprintf(stderr, "sidelink-client: %s: a PSK is for coaps:// servers\n", s->uri);
            return 2;
        }
        if (s->oscore && (!s->has_sid || !s->has_rid || s->oscore_secret_len == 0 ||
                          (s->oscore_sid_len == s->oscore_rid_len &&
                           memcmp(s->oscore_sid, s->oscore_rid, s->oscore_sid_len) == 0))) {
            fprintf(stderr, "sidelink-client: %s: OSCORE needs oscore_sender_id, "
                            "oscore_recipient_id (different) and oscore_master_secret\n",
                    s->uri);
            return 2;
        }
    } else {
        return bad("server URI scheme (coap:// or coaps://)", s->uri);
    }
    return 0;
}

int client_opts_parse(struct client_opts *o, int argc, char **argv)
{
    enum { O_CONFIG = 1, O_ENDPOINT, O_SERVER, O_PSK_ID, O_PSK_KEY, O_LISTEN, O_LISTEN_SECURE,
           O_CONTROL, O_STATE_DIR, O_LIFETIME, O_LOG_LEVEL, O_HELP };
    static const struct option longopts[] = {
        { "config", required_argument, NULL, O_CONFIG },
        { "endpoint", required_argument, NULL, O_ENDPOINT },
        { "server", required_argument, NULL, O_SERVER },
        { "psk-identity", required_argument, NULL, O_PSK_ID },
        { "psk-key", required_argument, NULL, O_PSK_KEY },
        { "listen", required_argument, NULL, O_LISTEN },
        { "listen-secure", required_argument, NULL, O_LISTEN_SECURE },
        { "control", required_argument, NULL, O_CONTROL },
        { "state-dir", required_argument, NULL, O_STATE_DIR },
        { "lifetime", required_argument, NULL, O_LIFETIME },
        { "log-level", required_argument, NULL, O_LOG_LEVEL },
        { "help", no_argument, NULL, O_HELP },
        { NULL, 0, NULL, 0 },
    };
    defaults(o);
    /* the config file first, so the command line wins */
    for (int k = 1; k < argc; k++) {
        const char *cfg = NULL;
        if (strcmp(argv[k], "--config") == 0 && k + 1 < argc)
            cfg = argv[k + 1];
        else if (strncmp(argv[k], "--config=", 9) == 0)
            cfg = argv[k] + 9;
        if (cfg) {
            int rc = load_config(o, cfg);
            if (rc)
                return rc;
        }
        if (strcmp(argv[k], "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    }
    struct client_server_opts *cli = NULL; /* the server named on the command line */
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        uint32_t u;
        switch (c) {
        case O_CONFIG:
            break;
        case O_ENDPOINT:
            if (copy_str(o->endpoint, sizeof o->endpoint, optarg) < 0)
                return bad("endpoint (1..64 bytes)", optarg);
            break;
        case O_SERVER:
            cli = &o->servers[0];
            memset(cli, 0, sizeof *cli);
            if (o->server_count == 0)
                o->server_count = 1;
            if (copy_str(cli->uri, sizeof cli->uri, optarg) < 0)
                return bad("server URI", optarg);
            break;
        case O_PSK_ID:
            if (copy_str(o->servers[0].psk_identity, sizeof o->servers[0].psk_identity, optarg) < 0)
                return bad("PSK identity", optarg);
            break;
        case O_PSK_KEY:
            if (sl_conf_hex(optarg, o->servers[0].psk_key, sizeof o->servers[0].psk_key,
                            &o->servers[0].psk_key_len) != SL_OK)
                return bad("PSK key (hex)", optarg);
            break;
        case O_LISTEN:
            if (copy_str(o->listen, sizeof o->listen, optarg) < 0)
                return bad("listen address", optarg);
            break;
        case O_LISTEN_SECURE:
            if (copy_str(o->listen_secure, sizeof o->listen_secure, optarg) < 0)
                return bad("listen-secure address", optarg);
            break;
        case O_CONTROL:
            if (copy_str(o->control, sizeof o->control, optarg) < 0)
                return bad("control socket path", optarg);
            break;
        case O_STATE_DIR:
            if (copy_str(o->state_dir, sizeof o->state_dir, optarg) < 0)
                return bad("state directory", optarg);
            break;
        case O_LIFETIME:
            if (sl_conf_u32(optarg, 1, 0xFFFFFFFFu, &u) != SL_OK)
                return bad("lifetime", optarg);
            o->lifetime = u;
            break;
        case O_LOG_LEVEL:
            if (sl_posix_log_level_parse(optarg, &o->log_level) != SL_OK)
                return bad("log level (error, warn, info, debug)", optarg);
            break;
        default:
            fprintf(stderr, "sidelink-client: unknown or incomplete option %s\n(try --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sidelink-client: unexpected argument %s\n(try --help)\n", argv[optind]);
        return 2;
    }
    if (o->endpoint[0] == '\0') {
        fprintf(stderr, "sidelink-client: no endpoint name (--endpoint or `endpoint =`)\n");
        return 2;
    }
    for (unsigned k = 0; k < o->server_count; k++) {
        struct client_server_opts *s = &o->servers[k];
        if (s->short_id == 0)
            s->short_id = (uint16_t)(k + 1);
        if (s->uri[0] == '\0') {
            fprintf(stderr, "sidelink-client: server %u has no uri\n", k + 1);
            return 2;
        }
        if (check_account(s) != 0)
            return 2;
        for (unsigned j = 0; j < k; j++)
            if (o->servers[j].short_id == s->short_id)
                return bad("server short_id (duplicate)", s->uri);
    }
    if (o->has_bootstrap) {
        if (o->bootstrap.uri[0] == '\0') {
            fprintf(stderr, "sidelink-client: [bootstrap] has no uri\n");
            return 2;
        }
        if (check_account(&o->bootstrap) != 0)
            return 2;
    }
    struct sl_addr a;
    if (o->listen_secure[0] && sl_posix_addr_parse(o->listen_secure, &a) != SL_OK)
        return bad("listen-secure address (ADDR:PORT)", o->listen_secure);
    if (sl_posix_addr_parse(o->listen, &a) != SL_OK)
        return bad("listen address (ADDR:PORT)", o->listen);
    if (o->state_dir[0] == '\0' &&
        snprintf(o->state_dir, sizeof o->state_dir, "sidelink-state-%s", o->endpoint) >=
            (int)sizeof o->state_dir)
        return bad("state directory", o->endpoint);
    return 0;
}
