"""Typed, frozen values of aggregate state: built by the `@event` methods from the stored primitives
(the stored JSON does not change), shared as they are with the read views (nothing in them can be
changed), and turned back into the dicts the views always showed by `to_dict()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping (picklable, unlike a mappingproxy): the parts of a state value whose shape
    varies with its kind, such as a handover's details."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = {k: _frozen(v) for k, v in data.items()}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenMap(value)
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
class Handover:
    """The document left the office's hands (or changed hands): details and evidence as validated for its kind
    (evidence entries name a kind, and the stored file's sha256 and name)."""

    kind: str
    details: FrozenMap
    evidence: tuple[FrozenMap, ...]
    operator: str
    office: str
    at: datetime

    @classmethod
    def of(cls, kind: str, details: Mapping[str, Any], evidence: Iterable[Mapping[str, str]], operator: str,
           office: str, at: datetime) -> Handover:
        return cls(kind, FrozenMap(details), tuple(FrozenMap(e) for e in evidence), operator, office, at)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "details": thawed(self.details), "evidence": [thawed(e) for e in self.evidence],
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
    comparisons: tuple[Any, ...] = ()  # ledger.review.Comparison: each stated field against the record
    photo_attested: bool | None = None  # None: not attested (reviews before the attestation, or none given)
    outcome: str = ""  # hand-over-original: never collected, the original is handed over (seed 002)

    def to_dict(self) -> dict[str, Any]:
        out = {"approved": self.approved, "reason": self.reason, "checks": dict(self.checks),
               "operator": self.operator, "at": self.at}
        if self.comparisons:  # reviews recorded before the comparisons answer as they did
            out["comparisons"] = [c.to_dict() for c in self.comparisons]
        if self.photo_attested is not None:
            out["photo_attested"] = self.photo_attested
        if self.outcome:
            out["outcome"] = self.outcome
        return out


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
    handover: str = ""  # NUMBER#n: the document's n-th handover delivered it ("" when recorded on its own)

    def to_dict(self) -> dict[str, Any]:
        out = {"on": self.on, "how": self.how, "operator": self.operator}
        return {**out, "handover": self.handover} if self.handover else out


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


@dataclass(frozen=True, slots=True)
class Forwarding:
    """The batch a request was forwarded in."""

    batch_id: UUID
    batch: str
    file_name: str
    row: int
    operator: str
    office: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Photo:
    sha256: str
    operator: str
    at: datetime
