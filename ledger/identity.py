"""Identity documents (证件): parsing, check characters, masking.

Resident ID numbers follow GB 11643-1999: 18 characters, digits 7-14 the birth date,
the 17th odd for male, the 18th an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ledger.errors import InvalidInput

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdType(StrEnum):
    """证件类别 (ZJLB). Values are stable keys stored in events."""

    RESIDENT = "resident"  # 居民身份证
    HMT_RESIDENCE = "hmt-residence"  # 港澳台居民居住证
    FOREIGN_PERMANENT = "foreign-permanent"  # 外国人永久居留身份证
    HK_MACAU_PERMIT = "hk-macau-permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan-permit"  # 台湾居民来往大陆通行证
    PASSPORT = "passport"  # 护照

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str, field: str = "id_type") -> IdType:
        text = (value or "").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        allowed = ", ".join(f"{m.value} ({m.label})" for m in cls)
        raise InvalidInput(field, f"unknown ID type {text!r}; one of {allowed}")


_LABELS = {
    IdType.RESIDENT: "居民身份证",
    IdType.HMT_RESIDENCE: "港澳台居民居住证",
    IdType.FOREIGN_PERMANENT: "外国人永久居留身份证",
    IdType.HK_MACAU_PERMIT: "港澳居民来往内地通行证",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    IdType.PASSPORT: "护照",
}


class ShownDocument(StrEnum):
    """The original a person shows at a window (seed 000 三(一): 本人携带身份证或社保卡原件). The social
    security card carries the holder's social security number, which is the citizen ID number
    (社会保障号码为公民身份号码, 《社会保险法》第五十八条), so it proves the same resident ID."""

    ID_CARD = "id-card"  # 身份证 (or the ID document of the holder's ID type)
    SOCIAL_SECURITY_CARD = "social-security-card"  # 社保卡

    @property
    def label(self) -> str:
        return {"id-card": "身份证", "social-security-card": "社保卡"}[self.value]

    @classmethod
    def parse(cls, value: str, field: str = "id_document") -> ShownDocument:
        text = (value or "id-card").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise InvalidInput(field, f"unknown document {text!r}; id-card (身份证) or social-security-card (社保卡)")

    def check_type(self, id_type: IdType | str, field: str = "id_document") -> None:
        """A social security card proves a resident ID number only."""
        if self is ShownDocument.SOCIAL_SECURITY_CARD and str(id_type) != IdType.RESIDENT:
            raise InvalidInput(field, "a social security card (社保卡) carries a resident ID number (居民身份证号码); "
                                      "show the ID document itself")


def gb11643_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


_RE_18 = re.compile(r"\d{17}[\dX]")
_RE_HK_MACAU = re.compile(r"[HM]\d{8}(\d{2})?")
_RE_TAIWAN = re.compile(r"\d{8}(\d{2})?")
_RE_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
_RE_OLD_FOREIGN = re.compile(r"[A-Z]{3}\d{12}")


@dataclass(frozen=True, slots=True)
class IdDocument:
    """A parsed, validated identity document."""

    type: IdType
    number: str

    @classmethod
    def parse(cls, id_type: str | IdType, number: str, field: str = "id_number") -> IdDocument:
        kind = id_type if isinstance(id_type, IdType) else IdType.parse(id_type)
        text = (number or "").strip().upper()
        if not text:
            raise InvalidInput(field, "required")
        _CHECKERS[kind](text, field)
        return cls(kind, text)

    @property
    def birth_date(self) -> date | None:
        if self.type in (IdType.RESIDENT, IdType.HMT_RESIDENCE) or (
            self.type is IdType.FOREIGN_PERMANENT and len(self.number) == 18
        ):
            return _birth(self.number)
        return None

    @property
    def gender(self) -> str | None:
        """男 or 女 as the number encodes it, where it does."""
        if len(self.number) == 18 and self.type is not IdType.PASSPORT and self.number[:17].isdigit():
            return "男" if int(self.number[16]) % 2 else "女"
        return None

    @property
    def masked(self) -> str:
        return mask_id(self.number, self.type)


def mask_id(number: str, id_type: IdType | str = IdType.RESIDENT) -> str:
    """Mask as the seed template does (`370124XXXXXXXXXXXX`): keep the region only."""
    keep = 6 if str(id_type) in (IdType.RESIDENT, IdType.HMT_RESIDENCE) else 1
    return number[:keep] + "X" * (len(number) - keep)


def _birth(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _check_gb11643(text: str, field: str, *, prefixes: tuple[str, ...] | None = None) -> None:
    if len(text) != 18:
        raise InvalidInput(field, f"must be 18 characters (GB 11643), got {len(text)}")
    if not _RE_18.fullmatch(text):
        raise InvalidInput(field, "must be 17 digits then a digit or X (GB 11643)")
    if prefixes is not None and not text.startswith(prefixes):
        raise InvalidInput(field, f"must start with {' or '.join(prefixes)} for this ID type")
    born = _birth(text)
    if born is None:
        raise InvalidInput(field, "digits 7-14 are not a valid birth date (GB 11643)")
    if born < date(1900, 1, 1) or born > date.today():
        raise InvalidInput(field, f"birth date {born.isoformat()} is out of range (GB 11643)")
    expected = gb11643_check_char(text[:17])
    if text[17] != expected:
        raise InvalidInput(
            field, f"check character is {text[17]!r}, expected {expected!r} (GB 11643 MOD 11-2)"
        )


def _check_resident(text: str, field: str) -> None:
    if len(text) == 15 and text.isdigit():
        raise InvalidInput(field, "15-digit resident IDs are obsolete; give the 18-character number")
    _check_gb11643(text, field)
    if text[0] in "089":
        raise InvalidInput(field, "resident ID region code must start with 1-7 (GB 11643)")


def _check_hmt(text: str, field: str) -> None:
    _check_gb11643(text, field, prefixes=("810000", "820000", "830000"))


def _check_foreign(text: str, field: str) -> None:
    if len(text) == 15:
        if not _RE_OLD_FOREIGN.fullmatch(text):
            raise InvalidInput(field, "15-character permit: 3 letters then 12 digits")
        return
    _check_gb11643(text, field, prefixes=("9",))


def _pattern(regex: re.Pattern[str], rule: str):  # type: ignore[no-untyped-def]
    def check(text: str, field: str) -> None:
        if not regex.fullmatch(text):
            raise InvalidInput(field, rule)

    return check


_CHECKERS = {
    IdType.RESIDENT: _check_resident,
    IdType.HMT_RESIDENCE: _check_hmt,
    IdType.FOREIGN_PERMANENT: _check_foreign,
    IdType.HK_MACAU_PERMIT: _pattern(_RE_HK_MACAU, "H or M then 8 (or 10) digits"),
    IdType.TAIWAN_PERMIT: _pattern(_RE_TAIWAN, "8 (or 10) digits"),
    IdType.PASSPORT: _pattern(_RE_PASSPORT, "5-17 letters or digits"),
}
