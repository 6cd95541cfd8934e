"""A wheelhouse of eprom-verify's dependencies, packed from the environment the tests run in.

tests/package/test_wheel.py installs the built wheel into a fresh virtual environment with
``pip install --no-index --find-links <this folder>``: the dependencies are the very versions
installed here, repacked as wheels (no network, no index, no download), and pip resolves them
the way it resolves a user's install. Only the distributions eprom-verify needs (its
requirements, followed through their own requirements and extras, markers evaluated for this
interpreter) are packed, never eprom-verify itself: the package can come only from the wheel.

A repacked wheel holds what the installed distribution's ``RECORD`` lists inside
site-packages, without compiled bytecode and without the installer's own files
(``INSTALLER``, ``REQUESTED``, ``direct_url.json``, ``RECORD``, rewritten); console scripts
are made again by pip from ``entry_points.txt``. Stored, not compressed: it is read once.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
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
            data = Path(str(file.locate())).read_bytes()
            wheel.writestr(path, data)
            rows.append((path, _record_hash(data), str(len(data))))
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
