"""The verification read model from the events alone: its rows rebuilt, and the kept rows checked.

Both read the stored events twice, page by page, with bounded memory: a first pass finds each document's
last version (no decoding); the second folds each document's events into its aggregate with the library's
mapper and gives the row once the aggregate reaches that version, dropping it then. Only documents still
"open" at a point of the sequence are held.

- `rebuild` replaces every row in one transaction that keeps writers out (SQLite `BEGIN IMMEDIATE`,
  PostgreSQL the events table's own EXCLUSIVE lock, as the library's recorder takes it): a save cannot
  slip between the read of the events and the write of the rows.
- The audit's comparison of the kept rows with these is `ledger.readmodel_check`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from eventsourcing.persistence import StoredEvent as LibraryStoredEvent
from eventsourcing.utils import resolve_topic

from ledger.audit import StoredEvent, events_from_recorder
from ledger.errors import RuleViolation
from ledger.readmodel import _INSERT, TABLE, connector, ddl, has_table
from ledger.readmodel_seal import PayloadSeal
from ledger.verification_record import PLAIN_ISSUANCE, IssuedRow, VerificationRecord, issued_record, record_of

PAGE = 2000
_DOCUMENTS = ("Certificate", "Proof")


@cache
def _creates_document(topic: str) -> bool:
    try:
        return resolve_topic(topic).__qualname__.split(".")[0] in _DOCUMENTS
    except Exception:  # a topic this code no longer resolves: not a document of this code  # noqa: BLE001
        return False


def _stored(e: StoredEvent) -> LibraryStoredEvent:
    return LibraryStoredEvent(e.originator_id, e.version, e.topic, e.state)


@cache
def _plain_issuance(topic: str) -> bool:
    try:
        return resolve_topic(topic) in PLAIN_ISSUANCE
    except Exception:  # noqa: BLE001 - as _creates_document
        return False


Rows = Callable[[], Iterable[StoredEvent]]
Many = Callable[[], Iterable[tuple[Any, int, "str | None"]]]  # (aggregate id, last version, its first topic)
Lean = Callable[[StoredEvent], "VerificationRecord | IssuedRow | None"]  # IssuedRow: the same row, made leaner


def document_records(rows: Rows, decode: Callable[[Any], Any], lean: Lean | None = None,
                     many: Many | None = None) -> Iterator[VerificationRecord | IssuedRow]:
    """Every document's record as its events give it, in the order of each document's last event. `rows`
    gives the stored rows (twice, or once with `many`); `lean` reads a plain issuance's record straight from
    its row (None: it cannot, and the library decodes it); `many` lists the aggregates of more than one event
    (audit_rows.file_lasts): then the first pass over the rows is not needed."""
    last, several = _lasts(rows, many)
    open_: dict[Any, Any] = {}
    for e in rows():
        final = last.get(e.originator_id)
        if final is None:
            if several is None or e.version != 1 or e.originator_id in several or not _creates_document(e.topic):
                continue
            final = 1  # a document of one event
        try:
            if final == 1 and _plain_issuance(e.topic):  # the whole document: no aggregate needed
                record = lean(e) if lean is not None else None
                yield record if record is not None else issued_record(decode(_stored(e)))
                continue
            aggregate = decode(_stored(e)).mutate(open_.pop(e.originator_id, None))
        except Exception:  # noqa: BLE001 - a row no save wrote (the audit names it): this document has no row
            last.pop(e.originator_id, None)
            continue
        if e.version >= final:
            yield record_of(aggregate)
        else:
            open_[e.originator_id] = aggregate


def _lasts(rows: Rows, many: Many | None) -> tuple[dict[Any, int], set[Any] | None]:
    """Each document's last version: of every document from a pass over the rows, or (with `many`) of the
    documents of several events, beside every aggregate of several events (the others are documents of one
    event where their first event makes one)."""
    last: dict[Any, int] = {}
    if many is not None:
        listed = list(many())
        last = {i: v for i, v, topic in listed if topic is not None and _creates_document(topic)}
        return last, {i for i, _, _ in listed}
    for e in rows():
        if e.version == 1:
            if _creates_document(e.topic):
                last[e.originator_id] = 1
        elif e.originator_id in last:
            last[e.originator_id] = e.version
    return last, None


def document_rows(recorder: Any, decode: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:
    """Every document's row as its events give it (the rows the read model's writer writes)."""
    return (r.row() for r in document_records(lambda: events_from_recorder(recorder, PAGE), decode))


# ---------------------------------------------------------------- rebuild
def rebuild(env: Mapping[str, str], recorder: Any, decode: Callable[[Any], Any],
            memory: dict[str, tuple[Any, ...]] | None = None) -> int:
    """Replace the read model's rows with those the events give (creating the table); returns how many."""
    found = connector(env)
    if found is None:
        assert memory is not None
        memory.clear()
        memory.update({row[0]: row for row in document_rows(recorder, decode)})
        return len(memory)
    connect, p, blob, _errors = found
    conn = connect()
    try:
        cur = conn.cursor()
        if p == "?":
            conn.isolation_level = None  # BEGIN IMMEDIATE by hand: the write lock before the events are read
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute(f"LOCK TABLE {recorder.events_table_name} IN EXCLUSIVE MODE")
        cur.execute(ddl(blob))
        cur.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        count = 0
        batch: list[tuple[Any, ...]] = []
        seen: set[str] = set()
        seal = PayloadSeal.from_env(env)
        for row in document_rows(recorder, decode):
            if row[0] in seen:  # two aggregates claim one document: rows no save wrote (audit verify names them)
                raise RuleViolation("read-model-duplicate-document",
                                    f"the events give document {row[0]} twice: run certledger audit verify; "
                                    "nothing was rebuilt")
            seen.add(row[0])
            batch.append(seal.seal(row))
            if len(batch) >= PAGE:
                cur.executemany(_INSERT.replace("?", p), batch)
                count, batch = count + len(batch), []
        if batch:
            cur.executemany(_INSERT.replace("?", p), batch)
            count += len(batch)
        cur.execute("COMMIT") if p == "?" else conn.commit()
        return count
    except BaseException:
        if p == "?":
            conn.execute("ROLLBACK") if conn.in_transaction else None
        else:
            conn.rollback()
        raise
    finally:
        conn.close()


def prepare(env: Mapping[str, str], recorder: Any, decode: Callable[[Any], Any]) -> bool:
    """Whether the store keeps the read model (memory: always). A SQL store without the table gets it, built
    from its events, where this process may create tables; otherwise the table stays missing (the service
    falls back to the ledger's reads) until `certledger audit rebuild-views` builds it."""
    found = connector(env)
    if found is None:
        return True
    connect, p, _blob, _errors = found
    conn = connect()
    try:
        exists = has_table(conn, p)
    finally:
        conn.close()
    if exists:
        return True
    if env.get("CREATE_TABLE", "y").lower() in ("n", "no", "false", "0", "off"):
        return False
    rebuild(env, recorder, decode)
    return True
