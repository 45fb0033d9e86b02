/* Object declarations (OMA LwM2M registry, DESIGN 3 and 4). Operations
 * follow the registry; objects 0 and 21 declare their resources writable
 * because only the bootstrap server (or a server, for C2C instances) may
 * reach them at all, which access control enforces. */
#include "objects/defs.h"

#define DEF(name, id, flags, maj, min, table)                                                 \
    const struct sl_obj_def name = { id, flags, maj, min,                                     \
                                     (uint16_t)(sizeof table / sizeof table[0]), table }

#define R SL_RES_R
#define W SL_RES_W
#define RW SL_RES_RW
#define E SL_RES_E
#define M SL_RES_MANDATORY
#define MULTI SL_RES_MULTI

static const struct sl_res_def security_res[] = {
    { SL_SEC_URI, SL_TYPE_STRING, RW | M },
    { SL_SEC_BOOTSTRAP, SL_TYPE_BOOL, RW | M },
    { SL_SEC_MODE, SL_TYPE_INT, RW | M },
    { SL_SEC_IDENTITY, SL_TYPE_OPAQUE, RW | M },
    { SL_SEC_SERVER_KEY, SL_TYPE_OPAQUE, RW | M },
    { SL_SEC_SECRET_KEY, SL_TYPE_OPAQUE, W | M },
    { SL_SEC_SSID, SL_TYPE_INT, RW },
    { SL_SEC_HOLD_OFF, SL_TYPE_INT, RW },
    { SL_SEC_BS_TIMEOUT, SL_TYPE_INT, RW },
    { SL_SEC_OSCORE, SL_TYPE_OBJLNK, RW },
};
DEF(sl_def_security, 0, SL_OBJ_MULTI | SL_OBJ_MANDATORY, 1, 1, security_res);

static const struct sl_res_def server_res[] = {
    { SL_SRV_SSID, SL_TYPE_INT, R | M },
    { SL_SRV_LIFETIME, SL_TYPE_INT, RW | M },
    { SL_SRV_PMIN, SL_TYPE_INT, RW },
    { SL_SRV_PMAX, SL_TYPE_INT, RW },
    { SL_SRV_DISABLE, SL_TYPE_NONE, E },
    { SL_SRV_DISABLE_TIMEOUT, SL_TYPE_INT, RW },
    { SL_SRV_STORING, SL_TYPE_BOOL, RW | M },
    { SL_SRV_BINDING, SL_TYPE_STRING, RW | M },
    { SL_SRV_UPDATE_TRIGGER, SL_TYPE_NONE, E | M },
    { SL_SRV_BOOTSTRAP_TRIGGER, SL_TYPE_NONE, E },
};
DEF(sl_def_server, 1, SL_OBJ_MULTI | SL_OBJ_MANDATORY, 1, 1, server_res);

static const struct sl_res_def acl_res[] = {
    { 0, SL_TYPE_INT, R | M },
    { 1, SL_TYPE_INT, R | M },
    { 2, SL_TYPE_INT, RW | MULTI },
    { 3, SL_TYPE_INT, RW | M },
};
DEF(sl_def_access_control, 2, SL_OBJ_MULTI, 1, 0, acl_res);

static const struct sl_res_def device_res[] = {
    { SL_DEV_MANUFACTURER, SL_TYPE_STRING, R },
    { SL_DEV_MODEL, SL_TYPE_STRING, R },
    { SL_DEV_SERIAL, SL_TYPE_STRING, R },
    { SL_DEV_FIRMWARE, SL_TYPE_STRING, R },
    { SL_DEV_REBOOT, SL_TYPE_NONE, E | M },
    { SL_DEV_FACTORY_RESET, SL_TYPE_NONE, E },
    { 6, SL_TYPE_INT, R | MULTI },  /* Available Power Sources */
    { 7, SL_TYPE_INT, R | MULTI },  /* Power Source Voltage */
    { 8, SL_TYPE_INT, R | MULTI },  /* Power Source Current */
    { SL_DEV_BATTERY, SL_TYPE_INT, R },
    { SL_DEV_MEMORY_FREE, SL_TYPE_INT, R },
    { SL_DEV_ERROR_CODE, SL_TYPE_INT, R | M | MULTI },
    { SL_DEV_RESET_ERROR, SL_TYPE_NONE, E },
    { SL_DEV_TIME, SL_TYPE_TIME, RW },
    { SL_DEV_UTC_OFFSET, SL_TYPE_STRING, RW },
    { SL_DEV_TIMEZONE, SL_TYPE_STRING, RW },
    { SL_DEV_BINDINGS, SL_TYPE_STRING, R | M },
    { SL_DEV_TYPE, SL_TYPE_STRING, R },
    { SL_DEV_HW_VERSION, SL_TYPE_STRING, R },
    { SL_DEV_SW_VERSION, SL_TYPE_STRING, R },
};
DEF(sl_def_device, 3, SL_OBJ_MANDATORY, 1, 1, device_res);

/* Object 21 v2.0: Opaque resources, never readable (DESIGN 3). */
static const struct sl_res_def oscore_res[] = {
    { SL_OSC_MASTER_SECRET, SL_TYPE_OPAQUE, W | M },
    { SL_OSC_SENDER_ID, SL_TYPE_OPAQUE, W | M },
    { SL_OSC_RECIPIENT_ID, SL_TYPE_OPAQUE, W | M },
    { SL_OSC_AEAD, SL_TYPE_INT, W },
    { SL_OSC_HMAC, SL_TYPE_INT, W },
    { SL_OSC_MASTER_SALT, SL_TYPE_OPAQUE, W },
    { SL_OSC_ID_CONTEXT, SL_TYPE_OPAQUE, W },
};
DEF(sl_def_oscore, 21, SL_OBJ_MULTI, 2, 0, oscore_res);

/* 11000 Client Security: resources as object 0; the secret never readable. */
static const struct sl_res_def client_security_res[] = {
    { SL_SEC_URI, SL_TYPE_STRING, RW },
    { SL_SEC_MODE, SL_TYPE_INT, RW | M },
    { SL_SEC_IDENTITY, SL_TYPE_OPAQUE, RW },
    { SL_SEC_SERVER_KEY, SL_TYPE_OPAQUE, RW },
    { SL_SEC_SECRET_KEY, SL_TYPE_OPAQUE, W },
    { SL_SEC_SSID, SL_TYPE_INT, RW | M },
    { SL_SEC_OSCORE, SL_TYPE_OBJLNK, RW },
};
DEF(sl_def_client_security, 11000, SL_OBJ_MULTI, 1, 0, client_security_res);

/* 11001 Client: resources as object 1, plus the endpoint name. */
static const struct sl_res_def client_res[] = {
    { SL_SRV_SSID, SL_TYPE_INT, RW | M },
    { SL_SRV_LIFETIME, SL_TYPE_INT, RW },
    { SL_SRV_PMIN, SL_TYPE_INT, RW },
    { SL_SRV_PMAX, SL_TYPE_INT, RW },
    { SL_SRV_DISABLE, SL_TYPE_NONE, E },
    { SL_SRV_DISABLE_TIMEOUT, SL_TYPE_INT, RW },
    { SL_SRV_STORING, SL_TYPE_BOOL, RW },
    { SL_SRV_BINDING, SL_TYPE_STRING, RW },
    { SL_CLI_ENDPOINT, SL_TYPE_STRING, RW | M },
};
DEF(sl_def_client, 11001, SL_OBJ_MULTI, 1, 0, client_res);

static const struct sl_res_def client_acl_res[] = {
    { 0, SL_TYPE_INT, RW | M },
    { 1, SL_TYPE_INT, RW | M },
    { 2, SL_TYPE_INT, RW | MULTI },
    { 3, SL_TYPE_INT, RW | M },
};
DEF(sl_def_client_access_control, 11002, SL_OBJ_MULTI, 1, 0, client_acl_res);

static const struct sl_res_def temperature_res[] = {
    { SL_IPSO_MIN_MEASURED, SL_TYPE_FLOAT, R },
    { SL_IPSO_MAX_MEASURED, SL_TYPE_FLOAT, R },
    { SL_IPSO_MIN_RANGE, SL_TYPE_FLOAT, R },
    { SL_IPSO_MAX_RANGE, SL_TYPE_FLOAT, R },
    { SL_IPSO_RESET_MIN_MAX, SL_TYPE_NONE, E },
    { SL_IPSO_SENSOR_VALUE, SL_TYPE_FLOAT, R | M },
    { SL_IPSO_UNITS, SL_TYPE_STRING, R },
    { SL_IPSO_APP_TYPE, SL_TYPE_STRING, RW },
};
DEF(sl_def_temperature, 3303, SL_OBJ_MULTI, 1, 0, temperature_res);

static const struct sl_res_def light_res[] = {
    { SL_IPSO_UNITS, SL_TYPE_STRING, R },
    { SL_IPSO_COLOUR, SL_TYPE_STRING, RW },
    { SL_IPSO_APP_TYPE, SL_TYPE_STRING, RW },
    { SL_IPSO_POWER, SL_TYPE_FLOAT, R },
    { SL_IPSO_POWER_FACTOR, SL_TYPE_FLOAT, R },
    { SL_IPSO_ON_OFF, SL_TYPE_BOOL, RW | M },
    { SL_IPSO_DIMMER, SL_TYPE_INT, RW },
    { SL_IPSO_ON_TIME, SL_TYPE_INT, RW },
};
DEF(sl_def_light_control, 3311, SL_OBJ_MULTI, 1, 0, light_res);

static const struct sl_res_def button_res[] = {
    { SL_IPSO_DIGITAL_STATE, SL_TYPE_BOOL, R | M },
    { SL_IPSO_DIGITAL_COUNTER, SL_TYPE_INT, R },
    { SL_IPSO_APP_TYPE, SL_TYPE_STRING, RW },
};
DEF(sl_def_push_button, 3347, SL_OBJ_MULTI, 1, 0, button_res);

static const struct sl_obj_def *const all_defs[] = {
    &sl_def_security,    &sl_def_server,          &sl_def_access_control,
    &sl_def_device,      &sl_def_oscore,          &sl_def_client_security,
    &sl_def_client,      &sl_def_client_access_control, &sl_def_temperature,
    &sl_def_light_control, &sl_def_push_button,
};

const struct sl_obj_def *sl_def_find(uint16_t oid)
{
    for (size_t k = 0; k < sizeof all_defs / sizeof all_defs[0]; k++)
        if (all_defs[k]->oid == oid)
            return all_defs[k];
    return NULL;
}
