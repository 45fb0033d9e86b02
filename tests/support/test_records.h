/* Records in tests: building paths, values and records, comparing them, and
 * driving a data codec through its Content-Format (codec/data.h), so every
 * codec's tests check encode/decode the same way. */
#ifndef SL_TEST_RECORDS_H
#define SL_TEST_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "sidelink/types.h"

struct sl_path tr_path(const char *s); /* fails the test on a bad path */
struct sl_record tr_rec(const char *path, struct sl_value v);
struct sl_value tr_val(uint8_t type);  /* a zeroed value of that type */
struct sl_value tr_v_bytes(uint8_t type, const void *p, size_t len);
struct sl_value tr_v_str(const char *s);

void tr_assert_value_equal(const struct sl_value *a, const struct sl_value *b);
void tr_assert_record_equal(const struct sl_record *a, const struct sl_record *b);

/* Decode hex as `format` under `base`: the n records of want, then `final`
 * (SL_ERR_END or an error), which must then stick. The input is copied to a
 * buffer of its exact size, so ASan sees any over-read. */
void tr_expect_decode(uint16_t format, const char *base, const char *hex,
                      const struct sl_record *want, size_t n, sl_err final);
/* Encode records as `format`; returns the length. */
size_t tr_encode(uint16_t format, const char *base, const struct sl_record *recs, size_t n,
                 uint8_t *out, size_t cap);
/* Encode to exactly hex, and decode hex back to the records. */
void tr_roundtrip(uint16_t format, const char *base, const struct sl_record *recs, size_t n,
                  const char *hex);

#endif
