/* sidelink-server: the LwM2M server (DESIGN 5). Thin: options and the
 * config file into struct srv_config, then src/server does the work.
 * Exit: 0 clean stop, 1 runtime failure, 2 bad usage or configuration. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

static void usage(FILE *f)
{
    fputs("usage: sidelink-server [--config FILE] [--coap ADDR:PORT] [--coaps ADDR:PORT]\n"
          "                       [--http ADDR:PORT] [--db PATH] [--bootstrap]\n"
          "                       [--log-level LEVEL] [--help]\n"
          "\n"
          "The Sidelink LwM2M server: registrations, device management, observe,\n"
          "server-side bindings, optionally bootstrap, and a JSON REST API with\n"
          "server-sent events.\n"
          "\n"
          "  --config FILE      read keys from FILE (KEY = VALUE lines; the options\n"
          "                     below win over it)\n"
          "  --coap ADDR:PORT   plain CoAP (default 0.0.0.0:5683; [::]:5683 for both\n"
          "                     IPv6 and IPv4)\n"
          "  --coaps ADDR:PORT  CoAP over DTLS 1.2 with pre-shared keys (default\n"
          "                     0.0.0.0:5684; off: no DTLS socket)\n"
          "  --http ADDR:PORT   REST API (default 127.0.0.1:8080; another address\n"
          "                     needs the http_token key)\n"
          "  --db PATH          SQLite store (default ./sidelink.db; :memory: keeps\n"
          "                     nothing)\n"
          "  --bootstrap        also be a LwM2M bootstrap server (POST /bs) on the same\n"
          "                     sockets; configurations under /api/bootstrap\n"
          "  --log-level LEVEL  error, warn, info (default) or debug\n"
          "  --help             this text\n"
          "\n"
          "Config-file keys: the options' names with '_' for '-' (coap, coaps, http,\n"
          "db, bootstrap, log_level), and http_token, require_security,\n"
          "request_timeout, bootstrap_timeout, coap_ack_timeout_ms, coap_max_retransmit,\n"
          "max_registrations, coap_rcvbuf, dtls_max_sessions, dtls_idle_timeout,\n"
          "dtls_handshake_rate. See docs/server.md and docs/rest-api.md.\n"
          "\n"
          "Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime failure, 2 on bad\n"
          "usage or configuration.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "coap", required_argument, NULL, 'u' },
        { "coaps", required_argument, NULL, 's' },
        { "http", required_argument, NULL, 'H' },
        { "db", required_argument, NULL, 'd' },
        { "bootstrap", no_argument, NULL, 'b' },
        { "log-level", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    /* options as key/value pairs, applied after the file so they win */
    const char *keys[8], *vals[8];
    int nset = 0;
    const char *config = NULL;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (ch) {
        case 'c':
            config = optarg;
            continue;
        case 'u':
            key = "coap";
            break;
        case 's':
            key = "coaps";
            break;
        case 'H':
            key = "http";
            break;
        case 'd':
            key = "db";
            break;
        case 'b':
            key = "bootstrap";
            optarg = "true";
            break;
        case 'l':
            key = "log_level";
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "sidelink-server: %s: unknown option or missing value\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        }
        for (int k = 0; k < nset; k++)
            if (!strcmp(keys[k], key))
                keys[k] = ""; /* a repeated option: the last one wins */
        keys[nset] = key;
        vals[nset] = optarg;
        nset++;
    }
    if (optind < argc) {
        fprintf(stderr, "sidelink-server: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    struct srv_config cfg;
    srv_config_defaults(&cfg);
    char err[512];
    if (config) {
        const char *skip[9];
        int n = 0;
        for (int k = 0; k < nset; k++)
            if (keys[k][0])
                skip[n++] = keys[k];
        skip[n] = NULL;
        if (!srv_config_load(&cfg, config, skip, err, sizeof err)) {
            fprintf(stderr, "sidelink-server: %s\n", err);
            return 2;
        }
    }
    for (int k = 0; k < nset; k++) {
        if (!keys[k][0])
            continue;
        if (!srv_config_set(&cfg, keys[k], vals[k], err, sizeof err)) {
            fprintf(stderr, "sidelink-server: --%s: %s\n",
                    !strcmp(keys[k], "log_level") ? "log-level" : keys[k], err);
            return 2;
        }
    }
    if (!srv_config_check(&cfg, err, sizeof err)) {
        fprintf(stderr, "sidelink-server: %s%s%s\n", config ? config : "", config ? ": " : "", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct srv *s = srv_new(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "sidelink-server: %s\n", err);
        return 1;
    }
    int rc = srv_run(s);
    srv_free(s);
    return rc;
}
