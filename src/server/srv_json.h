/* LwM2M nodes as JSON, in the shapes of DESIGN 5 (Leshan's, with its pain
 * points removed), both ways.
 *
 * Output (a read, a notification):
 *   resource instance  {"id":0,"kind":"resourceInstance","type":"INTEGER","value":3800}
 *   single resource    {"id":0,"kind":"singleResource","type":"STRING","value":"x"}
 *   multiple resource  {"id":7,"kind":"multiResource","type":"INTEGER","values":{"0":3800}}
 *   instance           {"id":0,"kind":"instance","resources":[...]}
 *   object             {"id":3,"kind":"obj","instances":[...]}
 * Values: STRING/CORELINK strings; INTEGER and UNSIGNED_INTEGER numbers
 * (an unsigned above 2^63-1 as a string); FLOAT numbers (non-finite ones as
 * the strings "NaN", "Infinity", "-Infinity"); BOOLEAN true/false; OPAQUE
 * lowercase hex; TIME epoch milliseconds; OBJLNK
 * {"objectId":3,"objectInstanceId":0}; no value null.
 *
 * Input (a write, a create, a composite write): the same shapes. "kind" may
 * be left out when the members say it ("value", "values", "resources",
 * "instances"); "id" may be left out where the request path gives it (and
 * must match it when present). A value's type is the declared type of the
 * resource when Sidelink knows the object, else the node's "type", else what
 * the JSON value looks like (string, integer, real, boolean, objlnk object).
 * Numbers are accepted as JSON numbers or as strings; booleans also as
 * "true"/"false"/0/1; OBJLNK also as "3:0"; TIME as epoch milliseconds
 * (number or string, whole seconds kept); OPAQUE as hex in either case.
 */
#ifndef SRV_JSON_H
#define SRV_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sidelink/types.h"
#include "server/srv_data.h"

/* "STRING", "INTEGER", "UNSIGNED_INTEGER", "FLOAT", "BOOLEAN", "OPAQUE",
 * "TIME", "OBJLNK", "CORELINK", "NONE". */
const char *srv_type_name(uint8_t type);
bool srv_type_parse(const char *s, uint8_t *type);

/* JSON of one value (new reference; NULL when out of memory). */
json_t *srv_json_value(const struct sl_value *v);

/* The node at `base` (len 1..4) built from sorted records within it. A
 * resource path with no record gives JSON null. */
json_t *srv_json_node(const struct sl_path *base, const struct sl_record *recs, size_t n);

/* Records of a write at `base` from a node. `create` (base is an object
 * path): the node is an instance, or an obj node of several; an instance
 * without "id" gets instance ID SL_ID_NONE in its records (the caller
 * decides what that means). Records are appended to out. SL_ERR_INVALID
 * with a message in err for anything malformed. */
sl_err srv_json_to_records(json_t *node, const struct sl_path *base, bool create,
                           struct srv_recs *out, char *err, size_t errlen);

/* A value of type `type` from JSON (see the input rules above). */
sl_err srv_json_to_value(json_t *j, uint8_t type, struct srv_arena *a, struct sl_value *out,
                         char *err, size_t errlen);

/* JSON text of j (compact), every real written with the fewest digits that
 * read back to the same double (21.37, not 21.370000000000001). Caller
 * frees; NULL when out of memory. */
char *srv_json_dumps(const json_t *j);

/* Composite write body {"/3/0/14": node-or-value, ...} into records. */
sl_err srv_json_composite_records(json_t *body, struct srv_recs *out, char *err, size_t errlen);

#endif
