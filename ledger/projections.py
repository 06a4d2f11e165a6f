"""Read views of aggregates: what queries return, built from an aggregate's state (never the aggregate)."""

from __future__ import annotations

from datetime import date

from ledger.documents import Certificate, Proof
from ledger.service_request import ServiceRequest
from ledger.signing_key import SigningKey
from ledger.views import AuthorityView, CertificateView, ProofView, RequestView, SigningKeyView


def certificate_view(cert: Certificate, editions: int | None = None) -> CertificateView:
    return CertificateView(
        id=cert.id, number=cert.number, edition=cert.edition, status=cert.status, data=cert.data,
        authority=AuthorityView.of(cert.data.authority), issued_at=cert.issued_by.at,
        issued_by=f"{cert.issued_by.operator} @ {cert.issued_by.office}", remarks=tuple(cert.remarks),
        replacement=cert.replacement_reason,
        replaces_edition=cert.edition - 1 if cert.replaces is not None else None,
        superseded=cert.superseded, revoked=cert.revoked, corrections=tuple(cert.corrections),
        catalog_version=cert.catalog_version, proofs=tuple(cert.proofs), handover_count=len(cert.handovers),
        editions=editions or cert.edition, signatures=tuple(cert.signatures),
    )


def key_view(key: SigningKey) -> SigningKeyView:
    return SigningKeyView(
        kid=key.kid, office=key.office, algorithm=key.algorithm, public_key_pem=key.public_key_pem,
        certificate_pem=key.certificate_pem, not_before=key.not_before, not_after=key.not_after,
        registered_at=key.registered.at, retired_at=key.retired.at if key.retired else None,
        compromised_at=key.revoked.compromised_at if key.revoked else None,
        revocation_reason=key.revoked.reason if key.revoked else None,
    )


def _proof_authority(proof: Proof) -> AuthorityView:
    """Who issued a proof: the examination centre for its proofs (seed 004 二(二)), else the certificate's
    authority."""
    if proof.issuing_authority != proof.data.authority:
        return AuthorityView.examination_centre(proof.issuing_authority[:2])
    return AuthorityView.of(proof.data.authority)


def proof_view(proof: Proof) -> ProofView:
    return ProofView(
        id=proof.id, number=proof.number, kind_name=proof.kind, reason=proof.reason, status=proof.status,
        certificate_number=proof.certificate_number, certificate_edition=proof.certificate_edition,
        data=proof.data, authority=_proof_authority(proof), issued_at=proof.issued_by.at,
        issued_by=f"{proof.issued_by.operator} @ {proof.issued_by.office}",
        catalog_version=proof.catalog_version, request_number=proof.request_number,
        superseded=proof.superseded, revoked=proof.revoked, handover_count=len(proof.handovers),
        signatures=tuple(proof.signatures), corrections=tuple(proof.corrections),
    )


def request_view(req: ServiceRequest, today: date) -> RequestView:
    return RequestView(
        number=req.number, kind=req.kind, certificate_number=req.certificate_number, office=req.office,
        applicant=req.applicant, channel=req.channel, stage=req.stage, applied_on=req.applied_on, due=req.due,
        provisional_due=req.provisional, overdue=req.is_overdue(today), review=req.review,
        result_number=req.result_number, steps=tuple(req.steps), process=req.process,
        promised=req.promised_due, legal_limit=req.legal_due, past_legal_limit=req.past_legal_limit(today),
        id_shown=req.id_shown, related=getattr(req, "related", ""), referred_to=getattr(req, "referred_to", ""),
        delivery=req.delivered,
    )


def document_view(doc: Certificate | Proof, editions: int | None = None) -> CertificateView | ProofView:
    return certificate_view(doc, editions) if isinstance(doc, Certificate) else proof_view(doc)
