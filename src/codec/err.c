#include "sidelink/err.h"

const char *sl_err_str(sl_err err)
{
    switch (err) {
    case SL_OK: return "ok";
    case SL_ERR_INVALID: return "invalid";
    case SL_ERR_OVERFLOW: return "overflow";
    case SL_ERR_NOMEM: return "pool full";
    case SL_ERR_NOT_FOUND: return "not found";
    case SL_ERR_UNSUPPORTED: return "unsupported";
    case SL_ERR_TYPE: return "type mismatch";
    case SL_ERR_RANGE: return "out of range";
    case SL_ERR_BUSY: return "busy";
    case SL_ERR_DENIED: return "denied";
    case SL_ERR_STATE: return "wrong state";
    case SL_ERR_TIMEOUT: return "timeout";
    case SL_ERR_IO: return "i/o error";
    case SL_ERR_END: return "end";
    case SL_ERR_METHOD: return "method not allowed";
    case SL_ERR_FORMAT: return "unsupported content format";
    case SL_ERR_CONFLICT: return "conflict";
    case SL_ERR_TOO_LARGE: return "too large";
    case SL_ERR_RESET: return "reset by peer";
    }
    return "unknown error";
}
