"""The fault book on its own: matching, counting, validation (no server)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from eprom_verify.contract import CallbackKind
from eprom_verify.simulator.faults import Fault, FaultBook, FaultTarget, FaultType, RequestKind

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
