"""Handover evidence (seeds 003, 004): what each way of collecting keeps, and a request delivered by its
handover, once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.handover import parse_handover
from ledger.values import parse_certificate
from tests.conftest import AppFactory, on_backends, resident_id

JINAN = Actor("王芳", "1501")
HOLDER = resident_id(date(1985, 3, 2), serial=12)
DELEGATE = resident_id(date(1990, 5, 5), serial=24)
ELECTRICIAN = "1915010000000731"
PROFESSIONAL = "ZS2019000001"
memory_only = on_backends("memory")


@pytest.fixture
def app(make_app: AppFactory) -> CertLedger:
    ledger = make_app()
    ledger.ensure_default_catalog(JINAN)
    ledger.issue(JINAN, {"number": ELECTRICIAN, "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                         "occupation": "电工", "level": "四级", "issue_date": "2019-07-12"})
    ledger.issue(JINAN, {"family": "professional", "number": PROFESSIONAL, "holder_name": "张伟", "gender": "男",
                         "id_number": HOLDER, "occupation": "一级建造师", "exam_code": "034", "level": "一级",
                         "specialty": "建筑工程", "issue_date": "2019-06-01"})
    return ledger


def scan(tmp_path: Path, name: str) -> tuple[str, Path]:
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(f"scan of {name}".encode())
    return name, path


@memory_only
def test_an_on_site_pickup_of_a_professional_certificate_keeps_electronic_evidence(
        app: CertLedger, tmp_path: Path) -> None:
    # seed 004 一(一): 考生现场领取的，要积极利用……高拍仪、电子签名板、身份证阅读器等硬件设备留存领证电子材料
    with pytest.raises(InvalidInput) as refused:
        app.hand_over(JINAN, [PROFESSIONAL], HandoverKind.IN_PERSON, {"id_number": HOLDER}, [])
    assert refused.value.field == "evidence" and "seed 004" in refused.value.rule
    (where,) = app.hand_over(JINAN, [PROFESSIONAL], HandoverKind.IN_PERSON, {"id_number": HOLDER},
                             [scan(tmp_path, "signature"), scan(tmp_path, "id-card")])
    assert where.custody == "holder" and where.evidence_ok
    assert [e.kind for e in where.trail[-1].evidence] == ["signature", "id-card"]


def test_a_delegate_pickup_keeps_the_holders_id_copy_too() -> None:
    # seed 003 flowchart: 他人领取：委托人及被委托人身份证原件、委托人委托书
    cert = parse_certificate({"number": ELECTRICIAN, "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                              "occupation": "电工", "level": "四级", "issue_date": "2019-07-12"})
    with pytest.raises(InvalidInput) as refused:
        parse_handover(HandoverKind.DELEGATE, {"name": "王五", "id_number": DELEGATE}, [cert],
                       ["power-of-attorney", "id-copy"])
    assert refused.value.field == "evidence" and "holder-id-copy" in refused.value.rule


def test_an_institution_pickup_keeps_the_contact_letters_date_and_the_handling_officer() -> None:
    # seed 003 (七): 联系单 … 年 月 日; 签收单 … 经办人员：    联系电话：
    cert = parse_certificate({"number": ELECTRICIAN, "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                              "occupation": "电工", "level": "四级", "issue_date": "2019-07-12"})
    details = parse_handover(HandoverKind.INSTITUTION, {
        "institution": "济南市技师学院", "batch_number": "2019-JN-0601", "occupation": "电工", "level": "四级",
        "head_count": "1", "agent_name": "周八", "agent_id_number": DELEGATE, "signer": "周八",
        "signer_phone": "0531-88880000", "receipt_date": "2019-07-02", "certificates_received": "1",
        "letter_date": "2019年6月28日", "officer": "王芳", "officer_phone": "0531-68966472"}, [cert], [])
    assert details["letter_date"] == "2019-06-28"
    assert details["officer"] == {"name": "王芳", "phone": "0531-68966472"}


def completed_proof_request(app: CertLedger) -> tuple[str, str]:
    applied = app.apply(JINAN, RequestKind.PROOF, ELECTRICIAN, "张伟", channel="online")
    app.accept(JINAN, applied.number)
    app.review(JINAN, applied.number, approve=True)
    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost", request=applied.number)
    return applied.number, proof.number


@memory_only
def test_a_requests_delivery_step_links_to_the_handover_that_delivered_it_and_is_recorded_once(
        app: CertLedger) -> None:
    request, proof = completed_proof_request(app)
    app.hand_over(JINAN, [proof], HandoverKind.MAIL, {"tracking_number": "EA123456789CN", "address": "济南市历下区"},
                  request=request)
    shown = app.show(request)
    assert shown.stage == "delivered" and shown.delivery.handover == f"{proof}#1"
    assert shown.to_dict()["delivery"]["handover"] == f"{proof}#1"
    with pytest.raises(RuleViolation) as again:
        app.deliver(JINAN, request, "EMS")
    assert again.value.rule == "request-workflow"


@memory_only
def test_a_handover_delivers_only_the_request_whose_result_it_hands_over(app: CertLedger) -> None:
    request, _ = completed_proof_request(app)
    with pytest.raises(RuleViolation) as refused:
        app.hand_over(JINAN, [ELECTRICIAN], HandoverKind.IN_PERSON, {"id_number": HOLDER}, request=request)
    assert refused.value.rule == "request-mismatch"
    assert app.where(ELECTRICIAN).custody == "office"  # nothing was written
