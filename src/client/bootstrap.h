/* The client's bootstrap interface (LwM2M 1.1 Core 6.1, Transport 6.1):
 * client-initiated bootstrap from the bootstrap server account (the
 * Security instance whose Bootstrap-Server resource is true), and the hand
 * over to the registration client once the bootstrap server has written
 * usable server accounts and said Bootstrap-Finish.
 *
 *   1. Bootstrap-Request: POST /bs?ep=<endpoint> to the bootstrap server,
 *      after the account's Client Hold Off Time (Security resource 11).
 *   2. 2.04 from the server: wait for its Bootstrap-Write/-Delete/
 *      -Discover/-Read (served by the data model as the bootstrap actor)
 *      and its Bootstrap-Finish (POST /bs), at most
 *      SL_BOOTSTRAP_FINISH_TIMEOUT_MS.
 *   3. Bootstrap-Finish is answered 2.04 when the accounts are usable
 *      (sl_bootstrap_config_usable()), else 4.06 Not Acceptable and the
 *      client keeps waiting. After a 2.04 the next sl_bootstrap_step()
 *      starts the registration client (sl_client_halt(), sl_client_start()
 *      and a first sl_client_step(), so the Register goes out at once).
 *   Any failure (no answer, an error code, no Finish in time) retries the
 *   Bootstrap-Request after a back-off of SL_BOOTSTRAP_RETRY_FIRST_MS,
 *   doubling up to SL_BOOTSTRAP_RETRY_MAX_MS, plus up to 1 s of jitter.
 *
 * When: at power-on when there is no usable server account, and whenever
 * the started registration client has no account left to register with or
 * every one of its accounts has failed SL_BOOTSTRAP_AFTER_REG_FAILURES
 * times in a row (sl_bootstrap_step() notices and takes over). A Finish
 * that arrives without a request of ours (server-initiated bootstrap) is
 * honoured the same way: the client is halted and started afresh.
 *
 * How an application wires it (after sl_client_init()):
 *
 *   static struct sl_bootstrap bs;
 *   struct sl_bootstrap_hooks bh = { app_ctx, connect_bootstrap, NULL };
 *   sl_bootstrap_init(&bs, &client, &bh);
 *   sl_bootstrap_boot(&bs, now);            // instead of sl_client_start()
 *   for (;;) {
 *       ... sl_engine_input(&eng, ...) for each datagram ...
 *       sl_engine_step(&eng, now);
 *       sl_client_step(&client, now);
 *       sl_bootstrap_step(&bs, now);        // after the client's step
 *       wait until the earliest of sl_engine_next_deadline(&eng),
 *       sl_client_next_deadline(&client), sl_bootstrap_next_deadline(&bs)
 *       or a datagram
 *   }
 *
 * connect_bootstrap(ctx, bs, uri) opens the transport to the bootstrap
 * server (DTLS with the account's credentials when the URI is coaps://,
 * Security resources 2..5) and returns its engine peer index; the
 * bootstrap client makes that peer the bootstrap actor (SL_ACTOR_BOOTSTRAP)
 * whatever actor it was added with, since only that actor may bootstrap.
 * It is called again only when the peer has gone (sl_engine_peer_remove()).
 * The bootstrap client owns the data model's bootstrap_finish hook; the
 * registration client keeps its own hooks.
 *
 * Persistence: the stores' `committed` hooks see every change the
 * bootstrap server makes; nothing else needs saving.
 */
#ifndef SL_CLIENT_BOOTSTRAP_H
#define SL_CLIENT_BOOTSTRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "sidelink/engine.h"
#include "client/registration.h"
#include "objects/core_objects.h"

#if SL_CONFIG_BOOTSTRAP

/* How long the bootstrap server may take from accepting our request to its
 * Bootstrap-Finish: CoAP's EXCHANGE_LIFETIME (RFC 7252 4.8.2, 247 s with
 * the default transmission parameters), the time within which a request of
 * the server's, retransmissions included, has come and gone. */
#ifndef SL_BOOTSTRAP_FINISH_TIMEOUT_MS
#define SL_BOOTSTRAP_FINISH_TIMEOUT_MS 247000u
#endif
/* Back-off between Bootstrap-Requests after a failure: the first wait,
 * doubled after each further failure up to the ceiling. */
#ifndef SL_BOOTSTRAP_RETRY_FIRST_MS
#define SL_BOOTSTRAP_RETRY_FIRST_MS 2000u
#endif
#ifndef SL_BOOTSTRAP_RETRY_MAX_MS
#define SL_BOOTSTRAP_RETRY_MAX_MS 256000u
#endif
/* Consecutive registration failures of every server account after which
 * the client falls back to bootstrap (with the registration client's
 * back-off of 1, 2, 4 ... s, 4 failures take from 7 s when refused to some
 * 6 minutes when nothing answers). */
#ifndef SL_BOOTSTRAP_AFTER_REG_FAILURES
#define SL_BOOTSTRAP_AFTER_REG_FAILURES 4u
#endif

enum sl_bs_state {
    SL_BS_IDLE = 0,    /* not bootstrapping: not booted yet, or registering */
    SL_BS_WAITING,     /* until `next`: the hold-off time, or a back-off */
    SL_BS_REQUESTING,  /* Bootstrap-Request sent */
    SL_BS_CONFIGURING, /* request accepted: until Bootstrap-Finish or `next` */
    SL_BS_DONE         /* Bootstrap-Finish accepted, the registration client started */
};

struct sl_bootstrap;

struct sl_bootstrap_hooks {
    void *ctx;
    /* Make the bootstrap server of `uri` a peer of the engine (open its
     * transport) and return the peer index, or a negative sl_err. Required. */
    int (*connect)(void *ctx, struct sl_bootstrap *bs, const char *uri);
    /* Told of every state change (logging). Optional. */
    void (*state_changed)(void *ctx, struct sl_bootstrap *bs, sl_err why);
};

struct sl_bootstrap {
    struct sl_client *client; /* its engine, objects and endpoint name */
    struct sl_bootstrap_hooks hooks;
    uint8_t state;
    uint8_t failures; /* consecutive, for the back-off */
    bool finished;    /* Bootstrap-Finish answered 2.04: hand over at the next step */
    int peer;         /* the bootstrap server, or -1 */
    int handle;       /* the Bootstrap-Request in flight, or -1 */
    sl_time_ms next;  /* WAITING: when to send; CONFIGURING: when to give up */
};

/* Attach to a registration client (already initialised: its engine, core
 * objects and endpoint name are used) and install the data model's
 * Bootstrap-Finish hook. SL_ERR_INVALID without hooks->connect. */
sl_err sl_bootstrap_init(struct sl_bootstrap *bs, struct sl_client *c,
                         const struct sl_bootstrap_hooks *hooks);
/* At power-on: start the registration client when there is a usable server
 * account, else bootstrap. SL_ERR_NOT_FOUND when there is neither a usable
 * account nor a bootstrap server account (nothing will happen). */
sl_err sl_bootstrap_boot(struct sl_bootstrap *bs, sl_time_ms now);
/* Halt the registration client and bootstrap now (after the hold-off).
 * SL_ERR_NOT_FOUND without a bootstrap server account (nothing changes). */
sl_err sl_bootstrap_start(struct sl_bootstrap *bs, sl_time_ms now);
void sl_bootstrap_step(struct sl_bootstrap *bs, sl_time_ms now);
/* UINT64_MAX when nothing is scheduled. */
sl_time_ms sl_bootstrap_next_deadline(const struct sl_bootstrap *bs);
/* A bootstrap finished and the registration client took over. */
bool sl_bootstrap_done(const struct sl_bootstrap *bs);
/* Whether the client lacks a usable server account (and so must bootstrap). */
bool sl_bootstrap_needed(const struct sl_bootstrap *bs);
const char *sl_bootstrap_state_name(uint8_t state);

/* The check of Bootstrap-Finish: at least one Security instance that is not
 * the bootstrap server's, with a Short Server ID (1..65534), a non-empty
 * URI, and a Server instance of the same Short Server ID. */
bool sl_bootstrap_config_usable(const struct sl_core_objects *co);
/* The bootstrap server account's Security instance, or -1. */
int sl_bootstrap_account(const struct sl_core_objects *co);

#endif
#endif
