#!/usr/bin/env python3
"""bench_smoke: runs run_benchmarks.py on tiny workloads (one repetition) and checks
that it prints a well-formed table and JSON. Timings are never checked.

Exit status: 0 pass, 1 fail, 77 skipped (reason printed: strace missing, ptrace
not permitted).
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = 77


def skip(reason: str) -> int:
    print(f"SKIP: bench_smoke: {reason}")
    return SKIP


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lstar", required=True)
    p.add_argument("--bench-dir", required=True)
    p.add_argument("--strace", default="/usr/bin/strace")
    args = p.parse_args()

    strace = args.strace if os.access(args.strace, os.X_OK) else shutil.which("strace")
    if not strace:
        return skip("strace is not installed (Debian package: strace); the harness compares with it")
    probe = subprocess.run([strace, "-f", "-o", "/dev/null", "--", "/bin/true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return skip(f"ptrace is not permitted here (strace -f /bin/true: {probe.stderr.strip()[:200]})")
    if not os.access(args.lstar, os.X_OK):
        print(f"FAIL: bench_smoke: no lstar binary at {args.lstar}")
        return 1

    sys.path.insert(0, str(HERE))
    import run_benchmarks as rb  # the mode and workload names the output must show

    errors = []
    with tempfile.TemporaryDirectory(prefix="lstar-bench-smoke.") as tmp:
        out_json = Path(tmp) / "out.json"
        cmd = [sys.executable, str(HERE / "run_benchmarks.py"), "--lstar", args.lstar,
               "--bench-dir", args.bench_dir, "--strace", strace, "--quick", "--reps", "1",
               "--micro-iterations", "200", "--script-iterations", "1", "--timeout", "60",
               "--json", str(out_json)]
        print("$ " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=540)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            print(f"FAIL: bench_smoke: harness exited with status {r.returncode}")
            return 1
        table = r.stdout
        try:
            doc = json.loads(out_json.read_text())
        except (OSError, ValueError) as e:
            print(f"FAIL: bench_smoke: JSON not written or not valid: {e}")
            return 1

    workloads = ["getppid", "write64", "openat", "busybox_sh", "tar", "startup", "python", "gcc"]
    modes = rb.MODES

    # --- the table
    lines = table.splitlines()
    if not lines or not lines[0].startswith("# lstar benchmarks"):
        errors.append("table: first line is not the '# lstar benchmarks' header")
    for w in workloads:
        sec = [i for i, l in enumerate(lines) if l.startswith(f"## {w} (")]
        if len(sec) != 1:
            errors.append(f"table: {len(sec)} sections for workload {w}")
            continue
        i = sec[0]
        if not lines[i + 1].split() or lines[i + 1].split()[0] != "mode" or "x native" not in lines[i + 1]:
            errors.append(f"table: {w}: no column header")
        body = lines[i + 2:i + 2 + len(modes)]
        for m, l in zip(modes, body):
            if not l.startswith(m.label):
                errors.append(f"table: {w}: expected a row for '{m.label}', got '{l[:60]}'")
                continue
            rest = l[len(m.label):].split()
            if rest and rest[0] == "n/a":
                continue
            if len(rest) != 5:
                errors.append(f"table: {w}: row '{m.label}' has {len(rest)} columns, not 5: {rest}")
                continue
            try:
                float(rest[0]); float(rest[2])
            except ValueError:
                errors.append(f"table: {w}: row '{m.label}': not numbers: {rest}")
    if "## targets (reported, not asserted)" not in lines:
        errors.append("table: no targets section")
    elif sum(1 for l in lines if l.startswith("- ") and " met on " in l) != len(rb.TARGETS):
        errors.append("table: targets section does not list every target")

    # --- the JSON
    def finite(x):
        return isinstance(x, (int, float)) and math.isfinite(x)

    if doc.get("schema") != rb.SCHEMA:
        errors.append(f"json: schema {doc.get('schema')!r}")
    for key in ("machine", "tools", "modes", "results", "targets", "reps"):
        if key not in doc:
            errors.append(f"json: no '{key}'")
    results = {r.get("workload"): r for r in doc.get("results", [])}
    if sorted(results) != sorted(workloads):
        errors.append(f"json: workloads {sorted(results)}")
    na = []
    for w, res in results.items():
        if res.get("error"):
            na.append(f"{w}: {res['error']}")
        if not (res.get("syscalls") is None or (isinstance(res["syscalls"], int) and res["syscalls"] > 0)):
            errors.append(f"json: {w}: syscalls {res.get('syscalls')!r}")
        rows = {m.get("mode"): m for m in res.get("modes", [])}
        if list(rows) != [m.name for m in modes]:
            errors.append(f"json: {w}: modes {list(rows)}")
        for name, row in rows.items():
            if "median_s" in row:
                if not (finite(row["median_s"]) and row["median_s"] > 0 and row.get("runs") == 1):
                    errors.append(f"json: {w}/{name}: bad median/runs {row.get('median_s')!r} {row.get('runs')!r}")
                if not finite(row.get("ratio")):
                    errors.append(f"json: {w}/{name}: no ratio")
                if res.get("syscalls") and not finite(row.get("added_us_per_call")):
                    errors.append(f"json: {w}/{name}: no added_us_per_call")
                if name in rb.COMPARE and "median_s" in rows.get(rb.COMPARE[name], {}):
                    v = row.get("of_strace_added")
                    if not (v is None or finite(v)):
                        errors.append(f"json: {w}/{name}: of_strace_added {v!r}")
            elif not (isinstance(row.get("error"), str) and row["error"]):
                errors.append(f"json: {w}/{name}: neither a median nor an error")
            else:
                na.append(f"{w}/{name}: {row['error']}")
        if not res.get("error") and "median_s" not in rows.get("native", {}):
            errors.append(f"json: {w}: native did not run")
    if len(doc.get("targets", [])) != len(rb.TARGETS):
        errors.append("json: targets incomplete")

    for n in na:
        print(f"note: not measured: {n}")
    if errors:
        for e in errors:
            print(f"FAIL: {e}")
        return 1
    print(f"PASS: bench_smoke: table and JSON well formed ({len(results)} workloads x {len(modes)} modes, "
          f"{len(na)} not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
