"""Compiled report templates are kept between runs (issue 25), and change nothing in the report.

Compiling the three templates cost more than rendering them; Jinja's bytecode cache keeps
them in ``$XDG_CACHE_HOME/eprom-verify/jinja``. The report must come out byte for byte the
same with a cold cache, a warm one, a damaged one and none at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_sample import Sample

from eprom_verify.report import render


@pytest.fixture
def fresh_environment() -> Iterator[None]:
    """The template environment is made once a process: again for each of these tests."""
    render._environment.cache_clear()
    yield
    render._environment.cache_clear()


def _page(sample: Sample) -> str:
    render._environment.cache_clear()
    return render.render_html(sample.data, lang="en") + render.render_markdown(sample.data)


def test_a_warm_cache_renders_the_same_report(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_environment: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cold = _page(sample)
    folder = tmp_path / "cache" / "eprom-verify" / "jinja"
    stored = sorted(folder.glob("__jinja2_*.cache"))
    assert len(stored) >= 2, f"expected the HTML and Markdown templates cached in {folder}"
    warm = _page(sample)
    assert warm == cold, "the report rendered from cached templates differs"


def test_a_damaged_cache_is_compiled_again(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_environment: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cold = _page(sample)
    stored = list((tmp_path / "cache" / "eprom-verify" / "jinja").glob("__jinja2_*.cache"))
    for entry in stored:
        entry.write_bytes(b"not a compiled template")
    assert _page(sample) == cold
    for entry in stored:
        assert entry.read_bytes() != b"not a compiled template", f"{entry.name} not rewritten"


def test_no_writable_cache_still_renders(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_environment: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    expected = _page(sample)
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder's parent is a file", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert render._template_cache() is None
    assert _page(sample) == expected
    assert blocked.read_text(encoding="utf-8") == "the cache folder's parent is a file"
