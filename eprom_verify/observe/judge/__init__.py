"""The judge: Hemit's checklist, per scenario step, from what the system sent and answered.

Input: the scenario, every recorded exchange (the system's requests toward ePROM, the
callbacks delivered to it and its answers, the redeliveries) and the API key (to compare
the Authorization header; it never appears in a finding). Output: one :class:`Finding` per
check and step, each mapped to checkpoint ids, with expected vs received and what to
change in the system. Pure: no I/O, so every check is tested with recorded exchanges.

Checks, per step (see docs/observe.md for the table):

* ``request`` — path, method, key (``Authorization: Basic <raw key>``, or ``apiKey`` in the
  body for SMS/e-mail), body valid against the contract, and ePROM's answer;
* ``no-duplicate`` — the step was performed once (V1.4 and the step's area);
* ``status-callback`` / ``answer-callback`` / ``letter-callback`` — every delivery answered
  2xx with ``success: true`` within the time limit;
* ``channel`` — the status (letter) callback reports the expected channel and status;
* ``redelivery`` — the redelivered callback is acknowledged again, and no new order follows;
* ``signed-document`` — after a signed answer the system downloads the signed document.

Split by concern (``eprom_verify.observe.judge`` keeps its public names):

* :mod:`.reading` — which path and callback an exchange is, its JSON, matching a step;
* :mod:`.request_rules` — the system's requests: method, key, body, ePROM's answer;
* :mod:`.callback_rules` — the system's answers to callbacks: acknowledged, in time;
* :mod:`.attested` — what only a tester can check;
* :mod:`.steps` — :class:`Judge`: which rules a step gets, registered in
  :data:`OBSERVE_RULES` (a :class:`~eprom_verify.findings.RuleBook`).
"""

from __future__ import annotations

from eprom_verify.findings import Finding

from .attested import ATTESTED
from .reading import answer_error, api_path, callback_kind, callback_words
from .steps import OBSERVE_RULES, Judge

__all__ = [
    "ATTESTED",
    "OBSERVE_RULES",
    "Finding",
    "Judge",
    "api_path",
    "answer_error",
    "callback_kind",
    "callback_words",
]
