"""Custody: handing documents over, and where a document is now and how it got there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ledger.app_base import Actor, LedgerBase
from ledger.blobs import BlobState
from ledger.docref import NumberKind, kind_of_number, normalise_number
from ledger.documents import Document, HandoverKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import china_date
from ledger.handover import parse_handover
from ledger.proof import Proof
from ledger.records import EditionSuperseded
from ledger.reference import authority
from ledger.service_request import ServiceRequest
from ledger.summaries import custody
from ledger.views import EvidenceView, Step, WhereView


class Custody(LedgerBase):
    def hand_over(self, actor: Actor, numbers: Sequence[str], kind: HandoverKind, details: Mapping[str, Any],
                  evidence: Sequence[tuple[str, Path]] = (), request: str | None = None) -> list[WhereView]:
        """Record a handover; `request`: the service request it delivers (送达), in the same save, so the
        request's delivery step names this handover and delivery is recorded once."""
        if not numbers:
            raise InvalidInput("numbers", "name at least one document")
        if len(set(numbers)) != len(numbers):
            raise InvalidInput("numbers", "names a document twice")
        documents = [self._document(n) for n in numbers]
        parsed = parse_handover(kind, details, [d.data for d in documents], [k for k, _ in evidence])
        for path in (p for _, p in evidence):
            if not Path(path).is_file():
                raise InvalidInput("evidence", f"no such file: {path}")
        if self.blobs is None and evidence:
            raise InvalidInput("evidence", "no attachment store is configured")
        for doc in documents:  # every rule before any file is stored
            doc.check_may_hand_over(actor.office)
        req = self._request_delivered_by(request, documents, actor.office) if request else None
        attached = [{"kind": k, "sha256": self.blobs.put_file(p), "name": Path(p).name}  # type: ignore[union-attr]
                    for k, p in evidence]
        at = self.now()
        for doc in documents:
            doc.hand_over(kind, parsed, attached, actor.operator, actor.office, at)
        if req is not None:
            doc = next(d for d in documents if _number(d) == req.result_number)
            req.deliver(china_date(at), f"{kind.label}（{kind.value}）", actor.operator, actor.office, at,
                        handover=f"{_number(doc)}#{len(doc.handovers)}")
        self._save(*documents, req)
        return [self.where(n) for n in numbers]

    def _request_delivered_by(self, number: str, documents: Sequence[Document], office: str) -> ServiceRequest:
        req = self._request(number)
        if req.result_number not in {_number(d) for d in documents}:
            result = req.result_number or "nothing yet"
            raise RuleViolation("request-mismatch", f"request {req.number} delivers {result}, which is not among "
                                                    "the documents handed over")
        req.check_may_deliver(office)
        return req

    def where(self, number: str) -> WhereView:
        """Where a document is now and how it got there; for a certificate, across its editions."""
        text = normalise_number(number)
        documents: list[Document] = (
            [self._proof(text)] if kind_of_number(text) is NumberKind.PROOF else list(self._editions(text)))
        trail: list[Step] = []
        state = ("office", "", documents[-1].issued_by.at)
        for doc in documents:
            state = self._trail_of(doc, trail)
        current = documents[-1]
        return WhereView(current.label, current.status, *state, tuple(trail))

    def _trail_of(self, doc: Document, trail: list[Step]) -> tuple[str, str, Any]:
        """Append one document's steps to `trail`; returns its (custody, location, since) at the end."""
        issued = doc.issued_by
        held, since = "office", issued.at
        location = f"at the issuing office {authority(doc.issuing_authority).office}"
        trail.append(Step(issued.at, f"{doc.label} issued by {issued.office} ({issued.operator})"))
        for h in doc.handovers:
            evidence = tuple(EvidenceView(e["kind"], e["sha256"], e["name"], self._blob_state(e["sha256"]))
                             for e in h.evidence)
            held, location = custody(h.kind, h.details)
            since = h.at
            trail.append(Step(h.at, f"{HandoverKind(h.kind).label}: {location} (by {h.operator})", evidence))
        sup = doc.superseded
        if sup is not None:
            how = sup.reason if isinstance(sup, EditionSuperseded) else f"by {sup.by_number}"
            trail.append(Step(sup.at, f"{doc.label} superseded ({how})"))
        if doc.revoked:
            trail.append(Step(doc.revoked.at, f"{doc.label} revoked: {doc.revoked.reason}"))
        return held, location, since

    def _blob_state(self, sha256: str) -> str:
        return (self.blobs.check(sha256) if self.blobs is not None else BlobState.MISSING).value


def _number(doc: Document) -> str:
    """The number a request names a document by: a proof's number, a certificate's number."""
    return doc.number if isinstance(doc, Proof) else doc.data.number
