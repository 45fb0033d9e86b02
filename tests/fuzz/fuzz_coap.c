/* libFuzzer target: the CoAP message codec.
 *
 * Any bytes go to sl_coap_parse(). A message that parses is rebuilt with the
 * builder from its parsed fields (header, token, options in the order they
 * came, payload); the option encoding of RFC 7252 3.1 has exactly one form
 * per value, so the rebuilt bytes must equal the input, and must parse to the
 * same fields. The option helpers run on every parsed message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_msg.h"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            abort();                                                                          \
    } while (0)

static uint8_t copy[65536 + 64];
static uint8_t rebuilt[65536 + 64];

static void check_helpers(const struct sl_coap_msg *m)
{
    (void)sl_coap_is_request(m->code);
    (void)sl_coap_is_response(m->code);

    uint16_t crit = sl_coap_unknown_critical(m);
    if (crit != 0) {
        CHECK(crit & 1);
        CHECK(sl_coap_opt_get(m, crit, 0) != NULL);
    }

    uint16_t cf = 0;
    sl_err err = sl_coap_content_format(m, &cf);
    if (sl_coap_opt_get(m, SL_COAP_OPT_CONTENT_FORMAT, 0) == NULL)
        CHECK(err == SL_OK && cf == 0xFFFF);
    else if (err == SL_OK)
        CHECK(cf != 0xFFFF);

    static const uint16_t block_opts[2] = { SL_COAP_OPT_BLOCK1, SL_COAP_OPT_BLOCK2 };
    for (unsigned k = 0; k < 2; k++) {
        struct sl_coap_block b;
        err = sl_coap_block_get(m, block_opts[k], &b);
        const struct sl_coap_opt *o = sl_coap_opt_get(m, block_opts[k], 0);
        if (!o) {
            CHECK(err == SL_ERR_NOT_FOUND);
            continue;
        }
        if (err != SL_OK) {
            CHECK(err == SL_ERR_INVALID);
            continue;
        }
        CHECK(o->len <= 3);
        CHECK(b.szx <= 6);
        CHECK(b.num < (1u << 20));
        uint32_t v;
        CHECK(sl_coap_opt_uint(m, block_opts[k], &v) == SL_OK);
        CHECK(sl_coap_block_encode(&b) == v);
        CHECK(SL_COAP_BLOCK_SIZE(b.szx) >= 16 && SL_COAP_BLOCK_SIZE(b.szx) <= 1024);
        CHECK(sl_coap_block_szx(SL_COAP_BLOCK_SIZE(b.szx)) == b.szx);
    }

    uint32_t v;
    static const uint16_t uint_opts[] = { SL_COAP_OPT_OBSERVE, SL_COAP_OPT_ACCEPT,
                                          SL_COAP_OPT_SIZE1, SL_COAP_OPT_SIZE2,
                                          SL_COAP_OPT_MAX_AGE, SL_COAP_OPT_NO_RESPONSE };
    for (unsigned k = 0; k < sizeof uint_opts / sizeof uint_opts[0]; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, uint_opts[k], 0);
        err = sl_coap_opt_uint(m, uint_opts[k], &v);
        if (!o)
            CHECK(err == SL_ERR_NOT_FOUND);
        else
            CHECK(err == (o->len <= 4 ? SL_OK : SL_ERR_INVALID));
    }
}

static void check_same(const struct sl_coap_msg *a, const struct sl_coap_msg *b)
{
    CHECK(a->type == b->type && a->code == b->code && a->mid == b->mid && a->tkl == b->tkl);
    CHECK(memcmp(a->token, b->token, a->tkl) == 0);
    CHECK(a->opt_count == b->opt_count);
    for (unsigned k = 0; k < a->opt_count; k++) {
        CHECK(a->opts[k].num == b->opts[k].num && a->opts[k].len == b->opts[k].len);
        CHECK(a->opts[k].len == 0 || memcmp(a->opts[k].val, b->opts[k].val, a->opts[k].len) == 0);
    }
    CHECK(a->payload_len == b->payload_len);
    CHECK(a->payload_len == 0 || memcmp(a->payload, b->payload, a->payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > sizeof copy)
        return 0;
    /* an exactly sized heap copy, so any over-read is caught */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);

    struct sl_coap_msg m;
    sl_err err = sl_coap_parse(&m, buf, size);
    CHECK(err == SL_OK || err == SL_ERR_INVALID || err == SL_ERR_TOO_LARGE);
    if (err == SL_ERR_INVALID) {
        free(buf);
        return 0;
    }
    CHECK(size >= SL_COAP_HEADER_LEN && (buf[0] >> 6) == 1 && m.tkl <= SL_COAP_MAX_TOKEN);
    for (unsigned k = 0; k < m.opt_count; k++) {
        const struct sl_coap_opt *o = &m.opts[k];
        CHECK(o->val >= buf && (size_t)(o->val - buf) + o->len <= size);
        CHECK(k == 0 || o->num >= m.opts[k - 1].num);
    }
    CHECK(m.payload == NULL ? m.payload_len == 0
                            : (m.payload_len > 0 && m.payload > buf &&
                               (size_t)(m.payload - buf) + m.payload_len == size));
    check_helpers(&m);

    if (err == SL_ERR_TOO_LARGE) {
        CHECK(m.opt_count == SL_COAP_MAX_OPTIONS);
        free(buf);
        return 0;
    }

    /* rebuild from the parsed fields */
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, rebuilt, sizeof rebuilt, m.type, m.code, m.mid, m.token, m.tkl);
    for (unsigned k = 0; k < m.opt_count; k++)
        CHECK(sl_coap_build_opt(&b, m.opts[k].num, m.opts[k].val, m.opts[k].len) == SL_OK);
    CHECK(sl_coap_build_payload(&b, m.payload, m.payload_len) == SL_OK);
    size_t len = 0;
    CHECK(sl_coap_build_end(&b, &len) == SL_OK);
    CHECK(len == size && memcmp(rebuilt, buf, size) == 0);

    struct sl_coap_msg again;
    memcpy(copy, rebuilt, len);
    CHECK(sl_coap_parse(&again, copy, len) == SL_OK);
    check_same(&m, &again);
    free(buf);
    return 0;
}
