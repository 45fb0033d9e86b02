/* REST conventions: targets, HTTP statuses, device answers. */
#include "api.h"

#include <stdio.h>
#include <string.h>

void api_client_target(struct buf *t, const char *ep, const char *path, const char *suffix)
{
    buf_puts(t, "/api/clients/");
    buf_url_escape(t, ep, NULL);
    if (path != NULL)
        buf_puts(t, path);
    if (suffix != NULL)
        buf_puts(t, suffix);
}

void api_query(struct buf *t, const char *key, const char *value)
{
    buf_putc(t, strchr(buf_str(t), '?') != NULL ? '&' : '?');
    buf_url_escape(t, key, NULL);
    if (value != NULL) {
        buf_putc(t, '=');
        buf_url_escape(t, value, "/,");
    }
}

void api_device_query(const struct ctl *ctl, struct buf *t, const char *format)
{
    if (format != NULL)
        api_query(t, "format", format);
    if (ctl->timeout_s > 0) {
        char s[32];
        snprintf(s, sizeof s, "%ld", ctl->timeout_s);
        api_query(t, "timeout", s);
    }
}

void api_print_body(const struct http_resp *resp)
{
    const char *b = buf_str(&resp->body);
    fputs(b, stdout);
    if (resp->body.len == 0 || b[resp->body.len - 1] != '\n')
        fputc('\n', stdout);
    fflush(stdout);
}

/* The first line of a text, at most 200 bytes, for an error message. */
static void print_first_line(const char *text)
{
    size_t n = strcspn(text, "\r\n");
    fprintf(stderr, "%.*s", (int)(n > 200 ? 200 : n), text);
}

int api_status(const struct ctl *ctl, const struct http_resp *resp)
{
    if (resp->status >= 200 && resp->status < 300)
        return CTL_OK;
    json_t *j = json_loadb(buf_str(&resp->body), resp->body.len, JSON_DECODE_ANY, NULL);
    if (ctl->json && j != NULL)
        api_print_body(resp);
    const char *message = NULL;
    const char *error = NULL;
    if (json_is_object(j)) {
        message = json_string_value(json_object_get(j, "message"));
        error = json_string_value(json_object_get(j, "error"));
    }
    fputs("error: ", stderr);
    if (message != NULL && message[0] != '\0')
        fputs(message, stderr);
    else if (error != NULL && error[0] != '\0')
        fputs(error, stderr);
    else if (j == NULL && resp->body.len > 0)
        print_first_line(buf_str(&resp->body));
    else
        fprintf(stderr, "HTTP %ld", resp->status);
    fprintf(stderr, " (HTTP %ld)\n", resp->status);
    json_decref(j);
    return resp->status == 504 ? CTL_TIMEOUT : CTL_HTTP;
}

int api_parse(const struct http_resp *resp, json_t **out)
{
    *out = NULL;
    if (resp->body.len == 0)
        return CTL_OK;
    json_error_t err;
    *out = json_loadb(buf_str(&resp->body), resp->body.len, JSON_DECODE_ANY, &err);
    if (*out == NULL) {
        fprintf(stderr, "error: the server sent invalid JSON (%s, line %d)\n", err.text, err.line);
        return CTL_FAIL;
    }
    return CTL_OK;
}

int api_call(const struct ctl *ctl, const char *method, const char *target, const char *body,
             const char *content_type, struct http_resp *resp, json_t **out)
{
    if (out != NULL)
        *out = NULL;
    int code = http_send(ctl, method, target, body, content_type, resp);
    if (code == CTL_OK)
        code = api_status(ctl, resp);
    if (code == CTL_OK && out != NULL)
        code = api_parse(resp, out);
    return code;
}

/* Whether a device answer says success: "success" if present, else the code
 * in "status" ("CHANGED(204)"), else yes. */
static bool device_success(json_t *answer)
{
    json_t *success = json_object_get(answer, "success");
    if (json_is_boolean(success))
        return json_is_true(success);
    const char *status = json_string_value(json_object_get(answer, "status"));
    const char *paren = status ? strchr(status, '(') : NULL;
    if (paren != NULL)
        return paren[1] == '2';
    return true;
}

int api_device(const struct ctl *ctl, const char *method, const char *target, const char *body,
               const char *content_type, json_t **out)
{
    struct http_resp resp;
    json_t *answer = NULL;
    http_resp_init(&resp);
    *out = NULL;
    int code = api_call(ctl, method, target, body, content_type, &resp, &answer);
    if (code == CTL_OK && ctl->json)
        api_print_body(&resp);
    http_resp_free(&resp);
    if (code != CTL_OK)
        return code;
    if (answer == NULL)
        answer = json_object(); /* an empty 2xx body: nothing to report */
    if (!json_is_object(answer)) {
        fputs("error: the server's answer is not a JSON object\n", stderr);
        json_decref(answer);
        return CTL_FAIL;
    }
    if (!device_success(answer)) {
        const char *status = json_string_value(json_object_get(answer, "status"));
        const char *detail = json_string_value(json_object_get(answer, "errormessage"));
        if (detail == NULL)
            detail = json_string_value(json_object_get(answer, "message"));
        fprintf(stderr, "error: %s", status ? status : "the device refused");
        if (detail != NULL && detail[0] != '\0')
            fprintf(stderr, ": %s", detail);
        fputc('\n', stderr);
        json_decref(answer);
        return CTL_FAIL;
    }
    *out = answer;
    return CTL_OK;
}
