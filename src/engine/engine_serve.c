/* The serving half: a request in (past dedup and the hook), an LwM2M
 * operation on the data model, a response out, with Block1 reassembly
 * (applied only at the last block), Block2 slicing and observe
 * registration. */
#include <string.h>

#include "engine/engine_internal.h"

static size_t reply_code_only(const struct sl_coap_msg *req, uint8_t type, uint16_t mid,
                              uint8_t code, uint8_t *out, size_t cap)
{
    (void)cap; /* a reply buffer holds SL_COAP_MAX_MSG bytes, far more than 12 */
    return sl_coap_build_reply(out, type, code, mid, req->token, req->tkl);
}

sl_err serve_put_body(struct sl_engine *eng, struct sl_coap_builder *b, uint8_t code,
                      uint16_t format, size_t len, uint32_t num, uint8_t szx, bool sliced,
                      const struct sl_coap_block *b1)
{
    size_t block = SL_COAP_BLOCK_SIZE(szx);
    size_t off = (size_t)num * block;
    const uint8_t *body = eng->body;
    sliced = sliced && code == SL_COAP_CONTENT;
    if (format != SL_FMT_NONE)
        sl_coap_build_opt_uint(b, SL_COAP_OPT_CONTENT_FORMAT, format);
    if (sliced) {
        /* a block past the end (an empty body has only block 0), or a
         * number that no longer fits the option once scaled to our size */
        if ((off >= len && num > 0) || num > 0xFFFFFu)
            return SL_ERR_RANGE;
        struct sl_coap_block rb = { num, off + block < len, szx };
        sl_coap_build_opt_uint(b, SL_COAP_OPT_BLOCK2, sl_coap_block_encode(&rb));
    }
    /* (only a build with Block1 reassembly answers a Block1 request here) */
    if (SL_CONFIG_BLOCK && b1) {
        struct sl_coap_block rb = { b1->num, false, b1->szx };
        sl_coap_build_opt_uint(b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&rb));
    }
    if (sliced) {
        if (num == 0)
            sl_coap_build_opt_uint(b, SL_COAP_OPT_SIZE2, (uint32_t)len);
        body += off;
        len = len - off < block ? len - off : block;
    }
    return sl_coap_build_payload(b, body, len);
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

#if SL_CONFIG_BLOCK
void serve_expire(struct sl_engine *eng, sl_time_ms now)
{
    if (eng->block1.active && eng->block1.expires <= now)
        eng->block1.active = false;
}

sl_time_ms serve_next_deadline(const struct sl_engine *eng)
{
    return eng->block1.active ? eng->block1.expires : UINT64_MAX;
}
#endif

size_t serve_request(struct sl_engine *eng, int peer, const struct sl_coap_msg *req,
                     uint8_t reply_type, uint16_t reply_mid, uint8_t *out, size_t cap)
{
    /* every answer that is a bare code leaves through `code_only`: one
     * call of the reply builder instead of one per error */
    uint8_t code = SL_COAP_BAD_OPTION;
    if (sl_coap_unknown_critical(req))
        goto code_only;

    struct sl_dm_req dreq;
    code = sl_dm_req_from_coap(&eng->dm, req, &dreq);
    if (code)
        goto code_only;
    dreq.actor = eng->peers[peer].actor;

    struct sl_coap_block b1 = { 0, false, 0 };
    bool has_b1 = false;
    sl_err berr = sl_coap_block_get(req, SL_COAP_OPT_BLOCK1, &b1);
    code = SL_COAP_BAD_OPTION;
    if (berr == SL_ERR_INVALID)
        goto code_only;
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
        code = SL_COAP_REQUEST_ENTITY_TOO_LARGE;
        goto code_only;
#endif
    }

    uint8_t szx = (uint8_t)sl_coap_block_szx(eng->cfg.block_size);
    struct sl_coap_block b2 = { 0, false, szx };
    berr = sl_coap_block_get(req, SL_COAP_OPT_BLOCK2, &b2);
    code = SL_COAP_BAD_OPTION;
    if (berr == SL_ERR_INVALID)
        goto code_only;
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
        struct sl_path paths[SL_OBS_PATHS];
        unsigned count = 1;
        paths[0] = dreq.path;
        /* (a build without composite operations never gets here with one) */
        if (SL_CONFIG_COMPOSITE && dreq.op == SL_OP_OBSERVE_COMPOSITE &&
            sl_dm_composite_paths(&dreq, paths, SL_OBS_PATHS, &count) != 0)
            count = 0;
        if (count > 0)
            obs = obs_register(eng, peer, req, paths, (uint8_t)count,
                               dreq.op == SL_OP_OBSERVE_COMPOSITE, dresp.format);
        /* no room for it: still answer the read, without Observe (RFC 7641 4.1) */
    }

    bool sliced = dresp.len > SL_COAP_BLOCK_SIZE(b2.szx) || has_b2;
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
    sl_err err = serve_put_body(eng, &b, dresp.code, dresp.format, dresp.len, b2.num, b2.szx,
                                sliced, has_b1 ? &b1 : NULL);
    if (err == SL_OK)
        err = sl_coap_build_end(&b, &len);
    if (err != SL_OK) {
        if (obs || err == SL_ERR_RANGE)
            obs_cancel_token(eng, peer, req->token, req->tkl);
        code = err == SL_ERR_RANGE ? SL_COAP_BAD_OPTION : SL_COAP_INTERNAL_SERVER_ERROR;
        goto code_only;
    }
    if (obs)
        obs_first_sent(eng, obs, eng->body, dresp.len);
    return len;

code_only:
    return reply_code_only(req, reply_type, reply_mid, code, out, cap);
}
