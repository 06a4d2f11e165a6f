"""What every aggregate module shares: the ids' namespace, China's calendar, the base event that
names who acted and when, and the topics events were stored under before their classes moved."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, register_topic

from ledger.errors import RuleViolation
from ledger.reference import acts_for, authority

NAMESPACE = UUID("3f1b6c0e-7d1a-5c43-9a55-6c6564676572")
CHINA = ZoneInfo("Asia/Shanghai")  # offices work on China's calendar, events carry UTC instants


class Acted(Aggregate.Event):
    """Who acted and when: the operator, their office and the ledger's time of the command.

    Every event recorded on an office's command inherits these (stored under these names). The
    exceptions keep their stored shape: Document.Signed (its time is `signed_at`), and events no
    operator commands (SignedFile.Recorded, an index; Catalog.Started).
    """

    operator: str
    office: str
    at: datetime


class ActedCreated(Acted, Aggregate.Created):
    """The first event of an aggregate an office's command creates."""


_OLD_TOPICS: dict[type, list[str]] = {}


def keep_old_topic(topic: str, cls: type) -> None:
    """A class moved: events stored under its old topic still resolve to it, and topic queries find them."""
    register_topic(topic, cls)
    _OLD_TOPICS.setdefault(cls, []).append(topic)


def keep_old_topics(module: str, *aggregates: type) -> None:
    """Keep `module:qualname` for each aggregate class and every event class nested in it."""
    for cls in aggregates:
        keep_old_topic(f"{module}:{cls.__qualname__}", cls)
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and value.__qualname__.startswith(
                    cls.__qualname__ + "."):
                keep_old_topic(f"{module}:{value.__qualname__}", value)


def topics_of(cls: type) -> list[str]:
    """Every topic events of `cls` are stored under: its own, then any it had before it moved."""
    return [get_topic(cls), *_OLD_TOPICS.get(cls, [])]


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA).date()


class Status(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"



def require_office_of(authority_code: str, office: str, what: str) -> None:
    if not acts_for(office, authority_code):
        issuer = authority(authority_code)
        raise RuleViolation(
            "issuing-authority-only",
            f"office {office} may not act on {what}: only its issuing authority {authority_code} "
            f"({issuer.office}) may (谁发证谁负责)",
        )
