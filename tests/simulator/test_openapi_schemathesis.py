"""Schemathesis (``--checks all``) against the running simulator: 0 failures.

The ePROM operations with and without the key, and the control API, through every phase
(examples from the guide, coverage, fuzzing, stateful along the document's links), with
a bounded number of examples and a fixed seed. A documented 400 that a well-formed
request can get (an unknown form, an H-number) is marked in the schema
(``x-eprom-refuses-well-formed-requests``); only for those operations is a 400 an
expected answer to a valid request — the check itself stays on.

``POST /_simulator/ordering-systems`` is left out: generated callback URLs would make the
simulator call arbitrary hosts.

The run without the key asks only the ePROM operations (``/promswebapi/``). The control API
never reads the ``Authorization`` header of a simulator started without a control token (as
this one is; ``test_service_team.py`` covers the token), so its requests without the key
are the run with the key's over again: 21 of its 29 operations and ~1,000 of its ~1,400
cases, about 8 of its 12 CPU-seconds (docs/testing.md). Nor does it run the stateful phase:
the document's links start at a 200 of ``formorder`` or of the control API, and without the
key every ePROM operation it links from answers 401, so the phase only ever walked the
control API's links (a fault added, then cleared) — as the run with the key does.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator, run_in_thread
from eprom_verify.simulator.openapi import REFUSES_WELL_FORMED

from .conftest import KEY, settings_for
from .receiver import Receiver

EXAMPLES = 10
#: Without the key the ePROM operations answer 401 before anything else: fewer suffice.
EXAMPLES_WITHOUT_KEY = 5
#: The ePROM operations: the only ones the key changes, the only ones asked without it.
EPROM_PATHS = "^/promswebapi/"
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: without the key: no links to follow (every operation a link starts from answers 401)
PHASES_WITHOUT_KEY = ("examples", "coverage", "fuzzing")
TIMEOUT_SECONDS = 300
#: Operations that must answer 2xx at least once in the run with the key: the run reached
#: them and their answers were validated against their (non-empty) schemas.
MUST_REACH_2XX = (
    "POST /promswebapi/api/v2/formorder",
    "POST /promswebapi/api/v2/messagetocitizen",
    "POST /promswebapi/api/unsecuremessagesms",
    "POST /promswebapi/api/unsecuremessageemail",
    "POST /promswebapi/api/v2/getpersonverninnstilling",
    "POST /promswebapi/api/v2/setpersonverninnstilling",
    "POST /promswebapi/api/v2/get-residents-active-pi-for-definition",
    "POST /_simulator/faults",
    "POST /_simulator/patient-initiated",
    "GET /_simulator/outbox",
)


@pytest.fixture(scope="module")
def st_sim(shared_receiver: Receiver) -> Iterator[RunningSimulator]:
    """A simulator of its own (Schemathesis resets it and injects faults)."""
    receiver = shared_receiver.view("schemathesis")
    with run_in_thread(settings_for(receiver.base_url)) as sim:
        yield sim


def st_config(document: dict[str, Any]) -> str:
    """The run's config: 400 expected for valid data only where the schema marks it."""
    lines = [
        "[dictionaries.keys]",
        f"values = [{json.dumps(KEY)}]",
        "",
        "[parameters]",
        '"body.apiKey" = { dictionary = "keys", probability = 0.8 }',
        "",
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("responses", {}).get("400", {}).get(REFUSES_WELL_FORMED):
                lines += [
                    "[[operations]]",
                    f"include-path = {json.dumps(path)}",
                    f'include-method = "{method.upper()}"',
                    "checks.positive_data_acceptance.expected-statuses = "
                    '["2xx", "400", "401", "403", "404", "409", "5xx"]',
                    "",
                ]
    return "\n".join(lines)


def run_schemathesis(
    sim: RunningSimulator,
    tmp_path: Path,
    *,
    with_key: bool,
    examples: int = EXAMPLES,
    only: tuple[str, ...] = (),
) -> tuple[dict[str, Any], str, float]:
    document = httpx.get(f"{sim.root_url}/openapi.json").json()
    config = tmp_path / "schemathesis.toml"
    config.write_text(st_config(document), encoding="utf-8")
    report = tmp_path / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"),
        f"{sim.root_url}/openapi.json",
        *("--checks", "all", "--max-examples", str(examples), "--workers", "1"),
        *("--seed", "1", "--generation-deterministic"),
        *("--exclude-path", "/_simulator/ordering-systems", "--no-color"),
        *("--report", "json", "--report-json-path", str(report)),
        *only,
    ]
    if with_key:
        command += ["--header", f"Authorization: Basic {KEY}"]
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    assert report.is_file(), f"Schemathesis wrote no report (exit {done.returncode}):\n{output}"
    return json.loads(report.read_text(encoding="utf-8")), output, elapsed


def _operations(document: dict[str, Any], prefix: str = "") -> int:
    return sum(
        len(operations) for path, operations in document["paths"].items() if path.startswith(prefix)
    )


def _assert_no_failures(
    result: dict[str, Any], output: str, *, least: int = 25, phases: tuple[str, ...] = ALL_PHASES
) -> None:
    found = f"{len(result['failures'])} failure(s), {len(result['errors'])} error(s)"
    assert not result["failures"], f"Schemathesis found {found}:\n{output}"
    assert not result["errors"], f"Schemathesis found {found}:\n{output}"
    assert result["exit_code"] == 0, output
    assert result["operations"]["tested"] == result["operations"]["selected"] >= least, output
    ran = {name: phase["status"] for name, phase in result["phases"].items()}
    expected = {name: ("success" if name in phases else "skip") for name in ALL_PHASES}
    assert ran == expected, f"phases: expected {expected}, got {ran}\n{output}"


def test_schemathesis_finds_nothing_with_the_key(
    st_sim: RunningSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result, output, elapsed = run_schemathesis(st_sim, tmp_path, with_key=True)
    _assert_no_failures(result, output)
    accepted = {
        operation: sum(phase.get("accepted", 0) for phase in phases.values())
        for operation, phases in result["valid_rates"].items()
    }
    never = [operation for operation in MUST_REACH_2XX if not accepted.get(operation)]
    assert not never, f"never answered 2xx, so no answer was validated: {never}\n{output}"
    assert KEY not in output, "the API key leaked into Schemathesis' output"
    with capsys.disabled():
        print(
            f"\nSchemathesis with the key: {result['test_cases']['generated']} cases, {elapsed:.1f} s"
        )
    st_sim.check_errors()


def test_schemathesis_finds_nothing_without_the_key(
    st_sim: RunningSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result, output, elapsed = run_schemathesis(
        st_sim,
        tmp_path,
        with_key=False,
        examples=EXAMPLES_WITHOUT_KEY,
        only=(
            *("--include-path-regex", EPROM_PATHS),
            *("--phases", ",".join(PHASES_WITHOUT_KEY)),
        ),
    )
    eprom = _operations(st_sim.app.openapi(), "/promswebapi/")
    assert eprom >= 8, f"the document lists {eprom} ePROM operations, expected 8 or more"
    _assert_no_failures(result, output, least=eprom, phases=PHASES_WITHOUT_KEY)
    assert result["operations"]["selected"] == eprom, (
        f"expected the {eprom} ePROM operations asked without the key, "
        f"Schemathesis selected {result['operations']['selected']}:\n{output}"
    )
    with capsys.disabled():
        print(
            f"\nSchemathesis without the key: {result['test_cases']['generated']} cases, {elapsed:.1f} s"
        )
    st_sim.check_errors()


def test_the_config_marks_only_operations_whose_schema_says_so() -> None:
    document = {
        "paths": {
            "/a": {"post": {"responses": {"400": {REFUSES_WELL_FORMED: True}}}},
            "/b": {"post": {"responses": {"400": {"description": "shape only"}}}},
        }
    }
    config = st_config(document)
    assert 'include-path = "/a"' in config
    assert 'include-path = "/b"' not in config


def test_schemathesis_reports_an_answer_that_breaks_its_schema(
    st_sim: RunningSimulator, tmp_path: Path
) -> None:
    """The run can fail: a document that demands a field the answer lacks is caught.

    On the module's simulator, its document broken for this test only: the app keeps the
    document it built (``app.openapi_schema``); dropping it afterwards builds a true one.
    """
    document = copy.deepcopy(st_sim.app.openapi())
    answer = document["components"]["schemas"]["FormOrderResponse"]
    answer["required"] = [*answer["required"], "fieldNoAnswerHas"]
    st_sim.app.openapi_schema = document
    try:
        result, output, _ = run_schemathesis(
            st_sim,
            tmp_path,
            with_key=True,
            only=("--include-path", "/promswebapi/api/v2/formorder", "--phases", "examples"),
        )
    finally:
        st_sim.app.openapi_schema = None
    assert "fieldNoAnswerHas" not in json.dumps(st_sim.app.openapi()), "the document stays broken"
    assert result["exit_code"] != 0, output
    assert "fieldNoAnswerHas" in output, output
    assert "Response violates schema" in output, output
