#include "codec/wbuf.h"

#include <string.h>

void sl_wbuf_init(struct sl_wbuf *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
}

size_t sl_wbuf_room(const struct sl_wbuf *w)
{
    return w->cap - w->len;
}

sl_err sl_wbuf_put(struct sl_wbuf *w, const void *data, size_t n)
{
    if (n > sl_wbuf_room(w))
        return SL_ERR_OVERFLOW;
    if (n > 0)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
    return SL_OK;
}

sl_err sl_wbuf_put_byte(struct sl_wbuf *w, uint8_t b)
{
    return sl_wbuf_put(w, &b, 1);
}

sl_err sl_wbuf_reserve(struct sl_wbuf *w, size_t n, size_t *pos)
{
    if (n > sl_wbuf_room(w))
        return SL_ERR_OVERFLOW;
    *pos = w->len;
    memset(w->buf + w->len, 0, n);
    w->len += n;
    return SL_OK;
}

void sl_wbuf_close_gap(struct sl_wbuf *w, size_t pos, size_t gap)
{
    if (gap == 0 || pos + gap > w->len)
        return;
    /* moving down, front to back: a byte loop is all memmove would do */
    w->len -= gap;
    for (size_t k = pos; k < w->len; k++)
        w->buf[k] = w->buf[k + gap];
}
