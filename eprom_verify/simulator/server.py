"""Serving the simulator: in a background thread (tests) or in the foreground (the CLI).

:func:`run_in_thread` binds the port first (so "port in use" is one clear error), starts
uvicorn with one worker in a daemon thread and returns when the app is ready (well under a
second). Errors of the server thread are collected and raised in the caller's thread: when
the ``with`` block ends, or at any time with :meth:`RunningSimulator.check_errors`.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from eprom_verify._exceptions import PortInUse, UsageError
from eprom_verify.simulator.app import create_app
from eprom_verify.simulator.control import ControlClient
from eprom_verify.simulator.engine import Engine
from eprom_verify.simulator.errors import SimulatorError
from eprom_verify.simulator.settings import SimulatorSettings, check_control_token

__all__ = [
    "KEEP_ALIVE_SECONDS",
    "PortInUse",
    "RunningSimulator",
    "SignalStop",
    "bind",
    "run_in_thread",
    "uvicorn_config",
]

_START_TIMEOUT = 15.0
#: How long an idle keep-alive connection stays open. Well beyond any client pool's expiry
#: (httpx: 5 s), so the client always closes first and never reuses a socket the server
#: has just closed (``ReadError: [Errno 104] Connection reset by peer`` under CPU load).
KEEP_ALIVE_SECONDS = 75


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (0: a free port), or :class:`PortInUse`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP;
    # without it a response written in two parts waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} on {host} is in use — choose another with --port"
            ) from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: FastAPI) -> uvicorn.Config:
    """One worker, no access log, httptools/uvloop when installed, long keep-alive."""
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        backlog=2048,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


class SignalStop:
    """A SIGTERM or SIGINT ends a foreground server gracefully, whenever it comes.

    A Python signal handler runs between two bytecodes of the main thread, wherever it is.
    Raising there (:class:`KeyboardInterrupt`) is safe in a loop of our own, not while
    FastAPI builds its validators (pydantic turns the exception into a ``SchemaError``), an
    event loop is set up (uvloop is left "already running") or a weakref callback runs
    (Python ignores the exception: the signal is lost and the server runs on). A service
    manager may stop a service at any time, just after its start included. So a signal
    handler calls this object, which only *notes* the request and asks the server to stop
    (uvicorn's ``should_exit``, checked every tick, also before its main loop): the server
    finishes starting, then shuts down cleanly. Only inside :meth:`interruptible` — a wait
    of our own, such as a supervisor's ``waitpid`` — does the call raise
    :class:`KeyboardInterrupt` to wake it. Once uvicorn serves it catches the signals
    itself, and raises the signal again to this handler once it has stopped.
    """

    def __init__(self) -> None:
        self.requested = False
        self._server: uvicorn.Server | None = None
        self._waiting = False

    def __call__(self) -> None:
        """From a signal handler: note the stop, end the server, wake a wait."""
        self.requested = True
        if self._server is not None:
            self._server.should_exit = True
        if self._waiting:
            self._waiting = False
            raise KeyboardInterrupt

    def serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        """Run ``server`` on ``sock`` unless a stop came first; returns when it stopped."""
        self._server = server  # before the check: a signal after it still ends the server
        if not self.requested:
            server.run(sockets=[sock])

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """A blocking wait that a stop ends with :class:`KeyboardInterrupt` (also one that
        came before it)."""
        self._waiting = True  # first: a signal from here on raises, none is missed
        try:
            if self.requested:
                raise KeyboardInterrupt
            yield
        finally:
            self._waiting = False


@dataclass
class RunningSimulator:
    """A simulator serving in a background thread."""

    settings: SimulatorSettings
    host: str
    port: int
    app: FastAPI
    control: ControlClient
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _thread_errors: list[BaseException] = field(default_factory=list, repr=False)

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The ePROM API base (``promsApiBaseUrl``): ``http://127.0.0.1:PORT/promswebapi``."""
        return f"{self.root_url}/promswebapi"

    @property
    def api_key(self) -> str:
        """The API key of the first ordering system in the settings."""
        return self.settings.api_key

    @property
    def engine(self) -> Engine:
        """The running engine (read it only; it belongs to the server thread)."""
        engine: Engine = self.app.state.engine
        return engine

    @property
    def errors(self) -> list[BaseException]:
        engine: Engine | None = getattr(self.app.state, "engine", None)
        return [*self._thread_errors, *(engine.errors if engine is not None else [])]

    def check_errors(self) -> None:
        """Raise :class:`SimulatorError` if anything failed inside the simulator so far."""
        errors = self.errors
        if errors:
            raise SimulatorError(errors)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.control.close()


@contextmanager
def run_in_thread(
    settings: SimulatorSettings, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSimulator]:
    """Serve ``settings`` on ``host:port`` (0 = a free port) while the ``with`` block runs.

    Beyond loopback ``settings.control_token`` is required (:class:`UsageError` otherwise).
    """
    check_control_token(settings.control_token, host)
    sock = bind(host, port)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app))
    thread_errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            thread_errors.append(exc)

    thread = threading.Thread(target=serve, name="eprom-simulator", daemon=True)
    bound_port = sock.getsockname()[1]
    running = RunningSimulator(
        settings=settings,
        host=host,
        port=bound_port,
        app=app,
        control=ControlClient(
            f"http://[{host}]:{bound_port}" if ":" in host else f"http://{host}:{bound_port}",
            token=settings.control_token,
        ),
        _server=server,
        _thread=thread,
        _thread_errors=thread_errors,
    )
    thread.start()
    try:
        _wait_started(server, thread, thread_errors)
        yield running
    finally:
        running.stop()
        sock.close()
    running.check_errors()


def _wait_started(
    server: uvicorn.Server, thread: threading.Thread, errors: list[BaseException]
) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if errors:
            raise SimulatorError(errors)
        if not thread.is_alive():
            raise SimulatorError(
                [RuntimeError("the simulator stopped while starting (see the log)")]
            )
        if time.monotonic() > deadline:
            raise SimulatorError(
                [TimeoutError(f"the simulator did not start in {_START_TIMEOUT:g} s")]
            )
        time.sleep(0.005)
