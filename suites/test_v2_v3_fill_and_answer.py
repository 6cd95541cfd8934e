"""V2 — filling in the form, V3 — the answer returns to the ordering system.

In the simulator the harness plays the patient: it fills the form with answers made
from the form's fields and reads the citizen's simulated inbox. Elsewhere a person fills
the form on Helsenorge; the harness says what to do, waits for the answer, and records
the person's attestation of what only a person can see.
"""

from __future__ import annotations

import pytest
from _support import as_dict, params_of, require_callback

from eprom_verify import (
    CheckFailure,
    Text,
    assert_accepted,
    assert_contract,
    assert_equal,
    assert_exactly_one,
    assert_our_key,
    order_label,
)
from eprom_verify.contract import CallbackKind, EventType, FormOrderStatus
from eprom_verify.pytest import not_run
from eprom_verify.simulator import generate_answers, picture_of_portal

METADATA = {"age": 76, "avdeling": "Ortopedi Ålesund"}
#: what V3.1 waits for
ANSWER_PUT = Text(
    en="a PUT to <ApiBaseUrl>/api/PromsFormOrder with formData",
    nb="en PUT til <ApiBaseUrl>/api/PromsFormOrder med formData",
)


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
            _pictures_before(eprom, form_case, placed.order_id)
            result["submitted"] = generate_answers(form_case.form, seed=placed.order_id)
            control.complete(placed.order_id, answers=result["submitted"])
            eprom.delivered(
                placed,
                because=Text(
                    en="the simulated patient delivered it",
                    nb="den simulerte pasienten sendte den inn",
                ),
            )
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
            flag = f"dontStoreCompletedFormInPha={form_case.dont_store}"
            picture_of_portal(
                eprom,
                f"persons/{form_case.patient.key}/archive",
                checkpoint_ids=("V2.5",),
                caption=Text(
                    en=f"The health archive after delivery ({flag})",
                    nb=f"Helsearkivet etter innsending ({flag})",
                ),
                order_id=placed.order_id,
                height=800,
            )
    eprom.__dict__.setdefault("_fills", {})[key] = result
    return result


def _pictures_before(eprom, form_case, order_id):
    """The portal pages a person attests, as the simulated patient sees them (once a run)."""
    picture_of_portal(
        eprom,
        f"tasks/{order_id}",
        checkpoint_ids=("V2.1", "V2.2", "V2.3"),
        caption=Text(
            en=f"The form, its cover letter and the order's metadata {METADATA}",
            nb=f"Skjemaet, følgebrevet og bestillingens metadata {METADATA}",
        ),
        order_id=order_id,
    )
    picture_of_portal(
        eprom,
        f"persons/{form_case.patient.key}",
        checkpoint_ids=("V2.4",),
        caption=Text(en="The form task in the inbox", nb="Skjemaoppgaven i innboksen"),
        order_id=order_id,
        height=900,
    )


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
    label = order_label(order_id)
    raise CheckFailure(
        Text(
            en=f"the citizen's inbox has no task for {label.en}",
            nb=f"innbyggerens innboks har ingen oppgave for {label.nb}",
        ),
        expected=Text(
            en=f"a task with formOrderId {order_id}", nb=f"en oppgave med formOrderId {order_id}"
        ),
        received=[t.get("formOrderId") for t in (inbox or {}).get("tasks", [])],
        order_id=order_id,
    )


def _manual(eprom, checkpoint_id, question, result):
    """Outside the simulator, a person attests what only a person can see."""
    if not result["answers"]:
        label = order_label(result["placed"].order_id)
        not_run(
            Text(
                en=f"nobody filled in {label.en} in time",
                nb=f"ingen fylte ut {label.nb} i tide",
            )
        )
    eprom.require_attestation(checkpoint_id, question)


def _require_filled(result):
    placed = result["placed"]
    assert_accepted(placed, Text(en="the order", nb="bestillingen"))
    if not placed.made:
        not_run(Text(en="no order was made", nb="ingen bestilling ble laget"))
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
        name = form_case.form.name
        question = Text(
            en=f"Did '{name}' show and behave as expected?",
            nb=f"Ble «{name}» vist og oppførte det seg som forventet?",
        )
        _manual(eprom, "V2.1", question, result)
        return
    task = _task(result["inbox_before"], placed.order_id)
    assert_equal(
        Text(en="the form in the task", nb="skjemaet i oppgaven"),
        form_case.form.id,
        task.get("formId"),
        order_id=placed.order_id,
    )
    answer = require_callback(result["answers"], CallbackKind.ANSWER)
    if answer.model is None:
        not_run(Text(en="the answer does not parse; see V3.2", nb="svaret kan ikke leses; se V3.2"))
    assert_equal(
        Text(en="the answers returned", nb="svarene som kom tilbake"),
        result["submitted"],
        answer.model.form_data_object(),
        order_id=placed.order_id,
    )


@pytest.mark.checkpoint("V2.2")
def test_cover_letter(eprom, form_case):
    question = Text(
        en="Did the cover letter show as expected?",
        nb="Ble følgebrevet vist som forventet?",
    )
    found = _simulated_task(eprom, form_case, "V2.2", question)
    if found is not None:
        placed, task = found
        assert_equal(
            Text(en="the cover letter", nb="følgebrevet"),
            form_case.form.cover_letter,
            task.get("coverLetter"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V2.3")
def test_metadata(eprom, form_case):
    question = Text(
        en=f"Did the metadata {METADATA} show/work as intended?",
        nb=f"Ble metadataene {METADATA} vist / virket de som tenkt?",
    )
    found = _simulated_task(eprom, form_case, "V2.3", question)
    if found is not None:
        placed, task = found
        assert_equal(
            Text(en="the metadata the form sees", nb="metadataene skjemaet ser"),
            METADATA,
            task.get("metadata"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V2.4")
def test_form_task(eprom, form_case):
    question = Text(
        en="Did the form task show as expected in the inbox?",
        nb="Ble skjemaoppgaven vist som forventet i innboksen?",
    )
    found = _simulated_task(eprom, form_case, "V2.4", question)
    if found is not None:
        placed, task = found
        assert_equal(
            Text(en="the task title", nb="tittelen på oppgaven"),
            form_case.form.task_title,
            task.get("title"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V2.5")
def test_copy_stored_as_ordered(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    flag = f"dontStoreCompletedFormInPha={form_case.dont_store}"
    if eprom.simulator is None:
        rule = _STORED[not form_case.dont_store]
        question = Text(
            en=f"After delivery, was a copy of the form {rule.en} ({flag})?",
            nb=f"Ble en kopi av skjemaet {rule.nb} etter innsending ({flag})?",
        )
        _manual(eprom, "V2.5", question, result)
        return
    require_callback(result["answers"], CallbackKind.ANSWER)
    copies = [c.get("formOrderId") for c in (result["inbox"] or {}).get("storedCopies", [])]
    stored = placed.order_id in copies
    if stored == form_case.dont_store:
        label, was = order_label(placed.order_id), _STORED[stored]
        raise CheckFailure(
            Text(
                en=f"a copy of {label.en} was {was.en}, but {flag}",
                nb=f"en kopi av {label.nb} ble {was.nb}, men {flag}",
            ),
            expected=_COPY[not form_case.dont_store],
            received=_COPY[stored],
            order_id=placed.order_id,
        )


#: stored or not, as V2.5 says it
_STORED = {
    True: Text(en="stored", nb="lagret"),
    False: Text(en="not stored", nb="ikke lagret"),
}
_COPY = {
    True: Text(en="copy stored", nb="kopi lagret"),
    False: Text(en="copy not stored", nb="kopi ikke lagret"),
}


@pytest.mark.checkpoint("V3.1")
def test_answer_received(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    eprom.fact(order_id=placed.order_id, callbacks=len(result["answers"]),
               waited_s=round(result["waited"], 3))  # fmt: skip
    if not result["answers"]:
        if eprom.simulator is None:
            eprom.missing_answer(placed, waited_s=result["waited"], expected=ANSWER_PUT)
        label, waited = order_label(placed.order_id), result["waited"]
        raise CheckFailure(
            Text(
                en=f"no answer callback for {label.en} within {waited:.1f} s "
                "after the patient delivered",
                nb=f"ingen svarmelding for {label.nb} innen {waited:.1f} s "
                "etter at pasienten sendte inn",
            ),
            expected=ANSWER_PUT,
            received=Text(en="nothing", nb="ingenting"),
            order_id=placed.order_id,
        )
    answer = result["answers"][0]
    if answer.model is not None:
        assert_equal(
            Text(en="formOrderStatus", nb="verdiene av formOrderStatus"),
            FormOrderStatus.Completed.name,
            answer.model.form_order_status.name,
            order_id=placed.order_id,
        )
        try:
            answer.model.form_data_object()
        except ValueError as exc:
            label = order_label(placed.order_id)
            raise CheckFailure(
                Text(en=f"formData of {label.en}: {exc}", nb=f"formData for {label.nb}: {exc}"),
                order_id=placed.order_id,
            ) from None


@pytest.mark.checkpoint("V3.2")
def test_answer_no_errors_no_duplicates(eprom, form_case):
    result = _filled(eprom, form_case)
    placed = _require_filled(result)
    eprom.fact(order_id=placed.order_id, callbacks=len(result["answers"]),
               duplicates=max(0, len(result["answers"]) - 1))  # fmt: skip
    require_callback(result["answers"], CallbackKind.ANSWER)
    kind, ident = CallbackKind.ANSWER, order_label(placed.order_id)
    one = assert_exactly_one(result["answers"], kind=kind, ident=ident, waited_s=result["waited"])
    assert_contract(one, kind=kind, ident=ident)
    assert_our_key(one, kind=kind, ident=ident, key=eprom.api_key)
    events = [e.event_type for e in (one.model.form_order_event_log or [])]
    if eprom.simulator is not None and EventType.FormDelivered not in events:
        raise CheckFailure(
            Text(
                en=f"the event log of {ident.en} has no FormDelivered",
                nb=f"hendelsesloggen for {ident.nb} har ingen FormDelivered",
            ),
            expected=Text(
                en="FormDelivered in formOrderEventLog", nb="FormDelivered i formOrderEventLog"
            ),
            received=[e.name for e in events],
            order_id=placed.order_id,
        )
