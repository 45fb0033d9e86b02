/* Field tables of the Device and IPSO demo objects. */
#include "objects/device_ipso.h"

#include <stddef.h>
#include <string.h>


static const struct sl_field device_fields[] = {
    SL_STORE_FIELD(SL_DEV_MANUFACTURER, SL_FIELD_BYTES, struct sl_device_inst, manufacturer, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_MODEL, SL_FIELD_BYTES, struct sl_device_inst, model, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_SERIAL, SL_FIELD_BYTES, struct sl_device_inst, serial, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_FIRMWARE, SL_FIELD_BYTES, struct sl_device_inst, firmware, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_BATTERY, SL_FIELD_INT, struct sl_device_inst, battery, 0),
    SL_STORE_FIELD(SL_DEV_MEMORY_FREE, SL_FIELD_INT, struct sl_device_inst, memory_free, 0),
    SL_STORE_FIELD(SL_DEV_ERROR_CODE, SL_FIELD_MULTI, struct sl_device_inst, error_code, 4),
    SL_STORE_FIELD(SL_DEV_TIME, SL_FIELD_INT, struct sl_device_inst, time, 0),
    SL_STORE_FIELD(SL_DEV_UTC_OFFSET, SL_FIELD_BYTES, struct sl_device_inst, utc_offset, 8),
    SL_STORE_FIELD(SL_DEV_TIMEZONE, SL_FIELD_BYTES, struct sl_device_inst, timezone, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_BINDINGS, SL_FIELD_BYTES, struct sl_device_inst, bindings, 8),
    SL_STORE_FIELD(SL_DEV_TYPE, SL_FIELD_BYTES, struct sl_device_inst, type, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_HW_VERSION, SL_FIELD_BYTES, struct sl_device_inst, hw_version, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_DEV_SW_VERSION, SL_FIELD_BYTES, struct sl_device_inst, sw_version, SL_DEVICE_STR),
};

static const struct sl_field temperature_fields[] = {
    SL_STORE_FIELD(SL_IPSO_MIN_MEASURED, SL_FIELD_FLOAT, struct sl_temperature_inst, min_measured, 0),
    SL_STORE_FIELD(SL_IPSO_MAX_MEASURED, SL_FIELD_FLOAT, struct sl_temperature_inst, max_measured, 0),
    SL_STORE_FIELD(SL_IPSO_MIN_RANGE, SL_FIELD_FLOAT, struct sl_temperature_inst, min_range, 0),
    SL_STORE_FIELD(SL_IPSO_MAX_RANGE, SL_FIELD_FLOAT, struct sl_temperature_inst, max_range, 0),
    SL_STORE_FIELD(SL_IPSO_SENSOR_VALUE, SL_FIELD_FLOAT, struct sl_temperature_inst, value, 0),
    SL_STORE_FIELD(SL_IPSO_UNITS, SL_FIELD_BYTES, struct sl_temperature_inst, units, 8),
    SL_STORE_FIELD(SL_IPSO_APP_TYPE, SL_FIELD_BYTES, struct sl_temperature_inst, app_type, SL_DEVICE_STR),
};

static const struct sl_field light_fields[] = {
    SL_STORE_FIELD(SL_IPSO_UNITS, SL_FIELD_BYTES, struct sl_light_inst, units, 8),
    SL_STORE_FIELD(SL_IPSO_COLOUR, SL_FIELD_BYTES, struct sl_light_inst, colour, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_IPSO_APP_TYPE, SL_FIELD_BYTES, struct sl_light_inst, app_type, SL_DEVICE_STR),
    SL_STORE_FIELD(SL_IPSO_POWER, SL_FIELD_FLOAT, struct sl_light_inst, power, 0),
    SL_STORE_FIELD(SL_IPSO_POWER_FACTOR, SL_FIELD_FLOAT, struct sl_light_inst, power_factor, 0),
    SL_STORE_FIELD(SL_IPSO_ON_OFF, SL_FIELD_BOOL, struct sl_light_inst, on, 0),
    SL_STORE_FIELD(SL_IPSO_DIMMER, SL_FIELD_INT, struct sl_light_inst, dimmer, 0),
    SL_STORE_FIELD(SL_IPSO_ON_TIME, SL_FIELD_INT, struct sl_light_inst, on_time, 0),
};

static const struct sl_field button_fields[] = {
    SL_STORE_FIELD(SL_IPSO_DIGITAL_STATE, SL_FIELD_BOOL, struct sl_button_inst, state, 0),
    SL_STORE_FIELD(SL_IPSO_DIGITAL_COUNTER, SL_FIELD_INT, struct sl_button_inst, counter, 0),
    SL_STORE_FIELD(SL_IPSO_APP_TYPE, SL_FIELD_BYTES, struct sl_button_inst, app_type, SL_DEVICE_STR),
};

void sl_device_objects_init(struct sl_device_objects *d)
{
#if SL_CONFIG_STORE_BACKUP
#define BACKUP(a) (a)
#else
#define BACKUP(a) NULL
#endif
    sl_device_store_init(&d->device, d->dev, BACKUP(d->dev_backup));
    sl_store_init(&d->temperature, &sl_def_temperature, temperature_fields,
                  SL_STORE_FIELDS_COUNT(temperature_fields), d->temp, sizeof d->temp[0], SL_MAX_IPSO_INSTANCES,
                  BACKUP(d->temp_backup));
    sl_store_init(&d->light, &sl_def_light_control, light_fields, SL_STORE_FIELDS_COUNT(light_fields), d->lights,
                  sizeof d->lights[0], SL_MAX_IPSO_INSTANCES, BACKUP(d->lights_backup));
    sl_store_init(&d->button, &sl_def_push_button, button_fields, SL_STORE_FIELDS_COUNT(button_fields), d->buttons,
                  sizeof d->buttons[0], SL_MAX_IPSO_INSTANCES, BACKUP(d->buttons_backup));
}

void sl_device_store_init(struct sl_store *s, struct sl_device_inst *inst,
                          struct sl_device_inst *backup)
{
    /* one instance the application owns, written atomically too */
    sl_store_init(s, &sl_def_device, device_fields, SL_STORE_FIELDS_COUNT(device_fields), inst, sizeof *inst, 1,
                  backup);
}

static sl_err set_str(struct sl_store *s, uint16_t rid, const char *v)
{
    struct sl_value val = sl_value_string(v, strlen(v));
    return sl_store_set(s, 0, rid, SL_ID_NONE, &val);
}

sl_err sl_device_setup(struct sl_device_objects *d, const char *manufacturer, const char *model,
                       const char *serial, const char *firmware)
{
    return sl_device_store_setup(&d->device, manufacturer, model, serial, firmware);
}

sl_err sl_device_store_setup(struct sl_store *dev, const char *manufacturer, const char *model,
                             const char *serial, const char *firmware)
{
    sl_err err = sl_store_add(dev, 0, NULL);
    if (err != SL_OK && err != SL_ERR_CONFLICT)
        return err;
    struct sl_value zero = sl_value_int(0);
    /* the string resources, in this order: one loop instead of six calls */
    static const uint8_t rids[] = { SL_DEV_MANUFACTURER, SL_DEV_MODEL,    SL_DEV_SERIAL,
                                    SL_DEV_FIRMWARE,     SL_DEV_BINDINGS, SL_DEV_UTC_OFFSET };
    const char *const vals[] = { manufacturer, model, serial, firmware, "U", "+00:00" };
    for (unsigned k = 0; k < sizeof rids; k++)
        if ((err = set_str(dev, rids[k], vals[k])) != SL_OK)
            return err;
    /* Error Code is mandatory: 0 means "no error" (LwM2M Core, object 3) */
    return sl_store_set(dev, 0, SL_DEV_ERROR_CODE, 0, &zero);
}
