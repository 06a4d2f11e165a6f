"""Verdicts from the verification read model (ledger/readmodel.py) against those from the ledger's events.

Every test runs the service with its caches off (a first scan: nothing of a document kept between
requests), once reading the read model's row and once the events, on the same documents.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.readmodel import TABLE
from ledger.verification_record import VerificationRecord
from ledger.verification_record import holder_digest as ledger_digest
from signing.token import holder_digest as token_digest
from tests.signing.conftest import JINAN
from tests.verify_api.conftest import ID_NUMBER, Home
from tests.verify_api.served import forge
from verify_api.app import create_app
from verify_api.service import VerificationService, open_ledger
from verify_api.trust import TrustSource

FIRST_SCAN = {"cache_size": 0, "verify_records": False}


def service(home: Home, **overrides: Any) -> VerificationService:
    settings = home.settings(**FIRST_SCAN, **overrides)
    ledger_ = open_ledger(settings)
    trust = TrustSource(settings.trust_list_path, settings.root_certificate_path, 0, recorded=ledger_)
    return VerificationService(settings, ledger_, trust)


def answers(home: Home, tokens: list[str], **overrides: Any) -> list[dict[str, Any]]:
    s = service(home, **overrides)
    try:
        return [s.verify_token(t).to_dict() for t in tokens]
    finally:
        s.close()


def documents(home: Home) -> dict[str, str]:
    """Tokens of a current proof, a superseded and a current edition, a revoked proof, a superseded proof,
    and a forged token, with a signed checkpoint covering some of them and not the last."""
    tokens = {"current": home.proof("1915010000000761").token}
    home.office.issue("1915010000000762", "焊工")
    tokens["superseded"] = home.ecert("1915010000000762").token
    home.office.app.reissue(JINAN, "1915010000000762")
    tokens["successor"] = home.ecert("1915010000000762").token
    tokens["revoked"] = home.proof("1915010000000763").token
    home.office.app.revoke(JINAN, "SM-1915010000000763-01", "issued on a forged application")
    tokens["forged"] = forge(tokens["current"])
    home.checkpoint()
    tokens["pending"] = home.proof("1915010000000764").token  # signed after the checkpoint
    home.publish()
    return tokens


def test_first_scan_verdicts_from_the_read_model_equal_those_from_the_events(home: Home) -> None:
    tokens = documents(home)
    s = service(home)
    try:
        assert s.records is not None  # the read model is what this service reads
    finally:
        s.close()
    new = answers(home, list(tokens.values()))
    old = answers(home, list(tokens.values()), read_model=False)
    assert new == old
    by = dict(zip(tokens, new, strict=True))
    assert [by[k]["outcome"] for k in tokens] == ["current", "superseded", "current", "revoked", "not-genuine",
                                                   "current"]
    assert by["current"]["log"]["state"] == "included" and by["current"]["log"]["proof"]
    assert by["pending"]["log"]["state"] == "pending"
    assert ID_NUMBER not in str(new)


def test_a_revocation_and_a_supersession_show_in_the_next_first_scan(home: Home) -> None:
    number = "1915010000000771"
    home.office.issue(number, "焊工")
    token = home.ecert(number).token
    home.publish()
    s = service(home)
    try:
        assert s.verify_token(token).outcome == "current"
        view = s.views.document_by_reference(f"{number}#1")
        assert isinstance(view, VerificationRecord) and view.status == "current"
        home.office.app.reissue(JINAN, number)
        v = s.verify_token(token).to_dict()
        assert v["outcome"] == "superseded" and v["superseded"]["by"] == f"{number}#2"
        assert v["superseded"]["successor"]["state"] == "current"
        home.office.app.revoke(JINAN, number, "issued on a forged application")  # the current edition: #2
        v = s.verify_token(token).to_dict()
        assert v["outcome"] == "superseded" and v["superseded"]["successor"]["state"] == "revoked"
        proof = home.proof("1915010000000772")
        home.publish()
        assert s.verify_token(proof.token).outcome == "current"
        home.office.app.revoke(JINAN, "SM-1915010000000772-01", "wrong holder")
        assert s.verify_token(proof.token).outcome == "revoked"
    finally:
        s.close()


def test_a_store_without_the_read_model_is_served_from_the_events_until_it_is_rebuilt(
        home: Home, caplog: pytest.LogCaptureFixture) -> None:
    token = home.proof("1915010000000781").token
    home.publish()
    with sqlite3.connect(home.path / "ledger.sqlite") as conn:
        conn.execute(f"DROP TABLE {TABLE}")  # a store written before the read model
    s = service(home)
    try:
        assert s.records is None and "rebuild-views" in caplog.text
        assert s.verify_token(token).outcome == "current"
        assert s.health()["read_model"] == "missing"
    finally:
        s.close()
    with TestClient(create_app(home.settings())) as client:  # what /healthz says of it
        assert client.get("/healthz").json()["read_model"] == "missing"
    assert home.office.app.rebuild_views() >= 1
    s = service(home)
    try:
        assert s.records is not None and s.verify_token(token).outcome == "current"
        assert s.health()["read_model"] == "in use"
    finally:
        s.close()
    with TestClient(create_app(home.settings())) as client:
        assert client.get("/healthz").json()["read_model"] == "in use"
    with TestClient(create_app(home.settings(read_model=False))) as client:
        assert client.get("/healthz").json()["read_model"] == "off"


def test_the_read_models_holder_digest_is_the_tokens() -> None:
    for args in (("SM-1915010000000731-01", "刘建国", ID_NUMBER), ("1915010000000731#2", "张伟", "a1234567")):
        assert ledger_digest(*args) == token_digest(*args)
