/* LwM2M TLV codec: the TS examples byte for byte, every header form,
 * truncation and nesting errors, and output overflow at every size. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "codec/tlv.h"
#include "codec/value.h"

/* ---- helpers ------------------------------------------------------------ */

static struct sl_path P(int len, int o, int i, int r, int ri)
{
    return sl_path_make(len, (uint16_t)o, (uint16_t)i, (uint16_t)r, (uint16_t)ri);
}

static struct sl_record R(struct sl_path p, struct sl_value v)
{
    struct sl_record r = { p, v };
    return r;
}

static struct sl_value S(const char *s)
{
    return sl_value_string(s, strlen(s));
}

static struct sl_value NONE(void)
{
    struct sl_value v = { .type = SL_TYPE_NONE };
    return v;
}

/* Decode everything; returns the record count, or the error as a negative. */
static int decode_all(const struct sl_path *base, const uint8_t *p, size_t n, struct sl_record *out, int max)
{
    struct sl_tlv_dec d;
    sl_tlv_dec_init(&d, base, p, n);
    int count = 0;
    for (;;) {
        struct sl_record r;
        sl_err err = sl_tlv_dec_next(&d, &r);
        if (err == SL_ERR_END)
            return count;
        if (err != SL_OK) {
            /* errors stick */
            assert_int_equal(sl_tlv_dec_next(&d, &r), err);
            return err;
        }
        if (count < max)
            out[count] = r;
        count++;
    }
}

static sl_err encode_all(const struct sl_path *base, const struct sl_record *recs, int n, uint8_t *buf,
                         size_t cap, size_t *len)
{
    struct sl_wbuf w;
    struct sl_tlv_enc e;
    sl_wbuf_init(&w, buf, cap);
    sl_err err = sl_tlv_enc_begin(&e, &w, base);
    for (int i = 0; i < n && err == SL_OK; i++)
        err = sl_tlv_enc_record(&e, &recs[i]);
    sl_err end = sl_tlv_enc_end(&e);
    if (err == SL_OK)
        err = end;
    *len = w.len;
    return err;
}

static void assert_path(const struct sl_path *got, struct sl_path want)
{
    if (!sl_path_equal(got, &want)) {
        char a[32], b[32];
        sl_path_format(got, a, sizeof a);
        sl_path_format(&want, b, sizeof b);
        fail_msg("path %s, want %s", a, b);
    }
}

static void assert_raw(const struct sl_record *r, struct sl_path p, const char *hex)
{
    assert_path(&r->path, p);
    assert_int_equal(r->value.type, SL_TYPE_RAW_TLV);
    assert_hex_equal(hex, r->value.v.bytes.ptr, r->value.v.bytes.len);
}

static void assert_raw_str(const struct sl_record *r, struct sl_path p, const char *s)
{
    assert_path(&r->path, p);
    assert_int_equal(r->value.type, SL_TYPE_RAW_TLV);
    assert_int_equal(r->value.v.bytes.len, strlen(s));
    assert_memory_equal(r->value.v.bytes.ptr, s, strlen(s));
}

/* Encode recs at base and compare with hex; then decode hex at base and
 * check every record converts back to the record's value. */
static void roundtrip(const struct sl_path *base, const struct sl_record *recs, int n, const char *hex)
{
    uint8_t want[512], buf[512];
    int wn = test_hex(hex, want, sizeof want);
    assert_true(wn > 0);
    size_t len;
    assert_int_equal(encode_all(base, recs, n, buf, sizeof buf, &len), SL_OK);
    assert_hex_equal(hex, buf, len);

    struct sl_record got[64];
    assert_int_equal(decode_all(base, want, (size_t)wn, got, 64), n);
    for (int i = 0; i < n; i++) {
        assert_path(&got[i].path, recs[i].path);
        struct sl_value v;
        if (recs[i].value.type == SL_TYPE_NONE) {
            assert_int_equal(got[i].value.type, SL_TYPE_NONE);
            continue;
        }
        assert_int_equal(sl_value_convert(&got[i].value, recs[i].value.type, &v), SL_OK);
        switch (v.type) {
        case SL_TYPE_STRING:
        case SL_TYPE_OPAQUE:
        case SL_TYPE_CORELNK:
            assert_int_equal(v.v.bytes.len, recs[i].value.v.bytes.len);
            assert_memory_equal(v.v.bytes.ptr, recs[i].value.v.bytes.ptr, v.v.bytes.len);
            break;
        case SL_TYPE_FLOAT:
            assert_true(v.v.f == recs[i].value.v.f);
            break;
        case SL_TYPE_BOOL:
            assert_int_equal(v.v.b, recs[i].value.v.b);
            break;
        case SL_TYPE_OBJLNK:
            assert_int_equal(v.v.objlnk.oid, recs[i].value.v.objlnk.oid);
            assert_int_equal(v.v.objlnk.iid, recs[i].value.v.objlnk.iid);
            break;
        case SL_TYPE_UINT:
            assert_true(v.v.u == recs[i].value.v.u);
            break;
        default:
            assert_true(v.v.i == recs[i].value.v.i);
            break;
        }
    }
}

/* ---- the TS Device example (tests/vectors/lwm2m-tlv-device-example.txt) -- */

static int device_hex(char *out, size_t cap)
{
    size_t len;
    char *text = test_read_vector("lwm2m-tlv-device-example.txt", &len);
    const char *mark = strstr(text, "121 bytes:\n");
    assert_non_null(mark);
    mark += strlen("121 bytes:\n");
    size_t n = strcspn(mark, "\n");
    assert_true(n < cap);
    memcpy(out, mark, n);
    out[n] = '\0';
    free(text);
    return (int)n;
}

static int device_records(struct sl_record *r)
{
    int n = 0;
    r[n++] = R(P(3, 3, 0, 0, 0), S("Open Mobile Alliance"));
    r[n++] = R(P(3, 3, 0, 1, 0), S("Lightweight M2M Client"));
    r[n++] = R(P(3, 3, 0, 2, 0), S("345000123"));
    r[n++] = R(P(3, 3, 0, 3, 0), S("1.0"));
    r[n++] = R(P(4, 3, 0, 6, 0), sl_value_int(1));
    r[n++] = R(P(4, 3, 0, 6, 1), sl_value_int(5));
    r[n++] = R(P(4, 3, 0, 7, 0), sl_value_int(3800));
    r[n++] = R(P(4, 3, 0, 7, 1), sl_value_int(5000));
    r[n++] = R(P(4, 3, 0, 8, 0), sl_value_int(125));
    r[n++] = R(P(4, 3, 0, 8, 1), sl_value_int(900));
    r[n++] = R(P(3, 3, 0, 9, 0), sl_value_int(100));
    r[n++] = R(P(3, 3, 0, 10, 0), sl_value_int(15));
    r[n++] = R(P(4, 3, 0, 11, 0), sl_value_int(0));
    r[n++] = R(P(3, 3, 0, 13, 0), sl_value_time(1367491215));
    r[n++] = R(P(3, 3, 0, 14, 0), S("+02:00"));
    r[n++] = R(P(3, 3, 0, 15, 0), S("U"));
    return n;
}

static void test_device_decode(void **state)
{
    (void)state;
    char hex[400];
    device_hex(hex, sizeof hex);
    uint8_t p[200];
    int n = test_hex(hex, p, sizeof p);
    assert_int_equal(n, 121);
    struct sl_path base = P(2, 3, 0, 0, 0);
    struct sl_record r[32];
    assert_int_equal(decode_all(&base, p, (size_t)n, r, 32), 16);
    assert_raw_str(&r[0], P(3, 3, 0, 0, 0), "Open Mobile Alliance");
    assert_raw_str(&r[1], P(3, 3, 0, 1, 0), "Lightweight M2M Client");
    assert_raw_str(&r[2], P(3, 3, 0, 2, 0), "345000123");
    assert_raw_str(&r[3], P(3, 3, 0, 3, 0), "1.0");
    assert_raw(&r[4], P(4, 3, 0, 6, 0), "01");
    assert_raw(&r[5], P(4, 3, 0, 6, 1), "05");
    assert_raw(&r[6], P(4, 3, 0, 7, 0), "0ed8");
    assert_raw(&r[7], P(4, 3, 0, 7, 1), "1388");
    assert_raw(&r[8], P(4, 3, 0, 8, 0), "7d");
    assert_raw(&r[9], P(4, 3, 0, 8, 1), "0384");
    assert_raw(&r[10], P(3, 3, 0, 9, 0), "64");
    assert_raw(&r[11], P(3, 3, 0, 10, 0), "0f");
    assert_raw(&r[12], P(4, 3, 0, 11, 0), "00");
    assert_raw(&r[13], P(3, 3, 0, 13, 0), "5182428f");
    assert_raw_str(&r[14], P(3, 3, 0, 14, 0), "+02:00");
    assert_raw_str(&r[15], P(3, 3, 0, 15, 0), "U");

    /* and as typed values */
    struct sl_value v;
    assert_int_equal(sl_value_convert(&r[7].value, SL_TYPE_INT, &v), SL_OK);
    assert_int_equal(v.v.i, 5000);
    assert_int_equal(sl_value_convert(&r[9].value, SL_TYPE_UINT, &v), SL_OK);
    assert_int_equal(v.v.u, 900);
    assert_int_equal(sl_value_convert(&r[13].value, SL_TYPE_TIME, &v), SL_OK);
    assert_int_equal(v.v.i, 1367491215);
}

static void test_device_encode(void **state)
{
    (void)state;
    char hex[400];
    device_hex(hex, sizeof hex);
    struct sl_record r[32];
    int n = device_records(r);
    struct sl_path base = P(2, 3, 0, 0, 0);
    roundtrip(&base, r, n, hex);

    /* Read /3: the same wrapped in Object Instance 0 (TS "Request on a
     * single-instance Object"): 08 00 79 is instance 0, length 121 */
    char wrapped[420] = "080079";
    strcat(wrapped, hex);
    struct sl_path obj = P(1, 3, 0, 0, 0);
    roundtrip(&obj, r, n, wrapped);
}

/* TS: Read /2, the Access Control object with instances 0 and 2 */
static const char ACL_HEX[] = "08000EC10001C101008302417F07C1037F"
                              "080212C10003C101008702417F0761013601C1037F";

static void test_acl_example(void **state)
{
    (void)state;
    struct sl_record r[] = {
        R(P(3, 2, 0, 0, 0), sl_value_int(1)),       R(P(3, 2, 0, 1, 0), sl_value_int(0)),
        R(P(4, 2, 0, 2, 127), sl_value_int(7)),     R(P(3, 2, 0, 3, 0), sl_value_int(127)),
        R(P(3, 2, 2, 0, 0), sl_value_int(3)),       R(P(3, 2, 2, 1, 0), sl_value_int(0)),
        R(P(4, 2, 2, 2, 127), sl_value_int(7)),     R(P(4, 2, 2, 2, 310), sl_value_int(1)),
        R(P(3, 2, 2, 3, 0), sl_value_int(127)),
    };
    struct sl_path base = P(1, 2, 0, 0, 0);
    roundtrip(&base, r, 9, ACL_HEX);
}

/* TS: Read /1, the Server object with one instance */
static void test_server_example(void **state)
{
    (void)state;
    struct sl_record r[] = {
        R(P(3, 1, 0, 0, 0), sl_value_int(1)),
        R(P(3, 1, 0, 1, 0), sl_value_int(86400)),
        R(P(3, 1, 0, 6, 0), sl_value_bool(true)),
        R(P(3, 1, 0, 7, 0), S("U")),
    };
    struct sl_path base = P(1, 1, 0, 0, 0);
    roundtrip(&base, r, 4, "08000FC10001C40100015180C10601C10755");
}

/* TS: object links, Read /65/0 (a multiple Objlnk resource) and Read /66 */
static void test_objlnk_examples(void **state)
{
    (void)state;
    struct sl_record r65[] = {
        R(P(4, 65, 0, 0, 0), sl_value_objlnk(66, 0)),
        R(P(4, 65, 0, 0, 1), sl_value_objlnk(66, 1)),
        R(P(3, 65, 0, 1, 0), S("8613800755500")),
        R(P(3, 65, 0, 2, 0), sl_value_int(0x12345678)),
    };
    struct sl_path b65 = P(2, 65, 0, 0, 0);
    roundtrip(&b65, r65, 4, "88000C440000420000440100420001C8010D38363133383030373535353030C40212345678");

    struct sl_record r66[] = {
        R(P(3, 66, 0, 0, 0), S("myService 1")),
        R(P(3, 66, 0, 1, 0), S("Internet.15.234")),
        R(P(3, 66, 0, 2, 0), sl_value_objlnk(67, 0)),
        R(P(3, 66, 1, 0, 0), S("myService 2")),
        R(P(3, 66, 1, 1, 0), S("Internet.15.235")),
        R(P(3, 66, 1, 2, 0), sl_value_objlnk(0xFFFF, 0xFFFF)),
    };
    struct sl_path b66 = P(1, 66, 0, 0, 0);
    roundtrip(&b66, r66, 6,
              "080026C8000B6D79536572766963652031C8010F496E7465726E65742E31352E323334C40200430000"
              "080126C8000B6D79536572766963652032C8010F496E7465726E65742E31352E323335C402FFFFFFFF");
}

/* Resource and resource-instance bases: Read /3/0/7, /3/0/0, /3/0/7/1 */
static void test_resource_bases(void **state)
{
    (void)state;
    struct sl_record multi[] = {
        R(P(4, 3, 0, 7, 0), sl_value_int(3800)),
        R(P(4, 3, 0, 7, 1), sl_value_int(5000)),
    };
    struct sl_path b7 = P(3, 3, 0, 7, 0);
    roundtrip(&b7, multi, 2, "88070842000ED842011388");

    struct sl_record single[] = { R(P(3, 3, 0, 0, 0), S("Open Mobile Alliance")) };
    struct sl_path b0 = P(3, 3, 0, 0, 0);
    roundtrip(&b0, single, 1, "C800144F70656E204D6F62696C6520416C6C69616E6365");

    struct sl_record ri[] = { R(P(4, 3, 0, 7, 1), sl_value_int(5000)) };
    struct sl_path b71 = P(4, 3, 0, 7, 1);
    roundtrip(&b71, ri, 1, "42011388");

    /* bare resource instances below a resource base are tolerated */
    uint8_t p[16];
    int n = test_hex("410001410105", p, sizeof p);
    struct sl_record got[4];
    struct sl_path b6 = P(3, 3, 0, 6, 0);
    assert_int_equal(decode_all(&b6, p, (size_t)n, got, 4), 2);
    assert_raw(&got[0], P(4, 3, 0, 6, 0), "01");
    assert_raw(&got[1], P(4, 3, 0, 6, 1), "05");
}

/* Empty containers and a Create without instance ID. */
static void test_empty_and_no_instance(void **state)
{
    (void)state;
    /* empty multiple resource at instance level and at resource level */
    struct sl_record inst[] = {
        R(P(3, 3, 0, 6, 0), NONE()),
        R(P(3, 3, 0, 9, 0), sl_value_int(100)),
    };
    struct sl_path b30 = P(2, 3, 0, 0, 0);
    roundtrip(&b30, inst, 2, "8006C10964");
    struct sl_record res[] = { R(P(3, 3, 0, 6, 0), NONE()) };
    struct sl_path b306 = P(3, 3, 0, 6, 0);
    roundtrip(&b306, res, 1, "8006");

    /* empty object instance (and one with a 16-bit ID) */
    struct sl_record objs[] = {
        R(P(2, 1, 4, 0, 0), NONE()),
        R(P(2, 1, 300, 0, 0), NONE()),
        R(P(3, 1, 301, 0, 0), sl_value_int(1)),
    };
    struct sl_path b1 = P(1, 1, 0, 0, 0);
    roundtrip(&b1, objs, 3, "0004 20012C 23012DC10001");

    /* an instance record followed by its resources gives one instance */
    struct sl_record marked[] = {
        R(P(2, 1, 0, 0, 0), NONE()),
        R(P(3, 1, 0, 0, 0), sl_value_int(1)),
    };
    uint8_t buf[32];
    size_t len;
    assert_int_equal(encode_all(&b1, marked, 2, buf, sizeof buf, &len), SL_OK);
    assert_hex_equal("0300C10001", buf, len);

    /* Create /1 with resources but no instance TLV: instance ID 65535 */
    uint8_t p[32];
    int n = test_hex("C10001 C40100015180 8302410105", p, sizeof p);
    struct sl_record got[4];
    assert_int_equal(decode_all(&b1, p, (size_t)n, got, 4), 3);
    assert_raw(&got[0], P(3, 1, SL_ID_NONE, 0, 0), "01");
    assert_raw(&got[1], P(3, 1, SL_ID_NONE, 1, 0), "00015180");
    assert_raw(&got[2], P(4, 1, SL_ID_NONE, 2, 1), "05");
    assert_int_equal(got[0].path.id[1], 65535);
}

/* ---- headers and values --------------------------------------------------- */

static void test_header_forms(void **state)
{
    (void)state;
    static const size_t lens[] = { 0, 1, 7, 8, 255, 256, 65535, 65536, 0xFFFFFF };
    static const uint16_t ids[] = { 0, 255, 256, SL_ID_MAX };
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        for (size_t ii = 0; ii < sizeof ids / sizeof ids[0]; ii++) {
            for (uint8_t kind = 0; kind < 4; kind++) {
                uint8_t buf[8];
                struct sl_wbuf w;
                sl_wbuf_init(&w, buf, sizeof buf);
                assert_int_equal(sl_tlv_header_put(&w, kind, ids[ii], lens[li]), SL_OK);
                assert_int_equal(w.len, sl_tlv_header_size(ids[ii], lens[li]));
                struct sl_tlv_header h;
                /* parse with exactly enough room for the value */
                assert_int_equal(sl_tlv_header_parse(buf, w.len + lens[li], &h), SL_OK);
                assert_int_equal(h.kind, kind);
                assert_int_equal(h.id, ids[ii]);
                assert_int_equal(h.len, lens[li]);
                assert_int_equal(h.size, w.len);
                /* one byte short of the value */
                assert_int_equal(sl_tlv_header_parse(buf, w.len + lens[li] - 1, &h), SL_ERR_INVALID);
                /* header cut anywhere */
                for (size_t k = 0; k < w.len; k++)
                    assert_int_equal(sl_tlv_header_parse(buf, k, &h), SL_ERR_INVALID);
            }
        }
    }
    /* known bytes: every length field size */
    uint8_t buf[8];
    struct sl_wbuf w;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_RESOURCE, 1, 5), SL_OK);
    assert_hex_equal("c501", buf, w.len);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_RESOURCE, 1, 8), SL_OK);
    assert_hex_equal("c80108", buf, w.len);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_MULTIPLE, 300, 300), SL_OK);
    assert_hex_equal("b0012c012c", buf, w.len);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_INSTANCE, 1, 65536), SL_OK);
    assert_hex_equal("1801010000", buf, w.len);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_RES_INSTANCE, 65534, 0xFFFFFF), SL_OK);
    assert_hex_equal("78fffeffffff", buf, w.len);
    /* limits */
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_RESOURCE, 65535, 1), SL_ERR_INVALID);
    assert_int_equal(sl_tlv_header_put(&w, SL_TLV_RESOURCE, 1, 0x1000000), SL_ERR_RANGE);
    assert_int_equal(w.len, 0);
    struct sl_tlv_header h;
    uint8_t ffff[] = { 0xE0, 0xFF, 0xFF };
    assert_int_equal(sl_tlv_header_parse(ffff, sizeof ffff, &h), SL_ERR_INVALID);
    /* non-minimal length forms are accepted */
    uint8_t loose[] = { 0xD0, 0x01, 0x00, 0x01, 0xAA };
    assert_int_equal(sl_tlv_header_parse(loose, sizeof loose, &h), SL_OK);
    assert_int_equal(h.len, 1);
    assert_int_equal(h.size, 4);
}

static void test_int_values(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *hex;
    } cases[] = {
        { 0, "00" },
        { 1, "01" },
        { 127, "7f" },
        { 128, "0080" },
        { -1, "ff" },
        { -128, "80" },
        { -129, "ff7f" },
        { 32767, "7fff" },
        { 32768, "00008000" },
        { -32769, "ffff7fff" },
        { INT32_MAX, "7fffffff" },
        { (int64_t)INT32_MAX + 1, "0000000080000000" },
        { INT32_MIN, "80000000" },
        { INT64_MAX, "7fffffffffffffff" },
        { INT64_MIN, "8000000000000000" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[8];
        size_t n = sl_tlv_int_encode(cases[i].v, b);
        assert_hex_equal(cases[i].hex, b, n);
        int64_t back;
        assert_int_equal(sl_tlv_int_decode(b, n, &back), SL_OK);
        assert_true(back == cases[i].v);
    }
    uint8_t b[8];
    int64_t i;
    uint64_t u;
    assert_int_equal(sl_tlv_int_decode(b, 0, &i), SL_ERR_TYPE);
    assert_int_equal(sl_tlv_int_decode(b, 3, &i), SL_ERR_TYPE);
    assert_int_equal(sl_tlv_int_decode(b, 9, &i), SL_ERR_TYPE);

    /* UINT: top bit clear where possible, 8 bytes above INT64_MAX */
    size_t n = sl_tlv_uint_encode(200, b);
    assert_hex_equal("00c8", b, n);
    n = sl_tlv_uint_encode(UINT64_MAX, b);
    assert_hex_equal("ffffffffffffffff", b, n);
    assert_int_equal(sl_tlv_uint_decode(b, n, &u), SL_OK);
    assert_true(u == UINT64_MAX);
    /* unsigned reading per TS 1.1: one byte 0xc8 is 200; 3 bytes allowed */
    uint8_t c8[] = { 0xc8, 0x01, 0x02 };
    assert_int_equal(sl_tlv_uint_decode(c8, 1, &u), SL_OK);
    assert_int_equal(u, 200);
    assert_int_equal(sl_tlv_uint_decode(c8, 3, &u), SL_OK);
    assert_int_equal(u, 0xc80102);
    assert_int_equal(sl_tlv_uint_decode(c8, 0, &u), SL_ERR_TYPE);
    assert_int_equal(sl_tlv_uint_decode(b, 9, &u), SL_ERR_TYPE);
}

static void test_float_values(void **state)
{
    (void)state;
    uint8_t b[8];
    double d;
    size_t n = sl_tlv_float_encode(1.5, b);
    assert_hex_equal("3fc00000", b, n);
    n = sl_tlv_float_encode(-0.0, b);
    assert_hex_equal("80000000", b, n);
    n = sl_tlv_float_encode(3.4028234663852886e38, b);
    assert_hex_equal("7f7fffff", b, n);
    n = sl_tlv_float_encode(1.1, b);
    assert_hex_equal("3ff199999999999a", b, n);
    n = sl_tlv_float_encode(1e300, b);
    assert_hex_equal("7e37e43c8800759c", b, n);
    n = sl_tlv_float_encode(3.5e38, b); /* above binary32 range */
    assert_int_equal(n, 8);
    n = sl_tlv_float_encode(1e-45, b); /* not exact as a binary32 subnormal */
    assert_int_equal(n, 8);
    n = sl_tlv_float_encode(1.401298464324817e-45, b); /* exactly the smallest binary32 subnormal */
    assert_hex_equal("00000001", b, n);
    assert_int_equal(sl_tlv_float_decode(b, n, &d), SL_OK);
    assert_true(d == 1.401298464324817e-45);
    uint8_t nan[8];
    uint64_t qnan = UINT64_C(0x7ff8000000000000);
    double dn;
    memcpy(&dn, &qnan, sizeof dn);
    n = sl_tlv_float_encode(dn, nan);
    assert_hex_equal("7ff8000000000000", nan, n);

    uint8_t f4[] = { 0x42, 0x28, 0x00, 0x00 };
    assert_int_equal(sl_tlv_float_decode(f4, 4, &d), SL_OK);
    assert_true(d == 42.0);
    assert_int_equal(sl_tlv_float_decode(f4, 2, &d), SL_ERR_TYPE);
    assert_int_equal(sl_tlv_float_decode(f4, 0, &d), SL_ERR_TYPE);
}

static void test_put_value_kinds(void **state)
{
    (void)state;
    uint8_t buf[80000];
    struct sl_wbuf w;
    /* every value type as a Resource TLV */
    struct sl_record r[] = {
        R(P(3, 9, 0, 0, 0), S("")),
        R(P(3, 9, 0, 1, 0), sl_value_uint(200)),
        R(P(3, 9, 0, 2, 0), sl_value_float(1.5)),
        R(P(3, 9, 0, 3, 0), sl_value_bool(false)),
        R(P(3, 9, 0, 4, 0), sl_value_opaque((const uint8_t *)"\x01\x02", 2)),
        R(P(3, 9, 0, 5, 0), sl_value_time(-1)),
        R(P(3, 9, 0, 6, 0), sl_value_objlnk(3, 0)),
    };
    struct sl_record corelnk = R(P(3, 9, 0, 7, 0), S("</3/0>"));
    corelnk.value.type = SL_TYPE_CORELNK;
    struct sl_record all[8];
    memcpy(all, r, sizeof r);
    all[7] = corelnk;
    struct sl_path base = P(2, 9, 0, 0, 0);
    roundtrip(&base, all, 8, "C000 C20100C8 C4023FC00000 C10300 C2040102 C105FF C40600030000 C6073C2F332F303E");

    /* long values take 16- and 24-bit length fields */
    static uint8_t big[70000];
    memset(big, 0xAB, sizeof big);
    struct sl_value v = sl_value_opaque(big, 300);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &v), SL_OK);
    assert_int_equal(w.len, 4 + 300);
    assert_hex_equal("d002012c", buf, 4);
    v = sl_value_opaque(big, sizeof big);
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &v), SL_OK);
    assert_hex_equal("d802011170", buf, 5);
    assert_int_equal(w.len, 5 + sizeof big);

    /* whole TLV or nothing */
    sl_wbuf_init(&w, buf, 5 + sizeof big - 1);
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &v), SL_ERR_OVERFLOW);
    assert_int_equal(w.len, 0);

    /* no raw values, no NONE */
    struct sl_value raw = { .type = SL_TYPE_RAW_TLV };
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &raw), SL_ERR_TYPE);
    raw.type = SL_TYPE_RAW_TEXT;
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &raw), SL_ERR_TYPE);
    raw.type = SL_TYPE_NONE;
    assert_int_equal(sl_tlv_put_value(&w, SL_TLV_RESOURCE, 2, &raw), SL_ERR_TYPE);

    /* a container too long for a 16-bit length gets a 24-bit one */
    struct sl_record inst = R(P(3, 9, 0, 1, 0), sl_value_opaque(big, 65536));
    struct sl_path b9 = P(1, 9, 0, 0, 0);
    size_t len;
    assert_int_equal(encode_all(&b9, &inst, 1, buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 5 + 5 + 65536);
    assert_hex_equal("1800010005 d801010000", buf, 10);
    struct sl_record got[2];
    assert_int_equal(decode_all(&b9, buf, len, got, 2), 1);
    assert_int_equal(got[0].value.v.bytes.len, 65536);
}

/* ---- malformed input -------------------------------------------------- */

struct vec {
    struct sl_path base;
    const char *hex;
};

/* Offsets where a top-level TLV ends, walking the real payload. */
static bool top_boundary(const uint8_t *p, size_t n, size_t cut)
{
    size_t pos = 0;
    while (pos < cut) {
        struct sl_tlv_header h;
        assert_int_equal(sl_tlv_header_parse(p + pos, n - pos, &h), SL_OK);
        pos += h.size + h.len;
    }
    return pos == cut;
}

static void test_truncation_everywhere(void **state)
{
    (void)state;
    char dev[400];
    device_hex(dev, sizeof dev);
    char wrapped[420] = "080079";
    strcat(wrapped, dev);
    struct vec vecs[] = {
        { P(2, 3, 0, 0, 0), dev },
        { P(1, 3, 0, 0, 0), wrapped },
        { P(1, 2, 0, 0, 0), ACL_HEX },
        { P(3, 3, 0, 7, 0), "88070842000ED842011388" },
        { P(4, 3, 0, 7, 1), "42011388" },
    };
    for (size_t v = 0; v < sizeof vecs / sizeof vecs[0]; v++) {
        uint8_t p[200];
        int n = test_hex(vecs[v].hex, p, sizeof p);
        assert_true(n > 0);
        int full = decode_all(&vecs[v].base, p, (size_t)n, NULL, 0);
        assert_true(full > 0);
        for (int cut = 0; cut < n; cut++) {
            /* a copy of exactly cut bytes, so ASan sees any overread */
            uint8_t *q = malloc((size_t)cut + 1);
            memcpy(q, p, (size_t)cut);
            int got = decode_all(&vecs[v].base, q, (size_t)cut, NULL, 0);
            if (top_boundary(p, (size_t)n, (size_t)cut))
                assert_true(got >= 0 && got < full);
            else
                assert_int_equal(got, SL_ERR_INVALID);
            free(q);
        }
    }
}

static void test_structure_errors(void **state)
{
    (void)state;
    static const struct {
        int base_len;
        const char *hex;
    } bad[] = {
        /* instance length beyond the payload, value beyond its instance */
        { 1, "080004C10001" },
        { 1, "080003C20001AA" },
        /* multiple resource longer than its instance */
        { 1, "0800038606410001" },
        /* instance inside instance; multiple inside multiple; resource inside multiple */
        { 1, "080005080102C100" },
        { 2, "85048302410001" },
        { 2, "8303C10001" },
        /* instance below an instance base; resource instance at its top */
        { 2, "080003C10001" },
        { 2, "410001" },
        /* resource instance at the top of an object base */
        { 1, "410001" },
        /* instances and bare resources mixed below an object base, both orders */
        { 1, "080003C10001C10101" },
        { 1, "C10101080003C10001" },
        /* resource base /3/0/7: other resource ID, two resources, mixed forms */
        { 3, "C10801" },
        { 3, "C10701C10702" },
        { 3, "880700C10701" },
        { 3, "410001C10701" },
        { 3, "C10701410001" },
        { 3, "080003C10701" },
        /* resource-instance base /3/0/7/1: other ID, other kinds, two of them */
        { 4, "42001388" },
        { 4, "C2071388" },
        { 4, "420113884201 1388" },
        /* ID 65535, a lone type byte, garbage */
        { 2, "E0FFFF00" },
        { 2, "C1" },
        { 2, "FF" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p[64];
        int n = test_hex(bad[i].hex, p, sizeof p);
        assert_true(n > 0);
        struct sl_path base = P(bad[i].base_len, 3, 0, 7, 1);
        int got = decode_all(&base, p, (size_t)n, NULL, 0);
        if (got != SL_ERR_INVALID)
            fail_msg("case %zu (%s): got %d", i, bad[i].hex, got);
    }
    /* root base */
    struct sl_path root = P(0, 0, 0, 0, 0);
    uint8_t one[] = { 0xC1, 0x00, 0x01 };
    assert_int_equal(decode_all(&root, one, sizeof one, NULL, 0), SL_ERR_FORMAT);
    /* empty payload: no records at any base */
    for (int b = 1; b <= 4; b++) {
        struct sl_path base = P(b, 3, 0, 7, 1);
        assert_int_equal(decode_all(&base, one, 0, NULL, 0), 0);
        assert_int_equal(decode_all(&base, NULL, 0, NULL, 0), 0);
    }
}

static void test_encoder_errors(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len;
    struct sl_path b30 = P(2, 3, 0, 0, 0);
    struct sl_path b3 = P(1, 3, 0, 0, 0);
    struct sl_path b307 = P(3, 3, 0, 7, 0);
    struct sl_path root = P(0, 0, 0, 0, 0);

    struct sl_record outside = R(P(3, 4, 0, 0, 0), sl_value_int(1));
    assert_int_equal(encode_all(&b30, &outside, 1, buf, sizeof buf, &len), SL_ERR_INVALID);
    struct sl_record above = R(P(2, 3, 0, 0, 0), NONE());
    assert_int_equal(encode_all(&b30, &above, 1, buf, sizeof buf, &len), SL_ERR_INVALID);
    struct sl_record inst_value = R(P(2, 3, 0, 0, 0), sl_value_int(1));
    assert_int_equal(encode_all(&b3, &inst_value, 1, buf, sizeof buf, &len), SL_ERR_TYPE);
    struct sl_record ri_none = R(P(4, 3, 0, 7, 0), NONE());
    assert_int_equal(encode_all(&b307, &ri_none, 1, buf, sizeof buf, &len), SL_ERR_TYPE);
    struct sl_record raw = R(P(3, 3, 0, 7, 0), NONE());
    raw.value.type = SL_TYPE_RAW_TLV;
    assert_int_equal(encode_all(&b307, &raw, 1, buf, sizeof buf, &len), SL_ERR_TYPE);
    struct sl_record rec = R(P(3, 3, 0, 1, 0), sl_value_int(1));
    assert_int_equal(encode_all(&root, &rec, 1, buf, sizeof buf, &len), SL_ERR_FORMAT);

    /* out of order, repeated, single then instances of the same resource */
    struct sl_record order[] = { R(P(3, 3, 0, 2, 0), sl_value_int(1)), R(P(3, 3, 0, 1, 0), sl_value_int(1)) };
    assert_int_equal(encode_all(&b30, order, 2, buf, sizeof buf, &len), SL_ERR_INVALID);
    struct sl_record twice[] = { R(P(3, 3, 0, 1, 0), sl_value_int(1)), R(P(3, 3, 0, 1, 0), sl_value_int(1)) };
    assert_int_equal(encode_all(&b30, twice, 2, buf, sizeof buf, &len), SL_ERR_INVALID);
    struct sl_record mixed[] = { R(P(3, 3, 0, 7, 0), NONE()), R(P(4, 3, 0, 7, 0), sl_value_int(1)) };
    assert_int_equal(encode_all(&b30, mixed, 2, buf, sizeof buf, &len), SL_ERR_INVALID);
    struct sl_record badid = R(P(3, 3, 0, 1, 0), sl_value_int(1));
    badid.path.id[2] = 65535;
    assert_int_equal(encode_all(&b30, &badid, 1, buf, sizeof buf, &len), SL_ERR_INVALID);

    /* errors stick, end reports them */
    struct sl_wbuf w;
    struct sl_tlv_enc e;
    sl_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(sl_tlv_enc_begin(&e, &w, &b30), SL_OK);
    assert_int_equal(sl_tlv_enc_record(&e, &outside), SL_ERR_INVALID);
    assert_int_equal(sl_tlv_enc_record(&e, &rec), SL_ERR_INVALID);
    assert_int_equal(sl_tlv_enc_end(&e), SL_ERR_INVALID);

    /* no records: empty payload */
    assert_int_equal(encode_all(&b3, NULL, 0, buf, sizeof buf, &len), SL_OK);
    assert_int_equal(len, 0);
}

/* Encoding into every buffer size: exact bytes or SL_ERR_OVERFLOW, never a
 * write past the capacity; at most 3 spare bytes per open container. */
static void overflow_case(const struct sl_path *base, const struct sl_record *r, int n, const char *hex,
                          size_t slack)
{
    uint8_t want[300];
    int wn = test_hex(hex, want, sizeof want);
    assert_true(wn > 0);
    for (size_t cap = 0; cap <= (size_t)wn + slack + 2; cap++) {
        uint8_t buf[320];
        memset(buf, 0x5A, sizeof buf);
        size_t len;
        sl_err err = encode_all(base, r, n, buf, cap, &len);
        for (size_t k = cap; k < sizeof buf; k++)
            assert_int_equal(buf[k], 0x5A);
        assert_true(len <= cap);
        if (err == SL_OK) {
            assert_hex_equal(hex, buf, len);
        } else {
            assert_int_equal(err, SL_ERR_OVERFLOW);
            assert_true(cap < (size_t)wn + slack);
        }
    }
}

static void test_overflow_every_size(void **state)
{
    (void)state;
    char dev[400];
    device_hex(dev, sizeof dev);
    char wrapped[420] = "080079";
    strcat(wrapped, dev);
    struct sl_record r[32];
    int n = device_records(r);
    struct sl_path b30 = P(2, 3, 0, 0, 0);
    struct sl_path b3 = P(1, 3, 0, 0, 0);
    overflow_case(&b30, r, n, dev, 3);
    overflow_case(&b3, r, n, wrapped, 6);

    struct sl_record acl[] = {
        R(P(3, 2, 0, 0, 0), sl_value_int(1)),   R(P(3, 2, 0, 1, 0), sl_value_int(0)),
        R(P(4, 2, 0, 2, 127), sl_value_int(7)), R(P(3, 2, 0, 3, 0), sl_value_int(127)),
        R(P(3, 2, 2, 0, 0), sl_value_int(3)),   R(P(3, 2, 2, 1, 0), sl_value_int(0)),
        R(P(4, 2, 2, 2, 127), sl_value_int(7)), R(P(4, 2, 2, 2, 310), sl_value_int(1)),
        R(P(3, 2, 2, 3, 0), sl_value_int(127)),
    };
    struct sl_path b2 = P(1, 2, 0, 0, 0);
    overflow_case(&b2, acl, 9, ACL_HEX, 6);
}

/* Fuzz finding (fuzz_tlv, harness property): an empty Object Instance TLV
 * followed by another TLV of the same instance. The decoder reports both
 * as they are (duplicates are the data model's call); written back, the
 * empty-instance record only opens the instance its resources then fill. */
static void test_regression_duplicate_instance(void **state)
{
    (void)state;
    static const uint8_t crash[] = {
        0x00, 0x00, 0x08, 0x00, 0x26, 0xc8, 0x00, 0x0b, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x76, 0x69,
        0x63, 0x65, 0x20, 0x32, 0xc8, 0x01, 0x0f, 0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74,
        0x2e, 0x31, 0x35, 0x2e, 0x32, 0x33, 0x34, 0xc4, 0x02, 0xc1, 0x00, 0x3a, 0x24, 0x00, 0x02,
    };
    struct sl_path b3 = P(1, 3, 0, 0, 0);
    struct sl_record r[8];
    assert_int_equal(decode_all(&b3, crash, sizeof crash, r, 8), 5);
    assert_path(&r[0].path, P(2, 3, 0, 0, 0));
    assert_int_equal(r[0].value.type, SL_TYPE_NONE);
    assert_raw(&r[1], P(3, 3, 0, 0, 0), "6d01000000766963652032");
    assert_raw_str(&r[2], P(3, 3, 0, 1, 0), "Internet.15.234");
    assert_raw(&r[3], P(3, 3, 0, 2, 0), "c1003a24");
    assert_path(&r[4].path, P(2, 3, 2, 0, 0));
    assert_int_equal(r[4].value.type, SL_TYPE_NONE);
    /* the same structure at the other bases is malformed */
    for (int b = 2; b <= 4; b++) {
        struct sl_path base = P(b, 3, 0, 7, 1);
        assert_int_equal(decode_all(&base, crash, sizeof crash, NULL, 0), SL_ERR_INVALID);
    }

    uint8_t p[16], buf[16];
    size_t len;
    int n = test_hex("0000 0300C10001", p, sizeof p);
    assert_int_equal(decode_all(&b3, p, (size_t)n, r, 8), 2);
    r[1].value = sl_value_int(1);
    assert_int_equal(encode_all(&b3, r, 2, buf, sizeof buf, &len), SL_OK);
    assert_hex_equal("0300C10001", buf, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_decode),
        cmocka_unit_test(test_device_encode),
        cmocka_unit_test(test_acl_example),
        cmocka_unit_test(test_server_example),
        cmocka_unit_test(test_objlnk_examples),
        cmocka_unit_test(test_resource_bases),
        cmocka_unit_test(test_empty_and_no_instance),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_int_values),
        cmocka_unit_test(test_float_values),
        cmocka_unit_test(test_put_value_kinds),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_encoder_errors),
        cmocka_unit_test(test_overflow_every_size),
        cmocka_unit_test(test_regression_duplicate_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
