/* The server's state and the contracts between its modules. One struct srv
 * per process, touched by the loop thread only (the store's writer thread
 * sees nothing of it).
 *
 *   srv_loop.c      epoll loop: UDP, libmicrohttpd, timers, store, signals
 *   srv_coap.c      CoAP message layer: parse, dedup with cached replies,
 *                   RST, matching ACK/RST/responses/notifications
 *   srv_rd.c        registration interface (/rd): Register, Update, De-register
 *   srv_registry.c  the registrations table, lifetimes, persistence, JSON
 *   srv_request.c   requests to clients: queue per client (NSTART=1), CON
 *                   retransmission, separate responses, Block1 and Block2
 *   srv_observe.c   observations: start, notifications (RFC 7641 3.4), cancel
 *   srv_bindings.c  server-side bindings (observe source, write target)
 *   srv_events.c    server-sent events
 *   srv_http.c      libmicrohttpd glue: connections, suspend/resume, auth
 *   srv_api.c       the REST routes of DESIGN 5
 *   srv_security.c  /api/security/clients and the credential table
 *   srv_bsconfig.c  bootstrap configurations: JSON validation, canonical
 *                   form, the requests a configuration becomes
 *   srv_bootstrap.c bootstrap server (--bootstrap): /bs, bootstrap sessions,
 *                   /api/bootstrap and the bootstrap_configs table
 */
#ifndef SRV_INTERNAL_H
#define SRV_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap_exchange.h"
#include "coap/coap_msg.h"
#include "platform/posix/sl_posix.h"
#include "server/server.h"
#include "server/srv_buf.h"
#include "server/srv_map.h"
#include "server/srv_regparse.h"
#include "server/srv_store.h"
#include "server/srv_timer.h"
#include "security/oscore.h"

struct MHD_Daemon;
struct MHD_Connection;

#define SRV_LOG(s, lvl, ...) sl_posix_logf(&(s)->log, (lvl), __VA_ARGS__)
#define SRV_ERROR(s, ...) SRV_LOG(s, SL_LOG_ERROR, __VA_ARGS__)
#define SRV_WARN(s, ...) SRV_LOG(s, SL_LOG_WARN, __VA_ARGS__)
#define SRV_INFO(s, ...) SRV_LOG(s, SL_LOG_INFO, __VA_ARGS__)
#define SRV_DEBUG(s, ...) SRV_LOG(s, SL_LOG_DEBUG, __VA_ARGS__)

/* Largest datagram read; a CoAP message is checked against its own limits. */
#define SRV_RX_MAX 65536
/* Largest Register/Update payload (a datagram, no Block1 on /rd). */
#define SRV_MAX_REG_PAYLOAD 8192
/* Largest response body reassembled from Block2. */
#define SRV_MAX_RESPONSE_BODY (1024u * 1024u)
/* Block size of our Block1 writes. */
#define SRV_BLOCK_SZX 6 /* 1024 bytes */
/* Token length of our requests. */
#define SRV_TKL 8
/* Bounded queue of a binding target (DESIGN 7). */
#define SRV_BINDING_QUEUE 16
/* Requests waiting for one client before new ones are refused. */
#define SRV_MAX_QUEUE_PER_CLIENT 256

/* Longest DTLS PSK identity we accept (srv_security.c keeps them). */
#define SRV_IDENTITY_MAX 128

/* Where a client is, as the server sees it: its UDP address and the
 * transport it came over. The same address over CoAP and over DTLS is two
 * peers: a reply goes back the way its request came. */
enum srv_transport { SRV_TP_COAP = 0, SRV_TP_COAPS = 1 };
struct srv_peer {
    struct sl_addr addr;
    uint8_t tp; /* enum srv_transport */
};
bool srv_peer_equal(const struct srv_peer *a, const struct srv_peer *b);

/* Peer + message ID as a map key: transport, family, 16 address bytes,
 * port, MID. */
#define SRV_PEER_KEY 20
#define SRV_MID_KEY (SRV_PEER_KEY + 2)
void srv_peer_key(const struct srv_peer *p, uint8_t out[SRV_PEER_KEY]);
void srv_mid_key(const struct srv_peer *p, uint16_t mid, uint8_t out[SRV_MID_KEY]);
/* "127.0.0.1:5683" */
void srv_addr_str(const struct sl_addr *a, char out[SL_POSIX_ADDR_STRLEN]);
/* "127.0.0.1:5683" or "coaps://127.0.0.1:40123" (what the store keeps) */
#define SRV_PEER_STRLEN (SL_POSIX_ADDR_STRLEN + 8)
void srv_peer_str(const struct srv_peer *p, char out[SRV_PEER_STRLEN]);
sl_err srv_peer_parse(const char *text, struct srv_peer *out);

struct srv;
struct srv_reg;
struct srv_req;
struct srv_obs;

/* ---- message layer (srv_coap.c) ---- */

struct srv_dedup {
    struct srv_map_node node;
    struct srv_dedup *next; /* FIFO by expiry */
    uint8_t key[SRV_MID_KEY];
    sl_time_ms expires;
    uint8_t *reply; /* NULL while the reply is pending (a commit in flight) */
    size_t reply_len;
};

struct srv_fifo {
    struct srv_dedup *head, *tail;
};

void srv_coap_input(struct srv *s, const struct srv_peer *from, const uint8_t *buf, size_t len);
/* Route a request (the inner one of OSCORE) to /rd or /bs. */
void srv_coap_handle_request(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                             const struct sl_coap_msg *m);
void srv_coap_send(struct srv *s, const struct srv_peer *to, const uint8_t *buf, size_t len);
/* Send a reply and remember it for duplicates (d may be NULL). */
void srv_coap_reply(struct srv *s, struct srv_dedup *d, const struct srv_peer *to,
                    const uint8_t *buf, size_t len);
/* Build and send a piggybacked response to request m (an ACK for CON, a NON
 * for NON), optional Location-Path segments and a diagnostic payload. */
void srv_coap_respond(struct srv *s, struct srv_dedup *d, const struct srv_peer *to,
                      const struct sl_coap_msg *m, uint8_t code, const char *const *location,
                      unsigned nloc, const char *diag);
/* Prebuilt response bytes (for replies sent after a commit). */
size_t srv_coap_build_response(struct srv *s, uint8_t *buf, size_t cap, const struct sl_coap_msg *m,
                               uint8_t code, const char *const *location, unsigned nloc,
                               const char *diag);
void srv_coap_purge(struct srv *s, sl_time_ms now);
void srv_coap_free(struct srv *s);

/* ---- tokens: requests and observations share one map ---- */

enum { SRV_TOK_REQ = 1, SRV_TOK_OBS = 2 };
struct srv_tok {
    struct srv_map_node node;
    uint8_t kind;
    uint8_t tkl;
    bool mapped;
    uint8_t token[SRV_TKL];
};
void srv_tok_new(struct srv *s, struct srv_tok *t, uint8_t kind);
bool srv_tok_map(struct srv *s, struct srv_tok *t);
void srv_tok_unmap(struct srv *s, struct srv_tok *t);

/* ---- registrations (srv_registry.c, srv_rd.c) ---- */

struct srv_reg {
    struct srv *s;
    struct srv_map_node by_ep, by_id;
    char id[16];
    char ep[SRV_EP_MAX + 1];
    struct srv_peer addr;
    uint32_t lifetime;
    char version[8];
    char binding[8];
    bool queue_mode;
    unsigned c2c_n;
    char **c2c;
    uint8_t *links; /* the Register (or last Update) payload */
    size_t links_len;
    int64_t registered_ms, updated_ms; /* epoch */
    sl_time_ms expires;                /* monotonic */
    struct srv_timer expiry;
    /* requests: in flight (NSTART=1) and waiting */
    struct srv_req *inflight;
    struct srv_req *q_head, *q_tail;
    unsigned q_len;
    unsigned q_binding_writes;
    struct srv_obs *obs; /* observations on this client */
};

struct srv_reg *srv_reg_find_ep(struct srv *s, const char *ep);
struct srv_reg *srv_reg_find_id(struct srv *s, const char *id);
/* Remove from the tables: fails its requests, drops its observations, emits
 * DEREGISTRATION (unless quiet), queues the row's deletion; frees it. */
void srv_reg_remove(struct srv *s, struct srv_reg *r, bool expired, bool persist);
void srv_reg_free(struct srv_reg *r);
json_t *srv_reg_json(struct srv *s, const struct srv_reg *r);
/* Store operations for a registration row. */
struct srv_store_op *srv_reg_op_upsert(struct srv *s, const struct srv_reg *r);
void srv_reg_arm_expiry(struct srv *s, struct srv_reg *r);
sl_err srv_registry_restore(struct srv *s);
void srv_rd_handle(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                   const struct sl_coap_msg *m);
/* Who may speak for endpoint ep over the request's transport (srv_coap.c;
 * /rd and /bs share it): over DTLS only the holder of ep's PSK identity
 * (s->rx_identity); over plain CoAP only an endpoint without credentials,
 * and only when the server accepts plain CoAP (DESIGN 5). NULL when
 * allowed, else why not. */
const char *srv_transport_refusal(struct srv *s, const struct srv_peer *from, const char *ep);

/* ---- requests (srv_request.c) ---- */

struct srv_resp {
    uint8_t code;
    uint16_t format; /* SL_FMT_NONE when absent */
    const uint8_t *payload;
    size_t len;
    bool has_observe;
    uint32_t observe;
    /* Location-Path of a 2.01, joined: "/3303/1" */
    char location[64];
};

/* err: SL_OK with resp; SL_ERR_TIMEOUT, SL_ERR_RESET, SL_ERR_NOT_FOUND (the
 * client went away), SL_ERR_DENIED (no DTLS session that authenticates the
 * client now), SL_ERR_TOO_LARGE (response body), SL_ERR_INVALID (bad
 * block-wise answer), SL_ERR_BUSY (dropped from a full queue), SL_ERR_STATE
 * (shutdown), SL_ERR_IO. The request is freed after the callback. */
typedef void (*srv_req_cb)(struct srv *s, struct srv_req *req, const struct srv_resp *resp,
                           sl_err err);

enum srv_req_state { REQ_NEW, REQ_QUEUED, REQ_WAIT_ACK, REQ_WAIT_RESPONSE };
enum { SRV_REQ_NORMAL = 0, SRV_REQ_BINDING_WRITE = 1 };

struct srv_req {
    struct srv_tok tok;
    struct srv *s;
    struct srv_reg *reg;
    struct srv_req *next, *prev; /* in the client's queue */
    uint8_t state;
    uint8_t method;
    uint8_t kind;
    int8_t observe; /* -1 none, 0 register, 1 deregister */
    struct sl_path path;
    char *uri_path; /* text Uri-Path ("bs"), used instead of path; or NULL */
    char *query; /* "pmin=10&pmax=60" or NULL */
    uint16_t content_format, accept;
    uint8_t *payload;
    size_t payload_len;
    /* Block1 */
    bool block1;
    size_t b1_off;
    uint8_t b1_szx;
    /* Block2: body gathered so far */
    struct srv_buf body;
    uint32_t b2_next;
    uint8_t b2_szx;
    bool b2_active;
    uint16_t b2_format;
    bool first_observe;
    uint32_t first_observe_val;
    /* the message on the wire */
    struct srv_map_node mid_node;
    bool mid_mapped;
    uint8_t mid_key[SRV_MID_KEY];
    struct srv_peer to;
    uint8_t *msg;
    size_t msg_len;
    unsigned retries;
    uint32_t timeout_ms;
    struct srv_timer retx;
    struct srv_timer deadline_timer;
    sl_time_ms deadline;
    srv_req_cb cb;
    void *arg;
    /* OSCORE: the binding of the protected message on the wire, and the
     * Echo a client that restarted asked us to repeat (RFC 9175) */
    bool osc;
    struct sl_oscore_binding osc_bind;
    uint8_t echo[SL_OSCORE_ECHO_MAX_LEN];
    uint8_t echo_len;
};

struct srv_req *srv_req_new(struct srv *s, struct srv_reg *reg, uint8_t method,
                            const struct sl_path *path, srv_req_cb cb, void *arg);
/* Takes ownership of payload (malloc'd). */
void srv_req_set_payload(struct srv_req *req, uint8_t *payload, size_t len, uint16_t format);
/* Queue (or send at once when the client is idle). Timeout from now. */
void srv_req_submit(struct srv_req *req, uint32_t timeout_ms);
/* Drop without calling back. */
void srv_req_cancel(struct srv_req *req);
/* Fail every request of a client (it went away). */
void srv_reg_fail_requests(struct srv *s, struct srv_reg *r, sl_err err);
/* Message layer hooks. */
struct srv_req *srv_req_by_mid(struct srv *s, const struct srv_peer *from, uint16_t mid);
void srv_req_on_ack(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m);
void srv_req_on_rst(struct srv *s, struct srv_req *req);
void srv_req_on_response(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m);
void srv_requests_shutdown(struct srv *s);

/* ---- observations (srv_observe.c) ---- */

struct srv_obs {
    struct srv_tok tok;
    struct srv_reg *reg;
    struct srv_obs *next; /* in reg->obs */
    struct sl_path path;
    uint16_t accept;
    bool rest;              /* a REST user asked for it */
    unsigned binding_refs;  /* bindings that use it */
    bool have_seq;
    uint32_t last_seq;
    sl_time_ms last_time;
    bool fetching;          /* a Block2 notification body is being fetched */
    uint64_t notifications;
    /* OSCORE: the registration's binding and Notification Number */
    bool osc;
    struct sl_oscore_binding osc_bind;
    struct sl_oscore_notif osc_notif;
};

typedef void (*srv_obs_done_fn)(struct srv *s, void *arg, struct srv_obs *obs,
                                const struct srv_resp *resp, sl_err err);
/* Start (or join) an observation of path on r. `rest`/`binding` say who
 * wants it. done() gets the first response (obs NULL when it failed). */
void srv_observe_start(struct srv *s, struct srv_reg *r, const struct sl_path *path,
                       uint16_t accept, bool rest, bool binding, uint32_t timeout_ms,
                       srv_obs_done_fn done, void *arg);
struct srv_obs *srv_obs_find(struct srv_reg *r, const struct sl_path *path);
/* Drop an interest; with none left, forget the observation and cancel it on
 * the client (GET with Observe 1). */
void srv_obs_release(struct srv *s, struct srv_obs *o, bool rest, bool binding);
void srv_obs_on_notification(struct srv *s, struct srv_obs *o, const struct sl_coap_msg *m);
/* Forget every observation of r (quietly: it is going away). */
void srv_obs_drop_all(struct srv *s, struct srv_reg *r);
sl_err srv_observe_restore(struct srv *s);

/* ---- bindings (srv_bindings.c) ---- */

struct srv_binding {
    struct srv_binding *next;
    uint32_t id;
    char src_ep[SRV_EP_MAX + 1], dst_ep[SRV_EP_MAX + 1];
    struct sl_path src_path, dst_path;
    int64_t created_ms;
    struct srv_obs *obs; /* while the source is observed */
    bool observing;      /* an observe request is in flight */
    uint64_t notified, delivered, dropped, failed;
};

sl_err srv_bindings_restore(struct srv *s);
/* A client (re)registered or updated: observe sources on it. */
void srv_bindings_on_register(struct srv *s, struct srv_reg *r);
/* An observation went away (client gone, cancelled). */
void srv_bindings_on_obs_gone(struct srv *s, const struct srv_obs *o);
/* A fresh value of an observation that bindings use. */
void srv_bindings_on_value(struct srv *s, const struct srv_obs *o, const struct sl_path *path,
                           const void *recs /* struct srv_recs */);
void srv_bindings_free(struct srv *s);

/* ---- events (srv_events.c) ---- */

struct srv_sse;
/* Publish to every stream (filtered by endpoint). Takes data's reference. */
void srv_event(struct srv *s, const char *type, const char *ep, json_t *data);
void srv_events_keepalive(struct srv *s);
void srv_events_close_all(struct srv *s);

/* ---- HTTP (srv_http.c, srv_api.c, srv_security.c) ---- */

struct srv_hreq;
sl_err srv_http_start(struct srv *s, char *err, size_t errlen);
void srv_http_run(struct srv *s);
/* MHD's next timeout in ms, or -1 for none. */
int64_t srv_http_timeout_ms(struct srv *s);
void srv_http_stop(struct srv *s);
/* Answer a request: status + JSON body (reference taken). Resumes it if it
 * was suspended. */
void srv_http_reply(struct srv *s, struct srv_hreq *h, unsigned status, json_t *body);
void srv_http_error(struct srv *s, struct srv_hreq *h, unsigned status, const char *error,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Suspend while an answer is prepared elsewhere. */
void srv_http_suspend(struct srv *s, struct srv_hreq *h);

struct srv_hreq {
    struct srv *s;
    struct MHD_Connection *conn;
    const char *method;
    char *url;
    struct srv_buf body;
    bool too_large;
    bool dispatched;
    bool in_dispatch;
    bool want_suspend;
    bool suspended;
    bool answered;
    unsigned status;
    char *reply; /* JSON text */
    size_t reply_len;
    struct srv_sse *sse; /* a stream */
    struct srv_req *pending; /* a device request in flight for it */
    struct srv_hreq *next, *prev; /* suspended ones, for shutdown */
};

/* Routing (srv_api.c): handle h (a complete request). */
void srv_api_dispatch(struct srv *s, struct srv_hreq *h);
const char *srv_http_arg(struct srv_hreq *h, const char *name);
/* SSE (srv_events.c): turn h into an event stream. */
void srv_events_open(struct srv *s, struct srv_hreq *h, const char *ep_filter);

/* Credentials (srv_security.c). */
struct srv_cred;
sl_err srv_security_restore(struct srv *s);
bool srv_security_has_credentials(struct srv *s, const char *ep);
/* The key of a PSK identity (DTLS). SL_ERR_NOT_FOUND when unknown. */
sl_err srv_security_psk(struct srv *s, const uint8_t *identity, size_t identity_len, uint8_t *key,
                        size_t cap, size_t *key_len);
/* The endpoint whose PSK identity this is, or NULL. */
const char *srv_security_psk_endpoint(struct srv *s, const char *identity);
/* OSCORE contexts of endpoints with OSCORE credentials (the server's
 * Sender ID is "sid", its Recipient ID "rid"). NULL without. */
struct sl_oscore_ctx *srv_security_oscore(struct srv *s, const char *ep);
/* The context whose Recipient ID is kid, and its endpoint. */
struct sl_oscore_ctx *srv_security_oscore_by_kid(struct srv *s, const uint8_t *kid, size_t len,
                                                 const char **ep);
/* After a protect with the context of ep: save the next sequence-number
 * limit when less than half a window is left (RFC 8613 B.1.1). */
void srv_security_oscore_save(struct srv *s, const char *ep);
/* Once the store runs: save the first limits of new contexts. */
void srv_security_oscore_start(struct srv *s);

/* OSCORE on the plain socket (srv_oscore.c). A request with the OSCORE
 * option (after dedup): verified with the context of its kid and handled
 * as its inner request, with s->rx_osc set so that replies are protected
 * and the registration interface knows who is asking. */
struct srv_osc_rx {
    const char *ep;
    struct sl_oscore_ctx *ctx;
    struct sl_oscore_binding bind;
};
void srv_oscore_request(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                        const struct sl_coap_msg *m);
/* Protect a reply built in buf[0..*len) to the request being handled;
 * false when it cannot be (no reply then: the client retransmits). */
bool srv_oscore_protect_reply(struct srv *s, uint8_t *buf, size_t *len, size_t cap);
/* Protect req->msg when its client talks OSCORE (its endpoint has an
 * OSCORE context and it is on plain CoAP); SL_OK when there is nothing to
 * do. */
sl_err srv_oscore_protect_request(struct srv *s, struct srv_req *req);
/* Verify a response to a protected request (piggybacked or separate) or a
 * notification of a protected observation; *inner is the message to act
 * on. SL_OK also when nothing is protected. Anything else: discard it. */
sl_err srv_oscore_response(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m,
                           struct sl_coap_msg *inner);
sl_err srv_oscore_notification(struct srv *s, struct srv_obs *o, const struct sl_coap_msg *m,
                               struct sl_coap_msg *inner);
/* Whether requests to r go out protected with OSCORE. */
bool srv_oscore_reg(struct srv *s, const struct srv_reg *r);

/* DTLS (srv_dtls.c): the secure socket's record layer. */
sl_err srv_dtls_start(struct srv *s, char *err, size_t errlen);
void srv_dtls_read(struct srv *s);
void srv_dtls_send(struct srv *s, const struct sl_addr *to, const uint8_t *buf, size_t len);
void srv_dtls_free(struct srv *s);
/* Whether the DTLS session with peer authenticated endpoint ep's PSK
 * identity (a peer that reconnected with other credentials has not). */
bool srv_dtls_session_of(struct srv *s, const struct sl_addr *peer, const char *ep);
/* DTLS counters into a JSON object (GET /api/server). */
void srv_dtls_stats(struct srv *s, json_t *out);
void srv_security_free(struct srv *s);
void srv_api_security(struct srv *s, struct srv_hreq *h, const char *rest);
void srv_api_bindings(struct srv *s, struct srv_hreq *h, const char *rest);

/* ---- bootstrap server (srv_bsconfig.c, srv_bootstrap.c) ---- */

/* Instances per object in one bootstrap configuration, and toDelete paths. */
#define SRV_BS_MAX_INSTANCES 32
#define SRV_BS_MAX_DELETE 16

/* Validate a configuration as PUT /api/bootstrap/{ep} takes it (Leshan's
 * bootstrap-server JSON, docs/rest-api.md) and return its canonical form:
 * every member present, defaults filled in, hex in lowercase. NULL with
 * "field.path: what is wrong" in err. The canonical form is what GET
 * returns and what the store keeps. */
json_t *srv_bs_config_check(json_t *in, char *err, size_t errlen);

/* One request of a bootstrap sequence. */
enum srv_bs_kind { SRV_BS_DISCOVER, SRV_BS_DELETE, SRV_BS_WRITE, SRV_BS_FINISH };
struct srv_bs_step {
    uint8_t kind;        /* enum srv_bs_kind */
    struct sl_path path; /* Discover, Delete, Write */
    uint8_t *payload;    /* Write: the instance's resources */
    size_t len;
};
struct srv_bs_plan {
    struct srv_bs_step *v;
    size_t n;
    uint16_t format; /* of the writes */
};
/* The sequence a canonical configuration becomes: [Discover /,] Delete of
 * each toDelete path, Write of each instance of 0, 1, 2 and 21 (by
 * instance ID), Finish. format: the writes' Content-Format unless the
 * configuration names one. */
sl_err srv_bs_plan_build(json_t *config, uint16_t format, struct srv_bs_plan *out, char *err,
                         size_t errlen);
void srv_bs_plan_free(struct srv_bs_plan *p);
/* "Bootstrap-Write /0/1" */
void srv_bs_step_name(const struct srv_bs_step *st, char *out, size_t cap);

struct srv_bs_entry;
struct srv_bs_session;
void srv_bootstrap_init(struct srv *s);
sl_err srv_bootstrap_restore(struct srv *s);
/* Ends every session quietly and forgets the configurations. */
void srv_bootstrap_free(struct srv *s);
/* POST /bs?ep=NAME[&pct=F] (Bootstrap-Request). */
void srv_bootstrap_handle(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                          const struct sl_coap_msg *m);
/* /api/bootstrap[/{ep}[/start|/status]] (rest: what follows /api/bootstrap). */
void srv_api_bootstrap(struct srv *s, struct srv_hreq *h, const char *rest);
/* Counters into a JSON object (GET /api/server). */
void srv_bootstrap_stats(struct srv *s, json_t *out);

/* ---- the server ---- */

struct srv {
    struct srv_config cfg;
    struct sl_posix_log log;
    int epfd;
    int sigfd;
    int coap_fd;
    struct sl_addr coap_local;
    int coaps_fd; /* -1 without --coaps */
    struct sl_addr coaps_local;
    struct sl_dtls *dtls;
    struct srv_timer dtls_timer;
    /* the PSK identity DTLS authenticated for the datagram being handled
     * (NULL over plain CoAP) */
    const char *rx_identity;
    /* the OSCORE request being handled (NULL when none) */
    struct srv_osc_rx *rx_osc;
    uint64_t osc_gen;
    /* inner messages of OSCORE: a request, a response (two can be alive:
     * a response may trigger a reply) */
    uint8_t osc_in[SL_COAP_MAX_MSG], osc_rsp[SL_COAP_MAX_MSG];
    struct MHD_Daemon *mhd;
    int mhd_fd;
    bool mhd_dirty; /* a connection was resumed: run MHD again */
    struct sl_addr http_local;
    struct srv_store *store;
    struct srv_timers timers;
    sl_time_ms now;
    volatile bool stop;
    bool stopping;

    struct srv_map regs_by_ep, regs_by_id;
    size_t nregs;

    struct srv_map dedup;
    struct srv_fifo dedup_con, dedup_non;
    struct srv_timer dedup_timer;
    size_t dedup_bytes;

    struct srv_map out_by_mid;
    struct srv_map tokens;
    uint16_t next_mid;

    struct srv_binding *bindings;
    uint32_t next_binding_id;

    struct srv_sse *streams;
    size_t nstreams;
    struct srv_timer keepalive;

    struct srv_hreq *suspended;

    struct srv_map creds_by_ep, creds_by_identity, creds_by_rid;

    /* bootstrap server: configurations and sessions by endpoint */
    struct srv_map bs_configs, bs_sessions;
    uint64_t bs_started, bs_finished, bs_failed;

    /* counters for GET /api/server and the benchmarks */
    uint64_t rx_datagrams, rx_bad, tx_datagrams, registrations, notifications;

    uint8_t rx[SRV_RX_MAX];
};

/* Monotonic now (refreshed by the loop each wake-up). */
static inline sl_time_ms srv_now(const struct srv *s)
{
    return s->now;
}
void srv_random(void *out, size_t n);
/* Mark that MHD must run before the loop sleeps again. */
static inline void srv_http_kick(struct srv *s)
{
    s->mhd_dirty = true;
}

#endif
