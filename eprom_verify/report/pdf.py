"""Print ``report.html`` to PDF with a headless Chromium, when one is installed.

Chromium runs with a throw-away profile and every background network feature off; the
page itself loads nothing from the network (it is self-contained). The page is printed
through the DevTools protocol over a pipe (``--remote-debugging-pipe``: commands on file
descriptor 3, answers on 4, each a JSON text ended by NUL), so that ``Page.printToPDF``
can put a header and footer on every page (the report kind; the run id and manifest
digest: the print copy carries them as ``<meta name="eprom-verify:header|footer">``) and
make PDF bookmarks from the headings (``generateDocumentOutline``, Chromium 126+).
"""

from __future__ import annotations

import atexit
import base64
import html as html_lib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from eprom_verify._exceptions import UsageError

__all__ = [
    "BROWSERS",
    "PICTURES_OFF_ENV",
    "CHROMIUM_FLAGS",
    "Browser",
    "ChromiumNotFound",
    "Snapshot",
    "close_shared_browser",
    "dom",
    "find_chromium",
    "print_pdf",
    "run_chromium",
    "screenshot",
    "shared_browser_open",
    "start_browser_early",
    "warm_shared_browser",
]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
NOT_FOUND = (
    "Chromium not found — install it (Debian: apt-get install chromium) "
    "or open report.html in a browser and print"
)
_TIMEOUT_S = 120
#: ``EPROM_PORTAL_PICTURES=0`` turns the portal pictures off (``simulator/portal_capture.py``)
PICTURES_OFF_ENV = "EPROM_PORTAL_PICTURES"


class ChromiumNotFound(UsageError):
    """No headless browser on PATH."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


def find_chromium() -> str | None:
    """The first of :data:`BROWSERS` on PATH, as a full path."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(*args: str, timeout_s: float = _TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with :data:`CHROMIUM_FLAGS`, a fresh profile and ``args``."""
    browser = find_chromium()
    if browser is None:
        raise ChromiumNotFound
    with tempfile.TemporaryDirectory(prefix="eprom-verify-chromium-") as profile:
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf``; a :class:`UsageError` says why when it could not.

    Header and footer on every page come from the page's ``eprom-verify:header`` and
    ``eprom-verify:footer`` meta elements; the page numbers are added to the footer.
    """
    pdf.unlink(missing_ok=True)
    browser = find_chromium()
    if browser is None:
        raise ChromiumNotFound
    page = html.read_text(encoding="utf-8", errors="replace")
    header, footer = _meta(page, "header"), _meta(page, "footer")
    word = _meta(page, "page") or "Page"
    try:
        data = _print_over_pipe(
            browser, html.resolve().as_uri(), header=header, footer=footer, page_word=word
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"Chromium did not print {html} within {_TIMEOUT_S} s") from None
    except _CdpError as exc:
        raise UsageError(f"Chromium did not write {pdf}: {exc}") from None
    if data[:4] != b"%PDF":
        raise UsageError(f"Chromium did not write {pdf}: the answer is not a PDF")
    tmp = pdf.with_name(pdf.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(pdf)
    return pdf


class BrowserError(Exception):
    """Chromium answered a DevTools command with an error, or closed the pipe."""


_CdpError = BrowserError


def _meta(page: str, name: str) -> str:
    found = re.search(rf'<meta name="eprom-verify:{name}" content="([^"]*)"', page)
    return html_lib.unescape(found.group(1)) if found else ""


_SMALL = "font-size:7.5px;color:#5b6474;width:100%;margin:0 11mm;display:flex;gap:12px"


def _templates(header: str, footer: str, page_word: str) -> dict[str, str]:
    """Chromium's header and footer templates: our text escaped, the page numbers its own."""
    esc = html_lib.escape
    return {
        "headerTemplate": f'<div style="{_SMALL}"><span>{esc(header)}</span></div>',
        "footerTemplate": (
            f'<div style="{_SMALL}"><span style="flex:1">{esc(footer)}</span>'
            f'<span>{esc(page_word)} <span class="pageNumber"></span> / '
            '<span class="totalPages"></span></span>'
            "</div>"
        ),
    }


def _start_over_pipe(
    browser: str, profile: str
) -> tuple[subprocess.Popen[bytes], BinaryIO, BinaryIO]:
    """Chromium with the DevTools protocol on a pipe: the process, its writer and reader."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    # Chromium reads commands on fd 3 and writes answers on fd 4
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               "--remote-debugging-pipe", "about:blank"]  # fmt: skip

    def child_fds() -> None:  # pragma: no cover - runs in the child
        # via fresh copies: dup2 onto the same number would keep close-on-exec
        commands, answers = os.dup(to_browser_r), os.dup(from_browser_w)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    try:
        process = subprocess.Popen(  # noqa: S603 - our own argument list
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # our fds are not inheritable; dup2 makes 3 and 4 so, and nothing else leaks
            close_fds=False,
            preexec_fn=child_fds,  # noqa: PLW1509 - only dup2, no locks
        )
    except BaseException:
        for fd in (to_browser_r, to_browser_w, from_browser_r, from_browser_w):
            os.close(fd)
        raise
    os.close(to_browser_r)
    os.close(from_browser_w)
    return (
        process,
        os.fdopen(to_browser_w, "wb", buffering=0),
        os.fdopen(from_browser_r, "rb", buffering=0),
    )


def _end(process: subprocess.Popen[bytes], writer: BinaryIO, reader: BinaryIO) -> None:
    writer.close()
    reader.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _print_over_pipe(browser: str, url: str, *, header: str, footer: str, page_word: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="eprom-verify-chromium-") as profile:
        process, writer, reader = _start_over_pipe(browser, profile)
        try:
            return _Cdp(writer, reader).print(
                url, header=header, footer=footer, page_word=page_word
            )
        finally:
            _end(process, writer, reader)


class _Cdp:
    """Just enough of the DevTools protocol to load one page and print it."""

    def __init__(self, writer: BinaryIO, reader: BinaryIO) -> None:
        self._writer, self._reader = writer, reader
        self._next = 0
        self._buffer = b""
        #: called with every event (a message without an id) as it is read
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self.deadline_in(_TIMEOUT_S)

    def deadline_in(self, seconds: float) -> None:
        """Every following read must be done within ``seconds`` from now."""
        self._limit = seconds
        self._deadline = time.monotonic() + seconds

    def _send(self, method: str, session: str | None = None, **params: Any) -> int:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self._writer.write(json.dumps(message).encode() + b"\0")
        return self._next

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = self._deadline - time.monotonic()
            if left <= 0 or not select.select([self._reader], [], [], left)[0]:
                raise subprocess.TimeoutExpired("chromium", self._limit)
            chunk = self._reader.read(1 << 16)
            if not chunk:
                raise _CdpError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        if self.on_event is not None and "method" in message:
            self.on_event(message)
        return message

    def _call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        wanted = self._send(method, session, **params)
        while True:
            message = self._read()
            if message.get("id") == wanted:
                if "error" in message:
                    raise _CdpError(f"{method}: {message['error'].get('message')}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def _wait_for(self, event: str, session: str | None = None) -> None:
        while True:
            message = self._read()
            if message.get("method") == event and (
                session is None or message.get("sessionId") == session
            ):
                return

    def print(self, url: str, *, header: str, footer: str, page_word: str) -> bytes:
        target = self._call("Target.createTarget", url="about:blank")["targetId"]
        session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._call("Page.enable", session)
        self._call("Page.navigate", session, url=url)
        self._wait_for("Page.loadEventFired")
        result = self._call(
            "Page.printToPDF",
            session,
            printBackground=True,
            preferCSSPageSize=True,
            displayHeaderFooter=True,
            generateDocumentOutline=True,
            generateTaggedPDF=True,
            **_templates(header, footer, page_word),
        )
        try:
            self._call("Browser.close")
        except _CdpError:
            pass
        return base64.b64decode(result["data"])


#: Response headers not handed on with a snapshot: Chromium gets the body as it was decoded.
_NOT_REPLAYED = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)


@dataclass(frozen=True)
class Snapshot:
    """A page's answer as it was read: what :meth:`Browser.screenshot` shows for its URL.

    The browser then loads nothing itself: the page's own request is answered with this
    (status, headers, body) through the DevTools ``Fetch`` domain, at the page's own URL, so
    the picture is the one the live page would give at the moment it was read — even after
    the server has moved on or stopped. Any other request the page makes is refused (a
    self-contained page makes none).
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def fulfil(self, request_id: str) -> dict[str, Any]:
        """The ``Fetch.fulfillRequest`` parameters that answer ``request_id`` with this."""
        return {
            "requestId": request_id,
            "responseCode": self.status,
            "responseHeaders": [
                {"name": name, "value": value}
                for name, value in self.headers
                if name.lower() not in _NOT_REPLAYED
            ],
            "body": base64.b64encode(self.body).decode("ascii"),
        }


#: the document as ``--dump-dom`` prints it: its doctype on a line, then the ``<html>`` element
_SERIALIZED = (
    "(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\\n' : '')"
    " + document.documentElement.outerHTML"
)


class Browser:
    """One headless Chromium kept open over the DevTools pipe, for many screenshots.

    Starting Chromium costs about a second of CPU; the five portal pictures of a run taken
    in one browser pay that once instead of five times (issue 25). Each screenshot gets a
    browser context of its own, so no cookie or storage passes from one page to the next,
    as with a fresh profile. One page at a time (a lock): callers may be threads.
    """

    def __init__(self, path: str | None = None) -> None:
        browser = path or find_chromium()
        if browser is None:
            raise ChromiumNotFound
        self._profile = tempfile.TemporaryDirectory(prefix="eprom-verify-chromium-")
        try:
            self._process, self._writer, self._reader = _start_over_pipe(
                browser, self._profile.name
            )
        except BaseException:
            self._profile.cleanup()
            raise
        self._cdp = _Cdp(self._writer, self._reader)
        self._lock = threading.Lock()
        self._session: str | None = None
        self.closed = False

    def screenshot(
        self,
        url: str,
        *,
        width: int,
        height: int,
        timeout_s: float = _TIMEOUT_S,
        snapshot: Snapshot | None = None,
    ) -> bytes:
        """The page at ``url`` in a ``width`` × ``height`` window, scrollbars hidden, as PNG.

        The same picture as ``chromium --headless --hide-scrollbars --window-size=W,H
        --screenshot URL``; with ``snapshot``, of that answer at ``url`` (nothing is fetched).
        A :class:`BrowserError` or :class:`subprocess.TimeoutExpired` says why not; the
        browser is closed then (a later call needs a new one).
        """
        with self._lock:
            if self.closed:
                raise BrowserError("the browser is closed")
            try:
                if snapshot is not None:
                    return self._replayed(url, snapshot, width=width, height=height,
                                          timeout_s=timeout_s)  # fmt: skip
                return self._screenshot(url, width=width, height=height, timeout_s=timeout_s)
            except BaseException:
                self._close()
                raise

    def dom(self, url: str, *, width: int, height: int, timeout_s: float = _TIMEOUT_S) -> str:
        """The page's DOM after its load event, serialized, in a ``width`` × ``height`` window.

        What ``chromium --headless --window-size=W,H --dump-dom URL`` prints, without a
        Chromium start: scripts have run, scrollbars show (as they do there), and the
        viewport is exactly ``width`` × ``height`` (``--dump-dom`` keeps room for a window
        frame). The page is always loaded afresh, even when only the ``#fragment`` differs
        from the page before. Errors as :meth:`screenshot`.
        """
        with self._lock:
            if self.closed:
                raise BrowserError("the browser is closed")
            try:
                cdp = self._cdp
                cdp.deadline_in(timeout_s)
                session = self._open_tab()
                cdp._call("Emulation.setScrollbarsHidden", session, hidden=False)
                try:
                    self._load("about:blank", width=width, height=height)
                    self._load(url, width=width, height=height)
                    found = cdp._call(
                        "Runtime.evaluate",
                        session,
                        expression=_SERIALIZED,
                        returnByValue=True,
                    )
                finally:
                    if not self.closed:
                        cdp._call("Emulation.setScrollbarsHidden", session, hidden=True)
                return str(found["result"]["value"])
            except BaseException:
                self._close()
                raise

    def warm(self, timeout_s: float = _TIMEOUT_S) -> None:
        """Wait until Chromium answers and its tab is open: the first picture is then quick."""
        with self._lock:
            if self.closed:
                raise BrowserError("the browser is closed")
            try:
                self._cdp.deadline_in(timeout_s)
                self._open_tab()
            except BaseException:
                self._close()
                raise

    def _open_tab(self) -> str:
        if self._session is None:
            # one tab for every picture: a new tab (or context) costs a renderer process
            cdp = self._cdp
            context = cdp._call("Target.createBrowserContext")["browserContextId"]
            target = cdp._call("Target.createTarget", url="about:blank", browserContextId=context)[
                "targetId"
            ]
            self._session = cdp._call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            cdp._call("Page.enable", self._session)
            cdp._call("Network.enable", self._session)
            cdp._call("Network.setCacheDisabled", self._session, cacheDisabled=True)
            cdp._call("Emulation.setScrollbarsHidden", self._session, hidden=True)
        return self._session

    def _screenshot(self, url: str, *, width: int, height: int, timeout_s: float) -> bytes:
        cdp = self._cdp
        cdp.deadline_in(timeout_s)
        self._open_tab()
        self._load(url, width=width, height=height)
        shot = cdp._call("Page.captureScreenshot", self._session, format="png")
        return base64.b64decode(shot["data"])

    def _load(self, url: str, *, width: int, height: int) -> None:
        """``url`` in the open tab at ``width`` × ``height``, until its load event."""
        cdp, session = self._cdp, self._session
        cdp._call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        navigated = cdp._call("Page.navigate", session, url=url)
        if navigated.get("errorText"):
            raise BrowserError(f"{url}: {navigated['errorText']}")
        cdp._wait_for("Page.loadEventFired", session)

    def _replayed(
        self, url: str, snapshot: Snapshot, *, width: int, height: int, timeout_s: float
    ) -> bytes:
        cdp = self._cdp
        cdp.deadline_in(timeout_s)
        session = self._open_tab()
        answered = False

        def paused(event: dict[str, Any]) -> None:
            nonlocal answered
            if event.get("method") != "Fetch.requestPaused" or event.get("sessionId") != session:
                return
            params = event["params"]
            if not answered and params.get("resourceType") == "Document":
                answered = True
                cdp._send("Fetch.fulfillRequest", session, **snapshot.fulfil(params["requestId"]))
            else:  # a snapshot's page gets nothing else (a self-contained page asks for none)
                cdp._send(
                    "Fetch.failRequest", session,
                    requestId=params["requestId"], errorReason="BlockedByClient",
                )  # fmt: skip

        cdp.on_event = paused
        try:
            cdp._call("Fetch.enable", session, patterns=[{"urlPattern": "*"}])
            return self._screenshot(url, width=width, height=height, timeout_s=timeout_s)
        finally:
            cdp.on_event = None
            if not self.closed:
                cdp._call("Fetch.disable", session)

    def close(self) -> None:
        """End Chromium and remove its profile (again: nothing)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._cdp._send("Browser.close")
        except OSError:
            pass
        _end(self._process, self._writer, self._reader)
        self._profile.cleanup()


_shared: Browser | None = None
_shared_lock = threading.Lock()


def _shared_browser() -> Browser:
    global _shared
    with _shared_lock:
        if _shared is None or _shared.closed:
            if _shared is None:
                atexit.register(close_shared_browser)
            _shared = Browser()
        return _shared


def screenshot(
    url: str,
    *,
    width: int,
    height: int,
    snapshot: Snapshot | None = None,
    timeout_s: float = _TIMEOUT_S,
) -> bytes:
    """:meth:`Browser.screenshot` in this process's shared browser.

    The browser starts on the first call (or :func:`warm_shared_browser`) and stays open for
    the next ones (a run's portal pictures), until :func:`close_shared_browser` — the pytest
    plugin calls it when the session ends — or the interpreter exits. After a failure the
    next call starts a new one.
    """
    return _shared_browser().screenshot(
        url, width=width, height=height, snapshot=snapshot, timeout_s=timeout_s
    )


def dom(url: str, *, width: int, height: int, timeout_s: float = _TIMEOUT_S) -> str:
    """:meth:`Browser.dom` in this process's shared browser (see :func:`screenshot`)."""
    return _shared_browser().dom(url, width=width, height=height, timeout_s=timeout_s)


def warm_shared_browser() -> threading.Thread | None:
    """Start the shared browser in a background thread, so no picture waits for it.

    Chromium's start (about a second of CPU) then runs on another core while the tests go
    on. None when there is no Chromium; a browser that fails to start is left for the first
    :func:`screenshot`, which starts a new one and says why it could not.
    """
    if find_chromium() is None:
        return None

    def warm() -> None:
        try:
            _shared_browser().warm()
        except (BrowserError, OSError, subprocess.SubprocessError):
            pass  # the first screenshot tries again and reports the reason

    thread = threading.Thread(target=warm, name="eprom-chromium-warm", daemon=True)
    thread.start()
    return thread


def shared_browser_open() -> bool:
    """The shared browser of :func:`screenshot` is started (or starting) and not closed."""
    with _shared_lock:
        return _shared is not None and not _shared.closed


def close_shared_browser() -> None:
    """End the shared browser of :func:`screenshot`, if one is open."""
    with _shared_lock:
        browser = _shared
    if browser is not None:
        browser.close()


#: pytest arguments that choose tests: with one, the run may take no picture, so Chromium is
#: left to the ``eprom`` fixture, which starts it once the selection is known
_SELECTING = (
    "-k", "-m", "--deselect", "--ignore", "--ignore-glob", "--lf", "--last-failed",
    "--sw", "--stepwise", "--pyargs", "--co", "--collect-only",
)  # fmt: skip


def start_browser_early(pytest_args: Sequence[str] = ()) -> threading.Thread | None:
    """Start the pictures' Chromium now, at the very beginning of a run (issue 25).

    ``eprom-verify run`` calls this before pytest starts, and imports only this light module
    for it (not the simulator, where the pictures are taken): Chromium's start (about a
    second of CPU) then runs on the second core while the run imports and collects on the
    first, instead of when the ``eprom`` fixture is set up. Only when the run is going to
    take pictures as far as can be told before collection: the pictures are not off
    (``EPROM_PORTAL_PICTURES=0``), Chromium is installed, and no argument in
    ``pytest_args`` (the ones passed after ``--``) chooses tests — a ``-k`` run may take
    none, and then the fixture starts it if one of its tests does. When the collected
    tests take no picture after all, the fixture ends it; it is ended as always when the
    session ends, at exit, and — its DevTools pipe closing — when this process dies.
    Returns the thread starting it, or None.
    """
    if os.environ.get(PICTURES_OFF_ENV) == "0" or _chooses_tests(pytest_args):
        return None
    return warm_shared_browser()


#: options whose value may follow as the next argument (it is not a path then)
_WITH_VALUE = ("-p", "-W", "-o", "-r", "--tb", "--maxfail", "--durations", "--color")


def _chooses_tests(args: Sequence[str]) -> bool:
    value_next = False
    for arg in args:
        if value_next:
            value_next = False
            continue
        if arg == "--":
            continue
        if not arg.startswith("-"):
            return True  # a path or a node id
        if arg in _WITH_VALUE:
            value_next = True
            continue
        for flag in _SELECTING:
            short = len(flag) == 2 and arg.startswith(flag)  # -kEXPR
            if arg == flag or arg.startswith(flag + "=") or short:
                return True
    return False
