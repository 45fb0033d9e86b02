/* What the commands share: help, word parsing, device paths and targets. */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "buf.h"
#include "commands.h"

void cmd_print_help(const struct cmd_help *h)
{
    printf("Usage: sidelinkctl [GLOBAL OPTIONS] %s\n\n%s", h->synopsis, h->text);
    printf("\nGlobal options (--server, --token, --json, --timeout) and the exit codes:\n"
           "sidelinkctl --help; all of it in docs/sidelinkctl.md.\n");
}

int cmd_args(const struct cmd_help *h, int argc, char **argv, const struct opt *opts, int min,
             int max, char ***pos)
{
    *pos = xmalloc(((size_t)argc + 1) * sizeof **pos);
    int n = args_parse(h->name, argc, argv, opts, *pos);
    if (n == ARGS_HELP)
        cmd_print_help(h);
    if (n >= 0 && (n < min || (max >= 0 && n > max))) {
        usage_error(h->name, "%s; usage: sidelinkctl %s",
                    n < min ? "missing arguments" : "too many arguments", h->synopsis);
        n = ARGS_ERROR;
    }
    if (n < 0) {
        free(*pos);
        *pos = NULL;
    }
    return n;
}

int cmd_args_exit(int result)
{
    return result == ARGS_HELP ? CTL_OK : CTL_USAGE;
}

bool cmd_format_ok(const struct cmd_help *h, const char *format)
{
    if (format == NULL)
        return true;
    const char *p = format;
    for (; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            break;
    }
    if (*p == '\0' && p != format)
        return true;
    usage_error(h->name, "bad --format '%s' (TLV, SENML_CBOR, LWM2M_CBOR, TEXT, OPAQUE, CBOR)",
                format);
    return false;
}

int cmd_options(const struct cmd_help *h, int argc, char **argv, const struct opt *opts)
{
    char **pos;
    int n = cmd_args(h, argc, argv, opts, 0, 0, &pos);
    free(pos);
    return n;
}

int cmd_device_path(const struct cmd_help *h, const char *word, int min, int max, struct buf *out)
{
    int depth = args_path(word, out);
    if (depth == 0) {
        usage_error(h->name, "'%s' is not an LwM2M path (/OBJ[/INST[/RES[/RIID]]])", word);
        return 0;
    }
    if (depth < min || depth > max) {
        static const char *const what[] = {"", "an object", "an instance", "a resource",
                                           "a resource instance"};
        if (min == max)
            usage_error(h->name, "'%s' is not %s path", word, what[min]);
        else
            usage_error(h->name, "'%s' is not %s to %s path", word, what[min], what[max]);
        return 0;
    }
    return depth;
}

bool device_words(struct device_words *d, const struct cmd_help *h, int argc, char **argv,
                  const struct opt *opts, int min, int max, int dmin, int dmax,
                  const char *const *format, int *code)
{
    d->n = cmd_args(h, argc, argv, opts, min, max, &d->pos);
    if (d->n < 0) {
        *code = cmd_args_exit(d->n);
        return false;
    }
    buf_init(&d->path);
    buf_init(&d->target);
    d->depth = cmd_device_path(h, d->pos[1], dmin, dmax, &d->path);
    if (d->depth == 0 || !cmd_format_ok(h, format != NULL ? *format : NULL)) {
        device_words_free(d);
        *code = CTL_USAGE;
        return false;
    }
    return true;
}

void device_target(const struct ctl *ctl, struct device_words *d, const char *suffix,
                   const char *format)
{
    api_client_target(&d->target, d->pos[0], buf_str(&d->path), suffix);
    api_device_query(ctl, &d->target, format);
}

void device_words_free(struct device_words *d)
{
    buf_free(&d->path);
    buf_free(&d->target);
    free(d->pos);
}
