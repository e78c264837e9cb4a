/* Minimal Cortex-M startup for the QEMU boards of tinyaudio.mcu (mps2-an385/an386/an500, mps3-an547): vector table, FPU
 * enable, .data copy, .bss zero, stack paint, newlib init, main, exit. */
#include <stdint.h>
#include <stdio.h>
#include "mcu.h"

extern uint32_t __StackTop, __StackLimit, __data_load, __data_start, __data_end,
                __bss_start__, __bss_end__;
extern int main(void);
extern void initialise_monitor_handles(void);  /* librdimon */
extern void __libc_init_array(void);

void Reset_Handler(void);
static void Fault_Handler(void);
void SysTick_Handler(void);

#define STACK_PAINT 0xDEADBEEFu

__attribute__((section(".isr_vector"), used))
void (* const g_vectors[16 + 32])(void) = {
    (void (*)(void))(&__StackTop),
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVC */
    Fault_Handler, /* DebugMon */
    0,
    Fault_Handler, /* PendSV */
    SysTick_Handler,
};

/* ---- semihosting ---- */
static inline int sh_call(int op, void *arg) {
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
void sh_write0(const char *s) { sh_call(0x04, (void *)s); }
void sh_exit(int code) {
    uint32_t blk[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    for (;;) sh_call(0x20 /* SYS_EXIT_EXTENDED */, blk);
}
/* newlib's exit() ends in _exit(); route it to SYS_EXIT_EXTENDED so the
 * status reaches the host (librdimon's own _exit is not linked then). */
void _exit(int code) { sh_exit(code); }

static void sh_hex(uint32_t v) {
    char b[11] = "0x"; for (int i = 0; i < 8; i++) b[2+i] = "0123456789abcdef"[(v >> (28-4*i)) & 15];
    b[10] = 0; sh_write0(b);
}
__attribute__((used, noreturn)) void fault_c(uint32_t *frame) {
    volatile uint32_t *scb = (uint32_t *)0xE000ED00u;
    sh_write0("\n*** FAULT: ICSR="); sh_hex(scb[1]);
    sh_write0(" CFSR="); sh_hex(scb[10]); sh_write0(" HFSR="); sh_hex(scb[11]);
    sh_write0(" BFAR="); sh_hex(scb[14]); sh_write0(" PC="); sh_hex(frame[6]);
    sh_write0(" LR="); sh_hex(frame[5]); sh_write0("\n");
    sh_exit(250);
}
__attribute__((naked)) static void Fault_Handler(void) {
    __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b fault_c\n");
}

/* ---- markers for the insn-count plugin ----
 * 128 one-instruction stubs: stub k (k<64) = begin region k, stub 64+k = end.
 * The plugin (insncount.c, built by tinyaudio.mcu: stubs=<addr of mcu_marker_stubs>)
 * snapshots its executed-instruction counter when a stub executes. */
__attribute__((naked, used, aligned(4))) void mcu_marker_stubs(void) {
    __asm__ volatile(".rept 128\n bx lr\n .endr\n");
}
typedef void (*stub_fn)(void);
__attribute__((noinline)) void mcu_bench_begin(uint32_t id) {
    ((stub_fn)((uintptr_t)mcu_marker_stubs + 2u * (id & 63u)))();
}
__attribute__((noinline)) void mcu_bench_end(uint32_t id) {
    ((stub_fn)((uintptr_t)mcu_marker_stubs + 2u * (64u + (id & 63u))))();
}

/* ---- SysTick ---- */
#define SYST ((volatile uint32_t *)0xE000E010u) /* CSR, RVR, CVR, CALIB */
static volatile uint32_t systick_wraps;
void SysTick_Handler(void) { systick_wraps++; }
void mcu_systick_start(void) {
    SYST[0] = 0; SYST[1] = 0x00FFFFFFu; SYST[2] = 0; systick_wraps = 0;
    SYST[0] = 7; /* ENABLE | TICKINT | CLKSOURCE=processor clock */
    while (SYST[2] == 0) { }   /* first reload happens on the first tick */
    systick_wraps = 0;
}
uint32_t mcu_systick_read(void) {
    uint32_t w, v;
    do { w = systick_wraps; v = SYST[2]; } while (w != systick_wraps);
    return w * 0x01000000u + (0x00FFFFFFu - v);
}
/* ---- DWT ---- */
void mcu_dwt_enable(void) {
    *(volatile uint32_t *)0xE000EDFCu |= (1u << 24);   /* DEMCR.TRCENA */
    *(volatile uint32_t *)0xE0001004u = 0;             /* CYCCNT */
    *(volatile uint32_t *)0xE0001000u |= 1u;           /* CTRL.CYCCNTENA */
}
uint32_t mcu_dwt_cyccnt(void) { return *(volatile uint32_t *)0xE0001004u; }

/* -nostartfiles drops crti/crtn: provide the hooks __libc_init_array wants */
void _init(void) {}
void _fini(void) {}

uint32_t mcu_stack_used(void) {
    uint32_t *p = &__StackLimit;
    while (p < &__StackTop && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)&__StackTop - (uintptr_t)p);
}

__attribute__((naked, noreturn)) void Reset_Handler(void) {
    __asm__ volatile(
        "ldr r0, =__StackTop\n msr msp, r0\n"
        /* enable CP10/CP11 (FPU) before any FP instruction */
        "ldr r0, =0xE000ED88\n ldr r1, [r0]\n orr r1, r1, #(0xF << 20)\n str r1, [r0]\n"
        "dsb\n isb\n"
        "b reset_c\n");
}

__attribute__((noreturn, used)) void reset_c(void) {
    uint32_t *s = &__data_load, *d = &__data_start;
    while (d < &__data_end) *d++ = *s++;
    for (d = &__bss_start__; d < &__bss_end__; ) *d++ = 0;
    /* paint stack below current sp (leave 64 bytes margin) */
    uint32_t *sp; __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (d = &__StackLimit; d < sp - 16; ) *d++ = STACK_PAINT;
#ifndef MCU_NO_NEWLIB
    initialise_monitor_handles();
    __libc_init_array();
#endif
    int rc = main();
#ifndef MCU_NO_NEWLIB
    fflush(stdout);
#endif
#ifndef MCU_QUIET
    sh_write0("mcu: stack_used="); sh_hex(mcu_stack_used()); sh_write0("\n");   /* on stderr */
#endif
    sh_exit(rc);
}
