#include "test_records.h"

#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "codec/data.h"

struct sl_path tr_path(const char *s)
{
    struct sl_path p;
    assert_int_equal(sl_path_parse(s, strlen(s), &p), SL_OK);
    return p;
}

struct sl_record tr_rec(const char *path, struct sl_value v)
{
    struct sl_record r;
    r.path = tr_path(path);
    r.value = v;
    return r;
}

struct sl_value tr_val(uint8_t type)
{
    struct sl_value v;
    memset(&v, 0, sizeof v);
    v.type = type;
    return v;
}

struct sl_value tr_v_bytes(uint8_t type, const void *p, size_t len)
{
    struct sl_value v = tr_val(type);
    v.v.bytes.ptr = p;
    v.v.bytes.len = len;
    return v;
}

struct sl_value tr_v_str(const char *s)
{
    return tr_v_bytes(SL_TYPE_STRING, s, strlen(s));
}

void tr_assert_value_equal(const struct sl_value *a, const struct sl_value *b)
{
    assert_int_equal(a->type, b->type);
    switch (a->type) {
    case SL_TYPE_NONE: break;
    case SL_TYPE_INT:
    case SL_TYPE_TIME: assert_true(a->v.i == b->v.i); break;
    case SL_TYPE_UINT: assert_true(a->v.u == b->v.u); break;
    case SL_TYPE_FLOAT: assert_memory_equal(&a->v.f, &b->v.f, sizeof a->v.f); break;
    case SL_TYPE_BOOL: assert_int_equal(a->v.b, b->v.b); break;
    case SL_TYPE_OBJLNK:
        assert_int_equal(a->v.objlnk.oid, b->v.objlnk.oid);
        assert_int_equal(a->v.objlnk.iid, b->v.objlnk.iid);
        break;
    default:
        assert_int_equal(a->v.bytes.len, b->v.bytes.len);
        if (a->v.bytes.len)
            assert_memory_equal(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len);
    }
}

void tr_assert_record_equal(const struct sl_record *a, const struct sl_record *b)
{
    assert_true(sl_path_equal(&a->path, &b->path));
    tr_assert_value_equal(&a->value, &b->value);
}

void tr_expect_decode(uint16_t format, const char *base, const char *hex,
                      const struct sl_record *want, size_t n, sl_err final)
{
    uint8_t tmp[2048];
    int len = test_hex(hex, tmp, sizeof tmp);
    assert_true(len >= 0);
    uint8_t *b = malloc((size_t)len + 1);
    assert_non_null(b);
    memcpy(b, tmp, (size_t)len);
    struct sl_path bp = tr_path(base);
    struct sl_data_dec d;
    assert_int_equal(sl_data_dec_init(&d, format, &bp, b, (size_t)len), SL_OK);
    struct sl_record r;
    for (size_t k = 0; k < n; k++) {
        sl_err err = sl_data_dec_next(&d, &r);
        if (err != SL_OK)
            fail_msg("%s: record %zu: %s", hex, k, sl_err_str(err));
        tr_assert_record_equal(&r, &want[k]);
    }
    sl_err err = sl_data_dec_next(&d, &r);
    if (err != final)
        fail_msg("%s: want %s, got %s", hex, sl_err_str(final), sl_err_str(err));
    assert_int_equal(sl_data_dec_next(&d, &r), final);
    free(b);
}

size_t tr_encode(uint16_t format, const char *base, const struct sl_record *recs, size_t n,
                 uint8_t *out, size_t cap)
{
    struct sl_wbuf w;
    struct sl_data_enc e;
    struct sl_path bp = tr_path(base);
    sl_wbuf_init(&w, out, cap);
    assert_int_equal(sl_data_enc_begin(&e, format, &w, &bp), SL_OK);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(sl_data_enc_record(&e, &recs[k]), SL_OK);
    assert_int_equal(sl_data_enc_end(&e), SL_OK);
    return w.len;
}

void tr_roundtrip(uint16_t format, const char *base, const struct sl_record *recs, size_t n,
                  const char *hex)
{
    uint8_t out[2048];
    size_t len = tr_encode(format, base, recs, n, out, sizeof out);
    assert_hex_equal(hex, out, len);
    tr_expect_decode(format, base, hex, recs, n, SL_ERR_END);
}
