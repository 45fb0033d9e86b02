/* The commands of sidelinkctl and what they share: help texts and the parsing
 * of their words. Each command gets the words after its name and returns an
 * exit code (ctl.h). */
#ifndef SIDELINKCTL_COMMANDS_H
#define SIDELINKCTL_COMMANDS_H

#include "args.h"
#include "ctl.h"

/* A command's help: "Usage: sidelinkctl [GLOBAL OPTIONS] SYNOPSIS", then TEXT. */
struct cmd_help {
    const char *name;
    const char *synopsis;
    const char *text;
};

void cmd_print_help(const struct cmd_help *h);

/* Parses a command's words (args_parse) and checks the number of
 * positionals is within [min, max] (max < 0: no limit). Returns that number
 * with *pos allocated (free it), or ARGS_HELP after printing the help, or
 * ARGS_ERROR after a usage error (nothing to free either way). */
int cmd_args(const struct cmd_help *h, int argc, char **argv, const struct opt *opts, int min,
             int max, char ***pos);

/* The exit code for a cmd_args result that is not a count. */
int cmd_args_exit(int result);

/* Checks a --format name (letters, digits, '_'); prints a usage error. */
bool cmd_format_ok(const struct cmd_help *h, const char *format);

/* cmd_args for a command that takes options and no positionals: returns 0,
 * or ARGS_HELP / ARGS_ERROR as cmd_args does. */
int cmd_options(const struct cmd_help *h, int argc, char **argv, const struct opt *opts);

/* Normalises an LwM2M path word, appending it to out; prints a usage error
 * when it is not a path or its depth is outside [min, max]. Returns the
 * depth, or 0. */
int cmd_device_path(const struct cmd_help *h, const char *word, int min, int max, struct buf *out);

/* The words of a command on one path of a registered device: EP PATH ... */
struct device_words {
    char **pos;        /* the positionals: pos[0] is EP, pos[1] PATH */
    int n;             /* how many */
    int depth;         /* PATH's */
    struct buf path;   /* PATH normalised */
    struct buf target; /* for the request (device_target) */
};

/* cmd_args with [min, max] positionals, then PATH checked to be of a depth
 * in [dmin, dmax] and *format (format may be NULL) checked. Returns true
 * with d filled (device_words_free it), else false with *code the exit
 * code, the help or a usage error printed and nothing to free. */
bool device_words(struct device_words *d, const struct cmd_help *h, int argc, char **argv,
                  const struct opt *opts, int min, int max, int dmin, int dmax,
                  const char *const *format, int *code);

/* d->target becomes /api/clients/EP/PATH[SUFFIX] with the device's query
 * (format, timeout). */
void device_target(const struct ctl *ctl, struct device_words *d, const char *suffix,
                   const char *format);

void device_words_free(struct device_words *d);

/* commands_server.c: registrations, bindings, credentials */
int cmd_clients(const struct ctl *ctl, int argc, char **argv);
int cmd_client(const struct ctl *ctl, int argc, char **argv);
int cmd_bindings(const struct ctl *ctl, int argc, char **argv);
int cmd_security(const struct ctl *ctl, int argc, char **argv);

/* commands_device.c: operations on a registered device */
int cmd_read(const struct ctl *ctl, int argc, char **argv);
int cmd_write(const struct ctl *ctl, int argc, char **argv);
int cmd_exec(const struct ctl *ctl, int argc, char **argv);
int cmd_create(const struct ctl *ctl, int argc, char **argv);
int cmd_delete(const struct ctl *ctl, int argc, char **argv);
int cmd_discover(const struct ctl *ctl, int argc, char **argv);
int cmd_attributes(const struct ctl *ctl, int argc, char **argv);
int cmd_composite_read(const struct ctl *ctl, int argc, char **argv);
int cmd_composite_write(const struct ctl *ctl, int argc, char **argv);

/* commands_stream.c: server-sent events */
int cmd_observe(const struct ctl *ctl, int argc, char **argv);
int cmd_events(const struct ctl *ctl, int argc, char **argv);

/* commands_client.c: a client daemon's control socket (client --control PATH ...) */
int cmd_control(const struct ctl *ctl, int argc, char **argv);

#endif
