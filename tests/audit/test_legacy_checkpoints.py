"""A store written before C2SP notes (tests/data/legacy_store) keeps its checkpoint, signed by an office key as the
ledger's own JSON body: its table gains the note column, the old checkpoint still verifies (with that office's
key, as the trust list publishes it) and is reported as legacy, and new checkpoints are notes beside it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from keys.algorithms import ES256
from keys.notekeys import head_signer, note_verifier
from keys.tlog import NoteSigner
from ledger.application import Actor, CertLedger

HERE = Path(__file__).resolve().parent.parent / "data" / "legacy_store"
LEGACY_KID = "1f7d362a965343db"  # the Jinan key that signed the store's one checkpoint (size 33)
LOG = NoteSigner.generate("legacy-test.example/log")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    shutil.copyfile(HERE / "ledger-1893130.sqlite", path)
    return path


@pytest.fixture
def ledger(store: Path) -> Iterator[CertLedger]:
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(store)},
                     clock=lambda: datetime(2026, 12, 1, 14, 0, tzinfo=UTC), transparency_log=True)
    yield app
    app.close()


def recorded_key_verifier(ledger: CertLedger):  # type: ignore[no-untyped-def]
    """verify(kid, body, signature) with the public keys the ledger recorded (what its trust list published)."""
    keys = {k.kid: load_pem_public_key(k.public_key_pem.encode()) for k in ledger.signing_keys()}

    def verify(kid: str, body: bytes, signature: bytes) -> bool:
        return kid in keys and ES256.verify(keys[kid], body, signature)  # type: ignore[arg-type]

    return verify


def test_the_legacy_checkpoint_still_verifies_and_is_reported_as_legacy(ledger: CertLedger, store: Path) -> None:
    assert ledger.translog is not None
    (checkpoint,) = ledger.translog.checkpoints()
    assert checkpoint.legacy and checkpoint.key_id == LEGACY_KID and checkpoint.size == 33
    report = ledger.audit(recorded_key_verifier(ledger), verify_note=note_verifier(LOG.verifier))
    assert report.ok, report.summary()
    assert (report.checkpoints, report.legacy) == (1, 1) and "1 signed checkpoints (1 legacy)" in report.summary()
    with sqlite3.connect(store) as conn:  # the table gained its note column, NULL for the old row
        assert conn.execute("SELECT note FROM log_checkpoints").fetchall() == [(None,)]


def test_a_legacy_checkpoint_whose_root_was_altered_is_named(ledger: CertLedger, store: Path) -> None:
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE log_checkpoints SET root = ?", (b"\x07" * 32,))
    report = ledger.audit(recorded_key_verifier(ledger), verify_note=note_verifier(LOG.verifier))
    assert report.first is not None and "checkpoint at size 33 (legacy format" in report.first.problem


def test_new_checkpoints_are_notes_beside_the_legacy_one(ledger: CertLedger) -> None:
    assert ledger.translog is not None
    first = ledger.take_checkpoint(head_signer(LOG))  # the log's 47 leaves (the legacy checkpoint signed 33)
    assert (first.size, first.legacy) == (47, False)
    report = ledger.audit(recorded_key_verifier(ledger), verify_note=note_verifier(LOG.verifier))
    assert report.ok and (report.checkpoints, report.legacy) == (2, 1), report.summary()
    ledger.ensure_default_catalog(Actor("王芳", "1501"))
    ledger.issue(Actor("王芳", "1501"), {"number": "1915010000009901", "holder_name": "刘建国", "gender": "男",
                                         "id_number": "37012419900101123X", "occupation": "焊工", "level": "三级",
                                         "issue_date": "2019-06-28"})
    later = ledger.take_checkpoint(head_signer(LOG))
    assert later.size > 47 and later.note is not None
    report = ledger.audit(recorded_key_verifier(ledger), verify_note=note_verifier(LOG.verifier))
    assert report.ok and (report.checkpoints, report.legacy) == (3, 1), report.summary()
