/* One simulated NoSec LwM2M client: its confirmable requests to the server
 * (Register, Update, De-register; RFC 7252 4.2 retransmission with
 * NSTART = 1), its notifications, and a small responder for the server's
 * requests: GET of a few resources in plain text, with Observe on
 * /3303/0/5700 (any resource may be observed), 4.04 / 4.05 / 4.06 for the
 * rest. A duplicate confirmable request gets the cached answer. */
#include <stdio.h>
#include <string.h>

#include "codec/data.h"
#include "codec/link.h"
#include "coap/coap_observe.h"
#include "lg.h"

/* ---- sending our confirmable messages ---- */

static void arm(struct lg *g, struct lg_client *c, uint64_t due_us)
{
    c->out_gen++;
    struct lg_timer t = { .due_us = due_us, .client = (uint32_t)(c - g->c), .gen = c->out_gen };
    lg_heap_push(&g->heap, t);
}

static void start_token(struct lg *g, struct lg_client *c)
{
    uint32_t r = lg_rand(g);
    memcpy(c->out_token, &r, sizeof c->out_token);
}

/* The message in c->out is built: send it and arm its retransmission. */
static void out_send(struct lg *g, struct lg_client *c, uint8_t kind)
{
    c->out_kind = kind;
    c->out_acked = false;
    c->out_retries = 0;
    /* ACK_TIMEOUT * [1, ACK_RANDOM_FACTOR = 1.5) */
    c->out_timeout_ms = g->ack_timeout_ms + lg_rand(g) % (g->ack_timeout_ms / 2 + 1);
    c->out_first_us = g->now_us;
    arm(g, c, g->now_us + (uint64_t)c->out_timeout_ms * 1000u);
    g->cnt.started++;
    lg_send(g, c, c->out, c->out_len);
}

static void begin(struct lg *g, struct lg_client *c, struct sl_coap_builder *b, uint8_t type,
                  uint8_t code)
{
    c->out_mid = c->next_mid++;
    start_token(g, c);
    sl_coap_build_begin(b, c->out, sizeof c->out, type, code, c->out_mid, c->out_token,
                        sizeof c->out_token);
}

static bool finish_build(struct sl_coap_builder *b, struct lg_client *c)
{
    size_t len = 0;
    if (sl_coap_build_end(b, &len) != SL_OK)
        return false;
    c->out_len = (uint16_t)len;
    return true;
}

/* The Register payload: the objects and instances of a small device. */
static size_t links(uint8_t *buf, size_t cap)
{
    struct sl_wbuf w;
    struct sl_link_writer lw;
    sl_wbuf_init(&w, buf, cap);
    sl_link_writer_init(&lw, &w);
    static const uint16_t objs[][2] = { { 1, 0 }, { 3, 0 }, { 3303, 0 } };
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++) {
        struct sl_path p = sl_path_make(2, objs[k][0], objs[k][1], 0, 0);
        if (sl_link_put_path(&lw, &p) != SL_OK)
            return 0;
    }
    return w.len;
}

bool lg_register(struct lg *g, struct lg_client *c)
{
    struct sl_coap_builder b;
    char q[64];
    uint8_t payload[64];
    size_t plen = links(payload, sizeof payload);
    begin(g, c, &b, SL_COAP_CON, SL_COAP_POST);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "rd", 2);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_LINK);
    int n = snprintf(q, sizeof q, "ep=loadgen-%u", c->index);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, q, (size_t)n);
    n = snprintf(q, sizeof q, "lt=%u", g->lifetime);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, q, (size_t)n);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, "lwm2m=1.1", 9);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, "b=U", 3);
    sl_coap_build_payload(&b, payload, plen);
    if (!finish_build(&b, c))
        return false;
    c->state = C_REG_WAIT;
    g->inflight++;
    out_send(g, c, OUT_REGISTER);
    return true;
}

static bool to_location(struct lg *g, struct lg_client *c, uint8_t code, uint8_t kind)
{
    if (!c->loc[0])
        return false;
    struct sl_coap_builder b;
    begin(g, c, &b, SL_COAP_CON, code);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "rd", 2);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, c->loc, strlen(c->loc));
    if (!finish_build(&b, c))
        return false;
    g->inflight++;
    out_send(g, c, kind);
    return true;
}

bool lg_update(struct lg *g, struct lg_client *c)
{
    if (c->state != C_REGISTERED || c->out_kind != OUT_NONE)
        return false;
    if (!to_location(g, c, SL_COAP_POST, OUT_UPDATE))
        return false;
    c->state = C_UPD_WAIT;
    return true;
}

bool lg_deregister(struct lg *g, struct lg_client *c)
{
    if (c->state != C_REGISTERED || c->out_kind != OUT_NONE)
        return false;
    return to_location(g, c, SL_COAP_DELETE, OUT_DEREGISTER);
}

/* ---- values of the simulated device ---- */

static double temperature(const struct lg_client *c)
{
    return 20.0 + (double)((c->obs_seq + c->index) % 100) / 10.0;
}

/* Encode the value of `p` in plain text through the engine's data codec:
 * SL_OK, SL_ERR_NOT_FOUND for a resource we do not have. */
static sl_err value_text(const struct lg_client *c, const struct sl_path *p, struct sl_wbuf *w)
{
    char serial[24];
    struct sl_record rec = { .path = *p };
    if (p->len != 3)
        return SL_ERR_NOT_FOUND;
    uint16_t o = p->id[0], i = p->id[1], r = p->id[2];
    if (o == 3 && i == 0 && r == 0) {
        rec.value = sl_value_string("Sidelink", 8);
    } else if (o == 3 && i == 0 && r == 1) {
        rec.value = sl_value_string("loadgen", 7);
    } else if (o == 3 && i == 0 && r == 2) {
        int n = snprintf(serial, sizeof serial, "LG-%u", c->index);
        rec.value = sl_value_string(serial, (size_t)n);
    } else if (o == 3 && i == 0 && r == 3) {
        rec.value = sl_value_string("0.1.0", 5);
    } else if (o == 3303 && i == 0 && r == 5700) {
        rec.value = sl_value_float(temperature(c));
    } else if (o == 3303 && i == 0 && r == 5701) {
        rec.value = sl_value_string("Cel", 3);
    } else {
        return SL_ERR_NOT_FOUND;
    }
    struct sl_data_enc e;
    sl_err err = sl_data_enc_begin(&e, SL_FMT_TEXT, w, p);
    if (err == SL_OK)
        err = sl_data_enc_record(&e, &rec);
    if (err == SL_OK)
        err = sl_data_enc_end(&e);
    return err;
}

/* ---- notifications ---- */

bool lg_notify(struct lg *g, struct lg_client *c)
{
    if (!c->observed)
        return false;
    if (g->con && c->out_kind != OUT_NONE) {
        g->cnt.busy_skips++;
        return false;
    }
    c->obs_seq = (c->obs_seq + 1) & SL_OBSERVE_SEQ_MASK;
    uint8_t val[32];
    struct sl_wbuf w;
    sl_wbuf_init(&w, val, sizeof val);
    struct sl_path p = sl_path_make(3, 3303, 0, 5700, 0);
    if (value_text(c, &p, &w) != SL_OK)
        return false;
    struct sl_coap_builder b;
    uint8_t buf[LG_MSG_MAX];
    uint16_t mid = c->next_mid++;
    uint8_t *dst = g->con ? c->out : buf;
    sl_coap_build_begin(&b, dst, LG_MSG_MAX, g->con ? SL_COAP_CON : SL_COAP_NON, SL_COAP_CONTENT,
                        mid, c->obs_token, c->obs_tkl);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, c->obs_seq);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
    sl_coap_build_payload(&b, val, w.len);
    size_t len = 0;
    if (sl_coap_build_end(&b, &len) != SL_OK)
        return false;
    if (g->con) {
        c->out_mid = mid;
        c->out_len = (uint16_t)len;
        memcpy(c->out_token, c->obs_token, sizeof c->out_token); /* not matched on ACK */
        out_send(g, c, OUT_NOTIFY);
    } else {
        g->cnt.sent_non++;
        lg_send(g, c, buf, len);
    }
    return true;
}

/* ---- completion of our confirmable messages ---- */

static void complete(struct lg *g, struct lg_client *c, bool ok, uint8_t code)
{
    uint8_t kind = c->out_kind;
    c->out_kind = OUT_NONE;
    c->out_gen++; /* its timer is stale now */
    if (ok) {
        g->cnt.done++;
        g->last_done_us = g->now_us;
        lg_lat_add(&g->lat, g->now_us - c->out_first_us);
    } else if (code) {
        g->cnt.failed++;
        g->cnt.last_error_code = code;
    } else {
        g->cnt.timeouts++;
    }
    switch (kind) {
    case OUT_REGISTER:
        g->inflight--;
        c->state = ok ? C_REGISTERED : C_FAILED;
        if (ok)
            g->registered++;
        break;
    case OUT_UPDATE:
        g->inflight--;
        c->state = C_REGISTERED;
        break;
    case OUT_DEREGISTER:
        g->inflight--;
        if (ok) {
            c->state = C_NEW;
            c->loc[0] = 0;
            g->registered--;
        }
        break;
    default:
        break;
    }
}

/* A response to our request (piggybacked or separate). */
static void on_response(struct lg *g, struct lg_client *c, const struct sl_coap_msg *m)
{
    switch (c->out_kind) {
    case OUT_REGISTER: {
        if (m->code != SL_COAP_CREATED) {
            complete(g, c, false, m->code);
            return;
        }
        /* Location-Path: rd/<id> */
        const struct sl_coap_opt *id = sl_coap_opt_get(m, SL_COAP_OPT_LOCATION_PATH, 1);
        if (!id || id->len == 0 || id->len >= sizeof c->loc) {
            complete(g, c, false, m->code);
            return;
        }
        memcpy(c->loc, id->val, id->len);
        c->loc[id->len] = 0;
        complete(g, c, true, m->code);
        return;
    }
    case OUT_UPDATE:
        complete(g, c, m->code == SL_COAP_CHANGED, m->code);
        return;
    case OUT_DEREGISTER:
        complete(g, c, m->code == SL_COAP_DELETED, m->code);
        return;
    default:
        return;
    }
}

void lg_run_timers(struct lg *g)
{
    struct lg_timer t;
    while (lg_heap_peek(&g->heap, &t) && t.due_us <= g->now_us) {
        lg_heap_pop(&g->heap);
        struct lg_client *c = &g->c[t.client];
        if (t.gen != c->out_gen || c->out_kind == OUT_NONE)
            continue; /* stale */
        if (c->out_acked || c->out_retries >= g->max_retransmit) {
            complete(g, c, false, 0);
            continue;
        }
        c->out_retries++;
        c->out_timeout_ms *= 2;
        g->cnt.retransmissions++;
        lg_send(g, c, c->out, c->out_len);
        arm(g, c, g->now_us + (uint64_t)c->out_timeout_ms * 1000u);
    }
}

int lg_next_timer_ms(struct lg *g, int cap_ms)
{
    struct lg_timer t;
    if (!lg_heap_peek(&g->heap, &t))
        return cap_ms;
    if (t.due_us <= g->now_us)
        return 0;
    uint64_t ms = (t.due_us - g->now_us + 999) / 1000;
    return ms < (uint64_t)cap_ms ? (int)ms : cap_ms;
}

/* ---- the responder ---- */

static void reply(struct lg *g, struct lg_client *c, const struct sl_coap_msg *req, uint8_t code,
                  bool observe, const uint8_t *payload, size_t plen)
{
    uint8_t buf[LG_MSG_MAX];
    struct sl_coap_builder b;
    bool con = req->type == SL_COAP_CON;
    sl_coap_build_begin(&b, buf, sizeof buf, con ? SL_COAP_ACK : SL_COAP_NON, code,
                        con ? req->mid : c->next_mid++, req->token, req->tkl);
    if (observe)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, c->obs_seq);
    if (payload) {
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
        sl_coap_build_payload(&b, payload, plen);
    }
    size_t len = 0;
    if (sl_coap_build_end(&b, &len) != SL_OK)
        return;
    if (con && len <= sizeof c->last_reply) {
        c->have_last = true;
        c->last_mid = req->mid;
        c->last_len = (uint8_t)len;
        memcpy(c->last_reply, buf, len);
    }
    lg_send(g, c, buf, len);
}

static bool request_path(const struct sl_coap_msg *m, struct sl_path *p)
{
    memset(p, 0, sizeof *p);
    for (unsigned k = 0;; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_URI_PATH, k);
        if (!o)
            return true;
        if (k >= 4 || o->len == 0 || o->len > 5)
            return false;
        uint32_t v = 0;
        for (uint16_t j = 0; j < o->len; j++) {
            if (o->val[j] < '0' || o->val[j] > '9')
                return false;
            v = v * 10 + (uint32_t)(o->val[j] - '0');
        }
        if (v > SL_ID_MAX)
            return false;
        p->id[k] = (uint16_t)v;
        p->len = (uint8_t)(k + 1);
    }
}

static void on_request(struct lg *g, struct lg_client *c, const struct sl_coap_msg *m)
{
    g->server_requests++;
    if (m->type == SL_COAP_CON && c->have_last && c->last_mid == m->mid) {
        g->server_dups++;
        lg_send(g, c, c->last_reply, c->last_len);
        return;
    }
    struct sl_path p;
    if (!request_path(m, &p)) {
        reply(g, c, m, SL_COAP_NOT_FOUND, false, NULL, 0);
        return;
    }
    if (m->code != SL_COAP_GET) {
        reply(g, c, m, SL_COAP_METHOD_NOT_ALLOWED, false, NULL, 0);
        return;
    }
    uint32_t accept;
    if (sl_coap_opt_uint(m, SL_COAP_OPT_ACCEPT, &accept) == SL_OK && accept != SL_FMT_TEXT) {
        reply(g, c, m, SL_COAP_NOT_ACCEPTABLE, false, NULL, 0);
        return;
    }
    uint8_t val[48];
    struct sl_wbuf w;
    sl_wbuf_init(&w, val, sizeof val);
    if (value_text(c, &p, &w) != SL_OK) {
        reply(g, c, m, SL_COAP_NOT_FOUND, false, NULL, 0);
        return;
    }
    uint32_t obs;
    bool has_obs = sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &obs) == SL_OK;
    bool observing = false;
    if (has_obs && obs == 0 && m->tkl > 0) {
        if (!c->observed)
            g->observed++;
        c->observed = true;
        c->obs_tkl = m->tkl;
        memcpy(c->obs_token, m->token, m->tkl);
        c->obs_seq = (c->obs_seq + 1) & SL_OBSERVE_SEQ_MASK;
        observing = true;
    } else if (has_obs && obs == 1 && c->observed && m->tkl == c->obs_tkl &&
               memcmp(m->token, c->obs_token, m->tkl) == 0) {
        c->observed = false;
        g->observed--;
    }
    reply(g, c, m, SL_COAP_CONTENT, observing, val, w.len);
}

void lg_client_input(struct lg *g, struct lg_client *c, const uint8_t *buf, size_t len)
{
    struct sl_coap_msg m;
    if (sl_coap_parse(&m, buf, len) != SL_OK)
        return;
    if (m.type == SL_COAP_ACK || m.type == SL_COAP_RST) {
        if (c->out_kind == OUT_NONE || m.mid != c->out_mid) {
            if (m.type == SL_COAP_RST && c->observed) {
                /* a RST to a NON notification: the server has forgotten
                 * the observation (RFC 7641 3.6) */
                g->cnt.resets++;
                c->observed = false;
                g->observed--;
            }
            return;
        }
        if (m.type == SL_COAP_RST) {
            g->cnt.resets++;
            if (c->out_kind == OUT_NOTIFY && c->observed) {
                c->observed = false;
                g->observed--;
            }
            complete(g, c, false, SL_COAP_CODE(7, 31)); /* shown as 7.31: reset */
            return;
        }
        if (c->out_kind == OUT_NOTIFY) {
            complete(g, c, true, 0);
            return;
        }
        if (m.code == SL_COAP_EMPTY) {
            /* a separate response follows; wait for it, no more retransmissions */
            c->out_acked = true;
            arm(g, c, g->now_us + 30000000u);
            return;
        }
        if (m.tkl == sizeof c->out_token && memcmp(m.token, c->out_token, m.tkl) == 0)
            on_response(g, c, &m);
        return;
    }
    if (sl_coap_is_request(m.code)) {
        on_request(g, c, &m);
        return;
    }
    if (sl_coap_is_response(m.code)) {
        /* a separate response to our request */
        bool ours = c->out_kind != OUT_NONE && c->out_kind != OUT_NOTIFY &&
                    m.tkl == sizeof c->out_token && memcmp(m.token, c->out_token, m.tkl) == 0;
        uint8_t ack[4];
        size_t n = sl_coap_build_empty(ack, ours ? SL_COAP_ACK : SL_COAP_RST, m.mid);
        if (m.type == SL_COAP_CON)
            lg_send(g, c, ack, n);
        if (ours)
            on_response(g, c, &m);
    }
}

void lg_client_init(struct lg *g, struct lg_client *c, uint32_t slot)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->index = g->first + slot;
    c->next_mid = (uint16_t)lg_rand(g);
    c->obs_seq = lg_rand(g) & 0xFFFF;
}
