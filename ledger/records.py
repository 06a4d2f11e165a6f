"""Typed, frozen values of aggregate state: built by the `@event` methods from the stored primitives
(the stored JSON does not change), shared as they are with the read views (nothing in them can be
changed), and turned back into the dicts the views always showed by `to_dict()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID


def frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only deep copy of a mapping of primitives (nested mappings and lists included)."""
    return MappingProxyType({k: _frozen(v) for k, v in value.items()})


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return frozen_mapping(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def thawed(value: Any) -> Any:
    """Plain dicts and lists again, as the views' JSON always showed them."""
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Acting:
    """Who did it and when: an operator of an office, at the ledger's time."""

    operator: str
    office: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator, "office": self.office, "at": self.at}


@dataclass(frozen=True, slots=True)
class EditionSuperseded:
    """A certificate edition replaced by the next one."""

    by: UUID
    by_edition: int
    reason: str
    operator: str
    office: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "by_edition": self.by_edition, "reason": self.reason, "operator": self.operator,
                "office": self.office, "at": self.at}


@dataclass(frozen=True, slots=True)
class ProofSuperseded:
    """A proof replaced by a newer proof of the same kind for the same certificate."""

    by: UUID
    by_number: str
    operator: str
    office: str
    at: datetime

    @property
    def reason(self) -> None:
        """A proof's supersession records no reason (an edition's does)."""
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "by_number": self.by_number, "operator": self.operator, "office": self.office,
                "at": self.at}


@dataclass(frozen=True, slots=True)
class Revocation:
    reason: str
    operator: str
    office: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "operator": self.operator, "office": self.office, "at": self.at}


@dataclass(frozen=True, slots=True)
class Signature:
    """A signed rendering of a document, known by its file's SHA-256; `signed_at` is the ledger's time."""

    sha256: str
    key_id: str
    signed_at: datetime
    token: str
    operator: str

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "key_id": self.key_id, "signed_at": self.signed_at, "token": self.token,
                "operator": self.operator}


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str
    sha256: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "sha256": self.sha256, "name": self.name}


@dataclass(frozen=True, slots=True)
class Handover:
    kind: str
    details: Mapping[str, Any]  # read-only: what ledger.handover validated for this kind
    evidence: tuple[Evidence, ...]
    operator: str
    office: str
    at: datetime

    @classmethod
    def of(cls, kind: str, details: Mapping[str, Any], evidence: Iterable[Mapping[str, str]], operator: str,
           office: str, at: datetime) -> Handover:
        return cls(kind, frozen_mapping(details), tuple(Evidence(e["kind"], e["sha256"], e["name"]) for e in evidence),
                   operator, office, at)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "details": thawed(self.details), "evidence": [e.to_dict() for e in self.evidence],
                "operator": self.operator, "office": self.office, "at": self.at}


@dataclass(frozen=True, slots=True)
class ProofEntry:
    """A proof recorded for a certificate, as the certificate lists it."""

    id: UUID
    number: str
    kind: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "kind": self.kind, "at": self.at}


@dataclass(frozen=True, slots=True)
class Correction:
    """One corrected field of a correction exchange: its old and new value."""

    field: str
    old: Any
    new: Any

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> Correction:
        return cls(stored["field"], stored["old"], stored["new"])

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class Review:
    approved: bool
    reason: str
    checks: tuple[tuple[str, bool], ...]  # (check, passed), in the order recorded
    operator: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"approved": self.approved, "reason": self.reason, "checks": dict(self.checks),
                "operator": self.operator, "at": self.at}


@dataclass(frozen=True, slots=True)
class RequestStep:
    stage: str
    on: date
    operator: str

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "on": self.on, "operator": self.operator}


@dataclass(frozen=True, slots=True)
class Delivery:
    on: date
    how: str
    operator: str

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on, "how": self.how, "operator": self.operator}


@dataclass(frozen=True, slots=True)
class KeyRetirement:
    reason: str
    operator: str
    at: datetime


@dataclass(frozen=True, slots=True)
class KeyRevocation:
    compromised_at: datetime
    reason: str
    operator: str
    at: datetime
