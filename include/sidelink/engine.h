/* The Sidelink engine: one struct holds a node's every pool; the
 * application feeds it datagrams and time, and it answers through the
 * platform's send().
 *
 *   sl_engine_input(eng, sock, from, bytes, len, now)   for each datagram
 *   sl_engine_step(eng, now)                             when
 *   sl_engine_next_deadline(eng)                         has passed
 *
 * No threads, no blocking, no heap, no hidden timers. Receive order
 * (DESIGN 1b): CoAP parse -> message layer (ACK/RST, dedup with the cached
 * reply) -> message hook (OSCORE) -> request/response layer (tokens, observe,
 * block-wise) -> LwM2M operation -> access control -> object.
 */
#ifndef SIDELINK_ENGINE_H
#define SIDELINK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/object.h"
#include "sidelink/platform.h"
#include "sidelink/types.h"
#include "coap/coap_exchange.h"
#include "coap/coap_msg.h"
#include "dm/dm.h"

struct sl_engine;

/* A message-level security hook for a peer (OSCORE plugs in here). Both
 * functions work in place on a buffer of capacity `cap`.
 * protect(): turn an outgoing plain message into its protected form.
 * unprotect(): turn a received protected message into the plain one; on
 *   failure set *reply_code to the CoAP error to answer (0 = drop silently;
 *   the engine sends that error unprotected, RFC 8613 8.2).
 *   For a request it may instead answer by itself (OSCORE's Echo challenge
 *   after a reboot, RFC 8613 B.1.2): it fails, sets *reply_code to
 *   SL_MSG_HOOK_REPLY and leaves the finished reply, already protected and
 *   carrying the request's token, in buf[0..*len). The request is not
 *   processed; the engine sends those bytes as the reply, with the type
 *   and message ID of any reply of its own (ACK with the request's MID for
 *   a CON, NON with a new MID for a NON: header bytes 0 and 2..3 are
 *   rewritten, they are outside the protection), and keeps them for dedup.
 * A retransmitted request never reaches unprotect(): dedup answers it with
 * the stored protected reply. */
#define SL_MSG_HOOK_REPLY 0xFFu /* class 7: never a real response code */
struct sl_msg_hook {
    sl_err (*protect)(void *ctx, int peer, uint8_t *buf, size_t *len, size_t cap);
    sl_err (*unprotect)(void *ctx, int peer, uint8_t *buf, size_t *len, size_t cap,
                        uint8_t *reply_code);
};

struct sl_peer {
    bool used;
    sl_sock sock;
    struct sl_addr addr;
    struct sl_actor actor; /* who this peer is to our data model */
    uint32_t default_pmin; /* seconds, from the Server/Client object */
    uint32_t default_pmax; /* 0: none */
#if SL_CONFIG_MSG_HOOK
    const struct sl_msg_hook *hook;
    void *hook_ctx;
#endif
};

/* What the application asks of another node. Strings are copied; the
 * payload must stay valid until the request completes (block-wise). */
struct sl_request {
    uint8_t method;       /* SL_COAP_GET, POST, ... */
    bool non_confirmable;
    const char *path;     /* Uri-Path, "rd/5a3f" (segments split on '/') */
    const char *query;    /* Uri-Query, "ep=n&lt=60" (split on '&'), or NULL */
    uint16_t format;      /* Content-Format of the payload, SL_FMT_NONE if none */
    uint16_t accept;      /* SL_FMT_NONE if none */
    const uint8_t *payload;
    size_t payload_len;
    bool observe;         /* GET/FETCH with Observe 0: keep receiving notifications */
};

struct sl_response {
    uint8_t code;
    uint16_t format; /* SL_FMT_NONE when absent */
    const uint8_t *payload;
    size_t len;
    uint32_t offset;      /* of this payload in the whole body (Block2) */
    bool more;            /* more blocks follow (delivered in later calls) */
    bool notification;    /* an Observe notification (after the first response) */
    uint32_t observe_seq; /* Observe option value when present */
    const struct sl_coap_msg *msg; /* the whole message, for other options */
};

/* Called for each response (each block, each notification) and once with an
 * error (SL_ERR_TIMEOUT, SL_ERR_RESET) instead. `resp` is NULL on error. The
 * request is finished when err != SL_OK, or when resp->more is false and no
 * observation is running; after that the handle is free. */
typedef void (*sl_response_cb)(void *ctx, int handle, sl_err err, const struct sl_response *resp);

struct sl_engine_cfg {
    struct sl_coap_params coap;
    uint16_t block_size;          /* our Block1/Block2 size: 16..1024, a power of two */
    bool notify_con;              /* confirmable notifications */
    uint32_t separate_timeout_ms; /* wait for a separate response after an empty ACK */
};

/* A request from a source that is not a peer. Return a peer index to serve
 * it as, or a negative value to refuse: a CON request then gets 4.01, other
 * messages are dropped (a CON response gets RST). NULL: always refuse. */
typedef int (*sl_unknown_source_cb)(void *ctx, struct sl_engine *eng, sl_sock sock,
                                    const struct sl_addr *from, const struct sl_coap_msg *m);

enum sl_pending_state {
    SL_PENDING_FREE = 0,
    SL_PENDING_QUEUED,    /* waiting for NSTART */
    SL_PENDING_WAIT_ACK,  /* CON sent */
    SL_PENDING_WAIT_RESP, /* empty ACK seen or NON sent: waiting for the response */
    SL_PENDING_OBSERVING
};

struct sl_pending {
    uint8_t state;
    uint8_t peer;
    uint8_t tkl;
    uint8_t token[SL_COAP_MAX_TOKEN];
    uint8_t method;
    bool non_confirmable;
    bool observe;
    bool deregister; /* the Observe 1 GET that cancels an observation */
    uint16_t format;
    uint16_t accept;
    uint16_t mid;
    char path[SL_MAX_URI_PATH];
    char query[SL_MAX_URI_QUERY];
    const uint8_t *payload;
    size_t payload_len;
    uint32_t block1_num; /* next Block1 block to send */
    uint8_t block1_szx;
    uint32_t block2_num; /* Block2 block to ask for */
    uint8_t block2_szx;
    bool block2_asked;
    uint32_t obs_seq;
    sl_time_ms obs_time;
    bool obs_seen;
    sl_time_ms deadline;
    sl_response_cb cb;
    void *cb_ctx;
};

/* Paths one observation holds: several for Observe-Composite only. */
#if SL_CONFIG_COMPOSITE
#define SL_OBS_PATHS SL_MAX_OBSERVE_PATHS
#else
#define SL_OBS_PATHS 1
#endif

struct sl_observation {
    bool used;
    bool composite;
    bool changed;    /* a value under a path changed since the last notification */
    bool in_flight;  /* a CON notification awaits its ACK */
    uint8_t peer;
    uint8_t tkl;
    uint8_t token[SL_COAP_MAX_TOKEN];
    uint8_t path_count;
    struct sl_path paths[SL_OBS_PATHS];
    uint16_t format;
    uint32_t seq;
    uint8_t since_con;
#if SL_CONFIG_OBSERVE_ATTRS
    bool has_number;
    uint32_t last_hash; /* of the last notification's payload, for epmax polling */
    sl_attr_num last_number; /* value at the last notification, for gt/lt/st */
    sl_time_ms last_eval;
#endif
    sl_time_ms last_sent;
    sl_time_ms last_con;
};

/* Block1 reassembly of one incoming request at a time. */
struct sl_block1_rx {
    bool active;
    uint8_t peer;
    struct sl_path path;
    uint8_t code;
    uint32_t next_num;
    size_t len;
    sl_time_ms expires;
    uint8_t body[SL_MAX_BODY];
};

struct sl_engine {
    const struct sl_platform *plat;
    struct sl_engine_cfg cfg;
    struct sl_coap_ml ml;
    struct sl_dm dm;
    struct sl_peer peers[SL_MAX_PEERS];
    struct sl_pending pending[SL_MAX_PENDING];
    struct sl_observation obs[SL_MAX_OBSERVATIONS];
#if SL_CONFIG_BLOCK
    struct sl_block1_rx block1;
#endif
    uint16_t next_mid;
    sl_time_ms now; /* the latest time the application gave us */
    sl_unknown_source_cb unknown_source;
    void *unknown_source_ctx;
    uint8_t rx[SL_COAP_MAX_MSG];  /* the datagram being processed (hooks work in place) */
    uint8_t body[SL_MAX_BODY];    /* a response payload before block slicing */
    uint8_t scratch[SL_COAP_MAX_MSG]; /* messages that need no retransmission copy */
};

void sl_engine_cfg_default(struct sl_engine_cfg *cfg);

/* cfg may be NULL for the defaults. SL_ERR_INVALID for a bad block size. */
sl_err sl_engine_init(struct sl_engine *eng, const struct sl_platform *plat,
                      const struct sl_engine_cfg *cfg);
sl_err sl_engine_add_object(struct sl_engine *eng, struct sl_obj *o);
struct sl_dm *sl_engine_dm(struct sl_engine *eng);
void sl_engine_set_unknown_source(struct sl_engine *eng, sl_unknown_source_cb cb, void *ctx);

/* Peers: a peer index >= 0, or a negative sl_err. */
int sl_engine_peer_add(struct sl_engine *eng, sl_sock sock, const struct sl_addr *addr,
                       const struct sl_actor *actor);
int sl_engine_peer_find(const struct sl_engine *eng, sl_sock sock, const struct sl_addr *addr);
struct sl_peer *sl_engine_peer(struct sl_engine *eng, int peer);
/* Drop a peer with its exchanges, observations and pending requests (each
 * pending callback gets SL_ERR_RESET). */
void sl_engine_peer_remove(struct sl_engine *eng, int peer);

void sl_engine_input(struct sl_engine *eng, sl_sock sock, const struct sl_addr *from,
                     const uint8_t *data, size_t len, sl_time_ms now);
/* The engine's own receive buffer (SL_COAP_MAX_MSG bytes), for a driver
 * that can receive into it: passed back as `data`, the datagram is not
 * copied. It holds nothing between sl_engine_input() calls and must not
 * change during one. */
uint8_t *sl_engine_rx_buffer(struct sl_engine *eng);
void sl_engine_step(struct sl_engine *eng, sl_time_ms now);
/* UINT64_MAX when nothing is scheduled. */
sl_time_ms sl_engine_next_deadline(const struct sl_engine *eng);

/* The application changed a value: observations covering `path` notify
 * (subject to their attributes) at the next step. */
void sl_engine_changed(struct sl_engine *eng, const struct sl_path *path);

/* Send a request; *handle receives its index. SL_ERR_NOMEM when
 * SL_MAX_PENDING requests are open, SL_ERR_OVERFLOW for a path or query too
 * long. Under NSTART the request waits for its turn. */
sl_err sl_engine_request(struct sl_engine *eng, int peer, const struct sl_request *req,
                         sl_response_cb cb, void *ctx, sl_time_ms now, int *handle);
/* Stop a request or observation. With `tell_peer`, an observation is
 * cancelled with a GET carrying Observe 1 (RFC 7641 3.6); otherwise the
 * next notification is answered with RST. The callback is not called. */
sl_err sl_engine_cancel(struct sl_engine *eng, int handle, bool tell_peer, sl_time_ms now);

#endif
