"""A wheelhouse of eprom-verify's dependencies, packed from the environment the tests run in.

tests/package/test_wheel.py installs the built wheel into a fresh virtual environment with
``pip install --no-index --find-links <this folder>``: the dependencies are the very versions
installed here, repacked as wheels (no network, no index, no download), and pip resolves them
the way it resolves a user's install. Only the distributions eprom-verify needs (its
requirements, followed through their own requirements and extras, markers evaluated for this
interpreter) are packed, never eprom-verify itself: the package can come only from the wheel.

A repacked wheel holds what the installed distribution's ``RECORD`` lists inside
site-packages, without the installer's own files (``INSTALLER``, ``REQUESTED``,
``direct_url.json``, ``RECORD``, rewritten); console scripts are made again by pip from
``entry_points.txt``. Stored, not compressed: it is read once.

Bytecode: where this environment holds a module's compiled file and it is current (its
header names the source's size and modification time), the wheel carries it beside the
source as a *checked-hash* pyc (PEP 552: the source's hash instead of its time, so the
interpreter of the fresh environment checks it against the installed source and compiles
afresh on any difference). A user's ``pip install`` compiles every module at install time;
the test installs with ``--no-compile``, so without these each dependency a command imports
was compiled on first use (~2 CPU-s of the wheel's whole run). eprom-verify itself is never
in the wheelhouse: its modules are compiled from the wheel's sources.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import re
import struct
import sys
import zipfile
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name

#: written by the installer, not part of a wheel (RECORD is written again)
_INSTALLER_FILES = frozenset({"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"})


def needed(root: str) -> dict[str, Distribution]:
    """The installed distributions ``root`` requires, transitively (``root`` itself left out)."""
    found: dict[str, Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = distribution(name)
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in wanted):
                continue
            key = canonicalize_name(req.name)
            try:
                found[key] = distribution(req.name)
            except PackageNotFoundError:
                raise LookupError(
                    f"{name} requires {req}, which is not installed in {dist.locate_file('')}"
                ) from None
            todo.append((req.name, frozenset(req.extras)))
    found.pop(canonicalize_name(root), None)
    return found


def _tag(dist: Distribution) -> str:
    wheel = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)\s*$", wheel, flags=re.MULTILINE)
    here = {str(tag) for tag in sys_tags()}
    usable = [tag for tag in tags if tag in here]  # py2.py3 wheels list py2-none-any first
    if not usable:
        raise LookupError(f"{dist.metadata['Name']}: no tag for this interpreter in {tags}")
    return usable[0]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def bytecode(source: Path, data: bytes) -> bytes | None:
    """This environment's current compiled ``source`` (``data``) as a checked-hash pyc, or None.

    Looked for where this interpreter writes it (``sys.pycache_prefix`` when set) and beside
    the source (where pip put it at install).
    """
    places = {importlib.util.cache_from_source(str(source))}
    places.add(
        str(source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc")
    )
    try:
        stat = source.stat()
    except OSError:
        return None
    for place in sorted(places):
        try:
            compiled = Path(place).read_bytes()
        except OSError:
            continue
        if len(compiled) < 16 or compiled[:4] != importlib.util.MAGIC_NUMBER:
            continue
        flags, mtime, size = struct.unpack("<III", compiled[4:16])
        if (flags, mtime, size) != (0, int(stat.st_mtime) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF):
            continue  # hash-based already, or stale
        checked = struct.pack("<I", 0b11)  # hash-based, checked against the source
        return (
            importlib.util.MAGIC_NUMBER + checked + importlib.util.source_hash(data) + compiled[16:]
        )
    return None


def repack(dist: Distribution, into: Path) -> Path:
    """The installed distribution as a wheel in ``into``."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    info = f"{name}-{version}.dist-info"
    target = into / f"{name}-{version}-{_tag(dist)}.whl"
    rows: list[tuple[str, str, str]] = []
    dist_info: str | None = None
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as wheel:
        for file in dist.files or []:
            path = file.as_posix()
            parts = path.split("/")
            if parts[0] == ".." or "__pycache__" in parts or path.endswith(".pyc"):
                continue  # scripts and data outside site-packages; bytecode
            if parts[0].endswith(".dist-info"):
                dist_info = parts[0]
                if parts[-1] in _INSTALLER_FILES and len(parts) == 2:
                    continue
                path = "/".join([info, *parts[1:]])
            source = Path(str(file.locate()))
            data = source.read_bytes()
            wheel.writestr(path, data)
            rows.append((path, _record_hash(data), str(len(data))))
            compiled = bytecode(source, data) if path.endswith(".py") else None
            if compiled is not None:
                folder, _, module = path.rpartition("/")
                pyc = f"{folder}/__pycache__/{module[:-3]}.{sys.implementation.cache_tag}.pyc"
                wheel.writestr(pyc.lstrip("/"), compiled)
                rows.append((pyc.lstrip("/"), _record_hash(compiled), str(len(compiled))))
        if dist_info is None:
            raise LookupError(f"{name}: its RECORD lists no .dist-info folder")
        record = io.StringIO()
        csv.writer(record, lineterminator="\n").writerows([*rows, (f"{info}/RECORD", "", "")])
        wheel.writestr(f"{info}/RECORD", record.getvalue())
    return target


def wheelhouse(root: str, into: Path) -> list[Path]:
    """Every dependency of ``root`` installed here, repacked as a wheel into ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    return [repack(dist, into) for dist in needed(root).values()]
