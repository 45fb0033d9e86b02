/* libmicrohttpd in external mode, driven by the server's epoll loop: MHD's
 * own epoll fd sits in ours, MHD_run() runs when it is readable, when its
 * timeout passes, or after a connection was resumed. A request that needs
 * a device or a commit is suspended (MHD_suspend_connection) until its
 * answer is ready (MHD_resume_connection); nothing ever blocks the loop.
 * Optional bearer token (http_token). Every answer is JSON. */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/srv_internal.h"
#include "server/srv_json.h"

/* Largest request body. */
#define SRV_HTTP_MAX_BODY (1024u * 1024u)

static void unlink_suspended(struct srv *s, struct srv_hreq *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else if (s->suspended == h)
        s->suspended = h->next;
    if (h->next)
        h->next->prev = h->prev;
    h->next = h->prev = NULL;
}

void srv_http_reply(struct srv *s, struct srv_hreq *h, unsigned status, json_t *body)
{
    if (h->reply || h->answered) {
        json_decref(body);
        return; /* answered already */
    }
    char *text = body ? srv_json_dumps(body) : NULL;
    json_decref(body);
    if (!text) {
        status = 500;
        text = strdup("{\"error\":\"internal\",\"message\":\"out of memory\"}");
        if (!text)
            return;
    }
    h->status = status;
    h->reply = text;
    h->reply_len = strlen(text);
    if (h->suspended) {
        h->suspended = false;
        unlink_suspended(s, h);
        MHD_resume_connection(h->conn);
        srv_http_kick(s);
    }
}

void srv_http_error(struct srv *s, struct srv_hreq *h, unsigned status, const char *error,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_http_reply(s, h, status, json_pack("{s:s,s:s}", "error", error, "message", msg));
}

void srv_http_suspend(struct srv *s, struct srv_hreq *h)
{
    (void)s;
    h->want_suspend = true;
}

const char *srv_http_arg(struct srv_hreq *h, const char *name)
{
    return MHD_lookup_connection_value(h->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result queue_reply(struct srv_hreq *h)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(h->reply_len, h->reply, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (h->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"sidelink\"");
    enum MHD_Result r = MHD_queue_response(h->conn, h->status, resp);
    MHD_destroy_response(resp);
    h->answered = true;
    return r;
}

static bool token_ok(struct srv *s, struct srv_hreq *h)
{
    const char *want = s->cfg.http_token;
    if (!want[0])
        return true;
    const char *got = MHD_lookup_connection_value(h->conn, MHD_HEADER_KIND, "Authorization");
    if (!got || strncmp(got, "Bearer ", 7) != 0)
        return false;
    got += 7;
    size_t gl = strlen(got), wl = strlen(want);
    /* constant time in the token's length */
    unsigned diff = (unsigned)(gl ^ wl);
    for (size_t k = 0; k < wl; k++)
        diff |= (unsigned)(want[k] ^ (k < gl ? got[k] : 0));
    return diff == 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    struct srv *s = cls;
    struct srv_hreq *h = *con_cls;
    if (!h) {
        h = calloc(1, sizeof *h);
        if (!h)
            return MHD_NO;
        h->s = s;
        h->conn = conn;
        h->method = method;
        h->url = strdup(url);
        srv_buf_init(&h->body, SRV_HTTP_MAX_BODY);
        *con_cls = h;
        if (!h->url)
            return MHD_NO;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!h->too_large && !srv_buf_put(&h->body, upload, *upload_size))
            h->too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (h->reply && !h->answered)
        return queue_reply(h); /* resumed with its answer */
    if (h->dispatched)
        return MHD_YES;
    h->dispatched = true;
    srv_buf_cstr(&h->body);
    h->in_dispatch = true;
    if (s->stopping)
        srv_http_error(s, h, 503, "unavailable", "the server is shutting down");
    else if (!token_ok(s, h))
        srv_http_error(s, h, 401, "unauthorized", "a valid bearer token is required");
    else if (h->too_large)
        srv_http_error(s, h, 413, "payload_too_large", "the body is larger than %u bytes",
                       SRV_HTTP_MAX_BODY);
    else
        srv_api_dispatch(s, h);
    h->in_dispatch = false;
    if (h->reply)
        return queue_reply(h);
    if (h->answered)
        return MHD_YES; /* an event stream */
    if (h->want_suspend) {
        h->suspended = true;
        h->next = s->suspended;
        if (s->suspended)
            s->suspended->prev = h;
        s->suspended = h;
        MHD_suspend_connection(conn);
        return MHD_YES;
    }
    srv_http_error(s, h, 500, "internal", "no answer");
    return queue_reply(h);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct srv *s = cls;
    struct srv_hreq *h = *con_cls;
    if (!h)
        return;
    if (h->suspended)
        unlink_suspended(s, h);
    if (h->pending) {
        struct srv_req *req = h->pending;
        h->pending = NULL;
        srv_req_cancel(req);
    }
    free(h->url);
    free(h->reply);
    srv_buf_free(&h->body);
    free(h);
    *con_cls = NULL;
}

/* libmicrohttpd's format string, checked as one */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct srv *s = cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    SRV_DEBUG(s, "http: %s", msg);
}

sl_err srv_http_start(struct srv *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int domain = s->cfg.http.family == 6 ? AF_INET6 : AF_INET;
    if (sl_posix_addr_to_sockaddr(&s->cfg.http, domain, &ss, &sl) != SL_OK) {
        snprintf(err, errlen, "bad HTTP address");
        return SL_ERR_INVALID;
    }
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (domain == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(flags, s->cfg.http.port, NULL, NULL, handler, s,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_END);
    if (!s->mhd) {
        char a[SL_POSIX_ADDR_STRLEN];
        srv_addr_str(&s->cfg.http, a);
        snprintf(err, errlen, "cannot listen for HTTP on %s (address in use?)", a);
        return SL_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    s->mhd_fd = info ? info->epoll_fd : -1;
    s->http_local = s->cfg.http;
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (info && info->port)
        s->http_local.port = info->port;
    if (s->mhd_fd < 0) {
        snprintf(err, errlen, "libmicrohttpd has no epoll fd");
        return SL_ERR_IO;
    }
    return SL_OK;
}

void srv_http_run(struct srv *s)
{
    s->mhd_dirty = false;
    if (s->mhd)
        MHD_run(s->mhd);
}

int64_t srv_http_timeout_ms(struct srv *s)
{
    MHD_UNSIGNED_LONG_LONG t;
    if (!s->mhd || MHD_get_timeout(s->mhd, &t) != MHD_YES)
        return -1;
    return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

void srv_http_stop(struct srv *s)
{
    if (!s->mhd)
        return;
    /* no new connections; whatever still waits gets an answer (requests
     * dispatched from here on get 503 at once), every stream ends */
    MHD_socket lfd = MHD_quiesce_daemon(s->mhd);
    for (int k = 0; k < 50; k++) {
        while (s->suspended)
            srv_http_error(s, s->suspended, 503, "unavailable", "the server is shutting down");
        srv_events_close_all(s);
        MHD_run(s->mhd);
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    while (s->suspended)
        srv_http_error(s, s->suspended, 503, "unavailable", "the server is shutting down");
    srv_events_close_all(s);
    MHD_run(s->mhd);
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
}
