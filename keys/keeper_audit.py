"""An auditor's check that every root-issued certificate the ledger relies on went through the root's keeper.

The keeper records each certificate it issues in its record (keys.keeper_record, `issued.jsonl`, every entry
signed by the root and chained). A certificate the pinned root signed that no entry records was made outside the
keeper's procedure (the root key used directly, by whoever held it): its key verifies, its chain holds, and only the
record shows it. `audit verify --keeper-record DIR` checks the record itself and that every office key certificate
the ledger holds, and every publisher certificate of a trust list it recorded, is in it with the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from keys.keeper_record import RECORD_FILE, check_record
from keys.trustlist import publisher_certificate


def keeper_problems(directory: Path, root_pem: bytes, office_certificates: Iterable[tuple[str, str]],
                    trust_lists: Iterable[bytes]) -> list[str]:
    """What is wrong with the keeper's record in `directory` (checked against `root_pem`), and each certificate
    of `office_certificates` ((what, PEM): the ledger's office keys) or of the publishers of `trust_lists` that no
    `certified` entry of it records; empty when every one went through the keeper."""
    root = x509.load_pem_x509_certificate(root_pem)
    if not (directory / RECORD_FILE).is_file():
        return [f"the keeper's record: there is no {RECORD_FILE} in {directory}"]
    check = check_record(directory, root)
    problems = [f"the keeper's record: {p}" for p in check.problems]
    recorded = {e.get("certificate_sha256") for e in check.entries if e.get("action") == "certified"}
    seen: set[str] = set()
    for what, certificate in _certificates(office_certificates, trust_lists, root_pem):
        der = certificate.public_bytes(serialization.Encoding.DER)
        digest = hashlib.sha256(der).hexdigest()
        if digest in seen or certificate.issuer != root.subject:
            continue  # each once; only what the root issued is the keeper's to record
        seen.add(digest)
        if digest not in recorded:
            problems.append(f"{what}: its certificate (serial {certificate.serial_number:x}, "
                            f"{certificate.subject.rfc4514_string()}) is in no entry of the keeper's record: the root "
                            "signed it outside the keeper's procedure")
    return problems


def _certificates(office_certificates: Iterable[tuple[str, str]], trust_lists: Iterable[bytes],
                  root_pem: bytes) -> Iterable[tuple[str, x509.Certificate]]:
    for what, pem in office_certificates:
        yield what, x509.load_pem_x509_certificate(pem.encode("ascii"))
    for number, data in enumerate(trust_lists, start=1):
        publisher = publisher_certificate(data, root_pem)
        if publisher is not None:
            yield f"the publisher of recorded trust list {number}", publisher
