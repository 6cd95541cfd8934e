"""Servers in their own processes: start, wait until they listen, read their memory, stop.

Every server binds 127.0.0.1 on a free port (``--port 0``) and says which one on a line of
its output; :class:`Server` waits for that line (bounded) and keeps the rest of the output
in a file for the error message if the server dies. Memory and CPU come from ``/proc``
(psutil is not a dependency): ``VmHWM`` is the peak resident set, ``VmRSS`` the current one.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

__all__ = [
    "BenchError",
    "ProcStats",
    "Server",
    "cpu_seconds",
    "tree_cpu_seconds",
    "free_port",
    "proc_stats",
    "reset_peak_rss",
    "python_command",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class BenchError(RuntimeError):
    """A measurement could not be made; the message says what failed and what to check."""


class ProcStats:
    """Memory (bytes) and CPU time (seconds) of one process at one moment."""

    def __init__(self, rss: int, peak_rss: int, cpu_s: float) -> None:
        self.rss = rss
        self.peak_rss = peak_rss
        self.cpu_s = cpu_s


def proc_stats(pid: int) -> ProcStats:
    """``VmRSS``, ``VmHWM`` and user+system CPU of process ``pid`` (Linux ``/proc``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError as exc:
        raise BenchError(f"cannot read /proc/{pid}/status ({exc.strerror}): did it exit?") from None
    values = {
        name: int(number) * 1024
        for name, number in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE)
    }
    return ProcStats(values.get("VmRSS", 0), values.get("VmHWM", 0), cpu_seconds(pid))


def reset_peak_rss(pid: int) -> bool:
    """Reset ``VmHWM`` of process ``pid`` to its current RSS; False where Linux refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and its children: the living ones (read from /proc) and the
    ended ones it reaped (``cutime``, ``cstime``) — a simulator with ``--workers N``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            child = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(child[1]) == pid:
            ticks += int(child[11]) + int(child[12])
    return ticks / _CLOCK_TICKS


def python_command(module: str, *args: str) -> list[str]:
    """``python -m module args`` with this interpreter (the venv's)."""
    return [sys.executable, "-m", module, *args]


class Server:
    """A server process; ``with Server(cmd, ready=regex) as s: s.port``.

    ``ready`` must match a line of the server's stdout or stderr and capture the port in
    group ``port``; or give ``port`` (chosen by :func:`free_port`) and the server is ready
    when that port accepts a connection. Stops with SIGINT, then SIGKILL after
    ``stop_timeout_s``.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        name: str,
        ready: str | None = None,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 5.0,
    ) -> None:
        if (ready is None) == (port is None):
            raise ValueError("give exactly one of ready (a regex with a 'port' group) or port")
        self.command = list(command)
        self.name = name
        self._ready = re.compile(ready) if ready is not None else None
        self._fixed_port = port
        self._env = {**os.environ, **(env or {})}
        self._cwd = cwd if cwd is not None else PROJECT_ROOT  # `-m benchmarks…` resolves here
        self._start_timeout = start_timeout_s
        self._stop_timeout = stop_timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self._port: int | None = None
        self._found = threading.Event()
        self._pump_thread: threading.Thread | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise BenchError(f"{self.name} is not running")
        return self._proc.pid

    @property
    def port(self) -> int:
        if self._port is None:
            raise BenchError(f"{self.name} has not said which port it listens on")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> ProcStats:
        return proc_stats(self.pid)

    def start(self) -> Self:
        self._log = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        self._proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=self._env,
            cwd=self._cwd,
            bufsize=1,
        )
        self._pump_thread = threading.Thread(
            target=self._pump, name=f"{self.name}-output", daemon=True
        )
        self._pump_thread.start()
        if self._fixed_port is not None:
            if _wait_for_port(self._fixed_port, self._start_timeout, alive=self.alive):
                self._port = self._fixed_port
        else:
            self._found.wait(self._start_timeout)
        if self._port is None:
            exited = not self.alive()
            self._found.wait(1.0)  # let the output thread catch up with an exit
            tail = self.output_tail()
            self.stop()
            what = "exited" if exited else f"did not listen within {self._start_timeout:g} s"
            raise BenchError(
                f"{self.name} {what} (command: {' '.join(self.command[:4])} …); "
                f"its output: {tail!r}"
            )
        return self

    def _pump(self) -> None:
        proc, log = self._proc, self._log
        if proc is None or proc.stdout is None or log is None:
            return
        try:
            for line in proc.stdout:
                if self._port is None and self._ready is not None:
                    match = self._ready.search(line)
                    if match:
                        self._port = int(match.group("port"))
                        self._found.set()
                log.write(line)
        except (ValueError, OSError):  # the pipe or the log was closed by stop()
            pass
        finally:
            self._found.set()  # exited: stop waiting

    def output_tail(self, chars: int = 600) -> str:
        if self._log is None:
            return ""
        try:
            self._log.flush()
            self._log.seek(0)
            text = self._log.read()
        except ValueError:
            return ""
        return text[-chars:].strip()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self._stop_timeout)
        if self._pump_thread is not None:
            self._pump_thread.join(self._stop_timeout)  # EOF once the process is gone
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def free_port() -> int:
    """A port that was free a moment ago (for servers that cannot bind port 0 themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, timeout_s: float, *, alive: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False
