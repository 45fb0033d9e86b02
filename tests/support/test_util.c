#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int test_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            continue;
        int v = hex_nibble(*p);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (int)n : -1;
}

char *test_read_vector(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SL_TEST_VECTORS_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open vector file %s", path);
    if (fseek(f, 0, SEEK_END) != 0)
        fail_msg("cannot seek %s", path);
    long sz = ftell(f);
    if (sz < 0 || fseek(f, 0, SEEK_SET) != 0)
        fail_msg("cannot size %s", path);
    char *buf = malloc((size_t)sz + 1);
    assert_non_null(buf);
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz)
        fail_msg("short read of %s", path);
    fclose(f);
    buf[sz] = '\0';
    if (len)
        *len = (size_t)sz;
    return buf;
}

void test_assert_hex_equal(const char *hex, const uint8_t *buf, size_t len,
                           const char *file, int line)
{
    uint8_t want[4096];
    int n = test_hex(hex, want, sizeof want);
    if (n < 0)
        fail_msg("%s:%d: bad hex literal", file, line);
    if ((size_t)n != len || memcmp(want, buf, len) != 0) {
        char got[8193];
        size_t k = 0;
        for (size_t i = 0; i < len && k + 2 < sizeof got; i++)
            k += (size_t)snprintf(got + k, sizeof got - k, "%02x", buf[i]);
        got[k] = '\0';
        fail_msg("%s:%d: bytes differ\n want %s\n got  %s", file, line, hex, got);
    }
}
