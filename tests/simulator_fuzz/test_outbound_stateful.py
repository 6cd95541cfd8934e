"""Outbound fuzzing: a hypothesis state machine orders forms from the simulator over rule ×
signing × on behalf of × paper address × metadata × ID kind, and completes some orders.

Each order must get either one of the documented 400 refusals that apply to it (contract
§3.1) or 200; an order that was made gets exactly one order-status callback, and a completed
one exactly one answer callback — every callback carrying our key and accepted by the
reference receiver, which parses it with the contract models.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    multiple,
    rule,
    run_state_machine_as_test,
)

from eprom_verify.config import Form, load_forms, load_patients
from eprom_verify.contract import (
    NIL_GUID,
    DistributionRule,
    FormAnswerCallback,
    FormOrderResponse,
    FormOrderStatus,
    FormOrderStatusCallback,
    FormOrderStatusErrorCode,
    NotificationChannel,
    parse_form_order_callback,
)
from eprom_verify.national_id import NationalIdKind, classify
from eprom_verify.simulator import RunningSimulator
from eprom_verify.strategies import form_order_requests

from .conftest import KEY, TODAY, Delivery, RecordingReceiver

PAPER_RULES = {
    DistributionRule.BasicOrPaper,
    DistributionRule.AllowUnsecureOrPaper,
    DistributionRule.PaperOnly,
}
NOT_SUPPORTED = (
    "nationalId: {kind} is not supported as national ID. "
    "The national ID must be either Norsk fødselsnummer or D-nummer."
)
SIGNING_NO_DISTRIBUTION = (
    "The ordered form needs to be signed. "
    "This is not possible when using DistributionRule = 'NoDistribution'."
)
SIGNING_ON_BEHALF = (
    "The ordered form needs to be signed. "
    "This is not possible when the form is ordered on behalf of someone."
)
BAD_METADATA = "JSON in metadata is not valid: "  # followed by the parser's message
FORMS = {f.id: f for f in load_forms().forms}
REGISTERED = {p.national_id for p in load_patients().patients if p.registered}
ORDERS = form_order_requests(
    forms=list(FORMS.values()),
    patients=load_patients().patients,
    today=max(TODAY, dt.date.today()),
)


def documented_refusals(order: dict[str, Any]) -> list[str]:
    """Every documented 400 text that applies to ``order`` (which one wins is not documented)."""
    found = []
    kind = classify(order["nationalId"])
    if kind in (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER):
        found.append(NOT_SUPPORTED.format(kind=kind.value))
    form: Form | None = FORMS.get(order["formId"])
    rule_ = DistributionRule.parse(order.get("distributionRule", "Basic"))
    if form is None:
        found.append(f"No form with id='{order['formId']}' exists")
    else:
        if not form.published:
            found.append("The ordered form is not Published")
        if order.get("mustBeSigned") is True or form.must_be_signed:
            if rule_ is DistributionRule.NoDistribution:
                found.append(SIGNING_NO_DISTRIBUTION)
            if order.get("onBehalfOfNationalId"):
                found.append(SIGNING_ON_BEHALF)
        if rule_ in PAPER_RULES and not form.paper_enabled:
            found.append(f"Form with id='{order['formId']}' is not paper enabled")
    metadata = order.get("metadata")
    if isinstance(metadata, str):
        try:
            json.loads(metadata)
        except ValueError:
            found.append(BAD_METADATA)
    return found


@dataclass
class Placed:
    order: dict[str, Any]
    response: FormOrderResponse
    must_sign: bool
    completed: bool = False

    @property
    def rule(self) -> DistributionRule:
        return DistributionRule.parse(self.order.get("distributionRule", "Basic"))

    @property
    def reached(self) -> bool:
        return self.response.notification_channel is not NotificationChannel.None_


class OutboundOrders(RuleBasedStateMachine):
    """Orders and completions against one shared simulator; each order is checked on its own."""

    made = Bundle("made")

    def __init__(
        self, sim: RunningSimulator, receiver: RecordingReceiver, api: httpx.Client
    ) -> None:
        super().__init__()
        self.sim, self.receiver, self.api = sim, receiver, api
        self.placed: dict[str, Placed] = {}

    @rule(target=made, order=ORDERS)
    def place(self, order: dict[str, Any]) -> Any:
        response = self.api.post("/api/v2/formorder", json=order)
        refusals = documented_refusals(order)
        if refusals:
            assert response.status_code == 400, (
                f"expected 400 with one of {refusals}, got {response.status_code} {response.text}"
            )
            assert any(
                response.text.startswith(r) if r == BAD_METADATA else response.text == r
                for r in refusals
            ), f"400 text {response.text!r} is none of the documented ones that apply: {refusals}"
            return multiple()
        assert response.status_code == 200, (
            f"expected 200, got {response.status_code} {response.text}"
        )
        answer = FormOrderResponse.from_wire(response.json())
        assert answer.form_id == order["formId"]
        assert answer.national_id == order["nationalId"]
        if answer.id == NIL_GUID:
            assert order["nationalId"] not in REGISTERED, "a registered person got no order"
            return multiple()
        assert order["nationalId"] in REGISTERED, (
            "an order was made for a person not in the registry"
        )
        is_code = answer.distribution_rule is DistributionRule.NoDistribution
        assert (answer.single_use_code is not None) is is_code
        form = FORMS[order["formId"]]
        self.placed[answer.id] = Placed(
            order, answer, bool(order.get("mustBeSigned")) or form.must_be_signed
        )
        return answer.id

    @rule(order_id=consumes(made))
    def complete(self, order_id: str) -> None:
        placed = self.placed[order_id]
        if not placed.reached and placed.rule is not DistributionRule.NoDistribution:
            return  # an unreachable patient cannot answer (the order ends in Error)
        self.sim.control.complete(order_id, sign=placed.must_sign)
        placed.completed = True

    def teardown(self) -> None:
        if not self.placed:
            return
        mine = self._settled_deliveries()
        for delivery in mine:
            assert delivery.status == 200, (
                f"the reference receiver refused a callback ({delivery.status} {delivery.answer}): "
                f"{delivery.body.decode()}"
            )
        for order_id, placed in self.placed.items():
            callbacks = [
                parse_form_order_callback(d.data()) for d in mine if _order_id(d.data()) == order_id
            ]
            statuses = [c for c in callbacks if isinstance(c, FormOrderStatusCallback)]
            answers = [c for c in callbacks if isinstance(c, FormAnswerCallback)]
            test_mode = placed.order.get("testMode") is True  # withholds the answer only
            assert len(statuses) == 1, f"order {order_id}: status callbacks {statuses}"
            assert len(answers) == (1 if placed.completed and not test_mode else 0), (
                f"order {order_id}: answer callbacks {answers}"
            )
            if statuses:
                _check_status(placed, statuses[0])
            if answers:
                _check_answer(placed, answers[0])

    def _settled_deliveries(self) -> list[Delivery]:
        """This machine's callbacks once none is pending, or as soon as one was refused."""
        deadline = time.monotonic() + 15
        while True:
            mine = [d for d in self.receiver.snapshot() if _order_id(d.data()) in self.placed]
            if any(d.status != 200 for d in mine):
                return mine
            if not self.sim.control.outbox(state="pending", limit=1):
                return [d for d in self.receiver.snapshot() if _order_id(d.data()) in self.placed]
            if time.monotonic() > deadline:
                raise AssertionError("callbacks still pending after 15 s")
            time.sleep(0.02)


def _order_id(data: Any) -> Any:
    return data.get("formOrderId") if isinstance(data, dict) else None


def _check_status(placed: Placed, status: FormOrderStatusCallback) -> None:
    if placed.rule is DistributionRule.NoDistribution:
        return  # which status a NoDistribution order gets is not documented (contract §9)
    if placed.reached:
        assert status.form_order_status is FormOrderStatus.Ordered
        assert status.notification_channel is placed.response.notification_channel
    else:
        assert status.form_order_status is FormOrderStatus.Error
        assert status.form_order_status_error_code is FormOrderStatusErrorCode.PatientUnreachable
        assert status.notification_channel is NotificationChannel.None_


def _check_answer(placed: Placed, answer: FormAnswerCallback) -> None:
    assert answer.form_order_status is FormOrderStatus.Completed
    data = answer.form_data_object()
    assert data is not None
    assert set(data) <= {f.name for f in FORMS[placed.order["formId"]].fields}
    assert answer.is_signed is placed.must_sign


def _run(
    sim: RunningSimulator, receiver: RecordingReceiver, *, examples: int, shrink: bool
) -> None:
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    with httpx.Client(
        base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"}, timeout=30
    ) as api:
        run_state_machine_as_test(
            lambda: OutboundOrders(sim, receiver, api),
            settings=settings(
                max_examples=examples,
                stateful_step_count=8,
                derandomize=True,
                database=None,
                deadline=None,
                phases=phases,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


def test_outbound_orders_follow_the_contract(
    fuzz_simulator: RunningSimulator, recording_receiver: tuple[RecordingReceiver, str]
) -> None:
    _run(fuzz_simulator, recording_receiver[0], examples=15, shrink=True)
    fuzz_simulator.check_errors()


@pytest.mark.parametrize(
    ("fault", "callback", "message"),
    [
        ("duplicate", "status", "status callbacks"),
        ("drop", "answer", "answer callbacks"),
        ("wrong_channel", "status", "assert <NotificationChannel"),
        ("forge_key", "any", r"refused a callback \(401"),
        ("enum_names", "status", None),
    ],
)
def test_the_machine_catches_a_simulator_that_breaks_the_contract(
    fuzz_simulator: RunningSimulator,
    recording_receiver: tuple[RecordingReceiver, str],
    fault: str,
    callback: str,
    message: str | None,
) -> None:
    """Each fault the simulator can inject that breaks the contract is caught; ``enum_names``
    (enum values as names, which the contract allows) is not a fault and must pass."""
    fuzz_simulator.control.add_fault(fault, callback=callback, times=None)
    try:
        if message is None:
            _run(fuzz_simulator, recording_receiver[0], examples=5, shrink=False)
        else:
            with pytest.raises(AssertionError, match=message):
                _run(fuzz_simulator, recording_receiver[0], examples=10, shrink=False)
    finally:
        fuzz_simulator.control.reset()
