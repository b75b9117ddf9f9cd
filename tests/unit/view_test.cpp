// The virtual view's handlers on a path driven by the scripted fake backend:
// exit handlers (LSTAR_SYSCALL_EXIT_DEFINE), the stat family's owner, the
// clocks, the seeded stream; and the parsers of --time and --state.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
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
