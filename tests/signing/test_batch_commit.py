"""A batch of signed documents is recorded in one save: every one of them, or none."""

from __future__ import annotations

import pytest

from ledger.application import Actor
from ledger.domain import ProofKind, china_date
from ledger.errors import Conflict, NotFound, RuleViolation
from tests.signing.conftest import JINAN, Office

NUMBERS = ("1915010000000100", "1915010000000101")


def _signed_drafts(office: Office) -> list:  # type: ignore[type-arg]
    for n in NUMBERS:
        office.issue(n)
    signer = office.signer()
    drafts = [office.app.draft_proof(JINAN, n, ProofKind.WRITTEN, "lost") for n in NUMBERS]
    return [(d, signer.produce(d.view, china_date(d.at), d.reference)) for d in drafts]


def test_every_document_of_a_batch_is_recorded_and_verifies(office: Office) -> None:
    signed = _signed_drafts(office)
    records = office.app.commit_signed_batch(JINAN, [(d, s.sha256, s.token) for d, s in signed])
    assert [r.document_number for r in records] == [str(d.reference) for d, _ in signed]
    verifier = office.verifier()
    for _, s in signed:
        assert office.app.signed_file(s.sha256) is not None
        assert verifier.verify_pdf(s.pdf).ok


def test_a_batch_with_one_conflicting_document_records_none_of_them(office: Office) -> None:
    signed = _signed_drafts(office)
    office.prove_signed(NUMBERS[1])  # another writer proves the second certificate first
    with pytest.raises(Conflict):
        office.app.commit_signed_batch(JINAN, [(d, s.sha256, s.token) for d, s in signed])
    first = signed[0]
    assert office.app.signed_file(first[1].sha256) is None
    with pytest.raises(NotFound):
        office.app.document_by_reference(str(first[0].reference))


def test_documents_recorded_one_save_each_keep_those_before_a_conflict(office: Office) -> None:
    """What the batch's one save prevents: one save per document leaves the first recorded."""
    signed = _signed_drafts(office)
    office.prove_signed(NUMBERS[1])
    (d, s), (d2, s2) = signed
    office.app.commit_signed(JINAN, d, s.sha256, s.token)
    with pytest.raises(Conflict):
        office.app.commit_signed(JINAN, d2, s2.sha256, s2.token)
    assert office.app.signed_file(s.sha256) is not None


def test_a_key_of_another_office_refuses_the_whole_batch(office: Office) -> None:
    signed = _signed_drafts(office)
    other = Actor(JINAN.operator, "1502")
    with pytest.raises(RuleViolation, match="belongs to office 1501"):
        office.app.commit_signed_batch(other, [(d, s.sha256, s.token) for d, s in signed])
    assert all(office.app.signed_file(s.sha256) is None for _, s in signed)
