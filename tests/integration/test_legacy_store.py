"""A store written by an earlier main still opens and replays to the same views.

tests/data/legacy_store/ledger-1893130.sqlite was written by main at commit 1893130 (the
README's demo, then an exchange, a second written proof, a revoked proof and certificate,
an import, a retired and a revoked key, and a photo on a professional request: every event
class of that main). views-1893130.json holds what that main's queries answered for it. Event
topics are stored, so a class that moves must keep its old topic registered.
"""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from ledger.application import CertLedger
from ledger.views import _jsonable

HERE = Path(__file__).resolve().parent.parent / "data" / "legacy_store"
WRITTEN_ON = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # "today" as the golden views saw it


@pytest.fixture()
def legacy_ledger(tmp_path):
    store = tmp_path / "ledger.sqlite"
    shutil.copyfile(HERE / "ledger-1893130.sqlite", store)
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(store)},
                        clock=lambda: WRITTEN_ON)
    yield ledger
    ledger.close()


def golden():
    return json.loads((HERE / "views-1893130.json").read_text("utf-8"))


def test_every_aggregate_of_the_legacy_store_replays(legacy_ledger):
    notifications = legacy_ledger.recorder.select_notifications(start=None, limit=1000)
    assert len(notifications) == golden()["count_events"]
    for originator in {UUID(str(n.originator_id)) for n in notifications}:
        legacy_ledger.repository.get(originator)  # raises if a topic or a field no longer resolves


@pytest.mark.parametrize("number", sorted(golden()["documents"]))
def test_the_legacy_store_answers_as_the_main_that_wrote_it(legacy_ledger, number):
    expected = golden()["documents"][number]
    shown = legacy_ledger.show(number)
    shown_dict = shown.to_dict(reveal=True) if hasattr(shown, "data") else shown.to_dict()
    assert _jsonable(shown_dict) == expected["show"]
    assert [_jsonable(h.to_dict()) for h in legacy_ledger.history(number)] == expected["history"]
    if "where" in expected:
        assert _jsonable(legacy_ledger.where(number).to_dict()) == expected["where"]


def test_the_legacy_keys_read_as_they_were_recorded(legacy_ledger):
    assert [_jsonable(k.to_dict()) for k in legacy_ledger.signing_keys()] == golden()["keys"]
