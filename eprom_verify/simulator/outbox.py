"""Callback delivery from the persisted outbox: asynchronous, concurrent, retried, once.

A callback is a row in the store's ``outbox`` table before anything is sent, written in the
same transaction as the order (or letter) it is about. Each ordering system has its own
delivery lane — a queue and its own workers (``delivery_concurrency``, 64 by default) — that
PUT due rows to ``<callbackBaseUrl>/api/…`` over pooled keep-alive connections
(:mod:`.callback_http`). One system whose receiver hangs or is down holds only its own
lane's workers; every other system's callbacks go out as fast as ever.

* the receiver acknowledges with a 2xx answer whose JSON body says ``success: true``
  (``Success`` is accepted too); the row is then *delivered* and never sent again;
* anything else — refused connection, timeout, non-2xx, a body that is not JSON,
  ``success: false`` — is recorded as a failed attempt and retried after
  ``min(max, base · 2^(n-1))`` seconds, for as long as it takes;
* at start-up every row still pending is scheduled again, so a simulator killed with
  SIGKILL and restarted on the same file delivers what it owed.

Every PUT is journaled (the store's ``deliveries`` table) *before* it is sent and gets its
outcome after; a PUT that a crash cut off is marked ``unknown`` at the next start, and its
callback is sent again. So the journal holds every PUT a receiver can have received.

**Several worker processes** (``eprom-verify simulator --workers N``) share the store's file.
A row is sent only by the worker that claims it (:meth:`Store.hold_claim`, checked in the
transaction that journals the PUT): the worker that wrote it, while it renews its claims
(every third of the lease); when a worker dies its claims run out and another worker takes
the rows over (:meth:`Store.take_over`), marking its PUTs in flight ``unknown`` and sending
them again — the same at-least-once a restart after SIGKILL gives, never two workers
sending one row while both live.

The ordering system's key goes in when the row is sent (``apiKey`` in the body, or the
``Authorization`` header for privacy callbacks), so the outbox and its listing hold no key;
a receiver answer that echoes the key (in any encoding) is stored with the key redacted.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import time
from collections.abc import Callable
from typing import Any

from eprom_verify.contract import CallbackKind
from eprom_verify.contract.callbacks import CALLBACK_PATHS
from eprom_verify.contract.callbacks import acknowledgement_problem as judge_answer
from eprom_verify.redact import Redactor
from eprom_verify.simulator.callback_http import CallbackClient, CallbackHttpError
from eprom_verify.simulator.store import Store

__all__ = ["CALLBACK_PATHS", "FORGED_API_KEY", "UNKNOWN_OUTCOME", "Outbox", "judge_answer"]

#: The key a ``forge_key`` fault sends instead of the ordering system's own.
FORGED_API_KEY = "forged-key-from-eprom-verify-simulator"
_SNIPPET = 200


#: The journal's error for a PUT that was in flight when the simulator stopped.
UNKNOWN_OUTCOME = (
    "outcome unknown: the simulator stopped while this PUT was in flight; the callback is "
    "sent again"
)


#: The longest a form order waits for room in its system's delivery queue (seconds).
ROOM_WAIT_SECONDS = 1.0


class _Lane:
    """One ordering system's queue of due rows and the workers that empty it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.room = asyncio.Event()
        self.room.set()


class Outbox:
    """Delivers the store's pending callbacks. Start with :meth:`start` inside the event loop."""

    def __init__(
        self,
        store: Store,
        *,
        concurrency: int,
        retry_base_seconds: float,
        retry_max_seconds: float,
        timeout_seconds: float,
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._store = store
        self._concurrency = concurrency
        self._base = retry_base_seconds
        self._max = retry_max_seconds
        self._timeout = timeout_seconds
        self._on_error = on_error
        self._heap: list[tuple[float, int, str]] = []
        self._known: set[int] = set()
        self._lanes: dict[str, _Lane] = {}
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._client: CallbackClient | None = None
        self._redactors: dict[str, Redactor] = {}

    async def start(self) -> None:
        self._client = CallbackClient(timeout_seconds=self._timeout)
        # the only worker owns every pending row; one of several takes the unclaimed ones
        taken = self._store.take_over(UNKNOWN_OUTCOME, everything=not self._store.shared)
        for outbox_id, due_at, system in taken:
            self.schedule(outbox_id, due_at, system)
        self._dispatcher = asyncio.create_task(self._dispatch(), name="outbox-dispatch")
        if self._store.shared:
            self._leases = asyncio.create_task(self._keep_leases(), name="outbox-leases")

    async def stop(self) -> None:
        tasks = [task for lane in self._lanes.values() for task in lane.workers]
        if self._dispatcher is not None:
            tasks.append(self._dispatcher)
        if self._leases is not None:
            tasks.append(self._leases)
            self._leases = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._dispatcher = None
        self._lanes = {}
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def schedule(self, outbox_id: int, due_at: float, system: str | None = None) -> None:
        """Deliver row ``outbox_id`` at ``due_at`` (epoch seconds); already queued is a no-op.

        ``system`` picks the delivery lane; without it the row is read to find it.
        """
        if outbox_id in self._known:
            return
        if system is None:
            row = self._store.outbox_row(outbox_id)
            if row is None:
                return
            system = row.system
        self._known.add(outbox_id)
        if due_at <= time.time():
            self._lane(system).queue.put_nowait(outbox_id)
        else:
            heapq.heappush(self._heap, (due_at, outbox_id, system))
            self._wake.set()

    def forget(self) -> None:
        """Drop everything scheduled (after a reset deleted the rows)."""
        self._heap.clear()
        self._known.clear()
        for lane in self._lanes.values():
            while not lane.queue.empty():
                lane.queue.get_nowait()

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        """The dispatcher, then every lane's workers."""
        lanes = [task for lane in self._lanes.values() for task in lane.workers]
        leases = [self._leases] if self._leases is not None else []
        return ([self._dispatcher] if self._dispatcher is not None else []) + leases + lanes

    @property
    def running(self) -> bool:
        """The dispatcher and every lane's workers run (none ended or being cancelled)."""
        tasks = self.tasks
        return bool(tasks) and not any(task.done() or task.cancelling() for task in tasks)

    @property
    def scheduled(self) -> int:
        return len(self._known)

    def backlog(self, system: str) -> int:
        """Due callbacks of ``system`` waiting for a worker now."""
        lane = self._lanes.get(system)
        return lane.queue.qsize() if lane is not None else 0

    async def wait_for_room(self, system: str) -> bool:
        """Fair share for delivery: wait (at most :data:`ROOM_WAIT_SECONDS`) while
        ``system``'s due callbacks outnumber its workers; False when the wait ran out.

        Orders and their callbacks share one event loop. Without this, under a load that
        keeps every request handler busy the callbacks fall further and further behind the
        orders (seconds at 256 clients); with it a new order waits until its callback can
        go out soon after it. A lane whose receiver hangs holds an order at most the bound.
        """
        lane = self._lanes.get(system)
        if lane is None or lane.queue.qsize() < self._concurrency:
            return True
        lane.room.clear()
        try:
            await asyncio.wait_for(lane.room.wait(), ROOM_WAIT_SECONDS)
        except TimeoutError:
            return False
        return True

    def _lane(self, system: str) -> _Lane:
        lane = self._lanes.get(system)
        if lane is None:
            lane = self._lanes[system] = _Lane()
            lane.workers = [
                asyncio.create_task(self._work(lane), name=f"outbox-{system}-{n}")
                for n in range(self._concurrency)
            ]
        return lane

    async def _dispatch(self) -> None:
        while True:
            now = time.time()
            while self._heap and self._heap[0][0] <= now:
                _, outbox_id, system = heapq.heappop(self._heap)
                self._lane(system).queue.put_nowait(outbox_id)
            timeout = self._heap[0][0] - now if self._heap else None
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    async def _keep_leases(self) -> None:
        """Several workers: renew this worker's claims and take over the rows of a worker
        that stopped renewing (died), every third of the lease."""
        while True:
            await asyncio.sleep(self._store.lease_seconds / 3)
            try:
                self._store.renew_claims()
                for outbox_id, due_at, system in self._store.take_over(UNKNOWN_OUTCOME):
                    self.schedule(outbox_id, due_at, system)
            except Exception as exc:  # a bug (or the store gone): report, keep the lease
                self._on_error(exc)

    async def _work(self, lane: _Lane) -> None:
        while True:
            outbox_id = await lane.queue.get()
            if not lane.room.is_set() and lane.queue.qsize() < self._concurrency // 2:
                lane.room.set()
            try:
                next_due = await self._deliver(outbox_id)
            except Exception as exc:  # a bug: keep the worker alive, report it to the test
                self._on_error(exc)
                next_due = None
            self._known.discard(outbox_id)
            if next_due is not None:
                self.schedule(outbox_id, next_due)

    def _redactor(self, key: str) -> Redactor:
        redactor = self._redactors.get(key)
        if redactor is None:
            if len(self._redactors) > 1000:
                self._redactors.clear()
            redactor = self._redactors[key] = Redactor(secrets=[key], mask_national_ids=False)
        return redactor

    async def _deliver(self, outbox_id: int) -> float | None:
        """Send one row once; the time to try again, or None when nothing is left to send."""
        row = self._store.outbox_row(outbox_id)
        if row is None or row.state != "pending":
            return None
        system = self._store.system(row.system)
        if system is None:
            return await self._failed(
                outbox_id, row.attempts, None, None, f"ordering system {row.system!r} is gone"
            )
        key = FORGED_API_KEY if "forge_key" in row.faults else system.api_key
        url = system.callback_base_url + CallbackKind(row.kind).path
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if row.kind == "privacy":
            headers["Authorization"] = f"Basic {key}"
            content = row.body
        else:
            content = _with_key(row.body, key)
        if self._client is None:
            raise RuntimeError("Outbox.start() was not called before a delivery")
        # journaled and committed before the PUT leaves (one COMMIT for this loop turn's)
        with self._store.grouped() as committed:
            mine = self._store.hold_claim(outbox_id)  # another worker took it over: not ours
            delivery = self._store.begin_delivery(outbox_id, row.system) if mine else 0
        await committed
        if not mine:
            return None
        try:
            answer = await self._client.put(url, content.encode(), headers)
        except CallbackHttpError as exc:
            return await self._failed(outbox_id, row.attempts, None, None, str(exc), delivery)
        redactor = self._redactor(system.api_key)
        text = redactor.text(answer.text)
        refusal = judge_answer(answer.status, answer.text)
        if refusal is not None:
            problem = redactor.text(refusal.en)  # success: "<the key>" is shown in it
            return await self._failed(
                outbox_id, row.attempts, answer.status, text, problem, delivery
            )
        # Not awaited: this connection already reads the row as moved on (a copy sent
        # again sees it), and a crash before the commit leaves the PUT's journal entry
        # without an outcome — marked unknown and sent again at the next start, as a PUT
        # cut off in flight.
        with self._store.grouped():
            self._store.record_attempt(
                outbox_id,
                status=answer.status,
                body=text[:_SNIPPET],
                error=None,
                acknowledged=True,
                next_due=None,
                delivery_id=delivery,
            )
        return time.time() if row.copies_left > 1 else None

    async def _failed(
        self,
        outbox_id: int,
        attempts: int,
        status: int | None,
        text: str | None,
        problem: str,
        delivery: int | None = None,
    ) -> float:
        next_due = time.time() + retry_delay(attempts, self._base, self._max)
        with self._store.grouped():  # not awaited, as an acknowledgement's
            self._store.record_attempt(
                outbox_id,
                status=status,
                body=None if text is None else text[:_SNIPPET],
                error=problem,
                acknowledged=False,
                next_due=next_due,
                delivery_id=delivery,
            )
        return next_due


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds from a failed attempt to the next: ``base`` after the first failure, doubled
    for each earlier attempt of the row (``attempts``), never more than ``cap``."""
    return min(cap, base * 2.0 ** min(attempts, 40))


def _with_key(body: str, key: str) -> str:
    """``{"apiKey": key, …body's fields}`` as JSON text.

    The outbox's bodies are ``json.dumps`` output of an object without ``apiKey``, so the
    key is spliced in front of the first field (the same text as loading and dumping the
    whole body again, at a fraction of the cost); anything else takes the long way."""
    if body.startswith('{"') and '"apiKey"' not in body:
        return '{"apiKey": ' + json.dumps(key, ensure_ascii=False) + ", " + body[1:]
    data: dict[str, Any] = json.loads(body)
    return json.dumps({"apiKey": key, **data}, ensure_ascii=False)
