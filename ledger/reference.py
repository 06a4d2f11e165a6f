"""Reference data shipped with the ledger: issuing authorities, province policies,
the abolished qualifications. Loaded once, read-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from ledger.errors import InvalidInput, RuleViolation
from ledger.time_limits import PickupLimits, Process, pickup, process


def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files("ledger.data").joinpath(name).read_text("utf-8"))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Authority:
    """An issuing authority: digits 3-6 of a skill certificate number."""

    code: str
    province: str
    area: str
    office: str
    phone: str
    address: str
    lookup_urls: tuple[str, ...]
    department: str = ""  # the 人力资源社会保障部门 that issues (发证机构, seed 000 附件1)
    hours: str = ""  # office hours where a seed gives them (seed 000 四(一))
    lookup_sentence: str = ""  # the written proof's last sentence: where to look the certificate up

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def label(self) -> str:
        return f"{self.province}{self.area if self.code[2:] != '00' else ''} {self.office}".strip()


@cache
def authorities() -> dict[str, Authority]:
    data = _load("authorities.json")["provinces"]
    out: dict[str, Authority] = {}
    for pcode, prov in data.items():
        for ccode, city in prov["cities"].items():
            code = pcode + ccode
            out[code] = Authority(code, prov["name"], city["area"], city["office"],
                                  city["phone"], city["address"], tuple(prov["lookup_urls"]),
                                  city.get("department", ""), city.get("hours", {}).get("text", ""),
                                  prov.get("lookup_sentence", {}).get("text", ""))
    return out


@dataclass(frozen=True, slots=True)
class ServiceHall:
    """Where a province takes professional-certificate applications, and when (seed 002 办理信息)."""

    office: str
    address: str
    hours: str
    source: str


def professional_service(province: str) -> ServiceHall | None:
    raw = _load("authorities.json")["provinces"].get(province, {}).get("professional_service")
    return ServiceHall(raw["office"], raw["address"], raw["hours"], raw["source"]) if raw else None


def authority(code: str, field: str = "office") -> Authority:
    """The authority for a 4-digit code (province + city); refuses unknown codes."""
    table = authorities()
    if code in table:
        return table[code]
    if len(code) != 4 or not code.isdigit():
        raise InvalidInput(field, f"must be a 4-digit authority code (province + city), got {code!r}")
    provinces = sorted({c[:2] for c in table})
    if code[:2] not in provinces:
        raise InvalidInput(field, f"unknown province code {code[:2]!r}; known: {', '.join(provinces)}")
    cities = sorted(c[2:] for c in table if c[:2] == code[:2])
    raise InvalidInput(
        field, f"unknown city code {code[2:]!r} for province {code[:2]}; known: {', '.join(cities)}"
    )


@dataclass(frozen=True, slots=True)
class PolicyRule:
    id: str
    applies_to: frozenset[str]
    style: str | None
    issued_before: date | None
    issued_on_or_after: date | None
    message: str

    def matches(self, operation: str, style: str, issue_date: date) -> bool:
        if operation not in self.applies_to:
            return False
        if self.style is not None and style != self.style:
            return False
        if self.issued_before is not None and not issue_date < self.issued_before:
            return False
        return self.issued_on_or_after is None or issue_date >= self.issued_on_or_after


@dataclass(frozen=True, slots=True)
class Policy:
    """Scope rules and time limits of one province (national rules included)."""

    province: str
    rules: tuple[PolicyRule, ...]
    processes: tuple[Process, ...]  # the province's own first, the national default last
    pickup: PickupLimits | None = None

    def check(self, operation: str, style: str, issue_date: date) -> None:
        for rule in self.rules:
            if rule.matches(operation, style, issue_date):
                raise RuleViolation(rule.id, rule.message)

    def process(self, family: str, kind: str, channel: str) -> Process:
        """The time limits of the first process covering a request (the default covers every one)."""
        return next(p for p in self.processes if p.covers(family, kind, channel))

    def process_named(self, process_id: str) -> Process | None:
        return next((p for p in self.processes if p.id == process_id), None)


def _rule(raw: dict[str, Any]) -> PolicyRule:
    when = raw.get("when", {})
    before = when.get("issued_before")
    after = when.get("issued_on_or_after")
    return PolicyRule(
        raw["id"], frozenset(raw["applies_to"]), when.get("style"),
        date.fromisoformat(before) if before else None,
        date.fromisoformat(after) if after else None, raw["message"],
    )


@cache
def policy(province: str) -> Policy:
    """A province's policy, by its code (`15`) or, for a province the seeds give no code (浙江省), its name."""
    data = _load("policies.json")
    national = data["national"]
    provinces = data["provinces"]
    own = provinces.get(province)
    if own is None:  # a province loaded under its code whose policy the seeds give under its name
        name = next((a.province for a in authorities().values() if a.province_code == province), None)
        own = next((v for v in provinces.values() if name is not None and v.get("name") == name), {})
    default = process(national["processes"][-1])
    processes = tuple(process(p, default) for p in [*own.get("processes", []), *national["processes"][:-1]])
    rules = tuple(_rule(r) for r in [*national["rules"], *own.get("rules", [])])
    return Policy(province, rules, (*processes, default), pickup(own.get("pickup")))


# Full-width and ASCII brackets, commas and enumeration marks, and spaces are written every which
# way; the qualification is the same.
_SPELLING = str.maketrans({"(": "（", ")": "）", ",": "、", "，": "、", " ": None, "\u3000": None})


def _spelled(name: str) -> str:
    return name.translate(_SPELLING).strip()


@cache
def _abolished_by_spelling() -> dict[str, str]:
    table: dict[str, str] = {}
    for entry in _load("abolished.json")["qualifications"]:
        for spelling in (entry["name"], *entry["also"]):
            table[_spelled(spelling)] = entry["name"]
    return table


def abolished_qualifications() -> frozenset[str]:
    """The 15 abolished qualifications, as seed 004 names them."""
    return frozenset(_abolished_by_spelling().values())


def abolished_qualification(name: str) -> str | None:
    """The seed's name of the abolished qualification `name` is written for, however a clerk
    writes it (brackets, level, alternative name); None if it is not one of the 15."""
    return _abolished_by_spelling().get(_spelled(name))


def default_catalog() -> dict[str, Any]:
    return _load("catalog-2021.json")
