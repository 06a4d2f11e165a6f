"""Who issues what for professional certificates, and the reissue loop (seeds 002, 004): the city accepts and
reviews, sends a monthly batch to the provincial personnel examination centre (省人事考试中心), the ministry
prints, the city records the printed certificate when it comes back and hands it over."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from formats.batch_package import read_package, write_package
from ledger.application import CertLedger
from ledger.batch_plan import plan_export
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.reference import examination_centre
from tests.batch.conftest import BUILDER, CENTER, JINAN, Person, approve, issue
from tests.batch.photos import id_photo
from tests.conftest import AppFactory, on_backends, resident_id

memory_only = on_backends("memory")
MONTH = "202405"
HOLDER = Person("ZS2015000001", "王五", resident_id(date(1985, 3, 2), serial=12), BUILDER, "一级", "建筑工程",
                "2015-06-01", photo=id_photo(1))
BIDDING = Person("ZB2012000007", "钱七", resident_id(date(1975, 1, 8), serial=40), ("099", "招标师"), "招标师",
                 "招标采购", "2018-10-20", kind=RequestKind.QUALIFICATION)


@pytest.fixture
def app(make_app: AppFactory) -> CertLedger:
    ledger = make_app()
    ledger.ensure_default_catalog(JINAN)
    return ledger


def forward_batch(app: CertLedger, tmp_path: Path) -> None:
    """The city's monthly batch, imported by the provincial centre."""
    plan = plan_export("1501", MONTH, app.batch_entries(JINAN, "1501", MONTH), app.batch_photo, "XLS")
    result = write_package(plan, tmp_path, (), now=app.now())
    app.import_batch(CENTER, read_package(result.package, today=date(2024, 5, 31)))


def referred_score_pass(app: CertLedger) -> tuple[str, str]:
    """The city's score-pass request, reviewed and sent on to the centre; and the reissue request filed with it."""
    applied = app.apply(JINAN, RequestKind.SCORE_PASS, HOLDER.number, HOLDER.name)
    app.accept(JINAN, applied.number)
    app.review(JINAN, applied.number, approve=True, stated={"name": HOLDER.name, "id_number": HOLDER.id_number})
    app.refer(JINAN, applied.number)
    return applied.number, applied.related


def test_the_authority_tables_name_each_provinces_personnel_examination_centre() -> None:
    shandong, liaoning = examination_centre("15"), examination_centre("07")
    assert (shandong.code, shandong.office, shandong.unit) == ("1500", "山东省人事考试中心", "考务二科")  # seed 004
    assert "http://hrss.shandong.gov.cn/rsks/" in shandong.lookup_urls  # seed 004 附件 三 注
    assert (liaoning.office, liaoning.phone, liaoning.address) == (  # seed 001 附件2
        "辽宁省人事考试中心", "024-22955229", "沈阳市和平区太原北街2号综合楼B座")
    # seed 004 三(一): 中国人事考试网 … 标注“人力资源和社会保障部人事考试中心提供查询结果”字样
    assert "中国人事考试网" in shandong.lookup_sentence
    assert shandong.verification_mark == "人力资源和社会保障部人事考试中心提供查询结果"


@memory_only
def test_the_city_files_the_reissue_request_at_the_same_time_as_the_score_pass_request(app: CertLedger) -> None:
    # seed 004 二(二)1: 考生可向所在市提出开具成绩合格证明申请……同时按照原有补换证流程提交证书补换申请
    issue(app, HOLDER)
    applied = app.apply(JINAN, RequestKind.SCORE_PASS, HOLDER.number, HOLDER.name)
    reissue = app.show(applied.related)
    assert (reissue.kind, reissue.stage, reissue.certificate_number) == ("reissue", "applied", HOLDER.number)
    assert applied.to_dict()["related"] == reissue.number


@memory_only
def test_the_provincial_centre_issues_the_score_pass_proof_after_the_city_reviewed_and_sent_it_on(
        app: CertLedger) -> None:
    # seed 004 二(二)1: 省人事考试中心可先行开具成绩合格证明……各市审核后及时将相关材料报送省人事考试中心
    issue(app, HOLDER)
    score_pass, reissue = referred_score_pass(app)
    proof = app.prove(CENTER, HOLDER.number, ProofKind.SCORE_PASS, request=score_pass)
    assert proof.issued_by.endswith("@ 1500")
    # the proof names the examination centre and its lookup, not the skill-certificate office (seed 004 三)
    assert (proof.authority.office, proof.authority.code) == ("山东省人事考试中心", "1500")
    assert "中国人事考试网" in proof.authority.lookup_sentence and "sdosta" not in " ".join(proof.authority.lookup_urls)
    assert (app.show(score_pass).stage, app.show(score_pass).result_number) == ("completed", proof.number)
    assert app.show(reissue).stage == "applied"  # the reissue runs on through the normal process
    assert [s.stage for s in app.show(score_pass).steps] == ["applied", "accepted", "approved", "referred",
                                                              "completed"]


@memory_only
def test_the_score_pass_proof_prints_the_examination_centre_and_the_ministrys_lookup(app: CertLedger) -> None:
    # seed 004 三(一): 持证人可通过中国人事考试网证书查询验证系统……; not the skill-certificate office's sites
    from signing.content import DocumentContent

    issue(app, HOLDER)
    score_pass, _ = referred_score_pass(app)
    proof = app.prove(CENTER, HOLDER.number, ProofKind.SCORE_PASS, request=score_pass)
    content = DocumentContent.of(proof, date(2024, 5, 6))
    assert content.authority_office == "山东省人事考试中心" and content.authority_office != "济南市人才服务中心"
    assert content.lookup_urls == ("http://hrss.shandong.gov.cn/rsks/",)
    assert "中国人事考试网" in content.attestation
    certificate = DocumentContent.of(app.show(HOLDER.number), date(2024, 5, 6))
    assert certificate.authority_office == "山东省人事考试中心" and "sdosta" not in " ".join(certificate.lookup_urls)


@memory_only
def test_the_city_may_not_issue_a_score_pass_proof(app: CertLedger) -> None:
    issue(app, HOLDER)
    score_pass, _ = referred_score_pass(app)
    with pytest.raises(RuleViolation) as refused:
        app.prove(JINAN, HOLDER.number, ProofKind.SCORE_PASS, request=score_pass)
    assert refused.value.rule == "examination-centre-issues" and "山东省人事考试中心" in str(refused.value)


@memory_only
def test_the_centre_issues_no_score_pass_proof_on_an_unreviewed_request(app: CertLedger) -> None:
    issue(app, HOLDER)
    applied = app.apply(JINAN, RequestKind.SCORE_PASS, HOLDER.number, HOLDER.name)
    app.accept(JINAN, applied.number)
    with pytest.raises(RuleViolation) as refused:
        app.prove(CENTER, HOLDER.number, ProofKind.SCORE_PASS, request=applied.number)
    assert refused.value.rule == "score-pass-needs-referred-request"
    with pytest.raises(RuleViolation) as too_early:
        app.refer(JINAN, applied.number)  # not reviewed yet
    assert too_early.value.rule == "request-workflow"


@memory_only
def test_a_professional_reissue_by_the_city_does_not_bypass_the_monthly_batch(app: CertLedger, tmp_path: Path) -> None:
    # seed 004 二(一)1: 各市要及时整理、汇总受理的考生补换证申请，审核无误后于每月末报送省人事考试中心
    issue(app, HOLDER)
    request = approve(app, HOLDER)
    with pytest.raises(RuleViolation) as refused:
        app.reissue(JINAN, HOLDER.number, request=request)
    assert refused.value.rule == "professional-reissue-through-batch"
    with pytest.raises(RuleViolation):
        app.reissue(JINAN, HOLDER.number)
    forward_batch(app, tmp_path)
    # seed 002: 證書由人社部負責印制……一般從提交補證申請到證書下發需要兩個多月時間; then it comes back
    reissued = app.reissue(JINAN, HOLDER.number, request=request)
    assert "补发" in reissued.remarks[0]
    shown = app.show(request)
    assert [s.stage for s in shown.steps] == ["applied", "accepted", "approved", "forwarded", "completed"]
    assert shown.result_number == HOLDER.number


@memory_only
def test_the_centre_issues_a_qualification_proof_on_the_request_the_batch_carried(
        app: CertLedger, tmp_path: Path) -> None:
    # seed 004 二(二)2: 可由省人事考试中心开具职/执业资格证明，各市须按证书补换流程报送相关材料、数据
    issue(app, BIDDING)
    request = approve(app, BIDDING)
    with pytest.raises(RuleViolation) as not_yet:
        app.prove(CENTER, BIDDING.number, ProofKind.QUALIFICATION, request=request)
    assert not_yet.value.rule == "qualification-needs-forwarded-request"
    forward_batch(app, tmp_path)
    with pytest.raises(RuleViolation) as city:
        app.prove(JINAN, BIDDING.number, ProofKind.QUALIFICATION, request=request)
    assert city.value.rule == "examination-centre-issues"
    proof = app.prove(CENTER, BIDDING.number, ProofKind.QUALIFICATION, request=request)
    assert proof.number.startswith("ZG-") and app.show(request).result_number == proof.number
    with pytest.raises(InvalidInput):
        app.prove(CENTER, BIDDING.number, ProofKind.QUALIFICATION)  # no request named


@memory_only
def test_a_certificate_not_yet_collected_is_handed_over_instead_of_reissued(app: CertLedger) -> None:
    # seed 002 审核补证数据: 審查考生的證書是否已領取,未領取的,告知考生并發放證書
    issue(app, HOLDER)
    applied = app.apply(JINAN, RequestKind.REISSUE, HOLDER.number, HOLDER.name)
    app.accept(JINAN, applied.number)
    reviewed = app.review(JINAN, applied.number, approve=True, not_collected=True)
    assert reviewed.review.outcome == "hand-over-original"
    assert (reviewed.stage, reviewed.result_number) == ("completed", HOLDER.number)


@memory_only
def test_a_collected_certificate_is_not_handed_over_again_as_a_review_outcome(app: CertLedger, tmp_path: Path) -> None:
    issue(app, HOLDER)
    signed = tmp_path / "signature.png"
    signed.write_bytes(b"e-signature pad")
    app.hand_over(JINAN, [HOLDER.number], HandoverKind.IN_PERSON, {"id_number": HOLDER.id_number},
                  [("signature", signed)])
    applied = app.apply(JINAN, RequestKind.REISSUE, HOLDER.number, HOLDER.name)
    app.accept(JINAN, applied.number)
    with pytest.raises(RuleViolation) as refused:
        app.review(JINAN, applied.number, approve=True, not_collected=True)
    assert refused.value.rule == "certificate-was-collected"
