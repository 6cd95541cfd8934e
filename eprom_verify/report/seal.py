"""The seal's history: every re-seal of a report folder is recorded, and the chain checks.

A folder is sealed first when the run finishes (``MANIFEST.sha256``). Each later seal —
re-rendering, signing with ``--sign``, or sealing changed files with ``--force`` — is logged
here with who (``--by`` or user@host), when, why (``--reason``, and the files that had
changed) and the key it was signed with, if any. ``eprom-verify report DIR --verify`` fails
on a folder that was ever re-sealed with ``--force``: such a folder is no longer the evidence
the run produced, whatever its manifest says.

``MANIFEST.sha256`` protects a folder against accidents; it cannot protect it against the
person who submits it, who may change a file and re-seal. What this module adds is that a
re-seal by eprom-verify never hides: before the manifest is rewritten, the old one is kept as
``seals/MANIFEST.<n>.sha256`` and ``seals/log.json`` gets an entry (when, by whom, what had
changed since the previous seal, the SHA-256 of the previous manifest). Both are sealed by the
new manifest, the report shows every entry, and ``eprom-verify report DIR --verify`` walks the
chain. A folder re-sealed by hand (``sha256sum``) with the log removed cannot be told from a
fresh one — unless it was signed: then the signature no longer matches, and a signature
made anew with another key does not verify with the integrator's public key.
"""

from __future__ import annotations

import getpass
import hashlib
import socket
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from eprom_verify.report._io import write_atomic
from eprom_verify.report.manifest import MANIFEST_NAME, SIGNATURE_NAME
from eprom_verify.report.model import UtcDatetime, _Model

__all__ = [
    "SEALS_DIR",
    "SEAL_LOG",
    "Reseal",
    "check_chain",
    "describe",
    "read_log",
    "record_reseal",
]

SEALS_DIR = "seals"
SEAL_LOG = f"{SEALS_DIR}/log.json"


class Reseal(_Model):
    """One re-seal of the folder after it was first sealed."""

    number: int
    at: UtcDatetime
    by: str
    #: the files that differed from the previous seal (manifest problems, one line each)
    changed: list[str]
    forced: bool
    previous_manifest_sha256: str
    #: the previous manifest as kept in the folder
    previous_manifest: str
    #: why, as the person re-sealing gave it (``--reason``)
    reason: str | None = None
    #: the previous manifest's signature, kept beside it, when it was signed
    previous_signature: str | None = None
    #: this seal's signing key (``ssh-ed25519 SHA256:…``) when it was signed with ``--sign``
    signed_with: str | None = None


_LOG = TypeAdapter(list[Reseal])


def read_log(report_dir: Path) -> list[Reseal]:
    """The re-seals recorded in the folder, oldest first; none when there is no log."""
    path = report_dir / SEAL_LOG
    if not path.is_file():
        return []
    try:
        return _LOG.validate_json(path.read_bytes())
    except ValidationError:
        return []


def record_reseal(
    report_dir: Path,
    *,
    changed: list[str],
    forced: bool,
    by: str | None = None,
    reason: str | None = None,
    signed_with: str | None = None,
    now: datetime | None = None,
) -> Reseal | None:
    """Keep the current manifest (and signature) and log the re-seal about to happen.

    None when the folder was never sealed. The signature moves to ``seals/``: it signs the
    old manifest, and a new one is made only with ``--sign``.
    """
    manifest = report_dir / MANIFEST_NAME
    if not manifest.is_file():
        return None
    log = read_log(report_dir)
    number = len(log) + 1
    kept = f"{SEALS_DIR}/MANIFEST.{number}.sha256"
    raw = manifest.read_bytes()
    (report_dir / SEALS_DIR).mkdir(exist_ok=True)
    write_atomic(report_dir / kept, raw)
    signature = report_dir / SIGNATURE_NAME
    kept_signature = None
    if signature.is_file():
        kept_signature = f"{SEALS_DIR}/MANIFEST.{number}.sha256.sig"
        signature.replace(report_dir / kept_signature)
    entry = Reseal(
        number=number,
        at=now or datetime.now(UTC),
        by=by or _user(),
        changed=changed,
        forced=forced,
        previous_manifest_sha256=hashlib.sha256(raw).hexdigest(),
        previous_manifest=kept,
        reason=reason,
        previous_signature=kept_signature,
        signed_with=signed_with,
    )
    write_atomic(
        report_dir / SEAL_LOG,
        _LOG.dump_json([*log, entry], indent=2).decode() + "\n",
    )
    return entry


def _user() -> str:
    """``user@host`` of whoever runs this (the default for ``--by``)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'unknown-host'}"


def describe(entry: Reseal) -> str:
    """One line for ``--verify``: when, by whom, what and why."""
    what = "; ".join(entry.changed) if entry.changed else "no file had changed"
    if entry.forced:
        how = "re-sealed with --force after changes"
    elif entry.signed_with:
        how = "re-rendered and signed"
    else:
        how = "re-rendered"
    line = f"seal {entry.number}: {entry.at:%Y-%m-%d %H:%M:%S} UTC by {entry.by}: {how} ({what})"
    if entry.reason:
        line += f"; reason: {entry.reason}"
    if entry.signed_with:
        line += f"; signed with {entry.signed_with}"
    return line + f"; previous manifest sha256:{entry.previous_manifest_sha256}"


def check_chain(report_dir: Path) -> tuple[list[str], list[str]]:
    """(lines describing the chain, problems): each kept manifest must match its entry."""
    lines: list[str] = []
    problems: list[str] = []
    log_path = report_dir / SEAL_LOG
    if log_path.is_file():
        try:
            _LOG.validate_json(log_path.read_bytes())
        except ValidationError:
            problems.append(f"{SEAL_LOG}: not a valid seal log — was it edited by hand?")
    for entry in read_log(report_dir):
        lines.append(describe(entry))
        if entry.previous_signature and not (report_dir / entry.previous_signature).is_file():
            problems.append(f"{entry.previous_signature}: the previous signature is missing")
        kept = report_dir / entry.previous_manifest
        if not kept.is_file():
            problems.append(f"{entry.previous_manifest}: the previous manifest is missing")
        elif hashlib.sha256(kept.read_bytes()).hexdigest() != entry.previous_manifest_sha256:
            problems.append(
                f"{entry.previous_manifest}: does not match the SHA-256 in {SEAL_LOG} "
                f"(seal {entry.number})"
            )
    return lines, problems
