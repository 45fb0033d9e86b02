/* sidelink-client's settings: defaults, then the config file, then the
 * command line (which wins). Every option has a config-file key; see
 * docs/client.md. */
#ifndef SIDELINK_CLIENT_OPTIONS_H
#define SIDELINK_CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"

#define CLIENT_MAX_PATH 256

struct client_server_opts {
    char uri[SL_MAX_URI_LEN + 1];
    uint16_t short_id;
    uint32_t lifetime; /* 0: the global lifetime */
    uint32_t pmin, pmax;
    char psk_identity[SL_MAX_IDENTITY_LEN + 1];
    uint8_t psk_key[SL_MAX_KEY_LEN];
    size_t psk_key_len;
    uint32_t hold_off; /* [bootstrap]: Client Hold Off Time, seconds */
    /* OSCORE over coap:// (object 21, linked from Security resource 17) */
    bool oscore;
    uint8_t oscore_sid[7], oscore_rid[7], oscore_secret[32], oscore_salt[32], oscore_id_ctx[8];
    size_t oscore_sid_len, oscore_rid_len, oscore_secret_len, oscore_salt_len, oscore_id_ctx_len;
    bool has_sid, has_rid, has_id_ctx;
};

struct client_opts {
    char endpoint[SL_MAX_ENDPOINT_LEN + 1];
    uint32_t lifetime;
    char listen[64];
    char listen_secure[64];
    char control[CLIENT_MAX_PATH];
    char state_dir[CLIENT_MAX_PATH];
    int log_level;
    unsigned server_count;
    struct client_server_opts servers[SL_MAX_SERVERS];
    bool has_bootstrap; /* a [bootstrap] block */
    struct client_server_opts bootstrap;
    /* demo objects */
    bool temperature, light, button;
    uint32_t temperature_period_ms;
    double temperature_base, temperature_noise;
    bool notify_con;
};

/* Parse argv (and the config file it names). Returns 0 to run, 1 after
 * printing --help (exit 0), or 2 after printing an error (exit 2). */
int client_opts_parse(struct client_opts *o, int argc, char **argv);

#endif
