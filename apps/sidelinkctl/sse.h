/* A server-sent events (text/event-stream) parser fed with body pieces as
 * they arrive: lines end in LF, CRLF or CR; "event:" names the event,
 * "data:" lines are joined with LF, ":" lines are comments (keep-alives), a
 * blank line dispatches. */
#ifndef SIDELINKCTL_SSE_H
#define SIDELINKCTL_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Gets each event: its name ("message" if none was given) and its data.
 * Returns CTL_OK to go on, or an exit code to stop. */
typedef int (*sse_event_fn)(void *arg, const char *event, const char *data);

struct sse {
    struct buf line;  /* the line being received */
    struct buf event; /* the event name so far */
    struct buf data;  /* the data so far */
    bool has_data;
    bool after_cr; /* the last byte was CR: a following LF belongs to it */
    sse_event_fn on_event;
    void *arg;
};

void sse_init(struct sse *p, sse_event_fn on_event, void *arg);
void sse_free(struct sse *p);
/* Feeds bytes; returns CTL_OK or the first non-OK code of on_event. */
int sse_feed(struct sse *p, const char *bytes, size_t len);

#endif
