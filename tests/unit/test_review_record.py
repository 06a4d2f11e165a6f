"""Review against the record (seeds 002, 004 二(一)2), who acts for whom (seed 000 附件2/附件3) and what is
out of scope at application (seed 001 二)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import RequestKind
from ledger.errors import InvalidInput, RuleViolation
from tests.conftest import Clock, resident_id

JINAN = Actor("王芳", "1501")
LIAONING = Actor("李强", "0700")
HOLDER = resident_id(date(1985, 3, 2), serial=12)
PROFESSIONAL = "ZS2015000001"
LAIWU_WELDER = "1815120000000042"  # digits 3-6 1512: 济南市（莱芜）


@pytest.fixture
def app() -> Any:
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock())
    ledger.ensure_default_catalog(JINAN)
    ledger.issue(JINAN, {"family": "professional", "number": PROFESSIONAL, "holder_name": "王五", "gender": "男",
                         "id_number": HOLDER, "occupation": "一级建造师", "exam_code": "034", "level": "一级",
                         "specialty": "建筑工程", "issue_date": "2015-06-01"})
    yield ledger
    ledger.close()


def accepted(app: Any, number: str = PROFESSIONAL, actor: Actor = JINAN) -> str:
    applied = app.apply(actor, RequestKind.REISSUE, number, "王五")
    app.accept(actor, applied.number)
    return applied.number


STATED = {"name": "王五", "id_number": HOLDER, "certificate_number": PROFESSIONAL, "level": "一级",
          "specialty": "建筑工程", "approval_date": "2015年6月1日"}


def test_the_review_compares_each_stated_field_with_the_record_and_records_each_result(app: Any) -> None:
    # seed 004 二(一)2: 认真核对其姓名、证件号码、级别、专业、批准日期等信息是否与证书数据库一致
    reviewed = app.review(JINAN, accepted(app), approve=True, stated=STATED, photo_attested=True)
    results = {c.check: c.result for c in reviewed.review.comparisons}
    assert results == {"name": "match", "id_number": "match", "certificate_number": "match", "level": "match",
                       "specialty": "match", "approval_date": "match"}
    assert reviewed.review.photo_attested is True and dict(reviewed.review.checks)["photo"] is True


def test_a_stated_field_that_differs_from_the_record_is_recorded_as_a_mismatch_and_stops_the_approval(
        app: Any) -> None:
    # 核对信息须依据证书数据库，尊重历史数据: the record decides
    number = accepted(app)
    with pytest.raises(RuleViolation) as refused:
        app.review(JINAN, number, approve=True, stated={**STATED, "specialty": "市政公用工程"}, photo_attested=True)
    assert refused.value.rule == "review-data-must-match" and "specialty" in str(refused.value)
    rejected = app.review(JINAN, number, approve=False, reason="专业与证书数据库不符",
                          stated={**STATED, "specialty": "市政公用工程"})
    (mismatch,) = [c for c in rejected.review.comparisons if c.result == "mismatch"]
    assert (mismatch.check, mismatch.stated, mismatch.recorded) == ("specialty", "市政公用工程", "建筑工程")


def test_a_mismatched_id_number_is_masked_where_the_review_is_shown(app: Any) -> None:
    other = resident_id(date(1990, 1, 1), serial=30)
    rejected = app.review(JINAN, accepted(app), approve=False, reason="证件号码不符",
                          stated={"id_number": other})
    shown = rejected.to_dict()["review"]["comparisons"]
    assert HOLDER not in str(shown) and other not in str(shown)


def test_the_photo_check_is_the_clerks_explicit_attestation(app: Any) -> None:
    # seed 002 审核补证数据: 審查考生提交的照片與其身份證照片是否為同一人 (a certificate from before 2017)
    number = accepted(app)
    with pytest.raises(RuleViolation) as refused:
        app.review(JINAN, number, approve=True, stated=STATED)
    assert refused.value.rule == "review-photo-attestation"
    assert app.review(JINAN, number, approve=True, stated=STATED, photo_attested=True).stage == "approved"


def test_an_approval_no_longer_records_checks_nobody_made(app: Any) -> None:
    reviewed = app.review(JINAN, accepted(app), approve=True, photo_attested=True)
    results = {c.check: c.result for c in reviewed.review.comparisons}
    assert results["certificate_number"] == "match"  # the request names the certificate it is for
    assert results["name"] == results["id_number"] == "not-stated"


def test_an_unknown_stated_field_is_refused_naming_the_field(app: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        app.review(JINAN, accepted(app), approve=True, stated={"shoe_size": "42"}, photo_attested=True)
    assert refused.value.field == "stated"


def test_one_jinan_office_acts_on_jinan_and_laiwu_certificates_without_switching_office_code(app: Any) -> None:
    # seed 000 附件2: 济南市 01，12(莱芜); 附件3 lists one 济南市人才服务中心 for both
    app.issue(JINAN, {"number": LAIWU_WELDER, "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                      "occupation": "焊工", "level": "四级", "issue_date": f"20{LAIWU_WELDER[:2]}-07-12"})
    number = app.apply(JINAN, RequestKind.REISSUE, LAIWU_WELDER, "张伟").number
    app.accept(JINAN, number)
    app.review(JINAN, number, approve=True)
    reissued = app.reissue(JINAN, LAIWU_WELDER, request=number)
    assert reissued.number == LAIWU_WELDER and reissued.edition == 2
    with pytest.raises(RuleViolation):  # Qingdao does not
        app.apply(Actor("赵六", "1502"), RequestKind.REISSUE, LAIWU_WELDER, "张伟")


def test_liaoning_handwritten_certificates_from_before_2000_are_refused_at_application() -> None:
    # seed 001 二: 2000年之前颁发的手写老证书不在办理范围
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock())
    ledger.ensure_default_catalog(LIAONING)
    ledger.issue(LIAONING, {"number": "9807000000000011", "holder_name": "刘洋", "gender": "男", "id_number": HOLDER,
                            "occupation": "焊工", "level": "四级", "issue_date": "1998-05-04", "style": "handwritten"})
    with pytest.raises(RuleViolation) as refused:
        ledger.apply(LIAONING, RequestKind.PROOF, "9807000000000011", "刘洋", channel="mail")
    assert refused.value.rule == "ln-handwritten-before-2000"
    assert ledger.requests() == []


def test_a_liaoning_certificate_from_before_2000_is_taken_as_handwritten_unless_its_record_says_otherwise() -> None:
    from ledger.values import parse_certificate

    def parsed(**extra: str) -> str:
        return parse_certificate({"number": "9807010000000011", "holder_name": "刘洋", "gender": "男",
                                  "id_number": HOLDER, "occupation": "焊工", "level": "四级",
                                  "issue_date": "1998-05-04", **extra}).style

    assert parsed() == "handwritten"
    assert parsed(style="old") == "old"  # the record says otherwise
    shandong = parse_certificate({"number": "9815010000000011", "holder_name": "刘洋", "gender": "男",
                                  "id_number": HOLDER, "occupation": "焊工", "level": "四级",
                                  "issue_date": "1998-05-04"})
    assert shandong.style == "old"


def test_a_reissued_old_style_certificate_is_a_new_style_edition(app: Any) -> None:
    # seed 003 (三)1(4): 旧版职业资格证书自2016年9月1日起停止使用，不再办理和核发 (人社厅发〔2015〕143号)
    app.issue(JINAN, {"number": "1015010000000099", "holder_name": "张伟", "gender": "男", "id_number": HOLDER,
                      "occupation": "焊工", "level": "四级", "issue_date": "2010-07-12"})
    assert app.show("1015010000000099").data.style == "old"
    reissued = app.reissue(JINAN, "1015010000000099")
    assert reissued.data.style == "new" and reissued.number == "1015010000000099"


def test_an_application_carries_its_materials_checked_for_presence_by_kind_of_request(tmp_path: Any) -> None:
    # seed 001 三 所需材料：1、本人身份证正反面照片；2、……查询到本人证书信息并截图。3、证书原件照片。（境外就业及原证书
    # 信息错误需提供）
    from ledger.blobs import BlobStore

    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock(), blobs=BlobStore(tmp_path))
    ledger.ensure_default_catalog(LIAONING)
    ledger.issue(LIAONING, {"number": "1807000000103353", "holder_name": "赵六", "gender": "男", "id_number": HOLDER,
                            "occupation": "焊工", "level": "四级", "issue_date": "2018-07-12"})
    exchange = ledger.apply(LIAONING, RequestKind.EXCHANGE, "1807000000103353", "赵六", channel="mail").number
    for kind in ("id-front", "id-back", "lookup-screenshot"):
        ledger.attach_material(LIAONING, exchange, kind, f"{kind} scan".encode(), f"{kind}.jpg")
    with pytest.raises(RuleViolation) as refused:
        ledger.accept(LIAONING, exchange)  # an overseas exchange needs the original's photo too
    assert refused.value.rule == "materials-missing" and "certificate-photo" in str(refused.value)
    ledger.attach_material(LIAONING, exchange, "certificate-photo", b"photo of the original", "original.jpg")
    assert ledger.accept(LIAONING, exchange).stage == "accepted"
    reissue = ledger.apply(LIAONING, RequestKind.REISSUE, "1807000000103353", "赵六", channel="mail").number
    with pytest.raises(RuleViolation) as bare:
        ledger.accept(LIAONING, reissue)
    assert "id-front, id-back, lookup-screenshot" in str(bare.value) and "certificate-photo" not in str(bare.value)
    window = ledger.apply(LIAONING, RequestKind.PROOF, "1807000000103353", "赵六", channel="window").number
    assert ledger.accept(LIAONING, window).stage == "accepted"  # the originals are shown at the window



def test_a_skill_certificates_stated_occupation_is_compared_with_its_occupation(app: Any) -> None:
    from ledger.review import compare

    app.issue(JINAN, {"number": "1915010000123456", "holder_name": "王五", "gender": "男", "id_number": HOLDER,
                      "occupation": "电工", "level": "三级", "theory_score": 80, "practical_score": 75,
                      "issue_date": "2019-06-01"})
    record = app.show("1915010000123456").data
    [same] = [c for c in compare(record, {"specialty": "电工"}) if c.check == "specialty"]
    [other] = [c for c in compare(record, {"specialty": "焊工"}) if c.check == "specialty"]
    assert same.result == "match"
    assert (other.result, other.recorded) == ("mismatch", "电工")
