// The backends entry/ offers, by name.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "entry/backend.hpp"
#include "entry/find_program.hpp"
#include "entry/inproc/inproc.hpp"
#include "entry/inproc/loader.hpp"
#include "entry/ptrace/ptrace_backend.hpp"

namespace lstar {

namespace {
constexpr std::string_view kNames[] = {"ptrace", "inproc", "auto"};
}  // namespace

std::span<const std::string_view> backend_names() { return kNames; }

std::string choose_backend(std::string_view name, const std::vector<std::string>& argv, BackendOptions& options,
                           std::string_view ptrace_only, std::string* why) {
    auto chosen = [&](std::string_view backend, std::string reason) {
        if (why) *why = std::move(reason);
        return std::string(backend);
    };
    if (is_backend_image()) return chosen("inproc", "an image of the in-process backend");
    // No --backend: LSTAR_BACKEND if set (the test suite runs under each), else auto.
    if (name.empty()) {
        const char* set = std::getenv("LSTAR_BACKEND");
        name = set && *set ? set : "auto";
    }
    if (name != "auto") return std::string(name);
    if (!ptrace_only.empty()) return chosen("ptrace", std::string(ptrace_only));
    if (argv.empty()) return chosen("ptrace", "no program to launch");
    Result<std::string> program = options.program_host.empty() ? find_program(argv[0]) : options.program_host;
    if (!program) return chosen("ptrace", program.error().message);  // which says so as the kernel would
    std::string cannot = inproc::cannot_serve(*program);
    if (!cannot.empty()) return chosen("ptrace", *program + ": " + cannot);
    options.hand_over_to_ptrace = true;
    return chosen("inproc", *program + ": a 64-bit program the in-process backend can load");
}

bool is_image_command(std::string_view arg) { return arg == "__inproc"; }

bool is_backend_image() { return inproc::image_args() != nullptr; }

void enter_confinement(const Confinement* confinement) {
    if (!confinement) return;
    if (int err = confinement->apply_in_child(); err < 0) {
        print_error(error(fmt::format("cannot enter the policy sandbox ({}): {}", confinement->failed_step(), std::strerror(-err)), -err));
        ::_exit(127);
    }
}

Result<std::vector<std::string>> image_command(int argc, char** argv) {
    Result<inproc::ImageArgs> args = inproc::ImageArgs::decode(argc, argv);
    if (!args) return args.error();
    std::vector<std::string> command = args->command;
    command.push_back("--");
    command.push_back(args->shown_path);
    inproc::set_image_args(std::move(args).value());
    return command;
}

Status open_outputs(std::span<SessionOutput* const> outputs) {
    for (SessionOutput* out : outputs) LSTAR_TRY(out->open());
    return {};
}

void apply_environment(const std::vector<std::string>& changes) {
    for (const std::string& e : changes) {
        std::size_t eq = e.find('=');
        if (eq == std::string::npos) ::unsetenv(e.c_str());
        else ::setenv(e.substr(0, eq).c_str(), e.c_str() + eq + 1, 1);
    }
}

void enter_directory(const std::string& dir) {
    if (dir.empty() || ::chdir(dir.c_str()) == 0) return;
    print_error(error(fmt::format("cannot start in '{}': {}", dir, std::strerror(errno)), errno));
    ::_exit(127);
}

Result<BackendTraits> backend_traits(std::string_view name) {
    if (name == "ptrace") return PtraceBackend::kTraits;
    if (name == "inproc") return inproc::kTraits;
    return error(fmt::format("invalid --backend argument: '{}' ({})", name, fmt::join(kNames, " or ")), EINVAL);
}

Result<std::unique_ptr<Backend>> make_backend(std::string_view name, SyscallPath& path, BackendOptions options) {
    if (name == "ptrace") return std::unique_ptr<Backend>(std::make_unique<PtraceBackend>(path, std::move(options)));
    if (name == "inproc") return inproc::make_backend(path, std::move(options));
    return error(fmt::format("invalid --backend argument: '{}' ({})", name, fmt::join(kNames, " or ")), EINVAL);
}

}  // namespace lstar
