"""Proofs: written, score-pass and qualification proofs of a certificate."""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.domain import Aggregate

from ledger.app_base import Actor
from ledger.app_issuance import REQUEST_FOR
from ledger.app_requests import RequestWorkflow
from ledger.documents import Certificate, Proof, ProofKind, Replacement
from ledger.errors import RuleViolation
from ledger.projections import proof_view
from ledger.service_request import RequestKind, RequestStage
from ledger.views import ProofView

CLOSED_STAGES = (RequestStage.REJECTED, RequestStage.COMPLETED, RequestStage.DELIVERED)


class Proofs(RequestWorkflow):
    def prove(self, actor: Actor, number: str, kind: ProofKind, reason: str = "lost",
              request: str | None = None, corrections: Mapping[str, str] | None = None) -> ProofView:
        cert = self._current(number)
        proof, extra = self._prove(actor, cert, kind, reason, request, corrections)
        self._save(cert, proof, *extra)
        return proof_view(proof)

    def _prove(self, actor: Actor, cert: Certificate, kind: ProofKind, reason: str,
               request: str | None, corrections: Mapping[str, str] | None = None
               ) -> tuple[Proof, tuple[Aggregate, ...]]:
        """The new proof, and what changes with it: older proofs it supersedes, the request it completes."""
        if kind is ProofKind.SCORE_PASS and request:
            pending = self._request(request)
            if pending.certificate_number != cert.number or pending.stage in CLOSED_STAGES:
                raise RuleViolation("score-pass-needs-pending-reissue",
                                    f"request {request} is not a pending request for {cert.number}")
        at = self.now()
        proof = cert.prove(kind, reason, self.catalog(), actor.operator, actor.office, at,
                           request_number=request if kind is ProofKind.SCORE_PASS else None,
                           corrections=corrections)
        older = [p for p in (self._proof(e.number) for e in cert.proofs[:-1] if e.kind == kind.value)
                 if superseded_by(p, proof)]
        for previous in older:
            previous.supersede(proof, actor.operator, actor.office, at)
        req = None
        if kind is not ProofKind.SCORE_PASS:
            # A written proof ends the dead end of a reissue, exchange or correction request too.
            dead_end = (REQUEST_FOR[Replacement(reason)],) if kind is ProofKind.WRITTEN else ()
            req = self._complete_request(actor, request, cert.number, proof.number, (
                RequestKind.PROOF, RequestKind.QUALIFICATION, *dead_end))
        return proof, (*older, *((req,) if req else ()))


def superseded_by(previous: Proof, new: Proof) -> bool:
    """A newer proof replaces an older one of the same kind and purpose: a proof for a lost certificate
    stays current beside one for an overseas exchange. A correction proof replaces every earlier written
    proof, whose data it corrects."""
    if previous.kind != new.kind:
        return False
    return previous.reason == new.reason or (new.kind == ProofKind.WRITTEN.value
                                             and new.reason == Replacement.CORRECTION.value)
