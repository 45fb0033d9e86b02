/* Fuzz the CoRE Link Format parser: walk every link and attribute, then
 * write what was read with the writer and check it reads back the same
 * (quoted values compared unescaped). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/link.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

/* name, value presence, quoting and the unescaped value, as one string */
static size_t normalize(const struct sl_link_attr *a, char *out, size_t cap)
{
    size_t n = 0;
    CHECK(a->name_len + 4 + 2 * a->value_len < cap);
    memcpy(out, a->name, a->name_len);
    n = a->name_len;
    out[n++] = a->value ? (a->quoted ? 'q' : 't') : '-';
    for (size_t i = 0; a->value && i < a->value_len; i++) {
        if (a->quoted && a->value[i] == '\\')
            i++; /* the parser guarantees a character follows */
        out[n++] = (char)a->value[i];
    }
    out[n] = '\0';
    return n;
}

/* Render the normalized attribute back through the writer. */
static sl_err write_attr(struct sl_link_writer *lw, const struct sl_link_attr *a, char *tmp, size_t cap)
{
    char name[512];
    if (a->name_len >= sizeof name)
        return SL_ERR_UNSUPPORTED; /* longer than this harness bothers with */
    memcpy(name, a->name, a->name_len);
    name[a->name_len] = '\0';
    if (!a->value)
        return sl_link_put_attr_flag(lw, name);
    size_t n = normalize(a, tmp, cap);
    const char *value = tmp + a->name_len + 1;
    if (strlen(value) != n - a->name_len - 1)
        return SL_ERR_UNSUPPORTED; /* a NUL inside quotes: no C string for it */
    return a->quoted ? sl_link_put_attr_quoted(lw, name, value) : sl_link_put_attr_str(lw, name, value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 17];
    static char tmp[1 << 16], tmp2[1 << 16];
    struct sl_wbuf w;
    struct sl_link_writer lw;
    struct sl_link_iter it;
    struct sl_link l;
    sl_wbuf_init(&w, out, sizeof out);
    sl_link_writer_init(&lw, &w);
    sl_link_iter_init(&it, data, size);
    bool rewrite = size < sizeof tmp / 4;
    unsigned links = 0;
    sl_err err;
    while ((err = sl_link_next(&it, &l)) == SL_OK) {
        links++;
        CHECK(l.uri >= data && l.uri + l.uri_len <= data + size);
        CHECK(l.attrs >= data && l.attrs + l.attrs_len <= data + size);
        struct sl_path p;
        (void)sl_link_uri_path(&l, &p);
        char uri[4096];
        if (rewrite && l.uri_len < sizeof uri) {
            memcpy(uri, l.uri, l.uri_len);
            uri[l.uri_len] = '\0';
            CHECK(sl_link_put_uri(&lw, uri) == SL_OK);
        } else {
            rewrite = false;
        }
        struct sl_link_attr a;
        sl_err aerr;
        while ((aerr = sl_link_attr_next(&l, &a)) == SL_OK) {
            CHECK(a.name >= data && a.name + a.name_len <= data + size && a.name_len > 0);
            uint64_t v;
            (void)sl_link_attr_uint(&a, &v);
            (void)sl_link_attr_is(&a, "pmin");
            if (rewrite) {
                sl_err werr = write_attr(&lw, &a, tmp, sizeof tmp);
                CHECK(werr == SL_OK || werr == SL_ERR_UNSUPPORTED);
                rewrite = werr == SL_OK;
            }
        }
        CHECK(aerr == SL_ERR_END);
    }
    CHECK(err == SL_ERR_END || err == SL_ERR_INVALID);
    CHECK(sl_link_next(&it, &l) == err);
    if (err != SL_ERR_END || !rewrite)
        return 0;

    /* read both again side by side */
    struct sl_link_iter a_it, b_it;
    struct sl_link la, lb;
    sl_link_iter_init(&a_it, data, size);
    sl_link_iter_init(&b_it, out, w.len);
    for (unsigned i = 0; i < links; i++) {
        CHECK(sl_link_next(&a_it, &la) == SL_OK);
        CHECK(sl_link_next(&b_it, &lb) == SL_OK);
        CHECK(la.uri_len == lb.uri_len && memcmp(la.uri, lb.uri, la.uri_len) == 0);
        struct sl_link_attr aa, ab;
        for (;;) {
            sl_err ea = sl_link_attr_next(&la, &aa), eb = sl_link_attr_next(&lb, &ab);
            CHECK(ea == eb);
            if (ea != SL_OK)
                break;
            size_t na = normalize(&aa, tmp, sizeof tmp), nb = normalize(&ab, tmp2, sizeof tmp2);
            CHECK(na == nb && memcmp(tmp, tmp2, na) == 0);
        }
    }
    CHECK(sl_link_next(&b_it, &lb) == SL_ERR_END);
    return 0;
}
