// lstar trace: strace's command line, strace's output. The options are parsed
// by trace/trace_options.cpp; this file wires them to a session.
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "entry/inproc/inproc.hpp"
#include "inject/fault_injection.hpp"
#include "trace/tracer.hpp"

namespace {

// -E VAR=VAL / -E VAR: set in lstar's own environment, which the program inherits.
void apply_environment(const std::vector<std::string>& env) {
    for (const std::string& e : env) {
        std::size_t eq = e.find('=');
        if (eq == std::string::npos) ::unsetenv(e.c_str());
        else ::setenv(e.substr(0, eq).c_str(), e.c_str() + eq + 1, 1);
    }
}

}  // namespace

int trace_command(int argc, char** argv) {
    using namespace lstar;
    TraceConfig config;
    ParseOutcome parsed = parse_trace_args(argc, argv, &config);
    switch (parsed.kind) {
    case ParseOutcome::exit: std::fputs(parsed.text.c_str(), stdout); return 0;
    case ParseOutcome::error:
        fail(1, parsed.text);
        if (parsed.show_help_hint) std::fputs("Try 'lstar trace -h' for more information.\n", stderr);
        return 1;
    case ParseOutcome::run: break;
    }
    // A runtime image of the in-process backend: the environment is the program's
    // (the supervisor applied -E), the trace goes where the supervisor opened it.
    const inproc::ImageArgs* image = inproc::image_args();
    if (!image) apply_environment(config.env);

    SessionOptions options;
    options.backend = config.backend;
    options.command.assign(argv, argv + (argc - static_cast<int>(config.argv.size())));
    if (!options.command.empty() && options.command.back() == "--") options.command.pop_back();
    options.counts = config.summary != SummaryMode::off;
    options.argv = config.argv;
    options.attach = config.attach;
    options.ptrace.follow_forks = config.follow_forks;
    // -c's time column is system CPU time (wait4's rusage), unless -w asks for wall time.
    options.ptrace.cpu_times = config.summary != SummaryMode::off && !config.wall_clock;
    // -i: signal lines show the instruction pointer at the signal's stop.
    options.ptrace.signal_ip = config.instruction_pointer;

    TraceOutput out;
    std::string error;
    if (image) out.adopt(image->trace_fd, image->message_fd);
    else if (!out.open(config.output_path, &error, config.output_append)) return fail(1, error);
    SyscallPath path;
    Tracer tracer(out, config);
    if (image) tracer.leave_summary_to_supervisor();
    if (config.backend == Backend::inproc && config.follow_forks) tracer.prefix_every_line();
    // -e inject= / -e fault=: enter work before tracing, as strace tampers before it
    // prints; like strace, only with the calls that -e trace= and -P select.
    FaultInjector injector;
    for (const Injection& injection : config.injections)
        for (int abi = 0; abi < kAbiCount; ++abi)
            for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi)))
                if (!row.name.empty() && injection.calls.contains(row) && config.trace.contains(row))
                    injector.add(row, injection.rule, &injection.calls);
    // Per call: -P paths, and the call an i386 multiplexer stands for.
    injector.set_filter([&tracer](Task& task) { return tracer.selects(task); });
    if (!injector.empty()) path.add_hook(Stage::fault_injection, &injector);
    path.add_hook(Stage::tracing, &tracer);
    int status = run_session(path, options, &out);
    tracer.finish();
    out.flush();
    return status;
}
