"""Keys and signing: office keys and their windows, drafts to render and sign, and the signed record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.app_base import Actor, edition_of
from ledger.app_keys import KeyChanges
from ledger.app_proofs import Proofs
from ledger.docref import DocumentReference
from ledger.documents import Document, ProofKind
from ledger.errors import RuleViolation
from ledger.projections import certificate_view, key_view, proof_view
from ledger.signing_key import SignedFile, SigningKey, signed_file_id
from ledger.views import CertificateView, ProofView, SignedFileView, SigningKeyView


@dataclass(frozen=True)
class Draft:
    """A document decided but not saved: its view to render, the key to sign it with, and the aggregates
    to save with its signature (commit_signed)."""

    view: CertificateView | ProofView
    reference: DocumentReference  # what the signed file renders: the certificate edition or the proof
    key: SigningKeyView  # the acting office's key that may sign at `at`, chosen by the ledger
    at: datetime  # the signing time the ledger will record
    aggregates: tuple[Aggregate, ...]
    document: Document


class Signing(KeyChanges, Proofs):
    # ------------------------------------------------------------ signing keys
    def key(self, kid: str) -> SigningKeyView:
        return key_view(self._key(kid))

    def signing_keys(self, office: str | None = None) -> list[SigningKeyView]:
        views = [key_view(self.repository.get(i)) for i in self._ids_created_as(SigningKey.Registered)]
        return [v for v in views if office is None or v.office == office]

    def active_key(self, office: str) -> SigningKeyView:
        """The office's key that may sign now (the newest, if several)."""
        return self._key_that_may_sign(office, self.now())

    def _key_that_may_sign(self, office: str, at: datetime) -> SigningKeyView:
        """The office's key that may sign at `at` (the newest, if several)."""
        usable = [v for v in self.signing_keys(office) if self._key(v.kid).may_sign_at(at)[0]]
        if not usable:
            raise RuleViolation("no-active-key", f"office {office} has no signing key valid now: "
                                                 "certledger keys init (or keys rotate)")
        return max(usable, key=lambda v: v.not_before)

    # -------------------------------------------------------- signed documents
    def draft_proof(self, actor: Actor, number: str, kind: ProofKind, reason: str = "lost",
                    request: str | None = None, corrections: Mapping[str, str] | None = None) -> Draft:
        """Everything prove() decides, not yet saved: render and sign it, then commit_signed()."""
        cert = self._current(number)
        proof, extra = self._prove(actor, cert, kind, reason, request, corrections)
        at = proof.issued_by.at
        key = self._key_that_may_sign(actor.office, at)
        return Draft(proof_view(proof), DocumentReference.proof(proof.number), key, at, (cert, proof, *extra), proof)

    def draft_certificate(self, actor: Actor, number: str) -> Draft:
        """An electronic certificate of the current edition, to render and sign."""
        editions = self._editions(number)
        cert = editions[-1]
        cert.check_may_hand_over(actor.office)
        at = self.now()
        key = self._key_that_may_sign(actor.office, at)
        return Draft(certificate_view(cert, editions=len(editions)),
                     DocumentReference.certificate(cert.number, cert.edition), key, at, (cert,), cert)

    def commit_signed(self, actor: Actor, draft: Draft, sha256: str, token: str) -> SignedFileView:
        """Record the signed file with the draft, in one atomic save; the key and signing time are the draft's.

        The key is looked up again: it must still be on record, the acting office's, and valid at `draft.at`.
        """
        (view,) = self.commit_signed_batch(actor, [(draft, sha256, token)])
        return view

    def commit_signed_batch(self, actor: Actor, signed: Sequence[tuple[Draft, str, str]]) -> list[SignedFileView]:
        """Record every (draft, sha256, token) with its draft in one save: all of them or, on any refusal or
        conflict, none (a batch's save is signed and logged once, not once per document)."""
        aggregates: list[Aggregate] = []
        views = []
        keys: dict[str, SigningKey] = {}
        for draft, sha256, token in signed:
            kid = draft.key.kid
            self._check_key_may_sign(actor, keys.get(kid) or keys.setdefault(kid, self._key(kid)), draft.at)
            doc = draft.document
            doc.record_signature(sha256, kid, token, actor.operator, actor.office, draft.at)
            number = str(draft.reference)
            aggregates += [*draft.aggregates, SignedFile.record(sha256, number, doc.id, kid, draft.at)]
            views.append(SignedFileView(sha256, number, kid, draft.at))
        self._save(*aggregates, duplicate=None)
        return views

    @staticmethod
    def _check_key_may_sign(actor: Actor, key: SigningKey, at: datetime) -> None:
        if key.office != actor.office:
            raise RuleViolation("key-owner-only", f"key {key.kid} belongs to office {key.office}")
        ok, why = key.may_sign_at(at)
        if not ok:
            raise RuleViolation("key-not-valid", why)

    def signed_file(self, sha256: str) -> SignedFileView | None:
        try:
            f: SignedFile = self.repository.get(signed_file_id(sha256))
        except AggregateNotFoundError:
            return None
        return SignedFileView(f.sha256, f.document_number, f.key_id, f.signed_at)

    def document_by_reference(self, reference: str) -> CertificateView | ProofView:
        """A proof number, or certificate number#edition as SignedFile records it."""
        ref = DocumentReference.parse(reference, bare_allowed=True)
        if ref.edition is None:  # a bare number names a proof here: a record always names an edition
            return proof_view(self._proof(ref.number))
        editions = self._editions(ref.number)
        return certificate_view(edition_of(editions, ref.number, ref.edition), editions=len(editions))
