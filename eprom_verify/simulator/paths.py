"""Case-insensitive API paths, and the QA/prod prefix ``/webapi`` as an alias.

ASP.NET routing ignores case and the docs write both ``/PromsWebApi/`` and ``/promswebapi/``
(and ``/api/v2/MessageToCitizen`` next to ``/api/v2/messagetocitizen``). This ASGI middleware
rewrites a request path under ``/promswebapi`` or ``/webapi`` (any case) to the canonical
spelling of the routes before routing; a trailing slash is dropped. Path parameters (a
signedFormId) pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ApiPathMiddleware", "canonical_segments", "normalise_path"]

_PREFIXES = {"promswebapi": "promswebapi", "webapi": "promswebapi"}


def canonical_segments(paths: Iterable[str]) -> dict[str, str]:
    """lower-case literal segment → its canonical spelling, from route path templates."""
    out: dict[str, str] = {}
    for path in paths:
        for segment in path.split("/"):
            if segment and not segment.startswith("{"):
                out[segment.lower()] = segment
    return out


def normalise_path(path: str, canonical: dict[str, str]) -> str:
    """The canonical spelling of an ePROM API path; other paths come back unchanged."""
    segments = path.split("/")
    if len(segments) < 2 or segments[1].lower() not in _PREFIXES:
        return path
    segments[1] = _PREFIXES[segments[1].lower()]
    fixed = [segments[0], segments[1]]
    fixed += [canonical.get(segment.lower(), segment) for segment in segments[2:]]
    while len(fixed) > 2 and fixed[-1] == "":
        fixed.pop()
    return "/".join(fixed)


class ApiPathMiddleware:
    """Rewrites ePROM API paths to their canonical spelling before routing."""

    def __init__(self, app: ASGIApp, *, canonical: dict[str, str]) -> None:
        self.app = app
        self.canonical = canonical
        self._seen: dict[str, str] = {}  # path as sent → canonical (a load repeats paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            fixed = self._seen.get(path)
            if fixed is None:
                if len(self._seen) >= 1024:  # ids in paths: keep it bounded
                    self._seen.clear()
                fixed = self._seen[path] = normalise_path(path, self.canonical)
            if fixed != path:
                scope = {**scope, "path": fixed, "raw_path": fixed.encode()}
        await self.app(scope, receive, send)
