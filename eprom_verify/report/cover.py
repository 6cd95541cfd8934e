"""What the report's cover says a reviewer can check: the system, its version, the persons, the ids.

* :func:`system_version` — the ordering system's version or commit: given
  (``--system-version``, ``EPROM_SYSTEM_VERSION`` or the config file's ``system-version``),
  else ``git describe --always --dirty`` in the folder the command ran in (the user's
  repository), else none.
* :func:`test_persons` — the test persons the run used, Hemit's verification person named
  as such (contract §8: national ID 26670271527, key ``verification-person``).
* :func:`eprom_ids` — every id ePROM gave out in the run (formOrderId, messageToCitizenId,
  signedFormId) with its time and test person, read from the evidence, so Hemit can look
  each one up in its own logs.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Evidence, OrderTimeline

__all__ = [
    "ORGANISATION_ENV",
    "SYSTEM_VERSION_ENV",
    "VERIFICATION_PERSON",
    "EpromId",
    "TestPerson",
    "eprom_ids",
    "organisation",
    "system_version",
    "test_persons",
]

SYSTEM_VERSION_ENV = "EPROM_SYSTEM_VERSION"
ORGANISATION_ENV = "EPROM_ORGANISATION"
#: Hemit's verification person: its key in fixtures/patients.yaml and its national ID as the
#: report shows it (masked to the first six digits, or in full with --show-national-ids)
VERIFICATION_PERSON = "verification-person"
_VERIFICATION_IDS = ("26670271527", "266702*****")
_NIL = "00000000-0000-0000-0000-000000000000"


def system_version(
    cwd: Path | None = None, *, env: Mapping[str, str] | None = None, given: str | None = None
) -> str | None:
    """``given`` (``--system-version``), else ``EPROM_SYSTEM_VERSION``, else
    ``git describe --always --dirty`` in ``cwd``, else None."""
    environ = env if env is not None else os.environ
    given = (given or "").strip() or environ.get(SYSTEM_VERSION_ENV, "").strip()
    if given:
        return given
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
            cwd=cwd or Path.cwd(),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    described = done.stdout.strip()
    return f"git {described}" if done.returncode == 0 and described else None


def organisation(env: Mapping[str, str] | None = None, *, given: str | None = None) -> str | None:
    """``given`` (``--organisation``), else ``EPROM_ORGANISATION``, else None."""
    environ = env if env is not None else os.environ
    return (given or "").strip() or environ.get(ORGANISATION_ENV, "").strip() or None


@dataclass(frozen=True)
class TestPerson:
    name: str  # the key in the patients file, or the (masked) national ID
    verification: bool  # Hemit's verification person
    orders: int


def test_persons(timelines: Iterable[OrderTimeline]) -> list[TestPerson]:
    """The persons orders and letters went to, most used first; Hemit's person marked."""
    counts: dict[str, int] = {}
    for tl in timelines:
        who = tl.person or tl.patient
        if who:
            counts[who] = counts.get(who, 0) + 1
    return [
        TestPerson(who, who == VERIFICATION_PERSON or who in _VERIFICATION_IDS, n)
        for who, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


@dataclass(frozen=True)
class EpromId:
    field: str  # formOrderId, messageToCitizenId, signedFormId
    value: str
    at: Any  # datetime
    person: str | None
    evidence_id: str


def eprom_ids(evidence: Iterable[Evidence], timelines: Iterable[OrderTimeline]) -> list[EpromId]:
    """Every id ePROM created in the run, first seen where ePROM gave it out.

    A placement's id comes from ePROM's answer to it (``id`` of a form order,
    ``messageToCitizenId`` of a letter); a signed form's from the answer callback that
    names it. ``evidence`` must carry bodies (the records in ``evidence/``).
    """
    person = {tl.order_id: tl.person or tl.patient for tl in timelines}
    found: dict[str, EpromId] = {}
    for e in sorted(evidence, key=lambda e: e.at):
        body = e.body if isinstance(e.body, Mapping) else {}
        if e.kind == "response" and e.method == "POST":
            url = (e.url or "").lower()
            if "formorder" in url and isinstance(body.get("id"), str):
                _add(found, "formOrderId", body["id"], e, person)
            elif "messagetocitizen" in url and isinstance(body.get("messageToCitizenId"), str):
                _add(found, "messageToCitizenId", body["messageToCitizenId"], e, person)
        elif e.kind == "callback":
            signed = body.get("signedFormId")
            if isinstance(signed, str):
                order = body.get("formOrderId")
                who = person.get(order) if isinstance(order, str) else None
                _add(found, "signedFormId", signed, e, {signed: who})
    return list(found.values())


def _add(
    found: dict[str, EpromId],
    field: str,
    value: str,
    e: Evidence,
    person: Mapping[str, str | None],
) -> None:
    if value and value != _NIL and value not in found:
        found[value] = EpromId(field, value, e.at, person.get(value), e.id)
