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

/* 0..63, or -1 for a byte outside the alphabet */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
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
        char q[4] = { b64_char(v >> 18), b64_char((v >> 12) & 63),
                      left > 1 ? b64_char((v >> 6) & 63) : '=', left > 2 ? b64_char(v & 63) : '=' };
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
    size_t len = n - pad, full = len / 4, tail = len % 4;
    if (tail == 1)
        return SL_ERR_INVALID; /* 6 bits cannot end a byte */
    if (full * 3 + (tail ? tail - 1 : 0) > cap)
        return SL_ERR_OVERFLOW;
    size_t o = 0;
    uint32_t v;
    /* each group is read whole before its bytes are written: in-place safe */
    for (size_t i = 0; i < full; i++) {
        if (!decode_group(src + 4 * i, 4, &v))
            return SL_ERR_INVALID;
        dst[o++] = (uint8_t)(v >> 16);
        dst[o++] = (uint8_t)(v >> 8);
        dst[o++] = (uint8_t)v;
    }
    if (tail) {
        if (!decode_group(src + 4 * full, tail, &v))
            return SL_ERR_INVALID;
        /* the bits after the last whole byte must be zero (canonical) */
        if (v & (tail == 2 ? 0xFFFFu : 0xFFu))
            return SL_ERR_INVALID;
        dst[o++] = (uint8_t)(v >> 16);
        if (tail == 3)
            dst[o++] = (uint8_t)(v >> 8);
    }
    *out_len = o;
    return SL_OK;
}
