"""Proofs on the Certificate and Proof aggregates: which kind a certificate may have, what each carries, and how a
newer proof supersedes an older one."""

from __future__ import annotations

from ledger.domain import Certificate, Proof, ProofKind, Replacement, Status, proof_id
from ledger.errors import InvalidInput
from tests.unit.certificate_fixtures import (
    AT,
    CATALOG,
    LATER,
    SKILL_NUMBER,
    issued,
    professional_data,
    refused,
    skill_data,
)


def test_a_qualification_proof_of_an_abolished_qualification_is_allowed():
    cert = issued(professional_data(occupation="招标师", level="招标师"))
    proof = cert.prove(ProofKind.QUALIFICATION, "lost", CATALOG, "op-2", "1500", LATER, request_number="R-1")
    assert isinstance(proof, Proof)
    assert proof.kind == ProofKind.QUALIFICATION
    assert proof.number == "ZG-ZS2019ABC123-01"
    assert proof.id == proof_id(proof.number)
    assert proof.certificate_id == cert.id
    assert proof.data == cert.data
    assert cert.proof_serial == 1
    assert [p.number for p in cert.proofs] == ["ZG-ZS2019ABC123-01"]
    assert [type(e) for e in cert.pending_events] == [Certificate.ProofRecorded]
    assert [type(e) for e in proof.pending_events] == [Proof.Recorded]


def test_a_qualification_proof_of_a_qualification_not_abolished_is_refused():
    cert = issued(professional_data())
    err = refused(cert, lambda: cert.prove(ProofKind.QUALIFICATION, "lost", CATALOG, "op-2", "1500", LATER))
    assert err.rule == "qualification-not-abolished"


def test_a_score_pass_proof_needs_a_professional_certificate_and_a_pending_request():
    skill = issued()
    assert refused(skill, lambda: skill.prove(ProofKind.SCORE_PASS, "lost", CATALOG, "op", "1501", LATER,
                                              request_number="R-1")).rule == "score-pass-professional-only"
    prof = issued(professional_data())
    assert refused(prof, lambda: prof.prove(ProofKind.SCORE_PASS, "lost", CATALOG, "op", "1500", LATER),
                   InvalidInput).field == "request"
    proof = prof.prove(ProofKind.SCORE_PASS, "lost", CATALOG, "op", "1500", LATER, request_number="R-1")
    assert proof.number == "CJ-ZS2019ABC123-01"
    assert proof.request_number == "R-1"


# -- written proofs -----------------------------------------------------------------------------


def test_a_written_proof_is_refused_for_an_occupation_in_the_catalog():
    cert = issued()
    err = refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op-2", "1501", LATER))
    assert err.rule == "occupation-in-catalog"


def test_a_written_proof_of_an_occupation_that_left_the_catalog_carries_the_certificate_details():
    cert = issued(skill_data(occupation="电工"))
    first = cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op-2", "1501", LATER)
    second = cert.prove(ProofKind.WRITTEN, "overseas", CATALOG, "op-2", "1501", LATER)
    assert first.number == f"SM-{SKILL_NUMBER}-01"
    assert second.number == f"SM-{SKILL_NUMBER}-02"
    assert first.data == cert.data
    assert first.catalog_version == "2021"
    assert first.certificate_edition == 1
    assert first.status == Status.CURRENT
    assert cert.status == Status.CURRENT
    assert cert.proof_serial == 2


def test_a_written_proof_for_a_correction_needs_the_corrected_data_and_a_known_reason():
    # Seed 001 proves corrections too (证书错误信息更改补证明): refused only without the corrected data.
    cert = issued(skill_data(occupation="电工"))
    assert refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "correction", CATALOG, "op", "1501", LATER),
                   InvalidInput).field == "corrections"
    assert refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "stolen", CATALOG, "op", "1501", LATER),
                   InvalidInput).field == "reason"
    assert refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1501", LATER,
                                            corrections={"level": "二级"}), InvalidInput).field == "corrections"


def test_a_written_proof_for_a_correction_carries_the_corrected_data_and_each_change():
    cert = issued(skill_data(occupation="电工"))
    proof = cert.prove(ProofKind.WRITTEN, "correction", CATALOG, "op", "1501", LATER,
                       corrections={"holder_name": "王小五"})
    assert proof.data == cert.data.replace(holder_name="王小五")
    assert [(c.field, c.new) for c in proof.corrections] == [("holder_name", "王小五")]
    assert cert.data.holder_name != "王小五"  # the record keeps its history; the proof states the correction


def test_a_written_proof_of_a_professional_certificate_is_refused():
    cert = issued(professional_data())
    err = refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1500", LATER))
    assert err.rule == "written-proof-skill-only"


def test_a_written_proof_by_another_office_is_refused():
    cert = issued(skill_data(occupation="电工"))
    err = refused(cert, lambda: cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1502", LATER))
    assert err.rule == "issuing-authority-only"


def test_proof_numbers_continue_after_a_reissue():
    old = issued(professional_data())
    old.prove(ProofKind.SCORE_PASS, "lost", CATALOG, "op", "1500", AT, request_number="R-1")
    new = old.replace(Replacement.LOST, CATALOG, "op", "1500", LATER)
    proof = new.prove(ProofKind.SCORE_PASS, "lost", CATALOG, "op", "1500", LATER, request_number="R-2")
    assert proof.number == "CJ-ZS2019ABC123-02"


def test_a_newer_proof_supersedes_an_older_one_once():
    cert = issued(skill_data(occupation="电工"))
    first = cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1501", AT)
    second = cert.prove(ProofKind.WRITTEN, "lost", CATALOG, "op", "1501", LATER)
    first.collect_events()
    first.supersede(second, "op", "1501", LATER)
    assert first.status == Status.SUPERSEDED
    assert first.superseded.by == second.id
    assert first.superseded.by_number == second.number
    first.collect_events()
    first.supersede(second, "op", "1501", LATER)
    assert first.pending_events == []
