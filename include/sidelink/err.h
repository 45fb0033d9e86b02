/* Error values shared by every Sidelink module.
 *
 * Errors are values, not side effects: a function that can fail returns an
 * sl_err, and the caller that handles it logs it once. SL_OK is zero and every
 * failure is negative, so `if (err < 0)` and `if (err != SL_OK)` both work.
 */
#ifndef SIDELINK_ERR_H
#define SIDELINK_ERR_H

typedef enum sl_err {
    SL_OK = 0,
    SL_ERR_INVALID = -1,     /* malformed input (bad bytes from the wire, bad argument) */
    SL_ERR_OVERFLOW = -2,    /* the output buffer is too small */
    SL_ERR_NOMEM = -3,       /* a fixed pool is full */
    SL_ERR_NOT_FOUND = -4,   /* no such object, instance, resource, peer, entry */
    SL_ERR_UNSUPPORTED = -5, /* valid but not implemented here (indefinite CBOR, unknown format) */
    SL_ERR_TYPE = -6,        /* a value does not fit the declared type */
    SL_ERR_RANGE = -7,       /* a number out of range for its destination */
    SL_ERR_BUSY = -8,        /* try again later (NSTART, a pending transaction) */
    SL_ERR_DENIED = -9,      /* access control refuses */
    SL_ERR_STATE = -10,      /* operation not allowed in the current state */
    SL_ERR_TIMEOUT = -11,    /* a peer did not answer in time */
    SL_ERR_IO = -12,         /* the platform failed to send or store */
    SL_ERR_END = -13,        /* an iterator has no more items (not a failure for iterators) */
    SL_ERR_METHOD = -14,     /* the operation is not allowed on this target (CoAP 4.05) */
    SL_ERR_FORMAT = -15,     /* unsupported content format (CoAP 4.15 / 4.06) */
    SL_ERR_CONFLICT = -16,   /* the target already exists (e.g. Create of an existing instance) */
    SL_ERR_TOO_LARGE = -17,  /* a request body larger than we can hold (CoAP 4.13) */
    SL_ERR_RESET = -18       /* the peer answered with RST */
} sl_err;

/* A short, constant, human-readable name for an error ("invalid", "overflow", ...). */
const char *sl_err_str(sl_err err);

#endif
