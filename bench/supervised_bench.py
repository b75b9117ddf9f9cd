#!/usr/bin/env python3
"""What a supervised rule costs per open: openat+close pairs (bench/workloads/
openat_close.c) natively, under a kernel-only policy (`--deny uname`), and under
a supervised rule that does not match the file (`--deny-glob`, so every open
goes to lstar's supervisor, which opens the file itself and installs the
descriptor with SECCOMP_IOCTL_NOTIF_ADDFD), with strace stopping at each openat
(a ptrace round trip per call) for scale. All with -q, --backend=ptrace.

    python3 bench/supervised_bench.py --lstar build/cli/lstar --bench-dir build/bench [--reps N] [--quick]

Nothing is asserted; the machine kind is printed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from policy_bench import machine_kind, medians  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstar", required=True)
    ap.add_argument("--bench-dir", default=str(Path(__file__).resolve().parent.parent / "build" / "bench"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    lstar = str(Path(a.lstar).resolve())
    loop = Path(a.bench_dir) / "openat_close"
    if not loop.exists():
        sys.exit(f"supervised_bench: no {loop} (build the bench_workloads target)")
    reps = 2 if a.quick else a.reps
    n = 2000 if a.quick else 20000
    prog = [str(loop), str(n), "/etc/hostname"]
    commands = {
        "native": prog,
        "kernel-only policy (--deny uname)": [lstar, "run", "-q", "--backend=ptrace", "--deny", "uname", "--", *prog],
        "supervised (--deny-glob '/home/*/.ssh/**')": [lstar, "run", "-q", "--backend=ptrace", "--deny-glob", "/home/*/.ssh/**",
                                                       "--", *prog],
    }
    if shutil.which("strace"):
        commands["strace -e trace=openat (ptrace stop per open)"] = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=openat", *prog]
    print(f"machine: {machine_kind()}; {n} openat+close pairs, {reps} repetitions, median wall time")
    m = medians(commands, reps)
    base = m["native"] / n
    unsup = m["kernel-only policy (--deny uname)"] / n
    print("\n| openat+close | wall | per pair | / native | / unsupervised |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for k, t in m.items():
        per = t / n
        print(f"| {k} | {t * 1e3:.0f} ms | {per * 1e6:.1f} us | {per / base:.1f} | {per / unsup:.1f} |")


if __name__ == "__main__":
    main()
