"""How a check sends and runs its examples: a :class:`Sender` per check, and
:func:`for_all` (hypothesis with the target's settings, corner cases first, the shrunk
failure re-raised without hypothesis' notes)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from eprom_verify.contract import CallbackKind
from eprom_verify.receiver.exchanges import CallbackExchange, Exchanges
from eprom_verify.receiver.failure import ReceiverCheckFailure
from eprom_verify.receiver.target import Key, KeyChoice, ReceiverTarget
from eprom_verify.wording import Text

__all__ = ["CORNER_NOTE", "Sender", "for_all", "with_new_id"]

T = TypeVar("T")

_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
    HealthCheck.data_too_large,
]
CORNER_NOTE = Text(
    en="This is a fixed corner case (a variant of a documented example), not a generated one.",
    nb="Dette er et fast grensetilfelle (en variant av et dokumentert eksempel), ikke et "
    "generert eksempel.",
)
_FLAKY_NOTE = Text(
    en="The receiver answered this payload differently when hypothesis sent it again; the "
    "failing answer is shown.",
    nb="Mottakstjenesten svarte annerledes da hypothesis sendte det samme innholdet på nytt; "
    "det feilende svaret vises.",
)


class Sender:
    """Delivers for one check; once the receiver stops answering, every later call fails
    at once with that first failure (so shrinking does not wait on timeouts)."""

    def __init__(self, target: ReceiverTarget, recorder: Exchanges, check: str) -> None:
        self.target, self.recorder, self.check = target, recorder, check
        self._broken: ReceiverCheckFailure | None = None

    def deliver(
        self,
        kind: CallbackKind,
        body: dict[str, Any],
        *,
        key: Key = KeyChoice.OURS,
        fresh: bool = True,
    ) -> CallbackExchange:
        """Deliver ``body``; ``fresh`` gives it a new id if this exact payload was sent before
        in the run (only R3 redelivers on purpose; hypothesis may repeat a payload)."""
        self._raise_if_broken()
        if fresh and self.target.sent_before(kind, body):
            body = with_new_id(kind, body)
        exchange = self.target.deliver(
            kind, body, recorder=self.recorder, check=self.check, key=key
        )
        return self._answered(exchange)

    def put(self, kind: CallbackKind, content: bytes) -> CallbackExchange:
        self._raise_if_broken()
        exchange = self.target.put(kind, content, recorder=self.recorder, check=self.check)
        return self._answered(exchange)

    def give_up(self, failure: ReceiverCheckFailure) -> NoReturn:
        """Fail this check with ``failure`` now and on every later call (no more requests)."""
        self._broken = failure
        raise failure

    def _raise_if_broken(self) -> None:
        if self._broken is not None:
            raise self._broken.with_note("")

    def _answered(self, exchange: CallbackExchange) -> CallbackExchange:
        if exchange.status is None:
            limit = f"{self.target.timeout_s:g} s"
            self._broken = ReceiverCheckFailure(
                Text(en="the receiver did not answer", nb="mottakstjenesten svarte ikke"),
                check=self.check,
                expected=Text(
                    en=f"an HTTP answer within {limit}", nb=f"et HTTP-svar innen {limit}"
                ),
                exchange=exchange,
                hint=Text(
                    en="check that the receiver runs at the base URL and answers every request",
                    nb="sjekk at mottakstjenesten kjører på basis-URL-en og svarer på hver "
                    "forespørsel",
                ),
            )
            raise self._broken
        return exchange


_SUBJECT_FIELDS = {
    CallbackKind.STATUS: "formOrderId",
    CallbackKind.ANSWER: "formOrderId",
    CallbackKind.LETTER: "messageToCitizenId",
    CallbackKind.PRIVACY: "id",
}


def with_new_id(kind: CallbackKind, body: dict[str, Any]) -> dict[str, Any]:
    field = _SUBJECT_FIELDS[kind]
    if not isinstance(body.get(field), str):
        return body
    return {**body, field: str(uuid.uuid4())}


def for_all(
    target: ReceiverTarget,
    strategy: st.SearchStrategy[T],
    test: Callable[[T], None],
    *,
    name: str,
    shrink: bool = True,
    corners: Iterable[T] = (),
) -> None:
    """Run ``test`` on up to ``target.max_examples`` values; re-raise the shrunk failure clean.

    First run it on each of ``corners``: fixed cases, so the common faults are found
    whatever the seed, fast and with a readable payload. Derandomized runs seed each check by its name, so two checks drawing from the
    same strategy do not send the same payloads.
    """
    __tracebackhide__ = True  # pytest shows the check, not this plumbing
    for corner in corners:
        try:
            test(corner)
        except ReceiverCheckFailure as failure:
            raise failure.with_note(CORNER_NOTE) from None
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])

    def property_(value: T) -> None:
        test(value)

    configured = settings(
        max_examples=target.max_examples,
        deadline=None,
        database=None,
        derandomize=target.derandomize,
        suppress_health_check=_SUPPRESSED,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        phases=phases,
    )
    run = configured(given(strategy)(property_))
    if target.derandomize:
        run = seed(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"))(run)
    try:
        run()
    except ReceiverCheckFailure as failure:
        raise failure.with_note("") from None  # without hypothesis' notes
    except FlakyFailure as flaky:
        first = next((e for e in flaky.exceptions if isinstance(e, ReceiverCheckFailure)), None)
        if first is None:
            raise
        raise first.with_note(_FLAKY_NOTE) from None
