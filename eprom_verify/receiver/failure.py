"""The one failure type of the receiver checks.

``ReceiverCheckFailure`` hangs off the harness's ``CheckFailure(AssertionError)``: it says
what was expected and received at which endpoint, and carries the exact JSON that was sent
(shrunk by hypothesis to the smallest payload that still fails; the API key shown as
``«redacted»``) so a developer can replay it.

Its sentences (title, expected, received, note, hint) are ours, in both report languages
(:class:`~eprom_verify.wording.Text`); the payload and the receiver's answer are shown as
they were. ``str()`` is the English, for the terminal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eprom_verify._exceptions import CheckFailure
from eprom_verify.receiver.exchanges import CallbackExchange
from eprom_verify.wording import Text

__all__ = ["ReceiverCheckFailure", "ReceiverResponse", "received_of"]


@dataclass(frozen=True)
class ReceiverResponse:
    """What the receiver answered: status (None when it did not answer) and body."""

    status: int | None
    body: str


def _visible(text: str) -> str:
    """Invisible characters as JSON escapes, so a shrunk ``"\x80"`` does not look like ``""``."""
    return "".join(c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}" for c in text)


def _pretty(body: str) -> Text:
    try:
        return Text.same(_visible(json.dumps(json.loads(body), indent=2, ensure_ascii=False)))
    except (ValueError, RecursionError):
        if body:
            return Text.same(_visible(body))
        return Text(en="(empty body)", nb="(tomt innhold)")


def received_of(exchange: CallbackExchange) -> Text:
    """The answer as a person reads it (:meth:`CallbackExchange.received`): the receiver's
    status and body as they were, or *no answer* (ours) with the transport error."""
    if exchange.status is None:
        return Text(en=exchange.received(), nb=f"ikke noe svar ({exchange.error})")
    return Text.same(exchange.received())


def _parsed(payload: str | None) -> Any:
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


class ReceiverCheckFailure(CheckFailure):
    """A receiver check failed. ``payload`` is the JSON sent, ``response`` what came back.

    ``title``, ``hint`` and ``note`` hold the English (as the terminal shows them);
    ``title_text``, ``hint_text`` and ``note_text`` both languages.
    """

    def __init__(
        self,
        title: Text | str,
        *,
        check: str,
        expected: Text | str,
        exchange: CallbackExchange | None = None,
        received: Text | str | None = None,
        hint: Text | str = "",
        note: Text | str = "",
    ) -> None:
        self.title_text, self.hint_text, self.note_text = (
            Text.same(title),
            Text.same(hint),
            Text.same(note),
        )
        self.title, self.hint, self.note = self.title_text.en, self.hint_text.en, self.note_text.en
        self.check = check
        self.exchange = exchange
        self.endpoint = f"{exchange.method} {exchange.url}" if exchange else ""
        self.payload = exchange.request_body if exchange else None
        self.response = (
            ReceiverResponse(exchange.status, exchange.response_body) if exchange else None
        )
        expected_text = Text.same(expected)
        if received is not None:
            shown = Text.same(received)
        else:
            shown = received_of(exchange) if exchange else Text.same("")
        lines: list[Text] = [self.title_text.capitalized()]
        if self.endpoint:
            lines.append(Text(en="Endpoint: ", nb="Endepunkt: ") + self.endpoint)
        lines += [
            Text(en="Expected: ", nb="Forventet: ") + expected_text,
            Text(en="Received: ", nb="Mottatt: ") + shown,
        ]
        if self.note_text:
            lines.append(self.note_text)
        if exchange is not None:
            lines += [
                Text(
                    en="Payload sent (exact JSON; shrunk by hypothesis when generated; "
                    "the API key shows as «redacted»):",
                    nb="Innhold sendt (nøyaktig JSON; forenklet av hypothesis når det er "
                    "generert; API-nøkkelen vises som «redacted»):",
                ),
                _pretty(exchange.request_body),
            ]
        if self.hint_text:
            lines.append(Text(en="What to do: ", nb="Hva du bør gjøre: ") + self.hint_text)
        terminal = [f"{check}: {self.title}", *(line.en for line in lines[1:])]
        super().__init__(
            Text.join("\n", lines),
            expected=expected_text,
            # the receiver's answer as it was has no languages; "no answer (…)" has
            received=shown if shown.en != shown.nb else shown.en,
            callback=_parsed(self.payload),
            text="\n".join(terminal),
        )
        self.expected_text, self.received_text = expected_text, shown

    def with_note(self, note: Text | str) -> ReceiverCheckFailure:
        """A copy with an extra line of explanation (and without hypothesis' notes)."""
        return ReceiverCheckFailure(
            self.title_text,
            check=self.check,
            expected=self.expected_text,
            exchange=self.exchange,
            received=self.received_text,
            hint=self.hint_text,
            note=Text.join("\n", [n for n in (self.note_text, Text.same(note)) if n]),
        )
