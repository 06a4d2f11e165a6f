"""Wiring the signed saves' audit (ledger.audit_saves) to this application's store."""

from __future__ import annotations

import dataclasses
import os
import pickle
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent as LibraryEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.app_base import LedgerBase
from ledger.audit import AuditReport, Divergence, StoredEvent, file_rows, located
from ledger.audit_saves import REPAIR_TOPICS, CredentialChecks, SaveAudit, registry_from
from ledger.audit_trust import TOPICS as TRUST_TOPICS
from ledger.audit_trust import trust_list_divergences
from ledger.credential import Credential
from ledger.events import topics_of
from ledger.save_signing import SignatureRow, read_signatures
from ledger.signing_key import SigningKey

_REGISTRY_EVENTS = (Credential.Enrolled, Credential.Revoked, SigningKey.Registered, SigningKey.Revoked)


class SaveAuditing(LedgerBase):
    def _save_audit(self, checks: CredentialChecks) -> SaveAudit:
        """The save audit for one pass: the signature rows, and what the store records about credentials, keys,
        trust lists and repairs (a few events, read by topic and decoded by the library)."""
        found: list[Any] = []
        start = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=self.notification_page,
                                                      topics=_registry_topics())
            found += page
            if len(page) < self.notification_page:
                break
            start = page[-1].id + 1
        return self._made_save_audit(read_signatures(self.recorder, self.save_signatures.memory),
                                     self._decoded((n.id, n) for n in found), checks)

    def save_audit_of(self, signatures: Sequence[SignatureRow], events: Iterable[StoredEvent],
                      checks: CredentialChecks) -> SaveAudit:
        """The save audit of rows held outside any store (an `audit export` bundle), decoded by this ledger's
        mapper; pass it to `ledger.audit.audit(..., saves=)` with the same rows."""
        wanted = set(_registry_topics())
        rows = ((e.notification_id, LibraryEvent(originator_id=uuid.UUID(str(e.originator_id)),
                                                 originator_version=e.version, topic=e.topic, state=bytes(e.state)))
                for e in events if e.topic in wanted)
        return self._made_save_audit(sorted(signatures), self._decoded(rows), checks)

    def _decoded(self, rows: Iterable[tuple[int, Any]]) -> list[tuple[int, Any]]:
        """The domain events of stored rows; a row the library cannot read is left out (an altered row: the log
        and the save signature checks name it)."""
        decoded = []
        for nid, stored in rows:
            try:
                decoded.append((nid, self.mapper.to_domain_event(stored)))
            except Exception:  # noqa: BLE001, S112 (whatever the decoder raises on altered bytes)
                continue
        return decoded

    def _made_save_audit(self, signatures: Sequence[SignatureRow], events: list[tuple[int, Any]],
                         checks: CredentialChecks) -> SaveAudit:
        registry = registry_from(events)
        lists = trust_list_divergences(events, checks.trust_list_problem)  # each recorded list: its save's keys
        return SaveAudit(signatures, registry, checks, self._state_decoder(), noted=lists)

    def _beside(self, saves: SaveAudit) -> Callable[[], list[Divergence]] | None:
        """On SQLite, run the save audit over the rows in a forked process of its own (the log's replay and the
        save checks each take about half an audit: two cores, half the time); returns a function that waits for
        its divergences. None where that is not possible (another store, no fork): the audit runs it in line."""
        path = self.env.get("SQLITE_DBNAME", "")
        if not isinstance(self.recorder, SQLiteApplicationRecorder) or not path or ":memory:" in path or not hasattr(
                os, "fork"):
            return None
        table = self.recorder.events_table_name
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own connection, its own pass, its answer down the pipe, then gone
            code = 1
            try:
                found: list[Divergence] = []
                saves.start(lambda d: found.append(d) if len(found) < 100 else None)
                for i, row in enumerate(file_rows(path, table)):
                    saves.event(row, i)
                saves.finish()
                with os.fdopen(write, "wb") as pipe:
                    pickle.dump(found, pipe)
                code = 0
            finally:
                os._exit(code)
        os.close(write)

        def wait() -> list[Divergence]:
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            if status != 0 or not data:
                raise RuntimeError("the save audit's process failed")
            return list(pickle.loads(data))  # noqa: S301 (our own child's answer)

        return wait

    def _state_decoder(self) -> Any:
        cipher, compressor = self.mapper.cipher, self.mapper.compressor
        if cipher is None and compressor is None:
            return bytes

        def decode(state: bytes) -> bytes:
            if cipher is not None:
                state = cipher.decrypt(state)
            if compressor is not None:
                state = compressor.decompress(state)
            return state

        return decode


def _registry_topics() -> list[str]:
    return sorted({t for cls in _REGISTRY_EVENTS for t in topics_of(cls)} | {*REPAIR_TOPICS, *TRUST_TOPICS})


def merged(report: AuditReport, saves: list[Divergence]) -> AuditReport:
    """The log's divergences and the saves' forgeries in one report, in the store's order."""
    every = sorted((*report.divergences, *saves), key=lambda d: (d.notification_id is not None,
                                                                 d.notification_id or 0))
    every = sorted(located(every), key=lambda d: (d.notification_id is not None, d.notification_id or 0))
    return dataclasses.replace(report, divergences=tuple(every[:100]))
