"""What each kind of proof needs, what it states, and who issues it.

- A written proof (书面证明, seeds 000, 001) is issued by the skill certificate's own authority (谁发证谁负责)
  for an occupation that left the catalog; for a correction it states the corrected data.
- A score-pass proof (成绩合格证明) and a qualification proof (职/执业资格证明) of a professional certificate
  are issued by the province's personnel examination centre (省人事考试中心, seed 004 二(二)), acting under
  the provincial office code (xx00), on a request the city reviewed and sent on: a score-pass proof on a
  request the city referred to the centre (它同时按照原有补换证流程提交证书补换申请), a qualification proof,
  for one of the 15 abolished qualifications only, on a request the city forwarded in a monthly batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.catalog import CatalogVersion
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import require_office_of
from ledger.reference import abolished_qualification, examination_centre, is_examination_centre, policy
from ledger.remedies import replacement_command
from ledger.values import CertificateData, Family

if TYPE_CHECKING:
    from ledger.documents import Certificate, ProofKind

CENTRE_KINDS = ("score-pass", "qualification")  # the proofs the examination centre issues


@dataclass(frozen=True, slots=True)
class ProofContent:
    data: CertificateData
    issuer: str  # the office code that issues the proof
    catalog_version: str | None = None
    diffs: list[dict[str, Any]] = field(default_factory=list)


def proof_content(cert: Certificate, kind: ProofKind, reason: str, catalog: CatalogVersion, office: str,
                  request_number: str | None, corrections: Mapping[str, str] | None) -> ProofContent:
    """Refuse what may not be proved, by whom; else what the proof states and who issues it."""
    check_issuer(cert, kind.value, office)
    cert._require_current("prove-needs-current")
    policy(cert.data.authority[:2]).check("prove", cert.data.style, cert.data.issued_on)
    if kind.value in CENTRE_KINDS:
        content = _centre_proof(cert, kind.value, office, request_number)
    else:
        data, diffs = _written_proof_data(cert, reason, catalog, corrections)
        content = ProofContent(data, cert.data.authority, catalog.version, diffs)
    if corrections and not content.diffs:
        raise InvalidInput("corrections", "only a written proof for a correction (--reason correction) "
                                          "changes fields")
    return content


LABEL = {"score-pass": "score-pass proof (成绩合格证明)", "qualification": "qualification proof (职/执业资格证明)"}


def check_issuer(cert: Certificate, kind: str, office: str) -> None:
    """Refuse unless `office` issues this kind of proof of `cert`: the centre's kinds, the examination centre of
    the certificate's province; a written proof, the certificate's authority."""
    if kind not in CENTRE_KINDS:
        require_office_of(cert.data.authority, office, cert.label)
        return
    if cert.data.family != Family.PROFESSIONAL:
        raise RuleViolation(f"{kind}-professional-only", f"a {LABEL[kind]} is for professional certificates")
    if kind == "qualification" and abolished_qualification(cert.data.occupation) is None:
        raise RuleViolation(
            "qualification-not-abolished",
            f"{cert.data.occupation} is not one of the 15 abolished qualifications (seed 004 二(二)2)",
            remedy=f"certledger request apply {cert.number} --kind reissue --applicant {cert.data.holder_name}")
    if not is_examination_centre(office, cert.data.authority):
        centre = examination_centre(cert.data.authority[:2])
        raise RuleViolation(
            "examination-centre-issues", f"office {office} may not issue a {LABEL[kind]}: the provincial "
            f"personnel examination centre ({centre.office}, office {centre.code}) issues it after the city "
            "reviewed the application and sent it on (鲁人社函〔2020〕24号 二(二))",
            remedy=f"the city files the request, reviews it and sends it on; the centre then proves it on that "
                   f"request: certledger request apply {cert.number} --kind {kind} --applicant {cert.data.holder_name}")


def _centre_proof(cert: Certificate, kind: str, office: str, request_number: str | None) -> ProofContent:
    if not request_number:
        raise InvalidInput("request", f"a {LABEL[kind]} is issued on the city's reviewed request: name that "
                                      "service request (--request SQ-…)")
    return ProofContent(cert.data, office)


def _written_proof_data(cert: Certificate, reason: str, catalog: CatalogVersion,
                        corrections: Mapping[str, str] | None) -> tuple[CertificateData, list[dict[str, Any]]]:
    """What a written proof states: the certificate's data, or for a correction the corrected data."""
    from ledger.documents import Replacement

    if cert.data.family != Family.SKILL:
        raise RuleViolation("written-proof-skill-only", "a written proof (书面证明) is for skill certificates")
    if catalog.contains(cert.data.occupation):
        raise RuleViolation(
            "occupation-in-catalog",
            f"occupation {cert.data.occupation} is in the national catalog (version {catalog.version}),"
            " so the certificate is reissued or exchanged, not proved",
            remedy=replacement_command(cert.number, reason, corrections),
        )
    if reason not in tuple(Replacement):
        raise InvalidInput("reason", "a written proof is for a lost certificate (lost), an overseas "
                                     "exchange (overseas) or a correction (correction)")
    if reason != Replacement.CORRECTION:
        return cert.data, []
    if not corrections:
        raise InvalidInput("corrections", "a correction proof states the corrected data: "
                                          "--set field=value for each field")
    return cert.data.with_changes(corrections)
