#!/usr/bin/env python3
"""What the policy sandbox costs: kernel-only policies against native, and a
300-rule filter's cost per call against the unfiltered call.

    python3 bench/policy_bench.py --lstar build/cli/lstar --bench-dir build/bench [--reps N] [--quick]

1. Real workloads (busybox script, tar, python3, gcc): each runs natively and
   under `lstar run -q --policy P`, where P is the policy `lstar policy learn`
   made from the same workload (kernel-enforced only: with -q, lstar enters the
   sandbox and execs the program in its own place). Interleaved, median of N.
2. getppid loop (10^6 calls) natively, under an allow-all policy with one rule,
   and under a policy of 300 rules (300 calls allowed one by one, getppid the
   last one written): the added cost per call, and the filtered call's cost as a
   multiple of the unfiltered one.
Nothing is asserted; the machine kind (FSGSBASE or not) is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def machine_kind() -> str:
    flags = Path("/proc/cpuinfo").read_text()
    model = next((l.split(":", 1)[1].strip() for l in flags.splitlines() if l.startswith("model name")), "?")
    return f"{model}, {'with' if ' fsgsbase' in flags else 'without'} FSGSBASE, kernel {os.uname().release}"


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"policy_bench: {' '.join(argv)} failed ({r.returncode}): {r.stderr.decode()[-400:]}")
    return elapsed


def medians(commands: dict[str, list[str]], reps: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in commands}
    keys = list(commands)
    for rep in range(reps):
        for k in keys[rep % len(keys):] + keys[: rep % len(keys)]:  # rotate the order
            times[k].append(timed(commands[k]))
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstar", required=True)
    ap.add_argument("--bench-dir", default=str(BENCH_DIR.parent / "build" / "bench"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    lstar = str(Path(a.lstar).resolve())
    reps = 2 if a.quick else a.reps
    tmp = Path(tempfile.mkdtemp(prefix="lstar-policy-bench-"))
    print(f"machine: {machine_kind()}; {reps} repetitions, median wall time")

    workloads = {
        "busybox_sh (100 iterations)": ["busybox", "sh", str(BENCH_DIR / "workloads" / "busybox_script.sh"), "20" if a.quick else "100"],
        "tar of /usr/include": ["tar", "-cf", str(tmp / "out.tar"), "-C", "/usr", "include"],
        "python3 -c 'import json'": ["python3", "-c", "import json"],
        "gcc -c small.c": ["gcc", "-O1", "-c", str(BENCH_DIR / "workloads" / "small.c"), "-o", str(tmp / "small.o")],
    }
    print("\n| workload | native | `lstar run -q --policy` (learned, kernel only) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, argv in workloads.items():
        if not shutil.which(argv[0]):
            print(f"| {name} | skipped: no {argv[0]} | | |")
            continue
        policy = tmp / "learned.toml"
        subprocess.run([lstar, "policy", "learn", "-f", "-o", str(policy), "--", *argv], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        m = medians({"native": argv, "policy": [lstar, "run", "-q", "--policy", str(policy), "--", *argv]}, reps)
        print(f"| {name} | {m['native'] * 1e3:.1f} ms | {m['policy'] * 1e3:.1f} ms | {m['policy'] / m['native']:.3f} |")

    loop = Path(a.bench_dir) / "getppid_loop"
    if not loop.exists():
        sys.exit(f"policy_bench: no {loop} (build the bench_workloads target)")
    n = 200000 if a.quick else 1000000
    names = [l.split()[1] for l in subprocess.run([lstar, "table", "--abi", "x86_64"], capture_output=True, text=True).stdout.splitlines()
             if len(l.split()) > 2 and l.split()[0].isdigit() and l.split()[2] != "sys_ni_syscall"]
    names = [x for x in names if x not in ("getppid",)][:299] + ["getppid"]
    big = tmp / "300.toml"
    big.write_text('default = "errno:EPERM"\nabi = ["x86_64"]\n' +
                   "".join(f'[[rule]]\ncalls = ["{x}"]\naction = "allow"\n' for x in names))
    small = tmp / "1.toml"
    small.write_text('default = "allow"\nabi = ["x86_64"]\n[[rule]]\ncalls = ["uname"]\naction = "errno"\n')
    m = medians({
        "native": [str(loop), str(n)],
        "1 rule": [lstar, "run", "-q", "--policy", str(small), "--", str(loop), str(n)],
        "300 rules": [lstar, "run", "-q", "--policy", str(big), "--", str(loop), str(n)],
    }, reps)
    base = m["native"] / n
    print(f"\n| getppid loop ({n} calls) | wall | per call | per call / unfiltered |")
    print("| --- | ---: | ---: | ---: |")
    for k in ("native", "1 rule", "300 rules"):
        per = m[k] / n
        print(f"| {k} | {m[k] * 1e3:.1f} ms | {per * 1e9:.0f} ns | {per / base:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
