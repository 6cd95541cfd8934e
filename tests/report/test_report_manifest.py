"""MANIFEST.sha256: written last, checked by coreutils and by verify_manifest."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from report_sample import Sample

from eprom_verify.report import MANIFEST_NAME, verify_manifest, write_manifest

needs_sha256sum = pytest.mark.skipif(
    shutil.which("sha256sum") is None, reason="sha256sum (coreutils) is not installed"
)


def sha256sum_check(report_dir) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--check", "--strict", MANIFEST_NAME],
        cwd=report_dir,
        capture_output=True,
        text=True,
        check=False,
    )


def listed(report_dir) -> list[str]:
    return [
        line.split("  ", 1)[1] for line in (report_dir / MANIFEST_NAME).read_text().splitlines()
    ]


def test_manifest_lists_every_file_but_itself(sample: Sample):
    assert listed(sample.report_dir) == [
        "evidence/e0001.json",
        "evidence/e0002.json",
        "evidence/e0003.json",
        "report.en.html",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert verify_manifest(sample.report_dir) == []


@needs_sha256sum
def test_sha256sum_accepts_the_manifest(sample: Sample):
    done = sha256sum_check(sample.report_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "evidence/e0003.json: OK" in done.stdout


@needs_sha256sum
def test_an_edited_evidence_file_is_detected_by_both(sample: Sample):
    evidence = sample.report_dir / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace('"Ordered"', '"Error"'))
    done = sha256sum_check(sample.report_dir)
    assert done.returncode == 1
    assert "evidence/e0003.json: FAILED" in done.stdout
    assert verify_manifest(sample.report_dir) == [
        "evidence/e0003.json: changed since the report was sealed (SHA-256 differs)"
    ]


def test_missing_and_added_files_are_reported(sample: Sample):
    (sample.report_dir / "evidence" / "e0002.json").unlink()
    (sample.report_dir / "evidence" / "e0099.json").write_text("{}")
    assert verify_manifest(sample.report_dir) == [
        "evidence/e0002.json: listed in MANIFEST.sha256 but missing",
        "evidence/e0099.json: not in MANIFEST.sha256 (added after the report was sealed)",
    ]


def test_a_missing_or_garbled_manifest_is_reported(sample: Sample):
    manifest = sample.report_dir / MANIFEST_NAME
    manifest.write_text("not a manifest line\n" + manifest.read_text())
    assert verify_manifest(sample.report_dir) == [
        "MANIFEST.sha256:1: not a '<sha256>  <file>' line"
    ]
    manifest.unlink()
    (problem,) = verify_manifest(sample.report_dir)
    assert problem.endswith("missing — the folder was never sealed or the manifest was removed")


@needs_sha256sum
def test_odd_file_names_are_escaped_as_sha256sum_does(tmp_path):
    (tmp_path / "back\\slash.txt").write_text("a")
    (tmp_path / "new\nline.txt").write_text("b")
    (tmp_path / "plain.txt").write_text("c")
    write_manifest(tmp_path)
    assert verify_manifest(tmp_path) == []
    done = sha256sum_check(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
