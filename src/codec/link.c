/* CoRE Link Format writer and parser (RFC 6690 section 2). */
#include "codec/link.h"

#include <string.h>

#include "codec/decimal.h"

/* A letter or digit, or one of `others` (strchr would pull in a C library
 * routine several times this size). */
static bool is_char_of(uint8_t c, const char *others)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (; *others; others++)
        if ((uint8_t)*others == c)
            return true;
    return false;
}

/* RFC 5987 attr-char, plus '*' for RFC 6690's ext-name-star ("title*") */
static bool is_name_char(uint8_t c)
{
    return is_char_of(c, "!#$&+-.^_`|~*");
}

/* RFC 6690 ptokenchar */
static bool is_ptoken_char(uint8_t c)
{
    return is_char_of(c, "!#$%&'()*+-./:<=>?@[]^_`{|}~");
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- writer ------------------------------------------------------------- */

void sl_link_writer_init(struct sl_link_writer *lw, struct sl_wbuf *w)
{
    lw->w = w;
    lw->count = 0;
}

/* Run of puts that either all land or leave the buffer as it was. */
static sl_err put_all(struct sl_wbuf *w, size_t mark, sl_err err)
{
    if (err != SL_OK)
        w->len = mark;
    return err;
}

static sl_err put_str(struct sl_wbuf *w, const char *s)
{
    return sl_wbuf_put(w, s, strlen(s));
}

static sl_err put_target(struct sl_link_writer *lw, const char *uri, size_t len)
{
    size_t mark = lw->w->len;
    sl_err err = SL_OK;
    if (lw->count > 0)
        err = sl_wbuf_put_byte(lw->w, ',');
    if (err == SL_OK)
        err = sl_wbuf_put_byte(lw->w, '<');
    if (err == SL_OK)
        err = sl_wbuf_put(lw->w, uri, len);
    if (err == SL_OK)
        err = sl_wbuf_put_byte(lw->w, '>');
    if (err == SL_OK)
        lw->count++;
    return put_all(lw->w, mark, err);
}

sl_err sl_link_put_path(struct sl_link_writer *lw, const struct sl_path *p)
{
    char s[32]; /* "/65534/65534/65534/65534" and a NUL */
    if (p->len > SL_LEVEL_RES_INSTANCE)
        return SL_ERR_INVALID;
    for (uint8_t k = 0; k < p->len; k++) {
        if (p->id[k] > SL_ID_MAX)
            return SL_ERR_INVALID;
    }
    int n = sl_path_format(p, s, sizeof s);
    if (n < 0)
        return (sl_err)n;
    return put_target(lw, s, (size_t)n);
}

sl_err sl_link_put_uri(struct sl_link_writer *lw, const char *uri)
{
    for (const char *c = uri; *c; c++) {
        if (*c == '<' || *c == '>' || (uint8_t)*c <= ' ' || *c == 0x7F)
            return SL_ERR_INVALID;
    }
    return put_target(lw, uri, strlen(uri));
}

/* ";name" and, when value is given, "=" value, all or nothing */
static sl_err put_attr(struct sl_link_writer *lw, const char *name, const char *value, size_t len)
{
    if (lw->count == 0)
        return SL_ERR_STATE;
    if (*name == '\0')
        return SL_ERR_INVALID;
    for (const char *c = name; *c; c++) {
        if (!is_name_char((uint8_t)*c))
            return SL_ERR_INVALID;
    }
    size_t mark = lw->w->len;
    sl_err err = sl_wbuf_put_byte(lw->w, ';');
    if (err == SL_OK)
        err = put_str(lw->w, name);
    if (err == SL_OK && value) {
        err = sl_wbuf_put_byte(lw->w, '=');
        if (err == SL_OK)
            err = sl_wbuf_put(lw->w, value, len);
    }
    return put_all(lw->w, mark, err);
}

sl_err sl_link_put_attr_uint(struct sl_link_writer *lw, const char *name, uint64_t v)
{
    char s[SL_DEC_INT_MAX];
    return put_attr(lw, name, s, sl_dec_format_u64(v, s));
}

sl_err sl_link_put_attr_int(struct sl_link_writer *lw, const char *name, int64_t v)
{
    char s[SL_DEC_INT_MAX];
    return put_attr(lw, name, s, sl_dec_format_i64(v, s));
}

#if SL_CONFIG_FLOAT
sl_err sl_link_put_attr_float(struct sl_link_writer *lw, const char *name, double v)
{
    char s[SL_DEC_DOUBLE_MAX];
    size_t n;
    sl_err err = sl_dec_format_double(v, s, &n);
    return err != SL_OK ? err : put_attr(lw, name, s, n);
}
#endif

sl_err sl_link_put_attr_str(struct sl_link_writer *lw, const char *name, const char *value)
{
    if (*value == '\0')
        return SL_ERR_INVALID;
    for (const char *c = value; *c; c++) {
        if (!is_ptoken_char((uint8_t)*c))
            return SL_ERR_INVALID;
    }
    return put_attr(lw, name, value, strlen(value));
}

sl_err sl_link_put_attr_quoted(struct sl_link_writer *lw, const char *name, const char *value)
{
    size_t mark = lw->w->len;
    sl_err err = put_attr(lw, name, "\"", 1);
    for (const char *c = value; err == SL_OK && *c; c++) {
        if (*c == '"' || *c == '\\')
            err = sl_wbuf_put_byte(lw->w, '\\');
        if (err == SL_OK)
            err = sl_wbuf_put_byte(lw->w, (uint8_t)*c);
    }
    if (err == SL_OK)
        err = sl_wbuf_put_byte(lw->w, '"');
    return put_all(lw->w, mark, err);
}

sl_err sl_link_put_attr_flag(struct sl_link_writer *lw, const char *name)
{
    return put_attr(lw, name, NULL, 0);
}

/* ---- parser ------------------------------------------------------------- */

/* One link-param after its ';' at p[pos]: parmname ["=" (ptoken / quoted-string)].
 * Returns the position after it, or 0 on error (a param never ends at 0). */
static size_t parse_param(const uint8_t *p, size_t len, size_t pos, struct sl_link_attr *a)
{
    size_t start = pos;
    while (pos < len && is_name_char(p[pos]))
        pos++;
    if (pos == start)
        return 0;
    a->name = p + start;
    a->name_len = pos - start;
    a->value = NULL;
    a->value_len = 0;
    a->quoted = false;
    if (pos == len || p[pos] != '=')
        return pos;
    pos++;
    if (pos < len && p[pos] == '"') {
        start = ++pos;
        while (pos < len && p[pos] != '"') {
            if (p[pos] == '\\' && ++pos == len)
                return 0;
            pos++;
        }
        if (pos == len)
            return 0; /* unterminated */
        a->value = p + start;
        a->value_len = pos - start;
        a->quoted = true;
        return pos + 1;
    }
    start = pos;
    while (pos < len && is_ptoken_char(p[pos]))
        pos++;
    if (pos == start)
        return 0;
    a->value = p + start;
    a->value_len = pos - start;
    return pos;
}

void sl_link_iter_init(struct sl_link_iter *it, const uint8_t *payload, size_t len)
{
    it->buf = payload;
    it->len = payload ? len : 0;
    it->pos = 0;
    it->after_comma = false;
    it->err = SL_OK;
}

static sl_err link_next(struct sl_link_iter *it, struct sl_link *out)
{
    const uint8_t *p = it->buf;
    size_t len = it->len, pos = it->pos;
    while (pos < len && is_space(p[pos]))
        pos++;
    if (pos == len)
        return it->after_comma ? SL_ERR_INVALID : SL_ERR_END;
    if (p[pos] != '<')
        return SL_ERR_INVALID;
    size_t uri = ++pos;
    while (pos < len && p[pos] != '>') {
        /* a URI-reference has neither brackets, whitespace nor controls */
        if (p[pos] == '<' || p[pos] <= ' ' || p[pos] == 0x7F)
            return SL_ERR_INVALID;
        pos++;
    }
    if (pos == len)
        return SL_ERR_INVALID;
    out->uri = p + uri;
    out->uri_len = pos - uri;
    size_t attrs = ++pos;
    while (pos < len && p[pos] == ';') {
        struct sl_link_attr a;
        pos = parse_param(p, len, pos + 1, &a);
        if (pos == 0)
            return SL_ERR_INVALID;
    }
    out->attrs = p + attrs;
    out->attrs_len = pos - attrs;
    out->attr_pos = 0;
    it->after_comma = false;
    while (pos < len && is_space(p[pos]))
        pos++;
    if (pos < len) {
        if (p[pos] != ',')
            return SL_ERR_INVALID;
        pos++;
        it->after_comma = true;
    }
    it->pos = pos;
    return SL_OK;
}

sl_err sl_link_next(struct sl_link_iter *it, struct sl_link *out)
{
    if (it->err == SL_OK)
        it->err = link_next(it, out);
    return it->err;
}

sl_err sl_link_attr_next(struct sl_link *l, struct sl_link_attr *a)
{
    if (l->attr_pos >= l->attrs_len)
        return SL_ERR_END;
    if (l->attrs[l->attr_pos] != ';')
        return SL_ERR_INVALID;
    size_t pos = parse_param(l->attrs, l->attrs_len, l->attr_pos + 1, a);
    if (pos == 0)
        return SL_ERR_INVALID;
    l->attr_pos = pos;
    return SL_OK;
}

bool sl_link_attr_is(const struct sl_link_attr *a, const char *name)
{
    size_t n = strlen(name);
    return a->name_len == n && memcmp(a->name, name, n) == 0;
}

sl_err sl_link_attr_uint(const struct sl_link_attr *a, uint64_t *out)
{
    /* digits only: no sign in attribute numbers */
    if (a->value == NULL || a->value_len == 0 || a->value[0] < '0' || a->value[0] > '9')
        return SL_ERR_INVALID;
    return sl_dec_parse_u64(a->value, a->value_len, out);
}

sl_err sl_link_uri_path(const struct sl_link *l, struct sl_path *out)
{
    return sl_path_parse((const char *)l->uri, l->uri_len, out);
}
