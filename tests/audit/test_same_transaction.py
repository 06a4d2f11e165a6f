"""The log is written in the save's own transaction: a save and its leaves commit together, and a
row that reaches the events table any other way stays outside the log. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ledger.application import CertLedger
from ledger.errors import LedgerError
from tests.audit.test_mutations import JINAN, Db, audited, sign
from tests.conftest import Backend, on_backends, resident_id

pytestmark = on_backends("sqlite", "postgres")


def fields(i: int) -> dict[str, str]:
    return {"number": f"19150100000003{i:02d}", "holder_name": "刘建国", "gender": "男",
            "id_number": resident_id(serial=i), "occupation": "电工", "level": "三级", "issue_date": "2019-06-28"}


@pytest.fixture
def ledger(backend: Backend) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    app.ensure_default_catalog(JINAN)
    for i in range(5):  # 7 events: a perfect subtree of 4 and one of 2 are stored as nodes
        app.issue(JINAN, fields(i))
    yield app
    app.close()


def insert_forged_row(backend: Backend) -> uuid.UUID | str:
    """An insider's row, copied from a real event under a new aggregate id, straight into the events table."""
    db = Db(backend)
    model = db.events()[2]
    forged_id = uuid.uuid4() if backend.name == "postgres" else uuid.uuid4().hex
    db.run("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
           forged_id, 1, model[3], model[4])
    return forged_id


def counts(ledger: CertLedger) -> tuple[int, int]:
    assert ledger.translog is not None
    return ledger.count_events(), ledger.translog.size()


def test_every_save_leaves_its_events_in_the_log_at_once(ledger: CertLedger) -> None:
    assert counts(ledger) == (7, 7)
    assert ledger.translog is not None and ledger.translog.unlogged(ledger.recorder) == []


def test_a_save_whose_log_write_fails_writes_no_event_either(ledger: CertLedger, backend: Backend) -> None:
    # Without its stored subtree hash the log cannot append: the writer raises inside the save. A process
    # that appended last keeps the edge it left (translog: the store's last leaf is still its own), so the
    # store's hashes are read by another process: each command is one.
    Db(backend).run("DELETE FROM log_nodes WHERE level = 2")
    other = CertLedger(env={**backend.env, "CREATE_TABLE": "n"}, transparency_log=True)
    try:
        with pytest.raises(LedgerError, match="no subtree hash"):
            other.issue(JINAN, fields(9))
        assert counts(other) == (7, 7)  # the events' insert was rolled back with the log's
        with pytest.raises(LedgerError):
            other.show("1915010000000309")
    finally:
        other.close()


def test_the_edge_a_process_keeps_is_read_again_once_another_writer_appended(
        ledger: CertLedger, backend: Backend) -> None:
    other = CertLedger(env={**backend.env, "CREATE_TABLE": "n"}, transparency_log=True)
    try:
        other.issue(JINAN, fields(5))  # the store's last leaf is now the other process's
        ledger.issue(JINAN, fields(6))  # this one's kept edge is stale: read again, or its leaf would not fit
        ledger.take_checkpoint(sign)
        assert counts(ledger) == (9, 9)
        report = audited(ledger)
        assert report.ok and report.leaves == 9, report.summary()  # a leaf that did not fit would diverge
    finally:
        other.close()


def test_a_row_inserted_straight_into_the_events_table_is_not_absorbed_by_later_saves(
        ledger: CertLedger, backend: Backend) -> None:
    forged_id = insert_forged_row(backend)
    ledger.issue(JINAN, fields(7))
    ledger.take_checkpoint(sign)
    assert ledger.translog is not None
    assert counts(ledger) == (8 + 1, 8)  # the save and the checkpoint logged only what was saved
    assert ledger.translog.position_of(uuid.UUID(str(forged_id)), 1) is None
    # The attack as it was: a catch-up after the save took the forged row into the log (and the next
    # checkpoint would have signed it). No save or checkpoint catches up any more.
    assert ledger.translog.catch_up(ledger.recorder) == 0  # it is behind the last leaf, so not even this
    assert ledger.translog.position_of(uuid.UUID(str(forged_id)), 1) is None


def test_a_row_inserted_after_the_last_save_is_what_a_catch_up_would_absorb(
        ledger: CertLedger, backend: Backend) -> None:
    forged_id = insert_forged_row(backend)
    assert ledger.translog is not None
    assert [str(n.originator_id).replace("-", "") for n in ledger.translog.unlogged(ledger.recorder)] == [
        str(forged_id).replace("-", "")]
    ledger.take_checkpoint(sign)  # signs the log as it is: the forged row is not in it
    assert counts(ledger) == (8, 7)
    assert ledger.translog.latest_checkpoint() is not None and ledger.translog.latest_checkpoint().size == 7


def test_the_audit_names_a_row_no_save_wrote_once_and_checks_every_later_event(
        ledger: CertLedger, backend: Backend) -> None:
    from tests.audit.test_mutations import verify, verify_note

    forged_id = insert_forged_row(backend)
    for i in (7, 8):  # honest saves after the forgery: their leaves follow the log's last one
        ledger.issue(JINAN, fields(i))
    ledger.take_checkpoint(sign)
    report = ledger.audit(verify, verify_note=verify_note)
    assert [(d.position, d.problem.split(":")[0]) for d in report.divergences] == [
        (7, "the event is not in the log"),
        # the forged row re-issues a document: the read model the saves kept disagrees with the events
        (None, "the verification read model's row differs from the events in aggregate_id")]
    assert "no save wrote it" in report.divergences[0].problem
    assert uuid.UUID(str(report.divergences[0].aggregate)) == uuid.UUID(str(forged_id))
    assert (report.events, report.leaves, report.checkpoints) == (10, 9, 1)
