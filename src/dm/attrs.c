/* Notification attribute storage and Write-Attributes query parsing. */
#include "dm/attrs.h"

#include <string.h>

#include "codec/value.h"

struct attr_name {
    const char *name;
    uint8_t bit;
    bool integer; /* pmin/pmax/epmin/epmax are seconds; gt/lt/st numbers */
};

static const struct attr_name attr_names[] = {
    { "pmin", SL_ATTR_PMIN, true },   { "pmax", SL_ATTR_PMAX, true },
    { "gt", SL_ATTR_GT, false },      { "lt", SL_ATTR_LT, false },
    { "st", SL_ATTR_ST, false },      { "epmin", SL_ATTR_EPMIN, true },
    { "epmax", SL_ATTR_EPMAX, true },
};

static void attrs_put(struct sl_attrs *a, uint8_t bit, const struct sl_value *v)
{
    switch (bit) {
    case SL_ATTR_PMIN: a->pmin = (uint32_t)v->v.u; break;
    case SL_ATTR_PMAX: a->pmax = (uint32_t)v->v.u; break;
    case SL_ATTR_EPMIN: a->epmin = (uint32_t)v->v.u; break;
    case SL_ATTR_EPMAX: a->epmax = (uint32_t)v->v.u; break;
    case SL_ATTR_GT: a->gt = v->v.f; break;
    case SL_ATTR_LT: a->lt = v->v.f; break;
    case SL_ATTR_ST: a->st = v->v.f; break;
    default: break;
    }
    a->set |= bit;
}

sl_err sl_attrs_parse_query(const struct sl_coap_msg *m, struct sl_attrs *set, uint8_t *clear)
{
    memset(set, 0, sizeof *set);
    *clear = 0;
    for (unsigned k = 0;; k++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_URI_QUERY, k);
        if (!o)
            break;
        size_t nlen = 0;
        while (nlen < o->len && o->val[nlen] != '=')
            nlen++;
        const struct attr_name *an = NULL;
        for (size_t j = 0; j < sizeof attr_names / sizeof attr_names[0]; j++) {
            if (strlen(attr_names[j].name) == nlen &&
                memcmp(attr_names[j].name, o->val, nlen) == 0) {
                an = &attr_names[j];
                break;
            }
        }
        if (!an || ((set->set | *clear) & an->bit))
            return SL_ERR_INVALID; /* unknown or repeated attribute */
        if (nlen == o->len) {
            *clear |= an->bit; /* "?pmin": remove the attribute */
            continue;
        }
        struct sl_value raw = { .type = SL_TYPE_RAW_TEXT };
        raw.v.bytes.ptr = o->val + nlen + 1;
        raw.v.bytes.len = o->len - nlen - 1;
        struct sl_value v;
        if (sl_value_convert(&raw, an->integer ? SL_TYPE_UINT : SL_TYPE_FLOAT, &v) != SL_OK)
            return SL_ERR_INVALID;
        if (an->integer && v.v.u > UINT32_MAX)
            return SL_ERR_INVALID;
        if (!an->integer && an->bit == SL_ATTR_ST && v.v.f < 0)
            return SL_ERR_INVALID; /* a step is a magnitude */
        attrs_put(set, an->bit, &v);
    }
    return SL_OK;
}

void sl_attrs_merge(struct sl_attrs *dst, const struct sl_attrs *src)
{
    if (src->set & SL_ATTR_PMIN)
        dst->pmin = src->pmin;
    if (src->set & SL_ATTR_PMAX)
        dst->pmax = src->pmax;
    if (src->set & SL_ATTR_EPMIN)
        dst->epmin = src->epmin;
    if (src->set & SL_ATTR_EPMAX)
        dst->epmax = src->epmax;
    if (src->set & SL_ATTR_GT)
        dst->gt = src->gt;
    if (src->set & SL_ATTR_LT)
        dst->lt = src->lt;
    if (src->set & SL_ATTR_ST)
        dst->st = src->st;
    dst->set |= src->set;
}

static struct sl_attr_entry *find_entry(struct sl_attr_store *s, const struct sl_actor *who,
                                        const struct sl_path *path)
{
    for (unsigned k = 0; k < SL_MAX_ATTRS; k++) {
        struct sl_attr_entry *e = &s->e[k];
        if (e->used && sl_actor_equal(&e->actor, who) && sl_path_equal(&e->path, path))
            return e;
    }
    return NULL;
}

sl_err sl_attr_store_apply(struct sl_attr_store *s, const struct sl_actor *who,
                           const struct sl_path *path, const struct sl_attrs *set, uint8_t clear)
{
    struct sl_attr_entry *e = find_entry(s, who, path);
    if (!e) {
        if (set->set == 0)
            return SL_OK; /* clearing what is not there */
        for (unsigned k = 0; k < SL_MAX_ATTRS && !e; k++)
            if (!s->e[k].used)
                e = &s->e[k];
        if (!e)
            return SL_ERR_NOMEM;
        memset(e, 0, sizeof *e);
        e->used = true;
        e->actor = *who;
        e->path = *path;
    }
    e->a.set &= (uint8_t)~clear;
    sl_attrs_merge(&e->a, set);
    if (e->a.set == 0)
        e->used = false;
    return SL_OK;
}

const struct sl_attrs *sl_attr_store_get(const struct sl_attr_store *s, const struct sl_actor *who,
                                         const struct sl_path *path)
{
    const struct sl_attr_entry *e = find_entry((struct sl_attr_store *)s, who, path);
    return e ? &e->a : NULL;
}

void sl_attr_store_effective(const struct sl_attr_store *s, const struct sl_actor *who,
                             const struct sl_path *path, struct sl_attrs *out)
{
    memset(out, 0, sizeof *out);
    /* walk from the object level down, so deeper levels overwrite */
    for (uint8_t len = 1; len <= path->len; len++) {
        struct sl_path p = *path;
        p.len = len;
        const struct sl_attrs *a = sl_attr_store_get(s, who, &p);
        if (!a)
            continue;
        sl_attrs_merge(out, a);
    }
}

void sl_attr_store_forget_path(struct sl_attr_store *s, const struct sl_path *path)
{
    for (unsigned k = 0; k < SL_MAX_ATTRS; k++)
        if (s->e[k].used && sl_path_within(&s->e[k].path, path))
            s->e[k].used = false;
}

void sl_attr_store_forget_actor(struct sl_attr_store *s, const struct sl_actor *who)
{
    for (unsigned k = 0; k < SL_MAX_ATTRS; k++)
        if (s->e[k].used && sl_actor_equal(&s->e[k].actor, who))
            s->e[k].used = false;
}
