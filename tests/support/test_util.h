/* Helpers shared by the unit tests: hex, vector files. */
#ifndef SL_TEST_UTIL_H
#define SL_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* Decode hex (whitespace ignored) into out; returns the byte count, or -1 on
 * bad hex or overflow. */
int test_hex(const char *hex, uint8_t *out, size_t cap);

/* Read a file under tests/vectors into a NUL-terminated heap buffer, or fail
 * the test. The caller frees it. */
char *test_read_vector(const char *name, size_t *len);

/* Assert that buf[0..len) equals the bytes written as hex. */
#define assert_hex_equal(hex, buf, len) test_assert_hex_equal((hex), (buf), (len), __FILE__, __LINE__)
void test_assert_hex_equal(const char *hex, const uint8_t *buf, size_t len,
                           const char *file, int line);

#endif
