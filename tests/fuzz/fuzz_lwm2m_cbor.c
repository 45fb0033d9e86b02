/* libFuzzer target: LwM2M CBOR. Decode every record under the root base;
 * then put the records in path order, encode them again and decode that:
 * the records must match (a differential check of encoder and decoder).
 * Inputs whose records cannot be one payload (duplicates, a path that is
 * both a value and a prefix of another) are refused by the encoder; that is
 * checked too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/lwm2m_cbor.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

/* What a record becomes after a trip: Time is written as a plain integer. */
static struct sl_value normalized(struct sl_value v)
{
    if (v.type == SL_TYPE_TIME)
        v.type = SL_TYPE_INT;
    return v;
}

static int value_equal(struct sl_value a, struct sl_value b)
{
    a = normalized(a);
    b = normalized(b);
    if (a.type != b.type)
        return 0;
    switch (a.type) {
    case SL_TYPE_NONE: return 1;
    case SL_TYPE_INT: return a.v.i == b.v.i;
    case SL_TYPE_UINT: return a.v.u == b.v.u;
    case SL_TYPE_FLOAT:
        if (a.v.f != a.v.f)
            return b.v.f != b.v.f;
        return memcmp(&a.v.f, &b.v.f, sizeof a.v.f) == 0;
    case SL_TYPE_BOOL: return a.v.b == b.v.b;
    default:
        return a.v.bytes.len == b.v.bytes.len &&
               (a.v.bytes.len == 0 || memcmp(a.v.bytes.ptr, b.v.bytes.ptr, a.v.bytes.len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    size_t cap = size / 2 + 1; /* each record takes at least a key and a value byte */
    struct sl_record *recs = malloc(cap * sizeof *recs);
    struct sl_lwm2m_cbor_dec d;
    size_t n = 0;
    sl_err err = SL_OK;
    sl_lwm2m_cbor_dec_init(&d, &root, data, size);
    while (n < cap && (err = sl_lwm2m_cbor_dec_next(&d, &recs[n])) == SL_OK) {
        CHECK(recs[n].path.len >= 1 && recs[n].path.len <= 4);
        for (int k = 0; k < recs[n].path.len; k++)
            CHECK(recs[n].path.id[k] <= SL_ID_MAX);
        n++;
    }
    CHECK(n < cap);
    CHECK(sl_lwm2m_cbor_dec_next(&d, &recs[n]) == err); /* sticky */
    if (err != SL_ERR_END) {
        free(recs);
        return 0;
    }

    /* path order (insertion sort: stable, inputs are small) */
    for (size_t i = 1; i < n; i++) {
        struct sl_record t = recs[i];
        size_t j = i;
        while (j > 0 && sl_path_compare(&recs[j - 1].path, &t.path) > 0) {
            recs[j] = recs[j - 1];
            j--;
        }
        recs[j] = t;
    }
    int conflict = 0;
    for (size_t i = 1; i < n; i++)
        conflict |= sl_path_within(&recs[i].path, &recs[i - 1].path);

    /* each record: 4 keys of 3 bytes, 4 heads, the value; plus slack */
    size_t outcap = 64;
    for (size_t k = 0; k < n; k++)
        outcap += 48 + ((recs[k].value.type == SL_TYPE_STRING ||
                         recs[k].value.type == SL_TYPE_OPAQUE)
                            ? recs[k].value.v.bytes.len
                            : 0);
    uint8_t *out = malloc(outcap);
    struct sl_wbuf w;
    struct sl_lwm2m_cbor_enc e;
    sl_wbuf_init(&w, out, outcap);
    CHECK(sl_lwm2m_cbor_enc_begin(&e, &w, &root) == SL_OK);
    size_t k;
    for (k = 0; k < n; k++) {
        size_t before = e.w->len;
        err = sl_lwm2m_cbor_enc_record(&e, &recs[k]);
        if (err != SL_OK) {
            CHECK(err == SL_ERR_INVALID && e.w->len == before);
            break;
        }
    }
    CHECK((k < n) == conflict);
    if (!conflict) {
        CHECK(sl_lwm2m_cbor_enc_end(&e) == SL_OK);
        struct sl_record r;
        sl_lwm2m_cbor_dec_init(&d, &root, out, w.len);
        for (k = 0; k < n; k++) {
            CHECK(sl_lwm2m_cbor_dec_next(&d, &r) == SL_OK);
            CHECK(sl_path_equal(&r.path, &recs[k].path));
            CHECK(value_equal(r.value, recs[k].value));
        }
        CHECK(sl_lwm2m_cbor_dec_next(&d, &r) == SL_ERR_END);
    }
    free(out);
    free(recs);
    return 0;
}
