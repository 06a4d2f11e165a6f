"""Office keys and the trust list: every key change is saved with the signed list that reflects it.

A key change (register, retire, revoke) and the trust list the publisher signs over the keys as
they stand after it are one atomic save: both or neither are recorded. The caller gives the
publisher (a function of the key views and the issue time to the JWS bytes); when it fails,
nothing is saved. An office changes only its own keys (谁的钥匙谁管): registering a key whose
certificate names another office, or retiring or revoking another office's key, is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.app_base import Actor, LedgerBase
from ledger.errors import AlreadyExists, InvalidInput, RuleViolation
from ledger.projections import key_view
from ledger.signing_key import SigningKey, signing_key_id
from ledger.trust_record import (
    TRUST_LIST_SERIES_ID,
    TrustListPublication,
    TrustListSeries,
    trust_list_publication_id,
)
from ledger.values import parse_text
from ledger.views import SigningKeyView

# The publisher: the keys as they will stand, and the list's issue time -> the signed list's bytes.
TrustListSigner = Callable[[Sequence[SigningKeyView], datetime], bytes]


@dataclass(frozen=True)
class RecordedTrustList:
    """A trust list on the record: its bytes as published, and whether it still reflects every key."""

    sequence: int
    data: bytes
    sha256: str
    issued_at: datetime
    operator: str
    office: str
    current: bool  # False when a key changed after it (stores from before lists were recorded)

    def to_dict(self) -> dict[str, object]:
        return {"sequence": self.sequence, "sha256": self.sha256, "issued_at": self.issued_at.isoformat(),
                "published_by": f"{self.operator} @ {self.office}", "current": self.current}


class KeyChanges(LedgerBase):
    def register_key(self, actor: Actor, kid: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                     not_before: datetime, not_after: datetime, *, office: str, publisher: TrustListSigner,
                     retire: str | None = None) -> SigningKeyView:
        """Record a new key of `office` (the office its certificate names); with `retire`, the old key's
        window ends in the same save (rotation). The trust list is published in that save."""
        if office != actor.office:
            raise RuleViolation("key-owner-only", f"office {actor.office} may not register a key certified for "
                                                  f"office {office}: an office installs only its own keys")
        if self._exists(signing_key_id(kid)):
            raise AlreadyExists(f"key {kid} is already registered")
        key = SigningKey.register(kid, actor.office, algorithm, public_key_pem, certificate_pem, not_before,
                                  not_after, actor.operator, self.now())
        old = None
        if retire:
            old = self._key(retire)
            old.retire(f"rotated to {kid}", actor.operator, actor.office, self.now())
        self._save_key_change(actor, publisher, key, *([old] if old else []))
        return key_view(key)

    def retire_key(self, actor: Actor, kid: str, reason: str, *, publisher: TrustListSigner) -> SigningKeyView:
        key = self._key(kid)
        key.retire(parse_text(reason, "reason", max_len=200), actor.operator, actor.office, self.now())
        self._save_key_change(actor, publisher, key)
        return key_view(key)

    def revoke_key(self, actor: Actor, kid: str, compromised_at: datetime, reason: str, *,
                   publisher: TrustListSigner) -> SigningKeyView:
        """Revoke a key from `compromised_at`. The same revocation again (same key, same time) is a retry:
        nothing new is recorded unless no recorded list reflects it yet, which is then published."""
        key = self._key(kid)
        key.require_owner(actor.office)
        if key.revoked is not None and key.revoked.compromised_at == compromised_at:
            if not self._reflects_every_key():
                self._save_key_change(actor, publisher)
            return key_view(key)
        key.revoke(compromised_at, reason, actor.operator, actor.office, self.now())
        self._save_key_change(actor, publisher, key)
        return key_view(key)

    def publish_trust_list(self, actor: Actor, publisher: TrustListSigner) -> RecordedTrustList:
        """Sign and record a fresh list of the keys as they stand (no key changes)."""
        self._save_key_change(actor, publisher)
        latest = self.latest_trust_list()
        assert latest is not None
        return latest

    def latest_trust_list(self) -> RecordedTrustList | None:
        """The trust list recorded last, or None before any was recorded."""
        series = self._series()
        if series is None:
            return None
        publication: TrustListPublication = self._get(trust_list_publication_id(series.sequence),
                                                      f"trust list {series.sequence}")
        current = publication.key_versions == {k.kid: k.version for k in self._key_aggregates()}
        return RecordedTrustList(publication.sequence, publication.jws.encode("ascii"), publication.sha256,
                                 publication.published.at, publication.published.operator,
                                 publication.published.office, current)

    def trust_list_sequence(self) -> int | None:
        """The number of the latest recorded trust list (a small read: what a service polls)."""
        series = self._series()
        return None if series is None else series.sequence

    def recorded_trust_list(self, sequence: int) -> bytes:
        """The signed bytes of recorded trust list `sequence`."""
        publication: TrustListPublication = self._get(trust_list_publication_id(sequence), f"trust list {sequence}")
        return publication.jws.encode("ascii")

    # ----------------------------------------------------------------- internals
    def _save_key_change(self, actor: Actor, publisher: TrustListSigner, *changed: SigningKey,
                         also: Sequence[Aggregate] = ()) -> None:
        # The series first: a key change another writer saves after this read advances it, so this save
        # then conflicts instead of recording a list that misses that change.
        series = self._series()
        keys = {k.kid: k for k in self._key_aggregates()}
        keys.update({k.kid: k for k in changed})
        at = self.now()
        views = [key_view(k) for k in sorted(keys.values(), key=lambda k: k.kid)]
        data = publisher(views, at)
        if not isinstance(data, bytes) or not data.isascii() or not data:
            raise InvalidInput("trust_list", "the publisher returned no compact JWS")
        sha256 = hashlib.sha256(data).hexdigest()
        if series is None:
            series = TrustListSeries.start(sha256, actor.operator, actor.office, at)
        else:
            series.advance(sha256, actor.operator, actor.office, at)
        publication = TrustListPublication.publish(series.sequence, data.decode("ascii"), sha256,
                                                   {kid: k.version for kid, k in keys.items()}, actor.operator,
                                                   actor.office, at)
        self._save(*changed, *also, series, publication, duplicate=None)

    def _reflects_every_key(self) -> bool:
        latest = self.latest_trust_list()
        return latest is not None and latest.current

    def _series(self) -> TrustListSeries | None:
        try:
            return self.repository.get(TRUST_LIST_SERIES_ID)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _key_aggregates(self) -> list[SigningKey]:
        return [self.repository.get(i) for i in self._ids_created_as(SigningKey.Registered)]
