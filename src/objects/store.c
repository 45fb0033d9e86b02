/* Storage-backed objects: generic handlers over a field table (store.h). */
#include "objects/store.h"

#include <string.h>

#include "codec/data.h"
#include "codec/value.h"

/* Offsets of the variable parts of BYTES and MULTI storage: the macros in
 * store.h declare anonymous structs with these layouts. */
struct bytes_layout {
    uint16_t len;
    uint8_t data[1]; /* cppcheck-suppress unusedStructMember ; only its offset is used */
};
struct multi_layout {
    uint16_t count; /* cppcheck-suppress unusedStructMember ; read through multi_entries() */
    struct sl_store_entry e[1]; /* cppcheck-suppress unusedStructMember ; only its offset is used */
};

static struct sl_store_hdr *hdr_at(const struct sl_store *s, unsigned k)
{
    return (struct sl_store_hdr *)(void *)(s->inst + k * s->inst_size);
}

static struct sl_store_hdr *find(const struct sl_store *s, uint16_t iid)
{
    for (unsigned k = 0; k < s->inst_max; k++) {
        struct sl_store_hdr *h = hdr_at(s, k);
        if (h->used && h->iid == iid)
            return h;
    }
    return NULL;
}

static int field_index(const struct sl_store *s, uint16_t rid)
{
    for (unsigned k = 0; k < s->field_count; k++)
        if (s->fields[k].rid == rid)
            return (int)k;
    return -1;
}

static uint8_t *field_ptr(struct sl_store_hdr *h, const struct sl_field *f)
{
    return (uint8_t *)h + f->offset;
}

void *sl_store_get(const struct sl_store *s, uint16_t iid)
{
    return find(s, iid);
}

sl_err sl_store_next(const struct sl_store *s, int32_t after, uint16_t *iid)
{
    int32_t best = -1;
    for (unsigned k = 0; k < s->inst_max; k++) {
        const struct sl_store_hdr *h = hdr_at(s, k);
        if (h->used && h->iid > after && (best < 0 || h->iid < best))
            best = h->iid;
    }
    if (best < 0)
        return SL_ERR_END;
    *iid = (uint16_t)best;
    return SL_OK;
}

sl_err sl_store_add(struct sl_store *s, uint16_t iid, void **out)
{
    if (iid > SL_ID_MAX)
        return SL_ERR_INVALID;
    if (find(s, iid))
        return SL_ERR_CONFLICT;
    for (unsigned k = 0; k < s->inst_max; k++) {
        struct sl_store_hdr *h = hdr_at(s, k);
        if (h->used)
            continue;
        memset(h, 0, s->inst_size);
        h->used = true;
        h->iid = iid;
        if (out)
            *out = h;
        return SL_OK;
    }
    return SL_ERR_NOMEM;
}

sl_err sl_store_remove(struct sl_store *s, uint16_t iid)
{
    struct sl_store_hdr *h = find(s, iid);
    if (!h)
        return SL_ERR_NOT_FOUND;
    h->used = false;
    return SL_OK;
}

bool sl_store_has(const struct sl_store *s, uint16_t iid, uint16_t rid)
{
    struct sl_store_hdr *h = find(s, iid);
    int k = field_index(s, rid);
    if (!h)
        return false;
    if (k < 0)
        return sl_obj_res(s->obj.def, rid) != NULL; /* no storage: executable */
    return (h->present >> k) & 1u;
}

/* Bytes of the value in the storage of the scalar field kinds (INT, BOOL,
 * FLOAT, OBJLNK), which are also their bytes in struct sl_value's union. */
static const uint8_t scalar_size[] = {
    [SL_FIELD_INT] = sizeof(int64_t),
    [SL_FIELD_BOOL] = sizeof(bool),
    [SL_FIELD_FLOAT] = sizeof(double),
    [SL_FIELD_OBJLNK] = sizeof(struct sl_objlnk),
};

/* Entries of MULTI storage at p, and the one of riid (NULL when absent). */
static struct sl_store_entry *multi_entries(const uint8_t *p, uint16_t **count)
{
    *count = (uint16_t *)(uintptr_t)p;
    return (struct sl_store_entry *)(uintptr_t)(p + offsetof(struct multi_layout, e));
}

static struct sl_store_entry *multi_find(const uint8_t *p, uint16_t riid)
{
    uint16_t *count;
    struct sl_store_entry *e = multi_entries(p, &count);
    for (unsigned j = 0; j < *count; j++)
        if (e[j].id == riid)
            return &e[j];
    return NULL;
}

sl_err sl_store_read(const struct sl_store *s, uint16_t iid, uint16_t rid, uint16_t riid,
                     struct sl_value *out)
{
    struct sl_store_hdr *h = find(s, iid);
    int k = field_index(s, rid);
    const struct sl_res_def *rd = sl_obj_res(s->obj.def, rid);
    if (!h || k < 0 || !rd || !((h->present >> k) & 1u))
        return SL_ERR_NOT_FOUND;
    const struct sl_field *f = &s->fields[k];
    const uint8_t *p = field_ptr(h, f);
    out->type = rd->type;
    if (f->kind == SL_FIELD_BYTES) {
        const struct bytes_layout *b = (const void *)p;
        out->v.bytes.ptr = p + offsetof(struct bytes_layout, data);
        out->v.bytes.len = b->len;
    } else if (f->kind == SL_FIELD_MULTI) {
        const struct sl_store_entry *e = multi_find(p, riid);
        if (!e)
            return SL_ERR_NOT_FOUND;
        out->v.i = e->value;
    } else {
        /* an INT field read as UINT: the same bits (set() keeps them <= INT64_MAX) */
        memcpy(&out->v, p, scalar_size[f->kind]);
    }
    return SL_OK;
}

sl_err sl_store_set(struct sl_store *s, uint16_t iid, uint16_t rid, uint16_t riid,
                    const struct sl_value *in)
{
    struct sl_store_hdr *h = find(s, iid);
    int k = field_index(s, rid);
    const struct sl_res_def *rd = sl_obj_res(s->obj.def, rid);
    if (!h || k < 0 || !rd)
        return SL_ERR_NOT_FOUND;
    struct sl_value v;
    sl_err err = sl_value_convert(in, rd->type, &v);
    if (err != SL_OK)
        return err;
    const struct sl_field *f = &s->fields[k];
    uint8_t *p = field_ptr(h, f);
    if (f->kind == SL_FIELD_BYTES) {
        if (v.v.bytes.len > f->cap)
            return SL_ERR_RANGE;
        uint16_t len = (uint16_t)v.v.bytes.len;
        memcpy(p, &len, sizeof len);
        /* the value may come from this very field (a part of it, at the
         * same place or after): copying front to back is safe then too */
        uint8_t *dst = p + offsetof(struct bytes_layout, data);
        for (uint16_t j = 0; j < len; j++)
            dst[j] = v.v.bytes.ptr[j];
    } else if (f->kind == SL_FIELD_MULTI) {
        if (riid > SL_ID_MAX)
            return SL_ERR_INVALID;
        struct sl_store_entry *e = multi_find(p, riid);
        if (!e) {
            uint16_t *count;
            e = multi_entries(p, &count);
            if (*count >= f->cap)
                return SL_ERR_NOMEM;
            e += (*count)++;
        }
        e->id = riid;
        e->value = v.v.i;
    } else {
        if (v.type == SL_TYPE_UINT && v.v.u > INT64_MAX)
            return SL_ERR_RANGE; /* beyond the int64_t storage */
        memcpy(p, &v.v, scalar_size[f->kind]);
    }
    h->present |= 1u << k;
    return SL_OK;
}

int64_t sl_store_int(const struct sl_store *s, uint16_t iid, uint16_t rid, int64_t dflt)
{
    struct sl_value v;
    if (sl_store_read(s, iid, rid, SL_ID_NONE, &v) != SL_OK)
        return dflt;
    if (v.type == SL_TYPE_UINT)
        return (int64_t)v.v.u;
    if (v.type == SL_TYPE_INT || v.type == SL_TYPE_TIME)
        return v.v.i;
    return dflt;
}

size_t sl_store_str(const struct sl_store *s, uint16_t iid, uint16_t rid, char *buf, size_t cap)
{
    struct sl_value v;
    size_t n = 0;
    if (cap == 0)
        return 0;
    if (sl_store_read(s, iid, rid, SL_ID_NONE, &v) == SL_OK &&
        (v.type == SL_TYPE_STRING || v.type == SL_TYPE_OPAQUE || v.type == SL_TYPE_CORELNK)) {
        n = v.v.bytes.len < cap - 1 ? v.v.bytes.len : cap - 1;
        memcpy(buf, v.v.bytes.ptr, n);
    }
    buf[n] = '\0';
    return n;
}

/* ---- handlers ---- */

static struct sl_store *store_of(const struct sl_obj *o)
{
    return o->ctx;
}

static sl_err op_inst_next(const struct sl_obj *o, int32_t after, uint16_t *iid)
{
    return sl_store_next(store_of(o), after, iid);
}

static bool op_res_present(const struct sl_obj *o, uint16_t iid, uint16_t rid)
{
    return sl_store_has(store_of(o), iid, rid);
}

static sl_err op_res_inst_next(const struct sl_obj *o, uint16_t iid, uint16_t rid, int32_t after,
                               uint16_t *riid)
{
    const struct sl_store *s = store_of(o);
    struct sl_store_hdr *h = find(s, iid);
    int k = field_index(s, rid);
    if (!h || k < 0 || s->fields[k].kind != SL_FIELD_MULTI || !((h->present >> k) & 1u))
        return SL_ERR_END;
    uint16_t *count;
    const struct sl_store_entry *e = multi_entries(field_ptr(h, &s->fields[k]), &count);
    int32_t best = -1;
    for (unsigned j = 0; j < *count; j++)
        if (e[j].id > after && (best < 0 || e[j].id < best))
            best = e[j].id;
    if (best < 0)
        return SL_ERR_END;
    *riid = (uint16_t)best;
    return SL_OK;
}

static sl_err op_read(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                      struct sl_value *out)
{
    return sl_store_read(store_of(o), iid, rid, riid, out);
}

static sl_err op_write(struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                       const struct sl_value *v)
{
    return sl_store_set(store_of(o), iid, rid, riid, v);
}

/* What sl_store_set() would refuse, asked before anything is written. */
static sl_err op_check(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                       const struct sl_value *v)
{
    const struct sl_store *s = store_of(o);
    int k = field_index(s, rid);
    if (k < 0)
        return SL_ERR_NOT_FOUND;
    const struct sl_field *f = &s->fields[k];
    if ((v->type == SL_TYPE_UINT && v->v.u > INT64_MAX) ||
        (f->kind == SL_FIELD_BYTES && v->v.bytes.len > f->cap))
        return SL_ERR_RANGE;
    /* overwriting an entry cannot fail, adding one can (the resource is
     * full) halfway through a request: a store without backup refuses it */
    if (f->kind == SL_FIELD_MULTI && !s->backup) {
        struct sl_store_hdr *h = find(s, iid);
        if (!h || !multi_find(field_ptr(h, f), riid))
            return SL_ERR_METHOD;
    }
    return s->hooks.check ? s->hooks.check(s->hooks.ctx, s, iid, rid, riid, v) : SL_OK;
}

static sl_err op_res_clear(struct sl_obj *o, uint16_t iid, uint16_t rid)
{
    struct sl_store *s = store_of(o);
    struct sl_store_hdr *h = find(s, iid);
    int k = field_index(s, rid);
    if (!h || k < 0)
        return SL_ERR_NOT_FOUND;
    h->present &= ~(1u << k);
    if (s->fields[k].kind == SL_FIELD_MULTI) {
        uint16_t *count;
        (void)multi_entries(field_ptr(h, &s->fields[k]), &count);
        *count = 0;
    }
    return SL_OK;
}

static sl_err op_execute(struct sl_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args,
                         size_t len)
{
    struct sl_store *s = store_of(o);
    if (!s->hooks.execute)
        return SL_ERR_METHOD;
    return s->hooks.execute(s->hooks.execute_ctx, s, iid, rid, args, len);
}

static sl_err op_create(struct sl_obj *o, uint16_t iid)
{
    return sl_store_add(store_of(o), iid, NULL);
}

static sl_err op_remove(struct sl_obj *o, uint16_t iid)
{
    struct sl_store *s = store_of(o);
    sl_err err = sl_store_remove(s, iid);
    /* a delete is not part of a write transaction: persist it now */
    if (err == SL_OK && !s->in_txn && s->hooks.committed)
        s->hooks.committed(s->hooks.ctx, s);
    return err;
}

static sl_err op_begin(struct sl_obj *o)
{
    struct sl_store *s = store_of(o);
    if (s->backup)
        memcpy(s->backup, s->inst, s->inst_size * s->inst_max);
    s->in_txn = true;
    return SL_OK;
}

static sl_err op_validate(struct sl_obj *o)
{
    struct sl_store *s = store_of(o);
    return s->hooks.validate ? s->hooks.validate(s->hooks.ctx, s) : SL_OK;
}

static void op_commit(struct sl_obj *o)
{
    struct sl_store *s = store_of(o);
    s->in_txn = false;
    if (s->hooks.committed)
        s->hooks.committed(s->hooks.ctx, s);
}

static void op_rollback(struct sl_obj *o)
{
    struct sl_store *s = store_of(o);
    if (s->backup)
        memcpy(s->inst, s->backup, s->inst_size * s->inst_max);
    s->in_txn = false;
}

/* Every operation but rollback, shared by the two tables below. */
#define STORE_OPS_COMMON                                                                       \
    .inst_next = op_inst_next, .res_present = op_res_present,                                  \
    .res_inst_next = op_res_inst_next, .read = op_read, .write = op_write,                     \
    .res_clear = op_res_clear, .execute = op_execute, .create = op_create,                     \
    .remove = op_remove, .begin = op_begin, .validate = op_validate, .commit = op_commit,      \
    .check = op_check

static const struct sl_obj_ops store_ops = { STORE_OPS_COMMON, .rollback = op_rollback };

/* Without a backup there is nothing to restore: leave rollback out, so the
 * data model knows to undo a failed Create by deleting. */
static const struct sl_obj_ops store_ops_no_rollback = { STORE_OPS_COMMON };

void sl_store_init(struct sl_store *s, const struct sl_obj_def *def, const struct sl_field *fields,
                   uint8_t field_count, void *inst, size_t inst_size, uint16_t inst_max,
                   void *backup)
{
    memset(s, 0, sizeof *s);
    s->obj.def = def;
    s->obj.ops = backup ? &store_ops : &store_ops_no_rollback;
    s->obj.ctx = s;
    s->fields = fields;
    s->field_count = field_count > 32 ? 32 : field_count;
    s->inst = inst;
    s->inst_size = inst_size;
    s->inst_max = inst_max;
    s->backup = backup;
    memset(inst, 0, inst_size * inst_max);
}

/* ---- persistence ---- */

#if SL_CONFIG_TLV
sl_err sl_store_save(const struct sl_store *s, struct sl_wbuf *w)
{
    struct sl_tlv_enc enc;
    struct sl_path base = sl_path_make(1, s->obj.def->oid, 0, 0, 0);
    sl_err err = sl_tlv_enc_begin(&enc, w, &base);
    int32_t after = -1;
    uint16_t iid;
    while (err == SL_OK && sl_store_next(s, after, &iid) == SL_OK) {
        after = iid;
        for (unsigned k = 0; k < s->field_count && err == SL_OK; k++) {
            const struct sl_field *f = &s->fields[k];
            struct sl_record r;
            if (!sl_store_has(s, iid, f->rid))
                continue;
            if (f->kind != SL_FIELD_MULTI) {
                r.path = sl_path_make(3, base.id[0], iid, f->rid, 0);
                err = sl_store_read(s, iid, f->rid, SL_ID_NONE, &r.value);
                if (err == SL_OK)
                    err = sl_tlv_enc_record(&enc, &r);
                continue;
            }
            int32_t ra = -1;
            uint16_t riid;
            while (err == SL_OK &&
                   op_res_inst_next(&s->obj, iid, f->rid, ra, &riid) == SL_OK) {
                ra = riid;
                r.path = sl_path_make(4, base.id[0], iid, f->rid, riid);
                err = sl_store_read(s, iid, f->rid, riid, &r.value);
                if (err == SL_OK)
                    err = sl_tlv_enc_record(&enc, &r);
            }
        }
        if (err == SL_OK && find(s, iid)->present == 0) {
            /* an instance with no values still exists */
            struct sl_record r = { sl_path_make(2, base.id[0], iid, 0, 0), { .type = SL_TYPE_NONE } };
            err = sl_tlv_enc_record(&enc, &r);
        }
    }
    return err == SL_OK ? sl_tlv_enc_end(&enc) : err;
}

/* One pass over a saved object: check only, or apply. */
/* Instances a saved object may hold, for the capacity check of the first
 * pass (every store of ours has far fewer). */
#define LOAD_MAX_INSTANCES 32

struct load_multi {
    uint16_t iid, rid, count;
};

static sl_err load_pass(struct sl_store *s, const uint8_t *data, size_t len, bool apply)
{
    struct sl_tlv_dec dec;
    struct sl_path base = sl_path_make(1, s->obj.def->oid, 0, 0, 0);
    struct sl_record r;
    sl_err err;
    /* the check pass also proves the apply pass cannot run out of room:
     * distinct instances within inst_max, entries of a multiple resource
     * within its cap, so a store without backup is never left half-loaded */
    uint16_t seen[LOAD_MAX_INSTANCES];
    unsigned seen_count = 0;
    /* entries per (instance, multiple resource), wherever they appear */
    struct load_multi multi[LOAD_MAX_INSTANCES];
    unsigned multi_count = 0, entries = 0;
    sl_tlv_dec_init(&dec, &base, data, len);
    while ((err = sl_tlv_dec_next(&dec, &r)) == SL_OK) {
        if (r.path.len < 2 || r.path.id[1] > SL_ID_MAX)
            return SL_ERR_INVALID;
        if (!apply) {
            unsigned j = 0;
            while (j < seen_count && seen[j] != r.path.id[1])
                j++;
            if (j == seen_count) {
                if (seen_count >= s->inst_max || seen_count >= LOAD_MAX_INSTANCES)
                    return SL_ERR_INVALID;
                seen[seen_count++] = r.path.id[1];
            }
            if (r.path.len == 4) {
                unsigned m = 0;
                while (m < multi_count &&
                       (multi[m].iid != r.path.id[1] || multi[m].rid != r.path.id[2]))
                    m++;
                if (m == multi_count) {
                    if (multi_count == LOAD_MAX_INSTANCES)
                        return SL_ERR_INVALID;
                    multi[multi_count].iid = r.path.id[1];
                    multi[multi_count].rid = r.path.id[2];
                    multi[multi_count++].count = 0;
                }
                entries = ++multi[m].count;
            }
        }
        if (apply && !find(s, r.path.id[1]) && (err = sl_store_add(s, r.path.id[1], NULL)) != SL_OK)
            return err;
        if (r.path.len == 2)
            continue; /* an empty instance */
        const struct sl_res_def *rd = sl_obj_res(s->obj.def, r.path.id[2]);
        int k = rd ? field_index(s, rd->id) : -1;
        struct sl_value v;
        if (k < 0 || r.value.type == SL_TYPE_NONE || sl_value_convert(&r.value, rd->type, &v) != SL_OK)
            return SL_ERR_INVALID;
        if (s->fields[k].kind == SL_FIELD_BYTES && v.v.bytes.len > s->fields[k].cap)
            return SL_ERR_INVALID;
        if (s->fields[k].kind == SL_FIELD_MULTI &&
            (r.path.len != 4 || (!apply && entries > s->fields[k].cap)))
            return SL_ERR_INVALID;
        /* what sl_store_set would refuse: an Unsigned beyond int64 */
        if (v.type == SL_TYPE_UINT && v.v.u > INT64_MAX && s->fields[k].kind == SL_FIELD_INT)
            return SL_ERR_INVALID;
        if (s->fields[k].kind != SL_FIELD_MULTI && r.path.len != 3)
            return SL_ERR_INVALID;
        if (apply && (err = sl_store_set(s, r.path.id[1], rd->id,
                                         r.path.len == 4 ? r.path.id[3] : SL_ID_NONE, &v)) != SL_OK)
            return err;
    }
    return err == SL_ERR_END ? SL_OK : SL_ERR_INVALID;
}

sl_err sl_store_load(struct sl_store *s, const uint8_t *data, size_t len)
{
    /* check everything before touching the instances */
    sl_err err = load_pass(s, data, len, false);
    if (err != SL_OK)
        return err;
    if (s->backup)
        memcpy(s->backup, s->inst, s->inst_size * s->inst_max);
    for (unsigned k = 0; k < s->inst_max; k++)
        hdr_at(s, k)->used = false;
    err = load_pass(s, data, len, true);
    if (err != SL_OK && s->backup) /* more instances or entries than fit */
        memcpy(s->inst, s->backup, s->inst_size * s->inst_max);
    return err;
}
#else
sl_err sl_store_save(const struct sl_store *s, struct sl_wbuf *w)
{
    (void)s;
    (void)w;
    return SL_ERR_UNSUPPORTED;
}

sl_err sl_store_load(struct sl_store *s, const uint8_t *data, size_t len)
{
    (void)s;
    (void)data;
    (void)len;
    return SL_ERR_UNSUPPORTED;
}
#endif
