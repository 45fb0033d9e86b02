/* LwM2M data on the server: record lists that own their bytes, typing of
 * decoded records by the object declarations (src/objects/defs.h), and
 * payload encoding/decoding by Content-Format, including plain CBOR (60),
 * which the engine's codecs do not carry (one value, for one resource).
 *
 * Typing rule: a resource Sidelink declares gets its declared type (a value
 * that does not convert keeps the type the wire gave, so a misbehaving
 * device is shown, not hidden); an unknown resource keeps the type its
 * format carries, with TLV bytes as OPAQUE and plain text as STRING.
 */
#ifndef SRV_DATA_H
#define SRV_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidelink/object.h"
#include "sidelink/types.h"
#include "server/srv_buf.h"

/* Largest payload the server encodes for one request (Block1 carries it). */
#define SRV_MAX_ENCODED (1024u * 1024u)

struct srv_recs {
    struct sl_record *v;
    size_t n, cap;
    struct srv_arena arena; /* owns every string and opaque value of v */
};

void srv_recs_init(struct srv_recs *r);
void srv_recs_free(struct srv_recs *r);
/* Append a copy of rec (bytes copied into the arena). false: out of memory. */
bool srv_recs_add(struct srv_recs *r, const struct sl_record *rec);
/* Sort by path (sl_path_compare); true when no path repeats. */
bool srv_recs_sort(struct srv_recs *r);

/* "TLV", "SENML_CBOR", "LWM2M_CBOR", "TEXT", "OPAQUE", "CBOR" (any case;
 * also "SENML-CBOR" and the numeric Content-Format). */
bool srv_format_parse(const char *s, uint16_t *fmt);
/* The name above for a format, or NULL. */
const char *srv_format_name(uint16_t fmt);
/* Formats the server can encode and decode. */
bool srv_format_supported(uint16_t fmt);

/* Declaration of the resource a path names (len >= 3), or NULL. */
const struct sl_res_def *srv_res_def(const struct sl_path *p);

/* Give a decoded value its resource's type (see the typing rule). Byte
 * results that need new storage (base64 text for Opaque) go to `a`. */
void srv_value_type(const struct sl_path *p, struct sl_value *v, struct srv_arena *a);

/* Decode `payload` (format fmt, relative to base) into typed records,
 * sorted by path. SL_ERR_FORMAT for a format we cannot read, SL_ERR_INVALID
 * for a payload that does not decode; err gets a message. An empty payload
 * without a format gives no records. */
sl_err srv_decode(uint16_t fmt, const struct sl_path *base, const uint8_t *payload, size_t len,
                  struct srv_recs *out, char *err, size_t errlen);

/* Encode recs (sorted here) relative to base. SL_ERR_FORMAT when the format
 * cannot carry them (e.g. two values as TEXT), SL_ERR_TYPE for a value the
 * format cannot hold, SL_ERR_TOO_LARGE beyond SRV_MAX_ENCODED. */
sl_err srv_encode(uint16_t fmt, const struct sl_path *base, struct srv_recs *recs,
                  struct srv_buf *out, char *err, size_t errlen);

#endif
