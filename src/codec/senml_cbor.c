/* SenML CBOR: pack walker, record writer, data-model encoder and decoder. */
#include "sidelink/config.h"
#include "codec/senml_cbor.h"

#include <string.h>

#include "codec/objlnk_text.h"

/* A compile-time option (include/sidelink/config.h): left out, it costs nothing. */
#if SL_CONFIG_SENML_CBOR

/* LwM2M's object-link field has a text label, not an integer one. */
static const char vlo_label[3] = { 'v', 'l', 'o' };

/* ---- generic layer: reading ---- */

/* Values are filled in here rather than with sl_value_*(), so the codec
 * links without the module that implements those. */
static struct sl_value make_value(uint8_t type)
{
    struct sl_value v;
    memset(&v, 0, sizeof v);
    v.type = type;
    return v;
}

void sl_senml_cbor_iter_init(struct sl_senml_cbor_iter *it, const uint8_t *payload, size_t len)
{
    memset(it, 0, sizeof *it);
    sl_cbor_reader_init(&it->r, payload, len);
    it->state = SL_OK;
}

/* A malformed type is bad input, not a caller's type question. */
static sl_err as_invalid(sl_err err)
{
    return err == SL_ERR_TYPE ? SL_ERR_INVALID : err;
}

static sl_err read_number(struct sl_cbor_reader *r, struct sl_value *out)
{
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(r, &it);
    if (err != SL_OK)
        return err;
    switch (it.kind) {
    case SL_CBOR_UINT:
        if (it.arg <= (uint64_t)INT64_MAX) {
            *out = make_value(SL_TYPE_INT);
            out->v.i = (int64_t)it.arg;
        } else {
            *out = make_value(SL_TYPE_UINT);
            out->v.u = it.arg;
        }
        return SL_OK;
    case SL_CBOR_NEGINT:
        if (it.arg > (uint64_t)INT64_MAX)
            return SL_ERR_RANGE;
        *out = make_value(SL_TYPE_INT);
        out->v.i = -1 - (int64_t)it.arg;
        return SL_OK;
    case SL_CBOR_FLOAT:
        *out = make_value(SL_TYPE_FLOAT);
        out->v.f = it.f;
        return SL_OK;
    default:
        return SL_ERR_INVALID;
    }
}

static sl_err read_text(struct sl_cbor_reader *r, struct sl_bytes *out)
{
    const char *s;
    size_t len;
    sl_err err = sl_cbor_read_text(r, &s, &len);
    if (err != SL_OK)
        return as_invalid(err);
    out->ptr = (const uint8_t *)s;
    out->len = len;
    return SL_OK;
}

/* Label codes for the fields we know; -100 and below: not ours. */
#define LABEL_VLO 100
#define LABEL_UNKNOWN (-100)
#define LABEL_MUST_UNDERSTAND (-101)

static sl_err read_label(struct sl_cbor_reader *r, int *label)
{
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(r, &it);
    if (err != SL_OK)
        return err;
    if (it.kind == SL_CBOR_UINT || it.kind == SL_CBOR_NEGINT) {
        /* -6..8 are RFC 8428's; every other integer is someone's extension */
        if (it.kind == SL_CBOR_UINT && it.arg <= SL_SENML_VD)
            *label = (int)it.arg;
        else if (it.kind == SL_CBOR_NEGINT && it.arg < 6)
            *label = -1 - (int)it.arg;
        else
            *label = LABEL_UNKNOWN;
        return SL_OK;
    }
    if (it.kind == SL_CBOR_TEXT) {
        if (it.arg == sizeof vlo_label && memcmp(it.str, vlo_label, sizeof vlo_label) == 0)
            *label = LABEL_VLO;
        else if (it.arg > 0 && it.str[it.arg - 1] == '_')
            *label = LABEL_MUST_UNDERSTAND;
        else
            *label = LABEL_UNKNOWN;
        return SL_OK;
    }
    return SL_ERR_INVALID;
}

/* One label's value into rec; *bit receives the presence bit it sets. */
static sl_err read_field(struct sl_cbor_reader *r, int label, struct sl_senml_fields *rec,
                         uint16_t *bit)
{
    switch (label) {
    case SL_SENML_BN: *bit = SL_SENML_F_BN; return read_text(r, &rec->bn);
    case SL_SENML_BU: *bit = SL_SENML_F_BU; return read_text(r, &rec->bu);
    case SL_SENML_N: *bit = SL_SENML_F_N; return read_text(r, &rec->n);
    case SL_SENML_U: *bit = SL_SENML_F_U; return read_text(r, &rec->u);
    case SL_SENML_BT: *bit = SL_SENML_F_BT; return read_number(r, &rec->bt);
    case SL_SENML_BV: *bit = SL_SENML_F_BV; return read_number(r, &rec->bv);
    case SL_SENML_BS: *bit = SL_SENML_F_BS; return read_number(r, &rec->bs);
    case SL_SENML_T: *bit = SL_SENML_F_T; return read_number(r, &rec->t);
    case SL_SENML_UT: *bit = SL_SENML_F_UT; return read_number(r, &rec->ut);
    case SL_SENML_S: *bit = SL_SENML_F_S; return read_number(r, &rec->s);
    case SL_SENML_BVER: {
        *bit = SL_SENML_F_BVER;
        sl_err err = sl_cbor_read_uint(r, &rec->bver);
        return as_invalid(err);
    }
    case SL_SENML_V: *bit = SL_SENML_F_VALUE; return read_number(r, &rec->value);
    case SL_SENML_VS: *bit = SL_SENML_F_VALUE; break;
    case SL_SENML_VB: *bit = SL_SENML_F_VALUE; break;
    case SL_SENML_VD: *bit = SL_SENML_F_VALUE; break;
    case LABEL_VLO: *bit = SL_SENML_F_VALUE; break;
    default:
        *bit = 0;
        return sl_cbor_skip(r);
    }

    /* the value fields other than v */
    struct sl_cbor_item it;
    sl_err err = sl_cbor_read(r, &it);
    if (err != SL_OK)
        return err;
    if ((label == SL_SENML_VS && it.kind == SL_CBOR_TEXT) ||
        (label == SL_SENML_VD && it.kind == SL_CBOR_BYTES)) {
        rec->value = make_value(label == SL_SENML_VS ? SL_TYPE_STRING : SL_TYPE_OPAQUE);
        rec->value.v.bytes.ptr = it.str;
        rec->value.v.bytes.len = (size_t)it.arg;
    } else if (label == SL_SENML_VB && (it.kind == SL_CBOR_TRUE || it.kind == SL_CBOR_FALSE)) {
        rec->value = make_value(SL_TYPE_BOOL);
        rec->value.v.b = it.kind == SL_CBOR_TRUE;
    } else if (label == LABEL_VLO && it.kind == SL_CBOR_TEXT) {
        rec->value = make_value(SL_TYPE_OBJLNK);
        err = sl_objlnk_text_parse(it.str, (size_t)it.arg, &rec->value.v.objlnk);
        if (err != SL_OK)
            return err;
    } else {
        return SL_ERR_INVALID;
    }
    return SL_OK;
}

static sl_err read_record(struct sl_senml_cbor_iter *it, struct sl_senml_fields *rec)
{
    size_t pairs;
    sl_err err = sl_cbor_read_map_header(&it->r, &pairs);
    if (err != SL_OK)
        return as_invalid(err);
    memset(rec, 0, sizeof *rec);
    while (pairs-- > 0) {
        int label;
        uint16_t bit;
        err = read_label(&it->r, &label);
        if (err != SL_OK)
            return err;
        if (label == LABEL_MUST_UNDERSTAND)
            return SL_ERR_UNSUPPORTED;
        err = read_field(&it->r, label, rec, &bit);
        if (err != SL_OK)
            return err;
        if (rec->present & bit)
            return SL_ERR_INVALID; /* a label twice, or two values */
        rec->present |= bit;
    }
    if ((rec->present & SL_SENML_F_BVER) && rec->bver > SL_SENML_VERSION)
        return SL_ERR_UNSUPPORTED;

    /* base fields persist until changed (RFC 8428 4.1) */
    struct sl_senml_fields *b = &it->base;
    uint16_t p = rec->present;
    if (p & SL_SENML_F_BN)
        b->bn = rec->bn;
    if (p & SL_SENML_F_BU)
        b->bu = rec->bu;
    if (p & SL_SENML_F_BT)
        b->bt = rec->bt;
    if (p & SL_SENML_F_BV)
        b->bv = rec->bv;
    if (p & SL_SENML_F_BS)
        b->bs = rec->bs;
    if (p & SL_SENML_F_BVER)
        b->bver = rec->bver;
    b->present |= p & (SL_SENML_F_BN | SL_SENML_F_BU | SL_SENML_F_BT | SL_SENML_F_BV |
                       SL_SENML_F_BS | SL_SENML_F_BVER);
    return SL_OK;
}

sl_err sl_senml_cbor_iter_next(struct sl_senml_cbor_iter *it, struct sl_senml_fields *rec)
{
    if (it->state != SL_OK)
        return it->state;
    sl_err err;
    if (!it->started) {
        it->started = true;
        err = sl_cbor_read_array_header(&it->r, &it->left);
        if (err != SL_OK)
            return it->state = as_invalid(err);
    }
    if (it->left == 0) {
        /* nothing may follow the pack */
        return it->state = sl_cbor_at_end(&it->r) ? SL_ERR_END : SL_ERR_INVALID;
    }
    it->left--;
    err = read_record(it, rec);
    if (err != SL_OK)
        return it->state = err;
    return SL_OK;
}

/* ---- generic layer: writing ---- */

static sl_err put_number(struct sl_wbuf *w, const struct sl_value *v)
{
    switch (v->type) {
    case SL_TYPE_INT:
    case SL_TYPE_TIME: return sl_cbor_put_int(w, v->v.i);
    case SL_TYPE_UINT: return sl_cbor_put_uint(w, v->v.u);
    case SL_TYPE_FLOAT: return sl_cbor_put_float(w, v->v.f);
    default: return SL_ERR_TYPE;
    }
}

static sl_err put_value(struct sl_wbuf *w, const struct sl_value *v)
{
    sl_err err;
    switch (v->type) {
    case SL_TYPE_INT:
    case SL_TYPE_UINT:
    case SL_TYPE_FLOAT:
    case SL_TYPE_TIME:
        err = sl_cbor_put_int(w, SL_SENML_V);
        return err != SL_OK ? err : put_number(w, v);
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        err = sl_cbor_put_int(w, SL_SENML_VS);
        return err != SL_OK ? err
                            : sl_cbor_put_text(w, (const char *)v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_BOOL:
        err = sl_cbor_put_int(w, SL_SENML_VB);
        return err != SL_OK ? err : sl_cbor_put_bool(w, v->v.b);
    case SL_TYPE_OPAQUE:
        err = sl_cbor_put_int(w, SL_SENML_VD);
        return err != SL_OK ? err : sl_cbor_put_bytes(w, v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_OBJLNK: {
        char text[SL_OBJLNK_TEXT_MAX];
        size_t n = sl_objlnk_text_format(&v->v.objlnk, text);
        err = sl_cbor_put_text(w, vlo_label, sizeof vlo_label);
        return err != SL_OK ? err : sl_cbor_put_text(w, text, n);
    }
    default:
        return SL_ERR_TYPE;
    }
}

static sl_err put_text_field(struct sl_wbuf *w, int label, const struct sl_bytes *b)
{
    sl_err err = sl_cbor_put_int(w, label);
    return err != SL_OK ? err : sl_cbor_put_text(w, (const char *)b->ptr, b->len);
}

static sl_err put_number_field(struct sl_wbuf *w, int label, const struct sl_value *v)
{
    sl_err err = sl_cbor_put_int(w, label);
    return err != SL_OK ? err : put_number(w, v);
}

static sl_err put_fields(struct sl_wbuf *w, const struct sl_senml_fields *f)
{
    uint16_t p = f->present;
    if ((p & SL_SENML_F_VALUE) && f->value.type == SL_TYPE_NONE)
        p &= (uint16_t)~SL_SENML_F_VALUE;
    unsigned pairs = 0;
    for (uint16_t m = p; m != 0; m &= (uint16_t)(m - 1))
        pairs++;
    sl_err err = sl_cbor_put_map(w, pairs);
    if (err == SL_OK && (p & SL_SENML_F_BN))
        err = put_text_field(w, SL_SENML_BN, &f->bn);
    if (err == SL_OK && (p & SL_SENML_F_BT))
        err = put_number_field(w, SL_SENML_BT, &f->bt);
    if (err == SL_OK && (p & SL_SENML_F_BU))
        err = put_text_field(w, SL_SENML_BU, &f->bu);
    if (err == SL_OK && (p & SL_SENML_F_BVER)) {
        err = sl_cbor_put_int(w, SL_SENML_BVER);
        if (err == SL_OK)
            err = sl_cbor_put_uint(w, f->bver);
    }
    if (err == SL_OK && (p & SL_SENML_F_BV))
        err = put_number_field(w, SL_SENML_BV, &f->bv);
    if (err == SL_OK && (p & SL_SENML_F_BS))
        err = put_number_field(w, SL_SENML_BS, &f->bs);
    if (err == SL_OK && (p & SL_SENML_F_N))
        err = put_text_field(w, SL_SENML_N, &f->n);
    if (err == SL_OK && (p & SL_SENML_F_U))
        err = put_text_field(w, SL_SENML_U, &f->u);
    if (err == SL_OK && (p & SL_SENML_F_T))
        err = put_number_field(w, SL_SENML_T, &f->t);
    if (err == SL_OK && (p & SL_SENML_F_UT))
        err = put_number_field(w, SL_SENML_UT, &f->ut);
    if (err == SL_OK && (p & SL_SENML_F_VALUE))
        err = put_value(w, &f->value);
    if (err == SL_OK && (p & SL_SENML_F_S))
        err = put_number_field(w, SL_SENML_S, &f->s);
    return err;
}

sl_err sl_senml_cbor_put_fields(struct sl_wbuf *w, const struct sl_senml_fields *f)
{
    size_t saved = w->len;
    sl_err err = put_fields(w, f);
    if (err != SL_OK)
        w->len = saved; /* all or nothing */
    return err;
}

/* ---- data model: encoder ---- */

sl_err sl_senml_cbor_enc_begin(struct sl_senml_cbor_enc *e, struct sl_wbuf *w,
                               const struct sl_path *base)
{
    memset(e, 0, sizeof *e);
    e->base = *base;
    if (base->len > 4)
        return SL_ERR_INVALID;
    sl_err err = sl_cbor_reserve_head(w, &e->mark);
    if (err != SL_OK)
        return err;
    e->w = w;
    return SL_OK;
}

/* IDs id[from..len) as "a/b/c", with a leading "/" when `slash`. */
static size_t format_ids(const struct sl_path *p, uint8_t from, bool slash, char *out)
{
    size_t n = 0;
    for (uint8_t k = from; k < p->len; k++) {
        if (k > from || slash)
            out[n++] = '/';
        char digits[5];
        size_t nd = 0;
        uint16_t v = p->id[k];
        do {
            digits[nd++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v != 0);
        while (nd > 0)
            out[n++] = digits[--nd];
    }
    return n;
}

/* The first record carries bn: "/3/0/" for the base, or "/3/0/1" when the
 * record is the base itself (then it needs no n). Later records: none. */
static size_t base_name(const struct sl_senml_cbor_enc *e, const struct sl_record *r, char *bn,
                        uint8_t *form)
{
    if (e->count > 0 || e->base.len == 0)
        return 0;
    bool is_base = r->path.len == e->base.len;
    size_t len = format_ids(&e->base, 0, true, bn);
    if (!is_base)
        bn[len++] = '/';
    *form = is_base ? 2 : 1;
    return len;
}

sl_err sl_senml_cbor_enc_record(struct sl_senml_cbor_enc *e, const struct sl_record *r)
{
    if (e->w == NULL)
        return SL_ERR_STATE;
    if (r->path.len > 4 || !sl_path_within(&r->path, &e->base))
        return SL_ERR_INVALID;

    /* "/65534/65534/65534/65534/" fits both */
    char bn[32], n[32];
    struct sl_senml_fields f;
    memset(&f, 0, sizeof f);
    uint8_t bn_form = e->bn_form;
    size_t bnlen = base_name(e, r, bn, &bn_form);
    if (bnlen > 0) {
        f.bn.ptr = (const uint8_t *)bn;
        f.bn.len = bnlen;
        f.present |= SL_SENML_F_BN;
    }
    size_t nlen;
    if (e->base.len == 0) {
        /* no bn: absolute names; the root itself is "/" */
        nlen = r->path.len == 0 ? 1 : format_ids(&r->path, 0, true, n);
        n[0] = '/';
    } else {
        nlen = format_ids(&r->path, e->base.len, bn_form == 2, n);
    }
    if (nlen > 0) {
        f.n.ptr = (const uint8_t *)n;
        f.n.len = nlen;
        f.present |= SL_SENML_F_N;
    }
    if (r->value.type != SL_TYPE_NONE) {
        f.value = r->value;
        f.present |= SL_SENML_F_VALUE;
    }
    sl_err err = sl_senml_cbor_put_fields(e->w, &f);
    if (err != SL_OK)
        return err;
    e->bn_form = bn_form;
    e->count++;
    return SL_OK;
}

sl_err sl_senml_cbor_enc_end(struct sl_senml_cbor_enc *e)
{
    if (e->w == NULL)
        return SL_ERR_STATE;
    sl_err err = sl_cbor_fix_head(e->w, e->mark, SL_CBOR_MAJOR_ARRAY, e->count);
    e->w = NULL;
    return err;
}

/* ---- data model: decoder ---- */

void sl_senml_cbor_dec_init(struct sl_senml_cbor_dec *d, const struct sl_path *base,
                            const uint8_t *payload, size_t len)
{
    sl_senml_cbor_iter_init(&d->it, payload, len);
    d->base = *base;
}

static sl_err resolve(const struct sl_senml_cbor_dec *d, const struct sl_senml_fields *rec,
                      struct sl_record *out)
{
    const struct sl_senml_fields *b = &d->it.base;
    char name[SL_SENML_MAX_NAME];
    size_t bl = (b->present & SL_SENML_F_BN) ? b->bn.len : 0;
    size_t nl = (rec->present & SL_SENML_F_N) ? rec->n.len : 0;
    if (bl > sizeof name || nl > sizeof name - bl)
        return SL_ERR_INVALID; /* no LwM2M path is that long */
    if (bl > 0)
        memcpy(name, b->bn.ptr, bl);
    if (nl > 0)
        memcpy(name + bl, rec->n.ptr, nl);
    size_t len = bl + nl;
    if (len > 1 && name[len - 1] == '/')
        len--; /* "/3/0/" names the instance /3/0 */
    sl_err err = sl_path_parse(name, len, &out->path);
    if (err != SL_OK)
        return SL_ERR_INVALID;
    if (!sl_path_within(&out->path, &d->base))
        return SL_ERR_INVALID;

    if (rec->present & SL_SENML_F_VALUE) {
        out->value = rec->value;
        bool numeric = rec->value.type == SL_TYPE_INT || rec->value.type == SL_TYPE_UINT ||
                       rec->value.type == SL_TYPE_FLOAT;
        if (numeric && (b->present & SL_SENML_F_BV)) {
            const struct sl_value *bv = &b->bv;
            bool zero = (bv->type == SL_TYPE_INT && bv->v.i == 0) ||
                        (bv->type == SL_TYPE_UINT && bv->v.u == 0) ||
                        (bv->type == SL_TYPE_FLOAT && bv->v.f == 0.0);
            if (!zero)
                return SL_ERR_UNSUPPORTED; /* value = bv + v: LwM2M never sends it */
        }
    } else {
        out->value = make_value(SL_TYPE_NONE);
    }
    return SL_OK;
}

sl_err sl_senml_cbor_dec_next(struct sl_senml_cbor_dec *d, struct sl_record *out)
{
    struct sl_senml_fields rec;
    sl_err err = sl_senml_cbor_iter_next(&d->it, &rec);
    if (err != SL_OK)
        return err;
    struct sl_record r;
    err = resolve(d, &rec, &r);
    if (err != SL_OK)
        return d->it.state = err;
    *out = r;
    return SL_OK;
}

#endif /* SL_CONFIG_SENML_CBOR */
