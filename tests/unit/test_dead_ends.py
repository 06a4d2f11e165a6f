"""Review, materials and dead ends (seeds 000, 001): the written proof that ends a correction, proofs
for different purposes side by side, and the social security card at the window."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.errors import InvalidInput, RuleViolation
from tests.conftest import Clock, resident_id
from tests.unit.test_time_limits import attach_liaoning_materials

LIAONING = Actor("李强", "0700")
JINAN = Actor("王芳", "1501")
LN_ELECTRICIAN = "1807000000200017"
SD_ELECTRICIAN = "1915010000000731"
HOLDER = resident_id(date(1979, 3, 11), region="210102", serial=3)


@pytest.fixture
def app(tmp_path: Any) -> Any:
    from ledger.blobs import BlobStore

    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock(), blobs=BlobStore(tmp_path))
    ledger.ensure_default_catalog(LIAONING)
    for actor, number in ((LIAONING, LN_ELECTRICIAN), (JINAN, SD_ELECTRICIAN)):
        ledger.issue(actor, {"number": number, "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                             "occupation": "电工", "level": "四级", "issue_date": f"20{number[:2]}-07-12"})
    yield ledger
    ledger.close()


def test_a_correction_of_an_occupation_that_left_the_catalog_ends_in_a_written_proof_of_the_corrected_data(
        app: Any) -> None:
    # seed 001 三: 邮件主题注明具体办理业务。如：…证书错误信息更改补证明
    applied = app.apply(LIAONING, RequestKind.CORRECT, LN_ELECTRICIAN, "张伟", channel="mail")
    attach_liaoning_materials(app, LIAONING, applied.number, "correct")
    app.accept(LIAONING, applied.number)
    app.review(LIAONING, applied.number, approve=True)
    with pytest.raises(RuleViolation) as refused:
        app.correct(LIAONING, LN_ELECTRICIAN, {"level": "三级"}, request=applied.number)
    assert refused.value.remedy is not None
    assert refused.value.remedy.endswith(f"certledger prove {LN_ELECTRICIAN} --kind written --reason correction "
                                         "--set level=三级")
    proof = app.prove(LIAONING, LN_ELECTRICIAN, ProofKind.WRITTEN, "correction", request=applied.number,
                      corrections={"level": "三级"})
    assert (proof.reason, proof.data.level) == ("correction", "三级")
    assert [(c.field, c.old, c.new) for c in proof.corrections] == [("level", "四级", "三级")]
    (request,) = app.requests()
    assert (request.stage, request.result_number) == ("completed", proof.number)
    assert "level: 四级 -> 三级" in app.history(proof.number)[0].summary


def test_a_proof_for_one_purpose_is_not_superseded_by_a_proof_for_another(app: Any) -> None:
    lost = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "lost")
    overseas = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "overseas")
    assert app.show(lost.number).status == "current" and app.show(overseas.number).status == "current"
    lost_again = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "lost")
    assert app.show(lost.number).superseded.by_number == lost_again.number
    assert app.show(overseas.number).status == "current"


def test_a_correction_proof_supersedes_the_written_proofs_whose_data_it_corrects(app: Any) -> None:
    lost = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "lost")
    overseas = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "overseas")
    corrected = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "correction", corrections={"level": "三级"})
    for earlier in (lost, overseas):
        assert app.show(earlier.number).superseded.by_number == corrected.number


def test_the_social_security_card_is_accepted_at_the_window(app: Any) -> None:
    # seed 000 三(一)：本人携带身份证或社保卡原件到服务窗口现场办理
    applied = app.apply(JINAN, RequestKind.PROOF, SD_ELECTRICIAN, "张伟", channel="window",
                        id_shown=("social-security-card", HOLDER))
    assert applied.id_shown == "social-security-card" and applied.to_dict()["id_shown"] == "social-security-card"
    proof = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "lost")
    (where,) = app.hand_over(JINAN, [proof.number], HandoverKind.IN_PERSON,
                             {"id_document": "社保卡", "id_number": HOLDER}, [])
    assert where.custody == "holder" and "social security card" in where.location
    assert HOLDER not in where.location


def test_a_social_security_card_that_is_not_the_holders_is_refused_and_nothing_is_written(app: Any) -> None:
    other = resident_id(date(1980, 1, 1), region="370102", serial=5)
    before = app.count_events()
    with pytest.raises(RuleViolation, match="社保卡"):
        app.apply(JINAN, RequestKind.PROOF, SD_ELECTRICIAN, "张伟", id_shown=("social-security-card", other))
    proof_events = app.count_events()
    assert proof_events == before
    proof = app.prove(JINAN, SD_ELECTRICIAN, ProofKind.WRITTEN, "lost")
    before = app.count_events()
    with pytest.raises(RuleViolation) as refused:
        app.hand_over(JINAN, [proof.number], HandoverKind.IN_PERSON,
                      {"id_document": "social-security-card", "id_number": other}, [])
    assert refused.value.rule == "in-person-id-must-match" and app.count_events() == before
    with pytest.raises(InvalidInput) as unknown:
        app.hand_over(JINAN, [proof.number], HandoverKind.IN_PERSON, {"id_document": "驾驶证", "id_number": HOLDER}, [])
    assert unknown.value.field == "id_document"
