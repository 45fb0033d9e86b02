/* A bounded output buffer that every encoder writes into.
 *
 * Encoders never write past `cap`; a write that does not fit fails with
 * SL_ERR_OVERFLOW and leaves `len` unchanged, so the caller can tell exactly
 * how much is valid. Encoders whose headers depend on what follows (TLV
 * lengths, CBOR counts) reserve header room with sl_wbuf_reserve() and fix it
 * up with sl_wbuf_close_gap() once the content is written.
 */
#ifndef SL_CODEC_WBUF_H
#define SL_CODEC_WBUF_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/err.h"

struct sl_wbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

void sl_wbuf_init(struct sl_wbuf *w, uint8_t *buf, size_t cap);
sl_err sl_wbuf_put(struct sl_wbuf *w, const void *data, size_t n);
sl_err sl_wbuf_put_byte(struct sl_wbuf *w, uint8_t b);
/* Append n bytes whose content is set later; *pos receives their offset. */
sl_err sl_wbuf_reserve(struct sl_wbuf *w, size_t n, size_t *pos);
/* Remove `gap` bytes at offset `pos` (part of a reservation that turned out
 * larger than needed), moving everything after it down. */
void sl_wbuf_close_gap(struct sl_wbuf *w, size_t pos, size_t gap);
size_t sl_wbuf_room(const struct sl_wbuf *w);

#endif
