"""The checklist's answers the harness asks instead of spelling checkpoint ids."""

from __future__ import annotations

from eprom_verify.checklist import (
    CHECKPOINTS,
    Checkpoint,
    delivery_checkpoints,
    placement_checkpoints,
)


def _ids(checkpoints: tuple[Checkpoint, ...]) -> list[str]:
    return [c.id for c in checkpoints]


def test_an_order_serves_the_ordering_area_and_a_refusal_fails_v1_1():
    assert _ids(placement_checkpoints("form_order")) == ["V1.1", "V1.2", "V1.3", "V1.4"]
    assert _ids(placement_checkpoints("letter")) == ["L1", "L2"]


def test_delivery_is_attested_by_receiving_the_answer_then_filling_in():
    ids = _ids(delivery_checkpoints())
    assert ids[0] == "V3.1", "the one asked at the terminal"
    assert ids[1:] == [c.id for c in CHECKPOINTS if c.area == "V2"]
    assert ids[1:] == ["V2.1", "V2.2", "V2.3", "V2.4", "V2.5"]
