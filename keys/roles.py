"""The two roles the root certifies, and how a verifier tells them apart.

An office key signs documents (EKU documentSigning, OU = its office code); the publisher key
signs the trust list (EKU certledger trust-list signing, and nothing else). Each check names
what is wrong, so a refusal says which rule failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from keys.algorithms import algorithm as lookup_algorithm
from keys.algorithms import algorithm_of, key_id
from keys.certificates import DOCUMENT_SIGNING, TRUST_LIST_SIGNING, has_usage, is_end_entity, office_of
from keys.errors import KeyFileDamaged

OFFICE = "office"
PUBLISHER = "publisher"


@dataclass(frozen=True)
class LoadedPublisher:
    """The publisher's decrypted key and certificate: what signs trust lists."""

    private_key: CertificateIssuerPrivateKeyTypes = field(repr=False)
    certificate: x509.Certificate
    root_certificate: x509.Certificate

    @property
    def kid(self) -> str:
        return key_id(self.certificate.public_key())

    @property
    def algorithm(self) -> str:
        return algorithm_of(self.certificate.public_key()).name

    def sign(self, data: bytes) -> bytes:
        return lookup_algorithm(self.algorithm).sign(self.private_key, data)

    @property
    def chain_der(self) -> list[bytes]:
        return [c.public_bytes(serialization.Encoding.DER) for c in (self.certificate, self.root_certificate)]


def role_of(certificate: x509.Certificate) -> str | None:
    """OFFICE, PUBLISHER, or None for a certificate of neither profile (or of both: refused)."""
    office, publisher = has_usage(certificate, DOCUMENT_SIGNING), has_usage(certificate, TRUST_LIST_SIGNING)
    if office == publisher:
        return None
    return OFFICE if office else PUBLISHER


def issued_by(certificate: x509.Certificate, root: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(root)
    except Exception:  # ValueError, TypeError or InvalidSignature: all mean "not from this root"
        return False
    return True


def publisher_problem(certificate: x509.Certificate, root: x509.Certificate, at: datetime) -> str | None:
    """Why `certificate` may not sign a trust list issued at `at` under `root`, or None."""
    if not issued_by(certificate, root):
        return "its certificate is not issued by the pinned root"
    if not is_end_entity(certificate) or role_of(certificate) != PUBLISHER:
        return "its certificate is not a publisher certificate (the root's trust-list signing role)"
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        return (f"it was issued at {at.isoformat()}, outside its publisher certificate's validity "
                f"{certificate.not_valid_before_utc.isoformat()} - {certificate.not_valid_after_utc.isoformat()}")
    return None


def office_problem(certificate: x509.Certificate, root: x509.Certificate, office: str) -> str | None:
    """Why `certificate` is not an office key certificate of `office` from `root`, or None."""
    if not issued_by(certificate, root):
        return "certificate is not issued by the root"
    if not is_end_entity(certificate) or role_of(certificate) != OFFICE:
        return "certificate is not an office signing certificate (a publisher's, or of no known role)"
    try:
        named = office_of(certificate)
    except KeyFileDamaged:
        return "certificate names no office (OU)"
    if named != office:
        return f"certificate names office {named}, the entry office {office}"
    return None
