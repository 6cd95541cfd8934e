"""``eprom-verify report [DIR]``: re-render, verify, and the one-line errors."""

from __future__ import annotations

import argparse
import io
import json
import os
from pathlib import Path

import pytest
from report_sample import Sample

from eprom_verify.report import MANIFEST_NAME, verify_manifest
from eprom_verify.report.cli import add_arguments, run


def report(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="eprom-verify report")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(list(argv)), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_rerender_in_english_rewrites_html_md_and_manifest(sample: Sample):
    before = (sample.report_dir / MANIFEST_NAME).read_text()
    json_before = (sample.report_dir / "report.json").read_bytes()
    code, out, err = report(str(sample.report_dir), "--lang", "en")
    assert (code, err) == (0, "")
    assert out.count("wrote ") == 4  # report.html, report.nb.html, report.md, the manifest
    html = (sample.report_dir / "report.html").read_text()
    assert '<html lang="en">' in html
    assert '<html lang="nb">' in (sample.report_dir / "report.nb.html").read_text()
    assert not (sample.report_dir / "report.en.html").exists()  # it is report.html now
    manifest = (sample.report_dir / MANIFEST_NAME).read_text()
    assert "  report.html\n" in manifest
    assert "  report.nb.html\n" in manifest
    assert "The form is ordered to the expected notification channel" in html
    assert "# ePROM verification report" in (sample.report_dir / "report.md").read_text()
    assert (sample.report_dir / "report.json").read_bytes() == json_before
    assert (sample.report_dir / MANIFEST_NAME).read_text() != before
    assert verify_manifest(sample.report_dir) == []


def test_dir_defaults_to_the_newest_report_under_reports(sample_factory, monkeypatch):
    older = sample_factory(environment="simulator")
    newer = sample_factory(environment="test")
    os.utime(older.report_dir / "report.json", (1, 1))
    monkeypatch.chdir(newer.report_dir.parents[1])
    code, out, _ = report()
    assert code == 0
    assert f"reports/{newer.report_dir.name}/report.html" in out


def test_no_report_folder_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = report()
    assert code == 2
    assert out == ""
    assert err == (
        "eprom-verify report: no report folder under reports/ — run 'eprom-verify run' "
        "first, or name the folder: eprom-verify report DIR\n"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "report.json: not found — is"),
        ("{not json", "report.json:1: not valid JSON (Expecting property name"),
        ('{"schema_version": "2.0"}', "schema_version is '2.0', this eprom-verify reads 1.x"),
        (
            '{"schema_version": "1.0", "run": {}}',
            "report.json: run.ordering_system: Field required",
        ),
    ],
)
def test_missing_or_invalid_report_json_is_one_line_and_exit_2(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "report.json").write_text(content)
    code, _, err = report(str(tmp_path))
    assert code == 2
    assert err.count("\n") == 1
    assert expected in err


def test_verify_passes_then_fails_after_an_edit(sample: Sample):
    code, out, err = report(str(sample.report_dir), "--verify")
    assert (code, err) == (0, "")
    assert "every file matches MANIFEST.sha256" in out
    evidence = sample.report_dir / "evidence" / "e0001.json"
    evidence.write_text(evidence.read_text() + " ")
    code, out, err = report(str(sample.report_dir), "--verify")
    assert code == 1
    assert "evidence/e0001.json: changed since the report was sealed" in err


def test_rerender_refuses_to_seal_a_changed_folder_unless_forced(sample: Sample):
    evidence = sample.report_dir / "evidence" / "e0001.json"
    evidence.write_text(evidence.read_text() + " ")
    code, _, err = report(str(sample.report_dir))
    assert code == 2
    assert "evidence/e0001.json: changed since the report was sealed" in err
    assert "pass --force to re-seal it as it is" in err
    code, _, _ = report(str(sample.report_dir), "--force")
    assert code == 0
    assert verify_manifest(sample.report_dir) == []


def test_rendered_files_may_differ_before_a_rerender(sample: Sample):
    (sample.report_dir / "report.html").write_text("stale")
    assert report(str(sample.report_dir))[0] == 0


def test_pdf_without_chromium_is_one_clear_line_and_exit_2(sample: Sample, monkeypatch):
    html = (sample.report_dir / "report.html").read_bytes()
    monkeypatch.setenv("PATH", str(sample.report_dir))  # no browser there
    code, _, err = report(str(sample.report_dir), "--pdf", "--lang", "en")
    assert code == 2
    assert err == (
        "eprom-verify report: Chromium not found — install it (Debian: apt-get install "
        "chromium) or open report.html in a browser and print\n"
    )
    assert (sample.report_dir / "report.html").read_bytes() == html  # nothing rewritten
    assert verify_manifest(sample.report_dir) == []


def test_not_a_folder(tmp_path: Path):
    code, _, err = report(str(tmp_path / "missing"))
    assert code == 2
    assert "missing: no such report folder" in err


def test_a_schema_1_0_report_still_renders(sample: Sample):
    path = sample.report_dir / "report.json"
    document = json.loads(path.read_text())
    document["schema_version"] = "1.0"
    for name in ("faults_injected", "receiver_url"):
        del document["run"][name]
    for check in document["checks"]:
        for name in ("facts", "severity", "messages"):
            del check[name]
    path.write_text(json.dumps(document))
    code, _, err = report(str(sample.report_dir), "--force")
    assert (code, err) == (0, "")
    assert "V1.3" in (sample.report_dir / "report.html").read_text()


def test_help_names_every_mode(capsys: pytest.CaptureFixture[str]) -> None:
    """``report --help`` and ``eprom-verify --help`` say it re-renders, prints, signs,
    verifies and compares — not only that it re-renders."""
    import re

    from eprom_verify.cli import build_parser, main

    with pytest.raises(SystemExit) as done:
        main(["report", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "modes:" in text, f"report --help lists no modes:\n{text}"
    modes = text[text.index("modes:") :]
    for mode in ("[DIR]\n", "[DIR] --pdf", "[DIR] --sign KEYFILE", "[DIR] --verify",
                 "diff OLD NEW"):  # fmt: skip
        assert f"eprom-verify report {mode}" in modes, f"report --help lacks {mode!r}"
    # every option a mode names is one the command takes
    parser = build_parser("report")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    known = {o for a in sub.choices["report"]._actions for o in a.option_strings}
    named = set(re.findall(r"--[a-z][a-z-]+", modes))
    assert named
    assert named <= known, f"report --help names unknown options {named - known}"

    with pytest.raises(SystemExit):
        main(["--help"])
    top = " ".join(capsys.readouterr().out.split())
    line = next(a.help for a in sub._choices_actions if a.dest == "report") or ""
    assert f" report {line} " in top
    for word in ("re-render", "PDF", "sign", "verify", "diff"):
        assert word in line, f"eprom-verify --help's report line lacks {word!r}: {line}"
