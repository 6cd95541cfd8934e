"""Adding a checkpoint touches the checklist and a suite test, nothing else.

In a temporary copy of the project (the package, the suites, the fixtures, conftest.py and
pyproject.toml), one throwaway checkpoint ``V1.9`` is added the way docs/architecture.md
("Adding a checkpoint") says: an entry in ``eprom_verify/checklist.py`` (judged over the
whole run by the ledger's ``placements`` count, kept under ``-k`` for area V1, shown in the
orders section, listed by observe's form-order steps and named by observe's request
judgement) and one suite test marked with it. No other module of the copy is edited. Then,
with ``PYTHONPATH`` pointing at the copy, it appears in:

* the checklist: ``eprom-verify checklist`` lists it with its test;
* a run: ``eprom-verify run -- -k throwaway`` (CI, the embedded simulator) runs its suite
  test and keeps its whole-run row, which ``-k`` alone would have deselected; a selection
  of another V1 test keeps that row too (its ``whole_run_areas``);
* the report: a ``report.json`` row (passed, both tests) and a ``report.html`` section with
  the orders table;
* observe: the scenario's form-order steps list it and the judge names it in the request
  finding.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEW = "V1.9"

ENTRY = """\
    Checkpoint("V1.9", "V1", Text(en="A throwaway checkpoint is carried end to end",
               nb="Et engangssjekkpunkt bæres hele veien"), "§3.1", _A, _A,
               whole_run="placements", whole_run_areas=frozenset({"V1"}), section=_ORDERS,
               observe=_FORM, observe_judges=("form_order/request",)),
"""

SUITE_TEST = '''\
"""The throwaway checkpoint of tests/structure/test_add_a_checkpoint.py."""

import pytest


@pytest.mark.checkpoint("V1.9")
def test_throwaway_checkpoint(eprom):
    person = next(p for p in eprom.patients if p.key == "verification-person")
    form = eprom.forms[0]
    placed = eprom.order_once(
        "order:throwaway", lambda: eprom.order_request(person, form)
    )
    eprom.fact(person=person.key, order_id=placed.order_id)
    assert placed.response is not None
'''

#: One process for the checklist and observe (each was a fresh interpreter, ~0.8 CPU-s):
#: ``eprom-verify checklist`` through the CLI's own ``main``, its output kept, then the
#: scenario and the judge; both printed as one JSON line.
CHECKLIST_AND_OBSERVE = """\
import contextlib
import io
import json
from datetime import UTC, datetime

from eprom_verify.observe.front import Exchange
from eprom_verify.observe.judge import Judge
from eprom_verify.observe.scenario import build_scenario
from eprom_verify.cli import main

listing = io.StringIO()
with contextlib.redirect_stdout(listing):
    code = main(["checklist"])
checklist = {"code": code, "out": listing.getvalue()}

scenario = build_scenario(proms_api_base_url="http://front/promswebapi",
                          system_callback_url="http://system")
step = scenario.step("order-basic")
exchange = Exchange(
    seq=1, leg="api", method="POST", path="/promswebapi" + step.request.path,
    inbound_url="http://front", outbound_url="http://upstream",
    request_headers={"Authorization": "Basic k-0123456789"},
    request_body=json.dumps(step.request.body).encode(), at=datetime.now(UTC), status=200,
    response_body=json.dumps({"id": "0f8fad5b-d9cb-469f-a165-70867728950e"}).encode(),
    duration_s=0.01,
)
exchange.done.set()
judge = Judge(scenario, [exchange], api_key="k-0123456789", time_limit_s=5)
named = []  # every checkpoint a finding of the step names (whatever the finding type calls it)
for finding in judge.judge_step(step):
    for name in ("checkpoint_ids", "checkpoints", "checkpoint_id"):
        value = getattr(finding, name, None)
        if value:
            named += [value] if isinstance(value, str) else list(value)
print(json.dumps({"checklist": checklist, "listed": step.checkpoints, "judged": named}))
"""


def _copy(into: Path) -> Path:
    """The project without its virtual environment, caches or reports."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "reports")
    for name in ("eprom_verify", "suites", "fixtures"):
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, into / name)
    return into


def _add_checkpoint(copy: Path) -> None:
    checklist = copy / "eprom_verify" / "checklist.py"
    text = checklist.read_text("utf-8")
    end = text.index(")  # fmt: skip", text.index("CHECKPOINTS: tuple[Checkpoint, ...] = ("))
    checklist.write_text(text[:end] + ENTRY + text[end:], "utf-8")
    (copy / "suites" / "test_throwaway.py").write_text(SUITE_TEST, "utf-8")


def _environ(copy: Path) -> dict[str, str]:
    """The copy first on the path, its bytecode written beside its sources.

    The first of the three processes compiles the copy's modules (and rewrites the suites'
    assertions) into ``__pycache__`` folders inside the copy, in the temporary folder; the
    other two read them. The dependencies come from the environment's own compiled files, so
    no bytecode cache folder is shared (``PYTHONPYCACHEPREFIX`` would recompile every
    dependency into it) and nothing is written outside the copy."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
        environ.pop(name, None)
    environ.update(CI="true", PYTHONPATH=str(copy))
    return environ


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=copy,
        env=_environ(copy),
        timeout=300,
    )


@pytest.mark.slow
def test_a_new_checkpoint_needs_only_its_checklist_entry_and_suite_test(tmp_path):
    copy = _copy(tmp_path / "project")
    _add_checkpoint(copy)
    changed = sorted(
        str(p.relative_to(copy))
        for p in copy.rglob("*.py")
        if not (ROOT / p.relative_to(copy)).exists()
        or (ROOT / p.relative_to(copy)).read_bytes() != p.read_bytes()
    )
    assert changed == ["eprom_verify/checklist.py", "suites/test_throwaway.py"]

    # the checklist (and observe, below: one process for both)
    both = _run(copy, "-c", CHECKLIST_AND_OBSERVE)
    assert both.returncode == 0, both.stderr
    seen = json.loads(both.stdout.strip().splitlines()[-1])
    listed = seen["checklist"]
    assert listed["code"] == 0, both.stderr
    line = next((x for x in listed["out"].splitlines() if NEW in x), None)
    assert line is not None, f"{NEW} not in `eprom-verify checklist`:\n{listed['out']}"
    assert "throwaway" in listed["out"], listed["out"]

    # a run with -k: the suite test, and the whole-run row -k would have dropped
    reports = tmp_path / "reports"
    ran = _run(copy, "-m", "eprom_verify", "run", "--report-dir", str(reports),
               "--", "-k", "throwaway")  # fmt: skip
    found = sorted(reports.glob("*/report.json"))
    assert found, f"no report (exit {ran.returncode}):\n{ran.stdout[-3000:]}{ran.stderr[-3000:]}"
    report = json.loads(found[-1].read_text("utf-8"))
    rows = {r["id"]: r for r in report["rows"]}
    assert NEW in rows, f"no {NEW} row in report.json: {sorted(rows)}"
    row = rows[NEW]
    tests = " ".join(row["tests"])
    assert "test_throwaway_checkpoint" in tests, row["tests"]
    assert f"test_whole_run[{NEW}]" in tests, f"the whole-run row did not survive -k: {tests}"
    assert row["status"] == "passed", (row["status"], ran.stdout[-3000:])
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]

    # the report section: the orders table, not the generic one
    html = (found[-1].parent / "report.html").read_text("utf-8")
    start = html.index(f'id="sec-{NEW}"')
    section = html[start : html.index("</section>", start)]
    assert "A throwaway checkpoint is carried end to end" in section or (
        "Et engangssjekkpunkt bæres hele veien" in section
    ), section[:500]
    assert 'class="facts k-orders"' in section, section[:2000]

    # a selection of another V1 test keeps the whole-run row too (``whole_run_areas``)
    other = tmp_path / "reports-other"
    ran = _run(copy, "-m", "eprom_verify", "run", "--report-dir", str(other),
               "--", "-k", "test_order_reaches_eprom and verification-person-Basic")  # fmt: skip
    found = sorted(other.glob("*/report.json"))
    assert found, f"no report (exit {ran.returncode}):\n{ran.stdout[-3000:]}{ran.stderr[-3000:]}"
    rows = {r["id"]: r for r in json.loads(found[-1].read_text("utf-8"))["rows"]}
    assert rows[NEW]["tests"] == [f"suites/test_run_ledger.py::test_whole_run[{NEW}]"], (
        f"a V1 selection did not keep {NEW}'s whole-run row: {rows[NEW]}"
    )
    assert rows[NEW]["status"] == "passed", rows[NEW]

    # observe: listed by the form-order steps, named by the request judgement
    assert NEW in seen["listed"], seen
    assert NEW in seen["judged"], seen
