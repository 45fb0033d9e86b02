/* CoAP message codec: RFC 7252 section 3 (message format) and 3.1 (option
 * format), with every length checked against what is left of the datagram. */
#include "coap/coap_msg.h"

#include <string.h>

/* Option delta/length nibble: 0..12 literal, 13 one extra byte (+13),
 * 14 two extra bytes (+269), 15 reserved. */
static sl_err read_ext(const uint8_t *buf, size_t len, size_t *pos, uint8_t nibble, uint32_t *out)
{
    if (nibble < 13) {
        *out = nibble;
        return SL_OK;
    }
    if (nibble == 13) {
        if (*pos + 1 > len)
            return SL_ERR_INVALID;
        *out = 13u + buf[*pos];
        *pos += 1;
        return SL_OK;
    }
    if (nibble == 14) {
        if (*pos + 2 > len)
            return SL_ERR_INVALID;
        *out = 269u + (((uint32_t)buf[*pos] << 8) | buf[*pos + 1]);
        *pos += 2;
        return SL_OK;
    }
    return SL_ERR_INVALID; /* 15 outside the payload marker */
}

sl_err sl_coap_parse(struct sl_coap_msg *m, const uint8_t *buf, size_t len)
{
    memset(m, 0, sizeof *m);
    if (len < SL_COAP_HEADER_LEN)
        return SL_ERR_INVALID;
    if ((buf[0] >> 6) != 1)
        return SL_ERR_INVALID; /* only version 1 exists */
    m->type = (uint8_t)((buf[0] >> 4) & 0x3);
    m->tkl = buf[0] & 0x0f;
    m->code = buf[1];
    m->mid = (uint16_t)((buf[2] << 8) | buf[3]);
    if (m->tkl > SL_COAP_MAX_TOKEN)
        return SL_ERR_INVALID; /* 9..15 are reserved: a format error */
    size_t pos = SL_COAP_HEADER_LEN;
    if (pos + m->tkl > len)
        return SL_ERR_INVALID;
    memcpy(m->token, buf + pos, m->tkl);
    pos += m->tkl;

    if (m->code == SL_COAP_EMPTY) {
        /* RFC 7252 4.1: an Empty message is exactly 4 bytes */
        return (len == SL_COAP_HEADER_LEN) ? SL_OK : SL_ERR_INVALID;
    }

    uint32_t num = 0;
    sl_err too_many = SL_OK;
    while (pos < len) {
        uint8_t byte = buf[pos++];
        if (byte == 0xff) {
            if (pos == len)
                return SL_ERR_INVALID; /* marker with empty payload */
            m->payload = buf + pos;
            m->payload_len = len - pos;
            break;
        }
        uint32_t delta, olen;
        if (read_ext(buf, len, &pos, (uint8_t)(byte >> 4), &delta) != SL_OK)
            return SL_ERR_INVALID;
        if (read_ext(buf, len, &pos, (uint8_t)(byte & 0x0f), &olen) != SL_OK)
            return SL_ERR_INVALID;
        num += delta;
        if (num > 0xffff)
            return SL_ERR_INVALID;
        if (olen > len - pos)
            return SL_ERR_INVALID;
        if (m->opt_count < SL_COAP_MAX_OPTIONS) {
            struct sl_coap_opt *o = &m->opts[m->opt_count++];
            o->num = (uint16_t)num;
            o->len = (uint16_t)olen;
            o->val = buf + pos;
        } else {
            /* keep checking the rest so a malformed tail still reads as invalid */
            too_many = SL_ERR_TOO_LARGE;
        }
        pos += olen;
    }
    return too_many;
}

bool sl_coap_is_request(uint8_t code)
{
    return SL_COAP_CODE_CLASS(code) == 0 && code != SL_COAP_EMPTY;
}

bool sl_coap_is_response(uint8_t code)
{
    uint8_t c = SL_COAP_CODE_CLASS(code);
    return c >= 2 && c <= 5;
}

const struct sl_coap_opt *sl_coap_opt_get(const struct sl_coap_msg *m, uint16_t num, unsigned index)
{
    for (unsigned k = 0; k < m->opt_count; k++) {
        if (m->opts[k].num == num) {
            if (index == 0)
                return &m->opts[k];
            index--;
        }
    }
    return NULL;
}

/* The first option num as an unsigned integer of at most max_len bytes:
 * one lookup for the callers that bound the length more tightly. */
static sl_err opt_uint_max(const struct sl_coap_msg *m, uint16_t num, unsigned max_len,
                           uint32_t *out)
{
    const struct sl_coap_opt *o = sl_coap_opt_get(m, num, 0);
    if (!o)
        return SL_ERR_NOT_FOUND;
    if (o->len > max_len)
        return SL_ERR_INVALID;
    uint32_t v = 0;
    for (unsigned k = 0; k < o->len; k++)
        v = (v << 8) | o->val[k];
    *out = v;
    return SL_OK;
}

sl_err sl_coap_opt_uint(const struct sl_coap_msg *m, uint16_t num, uint32_t *out)
{
    return opt_uint_max(m, num, 4, out);
}

sl_err sl_coap_content_format(const struct sl_coap_msg *m, uint16_t *out)
{
    uint32_t v;
    /* RFC 7252 5.10: a Content-Format is 0..2 bytes long */
    sl_err err = opt_uint_max(m, SL_COAP_OPT_CONTENT_FORMAT, 2, &v);
    if (err == SL_ERR_NOT_FOUND) {
        *out = 0xFFFF;
        return SL_OK;
    }
    if (err != SL_OK || v > 0xfffe)
        return SL_ERR_INVALID;
    *out = (uint16_t)v;
    return SL_OK;
}

/* Known options, their length ranges and whether they may repeat (RFC 7252
 * 5.10 table 4, RFC 7641, 7959, 8613, 7967, 9175). Proxy-Uri and
 * Proxy-Scheme are known too but left out: we are no proxy, so they are
 * refused like unknown critical options (5.05 would be exact; 4.02 keeps one
 * rule for every option we cannot honour). */
struct opt_range {
    uint16_t num;
    uint8_t min; /* 0 or 1 */
    uint8_t max; /* bit 7: repeatable; bits 6-0: the maximum, 127 meaning 255 */
};

#define REPEAT 0x80u
#define LONG 127u

static const struct opt_range known_opts[] = {
    { SL_COAP_OPT_IF_MATCH, 0, 8 | REPEAT },         { SL_COAP_OPT_URI_HOST, 1, LONG },
    { SL_COAP_OPT_ETAG, 1, 8 | REPEAT },             { SL_COAP_OPT_IF_NONE_MATCH, 0, 0 },
    { SL_COAP_OPT_OBSERVE, 0, 3 },                   { SL_COAP_OPT_URI_PORT, 0, 2 },
    { SL_COAP_OPT_LOCATION_PATH, 0, LONG | REPEAT }, { SL_COAP_OPT_OSCORE, 0, LONG },
    { SL_COAP_OPT_URI_PATH, 0, LONG | REPEAT },      { SL_COAP_OPT_CONTENT_FORMAT, 0, 2 },
    { SL_COAP_OPT_MAX_AGE, 0, 4 },                   { SL_COAP_OPT_URI_QUERY, 0, LONG | REPEAT },
    { SL_COAP_OPT_ACCEPT, 0, 2 },                    { SL_COAP_OPT_LOCATION_QUERY, 0, LONG | REPEAT },
    { SL_COAP_OPT_BLOCK2, 0, 3 },                    { SL_COAP_OPT_BLOCK1, 0, 3 },
    { SL_COAP_OPT_SIZE2, 0, 4 },                     { SL_COAP_OPT_SIZE1, 0, 4 },
    { SL_COAP_OPT_ECHO, 1, 40 },                     { SL_COAP_OPT_NO_RESPONSE, 0, 1 },
    { SL_COAP_OPT_REQUEST_TAG, 0, 8 | REPEAT },
};

uint16_t sl_coap_unknown_critical(const struct sl_coap_msg *m)
{
    for (unsigned k = 0; k < m->opt_count; k++) {
        const struct sl_coap_opt *o = &m->opts[k];
        bool acceptable = false;
        for (size_t j = 0; j < sizeof known_opts / sizeof known_opts[0]; j++) {
            const struct opt_range *r = &known_opts[j];
            unsigned max = r->max & ~REPEAT;
            if (r->num != o->num)
                continue;
            /* RFC 7252 5.4.5: a second occurrence of a non-repeatable option
             * is treated like an unrecognized one (options are in order, so
             * a repeat directly follows its first occurrence) */
            acceptable = o->len >= r->min && o->len <= (max == LONG ? 255u : max) &&
                         ((r->max & REPEAT) || k == 0 || m->opts[k - 1].num != o->num);
            break;
        }
        if (!acceptable && (o->num & 1))
            return o->num;
    }
    return 0;
}

sl_err sl_coap_block_get(const struct sl_coap_msg *m, uint16_t opt, struct sl_coap_block *out)
{
    uint32_t v;
    sl_err err = opt_uint_max(m, opt, 3, &v);
    if (err != SL_OK)
        return err;
    out->szx = (uint8_t)(v & 0x7);
    out->more = (v & 0x8) != 0;
    out->num = v >> 4;
    if (out->szx == 7)
        return SL_ERR_INVALID; /* reserved (BERT is for reliable transports only) */
    return SL_OK;
}

uint32_t sl_coap_block_encode(const struct sl_coap_block *b)
{
    return (b->num << 4) | (b->more ? 0x8u : 0u) | (b->szx & 0x7u);
}

int sl_coap_block_szx(uint16_t size)
{
    for (int szx = 0; szx <= 6; szx++)
        if (SL_COAP_BLOCK_SIZE(szx) == size)
            return szx;
    return -1;
}

/* ---- builder ---- */

static void build_put(struct sl_coap_builder *b, const void *data, size_t n)
{
    if (b->err != SL_OK)
        return;
    if (n > b->cap - b->len) {
        b->err = SL_ERR_OVERFLOW;
        return;
    }
    if (n)
        memcpy(b->buf + b->len, data, n);
    b->len += n;
}

void sl_coap_build_begin(struct sl_coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                         uint8_t code, uint16_t mid, const uint8_t *token, uint8_t tkl)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->last_opt = 0;
    b->has_payload = false;
    b->err = SL_OK;
    if (tkl > SL_COAP_MAX_TOKEN || type > 3) {
        b->err = SL_ERR_INVALID;
        return;
    }
    uint8_t hdr[SL_COAP_HEADER_LEN] = { (uint8_t)(0x40 | (type << 4) | tkl), code,
                                        (uint8_t)(mid >> 8), (uint8_t)mid };
    build_put(b, hdr, sizeof hdr);
    build_put(b, token, tkl);
}

static uint8_t ext_nibble(uint32_t v, uint8_t *ext, size_t *ext_len)
{
    if (v < 13) {
        *ext_len = 0;
        return (uint8_t)v;
    }
    if (v < 269) {
        ext[0] = (uint8_t)(v - 13);
        *ext_len = 1;
        return 13;
    }
    v -= 269;
    ext[0] = (uint8_t)(v >> 8);
    ext[1] = (uint8_t)v;
    *ext_len = 2;
    return 14;
}

sl_err sl_coap_build_opt(struct sl_coap_builder *b, uint16_t num, const void *val, size_t len)
{
    if (b->err != SL_OK)
        return b->err;
    if (b->has_payload || num < b->last_opt || len > 0xffff - 269) {
        b->err = SL_ERR_INVALID;
        return b->err;
    }
    uint8_t hdr[5];
    size_t dl, ll;
    uint8_t dn = ext_nibble((uint32_t)(num - b->last_opt), hdr + 1, &dl);
    uint8_t ln = ext_nibble((uint32_t)len, hdr + 1 + dl, &ll);
    hdr[0] = (uint8_t)(dn << 4 | ln);
    build_put(b, hdr, 1 + dl + ll);
    build_put(b, val, len);
    if (b->err == SL_OK)
        b->last_opt = num;
    return b->err;
}

sl_err sl_coap_build_opt_uint(struct sl_coap_builder *b, uint16_t num, uint32_t val)
{
    uint8_t bytes[4];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(val >> shift);
        if (n == 0 && byte == 0)
            continue; /* minimal length: leading zero bytes are dropped */
        bytes[n++] = byte;
    }
    return sl_coap_build_opt(b, num, bytes, n);
}

sl_err sl_coap_build_opt_split(struct sl_coap_builder *b, uint16_t num, const char *s, size_t len,
                               char sep)
{
    size_t start = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k == len || s[k] == sep) {
            if (k > start)
                sl_coap_build_opt(b, num, s + start, k - start);
            start = k + 1;
        }
    }
    return b->err;
}

sl_err sl_coap_build_payload(struct sl_coap_builder *b, const void *data, size_t len)
{
    if (len == 0)
        return b->err;
    if (!b->has_payload) {
        uint8_t marker = 0xff;
        build_put(b, &marker, 1);
        if (b->err != SL_OK)
            return b->err;
        b->has_payload = true;
    }
    build_put(b, data, len);
    return b->err;
}

size_t sl_coap_build_payload_room(const struct sl_coap_builder *b)
{
    if (b->err != SL_OK)
        return 0;
    size_t room = b->cap - b->len;
    if (b->has_payload)
        return room;
    return room > 0 ? room - 1 : 0;
}

sl_err sl_coap_build_end(struct sl_coap_builder *b, size_t *len)
{
    if (b->err == SL_OK)
        *len = b->len;
    return b->err;
}

size_t sl_coap_build_reply(uint8_t *buf, uint8_t type, uint8_t code, uint16_t mid,
                           const uint8_t *token, uint8_t tkl)
{
    tkl &= 0x0f;
    if (tkl > SL_COAP_MAX_TOKEN)
        tkl = SL_COAP_MAX_TOKEN;
    buf[0] = (uint8_t)(0x40 | (type & 3) << 4 | tkl);
    buf[1] = code;
    buf[2] = (uint8_t)(mid >> 8);
    buf[3] = (uint8_t)mid;
    if (tkl)
        memcpy(buf + SL_COAP_HEADER_LEN, token, tkl);
    return SL_COAP_HEADER_LEN + (size_t)tkl;
}

size_t sl_coap_build_empty(uint8_t *buf, uint8_t type, uint16_t mid)
{
    return sl_coap_build_reply(buf, type, SL_COAP_EMPTY, mid, NULL, 0);
}
