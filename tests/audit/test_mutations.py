"""Someone with write access to the database edits it directly: the audit catches every edit
and names the place; the untouched store passes. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql

from keys.algorithms import ES256
from keys.notekeys import head_signer, note_verifier
from keys.tlog import Checkpoint as NoteCheckpoint
from keys.tlog import NoteSigner
from ledger.application import Actor, CertLedger
from ledger.audit import AuditReport
from ledger.translog import Checkpoint
from tests.conftest import Backend, on_backends, resident_id

JINAN = Actor("王芳", "1501")
KID = "auditor-test-key"
_KEY = ES256.generate()  # an office key of the trust list: what signed legacy checkpoints
LOG = NoteSigner.generate("auditor-test.example/log")  # the log key: it signs checkpoints as C2SP notes
sign = head_signer(LOG)
verify_note = note_verifier(LOG.verifier)


def legacy_sign(body: bytes) -> tuple[str, bytes]:
    return KID, ES256.sign(_KEY, body)


def verify(kid: str, body: bytes, signature: bytes) -> bool:
    """A legacy checkpoint's signature, as the trust list checks it."""
    return kid == KID and ES256.verify(_KEY.public_key(), body, signature)


@dataclass
class Db:
    """Raw access to the ledger's tables, bypassing everything, as an insider would."""

    backend: Backend

    @property
    def id_column(self) -> str:
        return "rowid" if self.backend.name == "sqlite" else "notification_id"

    @property
    def table(self) -> str:  # the library names the PostgreSQL table after the application
        return "stored_events" if self.backend.name == "sqlite" else "certledger_events"

    def run(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        query = query.replace("stored_events", self.table)
        if self.backend.name == "sqlite":
            with sqlite3.connect(self.backend.env["SQLITE_DBNAME"]) as conn:
                return conn.execute(query, args).fetchall()
        env = self.backend.env
        with psycopg.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                             password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"], autocommit=True) as c:
            c.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(env["POSTGRES_SCHEMA"])))
            cur = c.execute(query.replace("?", "%s"), args)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def events(self) -> list[tuple[Any, ...]]:
        return self.run(f"SELECT {self.id_column}, originator_id, originator_version, topic, state "
                        f"FROM stored_events ORDER BY {self.id_column}")

    def set_row(self, row_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> None:
        self.run(f"UPDATE stored_events SET originator_id = ?, originator_version = ?, topic = ?, state = ? "
                 f"WHERE {self.id_column} = ?", originator_id, version, topic, state, row_id)


pytestmark = on_backends("sqlite", "postgres")


@pytest.fixture
def ledger(backend: Backend) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    app.ensure_default_catalog(JINAN)
    for i in range(12):
        app.issue(JINAN, {"number": f"19150100000002{i:02d}", "holder_name": "刘建国", "gender": "男",
                          "id_number": resident_id(serial=i), "occupation": "电工", "level": "三级",
                          "issue_date": "2019-06-28"})
    app.take_checkpoint(sign)  # size 14: the catalog's 2 events and 12 issuances
    for i in range(12, 20):
        app.issue(JINAN, {"number": f"19150100000002{i:02d}", "holder_name": "刘建国", "gender": "男",
                          "id_number": resident_id(serial=i), "occupation": "电工", "level": "三级",
                          "issue_date": "2019-06-28"})
    app.take_checkpoint(sign)  # size 22
    yield app
    app.close()


def audited(app: CertLedger) -> AuditReport:
    return app.audit(verify, verify_note=verify_note)


def test_the_untouched_store_passes(ledger: CertLedger) -> None:
    report = audited(ledger)
    assert report.ok, report.summary()
    assert (report.events, report.leaves, report.checkpoints) == (22, 22, 2)


def test_one_changed_byte_of_one_event_is_found_at_its_position(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    row = db.events()[5]
    state = bytearray(row[4])
    state[len(state) // 2] ^= 0x01
    db.set_row(row[0], row[1], row[2], row[3], bytes(state))
    first = audited(ledger).first
    assert first is not None and first.position == 5 and "differs" in first.problem
    assert first.event_type == "Certificate.Issued" and uuid.UUID(first.aggregate) == uuid.UUID(str(row[1]))


def test_an_aggregate_id_rewritten_to_another_is_found(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    row = db.events()[6]
    db.set_row(row[0], str(uuid.uuid4()), row[2], row[3], row[4])
    first = audited(ledger).first
    assert first is not None and first.position == 6 and "differs" in first.problem


def test_an_aggregate_id_that_is_no_uuid_is_found_and_the_audit_goes_on(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    row = db.events()[4]
    if backend.name == "postgres":  # its uuid column refuses such a value itself
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            db.set_row(row[0], "not-a-uuid-" + "0" * 25, row[2], row[3], row[4])
        return
    db.set_row(row[0], "not-a-uuid-" + "0" * 25, row[2], row[3], row[4])
    report = audited(ledger)
    assert report.first is not None and report.first.position == 4 and "malformed" in report.first.problem
    assert report.events == 22  # every later event was still replayed


def test_a_deleted_row_is_found(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    victim = db.events()[7]
    db.run(f"DELETE FROM stored_events WHERE {db.id_column} = ?", victim[0])
    report = audited(ledger)
    assert report.first is not None and report.first.position == 7 and "deleted or inserted" in report.first.problem


def test_a_forged_row_inserted_at_the_end_is_found(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    model = db.events()[3]
    db.run("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
           model[1], 99, model[3], model[4])
    report = audited(ledger)
    assert report.first is not None and report.first.position == 22 and "not in the log" in report.first.problem


def test_two_swapped_rows_are_found_at_the_first_of_them(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    rows = db.events()
    a, b = rows[4], rows[9]
    placeholder = uuid.uuid4() if backend.name == "postgres" else uuid.uuid4().hex
    db.set_row(a[0], placeholder, 1, a[3], a[4])  # the key is unique: move one out of the way first
    db.set_row(b[0], a[1], a[2], a[3], a[4])
    db.set_row(a[0], b[1], b[2], b[3], b[4])
    report = audited(ledger)
    assert report.first is not None and report.first.position == 4
    assert {d.position for d in report.divergences} >= {4, 9}


def test_a_truncated_tail_is_found(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    cut = db.events()[17][0]
    db.run(f"DELETE FROM stored_events WHERE {db.id_column} >= ?", cut)
    report = audited(ledger)
    assert not report.ok
    assert any(d.position == 17 and "truncated" in d.problem for d in report.divergences)
    assert any("checkpoint covers 22 events" in d.problem for d in report.divergences)


def test_a_forged_checkpoint_is_found(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    db.run("UPDATE log_checkpoints SET root = ? WHERE size = ?", b"\x00" * 32, 14)
    report = audited(ledger)
    assert report.first is not None and "checkpoint at size 14" in report.first.problem
    assert "does not verify" in report.first.problem


def test_a_checkpoint_signed_by_an_unknown_key_is_found(ledger: CertLedger, backend: Backend) -> None:
    rogue = NoteSigner.generate(LOG.name)  # the log's name, another key
    cp = ledger.translog.latest_checkpoint()  # type: ignore[union-attr]
    assert cp is not None
    note = NoteCheckpoint(LOG.name, cp.size, cp.root).sign(rogue)
    Db(backend).run("UPDATE log_checkpoints SET note = ?, signature = ? WHERE size = ?", note.encode(),
                    note.signatures[0].data, cp.size)
    report = audited(ledger)
    assert report.first is not None and "checkpoint at size 22" in report.first.problem


def test_rewriting_an_event_and_the_log_together_is_caught_by_the_signed_checkpoint(
        ledger: CertLedger, backend: Backend) -> None:
    """The insider also recomputes the log's leaves and nodes: only the signed root still knows."""
    db = Db(backend)
    row = db.events()[2]
    state = bytearray(row[4])
    state[10] ^= 0x01
    db.set_row(row[0], row[1], row[2], row[3], bytes(state))
    # Rebuild the whole log from the edited events, as a careful forger would.
    db.run("DELETE FROM log_leaves")
    db.run("DELETE FROM log_nodes")
    ledger.translog.catch_up(ledger.recorder)  # type: ignore[union-attr]
    report = audited(ledger)
    assert not report.ok
    first = report.first
    # Named where the rewrite can begin (no earlier tree matched: the first event), not at the checkpoint's end;
    # with the save audit the edited row itself is named (tests/audit/test_first_divergence.py).
    assert first is not None and "does not match the checkpoint" in first.problem and first.position == 0
    assert "before position 14" in first.problem and first.notification_id == 1


def test_a_checkpoint_body_states_origin_size_and_root_as_a_c2sp_checkpoint(ledger: CertLedger) -> None:
    cp: Checkpoint = ledger.translog.checkpoints()[0]  # type: ignore[union-attr]
    lines = cp.body.decode().splitlines()
    assert lines == [LOG.name, "14", base64.b64encode(cp.root).decode()] and not cp.legacy
    assert cp.note is not None and cp.note.startswith(cp.body + "\n\u2014 ".encode())
    assert LOG.verifier.verify(cp.body, cp.signature) and verify_note(cp)


def test_a_legacy_checkpoint_body_states_origin_size_root_and_time_and_the_trust_list_verifies_it(
        ledger: CertLedger) -> None:
    """A store written before C2SP notes keeps checkpoints signed by an office key: still verified, as legacy."""
    assert ledger.translog is not None
    at = ledger.now()
    unsigned = Checkpoint(10, ledger.translog.root(10), at, "", b"")
    kid, signature = legacy_sign(unsigned.body)
    ledger.translog.store.add_checkpoint(Checkpoint(10, unsigned.root, at, kid, signature))
    cp = ledger.translog.checkpoints()[0]
    lines = cp.body.decode().splitlines()
    assert cp.legacy and lines[0] == "certledger-log/1" and lines[1] == "10" and len(lines) == 4
    report = audited(ledger)
    assert report.ok and (report.checkpoints, report.legacy) == (3, 1)
    ledger.translog.store.add_checkpoint(Checkpoint(10, b"\x01" * 32, at, kid, signature))  # replaced: forged
    report = audited(ledger)
    assert report.first is not None and "checkpoint at size 10 (legacy format" in report.first.problem

