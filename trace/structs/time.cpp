// Time and resource structs: timespec and timeval in their 64- and 32-bit
// layouts, itimerspec, rlimit, rusage.
#include <fmt/format.h>

#include "trace/structs/structs.hpp"

namespace lstar::structs {

// strace: the seconds signed, the fraction unsigned at its field's width
// (tv_nsec=18446744073709551615 for -1): callers pass it zero-extended.
void print_timespec_value(DecodeCtx& ctx, std::int64_t sec, std::uint64_t nsec) {
    fmt::format_to(std::back_inserter(ctx.out), "{{tv_sec={}, tv_nsec={}}}", sec, nsec);
}

void print_timeval_value(DecodeCtx& ctx, std::int64_t sec, std::uint64_t usec) {
    fmt::format_to(std::back_inserter(ctx.out), "{{tv_sec={}, tv_usec={}}}", sec, usec);
}

namespace {

// __kernel_timespec: two 64-bit fields on every ABI.
bool print_kernel_timespec(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t v[2];
    if (!ctx.read(a, v)) return false;
    print_timespec_value(ctx, v[0], static_cast<std::uint64_t>(v[1]));
    return true;
}

// old_timespec32: two 32-bit fields.
bool print_timespec32(DecodeCtx& ctx, std::uint64_t a) {
    std::int32_t v[2];
    if (!ctx.read(a, v)) return false;
    print_timespec_value(ctx, v[0], static_cast<std::uint32_t>(v[1]));
    return true;
}

// A pair of longs of the task's width (timeval, old timespec).
// The second one zero-extended: it is a fraction (tv_usec), printed unsigned.
bool read_long_pair(DecodeCtx& ctx, std::uint64_t a, std::int64_t& x, std::uint64_t& y) {
    if (ctx.long_size() == 8) {
        std::int64_t v[2];
        if (!ctx.read(a, v)) return false;
        x = v[0], y = static_cast<std::uint64_t>(v[1]);
    } else {
        std::int32_t v[2];
        if (!ctx.read(a, v)) return false;
        x = v[0], y = static_cast<std::uint32_t>(v[1]);
    }
    return true;
}

bool print_timeval(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t s;
    std::uint64_t us;
    if (!read_long_pair(ctx, a, s, us)) return false;
    print_timeval_value(ctx, s, us);
    return true;
}

bool print_timeval32(DecodeCtx& ctx, std::uint64_t a) {
    std::int32_t v[2];
    if (!ctx.read(a, v)) return false;
    print_timeval_value(ctx, v[0], static_cast<std::uint32_t>(v[1]));
    return true;
}

bool print_kernel_itimerspec(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t v[4];
    if (!ctx.read(a, v)) return false;
    ctx.text("{it_interval=");
    print_timespec_value(ctx, v[0], static_cast<std::uint64_t>(v[1]));
    ctx.text(", it_value=");
    print_timespec_value(ctx, v[2], static_cast<std::uint64_t>(v[3]));
    ctx.text("}");
    return true;
}

bool print_timezone(DecodeCtx& ctx, std::uint64_t a) {
    std::int32_t v[2];
    if (!ctx.read(a, v)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "{{tz_minuteswest={}, tz_dsttime={}}}", v[0], v[1]);
    return true;
}

// strace's sprint_rlim: RLIM_INFINITY by name, multiples of 1024 as N*1024.
void print_rlim(DecodeCtx& ctx, std::uint64_t v, bool is64) {
    std::uint64_t infinity = is64 || ctx.long_size() == 8 ? ~0ull : 0xffffffffull;
    if (v == infinity) ctx.text(is64 ? "RLIM64_INFINITY" : "RLIM_INFINITY");
    else if (v > 1024 && v % 1024 == 0) {
        // The text as strace writes it, the JSON leaf the number itself.
        std::size_t begin = ctx.out.size();
        fmt::format_to(std::back_inserter(ctx.out), "{}*1024", v / 1024);
        ctx.leaf(begin, [&](std::string& j) { fmt::format_to(std::back_inserter(j), "{}", v); });
    } else {
        ctx.udec(v);
    }
}

bool print_rlimit_pair(DecodeCtx& ctx, std::uint64_t cur, std::uint64_t max, bool is64) {
    ctx.text("{rlim_cur=");
    print_rlim(ctx, cur, is64);
    ctx.text(", rlim_max=");
    print_rlim(ctx, max, is64);
    ctx.text("}");
    return true;
}

bool print_rlimit(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t cur, max;
    if (!ctx.read_ulong(a, cur) || !ctx.read_ulong(a + ctx.long_size(), max)) return false;
    return print_rlimit_pair(ctx, cur, max, false);
}

bool print_rlimit64(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t v[2];
    if (!ctx.read(a, v)) return false;
    return print_rlimit_pair(ctx, v[0], v[1], true);
}

// Two timevals of longs of the task's width at a: "{first=..., second=...<tail>".
bool print_timeval_pair(DecodeCtx& ctx, std::uint64_t a, const char* first, const char* second, const char* tail) {
    std::int64_t s1, s2;
    std::uint64_t us1, us2;
    if (!read_long_pair(ctx, a, s1, us1) || !read_long_pair(ctx, a + 2 * ctx.long_size(), s2, us2)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "{{{}=", first);
    print_timeval_value(ctx, s1, us1);
    fmt::format_to(std::back_inserter(ctx.out), ", {}=", second);
    print_timeval_value(ctx, s2, us2);
    ctx.text(tail);
    return true;
}

// Without -v strace shows the two times and "...".
bool print_rusage(DecodeCtx& ctx, std::uint64_t a) { return print_timeval_pair(ctx, a, "ru_utime", "ru_stime", ", ...}"); }

// struct itimerval: two timevals.
bool print_itimerval(DecodeCtx& ctx, std::uint64_t a) {
    return print_timeval_pair(ctx, a, "it_interval", "it_value", "}");
}

// struct tms: four clock_t, longs of the task's width.
bool print_tms(DecodeCtx& ctx, std::uint64_t a) {
    // clock_t, unsigned at the task's width as strace shows it.
    std::uint64_t ut, st, cut, cst;
    unsigned w = ctx.long_size();
    if (!ctx.read_ulong(a, ut) || !ctx.read_ulong(a + w, st) || !ctx.read_ulong(a + 2 * w, cut) ||
        !ctx.read_ulong(a + 3 * w, cst))
        return false;
    fmt::format_to(std::back_inserter(ctx.out), "{{tms_utime={}, tms_stime={}, tms_cutime={}, tms_cstime={}}}", ut,
                   st, cut, cst);
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::__kernel_timespec(DecodeCtx& ctx, std::uint64_t a) { return print_kernel_timespec(ctx, a); }
bool print::old_timespec32(DecodeCtx& ctx, std::uint64_t a) { return print_timespec32(ctx, a); }
bool print::__kernel_old_timeval(DecodeCtx& ctx, std::uint64_t a) { return print_timeval(ctx, a); }
bool print::old_timeval32(DecodeCtx& ctx, std::uint64_t a) { return print_timeval32(ctx, a); }
bool print::__kernel_itimerspec(DecodeCtx& ctx, std::uint64_t a) { return print_kernel_itimerspec(ctx, a); }
bool print::timezone(DecodeCtx& ctx, std::uint64_t a) { return print_timezone(ctx, a); }
bool print::rlimit(DecodeCtx& ctx, std::uint64_t a) { return print_rlimit(ctx, a); }
bool print::rlimit64(DecodeCtx& ctx, std::uint64_t a) { return print_rlimit64(ctx, a); }
bool print::rusage(DecodeCtx& ctx, std::uint64_t a) { return print_rusage(ctx, a); }
bool print::__kernel_old_itimerval(DecodeCtx& ctx, std::uint64_t a) { return print_itimerval(ctx, a); }
bool print::tms(DecodeCtx& ctx, std::uint64_t a) { return print_tms(ctx, a); }

}  // namespace lstar::structs

namespace lstar {

void print_timespec(DecodeCtx& ctx, std::uint64_t addr, bool compat32) {
    print_struct(ctx, compat32 ? StructId::old_timespec32 : StructId::__kernel_timespec, addr);
}

}  // namespace lstar
