"""The audit's comparison of the verification read model with the events: every kept row against the one
the events give (`ledger.readmodel_rebuild.document_records`), each that differs, is missing or has no
document named.

It is the audit's costliest part (a decoded event and a record per document), so it is made cheap where
that changes nothing it proves:
- a plain issuance (the document's one event: `Certificate.Issued` or `.Imported`) is read straight from its
  stored state with orjson (`LeanIssuance`), not made into an event object and an aggregate; anything that
  does not read exactly as the library's JSON writes it goes the library's way;
- kept payloads are compared as JSON values, not re-encoded as text;
- on an SQLite file with `os.fork`, the documents are shared among one forked process per core, each
  reading the rows through its own connection, while the audit's other processes do their parts.
- there, SQLite hands each process only its share's rows, and the documents of several events with their
  last versions come from one query on the table's key (`audit_rows.file_lasts`): no first pass over the
  rows.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from ledger.audit import StoredEvent, events_from_recorder, file_rows
from ledger.audit_rows import file_lasts
from ledger.readmodel import COLUMNS, TABLE, connector, has_table
from ledger.readmodel_rebuild import PAGE, Many, Rows, document_records
from ledger.readmodel_seal import PayloadSeal
from ledger.verification_record import IssuedRow, VerificationRecord, issued_record_of, issued_row

MAX_NAMED = 100
_HEX = frozenset("0123456789abcdef")
_NAMES = COLUMNS.split(", ")
Problem = tuple[str, str]  # (reference, what is wrong); reference "" when the whole model is missing


class LeanIssuance:
    """A plain issuance's record from its stored row: the state opened (`state`: the ledger's cipher and
    compressor, or nothing) and parsed by orjson. None where the state is not exactly what the library's
    JSON transcoder writes for it (then the library decodes it)."""

    def __init__(self, state: Callable[[bytes], bytes]) -> None:
        self._state = state

    def __call__(self, e: StoredEvent) -> VerificationRecord | IssuedRow | None:
        try:
            d = orjson.loads(self._state(e.state))
        except Exception:  # noqa: BLE001 - the library's decoder names what it cannot read
            return None
        at, data, edition = d.get("at"), d.get("data"), d.get("edition")
        if ("class_version" in d or not isinstance(at, dict) or at.get("_type_") != "datetime_iso"
                or not isinstance(data, dict) or type(edition) is not int):
            return None
        try:
            when = datetime.fromisoformat(at["_data_"])
        except (KeyError, TypeError, ValueError):
            return None
        aggregate_id = _uuid_text(e.originator_id)
        row = issued_row(aggregate_id, e.version, data, edition, when)
        return row if row is not None else issued_record_of(aggregate_id, e.version, data, edition, when)


def _uuid_text(originator_id: Any) -> str:
    """The aggregate id as the read model keeps it (str of a UUID), from a UUID or the SQLite table's hex."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    h = str(originator_id)
    if len(h) == 32 and _HEX.issuperset(h):  # the table's 32 hex digits, as UUID.hex writes them
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(UUID(h))


def check(env: Mapping[str, str], recorder: Any, decode: Callable[[Any], Any], state: Callable[[bytes], bytes],
          memory: dict[str, tuple[Any, ...]] | None = None) -> Iterator[Problem]:
    """(reference, problem) for every document whose kept row is not the one its events give."""
    lean = LeanIssuance(state)
    found = connector(env)
    if found is None:
        kept_rows = dict(memory or {})
        records = document_records(lambda: events_from_recorder(recorder, PAGE), decode, lean)
        yield from _unmatched(_compare(records, lambda refs: {r: kept_rows[r] for r in refs if r in kept_rows}),
                              len(kept_rows), kept_rows.keys, None)
        return
    with _Kept(env) as kept:
        if kept.missing:
            yield "", "the store has no verification read model (run certledger audit rebuild-views)"
            return
        path = env.get("SQLITE_DBNAME", "") if kept.placeholder == "?" else ""
        workers = min(os.cpu_count() or 1, 4)
        if path and ":memory:" not in path and "mode=memory" not in path and hasattr(os, "fork") and workers > 1:
            yield from _in_workers(env, (path, recorder.events_table_name), decode, lean, workers, kept)
            return
        records = document_records(lambda: events_from_recorder(recorder, PAGE), decode, lean)
        yield from _unmatched(_compare(records, kept.rows), kept.count(), kept.references, None)


class _Kept:
    """The read model's rows as the audit reads them: opened (a sealed payload), a thousand at a time."""

    def __init__(self, env: Mapping[str, str]) -> None:
        found = connector(env)
        assert found is not None
        connect, self.placeholder, _blob, _errors = found
        self._connect, self._env = connect, env

    def __enter__(self) -> _Kept:
        self._conn = self._connect()
        self._seal = PayloadSeal.from_env(self._env)
        self.missing = not has_table(self._conn, self.placeholder)
        return self

    def __exit__(self, *_: object) -> None:
        self._conn.close()

    def rows(self, refs: list[str]) -> dict[str, tuple[Any, ...]]:
        cur = self._conn.cursor()
        cur.execute(f"SELECT {COLUMNS} FROM {TABLE} WHERE reference IN ({', '.join([self.placeholder] * len(refs))})",  # noqa: S608
                    refs)
        return {row[0]: self._seal.open(row) for row in map(_plain, cur.fetchall())}

    def count(self) -> int:
        cur = self._conn.cursor()
        cur.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
        return int(_plain(cur.fetchone())[0])

    def references(self) -> list[str]:
        cur = self._conn.cursor()
        cur.execute(f"SELECT reference FROM {TABLE}")  # noqa: S608
        return [_plain(r)[0] for r in cur.fetchall()]


def _plain(row: Any) -> tuple[Any, ...]:
    if type(row) is tuple and memoryview not in map(type, row):  # SQLite's rows: as they are
        return row
    values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in values)


class _Tally:
    """What one comparison saw: how many kept rows it matched, and which references it met."""

    def __init__(self) -> None:
        self.present = 0
        self.seen: set[str] = set()


def _compare(records: Iterable[VerificationRecord | IssuedRow], kept: Callable[[list[str]], dict[str, tuple[Any, ...]]],
             tally: _Tally | None = None) -> Iterator[Problem | _Tally]:
    """Each problem of `records` against the kept rows, then the tally (the last item)."""
    tally = tally or _Tally()
    batch: list[VerificationRecord | IssuedRow] = []

    def flush() -> Iterator[Problem]:
        have = kept([r.reference for r in batch])
        tally.present += len(have)
        for record in batch:
            got = have.get(record.reference)
            if got is None:
                yield record.reference, "the verification read model has no row for this document"
                continue
            differ = _differing(got, record)
            if differ:
                yield record.reference, f"the verification read model's row differs from the events in {differ}"
        batch.clear()

    for record in records:
        tally.seen.add(record.reference)
        batch.append(record)
        if len(batch) >= 1000:
            yield from flush()
    if batch:
        yield from flush()
    yield tally


def _differing(got: tuple[Any, ...], record: VerificationRecord | IssuedRow) -> str:
    """The columns of the kept row `got` that are not the record's (the payload compared as a JSON value)."""
    head = record.head()
    names = [] if got[:-1] == head else [n for n, a, b in zip(_NAMES[:-1], got[:-1], head, strict=True) if a != b]
    expected = record.payload_value()
    same_payload = _same_text(got[-1], expected)
    if not same_payload:  # another spelling of the same JSON value (a row written by another encoder) is the same
        try:
            same_payload = orjson.loads(got[-1]) == expected
        except orjson.JSONDecodeError:
            same_payload = False
    return ", ".join(names if same_payload else [*names, _NAMES[-1]])


def _same_text(kept: Any, expected: dict[str, Any]) -> bool:
    """The kept payload is the expected value's JSON text as the read model writes it (sorted keys, compact, no
    ASCII escapes), byte for byte: then it is that value, with no parse (orjson reads back what it writes). False
    says nothing: the caller compares the values."""
    try:
        text = orjson.dumps(expected, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a value orjson does not write (an integer beyond 64 bits): compared as values
        return False
    return text == kept.encode() if isinstance(kept, str) else text == kept


def _unmatched(items: Iterator[Problem | _Tally], count: int, every: Callable[[], Iterable[str]],
               seen: set[str] | None) -> Iterator[Problem]:
    """The problems, then every kept row no document has (looked for only when the counts disagree)."""
    tally = _Tally()
    for item in items:
        if isinstance(item, _Tally):
            tally = item
        else:
            yield item
    if count == tally.present:
        return
    known = tally.seen if seen is None else seen
    for reference in every():
        if reference not in known:
            yield reference, "the verification read model has a row for a document no event records"


def _in_workers(env: Mapping[str, str], file: tuple[str, str], decode: Callable[[Any], Any], lean: LeanIssuance,
                workers: int, kept: _Kept) -> Iterator[Problem]:
    """The comparison shared among forked processes, each its share of the documents (SQLite hands each only
    its share's rows: audit_rows.file_rows); their problems and tallies come back through pipes. Kept rows no
    document has are looked for here, if the counts differ."""
    children = [_fork(env, _share_rows(file, (workers, i)), decode, lean) for i in range(workers)]
    answers = [_wait(*child) for child in children]
    seen: set[str] = set()
    present = 0
    for problems, tally in answers:
        yield from problems
        present += tally.present
        seen |= tally.seen
    total = _Tally()
    total.present, total.seen = present, seen
    yield from _unmatched(iter([total]), kept.count(), kept.references, seen)


def _share_rows(file: tuple[str, str], share: tuple[int, int]) -> tuple[Rows, Many]:
    """A share's rows, and its aggregates of more than one event (no first pass over the rows)."""
    path, table = file
    return (lambda: file_rows(path, table, share=share)), (lambda: file_lasts(path, table, share))


def _fork(env: Mapping[str, str], rows: tuple[Rows, Many], decode: Callable[[Any], Any],
          lean: LeanIssuance) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own connections, its share, its answer down the pipe, then gone
        code = 1
        try:
            os.close(read)
            problems: list[Problem] = []
            tally = _Tally()
            with _Kept(env) as kept:
                records = document_records(rows[0], decode, lean, rows[1])
                for item in _compare(records, kept.rows, tally):
                    if not isinstance(item, _Tally) and len(problems) < MAX_NAMED:
                        problems.append(item)
            answer = (problems, tally.present, tally.seen)
            with os.fdopen(write, "wb") as pipe:
                pickle.dump(answer, pipe)
            code = 0
        except BaseException as e:  # noqa: BLE001 - said to the parent, which raises it
            with contextlib.suppress(OSError), os.fdopen(write, "wb") as pipe:
                pickle.dump(f"{type(e).__name__}: {e}", pipe)
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _wait(pid: int, read: int) -> tuple[list[Problem], _Tally]:
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    answer = pickle.loads(data) if data else None  # noqa: S301 (our own child's answer)
    if status != 0 or not isinstance(answer, tuple):
        raise RuntimeError(f"a process of the read model's comparison failed: {answer or 'no answer'}")
    problems, present, seen = answer
    tally = _Tally()
    tally.present, tally.seen = present, seen
    return problems, tally
