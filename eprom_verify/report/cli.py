"""``eprom-verify report [DIR]``: re-render, print to PDF, or verify a report folder.

Exit codes: 0 done (or the folder verifies), 1 ``--verify`` found problems, 2 the folder,
its ``report.json`` or Chromium cannot be used (one line says why), or SIGINT/SIGTERM
came (a re-render then finishes and seals the folder first).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from eprom_verify import interrupts
from eprom_verify._exceptions import UsageError
from eprom_verify.exit_codes import ExitCode

from .manifest import MANIFEST_NAME, verify_manifest, write_manifest
from .pdf import ChromiumNotFound, find_chromium, print_pdf
from .render import (
    HTML_NAME,
    JSON_NAME,
    MARKDOWN_NAME,
    load_report,
    write_print_copy,
    write_renderings,
)
from .seal import check_chain, record_reseal

__all__ = ["DEFAULT_REPORTS", "add_arguments", "newest_report_dir", "run"]

DEFAULT_REPORTS = "reports"
PDF_NAME = "report.pdf"
_RENDERED = {HTML_NAME, MARKDOWN_NAME, PDF_NAME, "report.nb.html", "report.en.html"}
_STAMP = re.compile(r"^\d{8}T\d{6}Z")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="the report folder (default: the newest folder under --report-dir)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path(os.environ.get("EPROM_REPORT_DIR", DEFAULT_REPORTS)),
        metavar="PATH",
        help="where report folders are kept (default reports/) [$EPROM_REPORT_DIR]",
    )
    parser.add_argument(
        "--lang", choices=("nb", "en"), help="language of the report (default: as recorded)"
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also print report.pdf with headless Chromium"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help=f"check the folder against its {MANIFEST_NAME} and change nothing",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="re-render and re-seal even when files changed since the report was sealed "
        "(the re-seal is recorded in the report and in --verify's output)",
    )
    parser.add_argument(
        "--by",
        metavar="NAME",
        help="who re-seals the folder, for the seal history (default: the login name)",
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    # the streams of the moment (redacted by the CLI), not those of import time
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        report_dir = args.dir if args.dir is not None else newest_report_dir(args.report_dir)
        if not report_dir.is_dir():
            raise UsageError(f"{report_dir}: no such report folder")
        if args.verify:
            return _verify(report_dir, out=out, err=err)
        with interrupts.writing():  # a signal waits until the folder is sealed again
            code = _rerender(report_dir, args, out=out, err=err)
        if interrupts.stopped_by():
            err.write(
                f"eprom-verify report: stopped by {interrupts.stopped_by()}: the folder was "
                "finished and sealed first (exit 2)\n"
            )
            return ExitCode.INTERRUPTED
        return code
    except UsageError as exc:
        err.write(f"eprom-verify report: {exc}\n")
        return 2


def newest_report_dir(base: Path) -> Path:
    """The newest folder under ``base`` that holds a ``report.json``."""
    candidates = [p.parent for p in base.glob(f"*/{JSON_NAME}")] if base.is_dir() else []
    if not candidates:
        raise UsageError(
            f"no report folder under {base}/ — run 'eprom-verify run' first, "
            "or name the folder: eprom-verify report DIR"
        )
    return max(candidates, key=_age_key)


def _age_key(folder: Path) -> tuple[str, float]:
    stamp = _STAMP.match(folder.name)
    return (stamp[0] if stamp else "", (folder / JSON_NAME).stat().st_mtime)


def _verify(report_dir: Path, *, out: TextIO, err: TextIO) -> int:
    chain, broken = check_chain(report_dir)
    problems = [*verify_manifest(report_dir), *broken]
    for line in chain:
        out.write(f"{line}\n")
    forced = sum("--force" in line for line in chain)
    for problem in problems:
        err.write(f"{problem}\n")
    if problems:
        err.write(f"{report_dir}: {len(problems)} problem(s) — the folder is not as sealed\n")
        return 1
    out.write(f"{report_dir}: every file matches {MANIFEST_NAME}")
    if forced:
        out.write(f" — but it was re-sealed {forced} time(s) after files had changed (above)")
    out.write("\n")
    return 0


def _rerender(report_dir: Path, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    data = load_report(report_dir)
    changed = _changed_since_sealed(report_dir)
    if changed and not args.force:
        for problem in changed:
            err.write(f"{problem}\n")
        raise UsageError(
            f"{report_dir} changed since it was sealed; re-rendering would seal the change "
            "— restore the files, or pass --force to re-seal it as it is"
        )
    if args.pdf and find_chromium() is None:
        raise ChromiumNotFound  # before anything is rewritten
    record_reseal(report_dir, changed=changed, forced=bool(changed), by=args.by)
    written = write_renderings(report_dir, data, lang=args.lang)
    try:
        if args.pdf:
            copy = write_print_copy(report_dir, data, lang=args.lang)
            try:
                written.append(print_pdf(copy, report_dir / PDF_NAME))
            finally:
                copy.unlink(missing_ok=True)
    finally:
        written.append(write_manifest(report_dir))
    for path in written:
        out.write(f"wrote {path}\n")
    return 0


def _changed_since_sealed(report_dir: Path) -> list[str]:
    """Manifest problems, but none about the files a re-render rewrites anyway."""
    if not (report_dir / MANIFEST_NAME).is_file():
        return []
    return [p for p in verify_manifest(report_dir) if p.split(":", 1)[0] not in _RENDERED]
