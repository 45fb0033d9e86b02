/* Declarations (object ID, version, resource table) of the objects
 * Sidelink knows: the LwM2M core objects, OSCORE, the three C2C objects of
 * DESIGN 4 and the IPSO objects of the demo. Clients implement them; the
 * server uses the same tables to type values it encodes and decodes. */
#ifndef SL_OBJECTS_DEFS_H
#define SL_OBJECTS_DEFS_H

#include "sidelink/object.h"

/* Resource IDs that code refers to by name. */
enum {
    SL_SEC_URI = 0, SL_SEC_BOOTSTRAP = 1, SL_SEC_MODE = 2, SL_SEC_IDENTITY = 3,
    SL_SEC_SERVER_KEY = 4, SL_SEC_SECRET_KEY = 5, SL_SEC_SSID = 10, SL_SEC_HOLD_OFF = 11,
    SL_SEC_BS_TIMEOUT = 12, SL_SEC_OSCORE = 17
};
enum {
    SL_SRV_SSID = 0, SL_SRV_LIFETIME = 1, SL_SRV_PMIN = 2, SL_SRV_PMAX = 3, SL_SRV_DISABLE = 4,
    SL_SRV_DISABLE_TIMEOUT = 5, SL_SRV_STORING = 6, SL_SRV_BINDING = 7, SL_SRV_UPDATE_TRIGGER = 8,
    SL_SRV_BOOTSTRAP_TRIGGER = 9
};
enum {
    SL_DEV_MANUFACTURER = 0, SL_DEV_MODEL = 1, SL_DEV_SERIAL = 2, SL_DEV_FIRMWARE = 3,
    SL_DEV_REBOOT = 4, SL_DEV_FACTORY_RESET = 5, SL_DEV_BATTERY = 9, SL_DEV_MEMORY_FREE = 10,
    SL_DEV_ERROR_CODE = 11, SL_DEV_RESET_ERROR = 12, SL_DEV_TIME = 13, SL_DEV_UTC_OFFSET = 14,
    SL_DEV_TIMEZONE = 15, SL_DEV_BINDINGS = 16, SL_DEV_TYPE = 17, SL_DEV_HW_VERSION = 18,
    SL_DEV_SW_VERSION = 19
};
enum {
    SL_OSC_MASTER_SECRET = 0, SL_OSC_SENDER_ID = 1, SL_OSC_RECIPIENT_ID = 2, SL_OSC_AEAD = 3,
    SL_OSC_HMAC = 4, SL_OSC_MASTER_SALT = 5, SL_OSC_ID_CONTEXT = 6
};
/* 11001 Client: as object 1, plus the endpoint name */
enum { SL_CLI_SCID = 0, SL_CLI_LIFETIME = 1, SL_CLI_ENDPOINT = 9 };
/* IPSO */
enum {
    SL_IPSO_DIGITAL_STATE = 5500, SL_IPSO_DIGITAL_COUNTER = 5501, SL_IPSO_MIN_MEASURED = 5601,
    SL_IPSO_MAX_MEASURED = 5602, SL_IPSO_MIN_RANGE = 5603, SL_IPSO_MAX_RANGE = 5604,
    SL_IPSO_RESET_MIN_MAX = 5605, SL_IPSO_SENSOR_VALUE = 5700, SL_IPSO_UNITS = 5701,
    SL_IPSO_COLOUR = 5706, SL_IPSO_APP_TYPE = 5750, SL_IPSO_POWER = 5805,
    SL_IPSO_POWER_FACTOR = 5820, SL_IPSO_ON_OFF = 5850, SL_IPSO_DIMMER = 5851,
    SL_IPSO_ON_TIME = 5852
};

extern const struct sl_obj_def sl_def_security;              /* 0 */
extern const struct sl_obj_def sl_def_server;                /* 1 */
extern const struct sl_obj_def sl_def_access_control;        /* 2 */
extern const struct sl_obj_def sl_def_device;                /* 3 */
extern const struct sl_obj_def sl_def_oscore;                /* 21 */
extern const struct sl_obj_def sl_def_client_security;       /* 11000 */
extern const struct sl_obj_def sl_def_client;                /* 11001 */
extern const struct sl_obj_def sl_def_client_access_control; /* 11002 */
extern const struct sl_obj_def sl_def_temperature;           /* 3303 */
extern const struct sl_obj_def sl_def_light_control;         /* 3311 */
extern const struct sl_obj_def sl_def_push_button;           /* 3347 */

/* The declaration of object `oid`, or NULL when Sidelink does not know it. */
const struct sl_obj_def *sl_def_find(uint16_t oid);

#endif
