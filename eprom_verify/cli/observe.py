"""``eprom-verify observe``: the user's ordering system runs the checklist's flows; we judge.

1. Check the input (one line on stderr and exit 2 for a mistake, before anything starts):
   ``--system-callback-url`` given and answering, ``--drive`` found, no prod upstream.
2. Start the recording fronts and the upstream (the embedded simulator, or a relay toward
   ``--upstream``), print ``PromsApiBaseUrl`` and the API key to configure, write
   ``scenario.json`` into the report folder and print its path.
3. Run ``--drive CMD`` with ``EPROM_SCENARIO``, ``EPROM_PROMS_API_BASE_URL`` and
   ``EPROM_API_KEY`` in its environment, or show the steps and wait for the system.
4. Wait until every step's traffic has been seen (or ``--timeout``), judge, write the report.
   Exit 0 when no checkpoint failed, 1 otherwise (docs/exit-codes.md).

SIGINT or SIGTERM at any point: the ``--drive`` command's process group is ended, what was
seen is judged (steps never reached are *not run*), the report is sealed and marked
interrupted, exit 2. Everything printed, the ``--drive`` command's output included, goes
through the redactor. Options are rows of :data:`eprom_verify.config.settings.OPTIONS`
(``EPROM_…`` twins, ``eprom-verify.toml``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TextIO

import httpx

from eprom_verify import config
from eprom_verify._exceptions import UsageError
from eprom_verify._version import __version__
from eprom_verify.cli import interrupts, output
from eprom_verify.cli.exit_codes import ExitCode
from eprom_verify.config.settings import (
    OBSERVE_OPTIONS,
    add_options,
    check_api_key,
    check_report_dir,
    deprecated,
    resolve_options,
)
from eprom_verify.observe.evidence import record
from eprom_verify.observe.judge import Finding, Judge
from eprom_verify.observe.scenario import Scenario, build_scenario
from eprom_verify.observe.session import Observation, ObservationSettings
from eprom_verify.redact import Redactor, fingerprint
from eprom_verify.report.attest import load_attestations
from eprom_verify.report.cover import organisation, system_version
from eprom_verify.report.model import RunInfo
from eprom_verify.report.recorder import Recorder, new_report_dir
from eprom_verify.wording import Text

__all__ = ["add_arguments", "run"]

_REFUSED = (
    "--upstream prod is refused: observe orders forms and sends letters to the test persons, "
    "who do not exist in prod — use test or qa"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """observe's options: rows of the one options table, each with its ``EPROM_…`` twin."""
    add_options(parser, OBSERVE_OPTIONS)
    deprecated(parser, "--reports", "--report-dir", "report_dir")


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    given = {dest: getattr(args, dest, None) for dest in OBSERVE_OPTIONS}
    v = resolve_options(given, OBSERVE_OPTIONS)
    drive = _drive_argv(v["drive"])
    upstream, environment = _upstream(v["upstream"])
    callback_url = _callback_url(v["system_callback_url"])
    given_key: str | None = v["api_key"]
    if upstream is not None and not given_key:
        raise UsageError(
            "--upstream needs the key Hemit registered for your system: set EPROM_API_KEY "
            "(or --api-key)"
        )
    if given_key:
        check_api_key(given_key)
        output.protect(given_key)
    given_token: str | None = v["control_token"]
    output.protect(given_token)  # redacted wherever it would show, used or not
    control_token = _control_token(given_token, upstream, environment)
    attestations = load_attestations(Path(v["attest"])) if v["attest"] else []
    api_listen = _host_port(v["listen"], "--listen")
    callback_listen = _host_port(v["callback_listen"] or "127.0.0.1:0", "--callback-listen")
    reports = Path(v["report_dir"])
    check_report_dir(reports)
    _check_answers(callback_url)
    time_limit: float = v["callback_time_limit"]
    generated = not given_key
    key = given_key or f"observe-{secrets.token_urlsafe(18)}"
    settings = ObservationSettings(
        system_callback_url=callback_url,
        api_key=key,
        time_limit_s=time_limit,
        upstream_url=upstream,
        api_listen=api_listen,
        callback_listen=callback_listen,
        callback_public_url=v["callback_public_url"],
        control_token=control_token,
    )
    started = datetime.now(UTC)
    redactor = Redactor(secrets=[key, *([given_token] if given_token else [])])

    def scenario_for(base: str) -> Scenario:
        return build_scenario(proms_api_base_url=base, system_callback_url=callback_url)

    with Observation(settings, scenario_for) as obs:
        assert obs.scenario is not None
        with interrupts.writing():  # a signal now is obeyed once the folder can be sealed
            report_dir = new_report_dir(reports, f"observe-{environment}")
            scenario_path = obs.scenario.write(report_dir / "scenario.json")
            recorder = Recorder(
                report_dir,
                run=RunInfo(
                    ordering_system=v["ordering_system"] or callback_url,
                    environment=environment,
                    base_url=obs.proms_api_base_url,
                    callback_url=callback_url,
                    started_at=started,
                    tool_version=__version__,
                    api_key_fingerprint=fingerprint(key),
                    lang=v["lang"],
                    command=redactor.text(shlex.join(["eprom-verify", *sys.argv[1:]])),
                    mode="observe",
                    simulated=upstream is None,
                    system_version=system_version(given=v["system_version"]),
                    organisation=organisation(given=v["organisation"]),
                    tester=next((a.tester for a in attestations), None),
                ),
                redactor=redactor,
            )
        interrupted = interrupts.stopped_by() is not None
        drive_status: int | None = None
        if not interrupted:
            try:
                shown_key = (
                    key if generated else f"(the key you gave, fingerprint {fingerprint(key)})"
                )
                _say(out, f"PromsApiBaseUrl: {obs.proms_api_base_url}")
                _say(out, f"API key: {shown_key}")
                if upstream is not None:
                    _say(out, f"ApiBaseUrl to register at Hemit (callbacks): {obs.callback_url}")
                _say(out, f"scenario: {scenario_path}")
                obs.start_patient_initiated()
                drive_status = _perform(obs, drive, scenario_path, key, v["timeout"], out)
                if drive is None:
                    _settle(obs, key, time_limit, v["timeout"], out)
                else:
                    _settle(obs, key, time_limit, v["settle"])
            except KeyboardInterrupt:  # judge what was seen; the report says it was interrupted
                interrupted = True
        with interrupts.writing():  # a (second) signal waits until the report is sealed
            judge = Judge(obs.scenario, obs.log.items(), api_key=key, time_limit_s=time_limit)
            findings = judge.findings()
            if interrupted:
                findings = _not_reached(judge, findings)
            record(recorder, obs, judge, findings, scenario_path=scenario_path,
                   drive=drive, drive_status=drive_status)  # fmt: skip
            for attestation in attestations:
                recorder.add_attestation(attestation)
            data = recorder.finish(interrupted=interrupted)
    failed = [f for f in findings if f.outcome == "failed"]
    for finding in failed:  # the terminal speaks English
        message = Text.same(finding.message).en
        _say(out, redactor.text(f"FAILED {'/'.join(finding.checkpoint_ids)} {message}"))
    s = data.summary
    _say(out, f"checkpoints: {s.passed} passed, {s.failed} failed, "
              f"{s.needs_attestation} need attestation, {s.not_run} not run")  # fmt: skip
    _say(out, f"report: {report_dir / 'report.html'}")
    if drive_status not in (None, 0):
        _say(out, f"the --drive command exited with {drive_status}")
    if interrupted:
        name = interrupts.stopped_by() or "SIGINT"
        sys.stderr.write(
            f"eprom-verify: stopped by {name}: the report holds what was seen until then, "
            "sealed and marked interrupted (exit 2)\n"
        )
        return ExitCode.INTERRUPTED
    return ExitCode.FAILED if s.failed or drive_status not in (None, 0) else ExitCode.OK


def _not_reached(judge: Judge, findings: list[Finding]) -> list[Finding]:
    """Interrupted: a step whose traffic was not all seen failed nothing — it was not run.

    A failure about something that was seen (a request with a wrong field, an answer of
    the system's) stays a failure.
    """
    pending = set(judge.pending())
    steps = {step.id: step for step in judge.scenario.steps}
    out = []
    for finding in findings:
        step = steps.get(finding.step_id or "")
        unseen = step is not None and (not judge.requests_of(step) or not finding.exchanges)
        if finding.outcome == "failed" and finding.step_id in pending and unseen:
            finding = dataclasses.replace(
                finding,
                outcome="not_run",
                message=Text(
                    en="not reached: the observation was interrupted before this step's "
                    "traffic was seen",
                    nb="ikke nådd: observasjonen ble avbrutt før trafikken for dette steget "
                    "ble sett",
                ),
                expected=None,
                received=None,
                fix=None,
            )
        out.append(finding)
    return out


# --- input ---------------------------------------------------------------------------


def _callback_url(url: str | None) -> str:
    if not url:
        raise UsageError(
            "observe needs --system-callback-url URL: your system's ApiBaseUrl, where its "
            "callback service listens (e.g. http://127.0.0.1:8770)"
        )
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--system-callback-url must be an http(s) URL (got {url!r})")
    return url.rstrip("/")


def _check_answers(url: str) -> None:
    """Anything that answers HTTP will do; nothing is ordered before this passes."""
    try:
        httpx.get(url, timeout=5, trust_env=False)
    except httpx.HTTPError as exc:
        reason = type(exc).__name__
        raise UsageError(
            f"--system-callback-url {url} does not answer ({reason}): start your callback "
            "service first"
        ) from None


def _drive_argv(command: str | None) -> list[str] | None:
    if command is None:
        return None
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--drive {command!r} cannot be read as a command: {exc}") from None
    if not argv:
        raise UsageError("--drive is empty: give the command that runs your system's flows")
    if shutil.which(argv[0]) is None:
        raise UsageError(f"--drive: command not found: {argv[0]!r} (not on PATH, not a file)")
    return argv


def _upstream(value: str | None) -> tuple[str | None, str]:
    """(upstream base URL or None for the embedded simulator, environment name).

    Any environment of environments.yaml that reaches people (prod) is refused, by name or
    by its address.
    """
    if value is None:
        return None, "simulator"
    environments = config.load_environments()
    refused = {name for name, env in environments.items() if env.reaches_people}
    hosts = {httpx.URL(e.base_url).host for e in environments.values()
             if e.reaches_people and e.base_url}  # fmt: skip
    if value.startswith(("http://", "https://")):
        if httpx.URL(value).host in hosts:
            raise UsageError(_REFUSED)
        return value.rstrip("/"), "relay"
    if value in refused:
        raise UsageError(_REFUSED)
    chosen = environments.get(value)
    if chosen is None or chosen.embedded or chosen.base_url is None:
        names = ", ".join(n for n, e in environments.items() if not e.embedded and n not in refused)
        raise UsageError(f"--upstream {value!r} is not known: use {names} or a URL")
    return chosen.base_url, value


def _control_token(token: str | None, upstream: str | None, environment: str) -> str | None:
    """The control token for a simulator upstream given as a URL, else None.

    It is never sent to the embedded simulator (which needs none) nor to an environment of
    environments.yaml (Hemit's test and QA have no control API), by name or by address.
    """
    if not token or upstream is None or environment != "relay":
        return None
    known = {httpx.URL(e.base_url).host for e in config.load_environments().values()
             if e.base_url and not e.embedded}  # fmt: skip
    if httpx.URL(upstream).host in known:
        return None
    return token


def _host_port(value: str, option: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"{option} must be HOST:PORT (got {value!r})")
    return host.strip("[]"), int(port)


# --- performing the scenario ---------------------------------------------------------


def _perform(
    obs: Observation, drive: list[str] | None, scenario_path: Path, key: str, timeout: float,
    out: TextIO,
) -> int | None:  # fmt: skip
    assert obs.scenario is not None
    if drive is None:
        _show_steps(obs, timeout, out)
        return None
    env = {
        **os.environ,
        "EPROM_SCENARIO": str(scenario_path),
        "EPROM_PROMS_API_BASE_URL": obs.proms_api_base_url,
        "EPROM_API_KEY": key,
    }
    _say(out, f"running --drive: {shlex.join(drive)}")
    return _drive(drive, env, timeout, out)


def _drive(argv: list[str], env: dict[str, str], timeout: float, out: TextIO) -> int:
    """Run the ``--drive`` command in its own process group; its output line by line,
    redacted, to ours. Interrupted or over time, the whole group is ended."""
    try:
        process = subprocess.Popen(  # noqa: S603
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise UsageError(f"--drive {argv[0]!r} cannot be run: {exc.strerror}") from None
    assert process.stdout is not None
    assert process.stderr is not None
    pumps: list[threading.Thread] = []
    try:  # from here on a signal, wherever it lands (a pump starting too), ends the group
        try:
            for source, sink in ((process.stdout, out), (process.stderr, sys.stderr)):
                pump = threading.Thread(target=_pump, args=(source, sink), daemon=True)
                pump.start()
                pumps.append(pump)  # only a started pump is joined
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _say(out, f"the --drive command did not end within {timeout:g} s and was stopped")
            _end_group(process)
            return -1
    except BaseException:
        _end_group(process)
        raise
    finally:
        for pump in pumps:
            pump.join(timeout=2)


def _pump(source: IO[bytes], sink: TextIO) -> None:
    """The child's lines, through the terminal's redactor (the key in any encoding)."""
    clean = output.redactor()
    for raw in iter(source.readline, b""):
        with contextlib.suppress(ValueError, OSError):  # our stream closed at exit
            sink.write(clean.text(raw.decode("utf-8", "replace")))
            sink.flush()
    source.close()


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group, SIGKILL after 5 s; every member waited for."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with interrupts.writing():
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _show_steps(obs: Observation, timeout: float, out: TextIO) -> None:
    assert obs.scenario is not None
    steps = obs.scenario.system_steps()
    _say(out, f"perform these {len(steps)} steps with your system (details in scenario.json); "
              f"waiting up to {timeout:g} s")  # fmt: skip
    for number, step in enumerate(steps, 1):
        assert step.request is not None
        _say(out, f"  [{number}/{len(steps)}] {step.id}: {step.title} — {step.request.method} "
                  f"{step.request.path}")  # fmt: skip


def _settle(
    obs: Observation, key: str, limit: float, wait: float, out: TextIO | None = None
) -> None:
    """Wait until every step's traffic was seen and nothing is pending, or ``wait`` passed.

    With ``out`` (no --drive) each step is reported as it completes.
    """
    assert obs.scenario is not None
    deadline = time.monotonic() + wait
    shown: set[str] = set()
    total = len(obs.scenario.steps)
    while time.monotonic() < deadline:
        judge = Judge(obs.scenario, obs.log.items(), api_key=key, time_limit_s=limit)
        pending = judge.pending()
        if out is not None:
            for step in obs.scenario.steps:
                if step.id not in pending and step.id not in shown:
                    shown.add(step.id)
                    _say(out, f"  seen ({len(shown)}/{total}): {step.id}")
        if not pending and obs.idle():
            break
        time.sleep(0.1)
    quiet_until = time.monotonic() + 0.3  # late duplicates still count
    while time.monotonic() < min(quiet_until, deadline + 0.3):
        time.sleep(0.05)


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()
