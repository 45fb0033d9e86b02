/* Server-sent events (/api/event, /api/events): REGISTRATION, UPDATED,
 * DEREGISTRATION, NOTIFICATION, filtered by ?ep=. Each stream is one HTTP
 * response whose content comes from a callback: it hands out what is
 * queued, and when nothing is, suspends the connection (no thread, no busy
 * loop); a new event resumes it. A stream that falls more than
 * SSE_MAX_QUEUED bytes behind is closed (the client reconnects). A comment
 * line every SSE_KEEPALIVE_MS keeps proxies quiet and finds dead clients. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_internal.h"
#include "server/srv_json.h"

#define SSE_MAX_QUEUED (4u * 1024u * 1024u)
#define SSE_KEEPALIVE_MS 15000u

struct srv_sse {
    struct srv *s;
    struct srv_sse *next, *prev;
    struct MHD_Connection *conn;
    char ep[SRV_EP_MAX + 1]; /* "" = every endpoint */
    struct srv_buf queued;
    size_t sent;    /* bytes of queued already handed to MHD */
    bool suspended; /* waiting for an event */
    bool closing;   /* end the stream once drained */
};

static void wake(struct srv *s, struct srv_sse *e)
{
    if (e->suspended && e->conn) {
        e->suspended = false;
        MHD_resume_connection(e->conn);
        srv_http_kick(s);
    }
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct srv_sse *e = cls;
    size_t avail = e->queued.len - e->sent;
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(buf, e->queued.p + e->sent, n);
        e->sent += n;
        if (e->sent == e->queued.len) {
            srv_buf_reset(&e->queued);
            e->sent = 0;
        }
        return (ssize_t)n;
    }
    if (e->closing)
        return MHD_CONTENT_READER_END_OF_STREAM;
    /* nothing to send: park the connection until an event comes */
    e->suspended = true;
    MHD_suspend_connection(e->conn);
    return 0;
}

static void stream_free(void *cls)
{
    struct srv_sse *e = cls;
    struct srv *s = e->s;
    if (e->prev)
        e->prev->next = e->next;
    else if (s->streams == e)
        s->streams = e->next;
    if (e->next)
        e->next->prev = e->prev;
    s->nstreams--;
    srv_buf_free(&e->queued);
    free(e);
}

static void queue_text(struct srv_sse *e, const char *text, size_t len)
{
    if (e->closing)
        return;
    if (e->queued.len - e->sent + len > SSE_MAX_QUEUED || !srv_buf_put(&e->queued, text, len)) {
        SRV_WARN(e->s, "an event stream fell behind; closing it");
        e->closing = true;
    }
    wake(e->s, e);
}

void srv_events_open(struct srv *s, struct srv_hreq *h, const char *ep_filter)
{
    struct srv_sse *e = calloc(1, sizeof *e);
    if (!e) {
        srv_http_error(s, h, 500, "internal", "out of memory");
        return;
    }
    e->s = s;
    e->conn = h->conn;
    snprintf(e->ep, sizeof e->ep, "%s", ep_filter ? ep_filter : "");
    srv_buf_init(&e->queued, 0);
    /* a first comment, so the client sees the stream open at once */
    srv_buf_puts(&e->queued, ": sidelink-server event stream\n\n");
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, e, stream_free);
    if (!resp) {
        srv_buf_free(&e->queued);
        free(e);
        srv_http_error(s, h, 500, "internal", "cannot create a stream");
        return;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    e->next = s->streams;
    if (s->streams)
        s->streams->prev = e;
    s->streams = e;
    s->nstreams++;
    h->sse = e;
    h->answered = true;
    MHD_queue_response(h->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
}

void srv_event(struct srv *s, const char *type, const char *ep, json_t *data)
{
    if (!data)
        return;
    if (!s->streams) {
        json_decref(data);
        return;
    }
    char *text = srv_json_dumps(data);
    json_decref(data);
    if (!text)
        return;
    struct srv_buf ev;
    srv_buf_init(&ev, 0);
    srv_buf_printf(&ev, "event: %s\ndata: %s\n\n", type, text);
    free(text);
    if (!ev.oom) {
        for (struct srv_sse *e = s->streams; e; e = e->next)
            if (!e->ep[0] || (ep && strcmp(e->ep, ep) == 0))
                queue_text(e, (const char *)ev.p, ev.len);
    }
    srv_buf_free(&ev);
}

static void keepalive_fired(struct srv_timer *t, sl_time_ms now)
{
    struct srv *s = (struct srv *)((char *)t - offsetof(struct srv, keepalive));
    for (struct srv_sse *e = s->streams; e; e = e->next)
        queue_text(e, ": keepalive\n\n", 13);
    srv_timer_arm(&s->timers, &s->keepalive, now + SSE_KEEPALIVE_MS);
}

void srv_events_keepalive(struct srv *s)
{
    srv_timer_init(&s->keepalive, keepalive_fired);
    srv_timer_arm(&s->timers, &s->keepalive, srv_now(s) + SSE_KEEPALIVE_MS);
}

void srv_events_close_all(struct srv *s)
{
    for (struct srv_sse *e = s->streams; e; e = e->next) {
        e->closing = true;
        wake(s, e);
    }
}
