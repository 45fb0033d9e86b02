/* Notification attribute storage and Write-Attributes query parsing. */
#include "dm/attrs.h"

#include <stddef.h>
#include <string.h>

#include "codec/link.h"
#include "codec/value.h"

#if SL_CONFIG_OBSERVE_ATTRS
/* Every attribute, in Discover's order, with where its value lives. */
struct attr_def {
    char name[6];
    uint8_t bit;
    uint8_t offset; /* in struct sl_attrs: a uint32_t (seconds) or an sl_attr_num */
};

#define ATTR(name, bit, member) { name, bit, (uint8_t)offsetof(struct sl_attrs, member) }
static const struct attr_def attr_defs[] = {
    ATTR("pmin", SL_ATTR_PMIN, pmin), ATTR("pmax", SL_ATTR_PMAX, pmax),
    ATTR("gt", SL_ATTR_GT, gt),       ATTR("lt", SL_ATTR_LT, lt),
    ATTR("st", SL_ATTR_ST, st),       ATTR("epmin", SL_ATTR_EPMIN, epmin),
    ATTR("epmax", SL_ATTR_EPMAX, epmax),
};
#define ATTR_COUNT (sizeof attr_defs / sizeof attr_defs[0])

static bool is_numeric(const struct attr_def *d)
{
    return (d->bit & SL_ATTR_NUMERIC) != 0;
}

static size_t value_size(const struct attr_def *d)
{
    return is_numeric(d) ? sizeof(sl_attr_num) : sizeof(uint32_t);
}

static void *value_at(const struct sl_attrs *a, const struct attr_def *d)
{
    return (uint8_t *)(uintptr_t)a + d->offset;
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
        const struct attr_def *d = NULL;
        for (size_t j = 0; j < ATTR_COUNT && !d; j++) {
            if (strlen(attr_defs[j].name) == nlen && memcmp(attr_defs[j].name, o->val, nlen) == 0)
                d = &attr_defs[j];
        }
        if (!d || ((set->set | *clear) & d->bit))
            return SL_ERR_INVALID; /* unknown or repeated attribute */
        if (nlen == o->len) {
            *clear |= d->bit; /* "?pmin": remove the attribute */
            continue;
        }
        struct sl_value v = { .type = SL_TYPE_RAW_TEXT };
        v.v.bytes.ptr = o->val + nlen + 1;
        v.v.bytes.len = o->len - nlen - 1;
        if (!is_numeric(d)) {
            if (sl_value_convert(&v, SL_TYPE_UINT, &v) != SL_OK || v.v.u > UINT32_MAX)
                return SL_ERR_INVALID;
            uint32_t secs = (uint32_t)v.v.u;
            memcpy(value_at(set, d), &secs, sizeof secs);
        } else {
#if SL_CONFIG_FLOAT
            if (sl_value_convert(&v, SL_TYPE_FLOAT, &v) != SL_OK)
                return SL_ERR_INVALID;
            sl_attr_num x = v.v.f;
#else
            if (sl_value_convert(&v, SL_TYPE_INT, &v) != SL_OK)
                return SL_ERR_INVALID;
            sl_attr_num x = v.v.i;
#endif
            if (d->bit == SL_ATTR_ST && x < 0)
                return SL_ERR_INVALID; /* a step is a magnitude */
            memcpy(value_at(set, d), &x, sizeof x);
        }
        set->set |= d->bit;
    }
    return SL_OK;
}

void sl_attrs_merge(struct sl_attrs *dst, const struct sl_attrs *src)
{
    for (size_t k = 0; k < ATTR_COUNT; k++) {
        const struct attr_def *d = &attr_defs[k];
        if (src->set & d->bit)
            memcpy(value_at(dst, d), value_at(src, d), value_size(d));
    }
    dst->set |= src->set;
}

bool sl_attrs_consistent(const struct sl_attrs *a)
{
    if ((a->set & SL_ATTR_GT) && (a->set & SL_ATTR_LT)) {
        sl_attr_num st = (a->set & SL_ATTR_ST) ? a->st : 0;
        if (!(a->lt < a->gt))
            return false;
#if SL_CONFIG_FLOAT
        if (!(a->lt + 2.0 * st < a->gt))
            return false;
#else
        /* in 64 bits unsigned, where neither side can overflow */
        if ((uint64_t)a->gt - (uint64_t)a->lt <= 2u * (uint64_t)st)
            return false;
#endif
    }
    return !((a->set & SL_ATTR_EPMIN) && (a->set & SL_ATTR_EPMAX) && a->epmin > a->epmax);
}

bool sl_attrs_numeric_notifies(const struct sl_attrs *a, sl_attr_num last, sl_attr_num now)
{
    if (!(a->set & SL_ATTR_NUMERIC))
        return true;
    if ((a->set & SL_ATTR_GT) && ((last <= a->gt) != (now <= a->gt)))
        return true;
    if ((a->set & SL_ATTR_LT) && ((last < a->lt) != (now < a->lt)))
        return true;
    if (a->set & SL_ATTR_ST) {
#if SL_CONFIG_FLOAT
        double d = now > last ? now - last : last - now;
        if (d >= a->st)
            return true;
#else
        uint64_t d = now > last ? (uint64_t)now - (uint64_t)last : (uint64_t)last - (uint64_t)now;
        if (d >= (uint64_t)a->st)
            return true;
#endif
    }
    return false;
}

sl_err sl_attrs_put_link_params(struct sl_link_writer *lw, const struct sl_attrs *a)
{
    sl_err err = SL_OK;
    for (size_t k = 0; a && k < ATTR_COUNT && err == SL_OK; k++) {
        const struct attr_def *d = &attr_defs[k];
        if (!(a->set & d->bit))
            continue;
        if (!is_numeric(d)) {
            uint32_t secs;
            memcpy(&secs, value_at(a, d), sizeof secs);
            err = sl_link_put_attr_uint(lw, d->name, secs);
            continue;
        }
        sl_attr_num x;
        memcpy(&x, value_at(a, d), sizeof x);
#if SL_CONFIG_FLOAT
        err = sl_link_put_attr_float(lw, d->name, x);
#else
        err = sl_link_put_attr_int(lw, d->name, x);
#endif
    }
    return err;
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
#endif /* SL_CONFIG_OBSERVE_ATTRS */
