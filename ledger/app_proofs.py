"""Proofs: written, score-pass and qualification proofs of a certificate."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger.app_base import Actor
from ledger.app_requests import RequestWorkflow
from ledger.documents import Certificate, Proof, ProofKind
from ledger.errors import RuleViolation
from ledger.projections import proof_view
from ledger.service_request import RequestKind, RequestStage
from ledger.views import ProofView

CLOSED_STAGES = (RequestStage.REJECTED, RequestStage.COMPLETED, RequestStage.DELIVERED)


class Proofs(RequestWorkflow):
    def prove(self, actor: Actor, number: str, kind: ProofKind, reason: str = "lost",
              request: str | None = None) -> ProofView:
        cert = self._current(number)
        proof, extra = self._prove(actor, cert, kind, reason, request)
        self._save(cert, proof, *extra)
        return proof_view(proof)

    def _prove(self, actor: Actor, cert: Certificate, kind: ProofKind, reason: str,
               request: str | None) -> tuple[Proof, tuple[Aggregate, ...]]:
        """The new proof, and what changes with it: older proofs it supersedes, the request it completes."""
        if kind is ProofKind.SCORE_PASS and request:
            pending = self._request(request)
            if pending.certificate_number != cert.number or pending.stage in CLOSED_STAGES:
                raise RuleViolation("score-pass-needs-pending-reissue",
                                    f"request {request} is not a pending request for {cert.number}")
        at = self.now()
        proof = cert.prove(kind, reason, self.catalog(), actor.operator, actor.office, at,
                           request_number=request if kind is ProofKind.SCORE_PASS else None)
        older = [self._proof(p.number) for p in cert.proofs[:-1] if p.kind == kind.value]
        for previous in older:
            previous.supersede(proof, actor.operator, actor.office, at)
        req = None
        if kind is not ProofKind.SCORE_PASS:
            req = self._complete_request(actor, request, cert.number, proof.number, (
                RequestKind.PROOF, RequestKind.QUALIFICATION))
        return proof, (*older, *((req,) if req else ()))
