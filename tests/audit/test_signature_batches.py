"""Save signatures checked in batches by forked workers (ledger.audit_batches): the same answer as in line,
a forged signature among many named at its save, and a worker that dies fails the audit instead of passing."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from ledger import audit_saves
from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.audit_batches import SignatureBatches
from ledger.save_signing import TABLE
from tests.audit.test_mutations import Db
from tests.audit.test_signed_saves import audited, fields
from tests.conftest import Backend, SigningOffices, on_backends

JINAN = Actor("张三", "1501")


def _verify(credential: str, message: bytes, signature: bytes) -> bool:
    return signature == b"good"


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_batches_give_the_tags_of_the_failed_signatures_whatever_the_workers(workers: int) -> None:
    batches = SignatureBatches(_verify, workers, batch=7, in_flight=2)
    for i in range(200):
        batches.add("c", b"m", b"bad" if i % 37 == 5 else b"good", i)
    assert sorted(batches.failed()) == [i for i in range(200) if i % 37 == 5]


def test_a_worker_that_dies_fails_the_check() -> None:
    batches = SignatureBatches(_verify, 1, batch=5, in_flight=100)
    os.kill(batches._workers[0].pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="signature-checking process"):
        for i in range(50):
            batches.add("c", b"m", b"good", i)
        batches.failed()


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices, monkeypatch: pytest.MonkeyPatch) -> Iterator[CertLedger]:
    monkeypatch.setattr(audit_saves, "_FORK_FROM", 0)  # the workers even for a few saves
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(JINAN)
    for i in range(12):
        app.issue(JINAN, fields(i))
    yield app
    app.close()


@on_backends("sqlite", "postgres")
def test_a_forged_signature_among_many_is_named_by_the_workers(ledger: CertLedger, offices: SigningOffices,
                                                               backend: Backend) -> None:
    assert audited(ledger, offices).ok
    first = Db(backend).run(f"SELECT first_id FROM {TABLE} ORDER BY first_id")[-4][0]
    Db(backend).run(f"UPDATE {TABLE} SET signature = ? WHERE first_id = ?", b"\0" * 64, first)
    [d] = audited(ledger, offices).divergences
    assert d.notification_id == first and "does not verify over the stored rows" in d.problem
