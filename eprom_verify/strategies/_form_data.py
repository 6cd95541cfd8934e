"""``formData``: the answer's JSON object carried as a string, after a form's fields or free."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from eprom_verify.config import FormField
from eprom_verify.strategies._primitives import (
    field_names,
    json_values,
    nonempty,
    norwegian_texts,
    optional,
    present,
)

__all__ = ["form_data"]


def _field_value(spec: FormField) -> st.SearchStrategy[Any]:
    kind = spec.type
    if kind == "choice":
        options = list(spec.options or [])
        return st.sampled_from(options) if options else st.none()
    if kind == "text":
        return norwegian_texts(max_size=spec.max_length or 2000)
    if kind == "integer":
        return st.integers(spec.minimum, spec.maximum)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat)
    raise InvalidArgument(
        f"field {spec.name!r} has type {kind!r}; known: choice, text, integer, boolean, date"
    )


def form_data(*, fields: Sequence[FormField] | None = None) -> st.SearchStrategy[str]:
    """``formData``: a string holding a JSON object of field name → value.

    With ``fields`` (a form's fields from forms.yaml) each field is answered with a value of
    its type, ``null`` or left out; without, any field names (many, Norwegian) and any JSON
    values. The inner JSON is written with raw UTF-8 or ``\\u`` escapes, as .NET may do.
    """
    if fields is not None:
        specs = nonempty("fields", fields, "form.fields")
        members = {
            spec.name: optional(_field_value(spec), absent=True, null=True) for spec in specs
        }
        objects: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(members).map(present)
    else:
        values = st.one_of(norwegian_texts(max_size=300), json_values(max_leaves=4))
        objects = st.dictionaries(field_names(), values, max_size=60)
    escaped = st.sampled_from([False, False, True])  # mostly raw UTF-8, as .NET writes it
    return st.tuples(objects, escaped).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1], separators=(",", ":"))
    )
