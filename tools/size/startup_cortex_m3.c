/* Minimal Cortex-M3 start-up for the footprint firmware (`make size`):
 * the vector table, and a reset handler that sets up .data and .bss and
 * calls main(). Linked with -nostartfiles and tools/size/cortex-m3.ld in
 * place of newlib's crt0, so the measured image holds what a real firmware
 * holds and no C runtime start-up of newlib's.
 *
 * Only the 16 system exception entries are present; a real part adds its
 * peripheral interrupts (4 bytes each), which are not the engine's.
 */
#include <stdint.h>

/* From the linker script. */
extern uint32_t _sidata; /* where .data's initial values are, in flash */
extern uint32_t _sdata, _edata;
extern uint32_t _sbss, _ebss;
extern uint32_t _estack;

int main(void);
void sl_reset_handler(void);
void sl_default_handler(void);

void sl_default_handler(void)
{
    for (;;) {
    }
}

void sl_reset_handler(void)
{
    const uint32_t *src = &_sidata;
    uint32_t *dst;
    for (dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    (void)main();
    for (;;) {
    }
}

/* Entry 0 is the initial stack pointer, the others handlers. */
union sl_vector {
    const void *stack;
    void (*handler)(void);
};

__attribute__((section(".isr_vector"), used))
const union sl_vector sl_vector_table[16] = {
    {.stack = &_estack},
    {.handler = sl_reset_handler},   /* Reset */
    {.handler = sl_default_handler}, /* NMI */
    {.handler = sl_default_handler}, /* HardFault */
    {.handler = sl_default_handler}, /* MemManage */
    {.handler = sl_default_handler}, /* BusFault */
    {.handler = sl_default_handler}, /* UsageFault */
    {.stack = 0},
    {.stack = 0},
    {.stack = 0},
    {.stack = 0},
    {.handler = sl_default_handler}, /* SVCall */
    {.handler = sl_default_handler}, /* DebugMonitor */
    {.stack = 0},
    {.handler = sl_default_handler}, /* PendSV */
    {.handler = sl_default_handler}, /* SysTick */
};
