"""Settings from YAML, the CLI's exit codes and banner, the path normaliser, the fixture factory."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from eprom_verify.cli.simulator import main
from eprom_verify.config import ConfigError
from eprom_verify.pytest.simulator_fixture import simulator_fixture
from eprom_verify.simulator import SimulatorSettings, load_settings
from eprom_verify.simulator.paths import canonical_segments, normalise_path
from eprom_verify.simulator.settings import DEFAULT_CALLBACK_URL

from .conftest import KEY
from .forked import ONE_SERVER, read_until, start_simulator


def test_defaults_load_fixtures_and_a_demo_system() -> None:
    settings = load_settings(None)
    [system] = settings.ordering_systems
    assert system.name == "demo"
    assert system.api_key.startswith("demo-")
    assert system.callback_base_url == DEFAULT_CALLBACK_URL
    assert system.api_key not in repr(settings)
    assert len(settings.patients) > 5
    assert settings.forms
    assert settings.pvk
    assert (
        load_settings(None, callback_url="http://127.0.0.1:9999/x/")
        .ordering_systems[0]
        .callback_base_url
        == "http://127.0.0.1:9999/x"
    )


def test_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "orderingSystems:\n"
        f"  - {{name: reg, apiKey: {KEY}, callbackBaseUrl: 'http://127.0.0.1:8766/cb'}}\n"
        "faults: [{type: duplicate, callback: status}]\n"
        "autoComplete: {afterSeconds: 30}\n"
        "callbackDelaySeconds: 0.5\n"
        "retry: {baseSeconds: 2, maxSeconds: 20}\n",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.api_key == KEY
    assert settings.faults[0].type == "duplicate"
    assert (settings.auto_complete_after_seconds, settings.callback_delay_seconds) == (30, 0.5)
    assert (settings.retry_base_seconds, settings.retry_max_seconds) == (2, 20)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "orderingSystems:\n  - {name: a, apiKey: k, callbackBaseUrl: ftp://x}\n",
            "sim.yaml:2: orderingSystems[0].callbackBaseUrl",
        ),
        ("callbackDelay: 3\n", "sim.yaml:1: callbackDelay: unknown field"),
        ("retry: {baseSeconds: -1}\n", "sim.yaml:1: retry.baseSeconds"),
        ("faults:\n  - {type: delay}\n", "sim.yaml:2: faults[0]"),
        ("orderingSystems: [\n", "sim.yaml:"),
        (
            "orderingSystems:\n  - {name: a, apiKey: k1, callbackBaseUrl: 'http://x'}\n"
            "  - {name: a, apiKey: k2, callbackBaseUrl: 'http://x'}\n",
            "orderingSystems: ordering system names must be unique",
        ),
    ],
)
def test_a_bad_config_is_one_line_naming_file_line_and_field(
    tmp_path: Path, text: str, fragment: str
) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_exit_2_for_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("nonsense: 1\n", encoding="utf-8")
    assert main(["--config", str(config), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "sim.yaml:1: nonsense: unknown field" in err


def test_cli_exit_2_when_the_port_is_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"eprom-verify simulator: port {port} on 127.0.0.1 is in use — choose another with --port\n"
    )


@ONE_SERVER
def test_cli_banner_prints_the_demo_key_once(tmp_path: Path) -> None:
    """The banner of a started ``eprom-verify simulator`` (forked from the pre-imported server,
    forked.py; test_service.py reads a fresh interpreter's banner)."""
    out = tmp_path / "simulator.out"
    argv = ["--port", "0", "--callback-url", "http://127.0.0.1:9/cb"]
    process = start_simulator(argv, out, stderr=tmp_path / "simulator.err")
    try:
        text = read_until(process, out, lambda line: "apiKey" in line)  # the banner's last
    finally:
        process.terminate()
        process.wait(10)
    lines = text.splitlines(keepends=True)
    assert "promsApiBaseUrl http://127.0.0.1:" in text
    assert "callbacks to http://127.0.0.1:9/cb/api/…" in text
    assert sum("apiKey demo-" in line for line in lines) == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/PromsWebApi/api/v2/FormOrder", "/promswebapi/api/v2/formorder"),
        ("/webapi/api/v2/MessageToCitizen/", "/promswebapi/api/v2/messagetocitizen"),
        ("/promswebapi/api/externaldocument/ABC-def", "/promswebapi/api/ExternalDocument/ABC-def"),
        ("/_simulator/Orders/x", "/_simulator/Orders/x"),
        ("/", "/"),
    ],
)
def test_paths_are_normalised(path: str, expected: str) -> None:
    canonical = canonical_segments(
        [
            "/promswebapi/api/v2/formorder",
            "/promswebapi/api/v2/messagetocitizen",
            "/promswebapi/api/ExternalDocument/{signedFormId}",
        ]
    )
    assert normalise_path(path, canonical) == expected


def test_fixture_factory_makes_named_fixtures() -> None:
    fresh = simulator_fixture(name="my_simulator")
    shared = simulator_fixture(SimulatorSettings, name="shared_one", shared=True)
    assert (
        getattr(fresh, "_fixture_function_marker", None)
        or getattr(fresh, "_pytestfixturefunction", None)
        or callable(fresh)
    )
    assert fresh is not shared
