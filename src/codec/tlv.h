/* LwM2M TLV, content-format 11542 (OMA LwM2M TS Core 1.x, the TLV section).
 *
 * Wire form of one TLV: a type byte (bits 7-6 kind: 00 Object Instance,
 * 01 Resource Instance, 10 Multiple Resource, 11 Resource with Value; bit 5:
 * 16-bit identifier; bits 4-3: size of the length field, 0-3 bytes; bits
 * 2-0: the length itself when that size is 0), the identifier, the length,
 * then the value. Instance and Multiple Resource values are TLVs again.
 *
 * Encoder (data model -> wire). Records arrive in path order (parents
 * first) with concrete types and lie below `base`; output is relative to
 * the base as the TS defines it:
 *   base /o      Object Instance TLVs wrapping their resources
 *   base /o/i    Resource (and Multiple Resource) TLVs
 *   base /o/i/r  the one Resource TLV, or, when records are /o/i/r/ri,
 *                one Multiple Resource TLV of Resource Instance TLVs
 *   base /o/i/r/ri  one Resource Instance TLV
 * Consecutive /o/i/r/ri records of one resource become one Multiple
 * Resource TLV. Two path-only records (type SL_TYPE_NONE) exist so that
 * empty containers can be written: /o/i gives an empty Object Instance TLV
 * (below an object base; records inside it may follow and fill it), /o/i/r
 * an empty Multiple Resource TLV. Records out of order, repeated, outside
 * the base, or /o/i/r/ri after a /o/i/r record are SL_ERR_INVALID.
 * Containers reserve their largest header and shrink it when closed, so
 * the output buffer needs up to 3 spare bytes per open container (two at
 * most) beyond the final size. UINT is written in the shortest width whose
 * top bit is clear when it can be (so peers reading it as a signed Integer
 * agree), else in 8 bytes; FLOAT in 4 bytes when exact, else 8. After any
 * error the encoder keeps returning it and the buffer content is garbage.
 *
 * Decoder (wire -> data model). Each record has a full path (base + TLV
 * IDs) and an SL_TYPE_RAW_TLV value pointing into the payload, since TLV
 * does not say the type; sl_value_convert() applies the resource's type.
 *   base /o: Object Instance TLVs; or, for a Create without instance ID,
 *     top-level Resource / Multiple Resource TLVs, whose records then have
 *     instance ID SL_ID_NONE (65535). The two forms do not mix.
 *   base /o/i: Resource and Multiple Resource TLVs.
 *   base /o/i/r: one Resource TLV or one Multiple Resource TLV with ID r,
 *     or (tolerated, some peers send it) bare Resource Instance TLVs.
 *   base /o/i/r/ri: one Resource Instance TLV with ID ri.
 * A Multiple Resource TLV gives one record per Resource Instance; an empty
 * one gives a record /o/i/r of type SL_TYPE_NONE (a replace must clear the
 * resource), and an empty Object Instance TLV one /o/i of type NONE (a
 * Create of an instance without values). Any other structure, an ID of
 * 65535, or a length beyond its container is SL_ERR_INVALID, after which
 * the decoder keeps returning it. Duplicate IDs are not detected here.
 * A root base (len 0) is SL_ERR_FORMAT for both directions.
 */
#ifndef SL_CODEC_TLV_H
#define SL_CODEC_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "codec/wbuf.h"
#include "sidelink/config.h"
#include "sidelink/types.h"

enum sl_tlv_kind {
    SL_TLV_INSTANCE = 0,     /* Object Instance: value is Resource TLVs */
    SL_TLV_RES_INSTANCE = 1, /* Resource Instance: value */
    SL_TLV_MULTIPLE = 2,     /* Multiple Resource: value is Resource Instance TLVs */
    SL_TLV_RESOURCE = 3      /* Resource with Value */
};

/* Largest header: type byte, 16-bit ID, 24-bit length. */
#define SL_TLV_HEADER_MAX 6
/* Largest value length the 24-bit length field can carry. */
#define SL_TLV_LEN_MAX 0xFFFFFFu

struct sl_tlv_header {
    uint8_t kind;  /* enum sl_tlv_kind */
    uint8_t size;  /* header bytes, 2..6 */
    uint16_t id;   /* 0..65534 */
    size_t len;    /* value bytes, which follow the header */
};

/* Parse the header at p[0..avail): SL_ERR_INVALID if the header or its
 * value does not fit in avail, or the ID is 65535. */
sl_err sl_tlv_header_parse(const uint8_t *p, size_t avail, struct sl_tlv_header *h);
/* Bytes the shortest header for this ID and length takes. */
size_t sl_tlv_header_size(uint16_t id, size_t len);
/* Append the shortest header; SL_ERR_INVALID for ID 65535, SL_ERR_RANGE for
 * len > SL_TLV_LEN_MAX. */
sl_err sl_tlv_header_put(struct sl_wbuf *w, uint8_t kind, uint16_t id, size_t len);

/* Value bytes (big-endian) into out[8]; each returns the length used. */
size_t sl_tlv_int_encode(int64_t v, uint8_t *out);   /* 1, 2, 4 or 8, two's complement */
size_t sl_tlv_uint_encode(uint64_t v, uint8_t *out); /* as above, 8 bytes above INT64_MAX */
/* Value bytes back; SL_ERR_TYPE when the length is not one the type allows. */
sl_err sl_tlv_int_decode(const uint8_t *p, size_t len, int64_t *out);   /* 1, 2, 4, 8 */
sl_err sl_tlv_uint_decode(const uint8_t *p, size_t len, uint64_t *out); /* 1..8, unsigned */
#if SL_CONFIG_FLOAT /* without it a FLOAT value is SL_ERR_TYPE to the encoder */
size_t sl_tlv_float_encode(double v, uint8_t *out);  /* 4 if exact as binary32, else 8 */
sl_err sl_tlv_float_decode(const uint8_t *p, size_t len, double *out);  /* 4, 8 */
#endif

/* Append one whole TLV (header and value) of kind `kind` holding v.
 * SL_ERR_TYPE for NONE and the RAW types; all or nothing on overflow. */
sl_err sl_tlv_put_value(struct sl_wbuf *w, uint8_t kind, uint16_t id, const struct sl_value *v);

/* (The small fields first: short offsets make short loads and stores.) */
struct sl_tlv_enc {
    struct sl_wbuf *w;
    uint8_t open;          /* containers open now */
    uint8_t count;         /* records so far (saturates) */
    uint16_t inst_id;
    uint16_t multi_id;
    sl_err err;            /* sticky */
    size_t inst_pos;       /* offset of the open Object Instance header */
    size_t multi_pos;      /* offset of the open Multiple Resource header */
    struct sl_path base;
    struct sl_path last;   /* previous record, for order and grouping */
};

sl_err sl_tlv_enc_begin(struct sl_tlv_enc *e, struct sl_wbuf *w, const struct sl_path *base);
sl_err sl_tlv_enc_record(struct sl_tlv_enc *e, const struct sl_record *r);
/* Close open containers; returns the first error of the whole run. */
sl_err sl_tlv_enc_end(struct sl_tlv_enc *e);

struct sl_tlv_dec {
    uint8_t open;      /* containers open now */
    uint8_t seen;      /* kinds met at top level, for the base rules */
    uint16_t inst_id;  /* instance of the open container, or SL_ID_NONE */
    uint16_t multi_id;
    sl_err err;        /* sticky: SL_OK, SL_ERR_END or an error */
    const uint8_t *buf;
    size_t len;
    size_t pos;
    size_t inst_end;   /* end of the open Object Instance TLV */
    size_t multi_end;  /* end of the open Multiple Resource TLV */
    struct sl_path base;
};

void sl_tlv_dec_init(struct sl_tlv_dec *d, const struct sl_path *base, const uint8_t *payload, size_t len);
/* SL_OK with the next record, SL_ERR_END after the last, or an error. */
sl_err sl_tlv_dec_next(struct sl_tlv_dec *d, struct sl_record *out);

#endif
