/* Server-sent events parser. */
#include "sse.h"

#include <string.h>

#include "ctl.h"

void sse_init(struct sse *p, sse_event_fn on_event, void *arg)
{
    buf_init(&p->line);
    buf_init(&p->event);
    buf_init(&p->data);
    p->has_data = false;
    p->after_cr = false;
    p->on_event = on_event;
    p->arg = arg;
}

void sse_free(struct sse *p)
{
    buf_free(&p->line);
    buf_free(&p->event);
    buf_free(&p->data);
}

static int dispatch(struct sse *p)
{
    int code = CTL_OK;
    if (p->has_data)
        code =
            p->on_event(p->arg, p->event.len ? buf_str(&p->event) : "message", buf_str(&p->data));
    buf_reset(&p->event);
    buf_reset(&p->data);
    p->has_data = false;
    return code;
}

static int line_done(struct sse *p)
{
    const char *line = buf_str(&p->line);
    size_t len = p->line.len;
    int code = CTL_OK;
    if (len == 0) {
        code = dispatch(p);
    } else if (line[0] != ':') {
        const char *colon = memchr(line, ':', len);
        size_t name_len = colon ? (size_t)(colon - line) : len;
        const char *value = colon ? colon + 1 : line + len;
        if (*value == ' ')
            value++;
        size_t value_len = (size_t)(line + len - value);
        if (name_len == 5 && memcmp(line, "event", 5) == 0) {
            buf_reset(&p->event);
            buf_add(&p->event, value, value_len);
        } else if (name_len == 4 && memcmp(line, "data", 4) == 0) {
            if (p->has_data)
                buf_putc(&p->data, '\n');
            buf_add(&p->data, value, value_len);
            p->has_data = true;
        }
        /* id and retry: nothing to do for a command line that does not reconnect */
    }
    buf_reset(&p->line);
    return code;
}

int sse_feed(struct sse *p, const char *bytes, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (p->after_cr) {
            p->after_cr = false;
            if (bytes[i] == '\n') {
                i++;
                continue;
            }
        }
        size_t run = i;
        while (run < len && bytes[run] != '\r' && bytes[run] != '\n')
            run++;
        buf_add(&p->line, bytes + i, run - i);
        if (run == len)
            break;
        p->after_cr = bytes[run] == '\r';
        i = run + 1;
        int code = line_done(p);
        if (code != CTL_OK)
            return code;
    }
    return CTL_OK;
}
