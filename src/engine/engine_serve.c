/* The serving half: a request in (past dedup and the hook), an LwM2M
 * operation on the data model, a response out, with Block1 reassembly
 * (applied only at the last block), Block2 slicing and observe
 * registration. */
#include <string.h>

#include "engine/engine_internal.h"

static size_t reply_code_only(const struct sl_coap_msg *req, uint8_t type, uint16_t mid,
                              uint8_t code, uint8_t *out, size_t cap)
{
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, out, cap, type, code, mid, req->token, req->tkl);
    return sl_coap_build_end(&b, &len) == SL_OK ? len : 0;
}

sl_err serve_put_block2(struct sl_engine *eng, struct sl_coap_builder *b, const uint8_t *body,
                        size_t body_len, uint32_t num, uint8_t szx)
{
    (void)eng;
    size_t size = SL_COAP_BLOCK_SIZE(szx);
    size_t off = (size_t)num * size;
    if (off > body_len || (off == body_len && body_len != 0))
        return SL_ERR_RANGE;
    size_t n = body_len - off < size ? body_len - off : size;
    return sl_coap_build_payload(b, body + off, n);
}

#if SL_CONFIG_BLOCK
/* Block1 (RFC 7959 2.5): collect the body; returns 0 and sets *complete
 * when the last block arrived, 0 with *complete false after storing a
 * middle block (answer 2.31), or a CoAP error code. */
static uint8_t block1_collect(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                              const struct sl_coap_block *b1, const struct sl_path *path,
                              bool *complete)
{
    struct sl_block1_rx *rx = &eng->block1;
    size_t size = SL_COAP_BLOCK_SIZE(b1->szx);
    *complete = false;
    if (b1->num == 0) {
        rx->active = true;
        rx->peer = (uint8_t)peer;
        rx->path = *path;
        rx->code = req->code;
        rx->next_num = 0;
        rx->len = 0;
    } else if (!rx->active || rx->peer != peer || rx->code != req->code ||
               !sl_path_equal(&rx->path, path) || b1->num != rx->next_num) {
        return SL_COAP_REQUEST_ENTITY_INCOMPLETE;
    }
    if ((b1->more && req->payload_len != size) || req->payload_len > size) {
        rx->active = false;
        return SL_COAP_BAD_REQUEST;
    }
    if (req->payload_len > sizeof rx->body - rx->len) {
        rx->active = false;
        return SL_COAP_REQUEST_ENTITY_TOO_LARGE;
    }
    if (req->payload_len > 0)
        memcpy(rx->body + rx->len, req->payload, req->payload_len);
    rx->len += req->payload_len;
    rx->next_num++;
    rx->expires = eng->now + sl_coap_exchange_lifetime_ms(&eng->ml.params);
    if (!b1->more) {
        rx->active = false;
        *complete = true;
    }
    return 0;
}
#endif

void serve_expire(struct sl_engine *eng, sl_time_ms now)
{
#if SL_CONFIG_BLOCK
    if (eng->block1.active && eng->block1.expires <= now)
        eng->block1.active = false;
#else
    (void)eng;
    (void)now;
#endif
}

sl_time_ms serve_next_deadline(const struct sl_engine *eng)
{
#if SL_CONFIG_BLOCK
    if (eng->block1.active)
        return eng->block1.expires;
#else
    (void)eng;
#endif
    return UINT64_MAX;
}

size_t serve_request(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                     uint8_t reply_type, uint16_t reply_mid, uint8_t *out, size_t cap)
{
    if (sl_coap_unknown_critical(req))
        return reply_code_only(req, reply_type, reply_mid, SL_COAP_BAD_OPTION, out, cap);

    struct sl_dm_req dreq;
    uint8_t code = sl_dm_req_from_coap(&eng->dm, req, &dreq);
    if (code)
        return reply_code_only(req, reply_type, reply_mid, code, out, cap);
    dreq.actor = eng->peers[peer].actor;

    struct sl_coap_block b1 = { 0, false, 0 };
    bool has_b1 = false;
    sl_err berr = sl_coap_block_get(req, SL_COAP_OPT_BLOCK1, &b1);
    if (berr == SL_ERR_INVALID)
        return reply_code_only(req, reply_type, reply_mid, SL_COAP_BAD_OPTION, out, cap);
    if (berr == SL_OK) {
#if SL_CONFIG_BLOCK
        bool complete;
        has_b1 = true;
        code = block1_collect(eng, peer, req, &b1, &dreq.path, &complete);
        if (code) {
            struct sl_coap_builder b;
            size_t len;
            sl_coap_build_begin(&b, out, cap, reply_type, code, reply_mid, req->token, req->tkl);
            if (code == SL_COAP_REQUEST_ENTITY_TOO_LARGE)
                sl_coap_build_opt_uint(&b, SL_COAP_OPT_SIZE1, SL_MAX_BODY);
            return sl_coap_build_end(&b, &len) == SL_OK ? len : 0;
        }
        if (!complete) {
            struct sl_coap_builder b;
            size_t len;
            sl_coap_build_begin(&b, out, cap, reply_type, SL_COAP_CONTINUE, reply_mid, req->token,
                                req->tkl);
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&b1));
            return sl_coap_build_end(&b, &len) == SL_OK ? len : 0;
        }
        dreq.payload = eng->block1.body;
        dreq.payload_len = eng->block1.len;
#else
        return reply_code_only(req, reply_type, reply_mid, SL_COAP_REQUEST_ENTITY_TOO_LARGE, out,
                               cap);
#endif
    }

    uint8_t szx = (uint8_t)sl_coap_block_szx(eng->cfg.block_size);
    struct sl_coap_block b2 = { 0, false, szx };
    berr = sl_coap_block_get(req, SL_COAP_OPT_BLOCK2, &b2);
    if (berr == SL_ERR_INVALID)
        return reply_code_only(req, reply_type, reply_mid, SL_COAP_BAD_OPTION, out, cap);
    bool has_b2 = berr == SL_OK;
    if (has_b2 && b2.szx > szx) {
        /* RFC 7959 2.4: answer with our smaller size; the block number scales */
        b2.num = (b2.num << (b2.szx - szx));
        b2.szx = szx;
    }

    struct sl_dm_resp dresp;
    sl_dm_handle(&eng->dm, &dreq, eng->body, sizeof eng->body, &dresp);

    struct sl_observation *obs = NULL;
    bool observe = dreq.op == SL_OP_OBSERVE || dreq.op == SL_OP_OBSERVE_COMPOSITE;
    if (dreq.op == SL_OP_CANCEL || dreq.op == SL_OP_CANCEL_COMPOSITE ||
        (observe && dresp.code != SL_COAP_CONTENT)) {
        obs_cancel_token(eng, peer, req->token, req->tkl);
    } else if (observe && b2.num == 0) {
        struct sl_path paths[SL_MAX_OBSERVE_PATHS];
        unsigned count = 1;
        paths[0] = dreq.path;
        if (dreq.op == SL_OP_OBSERVE_COMPOSITE &&
            sl_dm_composite_paths(&dreq, paths, SL_MAX_OBSERVE_PATHS, &count) != 0)
            count = 0;
        if (count > 0)
            obs = obs_register(eng, peer, req, paths, (uint8_t)count,
                               dreq.op == SL_OP_OBSERVE_COMPOSITE, dresp.format);
        /* no room for it: still answer the read, without Observe (RFC 7641 4.1) */
    }

    size_t block = SL_COAP_BLOCK_SIZE(b2.szx);
    bool sliced = dresp.len > block || has_b2;
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, out, cap, reply_type, dresp.code, reply_mid, req->token, req->tkl);
    if (obs)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, obs->seq);
    if (dresp.has_location) {
        char loc[16];
        int n = sl_path_format(&dresp.location, loc, sizeof loc);
        if (n > 0)
            sl_coap_build_opt_split(&b, SL_COAP_OPT_LOCATION_PATH, loc, (size_t)n, '/');
    }
    if (dresp.format != SL_FMT_NONE)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, dresp.format);
    if (sliced && dresp.code == SL_COAP_CONTENT) {
        size_t off = (size_t)b2.num * block;
        /* a block past the end (an empty body has only block 0), or a
         * number that no longer fits the option once scaled to our size */
        if ((off >= dresp.len && b2.num > 0) || b2.num > 0xFFFFFu) {
            obs_cancel_token(eng, peer, req->token, req->tkl);
            return reply_code_only(req, reply_type, reply_mid, SL_COAP_BAD_OPTION, out, cap);
        }
        struct sl_coap_block rb = { b2.num, off + block < dresp.len, b2.szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK2, sl_coap_block_encode(&rb));
    }
    if (has_b1) {
        struct sl_coap_block rb = { b1.num, false, b1.szx };
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&rb));
    }
    if (sliced && dresp.code == SL_COAP_CONTENT && b2.num == 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_SIZE2, (uint32_t)dresp.len);
    if (sliced && dresp.code == SL_COAP_CONTENT)
        serve_put_block2(eng, &b, eng->body, dresp.len, b2.num, b2.szx);
    else
        sl_coap_build_payload(&b, eng->body, dresp.len);
    if (sl_coap_build_end(&b, &len) != SL_OK) {
        if (obs)
            obs_cancel_token(eng, peer, req->token, req->tkl);
        return reply_code_only(req, reply_type, reply_mid, SL_COAP_INTERNAL_SERVER_ERROR, out,
                               cap);
    }
    if (obs)
        obs_first_sent(eng, obs, eng->body, dresp.len);
    return len;
}
