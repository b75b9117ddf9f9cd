// lstar's own malloc family, backed by mmap only; it replaces glibc's malloc in
// the static lstar binary (only there: not in lstar_core, not in the tests).
//
// Why: the in-process runtime (entry/inproc/) lives inside the address space of
// an unmodified traced program. There is one brk heap per process, and it is the
// program's: its libc malloc grows it with brk(2). Were lstar's glibc malloc to
// use brk as well, each would hand out memory the other thinks it owns. Defining
// every symbol of the family here (the set glibc documents for replacing malloc
// in a static link, plus the extras that would otherwise pull in malloc.o) keeps
// glibc's malloc out of the link, so every allocation lstar makes (libstdc++'s
// operator new and glibc's internal ones included) comes from mmap.
//
// Design: one spinlock. Small sizes (up to 32 KiB) go to 40 size classes with
// intrusive free lists, carved from 2 MiB mmap'd chunks that are never returned;
// larger ones get an mmap of their own, freed with munmap. Every block has a
// 16-byte header just before it. Nothing here allocates, takes a pthread lock or
// uses TLS (save errno, as malloc must), so no libc call made from here can
// come back into the allocator.

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kChunk = size_t{2} << 20;
constexpr size_t kMaxSmall = 32768;
constexpr int kClasses = 40;
constexpr size_t kMaxRequest = PTRDIFF_MAX - 2 * kChunk;  // beyond: ENOMEM, no overflow below

enum Kind : uint32_t { kSmall = 0x5a11b10c, kLarge = 0x1a26eb1c, kAligned = 0xa1196ed0, kFreed = 0xf2eeb10c };

struct alignas(16) Header {
    uint32_t kind;
    uint32_t cls;  // kSmall: the size class
    size_t size;   // kSmall: usable size; kLarge: mapping length; kAligned: distance back to the enclosing block
};
static_assert(sizeof(Header) == 16);

struct FreeBlock { FreeBlock* next; };  // in the user area of a free small block

std::atomic_flag lock_flag;  // clear (C++20)
FreeBlock* free_lists[kClasses];
char* bump;  // the unused rest of the current chunk
char* bump_end;

struct Guard {
    Guard() {
        while (lock_flag.test_and_set(std::memory_order_acquire))
            while (lock_flag.test(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
    ~Guard() { lock_flag.clear(std::memory_order_release); }
};

// Every mapping the allocator holds, so that the in-process runtime can replace
// the program's mappings at an exec without touching lstar's own heap
// (lstar_allocator_regions below). A full table only disables that.
struct Region { uintptr_t begin, end; };
constexpr int kMaxRegions = 4096;
Region regions[kMaxRegions];
int region_count;
bool regions_lost;
std::atomic_flag regions_flag;

struct RegionGuard {
    RegionGuard() { while (regions_flag.test_and_set(std::memory_order_acquire)) __builtin_ia32_pause(); }
    ~RegionGuard() { regions_flag.clear(std::memory_order_release); }
};

void note_region(void* p, size_t len) {
    RegionGuard g;
    if (region_count == kMaxRegions) { regions_lost = true; return; }
    auto b = reinterpret_cast<uintptr_t>(p);
    regions[region_count++] = Region{b, b + len};
}

void forget_region(void* p) {
    RegionGuard g;
    auto b = reinterpret_cast<uintptr_t>(p);
    for (int i = 0; i < region_count; ++i)
        if (regions[i].begin == b) { regions[i] = regions[--region_count]; return; }
}

void* map(size_t len) {
    long r = syscall(SYS_mmap, nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == -1) { errno = ENOMEM; return nullptr; }
    note_region(reinterpret_cast<void*>(r), len);
    return reinterpret_cast<void*>(r);
}

size_t large_len(size_t n) { return (n + sizeof(Header) + kPage - 1) & ~(kPage - 1); }

// Classes: 16, 32, ..., 128, then four per doubling (160, 192, 224, 256, 320, ...) up to 32768.
int class_of(size_t n) {
    if (n <= 128) return n == 0 ? 0 : int((n - 1) / 16);
    int k = 63 - __builtin_clzl(n - 1);  // 2^k <= n-1 < 2^(k+1), k >= 7
    return 8 + (k - 7) * 4 + int((n - 1) >> (k - 2)) - 4;
}
size_t class_size(int c) {
    if (c < 8) return size_t(c + 1) * 16;
    return size_t((c - 8) % 4 + 5) << (7 + (c - 8) / 4 - 2);
}

void* allocate(size_t n) {
    if (n > kMaxRequest) { errno = ENOMEM; return nullptr; }
    Header* h;
    if (n > kMaxSmall) {
        size_t len = large_len(n);
        if (!(h = static_cast<Header*>(map(len)))) return nullptr;
        *h = Header{kLarge, 0, len};
        return h + 1;
    }
    int c = class_of(n);
    size_t sz = class_size(c);
    {
        Guard g;
        if (FreeBlock* f = free_lists[c]) {
            free_lists[c] = f->next;
            h = reinterpret_cast<Header*>(f) - 1;
        } else {
            if (size_t(bump_end - bump) < sizeof(Header) + sz) {  // the tail of the old chunk is dropped
                char* chunk = static_cast<char*>(map(kChunk));
                if (!chunk) return nullptr;
                bump = chunk, bump_end = chunk + kChunk;
            }
            h = reinterpret_cast<Header*>(bump);
            bump += sizeof(Header) + sz;
        }
    }
    *h = Header{kSmall, uint32_t(c), sz};
    return h + 1;
}

Header* header(void* p) { return static_cast<Header*>(p) - 1; }
void* enclosing(void* p) { return static_cast<char*>(p) - header(p)->size; }  // of a kAligned block

size_t usable(void* p) {
    Header* h = header(p);
    switch (h->kind) {
    case kSmall: return h->size;
    case kLarge: return h->size - sizeof(Header);
    case kAligned: return usable(enclosing(p)) - h->size;
    }
    __builtin_trap();  // freed already, or not ours
}

void release(void* p) {
    Header* h = header(p);
    if (h->kind == kAligned) return release(enclosing(p));
    if (h->kind == kLarge) { forget_region(h); syscall(SYS_munmap, h, h->size); return; }
    if (h->kind != kSmall) __builtin_trap();  // double free, or not ours
    h->kind = kFreed;
    auto* f = static_cast<FreeBlock*>(p);
    Guard g;
    f->next = free_lists[h->cls];
    free_lists[h->cls] = f;
}

// Any power of two; other alignments are rounded up to one, as glibc's memalign does.
void* allocate_aligned(size_t align, size_t n) {
    if (align <= 16) return allocate(n);
    if (align > kMaxRequest || n > kMaxRequest - align) { errno = ENOMEM; return nullptr; }
    align = std::bit_ceil(align);
    // The enclosing block is 16-aligned, so the first aligned address at least a header
    // into it is at most `align` bytes in: n + align bytes always hold the aligned block.
    char* inner = static_cast<char*>(allocate(n + align));
    if (!inner) return nullptr;
    char* p = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(inner) + sizeof(Header) + align - 1) & ~(align - 1));
    *header(p) = Header{kAligned, 0, size_t(p - inner)};
    return p;
}

}  // namespace

extern "C" {

void* malloc(size_t n) noexcept { return allocate(n); }

void free(void* p) noexcept {
    if (p) release(p);
}

void* calloc(size_t count, size_t size) noexcept {
    size_t n;
    if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return nullptr; }
    void* p = allocate(n);
    if (p && n <= kMaxSmall) memset(p, 0, n);  // large blocks are fresh mappings: zero already
    return p;
}

void* realloc(void* p, size_t n) noexcept {
    if (!p) return allocate(n);
    if (n == 0) { release(p); return nullptr; }  // as glibc
    if (n > kMaxRequest) { errno = ENOMEM; return nullptr; }
    size_t have = usable(p);
    if (n <= have && (have <= kMaxSmall || n > have / 2)) return p;
    Header* h = header(p);
    if (h->kind == kLarge && n > kMaxSmall) {  // a mapping of its own: let the kernel move it
        size_t len = large_len(n);
        long r = syscall(SYS_mremap, h, h->size, len, MREMAP_MAYMOVE);
        if (r == -1) { errno = ENOMEM; return nullptr; }
        forget_region(h);
        note_region(reinterpret_cast<void*>(r), len);
        h = reinterpret_cast<Header*>(r);
        h->size = len;
        return h + 1;
    }
    void* q = allocate(n);
    if (!q) return nullptr;
    memcpy(q, p, n < have ? n : have);
    release(p);
    return q;
}

void* memalign(size_t align, size_t n) noexcept { return allocate_aligned(align, n); }
void* aligned_alloc(size_t align, size_t n) noexcept { return allocate_aligned(align, n); }

int posix_memalign(void** out, size_t align, size_t n) noexcept {
    if (align < sizeof(void*) || (align & (align - 1))) return EINVAL;
    int saved = errno;
    void* p = allocate_aligned(align, n);
    errno = saved;
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void* valloc(size_t n) noexcept { return allocate_aligned(kPage, n); }

void* pvalloc(size_t n) noexcept {
    if (n > kMaxRequest) { errno = ENOMEM; return nullptr; }
    return allocate_aligned(kPage, n == 0 ? kPage : (n + kPage - 1) & ~(kPage - 1));
}

size_t malloc_usable_size(void* p) noexcept { return p ? usable(p) : 0; }

// In a fork child, before it allocates: the free lists are the parent's blocks,
// one or more pages apart per size class, all shared with the parent until
// written. Taking them would copy a page per class used (about 40 page faults per
// process); the child leaves them (untouched, they cost it nothing) and carves
// what it needs next to each other from the rest of the chunk, which the parent
// never touched.
void lstar_allocator_forked() noexcept {
    Guard g;
    for (FreeBlock*& f : free_lists) f = nullptr;
}

// Copies up to `max` [begin, end) pairs of the allocator's mappings into `out`;
// returns how many, or -1 if the table overflowed at some point (unknown mappings).
int lstar_allocator_regions(uintptr_t* out, int max) noexcept {
    RegionGuard g;
    if (regions_lost || region_count > max) return -1;
    for (int i = 0; i < region_count; ++i) out[2 * i] = regions[i].begin, out[2 * i + 1] = regions[i].end;
    return region_count;
}

}  // extern "C"
