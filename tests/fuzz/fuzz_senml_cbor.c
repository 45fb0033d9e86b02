/* libFuzzer target: SenML CBOR.
 *  1. the generic walker: every record's fields are written again with
 *     sl_senml_cbor_put_fields() and must walk back to the same fields;
 *  2. the data-model decoder under the root base; the records it yields are
 *     encoded again (root base, then under the first record's object) and
 *     must decode to the same records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/senml_cbor.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

static int bytes_equal(const struct sl_bytes *a, const struct sl_bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

static int value_equal(const struct sl_value *a, const struct sl_value *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case SL_TYPE_NONE: return 1;
    case SL_TYPE_INT:
    case SL_TYPE_TIME: return a->v.i == b->v.i;
    case SL_TYPE_UINT: return a->v.u == b->v.u;
    case SL_TYPE_FLOAT:
        if (a->v.f != a->v.f)
            return b->v.f != b->v.f; /* NaN payloads are not kept */
        return memcmp(&a->v.f, &b->v.f, sizeof a->v.f) == 0;
    case SL_TYPE_BOOL: return a->v.b == b->v.b;
    case SL_TYPE_OBJLNK:
        return a->v.objlnk.oid == b->v.objlnk.oid && a->v.objlnk.iid == b->v.objlnk.iid;
    default: return bytes_equal(&a->v.bytes, &b->v.bytes);
    }
}

static int fields_equal(const struct sl_senml_fields *a, const struct sl_senml_fields *b)
{
    uint16_t p = a->present;
    if (p != b->present)
        return 0;
    if (((p & SL_SENML_F_BN) && !bytes_equal(&a->bn, &b->bn)) ||
        ((p & SL_SENML_F_BU) && !bytes_equal(&a->bu, &b->bu)) ||
        ((p & SL_SENML_F_N) && !bytes_equal(&a->n, &b->n)) ||
        ((p & SL_SENML_F_U) && !bytes_equal(&a->u, &b->u)))
        return 0;
    if (((p & SL_SENML_F_BT) && !value_equal(&a->bt, &b->bt)) ||
        ((p & SL_SENML_F_BV) && !value_equal(&a->bv, &b->bv)) ||
        ((p & SL_SENML_F_BS) && !value_equal(&a->bs, &b->bs)) ||
        ((p & SL_SENML_F_T) && !value_equal(&a->t, &b->t)) ||
        ((p & SL_SENML_F_UT) && !value_equal(&a->ut, &b->ut)) ||
        ((p & SL_SENML_F_S) && !value_equal(&a->s, &b->s)) ||
        ((p & SL_SENML_F_VALUE) && !value_equal(&a->value, &b->value)))
        return 0;
    return !(p & SL_SENML_F_BVER) || a->bver == b->bver;
}

static void walker_roundtrip(const uint8_t *data, size_t size)
{
    size_t cap = size + 1; /* {} is a record of one byte */
    struct sl_senml_fields *recs = malloc(cap * sizeof *recs);
    struct sl_senml_cbor_iter it;
    size_t n = 0;
    sl_err err = SL_OK;
    sl_senml_cbor_iter_init(&it, data, size);
    while (n < cap && (err = sl_senml_cbor_iter_next(&it, &recs[n])) == SL_OK)
        n++;
    CHECK(n < cap);
    CHECK(err != SL_OK);
    CHECK(sl_senml_cbor_iter_next(&it, &recs[n]) == err); /* sticky */
    if (err != SL_ERR_END) {
        free(recs);
        return;
    }
    /* unknown labels are dropped and heads shortened: never longer */
    uint8_t *out = malloc(size + 16);
    struct sl_wbuf w;
    sl_wbuf_init(&w, out, size + 16);
    CHECK(sl_cbor_put_array(&w, n) == SL_OK);
    for (size_t k = 0; k < n; k++)
        CHECK(sl_senml_cbor_put_fields(&w, &recs[k]) == SL_OK);
    CHECK(w.len <= size);
    sl_senml_cbor_iter_init(&it, out, w.len);
    for (size_t k = 0; k < n; k++) {
        struct sl_senml_fields f;
        CHECK(sl_senml_cbor_iter_next(&it, &f) == SL_OK);
        CHECK(fields_equal(&f, &recs[k]));
    }
    struct sl_senml_fields f;
    CHECK(sl_senml_cbor_iter_next(&it, &f) == SL_ERR_END);
    free(out);
    free(recs);
}

static void model_roundtrip(const struct sl_record *recs, size_t n, const struct sl_path *base)
{
    /* per record at most a 1-byte map head, bn and n of 26 bytes each with
     * heads and labels, and the value (its bytes come from the input) */
    size_t cap = SL_CBOR_HEAD_RESERVE + 64;
    for (size_t k = 0; k < n; k++)
        cap += 96 + ((recs[k].value.type == SL_TYPE_STRING ||
                      recs[k].value.type == SL_TYPE_OPAQUE)
                         ? recs[k].value.v.bytes.len
                         : 0);
    uint8_t *out = malloc(cap);
    struct sl_wbuf w;
    struct sl_senml_cbor_enc e;
    sl_wbuf_init(&w, out, cap);
    CHECK(sl_senml_cbor_enc_begin(&e, &w, base) == SL_OK);
    for (size_t k = 0; k < n; k++)
        CHECK(sl_senml_cbor_enc_record(&e, &recs[k]) == SL_OK);
    CHECK(sl_senml_cbor_enc_end(&e) == SL_OK);

    struct sl_senml_cbor_dec d;
    struct sl_record r;
    sl_senml_cbor_dec_init(&d, base, out, w.len);
    for (size_t k = 0; k < n; k++) {
        CHECK(sl_senml_cbor_dec_next(&d, &r) == SL_OK);
        CHECK(sl_path_equal(&r.path, &recs[k].path));
        CHECK(value_equal(&r.value, &recs[k].value));
    }
    CHECK(sl_senml_cbor_dec_next(&d, &r) == SL_ERR_END);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walker_roundtrip(data, size);

    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    size_t cap = size + 1;
    struct sl_record *recs = malloc(cap * sizeof *recs);
    struct sl_senml_cbor_dec d;
    size_t n = 0;
    sl_err err = SL_OK;
    sl_senml_cbor_dec_init(&d, &root, data, size);
    while (n < cap && (err = sl_senml_cbor_dec_next(&d, &recs[n])) == SL_OK)
        n++;
    CHECK(n < cap);
    CHECK(sl_senml_cbor_dec_next(&d, &recs[n]) == err);
    if (err == SL_ERR_END) {
        model_roundtrip(recs, n, &root);
        /* under a base: the first record's object, if all lie in it */
        if (n > 0 && recs[0].path.len > 0) {
            struct sl_path base = sl_path_make(1, recs[0].path.id[0], 0, 0, 0);
            int all = 1;
            for (size_t k = 0; k < n; k++)
                all &= sl_path_within(&recs[k].path, &base);
            if (all)
                model_roundtrip(recs, n, &base);
            base = recs[0].path;
            all = 1;
            for (size_t k = 0; k < n; k++)
                all &= sl_path_within(&recs[k].path, &base);
            if (all)
                model_roundtrip(recs, n, &base);
        }
    }
    free(recs);
    return 0;
}
