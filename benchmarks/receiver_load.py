"""Measurement 3: how many callbacks per second the receiver check drives at a receiver.

The reference receiver (``python -m examples.reference_receiver``, SQLite file in a
temporary folder) runs in its own process. This process plays ePROM through the harness's
own code path — :meth:`eprom_verify.receiver.ReceiverTarget.deliver`, which builds the body,
puts the key in, PUTs it with httpx, redacts and records the exchange — from 1 or 32 threads
sharing one target (httpx's client is thread-safe). The bodies are the documented example
callbacks with a fresh id each, so every one is a first delivery the receiver stores.

Figures: callbacks/s, how many were acknowledged, the p50/p95 latency the harness itself
records (``Exchanges.latency_summary``), and CPU per callback on both sides. Its peer, right
after it at each level: the same callbacks (same paths, key, fresh ids) PUT by the raw-socket
client (:mod:`benchmarks.rawload`); ``ratio_harness_to_raw`` is the harness's rate ÷ that.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eprom_verify.contract import CallbackKind
from eprom_verify.receiver import ReceiverTarget, documented_callbacks
from eprom_verify.strategies import key_in_body

from .procs import Server, cpu_seconds, python_command
from .rawload import build_request, drive_raw
from .sink import run_fast
from .stats import rounded

__all__ = ["measure_receiver", "reference_receiver"]

_READY = r"Uvicorn running on http://127\.0\.0\.1:(?P<port>\d+)"
_SUBJECT = {
    CallbackKind.STATUS: "formOrderId",
    CallbackKind.ANSWER: "formOrderId",
    CallbackKind.LETTER: "messageToCitizenId",
    CallbackKind.PRIVACY: "nationalId",
}


@contextmanager
def reference_receiver(folder: Path, api_key: str) -> Iterator[Server]:
    """The reference receiver on a free port; the key goes in through its env variable."""
    command = python_command(
        "examples.reference_receiver", "--port", "0", "--db", str(folder / "receiver.sqlite3")
    )
    with Server(
        command, ready=_READY, name="reference receiver", env={"EPROM_RECEIVER_API_KEY": api_key}
    ) as server:
        yield server


def _bodies() -> list[tuple[CallbackKind, dict[str, Any]]]:
    return [(c.kind, c.body) for c in documented_callbacks()]


def _fresh(kind: CallbackKind, body: dict[str, Any], index: int) -> dict[str, Any]:
    field = _SUBJECT[kind]
    value = f"{index % 10**11:011d}" if field == "nationalId" else str(uuid.uuid4())
    return {**body, field: value}


def _drive(
    target: ReceiverTarget, *, concurrency: int, max_callbacks: int, max_seconds: float
) -> tuple[int, float]:
    """Deliver up to ``max_callbacks`` from ``concurrency`` threads; (sent, seconds)."""
    bodies = _bodies()
    counter = iter(range(max_callbacks))
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    sent = 0

    def worker() -> None:
        nonlocal sent
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            kind, body = bodies[index % len(bodies)]
            target.deliver(
                kind, _fresh(kind, body, index), recorder=target.exchanges, check="benchmark"
            )
            with lock:
                sent += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench-put") as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return sent, time.monotonic() - started


def _one_level(
    receiver: Server,
    api_key: str,
    *,
    concurrency: int,
    max_callbacks: int,
    max_seconds: float,
    warmup: int = 20,
) -> dict[str, Any]:
    with ReceiverTarget(receiver.root_url, api_key, timeout_s=10.0) as target:
        _drive(target, concurrency=concurrency, max_callbacks=warmup, max_seconds=5)  # warm-up
        target.exchanges.clear()
        own, theirs = cpu_seconds(os.getpid()), cpu_seconds(receiver.pid)
        sent, seconds = _drive(
            target, concurrency=concurrency, max_callbacks=max_callbacks, max_seconds=max_seconds
        )
        own, theirs = cpu_seconds(os.getpid()) - own, cpu_seconds(receiver.pid) - theirs
        exchanges = target.exchanges.snapshot()
        latency = target.exchanges.latency_summary()
    acknowledged = sum(1 for e in exchanges if e.acknowledged)
    first_refusal = next((e.received() for e in exchanges if not e.acknowledged), None)
    return {
        "concurrency": concurrency,
        "callbacks": sent,
        "acknowledged": acknowledged,
        "first_refusal": first_refusal,
        "seconds": rounded(seconds, 3),
        "callbacks_per_s": rounded(sent / max(seconds, 1e-9), 1),
        "latency_ms": {
            "p50": rounded(latency.p50_s * 1000),
            "p95": rounded(latency.p95_s * 1000),
            "max": rounded(latency.max_s * 1000),
        },
        "harness_cpu_ms_per_callback": rounded(own * 1000 / max(sent, 1), 3),
        "receiver_cpu_ms_per_callback": rounded(theirs * 1000 / max(sent, 1), 3),
        "receiver_cpu_share": rounded(theirs / max(seconds, 1e-9)),
    }


def _raw_level(
    receiver: Server,
    api_key: str,
    *,
    concurrency: int,
    max_callbacks: int,
    max_seconds: float,
    warmup: int = 20,
) -> dict[str, Any]:
    """The peer: the same callbacks PUT by the raw-socket client (no redaction, no record)."""
    bodies = _bodies()

    def request(index: int) -> bytes:
        kind, body = bodies[index % len(bodies)]
        sent = _fresh(kind, body, index)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if key_in_body(kind):
            sent["apiKey"] = api_key  # as ReceiverTarget puts it in (the examples hold one)
        else:
            headers["Authorization"] = f"Basic {api_key}"
        content = json.dumps(sent, ensure_ascii=False).encode()
        return build_request(receiver.root_url + kind.path, content, headers, method="PUT")

    def drive(count: int, seconds: float) -> list[Any]:
        return list(
            run_fast(
                drive_raw(
                    receiver.root_url, body=lambda _i: b"", headers={}, concurrency=concurrency,
                    max_requests=count, max_seconds=seconds, raw=request,
                )
            )
        )  # fmt: skip

    drive(warmup, 5)  # warm-up
    own, theirs = cpu_seconds(os.getpid()), cpu_seconds(receiver.pid)
    sent = drive(max_callbacks, max_seconds)
    own, theirs = cpu_seconds(os.getpid()) - own, cpu_seconds(receiver.pid) - theirs
    ok = [s for s in sent if s.status is not None and 200 <= s.status < 300]
    seconds = max(s.finished for s in sent) - sent[0].started if sent else 0.0
    return {
        "callbacks": len(sent),
        "answered_2xx": len(ok),
        "callbacks_per_s": rounded(len(ok) / max(seconds, 1e-9), 1),
        "client_cpu_ms_per_callback": rounded(own * 1000 / max(len(sent), 1), 3),
        "receiver_cpu_ms_per_callback": rounded(theirs * 1000 / max(len(sent), 1), 3),
    }


def measure_receiver(
    folder: Path,
    *,
    concurrencies: tuple[int, ...],
    max_callbacks: int,
    max_seconds: float,
    warmup: int = 20,
) -> list[dict[str, Any]]:
    """Callbacks/s and latency at each concurrency against one reference receiver process."""
    api_key = f"bench-{secrets.token_urlsafe(24)}"
    levels = []
    with reference_receiver(folder, api_key) as receiver:
        for n in concurrencies:
            bounds = {
                "concurrency": n,
                "max_callbacks": max_callbacks,
                "max_seconds": max_seconds,
                "warmup": warmup,
            }
            level = _one_level(receiver, api_key, **bounds)  # type: ignore[arg-type]
            raw = _raw_level(receiver, api_key, **bounds)  # type: ignore[arg-type]
            level["raw_client"] = raw
            level["ratio_harness_to_raw"] = (
                rounded(level["callbacks_per_s"] / raw["callbacks_per_s"], 3)
                if raw["callbacks_per_s"]
                else None
            )
            levels.append(level)
    return levels
