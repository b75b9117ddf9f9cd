// The program as the kernel shows the process: its command line, environment,
// auxiliary vector and its file as the exe file (prctl PR_SET_MM_MAP). The
// kernel denies writes to an mm's exe file (ETXTBSY for a running program's
// file) and names it in /proc/PID/exe; a process the runtime loaded a program
// into still has lstar as that file. The kernel changes it only while no
// mapping of the old file is left, and lstar's own image is such a mapping:
// each runtime image first maps its image again from a sealed copy of lstar's
// file (a memfd the session makes once and carries into every image, like the
// trace); what the image has written (relocations, data) becomes an anonymous
// copy moved into place. The exe file needs
// CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN): without it, no copy is made, and
// the exe file stays lstar's.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "entry/inproc/loader.hpp"
#include "kernel/session_output.hpp"

namespace lstar::inproc {

class ImageCopy final : public SessionOutput {
public:
    Status open() override;  // makes the copy where it can be used; else none (fd -1)
    std::vector<int> fds() const override { return {fd_}; }
    void adopt(std::span<const int> fds) override { fd_ = fds.empty() ? -1 : fds[0]; }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

ImageCopy& image_copy();

// In a new runtime image, before it loads a program: lstar's image mapped from the
// copy. False (and nothing changed) where there is no copy or it cannot be done.
bool remap_own_image();

// A fork copies the page tables of a mapping only if it has anonymous pages (the
// kernel's vma_needs_copy); a file mapping without any is left to fault in again
// in the child, page window by page window. lstar's text and read-only data are
// such mappings, and each fork child faulted in again all of them the runtime
// ran (about 40 faults per process, a third of what the runtime added to a
// fork). One byte of each rewritten with itself through /proc/self/mem (one
// private page, the same bytes) gives them an anonymous page, and forks copy
// their page tables from then on. Best effort: nothing changes if it fails.
void keep_image_mapped_at_fork();

// What the kernel shows of the process names the program (prctl PR_SET_MM_MAP):
// /proc/PID/cmdline, environ and auxv for every user; /proc/PID/exe (and the
// denial of writes to the file) where lstar's image no longer maps lstar's file
// (`image_copied`: remap_own_image) or the old exe file is an earlier program's.
void show_program_to_kernel(const LoadedProgram& program, bool image_copied);

// Where a new runtime image is exec'd from: lstar's own file (once the program's
// is the exe file, /proc/self/exe names the program).
const char* runtime_file();

}  // namespace lstar::inproc
