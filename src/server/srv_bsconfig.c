/* Bootstrap configurations (PUT /api/bootstrap/{ep}): strict validation of
 * Leshan's bootstrap-server JSON, its canonical form, and the requests a
 * configuration becomes (srv_bs_plan_build). Every error names the member
 * that is wrong ("security.0.serverId: ..."), so a user fixes it at once.
 *
 * Objects written: Security (0), Server (1), Access Control (2) and OSCORE
 * (21, v2.0). Values are typed here (the same types src/objects/defs.c
 * declares) and encoded with the server's codecs (srv_encode). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objects/defs.h"
#include "server/srv_data.h"
#include "security/oscore.h"
#include "server/srv_internal.h"

#define URI_MAX 255
#define KEY_MAX 1024          /* Public Key or Identity, Server Public Key, Secret Key */
/* What a context can be derived from (RFC 8613 3.3 and security/oscore.h):
 * a client's object 21 refuses more. */
#define OSCORE_SECRET_MAX SL_OSCORE_MAX_SECRET_LEN /* Master Secret, Master Salt */
#define OSCORE_ID_CTX_MAX SL_OSCORE_MAX_ID_CTX_LEN
#define OSCORE_ID_MAX 7       /* Sender and Recipient ID (RFC 8613 3.3, AES-CCM-16-64-128) */
#define ACL_MASK_MAX 31       /* Read 1, Write 2, Execute 4, Delete 8, Create 16 */
#define INT31 2147483647

/* Security Mode resource values, by Leshan's names. */
static const char *const sec_modes[] = { "PSK", "RPK", "X509", "NO_SEC", "EST" };
enum { MODE_PSK = 0, MODE_RPK = 1, MODE_X509 = 2, MODE_NO_SEC = 3, MODE_EST = 4 };

/* Where in the document we are, and where errors go. */
struct vc {
    char *err;
    size_t errlen;
    char where[48]; /* "security.0" or "" */
};

static bool bad(struct vc *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool bad(struct vc *c, const char *name, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *dot = c->where[0] && name[0] ? "." : "";
    if (!c->where[0] && !name[0])
        snprintf(c->err, c->errlen, "%s", msg);
    else
        snprintf(c->err, c->errlen, "%s%s%s: %s", c->where, dot, name, msg);
    return false;
}

/* Members other than `allowed` (NULL-terminated) are refused. */
static bool only(struct vc *c, json_t *o, const char *const *allowed)
{
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        const char *k = json_object_iter_key(it);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok)
            return bad(c, "", "unknown member \"%s\"", k);
    }
    return true;
}

/* A member that is absent or null counts as not given (Leshan writes nulls
 * for unset values). */
static json_t *member(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    return json_is_null(v) ? NULL : v;
}

static bool get_int(struct vc *c, json_t *o, const char *name, json_int_t min, json_int_t max,
                    bool required, bool *present, json_int_t *out)
{
    json_t *v = member(o, name);
    *present = v != NULL;
    if (!v)
        return required ? bad(c, name, "is required") : true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(c, name, "must be an integer %lld..%lld", (long long)min, (long long)max);
    *out = json_integer_value(v);
    return true;
}

/* An optional integer copied to the canonical object when given. */
static bool opt_int(struct vc *c, json_t *o, const char *name, json_int_t min, json_int_t max,
                    json_t *canon)
{
    bool present;
    json_int_t v = 0;
    if (!get_int(c, o, name, min, max, false, &present, &v))
        return false;
    if (present)
        json_object_set_new(canon, name, json_integer(v));
    return true;
}

static bool get_bool(struct vc *c, json_t *o, const char *name, bool dflt, bool *out)
{
    json_t *v = member(o, name);
    if (!v) {
        *out = dflt;
        return true;
    }
    if (!json_is_boolean(v))
        return bad(c, name, "must be true or false");
    *out = json_is_true(v);
    return true;
}

/* Hex of min..max bytes; the canonical (lowercase) text goes to *canon. */
static bool get_hex(struct vc *c, json_t *o, const char *name, size_t min, size_t max,
                    bool required, json_t **canon)
{
    json_t *v = member(o, name);
    *canon = NULL;
    if (!v) {
        if (required)
            return bad(c, name, "is required");
        if (min == 0)
            *canon = json_string("");
        return true;
    }
    struct srv_arena a;
    srv_arena_init(&a);
    bool ok = false;
    size_t n = 0;
    const uint8_t *p = NULL;
    if (json_is_string(v))
        p = srv_hex_decode(&a, json_string_value(v), json_string_length(v), &n, &ok);
    if (!ok || n < min || n > max) {
        srv_arena_free(&a);
        return bad(c, name, "must be a hex string of %zu..%zu bytes", min, max);
    }
    struct srv_buf b;
    srv_buf_init(&b, 0);
    srv_buf_hex(&b, p, n);
    srv_buf_cstr(&b);
    srv_arena_free(&a);
    if (b.oom) {
        srv_buf_free(&b);
        return bad(c, name, "out of memory");
    }
    *canon = json_string(b.p ? (const char *)b.p : "");
    srv_buf_free(&b);
    return *canon != NULL || bad(c, name, "out of memory");
}

/* "0".."65534" without leading zeros. */
static bool parse_id(const char *k, unsigned max, unsigned *out)
{
    size_t n = strlen(k);
    if (n == 0 || n > 5 || (n > 1 && k[0] == '0'))
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (k[i] < '0' || k[i] > '9')
            return false;
        v = v * 10 + (unsigned)(k[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

typedef bool (*instance_fn)(struct vc *c, json_t *in, json_t *canon);

/* A map of instance ID -> instance (security, servers, acls, oscore): each
 * instance checked by fn into a canonical map. Absent: an empty map. */
static json_t *instances(struct vc *c, json_t *cfg, const char *name, instance_fn fn)
{
    json_t *m = member(cfg, name);
    json_t *out = json_object();
    if (!out) {
        bad(c, name, "out of memory");
        return NULL;
    }
    if (!m)
        return out;
    if (!json_is_object(m)) {
        json_decref(out);
        bad(c, name, "must be an object of instance ID -> instance");
        return NULL;
    }
    if (json_object_size(m) > SRV_BS_MAX_INSTANCES) {
        json_decref(out);
        bad(c, name, "at most %d instances", SRV_BS_MAX_INSTANCES);
        return NULL;
    }
    for (void *it = json_object_iter(m); it; it = json_object_iter_next(m, it)) {
        const char *k = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        unsigned iid;
        if (!parse_id(k, SL_ID_MAX, &iid)) {
            json_decref(out);
            bad(c, name, "\"%.16s\" is not an instance ID (0..65534)", k);
            return NULL;
        }
        snprintf(c->where, sizeof c->where, "%s.%u", name, iid);
        json_t *canon = json_object();
        bool ok = canon != NULL;
        if (!ok)
            bad(c, "", "out of memory");
        else if (!json_is_object(v))
            ok = bad(c, "", "must be an object");
        if (ok)
            ok = fn(c, v, canon);
        if (!ok) {
            json_decref(canon);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, k, canon);
        c->where[0] = 0;
    }
    return out;
}

static bool uri_ok(const char *u, size_t n, bool *secure)
{
    size_t scheme;
    if (n > 7 && strncmp(u, "coap://", 7) == 0) {
        scheme = 7;
        *secure = false;
    } else if (n > 8 && strncmp(u, "coaps://", 8) == 0) {
        scheme = 8;
        *secure = true;
    } else {
        return false;
    }
    for (size_t k = scheme; k < n; k++)
        if ((unsigned char)u[k] <= 0x20 || (unsigned char)u[k] >= 0x7f)
            return false;
    return true;
}

static bool check_security(struct vc *c, json_t *in, json_t *canon)
{
    static const char *const allowed[] = {
        "uri", "bootstrapServer", "securityMode", "publicKeyOrId", "serverPublicKey", "secretKey",
        "serverId", "clientOldOffTime", "bootstrapServerAccountTimeout", "oscoreSecurityMode", NULL
    };
    if (!only(c, in, allowed))
        return false;
    json_t *uri = member(in, "uri");
    bool secure = false;
    if (!uri)
        return bad(c, "uri", "is required");
    if (!json_is_string(uri) || json_string_length(uri) > URI_MAX ||
        !uri_ok(json_string_value(uri), json_string_length(uri), &secure))
        return bad(c, "uri", "must be coap://HOST:PORT or coaps://HOST:PORT (at most %d bytes)",
                   URI_MAX);
    json_object_set(canon, "uri", uri);
    bool bs = false;
    if (!get_bool(c, in, "bootstrapServer", false, &bs))
        return false;
    json_object_set_new(canon, "bootstrapServer", json_boolean(bs));
    json_t *mode = member(in, "securityMode");
    int m = -1;
    for (int k = 0; mode && json_is_string(mode) && k < 5; k++)
        if (strcmp(json_string_value(mode), sec_modes[k]) == 0)
            m = k;
    if (m < 0)
        return bad(c, "securityMode", "must be one of PSK, RPK, X509, NO_SEC, EST");
    json_object_set_new(canon, "securityMode", json_string(sec_modes[m]));
    bool needs_key = m == MODE_PSK;
    json_t *h;
    if (!get_hex(c, in, "publicKeyOrId", needs_key ? 1 : 0, KEY_MAX, needs_key, &h))
        return false;
    json_object_set_new(canon, "publicKeyOrId", h);
    if (!get_hex(c, in, "serverPublicKey", 0, KEY_MAX, false, &h))
        return false;
    json_object_set_new(canon, "serverPublicKey", h);
    if (!get_hex(c, in, "secretKey", needs_key ? 1 : 0, KEY_MAX, needs_key, &h))
        return false;
    json_object_set_new(canon, "secretKey", h);
    if (m == MODE_NO_SEC && secure)
        return bad(c, "uri", "coaps:// needs a securityMode other than NO_SEC");
    if (m != MODE_NO_SEC && !secure)
        return bad(c, "uri", "securityMode %s needs coaps://", sec_modes[m]);
    bool present;
    json_int_t ssid = 0;
    if (!get_int(c, in, "serverId", 1, SL_ID_MAX - 1, !bs, &present, &ssid))
        return false;
    if (present)
        json_object_set_new(canon, "serverId", json_integer(ssid));
    return opt_int(c, in, "clientOldOffTime", 0, INT31, canon) &&
           opt_int(c, in, "bootstrapServerAccountTimeout", 0, INT31, canon) &&
           opt_int(c, in, "oscoreSecurityMode", 0, SL_ID_MAX, canon);
}

static bool check_server(struct vc *c, json_t *in, json_t *canon)
{
    static const char *const allowed[] = { "shortId", "lifetime", "defaultMinPeriod",
                                           "defaultMaxPeriod", "disableTimeout",
                                           "notifIfDisabled", "binding", NULL };
    if (!only(c, in, allowed))
        return false;
    bool present;
    json_int_t v = 0;
    if (!get_int(c, in, "shortId", 1, SL_ID_MAX - 1, true, &present, &v))
        return false;
    json_object_set_new(canon, "shortId", json_integer(v));
    v = 86400;
    if (!get_int(c, in, "lifetime", 0, INT31, false, &present, &v))
        return false;
    json_object_set_new(canon, "lifetime", json_integer(v));
    if (!opt_int(c, in, "defaultMinPeriod", 0, INT31, canon) ||
        !opt_int(c, in, "defaultMaxPeriod", 0, INT31, canon) ||
        !opt_int(c, in, "disableTimeout", 0, INT31, canon))
        return false;
    bool storing = true;
    if (!get_bool(c, in, "notifIfDisabled", true, &storing))
        return false;
    json_object_set_new(canon, "notifIfDisabled", json_boolean(storing));
    json_t *b = member(in, "binding");
    const char *bind = "U";
    if (b) {
        bind = json_is_string(b) ? json_string_value(b) : "";
        size_t n = strlen(bind);
        bool ok = n >= 1 && n <= 6 && json_string_length(b) == n;
        for (size_t k = 0; ok && k < n; k++)
            ok = strchr("UTSNQ", bind[k]) && !memchr(bind, bind[k], k);
        if (!ok)
            return bad(c, "binding", "must be 1..6 distinct letters of U, T, S, N, Q");
    }
    json_object_set_new(canon, "binding", json_string(bind));
    return true;
}

static bool check_acl(struct vc *c, json_t *in, json_t *canon)
{
    static const char *const allowed[] = { "objectId", "objectInstanceId", "acl", "aclOwner",
                                           "accessControlOwner", NULL };
    if (!only(c, in, allowed))
        return false;
    bool present;
    json_int_t v = 0;
    if (!get_int(c, in, "objectId", 0, SL_ID_MAX, true, &present, &v))
        return false;
    json_object_set_new(canon, "objectId", json_integer(v));
    /* 65535: the object-level entry (Create) */
    if (!get_int(c, in, "objectInstanceId", 0, 65535, true, &present, &v))
        return false;
    json_object_set_new(canon, "objectInstanceId", json_integer(v));
    json_t *acl = member(in, "acl");
    json_t *out = json_object();
    if (!out)
        return bad(c, "acl", "out of memory");
    json_object_set_new(canon, "acl", out);
    if (acl && !json_is_object(acl))
        return bad(c, "acl", "must be an object of Short Server ID -> access bits");
    for (void *it = acl ? json_object_iter(acl) : NULL; it; it = json_object_iter_next(acl, it)) {
        const char *k = json_object_iter_key(it);
        json_t *mask = json_object_iter_value(it);
        unsigned ssid;
        if (!parse_id(k, SL_ID_MAX, &ssid))
            return bad(c, "acl", "\"%.16s\" is not a Short Server ID (0..65534; 0 = default)", k);
        if (!json_is_integer(mask) || json_integer_value(mask) < 0 ||
            json_integer_value(mask) > ACL_MASK_MAX)
            return bad(c, "acl", "\"%s\": access bits must be an integer 0..%d", k, ACL_MASK_MAX);
        json_object_set_new(out, k, json_integer(json_integer_value(mask)));
    }
    if (member(in, "aclOwner") && member(in, "accessControlOwner"))
        return bad(c, "aclOwner", "give aclOwner or accessControlOwner, not both");
    const char *owner = member(in, "aclOwner") ? "aclOwner" : "accessControlOwner";
    if (!get_int(c, in, owner, 0, 65535, false, &present, &v))
        return false;
    if (!present)
        return bad(c, "aclOwner", "is required");
    json_object_set_new(canon, "aclOwner", json_integer(v));
    return true;
}

static bool check_oscore(struct vc *c, json_t *in, json_t *canon)
{
    static const char *const allowed[] = { "masterSecret", "senderId", "recipientId",
                                           "aeadAlgorithm", "hkdfAlgorithm", "masterSalt",
                                           "idContext", NULL };
    if (!only(c, in, allowed))
        return false;
    json_t *h;
    if (!get_hex(c, in, "masterSecret", 1, OSCORE_SECRET_MAX, true, &h))
        return false;
    json_object_set_new(canon, "masterSecret", h);
    if (!get_hex(c, in, "senderId", 0, OSCORE_ID_MAX, true, &h))
        return false;
    json_object_set_new(canon, "senderId", h);
    if (!get_hex(c, in, "recipientId", 0, OSCORE_ID_MAX, true, &h))
        return false;
    json_object_set_new(canon, "recipientId", h);
    if (json_equal(json_object_get(canon, "senderId"), json_object_get(canon, "recipientId")))
        return bad(c, "recipientId", "must differ from senderId");
    if (!opt_int(c, in, "aeadAlgorithm", -65536, 65535, canon) ||
        !opt_int(c, in, "hkdfAlgorithm", -65536, 65535, canon))
        return false;
    const char *opt[] = { "masterSalt", "idContext" };
    const size_t max[] = { OSCORE_SECRET_MAX, OSCORE_ID_CTX_MAX };
    for (int k = 0; k < 2; k++) {
        if (!member(in, opt[k]))
            continue;
        if (!get_hex(c, in, opt[k], 0, max[k], false, &h))
            return false;
        json_object_set_new(canon, opt[k], h);
    }
    return true;
}

static json_int_t int_of(json_t *o, const char *name)
{
    return json_integer_value(json_object_get(o, name));
}

/* Rules across instances: one bootstrap account at most; every server
 * account's Security instance names a Server instance (serverId =
 * shortId), once; OSCORE links name configured OSCORE instances; one ACL
 * instance per object instance. */
static bool cross_check(struct vc *c, json_t *canon)
{
    json_t *sec = json_object_get(canon, "security"), *srv = json_object_get(canon, "servers");
    json_t *acl = json_object_get(canon, "acls"), *osc = json_object_get(canon, "oscore");
    unsigned nbs = 0;
    for (void *a = json_object_iter(srv); a; a = json_object_iter_next(srv, a))
        for (void *b = json_object_iter_next(srv, a); b; b = json_object_iter_next(srv, b))
            if (int_of(json_object_iter_value(a), "shortId") ==
                int_of(json_object_iter_value(b), "shortId"))
                return bad(c, "servers", "instances %s and %s have the same shortId",
                           json_object_iter_key(a), json_object_iter_key(b));
    for (void *a = json_object_iter(sec); a; a = json_object_iter_next(sec, a)) {
        json_t *s = json_object_iter_value(a);
        snprintf(c->where, sizeof c->where, "security.%s", json_object_iter_key(a));
        json_t *link = json_object_get(s, "oscoreSecurityMode");
        if (link) {
            char k[8];
            snprintf(k, sizeof k, "%lld", (long long)json_integer_value(link));
            if (!json_object_get(osc, k))
                return bad(c, "oscoreSecurityMode", "%s names no instance of oscore", k);
        }
        if (json_is_true(json_object_get(s, "bootstrapServer"))) {
            if (++nbs > 1)
                return bad(c, "bootstrapServer", "only one instance may be the bootstrap account");
            continue;
        }
        json_int_t ssid = int_of(s, "serverId");
        bool found = false;
        for (void *b = json_object_iter(srv); b && !found; b = json_object_iter_next(srv, b))
            found = int_of(json_object_iter_value(b), "shortId") == ssid;
        if (!found)
            return bad(c, "serverId", "%lld is the shortId of no instance of servers",
                       (long long)ssid);
        for (void *b = json_object_iter_next(sec, a); b; b = json_object_iter_next(sec, b)) {
            json_t *t = json_object_iter_value(b);
            if (!json_is_true(json_object_get(t, "bootstrapServer")) && int_of(t, "serverId") == ssid)
                return bad(c, "serverId", "%lld is also the serverId of security.%s",
                           (long long)ssid, json_object_iter_key(b));
        }
    }
    c->where[0] = 0;
    for (void *a = json_object_iter(acl); a; a = json_object_iter_next(acl, a))
        for (void *b = json_object_iter_next(acl, a); b; b = json_object_iter_next(acl, b)) {
            json_t *x = json_object_iter_value(a), *y = json_object_iter_value(b);
            if (int_of(x, "objectId") == int_of(y, "objectId") &&
                int_of(x, "objectInstanceId") == int_of(y, "objectInstanceId"))
                return bad(c, "acls", "instances %s and %s govern the same object instance",
                           json_object_iter_key(a), json_object_iter_key(b));
        }
    return true;
}

static json_t *check_to_delete(struct vc *c, json_t *in)
{
    json_t *v = member(in, "toDelete");
    json_t *out = json_array();
    if (!out) {
        bad(c, "toDelete", "out of memory");
        return NULL;
    }
    if (!v) {
        /* the default of Leshan's demo: the server accounts go */
        json_array_append_new(out, json_string("/0"));
        json_array_append_new(out, json_string("/1"));
        return out;
    }
    if (!json_is_array(v) || json_array_size(v) > SRV_BS_MAX_DELETE) {
        json_decref(out);
        bad(c, "toDelete", "must be an array of at most %d paths", SRV_BS_MAX_DELETE);
        return NULL;
    }
    for (size_t k = 0; k < json_array_size(v); k++) {
        json_t *p = json_array_get(v, k);
        struct sl_path path;
        char text[32];
        if (!json_is_string(p) ||
            sl_path_parse(json_string_value(p), json_string_length(p), &path) != SL_OK ||
            path.len > 2 || sl_path_format(&path, text, sizeof text) < 0) {
            json_decref(out);
            bad(c, "toDelete", "entry %zu must be \"/\", \"/OBJECT\" or \"/OBJECT/INSTANCE\"", k);
            return NULL;
        }
        json_array_append_new(out, json_string(text));
    }
    return out;
}

json_t *srv_bs_config_check(json_t *in, char *err, size_t errlen)
{
    struct vc c = { err, errlen, "" };
    static const char *const allowed[] = { "toDelete", "servers", "security", "acls", "oscore",
                                           "discover", "contentFormat", NULL };
    if (!json_is_object(in)) {
        bad(&c, "", "the configuration must be a JSON object");
        return NULL;
    }
    if (!only(&c, in, allowed))
        return NULL;
    json_t *canon = json_object();
    if (!canon) {
        bad(&c, "", "out of memory");
        return NULL;
    }
    json_t *del = check_to_delete(&c, in);
    if (!del)
        goto fail;
    json_object_set_new(canon, "toDelete", del);
    bool discover = false;
    if (!get_bool(&c, in, "discover", false, &discover))
        goto fail;
    json_object_set_new(canon, "discover", json_boolean(discover));
    json_t *fmt = member(in, "contentFormat");
    if (fmt) {
        uint16_t f = 0;
        if (!json_is_string(fmt) || !srv_format_parse(json_string_value(fmt), &f) ||
            (f != SL_FMT_TLV && f != SL_FMT_SENML_CBOR && f != SL_FMT_LWM2M_CBOR)) {
            bad(&c, "contentFormat", "must be TLV, SENML_CBOR or LWM2M_CBOR");
            goto fail;
        }
        json_object_set_new(canon, "contentFormat", json_string(srv_format_name(f)));
    }
    static const struct {
        const char *name;
        instance_fn fn;
    } maps[] = { { "security", check_security },
                 { "servers", check_server },
                 { "acls", check_acl },
                 { "oscore", check_oscore } };
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        json_t *m = instances(&c, in, maps[k].name, maps[k].fn);
        if (!m)
            goto fail;
        json_object_set_new(canon, maps[k].name, m);
    }
    if (!cross_check(&c, canon))
        goto fail;
    return canon;
fail:
    json_decref(canon);
    return NULL;
}

/* ---- the requests ---- */

struct inst {
    struct srv_recs recs;
    struct srv_arena scratch; /* decoded hex */
    struct sl_path base;
    bool ok;
};

static void put(struct inst *in, uint16_t rid, struct sl_value v)
{
    struct sl_record r = { sl_path_make(3, in->base.id[0], in->base.id[1], rid, 0), v };
    if (!srv_recs_add(&in->recs, &r))
        in->ok = false;
}

static void put_ri(struct inst *in, uint16_t rid, uint16_t ri, struct sl_value v)
{
    struct sl_record r = { sl_path_make(4, in->base.id[0], in->base.id[1], rid, ri), v };
    if (!srv_recs_add(&in->recs, &r))
        in->ok = false;
}

static void put_int(struct inst *in, uint16_t rid, json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    if (v)
        put(in, rid, sl_value_int(json_integer_value(v)));
}

static void put_hex(struct inst *in, uint16_t rid, json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    if (!v)
        return;
    bool ok = false;
    size_t n = 0;
    const uint8_t *p =
        srv_hex_decode(&in->scratch, json_string_value(v), json_string_length(v), &n, &ok);
    if (!ok) {
        in->ok = false;
        return;
    }
    put(in, rid, sl_value_opaque(p, n));
}

static void security_records(struct inst *in, json_t *o)
{
    json_t *uri = json_object_get(o, "uri");
    put(in, SL_SEC_URI, sl_value_string(json_string_value(uri), json_string_length(uri)));
    put(in, SL_SEC_BOOTSTRAP, sl_value_bool(json_is_true(json_object_get(o, "bootstrapServer"))));
    const char *mode = json_string_value(json_object_get(o, "securityMode"));
    for (int k = 0; k < 5; k++)
        if (mode && strcmp(mode, sec_modes[k]) == 0)
            put(in, SL_SEC_MODE, sl_value_int(k));
    put_hex(in, SL_SEC_IDENTITY, o, "publicKeyOrId");
    put_hex(in, SL_SEC_SERVER_KEY, o, "serverPublicKey");
    put_hex(in, SL_SEC_SECRET_KEY, o, "secretKey");
    put_int(in, SL_SEC_SSID, o, "serverId");
    put_int(in, SL_SEC_HOLD_OFF, o, "clientOldOffTime");
    put_int(in, SL_SEC_BS_TIMEOUT, o, "bootstrapServerAccountTimeout");
    json_t *link = json_object_get(o, "oscoreSecurityMode");
    if (link)
        put(in, SL_SEC_OSCORE, sl_value_objlnk(21, (uint16_t)json_integer_value(link)));
}

static void server_records(struct inst *in, json_t *o)
{
    put_int(in, SL_SRV_SSID, o, "shortId");
    put_int(in, SL_SRV_LIFETIME, o, "lifetime");
    put_int(in, SL_SRV_PMIN, o, "defaultMinPeriod");
    put_int(in, SL_SRV_PMAX, o, "defaultMaxPeriod");
    put_int(in, SL_SRV_DISABLE_TIMEOUT, o, "disableTimeout");
    put(in, SL_SRV_STORING, sl_value_bool(json_is_true(json_object_get(o, "notifIfDisabled"))));
    json_t *b = json_object_get(o, "binding");
    put(in, SL_SRV_BINDING, sl_value_string(json_string_value(b), json_string_length(b)));
}

static void acl_records(struct inst *in, json_t *o)
{
    put_int(in, 0, o, "objectId");
    put_int(in, 1, o, "objectInstanceId");
    json_t *acl = json_object_get(o, "acl");
    for (void *it = json_object_iter(acl); it; it = json_object_iter_next(acl, it)) {
        unsigned ssid = 0;
        if (!parse_id(json_object_iter_key(it), SL_ID_MAX, &ssid)) {
            in->ok = false;
            continue;
        }
        put_ri(in, 2, (uint16_t)ssid, sl_value_int(json_integer_value(json_object_iter_value(it))));
    }
    put_int(in, 3, o, "aclOwner");
}

static void oscore_records(struct inst *in, json_t *o)
{
    put_hex(in, SL_OSC_MASTER_SECRET, o, "masterSecret");
    put_hex(in, SL_OSC_SENDER_ID, o, "senderId");
    put_hex(in, SL_OSC_RECIPIENT_ID, o, "recipientId");
    put_int(in, SL_OSC_AEAD, o, "aeadAlgorithm");
    put_int(in, SL_OSC_HMAC, o, "hkdfAlgorithm");
    put_hex(in, SL_OSC_MASTER_SALT, o, "masterSalt");
    put_hex(in, SL_OSC_ID_CONTEXT, o, "idContext");
}

static bool plan_add(struct srv_bs_plan *p, const struct srv_bs_step *st)
{
    struct srv_bs_step *v = realloc(p->v, (p->n + 1) * sizeof *v);
    if (!v)
        return false;
    p->v = v;
    p->v[p->n++] = *st;
    return true;
}

static int id_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* Write steps for every instance of one map, by ascending instance ID. */
static sl_err plan_writes(struct srv_bs_plan *p, json_t *map, uint16_t oid,
                          void (*records)(struct inst *, json_t *), char *err, size_t errlen)
{
    unsigned ids[SRV_BS_MAX_INSTANCES] = { 0 };
    size_t n = 0;
    for (void *it = json_object_iter(map); it && n < SRV_BS_MAX_INSTANCES;
         it = json_object_iter_next(map, it))
        if (parse_id(json_object_iter_key(it), SL_ID_MAX, &ids[n]))
            n++;
    qsort(ids, n, sizeof ids[0], id_cmp);
    for (size_t k = 0; k < n; k++) {
        char key[8];
        snprintf(key, sizeof key, "%u", ids[k]);
        struct inst in;
        srv_recs_init(&in.recs);
        srv_arena_init(&in.scratch);
        in.base = sl_path_make(2, oid, (uint16_t)ids[k], 0, 0);
        in.ok = true;
        records(&in, json_object_get(map, key));
        struct srv_buf out;
        srv_buf_init(&out, 0);
        sl_err e = SL_ERR_NOMEM;
        if (in.ok && !in.recs.arena.oom && !in.scratch.oom)
            e = srv_encode(p->format, &in.base, &in.recs, &out, err, errlen);
        else
            snprintf(err, errlen, "out of memory");
        srv_recs_free(&in.recs);
        srv_arena_free(&in.scratch);
        if (e != SL_OK) {
            srv_buf_free(&out);
            return e;
        }
        struct srv_bs_step st = { .kind = SRV_BS_WRITE, .path = in.base };
        st.payload = srv_buf_take(&out, &st.len);
        srv_buf_free(&out);
        if ((!st.payload && st.len) || !plan_add(p, &st)) {
            free(st.payload);
            snprintf(err, errlen, "out of memory");
            return SL_ERR_NOMEM;
        }
    }
    return SL_OK;
}

sl_err srv_bs_plan_build(json_t *config, uint16_t format, struct srv_bs_plan *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->format = format;
    json_t *f = json_object_get(config, "contentFormat");
    if (f && !srv_format_parse(json_string_value(f), &out->format)) {
        snprintf(err, errlen, "bad contentFormat");
        return SL_ERR_INVALID;
    }
    struct srv_bs_step st;
    memset(&st, 0, sizeof st);
    sl_err e = SL_OK;
    if (json_is_true(json_object_get(config, "discover"))) {
        st.kind = SRV_BS_DISCOVER; /* path: the root */
        if (!plan_add(out, &st))
            e = SL_ERR_NOMEM;
    }
    json_t *del = json_object_get(config, "toDelete");
    for (size_t k = 0; e == SL_OK && k < json_array_size(del); k++) {
        json_t *p = json_array_get(del, k);
        st.kind = SRV_BS_DELETE;
        if (sl_path_parse(json_string_value(p), json_string_length(p), &st.path) != SL_OK)
            e = SL_ERR_INVALID;
        else if (!plan_add(out, &st))
            e = SL_ERR_NOMEM;
    }
    if (e != SL_OK)
        snprintf(err, errlen, e == SL_ERR_NOMEM ? "out of memory" : "bad toDelete path");
    if (e == SL_OK)
        e = plan_writes(out, json_object_get(config, "security"), 0, security_records, err, errlen);
    if (e == SL_OK)
        e = plan_writes(out, json_object_get(config, "servers"), 1, server_records, err, errlen);
    if (e == SL_OK)
        e = plan_writes(out, json_object_get(config, "acls"), 2, acl_records, err, errlen);
    if (e == SL_OK)
        e = plan_writes(out, json_object_get(config, "oscore"), 21, oscore_records, err, errlen);
    if (e == SL_OK) {
        memset(&st, 0, sizeof st);
        st.kind = SRV_BS_FINISH;
        if (!plan_add(out, &st)) {
            snprintf(err, errlen, "out of memory");
            e = SL_ERR_NOMEM;
        }
    }
    if (e != SL_OK)
        srv_bs_plan_free(out);
    return e;
}

void srv_bs_plan_free(struct srv_bs_plan *p)
{
    for (size_t k = 0; k < p->n; k++)
        free(p->v[k].payload);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

void srv_bs_step_name(const struct srv_bs_step *st, char *out, size_t cap)
{
    static const char *const names[] = { "Bootstrap-Discover", "Bootstrap-Delete",
                                         "Bootstrap-Write", "Bootstrap-Finish" };
    char path[32] = "";
    if (st->kind != SRV_BS_FINISH && sl_path_format(&st->path, path, sizeof path) < 0)
        strcpy(path, "?");
    snprintf(out, cap, "%s%s%s", st->kind < 4 ? names[st->kind] : "?", path[0] ? " " : "", path);
}
