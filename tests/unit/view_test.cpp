// The virtual view's handlers on a path driven by the scripted fake backend:
// exit handlers (LSTAR_SYSCALL_EXIT_DEFINE), the stat family's owner, the
// clocks, the seeded stream; and the parsers of --time and --state.
#include <linux/futex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

#include <gtest/gtest.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"
#include "tests/support/fake_backend.hpp"

using namespace lstar;
using lstar::test::FakeBackend;

namespace {

constexpr std::int64_t kNs = 1000000000;
constexpr std::uint64_t kBuf = 0x10100;

}  // namespace

TEST(ViewPath, AnExitHandlerSeesTheHostResultBeforeTheHooksAndMayReplaceIt) {
    SyscallPath path;
    std::int64_t seen_by_handler = 0;
    EXPECT_EQ(LSTAR_SYSCALL_EXIT_DEFINE(path, sys_read, [&](Task& t, unsigned int, UserPtr<char>, std::size_t) {
                  seen_by_handler = t.retval;
                  return t.retval == 5 ? emulated(4) : kPassThrough;
              }), 3);  // x86_64, x32 and i386
    const SyscallDesc* row = find_syscall(Abi::x86_64, "read");
    ASSERT_NE(row, nullptr);
    EXPECT_TRUE(path.needs_stop(*row));
    FakeBackend b(path);
    auto o = b.call(FakeBackend::by_name(Abi::x86_64, "read", {0, kBuf, 10}, 5));
    EXPECT_EQ(seen_by_handler, 5);
    EXPECT_EQ(o.delivered, 4);
    EXPECT_TRUE(o.retval_written);
    o = b.call(FakeBackend::by_name(Abi::x86_64, "read", {0, kBuf, 10}, 2));
    EXPECT_EQ(o.delivered, 2);
    EXPECT_FALSE(o.retval_written);
}

TEST(ViewIdentity, StatShowsTheRealUsersFilesAsTheVirtualUsers) {
    SyscallPath path;
    ViewStore store;
    Identity identity;
    identity.bind(path, store, IdentityOptions{.uid = 1234, .gid = 5678});
    FakeBackend b(path);
    // struct stat: st_uid at 28, st_gid at 32.
    std::uint32_t ids[2] = {static_cast<std::uint32_t>(::getuid()), static_cast<std::uint32_t>(::getgid())};
    b.memory().put(kBuf + 28, ids, sizeof ids);
    b.memory().put_string(0x10000, "/");
    auto o = b.call(FakeBackend::by_name(Abi::x86_64, "stat", {0x10000, kBuf}, 0));
    EXPECT_EQ(o.delivered, 0);
    std::memcpy(ids, b.memory().at(kBuf + 28), sizeof ids);
    EXPECT_EQ(ids[0], 1234u);
    EXPECT_EQ(ids[1], 5678u);
    // A failed stat's buffer is the program's own.
    std::uint32_t other[2] = {7, 8};
    b.memory().put(kBuf + 28, other, sizeof other);
    b.call(FakeBackend::by_name(Abi::x86_64, "stat", {0x10000, kBuf}, -ENOENT));
    std::memcpy(ids, b.memory().at(kBuf + 28), sizeof ids);
    EXPECT_EQ(ids[0], 7u);
    // getuid in every ABI; the 16-bit call shows a large id as the overflow id.
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::i386, "getuid32")).delivered, 1234);
    SyscallPath big_path;
    Identity big;
    big.bind(big_path, store, IdentityOptions{.uid = 70000});
    FakeBackend b2(big_path);
    EXPECT_EQ(b2.call(FakeBackend::by_name(Abi::i386, "getuid")).delivered, 65534);
}

TEST(ViewTime, ClocksFollowTheSpecInEveryWidth) {
    SyscallPath path;
    ViewStore store;
    ASSERT_TRUE(store.open());
    TimeView time;
    TimeOptions options;
    options.active = true;
    options.start_ns = 946684800 * kNs;
    options.freeze = true;
    time.bind(path, store, options);
    FakeBackend b(path);
    auto o = b.call(FakeBackend::by_name(Abi::x86_64, "clock_gettime", {CLOCK_REALTIME, kBuf}));
    EXPECT_EQ(o.delivered, 0);
    std::int64_t ts[2];
    std::memcpy(ts, b.memory().at(kBuf), sizeof ts);
    EXPECT_EQ(ts[0], 946684800);
    EXPECT_EQ(ts[1], 0);
    std::int32_t ts32[2] = {-1, -1};
    b.memory().put(kBuf, ts32, sizeof ts32);
    b.call(FakeBackend::by_name(Abi::i386, "clock_gettime", {CLOCK_REALTIME, kBuf}));
    std::memcpy(ts32, b.memory().at(kBuf), sizeof ts32);
    EXPECT_EQ(ts32[0], 946684800);
    EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x86_64, "time", {0})).delivered, 946684800);
    // CPU-time clocks are the host's: the call passes through.
    EXPECT_TRUE(b.call(FakeBackend::by_name(Abi::x86_64, "clock_gettime", {CLOCK_PROCESS_CPUTIME_ID, kBuf})).host_ran);
}

namespace {

// A path with the view of time at a speed and an offset.
struct TimePath {
    SyscallPath path;
    ViewStore store;
    TimeView time;
    TimePath(double speed, std::int64_t offset_ns) {
        EXPECT_TRUE(store.open());
        TimeOptions o;
        o.active = true;
        o.speed = speed;
        o.offset_ns = offset_ns;
        time.bind(path, store, o);
    }
};
std::int64_t real_now(int clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * kNs + ts.tv_nsec;
}

}  // namespace

// Every argument the table marks [time:<use>] is on the path once a speed and an
// offset are given, and each struct one has a layout the view can read.
TEST(ViewTime, EveryTimeMarkOfTheTableIsCovered) {
    TimePath view(10, -7200 * kNs);
    SyscallPath& path = view.path;
    int marked = 0;
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386}) {
        for (const SyscallDesc& row : syscall_table(abi)) {
            if (row.is_ni()) continue;
            const EntryMeta& e = row.effective();
            for (int i = 0; i < e.nargs; ++i) {
                const ArgMeta& a = e.args[i];
                if (a.time == TimeUse::none) continue;
                ++marked;
                EXPECT_TRUE(path.needs_stop(row)) << abi_name(abi) << " " << row.name;
                bool number = a.kind == ArgKind::dec || a.kind == ArgKind::udec;
                if (a.time == TimeUse::wait_ms) {
                    EXPECT_TRUE(number) << e.entry << " " << a.name;
                } else if (!number) {
                    EXPECT_TRUE(TimeView::layout_of(a)) << e.entry << " " << a.name << " " << a.param;
                }
            }
        }
    }
    EXPECT_GT(marked, 60);
}

// A wait runs shortened by the speed from a copy (the program's struct is left as
// it is for the call), and what the kernel left of a countdown comes back scaled.
TEST(ViewTime, AWaitIsShortenedInACopyAndWhatIsLeftComesBackInTheProgramsTime) {
    TimePath view(10, 0);
    SyscallPath& path = view.path;
    FakeBackend b(path);
    std::int64_t request[2] = {2, 0};
    b.memory().put(kBuf, request, sizeof request);
    std::uint64_t seen = 0;
    std::int64_t asked[2] = {};
    b.host = [&](Task& t) {
        seen = t.arg(2);
        std::memcpy(asked, b.memory().at(seen), sizeof asked);
        std::int64_t left[2] = {0, 50000000};  // the kernel's countdown: 50 ms of the 200 left
        b.memory().put(seen, left, sizeof left);
    };
    b.call(FakeBackend::by_name(Abi::x86_64, "ppoll", {0, 0, kBuf, 0, 8}, 0));
    EXPECT_NE(seen, kBuf);
    EXPECT_EQ(asked[0], 0);
    EXPECT_EQ(asked[1], 200000000);
    std::int64_t shown[2];
    std::memcpy(shown, b.memory().at(kBuf), sizeof shown);
    EXPECT_EQ(shown[0], 0);
    EXPECT_EQ(shown[1], 500000000);  // 50 ms of the host's, 500 of the program's
    EXPECT_EQ(b.task().arg(2), kBuf);  // the program's argument, put back
    // i386: rt_sigtimedwait's old_timespec32 (the compat entry), read only.
    std::int32_t request32[2] = {1, 0}, asked32[2] = {};
    b.memory().put(kBuf, request32, sizeof request32);
    b.host = [&](Task& t) {
        seen = t.arg(2);
        std::memcpy(asked32, b.memory().at(seen), sizeof asked32);
    };
    b.call(FakeBackend::by_name(Abi::i386, "rt_sigtimedwait", {0x10000, 0, kBuf, 8}, -EAGAIN));
    EXPECT_NE(seen, kBuf);
    EXPECT_EQ(asked32[0], 0);
    EXPECT_EQ(asked32[1], 100000000);
    std::memcpy(request32, b.memory().at(kBuf), sizeof request32);
    EXPECT_EQ(request32[0], 1);
    // poll's milliseconds, in the register, put back at the exit.
    b.host = [&](Task& t) { seen = t.arg(2); };
    b.call(FakeBackend::by_name(Abi::x86_64, "poll", {0, 0, 1000}, 0));
    EXPECT_EQ(seen, 100u);
    EXPECT_EQ(b.task().arg(2), 1000u);
    // futex's fourth argument is a number for FUTEX_WAKE_OP: left alone.
    b.host = [&](Task& t) { seen = t.arg(3); };
    b.call(FakeBackend::by_name(Abi::x86_64, "futex", {0x10000, FUTEX_WAKE_OP, 1, 5, 0x10004, 0}, 0));
    EXPECT_EQ(seen, 5u);
}

// An instant on the virtual CLOCK_REALTIME (an offset of -2 h here) reaches the
// host as the same distance from the real clock's now; a speed of 1 leaves waits.
TEST(ViewTime, AnInstantOnTheVirtualClockIsMovedToTheRealOne) {
    TimePath view(1, -7200 * kNs);
    SyscallPath& path = view.path;
    FakeBackend b(path);
    struct Case {
        const char* name;
        std::array<std::uint64_t, kMaxArgs> args;
        int timeout_arg;
    };
    for (const Case& c : {Case{"mq_timedsend", {3, kBuf + 64, 0, 0, kBuf}, 4},
                          Case{"futex", {0x10000, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, kBuf, 0, ~0u}, 3},
                          Case{"clock_nanosleep", {CLOCK_REALTIME, TIMER_ABSTIME, kBuf, 0}, 2},
                          Case{"futex_waitv", {kBuf + 64, 1, 0, kBuf, CLOCK_REALTIME}, 3}}) {
        std::int64_t deadline = real_now(CLOCK_REALTIME) - 7200 * kNs + kNs;  // virtual now + 1 s
        std::int64_t ts[2] = {deadline / kNs, deadline % kNs};
        b.memory().put(kBuf, ts, sizeof ts);
        std::int64_t host_deadline = 0;
        b.host = [&](Task& t) {
            std::int64_t got[2];
            std::memcpy(got, b.memory().at(t.arg(c.timeout_arg)), sizeof got);
            host_deadline = got[0] * kNs + got[1];
        };
        b.call(FakeBackend::by_name(Abi::x86_64, c.name, c.args, -ETIMEDOUT));
        std::int64_t expected = real_now(CLOCK_REALTIME) + kNs;
        EXPECT_LT(std::llabs(host_deadline - expected), 60 * kNs) << c.name << ": " << (host_deadline - expected) / kNs << " s off";
        EXPECT_EQ(b.task().arg(c.timeout_arg), kBuf) << c.name;
    }
    // Waits and the monotonic clock's instants are the host's at speed 1: not on the path.
    EXPECT_FALSE(path.needs_stop(*find_syscall(Abi::x86_64, "ppoll")));
    std::int64_t ts[2] = {5, 0};
    b.memory().put(kBuf, ts, sizeof ts);
    std::uint64_t seen = 0;
    b.host = [&](Task& t) { seen = t.arg(3); };
    b.call(FakeBackend::by_name(Abi::x86_64, "futex", {0x10000, FUTEX_WAIT_BITSET, 0, kBuf, 0, ~0u}, -ETIMEDOUT));
    EXPECT_EQ(seen, kBuf);
}

TEST(ViewRandom, AStreamPerTaskTheSameForTheSameSeed) {
    auto draw = [](std::uint64_t seed, pid_t tid) {
        SyscallPath path;
        ViewStore store;
        RandomView random;
        random.bind(path, store, seed);
        FakeBackend b(path, tid);
        EXPECT_EQ(b.call(FakeBackend::by_name(Abi::x86_64, "getrandom", {kBuf, 16, 0})).delivered, 16);
        return std::string(reinterpret_cast<char*>(b.memory().at(kBuf)), 16);
    };
    EXPECT_EQ(draw(7, 100), draw(7, 200));  // the first stream of a session, whichever task asks
    EXPECT_NE(draw(7, 100), draw(8, 100));
}

TEST(ViewParse, TimeSpecs) {
    struct Good {
        const char* spec;
        std::optional<std::int64_t> start;
        std::int64_t offset;
        double speed;
    };
    for (const Good& g : {Good{"2000-01-01 00:00:00", 946684800 * kNs, 0, 1}, Good{"2000-01-01", 946684800 * kNs, 0, 1},
                          Good{"@2000-01-01 00:00:00", 946684800 * kNs, 0, 1}, Good{"@946684800", 946684800 * kNs, 0, 1},
                          Good{"+3d", std::nullopt, 3 * 86400 * kNs, 1}, Good{"-2h", std::nullopt, -7200 * kNs, 1},
                          Good{"-120", std::nullopt, -120 * kNs, 1}, Good{"x10", std::nullopt, 0, 10},
                          Good{"x0.5", std::nullopt, 0, 0.5}, Good{"+1h x2", std::nullopt, 3600 * kNs, 2},
                          Good{"@946684800 x10", 946684800 * kNs, 0, 10}}) {
        Result<TimeOptions> t = parse_time_spec(g.spec);
        ASSERT_TRUE(t) << g.spec << ": " << t.error().message;
        EXPECT_EQ(t->start_ns, g.start) << g.spec;
        EXPECT_EQ(t->offset_ns, g.offset) << g.spec;
        EXPECT_EQ(t->speed, g.speed) << g.spec;
    }
    for (const char* bad : {"", "yesterday", "x0", "x-1", "+3w", "2000-13-01 00:00:00", "2000-01-01 25:00:00", "@", "x"}) {
        Result<TimeOptions> t = parse_time_spec(bad);
        ASSERT_FALSE(t) << bad;
        EXPECT_NE(t.error().message.find(std::string("--time '") + bad + "'"), std::string::npos) << t.error().message;
    }
}

TEST(ViewParse, StateFilesRoundTripAndCorruptOnesAreNamed) {
    std::string dir = ::testing::TempDir() + "view_state_" + std::to_string(::getpid());
    ::mkdir(dir.c_str(), 0700);
    std::string path = dir + "/state";
    Result<std::vector<OwnerRecord>> missing = load_state_file(path);
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->empty());
    OwnerRecord r;
    r.dev_major = 8;
    r.dev_minor = 1;
    r.ino = 42;
    r.uid = 3;
    r.gid = 4;
    r.mode = S_IFCHR | 0640;
    r.rdev_major = 1;
    r.rdev_minor = 3;
    ASSERT_TRUE(save_state_file(path, {r}));
    Result<std::vector<OwnerRecord>> back = load_state_file(path);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ(std::memcmp(&(*back)[0], &r, sizeof r), 0);
    std::ofstream(path) << "lstar-state 1\n8:1 42 3 4 20640 1:3\nnonsense\n";
    Result<std::vector<OwnerRecord>> bad = load_state_file(path);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'" + path + "', line 3"), std::string::npos) << bad.error().message;
    Result<std::vector<OwnerRecord>> dir_state = load_state_file(dir);
    EXPECT_FALSE(dir_state);
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}
