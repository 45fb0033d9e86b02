/* Object links as "oid:iid" text. */
#include "codec/objlnk_text.h"

/* One ID in canonical decimal from s[*pos] up to `stop` or the end. */
static sl_err parse_id(const uint8_t *s, size_t len, size_t *pos, uint16_t *out)
{
    uint32_t v = 0;
    size_t start = *pos;
    while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
        if (*pos > start && v == 0)
            return SL_ERR_INVALID; /* leading zero */
        v = v * 10u + (uint32_t)(s[*pos] - '0');
        if (v > 0xFFFFu)
            return SL_ERR_INVALID;
        (*pos)++;
    }
    if (*pos == start)
        return SL_ERR_INVALID;
    *out = (uint16_t)v;
    return SL_OK;
}

sl_err sl_objlnk_text_parse(const uint8_t *s, size_t len, struct sl_objlnk *out)
{
    struct sl_objlnk l;
    size_t pos = 0;
    if (parse_id(s, len, &pos, &l.oid) != SL_OK || pos >= len || s[pos] != ':')
        return SL_ERR_INVALID;
    pos++;
    if (parse_id(s, len, &pos, &l.iid) != SL_OK || pos != len)
        return SL_ERR_INVALID;
    *out = l;
    return SL_OK;
}

static size_t format_id(uint16_t v, char *out)
{
    char digits[5];
    size_t n = 0, k = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    while (n > 0)
        out[k++] = digits[--n];
    return k;
}

size_t sl_objlnk_text_format(const struct sl_objlnk *l, char *out)
{
    size_t n = format_id(l->oid, out);
    out[n++] = ':';
    return n + format_id(l->iid, out + n);
}
