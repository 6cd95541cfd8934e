"""Rules about the system's answers to ePROM's callbacks: acknowledged (the one rule in
:mod:`eprom_verify.contract.callbacks`), in time, and what to change when not."""

from __future__ import annotations

from eprom_verify.contract.callbacks import (
    CALLBACK_PATHS,
    acknowledgement_problem,
)
from eprom_verify.wording import Text

from ..front import Exchange
from .reading import _text, answer_error


def answer_problem(exchange: Exchange, limit_s: float) -> Text | None:
    """Why the system's answer to a callback is no acknowledgement (nb: passive voice)."""
    if exchange.status is None:
        error = answer_error(exchange)
        return Text(en=f"got no answer: {error.en}", nb=f"ble ikke besvart: {error.nb}")
    refusal = acknowledgement_problem(exchange.status, _text(exchange))
    if refusal is not None:
        return refusal
    if exchange.duration_s > limit_s:
        took, limit = f"{exchange.duration_s:.2f} s", f"{limit_s:g} s"
        return Text(en=f"was answered after {took}, over the time limit of {limit}",
                    nb=f"ble besvart etter {took}, over tidsgrensen på {limit}")  # fmt: skip
    return None


def ack_expected(limit_s: float, *, again: bool = False) -> Text:
    """An acknowledgement in time (again: and nothing changed), as expected."""
    limit = f"{limit_s:g} s"
    shown = Text(en=f'2xx with {{"success": true}} within {limit}',
                 nb=f'2xx med {{"success": true}} innen {limit}')  # fmt: skip
    return shown + Text(en=", nothing changed", nb=", ingenting endret") if again else shown


def _ack_fix(problem: Text) -> Text:
    if "time limit" in problem.en:
        return Text(
            en="acknowledge first and do slow work afterwards (a queue or a background job)",
            nb="kvitter først og gjør det som tar tid, etterpå (en kø eller en bakgrunnsjobb)",
        )
    if "HTTP 404" in problem.en:
        paths = ", ".join(dict.fromkeys(CALLBACK_PATHS.values()))
        return Text(en=f"serve every callback path: {paths}",
                    nb=f"svar på alle stiene for tilbakekall: {paths}")  # fmt: skip
    return Text(en='answer 2xx with {"success": true} once the callback is stored',
                nb='svar 2xx med {"success": true} når tilbakekallet er lagret')  # fmt: skip
