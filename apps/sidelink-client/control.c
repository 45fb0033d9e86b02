/* The control socket: one request line in, one JSON line out (the protocol
 * sidelinkctl speaks, docs/client.md). Local operations go through the data
 * model as the local actor, so observers hear of them like of any write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "app.h"
#include "codec/data.h"
#include "codec/senml_cbor.h"
#include "codec/value.h"

int control_open(struct app *a)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(a->opts.control) >= sizeof sun.sun_path) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "control socket path too long: %s", a->opts.control);
        return -1;
    }
    strcpy(sun.sun_path, a->opts.control);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(a->opts.control); /* a socket left by a crashed run */
    mode_t old = umask(0177);  /* created 0600: only our user may command us */
    int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
    umask(old);
    if (rc < 0 || chmod(a->opts.control, 0600) < 0 || listen(fd, 4) < 0) {
        sl_posix_logf(&a->log, SL_LOG_ERROR, "control socket %s: %s", a->opts.control,
                      strerror(errno));
        close(fd);
        return -1;
    }
    a->control_fd = fd;
    return 0;
}

void control_close_all(struct app *a)
{
    for (unsigned k = 0; k < APP_MAX_CONTROL_CONNS; k++) {
        if (a->conns[k].fd >= 0)
            close(a->conns[k].fd);
        a->conns[k].fd = -1;
    }
    if (a->control_fd >= 0) {
        close(a->control_fd);
        unlink(a->opts.control);
        a->control_fd = -1;
    }
}

void control_accept(struct app *a)
{
    int fd = accept4(a->control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (unsigned k = 0; k < APP_MAX_CONTROL_CONNS; k++) {
        if (a->conns[k].fd < 0) {
            a->conns[k].fd = fd;
            a->conns[k].len = 0;
            return;
        }
    }
    static const char busy[] = "{\"ok\":false,\"error\":\"too many control connections\"}\n";
    (void)!write(fd, busy, sizeof busy - 1);
    close(fd);
}

/* ---- a small JSON writer into a fixed buffer ---- */

struct out {
    char buf[8192];
    size_t len;
    bool overflow;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= sizeof o->buf) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_raw(o, s, strlen(s));
}

static void out_json_string(struct out *o, const uint8_t *s, size_t n)
{
    out_raw(o, "\"", 1);
    for (size_t k = 0; k < n; k++) {
        char esc[8];
        uint8_t c = s[k];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            out_raw(o, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            out_str(o, esc);
        } else {
            out_raw(o, (const char *)&c, 1);
        }
    }
    out_raw(o, "\"", 1);
}

static void out_value(struct out *o, const struct sl_value *v)
{
    char num[64];
    switch (v->type) {
    case SL_TYPE_INT:
    case SL_TYPE_TIME:
        snprintf(num, sizeof num, "%lld", (long long)v->v.i);
        out_str(o, num);
        break;
    case SL_TYPE_UINT:
        snprintf(num, sizeof num, "%llu", (unsigned long long)v->v.u);
        out_str(o, num);
        break;
    case SL_TYPE_FLOAT:
        snprintf(num, sizeof num, "%.17g", v->v.f);
        out_str(o, num);
        break;
    case SL_TYPE_BOOL:
        out_str(o, v->v.b ? "true" : "false");
        break;
    case SL_TYPE_OBJLNK:
        snprintf(num, sizeof num, "\"%u:%u\"", v->v.objlnk.oid, v->v.objlnk.iid);
        out_str(o, num);
        break;
    case SL_TYPE_OPAQUE: {
        out_raw(o, "\"", 1);
        for (size_t k = 0; k < v->v.bytes.len; k++) {
            snprintf(num, sizeof num, "%02x", v->v.bytes.ptr[k]);
            out_str(o, num);
        }
        out_raw(o, "\"", 1);
        break;
    }
    case SL_TYPE_STRING:
    case SL_TYPE_CORELNK:
        out_json_string(o, v->v.bytes.ptr, v->v.bytes.len);
        break;
    default:
        out_str(o, "null");
        break;
    }
}

static void out_error(struct out *o, const char *msg, uint8_t code)
{
    char c[16];
    o->len = 0;
    out_str(o, "{\"ok\":false,\"error\":");
    out_json_string(o, (const uint8_t *)msg, strlen(msg));
    if (code) {
        snprintf(c, sizeof c, "%u.%02u", SL_COAP_CODE_CLASS(code), SL_COAP_CODE_DETAIL(code));
        out_str(o, ",\"code\":\"");
        out_str(o, c);
        out_str(o, "\"");
    }
    out_str(o, "}");
}

static const char *code_text(uint8_t code)
{
    switch (code) {
    case SL_COAP_BAD_REQUEST: return "bad value";
    case SL_COAP_UNAUTHORIZED: return "not allowed";
    case SL_COAP_NOT_FOUND: return "not found";
    case SL_COAP_METHOD_NOT_ALLOWED: return "operation not allowed on this path";
    case SL_COAP_NOT_ACCEPTABLE:
    case SL_COAP_UNSUPPORTED_CONTENT_FORMAT: return "format not supported";
    default: return "failed";
    }
}

/* ---- commands ---- */

static void cmd_status(struct app *a, struct out *o)
{
    out_str(o, "{\"ok\":true,\"endpoint\":");
    out_json_string(o, (const uint8_t *)a->opts.endpoint, strlen(a->opts.endpoint));
    out_str(o, ",\"servers\":[");
    bool first = true;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        const struct sl_reg *r = &a->client.regs[k];
        char item[64];
        if (!r->used)
            continue;
        int sec = sl_core_security_of(&a->co, r->ssid);
        char uri[SL_MAX_URI_LEN + 1] = "";
        if (sec >= 0)
            sl_store_str(&a->co.security, (uint16_t)sec, SL_SEC_URI, uri, sizeof uri);
        snprintf(item, sizeof item, "%s{\"short_id\":%u,\"uri\":", first ? "" : ",", r->ssid);
        out_str(o, item);
        out_json_string(o, (const uint8_t *)uri, strlen(uri));
        out_str(o, ",\"state\":\"");
        out_str(o, sl_reg_state_name(r->state));
        out_str(o, "\",\"location\":");
        out_json_string(o, (const uint8_t *)r->location, strlen(r->location));
        snprintf(item, sizeof item, ",\"lifetime\":%u}", r->lifetime);
        out_str(o, item);
        first = false;
    }
    out_str(o, "]");
    /* a one-line summary for humans */
    out_str(o, ",\"value\":\"");
    first = true;
    for (unsigned k = 0; k < SL_MAX_SERVERS; k++) {
        const struct sl_reg *r = &a->client.regs[k];
        char item[96];
        if (!r->used)
            continue;
        snprintf(item, sizeof item, "%sserver %u: %s%s%s", first ? "" : "; ", r->ssid,
                 sl_reg_state_name(r->state), r->location[0] ? " at /" : "", r->location);
        out_str(o, item);
        first = false;
    }
    out_str(o, "\"}");
}

static int parse_path(const char *s, struct sl_path *p)
{
    return sl_path_parse(s, strlen(s), p) == SL_OK ? 0 : -1;
}

static void cmd_read(struct app *a, struct out *o, const char *path_s)
{
    static uint8_t body[SL_MAX_BODY];
    struct sl_path path;
    struct sl_actor local = { SL_ACTOR_LOCAL, 0 };
    struct sl_wbuf w;
    uint16_t fmt;
    if (!path_s || parse_path(path_s, &path) < 0 || path.len == 0) {
        out_error(o, "usage: read /OBJECT[/INSTANCE[/RESOURCE[/INSTANCE]]]", 0);
        return;
    }
    sl_wbuf_init(&w, body, sizeof body);
    uint8_t code = sl_dm_read(&a->eng.dm, &local, &path, SL_FMT_SENML_CBOR, &w, &fmt);
    if (code != SL_COAP_CONTENT) {
        out_error(o, code_text(code), code);
        return;
    }
    struct sl_senml_cbor_dec dec;
    struct sl_record r;
    struct sl_path root = sl_path_make(0, 0, 0, 0, 0);
    unsigned n = 0;
    out_str(o, "{\"ok\":true,\"records\":[");
    sl_senml_cbor_dec_init(&dec, &root, body, w.len);
    struct sl_value only = { .type = SL_TYPE_NONE };
    while (sl_senml_cbor_dec_next(&dec, &r) == SL_OK) {
        char p[32];
        struct sl_obj *obj = sl_dm_find(&a->eng.dm, r.path.id[0]);
        const struct sl_res_def *rd = obj ? sl_obj_res(obj->def, r.path.id[2]) : NULL;
        struct sl_value v = r.value;
        if (rd && v.type != rd->type && sl_value_convert(&r.value, rd->type, &v) != SL_OK)
            v = r.value;
        sl_path_format(&r.path, p, sizeof p);
        out_str(o, n ? ",{\"path\":\"" : "{\"path\":\"");
        out_str(o, p);
        out_str(o, "\",\"value\":");
        out_value(o, &v);
        out_str(o, "}");
        only = v;
        n++;
    }
    out_str(o, "]");
    if (n == 1 && only.type != SL_TYPE_OPAQUE) {
        out_str(o, ",\"value\":");
        out_value(o, &only);
    }
    out_str(o, "}");
}

/* Write or execute through the data model, as a CoAP request would. */
static void cmd_dm(struct app *a, struct out *o, uint8_t op, const char *path_s, const char *arg)
{
    static uint8_t scratch[SL_MAX_BODY];
    struct sl_dm_req req;
    struct sl_dm_resp resp;
    memset(&req, 0, sizeof req);
    if (!path_s || parse_path(path_s, &req.path) < 0) {
        out_error(o, op == SL_OP_EXECUTE ? "usage: exec PATH [ARGS]" : "usage: write PATH VALUE",
                  0);
        return;
    }
    if (op == SL_OP_WRITE_REPLACE && (!arg || req.path.len < 3)) {
        out_error(o, "usage: write /OBJECT/INSTANCE/RESOURCE VALUE", 0);
        return;
    }
    req.op = op;
    req.actor = (struct sl_actor){ SL_ACTOR_LOCAL, 0 };
    req.format = op == SL_OP_WRITE_REPLACE ? SL_FMT_TEXT : SL_FMT_NONE;
    req.accept = SL_FMT_NONE;
    req.payload = (const uint8_t *)arg;
    req.payload_len = arg ? strlen(arg) : 0;
    sl_dm_handle(&a->eng.dm, &req, scratch, sizeof scratch, &resp);
    if (resp.code != SL_COAP_CHANGED) {
        out_error(o, code_text(resp.code), resp.code);
        return;
    }
    out_str(o, "{\"ok\":true}");
}

static void cmd_press(struct app *a, struct out *o, const char *inst)
{
    char item[96];
    long iid = inst ? strtol(inst, NULL, 10) : 0;
    if (!a->opts.button || iid < 0 || iid > SL_ID_MAX || !sl_store_get(&a->dev.button, (uint16_t)iid)) {
        out_error(o, "no such push button", 0);
        return;
    }
    int64_t counter;
    bool state = demo_press(a, (uint16_t)iid, &counter);
    snprintf(item, sizeof item, "{\"ok\":true,\"value\":%s,\"counter\":%lld}",
             state ? "true" : "false", (long long)counter);
    out_str(o, item);
}

static void cmd_objects(struct app *a, struct out *o)
{
    uint8_t links[SL_MAX_REG_PAYLOAD];
    size_t len;
    if (sl_client_link_list(&a->client, links, sizeof links, &len) != SL_OK) {
        out_error(o, "too many objects to list", 0);
        return;
    }
    out_str(o, "{\"ok\":true,\"value\":");
    out_json_string(o, links, len);
    out_str(o, "}");
}

static void execute_line(struct app *a, char *line, struct out *o)
{
    char *cmd = strtok(line, " ");
    char *path = strtok(NULL, " ");
    char *rest = strtok(NULL, ""); /* the value: the rest of the line, spaces kept */
    if (!cmd)
        out_error(o, "empty request", 0);
    else if (strcmp(cmd, "status") == 0)
        cmd_status(a, o);
    else if (strcmp(cmd, "read") == 0)
        cmd_read(a, o, path);
    else if (strcmp(cmd, "write") == 0)
        cmd_dm(a, o, SL_OP_WRITE_REPLACE, path, rest);
    else if (strcmp(cmd, "exec") == 0)
        cmd_dm(a, o, SL_OP_EXECUTE, path, rest);
    else if (strcmp(cmd, "press") == 0)
        cmd_press(a, o, path);
    else if (strcmp(cmd, "objects") == 0)
        cmd_objects(a, o);
    else
        out_error(o, "unknown command (status, read, write, exec, press, objects)", 0);
    if (o->overflow)
        out_error(o, "answer too large", 0);
}

void control_read(struct app *a, struct control_conn *c)
{
    ssize_t n = read(c->fd, c->buf + c->len, APP_CONTROL_LINE - c->len);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(c->fd);
        c->fd = -1;
        return;
    }
    c->len += (size_t)n;
    char *nl = memchr(c->buf, '\n', c->len);
    if (!nl) {
        if (c->len == APP_CONTROL_LINE) {
            static const char big[] = "{\"ok\":false,\"error\":\"request line too long\"}\n";
            (void)!write(c->fd, big, sizeof big - 1);
            close(c->fd);
            c->fd = -1;
        }
        return;
    }
    *nl = '\0';
    if (nl > c->buf && nl[-1] == '\r')
        nl[-1] = '\0';
    static struct out o;
    o.len = 0;
    o.overflow = false;
    execute_line(a, c->buf, &o);
    out_raw(&o, "\n", 1);
    /* a reply is small; a client too slow to take it at once is dropped */
    (void)!write(c->fd, o.buf, o.len);
    size_t rest = c->len - (size_t)(nl + 1 - c->buf);
    memmove(c->buf, nl + 1, rest);
    c->len = rest;
}
