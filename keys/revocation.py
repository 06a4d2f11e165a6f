"""The root's certificate revocation list: how the root's keeper withdraws a publisher certificate.

An X.509 v2 CRL (RFC 5280) signed by the root key, kept as `root.crl.pem` in the root's
directory and copied beside the pinned root certificate wherever trust lists are loaded (the
keys directory; the verification service serves it). Each revocation re-signs the whole list
with the next CRL number, so the file is its own record: what was revoked, when and why.

A verifier that holds a CRL checks it before it believes a trust list: the CRL must be the
pinned root's (issuer name and signature), and a list whose publisher certificate is on it is
refused whatever its `issued_at` says, because whoever stole the key can write any date. A
verifier without a CRL file knows no revocation (the same as a PKI client offline): the file
must travel with the root certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.hashes import SHA256

from keys.errors import InvalidKeyInput, TrustListUnverified
from keys.store import LoadedRoot

CRL_FILE = "root.crl.pem"
NEXT_UPDATE = timedelta(days=30)  # how long a verifier may rely on one CRL before it fetches the next (RFC 5280)

REASONS = {
    "key-compromise": x509.ReasonFlags.key_compromise,
    "superseded": x509.ReasonFlags.superseded,
    "cessation-of-operation": x509.ReasonFlags.cessation_of_operation,
    "affiliation-changed": x509.ReasonFlags.affiliation_changed,
    "unspecified": x509.ReasonFlags.unspecified,
}


class PublisherRevoked(TrustListUnverified):
    """The trust list's publisher certificate is on the root's CRL: the list is refused."""

    code = "publisher_revoked"


@dataclass(frozen=True)
class Revoked:
    """One revoked certificate, as the CRL states it."""

    serial: int
    revoked_at: datetime
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"serial": f"{self.serial:x}", "revoked_at": self.revoked_at.isoformat(), "reason": self.reason}


@dataclass(frozen=True)
class Revocations:
    """A CRL whose signature verified against the pinned root."""

    number: int
    last_update: datetime
    entries: dict[int, Revoked]
    next_update: datetime | None = None  # when a relying party must have the next one (keys.crl_freshness)

    def problem(self, certificate: x509.Certificate) -> str | None:
        """Why `certificate` is revoked by this CRL, or None."""
        entry = self.entries.get(certificate.serial_number)
        if entry is None:
            return None
        return (f"its certificate (serial {entry.serial:x}) was revoked by the root on {entry.revoked_at.isoformat()} "
                f"({entry.reason}; CRL number {self.number})")


EMPTY = Revocations(number=0, last_update=datetime.min, entries={})


def build_crl(root: LoadedRoot, revoked: list[Revoked], *, number: int, now: datetime) -> bytes:
    """The PEM CRL of `revoked`, signed by the root, numbered `number`."""
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(root.certificate.subject)
               .last_update(now)
               .next_update(now + NEXT_UPDATE)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   root.certificate.public_key()), critical=False))  # type: ignore[arg-type]
    for entry in sorted(revoked, key=lambda e: e.serial):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(entry.serial).revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(REASONS[entry.reason]), critical=False).build())
    return builder.sign(root.private_key, SHA256()).public_bytes(serialization.Encoding.PEM)


def load_crl(data: bytes, pinned_root: x509.Certificate) -> Revocations:
    """Parse and verify a CRL (PEM or DER) against the pinned root; refuses one the root did not sign."""
    try:
        crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
               else x509.load_der_x509_crl(data))
    except ValueError:
        raise InvalidKeyInput("root CRL: not a PEM or DER X.509 CRL") from None
    if crl.issuer != pinned_root.subject:
        raise TrustListUnverified(f"root CRL: issued by {crl.issuer.rfc4514_string()}, not the pinned root")
    try:
        valid = crl.is_signature_valid(pinned_root.public_key())  # type: ignore[arg-type]
    except TypeError:
        valid = False
    if not valid:
        raise TrustListUnverified("root CRL: its signature does not verify against the pinned root")
    try:
        number = int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        raise InvalidKeyInput("root CRL: it has no CRL number") from None
    entries = {r.serial_number: Revoked(r.serial_number, r.revocation_date_utc, _reason(r)) for r in crl}
    return Revocations(number=number, last_update=crl.last_update_utc, entries=entries,
                       next_update=crl.next_update_utc)


def _reason(entry: x509.RevokedCertificate) -> str:
    try:
        flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return "unspecified"
    return next((name for name, value in REASONS.items() if value == flag), flag.value)
