/* Object links as text, "oid:iid" (LwM2M TS Core 7.4.7 LwM2M CBOR and the
 * SenML "vlo" field).
 *
 * Strict: each side is 1..5 decimal digits without sign or leading zero
 * (except "0" itself), at most 65535. 65535 is allowed on both sides, since
 * "65535:65535" is the null link.
 */
#ifndef SL_CODEC_OBJLNK_TEXT_H
#define SL_CODEC_OBJLNK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/types.h"

/* "65535:65535" */
#define SL_OBJLNK_TEXT_MAX 11

sl_err sl_objlnk_text_parse(const uint8_t *s, size_t len, struct sl_objlnk *out);
/* Writes the text (no NUL) into out[SL_OBJLNK_TEXT_MAX]; returns its length. */
size_t sl_objlnk_text_format(const struct sl_objlnk *l, char *out);

#endif
