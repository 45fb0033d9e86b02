/* HTTP over libcurl: single requests and event streams. */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

/* Whole-request limit when --timeout is not given, and the margin added to
 * the device timeout when it is (the server answers 504 itself first). */
#define HTTP_DEFAULT_TIMEOUT_S 120L
#define HTTP_TIMEOUT_MARGIN_S  10L
#define HTTP_CONNECT_TIMEOUT_S 10L

int http_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("sidelinkctl: cannot initialise libcurl\n", stderr);
        return CTL_FAIL;
    }
    return CTL_OK;
}

void http_cleanup(void)
{
    curl_global_cleanup();
}

void http_resp_init(struct http_resp *resp)
{
    resp->status = 0;
    buf_init(&resp->body);
}

void http_resp_free(struct http_resp *resp)
{
    buf_free(&resp->body);
    resp->status = 0;
}

static size_t collect_body(char *data, size_t size, size_t nmemb, void *arg)
{
    buf_add(arg, data, size * nmemb);
    return size * nmemb;
}

/* Everything a request needs that must outlive curl_easy_perform. */
struct req {
    CURL *easy;
    struct curl_slist *headers;
    struct buf url;
    char errbuf[CURL_ERROR_SIZE];
};

static void req_free(struct req *r)
{
    if (r->easy != NULL)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    buf_free(&r->url);
}

static bool add_header(struct req *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (l == NULL)
        return false;
    r->headers = l;
    return true;
}

static int req_setup(struct req *r, const struct ctl *ctl, const char *method, const char *target,
                     const char *body, const char *content_type, const char *accept)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->url);
    buf_puts(&r->url, ctl->server);
    buf_puts(&r->url, target);
    r->easy = curl_easy_init();
    if (r->easy == NULL) {
        fputs("sidelinkctl: cannot create a libcurl handle\n", stderr);
        return CTL_FAIL;
    }
    struct buf line;
    buf_init(&line);
    bool ok = true;
    buf_printf(&line, "Accept: %s", accept);
    ok = ok && add_header(r, buf_str(&line));
    if (ctl->token != NULL) {
        buf_reset(&line);
        buf_printf(&line, "Authorization: Bearer %s", ctl->token);
        ok = ok && add_header(r, buf_str(&line));
    }
    if (body != NULL) {
        buf_reset(&line);
        buf_printf(&line, "Content-Type: %s", content_type ? content_type : "application/json");
        ok = ok && add_header(r, buf_str(&line));
    }
    /* No "Expect: 100-continue" round trip before a body. */
    ok = ok && add_header(r, "Expect:");
    buf_free(&line);
    if (!ok) {
        fputs("sidelinkctl: out of memory\n", stderr);
        return CTL_FAIL;
    }

    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, buf_str(&r->url));
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT,
                     "sidelinkctl/"
                     "0.1");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT_S);
    if (body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    }
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    return CTL_OK;
}

/* Prints why a transfer failed and picks the exit code. */
static int transport_error(const struct ctl *ctl, const struct req *r, CURLcode rc,
                           const char *what)
{
    const char *detail = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        fprintf(stderr, "sidelinkctl: bad server URL '%s': %s\n", ctl->server, detail);
        return CTL_USAGE;
    case CURLE_OPERATION_TIMEDOUT:
        fprintf(stderr, "error: the server at %s did not answer in time (%s)\n", ctl->server,
                detail);
        return CTL_UNREACHABLE;
    default:
        fprintf(stderr, "error: %s %s: %s\n", what, ctl->server, detail);
        return CTL_UNREACHABLE;
    }
}

int http_send(const struct ctl *ctl, const char *method, const char *target, const char *body,
              const char *content_type, struct http_resp *resp)
{
    struct req r;
    int code = req_setup(&r, ctl, method, target, body, content_type, "application/json");
    if (code != CTL_OK) {
        req_free(&r);
        return code;
    }
    long limit =
        ctl->timeout_s > 0 ? ctl->timeout_s + HTTP_TIMEOUT_MARGIN_S : HTTP_DEFAULT_TIMEOUT_S;
    curl_easy_setopt(r.easy, CURLOPT_TIMEOUT, limit);
    curl_easy_setopt(r.easy, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(r.easy, CURLOPT_WRITEDATA, &resp->body);
    CURLcode rc = curl_easy_perform(r.easy);
    if (rc != CURLE_OK) {
        code = transport_error(ctl, &r, rc, "cannot reach the server at");
    } else {
        curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &resp->status);
        code = CTL_OK;
    }
    req_free(&r);
    return code;
}

struct stream {
    const struct http_stream_handler *handler;
    struct http_resp *resp;
    CURL *easy;
    bool headers_done;
    long status;
    int stop_code; /* the handler's exit code when it stopped the stream */
};

static size_t stream_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct stream *s = arg;
    size_t n = size * nmemb;
    if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200) { /* the end of a final (not 1xx) header block */
            s->status = status;
            s->headers_done = true;
        }
    }
    return n;
}

static size_t stream_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct stream *s = arg;
    size_t n = size * nmemb;
    if (s->status != 200) {
        buf_add(&s->resp->body, data, n);
        return n;
    }
    int code = s->handler->on_data(s->handler->arg, data, n);
    if (code != CTL_OK) {
        s->stop_code = code;
        return 0; /* aborts the transfer */
    }
    return n;
}

int http_stream(const struct ctl *ctl, const char *target, int stop_fd,
                const struct http_stream_handler *handler, struct http_resp *resp,
                enum http_stream_end *end)
{
    struct req r;
    struct stream s = {.handler = handler, .resp = resp};
    CURLM *multi = NULL;
    int code = req_setup(&r, ctl, "GET", target, NULL, NULL, "text/event-stream");
    if (code != CTL_OK)
        goto out;
    s.easy = r.easy;
    curl_easy_setopt(r.easy, CURLOPT_HEADERFUNCTION, stream_header);
    curl_easy_setopt(r.easy, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(r.easy, CURLOPT_WRITEFUNCTION, stream_body);
    curl_easy_setopt(r.easy, CURLOPT_WRITEDATA, &s);
    /* Events can be minutes apart: keep the connection alive, no time limit. */
    curl_easy_setopt(r.easy, CURLOPT_TCP_KEEPALIVE, 1L);

    multi = curl_multi_init();
    if (multi == NULL || curl_multi_add_handle(multi, r.easy) != CURLM_OK) {
        fputs("sidelinkctl: cannot create a libcurl multi handle\n", stderr);
        code = CTL_FAIL;
        goto out;
    }
    bool opened = false;
    bool stopped = false;
    for (;;) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK) {
            fprintf(stderr, "sidelinkctl: libcurl: %s\n", curl_multi_strerror(mc));
            code = CTL_FAIL;
            goto out;
        }
        if (s.stop_code != CTL_OK)
            break;
        if (!opened && s.headers_done && s.status == 200) {
            opened = true;
            if (handler->on_open != NULL) {
                s.stop_code = handler->on_open(handler->arg);
                if (s.stop_code != CTL_OK)
                    break;
            }
        }
        if (running == 0)
            break;
        struct curl_waitfd wfd = {.fd = stop_fd, .events = CURL_WAIT_POLLIN, .revents = 0};
        mc = curl_multi_poll(multi, &wfd, stop_fd >= 0 ? 1 : 0, 1000, NULL);
        if (mc != CURLM_OK && mc != CURLM_UNRECOVERABLE_POLL) {
            fprintf(stderr, "sidelinkctl: libcurl: %s\n", curl_multi_strerror(mc));
            code = CTL_FAIL;
            goto out;
        }
        if (wfd.revents != 0) {
            stopped = true;
            break;
        }
    }
    if (s.stop_code != CTL_OK) {
        code = s.stop_code;
        goto out;
    }
    if (stopped) {
        *end = HTTP_STREAM_STOPPED;
        code = CTL_OK;
        goto out;
    }
    CURLcode result = CURLE_OK;
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE)
            result = msg->data.result;
    }
    if (result != CURLE_OK) {
        code = transport_error(
            ctl, &r, result, opened ? "lost the event stream from" : "cannot reach the server at");
        goto out;
    }
    resp->status = s.status;
    *end = s.status == 200 ? HTTP_STREAM_CLOSED : HTTP_STREAM_REFUSED;
    code = CTL_OK;
out:
    if (multi != NULL) {
        if (r.easy != NULL)
            curl_multi_remove_handle(multi, r.easy);
        curl_multi_cleanup(multi);
    }
    req_free(&r);
    return code;
}
