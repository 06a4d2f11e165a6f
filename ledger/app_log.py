"""The transparency log: checkpoints, the auditor's replay, and a document's inclusion proof."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from ledger.app_base import edition_of
from ledger.app_repair import LogRepairs
from ledger.app_save_audit import SaveAuditing, merged
from ledger.audit import Anchor, AuditReport, VerifyNote, VerifySignature, audit, events_from_recorder
from ledger.audit_saves import CredentialChecks
from ledger.docref import DocumentReference
from ledger.documents import Certificate, Proof
from ledger.errors import InvalidInput, RuleViolation
from ledger.translog import Checkpoint, SignHead, TransparencyLog


class LogQueries(SaveAuditing, LogRepairs):
    def _translog(self) -> TransparencyLog:
        if self.translog is None:
            raise RuleViolation("log-disabled", "the transparency log is not enabled for this ledger")
        return self.translog

    def take_checkpoint(self, sign: SignHead) -> Checkpoint:
        """Sign the log's head as a C2SP note (`sign(size, root) -> SignedHead`, the log key's, injected).
        Rows the log has not seen are not absorbed: `audit verify` names them, and only `audit repair` brings
        them in."""
        return self._translog().checkpoint(sign, self.now())

    def audit(self, verify_signature: VerifySignature, progress: Callable[[int], None] | None = None,
              credentials: CredentialChecks | None = None, *, verify_note: VerifyNote | None = None,
              anchors: Sequence[Anchor] = ()) -> AuditReport:
        """Replay every stored event against the log, the signed checkpoints (notes verified with
        `verify_note`, legacy ones with `verify_signature`) and the anchors kept outside the database; with
        `credentials` (the pinned root's checks), every save's signature and authority too (a forgery each)."""
        log = self._translog()
        saves = None if credentials is None else self._save_audit(credentials)
        beside = self._beside(saves) if saves is not None else None  # on SQLite: in a second process
        report = audit(events_from_recorder(self.recorder), log.store.leaves, log.size(), log.checkpoints(),
                       verify_signature, progress, verify_note=verify_note, anchors=anchors, repairs=self.repairs(),
                       saves=saves if beside is None else None)
        try:
            views = self.readmodel_check(report)  # type: ignore[attr-defined]  # ledger.app_readmodel
        except BaseException:
            if beside is not None:
                with contextlib.suppress(RuntimeError):
                    beside()  # the saves' process is waited for, never left behind
            raise
        report = report if beside is None else merged(report, beside())  # the saves' process checked meanwhile
        report = views(report)
        return report if saves is None else dataclasses.replace(report, saves=saves.signatures)

    def inclusion(self, reference: str, size: int | None = None) -> dict[str, Any]:
        """A document's latest event in the log (its signature, usually) with its RFC 6962 inclusion proof in
        the tree of `size` leaves (default: the whole log). A bare certificate number means its current
        edition. The state is "pending" when that event is not yet covered by the tree (nor, then, by any
        checkpoint of that size): the proof is empty until a later checkpoint covers it."""
        log = self._translog()
        ref, document = self._logged_document(reference)
        available = log.size()
        tree = available if size is None else size
        if not 0 < tree <= available:
            raise InvalidInput("size", f"a tree size from 1 to {available} (the log's size), not {tree}")
        position = log.position_of(document.id, document.version)
        if position is None or position >= tree:
            return {"document": str(ref), "state": "pending", "tree_size": tree, "position": position,
                    "leaf_hash": None, "proof": [], "root": log.root(tree).hex()}
        return {"document": str(ref), "state": "included", "tree_size": tree, "position": position,
                "leaf_hash": log.store.leaves(position, position + 1)[0][1].hex(),
                "proof": [h.hex() for h in log.inclusion_proof(position, tree)], "root": log.root(tree).hex()}

    def _logged_document(self, reference: str) -> tuple[DocumentReference, Certificate | Proof]:
        """The reference (a proof, or a certificate edition) and its aggregate; a bare number is the current
        edition."""
        ref = DocumentReference.parse(reference, bare_allowed=True)
        if ref.is_proof:
            return ref, self._proof(ref.number)
        editions = self._editions(ref.number)
        cert = edition_of(editions, ref.number, ref.edition) if ref.edition is not None else editions[-1]
        return DocumentReference.certificate(ref.number, cert.edition), cert
