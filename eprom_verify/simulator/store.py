"""Everything the simulator keeps, in one SQLite file (WAL, ``synchronous=NORMAL``).

Ordering systems, orders, letters, SMS/e-mails, privacy settings, signed documents, stored
copies and the callback outbox with every delivery attempt. Orders live here, not in Python
objects, so memory does not grow with the number of orders, and a simulator killed with
SIGKILL and restarted on the same file still has every pending callback.

One connection, used from the event loop's thread only; a committed write survives a
process crash (WAL), a power cut may lose the last ones (``synchronous=NORMAL``).

**Shared by worker processes** (``Store(path, worker="w1")``, ``eprom-verify simulator
--workers N``): every worker opens the same file. Transactions then begin ``IMMEDIATE``
(the write lock is taken at ``BEGIN`` and waited for, up to :data:`BUSY_TIMEOUT_MS`, instead
of failing on a stale snapshot; a group holds the write lock until the end of its loop turn
— committing each unit alone cost 0.3–0.4 ms more CPU per order), the ordering systems' cache is checked against a version
the writer bumps, and each pending callback is *claimed* by one worker (``claimed_by``,
``claimed_until``): the worker that wrote it holds the claim and renews it while it lives
(:meth:`Store.renew_claims`); a claim that ran out is taken over by another worker
(:meth:`Store.take_over`), which marks the dead worker's PUTs in flight ``unknown`` and
sends them again. A worker sends a PUT only while it still holds the row's claim, checked
in the transaction that journals the PUT (:meth:`Store.hold_claim`).

**Group commit.** The hot paths — a form order, the delivery journal's entry before a PUT and
the attempt after it — write in :meth:`Store.grouped` units: every unit started in one turn
of the event loop shares one transaction (each in its own ``SAVEPOINT``, so a unit that
fails rolls back alone), committed at the end of that turn; each unit's caller awaits that
commit before it answers the client or sends the PUT. So nothing is answered or sent before
it is committed, as before, but one ``COMMIT`` serves many orders. A plain
:meth:`Store.transaction` commits an open group first.

One topic, the SQLite store, so it is long.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "AttemptRow",
    "DeliveryRow",
    "LetterRow",
    "OrderRow",
    "OutboxRow",
    "PersonvernRow",
    "Store",
    "SystemRow",
    "stored_key",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ordering_systems (
    name TEXT PRIMARY KEY, api_key TEXT NOT NULL UNIQUE, callback_base_url TEXT NOT NULL,
    position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, system TEXT NOT NULL, national_id TEXT NOT NULL, on_behalf_of TEXT,
    form_id TEXT NOT NULL, rule INTEGER NOT NULL, channel INTEGER NOT NULL,
    status TEXT NOT NULL, must_be_signed INTEGER NOT NULL, test_mode INTEGER NOT NULL,
    dont_store INTEGER NOT NULL, patient_initiated INTEGER NOT NULL DEFAULT 0,
    metadata TEXT, single_use_code TEXT, signing_text TEXT, expiry_at REAL,
    auto_complete_at REAL, created_at REAL NOT NULL, finished_at REAL,
    signed_form_id TEXT, scanned_paper_id TEXT);
CREATE INDEX IF NOT EXISTS orders_recipient ON orders(national_id);
CREATE INDEX IF NOT EXISTS orders_expiry ON orders(expiry_at) WHERE status = 'Ordered';
CREATE INDEX IF NOT EXISTS orders_auto ON orders(auto_complete_at) WHERE status = 'Ordered';
CREATE TABLE IF NOT EXISTS letters (
    id TEXT PRIMARY KEY, system TEXT NOT NULL, national_id TEXT NOT NULL,
    channel INTEGER NOT NULL, sent_status TEXT NOT NULL, title TEXT, sender TEXT,
    documents TEXT NOT NULL, test_mode INTEGER NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS letters_recipient ON letters(national_id);
CREATE TABLE IF NOT EXISTS unsecure_messages (
    id INTEGER PRIMARY KEY, system TEXT NOT NULL, kind TEXT NOT NULL, national_id TEXT,
    address TEXT, title TEXT, text TEXT, success INTEGER NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS personvern (
    national_id TEXT NOT NULL, pvk_id TEXT NOT NULL, status INTEGER NOT NULL,
    sequence_number INTEGER NOT NULL, created_at TEXT NOT NULL, last_changed_at TEXT NOT NULL,
    PRIMARY KEY (national_id, pvk_id));
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, system TEXT NOT NULL,
    content BLOB NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stored_copies (
    order_id TEXT NOT NULL, national_id TEXT NOT NULL, form_id TEXT NOT NULL,
    title TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS stored_copies_owner ON stored_copies(national_id);
CREATE TABLE IF NOT EXISTS letter_texts (
    letter_id TEXT PRIMARY KEY, description TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, subject_id TEXT NOT NULL,
    system TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL, due_at REAL NOT NULL,
    copies_left INTEGER NOT NULL, faults TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL, delivered_at REAL);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_subject ON outbox(subject_id);
CREATE TABLE IF NOT EXISTS attempts (
    outbox_id INTEGER NOT NULL, at REAL NOT NULL, status INTEGER, body TEXT, error TEXT,
    acknowledged INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_outbox ON attempts(outbox_id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, outbox_id INTEGER NOT NULL, system TEXT NOT NULL,
    started_at REAL NOT NULL, finished_at REAL, outcome TEXT, status INTEGER, body TEXT,
    error TEXT);
CREATE INDEX IF NOT EXISTS deliveries_outbox ON deliveries(outbox_id);
CREATE TABLE IF NOT EXISTS versions (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS shared_faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, fault TEXT NOT NULL, remaining INTEGER,
    fired INTEGER NOT NULL DEFAULT 0);
"""

#: Columns added after the first release: ``ALTER TABLE`` on a database an older
#: simulator made (its ``CREATE TABLE IF NOT EXISTS`` keeps the old columns).
_ADDED_COLUMNS = (
    ("outbox", "claimed_by", "TEXT"),
    ("outbox", "claimed_until", "REAL"),
)

#: How long a worker waits for another worker's write lock before giving up (ms).
BUSY_TIMEOUT_MS = 10_000

_RESET_TABLES = (
    "orders",
    "letters",
    "unsecure_messages",
    "personvern",
    "documents",
    "stored_copies",
    "letter_texts",
    "outbox",
    "attempts",
    "deliveries",
)


@dataclass(frozen=True)
class SystemRow:
    name: str
    api_key: str
    callback_base_url: str

    def __repr__(self) -> str:
        return f"SystemRow(name={self.name!r}, callback_base_url={self.callback_base_url!r})"


@dataclass(frozen=True)
class OrderRow:
    id: str
    system: str
    national_id: str
    on_behalf_of: str | None
    form_id: str
    rule: int
    channel: int
    status: str
    must_be_signed: bool
    test_mode: bool
    dont_store: bool
    patient_initiated: bool
    metadata: str | None
    single_use_code: str | None
    signing_text: str | None
    expiry_at: float | None
    auto_complete_at: float | None
    created_at: float
    finished_at: float | None
    signed_form_id: str | None
    scanned_paper_id: str | None


@dataclass(frozen=True)
class LetterRow:
    id: str
    system: str
    national_id: str
    channel: int
    sent_status: str
    title: str | None
    sender: str | None
    documents: list[dict[str, Any]]
    test_mode: bool
    created_at: float


@dataclass(frozen=True)
class PersonvernRow:
    national_id: str
    pvk_id: str
    status: int
    sequence_number: int
    created_at: str
    last_changed_at: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    subject_id: str
    system: str
    body: str
    state: str
    due_at: float
    copies_left: int
    faults: list[str]
    attempts: int
    created_at: float
    delivered_at: float | None
    #: the worker that holds this row (sends it) and until when; see :meth:`Store.take_over`
    claimed_by: str | None = None
    claimed_until: float | None = None


@dataclass(frozen=True)
class AttemptRow:
    outbox_id: int
    at: float
    status: int | None
    body: str | None
    error: str | None
    acknowledged: bool
    outcome: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    """One PUT of a callback, journaled before it is sent; ``outcome`` filled in after.

    ``outcome``: ``acknowledged``, ``refused`` (the receiver answered, not with success),
    ``failed`` (no answer: refused connection, timeout, …), ``unknown`` (the simulator
    stopped while the PUT was in flight) or ``None`` (in flight now).
    """

    id: int
    outbox_id: int
    system: str
    started_at: float
    finished_at: float | None
    outcome: str | None
    status: int | None
    body: str | None
    error: str | None


def _order(row: sqlite3.Row) -> OrderRow:
    data = dict(row)
    for flag in ("must_be_signed", "test_mode", "dont_store", "patient_initiated"):
        data[flag] = bool(data[flag])
    return OrderRow(**data)


def _outbox(row: sqlite3.Row) -> OutboxRow:
    data = dict(row)
    data["faults"] = json.loads(data["faults"])
    return OutboxRow(**data)


def stored_key(path: Path, name: str) -> str | None:
    """The API key ordering system ``name`` had in the database at ``path``, if it has one.

    Read-only; a file that is not a simulator database is one :class:`UsageError` line.
    """
    from eprom_verify._exceptions import UsageError  # noqa: PLC0415 - only here

    if not path.is_file():
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ordering_systems'"
            ).fetchone()
            if exists is None:
                return None
            row = db.execute(
                "SELECT api_key FROM ordering_systems WHERE name = ?", (name,)
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"--db {path}: not a simulator database ({exc})") from None
    return str(row[0]) if row else None


class Store:
    """The simulator's SQLite file. ``path=None`` makes a private temporary database.

    ``worker`` names this process when several share the file (``None``: the only one);
    ``lease_seconds`` is how long a claim on a pending callback lasts unrenewed.
    """

    def __init__(
        self, path: Path | None, *, worker: str | None = None, lease_seconds: float = 15.0
    ) -> None:
        if worker is not None and path is None:
            raise ValueError("worker processes share a database file: give a path")
        self.path = path
        self.worker = worker or "main"
        self.shared = worker is not None
        self.lease_seconds = lease_seconds
        target = str(path) if path is not None else ""
        self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("BEGIN IMMEDIATE")  # one worker creates or upgrades the schema
        try:
            for statement in _SCHEMA.split(";"):  # not executescript: it would COMMIT
                if statement.strip():
                    self._db.execute(statement)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._add_columns()
        self._db.execute("COMMIT")
        self._systems: list[SystemRow] | None = None  # read on every request: cached
        self._systems_version = -1  # the version the cache was read at (shared store)
        #: the open group's waiters (None: no group open); see :meth:`grouped`
        self._group: list[asyncio.Future[None]] | None = None
        self._units = 0  # grouped units running now (0 or 1: they do not await inside)
        self._kept: list[tuple[str, tuple[Any, ...]]] = []  # see keep()
        #: commits made and units they served (for the benchmarks' figures and tests)
        self.group_commits = 0
        self.grouped_units = 0

    def _add_columns(self) -> None:
        for table, column, kind in _ADDED_COLUMNS:
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self.flush_group()
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work (nested calls join the outer one, also a grouped unit)."""
        if self._units:
            yield
            return
        self.flush_group()
        if self._db.in_transaction:
            yield
            return
        self._begin_write()
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            kept, self._kept = self._kept, []
            if kept:  # what must outlive the failure (see keep())
                with self.transaction():
                    for sql, args in kept:
                        self._db.execute(sql, args)
            raise
        self._kept.clear()
        self._db.execute("COMMIT")

    def _begin_write(self) -> None:
        """``BEGIN``; shared by workers, ``BEGIN IMMEDIATE`` retried after short sleeps.

        SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between tries, and the event loop
        stands still meanwhile; another worker holds the lock for one unit (well under a
        millisecond), so this waits 20 µs, doubling up to 1 ms, for at most
        :data:`BUSY_TIMEOUT_MS`."""
        if not self.shared:
            self._db.execute("BEGIN")
            return
        pause, deadline = 20e-6, time.monotonic() + BUSY_TIMEOUT_MS / 1000
        self._db.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 1e-3)
        finally:
            self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def keep(self, sql: str, args: tuple[Any, ...] = ()) -> None:
        """Execute a write that stays when the enclosing unit fails and rolls back: a
        request fault's use, which makes the very request that used it fail."""
        self._db.execute(sql, args)
        if self._db.in_transaction:
            self._kept.append((sql, args))

    @contextmanager
    def grouped(self) -> Iterator[asyncio.Future[None]]:
        """A unit of work committed with the others of this loop turn; await the future
        (after the ``with`` block) before telling anyone it happened. Inside the running
        event loop only; the block must not await."""
        loop = asyncio.get_running_loop()
        if self._group is None:
            if self._db.in_transaction:  # pragma: no cover - transaction() never leaves one open
                raise RuntimeError("a grouped unit inside an open plain transaction")
            self._begin_write()
            self._group = []
            loop.call_soon(self.flush_group)
        committed: asyncio.Future[None] = loop.create_future()
        self._db.execute("SAVEPOINT unit")
        self._units += 1
        try:
            yield committed
        except BaseException:
            self._db.execute("ROLLBACK TO unit")
            kept, self._kept = self._kept, []
            for sql, args in kept:  # see keep(): committed with the group
                self._db.execute(sql, args)
            self._db.execute("RELEASE unit")
            committed.cancel()
            raise
        finally:
            self._units -= 1
        self._kept.clear()
        self._db.execute("RELEASE unit")
        self._group.append(committed)

    def flush_group(self) -> None:
        """Commit the open group now and wake its waiters (a no-op when none is open)."""
        waiters, self._group = self._group, None
        if waiters is None:
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        self.group_commits += 1
        self.grouped_units += len(waiters)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def reset(self) -> None:
        """Forget orders, letters, messages, privacy state and the outbox; keep the systems."""
        with self.transaction():
            for table in _RESET_TABLES:
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    def reset_system(self, system: str) -> int:
        """Forget one ordering system's orders, letters, messages, documents and outbox.

        Other systems' data stays; so do the privacy settings (they are the citizen's, not
        the system's) and the system's registration. Returns the number of rows removed.
        """
        removed = 0
        with self.transaction():
            for sql in (
                "DELETE FROM stored_copies WHERE order_id IN "
                "(SELECT id FROM orders WHERE system = ?)",
                "DELETE FROM attempts WHERE outbox_id IN (SELECT id FROM outbox WHERE system = ?)",
                "DELETE FROM deliveries WHERE system = ?",
                "DELETE FROM outbox WHERE system = ?",
                "DELETE FROM documents WHERE system = ?",
                "DELETE FROM letters WHERE system = ?",
                "DELETE FROM unsecure_messages WHERE system = ?",
                "DELETE FROM orders WHERE system = ?",
            ):
                removed += self._db.execute(sql, (system,)).rowcount
        return removed

    def ping(self) -> bool:
        """True when the database answers a query (for the health endpoint)."""
        try:
            self._db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    # --- ordering systems ------------------------------------------------------------

    def bump(self, name: str) -> None:
        """Tell the other workers that what ``name`` stands for changed (in a transaction)."""
        self._db.execute(
            "INSERT INTO versions VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
            (name,),
        )

    def version(self, name: str) -> int:
        row = self._db.execute("SELECT n FROM versions WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def put_system(self, name: str, api_key: str, callback_base_url: str) -> None:
        self._systems = None
        with self.transaction():
            self.bump("systems")
            position = self._db.execute(
                "SELECT position FROM ordering_systems WHERE name = ?", (name,)
            ).fetchone()
            if position is None:
                position = self._db.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM ordering_systems"
                ).fetchone()
            self._db.execute("DELETE FROM ordering_systems WHERE name = ?", (name,))
            self._db.execute(
                "INSERT INTO ordering_systems VALUES (?, ?, ?, ?)",
                (name, api_key, callback_base_url, position[0]),
            )

    def systems(self) -> list[SystemRow]:
        if self.shared:  # another worker may have registered one: one small query
            version = self.version("systems")
            if version != self._systems_version:
                self._systems, self._systems_version = None, version
        if self._systems is None:
            rows = self._db.execute(
                "SELECT name, api_key, callback_base_url FROM ordering_systems ORDER BY position"
            )
            self._systems = [SystemRow(*row) for row in rows]
        return list(self._systems)

    def system_by_key(self, api_key: str) -> SystemRow | None:
        return next((s for s in self.systems() if s.api_key == api_key), None)

    def system(self, name: str) -> SystemRow | None:
        return next((s for s in self.systems() if s.name == name), None)

    # --- orders ----------------------------------------------------------------------

    def add_order(self, **fields: Any) -> None:
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        self._db.execute(
            f"INSERT INTO orders ({names}) VALUES ({marks})",  # noqa: S608 - our own keys
            tuple(fields.values()),
        )

    def order(self, order_id: str) -> OrderRow | None:
        row = self._db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        return _order(row) if row else None

    def orders_for(self, national_id: str) -> list[OrderRow]:
        rows = self._db.execute(
            "SELECT * FROM orders WHERE national_id = ? ORDER BY created_at", (national_id,)
        )
        return [_order(row) for row in rows]

    def order_by_code(self, code: str) -> OrderRow | None:
        """The order with this single-use code (NoDistribution), if any."""
        row = self._db.execute("SELECT * FROM orders WHERE single_use_code = ?", (code,)).fetchone()
        return _order(row) if row else None

    def finish_order(self, order_id: str, status: str, **fields: Any) -> None:
        """End an ``Ordered`` order (in the caller's transaction). When it is no longer
        Ordered — another worker completed or expired it since the caller read it — a 409
        :class:`Refusal` rolls the caller's transaction back: no second status callback."""
        from eprom_verify.simulator.errors import Refusal  # noqa: PLC0415 - no cycle at import

        sets = "".join(f", {name} = ?" for name in fields)
        cursor = self._db.execute(
            f"UPDATE orders SET status = ?, finished_at = ?{sets} "  # noqa: S608 - our own keys
            "WHERE id = ? AND status = 'Ordered'",
            (status, time.time(), *fields.values(), order_id),
        )
        if cursor.rowcount != 1:
            now = self.order(order_id)
            raise Refusal(
                409,
                f"order {order_id} is {now.status if now else 'gone'}: another request ended "
                "it first, only an Ordered order can be ended",
            )

    def due_orders(self, now: float) -> tuple[list[str], list[str]]:
        """(ids of Ordered orders past their expiry, ids due for auto-completion)."""
        expired = [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM orders WHERE status = 'Ordered' AND expiry_at <= ?", (now,)
            )
        ]
        auto = [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM orders WHERE status = 'Ordered' AND auto_complete_at <= ?",
                (now,),
            )
        ]
        return expired, [order_id for order_id in auto if order_id not in expired]

    # --- documents and stored copies -------------------------------------------------

    def add_document(self, document_id: str, order_id: str, system: str, content: bytes) -> None:
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
            (document_id, order_id, system, content, time.time()),
        )

    def document(self, document_id: str, system: str) -> bytes | None:
        row = self._db.execute(
            "SELECT content FROM documents WHERE id = ? AND system = ?",
            (document_id.lower(), system),
        ).fetchone()
        return bytes(row[0]) if row else None

    def add_stored_copy(self, order_id: str, national_id: str, form_id: str, title: str) -> None:
        self._db.execute(
            "INSERT INTO stored_copies VALUES (?, ?, ?, ?, ?)",
            (order_id, national_id, form_id, title, time.time()),
        )

    def stored_copies(self, national_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT order_id, form_id, title, created_at FROM stored_copies "
            "WHERE national_id = ? ORDER BY created_at",
            (national_id,),
        )
        return [dict(row) for row in rows]

    # --- letters and unsecure messages -----------------------------------------------

    def add_letter(self, row: LetterRow) -> None:
        self._db.execute(
            "INSERT INTO letters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.id,
                row.system,
                row.national_id,
                row.channel,
                row.sent_status,
                row.title,
                row.sender,
                json.dumps(row.documents),
                int(row.test_mode),
                row.created_at,
            ),
        )

    def letters_for(self, national_id: str) -> list[LetterRow]:
        rows = self._db.execute(
            "SELECT * FROM letters WHERE national_id = ? ORDER BY created_at", (national_id,)
        )
        out = []
        for row in rows:
            data = dict(row)
            data["documents"] = json.loads(data["documents"])
            data["test_mode"] = bool(data["test_mode"])
            out.append(LetterRow(**data))
        return out

    def add_letter_description(self, letter_id: str, description: str | None) -> None:
        """The letter's messageInfo.description, for the citizen portal's inbox."""
        self._db.execute("INSERT INTO letter_texts VALUES (?, ?)", (letter_id, description))

    def letter_description(self, letter_id: str) -> str | None:
        row = self._db.execute(
            "SELECT description FROM letter_texts WHERE letter_id = ?", (letter_id,)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def letter(self, letter_id: str) -> LetterRow | None:
        row = self._db.execute("SELECT * FROM letters WHERE id = ?", (letter_id,)).fetchone()
        if row is None:
            return None
        data = dict(row)
        data["documents"] = json.loads(data["documents"])
        data["test_mode"] = bool(data["test_mode"])
        return LetterRow(**data)

    def add_unsecure_message(
        self,
        *,
        system: str,
        kind: str,
        national_id: str | None,
        address: str | None,
        title: str | None,
        text: str | None,
        success: bool,
    ) -> None:
        self._db.execute(
            "INSERT INTO unsecure_messages "
            "(system, kind, national_id, address, title, text, success, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (system, kind, national_id, address, title, text, int(success), time.time()),
        )

    def unsecure_messages(
        self, kind: str, national_id: str, addresses: list[str]
    ) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in addresses) or "NULL"
        rows = self._db.execute(
            "SELECT national_id, address, title, text, success, created_at FROM unsecure_messages "
            f"WHERE kind = ? AND (national_id = ? OR address IN ({marks})) ORDER BY id",  # noqa: S608
            (kind, national_id, *addresses),
        )
        return [dict(row) for row in rows]

    # --- privacy settings ------------------------------------------------------------

    def personvern(self, national_id: str, pvk_id: str) -> PersonvernRow | None:
        row = self._db.execute(
            "SELECT * FROM personvern WHERE national_id = ? AND pvk_id = ?",
            (national_id, pvk_id),
        ).fetchone()
        return PersonvernRow(**dict(row)) if row else None

    def put_personvern(self, row: PersonvernRow) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO personvern VALUES (?, ?, ?, ?, ?, ?)",
            (
                row.national_id,
                row.pvk_id,
                row.status,
                row.sequence_number,
                row.created_at,
                row.last_changed_at,
            ),
        )

    def active_personvern(self, pvk_id: str, *, offset: int, limit: int) -> list[PersonvernRow]:
        rows = self._db.execute(
            "SELECT * FROM personvern WHERE pvk_id = ? AND status = 1 "
            "ORDER BY national_id LIMIT ? OFFSET ?",
            (pvk_id, limit, offset),
        )
        return [PersonvernRow(**dict(row)) for row in rows]

    # --- outbox ----------------------------------------------------------------------

    def add_outbox(
        self,
        *,
        kind: str,
        subject_id: str,
        system: str,
        body: str,
        state: str,
        due_at: float,
        copies: int,
        faults: list[str],
    ) -> int:
        now = time.time()
        cursor = self._db.execute(
            "INSERT INTO outbox (kind, subject_id, system, body, state, due_at, copies_left, "
            "faults, created_at, claimed_by, claimed_until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                subject_id,
                system,
                body,
                state,
                due_at,
                copies,
                json.dumps(faults),
                now,
                self.worker,
                now + self.lease_seconds,
            ),
        )
        return int(cursor.lastrowid or 0)

    def outbox_row(self, outbox_id: int) -> OutboxRow | None:
        row = self._db.execute("SELECT * FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
        return _outbox(row) if row else None

    def pending_outbox(self) -> list[tuple[int, float]]:
        rows = self._db.execute("SELECT id, due_at FROM outbox WHERE state = 'pending'")
        return [(row[0], row[1]) for row in rows]

    def pending_outbox_lanes(self) -> list[tuple[int, float, str]]:
        """(id, due_at, ordering system) of every pending row: what a restart must deliver."""
        rows = self._db.execute("SELECT id, due_at, system FROM outbox WHERE state = 'pending'")
        return [(row[0], row[1], row[2]) for row in rows]

    # --- faults shared by worker processes (:mod:`.shared_faults`) --------------------

    def shared_faults(self) -> list[tuple[int, str, int | None, int]]:
        """(id, fault as JSON, uses remaining, times fired) of every active fault, oldest first."""
        rows = self._db.execute("SELECT id, fault, remaining, fired FROM shared_faults ORDER BY id")
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    def add_shared_fault(self, fault: str, remaining: int | None) -> int:
        cursor = self._db.execute(
            "INSERT INTO shared_faults (fault, remaining) VALUES (?, ?)", (fault, remaining)
        )
        self.bump("faults")
        return int(cursor.lastrowid or 0)

    def use_shared_fault(self, fault_id: int, remaining: int | None, fired: int) -> None:
        """A fault fired: its new counts, or gone when no use remains. Kept when the unit
        fails (:meth:`keep`): a request fault fails the request that used it."""
        if remaining is not None and remaining <= 0:
            self.keep("DELETE FROM shared_faults WHERE id = ?", (fault_id,))
        else:
            self.keep(
                "UPDATE shared_faults SET remaining = ?, fired = ? WHERE id = ?",
                (remaining, fired, fault_id),
            )
        self.keep(
            "INSERT INTO versions VALUES ('faults', 1) ON CONFLICT(name) DO UPDATE SET n = n + 1"
        )

    def remove_shared_faults(self, fault_id: int | None = None) -> int:
        """Remove one fault (or, with None, every fault); how many were removed."""
        if fault_id is None:
            cursor = self._db.execute("DELETE FROM shared_faults")
        else:
            cursor = self._db.execute("DELETE FROM shared_faults WHERE id = ?", (fault_id,))
        self.bump("faults")
        return cursor.rowcount

    # --- claims: which worker sends which pending row (several workers, one file) ----

    def hold_claim(self, outbox_id: int) -> bool:
        """Renew this worker's claim on a pending row before a PUT (in the PUT's journal
        transaction); False when the row is gone, no longer pending, or another worker took
        it over. The only worker of a file always holds every row."""
        if not self.shared:
            return True
        cursor = self._db.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ? "
            "AND state = 'pending' AND (claimed_by = ? OR claimed_by IS NULL)",
            (self.worker, time.time() + self.lease_seconds, outbox_id, self.worker),
        )
        return cursor.rowcount == 1

    def renew_claims(self) -> int:
        """Extend every claim this worker holds by the lease; the number renewed."""
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND state = 'pending'",
                (time.time() + self.lease_seconds, self.worker),
            )
        return cursor.rowcount

    def release_claims(self, error: str) -> int:
        """At the start of a group of workers (no worker runs yet): every claim of an earlier
        run is void and its PUTs in flight are ``unknown``; the rows go to whoever takes them."""
        with self.transaction():
            self.mark_unfinished_deliveries(error)
            cursor = self._db.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE state = 'pending'"
            )
        return cursor.rowcount

    def take_over(self, error: str, *, everything: bool = False) -> list[tuple[int, float, str]]:
        """Claim every pending row nobody holds (no claim, or its lease ran out: its worker
        died or stalled); their PUTs in flight get outcome ``unknown`` (``error``), so they
        are sent again. ``everything``: the only worker, at its start (every row is its).
        Returns (id, due_at, ordering system) of the rows taken."""
        now = time.time()
        free = "state = 'pending'" + (
            "" if everything else " AND (claimed_until IS NULL OR claimed_until < ?)"
        )
        args: tuple[Any, ...] = () if everything else (now,)
        with self.transaction():
            if everything:
                self.mark_unfinished_deliveries(error)
            else:
                self._db.execute(
                    "UPDATE deliveries SET outcome = 'unknown', error = ? WHERE outcome IS NULL "
                    f"AND outbox_id IN (SELECT id FROM outbox WHERE {free})",  # noqa: S608
                    (error, *args),
                )
            rows = [
                (row[0], row[1], row[2])
                for row in self._db.execute(
                    f"SELECT id, due_at, system FROM outbox WHERE {free}",  # noqa: S608
                    args,
                )
            ]
            self._db.execute(
                f"UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE {free}",  # noqa: S608
                (self.worker, now + self.lease_seconds, *args),
            )
        return rows

    def outbox(
        self, *, subject_id: str | None = None, state: str | None = None, limit: int = 1000
    ) -> list[OutboxRow]:
        where, args = [], []
        if subject_id is not None:
            where.append("subject_id = ?")
            args.append(subject_id)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT * FROM outbox {clause} ORDER BY id LIMIT ?",  # noqa: S608 - fixed clauses
            (*args, limit),
        )
        return [_outbox(row) for row in rows]

    def attempts(self, outbox_ids: list[int]) -> dict[int, list[AttemptRow]]:
        """Every attempt of these rows, oldest first: the journal's PUTs (in flight and cut
        off by a crash included) and the attempts that sent nothing (system gone)."""
        if not outbox_ids:
            return {}
        marks = ", ".join("?" for _ in outbox_ids)
        rows = self._db.execute(
            f"SELECT * FROM attempts WHERE outbox_id IN ({marks}) ORDER BY at",  # noqa: S608
            tuple(outbox_ids),
        )
        found: list[AttemptRow] = []
        for row in rows:
            data = dict(row)
            data["acknowledged"] = bool(data["acknowledged"])
            found.append(AttemptRow(**data))
        for d in self.deliveries(outbox_ids=outbox_ids):
            found.append(
                AttemptRow(
                    outbox_id=d.outbox_id,
                    at=d.started_at,
                    status=d.status,
                    body=d.body,
                    error=d.error,
                    acknowledged=d.outcome == "acknowledged",
                    outcome=d.outcome or "in flight",
                )
            )
        out: dict[int, list[AttemptRow]] = {}
        for attempt in sorted(found, key=lambda a: a.at):
            out.setdefault(attempt.outbox_id, []).append(attempt)
        return out

    # --- the delivery journal (every PUT, recorded before it is sent) ----------------

    def begin_delivery(self, outbox_id: int, system: str) -> int:
        """Journal a PUT about to be sent (committed before it leaves); its journal id."""
        cursor = self._db.execute(
            "INSERT INTO deliveries (outbox_id, system, started_at) VALUES (?, ?, ?)",
            (outbox_id, system, time.time()),
        )
        return int(cursor.lastrowid or 0)

    def mark_unfinished_deliveries(self, error: str) -> int:
        """At start-up: every PUT with no outcome was cut off by a stop; mark it ``unknown``."""
        cursor = self._db.execute(
            "UPDATE deliveries SET outcome = 'unknown', error = ? WHERE outcome IS NULL",
            (error,),
        )
        return cursor.rowcount

    def deliveries(
        self,
        *,
        outbox_ids: list[int] | None = None,
        system: str | None = None,
        limit: int = 100_000,
    ) -> list[DeliveryRow]:
        """The journal, oldest first (of some outbox rows, or of one ordering system)."""
        where: list[str] = []
        args: list[Any] = []
        if outbox_ids is not None:
            if not outbox_ids:
                return []
            where.append(f"outbox_id IN ({', '.join('?' for _ in outbox_ids)})")
            args.extend(outbox_ids)
        if system is not None:
            where.append("system = ?")
            args.append(system)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT * FROM deliveries {clause} ORDER BY id LIMIT ?",  # noqa: S608 - fixed
            (*args, limit),
        )
        return [DeliveryRow(**dict(row)) for row in rows]

    def record_attempt(
        self,
        outbox_id: int,
        *,
        status: int | None,
        body: str | None,
        error: str | None,
        acknowledged: bool,
        next_due: float | None,
        delivery_id: int | None = None,
    ) -> None:
        """Log one attempt and move the row on: next copy, delivered, or retry at ``next_due``.

        With ``delivery_id`` the journal entry :meth:`begin_delivery` made gets its outcome.
        """
        now = time.time()
        with self.transaction():
            if delivery_id is not None:
                outcome = (
                    "acknowledged" if acknowledged else ("failed" if status is None else "refused")
                )
                self._db.execute(
                    "UPDATE deliveries SET finished_at = ?, outcome = ?, status = ?, body = ?, "
                    "error = ? WHERE id = ?",
                    (now, outcome, status, body, error, delivery_id),
                )
            if acknowledged:
                cursor = self._db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, copies_left = copies_left - 1, "
                    "state = CASE WHEN copies_left <= 1 THEN 'delivered' ELSE state END, "
                    "delivered_at = CASE WHEN copies_left <= 1 THEN ? ELSE delivered_at END "
                    "WHERE id = ?",
                    (now, outbox_id),
                )
            else:
                cursor = self._db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, due_at = ? WHERE id = ?",
                    (next_due if next_due is not None else now, outbox_id),
                )
            if cursor.rowcount and delivery_id is None:  # gone after a reset in flight
                self._db.execute(
                    "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
                    (outbox_id, now, status, body, error, int(acknowledged)),
                )
