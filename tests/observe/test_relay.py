"""The relay (--upstream URL): the same judge on what was relayed; both legs in the report."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from eprom_verify.checklist import How
from eprom_verify.checklist import checkpoint as checkpoint_of
from eprom_verify.simulator import OrderingSystem, SimulatorSettings, run_in_thread

from .conftest import ExampleSystem, free_ports, observe, on_observation, relayed
from .test_example import ATTESTED, JUDGED


@on_observation("relay")
def test_relay_toward_a_simulator_upstream(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the relay toward a simulator that guards its control API (test_control_token.py reads
    # the same observation; conftest.relayed)
    seen = relayed(example_system, capsys, monkeypatch)
    outcome, relay_callbacks, system = seen.outcome, seen.relay_callbacks, seen.system
    assert outcome.code == 0, outcome.out
    for cp in JUDGED:
        # toward Hemit, what a person must also see (S2 signing, P1) waits for an attestation
        wanted = "needs_attestation" if checkpoint_of(cp).remote is How.MANUAL else "passed"
        assert outcome.status(cp) == wanted, (cp, outcome.row(cp))
        assert not outcome.failures(cp)
    for cp in ATTESTED:
        assert outcome.status(cp) == "needs_attestation", cp
    assert f"ApiBaseUrl to register at Hemit (callbacks): {relay_callbacks}" in outcome.out
    evidence = outcome.report["evidence"]
    order_legs = [e for e in evidence if "/api/v2/formorder" in e["title"]]
    assert any(e["title"].startswith("#") and "system → eprom-verify" in e["title"]
               for e in order_legs)  # fmt: skip
    assert any(e["url"].startswith(seen.upstream) and "eprom-verify → ePROM" in e["title"]
               for e in order_legs)  # fmt: skip
    callback_legs = [e for e in evidence if "callback" in e["title"]]
    assert any(e["url"].startswith(relay_callbacks) for e in callback_legs)
    assert any(e["url"].startswith(system.callback_url) for e in callback_legs)
    assert outcome.report["run"]["environment"] == "relay"


def test_relay_judges_a_faulty_system_the_same(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system = example_system("double-order")
    callback_port = next(p for p in free_ports(2) if p != system.api_port)
    upstream = SimulatorSettings(ordering_systems=[OrderingSystem(
        name="registered-at-hemit", api_key=system.env["EPROM_API_KEY"],
        callback_base_url=f"http://127.0.0.1:{callback_port}",
    )])  # fmt: skip
    with run_in_thread(upstream) as sim:
        outcome = observe(system, capsys, monkeypatch, "--upstream", sim.base_url,
                          "--callback-listen", f"127.0.0.1:{callback_port}")  # fmt: skip
    assert outcome.code == 1
    assert any("was performed 2 times" in m for m in outcome.failures("V1.4"))
