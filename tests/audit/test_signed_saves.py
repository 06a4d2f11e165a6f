"""Signed saves (issue 12, item 2): one signature of the acting credential per save, checked by the audit.
A row an insider writes, with or without the log recomputed and with or without a signature row of a
credential they hold, is named as a forgery at its position. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.errors import RuleViolation
from ledger.events import ActedCreated
from ledger.save_signing import TABLE, SaveDigest, row_bytes, signed_message
from ledger.values import parse_certificate
from tests.audit.conftest import beside_read_model
from tests.audit.test_mutations import Db, verify
from tests.conftest import Backend, SigningOffices, on_backends, resident_id

pytestmark = on_backends("sqlite", "postgres")
JINAN, LIAONING = Actor("张三", "1501"), Actor("李四", "0700")


def fields(i: int, authority: str = "1501") -> dict[str, str]:
    return {"number": f"19{authority}00000004{i:02d}", "holder_name": "刘建国", "gender": "男",
            "id_number": resident_id(serial=i), "occupation": "电工", "level": "三级", "issue_date": "2019-06-28"}


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(JINAN)
    for i in range(3):
        app.issue(JINAN, fields(i))
    yield app
    app.close()


def audited(app: CertLedger, offices: SigningOffices, *, checks: bool = True) -> Any:
    return app.audit(verify, credentials=offices.verifier if checks else None)


def forgeries(report: Any) -> list[str]:
    return [d.problem for d in report.divergences if d.problem.startswith("forgery")]


def test_the_honest_path_is_intact_with_one_signature_per_save(ledger: CertLedger, offices: SigningOffices,
                                                               backend: Backend) -> None:
    report = audited(ledger, offices)
    assert report.ok, report.summary()
    saves = Db(backend).run(f"SELECT first_id, last_id FROM {TABLE} ORDER BY first_id")
    events = Db(backend).events()
    assert [(a, b) for a, b in saves][-3:] == [(e[0], e[0]) for e in events[-3:]]  # an issue: one event, one save
    assert sum(b - a + 1 for a, b in saves) == len(events)  # every event in exactly one save


def test_a_bulk_import_is_one_signed_save(ledger: CertLedger, offices: SigningOffices, backend: Backend,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import bulk

    monkeypatch.setattr(bulk, "CHUNK", 7)  # several chunks, one transaction, one signature
    before = len(Db(backend).run(f"SELECT * FROM {TABLE}"))
    datas = [parse_certificate(fields(i)) for i in range(10, 40)]
    assert ledger.import_many(JINAN, datas, "legacy.csv") == 30
    rows = Db(backend).run(f"SELECT first_id, last_id FROM {TABLE} ORDER BY first_id")
    assert len(rows) == before + 1 and rows[-1][1] - rows[-1][0] + 1 == 30
    assert audited(ledger, offices).ok


def test_a_save_naming_another_actor_than_its_credential_is_refused_and_nothing_written(
        ledger: CertLedger, backend: Backend) -> None:
    count = len(Db(backend).events())
    for who in (Actor("冒名", "1501"), LIAONING):
        with pytest.raises(RuleViolation, match="credential"):
            ledger.issue(who, fields(5, who.office))
        with pytest.raises(RuleViolation, match="credential"):
            ledger.import_many(who, [parse_certificate(fields(6, who.office))], "x.csv")
    assert len(Db(backend).events()) == count


def _insert(backend: Backend, topic: str, state: bytes, originator: Any = None, version: int = 1) -> int:
    db = Db(backend)
    oid = uuid.UUID(str(originator)) if originator else uuid.uuid4()
    oid = oid if backend.name == "postgres" else oid.hex  # type: ignore[assignment]
    db.run("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
           oid, version, topic, state)
    return int(db.events()[-1][0])


def test_a_row_inserted_straight_is_a_forgery_named_at_its_position(ledger: CertLedger, offices: SigningOffices,
                                                                    backend: Backend) -> None:
    model = Db(backend).events()[-1]
    nid = _insert(backend, model[3], bytes(model[4]))
    report = audited(ledger, offices)
    [d] = [d for d in report.divergences if d.problem.startswith("forgery")]
    assert (d.notification_id, d.event_type) == (nid, "Certificate.Issued")
    assert "no save signature covers this event" in d.problem


def test_with_the_log_recomputed_only_the_signature_check_names_the_forged_row(
        ledger: CertLedger, offices: SigningOffices, backend: Backend) -> None:
    """Attack 4's insider also rewrites the log tables: the log check alone then reads "intact"."""
    model = Db(backend).events()[-1]
    nid = _insert(backend, model[3], bytes(model[4]))
    assert ledger.translog is not None and ledger.translog.catch_up(ledger.recorder) == 1  # the log absorbs it
    # Without the save checks the log reads intact; only the read model, which no event rebuilds into a
    # second certificate of the same number, disagrees with the events.
    without = audited(ledger, offices, checks=False)
    assert without.divergences and beside_read_model(without.divergences) == []
    report = audited(ledger, offices)
    assert [d.notification_id for d in beside_read_model(report.divergences)] == [nid] and forgeries(report)


def _sign_rows(backend: Backend, credential: Any, first: int, last: int) -> None:
    """An insider holding `credential` (another office's) signs rows it wrote, exactly as a save would."""
    digest = SaveDigest()
    for nid, oid, version, topic, state in Db(backend).events():
        if first <= nid <= last:
            digest.add(nid, oid, version, topic, bytes(state))
    at = datetime.now(UTC)
    signature = credential.sign(signed_message(first, last, credential.credential, at, digest.digest()))
    Db(backend).run(f"INSERT INTO {TABLE} (first_id, last_id, credential, at, signature) VALUES (?, ?, ?, ?, ?)",
                    first, last, credential.credential, at.isoformat(), signature)


def test_a_forged_row_signed_with_another_offices_valid_credential_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices, backend: Backend) -> None:
    liaoning = offices.credential("0700", "李四")
    other = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(other, liaoning)  # 0700 is a genuine office of this ledger, with a valid credential
    cert = ledger._current(fields(0)["number"])
    # The insider's revocation of Jinan's certificate, in the shape the library stores, claiming office 1501 ...
    forged = ledger.mapper.to_stored_event(cert.Revoked(  # type: ignore[attr-defined]
        originator_id=cert.id, originator_version=cert.version + 1, timestamp=datetime.now(UTC), reason="冒名",
        operator="张三", office="1501", at=datetime.now(UTC)))
    nid = _insert(backend, forged.topic, forged.state, forged.originator_id, forged.originator_version)
    _sign_rows(backend, liaoning, nid, nid)
    assert ledger.translog is not None
    ledger.translog.catch_up(ledger.recorder)
    ledger.rebuild_views()
    assert audited(ledger, offices, checks=False).ok
    [d] = audited(ledger, offices).divergences
    assert (d.notification_id, d.event_type) == (nid, "Certificate.Revoked")
    assert "names office 1501 but is signed by a credential of 0700" in d.problem
    # ... and claiming its own office 0700: the issuing-authority rule names it.
    other_cert = ledger._current(fields(1)["number"])
    forged = ledger.mapper.to_stored_event(other_cert.Revoked(  # type: ignore[attr-defined]
        originator_id=other_cert.id, originator_version=other_cert.version + 1, timestamp=datetime.now(UTC),
        reason="冒名", operator="李四", office="0700", at=datetime.now(UTC)))
    nid2 = _insert(backend, forged.topic, forged.state, forged.originator_id, forged.originator_version)
    _sign_rows(backend, liaoning, nid2, nid2)
    ledger.translog.catch_up(ledger.recorder)
    problems = {d.notification_id: d.problem for d in audited(ledger, offices).divergences}
    assert "office 0700 had no authority here: the document's issuing authority is 1501" in problems[nid2]
    other.close()


def test_an_altered_signed_row_and_an_unsigned_save_are_forgeries(ledger: CertLedger, offices: SigningOffices,
                                                                 backend: Backend) -> None:
    unsigned = CertLedger(env=backend.env, transparency_log=True)  # signer=None: a library user's save
    unsigned.issue(JINAN, fields(9))
    nid = int(Db(backend).events()[-1][0])
    report = audited(ledger, offices)
    assert [d.notification_id for d in report.divergences] == [nid]
    # A signature row over different rows: the digest no longer matches.
    _sign_rows(backend, ledger.signer, nid, nid)
    Db(backend).run(f"UPDATE {TABLE} SET signature = ? WHERE first_id = ?", b"\0" * 64, nid)
    [d] = audited(ledger, offices).divergences
    assert "does not verify over the stored rows" in d.problem
    unsigned.close()


def test_saves_after_a_credentials_revocation_are_forgeries(ledger: CertLedger, offices: SigningOffices,
                                                            backend: Backend) -> None:
    assert ledger.signer is not None
    stolen = ledger.signer
    second = offices.credential("1501", "赵敏")
    offices.enrol(ledger, second, first=False)
    ledger.revoke_credential(Actor("赵敏", "1501"), stolen.credential, "lost laptop")
    ledger.sign_with(stolen)
    ledger.issue(JINAN, fields(20))  # the thief's save: signed, but after the revocation
    nid = int(Db(backend).events()[-1][0])
    [d] = audited(ledger, offices).divergences
    assert d.notification_id == nid and "after its revocation" in d.problem


class Repair(Aggregate):
    """A hand-made `audit repair` event (branch rest builds the real one): contract 4's shape."""

    class Repaired(ActedCreated):
        notification_ids: list[int]
        rows_sha256: str

    def __init__(self, notification_ids: list[int], rows_sha256: str, operator: str, office: str,
                 at: datetime) -> None:
        self.notification_ids = notification_ids


def test_rows_a_verified_repair_attests_count_as_covered(ledger: CertLedger, offices: SigningOffices,
                                                         backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from eventsourcing.utils import get_topic

    monkeypatch.setattr("ledger.audit_saves.REPAIR_TOPICS", [get_topic(Repair.Repaired)])
    monkeypatch.setattr("ledger.app_save_audit.REPAIR_TOPICS", [get_topic(Repair.Repaired)])
    model = Db(backend).events()[-1]
    nid = _insert(backend, model[3], bytes(model[4]))
    row = next(r for r in Db(backend).events() if r[0] == nid)

    def repair(sha: str) -> None:
        ledger._save(Repair._create(Repair.Repaired, id=uuid.uuid4(), notification_ids=[nid], rows_sha256=sha,
                                    operator="张三", office="1501", at=ledger.now()))

    repair(hashlib.sha256(b"x").hexdigest())  # a repair attesting other bytes: not covered
    problems = [d.problem for d in audited(ledger, offices).divergences]
    assert any("differ from those it attested" in p for p in problems)
    repair(hashlib.sha256(row_bytes(row[0], row[1], row[2], row[3], bytes(row[4]))).hexdigest())
    problems = [d.problem for d in audited(ledger, offices).divergences]
    assert not any("no save signature covers" in p for p in problems)  # the repaired row counts as covered


def test_another_offices_revocation_of_a_key_signed_with_its_own_credential_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices, backend: Backend) -> None:
    liaoning = offices.credential("0700", "李四")
    other = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(other, liaoning)
    kid = offices.office_key("1501")[0].kid
    key = ledger._key(kid)
    forged = ledger.mapper.to_stored_event(key.Revoked(  # type: ignore[attr-defined]
        originator_id=key.id, originator_version=key.version + 1, timestamp=datetime.now(UTC),
        compromised_at=datetime.now(UTC), reason="冒名", operator="李四", office="0700", at=datetime.now(UTC)))
    nid = _insert(backend, forged.topic, forged.state, forged.originator_id, forged.originator_version)
    _sign_rows(backend, liaoning, nid, nid)
    assert ledger.translog is not None
    ledger.translog.catch_up(ledger.recorder)
    ledger.issue(JINAN, fields(30))  # Jinan's key still stands: its saves after the forged revocation are genuine
    report = audited(ledger, offices)
    assert [d.notification_id for d in report.divergences] == [nid]
    assert "the key or credential belongs to office 1501" in report.divergences[0].problem
    other.close()
