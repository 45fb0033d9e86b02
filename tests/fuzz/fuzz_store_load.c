/* Fuzz sl_store_load (src/objects/store.c) with arbitrary bytes into the
 * Security, Server and Access Control stores, each pre-filled with a known
 * instance, and into the Device and Temperature stores. On an error the store must be byte-identical to before
 * ("on a malformed input nothing changes"); on success what was loaded must
 * respect the field caps, save again, and that saved form must load into a
 * fresh store and save to the very same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objects/core_objects.h"
#include "objects/device_ipso.h"

#define CHECK(c)          \
    do {                  \
        if (!(c))         \
            abort();      \
    } while (0)

static void set(struct sl_store *s, uint16_t iid, uint16_t rid, uint16_t riid, struct sl_value v)
{
    CHECK(sl_store_set(s, iid, rid, riid, &v) == SL_OK);
}

static void fill(struct sl_core_objects *co)
{
    static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    struct sl_store *sec = &co->security, *srv = &co->server, *acl = &co->acl;
    CHECK(sl_store_add(sec, 1, NULL) == SL_OK);
    set(sec, 1, SL_SEC_URI, SL_ID_NONE, sl_value_string("coaps://lwm2m.example", 21));
    set(sec, 1, SL_SEC_BOOTSTRAP, SL_ID_NONE, sl_value_bool(false));
    set(sec, 1, SL_SEC_MODE, SL_ID_NONE, sl_value_int(SL_SEC_MODE_PSK));
    set(sec, 1, SL_SEC_IDENTITY, SL_ID_NONE, sl_value_opaque((const uint8_t *)"ep-1", 4));
    set(sec, 1, SL_SEC_SERVER_KEY, SL_ID_NONE, sl_value_opaque(key, 0));
    set(sec, 1, SL_SEC_SECRET_KEY, SL_ID_NONE, sl_value_opaque(key, sizeof key));
    set(sec, 1, SL_SEC_SSID, SL_ID_NONE, sl_value_int(1));
    set(sec, 1, SL_SEC_OSCORE, SL_ID_NONE, sl_value_objlnk(21, 0));
    CHECK(sl_store_add(srv, 0, NULL) == SL_OK);
    set(srv, 0, SL_SRV_SSID, SL_ID_NONE, sl_value_int(1));
    set(srv, 0, SL_SRV_LIFETIME, SL_ID_NONE, sl_value_int(300));
    set(srv, 0, SL_SRV_STORING, SL_ID_NONE, sl_value_bool(true));
    set(srv, 0, SL_SRV_BINDING, SL_ID_NONE, sl_value_string("U", 1));
    CHECK(sl_store_add(acl, 3, NULL) == SL_OK);
    set(acl, 3, 0, SL_ID_NONE, sl_value_int(3303));
    set(acl, 3, 1, SL_ID_NONE, sl_value_int(0));
    set(acl, 3, 2, 1, sl_value_int(0x1F));
    set(acl, 3, 2, 0, sl_value_int(0x01));
    set(acl, 3, 3, SL_ID_NONE, sl_value_int(1));
}

/* Every loaded instance respects the table: IDs, byte lengths, entries. */
static void check_caps(const struct sl_store *s)
{
    for (unsigned k = 0; k < s->inst_max; k++) {
        const struct sl_store_hdr *h = (const void *)(s->inst + k * s->inst_size);
        if (!h->used)
            continue;
        CHECK(h->iid <= SL_ID_MAX);
        CHECK(sl_store_get(s, h->iid) == h);
        for (unsigned f = 0; f < s->field_count; f++) {
            const struct sl_field *fd = &s->fields[f];
            const uint8_t *p = (const uint8_t *)h + fd->offset;
            uint16_t n;
            memcpy(&n, p, sizeof n);
            if (fd->kind == SL_FIELD_BYTES || fd->kind == SL_FIELD_MULTI)
                CHECK(n <= fd->cap);
            if (fd->kind == SL_FIELD_MULTI && ((h->present >> f) & 1u))
                CHECK(n > 0);
        }
    }
}

static uint8_t saved[8192], again[8192];

/* Load into s (pre-filled); t is an empty store of the same object. */
static void one_store(struct sl_store *s, struct sl_store *t, const uint8_t *data, size_t size)
{
    static uint8_t before[sizeof(struct sl_core_objects)];
    size_t bytes = s->inst_size * s->inst_max;
    memcpy(before, s->inst, bytes);
    sl_err err = sl_store_load(s, data, size);
    CHECK(!s->in_txn);
    if (err != SL_OK) {
        CHECK(memcmp(before, s->inst, bytes) == 0);
        return;
    }
    check_caps(s);
    struct sl_wbuf w;
    sl_wbuf_init(&w, saved, sizeof saved);
    CHECK(sl_store_save(s, &w) == SL_OK);
    size_t len = w.len;
    /* into a fresh store, and into the same one */
    CHECK(sl_store_load(t, saved, len) == SL_OK);
    sl_wbuf_init(&w, again, sizeof again);
    CHECK(sl_store_save(t, &w) == SL_OK);
    CHECK(w.len == len && memcmp(saved, again, len) == 0);
    CHECK(sl_store_load(s, saved, len) == SL_OK);
    sl_wbuf_init(&w, again, sizeof again);
    CHECK(sl_store_save(s, &w) == SL_OK);
    CHECK(w.len == len && memcmp(saved, again, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sl_core_objects co, fresh;
    sl_core_objects_init(&co);
    sl_core_objects_init(&fresh);
    fill(&co);
    one_store(&co.security, &fresh.security, data, size);
    one_store(&co.server, &fresh.server, data, size);
    one_store(&co.acl, &fresh.acl, data, size);
    static struct sl_device_objects dev, fresh_dev;
    sl_device_objects_init(&dev);
    sl_device_objects_init(&fresh_dev);
    CHECK(sl_device_setup(&dev, "Acme", "Widget", "SN-0001", "1.0.0") == SL_OK);
    CHECK(sl_store_add(&dev.temperature, 0, NULL) == SL_OK);
    set(&dev.temperature, 0, SL_IPSO_SENSOR_VALUE, SL_ID_NONE, sl_value_float(21.5));
    one_store(&dev.device, &fresh_dev.device, data, size);
    one_store(&dev.temperature, &fresh_dev.temperature, data, size);
    return 0;
}
