"""One exception tree for the harness, drawn whole (the classes defined elsewhere too).

::

    EpromVerifyError                 base of everything the harness raises on purpose
    ├── UsageError                   a bad option, file or refused environment (exit 2)
    │   ├── PortInUse                a port the run must listen on is taken
    │   ├── config.ConfigError       a bad YAML file: ``file:line: field: problem — hint``
    │   ├── report.attest.AttestationError    a bad attestation file
    │   ├── report.render.ReportError         a report folder that cannot be rendered
    │   └── report.pdf.ChromiumNotFound       ``--pdf`` without a browser
    ├── ApiError                     ePROM (or the simulator) answered an error status
    │   └── TransportError           … or did not answer at all (refused, reset, timed out)
    ├── ListenerError                the callback listener cannot start or serve
    ├── CallbackTimeout              an awaited callback did not come in time
    ├── AttestationMissing           a check only a person can make has no attestation yet
    ├── PrerequisiteMissing          a check cannot run: what it depends on failed or is absent
    ├── national_id.InvalidNationalId     not a national ID (also a ValueError)
    └── simulator.SimulatorError     the simulator failed inside its thread

    CheckFailure(AssertionError)     a check failed: expected vs received, which order,
    │                                which callback — what the report prints
    └── receiver.ReceiverCheckFailure     … of the callback service under test (R1–R5)

Inside the simulator, not raised to users: ``simulator.Refusal`` (ePROM's documented
refusal, turned into the HTTP answer) and ``CallbackHttpError`` (one delivery failed; the
outbox retries). ``AttestationMissing``/``PrerequisiteMissing`` become the typed pytest
outcomes ``NeedsAttestation``/``NotRun`` (:mod:`eprom_verify.pytest.outcomes`).
Nothing here ever holds an API key: :class:`ApiError` redacts it from the server's text.
"""

from __future__ import annotations

from typing import Any

from eprom_verify.wording import Text, texts_of

__all__ = [
    "ApiError",
    "AttestationMissing",
    "CallbackTimeout",
    "CheckFailure",
    "EpromVerifyError",
    "ListenerError",
    "PortInUse",
    "PrerequisiteMissing",
    "TransportError",
    "UsageError",
]


class EpromVerifyError(Exception):
    """Base of every error the harness raises on purpose."""


class UsageError(EpromVerifyError):
    """A bad option, file or environment: one line for the user, exit code 2."""


class PortInUse(UsageError):
    """A port the run must listen on (callback listener, simulator) is taken."""


class ListenerError(EpromVerifyError):
    """The callback listener could not start or serve."""


class ApiError(EpromVerifyError):
    """ePROM answered with an error status. ``text`` is the server's message."""

    def __init__(self, *, method: str, url: str, status: int, text: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.text = text
        super().__init__(f"{method} {url} answered {status}: {text}")

    @property
    def transport(self) -> bool:
        """True when no HTTP answer came at all (see :class:`TransportError`)."""
        return False


class TransportError(ApiError):
    """No HTTP answer: the connection was refused, reset or timed out (``status`` 0).

    For an order this means the order may or may not exist: the harness never retries a
    request that might have reached ePROM.
    """

    def __init__(self, *, method: str, url: str, text: str) -> None:
        super().__init__(method=method, url=url, status=0, text=text)
        self.args = (f"{method} {url}: no answer: {text}",)

    @property
    def transport(self) -> bool:
        return True


class CallbackTimeout(EpromVerifyError):
    """An awaited callback did not arrive within the timeout."""

    def __init__(self, what: str, *, timeout_s: float) -> None:
        self.what = what
        self.timeout_s = timeout_s
        super().__init__(f"no {what} within {timeout_s:g} s")


class AttestationMissing(EpromVerifyError):
    """Only a person can make this check, and nobody has attested it (yet)."""

    def __init__(self, checkpoint_id: str, question: str | Text) -> None:
        self.checkpoint_id = checkpoint_id
        self.question = question
        super().__init__(Text.same(question).en)


class PrerequisiteMissing(EpromVerifyError):
    """The check cannot run: something it depends on failed (and is reported there)."""

    def __init__(self, reason: str | Text) -> None:
        self.reason = reason
        super().__init__(Text.same(reason).en)


class CheckFailure(AssertionError):
    """A failed check, with what a reviewer needs to understand it.

    ``message``, ``expected`` and ``received`` may be :class:`~eprom_verify.wording.Text`
    (ours, in both report languages); the attributes hold the English (what the terminal
    shows) and ``messages`` / ``expected_texts`` / ``received_texts`` every language.
    """

    def __init__(
        self,
        message: str | Text,
        *,
        expected: Any = None,
        received: Any = None,
        order_id: str | None = None,
        callback: Any = None,
        text: str | None = None,
    ) -> None:
        """``text``, when given, is the whole ``str()`` (a subclass that renders its own)."""
        self.message: str = message.en if isinstance(message, Text) else message
        self.messages = message.by_language() if isinstance(message, Text) else {}
        self.expected, self.expected_texts = texts_of(expected)
        self.received, self.received_texts = texts_of(received)
        self.order_id = order_id
        self.callback = callback
        if text is not None:
            super().__init__(text)
            return
        expected, received = self.expected, self.received
        parts = [self.message]
        if expected is not None or received is not None:
            parts.append(f"expected: {expected!r}")
            parts.append(f"received: {received!r}")
        if callback is not None:
            import json

            shown = (
                callback
                if isinstance(callback, str)
                else json.dumps(callback, indent=2, ensure_ascii=False)
            )
            parts.append(f"callback JSON:\n{shown}")
        super().__init__("\n".join(parts))
