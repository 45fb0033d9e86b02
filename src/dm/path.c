/* LwM2M paths: parse, format, compare. */
#include "sidelink/types.h"

#include <string.h>

#include "codec/decimal.h"

struct sl_path sl_path_make(int len, uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    struct sl_path p = { { o, i, r, ri }, 0 };
    p.len = (uint8_t)(len < 0 ? 0 : (len > 4 ? 4 : len));
    for (int k = p.len; k < 4; k++)
        p.id[k] = SL_ID_NONE;
    return p;
}

bool sl_path_equal(const struct sl_path *a, const struct sl_path *b)
{
    if (a->len != b->len)
        return false;
    for (int k = 0; k < a->len; k++)
        if (a->id[k] != b->id[k])
            return false;
    return true;
}

bool sl_path_within(const struct sl_path *inner, const struct sl_path *outer)
{
    if (inner->len < outer->len)
        return false;
    for (int k = 0; k < outer->len; k++)
        if (inner->id[k] != outer->id[k])
            return false;
    return true;
}

int sl_path_compare(const struct sl_path *a, const struct sl_path *b)
{
    int n = a->len < b->len ? a->len : b->len;
    for (int k = 0; k < n; k++) {
        if (a->id[k] != b->id[k])
            return a->id[k] < b->id[k] ? -1 : 1;
    }
    return (int)a->len - (int)b->len;
}

sl_err sl_path_parse(const char *s, size_t len, struct sl_path *out)
{
    struct sl_path p = sl_path_make(0, 0, 0, 0, 0);
    if (len == 0 || s[0] != '/')
        return SL_ERR_INVALID;
    /* "/" alone is the root; otherwise every segment is an ID: "//", a
     * trailing "/", "01" or a fifth level are errors */
    size_t start = 1;
    for (size_t pos = 1; len > 1 && pos <= len; pos++) {
        if (pos < len && s[pos] != '/')
            continue;
        if (p.len == 4 ||
            sl_dec_parse_id((const uint8_t *)s + start, pos - start, SL_ID_MAX, &p.id[p.len]) !=
                SL_OK)
            return SL_ERR_INVALID;
        p.len++;
        start = pos + 1;
    }
    *out = p;
    return SL_OK;
}

int sl_path_format(const struct sl_path *p, char *buf, size_t cap)
{
    size_t n = 0;
    for (int k = 0; k < p->len && k < 4; k++) {
        char digits[SL_DEC_INT_MAX];
        size_t nd = sl_dec_format_u64(p->id[k], digits);
        if (n + 1 + nd + 1 > cap)
            return SL_ERR_OVERFLOW;
        buf[n++] = '/';
        memcpy(buf + n, digits, nd);
        n += nd;
    }
    if (n == 0) {
        /* the root */
        if (cap < 2)
            return SL_ERR_OVERFLOW;
        buf[n++] = '/';
    }
    buf[n] = '\0';
    return (int)n;
}
