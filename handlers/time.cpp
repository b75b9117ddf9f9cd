// The time family: every clock the program reads as --time says, libfaketime's
// forms and more. The session's start (CLOCK_REALTIME and CLOCK_MONOTONIC read
// together, in the view's shared record) is the origin: from there the virtual
// real time starts at the chosen instant (or the real one plus an offset) and
// runs at the chosen speed (or stands still), the monotonic clocks run at that
// speed, and sleeps and timeouts are shortened by it. Which arguments are times,
// and of which kind, is the table's [time:<use>] marks. CPU-time clocks and the
// stat family's timestamps are left true.
#include <linux/futex.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>

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
    std::int32_t w[2] = {static_cast<std::int32_t>(std::min<std::int64_t>(a, INT32_MAX)), static_cast<std::int32_t>(b)};
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

namespace {
// A time in ns from a double, rounded up (a wait never ends before the program's
// clock has passed its end), within what a timespec of lstar's can hold.
std::int64_t clamp_ns(double ns) { return static_cast<std::int64_t>(std::clamp(std::ceil(ns), -9e18, 9e18)); }
}  // namespace

// A virtual deadline on a clock, as the real one the host waits for.
std::int64_t TimeView::to_real_deadline(int clock, std::int64_t virtual_ns) const {
    double rate = realtime_family(clock) && options_.freeze ? 1.0 : options_.speed;
    std::int64_t now = read_clock(clock);
    std::int64_t ahead = clamp_ns(static_cast<double>(virtual_ns - clock_ns(clock)) / rate);
    return ahead > 0 && now > INT64_MAX - ahead ? INT64_MAX : std::max<std::int64_t>(0, now + ahead);
}

// A wait of the program's as the host's (shortened by the speed), and back.
std::int64_t TimeView::to_real_wait(std::int64_t ns) const {
    if (ns <= 0) return ns;
    return std::max<std::int64_t>(1, clamp_ns(static_cast<double>(ns) / options_.speed));
}
std::int64_t TimeView::to_virtual_wait(std::int64_t ns) const {
    return ns <= 0 ? ns : clamp_ns(static_cast<double>(ns) * options_.speed);
}

std::optional<TimeLayout> TimeView::layout_of(const ArgMeta& arg) {
    struct Named {
        std::string_view name;
        TimeLayout layout;
    };
    static constexpr Named kLayouts[] = {
        {"__kernel_timespec", {true, 1, 1}},        {"old_timespec32", {false, 1, 1}},
        {"__kernel_old_timeval", {true, 1000, 1}},  {"old_timeval32", {false, 1000, 1}},
        {"__kernel_itimerspec", {true, 1, 2}},      {"old_itimerspec32", {false, 1, 2}},
        {"__kernel_old_itimerval", {true, 1000, 2}}, {"old_itimerval32", {false, 1000, 2}},
    };
    for (const Named& n : kLayouts)
        if (n.name == arg.param) return n.layout;
    return std::nullopt;
}

namespace {

// Times this far off (about 285 years from 0, or from the epoch) are "for ever":
// left as the program gave them.
constexpr std::int64_t kForeverSec = 9000000000;

// The one or two times (an itimer's interval, then its value) at addr, in ns.
bool read_times(Task& task, std::uint64_t addr, const TimeLayout& layout, std::int64_t ns[2]) {
    for (int i = 0; i < layout.values; ++i) {
        std::int64_t sec = 0, frac = 0;
        if (!read_pair(task, addr + static_cast<std::uint64_t>(i) * (layout.wide ? 16 : 8), layout.wide, &sec, &frac))
            return false;
        if (sec < 0 || sec > kForeverSec || frac < 0 || frac >= kNs / layout.unit) return false;
        ns[i] = sec * kNs + frac * layout.unit;
    }
    return true;
}
long write_times(Task& task, std::uint64_t addr, const TimeLayout& layout, const std::int64_t ns[2]) {
    for (int i = 0; i < layout.values; ++i)
        if (long err = write_ns(task, addr + static_cast<std::uint64_t>(i) * (layout.wide ? 16 : 8), layout.wide, ns[i],
                                layout.unit))
            return err;
    return 0;
}

bool scaled_clock(int clock) { return realtime_family(clock) || monotonic_family(clock); }

// The clock of a timerfd (its fdinfo's "clockid:") or of a POSIX timer (the
// "ClockID:" of its entry in /proc/<pid>/timers); -1 when it cannot be told.
int clock_in_proc(const std::string& file, std::string_view entry_key, long entry, std::string_view clock_key) {
    std::ifstream in(file);
    bool in_entry = entry_key.empty();
    for (std::string line; std::getline(in, line);) {
        std::string_view l = line;
        if (!entry_key.empty() && l.starts_with(entry_key)) in_entry = std::atol(line.c_str() + entry_key.size()) == entry;
        if (in_entry && l.starts_with(clock_key)) return std::atoi(line.c_str() + clock_key.size());
    }
    return -1;
}
int timerfd_clock(const Task& task, int fd) {
    return clock_in_proc(fmt::format("/proc/{}/fdinfo/{}", task.tgid, fd), {}, 0, "clockid:");
}
int timer_clock(const Task& task, long id) {
    return clock_in_proc(fmt::format("/proc/{}/timers", task.tgid), "ID:", id, "ClockID:");
}

}  // namespace

// The time at argument `arg` replaced for the call by `ns`: written where the
// backend lets a handler put a call's data (UserMemory::scratch) and the argument
// pointed there, so the program's own (perhaps read-only, perhaps shared with
// other threads) struct is never changed. put_back undoes it at the exit.
bool TimeView::redirect(Task& task, int arg, const TimeLayout& layout, const std::int64_t ns[2], bool countdown) {
    std::uint64_t at = task.mem->scratch(task, layout.size());
    if (!at || write_times(task, at, layout, ns) != 0) return false;
    Changed& c = changed_[task.tid];
    if (c.call != task.calls) c = Changed{task.calls};
    c.original[arg] = task.arg(arg);
    c.mask |= static_cast<std::uint8_t>(1u << arg);
    if (countdown) {
        c.countdown_arg = arg;
        c.countdown_at = at;
        c.layout = layout;
    }
    task.set_arg(arg, at);
    return true;
}

void TimeView::change_arg(Task& task, int arg, std::uint64_t value) {
    Changed& c = changed_[task.tid];
    if (c.call != task.calls) c = Changed{task.calls};
    c.original[arg] = task.arg(arg);
    c.mask |= static_cast<std::uint8_t>(1u << arg);
    task.set_arg(arg, value);
}

void TimeView::put_back(Task& task) {
    auto it = changed_.find(task.tid);
    if (it == changed_.end()) return;
    Changed c = it->second;
    changed_.erase(it);
    if (c.call != task.calls) return;  // left by a call that never came back
    if (c.countdown_arg >= 0) {
        // What the kernel left of the wait, in the program's time, in the program's struct.
        std::int64_t ns[2] = {};
        if (read_times(task, c.countdown_at, c.layout, ns)) {
            for (std::int64_t& v : ns) v = to_virtual_wait(v);
            write_times(task, c.original[c.countdown_arg], c.layout, ns);
        }
    }
    for (int i = 0; i < kMaxArgs; ++i)
        if (c.mask & (1u << i)) task.set_arg(i, c.original[i]);
}

// A wait (relative) or an instant on `clock` (absolute) at argument `arg`, as the host's.
HandlerResult TimeView::move_time(Task& task, int arg, int clock, bool absolute, bool countdown) {
    std::uint64_t addr = task.arg(arg);
    std::optional<TimeLayout> layout = task.sc ? layout_of(task.sc->effective().args[arg]) : std::nullopt;
    if (!addr || !layout) return kPassThrough;
    if (absolute ? !scaled_clock(clock) : options_.speed == 1.0) return kPassThrough;
    if (absolute && monotonic_family(clock) && options_.speed == 1.0) return kPassThrough;  // the host's own
    std::int64_t ns[2] = {};
    if (!read_times(task, addr, *layout, ns)) return kPassThrough;  // the host gives the error
    // An itimer's interval is a wait; its value (the last) is the instant. Zero disarms.
    for (int i = 0; i < layout->values; ++i)
        if (ns[i] != 0) ns[i] = absolute && i == layout->values - 1 ? to_real_deadline(clock, ns[i]) : to_real_wait(ns[i]);
    redirect(task, arg, *layout, ns, countdown);
    return kPassThrough;
}

// What the kernel wrote at argument `arg` (what is left of a wait, a timer's
// remaining time and interval), in the program's time.
void TimeView::wait_back(Task& task, int arg) {
    std::uint64_t addr = task.arg(arg);
    std::optional<TimeLayout> layout = task.sc ? layout_of(task.sc->effective().args[arg]) : std::nullopt;
    std::int64_t ns[2] = {};
    if (!addr || !layout || options_.speed == 1.0 || !read_times(task, addr, *layout, ns)) return;
    for (std::int64_t& v : ns) v = to_virtual_wait(v);
    write_times(task, addr, *layout, ns);
}

// Every argument the table marks [time:wait|wait_ms|countdown|left|deadline]: one
// handler per entry point that reads the marks, so a call added to the table with
// a mark is covered by construction.
void TimeView::bind_marked(SyscallPath& path) {
    for (const EntryMeta& e : entry_points()) {
        bool any = false, call = false;
        for (int i = 0; i < e.nargs; ++i) {
            any = any || e.args[i].time != TimeUse::none;
            call = call || e.args[i].time == TimeUse::by_call;
        }
        if (!any || call) continue;
        bool instant = false;  // a deadline moves under an offset or a start too; a wait only under a speed
        for (int i = 0; i < e.nargs; ++i) instant = instant || e.args[i].time == TimeUse::deadline;
        if (!instant && options_.speed == 1.0) continue;
        const EntryMeta* entry = &e;
        path.bind_entry(e.entry, [this, entry](Task& task) {
            for (int i = 0; i < entry->nargs; ++i) {
                switch (entry->args[i].time) {
                case TimeUse::wait: move_time(task, i, CLOCK_MONOTONIC, false, false); break;
                case TimeUse::countdown: move_time(task, i, CLOCK_MONOTONIC, false, true); break;
                case TimeUse::deadline: move_time(task, i, CLOCK_REALTIME, true, false); break;
                case TimeUse::wait_ms:
                    if (auto ms = static_cast<int>(task.arg(i)); ms > 0 && options_.speed != 1.0)
                        change_arg(task, i, static_cast<std::uint64_t>(std::max<std::int64_t>(
                                                1, static_cast<std::int64_t>(std::ceil(ms / options_.speed)))));
                    break;
                default: break;
                }
            }
            return kPassThrough;
        });
        path.bind_exit_entry(e.entry, [this, entry](Task& task) {
            put_back(task);
            for (int i = 0; i < entry->nargs; ++i)
                if (entry->args[i].time == TimeUse::left && task.retval == -EINTR) wait_back(task, i);
            return kPassThrough;
        });
    }
}

// The [time:call] arguments: what they mean depends on the call's other arguments
// (futex's op, the flags' TIMER_ABSTIME, a clock id) or on its object (the clock a
// timerfd or a POSIX timer was made on).
void TimeView::bind_by_call(SyscallPath& path) {
    auto done = [this](Task& task) {
        put_back(task);
        return kPassThrough;
    };
    auto exit_entries = [&path, done](std::initializer_list<std::string_view> entries) {
        for (std::string_view e : entries) path.bind_exit_entry(e, done);
    };

    // Sleeps: clock_nanosleep's request is relative or, with TIMER_ABSTIME, an
    // instant on its clock; what is left of a relative one comes back scaled.
    for (std::string_view e : {meta::sys_clock_nanosleep::name, meta::sys_clock_nanosleep_time32::name}) {
        path.bind_entry(e, [this](Task& t) {
            return move_time(t, 2, static_cast<int>(t.arg(0)), t.arg(1) & TIMER_ABSTIME, false);
        });
        path.bind_exit_entry(e, [this](Task& t) {
            put_back(t);
            if (!(t.arg(1) & TIMER_ABSTIME) && t.retval == -EINTR && scaled_clock(static_cast<int>(t.arg(0)))) wait_back(t, 3);
            return kPassThrough;
        });
    }

    // futex: FUTEX_WAIT's timeout is a wait; FUTEX_WAIT_BITSET's, FUTEX_WAIT_REQUEUE_PI's
    // and FUTEX_LOCK_PI2's an instant on CLOCK_MONOTONIC (CLOCK_REALTIME with
    // FUTEX_CLOCK_REALTIME), FUTEX_LOCK_PI's on CLOCK_REALTIME; for the other ops the
    // argument is a number (val2), not a time.
    for (std::string_view e : {meta::sys_futex::name, meta::sys_futex_time32::name}) {
        path.bind_entry(e, [this](Task& t) {
            int op = static_cast<int>(t.arg(1));
            int clock = op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
            switch (op & FUTEX_CMD_MASK) {
            case FUTEX_WAIT: return move_time(t, 3, CLOCK_MONOTONIC, false, false);
            case FUTEX_WAIT_BITSET: case FUTEX_WAIT_REQUEUE_PI: case FUTEX_LOCK_PI2: return move_time(t, 3, clock, true, false);
            case FUTEX_LOCK_PI: return move_time(t, 3, CLOCK_REALTIME, true, false);
            default: return kPassThrough;
            }
        });
    }
    // futex_waitv and futex_wait (futex2): an instant on the clock they name.
    path.bind_entry(meta::sys_futex_waitv::name, [this](Task& t) { return move_time(t, 3, static_cast<int>(t.arg(4)), true, false); });
    path.bind_entry(meta::sys_futex_wait::name, [this](Task& t) { return move_time(t, 4, static_cast<int>(t.arg(5)), true, false); });
    exit_entries({meta::sys_futex::name, meta::sys_futex_time32::name, meta::sys_futex_waitv::name, meta::sys_futex_wait::name});

    // timerfd and POSIX timers: a new setting's interval is a wait, its value a wait
    // or (TFD_TIMER_ABSTIME, TIMER_ABSTIME) an instant on the timer's clock; what the
    // kernel reports (the old setting, gettime's) is what is left, in the program's time.
    for (std::string_view e : {meta::sys_timerfd_settime::name, meta::sys_timerfd_settime32::name}) {
        path.bind_entry(e, [this](Task& t) {
            int clock = timerfd_clock(t, static_cast<int>(t.arg(0)));
            return clock < 0 ? kPassThrough : move_time(t, 2, clock, t.arg(1) & TFD_TIMER_ABSTIME, false);
        });
        path.bind_exit_entry(e, [this](Task& t) {
            put_back(t);
            if (t.retval == 0) wait_back(t, 3);
            return kPassThrough;
        });
    }
    for (std::string_view e : {meta::sys_timer_settime::name, meta::sys_timer_settime32::name}) {
        path.bind_entry(e, [this](Task& t) {
            int clock = timer_clock(t, static_cast<long>(static_cast<std::int32_t>(t.arg(0))));
            return clock < 0 || !scaled_clock(clock) ? kPassThrough : move_time(t, 2, clock, t.arg(1) & TIMER_ABSTIME, false);
        });
        path.bind_exit_entry(e, [this](Task& t) {
            put_back(t);
            int clock = timer_clock(t, static_cast<long>(static_cast<std::int32_t>(t.arg(0))));
            if (t.retval == 0 && scaled_clock(clock)) wait_back(t, 3);
            return kPassThrough;
        });
    }
    for (std::string_view e : {meta::sys_timerfd_gettime::name, meta::sys_timerfd_gettime32::name})
        path.bind_exit_entry(e, [this](Task& t) {
            if (t.retval == 0) wait_back(t, 1);
            return kPassThrough;
        });
    for (std::string_view e : {meta::sys_timer_gettime::name, meta::sys_timer_gettime32::name})
        path.bind_exit_entry(e, [this](Task& t) {
            if (t.retval == 0 && scaled_clock(timer_clock(t, static_cast<long>(static_cast<std::int32_t>(t.arg(0)))))) wait_back(t, 1);
            return kPassThrough;
        });

    // The real-time interval timer (ITIMER_VIRTUAL and ITIMER_PROF count CPU time).
    for (std::string_view e : {meta::sys_setitimer::name, meta::compat_sys_setitimer::name}) {
        path.bind_entry(e, [this](Task& t) {
            return static_cast<int>(t.arg(0)) == ITIMER_REAL ? move_time(t, 1, CLOCK_MONOTONIC, false, false) : kPassThrough;
        });
        path.bind_exit_entry(e, [this](Task& t) {
            put_back(t);
            if (t.retval == 0 && static_cast<int>(t.arg(0)) == ITIMER_REAL) wait_back(t, 2);
            return kPassThrough;
        });
    }
    for (std::string_view e : {meta::sys_getitimer::name, meta::compat_sys_getitimer::name})
        path.bind_exit_entry(e, [this](Task& t) {
            if (t.retval == 0 && static_cast<int>(t.arg(0)) == ITIMER_REAL) wait_back(t, 1);
            return kPassThrough;
        });

    // alarm's seconds: shortened by the speed; what was left of the previous alarm, in
    // the program's seconds.
    if (options_.speed == 1.0) return;
    LSTAR_SYSCALL_DEFINE(path, sys_alarm, [this](Task& t, unsigned int seconds) {
        if (seconds > 0)
            change_arg(t, 0, static_cast<std::uint64_t>(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(seconds / options_.speed)))));
        return kPassThrough;
    });
    LSTAR_SYSCALL_EXIT_DEFINE(path, sys_alarm, [this](Task& t, unsigned int) {
        put_back(t);
        return emulated(static_cast<std::int64_t>(std::ceil(static_cast<double>(t.retval) * options_.speed)));
    });
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

    bind_marked(path);
    bind_by_call(path);
}

}  // namespace lstar
