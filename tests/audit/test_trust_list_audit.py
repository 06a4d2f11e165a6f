"""The audit holds each recorded trust list to the key states of its save (issue 12, item 4 and attack 5), not
only to the publisher's signature: a list the genuine publisher signed over a wrong payload is a forgery.
SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from keys.credentials import SaveVerifier
from keys.enrol import install, load_publisher, request_key
from keys.keeper import certify
from keys.trustlist import build_trust_list
from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.views import SigningKeyView
from tests.audit.test_signed_saves import audited
from tests.conftest import Backend, SigningOffices, on_backends

pytestmark = on_backends("sqlite", "postgres")
JINAN = Actor("张三", "1501")
PUBLISHER = "publisher-test-secret-1501"


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1501", "张三"))
    request = request_key(offices.keys, PUBLISHER, office=None)
    now = app.now()
    cert = certify(offices.keys, request, offices.ROOT, not_before=now - timedelta(hours=1),
                   not_after=now + timedelta(days=365))
    install(offices.keys, cert.certificate_pem, now=now)
    yield app
    app.close()


def publisher(offices: SigningOffices, restate: Any = None) -> Any:
    """The deployment's genuine publisher; with `restate`, it signs the keys as `restate` changes them."""
    def sign(views: Sequence[SigningKeyView], at: datetime) -> bytes:
        listed = [restate(v) for v in views] if restate is not None else list(views)
        return build_trust_list(listed, load_publisher(offices.keys, PUBLISHER, at), issuer="test", issued_at=at)

    return sign


def test_an_honest_list_passes(ledger: CertLedger, offices: SigningOffices) -> None:
    ledger.publish_trust_list(JINAN, publisher(offices))
    report = audited(ledger, offices)
    assert report.ok, report.summary()


def test_a_publisher_signed_list_over_a_wrong_payload_is_a_forgery(ledger: CertLedger, offices: SigningOffices,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.publish_trust_list(JINAN, publisher(offices))
    # The publisher's key holder restates the office key's window a day shorter; the list is recorded.
    lying = publisher(offices, lambda v: dataclasses.replace(v, not_after=v.not_after - timedelta(days=1)))
    recorded = ledger.publish_trust_list(JINAN, lying)
    [d] = audited(ledger, offices).divergences
    assert d.event_type == "TrustListPublication.Published"
    assert f"trust list {recorded.sequence}" in d.problem and "not_after differ" in d.problem
    monkeypatch.setattr(SaveVerifier, "trust_list_problem", lambda *a: None)
    assert audited(ledger, offices).ok  # without the payload check, only the signature is checked: it holds


def test_a_list_leaving_out_a_key_or_claiming_other_key_versions_is_a_forgery(
        ledger: CertLedger, offices: SigningOffices) -> None:
    recorded = ledger.publish_trust_list(JINAN, lambda views, at: publisher(offices)([], at))
    [d] = audited(ledger, offices).divergences
    assert f"trust list {recorded.sequence}: its keys are not those its save recorded; it leaves out" in d.problem
