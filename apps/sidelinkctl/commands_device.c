/* Operations on a registered device through the server: read, write,
 * execute, create, delete, discover, write-attributes, composite read and
 * write (DESIGN 5: /api/clients/{ep}/{path}...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "commands.h"
#include "output.h"
#include "value.h"

static const struct cmd_help READ_HELP = {
    "read", "read EP PATH [--format F]",
    "Reads PATH (/OBJ, /OBJ/INST, /OBJ/INST/RES or /OBJ/INST/RES/RIID) of the\n"
    "registered client EP.\n\n"
    "  --format F   the content format the server asks the device for: TLV,\n"
    "               SENML_CBOR, LWM2M_CBOR, TEXT, OPAQUE, CBOR (any case)\n\n"
    "Prints a single resource's value alone; anything larger as a table\n"
    "PATH TYPE VALUE, one row per resource (instance). With --json, the\n"
    "server's answer as it came.\n"
    "REST: GET /api/clients/EP/PATH[?format=F][&timeout=S]\n"};

static const struct cmd_help WRITE_HELP = {
    "write", "write EP PATH VALUE [--type T] [--format F] [--partial]",
    "Writes VALUE to PATH of the registered client EP.\n\n"
    "For a resource (/OBJ/INST/RES) or resource instance (/OBJ/INST/RES/RIID)\n"
    "path, VALUE is the resource value, of type T if --type is given, else\n"
    "guessed: true/false BOOLEAN, an integer INTEGER, another number FLOAT,\n"
    "anything else STRING. A VALUE that is a JSON node with a \"kind\" (e.g. a\n"
    "multiResource) is sent as it is when --type is not given.\n"
    "For an instance path (/OBJ/INST), VALUE is a JSON node literal, e.g.\n"
    "  '{\"id\":0,\"kind\":\"instance\",\"resources\":[{\"id\":5850,\n"
    "    \"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":true}]}'\n"
    "or just the JSON array of its resources.\n\n"
    "  --type T     STRING, INTEGER, UNSIGNED_INTEGER, FLOAT, BOOLEAN (true,\n"
    "               false, 1, 0), OPAQUE (hex), TIME (epoch milliseconds),\n"
    "               OBJLNK (OBJ:INST), CORELINK; any case\n"
    "  --format F   the content format the server uses with the device: TLV,\n"
    "               SENML_CBOR, LWM2M_CBOR, TEXT, OPAQUE, CBOR (any case)\n"
    "  --partial    partial update (?replace=false): resources not given keep\n"
    "               their values; the default replaces the instance\n\n"
    "Prints the device's status, e.g. CHANGED(204).\n"
    "REST: PUT /api/clients/EP/PATH[?format=F][&replace=false][&timeout=S]\n"
    "      with the node as JSON, e.g.\n"
    "      {\"id\":5850,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":true}\n"};

static const struct cmd_help EXEC_HELP = {
    "exec", "exec EP PATH [ARGS...]",
    "Executes the resource PATH (/OBJ/INST/RES) of the registered client EP,\n"
    "with the execute arguments ARGS (LwM2M syntax, e.g. 0='on',1; several\n"
    "words are joined with single spaces).\n\n"
    "Prints the device's status, e.g. CHANGED(204).\n"
    "REST: POST /api/clients/EP/PATH[?timeout=S], ARGS as the text/plain body\n"};

static const struct cmd_help CREATE_HELP = {
    "create", "create EP OBJPATH [JSON-NODE] [--format F]",
    "Creates an instance of object OBJPATH (/OBJ) in the registered client EP.\n"
    "JSON-NODE is the new instance, e.g.\n"
    "  '{\"id\":1,\"kind\":\"instance\",\"resources\":[{\"id\":5850,\n"
    "    \"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\"value\":false}]}'\n"
    "or just the JSON array of its resources. Without an \"id\" the device\n"
    "picks the instance id; OBJPATH may also be /OBJ/INST to ask for INST.\n"
    "Without JSON-NODE, an instance with no resources is created.\n\n"
    "  --format F   the content format the server uses with the device\n\n"
    "Prints the new instance's path (the answer's \"location\"), else the\n"
    "device's status.\n"
    "REST: POST /api/clients/EP/OBJ[?format=F][&timeout=S] with the node as JSON\n"};

static const struct cmd_help DELETE_HELP = {
    "delete", "delete EP PATH",
    "Deletes the object instance PATH (/OBJ/INST) of the registered client EP.\n\n"
    "Prints the device's status, e.g. DELETED(202).\n"
    "REST: DELETE /api/clients/EP/PATH[?timeout=S]\n"};

static const struct cmd_help DISCOVER_HELP = {
    "discover", "discover EP PATH",
    "Discovers what PATH of the registered client EP holds, with the\n"
    "attributes set on it.\n\n"
    "Prints one CoRE link a line, e.g. </3/0/1>;pmin=10.\n"
    "REST: GET /api/clients/EP/PATH/discover[?timeout=S]\n"};

static const struct cmd_help ATTRIBUTES_HELP = {
    "attributes", "attributes EP PATH NAME=VALUE...",
    "Writes notification attributes to PATH of the registered client EP.\n"
    "NAME is pmin, pmax, epmin, epmax (seconds), gt, lt, st (numbers),\n"
    "hqmax (a count), edge or con (0 or 1); NAME alone (no '=') removes the\n"
    "attribute.\n"
    "Example: sidelinkctl attributes dev1 /3303/0/5700 pmin=5 pmax=60 st=0.5\n\n"
    "Prints the device's status, e.g. CHANGED(204).\n"
    "REST: PUT /api/clients/EP/PATH/attributes?pmin=5&pmax=60&st=0.5[&timeout=S]\n"};

static const struct cmd_help COMPOSITE_READ_HELP = {
    "composite-read", "composite-read EP PATH... [--format F]",
    "Reads several paths of the registered client EP in one request.\n\n"
    "  --format F   the content format the server uses with the device\n"
    "               (SENML_CBOR, LWM2M_CBOR; any case)\n\n"
    "Prints a table PATH TYPE VALUE.\n"
    "REST: GET /api/clients/EP/composite?paths=/3/0/0,/1/0/1[&format=F][&timeout=S]\n"};

static const struct cmd_help COMPOSITE_WRITE_HELP = {
    "composite-write", "composite-write EP JSON [--format F]",
    "Writes several resources of the registered client EP in one request.\n"
    "JSON maps paths to nodes, e.g.\n"
    "  '{\"/3311/0/5850\":{\"id\":5850,\"kind\":\"singleResource\",\"type\":\"BOOLEAN\",\n"
    "    \"value\":true},\"/3311/0/5851\":{\"id\":5851,\"kind\":\"singleResource\",\n"
    "    \"type\":\"INTEGER\",\"value\":80}}'\n\n"
    "  --format F   the content format the server uses with the device\n\n"
    "Prints the device's status, e.g. CHANGED(204).\n"
    "REST: PUT /api/clients/EP/composite[?format=F][&timeout=S] with JSON as the body\n"};

/* The last id of a normalised path ("/3/0/7" -> 7). */
static long last_id(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strtol(slash + 1, NULL, 10);
}

/* The device's answer without content: its status on stdout (human mode). */
static void print_status(const struct ctl *ctl, json_t *answer)
{
    if (ctl->json)
        return;
    const char *status = json_string_value(json_object_get(answer, "status"));
    if (status != NULL)
        printf("%s\n", status);
}

/* Runs a device request and, on success, prints the status. */
static int simple_device_op(const struct ctl *ctl, const char *method, const char *target,
                            const char *body, const char *content_type)
{
    json_t *answer;
    int code = api_device(ctl, method, target, body, content_type, &answer);
    if (code == CTL_OK)
        print_status(ctl, answer);
    json_decref(answer);
    return code;
}

int cmd_read(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL;
    const struct opt opts[] = {{"format", &format, NULL}, {NULL, NULL, NULL}};
    struct device_words d;
    int code;
    if (!device_words(&d, &READ_HELP, argc, argv, opts, 2, 2, 1, 4, &format, &code))
        return code;
    device_target(ctl, &d, NULL, format);
    json_t *answer;
    code = api_device(ctl, "GET", buf_str(&d.target), NULL, NULL, &answer);
    if (code == CTL_OK && !ctl->json) {
        json_t *content = json_object_get(answer, "content");
        const char *kind = json_string_value(json_object_get(content, "kind"));
        const json_t *value = json_object_get(content, "value");
        if (content == NULL) {
            print_status(ctl, answer);
        } else if (value != NULL && (kind == NULL || strcmp(kind, "singleResource") == 0 ||
                                     strcmp(kind, "resourceInstance") == 0)) {
            struct buf text;
            buf_init(&text);
            out_value_text(value, &text);
            printf("%s\n", buf_str(&text));
            buf_free(&text);
        } else {
            static const char *const headers[] = {"PATH", "TYPE", "VALUE"};
            struct table t;
            table_init(&t, 3, headers);
            out_node_rows(&t, content, buf_str(&d.path));
            table_print(&t, stdout);
            table_free(&t);
        }
    }
    json_decref(answer);
    device_words_free(&d);
    return code;
}

/* A JSON text given on the command line: an object or an array. */
static json_t *parse_literal(const struct cmd_help *h, const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (j == NULL)
        usage_error(h->name, "bad JSON: %s (column %d)", err.text, err.column);
    return j;
}

/* An instance node from a literal: an object as it is (its "id" set to
 * `id` if it has none and id >= 0; a different id is an error), or an array
 * of resources wrapped in an instance node. Consumes lit. */
static json_t *instance_node(const struct cmd_help *h, json_t *lit, long id)
{
    json_t *node = NULL;
    if (json_is_array(lit)) {
        node = json_object();
        if (id >= 0)
            json_object_set_new(node, "id", json_integer(id));
        json_object_set_new(node, "kind", json_string("instance"));
        json_object_set(node, "resources", lit);
    } else if (json_is_object(lit)) {
        json_t *have = json_object_get(lit, "id");
        if (have != NULL && id >= 0 && (!json_is_integer(have) || json_integer_value(have) != id)) {
            usage_error(h->name, "the node's \"id\" does not match the instance %ld of the path",
                        id);
        } else {
            if (have == NULL && id >= 0)
                json_object_set_new(lit, "id", json_integer(id));
            node = json_incref(lit);
        }
    } else {
        usage_error(h->name, "the node must be a JSON object or an array of resources");
    }
    json_decref(lit);
    return node;
}

/* The node a write sends for VALUE at a resource (instance) path. */
static json_t *resource_node(const char *path, int depth, const char *type_opt, const char *value)
{
    if (type_opt == NULL && value[0] == '{') {
        json_t *lit = json_loads(value, 0, NULL);
        if (json_is_object(lit) && json_object_get(lit, "kind") != NULL)
            return lit;
        json_decref(lit);
    }
    const char *type = type_opt ? value_type_name(type_opt) : value_guess_type(value);
    if (type == NULL) {
        usage_error("write", "unknown --type '%s'", type_opt);
        return NULL;
    }
    const char *why;
    json_t *v = value_from_text(type, value, &why);
    if (v == NULL) {
        usage_error("write", "'%s' is not a %s value: %s", value, type, why);
        return NULL;
    }
    return json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)last_id(path), "kind",
                     depth == 3 ? "singleResource" : "resourceInstance", "type", type, "value", v);
}

int cmd_write(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL, *type = NULL;
    bool partial = false;
    const struct opt opts[] = {{"format", &format, NULL},
                               {"type", &type, NULL},
                               {"partial", NULL, &partial},
                               {NULL, NULL, NULL}};
    struct device_words d;
    int code;
    if (!device_words(&d, &WRITE_HELP, argc, argv, opts, 3, 3, 2, 4, &format, &code))
        return code;
    json_t *node = NULL;
    char *body = NULL;
    code = CTL_USAGE;
    if (d.depth == 2) {
        if (type != NULL) {
            usage_error("write", "--type is for resource values; an instance takes a JSON node");
            goto out;
        }
        json_t *lit = parse_literal(&WRITE_HELP, d.pos[2]);
        if (lit == NULL)
            goto out;
        node = instance_node(&WRITE_HELP, lit, last_id(buf_str(&d.path)));
    } else {
        node = resource_node(buf_str(&d.path), d.depth, type, d.pos[2]);
    }
    if (node == NULL)
        goto out;
    body = value_dump(node);
    device_target(ctl, &d, NULL, format);
    if (partial)
        api_query(&d.target, "replace", "false");
    code = simple_device_op(ctl, "PUT", buf_str(&d.target), body, "application/json");
out:
    free(body);
    json_decref(node);
    device_words_free(&d);
    return code;
}

int cmd_exec(const struct ctl *ctl, int argc, char **argv)
{
    struct device_words d;
    int code;
    if (!device_words(&d, &EXEC_HELP, argc, argv, NULL, 2, -1, 3, 3, NULL, &code))
        return code;
    struct buf args;
    buf_init(&args);
    for (int i = 2; i < d.n; i++) {
        if (i > 2)
            buf_putc(&args, ' ');
        buf_puts(&args, d.pos[i]);
    }
    device_target(ctl, &d, NULL, NULL);
    code = simple_device_op(ctl, "POST", buf_str(&d.target), d.n > 2 ? buf_str(&args) : NULL,
                            "text/plain");
    buf_free(&args);
    device_words_free(&d);
    return code;
}

int cmd_create(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL;
    const struct opt opts[] = {{"format", &format, NULL}, {NULL, NULL, NULL}};
    struct device_words d;
    int code;
    if (!device_words(&d, &CREATE_HELP, argc, argv, opts, 2, 3, 1, 2, &format, &code))
        return code;
    json_t *node = NULL;
    char *body = NULL;
    code = CTL_USAGE;
    long id = d.depth == 2 ? last_id(buf_str(&d.path)) : -1;
    json_t *lit = d.n == 3 ? parse_literal(&CREATE_HELP, d.pos[2]) : json_array();
    if (lit == NULL)
        goto out;
    node = instance_node(&CREATE_HELP, lit, id);
    if (node == NULL)
        goto out;
    body = value_dump(node);
    if (d.depth == 2) { /* POST to the object: the instance id travels in the node */
        d.path.len = (size_t)(strrchr(d.path.data, '/') - d.path.data);
        d.path.data[d.path.len] = '\0';
    }
    device_target(ctl, &d, NULL, format);
    json_t *answer;
    code = api_device(ctl, "POST", buf_str(&d.target), body, "application/json", &answer);
    if (code == CTL_OK && !ctl->json) {
        const char *location = json_string_value(json_object_get(answer, "location"));
        if (location != NULL)
            printf("%s\n", location);
        else
            print_status(ctl, answer);
    }
    json_decref(answer);
out:
    free(body);
    json_decref(node);
    device_words_free(&d);
    return code;
}

int cmd_delete(const struct ctl *ctl, int argc, char **argv)
{
    struct device_words d;
    int code;
    if (!device_words(&d, &DELETE_HELP, argc, argv, NULL, 2, 2, 1, 4, NULL, &code))
        return code;
    device_target(ctl, &d, NULL, NULL);
    code = simple_device_op(ctl, "DELETE", buf_str(&d.target), NULL, NULL);
    device_words_free(&d);
    return code;
}

/* One link of a discover answer as CoRE link text: </3/0/1>;pmin=10 */
static void print_link(const json_t *link)
{
    if (json_is_string(link)) {
        printf("%s\n", json_string_value(link));
        return;
    }
    const char *url = json_string_value(json_object_get(link, "url"));
    if (url == NULL)
        url = json_string_value(json_object_get(link, "uriReference"));
    struct buf line;
    buf_init(&line);
    buf_printf(&line, "<%s>", url ? url : "?");
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(link, "attributes"), key, v) {
        buf_printf(&line, ";%s", key);
        if (!json_is_null(v)) {
            buf_putc(&line, '=');
            out_value_text(v, &line);
        }
    }
    printf("%s\n", buf_str(&line));
    buf_free(&line);
}

/* A link-format string, one link a line (commas inside quotes kept). */
static void print_link_text(const char *text)
{
    bool quoted = false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (*p == ',' && !quoted)
            fputc('\n', stdout);
        else
            fputc(*p, stdout);
    }
    fputc('\n', stdout);
}

int cmd_discover(const struct ctl *ctl, int argc, char **argv)
{
    struct device_words d;
    int code;
    if (!device_words(&d, &DISCOVER_HELP, argc, argv, NULL, 2, 2, 1, 3, NULL, &code))
        return code;
    device_target(ctl, &d, "/discover", NULL);
    json_t *answer;
    code = api_device(ctl, "GET", buf_str(&d.target), NULL, NULL, &answer);
    if (code == CTL_OK && !ctl->json) {
        json_t *links = json_object_get(answer, "objectLinks");
        json_t *content = json_object_get(answer, "content");
        if (links == NULL && json_is_array(content))
            links = content;
        if (json_is_array(links)) {
            size_t i;
            const json_t *link;
            json_array_foreach(links, i, link)
                print_link(link);
        } else if (json_is_string(content)) {
            print_link_text(json_string_value(content));
        } else {
            print_status(ctl, answer);
        }
    }
    json_decref(answer);
    device_words_free(&d);
    return code;
}

/* NAME=VALUE of write-attributes: a known name and a value fit for it,
 * appended to the query. */
static bool attribute_ok(const char *word, struct buf *target)
{
    enum { SECONDS, NUMBER, FLAG };
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"pmin", SECONDS},  {"pmax", SECONDS}, {"epmin", SECONDS}, {"epmax", SECONDS},
        {"hqmax", SECONDS}, {"gt", NUMBER},    {"lt", NUMBER},     {"st", NUMBER},
        {"edge", FLAG},     {"con", FLAG},
    };
    const char *eq = strchr(word, '=');
    size_t name_len = eq ? (size_t)(eq - word) : strlen(word);
    int kind = -1;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == name_len && strncmp(word, names[i].name, name_len) == 0) {
            kind = names[i].kind;
            name = names[i].name;
        }
    }
    if (name == NULL) {
        usage_error(
            "attributes",
            "unknown attribute '%.*s' (pmin, pmax, gt, lt, st, epmin, epmax, hqmax, edge, con)",
            (int)name_len, word);
        return false;
    }
    if (eq == NULL) {
        api_query(target, name, NULL);
        return true;
    }
    const char *value = eq + 1;
    const char *type = value_guess_type(value);
    long l;
    bool ok = kind == SECONDS ? args_long(value, 0, 0x7fffffffL, &l)
              : kind == FLAG  ? strcmp(value, "0") == 0 || strcmp(value, "1") == 0
                              : strcmp(type, "INTEGER") == 0 || strcmp(type, "FLOAT") == 0;
    if (!ok) {
        usage_error("attributes", "'%s': %s", word,
                    kind == SECONDS ? "the value is a whole number (0 or more)"
                    : kind == FLAG  ? "the value is 0 or 1"
                                    : "the value is a number");
        return false;
    }
    api_query(target, name, value);
    return true;
}

int cmd_attributes(const struct ctl *ctl, int argc, char **argv)
{
    struct device_words d;
    int code;
    if (!device_words(&d, &ATTRIBUTES_HELP, argc, argv, NULL, 3, -1, 1, 4, NULL, &code))
        return code;
    api_client_target(&d.target, d.pos[0], buf_str(&d.path), "/attributes");
    code = CTL_USAGE;
    for (int i = 2; i < d.n; i++) {
        if (!attribute_ok(d.pos[i], &d.target))
            goto out;
    }
    api_device_query(ctl, &d.target, NULL);
    code = simple_device_op(ctl, "PUT", buf_str(&d.target), NULL, NULL);
out:
    device_words_free(&d);
    return code;
}

int cmd_composite_read(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL;
    const struct opt opts[] = {{"format", &format, NULL}, {NULL, NULL, NULL}};
    char **pos;
    int n = cmd_args(&COMPOSITE_READ_HELP, argc, argv, opts, 2, -1, &pos);
    if (n < 0)
        return cmd_args_exit(n);
    struct buf paths, target;
    buf_init(&paths);
    buf_init(&target);
    int code = CTL_USAGE;
    if (!cmd_format_ok(&COMPOSITE_READ_HELP, format))
        goto out;
    for (int i = 1; i < n; i++) {
        if (i > 1)
            buf_putc(&paths, ',');
        if (cmd_device_path(&COMPOSITE_READ_HELP, pos[i], 1, 4, &paths) == 0)
            goto out;
    }
    api_client_target(&target, pos[0], "/composite", NULL);
    api_query(&target, "paths", buf_str(&paths));
    api_device_query(ctl, &target, format);
    json_t *answer;
    code = api_device(ctl, "GET", buf_str(&target), NULL, NULL, &answer);
    if (code == CTL_OK && !ctl->json) {
        static const char *const headers[] = {"PATH", "TYPE", "VALUE"};
        struct table t;
        const char *key;
        json_t *node;
        table_init(&t, 3, headers);
        json_object_foreach(json_object_get(answer, "content"), key, node)
            out_node_rows(&t, node, key);
        table_print(&t, stdout);
        table_free(&t);
    }
    json_decref(answer);
out:
    buf_free(&paths);
    buf_free(&target);
    free(pos);
    return code;
}

int cmd_composite_write(const struct ctl *ctl, int argc, char **argv)
{
    const char *format = NULL;
    const struct opt opts[] = {{"format", &format, NULL}, {NULL, NULL, NULL}};
    char **pos;
    int n = cmd_args(&COMPOSITE_WRITE_HELP, argc, argv, opts, 2, 2, &pos);
    if (n < 0)
        return cmd_args_exit(n);
    struct buf target;
    buf_init(&target);
    json_t *nodes = NULL;
    char *body = NULL;
    int code = CTL_USAGE;
    if (!cmd_format_ok(&COMPOSITE_WRITE_HELP, format))
        goto out;
    nodes = parse_literal(&COMPOSITE_WRITE_HELP, pos[1]);
    if (nodes == NULL)
        goto out;
    if (!json_is_object(nodes) || json_object_size(nodes) == 0) {
        usage_error("composite-write", "JSON must be an object of paths and nodes");
        goto out;
    }
    body = value_dump(nodes);
    api_client_target(&target, pos[0], "/composite", NULL);
    api_device_query(ctl, &target, format);
    code = simple_device_op(ctl, "PUT", buf_str(&target), body, "application/json");
out:
    free(body);
    json_decref(nodes);
    buf_free(&target);
    free(pos);
    return code;
}
