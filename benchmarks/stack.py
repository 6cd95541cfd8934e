"""The simulator and a callback sink, each in its own process, wired to each other.

``python -m eprom_verify simulator --port 0 --config FILE --db FILE`` runs the simulator
exactly as a user runs it; the config registers one ordering system whose callbacks go to
the sink (:mod:`benchmarks.sink`). The load generator (this process) therefore shares no
GIL with either. The API key is made up per run and written only to the config file in a
temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from eprom_verify.contract import FormOrderRequest

from .procs import BenchError, Server, python_command

__all__ = [
    "FORM_ID",
    "Stack",
    "order_body",
    "running_stack",
    "sink_server",
    "simulator_server",
]

#: RAND-12 in fixtures/forms.yaml: published, no signing.
FORM_ID = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
#: The documented verification person: Basic → Helsenorge, a status callback "Ordered".
NATIONAL_ID = "26670271527"
_SIM_READY = r"promsApiBaseUrl http://127\.0\.0\.1:(?P<port>\d+)/"
_SINK_READY = r"listening on 127\.0\.0\.1:(?P<port>\d+)"


def order_body() -> bytes:
    """A valid form order (contract §3.1), as the JSON bytes the client sends."""
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    request = FormOrderRequest(
        form_id=FORM_ID,
        national_id=NATIONAL_ID,
        expiry_date=expiry.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        metadata='{"benchmark":true}',
    )
    return json.dumps(request.to_wire(), ensure_ascii=False).encode()


def sink_server() -> Server:
    return Server(python_command("benchmarks.sink", "--port", "0"), ready=_SINK_READY, name="sink")


#: How a baseline tree's simulator is started: its own CLI with the access log silenced
#: (a baseline may not know ``--log-format off``; Prism and this tree write no line either).
_QUIET_BASELINE = (
    "import sys; from eprom_verify.simulator import cli; "
    "cli._log_to_stdout = lambda form: None; sys.exit(cli.main(sys.argv[1:]))"
)


def simulator_server(
    folder: Path,
    *,
    callback_base_url: str,
    api_key: str,
    source: Path | None = None,
    workers: int = 1,
) -> Server:
    """This tree's simulator, or (``source``) the one of a baseline tree, from ``folder``;
    ``workers`` > 1: this tree's with ``--workers`` (a baseline may not know it)."""
    config = folder / "simulator.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "orderingSystems": [
                    {"name": "bench", "apiKey": api_key, "callbackBaseUrl": callback_base_url}
                ],
                "callbackDelaySeconds": 0,
            }
        ),
        encoding="utf-8",
    )
    db = folder / "simulator.sqlite3"
    options = ["--port", "0", "--config", str(config), "--db", str(db)]
    if source is not None:
        command = [sys.executable, "-c", _QUIET_BASELINE, *options]
        return Server(command, ready=_SIM_READY, name="baseline simulator", cwd=source)
    # no access log, as Prism runs with -v warn: neither writes a line per request
    if workers > 1:
        options += ["--workers", str(workers)]
    command = python_command("eprom_verify", "simulator", *options, "--log-format", "off")
    return Server(command, ready=_SIM_READY, name="simulator")


@dataclass
class Stack:
    """A running simulator and sink, and a client for the sink's bookkeeping."""

    simulator: Server
    sink: Server
    api_key: str
    db_path: Path
    http: httpx.Client

    @property
    def base_url(self) -> str:
        """The simulator's promsApiBaseUrl."""
        return f"{self.simulator.root_url}/promswebapi"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Basic {self.api_key}",
            "Content-Type": "application/json; charset=utf-8",
        }

    def received(self) -> dict[str, Any]:
        data: dict[str, Any] = self.http.get(f"{self.sink.root_url}/_bench/received").json()
        return data

    def counts(self) -> dict[str, int]:
        data: dict[str, int] = self.http.get(f"{self.sink.root_url}/_bench/count").json()
        return data

    def clear(self) -> None:
        self.http.post(f"{self.sink.root_url}/_bench/clear")

    def wait_for_callbacks(self, kind: str, count: int, *, timeout_s: float) -> int:
        """Wait until the sink has ``count`` callbacks of ``kind``; how many it has."""
        deadline = time.monotonic() + timeout_s
        have = self.counts()[kind]
        while have < count and time.monotonic() < deadline:
            if not self.simulator.alive():
                raise BenchError(f"the simulator exited: {self.simulator.output_tail()!r}")
            time.sleep(0.05)
            have = self.counts()[kind]
        return have

    def db_bytes(self) -> int:
        """The simulator's SQLite file with its WAL and shared-memory files."""
        files = [
            self.db_path,
            *(self.db_path.with_name(self.db_path.name + s) for s in ("-wal", "-shm")),
        ]
        return sum(f.stat().st_size for f in files if f.exists())


@contextmanager
def running_stack(folder: Path, *, source: Path | None = None, workers: int = 1) -> Iterator[Stack]:
    """Start the sink, then the simulator (of ``source``, a baseline tree, if given; with
    ``workers`` processes) calling it; stop both at the end."""
    api_key = f"bench-{secrets.token_urlsafe(24)}"
    with ExitStack() as stack:
        sink = stack.enter_context(sink_server())
        simulator = stack.enter_context(
            simulator_server(
                folder,
                callback_base_url=sink.root_url,
                api_key=api_key,
                source=source,
                workers=workers,
            )
        )
        http = stack.enter_context(httpx.Client(timeout=30))
        yield Stack(simulator, sink, api_key, folder / "simulator.sqlite3", http)
