/* Requests from the server to a client: one at a time per client (NSTART=1,
 * the others wait in a FIFO), CON with a random 8-byte token, retransmitted
 * with the RFC 7252 4.2 back-off (sl_coap_params), piggybacked or separate
 * responses, Block1 for large request bodies and Block2 reassembly of large
 * responses (up to SRV_MAX_RESPONSE_BODY). Every request has a deadline
 * (the REST ?timeout=); when it passes the request fails with SL_ERR_TIMEOUT
 * and the client's next request starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/decimal.h"
#include "server/srv_internal.h"

static void retx_fired(struct srv_timer *t, sl_time_ms now);
static void deadline_fired(struct srv_timer *t, sl_time_ms now);
static void pump(struct srv *s, struct srv_reg *r);

struct srv_req *srv_req_new(struct srv *s, struct srv_reg *reg, uint8_t method,
                            const struct sl_path *path, srv_req_cb cb, void *arg)
{
    struct srv_req *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->s = s;
    req->reg = reg;
    req->method = method;
    if (path)
        req->path = *path;
    req->observe = -1;
    req->content_format = SL_FMT_NONE;
    req->accept = SL_FMT_NONE;
    req->cb = cb;
    req->arg = arg;
    req->state = REQ_NEW;
    req->tok.kind = SRV_TOK_REQ;
    srv_buf_init(&req->body, SRV_MAX_RESPONSE_BODY);
    srv_timer_init(&req->retx, retx_fired);
    srv_timer_init(&req->deadline_timer, deadline_fired);
    return req;
}

void srv_req_set_payload(struct srv_req *req, uint8_t *payload, size_t len, uint16_t format)
{
    free(req->payload);
    req->payload = payload;
    req->payload_len = len;
    req->content_format = format;
}

static void unmap_mid(struct srv *s, struct srv_req *req)
{
    if (req->mid_mapped) {
        srv_map_remove(&s->out_by_mid, &req->mid_node);
        req->mid_mapped = false;
    }
    srv_timer_cancel(&s->timers, &req->retx);
}

static void unlink_queued(struct srv_reg *r, struct srv_req *req)
{
    if (req->prev)
        req->prev->next = req->next;
    else
        r->q_head = req->next;
    if (req->next)
        req->next->prev = req->prev;
    else
        r->q_tail = req->prev;
    req->next = req->prev = NULL;
    r->q_len--;
    if (req->kind == SRV_REQ_BINDING_WRITE)
        r->q_binding_writes--;
}

static void req_free(struct srv_req *req)
{
    free(req->uri_path);
    free(req->query);
    free(req->payload);
    free(req->msg);
    srv_buf_free(&req->body);
    free(req);
}

/* End a request: detach it from everything, call back, free it, and let
 * the client's next request go. */
static void finish(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    struct srv_reg *r = req->reg;
    unmap_mid(s, req);
    srv_tok_unmap(s, &req->tok);
    srv_timer_cancel(&s->timers, &req->deadline_timer);
    if (r) {
        if (req->state == REQ_QUEUED)
            unlink_queued(r, req);
        else if (r->inflight == req)
            r->inflight = NULL;
    }
    if (req->cb)
        req->cb(s, req, resp, err);
    req_free(req);
    if (r)
        pump(s, r);
}

void srv_req_cancel(struct srv_req *req)
{
    req->cb = NULL;
    finish(req->s, req, NULL, SL_ERR_STATE);
}

static sl_err build(struct srv_req *req, uint16_t mid)
{
    size_t cap = 256 + (req->query ? strlen(req->query) : 0) +
                 (req->uri_path ? strlen(req->uri_path) : 0) +
                 (req->block1 ? SL_COAP_BLOCK_SIZE(req->b1_szx) : req->payload_len);
    uint8_t *buf = malloc(cap);
    if (!buf)
        return SL_ERR_NOMEM;
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, buf, cap, SL_COAP_CON, req->method, mid, req->tok.token, req->tok.tkl);
    if (req->observe >= 0 && !req->b2_active)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, (uint32_t)req->observe);
    if (req->uri_path)
        sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, req->uri_path, strlen(req->uri_path), '/');
    for (int k = 0; !req->uri_path && k < req->path.len; k++) {
        char seg[SL_DEC_INT_MAX];
        size_t n = sl_dec_format_u64(req->path.id[k], seg);
        sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, seg, n);
    }
    if (req->payload && req->content_format != SL_FMT_NONE)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, req->content_format);
    if (req->query)
        sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_QUERY, req->query, strlen(req->query), '&');
    if (req->accept != SL_FMT_NONE)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, req->accept);
    if (req->b2_active) {
        struct sl_coap_block b2 = { req->b2_next, false, req->b2_szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK2, sl_coap_block_encode(&b2));
    }
    const uint8_t *chunk = req->payload;
    size_t chunk_len = req->payload_len;
    bool echo_pending = req->echo_len > 0;
    if (req->block1) {
        size_t bs = SL_COAP_BLOCK_SIZE(req->b1_szx);
        chunk = req->payload + req->b1_off;
        chunk_len = req->payload_len - req->b1_off;
        bool more = chunk_len > bs;
        if (more)
            chunk_len = bs;
        struct sl_coap_block b1 = { (uint32_t)(req->b1_off / bs), more, req->b1_szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&b1));
        if (req->b1_off == 0)
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_SIZE1, (uint32_t)req->payload_len);
    }
    if (echo_pending) /* option 252, the highest we send: last */
        sl_coap_build_opt(&b, SL_COAP_OPT_ECHO, req->echo, req->echo_len);
    if (chunk_len)
        sl_coap_build_payload(&b, chunk, chunk_len);
    size_t len;
    sl_err err = sl_coap_build_end(&b, &len);
    if (err != SL_OK) {
        free(buf);
        return err;
    }
    free(req->msg);
    req->msg = buf;
    req->msg_len = len;
    return SL_OK;
}

/* Put the current message (first, next block, ...) on the wire. */
static void send_current(struct srv *s, struct srv_req *req)
{
    if (req->to.tp == SRV_TP_COAPS && req->reg && !srv_dtls_session_of(s, &req->to.addr, req->reg->ep)) {
        /* the DTLS session is gone (server restart, idle, the peer started
         * over) or now speaks for someone else: nothing goes out until the
         * client handshakes again and updates its registration */
        SRV_DEBUG(s, "%s: no DTLS session", req->reg->ep);
        finish(s, req, NULL, SL_ERR_DENIED);
        return;
    }
    uint16_t mid = s->next_mid++;
    sl_err err = build(req, mid);
    if (err == SL_OK)
        err = srv_oscore_protect_request(s, req);
    if (err != SL_OK) {
        SRV_WARN(s, "%s: cannot build a request (%s)", req->reg ? req->reg->ep : "?",
                 sl_err_str(err));
        finish(s, req, NULL, err == SL_ERR_NOMEM ? SL_ERR_IO : SL_ERR_INVALID);
        return;
    }
    unmap_mid(s, req);
    srv_mid_key(&req->to, mid, req->mid_key);
    req->mid_mapped = srv_map_insert(&s->out_by_mid, &req->mid_node, req->mid_key, SRV_MID_KEY);
    req->state = REQ_WAIT_ACK;
    req->retries = 0;
    const struct sl_coap_params *p = &s->cfg.coap_params;
    uint32_t span = (uint32_t)((uint64_t)p->ack_timeout_ms * (p->ack_random_factor_milli - 1000) / 1000);
    uint32_t rnd;
    srv_random(&rnd, sizeof rnd);
    req->timeout_ms = p->ack_timeout_ms + (span ? rnd % (span + 1) : 0);
    srv_timer_arm(&s->timers, &req->retx, srv_now(s) + req->timeout_ms);
    srv_coap_send(s, &req->to, req->msg, req->msg_len);
}

static void retx_fired(struct srv_timer *t, sl_time_ms now)
{
    struct srv_req *req = SRV_CONTAINER_OF(t, struct srv_req, retx);
    struct srv *s = req->s;
    if (req->retries >= s->cfg.coap_params.max_retransmit) {
        finish(s, req, NULL, SL_ERR_TIMEOUT);
        return;
    }
    req->retries++;
    req->timeout_ms *= 2;
    srv_timer_arm(&s->timers, &req->retx, now + req->timeout_ms);
    srv_coap_send(s, &req->to, req->msg, req->msg_len);
}

static void deadline_fired(struct srv_timer *t, sl_time_ms now)
{
    (void)now;
    struct srv_req *req = SRV_CONTAINER_OF(t, struct srv_req, deadline_timer);
    finish(req->s, req, NULL, SL_ERR_TIMEOUT);
}

static void start(struct srv *s, struct srv_req *req)
{
    req->to = req->reg->addr;
    size_t bs = SL_COAP_BLOCK_SIZE(SRV_BLOCK_SZX);
    if (req->payload_len > bs) {
        req->block1 = true;
        req->b1_off = 0;
        req->b1_szx = SRV_BLOCK_SZX;
    }
    send_current(s, req);
}

static void pump(struct srv *s, struct srv_reg *r)
{
    struct srv_req *req;
    while (!r->inflight && (req = r->q_head) != NULL) {
        unlink_queued(r, req);
        /* no longer queued: a start that fails at once (no DTLS session)
         * must not unlink it a second time in finish() */
        req->state = REQ_NEW;
        r->inflight = req;
        start(s, req); /* may finish it at once, which pumps again */
    }
}

void srv_req_submit(struct srv_req *req, uint32_t timeout_ms)
{
    struct srv *s = req->s;
    struct srv_reg *r = req->reg;
    req->deadline = srv_now(s) + timeout_ms;
    srv_timer_arm(&s->timers, &req->deadline_timer, req->deadline);
    if (!r) {
        finish(s, req, NULL, SL_ERR_NOT_FOUND);
        return;
    }
    if (req->tok.tkl == 0)
        srv_tok_new(s, &req->tok, SRV_TOK_REQ);
    srv_tok_map(s, &req->tok);
    if (req->kind == SRV_REQ_BINDING_WRITE && r->q_binding_writes >= SRV_BINDING_QUEUE) {
        /* the bounded queue of a binding target: the oldest waiting write goes */
        for (struct srv_req *q = r->q_head; q; q = q->next) {
            if (q->kind == SRV_REQ_BINDING_WRITE) {
                finish(s, q, NULL, SL_ERR_BUSY);
                break;
            }
        }
    }
    if (r->q_len >= SRV_MAX_QUEUE_PER_CLIENT) {
        req->state = REQ_NEW;
        finish(s, req, NULL, SL_ERR_BUSY);
        return;
    }
    req->state = REQ_QUEUED;
    req->prev = r->q_tail;
    req->next = NULL;
    if (r->q_tail)
        r->q_tail->next = req;
    else
        r->q_head = req;
    r->q_tail = req;
    r->q_len++;
    if (req->kind == SRV_REQ_BINDING_WRITE)
        r->q_binding_writes++;
    pump(s, r);
}

void srv_reg_fail_requests(struct srv *s, struct srv_reg *r, sl_err err)
{
    struct srv_req *list = r->inflight;
    if (list) {
        list->reg = NULL;
        list->next = r->q_head;
    } else {
        list = r->q_head;
    }
    for (struct srv_req *q = r->q_head; q; q = q->next) {
        q->reg = NULL;
        q->state = REQ_NEW;
    }
    r->inflight = NULL;
    r->q_head = r->q_tail = NULL;
    r->q_len = 0;
    r->q_binding_writes = 0;
    while (list) {
        struct srv_req *next = list->next;
        list->next = list->prev = NULL;
        finish(s, list, NULL, err);
        list = next;
    }
}

struct srv_req *srv_req_by_mid(struct srv *s, const struct srv_peer *from, uint16_t mid)
{
    uint8_t key[SRV_MID_KEY];
    srv_mid_key(from, mid, key);
    struct srv_map_node *n = srv_map_find(&s->out_by_mid, key, sizeof key);
    return n ? SRV_CONTAINER_OF(n, struct srv_req, mid_node) : NULL;
}

static void location_of(const struct sl_coap_msg *m, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (unsigned k = 0;; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_LOCATION_PATH, k);
        if (!o)
            break;
        if (len + 1 + o->len + 1 > cap)
            break;
        out[len++] = '/';
        for (unsigned j = 0; j < o->len; j++)
            out[len++] = (o->val[j] >= 0x20 && o->val[j] < 0x7f) ? (char)o->val[j] : '?';
        out[len] = 0;
    }
}

static void handle_response(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m)
{
    uint8_t code = m->code;
    struct sl_coap_block blk;
    const uint8_t *echo;
    size_t echo_len;
    if (req->osc && code == SL_COAP_UNAUTHORIZED && req->echo_len == 0 &&
        sl_oscore_echo_read(m, &echo, &echo_len) == SL_OK && echo_len <= sizeof req->echo) {
        /* the client restarted and wants proof of freshness (RFC 8613
         * B.1.2, RFC 9175): the same request again with its Echo, once */
        memcpy(req->echo, echo, echo_len);
        req->echo_len = (uint8_t)echo_len;
        SRV_INFO(s, "%s: OSCORE Echo asked for: request repeated with it",
                 req->reg ? req->reg->ep : "?");
        send_current(s, req);
        return;
    }
    if (req->block1 && code == SL_COAP_CONTINUE) {
        if (sl_coap_block_get(m, SL_COAP_OPT_BLOCK1, &blk) != SL_OK) {
            finish(s, req, NULL, SL_ERR_INVALID);
            return;
        }
        uint8_t szx = blk.szx < req->b1_szx ? blk.szx : req->b1_szx;
        size_t next = ((size_t)blk.num + 1) * SL_COAP_BLOCK_SIZE(szx);
        if (blk.szx >= req->b1_szx)
            next = req->b1_off + SL_COAP_BLOCK_SIZE(req->b1_szx);
        if (next >= req->payload_len || next <= req->b1_off) {
            finish(s, req, NULL, SL_ERR_INVALID);
            return;
        }
        req->b1_szx = szx;
        req->b1_off = next;
        send_current(s, req);
        return;
    }
    uint16_t fmt = SL_FMT_NONE;
    if (sl_coap_content_format(m, &fmt) != SL_OK)
        fmt = SL_FMT_NONE;
    uint32_t obs_val = 0;
    bool has_obs = sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &obs_val) == SL_OK;
    if (SL_COAP_CODE_CLASS(code) == 2 && sl_coap_block_get(m, SL_COAP_OPT_BLOCK2, &blk) == SL_OK) {
        size_t off = (size_t)blk.num * SL_COAP_BLOCK_SIZE(blk.szx);
        if (!req->b2_active && req->body.len == 0) {
            if (off != 0) {
                finish(s, req, NULL, SL_ERR_INVALID);
                return;
            }
            req->first_observe = has_obs;
            req->first_observe_val = obs_val;
            req->b2_format = fmt;
        } else if (off != req->body.len) {
            finish(s, req, NULL, SL_ERR_INVALID);
            return;
        }
        if (!srv_buf_put(&req->body, m->payload, m->payload_len)) {
            finish(s, req, NULL, SL_ERR_TOO_LARGE);
            return;
        }
        if (blk.more) {
            if (m->payload_len == 0) {
                finish(s, req, NULL, SL_ERR_INVALID); /* would never end */
                return;
            }
            req->b2_active = true;
            req->b2_next = blk.num + 1;
            req->b2_szx = blk.szx;
            req->block1 = false; /* the request body was delivered */
            send_current(s, req);
            return;
        }
    } else if (req->b2_active || req->body.len) {
        /* a continuation answered without Block2: the body ends here */
        if (!srv_buf_put(&req->body, m->payload, m->payload_len)) {
            finish(s, req, NULL, SL_ERR_TOO_LARGE);
            return;
        }
    }
    struct srv_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.code = code;
    if (req->b2_active || req->body.len) {
        resp.payload = req->body.p;
        resp.len = req->body.len;
        resp.format = req->b2_format != SL_FMT_NONE ? req->b2_format : fmt;
        resp.has_observe = req->first_observe;
        resp.observe = req->first_observe_val;
    } else {
        resp.payload = m->payload;
        resp.len = m->payload_len;
        resp.format = fmt;
        resp.has_observe = has_obs;
        resp.observe = obs_val;
    }
    location_of(m, resp.location, sizeof resp.location);
    finish(s, req, &resp, SL_OK);
}

void srv_req_on_ack(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m)
{
    unmap_mid(s, req);
    free(req->msg);
    req->msg = NULL;
    if (m->code == SL_COAP_EMPTY) {
        req->state = REQ_WAIT_RESPONSE; /* a separate response follows */
        return;
    }
    handle_response(s, req, m);
}

void srv_req_on_rst(struct srv *s, struct srv_req *req)
{
    finish(s, req, NULL, SL_ERR_RESET);
}

void srv_req_on_response(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m)
{
    /* a separate response (its ACK may have been lost: stop retransmitting) */
    unmap_mid(s, req);
    handle_response(s, req, m);
}

void srv_requests_shutdown(struct srv *s)
{
    struct srv_map_iter it;
    for (struct srv_map_node *n = srv_map_first(&s->regs_by_id, &it); n;
         n = srv_map_next(&s->regs_by_id, &it)) {
        struct srv_reg *r = SRV_CONTAINER_OF(n, struct srv_reg, by_id);
        srv_reg_fail_requests(s, r, SL_ERR_STATE);
    }
}
