"""The verification read model (ledger/readmodel.py) on every backend: kept by every save path in the
events' transaction, equal to the one rebuilt from the events, and every tampered row named by the audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind
from ledger.readmodel import COLUMNS, TABLE, connector
from ledger.readmodel_check import _plain
from tests.conftest import AppFactory, Backend, on_backends
from tests.integration.test_bulk_import import certificates
from tests.integration.test_scenario import JINAN, LIAONING, WELDER, WELDER_2, electrician, welder

PROVINCE = Actor("导入员", "1500")


def kept(app: CertLedger) -> dict[str, tuple[Any, ...]]:
    """The read model's rows as stored."""
    found = connector(app.env)
    if found is None:
        assert app.readmodel is not None
        return dict(app.readmodel.memory)
    conn = found[0]()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT {COLUMNS} FROM {TABLE}")  # noqa: S608
        return {row[0]: row for row in map(_plain, cur.fetchall())}
    finally:
        conn.close()


def execute(app: CertLedger, statement: str, *args: Any) -> None:
    found = connector(app.env)
    assert found is not None
    conn = found[0]()
    try:
        conn.cursor().execute(statement.replace("?", found[1]), args)
        conn.commit()
    finally:
        conn.close()


def a_ledger_with_every_kind_of_change(app: CertLedger, tmp_path: Path) -> None:
    app.ensure_default_catalog(JINAN)
    app.issue(JINAN, electrician())
    app.prove(JINAN, electrician()["number"], ProofKind.WRITTEN, "lost")
    app.issue(LIAONING, welder())
    app.reissue(LIAONING, WELDER)  # edition 1 superseded by 2, in one save
    app.issue(LIAONING, welder(WELDER_2))
    app.revoke(LIAONING, WELDER_2, "issued on a forged application")
    app.import_many(PROVINCE, certificates(tmp_path, 40), "import.csv")  # the bulk path (COPY on PostgreSQL)


@on_backends("memory", "sqlite", "postgres")
def test_the_kept_read_model_equals_the_one_rebuilt_from_the_events(
        backend: Backend, make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app()
    a_ledger_with_every_kind_of_change(app, tmp_path)
    before = kept(app)
    assert len(before) == 1 + 1 + 2 + 1 + 40
    assert app.rebuild_views() == len(before)
    assert kept(app) == before
    assert app.readmodel_divergences() == []
    first, second, revoked = before[f"{WELDER}#1"], before[f"{WELDER}#2"], before[f"{WELDER_2}#1"]
    assert (first[3], first[4]) == ("superseded", f"{WELDER}#2") and second[3] == "current"
    assert revoked[3] == "revoked"
    assert before[f"SM-{electrician()['number']}-01"][3] == "current"
    assert electrician()["id_number"] not in str(before)  # the masked ID number only


@on_backends("sqlite", "postgres")
def test_a_second_instance_keeps_the_rows_the_first_one_reads(backend: Backend, make_app: AppFactory,
                                                              tmp_path: Path) -> None:
    app = make_app()
    a_ledger_with_every_kind_of_change(app, tmp_path)
    other = make_app()
    other.revoke(LIAONING, WELDER, "wrong holder")  # edition 2
    assert kept(app)[f"{WELDER}#2"][3] == "revoked"
    assert app.readmodel_divergences() == []


@on_backends("sqlite", "postgres")
def test_each_tampered_row_is_named_by_the_audit(backend: Backend, make_app: AppFactory, tmp_path: Path) -> None:
    app = CertLedger(env=backend.env, transparency_log=True)  # the audit replays the log
    try:
        a_ledger_with_every_kind_of_change(app, tmp_path)
        execute(app, f"UPDATE {TABLE} SET state = 'current', successor = NULL WHERE reference = ?",  # noqa: S608
                f"{WELDER}#1")
        execute(app, f"DELETE FROM {TABLE} WHERE reference = ?", f"{WELDER_2}#1")  # noqa: S608
        row = kept(app)[f"{WELDER}#2"]
        execute(app, f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                "1807000000999999#1", *row[1:])
        named = {d.aggregate: d.problem for d in app.readmodel_divergences()}
        assert named.keys() == {f"{WELDER}#1", f"{WELDER_2}#1", "1807000000999999#1"}
        assert "differs from the events in state, successor" in named[f"{WELDER}#1"]
        assert "no row" in named[f"{WELDER_2}#1"] and "no event" in named["1807000000999999#1"]
        report = app.audit(lambda *_: True)
        assert not report.ok and {d.aggregate for d in report.divergences} >= named.keys()
        assert any("verification read model" in d.describe() for d in report.divergences)
        app.rebuild_views()
        assert app.audit(lambda *_: True).ok
    finally:
        app.close()


@on_backends("sqlite")
def test_a_failing_read_model_write_leaves_no_event(backend: Backend, make_app: AppFactory,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    app.ensure_default_catalog(JINAN)
    events = app.count_events()
    assert app.readmodel is not None

    def broken(doc: Any) -> Any:
        raise RuntimeError("read model write failed")

    monkeypatch.setattr("ledger.readmodel.record_of", broken)
    with pytest.raises(RuntimeError, match="read model write failed"):
        app.issue(JINAN, electrician())
    assert app.count_events() == events and electrician()["number"] + "#1" not in kept(app)


LEGACY = Path(__file__).resolve().parent.parent / "data" / "legacy_store" / "ledger-1893130.sqlite"


def test_a_store_written_before_the_read_model_gets_it_built_from_its_events(tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "ledger.sqlite"
    shutil.copyfile(LEGACY, store)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(store)}
    read_only = CertLedger(env={**env, "CREATE_TABLE": "n"})  # as every command but init opens it
    try:
        assert read_only.readmodel is not None and read_only.readmodel.write_in_transaction not in (
            read_only.recorder.writers)  # type: ignore[attr-defined]
        assert read_only.readmodel_divergences()[0].problem.startswith("the store has no verification read model")
        assert read_only.rebuild_views() > 0  # `certledger audit rebuild-views`
        assert read_only.readmodel_divergences() == []
    finally:
        read_only.close()
    shutil.copyfile(LEGACY, store)
    migrated = CertLedger(env=env)  # a process that may create tables builds it on opening
    try:
        rows = kept(migrated)
        assert rows and migrated.readmodel_divergences() == []
        assert {r[3] for r in rows.values()} <= {"current", "superseded", "revoked"}
    finally:
        migrated.close()


@on_backends("sqlite", "postgres")
def test_with_the_ledgers_cipher_the_rows_hold_no_name_yet_read_and_audit_as_before(
        backend: Backend, make_app: AppFactory, tmp_path: Path) -> None:
    from eventsourcing.cryptography import AESCipher

    from ledger.readmodel import reader_for
    from ledger.verification_record import record_of

    key = AESCipher.create_key(32)
    app = make_app(CIPHER_KEY=key, CIPHER_TOPIC="eventsourcing.cryptography:AESCipher", COMPRESSOR_TOPIC="zlib")
    a_ledger_with_every_kind_of_change(app, tmp_path)
    rows = kept(app)
    reference = f"{electrician()['number']}#1"
    assert rows and all(electrician()["holder_name"] not in str(row) for row in rows.values())
    assert all(str(row[8]).startswith("aesgcm:") for row in rows.values())
    reader = reader_for(app.env)
    assert reader is not None
    record = reader.record(reference)
    assert record is not None and record.payload() == record_of(app._current(electrician()["number"])).payload()
    assert app.readmodel_divergences() == []  # the audit opens each kept row before comparing
    execute(app, f"UPDATE {TABLE} SET payload = ? WHERE reference = ?", rows[reference][8][:-8] + "AAAAAAA=",
            reference)
    with pytest.raises(Exception):  # noqa: B017 - a sealed payload altered at rest no longer opens
        reader.record(reference)


@on_backends("sqlite", "postgres")
def test_a_plain_issuance_read_straight_from_its_row_is_the_record_its_aggregate_gives(
        backend: Backend, tmp_path: Path) -> None:
    """The audit's lean reading of an issued or imported certificate (orjson, no aggregate) gives the row the
    library's decoding and the aggregate give; a state it does not read exactly goes the library's way."""
    from ledger.audit import events_from_recorder
    from ledger.readmodel_check import LeanIssuance
    from ledger.verification_record import PLAIN_ISSUANCE, record_of

    app = CertLedger(env=backend.env)
    try:
        a_ledger_with_every_kind_of_change(app, tmp_path)
        lean = LeanIssuance(app._state_decoder())
        plain = [e for e in events_from_recorder(app.recorder)
                 if e.version == 1 and app.mapper.to_domain_event(_library(e)).__class__ in PLAIN_ISSUANCE]
        assert len(plain) >= 43  # the issued electrician and welders, and the 40 imported
        for e in plain:
            record = lean(e)
            assert record is not None
            assert record.row() == record_of(app.mapper.to_domain_event(_library(e)).mutate(None)).row()
        assert lean(plain[0]._replace(state=plain[0].state.replace(b'"edition":1', b'"edition":"1"'))) is None
        assert lean(plain[0]._replace(state=b"not json")) is None
    finally:
        app.close()


def _library(e: Any) -> Any:
    from eventsourcing.persistence import StoredEvent

    return StoredEvent(e.originator_id, e.version, e.topic, e.state)


@on_backends("sqlite", "postgres")
def test_a_payload_altered_in_one_field_is_named_as_the_payload(backend: Backend, tmp_path: Path) -> None:
    """The kept payload is compared as a JSON value: a holder's name changed inside it, with every column
    left alone, is named; the same payload written with other spacing is not a difference."""
    app = CertLedger(env=backend.env)
    try:
        a_ledger_with_every_kind_of_change(app, tmp_path)
        reference, row = next((r, v) for r, v in kept(app).items() if r != f"{WELDER}#1")
        value = json.loads(row[-1])
        execute(app, f"UPDATE {TABLE} SET payload = ? WHERE reference = ?",  # noqa: S608
                json.dumps(value, ensure_ascii=False, indent=1), reference)
        assert app.readmodel_divergences() == []
        value["fields"]["holder_name"] = "冒名"
        execute(app, f"UPDATE {TABLE} SET payload = ? WHERE reference = ?",  # noqa: S608
                json.dumps(value, ensure_ascii=False), reference)
        named = {d.aggregate: d.problem for d in app.readmodel_divergences()}
        assert named == {reference: "the verification read model's row differs from the events in payload"}
    finally:
        app.close()


@on_backends("sqlite")
def test_the_documents_of_several_events_listed_by_one_query_give_the_records_of_a_first_pass(
        backend: Backend, tmp_path: Path) -> None:
    """The audit's workers learn each document's last version from one GROUP BY on the table's key
    (audit_rows.file_lasts), each its share of the rows: the same records as the pass over every row."""
    from ledger.audit_rows import file_lasts, file_rows
    from ledger.readmodel_rebuild import document_records

    app = CertLedger(env=backend.env)
    try:
        a_ledger_with_every_kind_of_change(app, tmp_path)
        path, table, decode = backend.env["SQLITE_DBNAME"], app.recorder.events_table_name, app.mapper.to_domain_event
        passed = [r.row() for r in document_records(lambda: file_rows(path, table), decode)]
        assert len(passed) == 45 and any(r[0] == f"{WELDER}#2" for r in passed)
        assert [r.row() for r in document_records(lambda: file_rows(path, table), decode, None,
                                                  lambda: file_lasts(path, table))] == passed
        several = {i for i, _, _ in file_lasts(path, table)}
        assert len(several) >= 3  # the reissued and the revoked certificate, the office's key and more
        shared = [r.row() for i in range(2) for r in document_records(
            lambda i=i: file_rows(path, table, share=(2, i)), decode, None,
            lambda i=i: file_lasts(path, table, (2, i)))]
        assert sorted(shared) == sorted(passed)
    finally:
        app.close()
