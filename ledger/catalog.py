"""The versioned national occupation catalog (国家职业资格目录) the offices work with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInput, RuleViolation
from ledger.events import NAMESPACE, Acted, keep_old_topics
from ledger.values import normalise_occupation

CATALOG_ID = uuid5(NAMESPACE, "catalog")


class CatalogVersion:
    """One loaded version of the national occupation catalog."""

    __slots__ = ("version", "occupations", "sha256")

    def __init__(self, version: str, occupations: Sequence[str], sha256: str) -> None:
        self.version = version
        self.occupations = frozenset(normalise_occupation(o) for o in occupations)
        self.sha256 = sha256

    def contains(self, occupation: str) -> bool:
        """In the catalog by its own name, or by its occupation without the trade in brackets."""
        name = normalise_occupation(occupation)
        return name in self.occupations or name.split("（", 1)[0] in self.occupations


class Catalog(Aggregate):
    """The versioned national occupation catalog (国家职业资格目录) the office works with."""

    class Started(Aggregate.Created):
        pass

    class VersionLoaded(Acted):
        version: str
        title: str
        occupations: list[str]
        sha256: str

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, Any]] = {}
        self.current: str | None = None

    @classmethod
    def start(cls) -> Catalog:
        return cls._create(cls.Started, id=CATALOG_ID)

    def load(self, version: str, title: str, occupations: Sequence[str], sha256: str, operator: str,
             office: str, at: datetime) -> None:
        if not version.strip():
            raise InvalidInput("version", "required")
        names = [o.strip() for o in occupations if o and o.strip()]
        if not names:
            raise InvalidInput("occupations", "a catalog lists at least one occupation")
        if len(set(names)) != len(names):
            raise InvalidInput("occupations", "lists an occupation twice")
        known = self.versions.get(version)
        if known is not None:
            if known["sha256"] == sha256:
                raise RuleViolation("catalog-version-loaded", f"catalog version {version} is already loaded")
            raise RuleViolation("catalog-version-immutable",
                                f"catalog version {version} was loaded with other content; give it a new version")
        self._version_loaded(version=version, title=title, occupations=names, sha256=sha256,
                             operator=operator, office=office, at=at)

    @event(VersionLoaded)
    def _version_loaded(self, version: str, title: str, occupations: list[str], sha256: str, operator: str,
                        office: str, at: datetime) -> None:
        self.versions[version] = {"title": title, "occupations": occupations, "sha256": sha256, "at": at}
        self.current = version

    def current_version(self) -> CatalogVersion:
        if self.current is None:
            raise RuleViolation("catalog-missing", "no occupation catalog is loaded: certledger catalog load FILE")
        v = self.versions[self.current]
        return CatalogVersion(self.current, v["occupations"], v["sha256"])


keep_old_topics("ledger.domain", Catalog)  # stored while they lived in ledger.domain
