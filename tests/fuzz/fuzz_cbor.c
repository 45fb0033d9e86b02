/* libFuzzer target: the CBOR decoder on arbitrary bytes, plus a
 * re-encoding check: every complete item the decoder accepts is written
 * again with our encoder, and that must decode to the same items and be a
 * fixed point of re-encoding (the encoder writes preferred form only). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/cbor.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

static int is_nan(double f)
{
    return f != f;
}

/* Re-encode every item of r (one complete top-level item) into w. */
static sl_err reencode(struct sl_cbor_reader *r, struct sl_wbuf *w)
{
    while (!sl_cbor_at_end(r)) {
        struct sl_cbor_item it;
        sl_err err = sl_cbor_read(r, &it);
        CHECK(err == SL_OK); /* it was skipped successfully before */
        switch (it.kind) {
        case SL_CBOR_UINT: err = sl_cbor_put_uint(w, it.arg); break;
        case SL_CBOR_NEGINT: err = sl_cbor_put_head(w, SL_CBOR_MAJOR_NEGINT, it.arg); break;
        case SL_CBOR_BYTES: err = sl_cbor_put_bytes(w, it.str, (size_t)it.arg); break;
        case SL_CBOR_TEXT: err = sl_cbor_put_text(w, (const char *)it.str, (size_t)it.arg); break;
        case SL_CBOR_ARRAY: err = sl_cbor_put_array(w, it.arg); break;
        case SL_CBOR_MAP: err = sl_cbor_put_map(w, it.arg); break;
        case SL_CBOR_TAG: err = sl_cbor_put_tag(w, it.arg); break;
        case SL_CBOR_FALSE:
        case SL_CBOR_TRUE: err = sl_cbor_put_bool(w, it.kind == SL_CBOR_TRUE); break;
        case SL_CBOR_NULL: err = sl_cbor_put_null(w); break;
        case SL_CBOR_UNDEFINED:
        case SL_CBOR_SIMPLE: err = sl_cbor_put_head(w, SL_CBOR_MAJOR_SIMPLE, it.arg); break;
        case SL_CBOR_FLOAT: err = sl_cbor_put_float(w, it.f); break;
        default: abort();
        }
        if (err != SL_OK)
            return err;
    }
    return SL_OK;
}

/* Same items, item by item (floats by value; NaN payloads may change). */
static void compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    struct sl_cbor_reader ra, rb;
    sl_cbor_reader_init(&ra, a, alen);
    sl_cbor_reader_init(&rb, b, blen);
    while (!sl_cbor_at_end(&ra)) {
        struct sl_cbor_item x, y;
        CHECK(sl_cbor_read(&ra, &x) == SL_OK);
        CHECK(sl_cbor_read(&rb, &y) == SL_OK);
        CHECK(x.kind == y.kind && x.major == y.major);
        if (x.kind == SL_CBOR_FLOAT) {
            if (is_nan(x.f))
                CHECK(is_nan(y.f));
            else
                CHECK(memcmp(&x.f, &y.f, sizeof x.f) == 0);
            continue;
        }
        CHECK(x.arg == y.arg);
        if (x.kind == SL_CBOR_BYTES || x.kind == SL_CBOR_TEXT)
            CHECK(memcmp(x.str, y.str, (size_t)x.arg) == 0);
    }
    CHECK(sl_cbor_at_end(&rb));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. item by item: stays inside the input, strings too */
    struct sl_cbor_reader r;
    sl_cbor_reader_init(&r, data, size);
    for (;;) {
        struct sl_cbor_item it;
        size_t before = r.pos;
        sl_err err = sl_cbor_read(&r, &it);
        if (err != SL_OK) {
            CHECK(r.pos == before);
            CHECK(err == SL_ERR_INVALID || err == SL_ERR_UNSUPPORTED);
            break;
        }
        CHECK(r.pos > before && r.pos <= size);
        if (it.kind == SL_CBOR_BYTES || it.kind == SL_CBOR_TEXT)
            CHECK(it.str >= data && it.arg <= (uint64_t)(data + size - it.str));
        if (it.kind == SL_CBOR_ARRAY)
            CHECK(it.arg <= size - r.pos);
        if (it.kind == SL_CBOR_MAP)
            CHECK(it.arg <= (size - r.pos) / 2);
    }

    /* 2. the typed readers at the start agree with sl_cbor_read */
    {
        struct sl_cbor_reader c;
        uint64_t u;
        int64_t i;
        const char *s;
        const uint8_t *p;
        size_t n;
        sl_cbor_reader_init(&c, data, size);
        (void)sl_cbor_read_uint(&c, &u);
        sl_cbor_reader_init(&c, data, size);
        if (sl_cbor_read_int(&c, &i) == SL_OK)
            CHECK(c.pos > 0);
        sl_cbor_reader_init(&c, data, size);
        if (sl_cbor_read_text(&c, &s, &n) == SL_OK)
            CHECK((const uint8_t *)s + n <= data + size);
        sl_cbor_reader_init(&c, data, size);
        if (sl_cbor_read_bytes(&c, &p, &n) == SL_OK)
            CHECK(p + n <= data + size);
        sl_cbor_reader_init(&c, data, size);
        if (sl_cbor_read_map_header(&c, &n) == SL_OK)
            CHECK(n <= size);
        sl_cbor_reader_init(&c, data, size);
        if (sl_cbor_read_array_header(&c, &n) == SL_OK)
            CHECK(n <= size);
    }

    /* 3. complete items: skip, then re-encode and compare */
    sl_cbor_reader_init(&r, data, size);
    /* preferred form is never longer, except half-width NaN payloads
     * which are never longer either: output fits the input size */
    uint8_t *out = malloc(size + 16);
    uint8_t *again = malloc(size + 16);
    CHECK(out && again);
    while (!sl_cbor_at_end(&r)) {
        size_t start = r.pos;
        sl_err err = sl_cbor_skip(&r);
        if (err != SL_OK) {
            CHECK(r.pos == start);
            CHECK(err == SL_ERR_INVALID || err == SL_ERR_UNSUPPORTED);
            break;
        }
        struct sl_cbor_reader one;
        sl_cbor_reader_init(&one, data + start, r.pos - start);
        struct sl_wbuf w;
        sl_wbuf_init(&w, out, size + 16);
        CHECK(reencode(&one, &w) == SL_OK);
        CHECK(w.len <= r.pos - start);
        compare(data + start, r.pos - start, out, w.len);

        /* the re-encoding is one complete item and a fixed point */
        struct sl_cbor_reader chk;
        sl_cbor_reader_init(&chk, out, w.len);
        CHECK(sl_cbor_skip(&chk) == SL_OK && sl_cbor_at_end(&chk));
        struct sl_wbuf w2;
        sl_wbuf_init(&w2, again, size + 16);
        sl_cbor_reader_init(&chk, out, w.len);
        CHECK(reencode(&chk, &w2) == SL_OK);
        CHECK(w2.len == w.len && memcmp(out, again, w.len) == 0);
    }
    free(out);
    free(again);
    return 0;
}
