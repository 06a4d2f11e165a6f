"""Certificate and Proof aggregates on their own: no application, no event store."""

from __future__ import annotations

import pytest

from ledger.domain import (
    Certificate,
    HandoverKind,
    ProofKind,
    Replacement,
    Status,
    certificate_id,
)
from ledger.errors import InvalidInput, RuleViolation
from tests.unit.certificate_fixtures import (
    AT,
    CATALOG,
    HOLDER_ID,
    LATER,
    LN_HOLDER_ID,
    OTHER_ID,
    SKILL_NUMBER,
    issued,
    professional_data,
    refused,
    replay,
    skill_data,
    state,
)

# -- issue ------------------------------------------------------------------------------------


def test_issuing_creates_exactly_one_pending_issued_event():
    cert = Certificate.issue(skill_data(), "op-1", "1501", AT)
    assert len(cert.pending_events) == 1
    event = cert.pending_events[0]
    assert type(event) is Certificate.Issued
    assert event.edition == 1
    assert cert.id == certificate_id(SKILL_NUMBER, 1)
    assert cert.edition == 1
    assert cert.status == Status.CURRENT
    assert cert.data == skill_data()
    assert cert.issued_by.to_dict() == {"operator": "op-1", "office": "1501", "at": AT}
    assert cert.remarks == []
    assert cert.replaces is None


def test_the_certificate_id_is_derived_from_number_and_edition():
    assert certificate_id(SKILL_NUMBER, 1) == certificate_id(SKILL_NUMBER, 1)
    assert certificate_id(SKILL_NUMBER, 1) != certificate_id(SKILL_NUMBER, 2)
    assert certificate_id(SKILL_NUMBER, 1) != certificate_id("1815010000103354", 1)


def test_issuing_by_an_office_other_than_the_number_authority_is_refused():
    with pytest.raises(RuleViolation) as info:
        Certificate.issue(skill_data(), "op-1", "1502", AT)
    assert info.value.rule == "issuing-authority-only"


def test_an_old_style_certificate_issued_after_2016_09_01_is_refused_at_issue():
    with pytest.raises(RuleViolation) as info:
        Certificate.issue(skill_data(number="1715010000103353",
                      style="old", issue_date="2017-03-01"), "op-1", "1501", AT)
    assert info.value.rule == "old-style-stopped"


def test_an_old_style_certificate_issued_on_2016_09_01_is_refused_at_issue():
    with pytest.raises(RuleViolation) as info:
        Certificate.issue(skill_data(number="1615010000103353",
                      style="old", issue_date="2016-09-01"), "op-1", "1501", AT)
    assert info.value.rule == "old-style-stopped"


def test_an_old_style_certificate_issued_before_2016_09_01_is_still_accepted():
    cert = Certificate.issue(skill_data(number="1615010000103353",
                      style="old", issue_date="2016-08-31"), "op-1", "1501", AT)
    assert cert.data.style == "old"


def test_importing_an_old_style_certificate_issued_after_2016_09_01_is_refused_too():
    with pytest.raises(RuleViolation) as info:
        Certificate.import_record(skill_data(number="1715010000103353",
                      style="old", issue_date="2017-03-01"), "db.xlsx", "op-1", "1501", AT)
    assert info.value.rule == "old-style-stopped"


def test_a_provincial_office_may_import_a_city_certificate_of_its_province_but_not_another_province():
    cert = Certificate.import_record(skill_data(), "db.xlsx", "op-1", "1500", AT)
    assert type(cert.pending_events[0]) is Certificate.Imported
    assert cert.pending_events[0].source == "db.xlsx"
    with pytest.raises(RuleViolation) as info:
        Certificate.import_record(skill_data(), "db.xlsx", "op-1", "0700", AT)
    assert info.value.rule == "issuing-authority-only"


# -- replacement: reissue, exchange, correction ------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "event_class", "label"),
    [(Replacement.LOST, Certificate.Reissued, "遗失补发"),
     (Replacement.OVERSEAS, Certificate.Exchanged, "境外就业换发")],
)
def test_replacing_returns_the_next_edition_under_the_same_number(reason, event_class, label):
    old = issued()
    new = old.replace(reason, CATALOG, "op-2", "1501", LATER)
    assert new.number == old.number == SKILL_NUMBER
    assert new.edition == old.edition + 1 == 2
    assert new.id == certificate_id(SKILL_NUMBER, 2)
    assert new.replaces == old.id
    assert new.data == old.data
    assert new.status == Status.CURRENT
    assert new.replacement_reason == reason.value
    assert new.catalog_version == "2021"
    assert len(new.remarks) == 1 and label in new.remarks[0] and "沿用原证书编号" in new.remarks[0]
    assert [type(e) for e in new.pending_events] == [event_class]
    assert old.status == Status.SUPERSEDED
    assert old.superseded is not None
    assert old.superseded.by == new.id
    assert old.superseded.by_edition == 2
    assert [type(e) for e in old.pending_events] == [Certificate.Superseded]


def test_the_reissue_remark_carries_the_date_of_the_reissue():
    new = issued().replace(Replacement.LOST, CATALOG, "op-2", "1501", LATER)
    assert new.remarks[0].startswith("2026-04-07")


def test_a_second_replacement_builds_on_the_current_edition():
    first = issued()
    second = first.replace(Replacement.LOST, CATALOG, "op-2", "1501", AT)
    third = second.replace(Replacement.OVERSEAS, CATALOG, "op-2", "1501", LATER)
    assert third.edition == 3
    assert third.replaces == second.id
    assert second.superseded.by == third.id


def test_replacing_a_superseded_edition_is_refused_without_any_new_event():
    old = issued()
    old.replace(Replacement.LOST, CATALOG, "op-2", "1501", AT)
    old.collect_events()
    err = refused(old, lambda: old.replace(Replacement.LOST, CATALOG, "op-2", "1501", LATER))
    assert err.rule == "reissue-needs-current"


def test_a_correction_records_each_changed_fields_old_and_new_value():
    old = issued()
    new = old.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER,
                      corrections={"holder_name": "张山", "level": "3"})
    assert [type(e) for e in new.pending_events] == [Certificate.Corrected]
    assert [c.to_dict() for c in new.corrections] == [
        {"field": "holder_name", "old": "张三", "new": "张山"},
        {"field": "level", "old": "四级", "new": "三级"},
    ]
    assert new.pending_events[0].corrections == [c.to_dict() for c in new.corrections]
    assert new.data.holder_name == "张山"
    assert new.data.level == "三级"
    assert new.number == old.number
    assert old.data.holder_name == "张三"
    assert "错误信息修改换发" in new.remarks[0]
    assert "holder_name 已更正" in new.remarks[0]
    assert "level 已更正" in new.remarks[0]


def test_a_correction_of_the_id_number_records_both_numbers():
    new = issued().replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER,
                           corrections={"id_number": OTHER_ID})
    assert [c.to_dict() for c in new.corrections] == [{"field": "id_number", "old": HOLDER_ID, "new": OTHER_ID}]


def test_a_correction_that_changes_nothing_is_refused_without_any_new_event():
    cert = issued()
    err = refused(cert, lambda: cert.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER,
                                             corrections={"holder_name": "张三", "level": "4"}),
                  InvalidInput)
    assert err.field == "corrections"


def test_a_correction_without_any_change_given_is_refused():
    cert = issued()
    assert refused(cert, lambda: cert.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER),
                   InvalidInput).field == "corrections"


def test_a_correction_of_the_certificate_number_is_refused_naming_the_field():
    cert = issued()
    err = refused(cert, lambda: cert.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER,
                                             corrections={"number": "1815010000103354"}), InvalidInput)
    assert err.field == "number"


def test_a_correction_to_an_invalid_value_is_refused_naming_the_field():
    cert = issued()
    err = refused(cert, lambda: cert.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER,
                                             corrections={"theory_score": "101"}), InvalidInput)
    assert err.field == "theory_score"


def test_field_changes_are_refused_on_a_loss_reissue():
    cert = issued()
    err = refused(cert, lambda: cert.replace(Replacement.LOST, CATALOG, "op-2", "1501", LATER,
                                             corrections={"holder_name": "张山"}), InvalidInput)
    assert err.field == "corrections"


def test_reissue_of_an_occupation_that_left_the_catalog_is_refused_with_a_written_proof_remedy():
    cert = issued(skill_data(occupation="电工"))
    err = refused(cert, lambda: cert.replace(Replacement.LOST, CATALOG, "op-2", "1501", LATER))
    assert err.rule == "occupation-left-catalog"
    assert err.remedy is not None and "--kind written" in err.remedy
    assert cert.status == Status.CURRENT


@pytest.mark.parametrize("reason", [Replacement.OVERSEAS, Replacement.CORRECTION])
def test_exchange_of_an_occupation_that_left_the_catalog_is_refused(reason):
    cert = issued(skill_data(occupation="电工"))
    corrections = {"holder_name": "张山"} if reason is Replacement.CORRECTION else None
    err = refused(cert, lambda: cert.replace(reason, CATALOG, "op-2", "1501", LATER, corrections=corrections))
    assert err.rule == "occupation-left-catalog"


def test_an_occupation_with_its_trade_in_brackets_is_found_in_the_catalog():
    cert = issued(skill_data(occupation="焊工(电焊工)"))
    assert cert.replace(Replacement.LOST, CATALOG, "op-2", "1501", LATER).edition == 2


def test_reissue_by_another_office_is_refused_without_any_new_event():
    cert = issued()
    for office in ("1502", "1500", "0701"):
        err = refused(cert, lambda office=office: cert.replace(Replacement.LOST, CATALOG, "op-2", office, LATER))
        assert err.rule == "issuing-authority-only"


# -- professional certificates ------------------------------------------------------------------


def test_a_professional_reissue_is_marked_bufa_and_ignores_the_skill_catalog():
    old = issued(professional_data())
    new = old.replace(Replacement.LOST, CATALOG, "op-2", "1500", LATER)
    assert new.remarks == ["补发"]
    assert new.catalog_version is None
    assert new.number == "ZS2019ABC123"
    assert old.status == Status.SUPERSEDED


def test_a_professional_reissue_is_refused_when_an_electronic_certificate_exists():
    cert = issued(professional_data(electronic="true"))
    err = refused(cert, lambda: cert.replace(Replacement.LOST, CATALOG, "op-2", "1500", LATER))
    assert err.rule == "electronic-certificate-exists"


def test_reissue_of_an_abolished_qualification_is_refused_with_a_qualification_proof_remedy():
    cert = issued(professional_data(occupation="招标师", level="招标师"))
    err = refused(cert, lambda: cert.replace(Replacement.LOST, CATALOG, "op-2", "1500", LATER))
    assert err.rule == "qualification-abolished"
    assert err.remedy is not None and "qualification" in err.remedy


# -- Liaoning scope rule ------------------------------------------------------------------------


def liaoning_handwritten(issue_date: str = "1998-05-01") -> Certificate:
    return issued(skill_data(number=f"{issue_date[2:4]}07010000123456", id_number=LN_HOLDER_ID, style="handwritten",
                             issue_date=issue_date))


@pytest.mark.parametrize(
    "command",
    [
        lambda c: c.replace(Replacement.LOST, CATALOG, "op", "0701", LATER),
        lambda c: c.replace(Replacement.OVERSEAS, CATALOG, "op", "0701", LATER),
        lambda c: c.replace(Replacement.CORRECTION, CATALOG, "op", "0701", LATER, corrections={"holder_name": "李四"}),
        lambda c: c.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "0701", LATER),
    ],
    ids=["reissue", "exchange", "correct", "prove"],
)
def test_a_liaoning_handwritten_certificate_issued_before_2000_is_out_of_scope(command):
    cert = liaoning_handwritten()
    assert cert.data.authority == "0701"
    err = refused(cert, lambda: command(cert))
    assert err.rule == "ln-handwritten-before-2000"


def test_a_liaoning_handwritten_certificate_issued_in_2000_is_reissued():
    cert = liaoning_handwritten("2000-01-01")
    assert cert.replace(Replacement.LOST, CATALOG, "op", "0701", LATER).edition == 2


def test_a_shandong_handwritten_certificate_issued_before_2000_is_reissued():
    cert = issued(skill_data(number="9815010000123456", id_number=LN_HOLDER_ID, style="handwritten",
                             issue_date="1998-05-01"))
    assert cert.replace(Replacement.LOST, CATALOG, "op", "1501", LATER).edition == 2


# -- revocation and handover --------------------------------------------------------------------


def test_revoking_records_the_reason_and_a_second_revocation_is_refused():
    cert = issued()
    cert.revoke("  伪造  ", "op", "1501", LATER)
    assert cert.status == Status.REVOKED
    assert cert.revoked is not None
    assert cert.revoked.to_dict() == {"reason": "伪造", "operator": "op", "office": "1501", "at": LATER}
    assert [type(e).__name__ for e in cert.collect_events()] == ["Revoked"]
    assert refused(cert, lambda: cert.revoke("again", "op", "1501", LATER)).rule == "already-revoked"


def test_revoking_without_a_reason_or_by_another_office_is_refused():
    cert = issued()
    assert refused(cert, lambda: cert.revoke("  ", "op", "1501", LATER), InvalidInput).field == "reason"
    assert refused(cert, lambda: cert.revoke("x", "op", "1502", LATER)).rule == "issuing-authority-only"


def test_a_revoked_certificate_is_neither_reissued_nor_proved():
    cert = issued(skill_data(occupation="电工"))
    cert.revoke("伪造", "op", "1501", AT)
    cert.collect_events()
    assert refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1501", LATER)).rule == (
        "prove-needs-current")


def test_handing_over_records_kind_details_and_evidence():
    cert = issued()
    cert.hand_over(HandoverKind.MAIL, {"tracking_number": "EA123456789CN"}, [{"kind": "scan", "sha256": "ab"}],
                   "op", "1501", LATER)
    assert [h.to_dict() for h in cert.handovers] == [{"kind": "mail", "details": {"tracking_number": "EA123456789CN"},
                               "evidence": [{"kind": "scan", "sha256": "ab"}], "operator": "op",
                               "office": "1501", "at": LATER}]
    assert len(cert.pending_events) == 1


def test_handing_over_after_revocation_is_refused_without_any_new_event():
    cert = issued()
    cert.revoke("伪造", "op", "1501", AT)
    cert.collect_events()
    err = refused(cert, lambda: cert.hand_over(HandoverKind.IN_PERSON, {}, [], "op", "1501", LATER))
    assert err.rule == "revoked-not-handed-over"


def test_handing_over_by_another_office_is_refused():
    cert = issued()
    err = refused(cert, lambda: cert.hand_over(HandoverKind.IN_PERSON, {}, [], "op", "1502", LATER))
    assert err.rule == "issuing-authority-only"


# -- replay -------------------------------------------------------------------------------------


def test_replaying_a_certificates_events_rebuilds_the_same_state():
    cert = Certificate.issue(skill_data(occupation="电工"), "op-1", "1501", AT)
    cert.hand_over(HandoverKind.IN_PERSON, {"id_checked": True}, [{"kind": "id-card"}], "op-1", "1501", AT)
    cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op-2", "1501", LATER)
    cert.revoke("伪造", "op-3", "1501", LATER)
    events = cert.collect_events()
    assert len(events) == 4
    rebuilt = replay(events)
    assert type(rebuilt) is Certificate
    assert rebuilt.version == cert.version == 4
    assert state(rebuilt) == state(cert)


def test_replaying_a_corrected_edition_and_its_predecessor_rebuilds_both():
    old = Certificate.issue(skill_data(), "op-1", "1501", AT)
    new = old.replace(Replacement.CORRECTION, CATALOG, "op-2", "1501", LATER, corrections={"level": "3"})
    old_events, new_events = old.collect_events(), new.collect_events()
    assert state(replay(old_events)) == state(old)
    rebuilt = replay(new_events)
    assert state(rebuilt) == state(new)
    assert [c.to_dict() for c in rebuilt.corrections] == [{"field": "level", "old": "四级", "new": "三级"}]
    assert rebuilt.remarks == new.remarks


def test_replaying_a_proofs_events_rebuilds_the_same_state():
    cert = issued(professional_data(occupation="招标师", level="招标师"))
    proof = cert.prove(ProofKind.QUALIFICATION, "lost", CATALOG, "op-2", "1500", LATER, request_number="R-1")
    proof.hand_over(HandoverKind.MAIL, {"tracking_number": "EA123456789CN"}, [], "op-2", "1500", LATER)
    events = proof.collect_events()
    assert state(replay(events)) == state(proof)


def test_replay_does_not_rerun_the_business_rules():
    # An old-style certificate issued after 2016-09-01 cannot be issued today, but an event
    # recorded before the rule existed must still replay.
    good = Certificate.issue(skill_data(number="1615010000103353",
                      style="old", issue_date="2016-08-31"), "op", "1501", AT)
    event = good.collect_events()[0]
    later_data = dict(event.data, issue_date="2017-03-01")
    forged = type(event)(originator_id=event.originator_id, originator_version=1, timestamp=event.timestamp,
                         originator_topic=event.originator_topic, data=later_data, edition=1, operator="op",
                         office="1501", at=AT)
    rebuilt = replay([forged])
    assert rebuilt.data.issue_date == "2017-03-01"
    assert rebuilt.data.style == "old"
