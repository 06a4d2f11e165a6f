"""Leaf schemes (ledger.leaves): a store written before scheme 2 keeps its scheme-1 leaves and audits clean; its
next save writes scheme-2 leaves after them, in the same tree; the audit recomputes each leaf by its scheme
and a leaf relabelled to the other scheme, or a row edited under a scheme-2 leaf, is named."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.audit import AuditReport

HERE = Path(__file__).resolve().parent.parent / "data" / "legacy_store"
NOW = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
NUMBER = "1915010000200001"


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    store = tmp_path / "ledger.sqlite"
    shutil.copyfile(HERE / "ledger-1893130.sqlite", store)
    return store


@pytest.fixture()
def legacy(store: Path) -> Iterator[CertLedger]:
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(store)},
                        clock=lambda: NOW, transparency_log=True)
    yield ledger
    ledger.close()


def audited(ledger: CertLedger) -> AuditReport:
    return ledger.audit(lambda kid, body, signature: True)  # legacy checkpoints: the log's checks are the point


def schemes(store: Path) -> list[int]:
    with sqlite3.connect(store) as conn:
        return [1 if r[0] is None else 2 for r in conn.execute("SELECT salt FROM log_leaves ORDER BY position")]


def test_a_store_from_before_scheme_2_keeps_its_leaves_and_audits_clean(legacy: CertLedger, store: Path) -> None:
    before = schemes(store)
    report = audited(legacy)
    assert report.ok and report.leaves == len(before) == 47, report.summary()
    assert set(before) == {1}
    assert legacy.inclusion(NUMBER)["leaf"] == {"scheme": 1}  # its record holds the ID number: never shown


def test_its_next_save_writes_scheme_2_leaves_in_the_same_tree(legacy: CertLedger, store: Path) -> None:
    assert legacy.translog is not None
    old_root = legacy.translog.root(47)
    legacy.revoke(Actor("张三", "1501"), NUMBER, "issued on a forged application")
    assert schemes(store) == [1] * 47 + [2]
    assert legacy.translog.root(47) == old_root  # nothing logged before was rewritten
    report = audited(legacy)
    assert report.ok and report.leaves == 48, report.summary()
    leaf = legacy.inclusion(NUMBER)["leaf"]
    assert leaf["scheme"] == 2 and leaf["topic"].endswith(":Document.Revoked") and leaf["notification_id"] == 48


def test_a_row_edited_under_a_scheme_2_leaf_is_named(legacy: CertLedger, store: Path) -> None:
    legacy.revoke(Actor("张三", "1501"), NUMBER, "issued on a forged application")
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'forged', 'faked') AS BLOB) "
                     "WHERE rowid = 48")
    first = audited(legacy).first
    assert first is not None and first.position == 47 and first.notification_id == 48
    assert "differs from the one the log recorded" in first.problem


@pytest.mark.parametrize("relabel", [
    "UPDATE log_leaves SET salt = NULL WHERE position = 47",  # scheme 2 read as scheme 1
    "UPDATE log_leaves SET salt = X'00112233445566778899aabbccddeeff' WHERE position = 3",  # 1 read as 2
])
def test_a_leaf_relabelled_to_the_other_scheme_is_named(legacy: CertLedger, store: Path, relabel: str) -> None:
    legacy.revoke(Actor("张三", "1501"), NUMBER, "issued on a forged application")
    with sqlite3.connect(store) as conn:
        conn.execute(relabel)
    first = audited(legacy).first
    assert first is not None and "differs from the one the log recorded" in first.problem


def test_a_row_claiming_the_nil_uuid_is_malformed_under_scheme_1(legacy: CertLedger, store: Path) -> None:
    """A scheme-2 record starts with the nil UUID: a scheme-1 row claiming it could pass for one."""
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE stored_events SET originator_id = '00000000000000000000000000000000' WHERE rowid = 5")
    problems = [d.problem for d in audited(legacy).divergences]
    assert any("malformed" in p for p in problems), problems
