"""The audit's authority rule follows who acts for whom (seeds 000, 004): the provincial examination centre's
score-pass proof on a city's professional certificate, and Jinan's office acting on a Laiwu (12) certificate,
are signed saves within authority; Qingdao acting on Jinan's certificate is not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.domain import ProofKind, RequestKind
from tests.audit.test_mutations import verify
from tests.conftest import Backend, SigningOffices, on_backends, resident_id

pytestmark = on_backends("sqlite")
JINAN, CENTRE = Actor("张三", "1501"), Actor("李四", "1500")


@pytest.fixture
def ledger(backend: Backend, offices: SigningOffices) -> Iterator[CertLedger]:
    app = CertLedger(env=backend.env, transparency_log=True)
    offices.enrol(app, offices.credential("1500", "李四"))
    offices.enrol(app, offices.credential("1501", "张三"))
    app.ensure_default_catalog(JINAN)
    yield app
    app.close()


def audited(app: CertLedger, offices: SigningOffices) -> Any:
    return app.audit(verify, credentials=offices.verifier)


def test_the_centres_score_pass_proof_on_a_city_certificate_is_within_its_authority(
        ledger: CertLedger, offices: SigningOffices) -> None:
    ledger.issue(JINAN, {"family": "professional", "number": "ZS2019000001", "holder_name": "王五", "gender": "男",
                         "id_number": resident_id(serial=12), "occupation": "一级建造师", "exam_code": "034",
                         "level": "一级", "specialty": "建筑工程", "issue_date": "2019-06-01"})
    applied = ledger.apply(JINAN, RequestKind.SCORE_PASS, "ZS2019000001", "王五")
    ledger.accept(JINAN, applied.number)
    ledger.review(JINAN, applied.number, approve=True, stated={"name": "王五"})
    ledger.refer(JINAN, applied.number)
    offices.enrol(ledger, offices.credential("1500", "李四"), first=False)  # the centre's clerk signs now
    proof = ledger.prove(CENTRE, "ZS2019000001", ProofKind.SCORE_PASS, request=applied.number)
    report = audited(ledger, offices)
    assert report.ok, report.summary()
    assert ledger.show(proof.number).status == "current"


def test_jinans_office_acting_on_a_laiwu_certificate_is_within_its_authority(
        ledger: CertLedger, offices: SigningOffices) -> None:
    ledger.issue(JINAN, {"number": "1815120000000042", "holder_name": "张伟", "gender": "男",
                         "id_number": resident_id(serial=13), "occupation": "焊工", "level": "四级",
                         "issue_date": "2018-07-12"})
    ledger.reissue(JINAN, "1815120000000042")
    report = audited(ledger, offices)
    assert report.ok, report.summary()
