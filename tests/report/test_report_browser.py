"""The HTML in a real headless Chromium: every row shows, nothing loads from the network,
and ``--pdf`` prints. Without Chromium these fail, unless EPROM_SKIP_BROWSER_TESTS=1."""

from __future__ import annotations

import argparse
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_sample import Sample

from eprom_verify.checklist import CHECKPOINTS
from eprom_verify.report import verify_manifest
from eprom_verify.report.cli import add_arguments, run
from eprom_verify.report.pdf import find_chromium, run_chromium

_NETWORK_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data|formaction)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|@import|\burl\(\s*["']?\s*(?:https?:)?//|<link\b|<script\b[^>]*\bsrc""",
    re.IGNORECASE,
)


def network_references(html: str) -> list[str]:
    return [m.group(0) for m in _NETWORK_REFERENCE.finditer(html)]


def require_chromium() -> str:
    """Called in the test body, so a missing browser is a FAILED test, not an ERROR."""
    found = find_chromium()
    if found is None:
        if os.environ.get("EPROM_SKIP_BROWSER_TESTS") == "1":
            pytest.skip("Chromium not installed and EPROM_SKIP_BROWSER_TESTS=1")
        pytest.fail(
            "Chromium not found on PATH (chromium, chromium-browser or google-chrome) — "
            "install it (Debian: apt-get install chromium), or set EPROM_SKIP_BROWSER_TESTS=1 "
            "to skip the browser tests",
            pytrace=False,
        )
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def test_the_html_references_nothing_on_the_network(sample: Sample):
    html = (sample.report_dir / "report.html").read_text()
    assert network_references(html) == []
    assert "https://proms.hemitdev.org/promswebapi" in html  # shown as text, never loaded


@pytest.mark.parametrize(
    "injected",
    [
        '<img src="https://cdn.example/x.png">',
        "<a href='//cdn.example/x'>x</a>",
        '<link rel="stylesheet" href="style.css">',
        "<style>@import 'x.css';</style>",
        "<div style=\"background: url( 'http://cdn.example/b.png')\"></div>",
        '<script src="app.js"></script>',
    ],
)
def test_the_network_reference_check_can_fail(injected: str):
    assert network_references(f"<p>ok</p>{injected}") != []


def test_chromium_shows_every_checkpoint_row(sample: Sample, tmp_path: Path):
    require_chromium()
    uri = (sample.report_dir / "report.html").resolve().as_uri()
    dump = run_chromium("--dump-dom", uri)
    assert dump.returncode == 0, dump.stderr[-2000:]
    text = page_text(dump.stdout)
    assert "ePROM-verifikasjonsrapport" in text
    for cp in CHECKPOINTS:
        assert f"{cp.id} {cp.nb}" in text, cp.id
    assert network_references(dump.stdout) == []

    png = tmp_path / "report.png"
    shot = run_chromium("--hide-scrollbars", "--window-size=1280,2400", f"--screenshot={png}", uri)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a rendered page, not a blank one


def test_pdf_is_printed_and_sealed(sample: Sample):
    require_chromium()
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args([str(sample.report_dir), "--pdf"]), out=out, err=err)
    assert code == 0, err.getvalue()
    pdf = sample.report_dir / "report.pdf"
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert "report.pdf" in (sample.report_dir / "MANIFEST.sha256").read_text()
    assert verify_manifest(sample.report_dir) == []
