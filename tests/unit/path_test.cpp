// The system-call path (kernel/) driven by a scripted fake backend
// (tests/support/fake_backend.hpp): no live process. Enter work in its fixed
// order and what each hook may do (rewrite arguments, skip with a value, kill),
// exit work replacing the result, table dispatch to bound handlers in every
// ABI, the default for gaps and numbers out of range, the typed handler
// adapter's narrowing and sign extension, and user memory's -EFAULT.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/syscall_define.hpp"
#include "kernel/syscall_path.hpp"
#include "kernel/task.hpp"
#include "kernel/user_memory.hpp"
#include "tests/support/fake_backend.hpp"

namespace lstar {
namespace {

using test::CallOutcome;
using test::FakeBackend;
using test::LambdaHook;
using test::ScriptedCall;

constexpr std::uint64_t kX32 = kX32SyscallBit;

std::uint64_t nr_of(Abi abi, std::string_view name) {
    const SyscallDesc* row = find_syscall(abi, name);
    EXPECT_NE(row, nullptr) << abi_name(abi) << " " << name;
    return row ? row->nr : 0;
}

// A hook that logs "enter:<name>" and "exit:<name>=<retval>".
struct LoggingHook : LambdaHook {
    LoggingHook(std::vector<std::string>* log, std::string name) {
        enter = [log, name](Task&) {
            log->push_back("enter:" + name);
            return Verdict::proceed;
        };
        exit = [log, name](Task& t) { log->push_back("exit:" + name + "=" + std::to_string(t.retval)); };
    }
};

// ---- enter and exit work ------------------------------------------------------

TEST(PathStages, EnterAndExitWorkRunInStageOrderWhateverTheOrderOfAdding) {
    SyscallPath path;
    std::vector<std::string> log;
    LoggingHook acct(&log, "accounting"), trace(&log, "tracing"), trace2(&log, "tracing2"), policy(&log, "policy"),
        inject(&log, "fault_injection");
    path.add_hook(Stage::accounting, &acct);
    path.add_hook(Stage::tracing, &trace);
    path.add_hook(Stage::policy, &policy);
    path.add_hook(Stage::tracing, &trace2);  // within a stage: in the order added
    path.add_hook(Stage::fault_injection, &inject);
    FakeBackend b(path);
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "getppid", {}, 77));
    EXPECT_EQ(o.verdict, Verdict::proceed);
    EXPECT_TRUE(o.host_ran);
    EXPECT_EQ(o.delivered, 77);
    EXPECT_FALSE(o.retval_written);
    EXPECT_EQ(log, (std::vector<std::string>{"enter:policy", "enter:fault_injection", "enter:tracing",
                                             "enter:tracing2", "enter:accounting", "exit:policy=77",
                                             "exit:fault_injection=77", "exit:tracing=77", "exit:tracing2=77",
                                             "exit:accounting=77"}));
    EXPECT_EQ(b.task().phase, SyscallPhase::exited);
    EXPECT_EQ(b.task().calls, 1u);
}

// A translation's exit may ask for the call again (kCallAgain, the file-system
// view's lost race): its enter runs again, the host makes the call with the new
// arguments, and the hooks see one call with the last result; an enter that
// ends the call the second time gives its result instead.
TEST(PathStages, TranslationMayMakeTheCallAgainUnseenByTheHooks) {
    SyscallPath path;
    std::vector<std::string> log;
    LoggingHook trace(&log, "tracing");
    path.add_hook(Stage::tracing, &trace);
    int enters = 0, refusals = 2;
    std::string entry(find_syscall(Abi::x86_64, "openat")->effective().entry);
    path.bind_translation(entry, [&](Task& t) {
        ++enters;
        t.set_arg(1, 0x1000 + enters);
        return enters == 5 ? emulated(-ELOOP) : kPassThrough;
    }, [&](Task& t) {
        log.push_back("translated exit=" + std::to_string(t.retval));
        if (t.retval == -ELOOP && refusals-- > 0) return kCallAgain;
        return kPassThrough;
    });
    FakeBackend b(path);
    b.again = [&](Task& t) { return refusals > 0 ? -ELOOP : static_cast<std::int64_t>(t.arg(1)); };
    CallOutcome o = b.call({Abi::x86_64, nr_of(Abi::x86_64, "openat"), {0, 0x10, 0x41}, -ELOOP});
    EXPECT_EQ(o.delivered, 0x1003);
    ASSERT_EQ(b.host_log().size(), 3u);
    EXPECT_EQ(b.host_log()[2].second.si, 0x1003u);  // the last try's own arguments
    EXPECT_EQ(log, (std::vector<std::string>{"enter:tracing", "translated exit=-40", "translated exit=-40",
                                             "translated exit=4099", "exit:tracing=4099"}));
    EXPECT_EQ(b.task().calls, 1u);
    EXPECT_FALSE(b.task().again);
    // The fourth enter passes, the fifth ends the call: its result is the call's.
    refusals = 2;
    log.clear();
    b.again = [](Task&) { return static_cast<std::int64_t>(-ELOOP); };
    o = b.call({Abi::x86_64, nr_of(Abi::x86_64, "openat"), {0, 0x10, 0x41}, -ELOOP});
    EXPECT_EQ(o.delivered, -ELOOP);
    EXPECT_EQ(b.host_log().size(), 4u);  // one more: the fifth enter ran no call
    EXPECT_EQ(enters, 5);
    EXPECT_EQ(log.back(), "exit:tracing=-40");
}

TEST(PathStages, TaskSeesItsCallAndRowDuringEnterWork) {
    SyscallPath path;
    LambdaHook h;
    std::vector<std::string> seen;
    h.enter = [&](Task& t) {
        seen.push_back(std::string(abi_name(t.abi)) + " " + (t.sc ? std::string(t.sc->name) : "-") + " " +
                       std::to_string(t.retval) + " " + (t.phase == SyscallPhase::entered ? "entered" : "?"));
        return Verdict::proceed;
    };
    path.add_hook(Stage::tracing, &h);
    FakeBackend b(path);
    b.call({Abi::x86_64, 1, {1, 0x10000, 3}});
    b.call({Abi::i386, 4, {1, 0x10000, 3}});
    b.call({Abi::x32, 1 | kX32, {1, 0x10000, 3}});
    // pt_regs->ax starts as -ENOSYS: so does the result enter work sees.
    EXPECT_EQ(seen, (std::vector<std::string>{"x86_64 write -38 entered", "i386 write -38 entered",
                                              "x32 write -38 entered"}));
    EXPECT_EQ(b.task().calls, 3u);
}

TEST(PathStages, ArgumentRewritingReachesLaterHooksAndTheHost) {
    SyscallPath path;
    LambdaHook policy, tracing;
    policy.enter = [](Task& t) {
        t.set_arg(0, 99);
        t.set_arg(5, 0x5555);
        return Verdict::proceed;
    };
    std::vector<std::uint64_t> traced;
    tracing.enter = [&](Task& t) {
        for (int i = 0; i < kMaxArgs; ++i) traced.push_back(t.arg(i));
        return Verdict::proceed;
    };
    path.add_hook(Stage::tracing, &tracing);
    path.add_hook(Stage::policy, &policy);
    FakeBackend b(path);
    CallOutcome o = b.call({Abi::x86_64, nr_of(Abi::x86_64, "write"), {1, 2, 3, 4, 5, 6}, 3});
    ASSERT_TRUE(o.host_ran);
    EXPECT_TRUE(b.task().args_changed);
    EXPECT_EQ(traced, (std::vector<std::uint64_t>{99, 2, 3, 4, 5, 0x5555}));
    EXPECT_EQ(o.host_regs.di, 99u);
    EXPECT_EQ(o.host_regs.r9, 0x5555u);
    EXPECT_EQ(o.host_regs.si, 2u);
    // An i386 call's arguments are ebx..ebp: set_arg writes those.
    o = b.call({Abi::i386, nr_of(Abi::i386, "write"), {1, 2, 3, 4, 5, 6}, 3});
    ASSERT_TRUE(o.host_ran);
    EXPECT_EQ(o.host_regs.bx, 99u);
    EXPECT_EQ(o.host_regs.bp, 0x5555u);
    EXPECT_EQ(o.host_regs.di, 5u);
    EXPECT_EQ(o.host_regs.r9, 0u);
    // A new call starts with args_changed clear.
    SyscallPath quiet;
    FakeBackend q(quiet);
    q.call({Abi::x86_64, 39, {}});
    EXPECT_FALSE(q.task().args_changed);
}

TEST(PathStages, SkipWithAValueStopsEnterWorkAndTheHostButNotExitWork) {
    SyscallPath path;
    std::vector<std::string> log;
    LoggingHook policy(&log, "policy"), tracing(&log, "tracing"), acct(&log, "accounting");
    LambdaHook inject;
    inject.enter = [&](Task& t) {
        log.push_back("enter:inject");
        t.retval = -EPERM;
        return Verdict::skip;
    };
    path.add_hook(Stage::policy, &policy);
    path.add_hook(Stage::fault_injection, &inject);
    path.add_hook(Stage::tracing, &tracing);
    path.add_hook(Stage::accounting, &acct);
    FakeBackend b(path);
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "openat", {0, 0, 0}, 3));
    EXPECT_EQ(o.verdict, Verdict::skip);
    EXPECT_FALSE(o.host_ran);
    EXPECT_TRUE(b.task().skipped);
    EXPECT_TRUE(o.retval_written);
    EXPECT_EQ(o.delivered, -EPERM);
    EXPECT_EQ(log, (std::vector<std::string>{"enter:policy", "enter:inject", "exit:policy=-1", "exit:tracing=-1",
                                             "exit:accounting=-1"}));
    // The next call is not skipped.
    inject.enter = [](Task&) { return Verdict::proceed; };
    o = b.call(FakeBackend::by_name(Abi::x86_64, "openat", {0, 0, 0}, 3));
    EXPECT_TRUE(o.host_ran);
    EXPECT_FALSE(b.task().skipped);
    EXPECT_EQ(o.delivered, 3);
}

TEST(PathStages, KillStopsEverything) {
    SyscallPath path;
    std::vector<std::string> log;
    LoggingHook tracing(&log, "tracing");
    LambdaHook policy;
    policy.enter = [&](Task&) {
        log.push_back("enter:policy");
        return Verdict::kill;
    };
    path.add_hook(Stage::tracing, &tracing);
    path.add_hook(Stage::policy, &policy);
    int handled = 0;
    path.bind_name("getpid", [&](Task&) {
        ++handled;
        return emulated(1);
    });
    FakeBackend b(path);
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "getpid"));
    EXPECT_EQ(o.verdict, Verdict::kill);
    EXPECT_FALSE(o.host_ran);
    EXPECT_FALSE(o.exited);
    EXPECT_EQ(handled, 0);
    EXPECT_EQ(log, std::vector<std::string>{"enter:policy"});
}

TEST(PathStages, ExitWorkReplacesTheResultForLaterHooks) {
    SyscallPath path;
    std::vector<std::string> log;
    LoggingHook policy(&log, "policy"), acct(&log, "accounting");
    LambdaHook inject;
    inject.exit = [&](Task& t) {
        log.push_back("exit:inject=" + std::to_string(t.retval));
        if (t.retval == 5) {
            t.retval = -EINTR;
            t.retval_changed = true;
        }
    };
    path.add_hook(Stage::accounting, &acct);
    path.add_hook(Stage::fault_injection, &inject);
    path.add_hook(Stage::policy, &policy);
    FakeBackend b(path);
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "read", {0, 0x10000, 10}, 5));
    EXPECT_TRUE(o.host_ran);
    EXPECT_TRUE(o.retval_written);
    EXPECT_EQ(o.delivered, -EINTR);
    EXPECT_EQ(log, (std::vector<std::string>{"enter:policy", "enter:accounting", "exit:policy=5", "exit:inject=5",
                                             "exit:accounting=-4"}));
    // A result it leaves alone is delivered as the host gave it, and not written back.
    log.clear();
    o = b.call(FakeBackend::by_name(Abi::x86_64, "read", {0, 0x10000, 10}, 2));
    EXPECT_FALSE(o.retval_written);
    EXPECT_EQ(o.delivered, 2);
}

// ---- table dispatch -----------------------------------------------------------

TEST(PathDispatch, BindEntryReachesEveryAbiWhoseEntryPointItIs) {
    SyscallPath path;
    std::vector<std::string> calls;
    int bound = path.bind_entry("sys_getpid", [&](Task& t) {
        calls.push_back(std::string(abi_name(t.abi)) + " " + std::to_string(t.nr()));
        return emulated(4242);
    });
    EXPECT_EQ(bound, 3);  // x86_64 39, x32 39 | bit 30, i386 20
    FakeBackend b(path);
    for (auto [abi, nr] : std::initializer_list<std::pair<Abi, std::uint64_t>>{
             {Abi::x86_64, 39}, {Abi::x32, 39 | kX32}, {Abi::i386, 20}}) {
        CallOutcome o = b.call({abi, nr, {}});
        EXPECT_EQ(o.verdict, Verdict::skip) << abi_name(abi);
        EXPECT_FALSE(o.host_ran) << abi_name(abi);
        EXPECT_EQ(o.delivered, 4242) << abi_name(abi);
    }
    EXPECT_EQ(calls, (std::vector<std::string>{"x86_64 39", "x32 1073741863", "i386 20"}));
    // The same numbers' other meanings are not bound: x86_64's 20 is writev, i386's 39 mkdir.
    CallOutcome o = b.call({Abi::x86_64, 20, {}, 7});
    EXPECT_TRUE(o.host_ran);
    EXPECT_EQ(o.delivered, 7);
    o = b.call({Abi::i386, 39, {}, 0});
    EXPECT_TRUE(o.host_ran);
    EXPECT_EQ(calls.size(), 3u);
}

TEST(PathDispatch, BindEntryFollowsTheEffectiveEntryPoint) {
    // i386 lseek is compat_sys_lseek: sys_lseek binds x86_64 and x32 only.
    SyscallPath path;
    int native = 0, compat = 0;
    EXPECT_EQ(path.bind_entry("sys_lseek", [&](Task&) { return ++native, emulated(1); }), 2);
    EXPECT_EQ(path.bind_entry("compat_sys_lseek", [&](Task&) { return ++compat, emulated(2); }), 1);
    FakeBackend b(path);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x86_64, "lseek")).delivered, 1);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x32, "lseek")).delivered, 1);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "lseek")).delivered, 2);
    EXPECT_EQ(native, 2);
    EXPECT_EQ(compat, 1);
    EXPECT_EQ(path.bind_entry("sys_no_such_entry", [](Task&) { return emulated(0); }), 0);
}

TEST(PathDispatch, BindNameInEveryAbiWithItsArgumentRegisters) {
    SyscallPath path;
    std::vector<std::string> seen;
    int bound = path.bind_name("write", [&](Task& t) {
        std::string s = std::string(abi_name(t.abi));
        for (int i = 0; i < 3; ++i) s += " " + std::to_string(t.arg(i));
        seen.push_back(s);
        return t.arg(0) == 1 ? emulated(static_cast<std::int64_t>(t.arg(2))) : kPassThrough;
    });
    EXPECT_EQ(bound, 3);
    FakeBackend b(path);
    CallOutcome o = b.call({Abi::x86_64, 1, {1, 0x10000, 12}});
    EXPECT_EQ(o.delivered, 12);
    EXPECT_FALSE(o.host_ran);
    o = b.call({Abi::x32, 1 | kX32, {1, 0x10000, 13}});
    EXPECT_EQ(o.delivered, 13);
    // i386: ebx, ecx, edx (the fake puts the arguments there; di, si, dx hold nothing).
    o = b.call({Abi::i386, 4, {1, 0x10000, 14}});
    EXPECT_EQ(o.delivered, 14);
    EXPECT_EQ(b.task().regs.bx, 1u);
    EXPECT_EQ(b.task().regs.di, 0u);
    // A handler may pass the call through to the host.
    o = b.call({Abi::i386, 4, {2, 0x10000, 15}, 15});
    EXPECT_EQ(o.verdict, Verdict::proceed);
    EXPECT_TRUE(o.host_ran);
    EXPECT_EQ(o.delivered, 15);
    EXPECT_EQ(seen, (std::vector<std::string>{"x86_64 1 65536 12", "x32 1 65536 13", "i386 1 65536 14",
                                              "i386 2 65536 15"}));
    // uname: 63 in x86_64 and x32, 122 in i386; x86_64's 122 is setfsuid and not bound.
    int unames = 0;
    EXPECT_EQ(path.bind_name("uname", [&](Task&) { return ++unames, emulated(0); }), 3);
    b.call({Abi::x86_64, 63, {}});
    b.call({Abi::x32, 63 | kX32, {}});
    b.call({Abi::i386, 122, {}});
    EXPECT_EQ(unames, 3);
    EXPECT_TRUE(b.call({Abi::x86_64, 122, {}}).host_ran);
    EXPECT_EQ(unames, 3);
    // A name only one ABI has binds one row.
    EXPECT_EQ(path.bind_name("socketcall", [](Task&) { return emulated(0); }), 1);
    EXPECT_EQ(path.bind_name("no_such_call", [](Task&) { return emulated(0); }), 0);
}

TEST(PathDispatch, GapsAndNumbersOutOfRangePassThroughToTheHost) {
    SyscallPath path;
    int handled = 0;
    // Bind every implemented call of every ABI: none of them may catch a gap (a row
    // without an entry point, named like i386's break or not) or an unknown number.
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386})
        for (const SyscallDesc& row : syscall_table(abi))
            if (!row.is_ni()) path.bind_name(row.name, [&](Task&) { return ++handled, emulated(0); });
    std::vector<const SyscallDesc*> rows;
    LambdaHook h;
    h.enter = [&](Task& t) {
        rows.push_back(t.sc);
        return Verdict::proceed;
    };
    path.add_hook(Stage::tracing, &h);
    FakeBackend b(path);
    struct Case {
        Abi abi;
        std::uint64_t nr;
        bool has_row;  // a gap has a sys_ni_syscall row; out of range has none
    };
    // 337..423 is the x86_64 table's big gap (uprobe 336, pidfd_send_signal 424).
    ASSERT_TRUE(find_syscall(Abi::x86_64, std::uint64_t{337})->is_ni());
    for (Case c : {Case{Abi::x86_64, 337, true}, Case{Abi::x86_64, 423, true}, Case{Abi::x86_64, 100000, false}, Case{Abi::x86_64, ~0ull, false},
                   Case{Abi::x32, 39, false} /* no x32 bit */, Case{Abi::x32, 100000 | kX32, false},
                   Case{Abi::i386, 100000, false}}) {
        SCOPED_TRACE(std::string(abi_name(c.abi)) + " " + std::to_string(c.nr));
        rows.clear();
        CallOutcome o = b.call({c.abi, c.nr, {1, 2, 3}});
        EXPECT_EQ(o.verdict, Verdict::proceed);
        EXPECT_TRUE(o.host_ran);
        EXPECT_EQ(o.delivered, -ENOSYS);
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0] != nullptr, c.has_row);
        if (rows[0]) {
            EXPECT_TRUE(rows[0]->is_ni());
        }
    }
    // Every i386 gap too.
    int gaps = 0;
    for (const SyscallDesc& row : syscall_table(Abi::i386)) {
        if (!row.is_ni()) continue;
        ++gaps;
        EXPECT_EQ(b.call({Abi::i386, row.nr, {}}).delivered, -ENOSYS) << row.nr;
    }
    EXPECT_GT(gaps, 0);
    EXPECT_EQ(handled, 0);
}

// ---- the typed handler adapter ------------------------------------------------

struct KillArgs {
    int calls = 0;
    pid_t pid = 0;
    int sig = 0;
};
KillArgs g_kill;
HandlerResult do_kill(Task&, pid_t pid, int sig) {
    ++g_kill.calls;
    g_kill.pid = pid;
    g_kill.sig = sig;
    return emulated(0);
}

struct LseekArgs {
    unsigned fd = 0;
    off_t offset = 0;
    unsigned whence = 0;
};
LseekArgs g_lseek;
HandlerResult do_lseek(Task&, unsigned int fd, off_t offset, unsigned int whence) {
    g_lseek = {fd, offset, whence};
    return emulated(offset);
}
HandlerResult do_compat_lseek(Task&, unsigned int fd, std::int32_t offset, unsigned int whence) {
    g_lseek = {fd, offset, whence};
    return emulated(offset);
}

TEST(PathTypedHandler, SignedArgumentsAreNarrowedAndSignExtended) {
    SyscallPath path;
    EXPECT_EQ(LSTAR_SYSCALL_DEFINE(path, sys_kill, do_kill), 3);
    FakeBackend b(path);
    // pid_t and int are 32-bit: the upper half of the register is not part of them.
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "kill", {0xffffffffull, 0xabcdef0000000009ull}));
    EXPECT_EQ(o.delivered, 0);
    EXPECT_EQ(g_kill.pid, -1);
    EXPECT_EQ(g_kill.sig, 9);
    b.call(FakeBackend::by_name(Abi::i386, "kill", {0x00000000fffffffeull, 15}));
    EXPECT_EQ(g_kill.pid, -2);
    EXPECT_EQ(g_kill.sig, 15);
    b.call(FakeBackend::by_name(Abi::x32, "kill", {0x1234500000064ull, 0xffffffff00000000ull}));
    EXPECT_EQ(g_kill.pid, 100);
    EXPECT_EQ(g_kill.sig, 0);
    EXPECT_EQ(g_kill.calls, 3);
}

TEST(PathTypedHandler, UnsignedAndWideArgumentsKeepTheirWidth) {
    SyscallPath path;
    EXPECT_EQ(LSTAR_SYSCALL_DEFINE(path, sys_lseek, do_lseek), 2);
    EXPECT_EQ(LSTAR_SYSCALL_DEFINE(path, compat_sys_lseek, do_compat_lseek), 1);
    FakeBackend b(path);
    // unsigned int fd: truncated, not sign-extended; off_t offset: all 64 bits.
    CallOutcome o = b.call(FakeBackend::by_name(Abi::x86_64, "lseek",
                                                {0xffffffff00000003ull, static_cast<std::uint64_t>(-5), 0x100000001ull}));
    EXPECT_EQ(g_lseek.fd, 3u);
    EXPECT_EQ(g_lseek.offset, -5);
    EXPECT_EQ(g_lseek.whence, 1u);
    EXPECT_EQ(o.delivered, -5);
    b.call(FakeBackend::by_name(Abi::x86_64, "lseek", {0xfffffffful, 0x100000000ull, 2}));
    EXPECT_EQ(g_lseek.fd, 0xffffffffu);
    EXPECT_EQ(g_lseek.offset, 0x100000000ll);
    // compat_off_t is 32-bit signed: an i386 offset of 0xfffffff6 is -10.
    o = b.call(FakeBackend::by_name(Abi::i386, "lseek", {7, 0xfffffff6ull, 0}));
    EXPECT_EQ(g_lseek.fd, 7u);
    EXPECT_EQ(g_lseek.offset, -10);
    EXPECT_EQ(o.delivered, -10);
}

struct CompatSysinfo {
    std::uint32_t uptime;
    std::uint32_t loads[3];
};
HandlerResult do_compat_sysinfo(Task& t, UserPtr<CompatSysinfo> info) {
    CompatSysinfo v{1234, {1, 2, 3}};
    return emulated(copy_to_user(*t.mem, info, v));
}

TEST(PathTypedHandler, CompatPointersAreZeroExtendedAndCopiedThroughUserMemory) {
    SyscallPath path;
    EXPECT_EQ(LSTAR_SYSCALL_DEFINE(path, compat_sys_sysinfo, do_compat_sysinfo), 1);
    FakeBackend b(path);
    std::uint64_t addr = b.memory().base() + 64;
    // The upper half of ebx is not part of a 4-byte pointer.
    CallOutcome o = b.call(FakeBackend::by_name(Abi::i386, "sysinfo", {0xdead000000000000ull | addr}));
    EXPECT_EQ(o.delivered, 0);
    CompatSysinfo got{};
    std::memcpy(&got, b.memory().at(addr), sizeof got);
    EXPECT_EQ(got.uptime, 1234u);
    EXPECT_EQ(got.loads[2], 3u);
    // A bad address is -EFAULT, as the kernel's copy_to_user makes it.
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "sysinfo", {0x1000})).delivered, -EFAULT);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "sysinfo", {0})).delivered, -EFAULT);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "sysinfo", {b.memory().end() - 4})).delivered, -EFAULT);
    // The 64-bit sysinfo is not bound.
    EXPECT_TRUE(b.call(FakeBackend::by_name(Abi::x86_64, "sysinfo", {addr})).host_ran);
}

// ---- user memory ----------------------------------------------------------------

struct Pair {
    std::uint32_t a, b;
};

TEST(PathUserMemory, CopyFromAndToUserFailWithEfaultOnABadAddress) {
    test::FakeMemory mem(0x10000, 256);
    Pair p{1, 2};
    EXPECT_EQ(copy_to_user(mem, UserPtr<Pair>(0x10000), p), 0);
    Pair q{};
    EXPECT_EQ(copy_from_user(mem, q, UserPtr<const Pair>(0x10000)), 0);
    EXPECT_EQ(q.a, 1u);
    EXPECT_EQ(q.b, 2u);
    EXPECT_EQ(copy_from_user(mem, q, UserPtr<Pair>(0x10000 + 256 - 8)), 0);  // the last 8 bytes
    for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{0x1000}, std::uint64_t{0x10000 + 256 - 4},
                              std::uint64_t{0x10000 + 256}, ~std::uint64_t{0} - 3}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(copy_from_user(mem, q, UserPtr<const Pair>(bad)), -EFAULT);
        EXPECT_EQ(copy_to_user(mem, UserPtr<Pair>(bad), p), -EFAULT);
    }
    char buf[8];
    EXPECT_EQ(copy_bytes_from_user(mem, buf, 0x10000 + 250, 8), -EFAULT);
    EXPECT_EQ(copy_bytes_from_user(mem, buf, 0x10000 + 248, 8), 0);
    EXPECT_EQ(copy_bytes_to_user(mem, 0, buf, 1), -EFAULT);
    EXPECT_EQ(copy_bytes_to_user(mem, 0, buf, 0), 0);  // nothing to copy: no fault
}

TEST(PathUserMemory, StrncpyFromUser) {
    test::FakeMemory mem(0x10000, 4096);
    mem.put_string(0x10000, "hello");
    std::string s;
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x10000), 4096), 5);
    EXPECT_EQ(s, "hello");
    // Not ended within max: max bytes, no fault.
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x10000), 3), 3);
    EXPECT_EQ(s, "hel");
    // A string longer than the first piece read (256 bytes).
    std::string long_one(1000, 'x');
    mem.put_string(0x10100, long_one);
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x10100), 4096), 1000);
    EXPECT_EQ(s, long_one);
    // Running off the mapping before its NUL, a null pointer, an unmapped one: -EFAULT, nothing kept.
    std::memset(mem.at(0x10000 + 4096 - 16), 'y', 16);
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x10000 + 4096 - 16), 4096), -EFAULT);
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0), 4096), -EFAULT);
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x2000), 4096), -EFAULT);
    // ...unless max ends first.
    EXPECT_EQ(strncpy_from_user(mem, s, UserPtr<const char>(0x10000 + 4096 - 16), 16), 16);
}

// BlockReads serves what the memory it wraps would, a page at a time.
TEST(PathUserMemory, BlockReadsReadsAsTheMemoryItWraps) {
    test::FakeMemory mem(0x10000, 3 * 4096 - 100);  // the last page ends 100 bytes early
    for (std::size_t i = 0; i < mem.bytes().size(); ++i) mem.bytes()[i] = static_cast<std::uint8_t>('a' + i % 26);
    mem.put_string(0x10000 + 4096 - 3, "xyzw");       // a string across a page boundary
    BlockReads pages(mem);
    std::string s;
    EXPECT_EQ(strncpy_from_user(pages, s, UserPtr<const char>(0x10000 + 4096 - 3), 100), 4);
    EXPECT_EQ(s, "xyzw");
    // Reads across pages, and up to the end of what is mapped.
    std::vector<char> mine(5000), theirs(5000);
    EXPECT_EQ(pages.read(0x10000 + 10, mine.data(), 5000), 5000);
    EXPECT_EQ(mem.read(0x10000 + 10, theirs.data(), 5000), 5000);
    EXPECT_EQ(mine, theirs);
    std::uint64_t last = mem.end() - 8, v = 0;
    EXPECT_EQ(copy_from_user(pages, v, UserPtr<const std::uint64_t>(last)), 0);
    EXPECT_EQ(copy_from_user(pages, v, UserPtr<const std::uint64_t>(last + 4)), -EFAULT);
    EXPECT_EQ(pages.read(last, mine.data(), 16), 8);  // short at the end, as the memory is
    // A string that runs off the mapping before its NUL faults, as strncpy_from_user does.
    std::memset(mem.at(mem.end() - 20), 'q', 20);
    EXPECT_EQ(strncpy_from_user(pages, s, UserPtr<const char>(mem.end() - 20), 100), -EFAULT);
    EXPECT_EQ(strncpy_from_user(pages, s, UserPtr<const char>(0x2000), 100), -EFAULT);
    // A mapping that does not start on a page: read from where it starts.
    test::FakeMemory odd(0x20010, 64);
    odd.put_string(0x20010, "odd");
    BlockReads odd_pages(odd);
    EXPECT_EQ(strncpy_from_user(odd_pages, s, UserPtr<const char>(0x20010), 100), 3);
    // A write goes through, and later reads see it.
    EXPECT_EQ(copy_from_user(pages, v, UserPtr<const std::uint64_t>(0x10000)), 0);
    std::uint64_t w = 0x1122334455667788;
    EXPECT_EQ(copy_to_user(pages, UserPtr<std::uint64_t>(0x10000), w), 0);
    EXPECT_EQ(copy_from_user(pages, v, UserPtr<const std::uint64_t>(0x10000)), 0);
    EXPECT_EQ(v, w);
}

TEST(PathUserMemory, AHandlerReadsAStringArgumentThroughTheTasksMemory) {
    SyscallPath path;
    std::vector<std::string> paths;
    path.bind_name("openat", [&](Task& t) {
        std::string p;
        long n = strncpy_from_user(*t.mem, p, UserPtr<const char>(t.arg(1)), 4096);
        if (n < 0) return emulated(n);
        paths.push_back(p);
        return emulated(-ENOENT);
    });
    FakeBackend b(path);
    b.memory().put_string(0x10010, "/etc/passwd");
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x86_64, "openat", {static_cast<std::uint64_t>(-100), 0x10010, 0}))
                  .delivered,
              -ENOENT);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "openat", {static_cast<std::uint64_t>(-100), 0x10010, 0}))
                  .delivered,
              -ENOENT);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x86_64, "openat", {static_cast<std::uint64_t>(-100), 0x20, 0}))
                  .delivered,
              -EFAULT);
    EXPECT_EQ(paths, (std::vector<std::string>{"/etc/passwd", "/etc/passwd"}));
}

}  // namespace
}  // namespace lstar

// /proc/<id>/status by field name: the value after the colon, whole names only.
TEST(ProcFiles, StatusFieldsByName) {
    std::optional<lstar::ProcStatus> self = lstar::ProcStatus::read(::getpid());
    ASSERT_TRUE(self);
    EXPECT_EQ(self->field("Tgid"), std::to_string(::getpid()));
    EXPECT_EQ(self->field("Pid"), std::to_string(::getpid()));
    EXPECT_EQ(self->field("Tg"), "") << "a prefix of a name is no name";
    EXPECT_EQ(self->field("NoSuchField"), "");
    EXPECT_EQ(self->field("Uid").substr(0, std::to_string(::getuid()).size() + 1), std::to_string(::getuid()) + "\t");
    EXPECT_FALSE(lstar::ProcStatus::read(-1));
}

