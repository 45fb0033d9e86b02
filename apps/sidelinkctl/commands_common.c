/* What the commands share: help and word parsing. */
#include <stdio.h>
#include <stdlib.h>

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
