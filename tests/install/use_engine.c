/* Built by tools/check-install.sh against an installed libsidelink, through
 * pkg-config only: proves the installed headers and the .pc file suffice. */
#include <stdio.h>
#include "sidelink/engine.h"
static struct sl_engine eng;
static sl_err snd(void *c, sl_sock s, const struct sl_addr *a, const uint8_t *d, size_t n) { (void)c;(void)s;(void)a;(void)d;(void)n; return SL_OK; }
static void rnd(void *c, uint8_t *o, size_t n) { (void)c; for (size_t k = 0; k < n; k++) o[k] = (uint8_t)k; }
int main(void) {
    struct sl_platform p = { .send = snd, .random = rnd };
    printf("init: %s, engine %zu bytes\n", sl_err_str(sl_engine_init(&eng, &p, NULL)), sizeof eng);
    return 0;
}
