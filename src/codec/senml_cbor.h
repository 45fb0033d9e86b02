/* SenML CBOR (RFC 8428, Content-Format 112) as LwM2M uses it.
 *
 * Two layers:
 *  - A generic SenML pack walker and record writer, working on the fields
 *    of each record exactly as they appear on the wire (integer labels of
 *    RFC 8428 table 6, plus LwM2M's text label "vlo" for object links).
 *    The walker keeps the base fields in effect (bn, bt, bu, bv, bs, bver
 *    persist until a record changes them) and leaves resolving to the user.
 *  - The data-model encoder and decoder (struct sl_record), built on it.
 *
 * Rules (RFC 8428 4.4, 6, 12): unknown integer labels and unknown text
 * labels are ignored (their values are skipped, and must still be
 * well-formed), except text labels ending in "_", which must be understood
 * and are rejected with SL_ERR_UNSUPPORTED; so is a bver above 10. A label
 * twice in one record, two value fields in one record, or a known label with
 * a value of the wrong CBOR type is SL_ERR_INVALID. SenML JSON-style text
 * keys ("n", "v", ...) are not accepted. Indefinite lengths: see cbor.h.
 *
 * Data-model decoder: the name is bn + n, concatenated in a bounded buffer
 * (SL_SENML_MAX_NAME), one trailing "/" dropped ("/3/0/" names /3/0), then
 * parsed as an absolute LwM2M path; it must lie within the base path given
 * at init. Values: v -> INT (UINT above INT64_MAX), FLOAT; vs -> STRING
 * (also what a Corelnk arrives as); vb -> BOOL; vd -> OPAQUE; vlo -> OBJLNK;
 * none -> NONE. Times, units, sums are checked for type and ignored; a base
 * value other than 0 is SL_ERR_UNSUPPORTED (LwM2M does not use it).
 *
 * Data-model encoder: one array of maps. With a base path of length > 0,
 * the first map carries bn = "/3/0/" and names are relative ("1", "7/0");
 * when the first record is the base itself, bn = "/3/0/1" and it has no n
 * (later records then get "/2"-style names). With the root base there is no
 * bn and every n is absolute. Records must lie within the base, in any
 * order. Ints and Time as v, Float as v (shortest float), Bool vb, String
 * and Corelnk vs, Opaque vd, Objlnk vlo "3:0", NONE: name only (the
 * Read-Composite / Observe-Composite request form). A record either goes in
 * whole or fails with w->len unchanged; the array count is fixed at end.
 */
#ifndef SL_CODEC_SENML_CBOR_H
#define SL_CODEC_SENML_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/cbor.h"
#include "codec/wbuf.h"
#include "sidelink/types.h"

/* Longest resolved name (bn + n) the decoder assembles; "/65534/65534/65534/65534" is 24. */
#define SL_SENML_MAX_NAME 64
/* The SenML version we implement; a larger bver is refused. */
#define SL_SENML_VERSION 10

/* Integer labels of RFC 8428 table 6. */
enum sl_senml_label {
    SL_SENML_BVER = -1,
    SL_SENML_BN = -2,
    SL_SENML_BT = -3,
    SL_SENML_BU = -4,
    SL_SENML_BV = -5,
    SL_SENML_BS = -6,
    SL_SENML_N = 0,
    SL_SENML_U = 1,
    SL_SENML_V = 2,
    SL_SENML_VS = 3,
    SL_SENML_VB = 4,
    SL_SENML_S = 5,
    SL_SENML_T = 6,
    SL_SENML_UT = 7,
    SL_SENML_VD = 8
};

/* Which fields a record carries. */
#define SL_SENML_F_BN (1u << 0)
#define SL_SENML_F_BT (1u << 1)
#define SL_SENML_F_BU (1u << 2)
#define SL_SENML_F_BV (1u << 3)
#define SL_SENML_F_BS (1u << 4)
#define SL_SENML_F_BVER (1u << 5)
#define SL_SENML_F_N (1u << 6)
#define SL_SENML_F_U (1u << 7)
#define SL_SENML_F_T (1u << 8)
#define SL_SENML_F_UT (1u << 9)
#define SL_SENML_F_S (1u << 10)
#define SL_SENML_F_VALUE (1u << 11) /* v, vs, vb, vd or vlo, by value.type */

/* The fields of one record map. Numbers (bt, bv, bs, t, ut, s and a v) are
 * SL_TYPE_INT, UINT or FLOAT; value is INT/UINT/FLOAT (v), STRING (vs), BOOL
 * (vb), OPAQUE (vd) or OBJLNK (vlo). Strings point into the payload. */
struct sl_senml_fields {
    uint16_t present; /* SL_SENML_F_* */
    struct sl_bytes bn, bu, n, u;
    struct sl_value bt, bv, bs, t, ut, s;
    uint64_t bver;
    struct sl_value value;
};

/* ---- generic layer ---- */

struct sl_senml_cbor_iter {
    struct sl_cbor_reader r;
    size_t left;                 /* records not read yet */
    struct sl_senml_fields base; /* base fields in effect (b* members only) */
    sl_err state;                /* SL_OK while walking; then END or the error, for good */
    bool started;
};

void sl_senml_cbor_iter_init(struct sl_senml_cbor_iter *it, const uint8_t *payload, size_t len);
/* The next record's own fields; it->base then holds the base fields in
 * effect for it. SL_ERR_END after the last record. */
sl_err sl_senml_cbor_iter_next(struct sl_senml_cbor_iter *it, struct sl_senml_fields *rec);
/* One record map with the present fields, in the order bn bt bu bver bv bs
 * n u t ut value s (RFC 8428's example order). SL_ERR_TYPE for a value type
 * SenML cannot carry. All or nothing. */
sl_err sl_senml_cbor_put_fields(struct sl_wbuf *w, const struct sl_senml_fields *f);

/* ---- data model ---- */

struct sl_senml_cbor_enc {
    struct sl_wbuf *w; /* NULL once ended or when begin failed */
    struct sl_path base;
    size_t mark;       /* the array head, fixed at end */
    size_t count;      /* records written */
    uint8_t bn_form;   /* 0: no bn, 1: bn ends in "/", 2: bn is the base record itself */
};

sl_err sl_senml_cbor_enc_begin(struct sl_senml_cbor_enc *e, struct sl_wbuf *w,
                               const struct sl_path *base);
sl_err sl_senml_cbor_enc_record(struct sl_senml_cbor_enc *e, const struct sl_record *r);
sl_err sl_senml_cbor_enc_end(struct sl_senml_cbor_enc *e);

struct sl_senml_cbor_dec {
    struct sl_senml_cbor_iter it;
    struct sl_path base;
};

void sl_senml_cbor_dec_init(struct sl_senml_cbor_dec *d, const struct sl_path *base,
                            const uint8_t *payload, size_t len);
/* SL_OK with a record, SL_ERR_END after the last, else the error (kept). */
sl_err sl_senml_cbor_dec_next(struct sl_senml_cbor_dec *d, struct sl_record *out);

#endif
