/* The REST conventions of DESIGN 5 on top of http.h: URL building, the
 * mapping of HTTP statuses to exit codes, and the device answer
 * {"status":"CONTENT(205)","success":true,"content":...}. */
#ifndef SIDELINKCTL_API_H
#define SIDELINKCTL_API_H

#include <jansson.h>

#include "buf.h"
#include "ctl.h"
#include "http.h"

/* Appends "/api/clients/EP[PATH][SUFFIX]" (EP escaped; PATH normalised by
 * args_path; SUFFIX such as "/observe"; both may be NULL). */
void api_client_target(struct buf *t, const char *ep, const char *path, const char *suffix);

/* Appends "?key=value" or "&key=value" (value escaped; NULL value: "key"). */
void api_query(struct buf *t, const char *key, const char *value);

/* Adds format=F (when F is not NULL) and timeout=S (when --timeout was given):
 * the query of every request that reaches a device. */
void api_device_query(const struct ctl *ctl, struct buf *t, const char *format);

/* Checks the HTTP status of an answer: 2xx gives CTL_OK; 504 CTL_TIMEOUT;
 * anything else CTL_HTTP. A failure prints "error: MESSAGE" on stderr (from
 * the {"error":..,"message":..} body, else the body or the status) and, with
 * --json, the body on stdout. */
int api_status(const struct ctl *ctl, const struct http_resp *resp);

/* Parses the body as JSON (any value; an empty body gives *out = NULL).
 * Prints an error and returns CTL_FAIL if it is not JSON. */
int api_parse(const struct http_resp *resp, json_t **out);

/* http_send + api_status + api_parse. *out (may be NULL) is the parsed body. */
int api_call(const struct ctl *ctl, const char *method, const char *target, const char *body,
             const char *content_type, struct http_resp *resp, json_t **out);

/* A request that reaches a device: api_call, then, with --json, the body
 * printed verbatim; then the device's verdict: success:false prints
 * "error: STATUS" and gives CTL_FAIL. *out is the whole answer (decref it). */
int api_device(const struct ctl *ctl, const char *method, const char *target, const char *body,
               const char *content_type, json_t **out);

/* Prints the body as received, with a final newline (--json output). */
void api_print_body(const struct http_resp *resp);

#endif
