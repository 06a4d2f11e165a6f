"""Signed saves: one signature of the acting credential over the exact stored rows of each save.

An application given a `SaveSigner` (an operator's decrypted credential, made in `keys`; the ledger
only sees this Protocol) refuses a save whose events name another operator or office than the
signer's, and its recorder writer (ledger.recorders) stores ONE row per save in `save_signatures`,
in the save's own transaction: the first and last notification id of the save, the credential id,
the time, and a signature over `signed_message(...)`: a SHA-256 digest of the save's rows exactly as
stored (notification id, originator id, version, topic, state bytes). A bulk import is one save: the
writer hashes chunk after chunk and signs once when the import ends (`SaveSignatures.batch`).

`ledger.audit_saves` checks the rows; nobody with only database access can make one that verifies.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from ledger.errors import RuleViolation
from ledger.translog import record_bytes

CONTEXT = b"certledger-save-signature/1\n"
TABLE = "save_signatures"
_ID = struct.Struct(">Q")
_LENGTH = struct.Struct(">I")
_TOPICS: dict[str, bytes | None] = {}  # topic -> its length-prefixed UTF-8, as record_bytes writes it


class SaveSigner(Protocol):
    """Who signs a save: a credential (id = lowercase hex SHA-256 of its certificate DER) of an operator."""

    @property
    def credential(self) -> str: ...
    @property
    def operator(self) -> str: ...
    @property
    def office(self) -> str: ...
    def sign(self, data: bytes) -> bytes: ...


def row_bytes(notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    """One stored row as a save's digest covers it: its notification id, then the log's record bytes."""
    return _ID.pack(notification_id) + record_bytes(originator_id, version, topic, state)


def signed_message(first: int, last: int, credential: str, at: datetime, digest: bytes) -> bytes:
    """What a save's signature signs: the context, the id range, the credential, the time, the rows' digest."""
    return signed_message_text(first, last, credential, at.isoformat(), digest)


def signed_message_text(first: int, last: int, credential: str, at: str, digest: bytes) -> bytes:
    """The same, with the time as its signature row stores it (`at.isoformat()`): the audit checks the
    signature over the row's own text, so a time rewritten in another spelling fails too."""
    return CONTEXT + f"{first}\n{last}\n{credential}\n{at}\n".encode() + digest


class SaveDigest:
    """The running SHA-256 of a save's rows, in notification order."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.first: int | None = None
        self.last: int | None = None

    def add(self, notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> None:
        """The row's bytes (`row_bytes`) fed in parts: the same digest without building them (the audit adds a
        million rows)."""
        if self.first is None:
            self.first = notification_id
        self.last = notification_id
        encoded = _TOPICS.get(topic)
        if encoded is None:
            t = topic.encode("utf-8")
            encoded = _TOPICS[topic] = (_LENGTH.pack(len(t)) + t) if len(_TOPICS) < 10_000 else None
        if encoded is None or type(originator_id) is not str or len(originator_id) != 32:
            self._h.update(row_bytes(notification_id, originator_id, version, topic, state))
            return
        update = self._h.update
        update(_ID.pack(notification_id) + bytes.fromhex(originator_id) + _ID.pack(version) + encoded)
        update(state)

    def add_record(self, notification_id: int, record: bytes) -> None:
        """The same, from the row's record bytes (ledger.translog.record_bytes) made already."""
        if self.first is None:
            self.first = notification_id
        self.last = notification_id
        self._h.update(_ID.pack(notification_id))
        self._h.update(record)

    def digest(self) -> bytes:
        return self._h.digest()


def check_actor(signer: SaveSigner | None, events: Sequence[Any]) -> None:
    """Refuse events that name another operator or office than the credential signing the save."""
    if signer is None:
        return
    for e in events:
        office, operator = getattr(e, "office", None), getattr(e, "operator", None)
        if office is not None and office != signer.office:
            raise RuleViolation("credential-office", f"office: the save is signed by a credential of office "
                                f"{signer.office}; an event of office {office} may not be in it")
        if operator is not None and operator != signer.operator:
            raise RuleViolation("credential-operator", f"operator: the save is signed by {signer.operator}'s "
                                f"credential; an event by {operator} may not be in it")


SignatureRow = tuple[int, int, str, str, bytes]  # first id, last id, credential, at (ISO), signature


class SaveSignatures:
    """The recorder writer that signs each save, and the table it writes."""

    def __init__(self, signer: SaveSigner | None, clock: Any) -> None:
        self.signer = signer
        self._clock = clock
        self.memory: list[SignatureRow] = []  # the in-memory store's rows
        self._ready = False
        self._batch: SaveDigest | None = None

    def __call__(self, tx: Any, stored: Sequence[Any], ids: Sequence[int]) -> None:
        if self.signer is None:
            return
        digest = self._batch if self._batch is not None else SaveDigest()
        for nid, s in zip(ids, stored, strict=True):
            digest.add(nid, s.originator_id, s.originator_version, s.topic, s.state)
        if self._batch is None:
            self._write(tx, digest)

    @contextmanager
    def batch(self) -> Iterator[Any]:
        """Many chunks, one save (a bulk import): yields `finish(tx)`, to call inside the transaction."""
        self._batch = SaveDigest()
        digest = self._batch

        def finish(tx: Any) -> None:
            self._batch = None
            if self.signer is not None and digest.first is not None:
                self._write(tx, digest)

        try:
            yield finish
        finally:
            self._batch = None

    def _write(self, tx: Any, digest: SaveDigest) -> None:
        assert self.signer is not None and digest.first is not None and digest.last is not None
        at = self._clock()
        message = signed_message(digest.first, digest.last, self.signer.credential, at, digest.digest())
        row = (digest.first, digest.last, self.signer.credential, at.isoformat(), self.signer.sign(message))
        if tx is None:
            self.memory.append(row)
            return
        if not self._ready:
            blob = "BLOB" if tx.placeholder == "?" else "BYTEA"
            tx.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (first_id BIGINT PRIMARY KEY, last_id BIGINT NOT NULL, "
                       f"credential TEXT NOT NULL, at TEXT NOT NULL, signature {blob} NOT NULL)")
            self._ready = True
        tx.execute(f"INSERT INTO {TABLE} (first_id, last_id, credential, at, signature) VALUES (?, ?, ?, ?, ?)", row)


def read_signatures(recorder: Any, memory: Sequence[SignatureRow]) -> list[SignatureRow]:
    """Every stored save signature, by first id; none when the table does not exist (an unsigned store)."""
    kind = _kind(recorder)
    statement = f"SELECT first_id, last_id, credential, at, signature FROM {TABLE} ORDER BY first_id"  # noqa: S608
    if kind == "sqlite":
        import sqlite3

        with recorder.datastore.transaction(commit=False) as c:
            try:
                c.execute(statement)
            except sqlite3.OperationalError:  # no such table
                return []
            return [(int(a), int(b), str(cr), str(at), bytes(s)) for a, b, cr, at, s in c.fetchall()]
    if kind == "postgres":
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT to_regclass(%s) AS t", (f"{recorder.datastore.schema or 'public'}.{TABLE}",))
            if curs.fetchone()["t"] is None:
                return []
            curs.execute(statement.replace(f"FROM {TABLE}", f"FROM {recorder.datastore.schema or 'public'}.{TABLE}"))
            return [(int(r["first_id"]), int(r["last_id"]), r["credential"], r["at"], bytes(r["signature"]))
                    for r in curs.fetchall()]
    return sorted(memory)


def _kind(recorder: Any) -> str:
    for cls in type(recorder).__mro__:
        if (cls.__module__, cls.__name__) == ("eventsourcing.postgres", "PostgresApplicationRecorder"):
            return "postgres"
        if (cls.__module__, cls.__name__) == ("eventsourcing.sqlite", "SQLiteApplicationRecorder"):
            return "sqlite"
    return "memory"
