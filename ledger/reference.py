"""Reference data shipped with the ledger: issuing authorities, province policies,
the abolished qualifications. Loaded once, read-only."""

from __future__ import annotations

import json
from collections.abc import Mapping
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
    served_by: str = ""  # the office code that acts for this authority (seed 000: 济南 01 serves 12, 莱芜)

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def label(self) -> str:
        return f"{self.province}{self.area if self.code[2:] != '00' else ''} {self.office}".strip()


_LOADED: dict[str, dict[str, Any]] = {}  # province tables an office loaded (Zhejiang, seed 003), by code


def register_authority_table(table: dict[str, Any]) -> str:
    """Add a province's authority table (as authorities.json writes one, with its 2-digit `code`) to the
    shipped ones; returns the code. The seeds' provinces cannot be replaced."""
    code = str(table.get("code") or "")
    if len(code) != 2 or not code.isdigit():
        raise InvalidInput("code", f"a 2-digit province code, got {code!r}")
    if code in _load("authorities.json")["provinces"]:
        raise RuleViolation("authority-table-shipped", f"province {code} is shipped with the ledger (seeds 000, 001)")
    name = str(table.get("name") or "").strip()
    cities = table.get("cities")
    if not name or not isinstance(cities, dict) or not cities:
        raise InvalidInput("cities", "a province table names the province and at least one office")
    urls = table.get("lookup_urls") or []
    if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
        raise InvalidInput("lookup_urls", "a list of web addresses")
    checked = {ccode: _checked_city(ccode, city, cities) for ccode, city in cities.items()}
    sentence = _text_field(table.get("lookup_sentence"), "lookup_sentence")
    _LOADED[code] = {"name": name, "lookup_urls": list(urls), "cities": checked,
                     **({"lookup_sentence": {"text": sentence}} if sentence else {})}
    authorities.cache_clear()
    policy.cache_clear()
    return code


def _checked_city(ccode: str, city: Any, cities: Mapping[str, Any]) -> dict[str, Any]:
    """One office of a loaded table: its four required fields, and the optional ones as the shipped tables
    write them (hours as {"text"}, the office serving it a city code of the same table)."""
    if len(ccode) != 2 or not ccode.isdigit() or not isinstance(city, dict):
        raise InvalidInput("cities", f"city code {ccode!r}: 2 digits, with its office's data")
    for field in ("area", "office", "phone", "address"):
        value = city.get(field)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"cities.{ccode}.{field}", "required")
    if not isinstance(city.get("department", ""), str):
        raise InvalidInput(f"cities.{ccode}.department", "text")
    out = {k: city[k].strip() for k in ("area", "office", "phone", "address", "department") if k in city}
    hours = _text_field(city.get("hours"), f"cities.{ccode}.hours")
    if hours:
        out["hours"] = {"text": hours}
    served_by = city.get("served_by")
    if served_by is not None:
        if served_by not in cities or served_by == ccode:
            raise InvalidInput(f"cities.{ccode}.served_by", "another city code of the same table")
        out["served_by"] = served_by
    return out


def _text_field(value: Any, field: str) -> str:
    """A text the shipped tables write as {"text", "source"}: either form, or nothing."""
    text = value.get("text") if isinstance(value, dict) else value
    if text is not None and not isinstance(text, str):
        raise InvalidInput(field, "text, or {\"text\": …}")
    return (text or "").strip()


def forget_authority_tables() -> None:
    """Back to the shipped tables only (a test that loaded one)."""
    _LOADED.clear()
    authorities.cache_clear()
    policy.cache_clear()


@cache
def authorities() -> dict[str, Authority]:
    data = {**_load("authorities.json")["provinces"], **_LOADED}
    out: dict[str, Authority] = {}
    for pcode, prov in data.items():
        for ccode, city in prov["cities"].items():
            code = pcode + ccode
            out[code] = Authority(code, prov["name"], city["area"], city["office"],
                                  city["phone"], city["address"], tuple(prov["lookup_urls"]),
                                  city.get("department", ""), city.get("hours", {}).get("text", ""),
                                  prov.get("lookup_sentence", {}).get("text", ""),
                                  pcode + city["served_by"] if city.get("served_by") else "")
    return out


def acts_for(office: str, authority_code: str) -> bool:
    """Whether `office` acts for the issuing authority `authority_code`: it is that authority, or the office
    that serves it (seed 000 附件2/附件3: one 济南市人才服务中心 for Jinan 01 and Laiwu 12)."""
    if office == authority_code:
        return True
    served = authorities().get(authority_code)
    return served is not None and served.served_by == office


def serving_office(authority_code: str) -> str:
    """The office code that acts for an authority (itself, unless another office serves it)."""
    served = authorities().get(authority_code)
    return served.served_by if served is not None and served.served_by else authority_code


@dataclass(frozen=True, slots=True)
class ExaminationCentre:
    """A province's personnel examination centre (省人事考试中心, seed 004): it administers professional
    certificates, issues their score-pass and qualification proofs and takes the cities' monthly batches.
    It acts under its province's provincial office code (xx00)."""

    code: str
    office: str
    unit: str
    phone: str
    address: str
    department: str
    lookup_urls: tuple[str, ...]
    lookup_sentence: str  # where a professional certificate is looked up (中国人事考试网, seed 004 三)
    verification_mark: str  # what the ministry's lookup marks its result with
    source: str
    basis: str = ""  # the notice its proofs cite (Shandong: seed 004, 鲁人社函〔2020〕24号); none if no seed gives one


@cache  # shipped, read-only data: a verdict on a professional document asks on every first scan
def examination_centre(province: str) -> ExaminationCentre:
    """The examination centre of a province (its 2-digit code); refuses a province the tables lack."""
    data = _load("authorities.json")
    raw = data["provinces"].get(province, {}).get("examination_centre")
    if raw is None:
        raise RuleViolation("no-examination-centre",
                            f"the authority table of province {province!r} names no personnel examination centre")
    national = data["professional_lookup"]
    return ExaminationCentre(province + "00", raw["office"], raw.get("unit", ""), raw.get("phone", ""),
                             raw.get("address", ""), raw.get("department", ""), tuple(raw.get("lookup_urls", [])),
                             national["sentence"], national["verification_mark"], raw["source"], raw.get("basis", ""))


@dataclass(frozen=True)
class ProfessionalLookup:
    """The ministry's lookup of professional certificates (seed 004 三(一))."""

    site: str  # 中国人事考试网
    sentence: str
    verification_mark: str  # 人力资源和社会保障部人事考试中心提供查询结果
    provider: str  # 人力资源和社会保障部人事考试中心


@cache
def professional_lookup() -> ProfessionalLookup:
    national = _load("authorities.json")["professional_lookup"]
    mark = national["verification_mark"]
    return ProfessionalLookup(national["site"], national["sentence"], mark, mark.removesuffix("提供查询结果"))


def is_examination_centre(office: str, authority_code: str) -> bool:
    """Whether `office` is the examination centre of the province that `authority_code` belongs to."""
    return office[2:] == "00" and office[:2] == authority_code[:2]


@dataclass(frozen=True, slots=True)
class ServiceHall:
    """Where a province takes professional-certificate applications, and when (seed 002 办理信息)."""

    office: str
    address: str
    hours: str
    source: str


@cache
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
    style_before: tuple[date, str] | None = None  # (day, style): a record naming no style issued before the day
    materials: Mapping[str, Any] | None = None  # what an application carries, by office, channel and kind

    def materials_for(self, office: str, channel: str, kind: str) -> tuple[str, ...]:
        """The materials (kinds of attachment) a request must carry before it is accepted (seed 001 三)."""
        m = self.materials
        if not m or office[2:] not in m["cities"] or channel not in m["channels"]:
            return ()
        return tuple(m["kinds"].get(kind, ()))

    def default_style(self, issue_date: date) -> str | None:
        """The style a certificate issued then is taken to have when its record names none (None: no rule)."""
        if self.style_before is not None and issue_date < self.style_before[0]:
            return self.style_before[1]
        return None

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
    styled = own.get("default_style")
    style_before = (date.fromisoformat(styled["issued_before"]), styled["style"]) if styled else None
    return Policy(province, rules, (*processes, default), pickup(own.get("pickup")), style_before,
                  own.get("materials"))


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
