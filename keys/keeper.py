"""The root's keeper: certifies an office's (or the publisher's) request with the root key.

Needs only the root's key directory and passphrase, so it runs on the keeper's own machine:
no ledger, no office key. What it issues is decided here, not by the request: the profile of
the request's role, the window asked for (within the root's validity), the subject the request
named (checked by keys.requests, and for an office against the name the caller expects). Every
certificate issued is also kept in the root's directory (`issued-<serial>.cert.pem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from keys import keeper_record
from keys.algorithms import algorithm as lookup_algorithm
from keys.certificates import office_certificate, pem, publisher_certificate
from keys.errors import InvalidKeyInput, KeyRequestInvalid
from keys.files import replace_whole
from keys.requests import OFFICE, KeyRequest
from keys.revocation import CRL_FILE, EMPTY, REASONS, Revocations, Revoked, build_crl, load_crl
from keys.roles import PUBLISHER, role_of
from keys.store import KeyStore, utc_seconds

ISSUED_PREFIX = keeper_record.ISSUED_PREFIX


@dataclass(frozen=True)
class Certified:
    """A certificate the keeper issued, with what it says."""

    role: str
    office: str | None
    kid: str
    certificate_pem: str
    not_before: datetime
    not_after: datetime
    serial: int
    entry: int  # its number in the keeper's record


def certify(root_store: KeyStore, request: KeyRequest, root_passphrase: str, *, not_before: datetime,
            not_after: datetime, office_name: str | None = None, expect_kid: str | None = None) -> Certified:
    """Issue the certificate `request` asks for, valid for [not_before, not_after], signed by the root.

    `office_name` is the name the authority table gives the request's office: an office request
    naming another is refused. `expect_kid` is the key id the office read to the keeper by
    another channel: a request for any other key is refused.
    """
    if expect_kid is not None and expect_kid != request.kid:
        raise KeyRequestInvalid(f"request: it is for key {request.kid}, not the key {expect_kid} the office "
                                "named; a request was swapped on its way")
    if request.role == OFFICE and office_name is not None and request.name != office_name:
        raise KeyRequestInvalid(f"request subject: CN {request.name!r} is not the name of office "
                                f"{request.office} ({office_name!r})")
    start = utc_seconds("not_before", not_before)
    end = utc_seconds("not_after", not_after)
    if end <= start:
        raise InvalidKeyInput("not_after: must be after not_before")
    root = root_store.load_root(root_passphrase)
    root_start, root_end = root.certificate.not_valid_before_utc, root.certificate.not_valid_after_utc
    if start < root_start:
        raise InvalidKeyInput(f"not_before: {start.isoformat()} is before the root's validity "
                              f"({root_start.isoformat()})")
    end = min(end, root_end)  # a certificate outside its issuer's validity fails path validation
    if end <= start:
        raise InvalidKeyInput(f"not_before: {start.isoformat()} is after the root's validity ({root_end.isoformat()})")
    digest = lookup_algorithm(request.algorithm).x509_hash
    if request.role == OFFICE:
        assert request.office is not None
        certificate = office_certificate(root.private_key, root.certificate, request.public_key, request.office,
                                         request.name, start, end, digest)
    else:
        certificate = publisher_certificate(root.private_key, root.certificate, request.public_key, request.name,
                                            start, end, digest)
    # The keeper keeps every certificate it issued: what the root vouched for can be read back from its directory,
    # and its signed record (keys.keeper_record) says so: an altered record is refused before anything is added.
    entry = keeper_record.append(root_store.directory, root, "certified",
                                 keeper_record.certificate_fields(certificate, request.role, request.office,
                                                                  request.kid), at=start)
    root_store._write_new(f"{ISSUED_PREFIX}{certificate.serial_number:x}.cert.pem", pem(certificate).encode("ascii"),
                          0o644)
    return Certified(role=request.role, office=request.office, kid=request.kid, certificate_pem=pem(certificate),
                     not_before=start, not_after=end, serial=certificate.serial_number, entry=entry)


def issued(root_store: KeyStore) -> list[str]:
    """The certificates (PEM) the keeper issued from this root directory."""
    return [p.read_text("ascii") for p in sorted(root_store.directory.glob(f"{ISSUED_PREFIX}*.cert.pem"))]


def revocations(root_store: KeyStore) -> Revocations:
    """The root's CRL as kept in its directory (verified against the root), or none revoked yet."""
    path = root_store.directory / CRL_FILE
    if not path.exists():
        return EMPTY
    return load_crl(path.read_bytes(), x509.load_pem_x509_certificate(root_store.root_certificate_pem().encode()))


def revoke_publisher(root_store: KeyStore, serial: str, root_passphrase: str, *, reason: str,
                     now: datetime) -> tuple[Revocations, int]:
    """Put the publisher certificate the keeper issued as `serial` (hex) on the root's CRL, re-signed as the next
    CRL number, and record it; returns the new CRL's revocations and the record entry's number."""
    if reason not in REASONS:
        raise InvalidKeyInput(f"reason: one of {', '.join(REASONS)}")
    text = serial.strip().lower()
    path = root_store.directory / f"{ISSUED_PREFIX}{text}.cert.pem"
    if not text or any(c not in "0123456789abcdef" for c in text) or not path.is_file():
        raise InvalidKeyInput(f"serial: {serial!r} is no certificate this keeper issued (keys issued lists them)")
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    if role_of(certificate) != PUBLISHER:
        raise InvalidKeyInput(f"serial: {text} is an office key's certificate; an office revokes its own key "
                              "(certledger keys revoke), the keeper revokes publisher certificates")
    current = revocations(root_store)
    if certificate.serial_number in current.entries:
        raise InvalidKeyInput(f"serial: {text} is already revoked "
                              f"({current.entries[certificate.serial_number].revoked_at.isoformat()})")
    root = root_store.load_root(root_passphrase)
    at = utc_seconds("now", now)
    revoked = [*current.entries.values(), Revoked(certificate.serial_number, at, reason)]
    data = build_crl(root, revoked, number=current.number + 1, now=at)
    entry = keeper_record.append(root_store.directory, root, "revoked",
                                 {"serial": text, "reason": reason, "crl_number": current.number + 1}, at=at)
    replace_whole(root_store.directory / CRL_FILE, data, 0o644)  # a reader sees the old CRL or the new one
    return load_crl(data, root.certificate), entry


def refresh_crl(root_store: KeyStore, root_passphrase: str, *, now: datetime) -> Revocations:
    """Re-sign the root's CRL with the same entries, dated `now` and numbered the next: what a relying party needs
    once the last one's next update is past (keys.crl_freshness). With no CRL yet, the first one, revoking nothing."""
    current = revocations(root_store)
    root = root_store.load_root(root_passphrase)
    at = utc_seconds("now", now)
    data = build_crl(root, list(current.entries.values()), number=current.number + 1, now=at)
    replace_whole(root_store.directory / CRL_FILE, data, 0o644)  # a reader sees the old CRL or the new one
    return load_crl(data, root.certificate)
