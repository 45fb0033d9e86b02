/* Server: JSON nodes <-> records, typing by the object declarations, the
 * payload codecs by format (DESIGN 5 shapes). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_data.h"
#include "server/srv_json.h"

static struct sl_path P(const char *s)
{
    struct sl_path p;
    assert_int_equal(sl_path_parse(s, strlen(s), &p), SL_OK);
    return p;
}

/* Compare JSON with expected JSON text (key order ignored). */
static void assert_json(json_t *got, const char *want_text)
{
    json_error_t e;
    json_t *want = json_loads(want_text, 0, &e);
    if (!want)
        fail_msg("bad expected JSON: %s", e.text);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
        print_error("got  %s\nwant %s\n", g ? g : "(null)", w ? w : "(null)");
        free(g);
        free(w);
        json_decref(want);
        fail();
    }
    json_decref(want);
}

static void device_tlv_to_json(void **state)
{
    (void)state;
    uint8_t buf[256];
    int n = test_hex("c800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d"
                     "20436c69656e74c80209333435303030313233c303312e30860641000141010588070842000ed842"
                     "011388870841007d42010384c10964c10a0f830b410000c40d5182428fc60e2b30323a3030c10f55",
                     buf, sizeof buf);
    assert_int_equal(n, 121);
    struct srv_recs recs;
    srv_recs_init(&recs);
    char err[128];
    struct sl_path base = P("/3/0");
    assert_int_equal(srv_decode(SL_FMT_TLV, &base, buf, (size_t)n, &recs, err, sizeof err), SL_OK);
    json_t *node = srv_json_node(&base, recs.v, recs.n);
    /* declared resources get their types (0-3 strings, 6-8 and 11 multiple
     * integers, 9-10 integers, 13 time as epoch ms): the TS example's power
     * sources [1, 5], voltages [3800, 5000] and currents [125, 900] */
    assert_json(node,
                "{\"id\":0,\"kind\":\"instance\",\"resources\":["
                "{\"id\":0,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"Open Mobile Alliance\"},"
                "{\"id\":1,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"Lightweight M2M Client\"},"
                "{\"id\":2,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"345000123\"},"
                "{\"id\":3,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"1.0\"},"
                "{\"id\":6,\"kind\":\"multiResource\",\"type\":\"INTEGER\",\"values\":{\"0\":1,\"1\":5}},"
                "{\"id\":7,\"kind\":\"multiResource\",\"type\":\"INTEGER\",\"values\":{\"0\":3800,\"1\":5000}},"
                "{\"id\":8,\"kind\":\"multiResource\",\"type\":\"INTEGER\",\"values\":{\"0\":125,\"1\":900}},"
                "{\"id\":9,\"kind\":\"singleResource\",\"type\":\"INTEGER\",\"value\":100},"
                "{\"id\":10,\"kind\":\"singleResource\",\"type\":\"INTEGER\",\"value\":15},"
                "{\"id\":11,\"kind\":\"multiResource\",\"type\":\"INTEGER\",\"values\":{\"0\":0}},"
                "{\"id\":13,\"kind\":\"singleResource\",\"type\":\"TIME\",\"value\":1367491215000},"
                "{\"id\":14,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"+02:00\"},"
                "{\"id\":15,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"U\"}]}");
    json_decref(node);

    /* the same records under the object node, and one resource alone */
    struct sl_path obj = P("/3");
    node = srv_json_node(&obj, recs.v, recs.n);
    assert_string_equal(json_string_value(json_object_get(node, "kind")), "obj");
    json_t *insts = json_object_get(node, "instances");
    assert_int_equal(json_array_size(insts), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(insts, 0), "resources")), 13);
    json_decref(node);
    srv_recs_free(&recs);
}

static void text_read_types(void **state)
{
    (void)state;
    char err[128];
    struct {
        const char *path, *payload, *want;
    } cases[] = {
        { "/3303/0/5700", "23.5",
          "{\"id\":5700,\"kind\":\"singleResource\",\"type\":\"FLOAT\",\"value\":23.5}" },
        { "/3311/0/5850", "1",
          "{\"id\":5850,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":true}" },
        { "/3/0/13", "1700000000",
          "{\"id\":13,\"kind\":\"singleResource\",\"type\":\"TIME\",\"value\":1700000000000}" },
        /* an unknown object: plain text stays a string */
        { "/4242/0/1", "hello",
          "{\"id\":1,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"hello\"}" },
        /* a value that does not fit the declaration is shown as sent */
        { "/3/0/9", "lots",
          "{\"id\":9,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"lots\"}" },
        { "/3/0/11/0", "4",
          "{\"id\":0,\"kind\":\"resourceInstance\",\"type\":\"INTEGER\",\"value\":4}" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct srv_recs recs;
        srv_recs_init(&recs);
        struct sl_path p = P(cases[k].path);
        assert_int_equal(srv_decode(SL_FMT_TEXT, &p, (const uint8_t *)cases[k].payload,
                                    strlen(cases[k].payload), &recs, err, sizeof err),
                         SL_OK);
        json_t *node = srv_json_node(&p, recs.v, recs.n);
        assert_json(node, cases[k].want);
        json_decref(node);
        srv_recs_free(&recs);
    }
}

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return j;
}

/* Write a node, encode it as `fmt`, decode it back and compare the JSON. */
static void roundtrip(const char *path, uint16_t fmt, const char *in, const char *want)
{
    char err[160] = "";
    struct sl_path p = P(path);
    struct srv_recs recs, back;
    srv_recs_init(&recs);
    srv_recs_init(&back);
    json_t *node = J(in);
    sl_err e = srv_json_to_records(node, &p, false, &recs, err, sizeof err);
    if (e != SL_OK)
        fail_msg("%s: to_records: %s", in, err);
    struct srv_buf buf;
    srv_buf_init(&buf, 0);
    e = srv_encode(fmt, &p, &recs, &buf, err, sizeof err);
    if (e != SL_OK)
        fail_msg("%s: encode: %s", in, err);
    e = srv_decode(fmt, &p, buf.p, buf.len, &back, err, sizeof err);
    if (e != SL_OK)
        fail_msg("%s: decode: %s", in, err);
    json_t *out = srv_json_node(&p, back.v, back.n);
    assert_json(out, want);
    json_decref(out);
    json_decref(node);
    srv_buf_free(&buf);
    srv_recs_free(&recs);
    srv_recs_free(&back);
}

static void write_roundtrips(void **state)
{
    (void)state;
    const uint16_t fmts[] = { SL_FMT_TLV, SL_FMT_SENML_CBOR, SL_FMT_LWM2M_CBOR, SL_FMT_TEXT,
                              SL_FMT_CBOR };
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        /* numbers as strings, the kind and id left out */
        roundtrip("/3/0/14", fmts[f], "{\"value\":\"+01:00\"}",
                  "{\"id\":14,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"+01:00\"}");
        roundtrip("/3303/0/5700", fmts[f], "{\"id\":5700,\"kind\":\"singleResource\",\"value\":\"21.25\"}",
                  "{\"id\":5700,\"kind\":\"singleResource\",\"type\":\"FLOAT\",\"value\":21.25}");
        roundtrip("/3311/0/5850", fmts[f], "{\"value\":\"true\"}",
                  "{\"id\":5850,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":true}");
        roundtrip("/3/0/13", fmts[f], "{\"value\":1700000000123}",
                  "{\"id\":13,\"kind\":\"singleResource\",\"type\":\"TIME\",\"value\":1700000000000}");
        roundtrip("/1/0/1", fmts[f], "{\"value\":\"300\"}",
                  "{\"id\":1,\"kind\":\"singleResource\",\"type\":\"INTEGER\",\"value\":300}");
    }
    /* Opaque: hex in either case, lowercase out (text carries it as base64) */
    const uint16_t ofmts[] = { SL_FMT_TLV, SL_FMT_SENML_CBOR, SL_FMT_TEXT, SL_FMT_OPAQUE, SL_FMT_CBOR };
    for (size_t f = 0; f < sizeof ofmts / sizeof ofmts[0]; f++)
        roundtrip("/0/0/3", ofmts[f], "{\"value\":\"00FFa1\"}",
                  "{\"id\":3,\"kind\":\"singleResource\",\"type\":\"OPAQUE\",\"value\":\"00ffa1\"}");
    /* Objlnk as an object or as "oid:iid" */
    roundtrip("/0/0/17", SL_FMT_SENML_CBOR, "{\"value\":\"21:3\"}",
              "{\"id\":17,\"kind\":\"singleResource\",\"type\":\"OBJLNK\","
              "\"value\":{\"objectId\":21,\"objectInstanceId\":3}}");
    roundtrip("/0/0/17", SL_FMT_TLV, "{\"value\":{\"objectId\":21,\"objectInstanceId\":3}}",
              "{\"id\":17,\"kind\":\"singleResource\",\"type\":\"OBJLNK\","
              "\"value\":{\"objectId\":21,\"objectInstanceId\":3}}");
    /* multiple resource; an instance with several resources */
    roundtrip("/2/0/2", SL_FMT_TLV, "{\"kind\":\"multiResource\",\"values\":{\"0\":\"7\",\"3\":15}}",
              "{\"id\":2,\"kind\":\"multiResource\",\"type\":\"INTEGER\",\"values\":{\"0\":7,\"3\":15}}");
    roundtrip("/3311/1", SL_FMT_LWM2M_CBOR,
              "{\"kind\":\"instance\",\"id\":1,\"resources\":[{\"id\":5850,\"value\":false},"
              "{\"id\":5851,\"value\":50}]}",
              "{\"id\":1,\"kind\":\"instance\",\"resources\":["
              "{\"id\":5850,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":false},"
              "{\"id\":5851,\"kind\":\"singleResource\",\"type\":\"INTEGER\",\"value\":50}]}");
    /* an unknown object: the type comes from "type", else from the JSON */
    roundtrip("/4242/0", SL_FMT_SENML_CBOR,
              "{\"resources\":[{\"id\":1,\"type\":\"UNSIGNED_INTEGER\",\"value\":\"18446744073709551615\"},"
              "{\"id\":2,\"value\":1.5},{\"id\":3,\"value\":\"s\"},{\"id\":4,\"value\":true}]}",
              "{\"id\":0,\"kind\":\"instance\",\"resources\":["
              "{\"id\":1,\"kind\":\"singleResource\",\"type\":\"UNSIGNED_INTEGER\",\"value\":\"18446744073709551615\"},"
              "{\"id\":2,\"kind\":\"singleResource\",\"type\":\"FLOAT\",\"value\":1.5},"
              "{\"id\":3,\"kind\":\"singleResource\",\"type\":\"STRING\",\"value\":\"s\"},"
              "{\"id\":4,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":true}]}");
}

static void expect_error(const char *path, const char *in, sl_err want, const char *msg_part)
{
    char err[160] = "";
    struct sl_path p = P(path);
    struct srv_recs recs;
    srv_recs_init(&recs);
    json_t *node = J(in);
    sl_err e = srv_json_to_records(node, &p, false, &recs, err, sizeof err);
    if (e != want || !strstr(err, msg_part))
        fail_msg("%s %s: got %d \"%s\", want %d \"...%s...\"", path, in, e, err, want, msg_part);
    json_decref(node);
    srv_recs_free(&recs);
}

static void write_errors(void **state)
{
    (void)state;
    expect_error("/3303/0/5700", "{\"value\":\"warm\"}", SL_ERR_TYPE, "FLOAT");
    expect_error("/3311/0/5850", "{\"value\":2}", SL_ERR_TYPE, "BOOLEAN");
    expect_error("/0/0/3", "{\"value\":\"abc\"}", SL_ERR_TYPE, "OPAQUE");
    expect_error("/0/0/3", "{\"value\":\"zz\"}", SL_ERR_TYPE, "OPAQUE");
    expect_error("/1/0/1", "{\"value\":1.5}", SL_ERR_TYPE, "INTEGER");
    expect_error("/3/0/14", "{\"value\":7}", SL_ERR_TYPE, "STRING");
    expect_error("/3/0/4", "{\"value\":\"x\"}", SL_ERR_TYPE, "executable");
    expect_error("/3/0/14", "{\"id\":15,\"value\":\"x\"}", SL_ERR_INVALID, "does not match");
    expect_error("/3/0/14", "{\"kind\":\"instance\",\"resources\":[]}", SL_ERR_INVALID, "singleResource");
    expect_error("/3/0", "{\"kind\":\"instance\",\"resources\":[{\"value\":1}]}", SL_ERR_INVALID, "\"id\"");
    expect_error("/3/0", "{\"kind\":\"instance\",\"resources\":{}}", SL_ERR_INVALID, "array");
    expect_error("/2/0/2", "{\"kind\":\"multiResource\",\"values\":{\"x\":1}}", SL_ERR_INVALID, "\"x\"");
    expect_error("/4242/0/1", "{\"value\":null}", SL_ERR_INVALID, "type");
    expect_error("/4242/0/1", "{\"type\":\"COLOUR\",\"value\":1}", SL_ERR_INVALID, "COLOUR");
    expect_error("/3/0/14", "[1]", SL_ERR_INVALID, "object");
    expect_error("/3", "{\"kind\":\"instance\",\"resources\":[]}", SL_ERR_INVALID, "created");
}

static void create_and_composite(void **state)
{
    (void)state;
    char err[160];
    struct srv_recs recs;
    srv_recs_init(&recs);
    struct sl_path obj = P("/3303");
    json_t *j = J("{\"kind\":\"instance\",\"resources\":[{\"id\":5700,\"value\":1}]}");
    assert_int_equal(srv_json_to_records(j, &obj, true, &recs, err, sizeof err), SL_OK);
    assert_int_equal(recs.n, 1);
    assert_int_equal(recs.v[0].path.len, 3);
    assert_int_equal(recs.v[0].path.id[1], SL_ID_NONE); /* no instance ID given */
    assert_int_equal(recs.v[0].value.type, SL_TYPE_FLOAT);
    json_decref(j);
    srv_recs_free(&recs);

    /* an empty instance gives a path-only record */
    srv_recs_init(&recs);
    j = J("{\"kind\":\"instance\",\"id\":4,\"resources\":[]}");
    assert_int_equal(srv_json_to_records(j, &obj, true, &recs, err, sizeof err), SL_OK);
    assert_int_equal(recs.n, 1);
    assert_int_equal(recs.v[0].path.len, 2);
    assert_int_equal(recs.v[0].path.id[1], 4);
    assert_int_equal(recs.v[0].value.type, SL_TYPE_NONE);
    json_decref(j);
    srv_recs_free(&recs);

    /* composite: nodes and bare values by path */
    srv_recs_init(&recs);
    j = J("{\"/3/0/14\":\"+03:00\",\"/3311/0/5850\":{\"value\":true},\"/1/0\":{\"resources\":"
          "[{\"id\":1,\"value\":60}]}}");
    assert_int_equal(srv_json_composite_records(j, &recs, err, sizeof err), SL_OK);
    assert_int_equal(recs.n, 3);
    assert_true(srv_recs_sort(&recs));
    struct sl_path root = P("/");
    struct srv_buf buf;
    srv_buf_init(&buf, 0);
    assert_int_equal(srv_encode(SL_FMT_SENML_CBOR, &root, &recs, &buf, err, sizeof err), SL_OK);
    struct srv_recs back;
    srv_recs_init(&back);
    assert_int_equal(srv_decode(SL_FMT_SENML_CBOR, &root, buf.p, buf.len, &back, err, sizeof err),
                     SL_OK);
    assert_int_equal(back.n, 3);
    assert_int_equal(back.v[0].value.type, SL_TYPE_INT); /* /1/0/1 */
    assert_int_equal(back.v[1].value.type, SL_TYPE_STRING); /* /3/0/14 */
    assert_int_equal(back.v[2].value.type, SL_TYPE_BOOL);   /* /3311/0/5850 */
    srv_recs_free(&back);
    srv_buf_free(&buf);
    json_decref(j);
    srv_recs_free(&recs);

    srv_recs_init(&recs);
    j = J("{\"/3\":1}");
    assert_int_equal(srv_json_composite_records(j, &recs, err, sizeof err), SL_ERR_INVALID);
    json_decref(j);
    srv_recs_free(&recs);
}

static void formats_and_bad_payloads(void **state)
{
    (void)state;
    uint16_t f;
    assert_true(srv_format_parse("tlv", &f) && f == SL_FMT_TLV);
    assert_true(srv_format_parse("SenML_Cbor", &f) && f == SL_FMT_SENML_CBOR);
    assert_true(srv_format_parse("senml-cbor", &f) && f == SL_FMT_SENML_CBOR);
    assert_true(srv_format_parse("LWM2M_CBOR", &f) && f == SL_FMT_LWM2M_CBOR);
    assert_true(srv_format_parse("text", &f) && f == SL_FMT_TEXT);
    assert_true(srv_format_parse("Opaque", &f) && f == SL_FMT_OPAQUE);
    assert_true(srv_format_parse("cbor", &f) && f == SL_FMT_CBOR);
    assert_true(srv_format_parse("11542", &f) && f == SL_FMT_TLV);
    assert_false(srv_format_parse("json", &f));
    assert_false(srv_format_parse("", &f));
    assert_false(srv_format_parse("110", &f));
    assert_string_equal(srv_format_name(SL_FMT_LWM2M_CBOR), "LWM2M_CBOR");

    char err[128];
    struct srv_recs recs;
    srv_recs_init(&recs);
    struct sl_path p = P("/3/0");
    const uint8_t junk[] = { 0xc8, 0x00, 0x40 }; /* TLV claiming more than it has */
    assert_int_equal(srv_decode(SL_FMT_TLV, &p, junk, sizeof junk, &recs, err, sizeof err),
                     SL_ERR_INVALID);
    assert_non_null(strstr(err, "TLV"));
    assert_int_equal(srv_decode(110, &p, junk, sizeof junk, &recs, err, sizeof err), SL_ERR_FORMAT);
    struct sl_path r = P("/3/0/0");
    const uint8_t cbor_trailing[] = { 0x01, 0x02 };
    assert_int_equal(srv_decode(SL_FMT_CBOR, &r, cbor_trailing, 2, &recs, err, sizeof err),
                     SL_ERR_INVALID);
    /* empty payload without a format: nothing */
    assert_int_equal(srv_decode(SL_FMT_NONE, &p, NULL, 0, &recs, err, sizeof err), SL_OK);
    assert_int_equal(recs.n, 0);
    srv_recs_free(&recs);

    /* TEXT cannot carry an instance */
    srv_recs_init(&recs);
    json_t *j = J("{\"kind\":\"instance\",\"resources\":[{\"id\":14,\"value\":\"a\"}]}");
    assert_int_equal(srv_json_to_records(j, &p, false, &recs, err, sizeof err), SL_OK);
    struct srv_buf buf;
    srv_buf_init(&buf, 0);
    assert_int_equal(srv_encode(SL_FMT_TEXT, &p, &recs, &buf, err, sizeof err), SL_ERR_FORMAT);
    assert_non_null(strstr(err, "TEXT"));
    srv_buf_free(&buf);
    json_decref(j);
    srv_recs_free(&recs);
}

static void value_output(void **state)
{
    (void)state;
    struct sl_value v = sl_value_uint(UINT64_MAX);
    json_t *j = srv_json_value(&v);
    assert_string_equal(json_string_value(j), "18446744073709551615");
    json_decref(j);
    v = sl_value_float(1.0 / 0.0);
    j = srv_json_value(&v);
    assert_string_equal(json_string_value(j), "Infinity");
    json_decref(j);
    const uint8_t bad_utf8[] = { 'a', 0xff, 'b' };
    v = sl_value_string((const char *)bad_utf8, 3);
    j = srv_json_value(&v);
    assert_string_equal(json_string_value(j), "a?b");
    json_decref(j);
    v = sl_value_opaque(NULL, 0);
    j = srv_json_value(&v);
    assert_string_equal(json_string_value(j), "");
    json_decref(j);
}

static void dumps_shortest_reals(void **state)
{
    (void)state;
    json_t *j = json_pack("{s:f,s:f,s:f,s:i}", "a", 21.37, "b", 0.1, "c", 1e300, "d", 5);
    char *t = srv_json_dumps(j);
    assert_string_equal(t, "{\"a\":21.37,\"b\":0.1,\"c\":1e300,\"d\":5}");
    free(t);
    json_decref(j);
    /* a real that needs 17 digits gets them, and so does the document */
    j = json_pack("[f,f]", 0.1 + 0.2, 2.5);
    t = srv_json_dumps(j);
    json_t *back = json_loads(t, 0, NULL);
    assert_true(json_real_value(json_array_get(back, 0)) == 0.1 + 0.2);
    assert_true(json_real_value(json_array_get(back, 1)) == 2.5);
    json_decref(back);
    free(t);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_tlv_to_json),
        cmocka_unit_test(text_read_types),
        cmocka_unit_test(write_roundtrips),
        cmocka_unit_test(write_errors),
        cmocka_unit_test(create_and_composite),
        cmocka_unit_test(formats_and_bad_payloads),
        cmocka_unit_test(value_output),
        cmocka_unit_test(dumps_shortest_reals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
