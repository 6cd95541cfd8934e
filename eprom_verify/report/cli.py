"""``eprom-verify report [DIR]``: re-render, print to PDF, sign, or verify a report folder.

``--sign KEYFILE`` re-renders the folder saying who seals it, writes the manifest and signs
it (``MANIFEST.sha256.sig``, an SSH signature; see ``sign.py``). ``--verify`` checks the
manifest, the seal history and the signature, and fails on any change, a forced re-seal
included. ``eprom-verify report diff OLD NEW`` compares two report folders (``diff.py``).

Exit codes: 0 done (or the folder verifies), 1 ``--verify`` found problems, 2 the folder,
its ``report.json``, the key or Chromium cannot be used (one line says why), or
SIGINT/SIGTERM came (a re-render then finishes and seals the folder first).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from eprom_verify import interrupts
from eprom_verify._exceptions import UsageError
from eprom_verify.exit_codes import ExitCode

from ._io import write_atomic
from .manifest import MANIFEST_NAME, SIGNATURE_NAME, verify_manifest, write_manifest
from .pdf import ChromiumNotFound, find_chromium, print_pdf
from .render import (
    HTML_NAME,
    JSON_NAME,
    MARKDOWN_NAME,
    load_report,
    write_print_copy,
    write_renderings,
)
from .seal import Reseal, check_chain, read_log, record_reseal
from .sign import (
    KEY_TYPE,
    NAMESPACE,
    PASSPHRASE_ENV,
    BadSignature,
    PublicKey,
    load_signing_key,
    read_trusted_keys,
    sign,
    verify,
)

__all__ = ["DEFAULT_REPORTS", "add_arguments", "newest_report_dir", "run"]

DEFAULT_REPORTS = "reports"
PDF_NAME = "report.pdf"
_RENDERED = {HTML_NAME, MARKDOWN_NAME, PDF_NAME, "report.nb.html", "report.en.html"}
DIFF_COMMAND = "diff"
_STAMP = re.compile(r"^\d{8}T\d{6}Z")


#: ``report --help``'s list of modes, (command, what it does) (a test holds it to the options).
_MODES = (
    ("[DIR]", "re-render report.html and report.md from report.json (--lang to switch)"
              " and re-seal the folder"),
    ("[DIR] --pdf", "also print report.pdf with headless Chromium"),
    ("[DIR] --sign KEYFILE", f"re-render, re-seal and sign the manifest ({SIGNATURE_NAME})"),
    ("[DIR] --verify", f"check the folder against {MANIFEST_NAME}, its seal history and"
                       " signature; change nothing"),
    (f"{DIFF_COMMAND} OLD NEW", "compare two report folders (--json for a machine)"),
)  # fmt: skip


def _modes() -> str:
    import textwrap

    lines = ["modes:"]
    for command, what in _MODES:
        lines.append(f"  eprom-verify report {command}")
        lines.extend(textwrap.wrap(what, 76, initial_indent=" " * 6, subsequent_indent=" " * 6))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _modes()
    parser.add_argument(
        "dir",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="the report folder (default: the newest folder under --report-dir); "
        f"'{DIFF_COMMAND} OLD NEW' compares two report folders",
    )
    parser.add_argument("folders", nargs="*", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--json",
        action="store_true",
        help=f"with '{DIFF_COMMAND} OLD NEW': print the comparison as JSON",
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
        help="who re-seals or signs the folder, for the seal history (default: user@host)",
    )
    parser.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the folder is re-sealed, for the seal history (shown by --verify)",
    )
    parser.add_argument(
        "--sign",
        type=Path,
        metavar="KEYFILE",
        help="sign the manifest with this OpenSSH Ed25519 private key (ssh-keygen -t "
        f"ed25519); a passphrase-protected key reads ${PASSPHRASE_ENV}",
    )
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="with --verify: the signer's public key (.pub) the signature must be made with",
    )
    trust.add_argument(
        "--allowed-signers",
        type=Path,
        metavar="FILE",
        help="with --verify: an ssh-keygen allowed_signers file; the signer must be in it",
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now: a caller may have replaced sys.stdout
    err = err or sys.stderr
    try:
        if args.dir == Path(DIFF_COMMAND) and args.folders:
            return _diff(args, out=out)
        if args.folders:
            raise UsageError(
                "one report folder at a time; to compare two: "
                f"eprom-verify report {DIFF_COMMAND} OLD NEW"
            )
        if args.json:
            raise UsageError(f"--json goes with: eprom-verify report {DIFF_COMMAND} OLD NEW")
        _check_combination(args)
        report_dir = args.dir if args.dir is not None else newest_report_dir(args.report_dir)
        if not report_dir.is_dir():
            raise UsageError(f"{report_dir}: no such report folder")
        if args.verify:
            return _verify(report_dir, args, out=out, err=err)
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


def _diff(args: argparse.Namespace, *, out: TextIO) -> int:
    from .diff import diff_reports, print_diff

    if len(args.folders) != 2:
        raise UsageError(f"{DIFF_COMMAND} compares two report folders: {DIFF_COMMAND} OLD NEW")
    for flag in ("verify", "sign", "force", "pdf", "lang", "public_key", "allowed_signers"):
        if getattr(args, flag):
            raise UsageError(f"--{flag.replace('_', '-')} does not go with {DIFF_COMMAND}")
    result = diff_reports(*args.folders)
    if args.json:
        out.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        print_diff(result, out)
    return 0


def _check_combination(args: argparse.Namespace) -> None:
    trusted = args.public_key or args.allowed_signers
    if trusted is not None and not args.verify:
        raise UsageError("--public-key and --allowed-signers go with --verify")
    if args.verify and (args.sign or args.force or args.pdf or args.lang):
        raise UsageError(
            "--verify changes nothing: it cannot go with --sign, --force, --pdf or --lang"
        )


def _verify(report_dir: Path, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    trusted_file: Path | None = args.public_key or args.allowed_signers
    trusted = read_trusted_keys(trusted_file) if trusted_file is not None else None
    chain, broken = check_chain(report_dir)
    log = read_log(report_dir)
    problems = [*verify_manifest(report_dir), *broken]
    problems += [_forced_problem(entry) for entry in log if entry.forced]
    for line in chain:
        out.write(f"{line}\n")
    signed, sig_problems = _check_signature(report_dir, log, trusted, trusted_file)
    problems += sig_problems
    for problem in problems:
        err.write(f"{problem}\n")
    if problems:
        err.write(f"{report_dir}: {len(problems)} problem(s) — the folder is not as sealed\n")
        return 1
    out.write(f"{report_dir}: every file matches {MANIFEST_NAME}")
    out.write(f"; {signed}\n" if signed else f"; not signed ({SIGNATURE_NAME} absent)\n")
    return 0


def _forced_problem(entry: Reseal) -> str:
    what = "; ".join(entry.changed) or "files had changed"
    why = f", reason: {entry.reason}" if entry.reason else ""
    return (
        f"re-sealed with --force on {entry.at:%Y-%m-%d %H:%M:%S} UTC by {entry.by} after "
        f"changes ({what}{why}) — seal {entry.number} in seals/log.json; this is not the "
        "folder the run sealed"
    )


def _check_signature(
    report_dir: Path,
    log: list[Reseal],
    trusted: list[PublicKey] | None,
    trusted_file: Path | None,
) -> tuple[str | None, list[str]]:
    """(what the signature says when it verifies, problems)."""
    signature = report_dir / SIGNATURE_NAME
    manifest = report_dir / MANIFEST_NAME
    if not signature.is_file():
        if trusted is not None:
            return None, [f"{SIGNATURE_NAME}: missing — the folder is not signed"]
        signed_before = [e.number for e in log if e.signed_with]
        if signed_before:
            return None, [
                f"{SIGNATURE_NAME}: missing — the folder was signed (seal {signed_before[-1]}) "
                "but its manifest is not"
            ]
        return None, []
    if not manifest.is_file():
        return None, []  # verify_manifest has said so
    try:
        signer = verify(
            manifest.read_bytes(), signature.read_text(encoding="utf-8", errors="replace")
        )
    except BadSignature as exc:
        return None, [f"{SIGNATURE_NAME}: {exc}"]
    if trusted is None:
        return (
            f"{MANIFEST_NAME} is signed with {KEY_TYPE} key {signer.fingerprint} — compare it "
            "with the integrator's key, or pass --public-key/--allowed-signers",
            [],
        )
    match = next((key for key in trusted if key.same_key(signer)), None)
    if match is None:
        return None, [
            f"{SIGNATURE_NAME}: signed with key {signer.fingerprint}, which is not in "
            f"{trusted_file}"
        ]
    who = f" of {match.principal}" if match.principal else ""
    return f"{MANIFEST_NAME} is signed with the trusted key{who} ({signer.fingerprint})", []


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
    key = load_signing_key(args.sign) if args.sign is not None else None
    if key is None and (report_dir / SIGNATURE_NAME).is_file() and not args.force:
        raise UsageError(
            f"{report_dir} is signed; re-rendering would leave the signature over the old "
            "manifest — pass --sign KEYFILE to sign it again"
        )
    record_reseal(
        report_dir,
        changed=changed,
        forced=bool(changed),
        by=args.by,
        reason=args.reason,
        signed_with=f"{KEY_TYPE} {key[1].fingerprint}" if key else None,
    )
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
    if key is not None:
        signature = sign((report_dir / MANIFEST_NAME).read_bytes(), key[0], namespace=NAMESPACE)
        write_atomic(report_dir / SIGNATURE_NAME, signature)
        written.append(report_dir / SIGNATURE_NAME)
    for path in written:
        out.write(f"wrote {path}\n")
    return 0


def _changed_since_sealed(report_dir: Path) -> list[str]:
    """Manifest problems, but none about the files a re-render rewrites anyway."""
    if not (report_dir / MANIFEST_NAME).is_file():
        return []
    return [p for p in verify_manifest(report_dir) if p.split(":", 1)[0] not in _RENDERED]
