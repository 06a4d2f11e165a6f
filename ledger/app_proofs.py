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
from ledger.proof_rules import check_issuer
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
        check_issuer(cert, kind.value, actor.office)  # who issues it, before what it answers
        if kind is ProofKind.SCORE_PASS and request:
            self._check_score_pass_request(actor, request, cert.number)
        if kind is ProofKind.QUALIFICATION and request:
            self._check_qualification_request(actor, request)
        at = self.now()
        proof = cert.prove(kind, reason, self.catalog(), actor.operator, actor.office, at,
                           request_number=request if kind is not ProofKind.WRITTEN else None,
                           corrections=corrections)
        older = [p for p in (self._proof(e.number) for e in cert.proofs[:-1] if e.kind == kind.value)
                 if superseded_by(p, proof)]
        for previous in older:
            previous.supersede(proof, actor.operator, actor.office, at)
        # A written proof ends the dead end of a reissue, exchange or correction request too; a score-pass
        # proof completes its own request, and the reissue request filed with it runs on.
        dead_end = (REQUEST_FOR[Replacement(reason)],) if kind is ProofKind.WRITTEN else ()
        req = self._complete_request(actor, request, cert.number, proof.number, (
            RequestKind.PROOF, RequestKind.QUALIFICATION, RequestKind.SCORE_PASS, *dead_end))
        return proof, (*older, *((req,) if req else ()))

    def _check_score_pass_request(self, actor: Actor, request: str, certificate: str) -> None:
        """A score-pass proof answers the city's score-pass request, reviewed and referred to this centre."""
        pending = self._request(request)
        if pending.certificate_number != certificate or pending.stage in CLOSED_STAGES:
            raise RuleViolation("score-pass-needs-pending-reissue",
                                f"request {request} is not a pending request for {certificate}")
        if pending.kind != RequestKind.SCORE_PASS or pending.referred_to != actor.office:
            raise RuleViolation(
                "score-pass-needs-referred-request",
                f"request {request} is a {pending.kind} request {pending.stage} at {pending.office}: the centre "
                "issues a score-pass proof on the city's score-pass request once the city has reviewed it and "
                "sent it on (鲁人社函〔2020〕24号 二(二)1)",
                remedy=f"at office {pending.office}: certledger request refer SQ-… (after its review)")

    def _check_qualification_request(self, actor: Actor, request: str) -> None:
        """A qualification proof answers a request the city sent through the reissue process: the monthly
        batch (各市须按证书补换流程报送相关材料、数据, seed 004 二(二)2)."""
        pending = self._request(request)
        if pending.kind != RequestKind.QUALIFICATION or pending.sent_to != actor.office:
            raise RuleViolation(
                "qualification-needs-forwarded-request",
                f"request {request} is a {pending.kind} request {pending.stage} at {pending.office}, not forwarded "
                f"to {actor.office}: cities send a qualification request's materials and data through the "
                "reissue process, in the monthly batch (鲁人社函〔2020〕24号 二(二)2)",
                remedy=f"at office {pending.office}: review it, then certledger batch export; the centre imports")


def superseded_by(previous: Proof, new: Proof) -> bool:
    """A newer proof replaces an older one of the same kind and purpose: a proof for a lost certificate
    stays current beside one for an overseas exchange. A correction proof replaces every earlier written
    proof, whose data it corrects."""
    if previous.kind != new.kind:
        return False
    return previous.reason == new.reason or (new.kind == ProofKind.WRITTEN.value
                                             and new.reason == Replacement.CORRECTION.value)
