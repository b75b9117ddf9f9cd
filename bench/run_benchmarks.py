#!/usr/bin/env python3
"""lstar benchmarks: each workload natively, under strace and under lstar, interleaved.

    python3 bench/run_benchmarks.py --lstar build/cli/lstar [--reps N] [--quick] [--json out.json]
    python3 bench/run_benchmarks.py --lstar build/cli/lstar --profile

For every repetition, every workload runs once in every mode (round robin; the
order of the modes rotates from one repetition to the next), so that drift in the
machine's load affects all modes alike. Reported per workload and mode: the
median wall time, its ratio to native, the added cost per system call (the
workload's calls are counted once with `strace -f -c`), and for lstar modes its
added cost as a fraction of the corresponding strace mode's. The issue's targets
are printed next to the results; nothing is asserted. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SOURCE_DIR = BENCH_DIR.parent
SCHEMA = "lstar-bench/1"

# --------------------------------------------------------------------------- modes

@dataclass(frozen=True)
class Mode:
    name: str
    tool: str          # native | lstar | strace
    args: tuple        # arguments before the workload; "{out}" is the output file
    label: str


MODES = [
    Mode("native", "native", (), "native"),
    Mode("lstar_run", "lstar", ("run", "--backend=ptrace", "-f", "--"), "lstar run --backend=ptrace -f"),
    Mode("lstar_run_noprefilter", "lstar", ("run", "--backend=ptrace", "-f", "--no-prefilter", "--"),
         "lstar run --backend=ptrace -f --no-prefilter"),
    Mode("lstar_trace", "lstar", ("trace", "--backend=ptrace", "-f", "-o", "{out}", "--"),
         "lstar trace --backend=ptrace -f -o F"),
    Mode("lstar_trace_openat", "lstar", ("trace", "--backend=ptrace", "-f", "-e", "trace=openat", "-o", "{out}", "--"),
         "lstar trace --backend=ptrace -f -e trace=openat -o F"),
    Mode("lstar_trace_c", "lstar", ("trace", "--backend=ptrace", "-f", "-c", "-o", "{out}", "--"),
         "lstar trace --backend=ptrace -f -c -o F"),
    # The in-process backend (entry/inproc): the same jobs without a tracer process.
    # (The modes above name the ptrace backend: the default, auto, would pick this one.)
    Mode("lstar_run_inproc", "lstar", ("run", "--backend=inproc", "-f", "--"), "lstar run --backend=inproc -f"),
    Mode("lstar_trace_inproc", "lstar", ("trace", "--backend=inproc", "-f", "-o", "{out}", "--"),
         "lstar trace --backend=inproc -f -o F"),
    Mode("lstar_trace_openat_inproc", "lstar",
         ("trace", "--backend=inproc", "-f", "-e", "trace=openat", "-o", "{out}", "--"),
         "lstar trace --backend=inproc -f -e trace=openat -o F"),
    Mode("strace", "strace", ("-f", "-o", "{out}", "--"), "strace -f -o F"),
    Mode("strace_openat", "strace", ("-f", "-e", "trace=openat", "-o", "{out}", "--"),
         "strace -f -e trace=openat -o F"),
    Mode("strace_openat_seccomp", "strace",
         ("-f", "--seccomp-bpf", "-e", "trace=openat", "-o", "{out}", "--"),
         "strace -f --seccomp-bpf -e trace=openat -o F"),
    Mode("strace_c", "strace", ("-f", "-c", "-o", "{out}", "--"), "strace -f -c -o F"),
]
MODE_BY_NAME = {m.name: m for m in MODES}

# lstar mode -> the strace mode it is compared with ("lstar_added / strace_added").
# lstar run --no-prefilter stops at every call and decodes nothing: strace without
# --seccomp-bpf and with a rare -e trace= set also stops at every call and prints
# almost nothing, so it is the nearest strace equivalent of "the path's own cost".
COMPARE = {
    "lstar_trace": "strace",
    "lstar_trace_openat": "strace_openat_seccomp",
    "lstar_trace_inproc": "strace",
    "lstar_trace_openat_inproc": "strace_openat_seccomp",
    "lstar_trace_c": "strace_c",
    "lstar_run_noprefilter": "strace_openat",
}

# --------------------------------------------------------------------------- workloads

@dataclass
class Workload:
    name: str
    kind: str                     # micro | real
    argv: list
    description: str
    cwd: str | None = None
    syscalls: int | None = None   # counted once with strace -f -c
    count_note: str = ""
    setup_error: str | None = None


def build_workloads(args, tmp: Path) -> list[Workload]:
    quick = args.quick
    bench_dir = Path(args.bench_dir)
    micro_n = args.micro_iterations or (2000 if quick else 100000)
    loops = args.script_iterations or (3 if quick else 100)
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    busybox = shutil.which("busybox", path="/bin:/usr/bin")
    gcc = shutil.which("gcc")
    tar = shutil.which("tar")
    wl: list[Workload] = []

    def micro(name, prog, n, desc, extra=()):
        exe = bench_dir / prog
        w = Workload(name, "micro", [str(exe), str(n), *extra], desc)
        if not os.access(exe, os.X_OK):
            w.setup_error = f"{exe} not built (build the bench_workloads target, or pass --bench-dir)"
        wl.append(w)

    micro("getppid", "getppid_loop", micro_n, f"{micro_n} getppid()")
    micro("write64", "write_devnull", micro_n, f"{micro_n} write(/dev/null, 64 bytes)")
    micro("openat", "openat_close", micro_n // 2, f"{micro_n // 2} openat()+close() of one file")

    w = Workload("busybox_sh", "real",
                 [busybox or "busybox", "sh", str(BENCH_DIR / "workloads" / "busybox_script.sh"), str(loops)],
                 f"busybox sh loop x{loops}: exec true, echo, echo|tr|wc")
    if not busybox:
        w.setup_error = "busybox not installed (Debian: busybox-static)"
    wl.append(w)

    # GNU tar skips reading the files when the archive is /dev/null, so the archive
    # goes to a file in the temporary directory. The tree: /usr/include (headers,
    # ~8000 files, stable between runs) where present; else, and with --quick, a
    # snapshot of lstar's sources (no build dirs, no .git) so that others' edits
    # don't change it mid-run.
    if args.tar_tree:
        parent, name, tree_error = str(Path(args.tar_tree).resolve().parent), Path(args.tar_tree).resolve().name, None
    elif not quick and os.path.isdir("/usr/include"):
        parent, name, tree_error = "/usr", "include", None
    else:
        tree = tmp / "tree"
        src = SOURCE_DIR / "bench" if quick else SOURCE_DIR
        parent, name, tree_error = str(tmp), "tree", None
        try:
            shutil.copytree(src, tree, symlinks=True,
                            ignore=shutil.ignore_patterns("build*", ".git", "__pycache__", "*.o"))
        except OSError as e:
            tree_error = f"cannot snapshot {src}: {e}"
    root = os.path.join(parent, name)
    files = sum(len(f) for _, _, f in os.walk(root)) if not tree_error else 0
    if not tree_error and not os.path.isdir(root):
        tree_error = f"{root} is not a directory"
    w = Workload("tar", "real", [tar or "tar", "-cf", str(tmp / "out.tar"), "-C", parent, name],
                 f"tar -cf FILE -C {parent} {name} ({files} files)")
    w.setup_error = tree_error or (None if tar else "tar not installed")
    wl.append(w)

    # Not a target workload: the fixed cost of starting under each tool, which a
    # short workload pays in full (a 3% target on a 20 ms run is 0.6 ms).
    wl.append(Workload("startup", "micro", [shutil.which("true", path="/bin:/usr/bin") or "/bin/true"],
                       "/bin/true: the fixed start-up cost of each tool"))

    wl.append(Workload("python", "real", [python, "-c", "import json"],
                       f"{python} -c 'import json' (start-up)"))

    obj = tmp / "small.o"
    w = Workload("gcc", "real", [gcc or "gcc", "-O1", "-c", str(BENCH_DIR / "workloads" / "small.c"), "-o", str(obj)],
                 "gcc -O1 -c small.c (cpp, cc1, as)")
    if not gcc:
        w.setup_error = "gcc not installed"
    wl.append(w)

    if args.workloads:
        wanted = set(args.workloads.split(","))
        unknown = wanted - {w.name for w in wl}
        if unknown:
            sys.exit(f"run_benchmarks: unknown workload(s): {', '.join(sorted(unknown))}")
        wl = [w for w in wl if w.name in wanted]
    return wl

# --------------------------------------------------------------------------- running

@dataclass
class RunResult:
    wall: float
    cpu: float            # user + system of the whole process tree (tracer included)
    status: int           # exit code, or -signal
    stderr: str
    timed_out: bool = False


def run_once(argv: list, cwd: str | None, timeout: float) -> RunResult:
    """Runs argv with stdin/stdout to /dev/null, returns wall time and the tree's CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    timed_out = False
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, err = proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return RunResult(wall, cpu, proc.returncode, err.decode(errors="replace")[-2000:], timed_out)


def mode_argv(mode: Mode, tools: dict, workload: Workload, out: Path) -> list:
    if mode.tool == "native":
        return list(workload.argv)
    return [tools[mode.tool], *(a.replace("{out}", str(out)) for a in mode.args), *workload.argv]


STRACE_TOTAL = re.compile(r"^\s*100\.00\s+\S+\s+\S+\s+(\d+)\s+(?:\d+\s+)?total\s*$", re.M)


def count_syscalls(strace: str | None, workload: Workload, tmp: Path, timeout: float) -> None:
    if not strace:
        workload.count_note = "strace missing: calls not counted"
        return
    out = tmp / "count.txt"
    r = run_once([strace, "-f", "-c", "-o", str(out), "--", *workload.argv], workload.cwd, timeout)
    try:
        text = out.read_text()
    except OSError:
        text = ""
    finally:
        out.unlink(missing_ok=True)
    m = STRACE_TOTAL.search(text)
    if r.status != 0 or not m:
        workload.count_note = f"strace -f -c failed (status {r.status}): {r.stderr.strip()[:200]}"
        return
    workload.syscalls = int(m.group(1))
    workload.count_note = "strace -f -c"


@dataclass
class Cell:
    walls: list = field(default_factory=list)
    cpus: list = field(default_factory=list)
    error: str | None = None


def short_error(r: RunResult, expected: int) -> str:
    if r.timed_out:
        return "timed out"
    tail = r.stderr.strip().splitlines()[-1:] or [""]
    return f"exit status {r.status} (native: {expected}){': ' + tail[0][:160] if tail[0] else ''}"


def benchmark(args, workloads, modes, tools, tmp: Path, log) -> dict:
    cells = {(w.name, m.name): Cell() for w in workloads for m in modes}
    expected = {}
    active = [w for w in workloads if not w.setup_error]
    for w in workloads:
        if w.setup_error:
            for m in modes:
                cells[(w.name, m.name)].error = w.setup_error

    # Native status first (what every other mode must reproduce), then the count.
    for w in active:
        r = run_once(w.argv, w.cwd, args.timeout)
        expected[w.name] = r.status
        if r.status != 0:
            log(f"  note: {w.name} exits with status {r.status} natively: {r.stderr.strip()[:200]}")
        count_syscalls(tools.get("strace"), w, tmp, args.timeout)
        log(f"  {w.name}: {w.syscalls if w.syscalls is not None else '?'} system calls ({w.count_note})")

    def one(w: Workload, m: Mode, record: bool) -> None:
        cell = cells[(w.name, m.name)]
        if cell.error:
            return
        out = tmp / f"out.{m.name}"
        r = run_once(mode_argv(m, tools, w, out), w.cwd, args.timeout)
        for p in tmp.glob(f"out.{m.name}*"):   # -o FILE, and FILE.pid if a tool writes one per process
            p.unlink(missing_ok=True)
        if r.timed_out or r.status != expected[w.name]:
            cell.error = short_error(r, expected[w.name])
            log(f"  {w.name} / {m.label}: {cell.error} -- mode dropped for this workload")
            return
        if record:
            cell.walls.append(r.wall)
            cell.cpus.append(r.cpu)

    if not args.no_warmup:
        log("warm-up (one unmeasured run of every workload in every mode)")
        for w in active:
            for m in modes:
                one(w, m, record=False)

    for rep in range(args.reps):
        log(f"repetition {rep + 1}/{args.reps}")
        for w in active:
            k = rep % len(modes)
            for m in modes[k:] + modes[:k]:          # round robin, rotated per repetition
                one(w, m, record=True)
    return cells

# --------------------------------------------------------------------------- results

def summarize(workloads, modes, cells) -> list:
    results = []
    for w in workloads:
        native = cells[(w.name, "native")]
        native_med = statistics.median(native.walls) if native.walls else None
        rows = {}
        for m in modes:
            c = cells[(w.name, m.name)]
            row = {"mode": m.name, "label": m.label, "tool": m.tool, "runs": len(c.walls),
                   "wall_s": c.walls, "cpu_s": c.cpus}
            if c.walls and not c.error:
                med = statistics.median(c.walls)
                row.update(median_s=med, min_s=min(c.walls), max_s=max(c.walls),
                           cpu_median_s=statistics.median(c.cpus))
                if native_med:
                    row["ratio"] = med / native_med
                    row["added_s"] = med - native_med
                    if w.syscalls:
                        row["added_us_per_call"] = (med - native_med) / w.syscalls * 1e6
            else:
                row["error"] = c.error or "not run"
            rows[m.name] = row
        for lm, sm in COMPARE.items():
            if lm in rows and sm in rows and "added_s" in rows[lm] and "added_s" in rows[sm]:
                s_added = rows[sm]["added_s"]
                rows[lm]["vs_strace_mode"] = sm
                rows[lm]["of_strace_added"] = rows[lm]["added_s"] / s_added if s_added > 0 else None
        results.append({"workload": w.name, "kind": w.kind, "description": w.description,
                         "argv": w.argv, "syscalls": w.syscalls, "syscalls_counted_by": w.count_note,
                         "error": w.setup_error, "modes": [rows[m.name] for m in modes]})
    return results


TARGETS = [
    # (id, text, lstar mode, quantity, limit, workload kinds or None for all). Judged on
    # the in-process backend, the one built for speed; the ptrace backend's rows are
    # shown next to it.
    ("full_trace_micro", "full-decode trace to a file, micro workloads: lstar added cost <= 1/20 of strace's "
     "(lstar trace --backend=inproc -f -o F vs strace -f -o F)",
     "lstar_trace_inproc", "of_strace_added", 0.05, {"micro"}),
    ("full_trace_macro", "full-decode trace to a file, real programs: lstar added cost <= 1/5 of strace's",
     "lstar_trace_inproc", "of_strace_added", 0.2, {"real"}),
    ("rare_call", "a rare call selected (lstar trace --backend=inproc -f -e trace=openat -o F): within 3% of native",
     "lstar_trace_openat_inproc", "ratio", 1.03, None),
    ("run_no_hooks", "lstar run with no hooks (lstar run --backend=inproc -f): within 3% of native",
     "lstar_run_inproc", "ratio", 1.03, None),
]


NOT_TARGETED = {"startup"}   # shown for the fixed cost; a ratio on 0.4 ms means little


def evaluate_targets(results) -> list:
    out = []
    for tid, text, mode, qty, limit, kinds in TARGETS:
        per = []
        for r in results:
            if r["workload"] in NOT_TARGETED or (kinds is not None and r["kind"] not in kinds):
                continue
            row = next((x for x in r["modes"] if x["mode"] == mode), None)
            if row is None:
                continue
            v = row.get(qty)
            per.append({"workload": r["workload"], "value": v,
                        "met": (v is not None and v <= limit) if v is not None else None,
                        "note": row.get("error")})
        measured = [p for p in per if p["met"] is not None]
        out.append({"id": tid, "target": text, "mode": mode, "quantity": qty, "limit": limit,
                    "met_on": sum(p["met"] for p in measured), "measured_on": len(measured),
                    "workloads": per})
    return out


def fmt_num(v, spec, dash="-"):
    return dash if v is None else format(v, spec)


def render_table(meta, results, targets) -> str:
    lines = []
    lines.append(f"# lstar benchmarks  reps={meta['reps']}  quick={meta['quick']}  "
                 f"host={meta['machine']['nodename']}  cpus={meta['machine']['cpus']}  "
                 f"load={meta['machine']['loadavg_start']} -> {meta['machine']['loadavg_end']}")
    m = meta["machine"]
    kind = ("FSGSBASE" if m.get("fsgsbase") else "no FSGSBASE") + \
        (" (forced off: LSTAR_INPROC_NO_FSGSBASE)" if m.get("fsgsbase_forced_off") else "")
    lines.append(f"# cpu={m.get('cpu')}  {kind}  LSTAR_INPROC_PATCH={m.get('inproc_patch')}")
    lines.append(f"# lstar={meta['tools'].get('lstar')}  strace={meta['tools'].get('strace')} "
                 f"({meta['tools'].get('strace_version')})  kernel={meta['machine']['kernel']}")
    header = f"{'mode':<44} {'median ms':>10} {'min-max ms':>16} {'x native':>9} {'+us/call':>9} {'of strace':>10}"
    for r in results:
        lines.append("")
        calls = r["syscalls"] if r["syscalls"] is not None else "?"
        lines.append(f"## {r['workload']} ({r['kind']}): {r['description']}; {calls} system calls")
        lines.append(header)
        for row in r["modes"]:
            if "median_s" not in row:
                lines.append(f"{row['label']:<44} {'n/a':>10}  {row.get('error', '')}")
                continue
            of = row.get("of_strace_added")
            of_s = "-" if "vs_strace_mode" not in row else ("-" if of is None else f"{of:.2f}")
            spread = f"{row['min_s'] * 1e3:.1f}-{row['max_s'] * 1e3:.1f}"
            added = row.get("added_us_per_call")
            lines.append(f"{row['label']:<44} {row['median_s'] * 1e3:>10.1f} {spread:>16} "
                         f"{fmt_num(row.get('ratio'), '.3f'):>9} "
                         f"{fmt_num(None if row['mode'] == 'native' else added, '.3f'):>9} {of_s:>10}")
    lines.append("")
    lines.append("## of strace = lstar added time / strace added time, compared with: " +
                 ", ".join(f"{MODE_BY_NAME[l].label} ~ {MODE_BY_NAME[s].label}" for l, s in COMPARE.items()))
    lines.append("")
    lines.append("## targets (reported, not asserted)")
    for t in targets:
        if not t["workloads"]:
            lines.append(f"- {t['target']}: not measured (mode {t['mode']} not run)")
            continue
        lines.append(f"- {t['target']}: met on {t['met_on']}/{t['measured_on']} workloads")
        cells = []
        for p in t["workloads"]:
            if p["value"] is None:
                cells.append(f"{p['workload']}=n/a")
            else:
                cells.append(f"{p['workload']}={p['value']:.3f}{'' if p['met'] else '(!)'}")
        lines.append("    " + "  ".join(cells))
    return "\n".join(lines) + "\n"

# --------------------------------------------------------------------------- profile

def profile(args, tools, tmp: Path) -> int:
    """Callgrind on lstar's stop path: lstar (not the tracee) under valgrind, the
    getppid micro workload with every call stopping."""
    valgrind = shutil.which("valgrind")
    annotate = shutil.which("callgrind_annotate")
    if not valgrind or not annotate:
        print("profile: valgrind (callgrind_annotate) is not installed (Debian: valgrind)")
        return 77
    n = args.profile_iterations
    exe = str(Path(args.bench_dir) / "getppid_loop")
    variants = {
        "run_noprefilter": ["run", "--no-prefilter", "--"],
        "trace": ["trace", "-o", str(tmp / "prof.trace"), "--"],
    }
    chosen = args.profile_modes.split(",")
    outdir = Path(args.profile_dir) if args.profile_dir else tmp
    outdir.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        if name not in variants:
            sys.exit(f"profile: unknown mode {name} (known: {', '.join(variants)})")
        cg = outdir / f"callgrind.{name}.out"
        argv = [valgrind, "--tool=callgrind", f"--callgrind-out-file={cg}", "--trace-children=no",
                tools["lstar"], *variants[name], exe, str(n)]
        print(f"$ {' '.join(argv)}", flush=True)
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or not cg.exists():
            print(f"profile: {name}: status {r.returncode}\n{r.stderr[-2000:]}")
            continue
        total = None
        m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
        if m:
            total = int(m.group(1))
        tables = {}
        for inclusive in (False, True):
            a = subprocess.run([annotate, *(["--inclusive=yes"] if inclusive else []), "--threshold=100",
                                str(cg)], capture_output=True, text=True)
            rows = []
            for line in a.stdout.splitlines():
                mm = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
                if mm and "PROGRAM TOTALS" not in line:
                    rows.append((int(mm.group(1).replace(",", "")), mm.group(2)))
            tables[inclusive] = rows
        loop = next((c for c, f in tables[True] if "PtraceBackend::run()" in f), None)
        stops = 2 * n   # each getppid() is an entry and an exit stop (start-up adds ~40 calls)
        if total:
            print(f"{name}: {total:,} instructions in lstar in all; "
                  f"{(loop or 0):,} in PtraceBackend::run() = {(loop or 0) / stops:.0f} per stop, "
                  f"{(loop or 0) / n:.0f} per getppid(); start-up and the rest: {total - (loop or 0):,}")

        def short(fn: str) -> str:
            fn = re.sub(r"\s*\[[^\]]*\]$", "", fn)          # [object file]
            fn = re.sub(r"^\S*?:(?=\S)", "", fn, count=1)      # file:
            while True:                                         # template arguments
                t = re.sub(r"<(?:[^<>]|<>)+>", "<>", fn)
                if t == fn:
                    break
                fn = t
            if "<" in fn and fn.count("<") != fn.count(">"):   # cut off by callgrind_annotate
                fn = fn[:fn.index("<")] + "<...>"
            return fn[:150]

        own = lambda f: str(Path(tools["lstar"]).name) in f.rsplit("[", 1)[-1] and "lstar::" in f
        for title, rows in (("self cost, all code", tables[False]),
                            ("self cost, lstar's own functions", [r for r in tables[False] if own(r[1])]),
                            ("inclusive cost, lstar's own functions", [r for r in tables[True] if own(r[1])])):
            print(f"-- {name}: top {args.profile_top} by {title} (instructions; per stop)")
            for c, f in rows[:args.profile_top]:
                print(f"   {c:>12,} {c / stops:>8.1f}  {short(f)}")
        print(f"   (full data: callgrind_annotate --inclusive=yes {cg})\n", flush=True)
    return 0

# --------------------------------------------------------------------------- main

def machine_info() -> dict:
    u = os.uname()
    cpu, flags = "", set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and not cpu:
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    # Which kind of machine: the in-process backend swaps the thread pointer with
    # wrfsbase where the CPU has FSGSBASE, else with arch_prctl (a few µs on some hosts);
    # LSTAR_INPROC_NO_FSGSBASE forces the second on any machine.
    forced = bool(os.environ.get("LSTAR_INPROC_NO_FSGSBASE"))
    return {"nodename": u.nodename, "kernel": u.release, "arch": u.machine, "cpu": cpu,
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "fsgsbase": "fsgsbase" in flags, "fsgsbase_forced_off": forced,
            "inproc_patch": os.environ.get("LSTAR_INPROC_PATCH", "libraries")}


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lstar", help="the lstar binary (default: the first build*/cli/lstar next to the sources)")
    p.add_argument("--strace", default="/usr/bin/strace", help="strace binary (default %(default)s)")
    p.add_argument("--bench-dir", help="directory of the micro workload programs (default: BUILD/bench for BUILD/cli/lstar)")
    p.add_argument("--reps", type=int, default=None, help="measured repetitions (default 7; --quick 1)")
    p.add_argument("--quick", action="store_true", help="small iteration counts, no warm-up: a smoke run")
    p.add_argument("--json", help="write the results as JSON to this file ('-' for stdout)")
    p.add_argument("--workloads", help="comma-separated subset: getppid,write64,openat,busybox_sh,tar,startup,python,gcc")
    p.add_argument("--modes", help="comma-separated subset of modes (native is always run): " +
                   ",".join(m.name for m in MODES[1:]))
    p.add_argument("--micro-iterations", type=int, help="calls per micro workload (default 100000)")
    p.add_argument("--script-iterations", type=int, help="busybox loop iterations (default 100)")
    p.add_argument("--tar-tree", help="tree to archive (default: /usr/include; --quick: a snapshot of bench/)")
    p.add_argument("--no-warmup", action="store_true", help="skip the unmeasured warm-up round")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before one run is killed")
    p.add_argument("--tmpdir", help="where outputs go (default: /dev/shm if writable, else $TMPDIR)")
    p.add_argument("--profile", action="store_true",
                   help="instead of timing: callgrind profile of lstar on the getppid workload")
    p.add_argument("--profile-iterations", type=int, default=20000)
    p.add_argument("--profile-modes", default="run_noprefilter,trace")
    p.add_argument("--profile-top", type=int, default=25)
    p.add_argument("--profile-dir", help="keep callgrind.*.out here (default: removed with the temp dir)")
    args = p.parse_args(argv)

    if args.reps is None:
        args.reps = 1 if args.quick else 7
    if args.quick:
        args.no_warmup = True
        args.timeout = min(args.timeout, 120.0)
    candidates = sorted(SOURCE_DIR.glob("build*/cli/lstar")) + sorted(SOURCE_DIR.glob("build*/lstar"))
    lstar = args.lstar or next((str(c) for c in candidates if os.access(c, os.X_OK)), None)
    if not lstar or not os.access(lstar, os.X_OK):
        print(f"run_benchmarks: no lstar binary ({lstar or 'pass --lstar BUILD/lstar'})", file=sys.stderr)
        return 2
    lstar = str(Path(lstar).resolve())
    if not args.bench_dir:
        # BUILD/cli/lstar -> BUILD/bench (also BUILD/lstar -> BUILD/bench)
        tries = [Path(lstar).parent / "bench", Path(lstar).parent.parent / "bench"]
        args.bench_dir = str(next((t for t in tries if (t / "getppid_loop").exists()), tries[0]))
    tools = {"lstar": lstar}
    strace = args.strace if os.access(args.strace, os.X_OK) else shutil.which("strace")
    if strace:
        tools["strace"] = strace

    base = args.tmpdir or ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    tmp = Path(tempfile.mkdtemp(prefix="lstar-bench.", dir=base))
    try:
        if args.profile:
            return profile(args, tools, tmp)

        modes = list(MODES)
        if args.modes:
            wanted = set(args.modes.split(","))
            unknown = wanted - set(MODE_BY_NAME)
            if unknown:
                sys.exit(f"run_benchmarks: unknown mode(s): {', '.join(sorted(unknown))}")
            modes = [m for m in MODES if m.name == "native" or m.name in wanted]
        skipped_modes = []
        if not strace:
            skipped_modes = [m.name for m in modes if m.tool == "strace"]
            modes = [m for m in modes if m.tool != "strace"]
            print("run_benchmarks: strace not found: strace modes skipped, calls not counted", file=sys.stderr)

        log = (lambda s: print(s, file=sys.stderr, flush=True))
        load_start = loadavg()
        log(f"run_benchmarks: temporary outputs in {tmp}")
        workloads = build_workloads(args, tmp)
        t0 = time.time()
        cells = benchmark(args, workloads, modes, tools, tmp, log)
        results = summarize(workloads, modes, cells)
        targets = evaluate_targets(results)
        strace_version = ""
        if strace:
            v = subprocess.run([strace, "-V"], capture_output=True, text=True)
            strace_version = (v.stdout.splitlines() or [""])[0]
        meta = {"schema": SCHEMA, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "reps": args.reps,
                "quick": args.quick, "warmup": not args.no_warmup, "elapsed_s": round(time.time() - t0, 1),
                "machine": {**machine_info(), "loadavg_start": load_start, "loadavg_end": loadavg()},
                "tools": {"lstar": lstar, "strace": strace, "strace_version": strace_version},
                "modes": [{"name": m.name, "label": m.label, "tool": m.tool} for m in modes],
                "skipped_modes": skipped_modes, "compare": COMPARE}
        table = render_table(meta, results, targets)
        sys.stdout.write(table)
        sys.stdout.flush()
        if args.json:
            doc = {**meta, "results": results, "targets": targets}
            text = json.dumps(doc, indent=1, allow_nan=False, default=lambda o: None)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).write_text(text + "\n")
                log(f"run_benchmarks: JSON written to {args.json}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
