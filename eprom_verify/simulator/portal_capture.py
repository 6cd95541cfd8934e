"""Pictures of the simulator's citizen portal for the report (V2.1–V2.5, S1).

A run against the simulator shows the person who attests exactly what the patient would
see: the portal page is captured with headless Chromium (found as the PDF report does;
one browser for all of a run's pictures, :func:`eprom_verify.report.pdf.screenshot`) and
recorded as a :class:`~eprom_verify.report.model.Picture` beside the checkpoints. Without
Chromium nothing is captured and the reason is noted; ``EPROM_REQUIRE_BROWSER=1`` makes a
missing Chromium an error.

No test waits for Chromium (issue 25): :func:`picture_of_portal` reads the page at once
(one GET, as the browser's own load would be) and hands that answer — a
:class:`~eprom_verify.report.pdf.Snapshot` — to the run's :class:`PictureQueue`, whose one
thread has Chromium picture it while the tests go on, on the other core. The page is
self-contained, so the picture is the page as it was when read, even after the simulator
moved on. Before the report is written the run calls :func:`finish_pictures`: it waits
(bounded by :data:`FINISH_S`) for what is outstanding; a picture that could not be taken
is not in the report, and each one becomes an ``error`` row on its checkpoints saying why
(what a failed capture inside the test made of it before).
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from eprom_verify.report.model import Picture
from eprom_verify.report.pdf import (
    PICTURES_OFF_ENV,
    BrowserError,
    Snapshot,
    find_chromium,
    screenshot,
)
from eprom_verify.wording import Text

__all__ = [
    "FINISH_S",
    "OFF_ENV",
    "REQUIRE_ENV",
    "NotTaken",
    "PictureQueue",
    "PortalCaptureError",
    "capture_png",
    "finish_pictures",
    "picture_of_portal",
]

REQUIRE_ENV = "EPROM_REQUIRE_BROWSER"
#: ``EPROM_PORTAL_PICTURES=0`` turns the captures off (a run saves 1–4 s of Chromium each)
OFF_ENV = PICTURES_OFF_ENV
#: How long the report waits, at most, for the pictures still being taken.
FINISH_S = 120.0
#: One picture's bound inside that (Chromium's load and screenshot of one page).
PICTURE_S = 60.0
#: After the deadline, how long a picture under way gets to stop (its own timeout).
_END_MARGIN_S = 10.0
_PNG = b"\x89PNG\r\n\x1a\n"
_REQUIRED = (
    f"Chromium not found — install it (Debian: apt-get install chromium); "
    f"{REQUIRE_ENV}=1 requires it for the portal pictures"
)
_lock = threading.Lock()


class PortalCaptureError(RuntimeError):
    """Chromium is required (``EPROM_REQUIRE_BROWSER=1``) but missing, or it failed."""


def capture_png(
    url: str,
    *,
    width: int = 1000,
    height: int = 1400,
    snapshot: Snapshot | None = None,
    timeout_s: float = PICTURE_S,
) -> bytes | None:
    """The page at ``url`` (or ``snapshot`` of it) as a PNG; None when Chromium is not
    installed (and not required)."""
    if find_chromium() is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            raise PortalCaptureError(_REQUIRED)
        return None
    try:
        content = screenshot(
            url, width=width, height=height, snapshot=snapshot, timeout_s=timeout_s
        )
    except subprocess.TimeoutExpired:
        raise PortalCaptureError(f"Chromium took too long to capture {url}") from None
    except (BrowserError, OSError) as exc:
        raise PortalCaptureError(f"Chromium could not capture {url}: {exc}") from None
    if not content.startswith(_PNG):
        raise PortalCaptureError(f"Chromium could not capture {url}: the answer is not a PNG")
    return content


def read_page(url: str) -> Snapshot:
    """The page's answer now (what Chromium's own load would have read).

    Plain ``urllib`` on the simulator's ``http://`` URL: an ``httpx`` client per picture
    would build an SSL context each time (~0.04 CPU-s) for a request that needs none.
    """
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=PICTURE_S) as answer:  # noqa: S310 - our own http URL
            return Snapshot(answer.status, tuple(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as error:  # a 4xx/5xx page is pictured as it is
        with error:
            return Snapshot(error.code, tuple(error.headers.items()), error.read())
    except (OSError, ValueError) as exc:
        raise PortalCaptureError(f"could not read {url} to capture it: {exc}") from None


@dataclass(frozen=True)
class NotTaken:
    """A picture the run asked for and the report does not have, and why."""

    url: str
    checkpoint_ids: tuple[str, ...]
    test: str | None
    order_id: str | None
    reason: str


@dataclass
class _Job:
    url: str
    snapshot: Snapshot
    height: int
    checkpoint_ids: tuple[str, ...]
    caption: Text
    order_id: str | None
    test: str | None
    future: Future[Picture] = field(default_factory=Future)


class PictureQueue:
    """A run's pictures, taken one after another by one background thread, in the order asked.

    ``record`` gets each picture taken (the run's recorder's ``add_picture``); the queue keeps
    what was not taken, for :meth:`finish`.
    """

    def __init__(self, record: Callable[[Picture], None] | None = None) -> None:
        self._record = record
        self._jobs: list[_Job] = []
        self._waiting: list[_Job] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._deadline: float | None = None
        self._timeout_s = FINISH_S
        self._closed = False
        self.not_taken: list[NotTaken] = []

    def submit(self, job: _Job) -> Future[Picture]:
        with self._cond:
            self._jobs.append(job)
            self._waiting.append(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="eprom-portal-pictures", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return job.future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._waiting:
                    self._cond.wait()
                job = self._waiting.pop(0)
                deadline = self._deadline
            self._take(job, deadline)

    def _take(self, job: _Job, deadline: float | None) -> None:
        bound = PICTURE_S if deadline is None else min(PICTURE_S, deadline - time.monotonic())
        try:
            if bound <= 0:  # finish() gave up on it before it started: say what finish says
                raise PortalCaptureError(_too_late(self._timeout_s))
            content = capture_png(
                job.url, height=job.height, snapshot=job.snapshot, timeout_s=bound
            )
            if content is None:  # Chromium went away since the picture was asked for
                raise PortalCaptureError("Chromium not found — install it")
        except Exception as exc:  # noqa: BLE001 - every failure is the picture's, said below
            self._failed(job, str(exc) or type(exc).__name__)
            return
        picture = Picture(
            checkpoint_ids=list(job.checkpoint_ids),
            captions={"nb": job.caption.nb, "en": job.caption.en},
            media_type="image/png",
            data=base64.b64encode(content).decode("ascii"),
            source="simulator",
            order_id=job.order_id,
        )
        with self._cond:
            late = self._closed
            if not late and self._record is not None:
                self._record(picture)
        if late:  # finish() said it was not taken; the report may be written already
            return
        job.future.set_result(picture)

    def _failed(self, job: _Job, reason: str) -> None:
        with self._cond:
            if not self._closed:  # once closed, finish() has said why it is not in the report
                self.not_taken.append(
                    NotTaken(job.url, job.checkpoint_ids, job.test, job.order_id, reason)
                )
        job.future.set_exception(PortalCaptureError(reason))  # nobody waits on it for ever

    def finish(self, timeout_s: float = FINISH_S) -> list[NotTaken]:
        """Wait for every picture asked for (at most ``timeout_s``, then each one's own bound
        while it runs); those not taken. Nothing is recorded after this returns."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._deadline = deadline
            self._timeout_s = timeout_s
            jobs = list(self._jobs)
        for job in jobs:
            left = max(0.0, deadline - time.monotonic())
            try:  # a picture under way stops at the deadline (its timeout); margin to end it
                job.future.exception(timeout=left + _END_MARGIN_S)
            except FutureTimeout:
                pass
        with self._cond:
            self._closed = True
            for job in jobs:
                if not job.future.done():
                    self.not_taken.append(
                        NotTaken(job.url, job.checkpoint_ids, job.test, job.order_id,
                                 _too_late(timeout_s))
                    )  # fmt: skip
            return list(self.not_taken)


def _too_late(timeout_s: float) -> str:
    """Why a picture the report stopped waiting for is not in it (the same words whether it
    was under way or had not started)."""
    return f"still being taken {timeout_s:g} s after the last test"


def picture_of_portal(
    eprom: Any,
    path: str,
    *,
    checkpoint_ids: tuple[str, ...],
    caption: Text,
    order_id: str | None = None,
    height: int = 1400,
    key: str | None = None,
) -> Future[Picture] | None:
    """Capture ``/proms/<path>`` of the run's simulator once per run and ``key``.

    The page is read now; Chromium pictures it in the background and the picture is
    recorded on the run's report. Returns the picture to come (None outside the simulator,
    when this was captured already, or without Chromium — then the reason is a fact of the
    test). A picture that cannot be taken is said in the report (:func:`finish_pictures`).
    """
    simulator = getattr(eprom, "simulator", None)
    if simulator is None:
        return None
    if os.environ.get(OFF_ENV) == "0":
        eprom.fact(
            portal_pictures=Text(
                en=f"{OFF_ENV}=0: no pictures of the portal",
                nb=f"{OFF_ENV}=0: ingen bilder av portalen",
            ).by_language()
        )
        return None
    key = key or " ".join(checkpoint_ids)
    with _lock:
        taken: set[str] = eprom.__dict__.setdefault("_portal_pictures", set())
        if key in taken:
            return None
        taken.add(key)
        queue = _queue_of(eprom)
    if find_chromium() is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            raise PortalCaptureError(_REQUIRED)
        eprom.fact(
            portal_pictures=Text(
                en="Chromium not installed: no pictures of the portal",
                nb="Chromium er ikke installert: ingen bilder av portalen",
            ).by_language()
        )
        return None
    url = f"{simulator.root_url}/proms/{path}"
    job = _Job(
        url=url,
        snapshot=read_page(url),
        height=height,
        checkpoint_ids=checkpoint_ids,
        caption=caption,
        order_id=order_id,
        test=getattr(eprom, "current_test", None),
    )
    return queue.submit(job)


def _queue_of(eprom: Any) -> PictureQueue:
    queue = eprom.__dict__.get("_portal_queue")
    if queue is None:
        recorder = getattr(eprom, "recorder", None)
        queue = PictureQueue(recorder.add_picture if recorder is not None else None)
        eprom.__dict__["_portal_queue"] = queue
    assert isinstance(queue, PictureQueue)
    return queue


def finish_pictures(eprom: Any, timeout_s: float = FINISH_S) -> list[NotTaken]:
    """Wait for the run's outstanding pictures; each one not taken becomes an ``error`` row
    on its checkpoints in the report (the reason said). Returns those not taken."""
    with _lock:
        queue = eprom.__dict__.get("_portal_queue")
    if not isinstance(queue, PictureQueue):
        return []
    missing = queue.finish(timeout_s)
    recorder = getattr(eprom, "recorder", None)
    if recorder is not None:
        for lost in missing:
            recorder.add_result(_error_row(lost))
    return missing


def _error_row(lost: NotTaken) -> Any:
    from eprom_verify.findings import Finding
    from eprom_verify.report.model import CheckResult

    page = lost.url.split("/proms/", 1)[-1] or "/"
    message = Text(
        en=f"the picture of the portal page {page} was not taken: {lost.reason}",
        nb=f"bildet av portalsiden {page} ble ikke tatt: {lost.reason}",
    )
    finding = Finding(
        lost.checkpoint_ids,
        message,
        outcome="error",
        rule="portal_picture",
        order_ids=[lost.order_id] if lost.order_id else [],
    )
    test = lost.test or "portal pictures"
    return CheckResult.from_finding(finding, nodeid=f"{test} (picture of {page})")
