"""Every checkpoint the harness proves, with its wording: the one place ids are defined.

Hemit's mandatory points (V1.1 … S2, contract §7) keep Hemit's ids; the areas we add
have ids of our own (P1 patient-initiated, L letters, U SMS/e-mail, PV privacy settings,
R receiver conformance). The wording is ours, in bokmål and English, mapped to Hemit's
points by id. Each checkpoint says where it can be proven: automatically, by a person
(manual, with attestation), or not at all. What a person must see on Helsenorge (V2.x, S1)
is manual in the simulator too: the simulator shows what it stored, a person attests.

A :class:`Checkpoint` carries every fact other modules decide on: whether the run-wide
ledger judges it (and which of its counts), which areas' selected tests keep that
whole-run row under ``-k``, which callbacks' errors belong to it, the report section it is
shown in, whether the simulator itself proves it, and what observe judges it by. Other
modules ask the queries at the bottom of this module; none keeps a table of ids
(``tests/structure/test_checkpoint_ids.py``). Adding a checkpoint: docs/architecture.md.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from .wording import Text

__all__ = [
    "AREAS",
    "CHECKPOINTS",
    "Area",
    "Checkpoint",
    "How",
    "ReportSection",
    "attested_in_observe",
    "checkpoint",
    "checkpoint_ids",
    "judged_in_observe",
    "judged_over_run",
    "kept_under_selection",
    "owner_of_callback",
    "owner_of_missing_status",
    "served_by_step",
    "delivery_checkpoints",
    "placement_checkpoints",
]


class How(enum.StrEnum):
    """How a checkpoint is proven in an environment."""

    AUTO = "auto"
    MANUAL = "manual"
    NONE = "none"


class ReportSection(enum.StrEnum):
    """Which table the report shows under a checkpoint (``report/views.py`` renders each)."""

    #: person × rule → expected and received channel
    CHANNELS = "channels"
    #: one row per order: status, callbacks, waiting time, duplicates
    ORDERS = "orders"
    #: the orders table, summarised as letters
    LETTERS = "letters"
    #: the signed document as downloaded
    SIGNED = "signed"
    #: the letter's priority list and the channel (falls back to the letters table)
    PRIORITY = "priority"
    #: receiver checks with their examples, the failing payload and latency
    RECEIVER = "receiver"
    #: what each check recorded (the generic table)
    FACTS = "facts"


#: report kinds (``report.model.ReportKind`` values) that run against the simulator
_SIMULATOR_KINDS = frozenset({"self_check", "pre_check"})


@dataclass(frozen=True)
class Area:
    id: str
    title: Text
    hemit: bool  # part of Hemit's mandatory list


@dataclass(frozen=True)
class Checkpoint:
    id: str
    area: str
    title: Text
    contract: str  # section of eprom-contract.md
    simulator: How
    remote: How  # test and QA
    severity: str = "critical"
    hemit: bool = True
    #: the ledger's count that judges it over the whole run (``ledger._judged``); None: not
    whole_run: str | None = None
    #: areas whose selected tests keep this whole-run row when ``-k`` deselected it
    whole_run_areas: frozenset[str] = frozenset()
    #: placement kind (``ledger.EntryKind``) whose missing or late status callback fails it
    awaits: str | None = None
    #: callback kinds (``CallbackKind`` values; ``answer:patient_initiated``, ``unreadable``)
    #: whose contract, key, duplicate and orphan failures belong to it
    callbacks: tuple[str, ...] = ()
    #: the report section it is shown in
    section: ReportSection = ReportSection.FACTS
    #: the simulator shows what it stored, a person attests (a note in the report)
    simulator_proves: bool = False
    #: what a person checks on Helsenorge; observe leaves it "needs attestation"
    attest: Text | None = None
    #: the observe scenario steps that list it: a step kind (``form_order``), a kind with a
    #: trait (``form_order:answered``); a leading ``-`` excludes steps with that trait
    observe: tuple[str, ...] = ()
    #: observe's judgements whose findings name it: ``kind/judgement``; a trailing ``?``
    #: only when the step lists the checkpoint. The first in checklist order is the step
    #: kind's primary checkpoint.
    observe_judges: tuple[str, ...] = field(default=())

    def how(self, env: str) -> How:
        return self.simulator if env == "simulator" else self.remote

    def how_for(self, report_kind: str) -> How:
        """Automatic or attested in a kind of report (``ReportKind`` value)."""
        return self.simulator if report_kind in _SIMULATOR_KINDS else self.remote


AREAS: tuple[Area, ...] = (
    Area("V1", Text(en="Ordering a form", nb="Bestilling av skjema"), hemit=True),
    Area("V2", Text(en="Filling in the form", nb="Utfylling av skjema"), hemit=True),
    Area("V3", Text(en="Returning the answer", nb="Retur av svar"), hemit=True),
    Area("S", Text(en="Special cases", nb="Spesialtilfeller"), hemit=True),
    Area("P", Text(en="Patient-initiated orders", nb="Pasientinitiert bestilling"), hemit=False),
    Area("L", Text(en="Letters to citizens", nb="Brev til innbygger"), hemit=False),
    Area("U", Text(en="SMS and e-mail", nb="SMS og e-post"), hemit=False),
    Area("PV", Text(en="Privacy settings", nb="Personverninnstillinger"), hemit=False),
    Area("R", Text(en="Callback receiver conformance", nb="Mottakstjenesten (callback)"),
         hemit=False),
    Area("LC", Text(en="Order of events", nb="Meldingenes rekkefølge"), hemit=False),
)  # fmt: skip

_A, _M, _N = How.AUTO, How.MANUAL, How.NONE
_ORDERS, _RECEIVER = ReportSection.ORDERS, ReportSection.RECEIVER
_VS1 = frozenset({"V1", "S"})
_V23S = frozenset({"V2", "V3", "S"})
_V123S = frozenset({"V1", "V2", "V3", "S"})
_L = frozenset({"L"})
_FORM = ("form_order",)

CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint("V1.1", "V1", Text(en="The form order reaches ePROM without an error",
               nb="Bestillingen når ePROM uten feilmelding"), "§3.1", _A, _A,
               whole_run="placements", whole_run_areas=_VS1, section=_ORDERS,
               observe=_FORM, observe_judges=("form_order/request",)),
    Checkpoint("V1.2", "V1", Text(en="The order status callback arrives",
               nb="Statusmeldingen for bestillingen kommer fram"), "§4.1", _A, _A,
               whole_run="status_due", whole_run_areas=_V123S, awaits="form_order", section=_ORDERS,
               observe=_FORM),
    Checkpoint("V1.3", "V1", Text(en="The form is ordered to the expected notification channel",
               nb="Skjemaet går til forventet varslingskanal"), "§6", _A, _A,
               whole_run="orders_with_channel", whole_run_areas=frozenset({"V1"}), section=ReportSection.CHANNELS,
               observe=(*_FORM, "-form_order:signing")),
    Checkpoint("V1.4", "V1", Text(en="No errors and no duplicate messages when ordering",
               nb="Ingen feil og ingen doble meldinger ved bestilling"), "§4.1", _A, _A,
               whole_run="status_callbacks", whole_run_areas=_V123S, callbacks=("status", "unreadable"),
               section=_ORDERS, observe=_FORM, observe_judges=("form_order/no-duplicate",)),
    Checkpoint("V2.1", "V2", Text(en="The form shows and behaves as expected for the test person",
               nb="Skjemaet vises og oppfører seg som forventet for testpersonen"), "§7", _M, _M,
               simulator_proves=True, attest=Text(
        en="log in as the test person on Helsenorge and check that the form shows and works",
        nb="logg inn som testpersonen på Helsenorge og kontroller at skjemaet vises og virker")),
    Checkpoint("V2.2", "V2", Text(en="The cover letter shows as expected",
               nb="Følgebrevet vises som forventet"), "§7", _M, _M,
               simulator_proves=True, attest=Text(
        en="check the cover letter on Helsenorge", nb="kontroller følgebrevet på Helsenorge")),
    Checkpoint("V2.3", "V2", Text(en="Metadata works as intended",
               nb="Metadata virker etter hensikten"), "§3.1", _M, _M,
               simulator_proves=True, attest=Text(
        en="check that the metadata the system sent is used as intended",
        nb="kontroller at metadataene bestillersystemet sendte, blir brukt som tiltenkt")),
    Checkpoint("V2.4", "V2", Text(en="The form task shows as expected",
               nb="Skjemaoppgaven vises som forventet"), "§7", _M, _M,
               simulator_proves=True, attest=Text(
        en="check the form task on Helsenorge", nb="kontroller skjemaoppgaven på Helsenorge")),
    Checkpoint("V2.5", "V2", Text(en="A copy of the answered form is / is not stored as ordered",
               nb="Kopi av utfylt skjema lagres / lagres ikke som bestilt"), "§3.1", _M, _M,
               simulator_proves=True, attest=Text(
        en="check that a copy is (not) stored as dontStoreCompletedFormInPha says",
        nb="kontroller at en kopi (ikke) blir lagret slik dontStoreCompletedFormInPha sier")),
    Checkpoint("V3.1", "V3", Text(en="The ordering system receives the answer",
               nb="Bestillersystemet mottar svaret"), "§4.2", _A, _A,
               whole_run="answers_due", whole_run_areas=_V23S, section=_ORDERS,
               observe=("form_order:answered",)),
    Checkpoint("V3.2", "V3", Text(en="No errors and no duplicate messages on return",
               nb="Ingen feil og ingen doble meldinger ved retur"), "§4.2", _A, _A,
               whole_run="answer_callbacks", whole_run_areas=_V23S, callbacks=("answer",),
               section=_ORDERS, observe=("form_order:answered", "-form_order:on_behalf_of")),
    Checkpoint("S1", "S", Text(en="On behalf of: shown in task and form, the filler gets no copy",
               nb="På vegne av: vises i oppgave og skjema, utfyller får ingen kopi"), "§3.1", _M, _M,
               simulator_proves=True, attest=Text(
        en="check that the task and form show who the form is about, and the filler gets no copy",
        nb="kontroller at oppgaven og skjemaet viser hvem skjemaet gjelder, og at den som fyller "
        "det ut, ikke får en kopi"),
               observe=("form_order:on_behalf_of",), observe_judges=("form_order/request?",)),
    Checkpoint("S2", "S", Text(en="Signing: ordered with signing, must be signed, the signed document downloads",
               nb="Signering: bestilles med signering, må signeres, signert dokument kan lastes ned"),
               "§3.5", _A, _M,
               section=ReportSection.SIGNED, observe=("form_order:signing",),
               observe_judges=("form_order/request?",)),
    Checkpoint("P1", "P", Text(en="A patient-initiated answer arrives once with the right values",
               nb="Pasientinitiert svar kommer fram én gang med riktige verdier"), "§4.2", _A, _M,
               hemit=False,
               whole_run="patient_initiated_answers", whole_run_areas=frozenset({"P"}),
               callbacks=("answer:patient_initiated",), section=_ORDERS,
               observe=("patient_initiated",), observe_judges=("patient_initiated/request",)),
    Checkpoint("L1", "L", Text(en="A letter is sent and its status callback arrives once",
               nb="Brev sendes og statusmelding kommer fram én gang"), "§3.2 §4.3", _A, _A,
               hemit=False,
               whole_run="letters", whole_run_areas=_L, awaits="letter", callbacks=("letter",),
               section=ReportSection.LETTERS, observe=("letter",),
               observe_judges=("letter/request", "letter/no-duplicate")),
    Checkpoint("L2", "L", Text(en="The channel priority list is followed",
               nb="Prioritetslisten for kanaler følges"), "§6", _A, _A, hemit=False,
               whole_run="letters_with_channel", whole_run_areas=_L, section=ReportSection.PRIORITY,
               observe=("letter",)),
    Checkpoint("L3", "L", Text(en="A letter without a main document or over 30 MB is refused",
               nb="Brev uten hoveddokument eller over 30 MB avvises"), "§3.2", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("U1", "U", Text(en="An SMS is sent, and a missing recipient is refused",
               nb="SMS sendes, og manglende mottaker avvises"), "§3.3", _A, _A,
               severity="normal", hemit=False,
               observe=("sms",), observe_judges=("sms/request", "sms/no-duplicate")),
    Checkpoint("U2", "U", Text(en="An e-mail is sent, and a missing recipient is refused",
               nb="E-post sendes, og manglende mottaker avvises"), "§3.4", _A, _A,
               severity="normal", hemit=False,
               observe=("email",), observe_judges=("email/request", "email/no-duplicate")),
    Checkpoint("PV1", "PV", Text(en="A privacy setting can be read and set",
               nb="Personverninnstilling kan leses og settes"), "§3.6", _A, _A, severity="normal",
               hemit=False,
               observe=("privacy_get", "privacy_set"),
               observe_judges=("privacy_get/request", "privacy_set/request", "privacy_set/no-duplicate")),
    Checkpoint("PV2", "PV", Text(en="The list of residents is paged through to the end",
               nb="Listen over innbyggere hentes side for side til slutt"), "§3.6", _A, _A,
               severity="normal", hemit=False),
    Checkpoint("PV3", "PV", Text(en="A privacy-setting change is reported to the ordering system",
               nb="Endring av personverninnstilling meldes til bestillersystemet"), "§4.4", _A, _M,
               severity="normal", hemit=False,
               whole_run="privacy_changes", whole_run_areas=frozenset({"PV"}), awaits="privacy",
               callbacks=("privacy",)),
    Checkpoint("LC1", "LC", Text(en="Callbacks follow the documented order: order → status → answer",
               nb="Meldingene kommer i dokumentert rekkefølge: bestilling → status → svar"), "§4", _A, _A,
               hemit=False,
               whole_run="order_lifecycles", whole_run_areas=_V123S),
    Checkpoint("R1", "R", Text(en="The receiver accepts every valid callback",
               nb="Mottakstjenesten godtar alle gyldige meldinger"), "§4", _A, _A, hemit=False,
               section=_RECEIVER),
    Checkpoint("R2", "R", Text(en="The receiver refuses a wrong or missing API key",
               nb="Mottakstjenesten avviser feil eller manglende API-nøkkel"), "§2", _A, _A, hemit=False,
               section=_RECEIVER),
    Checkpoint("R3", "R", Text(en="The receiver survives redelivery of the same callback",
               nb="Mottakstjenesten tåler at samme melding kommer to ganger"), "§4", _A, _A,
               hemit=False,
               section=_RECEIVER),
    Checkpoint("R4", "R", Text(en="The receiver never answers 5xx, not even to malformed data",
               nb="Mottakstjenesten svarer aldri 5xx, heller ikke på ugyldige data"), "§4", _A, _A,
               hemit=False,
               section=_RECEIVER),
    Checkpoint("R5", "R", Text(en="The receiver answers within the time limit",
               nb="Mottakstjenesten svarer innen tidsgrensen"), "§4", _A, _A, severity="normal",
               hemit=False,
               section=_RECEIVER),
)  # fmt: skip

_BY_ID = {c.id: c for c in CHECKPOINTS}


def checkpoint(checkpoint_id: str) -> Checkpoint:
    """The checkpoint with this id; a KeyError lists the known ids."""
    try:
        return _BY_ID[checkpoint_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise KeyError(f"unknown checkpoint {checkpoint_id!r}; known: {known}") from None


def checkpoint_ids() -> tuple[str, ...]:
    return tuple(_BY_ID)


# -- the queries other modules decide by ------------------------------------------------


def judged_over_run() -> tuple[Checkpoint, ...]:
    """The checkpoints the run-wide ledger judges, in checklist order."""
    return tuple(c for c in CHECKPOINTS if c.whole_run is not None)


def kept_under_selection(checkpoint_ids: Collection[str]) -> set[str]:
    """Whole-run checkpoints a selection of tests (marked with these ids) needs judged."""
    areas = {checkpoint(cid).area for cid in checkpoint_ids}
    return set(checkpoint_ids) | {c.id for c in judged_over_run() if c.whole_run_areas & areas}


def owner_of_callback(kind: str | None, *, patient_initiated: bool = False) -> str:
    """The checkpoint a callback's contract, key, duplicate and orphan failures belong to."""
    keys = [f"{kind}:patient_initiated"] if kind is not None and patient_initiated else []
    keys += [kind, "unreadable"] if kind is not None else ["unreadable"]
    for key in keys:
        for c in CHECKPOINTS:
            if key in c.callbacks:
                return c.id
    raise LookupError(f"no checkpoint owns {keys[0]!r} callbacks")


def owner_of_missing_status(placement: str) -> str:
    """The checkpoint a placement kind's missing or late status callback fails."""
    for c in CHECKPOINTS:
        if c.awaits == placement:
            return c.id
    raise LookupError(f"no checkpoint awaits the status callback of {placement!r}")


def served_by_step(kind: str, traits: Collection[str] = ()) -> list[str]:
    """The checkpoints an observe scenario step of this kind (and traits) lists."""
    tags = {kind, *(f"{kind}:{t}" for t in traits)}
    return [
        c.id
        for c in CHECKPOINTS
        if any(s in tags for s in c.observe)
        and not any(s.startswith("-") and s[1:] in tags for s in c.observe)
    ]


def judged_in_observe(kind: str, judgement: str, listed: Collection[str] = ()) -> list[str]:
    """The checkpoints observe's ``judgement`` of a step names, in checklist order.

    ``listed``: the checkpoints the step lists (for judgements marked ``?``).
    """
    always, if_listed = f"{kind}/{judgement}", f"{kind}/{judgement}?"
    return [
        c.id
        for c in CHECKPOINTS
        if always in c.observe_judges or (if_listed in c.observe_judges and c.id in listed)
    ]


def attested_in_observe() -> dict[str, Text]:
    """What observe cannot see through the API, per checkpoint: a person attests it."""
    return {c.id: c.attest for c in CHECKPOINTS if c.attest is not None}


#: what one placement serves: the checkpoints its exchanges and callbacks are credited to,
#: the first of them the one a refusal fails (the run-wide ledger's V1.1 / L1 rule)
_SERVED_BY_PLACEMENT: dict[str, tuple[str, ...]] = {
    "form_order": tuple(c.id for c in CHECKPOINTS if c.area == "V1"),
    "letter": ("L1", "L2"),
}


def placement_checkpoints(kind: Literal["form_order", "letter"]) -> tuple[Checkpoint, ...]:
    """The checkpoints one form order or letter serves; the first fails when it is refused.

    A batch of orders is credited to the ordering area (V1.1–V1.4), a batch of letters to
    L1–L2 (L3 places letters of its own, to be refused).
    """
    return tuple(_BY_ID[i] for i in _SERVED_BY_PLACEMENT[kind])


def delivery_checkpoints() -> tuple[Checkpoint, ...]:
    """The checkpoints whose attested 'yes' says a person delivered the form, in the order
    they are looked at: receiving the answer (V3.1, the one asked at the terminal when none
    was attested), then filling in the form (area V2)."""
    return (_BY_ID["V3.1"], *(c for c in CHECKPOINTS if c.area == "V2"))
