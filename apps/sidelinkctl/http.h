/* HTTP to sidelink-server over libcurl: one request and its answer, or a
 * long-lived GET (server-sent events) that runs until a stop file descriptor
 * becomes readable. Transport failures are printed here and come back as exit
 * codes; HTTP statuses are left to the caller (api.h). */
#ifndef SIDELINKCTL_HTTP_H
#define SIDELINKCTL_HTTP_H

#include <stdbool.h>

#include "buf.h"
#include "ctl.h"

struct http_resp {
    long status;     /* HTTP status code */
    struct buf body; /* the body as received */
};

/* Process-wide libcurl set-up and tear-down (once each, from main). */
int http_init(void);
void http_cleanup(void);

void http_resp_init(struct http_resp *resp);
void http_resp_free(struct http_resp *resp);

/* Sends METHOD server+target (target starts with "/api/", query included)
 * with an optional body of the given content type. Returns CTL_OK with resp
 * filled for any HTTP status; CTL_UNREACHABLE if the server cannot be reached
 * or does not answer in time; CTL_USAGE for a server URL curl refuses. */
int http_send(const struct ctl *ctl, const char *method, const char *target, const char *body,
              const char *content_type, struct http_resp *resp);

/* What a stream does with what arrives. */
struct http_stream_handler {
    /* Called once, outside curl's callbacks, after the headers of a 200
     * arrived; may send other requests. NULL, or returns CTL_OK to go on or
     * an exit code to stop the stream with it. */
    int (*on_open)(void *arg);
    /* Each piece of the body of a 200; CTL_OK to go on, or an exit code. */
    int (*on_data)(void *arg, const char *data, size_t len);
    void *arg;
};

enum http_stream_end {
    HTTP_STREAM_STOPPED, /* stop_fd became readable */
    HTTP_STREAM_CLOSED,  /* the server ended a 200 stream */
    HTTP_STREAM_REFUSED  /* the server answered with another status: resp holds it */
};

/* GET server+target as an event stream. Returns CTL_OK with *end set, the
 * handler's exit code if it stopped the stream, or a transport failure's exit
 * code (printed). */
int http_stream(const struct ctl *ctl, const char *target, int stop_fd,
                const struct http_stream_handler *handler, struct http_resp *resp,
                enum http_stream_end *end);

#endif
