/* Content-Format dispatch for the data codecs. Text and Opaque share the
 * text coder's state and code (opaque.h): the dispatch goes to text.c for
 * both, so a small image holds one copy. */
#include "codec/data.h"

bool sl_data_format_supported(uint16_t format)
{
    switch (format) {
    case SL_FMT_TEXT:
    case SL_FMT_OPAQUE:
        return true;
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        return true;
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        return true;
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        return true;
#endif
    default:
        return false;
    }
}

bool sl_data_format_is_composite(uint16_t format)
{
    return (format == SL_FMT_SENML_CBOR || format == SL_FMT_LWM2M_CBOR) &&
           sl_data_format_supported(format);
}

sl_err sl_data_enc_begin(struct sl_data_enc *e, uint16_t format, struct sl_wbuf *w,
                         const struct sl_path *base)
{
    e->format = format;
    switch (format) {
    case SL_FMT_TEXT:
    case SL_FMT_OPAQUE:
        return sl_text_enc_begin(&e->u.text, w, base);
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        return sl_tlv_enc_begin(&e->u.tlv, w, base);
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        return sl_senml_cbor_enc_begin(&e->u.senml, w, base);
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        return sl_lwm2m_cbor_enc_begin(&e->u.lwm2m, w, base);
#endif
    default:
        return SL_ERR_FORMAT;
    }
}

sl_err sl_data_enc_record(struct sl_data_enc *e, const struct sl_record *r)
{
    switch (e->format) {
    case SL_FMT_TEXT:
    case SL_FMT_OPAQUE:
        return sl_text_enc_single(&e->u.text, r, e->format == SL_FMT_OPAQUE);
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        return sl_tlv_enc_record(&e->u.tlv, r);
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        return sl_senml_cbor_enc_record(&e->u.senml, r);
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        return sl_lwm2m_cbor_enc_record(&e->u.lwm2m, r);
#endif
    default:
        return SL_ERR_FORMAT;
    }
}

sl_err sl_data_enc_end(struct sl_data_enc *e)
{
    switch (e->format) {
    case SL_FMT_TEXT:
    case SL_FMT_OPAQUE:
        return sl_text_enc_end(&e->u.text);
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        return sl_tlv_enc_end(&e->u.tlv);
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        return sl_senml_cbor_enc_end(&e->u.senml);
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        return sl_lwm2m_cbor_enc_end(&e->u.lwm2m);
#endif
    default:
        return SL_ERR_FORMAT;
    }
}

sl_err sl_data_dec_init(struct sl_data_dec *d, uint16_t format, const struct sl_path *base,
                        const uint8_t *payload, size_t len)
{
    d->format = format;
    switch (format) {
    case SL_FMT_TEXT:
    case SL_FMT_OPAQUE:
        sl_text_dec_init(&d->u.text, base, payload, len);
        return SL_OK;
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        sl_tlv_dec_init(&d->u.tlv, base, payload, len);
        return SL_OK;
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        sl_senml_cbor_dec_init(&d->u.senml, base, payload, len);
        return SL_OK;
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        sl_lwm2m_cbor_dec_init(&d->u.lwm2m, base, payload, len);
        return SL_OK;
#endif
    default:
        return SL_ERR_FORMAT;
    }
}

sl_err sl_data_dec_next(struct sl_data_dec *d, struct sl_record *out)
{
    switch (d->format) {
    case SL_FMT_TEXT:
        return sl_text_dec_next(&d->u.text, out);
    case SL_FMT_OPAQUE: {
        /* the text decoder's record, whose bytes are the value itself */
        sl_err err = sl_text_dec_next(&d->u.text, out);
        if (err == SL_OK)
            out->value.type = SL_TYPE_OPAQUE;
        return err;
    }
#if SL_CONFIG_TLV
    case SL_FMT_TLV:
        return sl_tlv_dec_next(&d->u.tlv, out);
#endif
#if SL_CONFIG_SENML_CBOR
    case SL_FMT_SENML_CBOR:
        return sl_senml_cbor_dec_next(&d->u.senml, out);
#endif
#if SL_CONFIG_LWM2M_CBOR
    case SL_FMT_LWM2M_CBOR:
        return sl_lwm2m_cbor_dec_next(&d->u.lwm2m, out);
#endif
    default:
        return SL_ERR_FORMAT;
    }
}
