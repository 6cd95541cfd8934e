"""Validation errors as one line a person reads (never FastAPI's 422 JSON)."""

from __future__ import annotations

from typing import Any

__all__ = ["one_line"]


def one_line(errors: Any) -> str:
    """Pydantic/FastAPI validation errors as one line a person reads."""
    parts: list[str] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        kind = error.get("type", "")
        if kind == "json_invalid":
            detail = error.get("ctx", {}).get("error", error.get("msg", ""))
            return f"the request body is not valid JSON: {detail}"
        if kind == "missing" and not loc:
            return "the request body is missing: send a JSON object"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc) or 'body'}: {message}")
    return "; ".join(parts) or "the request is not valid"
