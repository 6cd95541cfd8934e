"""Opening a harness for a run: listener, (embedded) simulator, client, recorder.

Plain Python (the plugin calls it from a fixture; a script can call it directly).
The order matters: the listener starts first, so its URL is known when the simulator
registers the ordering system's callback ``ApiBaseUrl``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from eprom_verify._exceptions import UsageError
from eprom_verify._version import __version__
from eprom_verify.config import load_environments, load_forms, load_patients
from eprom_verify.config.settings import RunSettings, Secret, new_simulator_key
from eprom_verify.redact import Redactor, fingerprint

if TYPE_CHECKING:
    from eprom_verify.report.recorder import Recorder
    from eprom_verify.run.harness import Harness

__all__ = [
    "JOURNAL_NAME",
    "make_recorder",
    "open_harness",
    "resolve_base_url",
    "save_simulator_journal",
]

#: The embedded simulator's side of the run, saved in the report folder as evidence.
JOURNAL_NAME = "simulator-journal.json"


def resolve_base_url(settings: RunSettings) -> str | None:
    """The ePROM base URL: ``--base-url``, else the environment's; None when embedded."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    if settings.embedded:
        return None
    environments = load_environments()
    env = environments.get(settings.env)
    if env is None or not env.base_url:
        known = ", ".join(environments)
        raise UsageError(f"--env {settings.env!r} is not known; choose one of {known}")
    return env.base_url.rstrip("/")


def load_faults(path: Path | None) -> list[Any]:
    """The simulator faults of ``--simulator-faults``: a YAML list, or ``{faults: [...]}``."""
    if path is None:
        return []
    import yaml
    from pydantic import TypeAdapter, ValidationError

    from eprom_verify.simulator.faults import Fault

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read the faults file: {exc}".splitlines()[0]) from None
    items = raw.get("faults", []) if isinstance(raw, dict) else raw
    try:
        return TypeAdapter(list[Fault]).validate_python(items or [])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{path}: faults[{where}]: {first['msg']}") from None


def reports_own_privacy_changes(path: Path | None) -> bool:
    """``reportOwnPrivacyChanges: true`` in the faults file: the embedded simulator also
    tells the run about its own privacy changes (a plausible ePROM; the guide is silent)."""
    if path is None:
        return False
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False  # load_faults says what is wrong with the file
    return isinstance(raw, dict) and raw.get("reportOwnPrivacyChanges") is True


def make_recorder(
    report_dir: Path, settings: RunSettings, *, show_national_ids: bool, command: str
) -> Any:
    """The report recorder for ``report_dir`` with a redactor that knows our key."""
    from eprom_verify.report.cover import organisation, system_version
    from eprom_verify.report.model import RunInfo
    from eprom_verify.report.recorder import Recorder

    key = settings.api_key.reveal()
    redactor = Redactor(secrets=[key] if key else [], mask_national_ids=not show_national_ids)
    receiver = settings.receiver_url
    faults = [
        f.model_dump(mode="json", by_alias=True, exclude_none=True)
        for f in load_faults(settings.simulator_faults)
    ]
    run = RunInfo(
        ordering_system=settings.ordering_system,
        environment="receiver" if receiver else settings.env,
        base_url=receiver or resolve_base_url(settings) or "(embedded simulator)",
        callback_url=receiver or settings.callback_public_url,
        receiver_url=receiver,
        faults_injected=[] if receiver else faults,
        started_at=dt.datetime.now(dt.UTC),
        tool_version=__version__,
        api_key_fingerprint=fingerprint(key) if key else None,
        lang=settings.lang,
        command=redactor.text(command),
        hypothesis_profile=None,
        national_ids_shown=show_national_ids,
        mode="check-receiver" if receiver else "run",
        simulated=settings.embedded and not receiver,
        system_version=(
            None
            if settings.embedded and not receiver
            else system_version(given=settings.system_version)
        ),
        organisation=organisation(given=settings.organisation),
        tester=settings.tester,
    )
    return Recorder(report_dir, run=run, redactor=redactor)


@contextmanager
def open_harness(
    settings: RunSettings, *, recorder: Recorder | None = None, stream: Any = None
) -> Iterator[Harness]:
    """Start what the run needs and yield the harness; stop everything on exit."""
    # here, not at the top: check-receiver makes its recorder from this module and needs
    # no harness, listener (werkzeug) or client
    from eprom_verify.client import EpromClient
    from eprom_verify.run.harness import Harness
    from eprom_verify.run.listener import CallbackListener

    patients_file = load_patients(settings.patients)
    forms_file = load_forms(settings.forms)
    env_patients = [
        p for p in patients_file.patients if settings.env in p.environments or settings.base_url
    ]
    if settings.embedded and not settings.api_key:
        settings = dataclasses.replace(settings, api_key=Secret(new_simulator_key()))
    key = settings.api_key
    out = stream if stream is not None else sys.__stderr__
    with ExitStack() as stack:
        public = settings.callback_public_url
        listener = CallbackListener(
            api_key=key,
            host=settings.listen_host,
            port=settings.listen_port,
            path_prefix=urlsplit(public).path if public else "",
        )
        harness_ref: list[Harness] = []
        listener.on_callback = lambda cb: (
            harness_ref[0].record_callback(cb) if harness_ref else None
        )
        stack.enter_context(listener)
        callback_url = (public or listener.url).rstrip("/")
        simulator = None
        base_url = resolve_base_url(settings)
        if settings.embedded:
            from eprom_verify.simulator import OrderingSystem, SimulatorSettings

            sim_settings = SimulatorSettings(
                ordering_systems=[
                    OrderingSystem(
                        name=settings.ordering_system or "eprom-verify",
                        api_key=key.reveal(),
                        callback_base_url=callback_url,
                    )
                ],
                patients=patients_file.patients,
                forms=forms_file.forms,
                pvk=patients_file.pvk,
                faults=load_faults(settings.simulator_faults),
                report_own_privacy_changes=reports_own_privacy_changes(settings.simulator_faults),
            )
            simulator = stack.enter_context(serve_embedded(sim_settings))
            base_url = simulator.base_url
            if recorder is not None and hasattr(recorder, "report_dir"):
                # runs before the simulator stops (an ExitStack ends in reverse order)
                stack.callback(save_simulator_journal, simulator, recorder.report_dir)
        assert base_url is not None
        if recorder is not None and hasattr(recorder, "update_run"):
            recorder.update_run(base_url=base_url, callback_url=callback_url)
        harness = Harness(
            settings=settings,
            client=EpromClient(base_url, key),
            listener=listener,
            patients=env_patients,
            forms=forms_file.forms,
            pvk=patients_file.pvk,
            simulator=simulator,
            recorder=recorder,
            progress_stream=out,
        )
        harness.client.on_exchange = harness.record_exchange
        if settings.attest is not None:
            from eprom_verify.report.attest import load_attestations

            for attestation in load_attestations(settings.attest):
                harness.attestations[attestation.checkpoint_id] = attestation
                if recorder is not None and hasattr(recorder, "add_attestation"):
                    recorder.add_attestation(attestation)
        harness_ref.append(harness)
        stack.callback(harness.client.close)
        yield harness


def serve_embedded(settings: Any) -> AbstractContextManager[Any]:
    """The run's embedded simulator: in the process ``eprom-verify run`` forked for it at its
    start (:mod:`eprom_verify.simulator.child`, on the other core), else in a thread."""
    from eprom_verify.simulator.child import run_in_process, take_early_process

    process = take_early_process()
    if process is not None:
        return run_in_process(process, settings)
    from eprom_verify.simulator.server import run_in_thread

    return run_in_thread(settings)


def save_simulator_journal(simulator: Any, report_dir: Path) -> Path | None:
    """Save what the embedded simulator received and answered, and every callback it sent
    (each attempt, with times), as ``simulator-journal.json`` in the report folder.

    The other side of the run's evidence: when an answer never came (a ``ReadTimeout``),
    this says whether the simulator got the request, when it answered and what it did
    about the order. Keys are redacted by the simulator's journal and again with the whole
    folder when the report is written. None when the simulator could not say (it is not
    the run's failure); nothing half-written.
    """
    import json

    from eprom_verify.report._io import write_atomic

    control = simulator.control
    capacity = simulator.settings.journal_size
    try:
        requests = control.requests(limit=max(capacity, 1))
        outbox = control.outbox(limit=100_000)
    except Exception:  # noqa: BLE001 - a simulator that cannot answer has nothing to save
        return None
    journal = {
        "about": (
            "The embedded simulator's request journal (oldest first; 'at' is when the answer "
            "was sent, 'ms' how long it took) and its outbox (every callback, each attempt)."
        ),
        "capacity": capacity,
        "requests": list(reversed(requests)),
        "outbox": [c.model_dump(mode="json", by_alias=True) for c in outbox],
    }
    path = report_dir / JOURNAL_NAME
    write_atomic(path, json.dumps(journal, ensure_ascii=False, indent=1) + "\n")
    return path
