/* What the server itself holds: registrations (/api/clients), server-side
 * bindings (/api/bindings) and client credentials (/api/security/clients). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "commands.h"
#include "output.h"

static const struct cmd_help CLIENTS_HELP = {
    "clients", "clients",
    "Lists the registered clients: endpoint, address, lifetime (s), binding,\n"
    "registration time and the objects they expose.\n"
    "REST: GET /api/clients\n"};

static const struct cmd_help CLIENT_HELP = {
    "client",
    "client EP\n"
    "       sidelinkctl [--json] client --control SOCKET COMMAND ...",
    "Shows the registration of the client EP: its registration id, address,\n"
    "lifetime, binding, LwM2M version, registration, last update and expiry\n"
    "times, queue mode, C2C addresses, object links and other registration\n"
    "attributes.\n"
    "REST: GET /api/clients/EP\n\n"
    "With --control, talks to a client daemon's control socket instead (no\n"
    "server involved): sidelinkctl client --control SOCKET --help.\n"};

static const struct cmd_help BINDINGS_HELP = {
    "bindings", "bindings list | add SOURCE TARGET [--via server|c2c] | delete ID",
    "Server-side bindings: the server observes SOURCE and writes each new\n"
    "value to TARGET. SOURCE and TARGET are EP:/OBJ/INST/RES[/RIID].\n\n"
    "  list                       the bindings: ID SOURCE TARGET VIA\n"
    "  add SOURCE TARGET          adds one and prints its id, e.g.\n"
    "                             bindings add ep1:/3347/0/5500 ep2:/3311/0/5850\n"
    "      --via server|c2c       the way values travel (default: the server's)\n"
    "  delete ID                  removes one\n"
    "REST: GET /api/bindings; POST /api/bindings {\"source\":..,\"target\":..[,\"via\":..]};\n"
    "      DELETE /api/bindings/ID\n"};

static const struct cmd_help BINDINGS_LIST_HELP = {
    "bindings list", "bindings list",
    "Lists the bindings: ID SOURCE TARGET VIA.\nREST: GET /api/bindings\n"};

static const struct cmd_help BINDINGS_ADD_HELP = {
    "bindings add", "bindings add SOURCE TARGET [--via server|c2c]",
    "Makes the server observe SOURCE (EP:/OBJ/INST/RES[/RIID]) and write each\n"
    "new value to TARGET (the same form). Prints the new binding's id.\n\n"
    "  --via server|c2c   the way values travel (default: the server's choice)\n"
    "REST: POST /api/bindings {\"source\":\"ep1:/3347/0/5500\",\"target\":\"ep2:/3311/0/5850\"}\n"};

static const struct cmd_help BINDINGS_DELETE_HELP = {
    "bindings delete", "bindings delete ID",
    "Removes the binding ID.\nREST: DELETE /api/bindings/ID\n"};

static const struct cmd_help SECURITY_HELP = {
    "security", "security list | set EP ... | delete EP",
    "The credentials the server holds for clients.\n\n"
    "  list                                    ENDPOINT MODE DETAILS (no keys; --json has them)\n"
    "  set EP --psk-identity ID --psk-key HEX  DTLS with a pre-shared key\n"
    "  set EP --oscore --sid HEX --rid HEX --msec HEX [--msalt HEX]\n"
    "                                          OSCORE (sender and recipient ids as\n"
    "                                          the server uses them, master secret, salt)\n"
    "  delete EP                               removes EP's credentials\n"
    "REST: GET|PUT /api/security/clients; DELETE /api/security/clients/EP\n"};

static const struct cmd_help SECURITY_LIST_HELP = {
    "security list", "security list",
    "Lists the clients' credentials: ENDPOINT MODE DETAILS (PSK identity or\n"
    "OSCORE ids; keys only with --json).\nREST: GET /api/security/clients\n"};

static const struct cmd_help SECURITY_SET_HELP = {
    "security set",
    "security set EP --psk-identity ID --psk-key HEX\n"
    "       sidelinkctl [GLOBAL OPTIONS] security set EP --oscore --sid HEX --rid HEX --msec HEX "
    "[--msalt HEX]",
    "Sets the credentials of EP (replacing any it had).\n\n"
    "  --psk-identity ID   DTLS PSK identity\n"
    "  --psk-key HEX       DTLS PSK key\n"
    "  --oscore            OSCORE instead of DTLS:\n"
    "  --sid HEX           sender id (may be empty: --sid '')\n"
    "  --rid HEX           recipient id (may be empty)\n"
    "  --msec HEX          master secret\n"
    "  --msalt HEX         master salt (optional)\n"
    "Hex is written in lowercase to the server. A PSK identity another client\n"
    "has already gives exit code 4 (HTTP 409).\n"
    "REST: PUT /api/security/clients with\n"
    "  {\"endpoint\":EP,\"tls\":{\"mode\":\"psk\",\"details\":{\"identity\":ID,\"key\":HEX}}} or\n"
    "  {\"endpoint\":EP,\"oscore\":{\"sid\":..,\"rid\":..,\"msec\":..,\"msalt\":..}}\n"};

static const struct cmd_help SECURITY_DELETE_HELP = {
    "security delete", "security delete EP",
    "Removes the credentials of EP.\nREST: DELETE /api/security/clients/EP\n"};

/* Text of a JSON member for a table cell: strings as they are, numbers as
 * text, arrays joined with spaces; NULL when absent. */
static void member_text(const json_t *obj, const char *key, struct buf *out)
{
    const json_t *v = json_object_get(obj, key);
    buf_reset(out);
    if (v == NULL || json_is_null(v))
        return;
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) {
            if (i > 0)
                buf_putc(out, ' ');
            out_value_text(item, out);
        }
        return;
    }
    out_value_text(v, out);
}

/* One object link of a registration as text: </3/0>;ver=1.1 */
static void link_text(const json_t *link, struct buf *out)
{
    if (json_is_string(link)) {
        buf_puts(out, json_string_value(link));
        return;
    }
    const char *url = json_string_value(json_object_get(link, "url"));
    if (url == NULL)
        url = json_string_value(json_object_get(link, "uriReference"));
    buf_printf(out, "<%s>", url ? url : "?");
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(link, "attributes"), key, v) {
        buf_printf(out, ";%s", key);
        if (!json_is_null(v)) {
            buf_putc(out, '=');
            out_value_text(v, out);
        }
    }
}

/* The object ids a registration exposes, "1,3,3303", from its object links
 * (or an "objects" array). */
static void objects_text(const json_t *reg, struct buf *out)
{
    const json_t *links = json_object_get(reg, "objectLinks");
    const json_t *item;
    size_t i;
    buf_reset(out);
    if (!json_is_array(links)) {
        member_text(reg, "objects", out);
        for (char *p = out->data; p != NULL && *p != '\0'; p++) {
            if (*p == ' ')
                *p = ',';
        }
        return;
    }
    long last = -1;
    json_array_foreach(links, i, item) {
        const char *url = json_string_value(json_object_get(item, "url"));
        if (url == NULL)
            url = json_string_value(json_object_get(item, "uriReference"));
        if (json_is_string(item))
            url = json_string_value(item);
        if (url == NULL)
            continue;
        while (*url == '<' || *url == '/')
            url++;
        char *end;
        long obj = strtol(url, &end, 10);
        if (end == url || obj == last)
            continue;
        buf_printf(out, "%s%ld", out->len ? "," : "", obj);
        last = obj;
    }
}

/* The address of a registration: "address", with "port" if it is apart. */
static void address_text(const json_t *reg, struct buf *out)
{
    member_text(reg, "address", out);
    const json_t *port = json_object_get(reg, "port");
    if (json_is_integer(port) && strchr(buf_str(out), ':') == NULL)
        buf_printf(out, ":%" JSON_INTEGER_FORMAT, json_integer_value(port));
}

static void binding_text(const json_t *reg, struct buf *out)
{
    member_text(reg, "bindingMode", out);
    if (out->len == 0)
        member_text(reg, "binding", out);
}

static const char *cell(const struct buf *b)
{
    return b->len ? buf_str(b) : NULL;
}

/* A request whose answer matters only by its status (delete, set): prints
 * the body with --json when there is one. */
static int quiet_call(const struct ctl *ctl, const char *method, const char *target,
                      const char *body)
{
    struct http_resp resp;
    http_resp_init(&resp);
    int code = api_call(ctl, method, target, body, "application/json", &resp, NULL);
    if (code == CTL_OK && ctl->json && resp.body.len > 0)
        api_print_body(&resp);
    http_resp_free(&resp);
    return code;
}

/* A list answer: --json prints it, else the rows come from row(); an answer
 * that is no array is an error about `what`. */
static int list_call(const struct ctl *ctl, const char *target, const char *what, size_t ncols,
                     const char *const *headers, void (*row)(const json_t *item, struct table *t))
{
    struct http_resp resp;
    json_t *list;
    http_resp_init(&resp);
    int code = api_call(ctl, "GET", target, NULL, NULL, &resp, &list);
    if (code == CTL_OK && ctl->json) {
        api_print_body(&resp);
    } else if (code == CTL_OK && !json_is_array(list)) {
        fprintf(stderr, "error: %s is not a JSON array\n", what);
        code = CTL_FAIL;
    } else if (code == CTL_OK) {
        struct table t;
        size_t i;
        const json_t *item;
        table_init(&t, ncols, headers);
        json_array_foreach(list, i, item)
            row(item, &t);
        table_print(&t, stdout);
        table_free(&t);
    }
    json_decref(list);
    http_resp_free(&resp);
    return code;
}

static void client_row(const json_t *reg, struct table *t)
{
    struct buf c[6];
    for (size_t k = 0; k < 6; k++)
        buf_init(&c[k]);
    member_text(reg, "endpoint", &c[0]);
    address_text(reg, &c[1]);
    member_text(reg, "lifetime", &c[2]);
    binding_text(reg, &c[3]);
    out_time_value(json_object_get(reg, "registrationDate"), &c[4]);
    objects_text(reg, &c[5]);
    const char *row[6];
    for (size_t k = 0; k < 6; k++)
        row[k] = cell(&c[k]);
    table_add(t, row);
    for (size_t k = 0; k < 6; k++)
        buf_free(&c[k]);
}

int cmd_clients(const struct ctl *ctl, int argc, char **argv)
{
    int n = cmd_options(&CLIENTS_HELP, argc, argv, NULL);
    if (n < 0)
        return cmd_args_exit(n);
    static const char *const headers[] = {"ENDPOINT", "ADDRESS",    "LIFETIME",
                                          "BINDING",  "REGISTERED", "OBJECTS"};
    return list_call(ctl, "/api/clients", "the server's list of clients", 6, headers, client_row);
}

/* client EP: the registration as NAME VALUE lines. */
static void print_registration(const json_t *reg)
{
    static const struct {
        const char *label;
        const char *key;
    } fields[] = {
        {"endpoint", "endpoint"},
        {"registration id", "registrationId"},
        {"address", NULL},
        {"lifetime", "lifetime"},
        {"binding", NULL},
        {"lwm2m version", "lwM2mVersion"},
        {"registered", "registrationDate"},
        {"last update", "lastUpdate"},
        {"expires", "expirationTime"},
        {"queue mode", "queueMode"},
        {"secure", "secure"},
        {"c2c", "c2c"},
        {"objects", NULL},
    };
    struct table t;
    struct buf v;
    table_init(&t, 2, NULL);
    buf_init(&v);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *label = fields[i].label;
        buf_reset(&v);
        if (strcmp(label, "address") == 0) {
            address_text(reg, &v);
        } else if (strcmp(label, "binding") == 0) {
            binding_text(reg, &v);
        } else if (strcmp(label, "objects") == 0) {
            const json_t *links = json_object_get(reg, "objectLinks");
            size_t k;
            const json_t *link;
            json_array_foreach(links, k, link) {
                if (k > 0)
                    buf_putc(&v, ' ');
                link_text(link, &v);
            }
        } else if (strcmp(label, "registered") == 0 || strcmp(label, "last update") == 0 ||
                   strcmp(label, "expires") == 0) {
            if (json_object_get(reg, fields[i].key) != NULL)
                out_time_value(json_object_get(reg, fields[i].key), &v);
        } else {
            member_text(reg, fields[i].key, &v);
        }
        if (v.len == 0)
            continue;
        const char *row[2] = {label, buf_str(&v)};
        table_add(&t, row);
    }
    const char *key;
    const json_t *extra;
    json_object_foreach(json_object_get(reg, "additionalRegistrationAttributes"), key, extra) {
        buf_reset(&v);
        buf_printf(&v, "%s=", key);
        out_value_text(extra, &v);
        const char *row[2] = {"attribute", buf_str(&v)};
        table_add(&t, row);
    }
    table_print(&t, stdout);
    table_free(&t);
    buf_free(&v);
}

int cmd_client(const struct ctl *ctl, int argc, char **argv)
{
    if (argc > 0 && (strcmp(argv[0], "--control") == 0 || strncmp(argv[0], "--control=", 10) == 0))
        return cmd_control(ctl, argc, argv);
    char **pos;
    int n = cmd_args(&CLIENT_HELP, argc, argv, NULL, 1, 1, &pos);
    if (n < 0)
        return cmd_args_exit(n);
    struct buf target;
    struct http_resp resp;
    json_t *reg;
    buf_init(&target);
    http_resp_init(&resp);
    api_client_target(&target, pos[0], NULL, NULL);
    int code = api_call(ctl, "GET", buf_str(&target), NULL, NULL, &resp, &reg);
    if (code == CTL_OK && ctl->json) {
        api_print_body(&resp);
    } else if (code == CTL_OK && !json_is_object(reg)) {
        fputs("error: the server's registration is not a JSON object\n", stderr);
        code = CTL_FAIL;
    } else if (code == CTL_OK) {
        print_registration(reg);
    }
    json_decref(reg);
    http_resp_free(&resp);
    buf_free(&target);
    free(pos);
    return code;
}

static void binding_row(const json_t *b, struct table *t)
{
    struct buf c[4];
    static const char *const keys[] = {"id", "source", "target", "via"};
    const char *row[4];
    for (size_t k = 0; k < 4; k++) {
        buf_init(&c[k]);
        member_text(b, keys[k], &c[k]);
        row[k] = cell(&c[k]);
    }
    table_add(t, row);
    for (size_t k = 0; k < 4; k++)
        buf_free(&c[k]);
}

/* A collection the server holds (bindings, security): its subcommands
 * list, one that adds (add_name) and delete ID. */
struct collection {
    const char *name;
    const struct cmd_help *help, *list_help, *delete_help;
    const char *target; /* the REST path, e.g. /api/bindings */
    size_t ncols;
    const char *const *headers;
    void (*row)(const json_t *item, struct table *t);
    const char *add_name;
    int (*add)(const struct ctl *ctl, int argc, char **argv);
};

static int collection_command(const struct ctl *ctl, const struct collection *c, int argc,
                              char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        cmd_print_help(c->help);
        return CTL_OK;
    }
    if (strcmp(sub, "list") == 0) {
        int n = cmd_options(c->list_help, argc - 1, argv + 1, NULL);
        if (n < 0)
            return cmd_args_exit(n);
        return list_call(ctl, c->target, "the server's answer", c->ncols, c->headers, c->row);
    }
    if (strcmp(sub, c->add_name) == 0)
        return c->add(ctl, argc - 1, argv + 1);
    if (strcmp(sub, "delete") == 0) {
        char **pos;
        int n = cmd_args(c->delete_help, argc - 1, argv + 1, NULL, 1, 1, &pos);
        if (n < 0)
            return cmd_args_exit(n);
        struct buf target;
        buf_init(&target);
        buf_printf(&target, "%s/", c->target);
        buf_url_escape(&target, pos[0], NULL);
        int code = quiet_call(ctl, "DELETE", buf_str(&target), NULL);
        buf_free(&target);
        free(pos);
        return code;
    }
    if (argc == 0)
        return usage_error(c->name, "missing subcommand: list, %s or delete", c->add_name);
    return usage_error(c->name, "unknown subcommand '%s': list, %s or delete", sub, c->add_name);
}

/* EP:/OBJ/INST/RES[/RIID], appended with the path normalised. */
static bool binding_end(const char *word, struct buf *out)
{
    const char *sep = strstr(word, ":/");
    if (sep == NULL || sep == word)
        return false;
    buf_add(out, word, (size_t)(sep - word) + 1);
    int depth = args_path(sep + 1, out);
    return depth == 3 || depth == 4;
}

static int bindings_add(const struct ctl *ctl, int argc, char **argv)
{
    const char *via = NULL;
    const struct opt opts[] = {{"via", &via, NULL}, {NULL, NULL, NULL}};
    char **pos;
    int n = cmd_args(&BINDINGS_ADD_HELP, argc, argv, opts, 2, 2, &pos);
    if (n < 0)
        return cmd_args_exit(n);
    struct buf source, target;
    buf_init(&source);
    buf_init(&target);
    int code = CTL_USAGE;
    if (!binding_end(pos[0], &source) || !binding_end(pos[1], &target)) {
        usage_error("bindings add",
                    "SOURCE and TARGET are EP:/OBJ/INST/RES[/RIID], e.g. ep1:/3347/0/5500");
    } else if (via != NULL && strcmp(via, "server") != 0 && strcmp(via, "c2c") != 0) {
        usage_error("bindings add", "--via is server or c2c");
    } else {
        json_t *req =
            json_pack("{s:s,s:s}", "source", buf_str(&source), "target", buf_str(&target));
        if (via != NULL)
            json_object_set_new(req, "via", json_string(via));
        char *body = json_dumps(req, JSON_COMPACT);
        struct http_resp resp;
        json_t *answer;
        http_resp_init(&resp);
        code = api_call(ctl, "POST", "/api/bindings", body, "application/json", &resp, &answer);
        if (code == CTL_OK && ctl->json) {
            api_print_body(&resp);
        } else if (code == CTL_OK) {
            const json_t *id = json_object_get(answer, "id");
            if (id != NULL) {
                struct buf text;
                buf_init(&text);
                out_value_text(id, &text);
                printf("%s\n", buf_str(&text));
                buf_free(&text);
            }
        }
        json_decref(answer);
        http_resp_free(&resp);
        free(body);
        json_decref(req);
    }
    buf_free(&source);
    buf_free(&target);
    free(pos);
    return code;
}

static void security_row(const json_t *s, struct table *t)
{
    struct buf ep, mode, details;
    buf_init(&ep);
    buf_init(&mode);
    buf_init(&details);
    member_text(s, "endpoint", &ep);
    const json_t *tls = json_object_get(s, "tls");
    const json_t *oscore = json_object_get(s, "oscore");
    if (json_is_object(tls)) {
        member_text(tls, "mode", &mode);
        const json_t *d = json_object_get(tls, "details");
        const char *identity = json_string_value(json_object_get(d, "identity"));
        if (identity != NULL)
            buf_printf(&details, "identity=%s", identity);
    } else if (json_is_object(oscore)) {
        buf_puts(&mode, "oscore");
        const char *sid = json_string_value(json_object_get(oscore, "sid"));
        const char *rid = json_string_value(json_object_get(oscore, "rid"));
        buf_printf(&details, "sid=%s rid=%s", sid ? sid : "?", rid ? rid : "?");
    }
    const char *row[3] = {cell(&ep), cell(&mode), cell(&details)};
    table_add(t, row);
    buf_free(&ep);
    buf_free(&mode);
    buf_free(&details);
}

static char *lower(const char *hex)
{
    char *s = xstrdup(hex);
    for (char *p = s; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    }
    return s;
}

/* Checks one hex option: given (if required), hex, non-empty if need_bytes. */
static bool hex_opt(const char *name, const char *value, bool need_bytes)
{
    if (value == NULL) {
        usage_error("security set", "--%s is needed", name);
        return false;
    }
    if (!args_is_hex(value) || (need_bytes && value[0] == '\0')) {
        usage_error("security set", "--%s: '%s' is not %shex (two digits a byte)", name, value,
                    need_bytes ? "non-empty " : "");
        return false;
    }
    return true;
}

static int security_set(const struct ctl *ctl, int argc, char **argv)
{
    const char *identity = NULL, *key = NULL, *sid = NULL, *rid = NULL, *msec = NULL, *msalt = NULL;
    bool oscore = false;
    const struct opt opts[] = {{"psk-identity", &identity, NULL},
                               {"psk-key", &key, NULL},
                               {"oscore", NULL, &oscore},
                               {"sid", &sid, NULL},
                               {"rid", &rid, NULL},
                               {"msec", &msec, NULL},
                               {"msalt", &msalt, NULL},
                               {NULL, NULL, NULL}};
    char **pos;
    int n = cmd_args(&SECURITY_SET_HELP, argc, argv, opts, 1, 1, &pos);
    if (n < 0)
        return cmd_args_exit(n);
    json_t *req = NULL;
    int code = CTL_USAGE;
    if (oscore) {
        if (identity != NULL || key != NULL) {
            usage_error("security set", "--oscore and --psk-identity/--psk-key exclude each other");
            goto out;
        }
        if (!hex_opt("sid", sid, false) || !hex_opt("rid", rid, false) ||
            !hex_opt("msec", msec, true) || (msalt != NULL && !hex_opt("msalt", msalt, false)))
            goto out;
        char *s = lower(sid), *r = lower(rid), *m = lower(msec);
        json_t *o = json_pack("{s:s,s:s,s:s}", "sid", s, "rid", r, "msec", m);
        free(s);
        free(r);
        free(m);
        if (msalt != NULL) {
            char *salt = lower(msalt);
            json_object_set_new(o, "msalt", json_string(salt));
            free(salt);
        }
        req = json_pack("{s:s,s:o}", "endpoint", pos[0], "oscore", o);
    } else {
        if (sid != NULL || rid != NULL || msec != NULL || msalt != NULL) {
            usage_error("security set", "--sid, --rid, --msec and --msalt need --oscore");
            goto out;
        }
        if (identity == NULL || identity[0] == '\0') {
            usage_error("security set", "give --psk-identity ID --psk-key HEX, or --oscore ...");
            goto out;
        }
        if (!hex_opt("psk-key", key, true))
            goto out;
        char *k = lower(key);
        req = json_pack("{s:s,s:{s:s,s:{s:s,s:s}}}", "endpoint", pos[0], "tls", "mode", "psk",
                        "details", "identity", identity, "key", k);
        free(k);
    }
    if (req == NULL) {
        fputs("sidelinkctl: cannot build the request (is every text valid UTF-8?)\n", stderr);
        code = CTL_USAGE;
        goto out;
    }
    char *body = json_dumps(req, JSON_COMPACT);
    code = quiet_call(ctl, "PUT", "/api/security/clients", body);
    free(body);
out:
    json_decref(req);
    free(pos);
    return code;
}

int cmd_bindings(const struct ctl *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"ID", "SOURCE", "TARGET", "VIA"};
    static const struct collection bindings = {
        "bindings", &BINDINGS_HELP, &BINDINGS_LIST_HELP, &BINDINGS_DELETE_HELP,
        "/api/bindings", 4, headers, binding_row, "add", bindings_add};
    return collection_command(ctl, &bindings, argc, argv);
}

int cmd_security(const struct ctl *ctl, int argc, char **argv)
{
    static const char *const headers[] = {"ENDPOINT", "MODE", "DETAILS"};
    static const struct collection security = {
        "security", &SECURITY_HELP, &SECURITY_LIST_HELP, &SECURITY_DELETE_HELP,
        "/api/security/clients", 3, headers, security_row, "set", security_set};
    return collection_command(ctl, &security, argc, argv);
}
