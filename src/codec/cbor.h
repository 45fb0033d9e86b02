/* CBOR (RFC 8949): a bounded encoder into struct sl_wbuf and a total,
 * pull-style decoder over a byte buffer.
 *
 * Subset: definite lengths only. Indefinite-length items (additional info 31)
 * are valid CBOR but rejected with SL_ERR_UNSUPPORTED; reserved additional
 * info 28..30, a stray "break", and two-byte simple values below 32 are not
 * well-formed and rejected with SL_ERR_INVALID. Text strings are not checked
 * for UTF-8 validity (callers treat them as bytes).
 *
 * Encoder: every put either writes the whole item or fails with
 * SL_ERR_OVERFLOW leaving w->len unchanged. Integers, lengths and counts are
 * written in preferred (shortest) form; floats in the shortest of half,
 * single, double that holds the value exactly.
 *
 * Decoder: sl_cbor_read() consumes one data item head (and a string's
 * content); arrays, maps and tags are headers whose children follow. Every
 * length is checked against the remaining input before use, and a container
 * count larger than the remaining input could hold is rejected at once, so
 * counts always fit a size_t. On any error the reader does not move, so a
 * caller may retry with another expectation; copy the (small) reader struct
 * to peek.
 */
#ifndef SL_CODEC_CBOR_H
#define SL_CODEC_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wbuf.h"
#include "sidelink/err.h"

/* Nesting accepted by sl_cbor_skip(): arrays, maps and tags each count one. */
#define SL_CBOR_MAX_DEPTH 16

/* Bytes reserved for a container head whose count is known later: a head
 * with a 4-byte argument, enough for any count a buffer can hold. */
#define SL_CBOR_HEAD_RESERVE 5

enum sl_cbor_major {
    SL_CBOR_MAJOR_UINT = 0,
    SL_CBOR_MAJOR_NEGINT = 1,
    SL_CBOR_MAJOR_BYTES = 2,
    SL_CBOR_MAJOR_TEXT = 3,
    SL_CBOR_MAJOR_ARRAY = 4,
    SL_CBOR_MAJOR_MAP = 5,
    SL_CBOR_MAJOR_TAG = 6,
    SL_CBOR_MAJOR_SIMPLE = 7
};

/* What an item is, with major type 7 split into its meanings. */
enum sl_cbor_kind {
    SL_CBOR_UINT,      /* arg = value */
    SL_CBOR_NEGINT,    /* value = -1 - arg */
    SL_CBOR_BYTES,     /* str, arg = length */
    SL_CBOR_TEXT,      /* str, arg = length (bytes, not checked as UTF-8) */
    SL_CBOR_ARRAY,     /* arg = item count */
    SL_CBOR_MAP,       /* arg = pair count */
    SL_CBOR_TAG,       /* arg = tag number; the tagged item follows */
    SL_CBOR_FALSE,
    SL_CBOR_TRUE,
    SL_CBOR_NULL,
    SL_CBOR_UNDEFINED,
    SL_CBOR_SIMPLE,    /* another simple value, arg = its number */
    SL_CBOR_FLOAT      /* f; arg = 2, 4 or 8, the encoded width */
};

struct sl_cbor_item {
    uint8_t major; /* enum sl_cbor_major */
    uint8_t kind;  /* enum sl_cbor_kind */
    uint64_t arg;
    const uint8_t *str; /* BYTES, TEXT: arg bytes inside the input */
    double f;           /* FLOAT */
};

struct sl_cbor_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
};

/* ---- encoder ---- */

/* A head of the given major type and argument, shortest form. */
sl_err sl_cbor_put_head(struct sl_wbuf *w, uint8_t major, uint64_t arg);
sl_err sl_cbor_put_uint(struct sl_wbuf *w, uint64_t v);
sl_err sl_cbor_put_int(struct sl_wbuf *w, int64_t v);
sl_err sl_cbor_put_bytes(struct sl_wbuf *w, const uint8_t *p, size_t len);
sl_err sl_cbor_put_text(struct sl_wbuf *w, const char *s, size_t len);
sl_err sl_cbor_put_array(struct sl_wbuf *w, uint64_t count);
sl_err sl_cbor_put_map(struct sl_wbuf *w, uint64_t pairs);
sl_err sl_cbor_put_tag(struct sl_wbuf *w, uint64_t tag);
sl_err sl_cbor_put_bool(struct sl_wbuf *w, bool b);
sl_err sl_cbor_put_null(struct sl_wbuf *w);
/* Shortest exact float; every NaN becomes f97e00, infinities are halves. */
sl_err sl_cbor_put_float(struct sl_wbuf *w, double v);

/* Bytes of the head sl_cbor_put_head() writes for this argument (1..9). */
size_t sl_cbor_head_len(uint64_t arg);

/* Container whose count is known only later: reserve the head, write the
 * children, then fix it in shortest form, which moves what follows down (so
 * marks taken after `mark` move too) and cannot fail for lack of room.
 * SL_ERR_RANGE for a count above UINT32_MAX, SL_ERR_INVALID for a mark that
 * is not a reservation inside the buffer. */
sl_err sl_cbor_reserve_head(struct sl_wbuf *w, size_t *mark);
sl_err sl_cbor_fix_head(struct sl_wbuf *w, size_t mark, uint8_t major, uint64_t count);

/* ---- decoder ---- */

void sl_cbor_reader_init(struct sl_cbor_reader *r, const uint8_t *p, size_t len);
bool sl_cbor_at_end(const struct sl_cbor_reader *r);
/* One item head (plus a string's content). SL_ERR_INVALID for truncated or
 * malformed input, SL_ERR_UNSUPPORTED for indefinite lengths. */
sl_err sl_cbor_read(struct sl_cbor_reader *r, struct sl_cbor_item *item);
/* One complete item with everything nested in it; SL_ERR_UNSUPPORTED when
 * nested deeper than SL_CBOR_MAX_DEPTH. */
sl_err sl_cbor_skip(struct sl_cbor_reader *r);

/* Typed reads: SL_ERR_TYPE when the next item is of another kind (reader
 * not moved), SL_ERR_RANGE when an integer does not fit the destination. */
sl_err sl_cbor_read_uint(struct sl_cbor_reader *r, uint64_t *out);
sl_err sl_cbor_read_int(struct sl_cbor_reader *r, int64_t *out);
sl_err sl_cbor_read_text(struct sl_cbor_reader *r, const char **s, size_t *len);
sl_err sl_cbor_read_bytes(struct sl_cbor_reader *r, const uint8_t **p, size_t *len);
sl_err sl_cbor_read_array_header(struct sl_cbor_reader *r, size_t *count);
sl_err sl_cbor_read_map_header(struct sl_cbor_reader *r, size_t *pairs);

#endif
