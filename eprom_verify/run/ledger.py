"""The run-wide ledger: everything the run placed, every callback it received, judged at the end.

A test looks at the orders it placed; the ledger looks at all of them. After the last test,
every callback the listener received counts, whichever test caused it:

* one order or letter, one status callback: a second one is a duplicate (or, saying another
  status, a contradiction); one answer per status;
* a privacy setting gets one callback per change the run made, in order: a callback with
  the same content as the one before it is a repeat (a change always changes the status),
  and one that no change explains is extra. A citizen's change must be reported; the
  ordering system's own change (``setpersonverninnstilling``) may be reported or not — the
  guide is silent on it (the replication page describes PVK telling every integrated system),
  so both are accepted;
* a callback for an id the run never placed (and not a patient-initiated answer) is an orphan;
* a status callback that never came, or came after the callback timeout, is lost or late;
* an answer the patient delivered that never came is lost;
* every callback must follow the contract and carry our key;
* every status callback reports the channel and status the test person's profile predicts;
* the order of events is ePROM's: order → status → answer, and no answer to an order
  whose status was ``Error`` (LC1).

Each finding names the checkpoint it fails, the order, the case and test that placed it,
and the callbacks (their numbers and times). Plain Python: the suites turn findings into
failed tests (``suites/test_run_ledger.py``), and anything else can call :meth:`Ledger.judge`.

One topic, the rules of the run-wide verdict, so it is long.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from eprom_verify.checklist import judged_over_run, owner_of_callback, owner_of_missing_status
from eprom_verify.contract import CallbackKind, NotificationChannel
from eprom_verify.contract.callbacks import (
    ANY_CALLBACK,
    CALLBACK_NAMES,
    UNREADABLE,
    callback_name,
    channel_and_status_differ,
    is_acknowledgement,
)
from eprom_verify.findings import Finding, Rule, RuleBook, rule
from eprom_verify.run.listener import ReceivedCallback, utc_clock
from eprom_verify.wording import Text

__all__ = [
    "ANY_CALLBACK",
    "CALLBACK_NAMES",
    "CHECKPOINTS_JUDGED",
    "LEDGER_RULES",
    "STATUS_KIND",
    "UNREADABLE",
    "Entry",
    "EntryKind",
    "Finding",
    "Ledger",
    "LedgerVerdict",
    "PrivacyChange",
    "RunRecord",
    "callback_name",
]

EntryKind = Literal["form_order", "letter", "privacy"]

#: the checkpoints the ledger judges, in the order the report lists them (the checklist's)
CHECKPOINTS_JUDGED: tuple[str, ...] = tuple(c.id for c in judged_over_run())

#: the ledger's rules, by name (each decides the checkpoints it is registered with)
LEDGER_RULES: RuleBook[Rule] = RuleBook("ledger")

#: what the run did to make a placement (its verb in a label)
_PLACED: dict[EntryKind, Text] = {
    "form_order": Text(en="placed", nb="bestilt"),
    "letter": Text(en="sent", nb="sendt"),
    "privacy": Text(en="changed", nb="endret"),
}
_PLACEMENT_NAMES: dict[EntryKind, Text] = {
    "form_order": Text(en="order", nb="bestilling"),
    "letter": Text(en="letter", nb="brev"),
    "privacy": Text(en="privacy setting", nb="personverninnstilling"),
}


#: the callback that reports on each kind of placement (its status)
STATUS_KIND: dict[EntryKind, CallbackKind] = {
    "form_order": CallbackKind.STATUS,
    "letter": CallbackKind.LETTER,
    "privacy": CallbackKind.PRIVACY,
}


@dataclass(frozen=True)
class PrivacyChange:
    """One change of a privacy setting the run caused, and what its callback should say."""

    at: float
    #: the Volven 7609 code the callback carries (RES, IRES, SAM, ISAM); None: any
    status: str | None = None
    #: True: a callback is due (a citizen changed it); False: it may come or not (the
    #: ordering system's own change — the guide does not say whether ePROM reports it back)
    reported: bool = True


@dataclass
class Entry:
    """One thing the run placed: a form order, a letter, or a privacy change it triggered."""

    ident: str
    kind: EntryKind
    sent_at: float
    case: str | None = None
    test: str | None = None
    checkpoint_ids: tuple[str, ...] = ()
    answered_at: float | None = None
    #: a status (letter status, privacy) callback is due for it
    callback_due: bool = True
    test_mode: bool = False
    #: the test person's key in the patients file
    person: str | None = None
    rule: str | None = None
    form: str | None = None
    expected_channel: NotificationChannel | None = None
    expected_status: str | None = None
    #: set when the patient delivered: the answer is due from then on
    answer_due_at: float | None = None
    answer_due_because: Text | str | None = None
    #: privacy: the changes the run made to this setting, in order (each at most one callback)
    changes: list[PrivacyChange] = field(default_factory=list)

    @property
    def label(self) -> Text:
        """``order 1f… (case s1, placed during suites/…::test_on_behalf_of)``.

        *During*: a batch of orders is placed while the first test that needs one runs.
        """
        parts = []
        if self.case:
            parts.append(Text(en=f"case {self.case}", nb=f"tilfelle {self.case}"))
        if self.test:
            done = _PLACED[self.kind]
            parts.append(
                Text(en=f"{done.en} during {self.test}", nb=f"{done.nb} under {self.test}")
            )
        shown = _PLACEMENT_NAMES[self.kind] + f" {self.ident}"
        return shown + " (" + Text.join(", ", parts) + ")" if parts else shown


@dataclass
class LedgerVerdict:
    """The findings of one judgement, by checkpoint, and what was judged."""

    findings: list[Finding] = field(default_factory=list)
    #: per checkpoint: how many orders/letters/callbacks it looked at
    judged: dict[str, int] = field(default_factory=dict)

    def for_checkpoint(self, checkpoint_id: str) -> list[Finding]:
        return [f for f in self.findings if f.checkpoint_id == checkpoint_id]


@dataclass(frozen=True)
class RunRecord:
    """What every ledger rule is given: the whole run as it is judged."""

    #: placements ePROM refused or never answered, recorded by the run as it happened
    refused: Sequence[Finding]
    #: everything placed, by its id, in placement order
    placed: Mapping[str, Entry]
    #: every callback received, in arrival order
    received: Sequence[ReceivedCallback]
    #: the callbacks by the id they are about, in order of first arrival
    by_ident: Mapping[str | None, Sequence[ReceivedCallback]]
    callback_timeout_s: float
    answer_timeout_s: float

    @property
    def entries(self) -> Sequence[Entry]:
        """Everything placed, in placement order."""
        return tuple(self.placed.values())

    def entry(self, ident: str | None) -> Entry | None:
        """What the run placed under ``ident`` (None: nothing)."""
        return self.placed.get(ident) if ident else None

    def callbacks_of(self, entry: Entry) -> Sequence[ReceivedCallback]:
        """The callbacks about ``entry``, in arrival order."""
        return self.by_ident.get(entry.ident, ())


class Ledger:
    """Thread-safe record of the run's placements; :meth:`judge` reads the listener's record.

    ``key_ok`` decides whether a callback carried our key (the listener already knows:
    it compares in constant time and never shows the key).
    """

    def __init__(self, rules: RuleBook[Rule] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._refused: list[Finding] = []
        #: the rules :meth:`judge` runs, in their book's order (a test may bring its own)
        self.rules: RuleBook[Rule] = LEDGER_RULES if rules is None else rules

    # --- recording (any thread) --------------------------------------------------------
    def place(self, entry: Entry) -> Entry:
        with self._lock:
            existing = self._entries.get(entry.ident)
            if entry.kind == "privacy":
                changes = entry.changes or [PrivacyChange(at=entry.sent_at)]
                entry.callback_due = any(c.reported for c in changes)
                if existing is not None:
                    existing.changes += changes
                    existing.callback_due = existing.callback_due or entry.callback_due
                    return existing
                entry.changes = list(changes)
            self._entries[entry.ident] = entry
            return entry

    def refused(self, finding: Finding) -> None:
        """A placement the run made that ePROM refused or never answered (V1.1 / L1)."""
        with self._lock:
            self._refused.append(finding)

    def expect_answer(self, ident: str, *, because: Text | str, at: float) -> None:
        """The patient delivered (or a tester attested it): the answer is due."""
        with self._lock:
            entry = self._entries.get(ident)
            if entry is not None and entry.answer_due_at is None:
                entry.answer_due_at, entry.answer_due_because = at, because

    def entry(self, ident: str | None) -> Entry | None:
        with self._lock:
            return self._entries.get(ident) if ident else None

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries.values())

    def outstanding(self, received: Sequence[ReceivedCallback]) -> list[Entry]:
        """Entries whose status callback is due and has not come (privacy: per change)."""
        seen = {(c.kind, c.ident) for c in received}
        out = []
        for e in self.entries():
            if not e.callback_due or e.test_mode:
                continue
            if e.kind == "privacy":
                if _match(e.changes, _privacy_callbacks(received, e.ident))[0]:
                    out.append(e)
            elif (STATUS_KIND[e.kind], e.ident) not in seen:
                out.append(e)
        return out

    # --- judging ----------------------------------------------------------------------
    def judge(
        self,
        callbacks: Iterable[ReceivedCallback],
        *,
        callback_timeout_s: float,
        answer_timeout_s: float,
    ) -> LedgerVerdict:
        """Judge everything placed against every callback received: every rule of the book,
        in its order, is given the same :class:`RunRecord`."""
        received = list(callbacks)
        by_ident: dict[str | None, list[ReceivedCallback]] = defaultdict(list)
        for callback in received:
            by_ident[callback.ident].append(callback)
        with self._lock:
            refused = list(self._refused)
        run = RunRecord(
            refused=refused,
            placed={e.ident: e for e in self.entries()},
            received=received,
            by_ident=by_ident,
            callback_timeout_s=callback_timeout_s,
            answer_timeout_s=answer_timeout_s,
        )
        verdict = LedgerVerdict(judged=_judged(run.entries, received))
        for each in self.rules:
            verdict.findings += each(run)
        return verdict


def _refused(recorded: Sequence[Finding]) -> list[Finding]:
    """A placement ePROM refused or never answered (recorded by the run as it happens)."""
    return list(recorded)


def _judged(entries: Iterable[Entry], received: Sequence[ReceivedCallback]) -> dict[str, int]:
    placed = list(entries)
    orders = [e for e in placed if e.kind == "form_order"]
    letters = [e for e in placed if e.kind == "letter"]

    def count(kind: CallbackKind) -> int:
        return sum(1 for c in received if c.kind is kind)

    # what each count judged; a checkpoint names its count (``Checkpoint.whole_run``)
    counts = {
        "placements": len(orders) + len(letters),
        "status_due": sum(1 for e in orders if e.callback_due and not e.test_mode),
        "orders_with_channel": sum(1 for e in orders if e.expected_channel is not None),
        "status_callbacks": count(CallbackKind.STATUS),
        "answers_due": sum(1 for e in orders if e.answer_due_at is not None),
        "answer_callbacks": sum(
            1 for c in received if c.kind is CallbackKind.ANSWER and not c.is_patient_initiated
        ),
        "patient_initiated_answers": sum(
            1 for c in received if c.kind is CallbackKind.ANSWER and c.is_patient_initiated
        ),
        "letters": len(letters) + count(CallbackKind.LETTER),
        "letters_with_channel": sum(1 for e in letters if e.expected_channel is not None),
        "privacy_changes": sum(len(e.changes) for e in placed if e.kind == "privacy")
        + count(CallbackKind.PRIVACY),
        "order_lifecycles": sum(1 for e in orders if e.answer_due_at is not None or e.callback_due),
    }
    return {c.id: counts[c.whole_run] for c in judged_over_run() if c.whole_run is not None}


def _checkpoint_of(callback: ReceivedCallback) -> str:
    kind = callback.kind.value if callback.kind else None
    return owner_of_callback(kind, patient_initiated=callback.is_patient_initiated)


def _finding(
    checkpoint_id: str,
    message: Text,
    entry: Entry | None,
    callbacks: Sequence[ReceivedCallback] = (),
    *,
    expected: Any = None,
    received: Any = None,
    ident: str | None = None,
) -> Finding:
    return Finding(
        checkpoint_id=checkpoint_id,
        message=message,
        expected=expected,
        received=received,
        order_id=entry.ident if entry is not None else ident,
        case=entry.case if entry is not None else None,
        test=entry.test if entry is not None else None,
        callbacks=tuple(c.label for c in callbacks),
    )


def _where(
    entry: Entry | None, ident: str | None, callback: ReceivedCallback | None = None
) -> Text:
    if entry is not None:
        return entry.label
    if (
        callback is not None
        and callback.kind is CallbackKind.ANSWER
        and callback.is_patient_initiated
    ):
        return Text(en=f"patient-initiated order {ident}", nb=f"pasientinitiert bestilling {ident}")
    return Text(en=f"id {ident}", nb=f"id {ident}")


def _each_callback(callback: ReceivedCallback, entry: Entry | None) -> list[Finding]:
    """Every callback follows the contract and carries our key; no answer to a testMode order."""
    the = (callback_name(callback.kind) if callback.kind else ANY_CALLBACK).the
    where = _where(entry, callback.ident, callback)
    out = []
    checkpoint_id = _checkpoint_of(callback)
    if callback.error is not None:
        error = Text.same(callback.error)
        out.append(
            _finding(
                checkpoint_id,
                Text(
                    en=f"{the.en} for {where.en}: {error.en}",
                    nb=f"{the.capitalized().nb} for {where.nb}: {error.nb}",
                ),
                entry,
                [callback],
                expected=Text(
                    en="a payload that follows the contract (§4)",
                    nb="innhold som følger kontrakten (§4)",
                ),
                received=error,
                ident=callback.ident,
            )
        )
    elif not callback.key_ok:
        out.append(
            _finding(
                checkpoint_id,
                Text(
                    en=f"{the.en} for {where.en} carried a wrong API key "
                    "— a receiver must refuse it",
                    nb=f"{the.capitalized().nb} for {where.nb} hadde feil API-nøkkel "
                    "— en mottakstjeneste skal avvise den",
                ),
                entry,
                [callback],
                expected=Text(en="our API key", nb="vår API-nøkkel"),
                received=Text(
                    en="another key (see the callback's fingerprint in the evidence)",
                    nb="en annen nøkkel (se fingeravtrykket i beviset for tilbakekallet)",
                ),
                ident=callback.ident,
            )
        )
    if entry is not None and entry.test_mode and callback.kind is CallbackKind.ANSWER:
        out.append(
            _finding(
                "V3.2",
                Text(
                    en=f"an answer came for {where.en}, a testMode order: "
                    "the answer shall not be returned",
                    nb=f"et svar kom for {where.nb}, en testMode-bestilling: "
                    "svaret skal ikke sendes tilbake",
                ),
                entry,
                [callback],
                expected=Text(
                    en="no answer callback (testMode)", nb="ingen svarmelding (testMode)"
                ),
                received=Text(en="an answer callback", nb="en svarmelding"),
            )
        )
    return out


def _gaps(callbacks: Sequence[ReceivedCallback]) -> str:
    return ", ".join(f"+{c.at - callbacks[0].at:.3f} s" for c in callbacks)


def _duplicates(group: Sequence[ReceivedCallback], entry: Entry | None) -> list[Finding]:
    """One status callback per order or letter, one answer per status (privacy: see _privacy)."""
    out: list[Finding] = []
    by_kind: dict[tuple[CallbackKind | None, str | None], list[ReceivedCallback]] = defaultdict(
        list
    )
    for callback in group:
        if not _acknowledged(callback):
            continue  # refused callbacks are redelivered by ePROM: not duplicates
        if callback.kind is CallbackKind.PRIVACY and entry is not None:
            continue  # one per change the run made: _privacy counts them
        # a second status callback is a duplicate whatever it says; answers by status
        status = callback.status_value if callback.kind is CallbackKind.ANSWER else None
        by_kind[(callback.kind, status)].append(callback)
    for (kind, _status), same in by_kind.items():
        if kind is None or len(same) <= 1:
            continue
        noun = CALLBACK_NAMES[kind]
        where = _where(entry, same[0].ident, same[0])
        many = noun.count(len(same))
        said = list(dict.fromkeys(str(c.status_value) for c in same))
        why = (
            Text(en="duplicates", nb="duplikater")
            if len(said) == 1
            else Text(
                en=f"one is due, these say {' then '.join(said)}",
                nb=f"én skal komme, disse sier {' så '.join(said)}",
            )
        )
        out.append(
            _finding(
                _checkpoint_of(same[0]),
                Text(
                    en=f"{many.en} for {where.en} ({why.en}; arrival {_gaps(same)})",
                    nb=f"{many.nb} for {where.nb} ({why.nb}; ankomst {_gaps(same)})",
                ),
                entry,
                same,
                expected=noun.count(1),
                received=many,
                ident=same[0].ident,
            )
        )
    return out


def _privacy_callbacks(received: Iterable[ReceivedCallback], ident: str) -> list[ReceivedCallback]:
    """The acknowledged privacy-setting callbacks for ``ident``, in arrival order."""
    return sorted(
        (
            c
            for c in received
            if c.kind is CallbackKind.PRIVACY and c.ident == ident and _acknowledged(c)
        ),
        key=lambda c: c.seq,
    )


def _same(first: ReceivedCallback, second: ReceivedCallback) -> bool:
    """Whether two callbacks say the same (a repeat), whatever the order of their fields."""
    return bool(first.data == second.data)


def _privacy(
    entry: Entry, group: Sequence[ReceivedCallback], *, callback_timeout_s: float
) -> list[Finding]:
    """One callback per change the run made: repeats, unexplained ones, missing and late ones."""
    arrived = _privacy_callbacks(group, entry.ident)
    out: list[Finding] = []
    label = entry.label
    names = CALLBACK_NAMES[CallbackKind.PRIVACY]
    missing, extra, pairs = _match(entry.changes, arrived)
    for callback in extra:
        twin = next((c for c in arrived if c.seq != callback.seq and _same(c, callback)), None)
        if twin is None:
            continue
        # identical, so which one is "the repeat" is a matter of naming: the later one
        before, again = sorted((twin, callback), key=lambda c: c.seq)
        said = again.status_value
        out.append(
            _finding(
                "PV3",
                Text(
                    en=f"{names.the.en} for {label.en} came again with the same content "
                    f"(status {said}; callback #{again.seq} repeats #{before.seq}): "
                    "a repeat, not a new change",
                    nb=f"{names.the.capitalized().nb} for {label.nb} kom igjen med samme "
                    f"innhold (status {said}; tilbakekall #{again.seq} gjentar "
                    f"#{before.seq}): en gjentakelse, ikke en ny endring",
                ),
                entry,
                [before, again],
                expected=Text(en="each change reported once", nb="hver endring meldt én gang"),
                received=Text(
                    en=f"the same {names.one.en} twice (status {said})",
                    nb=f"samme {names.one.nb} to ganger (status {said})",
                ),
            )
        )
    extra = [c for c in extra if not any(_same(b, c) for b in arrived if b.seq != c.seq)]
    made = ", ".join(c.status or "?" for c in entry.changes)
    for callback in extra:
        said = callback.status_value
        out.append(
            _finding(
                "PV3",
                Text(
                    en=f"{names.the.en} for {label.en} says status {said}, which no change "
                    f"this run made explains (the run's changes, in order: {made})",
                    nb=f"{names.the.capitalized().nb} for {label.nb} sier status {said}, som "
                    f"ingen endring denne kjøringen gjorde forklarer (kjøringens endringer, i "
                    f"rekkefølge: {made})",
                ),
                entry,
                [callback],
                expected=Text(
                    en=f"one callback per change: {made}", nb=f"ett tilbakekall per endring: {made}"
                ),
                received=Text(
                    en=f"a callback with status {said}", nb=f"et tilbakekall med status {said}"
                ),
            )
        )
    limit = f"{callback_timeout_s:g} s"
    noun = names.one
    for change in missing:
        sent = utc_clock(change.at)
        with_status = f" with status {change.status}" if change.status else ""
        med_status = f" med status {change.status}" if change.status else ""
        out.append(
            _finding(
                "PV3",
                Text(
                    en=f"no {noun.en}{with_status} for {label.en} by the end of the run "
                    f"(changed {sent}, limit {limit})",
                    nb=f"ingen {noun.nb}{med_status} for {label.nb} innen kjøringen var slutt "
                    f"(endret {sent}, grense {limit})",
                ),
                entry,
                expected=Text(en=f"1 {noun.en} within {limit}", nb=f"1 {noun.nb} innen {limit}"),
                received=Text(en="none", nb="ingen"),
            )
        )
    for change, callback in pairs:
        late = callback.at - change.at
        if change.reported and late > callback_timeout_s:  # the run's own: no limit said
            out.append(
                _finding(
                    "PV3",
                    Text(
                        en=f"{names.the.en} for {label.en} came {late:.1f} s after the change; "
                        f"the limit is {limit}",
                        nb=f"{names.the.capitalized().nb} for {label.nb} kom {late:.1f} s etter "
                        f"endringen; grensen er {limit}",
                    ),
                    entry,
                    [callback],
                    expected=Text(en=f"within {limit}", nb=f"innen {limit}"),
                    received=Text(en=f"after {late:.1f} s", nb=f"etter {late:.1f} s"),
                )
            )
    return out


_Match = tuple[
    list[PrivacyChange], list[ReceivedCallback], list[tuple[PrivacyChange, ReceivedCallback]]
]


def _match(changes: Sequence[PrivacyChange], callbacks: Sequence[ReceivedCallback]) -> _Match:
    """Pair callbacks with changes, in order: the due changes no callback reports, the
    callbacks no change explains, and the pairs.

    The ordering system's own changes are reported back by ePROM either all or none (the
    guide is silent on which): both readings are tried and the one that explains more wins
    (on a tie, none). A callback that no change explains and says what an earlier one said
    is a repeat.
    """
    citizens = [c for c in changes if c.reported]
    none = _pair(citizens, callbacks)
    if len(citizens) == len(changes):
        return none
    every = _pair(changes, callbacks)
    return none if _cost(none) <= _cost(every) else every


def _cost(match: _Match) -> int:
    return len(match[0]) + len(match[1])


def _pair(changes: Sequence[PrivacyChange], callbacks: Sequence[ReceivedCallback]) -> _Match:
    """Every change is due: the in-order pairing with fewest missing and unexplained."""
    best: dict[tuple[int, int], _Match] = {}

    def solve(i: int, j: int) -> _Match:
        if (i, j) in best:
            return best[(i, j)]
        if i == len(changes) or j == len(callbacks):
            result: _Match = (list(changes[i:]), list(callbacks[j:]), [])
        else:
            change, callback = changes[i], callbacks[j]
            options = []
            if change.status is None or change.status == callback.status_value:
                m, e, p = solve(i + 1, j + 1)
                options.append((m, e, [(change, callback), *p]))
            m, e, p = solve(i + 1, j)
            options.append(([change, *m], e, p))
            m, e, p = solve(i, j + 1)
            options.append((m, [callback, *e], p))
            result = min(options, key=_cost)
        best[(i, j)] = result
        return result

    return solve(0, 0)


def _acknowledged(callback: ReceivedCallback) -> bool:
    return is_acknowledgement(callback.answered_status, callback.answered)


def _orphans(group: Sequence[ReceivedCallback]) -> list[Finding]:
    """A callback for an id the run never placed (not a patient-initiated answer) is an orphan."""
    strays = [
        c
        for c in group
        if c.kind is not None
        and not (c.kind is CallbackKind.ANSWER and c.is_patient_initiated)
        and c.ident is not None
    ]
    if not strays:
        return []
    kind = strays[0].kind
    assert kind is not None
    noun = CALLBACK_NAMES[kind]
    ident = strays[0].ident
    many = noun.count(len(strays))
    return [
        _finding(
            _checkpoint_of(strays[0]),
            Text(
                en=f"{many.en} for id {ident}, which this run never placed "
                "(a callback ePROM should not send, or a previous run's late one)",
                nb=f"{many.nb} for id {ident}, som denne kjøringen aldri bestilte "
                "(et tilbakekall ePROM ikke skal sende, eller et forsinket et fra en "
                "tidligere kjøring)",
            ),
            None,
            strays,
            expected=Text(
                en="callbacks only for ids the run placed (or patient-initiated answers)",
                nb="tilbakekall bare for id-er kjøringen bestilte (eller pasientinitierte svar)",
            ),
            received=Text(en=f"{noun.one.en} for {ident}", nb=f"{noun.one.nb} for {ident}"),
            ident=ident,
        )
    ]


def _missing_or_late(
    entry: Entry,
    group: Sequence[ReceivedCallback],
    *,
    callback_timeout_s: float,
    answer_timeout_s: float,
) -> list[Finding]:
    """A status callback that never came or came late; a delivered answer that never came."""
    kind = STATUS_KIND[entry.kind]
    names = CALLBACK_NAMES[kind]
    noun = names.one
    checkpoint_id = owner_of_missing_status(entry.kind)
    out = []
    firsts = [c for c in group if c.kind is kind]
    limit = f"{callback_timeout_s:g} s"
    label = entry.label
    if entry.callback_due and not entry.test_mode and entry.kind != "privacy":
        if not firsts:
            sent = utc_clock(entry.sent_at)
            out.append(
                _finding(
                    checkpoint_id,
                    Text(
                        en=f"no {noun.en} for {label.en} by the end of the run "
                        f"(sent {sent}, limit {limit})",
                        nb=f"ingen {noun.nb} for {label.nb} innen kjøringen var slutt "
                        f"(sendt {sent}, grense {limit})",
                    ),
                    entry,
                    expected=Text(
                        en=f"1 {noun.en} within {limit}", nb=f"1 {noun.nb} innen {limit}"
                    ),
                    received=Text(en="none", nb="ingen"),
                )
            )
        elif (late := firsts[0].at - (entry.answered_at or entry.sent_at)) > callback_timeout_s:
            out.append(
                _finding(
                    checkpoint_id,
                    Text(
                        en=f"{names.the.en} for {label.en} came {late:.1f} s after ePROM "
                        f"accepted it; the limit is {limit}",
                        nb=f"{names.the.capitalized().nb} for {label.nb} kom {late:.1f} s etter "
                        f"ePROMs svar; grensen er {limit}",
                    ),
                    entry,
                    firsts[:1],
                    expected=Text(en=f"within {limit}", nb=f"innen {limit}"),
                    received=Text(en=f"after {late:.1f} s", nb=f"etter {late:.1f} s"),
                )
            )
    if entry.answer_due_at is not None:
        answers = [c for c in group if c.kind is CallbackKind.ANSWER]
        if not answers:
            due = utc_clock(entry.answer_due_at)
            because = Text.same(entry.answer_due_because or "")
            out.append(
                _finding(
                    "V3.1",
                    Text(
                        en=f"no answer callback for {label.en}, though {because.en} "
                        f"at {due} (waited up to {answer_timeout_s:g} s)",
                        nb=f"ingen svarmelding for {label.nb}, selv om {because.nb} "
                        f"kl. {due} (ventet inntil {answer_timeout_s:g} s)",
                    ),
                    entry,
                    expected=Text(
                        en="1 answer callback (formData) after delivery",
                        nb="1 svarmelding (formData) etter innsending",
                    ),
                    received=Text(en="none", nb="ingen"),
                )
            )
    return out


def _channel_and_status(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    """A status callback reports the channel and status the person's profile predicts."""
    statuses = [c for c in group if c.kind is CallbackKind.STATUS and c.model is not None]
    if not statuses or entry.expected_channel is None:
        return []
    differ = channel_and_status_differ(
        statuses[0].data, channel=entry.expected_channel.wire_name, status=entry.expected_status
    )
    if differ is None:
        return []
    expected, received = differ
    label = entry.label
    return [
        _finding(
            "V1.3",
            Text(
                en=f"{label.en} (person {entry.person}, rule {entry.rule}) went to the wrong "
                "channel or status",
                nb=f"{label.capitalized().nb} (person {entry.person}, regel {entry.rule}) fikk feil "
                "kanal eller status",
            ),
            entry,
            statuses[:1],
            expected=expected,
            received=received,
        )
    ]


def _answer_channel(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    """The answer reports the channel the order went to (its status callback's)."""
    statuses = [c for c in group if c.kind is CallbackKind.STATUS and c.model is not None]
    answers = [c for c in group if c.kind is CallbackKind.ANSWER and c.model is not None]
    if not statuses or not answers:
        return []
    said: Any = statuses[0].model
    # the predicted channel when there is one (a wrong status callback is V1.3's finding)
    expected = entry.expected_channel or said.notification_channel
    source = (
        Text(en="the channel the profile predicts", nb="kanalen profilen gir")
        if entry.expected_channel
        else Text(en="its status callback", nb="statusmeldingens")
    )
    out = []
    for answer in answers:
        model: Any = answer.model
        given = model.notification_channel  # optional in the documented example
        if given is not None and given is not expected:
            out.append(
                _finding(
                    "V3.2",
                    Text(
                        en=f"the answer for {entry.label.en} reports notificationChannel "
                        f"{given.wire_name}, not {source.en}",
                        nb=f"svaret for {entry.label.nb} oppgir notificationChannel "
                        f"{given.wire_name}, ikke {source.nb}",
                    ),
                    entry,
                    [statuses[0], answer],
                    expected=expected.wire_name,
                    received=given.wire_name,
                )
            )
    return out


def _letter_channel(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    """A letter's status callback reports the channel the priority list gives."""
    statuses = [c for c in group if c.kind is CallbackKind.LETTER and c.model is not None]
    if not statuses or entry.expected_channel is None:
        return []
    model: Any = statuses[0].model
    if model.notification_channel is entry.expected_channel:
        return []
    return [
        _finding(
            "L2",
            Text(
                en=f"the status callback of {entry.label.en} reports another channel than the "
                "priority list gives",
                nb=f"statusmeldingen for {entry.label.nb} oppgir en annen kanal enn "
                "prioritetslisten gir",
            ),
            entry,
            statuses[:1],
            expected=entry.expected_channel.wire_name,
            received=model.notification_channel.wire_name,
        )
    ]


def _lifecycle(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    """The order of events is order → status → answer; no answer after status Error."""
    statuses = [c for c in group if c.kind is CallbackKind.STATUS]
    answers = [c for c in group if c.kind is CallbackKind.ANSWER]
    out: list[Finding] = []
    if not answers:
        return out
    if not statuses:  # a lost status callback: V1.2 reports it
        return out
    first_answer = min(answers, key=lambda c: c.seq)
    first_status = min(statuses, key=lambda c: c.seq)
    if first_answer.seq < first_status.seq:
        out.append(
            _finding(
                "LC1",
                Text(
                    en=f"the answer for {entry.label.en} came before its status callback",
                    nb=f"svaret for {entry.label.nb} kom før statusmeldingen",
                ),
                entry,
                [first_answer, first_status],
                expected=Text(
                    en="order → status callback → answer callback",
                    nb="bestilling → statusmelding → svarmelding",
                ),
                received=Text(
                    en="order → answer callback → status callback (a status after the answer)",
                    nb="bestilling → svarmelding → statusmelding (en status etter svaret)",
                ),
            )
        )
    model: Any = first_status.model
    if model is not None and model.form_order_status.name == "Error":
        out.append(
            _finding(
                "LC1",
                Text(
                    en=f"an answer came for {entry.label.en}, whose status was Error "
                    "(nobody was notified)",
                    nb=f"et svar kom for {entry.label.nb}, som hadde status Error "
                    "(ingen ble varslet)",
                ),
                entry,
                [first_status, first_answer],
                expected=Text(
                    en="no answer to an order whose status is Error",
                    nb="ikke noe svar på en bestilling med status Error",
                ),
                received=Text(en="an answer callback", nb="en svarmelding"),
            )
        )
    return out


# --- the rules: registered in LEDGER_RULES, run by Ledger.judge in this order ---------------
# Each is given the same RunRecord; registering one is what makes it run.


@rule(LEDGER_RULES, "V1.1", "L1", name="refused")
def _rule_refused(run: RunRecord) -> list[Finding]:
    """A placement ePROM refused or never answered (recorded by the run as it happens)."""
    return _refused(run.refused)


@rule(LEDGER_RULES, "V1.4", "V3.2", "P1", "L1", "PV3", name="each-callback")
def _rule_each_callback(run: RunRecord) -> list[Finding]:
    """Every callback follows the contract and carries our key; no answer to a testMode order."""
    return [f for c in run.received for f in _each_callback(c, run.entry(c.ident))]


@rule(LEDGER_RULES, "V1.4", "V3.2", "P1", "L1", "PV3", name="duplicates")
def _rule_duplicates(run: RunRecord) -> list[Finding]:
    """One status callback per order or letter, one answer per status (privacy: see _privacy)."""
    return [
        f for ident, group in run.by_ident.items() for f in _duplicates(group, run.entry(ident))
    ]


@rule(LEDGER_RULES, "V1.4", "V3.2", "L1", "PV3", name="orphans")
def _rule_orphans(run: RunRecord) -> list[Finding]:
    """A callback for an id the run never placed (not a patient-initiated answer) is an orphan."""
    return [
        f for ident, group in run.by_ident.items() if run.entry(ident) is None
        for f in _orphans(group)
    ]  # fmt: skip


@rule(LEDGER_RULES, "V1.2", "L1", "V3.1", name="missing-or-late")
def _rule_missing_or_late(run: RunRecord) -> list[Finding]:
    """A status callback that never came or came late; a delivered answer that never came."""
    return [
        f
        for entry in run.entries
        for f in _missing_or_late(
            entry,
            run.callbacks_of(entry),
            callback_timeout_s=run.callback_timeout_s,
            answer_timeout_s=run.answer_timeout_s,
        )
    ]


@rule(LEDGER_RULES, "PV3", name="privacy-changes")
def _rule_privacy(run: RunRecord) -> list[Finding]:
    """One callback per change the run made: repeats, unexplained ones, missing and late ones."""
    return [
        f
        for entry in run.entries
        if entry.kind == "privacy"
        for f in _privacy(entry, run.callbacks_of(entry), callback_timeout_s=run.callback_timeout_s)
    ]


def _per_entry(
    kind: EntryKind,
    judge: Callable[[Entry, Sequence[ReceivedCallback]], list[Finding]],
) -> Callable[[RunRecord], list[Finding]]:
    """A rule that runs ``judge`` over every placement of ``kind`` with its callbacks, in
    placement order (its description is ``judge``'s docstring)."""

    def over_the_run(run: RunRecord) -> list[Finding]:
        return [f for e in run.entries if e.kind == kind for f in judge(e, run.callbacks_of(e))]

    over_the_run.__doc__ = judge.__doc__
    return over_the_run


rule(LEDGER_RULES, "V1.3", name="channel-and-status")(_per_entry("form_order", _channel_and_status))
rule(LEDGER_RULES, "V3.2", name="answer-channel")(_per_entry("form_order", _answer_channel))
rule(LEDGER_RULES, "LC1", name="lifecycle")(_per_entry("form_order", _lifecycle))
rule(LEDGER_RULES, "L2", name="letter-channel")(_per_entry("letter", _letter_channel))
