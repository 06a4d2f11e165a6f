"""Authority rules for service requests and monthly batches (issue 12, item 2), as `audit verify` checks them.

An insider holding a genuine credential of another office (0700) writes rows that the domain would have
refused, signs them as a save would, and brings them into the log: each is named as a forgery. Taken away,
the rule lets the same row pass, so each test shows the attack succeeding without it. SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from ledger import audit_authority
from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.batch import ReissueBatch
from ledger.service_request import RequestKind, ServiceRequest, request_id
from tests.audit.test_signed_saves import _insert, _sign_rows, audited, fields
from tests.conftest import Backend, SigningOffices, on_backends

pytestmark = on_backends("sqlite", "postgres")
JINAN, SHANDONG, LIAONING = Actor("张三", "1501"), Actor("王五", "1500"), Actor("李四", "0700")


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(JINAN)
    for i in range(2):
        app.issue(JINAN, fields(i))
    yield app
    app.close()


@pytest.fixture
def insider(backend: Backend, offices: SigningOffices, ledger: CertLedger) -> Iterator[Any]:
    """A valid credential of 0700, enrolled in this ledger by its own office (a genuine office here)."""
    liaoning = offices.credential("0700", "李四")
    other = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(other, liaoning)
    yield liaoning
    other.close()


def _forge(ledger: CertLedger, backend: Backend, credential: Any, event: Any) -> int:
    """Store `event` as the library would, sign it with `credential` as a save would, log it."""
    stored = ledger.mapper.to_stored_event(event)
    nid = _insert(backend, stored.topic, stored.state, stored.originator_id, stored.originator_version)
    _sign_rows(backend, credential, nid, nid)
    assert ledger.translog is not None
    ledger.translog.catch_up(ledger.recorder)
    return nid


def _problems(ledger: CertLedger, offices: SigningOffices) -> dict[int | None, str]:
    return {d.notification_id: d.problem for d in audited(ledger, offices).divergences}


def _without(monkeypatch: pytest.MonkeyPatch, rule: str) -> None:
    monkeypatch.setattr(audit_authority.Authorities, rule, lambda *a, **k: None)


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_request_filed_by_another_office_than_the_certificates_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices, backend: Backend, insider: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    number = "SQ-0700-20260101-AAAAAA"
    forged = ServiceRequest.apply(number, RequestKind.REISSUE, fields(0)["number"], "0700", "刘建国", "window",
                                  date(2026, 1, 1), date(2026, 1, 5), False, "李四", _now())
    nid = _forge(ledger, backend, insider, forged.collect_events()[0])
    assert "office 0700 had no authority to file this request: certificate 1915010000000400 was issued by 1501" \
        in _problems(ledger, offices)[nid]
    _without(monkeypatch, "request")
    assert audited(ledger, offices).ok  # without the rule, the forged request passes


def _jinan_request(ledger: CertLedger) -> Any:
    view = ledger.apply(JINAN, RequestKind.REISSUE, fields(0)["number"], "刘建国")
    return ledger.repository.get(request_id(view.number))


def test_another_office_acting_on_a_request_is_a_forgery(ledger: CertLedger, offices: SigningOffices,
                                                        backend: Backend, insider: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    req = _jinan_request(ledger)
    assert audited(ledger, offices).ok  # the honest request, filed by the certificate's authority
    forged = req.Accepted(originator_id=req.id, originator_version=req.version + 1, timestamp=_now(),
                          accepted_on=date(2026, 1, 2), complete_due=date(2026, 1, 9), provisional=False,
                          operator="李四", office="0700", at=_now())
    nid = _forge(ledger, backend, insider, forged)
    assert "office 0700 had no authority here: the request belongs to office 1501" in _problems(ledger, offices)[nid]
    _without(monkeypatch, "request")
    assert audited(ledger, offices).ok


def test_forwarding_a_request_by_another_than_its_provincial_centre_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices, backend: Backend, insider: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    req = _jinan_request(ledger)
    forged = req.Forwarded(originator_id=req.id, originator_version=req.version + 1, timestamp=_now(),
                           batch_id=uuid.uuid4(), batch="202601-034-1501", file_name="x.XLS", row=1,
                           operator="李四", office="0700", at=_now())
    nid = _forge(ledger, backend, insider, forged)
    assert "office 0700 had no authority to forward this request of 1501: only the provincial centre 1500" \
        in _problems(ledger, offices)[nid]
    _without(monkeypatch, "request")
    assert audited(ledger, offices).ok


def test_a_batch_imported_by_another_than_the_citys_provincial_centre_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices, backend: Backend, insider: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    forged = ReissueBatch.Imported(
        originator_id=uuid.uuid4(), originator_version=1, timestamp=_now(), originator_topic=get_topic(ReissueBatch),
        city="1501", month="202601", exam_code="034", exam_name="一级建造师", file_name="x.XLS", package_name="p.zip",
        package_sha256="0" * 64, rows=[], operator="李四", office="0700", at=_now())
    nid = _forge(ledger, backend, insider, forged)
    assert "office 0700 had no authority to import the batch of 1501: only its provincial centre 1500 does" \
        in _problems(ledger, offices)[nid]
    monkeypatch.setattr(audit_authority.Authorities, "batch", staticmethod(lambda *a: None))
    assert audited(ledger, offices).ok


def test_the_provincial_centre_forwarding_its_citys_request_passes(
        ledger: CertLedger, offices: SigningOffices, backend: Backend) -> None:
    centre = offices.credential("1500", "王五")
    other = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(other, centre)
    req = _jinan_request(ledger)
    event = req.Forwarded(originator_id=req.id, originator_version=req.version + 1, timestamp=_now(),
                          batch_id=uuid.uuid4(), batch="202601-034-1501", file_name="x.XLS", row=1,
                          operator="王五", office="1500", at=_now())
    _forge(ledger, backend, centre, event)  # what `batch import` at the centre writes, signed by its credential
    assert audited(ledger, offices).ok
    other.close()
