// The in-process backend's machine-level pieces. They sit in lstar's text,
// whose system calls the trap filter always lets through: the raw call the
// runtime makes on the program's behalf, the signal return, the SIGSYS entry
// that swaps the thread pointer (fs) between the program's and lstar's, and
// the clone trampoline that runs clone in the program's own register state.
//
// Ticket layout (struct CloneTicket in runtime.cpp, static_asserted there).
#define T_RET_IP   0
#define T_R9       8
#define T_RESULT   16
#define T_RDI      24
#define T_RSI      32
#define T_RDX      40
#define T_R10      48
#define T_MASK     56
#define T_FORK     64
#define T_DONE     65

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

// Swap in lstar's thread pointer; the program's goes to \reg. Needs an 8-byte
// slot at (%rsp); clobbers rax (and rcx, rdi, rsi, r11 without FSGSBASE).
// Without FSGSBASE, when every thread pointer the process uses is known to point
// at itself (lstar_inproc_fs_self: the x86-64 TLS ABI's TCB, checked where each
// is set, Runtime::note_thread_pointer), it is read from there: a load instead
// of an ARCH_GET_FS, which reads an MSR.
.macro ENTER_RUNTIME_FS reg
        cmpb $0, lstar_inproc_have_fsgsbase(%rip)
        je 71f
        rdfsbase \reg
        mov lstar_inproc_runtime_fs(%rip), %rax
        wrfsbase %rax
        jmp 72f
71:     cmpb $0, lstar_inproc_fs_self(%rip)
        je 76f
        mov %fs:0, %rax
        mov %rax, (%rsp)
        jmp 77f
76:     mov $158, %eax
        mov $ARCH_GET_FS, %edi
        mov %rsp, %rsi
        syscall
77:     mov $158, %eax
        mov $ARCH_SET_FS, %edi
        mov lstar_inproc_runtime_fs(%rip), %rsi
        syscall
        mov (%rsp), \reg
72:
.endm

// Back to the thread pointer in \reg (not rax, rdi, rsi).
.macro LEAVE_RUNTIME_FS reg
        cmpb $0, lstar_inproc_have_fsgsbase(%rip)
        je 73f
        wrfsbase \reg
        jmp 74f
73:     mov \reg, %rsi
        mov $158, %eax
        mov $ARCH_SET_FS, %edi
        syscall
74:
.endm

// A handler of the program's that interrupted the runtime's own call (made with
// lstar's thread pointer, see Runtime::call_as_program) has returned: the thread
// resumes that call with lstar's again, not with the one the handler left in \reg.
// The interrupted one is at 8(%rsp).
.macro RESUME_RUNTIME_CALL_FS reg
        mov 8(%rsp), %rax
        cmp lstar_inproc_runtime_fs(%rip), %rax
        jne 75f
        mov %rax, \reg
75:
.endm

// The call whose number and six arguments come as a C function's seven.
.macro SYSCALL_FROM_C_ARGS
        mov %rdi, %rax
        mov %rsi, %rdi
        mov %rdx, %rsi
        mov %rcx, %rdx
        mov %r8, %r10
        mov %r9, %r8
        mov 8(%rsp), %r9
        syscall
.endm

        .text

// long lstar_inproc_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
// The raw result: -4095..-1 is -errno. No errno, no thread pointer.
        .globl lstar_inproc_syscall
        .type lstar_inproc_syscall, @function
lstar_inproc_syscall:
        SYSCALL_FROM_C_ARGS
        ret
        .size lstar_inproc_syscall, . - lstar_inproc_syscall

// long lstar_inproc_program_call(long nr, long a1, ..., long a6): the same, for the
// program's own call alone (Runtime::call_as_program), so that a signal handler
// seeing this ip knows that call has returned, not another the runtime made.
        .globl lstar_inproc_program_call
        .type lstar_inproc_program_call, @function
lstar_inproc_program_call:
        SYSCALL_FROM_C_ARGS
        .globl lstar_inproc_program_call_done
lstar_inproc_program_call_done:
        ret
        .size lstar_inproc_program_call, . - lstar_inproc_program_call

// long lstar_inproc_int80(long nr, long a1, ..., long a6): the same through the
// i386 entry, for int $0x80 made by 64-bit code (arguments in ebx, ecx, edx,
// esi, edi, ebp).
        .globl lstar_inproc_int80
        .type lstar_inproc_int80, @function
lstar_inproc_int80:
        push %rbx
        push %rbp
        mov %rdi, %rax
        mov %rsi, %rbx
        mov %rcx, %r11
        mov %rdx, %rcx
        mov %r11, %rdx
        mov %r8, %rsi
        mov %r9, %rdi
        mov 24(%rsp), %rbp
        int $0x80
        .globl lstar_inproc_int80_done
lstar_inproc_int80_done:
        movslq %eax, %rax
        pop %rbp
        pop %rbx
        ret
        .size lstar_inproc_int80, . - lstar_inproc_int80

// The sa_restorer of lstar's SIGSYS handler: rt_sigreturn from allowed text.
        .globl lstar_inproc_restorer
        .type lstar_inproc_restorer, @function
lstar_inproc_restorer:
        mov $15, %eax
        syscall
        ud2
        .size lstar_inproc_restorer, . - lstar_inproc_restorer

// void lstar_inproc_sigsys_entry(int sig, siginfo_t* info, ucontext_t* uc)
// The SIGSYS handler. The program's thread pointer is in fs; lstar's C++ code
// (errno, stack protector, stdio locks) needs lstar's own, so swap them around
// the call: lstar_inproc_on_sigsys(info, uc, program_fs) returns the fs to
// restore (the program may have set a new one with arch_prctl) and, for a
// SIGSYS of the program's own, the program's handler, run as the kernel would
// run it, after which lstar_inproc_after_sigsys restores what it changed.
        .globl lstar_inproc_sigsys_entry
        .type lstar_inproc_sigsys_entry, @function
lstar_inproc_sigsys_entry:
        push %r12
        push %r13
        push %r14
        push %r15
        sub $24, %rsp
        mov %rsi, %r12
        mov %rdx, %r13
        ENTER_RUNTIME_FS %rdx
        mov %rdx, 8(%rsp)               // the interrupted thread pointer
        mov %r12, %rdi
        mov %r13, %rsi
        call lstar_inproc_on_sigsys     // rax = the program's handler (0: none), rdx = its fs
        mov %rax, %r15
        mov %rdx, %r14
        LEAVE_RUNTIME_FS %r14
        test %r15, %r15
        jz 6f
        mov $31, %edi
        mov %r12, %rsi
        mov %r13, %rdx
        call *%r15
        ENTER_RUNTIME_FS %r14
        call lstar_inproc_after_sigsys
        RESUME_RUNTIME_CALL_FS %r14
        LEAVE_RUNTIME_FS %r14
6:      add $24, %rsp
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        ret
        .size lstar_inproc_sigsys_entry, . - lstar_inproc_sigsys_entry

// void lstar_inproc_signal_entry(int sig, siginfo_t* info, ucontext_t* uc)
// The handler lstar installs in place of each handler the program sets: lstar
// reports the signal (lstar_inproc_on_signal, with lstar's fs, returns the
// program's handler and fs), then the program's handler runs as the kernel
// would have run it, with the same three arguments, and returns here.
        .globl lstar_inproc_signal_entry
        .type lstar_inproc_signal_entry, @function
lstar_inproc_signal_entry:
        push %r12
        push %r13
        push %r14
        push %r15
        sub $24, %rsp
        mov %edi, %r12d
        mov %rsi, %r13
        mov %rdx, %r14
        ENTER_RUNTIME_FS %rcx
        mov %rcx, 8(%rsp)               // the interrupted thread pointer
        mov %r12d, %edi
        mov %r13, %rsi
        mov %r14, %rdx
        call lstar_inproc_on_signal     // rax = the program's handler (0: none), rdx = its fs
        mov %rax, %r15
        LEAVE_RUNTIME_FS %rdx
        test %r15, %r15
        jz 5f
        mov %r12d, %edi
        mov %r13, %rsi
        mov %r14, %rdx
        call *%r15
        mov 8(%rsp), %rdx
        cmp lstar_inproc_runtime_fs(%rip), %rdx
        jne 5f
        LEAVE_RUNTIME_FS %rdx           // back into the runtime's call
5:      add $24, %rsp
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        ret
        .size lstar_inproc_signal_entry, . - lstar_inproc_signal_entry

// The clone trampoline. The SIGSYS handler returns here instead of to the
// program, with the program's registers (rax = the clone number, its
// arguments in place, every signal blocked) except r9 = the ticket; so the
// kernel's clone copies the program's own state, not lstar's handler frames.
// The child goes straight back to the program; the parent reports the result
// through a trapping call (lstar_inproc_report_page, outside lstar's text).
        .globl lstar_inproc_clone_trampoline
        .type lstar_inproc_clone_trampoline, @function
lstar_inproc_clone_trampoline:
        syscall
        test %rax, %rax
        jz 1f
        mov %rax, T_RESULT(%r9)
        mov $0x3ffffff0, %eax            // kCloneReportNr
        jmp *lstar_inproc_report_page(%rip)
1:      mov %rdi, T_RDI(%r9)
        mov %rsi, T_RSI(%r9)
        mov %rdx, T_RDX(%r9)
        mov %r10, T_R10(%r9)
        cmpb $0, T_FORK(%r9)
        je 2f
        // A forked child has its own copy of the runtime, whose lock the parent
        // held across the fork: release the copy, and have the runtime forget the
        // parent's state at its first call.
        movl $0, lstar_inproc_lock_word(%rip)
        movb $1, lstar_inproc_forked(%rip)
        // Its own end of the lifeline (a C call: on the program's stack, past its
        // red zone, aligned; the program's r8 and r9 kept).
        mov %rsp, %rax
        sub $128, %rsp
        and $-16, %rsp
        push %rax
        push %r8
        push %r9
        sub $8, %rsp
        call lstar_inproc_claim_lifeline
        add $8, %rsp
        pop %r9
        pop %r8
        pop %rsp
2:      mov $14, %eax                   // rt_sigprocmask(SIG_SETMASK, &mask, NULL, 8)
        mov $2, %edi
        lea T_MASK(%r9), %rsi
        xor %edx, %edx
        mov $8, %r10d
        syscall
        mov T_RDI(%r9), %rdi
        mov T_RSI(%r9), %rsi
        mov T_RDX(%r9), %rdx
        mov T_R10(%r9), %r10
        xor %eax, %eax
        mov T_RET_IP(%r9), %r11
        mov T_R9(%r9), %rcx
        movb $1, T_DONE(%r9)
        mov %rcx, %r9
        jmp *%r11
        .size lstar_inproc_clone_trampoline, . - lstar_inproc_clone_trampoline

// The entry from a patched call site (site_patch.cpp). The site's stub ran the
// instruction the patch replaced and jumped here with the program's registers,
// as its `syscall` would have: rax = the number, rcx = where the call returns
// (the kernel's rcx after a syscall), r11 free. Builds on the program's stack,
// past its red zone, what a SIGSYS would have given the runtime: a ucontext_t
// (its registers, its signal mask, every signal blocked meanwhile) and the
// extended FPU state, saved with XSAVE as the kernel saves it for a signal.
// Then lstar_inproc_on_patched(uc, program_fs) runs the call on the path and
// returns the thread pointer to go back with; everything goes back from the
// frame, rcx = rip and r11 = rflags as after a syscall, and the program
// resumes where the frame's rip says (a restarted call: at its syscall, which
// then traps as an unpatched site does).
//
// Frame, from the 64-byte aligned rsp: 0 a scratch slot (ENTER_RUNTIME_FS),
// 64 the ucontext_t (968 bytes), 1088 the XSAVE area (lstar_inproc_xsave_size).
#define P_UC       64
#define P_XSAVE    1088
#define UC_GREG(r) (P_UC + 40 + 8 * (r))
#define UC_FPREGS  (P_UC + 224)
#define UC_SIGMASK (P_UC + 296)
#define G_R8 0
#define G_R9 1
#define G_R10 2
#define G_R11 3
#define G_R12 4
#define G_R13 5
#define G_R14 6
#define G_R15 7
#define G_RDI 8
#define G_RSI 9
#define G_RBP 10
#define G_RBX 11
#define G_RDX 12
#define G_RAX 13
#define G_RCX 14
#define G_RSP 15
#define G_RIP 16
#define G_EFL 17
        .globl lstar_inproc_patched_entry
        .type lstar_inproc_patched_entry, @function
lstar_inproc_patched_entry:
        lea -128(%rsp), %rsp            // the red zone is the program's
        pushfq
        mov %rsp, %r11
        sub lstar_inproc_patch_frame_size(%rip), %rsp
        and $-64, %rsp
        mov %r8, UC_GREG(G_R8)(%rsp)
        mov %r9, UC_GREG(G_R9)(%rsp)
        mov %r10, UC_GREG(G_R10)(%rsp)
        mov %r12, UC_GREG(G_R12)(%rsp)
        mov %r13, UC_GREG(G_R13)(%rsp)
        mov %r14, UC_GREG(G_R14)(%rsp)
        mov %r15, UC_GREG(G_R15)(%rsp)
        mov %rdi, UC_GREG(G_RDI)(%rsp)
        mov %rsi, UC_GREG(G_RSI)(%rsp)
        mov %rbp, UC_GREG(G_RBP)(%rsp)
        mov %rbx, UC_GREG(G_RBX)(%rsp)
        mov %rdx, UC_GREG(G_RDX)(%rsp)
        mov %rax, UC_GREG(G_RAX)(%rsp)
        mov %rcx, UC_GREG(G_RCX)(%rsp)
        mov %rcx, UC_GREG(G_RIP)(%rsp)
        mov (%r11), %rax
        mov %rax, UC_GREG(G_EFL)(%rsp)
        mov %rax, UC_GREG(G_R11)(%rsp)
        lea 136(%r11), %rax             // the program's rsp: past pushfq and the red zone
        mov %rax, UC_GREG(G_RSP)(%rsp)
        lea P_XSAVE(%rsp), %rax
        mov %rax, UC_FPREGS(%rsp)
        // Every signal blocked; the program's mask into the frame.
        mov $14, %eax                   // rt_sigprocmask(SIG_SETMASK, &all, &uc_sigmask, 8)
        mov $2, %edi
        lea lstar_inproc_all_signals(%rip), %rsi
        lea UC_SIGMASK(%rsp), %rdx
        mov $8, %r10d
        syscall
        // The extended state (the XSAVE header must be zero before XSAVE; XRSTOR checks it),
        // then the state C code expects: default x87 and SSE controls, DF clear.
        xor %eax, %eax
        mov %rax, P_XSAVE+512(%rsp)
        mov %rax, P_XSAVE+520(%rsp)
        mov %rax, P_XSAVE+528(%rsp)
        mov %rax, P_XSAVE+536(%rsp)
        mov %rax, P_XSAVE+544(%rsp)
        mov %rax, P_XSAVE+552(%rsp)
        mov %rax, P_XSAVE+560(%rsp)
        mov %rax, P_XSAVE+568(%rsp)
        mov lstar_inproc_xsave_mask(%rip), %eax
        mov lstar_inproc_xsave_mask+4(%rip), %edx
        xsave64 P_XSAVE(%rsp)
        fninit
        ldmxcsr lstar_inproc_default_mxcsr(%rip)
        cld
        ENTER_RUNTIME_FS %rbx
        lea P_UC(%rsp), %rdi
        mov %rbx, %rsi
        call lstar_inproc_on_patched    // rax = the thread pointer to return with
        mov %rax, %rbx
        LEAVE_RUNTIME_FS %rbx
        mov lstar_inproc_xsave_mask(%rip), %eax
        mov lstar_inproc_xsave_mask+4(%rip), %edx
        xrstor64 P_XSAVE(%rsp)
        // The program's mask back: from here on its signals may come, and their
        // frames go below this one.
        mov $14, %eax
        mov $2, %edi
        lea UC_SIGMASK(%rsp), %rsi
        xor %edx, %edx
        mov $8, %r10d
        syscall
        push UC_GREG(G_EFL)(%rsp)
        popfq
        mov UC_GREG(G_R8)(%rsp), %r8
        mov UC_GREG(G_R9)(%rsp), %r9
        mov UC_GREG(G_R10)(%rsp), %r10
        mov UC_GREG(G_R11)(%rsp), %r11
        mov UC_GREG(G_R12)(%rsp), %r12
        mov UC_GREG(G_R13)(%rsp), %r13
        mov UC_GREG(G_R14)(%rsp), %r14
        mov UC_GREG(G_R15)(%rsp), %r15
        mov UC_GREG(G_RDI)(%rsp), %rdi
        mov UC_GREG(G_RSI)(%rsp), %rsi
        mov UC_GREG(G_RBP)(%rsp), %rbp
        mov UC_GREG(G_RBX)(%rsp), %rbx
        mov UC_GREG(G_RDX)(%rsp), %rdx
        mov UC_GREG(G_RAX)(%rsp), %rax
        mov UC_GREG(G_RIP)(%rsp), %rcx
        mov UC_GREG(G_RSP)(%rsp), %rsp
        jmp *%rcx
        .size lstar_inproc_patched_entry, . - lstar_inproc_patched_entry

// void lstar_inproc_call_on_stack(void* top, void (*fn)(void*), void* arg): runs
// fn(arg) on another stack, never to return (an in-process exec leaves the
// program's stack, which it is about to unmap).
        .globl lstar_inproc_call_on_stack
        .type lstar_inproc_call_on_stack, @function
lstar_inproc_call_on_stack:
        mov %rdi, %rsp
        mov %rdx, %rdi
        call *%rsi
        ud2
        .size lstar_inproc_call_on_stack, . - lstar_inproc_call_on_stack

        .section .note.GNU-stack,"",@progbits
