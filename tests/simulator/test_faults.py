"""The fault book on its own: matching, counting, validation (no server)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eprom_verify.contract import (
    CallbackKind,
    FormOrderStatus,
    FormOrderStatusCallback,
    FormOrderStatusErrorCode,
    MessageToCitizenCallback,
    NotificationChannel,
    PersonvernInnstillingCallback,
    SentStatus,
    WireForm,
)
from eprom_verify.simulator.faults import (
    CALLBACK_EFFECTS,
    CALLBACK_FAULTS,
    REQUEST_EFFECTS,
    REQUEST_FAULTS,
    AppliedFaults,
    Fault,
    FaultBook,
    FaultTarget,
    FaultType,
    RequestKind,
)

ORDER = "184738d0-3c39-e611-9c2a-34e6d72e03c7"


def test_a_fault_fires_times_then_is_gone() -> None:
    book = FaultBook([Fault(type=FaultType.DUPLICATE, times=2)])
    assert FaultType.DUPLICATE in book.take_callback(CallbackKind.STATUS, ORDER)
    assert FaultType.DUPLICATE in book.take_callback(CallbackKind.ANSWER, ORDER)
    assert book.take_callback(CallbackKind.STATUS, ORDER).types == frozenset()
    assert book.active() == []


def test_times_null_fires_until_cleared() -> None:
    book = FaultBook([Fault(type="drop", times=None)])
    for _ in range(5):
        assert FaultType.DROP in book.take_callback(CallbackKind.LETTER, "x")
    assert book.active()[0].fired == 5
    book.clear()
    assert book.take_callback(CallbackKind.LETTER, "x").types == frozenset()


def test_callback_kind_and_order_id_narrow_a_fault() -> None:
    book = FaultBook([Fault(type="forge_key", callback="answer", formOrderId=ORDER.upper())])
    assert book.take_callback(CallbackKind.STATUS, ORDER).types == frozenset()
    assert book.take_callback(CallbackKind.ANSWER, "another").types == frozenset()
    assert FaultType.FORGE_KEY in book.take_callback(CallbackKind.ANSWER, ORDER)


def test_one_fault_of_each_type_per_callback_and_delay_seconds() -> None:
    book = FaultBook(
        [
            Fault(type="delay", seconds=2.5),
            Fault(type="delay", seconds=9),
            Fault(type="enum_names"),
        ]
    )
    applied = book.take_callback(CallbackKind.STATUS, ORDER)
    assert applied.types == {FaultType.DELAY, FaultType.ENUM_NAMES}
    assert applied.delay_seconds == 2.5
    assert book.take_callback(CallbackKind.STATUS, ORDER).delay_seconds == 9


def test_wrong_channel_and_enum_names_skip_privacy_callbacks() -> None:
    book = FaultBook([Fault(type="wrong_channel"), Fault(type="enum_names")])
    assert book.take_callback(CallbackKind.PRIVACY, "x").types == frozenset()
    assert book.take_callback(CallbackKind.STATUS, "x").types == {
        FaultType.WRONG_CHANNEL,
        FaultType.ENUM_NAMES,
    }


def test_request_faults_and_their_narrowing() -> None:
    book = FaultBook([Fault(type="helsenorge_502", callback="letter"), Fault(type="pvk_502")])
    assert book.take_request(RequestKind.FORM_ORDER) is None
    assert book.take_request(RequestKind.LETTER) is FaultType.HELSENORGE_502
    assert book.take_request(RequestKind.LETTER) is None
    assert book.take_request(RequestKind.PRIVACY) is FaultType.PVK_502
    assert book.take_callback(CallbackKind.STATUS, "x").types == frozenset()


def test_remove_one_fault() -> None:
    book = FaultBook()
    first = book.add(Fault(type="drop"))
    book.add(Fault(type="duplicate"))
    assert book.remove(first.id)
    assert not book.remove(first.id)
    assert [entry.fault.type for entry in book.active()] == [FaultType.DUPLICATE]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "delay"}, "a delay fault needs seconds"),
        ({"type": "drop", "seconds": 1}, "seconds applies to delay faults only"),
        ({"type": "helsenorge_504", "formOrderId": ORDER}, "formOrderId cannot narrow"),
        ({"type": "wrong_channel", "callback": "privacy"}, "cannot change privacy callbacks"),
        ({"type": "pvk_502", "callback": "status"}, "does not apply to status requests"),
        ({"type": "drop", "times": 0}, "greater than or equal to 1"),
        ({"type": "explode"}, "Input should be"),
    ],
)
def test_invalid_faults_are_refused_with_a_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Fault.model_validate(data)


def test_any_is_not_a_callback_kind_to_take() -> None:
    with pytest.raises(ValueError, match="concrete kind"):
        FaultBook().take_callback(FaultTarget.ANY, "x")  # type: ignore[arg-type]


# --- each callback fault's effect, in one home -----------------------------------------------

STATUS = FormOrderStatusCallback(
    form_order_id=ORDER,
    notification_channel=NotificationChannel.Helsenorge,
    timestamp="2023-03-29T10:20:10.1804332",
    timestamp_utc="2023-03-29T08:20:10.1804332Z",
    form_order_status=FormOrderStatus.Ordered,
    form_order_status_error_code=FormOrderStatusErrorCode.None_,
)
LETTER = MessageToCitizenCallback(
    message_to_citizen_id=ORDER,
    notification_channel=NotificationChannel.DigitalMailbox,
    sent_status=SentStatus.Sent,
)
PRIVACY = PersonvernInnstillingCallback(
    national_id="26670271527", id="b3cda307-154c-4af4-87d3-30567c931924",
    name="Reservasjon", status="RES",
)  # fmt: skip


def _applied(*types: FaultType, delay: float = 0.0) -> AppliedFaults:
    return AppliedFaults(types=frozenset(types), delay_seconds=delay)


def test_every_callback_fault_has_its_effect_and_the_schema_follows_the_table() -> None:
    """A callback fault is its FaultType member and its CALLBACK_EFFECTS entry; the kinds
    it may change (and the control API's schema) are read from that entry."""
    callback_faults = set(FaultType) - set(REQUEST_EFFECTS)
    assert set(CALLBACK_EFFECTS) == callback_faults, "every fault is in one of the two tables"
    assert CALLBACK_FAULTS == {t: e.kinds for t, e in CALLBACK_EFFECTS.items()}
    assert REQUEST_FAULTS == {t: e.requests for t, e in REQUEST_EFFECTS.items()}
    for fault_type, effect in CALLBACK_EFFECTS.items():
        does = (effect.change, effect.enum_form, effect.drop, effect.copies != 1,
                effect.delays, effect.forges_key)  # fmt: skip
        assert any(does), f"{fault_type} has an effect that does nothing"


@pytest.mark.parametrize(
    ("types", "model", "expected"),
    [
        pytest.param((), STATUS, STATUS, id="none"),
        pytest.param(
            (FaultType.WRONG_CHANNEL,), STATUS,
            STATUS.model_copy(update={"notification_channel": NotificationChannel.DigitalMailbox}),
            id="wrong_channel",
        ),
        pytest.param(
            (FaultType.WRONG_CHANNEL, FaultType.SDP_ERROR), STATUS,
            FormOrderStatusCallback(
                form_order_id=ORDER, notification_channel=NotificationChannel.DigitalMailbox,
                form_order_status=FormOrderStatus.Error,
                form_order_status_error_code=FormOrderStatusErrorCode.SikkerDigitalPostError,
            ),
            id="wrong_channel+sdp_error",
        ),
        pytest.param(
            (FaultType.SENT_STATUS_ERROR, FaultType.WRONG_CHANNEL), LETTER,
            LETTER.model_copy(update={"sent_status": SentStatus.Error,
                                      "notification_channel": NotificationChannel.Unsecure}),
            id="sent_status_error+wrong_channel",
        ),
        pytest.param((FaultType.SDP_ERROR,), LETTER, LETTER, id="sdp_error-not-on-a-letter"),
        pytest.param((FaultType.WRONG_CHANNEL,), PRIVACY, PRIVACY, id="privacy-has-no-channel"),
        pytest.param((FaultType.DUPLICATE, FaultType.DROP), STATUS, STATUS, id="entry-only"),
    ],
)  # fmt: skip
def test_the_faults_change_the_built_callback(
    types: tuple[FaultType, ...], model: Any, expected: Any
) -> None:
    changed = _applied(*types).changed(model)
    assert changed == expected, f"expected {expected!r}, received {changed!r}"


def test_the_faults_change_the_outbox_entry_and_the_enum_style() -> None:
    assert (_applied().copies, _applied().dropped, _applied().enum_form) == (1, False, None)
    assert _applied(FaultType.DUPLICATE).copies == 2
    assert _applied(FaultType.DROP).dropped
    assert _applied(FaultType.ENUM_NAMES, FaultType.DUPLICATE).enum_form is WireForm.NAME
    assert _applied(FaultType.ENUM_NAMES, FaultType.DUPLICATE).copies == 2


def test_no_desk_decides_on_a_fault_type() -> None:
    """The desks build the callback as ePROM would send it; only the engine's enqueue
    applies faults (through AppliedFaults), so no desk tests ``FaultType.X in applied``."""
    simulator = Path(__file__).resolve().parents[2] / "eprom_verify" / "simulator"
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(simulator.glob("*.py"))
        if path.name not in ("faults.py", "checks.py", "openapi.py", "engine.py")
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"FaultType\.[A-Z_]+ (not )?in ", line)
    ]
    engine = (simulator / "engine.py").read_text("utf-8")
    found += [f"engine.py: {m}" for m in re.findall(r"FaultType\.[A-Z_]+ (?:not )?in \w+", engine)]
    assert not found, "a fault decided outside faults.py:\n" + "\n".join(found)
