/* Base64 (RFC 4648 section 4, the standard alphabet with '=' padding), which
 * plain text uses for Opaque values (LwM2M TS Core, Data Types appendix).
 *
 * The decoder is strict so that decoding is one-to-one: only the standard
 * alphabet, padding only at the end, and the unused bits of the last
 * character must be zero. It also accepts input without its padding
 * ("AQ" as well as "AQ=="), which some peers send.
 */
#ifndef SL_CODEC_BASE64_H
#define SL_CODEC_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "codec/wbuf.h"
#include "sidelink/err.h"

/* Characters the encoding of n bytes takes (with padding). */
size_t sl_base64_encoded_len(size_t n);

/* Append the encoding of src[0..n) to w; all or nothing (SL_ERR_OVERFLOW). */
sl_err sl_base64_encode(struct sl_wbuf *w, const uint8_t *src, size_t n);

/* Decode src[0..n) into dst[0..cap) and set *out_len. SL_ERR_INVALID for
 * malformed input, SL_ERR_OVERFLOW when cap is too small (then nothing is
 * written; after SL_ERR_INVALID dst may hold part of the output). dst may
 * equal src (decoding in place), since the output never overtakes the input. */
sl_err sl_base64_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len);

#endif
