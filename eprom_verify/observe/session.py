"""One observation: the fronts, the upstream (embedded simulator or relay), the patient.

:class:`Observation` is a context manager. Inside it the system's ``PromsApiBaseUrl`` is
:attr:`Observation.proms_api_base_url`; every request and callback is in
:attr:`Observation.log`. The *patient* (the simulator's control API) answers each order once
the system acknowledged its status callback (signing when the order must be signed), and a
patient-initiated answer is sent at start. The *redeliverer* sends the first acknowledged
status callback and the first acknowledged answer callback a second time, as ePROM may.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

import httpx

from eprom_verify._exceptions import UsageError
from eprom_verify._http import SharedClient
from eprom_verify.contract import FormOrderStatus
from eprom_verify.contract.callbacks import acknowledgement_problem as judge_answer
from eprom_verify.observe.front import Exchange, Front, Log, forward_exchange
from eprom_verify.observe.judge import callback_kind
from eprom_verify.observe.scenario import Scenario
from eprom_verify.simulator import ControlClient, OrderingSystem, SimulatorSettings, run_in_thread

__all__ = ["Observation", "ObservationSettings"]

_Task = Callable[[], None]


@dataclass(frozen=True)
class ObservationSettings:
    system_callback_url: str
    api_key: str = field(repr=False)
    time_limit_s: float = 5.0
    upstream_url: str | None = None  # None: the embedded simulator
    api_listen: tuple[str, int] = ("127.0.0.1", 0)
    callback_listen: tuple[str, int] = ("127.0.0.1", 0)
    callback_public_url: str | None = None
    redeliver: bool = True
    patient: bool = True
    #: the control token of an eprom-verify simulator upstream (``EPROM_SIM_CONTROL_TOKEN``)
    control_token: str | None = field(default=None, repr=False)


class Observation:
    """Runs the fronts and the upstream while the ``with`` block runs."""

    def __init__(self, settings: ObservationSettings, scenario_for: Callable[[str], Scenario]):
        self.settings = settings
        self._scenario_for = scenario_for
        self.log = Log()
        self.errors: list[str] = []
        self.control: ControlClient | None = None
        self._stack = contextlib.ExitStack()
        self._tasks: queue.Queue[_Task | None] = queue.Queue()
        self._redelivered: set[str] = set()
        self._patient_done: set[str] = set()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="observe-patient", daemon=True)
        self.scenario: Scenario | None = None
        self.upstream_base_url = ""

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Observation:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._tasks.put(None)
        self._worker.join(timeout=10)
        self._stack.close()

    def _start(self) -> None:
        s = self.settings
        timeout = s.time_limit_s + 20.0
        # both fronts forward from a thread per request: a client per request in flight
        # (eprom_verify/_http.py says why one httpx.Client for all is not safe)
        client = self._stack.enter_context(SharedClient(trust_env=False, timeout=timeout))
        system = s.system_callback_url.rstrip("/")
        callbacks = Front(
            leg="callback", log=self.log, client=client, timeout_s=timeout,
            target=lambda path: system + path, host=s.callback_listen[0], port=s.callback_listen[1],
        ).start()  # fmt: skip
        self._stack.callback(callbacks.stop)
        self.callback_url = s.callback_public_url or callbacks.root_url
        if s.upstream_url is None:
            sim_settings = SimulatorSettings(
                ordering_systems=[OrderingSystem(
                    name="system-under-test", api_key=s.api_key, callback_base_url=self.callback_url
                )],
                callback_timeout_seconds=timeout,
            )  # fmt: skip
            sim = self._stack.enter_context(run_in_thread(sim_settings))
            self.upstream_base_url = sim.base_url
            self.control = sim.control
        else:
            self.upstream_base_url = s.upstream_url.rstrip("/")
            self.control = _control_of(self.upstream_base_url, s.control_token)
            if self.control is not None:
                self._stack.callback(self.control.close)
        upstream = self.upstream_base_url
        api = Front(
            leg="api", log=self.log, client=client, timeout_s=60.0,
            target=lambda path: upstream + _below_base(path), host=s.api_listen[0],
            port=s.api_listen[1],
        ).start()  # fmt: skip
        self._stack.callback(api.stop)
        self.proms_api_base_url = f"{api.root_url}/promswebapi"
        self._client = client
        self._system = system
        self.scenario = self._scenario_for(self.proms_api_base_url)
        self.log.on_finished(self._heard)
        self._worker.start()

    # --- the patient and the redeliverer -----------------------------------------------

    def start_patient_initiated(self) -> None:
        """The patient orders and answers a form themself (when the upstream is a simulator)."""
        control = self.control
        if control is None or not self.settings.patient or self.scenario is None:
            return
        for step in self.scenario.steps:
            if step.kind == "patient_initiated":
                form_id, person = str(step.match["formId"]), step.national_id

                def answer(form_id: str = form_id, person: str = person) -> None:
                    control.patient_initiated(form_id, person)

                self._tasks.put(answer)

    def _heard(self, exchange: Exchange) -> None:
        if exchange.leg != "callback" or exchange.status is None:
            return
        if judge_answer(exchange.status, exchange.response_body.decode("utf-8", "replace")):
            return
        kind = callback_kind(exchange)
        body = _body(exchange)
        order_id = str(body.get("formOrderId") or "").lower()
        if kind in ("status", "answer") and self.settings.redeliver and order_id:
            if body.get("isPatientInitiated"):
                return  # redeliver an answer to an order the system placed
            with self._lock:
                first = kind not in self._redelivered
                self._redelivered.add(kind)
            if first:
                self._tasks.put(lambda: self._redeliver(exchange))
        status = body.get("formOrderStatus")
        if kind == "status" and order_id and _is(status, FormOrderStatus.Ordered):
            with self._lock:
                fresh = order_id not in self._patient_done
                self._patient_done.add(order_id)
            if fresh and self.control is not None and self.settings.patient:
                self._tasks.put(lambda: self._answer(order_id))

    def _answer(self, order_id: str) -> None:
        assert self.control is not None
        order = self.control.order(order_id)
        self.control.complete(
            order_id, sign=order.must_be_signed, paper=order.channel == "PhysicalMailbox"
        )

    def _redeliver(self, original: Exchange) -> None:
        time.sleep(0.05)  # after the acknowledgement went back upstream
        again = self.log.new(
            leg="redelivery", method=original.method, path=original.path,
            inbound_url="(redelivered by eprom-verify)", outbound_url=original.outbound_url,
            request_headers=dict(original.request_headers), request_body=original.request_body,
            at=datetime.now(UTC),
        )  # fmt: skip
        forward_exchange(self._client, self.log, again, timeout_s=self.settings.time_limit_s + 20)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - reported, the observation goes on
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def idle(self) -> bool:
        """No patient or redelivery task waiting, and (embedded) no callback pending."""
        if not self._tasks.empty():
            return False
        if self.settings.upstream_url is None and self.control is not None:
            return not self.control.outbox(state="pending", limit=1)
        return True


def _below_base(path: str) -> str:
    lower = path.lower()
    for prefix in ("/promswebapi", "/webapi"):
        if lower.startswith(prefix + "/") or lower == prefix:
            return path[len(prefix) :]
    return path


def _body(exchange: Exchange) -> dict[str, object]:
    try:
        body = json.loads(exchange.request_body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _is(value: object, member: FormOrderStatus) -> bool:
    try:
        return FormOrderStatus.parse(value) is member
    except ValueError:
        return False


#: The challenge an eprom-verify simulator sends when its control API needs the token
#: (simulator/service.py); another server's 401 does not make it a simulator.
_SIMULATOR_REALM = 'realm="eprom-verify simulator control API"'


def _control_of(upstream_base_url: str, token: str | None = None) -> ControlClient | None:
    """The control API of an eprom-verify simulator upstream, else None.

    Probed on loopback, and anywhere when a control token is given (the user says the
    upstream is a simulator, e.g. a container on a CI network). A simulator that wants its
    control token and has none (or a wrong one) is a :class:`UsageError`, not "no
    simulator": without the patient nothing would be answered.
    """
    host = httpx.URL(upstream_base_url).host
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        return None
    root = upstream_base_url.rsplit("/", 1)[0]
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        answer = httpx.get(f"{root}/_simulator/forms", headers=headers, timeout=3, trust_env=False)
    except httpx.HTTPError:
        return None
    if answer.status_code == 200:
        return ControlClient(root, token=token)
    if answer.status_code == 401 and _SIMULATOR_REALM in answer.headers.get("www-authenticate", ""):
        if token:
            raise UsageError(
                f"the simulator at {root} refused the control token (401): give the token it "
                "was started with in EPROM_SIM_CONTROL_TOKEN"
            )
        raise UsageError(
            f"the simulator at {root} needs its control token to play the patient: set "
            "EPROM_SIM_CONTROL_TOKEN to the token it was started with"
        )
    return None
