/* Plain text, content-format 0 (OMA LwM2M TS Core, Data Types appendix).
 *
 * A text payload carries exactly one Resource or Resource Instance value,
 * so the base must be /o/i/r or /o/i/r/ri (else SL_ERR_FORMAT) and the
 * encoder takes one record at the base path. A second record, or a record
 * below the base (the resource is multiple) or without a value (an empty
 * multiple resource), is SL_ERR_FORMAT: the caller answers 4.06 and offers
 * a format that can carry it. Records not at or below the base are
 * SL_ERR_INVALID; RAW and NONE values SL_ERR_TYPE/FORMAT as said.
 *
 * Values: INT, UINT and TIME in decimal, FLOAT as sl_dec_format_double()
 * writes it (NaN and infinities are SL_ERR_RANGE; SL_ERR_TYPE in a build
 * without SL_CONFIG_FLOAT), BOOL "0"/"1", OBJLNK
 * "oid:iid" (objlnk_text.h), STRING and CORELNK as they are, OPAQUE in
 * base64 (base64.h).
 *
 * The decoder yields one record at the base path whose value is the whole
 * payload as SL_TYPE_RAW_TEXT (text does not say the type; see
 * sl_value_convert()), then SL_ERR_END. An empty payload is an empty value.
 */
#ifndef SL_CODEC_TEXT_H
#define SL_CODEC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wbuf.h"
#include "sidelink/types.h"

struct sl_text_enc {
    struct sl_wbuf *w;
    struct sl_path base;
    uint8_t count;
    sl_err err; /* sticky */
};

sl_err sl_text_enc_begin(struct sl_text_enc *e, struct sl_wbuf *w, const struct sl_path *base);
sl_err sl_text_enc_record(struct sl_text_enc *e, const struct sl_record *r);
/* The record as text, or with `opaque` as the Opaque format does it (the
 * value must be OPAQUE, else SL_ERR_FORMAT, and goes out as its bytes):
 * the single-value rules of both formats (opaque.h). */
sl_err sl_text_enc_single(struct sl_text_enc *e, const struct sl_record *r, bool opaque);
/* No record at all leaves an empty payload. */
sl_err sl_text_enc_end(struct sl_text_enc *e);

struct sl_text_dec {
    struct sl_path base;
    const uint8_t *buf;
    size_t len;
    sl_err err; /* sticky: SL_OK before the record, then SL_ERR_END */
};

void sl_text_dec_init(struct sl_text_dec *d, const struct sl_path *base, const uint8_t *payload, size_t len);
sl_err sl_text_dec_next(struct sl_text_dec *d, struct sl_record *out);

/* Append v as text, all or nothing. */
sl_err sl_text_put_value(struct sl_wbuf *w, const struct sl_value *v);

#endif
