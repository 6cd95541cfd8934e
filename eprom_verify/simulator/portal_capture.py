"""Pictures of the simulator's citizen portal for the report (V2.1–V2.5, S1).

A run against the simulator shows the person who attests exactly what the patient would
see: the portal page is captured with headless Chromium (found as the PDF report does;
one browser for all of a run's pictures, :func:`eprom_verify.report.pdf.screenshot`) and
recorded as a :class:`~eprom_verify.report.model.Picture` beside the checkpoints. Without
Chromium nothing is captured and the reason is noted; ``EPROM_REQUIRE_BROWSER=1`` makes a
missing Chromium an error.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from typing import Any

from eprom_verify.report.model import Picture
from eprom_verify.report.pdf import BrowserError, find_chromium, screenshot
from eprom_verify.wording import Text

__all__ = ["OFF_ENV", "REQUIRE_ENV", "PortalCaptureError", "capture_png", "picture_of_portal"]

REQUIRE_ENV = "EPROM_REQUIRE_BROWSER"
#: ``EPROM_PORTAL_PICTURES=0`` turns the captures off (a run saves 1–4 s of Chromium each)
OFF_ENV = "EPROM_PORTAL_PICTURES"
_PNG = b"\x89PNG\r\n\x1a\n"
_lock = threading.Lock()


class PortalCaptureError(RuntimeError):
    """Chromium is required (``EPROM_REQUIRE_BROWSER=1``) but missing, or it failed."""


def capture_png(url: str, *, width: int = 1000, height: int = 1400) -> bytes | None:
    """The page at ``url`` as a PNG; None when Chromium is not installed (and not required)."""
    if find_chromium() is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            raise PortalCaptureError(
                f"Chromium not found — install it (Debian: apt-get install chromium); "
                f"{REQUIRE_ENV}=1 requires it for the portal pictures"
            )
        return None
    try:
        content = screenshot(url, width=width, height=height)
    except subprocess.TimeoutExpired:
        raise PortalCaptureError(f"Chromium took too long to capture {url}") from None
    except (BrowserError, OSError) as exc:
        raise PortalCaptureError(f"Chromium could not capture {url}: {exc}") from None
    if not content.startswith(_PNG):
        raise PortalCaptureError(f"Chromium could not capture {url}: the answer is not a PNG")
    return content


def picture_of_portal(
    eprom: Any,
    path: str,
    *,
    checkpoint_ids: tuple[str, ...],
    caption: Text,
    order_id: str | None = None,
    height: int = 1400,
    key: str | None = None,
) -> Picture | None:
    """Capture ``/proms/<path>`` of the run's simulator once per run and ``key``.

    Recorded on the run's report; returns the picture (None outside the simulator, when
    this was captured already, or without Chromium — then the reason is a fact of the test).
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
    content = capture_png(f"{simulator.root_url}/proms/{path}", height=height)
    if content is None:
        eprom.fact(
            portal_pictures=Text(
                en="Chromium not installed: no pictures of the portal",
                nb="Chromium er ikke installert: ingen bilder av portalen",
            ).by_language()
        )
        return None
    picture = Picture(
        checkpoint_ids=list(checkpoint_ids),
        captions={"nb": caption.nb, "en": caption.en},
        media_type="image/png",
        data=base64.b64encode(content).decode("ascii"),
        source="simulator",
        order_id=order_id,
    )
    if eprom.recorder is not None:
        eprom.recorder.add_picture(picture)
    return picture
