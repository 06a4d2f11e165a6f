"""Handover details per kind (seeds 003, 004): in person, delegate, mail, institution."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.domain import HandoverKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.handover import parse_handover
from ledger.values import CertificateData, parse_certificate

REF_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, REF_WEIGHTS, strict=True)) % 11]


HOLDER_ID = resident_id("33010619900101123")
DELEGATE_ID = resident_id("33010219850505246")
AGENT_ID = resident_id("33010319800303358")


def certificate(serial: int = 1, **changes: object) -> CertificateData:
    raw: dict[str, object] = {
        "number": f"2015010000{serial:06d}", "holder_name": "张三", "gender": "男", "id_number": HOLDER_ID,
        "occupation": "焊工", "level": "四级", "issue_date": "2020-06-01",
    }
    raw.update(changes)
    return parse_certificate(raw)


def institution_raw(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "institution": "杭州某职业培训学校", "batch_number": "2026-11-003", "occupation": "焊工", "level": "4",
        "head_count": "3", "certificates_received": "2", "rosters_received": "1", "agent_name": "李四",
        "agent_id_number": AGENT_ID, "signer": "李四", "signer_phone": "0571-88888888",
        "receipt_date": "2026-11-20",
    }
    raw.update(changes)
    return raw


# -- in person ----------------------------------------------------------------------------------


def test_an_in_person_handover_with_the_holders_id_card_is_recorded_masked():
    details = parse_handover(HandoverKind.IN_PERSON, {"id_number": HOLDER_ID.lower()}, [certificate()], ["id-card"])
    assert details == {"recipient": "张三", "id_checked": True, "id_masked": "330106XXXXXXXXXXXX"}


def test_an_in_person_handover_with_a_different_id_is_refused():
    with pytest.raises(RuleViolation) as info:
        parse_handover(HandoverKind.IN_PERSON, {"id_number": DELEGATE_ID}, [certificate()], [])
    assert info.value.rule == "in-person-id-must-match"


def test_an_in_person_handover_with_an_invalid_id_is_refused_naming_id_number():
    bad = HOLDER_ID[:17] + ("0" if HOLDER_ID[17] != "0" else "1")
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.IN_PERSON, {"id_number": bad}, [certificate()], [])
    assert info.value.field == "id_number"


def test_an_in_person_handover_of_several_documents_is_refused():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.IN_PERSON, {"id_number": HOLDER_ID}, [certificate(1), certificate(2)], [])
    assert info.value.field == "numbers"


def test_an_unknown_evidence_kind_is_refused():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.IN_PERSON, {"id_number": HOLDER_ID}, [certificate()], ["selfie"])
    assert info.value.field == "evidence"


# -- delegate ------------------------------------------------------------------------------------


def test_a_delegate_handover_with_power_of_attorney_and_id_copy_is_recorded():
    details = parse_handover(HandoverKind.DELEGATE, {"name": "王五", "id_number": DELEGATE_ID, "phone": "13800138000"},
                             [certificate()], ["power-of-attorney", "id-copy", "holder-id-copy"])
    assert details["delegate"] == "王五"
    assert details["id_masked"] == DELEGATE_ID[:6] + "X" * 12
    assert details["id_checked"] is True
    assert details["phone"] == "13800138000"


@pytest.mark.parametrize(("evidence", "missing"), [(["id-copy"], "power-of-attorney"),
                                                   (["power-of-attorney"], "id-copy"),
                                                   ([], "power-of-attorney"),
                                                   (["scan", "signature"], "power-of-attorney")])
def test_a_delegate_handover_without_both_scans_is_refused(evidence, missing):
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.DELEGATE, {"name": "王五", "id_number": DELEGATE_ID}, [certificate()], evidence)
    assert info.value.field == "evidence"
    assert missing in info.value.rule


def test_a_delegate_who_is_the_holder_is_refused():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.DELEGATE, {"name": "张三", "id_number": HOLDER_ID}, [certificate()],
                       ["power-of-attorney", "id-copy", "holder-id-copy"])
    assert info.value.field == "id_number"


def test_a_delegate_handover_needs_the_delegates_name_and_a_valid_phone():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.DELEGATE, {"id_number": DELEGATE_ID}, [certificate()],
                       ["power-of-attorney", "id-copy", "holder-id-copy"])
    assert info.value.field == "name"
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.DELEGATE, {"name": "王五", "id_number": DELEGATE_ID, "phone": "call me"},
                       [certificate()], ["power-of-attorney", "id-copy", "holder-id-copy"])
    assert info.value.field == "phone"


# -- mail ----------------------------------------------------------------------------------------


def test_a_mail_handover_defaults_to_ems_with_postage_collect():
    details = parse_handover(HandoverKind.MAIL, {"tracking_number": "ea123456789cn", "address": "沈阳市和平区1号"},
                             [certificate()], [])
    assert details["carrier"] == "EMS"
    assert details["tracking_number"] == "EA123456789CN"
    assert details["postage"] == "collect"
    assert details["recipient"] == "张三"
    assert details["address"] == "沈阳市和平区1号"


@pytest.mark.parametrize("bad", ["", "EA1234", "EA-123456789-CN", "EA 123456789CN", "E" * 31])
def test_a_mail_handover_without_a_valid_tracking_number_is_refused(bad):
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.MAIL, {"tracking_number": bad, "address": "沈阳市"}, [certificate()], [])
    assert info.value.field == "tracking_number"


def test_a_mail_handover_needs_an_address_and_a_known_postage_mode():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.MAIL, {"tracking_number": "EA123456789CN"}, [certificate()], [])
    assert info.value.field == "address"
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.MAIL, {"tracking_number": "EA123456789CN", "address": "沈阳市",
                                           "postage": "free"}, [certificate()], [])
    assert info.value.field == "postage"


# -- institution ---------------------------------------------------------------------------------


def test_an_institution_handover_records_the_contact_letter_and_the_receipt():
    details = parse_handover(HandoverKind.INSTITUTION, institution_raw(), [certificate(1), certificate(2)],
                             ["contact-letter", "receipt"])
    assert details["institution"] == "杭州某职业培训学校"
    assert details["contact_letter"] == {"batch_number": "2026-11-003", "occupation": "焊工", "level": "四级",
                                         "head_count": 3}
    assert details["receipt"] == {"certificates_received": 2, "rosters_received": 1, "signer": "李四",
                                  "phone": "0571-88888888", "date": "2026-11-20"}
    assert details["agent_id_masked"] == AGENT_ID[:6] + "X" * 12


@pytest.mark.parametrize("received", ["1", "3"])
def test_an_institution_receipt_count_must_equal_the_number_of_documents(received):
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(certificates_received=received),
                       [certificate(1), certificate(2)], [])
    assert info.value.field == "certificates_received"


def test_an_institution_receipt_cannot_exceed_the_contact_letters_head_count():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(head_count="1"), [certificate(1), certificate(2)],
                       [])
    assert info.value.field == "certificates_received"
    assert "head count" in info.value.rule


@pytest.mark.parametrize("bad", ["0", "", "two"])
def test_an_institution_head_count_must_be_a_positive_whole_number(bad):
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(head_count=bad), [certificate(1)], [])
    assert info.value.field == "head_count"


@pytest.mark.parametrize("letter", [{"occupation": "电工"}, {"level": "三级"}, {"level": "高级工"}])
def test_an_institution_contact_letter_must_name_the_documents_occupation_and_level(letter):
    with pytest.raises(RuleViolation) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(**letter), [certificate(1), certificate(2)], [])
    assert info.value.rule == "contact-letter-must-match"


def test_an_institution_handover_is_refused_when_one_document_is_of_another_level():
    with pytest.raises(RuleViolation) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(),
                       [certificate(1), certificate(2, level="三级")], [])
    assert info.value.rule == "contact-letter-must-match"
    assert "2015010000000002" in str(info.value)


def test_an_institution_receipt_dated_in_the_future_is_refused():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(receipt_date=tomorrow),
                       [certificate(1), certificate(2)], [])
    assert info.value.field == "receipt_date"


def test_an_institution_agent_with_an_invalid_id_is_refused_naming_agent_id_number():
    bad = AGENT_ID[:17] + ("0" if AGENT_ID[17] != "0" else "1")
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(agent_id_number=bad),
                       [certificate(1), certificate(2)], [])
    assert info.value.field == "agent_id_number"


def test_an_institution_receipt_needs_a_signer_and_a_phone():
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(signer=""), [certificate(1), certificate(2)], [])
    assert info.value.field == "signer"
    with pytest.raises(InvalidInput) as info:
        parse_handover(HandoverKind.INSTITUTION, institution_raw(signer_phone=""), [certificate(1), certificate(2)],
                       [])
    assert info.value.field == "signer_phone"
