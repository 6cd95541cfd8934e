"""The benchmarks can start the simulator with ``--workers`` and bill its workers' CPU.

No timing is asserted: what is checked is the CPU accounting of a process tree and the
option's parsing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.procs import cpu_seconds, tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent

_BURN = (
    "import sys, time\n"
    "while time.process_time() < 0.3: pass\n"
    "print('burnt', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_process_trees_cpu_includes_its_living_children() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "burnt"
        own, tree = cpu_seconds(child.pid), tree_cpu_seconds(child.pid)
        assert tree == own, "a process without children: the tree is the process"
        mine, whole = cpu_seconds(os.getpid()), tree_cpu_seconds(os.getpid())
        assert whole - mine >= 0.25, (
            f"the child used 0.3 s of CPU, the tree adds only {whole - mine:.2f} s"
        )
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)


def test_bad_worker_counts_are_one_line_and_exit_2() -> None:
    for value in ("0", "two", "1,,2"):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks", "--only", "orders", "--workers", value],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2, (value, done.stdout[-500:], done.stderr[-500:])
        assert done.stderr.strip().count("\n") == 0, done.stderr
        assert "--workers" in done.stderr
