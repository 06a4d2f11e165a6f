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

from keys.algorithms import algorithm as lookup_algorithm
from keys.certificates import office_certificate, pem, publisher_certificate
from keys.errors import InvalidKeyInput, KeyRequestInvalid
from keys.requests import OFFICE, KeyRequest
from keys.store import KeyStore, utc_seconds

ISSUED_PREFIX = "issued-"


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
    # The keeper keeps every certificate it issued: what the root vouched for can be read back from its directory.
    root_store._write_new(f"{ISSUED_PREFIX}{certificate.serial_number:x}.cert.pem", pem(certificate).encode("ascii"),
                          0o644)
    return Certified(role=request.role, office=request.office, kid=request.kid, certificate_pem=pem(certificate),
                     not_before=start, not_after=end, serial=certificate.serial_number)


def issued(root_store: KeyStore) -> list[str]:
    """The certificates (PEM) the keeper issued from this root directory."""
    return [p.read_text("ascii") for p in sorted(root_store.directory.glob(f"{ISSUED_PREFIX}*.cert.pem"))]
