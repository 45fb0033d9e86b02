/* Object links as "oid:iid" text. */
#include "codec/objlnk_text.h"

#include "codec/decimal.h"

sl_err sl_objlnk_text_parse(const uint8_t *s, size_t len, struct sl_objlnk *out)
{
    struct sl_objlnk l;
    size_t colon = 0;
    while (colon < len && s[colon] != ':')
        colon++;
    if (colon == len || sl_dec_parse_id(s, colon, 0xFFFFu, &l.oid) != SL_OK ||
        sl_dec_parse_id(s + colon + 1, len - colon - 1, 0xFFFFu, &l.iid) != SL_OK)
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
