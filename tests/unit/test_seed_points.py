"""Issue 13, point by point: every point of the issue and every time limit it lists, and the test that asserts
it as the seed says it. The table is checked (test_every_point_names_a_test_that_exists): a renamed or removed
test fails here. The points this file asserts itself are the last ones (what a test showed wrong).

Time limits (working days of the official calendar)
- 000 三 Shandong skill proof at the window: done on the spot (即时办结)
  -> tests/unit/test_time_limits.py::test_shandong_at_the_window_the_proof_is_done_on_the_spot
- 000 三 Shandong online: done on receipt, mailed the next working day (接件即办, 第二个工作日寄出)
  -> tests/unit/test_time_limits.py::test_shandong_online_is_done_on_receipt_and_mailed_the_next_working_day
- 001 Liaoning: accepted within 1 working day, issued and mailed within 3 of acceptance
  -> tests/unit/test_time_limits.py
     ::test_liaoning_accepts_within_one_working_day_and_issues_and_mails_within_three_of_acceptance
- 002 Shandong professional reissue and exchange: 65 promised (0 / 5 / 60), legal limit 3 months, both listed
  -> tests/unit/test_time_limits.py
     ::test_shandong_professional_reissue_and_exchange_promise_65_working_days_within_a_legal_3_months
  -> tests/unit/test_time_limits.py::test_a_request_past_its_legal_limit_is_overdue_even_before_its_step_is_due
  -> tests/e2e/test_cli_time_limits.py::test_request_list_reports_stage_due_steps_and_the_legal_limit
- 003 十三 Zhejiang pickups: 10 working days from the notice, 30 from the blanks for national exams
  -> tests/unit/test_time_limits.py
     ::test_zhejiang_pickups_run_10_working_days_from_the_notice_30_from_the_blank_certificates
  -> tests/integration/test_zhejiang.py
     ::test_certificates_on_a_pickup_notice_are_collected_within_10_working_days_or_are_overdue
  -> tests/integration/test_zhejiang.py
     ::test_national_exam_certificates_are_collected_within_30_working_days_of_the_blanks_arriving
- 003 十五 Zhejiang delivery within 5 working days of the decision
  -> tests/unit/test_time_limits.py::test_zhejiang_delivers_within_5_working_days_of_the_decision
  -> tests/integration/test_zhejiang.py::test_zhejiang_delivers_within_5_working_days_of_the_decision
- 000, 002 office hours where an office shows its service information
  -> tests/unit/test_office_hours.py::test_the_shandong_provincial_window_shows_its_hours
  -> tests/unit/test_office_hours.py::test_shandong_professional_reissues_are_taken_at_the_a1_window_in_its_hours
  -> tests/unit/test_office_hours.py::test_an_office_whose_hours_no_seed_gives_shows_none

Who issues what
- 004 二(二) the provincial centre issues score-pass and qualification proofs, after the city reviewed and sent on
  -> tests/batch/test_professional_loop.py
     ::test_the_provincial_centre_issues_the_score_pass_proof_after_the_city_reviewed_and_sent_it_on
  -> tests/batch/test_professional_loop.py::test_the_city_may_not_issue_a_score_pass_proof
  -> tests/batch/test_professional_loop.py::test_the_centre_issues_no_score_pass_proof_on_an_unreviewed_request
- 004 二(二)1 the city files the reissue request at the same time
  -> tests/batch/test_professional_loop.py
     ::test_the_city_files_the_reissue_request_at_the_same_time_as_the_score_pass_request
- 004 三 professional documents name the examination authority, its lookup and the ministry's mark
  -> tests/batch/test_professional_loop.py
     ::test_the_score_pass_proof_prints_the_examination_centre_and_the_ministrys_lookup
  -> tests/verify_api/test_verification.py
     ::test_a_professional_certificates_verdict_names_the_examination_authority_and_the_ministrys_lookup
- 001 附件2 / 004 the centres' phones and addresses as the seeds give them, no empty label where none is given
  -> tests/unit/test_seed_points.py::test_the_centres_phones_and_addresses_are_the_seeds_and_shandongs_is_none
  -> tests/unit/test_seed_points.py::test_a_centre_proof_prints_the_phone_line_only_where_the_seed_gives_a_phone
  -> tests/unit/test_seed_points.py::test_the_command_shows_a_centre_without_a_phone_without_empty_brackets
  -> tests/unit/test_seed_points.py::test_a_centre_proof_cites_its_own_provinces_notice_shandong_004_liaoning_none
- 002, 004 the professional loop: review, monthly batch, ministry, received, handed over; no bypass
  -> tests/batch/test_professional_loop.py::test_a_professional_reissue_by_the_city_does_not_bypass_the_monthly_batch
  -> tests/e2e/test_cli_seed_processes.py
     ::test_the_city_reviews_against_the_record_refers_the_score_pass_request_and_hands_the_uncollected_original_over
- 002 not yet collected: hand the original over, a review outcome
  -> tests/batch/test_professional_loop.py::test_a_certificate_not_yet_collected_is_handed_over_instead_of_reissued
  -> tests/batch/test_professional_loop.py::test_a_collected_certificate_is_not_handed_over_again_as_a_review_outcome
- 004 二(二)2 the 15 abolished qualifications however written; through the batch like any other
  -> tests/unit/test_abolished.py::test_an_abolished_qualification_matches_however_a_clerk_writes_it
  -> tests/unit/test_abolished.py::test_a_qualification_proof_is_taken_for_an_abolished_qualification_however_written
  -> tests/batch/test_professional_loop.py
     ::test_the_centre_issues_a_qualification_proof_on_the_request_the_batch_carried
- 000 附件3 one Jinan office for Jinan (01) and Laiwu (12)
  -> tests/unit/test_review_record.py
     ::test_one_jinan_office_acts_on_jinan_and_laiwu_certificates_without_switching_office_code
- 003 Zhejiang loads its table from a file; the shipped tables stay the seeds' two provinces
  -> tests/integration/test_zhejiang.py
     ::test_an_office_loads_its_provinces_authority_table_from_a_file_as_it_loads_the_catalog
  -> tests/integration/test_zhejiang.py::test_the_shipped_tables_stay_the_seeds_two_provinces
  -> tests/unit/test_seed_points.py::test_a_loaded_table_gives_hours_and_a_serving_office_as_text_or_is_refused
- 003 a Zhejiang office can start (init with its table; the keeper certifies it from the same file)
  -> tests/e2e/test_cli_zhejiang.py
     ::test_a_zhejiang_office_is_initialised_with_its_table_and_a_collected_certificate_is_on_no_pickup_notice
  -> tests/e2e/test_cli_zhejiang.py::test_init_refuses_another_provinces_table_before_anything_is_made
  -> tests/e2e/test_cli_zhejiang.py
     ::test_without_the_root_passphrase_the_keeper_certifies_a_zhejiang_office_from_the_same_table

Review, materials and dead ends
- 002, 004 review compares the stated data with the record; the photo check is the clerk's attestation
  -> tests/unit/test_review_record.py
     ::test_the_review_compares_each_stated_field_with_the_record_and_records_each_result
  -> tests/unit/test_review_record.py
     ::test_a_stated_field_that_differs_from_the_record_is_recorded_as_a_mismatch_and_stops_the_approval
  -> tests/unit/test_review_record.py::test_the_photo_check_is_the_clerks_explicit_attestation
- 001 三 materials as attachments, checked for presence by kind of request
  -> tests/unit/test_review_record.py::test_an_application_carries_its_materials_checked_for_presence_by_kind_of_request
- 001 correction of an occupation that left the catalog ends in a written proof; every remedy works as written
  -> tests/unit/test_dead_ends.py
     ::test_a_correction_of_an_occupation_that_left_the_catalog_ends_in_a_written_proof_of_the_corrected_data
  -> tests/e2e/test_cli_remedies.py::test_an_occupation_that_left_the_catalog_ends_in_the_written_proof_the_remedy_names
- 003 Liaoning pre-2000 handwritten: out of scope at application; taken as handwritten; reissue is new style
  -> tests/unit/test_review_record.py
     ::test_liaoning_handwritten_certificates_from_before_2000_are_refused_at_application
  -> tests/unit/test_review_record.py
     ::test_a_liaoning_certificate_from_before_2000_is_taken_as_handwritten_unless_its_record_says_otherwise
  -> tests/unit/test_review_record.py::test_a_reissued_old_style_certificate_is_a_new_style_edition
- the number's year digits agree with the issue date; 000 三(一) the social security card at the window
  -> tests/unit/test_numbers.py
     ::test_the_certificate_numbers_first_two_digits_are_the_year_code_of_its_issue_19_for_2019
  -> tests/unit/test_dead_ends.py::test_the_social_security_card_is_accepted_at_the_window
- a proof for one purpose is not superseded by a proof for another
  -> tests/unit/test_dead_ends.py::test_a_proof_for_one_purpose_is_not_superseded_by_a_proof_for_another
- handover: electronic evidence, the delegate's holder ID copy, the institution's letter date and officer, once
  -> tests/unit/test_handover_evidence.py
     ::test_an_on_site_pickup_of_a_professional_certificate_keeps_electronic_evidence
  -> tests/unit/test_handover_evidence.py::test_a_delegate_pickup_keeps_the_holders_id_copy_too
  -> tests/unit/test_handover_evidence.py
     ::test_an_institution_pickup_keeps_the_contact_letters_date_and_the_handling_officer
  -> tests/unit/test_handover_evidence.py
     ::test_a_requests_delivery_step_links_to_the_handover_that_delivered_it_and_is_recorded_once
- 003 五 pickup notices: published list, clocks, uncollected on the overdue list; a collected certificate refused
  -> tests/integration/test_zhejiang.py
     ::test_uncollected_certificates_appear_on_the_offices_one_overdue_list_beside_its_late_requests
  -> tests/unit/test_seed_points.py::test_a_pickup_notice_refuses_a_certificate_already_collected_and_writes_nothing

Written proof template (seed 000 附件1)
  -> tests/signing/test_written_template.py::test_the_issuing_authority_is_the_hr_and_social_security_department
  -> tests/signing/test_written_template.py::test_the_seal_is_the_issuing_authoritys_seal
  -> tests/signing/test_written_template.py::test_the_attestation_ends_with_the_seeds_sentence_verbatim
  -> tests/signing/test_written_template.py::test_the_overseas_wording_is_grammatical
  -> tests/signing/test_written_template.py::test_the_proof_prints_the_whole_id_number_and_every_public_surface_masks_it

Done when: request list reports stage, due, steps and the legal limit; narrated runs
  -> tests/e2e/test_cli_time_limits.py::test_request_list_reports_stage_due_steps_and_the_legal_limit
  -> tests/e2e/test_cli_story.py::test_the_whole_story_from_loss_to_delivery_is_told_by_history_and_where
"""

from __future__ import annotations

import ast
import re
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
import pytest

from cli.output import _authority
from ledger.application import Actor, CertLedger
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.reference import authority, examination_centre, forget_authority_tables, register_authority_table
from signing.content import SCORE_PASS_ATTESTATION, TITLES, DocumentContent
from signing.render import Renderer
from tests.conftest import Clock, resident_id

ROOT = Path(__file__).resolve().parents[2]
POINT = re.compile(r"->\s+(tests/\S+\.py)\s*::(test_\w+)")


def test_every_point_names_a_test_that_exists() -> None:
    cited = POINT.findall(__doc__ or "")
    assert len(cited) > 50
    missing = []
    for path, name in cited:
        tree = ast.parse((ROOT / path).read_text("utf-8"))
        if name not in {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}:
            missing.append(f"{path}::{name}")
    assert missing == []


def test_the_centres_phones_and_addresses_are_the_seeds_and_shandongs_is_none() -> None:
    # seed 001 附件2: 辽宁省人事考试中心 沈阳市和平区太原北街2号综合楼B座 024-22955229; seed 004 names
    # 山东省人事考试中心 (考务二科) but gives it no phone or address, nor does seed 002 (申請材料收件人聯系電話 | -)
    liaoning, shandong = examination_centre("07"), examination_centre("15")
    assert (liaoning.phone, liaoning.address) == ("024-22955229", "沈阳市和平区太原北街2号综合楼B座")
    assert (shandong.phone, shandong.address) == ("", "")


def _score_pass(office: str, phone: str) -> DocumentContent:
    return DocumentContent(
        kind="score-pass", number="CJ-ZS2015000001-01", title=TITLES["score-pass"], family="professional",
        holder_name="王五", gender="男", id_number=resident_id(region="370102"), certificate_number="ZS2015000001",
        edition=1, occupation="一级建造师", level="一级", specialty="建筑工程", theory_score="", practical_score="",
        review_score="", result="合格", issue_date=date(2015, 6, 1), authority_office=office, authority_phone=phone,
        authority_address="", lookup_urls=(), remarks=(),
        attestation=SCORE_PASS_ATTESTATION.format(qualification="一级建造师"), document_date=date(2026, 12, 1))


def _text(content: DocumentContent) -> str:
    pdf = Renderer().render(content, "HTTPS://V.EXAMPLE/V/ABC")
    return re.sub(r"\s+", "", pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text())


def test_a_centre_proof_prints_the_phone_line_only_where_the_seed_gives_a_phone() -> None:
    liaoning, shandong = examination_centre("07"), examination_centre("15")
    assert "证明出具单位咨询电话：024-22955229" in _text(_score_pass(liaoning.office, liaoning.phone))
    text = _text(_score_pass(shandong.office, shandong.phone))
    assert "证明出具单位：山东省人事考试中心" in text and "咨询电话" not in text  # no empty label


def test_the_command_shows_a_centre_without_a_phone_without_empty_brackets() -> None:
    assert _authority({"authority": {"code": "1500", "office": "山东省人事考试中心", "phone": ""}}) == (
        "1500 山东省人事考试中心")
    assert _authority({"authority": {"code": "0700", "office": "辽宁省人事考试中心", "phone": "024-22955229"}}) == (
        "0700 辽宁省人事考试中心 (024-22955229)")


ZHEJIANG = {"code": "33", "name": "浙江省", "lookup_urls": ["http://zscx.osta.org.cn"], "cities": {
    "01": {"area": "杭州市", "office": "杭州市职业技能鉴定指导中心", "phone": "0571-00000001",
           "address": "浙江省杭州市（测试地址）"}}}


@pytest.fixture
def zhejiang() -> Any:
    register_authority_table(dict(ZHEJIANG))
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock())
    yield app
    app.close()
    forget_authority_tables()


def test_a_pickup_notice_refuses_a_certificate_already_collected_and_writes_nothing(zhejiang: CertLedger) -> None:
    # seed 003 (五): 申请条件：领取证书通知已发布且在公布名单中 — a notice lists what waits to be collected
    office = Actor("陈静", "3301")
    zhejiang.load_authority_table(office, ZHEJIANG)
    zhejiang.ensure_default_catalog(office)
    holder = resident_id(region="330102", serial=21)
    for number in ("1933010000000101", "1933010000000102"):
        zhejiang.issue(office, {"number": number, "holder_name": "陈晓", "gender": "男", "id_number": holder,
                                "occupation": "焊工", "level": "四级", "issue_date": "2019-06-28"})
    zhejiang.hand_over(office, ["1933010000000101"], HandoverKind.IN_PERSON, {"id_number": holder})
    before = zhejiang.count_events()
    with pytest.raises(RuleViolation) as refused:
        zhejiang.publish_pickup(office, ["1933010000000102", "1933010000000101"])
    assert refused.value.rule == "pickup-already-collected" and "1933010000000101" in str(refused.value)
    assert zhejiang.count_events() == before  # nothing written, not even the uncollected one's notice
    assert zhejiang.publish_pickup(office, ["1933010000000102"]).startswith("PN-3301-")


def test_a_loaded_table_gives_hours_and_a_serving_office_as_text_or_is_refused(zhejiang: CertLedger) -> None:
    # seed 003 (九): 办公时间：各地公布的办公时间 — an office's own file gives them, as a text
    hangzhou = {**ZHEJIANG["cities"]["01"], "hours": "工作日 8:30-12:00，13:30-17:00"}  # type: ignore[dict-item]
    register_authority_table({**ZHEJIANG, "cities": {"01": hangzhou, "02": {**hangzhou, "served_by": "01"}}})
    assert authority("3301").hours == "工作日 8:30-12:00，13:30-17:00" and authority("3302").served_by == "3301"
    for bad, field in (({**hangzhou, "hours": 830}, "cities.01.hours"), ({**hangzhou, "served_by": "09"},
                                                                        "cities.01.served_by"),
                       ({**hangzhou, "phone": 57100000001}, "cities.01.phone")):
        with pytest.raises(InvalidInput) as refused:
            register_authority_table({**ZHEJIANG, "cities": {"01": bad}})
        assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        register_authority_table({**ZHEJIANG, "lookup_urls": "http://zscx.osta.org.cn"})
    assert refused.value.field == "lookup_urls"


def _centre_proof(app: CertLedger, city: Actor, centre: Actor, number: str) -> DocumentContent:
    """A professional certificate of `city`, its score-pass request reviewed and referred, the centre's proof."""
    app.issue(city, {"family": "professional", "number": number, "holder_name": "王五", "gender": "男",
                     "id_number": resident_id(region="210102", serial=12), "occupation": "一级建造师",
                     "level": "一级", "specialty": "建筑工程", "issue_date": "2018-06-01"})
    applied = app.apply(city, RequestKind.SCORE_PASS, number, "王五")
    app.accept(city, applied.number)
    app.review(city, applied.number, approve=True, stated={"name": "王五"})
    app.refer(city, applied.number)
    proof = app.prove(centre, number, ProofKind.SCORE_PASS, request=applied.number)
    return DocumentContent.of(app.show(proof.number), date(2026, 12, 1))


def test_a_centre_proof_cites_its_own_provinces_notice_shandong_004_liaoning_none() -> None:
    # seed 004 is 鲁人社函〔2020〕24号, Shandong's notice: Liaoning's centre (which the ledger assumes plays the
    # same role) issues its proofs under no notice the seeds give, so it cites none rather than Shandong's
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=Clock())
    app.ensure_default_catalog(Actor("张三", "1501"))
    shandong = _centre_proof(app, Actor("张三", "1501"), Actor("李四", "1500"), "ZS2018000001")
    liaoning = _centre_proof(app, Actor("李强", "0701"), Actor("赵六", "0700"), "ZS2018000002")
    assert shandong.attestation.startswith(SCORE_PASS_ATTESTATION.format(qualification="一级建造师"))
    assert "鲁人社函" not in liaoning.attestation and "作为考试合格的证明使用。" in liaoning.attestation
    assert liaoning.authority_office == "辽宁省人事考试中心" and liaoning.authority_phone == "024-22955229"
    app.close()
