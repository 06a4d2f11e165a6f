"""When the stored log and a checkpoint disagree, `audit verify` names the first diverging event, not the
checkpoint's end: the edited row when its save signature names it, else the first event after the last tree
that matched. An edit the stored log still disagrees with is named at its own position by its leaf."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.application import CertLedger
from ledger.leaves import header_record, state_digest
from ledger.merkle import Frontier, leaf_hash
from tests.audit.test_mutations import Db, sign, verify, verify_note
from tests.audit.test_signed_saves import JINAN, fields
from tests.conftest import Backend, SigningOffices, on_backends

pytestmark = on_backends("sqlite", "postgres")


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(JINAN)
    for i in range(4):
        app.issue(JINAN, fields(i))
    app.take_checkpoint(sign)
    for i in range(4, 8):
        app.issue(JINAN, fields(i))
    app.take_checkpoint(sign)
    yield app
    app.close()


def rewrite_with_the_log(ledger: CertLedger, backend: Backend, index: int) -> tuple[int, int]:
    """Flip a byte of the index-th stored event and recompute its leaf (with the salt it had) and every subtree
    hash over the edited rows, as a careful insider would; returns the row's (position, notification id)."""
    db = Db(backend)
    row = db.events()[index]
    state = bytearray(row[4])
    state[10] ^= 0x01
    db.set_row(row[0], row[1], row[2], row[3], bytes(state))
    assert ledger.translog is not None
    store = ledger.translog.store
    leaves = store.logged(0, store.size())
    nid, _, salt = leaves[index]
    assert nid == row[0] and salt is not None
    forged = leaf_hash(header_record(nid, row[1], row[2], row[3], state_digest(salt, bytes(state))))
    hashes = [forged if i == index else h for i, (_, h, _) in enumerate(leaves)]
    frontier, nodes = Frontier(), []
    for h in hashes:
        nodes.extend(frontier.append(h))
    db.run("UPDATE log_leaves SET hash = ? WHERE position = ?", forged, index)
    db.run("DELETE FROM log_nodes")
    for level, idx, h in nodes:
        db.run("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", level, idx, h)
    return index, int(row[0])


def sizes(ledger: CertLedger) -> list[int]:
    assert ledger.translog is not None
    return [cp.size for cp in ledger.translog.checkpoints()]


def audited(ledger: CertLedger, offices: SigningOffices | None) -> Any:
    return ledger.audit(verify, verify_note=verify_note, credentials=offices.verifier if offices else None)


def test_with_the_save_audit_the_edited_row_is_named_for_the_checkpoint(
        ledger: CertLedger, backend: Backend, offices: SigningOffices) -> None:
    first_size = sizes(ledger)[0]
    position, nid = rewrite_with_the_log(ledger, backend, first_size + 1)  # after the first checkpoint
    report = audited(ledger, offices)
    tree = [d for d in report.divergences if "does not match the checkpoint" in d.problem]
    assert len(tree) == 1, [d.problem for d in report.divergences]
    # The row (a save's signature is named at its save: the issuance's save is this one row), not the end.
    assert tree[0].notification_id == nid and tree[0].position in (position, None), tree[0]
    assert "the first event in it that differs is this one" in tree[0].problem
    assert "signature" in tree[0].problem and f"tree of the first {sizes(ledger)[1]} events" in tree[0].problem
    assert {d.notification_id for d in report.divergences if d.notification_id is not None} == {nid}


def test_without_it_the_rewrite_is_named_after_the_last_tree_that_matched(
        ledger: CertLedger, backend: Backend) -> None:
    first_size, second_size = sizes(ledger)
    rewrite_with_the_log(ledger, backend, first_size + 1)
    report = audited(ledger, None)
    first = report.first
    assert first is not None and "does not match the checkpoint" in first.problem, report.summary()
    assert first.position == first_size and first.notification_id is not None
    assert first.event_type is not None and first.aggregate is not None
    assert f"at or after position {first_size}" in first.problem and f"before position {second_size}" in first.problem
    assert len([d for d in report.divergences if d.position is not None]) == 1


def test_an_edit_under_the_stored_log_is_named_by_its_leaf(ledger: CertLedger, backend: Backend) -> None:
    db = Db(backend)
    row = db.events()[3]
    state = bytearray(row[4])
    state[10] ^= 0x01
    db.set_row(row[0], row[1], row[2], row[3], bytes(state))
    report = audited(ledger, None)
    # The leaf's own check, and both checkpoints' trees named at the same row.
    placed = [(d.position, d.notification_id) for d in report.divergences if d.position is not None]
    assert placed == [(3, row[0])] * 3, report.to_dict()
    assert any("differs from the one the log recorded" in d.problem for d in report.divergences)
