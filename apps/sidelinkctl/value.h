/* Resource values between command-line text and the REST API's JSON node
 * shapes (DESIGN 5): type names, type guessing, conversion, and a JSON dump
 * that keeps floats exact and short. */
#ifndef SIDELINKCTL_VALUE_H
#define SIDELINKCTL_VALUE_H

#include <jansson.h>
#include <stddef.h>

/* The canonical type name (STRING, INTEGER, UNSIGNED_INTEGER, FLOAT, BOOLEAN,
 * OPAQUE, TIME, OBJLNK, CORELINK) for a name in any case, or NULL. */
const char *value_type_name(const char *name);

/* The type a bare value suggests: "true"/"false" BOOLEAN, an integer INTEGER
 * (UNSIGNED_INTEGER above the int64 range), another number FLOAT, else STRING. */
const char *value_guess_type(const char *text);

/* The JSON value of `text` as a value of `type` (canonical name): numbers as
 * JSON numbers (an unsigned integer above the int64 range as a string),
 * BOOLEAN from true/false/1/0, OPAQUE as lowercase hex, TIME as epoch
 * milliseconds, OBJLNK from "OBJ:INST" as {"objectId":..,"objectInstanceId":..}.
 * NULL with *why set if the text does not fit the type. */
json_t *value_from_text(const char *type, const char *text, const char **why);

/* The shortest "%.*g" text of d that reads back as d. */
void value_format_double(double d, char *out, size_t size);

/* Compact JSON text of j, floats in their shortest exact form. Free it. */
char *value_dump(const json_t *j);

#endif
