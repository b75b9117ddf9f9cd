#include "entry/inproc/exe_file.hpp"

#include <elf.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "entry/inproc/runtime.hpp"
#include "kernel/task.hpp"

namespace lstar::inproc {

namespace {

// What PR_SET_MM_MAP needs to change the exe file (checkpoint_restore_ns_capable).
bool may_set_exe_file() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1; };
    return has(CAP_CHECKPOINT_RESTORE) || has(CAP_SYS_ADMIN);
}

// lstar's file, as this process was exec'd from it (before show_program_to_kernel changes the link).
std::string& own_file() {
    static std::string path = proc_link(::getpid(), "exe").value_or("/proc/self/exe");
    return path;
}

// A mapping of lstar's image half replaced: this image cannot go on.
[[noreturn]] void die_remapping() {
    static constexpr char kMessage[] = "lstar: cannot map lstar's image again from its copy\n";
    sys(SYS_write, 2, ptr(kMessage), sizeof kMessage - 1);
    sys(SYS_exit_group, 127);
    __builtin_unreachable();
}

// Which pages of [begin, end) of a private file mapping this process has its own
// copy of (written, or swapped out), by /proc/self/pagemap: present and not the
// file's page. Where pagemap cannot tell, every page counts as written.
std::vector<bool> written_pages(std::uintptr_t begin, std::uintptr_t end) {
    std::size_t pages = (end - begin) / 4096;
    std::vector<std::uint64_t> entries(pages);
    int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    std::size_t bytes = pages * sizeof(std::uint64_t);
    bool known = pagemap >= 0 && ::pread(pagemap, entries.data(), bytes, static_cast<off_t>(begin / 4096 * 8)) ==
                                     static_cast<ssize_t>(bytes);
    if (pagemap >= 0) ::close(pagemap);
    std::vector<bool> written(pages, true);
    for (std::size_t i = 0; known && i < pages; ++i) {
        bool present = entries[i] >> 63 & 1, swapped = entries[i] >> 62 & 1, file = entries[i] >> 61 & 1;
        written[i] = swapped || (present && !file);
    }
    return written;
}

struct Vma {
    std::uintptr_t begin, end;
    int prot;
    off_t offset;
};

}  // namespace

ImageCopy& image_copy() {
    static ImageCopy copy;
    return copy;
}

Status ImageCopy::open() {
    own_file();  // remembered before anything changes /proc/self/exe
    if (!may_set_exe_file()) return {};
    int src = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0) return {};
    // What the image maps of the file: up to the end of its last loaded segment (the
    // rest is symbols and debugging information).
    off_t size = 0;
    auto* ph = reinterpret_cast<const Elf64_Phdr*>(::getauxval(AT_PHDR));
    for (unsigned long i = 0; ph && i < ::getauxval(AT_PHNUM); ++i)
        if (ph[i].p_type == PT_LOAD) size = std::max(size, static_cast<off_t>(ph[i].p_offset + ph[i].p_filesz));
    int fd = ::memfd_create("lstar-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    bool ok = fd >= 0 && size > 0 && ::ftruncate(fd, size) == 0;
    for (off_t at = 0; ok && at < size;) {
        ssize_t n = ::sendfile(fd, src, &at, static_cast<std::size_t>(size - at));
        ok = n > 0;
    }
    ::close(src);
    // Sealed: lstar's text cannot be changed through it.
    ok = ok && ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    if (!ok) {
        if (fd >= 0) ::close(fd);
        return {};  // the exe file stays lstar's
    }
    fd_ = fd;
    return {};
}

bool remap_own_image() {
    int fd = image_copy().fd();
    if (fd < 0) return false;
    struct stat exe{};
    if (::stat(own_file().c_str(), &exe) != 0) return false;
    std::vector<Vma> vmas;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        unsigned long begin, end, offset, major, minor, inode;
        char perms[5];
        if (std::sscanf(line.c_str(), "%lx-%lx %4s %lx %lx:%lx %lu", &begin, &end, perms, &offset, &major, &minor, &inode) != 7)
            continue;
        if (inode != exe.st_ino || makedev(major, minor) != exe.st_dev) continue;
        int prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
        vmas.push_back({begin, end, prot, static_cast<off_t>(offset)});
    }
    if (vmas.empty()) return true;  // nothing maps lstar's file (any more)
    // What the image may have written: its writable segment (data, and the RELRO part
    // the loader relocated and made read-only after). The rest is the file's as it is.
    std::uintptr_t written_begin = 0, written_end = 0;
    auto* ph = reinterpret_cast<const Elf64_Phdr*>(::getauxval(AT_PHDR));
    for (unsigned long i = 0; ph && i < ::getauxval(AT_PHNUM); ++i)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W)) {
            written_begin = ph[i].p_vaddr & ~std::uintptr_t(4095);
            written_end = ph[i].p_vaddr + ph[i].p_memsz;
        }
    for (const Vma& v : vmas) {
        auto* at = reinterpret_cast<void*>(v.begin);
        std::size_t len = v.end - v.begin;
        bool unwritten = v.end <= written_begin || v.begin >= written_end;  // text, read-only data
        if (unwritten) {
            // The same bytes from the copy: a mapping of another file, faulted in as used.
            if (::mmap(at, len, v.prot, MAP_PRIVATE | MAP_FIXED, fd, v.offset) != at) die_remapping();
            continue;
        }
        // What the image wrote (relocations, data): the same range of the copy, mapped
        // elsewhere, given the pages the image made its own (the rest are the file's),
        // then moved into place in one step, so that the image never sees other bytes.
        void* fresh = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, v.offset);
        if (fresh == MAP_FAILED) return false;
        std::vector<bool> written = written_pages(v.begin, v.end);
        for (std::size_t page = 0; page < written.size(); ++page)
            if (written[page]) std::memcpy(static_cast<char*>(fresh) + page * 4096, static_cast<char*>(at) + page * 4096, 4096);
        if (::mprotect(fresh, len, v.prot) != 0 || ::mremap(fresh, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, at) != at)
            die_remapping();
    }
    return true;
}

void keep_image_mapped_at_fork() {
    long mem = sys(SYS_openat, AT_FDCWD, ptr("/proc/self/mem"), O_RDWR | O_CLOEXEC);
    if (mem < 0) return;
    // lstar's segments that it never writes, from its program headers (linked at a fixed address).
    auto* ph = reinterpret_cast<const Elf64_Phdr*>(::getauxval(AT_PHDR));
    for (unsigned long i = 0; ph && i < ::getauxval(AT_PHNUM); ++i) {
        if (ph[i].p_type != PT_LOAD || (ph[i].p_flags & PF_W)) continue;
        auto at = static_cast<long>(ph[i].p_vaddr & ~std::uint64_t(4095));
        char byte = *reinterpret_cast<const char*>(at);
        // lseek and write, not pwrite64: a policy that denies pwrite64 must not stop the runtime.
        if (sys(SYS_lseek, mem, at, SEEK_SET) == at) sys(SYS_write, mem, ptr(&byte), 1);
    }
    sys(SYS_close, mem);
}

void show_program_to_kernel(const LoadedProgram& program, bool image_copied) {
    static bool exe_is_program = false;  // the exe file was set once: the old one is a program's
    // What the kernel keeps of the image as it is (code, data, brk, stack), from /proc/self/stat.
    std::vector<std::uint64_t> field = proc_stat(::getpid());
    if (field.size() < 48) return;
    prctl_mm_map map{};
    map.start_code = field[26];
    map.end_code = field[27];
    map.start_stack = field[28];
    map.start_data = field[45];
    map.end_data = field[46];
    map.start_brk = field[47];
    map.brk = static_cast<std::uint64_t>(sys(SYS_brk, 0));
    map.arg_start = program.arg_start;
    map.arg_end = program.arg_end;
    map.env_start = program.env_start;
    map.env_end = program.env_end;
    auto* auxv = reinterpret_cast<std::uint64_t*>(program.auxv);
    std::size_t words = 0;
    while (auxv && auxv[words] != AT_NULL) words += 2;
    // The kernel keeps at most its AT_VECTOR_SIZE (2 * (3 + 22 + 1)) words, and refuses more.
    constexpr std::size_t kSavedAuxvWords = 52;
    map.auxv = reinterpret_cast<__u64*>(auxv);
    map.auxv_size = static_cast<__u32>(std::min(words + 2, kSavedAuxvWords) * 8);
    int fd = -1;
    if (image_copied || exe_is_program) fd = ::open(program.path.c_str(), O_RDONLY | O_CLOEXEC);
    map.exe_fd = static_cast<__u32>(fd);
    long rc = ::prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof map, 0);
    if (rc != 0 && fd >= 0) {
        // The file cannot be the exe file (the program execs its own file, whose old
        // mapping is still there): the rest still can.
        map.exe_fd = static_cast<__u32>(-1);
        rc = ::prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof map, 0);
    } else if (rc == 0 && fd >= 0) {
        exe_is_program = true;
    }
    if (fd >= 0) ::close(fd);
}

const char* runtime_file() { return own_file().c_str(); }

}  // namespace lstar::inproc
