/* The requesting half: our requests to peers, their responses (piggybacked
 * or separate), Block1 uploads, Block2 downloads and observations we hold,
 * with notification reordering by sequence number (RFC 7641 3.4). */
#include <string.h>

#include "coap/coap_observe.h"
#include "engine/engine_internal.h"

static size_t bounded_strlen(const char *s, size_t max)
{
    size_t n = 0;
    while (s && n <= max && s[n])
        n++;
    return n;
}

static bool uses_block1(const struct sl_engine *eng, const struct sl_pending *p)
{
#if SL_CONFIG_BLOCK
    return p->payload_len > eng->cfg.block_size;
#else
    (void)eng;
    (void)p;
    return false;
#endif
}

/* The Block2 block a request asks for: only a build with block-wise
 * transfers follows a response's blocks, so it is 0 in any other. */
static uint32_t block2_wanted(const struct sl_pending *p)
{
    return SL_CONFIG_BLOCK ? p->block2_num : 0;
}

static sl_err req_build(struct sl_engine *eng, struct sl_pending *p, uint16_t mid, size_t *len)
{
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, eng->scratch, sizeof eng->scratch,
                        p->non_confirmable ? SL_COAP_NON : SL_COAP_CON, p->method, mid, p->token,
                        p->tkl);
    if (p->observe && block2_wanted(p) == 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, p->deregister ? 1u : 0u);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, p->path, strlen(p->path), '/');
    if (p->payload_len > 0 && p->format != SL_FMT_NONE)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, p->format);
    sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_QUERY, p->query, strlen(p->query), '&');
    if (p->accept != SL_FMT_NONE)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, p->accept);
    if (block2_wanted(p) > 0) {
        struct sl_coap_block b2 = { p->block2_num, false, p->block2_szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK2, sl_coap_block_encode(&b2));
    }
    const uint8_t *payload = p->payload;
    size_t n = p->payload_len;
    if (uses_block1(eng, p)) {
        size_t size = SL_COAP_BLOCK_SIZE(p->block1_szx);
        size_t off = (size_t)p->block1_num * size;
        if (off >= p->payload_len)
            return SL_ERR_STATE;
        n = p->payload_len - off < size ? p->payload_len - off : size;
        payload += off;
        struct sl_coap_block b1 = { p->block1_num, off + n < p->payload_len, p->block1_szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&b1));
        if (p->block1_num == 0)
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_SIZE1, (uint32_t)p->payload_len);
    }
    sl_coap_build_payload(&b, payload, n);
    return sl_coap_build_end(&b, len);
}

static void req_finish(struct sl_engine *eng, unsigned idx, sl_err err,
                       const struct sl_response *resp)
{
    struct sl_pending *p = &eng->pending[idx];
    sl_response_cb cb = p->cb;
    void *ctx = p->cb_ctx;
    memset(p, 0, sizeof *p); /* free before the callback: it may send again */
    if (cb)
        cb(ctx, (int)idx, err, resp);
}

/* Try to put the request on the wire. */
static void req_send(struct sl_engine *eng, unsigned idx)
{
    struct sl_pending *p = &eng->pending[idx];
    uint16_t mid = eng_next_mid(eng);
    size_t len;
    sl_err err = req_build(eng, p, mid, &len);
    if (err != SL_OK) {
        req_finish(eng, idx, err, NULL);
        return;
    }
    if (!p->non_confirmable) {
        err = eng_send_con(eng, p->peer, SL_TX_REQUEST, (uint16_t)idx, eng->scratch, len);
        if (err == SL_ERR_BUSY || err == SL_ERR_NOMEM)
            return; /* stays queued */
        if (err != SL_OK) {
            req_finish(eng, idx, err, NULL);
            return;
        }
        p->state = SL_PENDING_WAIT_ACK;
    } else {
        if (eng_protect(eng, p->peer, eng->scratch, &len, sizeof eng->scratch) == SL_OK)
            (void)eng_send_raw(eng, p->peer, eng->scratch, len);
        p->state = SL_PENDING_WAIT_RESP;
        p->deadline = eng->now + eng->cfg.separate_timeout_ms;
    }
    p->mid = mid;
}

sl_err sl_engine_request(struct sl_engine *eng, int peer, const struct sl_request *req,
                         sl_response_cb cb, void *ctx, sl_time_ms now, int *handle)
{
    if (!sl_engine_peer(eng, peer) || !req || !req->path)
        return SL_ERR_INVALID;
    size_t plen = bounded_strlen(req->path, SL_MAX_URI_PATH);
    size_t qlen = bounded_strlen(req->query, SL_MAX_URI_QUERY);
    if (plen >= SL_MAX_URI_PATH || qlen >= SL_MAX_URI_QUERY)
        return SL_ERR_OVERFLOW;
    if (req->payload_len > 0 && !req->payload)
        return SL_ERR_INVALID;
#if !SL_CONFIG_BLOCK
    if (req->payload_len > eng->cfg.block_size)
        return SL_ERR_TOO_LARGE;
#endif
    unsigned idx = SL_MAX_PENDING;
    for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
        if (eng->pending[k].state == SL_PENDING_FREE) {
            idx = k;
            break;
        }
    }
    if (idx == SL_MAX_PENDING)
        return SL_ERR_NOMEM;
    struct sl_pending *p = &eng->pending[idx];
    memset(p, 0, sizeof *p);
    p->peer = (uint8_t)peer;
    p->method = req->method;
    p->non_confirmable = req->non_confirmable;
    p->observe = req->observe;
    p->format = req->format;
    p->accept = req->accept;
    memcpy(p->path, req->path, plen);
    if (req->query)
        memcpy(p->query, req->query, qlen);
    p->payload = req->payload;
    p->payload_len = req->payload_len;
    p->block1_szx = (uint8_t)sl_coap_block_szx(eng->cfg.block_size);
    p->cb = cb;
    p->cb_ctx = ctx;
    eng_new_token(eng, p->token, &p->tkl);
    p->state = SL_PENDING_QUEUED;
    eng->now = now;
    *handle = (int)idx;
    req_send(eng, idx);
    return SL_OK;
}

/* Release a CON of this pending request still awaiting its ACK. */
static void req_release_tx(struct sl_engine *eng, struct sl_pending *p)
{
    struct sl_coap_tx *tx = sl_coap_tx_match(&eng->ml, p->peer, p->mid);
    if (tx && tx->kind == SL_TX_REQUEST)
        sl_coap_tx_release(tx);
}

sl_err sl_engine_cancel(struct sl_engine *eng, int handle, bool tell_peer, sl_time_ms now)
{
    if (handle < 0 || handle >= SL_MAX_PENDING || eng->pending[handle].state == SL_PENDING_FREE)
        return SL_ERR_NOT_FOUND;
    struct sl_pending *p = &eng->pending[handle];
    eng->now = now;
    if (p->state == SL_PENDING_WAIT_ACK)
        req_release_tx(eng, p);
    if (tell_peer && p->observe && p->state == SL_PENDING_OBSERVING) {
        /* RFC 7641 3.6: GET with Observe 1 and the same token; its answer
         * goes nowhere */
        p->deregister = true;
        p->cb = NULL;
        p->block2_num = 0;
        p->state = SL_PENDING_QUEUED;
        req_send(eng, (unsigned)handle);
        return SL_OK;
    }
    memset(p, 0, sizeof *p);
    return SL_OK;
}

/* A response (piggybacked or separate) for pending request idx. */
static void req_handle_response(struct sl_engine *eng, unsigned idx, const struct sl_coap_msg *m)
{
    struct sl_pending *p = &eng->pending[idx];
    struct sl_response r;
    memset(&r, 0, sizeof r);
    r.code = m->code;
    r.msg = m;
    r.payload = m->payload;
    r.len = m->payload_len;
    if (sl_coap_content_format(m, &r.format) != SL_OK)
        r.format = SL_FMT_NONE;

#if SL_CONFIG_BLOCK
    struct sl_coap_block blk;
    if (m->code == SL_COAP_CONTINUE && uses_block1(eng, p) &&
        sl_coap_block_get(m, SL_COAP_OPT_BLOCK1, &blk) == SL_OK) {
        /* RFC 7959 2.5: go on, at the (possibly smaller) size the server asks */
        size_t acked = ((size_t)blk.num + 1) * SL_COAP_BLOCK_SIZE(blk.szx);
        if (blk.szx > p->block1_szx || acked >= p->payload_len) {
            req_finish(eng, idx, SL_ERR_INVALID, NULL);
            return;
        }
        p->block1_szx = blk.szx;
        p->block1_num = (uint32_t)(acked / SL_COAP_BLOCK_SIZE(blk.szx));
        p->state = SL_PENDING_QUEUED;
        req_send(eng, idx);
        return;
    }
#endif

    uint32_t seq;
    bool has_obs = sl_coap_opt_uint(m, SL_COAP_OPT_OBSERVE, &seq) == SL_OK;
    bool observing = p->observe && !p->deregister && has_obs && SL_COAP_CODE_CLASS(m->code) == 2;
    if (observing) {
        if (p->obs_seen && !sl_observe_is_fresh(p->obs_seq, p->obs_time, seq, eng->now))
            return; /* an older notification overtaken by a newer one */
        r.notification = p->obs_seen;
        r.observe_seq = seq;
        p->obs_seen = true;
        p->obs_seq = seq;
        p->obs_time = eng->now;
        p->state = SL_PENDING_OBSERVING;
    }

#if SL_CONFIG_BLOCK
    if (sl_coap_block_get(m, SL_COAP_OPT_BLOCK2, &blk) == SL_OK) {
        r.offset = blk.num * SL_COAP_BLOCK_SIZE(blk.szx);
        r.more = blk.more;
        if (blk.more && !observing) {
            /* ask for the next block with the same token */
            if (p->cb)
                p->cb(p->cb_ctx, (int)idx, SL_OK, &r);
            if (p->state == SL_PENDING_FREE)
                return; /* the callback cancelled it */
            p->block2_num = blk.num + 1;
            p->block2_szx = blk.szx;
            p->state = SL_PENDING_QUEUED;
            req_send(eng, idx);
            return;
        }
    }
#endif
    if (!observing)
        req_finish(eng, idx, SL_OK, &r); /* the request is over */
    else if (p->cb)
        p->cb(p->cb_ctx, (int)idx, SL_OK, &r);
}

void req_on_ack(struct sl_engine *eng, uint16_t owner, const struct sl_coap_msg *ack)
{
    if (owner >= SL_MAX_PENDING || eng->pending[owner].state != SL_PENDING_WAIT_ACK)
        return;
    struct sl_pending *p = &eng->pending[owner];
    if (ack->code == SL_COAP_EMPTY) {
        /* RFC 7252 5.2.2: the response comes separately */
        p->state = SL_PENDING_WAIT_RESP;
        p->deadline = eng->now + eng->cfg.separate_timeout_ms;
        return;
    }
    if (ack->tkl != p->tkl || !eng_same_bytes(ack->token, p->token, p->tkl)) {
        req_finish(eng, owner, SL_ERR_INVALID, NULL); /* an ACK answering something else */
        return;
    }
    req_handle_response(eng, owner, ack);
}

void req_on_fail(struct sl_engine *eng, uint16_t owner, sl_err err)
{
    if (owner >= SL_MAX_PENDING || eng->pending[owner].state == SL_PENDING_FREE)
        return;
    req_finish(eng, owner, err, NULL);
}

bool req_on_response(struct sl_engine *eng, int peer, const struct sl_coap_msg *m)
{
    for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
        struct sl_pending *p = &eng->pending[k];
        if (p->state == SL_PENDING_FREE || p->state == SL_PENDING_QUEUED || p->peer != peer ||
            p->tkl != m->tkl || !eng_same_bytes(p->token, m->token, m->tkl))
            continue;
        if (p->state == SL_PENDING_WAIT_ACK)
            req_release_tx(eng, p); /* the response overtook the lost ACK */
        req_handle_response(eng, k, m);
        return true;
    }
    return false;
}

void req_drop_peer(struct sl_engine *eng, int peer)
{
    for (unsigned k = 0; k < SL_MAX_PENDING; k++)
        if (eng->pending[k].state != SL_PENDING_FREE && eng->pending[k].peer == peer)
            req_finish(eng, k, SL_ERR_RESET, NULL);
}

void req_step(struct sl_engine *eng, sl_time_ms now)
{
    for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
        struct sl_pending *p = &eng->pending[k];
        if (p->state == SL_PENDING_QUEUED)
            req_send(eng, k);
        else if (p->state == SL_PENDING_WAIT_RESP && p->deadline <= now)
            req_finish(eng, k, SL_ERR_TIMEOUT, NULL);
    }
}

sl_time_ms req_next_deadline(const struct sl_engine *eng)
{
    sl_time_ms next = UINT64_MAX;
    for (unsigned k = 0; k < SL_MAX_PENDING; k++) {
        const struct sl_pending *p = &eng->pending[k];
        if (p->state == SL_PENDING_QUEUED &&
            sl_coap_tx_outstanding(&eng->ml, p->peer) < eng->ml.params.nstart)
            next = eng->now < next ? eng->now : next;
        else if (p->state == SL_PENDING_WAIT_RESP && p->deadline < next)
            next = p->deadline;
    }
    return next;
}
