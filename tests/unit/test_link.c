/* CoRE Link Format: writing Register and Discover payloads, parsing them
 * back, quoted values, and total parsing of truncated or garbage input. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/link.h"

static struct sl_path P(int len, int o, int i, int r, int ri)
{
    return sl_path_make(len, (uint16_t)o, (uint16_t)i, (uint16_t)r, (uint16_t)ri);
}

static void assert_text(const uint8_t *buf, size_t len, const char *want)
{
    if (len != strlen(want) || memcmp(buf, want, len) != 0)
        fail_msg("got  %.*s\nwant %s", (int)len, (const char *)buf, want);
}

/* The TS Register example, with the root link the client puts first. */
static const char REGISTER[] = "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</5>";

static sl_err write_register(struct sl_wbuf *w)
{
    struct sl_link_writer lw;
    sl_link_writer_init(&lw, w);
    struct sl_path root = P(0, 0, 0, 0, 0), s = P(2, 1, 0, 0, 0), d = P(2, 3, 0, 0, 0), fw = P(1, 5, 0, 0, 0);
    sl_err err = sl_link_put_path(&lw, &root);
    if (err == SL_OK)
        err = sl_link_put_attr_quoted(&lw, "rt", "oma.lwm2m");
    if (err == SL_OK)
        err = sl_link_put_attr_uint(&lw, "ct", 11543);
    if (err == SL_OK)
        err = sl_link_put_path(&lw, &s);
    if (err == SL_OK)
        err = sl_link_put_path(&lw, &d);
    if (err == SL_OK)
        err = sl_link_put_path(&lw, &fw);
    return err;
}

/* The TS Discover example on /3/0 (pmin at the instance, dim on multiple
 * resources, gt/lt on one of them). */
static const char DISCOVER[] = "</3/0>;pmin=10,</3/0/1>,</3/0/2>,</3/0/3>,</3/0/4>,</3/0/6>;dim=8,"
                               "</3/0/7>;dim=8;gt=50;lt=42.2,</3/0/8>;dim=8,</3/0/11>,</3/0/16>";

static sl_err write_discover(struct sl_wbuf *w)
{
    struct sl_link_writer lw;
    sl_link_writer_init(&lw, w);
    static const int res[] = { 1, 2, 3, 4, 6, 7, 8, 11, 16 };
    struct sl_path inst = P(2, 3, 0, 0, 0);
    sl_err err = sl_link_put_path(&lw, &inst);
    if (err == SL_OK)
        err = sl_link_put_attr_uint(&lw, "pmin", 10);
    for (size_t i = 0; i < sizeof res / sizeof res[0] && err == SL_OK; i++) {
        struct sl_path p = P(3, 3, 0, res[i], 0);
        err = sl_link_put_path(&lw, &p);
        if (err == SL_OK && (res[i] == 6 || res[i] == 7 || res[i] == 8))
            err = sl_link_put_attr_uint(&lw, "dim", 8);
        if (err == SL_OK && res[i] == 7) {
            err = sl_link_put_attr_float(&lw, "gt", 50);
            if (err == SL_OK)
                err = sl_link_put_attr_float(&lw, "lt", 42.2);
        }
    }
    return err;
}

static void test_write_examples(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(write_register(&w), SL_OK);
    assert_text(buf, w.len, REGISTER);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(write_discover(&w), SL_OK);
    assert_text(buf, w.len, DISCOVER);

    /* root link as the TS writes it for TLV, object versions, flags, a URI */
    struct sl_link_writer lw;
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_link_writer_init(&lw, &w);
    struct sl_path root = P(0, 0, 0, 0, 0), o = P(1, 3442, 0, 0, 0), big = P(4, 65534, 65534, 65534, 65534);
    assert_int_equal(sl_link_put_path(&lw, &root), SL_OK);
    assert_int_equal(sl_link_put_attr_quoted(&lw, "rt", "oma.lwm2m"), SL_OK);
    assert_int_equal(sl_link_put_attr_uint(&lw, "ct", 11542), SL_OK);
    assert_int_equal(sl_link_put_path(&lw, &o), SL_OK);
    assert_int_equal(sl_link_put_attr_str(&lw, "ver", "1.1"), SL_OK);
    assert_int_equal(sl_link_put_attr_flag(&lw, "obs"), SL_OK);
    assert_int_equal(sl_link_put_uri(&lw, "/rd"), SL_OK);
    assert_int_equal(sl_link_put_attr_quoted(&lw, "title", "a \"b\" \\c"), SL_OK);
    assert_int_equal(sl_link_put_path(&lw, &big), SL_OK);
    assert_int_equal(sl_link_put_attr_float(&lw, "st", -0.5), SL_OK);
    assert_text(buf, w.len,
                "</>;rt=\"oma.lwm2m\";ct=11542,</3442>;ver=1.1;obs,</rd>;title=\"a \\\"b\\\" \\\\c\","
                "</65534/65534/65534/65534>;st=-0.5");
}

static void test_writer_errors(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct sl_wbuf w;
    struct sl_link_writer lw;
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_link_writer_init(&lw, &w);
    assert_int_equal(sl_link_put_attr_uint(&lw, "pmin", 1), SL_ERR_STATE);
    assert_int_equal(sl_link_put_attr_flag(&lw, "obs"), SL_ERR_STATE);
    struct sl_path p = P(2, 3, 0, 0, 0);
    assert_int_equal(sl_link_put_path(&lw, &p), SL_OK);
    size_t before = w.len;
    assert_int_equal(sl_link_put_attr_uint(&lw, "p min", 1), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_uint(&lw, "", 1), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_flag(&lw, "a=b"), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_str(&lw, "ver", "1,1"), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_str(&lw, "ver", "a;b"), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_str(&lw, "ver", ""), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_attr_str(&lw, "ver", "\"x\""), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_uri(&lw, "a>b"), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_uri(&lw, "a b"), SL_ERR_INVALID);
    assert_int_equal(sl_link_put_uri(&lw, "a\x01"), SL_ERR_INVALID);
    uint64_t nan_bits = UINT64_C(0x7FF8000000000000);
    double nan;
    memcpy(&nan, &nan_bits, sizeof nan);
    assert_int_equal(sl_link_put_attr_float(&lw, "gt", nan), SL_ERR_RANGE);
    assert_int_equal(w.len, before);
    struct sl_path bad = P(2, 3, 65535, 0, 0);
    assert_int_equal(sl_link_put_path(&lw, &bad), SL_ERR_INVALID);
    assert_int_equal(w.len, before);
    assert_int_equal(lw.count, 1);
}

/* Each call lands whole or not at all: at every capacity the buffer holds
 * a prefix of the full payload that ends where one call's output ends. */
static void test_overflow_every_size(void **state)
{
    (void)state;
    sl_err (*writers[])(struct sl_wbuf *) = { write_register, write_discover };
    const char *full[] = { REGISTER, DISCOVER };
    for (size_t k = 0; k < 2; k++) {
        size_t need = strlen(full[k]);
        size_t last_len = 0;
        for (size_t cap = 0; cap <= need; cap++) {
            uint8_t buf[256];
            memset(buf, 0x5A, sizeof buf);
            struct sl_wbuf w;
            sl_wbuf_init(&w, buf, cap);
            sl_err err = writers[k](&w);
            assert_int_equal(err, cap < need ? SL_ERR_OVERFLOW : SL_OK);
            assert_true(w.len <= cap);
            assert_memory_equal(buf, full[k], w.len);
            for (size_t i = cap; i < sizeof buf; i++)
                assert_int_equal(buf[i], 0x5A);
            /* the cut is at a piece boundary: the next byte starts ',' or ';' */
            if (w.len < need)
                assert_true(w.len == 0 || full[k][w.len] == ',' || full[k][w.len] == ';');
            assert_true(w.len >= last_len);
            last_len = w.len;
        }
    }
}

struct parsed {
    char uri[64];
    char attrs[8][48]; /* "name" or "name=value" or "name=\"value\"" */
    int nattrs;
};

/* Parse everything; returns the link count or the error. */
static int parse_all(const char *s, size_t len, struct parsed *out, int max)
{
    struct sl_link_iter it;
    struct sl_link l;
    sl_link_iter_init(&it, (const uint8_t *)s, len);
    int n = 0;
    sl_err err;
    while ((err = sl_link_next(&it, &l)) == SL_OK) {
        struct sl_link_attr a;
        sl_err aerr;
        int na = 0;
        if (n < max) {
            assert_true(l.uri_len < sizeof out[n].uri);
            memcpy(out[n].uri, l.uri, l.uri_len);
            out[n].uri[l.uri_len] = '\0';
        }
        while ((aerr = sl_link_attr_next(&l, &a)) == SL_OK) {
            if (n < max && na < 8) {
                char *d = out[n].attrs[na];
                int k = snprintf(d, 48, "%.*s", (int)a.name_len, (const char *)a.name);
                if (a.value)
                    snprintf(d + k, (size_t)(48 - k), a.quoted ? "=\"%.*s\"" : "=%.*s", (int)a.value_len,
                             (const char *)a.value);
                else
                    assert_false(a.quoted);
            }
            na++;
        }
        assert_int_equal(aerr, SL_ERR_END);
        assert_int_equal(sl_link_attr_next(&l, &a), SL_ERR_END);
        if (n < max)
            out[n].nattrs = na;
        n++;
    }
    /* errors and the end stick */
    assert_int_equal(sl_link_next(&it, &l), err);
    return err == SL_ERR_END ? n : err;
}

static void test_parse_examples(void **state)
{
    (void)state;
    struct parsed p[16];
    assert_int_equal(parse_all(REGISTER, strlen(REGISTER), p, 16), 4);
    assert_string_equal(p[0].uri, "/");
    assert_int_equal(p[0].nattrs, 2);
    assert_string_equal(p[0].attrs[0], "rt=\"oma.lwm2m\"");
    assert_string_equal(p[0].attrs[1], "ct=11543");
    assert_string_equal(p[1].uri, "/1/0");
    assert_int_equal(p[1].nattrs, 0);
    assert_string_equal(p[3].uri, "/5");

    assert_int_equal(parse_all(DISCOVER, strlen(DISCOVER), p, 16), 10);
    assert_string_equal(p[0].uri, "/3/0");
    assert_string_equal(p[0].attrs[0], "pmin=10");
    assert_string_equal(p[6].uri, "/3/0/7");
    assert_int_equal(p[6].nattrs, 3);
    assert_string_equal(p[6].attrs[0], "dim=8");
    assert_string_equal(p[6].attrs[1], "gt=50");
    assert_string_equal(p[6].attrs[2], "lt=42.2");
    assert_string_equal(p[9].uri, "/3/0/16");

    /* quoted values hold commas, semicolons and escaped quotes */
    const char *q = "</a>;title=\"x,y;z\";t2=\"say \\\"hi\\\"\";obs,</b>;rt=\"\"";
    assert_int_equal(parse_all(q, strlen(q), p, 16), 2);
    assert_string_equal(p[0].attrs[0], "title=\"x,y;z\"");
    assert_string_equal(p[0].attrs[1], "t2=\"say \\\"hi\\\"\"");
    assert_string_equal(p[0].attrs[2], "obs");
    assert_string_equal(p[1].uri, "/b");
    assert_string_equal(p[1].attrs[0], "rt=\"\"");

    /* whitespace between links, empty target, tokens with '=' and '/' */
    const char *ws = " </1/0>,\r\n\t</3/0>;ep=a=b/c , </>";
    assert_int_equal(parse_all(ws, strlen(ws), p, 16), 3);
    ws = " </1/0>,\r\n\t</3/0>;ep=a=b/c, <>\n";
    assert_int_equal(parse_all(ws, strlen(ws), p, 16), 3);
    assert_string_equal(p[1].attrs[0], "ep=a=b/c");
    assert_string_equal(p[2].uri, "");

    /* empty payload, only whitespace */
    assert_int_equal(parse_all("", 0, p, 16), 0);
    assert_int_equal(parse_all(NULL, 0, p, 16), 0);
    assert_int_equal(parse_all(" \n", 2, p, 16), 0);
}

static void test_helpers(void **state)
{
    (void)state;
    const char *s = "</3/0/7>;dim=8;ct=\"40\";obs;x=-1,</bad/path>";
    struct sl_link_iter it;
    struct sl_link l;
    struct sl_link_attr a;
    uint64_t v;
    struct sl_path path;
    sl_link_iter_init(&it, (const uint8_t *)s, strlen(s));
    assert_int_equal(sl_link_next(&it, &l), SL_OK);
    assert_int_equal(sl_link_uri_path(&l, &path), SL_OK);
    struct sl_path want = P(3, 3, 0, 7, 0);
    assert_true(sl_path_equal(&path, &want));
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_true(sl_link_attr_is(&a, "dim"));
    assert_false(sl_link_attr_is(&a, "di"));
    assert_false(sl_link_attr_is(&a, "dims"));
    assert_int_equal(sl_link_attr_uint(&a, &v), SL_OK);
    assert_int_equal(v, 8);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_true(sl_link_attr_is(&a, "ct"));
    assert_int_equal(sl_link_attr_uint(&a, &v), SL_OK);
    assert_int_equal(v, 40);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_true(sl_link_attr_is(&a, "obs"));
    assert_null(a.value);
    assert_int_equal(sl_link_attr_uint(&a, &v), SL_ERR_INVALID);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_int_equal(sl_link_attr_uint(&a, &v), SL_ERR_INVALID);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_ERR_END);
    assert_int_equal(sl_link_next(&it, &l), SL_OK);
    assert_int_equal(sl_link_uri_path(&l, &path), SL_ERR_INVALID);
    assert_int_equal(sl_link_next(&it, &l), SL_ERR_END);
}

static void test_garbage(void **state)
{
    (void)state;
    static const char *bad[] = {
        "<", "</1", "/1>", "</1/0>;", "</1/0>;=1", "</1/0>;a=", "</1/0>;a=\"x", "</1/0>,", "</1/0>,  ",
        "</1/0>x", "x</1/0>", "</1/0>;a=\"x\\", "<<>", ",</1>", "</1/0>;a=b c", "</1/0> ;a", "</1/0>;a b",
        "</1/0>;a=\"b\"c", "</1/0>;a=b\"c\"", "</1/0>,,</2>", "</1/0>;;a", ">", "\"</1>\"", "</1>\x01",
        "</1/0>;a=,</2>", "</1/0>;a,b", "</1/0>;\x80=1", "< /1>", "</1\t>", "</1\x7f>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct parsed p[4];
        int got = parse_all(bad[i], strlen(bad[i]), p, 4);
        if (got != SL_ERR_INVALID)
            fail_msg("\"%s\": %d", bad[i], got);
    }
}

static void test_truncation_everywhere(void **state)
{
    (void)state;
    const char *src[] = { REGISTER, DISCOVER, "</a>;title=\"x,y;z\";t2=\"q\\\"\";obs,</b>" };
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(src[k]);
        struct parsed full[16];
        int nfull = parse_all(src[k], n, full, 16);
        assert_true(nfull > 0);
        for (size_t cut = 0; cut < n; cut++) {
            /* exactly cut bytes on the heap, so ASan sees any overread */
            char *q = malloc(cut + 1);
            memcpy(q, src[k], cut);
            struct parsed p[16];
            int got = parse_all(q, cut, p, 16);
            assert_true(got == SL_ERR_INVALID || (got >= 0 && got <= nfull));
            /* every link but the cut one is read as in the whole payload */
            for (int i = 0; i + 1 < got; i++)
                assert_string_equal(p[i].uri, full[i].uri);
            free(q);
        }
    }
}

/* Fuzz finding (fuzz_link, harness limit): attribute names of hundreds of
 * bytes. Nothing in the parser or writer bounds a name's length. */
static void test_regression_long_name(void **state)
{
    (void)state;
    char in[1300], name[601];
    memset(name, 'u', 600);
    name[600] = '\0';
    int n = snprintf(in, sizeof in, "</>;%s,</1>;%s=\"v\"", name, name);
    assert_true(n > 0 && (size_t)n < sizeof in);
    struct sl_link_iter it;
    struct sl_link l;
    struct sl_link_attr a;
    sl_link_iter_init(&it, (const uint8_t *)in, (size_t)n);
    assert_int_equal(sl_link_next(&it, &l), SL_OK);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_int_equal(a.name_len, 600);
    assert_null(a.value);
    assert_int_equal(sl_link_next(&it, &l), SL_OK);
    assert_int_equal(sl_link_attr_next(&l, &a), SL_OK);
    assert_true(sl_link_attr_is(&a, name));
    assert_int_equal(a.value_len, 1);
    assert_int_equal(sl_link_next(&it, &l), SL_ERR_END);

    uint8_t buf[1300];
    struct sl_wbuf w;
    struct sl_link_writer lw;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0), one = sl_path_make(1, 1, 0, 0, 0);
    sl_wbuf_init(&w, buf, sizeof buf);
    sl_link_writer_init(&lw, &w);
    assert_int_equal(sl_link_put_path(&lw, &root), SL_OK);
    assert_int_equal(sl_link_put_attr_flag(&lw, name), SL_OK);
    assert_int_equal(sl_link_put_path(&lw, &one), SL_OK);
    assert_int_equal(sl_link_put_attr_quoted(&lw, name, "v"), SL_OK);
    assert_text(buf, w.len, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_examples),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_overflow_every_size),
        cmocka_unit_test(test_parse_examples),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_regression_long_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
