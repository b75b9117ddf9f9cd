// A user-space exec: the kernel's binfmt_script + binfmt_elf, redone in this
// process (see loader.hpp). The checks and their errnos follow the kernel's
// so that probe_executable can answer for an execve.
#include "entry/inproc/loader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/platform/x86.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace lstar::inproc {

namespace {

constexpr std::uint64_t kPage = 4096;      // ELF_EXEC_PAGESIZE on x86
constexpr std::size_t kBufSize = 256;      // BINPRM_BUF_SIZE: what the kernel reads to pick a format
// exec_binprm() allows depth 0..5 of binfmt handlers: up to 5 nested #! files before the
// final ELF (a 6th fails with ELOOP; checked against the running kernel by loader_test).
constexpr int kMaxScripts = 5;
constexpr std::uint64_t kUserTop = 1ULL << 47;  // 4-level paging user address space
constexpr std::uint64_t kMaxArgStrlen = 32 * kPage;  // MAX_ARG_STRLEN
constexpr std::uint64_t kStkLim = 8ULL << 20;         // _STK_LIM
constexpr std::uint64_t kArgMax = 128ULL << 10;       // ARG_MAX
constexpr std::uint64_t kStackMin = 1ULL << 20;
constexpr std::uint64_t kStackMax = 64ULL << 20;
constexpr std::uint64_t kStackGuard = 256 * kPage;    // stack_guard_gap's default
constexpr std::uint64_t kStackReserve = 64ULL << 10;  // left free below the initial frame at least

std::uint64_t page_down(std::uint64_t v) { return v & ~(kPage - 1); }
std::uint64_t page_up(std::uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

class Fd {
public:
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset(other.fd_);
            other.fd_ = -1;
        }
        return *this;
    }
    ~Fd() { reset(-1); }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int get() const { return fd_; }

private:
    int fd_ = -1;
};

// An opened candidate for exec: what the kernel's bprm holds of it.
struct ExecFile {
    std::string path;
    Fd fd;
    std::uint64_t size = 0;
    unsigned char buf[kBufSize] = {};  // first bytes, zero-padded like bprm->buf
};

// open_exec(): 0 or -errno. Regular file, exec permission (for the effective ids), not on a
// noexec mount; and readable, which the kernel does not need but a user-space loader does.
int open_exec(const std::string& path, ExecFile* f) {
    f->path = path;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -EACCES;  // no FIFO/device open with side effects
    if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) return -errno;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -errno;
    f->fd.reset(fd);
    if (::fstat(fd, &st) != 0) return -errno;
    if (!S_ISREG(st.st_mode)) return -EACCES;
    struct statvfs vfs;
    if (::fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) return -EACCES;
    f->size = static_cast<std::uint64_t>(st.st_size);
    std::size_t got = 0;
    while (got < kBufSize) {
        ssize_t n = ::pread(fd, f->buf + got, kBufSize - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return 0;
}

bool read_exact(int fd, void* dst, std::size_t len, std::uint64_t offset) {
    auto* out = static_cast<unsigned char*>(dst);
    while (len > 0) {
        ssize_t n = ::pread(fd, out, len, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        out += n;
        len -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

bool is_elf(const ExecFile& f) { return std::memcmp(f.buf, ELFMAG, SELFMAG) == 0; }
bool is_script(const ExecFile& f) { return f.buf[0] == '#' && f.buf[1] == '!'; }

struct ElfImage {
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> ph;
    bool foreign = false;  // an i386 or x32 program: ENOEXEC here, but ptrace can run it
};

// The header checks of load_elf_binary + load_elf_phdrs. Errors are ENOEXEC, saying why.
Status parse_elf(const ExecFile& f, ElfImage* img) {
    const unsigned char* id = f.buf;
    if (std::memcmp(id, ELFMAG, SELFMAG) != 0) return error("not an ELF file or script", ENOEXEC);
    if (id[EI_DATA] != ELFDATA2LSB) return error("not a little-endian ELF file", ENOEXEC);
    std::uint16_t machine;  // same offset in ELFCLASS32 and ELFCLASS64 headers
    std::memcpy(&machine, f.buf + offsetof(Elf64_Ehdr, e_machine), sizeof machine);
    if (id[EI_CLASS] == ELFCLASS32) {
        img->foreign = machine == EM_386 || machine == EM_X86_64;
        if (machine == EM_386) return error("32-bit (i386) ELF program: cannot be run in-process", ENOEXEC);
        if (machine == EM_X86_64) return error("x32 ELF program: cannot be run in-process", ENOEXEC);
        return error("32-bit ELF file for another machine (e_machine " + std::to_string(machine) + ")", ENOEXEC);
    }
    if (id[EI_CLASS] != ELFCLASS64) return error("unknown ELF class " + std::to_string(id[EI_CLASS]), ENOEXEC);
    std::memcpy(&img->eh, f.buf, sizeof img->eh);
    const Elf64_Ehdr& eh = img->eh;
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return error("ELF file is not an executable (e_type " + std::to_string(eh.e_type) + ")", ENOEXEC);
    if (eh.e_machine != EM_X86_64)
        return error("ELF file for another machine (e_machine " + std::to_string(eh.e_machine) + ")", ENOEXEC);
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return error("bad ELF e_phentsize " + std::to_string(eh.e_phentsize), ENOEXEC);
    std::uint64_t ph_bytes = std::uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (eh.e_phnum < 1 || ph_bytes > 65536) return error("bad ELF e_phnum " + std::to_string(eh.e_phnum), ENOEXEC);
    img->ph.resize(eh.e_phnum);
    if (eh.e_phoff > f.size || ph_bytes > f.size - eh.e_phoff ||
        !read_exact(f.fd.get(), img->ph.data(), ph_bytes, eh.e_phoff))
        return error("ELF program headers beyond the end of the file", ENOEXEC);
    return {};
}

// What the mapping code relies on, checked before anything is mapped. Errors are ELIBBAD.
Status check_segments(const ExecFile& f, const ElfImage& img) {
    int loads = 0;
    for (const Elf64_Phdr& ph : img.ph) {
        if (ph.p_type != PT_LOAD) continue;
        ++loads;
        std::string where = "PT_LOAD at offset " + hex(ph.p_offset) + ": ";
        if (ph.p_filesz > ph.p_memsz) return error(where + "p_filesz > p_memsz", ELIBBAD);
        if (ph.p_memsz == 0) continue;
        if ((ph.p_vaddr - ph.p_offset) % kPage != 0)
            return error(where + "p_vaddr and p_offset differ modulo the page size", ELIBBAD);
        if (ph.p_offset > f.size || ph.p_filesz > f.size - ph.p_offset)
            return error(where + "extends beyond the end of the file", ELIBBAD);
        if (ph.p_vaddr >= kUserTop || ph.p_memsz > kUserTop - ph.p_vaddr)
            return error(where + "outside the user address space", ELIBBAD);
    }
    if (loads == 0) return error("no PT_LOAD segment", ELIBBAD);
    return {};
}

// binfmt_script's parse of the #! line (buf is bprm->buf, zero-padded): 0 or -ENOEXEC.
int parse_shebang(const unsigned char* bytes, std::string* name, std::string* arg, bool* has_arg) {
    char buf[kBufSize + 1];
    std::memcpy(buf, bytes, kBufSize);
    buf[kBufSize] = '\0';
    auto spacetab = [](char c) { return c == ' ' || c == '\t'; };
    auto next_non_spacetab = [&](char* first, char* last) -> char* {
        for (; first <= last; ++first)
            if (!spacetab(*first)) return first;
        return nullptr;
    };
    auto next_terminator = [&](char* first, char* last) -> char* {
        for (; first <= last; ++first)
            if (spacetab(*first) || *first == '\0') return first;
        return nullptr;
    };
    char* buf_end = buf + kBufSize - 1;
    char* i_end = static_cast<char*>(std::memchr(buf, '\n', kBufSize));
    if (!i_end) {
        i_end = next_non_spacetab(buf + 2, buf_end);
        if (!i_end) return -ENOEXEC;  // all spaces/tabs
        if (!next_terminator(i_end, buf_end)) return -ENOEXEC;  // interpreter path truncated
        i_end = buf_end;
    }
    while (spacetab(i_end[-1])) --i_end;
    char* i_name = next_non_spacetab(buf + 2, i_end);
    if (!i_name || i_name == i_end) return -ENOEXEC;  // no interpreter name
    char* i_arg = nullptr;
    char* i_sep = next_terminator(i_name, i_end);
    if (i_sep && *i_sep != '\0') i_arg = next_non_spacetab(i_sep, i_end);
    *i_end = '\0';
    if (i_arg) *i_sep = '\0';
    *name = i_name;
    *has_arg = i_arg != nullptr;
    *arg = i_arg ? i_arg : "";
    return 0;
}

// A program resolved to its final ELF (and interpreter), not yet mapped.
struct Resolved {
    ExecFile file;  // the ELF finally run
    ElfImage image;
    std::string interp_path;  // PT_INTERP, empty if none
    ExecFile interp;
    ElfImage interp_image;
    bool executable_stack = false;
};

std::string describe(int rc) { return std::strerror(-rc); }
std::string describe(int rc, const std::string& file) {
    if (rc == -EACCES && execute_only(file)) return "may be executed but not read, which the in-process backend needs";
    return describe(rc);
}

// binfmt_script (repeated) + the checks of load_elf_binary up to the point of no return.
// The error's errno is the one execve would return; r->image.foreign tells an i386 or x32
// program from other ENOEXEC files. Rewrites *argv for scripts when given.
std::function<std::string(const std::string&)>& exec_names() {
    static std::function<std::string(const std::string&)> names;
    return names;
}
// An interpreter's file: its name in the program's view, on the host.
std::string host_name(const std::string& name) { return exec_names() ? exec_names()(name) : name; }

// `host`: where `path` is (in a file-system view; interpreters are named in it too).
Status resolve(const std::string& path, std::vector<std::string>* argv, Resolved* r, const std::string& host) {
    std::string cur = path;
    std::string cur_host = host;
    auto where = [&](const std::string& file) {
        return file == path ? path + ": " : path + ": interpreter " + file + ": ";
    };
    auto failed = [](std::string prefix, const Error& e, int err) { return error(prefix + e.message, err); };
    for (int scripts = 0;; ++scripts) {
        ExecFile f;
        if (int rc = open_exec(cur_host, &f); rc != 0) return error(where(cur) + describe(rc, cur_host), -rc);
        if (is_script(f)) {
            if (scripts == kMaxScripts) return error(where(cur) + "too many levels of #! interpreters", ELOOP);
            std::string name, arg;
            bool has_arg = false;
            if (parse_shebang(f.buf, &name, &arg, &has_arg) != 0)
                return error(where(cur) + "bad #! line (no interpreter, or its path is too long)", ENOEXEC);
            if (argv) {
                // remove_arg_zero, then push script path, optional argument, interpreter in front.
                std::vector<std::string> next;
                next.reserve(argv->size() + 3);
                next.push_back(name);
                if (has_arg) next.push_back(arg);
                next.push_back(cur);
                if (!argv->empty()) next.insert(next.end(), argv->begin() + 1, argv->end());
                *argv = std::move(next);
            }
            cur = name;
            cur_host = host_name(name);
            continue;
        }
        if (Status s = parse_elf(f, &r->image); !s) return failed(where(cur), s.error(), s.error().err);
        r->file = std::move(f);
        break;
    }
    const std::string& file = r->file.path;
    for (const Elf64_Phdr& ph : r->image.ph) {
        if (ph.p_type == PT_GNU_STACK) r->executable_stack = (ph.p_flags & PF_X) != 0;
        if (ph.p_type != PT_INTERP || !r->interp_path.empty()) continue;
        if (ph.p_filesz < 2 || ph.p_filesz > PATH_MAX)
            return error(where(file) + "bad PT_INTERP size " + std::to_string(ph.p_filesz), ENOEXEC);
        std::string interp(ph.p_filesz, '\0');
        if (ph.p_offset > r->file.size || ph.p_filesz > r->file.size - ph.p_offset ||
            !read_exact(r->file.fd.get(), interp.data(), interp.size(), ph.p_offset))
            return error(where(file) + "PT_INTERP beyond the end of the file", ENOEXEC);
        if (interp.back() != '\0') return error(where(file) + "PT_INTERP not NUL-terminated", ENOEXEC);
        interp.resize(std::strlen(interp.c_str()));
        if (interp.empty()) return error(where(file) + "empty PT_INTERP", ENOEXEC);
        r->interp_path = interp;
    }
    if (Status s = check_segments(r->file, r->image); !s) return failed(where(file), s.error(), ELIBBAD);
    if (r->interp_path.empty()) return {};
    std::string iwhere = file + ": ELF interpreter " + r->interp_path + ": ";
    if (int rc = open_exec(host_name(r->interp_path), &r->interp); rc != 0)
        return error(iwhere + describe(rc, host_name(r->interp_path)), -rc);
    if (r->interp.size < sizeof(Elf64_Ehdr))  // elf_read of the header fails
        return error(iwhere + "shorter than an ELF header", EIO);
    if (!is_elf(r->interp)) return error(iwhere + "not an ELF file", ELIBBAD);
    // A bad interpreter is ELIBBAD, whatever it is (an i386 one included).
    if (Status s = parse_elf(r->interp, &r->interp_image); !s) return failed(iwhere, s.error(), ELIBBAD);
    if (Status s = check_segments(r->interp, r->interp_image); !s) return failed(iwhere, s.error(), ELIBBAD);
    return {};
}

// Regions this load mapped, unmapped again unless the load succeeds.
class Mappings {
public:
    ~Mappings() {
        if (!keep_)
            for (auto [addr, len] : regions_) ::munmap(reinterpret_cast<void*>(addr), len);
    }
    void add(std::uint64_t addr, std::uint64_t len) { regions_.emplace_back(addr, len); }
    void keep() { keep_ = true; }

private:
    std::vector<std::pair<std::uint64_t, std::uint64_t>> regions_;
    bool keep_ = false;
};

struct Mapped {
    std::uint64_t bias = 0;
    std::uint64_t entry = 0;
    std::uint64_t phdr = 0;
    std::uint64_t end = 0;  // page-aligned end of the highest segment
};

int elf_prot(std::uint32_t flags) {
    int prot = 0;
    if (flags & PF_R) prot |= PROT_READ;
    if (flags & PF_W) prot |= PROT_WRITE;
    if (flags & PF_X) prot |= PROT_EXEC;
    return prot;
}

void* mmap_at(std::uint64_t addr, std::uint64_t len, int prot, int flags, int fd, std::uint64_t off) {
    return ::mmap(reinterpret_cast<void*>(addr), len, prot, flags, fd, static_cast<off_t>(off));
}

// binfmt_elf's elf_load for every PT_LOAD: ET_EXEC at its addresses, ET_DYN at a free, aligned base.
// Every failure is ENOMEM, as the kernel's once past the point of no return.
Status map_elf(const ExecFile& f, const ElfImage& img, Mapped* m, Mappings* maps) {
    const std::string where = f.path + ": ";
    // The pages the segments cover (link-time addresses), merged; and the largest alignment.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [begin, end)
    std::uint64_t align = kPage;
    for (const Elf64_Phdr& ph : img.ph) {
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        ranges.emplace_back(page_down(ph.p_vaddr), page_up(ph.p_vaddr + ph.p_memsz));
        if (ph.p_align > align && (ph.p_align & (ph.p_align - 1)) == 0) align = ph.p_align;
    }
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
    for (auto [b, e] : ranges) {
        if (!merged.empty() && b <= merged.back().second) merged.back().second = std::max(merged.back().second, e);
        else merged.emplace_back(b, e);
    }
    std::uint64_t lo = merged.front().first, hi = merged.back().second;

    if (img.eh.e_type == ET_EXEC) {
        // At its own addresses, each range where nothing is yet (the holes between may be in use).
        m->bias = 0;
        for (auto [b, e] : merged) {
            void* p = mmap_at(b, e - b, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED || reinterpret_cast<std::uint64_t>(p) != b) {
                int err = p == MAP_FAILED ? errno : EEXIST;  // pre-4.17 kernels take it as a hint
                if (p != MAP_FAILED) ::munmap(p, e - b);
                return error(where + "cannot map the fixed-address program at " + hex(b) + "-" + hex(e) + ": " +
                         (err == EEXIST ? std::string("address range already in use") : std::strerror(err)), ENOMEM);
            }
            maps->add(b, e - b);
        }
    } else {
        // Anywhere: one reservation of the whole span, aligned to the largest p_align.
        if (align > (1ULL << 30)) {
            return error(where + "PT_LOAD alignment " + hex(align) + " too large", ENOMEM);
        }
        std::uint64_t span = hi - lo;
        std::uint64_t total = span + align - kPage;
        void* p = mmap_at(0, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            return error(where + "cannot reserve " + std::to_string(span) + " bytes: " + std::strerror(errno), ENOMEM);
        }
        std::uint64_t got = reinterpret_cast<std::uint64_t>(p);
        std::uint64_t start = (got + align - 1) & ~(align - 1);
        m->bias = start - lo;
        // Keep the segments' pages only: the slack and the holes between segments go back,
        // as the kernel leaves holes unmapped.
        std::uint64_t cursor = got;
        for (auto [b, e] : merged) {
            if (b + m->bias > cursor) ::munmap(reinterpret_cast<void*>(cursor), b + m->bias - cursor);
            maps->add(b + m->bias, e - b);
            cursor = e + m->bias;
        }
        if (got + total > cursor) ::munmap(reinterpret_cast<void*>(cursor), got + total - cursor);
    }

    for (const Elf64_Phdr& ph : img.ph) {
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        int prot = elf_prot(ph.p_flags);
        std::uint64_t seg = m->bias + ph.p_vaddr;
        std::uint64_t seg_page = page_down(seg);
        std::uint64_t zero_start = seg_page;
        if (ph.p_filesz > 0) {
            std::uint64_t file_end = seg + ph.p_filesz;
            std::uint64_t len = page_up(file_end) - seg_page;
            void* p = mmap_at(seg_page, len, prot, MAP_PRIVATE | MAP_FIXED, f.fd.get(),
                              ph.p_offset - (seg - seg_page));
            if (p == MAP_FAILED) {
                return error(where + "cannot map PT_LOAD at offset " + hex(ph.p_offset) + " to " + hex(seg_page) +
                         ": " + std::strerror(errno), ENOMEM);
            }
            // padzero: the rest of the last file page belongs to .bss (ignored unless writable).
            if (ph.p_memsz > ph.p_filesz && (prot & PROT_WRITE) && file_end % kPage != 0)
                std::memset(reinterpret_cast<void*>(file_end), 0, page_up(file_end) - file_end);
            zero_start = page_up(file_end);
        }
        std::uint64_t zero_end = page_up(seg + ph.p_memsz);
        if (ph.p_memsz > ph.p_filesz && zero_end > zero_start) {
            // vm_brk_flags: anonymous read-write pages, executable if the segment is.
            int zprot = PROT_READ | PROT_WRITE | (prot & PROT_EXEC);
            void* p = mmap_at(zero_start, zero_end - zero_start, zprot,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (p == MAP_FAILED) {
                return error(where + "cannot map .bss at " + hex(zero_start) + ": " + std::strerror(errno), ENOMEM);
            }
        }
    }

    m->entry = m->bias + img.eh.e_entry;
    m->end = m->bias + hi;
    // AT_PHDR: where the PT_LOAD holding e_phoff puts the headers (as the kernel), else PT_PHDR.
    bool found = false;
    for (const Elf64_Phdr& ph : img.ph) {
        if (ph.p_type == PT_LOAD && ph.p_offset <= img.eh.e_phoff &&
            img.eh.e_phoff < ph.p_offset + ph.p_filesz) {
            m->phdr = m->bias + ph.p_vaddr + (img.eh.e_phoff - ph.p_offset);
            found = true;
            break;
        }
    }
    for (const Elf64_Phdr& ph : img.ph) {
        if (!found && ph.p_type == PT_PHDR) {
            m->phdr = m->bias + ph.p_vaddr;
            found = true;
        }
    }
    if (!found) m->phdr = m->bias;  // the kernel's value when the headers are not loaded
    return {};
}

using Auxv = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// This process's auxiliary vector: /proc/self/auxv, else getauxval for the types that matter.
Auxv own_auxv() {
    Auxv out;
    int fd = ::open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        std::string data;
        char chunk[4096];
        for (;;) {
            ssize_t n = ::read(fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            data.append(chunk, static_cast<std::size_t>(n));
        }
        ::close(fd);
        for (std::size_t i = 0; i + 16 <= data.size(); i += 16) {
            std::uint64_t type, value;
            std::memcpy(&type, data.data() + i, 8);
            std::memcpy(&value, data.data() + i + 8, 8);
            if (type == AT_NULL) break;
            out.emplace_back(type, value);
        }
        if (!out.empty()) return out;
    }
    static constexpr std::uint64_t kTypes[] = {
        AT_SYSINFO_EHDR, 51 /* AT_MINSIGSTKSZ */, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_UID, AT_EUID, AT_GID, AT_EGID,
        AT_HWCAP2, 27 /* AT_RSEQ_FEATURE_SIZE */, 28 /* AT_RSEQ_ALIGN */, 29 /* AT_HWCAP3 */, 30 /* AT_HWCAP4 */};
    for (std::uint64_t type : kTypes) {
        errno = 0;
        unsigned long v = ::getauxval(type);
        if (v != 0 || errno == 0) out.emplace_back(type, v);
    }
    return out;
}

// bprm_stack_limits + MAX_ARG_STRLEN: E2BIG when execve would fail with it.
Status args_fit(const std::string& path, const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
    struct rlimit rl{};
    std::uint64_t rlim = ::getrlimit(RLIMIT_STACK, &rl) == 0 ? rl.rlim_cur : kStkLim;
    std::uint64_t limit = std::max(std::min(kStkLim / 4 * 3, rlim / 4), kArgMax);
    std::uint64_t ptrs = (argv.size() + envp.size()) * 8;
    if (limit <= ptrs) {
        return error(path + ": " + "argument list too long (too many arguments and environment strings)", E2BIG);
    }
    limit -= ptrs;
    std::uint64_t total = 0;
    for (const auto* list : {&argv, &envp}) {
        for (const std::string& s : *list) {
            std::uint64_t len = std::strlen(s.c_str()) + 1;
            if (len > kMaxArgStrlen) {
                return error(path + ": " + "argument list too long (a string is longer than " + std::to_string(kMaxArgStrlen) + ")", E2BIG);
            }
            total += len;
        }
    }
    if (total > limit) {
        return error(path + ": " + "argument list too long (" + std::to_string(total) + " bytes of strings, limit " +
               std::to_string(limit) + ")", E2BIG);
    }
    return {};
}

std::uint64_t stack_size() {
    struct rlimit rl{};
    std::uint64_t size = kStackMax;
    if (::getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) size = rl.rlim_cur;
    return page_up(std::clamp(size, kStackMin, kStackMax));
}

// create_elf_tables: the new stack with strings on top, then auxv, envp, argv, argc.
// Failures are ENOMEM, but for arguments that do not fit (E2BIG).
Status build_stack(const std::string& execfn, const std::vector<std::string>& argv,
                   const std::vector<std::string>& envp, const Mapped& prog, const Mapped* interp,
                   std::uint16_t phnum, LoadedProgram* out, Mappings* maps) {
    const std::string where = execfn + ": ";
    std::uint64_t size = stack_size();
    void* p = mmap_at(0, kStackGuard + size, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) {
        return error(where + "cannot map a " + std::to_string(size) + "-byte stack: " + std::strerror(errno), ENOMEM);
    }
    std::uint64_t base = reinterpret_cast<std::uint64_t>(p);
    maps->add(base, kStackGuard + size);
    std::uint64_t low = base + kStackGuard, top = low + size;
    if (::mprotect(reinterpret_cast<void*>(low), size, PROT_READ | PROT_WRITE) != 0) {
        return error(where + "cannot make the stack writable: " + std::strerror(errno), ENOMEM);
    }
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
    ::prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, low, size, "lstar program stack");  // best effort
    out->stack_low = low;
    out->stack_high = top;

    std::uint64_t sp = top - 8;  // the kernel leaves a NULL word at the very top
    auto push_string = [&](const std::string& s) {
        std::size_t len = std::strlen(s.c_str()) + 1;
        sp -= len;
        std::memcpy(reinterpret_cast<void*>(sp), s.c_str(), len);
        return sp;
    };
    auto push_strings = [&](const std::vector<std::string>& list, std::vector<std::uint64_t>* addrs) {
        addrs->resize(list.size());
        for (std::size_t i = list.size(); i-- > 0;) (*addrs)[i] = push_string(list[i]);
    };
    std::uint64_t execfn_addr = push_string(execfn);
    std::vector<std::uint64_t> env_addrs, arg_addrs;
    out->env_end = sp;
    push_strings(envp, &env_addrs);
    out->env_start = sp;
    out->arg_end = sp;
    push_strings(argv, &arg_addrs);
    out->arg_start = sp;
    sp &= ~15ULL;
    std::uint64_t platform = push_string("x86_64");

    Auxv own = own_auxv();
    std::uint64_t base_platform = 0;
    for (auto [type, value] : own)
        if (type == AT_BASE_PLATFORM && value != 0)
            base_platform = push_string(reinterpret_cast<const char*>(value));
    sp -= 16;
    std::uint64_t random = sp;
    for (std::size_t got = 0; got < 16;) {
        ssize_t n = ::getrandom(reinterpret_cast<unsigned char*>(random) + got, 16 - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            return error(where + "getrandom for AT_RANDOM: " + std::strerror(errno), ENOMEM);
        }
        got += static_cast<std::size_t>(n);
    }

    // The auxiliary vector: this process's, with the program's own entries put in.
    Auxv set = {
        {AT_PHDR, prog.phdr},         {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, phnum},            {AT_BASE, interp ? interp->bias : 0},
        {AT_FLAGS, 0},                {AT_ENTRY, prog.entry},
        {AT_SECURE, 0},               {AT_RANDOM, random},
        {AT_EXECFN, execfn_addr},     {AT_PLATFORM, platform},
    };
    if (base_platform) set.emplace_back(AT_BASE_PLATFORM, base_platform);
    Auxv defaults = {
        {AT_PAGESZ, kPage},
        {AT_CLKTCK, static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK))},
        {AT_UID, ::getuid()},
        {AT_EUID, ::geteuid()},
        {AT_GID, ::getgid()},
        {AT_EGID, ::getegid()},
    };
    Auxv auxv;
    std::vector<bool> done(set.size(), false);
    for (auto [type, value] : own) {
        if (type == AT_NULL || type == AT_IGNORE || type == AT_EXECFD || type == AT_NOTELF) continue;
        auto it = std::find_if(set.begin(), set.end(), [&](const auto& e) { return e.first == type; });
        if (it != set.end()) {
            if (!done[it - set.begin()]) auxv.push_back(*it);
            done[it - set.begin()] = true;
        } else if (type == AT_BASE_PLATFORM) {
            continue;  // its string is not on the new stack
        } else {
            auxv.emplace_back(type, value);
        }
    }
    for (std::size_t i = 0; i < set.size(); ++i)
        if (!done[i]) auxv.push_back(set[i]);
    for (const auto& d : defaults)
        if (std::none_of(auxv.begin(), auxv.end(), [&](const auto& e) { return e.first == d.first; }))
            auxv.push_back(d);
    auxv.emplace_back(AT_NULL, 0);

    std::uint64_t words = 1 + (argv.size() + 1) + (envp.size() + 1) + 2 * auxv.size();
    if (sp - low < words * 8 + kStackReserve) {
        return error(where + "argument list too long for a " + std::to_string(size) + "-byte stack", E2BIG);
    }
    sp = (sp - words * 8) & ~15ULL;
    auto* w = reinterpret_cast<std::uint64_t*>(sp);
    *w++ = argv.size();
    for (std::uint64_t a : arg_addrs) *w++ = a;
    *w++ = 0;
    for (std::uint64_t a : env_addrs) *w++ = a;
    *w++ = 0;
    out->auxv = reinterpret_cast<std::uint64_t>(w);
    for (auto [type, value] : auxv) {
        *w++ = type;
        *w++ = value;
    }
    out->stack_pointer = sp;
    out->execfn = execfn_addr;
    return {};
}

// bprm_fill_uid: the ids a set-uid / set-gid file gives (the group only with S_IXGRP, as the
// kernel does), unless no_new_privs or a nosuid mount says no.
void set_ids_of(const ExecFile& file, LoadedProgram* out) {
    struct stat st{};
    if (::fstat(file.fd.get(), &st) != 0 || !(st.st_mode & (S_ISUID | S_ISGID))) return;
    struct statvfs vfs{};
    if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 || (::fstatvfs(file.fd.get(), &vfs) == 0 && (vfs.f_flag & ST_NOSUID)))
        return;
    if (st.st_mode & S_ISUID) out->set_uid = st.st_uid;
    if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) out->set_gid = st.st_gid;
}

}  // namespace

void set_exec_names(std::function<std::string(const std::string&)> host_name) { exec_names() = std::move(host_name); }

bool execute_only(const std::string& path) {
    return ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0 && ::faccessat(AT_FDCWD, path.c_str(), R_OK, AT_EACCESS) != 0;
}

namespace {

// Whether a dynamic ELF file imports `symbol` (an undefined symbol of its .dynsym).
bool imports(const ExecFile& file, const ElfImage& image, std::string_view symbol) {
    const Elf64_Ehdr& eh = image.eh;
    if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096) return false;
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    if (!read_exact(file.fd.get(), sh.data(), sh.size() * sizeof(Elf64_Shdr), eh.e_shoff)) return false;
    for (const Elf64_Shdr& dynsym : sh) {
        if (dynsym.sh_type != SHT_DYNSYM || dynsym.sh_link >= sh.size() || dynsym.sh_size > (64u << 20)) continue;
        const Elf64_Shdr& strtab = sh[dynsym.sh_link];
        if (strtab.sh_size > (64u << 20)) return false;
        std::vector<Elf64_Sym> syms(dynsym.sh_size / sizeof(Elf64_Sym));
        std::string names(strtab.sh_size, '\0');
        if (!read_exact(file.fd.get(), syms.data(), syms.size() * sizeof(Elf64_Sym), dynsym.sh_offset) ||
            !read_exact(file.fd.get(), names.data(), names.size(), strtab.sh_offset))
            return false;
        for (const Elf64_Sym& sym : syms)
            if (sym.st_shndx == SHN_UNDEF && sym.st_name < names.size() && std::string_view(names.c_str() + sym.st_name) == symbol)
                return true;
    }
    return false;
}

}  // namespace

std::string cannot_serve(const std::string& path) {
    Resolved r;
    Status s = resolve(path, nullptr, &r, path);
    if (!s) {
        if (r.image.foreign) return "it is a 32-bit or x32 program";
        if (s.error().err == EACCES && execute_only(path)) return "it may be executed but not read";
        return "it cannot be loaded in-process (" + s.error().message + ")";
    }
    if (imports(r.file, r.image, "ptrace")) return "it traces other processes (it imports ptrace)";
    return {};
}

struct ProbedProgram::Findings {
    std::string host;  // the file resolved
    Resolved r;
};
ProbedProgram::ProbedProgram() = default;
ProbedProgram::~ProbedProgram() = default;
ProbedProgram::ProbedProgram(ProbedProgram&&) noexcept = default;
ProbedProgram& ProbedProgram::operator=(ProbedProgram&&) noexcept = default;
bool ProbedProgram::kept() const { return findings_ != nullptr; }

int probe_executable(const char* path) { return probe_executable(path, nullptr); }

int probe_executable(const char* path, ProbedProgram* keep) {
    if (!path) return -EFAULT;
    auto found = std::make_unique<ProbedProgram::Findings>();
    Resolved& r = found->r;
    Status s = resolve(path, nullptr, &r, path);
    if (!s) return r.image.foreign ? kNotX86_64 : -s.error().err;
    if (keep && r.file.path == path) {  // no #! on the way
        found->host = path;
        keep->findings_ = std::move(found);
    }
    return 0;
}

Result<LoadedProgram> load_program(const std::string& path, const std::vector<std::string>& argv,
                                   const std::vector<std::string>& envp, const std::string& host) {
    return load_program(path, argv, envp, host, ProbedProgram{});
}

Result<LoadedProgram> load_program(const std::string& path, const std::vector<std::string>& argv,
                                   const std::vector<std::string>& envp, const std::string& host, ProbedProgram&& probed) {
    LoadedProgram out;
    std::vector<std::string> args = argv;
    if (args.empty()) args.emplace_back();  // the kernel turns an empty argv into {""}
    const std::string& file = host.empty() ? path : host;
    std::unique_ptr<ProbedProgram::Findings> found = std::move(probed.findings_);
    Resolved fresh;
    Resolved& r = found && found->host == file ? found->r : fresh;
    if (&r == &fresh) LSTAR_TRY(resolve(path, &args, &r, file));
    LSTAR_TRY(args_fit(path, args, envp));
    Mappings maps;
    Mapped prog, interp;
    bool has_interp = !r.interp_path.empty();
    LSTAR_TRY(map_elf(r.file, r.image, &prog, &maps));
    if (has_interp) LSTAR_TRY(map_elf(r.interp, r.interp_image, &interp, &maps));
    LSTAR_TRY(build_stack(path, args, envp, prog, has_interp ? &interp : nullptr, r.image.eh.e_phnum, &out, &maps));
    maps.keep();
    out.entry = has_interp ? interp.entry : prog.entry;
    out.path = r.file.path;
    out.argv = std::move(args);
    out.interpreter = r.interp_path;
    out.load_bias = prog.bias;
    out.program_entry = prog.entry;
    out.phdr = prog.phdr;
    out.interp_base = has_interp ? interp.bias : 0;
    out.brk = prog.end;
    out.executable_stack = r.executable_stack;
    set_ids_of(r.file, &out);
    return out;
}

void commit_exec_ids(const LoadedProgram& program) {
    if (program.set_uid < 0 && program.set_gid < 0) return;
    // Group first: a set-uid program that drops root may not change its group after.
    if (program.set_gid >= 0 && ::setresgid(-1, static_cast<gid_t>(program.set_gid), static_cast<gid_t>(program.set_gid)) != 0) return;
    if (program.set_uid >= 0 && ::setresuid(-1, static_cast<uid_t>(program.set_uid), static_cast<uid_t>(program.set_uid)) != 0) return;
    bool secure = ::geteuid() != ::getuid() || ::getegid() != ::getgid();
    for (auto* a = reinterpret_cast<std::uint64_t*>(program.auxv); a && a[0] != AT_NULL; a += 2) {
        if (a[0] == AT_EUID) a[1] = ::geteuid();
        if (a[0] == AT_EGID) a[1] = ::getegid();
        if (a[0] == AT_SECURE) a[1] = secure;
    }
}

}  // namespace lstar::inproc

// lstar_inproc_jump(sp, entry, avx): the last instructions before the program runs.
// The entry goes through a memory slot so that every general register can be zeroed;
// rflags becomes 0x202 (IF; DF clear) as after the kernel's start_thread, and the x87/SSE
// state is reset to the defaults (FNINIT, MXCSR 0x1f80, vector registers zeroed).
extern "C" [[noreturn]] void lstar_inproc_jump(std::uint64_t sp, std::uint64_t entry, std::uint64_t avx);
asm(R"(
    .pushsection .bss.lstar_inproc_jump,"aw",@nobits
    .p2align 3
lstar_inproc_entry_slot:
    .zero 8
    .popsection
    .pushsection .rodata.lstar_inproc_jump,"a",@progbits
    .p2align 2
lstar_inproc_mxcsr:
    .long 0x1f80
    .popsection
    .text
    .p2align 4
    .globl lstar_inproc_jump
    .hidden lstar_inproc_jump
    .type lstar_inproc_jump,@function
lstar_inproc_jump:
    movq %rsi, lstar_inproc_entry_slot(%rip)
    fninit
    ldmxcsr lstar_inproc_mxcsr(%rip)
    testq %rdx, %rdx
    jz 1f
    vzeroall
    jmp 2f
1:
    pxor %xmm0, %xmm0
    pxor %xmm1, %xmm1
    pxor %xmm2, %xmm2
    pxor %xmm3, %xmm3
    pxor %xmm4, %xmm4
    pxor %xmm5, %xmm5
    pxor %xmm6, %xmm6
    pxor %xmm7, %xmm7
    pxor %xmm8, %xmm8
    pxor %xmm9, %xmm9
    pxor %xmm10, %xmm10
    pxor %xmm11, %xmm11
    pxor %xmm12, %xmm12
    pxor %xmm13, %xmm13
    pxor %xmm14, %xmm14
    pxor %xmm15, %xmm15
2:
    pushq $0x202
    popfq
    movq %rdi, %rsp
    movl $0, %eax
    movl $0, %ebx
    movl $0, %ecx
    movl $0, %edx
    movl $0, %esi
    movl $0, %edi
    movl $0, %ebp
    movl $0, %r8d
    movl $0, %r9d
    movl $0, %r10d
    movl $0, %r11d
    movl $0, %r12d
    movl $0, %r13d
    movl $0, %r14d
    movl $0, %r15d
    jmp *lstar_inproc_entry_slot(%rip)
    .size lstar_inproc_jump, .-lstar_inproc_jump
)");

namespace lstar::inproc {

namespace {

// exec forgets the thread's rseq registration; the program's libc registers its own area
// (and would fail with EBUSY while this libc's one is still registered).
void unregister_rseq() {
    if (__rseq_size == 0) return;
    void* area = static_cast<char*>(__builtin_thread_pointer()) + __rseq_offset;
    constexpr int kRseqFlagUnregister = 1;  // RSEQ_FLAG_UNREGISTER
    for (unsigned len : {static_cast<unsigned>(__rseq_size), 32u})
        if (::syscall(SYS_rseq, area, len, kRseqFlagUnregister, RSEQ_SIG) == 0) return;
}

}  // namespace

void start_program(const LoadedProgram& program) {
    commit_exec_ids(program);
    std::uint64_t sp = program.stack_pointer;
    std::uint64_t entry = program.entry;
    // From glibc's own record of the CPU, not __builtin_cpu_supports: that one links
    // libgcc's CPU probe, which runs CPUID dozens of times at every start of a
    // runtime image (each a VM exit on a guest).
    std::uint64_t avx = CPU_FEATURE_ACTIVE(AVX) ? 1 : 0;
    unregister_rseq();
    lstar_inproc_jump(sp, entry, avx);
}

}  // namespace lstar::inproc
