"""What Zhejiang's offices need (seed 003): their province's authority table loaded from a file, as the
catalog is, and pickup notices (领取证书通知) with their clocks.

- An authority table (codes, names, phones, addresses) is recorded once per province; every later opening of
  the ledger adds it to the shipped tables (which stay the seeds' two provinces).
- A pickup notice lists the certificates an office has published for collection (申请条件：领取证书通知已发布且
  在公布名单中). They are to be collected within 10 working days of the notice, or for national exams within 30
  after the blank certificates arrived (seed 003 十三); a listed certificate nobody collected by then is
  overdue.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.app_base import Actor, LedgerBase
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, ActedCreated
from ledger.records import Handover
from ledger.reference import acts_for, policy, register_authority_table
from ledger.views import RequestView


class AuthorityTable(Aggregate):
    """A province's authority table an office loaded (seed 003 gives Zhejiang's offices no table)."""

    class Loaded(ActedCreated):
        province: str
        table: dict[str, Any]
        sha256: str

    def __init__(self, province: str, table: dict[str, Any], sha256: str) -> None:
        self.province = province
        self.table = table
        self.sha256 = sha256


class PickupNotice(Aggregate):
    """领取证书通知: the certificates published for collection, and by when."""

    class Published(ActedCreated):
        number: str
        published_on: date
        certificates: list[str]
        national_exam: bool
        blanks_arrived_on: date | None
        due: date
        provisional: bool

    def __init__(self, number: str, published_on: date, certificates: list[str], national_exam: bool,
                 blanks_arrived_on: date | None, due: date, provisional: bool, office: str) -> None:
        self.number = number
        self.office = office
        self.published_on = published_on
        self.certificates = list(certificates)
        self.national_exam = national_exam
        self.blanks_arrived_on = blanks_arrived_on
        self.due = due
        self.provisional = provisional


@dataclass(frozen=True)
class UncollectedView:
    """A certificate on a pickup notice nobody collected by the notice's due date."""

    notice: str
    certificate_number: str
    published_on: date
    due: date
    office: str = ""  # the office that published the notice

    def to_dict(self) -> dict[str, Any]:
        return {"notice": self.notice, "certificate_number": self.certificate_number,
                "published_on": self.published_on.isoformat(), "due": self.due.isoformat(), "office": self.office}

    def to_overdue_entry(self) -> dict[str, Any]:
        """As an entry of the overdue list beside the requests: kind pickup, stage uncollected."""
        return {"kind": "pickup", "stage": "uncollected", "number": self.notice, **self.to_dict()}


@dataclass(frozen=True)
class OverdueList:
    """One office's overdue list: the requests past their due date (or legal limit) and the certificates on
    its pickup notices nobody collected in time (seed 003 五: 未领取证书列入逾期清单)."""

    requests: tuple[RequestView, ...]
    uncollected: tuple[UncollectedView, ...]

    def to_list(self) -> list[dict[str, Any]]:
        return [v.to_dict() for v in self.requests] + [u.to_overdue_entry() for u in self.uncollected]


def table_id(province: str) -> UUID:
    return uuid5(NAMESPACE, f"authority-table/{province}")


class Pickups(LedgerBase):
    def load_authority_table(self, actor: Actor, table: Mapping[str, Any]) -> str:
        """Record a province's authority table (its code, name and offices); returns the province code. The
        caller registers it first (register_authority_table) when the acting office is in it."""
        content = json.loads(json.dumps(dict(table), ensure_ascii=False))
        province = register_authority_table(content)
        if actor.office[:2] != province:
            raise RuleViolation("authority-table-own-province",
                                f"office {actor.office} loads its own province's table, not {province}'s")
        digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        loaded = AuthorityTable._create(AuthorityTable.Loaded, id=table_id(province), province=province,
                                        table=content, sha256=digest, operator=actor.operator,
                                        office=actor.office, at=self.now())
        self._save(loaded, duplicate=f"the authority table of province {province} is already loaded")
        return province

    def register_loaded_tables(self) -> list[str]:
        """Add every recorded authority table to the shipped ones (done when the ledger opens)."""
        provinces = []
        for notification in self._notifications(AuthorityTable.Loaded):
            loaded = self.mapper.to_domain_event(notification)
            provinces.append(register_authority_table(loaded.table))  # type: ignore[attr-defined]
        return provinces

    def publish_pickup(self, actor: Actor, certificates: Sequence[str], national_exam: bool = False,
                       blanks_arrived_on: date | None = None, published_on: date | None = None) -> str:
        """Publish a pickup notice; returns its number. For national exams the clock runs from the blank
        certificates' arrival."""
        limits = policy(actor.office[:2]).pickup
        if limits is None:
            raise RuleViolation("no-pickup-limits", f"province {actor.office[:2]} sets no pickup time limits")
        if not certificates or len(set(certificates)) != len(certificates):
            raise InvalidInput("certificates", "name each certificate on the notice once")
        for number in certificates:
            cert = self._current(number)
            if not acts_for(actor.office, cert.data.authority):
                raise RuleViolation("issuing-authority-only", f"certificate {number} is not office "
                                                              f"{actor.office}'s to publish")
            handed = self._collected(number)
            if handed is not None:
                raise RuleViolation("pickup-already-collected", (
                    f"certificate {number} was collected ({handed.kind} handover on {handed.at:%Y-%m-%d}): a pickup "
                    "notice lists certificates waiting for collection (seed 003: 在公布名单中, 领取后签字确认)"))
        if national_exam and blanks_arrived_on is None:
            raise InvalidInput("blanks_arrived_on", "a national exam's clock runs from the blank certificates' "
                                                    "arrival (全国统考证书自空白证书送达后30个工作日)")
        on = published_on or self.today()
        due = limits.due(blanks_arrived_on if national_exam and blanks_arrived_on else on, national_exam)
        number = f"PN-{actor.office}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"
        notice = PickupNotice._create(
            PickupNotice.Published, id=uuid5(NAMESPACE, f"pickup/{number}"), number=number, published_on=on,
            certificates=[self._current(n).number for n in certificates], national_exam=national_exam,
            blanks_arrived_on=blanks_arrived_on, due=due.day, provisional=due.provisional,
            operator=actor.operator, office=actor.office, at=self.now())
        self._save(notice)
        return number

    def _collected(self, number: str) -> Handover | None:
        """The first handover of any edition of the certificate (None: never collected)."""
        return next((h for e in self._editions(number) for h in e.handovers), None)

    def uncollected(self, today: date | None = None) -> list[UncollectedView]:
        """Certificates on a pickup notice still not handed over after its due date (the overdue list)."""
        day = today or self.today()
        out = []
        for notice_id in self._ids_created_as(PickupNotice.Published):
            notice: PickupNotice = self.repository.get(notice_id)
            if day <= notice.due:
                continue
            for number in notice.certificates:
                if self._collected(number) is None:
                    out.append(UncollectedView(notice.number, number, notice.published_on, notice.due,
                                               notice.office))
        return out
