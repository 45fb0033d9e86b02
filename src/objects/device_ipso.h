/* Object 3 (Device) and the IPSO demo objects 3303 Temperature, 3311 Light
 * Control and 3347 Push Button, as storage-backed objects. The application
 * fills and updates their values with sl_store_set() (and tells observers
 * with sl_engine_changed()); executables (Reboot, Factory Reset, Reset
 * Error Code, Reset Min/Max) reach it through the stores' hooks. */
#ifndef SL_OBJECTS_DEVICE_IPSO_H
#define SL_OBJECTS_DEVICE_IPSO_H

#include "sidelink/config.h"
#include "objects/defs.h"
#include "objects/store.h"

#ifndef SL_MAX_IPSO_INSTANCES
#define SL_MAX_IPSO_INSTANCES 2
#endif
#define SL_DEVICE_STR 32

struct sl_device_inst {
    struct sl_store_hdr h;
    SL_STORE_BYTES(SL_DEVICE_STR) manufacturer;
    SL_STORE_BYTES(SL_DEVICE_STR) model;
    SL_STORE_BYTES(SL_DEVICE_STR) serial;
    SL_STORE_BYTES(SL_DEVICE_STR) firmware;
    int64_t battery;
    int64_t memory_free;
    SL_STORE_MULTI(4) error_code;
    int64_t time;
    SL_STORE_BYTES(8) utc_offset;
    SL_STORE_BYTES(SL_DEVICE_STR) timezone;
    SL_STORE_BYTES(8) bindings;
    SL_STORE_BYTES(SL_DEVICE_STR) type;
    SL_STORE_BYTES(SL_DEVICE_STR) hw_version;
    SL_STORE_BYTES(SL_DEVICE_STR) sw_version;
};

struct sl_temperature_inst {
    struct sl_store_hdr h;
    double min_measured, max_measured, min_range, max_range, value;
    SL_STORE_BYTES(8) units;
    SL_STORE_BYTES(SL_DEVICE_STR) app_type;
};

struct sl_light_inst {
    struct sl_store_hdr h;
    SL_STORE_BYTES(8) units;
    SL_STORE_BYTES(SL_DEVICE_STR) colour;
    SL_STORE_BYTES(SL_DEVICE_STR) app_type;
    double power, power_factor;
    bool on;
    int64_t dimmer, on_time;
};

struct sl_button_inst {
    struct sl_store_hdr h;
    bool state;
    int64_t counter;
    SL_STORE_BYTES(SL_DEVICE_STR) app_type;
};

struct sl_device_objects {
    struct sl_store device, temperature, light, button;
    struct sl_device_inst dev[1];
    struct sl_temperature_inst temp[SL_MAX_IPSO_INSTANCES];
    struct sl_light_inst lights[SL_MAX_IPSO_INSTANCES];
    struct sl_button_inst buttons[SL_MAX_IPSO_INSTANCES];
#if SL_CONFIG_STORE_BACKUP
    struct sl_device_inst dev_backup[1];
    struct sl_temperature_inst temp_backup[SL_MAX_IPSO_INSTANCES];
    struct sl_light_inst lights_backup[SL_MAX_IPSO_INSTANCES];
    struct sl_button_inst buttons_backup[SL_MAX_IPSO_INSTANCES];
#endif
};

/* Initialise the stores (no instances yet). */
void sl_device_objects_init(struct sl_device_objects *d);
/* Device instance 0 with its identity strings and "U" binding. */
sl_err sl_device_setup(struct sl_device_objects *d, const char *manufacturer, const char *model,
                       const char *serial, const char *firmware);

/* The Device object alone, for a client without the IPSO demo objects:
 * `inst` and `backup` are one instance each (backup may be NULL: store.h
 * says what the Device object does without one). */
void sl_device_store_init(struct sl_store *s, struct sl_device_inst *inst,
                          struct sl_device_inst *backup);
sl_err sl_device_store_setup(struct sl_store *s, const char *manufacturer, const char *model,
                             const char *serial, const char *firmware);

#endif
