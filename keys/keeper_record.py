"""The keeper's record of what the root did: every certificate it issued and every one it revoked.

`issued.jsonl` in the root's directory, one JSON entry a line. Each entry names the one before
it by the SHA-256 of that line's bytes, and is signed by the root key over its canonical JSON
(every field but `signature`). So whoever holds the file but not the root key cannot rewrite an
entry (its signature fails), drop or reorder one (the next entry's `prev` fails), or add one;
and a kept certificate file the record does not name, or that differs from the one it names, is
named too. Checking needs only the root certificate: anyone given the directory can check it.

What the directory alone cannot show is its last entries dropped together with their
certificate files: the entry count each `keys certify` prints is what the keeper notes elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from keys.algorithms import algorithm as lookup_algorithm
from keys.algorithms import algorithm_of
from keys.errors import KeysError
from keys.files import fsync_directory
from keys.store import LoadedRoot

RECORD_FILE = "issued.jsonl"
GENESIS = "0" * 64
ISSUED_PREFIX = "issued-"


class KeeperRecordTampered(KeysError):
    """The keeper's record does not check against the root: each problem is named by entry."""

    code = "keeper_record_tampered"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"the keeper's record {RECORD_FILE} was altered: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RecordCheck:
    """The record's entries (as written) and what is wrong with it, if anything."""

    entries: list[dict[str, Any]]
    problems: list[str]
    head: str  # the SHA-256 of the last line: what the next entry's `prev` is


def _canonical(entry: dict[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def check_record(directory: Path, root_certificate: x509.Certificate) -> RecordCheck:
    """Check every entry's signature and chain, and the kept certificate files against the entries."""
    path = directory / RECORD_FILE
    lines = path.read_bytes().splitlines() if path.exists() else []
    scheme = lookup_algorithm(algorithm_of(root_certificate.public_key()).name)
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    head = GENESIS
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line)
            signature = base64.b64decode(entry["signature"], validate=True)
        except (ValueError, KeyError, TypeError):
            problems.append(f"entry {number}: not a signed JSON entry")
            head = hashlib.sha256(line).hexdigest()
            continue
        what = f"entry {number} ({entry.get('action')} serial {entry.get('serial')})"
        if not scheme.verify(root_certificate.public_key(), _canonical(entry), signature):
            problems.append(f"{what}: its root signature does not verify: the entry was rewritten")
        if entry.get("seq") != number:
            problems.append(f"{what}: numbered {entry.get('seq')!r}: an entry was removed or reordered")
        elif entry.get("prev") != head:
            problems.append(f"{what}: it does not follow entry {number - 1}: an entry was removed or reordered")
        entries.append(entry)
        head = hashlib.sha256(line).hexdigest()
    problems.extend(_file_problems(directory, entries))
    return RecordCheck(entries, problems, head)


def _file_problems(directory: Path, entries: list[dict[str, Any]]) -> list[str]:
    recorded = {e.get("serial"): e.get("certificate_sha256") for e in entries if e.get("action") == "certified"}
    problems = []
    for cert in sorted(directory.glob(f"{ISSUED_PREFIX}*.cert.pem")):
        serial = cert.name[len(ISSUED_PREFIX):-len(".cert.pem")]
        if serial not in recorded:
            problems.append(f"{cert.name}: a kept certificate no entry records")
        elif _pem_digest(cert.read_bytes()) != recorded[serial]:
            problems.append(f"{cert.name}: not the certificate its entry records (SHA-256 differs)")
    return problems


def _pem_digest(pem: bytes) -> str:
    try:
        der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    except ValueError:
        return ""
    return hashlib.sha256(der).hexdigest()


def append(directory: Path, root: LoadedRoot, action: str, fields: dict[str, Any], *, at: datetime) -> int:
    """Append one signed entry after checking the record; refuses to extend an altered record. Returns its number."""
    check = check_record(directory, root.certificate)
    # An altered entry stops the keeper; a kept file no entry names (a directory from before the record) is only
    # reported by `keys issued`, so an existing keeper's directory keeps working.
    if altered := [p for p in check.problems if p.startswith("entry ")]:
        raise KeeperRecordTampered(altered)
    entry: dict[str, Any] = {"seq": len(check.entries) + 1, "prev": check.head, "action": action,
                             "at": at.isoformat(), **fields}
    scheme = lookup_algorithm(algorithm_of(root.certificate.public_key()).name)
    entry["signature"] = base64.b64encode(scheme.sign(root.private_key, _canonical(entry))).decode("ascii")
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
    fd = os.open(directory / RECORD_FILE, os.O_CREAT | os.O_APPEND | os.O_WRONLY | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_directory(directory)
    return int(entry["seq"])


def certificate_fields(certificate: x509.Certificate, role: str, office: str | None, kid: str) -> dict[str, Any]:
    """What a `certified` entry states of the certificate it records."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return {"serial": f"{certificate.serial_number:x}", "role": role, "office": office, "kid": kid,
            "not_before": certificate.not_valid_before_utc.isoformat(),
            "not_after": certificate.not_valid_after_utc.isoformat(),
            "certificate_sha256": hashlib.sha256(der).hexdigest()}
