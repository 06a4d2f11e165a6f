"""Review against the record (尊重历史数据): what the applicant states, field by field beside the certificate
record, each compared after the same normalisation (spaces, full-width forms, case), the photo check the
reviewer's explicit attestation."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ledger.values import CertificateData

RECORD_FIELDS = {"name": "holder_name", "id_number": "id_number", "certificate_number": "number",
                 "level": "level", "specialty": "occupation", "approval_date": "issue_date"}


@dataclass(frozen=True)
class FieldComparison:
    check: str
    stated: str
    recorded: str
    matches: bool


@dataclass(frozen=True)
class Comparison:
    fields: tuple[FieldComparison, ...]
    photo_attested: bool

    @property
    def checks(self) -> dict[str, bool]:
        """The data checks as the ledger records them (ServiceRequest.REVIEW_CHECKS)."""
        return {**{f.check: f.matches for f in self.fields}, "photo": self.photo_attested}

    @property
    def all_match(self) -> bool:
        return all(self.checks.values())


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper().replace("/", "-")


def recorded_value(data: CertificateData, check: str) -> str:
    value = str(getattr(data, RECORD_FIELDS[check]) or "")
    if check == "specialty" and data.specialty:
        value = data.specialty
    return value


def compare(stated: dict[str, str], data: CertificateData, *, photo_attested: bool) -> Comparison:
    rows = []
    for check in RECORD_FIELDS:
        recorded = recorded_value(data, check)
        given = stated.get(check, "")
        rows.append(FieldComparison(check, given, recorded, bool(given.strip()) and _norm(given) == _norm(recorded)))
    return Comparison(tuple(rows), photo_attested)
