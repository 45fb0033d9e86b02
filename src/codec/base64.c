/* Base64, RFC 4648 section 4. */
#include "codec/base64.h"

#include <stdbool.h>

static char b64_char(unsigned v)
{
    /* arithmetic instead of a 64-byte table: this runs rarely and ROM is scarce */
    if (v < 26)
        return (char)('A' + v);
    if (v < 52)
        return (char)('a' + (v - 26));
    if (v < 62)
        return (char)('0' + (v - 52));
    return v == 62 ? '+' : '/';
}

/* 0..63, or -1 for a byte outside the alphabet: a search through the
 * encoder's mapping, which keeps a second mapping out of ROM (decoding
 * runs rarely, on short values) */
static int b64_value(uint8_t c)
{
    for (unsigned v = 0; v < 64; v++)
        if ((uint8_t)b64_char(v) == c)
            return (int)v;
    return -1;
}

size_t sl_base64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

sl_err sl_base64_encode(struct sl_wbuf *w, const uint8_t *src, size_t n)
{
    if (n / 3 >= (SIZE_MAX / 4) || sl_base64_encoded_len(n) > sl_wbuf_room(w))
        return SL_ERR_OVERFLOW;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        uint32_t v = (uint32_t)src[i] << 16;
        if (left > 1)
            v |= (uint32_t)src[i + 1] << 8;
        if (left > 2)
            v |= src[i + 2];
        /* 6-bit groups j = 0..3; those past the input's `left` bytes are padding */
        char q[4];
        for (size_t j = 0; j < 4; j++)
            q[j] = j <= left ? b64_char((v >> (18 - 6 * j)) & 63) : '=';
        (void)sl_wbuf_put(w, q, 4); /* room checked above */
    }
    return SL_OK;
}

/* Four characters (or the first k of them, the rest taken as 'A') as 24 bits. */
static bool decode_group(const uint8_t *s, size_t k, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t j = 0; j < 4; j++) {
        int c = j < k ? b64_value(s[j]) : 0;
        if (c < 0)
            return false;
        v = v << 6 | (uint32_t)c;
    }
    *out = v;
    return true;
}

sl_err sl_base64_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len)
{
    /* strip the padding: at most two '=', and only where a group ends */
    size_t pad = 0;
    if (n % 4 == 0 && n >= 4) {
        if (src[n - 1] == '=')
            pad++;
        if (pad && src[n - 2] == '=')
            pad++;
    }
    size_t len = n - pad, tail = len % 4;
    if (tail == 1)
        return SL_ERR_INVALID; /* 6 bits cannot end a byte */
    if (len / 4 * 3 + (tail ? tail - 1 : 0) > cap)
        return SL_ERR_OVERFLOW;
    size_t o = 0;
    /* each group is read whole before its bytes are written: in-place safe;
     * the last one may be short (k of 2 or 3 characters, k - 1 bytes) */
    for (size_t i = 0; i < len; i += 4) {
        size_t k = len - i < 4 ? len - i : 4;
        uint32_t v;
        if (!decode_group(src + i, k, &v))
            return SL_ERR_INVALID;
        /* the bits after the last whole byte (k - 1 of them) must be zero
         * (canonical); a whole group has none */
        if (v & (0xFFFFFFu >> (8 * (k - 1))))
            return SL_ERR_INVALID;
        for (size_t j = 0; j + 1 < k; j++)
            dst[o++] = (uint8_t)(v >> (16 - 8 * j));
    }
    *out_len = o;
    return SL_OK;
}
