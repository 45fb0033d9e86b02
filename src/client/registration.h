/* The client's registration interface (LwM2M Core 6.2 / Transport 6.2):
 * Register, Update before the lifetime runs out or when objects change,
 * De-register, re-register after 4.04, back off after failures; one state
 * machine per server account (objects 0 and 1), on top of an sl_engine.
 *
 * The client owns the hooks of objects 1 (Disable, Registration Update
 * Trigger) and of the data model's Create/Delete (access-control instances
 * and the Update that announces new or removed instances).
 */
#ifndef SL_CLIENT_REGISTRATION_H
#define SL_CLIENT_REGISTRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "sidelink/engine.h"
#include "objects/core_objects.h"

enum sl_reg_state {
    SL_REG_IDLE = 0,     /* not started, or stopped */
    SL_REG_REGISTERING,  /* Register sent */
    SL_REG_REGISTERED,
    SL_REG_UPDATING,     /* Update sent */
    SL_REG_DEREGISTERING,
    SL_REG_RETRY_WAIT,   /* after a failure, until the back-off ends */
    SL_REG_DISABLED      /* Disable executed: quiet until Disable Timeout */
};

/* Longest location the server may give ("rd/5a3f", Location-Path joined). */
#define SL_MAX_LOCATION 48

struct sl_client;

struct sl_reg {
    bool used;
    uint8_t state;
    uint16_t ssid;
    int peer;
    int handle;           /* the request in flight, or -1 */
    uint32_t lifetime;    /* as last registered */
    uint8_t failures;     /* consecutive, for the back-off */
    bool objects_changed; /* send the link list with the next Update */
    bool update_now;
    bool disable_now;     /* Disable executed: de-register, then wait */
    sl_time_ms next;      /* next Update, retry or re-enable */
    char location[SL_MAX_LOCATION];
    struct sl_client *client;
};

struct sl_client_hooks {
    void *ctx;
    /* Make the server of `uri` a peer of the engine (open its transport)
     * and return the peer index, or a negative sl_err. Called before every
     * Register, so a secure transport can start a fresh handshake; return
     * the same peer for the same server. Required. */
    int (*connect)(void *ctx, struct sl_client *c, uint16_t ssid, const char *uri);
    /* Told of every state change (logging, the control socket). Optional. */
    void (*state_changed)(void *ctx, struct sl_client *c, const struct sl_reg *reg, sl_err why);
};

struct sl_client {
    /* the fields the state machine reads most come first: small offsets
     * make short (16-bit) loads and stores on Thumb-2 (the flags after
     * the 8-byte aligned accounts, so no padding is added) */
    struct sl_engine *eng;
    struct sl_core_objects *co;
    struct sl_reg regs[SL_MAX_SERVERS];
    bool started;
    bool stopping;
    struct sl_client_hooks hooks;
    char endpoint[SL_MAX_ENDPOINT_LEN + 1];
    char extra_query[SL_MAX_URI_QUERY / 2]; /* appended to Register, e.g. "c2c=coap://..." */
    uint8_t payload[SL_MAX_REG_PAYLOAD]; /* the engine reads it until the request ends */
    size_t payload_len;
};

/* SL_ERR_INVALID for an endpoint name that is empty or too long. */
sl_err sl_client_init(struct sl_client *c, struct sl_engine *eng, struct sl_core_objects *co,
                      const char *endpoint, const struct sl_client_hooks *hooks);
/* Register with every non-bootstrap server account. */
void sl_client_start(struct sl_client *c, sl_time_ms now);
void sl_client_step(struct sl_client *c, sl_time_ms now);
sl_time_ms sl_client_next_deadline(const struct sl_client *c);
/* Instances were created or deleted: Update with the new link list. */
void sl_client_objects_changed(struct sl_client *c);
/* De-register from every server; sl_client_stopped() says when done (each
 * De-register answered or timed out). */
void sl_client_stop(struct sl_client *c, sl_time_ms now);
bool sl_client_stopped(const struct sl_client *c);
/* Forget every server account at once, without De-register: requests in
 * flight are cancelled and sl_client_start() begins afresh. The bootstrap
 * client (bootstrap.h) calls it before a bootstrap rewrites the accounts. */
void sl_client_halt(struct sl_client *c);
const struct sl_reg *sl_client_reg(const struct sl_client *c, uint16_t ssid);
const char *sl_reg_state_name(uint8_t state);

/* Build the Register payload (the CoRE link list of objects and
 * instances, without objects 0, 21 and 11000) into buf. */
sl_err sl_client_link_list(const struct sl_client *c, uint8_t *buf, size_t cap, size_t *len);

#endif
