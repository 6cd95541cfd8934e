"""observe --upstream toward a simulator that guards its control API with a token.

The patient (the simulator's control API) answers orders; a simulator started with
``EPROM_SIM_CONTROL_TOKEN`` answers 401 without it. observe takes the same variable (or
``--control-token``) and uses it; without it (or with a wrong one) it stops with one line
and exit 2 instead of silently observing with no patient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from eprom_verify._exceptions import UsageError
from eprom_verify.cli import main
from eprom_verify.observe.session import _control_of
from eprom_verify.simulator import OrderingSystem, SimulatorSettings, run_in_thread

from .conftest import (
    CONTROL_TOKEN,
    KEY,
    ExampleSystem,
    free_ports,
    observe,
    on_observation,
    relayed,
)

TOKEN = CONTROL_TOKEN


@pytest.fixture
def guarded() -> Iterator[str]:
    """A simulator with a control token; its promsApiBaseUrl."""
    with run_in_thread(SimulatorSettings(control_token=TOKEN)) as sim:
        yield sim.base_url


def test_the_token_is_sent_and_the_patient_plays(guarded: str) -> None:
    control = _control_of(guarded, TOKEN)
    assert control is not None
    try:
        assert control.forms()  # a control call that needs the token
    finally:
        control.close()


def test_without_the_token_it_says_so(guarded: str) -> None:
    with pytest.raises(UsageError) as info:
        _control_of(guarded)
    root = guarded.rsplit("/", 1)[0]
    assert str(info.value) == (
        f"the simulator at {root} needs its control token to play the patient: set "
        "EPROM_SIM_CONTROL_TOKEN to the token it was started with"
    )


def test_a_wrong_token_is_refused_without_showing_it(guarded: str) -> None:
    with pytest.raises(UsageError) as info:
        _control_of(guarded, "not-the-token-0000000")
    assert "refused the control token (401)" in str(info.value)
    assert "not-the-token" not in str(info.value)


def test_an_unguarded_simulator_needs_no_token() -> None:
    with run_in_thread(SimulatorSettings()) as sim:
        control = _control_of(sim.base_url)
        assert control is not None
        control.close()


def test_another_servers_401_is_not_a_simulator(httpserver) -> None:  # type: ignore[no-untyped-def]
    """Only the simulator's own challenge means "needs the token"; any other 401 (a proxy,
    a real ePROM on loopback) is no simulator, as before."""
    httpserver.expect_request("/_simulator/forms").respond_with_data(
        "no", status=401, headers={"WWW-Authenticate": 'Basic realm="proxy"'}
    )
    assert _control_of(httpserver.url_for("/promswebapi")) is None


def _system_for(
    example_system: Callable[..., ExampleSystem],
) -> tuple[ExampleSystem, int, SimulatorSettings]:
    system = example_system()
    callback_port = next(p for p in free_ports(2) if p != system.api_port)
    upstream = SimulatorSettings(
        ordering_systems=[OrderingSystem(
            name="registered-at-hemit", api_key=KEY,
            callback_base_url=f"http://127.0.0.1:{callback_port}",
        )],
        control_token=TOKEN,
    )  # fmt: skip
    return system, callback_port, upstream


def test_observe_without_the_token_is_one_line_and_exit_2(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    system, callback_port, upstream = _system_for(example_system)
    monkeypatch.delenv("EPROM_SIM_CONTROL_TOKEN", raising=False)
    monkeypatch.setenv("EPROM_API_KEY", KEY)
    reports = tmp_path / "reports"
    with run_in_thread(upstream) as sim:
        code = main([
            "observe", "--upstream", sim.base_url, "--system-callback-url", system.callback_url,
            "--callback-listen", f"127.0.0.1:{callback_port}", "--report-dir", str(reports),
            "--drive", "true",
        ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"eprom-verify: error: the simulator at {sim.base_url.rsplit('/', 1)[0]} needs its "
        "control token to play the patient: set EPROM_SIM_CONTROL_TOKEN to the token it was "
        "started with\n"
    )
    assert not reports.exists() or not any(reports.iterdir())  # nothing half-written


@on_observation("relay")
def test_observe_with_the_token_plays_the_patient(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the relay toward a guarded simulator, EPROM_SIM_CONTROL_TOKEN set (test_relay.py reads
    # the same observation; conftest.relayed)
    seen = relayed(example_system, capsys, monkeypatch)
    outcome, outbox = seen.outcome, seen.outbox
    assert outcome.code == 0, outcome.out + outcome.err
    # the patient answered: an answer callback went out (sent only after the control API
    # completed an order), and the answer checkpoint passed
    assert any("answer" in str(item).lower() for item in outbox), outbox
    assert outcome.status("V3.1") == "passed", outcome.row("V3.1")
    for path in outcome.report_dir.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text("utf-8", "replace"), path
    assert TOKEN not in outcome.out + outcome.err


def test_the_token_never_goes_to_hemits_environments_nor_the_embedded_simulator() -> None:
    from eprom_verify.cli.observe import _control_token

    assert _control_token(TOKEN, "http://127.0.0.1:8765/promswebapi", "relay") == TOKEN
    assert _control_token(TOKEN, "https://proms.hemitdev.org/promswebapi", "relay") is None
    assert _control_token(TOKEN, "https://proms.hemitdev.org/promswebapi", "test") is None
    assert _control_token(TOKEN, None, "simulator") is None


def test_the_config_file_refuses_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eprom_verify.config.settings import OBSERVE_OPTIONS, resolve_options

    (tmp_path / ".git").mkdir()
    (tmp_path / "eprom-verify.toml").write_text(f'control-token = "{TOKEN}"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_CONFIG", raising=False)
    with pytest.raises(UsageError) as info:
        resolve_options({}, OBSERVE_OPTIONS, environ={})
    assert str(info.value).endswith(
        "control-token: the simulator's control token does not belong in a file in your "
        "repository: set EPROM_SIM_CONTROL_TOKEN"
    )
    assert TOKEN not in str(info.value)


def test_a_token_given_on_the_command_line_is_redacted_even_when_unused(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The embedded simulator needs no token; the one given still never shows (the report
    records the command line)."""
    # the report's command is sys.argv's: as a shell would have given it
    monkeypatch.setattr("sys.argv", ["eprom-verify", "observe", "--control-token", TOKEN])
    outcome = observe(example_system(), capsys, monkeypatch, "--control-token", TOKEN,
                      settle=0.5, drive="false")  # fmt: skip
    assert "--control-token «redacted»" in outcome.report["run"]["command"]
    for path in outcome.report_dir.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text("utf-8", "replace"), path
    assert TOKEN not in outcome.out + outcome.err
