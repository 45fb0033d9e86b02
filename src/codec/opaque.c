/* Opaque: the payload is the value. The state and the single-value rules
 * are the text coder's (text.c); only the value coding differs. */
#include "codec/opaque.h"

sl_err sl_opaque_enc_begin(struct sl_opaque_enc *e, struct sl_wbuf *w, const struct sl_path *base)
{
    return sl_text_enc_begin(&e->t, w, base);
}

sl_err sl_opaque_enc_record(struct sl_opaque_enc *e, const struct sl_record *r)
{
    return sl_text_enc_single(&e->t, r, true);
}

sl_err sl_opaque_enc_end(struct sl_opaque_enc *e)
{
    return sl_text_enc_end(&e->t);
}

void sl_opaque_dec_init(struct sl_opaque_dec *d, const struct sl_path *base, const uint8_t *payload,
                        size_t len)
{
    sl_text_dec_init(&d->t, base, payload, len);
}

sl_err sl_opaque_dec_next(struct sl_opaque_dec *d, struct sl_record *out)
{
    sl_err err = sl_text_dec_next(&d->t, out);
    if (err == SL_OK)
        out->value.type = SL_TYPE_OPAQUE; /* the bytes are the value itself */
    return err;
}
