/* The bootstrap server (--bootstrap): the same process, on the same CoAP
 * and CoAPs sockets, also serves the LwM2M bootstrap interface.
 *
 * - Configurations per endpoint (srv_bsconfig.c validates them) live in the
 *   bootstrap_configs table and in memory; /api/bootstrap manages them.
 * - POST /bs?ep=NAME[&pct=F] (Bootstrap-Request): the transport rule of /rd
 *   (srv_transport_refusal) decides who may ask for NAME (4.03 otherwise);
 *   an endpoint without a configuration gets 4.00 (the TS: "Unknown
 *   Endpoint Client Name"); else 2.04, and a session starts.
 * - A session sends its plan to the client, one request at a time:
 *   [Bootstrap-Discover,] Bootstrap-Delete of each toDelete path,
 *   Bootstrap-Write of each instance, Bootstrap-Finish (POST /bs). Any
 *   answer outside 2.xx, a timeout or an RST ends it as failed. One
 *   session per endpoint: a new Bootstrap-Request (or a REST start)
 *   replaces a running one.
 * - POST /api/bootstrap/{ep}/start runs the same plan towards the address
 *   the endpoint was last seen at (its last Bootstrap-Request or
 *   registration: the same sockets, so the same address).
 *
 * The requests go through srv_request.c. Their target is a struct srv_reg
 * embedded in the session that is in no table: it carries the address,
 * the endpoint name (the DTLS session check) and the NSTART=1 queue. A
 * session is freed only when it is replaced or at shutdown, never from a
 * request's callback (srv_request.c still touches the queue afterwards);
 * an ended session stays as the endpoint's last result (.../status). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/decimal.h"
#include "server/srv_data.h"
#include "server/srv_internal.h"
#include "server/srv_json.h"

struct srv_bs_entry {
    struct srv_map_node node;
    char ep[SRV_EP_MAX + 1];
    json_t *config; /* canonical */
    bool has_addr;
    struct srv_peer addr;  /* of the last Bootstrap-Request */
    uint16_t format;       /* its preferred content format, else TLV */
    int64_t last_bs_ms;    /* epoch; 0: never */
};

enum { BS_RUNNING = 1, BS_FINISHED = 2, BS_FAILED = 3 };

struct srv_bs_session {
    struct srv_map_node node;
    struct srv_reg target; /* the client as a request target (in no table) */
    struct srv_bs_plan plan;
    size_t step; /* the step in flight, or where it ended */
    uint8_t state;
    bool server_initiated;
    bool closing; /* being freed: callbacks do nothing */
    int64_t started_ms, ended_ms;
    char reason[256];
    char code[8]; /* "4.00" when the client refused */
    json_t *discovered; /* Bootstrap-Discover's answer as objectLinks */
};

static struct srv_bs_entry *find_entry(struct srv *s, const char *ep)
{
    struct srv_map_node *n = srv_map_find(&s->bs_configs, ep, strlen(ep));
    return n ? SRV_CONTAINER_OF(n, struct srv_bs_entry, node) : NULL;
}

static struct srv_bs_session *find_session(struct srv *s, const char *ep)
{
    struct srv_map_node *n = srv_map_find(&s->bs_sessions, ep, strlen(ep));
    return n ? SRV_CONTAINER_OF(n, struct srv_bs_session, node) : NULL;
}

static void entry_free(struct srv_bs_entry *e)
{
    json_decref(e->config);
    free(e);
}

static void session_free(struct srv *s, struct srv_bs_session *x)
{
    x->closing = true;
    srv_reg_fail_requests(s, &x->target, SL_ERR_STATE);
    srv_map_remove(&s->bs_sessions, &x->node);
    srv_bs_plan_free(&x->plan);
    json_decref(x->discovered);
    free(x);
}

static bool ep_ok(const char *ep, size_t n)
{
    if (n == 0 || n > SRV_EP_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)ep[k] < 0x20 || ep[k] == 0x7f || ep[k] == '/')
            return false;
    return true;
}

static void store_done(void *arg, sl_err err, const char *msg)
{
    struct srv *s = arg;
    if (err != SL_OK)
        SRV_ERROR(s, "store: %s", msg);
}

static void audit(struct srv *s, const char *actor, const char *action, const char *ep,
                  const char *detail)
{
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO audit_log(time_ms, actor, action, endpoint, detail) "
                         "VALUES (?, ?, ?, ?, ?)");
    srv_store_op_int(op, sl_posix_epoch_ms());
    srv_store_op_text(op, actor);
    srv_store_op_text(op, action);
    srv_store_op_text(op, ep);
    srv_store_op_text(op, detail);
    srv_store_submit(s->store, op, store_done, s);
}

static const char *state_name(uint8_t st)
{
    return st == BS_RUNNING ? "running" : st == BS_FINISHED ? "finished" : "failed";
}

static json_t *session_json(const struct srv_bs_session *x)
{
    char a[SRV_PEER_STRLEN], step[64] = "";
    srv_peer_str(&x->target.addr, a);
    if (x->step < x->plan.n && x->state != BS_FINISHED)
        srv_bs_step_name(&x->plan.v[x->step], step, sizeof step);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "endpoint", x->target.ep, "state",
                          state_name(x->state), "initiator",
                          x->server_initiated ? "server" : "client", "address", a, "startedMs",
                          (json_int_t)x->started_ms, "requests", (json_int_t)x->plan.n,
                          "answered", (json_int_t)x->step);
    if (!j)
        return NULL;
    if (step[0])
        json_object_set_new(j, "step", json_string(step));
    if (x->state != BS_RUNNING) {
        json_object_set_new(j, "endedMs", json_integer(x->ended_ms));
        json_object_set_new(j, "reason", json_string(x->reason));
    }
    if (x->code[0])
        json_object_set_new(j, "code", json_string(x->code));
    if (x->discovered)
        json_object_set(j, "objectLinks", x->discovered);
    return j;
}

/* The session ends (it stays as the endpoint's last result). */
static void end_session(struct srv *s, struct srv_bs_session *x, uint8_t state, const char *reason)
{
    x->state = state;
    x->ended_ms = sl_posix_epoch_ms();
    snprintf(x->reason, sizeof x->reason, "%s", reason);
    const char *type = state == BS_FINISHED ? "BOOTSTRAP_FINISHED" : "BOOTSTRAP_FAILED";
    if (state == BS_FINISHED) {
        s->bs_finished++;
        SRV_INFO(s, "%s: bootstrap finished (%zu requests)", x->target.ep, x->plan.n);
    } else {
        s->bs_failed++;
        SRV_WARN(s, "%s: bootstrap failed: %s", x->target.ep, reason);
    }
    json_t *ev = json_pack("{s:s,s:s,s:s}", "endpoint", x->target.ep, "reason", x->reason,
                           "initiator", x->server_initiated ? "server" : "client");
    if (ev && state == BS_FAILED && x->step < x->plan.n) {
        char step[64];
        srv_bs_step_name(&x->plan.v[x->step], step, sizeof step);
        json_object_set_new(ev, "step", json_string(step));
    }
    if (ev && x->code[0])
        json_object_set_new(ev, "code", json_string(x->code));
    if (ev && x->discovered)
        json_object_set(ev, "objectLinks", x->discovered);
    srv_event(s, type, x->target.ep, ev);
    audit(s, x->server_initiated ? "rest" : "client", type, x->target.ep, x->reason);
}

static void submit_step(struct srv *s, struct srv_bs_session *x);

static const char *err_reason(sl_err err)
{
    switch (err) {
    case SL_ERR_TIMEOUT:
        return "no answer (timeout)";
    case SL_ERR_RESET:
        return "the client answered with RST";
    case SL_ERR_DENIED:
        return "no DTLS session with the client";
    case SL_ERR_NOT_FOUND:
        return "the client is gone";
    case SL_ERR_STATE:
        return "the server is shutting down";
    case SL_ERR_TOO_LARGE:
        return "the answer is too large";
    case SL_ERR_INVALID:
        return "a broken block-wise answer";
    default:
        return sl_err_str(err);
    }
}

/* A diagnostic payload as printable text ("" when there is none). */
static void diag_text(const struct srv_resp *resp, char *out, size_t cap)
{
    size_t n = 0;
    if (resp->format == SL_FMT_NONE || resp->format == SL_FMT_TEXT) {
        for (; n + 1 < cap && n < resp->len; n++) {
            uint8_t c = resp->payload[n];
            out[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
    }
    out[n] = 0;
}

static void step_done(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    struct srv_bs_session *x = req->arg;
    if (x->closing || x->state != BS_RUNNING)
        return;
    const struct srv_bs_step *st = &x->plan.v[x->step];
    char name[64], reason[256];
    srv_bs_step_name(st, name, sizeof name);
    if (err != SL_OK) {
        snprintf(reason, sizeof reason, "%s: %s", name, err_reason(err));
        end_session(s, x, BS_FAILED, reason);
        return;
    }
    if (SL_COAP_CODE_CLASS(resp->code) == 2) {
        if (st->kind == SRV_BS_DISCOVER) {
            json_decref(x->discovered);
            x->discovered = srv_links_to_json(resp->payload, resp->len);
        }
        SRV_DEBUG(s, "%s: %s: %u.%02u", x->target.ep, name, SL_COAP_CODE_CLASS(resp->code),
                  SL_COAP_CODE_DETAIL(resp->code));
        if (++x->step < x->plan.n)
            submit_step(s, x);
        else
            end_session(s, x, BS_FINISHED, "the client accepted the configuration");
        return;
    }
    snprintf(x->code, sizeof x->code, "%u.%02u", (unsigned)SL_COAP_CODE_CLASS(resp->code),
             (unsigned)SL_COAP_CODE_DETAIL(resp->code));
    char diag[96];
    diag_text(resp, diag, sizeof diag);
    if (st->kind == SRV_BS_FINISH && resp->code == SL_COAP_NOT_ACCEPTABLE)
        snprintf(reason, sizeof reason, "client refused the configuration (%s: 4.06)%s%s", name,
                 diag[0] ? ": " : "", diag);
    else
        snprintf(reason, sizeof reason, "%s: the client answered %s%s%s", name, x->code,
                 diag[0] ? ": " : "", diag);
    end_session(s, x, BS_FAILED, reason);
}

static void submit_step(struct srv *s, struct srv_bs_session *x)
{
    struct srv_bs_step *st = &x->plan.v[x->step];
    static const uint8_t methods[] = { SL_COAP_GET, SL_COAP_DELETE, SL_COAP_PUT, SL_COAP_POST };
    struct srv_req *req = srv_req_new(s, &x->target, methods[st->kind], &st->path, step_done, x);
    if (req && st->kind == SRV_BS_FINISH) {
        req->path.len = 0;
        req->uri_path = strdup("bs");
        if (!req->uri_path) {
            srv_req_cancel(req);
            req = NULL;
        }
    }
    if (!req) {
        end_session(s, x, BS_FAILED, "out of memory");
        return;
    }
    if (st->kind == SRV_BS_WRITE) {
        /* the request owns the payload from here */
        srv_req_set_payload(req, st->payload, st->len, x->plan.format);
        st->payload = NULL;
    } else if (st->kind == SRV_BS_DISCOVER) {
        req->accept = SL_FMT_LINK;
    }
    srv_req_submit(req, s->cfg.bootstrap_timeout_s * 1000u);
}

/* Start a session towards `to` with `plan` (taken), replacing any other of
 * the endpoint. */
static void session_start(struct srv *s, const char *ep, const struct srv_peer *to,
                          struct srv_bs_plan *plan, bool server_initiated)
{
    struct srv_bs_session *old = find_session(s, ep);
    if (old) {
        if (old->state == BS_RUNNING)
            end_session(s, old, BS_FAILED, "replaced by a new bootstrap session");
        session_free(s, old);
    }
    struct srv_bs_session *x = calloc(1, sizeof *x);
    if (!x) {
        srv_bs_plan_free(plan);
        SRV_ERROR(s, "%s: bootstrap: out of memory", ep);
        return;
    }
    x->target.s = s;
    snprintf(x->target.ep, sizeof x->target.ep, "%s", ep);
    x->target.addr = *to;
    x->plan = *plan;
    memset(plan, 0, sizeof *plan);
    x->state = BS_RUNNING;
    x->server_initiated = server_initiated;
    x->started_ms = sl_posix_epoch_ms();
    if (!srv_map_insert(&s->bs_sessions, &x->node, x->target.ep, strlen(x->target.ep))) {
        srv_bs_plan_free(&x->plan);
        free(x);
        SRV_ERROR(s, "%s: bootstrap: out of memory", ep);
        return;
    }
    s->bs_started++;
    char a[SRV_PEER_STRLEN];
    srv_peer_str(to, a);
    const char *fmt = srv_format_name(x->plan.format);
    SRV_INFO(s, "%s: bootstrap started by the %s towards %s (%zu requests, %s)", ep,
             server_initiated ? "server" : "client", a, x->plan.n, fmt ? fmt : "?");
    srv_event(s, "BOOTSTRAP_STARTED", ep,
              json_pack("{s:s,s:s,s:s,s:s,s:I}", "endpoint", ep, "address", a, "initiator",
                        server_initiated ? "server" : "client", "format", fmt ? fmt : "?",
                        "requests", (json_int_t)x->plan.n));
    submit_step(s, x);
}

/* ---- Bootstrap-Request ---- */

static bool writable_format(uint16_t f)
{
    return f == SL_FMT_TLV || f == SL_FMT_SENML_CBOR || f == SL_FMT_LWM2M_CBOR;
}

void srv_bootstrap_handle(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                          const struct sl_coap_msg *m)
{
    if (sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, 1)) {
        srv_coap_respond(s, d, from, m, SL_COAP_NOT_FOUND, NULL, 0, "no such resource");
        return;
    }
    if (m->code != SL_COAP_POST) {
        srv_coap_respond(s, d, from, m, SL_COAP_METHOD_NOT_ALLOWED, NULL, 0, NULL);
        return;
    }
    char ep[SRV_EP_MAX + 1] = "";
    uint16_t pct = SL_FMT_NONE;
    const struct sl_coap_opt *o;
    for (unsigned k = 0; (o = sl_coap_opt_get(m, SL_COAP_OPT_URI_QUERY, k)) != NULL; k++) {
        if (o->len >= 3 && memcmp(o->val, "ep=", 3) == 0) {
            size_t n = o->len - 3u;
            if (ep[0] || !ep_ok((const char *)o->val + 3, n) || memchr(o->val + 3, 0, n)) {
                srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0,
                                 "ep must be given once, 1..64 bytes without control characters "
                                 "or '/'");
                return;
            }
            memcpy(ep, o->val + 3, n);
            ep[n] = 0;
        } else if (o->len >= 4 && memcmp(o->val, "pct=", 4) == 0) {
            if (sl_dec_parse_id(o->val + 4, o->len - 4u, 65534, &pct) != SL_OK) {
                srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0,
                                 "pct must be a Content-Format number");
                return;
            }
        }
    }
    char a[SRV_PEER_STRLEN];
    srv_peer_str(from, a);
    if (!ep[0]) {
        srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0, "Bootstrap-Request needs ep");
        return;
    }
    const char *refusal = srv_transport_refusal(s, from, ep);
    if (refusal) {
        SRV_WARN(s, "Bootstrap-Request of %s from %s refused: %s", ep, a, refusal);
        srv_coap_respond(s, d, from, m, SL_COAP_FORBIDDEN, NULL, 0, refusal);
        return;
    }
    struct srv_bs_entry *e = find_entry(s, ep);
    if (!e) {
        SRV_INFO(s, "Bootstrap-Request of %s from %s: no configuration", ep, a);
        srv_coap_respond(s, d, from, m, SL_COAP_BAD_REQUEST, NULL, 0,
                         "unknown endpoint client name");
        return;
    }
    uint16_t fmt = writable_format(pct) ? pct : SL_FMT_TLV;
    struct srv_bs_plan plan;
    char err[200];
    if (srv_bs_plan_build(e->config, fmt, &plan, err, sizeof err) != SL_OK) {
        SRV_ERROR(s, "%s: cannot encode the bootstrap configuration: %s", ep, err);
        srv_coap_respond(s, d, from, m, SL_COAP_INTERNAL_SERVER_ERROR, NULL, 0,
                         "cannot encode the configuration");
        return;
    }
    /* the answer first: the client waits for it before it serves requests */
    srv_coap_respond(s, d, from, m, SL_COAP_CHANGED, NULL, 0, NULL);
    e->has_addr = true;
    e->addr = *from;
    e->format = fmt;
    e->last_bs_ms = sl_posix_epoch_ms();
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "UPDATE bootstrap_configs SET last_address = ?, last_bootstrap_ms = ? "
                         "WHERE endpoint = ?");
    srv_store_op_text(op, a);
    srv_store_op_int(op, e->last_bs_ms);
    srv_store_op_text(op, ep);
    srv_store_submit(s->store, op, store_done, s);
    session_start(s, e->ep, from, &plan, false);
}

/* ---- REST ---- */

struct put_ctx {
    struct srv_hreq *h;
    char ep[SRV_EP_MAX + 1];
    json_t *config;
    bool del;
};

static void committed(void *arg, sl_err err, const char *msg)
{
    struct put_ctx *p = arg;
    struct srv *s = p->h->s;
    if (err != SL_OK) {
        srv_http_error(s, p->h, 500, "store", "%s", msg);
        json_decref(p->config);
        free(p);
        return;
    }
    struct srv_bs_entry *e = find_entry(s, p->ep);
    if (p->del) {
        if (e) {
            srv_map_remove(&s->bs_configs, &e->node);
            entry_free(e);
        }
        SRV_INFO(s, "bootstrap configuration of %s deleted", p->ep);
        srv_http_reply(s, p->h, 200, json_pack("{s:s}", "deleted", p->ep));
        free(p);
        return;
    }
    if (!e) {
        e = calloc(1, sizeof *e);
        if (e) {
            snprintf(e->ep, sizeof e->ep, "%s", p->ep);
            e->format = SL_FMT_TLV;
            if (!srv_map_insert(&s->bs_configs, &e->node, e->ep, strlen(e->ep))) {
                free(e);
                e = NULL;
            }
        }
        if (!e) {
            srv_http_error(s, p->h, 500, "internal", "out of memory");
            json_decref(p->config);
            free(p);
            return;
        }
    }
    json_decref(e->config);
    e->config = p->config;
    SRV_INFO(s, "bootstrap configuration of %s stored", p->ep);
    srv_http_reply(s, p->h, 200, json_incref(e->config));
    free(p);
}

static void do_put(struct srv *s, struct srv_hreq *h, const char *ep)
{
    if (!ep_ok(ep, strlen(ep))) {
        srv_http_error(s, h, 400, "bad_request",
                       "the endpoint name must be 1..%d bytes without control characters or '/'",
                       SRV_EP_MAX);
        return;
    }
    json_error_t je;
    json_t *j = h->body.len ? json_loadb((const char *)h->body.p, h->body.len, 0, &je) : NULL;
    if (!j) {
        srv_http_error(s, h, 400, "bad_request", "bad JSON: %s",
                       h->body.len ? je.text : "a body is required");
        return;
    }
    char err[256];
    json_t *canon = srv_bs_config_check(j, err, sizeof err);
    json_decref(j);
    if (!canon) {
        srv_http_error(s, h, 400, "bad_request", "%s", err);
        return;
    }
    /* the plan must encode: a configuration that cannot is refused now */
    struct srv_bs_plan plan;
    if (srv_bs_plan_build(canon, SL_FMT_TLV, &plan, err, sizeof err) != SL_OK) {
        json_decref(canon);
        srv_http_error(s, h, 400, "bad_request", "%s", err);
        return;
    }
    srv_bs_plan_free(&plan);
    char *text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    struct put_ctx *p = calloc(1, sizeof *p);
    if (!text || !p) {
        free(text);
        free(p);
        json_decref(canon);
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    p->h = h;
    snprintf(p->ep, sizeof p->ep, "%s", ep);
    p->config = canon;
    int64_t now = sl_posix_epoch_ms();
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "INSERT INTO bootstrap_configs(endpoint, config, updated_ms) "
                         "VALUES (?, ?, ?) ON CONFLICT(endpoint) DO UPDATE SET "
                         "config = excluded.config, updated_ms = excluded.updated_ms");
    srv_store_op_text(op, ep);
    srv_store_op_text(op, text);
    srv_store_op_int(op, now);
    srv_store_op_sql(op, "INSERT INTO audit_log(time_ms, actor, action, endpoint, detail) "
                         "VALUES (?, 'rest', 'BOOTSTRAP_CONFIG_PUT', ?, NULL)");
    srv_store_op_int(op, now);
    srv_store_op_text(op, ep);
    free(text);
    srv_http_suspend(s, h);
    srv_store_submit(s->store, op, committed, p);
}

static void do_delete(struct srv *s, struct srv_hreq *h, const struct srv_bs_entry *e)
{
    struct put_ctx *p = calloc(1, sizeof *p);
    if (!p) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    p->h = h;
    p->del = true;
    snprintf(p->ep, sizeof p->ep, "%s", e->ep);
    int64_t now = sl_posix_epoch_ms();
    struct srv_store_op *op = srv_store_op_new();
    srv_store_op_sql(op, "DELETE FROM bootstrap_configs WHERE endpoint = ?");
    srv_store_op_text(op, e->ep);
    srv_store_op_sql(op, "INSERT INTO audit_log(time_ms, actor, action, endpoint, detail) "
                         "VALUES (?, 'rest', 'BOOTSTRAP_CONFIG_DELETE', ?, NULL)");
    srv_store_op_int(op, now);
    srv_store_op_text(op, e->ep);
    srv_http_suspend(s, h);
    srv_store_submit(s->store, op, committed, p);
}

static void do_start(struct srv *s, struct srv_hreq *h, struct srv_bs_entry *e)
{
    /* where the endpoint was seen last: its Bootstrap-Request or its
     * registration, whichever is newer */
    struct srv_peer to;
    bool known = e->has_addr;
    uint16_t fmt = e->has_addr ? e->format : SL_FMT_TLV;
    if (known)
        to = e->addr;
    const struct srv_reg *r = srv_reg_find_ep(s, e->ep);
    if (r && (!known || r->updated_ms >= e->last_bs_ms)) {
        to = r->addr;
        known = true;
    }
    if (!known) {
        srv_http_error(s, h, 404, "not_found",
                       "%s has no known address: it never sent a Bootstrap-Request or registered",
                       e->ep);
        return;
    }
    const struct srv_bs_session *x = find_session(s, e->ep);
    if (x && x->state == BS_RUNNING) {
        srv_http_error(s, h, 409, "conflict", "a bootstrap session of %s is running", e->ep);
        return;
    }
    if (to.tp == SRV_TP_COAP && (s->cfg.require_security || srv_security_has_credentials(s, e->ep))) {
        srv_http_error(s, h, 409, "conflict",
                       "%s was last seen over plain CoAP, but %s", e->ep,
                       s->cfg.require_security ? "this server requires a secure transport"
                                               : "it has credentials");
        return;
    }
    struct srv_bs_plan plan;
    char err[200];
    if (srv_bs_plan_build(e->config, fmt, &plan, err, sizeof err) != SL_OK) {
        srv_http_error(s, h, 500, "internal", "cannot encode the configuration: %s", err);
        return;
    }
    char a[SRV_PEER_STRLEN];
    srv_peer_str(&to, a);
    session_start(s, e->ep, &to, &plan, true);
    x = find_session(s, e->ep);
    json_t *j = x ? session_json(x) : NULL;
    if (!j) {
        srv_http_error(s, h, 500, "internal", "the session did not start");
        return;
    }
    srv_http_reply(s, h, 202, j);
}

void srv_api_bootstrap(struct srv *s, struct srv_hreq *h, const char *rest)
{
    const char *m = h->method;
    if (!s->cfg.bootstrap) {
        srv_http_error(s, h, 404, "not_found",
                       "the bootstrap server is off: start sidelink-server with --bootstrap");
        return;
    }
    if (*rest == 0 || !strcmp(rest, "/")) {
        if (strcmp(m, "GET") != 0) {
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on /api/bootstrap");
            return;
        }
        json_t *all = json_object();
        struct srv_map_iter it;
        for (struct srv_map_node *n = srv_map_first(&s->bs_configs, &it); all && n;
             n = srv_map_next(&s->bs_configs, &it)) {
            struct srv_bs_entry *e = SRV_CONTAINER_OF(n, struct srv_bs_entry, node);
            json_object_set(all, e->ep, e->config);
        }
        srv_http_reply(s, h, 200, all);
        return;
    }
    const char *ep0 = rest + 1;
    const char *slash = strchr(ep0, '/');
    size_t eplen = slash ? (size_t)(slash - ep0) : strlen(ep0);
    char ep[SRV_EP_MAX + 1];
    if (eplen == 0 || eplen > SRV_EP_MAX) {
        if (!slash && !strcmp(m, "PUT"))
            srv_http_error(s, h, 400, "bad_request", "the endpoint name must be 1..%d bytes",
                           SRV_EP_MAX);
        else
            srv_http_error(s, h, 404, "not_found", "no such bootstrap configuration");
        return;
    }
    memcpy(ep, ep0, eplen);
    ep[eplen] = 0;
    const char *sub = slash ? slash + 1 : "";
    struct srv_bs_entry *e = find_entry(s, ep);
    if (!sub[0]) {
        if (!strcmp(m, "PUT")) {
            do_put(s, h, ep);
        } else if (strcmp(m, "GET") != 0 && strcmp(m, "DELETE") != 0) {
            srv_http_error(s, h, 405, "method_not_allowed",
                           "use GET, PUT or DELETE on a bootstrap configuration");
        } else if (!e) {
            srv_http_error(s, h, 404, "not_found", "no bootstrap configuration for %s", ep);
        } else if (!strcmp(m, "GET")) {
            srv_http_reply(s, h, 200, json_incref(e->config));
        } else {
            do_delete(s, h, e);
        }
        return;
    }
    if (!strcmp(sub, "start")) {
        if (strcmp(m, "POST") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use POST on .../start");
        else if (!e)
            srv_http_error(s, h, 404, "not_found", "no bootstrap configuration for %s", ep);
        else
            do_start(s, h, e);
        return;
    }
    if (!strcmp(sub, "status")) {
        const struct srv_bs_session *x = find_session(s, ep);
        if (strcmp(m, "GET") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on .../status");
        else if (x)
            srv_http_reply(s, h, 200, session_json(x));
        else if (e)
            srv_http_reply(s, h, 200, json_pack("{s:s,s:s}", "endpoint", ep, "state", "none"));
        else
            srv_http_error(s, h, 404, "not_found", "no bootstrap configuration for %s", ep);
        return;
    }
    srv_http_error(s, h, 404, "not_found", "no such API path: %s", h->url);
}

void srv_bootstrap_stats(struct srv *s, json_t *out)
{
    size_t running = 0;
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->bs_sessions, &it); n;
         n = srv_map_next(&s->bs_sessions, &it))
        if (SRV_CONTAINER_OF(n, struct srv_bs_session, node)->state == BS_RUNNING)
            running++;
    json_object_set_new(out, "bootstrap",
                        json_pack("{s:b,s:I,s:I,s:I,s:I,s:I}", "enabled", s->cfg.bootstrap,
                                  "configurations", (json_int_t)s->bs_configs.count, "running",
                                  (json_int_t)running, "started", (json_int_t)s->bs_started,
                                  "finished", (json_int_t)s->bs_finished, "failed",
                                  (json_int_t)s->bs_failed));
}

/* ---- start-up and shutdown ---- */

void srv_bootstrap_init(struct srv *s)
{
    srv_map_init(&s->bs_configs);
    srv_map_init(&s->bs_sessions);
}

static bool restore_row(void *arg, sqlite3_stmt *row)
{
    struct srv *s = arg;
    const char *ep = (const char *)sqlite3_column_text(row, 0);
    const char *text = (const char *)sqlite3_column_text(row, 1);
    const char *addr = (const char *)sqlite3_column_text(row, 2);
    if (!ep || !text || !ep_ok(ep, strlen(ep)) || find_entry(s, ep))
        return true;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    char err[256] = "not JSON";
    json_t *canon = j ? srv_bs_config_check(j, err, sizeof err) : NULL;
    json_decref(j);
    if (!canon) {
        SRV_WARN(s, "bootstrap configuration of %s in the store is ignored: %s", ep, err);
        return true;
    }
    struct srv_bs_entry *e = calloc(1, sizeof *e);
    if (!e) {
        json_decref(canon);
        return false;
    }
    snprintf(e->ep, sizeof e->ep, "%s", ep);
    e->config = canon;
    e->format = SL_FMT_TLV;
    if (addr && srv_peer_parse(addr, &e->addr) == SL_OK) {
        e->has_addr = true;
        e->last_bs_ms = sqlite3_column_int64(row, 3);
    }
    if (!srv_map_insert(&s->bs_configs, &e->node, e->ep, strlen(e->ep))) {
        entry_free(e);
        return false;
    }
    return true;
}

sl_err srv_bootstrap_restore(struct srv *s)
{
    if (!s->cfg.bootstrap)
        return SL_OK;
    sl_err e = srv_store_query(s->store,
                               "SELECT endpoint, config, last_address, last_bootstrap_ms "
                               "FROM bootstrap_configs",
                               NULL, 0, restore_row, s);
    if (e == SL_OK && s->bs_configs.count)
        SRV_INFO(s, "%zu bootstrap configurations restored", s->bs_configs.count);
    return e;
}

void srv_bootstrap_free(struct srv *s)
{
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->bs_sessions, &it); n;
         n = srv_map_next(&s->bs_sessions, &it))
        session_free(s, SRV_CONTAINER_OF(n, struct srv_bs_session, node));
    for (struct srv_map_node *n = srv_map_first(&s->bs_configs, &it); n;
         n = srv_map_next(&s->bs_configs, &it)) {
        struct srv_bs_entry *e = SRV_CONTAINER_OF(n, struct srv_bs_entry, node);
        srv_map_remove(&s->bs_configs, &e->node);
        entry_free(e);
    }
    srv_map_free(&s->bs_sessions);
    srv_map_free(&s->bs_configs);
}
