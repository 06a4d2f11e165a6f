"""The verification read model from the events alone: its rows rebuilt, and the kept rows checked.

Both read the stored events twice, page by page, with bounded memory: a first pass finds each document's
last version (no decoding); the second folds each document's events into its aggregate with the library's
mapper and gives the row once the aggregate reaches that version, dropping it then. Only documents still
"open" at a point of the sequence are held.

- `rebuild` replaces every row in one transaction that keeps writers out (SQLite `BEGIN IMMEDIATE`,
  PostgreSQL the events table's own EXCLUSIVE lock, as the library's recorder takes it): a save cannot
  slip between the read of the events and the write of the rows.
- `check` compares every kept row with the one the events give, a thousand at a time, and names each
  document whose row differs, is missing, or has no document (a divergence each, as `audit verify` reports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from eventsourcing.utils import resolve_topic

from ledger.errors import RuleViolation
from ledger.readmodel import _INSERT, COLUMNS, TABLE, connector, ddl, has_table
from ledger.readmodel_seal import PayloadSeal
from ledger.verification_record import record_of

PAGE = 2000
_DOCUMENTS = ("Certificate", "Proof")


@cache
def _creates_document(topic: str) -> bool:
    try:
        return resolve_topic(topic).__qualname__.split(".")[0] in _DOCUMENTS
    except Exception:  # a topic this code no longer resolves: not a document of this code  # noqa: BLE001
        return False


def _notifications(recorder: Any) -> Iterator[Any]:
    start = 1
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def document_rows(recorder: Any, decode: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:
    """Every document's row as its events give it, in the order of each document's last event."""
    last: dict[Any, int] = {}
    for n in _notifications(recorder):
        if n.originator_version == 1:
            if _creates_document(n.topic):
                last[n.originator_id] = 1
        elif n.originator_id in last:
            last[n.originator_id] = n.originator_version
    open_: dict[Any, Any] = {}
    for n in _notifications(recorder):
        final = last.get(n.originator_id)
        if final is None:
            continue
        try:
            aggregate = decode(n).mutate(open_.pop(n.originator_id, None))
        except Exception:  # noqa: BLE001 - a row no save wrote (the audit names it): this document has no row
            del last[n.originator_id]
            continue
        if n.originator_version >= final:
            yield record_of(aggregate).row()
        else:
            open_[n.originator_id] = aggregate


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


# ------------------------------------------------------------------ check
def check(env: Mapping[str, str], recorder: Any, decode: Callable[[Any], Any],
          memory: dict[str, tuple[Any, ...]] | None = None) -> Iterator[tuple[str, str]]:
    """(reference, problem) for every document whose kept row is not the one its events give."""
    found = connector(env)
    if found is None:
        kept_rows = dict(memory or {})
        yield from _compare(document_rows(recorder, decode), lambda refs: {r: kept_rows[r] for r in refs
                                                                            if r in kept_rows},
                            lambda: len(kept_rows), kept_rows.keys)
        return
    connect, p, _blob, _errors = found
    conn = connect()
    seal = PayloadSeal.from_env(env)
    try:
        if not has_table(conn, p):
            yield "", "the store has no verification read model (run certledger audit rebuild-views)"
            return

        def kept(refs: list[str]) -> dict[str, tuple[Any, ...]]:
            cur = conn.cursor()
            cur.execute(f"SELECT {COLUMNS} FROM {TABLE} WHERE reference IN ({', '.join([p] * len(refs))})",  # noqa: S608
                        refs)
            return {row[0]: seal.open(row) for row in map(_plain, cur.fetchall())}

        def count() -> int:
            cur = conn.cursor()
            cur.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
            return int(_plain(cur.fetchone())[0])

        def every() -> list[str]:
            cur = conn.cursor()
            cur.execute(f"SELECT reference FROM {TABLE}")  # noqa: S608
            return [_plain(r)[0] for r in cur.fetchall()]

        yield from _compare(document_rows(recorder, decode), kept, count, every)
    finally:
        conn.close()


def _plain(row: Any) -> tuple[Any, ...]:
    values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in values)


_NAMES = COLUMNS.split(", ")


def _compare(rows: Iterator[tuple[Any, ...]], kept: Callable[[list[str]], dict[str, tuple[Any, ...]]],
             count: Callable[[], int], every: Callable[[], Any]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    batch: list[tuple[Any, ...]] = []
    present = 0

    def flush() -> Iterator[tuple[str, str]]:
        nonlocal present
        have = kept([r[0] for r in batch])
        present += len(have)
        for row in batch:
            got = have.get(row[0])
            if got is None:
                yield row[0], "the verification read model has no row for this document"
            elif got != row:
                differ = [n for n, a, b in zip(_NAMES, got, row, strict=True) if a != b]
                yield row[0], f"the verification read model's row differs from the events in {', '.join(differ)}"
        batch.clear()

    for row in rows:
        seen.add(row[0])
        batch.append(row)
        if len(batch) >= 1000:
            yield from flush()
    if batch:
        yield from flush()
    if count() == present:
        return
    for reference in every():
        if reference not in seen:
            yield reference, "the verification read model has a row for a document no event records"


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
