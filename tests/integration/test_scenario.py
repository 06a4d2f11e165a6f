"""One working week at two issuing offices, told through CertLedger, on every backend.

Jinan (Shandong, office 1501) and the Liaoning provincial office (0700) handle the cases
the seeds describe: a lost electrician certificate (an occupation that left the catalog),
a lost welder certificate (still in the catalog), a correction, an institution collecting
certificates, a proof sent by EMS and a service request from application to delivery.
At the end a second application instance replays the store and must see the same ledger.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.errors import AlreadyExists, InvalidInput, LedgerError, NotFound, RuleViolation
from tests.conftest import AppFactory, Backend, resident_id, with_wrong_check_char

JINAN = Actor("王芳", "1501")  # 济南市人才服务中心
LIAONING = Actor("李强", "0700")  # 辽宁 省本级

ELECTRICIAN = "1915010000000731"  # seed 000's 1915010000XXXXXX, serial filled in
WELDER = "1807000000103353"  # seed 001's example number
WELDER_2 = "1807000000103354"  # same batch, same trade and level

HOLDER_SD = resident_id(date(1979, 11, 3), region="370124", serial=31)
HOLDER_LN = resident_id(date(1990, 4, 18), region="210102", serial=7)
HOLDER_LN_2 = resident_id(date(1992, 8, 9), region="210103", serial=15, male=False)
AGENT_LN = resident_id(date(1983, 1, 27), region="210104", serial=40, male=False)

TRACKING = "1100734512345"  # EMS waybill


def electrician() -> dict[str, Any]:
    return {"number": ELECTRICIAN, "holder_name": "刘建国", "gender": "男", "id_number": HOLDER_SD,
            "occupation": "电工", "level": "四级", "issue_date": "2019-06-28", "theory_score": "78",
            "practical_score": "85", "result": "合格"}


def welder(number: str = WELDER, name: str = "张伟", id_number: str = HOLDER_LN, gender: str = "男") -> dict[str, Any]:
    return {"number": number, "holder_name": name, "gender": gender, "id_number": id_number,
            "occupation": "焊工", "level": "四级", "issue_date": f"20{number[:2]}-07-12", "theory_score": "81",
            "practical_score": "90", "result": "合格"}


def institution_receipt() -> dict[str, Any]:
    # 联系单 (batch, trade, level, head count) + 签收单 (what was received, who signed, when)
    return {"institution": "沈阳市焊接技术培训学校", "batch_number": "LN-2024-05-001", "occupation": "焊工",
            "level": "四级", "head_count": "2", "certificates_received": "2", "rosters_received": "1",
            "agent_name": "孙丽", "agent_id_number": AGENT_LN, "signer": "孙丽", "signer_phone": "024-86895000",
            "receipt_date": "2024-05-06"}


def ledger_state(app: CertLedger, request_number: str, proof_number: str) -> dict[str, Any]:
    """Everything the queries say about the week, for comparing two instances."""
    catalog = app.catalog()
    return {
        "catalog": (catalog.version, catalog.occupations, catalog.sha256),
        "show": [app.show(n) for n in (ELECTRICIAN, WELDER, WELDER_2, proof_number, request_number)],
        "editions": [app.edition(WELDER, e) for e in (1, 2, 3)],
        "history": [app.history(n) for n in (ELECTRICIAN, WELDER, WELDER_2, proof_number, request_number)],
        "where": [app.where(n) for n in (ELECTRICIAN, WELDER, WELDER_2, proof_number)],
        "requests": app.requests(),
        "events": app.count_events(),
    }


def test_a_week_at_two_offices_is_recorded_traced_and_replayed_unchanged(
        backend: Backend, make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app()
    monday_catalog(app)
    applied, proof = jinan_lost_electrician(app)
    liaoning_lost_welder_then_corrected(app)
    liaoning_institution_pickup(app, tmp_path)

    # --- Replay: a second instance on the same store rebuilds exactly the same ledger --------
    state = ledger_state(app, applied.number, proof.number)
    if backend.persistent:
        assert ledger_state(make_app(), applied.number, proof.number) == state
    else:  # the in-memory store belongs to its instance alone
        with pytest.raises(NotFound):
            make_app().show(WELDER)


def monday_catalog(app: CertLedger) -> None:
    # Monday morning: the office loads the shipped 2021 catalog; loading again changes nothing.
    assert app.ensure_default_catalog(JINAN) == "2021"
    events_after_catalog = app.count_events()
    assert app.ensure_default_catalog(LIAONING) is None
    assert app.count_events() == events_after_catalog
    assert not app.catalog().contains("电工") and app.catalog().contains("焊工")


def jinan_lost_electrician(app: CertLedger) -> tuple[Any, Any]:
    # --- Jinan: a lost electrician certificate --------------------------------------------
    issued = app.issue(JINAN, electrician())
    assert (issued.number, issued.edition, issued.status, issued.authority.code) == (ELECTRICIAN, 1, "current", "1501")

    # The holder reports it lost. Electrician left the catalog, so there is no reissue
    # (人社厅发〔2018〕42号 Art. 5), and the refusal points at the written proof instead.
    before = app.count_events()
    with pytest.raises(RuleViolation) as refused:
        app.reissue(JINAN, ELECTRICIAN)
    assert refused.value.rule == "occupation-left-catalog"
    assert refused.value.remedy is not None and "written proof" in refused.value.remedy
    assert "书面证明" in refused.value.remedy
    assert app.count_events() == before
    assert app.show(ELECTRICIAN) == issued

    applied, proof = jinan_request_and_proof(app, issued)
    jinan_mailed_and_traced(app, applied, proof)
    return applied, proof


def jinan_request_and_proof(app: CertLedger, issued: Any) -> tuple[Any, Any]:
    # The holder applies online; the request runs apply -> accept -> review -> complete -> deliver,
    # with due dates in official working days. Seed 000 三(二): 线上办理接件即办，办理后第二个工作日寄出证明
    # (accepted and done on receipt, mailed the next working day).
    applied = app.apply(JINAN, RequestKind.PROOF, ELECTRICIAN, applicant="刘建国", channel="online")
    assert (applied.stage, applied.applied_on, applied.due) == ("applied", date(2024, 5, 6), date(2024, 5, 6))
    assert applied.process == "sd-skill-proof-online"
    accepted = app.accept(JINAN, applied.number)
    assert (accepted.stage, accepted.due) == ("accepted", date(2024, 5, 6))
    approved = app.review(JINAN, applied.number, approve=True)
    assert approved.stage == "approved" and approved.review is not None and approved.review.approved

    # The written proof carries the original certificate's full details and the catalog it relied on.
    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost")
    assert proof.number == f"SM-{ELECTRICIAN}-01"
    assert (proof.kind_name, proof.reason, proof.status) == ("written", "lost", "current")
    assert (proof.certificate_number, proof.certificate_edition, proof.catalog_version) == (ELECTRICIAN, 1, "2021")
    assert proof.data == issued.data and proof.authority.code == "1501"
    assert [p.number for p in app.show(ELECTRICIAN).proofs] == [proof.number]  # type: ignore[union-attr]

    completed = app.complete(JINAN, applied.number, proof.number)
    # Done on Monday 6 May 2024, mailed the next working day.
    assert (completed.stage, completed.result_number, completed.due) == ("completed", proof.number,
                                                                        date(2024, 5, 7))
    return applied, proof


def jinan_mailed_and_traced(app: CertLedger, applied: Any, proof: Any) -> None:
    # The proof goes out by EMS, postage collected on delivery; then the request is delivered.
    app.hand_over(JINAN, [proof.number], HandoverKind.MAIL,
                  {"carrier": "EMS", "tracking_number": TRACKING, "address": "山东省济南市历城区工业北路88号",
                   "phone": "13905310000"})
    delivered = app.deliver(JINAN, applied.number, f"EMS {TRACKING}")
    assert (delivered.stage, delivered.due, delivered.overdue) == ("delivered", None, False)
    assert [s.stage for s in delivered.steps] == ["applied", "accepted", "approved", "completed", "delivered"]

    # Where is the proof? On its way, with the waybill; the certificate never left the office.
    where_proof = app.where(proof.number)
    assert where_proof.custody == "in-transit" and f"EMS {TRACKING}" in where_proof.location
    assert [s.what.split(":")[0] for s in where_proof.trail] == [
        f"proof {proof.number} issued by 1501 (王芳)", "邮寄送达"]
    assert app.where(ELECTRICIAN).custody == "office"

    # The certificate's history interleaves its own events and its proof's, oldest first.
    story = app.history(ELECTRICIAN)
    assert [(e.document, e.type) for e in story] == [
        (f"{ELECTRICIAN}#1", "Certificate.Issued"),
        (proof.number, "Proof.Recorded"),
        (f"{ELECTRICIAN}#1", "Certificate.ProofRecorded"),
        (proof.number, "Document.HandedOver"),
    ]
    assert TRACKING in story[-1].summary and all(e.office == "1501" for e in story)


def liaoning_lost_welder_then_corrected(app: CertLedger) -> None:
    # --- Liaoning: a lost welder certificate, then a correction -----------------------------
    original = app.issue(LIAONING, welder())
    app.issue(LIAONING, welder(WELDER_2, "陈静", HOLDER_LN_2, "女"))

    # Welder is in the catalog: reissued under the ORIGINAL number, noted in the remarks.
    reissued = app.reissue(LIAONING, WELDER)
    assert (reissued.number, reissued.edition, reissued.replacement, reissued.replaces_edition) == (
        WELDER, 2, "lost", 1)
    assert reissued.remarks == ("2024-05-06 遗失补发，沿用原证书编号",)
    assert reissued.catalog_version == "2021" and reissued.data == original.data
    # What the command returned is what a replay of the stored events gives.
    assert app.show(WELDER) == reissued

    # Old and new editions point at each other.
    first = app.edition(WELDER, 1)
    assert first.status == "superseded" and first.superseded is not None
    assert (first.superseded.by, first.superseded.by_edition, first.superseded.reason) == (
        reissued.id, 2, "lost")
    assert app.repository.get(reissued.id).replaces == first.id

    # The holder's name was typed wrong (张伟 for 张玮): an exchange keeps old and new values.
    corrected = app.correct(LIAONING, WELDER, {"holder_name": "张玮"})
    assert (corrected.edition, corrected.replacement, corrected.data.holder_name) == (3, "correction", "张玮")
    assert tuple(c.to_dict() for c in corrected.corrections) == (
        {"field": "holder_name", "old": "张伟", "new": "张玮"},)
    assert "错误信息修改换发" in corrected.remarks[0] and "holder_name 已更正" in corrected.remarks[0]
    assert app.edition(WELDER, 2).superseded.by_edition == 3  # type: ignore[union-attr]
    assert app.show(WELDER) == corrected


def liaoning_institution_pickup(app: CertLedger, tmp_path: Path) -> None:
    # A training school collects both welder certificates with a contact letter and a signed receipt.
    letter, receipt = tmp_path / "联系单.pdf", tmp_path / "签收单.jpg"
    letter.write_bytes(b"%PDF-1.4 contact letter LN-2024-05-001")
    receipt.write_bytes(b"\xff\xd8\xff receipt signed by sun li")
    handed = app.hand_over(LIAONING, [WELDER, WELDER_2], HandoverKind.INSTITUTION, institution_receipt(),
                           evidence=[("contact-letter", letter), ("receipt", receipt)])
    assert [w.document for w in handed] == [f"certificate {WELDER} (edition 3)", f"certificate {WELDER_2} (edition 1)"]
    for where in handed:
        assert where.custody == "institution" and where.evidence_ok
        assert "LN-2024-05-001" in where.location and "孙丽" in where.location
        assert [e.kind for e in where.trail[-1].evidence] == ["contact-letter", "receipt"]
    assert app.where(WELDER) == handed[0]
    # The trail runs through every edition: two replacements before the handover.
    assert [s.what.rsplit(" (", 1)[0] for s in handed[0].trail if "superseded" in s.what] == [
        f"certificate {WELDER} (edition 1) superseded", f"certificate {WELDER} (edition 2) superseded"]

    # History: each edition's birth, its predecessor's supersession, then the handover.
    story = app.history(WELDER)
    assert [(e.document, e.type) for e in story] == [
        (f"{WELDER}#1", "Certificate.Issued"),
        (f"{WELDER}#2", "Certificate.Reissued"),
        (f"{WELDER}#1", "Certificate.Superseded"),
        (f"{WELDER}#3", "Certificate.Corrected"),
        (f"{WELDER}#2", "Certificate.Superseded"),
        (f"{WELDER}#3", "Document.HandedOver"),
    ]
    assert "holder_name: 张伟 -> 张玮" in story[3].summary
    assert "单位领取" in story[5].summary and "LN-2024-05-001" in story[5].summary


# --- Refusals leave no trace ---------------------------------------------------------------

def issue_with_wrong_check_char(app: CertLedger) -> None:
    app.issue(LIAONING, welder(WELDER_2, id_number=with_wrong_check_char(HOLDER_LN)))


def issue_with_unknown_city_code(app: CertLedger) -> None:
    app.issue(LIAONING, welder("1807990000000001"))  # Liaoning has no city 99


def reissue_by_another_office(app: CertLedger) -> None:
    app.reissue(JINAN, WELDER)  # 谁发证谁负责: only 0700 may


def issue_the_same_number_twice(app: CertLedger) -> None:
    app.issue(LIAONING, welder(WELDER, "王磊", HOLDER_LN_2, "女"))


def reissue_an_occupation_that_left_the_catalog(app: CertLedger) -> None:
    app.reissue(JINAN, ELECTRICIAN)


REFUSALS = [
    pytest.param(issue_with_wrong_check_char, InvalidInput, "id_number", "check character", id="wrong-id-check-char"),
    pytest.param(issue_with_unknown_city_code, InvalidInput, "number (digits 3-6)", "unknown city code '99'",
                 id="unknown-city-code"),
    pytest.param(reissue_by_another_office, RuleViolation, "issuing-authority-only", "谁发证谁负责",
                 id="reissue-by-another-office"),
    pytest.param(issue_the_same_number_twice, AlreadyExists, None, WELDER, id="duplicate-issuance"),
    pytest.param(reissue_an_occupation_that_left_the_catalog, RuleViolation, "occupation-left-catalog",
                 "书面证明", id="occupation-left-catalog"),
]


@pytest.mark.parametrize(("command", "error", "what", "says"), REFUSALS)
def test_a_refused_command_raises_its_ledger_error_and_leaves_the_store_unchanged(
        make_app: AppFactory, command: Any, error: type[LedgerError], what: str | None, says: str) -> None:
    app = make_app()
    app.ensure_default_catalog(LIAONING)
    app.issue(LIAONING, welder())
    app.issue(JINAN, electrician())
    events = app.count_events()
    welder_before, electrician_before = app.show(WELDER), app.show(ELECTRICIAN)

    with pytest.raises(error) as refused:
        command(app)

    # Named precisely: the field of an invalid input, the rule of a refusal.
    if isinstance(refused.value, InvalidInput):
        assert refused.value.field == what
    elif isinstance(refused.value, RuleViolation):
        assert refused.value.rule == what
    assert says in str(refused.value)
    assert app.count_events() == events
    assert app.recorder.max_notification_id() == events
    assert (app.show(WELDER), app.show(ELECTRICIAN)) == (welder_before, electrician_before)
    with pytest.raises(NotFound):
        app.show(WELDER_2)
