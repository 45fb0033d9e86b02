/* CoAP message codec (RFC 7252 section 3): hand-built messages as hex for
 * every header, token and option form, the format errors a total parser
 * must reject, truncation at every length, and the builder (round trips,
 * ordering, overflow at every buffer size, minimal integers, splitting),
 * plus the option helpers (critical options, Block, Content-Format).
 *
 * Every parse runs on an exactly sized heap copy of the bytes, so an
 * over-read is an AddressSanitizer error, not a silent pass. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "coap/coap_msg.h"
#include "sidelink/types.h"

/* ---- helpers ------------------------------------------------------------ */

/* A parsed message together with the heap copy it points into. */
struct parsed {
    uint8_t *buf;
    size_t len;
    sl_err err;
    struct sl_coap_msg m;
};

static sl_err parse_bytes(struct parsed *p, const uint8_t *bytes, size_t len)
{
    p->buf = malloc(len ? len : 1);
    assert_non_null(p->buf);
    if (len)
        memcpy(p->buf, bytes, len);
    p->len = len;
    p->err = sl_coap_parse(&p->m, p->buf, len);
    return p->err;
}

static sl_err parse_hex(struct parsed *p, const char *hex)
{
    uint8_t tmp[2048];
    int n = test_hex(hex, tmp, sizeof tmp);
    assert_true(n >= 0);
    return parse_bytes(p, tmp, (size_t)n);
}

static void parsed_free(struct parsed *p)
{
    free(p->buf);
    p->buf = NULL;
}

static sl_err parse_hex_once(const char *hex)
{
    struct parsed p;
    sl_err err = parse_hex(&p, hex);
    parsed_free(&p);
    return err;
}

static size_t hex_into(const char *hex, uint8_t *out, size_t cap)
{
    int n = test_hex(hex, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

/* Deterministic filler for long option values. */
static uint8_t filler(size_t k)
{
    return (uint8_t)(k * 7u + 1u);
}

/* Everything a parse result claims lies inside the parsed bytes. */
static void assert_msg_in_bounds(const struct sl_coap_msg *m, const uint8_t *buf, size_t len)
{
    assert_true(m->tkl <= SL_COAP_MAX_TOKEN);
    assert_true(m->opt_count <= SL_COAP_MAX_OPTIONS);
    size_t last_end = SL_COAP_HEADER_LEN + m->tkl;
    uint16_t last_num = 0;
    for (unsigned k = 0; k < m->opt_count; k++) {
        const struct sl_coap_opt *o = &m->opts[k];
        assert_true(o->num >= last_num);
        last_num = o->num;
        assert_true(o->val >= buf + last_end);
        assert_true((size_t)(o->val - buf) + o->len <= len);
        last_end = (size_t)(o->val - buf) + o->len;
    }
    if (m->payload) {
        assert_true(m->payload_len > 0);
        assert_true(m->payload > buf + last_end);
        assert_true(m->payload[-1] == 0xff);
        assert_int_equal((size_t)(m->payload - buf) + m->payload_len, len);
    } else {
        assert_int_equal(m->payload_len, 0);
    }
}

/* ---- header and token --------------------------------------------------- */

static void test_empty_token(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(parse_hex(&p, "40 01 12 34"), SL_OK);
    assert_int_equal(p.m.type, SL_COAP_CON);
    assert_int_equal(p.m.code, SL_COAP_GET);
    assert_int_equal(p.m.mid, 0x1234);
    assert_int_equal(p.m.tkl, 0);
    assert_int_equal(p.m.opt_count, 0);
    assert_null(p.m.payload);
    assert_int_equal(p.m.payload_len, 0);
    assert_true(sl_coap_is_request(p.m.code));
    assert_false(sl_coap_is_response(p.m.code));
    parsed_free(&p);
}

static void test_token_eight_bytes(void **state)
{
    (void)state;
    struct parsed p;
    /* NON 2.05 Content, MID 0xabcd, TKL 8 */
    assert_int_equal(parse_hex(&p, "58 45 ab cd 01 02 03 04 05 06 07 08"), SL_OK);
    assert_int_equal(p.m.type, SL_COAP_NON);
    assert_int_equal(p.m.code, SL_COAP_CONTENT);
    assert_int_equal(p.m.mid, 0xabcd);
    assert_int_equal(p.m.tkl, 8);
    assert_hex_equal("0102030405060708", p.m.token, p.m.tkl);
    assert_int_equal(p.m.opt_count, 0);
    assert_true(sl_coap_is_response(p.m.code));
    parsed_free(&p);

    /* every type and a one-byte token */
    static const char *types[] = { "41 01 00 07 aa", "51 01 00 07 aa", "61 44 00 07 aa",
                                   "71 44 00 07 aa" };
    for (unsigned t = 0; t < 4; t++) {
        assert_int_equal(parse_hex(&p, types[t]), SL_OK);
        assert_int_equal(p.m.type, t);
        assert_int_equal(p.m.tkl, 1);
        assert_int_equal(p.m.token[0], 0xaa);
        assert_int_equal(p.m.mid, 7);
        parsed_free(&p);
    }
}

static void test_tkl_reserved(void **state)
{
    (void)state;
    uint8_t msg[4 + 15 + 3];
    for (uint8_t tkl = 9; tkl <= 15; tkl++) {
        msg[0] = (uint8_t)(0x40 | tkl);
        msg[1] = SL_COAP_GET;
        msg[2] = 0;
        msg[3] = 1;
        memset(msg + 4, 0x5a, sizeof msg - 4);
        struct parsed p;
        /* enough bytes for the token and more: still a format error */
        assert_int_equal(parse_bytes(&p, msg, 4u + tkl), SL_ERR_INVALID);
        parsed_free(&p);
        assert_int_equal(parse_bytes(&p, msg, sizeof msg), SL_ERR_INVALID);
        parsed_free(&p);
        /* also for an Empty message */
        msg[1] = 0;
        assert_int_equal(parse_bytes(&p, msg, 4u + tkl), SL_ERR_INVALID);
        parsed_free(&p);
    }
}

static void test_token_truncated(void **state)
{
    (void)state;
    assert_int_equal(parse_hex_once("44 01 00 01 aa bb cc"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("48 01 00 01"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("44 01 00 01 aa bb cc dd"), SL_OK);
}

static void test_short_and_version(void **state)
{
    (void)state;
    assert_int_equal(parse_hex_once(""), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00"), SL_ERR_INVALID);
    /* version 0, 2, 3 of an otherwise valid GET /a */
    assert_int_equal(parse_hex_once("00 01 00 01 b1 61"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("80 01 00 01 b1 61"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("c0 01 00 01 b1 61"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 b1 61"), SL_OK);
    /* version 2 Empty */
    assert_int_equal(parse_hex_once("a0 00 00 01"), SL_ERR_INVALID);
}

static void test_empty_message(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(parse_hex(&p, "40 00 be ef"), SL_OK); /* CoAP ping */
    assert_int_equal(p.m.code, SL_COAP_EMPTY);
    assert_int_equal(p.m.mid, 0xbeef);
    assert_false(sl_coap_is_request(p.m.code));
    assert_false(sl_coap_is_response(p.m.code));
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "60 00 00 09"), SL_OK);
    assert_int_equal(p.m.type, SL_COAP_ACK);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "70 00 00 09"), SL_OK);
    assert_int_equal(p.m.type, SL_COAP_RST);
    parsed_free(&p);

    /* RFC 7252 4.1: anything after the 4 header bytes is a format error */
    assert_int_equal(parse_hex_once("40 00 00 01 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("60 00 00 01 ff 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("70 00 00 01 b1 61"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("41 00 00 01 aa"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("48 00 00 01 01 02 03 04 05 06 07 08"), SL_ERR_INVALID);
}

static void test_codes(void **state)
{
    (void)state;
    assert_false(sl_coap_is_request(0));
    for (uint8_t d = 1; d <= 31; d++) {
        assert_true(sl_coap_is_request(SL_COAP_CODE(0, d)));
        assert_false(sl_coap_is_response(SL_COAP_CODE(0, d)));
    }
    for (uint8_t c = 1; c <= 7; c++) {
        for (uint8_t d = 0; d <= 31; d++) {
            uint8_t code = SL_COAP_CODE(c, d);
            assert_false(sl_coap_is_request(code));
            assert_int_equal(sl_coap_is_response(code), c >= 2 && c <= 5);
        }
    }
    assert_int_equal(SL_COAP_CONTENT, 0x45);
    assert_int_equal(SL_COAP_BAD_OPTION, 0x82);
    assert_int_equal(SL_COAP_CONTINUE, 0x5f);
    assert_int_equal(SL_COAP_CODE_CLASS(SL_COAP_NOT_FOUND), 4);
    assert_int_equal(SL_COAP_CODE_DETAIL(SL_COAP_NOT_FOUND), 4);
}

/* ---- options: every delta and length form ------------------------------- */

struct opt_form {
    const char *hdr;  /* option header bytes, value follows */
    uint16_t num;     /* expected option number */
    uint16_t len;     /* expected value length (the value is filler bytes) */
};

static const struct opt_form opt_forms[] = {
    /* delta 0..12 inline */
    { "10", 1, 0 },          /* If-Match, empty */
    { "30", 3, 0 },
    { "50", 5, 0 },          /* If-None-Match */
    { "61", 6, 1 },          /* Observe 1 byte */
    { "b0", 11, 0 },         /* Uri-Path empty */
    { "b1", 11, 1 },
    { "bc", 11, 12 },        /* largest inline length */
    { "c0", 12, 0 },         /* largest inline delta */
    { "c2", 12, 2 },         /* Content-Format 2 bytes */
    /* delta 13 + 1 byte: 13..268 */
    { "d0 00", 13, 0 },      /* smallest one-byte delta */
    { "d0 01", 14, 0 },      /* Max-Age */
    { "d1 02", 15, 1 },      /* Uri-Query */
    { "d2 04", 17, 2 },      /* Accept */
    { "d0 0a", 23, 0 },      /* Block2 */
    { "d3 0e", 27, 3 },      /* Block1 */
    { "d1 2f", 60, 1 },      /* Size1 */
    { "d1 ef", 252, 1 },     /* Echo */
    { "d1 f5", 258, 1 },     /* No-Response: 258 still fits the one-byte form */
    { "d0 ff", 268, 0 },     /* largest one-byte delta */
    /* delta 14 + 2 bytes: 269.. */
    { "e0 00 00", 269, 0 },  /* smallest two-byte delta */
    { "e0 00 17", 292, 0 },  /* Request-Tag */
    { "e4 00 17", 292, 4 },
    { "e0 fe f2", 65535, 0 }, /* largest option number */
    /* length 13 + 1 byte, 14 + 2 bytes */
    { "bd 00", 11, 13 },     /* smallest one-byte length */
    { "bd ff", 11, 268 },    /* largest one-byte length */
    { "be 00 00", 11, 269 }, /* smallest two-byte length */
    { "be 00 1f", 11, 300 },
    /* both extended */
    { "dd 02 00", 15, 13 },
    { "de f5 00 00", 258, 269 },
    { "ed 00 00 ff", 269, 268 },
    { "ee 00 17 00 1f", 292, 300 },
    { "ee fe f2 00 1f", 65535, 300 },
};

/* header + token "t" + the option + its filler value + payload "PQ" */
static size_t make_form_msg(const struct opt_form *f, uint8_t *out, size_t cap, bool payload)
{
    size_t n = hex_into("41 02 00 2a 74", out, cap);
    n += hex_into(f->hdr, out + n, cap - n);
    assert_true(n + f->len + 3 <= cap);
    for (size_t k = 0; k < f->len; k++)
        out[n++] = filler(k);
    if (payload) {
        out[n++] = 0xff;
        out[n++] = 'P';
        out[n++] = 'Q';
    }
    return n;
}

static void test_option_forms(void **state)
{
    (void)state;
    uint8_t msg[512];
    for (size_t t = 0; t < sizeof opt_forms / sizeof opt_forms[0]; t++) {
        const struct opt_form *f = &opt_forms[t];
        for (int with_payload = 0; with_payload <= 1; with_payload++) {
            size_t n = make_form_msg(f, msg, sizeof msg, with_payload);
            struct parsed p;
            if (parse_bytes(&p, msg, n) != SL_OK)
                fail_msg("form %s: parse error %d", f->hdr, p.err);
            assert_int_equal(p.m.code, SL_COAP_POST);
            assert_int_equal(p.m.mid, 42);
            assert_int_equal(p.m.tkl, 1);
            assert_int_equal(p.m.token[0], 't');
            assert_int_equal(p.m.opt_count, 1);
            if (p.m.opts[0].num != f->num || p.m.opts[0].len != f->len)
                fail_msg("form %s: got option %u len %u, want %u len %u", f->hdr,
                         p.m.opts[0].num, p.m.opts[0].len, f->num, f->len);
            for (size_t k = 0; k < f->len; k++)
                assert_int_equal(p.m.opts[0].val[k], filler(k));
            if (with_payload) {
                assert_int_equal(p.m.payload_len, 2);
                assert_memory_equal(p.m.payload, "PQ", 2);
            } else {
                assert_null(p.m.payload);
            }
            assert_msg_in_bounds(&p.m, p.buf, p.len);
            parsed_free(&p);
        }
    }
}

static void test_option_deltas_accumulate(void **state)
{
    (void)state;
    struct parsed p;
    /* twelve options with delta 1: numbers 1..12 */
    assert_int_equal(parse_hex(&p, "40 01 00 01 10 10 10 10 10 10 10 10 10 10 10 10"), SL_OK);
    assert_int_equal(p.m.opt_count, 12);
    for (unsigned k = 0; k < 12; k++)
        assert_int_equal(p.m.opts[k].num, k + 1);
    parsed_free(&p);

    /* Uri-Path "a", then Request-Tag (292 = 11 + 269 + 12), then No-Response
     * 258 can no longer follow; Uri-Path then No-Response (258 = 11 + 13 + 234) */
    assert_int_equal(parse_hex(&p, "40 01 00 01 b1 61 e0 00 0c"), SL_OK);
    assert_int_equal(p.m.opt_count, 2);
    assert_int_equal(p.m.opts[0].num, SL_COAP_OPT_URI_PATH);
    assert_int_equal(p.m.opts[1].num, SL_COAP_OPT_REQUEST_TAG);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 01 00 01 b1 61 d1 ea 02"), SL_OK);
    assert_int_equal(p.m.opt_count, 2);
    assert_int_equal(p.m.opts[1].num, SL_COAP_OPT_NO_RESPONSE);
    assert_int_equal(p.m.opts[1].len, 1);
    assert_int_equal(p.m.opts[1].val[0], 2);
    parsed_free(&p);

    /* repeated options: delta 0 */
    assert_int_equal(parse_hex(&p, "40 01 00 01 b2 72 64 04 35 61 33 66"), SL_OK);
    assert_int_equal(p.m.opt_count, 2);
    assert_non_null(sl_coap_opt_get(&p.m, SL_COAP_OPT_URI_PATH, 0));
    assert_memory_equal(sl_coap_opt_get(&p.m, SL_COAP_OPT_URI_PATH, 0)->val, "rd", 2);
    assert_memory_equal(sl_coap_opt_get(&p.m, SL_COAP_OPT_URI_PATH, 1)->val, "5a3f", 4);
    assert_null(sl_coap_opt_get(&p.m, SL_COAP_OPT_URI_PATH, 2));
    assert_null(sl_coap_opt_get(&p.m, SL_COAP_OPT_URI_QUERY, 0));
    parsed_free(&p);
}

static void test_option_reserved_nibble(void **state)
{
    (void)state;
    /* 15 as delta or length outside the 0xff marker is a format error */
    assert_int_equal(parse_hex_once("40 01 00 01 f0"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 f1 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 fe 00 00 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 1f 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 bf 00 00 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 df 00 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 b1 61 f1 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 b1 61 0f"), SL_ERR_INVALID);
    /* but 0xff bytes inside values and payloads are data */
    struct parsed p;
    assert_int_equal(parse_hex(&p, "40 02 00 01 b2 ff ff ff ff f0 0f"), SL_OK);
    assert_int_equal(p.m.opt_count, 1);
    assert_hex_equal("ffff", p.m.opts[0].val, p.m.opts[0].len);
    assert_hex_equal("fff00f", p.m.payload, p.m.payload_len);
    parsed_free(&p);
}

static void test_payload_marker(void **state)
{
    (void)state;
    /* marker with nothing after it */
    assert_int_equal(parse_hex_once("40 01 00 01 ff"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("41 01 00 01 aa b1 61 ff"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 45 00 01 c1 00 ff"), SL_ERR_INVALID);
    struct parsed p;
    assert_int_equal(parse_hex(&p, "40 45 00 01 ff 00"), SL_OK);
    assert_int_equal(p.m.opt_count, 0);
    assert_int_equal(p.m.payload_len, 1);
    assert_int_equal(p.m.payload[0], 0);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 45 00 01 c1 00 ff 32 35"), SL_OK);
    assert_int_equal(p.m.opt_count, 1);
    assert_int_equal(p.m.payload_len, 2);
    assert_memory_equal(p.m.payload, "25", 2);
    parsed_free(&p);
}

static void test_option_truncated(void **state)
{
    (void)state;
    assert_int_equal(parse_hex_once("40 01 00 01 b5 61 62"), SL_ERR_INVALID); /* value short */
    assert_int_equal(parse_hex_once("40 01 00 01 d0"), SL_ERR_INVALID);       /* delta ext */
    assert_int_equal(parse_hex_once("40 01 00 01 e0 00"), SL_ERR_INVALID);    /* 2nd delta ext */
    assert_int_equal(parse_hex_once("40 01 00 01 bd"), SL_ERR_INVALID);       /* length ext */
    assert_int_equal(parse_hex_once("40 01 00 01 be 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 dd 00"), SL_ERR_INVALID);    /* length ext after delta ext */
    assert_int_equal(parse_hex_once("40 01 00 01 bd 00 00"), SL_ERR_INVALID); /* 13 bytes announced */
    assert_int_equal(parse_hex_once("40 01 00 01 be ff ff"), SL_ERR_INVALID); /* 65804 announced */
}

static void test_option_number_limit(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(parse_hex(&p, "40 01 00 01 e0 fe f2"), SL_OK);
    assert_int_equal(p.m.opts[0].num, 65535);
    parsed_free(&p);
    /* one past 65535 in one delta, or summed over two */
    assert_int_equal(parse_hex_once("40 01 00 01 e0 fe f3"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 e0 ff ff"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 e0 fe f2 10"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 e0 80 00 e0 80 00"), SL_ERR_INVALID);
    assert_int_equal(parse_hex_once("40 01 00 01 e0 fe f1 10"), SL_OK);
    /* repeating option 65535 is fine (delta 0) */
    assert_int_equal(parse_hex_once("40 01 00 01 e0 fe f2 00 00"), SL_OK);
}

static size_t many_options(uint8_t *msg, size_t cap, unsigned count)
{
    size_t n = hex_into("40 01 00 01", msg, cap);
    for (unsigned k = 0; k < count; k++) {
        assert_true(n + 2 <= cap);
        msg[n++] = k == 0 ? 0xb1 : 0x01; /* Uri-Path, one byte each */
        msg[n++] = (uint8_t)('a' + k % 26);
    }
    return n;
}

static void test_too_many_options(void **state)
{
    (void)state;
    uint8_t msg[256];
    struct parsed p;
    size_t n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS);
    assert_int_equal(parse_bytes(&p, msg, n), SL_OK);
    assert_int_equal(p.m.opt_count, SL_COAP_MAX_OPTIONS);
    parsed_free(&p);

    n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS + 1);
    assert_int_equal(parse_bytes(&p, msg, n), SL_ERR_TOO_LARGE);
    assert_int_equal(p.m.opt_count, SL_COAP_MAX_OPTIONS);
    assert_msg_in_bounds(&p.m, p.buf, p.len);
    parsed_free(&p);

    n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS + 5);
    msg[n++] = 0xff;
    msg[n++] = 'x';
    assert_int_equal(parse_bytes(&p, msg, n), SL_ERR_TOO_LARGE);
    parsed_free(&p);

    /* a malformed tail after the limit is still a format error */
    n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS + 1);
    msg[n++] = 0xf0;
    assert_int_equal(parse_bytes(&p, msg, n), SL_ERR_INVALID);
    parsed_free(&p);
    n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS + 2);
    n += hex_into("e0 fe f2", msg + n, sizeof msg - n); /* 11 + 65535 > 65535 */
    assert_int_equal(parse_bytes(&p, msg, n), SL_ERR_INVALID);
    parsed_free(&p);
    n = many_options(msg, sizeof msg, SL_COAP_MAX_OPTIONS + 2);
    msg[n++] = 0xff;
    assert_int_equal(parse_bytes(&p, msg, n), SL_ERR_INVALID);
    parsed_free(&p);
}

/* Every prefix of a valid message parses to an error or to a valid shorter
 * message, never reading past the prefix (ASan watches the heap copy). */
static void check_prefixes(const uint8_t *msg, size_t len)
{
    struct parsed full;
    assert_int_equal(parse_bytes(&full, msg, len), SL_OK);
    for (size_t n = 0; n < len; n++) {
        struct parsed p;
        sl_err err = parse_bytes(&p, msg, n);
        if (err == SL_OK) {
            assert_true(n >= (size_t)SL_COAP_HEADER_LEN + full.m.tkl);
            assert_msg_in_bounds(&p.m, p.buf, p.len);
            assert_int_equal(p.m.code, full.m.code);
            assert_int_equal(p.m.tkl, full.m.tkl);
            assert_true(p.m.opt_count <= full.m.opt_count);
            for (unsigned k = 0; k < p.m.opt_count; k++)
                assert_int_equal(p.m.opts[k].num, full.m.opts[k].num);
        } else {
            assert_int_equal(err, SL_ERR_INVALID);
        }
        parsed_free(&p);
    }
    parsed_free(&full);
}

static void test_truncation_every_prefix(void **state)
{
    (void)state;
    static const char *msgs[] = {
        "40 01 12 34",
        "48 01 00 01 01 02 03 04 05 06 07 08",
        /* GET /3/0 Accept TLV */
        "42 01 12 34 ab cd b1 33 01 30 62 2d 16",
        /* PUT /3303/0/1 text "25" */
        "44 03 00 07 01 02 03 04 b4 33 33 30 33 01 30 01 31 10 ff 32 35",
        /* Observe, Uri-Path, Block2 (3 bytes), Size2, Request-Tag (292 = 28 + 13 + 251), payload */
        "41 45 00 02 aa 61 05 53 61 62 63 c3 ff ff f6 51 20 d2 fb 01 02 ff 68 69",
        /* No-Response after Uri-Query */
        "40 02 00 03 d4 02 70 3d 31 32 d1 e6 1a",
    };
    uint8_t msg[1024];
    for (size_t t = 0; t < sizeof msgs / sizeof msgs[0]; t++) {
        size_t n = hex_into(msgs[t], msg, sizeof msg);
        check_prefixes(msg, n);
    }
    for (size_t t = 0; t < sizeof opt_forms / sizeof opt_forms[0]; t++) {
        size_t n = make_form_msg(&opt_forms[t], msg, sizeof msg, true);
        check_prefixes(msg, n);
    }

    /* the exact outcomes on one message: header 4, token 1, option "b1 61",
     * marker, payload "hi" */
    size_t n = hex_into("41 02 00 01 aa b1 61 ff 68 69", msg, sizeof msg);
    static const sl_err want[] = { SL_ERR_INVALID, SL_ERR_INVALID, SL_ERR_INVALID, SL_ERR_INVALID,
                                   SL_ERR_INVALID, SL_OK,          SL_ERR_INVALID, SL_OK,
                                   SL_ERR_INVALID, SL_OK,          SL_OK };
    for (size_t k = 0; k <= n; k++) {
        struct parsed p;
        if (parse_bytes(&p, msg, k) != want[k])
            fail_msg("prefix %zu: got %d want %d", k, p.err, want[k]);
        parsed_free(&p);
    }
}

/* ---- builder -------------------------------------------------------------- */

static void test_build_known_answer(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct sl_coap_builder b;
    static const uint8_t token[2] = { 0xab, 0xcd };
    size_t len = 0;

    /* GET /3/0, Accept TLV 11542 */
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 0x1234, token, 2);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "3", 1), SL_OK);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "0", 1), SL_OK);
    assert_int_equal(sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, SL_FMT_TLV), SL_OK);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_hex_equal("42 01 12 34 ab cd b1 33 01 30 62 2d 16", buf, len);

    /* 2.05 NON, Content-Format text, payload "25" */
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_NON, SL_COAP_CONTENT, 0xfffe, NULL, 0);
    assert_int_equal(sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT), SL_OK);
    assert_int_equal(sl_coap_build_payload(&b, "2", 1), SL_OK);
    assert_int_equal(sl_coap_build_payload(&b, "5", 1), SL_OK); /* one marker only */
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_hex_equal("50 45 ff fe c0 ff 32 35", buf, len);

    /* No option after Uri-Path with a one-byte delta; Request-Tag with two */
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_POST, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "a", 1);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_NO_RESPONSE, 2);
    sl_coap_build_opt(&b, SL_COAP_OPT_REQUEST_TAG, "\x01", 1);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    /* 258 - 11 = 247 = 13 + 234; 292 - 258 = 34 = 13 + 21 */
    assert_hex_equal("40 02 00 01 b1 61 d1 ea 02 d1 15 01", buf, len);

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_POST, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_REQUEST_TAG, NULL, 0);
    sl_coap_build_opt(&b, 65535, NULL, 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    /* 292 = 269 + 23; 65535 - 292 = 65243 = 269 + 0xfdce */
    assert_hex_equal("40 02 00 01 e0 00 17 e0 fd ce", buf, len);

    /* a payload of zero length writes no marker */
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_ACK, SL_COAP_CHANGED, 9, NULL, 0);
    assert_int_equal(sl_coap_build_payload(&b, NULL, 0), SL_OK);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_hex_equal("60 44 00 09", buf, len);
}

static void test_build_long_lengths(void **state)
{
    (void)state;
    static const uint16_t lens[] = { 12, 13, 268, 269, 300 };
    uint8_t val[300];
    for (size_t k = 0; k < sizeof val; k++)
        val[k] = filler(k);
    static const char *want_hdr[] = { "bc", "bd 00", "bd ff", "be 00 00", "be 00 1f" };
    for (size_t t = 0; t < 5; t++) {
        uint8_t buf[400];
        struct sl_coap_builder b;
        size_t len;
        sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_PUT, 5, NULL, 0);
        assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, val, lens[t]), SL_OK);
        assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
        uint8_t hdr[8];
        size_t hl = hex_into(want_hdr[t], hdr, sizeof hdr);
        assert_int_equal(len, 4 + hl + lens[t]);
        assert_memory_equal(buf + 4, hdr, hl);
        assert_memory_equal(buf + 4 + hl, val, lens[t]);
    }
}

struct rt_opt {
    uint16_t num;
    uint16_t len;
    uint8_t val[320];
};

struct rt_msg {
    uint8_t type, code, tkl;
    uint16_t mid;
    uint8_t token[8];
    unsigned count;
    struct rt_opt opts[SL_COAP_MAX_OPTIONS];
    size_t payload_len;
    uint8_t payload[400];
};

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static void random_msg(struct rt_msg *x)
{
    memset(x, 0, sizeof *x);
    x->type = (uint8_t)rnd(4);
    x->code = (uint8_t)(1 + rnd(255)); /* never 0: Empty carries nothing */
    x->mid = (uint16_t)rnd(65536);
    x->tkl = (uint8_t)rnd(9);
    for (unsigned k = 0; k < x->tkl; k++)
        x->token[k] = (uint8_t)rnd(256);
    x->count = rnd(SL_COAP_MAX_OPTIONS + 1);
    uint32_t num = 0;
    for (unsigned k = 0; k < x->count; k++) {
        uint32_t delta;
        switch (rnd(4)) {
        case 0: delta = 0; break;
        case 1: delta = rnd(13); break;
        case 2: delta = 13 + rnd(256); break;
        default: delta = 269 + rnd(2000); break;
        }
        if (num + delta > 65535)
            delta = 0;
        num += delta;
        x->opts[k].num = (uint16_t)num;
        uint16_t len;
        switch (rnd(4)) {
        case 0: len = 0; break;
        case 1: len = (uint16_t)rnd(13); break;
        case 2: len = (uint16_t)(13 + rnd(256)); break;
        default: len = (uint16_t)(269 + rnd(320 - 269 + 1)); break;
        }
        x->opts[k].len = len;
        for (unsigned j = 0; j < len; j++)
            x->opts[k].val[j] = (uint8_t)rnd(256);
    }
    x->payload_len = rnd(3) == 0 ? 0 : rnd(sizeof x->payload + 1);
    for (size_t j = 0; j < x->payload_len; j++)
        x->payload[j] = (uint8_t)rnd(256);
}

static sl_err build_rt(const struct rt_msg *x, uint8_t *buf, size_t cap, size_t *len)
{
    struct sl_coap_builder b;
    sl_coap_build_begin(&b, buf, cap, x->type, x->code, x->mid, x->token, x->tkl);
    for (unsigned k = 0; k < x->count; k++)
        sl_coap_build_opt(&b, x->opts[k].num, x->opts[k].val, x->opts[k].len);
    /* the payload in two pieces: one marker */
    size_t half = x->payload_len / 2;
    sl_coap_build_payload(&b, x->payload, half);
    sl_coap_build_payload(&b, x->payload + half, x->payload_len - half);
    return sl_coap_build_end(&b, len);
}

static void test_build_round_trip(void **state)
{
    (void)state;
    static struct rt_msg x;
    static uint8_t buf[16384], again[16384];
    for (unsigned iter = 0; iter < 2000; iter++) {
        random_msg(&x);
        size_t len = 0;
        assert_int_equal(build_rt(&x, buf, sizeof buf, &len), SL_OK);
        struct parsed p;
        if (parse_bytes(&p, buf, len) != SL_OK)
            fail_msg("iteration %u: built message does not parse (%d)", iter, p.err);
        assert_int_equal(p.m.type, x.type);
        assert_int_equal(p.m.code, x.code);
        assert_int_equal(p.m.mid, x.mid);
        assert_int_equal(p.m.tkl, x.tkl);
        assert_memory_equal(p.m.token, x.token, x.tkl);
        assert_int_equal(p.m.opt_count, x.count);
        for (unsigned k = 0; k < x.count; k++) {
            assert_int_equal(p.m.opts[k].num, x.opts[k].num);
            assert_int_equal(p.m.opts[k].len, x.opts[k].len);
            if (x.opts[k].len)
                assert_memory_equal(p.m.opts[k].val, x.opts[k].val, x.opts[k].len);
        }
        assert_int_equal(p.m.payload_len, x.payload_len);
        if (x.payload_len)
            assert_memory_equal(p.m.payload, x.payload, x.payload_len);
        else
            assert_null(p.m.payload);

        /* and rebuilding from the parse gives the same bytes */
        struct sl_coap_builder b;
        sl_coap_build_begin(&b, again, sizeof again, p.m.type, p.m.code, p.m.mid, p.m.token,
                            p.m.tkl);
        for (unsigned k = 0; k < p.m.opt_count; k++)
            sl_coap_build_opt(&b, p.m.opts[k].num, p.m.opts[k].val, p.m.opts[k].len);
        sl_coap_build_payload(&b, p.m.payload, p.m.payload_len);
        size_t len2 = 0;
        assert_int_equal(sl_coap_build_end(&b, &len2), SL_OK);
        assert_int_equal(len2, len);
        assert_memory_equal(again, buf, len);
        parsed_free(&p);
    }
}

static void test_build_order(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct sl_coap_builder b;
    size_t len = 77;

    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 1, NULL, 0);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "a", 1), SL_OK);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "b", 1), SL_OK); /* equal: fine */
    size_t before = b.len;
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_HOST, "h", 1), SL_ERR_INVALID);
    assert_int_equal(b.len, before); /* nothing written */
    /* sticky: a valid option, a payload, the end all fail now */
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, "q", 1), SL_ERR_INVALID);
    assert_int_equal(sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, 40), SL_ERR_INVALID);
    assert_int_equal(sl_coap_build_payload(&b, "x", 1), SL_ERR_INVALID);
    assert_int_equal(sl_coap_build_payload_room(&b), 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_INVALID);
    assert_int_equal(len, 77); /* untouched on failure */

    /* an option after the payload */
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_PUT, 1, NULL, 0);
    sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "a", 1);
    assert_int_equal(sl_coap_build_payload(&b, "x", 1), SL_OK);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, "q", 1), SL_ERR_INVALID);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_INVALID);

    /* bad token length or type */
    uint8_t tok[9] = { 0 };
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 1, tok, 9);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_INVALID);
    sl_coap_build_begin(&b, buf, sizeof buf, 4, SL_COAP_GET, 1, NULL, 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_INVALID);
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_RST, SL_COAP_EMPTY, 1, tok, 8);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(len, 12);
}

/* The reference message for the overflow test: every kind of call. */
static void build_reference(struct sl_coap_builder *b, uint8_t *buf, size_t cap, sl_err *first,
                            sl_err *results, unsigned *nres)
{
    static const uint8_t token[4] = { 0xde, 0xad, 0xbe, 0xef };
    uint8_t big[300];
    for (size_t k = 0; k < sizeof big; k++)
        big[k] = filler(k);
    unsigned n = 0;
    sl_coap_build_begin(b, buf, cap, SL_COAP_CON, SL_COAP_PUT, 0x4242, token, 4);
    results[n++] = b->err;
    results[n++] = sl_coap_build_opt_uint(b, SL_COAP_OPT_OBSERVE, 0);
    results[n++] = sl_coap_build_opt_split(b, SL_COAP_OPT_URI_PATH, "3303/0/1", 8, '/');
    results[n++] = sl_coap_build_opt_uint(b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_SENML_CBOR);
    results[n++] = sl_coap_build_opt(b, SL_COAP_OPT_URI_QUERY, big, 20);
    results[n++] = sl_coap_build_opt_uint(b, SL_COAP_OPT_BLOCK1, 0x12345e);
    results[n++] = sl_coap_build_opt(b, SL_COAP_OPT_REQUEST_TAG, big, 8);
    results[n++] = sl_coap_build_opt(b, 2000, big, 300);
    results[n++] = sl_coap_build_payload(b, big, 17);
    results[n++] = sl_coap_build_payload(b, big + 17, 40);
    *nres = n;
    *first = SL_OK;
    for (unsigned k = 0; k < n; k++) {
        if (results[k] != SL_OK) {
            *first = results[k];
            break;
        }
    }
}

static void test_build_overflow_every_size(void **state)
{
    (void)state;
    uint8_t ref[1024];
    struct sl_coap_builder b;
    sl_err first, res[16];
    unsigned nres;
    size_t ref_len;
    build_reference(&b, ref, sizeof ref, &first, res, &nres);
    assert_int_equal(first, SL_OK);
    assert_int_equal(sl_coap_build_end(&b, &ref_len), SL_OK);
    struct parsed p;
    assert_int_equal(parse_bytes(&p, ref, ref_len), SL_OK);
    assert_int_equal(p.m.opt_count, 9);
    assert_int_equal(p.m.payload_len, 57);
    parsed_free(&p);

    const size_t guard = 16;
    for (size_t cap = 0; cap <= ref_len; cap++) {
        uint8_t *buf = malloc(cap + guard);
        assert_non_null(buf);
        memset(buf, 0xa5, cap + guard);
        build_reference(&b, buf, cap, &first, res, &nres);
        size_t len = 0;
        sl_err end = sl_coap_build_end(&b, &len);
        if (cap == ref_len) {
            assert_int_equal(end, SL_OK);
            assert_int_equal(len, ref_len);
            assert_memory_equal(buf, ref, ref_len);
        } else {
            if (end != SL_ERR_OVERFLOW)
                fail_msg("cap %zu: end gives %d, want overflow", cap, end);
            /* once failed, every later call failed too */
            bool failed = false;
            for (unsigned k = 0; k < nres; k++) {
                if (failed)
                    assert_int_equal(res[k], SL_ERR_OVERFLOW);
                failed = failed || res[k] != SL_OK;
            }
            assert_true(failed);
            assert_true(b.len <= cap);
            assert_memory_equal(buf, ref, b.len);
            assert_int_equal(sl_coap_build_payload_room(&b), 0);
        }
        for (size_t k = cap; k < cap + guard; k++)
            if (buf[k] != 0xa5)
                fail_msg("cap %zu: byte %zu written past the end", cap, k);
        free(buf);
    }
}

static void test_build_overflow_sticky(void **state)
{
    (void)state;
    uint8_t buf[8];
    struct sl_coap_builder b;
    size_t len;
    /* room for the header and a one-byte option header only */
    sl_coap_build_begin(&b, buf, 5, SL_COAP_CON, SL_COAP_GET, 1, NULL, 0);
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, "abcde", 5), SL_ERR_OVERFLOW);
    /* an empty option would fit in the one byte left, but the error sticks */
    assert_int_equal(sl_coap_build_opt(&b, SL_COAP_OPT_URI_QUERY, NULL, 0), SL_ERR_OVERFLOW);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_OVERFLOW);

    /* payload room and an exact fit */
    sl_coap_build_begin(&b, buf, 8, SL_COAP_CON, SL_COAP_PUT, 1, NULL, 0);
    assert_int_equal(sl_coap_build_payload_room(&b), 3); /* 8 - 4 - marker */
    assert_int_equal(sl_coap_build_payload(&b, "ab", 2), SL_OK);
    assert_int_equal(sl_coap_build_payload_room(&b), 1);
    assert_int_equal(sl_coap_build_payload(&b, "c", 1), SL_OK);
    assert_int_equal(sl_coap_build_payload_room(&b), 0);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_hex_equal("40 03 00 01 ff 61 62 63", buf, len);
    assert_int_equal(sl_coap_build_payload(&b, "d", 1), SL_ERR_OVERFLOW);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_OVERFLOW);

    /* a marker that does not fit */
    sl_coap_build_begin(&b, buf, 4, SL_COAP_CON, SL_COAP_PUT, 1, NULL, 0);
    assert_int_equal(sl_coap_build_payload_room(&b), 0);
    assert_int_equal(sl_coap_build_payload(&b, "a", 1), SL_ERR_OVERFLOW);
}

static void test_build_opt_uint_minimal(void **state)
{
    (void)state;
    static const struct {
        uint32_t v;
        const char *hex;
    } cases[] = {
        { 0, "c0" },
        { 1, "c1 01" },
        { 255, "c1 ff" },
        { 256, "c2 01 00" },
        { 11542, "c2 2d 16" },
        { 65535, "c2 ff ff" },
        { 65536, "c3 01 00 00" },
        { 0xffffff, "c3 ff ff ff" },
        { 0x1000000, "c4 01 00 00 00" },
        { 0x01000001, "c4 01 00 00 01" },
        { 0xffffffff, "c4 ff ff ff ff" },
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        uint8_t buf[16];
        struct sl_coap_builder b;
        size_t len;
        sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 0, NULL, 0);
        assert_int_equal(sl_coap_build_opt_uint(&b, 12, cases[t].v), SL_OK);
        assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
        assert_hex_equal(cases[t].hex, buf + 4, len - 4);
        struct parsed p;
        assert_int_equal(parse_bytes(&p, buf, len), SL_OK);
        uint32_t v = 7;
        assert_int_equal(sl_coap_opt_uint(&p.m, 12, &v), SL_OK);
        assert_int_equal(v, cases[t].v);
        parsed_free(&p);
    }
}

static void test_build_split(void **state)
{
    (void)state;
    static const struct {
        uint16_t num;
        const char *s;
        size_t len;
        char sep;
        const char *hex; /* after the 4 header bytes */
    } cases[] = {
        { SL_COAP_OPT_URI_PATH, "rd/5a3f", 7, '/', "b2 72 64 04 35 61 33 66" },
        { SL_COAP_OPT_URI_PATH, "/3//0/", 6, '/', "b1 33 01 30" },
        { SL_COAP_OPT_URI_PATH, "", 0, '/', "" },
        { SL_COAP_OPT_URI_PATH, "///", 3, '/', "" },
        { SL_COAP_OPT_URI_PATH, "3/0/1", 3, '/', "b1 33 01 30" }, /* stops at len */
        { SL_COAP_OPT_URI_QUERY, "ep=n&lt=60", 10, '&', "d4 02 65 70 3d 6e 05 6c 74 3d 36 30" },
        { SL_COAP_OPT_URI_QUERY, "a/b", 3, '&', "d3 02 61 2f 62" },
        { SL_COAP_OPT_URI_QUERY, "a&&b&", 5, '&', "d1 02 61 01 62" },
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        uint8_t buf[64];
        struct sl_coap_builder b;
        size_t len;
        sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 0, NULL, 0);
        assert_int_equal(sl_coap_build_opt_split(&b, cases[t].num, cases[t].s, cases[t].len,
                                                 cases[t].sep),
                         SL_OK);
        assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
        assert_hex_equal(cases[t].hex, buf + 4, len - 4);
    }

    /* a split after a higher option is out of order */
    uint8_t buf[64];
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 0, NULL, 0);
    sl_coap_build_opt_uint(&b, SL_COAP_OPT_ACCEPT, 0);
    assert_int_equal(sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "a/b", 3, '/'),
                     SL_ERR_INVALID);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_ERR_INVALID);
    /* and overflows in the middle */
    sl_coap_build_begin(&b, buf, 8, SL_COAP_CON, SL_COAP_GET, 0, NULL, 0);
    assert_int_equal(sl_coap_build_opt_split(&b, SL_COAP_OPT_URI_PATH, "ab/cd/ef", 8, '/'),
                     SL_ERR_OVERFLOW);
}

static void test_build_empty(void **state)
{
    (void)state;
    uint8_t buf[4];
    assert_int_equal(sl_coap_build_empty(buf, SL_COAP_ACK, 0xbeef), 4);
    assert_hex_equal("60 00 be ef", buf, 4);
    assert_int_equal(sl_coap_build_empty(buf, SL_COAP_RST, 0x0102), 4);
    assert_hex_equal("70 00 01 02", buf, 4);
    assert_int_equal(sl_coap_build_empty(buf, SL_COAP_CON, 0), 4);
    assert_hex_equal("40 00 00 00", buf, 4);
    struct parsed p;
    assert_int_equal(parse_bytes(&p, buf, 4), SL_OK);
    assert_int_equal(p.m.code, SL_COAP_EMPTY);
    parsed_free(&p);
}

/* ---- option helpers ------------------------------------------------------- */

struct opt_spec {
    uint16_t num;
    size_t len; /* value: filler bytes; (size_t)-1 ends the list */
};

/* Build a GET with the given options (in order) and parse it into p. */
static void msg_with(struct parsed *p, const struct opt_spec *opts)
{
    uint8_t buf[2048], val[1100];
    for (size_t k = 0; k < sizeof val; k++)
        val[k] = filler(k);
    struct sl_coap_builder b;
    size_t len;
    sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 1, NULL, 0);
    for (unsigned k = 0; opts[k].len != (size_t)-1; k++)
        sl_coap_build_opt(&b, opts[k].num, val, opts[k].len);
    assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
    assert_int_equal(parse_bytes(p, buf, len), SL_OK);
}

#define END { 0, (size_t)-1 }

static uint16_t critical_of(const struct opt_spec *opts)
{
    struct parsed p;
    msg_with(&p, opts);
    uint16_t n = sl_coap_unknown_critical(&p.m);
    parsed_free(&p);
    return n;
}

static void test_unknown_critical(void **state)
{
    (void)state;
    /* nothing unusual */
    assert_int_equal(critical_of((struct opt_spec[]){ END }), 0);
    assert_int_equal(critical_of((struct opt_spec[]){ { 6, 0 }, { 11, 4 }, { 11, 1 }, { 12, 2 },
                                                       { 15, 6 }, { 17, 2 }, { 23, 3 }, { 27, 1 },
                                                       { 28, 2 }, { 60, 4 }, { 258, 1 },
                                                       { 292, 8 }, END }),
                     0);
    /* unknown odd (critical) options are reported */
    assert_int_equal(critical_of((struct opt_spec[]){ { 13, 0 }, END }), 13);
    assert_int_equal(critical_of((struct opt_spec[]){ { 11, 1 }, { 2049, 1 }, END }), 2049);
    assert_int_equal(critical_of((struct opt_spec[]){ { 65535, 0 }, END }), 65535);
    /* the first of several */
    assert_int_equal(critical_of((struct opt_spec[]){ { 13, 0 }, { 25, 0 }, END }), 13);
    /* unknown even (elective) options are ignored */
    assert_int_equal(critical_of((struct opt_spec[]){ { 2, 1 }, END }), 0);
    assert_int_equal(critical_of((struct opt_spec[]){ { 1000, 3 }, { 65534, 0 }, END }), 0);
    /* known critical options with a length outside their range */
    assert_int_equal(critical_of((struct opt_spec[]){ { 5, 1 }, END }), 5);    /* If-None-Match */
    assert_int_equal(critical_of((struct opt_spec[]){ { 1, 9 }, END }), 1);    /* If-Match */
    assert_int_equal(critical_of((struct opt_spec[]){ { 3, 0 }, END }), 3);    /* Uri-Host */
    assert_int_equal(critical_of((struct opt_spec[]){ { 3, 256 }, END }), 3);
    assert_int_equal(critical_of((struct opt_spec[]){ { 7, 3 }, END }), 7);    /* Uri-Port */
    assert_int_equal(critical_of((struct opt_spec[]){ { 9, 256 }, END }), 9);  /* OSCORE */
    assert_int_equal(critical_of((struct opt_spec[]){ { 11, 256 }, END }), 11); /* Uri-Path */
    assert_int_equal(critical_of((struct opt_spec[]){ { 15, 256 }, END }), 15); /* Uri-Query */
    assert_int_equal(critical_of((struct opt_spec[]){ { 11, 1 }, { 17, 3 }, END }), 17); /* Accept */
    assert_int_equal(critical_of((struct opt_spec[]){ { 23, 4 }, END }), 23);  /* Block2 */
    assert_int_equal(critical_of((struct opt_spec[]){ { 27, 4 }, END }), 27);  /* Block1 */
    /* the same for elective ones: ignored */
    assert_int_equal(critical_of((struct opt_spec[]){ { 12, 3 }, END }), 0);   /* Content-Format */
    assert_int_equal(critical_of((struct opt_spec[]){ { 4, 9 }, END }), 0);    /* ETag */
    assert_int_equal(critical_of((struct opt_spec[]){ { 4, 0 }, END }), 0);
    assert_int_equal(critical_of((struct opt_spec[]){ { 6, 4 }, END }), 0);    /* Observe */
    assert_int_equal(critical_of((struct opt_spec[]){ { 14, 5 }, END }), 0);   /* Max-Age */
    assert_int_equal(critical_of((struct opt_spec[]){ { 60, 5 }, END }), 0);   /* Size1 */
    assert_int_equal(critical_of((struct opt_spec[]){ { 252, 41 }, END }), 0); /* Echo */
    assert_int_equal(critical_of((struct opt_spec[]){ { 258, 2 }, END }), 0);  /* No-Response */
    /* the boundaries of the accepted ranges */
    assert_int_equal(critical_of((struct opt_spec[]){ { 3, 255 }, { 7, 2 }, { 9, 255 },
                                                       { 11, 255 }, { 15, 255 }, { 17, 0 },
                                                       { 23, 0 }, { 27, 3 }, END }),
                     0);
    assert_int_equal(critical_of((struct opt_spec[]){ { 1, 0 }, { 1, 8 }, { 5, 0 }, END }), 0);
    /* we are no proxy: Proxy-Uri and Proxy-Scheme are reported */
    assert_int_equal(critical_of((struct opt_spec[]){ { 35, 20 }, END }), 35);
    assert_int_equal(critical_of((struct opt_spec[]){ { 39, 4 }, END }), 39);
    assert_int_equal(critical_of((struct opt_spec[]){ { 35, 1034 }, END }), 35);
}

/* RFC 7252 5.4.5: a supernumerary occurrence of a non-repeatable option is
 * treated like an unrecognized option, so for a critical one the request
 * gets 4.02. */
static void test_unknown_critical_repeated(void **state)
{
    (void)state;
    /* repeatable critical options are fine */
    assert_int_equal(critical_of((struct opt_spec[]){ { 1, 2 }, { 1, 2 }, { 11, 1 }, { 11, 1 },
                                                       { 15, 1 }, { 15, 1 }, END }),
                     0);
    /* non-repeatable critical ones, twice */
    assert_int_equal(critical_of((struct opt_spec[]){ { 3, 4 }, { 3, 4 }, END }), 3);   /* Uri-Host */
    assert_int_equal(critical_of((struct opt_spec[]){ { 17, 1 }, { 17, 1 }, END }), 17); /* Accept */
    assert_int_equal(critical_of((struct opt_spec[]){ { 23, 1 }, { 23, 1 }, END }), 23); /* Block2 */
    assert_int_equal(critical_of((struct opt_spec[]){ { 27, 1 }, { 27, 1 }, END }), 27); /* Block1 */
}

static void test_opt_uint(void **state)
{
    (void)state;
    struct parsed p;
    uint32_t v = 99;
    assert_int_equal(parse_hex(&p, "40 01 00 01 60 84 00 00 00 2a 85 01 02 03 04 05"), SL_OK);
    assert_int_equal(sl_coap_opt_uint(&p.m, SL_COAP_OPT_OBSERVE, &v), SL_OK);
    assert_int_equal(v, 0);
    assert_int_equal(sl_coap_opt_uint(&p.m, SL_COAP_OPT_MAX_AGE, &v), SL_OK);
    assert_int_equal(v, 42); /* leading zeros read fine */
    assert_int_equal(sl_coap_opt_uint(&p.m, 22, &v), SL_ERR_INVALID); /* 5 bytes */
    v = 99;
    assert_int_equal(sl_coap_opt_uint(&p.m, SL_COAP_OPT_ACCEPT, &v), SL_ERR_NOT_FOUND);
    assert_int_equal(v, 99);
    parsed_free(&p);
}

static void test_content_format(void **state)
{
    (void)state;
    struct parsed p;
    uint16_t cf = 0;
    assert_int_equal(parse_hex(&p, "40 01 00 01"), SL_OK);
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_OK);
    assert_int_equal(cf, SL_FMT_NONE);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 02 00 01 c0"), SL_OK); /* empty = 0 text/plain */
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_OK);
    assert_int_equal(cf, SL_FMT_TEXT);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 02 00 01 c1 28"), SL_OK);
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_OK);
    assert_int_equal(cf, SL_FMT_LINK);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 02 00 01 c2 2d 18"), SL_OK);
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_OK);
    assert_int_equal(cf, SL_FMT_LWM2M_CBOR);
    parsed_free(&p);
    /* 65535 cannot be told from "absent" */
    assert_int_equal(parse_hex(&p, "40 02 00 01 c2 ff ff"), SL_OK);
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_ERR_INVALID);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 02 00 01 c5 00 00 00 00 2a"), SL_OK);
    assert_int_equal(sl_coap_content_format(&p.m, &cf), SL_ERR_INVALID);
    parsed_free(&p);
}

/* coap_msg.h: "SL_ERR_INVALID for a value longer than 2 bytes" - also when
 * the value would fit (RFC 7252 5.10: Content-Format is 0-2 bytes). */
static void test_content_format_three_bytes(void **state)
{
    (void)state;
    struct parsed p;
    uint16_t cf = 0;
    assert_int_equal(parse_hex(&p, "40 02 00 01 c3 00 00 2a"), SL_OK);
    sl_err three = sl_coap_content_format(&p.m, &cf);
    parsed_free(&p);
    assert_int_equal(parse_hex(&p, "40 02 00 01 c4 00 00 00 00"), SL_OK);
    sl_err four = sl_coap_content_format(&p.m, &cf);
    parsed_free(&p);
    assert_int_equal(four, SL_ERR_INVALID);
    assert_int_equal(three, SL_ERR_INVALID); /* today: SL_OK with 42 */
}

static sl_err block_of(const char *opts_hex, uint16_t opt, struct sl_coap_block *out)
{
    char hex[256] = "40 01 00 01 ";
    strncat(hex, opts_hex, sizeof hex - strlen(hex) - 1);
    struct parsed p;
    assert_int_equal(parse_hex(&p, hex), SL_OK);
    sl_err err = sl_coap_block_get(&p.m, opt, out);
    parsed_free(&p);
    return err;
}

static void test_block(void **state)
{
    (void)state;
    struct sl_coap_block blk;
    /* Block2 is option 23: delta 13 + 10 */
    assert_int_equal(block_of("", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_NOT_FOUND);
    assert_int_equal(block_of("d0 0a", SL_COAP_OPT_BLOCK2, &blk), SL_OK); /* empty = 0 */
    assert_int_equal(blk.num, 0);
    assert_false(blk.more);
    assert_int_equal(blk.szx, 0);
    assert_int_equal(block_of("d1 0a 06", SL_COAP_OPT_BLOCK2, &blk), SL_OK);
    assert_int_equal(blk.num, 0);
    assert_false(blk.more);
    assert_int_equal(blk.szx, 6);
    assert_int_equal(block_of("d1 0a 1e", SL_COAP_OPT_BLOCK2, &blk), SL_OK);
    assert_int_equal(blk.num, 1);
    assert_true(blk.more);
    assert_int_equal(blk.szx, 6);
    assert_int_equal(block_of("d2 0a 01 0a", SL_COAP_OPT_BLOCK2, &blk), SL_OK);
    assert_int_equal(blk.num, 16);
    assert_true(blk.more);
    assert_int_equal(blk.szx, 2);
    /* the largest block number, 2^20 - 1, in three bytes */
    assert_int_equal(block_of("d3 0a ff ff f6", SL_COAP_OPT_BLOCK2, &blk), SL_OK);
    assert_int_equal(blk.num, 0xfffff);
    assert_false(blk.more);
    assert_int_equal(blk.szx, 6);
    /* szx 7 is reserved (BERT) */
    assert_int_equal(block_of("d1 0a 07", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_INVALID);
    assert_int_equal(block_of("d1 0a 0f", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_INVALID);
    assert_int_equal(block_of("d3 0a 00 00 17", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_INVALID);
    /* four or five bytes */
    assert_int_equal(block_of("d4 0a 00 00 00 16", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_INVALID);
    assert_int_equal(block_of("d5 0a 00 00 00 00 16", SL_COAP_OPT_BLOCK2, &blk), SL_ERR_INVALID);
    /* Block2 and Block1 (27 = 23 + 4) side by side */
    assert_int_equal(block_of("d1 0a 2d 41 35", SL_COAP_OPT_BLOCK2, &blk), SL_OK);
    assert_int_equal(blk.num, 2);
    assert_true(blk.more);
    assert_int_equal(blk.szx, 5);
    assert_int_equal(block_of("d1 0a 2d 41 35", SL_COAP_OPT_BLOCK1, &blk), SL_OK);
    assert_int_equal(blk.num, 3);
    assert_false(blk.more);
    assert_int_equal(blk.szx, 5);

    /* encode */
    struct sl_coap_block e = { 0xfffff, true, 6 };
    assert_int_equal(sl_coap_block_encode(&e), 0xfffffe);
    e = (struct sl_coap_block){ 0, false, 0 };
    assert_int_equal(sl_coap_block_encode(&e), 0);
    e = (struct sl_coap_block){ 1, false, 2 };
    assert_int_equal(sl_coap_block_encode(&e), 0x12);
    e = (struct sl_coap_block){ 16, true, 2 };
    assert_int_equal(sl_coap_block_encode(&e), 0x10a);

    /* encode -> option -> get, over the number range */
    static const uint32_t nums[] = { 0, 1, 15, 16, 255, 4095, 4096, 65535, 0xfffff };
    for (size_t t = 0; t < sizeof nums / sizeof nums[0]; t++) {
        for (uint8_t szx = 0; szx <= 6; szx++) {
            struct sl_coap_block in = { nums[t], (nums[t] & 1) != 0, szx }, out;
            uint8_t buf[16];
            struct sl_coap_builder b;
            size_t len;
            sl_coap_build_begin(&b, buf, sizeof buf, SL_COAP_CON, SL_COAP_GET, 0, NULL, 0);
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_BLOCK1, sl_coap_block_encode(&in));
            assert_int_equal(sl_coap_build_end(&b, &len), SL_OK);
            assert_true(len <= 4 + 2 + 3); /* never more than 3 value bytes */
            struct parsed p;
            assert_int_equal(parse_bytes(&p, buf, len), SL_OK);
            assert_int_equal(sl_coap_block_get(&p.m, SL_COAP_OPT_BLOCK1, &out), SL_OK);
            assert_int_equal(out.num, in.num);
            assert_int_equal(out.more, in.more);
            assert_int_equal(out.szx, in.szx);
            parsed_free(&p);
        }
    }
}

static void test_block_szx(void **state)
{
    (void)state;
    for (int szx = 0; szx <= 6; szx++) {
        assert_int_equal(SL_COAP_BLOCK_SIZE(szx), 16 << szx);
        assert_int_equal(sl_coap_block_szx((uint16_t)(16 << szx)), szx);
    }
    static const uint16_t bad[] = { 0, 1, 8, 15, 17, 48, 100, 1023, 1025, 2048, 65535 };
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++)
        assert_int_equal(sl_coap_block_szx(bad[t]), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_token),
        cmocka_unit_test(test_token_eight_bytes),
        cmocka_unit_test(test_tkl_reserved),
        cmocka_unit_test(test_token_truncated),
        cmocka_unit_test(test_short_and_version),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_option_forms),
        cmocka_unit_test(test_option_deltas_accumulate),
        cmocka_unit_test(test_option_reserved_nibble),
        cmocka_unit_test(test_payload_marker),
        cmocka_unit_test(test_option_truncated),
        cmocka_unit_test(test_option_number_limit),
        cmocka_unit_test(test_too_many_options),
        cmocka_unit_test(test_truncation_every_prefix),
        cmocka_unit_test(test_build_known_answer),
        cmocka_unit_test(test_build_long_lengths),
        cmocka_unit_test(test_build_round_trip),
        cmocka_unit_test(test_build_order),
        cmocka_unit_test(test_build_overflow_every_size),
        cmocka_unit_test(test_build_overflow_sticky),
        cmocka_unit_test(test_build_opt_uint_minimal),
        cmocka_unit_test(test_build_split),
        cmocka_unit_test(test_build_empty),
        cmocka_unit_test(test_unknown_critical),
        cmocka_unit_test(test_unknown_critical_repeated),
        cmocka_unit_test(test_opt_uint),
        cmocka_unit_test(test_content_format),
        cmocka_unit_test(test_content_format_three_bytes),
        cmocka_unit_test(test_block),
        cmocka_unit_test(test_block_szx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
