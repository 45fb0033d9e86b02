/* Command-line words: per-command options, LwM2M paths, hex strings, numbers,
 * and the one way a usage error is reported. */
#ifndef SIDELINKCTL_ARGS_H
#define SIDELINKCTL_ARGS_H

#include <stdbool.h>

#include "buf.h"

/* One long option of a command. Exactly one of value and flag is set. */
struct opt {
    const char *name;   /* without the leading "--", e.g. "format" */
    const char **value; /* takes an argument ("--name V" or "--name=V"), stored here */
    bool *flag;         /* a flag, set to true when present */
};

enum { ARGS_HELP = -1, ARGS_ERROR = -2 };

/* Parses the words of command `cmd`. Options ("--name", "--name=value") may
 * come anywhere among the positionals; "--" ends the options; "-h" and
 * "--help" ask for help. A word that starts with one dash and a digit or a dot
 * (a negative number) or is "-" alone is a positional. `opts` ends with an
 * entry whose name is NULL; `pos` must have room for argc entries.
 * Returns the number of positionals, ARGS_HELP, or ARGS_ERROR after printing a
 * usage error. */
int args_parse(const char *cmd, int argc, char **argv, const struct opt *opts, char **pos);

/* Prints "sidelinkctl CMD: MESSAGE" and a hint to stderr; returns CTL_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks an LwM2M path (/OBJ[/INST[/RES[/RIID]]], ids 0..65535, the leading
 * slash optional) and appends its normal form ("/3/0/1") to out.
 * Returns the number of levels (1..4), or 0 if it is not a path. */
int args_path(const char *in, struct buf *out);

/* True if s is an even number of hex digits (the empty string included). */
bool args_is_hex(const char *s);

/* Strict decimal integer in [min, max]. */
bool args_long(const char *s, long min, long max, long *out);

#endif
