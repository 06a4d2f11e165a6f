"""Value objects of the certificate domain: parsed, validated, immutable.

Each parser raises InvalidInput naming the field and the rule; what it returns is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ledger.errors import InvalidInput
from ledger.identity import IdDocument, IdType, mask_id
from ledger.reference import Authority, authority, policy


class Family(StrEnum):
    SKILL = "skill"  # 技能人员职业资格证书
    PROFESSIONAL = "professional"  # 专业技术人员职业资格证书


class Style(StrEnum):
    NEW = "new"  # 新版 (from 2016-09-01)
    OLD = "old"  # 旧版, stopped 2016-09-01, still valid
    HANDWRITTEN = "handwritten"  # 手写老证书


SKILL_LEVELS = ("五级", "四级", "三级", "二级", "一级")
_LEVEL_ALIASES = {
    "5": "五级", "4": "四级", "3": "三级", "2": "二级", "1": "一级",
    "初级工": "五级", "中级工": "四级", "高级工": "三级", "技师": "二级", "高级技师": "一级",
    "五级/初级工": "五级", "四级/中级工": "四级", "三级/高级工": "三级",
    "二级/技师": "二级", "一级/高级技师": "一级",
}
RESULTS = ("合格", "良好", "优秀")
GENDERS = ("男", "女")
_GENDER_ALIASES = {"male": "男", "m": "男", "female": "女", "f": "女"}
_ZSGLH = re.compile(r"[0-9A-Za-z]{6,32}")
_DATE_FORMATS = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
                 re.compile(r"(\d{4})(\d{2})(\d{2})"), re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"))


@dataclass(frozen=True, slots=True)
class SkillNumber:
    """A 16-digit skill certificate number: yy pp cc + serial (seed 000 附件2)."""

    text: str
    year: int
    authority: Authority

    @classmethod
    def parse(cls, value: str, field: str = "number") -> SkillNumber:
        text = (value or "").strip()
        if len(text) != 16 or not text.isdigit():
            raise InvalidInput(field, f"a skill certificate number is 16 digits, got {text!r}")
        yy = int(text[:2])
        year = 2000 + yy if yy <= date.today().year % 100 else 1900 + yy
        return cls(text, year, authority(text[2:6], field=f"{field} (digits 3-6)"))


def parse_management_number(value: str, field: str = "number") -> str:
    text = (value or "").strip().upper()
    if not _ZSGLH.fullmatch(text):
        raise InvalidInput(field, f"a management number (管理号, ZSGLH) is 6-32 letters or digits, got {text!r}")
    return text


def parse_date(value: str | date, field: str, *, not_after_today: bool = True) -> date:
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = (value or "").strip()
        for pattern in _DATE_FORMATS:
            m = pattern.fullmatch(text)
            if m:
                try:
                    parsed = date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    raise InvalidInput(field, f"{text!r} is not a real calendar date") from None
                break
        else:
            raise InvalidInput(field, f"a date as YYYY-MM-DD, got {text!r}")
    if parsed.year < 1950:
        raise InvalidInput(field, f"{parsed.isoformat()} is before 1950")
    if not_after_today and parsed > date.today():
        raise InvalidInput(field, f"{parsed.isoformat()} is in the future")
    return parsed


def parse_level(value: str, family: Family, field: str = "level") -> str:
    text = (value or "").strip()
    if family is Family.PROFESSIONAL:
        if not text:
            raise InvalidInput(field, "required")
        return text
    level = text if text in SKILL_LEVELS else _LEVEL_ALIASES.get(text)
    if level is None:
        raise InvalidInput(field, f"one of {', '.join(SKILL_LEVELS)} (or 1-5, 初级工…高级技师), got {text!r}")
    return level


def parse_score(value: str | int | None, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        score = int(str(value).strip())
    except ValueError:
        raise InvalidInput(field, f"a whole number from 0 to 100, got {value!r}") from None
    if not 0 <= score <= 100:
        raise InvalidInput(field, f"must be from 0 to 100, got {score}")
    return score


def parse_gender(value: str, field: str = "gender") -> str:
    text = (value or "").strip()
    gender = text if text in GENDERS else _GENDER_ALIASES.get(text.lower())
    if gender is None:
        raise InvalidInput(field, f"男 or 女, got {text!r}")
    return gender


def parse_text(value: Any, field: str, *, max_len: int = 64, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidInput(field, "required")
    if len(text) > max_len:
        raise InvalidInput(field, f"at most {max_len} characters")
    if any(ord(c) < 32 for c in text):
        raise InvalidInput(field, "must not contain control characters")
    return text


@dataclass(frozen=True, slots=True)
class CertificateData:
    """What a certificate says: the fields of the seed 000 附件1 template (and ZSGLH data)."""

    family: str
    number: str
    authority: str
    holder_name: str
    gender: str
    id_type: str
    id_number: str
    occupation: str  # 职业（工种）; for professional certificates the qualification (考试名称)
    level: str
    issue_date: str  # ISO date: 发证日期, or 批准日期 (PZRQ) for professional certificates
    specialty: str = ""  # 专业 (BKZY)
    theory_score: int | None = None
    practical_score: int | None = None
    review_score: int | None = None
    result: str = "合格"
    style: str = Style.NEW.value
    electronic: bool = False  # an electronic certificate exists (professional)
    exam_code: str = ""  # 考试代码, for the monthly batch
    photo_sha256: str = ""

    def to_event(self) -> dict[str, Any]:
        # Every field is a str, int, bool or None: a flat copy (dataclasses.asdict deep-copies, 10x slower).
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    @classmethod
    def from_event(cls, data: Mapping[str, Any]) -> CertificateData:
        return cls(**data)

    @property
    def issued_on(self) -> date:
        return date.fromisoformat(self.issue_date)

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number, self.id_type)

    def with_changes(self, changes: Mapping[str, str]) -> tuple[CertificateData, list[dict[str, Any]]]:
        """A corrected copy, validated again, and the list of field changes (old, new)."""
        unknown = set(changes) - CORRECTABLE
        if unknown:
            field = sorted(unknown)[0]
            raise InvalidInput(field, f"cannot be corrected; correctable: {', '.join(sorted(CORRECTABLE))}")
        raw = {k: ("" if v is None else str(v)) for k, v in self.to_event().items()}
        raw.update({k: str(v) for k, v in changes.items()})
        # A stored record is not refused for its number's year digits unless the correction touches its date:
        # the rule holds for what is issued or corrected now (records from before the rule are kept as they are).
        new = parse_certificate(raw, year_rule="issue_date" in changes)
        diffs = [
            {"field": f.name, "old": getattr(self, f.name), "new": getattr(new, f.name)}
            for f in fields(self)
            if getattr(self, f.name) != getattr(new, f.name)
        ]
        if not diffs:
            raise InvalidInput("corrections", "change nothing: every value equals the current one")
        return new, diffs

    def replace(self, **changes: Any) -> CertificateData:
        return replace(self, **changes)


_FIELD_NAMES = tuple(f.name for f in fields(CertificateData))

CORRECTABLE = frozenset({
    "holder_name", "gender", "id_type", "id_number", "occupation", "level", "specialty",
    "theory_score", "practical_score", "review_score", "result", "issue_date", "photo_sha256",
})


def _default_style(authority_code: str, family: Family, issue_date: date) -> str:
    """A record naming no style: new from 2016-09-01 (人社厅发〔2015〕143号), old before; a province's rule may
    say otherwise (Liaoning: a skill certificate from before 2000 is taken as handwritten, seed 001 二)."""
    ruled = policy(authority_code[:2]).default_style(issue_date) if family is Family.SKILL else None
    if ruled is not None:
        return ruled
    return Style.NEW.value if issue_date >= date(2016, 9, 1) else Style.OLD.value


def check_year_digits(number: str, issue_date: date) -> None:
    """Seed 000 附件2: a skill certificate number's digits 1-2 are the year code of its issue (19 = 2019)."""
    if int(number[:2]) != issue_date.year % 100:
        raise InvalidInput("issue_date", f"{issue_date.isoformat()} disagrees with the number {number}, whose "
                                         f"year digits {number[:2]} say 20{number[:2]} or 19{number[:2]} "
                                         "(seed 000 附件2: digits 1-2 are the year of issue)")


def parse_certificate(raw: Mapping[str, Any], *, year_rule: bool = True) -> CertificateData:
    """Validate one certificate's fields (CLI options, an import row, a correction)."""
    family, number_text, authority_code = _family_and_number(raw)
    id_doc, gender, issue_date = _holder_and_date(raw)
    if family is Family.SKILL and year_rule:
        check_year_digits(number_text, issue_date)
    style = _style(raw, authority_code, family, issue_date)
    result = str(raw.get("result") or "合格").strip()
    if result not in RESULTS:
        raise InvalidInput("result", f"one of {', '.join(RESULTS)}, got {result!r}")
    electronic = str(raw.get("electronic") or "").strip().lower() in ("1", "true", "yes", "y", "是")
    photo = str(raw.get("photo_sha256") or "").strip().lower()
    if photo and not re.fullmatch(r"[0-9a-f]{64}", photo):
        raise InvalidInput("photo_sha256", "a SHA-256 as 64 hex digits")
    return CertificateData(
        family=family.value, number=number_text, authority=authority_code,
        holder_name=parse_text(raw.get("holder_name"), "holder_name", max_len=50), gender=gender,
        id_type=id_doc.type.value, id_number=id_doc.number, occupation=parse_text(raw.get("occupation"), "occupation"),
        level=parse_level(str(raw.get("level") or ""), family), issue_date=issue_date.isoformat(),
        specialty=parse_text(raw.get("specialty"), "specialty", required=False),
        theory_score=parse_score(raw.get("theory_score"), "theory_score"),
        practical_score=parse_score(raw.get("practical_score"), "practical_score"),
        review_score=parse_score(raw.get("review_score"), "review_score"),
        result=result, style=style.value, electronic=electronic,
        exam_code=parse_text(raw.get("exam_code"), "exam_code", max_len=8, required=False), photo_sha256=photo,
    )


def _family_and_number(raw: Mapping[str, Any]) -> tuple[Family, str, str]:
    """The family, the number (skill: 16 digits; professional: 管理号) and the issuing authority's code."""
    family_text = str(raw.get("family") or "skill").strip()
    try:
        family = Family(family_text)
    except ValueError:
        raise InvalidInput("family", f"skill or professional, got {family_text!r}") from None
    if family is Family.SKILL:
        number = SkillNumber.parse(str(raw.get("number") or ""))
        return family, number.text, number.authority.code
    number_text = parse_management_number(str(raw.get("number") or ""))
    return family, number_text, authority(str(raw.get("authority") or "").strip(), field="authority").code


def _holder_and_date(raw: Mapping[str, Any]) -> tuple[IdDocument, str, date]:
    """The identity document, the gender (as its number encodes it, where it does) and the issue date (after
    the holder's birth)."""
    id_doc = IdDocument.parse(str(raw.get("id_type") or IdType.RESIDENT.value), str(raw.get("id_number") or ""))
    gender = parse_gender(str(raw.get("gender") or ""))
    encoded = id_doc.gender
    if encoded is not None and encoded != gender:
        raise InvalidInput("gender", f"{gender} disagrees with the ID number (its 17th digit says {encoded})")
    issue_date = parse_date(raw.get("issue_date") or "", "issue_date")
    born = id_doc.birth_date
    if born is not None and issue_date <= born:
        raise InvalidInput("issue_date", "must be after the holder's birth date in the ID number")
    return id_doc, gender, issue_date


def _style(raw: Mapping[str, Any], authority_code: str, family: Family, issue_date: date) -> Style:
    """The style the record states, else the one its province takes for its issue date."""
    style_text = str(raw.get("style") or "").strip() or _default_style(authority_code, family, issue_date)
    try:
        return Style(style_text)
    except ValueError:
        raise InvalidInput("style", f"new, old or handwritten, got {style_text!r}") from None


def normalise_occupation(name: str) -> str:
    """Occupation names compare without the trade in brackets and with unified brackets."""
    text = name.strip().replace("(", "（").replace(")", "）")
    return text
