/* Register/Update query and payload parsing. */
#include "server/srv_regparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/decimal.h"
#include "codec/link.h"

static bool key_is(const uint8_t *k, size_t kn, const char *name)
{
    return kn == strlen(name) && memcmp(k, name, kn) == 0;
}

static bool ep_valid(const uint8_t *v, size_t n)
{
    if (n == 0 || n > SRV_EP_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        if (v[k] < 0x20 || v[k] == 0x7f || v[k] == '/')
            return false;
    return true;
}

static bool uri_valid(const uint8_t *v, size_t n)
{
    if (n > SRV_URI_MAX)
        return false;
    size_t scheme;
    if (n > 7 && memcmp(v, "coap://", 7) == 0)
        scheme = 7;
    else if (n > 8 && memcmp(v, "coaps://", 8) == 0)
        scheme = 8;
    else
        return false;
    if (n == scheme)
        return false;
    for (size_t k = 0; k < n; k++)
        if (v[k] <= 0x20 || v[k] >= 0x7f || v[k] == '"' || v[k] == '\\')
            return false;
    return true;
}

sl_err srv_reg_query_parse(const struct sl_coap_msg *m, bool update, struct srv_reg_query *q,
                           char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    bool seen_sms = false, seen_pid = false;
    for (unsigned i = 0;; i++) {
        const struct sl_coap_opt *o = sl_coap_opt_get(m, SL_COAP_OPT_URI_QUERY, i);
        if (!o)
            break;
        const uint8_t *eq = memchr(o->val, '=', o->len);
        const uint8_t *key = o->val;
        size_t kn = eq ? (size_t)(eq - o->val) : o->len;
        const uint8_t *val = eq ? eq + 1 : NULL;
        size_t vn = eq ? o->len - kn - 1 : 0;
        if (key_is(key, kn, "ep")) {
            if (update) {
                snprintf(err, errlen, "an Update cannot change the endpoint name");
                return SL_ERR_INVALID;
            }
            if (q->has_ep) {
                snprintf(err, errlen, "ep given twice");
                return SL_ERR_INVALID;
            }
            if (!val || !ep_valid(val, vn)) {
                snprintf(err, errlen, "ep must be 1..%d bytes without control characters or '/'",
                         SRV_EP_MAX);
                return SL_ERR_INVALID;
            }
            memcpy(q->ep, val, vn);
            q->ep[vn] = 0;
            q->has_ep = true;
        } else if (key_is(key, kn, "lt")) {
            uint64_t lt;
            if (q->has_lt) {
                snprintf(err, errlen, "lt given twice");
                return SL_ERR_INVALID;
            }
            if (!val || vn == 0 || vn > 10 || val[0] == '-' || val[0] == '+' ||
                sl_dec_parse_u64(val, vn, &lt) != SL_OK || lt == 0 || lt > UINT32_MAX) {
                snprintf(err, errlen, "lt must be a number of seconds 1..4294967295");
                return SL_ERR_INVALID;
            }
            q->lifetime = (uint32_t)lt;
            q->has_lt = true;
        } else if (key_is(key, kn, "lwm2m")) {
            if (update) {
                snprintf(err, errlen, "an Update cannot change the LwM2M version");
                return SL_ERR_INVALID;
            }
            if (q->has_version || !val) {
                snprintf(err, errlen, "bad or repeated lwm2m");
                return SL_ERR_INVALID;
            }
            if (!(vn == 3 && (memcmp(val, "1.0", 3) == 0 || memcmp(val, "1.1", 3) == 0 ||
                              memcmp(val, "1.2", 3) == 0))) {
                snprintf(err, errlen, "LwM2M version %.*s is not supported (1.0, 1.1, 1.2 are)",
                         (int)(vn > 16 ? 16 : vn), (const char *)val);
                return SL_ERR_UNSUPPORTED;
            }
            memcpy(q->version, val, 3);
            q->version[3] = 0;
            q->has_version = true;
        } else if (key_is(key, kn, "b")) {
            if (q->has_binding || !val || vn == 0 || vn >= sizeof q->binding) {
                snprintf(err, errlen, "bad or repeated b");
                return SL_ERR_INVALID;
            }
            for (size_t k = 0; k < vn; k++) {
                if (!strchr("UMHTSNQ", val[k]) || val[k] == 0) {
                    snprintf(err, errlen, "binding letters must be from UMHTSNQ");
                    return SL_ERR_INVALID;
                }
            }
            memcpy(q->binding, val, vn);
            q->binding[vn] = 0;
            q->has_binding = true;
        } else if (key_is(key, kn, "Q")) {
            if (val || q->queue) {
                snprintf(err, errlen, "Q takes no value and appears once");
                return SL_ERR_INVALID;
            }
            q->queue = true;
        } else if (key_is(key, kn, "c2c")) {
            if (!val || !uri_valid(val, vn)) {
                snprintf(err, errlen, "c2c must be a coap:// or coaps:// URI of at most %d bytes",
                         SRV_URI_MAX);
                return SL_ERR_INVALID;
            }
            if (q->c2c_n == SRV_MAX_C2C) {
                snprintf(err, errlen, "at most %d c2c addresses", SRV_MAX_C2C);
                return SL_ERR_INVALID;
            }
            memcpy(q->c2c[q->c2c_n], val, vn);
            q->c2c[q->c2c_n][vn] = 0;
            q->c2c_n++;
        } else if (key_is(key, kn, "sms") || key_is(key, kn, "pid")) {
            bool *seen = key_is(key, kn, "sms") ? &seen_sms : &seen_pid;
            if (*seen) {
                snprintf(err, errlen, "%.*s given twice", (int)kn, (const char *)key);
                return SL_ERR_INVALID;
            }
            *seen = true;
        }
        /* other keys: ignored, for forward compatibility */
    }
    if (!update) {
        if (!q->has_ep) {
            snprintf(err, errlen, "Register needs ep");
            return SL_ERR_INVALID;
        }
        if (!q->has_lt)
            q->lifetime = SRV_DEFAULT_LIFETIME;
        if (!q->has_version)
            strcpy(q->version, "1.0");
        if (!q->has_binding)
            strcpy(q->binding, "U");
    }
    return SL_OK;
}

void srv_links_init(struct srv_links *l)
{
    strcpy(l->root, "/");
    l->v = NULL;
    l->n = 0;
}

void srv_links_free(struct srv_links *l)
{
    free(l->v);
    srv_links_init(l);
}

static bool ver_valid(const uint8_t *v, size_t n)
{
    /* digits '.' digits, at most 7 bytes */
    if (n < 3 || n > 7)
        return false;
    const uint8_t *dot = memchr(v, '.', n);
    if (!dot || dot == v || dot == v + n - 1)
        return false;
    for (size_t k = 0; k < n; k++)
        if (v + k != dot && (v[k] < '0' || v[k] > '9'))
            return false;
    return true;
}

sl_err srv_links_parse(const uint8_t *p, size_t n, struct srv_links *out, char *err, size_t errlen)
{
    srv_links_init(out);
    if (n == 0)
        return SL_OK;
    struct sl_link_iter it;
    struct sl_link l;
    size_t cap = 0;
    sl_link_iter_init(&it, p, n);
    sl_err e;
    while ((e = sl_link_next(&it, &l)) == SL_OK) {
        struct sl_link_attr a;
        bool is_root = false;
        const uint8_t *ver = NULL;
        size_t ver_len = 0;
        while (sl_link_attr_next(&l, &a) == SL_OK) {
            if (sl_link_attr_is(&a, "rt") && a.value && a.value_len == 9 &&
                memcmp(a.value, "oma.lwm2m", 9) == 0)
                is_root = true;
            else if (sl_link_attr_is(&a, "ver")) {
                if (!a.value || !ver_valid(a.value, a.value_len)) {
                    snprintf(err, errlen, "bad ver attribute");
                    goto fail;
                }
                ver = a.value;
                ver_len = a.value_len;
            }
        }
        if (is_root) {
            if (out->n > 0 || l.uri_len == 0 || l.uri_len >= sizeof out->root || l.uri[0] != '/') {
                snprintf(err, errlen, "the rt=\"oma.lwm2m\" link must come first and be a path");
                goto fail;
            }
            memcpy(out->root, l.uri, l.uri_len);
            out->root[l.uri_len] = 0;
            /* "/lwm2m/" and "/lwm2m" alike */
            size_t rl = strlen(out->root);
            if (rl > 1 && out->root[rl - 1] == '/')
                out->root[rl - 1] = 0;
            continue;
        }
        const uint8_t *uri = l.uri;
        size_t ulen = l.uri_len;
        size_t rl = strlen(out->root);
        if (rl > 1) {
            if (ulen < rl || memcmp(uri, out->root, rl) != 0) {
                snprintf(err, errlen, "link <%.*s> is outside the root path %s",
                         (int)(ulen > 64 ? 64 : ulen), (const char *)uri, out->root);
                goto fail;
            }
            uri += rl;
            ulen -= rl;
            if (ulen == 0)
                continue;
        }
        struct sl_path path;
        if (sl_path_parse((const char *)uri, ulen, &path) != SL_OK || path.len > 2) {
            snprintf(err, errlen, "link <%.*s> is not an object or instance path",
                     (int)(l.uri_len > 64 ? 64 : l.uri_len), (const char *)l.uri);
            goto fail;
        }
        if (path.len == 0)
            continue; /* "</>" */
        if (out->n == SRV_MAX_LINKS) {
            snprintf(err, errlen, "more than %d links", SRV_MAX_LINKS);
            goto fail;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct srv_objlink *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            out->v = v;
        }
        struct srv_objlink *ol = &out->v[out->n++];
        ol->path = path;
        ol->ver[0] = 0;
        if (ver) {
            memcpy(ol->ver, ver, ver_len);
            ol->ver[ver_len] = 0;
        }
    }
    if (e == SL_ERR_END)
        return SL_OK;
    snprintf(err, errlen, "the link payload does not parse (RFC 6690)");
fail:
    srv_links_free(out);
    return SL_ERR_INVALID;
}

json_t *srv_links_to_json(const uint8_t *p, size_t n)
{
    json_t *arr = json_array();
    struct sl_link_iter it;
    struct sl_link l;
    sl_link_iter_init(&it, p, n);
    sl_err e = SL_ERR_END;
    while (arr && (e = sl_link_next(&it, &l)) == SL_OK) {
        json_t *attrs = json_object();
        struct sl_link_attr a;
        while (attrs && sl_link_attr_next(&l, &a) == SL_OK) {
            char name[64];
            size_t nn = a.name_len < sizeof name ? a.name_len : sizeof name - 1;
            memcpy(name, a.name, nn);
            name[nn] = 0;
            json_t *v = a.value ? json_stringn((const char *)a.value, a.value_len) : json_null();
            if (!v)
                v = json_string("");
            json_object_set_new(attrs, name, v);
        }
        json_t *url = json_stringn((const char *)l.uri, l.uri_len);
        json_t *link = json_pack("{s:o*,s:o*}", "url", url ? url : json_string("?"), "attributes",
                                 attrs);
        if (link)
            json_array_append_new(arr, link);
    }
    if (arr && e != SL_ERR_END) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}
