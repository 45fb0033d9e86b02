/* Converting a decoded value to a resource's declared type.
 *
 * Decoders give what the wire says: raw TLV bytes, raw text, or a typed
 * value (CBOR-based formats). The data model knows the resource type and
 * calls sl_value_convert(in, want, out). Every conversion (rows: in->type):
 *
 *   same type    -> itself, always
 *   RAW_TLV      -> INT, TIME: 1/2/4/8 bytes two's complement
 *                   UINT: 1..8 bytes unsigned (TS 1.1: binary unsigned)
 *                   FLOAT: 4 or 8 bytes; BOOL: 1 byte 0 or 1
 *                   OBJLNK: 4 bytes; STRING, OPAQUE, CORELNK: the bytes
 *   RAW_TEXT     -> INT, TIME, UINT: decimal; FLOAT: decimal number
 *                   BOOL: "0" or "1"; OBJLNK: "oid:iid"
 *                   STRING, CORELNK: the bytes; OPAQUE: base64 (needs scratch)
 *   INT          -> UINT (>= 0), FLOAT (nearest double), TIME
 *   UINT         -> INT (<= INT64_MAX), FLOAT (nearest double), TIME (<= INT64_MAX)
 *   FLOAT        -> INT, UINT: when integral and in range
 *   STRING       -> OBJLNK ("oid:iid"), CORELNK
 *   anything else (incl. to NONE or to a RAW type) -> SL_ERR_TYPE
 *
 * Bytes that are malformed for the wanted type (wrong TLV length, bad
 * syntax, a BOOL of 2, a fractional FLOAT for an integer) are SL_ERR_TYPE;
 * a well-formed number outside the destination's range is SL_ERR_RANGE.
 * Byte results point into the input's memory, except base64, which is
 * decoded into the caller's scratch buffer (SL_ERR_OVERFLOW if it is too
 * small; sl_value_convert() passes none, so the data model should pass a
 * buffer for Opaque resources: the payload itself works if it is writable,
 * since base64 decodes in place). `out` may be `in`. The RAW_TLV row exists
 * only when the build has TLV (SL_CONFIG_TLV). Without SL_CONFIG_FLOAT
 * every conversion to or from FLOAT is SL_ERR_TYPE.
 */
#ifndef SL_CODEC_VALUE_H
#define SL_CODEC_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/types.h"

sl_err sl_value_convert(const struct sl_value *in, uint8_t want_type, struct sl_value *out);
sl_err sl_value_convert_buf(const struct sl_value *in, uint8_t want_type, struct sl_value *out,
                            uint8_t *scratch, size_t cap);

#endif
