#!/usr/bin/env python3
"""What the file-system view costs: tar and gcc natively, under `lstar run
--root /` (every name resolved in the view, on both backends), under `lstar run
-f` with no view (the path without translation), and under `proot -r /`
(Debian's proot, the tool a user would pick instead) where it is installed.

    python3 bench/fs_view_bench.py --lstar build/cli/lstar [--reps N] [--quick]

`--root /` maps every name to itself, so the work is what any root costs: each
name walked component by component in the view on held descriptors (an openat
and an fstat per component, a readlink per link, the root's openat2) and handed
to the kernel as a way through them (/proc/<pid>/fd/<n>[/<last>]), written
into the call's arguments. Interleaved, median of
N wall times; nothing is asserted; the machine kind (FSGSBASE or not) is printed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from policy_bench import machine_kind, medians  # noqa: E402  (the same machine line and interleaved medians)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstar", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    lstar = str(Path(a.lstar).resolve())
    reps = 2 if a.quick else a.reps
    tmp = Path(tempfile.mkdtemp(prefix="lstar-fs-bench-"))
    proot = shutil.which("proot")
    print(f"machine: {machine_kind()}; {reps} repetitions, median wall time")
    workloads = {
        "tar of /usr/include": ["tar", "-cf", str(tmp / "out.tar"), "-C", "/usr", "include"],
        "gcc -c small.c": ["gcc", "-O1", "-c", str(BENCH_DIR / "workloads" / "small.c"), "-o", str(tmp / "small.o")],
    }
    modes = {
        "native": [],
        "lstar run -f (no view)": [lstar, "run", "-f", "--emulate", "getppid=1", "--"],
        "lstar run --root / (ptrace)": [lstar, "run", "--root", "/", "--"],
        "lstar run --root / (inproc)": [lstar, "run", "--backend=inproc", "--root", "/", "--"],
    }
    if proot:
        modes["proot -r /"] = [proot, "-r", "/"]
    print("\n| workload | " + " | ".join(modes) + " |")
    print("| --- |" + " ---: |" * len(modes))
    for name, argv in workloads.items():
        if not shutil.which(argv[0]):
            print(f"| {name} | skipped: no {argv[0]} |")
            continue
        m = medians({k: prefix + argv for k, prefix in modes.items()}, reps)
        cells = [f"{m['native'] * 1e3:.1f} ms"] + [f"{m[k] * 1e3:.1f} ms ({m[k] / m['native']:.2f}×)" for k in list(modes)[1:]]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if not proot:
        print("\nproot is not installed (apt-get install proot): no PRoot column")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
