// lstar trace: strace's command line, strace's output. The options are parsed
// by cli/trace_options.cpp; this file wires them to a session: fault injection
// and tracing as the path's enter work, -c as its accounting stage.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "cli/trace_options.hpp"
#include "entry/find_program.hpp"
#include "inject/fault_injection.hpp"
#include "trace/accounting.hpp"
#include "trace/pictures.hpp"
#include "trace/tracer.hpp"

int trace_command(int argc, char** argv) {
    using namespace lstar;
    TraceCommand config;
    ParseOutcome parsed = parse_trace_args(argc, argv, &config);
    switch (parsed.kind) {
    case ParseOutcome::exit: std::fputs(parsed.text.c_str(), stdout); return 0;
    case ParseOutcome::error:
        fail(parsed.status, parsed.text);
        // strace's second line after some errors (not an error line of its own).
        if (parsed.show_help_hint) std::fputs("Try 'lstar trace -h' for more information.\n", stderr);
        return parsed.status;
    case ParseOutcome::run: break;
    }

    // -ff: each task's lines go to FILE.TID (the tracer opens them); the rest to stderr.
    TraceOutput out(config.output_separately ? std::string() : config.output_path, config.output_append);
    Handlers handlers;  // the view's: they outlive the path
    SyscallPath path;
    // -y: descriptor paths as the program names them (the view is configured below).
    if (config.view.fs.any()) config.path_names = &handlers.fs_view().view();
    Tracer tracer(out, config);
    Accounting accounting(tracer, config);
    // --timeline, --report: a second tracer's JSON objects, made into pictures at the end.
    RunPictures pictures(config, PictureOptions{config.timeline_path, TimelineOptions{config.timeline_min_us}, config.report_path});
    BackendOptions backend_options;
    backend_options.command.assign(argv, argv + (argc - static_cast<int>(config.argv.size())));
    if (!backend_options.command.empty() && backend_options.command.back() == "--") backend_options.command.pop_back();
    backend_options.follow_forks = config.follow_forks;
    // -c's time column is system CPU time (wait4's rusage), unless -w asks for wall time.
    backend_options.cpu_times = config.summary != SummaryMode::off && !config.wall_clock;
    // -i: signal lines show the instruction pointer at the signal's stop.
    backend_options.signal_ip = config.instruction_pointer;
    // -k: the unwinder starts from every register of the caller, not only the call's.
    backend_options.call_regs = config.stack_trace != StackTraceMode::off && config.prints_calls();
    backend_options.environment = config.env;
    // --syscall-limit lets the program go on untraced: a seccomp filter left behind
    // would fail its calls with ENOSYS (strace turns --seccomp-bpf off for it too).
    // -b execve lets processes go too: no filter may stay behind in them.
    if (config.syscall_limit > 0 || config.detach_on_execve) backend_options.prefilter = false;
    backend_options.daemonize = config.daemonize;
    backend_options.detach_on_exec = config.detach_on_execve;
    backend_options.outputs.push_back(&out);
    if (config.summary != SummaryMode::off) backend_options.outputs.push_back(&accounting.channel());
    if (pictures.wanted()) backend_options.outputs.push_back(&pictures.output());
    if (Result<bool> viewed = apply_view(config.view, handlers, path, &backend_options, config.argv); !viewed)
        return fail(kViewUsageStatus, viewed.error().message);
    // --argv0: the program is found by the name given, and gets the other as its argv[0].
    if (!config.argv0.empty() && !config.argv.empty()) {
        if (backend_options.program_host.empty()) {
            Result<std::string> found = find_program(config.argv[0]);
            if (!found) return fail(1, found.error().message);
            backend_options.program_guest = backend_options.program_host = *found;
        }
        config.argv[0] = config.argv0;
    }
    // --backend=auto: what only the ptrace backend does decides first, then the program.
    std::string_view ptrace_only = !config.attach.empty()                                     ? "-p"
                                   : config.policy.any()                                      ? "the sandbox options"
                                   : config.output_separately && !config.output_path.empty() ? "-ff"
                                   : config.syscall_limit > 0                                 ? "--syscall-limit"
                                   : config.daemonize                                         ? "-D"
                                   : config.detach_on_execve                                  ? "-b execve"
                                   : config.stack_trace != StackTraceMode::off                ? "-k"
                                   : config.decode_pid_ns                                     ? "--decode-pids=pidns"
                                   : !config.user.empty()                                     ? "-u"
                                                                                              : "";
    config.backend = choose_backend(config.backend, config.argv, backend_options, ptrace_only);
    // The in-process backend's tracer runs inside the program, in its SIGSYS handler:
    // unwinding there would need its own unwinder over the signal context.
    if (config.stack_trace != StackTraceMode::off && config.backend != "ptrace")
        return fail(1, fmt::format("-k/--stack-trace needs --backend=ptrace: the {} backend cannot take a "
                                   "call's stack (its tracer runs in the program's signal handler)",
                                   config.backend));
    // -u: the in-process runtime would run as the user too, and could not trace a set-uid program.
    std::optional<RunAs> run_as;
    if (!config.user.empty()) {
        if (config.backend != "ptrace") return fail(1, fmt::format("-u needs --backend=ptrace (not {})", config.backend));
        if (config.argv.empty()) return fail(1, "-u is for a launched program, not for -p");
        Result<RunAs> user = find_user(config.user);
        if (!user) return fail(1, user.error().message);
        run_as = std::move(user).value();
        backend_options.run_as = &*run_as;
    }
    // The runtime decodes inside the program, whose /proc and pid namespace are its own.
    if (config.decode_pid_ns && config.backend != "ptrace")
        return fail(1, fmt::format("--decode-pids=pidns needs --backend=ptrace: under the {} backend the decoder "
                                   "runs in the program's pid namespace, not lstar's",
                                   config.backend));
    // The sandbox of `lstar run`, watched: its denials are lines on stderr, or with
    // --json "denial" objects in the trace. They are reported in the traced
    // processes (-f or not, as the trace); the kernel enforces in all of them.
    PolicySession sandbox;
    if (config.policy.any()) {
        if (config.argv.empty()) return fail(2, "trace: the sandbox options are for a launched program, not for -p");
        Result<BackendTraits> traits = backend_traits(config.backend);
        if (!traits) return fail(1, traits.error().message);
        // The runtime's own calls (the tracer's getpid, its writes) would be the
        // sandbox's too: a policy that denies them would silence the trace.
        if (traits->execs_itself)
            return fail(2, fmt::format("trace: the sandbox options need --backend=ptrace (under --backend={} the "
                                       "policy would also govern lstar's own runtime calls)",
                                       config.backend));
        auto started = start_policy(config.policy, *traits, path, backend_options, true, config.json ? &out : nullptr);
        if (!started) return fail(2, started.error().message);
        sandbox = std::move(started).value();
        handlers.fs_view().hand_held(false);  // as in lstar run (cli/run_command.cpp)
        if (sandbox.reporter && pictures.wanted()) sandbox.reporter->also_json(pictures.output());
        if (sandbox.reporter) sandbox.reporter->json_version(config.json_version);
    }
    auto backend = make_backend(config.backend, path, backend_options);
    if (!backend) return fail(1, backend.error().message);
    // Each process of the in-process backend writes its own lines into the one trace.
    if ((*backend)->traits().path_per_process && config.output_separately && !config.output_path.empty())
        return fail(1, fmt::format("-ff with --backend={} is not supported yet: use the ptrace backend", config.backend));
    if ((*backend)->traits().path_per_process && config.syscall_limit > 0)
        return fail(1, fmt::format("--syscall-limit with --backend={} is not supported yet: use the ptrace backend", config.backend));
    // The runtime lives inside the program: it cannot trace from a grandchild nor let go.
    if ((*backend)->traits().path_per_process && (config.daemonize || config.detach_on_execve))
        return fail(1, fmt::format("{} with --backend={} is not supported: use the ptrace backend",
                                   config.daemonize ? "-D" : "-b execve", config.backend));
    tracer.on_limit_reached([&path] { path.request_detach_all(); });
    // Each process traces its own tasks: with -f no tracer knows them all.
    if ((*backend)->traits().path_per_process && config.follow_forks) tracer.count_tasks_with((*backend)->session_task_count());

    // -e inject= / -e fault=: enter work before tracing, as strace tampers before it
    // prints; like strace, only with the calls that -e trace= and -P select.
    bool counts = config.summary != SummaryMode::off;
    FaultInjector injector;
    for (const Injection& injection : config.injections)
        if (Status s = injector.add_all(injection, config.trace); !s) return fail(1, s.error().message);
    if (!config.argv.empty())
        if (Result<std::string> exe = find_program(config.argv[0])) injector.set_launched_exe(*exe);
    // Per call: -P paths, and the call an i386 multiplexer stands for.
    injector.set_filter([&tracer](Task& task) { return tracer.selects(task); });
    if (!injector.empty()) path.add_hook(Stage::fault_injection, &injector);
    path.add_hook(Stage::tracing, &tracer);
    if (pictures.wanted()) path.add_hook(Stage::tracing, &pictures.tracer());
    if (counts) path.add_hook(Stage::accounting, &accounting);

    SessionOptions options;
    options.argv = config.argv;
    options.attach = config.attach;
    // Before lstar ends like the program (perhaps by its signal).
    Status pictured;
    options.at_end = [&](int) {
        pictured = pictures.finish();
        if (!pictured) print_error(pictured.error());
    };
    int status = run_session(**backend, path, backend_options, options);
    tracer.finish();
    if (counts) accounting.finish();
    out.flush();
    return pictured ? status : 1;
}
