#include "handlers/view_store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace lstar {

namespace {

constexpr std::uint64_t kMagic = 0x6c73746172766965ull;  // "lstarvie"
constexpr std::uint32_t kCapacity = 1u << 16;           // records
constexpr const char* kStateHeader = "lstar-state 1";

std::int64_t clock_ns(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

struct ViewStore::Shared {
    std::uint64_t magic;
    std::int64_t real0_ns, mono0_ns;
    std::atomic<std::uint32_t> lock;
    std::uint32_t count;
    std::uint64_t generation;  // bumped by every put
    std::atomic<std::uint64_t> streams;
    OwnerRecord records[kCapacity];
};

namespace {

// A spin lock in the shared page: held for a scan of the records at most, never
// across a system call of the program.
struct Locked {
    std::atomic<std::uint32_t>& word;
    explicit Locked(std::atomic<std::uint32_t>& w) : word(w) {
        for (int spins = 0; word.exchange(1, std::memory_order_acquire); ++spins)
            if (spins > 64) ::sched_yield();
    }
    ~Locked() { word.store(0, std::memory_order_release); }
};

}  // namespace

Result<std::vector<OwnerRecord>> load_state_file(const std::string& path) {
    std::vector<OwnerRecord> out;
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT) return out;  // the first run makes it
        return error(fmt::format("cannot read the state file '{}': {} (give a readable file, or a new path)", path,
                                 std::strerror(errno)), EINVAL);
    }
    std::string line;
    int number = 0;
    auto corrupt = [&](const char* what) {
        return error(fmt::format("corrupt state file '{}', line {}: {} (it was not written by lstar --state; "
                                 "give another path)", path, number, what), EINVAL);
    };
    if (!std::getline(in, line)) return error(fmt::format("corrupt state file '{}': it is empty", path), EINVAL);
    ++number;
    if (line != kStateHeader) return corrupt("expected the header line 'lstar-state 1'");
    while (std::getline(in, line)) {
        ++number;
        std::istringstream fields(line);
        OwnerRecord r;
        std::string rest;
        // "dev_major:dev_minor ino uid gid mode rdev_major:rdev_minor"
        char c1 = 0, c2 = 0;
        if (!(fields >> r.dev_major >> c1 >> r.dev_minor >> r.ino >> r.uid >> r.gid >> std::oct >> r.mode >> std::dec >>
              r.rdev_major >> c2 >> r.rdev_minor) || c1 != ':' || c2 != ':' || (fields >> rest))
            return corrupt("expected 'MAJOR:MINOR INODE UID GID MODE MAJOR:MINOR'");
        out.push_back(r);
        if (out.size() > kCapacity) return corrupt("more records than lstar keeps");
    }
    if (in.bad()) return error(fmt::format("cannot read the state file '{}': {}", path, std::strerror(errno)), EIO);
    return out;
}

Status save_state_file(const std::string& path, const std::vector<OwnerRecord>& records) {
    std::string text = std::string(kStateHeader) + "\n";
    for (const OwnerRecord& r : records)
        text += fmt::format("{}:{} {} {} {} {:o} {}:{}\n", r.dev_major, r.dev_minor, r.ino, r.uid, r.gid, r.mode,
                            r.rdev_major, r.rdev_minor);
    std::string temp = fmt::format("{}.tmp{}", path, ::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return error(fmt::format("cannot write the state file '{}': {}", temp, std::strerror(errno)), errno);
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        return error(fmt::format("cannot write the state file '{}': {}", path, std::strerror(err)), err);
    }
    return {};
}

ViewStore::ViewStore() = default;

ViewStore::~ViewStore() {
    if (shared_) ::munmap(shared_, sizeof(Shared));
}

void ViewStore::set_state(std::string path, std::vector<OwnerRecord> records) {
    state_path_ = std::move(path);
    initial_ = std::move(records);
}

Status ViewStore::map() {
    void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return error(fmt::format("cannot map the virtual view's record: {}", std::strerror(errno)), errno);
    shared_ = static_cast<Shared*>(p);
    return {};
}

Status ViewStore::open() {
    fd_ = ::memfd_create("lstar-view", MFD_CLOEXEC);
    if (fd_ < 0) return error(fmt::format("cannot make the virtual view's record: {}", std::strerror(errno)), errno);
    if (::ftruncate(fd_, sizeof(Shared)) != 0)
        return error(fmt::format("cannot size the virtual view's record: {}", std::strerror(errno)), errno);
    if (Status s = map(); !s) return s;
    opener_ = ::getpid();
    shared_->magic = kMagic;
    shared_->real0_ns = clock_ns(CLOCK_REALTIME);
    shared_->mono0_ns = clock_ns(CLOCK_MONOTONIC);
    for (const OwnerRecord& r : initial_) put(r);
    saved_generation_ = shared_->generation;
    return {};
}

void ViewStore::adopt(std::span<const int> fds) {
    if (shared_) ::munmap(shared_, sizeof(Shared));  // a fork child's copy of the opener's mapping
    shared_ = nullptr;
    fd_ = fds.empty() ? -1 : fds[0];
    opener_ = 0;
    if (fd_ >= 0 && !map()) shared_ = nullptr;
    if (shared_ && shared_->magic != kMagic) {
        ::munmap(shared_, sizeof(Shared));
        shared_ = nullptr;
    }
}

void ViewStore::flush() {
    if (!shared_ || opener_ != ::getpid() || state_path_.empty()) return;
    std::vector<OwnerRecord> records;
    std::uint64_t generation;
    {
        Locked lock(shared_->lock);
        generation = shared_->generation;
        if (generation == saved_generation_) return;
        records.assign(shared_->records, shared_->records + shared_->count);
    }
    if (Status s = save_state_file(state_path_, records); !s) {
        print_error(s.error());
        return;
    }
    saved_generation_ = generation;
}

std::int64_t ViewStore::real0_ns() const { return shared_ ? shared_->real0_ns : clock_ns(CLOCK_REALTIME); }
std::int64_t ViewStore::mono0_ns() const { return shared_ ? shared_->mono0_ns : clock_ns(CLOCK_MONOTONIC); }

std::uint64_t ViewStore::next_stream() {
    return shared_ ? shared_->streams.fetch_add(1) : local_streams_++;
}

std::optional<OwnerRecord> ViewStore::find(std::uint32_t dev_major, std::uint32_t dev_minor, std::uint64_t ino) const {
    if (!shared_) return std::nullopt;
    Locked lock(shared_->lock);
    for (std::uint32_t i = 0; i < shared_->count; ++i) {
        const OwnerRecord& r = shared_->records[i];
        if (r.ino == ino && r.dev_major == dev_major && r.dev_minor == dev_minor) return r;
    }
    return std::nullopt;
}

void ViewStore::put(const OwnerRecord& record) {
    if (!shared_) return;
    Locked lock(shared_->lock);
    ++shared_->generation;
    for (std::uint32_t i = 0; i < shared_->count; ++i) {
        OwnerRecord& r = shared_->records[i];
        if (r.ino == record.ino && r.dev_major == record.dev_major && r.dev_minor == record.dev_minor) {
            r = record;
            return;
        }
    }
    if (shared_->count < kCapacity) shared_->records[shared_->count++] = record;
}

}  // namespace lstar
