/* LwM2M nodes <-> JSON. */
#include "server/srv_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/decimal.h"
#include "codec/objlnk_text.h"
#include "codec/value.h"

static const struct {
    uint8_t type;
    const char *name;
} type_names[] = {
    { SL_TYPE_STRING, "STRING" },   { SL_TYPE_INT, "INTEGER" },
    { SL_TYPE_UINT, "UNSIGNED_INTEGER" }, { SL_TYPE_FLOAT, "FLOAT" },
    { SL_TYPE_BOOL, "BOOLEAN" },    { SL_TYPE_OPAQUE, "OPAQUE" },
    { SL_TYPE_TIME, "TIME" },       { SL_TYPE_OBJLNK, "OBJLNK" },
    { SL_TYPE_CORELNK, "CORELINK" }, { SL_TYPE_NONE, "NONE" },
};

const char *srv_type_name(uint8_t type)
{
    for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++)
        if (type_names[k].type == type)
            return type_names[k].name;
    return "NONE";
}

bool srv_type_parse(const char *s, uint8_t *type)
{
    for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++) {
        if (strcasecmp(s, type_names[k].name) == 0) {
            *type = type_names[k].type;
            return true;
        }
    }
    return false;
}

/* ---- output ---- */

/* A JSON string of bytes that should be UTF-8: bytes that are not become '?'. */
static json_t *string_lossy(const uint8_t *p, size_t n)
{
    json_t *j = json_stringn((const char *)p, n);
    if (j || n == 0)
        return j ? j : json_string("");
    char *c = malloc(n);
    if (!c)
        return NULL;
    for (size_t k = 0; k < n; k++)
        c[k] = (p[k] < 0x80) ? (char)p[k] : '?';
    j = json_stringn(c, n);
    free(c);
    return j;
}

json_t *srv_json_value(const struct sl_value *v)
{
    switch (v->type) {
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
    case SL_TYPE_RAW_TEXT:
        return string_lossy(v->v.bytes.ptr, v->v.bytes.len);
    case SL_TYPE_INT:
        return json_integer(v->v.i);
    case SL_TYPE_UINT:
        if (v->v.u <= INT64_MAX)
            return json_integer((json_int_t)v->v.u);
        else {
            char t[24];
            snprintf(t, sizeof t, "%" PRIu64, v->v.u);
            return json_string(t);
        }
    case SL_TYPE_FLOAT:
        if (isnan(v->v.f))
            return json_string("NaN");
        if (isinf(v->v.f))
            return json_string(v->v.f > 0 ? "Infinity" : "-Infinity");
        return json_real(v->v.f);
    case SL_TYPE_BOOL:
        return json_boolean(v->v.b);
    case SL_TYPE_TIME:
        if (v->v.i > INT64_MAX / 1000 || v->v.i < INT64_MIN / 1000) {
            char t[32];
            snprintf(t, sizeof t, "%" PRId64 "000", v->v.i);
            return json_string(t);
        }
        return json_integer(v->v.i * 1000);
    case SL_TYPE_OPAQUE:
    case SL_TYPE_RAW_TLV: {
        struct srv_buf b;
        srv_buf_init(&b, 0);
        srv_buf_hex(&b, v->v.bytes.ptr, v->v.bytes.len);
        json_t *j = NULL;
        if (v->v.bytes.len == 0)
            j = json_string("");
        else if (!b.oom)
            j = json_stringn((const char *)b.p, b.len);
        srv_buf_free(&b);
        return j;
    }
    case SL_TYPE_OBJLNK:
        return json_pack("{s:i,s:i}", "objectId", (int)v->v.objlnk.oid, "objectInstanceId",
                         (int)v->v.objlnk.iid);
    default:
        return json_null();
    }
}

static uint8_t declared_type(const struct sl_path *p, uint8_t fallback)
{
    const struct sl_res_def *rd = srv_res_def(p);
    return rd ? rd->type : fallback;
}

static bool declared_multi(const struct sl_path *p)
{
    const struct sl_res_def *rd = srv_res_def(p);
    return rd && (rd->flags & SL_RES_MULTI);
}

static json_t *resource_node(const struct sl_path *base, const struct sl_record *r, size_t n)
{
    bool multi = declared_multi(base);
    for (size_t k = 0; k < n; k++)
        if (r[k].path.len == 4 || (r[k].path.len == 3 && r[k].value.type == SL_TYPE_NONE))
            multi = true;
    if (!multi) {
        if (n == 0)
            return json_null();
        return json_pack("{s:i,s:s,s:s,s:o}", "id", (int)base->id[2], "kind", "singleResource",
                         "type", srv_type_name(r[0].value.type), "value",
                         srv_json_value(&r[0].value));
    }
    uint8_t type = SL_TYPE_NONE;
    json_t *values = json_object();
    for (size_t k = 0; k < n; k++) {
        if (r[k].path.len != 4)
            continue;
        if (type == SL_TYPE_NONE)
            type = r[k].value.type;
        char key[8];
        snprintf(key, sizeof key, "%u", (unsigned)r[k].path.id[3]);
        json_object_set_new(values, key, srv_json_value(&r[k].value));
    }
    if (type == SL_TYPE_NONE)
        type = declared_type(base, SL_TYPE_NONE);
    return json_pack("{s:i,s:s,s:s,s:o}", "id", (int)base->id[2], "kind", "multiResource", "type",
                     srv_type_name(type), "values", values);
}

/* Records [0..n) share base's IDs; group the next level by ID. */
static json_t *children(const struct sl_path *base, const struct sl_record *r, size_t n);

json_t *srv_json_node(const struct sl_path *base, const struct sl_record *r, size_t n)
{
    switch (base->len) {
    case 4:
        if (n == 0)
            return json_null();
        return json_pack("{s:i,s:s,s:s,s:o}", "id", (int)base->id[3], "kind", "resourceInstance",
                         "type", srv_type_name(r[0].value.type), "value",
                         srv_json_value(&r[0].value));
    case 3:
        return resource_node(base, r, n);
    case 2:
        return json_pack("{s:i,s:s,s:o}", "id", (int)base->id[1], "kind", "instance", "resources",
                         children(base, r, n));
    case 1:
        return json_pack("{s:i,s:s,s:o}", "id", (int)base->id[0], "kind", "obj", "instances",
                         children(base, r, n));
    default:
        return json_null();
    }
}

static json_t *children(const struct sl_path *base, const struct sl_record *r, size_t n)
{
    json_t *arr = json_array();
    size_t lvl = base->len;
    size_t k = 0;
    while (k < n) {
        if (r[k].path.len <= lvl) {
            k++; /* a container record (empty instance) */
            continue;
        }
        uint16_t id = r[k].path.id[lvl];
        size_t end = k;
        while (end < n && r[end].path.len > lvl && r[end].path.id[lvl] == id)
            end++;
        struct sl_path child = *base;
        child.id[lvl] = id;
        child.len = (uint8_t)(lvl + 1);
        /* an empty instance record sits just before its resources */
        size_t start = k;
        json_t *node = srv_json_node(&child, &r[start], end - start);
        if (node)
            json_array_append_new(arr, node);
        k = end;
    }
    return arr;
}

/* Fewest significant digits (1..17) that print d so it reads back exactly. */
static int real_digits(double d)
{
    if (!isfinite(d))
        return 1;
    for (int p = 1; p < 17; p++) {
        char b[40];
        snprintf(b, sizeof b, "%.*g", p, d);
        if (strtod(b, NULL) == d)
            return p;
    }
    return 17;
}

static void max_digits(const json_t *j, int *p, int depth)
{
    if (depth > 64 || *p == 17)
        return;
    if (json_is_real(j)) {
        int d = real_digits(json_real_value(j));
        if (d > *p)
            *p = d;
    } else if (json_is_array(j)) {
        for (size_t k = 0; k < json_array_size(j); k++)
            max_digits(json_array_get(j, k), p, depth + 1);
    } else if (json_is_object(j)) {
        /* the iterator API takes a non-const object; it does not modify it */
        json_t *o = (json_t *)j;
        for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it))
            max_digits(json_object_iter_value(it), p, depth + 1);
    }
}

char *srv_json_dumps(const json_t *j)
{
    /* one precision per document (jansson's rule): the largest any real needs */
    int p = 1;
    max_digits(j, &p, 0);
    return json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(p));
}

/* ---- input ---- */

static bool json_is_objlnk(json_t *j)
{
    return json_is_object(j) && json_object_get(j, "objectId") &&
           json_object_get(j, "objectInstanceId");
}

static bool str_number(json_t *j, const char **s, size_t *n)
{
    if (!json_is_string(j))
        return false;
    *s = json_string_value(j);
    *n = json_string_length(j);
    return true;
}

sl_err srv_json_to_value(json_t *j, uint8_t type, struct srv_arena *a, struct sl_value *out,
                         char *err, size_t errlen)
{
    const char *s;
    size_t n;
    const char *tn = srv_type_name(type);
    switch (type) {
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        if (!json_is_string(j))
            break;
        *out = sl_value_string(srv_arena_strndup(a, json_string_value(j), json_string_length(j)),
                               json_string_length(j));
        out->type = type;
        return SL_OK;
    case SL_TYPE_INT:
    case SL_TYPE_TIME: {
        int64_t i;
        if (json_is_integer(j)) {
            i = json_integer_value(j);
        } else if (json_is_real(j)) {
            double d = json_real_value(j);
            if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
                break;
            i = (int64_t)d;
        } else if (str_number(j, &s, &n)) {
            if (sl_dec_parse_i64((const uint8_t *)s, n, &i) != SL_OK)
                break;
        } else {
            break;
        }
        if (type == SL_TYPE_TIME) {
            /* epoch milliseconds -> seconds, rounding toward minus infinity */
            int64_t sec = i / 1000;
            if (i % 1000 < 0)
                sec--;
            *out = sl_value_time(sec);
        } else {
            *out = sl_value_int(i);
        }
        return SL_OK;
    }
    case SL_TYPE_UINT: {
        uint64_t u;
        if (json_is_integer(j)) {
            if (json_integer_value(j) < 0)
                break;
            u = (uint64_t)json_integer_value(j);
        } else if (json_is_real(j)) {
            double d = json_real_value(j);
            if (d != floor(d) || d < 0 || d > 1.8e19)
                break;
            u = (uint64_t)d;
        } else if (str_number(j, &s, &n)) {
            if (sl_dec_parse_u64((const uint8_t *)s, n, &u) != SL_OK)
                break;
        } else {
            break;
        }
        *out = sl_value_uint(u);
        return SL_OK;
    }
    case SL_TYPE_FLOAT: {
        double d;
        if (json_is_number(j)) {
            d = json_number_value(j);
        } else if (str_number(j, &s, &n)) {
            if (sl_dec_parse_double((const uint8_t *)s, n, &d) != SL_OK)
                break;
        } else {
            break;
        }
        *out = sl_value_float(d);
        return SL_OK;
    }
    case SL_TYPE_BOOL:
        if (json_is_boolean(j)) {
            *out = sl_value_bool(json_is_true(j));
            return SL_OK;
        }
        if (json_is_integer(j) && (json_integer_value(j) == 0 || json_integer_value(j) == 1)) {
            *out = sl_value_bool(json_integer_value(j) == 1);
            return SL_OK;
        }
        if (json_is_string(j)) {
            s = json_string_value(j);
            if (!strcmp(s, "true") || !strcmp(s, "1")) {
                *out = sl_value_bool(true);
                return SL_OK;
            }
            if (!strcmp(s, "false") || !strcmp(s, "0")) {
                *out = sl_value_bool(false);
                return SL_OK;
            }
        }
        break;
    case SL_TYPE_OPAQUE: {
        if (!json_is_string(j))
            break;
        bool ok;
        size_t len = 0;
        uint8_t *p = srv_hex_decode(a, json_string_value(j), json_string_length(j), &len, &ok);
        if (!ok)
            break;
        *out = sl_value_opaque(p, len);
        return SL_OK;
    }
    case SL_TYPE_OBJLNK: {
        if (json_is_objlnk(j)) {
            json_t *o = json_object_get(j, "objectId"), *i = json_object_get(j, "objectInstanceId");
            if (!json_is_integer(o) || !json_is_integer(i) || json_integer_value(o) < 0 ||
                json_integer_value(o) > 65535 || json_integer_value(i) < 0 ||
                json_integer_value(i) > 65535)
                break;
            *out = sl_value_objlnk((uint16_t)json_integer_value(o), (uint16_t)json_integer_value(i));
            return SL_OK;
        }
        struct sl_objlnk l;
        if (json_is_string(j) &&
            sl_objlnk_text_parse((const uint8_t *)json_string_value(j), json_string_length(j), &l) ==
                SL_OK) {
            *out = sl_value_objlnk(l.oid, l.iid);
            return SL_OK;
        }
        break;
    }
    case SL_TYPE_NONE:
        snprintf(err, errlen, "the resource takes no value (it is executable)");
        return SL_ERR_TYPE;
    default:
        break;
    }
    snprintf(err, errlen, "bad value for a resource of type %s", tn);
    return SL_ERR_TYPE;
}

static uint8_t infer_type(json_t *j)
{
    if (json_is_string(j))
        return SL_TYPE_STRING;
    if (json_is_integer(j))
        return SL_TYPE_INT;
    if (json_is_real(j))
        return SL_TYPE_FLOAT;
    if (json_is_boolean(j))
        return SL_TYPE_BOOL;
    if (json_is_objlnk(j))
        return SL_TYPE_OBJLNK;
    return SL_TYPE_NONE;
}

/* Type for values of resource path p, with the node's "type" if any. */
static sl_err value_type(const struct sl_path *p, json_t *node, json_t *sample, uint8_t *type,
                         char *err, size_t errlen)
{
    const struct sl_res_def *rd = srv_res_def(p);
    if (rd) {
        if (rd->type == SL_TYPE_NONE) {
            char ps[32];
            sl_path_format(p, ps, sizeof ps);
            snprintf(err, errlen, "resource %s is executable and takes no value", ps);
            return SL_ERR_TYPE;
        }
        *type = rd->type;
        return SL_OK;
    }
    json_t *t = node ? json_object_get(node, "type") : NULL;
    if (json_is_string(t)) {
        if (!srv_type_parse(json_string_value(t), type) || *type == SL_TYPE_NONE) {
            snprintf(err, errlen, "unknown type \"%s\"", json_string_value(t));
            return SL_ERR_INVALID;
        }
        return SL_OK;
    }
    *type = infer_type(sample);
    if (*type == SL_TYPE_NONE) {
        snprintf(err, errlen, "cannot tell the type of a value: give \"type\"");
        return SL_ERR_INVALID;
    }
    return SL_OK;
}

enum kind { K_NONE, K_RES_INST, K_SINGLE, K_MULTI, K_INSTANCE, K_OBJ };

static enum kind node_kind(json_t *node)
{
    if (!json_is_object(node))
        return K_NONE;
    json_t *k = json_object_get(node, "kind");
    if (json_is_string(k)) {
        const char *s = json_string_value(k);
        if (!strcmp(s, "resourceInstance"))
            return K_RES_INST;
        if (!strcmp(s, "singleResource"))
            return K_SINGLE;
        if (!strcmp(s, "multiResource"))
            return K_MULTI;
        if (!strcmp(s, "instance"))
            return K_INSTANCE;
        if (!strcmp(s, "obj"))
            return K_OBJ;
        return K_NONE;
    }
    if (k)
        return K_NONE;
    if (json_object_get(node, "value"))
        return K_SINGLE;
    if (json_object_get(node, "values"))
        return K_MULTI;
    if (json_object_get(node, "resources"))
        return K_INSTANCE;
    if (json_object_get(node, "instances"))
        return K_OBJ;
    return K_NONE;
}

/* The node's "id": *id stays as given (SL_ID_NONE allowed) when absent. */
static sl_err node_id(json_t *node, uint16_t *id, bool required, char *err, size_t errlen)
{
    json_t *j = json_object_get(node, "id");
    if (!j) {
        if (required && *id == SL_ID_NONE) {
            snprintf(err, errlen, "a node needs an \"id\"");
            return SL_ERR_INVALID;
        }
        return SL_OK;
    }
    json_int_t v = -1;
    if (json_is_integer(j))
        v = json_integer_value(j);
    else if (json_is_string(j)) {
        uint64_t u;
        if (sl_dec_parse_u64((const uint8_t *)json_string_value(j), json_string_length(j), &u) ==
                SL_OK &&
            u <= SL_ID_MAX)
            v = (json_int_t)u;
    }
    if (v < 0 || v > SL_ID_MAX) {
        snprintf(err, errlen, "\"id\" must be an integer 0..65534");
        return SL_ERR_INVALID;
    }
    if (*id != SL_ID_NONE && *id != (uint16_t)v) {
        snprintf(err, errlen, "node id %d does not match the path (%u)", (int)v, (unsigned)*id);
        return SL_ERR_INVALID;
    }
    *id = (uint16_t)v;
    return SL_OK;
}

static sl_err add_value(struct srv_recs *out, const struct sl_path *p, json_t *node, json_t *j,
                        char *err, size_t errlen)
{
    uint8_t type;
    sl_err e = value_type(p, node, j, &type, err, errlen);
    if (e != SL_OK)
        return e;
    struct sl_record rec = { .path = *p };
    char msg[120];
    e = srv_json_to_value(j, type, &out->arena, &rec.value, msg, sizeof msg);
    if (e != SL_OK) {
        char ps[32];
        sl_path_format(p, ps, sizeof ps);
        snprintf(err, errlen, "%s: %s", ps, msg);
        return e;
    }
    if (out->arena.oom || !srv_recs_add(out, &rec)) {
        snprintf(err, errlen, "out of memory");
        return SL_ERR_NOMEM;
    }
    return SL_OK;
}

/* A resource node at path p (len 3, p.id[2] may be SL_ID_NONE to be read from the node). */
static sl_err resource_records(json_t *node, struct sl_path p, struct srv_recs *out, char *err,
                               size_t errlen)
{
    enum kind k = node_kind(node);
    sl_err e = node_id(node, &p.id[2], true, err, errlen);
    if (e != SL_OK)
        return e;
    if (k == K_SINGLE) {
        json_t *v = json_object_get(node, "value");
        if (!v) {
            snprintf(err, errlen, "a singleResource needs \"value\"");
            return SL_ERR_INVALID;
        }
        return add_value(out, &p, node, v, err, errlen);
    }
    if (k == K_MULTI) {
        json_t *vals = json_object_get(node, "values");
        if (!json_is_object(vals)) {
            snprintf(err, errlen, "a multiResource needs \"values\" as an object");
            return SL_ERR_INVALID;
        }
        if (json_object_size(vals) == 0) {
            /* an empty multiple resource: a path-only record */
            struct sl_record rec = { .path = p, .value = { .type = SL_TYPE_NONE } };
            return srv_recs_add(out, &rec) ? SL_OK : SL_ERR_NOMEM;
        }
        const char *key;
        json_t *v;
        json_object_foreach(vals, key, v)
        {
            uint64_t ri;
            if (sl_dec_parse_u64((const uint8_t *)key, strlen(key), &ri) != SL_OK || ri > SL_ID_MAX) {
                snprintf(err, errlen, "resource instance id \"%s\" is not 0..65534", key);
                return SL_ERR_INVALID;
            }
            struct sl_path rp = p;
            rp.id[3] = (uint16_t)ri;
            rp.len = 4;
            e = add_value(out, &rp, node, v, err, errlen);
            if (e != SL_OK)
                return e;
        }
        return SL_OK;
    }
    snprintf(err, errlen, "expected a singleResource or multiResource node");
    return SL_ERR_INVALID;
}

static sl_err instance_records(json_t *node, struct sl_path p, bool id_optional,
                               struct srv_recs *out, char *err, size_t errlen)
{
    if (node_kind(node) != K_INSTANCE) {
        snprintf(err, errlen, "expected an instance node");
        return SL_ERR_INVALID;
    }
    sl_err e = node_id(node, &p.id[1], !id_optional, err, errlen);
    if (e != SL_OK)
        return e;
    json_t *res = json_object_get(node, "resources");
    if (!json_is_array(res)) {
        snprintf(err, errlen, "an instance needs \"resources\" as an array");
        return SL_ERR_INVALID;
    }
    size_t before = out->n;
    size_t k;
    json_t *r;
    json_array_foreach(res, k, r)
    {
        struct sl_path rp = p;
        rp.id[2] = SL_ID_NONE;
        rp.len = 3;
        e = resource_records(r, rp, out, err, errlen);
        if (e != SL_OK)
            return e;
    }
    if (out->n == before) {
        /* an instance without values (Create of an empty instance) */
        struct sl_record rec = { .path = p, .value = { .type = SL_TYPE_NONE } };
        rec.path.len = 2;
        return srv_recs_add(out, &rec) ? SL_OK : SL_ERR_NOMEM;
    }
    return SL_OK;
}

sl_err srv_json_to_records(json_t *node, const struct sl_path *base, bool create,
                           struct srv_recs *out, char *err, size_t errlen)
{
    if (!json_is_object(node)) {
        snprintf(err, errlen, "the body must be a JSON object (a node)");
        return SL_ERR_INVALID;
    }
    enum kind k = node_kind(node);
    struct sl_path p = *base;
    for (int i = p.len; i < 4; i++)
        p.id[i] = SL_ID_NONE;
    switch (base->len) {
    case 4:
        if (k != K_RES_INST && k != K_SINGLE) {
            snprintf(err, errlen, "expected a resourceInstance node");
            return SL_ERR_INVALID;
        }
        if (k == K_RES_INST) {
            sl_err e = node_id(node, &p.id[3], false, err, errlen);
            if (e != SL_OK)
                return e;
        }
        if (!json_object_get(node, "value")) {
            snprintf(err, errlen, "the node needs \"value\"");
            return SL_ERR_INVALID;
        }
        return add_value(out, &p, node, json_object_get(node, "value"), err, errlen);
    case 3:
        return resource_records(node, p, out, err, errlen);
    case 2:
        return instance_records(node, p, false, out, err, errlen);
    case 1:
        if (!create) {
            snprintf(err, errlen, "an object path can only be created in");
            return SL_ERR_INVALID;
        }
        if (k == K_OBJ) {
            sl_err e = node_id(node, &p.id[0], false, err, errlen);
            if (e != SL_OK)
                return e;
            json_t *insts = json_object_get(node, "instances");
            if (!json_is_array(insts) || json_array_size(insts) == 0) {
                snprintf(err, errlen, "an obj node needs a non-empty \"instances\" array");
                return SL_ERR_INVALID;
            }
            size_t i;
            json_t *in;
            json_array_foreach(insts, i, in)
            {
                struct sl_path ip = p;
                ip.len = 2;
                ip.id[1] = SL_ID_NONE;
                /* several instances: each needs its id */
                e = instance_records(in, ip, json_array_size(insts) == 1, out, err, errlen);
                if (e != SL_OK)
                    return e;
            }
            return SL_OK;
        } else {
            struct sl_path ip = p;
            ip.len = 2;
            ip.id[1] = SL_ID_NONE;
            return instance_records(node, ip, true, out, err, errlen);
        }
    default:
        snprintf(err, errlen, "cannot write the root");
        return SL_ERR_INVALID;
    }
}

sl_err srv_json_composite_records(json_t *body, struct srv_recs *out, char *err, size_t errlen)
{
    if (!json_is_object(body) || json_object_size(body) == 0) {
        snprintf(err, errlen, "the body must be a non-empty object of path: node");
        return SL_ERR_INVALID;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        struct sl_path p;
        if (sl_path_parse(key, strlen(key), &p) != SL_OK || p.len < 2) {
            snprintf(err, errlen, "\"%s\" is not an instance, resource or resource instance path",
                     key);
            return SL_ERR_INVALID;
        }
        sl_err e;
        if (node_kind(v) != K_NONE) {
            e = srv_json_to_records(v, &p, false, out, err, errlen);
        } else if (p.len >= 3) {
            e = add_value(out, &p, NULL, v, err, errlen);
        } else {
            snprintf(err, errlen, "%s: expected an instance node", key);
            e = SL_ERR_INVALID;
        }
        if (e != SL_OK)
            return e;
    }
    return SL_OK;
}
