"""Attack 3: a row inserted straight into the events table is never absorbed by ordinary writes; only an
explicit, recorded `audit repair` brings rows into the log, and the audit then says who brought them in.
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ledger.application import Actor, CertLedger
from ledger.errors import InvalidInput, RuleViolation
from ledger.log_repair import LOG_REPAIR_ID, rows_digest
from ledger.translog import record_bytes
from tests.audit.conftest import beside_read_model
from tests.audit.test_mutations import JINAN, Db, sign, verify, verify_note
from tests.audit.test_same_transaction import fields
from tests.conftest import Backend, on_backends

pytestmark = on_backends("sqlite", "postgres")
KEEPER = Actor("陈工", "1501")


@pytest.fixture
def ledger(backend: Backend) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    app.ensure_default_catalog(JINAN)
    for i in range(5):
        app.issue(JINAN, fields(i))
    yield app
    app.close()


def forge_revocation(ledger: CertLedger, backend: Backend, number: str) -> int:
    """An insider's revocation of a real certificate, written as the library would store it, straight into
    the events table (no save, so no leaf). Returns its notification id."""
    cert = ledger._current(number)
    cert.revoke("冒名作废", "冒名", "1501", ledger.now())
    stored = ledger.mapper.to_stored_event(cert.collect_events()[-1])
    db = Db(backend)
    oid = stored.originator_id if backend.name == "postgres" else stored.originator_id.hex
    db.run("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
           oid, stored.originator_version, stored.topic, stored.state)
    return int(db.events()[-1][0])


def ordinary_writes(ledger: CertLedger) -> None:
    ledger.issue(JINAN, fields(7))
    ledger.revoke(JINAN, fields(3)["number"], "错误发证")
    ledger.issue(JINAN, fields(8))
    ledger.take_checkpoint(sign)


def foreign(ledger: CertLedger) -> list[int | None]:
    report = ledger.audit(verify, verify_note=verify_note)
    return [d.notification_id for d in report.divergences if "not in the log" in d.problem]


def test_a_forged_revocation_is_not_absorbed_by_ordinary_writes_and_stays_named(
        ledger: CertLedger, backend: Backend) -> None:
    victim = fields(1)["number"]
    forged = forge_revocation(ledger, backend, victim)
    ordinary_writes(ledger)
    ordinary_writes_again = CertLedger(env=backend.env, transparency_log=True)  # another process's writes
    try:
        ordinary_writes_again.issue(JINAN, fields(9))
        ordinary_writes_again.take_checkpoint(sign)
    finally:
        ordinary_writes_again.close()
    assert ledger.translog is not None
    assert ledger.translog.position_of(ledger._current(victim).id, 2) is None  # the log does not hold it
    report = ledger.audit(verify, verify_note=verify_note)
    assert [d.notification_id for d in beside_read_model(report.divergences)] == [forged]  # named once
    assert "no save wrote it" in report.divergences[0].problem
    assert [r.notification_id for r in ledger.unlogged_rows()] == [forged]
    lines = {(h.version, h.type): h.summary for h in ledger.history(victim)}
    assert "NOT IN THE LOG" in lines[(2, "Document.Revoked")]
    assert "NOT IN THE LOG" not in lines[(1, "Certificate.Issued")]


def test_a_repair_is_explicit_recorded_and_reported_by_the_audit(ledger: CertLedger, backend: Backend) -> None:
    victim = fields(2)["number"]
    forged = forge_revocation(ledger, backend, victim)
    ledger.issue(JINAN, fields(7))
    row = next(r for r in Db(backend).events() if r[0] == forged)
    expected_sha = rows_digest([(forged, record_bytes(row[1], row[2], row[3], bytes(row[4])))])

    with pytest.raises(InvalidInput, match="--reason"):
        ledger.repair_log(KEEPER, "  ")
    assert foreign(ledger) == [forged]  # a refused repair wrote nothing

    record = ledger.repair_log(KEEPER, "恢复备份后补录 (restored after the 11-30 crash)")
    assert (record.number, record.notification_ids, record.rows_sha256) == (1, (forged,), expected_sha)
    assert (record.operator, record.office) == ("陈工", "1501")
    assert ledger.unlogged_rows() == []
    ledger.take_checkpoint(sign)

    report = ledger.audit(verify, verify_note=verify_note)
    assert report.ok, report.divergences
    assert [(b.notification_id, b.repair.number) for b in report.brought_in] == [(forged, 1)]
    assert "brought in by repair 1 (陈工 @ 1501" in report.summary()
    assert ledger.translog is not None and ledger.translog.position_of(LOG_REPAIR_ID, 2) is not None
    revoked = next(h for h in ledger.history(victim) if h.type == "Document.Revoked")
    assert "brought into the log by repair 1 (陈工 @ 1501" in revoked.summary and "恢复备份" in revoked.summary

    with pytest.raises(RuleViolation, match="nothing to bring in"):
        ledger.repair_log(KEEPER, "again")


def test_repair_only_brings_in_the_rows_named_and_the_others_stay_foreign(
        ledger: CertLedger, backend: Backend) -> None:
    first = forge_revocation(ledger, backend, fields(1)["number"])
    second = forge_revocation(ledger, backend, fields(2)["number"])
    with pytest.raises(InvalidInput, match="--only"):
        ledger.repair_log(KEEPER, "crash", only=[1])  # a logged row is not one to bring in
    ledger.repair_log(KEEPER, "crash", only=[second])
    ledger.issue(JINAN, fields(7))
    report = ledger.audit(verify, verify_note=verify_note)
    assert [b.notification_id for b in report.brought_in] == [second]
    assert [d.notification_id for d in beside_read_model(report.divergences)] == [first]


def test_a_row_changed_after_its_repair_is_named(ledger: CertLedger, backend: Backend) -> None:
    forged = forge_revocation(ledger, backend, fields(1)["number"])
    ledger.repair_log(KEEPER, "crash")
    db = Db(backend)
    row = next(r for r in db.events() if r[0] == forged)
    db.set_row(forged, row[1], row[2], row[3], bytes(row[4]).replace(b"\xe5", b"\xe6", 1) or b"x")
    report = ledger.audit(verify, verify_note=verify_note)
    assert not report.ok
    assert any(d.notification_id == forged for d in report.divergences)


def test_a_repair_record_forged_into_the_table_covers_nothing(ledger: CertLedger, backend: Backend) -> None:
    """An insider who also writes a LogRepair event naming the forged row, straight into the table: no save
    wrote it, so it has no leaf, brings nothing in, and the forged row stays foreign."""
    forged = forge_revocation(ledger, backend, fields(1)["number"])
    register = ledger._repair_register()
    row = next(r for r in Db(backend).events() if r[0] == forged)
    register.bring_in([{"notification_id": forged, "aggregate_id": str(uuid.UUID(str(row[1]))), "version": 2,
                        "topic": row[3]}], rows_digest([(forged, record_bytes(row[1], row[2], row[3],
                                                                               bytes(row[4])))]),
                      "covering my tracks", "冒名", "1501", ledger.now())
    db = Db(backend)
    for e in register.collect_events():
        stored = ledger.mapper.to_stored_event(e)
        oid = stored.originator_id if backend.name == "postgres" else stored.originator_id.hex
        db.run("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
               oid, stored.originator_version, stored.topic, stored.state)
    ledger.issue(JINAN, fields(7))
    report = ledger.audit(verify, verify_note=verify_note)
    assert report.brought_in == ()
    named = {d.notification_id for d in report.divergences}
    assert forged in named and forged + 1 in named and forged + 2 in named  # the row and the fake repair's two
    assert any("repair 1" in d.problem and "not in the log" in d.problem for d in report.divergences)
