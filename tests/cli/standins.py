"""Stand-ins for the commands' counterparts: an HTTP server that answers (slowly, or echoing
a key in every encoding), a ``--drive`` script that leaves a grandchild, and helpers."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from eprom_verify.national_id import is_valid

KEY = 'standin-key-Zq8/+w==:"x\\y&z'  # ASCII (a header), spelt differently by each encoding


def encodings(key: str = KEY) -> dict[str, str]:
    """The key as servers and proxies echo it."""
    return {
        "raw": key,
        "base64": base64.b64encode(key.encode()).decode(),
        "base64 of user:key": base64.b64encode(f"user:{key}".encode()).decode(),
        "url-encoded": quote(key, safe=""),
        "json-escaped": json.dumps(key)[1:-1],
        "json-escaped ascii": json.dumps(key, ensure_ascii=True)[1:-1],
    }


def echo_lines(key: str = KEY) -> str:
    """One line per encoding, as a server's error text would carry it."""
    lines = [f"echo {name}: Authorization=Basic {value}" if name == "base64 of user:key"
             else f"echo {name}: {value}" for name, value in encodings(key).items()]  # fmt: skip
    return "\n".join(lines) + "\n"


def leaks(text: str, key: str = KEY) -> list[str]:
    """The encodings of ``key`` found in ``text`` (the base64 ones also without padding)."""
    found = []
    for name, value in encodings(key).items():
        if value in text or value.rstrip("=") in text:
            found.append(name)
    return found


def unmasked_ids(folder: Path) -> list[str]:
    """Valid 11-digit national IDs in any file under ``folder``."""
    out = []
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("latin-1")
            out += [f"{path.name}: {m}" for m in re.findall(r"(?<!\d)\d{11}(?!\d)", text)
                    if is_valid(m)]  # fmt: skip
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_while: threading.Event
    put_seen: threading.Event
    body: bytes
    status: int


@contextmanager
def http_standin(*, status: int = 200, body: bytes = b"{\"success\": true}", block_puts: bool = False
                 ) -> Iterator[_Server]:  # fmt: skip
    """An HTTP server on 127.0.0.1 answering every request with ``status``/``body``; with
    ``block_puts`` a PUT waits (up to 60 s) until the test ends — a receiver that hangs."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            server: _Server = self.server  # type: ignore[assignment]
            if self.command == "PUT" and block_puts:
                server.put_seen.set()
                server.block_while.wait(60)
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(server.body)))
            self.end_headers()
            self.wfile.write(server.body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    server = _Server(("127.0.0.1", 0), Handler)
    server.block_while = threading.Event()
    server.put_seen = threading.Event()
    server.body = body
    server.status = status
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.block_while.set()
        server.shutdown()
        server.server_close()


def url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


DRIVE_SCRIPT = """\
import os, subprocess, sys, time
pids = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(pids, "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
sys.stdout.write(open(sys.argv[2], encoding="utf-8").read() if len(sys.argv) > 2 else "")
sys.stderr.write(open(sys.argv[2], encoding="utf-8").read() if len(sys.argv) > 2 else "")
print("drive: started", flush=True)
time.sleep(float(os.environ.get("DRIVE_SLEEP", "120")))
"""


def drive_command(tmp_path: Path, *, echo: str | None = None) -> tuple[str, Path]:
    """A --drive command (and the file where it writes its and its child's pids)."""
    script = tmp_path / "drive.py"
    script.write_text(DRIVE_SCRIPT, encoding="utf-8")
    pids = tmp_path / "drive.pids"
    command = f"{sys.executable} {script} {pids}"
    if echo is not None:
        (tmp_path / "echo.txt").write_text(echo, encoding="utf-8")
        command += f" {tmp_path / 'echo.txt'}"
    return command, pids


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie — ended, not yet reaped by its parent — is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    env["CI"] = "true"
    env.update(extra)
    return env


def start(
    argv: list[str], cwd: Path, env: dict[str, str], *, merged: bool = False
) -> subprocess.Popen[str]:
    """The command as a process; ``merged``: its stderr on its stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "eprom_verify", *argv], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE, text=True, cwd=cwd, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> list[str]:
    """Read stdout until a line holding ``needle`` (or the end); the lines read."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if needle in line or not line:
            break
    return seen
