"""Helpers for the tests that need a real Chromium (and poppler's pdftotext).

Without the tool the test is skipped with the reason shown in pytest's summary; with
``EPROM_REQUIRE_BROWSER=1`` (CI sets it) a missing tool fails the test instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from eprom_verify.report import pdf as shared_browser
from eprom_verify.report.pdf import find_chromium

REQUIRE_ENV = "EPROM_REQUIRE_BROWSER"
#: A4 minus the report's page margins (11 mm each side), in CSS pixels at 96 dpi.
A4_CONTENT_PX = round((210 - 22) / 25.4 * 96)


def _missing(what: str, hint: str) -> None:
    message = f"{what} not found on PATH — install it (Debian: apt-get install {hint})"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")


def require_chromium() -> str:
    """Called in the test body: skipped with a reason, or failed when it is required."""
    found = find_chromium()
    if found is None:
        _missing("Chromium (chromium, chromium-browser or google-chrome)", "chromium")
    assert found is not None
    return found


def require_pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        _missing("pdftotext", "poppler-utils")
    assert found is not None
    return found


_PROBE = """
<script>
(function () {
  var vh = window.innerHeight, vw = document.documentElement.clientWidth, out = {vh: vh, vw: vw};
  function box(el) { var r = el.getBoundingClientRect(); return [r.top, r.bottom, r.right]; }
  out.rows = {};
  document.querySelectorAll('tr[id^="cp-"]').forEach(function (tr) { out.rows[tr.id.slice(3)] = box(tr); });
  out.failed = Array.prototype.map.call(document.querySelectorAll("tr.r-failed"), function (tr) { return tr.id.slice(3); });
  var verdict = document.getElementById("summary");
  out.verdict = verdict ? box(verdict) : null;
  var kind = document.getElementById("kind");
  out.kind = kind ? box(kind) : null;
  out.first = {};
  document.querySelectorAll('h3[id^="first-"]').forEach(function (h) { out.first[h.id.slice(6)] = box(h); });
  out.overflow = [];
  document.querySelectorAll("table, td, th, pre").forEach(function (el) {
    var r = el.getBoundingClientRect();
    var wider = el.scrollWidth > el.clientWidth + 1 && el.tagName !== "TABLE";
    if (r.width && (r.right > vw + 0.5 || wider)) {
      out.overflow.push(el.tagName + ": " + (el.textContent || "").trim().slice(0, 60));
    }
  });
  document.body.setAttribute("data-probe", JSON.stringify(out));
})();
</script>
"""


def probe_layout(
    html: str, tmp: Path, *, width: int, height: int, print_css: bool = False
) -> dict[str, Any]:
    """Load ``html`` in Chromium at ``width``×``height`` and measure its layout.

    ``print_css``: the ``@media print`` rules apply as they do when printing, so a table
    that would not fit the A4 page shows as an overflow at ``A4_CONTENT_PX``.
    """
    if print_css:
        html = html.replace("@media print", "@media all")
    page = tmp / f"probe-{width}x{height}.html"
    page.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    found = re.search(r'data-probe="([^"]*)"', dump_dom(page.as_uri(), width=width, height=height))
    assert found, "the layout probe did not run"
    raw = found.group(1).replace("&quot;", '"').replace("&amp;", "&")
    return json.loads(raw)  # type: ignore[no-any-return]


def dump_dom(url: str, *, width: int = 1400, height: int = 900) -> str:
    """The page's DOM after it loaded, as ``chromium --dump-dom`` prints it.

    In the worker's shared browser (``eprom_verify.report.pdf``, issue 25): one Chromium a
    pytest process, not one a page; a new one starts after a failure.
    """
    require_chromium()
    return shared_browser.dom(url, width=width, height=height)


def screenshot(html_file: Path, png: Path, *, width: int = 1400, height: int = 900) -> Path:
    """What ``chromium --screenshot`` takes (byte for byte: tests/report/test_browser_session.py),
    in the worker's shared browser."""
    require_chromium()
    png.write_bytes(
        shared_browser.screenshot(html_file.resolve().as_uri(), width=width, height=height)
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return png


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, by pdftotext."""
    done = subprocess.run(
        [require_pdftotext(), str(pdf), "-"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages
