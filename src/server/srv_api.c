/* The REST API of DESIGN 5 (Leshan's paths and shapes, its pain points
 * removed): clients, device management through them, events, server info.
 * Bindings and credentials have their own files. docs/rest-api.md is the
 * user's description of all of it. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_data.h"
#include "server/srv_json.h"
#include "server/srv_internal.h"

/* Longest ?timeout= in seconds. */
#define SRV_MAX_TIMEOUT_S 300u
/* Paths one composite request may name. */
#define SRV_MAX_COMPOSITE 64

static const struct {
    uint8_t code;
    const char *name;
} code_names[] = {
    { SL_COAP_CREATED, "CREATED" },
    { SL_COAP_DELETED, "DELETED" },
    { SL_COAP_VALID, "VALID" },
    { SL_COAP_CHANGED, "CHANGED" },
    { SL_COAP_CONTENT, "CONTENT" },
    { SL_COAP_CONTINUE, "CONTINUE" },
    { SL_COAP_BAD_REQUEST, "BAD_REQUEST" },
    { SL_COAP_UNAUTHORIZED, "UNAUTHORIZED" },
    { SL_COAP_BAD_OPTION, "BAD_OPTION" },
    { SL_COAP_FORBIDDEN, "FORBIDDEN" },
    { SL_COAP_NOT_FOUND, "NOT_FOUND" },
    { SL_COAP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED" },
    { SL_COAP_NOT_ACCEPTABLE, "NOT_ACCEPTABLE" },
    { SL_COAP_REQUEST_ENTITY_INCOMPLETE, "REQUEST_ENTITY_INCOMPLETE" },
    { SL_COAP_PRECONDITION_FAILED, "PRECONDITION_FAILED" },
    { SL_COAP_REQUEST_ENTITY_TOO_LARGE, "REQUEST_ENTITY_TOO_LARGE" },
    { SL_COAP_UNSUPPORTED_CONTENT_FORMAT, "UNSUPPORTED_CONTENT_FORMAT" },
    { SL_COAP_INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR" },
    { SL_COAP_NOT_IMPLEMENTED, "NOT_IMPLEMENTED" },
    { SL_COAP_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE" },
};

/* "CONTENT(205)" */
static void status_name(uint8_t code, char out[48])
{
    const char *name = "UNKNOWN";
    for (size_t k = 0; k < sizeof code_names / sizeof code_names[0]; k++)
        if (code_names[k].code == code)
            name = code_names[k].name;
    snprintf(out, 48, "%s(%u%02u)", name, (unsigned)SL_COAP_CODE_CLASS(code),
             (unsigned)SL_COAP_CODE_DETAIL(code));
}

enum op {
    OP_READ,
    OP_WRITE,
    OP_EXECUTE,
    OP_CREATE,
    OP_DELETE,
    OP_DISCOVER,
    OP_ATTRIBUTES,
    OP_OBSERVE,
    OP_COMPOSITE_READ,
    OP_COMPOSITE_WRITE
};

struct op_ctx {
    struct srv_hreq *h;
    enum op op;
    struct sl_path path;
    unsigned timeout_s;
    char ep[SRV_EP_MAX + 1];
    size_t npaths;
    struct sl_path paths[SRV_MAX_COMPOSITE];
};

/* ---- answers from the device ---- */

static void fail_http(struct srv *s, struct op_ctx *c, sl_err err)
{
    struct srv_hreq *h = c->h;
    switch (err) {
    case SL_ERR_TIMEOUT:
        srv_http_error(s, h, 504, "timeout", "%s did not answer within %u s", c->ep, c->timeout_s);
        break;
    case SL_ERR_RESET:
        srv_http_error(s, h, 502, "reset", "%s answered with RST (it does not know the request)",
                       c->ep);
        break;
    case SL_ERR_NOT_FOUND:
        srv_http_error(s, h, 404, "not_found", "%s is not registered (any more)", c->ep);
        break;
    case SL_ERR_BUSY:
        srv_http_error(s, h, 503, "busy", "too many requests wait for %s", c->ep);
        break;
    case SL_ERR_STATE:
        srv_http_error(s, h, 503, "unavailable", "the server is shutting down");
        break;
    case SL_ERR_DENIED:
        srv_http_error(s, h, 503, "no_session",
                       "%s has no secure session with the server now (its next message to the "
                       "server opens one)", c->ep);
        break;
    case SL_ERR_TOO_LARGE:
        srv_http_error(s, h, 502, "bad_gateway", "the answer of %s is larger than %u bytes", c->ep,
                       SRV_MAX_RESPONSE_BODY);
        break;
    case SL_ERR_INVALID:
        srv_http_error(s, h, 502, "bad_gateway", "%s answered with a broken block-wise transfer",
                       c->ep);
        break;
    default:
        srv_http_error(s, h, 500, "internal", "request to %s failed: %s", c->ep, sl_err_str(err));
        break;
    }
}

/* The content of a read-like answer; NULL (and an error answer) when the
 * payload does not decode. */
static json_t *content_of(struct srv *s, struct op_ctx *c, const struct srv_resp *resp)
{
    char err[200];
    struct srv_recs recs;
    srv_recs_init(&recs);
    json_t *out = NULL;
    if (c->op == OP_COMPOSITE_READ) {
        struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
        if (srv_decode(resp->format, &root, resp->payload, resp->len, &recs, err, sizeof err) ==
            SL_OK) {
            out = json_object();
            for (size_t k = 0; k < c->npaths; k++) {
                /* the records within each requested path, contiguous once sorted */
                size_t lo = 0;
                while (lo < recs.n && !sl_path_within(&recs.v[lo].path, &c->paths[k]))
                    lo++;
                size_t hi = lo;
                while (hi < recs.n && sl_path_within(&recs.v[hi].path, &c->paths[k]))
                    hi++;
                char p[32];
                sl_path_format(&c->paths[k], p, sizeof p);
                json_t *node = c->paths[k].len ? srv_json_node(&c->paths[k], recs.v + lo, hi - lo)
                                               : json_null();
                json_object_set_new(out, p, node ? node : json_null());
            }
        }
    } else if (srv_decode(resp->format, &c->path, resp->payload, resp->len, &recs, err,
                          sizeof err) == SL_OK) {
        out = srv_json_node(&c->path, recs.v, recs.n);
        if (!out)
            out = json_null();
    }
    srv_recs_free(&recs);
    if (!out)
        srv_http_error(s, c->h, 502, "bad_gateway", "the answer of %s does not decode: %s", c->ep,
                       err);
    return out;
}

static void answer(struct srv *s, struct op_ctx *c, const struct srv_resp *resp)
{
    char st[48];
    status_name(resp->code, st);
    bool ok = SL_COAP_CODE_CLASS(resp->code) == 2;
    json_t *j = json_pack("{s:s,s:b}", "status", st, "success", ok);
    if (!ok) {
        if (resp->len && (resp->format == SL_FMT_NONE || resp->format == SL_FMT_TEXT)) {
            json_t *msg = json_stringn((const char *)resp->payload, resp->len);
            if (msg)
                json_object_set_new(j, "errormessage", msg);
        }
    } else {
        switch (c->op) {
        case OP_READ:
        case OP_OBSERVE:
        case OP_COMPOSITE_READ:
            if (resp->code == SL_COAP_CONTENT) {
                json_t *content = content_of(s, c, resp);
                if (!content) {
                    json_decref(j);
                    return;
                }
                json_object_set_new(j, "content", content);
            }
            break;
        case OP_DISCOVER: {
            json_t *links = srv_links_to_json(resp->payload, resp->len);
            if (!links) {
                json_decref(j);
                srv_http_error(s, c->h, 502, "bad_gateway",
                               "the Discover answer of %s is not a link format", c->ep);
                return;
            }
            json_object_set_new(j, "objectLinks", links);
            break;
        }
        case OP_CREATE:
            if (resp->location[0])
                json_object_set_new(j, "location", json_string(resp->location));
            break;
        default:
            break;
        }
    }
    srv_http_reply(s, c->h, 200, j);
}

static void device_done(struct srv *s, struct srv_req *req, const struct srv_resp *resp, sl_err err)
{
    struct op_ctx *c = req->arg;
    c->h->pending = NULL;
    if (err != SL_OK)
        fail_http(s, c, err);
    else
        answer(s, c, resp);
    free(c);
}

static void observe_done(struct srv *s, void *arg, struct srv_obs *o, const struct srv_resp *resp,
                         sl_err err)
{
    (void)o;
    struct op_ctx *c = arg;
    if (err != SL_OK || !resp)
        fail_http(s, c, err != SL_OK ? err : SL_ERR_IO);
    else
        answer(s, c, resp);
    free(c);
}

/* ---- request pieces ---- */

static bool arg_timeout(struct srv *s, struct srv_hreq *h, unsigned *out)
{
    const char *t = srv_http_arg(h, "timeout");
    *out = s->cfg.request_timeout_s;
    if (!t)
        return true;
    char *end;
    unsigned long v = strtoul(t, &end, 10);
    if (*t < '0' || *t > '9' || *end || v == 0 || v > SRV_MAX_TIMEOUT_S) {
        srv_http_error(s, h, 400, "bad_request", "timeout must be 1..%u seconds", SRV_MAX_TIMEOUT_S);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static bool arg_format(struct srv *s, struct srv_hreq *h, uint16_t *out)
{
    const char *f = srv_http_arg(h, "format");
    if (!f)
        return true;
    if (!srv_format_parse(f, out)) {
        srv_http_error(s, h, 400, "bad_request",
                       "unknown format \"%s\" (TLV, SENML_CBOR, LWM2M_CBOR, TEXT, OPAQUE, CBOR)", f);
        return false;
    }
    return true;
}

static json_t *body_json(struct srv *s, struct srv_hreq *h)
{
    json_error_t je;
    if (h->body.len == 0) {
        srv_http_error(s, h, 400, "bad_request", "a JSON body is required");
        return NULL;
    }
    json_t *j = json_loadb((const char *)h->body.p, h->body.len, 0, &je);
    if (!j)
        srv_http_error(s, h, 400, "bad_request", "bad JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
    return j;
}

static struct op_ctx *ctx_new(struct srv *s, struct srv_hreq *h, enum op op, struct srv_reg *r,
                              const struct sl_path *path, unsigned timeout_s)
{
    struct op_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return NULL;
    }
    c->h = h;
    c->op = op;
    if (path)
        c->path = *path;
    c->timeout_s = timeout_s;
    snprintf(c->ep, sizeof c->ep, "%s", r->ep);
    return c;
}

static void send_req(struct srv *s, struct srv_hreq *h, struct op_ctx *c, struct srv_req *req)
{
    h->pending = req;
    srv_http_suspend(s, h);
    srv_req_submit(req, c->timeout_s * 1000u);
}

/* Encode records for a write; an error answer on failure. */
static bool encode(struct srv *s, struct srv_hreq *h, uint16_t fmt, const struct sl_path *base,
                   struct srv_recs *recs, uint8_t **out, size_t *len)
{
    struct srv_buf buf;
    srv_buf_init(&buf, 0);
    char err[200];
    sl_err e = srv_encode(fmt, base, recs, &buf, err, sizeof err);
    if (e != SL_OK) {
        srv_buf_free(&buf);
        srv_http_error(s, h, e == SL_ERR_NOMEM ? 500 : 400, "bad_request", "%s", err);
        return false;
    }
    *out = srv_buf_take(&buf, len);
    return true;
}

/* ---- operations ---- */

static void op_read(struct srv *s, struct srv_hreq *h, struct srv_reg *r, const struct sl_path *p,
                    enum op op)
{
    unsigned t;
    uint16_t fmt = SL_FMT_NONE;
    if (!arg_timeout(s, h, &t) || !arg_format(s, h, &fmt))
        return;
    if (op == OP_DISCOVER)
        fmt = SL_FMT_LINK;
    struct op_ctx *c = ctx_new(s, h, op, r, p, t);
    if (!c)
        return;
    struct srv_req *req = srv_req_new(s, r, SL_COAP_GET, p, device_done, c);
    if (!req) {
        free(c);
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    req->accept = fmt;
    send_req(s, h, c, req);
}

static void op_write(struct srv *s, struct srv_hreq *h, struct srv_reg *r, const struct sl_path *p,
                     bool create)
{
    unsigned t;
    uint16_t fmt = SL_FMT_TLV;
    if (!arg_timeout(s, h, &t) || !arg_format(s, h, &fmt))
        return;
    const char *replace = srv_http_arg(h, "replace");
    bool partial = false;
    if (replace) {
        if (strcmp(replace, "false") == 0)
            partial = true;
        else if (strcmp(replace, "true") != 0) {
            srv_http_error(s, h, 400, "bad_request", "replace must be true or false");
            return;
        }
    }
    json_t *body = body_json(s, h);
    if (!body)
        return;
    struct srv_recs recs;
    srv_recs_init(&recs);
    char err[200];
    sl_err e = srv_json_to_records(body, p, create, &recs, err, sizeof err);
    json_decref(body);
    if (e != SL_OK) {
        srv_recs_free(&recs);
        srv_http_error(s, h, e == SL_ERR_NOMEM ? 500 : 400, "bad_request", "%s", err);
        return;
    }
    struct sl_path base = *p;
    uint8_t *payload = NULL;
    size_t len = 0;
    if (create) {
        /* an instance without "id": the client picks it (TLV only) */
        bool no_id = recs.n > 0 && recs.v[0].path.id[1] == SL_ID_NONE;
        if (no_id) {
            if (fmt != SL_FMT_TLV) {
                srv_recs_free(&recs);
                srv_http_error(s, h, 400, "bad_request",
                               "give the instance \"id\" to create with format %s",
                               srv_format_name(fmt));
                return;
            }
            for (size_t k = 0; k < recs.n; k++)
                recs.v[k].path.id[1] = 0;
            base.id[1] = 0;
            base.len = 2;
            if (recs.n == 1 && recs.v[0].path.len == 2)
                recs.n = 0; /* an empty instance: no payload at all */
        }
    }
    if (recs.n && !encode(s, h, fmt, &base, &recs, &payload, &len)) {
        srv_recs_free(&recs);
        return;
    }
    srv_recs_free(&recs);
    struct op_ctx *c = ctx_new(s, h, create ? OP_CREATE : OP_WRITE, r, p, t);
    uint8_t method = create ? SL_COAP_POST : (partial && p->len == 2 ? SL_COAP_POST : SL_COAP_PUT);
    struct srv_req *req = c ? srv_req_new(s, r, method, p, device_done, c) : NULL;
    if (!req) {
        free(c);
        free(payload);
        if (c)
            srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    if (payload)
        srv_req_set_payload(req, payload, len, fmt);
    else if (create)
        req->content_format = SL_FMT_NONE;
    send_req(s, h, c, req);
}

static void op_execute(struct srv *s, struct srv_hreq *h, struct srv_reg *r, const struct sl_path *p)
{
    unsigned t;
    if (!arg_timeout(s, h, &t))
        return;
    struct op_ctx *c = ctx_new(s, h, OP_EXECUTE, r, p, t);
    struct srv_req *req = c ? srv_req_new(s, r, SL_COAP_POST, p, device_done, c) : NULL;
    if (!req) {
        free(c);
        if (c)
            srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    if (h->body.len) {
        /* the arguments, as given (LwM2M: 0='a',1 ...) */
        size_t len;
        uint8_t *args = srv_buf_take(&h->body, &len);
        srv_req_set_payload(req, args, len, SL_FMT_NONE);
    }
    send_req(s, h, c, req);
}

static void op_delete(struct srv *s, struct srv_hreq *h, struct srv_reg *r, const struct sl_path *p)
{
    unsigned t;
    if (!arg_timeout(s, h, &t))
        return;
    struct op_ctx *c = ctx_new(s, h, OP_DELETE, r, p, t);
    struct srv_req *req = c ? srv_req_new(s, r, SL_COAP_DELETE, p, device_done, c) : NULL;
    if (!req) {
        free(c);
        if (c)
            srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    send_req(s, h, c, req);
}

struct attr_collect {
    struct srv_buf q;
    char bad[64];
};

static bool attr_number(const char *v, bool integer)
{
    if (!v || !*v)
        return false;
    char *end;
    if (integer) {
        if (*v < '0' || *v > '9')
            return false;
        unsigned long long x = strtoull(v, &end, 10);
        (void)x;
    } else {
        double d = strtod(v, &end);
        (void)d;
    }
    return *end == 0;
}

static enum MHD_Result collect_attr(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    struct attr_collect *a = cls;
    if (!strcmp(key, "timeout"))
        return MHD_YES;
    static const char *const ints[] = { "pmin", "pmax", "epmin", "epmax", "hqmax" };
    static const char *const nums[] = { "gt", "lt", "st" };
    static const char *const flags[] = { "edge", "con" };
    bool known = false, ok = false;
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        if (!strcmp(key, ints[k]))
            known = true, ok = !value || !*value || attr_number(value, true);
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
        if (!strcmp(key, nums[k]))
            known = true, ok = !value || !*value || attr_number(value, false);
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        if (!strcmp(key, flags[k]))
            known = true, ok = !value || !*value || !strcmp(value, "0") || !strcmp(value, "1");
    if (!known || !ok) {
        snprintf(a->bad, sizeof a->bad, "%s", key);
        return MHD_NO;
    }
    if (a->q.len)
        srv_buf_puts(&a->q, "&");
    srv_buf_puts(&a->q, key);
    if (value && *value) {
        srv_buf_puts(&a->q, "=");
        srv_buf_puts(&a->q, value);
    }
    return MHD_YES;
}

static void op_attributes(struct srv *s, struct srv_hreq *h, struct srv_reg *r,
                          const struct sl_path *p)
{
    unsigned t;
    if (!arg_timeout(s, h, &t))
        return;
    struct attr_collect a;
    srv_buf_init(&a.q, 1024);
    a.bad[0] = 0;
    MHD_get_connection_values(h->conn, MHD_GET_ARGUMENT_KIND, collect_attr, &a);
    if (a.bad[0] || a.q.len == 0 || !srv_buf_cstr(&a.q)) {
        srv_buf_free(&a.q);
        if (a.bad[0])
            srv_http_error(s, h, 400, "bad_request",
                           "bad attribute \"%s\" (pmin, pmax, gt, lt, st, epmin, epmax, edge, con, "
                           "hqmax; numbers)",
                           a.bad);
        else
            srv_http_error(s, h, 400, "bad_request", "give at least one attribute, e.g. ?pmin=10");
        return;
    }
    struct op_ctx *c = ctx_new(s, h, OP_ATTRIBUTES, r, p, t);
    struct srv_req *req = c ? srv_req_new(s, r, SL_COAP_PUT, p, device_done, c) : NULL;
    if (!req) {
        free(c);
        srv_buf_free(&a.q);
        if (c)
            srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    req->query = (char *)srv_buf_take(&a.q, NULL);
    send_req(s, h, c, req);
}

static void op_observe(struct srv *s, struct srv_hreq *h, struct srv_reg *r, const struct sl_path *p)
{
    if (strcmp(h->method, "DELETE") == 0) {
        struct srv_obs *o = srv_obs_find(r, p);
        char ps[32];
        sl_path_format(p, ps, sizeof ps);
        if (!o || !o->rest) {
            srv_http_error(s, h, 404, "not_found", "no observation of %s on %s", ps, r->ep);
            return;
        }
        srv_obs_release(s, o, true, false);
        srv_http_reply(s, h, 200, json_pack("{s:b,s:s}", "success", 1, "cancelled", ps));
        return;
    }
    if (strcmp(h->method, "POST") != 0) {
        srv_http_error(s, h, 405, "method_not_allowed", "use POST or DELETE on .../observe");
        return;
    }
    unsigned t;
    uint16_t fmt = SL_FMT_NONE;
    if (!arg_timeout(s, h, &t) || !arg_format(s, h, &fmt))
        return;
    struct op_ctx *c = ctx_new(s, h, OP_OBSERVE, r, p, t);
    if (!c)
        return;
    srv_http_suspend(s, h);
    srv_observe_start(s, r, p, fmt, true, false, t * 1000u, observe_done, c);
}

static void op_composite(struct srv *s, struct srv_hreq *h, struct srv_reg *r)
{
    unsigned t;
    uint16_t fmt = SL_FMT_SENML_CBOR;
    if (!arg_timeout(s, h, &t) || !arg_format(s, h, &fmt))
        return;
    if (fmt != SL_FMT_SENML_CBOR && fmt != SL_FMT_LWM2M_CBOR) {
        srv_http_error(s, h, 400, "bad_request", "composite operations need SENML_CBOR or LWM2M_CBOR");
        return;
    }
    bool get = strcmp(h->method, "GET") == 0;
    if (!get && strcmp(h->method, "PUT") != 0) {
        srv_http_error(s, h, 405, "method_not_allowed", "use GET or PUT on .../composite");
        return;
    }
    struct op_ctx *c = ctx_new(s, h, get ? OP_COMPOSITE_READ : OP_COMPOSITE_WRITE, r, NULL, t);
    if (!c)
        return;
    struct srv_recs recs;
    srv_recs_init(&recs);
    if (get) {
        const char *paths = srv_http_arg(h, "paths");
        if (!paths || !*paths) {
            free(c);
            srv_http_error(s, h, 400, "bad_request", "give ?paths=/3/0/0,/1/0/1");
            return;
        }
        const char *p = paths;
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            struct sl_path path;
            if (c->npaths == SRV_MAX_COMPOSITE || sl_path_parse(p, n, &path) != SL_OK ||
                path.len == 0) {
                free(c);
                srv_recs_free(&recs);
                srv_http_error(s, h, 400, "bad_request",
                               "paths: at most %d paths like /3/0/1, comma-separated",
                               SRV_MAX_COMPOSITE);
                return;
            }
            c->paths[c->npaths++] = path;
            struct sl_record rec = { .path = path, .value = { .type = SL_TYPE_NONE } };
            srv_recs_add(&recs, &rec);
            p += n;
            if (*p == ',')
                p++;
        }
    } else {
        json_t *body = body_json(s, h);
        if (!body) {
            free(c);
            return;
        }
        char err[200];
        sl_err e = srv_json_composite_records(body, &recs, err, sizeof err);
        json_decref(body);
        if (e != SL_OK) {
            free(c);
            srv_recs_free(&recs);
            srv_http_error(s, h, 400, "bad_request", "%s", err);
            return;
        }
    }
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    uint8_t *payload;
    size_t len;
    if (!encode(s, h, fmt, &root, &recs, &payload, &len)) {
        free(c);
        srv_recs_free(&recs);
        return;
    }
    srv_recs_free(&recs);
    struct srv_req *req = srv_req_new(s, r, get ? SL_COAP_FETCH : SL_COAP_IPATCH, &root,
                                      device_done, c);
    if (!req) {
        free(c);
        free(payload);
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    srv_req_set_payload(req, payload, len, fmt);
    if (get)
        req->accept = fmt;
    send_req(s, h, c, req);
}

/* ---- routing ---- */

static void client_route(struct srv *s, struct srv_hreq *h, const char *rest)
{
    const char *slash = strchr(rest, '/');
    size_t eplen = slash ? (size_t)(slash - rest) : strlen(rest);
    char ep[SRV_EP_MAX + 1];
    if (eplen == 0 || eplen > SRV_EP_MAX) {
        srv_http_error(s, h, 404, "not_found", "no such client");
        return;
    }
    memcpy(ep, rest, eplen);
    ep[eplen] = 0;
    struct srv_reg *r = srv_reg_find_ep(s, ep);
    if (!r) {
        srv_http_error(s, h, 404, "not_found", "no client %s", ep);
        return;
    }
    const char *m = h->method;
    if (!slash || slash[1] == 0) {
        if (strcmp(m, "GET") != 0) {
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on a client");
            return;
        }
        srv_http_reply(s, h, 200, srv_reg_json(s, r));
        return;
    }
    const char *p = slash + 1;
    if (strcmp(p, "composite") == 0) {
        op_composite(s, h, r);
        return;
    }
    /* /{o}[/{i}[/{r}[/{ri}]]][/discover|/attributes|/observe] */
    const char *suffix = NULL;
    const char *last = strrchr(p, '/');
    const char *tail = last ? last + 1 : p;
    if (!strcmp(tail, "discover") || !strcmp(tail, "attributes") || !strcmp(tail, "observe")) {
        suffix = tail;
    }
    size_t plen = suffix ? (size_t)(suffix - p) : strlen(p);
    if (plen && p[plen - 1] == '/')
        plen--;
    char pbuf[64];
    struct sl_path path;
    if (plen == 0 || plen + 2 > sizeof pbuf) {
        srv_http_error(s, h, 400, "bad_request", "bad LwM2M path");
        return;
    }
    pbuf[0] = '/';
    memcpy(pbuf + 1, p, plen);
    pbuf[plen + 1] = 0;
    if (sl_path_parse(pbuf, plen + 1, &path) != SL_OK || path.len == 0) {
        srv_http_error(s, h, 400, "bad_request",
                       "bad LwM2M path %s (numbers 0..65534: /OBJECT[/INSTANCE[/RESOURCE[/RI]]])",
                       pbuf);
        return;
    }
    if (suffix && !strcmp(suffix, "discover")) {
        if (strcmp(m, "GET") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on .../discover");
        else if (path.len > 3)
            srv_http_error(s, h, 400, "bad_request", "Discover takes an object, instance or resource");
        else
            op_read(s, h, r, &path, OP_DISCOVER);
        return;
    }
    if (suffix && !strcmp(suffix, "attributes")) {
        if (strcmp(m, "PUT") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use PUT on .../attributes");
        else
            op_attributes(s, h, r, &path);
        return;
    }
    if (suffix) {
        op_observe(s, h, r, &path);
        return;
    }
    if (!strcmp(m, "GET")) {
        op_read(s, h, r, &path, OP_READ);
    } else if (!strcmp(m, "PUT")) {
        if (path.len < 2)
            srv_http_error(s, h, 400, "bad_request",
                           "cannot write a whole object: POST to it creates an instance");
        else
            op_write(s, h, r, &path, false);
    } else if (!strcmp(m, "POST")) {
        if (path.len == 1)
            op_write(s, h, r, &path, true);
        else if (path.len == 3)
            op_execute(s, h, r, &path);
        else
            srv_http_error(s, h, 400, "bad_request",
                           "POST creates on an object path or executes a resource path");
    } else if (!strcmp(m, "DELETE")) {
        op_delete(s, h, r, &path);
    } else {
        srv_http_error(s, h, 405, "method_not_allowed", "use GET, PUT, POST or DELETE");
    }
}

static int reg_cmp(const void *a, const void *b)
{
    const struct srv_reg *x = *(const struct srv_reg *const *)a;
    const struct srv_reg *y = *(const struct srv_reg *const *)b;
    return strcmp(x->ep, y->ep);
}

static void list_clients(struct srv *s, struct srv_hreq *h)
{
    struct srv_reg **v = malloc((s->nregs ? s->nregs : 1) * sizeof *v);
    if (!v) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    size_t n = 0;
    struct srv_map_iter it;
    for (struct srv_map_node *nd = srv_map_first(&s->regs_by_id, &it); nd && n < s->nregs;
         nd = srv_map_next(&s->regs_by_id, &it))
        v[n++] = SRV_CONTAINER_OF(nd, struct srv_reg, by_id);
    qsort(v, n, sizeof *v, reg_cmp);
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(arr, srv_reg_json(s, v[k]));
    free(v);
    srv_http_reply(s, h, 200, arr);
}

static void server_info(struct srv *s, struct srv_hreq *h)
{
    char coap[SL_POSIX_ADDR_STRLEN], http[SL_POSIX_ADDR_STRLEN];
    srv_addr_str(&s->coap_local, coap);
    srv_addr_str(&s->http_local, http);
    struct srv_store_stats st = { 0 };
    if (s->store)
        srv_store_stats(s->store, &st);
    unsigned nb = 0;
    for (struct srv_binding *b = s->bindings; b; b = b->next)
        nb++;
    json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I}}",
                          "version", "0.1.0", "coap", coap, "http", http, "registrations",
                          (json_int_t)s->nregs, "bindings", (json_int_t)nb, "streams",
                          (json_int_t)s->nstreams, "coapCounters", "received", (json_int_t)s->rx_datagrams,
                          "malformed", (json_int_t)s->rx_bad, "sent", (json_int_t)s->tx_datagrams,
                          "registrations", (json_int_t)s->registrations, "notifications",
                          (json_int_t)s->notifications, "store", "operations", (json_int_t)st.ops,
                          "commits", (json_int_t)st.batches, "failed", (json_int_t)st.failed_ops);
    if (s->coaps_fd >= 0) {
        char coaps[SL_POSIX_ADDR_STRLEN];
        srv_addr_str(&s->coaps_local, coaps);
        json_object_set_new(j, "coaps", json_string(coaps));
        srv_dtls_stats(s, j);
    }
    srv_bootstrap_stats(s, j);
    srv_http_reply(s, h, 200, j);
}

void srv_api_dispatch(struct srv *s, struct srv_hreq *h)
{
    const char *u = h->url;
    const char *m = h->method;
    if (!strcmp(u, "/api/clients") || !strcmp(u, "/api/clients/")) {
        if (strcmp(m, "GET") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on /api/clients");
        else
            list_clients(s, h);
    } else if (!strncmp(u, "/api/clients/", 13)) {
        client_route(s, h, u + 13);
    } else if (!strcmp(u, "/api/event") || !strcmp(u, "/api/events")) {
        if (strcmp(m, "GET") != 0) {
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on /api/event");
            return;
        }
        const char *ep = srv_http_arg(h, "ep");
        if (ep && strlen(ep) > SRV_EP_MAX) {
            srv_http_error(s, h, 400, "bad_request", "ep is at most %d bytes", SRV_EP_MAX);
            return;
        }
        srv_events_open(s, h, ep);
    } else if (!strcmp(u, "/api/security/clients") || !strncmp(u, "/api/security/clients/", 22)) {
        srv_api_security(s, h, u + 21);
    } else if (!strcmp(u, "/api/bindings") || !strcmp(u, "/api/bindings/")) {
        srv_api_bindings(s, h, "");
    } else if (!strncmp(u, "/api/bindings/", 14)) {
        srv_api_bindings(s, h, u + 14);
    } else if (!strcmp(u, "/api/bootstrap") || !strncmp(u, "/api/bootstrap/", 15)) {
        srv_api_bootstrap(s, h, u + 14);
    } else if (!strcmp(u, "/api/server")) {
        if (strcmp(m, "GET") != 0)
            srv_http_error(s, h, 405, "method_not_allowed", "use GET on /api/server");
        else
            server_info(s, h);
    } else {
        srv_http_error(s, h, 404, "not_found", "no such API path: %s", u);
    }
}
