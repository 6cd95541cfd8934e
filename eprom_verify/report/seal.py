"""The seal's history: every re-seal of a report folder is recorded, and the chain checks.

``MANIFEST.sha256`` protects a folder against accidents; it cannot protect it against the
person who submits it, who may change a file and re-seal. What this module adds is that a
re-seal by eprom-verify never hides: before the manifest is rewritten, the old one is kept as
``seals/MANIFEST.<n>.sha256`` and ``seals/log.json`` gets an entry (when, by whom, what had
changed since the previous seal, the SHA-256 of the previous manifest). Both are sealed by the
new manifest, the report shows every entry, and ``eprom-verify report DIR --verify`` walks the
chain. A folder re-sealed by hand (``sha256sum``) with the log removed cannot be told from a
fresh one: send the manifest's own SHA-256 to Hemit beside the folder when that matters.
"""

from __future__ import annotations

import getpass
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ._io import write_atomic
from .manifest import MANIFEST_NAME
from .model import UtcDatetime, _Model

__all__ = ["SEALS_DIR", "SEAL_LOG", "Reseal", "check_chain", "read_log", "record_reseal"]

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
    now: datetime | None = None,
) -> Reseal | None:
    """Keep the current manifest and log the re-seal about to happen; None if never sealed."""
    manifest = report_dir / MANIFEST_NAME
    if not manifest.is_file():
        return None
    log = read_log(report_dir)
    number = len(log) + 1
    kept = f"{SEALS_DIR}/MANIFEST.{number}.sha256"
    raw = manifest.read_bytes()
    (report_dir / SEALS_DIR).mkdir(exist_ok=True)
    write_atomic(report_dir / kept, raw)
    entry = Reseal(
        number=number,
        at=now or datetime.now(UTC),
        by=by or _user(),
        changed=changed,
        forced=forced,
        previous_manifest_sha256=hashlib.sha256(raw).hexdigest(),
        previous_manifest=kept,
    )
    write_atomic(
        report_dir / SEAL_LOG,
        _LOG.dump_json([*log, entry], indent=2).decode() + "\n",
    )
    return entry


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


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
        what = "; ".join(entry.changed) if entry.changed else "no file had changed"
        how = "re-sealed with --force after changes" if entry.forced else "re-rendered"
        lines.append(
            f"seal {entry.number}: {entry.at:%Y-%m-%d %H:%M:%S} UTC by {entry.by}: {how} "
            f"({what}); previous manifest sha256:{entry.previous_manifest_sha256}"
        )
        kept = report_dir / entry.previous_manifest
        if not kept.is_file():
            problems.append(f"{entry.previous_manifest}: the previous manifest is missing")
        elif hashlib.sha256(kept.read_bytes()).hexdigest() != entry.previous_manifest_sha256:
            problems.append(
                f"{entry.previous_manifest}: does not match the SHA-256 in {SEAL_LOG} "
                f"(seal {entry.number})"
            )
    return lines, problems
