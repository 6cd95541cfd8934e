"""Patients files of any size for the cost-growth runs: the fixture profiles, new IDs.

Person ``i`` copies profile ``i mod 13`` of ``fixtures/patients.yaml`` (consent, mailbox,
KRR entry, address, representation, registration) with a fresh valid synthetic national ID
of the same kind and age, so every person reaches the same channels as the profile it copies
and the file passes the same loader (``eprom_verify.config.load_patients``).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

from eprom_verify import national_id
from eprom_verify.config import Patient, load_patients

__all__ = ["generated_patients", "write_patients_file"]


def generated_patients(
    count: int, *, today: dt.date, seed: int = 20261122
) -> tuple[list[Patient], list[dict[str, object]]]:
    """``count`` persons (and the fixture PVK definitions) cycling through the fixture profiles."""
    if count < 1:
        raise ValueError(f"count={count}: a patients file needs at least one person")
    fixture = load_patients()
    profiles = fixture.patients
    rng = random.Random(seed)
    seen: set[str] = set()
    people: list[Patient] = []
    for index in range(count):
        profile = profiles[index % len(profiles)]
        new_id = _fresh_id(profile.national_id, today=today, rng=rng, seen=seen)
        people.append(
            profile.model_copy(
                update={
                    "key": f"{profile.key}-{index + 1}",
                    "national_id": new_id,
                    "description": f"Generated for benchmarks: profile {profile.key}.",
                    "environments": ["simulator"],
                }
            )
        )
    pvk = [d.model_dump(by_alias=True, mode="json") for d in fixture.pvk]
    return people, pvk


def _fresh_id(template: str, *, today: dt.date, rng: random.Random, seen: set[str]) -> str:
    parsed = national_id.parse(template)
    age = parsed.age(on=today)
    for _ in range(100):
        candidate = national_id.generate(parsed.kind, age=age, today=today, synthetic=True, rng=rng)
        if candidate not in seen:
            seen.add(candidate)
            return candidate
    raise RuntimeError(f"no unused synthetic ID for age {age} after 100 tries")


def write_patients_file(path: Path, count: int, *, today: dt.date) -> Path:
    """Write a patients file of ``count`` persons to ``path`` and check that it loads."""
    people, pvk = generated_patients(count, today=today)
    data = {
        "patients": [p.model_dump(by_alias=True, mode="json") for p in people],
        "pvk": pvk,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_patients(path)  # the same validation the run applies
    return path
