/* sidelink-client: the one context of the daemon and the pieces that share it. */
#ifndef SIDELINK_CLIENT_APP_H
#define SIDELINK_CLIENT_APP_H

#include <stdbool.h>

#include "client/bootstrap.h"
#include "client/registration.h"
#include "objects/c2c_objects.h"
#include "objects/core_objects.h"
#include "objects/device_ipso.h"
#include "objects/oscore_object.h"
#include "options.h"
#include "platform/posix/sl_posix.h"
#include "security/dtls.h"
#include "security/oscore_peer.h"
#include "sidelink/engine.h"

#define APP_MAX_CONTROL_CONNS 4
/* Socket indexes (sl_sock): --listen, --listen-secure, then one ephemeral
 * socket per coaps:// server. */
#define APP_SOCK_PLAIN 0
#define APP_SOCK_SECURE 1
#define APP_SOCK_FIRST_OUT 2
#define APP_CONTROL_LINE 4096

struct control_conn {
    int fd;
    size_t len;
    char buf[APP_CONTROL_LINE + 1];
};

struct app {
    struct client_opts opts;
    struct sl_posix_log log;
    struct sl_posix_store state;
    struct sl_posix_platform plat;
    struct sl_engine eng;
    struct sl_core_objects co;
    struct sl_device_objects dev;
    struct sl_client client;
    struct sl_bootstrap bootstrap;
    struct sl_oscore_object o21;      /* OSCORE contexts (object 21) */
    struct sl_c2c_objects c2c;        /* client accounts (11000-11002) */
    struct sl_oscore_adapter osc;     /* OSCORE on the peers that use it */
    struct sl_dtls *dtls;
    bool secure[SL_POSIX_MAX_SOCKS];          /* a DTLS socket */
    uint16_t out_sec[SL_POSIX_MAX_SOCKS];     /* the Security instance of an outgoing session */
    struct sl_addr out_to[SL_POSIX_MAX_SOCKS];
    sl_err (*posix_send)(void *ctx, sl_sock sock, const struct sl_addr *to, const uint8_t *data,
                         size_t len);
    int udp_fd;
    int control_fd;
    int signal_fd;
    struct control_conn conns[APP_MAX_CONTROL_CONNS];
    sl_time_ms next_sample;
    uint64_t noise_state;
    bool persist_ok;
    int64_t clock_offset_s;   /* Current Time = wall clock + offset (a server may set it) */
    sl_time_ms next_clock;
    int restart;              /* 0, or RESTART_REBOOT / RESTART_FACTORY once executed */
    char **argv;
};

enum { RESTART_REBOOT = 1, RESTART_FACTORY = 2 };

/* control.c: the Unix control socket (sidelinkctl client ...). */
int control_open(struct app *a);
void control_accept(struct app *a);
void control_read(struct app *a, struct control_conn *c);
void control_close_all(struct app *a);

/* device.c: object 3's executables and its clock. */
void device_setup(struct app *a);
void device_step(struct app *a, sl_time_ms now);

/* secure.c: DTLS sockets and sessions. */
int secure_setup(struct app *a);
/* Open (or reopen) the DTLS session of Security instance `sec` (its PSK)
 * to `to`: the socket index, or a negative sl_err. */
int secure_connect(struct app *a, uint16_t sec, const struct sl_addr *to);
void secure_receive(struct app *a, sl_sock sock);
void secure_step(struct app *a, sl_time_ms now);
sl_time_ms secure_next_deadline(const struct app *a);
/* close_notify to every server, then close the sockets. */
void secure_close_all(struct app *a);

/* demo.c: simulated sensor and button. */
void demo_setup(struct app *a);
void demo_step(struct app *a, sl_time_ms now);
/* Flip the button (a latching switch); returns the new state. */
bool demo_press(struct app *a, uint16_t iid, int64_t *counter);

#endif
