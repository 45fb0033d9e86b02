/* sidelinkctl: what every command shares: the global options and the exit
 * codes (DESIGN 5; docs/sidelinkctl.md lists them for users). */
#ifndef SIDELINKCTL_CTL_H
#define SIDELINKCTL_CTL_H

#include <stdbool.h>

/* The program's exit codes. */
enum ctl_exit {
    CTL_OK = 0,          /* success */
    CTL_FAIL = 1,        /* the device refused (success:false), or a runtime failure */
    CTL_USAGE = 2,       /* bad usage */
    CTL_UNREACHABLE = 3, /* the server (or control socket) cannot be reached or does not answer */
    CTL_HTTP = 4,        /* HTTP-level error from the server (404 unknown endpoint, 400, 409...) */
    CTL_TIMEOUT = 5      /* the device did not answer in time (HTTP 504) */
};

#define CTL_DEFAULT_SERVER "http://127.0.0.1:8080"

/* Global options, parsed before the command. */
struct ctl {
    const char *server; /* base URL, no trailing slash */
    const char *token;  /* bearer token, or NULL */
    bool json;          /* print the server's JSON instead of human output */
    long timeout_s;     /* --timeout: 0 = not given */
};

/* One command: runs with the words after its name (argv[0] is the first of
 * them) and returns an exit code. */
typedef int (*ctl_command_fn)(const struct ctl *ctl, int argc, char **argv);

#endif
