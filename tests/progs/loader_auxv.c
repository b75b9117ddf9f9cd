/* What a program sees of its start: argv, the auxiliary vector, and checks of
 * AT_PHDR / AT_ENTRY / AT_BASE and of the initial stack's layout. loader_test
 * runs it natively and loaded by lstar's user-space exec and compares the two
 * outputs. Built as a PIE, a non-PIE, a static non-PIE and a static PIE. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/rseq.h>

extern char _start[];
/* .bss right after .data: the loader zeroes the rest of .data's last file page. */
static char bss_small[24];
static char bss_large[3 * 4096 + 100];
int main(int argc, char** argv, char** envp);

struct objects {
    int index;
    int main_ok;   /* the first object is the program: AT_PHDR/AT_PHNUM, main inside a PT_LOAD */
    int interp_ok; /* an object loaded at AT_BASE with a PT_DYNAMIC (the interpreter) */
};

static int each_object(struct dl_phdr_info* info, size_t size, void* data) {
    struct objects* o = data;
    (void)size;
    if (o->index++ == 0) {
        int inside = 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
            const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
            if (ph->p_type == PT_LOAD && (uintptr_t)&main >= lo && (uintptr_t)&main < lo + ph->p_memsz)
                inside = 1;
        }
        o->main_ok = info->dlpi_phdr == (const ElfW(Phdr)*)getauxval(AT_PHDR) &&
                     info->dlpi_phnum == getauxval(AT_PHNUM) && inside;
    } else if (getauxval(AT_BASE) != 0 && info->dlpi_addr == getauxval(AT_BASE)) {
        for (int i = 0; i < info->dlpi_phnum; ++i)
            if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) o->interp_ok = 1;
    }
    return 0;
}

int main(int argc, char** argv, char** envp) {
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; ++i) printf("argv[%d] '%s'\n", i, argv[i]);

    /* The stack as the ABI has it: argc at a 16-byte aligned rsp, argv, NULL, envp, NULL, auxv. */
    int aligned = ((uintptr_t)argv - 8) % 16 == 0 && ((long*)argv)[-1] == argc;
    int env_follows = envp == argv + argc + 1;
    char** e = envp;
    int envc = 0;
    while (*e) ++e, ++envc;
    ElfW(auxv_t)* av = (ElfW(auxv_t)*)(e + 1);
    /* The raw vector, in order: values that are the same in every process as they are,
     * addresses (which ASLR moves) as "*". glibc's getauxval answers AT_HWCAP* with its own. */
    char raw[4096] = "";
    int auxv_ok = 1, n = 0;
    for (; av->a_type != AT_NULL && n < 100; ++av, ++n) {
        unsigned long t = av->a_type, v = av->a_un.a_val;
        int address = t == AT_SYSINFO_EHDR || t == AT_PHDR || t == AT_BASE || t == AT_ENTRY || t == AT_RANDOM ||
                      t == AT_EXECFN || t == AT_PLATFORM || t == AT_BASE_PLATFORM;
        if (t != AT_HWCAP && t != AT_HWCAP2 && getauxval(t) != v) auxv_ok = 0;
        if (address)
            snprintf(raw + strlen(raw), sizeof raw - strlen(raw), " %lu=*", t);
        else
            snprintf(raw + strlen(raw), sizeof raw - strlen(raw), " %lu=%#lx", t, v);
    }
    printf("stack: argc aligned %d, envp after argv %d, auxv after envp %d\n", aligned, env_follows,
           auxv_ok && av->a_type == AT_NULL);
    printf("auxv:%s\n", raw);
    printf("envc %d, LOADER_TEST=%s\n", envc, getenv("LOADER_TEST") ? getenv("LOADER_TEST") : "(unset)");

    const char* execfn = (const char*)getauxval(AT_EXECFN);
    const char* platform = (const char*)getauxval(AT_PLATFORM);
    printf("AT_EXECFN '%s'\n", execfn ? execfn : "(none)");
    printf("AT_PLATFORM '%s'\n", platform ? platform : "(none)");
    printf("AT_SECURE %lu AT_FLAGS %lu AT_PAGESZ %lu AT_PHENT %lu AT_CLKTCK %lu\n", getauxval(AT_SECURE),
           getauxval(AT_FLAGS), getauxval(AT_PAGESZ), getauxval(AT_PHENT), getauxval(AT_CLKTCK));
    printf("AT_UID %lu AT_EUID %lu AT_GID %lu AT_EGID %lu\n", getauxval(AT_UID), getauxval(AT_EUID),
           getauxval(AT_GID), getauxval(AT_EGID));
    printf("AT_HWCAP %#lx AT_HWCAP2 %#lx AT_MINSIGSTKSZ %lu\n", getauxval(AT_HWCAP), getauxval(AT_HWCAP2),
           getauxval(51));
    printf("AT_EXECFD present %d\n", getauxval(AT_EXECFD) != 0);

    const unsigned char* random = (const unsigned char*)getauxval(AT_RANDOM);
    int random_ok = 0;
    for (int i = 0; random && i < 16; ++i)
        if (random[i]) random_ok = 1;
    const char* vdso = (const char*)getauxval(AT_SYSINFO_EHDR);
    printf("AT_RANDOM set %d, vDSO ELF %d\n", random_ok, vdso && memcmp(vdso, ELFMAG, SELFMAG) == 0);

    printf("AT_ENTRY is _start %d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
    struct objects o = {0, 0, 0};
    dl_iterate_phdr(each_object, &o);
    printf("AT_PHDR is the program's %d\n", o.main_ok);
    printf("AT_BASE %s\n", getauxval(AT_BASE) == 0 ? "0" : o.interp_ok ? "is the interpreter" : "unknown");
    printf("rseq registered %d\n", __rseq_size > 0);
    int bss_zero = 1;
    for (size_t i = 0; i < sizeof bss_small; ++i) bss_zero &= bss_small[i] == 0;
    for (size_t i = 0; i < sizeof bss_large; ++i) bss_zero &= bss_large[i] == 0;
    printf("bss zero %d\n", bss_zero);
    /* The floating-point control state is the default one (the loader resets it). */
    unsigned short cw = 0;
    unsigned int mxcsr = 0;
    __asm__ volatile("fnstcw %0; stmxcsr %1" : "=m"(cw), "=m"(mxcsr));
    printf("x87 cw %#x mxcsr %#x\n", cw, mxcsr & ~0x3fu);
    return 3;
}
