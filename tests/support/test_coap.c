#include "test_coap.h"

#include "test_util.h"

#include "dm/dm.h"
#include "test_platform.h"

#include <string.h>

size_t tc_build(const struct tc_req *r, uint8_t *buf, size_t cap)
{
    static const uint8_t default_token[2] = { 1, 2 };
    struct sl_coap_builder b;
    const uint8_t *token = r->token ? r->token : default_token;
    uint8_t tkl = r->token ? r->tkl : 2;
    /* code 0 means GET here: tests never build empty messages this way */
    sl_coap_build_begin(&b, buf, cap, r->type, r->code ? r->code : SL_COAP_GET, r->mid, token,
                        tkl);
    if (r->observe >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_OBSERVE, (uint32_t)r->observe);
    if (r->path && strcmp(r->path, "/") != 0)
        sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, r->path, strlen(r->path), '/');
    if (r->format >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, (uint32_t)r->format);
    if (r->query)
        sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_QUERY, r->query, strlen(r->query), '&');
    if (r->accept >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, (uint32_t)r->accept);
    if (r->block2 >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK2, (uint32_t)r->block2);
    if (r->block1 >= 0)
        sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, (uint32_t)r->block1);
    sl_coap_build_payload(&b, r->payload, r->len);
    size_t len = 0;
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    return len;
}

void tc_msg(const struct tc_req *r, uint8_t *buf, size_t cap, struct sl_coap_msg *m)
{
    size_t len = tc_build(r, buf, cap);
    assert_int_equal(sl_coap_parse(m, buf, len), SL_OK);
}

uint8_t tc_dm_run(struct sl_dm *dm, struct tc_req r, const struct sl_actor *who, uint8_t *msgbuf,
                  size_t msgcap, uint8_t *out, size_t outcap, struct sl_dm_resp *resp)
{
    struct sl_coap_msg m;
    struct sl_dm_req req;
    tc_msg(&r, msgbuf, msgcap, &m);
    uint8_t code = sl_dm_req_from_coap(dm, &m, &req);
    if (code)
        return code;
    req.actor = *who;
    sl_dm_handle(dm, &req, out, outcap, resp);
    return resp->code;
}

void tc_opt_join(const struct sl_coap_msg *m, uint16_t num, char sep, char *out, size_t cap)
{
    size_t n = 0;
    for (unsigned k = 0;; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, num, k);
        if (!o)
            break;
        assert_true(n + o->len + 2 < cap);
        if (k)
            out[n++] = sep;
        memcpy(out + n, o->val, o->len);
        n += o->len;
    }
    out[n] = '\0';
}

struct sl_coap_msg tc_sent(struct test_platform *tp, struct tp_datagram *d,
                           const struct sl_addr *to)
{
    struct sl_coap_msg m;
    assert_true(tp_pop(tp, d));
    assert_true(sl_addr_equal(&d->to, to));
    assert_int_equal(sl_coap_parse(&m, d->data, d->len), SL_OK);
    return m;
}
