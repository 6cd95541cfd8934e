"""The simulator as a service: health, banner URLs, EPROM_SIM_* options, stable key, access log,
request journal (issue 22, item 2)."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eprom_verify._exceptions import UsageError
from eprom_verify.cli.simulator import main
from eprom_verify.config import ConfigError
from eprom_verify.simulator import OrderingSystem, RunningSimulator, run_in_thread
from eprom_verify.simulator.service import ACCESS_LOGGER, AccessFormatter, health_of
from eprom_verify.simulator.settings import resolve_service

from .conftest import (
    KEY,
    LOOPBACK,
    RAND12,
    UNSECURE,
    VERIFY,
    loopback_client,
    order_body,
    settings_for,
)
from .forked import ONE_SERVER, Forked, read_until, start_simulator
from .receiver import Receiver

OTHER_KEY = "other-key-7c1e9b0a2d4f6e83"


@pytest.fixture
def own_sim(shared_receiver: Receiver) -> Iterator[RunningSimulator]:
    """A simulator of its own: two ordering systems, a journal of 5, no sweeping."""
    settings = settings_for(
        shared_receiver.base_url,
        journal_size=5,
        sweep_interval_seconds=60,
    )
    settings = settings.model_copy(
        update={
            "ordering_systems": [
                *settings.ordering_systems,
                OrderingSystem(
                    name="other", api_key=OTHER_KEY, callback_base_url=shared_receiver.base_url
                ),
            ]
        }
    )
    with run_in_thread(settings) as running:
        yield running


def _api(sim: RunningSimulator, key: str = KEY) -> httpx.Client:
    return loopback_client(
        base_url=sim.base_url, headers={"Authorization": f"Basic {key}"}, timeout=30
    )


# --- health ---------------------------------------------------------------------------


def test_health_is_ready_while_the_store_and_the_outbox_run(own_sim: RunningSimulator) -> None:
    for path in ("/_simulator/health", "/health"):
        answer = LOOPBACK.get(own_sim.root_url + path)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ready"
        assert answer.json()["outbox"] == "running"
    assert LOOPBACK.head(own_sim.root_url + "/_simulator/health").status_code == 200
    assert own_sim.control.health()[0] == 200


def test_health_is_503_when_the_outbox_stopped(own_sim: RunningSimulator) -> None:
    tasks = own_sim.engine.outbox.tasks
    loop = tasks[0].get_loop()
    for task in tasks:
        loop.call_soon_threadsafe(task.cancel)
    answer = LOOPBACK.get(own_sim.root_url + "/_simulator/health")
    assert answer.status_code == 503, answer.text
    assert answer.json() == {
        "status": "unavailable",
        "store": "ok",
        "outbox": "not running",
        "orderingSystems": 2,
    }


def test_health_is_503_when_the_store_is_closed(own_sim: RunningSimulator) -> None:
    own_sim.engine.store.close()
    answer = LOOPBACK.get(own_sim.root_url + "/health")
    assert answer.status_code == 503, answer.text
    assert answer.json()["store"] == "not answering"
    own_sim.engine.errors.clear()  # whatever touched the closed store meanwhile


def test_health_before_start_and_after_stop_is_unavailable() -> None:
    assert health_of(None, serving=False)["status"] == "unavailable"


# --- the banner's URLs, the access log in text -----------------------------------------


def _start_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "eprom_verify.simulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    banner = []
    for _ in range(20):
        line = process.stdout.readline()
        banner.append(line)
        if not line or "apiKey" in line:  # the banner's last line (a generated demo key)
            break
    return process, "".join(banner)


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    out, _ = process.communicate(timeout=15)
    return out


def _fork_cli(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[Forked, str, Path]:
    """As :func:`_start_cli`, forked from the pre-imported server (``forked.py``, ~1 CPU-s
    less a start): (process, banner, its stdout's file)."""
    out = folder / "simulator.out"
    process = start_simulator(["--port", "0", *args], out, stderr=folder / "simulator.err", env=env)
    try:
        banner = read_until(process, out, lambda line: "apiKey" in line)
    except BaseException:
        process.kill()
        raise
    return process, banner, out


def _stop_forked(process: Forked, out: Path, banner: str) -> str:
    """Its stdout after the banner (as :func:`_stop` reads on from the banner's end)."""
    process.terminate()
    process.wait(15)
    return out.read_text(encoding="utf-8").removeprefix(banner)


def test_every_url_the_banner_prints_answers_and_each_request_is_one_log_line() -> None:
    process, banner = _start_cli("--callback-url", "http://127.0.0.1:9/cb")
    try:
        urls = re.findall(r"http://127\.0\.0\.1:\d+[^\s·()]*", banner)
        [key] = re.findall(r"apiKey (demo-\S+)", banner)
        served = [url for url in urls if ":9/" not in url]
        assert len(served) >= 6, banner
        for url in served:
            answer = LOOPBACK.get(url, follow_redirects=True)
            assert answer.status_code == 200, f"{url} answered {answer.status_code}"
        root = served[0].rsplit("/", 1)[0]
        docs = LOOPBACK.get(root + "/docs")
        assert (docs.status_code, docs.headers["location"]) == (307, "/swagger")
        assert "promswebapi" in LOOPBACK.get(root + "/").text
        LOOPBACK.post(
            root + "/promswebapi/api/v2/formorder",
            json=order_body(),
            headers={"Authorization": f"Basic {key}"},
        )
    finally:
        log = _stop(process)
    lines = log.splitlines()
    assert key not in log
    assert base64.b64encode(key.encode()).decode() not in log
    # one line per request: the banner's URLs, /docs, /, the order (and redirects followed)
    order = [line for line in lines if "POST /promswebapi/api/v2/formorder" in line]
    assert len(order) == 1, log
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z POST /promswebapi/api/v2/formorder 200 "
        r"\d+\.\dms demo",
        order[0],
    ), order[0]
    assert any(re.search(r" GET /docs 307 [\d.]+ms -$", line) for line in lines), log


@ONE_SERVER
def test_json_access_log_by_environment_variable_never_holds_the_key(tmp_path: Path) -> None:
    process, banner, out = _fork_cli(tmp_path, env={"EPROM_SIM_LOG_FORMAT": "json"})
    try:
        [key] = re.findall(r"apiKey (demo-\S+)", banner)
        root = re.findall(r"http://127\.0\.0\.1:\d+", banner)[0]
        sms = {"apiKey": key, "smsText": "Hei", "nationalId": UNSECURE}
        assert LOOPBACK.post(root + "/promswebapi/api/unsecuremessagesms", json=sms).json() == {
            "success": True
        }
        LOOPBACK.get(root + "/promswebapi/api/v2/nothing-here")
    finally:
        log = _stop_forked(process, out, banner)
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert records, log
    sms_line = next(r for r in records if r["path"].endswith("unsecuremessagesms"))
    assert set(sms_line) == {"time", "method", "path", "status", "ms", "orderingSystem"}
    assert (sms_line["method"], sms_line["status"], sms_line["orderingSystem"]) == (
        "POST",
        200,
        "demo",
    )
    missing = next(r for r in records if r["path"].endswith("nothing-here"))
    assert (missing["status"], missing["orderingSystem"]) == (404, None)
    assert key not in log


@ONE_SERVER
def test_log_format_off_writes_no_access_line_but_still_journals(tmp_path: Path) -> None:
    process, banner, out = _fork_cli(tmp_path, "--log-format", "off")
    try:
        [key] = re.findall(r"apiKey (demo-\S+)", banner)
        root = re.findall(r"http://127\.0\.0\.1:\d+", banner)[0]
        answer = LOOPBACK.post(
            root + "/promswebapi/api/v2/formorder",
            json=order_body(),
            headers={"Authorization": f"Basic {key}"},
        )
        assert answer.status_code == 200, answer.text
        journal = LOOPBACK.get(root + "/_simulator/requests").json()["requests"]
    finally:
        log = _stop_forked(process, out, banner)
    assert [e["path"] for e in journal] == ["/promswebapi/api/v2/formorder"]
    assert "POST /promswebapi" not in log, f"an access line with --log-format off: {log!r}"


def test_the_access_log_in_process_names_the_system_not_the_key(own_sim: RunningSimulator) -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    text, as_json = io.StringIO(), io.StringIO()
    handlers = []
    for stream, form in ((text, "text"), (as_json, "json")):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(AccessFormatter(form))
        handlers.append(handler)
        logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with _api(own_sim, OTHER_KEY) as api:
            api.post("/api/v2/formorder", json=order_body())
        own_sim.control.reset(ordering_system="other")
    finally:
        logger.setLevel(level)
        for handler in handlers:
            logger.removeHandler(handler)
    assert re.search(r"POST /promswebapi/api/v2/formorder 200 [\d.]+ms other\n", text.getvalue())
    assert re.search(r"POST /_simulator/reset 200 [\d.]+ms other\n", text.getvalue())
    [order, reset] = [json.loads(line) for line in as_json.getvalue().splitlines()]
    assert (order["orderingSystem"], reset["orderingSystem"]) == ("other", "other")
    assert OTHER_KEY not in text.getvalue() + as_json.getvalue()


# --- options: flag > EPROM_SIM_* > config file > default -------------------------------


def test_each_option_flag_over_environment_over_file_over_default(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "port: 9001\nlogFormat: json\njournalSize: 7\ndb: state.sqlite3\n"
        "autoComplete: {afterSeconds: 30}\n",
        encoding="utf-8",
    )
    settings, service = resolve_service({}, {})
    assert (service.port, service.log_format, settings.journal_size, service.db) == (
        8765,
        "text",
        1000,
        None,
    )
    settings, service = resolve_service({"config": str(config)}, {})
    assert (service.port, service.log_format, settings.journal_size) == (9001, "json", 7)
    assert service.db == tmp_path / "state.sqlite3"
    assert settings.auto_complete_after_seconds == 30
    env = {
        "EPROM_SIM_CONFIG": str(config),
        "EPROM_SIM_PORT": "9002",
        "EPROM_SIM_JOURNAL_SIZE": "8",
        "EPROM_SIM_AUTO_COMPLETE": "5",
    }
    settings, service = resolve_service({}, env)
    assert (service.port, service.log_format, settings.journal_size) == (9002, "json", 8)
    assert settings.auto_complete_after_seconds == 5
    settings, service = resolve_service({"port": "9003", "log_format": "text"}, env)
    assert (service.port, service.log_format, settings.journal_size) == (9003, "text", 8)


def test_the_demo_key_and_callback_url_come_from_the_environment() -> None:
    env = {"EPROM_SIM_API_KEY": KEY, "EPROM_SIM_CALLBACK_URL": "http://127.0.0.1:5000/cb"}
    settings, _ = resolve_service({}, env)
    [demo] = settings.ordering_systems
    assert (demo.api_key, demo.callback_base_url) == (KEY, "http://127.0.0.1:5000/cb")


@pytest.mark.parametrize(
    ("given", "env", "fragment"),
    [
        ({}, {"EPROM_SIM_PORT": "eighty"}, "$EPROM_SIM_PORT 'eighty': expected a int"),
        ({}, {"EPROM_SIM_LOG_FORMAT": "xml"}, "$EPROM_SIM_LOG_FORMAT 'xml' is not known"),
        ({"port": "70000"}, {}, "--port: port 70000 is out of range"),
        ({"journal_size": "-1"}, {}, "--journal-size -1: expected 0 or more"),
        ({}, {"EPROM_SIM_API_KEY": "short"}, "the demo API key has 5 characters"),
        ({"callback_url": "ftp://x"}, {}, "--callback-url 'ftp://x': expected an http(s) URL"),
        ({"db": "/no/such/folder/sim.sqlite3"}, {}, "the folder /no/such/folder does not exist"),
    ],
)
def test_a_bad_option_is_one_line(
    given: dict[str, str], env: dict[str, str], fragment: str
) -> None:
    with pytest.raises(UsageError) as error:
        resolve_service(given, env)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_secrets_are_refused_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("port: 1\ncontrolToken: abcdefghijklmnop\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        resolve_service({"config": str(config)}, {})
    assert "sim.yaml:2: controlToken" in str(error.value)
    assert "EPROM_SIM_CONTROL_TOKEN" in str(error.value)


def test_the_cli_says_a_bad_environment_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EPROM_SIM_LOG_FORMAT", "xml")
    assert main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("eprom-verify simulator: $EPROM_SIM_LOG_FORMAT 'xml' is not known")


# --- the demo key stays with its database ----------------------------------------------


def test_the_demo_key_stays_the_same_for_the_same_db(tmp_path: Path) -> None:
    db = tmp_path / "sim.sqlite3"
    first, _ = resolve_service({"db": str(db)}, {})
    with run_in_thread(first):
        pass
    again, _ = resolve_service({"db": str(db)}, {})
    assert again.api_key == first.api_key
    assert again.api_key.startswith("demo-")
    elsewhere, _ = resolve_service({"db": str(tmp_path / "other.sqlite3")}, {})
    assert elsewhere.api_key != first.api_key
    fresh, _ = resolve_service({}, {})
    assert fresh.api_key != first.api_key
    given, _ = resolve_service({"db": str(db)}, {"EPROM_SIM_API_KEY": KEY})
    assert given.api_key == KEY


def test_a_db_that_is_not_a_simulator_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("not a database at all, but long enough to be read as a header\n" * 20)
    with pytest.raises(UsageError) as error:
        resolve_service({"db": str(db)}, {})
    assert str(error.value).startswith(f"--db {db}: not a simulator database")


# --- the request journal ---------------------------------------------------------------


def test_the_journal_filters_by_system_path_method_and_time(own_sim: RunningSimulator) -> None:
    own_sim.control.clear_requests()
    with _api(own_sim) as mine, _api(own_sim, OTHER_KEY) as theirs:
        mine.post("/api/v2/formorder", json=order_body())
        theirs.post("/api/v2/FormOrder", json=order_body(nationalId=VERIFY))
        theirs.post("/api/v2/getpersonverninnstilling", json={})
    control = own_sim.control
    other = control.requests(ordering_system="other")
    assert [entry["path"] for entry in other] == [
        "/promswebapi/api/v2/getpersonverninnstilling",
        "/promswebapi/api/v2/FormOrder",
    ]
    assert [
        e["orderingSystem"] for e in control.requests(path="/PROMSWEBAPI/api/v2/formorder")
    ] == [
        "other",
        "test-system",
    ]
    assert control.requests(method="GET") == []
    assert control.requests(since="2999-01-01T00:00:00Z") == []
    assert len(control.requests(since="2000-01-01T00:00:00")) == 3
    bad = LOOPBACK.get(own_sim.root_url + "/_simulator/requests", params={"since": "0.5"})
    assert (bad.status_code, bad.text) == (
        400,
        "since '0.5' is not a time: use ISO 8601, e.g. 2026-12-03T10:00:00Z",
    )
    [newest] = control.requests(limit=1)
    assert newest["status"] in (200, 400)
    assert newest["request"]["headers"]["authorization"] == "Basic «redacted»"


def test_the_journal_is_bounded_and_drops_the_oldest(own_sim: RunningSimulator) -> None:
    own_sim.control.clear_requests()
    with _api(own_sim) as api:
        for number in range(7):
            api.get(f"/api/ExternalDocument/{number}")
    answer = LOOPBACK.get(own_sim.root_url + "/_simulator/requests", params={"limit": 100}).json()
    assert (answer["total"], answer["capacity"]) == (5, 5)
    assert answer["dropped"] >= 2
    paths = [entry["path"] for entry in answer["requests"]]
    assert paths == [f"/promswebapi/api/ExternalDocument/{n}" for n in (6, 5, 4, 3, 2)]


def test_the_journal_never_serves_a_key_in_any_form(own_sim: RunningSimulator) -> None:
    own_sim.control.clear_requests()
    metadata = json.dumps({"note": f"key {KEY} / {base64.b64encode(KEY.encode()).decode()}"})
    with _api(own_sim) as api:
        api.post("/api/v2/formorder", json=order_body(metadata=metadata))
        api.post(
            "/api/unsecuremessagesms",
            json={"ApiKey": KEY, "smsText": "Hei", "nationalId": UNSECURE},
        )
        wrong = api.post(
            "/api/unsecuremessagesms",
            json={"apiKey": "production-key-sent-by-mistake", "nationalId": VERIFY},
        )
    assert "production-key-sent-by-mistake" in wrong.text  # ePROM's text echoes it…
    served = LOOPBACK.get(own_sim.root_url + "/_simulator/requests").text
    for secret in (KEY, base64.b64encode(KEY.encode()).decode(), "production-key-sent"):
        assert secret not in served  # …the journal does not
    entries = json.loads(served)["requests"]
    assert [e["orderingSystem"] for e in entries] == ["test-system"] * 3  # by the header
    assert '"ApiKey": "«redacted»"' in entries[1]["request"]["body"].replace('":"', '": "')
    assert RAND12 in entries[2]["request"]["body"]  # the rest of the body is kept


def test_a_journal_of_size_zero_keeps_nothing(shared_receiver: Receiver) -> None:
    with run_in_thread(settings_for(shared_receiver.base_url, journal_size=0)) as sim:
        with _api(sim) as api:
            api.post("/api/v2/formorder", json=order_body())
        assert sim.control.requests() == []
