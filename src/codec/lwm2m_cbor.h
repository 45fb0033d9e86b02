/* LwM2M CBOR (OMA LwM2M TS 1.2 Core 7.4.7, Content-Format 11544).
 *
 * A payload is one CBOR map. Each key is a path ID (uint) or an array of
 * path IDs (a path fragment of one or more IDs); each value is either a
 * nested map continuing the path or the value of the resource (instance)
 * the path names. Paths always start at the Object ID, whatever the request
 * path; IDs are 0..65534 and a path has at most 4 IDs.
 *
 * Values: Integer and Time as CBOR integers, Unsigned Integer as uint, Float
 * as the shortest exact float, Boolean, String and Corelnk as text, Opaque as
 * bytes, Objlnk as text "oid:iid", no value (SL_TYPE_NONE) as null.
 *
 * Decoder: accepts every definite-length form: ID keys and array keys at any
 * level, mixed, in any order. Yields INT (UINT above INT64_MAX), FLOAT,
 * BOOL, STRING for any text (the format cannot tell an Objlnk or Corelnk
 * from a String: the data model converts by the resource's type), OPAQUE,
 * NONE for null, TIME for tag 1 on an integer. Other tags and indefinite
 * lengths are SL_ERR_UNSUPPORTED; a path that is too long, an ID of 65535 or
 * more, an empty key array, any other key or value type, bytes after the map,
 * or a record outside the base path given at init is SL_ERR_INVALID. The
 * first error is kept. Duplicate paths are not detected here.
 *
 * Encoder: records in strictly increasing path order (sl_path_compare),
 * within the base path, none a prefix of another (a path cannot be both a
 * value and a map); else SL_ERR_INVALID. Writes nested single-ID maps, e.g.
 * {3: {0: {0: "Open Mobile Alliance", 7: {0: 3800, 1: 5000}}}}. A record
 * either goes in whole or fails with the buffer and encoder as before. The
 * head of each open map (at most 4) takes SL_CBOR_HEAD_RESERVE bytes until
 * the map closes, when it shrinks to its shortest form.
 */
#ifndef SL_CODEC_LWM2M_CBOR_H
#define SL_CODEC_LWM2M_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/cbor.h"
#include "codec/wbuf.h"
#include "sidelink/types.h"

/* Nested maps: one per path level. */
#define SL_LWM2M_CBOR_MAX_DEPTH 4

struct sl_lwm2m_cbor_enc {
    struct sl_wbuf *w; /* NULL once ended or when begin failed */
    struct sl_path base;
    struct sl_path prev;                     /* last record written */
    size_t mark[SL_LWM2M_CBOR_MAX_DEPTH];    /* head of each open map; [0] the root */
    uint32_t pairs[SL_LWM2M_CBOR_MAX_DEPTH]; /* pairs written into each */
    uint8_t open;                            /* open maps, the root included */
    bool have_prev;
};

sl_err sl_lwm2m_cbor_enc_begin(struct sl_lwm2m_cbor_enc *e, struct sl_wbuf *w,
                               const struct sl_path *base);
sl_err sl_lwm2m_cbor_enc_record(struct sl_lwm2m_cbor_enc *e, const struct sl_record *r);
sl_err sl_lwm2m_cbor_enc_end(struct sl_lwm2m_cbor_enc *e);

struct sl_lwm2m_cbor_dec {
    struct sl_cbor_reader r;
    struct sl_path base;
    struct sl_path cur;                     /* path built from the keys so far */
    size_t left[SL_LWM2M_CBOR_MAX_DEPTH];   /* pairs still to read per open map */
    uint8_t plen[SL_LWM2M_CBOR_MAX_DEPTH];  /* path length where each map's keys start */
    uint8_t depth;                          /* open maps */
    bool started;
    sl_err state; /* SL_OK while walking; then END or the error, for good */
};

void sl_lwm2m_cbor_dec_init(struct sl_lwm2m_cbor_dec *d, const struct sl_path *base,
                            const uint8_t *payload, size_t len);
/* SL_OK with a record, SL_ERR_END after the last, else the error (kept). */
sl_err sl_lwm2m_cbor_dec_next(struct sl_lwm2m_cbor_dec *d, struct sl_record *out);

#endif
