"""Hypothesis strategies for ePROM payloads, built on the contract (``eprom_verify.contract``).

Every strategy is a plural noun for what it makes; bounds are keyword-only and checked at
once (an empty choice raises :class:`hypothesis.errors.InvalidArgument`, never a silent
no-op). Callbacks come out as :class:`GeneratedCallback`: the wire dict ePROM would ``PUT``
(``apiKey`` left as the docs' placeholder ``""``: the sender fills in its key), the kind (the
contract's :class:`~eprom_verify.contract.CallbackKind`), and the form its enum values were
written in. Every valid callback parses with the contract models, and writes each timestamp
only in the forms the docs show for that field; the receiver checks, the simulator and the
client share these strategies.

One topic per module: ``_profiles`` (``ci`` and ``deep``, see :func:`register_profiles`),
``_primitives`` (GUIDs, national IDs, timestamps, enum values, text, JSON), ``_form_data``,
``_timestamp_forms`` (the documented timestamp forms per callback field), ``_callbacks``
and ``_orders``.
"""

from __future__ import annotations

from eprom_verify.strategies._callbacks import (
    GeneratedCallback,
    answer_callbacks,
    callback_payloads,
    key_in_body,
    letter_callbacks,
    personvern_callbacks,
    status_callbacks,
)
from eprom_verify.strategies._form_data import form_data
from eprom_verify.strategies._orders import form_order_requests, form_orders
from eprom_verify.strategies._primitives import (
    enum_values,
    guids,
    json_values,
    national_ids,
    norwegian_texts,
    timestamps,
)
from eprom_verify.strategies._profiles import CI_PROFILE, DEEP_PROFILE, register_profiles
from eprom_verify.strategies._timestamp_forms import (
    DOCUMENTED_TIMESTAMPS,
    documented_timestamps,
    timestamps_like,
)

__all__ = [
    "CI_PROFILE",
    "DEEP_PROFILE",
    "DOCUMENTED_TIMESTAMPS",
    "GeneratedCallback",
    "answer_callbacks",
    "callback_payloads",
    "documented_timestamps",
    "enum_values",
    "form_data",
    "form_order_requests",
    "form_orders",
    "guids",
    "json_values",
    "key_in_body",
    "letter_callbacks",
    "national_ids",
    "norwegian_texts",
    "personvern_callbacks",
    "register_profiles",
    "status_callbacks",
    "timestamps",
    "timestamps_like",
]
