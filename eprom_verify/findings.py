"""Findings: the one thing every rule of the tool says, and the rules that say it.

In the spirit of schemathesis' ``Failure`` subclasses, with one type rather than many: a
:class:`Finding` is what one rule concluded about one thing — its checkpoints, its
:data:`Outcome` (the report's six values), and on a failure the message, expected vs
received and, where we know it, what to change. Three producers make them:

* the run-wide ledger (:mod:`eprom_verify.ledger`): over every placement and callback of a run;
* observe's judge (:mod:`eprom_verify.observe.judge`): per scenario step, from recorded traffic;
* the receiver checks (:mod:`eprom_verify.receiver`): one per check that was run.

and they reach the report by one path, :meth:`eprom_verify.report.model.CheckResult.from_finding`
(a pytest test's outcome is read into a finding first: :func:`eprom_verify.pytest.results.finding_of`).

Rules are registered in a :class:`RuleBook` the way receiver checks are, so a reader (or a
test) can list them with the checkpoints each one decides: :func:`rule_books`.

Plain Python: imports neither pytest nor FastAPI nor the run side.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, Protocol, TypeVar, cast

from .checklist import checkpoint as lookup_checkpoint
from .wording import Text

if TYPE_CHECKING:
    from ._exceptions import CheckFailure

__all__ = [
    "FAILED",
    "Finding",
    "Outcome",
    "Rule",
    "RuleBook",
    "WHAT_TO_CHANGE",
    "rule",
    "rule_books",
    "text_of",
]

#: how a check ended: the one vocabulary of the ledger, observe, the receiver and the report
Outcome = Literal["passed", "failed", "error", "skipped", "not_run", "needs_attestation"]
#: the outcomes that fail a checkpoint
FAILED: frozenset[str] = frozenset({"failed", "error"})
#: between a failed finding's message and its fix, in the report
WHAT_TO_CHANGE = Text(en=". What to change: ", nb=". Dette må endres: ")


def text_of(plain: Any, texts: dict[str, str]) -> Any:
    """A value split by :func:`~eprom_verify.wording.texts_of` put back together: the
    :class:`Text` when it had both languages, else the plain value."""
    if "en" in texts and "nb" in texts:
        return Text(en=texts["en"], nb=texts["nb"])
    return plain


@dataclass(frozen=True, init=False)
class Finding:
    """What one rule concluded about one thing (a step, an order, a callback, a check).

    ``Finding("V1.2", Text(...))`` is a failure on one checkpoint; every other field is
    optional and by keyword. ``message``, ``expected``, ``received`` and ``fix`` are a
    :class:`~eprom_verify.wording.Text` when they are sentences of ours, else the value
    or payload as it was (ePROM's texts and field names are never translated).
    """

    checkpoint_ids: tuple[str, ...]
    #: a plain ``str`` only where the words are not ours (an unexpected exception's)
    message: Text | str | None
    outcome: Outcome
    #: the rule that made it: ``request`` (observe), ``duplicates`` (ledger), a receiver
    #: check's name
    rule: str
    expected: Any
    received: Any
    #: what to change in the system under test (ours)
    fix: Text | None
    #: observe: the scenario step it is about
    step_id: str | None
    order_ids: tuple[str, ...]
    #: the run: the parametrization case and the test that placed the order
    case: str | None
    test: str | None
    #: the callbacks it is about, as labels (``callback #7 (status, …)``)
    callbacks: tuple[Text, ...]
    #: a callback's JSON shown beside ``received`` in the report
    payload: Any
    #: observe: the recorded exchanges (their numbers) it is about
    exchanges: tuple[int, ...]
    duration_s: float
    #: the exception that carried the failure, when a rule raised one (a receiver check)
    failure: BaseException | None
    #: why a rule crashed (outcome ``error``), redacted
    error: str | None

    def __init__(
        self,
        checkpoint_ids: str | Iterable[str] = (),
        message: Text | str | None = None,
        *,
        outcome: Outcome = "failed",
        rule: str = "",
        expected: Any = None,
        received: Any = None,
        fix: Text | None = None,
        step_id: str | None = None,
        order_ids: Iterable[str] = (),
        case: str | None = None,
        test: str | None = None,
        callbacks: Iterable[Text] = (),
        payload: Any = None,
        exchanges: Iterable[int] = (),
        duration_s: float = 0.0,
        failure: BaseException | None = None,
        error: str | None = None,
        checkpoint_id: str | None = None,
        order_id: str | None = None,
    ) -> None:
        """``checkpoint_id`` and ``order_id`` are the one-id spellings (the ledger's)."""
        ids = (checkpoint_ids,) if isinstance(checkpoint_ids, str) else tuple(checkpoint_ids)
        if checkpoint_id is not None:
            ids = (checkpoint_id, *ids)
        orders = tuple(order_ids)
        if order_id is not None and order_id not in orders:
            orders = (order_id, *orders)
        fields = {
            "checkpoint_ids": ids,
            "message": message,
            "outcome": outcome,
            "rule": rule,
            "expected": expected,
            "received": received,
            "fix": fix,
            "step_id": step_id,
            "order_ids": orders,
            "case": case,
            "test": test,
            "callbacks": tuple(callbacks),
            "payload": payload,
            "exchanges": tuple(exchanges),
            "duration_s": duration_s,
            "failure": failure,
            "error": error,
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_failure(
        cls,
        failure: CheckFailure,
        checkpoint_ids: str | Iterable[str] = (),
        *,
        outcome: Outcome = "failed",
        rule: str = "",
        duration_s: float = 0.0,
    ) -> Finding:
        """The finding a raised :class:`~eprom_verify.CheckFailure` carries (an assertion in a
        suite, a receiver check): its message, expected and received in every language,
        its order and the callback's JSON."""
        return cls(
            checkpoint_ids,
            text_of(failure.message, failure.messages),
            outcome=outcome,
            rule=rule,
            expected=text_of(failure.expected, failure.expected_texts),
            received=text_of(failure.received, failure.received_texts),
            order_id=failure.order_id or None,
            payload=failure.callback,
            duration_s=duration_s,
            failure=failure,
        )

    def said(self) -> Text | str | None:
        """The message as the report shows it: a failure's fix appended (*What to change*)."""
        if self.message is not None and self.fix is not None and self.failed:
            return Text.same(self.message) + WHAT_TO_CHANGE + self.fix
        return self.message

    @property
    def checkpoint_id(self) -> str:
        """The (first) checkpoint it decides."""
        return self.checkpoint_ids[0] if self.checkpoint_ids else ""

    @property
    def order_id(self) -> str | None:
        """The (first) order, letter or setting it is about."""
        return self.order_ids[0] if self.order_ids else None

    @property
    def check(self) -> str:
        """The rule's name (observe's word for it)."""
        return self.rule

    @property
    def name(self) -> str:
        """``step: check`` for observe, else the rule's name."""
        return f"{self.step_id}: {self.rule}" if self.step_id else self.rule

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED

    def as_text(self) -> Text:
        """The message with the test that placed the order and the callbacks it is about."""
        shown = Text.same(self.message if self.message is not None else "")
        if self.test and self.test not in shown.en:
            shown += Text(en=f" (during {self.test})", nb=f" (under {self.test})")
        if self.callbacks:
            shown += " — " + Text.join(", ", self.callbacks)
        return shown


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def checkpoint_ids(self) -> tuple[str, ...]: ...


R = TypeVar("R", bound=_Named)
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, the checkpoints it decides, what it checks, its code."""

    name: str
    checkpoint_ids: tuple[str, ...]
    description: str
    function: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return self.function(*args, **kwargs)


_BOOKS: dict[str, RuleBook[Any]] = {}


class RuleBook(Generic[R]):
    """Rules by name, in registration order; each rule's checkpoints must be in the checklist.

    ``title`` names the producer (``ledger``, ``observe``, ``receiver``): :func:`rule_books`
    lists every book made with one.
    """

    def __init__(self, title: str | None = None, *, noun: str = "rule") -> None:
        self._rules: dict[str, R] = {}
        self.title = title
        self.noun = noun
        if title is not None:
            _BOOKS[title] = self

    def add(self, rule: R) -> R:
        for checkpoint_id in rule.checkpoint_ids:
            lookup_checkpoint(checkpoint_id)  # a KeyError names the known ids
        if rule.name in self._rules:
            raise ValueError(f"a {self.noun} named {rule.name!r} is already registered")
        self._rules[rule.name] = rule
        return rule

    def __iter__(self) -> Iterator[R]:
        return iter(list(self._rules.values()))

    def __len__(self) -> int:
        return len(self._rules)

    def names(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def get(self, name: str) -> R:
        try:
            return self._rules[name]
        except KeyError:
            known = ", ".join(self._rules)
            raise KeyError(f"no {self.noun} {name!r}; known: {known}") from None

    def for_checkpoint(self, checkpoint_id: str) -> list[R]:
        """The rules that decide ``checkpoint_id``."""
        return [r for r in self._rules.values() if checkpoint_id in r.checkpoint_ids]


def rule(
    book: RuleBook[Rule], *checkpoint_ids: str, name: str | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: register ``function`` in ``book`` as a :class:`Rule` deciding
    ``checkpoint_ids`` (its name defaults to the function's, without a leading ``_``; its
    description is the docstring's first line).

    The findings it returns (one, or a list) that name no rule are stamped with its name.
    """

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        doc = (function.__doc__ or "").strip().splitlines()
        shown = name or function.__name__.lstrip("_")

        @functools.wraps(function)
        def stamped(*args: P.args, **kwargs: P.kwargs) -> T:
            said: Any = function(*args, **kwargs)
            if isinstance(said, Finding) and not said.rule:
                said = dataclasses.replace(said, rule=shown)
            elif isinstance(said, list):
                said = [
                    dataclasses.replace(f, rule=shown)
                    if isinstance(f, Finding) and not f.rule
                    else f
                    for f in said
                ]
            return cast(T, said)

        book.add(Rule(shown, tuple(checkpoint_ids), doc[0] if doc else "", stamped))
        return stamped

    return decorate


def rule_books() -> dict[str, RuleBook[Any]]:
    """Every titled rule book loaded so far (import the producer to load its book)."""
    return dict(_BOOKS)
