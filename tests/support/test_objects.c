#include "test_objects.h"

#include <string.h>

static const struct sl_res_def tobj_res[] = {
    { TOBJ_STR, SL_TYPE_STRING, SL_RES_RW | SL_RES_MANDATORY },
    { TOBJ_NUM, SL_TYPE_INT, SL_RES_RW },
    { TOBJ_SENSOR, SL_TYPE_FLOAT, SL_RES_R },
    { TOBJ_MULTI, SL_TYPE_INT, SL_RES_RW | SL_RES_MULTI },
    { TOBJ_EXEC, SL_TYPE_NONE, SL_RES_E },
    { TOBJ_OPT, SL_TYPE_BOOL, SL_RES_RW },
    { TOBJ_TIME, SL_TYPE_TIME, SL_RES_R },
    { TOBJ_LNK, SL_TYPE_OBJLNK, SL_RES_RW },
    { TOBJ_BLOB, SL_TYPE_OPAQUE, SL_RES_RW },
};

struct tobj_inst *tobj_get(struct tobj *t, uint16_t iid)
{
    for (unsigned k = 0; k < TOBJ_MAX_INST; k++)
        if (t->inst[k].used && t->inst[k].iid == iid)
            return &t->inst[k];
    return NULL;
}

static sl_err tobj_inst_next(const struct sl_obj *o, int32_t after, uint16_t *iid)
{
    const struct tobj *t = o->ctx;
    int32_t best = -1;
    for (unsigned k = 0; k < TOBJ_MAX_INST; k++) {
        const struct tobj_inst *i = &t->inst[k];
        if (i->used && i->iid > after && (best < 0 || i->iid < best))
            best = i->iid;
    }
    if (best < 0)
        return SL_ERR_END;
    *iid = (uint16_t)best;
    return SL_OK;
}

static bool tobj_res_present(const struct sl_obj *o, uint16_t iid, uint16_t rid)
{
    struct tobj_inst *i = tobj_get(o->ctx, iid);
    if (!i)
        return false;
    if (rid == TOBJ_STR)
        return i->str_present;
    return rid != TOBJ_OPT || i->opt_present;
}

static sl_err tobj_res_inst_next(const struct sl_obj *o, uint16_t iid, uint16_t rid,
                                 int32_t after, uint16_t *riid)
{
    struct tobj_inst *i = tobj_get(o->ctx, iid);
    if (!i || rid != TOBJ_MULTI)
        return SL_ERR_END;
    int32_t best = -1;
    for (unsigned k = 0; k < i->multi_count; k++)
        if (i->multi_riid[k] > after && (best < 0 || i->multi_riid[k] < best))
            best = i->multi_riid[k];
    if (best < 0)
        return SL_ERR_END;
    *riid = (uint16_t)best;
    return SL_OK;
}

static sl_err tobj_read(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                        struct sl_value *out)
{
    struct tobj_inst *i = tobj_get(o->ctx, iid);
    if (!i)
        return SL_ERR_NOT_FOUND;
    switch (rid) {
    case TOBJ_STR:
        if (!i->str_present)
            return SL_ERR_NOT_FOUND;
        *out = sl_value_string(i->str, i->str_len);
        return SL_OK;
    case TOBJ_NUM: *out = sl_value_int(i->num); return SL_OK;
    case TOBJ_SENSOR: *out = sl_value_float(i->sensor); return SL_OK;
    case TOBJ_MULTI:
        for (unsigned k = 0; k < i->multi_count; k++) {
            if (i->multi_riid[k] == riid) {
                *out = sl_value_int(i->multi_val[k]);
                return SL_OK;
            }
        }
        return SL_ERR_NOT_FOUND;
    case TOBJ_OPT:
        if (!i->opt_present)
            return SL_ERR_NOT_FOUND;
        *out = sl_value_bool(i->opt);
        return SL_OK;
    case TOBJ_TIME: *out = sl_value_time(i->time); return SL_OK;
    case TOBJ_LNK: *out = sl_value_objlnk(i->lnk.oid, i->lnk.iid); return SL_OK;
    case TOBJ_BLOB: *out = sl_value_opaque(i->blob, i->blob_len); return SL_OK;
    default: return SL_ERR_NOT_FOUND;
    }
}

static sl_err tobj_write(struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                         const struct sl_value *v)
{
    struct tobj *t = o->ctx;
    struct tobj_inst *i = tobj_get(t, iid);
    if (!i)
        return SL_ERR_NOT_FOUND;
    if (t->fail_write_after >= 0 && t->writes == (unsigned)t->fail_write_after) {
        t->writes++;
        return SL_ERR_RANGE;
    }
    t->writes++;
    switch (rid) {
    case TOBJ_STR:
        if (v->v.bytes.len > sizeof i->str)
            return SL_ERR_RANGE;
        memcpy(i->str, v->v.bytes.ptr, v->v.bytes.len);
        i->str_len = v->v.bytes.len;
        i->str_present = true;
        return SL_OK;
    case TOBJ_NUM: i->num = v->v.i; return SL_OK;
    case TOBJ_SENSOR: i->sensor = v->v.f; return SL_OK; /* Create may set it */
    case TOBJ_MULTI:
        for (unsigned k = 0; k < i->multi_count; k++) {
            if (i->multi_riid[k] == riid) {
                i->multi_val[k] = v->v.i;
                return SL_OK;
            }
        }
        if (i->multi_count == TOBJ_MULTI_MAX)
            return SL_ERR_NOMEM;
        i->multi_riid[i->multi_count] = riid;
        i->multi_val[i->multi_count++] = v->v.i;
        return SL_OK;
    case TOBJ_OPT:
        i->opt = v->v.b;
        i->opt_present = true;
        return SL_OK;
    case TOBJ_TIME: i->time = v->v.i; return SL_OK;
    case TOBJ_LNK: i->lnk = v->v.objlnk; return SL_OK;
    case TOBJ_BLOB:
        if (v->v.bytes.len > sizeof i->blob)
            return SL_ERR_RANGE;
        memcpy(i->blob, v->v.bytes.ptr, v->v.bytes.len);
        i->blob_len = v->v.bytes.len;
        return SL_OK;
    default: return SL_ERR_NOT_FOUND;
    }
}

static sl_err tobj_res_clear(struct sl_obj *o, uint16_t iid, uint16_t rid)
{
    struct tobj_inst *i = tobj_get(o->ctx, iid);
    if (!i)
        return SL_ERR_NOT_FOUND;
    if (rid == TOBJ_MULTI)
        i->multi_count = 0;
    else if (rid == TOBJ_OPT)
        i->opt_present = false;
    return SL_OK;
}

static sl_err tobj_execute(struct sl_obj *o, uint16_t iid, uint16_t rid, const uint8_t *args,
                           size_t len)
{
    struct tobj *t = o->ctx;
    (void)iid;
    (void)rid;
    t->exec_count++;
    t->exec_len = len < sizeof t->exec_args ? len : sizeof t->exec_args;
    if (t->exec_len)
        memcpy(t->exec_args, args, t->exec_len);
    return SL_OK;
}

struct tobj_inst *tobj_add(struct tobj *t, uint16_t iid)
{
    if (tobj_get(t, iid))
        return NULL;
    for (unsigned k = 0; k < TOBJ_MAX_INST; k++) {
        struct tobj_inst *i = &t->inst[k];
        if (i->used)
            continue;
        memset(i, 0, sizeof *i);
        i->used = true;
        i->iid = iid;
        i->str_present = true;
        return i;
    }
    return NULL;
}

static sl_err tobj_create(struct sl_obj *o, uint16_t iid)
{
    struct tobj_inst *i = tobj_add(o->ctx, iid);
    if (!i)
        return SL_ERR_NOMEM;
    /* the mandatory string starts absent on a created instance: the
     * creator must give it (checked through res_present below) */
    i->str_present = false;
    return SL_OK;
}

static sl_err tobj_remove(struct sl_obj *o, uint16_t iid)
{
    struct tobj_inst *i = tobj_get(o->ctx, iid);
    if (!i)
        return SL_ERR_NOT_FOUND;
    i->used = false;
    return SL_OK;
}

static sl_err tobj_begin(struct sl_obj *o)
{
    struct tobj *t = o->ctx;
    memcpy(t->backup, t->inst, sizeof t->inst);
    t->in_txn = true;
    return SL_OK;
}

static void tobj_commit(struct sl_obj *o)
{
    struct tobj *t = o->ctx;
    t->in_txn = false;
    t->commits++;
}

static void tobj_rollback(struct sl_obj *o)
{
    struct tobj *t = o->ctx;
    memcpy(t->inst, t->backup, sizeof t->inst);
    t->in_txn = false;
    t->rollbacks++;
}

static const struct sl_obj_ops tobj_ops = {
    .inst_next = tobj_inst_next,
    .res_present = tobj_res_present,
    .res_inst_next = tobj_res_inst_next,
    .read = tobj_read,
    .write = tobj_write,
    .res_clear = tobj_res_clear,
    .execute = tobj_execute,
    .create = tobj_create,
    .remove = tobj_remove,
};

static const struct sl_obj_ops tobj_txn_ops = {
    .inst_next = tobj_inst_next,
    .res_present = tobj_res_present,
    .res_inst_next = tobj_res_inst_next,
    .read = tobj_read,
    .write = tobj_write,
    .res_clear = tobj_res_clear,
    .execute = tobj_execute,
    .create = tobj_create,
    .remove = tobj_remove,
    .begin = tobj_begin,
    .commit = tobj_commit,
    .rollback = tobj_rollback,
};

void tobj_init(struct tobj *t, uint16_t oid, bool multi_instance, bool transactional)
{
    memset(t, 0, sizeof *t);
    t->def.oid = oid;
    t->def.flags = multi_instance ? SL_OBJ_MULTI : 0;
    t->def.ver_major = 1;
    t->def.ver_minor = 0;
    t->def.res_count = sizeof tobj_res / sizeof tobj_res[0];
    t->def.res = tobj_res;
    t->obj.def = &t->def;
    t->obj.ops = transactional ? &tobj_txn_ops : &tobj_ops;
    t->obj.ctx = t;
    t->fail_write_after = -1;
}

/* ---- access control object ---- */

static const struct sl_res_def taco_res[] = {
    { 0, SL_TYPE_INT, SL_RES_R | SL_RES_MANDATORY },
    { 1, SL_TYPE_INT, SL_RES_R | SL_RES_MANDATORY },
    { 2, SL_TYPE_INT, SL_RES_RW | SL_RES_MULTI },
    { 3, SL_TYPE_INT, SL_RES_RW | SL_RES_MANDATORY },
};

static struct taco_inst *taco_get(const struct taco *t, uint16_t iid)
{
    for (unsigned k = 0; k < TACO_MAX_INST; k++)
        if (t->inst[k].used && t->inst[k].iid == iid)
            return (struct taco_inst *)&t->inst[k];
    return NULL;
}

static sl_err taco_inst_next(const struct sl_obj *o, int32_t after, uint16_t *iid)
{
    const struct taco *t = o->ctx;
    int32_t best = -1;
    for (unsigned k = 0; k < TACO_MAX_INST; k++)
        if (t->inst[k].used && t->inst[k].iid > after && (best < 0 || t->inst[k].iid < best))
            best = t->inst[k].iid;
    if (best < 0)
        return SL_ERR_END;
    *iid = (uint16_t)best;
    return SL_OK;
}

static sl_err taco_res_inst_next(const struct sl_obj *o, uint16_t iid, uint16_t rid,
                                 int32_t after, uint16_t *riid)
{
    const struct taco_inst *i = taco_get(o->ctx, iid);
    int32_t best = -1;
    if (!i || rid != 2)
        return SL_ERR_END;
    for (unsigned k = 0; k < i->acl_count; k++)
        if (i->acl_id[k] > after && (best < 0 || i->acl_id[k] < best))
            best = i->acl_id[k];
    if (best < 0)
        return SL_ERR_END;
    *riid = (uint16_t)best;
    return SL_OK;
}

static sl_err taco_read(const struct sl_obj *o, uint16_t iid, uint16_t rid, uint16_t riid,
                        struct sl_value *out)
{
    const struct taco_inst *i = taco_get(o->ctx, iid);
    if (!i)
        return SL_ERR_NOT_FOUND;
    switch (rid) {
    case 0: *out = sl_value_int(i->oid); return SL_OK;
    case 1: *out = sl_value_int(i->oiid); return SL_OK;
    case 3: *out = sl_value_int(i->owner); return SL_OK;
    case 2:
        for (unsigned k = 0; k < i->acl_count; k++) {
            if (i->acl_id[k] == riid) {
                *out = sl_value_int(i->acl_val[k]);
                return SL_OK;
            }
        }
        return SL_ERR_NOT_FOUND;
    default: return SL_ERR_NOT_FOUND;
    }
}

static const struct sl_obj_ops taco_ops = {
    .inst_next = taco_inst_next,
    .res_inst_next = taco_res_inst_next,
    .read = taco_read,
};

void taco_init(struct taco *t, uint16_t oid)
{
    memset(t, 0, sizeof *t);
    t->def.oid = oid;
    t->def.flags = SL_OBJ_MULTI;
    t->def.ver_major = 1;
    t->def.res_count = sizeof taco_res / sizeof taco_res[0];
    t->def.res = taco_res;
    t->obj.def = &t->def;
    t->obj.ops = &taco_ops;
    t->obj.ctx = t;
}

struct taco_inst *taco_add(struct taco *t, uint16_t iid, uint16_t oid, uint16_t oiid,
                           uint16_t owner)
{
    for (unsigned k = 0; k < TACO_MAX_INST; k++) {
        struct taco_inst *i = &t->inst[k];
        if (i->used)
            continue;
        memset(i, 0, sizeof *i);
        i->used = true;
        i->iid = iid;
        i->oid = oid;
        i->oiid = oiid;
        i->owner = owner;
        return i;
    }
    return NULL;
}

void taco_acl(struct taco_inst *i, uint16_t id, uint16_t rights)
{
    if (i->acl_count < TACO_MAX_ACL) {
        i->acl_id[i->acl_count] = id;
        i->acl_val[i->acl_count++] = rights;
    }
}
