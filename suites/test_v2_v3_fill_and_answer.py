"""V2 — filling in the form, V3 — the answer returns to the ordering system.

In the simulator the harness plays the patient: it fills the form with answers made
from the form's fields and reads the citizen's simulated inbox. Elsewhere a person fills
the form on Helsenorge; the harness says what to do, waits for the answer, and records
the person's attestation of what only a person can see.
"""

from __future__ import annotations

import pytest
from _support import as_dict, params_of, require_callback

from eprom_verify import CheckFailure
from eprom_verify.assertions import (
    assert_accepted,
    assert_contract,
    assert_equal,
    assert_exactly_one,
    assert_our_key,
)
from eprom_verify.contract import EventType, FormOrderStatus
from eprom_verify.pytest import not_run
from eprom_verify.simulator.actors import generate_answers

METADATA = {"age": 76, "avdeling": "Ortopedi Ålesund"}


def _filled(eprom, form_case):
    """Order the form, fill it (or have it filled), wait for the answer. Once per case."""
    key = f"fill:{form_case.id}"
    cached = getattr(eprom, "_fills", {}).get(key)
    if cached is not None:
        eprom.touch(cached["placed"].order_id)
        return cached
    placed = eprom.order_once(
        key,
        lambda: eprom.order_request(
            form_case.patient,
            form_case.form,
            metadata=METADATA,
            dont_store_completed_form_in_pha=form_case.dont_store,
        ),
        checkpoint_ids=("V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "V3.1", "V3.2"),
    )
    result = {"placed": placed, "submitted": None, "answers": [], "waited": 0.0, "inbox": None}
    if placed.made and placed.error is None:
        if eprom.simulator is not None:
            control = eprom.simulator.control
            result["inbox_before"] = as_dict(control.inbox(form_case.patient.national_id))
            result["submitted"] = generate_answers(form_case.form, seed=placed.order_id)
            control.complete(placed.order_id, answers=result["submitted"])
            eprom.delivered(placed, because="the simulated patient delivered it")
            timeout = eprom.settings.callback_timeout_s
        else:
            timeout = eprom.instruct_fill(form_case, placed)
        if timeout:
            result["answers"], result["waited"] = eprom.wait(
                "answer",
                placed.order_id,
                timeout_s=timeout,
                what=f"the answer to order {placed.order_id}",
            )
        if eprom.simulator is not None:
            result["inbox"] = as_dict(eprom.simulator.control.inbox(form_case.patient.national_id))
    eprom.__dict__.setdefault("_fills", {})[key] = result
    return result


@pytest.fixture(scope="module", autouse=True)
def _fill_every_form_at_once(eprom, request):
    """In the simulator, every selected form is ordered and filled concurrently."""
    if eprom.simulator is None:
        return
    from concurrent.futures import ThreadPoolExecutor

    cases = params_of(request, "form_case")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda case: _filled(eprom, case), cases))
    eprom.current_orders = []  # each test links the evidence of its own order


def _task(inbox, order_id):
    for task in (inbox or {}).get("tasks", []):
        if task.get("formOrderId") == order_id:
            return task
    raise CheckFailure(
        f"the citizen's inbox has no task for order {order_id}",
        expected=f"a task with formOrderId {order_id}",
        received=[t.get("formOrderId") for t in (inbox or {}).get("tasks", [])],
        order_id=order_id,
    )


def _manual(eprom, checkpoint_id, question, result):
    """Outside the simulator, a person attests what only a person can see."""
    if not result["answers"]:
        not_run(f"nobody filled in order {result['placed'].order_id} in time")
    eprom.require_attestation(checkpoint_id, question)


def _require_filled(result):
    placed = result["placed"]
    assert_accepted(placed, "the order")
    if not placed.made:
        not_run("no order was made")
    return placed


def _simulated_task(eprom, form_case, checkpoint_id, question):
    """The order and its inbox task in the simulator; elsewhere a person attests (None)."""
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    if eprom.simulator is None:
        _manual(eprom, checkpoint_id, question, result)
        return None
    return placed, _task(result["inbox_before"], placed.order_id)


@pytest.mark.checkpoint("V2.1")
def test_form_shows_and_behaves(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    if eprom.simulator is None:
        _manual(eprom, "V2.1", f"Did '{form_case.form.name}' show and behave as expected?", result)
        return
    task = _task(result["inbox_before"], placed.order_id)
    assert_equal(
        "the form in the task", form_case.form.id, task.get("formId"), order_id=placed.order_id
    )
    answer = require_callback(result["answers"], "answer callback")
    if answer.model is None:
        not_run("the answer does not parse; see V3.2")
    assert_equal(
        "the answers returned",
        result["submitted"],
        answer.model.form_data_object(),
        order_id=placed.order_id,
    )


@pytest.mark.checkpoint("V2.2")
def test_cover_letter(eprom, form_case):
    found = _simulated_task(eprom, form_case, "V2.2", "Did the cover letter show as expected?")
    if found is not None:
        placed, task = found
        assert_equal(
            "the cover letter",
            form_case.form.cover_letter,
            task.get("coverLetter"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V2.3")
def test_metadata(eprom, form_case):
    question = f"Did the metadata {METADATA} show/work as intended?"
    found = _simulated_task(eprom, form_case, "V2.3", question)
    if found is not None:
        placed, task = found
        assert_equal(
            "the metadata the form sees", METADATA, task.get("metadata"), order_id=placed.order_id
        )


@pytest.mark.checkpoint("V2.4")
def test_form_task(eprom, form_case):
    question = "Did the form task show as expected in the inbox?"
    found = _simulated_task(eprom, form_case, "V2.4", question)
    if found is not None:
        placed, task = found
        assert_equal(
            "the task title", form_case.form.task_title, task.get("title"), order_id=placed.order_id
        )


@pytest.mark.checkpoint("V2.5")
def test_copy_stored_as_ordered(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    rule = "not stored" if form_case.dont_store else "stored"
    if eprom.simulator is None:
        _manual(
            eprom,
            "V2.5",
            f"After delivery, was a copy of the form {rule} (dontStoreCompletedFormInPha={form_case.dont_store})?",
            result,
        )
        return
    require_callback(result["answers"], "answer callback")
    copies = [c.get("formOrderId") for c in (result["inbox"] or {}).get("storedCopies", [])]
    stored = placed.order_id in copies
    if stored == form_case.dont_store:
        raise CheckFailure(
            f"a copy of order {placed.order_id} was {'stored' if stored else 'not stored'}, "
            f"but dontStoreCompletedFormInPha={form_case.dont_store}",
            expected=f"copy {rule}",
            received=f"copy {'stored' if stored else 'not stored'}",
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V3.1")
def test_answer_received(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    eprom.fact(order_id=placed.order_id, callbacks=len(result["answers"]),
               waited_s=round(result["waited"], 3))  # fmt: skip
    if not result["answers"]:
        if eprom.simulator is None:
            eprom.missing_answer(
                placed,
                waited_s=result["waited"],
                expected="a PUT to <ApiBaseUrl>/api/PromsFormOrder with formData",
            )
        raise CheckFailure(
            f"no answer callback for order {placed.order_id} within {result['waited']:.1f} s "
            "after the patient delivered",
            expected="a PUT to <ApiBaseUrl>/api/PromsFormOrder with formData",
            received="nothing",
            order_id=placed.order_id,
        )
    answer = result["answers"][0]
    if answer.model is not None:
        assert_equal(
            "formOrderStatus",
            FormOrderStatus.Completed.name,
            answer.model.form_order_status.name,
            order_id=placed.order_id,
        )
        try:
            answer.model.form_data_object()
        except ValueError as exc:
            raise CheckFailure(
                f"formData of order {placed.order_id}: {exc}", order_id=placed.order_id
            ) from None


@pytest.mark.checkpoint("V3.2")
def test_answer_no_errors_no_duplicates(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    eprom.fact(order_id=placed.order_id, callbacks=len(result["answers"]),
               duplicates=max(0, len(result["answers"]) - 1))  # fmt: skip
    require_callback(result["answers"], "answer callback")
    ident = f"order {placed.order_id}"
    one = assert_exactly_one(
        result["answers"], what="answer callback", ident=ident, waited_s=result["waited"]
    )
    assert_contract(one, what="answer callback", ident=ident)
    assert_our_key(one, what="answer callback", ident=ident, key=eprom.api_key)
    events = [e.event_type for e in (one.model.form_order_event_log or [])]
    if eprom.simulator is not None and EventType.FormDelivered not in events:
        raise CheckFailure(
            f"the event log of {ident} has no FormDelivered",
            expected="FormDelivered in formOrderEventLog",
            received=[e.name for e in events],
            order_id=placed.order_id,
        )
