"""Queries over documents and requests: show, an edition, as of a time, history, counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.app_repair import LogRepairs
from ledger.docref import DocumentReference, NumberKind, kind_of_number, normalise_number
from ledger.documents import Certificate, certificate_id, proof_id
from ledger.errors import NotFound
from ledger.projections import certificate_view, proof_view, request_view
from ledger.summaries import event_time, event_view
from ledger.views import CertificateView, EventView, ProofView, RequestView


class Queries(LogRepairs):
    def show(self, number: str) -> CertificateView | ProofView | RequestView:
        text = normalise_number(number)
        kind = kind_of_number(text)
        if kind is NumberKind.REQUEST:
            return request_view(self._request(text), self.today())
        if kind is NumberKind.PROOF:
            return proof_view(self._proof(text))
        editions = self._editions(text)
        return certificate_view(editions[-1], editions=len(editions))

    def edition(self, number: str, edition: int) -> CertificateView:
        cert = self._get(certificate_id(normalise_number(number), edition), f"edition {edition} of {number}")
        return certificate_view(cert)

    def as_of(self, number: str, when: datetime) -> CertificateView | ProofView:
        """A certificate or proof as the ledger knew it at `when` (events recorded up to then)."""
        text = normalise_number(number)
        if kind_of_number(text) is NumberKind.PROOF:
            return proof_view(self._at_time(proof_id(text), when, f"proof {text}"))
        cert: Certificate = self._at_time(certificate_id(text, 1), when, f"certificate {text}")
        while cert.superseded is not None:
            cert = self._at_time(cert.superseded.by, when, f"the next edition of {text}")
        return certificate_view(cert)

    def _at_time(self, aggregate_id: UUID, when: datetime, what: str) -> Any:
        """The aggregate at its last version recorded up to `when`."""
        version = sum(1 for e in self.events.get(aggregate_id) if event_time(e) <= when)
        if version == 0:
            raise NotFound(f"{what} did not exist yet at {when.isoformat()}")
        return self.repository.get(aggregate_id, version=version)

    def history(self, number: str, as_of: datetime | None = None) -> list[EventView]:
        """Every event of a certificate (all editions and its proofs) or of a proof, oldest first."""
        text = normalise_number(number)
        kind = kind_of_number(text)
        if kind is NumberKind.PROOF:
            streams = [(text, self._proof(text).id)]
        elif kind is NumberKind.REQUEST:
            streams = [(text, self._request(text).id)]
        else:
            editions = self._editions(text)
            streams = [(str(DocumentReference.certificate(text, c.edition)), c.id) for c in editions]
            streams += [(p.number, p.id) for c in editions for p in c.proofs]
        out = [event_view(label, e) for label, aggregate_id in streams for e in self.events.get(aggregate_id)
               if as_of is None or event_time(e) <= as_of]
        if self.translog is not None:
            out = self._marked(out, dict(streams))
        return sorted(out, key=lambda v: (v.at, v.version > 1))  # a new edition before the old one's supersession

    def count_events(self) -> int:
        return self.recorder.max_notification_id() or 0


    def _marked(self, views: list[EventView], ids: dict[str, UUID]) -> list[EventView]:
        """An event no save wrote says so in its line: not in the log at all, or brought in by a repair."""
        assert self.translog is not None
        log, repaired = self.translog, self.brought_in()
        out = []
        for v in views:
            key = (ids[v.document], v.version)
            repair = repaired.get(key)
            if repair is not None:
                v = replace(v, summary=f"{v.summary} [no save wrote this event: brought into the log by "
                                       f"{repair.describe()}]")
            elif log.position_of(key[0], key[1]) is None:
                v = replace(v, summary=f"{v.summary} [NOT IN THE LOG: no save wrote this event; audit verify "
                                       "names it]")
            out.append(v)
        return out
