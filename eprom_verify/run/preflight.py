"""Pre-flight: what must hold before anything is ordered, each failure one line (exit 2).

Run by ``eprom-verify run`` against a real ePROM (or any ``--base-url`` server) and by
``check-receiver`` before pytest starts, so an unreachable server, a refused key or a
callback address ePROM can never reach ends the run at once instead of failing every
order one by one and then waiting for callbacks that cannot come.

* :func:`check_callback_address` — for an environment that calls back over the network
  (test, qa), the ``ApiBaseUrl`` must not be a loopback address.
* :func:`check_eprom` — ePROM answers, and accepts the key: one harmless, read-only,
  authenticated call (read a test person's privacy setting, contract §3.6; a ``401`` is
  the documented "Feil i ApiKey").
* :func:`check_receiver` — the callback service under test accepts a TCP connection.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from eprom_verify._exceptions import UsageError
from eprom_verify.config.settings import RunSettings

__all__ = ["PREFLIGHT_TIMEOUT_S", "check_callback_address", "check_eprom", "check_receiver"]

#: Seconds each pre-flight request may take; a closed port answers at once, a dropped
#: packet costs this long, so a bad address ends the run well within 15 s.
PREFLIGHT_TIMEOUT_S = 5.0


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (names other than localhost: False)."""
    name = host.strip("[]").lower()
    if name in ("localhost", "localhost.localdomain") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_callback_address(settings: RunSettings, *, remote_env: bool) -> None:
    """ePROM in test/qa calls back over the network: a loopback ApiBaseUrl cannot work."""
    if not remote_env:
        return
    public = settings.callback_public_url
    if public is None:
        if is_loopback(settings.listen_host):
            raise UsageError(
                f"--env {settings.env}: ePROM cannot reach a callback listener on "
                f"{settings.listen_host} (loopback); give --callback-public-url URL (the "
                "ApiBaseUrl registered at Hemit, e.g. a tunnel) or --callback-listen on a "
                "public address"
            )
        return
    host = urlsplit(public).hostname or ""
    if is_loopback(host):
        raise UsageError(
            f"--callback-public-url {public}: a loopback address; ePROM in {settings.env} "
            "cannot call it — give the public ApiBaseUrl registered at Hemit"
        )


def check_eprom(
    base_url: str,
    api_key: str,
    *,
    national_id: str | None,
    pvk: tuple[str, str] | None,
    timeout_s: float = PREFLIGHT_TIMEOUT_S,
) -> None:
    """ePROM answers at ``base_url`` and does not refuse ``api_key``.

    ``pvk`` is (pvkId, type) of a privacy-setting definition and ``national_id`` a test
    person of the environment; without them the call still proves reachability and the
    key (ePROM checks the key before the body).
    """
    body = {
        "nationalId": national_id or "",
        "type": pvk[1] if pvk else "",
        "pvkId": pvk[0] if pvk else "",
    }
    url = base_url.rstrip("/") + "/api/v2/getpersonverninnstilling"
    try:
        response = httpx.post(
            url,
            json=body,
            headers={"Authorization": "Basic " + api_key},
            timeout=timeout_s,
        )
    except httpx.TimeoutException:
        raise UsageError(
            f"pre-flight: ePROM at {base_url} did not answer within {timeout_s:g} s — "
            "check --base-url/--env and that this machine can reach it"
        ) from None
    except httpx.HTTPError as exc:
        raise UsageError(
            f"pre-flight: cannot reach ePROM at {base_url} ({_reason(exc)}) — check "
            "--base-url/--env and that this machine can reach it"
        ) from None
    if response.status_code == 401:
        raise UsageError(
            f"pre-flight: ePROM at {base_url} refused the API key (401, 'Feil i ApiKey') — "
            "check EPROM_API_KEY for this environment"
        )
    if response.status_code == 404:
        raise UsageError(
            f"pre-flight: {url} answered 404 — is {base_url} ePROM's API base URL "
            "(promsApiBaseUrl, ending in /webapi or /promswebapi)?"
        )


def check_receiver(receiver_url: str, *, timeout_s: float = PREFLIGHT_TIMEOUT_S) -> None:
    """The callback service under test accepts a connection at ``receiver_url``."""
    parts = urlsplit(receiver_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(
            f"pre-flight: nothing answers at {receiver_url} ({host}:{port}: {reason}) — "
            "start your callback service, or check --receiver-url"
        ) from None


def _reason(exc: httpx.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(cause or exc) or type(exc).__name__
    return text.splitlines()[0][:160]
