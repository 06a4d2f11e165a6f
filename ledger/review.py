"""Review against the record (审核, seeds 002 and 004 二(一)2): what the applicant states (name, ID number,
certificate or management number, level, specialty, approval date) is compared with the certificate
database, each comparison's result and any mismatch recorded; the photo check is the clerk's own
attestation (审查考生提交的照片与其身份证照片是否为同一人). 核对信息须依据证书数据库，尊重历史数据: the
record is what the stated data must match, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import InvalidInput
from ledger.identity import mask_id
from ledger.values import CertificateData

# check -> how the record names it
STATED = {"name": "holder_name", "id_number": "id_number", "certificate_number": "number", "level": "level",
          "specialty": "specialty", "approval_date": "issued_on"}
MATCH, MISMATCH, NOT_STATED = "match", "mismatch", "not-stated"
PHOTO_FREE_FROM_YEAR = 2017  # seed 002 材料目录 / seed 004 附件 二3: certificates from 2017 on need no photo


@dataclass(frozen=True, slots=True)
class Comparison:
    """One stated value against the record: match, mismatch (both values kept) or not stated."""

    check: str
    result: str
    stated: str = ""
    recorded: str = ""

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> Comparison:
        return cls(stored["check"], stored["result"], stored.get("stated", ""), stored.get("recorded", ""))

    def to_event(self) -> dict[str, str]:
        out = {"check": self.check, "result": self.result}
        if self.result == MISMATCH:
            out.update(stated=self.stated, recorded=self.recorded)
        return out

    def to_dict(self) -> dict[str, str]:
        """As answers show it: an ID number masked."""
        out = self.to_event()
        if self.check == "id_number" and self.result == MISMATCH:
            out.update(stated=mask_id(self.stated), recorded=mask_id(self.recorded))
        return out


def _normal(check: str, value: str) -> str:
    text = "".join(str(value).split())
    if check in ("id_number", "certificate_number"):
        return text.upper()
    if check == "approval_date":
        return text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    return text.translate(str.maketrans("()", "（）"))


def recorded_value(record: CertificateData, check: str) -> str:
    """The record's value that a stated `check` is compared with, as text. A skill certificate has no
    specialty: what its holder states as 职业（工种）/专业 is its occupation."""
    if check == "specialty" and not record.specialty:
        return record.occupation
    value = getattr(record, STATED[check])
    return value.isoformat() if check == "approval_date" else str(value or "")


def compare(record: CertificateData, stated: Mapping[str, str]) -> list[Comparison]:
    """Every check's comparison of what was stated with the record, in the checks' order."""
    unknown = sorted(set(stated) - set(STATED))
    if unknown:
        raise InvalidInput("stated", f"unknown field {unknown[0]!r}; stated fields: {', '.join(STATED)}")
    out = []
    for check in STATED:
        value = str(stated.get(check) or "").strip()
        if not value:
            out.append(Comparison(check, NOT_STATED))
            continue
        recorded = recorded_value(record, check)
        same = _normal(check, value) == _normal(check, recorded)
        if check == "approval_date" and not same:
            same = _dates_equal(value, recorded)
        out.append(Comparison(check, MATCH if same else MISMATCH, value, recorded))
    return out


def _dates_equal(stated: str, recorded: str) -> bool:
    parts = [p for p in _normal("approval_date", stated).split("-") if p]
    return len(parts) == 3 and all(p.isdigit() for p in parts) and "-".join(
        (parts[0], parts[1].zfill(2), parts[2].zfill(2))) == recorded


def photo_needed(record: CertificateData) -> bool:
    """A professional certificate obtained before 2017 is printed with the applicant's photo, so the review
    attests that the photo shows the holder (seed 002 审核补证数据)."""
    return record.family == "professional" and record.issued_on.year < PHOTO_FREE_FROM_YEAR


def checks_of(comparisons: list[Comparison], photo_attested: bool | None) -> dict[str, bool]:
    """The review's checks as recorded: a stated field passed if it matched; the photo if the clerk attested."""
    checks = {c.check: c.result != MISMATCH for c in comparisons}
    checks["photo"] = photo_attested is not False
    return checks
