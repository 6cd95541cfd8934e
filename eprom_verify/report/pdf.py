"""Print ``report.html`` to PDF with a headless Chromium, when one is installed.

Chromium runs with a throw-away profile and every background network feature off; the
page itself loads nothing from the network (it is self-contained).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from eprom_verify._exceptions import UsageError

__all__ = [
    "BROWSERS",
    "CHROMIUM_FLAGS",
    "ChromiumNotFound",
    "find_chromium",
    "print_pdf",
    "run_chromium",
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
    """Print ``html`` to ``pdf``; a :class:`UsageError` says why when it could not."""
    pdf.unlink(missing_ok=True)
    try:
        done = run_chromium(
            "--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", html.resolve().as_uri()
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"Chromium did not print {html} within {_TIMEOUT_S} s") from None
    if not pdf.is_file() or pdf.read_bytes()[:4] != b"%PDF":
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise UsageError(f"Chromium did not write {pdf} (exit {done.returncode}): {last}")
    return pdf
