/* SenML CBOR: the RFC 8428 example through the generic walker and writer,
 * LwM2M-shaped records through the data-model encoder and decoder. */
#include "test_records.h"
#include "test_util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/senml_cbor.h"

/* ---- helpers: the shared record helpers, bound to this format ---- */

static void expect_decode(const char *base, const char *hex, const struct sl_record *want,
                          size_t n, sl_err final)
{
    tr_expect_decode(SL_FMT_SENML_CBOR, base, hex, want, n, final);
}

static void expect_error(const char *base, const char *hex, sl_err err)
{
    tr_expect_decode(SL_FMT_SENML_CBOR, base, hex, NULL, 0, err);
}

static size_t encode(const char *base, const struct sl_record *recs, size_t n, uint8_t *out,
                     size_t cap)
{
    return tr_encode(SL_FMT_SENML_CBOR, base, recs, n, out, cap);
}

static void roundtrip(const char *base, const struct sl_record *recs, size_t n, const char *hex)
{
    tr_roundtrip(SL_FMT_SENML_CBOR, base, recs, n, hex);
}

static void assert_bytes_str(const struct sl_bytes *b, const char *s)
{
    assert_int_equal(b->len, strlen(s));
    assert_memory_equal(b->ptr, s, b->len);
}

/* ---- the RFC 8428 example ---- */

static size_t rfc_example(uint8_t *out, size_t cap)
{
    char *txt = test_read_vector("senml-rfc8428-example.txt", NULL);
    /* the hex is the one line made only of hex digits */
    char *line = strtok(txt, "\n");
    int n = -1;
    while (line) {
        if (strlen(line) > 100 && strspn(line, "0123456789abcdef") == strlen(line)) {
            n = test_hex(line, out, cap);
            break;
        }
        line = strtok(NULL, "\n");
    }
    free(txt);
    assert_int_equal(n, 195);
    return (size_t)n;
}

static void test_rfc8428_example_walk(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = rfc_example(buf, sizeof buf);
    uint8_t *b = malloc(len);
    memcpy(b, buf, len);

    struct sl_senml_cbor_iter it;
    struct sl_senml_fields f[7];
    sl_senml_cbor_iter_init(&it, b, len);

    assert_int_equal(sl_senml_cbor_iter_next(&it, &f[0]), SL_OK);
    assert_int_equal(f[0].present, SL_SENML_F_BN | SL_SENML_F_BT | SL_SENML_F_BU |
                                       SL_SENML_F_BVER | SL_SENML_F_N | SL_SENML_F_U |
                                       SL_SENML_F_VALUE);
    assert_bytes_str(&f[0].bn, "urn:dev:ow:10e2073a0108006:");
    assert_int_equal(f[0].bt.type, SL_TYPE_FLOAT);
    assert_true(f[0].bt.v.f == 1276020076.001);
    assert_bytes_str(&f[0].bu, "A");
    assert_true(f[0].bver == 5);
    assert_bytes_str(&f[0].n, "voltage");
    assert_bytes_str(&f[0].u, "V");
    assert_int_equal(f[0].value.type, SL_TYPE_FLOAT);
    assert_true(f[0].value.v.f == 120.1);

    static const double values[6] = { 1.2, 1.3, 1.4, 1.5, 1.6, 1.7 };
    for (int k = 1; k < 7; k++) {
        assert_int_equal(sl_senml_cbor_iter_next(&it, &f[k]), SL_OK);
        assert_int_equal(f[k].present, SL_SENML_F_N | SL_SENML_F_T | SL_SENML_F_VALUE);
        assert_bytes_str(&f[k].n, "current");
        assert_int_equal(f[k].t.type, SL_TYPE_INT);
        assert_true(f[k].t.v.i == k - 6);
        assert_int_equal(f[k].value.type, SL_TYPE_FLOAT);
        assert_true(f[k].value.v.f == values[k - 1]);
        /* base fields stay in effect */
        assert_bytes_str(&it.base.bn, "urn:dev:ow:10e2073a0108006:");
        assert_bytes_str(&it.base.bu, "A");
        assert_true(it.base.bt.v.f == 1276020076.001);
        assert_true(it.base.bver == 5);
        assert_int_equal(it.base.present, SL_SENML_F_BN | SL_SENML_F_BT | SL_SENML_F_BU |
                                              SL_SENML_F_BVER);
    }
    struct sl_senml_fields end;
    assert_int_equal(sl_senml_cbor_iter_next(&it, &end), SL_ERR_END);
    assert_int_equal(sl_senml_cbor_iter_next(&it, &end), SL_ERR_END);

    /* and back, byte for byte (1.5 as a half float) */
    uint8_t out[256];
    struct sl_wbuf w;
    sl_wbuf_init(&w, out, sizeof out);
    assert_int_equal(sl_cbor_put_array(&w, 7), SL_OK);
    for (int k = 0; k < 7; k++)
        assert_int_equal(sl_senml_cbor_put_fields(&w, &f[k]), SL_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(out, b, len);

    /* its names are not LwM2M paths */
    struct sl_senml_cbor_dec d;
    struct sl_record r;
    struct sl_path root = tr_path("/");
    sl_senml_cbor_dec_init(&d, &root, b, len);
    assert_int_equal(sl_senml_cbor_dec_next(&d, &r), SL_ERR_INVALID);
    free(b);
}

static void test_rfc8428_example_truncated(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = rfc_example(buf, sizeof buf);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *b = malloc(cut + 1);
        memcpy(b, buf, cut);
        struct sl_senml_cbor_iter it;
        struct sl_senml_fields f;
        sl_senml_cbor_iter_init(&it, b, cut);
        sl_err err;
        int n = 0;
        while ((err = sl_senml_cbor_iter_next(&it, &f)) == SL_OK)
            n++;
        assert_int_equal(err, SL_ERR_INVALID);
        assert_true(n < 7);
        free(b);
    }
}

/* ---- data-model encoder ---- */

static void test_encode_lwm2m_instance(void **state)
{
    (void)state;
    static const uint8_t opaque[2] = { 0x01, 0x02 };
    const struct sl_record recs[] = {
        tr_rec("/3/0/1", tr_v_str("abc")),
        tr_rec("/3/0/7/0", sl_value_int(3800)),
        tr_rec("/3/0/7/1", sl_value_int(-5000)),
        tr_rec("/3/0/9", sl_value_float(1.5)),
        tr_rec("/3/0/10", sl_value_float(1.1)),
        tr_rec("/3/0/11", sl_value_bool(true)),
        tr_rec("/3/0/22", tr_v_bytes(SL_TYPE_OPAQUE, opaque, 2)),
        tr_rec("/3/0/23", sl_value_objlnk(3, 0)),
        tr_rec("/3/0/30", sl_value_uint(UINT64_MAX)),
    };
    roundtrip("/3/0", recs, 9,
              "89"
              "a3 21 65 2f332f302f 00 61 31 03 63 616263"
              "a2 00 63 372f30 02 19 0ed8"
              "a2 00 63 372f31 02 39 1387"
              "a2 00 61 39 02 f9 3e00"
              "a2 00 62 3130 02 fb 3ff199999999999a"
              "a2 00 62 3131 04 f5"
              "a2 00 62 3232 08 42 0102"
              "a2 00 62 3233 63 766c6f 63 333a30"
              "a2 00 62 3330 02 1b ffffffffffffffff");

    /* Time goes as v, Corelnk as vs; they come back as INT and STRING */
    struct sl_record in[] = {
        tr_rec("/3/0/13", tr_val(SL_TYPE_TIME)),
        tr_rec("/3/0/99", tr_v_bytes(SL_TYPE_CORELNK, "</3/0>", 6)),
    };
    in[0].value.v.i = 1367491215;
    uint8_t out[128];
    size_t len = encode("/3/0", in, 2, out, sizeof out);
    assert_hex_equal("82 a3 21 65 2f332f302f 00 62 3133 02 1a 5182428f"
                     " a2 00 62 3939 03 66 3c2f332f303e",
                     out, len);
    const struct sl_record back[] = { tr_rec("/3/0/13", sl_value_int(1367491215)),
                                      tr_rec("/3/0/99", tr_v_str("</3/0>")) };
    expect_decode("/3/0", "82 a3 21 65 2f332f302f 00 62 3133 02 1a 5182428f"
                          " a2 00 62 3939 03 66 3c2f332f303e",
                  back, 2, SL_ERR_END);
}

static void test_encode_root_and_none(void **state)
{
    (void)state;
    /* root base: no bn, absolute names; NONE: a name only (Read-Composite) */
    const struct sl_record recs[] = {
        tr_rec("/1/0/1", sl_value_int(86400)),
        tr_rec("/3/0", tr_val(SL_TYPE_NONE)),
        tr_rec("/5", tr_val(SL_TYPE_NONE)),
    };
    roundtrip("/", recs, 3,
              "83 a2 00 66 2f312f302f31 02 1a 00015180"
              " a1 00 64 2f332f30"
              " a1 00 62 2f35");
    /* the root itself */
    const struct sl_record root[] = { tr_rec("/", tr_val(SL_TYPE_NONE)) };
    roundtrip("/", root, 1, "81 a1 00 61 2f");
    /* no records */
    roundtrip("/3", NULL, 0, "80");
}

static void test_encode_base_is_record(void **state)
{
    (void)state;
    /* single resource read: bn names it, no n */
    const struct sl_record one[] = { tr_rec("/3/0/1", tr_v_str("x")) };
    roundtrip("/3/0/1", one, 1, "81 a2 21 66 2f332f302f31 03 61 78");
    /* the base first, then below it: "/0"-style names */
    const struct sl_record two[] = { tr_rec("/3/0/7", tr_val(SL_TYPE_NONE)),
                                     tr_rec("/3/0/7/0", sl_value_int(1)) };
    roundtrip("/3/0/7", two, 2, "82 a1 21 66 2f332f302f37 a2 00 62 2f30 02 01");
    /* a record equal to the base later on ("/3/0/" + nothing) */
    const struct sl_record late[] = { tr_rec("/3/0/1", sl_value_int(1)), tr_rec("/3/0", sl_value_int(2)) };
    roundtrip("/3/0", late, 2, "82 a3 21 65 2f332f302f 00 61 31 02 01 a1 02 02");
}

static void test_encode_many_records(void **state)
{
    (void)state;
    /* more than 23 records: the array head needs two bytes */
    struct sl_record recs[300];
    for (int k = 0; k < 300; k++) {
        recs[k].path = sl_path_make(3, 3303, (uint16_t)k, 5700, 0);
        recs[k].value = sl_value_float(k * 0.5);
    }
    uint8_t *out = malloc(16384);
    size_t len = encode("/3303", recs, 300, out, 16384);
    assert_int_equal(out[0], 0x99);
    assert_int_equal(out[1], 0x01);
    assert_int_equal(out[2], 0x2c);
    struct sl_path base = tr_path("/3303");
    struct sl_senml_cbor_dec d;
    struct sl_record r;
    sl_senml_cbor_dec_init(&d, &base, out, len);
    for (int k = 0; k < 300; k++) {
        assert_int_equal(sl_senml_cbor_dec_next(&d, &r), SL_OK);
        tr_assert_record_equal(&r, &recs[k]);
    }
    assert_int_equal(sl_senml_cbor_dec_next(&d, &r), SL_ERR_END);
    free(out);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    struct sl_wbuf w;
    struct sl_senml_cbor_enc e;
    struct sl_path base = tr_path("/3/0");
    struct sl_record r;

    sl_wbuf_init(&w, out, sizeof out);
    assert_int_equal(sl_senml_cbor_enc_begin(&e, &w, &base), SL_OK);
    r = tr_rec("/4/0/1", sl_value_int(1));
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* outside */
    r = tr_rec("/3", sl_value_int(1));
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_INVALID); /* above */
    r = tr_rec("/3/0/1", tr_val(SL_TYPE_RAW_TLV));
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_TYPE);
    r = tr_rec("/3/0/1", tr_val(SL_TYPE_RAW_TEXT));
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_TYPE);
    assert_int_equal(w.len, SL_CBOR_HEAD_RESERVE); /* nothing written */
    /* a failed record does not disturb bn: the next one still carries it */
    r = tr_rec("/3/0/1", sl_value_int(7));
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_OK);
    assert_int_equal(sl_senml_cbor_enc_end(&e), SL_OK);
    assert_hex_equal("81 a3 21 65 2f332f302f 00 61 31 02 07", out, w.len);
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_STATE);
    assert_int_equal(sl_senml_cbor_enc_end(&e), SL_ERR_STATE);

    /* no room for the head */
    sl_wbuf_init(&w, out, 4);
    assert_int_equal(sl_senml_cbor_enc_begin(&e, &w, &base), SL_ERR_OVERFLOW);
    assert_int_equal(sl_senml_cbor_enc_record(&e, &r), SL_ERR_STATE);
    assert_int_equal(sl_senml_cbor_enc_end(&e), SL_ERR_STATE);
}

static void test_encode_overflow_every_size(void **state)
{
    (void)state;
    static const uint8_t blob[20] = { 9 };
    const struct sl_record recs[] = {
        tr_rec("/3/0/0", tr_v_str("Open Mobile Alliance")),
        tr_rec("/3/0/7/0", sl_value_int(3800)),
        tr_rec("/3/0/9", sl_value_float(1.1)),
        tr_rec("/3/0/22", tr_v_bytes(SL_TYPE_OPAQUE, blob, sizeof blob)),
        tr_rec("/3/0/23", sl_value_objlnk(65535, 65535)),
        tr_rec("/3/0/24", tr_val(SL_TYPE_NONE)),
    };
    const size_t n = sizeof recs / sizeof recs[0];
    uint8_t full[512];
    size_t total = encode("/3/0", recs, n, full, sizeof full);
    struct sl_path base = tr_path("/3/0");

    for (size_t cap = 0; cap <= total + SL_CBOR_HEAD_RESERVE; cap++) {
        uint8_t *buf = malloc(cap + 1);
        struct sl_wbuf w;
        struct sl_senml_cbor_enc e;
        sl_wbuf_init(&w, buf, cap);
        if (sl_senml_cbor_enc_begin(&e, &w, &base) != SL_OK) {
            assert_true(cap < SL_CBOR_HEAD_RESERVE);
            free(buf);
            continue;
        }
        size_t ok = 0;
        for (size_t k = 0; k < n; k++) {
            size_t before = w.len;
            sl_err err = sl_senml_cbor_enc_record(&e, &recs[k]);
            if (err != SL_OK) {
                assert_int_equal(err, SL_ERR_OVERFLOW);
                assert_int_equal(w.len, before);
                break;
            }
            ok++;
        }
        assert_int_equal(sl_senml_cbor_enc_end(&e), SL_OK);
        /* what was written is a valid pack of the records that fit */
        struct sl_senml_cbor_dec d;
        struct sl_record r;
        sl_senml_cbor_dec_init(&d, &base, buf, w.len);
        for (size_t k = 0; k < ok; k++) {
            assert_int_equal(sl_senml_cbor_dec_next(&d, &r), SL_OK);
            tr_assert_record_equal(&r, &recs[k]);
        }
        assert_int_equal(sl_senml_cbor_dec_next(&d, &r), SL_ERR_END);
        if (ok == n)
            assert_memory_equal(buf, full, total);
        else
            assert_true(cap < total + SL_CBOR_HEAD_RESERVE - 1); /* only the head's slack */
        free(buf);
    }
}

/* ---- data-model decoder ---- */

static void test_decode_names(void **state)
{
    (void)state;
    /* relative names under bn */
    const struct sl_record a[] = { tr_rec("/3/0/1", sl_value_int(1)), tr_rec("/3/0/7/0", sl_value_int(2)) };
    expect_decode("/3/0", "82 a3 21 65 2f332f302f 00 61 31 02 01 a2 00 63 372f30 02 02", a, 2,
                  SL_ERR_END);
    /* absolute names, no bn */
    expect_decode("/", "82 a2 00 66 2f332f302f31 02 01 a2 00 68 2f332f302f372f30 02 02", a, 2,
                  SL_ERR_END);
    /* bn of the object, n of instance and resource */
    expect_decode("/3", "82 a3 21 63 2f332f 00 63 302f31 02 01 a2 00 65 302f372f30 02 02", a,
                  2, SL_ERR_END);
    /* bn changes mid-pack and persists */
    const struct sl_record b[] = {
        tr_rec("/3/0/1", sl_value_int(1)), tr_rec("/3/0/2", sl_value_int(2)),
        tr_rec("/4/0/0", tr_v_str("x")), tr_rec("/4/0/1", sl_value_bool(true)),
    };
    expect_decode("/",
                  "84 a3 21 65 2f332f302f 00 61 31 02 01"
                  " a2 00 61 32 02 02"
                  " a3 21 65 2f342f302f 00 61 30 03 61 78"
                  " a2 00 61 31 04 f5",
                  b, 4, SL_ERR_END);
    /* bn alone names the record; a trailing "/" is dropped */
    const struct sl_record c[] = { tr_rec("/3/0/1", sl_value_int(5)), tr_rec("/3/0", tr_val(SL_TYPE_NONE)),
                                   tr_rec("/", tr_val(SL_TYPE_NONE)) };
    expect_decode("/", "83 a2 21 66 2f332f302f31 02 05 a1 21 65 2f332f302f a2 21 60 00 61 2f", c,
                  3, SL_ERR_END);
    /* bn persists: "/3/0/" + "/" is no path */
    expect_decode("/", "82 a1 21 65 2f332f302f a1 00 61 2f", c + 1, 1, SL_ERR_INVALID);
    /* the record within the base is fine, outside is not */
    expect_decode("/3/0/1", "81 a2 21 66 2f332f302f31 02 05", c, 1, SL_ERR_END);
    expect_error("/3/0/2", "81 a2 21 66 2f332f302f31 02 05", SL_ERR_INVALID);
    expect_error("/3/0/1/0", "81 a2 21 66 2f332f302f31 02 05", SL_ERR_INVALID);
    expect_error("/4", "81 a2 21 66 2f332f302f31 02 05", SL_ERR_INVALID);
    /* an empty pack */
    expect_decode("/", "80", NULL, 0, SL_ERR_END);
}

static void test_decode_values(void **state)
{
    (void)state;
    static const uint8_t opaque[3] = { 0xde, 0xad, 0x00 };
    const struct sl_record a[] = {
        tr_rec("/1/2/3", sl_value_int(-1)),
        tr_rec("/1/2/3", sl_value_int(INT64_MIN)),
        tr_rec("/1/2/3", sl_value_int(INT64_MAX)),
        tr_rec("/1/2/3", sl_value_uint(0x8000000000000000ull)),
        tr_rec("/1/2/3", sl_value_float(-0.0)),
        tr_rec("/1/2/3", sl_value_float(100000.0)),
        tr_rec("/1/2/3", sl_value_bool(false)),
        tr_rec("/1/2/3", tr_v_bytes(SL_TYPE_OPAQUE, opaque, 3)),
        tr_rec("/1/2/3", tr_v_bytes(SL_TYPE_STRING, "", 0)),
        tr_rec("/1/2/3", sl_value_objlnk(0, 65535)),
        tr_rec("/1/2/3", tr_val(SL_TYPE_NONE)),
    };
    expect_decode("/1/2/3",
                  "8b"
                  " a2 21 66 2f312f322f33 02 20"
                  " a1 02 3b 7fffffffffffffff"
                  " a1 02 1b 7fffffffffffffff"
                  " a1 02 1b 8000000000000000"
                  " a1 02 f9 8000"
                  " a1 02 fa 47c35000"
                  " a1 04 f4"
                  " a1 08 43 dead00"
                  " a1 03 60"
                  " a1 63 766c6f 67 303a3635353335"
                  " a0",
                  a, 11, SL_ERR_END);
    /* -2^64 does not fit any integer type */
    expect_error("/", "81 a2 00 66 2f312f322f33 02 3b ffffffffffffffff", SL_ERR_RANGE);
}

static void test_decode_ignored_fields(void **state)
{
    (void)state;
    const struct sl_record a[] = { tr_rec("/1/2/3", sl_value_int(1)), tr_rec("/1/2/3", sl_value_int(2)) };
    /* t, bt, u, bu, ut, s, bs, bver 10, bv 0 are checked and ignored */
    expect_decode("/",
                  "82 ab 21 66 2f312f322f33 22 fb 41d303a15b001062 23 61 41 20 0a"
                  " 24 00 25 f9 0000 01 61 56 06 20 07 18 3c 05 00 02 01"
                  " a2 06 fa 3f800000 02 02",
                  a, 2, SL_ERR_END);
    /* unknown integer labels and unknown text labels are skipped, whatever
     * their (well-formed) value */
    expect_decode("/",
                  "82 a5 00 66 2f312f322f33 18 63 82 a1 00 01 80 38 63 f6 63 666f6f c1 00"
                  " 02 01"
                  " a3 00 66 2f312f322f33 63 627567 20 02 02",
                  a, 2, SL_ERR_END);
}

static void test_decode_errors(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        sl_err err;
    } cases[] = {
        /* pack shape */
        { "", SL_ERR_INVALID },
        { "a0", SL_ERR_INVALID },                       /* not an array */
        { "8100", SL_ERR_INVALID },                     /* element not a map */
        { "9f ff", SL_ERR_UNSUPPORTED },                /* indefinite array */
        { "81 bf 00 64 2f332f30 ff", SL_ERR_UNSUPPORTED },
        /* names */
        { "81 a0", SL_ERR_INVALID },                    /* no name at all */
        { "81 a1 00 63 332f30", SL_ERR_INVALID },       /* no leading slash */
        { "81 a1 00 64 2f332f78", SL_ERR_INVALID },     /* "/3/x" */
        { "81 a1 00 68 2f332f3635353335", SL_ERR_INVALID }, /* ID 65535 */
        { "81 a1 00 6a 2f312f322f332f342f35", SL_ERR_INVALID }, /* 5 levels */
        { "81 a1 00 65 2f332f2f30", SL_ERR_INVALID },   /* "/3//0" */
        { "81 a1 00 64 2f332f2f", SL_ERR_INVALID },     /* "/3//" */
        { "81 a1 00 63 2f3031", SL_ERR_INVALID },       /* leading zero */
        /* types of known labels */
        { "81 a1 00 03", SL_ERR_INVALID },                       /* n: int */
        { "81 a1 21 43 2f332f", SL_ERR_INVALID },                /* bn: bytes */
        { "81 a2 00 62 2f33 02 61 31", SL_ERR_INVALID },         /* v: text */
        { "81 a2 00 62 2f33 02 f5", SL_ERR_INVALID },            /* v: bool */
        { "81 a2 00 62 2f33 02 c1 00", SL_ERR_INVALID },         /* v: tagged */
        { "81 a2 00 62 2f33 03 01", SL_ERR_INVALID },            /* vs: int */
        { "81 a2 00 62 2f33 04 01", SL_ERR_INVALID },            /* vb: int */
        { "81 a2 00 62 2f33 04 f6", SL_ERR_INVALID },            /* vb: null */
        { "81 a2 00 62 2f33 08 61 31", SL_ERR_INVALID },         /* vd: text */
        { "81 a2 00 62 2f33 63 766c6f 01", SL_ERR_INVALID },     /* vlo: int */
        { "81 a2 00 62 2f33 63 766c6f 62 333a", SL_ERR_INVALID },   /* "3:" */
        { "81 a2 00 62 2f33 63 766c6f 62 3a30", SL_ERR_INVALID },   /* ":0" */
        { "81 a2 00 62 2f33 63 766c6f 63 333a78", SL_ERR_INVALID }, /* "3:x" */
        { "81 a2 00 62 2f33 63 766c6f 64 303a3031", SL_ERR_INVALID }, /* "0:01" */
        { "81 a2 00 62 2f33 63 766c6f 67 36353533363a30", SL_ERR_INVALID }, /* 65536 */
        { "81 a2 00 62 2f33 63 766c6f 64 333a302b", SL_ERR_INVALID }, /* trailing */
        { "81 a2 00 62 2f33 20 61 31", SL_ERR_INVALID },         /* bver: text */
        { "81 a2 00 62 2f33 20 20", SL_ERR_INVALID },            /* bver: -1 */
        { "81 a2 00 62 2f33 20 0b", SL_ERR_UNSUPPORTED },        /* bver 11 */
        { "81 a2 00 62 2f33 06 61 31", SL_ERR_INVALID },         /* t: text */
        { "81 a2 00 62 2f33 22 f6", SL_ERR_INVALID },            /* bt: null */
        { "81 a2 00 62 2f33 07 80", SL_ERR_INVALID },            /* ut: array */
        { "81 a2 00 62 2f33 05 40", SL_ERR_INVALID },            /* s: bytes */
        { "81 a2 00 62 2f33 01 01", SL_ERR_INVALID },            /* u: int */
        { "81 a2 00 62 2f33 23 01", SL_ERR_INVALID },            /* bu: int */
        { "81 a2 00 62 2f33 24 61 31", SL_ERR_INVALID },         /* bv: text */
        /* labels */
        { "81 a2 00 62 2f33 64 666f6f5f 01", SL_ERR_UNSUPPORTED }, /* "foo_" */
        { "81 a2 00 62 2f33 61 5f 01", SL_ERR_UNSUPPORTED },       /* "_" */
        { "81 a2 00 62 2f33 f9 3c00 01", SL_ERR_INVALID },         /* float key */
        { "81 a2 00 62 2f33 41 00 01", SL_ERR_INVALID },           /* bytes key */
        { "81 a2 00 62 2f33 80 01", SL_ERR_INVALID },              /* array key */
        { "81 a2 00 62 2f33 18 63 5f", SL_ERR_UNSUPPORTED },       /* unknown, value indefinite */
        { "81 a2 00 62 2f33 18 63 1c", SL_ERR_INVALID },           /* unknown, value malformed */
        /* duplicates */
        { "81 a2 00 62 2f33 00 62 2f34", SL_ERR_INVALID },
        { "81 a3 00 62 2f33 02 01 03 61 31", SL_ERR_INVALID },     /* v and vs */
        { "81 a3 00 62 2f33 04 f5 63 766c6f 63 333a30", SL_ERR_INVALID }, /* vb and vlo */
        /* base value: LwM2M does not use it */
        { "81 a3 00 62 2f33 24 01 02 01", SL_ERR_UNSUPPORTED },
        /* bad lengths */
        { "81 a1 00 7b ffffffffffffffff", SL_ERR_INVALID },
        { "9b ffffffffffffffff a0", SL_ERR_INVALID },
        { "81 bb ffffffffffffffff", SL_ERR_INVALID },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        expect_error("/", cases[k].hex, cases[k].err);

    /* bv 0 is harmless; a non-numeric value under a bv is unaffected */
    const struct sl_record a[] = { tr_rec("/3", sl_value_int(1)), tr_rec("/3", tr_v_str("x")) };
    expect_decode("/", "82 a3 00 62 2f33 24 00 02 01 a2 00 62 2f33 03 61 78", a, 2, SL_ERR_END);
    expect_decode("/", "82 a3 00 62 2f33 24 01 03 61 78", a + 1, 1, SL_ERR_INVALID);
    /* a bv in effect from an earlier record still counts */
    const struct sl_record none[] = { tr_rec("/3", tr_val(SL_TYPE_NONE)) };
    expect_decode("/", "82 a2 00 62 2f33 24 f9 3c00 a2 00 62 2f33 02 01", none, 1,
                  SL_ERR_UNSUPPORTED);
    /* bytes after the pack */
    const struct sl_record one[] = { tr_rec("/3/0", tr_val(SL_TYPE_NONE)) };
    expect_decode("/", "81 a1 00 64 2f332f30 00", one, 1, SL_ERR_INVALID);
}

static void test_decode_name_lengths(void **state)
{
    (void)state;
    /* bn + n longer than SL_SENML_MAX_NAME fails cleanly, at any split */
    char hex[1024];
    for (size_t bl = 0; bl <= SL_SENML_MAX_NAME + 1; bl += 1) {
        size_t nl = SL_SENML_MAX_NAME + 1 - bl;
        size_t k = (size_t)snprintf(hex, sizeof hex, "81 a2 21 78%02zx", bl);
        for (size_t i = 0; i < bl; i++)
            k += (size_t)snprintf(hex + k, sizeof hex - k, "%s", i == 0 ? "2f" : "31");
        k += (size_t)snprintf(hex + k, sizeof hex - k, " 00 78%02zx", nl);
        for (size_t i = 0; i < nl; i++)
            k += (size_t)snprintf(hex + k, sizeof hex - k, "31");
        expect_error("/", hex, SL_ERR_INVALID);
    }
    /* the longest real name */
    const struct sl_record a[] = { tr_rec("/65534/65534/65534/65534", sl_value_int(0)) };
    expect_decode("/",
                  "81 a3 21 6c 2f36353533342f3635353334 00 6c 2f36353533342f3635353334 02 00",
                  a, 1, SL_ERR_END);
}

/* Every prefix of a valid LwM2M pack fails, and reads stay in bounds. */
static void test_decode_truncated_every_byte(void **state)
{
    (void)state;
    uint8_t full[256];
    int n = test_hex("84 a4 21 65 2f332f302f 00 61 31 02 fb 3ff199999999999a 06 1a 5182428f"
                     " a2 00 63 372f30 03 63 616263"
                     " a3 00 62 3232 08 42 0102 63 666f6f 82 01 02"
                     " a2 00 62 3233 63 766c6f 63 333a30",
                     full, sizeof full);
    struct sl_path root = tr_path("/");
    for (int cut = 0; cut <= n; cut++) {
        uint8_t *b = malloc((size_t)cut + 1);
        memcpy(b, full, (size_t)cut);
        struct sl_senml_cbor_dec d;
        struct sl_record r;
        sl_senml_cbor_dec_init(&d, &root, b, (size_t)cut);
        sl_err err;
        int recs = 0;
        while ((err = sl_senml_cbor_dec_next(&d, &r)) == SL_OK)
            recs++;
        if (cut == n) {
            assert_int_equal(err, SL_ERR_END);
            assert_int_equal(recs, 4);
        } else {
            assert_int_equal(err, SL_ERR_INVALID);
            assert_true(recs < 4);
        }
        free(b);
    }
}

/* Fuzzer finding (a harness bug, kept as a case): records of one byte
 * ({}), unknown text and negative labels. The walker yields all 20, then
 * refuses the bytes after the pack; the name-less first record is no path. */
static void test_regress_one_byte_records(void **state)
{
    (void)state;
    uint8_t buf[64];
    int n = test_hex("94 a3 65212f0ca321 61d1 30 02 37 a0"
                     "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0 610131",
                     buf, sizeof buf);
    uint8_t *b = malloc((size_t)n);
    memcpy(b, buf, (size_t)n);
    struct sl_senml_cbor_iter it;
    struct sl_senml_fields f;
    sl_senml_cbor_iter_init(&it, b, (size_t)n);
    for (int k = 0; k < 20; k++) {
        assert_int_equal(sl_senml_cbor_iter_next(&it, &f), SL_OK);
        assert_int_equal(f.present, 0);
    }
    assert_int_equal(sl_senml_cbor_iter_next(&it, &f), SL_ERR_INVALID);
    free(b);
    expect_error("/", "94 a3 65212f0ca321 61d1 30 02 37 a0"
                      "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0 610131",
                 SL_ERR_INVALID);
    expect_error("/", "83 a0 a0 a0", SL_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8428_example_walk),
        cmocka_unit_test(test_rfc8428_example_truncated),
        cmocka_unit_test(test_encode_lwm2m_instance),
        cmocka_unit_test(test_encode_root_and_none),
        cmocka_unit_test(test_encode_base_is_record),
        cmocka_unit_test(test_encode_many_records),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_overflow_every_size),
        cmocka_unit_test(test_decode_names),
        cmocka_unit_test(test_decode_values),
        cmocka_unit_test(test_decode_ignored_fields),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_name_lengths),
        cmocka_unit_test(test_decode_truncated_every_byte),
        cmocka_unit_test(test_regress_one_byte_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
