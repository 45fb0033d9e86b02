/* One front for every data format: encode records into a payload, decode a
 * payload into records, by Content-Format. Formats left out of the build
 * (SL_CONFIG_*) answer SL_ERR_FORMAT.
 *
 * Encoders take records in path order (sl_path_compare) with concrete
 * types, relative to a base path (the request's). Decoders yield records with
 * full paths; TLV and text values are untyped (SL_TYPE_RAW_*) until
 * sl_value_convert() gives them the resource's type.
 */
#ifndef SL_CODEC_DATA_H
#define SL_CODEC_DATA_H

#include "sidelink/config.h"
#include "sidelink/types.h"
#include "codec/wbuf.h"
#include "codec/text.h"
#include "codec/opaque.h"
#if SL_CONFIG_TLV
#include "codec/tlv.h"
#endif
#if SL_CONFIG_SENML_CBOR
#include "codec/senml_cbor.h"
#endif
#if SL_CONFIG_LWM2M_CBOR
#include "codec/lwm2m_cbor.h"
#endif

struct sl_data_enc {
    uint16_t format;
    union {
        struct sl_text_enc text; /* text and opaque */
#if SL_CONFIG_TLV
        struct sl_tlv_enc tlv;
#endif
#if SL_CONFIG_SENML_CBOR
        struct sl_senml_cbor_enc senml;
#endif
#if SL_CONFIG_LWM2M_CBOR
        struct sl_lwm2m_cbor_enc lwm2m;
#endif
    } u;
};

struct sl_data_dec {
    uint16_t format;
    union {
        struct sl_text_dec text; /* text and opaque */
#if SL_CONFIG_TLV
        struct sl_tlv_dec tlv;
#endif
#if SL_CONFIG_SENML_CBOR
        struct sl_senml_cbor_dec senml;
#endif
#if SL_CONFIG_LWM2M_CBOR
        struct sl_lwm2m_cbor_dec lwm2m;
#endif
    } u;
};

/* Whether this build can encode/decode `format` at all. */
bool sl_data_format_supported(uint16_t format);
/* Whether `format` can carry several records or absolute paths (the
 * composite operations need SenML CBOR or LwM2M CBOR). */
bool sl_data_format_is_composite(uint16_t format);

sl_err sl_data_enc_begin(struct sl_data_enc *e, uint16_t format, struct sl_wbuf *w,
                         const struct sl_path *base);
sl_err sl_data_enc_record(struct sl_data_enc *e, const struct sl_record *r);
sl_err sl_data_enc_end(struct sl_data_enc *e);

sl_err sl_data_dec_init(struct sl_data_dec *d, uint16_t format, const struct sl_path *base,
                        const uint8_t *payload, size_t len);
/* SL_OK with a record, SL_ERR_END after the last, or an error. */
sl_err sl_data_dec_next(struct sl_data_dec *d, struct sl_record *out);

#endif
