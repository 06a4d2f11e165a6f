"""Bulk import (ledger.bulk): what it stores is what the library's own save() stores, a size the library's
PostgreSQL recorder never finishes goes through, and a file with numbers already issued writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic
from psycopg import sql

from bench.gen_certificates import write
from formats.import_file import read_rows
from ledger.application import Actor, CertLedger
from ledger.domain import Certificate, certificate_id
from ledger.errors import AlreadyExists
from ledger.importer import validate_rows
from ledger.leaves import leaf_fields
from ledger.values import CertificateData
from tests.conftest import Backend, on_backends, postgres_connect, postgres_settings

AT = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
PROVINCE = Actor("导入员", "1500")  # the provincial office imports every city's certificates


def certificates(tmp_path: Path, n: int, start: int = 0) -> list[CertificateData]:
    path = write(tmp_path / f"certs-{start}-{n}.csv", n, start=start)
    return validate_rows(read_rows(path), path.name)


@pytest.fixture
def second_store(backend: Backend, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Another empty store on the same backend (a file, a schema), for the library's own save."""
    if backend.name == "sqlite":
        yield {**backend.env, "SQLITE_DBNAME": str(tmp_path / "library.sqlite")}
        return
    settings = postgres_settings()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_connect(settings) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield {**backend.env, "POSTGRES_SCHEMA": schema}
    finally:
        with postgres_connect(settings) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def rows(app: CertLedger) -> list[tuple[int, str, int, str, bytes]]:
    page = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state) for n in page]


@on_backends("sqlite", "postgres")
def test_bulk_stores_byte_for_byte_what_the_librarys_save_stores(
        backend: Backend, second_store: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The events' own timestamps come from the clock: fixed, so both stores get the same bytes.
    monkeypatch.setattr(DomainEvent, "create_timestamp", staticmethod(lambda: AT))
    datas = certificates(tmp_path, 2500)
    bulk = CertLedger(env=backend.env, clock=lambda: AT, transparency_log=True)
    library = CertLedger(env=second_store, clock=lambda: AT, transparency_log=True)
    try:
        assert bulk.import_many(PROVINCE, datas, "certs.csv") == 2500
        for start in range(0, len(datas), 100):  # the library's save, 100 aggregates at a time
            library.save(*[Certificate.import_record(d, "certs.csv", PROVINCE.operator, PROVINCE.office, AT)
                           for d in datas[start:start + 100]])

        stored, expected = rows(bulk), rows(library)
        assert len(stored) == 2500
        assert stored == expected  # notification ids, ids, versions, topics and state bytes
        assert [r[0] for r in stored] == list(range(1, 2501))
        assert stored[0][3] == get_topic(Certificate.Imported)  # the library's topic for the class

        # Read back through the library's repository: the same aggregates as the library's save gives.
        for d in (datas[0], datas[1234], datas[-1]):
            got, want = (app.repository.get(certificate_id(d.number, 1)) for app in (bulk, library))
            assert got.__dict__ == want.__dict__
            assert bulk.show(d.number).data == d

        # The log caught up over the same rows: same size, and each leaf names the same row (its header);
        # the roots differ only by each leaf's random salt (leaf scheme 2); the audit replays them clean.
        assert bulk.translog is not None and library.translog is not None
        assert bulk.translog.size() == 2500
        assert headers(bulk) == headers(library)
        report = bulk.audit(lambda kid, body, signature: True)
        assert report.ok and report.events == 2500 and report.leaves == 2500, report.summary()
    finally:
        bulk.close()
        library.close()


def headers(app: CertLedger) -> list[dict[str, object]]:
    """Each leaf's public header, its state digest left out (salted: different in every log)."""
    log = app.translog
    assert log is not None
    return [{k: v for k, v in leaf_fields(log.store.leaf_record(p)).items() if k != "state_digest"}
            for p in range(log.size())]


@on_backends("sqlite", "postgres")
def test_an_encrypted_store_gets_the_librarys_cipher_on_every_bulk_row(backend: Backend, tmp_path: Path) -> None:
    key = "Aq0mhbLgIeAl1XFlBzUlA3kg+BKvm9JbRYNxXIaEs8Q="  # a test key (AESCipher.create_key(32))
    env = {**backend.env, "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key,
           "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
    datas = certificates(tmp_path, 300)
    app = CertLedger(env=env, clock=lambda: AT)
    try:
        app.import_many(PROVINCE, datas, "certs.csv")
        stored = rows(app)
        assert len(stored) == 300 and all(datas[0].holder_name.encode() not in r[4] for r in stored)
        assert app.show(datas[7].number).data == datas[7]
    finally:
        app.close()
    reopened = CertLedger(env=env)
    try:
        assert reopened.show(datas[-1].number).data == datas[-1]
    finally:
        reopened.close()


@on_backends("postgres")
def test_50000_certificates_import_into_postgres_and_read_back(backend: Backend, tmp_path: Path) -> None:
    # The library's own save of this list never returns (psycopg's pipeline stalls past ~8 MB).
    datas = certificates(tmp_path, 50_000)
    app = CertLedger(env=backend.env, clock=lambda: AT, transparency_log=True)
    try:
        assert app.import_many(PROVINCE, datas, "big.csv") == 50_000
        ids = [n.id for n in app.recorder.select_notifications(start=1, limit=100_000)]
        assert ids == list(range(ids[0], ids[0] + 50_000))
        for d in (datas[0], datas[25_000], datas[-1]):
            assert app.show(d.number).data == d
        assert app.translog is not None and app.translog.size() == 50_000

        # A second file with two numbers already issued: refused whole, naming them; nothing written.
        again = certificates(tmp_path, 3, start=50_000) + [datas[10], datas[49_999]]
        with pytest.raises(AlreadyExists) as refused:
            app.import_many(PROVINCE, again, "again.csv")
        assert str(refused.value).endswith(f"nothing imported: {datas[10].number}, {datas[49_999].number}")
        assert app.recorder.max_notification_id() == ids[-1]
        assert app.translog.size() == 50_000
        assert not app.recorder.select_events(certificate_id(again[0].number, 1))
    finally:
        app.close()


@on_backends("memory", "sqlite", "postgres")
def test_numbers_already_issued_refuse_the_whole_file_and_name_them(backend: Backend, tmp_path: Path) -> None:
    datas = certificates(tmp_path, 20)
    app = CertLedger(env=backend.env, clock=lambda: AT)
    try:
        app.import_many(PROVINCE, datas[:10], "first.csv")
        before = rows(app)
        with pytest.raises(AlreadyExists) as refused:
            app.import_many(PROVINCE, datas[3:20], "second.csv")
        message = str(refused.value)
        assert message.startswith("already issued, nothing imported: ")
        assert all(d.number in message for d in datas[3:8]) and "(+2 more)" in message
        assert rows(app) == before
    finally:
        app.close()
