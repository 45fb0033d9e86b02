/* Command-line words: options, paths, hex, numbers. */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sidelinkctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sidelinkctl %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return CTL_USAGE;
}

static const struct opt *find_opt(const struct opt *opts, const char *name, size_t len)
{
    for (const struct opt *o = opts; o != NULL && o->name != NULL; o++) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    }
    return NULL;
}

static bool is_positional(const char *w)
{
    if (w[0] != '-' || w[1] == '\0')
        return true;
    return (w[1] >= '0' && w[1] <= '9') || w[1] == '.';
}

int args_parse(const char *cmd, int argc, char **argv, const struct opt *opts, char **pos)
{
    int npos = 0;
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (options_done || is_positional(w)) {
            pos[npos++] = argv[i];
            continue;
        }
        if (strcmp(w, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0)
            return ARGS_HELP;
        if (w[1] != '-') {
            usage_error(cmd, "unknown option '%s'", w);
            return ARGS_ERROR;
        }
        const char *name = w + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt *o = find_opt(opts, name, name_len);
        if (o == NULL) {
            usage_error(cmd, "unknown option '--%.*s'", (int)name_len, name);
            return ARGS_ERROR;
        }
        if (o->flag != NULL) {
            if (eq != NULL) {
                usage_error(cmd, "option '--%s' takes no value", o->name);
                return ARGS_ERROR;
            }
            *o->flag = true;
        } else if (eq != NULL) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            usage_error(cmd, "option '--%s' needs a value", o->name);
            return ARGS_ERROR;
        }
    }
    return npos;
}

int args_path(const char *in, struct buf *out)
{
    const char *p = in;
    int levels = 0;
    struct buf tmp;
    if (*p == '/')
        p++;
    if (*p == '\0')
        return 0;
    buf_init(&tmp);
    while (*p != '\0') {
        if (levels == 4 || *p < '0' || *p > '9')
            goto bad;
        unsigned long id = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            id = id * 10 + (unsigned long)(*p - '0');
            if (id > 65535 || p - start > 5)
                goto bad;
            p++;
        }
        buf_printf(&tmp, "/%lu", id);
        levels++;
        if (*p == '/') {
            p++;
            if (*p == '\0')
                break; /* one trailing slash is tolerated */
        } else if (*p != '\0') {
            goto bad;
        }
    }
    buf_add(out, tmp.data, tmp.len);
    buf_free(&tmp);
    return levels;
bad:
    buf_free(&tmp);
    return 0;
}

bool args_is_hex(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return n % 2 == 0;
}

bool args_long(const char *s, long min, long max, long *out)
{
    char *end;
    if (*s == '\0' || *s == ' ' || *s == '+')
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}
