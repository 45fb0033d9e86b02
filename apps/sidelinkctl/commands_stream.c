/* Commands that follow the server's event stream (/api/event, server-sent
 * events) until Ctrl-C: observe and events. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "commands.h"
#include "output.h"
#include "sse.h"
#include "value.h"

static const struct cmd_help OBSERVE_HELP = {
    "observe", "observe EP PATH [--format F]",
    "Observes PATH of the registered client EP: starts the observation, then\n"
    "prints each notification for EP and PATH as it arrives, until Ctrl-C\n"
    "(SIGINT) or SIGTERM, which cancels the observation and exits 0.\n\n"
    "  --format F   the content format the server asks the device for\n\n"
    "Each value prints as a line \"TIME PATH VALUE\" (TIME local, with\n"
    "milliseconds, when it arrived; an instance prints one line a resource),\n"
    "starting with the value the observe answer carries. With --json: the\n"
    "observe answer, then each NOTIFICATION event's data, one JSON a line.\n"
    "REST: opens GET /api/event?ep=EP, then POST /api/clients/EP/PATH/observe\n"
    "      [?format=F][&timeout=S]; at the end DELETE /api/clients/EP/PATH/observe\n"};

static const struct cmd_help EVENTS_HELP = {
    "events", "events [--ep EP]",
    "Prints the server's events as they come, until Ctrl-C (exit 0):\n"
    "REGISTRATION, UPDATED, DEREGISTRATION (TIME EVENT EP ADDRESS) and\n"
    "NOTIFICATION (TIME NOTIFICATION EP PATH VALUE, a line per resource).\n"
    "With --json: one {\"event\":NAME,\"data\":DATA} a line.\n\n"
    "  --ep EP      only the events of the client EP\n"
    "REST: GET /api/event[?ep=EP] (text/event-stream)\n"};

/* The read end of the self-pipe a signal handler writes to: a handler can
 * reach nothing but a global, so this is the program's one. */
static int stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t r = write(stop_pipe[1], "x", 1);
    (void)r;
    errno = saved;
}

/* Sets the handler of SIGINT and SIGTERM. */
static void stop_signals(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Makes SIGINT and SIGTERM write to the stop pipe; returns its read end, or -1. */
static int stop_begin(void)
{
    if (pipe(stop_pipe) != 0) {
        perror("sidelinkctl: pipe");
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(stop_pipe[i], F_SETFL, O_NONBLOCK);
    }
    stop_signals(on_stop_signal);
    return stop_pipe[0];
}

static void stop_end(void)
{
    stop_signals(SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (stop_pipe[i] >= 0)
            close(stop_pipe[i]);
        stop_pipe[i] = -1;
    }
}

/* Follows the event stream at target with handler until a stop signal:
 * CTL_OK. The server closing the stream or refusing it is an error, printed.
 * *ran says whether the stream was open to its end (stopped or closed). */
static int follow_stream(const struct ctl *ctl, const char *target,
                         const struct http_stream_handler *handler, bool *ran)
{
    struct http_resp resp;
    enum http_stream_end end = HTTP_STREAM_CLOSED;
    http_resp_init(&resp);
    int code = CTL_FAIL;
    int stop_fd = stop_begin();
    if (stop_fd >= 0) {
        code = http_stream(ctl, target, stop_fd, handler, &resp, &end);
        stop_end();
    }
    *ran = code == CTL_OK && end != HTTP_STREAM_REFUSED;
    if (code == CTL_OK && end == HTTP_STREAM_CLOSED) {
        fputs("error: the server closed the event stream\n", stderr);
        code = CTL_FAIL;
    } else if (code == CTL_OK && end == HTTP_STREAM_REFUSED) {
        code = api_status(ctl, &resp);
        if (code == CTL_OK) { /* a 2xx that is not 200 is no stream either */
            fprintf(stderr, "error: the server answered HTTP %ld to the event stream\n",
                    resp.status);
            code = CTL_FAIL;
        }
    }
    http_resp_free(&resp);
    return code;
}

/* The endpoint an event is about: "ep", "endpoint", or its registration's. */
static const char *event_endpoint(const json_t *data)
{
    const char *ep = json_string_value(json_object_get(data, "ep"));
    if (ep == NULL)
        ep = json_string_value(json_object_get(data, "endpoint"));
    if (ep == NULL)
        ep = json_string_value(json_object_get(json_object_get(data, "registration"), "endpoint"));
    return ep;
}

/* Calls leaf() for each value of a NOTIFICATION's data: a node at "res"
 * in "val", or a composite "val" that maps paths to nodes. */
static void notification_leaves(const json_t *data, out_leaf_fn leaf, void *arg)
{
    const char *res = json_string_value(json_object_get(data, "res"));
    const json_t *val = json_object_get(data, "val");
    if (val == NULL)
        val = json_object_get(data, "value");
    const char *kind = json_string_value(json_object_get(data, "kind"));
    if ((kind != NULL && strcmp(kind, "composite") == 0) ||
        (res == NULL && json_is_object(val) && json_object_get(val, "kind") == NULL)) {
        const char *path;
        const json_t *node;
        json_object_foreach((json_t *)val, path, node)
            out_node_leaves(node, path, leaf, arg);
        return;
    }
    out_node_leaves(val, res ? res : "?", leaf, arg);
}

/* A printed line's prefix ("TIME" or "TIME NOTIFICATION EP"). */
struct line_prefix {
    const char *text;
};

static void print_leaf(void *arg, const char *path, const char *type, const json_t *value)
{
    const struct line_prefix *p = arg;
    struct buf v;
    (void)type;
    buf_init(&v);
    out_value_text(value, &v);
    printf("%s %s %s\n", p->text, path, buf_str(&v));
    buf_free(&v);
}

/* ---- observe ------------------------------------------------------------ */

struct observe {
    const struct ctl *ctl;
    const char *ep;
    const char *path;   /* normalised */
    const char *target; /* .../observe with the query */
    struct sse sse;
    bool started;
};

static int observe_open(void *arg)
{
    struct observe *o = arg;
    json_t *answer;
    int code = api_device(o->ctl, "POST", o->target, NULL, NULL, &answer);
    if (code != CTL_OK)
        return code;
    o->started = true;
    const json_t *content = json_object_get(answer, "content");
    if (!o->ctl->json && content != NULL) {
        char now[64];
        out_time_now(now, sizeof now);
        struct line_prefix prefix = {now};
        out_node_leaves(content, o->path, print_leaf, &prefix);
    }
    fflush(stdout);
    json_decref(answer);
    return CTL_OK;
}

static int observe_event(void *arg, const char *event, const char *data)
{
    struct observe *o = arg;
    if (strcmp(event, "NOTIFICATION") != 0)
        return CTL_OK;
    json_t *j = json_loads(data, JSON_DECODE_ANY, NULL);
    const char *ep = event_endpoint(j);
    const char *res = json_string_value(json_object_get(j, "res"));
    struct buf norm;
    buf_init(&norm);
    if (ep != NULL && res != NULL && strcmp(ep, o->ep) == 0 && args_path(res, &norm) > 0 &&
        strcmp(buf_str(&norm), o->path) == 0) {
        if (o->ctl->json) {
            printf("%s\n", data);
        } else {
            char now[64];
            out_time_now(now, sizeof now);
            struct line_prefix prefix = {now};
            notification_leaves(j, print_leaf, &prefix);
        }
        fflush(stdout);
    }
    buf_free(&norm);
    json_decref(j);
    return CTL_OK;
}

static int observe_data(void *arg, const char *data, size_t len)
{
    struct observe *o = arg;
    return sse_feed(&o->sse, data, len);
}

/* DELETE .../observe; its body is of no interest. */
static int observe_cancel(const struct ctl *ctl, const char *ep, const char *path)
{
    struct buf target;
    struct http_resp resp;
    buf_init(&target);
    http_resp_init(&resp);
    api_client_target(&target, ep, path, "/observe");
    int code = api_call(ctl, "DELETE", buf_str(&target), NULL, NULL, &resp, NULL);
    http_resp_free(&resp);
    buf_free(&target);
    return code;
}

/* The path of the event stream: /api/event[?ep=EP] */
static void event_target(struct buf *t, const char *ep)
{
    buf_puts(t, "/api/event");
    if (ep != NULL)
        api_query(t, "ep", ep);
}

int cmd_observe(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL;
    const struct opt opts[] = {{"format", &format, NULL}, {NULL, NULL, NULL}};
    struct device_words d;
    int code;
    if (!device_words(&d, &OBSERVE_HELP, argc, argv, opts, 2, 2, 1, 4, &format, &code))
        return code;
    device_target(ctl, &d, "/observe", format);
    struct buf events;
    buf_init(&events);
    event_target(&events, d.pos[0]);

    struct observe o = {
        .ctl = ctl, .ep = d.pos[0], .path = buf_str(&d.path), .target = buf_str(&d.target)};
    sse_init(&o.sse, observe_event, &o);
    const struct http_stream_handler handler = {observe_open, observe_data, &o};
    bool ran;
    code = follow_stream(ctl, buf_str(&events), &handler, &ran);
    if (ran && o.started) { /* stopped: the cancel's code; closed: an error anyway */
        int cancelled = observe_cancel(ctl, o.ep, o.path);
        if (code == CTL_OK)
            code = cancelled;
    }
    sse_free(&o.sse);
    buf_free(&events);
    device_words_free(&d);
    return code;
}

/* ---- events ------------------------------------------------------------- */

struct events {
    const struct ctl *ctl;
    struct sse sse;
};

static void address_of(const json_t *reg, struct buf *out)
{
    const json_t *addr = json_object_get(reg, "address");
    const json_t *port = json_object_get(reg, "port");
    if (json_is_string(addr)) {
        buf_puts(out, json_string_value(addr));
        if (json_is_integer(port) && strchr(json_string_value(addr), ':') == NULL)
            buf_printf(out, ":%" JSON_INTEGER_FORMAT, json_integer_value(port));
    }
}

static int events_event(void *arg, const char *event, const char *data)
{
    struct events *e = arg;
    json_t *j = json_loads(data, JSON_DECODE_ANY, NULL);
    if (e->ctl->json) {
        /* data that is not JSON goes as a string */
        json_t *d = j != NULL ? json_incref(j) : json_string(data);
        json_t *line = json_pack("{s:s,s:o}", "event", event, "data", d);
        char *text = line ? value_dump(line) : NULL;
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(line);
    } else {
        char now[64];
        struct buf line;
        buf_init(&line);
        out_time_now(now, sizeof now);
        const char *ep = event_endpoint(j);
        buf_printf(&line, "%s %s %s", now, event, ep ? ep : "-");
        if (strcmp(event, "NOTIFICATION") == 0 && j != NULL) {
            struct line_prefix prefix = {buf_str(&line)};
            notification_leaves(j, print_leaf, &prefix);
        } else {
            const json_t *reg = json_object_get(j, "registration");
            struct buf addr;
            buf_init(&addr);
            address_of(reg ? reg : j, &addr);
            if (addr.len > 0)
                printf("%s %s\n", buf_str(&line), buf_str(&addr));
            else if (ep == NULL)
                printf("%s %s\n", buf_str(&line), data);
            else
                printf("%s\n", buf_str(&line));
            buf_free(&addr);
        }
        buf_free(&line);
    }
    fflush(stdout);
    json_decref(j);
    return CTL_OK;
}

static int events_data(void *arg, const char *data, size_t len)
{
    struct events *e = arg;
    return sse_feed(&e->sse, data, len);
}

int cmd_events(const struct ctl *ctl, int argc, char **argv)
{
    const char *ep = NULL;
    const struct opt opts[] = {{"ep", &ep, NULL}, {NULL, NULL, NULL}};
    int n = cmd_options(&EVENTS_HELP, argc, argv, opts);
    if (n < 0)
        return cmd_args_exit(n);
    struct buf target;
    buf_init(&target);
    event_target(&target, ep);
    struct events e = {.ctl = ctl};
    sse_init(&e.sse, events_event, &e);
    const struct http_stream_handler handler = {NULL, events_data, &e};
    bool ran;
    int code = follow_stream(ctl, buf_str(&target), &handler, &ran);
    sse_free(&e.sse);
    buf_free(&target);
    return code;
}
