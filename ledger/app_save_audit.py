"""Wiring the signed saves' audit (ledger.audit_saves) to this application's store."""

from __future__ import annotations

from typing import Any

from ledger.app_base import LedgerBase
from ledger.audit_saves import REPAIR_TOPICS, CredentialChecks, SaveAudit, registry_from
from ledger.credential import Credential
from ledger.events import topics_of
from ledger.save_signing import read_signatures
from ledger.signing_key import SigningKey

_REGISTRY_EVENTS = (Credential.Enrolled, Credential.Revoked, SigningKey.Registered, SigningKey.Revoked)


class SaveAuditing(LedgerBase):
    def _save_audit(self, checks: CredentialChecks) -> SaveAudit:
        """The save audit for one pass: the signature rows, and what the store records about credentials, keys
        and repairs (a few events, read by topic and decoded by the library)."""
        topics = [t for cls in _REGISTRY_EVENTS for t in topics_of(cls)] + REPAIR_TOPICS
        found: list[Any] = []
        start = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=self.notification_page, topics=topics)
            found += page
            if len(page) < self.notification_page:
                break
            start = page[-1].id + 1
        registry = registry_from((n.id, self.mapper.to_domain_event(n)) for n in found)
        return SaveAudit(read_signatures(self.recorder, self.save_signatures.memory), registry, checks,
                         self._state_decoder())

    def _state_decoder(self) -> Any:
        cipher, compressor = self.mapper.cipher, self.mapper.compressor
        if cipher is None and compressor is None:
            return bytes

        def decode(state: bytes) -> bytes:
            if cipher is not None:
                state = cipher.decrypt(state)
            if compressor is not None:
                state = compressor.decompress(state)
            return state

        return decode
