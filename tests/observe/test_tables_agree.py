"""A full ``observe`` of the example system (passing, and with faults in the system): every
table row of its report re-derived from its evidence files agrees (tests/tables_agree.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tables_agree import disagreements

from eprom_verify.checklist import CHECKPOINTS, How
from eprom_verify.simulator import OrderingSystem, SimulatorSettings, run_in_thread

from .conftest import ExampleSystem, free_ports, observe, observed, on_observation
from .test_faults import GROUPS, SHARED

#: the passing observation and test_faults.py's two shared groups (ack-false with
#: double-order and two more; redelivery-5xx with no-download)
OBSERVATIONS = [(), GROUPS[0], GROUPS[1]]


#: the observations test_faults.py and test_example.py read too (made once per worker)
@pytest.mark.parametrize(
    "faults",
    [pytest.param(f, id=str(f), marks=[on_observation(*f)] if f in SHARED else [])
     for f in OBSERVATIONS],
)  # fmt: skip
def test_every_table_row_of_an_observation_agrees_with_its_evidence(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    faults: tuple[str, ...],
) -> None:
    outcome = observed(example_system, capsys, monkeypatch, faults)
    assert outcome.code == (0 if not faults else 1), outcome.out
    assert outcome.report["kind"] == "pre_check"
    assert disagreements(outcome.report_dir) == []
    orders = [e for e in outcome.report["evidence"] if e["kind"] == "callback"]
    assert orders
    assert all(e["order_id"] for e in orders), orders[:2]  # was: order_id null
    v12 = outcome.row("V1.2")
    for timeline in outcome.report["timelines"]:
        if set(timeline["checkpoint_ids"]) & {"V1.2"} or timeline["kind"] == "form_order":
            assert timeline["status"], timeline  # was: "–" and 0 callbacks, yet passed
    assert v12["status"] in ("passed", "failed")


def test_a_relayed_observation_with_attestations_is_the_go_live_verification(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    system = example_system()
    callback_port = next(p for p in free_ports(2) if p != system.api_port)
    upstream = SimulatorSettings(ordering_systems=[OrderingSystem(
        name="registered-at-hemit", api_key=system.env["EPROM_API_KEY"],
        callback_base_url=f"http://127.0.0.1:{callback_port}",
    )])  # fmt: skip
    manual = [cp.id for cp in CHECKPOINTS if cp.hemit and cp.remote is How.MANUAL]
    attest = tmp_path / "attest.yaml"
    attest.write_text(yaml.safe_dump({"tester": "Kari Nordmann", "attestations": [
        {"checkpoint": cid, "answer": "yes", "at": "2026-11-22T10:00:00Z"} for cid in manual
    ]}), "utf-8")  # fmt: skip
    with run_in_thread(upstream) as sim:
        outcome = observe(system, capsys, monkeypatch, "--upstream", sim.base_url,
                          "--callback-listen", f"127.0.0.1:{callback_port}",
                          "--attest", str(attest), lang="nb")  # fmt: skip
    assert outcome.code == 0, outcome.out
    assert outcome.report["kind"] == "go_live"
    hemit = [r for r in outcome.report["rows"] if r["hemit"]]
    assert {r["status"] for r in hemit} == {"passed"}, [(r["id"], r["status"]) for r in hemit]
    html = (outcome.report_dir / "report.html").read_text("utf-8")
    assert "Verifisert: alle Hemits 13 punkter er bestått" in html
    assert "Verifikasjon før produksjonssetting av" in html
    assert disagreements(outcome.report_dir) == []
