/* sidelink-server as a library: configuration, start-up, the loop, shutdown.
 * apps/sidelink-server/main.c is a thin wrapper around this (options and
 * config file -> struct srv_config -> srv_new -> srv_run -> srv_free).
 */
#ifndef SL_SERVER_H
#define SL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap_exchange.h"
#include "sidelink/platform.h"

#define SRV_TOKEN_MAX 256
#define SRV_PATH_MAX 512

struct srv_config {
    struct sl_addr coap;       /* key coap, --coap; default 0.0.0.0:5683 */
    struct sl_addr http;       /* key http, --http; default 127.0.0.1:8080 */
    struct sl_addr coaps;      /* key coaps, --coaps; default 0.0.0.0:5684 */
    bool coaps_enabled;        /* false with coaps = off */
    uint32_t dtls_max_sessions; /* key dtls_max_sessions; default 4096 */
    uint32_t dtls_idle_timeout_s; /* key dtls_idle_timeout; default 90000 */
    uint32_t dtls_handshake_rate; /* key dtls_handshake_rate: ClientHellos/s per source IP */
    bool bootstrap;            /* key bootstrap, --bootstrap: also a bootstrap server */
    uint32_t bootstrap_timeout_s; /* key bootstrap_timeout: per bootstrap request (30) */
    char db[SRV_PATH_MAX];     /* key db, --db; default ./sidelink.db; ":memory:" */
    int log_level;             /* key log_level, --log-level; default info */
    char http_token[SRV_TOKEN_MAX]; /* key http_token; "" = none */
    bool require_security;     /* key require_security */
    uint32_t request_timeout_s; /* key request_timeout: default ?timeout= (5) */
    struct sl_coap_params coap_params; /* keys coap_ack_timeout_ms, coap_max_retransmit */
    uint32_t max_registrations; /* key max_registrations (0 = no limit) */
    uint32_t coap_rcvbuf;      /* key coap_rcvbuf: socket receive buffer, bytes */
};

void srv_config_defaults(struct srv_config *c);
/* Apply one key = value (from a file or an option); false with a message
 * for an unknown key or a bad value. */
bool srv_config_set(struct srv_config *c, const char *key, const char *value, char *err,
                    size_t errlen);
/* Load FILE: errors read "FILE:LINE: KEY: message". `skip` names keys the
 * command line sets (the command line wins); NULL-terminated, may be NULL. */
bool srv_config_load(struct srv_config *c, const char *path, const char *const *skip, char *err,
                     size_t errlen);
/* Checks across keys (a token for a non-loopback HTTP address, ...). */
bool srv_config_check(const struct srv_config *c, char *err, size_t errlen);

struct srv;

/* Bind the sockets, open the store, restore registrations and bindings.
 * NULL with a message on failure (a runtime failure: exit 1). */
struct srv *srv_new(const struct srv_config *c, char *err, size_t errlen);
/* Run until SIGINT/SIGTERM (blocked and read through a signalfd while it
 * runs) or srv_request_stop(). 0 on a clean stop, 1 on a fatal error. */
int srv_run(struct srv *s);
void srv_request_stop(struct srv *s);
/* Resume every suspended HTTP connection, flush the store, close all. */
void srv_free(struct srv *s);

#endif
