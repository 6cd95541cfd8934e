"""The run's embedded simulator in a process of its own (issue 25).

One Python process computes on one core at a time (the GIL). With the simulator in a thread
of ``eprom-verify run``, every request the run sends is answered on the run's own core,
between the run's own steps. In a child process the simulator answers on another core, and
its imports (FastAPI, uvicorn: about half a second) overlap the run's start.

The child is **forked** at the very beginning of the run (:func:`start_simulator_early`),
before the run has a second thread: it shares what the run imported so far (pydantic, the
contract, the settings) instead of importing it again, so the process costs no CPU time
beyond the server's own imports — which the run itself then no longer makes (the package
imports them lazily). Where ``os.fork`` is missing or unsafe (not Linux, or threads already
running) nothing is started early and the run serves its simulator in a thread as before.

The protocol, over two pipes (nothing on disk: the settings carry the API key):

* the child imports the server and waits for the settings;
* the run writes them (pickled, length first); the child serves them on a free loopback
  port and answers one JSON line ``{"ready": PORT}``;
* the run closes its end to stop the child — at its end, on a signal, or by dying, so the
  child never outlives it. The child ignores SIGINT (a terminal sends it to the whole
  process group; the run decides), stops uvicorn as the thread does, and answers
  ``{"errors": [...]}`` with the simulator's internal errors, if any, before it exits.

The child's stderr (uvicorn's warnings) goes through a third pipe; the run keeps its last
lines and shows them, with the API key and the control token redacted, when the child fails.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

__all__ = [
    "MODE_ENV",
    "ServedSimulator",
    "SimulatorProcess",
    "run_in_process",
    "start_simulator_early",
    "take_early_process",
]

#: ``thread`` serves the run's embedded simulator in a thread of the run (one process)
MODE_ENV = "EPROM_EMBEDDED_SIMULATOR"
_START_TIMEOUT = 20.0
_STOP_TIMEOUT = 15.0
_STDERR_LINES = 100


def can_fork() -> bool:
    """Fork only where it is safe: Linux, and this process has one thread."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class SimulatorProcess:
    """A forked child that serves the simulator once it is given the settings."""

    def __init__(self) -> None:
        settings_r, self._settings_w = os.pipe()
        messages_r, messages_w = os.pipe()
        errors_r, errors_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(self._settings_w)
                os.close(messages_r)
                os.close(errors_r)
                code = _serve(settings_r, messages_w, errors_w)
            finally:
                os._exit(code)
        self.pid = pid
        os.close(settings_r)
        os.close(messages_w)
        os.close(errors_w)
        self._lines: deque[str] = deque()
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES)
        self._changed = threading.Condition()
        self._ended = False
        self._returncode: int | None = None
        self._readers = [
            threading.Thread(target=self._read_messages, args=(messages_r,), daemon=True,
                             name="eprom-simulator-messages"),
            threading.Thread(target=self._read_stderr, args=(errors_r,), daemon=True,
                             name="eprom-simulator-stderr"),
        ]  # fmt: skip
        for reader in self._readers:
            reader.start()

    def _read_messages(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            for raw in stream:
                with self._changed:
                    self._lines.append(raw.decode("utf-8", "replace"))
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def _read_stderr(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            for raw in stream:
                self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def next_message(self, timeout: float) -> dict[str, Any] | None:
        """The child's next JSON line; None when it ended or ``timeout`` passed first."""
        with self._changed:
            self._changed.wait_for(lambda: bool(self._lines) or self._ended, timeout=timeout)
            if not self._lines:
                return None
            line = self._lines.popleft()
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            return {"noise": line}
        return message

    def send_settings(self, settings: Any) -> None:
        """Hand the child its settings (it starts serving them)."""
        data = pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL)
        payload = b"%d\n" % len(data) + data
        while payload:
            written = os.write(self._settings_w, payload)
            payload = payload[written:]

    def close(self) -> None:
        """Tell the child to stop (it stops when this end of the pipe closes)."""
        if self._settings_w >= 0:
            with suppress(OSError):
                os.close(self._settings_w)
            self._settings_w = -1

    def wait(self, timeout: float) -> int | None:
        """The child's exit code once it ended, None if it is still running after ``timeout``."""
        deadline = _now() + timeout
        while self._returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._returncode = os.waitstatus_to_exitcode(status)
                break
            if _now() > deadline:
                return None
            threading.Event().wait(0.01)
        return self._returncode

    def kill(self) -> None:
        if self._returncode is None:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.wait(timeout=_STOP_TIMEOUT)

    def stderr_tail(self, secrets: tuple[str, ...] = ()) -> list[str]:
        """The child's last stderr lines, with ``secrets`` redacted."""
        from eprom_verify.redact import Redactor

        redactor = Redactor(secrets=[s for s in secrets if s], mask_national_ids=False)
        return [redactor.text(line) for line in self._stderr]


def _now() -> float:
    import time

    return time.monotonic()


_early: SimulatorProcess | None = None
_early_lock = threading.Lock()


def start_simulator_early() -> bool:
    """Fork the simulator's process now, at the beginning of ``eprom-verify run``.

    It imports the server while the run starts pytest and collects; the run's session hands
    it the settings (:func:`run_in_process`). False where forking is not safe (see
    :func:`can_fork`) or ``EPROM_EMBEDDED_SIMULATOR=thread`` asks for one process (for a
    debugger or a profiler): the run then serves its simulator in a thread.
    """
    global _early
    mode = os.environ.get(MODE_ENV, "process")
    if mode not in ("process", "thread"):
        from eprom_verify._exceptions import UsageError

        raise UsageError(f"{MODE_ENV}={mode!r} is not known — use 'process' or 'thread'")
    if mode == "thread":
        return False
    with _early_lock:
        if _early is None and can_fork():
            _early = SimulatorProcess()
        return _early is not None


def take_early_process() -> SimulatorProcess | None:
    """The process :func:`start_simulator_early` started, once; None if there is none."""
    global _early
    with _early_lock:
        process, _early = _early, None
    return process


def discard_early_process() -> None:
    """End a process started early that the run did not use (a usage error, no session)."""
    process = take_early_process()
    if process is not None:
        process.close()
        if process.wait(timeout=_STOP_TIMEOUT) is None:
            process.kill()


class ServedSimulator:
    """The simulator serving in a child process: what the run reads of it — the settings,
    the URLs, the control API — as :class:`~.server.RunningSimulator` gives for a thread."""

    def __init__(self, settings: Any, process: SimulatorProcess, port: int) -> None:
        from eprom_verify.simulator.control import ControlClient

        self.settings = settings
        self.host = "127.0.0.1"
        self.port = port
        self._process = process
        self._errors: list[BaseException] = []
        self.control = ControlClient(self.root_url, token=settings.control_token)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The ePROM API base (``promsApiBaseUrl``): ``http://127.0.0.1:PORT/promswebapi``."""
        return f"{self.root_url}/promswebapi"

    @property
    def api_key(self) -> str:
        """The API key of the first ordering system in the settings."""
        key: str = self.settings.api_key
        return key

    @property
    def errors(self) -> list[BaseException]:
        return list(self._errors)

    def check_errors(self) -> None:
        """Raise :class:`SimulatorError` if anything failed inside the simulator."""
        from eprom_verify.simulator.errors import SimulatorError

        if self._errors:
            raise SimulatorError(self._errors)

    def _secrets(self) -> tuple[str, ...]:
        keys = tuple(system.api_key for system in self.settings.ordering_systems)
        return (*keys, self.settings.control_token or "")

    def stop(self) -> None:
        """Stop the child and collect what it says failed inside it."""
        self.control.close()
        self._process.close()
        message = self._process.next_message(timeout=_STOP_TIMEOUT)
        while message is not None and "errors" not in message:
            message = self._process.next_message(timeout=_STOP_TIMEOUT)
        if self._process.wait(timeout=_STOP_TIMEOUT) is None:
            self._process.kill()
            self._errors.append(TimeoutError("the simulator's process did not stop; killed"))
        if message is None:
            tail = "; ".join(self._process.stderr_tail(self._secrets())[-5:])
            self._errors.append(
                RuntimeError(f"the simulator's process ended without a word: {tail or '-'}")
            )
        else:
            from eprom_verify.redact import Redactor

            redactor = Redactor(secrets=[s for s in self._secrets() if s], mask_national_ids=False)
            self._errors += [RuntimeError(redactor.text(text)) for text in message["errors"]]


@contextmanager
def run_in_process(process: SimulatorProcess, settings: Any) -> Iterator[ServedSimulator]:
    """Serve ``settings`` in ``process`` on a free loopback port while the block runs."""
    from eprom_verify.simulator.errors import SimulatorError

    try:
        process.send_settings(settings)
    except OSError:
        pass  # it ended already: said below
    message = process.next_message(timeout=_START_TIMEOUT)
    if message is None or "ready" not in message:
        process.close()
        process.kill()
        secrets = (*(s.api_key for s in settings.ordering_systems), settings.control_token or "")
        said = [*(message or {}).get("errors", []), *process.stderr_tail(secrets)[-5:]]
        detail = " | ".join(line.strip() for line in said if line.strip()) or "no answer"
        raise SimulatorError([RuntimeError(f"the simulator's process did not start: {detail}")])
    served = ServedSimulator(settings, process, int(message["ready"]))
    try:
        yield served
    finally:
        served.stop()
    served.check_errors()


def _serve(settings_r: int, messages_w: int, errors_w: int) -> int:
    """The child's side: wait for the settings, serve them until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run stops us by closing the pipe
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.dup2(errors_w, 2)
    os.close(errors_w)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)  # nothing of the run's terminal: the messages have their own pipe
    os.close(null)

    def say(message: dict[str, Any]) -> None:
        os.write(messages_w, (json.dumps(message) + "\n").encode())

    with os.fdopen(settings_r, "rb") as stream:
        from eprom_verify.simulator.errors import SimulatorError
        from eprom_verify.simulator.server import run_in_thread

        header = stream.readline()
        if not header:
            return 0  # the run ended before it needed us
        settings = pickle.loads(stream.read(int(header)))
        try:
            with run_in_thread(settings) as running:
                say({"ready": running.port})
                while stream.read(65536):
                    pass
        except SimulatorError as exc:
            say({"errors": [f"{type(e).__name__}: {e}" for e in exc.errors]})
            return 1
        except Exception as exc:  # noqa: BLE001 - told to the run, which raises it
            say({"errors": [f"{type(exc).__name__}: {exc}"]})
            return 1
    say({"errors": []})
    return 0
