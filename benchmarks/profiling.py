"""The simulator under the N=64 order load, profiled from outside with py-spy.

``py-spy record --pid PID --function --format raw`` samples the running simulator process
(the one the load runs against, unmodified) and writes one line per distinct stack with its
sample count. py-spy leaves out samples of a thread that is idle (waiting in epoll), so the
percentages are of the time the simulator was busy on the CPU — on a shared machine a
wall-clock profiler would also count the time the process waited for a core.

``top_self`` ranks functions by the samples in which they are the innermost frame;
``top_inclusive`` ranks the project's own functions (``eprom_verify/``) and a few library
hot spots by the samples in which they appear anywhere on the stack.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from .procs import BenchError
from .simulator_load import run_orders
from .stack import running_stack
from .stats import rounded

__all__ = ["parse_raw", "profile_simulator", "summarise"]

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")
_LIBRARY_SPOTS = (
    "fastapi/dependencies/utils.py:solve_dependencies",
    "fastapi/routing.py:serialize_response",
    "uvicorn/protocols/http/httptools_impl.py:send",
    "starlette/responses.py:__call__",
    "json/__init__.py:dumps",
    "json/__init__.py:loads",
)
_NOT_INTERESTING = ("<module>",)


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter or on PATH."""
    import sys  # noqa: PLC0415

    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile_simulator(
    folder: Path, *, orders: int, max_seconds: float, top: int = 12, rate: int = 250
) -> dict[str, Any]:
    """Run the N=64 load against a simulator while py-spy samples it; the top functions."""
    tool = py_spy()
    if tool is None:
        return {"status": "not run", "reason": "py-spy is not installed: pip install py-spy"}
    output = folder / "simulator.pyspy.txt"
    with running_stack(folder) as stack:
        run_orders(stack, concurrency=8, max_orders=200, max_seconds=20)  # warm-up
        command = [
            tool, "record", "--pid", str(stack.simulator.pid), "--function", "--format", "raw",
            "--rate", str(rate), "--output", str(output),
        ]  # fmt: skip
        recorder = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            figures = run_orders(stack, concurrency=64, max_orders=orders, max_seconds=max_seconds)
        finally:
            recorder.send_signal(signal.SIGINT)
            try:
                _, errors = recorder.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()
                _, errors = recorder.communicate()
    if not output.exists() or not output.stat().st_size:
        raise BenchError(f"py-spy wrote no profile (exit {recorder.returncode}): {errors[-400:]}")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return {
        "status": "ok",
        "tool": version.stdout.strip() or "py-spy",
        "load": {
            "concurrency": 64,
            "orders": figures["orders_accepted"],
            "orders_per_s_while_sampled": figures["orders_per_s"],
            "sample_rate_hz": rate,
        },
        **summarise(parse_raw(output.read_text(encoding="utf-8")), top=top),
    }


Stack = tuple[str, ...]


def parse_raw(text: str) -> Counter[Stack]:
    """py-spy's raw (collapsed) format: ``frame;frame;… count`` per line, outermost first."""
    stacks: Counter[Stack] = Counter()
    for line in text.splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks[tuple(_name(f) for f in frames.split(";"))] += int(count)
    return stacks


def _name(frame: str) -> str:
    """``place (eprom_verify/simulator/orders.py:97)`` → ``eprom_verify/simulator/orders.py:place``."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    return f"{_short(match.group('file'))}:{match.group('function')}"


def summarise(stacks: Counter[Stack], *, top: int = 12) -> dict[str, Any]:
    """Self and inclusive shares of the busy samples."""
    total = sum(stacks.values())
    if not total:
        raise BenchError("the profile holds no busy samples: was the simulator loaded?")
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        own[stack[-1]] += count
        for name in set(stack):
            inclusive[name] += count

    def rows(counter: Counter[str], keep: Any) -> list[dict[str, Any]]:
        chosen = [(n, c) for n, c in counter.most_common() if keep(n, c)][:top]
        return [{"function": n, "percent": rounded(100 * c / total, 1)} for n, c in chosen]

    def project(name: str, count: int) -> bool:
        if count >= total * 0.97 or name.rsplit(":", 1)[-1] in _NOT_INTERESTING:
            return False  # the frames every sample passes through say nothing
        return name.startswith("eprom_verify/") or name in _LIBRARY_SPOTS

    return {
        "busy_samples": total,
        "top_self": rows(own, lambda _n, _c: True),
        "top_inclusive": rows(inclusive, project),
    }


_ROOT = str(Path(__file__).resolve().parent.parent) + "/"


def _short(file: str) -> str:
    """A path as a reader finds it: below site-packages, the project or the stdlib."""
    for marker in ("/site-packages/", "/lib/python3.11/", "/lib/python3.12/", "/lib/python3.13/"):
        if marker in file:
            return file.split(marker, 1)[1]
    if file.startswith(_ROOT):
        return file[len(_ROOT) :]
    return file
