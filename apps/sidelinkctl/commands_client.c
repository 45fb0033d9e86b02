/* client --control SOCKET COMMAND ...: one request to a sidelink-client
 * daemon's control socket. The protocol: a Unix stream socket; the request is
 * one UTF-8 line (at most 4096 bytes with its "\n"), the command words joined
 * by single spaces, a value with spaces sent as it is after the path; the
 * answer is one line of JSON, {"ok":true, ...} or {"ok":false,"error":"text"}. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "commands.h"
#include "output.h"
#include "value.h"

#define CONTROL_LINE_MAX       4096          /* request line, "\n" included */
#define CONTROL_ANSWER_MAX     (1024 * 1024) /* answer line */
#define CONTROL_DEFAULT_WAIT_S 60L           /* a C2C operation may take a handshake */

static const struct cmd_help CONTROL_HELP = {
    "client --control", "client --control SOCKET COMMAND [ARGS...]",
    "Sends one command to the control socket SOCKET of a sidelink-client\n"
    "daemon (its --control path) and prints the answer. No server involved.\n\n"
    "  status                   registration state\n"
    "  objects                  the objects and instances the client holds\n"
    "  read PATH                a local resource's value\n"
    "  write PATH VALUE...      writes a local resource (the rest of the words\n"
    "                           form the value: write /3311/0/5706 warm white)\n"
    "  exec PATH [ARGS...]      executes a local resource\n"
    "  press [INSTANCE]         presses the simulated push button (3347)\n"
    "  c2c ... and any other command go to the daemon as they are\n\n"
    "Prints the answer's \"value\" if it has one, else its other members as\n"
    "NAME VALUE lines; with --json, the answer line as it came. An answer\n"
    "{\"ok\":false,\"error\":TEXT} prints \"error: TEXT\" and exits 1; an\n"
    "unreachable socket exits 3, no answer within --timeout S + 10 s (default\n"
    "60 s) exits 5.\n"
    "Wire: the words joined by single spaces and \"\\n\" (at most 4096 bytes);\n"
    "one JSON line back.\n"};

/* Checks the words of the known commands; others pass as they are. */
static int check_command(int argc, char **argv, struct buf *normal_path)
{
    const char *cmd = argv[0];
    int nargs = argc - 1;
    struct {
        const char *name;
        int min, max; /* max < 0: no limit */
        bool path;    /* argv[1] is an LwM2M path */
    } const known[] = {
        {"status", 0, 0, false}, {"objects", 0, 0, false}, {"read", 1, 1, true},
        {"write", 2, -1, true},  {"exec", 1, -1, true},    {"press", 0, 1, false},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(cmd, known[i].name) != 0)
            continue;
        if (nargs < known[i].min || (known[i].max >= 0 && nargs > known[i].max))
            return usage_error("client --control", "'%s' takes %s", cmd,
                               strcmp(cmd, "read") == 0    ? "PATH"
                               : strcmp(cmd, "write") == 0 ? "PATH VALUE"
                               : strcmp(cmd, "exec") == 0  ? "PATH [ARGS...]"
                               : strcmp(cmd, "press") == 0 ? "[INSTANCE]"
                                                           : "no arguments");
        if (known[i].path && args_path(argv[1], normal_path) == 0)
            return usage_error("client --control", "'%s' is not an LwM2M path", argv[1]);
        long inst;
        if (strcmp(cmd, "press") == 0 && nargs == 1 && !args_long(argv[1], 0, 65535, &inst))
            return usage_error("client --control", "'%s' is not an instance id (0..65535)",
                               argv[1]);
        return CTL_OK;
    }
    return CTL_OK;
}

/* The request line: words joined by single spaces, a known command's path
 * in normal form, then "\n". */
static int build_line(int argc, char **argv, const char *normal_path, struct buf *line)
{
    for (int i = 0; i < argc; i++) {
        const char *w = (i == 1 && normal_path[0] != '\0') ? normal_path : argv[i];
        if (strpbrk(w, "\r\n") != NULL)
            return usage_error("client --control", "a word may not contain a line break");
        if (i > 0)
            buf_putc(line, ' ');
        buf_puts(line, w);
    }
    buf_putc(line, '\n');
    if (line->len > CONTROL_LINE_MAX)
        return usage_error("client --control", "the request is %zu bytes, more than %d", line->len,
                           CONTROL_LINE_MAX);
    return CTL_OK;
}

static int connect_socket(const char *path)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        usage_error("client --control", "socket path longer than %zu bytes",
                    sizeof addr.sun_path - 1);
        return -CTL_USAGE;
    }
    memcpy(addr.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "sidelinkctl: socket: %s\n", strerror(errno));
        return -CTL_FAIL;
    }
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "error: cannot reach the client's control socket %s: %s\n", path,
                strerror(errno));
        close(fd);
        return -CTL_UNREACHABLE;
    }
    return fd;
}

static long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends the line and reads the answer line (without its "\n"). */
static int exchange(int fd, const char *socket_path, const struct buf *line, long wait_s,
                    struct buf *answer)
{
    size_t sent = 0;
    while (sent < line->len) {
        ssize_t n = send(fd, line->data + sent, line->len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "error: sending to %s: %s\n", socket_path, strerror(errno));
            return CTL_UNREACHABLE;
        }
        sent += (size_t)n;
    }
    long deadline = monotonic_ms() + wait_s * 1000;
    for (;;) {
        char *nl = answer->len ? memchr(answer->data, '\n', answer->len) : NULL;
        if (nl != NULL) {
            answer->len = (size_t)(nl - answer->data);
            answer->data[answer->len] = '\0';
            return CTL_OK;
        }
        if (answer->len > CONTROL_ANSWER_MAX) {
            fprintf(stderr, "error: the answer from %s is longer than %d bytes\n", socket_path,
                    CONTROL_ANSWER_MAX);
            return CTL_FAIL;
        }
        long left = deadline - monotonic_ms();
        if (left <= 0) {
            fprintf(stderr, "error: no answer from %s within %ld s\n", socket_path, wait_s);
            return CTL_TIMEOUT;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "sidelinkctl: poll: %s\n", strerror(errno));
            return CTL_FAIL;
        }
        if (r <= 0)
            continue;
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "error: reading from %s: %s\n", socket_path, strerror(errno));
            return CTL_UNREACHABLE;
        }
        if (n == 0) {
            if (answer->len > 0) /* a last line without "\n" */
                return CTL_OK;
            fprintf(stderr, "error: %s closed the connection without an answer\n", socket_path);
            return CTL_FAIL;
        }
        buf_add(answer, chunk, (size_t)n);
    }
}

/* {"ok":true,...} in human form: "value" alone, else NAME VALUE lines. */
static void print_answer(const json_t *answer)
{
    const json_t *value = json_object_get(answer, "value");
    struct buf text;
    buf_init(&text);
    if (value != NULL) {
        out_value_text(value, &text);
        printf("%s\n", buf_str(&text));
        buf_free(&text);
        return;
    }
    struct table t;
    const char *key;
    const json_t *v;
    table_init(&t, 2, NULL);
    json_object_foreach((json_t *)answer, key, v) {
        if (strcmp(key, "ok") == 0)
            continue;
        buf_reset(&text);
        out_value_text(v, &text);
        const char *row[2] = {key, buf_str(&text)};
        table_add(&t, row);
    }
    table_print(&t, stdout);
    table_free(&t);
    buf_free(&text);
}

int cmd_control(const struct ctl *ctl, int argc, char **argv)
{
    const char *socket_path;
    int first; /* the first command word */
    if (strncmp(argv[0], "--control=", 10) == 0) {
        socket_path = argv[0] + 10;
        first = 1;
    } else if (argc > 1) {
        socket_path = argv[1];
        first = 2;
    } else {
        return usage_error("client --control", "--control needs the socket path");
    }
    if (first < argc && (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0)) {
        cmd_print_help(&CONTROL_HELP);
        return CTL_OK;
    }
    if (socket_path[0] == '\0')
        return usage_error("client --control", "the socket path is empty");
    if (first >= argc)
        return usage_error("client --control",
                           "missing COMMAND (status, objects, read, write, exec, press, ...)");
    if (strncmp(argv[first], "--", 2) == 0)
        return usage_error("client --control", "unknown option '%s'", argv[first]);

    struct buf path, line, answer_text;
    buf_init(&path);
    buf_init(&line);
    buf_init(&answer_text);
    json_t *answer = NULL;
    int code = check_command(argc - first, argv + first, &path);
    if (code == CTL_OK)
        code = build_line(argc - first, argv + first, buf_str(&path), &line);
    if (code != CTL_OK)
        goto out;
    int fd = connect_socket(socket_path);
    if (fd < 0) {
        code = -fd;
        goto out;
    }
    long wait_s = ctl->timeout_s > 0 ? ctl->timeout_s + 10 : CONTROL_DEFAULT_WAIT_S;
    code = exchange(fd, socket_path, &line, wait_s, &answer_text);
    close(fd);
    if (code != CTL_OK)
        goto out;
    json_error_t err;
    answer = json_loads(buf_str(&answer_text), 0, &err);
    if (!json_is_object(answer)) {
        fprintf(stderr, "error: the client's answer is not a JSON object: %s\n",
                buf_str(&answer_text));
        code = CTL_FAIL;
        goto out;
    }
    if (ctl->json)
        printf("%s\n", buf_str(&answer_text));
    if (!json_is_true(json_object_get(answer, "ok"))) {
        const char *error = json_string_value(json_object_get(answer, "error"));
        fprintf(stderr, "error: %s\n", error ? error : "the client refused");
        code = CTL_FAIL;
    } else if (!ctl->json) {
        print_answer(answer);
    }
out:
    fflush(stdout);
    json_decref(answer);
    buf_free(&path);
    buf_free(&line);
    buf_free(&answer_text);
    return code;
}
