"""Review against the record on the page: the ledger's own comparison (ledger.review, the one rule the CLI
uses too), shaped for the review table; the photo check is the reviewer's explicit attestation."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.identity import mask_id
from ledger.review import MATCH, MISMATCH, recorded_value
from ledger.review import compare as ledger_compare
from ledger.values import CertificateData


@dataclass(frozen=True)
class FieldComparison:
    check: str
    stated: str
    recorded: str  # as the page shows it: an ID number masked
    result: str  # ledger.review's: match, mismatch, not-stated

    @property
    def matches(self) -> bool:
        return self.result == MATCH

    @property
    def mismatch(self) -> bool:
        return self.result == MISMATCH


@dataclass(frozen=True)
class Comparison:
    fields: tuple[FieldComparison, ...]
    photo_attested: bool

    @property
    def all_match(self) -> bool:
        return not any(f.mismatch for f in self.fields)


def compare(stated: dict[str, str], data: CertificateData, *, photo_attested: bool) -> Comparison:
    rows = []
    for c in ledger_compare(data, stated):
        recorded = recorded_value(data, c.check)
        shown = mask_id(recorded, data.id_type) if c.check == "id_number" else recorded
        rows.append(FieldComparison(c.check, stated.get(c.check, ""), shown, c.result))
    return Comparison(tuple(rows), photo_attested)
