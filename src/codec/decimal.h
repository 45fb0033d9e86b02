/* Decimal text <-> numbers, without printf, strtod or strtoll.
 *
 * The core cross-compiles for targets whose C library has no float printf
 * (newlib-nano), so plain text, link attributes and the value converter use
 * these instead. Parsers take bytes with a length (no NUL needed) and accept
 * nothing but the number: no whitespace, no hex, no "inf" or "nan".
 *
 * Doubles: formatting writes the shortest digit string (at most 17
 * significant digits) that parses back to the same double, in positional
 * form ("23.5", "0.00000000006667") for decimal exponents -12..20 and
 * scientific form ("1e300", "5e-324") outside. Parsing is correctly rounded
 * (round-half-even) for inputs of up to SL_DEC_MAX_DIGITS significant
 * digits; digits beyond that only break exact ties, so a longer input can
 * be off by one unit in the last place in rare cases. Exactness costs
 * stack, not heap: the double functions use about 550 bytes of it.
 */
#ifndef SL_CODEC_DECIMAL_H
#define SL_CODEC_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/config.h"
#include "sidelink/err.h"

/* Room for any formatted integer: "-9223372036854775808" or 20 digits of a uint64. */
#define SL_DEC_INT_MAX 20
/* Room for any formatted double, e.g. "-0.000000000001234567890123456789". */
#define SL_DEC_DOUBLE_MAX 32
/* Significant digits a parsed double keeps exactly (see above). */
#define SL_DEC_MAX_DIGITS 40

/* Write v in decimal (no NUL) into out[SL_DEC_INT_MAX]; returns the length. */
size_t sl_dec_format_u64(uint64_t v, char *out);
size_t sl_dec_format_i64(int64_t v, char *out);

/* v / d for a divisor 1..65535 with 32-bit arithmetic only (no 64-bit
 * division routine on targets without one); the remainder into *rem. */
uint64_t sl_dec_div_small(uint64_t v, uint16_t d, uint32_t *rem);

/* Optional sign, then one or more digits (leading zeros allowed).
 * SL_ERR_INVALID for anything else, SL_ERR_RANGE when the value does not
 * fit (for the unsigned form also any negative value but "-0"). */
sl_err sl_dec_parse_i64(const uint8_t *s, size_t len, int64_t *out);
sl_err sl_dec_parse_u64(const uint8_t *s, size_t len, uint64_t *out);

/* An ID in canonical decimal: 1..5 digits, no sign, no leading zero (but
 * "0" itself), at most max (<= 65535). SL_ERR_INVALID otherwise. */
sl_err sl_dec_parse_id(const uint8_t *s, size_t len, uint32_t max, uint16_t *out);

/* The double functions exist with SL_CONFIG_FLOAT only. */
#if SL_CONFIG_FLOAT
/* Write v into out[SL_DEC_DOUBLE_MAX] (no NUL) and its length into *len.
 * SL_ERR_RANGE for NaN and infinities, which plain text cannot carry. */
sl_err sl_dec_format_double(double v, char *out, size_t *len);

/* [+-] digits [. digits] [(e|E) [+-] digits], with at least one digit
 * before or after the point. SL_ERR_INVALID on bad syntax, SL_ERR_RANGE
 * when the magnitude overflows a double; values below the smallest
 * subnormal round to (signed) zero. */
sl_err sl_dec_parse_double(const uint8_t *s, size_t len, double *out);
#endif

#endif
