"""``MANIFEST.sha256``: the SHA-256 of every file in a report folder, in ``sha256sum`` format.

Written last, so it seals the folder as handed to Hemit. ``sha256sum -c MANIFEST.sha256``
run in the folder checks it with nothing but coreutils; :func:`verify_manifest` does the
same and also reports files added after sealing, which ``sha256sum -c`` cannot see.
The manifest alone protects against accidents, not against whoever holds the folder: anyone
can recompute it. ``eprom-verify report DIR --sign KEYFILE`` adds ``MANIFEST.sha256.sig``, an
SSH signature of the manifest (``sign.py``) that a third party checks with the signer's key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from eprom_verify.report._io import TEMP_PREFIX, write_atomic

__all__ = [
    "MANIFEST_NAME",
    "SIGNATURE_NAME",
    "report_files",
    "verify_manifest",
    "write_manifest",
]

MANIFEST_NAME = "MANIFEST.sha256"
#: the SSH signature of the manifest (see ``sign.py``); it cannot be listed in what it signs
SIGNATURE_NAME = "MANIFEST.sha256.sig"
_CHUNK = 1 << 16
_UNESCAPE = re.compile(r"\\(.)")


def report_files(report_dir: Path) -> list[Path]:
    """Every regular file under ``report_dir`` but the manifest, its signature and temp files."""
    return sorted(
        path
        for path in _walk(report_dir)
        if path.relative_to(report_dir).as_posix() not in (MANIFEST_NAME, SIGNATURE_NAME)
        and not path.name.startswith(TEMP_PREFIX)
    )


def write_manifest(report_dir: Path) -> Path:
    """Write ``MANIFEST.sha256`` for everything in ``report_dir``; returns its path."""
    lines = [
        _line(_sha256(path), path.relative_to(report_dir).as_posix())
        for path in report_files(report_dir)
    ]
    target = report_dir / MANIFEST_NAME
    write_atomic(target, "".join(lines))
    return target


def verify_manifest(report_dir: Path) -> list[str]:
    """Problems found, one readable line each; an empty list means the folder is intact."""
    manifest = report_dir / MANIFEST_NAME
    if not manifest.is_file():
        return [f"{manifest}: missing — the folder was never sealed or the manifest was removed"]
    listed, problems = _read(manifest)
    for name, digest in listed.items():
        path = report_dir / name
        if not path.is_file():
            problems.append(f"{name}: listed in {MANIFEST_NAME} but missing")
        elif _sha256(path) != digest:
            problems.append(f"{name}: changed since the report was sealed (SHA-256 differs)")
    for path in report_files(report_dir):
        name = path.relative_to(report_dir).as_posix()
        if name not in listed:
            problems.append(f"{name}: not in {MANIFEST_NAME} (added after the report was sealed)")
    return problems


def _walk(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        if path.is_file():
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _line(digest: str, name: str) -> str:
    # GNU sha256sum escapes a name holding "\" or a newline and marks the line with "\".
    if "\\" in name or "\n" in name:
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n")
        return f"\\{digest}  {escaped}\n"
    return f"{digest}  {name}\n"


def _read(manifest: Path) -> tuple[dict[str, str], list[str]]:
    listed: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        escaped = raw.startswith("\\")
        digest, sep, name = raw.removeprefix("\\").partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append(f"{MANIFEST_NAME}:{number}: not a '<sha256>  <file>' line")
            continue
        if escaped:
            name = _UNESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], name)
        listed[name] = digest
    return listed, problems
