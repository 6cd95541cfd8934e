"""The evidence trail alone: built with a recorder and a placement lookup, no Harness."""

from __future__ import annotations

import threading

from eprom_verify.client import Exchange
from eprom_verify.run.evidence_trail import EvidenceTrail
from eprom_verify.run.ledger import Entry, Ledger

from ._fakes import T0, Recorder, status_callback

ORDER = "6d1c7a43-0b3f-4a8e-9d52-1f0e2b7c9a10"


def _trail() -> tuple[EvidenceTrail, Recorder, Ledger]:
    recorder, ledger = Recorder(), Ledger()
    return EvidenceTrail(recorder=recorder, placements=ledger), recorder, ledger


def test_evidence_is_credited_to_the_case_served_in_this_thread_only():
    trail, recorder, _ = _trail()
    trail.begin_test("suites/t.py::test_a[c1]", ("V1.2",), "c1")
    other_thread_done = threading.Event()

    def elsewhere() -> None:
        trail.evidence("request", title="GET elsewhere")
        other_thread_done.set()

    with trail.serving("c2", ("V1.1", "V1.3")):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        trail.evidence("request", title="POST api/FormOrder")
    assert other_thread_done.is_set()

    by_title = {e["title"]: e for e in recorder.evidence}
    served = by_title["POST api/FormOrder"]
    assert (served["case"], tuple(served["checkpoint_ids"])) == ("c2", ("V1.1", "V1.3")), (
        "expected the case and checkpoints of the serving() block, received "
        f"{served['case']!r} {served['checkpoint_ids']!r}"
    )
    # the other thread was not in the block: the test in progress, not c2
    outside = by_title["GET elsewhere"]
    assert (outside["case"], outside["checkpoint_ids"]) == ("c1", ("V1.2",))
    assert outside["test"] == "suites/t.py::test_a[c1]"


def test_a_callback_before_its_order_is_known_waits_for_the_order():
    trail, recorder, ledger = _trail()
    trail.record_callback(status_callback(ORDER, seq=1))
    assert recorder.evidence == [], "recorded before anyone knows whom it serves"

    entry = ledger.place(
        Entry(ident=ORDER, kind="form_order", sent_at=T0, case="c1", checkpoint_ids=("V1.2",))
    )
    trail.placed(entry)

    [callback] = recorder.evidence
    assert (callback["kind"], callback["case"], callback["checkpoint_ids"]) == (
        "callback",
        "c1",
        ("V1.2",),
    )
    assert recorder.described[ORDER]["case"] == "c1"
    assert [what for ident, what in recorder.timeline if ident == ORDER] == ["status callback #1"]


def test_once_released_an_orphan_callback_is_recorded_at_once():
    trail, recorder, _ = _trail()
    trail.record_callback(status_callback(ORDER, seq=1))
    trail.release()  # the run is judged: nothing is held back any more
    trail.record_callback(status_callback(ORDER, seq=2))

    assert [e["title"].en.split("#")[1] for e in recorder.evidence] == ["1)", "2)"]
    assert all(e["case"] is None for e in recorder.evidence)


def test_an_exchange_links_its_evidence_to_the_test_that_reads_the_order():
    trail, recorder, _ = _trail()
    trail.begin_test("suites/t.py::test_a", ("V1.1",), None)
    trail.record_exchange(
        Exchange(
            method="POST",
            url="http://127.0.0.1:1/api/FormOrder",
            request_headers={},
            request_body={"nationalId": "26670271527"},
            status=200,
            response_body={"id": ORDER},
            elapsed_s=0.1,
            started_at=T0,
        )
    )
    assert trail.evidence_of_current_test() == [], "read by nobody yet"

    trail.touch(ORDER)

    assert trail.evidence_of_current_test() == ["e1", "e2"]
    assert [what for _, what in recorder.timeline] == ["order sent", "order accepted (200)"]
    trail.begin_test("suites/t.py::test_b", ("V1.2",), None)
    assert trail.current.orders == [], "a new test starts with no orders read"
    assert trail.current.facts == {}


def test_without_a_recorder_nothing_is_recorded_and_nothing_fails():
    trail = EvidenceTrail(recorder=None, placements=Ledger())
    assert trail.evidence("request", title="GET x") is None
    trail.record_callback(status_callback(ORDER, seq=1))
    trail.release()
