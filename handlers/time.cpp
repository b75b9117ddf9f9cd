// The time family: every clock the program reads as --time says, libfaketime's
// forms and more. The session's start (CLOCK_REALTIME and CLOCK_MONOTONIC read
// together, in the view's shared record) is the origin: from there the virtual
// real time starts at the chosen instant (or the real one plus an offset) and
// runs at the chosen speed (or stands still), the monotonic clocks run at that
// speed, and sleeps and timeouts are shortened by it. CPU-time clocks and the
// stat family's timestamps are left true.
#include <sys/time.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

namespace {

constexpr std::int64_t kNs = 1000000000;

std::int64_t read_clock(int clock) {
    timespec ts{};
    if (::clock_gettime(clock, &ts) != 0) return -1;
    return static_cast<std::int64_t>(ts.tv_sec) * kNs + ts.tv_nsec;
}

bool realtime_family(int clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_REALTIME_ALARM ||
           clock == CLOCK_TAI;
}
bool monotonic_family(int clock) {
    return clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_MONOTONIC_COARSE ||
           clock == CLOCK_BOOTTIME || clock == CLOCK_BOOTTIME_ALARM;
}

// A timespec or timeval (two 64-bit words, or two 32-bit ones for the *_time32 calls).
bool read_pair(Task& task, std::uint64_t addr, bool wide, std::int64_t* sec, std::int64_t* nsec) {
    if (wide) {
        std::int64_t w[2];
        if (copy_bytes_from_user(*task.mem, w, addr, sizeof w) != 0) return false;
        *sec = w[0];
        *nsec = w[1];
    } else {
        std::int32_t w[2];
        if (copy_bytes_from_user(*task.mem, w, addr, sizeof w) != 0) return false;
        *sec = w[0];
        *nsec = w[1];
    }
    return true;
}
long write_pair(Task& task, std::uint64_t addr, bool wide, std::int64_t a, std::int64_t b) {
    if (wide) {
        std::int64_t w[2] = {a, b};
        return copy_bytes_to_user(*task.mem, addr, w, sizeof w);
    }
    std::int32_t w[2] = {static_cast<std::int32_t>(a), static_cast<std::int32_t>(b)};
    return copy_bytes_to_user(*task.mem, addr, w, sizeof w);
}
long write_ns(Task& task, std::uint64_t addr, bool wide, std::int64_t ns, std::int64_t unit) {
    std::int64_t sec = ns / kNs, rest = ns % kNs;
    if (rest < 0) {
        rest += kNs;
        --sec;
    }
    return write_pair(task, addr, wide, sec, rest / unit);
}

// A number with an optional fraction.
bool parse_number(std::string_view text, double* out) {
    if (text.empty()) return false;
    std::string s(text);
    char* end = nullptr;
    *out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(*out);
}

// "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (UTC), or "@"-less epoch seconds after '@'.
bool parse_instant(std::string_view text, bool epoch_ok, std::int64_t* ns) {
    std::string s(text);
    tm t{};
    int consumed = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                    &t.tm_sec, &consumed) == 6 && consumed == static_cast<int>(s.size())) {
    } else if (t = tm{}, consumed = 0;
               std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday, &consumed) == 3 &&
               consumed == static_cast<int>(s.size())) {
    } else {
        double seconds = 0;
        if (!epoch_ok || !parse_number(text, &seconds)) return false;
        *ns = static_cast<std::int64_t>(seconds * kNs);
        return true;
    }
    if (t.tm_mon < 1 || t.tm_mon > 12 || t.tm_mday < 1 || t.tm_mday > 31 || t.tm_hour > 23 || t.tm_min > 59 ||
        t.tm_sec > 60)
        return false;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    *ns = static_cast<std::int64_t>(::timegm(&t)) * kNs;
    return true;
}

}  // namespace

Result<TimeOptions> parse_time_spec(std::string_view spec) {
    TimeOptions out;
    out.active = true;
    auto bad = [&](std::string_view why) {
        return error(fmt::format("invalid --time '{}': {} (e.g. \"2000-01-01 00:00:00\", \"@946684800\", \"+3d\", "
                                 "\"-2h\", \"x10\", \"+1h x2\")", spec, why), EINVAL);
    };
    std::string_view rest = spec;
    // A speed at the end: " xN", or the whole spec "xN".
    std::size_t x = rest.rfind('x');
    if (x != std::string_view::npos && (x == 0 || rest[x - 1] == ' ')) {
        double speed = 0;
        if (!parse_number(rest.substr(x + 1), &speed) || speed <= 0 || speed > 1e6)
            return bad("the speed after 'x' must be a number above 0");
        out.speed = speed;
        rest = rest.substr(0, x);
        while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    }
    if (rest.empty()) {
        if (x == std::string_view::npos) return bad("it is empty");
        return out;
    }
    if (rest[0] == '+' || rest[0] == '-') {
        static constexpr std::pair<char, double> kUnits[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'y', 365 * 86400.0}};
        double unit = 1;
        std::string_view number = rest.substr(1);
        for (auto [c, seconds] : kUnits)
            if (!number.empty() && number.back() == c) {
                unit = seconds;
                number.remove_suffix(1);
            }
        double amount = 0;
        if (!parse_number(number, &amount) || amount < 0) return bad("an offset is +N or -N with a unit s, m, h, d or y");
        out.offset_ns = static_cast<std::int64_t>((rest[0] == '-' ? -amount : amount) * unit * kNs);
        return out;
    }
    bool at = rest[0] == '@';
    std::int64_t start = 0;
    if (!parse_instant(at ? rest.substr(1) : rest, at, &start))
        return bad("not a date \"YYYY-MM-DD HH:MM:SS\" (UTC), an @-form, an offset or a speed");
    out.start_ns = start;
    return out;
}

std::int64_t TimeView::realtime_ns() const {
    std::int64_t elapsed = read_clock(CLOCK_MONOTONIC) - store_->mono0_ns();
    std::int64_t base = options_.start_ns.value_or(store_->real0_ns() + options_.offset_ns);
    if (options_.freeze) return base;
    return base + static_cast<std::int64_t>(static_cast<double>(elapsed) * options_.speed);
}

std::int64_t TimeView::clock_ns(int clock) const {
    if (clock == CLOCK_REALTIME) return realtime_ns();
    if (realtime_family(clock)) {
        // Its distance from CLOCK_REALTIME (TAI's leap seconds; the coarse and alarm
        // clocks' none) in whole seconds, so that a frozen time stays on its second.
        std::int64_t apart = read_clock(clock) - read_clock(CLOCK_REALTIME);
        return realtime_ns() + (apart + kNs / 2) / kNs * kNs;
    }
    if (monotonic_family(clock)) {
        std::int64_t elapsed = read_clock(CLOCK_MONOTONIC) - store_->mono0_ns();
        return read_clock(clock) + static_cast<std::int64_t>(static_cast<double>(elapsed) * (options_.speed - 1));
    }
    return -1;
}

// A virtual deadline on a clock, as the real one the host waits for.
std::int64_t TimeView::to_real_deadline(int clock, std::int64_t virtual_ns) const {
    double rate = realtime_family(clock) && options_.freeze ? 1.0 : options_.speed;
    return read_clock(clock) + static_cast<std::int64_t>(static_cast<double>(virtual_ns - clock_ns(clock)) / rate);
}

HandlerResult TimeView::sleep_enter(Task& task, int clock, bool absolute, std::uint64_t req, bool wide,
                                    std::int64_t unit) {
    if (!req) return kPassThrough;
    if (absolute ? !(realtime_family(clock) || monotonic_family(clock)) : options_.speed == 1.0) return kPassThrough;
    if (absolute && monotonic_family(clock) && options_.speed == 1.0) return kPassThrough;
    std::int64_t sec = 0, frac = 0;
    if (!read_pair(task, req, wide, &sec, &frac) || frac < 0 || frac >= kNs / unit || sec < 0) return kPassThrough;
    std::int64_t ns = sec * kNs + frac * unit;
    std::int64_t real = absolute ? to_real_deadline(clock, ns) : static_cast<std::int64_t>(static_cast<double>(ns) / options_.speed);
    if (real < 0) real = 0;
    // The request is rewritten in place for the call and put back at exit (the
    // kernel has read it by then); a request lstar cannot write is left as it is.
    if (write_ns(task, req, wide, real, unit) != 0) return kPassThrough;
    pending_[task.tid] = PendingSleep{req, sec, frac};
    return kPassThrough;
}

void TimeView::sleep_exit(Task& task, std::uint64_t rem, bool wide, std::int64_t unit, bool updated_in_place) {
    auto it = pending_.find(task.tid);
    if (it == pending_.end()) return;
    PendingSleep p = it->second;
    pending_.erase(it);
    // What is left, in the program's time: written back by the kernel into the request
    // itself (select, ppoll, pselect6), or into rem when a sleep was interrupted.
    if (updated_in_place) rem = p.addr;
    std::int64_t rsec = 0, rfrac = 0;
    bool have_rem = rem && (updated_in_place || task.retval == -EINTR) && read_pair(task, rem, wide, &rsec, &rfrac);
    write_pair(task, p.addr, wide, p.sec, p.nsec);
    if (have_rem)
        write_ns(task, rem, wide, static_cast<std::int64_t>(static_cast<double>(rsec * kNs + rfrac * unit) * options_.speed),
                 unit);
}

void TimeView::bind(SyscallPath& path, ViewStore& store, const TimeOptions& options) {
    store_ = &store;
    options_ = options;
    using Ptr = UserPtr<std::uint8_t>;

    auto gettime = [this](Task& task, int clock, std::uint64_t tp, bool wide) -> HandlerResult {
        std::int64_t ns = clock_ns(clock);
        if (ns < 0) return kPassThrough;  // CPU-time and dynamic clocks, and unknown ids: the host's answer
        return emulated(write_ns(task, tp, wide, ns, 1));
    };
    LSTAR_SYSCALL_DEFINE(path, sys_clock_gettime, [gettime](Task& t, int clock, Ptr tp) { return gettime(t, clock, tp.addr(), true); });
    LSTAR_SYSCALL_DEFINE(path, sys_clock_gettime32, [gettime](Task& t, int clock, Ptr tp) { return gettime(t, clock, tp.addr(), false); });

    auto timeofday = [this](Task& task, std::uint64_t tv, std::uint64_t tz, bool wide) -> HandlerResult {
        if (tv)
            if (long err = write_ns(task, tv, wide, realtime_ns(), 1000)) return emulated(err);
        if (tz) {
            std::int32_t zone[2] = {0, 0};  // UTC, no DST: what the kernel keeps unless told
            if (long err = copy_bytes_to_user(*task.mem, tz, zone, sizeof zone)) return emulated(err);
        }
        return emulated(0);
    };
    LSTAR_SYSCALL_DEFINE(path, sys_gettimeofday, [timeofday](Task& t, Ptr tv, Ptr tz) { return timeofday(t, tv.addr(), tz.addr(), true); });
    LSTAR_SYSCALL_DEFINE(path, compat_sys_gettimeofday,
                         [timeofday](Task& t, Ptr tv, Ptr tz) { return timeofday(t, tv.addr(), tz.addr(), false); });

    auto seconds = [this](Task& task, std::uint64_t tloc, std::size_t width) -> HandlerResult {
        std::int64_t now = realtime_ns() / kNs;
        if (tloc && copy_bytes_to_user(*task.mem, tloc, &now, width) != 0) return emulated(-EFAULT);
        return emulated(width == 4 ? static_cast<std::int32_t>(now) : now);
    };
    LSTAR_SYSCALL_DEFINE(path, sys_time, [seconds](Task& t, Ptr tloc) { return seconds(t, tloc.addr(), 8); });
    LSTAR_SYSCALL_DEFINE(path, sys_time32, [seconds](Task& t, Ptr tloc) { return seconds(t, tloc.addr(), 4); });

    // Sleeps: shortened by the speed; an absolute deadline as the real clock's.
    LSTAR_SYSCALL_DEFINE(path, sys_nanosleep,
                         [this](Task& t, Ptr req, Ptr) { return sleep_enter(t, CLOCK_MONOTONIC, false, req.addr(), true, 1); });
    LSTAR_SYSCALL_DEFINE(path, sys_nanosleep_time32,
                         [this](Task& t, Ptr req, Ptr) { return sleep_enter(t, CLOCK_MONOTONIC, false, req.addr(), false, 1); });
    LSTAR_SYSCALL_DEFINE(path, sys_clock_nanosleep, [this](Task& t, int clock, int flags, Ptr req, Ptr) {
        return sleep_enter(t, clock, flags & TIMER_ABSTIME, req.addr(), true, 1);
    });
    LSTAR_SYSCALL_DEFINE(path, sys_clock_nanosleep_time32, [this](Task& t, int clock, int flags, Ptr req, Ptr) {
        return sleep_enter(t, clock, flags & TIMER_ABSTIME, req.addr(), false, 1);
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_nanosleep, [this](Task& t, Ptr, Ptr rem) {
        sleep_exit(t, rem.addr(), true, 1, false);
        return kPassThrough;
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_nanosleep_time32, [this](Task& t, Ptr, Ptr rem) {
        sleep_exit(t, rem.addr(), false, 1, false);
        return kPassThrough;
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_clock_nanosleep, [this](Task& t, int, int flags, Ptr, Ptr rem) {
        sleep_exit(t, flags & TIMER_ABSTIME ? 0 : rem.addr(), true, 1, false);
        return kPassThrough;
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_clock_nanosleep_time32, [this](Task& t, int, int flags, Ptr, Ptr rem) {
        sleep_exit(t, flags & TIMER_ABSTIME ? 0 : rem.addr(), false, 1, false);
        return kPassThrough;
    });
    if (options_.speed == 1.0) return;

    // Timeouts the kernel counts down in place (select's timeval, ppoll's and
    // pselect6's timespec): shortened for the call, what is left scaled back.
    struct Timeout {
        std::string_view entry;
        int arg;
        bool wide;
        std::int64_t unit;
    };
    for (const Timeout& t : {Timeout{meta::sys_select::name, 4, true, 1000}, Timeout{meta::compat_sys_select::name, 4, false, 1000},
                             Timeout{meta::sys_pselect6::name, 4, true, 1}, Timeout{meta::compat_sys_pselect6_time32::name, 4, false, 1},
                             Timeout{meta::compat_sys_pselect6_time64::name, 4, true, 1}, Timeout{meta::sys_ppoll::name, 2, true, 1},
                             Timeout{meta::compat_sys_ppoll_time32::name, 2, false, 1},
                             Timeout{meta::compat_sys_ppoll_time64::name, 2, true, 1}}) {
        path.bind_entry(t.entry, [this, t](Task& task) { return sleep_enter(task, CLOCK_MONOTONIC, false, task.arg(t.arg), t.wide, t.unit); });
        path.bind_exit_entry(t.entry, [this, t](Task& task) {
            sleep_exit(task, 0, t.wide, t.unit, true);
            return kPassThrough;
        });
    }

    // The real-time interval timer: its value and interval shortened for the
    // call, the values it reports (the old one, getitimer's) in the program's time.
    auto itimer = [this](Task& task, std::uint64_t addr, bool wide, double factor) {
        for (std::uint64_t at : {addr, addr + (wide ? 16u : 8u)}) {
            std::int64_t sec = 0, usec = 0;
            if (!read_pair(task, at, wide, &sec, &usec) || (sec == 0 && usec == 0)) continue;
            auto ns = static_cast<std::int64_t>(static_cast<double>(sec * kNs + usec * 1000) * factor);
            write_ns(task, at, wide, std::max<std::int64_t>(ns, 1000), 1000);
        }
    };
    struct Itimer {
        std::string_view set, get;
        bool wide;
    };
    for (const Itimer& i : {Itimer{meta::sys_setitimer::name, meta::sys_getitimer::name, true},
                            Itimer{meta::compat_sys_setitimer::name, meta::compat_sys_getitimer::name, false}}) {
        path.bind_entry(i.set, [this, i, itimer](Task& task) {
            std::uint64_t value = task.arg(1);
            if (static_cast<int>(task.arg(0)) != ITIMER_REAL || !value) return kPassThrough;
            std::uint8_t original[32];
            std::size_t size = i.wide ? 32 : 16;
            if (copy_bytes_from_user(*task.mem, original, value, size) != 0) return kPassThrough;
            itimer(task, value, i.wide, 1 / options_.speed);
            pending_itimer_[task.tid].assign(original, original + size);
            return kPassThrough;
        });
        path.bind_exit_entry(i.set, [this, i, itimer](Task& task) {
            auto it = pending_itimer_.find(task.tid);
            if (it == pending_itimer_.end()) return kPassThrough;
            copy_bytes_to_user(*task.mem, task.arg(1), it->second.data(), it->second.size());
            pending_itimer_.erase(it);
            if (task.retval == 0 && task.arg(2)) itimer(task, task.arg(2), i.wide, options_.speed);
            return kPassThrough;
        });
        path.bind_exit_entry(i.get, [this, i, itimer](Task& task) {
            if (task.retval == 0 && static_cast<int>(task.arg(0)) == ITIMER_REAL) itimer(task, task.arg(1), i.wide, options_.speed);
            return kPassThrough;
        });
    }

    // Timeouts in milliseconds and alarm's seconds: shortened by the speed.
    auto scaled = [this](std::int64_t amount) {
        if (amount <= 0) return amount;
        return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(static_cast<double>(amount) / options_.speed)));
    };
    LSTAR_SYSCALL_DEFINE(path, sys_poll, [scaled](Task& t, Ptr, unsigned int, int timeout) {
        if (timeout > 0) t.set_arg(2, static_cast<std::uint64_t>(scaled(timeout)));
        return kPassThrough;
    });
    LSTAR_SYSCALL_DEFINE(path, sys_epoll_wait, [scaled](Task& t, int, Ptr, int, int timeout) {
        if (timeout > 0) t.set_arg(3, static_cast<std::uint64_t>(scaled(timeout)));
        return kPassThrough;
    });
    LSTAR_SYSCALL_DEFINE(path, sys_epoll_pwait, [scaled](Task& t, int, Ptr, int, int timeout, Ptr, std::size_t) {
        if (timeout > 0) t.set_arg(3, static_cast<std::uint64_t>(scaled(timeout)));
        return kPassThrough;
    });
    LSTAR_SYSCALL_DEFINE(path, sys_alarm, [scaled](Task& t, unsigned int seconds) {
        if (seconds > 0) t.set_arg(0, static_cast<std::uint64_t>(scaled(seconds)));
        return kPassThrough;
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_alarm, [this](Task& t, unsigned int) {
        // What was left of the previous alarm, in the program's seconds.
        return emulated(static_cast<std::int64_t>(std::ceil(static_cast<double>(t.retval) * options_.speed)));
    });
}

}  // namespace lstar
