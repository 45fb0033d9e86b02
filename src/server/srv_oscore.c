/* OSCORE (RFC 8613) on the server's plain CoAP socket, for endpoints whose
 * credentials are an OSCORE context (/api/security/clients {"oscore":..}).
 *
 * It sits where DESIGN 1b puts it: after the message layer (so a
 * retransmitted request finds its dedup entry and gets the cached protected
 * reply, never a replay error) and before the request/response layer.
 *   - A request with the OSCORE option is verified with the context whose
 *     Recipient ID is its kid and handled as its inner request; while it is
 *     handled s->rx_osc says so, every reply built for it is protected with
 *     its binding (srv_coap_build_response), and the registration interface
 *     takes the context's endpoint as the one asking.
 *   - Requests to a client that registered over OSCORE are protected when
 *     they are built (srv_request.c), each message (block) with its own
 *     Partial IV; its binding waits in the request for the response.
 *   - An observation keeps its registration's binding and a Notification
 *     Number (7.4.1): a notification must verify and be newer.
 * Failures on the receiving side follow RFC 8613 8.2 (a request: an
 * unprotected error with the suggested diagnostic) and 8.4 (a response:
 * discarded). After a restart the contexts ask for an Echo (RFC 9175)
 * before taking requests (srv_security.c restores them).
 */
#include <stdio.h>
#include <string.h>

#include "server/srv_internal.h"

bool srv_oscore_reg(struct srv *s, const struct srv_reg *r)
{
    /* an endpoint with OSCORE credentials can only have registered over
     * OSCORE when it is on plain CoAP (srv_transport_refusal) */
    return r && r->addr.tp == SRV_TP_COAP && srv_security_oscore(s, r->ep) != NULL;
}

/* Answer a request that failed verification: unprotected, with the code
 * and diagnostic RFC 8613 8.2 asks for. */
static void refuse(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                   const struct sl_coap_msg *m, sl_err err, uint8_t code)
{
    char a[SRV_PEER_STRLEN];
    srv_peer_str(from, a);
    const char *why = sl_oscore_error_text(err, code);
    SRV_WARN(s, "OSCORE request from %s refused: %u.%02u %s", a, SL_COAP_CODE_CLASS(code),
             SL_COAP_CODE_DETAIL(code), why);
    srv_coap_respond(s, d, from, m, code, NULL, 0, why);
}

void srv_oscore_request(struct srv *s, struct srv_dedup *d, const struct srv_peer *from,
                        const struct sl_coap_msg *m)
{
    const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 0);
    struct sl_oscore_option opt;
    if (!o || sl_oscore_option_parse(&opt, o->val, o->len) != SL_OK || !opt.has_kid) {
        refuse(s, d, from, m, SL_ERR_INVALID, SL_COAP_BAD_OPTION);
        return;
    }
    struct srv_osc_rx rx;
    rx.ctx = srv_security_oscore_by_kid(s, opt.kid, opt.kid_len, &rx.ep);
    if (!rx.ctx) {
        refuse(s, d, from, m, SL_ERR_NOT_FOUND, SL_COAP_UNAUTHORIZED);
        return;
    }
    size_t len = 0;
    uint8_t code = 0;
    sl_err err = sl_oscore_unprotect_request(rx.ctx, m, s->osc_in, sizeof s->osc_in, &len,
                                             &rx.bind, &code);
    if (err == SL_ERR_STATE && code == SL_COAP_UNAUTHORIZED) {
        /* after a restart: prove freshness with an Echo first (RFC 9175) */
        uint8_t out[256];
        if (sl_oscore_echo_response(rx.ctx, m, &rx.bind, out, sizeof out, &len) != SL_OK)
            return; /* no limit saved yet: the client retransmits */
        if (m->type != SL_COAP_CON) {
            uint16_t mid = s->next_mid++;
            out[2] = (uint8_t)(mid >> 8);
            out[3] = (uint8_t)mid;
        }
        SRV_INFO(s, "%s: OSCORE request answered with an Echo (contexts restarted)", rx.ep);
        srv_coap_reply(s, d, from, out, len);
        srv_security_oscore_save(s, rx.ep);
        return;
    }
    if (err != SL_OK) {
        refuse(s, d, from, m, err, code ? code : SL_COAP_BAD_REQUEST);
        return;
    }
    struct sl_coap_msg inner;
    if (sl_coap_parse(&inner, s->osc_in, len) != SL_OK) {
        refuse(s, d, from, m, SL_ERR_INVALID, SL_COAP_BAD_REQUEST);
        return;
    }
    struct srv_osc_rx *outer_rx = s->rx_osc;
    s->rx_osc = &rx;
    srv_coap_handle_request(s, d, from, &inner);
    s->rx_osc = outer_rx;
}

bool srv_oscore_protect_reply(struct srv *s, uint8_t *buf, size_t *len, size_t cap)
{
    struct srv_osc_rx *rx = s->rx_osc;
    struct sl_coap_msg m;
    uint8_t out[SL_COAP_MAX_MSG];
    size_t n = 0;
    /* a reply reuses the request's nonce: no sequence number is spent */
    if (sl_coap_parse(&m, buf, *len) != SL_OK ||
        sl_oscore_protect_response(rx->ctx, &m, &rx->bind, false, 0, out, sizeof out, &n) !=
            SL_OK ||
        n > cap)
        return false;
    memcpy(buf, out, n);
    *len = n;
    return true;
}

sl_err srv_oscore_protect_request(struct srv *s, struct srv_req *req)
{
    req->osc = false;
    if (!srv_oscore_reg(s, req->reg))
        return SL_OK;
    struct sl_oscore_ctx *ctx = srv_security_oscore(s, req->reg->ep);
    struct sl_coap_msg m;
    uint8_t out[SL_COAP_MAX_MSG];
    size_t n = 0;
    sl_err err = sl_coap_parse(&m, req->msg, req->msg_len);
    if (err == SL_OK)
        err = sl_oscore_protect_request(ctx, &m, 0, out, sizeof out, &n, &req->osc_bind);
    srv_security_oscore_save(s, req->reg->ep);
    if (err != SL_OK) {
        SRV_WARN(s, "%s: OSCORE protect failed: %s", req->reg->ep, sl_err_str(err));
        return err;
    }
    if (n > req->msg_len) {
        uint8_t *p = realloc(req->msg, n);
        if (!p)
            return SL_ERR_NOMEM;
        req->msg = p;
    }
    memcpy(req->msg, out, n);
    req->msg_len = n;
    req->osc = true;
    return SL_OK;
}

/* Verify an answer of ep's client to a request of ours bound to bind: a
 * response, or (notif given) a notification checked against its
 * observation's Notification Number. The inner message goes to *inner. */
static sl_err unprotect_answer(struct srv *s, const char *ep, const struct sl_coap_msg *m,
                               const struct sl_oscore_binding *bind,
                               struct sl_oscore_notif *notif, struct sl_coap_msg *inner)
{
    struct sl_oscore_ctx *ctx = ep ? srv_security_oscore(s, ep) : NULL;
    size_t len = 0;
    uint8_t code = 0;
    sl_err err = SL_ERR_NOT_FOUND;
    if (ctx && sl_coap_opt_get(m, SL_COAP_OPT_OSCORE, 0))
        err = notif ? sl_oscore_unprotect_notification(ctx, m, bind, notif, s->osc_rsp,
                                                       sizeof s->osc_rsp, &len)
                    : sl_oscore_unprotect_response(ctx, m, bind, s->osc_rsp, sizeof s->osc_rsp,
                                                   &len, &code);
    if (err == SL_OK)
        err = sl_coap_parse(inner, s->osc_rsp, len);
    if (err != SL_OK)
        SRV_LOG(s, notif ? SL_LOG_DEBUG : SL_LOG_WARN, "%s: OSCORE %s discarded: %s",
                ep ? ep : "?", notif ? "notification" : "response", sl_err_str(err));
    return err;
}

sl_err srv_oscore_response(struct srv *s, struct srv_req *req, const struct sl_coap_msg *m,
                           struct sl_coap_msg *inner)
{
    if (!req->osc) {
        *inner = *m;
        return SL_OK;
    }
    return unprotect_answer(s, req->reg ? req->reg->ep : NULL, m, &req->osc_bind, NULL, inner);
}

sl_err srv_oscore_notification(struct srv *s, struct srv_obs *o, const struct sl_coap_msg *m,
                               struct sl_coap_msg *inner)
{
    if (!o->osc) {
        *inner = *m;
        return SL_OK;
    }
    return unprotect_answer(s, o->reg ? o->reg->ep : NULL, m, &o->osc_bind, &o->osc_notif, inner);
}
