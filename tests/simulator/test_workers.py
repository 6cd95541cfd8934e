"""``eprom-verify simulator --workers N``: several processes, one port, one database.

* the claims, on two :class:`Store` objects sharing one file (no processes, no timing);
* every callback delivered exactly once by three workers under load (counted at a sink);
* a worker killed while its callbacks are pending or in flight: another takes them over
  after the lease and delivers each; every PUT the receiver got is in the journal;
* what one worker wrote, another reads: orders, faults, ordering systems, reset.

Workers are told apart by the health check (``worker``, ``pid``), asked on a kept-alive
connection that then sends the test's requests: the same connection, the same worker.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager, ExitStack, closing
from pathlib import Path

import httpx
import pytest

from eprom_verify._exceptions import UsageError
from eprom_verify.contract import CallbackKind
from eprom_verify.contract.callbacks import kind_of
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.outbox import UNKNOWN_OUTCOME
from eprom_verify.simulator.settings import resolve_service
from eprom_verify.simulator.store import Store

from .conftest import KEY, LOOPBACK, loopback_client, order_body
from .forked import ONE_SERVER, Forked
from .receiver import Received, Receiver, free_port
from .test_restart import simulator_process

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need os.fork")

ORDER = "/promswebapi/api/v2/formorder"


# --- the claims, without processes -----------------------------------------------------


def _row(store: Store, subject: str = "order-1") -> int:
    with store.transaction():
        return store.add_outbox(
            kind="status",
            subject_id=subject,
            system="s",
            body="{}",
            state="pending",
            due_at=0.0,
            copies=1,
            faults=[],
        )


def test_a_row_is_sent_only_by_the_worker_that_holds_its_claim(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    a = Store(db, worker="a", lease_seconds=60)
    b = Store(db, worker="b", lease_seconds=60)
    row = _row(a)
    with a.transaction():
        assert a.hold_claim(row), "the worker that wrote the row must hold it"
    with b.transaction():
        assert not b.hold_claim(row), "worker b sent a row worker a holds"
    assert b.take_over(UNKNOWN_OUTCOME) == [], "b took over a row whose lease runs"
    a.close()
    b.close()


def test_a_dead_workers_rows_are_taken_over_after_its_lease(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    dead = Store(db, worker="dead", lease_seconds=-1)  # its claims have already run out
    row = _row(dead)
    with dead.transaction():
        assert dead.hold_claim(row)
        dead.begin_delivery(row, "s")  # a PUT in flight when it died
    alive = Store(db, worker="alive", lease_seconds=60)
    taken = alive.take_over(UNKNOWN_OUTCOME)
    assert [t[0] for t in taken] == [row], f"expected row {row} taken over, got {taken}"
    outcomes = [d.outcome for d in alive.deliveries(outbox_ids=[row])]
    assert outcomes == ["unknown"], f"the dead worker's PUT in flight: {outcomes}"
    with dead.transaction():
        assert not dead.hold_claim(row), "the dead worker still sends a row taken over"
    with alive.transaction():
        assert alive.hold_claim(row)
    assert alive.take_over(UNKNOWN_OUTCOME) == [], "a row was taken over twice"
    dead.close()
    alive.close()


def test_a_renewed_claim_is_not_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    a = Store(db, worker="a", lease_seconds=-1)
    row = _row(a)
    a.lease_seconds = 60
    assert a.renew_claims() == 1, "the claim on the pending row was not renewed"
    b = Store(db, worker="b", lease_seconds=60)
    assert b.take_over(UNKNOWN_OUTCOME) == [], f"b took over row {row} a renews"
    a.close()
    b.close()


def test_an_order_another_worker_ended_is_not_ended_twice(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    a, b = Store(db, worker="a"), Store(db, worker="b")
    with a.transaction():
        a.add_order(
            id="o1", system="s", national_id="1", form_id="f", rule=0, channel=1,
            status="Ordered", must_be_signed=0, test_mode=0, dont_store=0, created_at=0.0,
        )  # fmt: skip
    with b.transaction():
        b.finish_order("o1", "Completed")  # b's patient answered first
    rows: list[int] = []

    def a_ends_it_too() -> None:  # a's sweeper, which read the order while it was Ordered
        with a.transaction():
            rows.append(_row(a, "o1"))  # its status callback …
            a.finish_order("o1", "Expired")  # … and the order's end

    with pytest.raises(Refusal) as refused:
        a_ends_it_too()
    [row] = rows
    assert refused.value.status == 409
    assert "Completed" in refused.value.text, refused.value.text
    assert a.order("o1").status == "Completed"  # type: ignore[union-attr]
    assert a.outbox_row(row) is None, "a's second status callback was kept"
    a.close()
    b.close()


def test_the_workers_option_is_checked() -> None:
    for value in ("0", "33", "many"):
        with pytest.raises(UsageError, match="workers|WORKERS") as caught:
            resolve_service({}, {"EPROM_SIM_WORKERS": value})
        assert "\n" not in str(caught.value)
    _, service = resolve_service({"workers": "3"}, {})
    assert service.workers == 3
    _, service = resolve_service({}, {})
    assert service.workers == 1


# --- processes --------------------------------------------------------------------------

#: a supervisor and two or three workers started, killed and restarted (forked from the
#: pre-imported server of forked.py, ``ONE_SERVER``), leases and settling waited out: 1-4 s a
#: test, left out by the quick loop as tests/simulator/test_restart.py is (docs/testing.md);
#: CI runs them
PROCESSES = pytest.mark.slow


def workers_process(
    port: int, db: Path, config: Path, workers: int
) -> AbstractContextManager[subprocess.Popen[bytes] | Forked]:
    """A supervisor and its workers, ended with SIGTERM (the supervisor ends its workers)."""
    return simulator_process(
        port, db, config, "--workers", str(workers), "--log-format", "off", stop=signal.SIGTERM
    )


def _config(folder: Path, receiver: Receiver, *, lease: float = 15, extra: str = "") -> Path:
    config = folder / "simulator.yaml"
    config.write_text(
        "orderingSystems:\n"
        f"  - {{name: w, apiKey: {KEY}, callbackBaseUrl: '{receiver.base_url}'}}\n"
        "retry: {baseSeconds: 0.05, maxSeconds: 0.2}\n"
        f"workerLeaseSeconds: {lease}\n" + extra,
        encoding="utf-8",
    )
    return config


def pinned_clients(root: str, count: int, stack: ExitStack) -> dict[str, tuple[httpx.Client, int]]:
    """One kept-alive client on each of ``count`` different workers: name → (client, pid)."""
    found: dict[str, tuple[httpx.Client, int]] = {}
    for _ in range(400):  # new connections until the kernel gave some to each worker
        client = stack.enter_context(
            loopback_client(base_url=root, headers={"Authorization": f"Basic {KEY}"}, timeout=30)
        )
        health = client.get("/_simulator/health").json()
        if health["worker"] not in found:
            found[health["worker"]] = (client, health["pid"])
        if len(found) == count:
            return found
    raise AssertionError(f"400 connections reached only the workers {sorted(found)}")


@PROCESSES
@ONE_SERVER
def test_three_workers_deliver_every_callback_exactly_once(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "sim.db"
    ids: list[str] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client_load(client: httpx.Client) -> None:
        for _ in range(40):
            answer = client.post(ORDER, json=order_body())
            if answer.status_code != 200:
                failures.append(f"{answer.status_code} {answer.text}")
                return
            with lock:
                ids.append(answer.json()["id"])

    with (
        Receiver() as receiver,
        workers_process(port, db, _config(tmp_path, receiver), workers=3),
        ExitStack() as stack,
    ):
        root = f"http://127.0.0.1:{port}"
        # two kept-alive clients on each worker: every worker takes orders and writes
        # callbacks, also when the kernel would have handed every connection to the first
        # worker up (a busy machine: CI saw one worker send all 240)
        clients = [pinned_clients(root, 3, stack) for _ in range(2)]
        threads = [
            threading.Thread(target=client_load, args=(client,))
            for pinned in clients
            for client, _pid in pinned.values()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        receiver.wait_for(len(ids), timeout=60)
        got = receiver.settle(0.5)  # a late duplicate would arrive now
    counts = Counter(r.body["formOrderId"] for r in got)
    twice = {order: n for order, n in counts.items() if n > 1}
    missing = set(ids) - set(counts)
    assert not twice, f"status callbacks delivered more than once (order: times): {twice}"
    assert not missing, f"{len(missing)} of {len(ids)} status callbacks never arrived"
    assert len(got) == len(ids) == 240
    with closing(sqlite3.connect(db)) as read:
        senders = {row[0] for row in read.execute("SELECT claimed_by FROM outbox")}
        puts = Counter(row[0] for row in read.execute("SELECT outbox_id FROM deliveries"))
    assert len(senders) >= 2, f"one worker sent every callback: {senders}"
    assert set(puts.values()) == {1}, "a callback was PUT more than once"


class _RefusingThenSlow(Receiver):
    """Refuses (503) while ``refusing`` is set; answers slowly, so PUTs are in flight."""

    refusing = True

    def answer_for(self, item: Received) -> tuple[int, str]:
        time.sleep(0.05)
        if self.refusing:
            return 503, '{"success": false}'
        return super().answer_for(item)


@PROCESSES
@ONE_SERVER
def test_a_killed_workers_callbacks_are_taken_over_and_delivered(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "sim.db"
    with (
        _RefusingThenSlow() as receiver,
        workers_process(port, db, _config(tmp_path, receiver, lease=1), workers=2),
        ExitStack() as stack,
    ):
        root = f"http://127.0.0.1:{port}"
        pinned = pinned_clients(root, 2, stack)
        (victim, (client, pid)), (survivor, _) = sorted(pinned.items())
        ids = [client.post(ORDER, json=order_body()).json()["id"] for _ in range(30)]
        receiver.wait_for(30, timeout=60)  # each refused at least once: pending, in flight
        os.kill(pid, signal.SIGKILL)
        receiver.refusing = False
        deadline = time.monotonic() + 60  # a bound for a loaded machine, not a timing
        while True:
            try:  # a connection the dying worker had accepted is reset: ask again
                rows = LOOPBACK.get(f"{root}/_simulator/outbox", params={"limit": 1000}).json()
            except httpx.TransportError:
                rows = []
            mine = [row for row in rows if row["subjectId"] in ids]
            if len(mine) == 30 and all(row["state"] == "delivered" for row in mine):
                break
            assert time.monotonic() < deadline, (
                f"not delivered 60 s after the kill: {Counter(r['state'] for r in mine)}"
            )
            time.sleep(0.1)
        got = receiver.settle(0.3)
    acknowledged = Counter(r.body["formOrderId"] for r in got if r.path.endswith("Order"))
    assert set(acknowledged) >= set(ids), "a status callback of the killed worker never arrived"
    for row in mine:
        outcomes = Counter(a["outcome"] for a in row["attempts"])
        assert outcomes["acknowledged"] == 1, f"{row['subjectId']}: {dict(outcomes)}"
    received = Counter(r.body["formOrderId"] for r in got)
    journaled = {
        row["subjectId"]: sum(
            a["outcome"] in {"acknowledged", "refused", "unknown"} for a in row["attempts"]
        )
        for row in mine
    }
    short = {o: (n, journaled[o]) for o, n in received.items() if o in ids and n > journaled[o]}
    assert not short, f"PUTs received but not journaled (order: received, journaled): {short}"
    with closing(sqlite3.connect(db)) as read:
        holders = {row[0] for row in read.execute("SELECT claimed_by FROM outbox")}
    assert victim not in holders, f"rows still held by the killed worker {victim}: {holders}"


@PROCESSES
@ONE_SERVER
def test_what_one_worker_writes_another_reads(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "sim.db"
    with (
        Receiver() as receiver,
        workers_process(port, db, _config(tmp_path, receiver), workers=2) as supervisor,
        ExitStack() as stack,
    ):
        (_, (a, pid_a)), (_, (b, pid_b)) = sorted(
            pinned_clients(f"http://127.0.0.1:{port}", 2, stack).items()
        )
        order = a.post(ORDER, json=order_body()).json()["id"]
        seen = b.get(f"/_simulator/orders/{order}")
        assert seen.status_code == 200, f"worker b cannot see worker a's order: {seen.text}"

        fault = a.post("/_simulator/faults", json={"type": "helsenorge_502", "times": 1})
        assert fault.status_code in (200, 201), fault.text
        assert [f["id"] for f in b.get("/_simulator/faults").json()] == [fault.json()["id"]]
        first, second = (b.post(ORDER, json=order_body()) for _ in range(2))
        assert (first.status_code, second.status_code) == (502, 200), (
            "a times: 1 fault added on worker a: expected b's next order 502, then 200; "
            f"got {first.status_code}, {second.status_code}"
        )
        assert a.get("/_simulator/faults").json() == [], "the used fault is still active on a"

        other = {
            "name": "other",
            "apiKey": "other-key-0123456789",
            "callbackBaseUrl": receiver.base_url,
        }
        assert b.post("/_simulator/ordering-systems", json=other).status_code in (200, 201)
        placed = a.post(
            ORDER, json=order_body(), headers={"Authorization": "Basic " + other["apiKey"]}
        )
        assert placed.status_code == 200, f"worker a does not know b's new system: {placed.text}"

        done = b.post(f"/_simulator/orders/{order}/complete")
        assert done.status_code == 200, done.text
        receiver.wait_for(4, timeout=30)  # 3 status callbacks and the answer

        assert a.post("/_simulator/reset").status_code == 200
        gone = b.get(f"/_simulator/orders/{order}")
        assert gone.status_code == 404, f"worker b still has the order after a's reset: {gone.text}"
    # SIGTERM to the supervisor (as docker stop): every worker ends, exit 0
    assert supervisor.returncode == 0, f"exit {supervisor.returncode} after SIGTERM"
    for pid in (pid_a, pid_b):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@PROCESSES
@ONE_SERVER
def test_one_answer_per_auto_completed_order_with_two_workers(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "sim.db"
    auto = "autoComplete: {afterSeconds: 0}\n"
    with (
        Receiver() as receiver,
        workers_process(port, db, _config(tmp_path, receiver, extra=auto), workers=2),
        loopback_client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Basic {KEY}"}
        ) as client,
    ):
        ids = [client.post(ORDER, json=order_body()).json()["id"] for _ in range(20)]
        receiver.wait_for(40, timeout=60)  # a status and an answer callback each
        got = receiver.settle(0.5)
    answers = Counter(
        r.body["formOrderId"] for r in got if kind_of(r.path, r.body) is CallbackKind.ANSWER
    )
    twice = {order: n for order, n in answers.items() if n > 1}
    assert not twice, f"orders answered more than once (two sweepers?): {twice}"
    assert set(answers) == set(ids), f"{len(set(ids) - set(answers))} orders never answered"


def test_the_container_lets_a_team_set_the_worker_count() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "Containerfile").read_text(encoding="utf-8")
    assert "EPROM_SIM_WORKERS=1" in text
    _, service = resolve_service({}, {"EPROM_SIM_WORKERS": "2"})
    assert service.workers == 2


class _Switch(Receiver):
    """Refuses (503) while ``refusing`` is set; counts the PUTs it accepted per order."""

    refusing = True

    def answer_for(self, item: Received) -> tuple[int, str]:
        if self.refusing:
            return 503, '{"success": false}'
        with self.lock:
            self.accepted.append(item.body["formOrderId"])
        return super().answer_for(item)


@PROCESSES
@ONE_SERVER
def test_three_workers_restarted_on_a_database_deliver_what_was_pending_once(
    tmp_path: Path,
) -> None:
    port, db = free_port(), tmp_path / "sim.db"
    with _Switch() as receiver:
        receiver.accepted = []  # type: ignore[attr-defined]
        config = _config(tmp_path, receiver)
        with workers_process(port, db, config, workers=1) as one:
            with loopback_client(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Basic {KEY}"}
            ) as client:
                ids = [client.post(ORDER, json=order_body()).json()["id"] for _ in range(30)]
            receiver.wait_for(30, timeout=60)  # each refused once at least: all pending
            os.kill(one.pid, signal.SIGKILL)
            one.wait(10)
        receiver.refusing = False
        with workers_process(port, db, config, workers=3):
            deadline = time.monotonic() + 60  # a bound for a loaded machine, not a timing
            while len(set(receiver.accepted)) < 30:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the pending callbacks were not delivered"
                time.sleep(0.05)
            receiver.settle(0.5)  # a second copy would arrive now
    accepted = Counter(receiver.accepted)  # type: ignore[attr-defined]
    assert set(accepted) == set(ids)
    twice = {order: n for order, n in accepted.items() if n > 1}
    assert not twice, f"three workers each sent what one had left pending: {twice}"
