"""The office's work list (the console's queue and its uncollected pickups), kept in each save's own
transaction by a recorder writer (ledger.recorders), so a page reads a few indexed rows instead of replaying
every request or reading every pickup notice and the editions of each certificate on it.

Tables, beside the library's events table:
- `work_requests`: one row per service request as of its latest event (number, office, kind, channel, stage,
  applied_on, the current step's due date, the deadline: the earlier of that and the legal limit, past which
  the request is overdue) and a payload (applicant, certificate number, promised and legal dates), sealed
  with the ledger's cipher where one is set (ledger.readmodel_seal);
- `work_pickups`: one row per certificate on a pickup notice (notice, certificate, office, published_on,
  due, collected: a handover of any of its editions recorded).

A save's writer reads the saved aggregates the application staged (`staging`), with which of a new notice's
certificates were already collected (found before the save). Both tables are made and filled from the events
in one transaction that holds writers off, where the process may create tables; a store opened where it may
not, without them, is read the slow way (ledger.request_index, Pickups.uncollected).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from ledger.documents import Certificate
from ledger.pickups import PickupNotice
from ledger.readmodel import has_table
from ledger.readmodel_seal import PayloadSeal
from ledger.recorders import Tx
from ledger.service_request import ServiceRequest
from ledger.sql_connect import connector, held_against_writers

REQUESTS = "work_requests"
PICKUPS = "work_pickups"
REQUEST_COLUMNS = "request_id, number, office, kind, channel, stage, applied_on, due, deadline, payload"
_UPSERT_REQUEST = (f"INSERT INTO {REQUESTS} ({REQUEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (request_id) DO UPDATE SET " + ", ".join(
                       f"{c} = excluded.{c}" for c in REQUEST_COLUMNS.split(", ")[1:]))
_INSERT_PICKUP = (f"INSERT INTO {PICKUPS} (notice, certificate_number, office, published_on, due, collected) "
                  "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (notice, certificate_number) DO NOTHING")
_COLLECTED = f"UPDATE {PICKUPS} SET collected = 1 WHERE certificate_number = ? AND collected = 0"


def ddl() -> list[str]:
    return [f"CREATE TABLE IF NOT EXISTS {REQUESTS} (request_id TEXT PRIMARY KEY, number TEXT NOT NULL, "
            "office TEXT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL, stage TEXT NOT NULL, "
            "applied_on TEXT NOT NULL, due TEXT, deadline TEXT, payload TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {REQUESTS}_office ON {REQUESTS} (office, stage, due)",
            f"CREATE TABLE IF NOT EXISTS {PICKUPS} (notice TEXT NOT NULL, certificate_number TEXT NOT NULL, "
            "office TEXT NOT NULL, published_on TEXT NOT NULL, due TEXT NOT NULL, collected INTEGER NOT NULL, "
            "PRIMARY KEY (notice, certificate_number))",
            f"CREATE INDEX IF NOT EXISTS {PICKUPS}_number ON {PICKUPS} (certificate_number)",
            f"CREATE INDEX IF NOT EXISTS {PICKUPS}_office ON {PICKUPS} (office, collected, due)"]


def request_row(req: ServiceRequest, seal: PayloadSeal) -> tuple[Any, ...]:
    due, legal = req.due, req.legal_due
    deadline = None if due is None else min(due, legal) if legal is not None else due
    payload = json.dumps({"applicant": req.applicant, "certificate_number": req.certificate_number,
                          "provisional": bool(req.provisional),
                          "promised": req.promised_due.isoformat() if req.promised_due else None,
                          "legal_limit": legal.isoformat() if legal else None}, ensure_ascii=False)
    return (str(req.id), req.number, req.office, req.kind, req.channel, req.stage, req.applied_on.isoformat(),
            due.isoformat() if due else None, deadline.isoformat() if deadline else None, seal.seal_text(payload))


def pickup_rows(notice: PickupNotice, collected: Callable[[str], bool]) -> list[tuple[Any, ...]]:
    return [(notice.number, number, notice.office, notice.published_on.isoformat(), notice.due.isoformat(),
             1 if collected(number) else 0) for number in notice.certificates]


class WorkIndex:
    """The writer that keeps the work list's rows, and the connection its reads use."""

    def __init__(self, env: Mapping[str, str], decode: Callable[[Any], Any], events_table: str) -> None:
        self._events_table = events_table
        self.seal = PayloadSeal.from_env(env)
        self._decode = decode
        self._connector = connector(env)
        self._staged: dict[UUID, Any] = {}
        self._collected: set[str] = set()
        self._memory: sqlite3.Connection | None = None  # the in-memory store's tables
        self._lock = threading.Lock()
        self._reader: Any = None
        self.kept = False

    # ------------------------------------------------------------------ keeping
    @contextmanager
    def staging(self, aggregates: Mapping[UUID, Any], collected: Iterable[str] = ()) -> Iterator[None]:
        """The aggregates of the save about to be recorded, and the certificates of a new notice already
        handed over."""
        self._staged, self._collected = dict(aggregates), set(collected)
        try:
            yield
        finally:
            self._staged, self._collected = {}, set()

    def rows_for(self, stored: Sequence[Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str]]:
        """(requests' rows, new notices' rows, certificates handed over) of a save's stored events."""
        requests: list[tuple[Any, ...]] = []
        notices: list[tuple[Any, ...]] = []
        handed: list[str] = []
        seen: set[Any] = set()
        for s in stored:
            aggregate = self._staged.get(s.originator_id)
            if aggregate is None and "ServiceRequest" not in s.topic and "PickupNotice" not in s.topic:
                continue  # a bulk import's certificate: never on the work list, never handed over yet
            if s.originator_id in seen:
                continue
            seen.add(s.originator_id)
            if aggregate is None:
                aggregate = self._unstaged(s)
            if isinstance(aggregate, ServiceRequest):
                requests.append(request_row(aggregate, self.seal))
            elif isinstance(aggregate, PickupNotice) and s.originator_version == 1:
                notices.extend(pickup_rows(aggregate, self._collected.__contains__))
            elif isinstance(aggregate, Certificate) and aggregate.handovers:
                handed.append(aggregate.number)
        return requests, notices, handed

    def _unstaged(self, stored: Any) -> Any:
        event = self._decode(stored)
        if stored.originator_version != 1:
            raise RuntimeError(f"the work list cannot project {type(event).__qualname__} saved without its "
                               "aggregate: nothing written")
        return event.mutate(None)

    def write_in_transaction(self, tx: Tx | None, stored: Sequence[Any], ids: Sequence[int]) -> None:
        """A recorder writer: the work list's rows of the save, in the save's own transaction."""
        requests, notices, handed = self.rows_for(stored)
        if not (requests or notices or handed):
            return
        if tx is None:
            with self._lock:
                conn = self.memory()
                self._write(Tx(conn.cursor(), "?"), requests, notices, handed)
                conn.commit()
            return
        self._write(tx, requests, notices, handed)

    @staticmethod
    def _write(tx: Tx, requests: list[tuple[Any, ...]], notices: list[tuple[Any, ...]], handed: list[str]) -> None:
        tx.executemany(_UPSERT_REQUEST, requests)
        tx.executemany(_INSERT_PICKUP, notices)
        tx.executemany(_COLLECTED, [(n,) for n in handed])

    def memory(self) -> sqlite3.Connection:
        if self._memory is None:
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            for statement in ddl():
                self._memory.execute(statement)
        return self._memory

    def prepare(self, may_create: bool, fill: Callable[[Tx], None]) -> bool:
        """Whether the tables are kept by this store (then this object is its writer): made and filled by
        `fill` where missing and `may_create`."""
        if self._connector is None:
            self.kept = True  # in memory: the tables start with the store
            return True
        connect, p, _blob, _errors = self._connector
        conn = connect()
        try:
            if not has_table(conn, p, PICKUPS):
                if not may_create:
                    return False
                self._fill(conn, p, fill)
        finally:
            conn.close()
        self.kept = True
        return True

    def refill(self, fill: Callable[[Tx], None]) -> None:
        """Replace the rows with those the events give (audit rebuild-views)."""
        if self._connector is None:
            with self._lock:
                conn = self.memory()
                conn.execute(f"DELETE FROM {REQUESTS}")
                conn.execute(f"DELETE FROM {PICKUPS}")
                fill(Tx(conn.cursor(), "?"))
                conn.commit()
            return
        connect, p, _blob, _errors = self._connector
        conn = connect()
        try:
            self._fill(conn, p, fill)
        finally:
            conn.close()
        self.kept = True

    def _fill(self, conn: Any, p: str, fill: Callable[[Tx], None]) -> None:
        """Make the tables and write every request's and notice's rows in one transaction that holds the
        events table against writers (a save in between would be missed)."""
        cur = held_against_writers(conn, p, self._events_table, ddl())
        cur.execute(f"DELETE FROM {REQUESTS}")
        cur.execute(f"DELETE FROM {PICKUPS}")
        fill(Tx(cur, p))
        conn.commit()

    # ------------------------------------------------------------------ reading
    def query(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._connector is None:
                return [tuple(r) for r in self.memory().execute(statement, params).fetchall()]
            connect, p, _blob, errors = self._connector
            if self._reader is None:
                self._reader = connect()
                if p != "?":
                    self._reader.autocommit = True
            cur = self._reader.cursor()
            try:
                cur.execute(statement.replace("?", p), params)
                rows = [tuple(r) for r in cur.fetchall()]
            except errors:
                self.close_reader()
                raise
            finally:
                cur.close()
            if p == "?":
                self._reader.commit()
            return rows

    def close_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
