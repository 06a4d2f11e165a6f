"""The trust lists on the record: each signed list is an event saved with the key change it reflects.

Two aggregates, so the head stays small however large the lists grow:
`TrustListSeries` (one per ledger) says which publication is the latest; each
`TrustListPublication` holds one signed list (the JWS exactly as published) and the version of
every key aggregate it reflects. Advancing the series is what serialises publications: two key
changes that raced from the same head give one success and one conflict, so no published list
misses a change another writer recorded meanwhile.

The ledger does not read the JWS (it imports nothing of keys): verifiers check it against the
pinned root; the ledger keeps what was published, when, by whom, and for which key states.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.events import NAMESPACE, Acted, ActedCreated
from ledger.records import Acting

TRUST_LIST_SERIES_ID = uuid5(NAMESPACE, "trust-list")


def trust_list_publication_id(sequence: int) -> UUID:
    return uuid5(NAMESPACE, f"trust-list/{sequence}")


class TrustListSeries(Aggregate):
    """Which recorded trust list is the latest."""

    class Started(ActedCreated):
        sequence: int
        sha256: str

    class Advanced(Acted):
        sequence: int
        sha256: str

    def __init__(self, sequence: int, sha256: str, operator: str, office: str, at: datetime) -> None:
        self.sequence = sequence
        self.sha256 = sha256
        self.latest_by = Acting(operator, office, at)

    @classmethod
    def start(cls, sha256: str, operator: str, office: str, at: datetime) -> TrustListSeries:
        return cls._create(cls.Started, id=TRUST_LIST_SERIES_ID, sequence=1, sha256=sha256, operator=operator,
                           office=office, at=at)

    def advance(self, sha256: str, operator: str, office: str, at: datetime) -> None:
        self._advanced(sequence=self.sequence + 1, sha256=sha256, operator=operator, office=office, at=at)

    @event(Advanced)
    def _advanced(self, sequence: int, sha256: str, operator: str, office: str, at: datetime) -> None:
        self.sequence = sequence
        self.sha256 = sha256
        self.latest_by = Acting(operator, office, at)


class TrustListPublication(Aggregate):
    """One signed trust list as published, and the key versions it reflects."""

    class Published(ActedCreated):
        sequence: int
        jws: str
        sha256: str
        key_versions: dict[str, int]

    def __init__(self, sequence: int, jws: str, sha256: str, key_versions: dict[str, int], operator: str,
                 office: str, at: datetime) -> None:
        self.sequence = sequence
        self.jws = jws
        self.sha256 = sha256
        self.key_versions = dict(key_versions)
        self.published = Acting(operator, office, at)

    @classmethod
    def publish(cls, sequence: int, jws: str, sha256: str, key_versions: dict[str, int], operator: str,
                office: str, at: datetime) -> TrustListPublication:
        return cls._create(cls.Published, id=trust_list_publication_id(sequence), sequence=sequence, jws=jws,
                           sha256=sha256, key_versions=key_versions, operator=operator, office=office, at=at)
