/* Memory calls. */
#include <sys/mman.h>
#include "marker.h"

int main(void) {
    BEGIN();
    void* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(p, 4096, PROT_READ);
    madvise(p, 8192, MADV_DONTNEED);
    munmap(p, 8192);
    mmap(NULL, 4096, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS | 0x4000000, -1, 0);
    return 0;
}
