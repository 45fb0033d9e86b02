/* Opaque, content-format 42: the payload is the bytes of one Opaque
 * Resource or Resource Instance value.
 *
 * Same rules as plain text (text.h): the base must be /o/i/r or /o/i/r/ri,
 * one record at the base path, anything else SL_ERR_FORMAT; and the value
 * must be OPAQUE (SL_ERR_FORMAT otherwise, so the caller answers 4.06).
 * The decoder yields one SL_TYPE_OPAQUE record at the base path, then
 * SL_ERR_END.
 */
#ifndef SL_CODEC_OPAQUE_H
#define SL_CODEC_OPAQUE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/text.h"
#include "codec/wbuf.h"
#include "sidelink/types.h"

/* The coders keep the text coders' state and run their code (text.c): the
 * rules are the same, only the value coding differs, and one copy of them
 * is all a small image carries. */
struct sl_opaque_enc {
    struct sl_text_enc t;
};

sl_err sl_opaque_enc_begin(struct sl_opaque_enc *e, struct sl_wbuf *w, const struct sl_path *base);
sl_err sl_opaque_enc_record(struct sl_opaque_enc *e, const struct sl_record *r);
sl_err sl_opaque_enc_end(struct sl_opaque_enc *e);

struct sl_opaque_dec {
    struct sl_text_dec t;
};

void sl_opaque_dec_init(struct sl_opaque_dec *d, const struct sl_path *base, const uint8_t *payload,
                        size_t len);
sl_err sl_opaque_dec_next(struct sl_opaque_dec *d, struct sl_record *out);

#endif
