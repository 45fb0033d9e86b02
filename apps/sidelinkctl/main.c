/* sidelinkctl: global options, then one command (commands.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "commands.h"
#include "ctl.h"
#include "http.h"

static const struct {
    const char *name;
    ctl_command_fn run;
} commands[] = {
    {"clients", cmd_clients},
    {"client", cmd_client},
    {"read", cmd_read},
    {"write", cmd_write},
    {"exec", cmd_exec},
    {"create", cmd_create},
    {"delete", cmd_delete},
    {"discover", cmd_discover},
    {"attributes", cmd_attributes},
    {"observe", cmd_observe},
    {"events", cmd_events},
    {"composite-read", cmd_composite_read},
    {"composite-write", cmd_composite_write},
    {"bindings", cmd_bindings},
    {"security", cmd_security},
};

static void print_usage(FILE *f)
{
    fputs("Usage: sidelinkctl [--server URL] [--token T] [--json] [--timeout S] COMMAND ...\n"
          "       sidelinkctl [--json] [--timeout S] client --control SOCKET COMMAND ...\n"
          "\n"
          "The command line of Sidelink: device management through sidelink-server's\n"
          "REST API, and a sidelink-client daemon's control socket.\n"
          "\n"
          "Global options (before the command):\n"
          "  --server URL   the server's REST API (default $SIDELINK_SERVER, else\n"
          "                 " CTL_DEFAULT_SERVER ")\n"
          "  --token T      send \"Authorization: Bearer T\" (default $SIDELINK_TOKEN)\n"
          "  --json         print the server's JSON as it came instead of tables and values\n"
          "  --timeout S    how long the server waits for the device, in seconds\n"
          "                 (?timeout=S); sidelinkctl itself gives up S + 10 s later\n"
          "                 (default: the server's timeout, and 120 s)\n"
          "  -h, --help     this help; COMMAND --help: the command's\n"
          "  --version      the version\n"
          "\n"
          "Commands:\n"
          "  clients                              list the registered clients\n"
          "  client EP                            one client's registration\n"
          "  read EP PATH [--format F]            read an object, instance or resource\n"
          "  write EP PATH VALUE [--type T] [--format F] [--partial]\n"
          "                                       write a resource value or an instance node\n"
          "  exec EP PATH [ARGS...]               execute a resource\n"
          "  create EP OBJPATH [JSON-NODE]        create an object instance\n"
          "  delete EP PATH                       delete an object instance\n"
          "  discover EP PATH                     list resources and attributes\n"
          "  attributes EP PATH NAME=VALUE...     write pmin, pmax, gt, lt, st, ... attributes\n"
          "  observe EP PATH [--format F]         observe and print notifications until Ctrl-C\n"
          "  events [--ep EP]                     print the server's events until Ctrl-C\n"
          "  composite-read EP PATH...            read several paths at once\n"
          "  composite-write EP JSON              write several resources at once\n"
          "  bindings list | add SOURCE TARGET [--via server|c2c] | delete ID\n"
          "                                       server-side bindings (EP:/OBJ/INST/RES)\n"
          "  security list | set EP ... | delete EP\n"
          "                                       the clients' PSK or OSCORE credentials\n"
          "  client --control SOCKET COMMAND ...  a client daemon's control socket: status,\n"
          "                                       objects, read, write, exec, press, c2c ...\n"
          "\n"
          "EP is a client's endpoint name; PATH is /OBJ[/INST[/RES[/RIID]]], e.g. /3/0/0.\n"
          "\n"
          "Exit codes:\n"
          "  0  success\n"
          "  1  the device refused (its status is printed, e.g. NOT_FOUND(404)),\n"
          "     the client daemon answered ok:false, or another runtime failure\n"
          "  2  bad usage\n"
          "  3  the server (or the control socket) cannot be reached, or the server\n"
          "     did not answer within --timeout S + 10 s (default 120 s)\n"
          "  4  the server answered with an HTTP error (e.g. 404 unknown endpoint,\n"
          "     400 bad input, 409 conflict, 401 bad token); \"error: MESSAGE\" is printed\n"
          "  5  the device did not answer in time (HTTP 504), or the client daemon\n"
          "     did not answer in time\n"
          "\n"
          "See docs/sidelinkctl.md for every command with examples.\n",
          f);
}

/* The value of a global option "--name V" or "--name=V" at argv[*i]; NULL if
 * argv[*i] is not that option. Sets *missing when the value is absent. */
static const char *global_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *w = argv[*i];
    if (strncmp(w, name, n) != 0)
        return NULL;
    if (w[n] == '=')
        return w + n + 1;
    if (w[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* parse_globals: --help or --version was printed, nothing else to do. */
#define GLOBALS_DONE (-1000)

/* Parses the global options; returns the index of the command word,
 * GLOBALS_DONE, or a usage error's exit code negated. */
static int parse_globals(int argc, char **argv, struct ctl *ctl, const char **server)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *w = argv[i];
        const char *v;
        bool missing = false;
        if (strcmp(w, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            print_usage(stdout);
            return GLOBALS_DONE;
        }
        if (strcmp(w, "--version") == 0) {
            printf("sidelinkctl 0.1.0\n");
            return GLOBALS_DONE;
        }
        if (strcmp(w, "--json") == 0) {
            ctl->json = true;
            continue;
        }
        if ((v = global_value(argc, argv, &i, "--server", &missing)) != NULL) {
            *server = v;
            continue;
        }
        if ((v = global_value(argc, argv, &i, "--token", &missing)) != NULL) {
            ctl->token = v;
            continue;
        }
        if ((v = global_value(argc, argv, &i, "--timeout", &missing)) != NULL) {
            if (!args_long(v, 1, 86400, &ctl->timeout_s))
                return -usage_error(NULL, "--timeout takes whole seconds, 1 to 86400, not '%s'", v);
            continue;
        }
        if (missing)
            return -usage_error(NULL, "option '%s' needs a value", w);
        return -usage_error(NULL,
                            "unknown global option '%s' (global options go before the command)", w);
    }
    return i;
}

int main(int argc, char **argv)
{
    struct ctl ctl = {.server = NULL, .token = NULL, .json = false, .timeout_s = 0};
    const char *server = getenv("SIDELINK_SERVER");
    const char *token = getenv("SIDELINK_TOKEN");
    if (server == NULL || server[0] == '\0')
        server = CTL_DEFAULT_SERVER;
    if (token != NULL && token[0] != '\0')
        ctl.token = token;

    int cmd = parse_globals(argc, argv, &ctl, &server);
    if (cmd == GLOBALS_DONE)
        return CTL_OK;
    if (cmd < 0)
        return -cmd;
    if (cmd >= argc) {
        print_usage(stderr);
        return CTL_USAGE;
    }
    /* client --control talks to a socket: the server settings do not matter. */
    bool control = strcmp(argv[cmd], "client") == 0 && cmd + 1 < argc &&
                   strncmp(argv[cmd + 1], "--control", 9) == 0;
    if (!control && ctl.token != NULL &&
        (ctl.token[0] == '\0' || strpbrk(ctl.token, "\r\n") != NULL))
        return usage_error(NULL, "the token is empty or has a line break");
    if (!control && strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0)
        return usage_error(NULL, "--server takes an http:// or https:// URL, not '%s'", server);

    /* The base URL without trailing slashes: targets start with "/api/". */
    char *base = xstrdup(server);
    for (size_t n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';
    ctl.server = base;

    const char *name = argv[cmd];
    int code = -1;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(name, commands[k].name) != 0)
            continue;
        if (http_init() != CTL_OK) {
            code = CTL_FAIL;
            break;
        }
        code = commands[k].run(&ctl, argc - cmd - 1, argv + cmd + 1);
        http_cleanup();
        break;
    }
    if (code < 0)
        code = usage_error(NULL, "unknown command '%s'", name);
    free(base);
    fflush(stdout);
    return code;
}
