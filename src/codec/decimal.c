/* Decimal conversions, exact where it matters.
 *
 * A double is m * 2^e and a decimal string is D * 10^k. Converting between
 * them exactly needs integers wider than 64 bits, so this file carries a
 * tiny fixed-size big integer on the stack (no heap, no tables): the
 * largest operand is about 1280 bits (10^364 for a 40-digit input near the
 * smallest subnormal, shifted for a 64-bit quotient). Short numbers make
 * short big integers, so the common case stays cheap, and no floating-point
 * arithmetic is needed at all: on a Cortex-M3 that keeps the soft-float
 * multiply and divide out of the image.
 */
#include "codec/decimal.h"

#include <stdbool.h>
#include <string.h>

uint64_t sl_dec_div_small(uint64_t v, uint16_t d, uint32_t *rem)
{
    /* long division in 16-bit digits: each step divides a value below
     * d * 2^16 <= 2^32, which a 32-bit divide instruction does */
    uint64_t q = 0;
    uint32_t r = 0;
    /* the top digit each time, shifting v up: fixed shifts only */
    for (int k = 0; k < 4; k++, v <<= 16) {
        uint32_t cur = r << 16 | (uint32_t)(v >> 48);
        q = q << 16 | cur / d;
        r = cur % d;
    }
    *rem = r;
    return q;
}

size_t sl_dec_format_u64(uint64_t v, char *out)
{
    char tmp[SL_DEC_INT_MAX];
    size_t n = 0;
    do {
        uint32_t digit;
        v = sl_dec_div_small(v, 10, &digit);
        tmp[n++] = (char)('0' + digit);
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t sl_dec_format_i64(int64_t v, char *out)
{
    if (v >= 0)
        return sl_dec_format_u64((uint64_t)v, out);
    out[0] = '-';
    /* 0 - (uint64_t)v is |v| even for INT64_MIN */
    return 1 + sl_dec_format_u64(0 - (uint64_t)v, out + 1);
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* An optional sign, then the digits of an unsigned decimal to the end:
 * the magnitude in *acc while it stays <= neg_limit after a '-', else
 * <= pos_limit (one scan for both parsers). SL_ERR_INVALID for no digits
 * or a non-digit (checked over the whole input first, so garbage is never
 * reported as a range error). */
static sl_err parse_digits(const uint8_t *s, size_t len, uint64_t pos_limit, uint64_t neg_limit,
                           bool *neg, uint64_t *acc)
{
    size_t i = 0;
    *neg = false;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        *neg = s[0] == '-';
        i = 1;
    }
    uint64_t limit = *neg ? neg_limit : pos_limit;
    if (i == len)
        return SL_ERR_INVALID;
    for (size_t j = i; j < len; j++) {
        if (!is_digit(s[j]))
            return SL_ERR_INVALID;
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        /* v * 10 + d > limit, without a 64-bit division */
        if (v > UINT64_MAX / 10 || v * 10 > limit - d)
            return SL_ERR_RANGE;
        v = v * 10 + d;
    }
    *acc = v;
    return SL_OK;
}

sl_err sl_dec_parse_id(const uint8_t *s, size_t len, uint32_t max, uint16_t *out)
{
    uint32_t v = 0;
    if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
        return SL_ERR_INVALID;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return SL_ERR_INVALID;
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    if (v > max)
        return SL_ERR_INVALID;
    *out = (uint16_t)v;
    return SL_OK;
}

sl_err sl_dec_parse_i64(const uint8_t *s, size_t len, int64_t *out)
{
    bool neg;
    uint64_t v;
    sl_err err = parse_digits(s, len, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, &neg, &v);
    if (err != SL_OK)
        return err;
    /* -(v - 1) - 1 reaches INT64_MIN without overflowing */
    *out = neg && v ? -(int64_t)(v - 1) - 1 : (int64_t)v;
    return SL_OK;
}

sl_err sl_dec_parse_u64(const uint8_t *s, size_t len, uint64_t *out)
{
    bool neg;
    uint64_t v;
    sl_err err = parse_digits(s, len, UINT64_MAX, UINT64_MAX, &neg, &v);
    if (err != SL_OK)
        return err;
    if (neg && v != 0)
        return SL_ERR_RANGE;
    *out = v;
    return SL_OK;
}

#if SL_CONFIG_FLOAT
/* 1408 bits; the bounds quoted at each use stay below 1280. */
#define BIG_WORDS 44

struct big {
    uint32_t w[BIG_WORDS]; /* little-endian words */
    unsigned n;            /* words in use; w[n - 1] != 0 unless n == 0 */
};

static unsigned bitlen64(uint64_t v)
{
    unsigned n = 0;
    while (v) {
        n++;
        v >>= 1;
    }
    return n;
}

static void big_set(struct big *b, uint64_t v)
{
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = (v >> 32) ? 2 : (v ? 1 : 0);
}

/* b = b * m + add. False when the result would not fit (never, within the
 * bounds above, but a total function must not write past the array). */
static bool big_muladd(struct big *b, uint32_t m, uint32_t add)
{
    uint64_t carry = add;
    for (unsigned i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        if (b->n == BIG_WORDS)
            return false;
        b->w[b->n++] = (uint32_t)carry;
    }
    return true;
}

static bool big_mul_pow5(struct big *b, unsigned k)
{
    static const uint32_t pow5[13] = { 1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u,
                                       390625u, 1953125u, 9765625u, 48828125u, 244140625u };
    while (k >= 13) {
        if (!big_muladd(b, 1220703125u, 0)) /* 5^13, the largest power in 32 bits */
            return false;
        k -= 13;
    }
    return big_muladd(b, pow5[k], 0);
}

static bool big_shl(struct big *b, unsigned bits)
{
    if (b->n == 0)
        return true;
    unsigned words = bits / 32, r = bits % 32, n = b->n;
    uint32_t top = r ? b->w[n - 1] >> (32 - r) : 0;
    unsigned nn = n + words + (top ? 1u : 0u);
    if (nn > BIG_WORDS)
        return false;
    if (top)
        b->w[n + words] = top;
    /* from the top down, so every source word is read before it is overwritten */
    for (unsigned i = n; i-- > 0;) {
        uint32_t low = (r && i > 0) ? b->w[i - 1] >> (32 - r) : 0;
        b->w[i + words] = (b->w[i] << r) | low;
    }
    memset(b->w, 0, words * sizeof b->w[0]);
    b->n = nn;
    return true;
}

static void big_shr1(struct big *b)
{
    for (unsigned i = 0; i < b->n; i++) {
        uint32_t high = (i + 1 < b->n) ? b->w[i + 1] << 31 : 0;
        b->w[i] = (b->w[i] >> 1) | high;
    }
    if (b->n && b->w[b->n - 1] == 0)
        b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (unsigned i = a->n; i-- > 0;) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

/* a -= b, where a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    uint64_t borrow = 0;
    for (unsigned i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        a->w[i] = (uint32_t)t;
        borrow = t >> 63; /* wrapped below zero */
    }
    while (a->n && a->w[a->n - 1] == 0)
        a->n--;
}

static unsigned big_bitlen(const struct big *b)
{
    return b->n ? (b->n - 1) * 32 + bitlen64(b->w[b->n - 1]) : 0;
}

/* The top 64 bits of b (b == q * 2^shift + rest); *sticky says rest != 0. */
static uint64_t big_top64(const struct big *b, unsigned *shift, bool *sticky)
{
    unsigned len = big_bitlen(b);
    if (len <= 64) {
        *shift = 0;
        *sticky = false;
        return (b->n > 0 ? b->w[0] : 0) | (b->n > 1 ? (uint64_t)b->w[1] << 32 : 0);
    }
    unsigned sh = len - 64, wi = sh / 32, r = sh % 32;
    uint64_t lo = b->w[wi];
    uint64_t mid = wi + 1 < b->n ? b->w[wi + 1] : 0;
    uint64_t hi = wi + 2 < b->n ? b->w[wi + 2] : 0;
    uint64_t q = r ? (lo >> r) | (mid << (32 - r)) | (hi << (64 - r)) : lo | (mid << 32);
    bool st = r ? (b->w[wi] & ((1u << r) - 1)) != 0 : false;
    for (unsigned i = 0; i < wi && !st; i++)
        st = b->w[i] != 0;
    *shift = sh;
    *sticky = st;
    return q;
}

/* Round q * 2^s (plus a nonzero fraction below q's last bit when sticky) to
 * the nearest double, ties to even, into IEEE bits without the sign. */
static sl_err make_double(uint64_t q, int32_t s, bool sticky, uint64_t *bits)
{
    int32_t len = (int32_t)bitlen64(q);
    int32_t e = s + len - 1; /* q * 2^s lies in [2^e, 2^(e+1)) */
    if (e > 1023)
        return SL_ERR_RANGE;
    bool normal = e >= -1022;
    /* bits of q below the result's last place: 53 significant bits for a
     * normal number, a last place of 2^-1074 for a subnormal */
    int32_t drop = normal ? len - 53 : -1074 - s;
    uint64_t mant;
    if (drop <= 0) {
        /* exact; sticky is only ever set with q of 62+ bits, so drop > 0 */
        mant = q << -drop;
    } else if (drop > 64) {
        mant = 0; /* below half the smallest subnormal */
    } else {
        uint64_t rem = drop == 64 ? q : q & ((UINT64_C(1) << drop) - 1);
        uint64_t half = UINT64_C(1) << (drop - 1);
        mant = drop == 64 ? 0 : q >> drop;
        if (rem > half || (rem == half && (sticky || (mant & 1))))
            mant++;
    }
    if (!normal) {
        /* a carry into 2^52 yields the smallest normal's bits, as it should */
        *bits = mant;
        return SL_OK;
    }
    /* mant holds the hidden bit, so adding it carries a rounding overflow
     * (mant == 2^53) into the exponent field by itself */
    uint64_t b = ((uint64_t)(e + 1022) << 52) + mant;
    if ((b >> 52) >= 0x7FF)
        return SL_ERR_RANGE;
    *bits = b;
    return SL_OK;
}

static double bits_to_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The double nearest to D * 10^exp10 (D: nd digits 0..9, dig[0] != 0,
 * nd <= SL_DEC_MAX_DIGITS); `truncated` says nonzero digits followed. */
static sl_err digits_to_double(const uint8_t *dig, unsigned nd, int32_t exp10, bool truncated,
                               bool neg, double *out)
{
    uint64_t sign = neg ? UINT64_C(1) << 63 : 0;
    int32_t mag = (int32_t)nd + exp10; /* value in [10^(mag-1), 10^mag) */
    if (mag > 309)
        return SL_ERR_RANGE;
    if (mag < -323) { /* below 1e-324, under half the smallest subnormal */
        *out = bits_to_double(sign);
        return SL_OK;
    }
    /* here -363 <= exp10 <= 308 */
    struct big d;
    d.n = 0;
    for (unsigned i = 0; i < nd; i++) {
        if (!big_muladd(&d, 10, dig[i]))
            return SL_ERR_RANGE;
    }
    uint64_t q;
    int32_t s;
    bool sticky;
    if (exp10 >= 0) {
        /* D * 10^exp10 < 10^309, about 1027 bits */
        unsigned sh;
        if (!big_mul_pow5(&d, (unsigned)exp10) || !big_shl(&d, (unsigned)exp10))
            return SL_ERR_RANGE;
        q = big_top64(&d, &sh, &sticky);
        s = (int32_t)sh;
    } else {
        /* D / 10^-exp10: scale so the quotient has 63 or 64 bits, then
         * divide bit by bit (10^363 is about 1206 bits, plus 64 of shift) */
        struct big den;
        big_set(&den, 1);
        if (!big_mul_pow5(&den, (unsigned)-exp10) || !big_shl(&den, (unsigned)-exp10))
            return SL_ERR_RANGE;
        int32_t t = (int32_t)big_bitlen(&den) - (int32_t)big_bitlen(&d) + 63;
        bool ok = t >= 0 ? big_shl(&d, (unsigned)t) : big_shl(&den, (unsigned)-t);
        if (!ok || !big_shl(&den, 63))
            return SL_ERR_RANGE;
        q = 0;
        for (int i = 63; i >= 0; i--) {
            if (big_cmp(&d, &den) >= 0) {
                big_sub(&d, &den);
                q |= UINT64_C(1) << i;
            }
            big_shr1(&den);
        }
        sticky = d.n != 0;
        s = -t;
    }
    uint64_t bits;
    sl_err err = make_double(q, s, sticky || truncated, &bits);
    if (err != SL_OK)
        return err;
    *out = bits_to_double(bits | sign);
    return SL_OK;
}

/* Out of line on purpose: inlined into the formatter, its big integers
 * would share a stack frame with the reader's that the formatter calls. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The first 18 significant digits of m * 2^e (> 0), exactly, with x =
 * d0.d1d2... * 10^k; *sticky says more nonzero digits follow. */
static NOINLINE sl_err exact_digits(uint64_t m, int32_t e, uint8_t dig[18], int32_t *k_out, bool *sticky)
{
    struct big r, s;
    big_set(&r, m);
    big_set(&s, 1);
    bool ok = e >= 0 ? big_shl(&r, (unsigned)e) : big_shl(&s, (unsigned)-e);
    /* 78913 / 2^18 is within 8e-7 of log10(2), so over |e2| <= 1074 the
     * floor below is floor(log10(x)) give or take one; adding 2 makes k an
     * overestimate by at most 3, which the loop below walks down without
     * needing a third big integer for 10 * s */
    int64_t e2 = (int64_t)e + (int64_t)bitlen64(m) - 1;
    int64_t num = e2 * 78913;
    int32_t k = (int32_t)(num >= 0 ? num / 262144 : -((-num + 262143) / 262144)) + 2;
    if (k >= 0)
        ok = ok && big_mul_pow5(&s, (unsigned)k) && big_shl(&s, (unsigned)k);
    else
        ok = ok && big_mul_pow5(&r, (unsigned)-k) && big_shl(&r, (unsigned)-k);
    /* now x = r / s * 10^k with r / s < 1; fix k so that 1 <= r / s < 10 */
    while (ok && big_cmp(&r, &s) < 0) {
        k--;
        ok = big_muladd(&r, 10, 0);
    }
    for (int i = 0; ok && i < 18; i++) {
        uint8_t d = 0;
        while (big_cmp(&r, &s) >= 0 && d < 9) {
            big_sub(&r, &s);
            d++;
        }
        dig[i] = d;
        ok = big_muladd(&r, 10, 0);
    }
    *k_out = k;
    *sticky = r.n != 0;
    return ok ? SL_OK : SL_ERR_RANGE;
}

sl_err sl_dec_format_double(double v, char *out, size_t *len)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    unsigned bexp = (unsigned)(bits >> 52) & 0x7FF;
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    if (bexp == 0x7FF)
        return SL_ERR_RANGE;
    size_t n = 0;
    if (bits >> 63)
        out[n++] = '-';
    if (bexp == 0 && frac == 0) {
        out[n++] = '0';
        *len = n;
        return SL_OK;
    }
    uint64_t m = bexp ? frac | (UINT64_C(1) << 52) : frac;
    int32_t e = bexp ? (int32_t)bexp - 1075 : -1074;
    uint64_t want = bits & ~(UINT64_C(1) << 63);

    uint8_t dig[18];
    int32_t k;
    bool sticky;
    sl_err err = exact_digits(m, e, dig, &k, &sticky);
    if (err != SL_OK)
        return err;

    /* Try 1, 2, ... 17 digits, each correctly rounded from the exact
     * expansion, and keep the first that reads back as the same double.
     * 17 always does. */
    uint8_t c[17];
    unsigned nd = 17;
    int32_t kk = k;
    for (unsigned p = 1; p <= 17; p++) {
        memcpy(c, dig, p);
        kk = k;
        bool rest = sticky;
        for (unsigned i = p + 1; i < 18; i++)
            rest = rest || dig[i] != 0;
        uint8_t next = dig[p];
        if (next > 5 || (next == 5 && (rest || (c[p - 1] & 1)))) {
            int i = (int)p - 1;
            while (i >= 0 && c[i] == 9)
                c[i--] = 0;
            if (i < 0) {
                c[0] = 1; /* 99.9 -> 100 */
                kk++;
            } else {
                c[i]++;
            }
        }
        nd = p;
        while (nd > 1 && c[nd - 1] == 0)
            nd--;
        double back;
        uint64_t back_bits;
        if (digits_to_double(c, nd, kk - (int32_t)nd + 1, false, false, &back) == SL_OK) {
            memcpy(&back_bits, &back, sizeof back_bits);
            if (back_bits == want)
                break;
        }
    }

    if (kk >= -12 && kk <= 20) {
        if (kk >= 0) {
            for (int32_t i = 0; i <= kk; i++)
                out[n++] = (char)('0' + ((unsigned)i < nd ? c[i] : 0));
            if (nd > (unsigned)kk + 1) {
                out[n++] = '.';
                for (unsigned i = (unsigned)kk + 1; i < nd; i++)
                    out[n++] = (char)('0' + c[i]);
            }
        } else {
            out[n++] = '0';
            out[n++] = '.';
            for (int32_t i = 0; i < -kk - 1; i++)
                out[n++] = '0';
            for (unsigned i = 0; i < nd; i++)
                out[n++] = (char)('0' + c[i]);
        }
    } else {
        out[n++] = (char)('0' + c[0]);
        if (nd > 1) {
            out[n++] = '.';
            for (unsigned i = 1; i < nd; i++)
                out[n++] = (char)('0' + c[i]);
        }
        out[n++] = 'e';
        n += sl_dec_format_i64(kk, out + n);
    }
    *len = n;
    return SL_OK;
}

/* Exponent bookkeeping saturates here: beyond it every value is 0 or
 * overflows, and saturating keeps absurdly long inputs from wrapping. */
#define EXP_LIMIT 1000000

sl_err sl_dec_parse_double(const uint8_t *s, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    uint8_t dig[SL_DEC_MAX_DIGITS];
    unsigned nd = 0;
    bool truncated = false, any = false;
    int64_t exp10 = 0;
    for (; i < len && is_digit(s[i]); i++) {
        uint8_t d = (uint8_t)(s[i] - '0');
        any = true;
        if (nd == 0 && d == 0)
            continue; /* leading zero */
        if (nd < SL_DEC_MAX_DIGITS) {
            dig[nd++] = d;
        } else {
            truncated = truncated || d != 0;
            if (exp10 < EXP_LIMIT)
                exp10++;
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++) {
            uint8_t d = (uint8_t)(s[i] - '0');
            any = true;
            if (nd == 0 && d == 0) {
                if (exp10 > -EXP_LIMIT)
                    exp10--;
            } else if (nd < SL_DEC_MAX_DIGITS) {
                dig[nd++] = d;
                exp10--;
            } else {
                truncated = truncated || d != 0;
            }
        }
    }
    if (!any)
        return SL_ERR_INVALID;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == len || !is_digit(s[i]))
            return SL_ERR_INVALID;
        int64_t ev = 0;
        for (; i < len && is_digit(s[i]); i++) {
            if (ev < EXP_LIMIT)
                ev = ev * 10 + (s[i] - '0');
        }
        exp10 += eneg ? -ev : ev;
    }
    if (i != len)
        return SL_ERR_INVALID;
    if (nd == 0) {
        *out = bits_to_double(neg ? UINT64_C(1) << 63 : 0);
        return SL_OK;
    }
    while (nd > 1 && dig[nd - 1] == 0) {
        nd--;
        exp10++;
    }
    if (exp10 > EXP_LIMIT)
        exp10 = EXP_LIMIT;
    if (exp10 < -EXP_LIMIT)
        exp10 = -EXP_LIMIT;
    return digits_to_double(dig, nd, (int32_t)exp10, truncated, neg, out);
}
#endif /* SL_CONFIG_FLOAT */
