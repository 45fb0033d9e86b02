/* Fuzz the TLV decoder under every base level, the value converter on
 * every record, and check that re-encoding what was decoded reads back as
 * the same records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tlv.h"
#include "codec/value.h"

#define MAX_RECS 64

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

static int decode_all(const struct sl_path *base, const uint8_t *data, size_t size, struct sl_record *recs)
{
    struct sl_tlv_dec d;
    sl_tlv_dec_init(&d, base, data, size);
    int n = 0;
    /* every record consumes at least two bytes, so this bounds the loop */
    for (size_t guard = 0; guard <= size / 2 + 1; guard++) {
        struct sl_record r;
        sl_err err = sl_tlv_dec_next(&d, &r);
        if (err != SL_OK) {
            CHECK(sl_tlv_dec_next(&d, &r) == err); /* sticky */
            return err == SL_ERR_END ? n : -1;
        }
        CHECK(r.path.len >= base->len && r.path.len <= 4 && r.path.len >= 2);
        for (int k = 0; k < base->len; k++)
            CHECK(r.path.id[k] == base->id[k]);
        if (r.value.type == SL_TYPE_RAW_TLV) {
            CHECK(r.path.len >= 3);
            CHECK(r.value.v.bytes.ptr >= data && r.value.v.bytes.len <= size &&
                  r.value.v.bytes.ptr + r.value.v.bytes.len <= data + size);
            uint8_t scratch[16];
            for (uint8_t t = 0; t <= SL_TYPE_RAW_TEXT; t++) {
                struct sl_value out;
                sl_err cerr = sl_value_convert_buf(&r.value, t, &out, scratch, sizeof scratch);
                CHECK(cerr == SL_OK || cerr == SL_ERR_TYPE || cerr == SL_ERR_RANGE);
                if (cerr == SL_OK && t == SL_TYPE_INT) {
                    /* a TLV integer re-encodes to at most its own length */
                    uint8_t b[8];
                    CHECK(sl_tlv_int_encode(out.v.i, b) <= r.value.v.bytes.len);
                }
            }
        } else {
            CHECK(r.value.type == SL_TYPE_NONE);
            CHECK(r.path.len == 2 || r.path.len == 3);
        }
        if (n < MAX_RECS)
            recs[n] = r;
        n++;
    }
    abort(); /* the decoder did not end */
}

static bool same_records(const struct sl_record *a, const struct sl_record *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (!sl_path_equal(&a[i].path, &b[i].path) || a[i].value.type != b[i].value.type)
            return false;
        if (a[i].value.type == SL_TYPE_RAW_TLV &&
            (a[i].value.v.bytes.len != b[i].value.v.bytes.len ||
             memcmp(a[i].value.v.bytes.ptr, b[i].value.v.bytes.ptr, a[i].value.v.bytes.len) != 0))
            return false;
    }
    return true;
}

/* Records in strictly increasing order with real instance IDs can be
 * written again; reading that must give them back. */
static void reencode(const struct sl_path *base, const struct sl_record *recs, int n)
{
    struct sl_record typed[MAX_RECS];
    for (int i = 0; i < n; i++) {
        if (recs[i].path.id[1] == SL_ID_NONE)
            return;
        if (i > 0 && sl_path_compare(&recs[i - 1].path, &recs[i].path) >= 0)
            return;
        typed[i] = recs[i];
        if (typed[i].value.type == SL_TYPE_RAW_TLV)
            typed[i].value.type = SL_TYPE_OPAQUE;
    }
    static uint8_t buf[70000];
    struct sl_wbuf w;
    struct sl_tlv_enc e;
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_err err = sl_tlv_enc_begin(&e, &w, base);
    for (int i = 0; i < n && err == SL_OK; i++)
        err = sl_tlv_enc_record(&e, &typed[i]);
    if (err == SL_OK)
        err = sl_tlv_enc_end(&e);
    if (err != SL_OK) {
        /* only a single-valued record after its own instances is refused */
        CHECK(err == SL_ERR_INVALID);
        return;
    }
    /* an empty-instance record followed by records inside that instance
     * (two TLVs with one instance ID) is written as one instance */
    struct sl_record want[MAX_RECS];
    int nw = 0;
    for (int i = 0; i < n; i++) {
        if (recs[i].path.len == 2 && i + 1 < n && sl_path_within(&recs[i + 1].path, &recs[i].path))
            continue;
        want[nw++] = recs[i];
    }
    struct sl_record again[MAX_RECS];
    CHECK(decode_all(base, buf, w.len, again) == nw);
    CHECK(same_records(want, again, nw));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sl_path bases[] = {
        sl_path_make(0, 0, 0, 0, 0),     sl_path_make(1, 3, 0, 0, 0), sl_path_make(2, 3, 0, 0, 0),
        sl_path_make(3, 3, 0, 7, 0),     sl_path_make(4, 3, 0, 7, 1), sl_path_make(3, 1, 2, 0, 0),
        sl_path_make(4, 65534, 65534, 65534, 0),
    };
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        static struct sl_record recs[MAX_RECS];
        int n = decode_all(&bases[b], data, size, recs);
        if (bases[b].len == 0)
            CHECK(n == -1); /* TLV cannot say which object */
        if (n > 0 && n <= MAX_RECS)
            reencode(&bases[b], recs, n);
    }
    /* the value helpers on raw bytes */
    struct sl_tlv_header h;
    if (sl_tlv_header_parse(data, size, &h) == SL_OK)
        CHECK(h.size + h.len <= size && h.id <= SL_ID_MAX);
    int64_t i;
    uint64_t u;
    double f;
    if (sl_tlv_int_decode(data, size, &i) == SL_OK) {
        uint8_t b[8];
        size_t n = sl_tlv_int_encode(i, b);
        CHECK(n <= size);
        int64_t back;
        CHECK(sl_tlv_int_decode(b, n, &back) == SL_OK && back == i);
    }
    if (sl_tlv_uint_decode(data, size, &u) == SL_OK) {
        uint8_t b[8];
        uint64_t back;
        size_t n = sl_tlv_uint_encode(u, b);
        CHECK(sl_tlv_uint_decode(b, n, &back) == SL_OK && back == u);
    }
    if (sl_tlv_float_decode(data, size, &f) == SL_OK) {
        uint8_t b[8];
        double back;
        size_t n = sl_tlv_float_encode(f, b);
        CHECK(sl_tlv_float_decode(b, n, &back) == SL_OK);
        CHECK(memcmp(&back, &f, sizeof f) == 0 || (f != f && back != back));
    }
    return 0;
}
